//! The engine: loads rule packs, evaluates rules as of a date, runs the
//! packs' tests, reloads atomically, and describes its rules. `Engine` is
//! `Send + Sync`; evaluation reads an immutable snapshot of the ruleset, so a
//! reload never disturbs an evaluation in flight.

use crate::error::{EvalError, LoadError};
use crate::lang::expr::compile::suggest;
use crate::pack::loader::{self, SourceFile};
use crate::ruleset::{Body, Pack, Rule, Ruleset};
use crate::run::eval::{weight, Budget, Evaluator, TraceEntry, STEPS_PER_INPUT_ITEM};
pub use crate::run::outcome::TestOutcome;
use crate::values::date::Date;
use crate::values::value::{from_json, Type, Value};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Options of one evaluation.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// The as-of date; `None` means today in Asia/Shanghai, or the last day
    /// the pack was in force (see [`Engine::resolve_as_of`]).
    pub as_of: Option<Date>,
    /// Collect a trace.
    pub trace: bool,
    /// Step budget; `None` for the default, which is
    /// [`crate::run::eval::DEFAULT_MAX_STEPS`] plus
    /// [`crate::run::eval::STEPS_PER_INPUT_ITEM`] for every value in the inputs.
    pub max_steps: Option<u64>,
    /// The most decimal digits the numerator or denominator of any number
    /// computed may have; `None` for [`crate::values::number::DEFAULT_MAX_DIGITS`].
    pub max_digits: Option<u64>,
    /// The most bytes of values (lists, records, big numbers) the evaluation
    /// may create; `None` for [`crate::run::eval::DEFAULT_MAX_BYTES`].
    pub max_bytes: Option<u64>,
    /// A flag the host raises to stop the evaluation (its request timed out
    /// or its client went away): read where steps are charged, it ends the
    /// evaluation with a `limit` error within a few thousand steps.
    pub cancel: Option<crate::run::eval::Cancel>,
}

impl EvalOptions {
    /// The budgets of an evaluation whose inputs weigh `input_weight` (see
    /// [`crate::run::eval::weight`]).
    pub fn budget(&self, input_weight: u64) -> Budget {
        let d = Budget::default();
        Budget {
            max_steps: self
                .max_steps
                .unwrap_or_else(|| d.max_steps.saturating_add(input_weight.saturating_mul(STEPS_PER_INPUT_ITEM))),
            max_digits: self.max_digits.unwrap_or(d.max_digits),
            max_bytes: self.max_bytes.unwrap_or(d.max_bytes),
        }
    }
}

/// The outcome of `run_tests`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestReport {
    /// Every test, in pack order.
    pub outcomes: Vec<TestOutcome>,
}

impl TestReport {
    /// Number passed.
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed).count()
    }
    /// Number failed.
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
}

/// Where the engine's packs come from, for `reload`.
#[derive(Clone, Debug)]
enum Origin {
    Dir(PathBuf),
    Files(Vec<PathBuf>),
    Bundle(PathBuf),
}

/// How an engine loads and reloads its packs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Folders, besides the rules folder, that source texts may be read
    /// from (`text: ../texts/x.txt` when `../texts` is listed). Empty by
    /// default: a pack reads only inside its rules folder.
    pub shared_sources: Vec<PathBuf>,
    /// Refuse a reload in which a pack has disappeared (the engine keeps
    /// its packs and the reload fails with a located error). By default a
    /// removal is allowed and reported in [`ReloadReport::removed`].
    pub forbid_removal: bool,
    /// Reforms laid over the packs, in order (`docs/rule-format.md` §19):
    /// the engine answers by the rule set they make, and reloads them with
    /// the packs.
    pub reforms: Vec<PathBuf>,
}

/// What a reload changed, pack by pack (ids in file order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReloadReport {
    /// The rule-set hash before.
    pub previous: String,
    /// The rule-set hash now.
    pub ruleset: String,
    /// Packs that are new.
    pub added: Vec<String>,
    /// Packs that are gone, with the file each was loaded from.
    pub removed: Vec<(String, String)>,
    /// Packs whose file or cited source text changed.
    pub changed: Vec<String>,
    /// Packs as they were.
    pub unchanged: Vec<String>,
}

