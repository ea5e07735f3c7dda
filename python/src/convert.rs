//! Conversions between Python objects and the core's values.
//!
//! Inputs go from Python to the JSON document the core reads, without ever
//! passing through binary floating point: `int`, `fractions.Fraction` and
//! `decimal.Decimal` keep every digit, and a `float` is refused unless the
//! caller opts in with `allow_float=True` (then it is read by its shortest
//! decimal form, so `0.1` means one tenth). Outputs go from the core's exact
//! values back to Python: integers as `int`, other numbers as
//! `fractions.Fraction` (or `float` when the caller asks for it, for
//! plotting), dates as `datetime.date` and local date-times as naive
//! `datetime.datetime`.

use ordinance_core::date::DateTime;
use ordinance_core::ruleset::Citation;
use ordinance_core::value::Type;
use ordinance_core::{Date, Number, TraceEntry, Value};
use pyo3::exceptions::{PyOverflowError, PyValueError, PyZeroDivisionError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};
use std::str::FromStr;

/// The deepest nesting of lists and mappings accepted as input; deeper (or
/// self-referential) data is refused rather than overflowing the stack.
pub const MAX_DEPTH: usize = 64;

static FRACTION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static MAPPING: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SEQUENCE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// How exact non-integer numbers come back to Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberMode {
    /// Exact and readable (the default): `decimal.Decimal` when the value
    /// has a finite decimal form (`Decimal('0.4')`), `fractions.Fraction`
    /// only when it has none (`1/3`).
    Exact,
    /// `fractions.Fraction` for every non-integer, exact.
    Fraction,
    /// `float`, correctly rounded from the exact value (for plotting).
    Float,
}

impl NumberMode {
    /// Reads the `numbers=` argument.
    ///
    /// # Errors
    /// `ValueError` for anything but `"fraction"` or `"float"`.
    pub fn parse(text: &str) -> PyResult<NumberMode> {
        match text {
            "exact" => Ok(NumberMode::Exact),
            "fraction" => Ok(NumberMode::Fraction),
            "float" => Ok(NumberMode::Float),
            other => Err(PyValueError::new_err(format!(
                "numbers must be \"exact\", \"fraction\" or \"float\", not {other:?}"
            ))),
        }
    }
}

/// What is wrong with one input value, before the core ever sees it.
#[derive(Debug)]
pub struct Problem {
    /// Where in the input: `class`, `roster[3].sector`, …
    pub field: String,
    /// What is wrong, lowercase, one line.
    pub message: String,
}

/// A failed conversion: a problem with the user's data, or an exception
/// raised by Python code the conversion called (a mapping's `items()`, say).
#[derive(Debug)]
pub enum ConvertError {
    /// The data cannot be used as it is.
    Problem(Problem),
    /// Python raised.
    Python(PyErr),
}

impl From<PyErr> for ConvertError {
    fn from(e: PyErr) -> Self {
        ConvertError::Python(e)
    }
}

fn problem(field: &str, message: String) -> ConvertError {
    ConvertError::Problem(Problem { field: field.to_string(), message })
}

