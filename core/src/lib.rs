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
//! The core is laid out by phase, each folder a layer that uses only the
//! layers below it (`core/tests/house.rs` holds it so; the picture is
//! `docs/architecture.md`):
//!
//! - `values/` — exact [`number`]s, [`date`]s, [`value`]s and strict [`json`];
//! - [`error`] — the errors every phase reports;
//! - `source/` — [`files`] opened confined, [`yaml`] with positions, the
//!   file [`model`], the [`sourcetext`]s quotes are checked against;
//! - `lang/` — the expression language: [`expr::syntax`], [`expr::compile`],
//!   [`expr::fuse`], [`date_pattern`];
//! - [`ruleset`] — the compiled rule set, what loading makes and running
//!   reads;
//! - `run/` — the evaluator ([`eval`]) with its budgets, the plain
//!   interpreter the tests hold it equal to ([`reference`]), test outcomes
//!   and [`properties`];
//! - `pack/` — the load phases ([`loader`]), the table proofs
//!   ([`overlap`]), [`bundle`]s, the file format's [`schema`];
//! - [`engine`] — the public entry point, and the JSON [`facade`] the
//!   bindings use;
//! - `reports/` — [`scenario`]s, their [`report`]s, the workbench's
//!   [`view`].
//!
//! The modules keep the paths they have always had (`ordinance_core::loader`,
//! `ordinance_core::eval`, …): each is re-exported here.

mod lang;
mod pack;
mod reports;
mod run;
mod source;
mod values;

pub mod engine;
pub mod error;
pub mod ruleset;

pub use engine::facade;
pub use lang::{date_pattern, expr};
pub use pack::{bundle, loader, overlap, schema};
pub use reports::{compare, report, scenario, view};
pub use run::{builtins, eval, outcome, properties, reference};
pub use source::{files, model, sourcetext, yaml};
pub use values::{date, json, number, value};

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
