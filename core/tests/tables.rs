//! Decision tables: every hit policy (`unique`, `first`, `priority`, `any`,
//! `collect` with and without an aggregator, `rule_order`, `output_order`),
//! the defaults each honours or refuses, and completeness proved at load —
//! a gap between numeric or date ranges is a located error naming a value
//! no row covers, found exactly (a property test checks the finding both
//! ways against a brute-force search).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::ruleset::Ruleset;
use ordinance_core::{Date, EvalOptions, Value};
use proptest::prelude::*;

const HEADER: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n";

fn pack(body: &str) -> Result<Ruleset, String> {
    load(&[SourceFile { path: "t.yaml".into(), text: format!("{HEADER}{body}") }]).map_err(|e| e.to_string())
}

fn eval(rs: &Ruleset, rule: &str, input: serde_json::Value) -> Result<Vec<(String, Value)>, String> {
    let opts = EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 1).unwrap()), ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(rs, rule, &input, &opts)
        .map(|d| d.outputs.into_iter().collect())
        .map_err(|e| e.to_string())
}

fn out(rs: &Ruleset, rule: &str, n: i64) -> String {
    match eval(rs, rule, serde_json::json!({"n": n})) {
        Ok(vs) => vs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "),
        Err(e) => format!("error: {e}"),
    }
}

