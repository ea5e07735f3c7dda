//! `ordinance-core` — regulations as code: the pure rules core.
//!
//! It reads rule packs written in YAML (one per source document), checks them
//! strictly, compiles every expression once, and evaluates rules exactly —
//! rational arithmetic, no binary floating point — as of a date, explaining
//! each decision with the clause of the document it comes from.
//!
//! ```no_run
//! use ordinance_core::{Engine, EvalOptions};
//! let engine = Engine::load_dir("rules")?;
//! let d = engine.evaluate(
//!     "energy_safety.inspection_frequency",
//!     &serde_json::json!({"class": "D"}),
//!     &EvalOptions { trace: true, ..EvalOptions::default() },
//! )?;
//! assert_eq!(d.outputs["visits_per_year"].to_string(), "12");
//! # Ok::<(), ordinance_core::Error>(())
//! ```
//!
//! The modules follow the life of a rule: [`yaml`] and [`model`] read the
//! files, [`loader`] validates them and compiles them to slots
//! ([`expr::compile`]) into a [`ruleset::Ruleset`] ([`expr::syntax`] parses
//! the expression language), [`eval`] runs them on exact [`number`]s within
//! budgets, [`reference`] is the plain interpreter the tests hold [`eval`]
//! equal to, [`engine`] is the public entry point, [`facade`] the JSON
//! surface the bindings use, and [`scenario`] with [`report`] run and print
//! whole scenarios.

pub mod bundle;
pub mod date;
pub mod date_pattern;
pub mod engine;
pub mod error;
pub mod eval;
pub mod expr;
pub mod facade;
pub mod files;
pub mod json;
pub mod loader;
pub mod model;
pub mod number;
pub mod overlap;
pub mod properties;
pub mod reference;
pub mod report;
pub mod ruleset;
pub mod scenario;
pub mod schema;
pub mod sourcetext;
pub mod value;
pub mod view;
pub mod yaml;

pub use date::Date;
pub use engine::{
    Columns, Decision, Engine, EvalOptions, LoadOptions, Prepared, ReloadReport, RuleInfo, TestOutcome, TestReport,
};
pub use error::{Diagnostic, Error, EvalError, LoadError};
pub use eval::{Cancel, TraceEntry, TraceKind};
pub use number::{Number, RoundingMode};
pub use value::{Type, Value};

/// The version of this crate.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
