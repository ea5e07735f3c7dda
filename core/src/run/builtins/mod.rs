//! The built-in functions, one definition each: its name and signature
//! (what the compiler checks), its compiled evaluation (the evaluator of
//! [`crate::run::eval`], with budgets and trace), its reference evaluation
//! (the plain interpreter of [`crate::run::reference`], written to be
//! obviously right) and its documented examples (which the tests evaluate
//! on both and find in `docs/rule-format.md` §9.7).
//!
//! They are grouped by family, a file each: [`numbers`], [`dates`],
//! [`times`], [`text`], [`lists`], [`scales`], [`calendars`]. A new
//! built-in is one more entry in its family's `DEFS`; nothing else lists
//! them. The compiler finds them through [`lookup`] (the pack loader hands
//! it over in `Globals::builtins`), the evaluators through [`def`].

use crate::lang::expr::compile::{Builtin, Loc, Signature};
use crate::run::eval::{Evaluator, Fault, Res};
use crate::run::reference::Reference;
use crate::values::date::{Date, DateTime};
use crate::values::number::Number;
use crate::values::value::Value;

mod calendars;
mod dates;
mod lists;
mod numbers;
mod scales;
mod text;
mod times;

/// The compiled evaluation of a built-in.
pub type Fast = for<'a, 'b> fn(&'b mut Evaluator<'a>, &Call<'_>) -> Res<Value>;

/// The reference evaluation of a built-in.
pub type Plain = for<'a, 'b> fn(&'b Reference<'a>, &Call<'_>) -> Result<Value, Fault>;

/// One built-in function.
pub struct Def {
    /// What the compiler checks.
    pub sig: Signature,
    /// How the evaluator computes it.
    pub fast: Fast,
    /// How the reference interpreter computes it.
    pub reference: Plain,
    /// Expressions and what they give (as printed), as in the docs' table.
    pub examples: &'static [(&'static str, &'static str)],
}

/// A call being evaluated: which built-in, its argument values, where it is
/// written, and (for the reference interpreter) the rule it is in.
pub struct Call<'v> {
    /// The built-in, with the scale or calendar it reads.
    pub b: Builtin,
    /// The arguments' values.
    pub args: &'v [Value],
    /// Where the call is written.
    pub at: Loc,
    /// The rule being evaluated (the reference interpreter's faults name it).
    pub rule: &'v str,
}

impl Call<'_> {
    /// The fault of a value of the wrong kind, for the reference interpreter
    /// (the type rules make it unreachable from a loaded pack).
    pub(super) fn wrong(&self) -> Fault {
        crate::run::reference::failed(self.rule, "a built-in function received a value of the wrong kind")
    }

    /// A failure, for the reference interpreter.
    pub(super) fn failed(&self, message: impl Into<String>) -> Fault {
        crate::run::reference::failed(self.rule, message)
    }
}

/// A number argument that is a whole number of 64 bits.
pub(super) fn int(n: &Number) -> Option<i64> {
    n.to_i64()
}

/// The families, in the order of [`Builtin::family`].
const FAMILIES: [&[Def]; 7] =
    [numbers::DEFS, dates::DEFS, times::DEFS, text::DEFS, lists::DEFS, scales::DEFS, calendars::DEFS];

/// Every built-in, family by family.
pub fn all() -> impl Iterator<Item = &'static Def> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// The built-in called `name`: its place in the registry and its signature.
pub fn lookup(name: &str) -> Option<(Builtin, &'static Signature)> {
    for (family, defs) in FAMILIES.iter().enumerate() {
        for (member, d) in defs.iter().enumerate() {
            if d.sig.name == name {
                let b = Builtin { family: u8::try_from(family).ok()?, member: u8::try_from(member).ok()?, index: 0 };
                return Some((b, &d.sig));
            }
        }
    }
    None
}

/// The definition of a compiled built-in.
pub fn def(b: Builtin) -> Option<&'static Def> {
    FAMILIES.get(usize::from(b.family))?.get(usize::from(b.member))
}

/// Whether `name` is taken by a built-in function, an aggregate or a form,
/// so that no rule may have it as its id.
pub fn is_reserved(name: &str) -> bool {
    crate::lang::expr::compile::RESERVED_NAMES.contains(&name) || lookup(name).is_some()
}

impl Evaluator<'_> {
    /// The fault of a value of the wrong kind (the type rules make it
    /// unreachable from a loaded pack).
    pub(super) fn bad(&self) -> Box<Fault> {
        self.fail("a built-in function received a value of the wrong kind")
    }
}

/// A date value.
pub(super) fn date(v: &Value) -> Option<Date> {
    match v {
        Value::Date(d) => Some(*d),
        _ => None,
    }
}

/// A datetime value.
pub(super) fn datetime(v: &Value) -> Option<DateTime> {
    match v {
        Value::DateTime(d) => Some(*d),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_defined_once_and_every_definition_is_found_by_its_name() {
        let mut seen = std::collections::HashSet::new();
        for d in all() {
            assert!(seen.insert(d.sig.name), "`{}` is defined twice", d.sig.name);
            let found = lookup(d.sig.name);
            assert_eq!(found.map(|(_, sig)| sig.name), Some(d.sig.name));
            assert_eq!(found.and_then(|(b, _)| def(b)).map(|x| x.sig.name), Some(d.sig.name));
        }
        assert!(seen.len() >= 66, "only {} built-ins", seen.len());
    }
}
