//! Arrow record batches in and out of the core's columnar entry point.
//!
//! [`evaluate`] reads the columns of a rule's inputs from Arrow record
//! batches (any number, of any length), evaluates the rule on every row
//! with [`Prepared::evaluate_sparse_columns`], and hands back the batches
//! with one column per output appended (and, when asked, an error column),
//! cut into batches of at most [`Options::chunk_rows`] rows.
//! No row is ever a JSON document or a per-row map: each Arrow column is
//! converted to core values once, in chunks of [`Options::chunk_rows`], so
//! the memory held besides the input is one chunk's values and the output
//! columns.
//!
//! This crate translates types only; what a value means and whether it is
//! allowed is the core's to say ([`ordinance_core::value::check`] runs on
//! every value handed over).
//!
//! | Arrow in | read as |
//! |---|---|
//! | `int8`…`int64`, `uint8`…`uint64`, `decimal128`, `decimal256` | the exact number |
//! | `float16/32/64` | refused, unless `allow_float`: then the float's shortest decimal form |
//! | `bool` | a truth value |
//! | `utf8`, `large_utf8`, `utf8_view`, dictionaries of them | text or an enum value; for other types the text form (`"0.4"`, `"2024-03-01"`, `"09:30"`, `"PT2H"`) |
//! | `date32`, `date64` | a date |
//! | `timestamp` without a time zone | a date and time (a date at midnight where a date is expected) |
//! | `time32`, `time64`, `duration` | a time of day, a duration (whole seconds) |
//! | `list`, `large_list`, `fixed_size_list`, `struct` | lists and records, field by field |
//! | null | the input left out (its default, or the row fails as missing) |
//!
//! | output type | Arrow out |
//! |---|---|
//! | `integer`, `number` | `int64` when every value is an integer that fits; else `decimal128(38, s)` with the fewest places `s` that hold every value exactly; else (a value such as 1/3) `utf8` holding the exact form (`"1/3"`) |
//! | `money`, `decimal(n)` | `decimal128(38, n)` (`utf8` in the same way if a value needs more than 38 digits) |
//! | `bool` | `bool` |
//! | `text` | `utf8` |
//! | an enum | `dictionary<int32, utf8>` over the enum's values, in declared order |
//! | `date`, `datetime`, `time`, `duration` | `date32`, `timestamp[s]`, `time32[s]`, `duration[s]` |
//! | `years_months` | `utf8` holding its ISO 8601 form (`P1Y6M`): pyarrow, pandas and polars have no year-month interval to read it as; an `interval[year_month]` column is read as input |
//! | lists and records | `utf8` holding the value's JSON form |

use arrow_array::builder::StringBuilder;
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Decimal256Type, DurationMicrosecondType, DurationMillisecondType,
    DurationNanosecondType, DurationSecondType, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, IntervalYearMonthType, Time32MillisecondType, Time32SecondType, Time64MicrosecondType,
    Time64NanosecondType, TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, DurationSecondArray, Int32Array,
    Int64Array, RecordBatch, RecordBatchOptions, StringArray, Time32SecondArray, TimestampSecondArray,
};
use arrow_schema::{ArrowError, DataType, Field, IntervalUnit, Schema, SchemaRef, TimeUnit};
use ordinance_core::date::{DateTime, Duration, TimeOfDay, YearsMonths};
use ordinance_core::engine::Prepared;
use ordinance_core::value::{from_json, record_names, to_json_typed, Record};
use ordinance_core::{Date, EvalError, Number, Type, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// How [`evaluate`] reads and writes.
#[derive(Clone, Debug)]
pub struct Options {
    /// Read float columns by each float's shortest decimal form (else a
    /// float cell fails its row).
    pub allow_float: bool,
    /// Put before every output column's name.
    pub prefix: String,
    /// Add a column of this name holding each failed row's message (null
    /// where the row succeeded).
    pub error_column: Option<String>,
    /// Rows converted and evaluated at a time (the memory held besides the
    /// input and output is one chunk's values).
    pub chunk_rows: usize,
    /// Give outputs declared `number` one fixed type, `decimal128(38, s)`,
    /// whatever their values (a consumer that needs the schema before any
    /// row is evaluated, such as Spark, asks for this); a value with no
    /// exact decimal of `s` places (1/3) fails its row. At most 38.
    pub number_scale: Option<u8>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            allow_float: false,
            prefix: String::new(),
            error_column: None,
            chunk_rows: 65_536,
            number_scale: None,
        }
    }
}

/// What [`evaluate`] gives back.
#[derive(Debug)]
pub struct Evaluated {
    /// The input's schema with the output columns (and the error column)
    /// appended.
    pub schema: SchemaRef,
    /// The input's rows with their output columns, in order, in batches
    /// of at most [`Options::chunk_rows`] rows (each input batch is cut
    /// into chunks; the input's columns are shared, not copied).
    pub batches: Vec<RecordBatch>,
    /// The first failed row: its position over all batches and its error.
    pub first_error: Option<(usize, EvalError)>,
    /// How many rows failed.
    pub failed: usize,
    /// How many rows there were.
    pub rows: usize,
}

