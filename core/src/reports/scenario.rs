//! Scenarios: data (rosters, figures) plus rules to evaluate on it, plus the
//! source text's claims to reconcile. `ordinance run` executes one and prints
//! the report; a claim that disagrees is reported, never fatal.

use crate::engine::Engine;
use crate::error::{Error, EvalError, LoadError};
use crate::lang::expr::compile::{self, suggest, CExpr, Scope};
use crate::lang::expr::syntax;
use crate::pack::loader::{self, compile_claims, Diags, PackCtx};
use crate::ruleset::{Citation, Claim, Ruleset};
use crate::run::eval::{Evaluator, Fault};
use crate::source::files;
use crate::source::model::{ClaimKind, ScenarioFile};
use crate::source::yaml;
use crate::values::date::Date;
use crate::values::value::{conform, from_json, infer_type, Value};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How deep scenarios may include one another.
pub const MAX_INCLUDE_DEPTH: usize = 4;
/// The most scenarios one run may hold, the first and every included one
/// (a scenario included twice counts twice).
pub const MAX_SCENARIOS: usize = 64;

/// The outputs of one evaluation step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// Step id.
    pub id: String,
    /// Heading.
    pub title: Option<String>,
    /// The rule.
    pub rule: String,
    /// The rule's citation.
    pub cite: Arc<Citation>,
    /// The outputs.
    pub outputs: IndexMap<String, Value>,
    /// The declared types of the outputs that hold decimals (`money`,
    /// `decimal(n)`): their places are shown in JSON (`"1080.10"`) and text.
    pub decimals: IndexMap<String, crate::values::value::Type>,
}

/// Whether a claim of the text holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimStatus {
    /// Everything computed equals the printed figure.
    Agrees,
    /// Something differs: see the findings.
    Disagrees,
}

/// The reconciliation of one claim.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimReport {
    /// Claim id.
    pub id: String,
    /// Where the text states it.
    pub cite: Arc<Citation>,
    /// The printed figure.
    pub printed: Value,
    /// The printed arithmetic and what it gives.
    pub printed_formula: Option<(String, Result<Value, String>)>,
    /// The engine's expression and what it gives.
    pub engine: Option<(String, Result<Value, String>)>,
    /// Agrees or disagrees.
    pub status: ClaimStatus,
    /// One sentence per disagreement.
    pub findings: Vec<String>,
    /// The same sentences in Chinese.
    pub findings_zh: Vec<String>,
    /// The claim's note.
    pub note: Option<String>,
    /// The note in Chinese.
    pub note_zh: Option<String>,
    /// Figure, fact or scenario check.
    pub kind: ClaimKind,
    /// Further places the text prints the same figure.
    pub also_at: Vec<Arc<Citation>>,
    /// file:line of the claim.
    pub location: String,
}

/// The report of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Scenario id.
    pub scenario: String,
    /// Title.
    pub title: Option<String>,
    /// As-of date.
    pub as_of: Date,
    /// Rule-set hash.
    pub ruleset: String,
    /// Evaluations.
    pub steps: Vec<StepReport>,
    /// Claims reconciled.
    pub claims: Vec<ClaimReport>,
    /// Reports of included scenarios.
    pub includes: Vec<Report>,
    /// The scenario's `data:` tables as the engine read them (name, value),
    /// in file order: the rosters the steps evaluated over. Not part of
    /// the JSON report; bindings hand them to analysts.
    pub data: Vec<(String, Value)>,
    /// For the scenario run (not for the ones it includes): how many
    /// scenarios ran and how often rules were loaded.
    pub run: Option<RunStats>,
}

/// What one run of a scenario tree did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Scenarios run, the first and every included one.
    pub scenarios: usize,
    /// Rules folders loaded: each distinct folder (by path and content) is
    /// loaded once per run and shared by every scenario that uses it.
    pub rule_loads: usize,
}

impl Report {
    /// Number of claims that disagree, included scenarios counted: the
    /// findings of [`crate::reports::report::Tally`].
    pub fn disagreements(&self) -> usize {
        crate::reports::report::Tally::of(self).findings()
    }

    /// Number of claims checked, included scenarios counted: printed
    /// figures, text facts and scenario checks together.
    pub fn claims_checked(&self) -> usize {
        let t = crate::reports::report::Tally::of(self);
        t.figures + t.facts + t.checks
    }