fn child(field: &str, key: &str) -> String {
    if field.is_empty() {
        key.to_string()
    } else {
        format!("{field}.{key}")
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

fn short_repr(obj: &Bound<'_, PyAny>) -> String {
    let r = obj.repr().map(|r| r.to_string()).unwrap_or_else(|_| type_name(obj));
    if r.chars().count() > 40 {
        format!("{}…", r.chars().take(40).collect::<String>())
    } else {
        r
    }
}

/// A JSON number from the decimal digits of a Python integer (exact: the
/// workspace's `serde_json` keeps arbitrary precision).
fn int_to_json(obj: &Bound<'_, PyAny>, field: &str) -> Result<serde_json::Value, ConvertError> {
    let digits = obj.str()?.to_cow()?.into_owned();
    serde_json::Number::from_str(&digits)
        .map(serde_json::Value::Number)
        .map_err(|_| problem(field, format!("`{digits}` is not an integer")))
}

/// The exact value of a ratio `(numerator, denominator)` as the core's JSON:
/// an integer when the denominator is 1, else the string `"n/d"`.
fn ratio_to_json(
    numer: &Bound<'_, PyAny>,
    denom: &Bound<'_, PyAny>,
    field: &str,
) -> Result<serde_json::Value, ConvertError> {
    let d = denom.str()?.to_cow()?.into_owned();
    if d == "1" {
        return int_to_json(numer, field);
    }
    let n = numer.str()?.to_cow()?.into_owned();
    Ok(serde_json::Value::String(format!("{n}/{d}")))
}

/// `x.as_integer_ratio()` of a `Decimal` or `Fraction`, with non-finite
/// values reported as problems of the input.
fn exact_ratio(obj: &Bound<'_, PyAny>, field: &str) -> Result<serde_json::Value, ConvertError> {
    let py = obj.py();
    match obj.call_method0(pyo3::intern!(py, "as_integer_ratio")) {
        Ok(pair) => {
            let pair = pair.cast_into::<PyTuple>().map_err(PyErr::from)?;
            ratio_to_json(&pair.get_item(0)?, &pair.get_item(1)?, field)
        }
        Err(e) if e.is_instance_of::<PyValueError>(py) || e.is_instance_of::<PyOverflowError>(py) => {
            Err(problem(field, format!("{} is not a finite number", short_repr(obj))))
        }
        Err(e) => Err(e.into()),
    }
}

fn float_to_json(obj: &Bound<'_, PyAny>, field: &str, allow_float: bool) -> Result<serde_json::Value, ConvertError> {
    let text = obj.str()?.to_cow()?.into_owned();
    if !allow_float {
        return Err(problem(
            field,
            format!(
                "`{text}` is a float, which is not exact; give an int, a Fraction, a Decimal or a string such as \
                 \"{text}\", or pass allow_float=True to read floats by their shortest decimal form"
            ),
        ));
    }
    // The shortest decimal that reads back as the same float (Python's
    // `repr`), taken exactly: 0.1 is one tenth, not 3602879701896397/2**55.
    let py = obj.py();
    let fraction = FRACTION.import(py, "fractions", "Fraction")?;
    match fraction.call1((text.as_str(),)) {
        Ok(f) => exact_ratio(&f, field),
        Err(e) if e.is_instance_of::<PyValueError>(py) || e.is_instance_of::<PyZeroDivisionError>(py) => {
            Err(problem(field, format!("`{text}` is not a finite number")))
        }
        Err(e) => Err(e.into()),
    }
}

fn date_to_json(obj: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let py = obj.py();
    let y: i64 = obj.getattr(pyo3::intern!(py, "year"))?.extract()?;
    let m: u32 = obj.getattr(pyo3::intern!(py, "month"))?.extract()?;
    let d: u32 = obj.getattr(pyo3::intern!(py, "day"))?.extract()?;
    Ok(serde_json::Value::String(format!("{y:04}-{m:02}-{d:02}")))
}

/// A naive `datetime` as the core's local date and time
/// (`YYYY-MM-DDTHH:MM:SS`). The core stores no time zone (times are wall
/// clock in the document's jurisdiction), so an aware datetime is refused
/// rather than silently shifted; sub-second parts are refused too.
fn datetime_to_json(obj: &Bound<'_, PyAny>, field: &str) -> Result<serde_json::Value, ConvertError> {
    let py = obj.py();
    // an aware datetime keeps its offset from UTC (whole minutes), which the
    // core stores as given and compares as an instant
    let offset = obj.call_method0(pyo3::intern!(py, "utcoffset"))?;
    if !offset.is_none() {
        let secs: f64 = offset.call_method0(pyo3::intern!(py, "total_seconds"))?.extract()?;
        if secs % 60.0 != 0.0 {
            return Err(problem(
                field,
                format!("{} has an offset from UTC that is not whole minutes", short_repr(obj)),
            ));
        }
    }
    let micro: u32 = obj.getattr(pyo3::intern!(py, "microsecond"))?.extract()?;
    if micro != 0 {
        return Err(problem(field, format!("{} has a fraction of a second; times are to the second", short_repr(obj))));
    }
    let text: String = obj.call_method1(pyo3::intern!(py, "isoformat"), ("T", "seconds"))?.extract()?;
    Ok(serde_json::Value::String(text))
}

/// A midnight datetime (what pandas makes of a date column) as a date;
/// any other time of day is refused, as it would be silently dropped.
fn datetime_as_date(obj: &Bound<'_, PyAny>, field: &str) -> Result<serde_json::Value, ConvertError> {
    let py = obj.py();
    let mut midnight = obj.getattr(pyo3::intern!(py, "tzinfo"))?.is_none();
    for part in ["hour", "minute", "second", "microsecond"] {
        let v: u32 = obj.getattr(part)?.extract()?;
        midnight &= v == 0;
    }
    if !midnight {
        return Err(problem(
            field,
            format!("{} has a time of day or a time zone; give a datetime.date", short_repr(obj)),
        ));
    }
    Ok(date_to_json(obj)?)
}

fn key_to_string(key: &Bound<'_, PyAny>, field: &str) -> Result<String, ConvertError> {
    match key.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(problem(field, format!("keys must be strings, found {}", short_repr(key)))),
    }
}

/// Converts a Python value to the JSON the core reads (see the module
/// documentation for what is accepted).
///
/// # Errors
/// A [`Problem`] naming the field path, or an exception Python raised.
pub fn to_json(
    obj: &Bound<'_, PyAny>,
    field: &str,
    allow_float: bool,
    depth: usize,
) -> Result<serde_json::Value, ConvertError> {
    let py = obj.py();
    if depth > MAX_DEPTH {
        return Err(problem(field, format!("input is nested more than {MAX_DEPTH} levels deep")));
    }
    if obj.is_none() {
        return Ok(serde_json::Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(serde_json::Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return int_to_json(obj, field);
    }
    if obj.is_instance_of::<PyFloat>() {
        return float_to_json(obj, field, allow_float);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(serde_json::Value::String(s.to_cow()?.into_owned()));
    }
    if obj.is_instance(FRACTION.import(py, "fractions", "Fraction")?)?
        || obj.is_instance(DECIMAL.import(py, "decimal", "Decimal")?)?
    {
        return exact_ratio(obj, field);
    }
    if obj.is_instance_of::<PyDateTime>() {
        return datetime_to_json(obj, field);
    }
    if obj.is_instance_of::<PyDate>() {
        return Ok(date_to_json(obj)?);
    }
    if obj.is_instance(TIME.import(py, "datetime", "time")?)? {
        if !obj.getattr(pyo3::intern!(py, "tzinfo"))?.is_none() || obj.getattr("microsecond")?.extract::<u32>()? != 0 {
            return Err(problem(field, "a time of day is given without a time zone and to the second".into()));
        }
        let (h, m, s): (u32, u32, u32) =
            (obj.getattr("hour")?.extract()?, obj.getattr("minute")?.extract()?, obj.getattr("second")?.extract()?);
        return Ok(serde_json::Value::String(format!("{h:02}:{m:02}:{s:02}")));
    }
    if obj.is_instance(TIMEDELTA.import(py, "datetime", "timedelta")?)? {
        if obj.getattr("microseconds")?.extract::<i64>()? != 0 {
            return Err(problem(field, "a duration is given to the second; this one has microseconds".into()));
        }
        let secs = obj.getattr("days")?.extract::<i64>()? * 86_400 + obj.getattr("seconds")?.extract::<i64>()?;
        let d = ordinance_core::date::Duration::from_secs(secs).map_err(|m| problem(field, m))?;
        return Ok(serde_json::Value::String(d.to_string()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = serde_json::Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = key_to_string(&k, field)?;
            let value = to_json(&v, &child(field, &key), allow_float, depth + 1)?;
            m.insert(key, value);
        }
        return Ok(serde_json::Value::Object(m));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return sequence_to_json(obj, field, allow_float, depth);
    }
    if obj.is_instance(MAPPING.import(py, "collections.abc", "Mapping")?)? {
        let mut m = serde_json::Map::new();
        for item in obj.call_method0(pyo3::intern!(py, "items"))?.try_iter()? {
            let pair = item?;
            let key = key_to_string(&pair.get_item(0)?, field)?;
            let value = to_json(&pair.get_item(1)?, &child(field, &key), allow_float, depth + 1)?;
            m.insert(key, value);
        }
        return Ok(serde_json::Value::Object(m));
    }
    if obj.is_instance(SEQUENCE.import(py, "collections.abc", "Sequence")?)?
        && !obj.is_instance_of::<PyBytes>()
        && !obj.is_instance_of::<PyByteArray>()
    {
        return sequence_to_json(obj, field, allow_float, depth);
    }
    // numpy and other integer-like scalars: exact through `__index__`.
    if obj.hasattr(pyo3::intern!(py, "__index__"))? {
        if let Ok(i) = obj.call_method0(pyo3::intern!(py, "__index__")) {
            return int_to_json(&i, field);
        }
    }
    Err(problem(
        field,
        format!(
            "cannot use a value of type `{}`; give an int, Fraction, Decimal, str, bool, date, list or dict",
            type_name(obj)
        ),
    ))
}

fn sequence_to_json(
    obj: &Bound<'_, PyAny>,
    field: &str,
    allow_float: bool,
    depth: usize,
) -> Result<serde_json::Value, ConvertError> {
    let mut items = Vec::new();
    for (i, item) in obj.try_iter()?.enumerate() {
        items.push(to_json(&item?, &format!("{field}[{i}]"), allow_float, depth + 1)?);
    }
    Ok(serde_json::Value::Array(items))
}

/// Reads an as-of date given as `datetime.date`, `"YYYY-MM-DD"` or `None`.
///
/// # Errors
/// A [`Problem`] on the field `as_of`.
pub fn as_of_date(obj: Option<&Bound<'_, PyAny>>) -> Result<Option<Date>, ConvertError> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else { return Ok(None) };
    let text = if obj.is_instance_of::<PyDateTime>() {
        datetime_as_date(obj, "as_of")?
    } else if obj.is_instance_of::<PyDate>() {
        date_to_json(obj)?
    } else if let Ok(s) = obj.cast::<PyString>() {
        serde_json::Value::String(s.to_cow()?.into_owned())
    } else {
        return Err(problem("as_of", format!("expected a datetime.date or \"YYYY-MM-DD\", found {}", short_repr(obj))));
    };
    let serde_json::Value::String(s) = text else { return Err(problem("as_of", "expected a date".into())) };
    Date::parse(&s).map(Some).map_err(|m| problem("as_of", m))
}

/// A number back in Python: `int` when it is an integer, else (by `mode`)
/// a `decimal.Decimal` of its finite decimal form, a `fractions.Fraction`,
/// or a `float`.
///
/// # Errors
/// When Python cannot build the object.
pub fn number_to_py<'py>(py: Python<'py>, n: &Number, mode: NumberMode) -> PyResult<Bound<'py, PyAny>> {
    // machine-word parts convert directly; only big ones go through BigInt
    let (numer, denom) = match n.small_parts() {
        Some((a, b)) => (a.into_pyobject(py)?.into_any(), b.into_pyobject(py)?.into_any()),
        None => (n.numer().into_pyobject(py)?.into_any(), n.denom().into_pyobject(py)?.into_any()),
    };
    if n.is_integer() {
        return Ok(numer);
    }
    match mode {
        // Python's int / int is correctly rounded, unlike a cast in Rust.
        NumberMode::Float => numer.div(denom),
        NumberMode::Exact => match n.to_decimal_string() {
            Some(text) => DECIMAL.import(py, "decimal", "Decimal")?.call1((text,)),
            None => FRACTION.import(py, "fractions", "Fraction")?.call1((numer, denom)),
        },
        NumberMode::Fraction => FRACTION.import(py, "fractions", "Fraction")?.call1((numer, denom)),
    }
}

/// How one output column of numbers comes back, so that every cell of it
/// has one Python type: `int` when every number in it is an integer, else
/// `Decimal` when each has a finite decimal form, else `Fraction`.
pub fn column_mode(values: &[Option<Value>], mode: NumberMode) -> ColumnNumbers {
    if mode != NumberMode::Exact {
        return ColumnNumbers::As(mode);
    }
    let mut all_integers = true;
    for v in values.iter().flatten() {
        if let Value::Number(n) = v {
            if !n.is_integer() {
                all_integers = false;
                if n.to_decimal_string().is_none() {
                    return ColumnNumbers::As(NumberMode::Fraction);
                }
            }
        }
    }
    if all_integers {
        ColumnNumbers::As(NumberMode::Exact)
    } else {
        ColumnNumbers::Decimals
    }
}

fn strip_optional(ty: &Type) -> &Type {
    match ty {
        Type::Optional(t) => strip_optional(t),
        t => t,
    }
}

/// The numbers of one column: each by a mode, or every one (integers too)
/// as a `Decimal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnNumbers {
    /// Each number as [`number_to_py`] gives it in this mode.
    As(NumberMode),
    /// Every number as a `Decimal` (`Decimal('12')` beside `Decimal('12.5')`).
    Decimals,
}

/// One cell of a column whose numbers come back as `numbers` says.
///
/// # Errors
/// When Python cannot build the object.
pub fn column_value_to_py<'py>(
    py: Python<'py>,
    v: &Value,
    ty: &Type,
    numbers: ColumnNumbers,
) -> PyResult<Bound<'py, PyAny>> {
    match (numbers, v) {
        (ColumnNumbers::As(mode), v) => typed_value_to_py(py, v, ty, mode),
        (ColumnNumbers::Decimals, Value::Number(n)) if !matches!(strip_optional(ty), Type::Decimal(_)) => {
            match n.to_decimal_string() {
                Some(text) => DECIMAL.import(py, "decimal", "Decimal")?.call1((text,)),
                None => number_to_py(py, n, NumberMode::Fraction),
            }
        }
        (ColumnNumbers::Decimals, v) => typed_value_to_py(py, v, ty, NumberMode::Exact),
    }
}