/// Why [`evaluate`] could not run at all (a failing row is not one of
/// these: it is counted, and its error is in the error column).
#[derive(Debug)]
pub enum Error {
    /// The rule cannot be evaluated on these columns: an input column of a
    /// type that cannot hold the input, or a missing column for an input
    /// without a default.
    Eval(EvalError),
    /// An output column's name is already a column of the input.
    Clash(Vec<String>),
    /// The Arrow stream failed while it was read.
    Arrow(String),
    /// An option out of its range.
    Option(String),
    /// The table names one column twice.
    Duplicate(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Eval(e) => write!(f, "{e}"),
            Error::Clash(names) => write!(
                f,
                "output column(s) {} already exist in the table; pass prefix= to name the output columns differently",
                names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
            ),
            Error::Arrow(m) => write!(f, "the Arrow stream failed: {m}"),
            Error::Option(m) => write!(f, "{m}"),
            Error::Duplicate(n) => {
                write!(f, "the table has more than one column named `{n}`; give each input one column")
            }
        }
    }
}

impl std::error::Error for Error {}

/// Evaluates the prepared rule on every row of `batches` (all of `schema`)
/// and returns them with the outputs appended.
///
/// # Errors
/// See [`Error`]. A row that fails is not an error of the call.
pub fn evaluate(
    prepared: &Prepared,
    schema: &SchemaRef,
    batches: impl IntoIterator<Item = Result<RecordBatch, ArrowError>>,
    opts: &Options,
) -> Result<Evaluated, Error> {
    let rule = prepared.rule();
    if let Some(s) = opts.number_scale.filter(|s| u32::from(*s) > MAX_DIGITS) {
        return Err(Error::Option(format!("number_scale must be between 0 and {MAX_DIGITS}, not {s}")));
    }
    // the types the output columns are laid out by: `number` as
    // `decimal(s)` when a fixed scale is asked for
    let outputs: Vec<(String, Type)> = rule
        .outputs
        .iter()
        .map(|(n, t)| match (opts.number_scale, plain(t)) {
            (Some(s), Type::Number) => (n.clone(), Type::Decimal(s)),
            _ => (n.clone(), t.clone()),
        })
        .collect();
    let fixed: Vec<(usize, u8)> = rule
        .outputs
        .iter()
        .enumerate()
        .filter_map(|(i, (_, t))| opts.number_scale.filter(|_| matches!(plain(t), Type::Number)).map(|s| (i, s)))
        .collect();
    let mut appended: Vec<String> = outputs.iter().map(|(n, _)| format!("{}{n}", opts.prefix)).collect();
    if let Some(e) = &opts.error_column {
        appended.push(e.clone());
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(f) = schema.fields().iter().find(|f| !seen.insert(f.name().as_str())) {
        return Err(Error::Duplicate(f.name().clone()));
    }
    let clashes: Vec<String> =
        appended.iter().filter(|n| schema.fields().iter().any(|f| f.name() == *n)).cloned().collect();
    if !clashes.is_empty() {
        return Err(Error::Clash(clashes));
    }
    // the input columns the rule reads, by position in the schema
    let mut read: Vec<(usize, String, Type)> = Vec::new();
    for input in &rule.inputs {
        if let Some((k, _)) = schema.fields().find(&input.name) {
            read.push((k, input.name.clone(), input.ty.clone()));
        } else if !input.has_default() {
            return Err(Error::Eval(input_error(
                rule,
                &input.name,
                format!("no column `{}` for input `{}`, which has no default", input.name, input.name),
            )));
        }
    }
    for (k, name, ty) in &read {
        if let Some(f) = schema.fields().get(*k) {
            readable(f.data_type(), ty).map_err(|m| Error::Eval(input_error(rule, name, m)))?;
        }
    }
    let chunk = opts.chunk_rows.max(1);
    // per chunk: its slice of the input (shared, not copied), its output
    // columns, its error column and the layouts its numbers used. Each
    // chunk becomes one output batch, so no output is ever copied to join
    // chunks.
    let mut built: Vec<Chunk> = Vec::new();
    let mut first_error = None;
    let mut failed = 0usize;
    let mut rows = 0usize;
    for batch in batches {
        let batch = batch.map_err(|e| Error::Arrow(e.to_string()))?;
        let mut offset = 0;
        while offset < batch.num_rows() || (offset == 0 && batch.num_rows() == 0) {
            let len = chunk.min(batch.num_rows() - offset);
            let mut cols: Vec<Vec<Option<Value>>> = Vec::with_capacity(read.len());
            // (row, problem) of the cells that could not be read; a row
            // keeps its first
            let mut problems: Vec<(usize, EvalError)> = Vec::new();
            let mut errors = opts.error_column.as_ref().map(|_| StringBuilder::new());
            for (k, name, ty) in &read {
                let array = batch.column(*k).slice(offset, len);
                let cells = column(array.as_ref(), ty, opts.allow_float)
                    .map_err(|m| Error::Eval(input_error(rule, name, m)))?;
                for (row, message) in cells.problems {
                    problems.push((row, input_error(rule, name, message)));
                }
                cols.push(cells.values);
            }
            let named: Vec<(&str, &[Option<Value>])> =
                read.iter().map(|(_, n, _)| n.as_str()).zip(cols.iter().map(Vec::as_slice)).collect();
            let mut result = prepared.evaluate_grouped_columns(&named).map_err(Error::Eval)?;
            drop(cols);
            // a row whose cell could not be read fails with that problem
            problems.sort_by_key(|(row, _)| *row); // stable: each row's first problem first
            problems.dedup_by_key(|(row, _)| *row);
            for (row, p) in problems {
                let g = result.results.len();
                result.results.push(Err(Box::new(p)));
                if let Some(slot) = result.rows.get_mut(row) {
                    *slot = g;
                }
            }
            // under a fixed scale, an outcome whose number has no exact
            // decimal of that many places fails (with every row that has it)
            for r in &mut result.results {
                let Ok(values) = r else { continue };
                let unfit = fixed.iter().find_map(|&(i, scale)| match values.get(i) {
                    Some(Value::Number(n)) if scaled(n, scale).is_none() => Some((i, scale, n.to_string())),
                    _ => None,
                });
                if let Some((i, scale, shown)) = unfit {
                    let name = rule.outputs.get(i).map_or("", |(n, _)| n.as_str());
                    *r = Err(Box::new(EvalError::Evaluation {
                        rule: rule.qualified.clone(),
                        message: format!("output `{name}` is {shown}, which has no exact decimal of {scale} places"),
                    }));
                }
            }
            let messages: Vec<Option<String>> =
                result.results.iter().map(|r| r.as_ref().err().map(ToString::to_string)).collect();
            for (row, &g) in result.rows.iter().enumerate() {
                if let Some(Err(e)) = result.results.get(g) {
                    failed += 1;
                    if first_error.is_none() {
                        first_error = Some((rows + offset + row, (**e).clone()));
                    }
                }
            }
            if let Some(b) = errors.as_mut() {
                for &g in &result.rows {
                    b.append_option(messages.get(g).and_then(Option::as_deref));
                }
            }
            let mut columns = Vec::with_capacity(outputs.len());
            let mut kinds = Vec::with_capacity(outputs.len());
            for (i, (_, ty)) in outputs.iter().enumerate() {
                let distinct: Vec<Option<&Value>> =
                    result.results.iter().map(|r| r.as_ref().ok().and_then(|vs| vs.get(i))).collect();
                let (array, kind) = output_array(&distinct, &result.rows, ty);
                columns.push(array);
                kinds.push(kind);
            }
            built.push((
                batch.slice(offset, len),
                columns,
                errors.map(|mut b| Arc::new(b.finish()) as ArrayRef),
                kinds,
            ));
            offset += len;
            if len == 0 {
                break;
            }
        }
        rows += batch.num_rows();
    }
    // one Arrow type per output column over all batches
    let mut kinds = vec![NumKind::None; outputs.len()];
    for (_, _, _, ks) in &built {
        for (k, b) in kinds.iter_mut().zip(ks) {
            *k = k.join(*b);
        }
    }
    let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
    for ((name, ty), k) in outputs.iter().zip(&kinds) {
        fields.push(Arc::new(Field::new(format!("{}{name}", opts.prefix), arrow_type(ty, *k), true)));
    }
    if let Some(e) = &opts.error_column {
        fields.push(Arc::new(Field::new(e, DataType::Utf8, true)));
    }
    let out_schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let mut batches = Vec::with_capacity(built.len());
    for (batch, columns, errors, _) in built {
        let mut all: Vec<ArrayRef> = batch.columns().to_vec();
        for ((array, k), (_, ty)) in columns.into_iter().zip(&kinds).zip(&outputs) {
            all.push(retype(array, *k, ty)?);
        }
        if let Some(e) = errors {
            all.push(e);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
        batches.push(
            RecordBatch::try_new_with_options(out_schema.clone(), all, &options)
                .map_err(|e| Error::Arrow(e.to_string()))?,
        );
    }
    Ok(Evaluated { schema: out_schema, batches, first_error, failed, rows })
}

/// One evaluated chunk: its slice of the input, its output columns, its
/// error column, and the layout each output's numbers used.
type Chunk = (RecordBatch, Vec<ArrayRef>, Option<ArrayRef>, Vec<NumKind>);

fn input_error(rule: &ordinance_core::ruleset::Rule, field: &str, message: String) -> EvalError {
    EvalError::Input { rule: rule.qualified.clone(), field: field.to_string(), message, allowed: None }
}

fn plain(ty: &Type) -> &Type {
    match ty {
        Type::Optional(t) => plain(t),
        t => t,
    }
}

/// Whether a column of this Arrow type can hold values of `ty` at all (a
/// text column can hold anything in its text form).
fn readable(dt: &DataType, ty: &Type) -> Result<(), String> {
    let ty = plain(ty);
    let ok = match dt {
        DataType::Null | DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => return readable(v, ty),
        _ if matches!(ty, Type::Unknown) => true,
        DataType::Boolean => matches!(ty, Type::Bool),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..)
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64 => matches!(ty, Type::Integer | Type::Number | Type::Decimal(_)),
        DataType::Date32 | DataType::Date64 => matches!(ty, Type::Date),
        DataType::Timestamp(_, tz) => {
            if tz.is_some() {
                return Err(format!(
                    "the column is {dt}, with a time zone; ordinance takes local wall-clock times (a timestamp without a time zone)"
                ));
            }
            matches!(ty, Type::Date | Type::DateTime)
        }
        DataType::Time32(_) | DataType::Time64(_) => matches!(ty, Type::Time),
        DataType::Duration(_) => matches!(ty, Type::Duration),
        DataType::Interval(IntervalUnit::YearMonth) => matches!(ty, Type::YearsMonths),
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => match ty {
            Type::List(elem) => return readable(f.data_type(), elem),
            _ => false,
        },
        DataType::Struct(fields) => match ty {
            Type::Record(want) => {
                for (name, fty) in want.iter() {
                    match fields.iter().find(|f| f.name() == name) {
                        Some(f) => readable(f.data_type(), fty).map_err(|m| format!("field `{name}`: {m}"))?,
                        None if matches!(fty, Type::Optional(_)) => {}
                        None => return Err(format!("the column's records have no field `{name}`")),
                    }
                }
                true
            }
            _ => false,
        },
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("the column is {dt}, which cannot hold {ty}"))
    }
}

