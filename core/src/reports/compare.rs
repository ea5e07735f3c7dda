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