impl ReloadReport {
    /// Compares two rule sets.
    pub fn between(old: &Ruleset, new: &Ruleset) -> ReloadReport {
        let mut r = ReloadReport { previous: old.hash.clone(), ruleset: new.hash.clone(), ..ReloadReport::default() };
        for p in &new.packs {
            match old.packs.iter().find(|o| o.name == p.name) {
                None => r.added.push(p.name.clone()),
                Some(o) if o.digest != p.digest => r.changed.push(p.name.clone()),
                Some(_) => r.unchanged.push(p.name.clone()),
            }
        }
        for o in &old.packs {
            if !new.packs.iter().any(|p| p.name == o.name) {
                r.removed.push((o.name.clone(), o.file.clone()));
            }
        }
        r
    }

    /// Nothing was added, removed or changed.
    pub fn is_unchanged(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The JSON form: `{"previous", "ruleset", "added", "removed": [{"pack",
    /// "file"}], "changed", "unchanged"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "previous": self.previous,
            "ruleset": self.ruleset,
            "added": self.added,
            "removed": self.removed.iter().map(|(p, f)| serde_json::json!({"pack": p, "file": f})).collect::<Vec<_>>(),
            "changed": self.changed,
            "unchanged": self.unchanged,
        })
    }
}

impl std::fmt::Display for ReloadReport {
    /// One line: `reloaded: 1 added (x), 1 changed (y), 0 removed, 7 unchanged; rule set a → b`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[String]| if v.is_empty() { String::new() } else { format!(" ({})", v.join(", ")) };
        let removed: Vec<String> = self.removed.iter().map(|(p, _)| p.clone()).collect();
        write!(
            f,
            "reloaded: {} added{}, {} changed{}, {} removed{}, {} unchanged; rule set {} → {}",
            self.added.len(),
            list(&self.added),
            self.changed.len(),
            list(&self.changed),
            self.removed.len(),
            list(&removed),
            self.unchanged.len(),
            self.previous,
            self.ruleset
        )
    }
}

/// The rules engine.
#[derive(Debug)]
pub struct Engine {
    origin: Origin,
    options: LoadOptions,
    current: RwLock<Arc<Ruleset>>,
}

use crate::run::outcome::fault_to_error;

mod decision;
pub use decision::*;

mod bundle_write;
pub mod facade;
mod testing;

impl Engine {
    /// Loads every `.yaml` pack in a directory. Source texts are read
    /// only inside it.
    ///
    /// # Errors
    /// Every problem in every pack, located.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Engine, LoadError> {
        Self::load_dir_with(dir, LoadOptions::default())
    }

    /// Loads every `.yaml` pack in a directory, with options (shared source
    /// folders; whether a reload may remove a pack). A path that is a file
    /// is opened as a rule-set bundle ([`crate::pack::bundle`]): its packs and
    /// source texts, nothing outside it, and the rule-set hash it records
    /// checked; a reload reads the bundle file again.
    ///
    /// # Errors
    /// Every problem in every pack, located.
    pub fn load_dir_with(dir: impl AsRef<Path>, options: LoadOptions) -> Result<Engine, LoadError> {
        let path = dir.as_ref().to_path_buf();
        let origin = if crate::pack::bundle::is_bundle_path(&path) { Origin::Bundle(path) } else { Origin::Dir(path) };
        let rs = Self::load_origin(&origin, &options)?;
        Ok(Engine { origin, options, current: RwLock::new(Arc::new(rs)) })
    }

    /// Loads the given pack files; each reads source texts inside its own
    /// folder.
    ///
    /// # Errors
    /// Every problem in every pack, located.
    pub fn from_files(paths: &[PathBuf]) -> Result<Engine, LoadError> {
        let origin = Origin::Files(paths.to_vec());
        let options = LoadOptions::default();
        let rs = Self::load_origin(&origin, &options)?;
        Ok(Engine { origin, options, current: RwLock::new(Arc::new(rs)) })
    }

    fn load_origin(origin: &Origin, options: &LoadOptions) -> Result<Ruleset, LoadError> {
        let mut lo = loader::SourceFolders { root: None, shared_sources: options.shared_sources.clone(), bundle: None };
        let mut reforms = Vec::new();
        for p in &options.reforms {
            reforms.push(SourceFile { path: p.clone(), text: loader::read_limited(p)? });
        }
        let files = match origin {
            Origin::Bundle(path) => return crate::pack::bundle::load_reformed(path, &reforms),
            Origin::Dir(d) => {
                lo.root = Some(d.clone());
                loader::pack_files(d)?
            }
            Origin::Files(ps) => {
                let mut files = Vec::new();
                for p in ps {
                    files.push(SourceFile { path: p.clone(), text: loader::read_limited(p)? });
                }
                files
            }
        };
        loader::load_reformed(&files, &reforms, &lo)
    }

    /// The same packs with reforms laid over them (after any it has
    /// already): a new engine, answering by the rule set they make.
    ///
    /// # Errors
    /// Every problem in the packs and the reforms, located.
    pub fn with_reforms(&self, reforms: &[PathBuf]) -> Result<Engine, LoadError> {
        let mut options = self.options.clone();
        options.reforms.extend(reforms.iter().cloned());
        let rs = Self::load_origin(&self.origin, &options)?;
        Ok(Engine { origin: self.origin.clone(), options, current: RwLock::new(Arc::new(rs)) })
    }

    /// The options the engine loads with.
    pub fn options(&self) -> &LoadOptions {
        &self.options
    }

    /// Loads the packs again and swaps them in atomically, and says what
    /// changed. If they fail to load (or a pack is gone and the options
    /// forbid that), the engine keeps the packs it had and returns the
    /// errors.
    ///
    /// # Errors
    /// The problems in the new packs; a removed pack when removal is
    /// forbidden.
    pub fn reload(&self) -> Result<ReloadReport, LoadError> {
        let rs = Self::load_origin(&self.origin, &self.options)?;
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        let report = ReloadReport::between(&guard, &rs);
        if self.options.forbid_removal && !report.removed.is_empty() {
            let dir = match &self.origin {
                Origin::Dir(d) | Origin::Bundle(d) => d.display().to_string(),
                Origin::Files(_) => "<packs>".into(),
            };
            let diagnostics = report
                .removed
                .iter()
                .map(|(pack, file)| crate::error::Diagnostic {
                    file: dir.clone(),
                    line: 0,
                    column: 0,
                    message: format!("the pack `{pack}` (from `{file}`) is gone, and this engine may not remove packs"),
                    help: Some("restore the pack, or reload without forbidding removal".into()),
                })
                .collect();
            return Err(LoadError { diagnostics });
        }
        *guard = Arc::new(rs);
        Ok(report)
    }

    /// The current ruleset (a snapshot; a later reload does not change it).
    pub fn snapshot(&self) -> Arc<Ruleset> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The rule-set version: a content hash of the loaded packs.
    pub fn ruleset_hash(&self) -> String {
        self.snapshot().hash.clone()
    }

    /// Resolves the as-of date of an evaluation of a rule of `pack`.
    ///
    /// A given date must fall in the pack's validity. Without one, today
    /// (Asia/Shanghai) is used while the pack is in force; after it has
    /// lapsed, its last day in force; before it comes into force, a date
    /// must be given.
    ///
    /// # Errors
    /// A validity error naming the period.
    pub fn resolve_as_of(pack: &Pack, rule: &str, given: Option<Date>) -> Result<(Date, String), EvalError> {
        // the period is spelt out only when a message needs it
        let period = || match pack.valid_until {
            Some(u) => format!("{} to {u}", pack.valid_from),
            None => format!("from {}", pack.valid_from),
        };
        match given {
            Some(d) => {
                if d < pack.valid_from || pack.valid_until.is_some_and(|u| d > u) {
                    Err(EvalError::Validity {
                        rule: rule.into(),
                        message: format!("as-of date {d} is outside the validity of `{}` ({})", pack.name, period()),
                    })
                } else {
                    Ok((d, "given".into()))
                }
            }
            None => {
                let today = Date::today_shanghai();
                if today < pack.valid_from {
                    Err(EvalError::Validity {
                        rule: rule.into(),
                        message: format!("`{}` is not in force yet ({}); give an as-of date", pack.name, period()),
                    })
                } else if let Some(u) = pack.valid_until.filter(|u| today > *u) {
                    Ok((u, format!("last day in force: `{}` lapsed after {u}", pack.name)))
                } else {
                    Ok((today, "today in Asia/Shanghai".into()))
                }
            }
        }
    }

    /// Evaluates a rule on JSON inputs (an object: input name → value).
    ///
    /// # Errors
    /// Unknown rule, bad or missing inputs, a date outside the pack's
    /// validity, or a failure during evaluation.
    pub fn evaluate(&self, rule: &str, inputs: &serde_json::Value, opts: &EvalOptions) -> Result<Decision, EvalError> {
        let rs = self.snapshot();
        evaluate_in(&rs, rule, inputs, opts)
    }

    /// Evaluates one rule over many input records, against one snapshot of
    /// the rules; each record gets its own result. The rule is looked up
    /// and its as-of date resolved once for the whole batch.
    pub fn evaluate_many(
        &self,
        rule: &str,
        records: &[serde_json::Value],
        opts: &EvalOptions,
    ) -> Vec<Result<Decision, EvalError>> {
        match self.prepare(rule, opts) {
            Ok(p) => records.iter().map(|r| p.evaluate(r)).collect(),
            Err(e) => records.iter().map(|_| Err(e.clone())).collect(),
        }
    }

    /// Looks a rule up and resolves its as-of date once, against the
    /// current snapshot of the rules, for evaluating it many times: the
    /// entry point of batches, columns and bindings' hot paths.
    ///
    /// # Errors
    /// An unknown rule, or an as-of date outside the pack's validity.
    pub fn prepare(&self, rule: &str, opts: &EvalOptions) -> Result<Prepared, EvalError> {
        Prepared::new(self.snapshot(), rule, opts)
    }

    /// Runs every pack's tests.
    pub fn run_tests(&self) -> TestReport {
        let rs = self.snapshot();
        let mut report = TestReport::default();
        for pack in &rs.packs {
            for t in &pack.tests {
                let opts = EvalOptions { as_of: Some(t.as_of), ..EvalOptions::default() };
                let result = evaluate_in(&rs, &t.rule, &t.given, &opts);
                let (passed, message) = match (&t.expect, &t.error, result) {
                    (Some(expect), _, Ok(d)) => compare_outputs(&rs, t, expect, &d),
                    (Some(_), _, Err(e)) => (false, Some(format!("expected outputs, got error: {e}"))),
                    (None, Some(want), Err(e)) => {
                        let msg = e.to_string();
                        if msg.contains(want.as_str()) {
                            (true, None)
                        } else {
                            (false, Some(format!("expected an error containing `{want}`, got: {msg}")))
                        }
                    }
                    (None, Some(want), Ok(d)) => (
                        false,
                        Some(format!(
                            "expected an error containing `{want}`, got outputs {}",
                            serde_json::Value::Object(
                                d.outputs.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()
                            )
                        )),
                    ),
                    (None, None, _) => (false, Some("the test has neither `expect` nor `error`".into())),
                };
                report.outcomes.push(TestOutcome {
                    name: t.name.clone(),
                    rule: t.rule.clone(),
                    location: t.location.clone(),
                    passed,
                    message,
                });
            }
        }
        for pack in &rs.packs {
            for p in &pack.properties {
                report.outcomes.push(crate::run::properties::run(&rs, &pack.name, p));
            }
        }
        report
    }

    /// Metadata of one rule, by id (`pack.rule`).
    pub fn rule(&self, id: &str) -> Option<RuleInfo> {
        let rs = self.snapshot();
        rs.rule(id).map(|(_, r)| RuleInfo::of(&rs, r))
    }

    /// Metadata of every rule, for building interfaces: id, title, kind,
    /// inputs, outputs, citation and source document.
    pub fn rules(&self) -> Vec<RuleInfo> {
        let rs = self.snapshot();
        rs.rules.iter().map(|r| RuleInfo::of(&rs, r)).collect()
    }
}

/// One rule of one snapshot of the rules, looked up and with its as-of date
/// resolved, ready to evaluate many times ([`Engine::prepare`]). A reload of
/// the engine does not change it.
#[derive(Clone, Debug)]
pub struct Prepared {
    rs: Arc<Ruleset>,
    rule: Arc<Rule>,
    rid: usize,
    as_of: Date,
    as_of_reason: String,
    opts: EvalOptions,
}

/// The outputs of many evaluations as columns: one per output, a value per
/// row (`None` where the row failed), and the error of each failed row.
#[derive(Clone, Debug, PartialEq)]
pub struct Columns {
    /// Output names and types, in declaration order.
    pub outputs: Vec<(String, Type)>,
    /// One column per output, one entry per row.
    pub values: Vec<Vec<Option<Value>>>,
    /// Per row, its error, if it failed (boxed: most rows have none, and an
    /// error is many times the size of a pointer).
    pub errors: Vec<Option<Box<EvalError>>>,
}

/// The outcome of a columnar call grouped by outcome
/// ([`Prepared::evaluate_grouped_columns`]).
#[derive(Clone, Debug)]
pub struct Grouped {
    /// Output names and types, in declaration order.
    pub outputs: Vec<(String, Type)>,
    /// Each distinct outcome: the outputs in declaration order, or the
    /// error.
    pub results: Vec<Result<Vec<Value>, Box<EvalError>>>,
    /// Per row, the index of its outcome in `results`.
    pub rows: Vec<usize>,
}

impl Grouped {
    fn push_result(&mut self, r: Result<Vec<Value>, EvalError>) -> usize {
        let g = self.results.len();
        self.results.push(r.map_err(Box::new));
        self.rows.push(g);
        g
    }

    /// One value per row and output, and one error slot per row.
    pub fn into_columns(self) -> Columns {
        let n = self.rows.len();
        let mut values: Vec<Vec<Option<Value>>> = vec![Vec::with_capacity(n); self.outputs.len()];
        let mut errors = Vec::with_capacity(n);
        for &g in &self.rows {
            match self.results.get(g) {
                Some(Ok(vs)) => {
                    for (col, v) in values.iter_mut().zip(vs) {
                        col.push(Some(v.clone()));
                    }
                    errors.push(None);
                }
                Some(Err(e)) => {
                    for col in values.iter_mut() {
                        col.push(None);
                    }
                    errors.push(Some(e.clone()));
                }
                None => {
                    for col in values.iter_mut() {
                        col.push(None);
                    }
                    errors.push(None);
                }
            }
        }
        Columns { outputs: self.outputs, values, errors }
    }
}

/// Looks a rule up and resolves its as-of date: (index, date, reason).
fn look_up(rs: &Ruleset, rule: &str, opts: &EvalOptions) -> Result<(usize, Date, String), EvalError> {
    let Some((rid, r)) = rs.rule(rule) else {
        return Err(EvalError::UnknownRule {
            rule: rule.into(),
            suggestion: suggest(rule, rs.rule_index.keys().map(String::as_str)),
        });
    };
    let Some(pack) = rs.pack_of(r) else {
        return Err(EvalError::Evaluation { rule: rule.into(), message: "the rule has no pack".into() });
    };
    let (as_of, reason) = Engine::resolve_as_of(pack, rule, opts.as_of)?;
    Ok((rid, as_of, reason))
}

/// The decision of rule `rid` on JSON inputs.
fn decide(
    rs: &Ruleset,
    rid: usize,
    (as_of, reason): (Date, &str),
    opts: &EvalOptions,
    inputs: &serde_json::Value,
) -> Result<Decision, EvalError> {
    let r = rs
        .rules
        .get(rid)
        .ok_or_else(|| EvalError::Evaluation { rule: String::new(), message: "no such rule".into() })?;
    let args = bind_inputs(r, inputs)?;
    let (outputs, trace, omitted) = run(rs, rid, as_of, opts, args, opts.trace)?;
    Ok(Decision {
        rule: r.qualified.clone(),
        outputs: r.outputs.iter().map(|(n, _)| n.clone()).zip(outputs).collect(),
        decimals: r.decimal_outputs(),
        trace,
        trace_omitted: omitted,
        ruleset: rs.hash.clone(),
        as_of,
        as_of_reason: reason.to_string(),
    })
}

/// Runs rule `rid` on checked arguments: outputs, trace, entries omitted.
fn run(
    rs: &Ruleset,
    rid: usize,
    as_of: Date,
    opts: &EvalOptions,
    args: Vec<Value>,
    trace: bool,
) -> Result<(Vec<Value>, Vec<TraceEntry>, u64), EvalError> {
    let input_weight = if opts.max_steps.is_none() { args.iter().map(weight).sum() } else { 0 };
    let mut ev =
        Evaluator::new(rs, as_of, trace).with_budget(opts.budget(input_weight)).with_cancel(opts.cancel.clone());
    let outputs = ev.rule_outputs(rid, args).map_err(fault_to_error)?;
    let (trace, omitted) = ev.take_trace();
    Ok((outputs, trace, omitted))
}

impl Prepared {
    fn new(rs: Arc<Ruleset>, rule: &str, opts: &EvalOptions) -> Result<Prepared, EvalError> {
        let (rid, as_of, as_of_reason) = look_up(&rs, rule, opts)?;
        let rule =
            rs.rules.get(rid).cloned().ok_or_else(|| EvalError::UnknownRule { rule: rule.into(), suggestion: None })?;
        Ok(Prepared { rs, rule, rid, as_of, as_of_reason, opts: opts.clone() })
    }

    /// The rule.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The date evaluations are made as of, and why.
    pub fn as_of(&self) -> (Date, &str) {
        (self.as_of, &self.as_of_reason)
    }

    /// Evaluates the rule on JSON inputs, as [`Engine::evaluate`].
    ///
    /// # Errors
    /// As [`Engine::evaluate`].
    pub fn evaluate(&self, inputs: &serde_json::Value) -> Result<Decision, EvalError> {
        decide(&self.rs, self.rid, (self.as_of, &self.as_of_reason), &self.opts, inputs)
    }

    /// Evaluates the rule on values a binding has built, one per declared
    /// input in order (`None` for an input's default); returns the outputs
    /// in declaration order. No JSON, no trace, no decision document: the
    /// hot path of batches and columns.
    ///
    /// # Errors
    /// A value of the wrong type or number of values, or any evaluation
    /// error.
    pub fn evaluate_values(&self, args: Vec<Option<Value>>) -> Result<Vec<Value>, EvalError> {
        let r = self.rule();
        if args.len() != r.inputs.len() {
            return Err(EvalError::Input {
                rule: r.qualified.clone(),
                field: String::new(),
                message: format!("{} values given for {} inputs", args.len(), r.inputs.len()),
                allowed: None,
            });
        }
        let mut values = Vec::with_capacity(r.frame_size());
        for (a, input) in args.into_iter().zip(&r.inputs) {
            let v = match a {
                Some(v) => {
                    crate::values::value::check(&v, &input.ty, &input.name).map_err(|p| EvalError::Input {
                        rule: r.qualified.clone(),
                        field: p.field,
                        message: p.message,
                        allowed: p.allowed,
                    })?;
                    v
                }
                None => input.default_value().ok_or_else(|| missing_input(r, input))?,
            };
            values.push(v);
        }
        run(&self.rs, self.rid, self.as_of, &self.opts, values, false).map(|(outputs, _, _)| outputs)
    }

    /// Evaluates the rule over columns of inputs (name → one value per row;
    /// an input with a default may be left out), returning the outputs as
    /// columns with each failed row's error in place.
    ///
    /// # Errors
    /// An unknown column, a missing column for an input without default, or
    /// columns of different lengths.
    pub fn evaluate_columns(&self, columns: &[(&str, &[Value])]) -> Result<Columns, EvalError> {
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        let lengths: Vec<usize> = columns.iter().map(|(_, c)| c.len()).collect();
        self.run_grouped(&names, &lengths, |k, row| columns.get(k).and_then(|(_, c)| c.get(row)).cloned())
            .map(Grouped::into_columns)
    }

    /// As [`Prepared::evaluate_columns`], with cells that may be empty: an
    /// empty cell leaves that row's input out, so its default applies or the
    /// row fails as missing (DataFrames with missing values).
    ///
    /// # Errors
    /// As [`Prepared::evaluate_columns`].
    pub fn evaluate_sparse_columns(&self, columns: &[(&str, &[Option<Value>])]) -> Result<Columns, EvalError> {
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        let lengths: Vec<usize> = columns.iter().map(|(_, c)| c.len()).collect();
        self.run_grouped(&names, &lengths, |k, row| columns.get(k).and_then(|(_, c)| c.get(row)).cloned().flatten())
            .map(Grouped::into_columns)
    }

    /// As [`Prepared::evaluate_sparse_columns`], with the rows grouped by
    /// their outcome instead of one value per row and output: each
    /// distinct outcome once, and per row the outcome it had. Rows whose
    /// inputs repeat share one evaluation and one outcome, so a binding can
    /// build its output columns by gathering (an Arrow dictionary, say)
    /// without copying a value per row.
    ///
    /// # Errors
    /// As [`Prepared::evaluate_columns`].
    pub fn evaluate_grouped_columns(&self, columns: &[(&str, &[Option<Value>])]) -> Result<Grouped, EvalError> {
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        let lengths: Vec<usize> = columns.iter().map(|(_, c)| c.len()).collect();
        self.run_grouped(&names, &lengths, |k, row| columns.get(k).and_then(|(_, c)| c.get(row)).cloned().flatten())
    }

    /// The row loop of the columnar calls: `cell(k, row)` is column k's
    /// value in that row, `None` to leave the input out.
    fn run_grouped(
        &self,
        names: &[&str],
        lengths: &[usize],
        cell: impl Fn(usize, usize) -> Option<Value>,
    ) -> Result<Grouped, EvalError> {
        let r = self.rule();
        let input_error = |field: &str, message: String| EvalError::Input {
            rule: r.qualified.clone(),
            field: field.to_string(),
            message,
            allowed: None,
        };
        for name in names {
            if !r.inputs.iter().any(|i| i.name == *name) {
                return Err(input_error(name, format!("the rule has no input `{name}`")));
            }
        }
        let rows = lengths.first().copied().unwrap_or(0);
        if let Some((name, n)) = names.iter().zip(lengths).find(|(_, n)| **n != rows) {
            return Err(input_error(name, format!("column `{name}` has {n} rows, the first has {rows}")));
        }
        let by_input: Vec<Option<usize>> = r.inputs.iter().map(|i| names.iter().position(|n| *n == i.name)).collect();
        if let Some(i) = r.inputs.iter().zip(&by_input).find(|(i, c)| c.is_none() && !i.has_default()) {
            return Err(input_error(&i.0.name, format!("no column for input `{}`, which has no default", i.0.name)));
        }
        // Evaluation is a pure function of the inputs (the as-of date and
        // the budgets are fixed for the call), so rows whose inputs repeat —
        // a class column, a sector — share one evaluation. The memo holds at
        // most MEMO_ENTRIES distinct rows, and is dropped when the inputs
        // hardly repeat (more than half the rows so far were new).
        let mut out = Grouped { outputs: r.outputs.clone(), results: Vec::new(), rows: Vec::with_capacity(rows) };
        let mut memo: HashMap<Vec<Option<Value>>, usize> = HashMap::new();
        let mut memo_on = true;
        let mut args: Vec<Option<Value>> = Vec::with_capacity(by_input.len());
        for row in 0..rows {
            args.clear();
            args.extend(by_input.iter().map(|c| c.and_then(|k| cell(k, row))));
            if memo_on {
                if let Some(&g) = memo.get(args.as_slice()) {
                    out.rows.push(g);
                    continue;
                }
                if row >= MEMO_TRIAL_ROWS && out.results.len() * 2 > row {
                    memo_on = false;
                    memo = HashMap::new();
                } else if memo.len() < MEMO_ENTRIES {
                    let g = out.push_result(self.evaluate_values(args.clone()));
                    memo.insert(std::mem::take(&mut args), g);
                    continue;
                }
            }
            out.push_result(self.evaluate_values(std::mem::take(&mut args)));
        }
        Ok(out)
    }
}

/// The most distinct input rows one columnar call remembers the outputs of.
const MEMO_ENTRIES: usize = 4096;

/// Rows a columnar call evaluates before it judges whether its inputs
/// repeat enough to keep remembering them.
const MEMO_TRIAL_ROWS: usize = 1024;

/// Metadata of one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleInfo {
    /// `pack.rule`.
    pub id: String,
    /// Title.
    pub title: Option<String>,
    /// `table` or `formula`.
    pub kind: &'static str,
    /// Inputs: name, type, default.
    pub inputs: Vec<(String, Type, Option<Value>)>,
    /// Outputs: name, type.
    pub outputs: Vec<(String, Type)>,
    /// Citation.
    pub cite: crate::ruleset::Citation,
    /// Document title.
    pub document_title: String,
    /// Validity.
    pub valid_from: Date,
    /// Validity end.
    pub valid_until: Option<Date>,
}

impl RuleInfo {
    fn of(rs: &Ruleset, r: &Rule) -> RuleInfo {
        let pack = rs.pack_of(r);
        RuleInfo {
            id: r.qualified.clone(),
            title: r.title.clone(),
            kind: match r.body {
                Body::Table(_) => "table",
                Body::Formula { .. } => "formula",
                Body::Versions(_) => "versions",
            },
            inputs: r.inputs.iter().map(|i| (i.name.clone(), i.ty.clone(), i.default.clone())).collect(),
            outputs: r.outputs.clone(),
            cite: (*r.cite).clone(),
            document_title: pack.map(|p| p.source.title.clone()).unwrap_or_default(),
            valid_from: pack.map(|p| p.valid_from).unwrap_or(Date::today_shanghai()),
            valid_until: pack.and_then(|p| p.valid_until),
        }
    }

    /// The JSON form.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "inputs": self.inputs.iter().map(|(n, t, d)| serde_json::json!({
                "name": n, "type": t.to_json(), "default": d.as_ref().map(Value::to_json)
            })).collect::<Vec<_>>(),
            "outputs": self.outputs.iter().map(|(n, t)| serde_json::json!({"name": n, "type": t.to_json()})).collect::<Vec<_>>(),
            "cite": self.cite.to_json(),
            "document_title": self.document_title,
            "valid": {"from": self.valid_from.to_string(), "until": self.valid_until.map(|d| d.to_string())},
        })
    }
}

fn compare_outputs(
    rs: &Ruleset,
    t: &crate::ruleset::TestCase,
    expect: &serde_json::Map<String, serde_json::Value>,
    d: &Decision,
) -> (bool, Option<String>) {
    let rule = t.rule.as_str();
    let Some((_, r)) = rs.rule(rule) else { return (false, Some(format!("unknown rule `{rule}`"))) };
    // a number passes within the tolerance, when the test gives one
    let close = |w: &Value, got: &Value| match (w, got, &t.within) {
        (Value::Number(a), Value::Number(b), Some(tol)) => a.sub(b).is_ok_and(|x| x.abs() <= *tol),
        _ => w == got,
    };
    let mut problems = Vec::new();
    for (name, want) in expect {
        let Some((_, ty)) = r.outputs.iter().find(|(n, _)| n == name) else {
            problems.push(format!("no output `{name}`"));
            continue;
        };
        match (from_json(want, ty, name), d.outputs.get(name)) {
            (Ok(w), Some(got)) if close(&w, got) => {}
            (Ok(w), Some(got)) => problems.push(format!("{name}: expected {w}, got {got}")),
            (Err(p), _) => problems.push(format!("{name}: the expected value is invalid: {}", p.message)),
            (_, None) => problems.push(format!("{name}: missing")),
        }
    }
    // expectations computed from the test's inputs (by the reference
    // interpreter, so a test does not check the evaluator by itself)
    if !t.computed.is_empty() {
        match bind_inputs(r, &t.given) {
            Ok(args) => {
                for (name, e, src) in &t.computed {
                    let digits = crate::values::number::DEFAULT_MAX_DIGITS;
                    match (crate::run::reference::evaluate_expr(rs, e, &args, t.as_of, digits), d.outputs.get(name)) {
                        (Ok(w), Some(got)) if close(&w, got) => {}
                        (Ok(w), Some(got)) => problems.push(format!("{name}: expected {w} (`{src}`), got {got}")),
                        (Err(f), _) => problems.push(format!(
                            "{name}: the expectation `{src}` fails: {}",
                            crate::run::outcome::fault_message(f)
                        )),
                        (_, None) => problems.push(format!("{name}: missing")),
                    }
                }
            }
            Err(e) => problems.push(format!("the inputs do not bind: {e}")),
        }
    }
    if problems.is_empty() {
        (true, None)
    } else {
        (false, Some(problems.join("; ")))
    }
}

/// Evaluates a rule against a ruleset snapshot.
///
/// # Errors
/// As [`Engine::evaluate`].
pub fn evaluate_in(
    rs: &Ruleset,
    rule: &str,
    inputs: &serde_json::Value,
    opts: &EvalOptions,
) -> Result<Decision, EvalError> {
    let (rid, as_of, reason) = look_up(rs, rule, opts)?;
    decide(rs, rid, (as_of, &reason), opts, inputs)
}

/// The error of an input given no value that has no default.
fn missing_input(r: &Rule, input: &crate::ruleset::InputDef) -> EvalError {
    EvalError::Input {
        rule: r.qualified.clone(),
        field: input.name.clone(),
        message: format!("missing input `{}` ({})", input.name, input.ty),
        allowed: match &input.ty {
            Type::Enum(a) => Some(a.to_vec()),
            _ => None,
        },
    }
}

/// Checks JSON inputs against a rule's declared inputs, in order.
///
/// # Errors
/// The first problem: not an object, an unknown or missing input, a value of
/// the wrong type.
pub fn bind_inputs(r: &Rule, inputs: &serde_json::Value) -> Result<Vec<Value>, EvalError> {
    let obj = match inputs {
        serde_json::Value::Object(m) => m,
        serde_json::Value::Null if r.inputs.iter().all(|i| i.has_default()) => &serde_json::Map::new(),
        _ => {
            return Err(EvalError::Input {
                rule: r.qualified.clone(),
                field: String::new(),
                message: "inputs must be a JSON object of input name → value".into(),
                allowed: None,
            })
        }
    };
    for k in obj.keys() {
        if !r.inputs.iter().any(|i| i.name == *k) {
            let s = suggest(k, r.inputs.iter().map(|i| i.name.as_str()));
            return Err(EvalError::Input {
                rule: r.qualified.clone(),
                field: k.clone(),
                message: match s {
                    Some(s) => format!("the rule has no input `{k}`; did you mean `{s}`?"),
                    None => format!(
                        "the rule has no input `{k}`; its inputs are: {}",
                        r.inputs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                },
                allowed: None,
            });
        }
    }
    let mut args = Vec::with_capacity(r.frame_size());
    for input in &r.inputs {
        match obj.get(&input.name) {
            Some(j) => args.push(from_json(j, &input.ty, &input.name).map_err(|p| EvalError::Input {
                rule: r.qualified.clone(),
                field: p.field,
                message: p.message,
                allowed: p.allowed,
            })?),
            None => match input.default_value() {
                Some(d) => args.push(d),
                None => return Err(missing_input(r, input)),
            },
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn engine_is_send_and_sync() {
        assert_send_sync::<Engine>();
    }
}