/// One Arrow column as core values: `None` for a null, and per row the
/// first problem with its cell (the row then fails with it).
struct Cells {
    values: Vec<Option<Value>>,
    problems: Vec<(usize, String)>,
}

impl Cells {
    fn with_capacity(n: usize) -> Cells {
        Cells { values: Vec::with_capacity(n), problems: Vec::new() }
    }

    fn push(&mut self, v: Result<Option<Value>, String>) {
        match v {
            Ok(v) => self.values.push(v),
            Err(m) => {
                self.problems.push((self.values.len(), m));
                self.values.push(None);
            }
        }
    }
}

fn each<A: Array, T>(a: &A, mut f: impl FnMut(usize) -> T) -> Vec<Option<T>> {
    (0..a.len()).map(|i| if a.is_null(i) { None } else { Some(f(i)) }).collect()
}

fn numbers<T>(a: &arrow_array::PrimitiveArray<T>, f: impl Fn(T::Native) -> Result<Number, String>) -> Cells
where
    T: arrow_array::ArrowPrimitiveType,
{
    let mut cells = Cells::with_capacity(a.len());
    for v in each(a, |i| f(a.value(i))) {
        cells.push(v.transpose().map(|n| n.map(Value::Number)));
    }
    cells
}

fn float_number(x: f64, allow_float: bool) -> Result<Number, String> {
    if !allow_float {
        return Err(format!(
            "`{x}` is a float, which is not exact; give an integer, decimal128 or text column (\"0.4\"), or pass allow_float=True"
        ));
    }
    if !x.is_finite() {
        return Err(format!("`{x}` is not a number"));
    }
    // Rust prints the shortest decimal that reads back as the same float
    Number::parse(&format!("{x}"))
}

