//! Built-in functions as the compiler sees them: a name, how many arguments,
//! what the call reads from the rule set (a scale, a calendar), and a type
//! rule. The definitions themselves — type rule, compiled evaluation,
//! reference evaluation and documented examples, one place per function —
//! live in `run/builtins/`, above this layer; the compiler reaches them
//! through the lookup in [`super::Globals::builtins`], which whoever
//! compiles supplies (the pack loader gives `run::builtins::lookup`).

use super::{cerr, cerr_help, CExpr, CompileError};
use crate::values::value::{Type, Value};

/// A built-in function in a compiled expression: which definition (family
/// and member in the registry of `run/builtins/`), and the scale or
/// calendar it reads, as an index into the rule set's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    /// The family: an index into the registry's families.
    pub family: u8,
    /// The member of the family.
    pub member: u8,
    /// The scale or calendar read (0 when the function reads neither).
    pub index: usize,
}

/// What a built-in function reads from the rule set besides its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Nothing.
    Nothing,
    /// A rate schedule, named as the first argument: `progressive(iit, x)`.
    Scale,
    /// The pack's working-day calendar.
    Calendar,
}

/// The type rule of a built-in: the type of the call from its arguments',
/// or an error at the argument that does not fit.
pub type TypeRule = fn(&ArgTypes<'_>) -> Result<Type, CompileError>;

/// A built-in function's signature: what the compiler checks.
#[derive(Clone, Copy, Debug)]
pub struct Signature {
    /// The name rules call it by.
    pub name: &'static str,
    /// The fewest and the most arguments (a scale's name not counted).
    pub args: (usize, usize),
    /// What it reads from the rule set.
    pub needs: Needs,
    /// Its type rule.
    pub type_of: TypeRule,
}

/// Finds a built-in by name: its place in the registry and its signature.
pub type Lookup = fn(&str) -> Option<(Builtin, &'static Signature)>;

/// The built-in functions a compilation knows ([`Lookup`]); none by default.
#[derive(Clone, Copy, Debug)]
pub struct Builtins(pub Lookup);

impl Default for Builtins {
    fn default() -> Self {
        Builtins(|_| None)
    }
}

/// The names that are not built-in functions yet cannot be rule ids: the
/// aggregates `any` and `all` and the form `is_missing`.
pub const RESERVED_NAMES: &[&str] = &["any", "all", "is_missing"];

/// The arguments of a call, as the type rule sees them: each one's type and
/// position, and its value when it is a constant.
pub struct ArgTypes<'a> {
    /// The function's name, for messages.
    pub name: &'a str,
    /// Type and character offset of each argument.
    pub types: &'a [(Type, usize)],
    /// The compiled arguments (constants can be read at load).
    pub compiled: &'a [CExpr],
    /// Where the call is written.
    pub pos: usize,
}

impl ArgTypes<'_> {
    /// The number of arguments.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Argument `i`'s type and position (unknown, at the call, past the end).
    pub fn arg(&self, i: usize) -> (Type, usize) {
        self.types.get(i).cloned().unwrap_or((Type::Unknown, self.pos))
    }

    /// Argument `i` when it is a constant text.
    pub fn const_text(&self, i: usize) -> Option<&str> {
        match self.compiled.get(i) {
            Some(CExpr::Const(Value::Text(t))) => Some(t),
            _ => None,
        }
    }

    /// An error at a position.
    pub fn err(&self, pos: usize, message: String) -> CompileError {
        cerr(pos, message)
    }

    /// An error at a position, with how to fix it.
    pub fn err_help(&self, pos: usize, message: String, help: &str) -> CompileError {
        cerr_help(pos, message, help)
    }

    fn need(&self, i: usize, what: &str, ok: impl Fn(&Type) -> bool) -> Result<Type, CompileError> {
        let (t, p) = self.arg(i);
        if ok(&t) {
            Ok(t)
        } else {
            Err(cerr(p, format!("`{}` needs {what} here, found {t}", self.name)))
        }
    }

    /// Argument `i` is a number (its type returned).
    pub fn num(&self, i: usize) -> Result<Type, CompileError> {
        self.need(i, "a number", Type::is_numeric)
    }

    /// Argument `i` is an integer.
    pub fn int(&self, i: usize) -> Result<(), CompileError> {
        self.need(i, "an integer", |t| *t == Type::Integer).map(drop)
    }

    /// Argument `i` is text (or an enum value).
    pub fn text(&self, i: usize) -> Result<(), CompileError> {
        self.need(i, "text", |t| matches!(t, Type::Text | Type::Enum(_))).map(drop)
    }

    /// Argument `i` is a date.
    pub fn date(&self, i: usize) -> Result<(), CompileError> {
        self.need(i, "a date", |t| *t == Type::Date).map(drop)
    }

    /// Argument `i` is a datetime.
    pub fn datetime(&self, i: usize) -> Result<(), CompileError> {
        self.need(i, "a datetime", |t| *t == Type::DateTime).map(drop)
    }

    /// Argument `i` is a duration.
    pub fn duration(&self, i: usize) -> Result<(), CompileError> {
        self.need(i, "a duration", |t| *t == Type::Duration).map(drop)
    }

    /// Argument `i` is a list: the type of its elements.
    pub fn list(&self, i: usize) -> Result<Type, CompileError> {
        match self.arg(i) {
            (Type::List(t), _) => Ok(*t),
            (t, p) => Err(cerr(p, format!("`{}` needs a list here, found {t}", self.name))),
        }
    }

    /// Every argument is text.
    pub fn all_text(&self) -> Result<(), CompileError> {
        (0..self.len()).try_for_each(|i| self.text(i))
    }
}
