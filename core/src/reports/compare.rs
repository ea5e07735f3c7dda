//! The effect of a change: a scenario's report before and after (every
//! figure that moved, with its delta; every claim that flips between
//! agreeing and disagreeing with the text) and the pack tests that fail
//! under the change, as data and as text in Chinese or English.

use crate::engine::TestReport;
use crate::reports::report::Lang;
use crate::reports::scenario::{ClaimStatus, Report};
use crate::run::outcome::TestOutcome;
use crate::values::number::Number;
use crate::values::value::Value;
use indexmap::IndexMap;
use serde_json::{json, Value as Json};

/// One figure of a scenario that the change moved.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureChange {
    /// The step, its output, and for a list the item's position (from 1).
    pub step: String,
    /// The output.
    pub output: String,
    /// The item of a list output, from 1.
    pub item: Option<usize>,
    /// The value before.
    pub before: Value,
    /// The value after.
    pub after: Value,
    /// After − before, for numbers.
    pub delta: Option<Number>,
}

/// A claim of the text whose reconciliation changed.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimChange {
    /// The claim.
    pub id: String,
    /// Before: whether it agreed.
    pub before: ClaimStatus,
    /// After.
    pub after: ClaimStatus,
}

/// A scenario before and after a change, and the tests the change breaks.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioComparison {
    /// The scenario.
    pub scenario: String,
    /// The rule sets compared (hashes).
    pub before: String,
    /// After.
    pub after: String,
    /// The figures that moved.
    pub figures: Vec<FigureChange>,
    /// How many figures stayed as they were.
    pub unchanged: usize,
    /// The claims that flipped.
    pub claims: Vec<ClaimChange>,
    /// The pack tests that pass before and fail after.
    pub broken_tests: Vec<TestOutcome>,
}

/// The figures of two reports of one scenario, compared step by step and
/// output by output (a list item by item where its length stayed).
pub fn compare_reports(before: &Report, after: &Report) -> (Vec<FigureChange>, usize) {
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for (b, a) in before.steps.iter().zip(&after.steps) {
        for (name, vb) in &b.outputs {
            let Some(va) = a.outputs.get(name) else { continue };
            let mut note = |item: Option<usize>, x: &Value, y: &Value| {
                if x == y {
                    unchanged += 1;
                } else {
                    let delta = match (x, y) {
                        (Value::Number(p), Value::Number(q)) => q.sub(p).ok(),
                        _ => None,
                    };
                    changes.push(FigureChange {
                        step: b.id.clone(),
                        output: name.clone(),
                        item,
                        before: x.clone(),
                        after: y.clone(),
                        delta,
                    });
                }
            };
            match (vb, va) {
                (Value::List(xs), Value::List(ys)) if xs.len() == ys.len() => {
                    for (k, (x, y)) in xs.iter().zip(ys.iter()).enumerate() {
                        note(Some(k + 1), x, y);
                    }
                }
                (x, y) => note(None, x, y),
            }
        }
    }
    (changes, unchanged)
}

/// A scenario's reports before and after, and the tests run before and
/// after, compared.
pub fn compare_scenario(
    before: &Report,
    after: &Report,
    tests_before: &TestReport,
    tests_after: &TestReport,
) -> ScenarioComparison {
    let (figures, unchanged) = compare_reports(before, after);
    let claims = before
        .claims
        .iter()
        .filter_map(|c| {
            let a = after.claims.iter().find(|x| x.id == c.id)?;
            (a.status != c.status).then(|| ClaimChange { id: c.id.clone(), before: c.status, after: a.status })
        })
        .collect();
    let broken_tests = tests_after
        .outcomes
        .iter()
        .filter(|o| !o.passed)
        .filter(|o| tests_before.outcomes.iter().any(|b| b.name == o.name && b.location == o.location && b.passed))
        .cloned()
        .collect();
    ScenarioComparison {
        scenario: before.scenario.clone(),
        before: before.ruleset.clone(),
        after: after.ruleset.clone(),
        figures,
        unchanged,
        claims,
        broken_tests,
    }
}

fn status_name(s: ClaimStatus) -> &'static str {
    match s {
        ClaimStatus::Agrees => "agrees",
        ClaimStatus::Disagrees => "disagrees",
    }
}

impl ScenarioComparison {
    /// Whether the change moved nothing and broke nothing.
    pub fn is_empty(&self) -> bool {
        self.figures.is_empty() && self.claims.is_empty() && self.broken_tests.is_empty()
    }

