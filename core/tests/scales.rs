//! Rate schedules (税率表): the income-tax pack's properties — the tax is
//! never negative and never falls as income rises, the quick-deduction form
//! equals the bracket-by-bracket sum, twelve months of cumulative
//! withholding on a steady salary add up to the year's tax — and the load
//! errors of a schedule written wrong, each located.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Date, EvalOptions, Number, Value};
use proptest::prelude::*;

fn engine() -> &'static ordinance_core::Engine {
    common::pack_engine("individual_income_tax")
}

fn opts() -> EvalOptions {
    EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 30).unwrap()), ..EvalOptions::default() }
}

fn num(v: &Value) -> Number {
    match v {
        Value::Number(n) => n.clone(),
        other => panic!("{other}"),
    }
}

fn annual(taxable: &Number) -> (Number, Number, Number) {
    let d = engine()
        .evaluate("individual_income_tax.annual_tax", &serde_json::json!({"taxable": taxable.to_string()}), &opts())
        .unwrap();
    (num(&d.outputs["tax"]), num(&d.outputs["rate"]), num(&d.outputs["quick_deduction"]))
}

fn withholding(cumulative: &Number, before: &Number) -> Number {
    let d = engine()
        .evaluate(
            "individual_income_tax.monthly_withholding",
            &serde_json::json!({"cumulative_taxable": cumulative.to_string(), "withheld_before": before.to_string()}),
            &opts(),
        )
        .unwrap();
    num(&d.outputs["this_month"])
}

fn yuan() -> impl Strategy<Value = Number> {
    // amounts to the 分, up to 2,000,000 元
    (-1000i64..200_000_000).prop_map(|f| Number::ratio(i128::from(f), 100).unwrap())
}

fn round2(x: &Number) -> Number {
    x.round(2, ordinance_core::RoundingMode::HalfUp).unwrap()
}

proptest! {
    #![proptest_config(common::cases(256, "scales"))]

    #[test]
    fn the_tax_is_never_negative_and_never_falls(a in yuan(), b in yuan()) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let (t_lo, _, _) = annual(&lo);
        let (t_hi, _, _) = annual(&hi);
        prop_assert!(t_lo >= Number::zero());
        prop_assert!(t_lo <= t_hi, "tax({}) = {} > tax({}) = {}", lo, t_lo, hi, t_hi);
    }

    /// The quick-deduction form (amount × rate − deduction) gives the tax.
    #[test]
    fn the_quick_deduction_form_is_the_tax(x in yuan()) {
        let (tax, rate, qd) = annual(&x);
        let quick = if x > Number::zero() { round2(&x.mul(&rate).unwrap().sub(&qd).unwrap()) } else { Number::zero() };
        prop_assert_eq!(tax, quick);
    }

    /// Withholding a steady monthly taxable amount by the cumulative method,
    /// month by month, adds up to the tax on the year's total.
    #[test]
    fn twelve_months_of_withholding_make_the_years_tax(monthly_fen in 0i64..20_000_000) {
        let month = Number::ratio(i128::from(monthly_fen), 100).unwrap();
        let mut withheld = Number::zero();
        for m in 1..=12 {
            let cumulative = month.mul(&Number::from_int(m)).unwrap();
            let this = withholding(&cumulative, &withheld);
            prop_assert!(this >= Number::zero());
            withheld = withheld.add(&this).unwrap();
        }
        let (tax, _, _) = annual(&month.mul(&Number::from_int(12)).unwrap());
        prop_assert_eq!(withheld, tax);
    }
}

const HEADER: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nscales:\n  s:\n    cite: {clause: c, quote: q}\n    brackets:\n";

fn load_err(brackets: &str) -> String {
    load(&[SourceFile { path: "t.yaml".into(), text: format!("{HEADER}{brackets}") }])
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn schedule_errors_are_located() {
    let e = load_err("      - {upto: 36000, rate: 3%, quick_deduction: 0}\n      - {upto: 144000, rate: 10%, quick_deduction: 2250}\n      - {rate: 20%}\n");
    assert!(e.starts_with("t.yaml:10:52: error:"), "{e}");
    assert!(
        e.contains("the quick deduction of bracket 2 of `t.s` is printed as 2250, but the brackets imply 2520"),
        "{e}"
    );
    let e = load_err("      - {upto: 36000, rate: 3%}\n      - {upto: 30000, rate: 10%}\n      - {rate: 20%}\n");
    assert!(e.contains("bracket 2 of `t.s` ends at 30000, not above the previous bound 36000"), "{e}");
    let e = load_err("      - {upto: 36000, rate: 3%}\n      - {upto: 144000, rate: 10%}\n");
    assert!(e.contains("the top bracket of `t.s` has an upper bound"), "{e}");
    let e = load_err("      - {rate: 3%}\n      - {upto: 144000, rate: 10%}\n      - {rate: 20%}\n");
    assert!(e.contains("bracket 1 of `t.s` has no upper bound, but it is not the last"), "{e}");
    let e = load_err("      - {upto: 36000, below: 36000, rate: 3%}\n      - {rate: 20%}\n");
    assert!(e.contains("has both `upto` and `below`"), "{e}");
    let e = load_err("      - {upto: 36000, rate: 300%}\n      - {rate: 20%}\n");
    assert!(e.contains("outside 0 to 100%"), "{e}");
    // the functions name a scale that exists
    let text = format!(
        "{HEADER}      - {{upto: 10, rate: 1%}}\n      - {{rate: 2%}}\nrules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: number}}\n    formula: {{t: \"progressive(ss, x)\"}}\n"
    );
    let e = load(&[SourceFile { path: "t.yaml".into(), text }]).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("unknown scale `ss`") && e.contains("did you mean `s`?"), "{e}");
}

