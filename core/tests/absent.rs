//! Absent values, explicitly: optional inputs and record fields, `??` and
//! `is_missing`. An absent value read where a value is needed (arithmetic,
//! a comparison, a builtin) is an evaluation error naming it and its
//! position, never a silent null; tables cannot test an optional input;
//! JSON `null` and a left-out field are both absent. Examples, located load
//! errors, and the evaluator held to the reference interpreter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
#[path = "common/generate.rs"]
mod generate;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::ruleset::Ruleset;
use ordinance_core::{Date, EvalOptions, Value};
use proptest::prelude::*;
use serde_json::json;

const HEAD: &str =
    "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\n";

/// `t.probe` with an optional bonus, an optional money income, and a staff
/// roster whose phone may be absent; `y` is `formula`.
fn probe(formula: &str) -> String {
    format!(
        "{HEAD}rules:
  probe:
    cite: {{clause: c, quote: q}}
    inputs:
      bonus: {{type: integer, optional: true}}
      income: {{type: money, optional: true}}
      k: integer
      staff: {{list: {{name: text, phone: {{optional: text}}}}}}
    formula:
      y: '{formula}'
"
    )
}

/// A rule with an optional input, for calls that pass an absent value on.
const INNER: &str = "  inner:\n    cite: {clause: c, quote: q}\n    inputs: {v: {type: integer, optional: true}}\n    formula:\n      got: 'if is_missing(v) then -1 else v'\n";

fn pack_text(text: String) -> Result<Ruleset, String> {
    load(&[SourceFile { path: "t.yaml".into(), text }]).map_err(|e| e.to_string())
}

fn as_of() -> Date {
    Date::from_ymd(2024, 6, 1).unwrap()
}

fn staff() -> serde_json::Value {
    json!([{"name": "王", "phone": "0477-1"}, {"name": "李", "phone": null}, {"name": "张"}])
}

