//! One pass per list: the aggregates of a rule over one list are fused into a
//! single walk (`ordinance_core::expr::fuse`), and the fused evaluation gives
//! what the reference interpreter gives on the steps as written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
#[path = "common/generate.rs"]
mod generate;

use common::cases;
use generate::{differential, HEADER};
use ordinance_core::expr::syntax::AggKind;
use ordinance_core::ruleset::{Body, Ruleset};
use ordinance_core::{Date, Engine};
use proptest::prelude::*;

/// (list slot, members) of every pass of a rule.
fn passes(rs: &Ruleset, rule: &str) -> Vec<(usize, Vec<AggKind>)> {
    let (_, r) = rs.rule(rule).unwrap();
    match &r.body {
        Body::Formula { passes, .. } => {
            passes.iter().map(|p| (p.list, p.members.iter().map(|m| m.kind).collect())).collect()
        }
        Body::Table(_) | Body::Versions(_) => Vec::new(),
    }
}

#[test]
fn planned_inspections_walks_each_list_once() {
    let engine = Engine::from_files(&common::pack_with_calendar("energy_safety")).unwrap();
    let rs = engine.snapshot();
    let p = passes(&rs, "energy_safety.planned_inspections");
    // two walks: the roster (input 0) and the `visits` step (slot 1)
    let lists: Vec<usize> = p.iter().map(|(l, _)| *l).collect();
    assert_eq!(lists, vec![0, 1], "{p:?}");
    // roster: the `visits` comprehension itself, 4 classes and the 4 × 5
    // cells of the sector × class table (unrolled over the 5 sectors)
    assert_eq!(p[0].1.len(), 1 + 4 + 4 * 5, "{p:?}");
    assert_eq!(p[0].1[0], AggKind::List);
    // visits: total, 5 sectors, 4 classes and the 5 rows of the table
    assert_eq!(p[1].1.len(), 1 + 5 + 4 + 5, "{p:?}");
}

const MANY: &str = "rules:
  many:
    cite: {clause: c, quote: q}
    inputs: {a: integer, xs: {list: number}, flag: bool}
    let:
      big: count(x in xs where x > a)
      half: sum(x / 2 for x in xs)
    formula:
      total: sum(x for x in xs) + half
      least: min(x for x in xs where x >= big)
      most: max(x * a for x in xs where flag or x < 0)
      some: any(x == a for x in xs)
      every: all(x > half - 100 for x in xs)
      picked: '[x + big for x in xs where x != 0]'
      table: '[{k: k, n: count(x in xs where x > k), s: sum(x for x in xs where x <= k)} for k in [0, 1, 2]]'
";

proptest! {
    #![proptest_config(cases(256, "fusion"))]

    #[test]
    fn fused_aggregates_agree_with_the_reference(
        a in -5i64..5,
        xs in prop::collection::vec(-6i64..6, 0..8),
        flag in any::<bool>(),
    ) {
        // `differential` evaluates the rule `probe`
        let text = format!("{HEADER}{MANY}").replacen("  many:", "  probe:", 1);
        let input = serde_json::json!({"a": a, "xs": xs, "flag": flag});
        let outcome = differential(&text, &input, Date::from_ymd(2024, 3, 1).unwrap(), 5000);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}

#[test]
fn a_rule_with_many_aggregates_over_one_list_has_one_pass() {
    let text = format!("{HEADER}{MANY}");
    let rs =
        ordinance_core::loader::load(&[ordinance_core::loader::SourceFile { path: "t.yaml".into(), text }]).unwrap();
    let p = passes(&rs, "t.many");
    // every aggregate over xs (slot 1) is in it: 2 in the lets, 6 in the
    // outputs, and 2 for each k of the table, which is unrolled
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 1);
    assert_eq!(p[0].1.len(), 2 + 6 + 2 * 3, "{p:?}");
}

/// Aggregates over a roster of records whose filters compare the element's
/// fields with constants — tested on the element in place — beside filters
/// that are not only that (a comparison with an input, `or`, arithmetic),
/// tested the general way; and a rule called for every element, on
/// arguments that repeat (past the first calls, their outputs are kept and
/// reused).
const ROSTER: &str = "rules:
  probe:
    cite: {clause: c, quote: q}
    inputs:
      roster: {list: {record: {sector: {enum: [coal, power, wind]}, class: {enum: [A, B, C]}, n: integer}}}
      k: integer
    formula:
      power: count(e in roster where e.sector == \"power\")
      not_coal: sum(e.n for e in roster where e.sector != \"coal\")
      cells: '[{s: s, A: count(e in roster where e.sector == s and e.class == \"A\"), n: sum(e.n for e in roster where e.sector == s and e.class != \"C\" and e.n == 2)} for s in [\"coal\", \"power\", \"wind\"]]'
      mixed: sum(e.n for e in roster where e.sector == \"wind\" and e.n > k)
      either: count(e in roster where e.class == \"A\" or e.class == \"B\")
      biggest: max(e.n for e in roster where e.class == \"B\" and e.sector != \"wind\")
      threes: count(e in roster where e.n == 3)
      calls: '[inner(x = e.n, c = e.class).y for e in roster]'
      call_records: '[inner(x = e.n + k, c = e.class) for e in roster]'
  inner:
    cite: {clause: c, quote: q}
    inputs: {x: integer, c: {enum: [A, B, C]}}
    formula:
      y: 'if c == \"A\" then x * 2 else x - 1'
      z: x * x
";

fn roster_row() -> impl Strategy<Value = serde_json::Value> {
    (0usize..3, 0usize..3, -3i64..5).prop_map(|(s, c, n)| {
        let (sector, class) = (["coal", "power", "wind"][s], ["A", "B", "C"][c]);
        serde_json::json!({"sector": sector, "class": class, "n": n})
    })
}

proptest! {
    #![proptest_config(cases(256, "fusion"))]

    #[test]
    fn filters_on_fields_agree_with_the_reference(
        roster in prop::collection::vec(roster_row(), 0..40),
        k in -2i64..4,
    ) {
        let text = format!("{HEADER}{ROSTER}");
        let input = serde_json::json!({"roster": roster, "k": k});
        let outcome = differential(&text, &input, Date::from_ymd(2024, 3, 1).unwrap(), 5000);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
