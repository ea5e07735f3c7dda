//! Runtime values and their types, and the one conversion every client uses
//! between JSON and exact values.
//!
//! JSON encoding (used by the CLI, the C ABI and the Python layer alike):
//! integers are JSON integers; other exact numbers are JSON strings holding
//! the exact value — a finite decimal when there is one (`"0.4"`), otherwise a
//! reduced fraction (`"1/3"`); dates are `"YYYY-MM-DD"` strings; enums and
//! text are strings; lists are arrays; records are objects. On input, a
//! number may be given as a JSON number (read exactly from its digits, never
//! through binary floating point) or as a string in any of the literal forms
//! `3`, `0.4`, `40%`, `1/3`.

use crate::date::{Date, DateTime};
use crate::number::Number;
use indexmap::IndexMap;
use std::fmt;
use std::sync::Arc;

/// The most elements a list given as input may hold.
pub const MAX_LIST_LEN: usize = 1_000_000;

/// The type of an input, output, parameter or expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// An exact integer.
    Integer,
    /// An exact rational number.
    Number,
    /// `true` or `false`.
    Bool,
    /// Free text.
    Text,
    /// A calendar date.
    Date,
    /// A local date and time.
    DateTime,
    /// One of a fixed set of names.
    Enum(Arc<[String]>),
    /// A list whose elements all have one type.
    List(Box<Type>),
    /// A record with named fields.
    Record(Arc<IndexMap<String, Type>>),
    /// The element type of an empty list literal; fits any type.
    Unknown,
}

impl Type {
    /// True when a value of type `self` may be used where `target` is
    /// expected. Text may flow into an enum (checked when the value is
    /// known); a record may carry more fields than the target asks for.
    pub fn fits(&self, target: &Type) -> bool {
        match (self, target) {
            (Type::Unknown, _) | (_, Type::Unknown) => true,
            (Type::Integer, Type::Number) => true,
            (Type::Text, Type::Enum(_)) | (Type::Enum(_), Type::Text) => true,
            (Type::Enum(a), Type::Enum(b)) => a.iter().all(|v| b.contains(v)) || a.iter().any(|v| b.contains(v)),
            (Type::List(a), Type::List(b)) => a.fits(b),
            (Type::Record(a), Type::Record(b)) => b.iter().all(|(k, tb)| a.get(k).is_some_and(|ta| ta.fits(tb))),
            (a, b) => a == b,
        }
    }

    /// True when a value that statically fits still needs a run-time check
    /// (text into an enum, a number into an integer, and so on inside lists
    /// and records).
    pub fn needs_check(&self, target: &Type) -> bool {
        match (self, target) {
            (Type::Enum(a), Type::Enum(b)) => !a.iter().all(|v| b.contains(v)),
            (Type::Text, Type::Enum(_)) => true,
            (Type::Number, Type::Integer) => true,
            (Type::Unknown, _) => false,
            (Type::List(a), Type::List(b)) => a.needs_check(b),
            (Type::Record(a), Type::Record(b)) => b.iter().any(|(k, tb)| a.get(k).is_none_or(|ta| ta.needs_check(tb))),
            _ => false,
        }
    }

