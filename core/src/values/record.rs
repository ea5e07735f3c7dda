//! Record values: the fields of a record in order, their names shared by
//! every record of one shape, compared and hashed by name and value.

use crate::values::value::Value;
use indexmap::IndexMap;
use std::sync::Arc;

/// The names of a record's fields, shared by every record of one shape (the
/// outputs of a rule, the fields of a record literal, of an input type).
pub type FieldNames = Arc<[Arc<str>]>;

/// The fields of a record value, in order: names shared by every record of
/// its shape, and one value per name. Reading a field by its position is
/// direct; by its name, a short scan (records are small).
#[derive(Clone, Debug, Default)]
pub struct Record {
    names: FieldNames,
    values: Vec<Value>,
}

impl Record {
    /// A record of `values` under `names` (one value per name; extra values
    /// or names are dropped).
    pub fn with_names(names: FieldNames, mut values: Vec<Value>) -> Record {
        let names = if values.len() < names.len() { names.iter().take(values.len()).cloned().collect() } else { names };
        values.truncate(names.len());
        Record { names, values }
    }

    /// A record from (name, value) pairs, in order.
    pub fn from_pairs<K: AsRef<str>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Record {
        let (names, values): (Vec<Arc<str>>, Vec<Value>) =
            pairs.into_iter().map(|(k, v)| (Arc::from(k.as_ref()), v)).unzip();
        Record { names: names.into(), values }
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.names.iter().position(|n| &**n == name).and_then(|i| self.values.get(i))
    }

    /// The value of a field, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.names.iter().position(|n| &**n == name).and_then(|i| self.values.get_mut(i))
    }

    /// The field at a position: name and value.
    pub fn get_index(&self, i: usize) -> Option<(&str, &Value)> {
        Some((self.names.get(i)?, self.values.get(i)?))
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.names.iter().map(|n| &**n).zip(self.values.iter())
    }

    /// The field names in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// The values in order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.values.iter()
    }

    /// The shared names.
    pub fn names(&self) -> &FieldNames {
        &self.names
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True with no fields.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The fields as a map, name → value.
    pub fn to_map(&self) -> IndexMap<String, Value> {
        self.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    /// The fields as a map, taking the values.
    pub fn into_map(self) -> IndexMap<String, Value> {
        self.names.iter().map(|k| k.to_string()).zip(self.values).collect()
    }
}

impl PartialEq for Record {
    /// Two records are equal when they have the same fields with equal
    /// values, in whatever order.
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        if Arc::ptr_eq(&self.names, &other.names) || self.names == other.names {
            return self.values == other.values;
        }
        self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for Record {}

impl std::hash::Hash for Record {
    /// Consistent with equality in any order: the hashes of the fields are
    /// combined without regard to their order.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        use std::hash::Hasher;
        let mut combined: u64 = 0;
        for (k, v) in self.iter() {
            // an unkeyed hasher, so that equal records hash alike
            let mut f = FastHasher::default();
            k.hash(&mut f);
            v.hash(&mut f);
            combined = combined.wrapping_add(f.finish());
        }
        state.write_usize(self.len());
        state.write_u64(combined);
    }
}

/// A fast, unkeyed hash (a word at a time, multiply-rotate): for combining
/// a record's field hashes in any order, and for the trace's index of
/// steps, where a collision only costs a comparison.
#[derive(Default)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }
}

impl PartialOrd for Record {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Record {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}
