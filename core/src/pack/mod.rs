//! Loading rule packs: the load phases from files to a checked, compiled
//! [`crate::ruleset::Ruleset`] ([`loader`]), the overlap proof of decision
//! tables ([`overlap`]), rule-set bundles read and loaded ([`bundle`]), and
//! the JSON Schema of the file format ([`schema`]).
//!
//! May use: `values`, `error`, `source`, `lang`, `ruleset`. It never
//! evaluates a rule.

pub mod bundle;
pub mod loader;
pub mod overlap;
pub mod schema;
