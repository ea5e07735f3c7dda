//! Running values and orderings over lists: `fold` carries a value from one
//! element to the next, `scan` keeps each step of it, `sort_by` orders the
//! elements by a key (ties in list order), and `some`/`every` are the
//! quantifiers `any`/`all` by their other names. Examples, located load
//! errors, properties (a fold of `+` is the sum, the last step of a scan is
//! the fold, a sort by key is an ordered permutation and stable), and the
//! evaluator held to the reference interpreter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
#[path = "common/generate.rs"]
mod generate;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::ruleset::Ruleset;
use ordinance_core::{Date, EvalOptions, Value};
use proptest::prelude::*;

const HEAD: &str =
    "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\n";

/// `t.probe` over `xs` (numbers) and `months` (records of pay and relief),
/// giving `y` by `formula`.
fn probe(formula: &str) -> String {
    format!(
        "{HEAD}rules:\n  probe:\n    cite: {{clause: c, quote: q}}\n    inputs: {{xs: {{list: number}}, months: {{list: {{pay: number, relief: number}}}}, k: integer}}\n    formula:\n      y: '{formula}'\n"
    )
}

fn pack(formula: &str) -> Result<Ruleset, String> {
    load(&[SourceFile { path: "t.yaml".into(), text: probe(formula) }]).map_err(|e| e.to_string())
}

fn as_of() -> Date {
    Date::from_ymd(2024, 6, 1).unwrap()
}

fn input(xs: &[i64]) -> serde_json::Value {
    let months: Vec<_> = xs.iter().map(|x| serde_json::json!({"pay": x.abs() * 1000, "relief": 5000})).collect();
    serde_json::json!({"xs": xs, "months": months, "k": 2})
}

