//! Strict JSON for inputs and options: a key given twice in one object is an
//! error naming the key (where a plain parser keeps the last and loses the
//! first without a word), numbers keep their exact digits, and nesting
//! deeper than [`MAX_JSON_DEPTH`] is a limit error, not a crash.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The deepest nesting of arrays and objects accepted (serde_json's own
/// recursion limit).
pub const MAX_JSON_DEPTH: usize = 128;

/// Why a JSON text was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// What is wrong, with the line and column.
    pub message: String,
    /// Nesting too deep (a limit) rather than malformed text.
    pub too_deep: bool,
    /// 1-based line and column.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Parses JSON text, refusing duplicate keys.
///
/// # Errors
/// Malformed JSON, a duplicate key, trailing characters, or nesting deeper
/// than [`MAX_JSON_DEPTH`], each with its line and column.
pub fn parse_strict(text: &str) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    StrictValue.deserialize(&mut de).and_then(|v| de.end().map(|()| v)).map_err(|e| describe(&e))
}

/// Checks JSON text as [`parse_strict`] would, without building it.
///
/// # Errors
/// As [`parse_strict`].
pub fn check_strict(text: &str) -> Result<(), JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    Check.deserialize(&mut de).and_then(|()| de.end()).map_err(|e| describe(&e))
}

fn describe(e: &serde_json::Error) -> JsonError {
    let raw = e.to_string();
    let too_deep = raw.starts_with("recursion limit exceeded");
    let what = if too_deep {
        format!("the JSON nests more than {MAX_JSON_DEPTH} arrays or objects deep")
    } else {
        raw.split(" at line ").next().unwrap_or(&raw).to_string()
    };
    JsonError {
        message: format!("{what} at line {}, column {}", e.line(), e.column()),
        too_deep,
        line: e.line(),
        column: e.column(),
    }
}

/// A validating pass: duplicate keys refused, nothing built but the keys of
/// the object being read.
struct Check;

impl<'de> DeserializeSeed<'de> for Check {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(CheckVisitor)
    }
}

struct CheckVisitor;

impl<'de> Visitor<'de> for CheckVisitor {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Check)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys: Vec<Key<'de>> = Vec::new();
        let mut seen: Option<std::collections::HashSet<Key<'de>>> = None;
        let mut first = true;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if first && key.as_str() == NUMBER_TOKEN {
                let _: de::IgnoredAny = map.next_value()?;
                return Ok(());
            }
            first = false;
            map.next_value_seed(Check)?;
            let dup = match &mut seen {
                Some(set) => !set.insert(key.clone()),
                None => {
                    let dup = keys.contains(&key);
                    keys.push(key.clone());
                    if keys.len() > 16 {
                        seen = Some(keys.drain(..).collect());
                    }
                    dup
                }
            };
            if dup {
                return Err(de::Error::custom(format!(
                    "the key `{}` appears twice in one object (a JSON object's keys must be distinct)",
                    key.as_str()
                )));
            }
        }
        Ok(())
    }
}

/// An object key, borrowed from the text when it has no escapes.
#[derive(Clone)]
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Key<'_> {}

impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h);
    }
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(s.to_string()))
    }
}

/// serde_json's marker key for a number kept as text (`arbitrary_precision`).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Number::from_f64(n).map(Value::Number).ok_or_else(|| E::custom("a number that is not finite"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut first = true;
        while let Some(key) = map.next_key::<String>()? {
            if first && key == NUMBER_TOKEN {
                // a number, its digits as written
                let digits: String = map.next_value()?;
                let n: Number =
                    digits.parse().map_err(|_| de::Error::custom(format!("the number `{digits}` is malformed")))?;
                return Ok(Value::Number(n));
            }
            first = false;
            let v = map.next_value_seed(StrictValue)?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "the key `{key}` appears twice in one object (a JSON object's keys must be distinct)"
                )));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_named_and_located() {
        let e = parse_strict("{\"a\": 1,\n \"a\": 2}").unwrap_err();
        assert!(e.message.contains("the key `a` appears twice"), "{}", e.message);
        assert_eq!(e.line, 2);
        assert!(parse_strict("{\"a\": {\"b\": 1}, \"b\": {\"b\": 2}}").is_ok(), "the same key in two objects is fine");
    }

    #[test]
    fn numbers_keep_their_digits() {
        let text = "[1e400, 0.1000, 123456789012345678901234567890, -7, {\"x\": 2.50}]";
        let v = parse_strict(text).unwrap();
        assert_eq!(v, serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(v.to_string(), "[1e+400,0.1000,123456789012345678901234567890,-7,{\"x\":2.50}]");
    }

    #[test]
    fn depth_is_a_limit() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        let e = parse_strict(&deep).unwrap_err();
        assert!(e.too_deep, "{}", e.message);
        assert!(e.message.contains("more than 128"), "{}", e.message);
        let ok = "[".repeat(100) + &"]".repeat(100);
        assert!(parse_strict(&ok).is_ok());
    }

    #[test]
    fn the_check_agrees_with_the_parser() {
        let many: String = (0..40).map(|i| format!("\"k{i}\": {i}")).collect::<Vec<_>>().join(", ");
        for text in [
            "{\"a\": 1, \"a\": 2}".to_string(),
            "{\"a\": 1, \"b\": [1, {\"a\": 1}]}".to_string(),
            format!("{{{many}, \"k3\": 0}}"),
            format!("{{{many}}}"),
            "{\"a\\u0062\": 1, \"ab\": 2}".to_string(),
            "[1e999, -0.0]".to_string(),
            "[".repeat(129) + &"]".repeat(129),
            "{\"x\": }".to_string(),
        ] {
            assert_eq!(check_strict(&text).err(), parse_strict(&text).err(), "{text}");
        }
    }

    #[test]
    fn trailing_text_is_refused() {
        assert!(parse_strict("{} x").unwrap_err().message.contains("trailing"));
    }
}