fn decimal_number(text: String, scale: i8) -> Result<Number, String> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d.to_string()),
        None => (false, text),
    };
    let sign = if neg { "-" } else { "" };
    let literal = if scale <= 0 {
        format!("{sign}{digits}{}", "0".repeat(usize::from(scale.unsigned_abs())))
    } else {
        let s = usize::from(scale.unsigned_abs());
        let padded = format!("{digits:0>width$}", width = s + 1);
        let (int, frac) = padded.split_at(padded.len() - s);
        format!("{sign}{int}.{frac}")
    };
    Number::parse(&literal)
}

fn decimal128_number(v: i128, scale: i8) -> Result<Number, String> {
    if (0..=18).contains(&scale) {
        let denom = 10i128.pow(u32::from(scale.unsigned_abs()));
        if let Ok(n) = Number::ratio(v, denom) {
            return Ok(n);
        }
    }
    decimal_number(v.to_string(), scale)
}

fn seconds_of(v: i64, per_second: i64) -> Result<i64, String> {
    if v.rem_euclid(per_second) != 0 {
        return Err("the value has a fraction of a second; ordinance keeps whole seconds".into());
    }
    Ok(v.div_euclid(per_second))
}

fn datetime_of(secs: i64, want_date: bool) -> Result<Value, String> {
    let date = Date::from_epoch_days(secs.div_euclid(86_400))?;
    let time = TimeOfDay::from_secs(secs.rem_euclid(86_400))?;
    if want_date {
        if time.seconds() != 0 {
            return Err(format!("{} is not at midnight; a date is expected", DateTime::at(date, time)));
        }
        return Ok(Value::Date(date));
    }
    Ok(Value::DateTime(DateTime::at(date, time)))
}

fn seconds_cells<T>(
    a: &arrow_array::PrimitiveArray<T>,
    per_second: i64,
    f: impl Fn(i64) -> Result<Value, String>,
) -> Cells
where
    T: arrow_array::ArrowPrimitiveType,
    T::Native: Into<i64>,
{
    let mut cells = Cells::with_capacity(a.len());
    for v in each(a, |i| seconds_of(a.value(i).into(), per_second).and_then(&f)) {
        cells.push(v.transpose());
    }
    cells
}