    /// The JSON form of the report.
    pub fn to_json(&self) -> serde_json::Value {
        let res = |r: &Result<Value, String>| match r {
            Ok(v) => serde_json::json!({"value": v.to_json()}),
            Err(e) => serde_json::json!({"error": e}),
        };
        let tally = crate::reports::report::Tally::of(self);
        serde_json::json!({
            "scenario": self.scenario,
            "title": self.title,
            "as_of": self.as_of.to_string(),
            "ruleset": self.ruleset,
            "steps": self.steps.iter().map(|s| serde_json::json!({
                "id": s.id, "title": s.title, "rule": s.rule, "cite": s.cite.to_json(),
                "outputs": serde_json::Value::Object(s.outputs.iter().map(|(k, v)| {
                    let j = match s.decimals.get(k) {
                        Some(t) => crate::values::value::to_json_typed(v, t),
                        None => v.to_json(),
                    };
                    (k.clone(), j)
                }).collect()),
            })).collect::<Vec<_>>(),
            "claims": self.claims.iter().map(|c| serde_json::json!({
                "id": c.id, "cite": c.cite.to_json(), "printed": c.printed.to_json(),
                "printed_formula": c.printed_formula.as_ref().map(|(src, r)| serde_json::json!({"formula": src, "result": res(r)})),
                "engine": c.engine.as_ref().map(|(src, r)| serde_json::json!({"expression": src, "result": res(r)})),
                "status": match c.status { ClaimStatus::Agrees => "agrees", ClaimStatus::Disagrees => "disagrees" },
                "kind": c.kind.as_str(),
                "also_at": c.also_at.iter().map(|a| a.to_json()).collect::<Vec<_>>(),
                "findings": c.findings, "findings_zh": c.findings_zh,
                "note": c.note, "note_zh": c.note_zh, "location": c.location,
            })).collect::<Vec<_>>(),
            "includes": self.includes.iter().map(Report::to_json).collect::<Vec<_>>(),
            "summary": {
                "claims": self.claims_checked(), "disagreements": self.disagreements(),
                "figures": tally.figures, "figures_disagree": tally.figures_disagree,
                "facts": tally.facts, "facts_disagree": tally.facts_disagree,
                "places": tally.places, "checks": tally.checks, "checks_fail": tally.checks_fail,
            },
            "run": self.run.map(|r| serde_json::json!({"scenarios": r.scenarios, "rule_loads": r.rule_loads})),
        })
    }
}

/// The rules folder a scenario uses when none is given: the nearest folder
/// named `rules` holding a `.yaml` pack, looked for beside the scenario and
/// then in each folder above it (so `examples/x.yaml` finds `rules/` beside
/// `examples/`, from any working directory).
pub fn find_rules_dir(scenario: &Path) -> Option<PathBuf> {
    let start = scenario.canonicalize().ok()?;
    start.ancestors().skip(1).map(|d| d.join("rules")).find(|d| {
        std::fs::read_dir(d).is_ok_and(|entries| {
            entries.flatten().any(|e| e.path().extension().is_some_and(|x| x == "yaml" || x == "yml"))
        })
    })
}

/// Runs a scenario file. The rules come from the scenario's own `rules:`
/// directory when it names one, else from `rules_dir`.
///
/// Every path a scenario names (`include:`, `rules:`) is relative and must
/// resolve inside the first scenario's folder (`rules:` may also name the
/// command's rules folder or a folder inside it). A run holds at most
/// [`MAX_SCENARIOS`] scenarios, [`MAX_INCLUDE_DEPTH`] levels deep, and loads
/// each rules folder once.
///
/// # Errors
/// A load error for the scenario or the packs, or an evaluation error of a
/// step (claims never fail the run: they are reported).
pub fn run_file(path: &Path, rules_dir: &Path) -> Result<Report, Error> {
    run_file_with(path, rules_dir, &crate::engine::LoadOptions::default())
}

/// Runs a scenario file as [`run_file`] does, loading rules with options
/// (folders of shared source texts).
///
/// # Errors
/// As [`run_file`].
pub fn run_file_with(path: &Path, rules_dir: &Path, options: &crate::engine::LoadOptions) -> Result<Report, Error> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut reforms = Vec::new();
    for p in &options.reforms {
        reforms.push(loader::SourceFile { path: p.clone(), text: loader::read_limited(p)? });
    }
    let mut run = Run {
        reforms,
        scenarios: files::Confinement::new(folder, &[]),
        rules: files::Confinement::new(folder, &[rules_dir.to_path_buf()]),
        loaded: HashMap::new(),
        stats: RunStats::default(),
        chain: Vec::new(),
        shared_sources: options.shared_sources.clone(),
    };
    let mut report = run.file(path, rules_dir, 0)?;
    report.run = Some(run.stats);
    Ok(report)
}