/// A date back in Python, as `datetime.date`.
///
/// # Errors
/// When Python cannot build the object.
pub fn date_to_py(py: Python<'_>, d: Date) -> PyResult<Bound<'_, PyAny>> {
    let (y, m, day) = d.ymd();
    let y = i32::try_from(y).map_err(|_| PyValueError::new_err(format!("year {y} is out of range")))?;
    let m = u8::try_from(m).map_err(|_| PyValueError::new_err(format!("month {m} is out of range")))?;
    let day = u8::try_from(day).map_err(|_| PyValueError::new_err(format!("day {day} is out of range")))?;
    Ok(PyDate::new(py, y, m, day)?.into_any())
}

/// A local date and time back in Python, as a naive `datetime.datetime`.
///
/// # Errors
/// When Python cannot build the object.
pub fn datetime_to_py(py: Python<'_>, dt: DateTime) -> PyResult<Bound<'_, PyAny>> {
    // The core's display form is ISO 8601 (`YYYY-MM-DDTHH:MM[:SS]`), which
    // `fromisoformat` reads on every supported Python.
    // `Z` (UTC) is written `+00:00`, which every supported Python reads
    let text = dt.to_string();
    let text = match text.strip_suffix('Z') {
        Some(t) => format!("{t}+00:00"),
        None => text,
    };
    DATETIME.import(py, "datetime", "datetime")?.call_method1(pyo3::intern!(py, "fromisoformat"), (text,))
}

/// Any value of the core back in Python: numbers as [`number_to_py`], text
/// and enum names as `str`, dates as `datetime.date`, lists as `list`,
/// records as `dict` (fields in declaration order).
///
/// # Errors
/// When Python cannot build the object.
pub fn value_to_py<'py>(py: Python<'py>, v: &Value, mode: NumberMode) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Number(n) => number_to_py(py, n, mode)?,
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Text(s) => PyString::new(py, s).into_any(),
        Value::Date(d) => date_to_py(py, *d)?,
        Value::DateTime(dt) => datetime_to_py(py, *dt)?,
        // `datetime.time` and `datetime.timedelta`
        Value::Time(t) => {
            let s = t.seconds();
            TIME.import(py, "datetime", "time")?.call1((s / 3600, s / 60 % 60, s % 60))?
        }
        Value::Duration(d) => {
            let kwargs = PyDict::new(py);
            kwargs.set_item("seconds", d.seconds())?;
            TIMEDELTA.import(py, "datetime", "timedelta")?.call((), Some(&kwargs))?
        }
        // Python has no span of calendar months: its ISO 8601 text
        Value::YearsMonths(p) => PyString::new(py, &p.to_string()).into_any(),
        Value::List(items) => {
            let list = PyList::empty(py);
            for item in items.iter() {
                list.append(value_to_py(py, item, mode)?)?;
            }
            list.into_any()
        }
        Value::Record(r) => {
            let dict = PyDict::new(py);
            for (k, fv) in r.iter() {
                dict.set_item(k, value_to_py(py, fv, mode)?)?;
            }
            dict.into_any()
        }
        Value::Absent => py.None().into_bound(py),
    })
}