#[test]
fn below_excludes_its_bound() {
    let text = format!(
        "{HEADER}      - {{below: 10, rate: 1%}}\n      - {{rate: 2%}}\nrules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: number}}\n    formula: {{rate: \"scale_rate(s, x)\", tax: \"progressive(s, x)\"}}\n"
    );
    let rs = load(&[SourceFile { path: "t.yaml".into(), text }]).unwrap();
    let at = |x: i64| {
        ordinance_core::engine::evaluate_in(&rs, "t.r", &serde_json::json!({"x": x}), &opts()).unwrap().outputs["rate"]
            .to_string()
    };
    assert_eq!(at(9), "0.01");
    assert_eq!(at(10), "0.02", "不满10 excludes 10");
}

proptest! {
    #![proptest_config(common::cases(64, "scales_trace"))]

    /// The trace shows the tax bracket by bracket, and the parts add up to it.
    #[test]
    fn the_trace_breaks_the_tax_down_by_bracket(x in yuan()) {
        let traced = EvalOptions { trace: true, ..opts() };
        let d = engine().evaluate("individual_income_tax.annual_tax", &serde_json::json!({"taxable": x.to_string()}), &traced).unwrap();
        let parts: Vec<Number> = d
            .trace
            .iter()
            .filter(|t| t.kind == ordinance_core::TraceKind::Bracket)
            .map(|t| num(t.value.as_ref().unwrap()))
            .collect();
        let total = parts.iter().fold(Number::zero(), |a, p| a.add(p).unwrap());
        prop_assert_eq!(round2(&total), num(&d.outputs["tax"]));
        prop_assert_eq!(parts.is_empty(), x <= Number::zero());
    }
}

/// A pack whose scale `s` has the dated `versions` given, and a rule `r`
/// computing with it.
fn dated(versions: &str) -> Result<ordinance_core::ruleset::Ruleset, String> {
    let text = format!(
        "format: 1\npack: t\nsource: {{document: D1, title: t, issued_by: i, date: 2018-01-01}}\nvalid: {{from: 2018-01-01}}\nscales:\n  s:\n    cite: {{clause: c, quote: q}}\n    versions:\n{versions}rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: number}}\n    formula: {{tax: \"progressive(s, x)\", rate: \"scale_rate(s, x)\"}}\n"
    );
    load(&[SourceFile { path: "t.yaml".into(), text }]).map_err(|e| e.to_string())
}

#[test]
fn dated_versions_apply_from_their_day() {
    // 2018: 10% up to 1500, 20% above; from 2019-01-01: 3% up to 36000, 10% above
    let versions = "      - from: 2018-10-01\n        brackets:\n          - {upto: 1500, rate: 10%}\n          - {rate: 20%, quick_deduction: 150}\n      - from: 2019-01-01\n        cite: {clause: c2, quote: q}\n        brackets:\n          - {upto: 36000, rate: 3%}\n          - {rate: 10%, quick_deduction: 2520}\n";
    let rs = dated(versions).unwrap();
    let tax = |x: i64, day: &str| {
        let opts = EvalOptions { as_of: Some(Date::parse(day).unwrap()), ..EvalOptions::default() };
        ordinance_core::engine::evaluate_in(&rs, "t.r", &serde_json::json!({"x": x}), &opts)
            .map(|d| d.outputs["tax"].to_string())
            .map_err(|e| e.to_string())
    };
    assert_eq!(tax(2000, "2018-12-31").unwrap(), "250"); // 150 + 500 × 20%
    assert_eq!(tax(2000, "2019-01-01").unwrap(), "60"); // 2000 × 3%
    assert_eq!(tax(40000, "2024-06-30").unwrap(), "1480");
    let e = tax(2000, "2018-06-30").unwrap_err();
    assert!(e.contains("scale `t.s` has no brackets as of 2018-06-30; its first version starts 2018-10-01"), "{e}");
    // versions in the wrong order, both forms at once, a wrong printed deduction in one version
    let e = dated("      - from: 2019-01-01\n        brackets: [{rate: 3%}]\n      - from: 2018-10-01\n        brackets: [{rate: 3%}]\n").unwrap_err();
    assert!(
        e.contains("t.yaml:11:15:") && e.contains("from 2018-10-01 does not start after the one before (2019-01-01)"),
        "{e}"
    );
    let e = dated("      - from: 2019-01-01\n        brackets:\n          - {upto: 36000, rate: 3%}\n          - {rate: 10%, quick_deduction: 2250}\n").unwrap_err();
    assert!(
        e.contains("t.yaml:12:42:")
            && e.contains("bracket 2 of `t.s` from 2019-01-01 is printed as 2250, but the brackets imply 2520"),
        "{e}"
    );
    let both = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2018-01-01}\nvalid: {from: 2018-01-01}\nscales:\n  s:\n    cite: {clause: c, quote: q}\n    brackets: [{rate: 3%}]\n    versions:\n      - {from: 2019-01-01, brackets: [{rate: 3%}]}\n";
    let e = load(&[SourceFile { path: "t.yaml".into(), text: both.into() }]).map(|_| ()).unwrap_err().to_string();
    assert!(e.contains("has both `brackets` and `versions`"), "{e}");
}
