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
                    prop_assert_eq!(cols.errors[row].as_ref().map(EvalError::code), Some(e.code()));
                    prop_assert!(cols.values.iter().all(|c| c[row].is_none()));
                    prop_assert_eq!(many[row].as_ref().err().map(EvalError::code), Some(e.code()));
                }
            }
        }
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