/// The state of one run over a scenario tree.
struct Run {
    /// Where included scenarios may be.
    scenarios: files::Confinement,
    /// Where a scenario's `rules:` may point.
    rules: files::Confinement,
    /// Rules already loaded, by canonical folder and content hash.
    loaded: HashMap<(PathBuf, String), Arc<Ruleset>>,
    stats: RunStats,
    /// The includes being run, outermost first (canonical paths).
    chain: Vec<PathBuf>,
    /// Folders of shared source texts.
    shared_sources: Vec<PathBuf>,
    /// Reforms laid over every rule set the run loads.
    reforms: Vec<loader::SourceFile>,
}

impl Run {
    /// The rules of a folder, loaded once per run.
    fn rules_of(&mut self, dir: &Path) -> Result<Arc<Ruleset>, Error> {
        if crate::pack::bundle::is_bundle_path(dir) {
            let rs = Arc::new(crate::pack::bundle::load_reformed(dir, &self.reforms)?);
            let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
            let key = (canon, rs.hash.clone());
            if let Some(known) = self.loaded.get(&key) {
                return Ok(known.clone());
            }
            self.stats.rule_loads += 1;
            self.loaded.insert(key, rs.clone());
            return Ok(rs);
        }
        let files = loader::pack_files(dir)?;
        let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        let key = (canon, loader::content_hash(&files));
        if let Some(rs) = self.loaded.get(&key) {
            return Ok(rs.clone());
        }
        let rs = Arc::new(loader::load_reformed(
            &files,
            &self.reforms,
            &loader::SourceFolders {
                root: Some(dir.to_path_buf()),
                shared_sources: self.shared_sources.clone(),
                bundle: None,
            },
        )?);
        self.stats.rule_loads += 1;
        self.loaded.insert(key, rs.clone());
        Ok(rs)
    }

    fn file(&mut self, path: &Path, rules_dir: &Path, depth: usize) -> Result<Report, Error> {
        self.stats.scenarios += 1;
        let name = path.display().to_string();
        let text = loader::read_limited(path)?;
        let mut sf: ScenarioFile = serde_saphyr::from_str_with_options(&text, yaml::options())
            .map_err(|e| LoadError { diagnostics: vec![loader::yaml_error(&name, &e)] })?;
        for n in sf.data.values_mut() {
            n.restore_exact_numbers(&text);
        }
        for c in &mut sf.claims {
            c.printed.restore_exact_numbers(&text);
        }
        let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let rules_path: PathBuf = match &sf.rules {
            Some(r) => match self.rules.resolve_dir(base, &r.text, "rules folder") {
                Ok(p) => p,
                Err(e) => return Err(LoadError::single(&name, r.pos.line, r.pos.column, e.message, e.help).into()),
            },
            None => rules_dir.to_path_buf(),
        };
        let rs = self.rules_of(&rules_path)?;
        let mut report = self.body(&name, &text, &sf, &rs)?;
        report.includes = self.includes(&name, base, &sf, &rules_path, depth, path)?;
        Ok(report)
    }

