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

use crate::values::date::{Date, DateTime, Duration, TimeOfDay, YearsMonths};
use crate::values::number::Number;
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
    /// A time of day (`09:30`).
    Time,
    /// A length of time in days, hours, minutes and seconds (`PT2H30M`).
    Duration,
    /// A span of calendar years and months (`P1Y6M`).
    YearsMonths,
    /// An exact decimal kept to a fixed number of places (`money` is two:
    /// 元 to 分). Inside a formula it is a number; where a rule outputs it,
    /// it is rounded to its places by the output's rounding mode, and it
    /// is printed with exactly that many places (`1080.10`).
    Decimal(u8),
    /// One of a fixed set of names.
    Enum(Arc<[String]>),
    /// A list whose elements all have one type.
    List(Box<Type>),
    /// A record with named fields.
    Record(Arc<IndexMap<String, Type>>),
    /// A value that may be absent (`optional: true` on an input, or
    /// `{optional: T}` for a record field or list element). Reading it
    /// where a value is needed checks it is there; `is_missing(x)` and
    /// `x ?? fallback` read it as it is.
    Optional(Box<Type>),
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
            (Type::Optional(a), Type::Optional(b)) => a.fits(b),
            (a, Type::Optional(b)) => a.fits(b),
            (Type::Integer, Type::Number) => true,
            (Type::Integer | Type::Number | Type::Decimal(_), Type::Number | Type::Decimal(_)) => true,
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
            (Type::Optional(a), Type::Optional(b)) => a.needs_check(b),
            (a, Type::Optional(b)) => a.needs_check(b),
            (Type::Enum(a), Type::Enum(b)) => !a.iter().all(|v| b.contains(v)),
            (Type::Text, Type::Enum(_)) => true,
            (Type::Number | Type::Decimal(_), Type::Integer) => true,
            (Type::Number, Type::Decimal(_)) => true,
            (Type::Decimal(a), Type::Decimal(b)) => a > b,
            (Type::Unknown, _) => false,
            (Type::List(a), Type::List(b)) => a.needs_check(b),
            (Type::Record(a), Type::Record(b)) => b.iter().any(|(k, tb)| a.get(k).is_none_or(|ta| ta.needs_check(tb))),
            _ => false,
        }
    }

    /// True for integer, number and decimal.
    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Integer | Type::Number | Type::Decimal(_))
    }

    /// Numbers, dates, datetimes, times of day and durations: what `<`,
    /// `min`, `max` and `sort_by` order (both sides of one type).
    pub fn is_ordered(&self) -> bool {
        self.is_numeric()
            || matches!(self, Type::Date | Type::DateTime | Type::Time | Type::Duration | Type::YearsMonths)
    }

    /// True when a value of this type holds a decimal somewhere (itself, a
    /// list's elements, a record's fields): its outputs need rounding.
    pub fn has_decimal(&self) -> bool {
        match self {
            Type::Decimal(_) => true,
            Type::List(t) | Type::Optional(t) => t.has_decimal(),
            Type::Record(fs) => fs.values().any(Type::has_decimal),
            _ => false,
        }
    }

    /// The type both branches of a conditional (or elements of a list) can
    /// take, if any.
    pub fn join(&self, other: &Type) -> Option<Type> {
        match (self, other) {
            (Type::Unknown, t) | (t, Type::Unknown) => Some(t.clone()),
            (Type::Optional(a), Type::Optional(b)) => a.join(b).map(|t| Type::Optional(Box::new(t))),
            (Type::Optional(a), b) | (b, Type::Optional(a)) => a.join(b).map(|t| Type::Optional(Box::new(t))),
            (Type::Integer, Type::Number) | (Type::Number, Type::Integer) => Some(Type::Number),
            (Type::Decimal(a), Type::Decimal(b)) => Some(Type::Decimal(*a.max(b))),
            (Type::Decimal(_), Type::Integer | Type::Number) | (Type::Integer | Type::Number, Type::Decimal(_)) => {
                Some(Type::Number)
            }
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
            Type::Time => json!("time"),
            Type::Duration => json!("duration"),
            Type::YearsMonths => json!("years_months"),
            Type::Decimal(p) => json!({ "decimal": p }),
            Type::Optional(t) => json!({ "optional": t.to_json() }),
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
            Type::Time => f.write_str("time"),
            Type::Duration => f.write_str("duration"),
            Type::YearsMonths => f.write_str("years_months"),
            Type::Decimal(2) => f.write_str("money"),
            Type::Decimal(p) => write!(f, "decimal({p})"),
            Type::Optional(t) => write!(f, "optional {t}"),
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
    /// A time of day.
    Time(TimeOfDay),
    /// A length of time.
    Duration(Duration),
    /// A span of calendar years and months.
    YearsMonths(YearsMonths),
    /// A list.
    List(Arc<Vec<Value>>),
    /// A record, fields in declaration order.
    Record(Arc<Record>),
    /// No value: an optional input or field left out (JSON `null`).
    Absent,
}

pub(crate) use crate::values::record::FastHasher;
pub use crate::values::record::{FieldNames, Record};

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
        Value::Record(Arc::new(Record::from_pairs(fields)))
    }

    /// The field of a record, if this is a record that has it.
    pub fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Record(r) => r.get(name),
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
            Value::Time(t) => serde_json::Value::String(t.to_string()),
            Value::Duration(d) => serde_json::Value::String(d.to_string()),
            Value::YearsMonths(p) => serde_json::Value::String(p.to_string()),
            Value::List(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
            Value::Record(r) => {
                serde_json::Value::Object(r.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect())
            }
            Value::Absent => serde_json::Value::Null,
        }
    }

    /// Writes the JSON form ([`Value::to_json`]) straight into `out`, the
    /// same bytes `to_json().to_string()` gives, without building a JSON
    /// tree.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Value::Number(n) => match n.to_i64() {
                Some(i) => out.extend_from_slice(i.to_string().as_bytes()),
                None => write_json_str(out, &n.to_string()),
            },
            Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Text(s) => write_json_str(out, s),
            Value::Date(d) => write_json_str(out, &d.to_string()),
            Value::DateTime(d) => write_json_str(out, &d.to_string()),
            Value::Time(t) => write_json_str(out, &t.to_string()),
            Value::Duration(d) => write_json_str(out, &d.to_string()),
            Value::YearsMonths(p) => write_json_str(out, &p.to_string()),
            Value::List(items) => {
                out.push(b'[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    v.write_json(out);
                }
                out.push(b']');
            }
            Value::Record(r) => write_json_fields(out, r.iter()),
            Value::Absent => out.extend_from_slice(b"null"),
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
            Value::Time(_) => "time",
            Value::Duration(_) => "duration",
            Value::YearsMonths(_) => "years_months",
            Value::List(_) => "list",
            Value::Record(_) => "record",
            Value::Absent => "absent",
        }
    }
}