/// A value of declared type `ty` back in Python: as [`value_to_py`],
/// except that a `money` or `decimal(n)` value is a `decimal.Decimal` with
/// exactly its places (`Decimal('1080.10')`), unless floats were asked for.
///
/// # Errors
/// When Python cannot build the object.
pub fn typed_value_to_py<'py>(py: Python<'py>, v: &Value, ty: &Type, mode: NumberMode) -> PyResult<Bound<'py, PyAny>> {
    if !ty.has_decimal() || mode == NumberMode::Float {
        return value_to_py(py, v, mode);
    }
    Ok(match (v, ty) {
        (v, Type::Optional(t)) => typed_value_to_py(py, v, t, mode)?,
        (Value::Number(n), Type::Decimal(p)) => {
            DECIMAL.import(py, "decimal", "Decimal")?.call1((ordinance_core::value::decimal_text(n, *p),))?
        }
        (Value::List(items), Type::List(elem)) => {
            let list = PyList::empty(py);
            for item in items.iter() {
                list.append(typed_value_to_py(py, item, elem, mode)?)?;
            }
            list.into_any()
        }
        (Value::Record(r), Type::Record(fields)) => {
            let dict = PyDict::new(py);
            for (k, fv) in r.iter() {
                match fields.get(k) {
                    Some(t) => dict.set_item(k, typed_value_to_py(py, fv, t, mode)?)?,
                    None => dict.set_item(k, value_to_py(py, fv, mode)?)?,
                }
            }
            dict.into_any()
        }
        _ => value_to_py(py, v, mode)?,
    })
}

