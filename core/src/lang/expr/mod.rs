//! The expression language used in formulas, claims and scenarios: syntax
//! (parsing and printing), compilation to slots (names and types resolved),
//! and fusion of the aggregates of a rule into one pass per list.

pub mod compile;
pub mod fuse;
pub mod syntax;