/// The values of one Arrow column read as type `ty`.
fn column(array: &dyn Array, ty: &Type, allow_float: bool) -> Result<Cells, String> {
    let want = plain(ty);
    let n = array.len();
    let int = |x: i64| Ok(Number::from_int(x));
    Ok(match array.data_type() {
        DataType::Null => Cells { values: vec![None; n], problems: Vec::new() },
        DataType::Boolean => {
            let a: &BooleanArray = array.as_boolean();
            let mut cells = Cells::with_capacity(n);
            for i in 0..n {
                cells.push(Ok((!a.is_null(i)).then(|| Value::Bool(a.value(i)))));
            }
            cells
        }
        DataType::Int8 => numbers(array.as_primitive::<Int8Type>(), |x| int(x.into())),
        DataType::Int16 => numbers(array.as_primitive::<Int16Type>(), |x| int(x.into())),
        DataType::Int32 => numbers(array.as_primitive::<Int32Type>(), |x| int(x.into())),
        DataType::Int64 => numbers(array.as_primitive::<Int64Type>(), int),
        DataType::UInt8 => numbers(array.as_primitive::<UInt8Type>(), |x| int(x.into())),
        DataType::UInt16 => numbers(array.as_primitive::<UInt16Type>(), |x| int(x.into())),
        DataType::UInt32 => numbers(array.as_primitive::<UInt32Type>(), |x| int(x.into())),
        DataType::UInt64 => numbers(array.as_primitive::<UInt64Type>(), |x| {
            i64::try_from(x).map_or_else(|_| Number::parse(&x.to_string()), int)
        }),
        DataType::Float16 => {
            numbers(array.as_primitive::<Float16Type>(), |x| float_number(f64::from(x.to_f32()), allow_float))
        }
        DataType::Float32 => {
            // the f32's own shortest form, not that of its f64 widening
            numbers(array.as_primitive::<Float32Type>(), |x| {
                float_number(f64::from(x), allow_float).and_then(|_| Number::parse(&format!("{x}")))
            })
        }
        DataType::Float64 => numbers(array.as_primitive::<Float64Type>(), |x| float_number(x, allow_float)),
        DataType::Decimal128(_, s) => {
            let s = *s;
            numbers(array.as_primitive::<Decimal128Type>(), move |x| decimal128_number(x, s))
        }
        DataType::Decimal256(_, s) => {
            let s = *s;
            numbers(array.as_primitive::<Decimal256Type>(), move |x| decimal_number(x.to_string(), s))
        }
        DataType::Utf8 => texts(array.as_string::<i32>().iter(), want, n),
        DataType::LargeUtf8 => texts(array.as_string::<i64>().iter(), want, n),
        DataType::Utf8View => texts(array.as_string_view().iter(), want, n),
        DataType::Dictionary(..) => {
            let Some(dict) = array.as_any_dictionary_opt() else {
                return Err(format!("the column is {}, which cannot be read", array.data_type()));
            };
            let distinct = column(dict.values().as_ref(), ty, allow_float)?;
            let bad: HashMap<usize, &String> = distinct.problems.iter().map(|(k, m)| (*k, m)).collect();
            let keys = dict.normalized_keys();
            let mut cells = Cells::with_capacity(n);
            for (i, key) in keys.into_iter().enumerate() {
                if array.is_null(i) {
                    cells.push(Ok(None));
                } else if let Some(m) = bad.get(&key) {
                    cells.push(Err((*m).clone()));
                } else {
                    cells.push(Ok(distinct.values.get(key).cloned().flatten()));
                }
            }
            cells
        }
        DataType::Date32 => {
            let a = array.as_primitive::<Date32Type>();
            let mut cells = Cells::with_capacity(n);
            for v in each(a, |i| Date::from_epoch_days(a.value(i).into()).map(Value::Date)) {
                cells.push(v.transpose());
            }
            cells
        }
        DataType::Date64 => {
            let a = array.as_primitive::<Date64Type>();
            let mut cells = Cells::with_capacity(n);
            for v in
                each(a, |i| seconds_of(a.value(i), 86_400_000).and_then(|d| Date::from_epoch_days(d).map(Value::Date)))
            {
                cells.push(v.transpose());
            }
            cells
        }
        DataType::Timestamp(unit, _) => {
            let as_date = matches!(want, Type::Date);
            let f = move |s: i64| datetime_of(s, as_date);
            match unit {
                TimeUnit::Second => seconds_cells(array.as_primitive::<TimestampSecondType>(), 1, f),
                TimeUnit::Millisecond => seconds_cells(array.as_primitive::<TimestampMillisecondType>(), 1_000, f),
                TimeUnit::Microsecond => seconds_cells(array.as_primitive::<TimestampMicrosecondType>(), 1_000_000, f),
                TimeUnit::Nanosecond => {
                    seconds_cells(array.as_primitive::<TimestampNanosecondType>(), 1_000_000_000, f)
                }
            }
        }
        DataType::Time32(unit) => {
            let f = |s: i64| TimeOfDay::from_secs(s).map(Value::Time);
            match unit {
                TimeUnit::Millisecond => seconds_cells(array.as_primitive::<Time32MillisecondType>(), 1_000, f),
                _ => seconds_cells(array.as_primitive::<Time32SecondType>(), 1, f),
            }
        }
        DataType::Time64(unit) => {
            let f = |s: i64| TimeOfDay::from_secs(s).map(Value::Time);
            match unit {
                TimeUnit::Nanosecond => seconds_cells(array.as_primitive::<Time64NanosecondType>(), 1_000_000_000, f),
                _ => seconds_cells(array.as_primitive::<Time64MicrosecondType>(), 1_000_000, f),
            }
        }
        DataType::Duration(unit) => {
            let f = |s: i64| Duration::from_secs(s).map(Value::Duration);
            match unit {
                TimeUnit::Second => seconds_cells(array.as_primitive::<DurationSecondType>(), 1, f),
                TimeUnit::Millisecond => seconds_cells(array.as_primitive::<DurationMillisecondType>(), 1_000, f),
                TimeUnit::Microsecond => seconds_cells(array.as_primitive::<DurationMicrosecondType>(), 1_000_000, f),
                TimeUnit::Nanosecond => seconds_cells(array.as_primitive::<DurationNanosecondType>(), 1_000_000_000, f),
            }
        }
        DataType::Interval(IntervalUnit::YearMonth) => {
            let a = array.as_primitive::<IntervalYearMonthType>();
            let mut cells = Cells::with_capacity(n);
            for v in each(a, |i| YearsMonths::from_months(i64::from(a.value(i))).map(Value::YearsMonths)) {
                cells.push(v.transpose());
            }
            cells
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
            let elem = match want {
                Type::List(e) => e.as_ref().clone(),
                _ => Type::Unknown,
            };
            let mut cells = Cells::with_capacity(n);
            for i in 0..n {
                if array.is_null(i) {
                    cells.push(Ok(None));
                    continue;
                }
                let items = match array.data_type() {
                    DataType::List(_) => array.as_list::<i32>().value(i),
                    DataType::LargeList(_) => array.as_list::<i64>().value(i),
                    _ => array.as_fixed_size_list().value(i),
                };
                let inner = column(items.as_ref(), &elem, allow_float)?;
                cells.push(match inner.problems.first() {
                    Some((k, m)) => Err(format!("[{k}]: {m}")),
                    None => Ok(Some(Value::List(Arc::new(
                        inner.values.into_iter().map(|v| v.unwrap_or(Value::Absent)).collect(),
                    )))),
                });
            }
            cells
        }
        DataType::Struct(_) => {
            let a = array.as_struct();
            let Type::Record(fields) = want else {
                return Err(format!("the column is {}, which cannot hold {want}", array.data_type()));
            };
            let names = record_names(fields);
            let mut children = Vec::with_capacity(fields.len());
            for (name, fty) in fields.iter() {
                children.push(match a.column_by_name(name) {
                    Some(c) => Some(column(c.as_ref(), fty, allow_float)?),
                    None => None,
                });
            }
            let mut cells = Cells::with_capacity(n);
            for i in 0..n {
                if a.is_null(i) {
                    cells.push(Ok(None));
                    continue;
                }
                let mut values = Vec::with_capacity(fields.len());
                let mut problem = None;
                for ((name, _), child) in fields.iter().zip(&children) {
                    match child {
                        Some(c) => {
                            if let Some((_, m)) = c.problems.iter().find(|(r, _)| *r == i) {
                                problem.get_or_insert_with(|| format!(".{name}: {m}"));
                            }
                            values.push(c.values.get(i).cloned().flatten().unwrap_or(Value::Absent));
                        }
                        None => values.push(Value::Absent),
                    }
                }
                cells.push(match problem {
                    Some(m) => Err(m),
                    None => Ok(Some(Value::Record(Arc::new(Record::with_names(names.clone(), values))))),
                });
            }
            cells
        }
        other => return Err(format!("the column is {other}, which ordinance cannot read")),
    })
}

