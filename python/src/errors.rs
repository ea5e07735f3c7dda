//! The Python exceptions of `ordinance`, and the mapping from the core's
//! error types onto them. Every error carries its parts as attributes
//! (`.file`, `.line`, `.rule`, `.field`, `.allowed`, …) so that callers never
//! parse a message; the message itself is the core's one-line text.
//!
//! ```text
//! OrdinanceError            code = "error"
//! ├── LoadError             code = "load"          .file .line .column .hint .diagnostics
//! ├── InputError            code = "input"         .rule .field .allowed
//! ├── UnknownRuleError      code = "unknown_rule"  .rule .suggestion
//! └── EvaluationError       code = "evaluation"    .rule
//!     ├── ValidityError     code = "validity"      (as-of date outside the pack's validity)
//!     └── LimitError        code = "limit"         (a step or size limit was exceeded)
//! ```

use crate::convert::Problem;
use ordinance_core::{Diagnostic, EvalError, LoadError as CoreLoadError};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

create_exception!(ordinance, OrdinanceError, PyException, "The base of every error ordinance raises.");
create_exception!(
    ordinance,
    LoadError,
    OrdinanceError,
    "Rule packs failed to load: `.file`, `.line`, `.column` and `.hint` of the first problem, every problem in `.diagnostics`."
);
create_exception!(
    ordinance,
    InputError,
    OrdinanceError,
    "An input is missing, unknown, or not a value the rule accepts: `.rule`, `.field`, `.allowed`."
);
create_exception!(
    ordinance,
    UnknownRuleError,
    OrdinanceError,
    "No rule has this id: `.rule`, and the closest id in `.suggestion`."
);
create_exception!(
    ordinance,
    EvaluationError,
    OrdinanceError,
    "Evaluation failed (division by zero, overflow, no matching row, …): `.rule`."
);
create_exception!(
    ordinance,
    ValidityError,
    EvaluationError,
    "The as-of date lies outside the validity of the rule's pack: `.rule`."
);
create_exception!(ordinance, LimitError, EvaluationError, "A step or size limit was exceeded: `.rule`.");

/// Adds the exception types to the module and gives every class attribute a
/// default, so that an instance raised from Python code (or a subclass) has
/// the same attributes as one raised by the engine.
///
/// # Errors
/// When Python cannot set the attributes.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let none = py.None();
    let base = py.get_type::<OrdinanceError>();
    base.setattr("code", "error")?;
    base.setattr("rule", &none)?;
    base.setattr("index", &none)?;
    let load = py.get_type::<LoadError>();
    load.setattr("code", "load")?;
    for attr in ["file", "line", "column", "hint"] {
        load.setattr(attr, &none)?;
    }
    load.setattr("diagnostics", PyTuple::empty(py))?;
    let input = py.get_type::<InputError>();
    input.setattr("code", "input")?;
    input.setattr("field", &none)?;
    input.setattr("allowed", &none)?;
    let unknown = py.get_type::<UnknownRuleError>();
    unknown.setattr("code", "unknown_rule")?;
    unknown.setattr("suggestion", &none)?;
    py.get_type::<EvaluationError>().setattr("code", "evaluation")?;
    py.get_type::<ValidityError>().setattr("code", "validity")?;
    py.get_type::<LimitError>().setattr("code", "limit")?;

    m.add("OrdinanceError", base)?;
    m.add("LoadError", load)?;
    m.add("InputError", input)?;
    m.add("UnknownRuleError", unknown)?;
    m.add("EvaluationError", py.get_type::<EvaluationError>())?;
    m.add("ValidityError", py.get_type::<ValidityError>())?;
    m.add("LimitError", py.get_type::<LimitError>())?;
    Ok(())
}

/// Builds an exception and sets its attributes; if setting them fails, that
/// failure is what the caller gets.
fn with_attrs(py: Python<'_>, err: PyErr, attrs: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<()>) -> PyErr {
    let value = err.value(py).clone().into_any();
    match attrs(&value) {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// The Python form of an evaluation error.
pub fn eval_error(py: Python<'_>, e: &EvalError) -> PyErr {
    let message = e.to_string();
    match e {
        EvalError::UnknownRule { rule, suggestion } => with_attrs(py, UnknownRuleError::new_err(message), |v| {
            v.setattr("rule", rule)?;
            v.setattr("suggestion", suggestion.as_deref())
        }),
        EvalError::Input { rule, field, allowed, .. } => with_attrs(py, InputError::new_err(message), |v| {
            v.setattr("rule", rule)?;
            v.setattr("field", field)?;
            v.setattr("allowed", allowed.clone())
        }),
        EvalError::Validity { rule, .. } => {
            with_attrs(py, ValidityError::new_err(message), |v| v.setattr("rule", rule))
        }
        EvalError::Evaluation { rule, .. } => {
            with_attrs(py, EvaluationError::new_err(message), |v| v.setattr("rule", rule))
        }
        EvalError::Limit { rule, .. } => with_attrs(py, LimitError::new_err(message), |v| v.setattr("rule", rule)),
    }
}

/// The Python form of a problem found while converting inputs, worded as the
/// core words its own input errors.
pub fn input_problem(py: Python<'_>, rule: &str, p: &Problem) -> PyErr {
    let message = if rule.is_empty() {
        format!("input `{}`: {}", p.field, p.message)
    } else {
        format!("rule `{rule}`: input `{}`: {}", p.field, p.message)
    };
    with_attrs(py, InputError::new_err(message), |v| {
        v.setattr("rule", rule)?;
        v.setattr("field", &p.field)?;
        v.setattr("allowed", py.None())
    })
}

fn diagnostic_to_py<'py>(py: Python<'py>, d: &Diagnostic) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("file", &d.file)?;
    dict.set_item("line", d.line)?;
    dict.set_item("column", d.column)?;
    dict.set_item("message", &d.message)?;
    dict.set_item("hint", d.help.as_deref())?;
    Ok(dict)
}

/// The Python form of a load error: the first problem's location and hint as
/// attributes, every problem in `.diagnostics` (a tuple of dicts with
/// `file`, `line`, `column`, `message`, `hint`).
pub fn load_error(py: Python<'_>, e: &CoreLoadError) -> PyErr {
    with_attrs(py, LoadError::new_err(e.to_string()), |v| {
        if let Some(first) = e.diagnostics.first() {
            v.setattr("file", &first.file)?;
            v.setattr("line", first.line)?;
            v.setattr("column", first.column)?;
            v.setattr("hint", first.help.as_deref())?;
        }
        let items = e.diagnostics.iter().map(|d| diagnostic_to_py(py, d)).collect::<PyResult<Vec<_>>>()?;
        v.setattr("diagnostics", PyTuple::new(py, items)?)
    })
}
