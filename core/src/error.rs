//! Errors, one kind per phase: loading (with file, line and column) and
//! evaluation (with the rule and, for inputs, the field). Messages are
//! lowercase, one line, with the user's own text in backticks; a `help` says
//! how to fix the problem.

use std::fmt;

/// One problem found while loading rule packs or a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, as given to the loader.
    pub file: String,
    /// 1-based line (0 when the problem is with the file as a whole).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: error: message` (`file: error: message` for a
    /// problem with the file as a whole), then `  help: …` on its own line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: error: {}", self.file, self.message)?;
        } else {
            write!(f, "{}:{}:{}: error: {}", self.file, self.line, self.column, self.message)?;
        }
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// The JSON form.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.file, "line": self.line, "column": self.column,
            "message": self.message, "hint": self.help,
        })
    }
}

/// Loading failed; every problem found is listed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.diagnostics.as_slice() {
            [] => f.write_str("loading failed"),
            [only] => write!(f, "{only}"),
            [first, rest @ ..] => write!(f, "{first}\n(and {} more error(s))", rest.len()),
        }
    }
}

impl LoadError {
    /// A load error with a single problem.
    pub fn single(file: &str, line: u32, column: u32, message: impl Into<String>, help: Option<String>) -> Self {
        LoadError { diagnostics: vec![Diagnostic { file: file.into(), line, column, message: message.into(), help }] }
    }
}

/// Evaluation failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// No rule has this id.
    #[error("unknown rule `{rule}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownRule {
        /// The id asked for.
        rule: String,
        /// The closest existing id.
        suggestion: Option<String>,
    },
    /// An input is missing, has the wrong type, or is not an allowed value.
    #[error("{}", input_message(rule, field, message))]
    Input {
        /// The rule.
        rule: String,
        /// The input path, e.g. `class` or `roster[3].sector`.
        field: String,
        /// What is wrong.
        message: String,
        /// The allowed values, for enums.
        allowed: Option<Vec<String>>,
    },
    /// The as-of date lies outside the pack's validity (or the pack is not
    /// yet in force and no date was given).
    #[error("rule `{rule}`: {message}")]
    Validity {
        /// The rule.
        rule: String,
        /// What is wrong, naming the period.
        message: String,
    },
    /// Evaluation itself failed: division by zero, overflow, no matching
    /// row, a parameter without a value on the date.
    #[error("rule `{rule}`: {message}")]
    Evaluation {
        /// The rule.
        rule: String,
        /// What went wrong.
        message: String,
    },
    /// A limit (steps, list length) was exceeded.
    #[error("rule `{rule}`: {message}")]
    Limit {
        /// The rule.
        rule: String,
        /// Which limit.
        message: String,
    },
}

impl EvalError {
    /// A stable code for bindings: `unknown_rule`, `input`, `validity`,
    /// `evaluation`, `limit`.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::UnknownRule { .. } => "unknown_rule",
            EvalError::Input { .. } => "input",
            EvalError::Validity { .. } => "validity",
            EvalError::Evaluation { .. } => "evaluation",
            EvalError::Limit { .. } => "limit",
        }
    }

    /// The rule concerned.
    pub fn rule(&self) -> &str {
        match self {
            EvalError::UnknownRule { rule, .. }
            | EvalError::Input { rule, .. }
            | EvalError::Validity { rule, .. }
            | EvalError::Evaluation { rule, .. }
            | EvalError::Limit { rule, .. } => rule,
        }
    }

    /// The JSON form: `{"code", "message", "rule", "field"?, "allowed"?, "hint"?}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("code".into(), self.code().into());
        m.insert("message".into(), self.to_string().into());
        m.insert("rule".into(), self.rule().into());
        match self {
            EvalError::Input { field, allowed, .. } => {
                m.insert("field".into(), field.clone().into());
                if let Some(a) = allowed {
                    m.insert("allowed".into(), a.clone().into());
                }
            }
            EvalError::UnknownRule { suggestion: Some(s), .. } => {
                m.insert("hint".into(), format!("did you mean `{s}`?").into());
            }
            _ => {}
        }
        serde_json::Value::Object(m)
    }
}

fn input_message(rule: &str, field: &str, message: &str) -> String {
    match (rule.is_empty(), field.is_empty()) {
        (true, true) => message.to_string(),
        (true, false) => format!("`{field}`: {message}"),
        (false, true) => format!("rule `{rule}`: {message}"),
        (false, false) => format!("rule `{rule}`: input `{field}`: {message}"),
    }
}

/// Any error of the public API.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Loading rule packs or a scenario failed.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Evaluating failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
}

impl Error {
    /// The JSON form used by every binding: `code` is `load` for load errors
    /// (with `file`, `line`, `column`, `hint` of the first problem and all
    /// problems under `diagnostics`), else as [`EvalError::to_json`].
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Error::Eval(e) => e.to_json(),
            Error::Load(l) => {
                let mut m = serde_json::Map::new();
                m.insert("code".into(), "load".into());
                m.insert("message".into(), l.to_string().into());
                if let Some(d) = l.diagnostics.first() {
                    m.insert("file".into(), d.file.clone().into());
                    m.insert("line".into(), d.line.into());
                    m.insert("column".into(), d.column.into());
                    if let Some(h) = &d.help {
                        m.insert("hint".into(), h.clone().into());
                    }
                }
                m.insert("diagnostics".into(), l.diagnostics.iter().map(Diagnostic::to_json).collect());
                serde_json::Value::Object(m)
            }
        }
    }
}