/// Four overlapping rows over `n`: below 10 → low/1, 5..20 → high/2, above 0
/// → mid/3, 15 and up → high/4.
fn ranked(hit: &str, default: &str) -> String {
    format!(
        "  r:
    cite: {{clause: c, quote: q}}
    inputs: {{n: integer}}
    outputs: {{tier: {{enum: [high, mid, low]}}, score: integer}}
    table:
      hit: {hit}
      rows:
        - {{when: {{n: {{\"<\": 10}}}}, then: {{tier: low, score: 1}}}}
        - {{when: {{n: {{\">=\": 5, \"<=\": 20}}}}, then: {{tier: high, score: 2}}}}
        - {{when: {{n: {{\">\": 0}}}}, then: {{tier: mid, score: 3}}}}
        - {{when: {{n: {{\">=\": 15}}}}, then: {{tier: high, score: 4}}}}
{default}"
    )
}

#[test]
fn first_priority_rule_order_and_output_order() {
    let rs = pack(&ranked("first", "      default: {tier: low, score: 0}\n")).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "tier=low score=1");
    assert_eq!(out(&rs, "t.r", 0), "tier=low score=1");
    let rs = pack(&ranked("priority", "      default: {tier: low, score: 0}\n")).unwrap();
    // 7 matches rows 1 (low), 2 (high), 3 (mid): high wins
    assert_eq!(out(&rs, "t.r", 7), "tier=high score=2");
    // 30 matches rows 3 (mid) and 4 (high)
    assert_eq!(out(&rs, "t.r", 30), "tier=high score=4");
    // 17 matches rows 2 and 4, both high: the earlier row
    assert_eq!(out(&rs, "t.r", 17), "tier=high score=2");
    assert_eq!(out(&rs, "t.r", 3), "tier=mid score=3");
    let rs = pack(&ranked("rule_order", "")).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "tier=[low, high, mid] score=[1, 2, 3]");
    let rs = pack(&ranked("output_order", "")).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "tier=[high, mid, low] score=[2, 3, 1]");
    assert_eq!(out(&rs, "t.r", 17), "tier=[high, high, mid] score=[2, 4, 3]");
    assert_eq!(out(&rs, "t.r", -5), "tier=[low] score=[1]");
}

#[test]
fn collect_with_and_without_an_aggregator() {
    let collect = |agg: &str, default: &str| {
        format!(
            "  r:
    cite: {{clause: c, quote: q}}
    inputs: {{n: integer}}
    outputs: {{score: number}}
    table:
      hit: collect
{agg}      rows:
        - {{when: {{n: {{\"<\": 10}}}}, then: {{score: 1/2}}}}
        - {{when: {{n: {{\">=\": 5, \"<=\": 20}}}}, then: {{score: -2}}}}
        - {{when: {{n: {{\">\": 0}}}}, then: {{score: 3}}}}
{default}"
        )
    };
    let rs = pack(&collect("", "")).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "score=[0.5, -2, 3]");
    assert_eq!(out(&rs, "t.r", 30), "score=[3]");
    let rs = pack(&collect("      aggregate: sum\n", "")).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "score=1.5");
    let rs = pack(&collect("      aggregate: count\n", "")).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "score=3");
    assert_eq!(out(&rs, "t.r", 25), "score=1");
    let rs = pack(&collect("      aggregate: min\n", "      default: {score: 99}\n")).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "score=-2");
    let rs = pack(&collect("      aggregate: max\n", "      default: {score: 99}\n")).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "score=3");
    // min without a default must cover every value: n ≤ 0 … is covered by row 1
    let rs = pack(&collect("      aggregate: min\n", "")).unwrap();
    assert_eq!(out(&rs, "t.r", -3), "score=0.5");
}

#[test]
fn any_needs_agreement() {
    let body = "  r:
    cite: {clause: c, quote: q}
    inputs: {n: integer}
    outputs: {ok: bool}
    table:
      hit: any
      rows:
        - {when: {n: {\"<\": 10}}, then: {ok: true}}
        - {when: {n: {\">=\": 5, \"<\": 10}}, then: {ok: true}}
        - {when: {n: {\">=\": 10}}, then: {ok: false}}
";
    let rs = pack(body).unwrap();
    assert_eq!(out(&rs, "t.r", 7), "ok=true");
    assert_eq!(out(&rs, "t.r", 12), "ok=false");
    // overlapping rows that disagree are refused at load, with both rows named
    let e =
        pack(&body.replace("{n: {\">=\": 10}}, then: {ok: false}", "{n: {\">=\": 8}}, then: {ok: false}")).unwrap_err();
    assert!(e.contains("rows 1 and 3 of `t.r` overlap with different outputs, but the hit policy is any"), "{e}");
}

#[test]
fn defaults_are_refused_where_they_mean_nothing() {
    for (hit, words) in [
        ("rule_order", "`hit: rule_order` gives empty lists"),
        ("output_order", "`hit: output_order` gives empty lists"),
        ("collect", "`hit: collect` gives empty lists"),
    ] {
        let e = pack(&ranked(hit, "      default: {tier: low, score: 0}\n")).unwrap_err();
        assert!(e.contains("the table's `default` is never used") && e.contains(words), "{hit}: {e}");
        assert!(e.starts_with("t.yaml:"), "located: {e}");
    }
    let e = pack(
        &ranked("collect", "      aggregate: count\n      default: {tier: low, score: 0}\n")
            .replace("tier: {enum: [high, mid, low]}, ", ""),
    )
    .unwrap_err();
    assert!(e.contains("never used"), "{e}");
}

#[test]
fn policy_and_aggregate_errors_are_located_with_a_hint() {
    let e = pack(&ranked("priorty", "")).unwrap_err();
    assert!(e.contains("unknown hit policy `priorty`") && e.contains("did you mean `priority`?"), "{e}");
    let e = pack(&ranked("first", "      aggregate: sum\n")).unwrap_err();
    assert!(e.contains("`aggregate` goes with `hit: collect`, not `hit: first`"), "{e}");
    let e = pack(&ranked("collect", "      aggregate: sum\n")).unwrap_err();
    assert!(e.contains("`aggregate: sum` cannot combine output `tier`"), "{e}");
    let e = pack(&ranked("priority", "").replace("{enum: [high, mid, low]}", "text")).unwrap_err();
    assert!(e.contains("`hit: priority` ranks rows by an output's enum values"), "{e}");
}

/// Income-tax brackets on `taxable`, in the text's words: 不超过36000元 (≤),
/// 超过36000元至144000元 (> and ≤), 超过144000元 (>).
fn brackets(first: &str, second: &str) -> String {
    format!(
        "  r:
    cite: {{clause: c, quote: q}}
    inputs: {{taxable: number}}
    outputs: {{rate: number}}
    table:
      hit: unique
      rows:
        - {{when: {{taxable: {first}}}, then: {{rate: 3%}}}}
        - {{when: {{taxable: {second}}}, then: {{rate: 10%}}}}
        - {{when: {{taxable: {{\">\": 144000}}}}, then: {{rate: 20%}}}}
"
    )
}

#[test]
fn a_gap_between_ranges_is_a_located_error_naming_a_value() {
    // complete: ≤ 36000, (36000, 144000], > 144000
    assert!(pack(&brackets("{\"<=\": 36000}", "{\">\": 36000, \"<=\": 144000}")).is_ok());
    // 36000 itself is in no row
    let e = pack(&brackets("{\"<\": 36000}", "{\">\": 36000, \"<=\": 144000}")).unwrap_err();
    assert!(e.contains("no row of `t.r` covers taxable = 36000"), "{e}");
    assert!(e.starts_with("t.yaml:11:12: error:"), "at `hit:`: {e}");
    // the open interval (36000, 36001) is in no row: its midpoint is named
    let e = pack(&brackets("{\"<=\": 36000}", "{\">=\": 36001, \"<=\": 144000}")).unwrap_err();
    assert!(e.contains("no row of `t.r` covers taxable = 36000.5"), "{e}");
    // an integer input has no value there, so that table is complete
    let ints =
        brackets("{\"<=\": 36000}", "{\">=\": 36001, \"<=\": 144000}").replace("taxable: number", "taxable: integer");
    assert!(pack(&ints).is_ok(), "no integer lies strictly between 36000 and 36001");
    // a missing top or bottom
    let e = pack(&brackets("{\">=\": 0, \"<=\": 36000}", "{\">\": 36000, \"<=\": 144000}")).unwrap_err();
    assert!(e.contains("covers taxable = -1"), "{e}");
    // a default makes any table complete
    let with_default =
        format!("{}      default: {{rate: 0}}\n", brackets("{\"<\": 36000}", "{\">\": 36000, \"<=\": 144000}"));
    assert!(pack(&with_default).is_ok());
}

#[test]
fn a_gap_between_date_ranges() {
    let body = |second: &str| {
        format!(
            "  r:
    cite: {{clause: c, quote: q}}
    inputs: {{on: date}}
    outputs: {{half: integer}}
    table:
      hit: first
      rows:
        - {{when: {{on: {{\"<=\": 2024-06-30}}}}, then: {{half: 1}}}}
        - {{when: {{on: {second}}}, then: {{half: 2}}}}
"
        )
    };
    assert!(pack(&body("{\">=\": 2024-07-01}")).is_ok(), "days are whole: nothing lies between 06-30 and 07-01");
    let e = pack(&body("{\">=\": 2024-07-02}")).unwrap_err();
    assert!(e.contains("covers on = 2024-07-01"), "{e}");
}

#[test]
fn ranges_over_times_of_day_and_durations_with_their_gaps_found_to_the_second() {
    let body = |second: &str| {
        format!(
            "  r:
    cite: {{clause: c, quote: q}}
    inputs: {{at: time, took: duration}}
    outputs: {{shift: text}}
    table:
      hit: unique
      rows:
        - {{when: {{at: {{\"<\": \"08:00\"}}}}, then: {{shift: night}}}}
        - {{when: {{at: {{\">=\": \"08:00\", \"<\": \"16:00\"}}}}, then: {{shift: day}}}}
        - {{when: {{at: {second}, took: {{\"<=\": \"PT2H\"}}}}, then: {{shift: evening}}}}
        - {{when: {{at: {second}, took: {{\">\": \"PT2H\"}}}}, then: {{shift: evening_long}}}}
"
        )
    };
    let rs = pack(&body("{\">=\": \"16:00\"}")).unwrap();
    let shift =
        |at: &str, took: &str| eval(&rs, "t.r", serde_json::json!({"at": at, "took": took})).unwrap()[0].1.to_string();
    assert_eq!(shift("07:59:59", "PT1H"), "night");
    assert_eq!(shift("08:00", "PT1H"), "day");
    assert_eq!(shift("15:59:59", "PT1H"), "day");
    assert_eq!(shift("16:00", "PT2H"), "evening", "<= PT2H includes two hours");
    assert_eq!(shift("16:00", "PT2H0M1S"), "evening_long");
    // a second left uncovered is found, named to the second
    let e = pack(&body("{\">\": \"16:00\"}")).unwrap_err();
    assert!(e.contains("at = 16:00"), "{e}");
    let e = pack(&body("{\">=\": \"16:00:01\"}")).unwrap_err();
    assert!(e.contains("at = 16:00"), "{e}");
    // a range over text is still refused, naming the types a range takes
    let e = pack(
        "  r:\n    cite: {clause: c, quote: q}\n    inputs: {name: text}\n    outputs: {x: integer}\n    table:\n      hit: first\n      rows:\n        - {when: {name: {\">=\": a}}, then: {x: 1}}\n",
    )
    .unwrap_err();
    assert!(e.contains("time, duration or years_months"), "{e}");
}

/// A table of rows `[lo, hi]` with chosen inclusivity over a number input,
/// with `unique` replaced by `first` (overlaps allowed).
fn random_table(rows: &[(i64, i64, bool, bool)]) -> String {
    let mut s = String::from(
        "  r:\n    cite: {clause: c, quote: q}\n    inputs: {x: number}\n    outputs: {k: integer}\n    table:\n      hit: first\n      rows:\n",
    );
    for (k, &(a, span, lo_in, hi_in)) in rows.iter().enumerate() {
        let lo = if lo_in { ">=" } else { ">" };
        let hi = if hi_in { "<=" } else { "<" };
        let b = a + span;
        let cond = match k % 4 {
            0 if k == 0 => format!("{{\"{hi}\": {b}}}"),
            _ => format!("{{\"{lo}\": {a}, \"{hi}\": {b}}}"),
        };
        s.push_str(&format!("        - {{when: {{x: {cond}}}, then: {{k: {k}}}}}\n"));
    }
    s.push_str("        - {when: {x: {\">=\": 40}}, then: {k: 99}}\n");
    s
}

proptest! {
    #![proptest_config(common::cases(200, "tables"))]

    /// The loader's gap finding is exact: when it names a value, no row
    /// covers that value (evaluation finds no match); when it finds none,
    /// every point of a grid of quarters over the whole range is covered.
    #[test]
    fn gap_findings_are_sound_and_complete(rows in proptest::collection::vec((-20i64..40, 1i64..12, any::<bool>(), any::<bool>()), 1..6)) {
        let body = random_table(&rows);
        match pack(&body) {
            Ok(rs) => {
                for q in -100..200 {
                    let x = format!("{}/4", q);
                    let r = eval(&rs, "t.r", serde_json::json!({"x": x}));
                    prop_assert!(r.is_ok(), "loaded as complete, but x = {} matches no row: {:?}\n{}", x, r, body);
                }
            }
            Err(e) => {
                let marker = "covers x = ";
                let at = e.find(marker).unwrap_or_else(|| panic!("an unexpected load error: {e}\n{body}"));
                let value: String = e[at + marker.len()..].chars().take_while(|c| !c.is_whitespace()).collect();
                let rs = pack(&format!("{body}      default: {{k: -1}}\n")).unwrap();
                let r = eval(&rs, "t.r", serde_json::json!({"x": value})).unwrap();
                prop_assert_eq!(r[0].1.to_string(), "-1", "the value named, {}, is covered by a row\n{}", value, body);
            }
        }
    }
}