    /// The comparison as JSON.
    pub fn to_json(&self) -> Json {
        json!({
            "scenario": self.scenario,
            "ruleset_before": self.before,
            "ruleset_after": self.after,
            "figures": self.figures.iter().map(|f| json!({
                "step": f.step,
                "output": f.output,
                "item": f.item,
                "before": f.before.to_json(),
                "after": f.after.to_json(),
                "delta": f.delta.as_ref().map(|d| Value::Number(d.clone()).to_json()),
            })).collect::<Vec<_>>(),
            "unchanged": self.unchanged,
            "claims": self.claims.iter().map(|c| json!({
                "id": c.id, "before": status_name(c.before), "after": status_name(c.after),
            })).collect::<Vec<_>>(),
            "broken_tests": self.broken_tests.iter().map(|t| json!({
                "name": t.name, "rule": t.rule, "location": t.location, "message": t.message,
            })).collect::<Vec<_>>(),
        })
    }

    /// The comparison as text.
    pub fn to_text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mut out = String::new();
        let line = |out: &mut String, s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(
            &mut out,
            if zh {
                format!("情景 {}：规则集 {} → {}", self.scenario, self.before, self.after)
            } else {
                format!("scenario {}: rule set {} → {}", self.scenario, self.before, self.after)
            },
        );
        line(
            &mut out,
            if zh {
                format!("变化的数值 {} 项，未变 {} 项", self.figures.len(), self.unchanged)
            } else {
                format!("{} figure(s) changed, {} unchanged", self.figures.len(), self.unchanged)
            },
        );
        for f in &self.figures {
            let at = match f.item {
                Some(k) => format!("{}.{}[{k}]", f.step, f.output),
                None => format!("{}.{}", f.step, f.output),
            };
            let delta = f.delta.as_ref().map(|d| format!(" ({}{d})", if d.is_negative() { "" } else { "+" }));
            line(&mut out, format!("  {at}: {} → {}{}", f.before, f.after, delta.unwrap_or_default()));
        }
        if !self.claims.is_empty() {
            line(&mut out, if zh { "与原文核对结果改变的核对项：".into() } else { "claims that flip:".into() });
            for c in &self.claims {
                let word = |s: ClaimStatus| match (s, zh) {
                    (ClaimStatus::Agrees, true) => "一致",
                    (ClaimStatus::Disagrees, true) => "不一致",
                    (ClaimStatus::Agrees, false) => "agrees",
                    (ClaimStatus::Disagrees, false) => "disagrees",
                };
                line(&mut out, format!("  {}: {} → {}", c.id, word(c.before), word(c.after)));
            }
        }
        if !self.broken_tests.is_empty() {
            line(&mut out, if zh { "改动后不再通过的测试：".into() } else { "tests that now fail:".into() });
            for t in &self.broken_tests {
                line(&mut out, format!("  {}  ({})", t.name, t.location));
                if let Some(m) = &t.message {
                    line(&mut out, format!("    {m}"));
                }
            }
        }
        if self.is_empty() {
            line(&mut out, if zh { "改动对本情景没有影响。".into() } else { "the change moves nothing here.".into() });
        }
        out
    }
}

/// One input row whose outputs the change moved.
#[derive(Clone, Debug, PartialEq)]
pub struct RowChange {
    /// The row's position in the input, from 0.
    pub index: usize,
    /// The outputs before (or the error).
    pub before: Result<IndexMap<String, Value>, String>,
    /// The outputs after (or the error).
    pub after: Result<IndexMap<String, Value>, String>,
    /// What decided it differently: the first step of the after-trace that
    /// the before-trace does not have (a row, a version, a parameter), with
    /// its citation.
    pub cause: Option<String>,
}

/// How many rows went from one value of an output to another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The output.
    pub output: String,
    /// Its value before (as printed; `error` for a row that failed).
    pub before: String,
    /// Its value after.
    pub after: String,
    /// How many rows.
    pub rows: usize,
}

/// A rule over many rows before and after a change.
#[derive(Clone, Debug, PartialEq)]
pub struct RowsComparison {
    /// The rule.
    pub rule: String,
    /// The rule sets compared (hashes).
    pub before: String,
    /// After.
    pub after: String,
    /// How many rows were evaluated.
    pub rows: usize,
    /// The rows whose outputs changed, in input order.
    pub changed: Vec<RowChange>,
    /// For every output that is not a number or a list: counts of before ×
    /// after values over all rows.
    pub transitions: Vec<Transition>,
    /// For every number output: its sum over the rows before and after (rows
    /// that failed left out).
    pub totals: Vec<(String, Number, Number)>,
}