    /// True for integer and number.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Integer | Type::Number)
    }

    /// The type both branches of a conditional (or elements of a list) can
    /// take, if any.
    pub fn join(&self, other: &Type) -> Option<Type> {
        match (self, other) {
            (Type::Unknown, t) | (t, Type::Unknown) => Some(t.clone()),
            (Type::Integer, Type::Number) | (Type::Number, Type::Integer) => Some(Type::Number),
            (Type::Enum(a), Type::Enum(b)) => {
                let mut all: Vec<String> = a.to_vec();
                for v in b.iter() {
                    if !all.contains(v) {
                        all.push(v.clone());
                    }
                }
                Some(Type::Enum(all.into()))
            }
            (Type::Enum(_), Type::Text) | (Type::Text, Type::Enum(_)) => Some(Type::Text),
            (Type::Date | Type::DateTime, Type::Text) | (Type::Text, Type::Date | Type::DateTime) => Some(Type::Text),
            (Type::List(a), Type::List(b)) => a.join(b).map(|t| Type::List(Box::new(t))),
            (Type::Record(a), Type::Record(b)) => {
                let mut fields = IndexMap::new();
                for (k, ta) in a.iter() {
                    if let Some(tb) = b.get(k) {
                        fields.insert(k.clone(), ta.join(tb)?);
                    }
                }
                Some(Type::Record(Arc::new(fields)))
            }
            (a, b) if a == b => Some(a.clone()),
            _ => None,
        }
    }

    /// A JSON description of the type, for rule metadata.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Type::Integer => json!("integer"),
            Type::Number => json!("number"),
            Type::Bool => json!("bool"),
            Type::Text => json!("text"),
            Type::Date => json!("date"),
            Type::DateTime => json!("datetime"),
            Type::Unknown => json!("unknown"),
            Type::Enum(vs) => json!({ "enum": vs.to_vec() }),
            Type::List(t) => json!({ "list": t.to_json() }),
            Type::Record(fs) => {
                let m: serde_json::Map<String, serde_json::Value> =
                    fs.iter().map(|(k, t)| (k.clone(), t.to_json())).collect();
                json!({ "record": m })
            }
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Integer => f.write_str("integer"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::Text => f.write_str("text"),
            Type::Date => f.write_str("date"),
            Type::DateTime => f.write_str("datetime"),
            Type::Unknown => f.write_str("unknown"),
            Type::Enum(vs) => write!(f, "one of {}", vs.join("|")),
            Type::List(t) => write!(f, "list of {t}"),
            Type::Record(fs) => {
                f.write_str("record {")?;
                for (i, (k, t)) in fs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {t}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A runtime value. Enum values are text; lists and records share their
/// contents cheaply.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// An exact number (integers included).
    Number(Number),
    /// A truth value.
    Bool(bool),
    /// Text or an enum name.
    Text(Arc<str>),
    /// A calendar date.
    Date(Date),
    /// A local date and time.
    DateTime(DateTime),
    /// A list.
    List(Arc<Vec<Value>>),
    /// A record, fields in declaration order.
    Record(Arc<Record>),
}

/// The fields of a record value, in order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Record(pub IndexMap<String, Value>);

impl std::hash::Hash for Record {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for (k, v) in &self.0 {
            k.hash(state);
            v.hash(state);
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
        self.0.iter().cmp(other.0.iter())
    }
}

impl Value {
    /// A text value.
    pub fn text(s: &str) -> Value {
        Value::Text(Arc::from(s))
    }

    /// An integer value.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::from_int(i))
    }

    /// A record value from its fields.
    pub fn record(fields: IndexMap<String, Value>) -> Value {
        Value::Record(Arc::new(Record(fields)))
    }

    /// The field of a record, if this is a record that has it.
    pub fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Record(r) => r.0.get(name),
            _ => None,
        }
    }

    /// The JSON form of the value (see the module documentation).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Number(n) => number_to_json(n),
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Text(s) => serde_json::Value::String(s.to_string()),
            Value::Date(d) => serde_json::Value::String(d.to_string()),
            Value::DateTime(d) => serde_json::Value::String(d.to_string()),
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
            Value::Record(r) => serde_json::Value::Object(r.0.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// A short name of the kind of value, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Number(_) => "number",
            Value::Bool(_) => "bool",
            Value::Text(_) => "text",
            Value::Date(_) => "date",
            Value::DateTime(_) => "datetime",
            Value::List(_) => "list",
            Value::Record(_) => "record",
        }
    }
}

