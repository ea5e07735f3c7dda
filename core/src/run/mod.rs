//! Running compiled rules: the evaluator every client uses, with its
//! budgets, cancellation and trace ([`eval`]), the plain interpreter the
//! tests hold it equal to ([`reference`]), the outcome of a pack's test
//! ([`outcome`]) and the checking of its properties ([`properties`]).
//!
//! May use: `values`, `lang`, `ruleset`. It knows nothing of files or of
//! how a rule set was loaded.

pub mod builtins;
pub mod eval;
pub mod outcome;
pub mod properties;
pub mod reference;
