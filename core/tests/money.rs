//! Money and fixed decimals: `money` (元 to 分) and `decimal(n)` outputs are
//! rounded as the rule outputs them — half up (四舍五入) unless the pack or
//! the output says otherwise — never inside a formula; they print and travel
//! as decimals with exactly their places; inputs with more places are
//! refused; and the evaluator agrees with the reference interpreter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
#[path = "common/generate.rs"]
mod generate;

use generate::differential;
use ordinance_core::engine::evaluate_in;
use ordinance_core::loader::{load, SourceFile};
use ordinance_core::number::RoundingMode;
use ordinance_core::{Date, EvalOptions, Number};
use proptest::prelude::*;
use std::path::PathBuf;

const HEAD: &str =
    "format: 1\npack: t\nsource: {document: D, title: T, issued_by: I, date: 2024-01-01}\nvalid: {from: 2024-01-01}\n";

fn pack(extra: &str, rules: &str) -> String {
    format!("{HEAD}{extra}rules:\n{rules}")
}

/// `t.probe(x: number)` giving `y` of type `ty` (with an optional output
/// rounding) from `formula`.
fn probe(extra: &str, ty: &str, formula: &str) -> String {
    pack(
        extra,
        &format!(
            "  probe:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: number}}\n    outputs: {{y: {ty}}}\n    formula:\n      y: {formula}\n"
        ),
    )
}

/// The pack loaded, ready to evaluate `t.probe` and the rules it calls.
struct Pack(ordinance_core::ruleset::Ruleset);

impl Pack {
    fn evaluate(
        &self,
        rule: &str,
        input: &serde_json::Value,
        opts: &EvalOptions,
    ) -> Result<ordinance_core::Decision, ordinance_core::EvalError> {
        evaluate_in(&self.0, rule, input, opts)
    }
}

fn engine_of(text: &str) -> Pack {
    Pack(load(&[SourceFile { path: PathBuf::from("t.yaml"), text: text.to_string() }]).unwrap())
}

fn load_error(text: &str) -> String {
    match load(&[SourceFile { path: PathBuf::from("t.yaml"), text: text.to_string() }]) {
        Ok(_) => panic!("the pack loaded:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn opts() -> EvalOptions {
    EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 30).unwrap()), ..EvalOptions::default() }
}

fn json_y(text: &str, x: &str) -> serde_json::Value {
    let d = engine_of(text).evaluate("t.probe", &serde_json::json!({ "x": x }), &opts()).unwrap();
    d.to_json()["outputs"]["y"].clone()
}

#[test]
fn money_rounds_half_up_as_it_is_output_and_prints_two_places() {
    let text = probe("", "money", "x * 3%");
    assert_eq!(json_y(&text, "36000.5"), serde_json::json!("1080.02")); // 1080.015
    assert_eq!(json_y(&text, "100"), serde_json::json!("3.00"));
    assert_eq!(json_y(&text, "-0.5"), serde_json::json!("-0.02")); // -0.015, away from zero
    let d = engine_of(&text).evaluate("t.probe", &serde_json::json!({"x": "0.5"}), &opts()).unwrap();
    // the text and the JSON bytes agree with the JSON tree
    assert!(
        ordinance_core::report::render_decision(&d).contains("y  0.02"),
        "{}",
        ordinance_core::report::render_decision(&d)
    );
    assert_eq!(d.json_string(), d.to_json().to_string());
    // the trace's output step shows the places too
    let traced = EvalOptions { trace: true, ..opts() };
    let d = engine_of(&text).evaluate("t.probe", &serde_json::json!({"x": "100"}), &traced).unwrap();
    let j = d.to_json();
    let step = j["trace"].as_array().unwrap().iter().find(|t| t["kind"] == "output").cloned().unwrap();
    assert_eq!(step["value"], serde_json::json!("3.00"));
    assert_eq!(d.json_string(), j.to_string());
}

#[test]
fn the_rounding_is_the_packs_or_the_outputs() {
    // 0.125 → half_up 0.13, half_even 0.12, floor 0.12, ceil 0.13
    let cases = [
        ("", "money", "0.13"),
        ("rounding: half_even\n", "money", "0.12"),
        ("rounding: floor\n", "money", "0.12"),
        ("rounding: half_even\n", "{type: money, rounding: ceil}", "0.13"),
        ("", "{type: money, rounding: half_even}", "0.12"),
        ("", "decimal(1)", "0.1"),
        ("", "decimal(0)", "0"),
        ("", "decimal(4)", "0.1250"),
    ];
    for (extra, ty, want) in cases {
        let text = probe(extra, ty, "x / 8");
        assert_eq!(json_y(&text, "1"), serde_json::json!(want), "{extra}{ty}");
    }
}