fn eval_on(formula: &str, input: &serde_json::Value) -> Result<Value, String> {
    let rs = pack(formula)?;
    let opts = EvalOptions { as_of: Some(as_of()), ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(&rs, "t.probe", input, &opts)
        .map(|d| d.outputs["y"].clone())
        .map_err(|e| e.to_string())
}

fn shows(formula: &str) -> String {
    match eval_on(formula, &input(&[3, -1, 4, -1, 5])) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

/// Both evaluators agree on `formula` over `xs`.
fn agree(formula: &str, xs: &[i64]) -> Result<(), String> {
    generate::differential(&probe(formula), &input(xs), as_of(), 2000)
}

#[test]
fn fold_scan_and_sort_by() {
    assert_eq!(shows("fold(total = 0, total + x for x in xs)"), "10");
    assert_eq!(shows("fold(best = 0, max(best, x) for x in xs)"), "5");
    assert_eq!(shows("fold(total = 0, total + x for x in xs where x > 0)"), "12");
    assert_eq!(shows("scan(total = 0, total + x for x in xs)"), "[3, 2, 6, 5, 10]");
    assert_eq!(shows("scan(total = 100, total - x for x in xs where x < 0)"), "[101, 102]");
    // the start's type widens once to the step's: an integer start, a number step
    assert_eq!(shows("fold(h = 1, h / 2 + x for x in xs)"), "5.59375");
    // a running balance over records: cumulative pay after the monthly relief
    assert_eq!(shows("scan(due = 0, due + m.pay - m.relief for m in months)"), "[-2000, -6000, -7000, -11000, -11000]");
    assert_eq!(shows("sort_by(-x for x in xs)"), "[5, 4, 3, -1, -1]");
    assert_eq!(shows("sort_by(abs(x) for x in xs)"), "[-1, -1, 3, 4, 5]");
    assert_eq!(
        shows("sort_by(m.pay for m in months where m.pay > 1000)"),
        "[{pay: 3000, relief: 5000}, {pay: 4000, relief: 5000}, {pay: 5000, relief: 5000}]"
    );
    assert_eq!(shows("some(x > 4 for x in xs)"), "true");
    assert_eq!(shows("every(x > -2 for x in xs)"), "true");
    assert_eq!(shows("scan(t = 0, t + x for x in sublist(xs, 1, 0))"), "[]");
}

#[test]
fn the_printed_form_reads_back() {
    for f in ["fold(t = 0, t + x for x in xs where x > 0)", "scan(t = 1, t * x for x in xs)", "sort_by(-x for x in xs)"]
    {
        let e = ordinance_core::expr::syntax::parse(f).unwrap();
        let again = ordinance_core::expr::syntax::parse(&e.to_string()).unwrap();
        assert_eq!(e.to_string(), again.to_string(), "{f}");
    }
}

#[test]
fn written_wrong_they_are_located_load_errors() {
    for (formula, words) in [
        ("fold(0, x for x in xs)", "`fold` starts with its running value and where it starts"),
        ("fold(t = 0, t > x for x in xs)", "the running value `t` starts as integer, but the step gives bool"),
        ("scan(t = \"a\", t + x for x in xs)", "`+` needs numbers, found text"),
        ("fold(x = 0, x + 1 for x in xs)", "the running value and the element are both called `x`"),
        ("sort_by(x > 1 for x in xs)", "`sort_by` orders by a number, date or text, found bool"),
        ("sort_by(m for m in months)", "`sort_by` orders by a number, date or text"),
        ("fold(t = 0, t + x for x in k)", "needs a list after `in`"),
    ] {
        let e = pack(formula).map(|_| ()).unwrap_err();
        assert!(e.contains(words) && e.starts_with("t.yaml:10:"), "{formula}: {e}");
    }
}

proptest! {
    #![proptest_config(common::cases(128, "running_values"))]

    /// A fold of `+` is the sum; the last step of a scan is the fold; a
    /// scan has one step per element taken.
    #[test]
    fn fold_is_sum_and_scan_ends_at_fold(xs in proptest::collection::vec(-50i64..50, 0..10), cut in -50i64..50) {
        let i = input(&xs);
        let get = |f: &str| eval_on(f, &i).unwrap();
        prop_assert_eq!(get("fold(t = 0, t + x for x in xs)"), get("sum(xs)"));
        let taken = format!("x >= {cut}");
        let scan = get(&format!("scan(t = 7, t * 2 - x for x in xs where {taken})"));
        let fold = get(&format!("fold(t = 7, t * 2 - x for x in xs where {taken})"));
        let Value::List(steps) = scan else { panic!() };
        prop_assert_eq!(steps.len() as i64, xs.iter().filter(|x| **x >= cut).count() as i64);
        match steps.last() {
            Some(last) => prop_assert_eq!(last, &fold),
            None => prop_assert_eq!(common::int(&fold), 7),
        }
    }

    /// A sort by key keeps every element, orders the keys, and keeps equal
    /// keys in list order.
    #[test]
    fn sort_by_is_an_ordered_stable_permutation(xs in proptest::collection::vec(-9i64..9, 0..12)) {
        let i = input(&xs);
        let Value::List(sorted) = eval_on("sort_by(abs(x) for x in xs)", &i).unwrap() else { panic!() };
        let got: Vec<i64> = sorted.iter().map(common::int).collect();
        let mut want = xs.clone();
        want.sort_by_key(|x| x.abs()); // std's sort is stable
        prop_assert_eq!(got, want);
    }

    /// The evaluator and the reference interpreter agree on running values
    /// and orderings, errors included.
    #[test]
    fn both_evaluators_agree(xs in proptest::collection::vec(-20i64..20, 0..8), pick in 0usize..8) {
        let f = [
            "fold(t = 0, t + x for x in xs where x != 0)",
            "scan(t = 1, t / 2 + x for x in xs)",
            "sort_by(-abs(x) for x in xs)",
            "fold(t = 1, t / x for x in xs)",
            "sum(scan(best = -100, max(best, x) for x in xs))",
            "scan(due = 0, max(due + m.pay - m.relief, 0) for m in months)",
            "sum(sublist(sort_by(x * x for x in xs), 1, k))",
            "fold(t = 0, t + count(y in xs where y < x) for x in xs)",
        ][pick];
        prop_assert!(agree(f, &xs).is_ok(), "{}", agree(f, &xs).unwrap_err());
    }
}
