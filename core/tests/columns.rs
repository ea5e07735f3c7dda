//! The batch and columnar entry points (`Engine::prepare`, `Prepared::
//! evaluate_values`, `Prepared::evaluate_columns`, `Engine::evaluate_many`)
//! give, row by row, what one `Engine::evaluate` gives, with each bad row's
//! error in its place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{cases, opts, pack_engine};
use ordinance_core::{EvalError, Value};
use proptest::prelude::*;

const FREQ: &str = "energy_safety.inspection_frequency";

proptest! {
    #![proptest_config(cases(64, "columns"))]

    #[test]
    fn columns_agree_with_one_evaluation_per_row(classes in prop::collection::vec(prop::sample::select(vec!["A", "B", "C", "D", "E", "a"]), 0..40)) {
        let engine = pack_engine("energy_safety");
        let column: Vec<Value> = classes.iter().map(|c| Value::text(c)).collect();
        let p = engine.prepare(FREQ, &opts()).unwrap();
        let cols = p.evaluate_columns(&[("class", &column)]).unwrap();
        prop_assert_eq!(cols.errors.len(), classes.len());
        let records: Vec<serde_json::Value> = classes.iter().map(|c| serde_json::json!({"class": c})).collect();
        let many = engine.evaluate_many(FREQ, &records, &opts());
        for (row, class) in classes.iter().enumerate() {
            let one = engine.evaluate(FREQ, &serde_json::json!({"class": class}), &opts());
            match &one {
                Ok(d) => {
                    for (k, (name, _)) in cols.outputs.iter().enumerate() {
                        prop_assert_eq!(cols.values[k][row].as_ref(), Some(&d.outputs[name]));
                    }
                    prop_assert!(cols.errors[row].is_none());
                    prop_assert_eq!(&many[row].as_ref().unwrap().outputs, &d.outputs);
                }
                Err(e) => {
                    prop_assert!(matches!(e, EvalError::Input { .. }), "{}", e);
                    prop_assert_eq!(cols.errors[row].as_ref().map(|e| e.code()), Some(e.code()));
                    prop_assert!(cols.values.iter().all(|c| c[row].is_none()));
                    prop_assert_eq!(many[row].as_ref().err().map(EvalError::code), Some(e.code()));
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(12, "columns_memo"))]

    /// Rows whose inputs repeat share one evaluation (the memo of the
    /// columnar calls): over thousands of rows, some repeating a few
    /// values and some all distinct (which turns the memo off after its
    /// trial), every row still gets what evaluating it alone gives, and
    /// rows that share an outcome have equal inputs.
    #[test]
    fn shared_evaluations_equal_one_per_row(
        repeating in 0usize..3000,
        distinct in 0usize..3000,
        seed in any::<u64>(),
    ) {
        let engine = pack_engine("individual_income_tax");
        let rule = "individual_income_tax.annual_tax";
        let p = engine.prepare(rule, &opts()).unwrap();
        let mut taxable: Vec<Option<Value>> = Vec::new();
        let mut x = seed;
        for i in 0..repeating + distinct {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let cents = if i < repeating { [0, 3_600_000, 14_400_100, -5][(x >> 60) as usize % 4] } else { (x >> 20) as i64 % 100_000_000 };
            taxable.push(Some(Value::Number(ordinance_core::Number::ratio(i128::from(cents), 100).unwrap())));
        }
        let grouped = p.evaluate_grouped_columns(&[("taxable", &taxable)]).unwrap();
        let cols = p.evaluate_sparse_columns(&[("taxable", &taxable)]).unwrap();
        prop_assert_eq!(grouped.rows.len(), taxable.len());
        for (row, cell) in taxable.iter().enumerate() {
            let alone = p.evaluate_values(vec![cell.clone()]);
            let shared = &grouped.results[grouped.rows[row]];
            match (&alone, shared) {
                (Ok(a), Ok(s)) => {
                    prop_assert_eq!(a, s);
                    for (k, v) in a.iter().enumerate() {
                        prop_assert_eq!(cols.values[k][row].as_ref(), Some(v));
                    }
                }
                (Err(a), Err(s)) => {
                    prop_assert_eq!(a.code(), s.code());
                    prop_assert_eq!(cols.errors[row].as_ref().map(|e| e.code()), Some(a.code()));
                }
                _ => prop_assert!(false, "row {row}: alone {alone:?}, shared {shared:?}"),
            }
        }
        // an outcome is shared only by rows with equal inputs
        let mut first_input: std::collections::HashMap<usize, &Option<Value>> = std::collections::HashMap::new();
        for (row, &g) in grouped.rows.iter().enumerate() {
            let seen = *first_input.entry(g).or_insert(&taxable[row]);
            prop_assert_eq!(seen, &taxable[row]);
        }
    }
}

#[test]
fn the_memo_is_bounded_and_repeats_after_it_is_full_are_still_right() {
    // 5000 distinct values (more than the memo holds) each twice: outcomes
    // beyond the memo's size are evaluated again, and every row is right
    let engine = pack_engine("individual_income_tax");
    let p = engine.prepare("individual_income_tax.annual_tax", &opts()).unwrap();
    let taxable: Vec<Option<Value>> = (0..10_000).map(|i| Some(Value::int(i64::from(i % 5000) * 37))).collect();
    let grouped = p.evaluate_grouped_columns(&[("taxable", &taxable)]).unwrap();
    assert!(grouped.results.len() > 4096, "the memo stops growing at its bound");
    for (row, cell) in taxable.iter().enumerate() {
        let alone = p.evaluate_values(vec![cell.clone()]).unwrap();
        assert_eq!(grouped.results[grouped.rows[row]].as_ref().unwrap(), &alone, "row {row}");
    }
}

#[test]
fn values_are_checked_against_the_declared_types() {
    let engine = pack_engine("energy_safety");
    let p = engine.prepare(FREQ, &opts()).unwrap();
    let ok = p.evaluate_values(vec![Some(Value::text("D"))]).unwrap();
    let d = engine.evaluate(FREQ, &serde_json::json!({"class": "D"}), &opts()).unwrap();
    assert_eq!(ok, d.outputs.values().cloned().collect::<Vec<_>>());
    // a number where an enum is declared, a value not in the enum, too many values
    for args in [vec![Some(Value::int(3))], vec![Some(Value::text("E"))], vec![None, None]] {
        let err = p.evaluate_values(args.clone()).unwrap_err();
        assert!(matches!(err, EvalError::Input { .. }), "{args:?}: {err}");
    }
    // no default for `class`
    assert!(matches!(p.evaluate_values(vec![None]), Err(EvalError::Input { .. })));
}

#[test]
fn bad_columns_are_input_errors() {
    let engine = pack_engine("energy_safety");
    let p = engine.prepare(FREQ, &opts()).unwrap();
    let a = [Value::text("A"), Value::text("B")];
    let one = [Value::text("A")];
    let unknown = p.evaluate_columns(&[("class", &a), ("klass", &one)]).unwrap_err();
    assert!(unknown.to_string().contains("klass"), "{unknown}");
    let missing = p.evaluate_columns(&[]).unwrap_err();
    assert!(missing.to_string().contains("class"), "{missing}");
    let sizes = engine.prepare("energy_safety.statutory_workdays", &opts()).unwrap();
    let n = [Value::int(366)];
    let two = [Value::int(1), Value::int(2)];
    let err = sizes.evaluate_columns(&[("days_in_year", &n), ("weekend_days", &two)]).unwrap_err();
    assert!(err.to_string().contains("rows"), "{err}");
}

#[test]
fn a_prepared_rule_keeps_its_snapshot_and_date() {
    let engine = pack_engine("energy_safety");
    let p = engine.prepare(FREQ, &opts()).unwrap();
    assert_eq!(p.as_of().0.to_string(), common::AS_OF);
    assert_eq!(p.as_of().1, "given");
    assert_eq!(p.rule().qualified, FREQ);
    assert!(matches!(engine.prepare("energy_safety.no_such_rule", &opts()), Err(EvalError::UnknownRule { .. })));
}

#[test]
fn decision_documents_written_directly_are_the_json_trees_bytes() {
    // every test case of every shipped pack, traced and not
    let engine = ordinance_core::Engine::load_dir(common::rules_dir()).unwrap();
    let rs = engine.snapshot();
    let mut compared = 0;
    for pack in &rs.packs {
        for t in &pack.tests {
            for trace in [false, true] {
                let o = ordinance_core::EvalOptions { as_of: Some(t.as_of), trace, ..Default::default() };
                if let Ok(d) = engine.evaluate(&t.rule, &t.given, &o) {
                    assert_eq!(d.json_string(), d.to_json().to_string(), "{} ({})", t.name, t.location);
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 200, "only {compared} decisions compared");
    // and a number too large for a JSON integer, and text that needs escapes
    let d = engine
        .evaluate(
            "energy_safety.statutory_workdays",
            &serde_json::json!({"days_in_year": i64::MAX, "weekend_days": 0, "holidays": 0, "officers": i64::MAX}),
            &opts(),
        )
        .unwrap();
    assert_eq!(d.json_string(), d.to_json().to_string());
    let mut out = Vec::new();
    Value::text("引号\"、反斜杠\\ 和换行\n").write_json(&mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        serde_json::Value::String("引号\"、反斜杠\\ 和换行\n".into()).to_string()
    );
}