/// The decision's outputs, or its error as text.
fn outcome(d: Result<crate::engine::Decision, crate::error::EvalError>) -> Result<IndexMap<String, Value>, String> {
    d.map(|d| d.outputs).map_err(|e| e.to_string())
}

/// What the after-trace did that the before-trace did not: the first such
/// step, with its citation.
fn cause_of(before: &[crate::run::eval::TraceEntry], after: &[crate::run::eval::TraceEntry]) -> Option<String> {
    let key = |e: &crate::run::eval::TraceEntry| {
        (e.rule.clone(), e.name.clone(), e.detail.clone(), e.cite.as_ref().map(|c| c.quote.clone()))
    };
    let seen: std::collections::HashSet<_> = before.iter().map(key).collect();
    let e = after.iter().find(|e| e.kind != crate::run::eval::TraceKind::Output && !seen.contains(&key(e)))?;
    let what = match &e.name {
        Some(n) if e.kind != crate::run::eval::TraceKind::Rule => format!("{n}: {}", e.detail),
        _ => e.detail.clone(),
    };
    let cite = e.cite.as_ref().map(|c| format!(" ({} {})", c.document, c.clause)).unwrap_or_default();
    Some(format!("{} — {what}{cite}", e.rule))
}

/// The most changed rows whose cause is found (each takes two traced
/// evaluations); the rest are listed without one, so that a change that
/// moves every row of a million costs two plain passes and no more.
pub const MAX_CAUSES: usize = 10_000;

/// Evaluates `rule` on every row under both rule sets and compares: the
/// changed rows (with the cause, from the two traces of just those rows, for
/// the first [`MAX_CAUSES`]),
/// the transitions of every non-number output, the totals of every number.
///
/// # Errors
/// The rule is not in one of the rule sets, or its as-of date cannot be
/// resolved there.
pub fn compare_rows(
    before: &crate::engine::Engine,
    after: &crate::engine::Engine,
    rule: &str,
    rows: &[serde_json::Value],
    opts: &crate::engine::EvalOptions,
) -> Result<RowsComparison, crate::error::EvalError> {
    let quiet = crate::engine::EvalOptions { trace: false, ..opts.clone() };
    let pb = before.prepare(rule, &quiet)?;
    let pa = after.prepare(rule, &quiet)?;
    let mut changed = Vec::new();
    let mut counts: IndexMap<(String, String, String), usize> = IndexMap::new();
    let mut totals: IndexMap<String, (Number, Number)> = IndexMap::new();
    for (index, row) in rows.iter().enumerate() {
        let (b, a) = (outcome(pb.evaluate(row)), outcome(pa.evaluate(row)));
        tally(&b, &a, &mut counts, &mut totals);
        if b != a {
            changed.push(RowChange { index, before: b, after: a, cause: None });
        }
    }
    // the cause, from the traces of the changed rows only
    let traced = crate::engine::EvalOptions { trace: true, ..opts.clone() };
    let (tb, ta) = (before.prepare(rule, &traced)?, after.prepare(rule, &traced)?);
    for c in changed.iter_mut().take(MAX_CAUSES) {
        let Some(row) = rows.get(c.index) else { continue };
        let (Ok(db), Ok(da)) = (tb.evaluate(row), ta.evaluate(row)) else { continue };
        c.cause = cause_of(&db.trace, &da.trace);
    }
    Ok(RowsComparison {
        rule: rule.to_string(),
        before: before.ruleset_hash(),
        after: after.ruleset_hash(),
        rows: rows.len(),
        changed,
        transitions: counts
            .into_iter()
            .map(|((output, before, after), rows)| Transition { output, before, after, rows })
            .collect(),
        totals: totals.into_iter().map(|(k, (b, a))| (k, b, a)).collect(),
    })
}

/// Counts one row's transitions and adds its numbers to the totals.
fn tally(
    b: &Result<IndexMap<String, Value>, String>,
    a: &Result<IndexMap<String, Value>, String>,
    counts: &mut IndexMap<(String, String, String), usize>,
    totals: &mut IndexMap<String, (Number, Number)>,
) {
    let names: Vec<&String> = b.iter().chain(a.iter()).flat_map(|m| m.keys()).collect();
    let mut done = std::collections::HashSet::new();
    for name in names {
        if !done.insert(name.clone()) {
            continue;
        }
        let get = |r: &Result<IndexMap<String, Value>, String>| r.as_ref().ok().and_then(|m| m.get(name)).cloned();
        let (vb, va) = (get(b), get(a));
        match (&vb, &va) {
            (Some(Value::List(_)), _) | (_, Some(Value::List(_))) => {}
            (Some(Value::Number(_)), _) | (_, Some(Value::Number(_))) => {
                let t = totals.entry(name.clone()).or_insert_with(|| (Number::zero(), Number::zero()));
                if let Some(Value::Number(x)) = &vb {
                    t.0 = t.0.add(x).unwrap_or_else(|_| t.0.clone());
                }
                if let Some(Value::Number(y)) = &va {
                    t.1 = t.1.add(y).unwrap_or_else(|_| t.1.clone());
                }
            }
            _ => {
                let show = |v: &Option<Value>| v.as_ref().map_or_else(|| "error".to_string(), ToString::to_string);
                *counts.entry((name.clone(), show(&vb), show(&va))).or_insert(0) += 1;
            }
        }
    }
}

