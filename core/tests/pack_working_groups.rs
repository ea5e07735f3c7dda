//! Properties of the working-groups pack: the weekly dispatch bound (7 days,
//! inclusive) on pairs and on whole logs in any order, the meeting convenor
//! rule over every combination of role and delegation, the 11-digit bound,
//! and the document-number order check against an independent reference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{flag, int, pack_engine, parse_date};
use indexmap::IndexMap;
use ordinance_core::Value;
use proptest::prelude::*;
use serde_json::json;

/// A rule of the working-groups pack alone, as of 2024-06-30.
fn eval(rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval(pack_engine("working_groups"), &format!("working_groups.{rule}"), input)
}

#[test]
fn dispatch_gap_bound_and_one_day_either_side() {
    let ok = |days: i64| {
        let p = parse_date("2024-02-05");
        let n = p.add_days(days).unwrap();
        flag(&eval("hsr_dispatch_gap", &json!({"previous": p.to_string(), "next": n.to_string()}))["ok"])
    };
    assert!(ok(6) && ok(7) && !ok(8));
}

#[test]
fn convenor_is_the_leader_or_a_delegated_deputy() {
    for role in ["leader", "deputy_leader", "member", "office_director", "other"] {
        for delegated in [false, true] {
            let out = eval("meeting_convenor_valid", &json!({"role": role, "delegated_by_leader": delegated}));
            let want = role == "leader" || (role == "deputy_leader" && delegated);
            assert_eq!(flag(&out["valid"]), want, "{role}, delegated {delegated}");
        }
    }
}

#[test]
fn eleven_digits_exactly() {
    let bad = |p: i64| {
        let out = eval("phone_digits", &json!({"phones": [p]}));
        !flag(&out["all_valid"])
    };
    assert!(bad(9_999_999_999) && !bad(10_000_000_000));
    assert!(!bad(99_999_999_999) && bad(100_000_000_000));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dispatch_log_matches_a_reference(mut offsets in proptest::collection::vec(0i64..120, 1..12), extra in 0i64..12, rotate in 0usize..12) {
        let start = parse_date("2024-02-01");
        offsets.sort_unstable();
        offsets.dedup();
        let max_gap = offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        let last = *offsets.last().unwrap();
        // the log may come in any order
        let mut shuffled = offsets.clone();
        let r = rotate % shuffled.len();
        shuffled.rotate_left(r);
        shuffled.reverse();
        let dates: Vec<String> = shuffled.iter().map(|k| start.add_days(*k).unwrap().to_string()).collect();
        let on = start.add_days(last + extra).unwrap();
        let out = eval("hsr_dispatch_log", &json!({"dispatches": dates, "on": on.to_string()}));
        prop_assert_eq!(int(&out["max_gap_days"]), max_gap);
        prop_assert_eq!(flag(&out["gaps_ok"]), max_gap <= 7);
        prop_assert_eq!(int(&out["days_since_last"]), extra);
        prop_assert_eq!(flag(&out["ok"]), max_gap <= 7 && extra <= 7);
    }

    #[test]
    fn digit_check_is_the_decimal_length(p in 1i64..1_000_000_000_000) {
        let out = eval("phone_digits", &json!({"phones": [p]}));
        prop_assert_eq!(flag(&out["all_valid"]), p.to_string().len() == 11);
    }

    #[test]
    fn doc_sequence_matches_a_reference(docs in proptest::collection::vec((0usize..2, 1i64..20, 0i64..90), 0..10)) {
        let series = ["东政发", "东政办发"];
        let start = parse_date("2024-01-01");
        let json_docs: Vec<serde_json::Value> = docs
            .iter()
            .map(|(s, n, k)| json!({"series": series[*s], "number": n, "issued": start.add_days(*k).unwrap().to_string()}))
            .collect();
        let violating = docs
            .iter()
            .filter(|(s, n, k)| docs.iter().any(|(s2, n2, k2)| s2 == s && n2 > n && k2 < k))
            .count();
        let out = eval("doc_sequence", &json!({"docs": json_docs}));
        prop_assert_eq!(flag(&out["ok"]), violating == 0);
        match out.get("violations") {
            Some(Value::List(v)) => prop_assert_eq!(v.len(), violating),
            other => panic!("violations: {other:?}"),
        }
    }
}