/// A text column: text and enum values shared between equal cells (one
/// allocation per distinct text), other types read from their text form.
fn texts<'a>(cells_in: impl Iterator<Item = Option<&'a str>>, want: &Type, n: usize) -> Cells {
    let mut cells = Cells::with_capacity(n);
    // the first few distinct texts by a scan (an enum column has a
    // handful), the rest by hash
    let mut few: Vec<(&'a str, Value)> = Vec::new();
    let mut seen: HashMap<&'a str, Value> = HashMap::new();
    for cell in cells_in {
        let Some(s) = cell else {
            cells.push(Ok(None));
            continue;
        };
        match want {
            Type::Text | Type::Enum(_) | Type::Unknown => {
                let v = match few.iter().find(|(t, _)| *t == s) {
                    Some((_, v)) => v.clone(),
                    None if few.len() < 16 => {
                        let v = Value::Text(Arc::from(s));
                        few.push((s, v.clone()));
                        v
                    }
                    None => seen.entry(s).or_insert_with(|| Value::Text(Arc::from(s))).clone(),
                };
                cells.push(Ok(Some(v)));
            }
            _ => cells
                .push(from_json(&serde_json::Value::String(s.to_string()), want, "").map(Some).map_err(|p| p.message)),
        }
    }
    cells
}

/// How the numbers of one output column are laid out in Arrow; joined
/// over chunks and batches so a column has one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NumKind {
    /// Not a number column, or no value yet.
    None,
    /// `int64`.
    Int,
    /// `decimal128(38, s)`.
    Dec(u8),
    /// `utf8` of the exact form.
    Text,
}

impl NumKind {
    fn join(self, other: NumKind) -> NumKind {
        match (self, other) {
            (NumKind::None, k) | (k, NumKind::None) => k,
            (NumKind::Text, _) | (_, NumKind::Text) => NumKind::Text,
            (NumKind::Dec(a), NumKind::Dec(b)) => NumKind::Dec(a.max(b)),
            (NumKind::Dec(a), NumKind::Int) | (NumKind::Int, NumKind::Dec(a)) => NumKind::Dec(a),
            (NumKind::Int, NumKind::Int) => NumKind::Int,
        }
    }
}

const MAX_DIGITS: u32 = 38;

fn is_numeric(ty: &Type) -> bool {
    matches!(plain(ty), Type::Integer | Type::Number | Type::Decimal(_))
}

/// `n × 10^scale` as an `i128` of at most 38 digits, when it is an
/// integer that fits.
fn scaled(n: &Number, scale: u8) -> Option<i128> {
    let limit = 10i128.pow(MAX_DIGITS);
    let v = match n.small_parts() {
        Some((num, den)) => {
            let p = 10i128.checked_pow(u32::from(scale))?;
            let den = i128::from(den);
            if p % den != 0 {
                return None;
            }
            i128::from(num).checked_mul(p / den)?
        }
        None => {
            if n.decimal_places()? > u64::from(scale) {
                return None;
            }
            n.format_fixed(u32::from(scale), "").ok()?.replace('.', "").parse::<i128>().ok()?
        }
    };
    (v.abs() < limit).then_some(v)
}