/// Writes a JSON object of named values.
pub fn write_json_fields<'v>(out: &mut Vec<u8>, fields: impl Iterator<Item = (&'v str, &'v Value)>) {
    out.push(b'{');
    for (i, (k, v)) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_str(out, k);
        out.push(b':');
        v.write_json(out);
    }
    out.push(b'}');
}

/// Writes a JSON string, escaped as `serde_json` escapes it.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    // writing into a vector cannot fail
    let _ = serde_json::to_writer(&mut *out, s);
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
            Value::Time(t) => write!(f, "{t}"),
            Value::Duration(d) => write!(f, "{d}"),
            Value::YearsMonths(p) => write!(f, "{p}"),
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
                for (i, (k, v)) in r.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Value::Absent => f.write_str("absent"),
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
        serde_json::Value::Number(n) => Some(json_number_text(&n.to_string())),
        serde_json::Value::String(s) => Some(Number::parse(s)),
        _ => None,
    }
}

/// A JSON number's exact value: `12`, `-0.5`, and with an exponent (`1e400`,
/// `2.5E-3`) as long as the exponent is at most
/// [`crate::values::number::MAX_LITERAL_DIGITS`] in size.
fn json_number_text(text: &str) -> Result<Number, String> {
    let Some((mantissa, exp)) = text.split_once(['e', 'E']) else { return Number::parse(text) };
    let m = Number::parse(mantissa)?;
    let limit = crate::values::number::MAX_LITERAL_DIGITS;
    let e: i64 = match exp.strip_prefix('+').unwrap_or(exp).parse::<i64>() {
        Ok(e) if e.unsigned_abs() <= limit as u64 => e,
        _ => {
            return Err(format!(
                "its exponent is larger than {limit}, beyond the range of exact numbers; write the number's digits"
            ))
        }
    };
    let scale = Number::from_int(10).pow(e, |_| Ok(())).map_err(|x| x.to_string())?;
    m.mul(&scale).map_err(|x| x.to_string())
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
        Type::Optional(inner) => match j {
            serde_json::Value::Null => Ok(Value::Absent),
            _ => convert_json(j, inner, path),
        },
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
        Type::Decimal(p) => {
            let n = match json_number(j) {
                Some(Ok(n)) => n,
                Some(Err(e)) => return Err(problem(format!("{} is not an exact number: {e}", describe_json(j)))),
                None => return Err(problem(format!("expected {ty}, found {}", describe_json(j)))),
            };
            if !fits_places(&n, *p) {
                return Err(problem(places_message(&n, *p)));
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
        Type::Time => match j {
            serde_json::Value::String(s) => TimeOfDay::parse(s).map(Value::Time).map_err(&problem),
            _ => Err(problem(format!("expected a time of day (HH:MM), found {}", describe_json(j)))),
        },
        Type::Duration => match j {
            serde_json::Value::String(s) => Duration::parse(s).map(Value::Duration).map_err(&problem),
            _ => Err(problem(format!("expected a duration (ISO 8601: PT2H30M, P1D), found {}", describe_json(j)))),
        },
        Type::YearsMonths => match j {
            serde_json::Value::String(s) => YearsMonths::parse(s).map(Value::YearsMonths).map_err(&problem),
            _ => Err(problem(format!("expected years and months (ISO 8601: P1Y6M, P2Y), found {}", describe_json(j)))),
        },
        Type::List(elem) => match j {
            serde_json::Value::Array(items) => {
                if items.len() > MAX_LIST_LEN {
                    return Err(problem(format!("list has {} items, more than the limit {MAX_LIST_LEN}", items.len())));
                }
                let mut out = Vec::with_capacity(items.len());
                if let Type::Record(fields) = &**elem {
                    // every record of the list shares one set of names
                    let names = record_names(fields);
                    for (i, item) in items.iter().enumerate() {
                        out.push(convert_record(item, fields, &names, &FieldPath::Index(path, i))?);
                    }
                } else {
                    for (i, item) in items.iter().enumerate() {
                        out.push(convert_json(item, elem, &FieldPath::Index(path, i))?);
                    }
                }
                Ok(Value::List(Arc::new(out)))
            }
            _ => Err(problem(format!("expected a list, found {}", describe_json(j)))),
        },
        Type::Record(fields) => convert_record(j, fields, &record_names(fields), path),
    }
}

/// Whether `n` is a decimal of at most `places` places.
fn fits_places(n: &Number, places: u8) -> bool {
    n.decimal_places().is_some_and(|d| d <= u64::from(places))
}

fn places_message(n: &Number, places: u8) -> String {
    let ty = Type::Decimal(places);
    let what = if places == 0 { "no decimal places".to_string() } else { format!("at most {places} decimal places") };
    format!("expected {ty} ({what}), found `{n}`; round it to {places} places first")
}

/// Rounds, in place, every number that a value of type `ty` holds in a
/// decimal position (the value itself, list elements, record fields) to
/// its places, by `mode`: what a rule does to an output it declares as
/// `money` or `decimal(n)`.
///
/// # Errors
/// The rounding's own (a number too large to round).
pub fn settle(
    v: &mut Value,
    ty: &Type,
    mode: crate::values::number::RoundingMode,
) -> Result<(), crate::values::number::ArithmeticError> {
    match (v, ty) {
        (Value::Number(n), Type::Decimal(p)) => {
            if !fits_places(n, *p) {
                *n = n.round(i64::from(*p), mode)?;
            }
            Ok(())
        }
        (v, Type::Optional(t)) => settle(v, t, mode),
        (Value::List(items), Type::List(elem)) if elem.has_decimal() => {
            for item in Arc::make_mut(items).iter_mut() {
                settle(item, elem, mode)?;
            }
            Ok(())
        }
        (Value::Record(r), Type::Record(fields)) if ty.has_decimal() => {
            let r = Arc::make_mut(r);
            for (name, fty) in fields.iter() {
                if let Some(fv) = r.get_mut(name) {
                    settle(fv, fty, mode)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The JSON form of a value of declared type `ty`: as [`Value::to_json`],
/// except that a decimal is a string with exactly its places (`"1080.10"`).
pub fn to_json_typed(v: &Value, ty: &Type) -> serde_json::Value {
    match (v, ty) {
        (Value::Number(n), Type::Decimal(p)) => serde_json::Value::String(decimal_text(n, *p)),
        (v, Type::Optional(t)) => to_json_typed(v, t),
        (Value::List(items), Type::List(elem)) if elem.has_decimal() => {
            serde_json::Value::Array(items.iter().map(|x| to_json_typed(x, elem)).collect())
        }
        (Value::Record(r), Type::Record(fields)) if ty.has_decimal() => serde_json::Value::Object(
            r.iter()
                .map(|(k, x)| (k.to_string(), fields.get(k).map_or_else(|| x.to_json(), |t| to_json_typed(x, t))))
                .collect(),
        ),
        _ => v.to_json(),
    }
}

/// Writes [`to_json_typed`] into `out`.
pub fn write_json_typed(out: &mut Vec<u8>, v: &Value, ty: &Type) {
    if ty.has_decimal() {
        let _ = serde_json::to_writer(&mut *out, &to_json_typed(v, ty));
    } else {
        v.write_json(out);
    }
}

/// A value of declared type `ty` as people read it: as its `Display`,
/// except that a decimal shows exactly its places (`1080.10`).
pub fn display_typed(v: &Value, ty: &Type) -> String {
    match (v, ty) {
        (Value::Number(n), Type::Decimal(p)) => decimal_text(n, *p),
        (v, Type::Optional(t)) => display_typed(v, t),
        (Value::List(items), Type::List(elem)) if elem.has_decimal() => {
            format!("[{}]", items.iter().map(|x| display_typed(x, elem)).collect::<Vec<_>>().join(", "))
        }
        (Value::Record(r), Type::Record(fields)) if ty.has_decimal() => format!(
            "{{{}}}",
            r.iter()
                .map(|(k, x)| format!("{k}: {}", fields.get(k).map_or_else(|| x.to_string(), |t| display_typed(x, t))))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => v.to_string(),
    }
}

/// A number written with exactly `places` decimals, when it has no more
/// than that; otherwise its exact form (so nothing is ever hidden).
pub fn decimal_text(n: &Number, places: u8) -> String {
    if fits_places(n, places) {
        n.format_fixed(u32::from(places), "").unwrap_or_else(|_| n.to_string())
    } else {
        n.to_string()
    }
}

/// The field names of a record type, to share.
pub fn record_names(fields: &IndexMap<String, Type>) -> FieldNames {
    fields.keys().map(|k| Arc::from(k.as_str())).collect()
}

fn convert_record(
    j: &serde_json::Value,
    fields: &IndexMap<String, Type>,
    names: &FieldNames,
    path: &FieldPath,
) -> Result<Value, InputProblem> {
    let serde_json::Value::Object(map) = j else {
        return Err(problem(&path.to_string(), format!("expected a record (JSON object), found {}", describe_json(j))));
    };
    let mut values = Vec::with_capacity(fields.len());
    for (name, fty) in fields.iter() {
        let inner = FieldPath::Field(path, name);
        match map.get(name) {
            Some(v) => values.push(convert_json(v, fty, &inner)?),
            None if matches!(fty, Type::Optional(_)) => values.push(Value::Absent),
            None => return Err(problem(&inner.to_string(), format!("missing field `{name}`"))),
        }
    }
    Ok(Value::Record(Arc::new(Record::with_names(names.clone(), values))))
}

/// Checks that a value built by a binding (not read from JSON) has the
/// declared type: its kind, then enum membership and integrality.
///
/// # Errors
/// The first problem found, naming the field path.
pub fn check(v: &Value, ty: &Type, field: &str) -> Result<(), InputProblem> {
    check_at(v, ty, &FieldPath::Root(field))
}

fn check_at(v: &Value, ty: &Type, path: &FieldPath) -> Result<(), InputProblem> {
    let kind_fits = match (v, ty) {
        (_, Type::Unknown) => true,
        (Value::Absent, Type::Optional(_)) => return Ok(()),
        (_, Type::Optional(inner)) => return check_at(v, inner, path),
        (Value::Number(_), Type::Integer | Type::Number | Type::Decimal(_)) => true,
        (Value::Bool(_), Type::Bool) => true,
        (Value::Text(_), Type::Text | Type::Enum(_)) => true,
        (Value::Date(_), Type::Date) => true,
        (Value::DateTime(_), Type::DateTime) => true,
        (Value::Time(_), Type::Time) => true,
        (Value::Duration(_), Type::Duration) => true,
        (Value::YearsMonths(_), Type::YearsMonths) => true,
        (Value::List(items), Type::List(elem)) => {
            if items.len() > MAX_LIST_LEN {
                return Err(problem(
                    &path.to_string(),
                    format!("list has {} items, more than the limit {MAX_LIST_LEN}", items.len()),
                ));
            }
            for (i, item) in items.iter().enumerate() {
                check_at(item, elem, &FieldPath::Index(path, i))?;
            }
            return Ok(());
        }
        (Value::Record(r), Type::Record(fields)) => {
            for (name, fty) in fields.iter() {
                let inner = FieldPath::Field(path, name);
                match r.get(name) {
                    Some(fv) => check_at(fv, fty, &inner)?,
                    None => return Err(problem(&inner.to_string(), format!("missing field `{name}`"))),
                }
            }
            return Ok(());
        }
        _ => false,
    };
    if !kind_fits {
        return Err(problem(&path.to_string(), format!("expected {ty}, found {}", v.kind())));
    }
    conform_at(v, ty, path)
}

/// Checks that a value computed inside the engine has the declared type
/// (enum membership, integrality), returning it unchanged.
///
/// # Errors
/// The first problem found.
pub fn conform(v: &Value, ty: &Type, field: &str) -> Result<(), InputProblem> {
    conform_at(v, ty, &FieldPath::Root(field))
}

fn conform_at(v: &Value, ty: &Type, path: &FieldPath) -> Result<(), InputProblem> {
    match (v, ty) {
        (Value::Absent, Type::Optional(_)) => Ok(()),
        (_, Type::Optional(inner)) => conform_at(v, inner, path),
        (Value::Absent, _) => Err(problem(&path.to_string(), format!("expected {ty}, found no value"))),
        (Value::Number(n), Type::Integer) if !n.is_integer() => {
            Err(problem(&path.to_string(), format!("expected an integer, found `{n}`")))
        }
        (Value::Number(n), Type::Decimal(p)) if !fits_places(n, *p) => {
            Err(problem(&path.to_string(), places_message(n, *p)))
        }
        (Value::Text(s), Type::Enum(allowed)) if !allowed.iter().any(|a| **a == **s) => Err(InputProblem {
            field: path.to_string(),
            message: format!("`{s}` is not allowed; expected one of {}", allowed.join(", ")),
            allowed: Some(allowed.to_vec()),
        }),
        (Value::List(items), Type::List(elem)) => {
            for (i, item) in items.iter().enumerate() {
                conform_at(item, elem, &FieldPath::Index(path, i))?;
            }
            Ok(())
        }
        (Value::Record(r), Type::Record(fields)) => {
            for (name, fty) in fields.iter() {
                let inner = FieldPath::Field(path, name);
                match r.get(name) {
                    Some(fv) => conform_at(fv, fty, &inner)?,
                    None => return Err(problem(&inner.to_string(), format!("missing field `{name}`"))),
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
        serde_json::Value::String(s) if TimeOfDay::parse(s).is_ok() => Type::Time,
        serde_json::Value::String(s) if s.trim_start_matches('-').starts_with('P') && Duration::parse(s).is_ok() => {
            Type::Duration
        }
        serde_json::Value::String(s) if YearsMonths::parse(s).is_ok() => Type::YearsMonths,
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