/// Plain JSON (rule metadata, type descriptions) in Python: objects as
/// `dict`, arrays as `list`, integers as `int`, other numbers as the exact
/// `Fraction` of their digits.
///
/// # Errors
/// When Python cannot build the object.
pub fn json_to_py<'py>(py: Python<'py>, j: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match j {
        serde_json::Value::Null => py.None().into_bound(py),
        serde_json::Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        serde_json::Value::Number(n) => match Number::parse(&n.to_string()) {
            Ok(x) => number_to_py(py, &x, NumberMode::Exact)?,
            Err(_) => PyString::new(py, &n.to_string()).into_any(),
        },
        serde_json::Value::String(s) => PyString::new(py, s).into_any(),
        serde_json::Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        serde_json::Value::Object(m) => {
            let dict = PyDict::new(py);
            for (k, v) in m {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// One step of a trace as a `dict`: `kind`, `depth`, `rule`, `name`,
/// `detail`, `value`, `cite` (`document`, `clause`, `quote`, `line`,
/// `note`) and `count`; absent parts are `None`.
///
/// # Errors
/// When Python cannot build the object.
pub fn trace_entry_to_py<'py>(py: Python<'py>, e: &TraceEntry, mode: NumberMode) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("kind", e.kind.name())?;
    d.set_item("depth", e.depth)?;
    d.set_item("rule", &e.rule)?;
    d.set_item("name", e.name.as_deref())?;
    d.set_item("detail", &e.detail)?;
    match &e.value {
        Some(v) => d.set_item("value", value_to_py(py, v, mode)?)?,
        None => d.set_item("value", py.None())?,
    }
    match &e.cite {
        Some(c) => d.set_item("cite", citation_to_py(py, c)?)?,
        None => d.set_item("cite", py.None())?,
    }
    d.set_item("count", e.count)?;
    Ok(d)
}

/// A citation as a `dict`: `document`, `clause`, `quote`, `line` (of the
/// quote in the source text, or `None`) and `note` (or `None`).
///
/// # Errors
/// When Python cannot build the object.
pub fn citation_to_py<'py>(py: Python<'py>, c: &Citation) -> PyResult<Bound<'py, PyDict>> {
    let cite = PyDict::new(py);
    cite.set_item("document", &c.document)?;
    cite.set_item("clause", &c.clause)?;
    cite.set_item("quote", &c.quote)?;
    cite.set_item("line", c.line)?;
    cite.set_item("note", c.note.as_deref())?;
    Ok(cite)
}