fn kind_of<'v>(values: impl Iterator<Item = Option<&'v Value>>, ty: &Type) -> NumKind {
    let mut kind = match plain(ty) {
        Type::Decimal(p) => NumKind::Dec(*p),
        _ => NumKind::Int,
    };
    let mut any = false;
    for v in values.flatten() {
        let Value::Number(n) = v else { continue };
        any = true;
        let here = if n.is_integer() && n.to_i64().is_some() {
            NumKind::Int
        } else {
            match n.decimal_places().and_then(|p| u8::try_from(p).ok()) {
                Some(p) if u32::from(p) <= MAX_DIGITS => NumKind::Dec(p),
                _ => NumKind::Text,
            }
        };
        kind = kind.join(here);
        if let NumKind::Dec(s) = kind {
            if scaled(n, s).is_none() {
                kind = NumKind::Text;
            }
        }
        if kind == NumKind::Text {
            break;
        }
    }
    if !any && matches!(plain(ty), Type::Integer | Type::Number) {
        return NumKind::None;
    }
    kind
}

fn arrow_type(ty: &Type, kind: NumKind) -> DataType {
    match plain(ty) {
        Type::Integer | Type::Number | Type::Decimal(_) => match kind {
            NumKind::None | NumKind::Int => {
                if let Type::Decimal(p) = plain(ty) {
                    DataType::Decimal128(38, i8::try_from(*p).unwrap_or(i8::MAX))
                } else {
                    DataType::Int64
                }
            }
            NumKind::Dec(s) => DataType::Decimal128(38, i8::try_from(s).unwrap_or(i8::MAX)),
            NumKind::Text => DataType::Utf8,
        },
        Type::Bool => DataType::Boolean,
        Type::Enum(allowed) => DataType::Dictionary(Box::new(key_type(allowed.len())), Box::new(DataType::Utf8)),
        Type::Date => DataType::Date32,
        Type::DateTime => DataType::Timestamp(TimeUnit::Second, None),
        Type::Time => DataType::Time32(TimeUnit::Second),
        Type::Duration => DataType::Duration(TimeUnit::Second),
        _ => DataType::Utf8,
    }
}

/// Per row, the value of its distinct outcome: `rows[i]` indexes
/// `distinct`, which holds each outcome's value once (`None` for a failed
/// row or an absent value).
fn gather<T: Clone>(distinct: &[Option<T>], rows: &[usize]) -> Vec<Option<T>> {
    rows.iter().map(|&g| distinct.get(g).cloned().flatten()).collect()
}

/// An array of one Arrow type: each distinct outcome's value mapped once,
/// then gathered per row.
fn mapped<T, A>(present: &[Option<&Value>], rows: &[usize], f: impl Fn(&Value) -> Option<T>) -> ArrayRef
where
    T: Clone,
    A: From<Vec<Option<T>>> + Array + 'static,
{
    let d: Vec<Option<T>> = present.iter().map(|v| v.and_then(&f)).collect();
    Arc::new(A::from(gather(&d, rows)))
}

/// One chunk's values of an output as an Arrow array, built by gathering
/// each row's distinct outcome, and (for numbers) the layout it used.
fn output_array(distinct: &[Option<&Value>], rows: &[usize], ty: &Type) -> (ArrayRef, NumKind) {
    let present: Vec<Option<&Value>> = distinct.iter().map(|v| v.filter(|v| !matches!(v, Value::Absent))).collect();
    if is_numeric(ty) {
        let kind = kind_of(present.iter().copied(), ty);
        return (number_array(&present, rows, ty, kind), kind);
    }
    let array: ArrayRef = match plain(ty) {
        Type::Bool => mapped::<_, BooleanArray>(&present, rows, |v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        }),
        Type::Enum(allowed) => {
            let d: Vec<Option<i32>> = present
                .iter()
                .map(|v| match v {
                    Some(Value::Text(s)) => allowed.iter().position(|a| **a == **s).and_then(|k| i32::try_from(k).ok()),
                    _ => None,
                })
                .collect();
            enum_array(gather(&d, rows), allowed)
        }
        Type::Date => mapped::<_, Date32Array>(&present, rows, |v| match v {
            Value::Date(d) => i32::try_from(d.epoch_days()).ok(),
            _ => None,
        }),
        Type::DateTime => mapped::<_, TimestampSecondArray>(&present, rows, |v| match v {
            Value::DateTime(t) => Some(t.date().epoch_days() * 86_400 + i64::from(t.time().seconds())),
            _ => None,
        }),
        Type::Time => mapped::<_, Time32SecondArray>(&present, rows, |v| match v {
            Value::Time(t) => i32::try_from(t.seconds()).ok(),
            _ => None,
        }),
        Type::Duration => mapped::<_, DurationSecondArray>(&present, rows, |v| match v {
            Value::Duration(d) => Some(d.seconds()),
            _ => None,
        }),

        // its ISO 8601 text, as every frame library can read it
        Type::YearsMonths => {
            let d: Vec<Option<String>> = present.iter().map(|v| v.map(ToString::to_string)).collect();
            strings(&d, rows)
        }
        Type::Text => {
            let d: Vec<Option<String>> = present
                .iter()
                .map(|v| match v {
                    Some(Value::Text(s)) => Some(s.to_string()),
                    Some(other) => Some(other.to_string()),
                    None => None,
                })
                .collect();
            strings(&d, rows)
        }
        _ => {
            let d: Vec<Option<String>> = present.iter().map(|v| v.map(|v| to_json_typed(v, ty).to_string())).collect();
            strings(&d, rows)
        }
    };
    (array, NumKind::None)
}

