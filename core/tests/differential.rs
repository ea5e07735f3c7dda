//! The evaluator against the reference interpreter (`ordinance_core::reference`):
//! generated well-typed formulas over generated inputs, loaded as a real
//! pack, must give the same outputs, or errors of the same kind, in both —
//! with the default size budget and with a tight one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
#[path = "common/generate.rs"]
mod generate;

use common::cases;
use generate::{differential, pack, Gen};
use ordinance_core::Date;
use proptest::prelude::*;

fn fraction() -> impl Strategy<Value = String> {
    prop_oneof![(-30i64..30).prop_map(|n| n.to_string()), (-30i64..30, 1i64..9).prop_map(|(n, d)| format!("{n}/{d}")),]
}

fn inputs() -> impl Strategy<Value = serde_json::Value> {
    (
        -20i64..20,
        fraction(),
        prop_oneof![Just("0".to_string()), fraction()],
        prop::collection::vec(fraction(), 0..5),
        any::<bool>(),
        prop::sample::select(vec!["A", "B", "C", "D"]),
        0i64..300,
        // the optional input `o`: left out, null, or a value
        prop_oneof![Just(None), Just(Some(serde_json::Value::Null)), fraction().prop_map(|f| Some(f.into()))],
    )
        .prop_map(|(a, b, c, xs, flag, cls, day, o)| {
            let d = Date::parse("2024-01-01").unwrap().add_days(day).unwrap();
            let mut input =
                serde_json::json!({"a": a, "b": b, "c": c, "xs": xs, "flag": flag, "cls": cls, "d": d.to_string()});
            if let (Some(o), Some(map)) = (o, input.as_object_mut()) {
                map.insert("o".into(), o);
            }
            input
        })
}

proptest! {
    #![proptest_config(cases(384, "differential"))]

    #[test]
    fn the_evaluator_agrees_with_the_reference_interpreter(
        choices in prop::collection::vec(any::<u32>(), 16..96),
        thresholds in prop::array::uniform3(-10i64..10),
        input in inputs(),
        month in 1u32..=12,
        tight in any::<bool>(),
    ) {
        let mut g = Gen { choices: &choices, i: 0 };
        let formulas = (g.num(3, false, false), g.num(4, false, true), g.boolean(4, false, true));
        let text = pack(&formulas, &thresholds);
        let as_of = Date::from_ymd(2024, month, 15).unwrap();
        // a tight size budget makes the limit itself part of what must agree
        let max_digits = if tight { 12 } else { ordinance_core::number::DEFAULT_MAX_DIGITS };
        let outcome = differential(&text, &input, as_of, max_digits);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
