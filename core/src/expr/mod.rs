//! The expression language used in formulas, claims and scenarios: syntax
//! (parsing and printing) and compilation (names and types).

pub mod compile;
pub mod syntax;