#[test]
fn a_later_output_reads_the_rounded_value_never_a_let() {
    let text = pack(
        "",
        "  probe:\n    cite: {clause: c, quote: q}\n    inputs: {x: number}\n    outputs: {a: money, b: number}\n    let:\n      raw: x / 3\n    formula:\n      a: raw\n      b: a * 3 - raw * 3\n",
    );
    let d = engine_of(&text).evaluate("t.probe", &serde_json::json!({"x": 1}), &opts()).unwrap();
    // a is 0.33 as stored; raw stays 1/3 inside the formula
    assert_eq!(d.to_json()["outputs"]["a"], serde_json::json!("0.33"));
    assert_eq!(d.outputs["b"], ordinance_core::Value::Number(Number::parse("-0.01").unwrap()));
}

#[test]
fn money_inputs_take_numbers_and_decimal_strings_but_not_a_third_place() {
    let text =
        pack("", "  probe:\n    cite: {clause: c, quote: q}\n    inputs: {x: money}\n    formula:\n      y: x * 2\n");
    let e = engine_of(&text);
    assert!(e.evaluate("t.probe", &serde_json::json!({"x": 1.25}), &opts()).is_ok());
    assert!(e.evaluate("t.probe", &serde_json::json!({"x": "1.25"}), &opts()).is_ok());
    let err = e.evaluate("t.probe", &serde_json::json!({"x": "1.255"}), &opts()).unwrap_err().to_string();
    assert!(err.contains("input `x`") && err.contains("at most 2 decimal places") && err.contains("1.255"), "{err}");
    let err = e.evaluate("t.probe", &serde_json::json!({"x": "1/3"}), &opts()).unwrap_err().to_string();
    assert!(err.contains("money"), "{err}");
}

#[test]
fn a_rule_passing_an_unrounded_number_to_a_money_input_is_told_to_round() {
    let text = pack(
        "",
        "  payee:\n    cite: {clause: c, quote: q}\n    inputs: {amount: money}\n    formula:\n      twice: amount * 2\n  probe:\n    cite: {clause: c, quote: q}\n    inputs: {x: number}\n    formula:\n      y: payee(amount = x / 3).twice\n",
    );
    let e = engine_of(&text);
    assert!(e.evaluate("t.probe", &serde_json::json!({"x": 3}), &opts()).is_ok());
    let err = e.evaluate("t.probe", &serde_json::json!({"x": 1}), &opts()).unwrap_err().to_string();
    assert!(err.contains("amount") && err.contains("round it to 2 places"), "{err}");
}

#[test]
fn decimal_types_and_roundings_written_wrong_are_located_load_errors() {
    let e = load_error(&probe("", "decimal(19)", "x"));
    assert!(e.contains("t.yaml:") && e.contains("`decimal(19)` is not a decimal type"), "{e}");
    let e = load_error(&probe("", "decimal(two)", "x"));
    assert!(e.contains("is not a decimal type"), "{e}");
    let e = load_error(&probe("rounding: half_upp\n", "money", "x"));
    assert!(e.contains("t.yaml:5:") && e.contains("`half_upp` is not a rounding mode") && e.contains("half_up"), "{e}");
    let e = load_error(&probe("", "{type: number, rounding: half_even}", "x"));
    assert!(e.contains("`rounding` has nothing to round"), "{e}");
    let e = load_error(&probe("", "{type: money, round: half_even}", "x"));
    assert!(e.contains("unknown key `round`"), "{e}");
    // a table's money cell with a third place
    let e = load_error(&pack(
        "",
        "  probe:\n    cite: {clause: c, quote: q}\n    inputs: {x: integer}\n    outputs: {fee: money}\n    table:\n      hit: first\n      rows:\n        - {when: {x: {\">=\": 0}}, then: {fee: 1.005}}\n      default: {fee: 0}\n",
    ));
    assert!(e.contains("t.yaml:13:") && e.contains("at most 2 decimal places"), "{e}");
}

