//! The JSON-in, JSON-out façade every binding calls (the C ABI, Python and
//! the CLI's `eval`), so that each layer only translates and all of them
//! produce the same documents and the same errors.

use crate::engine::{Engine, EvalOptions};
use crate::error::{Error, EvalError};
use crate::values::date::Date;

fn options_error(field: &str, message: String) -> Error {
    let field = if field == "options" { String::new() } else { format!("options.{field}") };
    Error::Eval(EvalError::Input { rule: String::new(), field, message, allowed: None })
}

/// The JSON object of an options text; `None` for no text or an empty one.
fn options_object(
    options_json: Option<&str>,
    example: &str,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, Error> {
    let Some(text) = options_json.filter(|t| !t.trim().is_empty()) else { return Ok(None) };
    let v = crate::values::json::parse_strict(text)
        .map_err(|e| options_error("options", format!("options are not valid JSON: {}", e.message)))?;
    match v {
        serde_json::Value::Object(m) => Ok(Some(m)),
        _ => Err(options_error("options", format!("options must be a JSON object like {example}"))),
    }
}

/// Reads evaluation options from JSON: `{"as_of": "YYYY-MM-DD", "trace": bool,
/// "max_steps": n, "max_digits": n, "max_bytes": n}` (all optional; the trace
/// is on unless `"trace": false`). `None` or an empty string means the
/// defaults.
///
/// # Errors
/// An input error naming the bad option.
pub fn parse_options(options_json: Option<&str>) -> Result<EvalOptions, Error> {
    let mut opts = EvalOptions { trace: true, ..EvalOptions::default() };
    let Some(m) = options_object(options_json, r#"{"as_of": "2024-06-30"}"#)? else { return Ok(opts) };
    for (k, val) in &m {
        match (k.as_str(), val) {
            ("as_of", serde_json::Value::Null) => {}
            ("as_of", serde_json::Value::String(s)) => {
                opts.as_of = Some(Date::parse(s).map_err(|e| options_error("as_of", e))?);
            }
            ("trace", serde_json::Value::Bool(b)) => opts.trace = *b,
            ("max_steps" | "max_digits" | "max_bytes", serde_json::Value::Number(n)) => {
                let v = Some(n.as_u64().ok_or_else(|| options_error(k, "expected a positive integer".into()))?);
                match k.as_str() {
                    "max_steps" => opts.max_steps = v,
                    "max_digits" => opts.max_digits = v,
                    _ => opts.max_bytes = v,
                }
            }
            (other, _) => {
                return Err(options_error(
                    other,
                    format!("unknown or ill-typed option `{other}`; options are as_of (\"YYYY-MM-DD\"), trace (bool), max_steps, max_digits, max_bytes (integers)"),
                ))
            }
        }
    }
    Ok(opts)
}

/// Reads load options from JSON: `{"shared_sources": ["DIR", ...],
/// "forbid_removal": bool}` (both optional). `None` or an empty string means
/// the defaults.
///
/// # Errors
/// An input error naming the bad option.
pub fn parse_load_options(options_json: Option<&str>) -> Result<crate::engine::LoadOptions, Error> {
    let mut opts = crate::engine::LoadOptions::default();
    let Some(m) = options_object(options_json, r#"{"forbid_removal": true}"#)? else { return Ok(opts) };
    for (k, val) in &m {
        match (k.as_str(), val) {
            ("forbid_removal", serde_json::Value::Bool(b)) => opts.forbid_removal = *b,
            ("shared_sources", serde_json::Value::Array(items)) => {
                for item in items {
                    let serde_json::Value::String(dir) = item else {
                        return Err(options_error(k, "expected a list of folder paths (strings)".into()));
                    };
                    opts.shared_sources.push(dir.into());
                }
            }
            ("reforms", serde_json::Value::Array(items)) => {
                for item in items {
                    let serde_json::Value::String(path) = item else {
                        return Err(options_error(k, "expected a list of reform files (strings)".into()));
                    };
                    opts.reforms.push(path.into());
                }
            }
            (other, _) => {
                return Err(options_error(
                    other,
                    format!("unknown or ill-typed option `{other}`; options are shared_sources (a list of folders), reforms (a list of reform files) and forbid_removal (bool)"),
                ))
            }
        }
    }
    Ok(opts)
}

/// Parses a JSON input document strictly: a key twice in one object is an
/// error naming it.
///
/// # Errors
/// An input error when the text is not JSON or repeats a key; a limit
/// error when it nests deeper than [`crate::values::json::MAX_JSON_DEPTH`].
pub fn parse_input(rule: &str, input_json: &str) -> Result<serde_json::Value, Error> {
    crate::values::json::parse_strict(input_json).map_err(|e| input_json_error(rule, &e))
}

/// The error for input JSON that [`crate::values::json`] refused.
pub fn input_json_error(rule: &str, e: &crate::values::json::JsonError) -> Error {
    if e.too_deep {
        Error::Eval(EvalError::Limit { rule: rule.into(), message: format!("input: {}", e.message) })
    } else {
        Error::Eval(EvalError::Input {
            rule: rule.into(),
            field: String::new(),
            message: format!("input is not valid JSON: {}", e.message),
            allowed: None,
        })
    }
}

/// Evaluates a rule: JSON inputs and options in, the decision document out
/// (the same document `ordinance eval --format json` prints).
///
/// # Errors
/// Malformed JSON, bad options, or any evaluation error.
pub fn evaluate_json(
    engine: &Engine,
    rule: &str,
    input_json: &str,
    options_json: Option<&str>,
) -> Result<String, Error> {
    let opts = parse_options(options_json)?;
    evaluate_json_with(engine, rule, input_json, &opts, usize::MAX)
}

/// [`evaluate_json`] with options already read (a host adds its
/// cancellation flag to them), and an answer of at most `max_answer` bytes:
/// a larger one is a `limit` error, found while the document is written,
/// before it is all in memory.
///
/// # Errors
/// As [`evaluate_json`], and a document larger than `max_answer`.
pub fn evaluate_json_with(
    engine: &Engine,
    rule: &str,
    input_json: &str,
    opts: &EvalOptions,
    max_answer: usize,
) -> Result<String, Error> {
    let input = parse_input(rule, input_json)?;
    let d = engine.evaluate(rule, &input, opts)?;
    let mut out = Vec::new();
    d.write_json(&mut out);
    if out.len() > max_answer {
        return Err(answer_too_large(rule, max_answer));
    }
    Ok(String::from_utf8(out).unwrap_or_default())
}

fn answer_too_large(rule: &str, max_answer: usize) -> Error {
    Error::Eval(EvalError::Limit {
        rule: rule.into(),
        message: format!(
            "the answer would be larger than {max_answer} bytes; send fewer records at a time or turn the trace off"
        ),
    })
}

/// Evaluates one rule over a JSON array of input objects. The result is a
/// JSON array in the same order; each item is `{"ok": decision}` or
/// `{"error": error}`, so one bad record does not hide the others.
///
/// # Errors
/// Malformed JSON, an input that is not an array, or bad options.
pub fn evaluate_many_json(
    engine: &Engine,
    rule: &str,
    inputs_json: &str,
    options_json: Option<&str>,
) -> Result<String, Error> {
    let opts = parse_options(options_json)?;
    evaluate_many_json_with(engine, rule, inputs_json, &opts, usize::MAX)
}

/// [`evaluate_many_json`] with options already read, and an answer of at
/// most `max_answer` bytes (see [`evaluate_json_with`]): the records are
/// evaluated and written one at a time, and writing stops at the limit.
///
/// # Errors
/// As [`evaluate_many_json`], and an answer larger than `max_answer`.
pub fn evaluate_many_json_with(
    engine: &Engine,
    rule: &str,
    inputs_json: &str,
    opts: &EvalOptions,
    max_answer: usize,
) -> Result<String, Error> {
    let input = parse_input(rule, inputs_json)?;
    let serde_json::Value::Array(records) = input else {
        return Err(Error::Eval(EvalError::Input {
            rule: rule.into(),
            field: String::new(),
            message: "expected a JSON array of input objects".into(),
            allowed: None,
        }));
    };
    // one document written straight from the values, not one per record;
    // records are evaluated in chunks so that an answer over the limit
    // stops the work, not only the writing
    let mut out = Vec::with_capacity((64 * records.len() + 2).min(max_answer.saturating_add(1)));
    out.push(b'[');
    let mut first = true;
    for chunk in records.chunks(256) {
        for r in engine.evaluate_many(rule, chunk, opts) {
            if !first {
                out.push(b',');
            }
            first = false;
            match r {
                Ok(d) => {
                    out.extend_from_slice(b"{\"ok\":");
                    d.write_json(&mut out);
                }
                Err(e) => {
                    out.extend_from_slice(b"{\"error\":");
                    let _ = serde_json::to_writer(&mut out, &e.to_json());
                }
            }
            out.push(b'}');
            if out.len() > max_answer {
                return Err(answer_too_large(rule, max_answer));
            }
        }
        if opts.cancel.as_ref().is_some_and(crate::run::eval::Cancel::is_cancelled) {
            return Err(Error::Eval(EvalError::Limit {
                rule: rule.into(),
                message: "the evaluation was stopped: its request timed out or its caller went away".into(),
            }));
        }
    }
    out.push(b']');
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// The metadata of every rule, as a JSON array.
pub fn rules_json(engine: &Engine) -> String {
    serde_json::Value::Array(engine.rules().iter().map(|r| r.to_json()).collect()).to_string()
}

/// The results of the packs' tests as JSON:
/// `{"passed": n, "failed": m, "tests": [{name, rule, location, passed, message}]}`.
pub fn run_tests_json(engine: &Engine) -> String {
    tests_json(&engine.run_tests())
}

/// The JSON form of a test report, as [`run_tests_json`] gives it.
pub fn tests_json(r: &crate::engine::TestReport) -> String {
    serde_json::json!({
        "passed": r.passed(),
        "failed": r.failed(),
        "tests": r.outcomes.iter().map(|o| serde_json::json!({
            "name": o.name, "rule": o.rule, "location": o.location, "passed": o.passed, "message": o.message
        })).collect::<Vec<_>>(),
    })
    .to_string()
}

/// The JSON form of an error (see [`Error::to_json`]).
pub fn error_json(e: &Error) -> String {
    e.to_json().to_string()
}
