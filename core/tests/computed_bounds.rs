//! Table bounds that are expressions (`{">": allowance}`): proved at load
//! for every dated version of the parameters they read; bounds that read
//! inputs tried in every order they can take, the rule's `constraints:`
//! setting orders aside; what load cannot settle checked at evaluation.
//! The shipped example `examples/language/bounds.yaml` is the pack mutated
//! here, so the messages are those an author of it would see.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::ruleset::Ruleset;
use ordinance_core::{Date, EvalOptions};
use proptest::prelude::*;

fn example() -> String {
    std::fs::read_to_string(common::root().join("examples/language/bounds.yaml")).unwrap()
}

fn source() -> String {
    std::fs::read_to_string(common::root().join("examples/language/sources/language_examples.txt")).unwrap()
}

/// Loads the example, edited, beside its source text.
fn load_edited(edit: impl Fn(String) -> String) -> Result<Ruleset, String> {
    let dir = std::env::temp_dir().join(format!("ordinance-bounds-{}-{}", std::process::id(), rand_tag()));
    std::fs::create_dir_all(dir.join("sources")).unwrap();
    std::fs::write(dir.join("sources/language_examples.txt"), source()).unwrap();
    let text = edit(example());
    let path = dir.join("bounds.yaml");
    std::fs::write(&path, &text).unwrap();
    let r = load(&[SourceFile { path, text }]).map_err(|e| e.to_string());
    let _ = std::fs::remove_dir_all(&dir);
    r
}

/// The line of the example on which `needle` first stands.
fn line_of(needle: &str) -> usize {
    line_in(&example(), needle)
}

fn line_in(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap()
}