impl RowsComparison {
    /// The comparison as JSON: the changed rows with their index, before,
    /// after and cause; the transitions; the totals.
    pub fn to_json(&self) -> Json {
        let side = |r: &Result<IndexMap<String, Value>, String>| match r {
            Ok(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Err(e) => json!({"error": e}),
        };
        json!({
            "rule": self.rule,
            "ruleset_before": self.before,
            "ruleset_after": self.after,
            "rows": self.rows,
            "changed": self.changed.iter().map(|c| json!({
                "index": c.index, "before": side(&c.before), "after": side(&c.after), "cause": c.cause,
            })).collect::<Vec<_>>(),
            "transitions": self.transitions.iter().map(|t| json!({
                "output": t.output, "before": t.before, "after": t.after, "rows": t.rows,
            })).collect::<Vec<_>>(),
            "totals": self.totals.iter().map(|(k, b, a)| json!({
                "output": k,
                "before": Value::Number(b.clone()).to_json(),
                "after": Value::Number(a.clone()).to_json(),
                "delta": a.sub(b).ok().map(|d| Value::Number(d).to_json()),
            })).collect::<Vec<_>>(),
        })
    }

    /// The comparison as text: totals, transitions that moved, then the
    /// changed rows.
    pub fn to_text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line(if zh {
            format!(
                "规则 {}：{} 行中有 {} 行结果改变（规则集 {} → {}）",
                self.rule,
                self.rows,
                self.changed.len(),
                self.before,
                self.after
            )
        } else {
            format!(
                "rule {}: {} of {} rows changed (rule set {} → {})",
                self.rule,
                self.changed.len(),
                self.rows,
                self.before,
                self.after
            )
        });
        for (k, b, a) in &self.totals {
            let d = a.sub(b).map(|d| format!("{}{d}", if d.is_negative() { "" } else { "+" })).unwrap_or_default();
            line(format!("  {}{k}: {b} → {a} ({d})", if zh { "合计 " } else { "total " }));
        }
        for t in self.transitions.iter().filter(|t| t.before != t.after) {
            line(format!("  {}: {} → {}  × {}", t.output, t.before, t.after, t.rows));
        }
        for c in &self.changed {
            let show = |r: &Result<IndexMap<String, Value>, String>| match r {
                Ok(m) => m.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "),
                Err(e) => format!("error: {e}"),
            };
            line(format!("  #{}: {} → {}", c.index + 1, show(&c.before), show(&c.after)));
            if let Some(cause) = &c.cause {
                line(format!("      {}{cause}", if zh { "原因：" } else { "because: " }));
            }
        }
        out
    }
}

/// Runs a scenario under two rule sets — the rules folder `before_dir`
/// loaded with `before`, and `after_dir` with `after` (the same folder with
/// reforms, or another) — runs both engines' pack tests, and compares: what
/// `ordinance compare`, Python's `compare_scenario` and `POST /v1/compare`
/// all give.
///
/// # Errors
/// A rules folder or the scenario does not load, or a step fails.
pub fn compare_scenario_runs(
    path: &std::path::Path,
    (before_dir, before): (&std::path::Path, &crate::engine::LoadOptions),
    (after_dir, after): (&std::path::Path, &crate::engine::LoadOptions),
) -> Result<ScenarioComparison, crate::error::Error> {
    let report_before = crate::reports::scenario::run_file_with(path, before_dir, before)?;
    let report_after = crate::reports::scenario::run_file_with(path, after_dir, after)?;
    let tests_before = crate::engine::Engine::load_dir_with(before_dir, before.clone())?.run_tests();
    let tests_after = crate::engine::Engine::load_dir_with(after_dir, after.clone())?.run_tests();
    Ok(compare_scenario(&report_before, &report_after, &tests_before, &tests_after))
}
