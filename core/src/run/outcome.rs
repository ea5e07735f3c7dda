//! What a pack's test or property concluded, and how an evaluation fault
//! reads as an error.

use crate::error::EvalError;
use crate::run::eval::Fault;

/// The outcome of one pack test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestOutcome {
    /// Test name.
    pub name: String,
    /// The rule tested.
    pub rule: String,
    /// file:line.
    pub location: String,
    /// Whether it passed.
    pub passed: bool,
    /// Why it failed.
    pub message: Option<String>,
}

/// The message of an evaluation fault, as an error would print it.
pub fn fault_message(f: Fault) -> String {
    fault_to_error(f).to_string()
}

/// The error an evaluation fault is reported as.
pub fn fault_to_error(f: Fault) -> EvalError {
    match f {
        Fault::Input { rule, field, message, allowed } => EvalError::Input { rule, field, message, allowed },
        Fault::Failed { rule, message } => EvalError::Evaluation { rule, message },
        Fault::Limit { rule, message } => EvalError::Limit { rule, message },
    }
}