fn rand_tag() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn eval(rs: &Ruleset, rule: &str, on: &str, input: serde_json::Value) -> Result<String, String> {
    let opts = EvalOptions { as_of: Some(Date::parse(on).unwrap()), ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(rs, rule, &input, &opts)
        .map(|d| d.outputs.values().map(ToString::to_string).collect::<Vec<_>>().join(" "))
        .map_err(|e| e.to_string())
}

#[test]
fn the_example_answers_by_the_standard_in_force() {
    let rs = load_edited(|s| s).unwrap();
    // 不超过 the standard is full, 超过 it by a fen is half: 1000 before July, 1100 from it
    assert_eq!(eval(&rs, "bounds.subsidy", "2024-06-30", serde_json::json!({"income": "1000"})).unwrap(), "1");
    assert_eq!(eval(&rs, "bounds.subsidy", "2024-06-30", serde_json::json!({"income": "1100"})).unwrap(), "0.5");
    assert_eq!(eval(&rs, "bounds.subsidy", "2024-07-01", serde_json::json!({"income": "1100"})).unwrap(), "1");
    assert_eq!(eval(&rs, "bounds.subsidy", "2024-07-01", serde_json::json!({"income": "2200.01"})).unwrap(), "0");
}

#[test]
fn an_overlap_in_one_version_of_the_parameter_is_a_load_error_naming_the_day_and_the_values() {
    // 超过 written as 以上: rows 1 and 2 share the standard itself
    let e =
        load_edited(|s| s.replace(r#"{income: {">": minimum_living, "<=""#, r#"{income: {">=": minimum_living, "<=""#))
            .unwrap_err();
    assert!(e.contains("rows 1 and 2 of `bounds.subsidy` overlap"), "{e}");
    assert!(e.contains("with the parameters in force on 2024-01-01: minimum_living = 1000"), "{e}");
    let row2 = line_of(r#"{income: {">": minimum_living, "<=""#);
    assert!(e.contains(&format!("bounds.yaml:{row2}:")), "located at row 2: {e}");
    // a ceiling of its own that the July standard overtakes: rows 2 and 3
    // overlap from July only
    let e = load_edited(|s| {
        s.replace(r#"{income: {">": minimum_living * 2}}"#, r#"{income: {">": ceiling}}"#).replace(
            "rules:\n",
            "  ceiling:\n    type: money\n    cite: {clause: 六(二), quote: 最低生活保障标准为每月1000元}\n    versions:\n      - {from: 2024-01-01, value: 2000}\n      - {from: 2024-07-01, value: 2100}\n\nrules:\n",
        )
    })
    .unwrap_err();
    assert!(e.contains("rows 2 and 3 of `bounds.subsidy` overlap"), "{e}");
    assert!(e.contains("in force on 2024-07-01"), "{e}");
    assert!(e.contains("ceiling = 2100"), "{e}");
}

#[test]
fn a_gap_is_a_load_error_naming_a_value_no_row_covers() {
    let e =
        load_edited(|s| s.replace(r#"{income: {">": minimum_living * 2}}"#, r#"{income: {">": minimum_living * 3}}"#))
            .unwrap_err();
    assert!(e.contains("no row of `bounds.subsidy` covers income = "), "{e}");
    assert!(e.contains("minimum_living * 2 = 2000"), "{e}");
}

#[test]
fn bounds_from_inputs_without_the_constraint_load_and_are_checked_at_evaluation() {
    let without = |s: String| s.replace("    constraints:\n      - lower <= upper   # 核定下限不得高于核定上限\n", "");
    let rs = load_edited(without).unwrap();
    let on = "2024-03-01";
    assert_eq!(
        eval(&rs, "bounds.intake", on, serde_json::json!({"amount": 500, "lower": 300, "upper": 800})).unwrap(),
        "accept"
    );
    // lower above upper: rows 1 and 3 both match 500
    let e = eval(&rs, "bounds.intake", on, serde_json::json!({"amount": 500, "lower": 800, "upper": 300})).unwrap_err();
    let edited = without(example());
    let (row1, row3) = (line_in(&edited, r#"{amount: {"<": lower}}"#), line_in(&edited, r#"{amount: {">": upper}}"#));
    assert!(e.contains(&format!("rows 1 (line {row1}), 3 (line {row3}) all match")), "{e}");
    assert!(e.contains("amount = 500, lower = 800") && e.contains("upper = 300"), "{e}");
    // with the constraint, the call is refused before the table
    let rs = load_edited(|s| s).unwrap();
    let e = eval(&rs, "bounds.intake", on, serde_json::json!({"amount": 500, "lower": 800, "upper": 300})).unwrap_err();
    assert!(e.contains("the inputs break the rule's constraint `lower <= upper` (lower = 800, upper = 300)"), "{e}");
}

#[test]
fn rows_that_overlap_in_every_order_the_inputs_can_give_are_a_load_error() {
    // the accept row written from the lower bound up: it meets the review row
    // above the upper bound whatever the bounds are
    let e = load_edited(|s| s.replace(r#"{amount: {">=": lower, "<=": upper}}"#, r#"{amount: {">=": lower}}"#))
        .unwrap_err();
    assert!(e.contains("rows 2 and 3 of `bounds.intake` overlap when"), "{e}");
    assert!(e.contains("in every order of its bounds the inputs can give"), "{e}");
}

#[test]
fn a_constraint_that_is_not_true_or_false_and_a_bound_of_another_kind_are_located_load_errors() {
    let e = load_edited(|s| s.replace("      - lower <= upper   #", "      - lower + upper   #")).unwrap_err();
    assert!(e.contains("a constraint needs true or false, found number"), "{e}");
    let e = load_edited(|s| s.replace(r#"{amount: {"<": lower}}"#, r#"{amount: {"<": "2024-01-01"}}"#)).unwrap_err();
    assert!(e.contains("amount"), "{e}");
    let e = load_edited(|s| s.replace(r#"{income: {"<=": minimum_living}}"#, r#"{income: {"<=": minimun_living}}"#))
        .unwrap_err();
    assert!(
        e.contains("minimun_living") && e.contains("minimum_living"),
        "a misspelt parameter is named with the fix: {e}"
    );
}

proptest! {
    #![proptest_config(common::cases(64, "computed_bounds"))]

    /// Whatever the standard's two versions are, a table cut at the
    /// standard and at twice it loads exactly when the standard is not negative
    /// on both days (at zero or below, twice it is not above it and the
    /// rows overlap), and then one row, the right one, matches each income.
    #[test]
    fn the_proof_holds_for_every_pair_of_versions(before in -3i64..3000, after in -3i64..3000, income in 0i64..7000) {
        let r = load_edited(|s| s.replace("value: 1000}", &format!("value: {before}}}")).replace("value: 1100,", &format!("value: {after},")));
        let positive = before >= 0 && after >= 0;
        prop_assert_eq!(r.is_ok(), positive, "{:?}", r.as_ref().err());
        if let Ok(rs) = r {
            for (on, standard) in [("2024-06-30", before), ("2024-07-01", after)] {
                let got = eval(&rs, "bounds.subsidy", on, serde_json::json!({"income": income})).unwrap();
                let want = if income <= standard { "1" } else if income <= 2 * standard { "0.5" } else { "0" };
                prop_assert_eq!(got, want);
            }
        }
    }

    /// With the constraint, every amount and pair of bounds in order gets
    /// the decision the text gives, and bounds out of order are refused.
    #[test]
    fn intake_follows_the_text(amount in 0i64..1000, lower in 0i64..1000, upper in 0i64..1000) {
        let rs = load_edited(|s| s).unwrap();
        let got = eval(&rs, "bounds.intake", "2024-03-01", serde_json::json!({"amount": amount, "lower": lower, "upper": upper}));
        if lower > upper {
            prop_assert!(got.unwrap_err().contains("constraint"));
        } else {
            let want = if amount < lower { "return" } else if amount <= upper { "accept" } else { "review" };
            prop_assert_eq!(got.unwrap(), want);
        }
    }
}

#[test]
fn a_reform_written_with_decimals_keeps_them_exact() {
    let dir = std::env::temp_dir().join(format!("ordinance-bounds-reform-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("rules/sources")).unwrap();
    std::fs::write(dir.join("rules/sources/language_examples.txt"), source()).unwrap();
    std::fs::write(dir.join("rules/bounds.yaml"), example()).unwrap();
    // the standard raised by a fraction of a yuan, and a row's bound by a fen
    let reform = "format: 1\nreform: r\ntitle: t\nsource: {document: D, title: t, issued_by: i, date: 2024-05-01}\nchanges:\n  - parameter: bounds.minimum_living\n    from: 2024-07-01\n    value: 1100.55\n    cite: {clause: c, quote: q}\n";
    std::fs::write(dir.join("r.yaml"), reform).unwrap();
    let engine = ordinance_core::Engine::load_dir_with(
        dir.join("rules"),
        ordinance_core::LoadOptions { reforms: vec![dir.join("r.yaml")], ..Default::default() },
    )
    .unwrap();
    let opts = EvalOptions { as_of: Some(Date::parse("2024-07-01").unwrap()), ..EvalOptions::default() };
    let share = |income: &str| {
        engine.evaluate("bounds.subsidy", &serde_json::json!({"income": income}), &opts).unwrap().outputs["share"]
            .to_string()
    };
    assert_eq!(share("1100.55"), "1");
    assert_eq!(share("1100.56"), "0.5");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_input_left_out_takes_its_parameter_default_in_both_evaluators() {
    let rs = load_edited(|s| s).unwrap();
    let (rid, rule) = rs.rule("bounds.intake").unwrap();
    for (amount, want) in [("5000", "accept"), ("5000.01", "review")] {
        let input = serde_json::json!({"amount": amount, "lower": 300});
        assert_eq!(eval(&rs, "bounds.intake", "2024-03-01", input.clone()).unwrap(), want);
        let args = ordinance_core::engine::bind_inputs(rule, &input).unwrap();
        let r = ordinance_core::reference::evaluate(&rs, rid, args, Date::parse("2024-03-01").unwrap(), 30).unwrap();
        assert_eq!(r["decision"].to_string(), want);
    }
    // a default that names no parameter, or one of another type, is located
    let e = load_edited(|s| s.replace("default: {parameter: standard_upper}", "default: {parameter: standard_uper}"))
        .unwrap_err();
    assert!(e.contains("the default of `upper` names no parameter `standard_uper`"), "{e}");
}

fn small(rows: &str) -> Result<Ruleset, String> {
    let text = format!(
        "format: 1\npack: t\nsource: {{document: D1, title: t, issued_by: i, date: 2024-01-01}}\nvalid: {{from: 2024-01-01}}\nrules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{income: money, allowance: money}}\n    outputs: {{x: integer}}\n    table:\n      hit: unique\n      rows:\n{rows}"
    );
    load(&[SourceFile { path: "t.yaml".into(), text }]).map_err(|e| e.to_string())
}

#[test]
fn rows_told_apart_by_if_comparisons_take_part_in_the_proof() {
    // told apart only by `if:`: proved unique and complete (it used to be
    // refused as overlapping, and to need a default)
    let rs = small(
        "        - {if: 'income <= allowance', then: {x: 1}}\n        - {if: 'allowance < income', then: {x: 2}}\n",
    )
    .unwrap();
    let on = "2024-03-01";
    assert_eq!(eval(&rs, "t.r", on, serde_json::json!({"income": 5000, "allowance": 5000})).unwrap(), "1");
    assert_eq!(eval(&rs, "t.r", on, serde_json::json!({"income": "5000.01", "allowance": 5000})).unwrap(), "2");
    // both inclusive: they meet at the allowance whatever it is
    let e = small(
        "        - {if: 'income <= allowance', then: {x: 1}}\n        - {if: 'income >= allowance', then: {x: 2}}\n",
    )
    .unwrap_err();
    assert!(e.contains("rows 1 and 2 of `t.r` overlap") && e.contains("in every order"), "{e}");
    // an `if:` with a constant bound and a `when` on the same input narrows it
    let rs = small("        - {when: {income: {\">=\": 0}}, if: 'income < 100', then: {x: 1}}\n        - {when: {income: {\">=\": 100}}, then: {x: 2}}\n        - {when: {income: {\"<\": 0}}, then: {x: 3}}\n");
    assert!(rs.is_ok(), "{:?}", rs.err());
    // an `if:` that is not only comparisons keeps the old reading: its row
    // does not cover, so a gap is reported
    let e = small("        - {if: 'income <= allowance or income == 0', then: {x: 1}}\n        - {if: 'income > allowance', then: {x: 2}}\n")
        .unwrap_err();
    assert!(e.contains("overlap") || e.contains("covers"), "{e}");
}
