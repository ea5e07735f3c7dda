//! The trace records a step once and counts its repeats (a rule called for
//! every item of a list): whatever the order and number of calls, each
//! distinct call appears once, in the order of its first call, with the
//! number of times it happened — for short traces (searched step by step)
//! and long ones (searched through an index) alike.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Date, EvalOptions};
use proptest::prelude::*;

const PACK: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  inner:\n    cite: {clause: c, quote: q}\n    inputs: {x: integer}\n    formula:\n      y: x * 2\n  outer:\n    cite: {clause: c, quote: q}\n    inputs: {xs: {list: integer}}\n    formula:\n      total: sum(inner(x = k).y for k in xs)\n";

proptest! {
    #![proptest_config(common::cases(64, "trace_counts"))]

    #[test]
    fn each_distinct_call_is_one_step_counted(xs in proptest::collection::vec(0i64..60, 0..200)) {
        let rs = load(&[SourceFile { path: "t.yaml".into(), text: PACK.into() }]).unwrap();
        let opts = EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 1).unwrap()), trace: true, ..EvalOptions::default() };
        let d = ordinance_core::engine::evaluate_in(&rs, "t.outer", &serde_json::json!({"xs": xs}), &opts).unwrap();
        let calls: Vec<(String, u64)> = d
            .trace
            .iter()
            .filter(|e| e.rule == "t.inner" && e.depth == 1)
            .map(|e| (e.detail.clone(), e.count))
            .collect();
        // the plain account: distinct arguments in order of first call, counted
        let mut want: Vec<(String, u64)> = Vec::new();
        for x in &xs {
            let detail = format!("x = {x}");
            match want.iter_mut().find(|(d, _)| *d == detail) {
                Some((_, n)) => *n += 1,
                None => want.push((detail, 1)),
            }
        }
        prop_assert_eq!(calls, want);
    }
}
