//! Helpers shared by the integration tests: each test file declares
//! `mod common;` and uses what it needs. A pack is loaded on its own
//! (`rules/<pack>.yaml`), once per test binary, so that a test never depends
//! on the other packs of the directory.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use indexmap::IndexMap;
use ordinance_core::scenario::{run_file, Report};
use ordinance_core::{Date, Engine, EvalOptions, Number, Value};
use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The root of the repository (the directory above `core/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The directory of the shipped rule packs.
pub fn rules_dir() -> PathBuf {
    root().join("rules")
}

/// The file of one shipped pack: `rules/<pack>.yaml`.
pub fn pack_path(pack: &str) -> PathBuf {
    rules_dir().join(format!("{pack}.yaml"))
}

/// The file of a pack, and of the pack whose working-day calendar it uses
/// (`calendar: <pack id>`), if any.
pub fn pack_with_calendar(pack: &str) -> Vec<PathBuf> {
    let path = pack_path(pack);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut files = vec![path];
    if let Some(other) = text.lines().find_map(|l| l.strip_prefix("calendar: ")) {
        files.push(pack_path(other.trim()));
    }
    files
}

/// The engine of one pack alone, loaded on first use and kept for the whole
/// test binary.
pub fn pack_engine(pack: &str) -> &'static Engine {
    static ENGINES: Mutex<BTreeMap<String, &'static Engine>> = Mutex::new(BTreeMap::new());
    let mut engines = ENGINES.lock().unwrap_or_else(PoisonError::into_inner);
    engines
        .entry(pack.to_string())
        .or_insert_with(|| Box::leak(Box::new(Engine::from_files(&pack_with_calendar(pack)).unwrap())))
}

/// Runs `examples/<name>.yaml` against the shipped packs.
pub fn run_scenario(name: &str) -> Report {
    run_file(&root().join(format!("examples/{name}.yaml")), &rules_dir()).unwrap()
}

/// The as-of date the tests evaluate on unless they say otherwise.
pub const AS_OF: &str = "2024-06-30";

/// Options that evaluate as of `date`.
pub fn as_of(date: Date) -> EvalOptions {
    EvalOptions { as_of: Some(date), ..EvalOptions::default() }
}

/// Options that evaluate as of `date` (`YYYY-MM-DD`).
pub fn at(date: &str) -> EvalOptions {
    as_of(parse_date(date))
}

/// Options that evaluate as of [`AS_OF`].
pub fn opts() -> EvalOptions {
    at(AS_OF)
}

/// The outputs of `rule` (its full name, `pack.rule`) for `input`, as of
/// [`AS_OF`]; an error panics with the rule and the input.
pub fn eval(engine: &Engine, rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    eval_on(engine, rule, parse_date(AS_OF), input)
}

/// [`eval`] as of `date`.
pub fn eval_on(engine: &Engine, rule: &str, date: Date, input: &serde_json::Value) -> IndexMap<String, Value> {
    match engine.evaluate(rule, input, &as_of(date)) {
        Ok(d) => d.outputs,
        Err(e) => panic!("{rule} {input}: {e}"),
    }
}

/// A bool value, or a panic.
pub fn flag(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        other => panic!("not a bool: {other}"),
    }
}

/// A text value, or a panic.
pub fn text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.to_string(),
        other => panic!("not text: {other}"),
    }
}

/// A number value, or a panic.
pub fn number(v: &Value) -> Number {
    match v {
        Value::Number(n) => n.clone(),
        other => panic!("not a number: {other}"),
    }
}

/// An integer value, or a panic.
pub fn int(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.to_i64().unwrap_or_else(|| panic!("not an integer: {n}")),
        other => panic!("not a number: {other}"),
    }
}

/// A date value, or a panic.
pub fn date(v: &Value) -> Date {
    match v {
        Value::Date(d) => *d,
        other => panic!("not a date: {other}"),
    }
}

/// A date written `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// `n` cases per property, with failures recorded in
/// `core/proptest-regressions/<file_stem>.txt` (committed). The path is
/// leaked: proptest wants it `'static`, and a test binary makes only a few.
pub fn cases(n: u32, file_stem: &str) -> ProptestConfig {
    let path: &'static str = Box::leak(format!("proptest-regressions/{file_stem}.txt").into_boxed_str());
    ProptestConfig {
        cases: n,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(path))),
        ..ProptestConfig::default()
    }
}