/// The narrowest signed key type for a dictionary of `n` values.
fn key_type(n: usize) -> DataType {
    if n <= 127 {
        DataType::Int8
    } else if n <= 32_767 {
        DataType::Int16
    } else {
        DataType::Int32
    }
}

/// An enum output: keys into the enum's values, in declared order, with the
/// narrowest key type that holds them (one byte a row for most enums).
fn enum_array(keys: Vec<Option<i32>>, allowed: &[String]) -> ArrayRef {
    let dictionary: ArrayRef = Arc::new(StringArray::from_iter_values(allowed.iter()));
    let made = match key_type(allowed.len()) {
        DataType::Int8 => DictionaryArray::<Int8Type>::try_new(
            keys.into_iter().map(|k| k.and_then(|k| i8::try_from(k).ok())).collect(),
            dictionary,
        )
        .map(|d| Arc::new(d) as ArrayRef),
        DataType::Int16 => DictionaryArray::<Int16Type>::try_new(
            keys.into_iter().map(|k| k.and_then(|k| i16::try_from(k).ok())).collect(),
            dictionary,
        )
        .map(|d| Arc::new(d) as ArrayRef),
        _ => DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), dictionary).map(|d| Arc::new(d) as ArrayRef),
    };
    made.unwrap_or_else(|_| Arc::new(StringArray::new_null(0)))
}

fn strings(distinct: &[Option<String>], rows: &[usize]) -> ArrayRef {
    let mut b = StringBuilder::new();
    for &g in rows {
        b.append_option(distinct.get(g).and_then(Option::as_deref));
    }
    Arc::new(b.finish())
}

fn number_text(n: &Number, ty: &Type) -> String {
    match plain(ty) {
        Type::Decimal(p) => ordinance_core::value::decimal_text(n, *p),
        _ => n.to_string(),
    }
}

fn number_array(distinct: &[Option<&Value>], rows: &[usize], ty: &Type, kind: NumKind) -> ArrayRef {
    let num = |v: &Option<&Value>| match v {
        Some(Value::Number(n)) => Some(n.clone()),
        _ => None,
    };
    match kind {
        NumKind::None | NumKind::Int if !matches!(plain(ty), Type::Decimal(_)) => {
            let d: Vec<Option<i64>> = distinct.iter().map(|v| num(v).and_then(|n| n.to_i64())).collect();
            Arc::new(Int64Array::from(gather(&d, rows)))
        }
        NumKind::Text => {
            let d: Vec<Option<String>> = distinct.iter().map(|v| num(v).map(|n| number_text(&n, ty))).collect();
            strings(&d, rows)
        }
        _ => {
            let s = match (kind, plain(ty)) {
                (NumKind::Dec(s), _) => s,
                (_, Type::Decimal(p)) => *p,
                _ => 0,
            };
            let d: Vec<Option<i128>> = distinct.iter().map(|v| num(v).and_then(|n| scaled(&n, s))).collect();
            let array = Decimal128Array::from(gather(&d, rows));
            Arc::new(
                array
                    .with_precision_and_scale(38, i8::try_from(s).unwrap_or(i8::MAX))
                    .unwrap_or_else(|_| Decimal128Array::from(vec![None::<i128>; rows.len()])),
            )
        }
    }
}

/// An output array laid out as `kind` (its chunk may have used a
/// narrower layout: integers widen to decimals, decimals to more places,
/// anything to text).
fn retype(array: ArrayRef, kind: NumKind, ty: &Type) -> Result<ArrayRef, Error> {
    if !is_numeric(ty) {
        return Ok(array);
    }
    let want = arrow_type(ty, kind);
    if *array.data_type() == want {
        return Ok(array);
    }
    let n = array.len();
    // the numbers back, exactly, from the narrower layout
    let mut numbers: Vec<Option<Number>> = Vec::with_capacity(n);
    match array.data_type() {
        DataType::Int64 => numbers.extend(array.as_primitive::<Int64Type>().iter().map(|v| v.map(Number::from_int))),
        DataType::Decimal128(_, s) => {
            let s = *s;
            for v in array.as_primitive::<Decimal128Type>().iter() {
                numbers.push(match v {
                    Some(x) => Some(decimal128_number(x, s).map_err(Error::Arrow)?),
                    None => None,
                });
            }
        }
        DataType::Utf8 => {
            for v in array.as_string::<i32>().iter() {
                numbers.push(match v {
                    Some(t) => Some(Number::parse(t).map_err(Error::Arrow)?),
                    None => None,
                });
            }
        }
        other => return Err(Error::Arrow(format!("cannot widen an output column of type {other}"))),
    }
    let values: Vec<Option<Value>> = numbers.into_iter().map(|v| v.map(Value::Number)).collect();
    let refs: Vec<Option<&Value>> = values.iter().map(Option::as_ref).collect();
    let identity: Vec<usize> = (0..refs.len()).collect();
    let out = number_array(&refs, &identity, ty, kind);
    if *out.data_type() != want {
        return Err(Error::Arrow(format!("an output column came out as {}, not {want}", out.data_type())));
    }
    Ok(out)
}