fn eval_on(rs: &Ruleset, input: &serde_json::Value) -> Result<ordinance_core::Decision, String> {
    let opts = EvalOptions { as_of: Some(as_of()), ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(rs, "t.probe", input, &opts).map_err(|e| e.to_string())
}

/// `y` by `formula`, bonus and income as given (None: left out).
fn y(formula: &str, bonus: Option<i64>, income: Option<&str>) -> String {
    let rs = pack_text(probe(formula)).unwrap();
    let mut input = json!({"k": 2, "staff": staff()});
    if let Some(b) = bonus {
        input["bonus"] = json!(b);
    }
    if let Some(i) = income {
        input["income"] = json!(i);
    }
    match eval_on(&rs, &input) {
        Ok(d) => match d.decimals.get("y") {
            Some(t) => ordinance_core::value::display_typed(&d.outputs["y"], t),
            None => d.outputs["y"].to_string(),
        },
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn fallbacks_and_tests_for_what_is_absent() {
    assert_eq!(y("bonus ?? 0", None, None), "0");
    assert_eq!(y("bonus ?? 0", Some(7), None), "7");
    assert_eq!(y("is_missing(bonus)", None, None), "true");
    assert_eq!(y("is_missing(bonus)", Some(0), None), "false");
    assert_eq!(y("not is_missing(bonus) and bonus > 5", Some(7), None), "true");
    assert_eq!(y("not is_missing(bonus) and bonus > 5", None, None), "false");
    // `??` binds tighter than a comparison, looser than arithmetic
    assert_eq!(y("bonus ?? 0 > 5", None, None), "false");
    assert_eq!(y("bonus ?? k + 1", None, None), "3");
    assert_eq!(y("(bonus ?? k) * 10", Some(4), None), "40");
    // chains take the first value there is; the last may be a plain value
    assert_eq!(y("bonus ?? income ?? 1", None, Some("2.50")), "2.5");
    assert_eq!(y("bonus ?? income ?? 1", None, None), "1");
    // money and an integer join to a number, as the branches of `if` do
    // (an output declared `money` keeps the places: see optional_outputs…)
    assert_eq!(y("income ?? 0", None, Some("1080.1")), "1080.1");
    // record fields: null and left out are both absent
    assert_eq!(y("count(s in staff where is_missing(s.phone))", None, None), "2");
    assert_eq!(y("join([s.phone ?? \"无\" for s in staff], \",\")", None, None), "0477-1,无,无");
}

/// Where an absent value may stand (an optional output, the left of `??`,
/// `is_missing`, an optional input of a called rule), it may come out of a
/// branch of `if`; elsewhere the branch's value is checked where it is read,
/// and the error names it, not the `if`.
#[test]
fn an_absent_value_may_come_out_of_a_branch_of_if() {
    assert_eq!(y("(if k > 1 then bonus else k) ?? 0", None, None), "0");
    assert_eq!(y("(if k > 1 then bonus else k) ?? 0", Some(5), None), "5");
    assert_eq!(y("(if k > 5 then bonus else k) ?? 0", None, None), "2");
    assert_eq!(y("is_missing(if k > 1 then bonus else k)", None, None), "true");
    assert_eq!(y("is_missing(if k > 1 then (if k > 0 then bonus else 1) else k)", None, None), "true");
    let e = y("(if k > 1 then bonus else k) + 1", None, None);
    assert!(e.contains("`bonus` has no value at t.yaml:14:26"), "{e}");
    // an if that cannot be absent is refused after ?? as any such value is
    let e = pack_text(probe("(if k > 1 then k else 0) ?? 3")).map(|_| ()).unwrap_err();
    assert!(e.contains("always has a value, so `??` never uses what follows it"), "{e}");
    // into an optional output, and passed on to an optional input
    let text = format!(
        "{HEAD}rules:
{INNER}  probe:
    cite: {{clause: c, quote: q}}
    inputs: {{now: integer, last: {{type: integer, optional: true}}}}
    outputs: {{growth: {{optional: integer}}, passed: integer}}
    formula:
      growth: 'if is_missing(last) then last else now - last'
      passed: 'inner(v = if now > 0 then last else 0).got'
"
    );
    let rs = pack_text(text).unwrap();
    let d = eval_on(&rs, &json!({"now": 5})).unwrap();
    assert_eq!((d.outputs["growth"].clone(), d.outputs["passed"].clone()), (Value::Absent, Value::int(-1)));
    let d = eval_on(&rs, &json!({"now": 5, "last": 2})).unwrap();
    assert_eq!((d.outputs["growth"].clone(), d.outputs["passed"].clone()), (Value::int(3), Value::int(2)));
}

#[test]
fn an_absent_value_where_a_value_is_needed_is_a_located_error() {
    for formula in ["bonus + 1", "bonus > 3", "abs(bonus)", "[bonus]", "bonus"] {
        let e = y(formula, None, None);
        assert!(e.starts_with("error: "), "{formula}: {e}");
        assert!(e.contains("`bonus` has no value at t.yaml:"), "{formula}: {e}");
        assert!(e.contains("is_missing(bonus)") && e.contains("bonus ?? 0"), "{formula}: {e}");
    }
    // the same formulas are fine with a value
    assert_eq!(y("bonus + 1", Some(1), None), "2");
    // the position is the name's own: line 14 (the formula), after `y: '1 + `
    let e = y("1 + bonus", None, None);
    assert!(e.contains("at t.yaml:14:15"), "{e}");
    // a record field is named by its path
    let e = y("count(s in staff where s.phone == \"x\")", None, None);
    assert!(e.contains("`s.phone` has no value"), "{e}");
}

#[test]
fn null_is_absent_only_where_a_value_may_be_absent() {
    let rs = pack_text(probe("bonus ?? k")).unwrap();
    let d = eval_on(&rs, &json!({"k": 2, "staff": [], "bonus": null})).unwrap();
    assert_eq!(d.outputs["y"], Value::int(2));
    let e = eval_on(&rs, &json!({"k": null, "staff": []})).unwrap_err();
    assert!(e.contains("`k`") && e.contains("expected integer, found null"), "{e}");
    let e = eval_on(&rs, &json!({"k": 1, "staff": [{"name": null}]})).unwrap_err();
    assert!(e.contains("staff[0].name"), "{e}");
}

#[test]
fn optional_outputs_and_calls() {
    let text = format!(
        "{HEAD}rules:
{INNER}  probe:
    cite: {{clause: c, quote: q}}
    inputs: {{bonus: {{type: integer, optional: true}}, income: {{type: money, optional: true}}}}
    outputs: {{same: {{optional: integer}}, passed: integer, left_out: integer, cash: money}}
    formula:
      cash: income ?? 0
      same: bonus
      passed: inner(v = bonus).got
      left_out: inner().got
"
    );
    let rs = pack_text(text).unwrap();
    let d = eval_on(&rs, &json!({})).unwrap();
    assert_eq!(d.outputs["same"], Value::Absent);
    assert_eq!(d.outputs["passed"], Value::int(-1));
    assert_eq!(d.outputs["left_out"], Value::int(-1));
    assert_eq!(d.to_json()["outputs"]["same"], serde_json::Value::Null);
    assert_eq!(d.to_json()["outputs"]["cash"], json!("0.00"));
    let d = eval_on(&rs, &json!({"bonus": 9, "income": "1080.1"})).unwrap();
    assert_eq!(d.to_json()["outputs"]["cash"], json!("1080.10"));
    assert_eq!(d.outputs["same"], Value::int(9));
    assert_eq!(d.outputs["passed"], Value::int(9));
}

fn load_error(text: String) -> String {
    match pack_text(text) {
        Ok(_) => panic!("the pack loaded"),
        Err(e) => e,
    }
}

#[test]
fn what_cannot_be_absent_is_a_load_error() {
    let e = load_error(probe("is_missing(k)"));
    assert!(e.contains("t.yaml:14:") && e.contains("`k` is integer and always has a value"), "{e}");
    let e = load_error(probe("k ?? 0"));
    assert!(e.contains("never uses what follows it"), "{e}");
    let e = load_error(probe("bonus ?? \"none\""));
    assert!(e.contains("the operands of `??` differ in type"), "{e}");
    // optional and a default at once
    let e = load_error(format!(
        "{HEAD}rules:\n  probe:\n    cite: {{clause: c, quote: q}}\n    inputs: {{b: {{type: integer, optional: true, default: 0}}}}\n    formula: {{y: b}}\n"
    ));
    assert!(e.contains("t.yaml:8:") && e.contains("is optional and has a default"), "{e}");
    let e = load_error(format!(
        "{HEAD}rules:\n  probe:\n    cite: {{clause: c, quote: q}}\n    inputs: {{b: {{optional: {{optional: integer}}}}}}\n    formula: {{y: 'b ?? 0'}}\n"
    ));
    assert!(e.contains("a type is optional once"), "{e}");
    // a table cannot test an optional input
    let e = load_error(format!(
        "{HEAD}rules:
  probe:
    cite: {{clause: c, quote: q}}
    inputs: {{b: {{type: integer, optional: true}}}}
    outputs: {{y: integer}}
    table:
      hit: first
      rows:
        - {{when: {{b: {{'>': 3}}}}, then: {{y: 1}}}}
      default: {{y: 0}}
"
    ));
    assert!(e.contains("t.yaml:13:") && e.contains("a table cannot test the optional input `b`"), "{e}");
    // a field of an optional record is checked where it is read
    let text = format!(
        "{HEAD}rules:\n  probe:\n    cite: {{clause: c, quote: q}}\n    inputs: {{r: {{type: {{record: {{n: integer}}}}, optional: true}}}}\n    formula: {{y: 'if is_missing(r) then 0 else r.n'}}\n"
    );
    let rs = pack_text(text).unwrap();
    assert_eq!(eval_on(&rs, &json!({})).unwrap().outputs["y"], Value::int(0));
    assert_eq!(eval_on(&rs, &json!({"r": {"n": 4}})).unwrap().outputs["y"], Value::int(4));
}

proptest! {
    #![proptest_config(common::cases(128, "absent"))]

    /// Both evaluators agree, value or error, whichever inputs are absent.
    #[test]
    fn the_evaluators_agree_on_absent_values(
        bonus in prop::option::of(-5i64..5),
        null in any::<bool>(),
        phones in prop::collection::vec(prop::option::of(0u8..3), 0..4),
        pick in 0usize..7,
    ) {
        let formula = [
            "bonus ?? k",
            "(bonus ?? 0) + count(s in staff where is_missing(s.phone))",
            "if is_missing(bonus) then 0 else bonus * 2",
            "bonus + k",
            "sum(length(s.phone ?? \"\") for s in staff)",
            "count(s in staff where s.phone == \"p1\")",
            "bonus ?? income ?? k",
        ][pick];
        let staff: Vec<_> = phones.iter().map(|p| match p {
            Some(n) => json!({"name": "n", "phone": format!("p{n}")}),
            None if null => json!({"name": "n", "phone": null}),
            None => json!({"name": "n"}),
        }).collect();
        let mut input = json!({"k": 3, "staff": staff});
        match bonus {
            Some(b) => input["bonus"] = json!(b),
            None if null => input["bonus"] = serde_json::Value::Null,
            None => {}
        }
        let outcome = generate::differential(&probe(formula), &input, as_of(), 2000);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
        // and the fallback is the value exactly when it is there
        if pick == 0 {
            let rs = pack_text(probe(formula)).unwrap();
            let d = eval_on(&rs, &input).unwrap();
            prop_assert_eq!(d.outputs["y"].clone(), Value::int(bonus.unwrap_or(3)));
        }
    }
}

#[test]
fn none_stands_only_where_a_value_may_be_absent() {
    // where it may: an `if` whose value may be absent, the left of `??`
    assert_eq!(y("(if k > 1 then none else 5) ?? 7", None, None), "7");
    assert_eq!(y("(if k > 5 then none else 5) ?? 7", None, None), "5");
    // anywhere else it is a load error, located, saying where it may stand
    for formula in ["none + 1", "if k > 1 then none else 5", "none"] {
        let e = pack_text(probe(formula)).unwrap_err();
        assert!(e.contains("t.yaml:14:"), "{formula}: {e}");
        assert!(e.contains("`none` stands here for a value, and it has none"), "{formula}: {e}");
        assert!(e.contains("an optional output"), "{formula}: {e}");
    }
}

#[test]
fn and_or_not_over_what_may_be_absent_follow_kleenes_logic() {
    // an unknown truth value: none when the bonus is left out
    let u = "(if is_missing(bonus) then none else bonus > 0)";
    let cases = [
        (format!("({u} and false) ?? true"), None, "false"),
        (format!("(false and {u}) ?? true"), None, "false"),
        (format!("({u} and true) ?? true"), None, "true"),
        (format!("({u} or true) ?? false"), None, "true"),
        (format!("({u} or false) ?? true"), None, "true"),
        (format!("(not {u}) ?? true"), None, "true"),
        (format!("(not {u}) ?? true"), Some(3), "false"),
        (format!("({u} and {u}) ?? false"), Some(3), "true"),
    ];
    for (formula, bonus, want) in &cases {
        assert_eq!(&y(formula, *bonus, None), want, "{formula} with bonus {bonus:?}");
    }
    // read where a value is needed, an unknown one is an error naming it
    let e = y(&format!("if {u} and true then 1 else 0"), None, None);
    assert!(e.contains("has no value") && e.contains("test it with `is_missing("), "{e}");
    assert!(e.contains("?? false`"), "the fallback offered is a truth value: {e}");
}

#[test]
fn the_fallback_offered_is_of_the_values_type() {
    let e = y("income * 2", None, None);
    assert!(e.contains("`income ?? 0`"), "{e}");
    let e = y("count([s.phone for s in staff where s.phone == \"x\"]) + length(staff[2].phone)", None, None);
    assert!(e.contains("?? \"\"`"), "a text fallback for text: {e}");
}

proptest! {
    /// Kleene's `and`, `or` and `not`, with none as unknown, against their
    /// truth tables, in the evaluator and the reference interpreter alike.
    #[test]
    fn the_truth_tables_of_three_valued_logic(a in 0u8..3, b in 0u8..3, op in 0u8..3) {
        // each operand may be absent by its type; k is 2
        let lit = |v: u8| match v {
            0 => "(if k > 0 then false else none)",
            1 => "(if k > 0 then true else none)",
            _ => "(if k > 5 then true else none)",
        };
        let (x, y_) = (lit(a), lit(b));
        let text = match op {
            0 => format!("if is_missing({x} and {y_}) then \"unknown\" else text_of(({x} and {y_}) ?? false)"),
            1 => format!("if is_missing({x} or {y_}) then \"unknown\" else text_of(({x} or {y_}) ?? false)"),
            _ => format!("if is_missing(not {x}) then \"unknown\" else text_of((not {x}) ?? false)"),
        };
        let kleene = |v: u8| match v { 0 => Some(false), 1 => Some(true), _ => None };
        let want = match op {
            0 => match (kleene(a), kleene(b)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            1 => match (kleene(a), kleene(b)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            _ => kleene(a).map(|x| !x),
        };
        let want = want.map_or("unknown".to_string(), |b| b.to_string());
        prop_assert_eq!(y(&text, None, None), want.clone(), "{}", text);
        let rs = pack_text(probe(&text)).unwrap();
        let (rid, rule) = rs.rule("t.probe").unwrap();
        let args = ordinance_core::engine::bind_inputs(rule, &json!({"k": 2, "staff": []})).unwrap();
        let r = ordinance_core::reference::evaluate(&rs, rid, args, as_of(), ordinance_core::number::DEFAULT_MAX_DIGITS).unwrap();
        prop_assert_eq!(r["y"].to_string(), want);
    }
}
