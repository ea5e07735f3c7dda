//! Dated versions of a rule: the version in force on the as-of date answers,
//! in the evaluator and in the reference interpreter alike; the trace says
//! which version it was; a date no version covers is an error naming the
//! versions; and versions that overlap, go backwards, or give other outputs
//! are load errors at the version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/generate.rs"]
mod generate;

use generate::differential;
use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Date, EvalOptions};
use proptest::prelude::*;

/// A pack whose `probe` has three versions: a table until 2024-06-30, a
/// formula from 2024-07-01 to 2024-12-31, nothing in 2025, a table again
/// from 2026.
const PACK: &str = r#"format: 1
pack: t
source: {document: D, title: t, issued_by: i, date: 2024-01-01}
valid: {from: 2024-01-01}
rules:
  probe:
    title: visits a quarter
    cite: {clause: 三, quote: 每季度检查}
    inputs: {a: integer}
    outputs: {visits: integer}
    versions:
      - from: 2024-01-01
        until: 2024-06-30
        table:
          hit: unique
          rows:
            - {when: {a: {"<": 0}}, then: {visits: 1}}
            - {when: {a: {">=": 0}}, then: {visits: 2}}
      - from: 2024-07-01
        until: 2024-12-31
        cite: {clause: 草案, quote: 每季度检查3次}
        let: {base: "a * 2"}
        formula: {visits: "if a < 0 then 1 else 3"}
      - from: 2026-01-01
        table:
          hit: first
          rows:
            - {when: {}, then: {visits: 4}}
"#;

fn ruleset() -> ordinance_core::ruleset::Ruleset {
    load(&[SourceFile { path: "t.yaml".into(), text: PACK.to_string() }]).unwrap()
}

fn visits(a: i64, day: &str) -> Result<String, String> {
    let rs = ruleset();
    let opts = EvalOptions { as_of: Some(Date::parse(day).unwrap()), ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(&rs, "t.probe", &serde_json::json!({"a": a}), &opts)
        .map(|d| d.outputs["visits"].to_string())
        .map_err(|e| e.to_string())
}

#[test]
fn the_version_in_force_answers() {
    assert_eq!(visits(5, "2024-06-30").unwrap(), "2", "the first version's last day");
    assert_eq!(visits(5, "2024-07-01").unwrap(), "3", "the second version's first day");
    assert_eq!(visits(-5, "2024-07-01").unwrap(), "1");
    assert_eq!(visits(5, "2026-03-01").unwrap(), "4");
    let gap = visits(5, "2025-05-01").unwrap_err();
    assert!(gap.contains("no version of the rule is in force on 2025-05-01"), "{gap}");
    assert!(gap.contains("2024-07-01 to 2024-12-31") && gap.contains("from 2026-01-01"), "{gap}");
}

#[test]
fn the_trace_names_the_version_and_its_citation() {
    let rs = ruleset();
    let opts = EvalOptions { as_of: Some(Date::parse("2024-08-01").unwrap()), trace: true, ..EvalOptions::default() };
    let d = ordinance_core::engine::evaluate_in(&rs, "t.probe", &serde_json::json!({"a": 1}), &opts).unwrap();
    let entry =
        d.trace.iter().find(|e| e.detail.contains("version in force from 2024-07-01")).expect("a version entry");
    assert_eq!(entry.detail, "the version in force from 2024-07-01 to 2024-12-31");
    assert_eq!(entry.cite.as_ref().map(|c| c.quote.as_str()), Some("每季度检查3次"));
}

#[test]
fn the_rule_view_lists_the_versions() {
    let rs = ruleset();
    let view = ordinance_core::view::pack_json(&rs, "t").unwrap();
    let rule = &view["rules"][0];
    assert_eq!(rule["kind"], "versions");
    let froms: Vec<&str> = rule["versions"].as_array().unwrap().iter().map(|v| v["from"].as_str().unwrap()).collect();
    assert_eq!(froms, ["2024-01-01", "2024-07-01", "2026-01-01"]);
    assert_eq!(rule["versions"][1]["kind"], "formula");
    assert_eq!(rule["versions"][0]["table"]["rows"].as_array().unwrap().len(), 2);
}

fn load_error(versions: &str) -> String {
    let text = PACK.split("    versions:\n").next().unwrap().to_string() + "    versions:\n" + versions;
    load(&[SourceFile { path: "t.yaml".into(), text }]).unwrap_err().to_string()
}

#[test]
fn versions_that_overlap_go_backwards_or_disagree_are_refused_where_written() {
    let overlap = load_error(
        "      - {from: 2024-01-01, until: 2024-08-01, formula: {visits: \"1\"}}\n      - {from: 2024-07-01, formula: {visits: \"2\"}}\n",
    );
    assert!(
        overlap.contains("t.yaml:13:") && overlap.contains("while the one before it runs until 2024-08-01"),
        "{overlap}"
    );
    let backwards = load_error(
        "      - {from: 2024-07-01, formula: {visits: \"1\"}}\n      - {from: 2024-01-01, formula: {visits: \"2\"}}\n",
    );
    assert!(backwards.contains("not after the one before it (2024-07-01)"), "{backwards}");
    let outputs = load_error(
        "      - {from: 2024-01-01, formula: {visits: \"1\"}}\n      - {from: 2024-07-01, formula: {visits: \"1/2\"}}\n",
    );
    assert!(outputs.contains("declared integer"), "{outputs}");
    let both = PACK.replace("    versions:\n", "    formula: {visits: \"1\"}\n    versions:\n");
    let both = load(&[SourceFile { path: "t.yaml".into(), text: both }]).unwrap_err().to_string();
    assert!(both.contains("has `versions` and a body of its own"), "{both}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// On every day from 2024 to 2026 and any input, the evaluator and the
    /// reference interpreter give the same answer (or errors of one kind).
    #[test]
    fn both_evaluators_pick_the_same_version(a in -20i64..20, day in 0i64..(3 * 366)) {
        let as_of = Date::from_ymd(2024, 1, 1).unwrap().add_days(day).unwrap();
        differential(PACK, &serde_json::json!({"a": a}), as_of, 1000)
            .map_err(TestCaseError::fail)?;
    }
}