    /// Runs the scenarios a scenario includes.
    fn includes(
        &mut self,
        name: &str,
        base: &Path,
        sf: &ScenarioFile,
        rules_path: &Path,
        depth: usize,
        path: &Path,
    ) -> Result<Vec<Report>, Error> {
        let mut includes = Vec::new();
        let me = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.chain.push(me);
        for inc in &sf.include {
            let at = |message: String, help: &str| -> Error {
                LoadError::single(name, inc.pos.line, inc.pos.column, message, Some(help.into())).into()
            };
            let p = match self.scenarios.resolve(base, &inc.text, "included scenario") {
                Ok(p) => p,
                Err(e) => {
                    return Err(LoadError::single(name, inc.pos.line, inc.pos.column, e.message, e.help).into());
                }
            };
            if let Some(first) = self.chain.iter().position(|c| *c == p) {
                let cycle: Vec<String> = self
                    .chain
                    .iter()
                    .skip(first)
                    .chain(std::iter::once(&p))
                    .map(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
                    .collect();
                return Err(at(
                    format!("the scenario includes itself: {}", cycle.join(" → ")),
                    "remove the include that closes the cycle",
                ));
            }
            if depth + 1 > MAX_INCLUDE_DEPTH {
                return Err(at(
                    format!("scenarios are included more than {MAX_INCLUDE_DEPTH} levels deep"),
                    "include the deep scenarios from a higher level",
                ));
            }
            if self.stats.scenarios >= MAX_SCENARIOS {
                return Err(at(
                    format!(
                        "the run would hold more than {MAX_SCENARIOS} scenarios (the first and every included one)"
                    ),
                    "include each scenario once, from the top-level scenario",
                ));
            }
            includes.push(self.file(&p, rules_path, depth + 1)?);
        }
        self.chain.pop();
        Ok(includes)
    }

    /// Evaluates a scenario's steps and reconciles its claims.
    fn body(&mut self, name: &str, text: &str, sf: &ScenarioFile, rs: &Arc<Ruleset>) -> Result<Report, Error> {
        let name = name.to_string();
        let mut d = Diags::new(name.clone(), text);
        if sf.format != 1 {
            d.at(
                yaml::Pos { line: 1, column: 1, ..Default::default() },
                format!("format {} is not supported", sf.format),
                Some("write `format: 1`".into()),
            );
        }
        let as_of = match Date::parse(&sf.as_of.text) {
            Ok(x) => x,
            Err(m) => {
                d.at(sf.as_of.pos, m, None);
                return Err(LoadError { diagnostics: d.out }.into());
            }
        };
        let g = loader::globals_of(rs);
        let (mut scope, mut frame, data) = scenario_data(&mut d, sf);
        let mut steps = Vec::new();
        for s in &sf.evaluate {
            steps.extend(compile_step(&mut d, s, rs, &mut scope, &g));
        }
        // the scenario's citations are checked against the source text of the
        // first pack it lists
        let first_pack = sf.packs.first().and_then(|p| rs.packs.iter().find(|x| x.name == p.text));
        let ctx = PackCtx {
            name: sf.scenario.clone(),
            document: first_pack.map(|p| p.source.document.clone()).unwrap_or_default(),
            source: first_pack.and_then(|p| p.source_text.clone()),
            range: first_pack.and_then(|p| p.source_range),
            documents: first_pack.map(|p| p.source_documents.clone()).unwrap_or_default(),
            rounding: crate::values::number::RoundingMode::HalfUp,
        };
        let claims = compile_claims(&mut d, &ctx, &sf.claims, &scope, &g);
        let mut pack_claims: Vec<(String, &Claim)> = Vec::new();
        for p in &sf.packs {
            match rs.packs.iter().find(|x| x.name == p.text) {
                Some(pack) => pack_claims.extend(pack.claims.iter().map(|c| (pack.source.document.clone(), c))),
                None => d.at(p.pos, format!("unknown pack `{}`", p.text), None),
            }
        }
        if !d.out.is_empty() {
            return Err(LoadError { diagnostics: d.out }.into());
        }
        if steps.len() != sf.evaluate.len() {
            return Err(LoadError::single(&name, 0, 0, "a step failed to compile", None).into());
        }
        let reports = run_steps(rs, as_of, &steps, &mut frame)?;

        // reconcile claims: the packs' own, then the scenario's
        let mut claim_reports = Vec::new();
        for (doc, c) in pack_claims {
            let mut pack_frame = Vec::new();
            let mut report = reconcile(rs, as_of, c, &mut pack_frame);
            let mut cite = (*report.cite).clone();
            if cite.document.is_empty() {
                cite.document = doc;
            }
            report.cite = Arc::new(cite);
            claim_reports.push(report);
        }
        for c in &claims {
            claim_reports.push(reconcile(rs, as_of, c, &mut frame));
        }

        Ok(Report {
            scenario: sf.scenario.clone(),
            title: sf.title.clone(),
            as_of,
            ruleset: rs.hash.clone(),
            steps: reports,
            claims: claim_reports,
            includes: Vec::new(),
            data,
            run: None,
        })
    }
}

/// A step of a scenario, compiled: the rule it evaluates and its arguments.
struct Step {
    id: String,
    title: Option<String>,
    rule: usize,
    args: Vec<Option<CExpr>>,
}

/// A scenario's data, each item typed by what it holds: the scope its
/// expressions see, the values in it, and the data as named.
fn scenario_data(d: &mut Diags, sf: &ScenarioFile) -> (Scope, Vec<Value>, Vec<(String, Value)>) {
    let mut scope = Scope { locals: Vec::new(), pack: None, locator: Default::default() };
    let mut frame: Vec<Value> = Vec::new();
    let mut data = Vec::new();
    for (dname, node) in &sf.data {
        let j = node.to_json();
        let t = infer_type(&j);
        match from_json(&j, &t, dname) {
            Ok(v) => {
                scope.locals.push((dname.clone(), t));
                data.push((dname.clone(), v.clone()));
                frame.push(v);
            }
            Err(p) => d.at(node.pos, p.message, None),
        }
    }
    (scope, frame, data)
}

/// One step compiled against the rule it names (each input given, or a
/// default), its result named in the scope for the steps after it; `None`
/// when it has errors (reported).
fn compile_step(
    d: &mut Diags,
    s: &crate::source::model::StepDef,
    rs: &Ruleset,
    scope: &mut Scope,
    g: &compile::Globals,
) -> Option<Step> {
    let Some((rid, r)) = rs.rule(&s.rule.text) else {
        let help =
            suggest(&s.rule.text, rs.rule_index.keys().map(String::as_str)).map(|x| format!("did you mean `{x}`?"));
        d.at(s.rule.pos, format!("unknown rule `{}`", s.rule.text), help.or(Some("name rules as `pack.rule`".into())));
        return None;
    };
    for (k, v) in &s.with_inputs {
        if !r.inputs.iter().any(|i| i.name == *k) {
            let help = suggest(k, r.inputs.iter().map(|i| i.name.as_str())).map(|x| format!("did you mean `{x}`?"));
            d.at(v.pos, format!("rule `{}` has no input `{k}`", r.qualified), help);
        }
    }
    let mut args = Vec::new();
    let mut ok = true;
    for input in &r.inputs {
        match s.with_inputs.get(&input.name) {
            Some(src) => match step_argument(d, src, input, &r.qualified, scope, g) {
                Some(c) => args.push(Some(c)),
                None => ok = false,
            },
            None if input.default.is_some() => args.push(None),
            None => {
                d.at(
                    s.rule.pos,
                    format!("missing input `{}` for `{}`", input.name, r.qualified),
                    Some(format!("add `with: {{{}: …}}`", input.name)),
                );
                ok = false;
            }
        }
    }
    if scope.locals.iter().any(|(n, _)| *n == s.id.text) {
        d.at(s.id.pos, format!("`{}` is already the name of data or of an earlier step", s.id.text), None);
    }
    scope
        .locals
        .push((s.id.text.clone(), crate::values::value::Type::Record(Arc::new(r.outputs.iter().cloned().collect()))));
    ok.then(|| Step { id: s.id.text.clone(), title: s.title.clone(), rule: rid, args })
}

/// A step's argument for an input, compiled and checked against its type.
fn step_argument(
    d: &mut Diags,
    src: &yaml::Located,
    input: &crate::ruleset::InputDef,
    rule: &str,
    scope: &mut Scope,
    g: &compile::Globals,
) -> Option<CExpr> {
    let e = match syntax::parse(&src.text) {
        Ok(e) => e,
        Err(err) => {
            d.in_expr(src, err.pos, err.message, err.help);
            return None;
        }
    };
    match compile::compile(&e, scope, g) {
        Ok((c, t)) if t.fits(&input.ty) => Some(c),
        Ok((_, t)) => {
            d.at(src.pos, format!("input `{}` of `{rule}` is {}, found {t}", input.name, input.ty), None);
            None
        }
        Err(err) => {
            d.in_expr(src, err.pos, err.message, err.help);
            None
        }
    }
}

/// The steps run in order, each result added to the frame the later steps
/// and the claims read.
fn run_steps(rs: &Arc<Ruleset>, as_of: Date, steps: &[Step], frame: &mut Vec<Value>) -> Result<Vec<StepReport>, Error> {
    let mut reports = Vec::new();
    for s in steps {
        let Some(r) = rs.rules.get(s.rule) else { continue };
        if let Some(pack) = rs.pack_of(r) {
            Engine::resolve_as_of(pack, &r.qualified, Some(as_of))?;
        }
        let mut ev = Evaluator::new(rs, as_of, false);
        let mut values = Vec::new();
        for (a, input) in s.args.iter().zip(&r.inputs) {
            let v = match a {
                Some(c) => ev.eval(c, frame).map_err(fault_error)?,
                None => input.default.clone().unwrap_or(Value::Bool(false)),
            };
            conform(&v, &input.ty, &input.name).map_err(|p| EvalError::Input {
                rule: r.qualified.clone(),
                field: p.field,
                message: p.message,
                allowed: p.allowed,
            })?;
            values.push(v);
        }
        let out = ev.call_rule(s.rule, values).map_err(fault_error)?;
        let outputs = match &out {
            Value::Record(rec) => rec.to_map(),
            _ => IndexMap::new(),
        };
        frame.push(out);
        reports.push(StepReport {
            id: s.id.clone(),
            title: s.title.clone(),
            rule: r.qualified.clone(),
            cite: r.cite.clone(),
            outputs,
            decimals: r.decimal_outputs(),
        });
    }
    Ok(reports)
}

fn fault_error(f: Fault) -> Error {
    Error::Eval(match f {
        Fault::Input { rule, field, message, allowed } => EvalError::Input { rule, field, message, allowed },
        Fault::Failed { rule, message } => EvalError::Evaluation { rule, message },
        Fault::Limit { rule, message } => EvalError::Limit { rule, message },
    })
}

/// Whether a computed value is the printed one. Values must be equal, except
/// that a figure printed with decimals is read at its printed precision: a
/// printed `253.8`, `"17.2%"` (0.172) or `"70%"` (0.70) agrees with an exact
/// value that rounds (half up) to it at that many decimal places — the
/// places as printed, so `"70%"` does not accept 0.66. Integers and
/// fractions must match exactly.
fn same_figure(printed: &Value, places: Option<i64>, computed: &Value) -> bool {
    if printed == computed {
        return true;
    }
    match (printed, computed, places) {
        (Value::Number(p), Value::Number(c), Some(k)) => {
            c.round(k, crate::values::number::RoundingMode::HalfUp).is_ok_and(|r| r == *p)
        }
        _ => false,
    }
}

fn reconcile(rs: &Ruleset, as_of: Date, c: &Claim, frame: &mut Vec<Value>) -> ClaimReport {
    let mut run = |e: &CExpr| -> Result<Value, String> {
        let mut ev = Evaluator::new(rs, as_of, false);
        ev.eval(e, frame).map_err(|f| fault_error(f).to_string())
    };
    let printed_formula = c.printed_formula.as_ref().map(|(src, e)| (src.clone(), run(e)));
    let engine = c.engine.as_ref().map(|(src, e)| (src.clone(), run(e)));
    let mut findings = Vec::new();
    let mut findings_zh = Vec::new();
    let mut say = |en: String, zh: String| {
        findings.push(en);
        findings_zh.push(zh);
    };
    let p = &c.printed;
    if let Some((src, r)) = &printed_formula {
        match r {
            Ok(v) if same_figure(p, c.printed_places, v) => {}
            Ok(v) => say(
                format!("the printed arithmetic `{src}` gives {v}, not the printed {p}"),
                format!("文中算式 `{src}` 得 {v}，不是所印的 {p}"),
            ),
            Err(e) => say(
                format!("the printed arithmetic `{src}` cannot be computed: {e}"),
                format!("文中算式 `{src}` 无法计算：{e}"),
            ),
        }
    }
    if let Some((_, r)) = &engine {
        match r {
            Ok(v) if same_figure(p, c.printed_places, v) => {}
            // a short list of plain values reads best in full; records are
            // listed in a table under the finding
            Ok(Value::List(items)) if items.len() > 6 || items.iter().any(|i| matches!(i, Value::Record(_))) => say(
                format!("the rules and data give {} item(s), where the text implies {p}", items.len()),
                format!("按规则和数据得出 {} 项，而文本意味着 {p}", items.len()),
            ),
            Ok(v @ Value::List(_)) => say(
                format!("the rules and data give {v}, where the text implies {p}"),
                format!("按规则和数据得出 {v}，而文本意味着 {p}"),
            ),
            Ok(v) => say(
                format!("the rules and data give {v}, not the printed {p}"),
                format!("按规则和数据得出 {v}，不是所印的 {p}"),
            ),
            Err(e) => say(format!("the engine could not compute the figure: {e}"), format!("引擎无法算出该数字：{e}")),
        }
    }
    ClaimReport {
        id: c.id.clone(),
        cite: c.cite.clone(),
        printed: c.printed.clone(),
        printed_formula,
        engine,
        status: if findings.is_empty() { ClaimStatus::Agrees } else { ClaimStatus::Disagrees },
        findings,
        findings_zh,
        note: c.note.clone(),
        note_zh: c.note_zh.clone(),
        kind: c.kind,
        also_at: c.also_at.clone(),
        location: c.location.clone(),
    }
}