fn number_to_json(n: &Number) -> serde_json::Value {
    if let Some(i) = n.to_i64() {
        serde_json::Value::Number(i.into())
    } else if n.is_integer() {
        // beyond i64: keep it exact as text
        serde_json::Value::String(n.to_string())
    } else {
        serde_json::Value::String(n.to_string())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Text(s) => f.write_str(s),
            Value::Date(d) => write!(f, "{d}"),
            Value::DateTime(d) => write!(f, "{d}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Value::Record(r) => {
                f.write_str("{")?;
                for (i, (k, v)) in r.0.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

/// What is wrong with one input value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// Where in the input: `class`, `roster[3].sector`, …
    pub field: String,
    /// What is wrong, lowercase, one line.
    pub message: String,
    /// The allowed values, when the type is an enum.
    pub allowed: Option<Vec<String>>,
}

fn problem(field: &str, message: String) -> InputProblem {
    InputProblem { field: field.to_string(), message, allowed: None }
}

fn describe_json(j: &serde_json::Value) -> String {
    match j {
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Bool(b) => format!("`{b}`"),
        serde_json::Value::Number(n) => format!("`{n}`"),
        serde_json::Value::String(s) => format!("`{}`", truncate(s, 40)),
        serde_json::Value::Array(_) => "a list".into(),
        serde_json::Value::Object(_) => "an object".into(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n).collect();
        format!("{t}…")
    }
}

/// Reads an exact number from a JSON number or string.
pub fn json_number(j: &serde_json::Value) -> Option<Result<Number, String>> {
    match j {
        serde_json::Value::Number(n) => Some(Number::parse(&n.to_string())),
        serde_json::Value::String(s) => Some(Number::parse(s)),
        _ => None,
    }
}

/// Converts a JSON value to a value of the given type.
///
/// # Errors
/// The first problem found, naming the field path.
pub fn from_json(j: &serde_json::Value, ty: &Type, field: &str) -> Result<Value, InputProblem> {
    convert_json(j, ty, &FieldPath::Root(field))
}

/// Where a value stands in the input, spelt out (`roster[3].sector`) only
/// when a problem is reported.
enum FieldPath<'a> {
    Root(&'a str),
    Index(&'a FieldPath<'a>, usize),
    Field(&'a FieldPath<'a>, &'a str),
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::Root(s) => f.write_str(s),
            FieldPath::Index(p, i) => write!(f, "{p}[{i}]"),
            FieldPath::Field(p, name) => {
                if matches!(p, FieldPath::Root(s) if s.is_empty()) {
                    f.write_str(name)
                } else {
                    write!(f, "{p}.{name}")
                }
            }
        }
    }
}

fn convert_json(j: &serde_json::Value, ty: &Type, path: &FieldPath) -> Result<Value, InputProblem> {
    // the path is formatted only on the way out with a problem
    let problem = |message: String| problem(&path.to_string(), message);
    match ty {
        Type::Integer | Type::Number => {
            let n = match json_number(j) {
                Some(Ok(n)) => n,
                Some(Err(e)) => return Err(problem(format!("{} is not an exact number: {e}", describe_json(j)))),
                None => {
                    return Err(problem(format!("expected {ty}, found {}", describe_json(j))));
                }
            };
            if *ty == Type::Integer && !n.is_integer() {
                return Err(problem(format!("expected an integer, found `{n}`")));
            }
            Ok(Value::Number(n))
        }
        Type::Bool => match j {
            serde_json::Value::Bool(b) => Ok(Value::Bool(*b)),
            _ => Err(problem(format!("expected true or false, found {}", describe_json(j)))),
        },
        Type::Text | Type::Unknown => match j {
            serde_json::Value::String(s) => Ok(Value::text(s)),
            _ => Err(problem(format!("expected text, found {}", describe_json(j)))),
        },
        Type::Enum(allowed) => match j {
            serde_json::Value::String(s) if allowed.iter().any(|a| a == s) => Ok(Value::text(s)),
            _ => Err(InputProblem {
                field: path.to_string(),
                message: format!("{} is not allowed; expected one of {}", describe_json(j), allowed.join(", ")),
                allowed: Some(allowed.to_vec()),
            }),
        },
        Type::Date => match j {
            serde_json::Value::String(s) => Date::parse(s).map(Value::Date).map_err(&problem),
            _ => Err(problem(format!("expected a date (YYYY-MM-DD), found {}", describe_json(j)))),
        },
        Type::DateTime => match j {
            serde_json::Value::String(s) => DateTime::parse(s).map(Value::DateTime).map_err(&problem),
            _ => Err(problem(format!("expected a date and time (YYYY-MM-DDTHH:MM), found {}", describe_json(j)))),
        },
        Type::List(elem) => match j {
            serde_json::Value::Array(items) => {
                if items.len() > MAX_LIST_LEN {
                    return Err(problem(format!("list has {} items, more than the limit {MAX_LIST_LEN}", items.len())));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(convert_json(item, elem, &FieldPath::Index(path, i))?);
                }
                Ok(Value::List(Arc::new(out)))
            }
            _ => Err(problem(format!("expected a list, found {}", describe_json(j)))),
        },
        Type::Record(fields) => match j {
            serde_json::Value::Object(map) => {
                let mut out = IndexMap::with_capacity(fields.len());
                for (name, fty) in fields.iter() {
                    let inner = FieldPath::Field(path, name);
                    match map.get(name) {
                        Some(v) => {
                            out.insert(name.clone(), convert_json(v, fty, &inner)?);
                        }
                        None => return Err(self::problem(&inner.to_string(), format!("missing field `{name}`"))),
                    }
                }
                Ok(Value::record(out))
            }
            _ => Err(problem(format!("expected a record (JSON object), found {}", describe_json(j)))),
        },
    }
}

/// Checks that a value computed inside the engine has the declared type
/// (enum membership, integrality), returning it unchanged.
///
/// # Errors
/// The first problem found.
pub fn conform(v: &Value, ty: &Type, field: &str) -> Result<(), InputProblem> {
    match (v, ty) {
        (Value::Number(n), Type::Integer) if !n.is_integer() => {
            Err(problem(field, format!("expected an integer, found `{n}`")))
        }
        (Value::Text(s), Type::Enum(allowed)) if !allowed.iter().any(|a| **a == **s) => Err(InputProblem {
            field: field.to_string(),
            message: format!("`{s}` is not allowed; expected one of {}", allowed.join(", ")),
            allowed: Some(allowed.to_vec()),
        }),
        (Value::List(items), Type::List(elem)) => {
            for (i, item) in items.iter().enumerate() {
                conform(item, elem, &format!("{field}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Record(r), Type::Record(fields)) => {
            for (name, fty) in fields.iter() {
                let path = format!("{field}.{name}");
                match r.0.get(name) {
                    Some(fv) => conform(fv, fty, &path)?,
                    None => return Err(problem(&path, format!("missing field `{name}`"))),
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Infers a type for JSON data given without a declared type (scenario
/// data): numbers are integers or numbers; strings of the form `YYYY-MM-DD`
/// are dates and `YYYY-MM-DDTHH:MM` datetimes, other strings text; objects
/// are records of the fields every element shares.
pub fn infer_type(j: &serde_json::Value) -> Type {
    match j {
        serde_json::Value::Bool(_) => Type::Bool,
        serde_json::Value::Number(n) => match Number::parse(&n.to_string()) {
            Ok(x) if x.is_integer() => Type::Integer,
            _ => Type::Number,
        },
        serde_json::Value::String(s) if Date::parse(s).is_ok() => Type::Date,
        serde_json::Value::String(s) if s.len() >= 16 && DateTime::parse(s).is_ok() => Type::DateTime,
        serde_json::Value::String(_) | serde_json::Value::Null => Type::Text,
        serde_json::Value::Array(items) => {
            let mut t = Type::Unknown;
            for item in items {
                t = t.join(&infer_type(item)).unwrap_or(Type::Text);
            }
            Type::List(Box::new(t))
        }
        serde_json::Value::Object(m) => {
            Type::Record(Arc::new(m.iter().map(|(k, v)| (k.clone(), infer_type(v))).collect()))
        }
    }
}