#[test]
fn money_columns_of_tables_sum_exactly_and_keep_their_places() {
    let text = pack(
        "",
        "  probe:\n    cite: {clause: c, quote: q}\n    inputs: {x: integer}\n    outputs: {fee: money}\n    table:\n      hit: collect\n      aggregate: sum\n      rows:\n        - {when: {x: {\">=\": 0}}, then: {fee: 0.10}}\n        - {when: {x: {\">=\": 1}}, then: {fee: 0.20}}\n",
    );
    let d = engine_of(&text).evaluate("t.probe", &serde_json::json!({"x": 1}), &opts()).unwrap();
    assert_eq!(d.to_json()["outputs"]["fee"], serde_json::json!("0.30"));
}

#[test]
fn the_income_tax_pack_outputs_money() {
    let e = common::pack_engine("individual_income_tax");
    let d = e.evaluate("individual_income_tax.annual_tax", &serde_json::json!({"taxable": 144000}), &opts()).unwrap();
    let tax = d.to_json()["outputs"]["tax"].clone();
    let s = tax.as_str().unwrap().to_string();
    let (_, cents) = s.split_once('.').unwrap();
    assert_eq!(cents.len(), 2, "{s}");
}

fn mode_of(name: &str) -> RoundingMode {
    match name {
        "half_up" => RoundingMode::HalfUp,
        "half_even" => RoundingMode::HalfEven,
        "floor" => RoundingMode::Floor,
        _ => RoundingMode::Ceil,
    }
}

proptest! {
    #![proptest_config(common::cases(256, "money"))]

    /// Whatever the number, the output is the number rounded to the places
    /// by the mode, it has no more places, it is within half a unit (one for
    /// floor and ceil), and the reference interpreter gives the same.
    #[test]
    fn a_decimal_output_is_the_exact_value_rounded_once(
        numer in -1_000_000_000i64..1_000_000_000,
        denom in 1i64..10_000,
        places in 0u8..6,
        mode in prop::sample::select(vec!["half_up", "half_even", "floor", "ceil"]),
    ) {
        let x = Number::ratio(i128::from(numer), i128::from(denom)).unwrap();
        let text = probe(&format!("rounding: {mode}\n"), &format!("decimal({places})"), "x");
        let input = serde_json::json!({ "x": x.to_string() });
        differential(&text, &input, Date::from_ymd(2024, 6, 30).unwrap(), 10_000).map_err(TestCaseError::fail)?;
        let d = engine_of(&text).evaluate("t.probe", &input, &opts()).unwrap();
        let ordinance_core::Value::Number(y) = &d.outputs["y"] else { panic!() };
        prop_assert_eq!(y.clone(), x.round(i64::from(places), mode_of(mode)).unwrap());
        prop_assert!(y.decimal_places().unwrap() <= u64::from(places));
        let unit = Number::from_int(10).pow(-i64::from(places), |_| Ok(())).unwrap();
        let err = y.sub(&x).unwrap().abs();
        prop_assert!(err <= unit);
        let printed = d.to_json()["outputs"]["y"].as_str().unwrap().to_string();
        prop_assert_eq!(Number::parse(&printed).unwrap(), y.clone());
        prop_assert_eq!(printed.split_once('.').map_or(0, |(_, f)| f.len()), usize::from(places));
    }

    /// Money is monotone: a larger amount never rounds to a smaller one.
    #[test]
    fn rounding_money_keeps_order(a in -10_000_000i64..10_000_000, b in -10_000_000i64..10_000_000) {
        let text = probe("", "money", "x / 1000");
        let e = engine_of(&text);
        let y = |v: i64| {
            let d = e.evaluate("t.probe", &serde_json::json!({ "x": v }), &opts()).unwrap();
            d.outputs["y"].clone()
        };
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(y(lo) <= y(hi));
    }
}

#[test]
fn outputs_computed_in_another_order_than_declared_round_the_right_one() {
    // `outputs:` declares n (integer) before y (money); the formula
    // computes y first: the rounding follows the name, not the position
    let text = pack(
        "",
        "  probe:\n    cite: {clause: c, quote: q}\n    inputs: {x: number}\n    outputs: {n: integer, y: money}\n    formula:\n      y: x / 3\n      n: 7\n",
    );
    let d = engine_of(&text).evaluate("t.probe", &serde_json::json!({"x": "10"}), &opts()).unwrap();
    let j = d.to_json();
    assert_eq!(j["outputs"]["y"], serde_json::json!("3.33"));
    assert_eq!(j["outputs"]["n"], serde_json::json!(7));
}
