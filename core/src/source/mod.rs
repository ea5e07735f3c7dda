//! Reading what the host and the pack authors wrote: files opened confined
//! to their folder ([`files`]), YAML with the position of every value
//! ([`yaml`], and the positions of an expression's characters,
//! [`yaml::Locator`]), the file model a pack's YAML is read into
//! ([`model`]), and the source texts quotes are checked against
//! ([`sourcetext`]).
//!
//! May use: `values`. Phases above it read through it; it knows nothing
//! of them.

pub mod files;
pub mod model;
pub mod sourcetext;
pub mod yaml;
