//! Times of day and durations: `time` values (`09:30`) and `duration`
//! values (ISO 8601 `PT2H30M`), their functions, comparisons and ordering,
//! inputs and outputs as text, located errors, properties (a duration added
//! and measured back is itself; the units convert exactly), and the
//! evaluator held to the reference interpreter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
#[path = "common/generate.rs"]
mod generate;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Date, EvalOptions};
use proptest::prelude::*;
use serde_json::json;

const HEAD: &str =
    "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\n";

/// `t.probe` over a datetime `at`, a time of day `open` and a duration
/// `wait` (and an integer `k`), giving `y` by `formula`.
fn probe(formula: &str) -> String {
    format!(
        "{HEAD}rules:\n  probe:\n    cite: {{clause: c, quote: q}}\n    inputs: {{at: datetime, open: time, wait: duration, k: integer}}\n    formula:\n      y: '{formula}'\n"
    )
}

fn input(at: &str, open: &str, wait: &str, k: i64) -> serde_json::Value {
    json!({"at": at, "open": open, "wait": wait, "k": k})
}

fn y_on(formula: &str, input: &serde_json::Value) -> Result<serde_json::Value, String> {
    let rs = load(&[SourceFile { path: "t.yaml".into(), text: probe(formula) }]).map_err(|e| e.to_string())?;
    let opts = EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 1).unwrap()), ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(&rs, "t.probe", input, &opts)
        .map(|d| d.to_json()["outputs"]["y"].clone())
        .map_err(|e| e.to_string())
}

fn y(formula: &str) -> serde_json::Value {
    y_on(formula, &input("2024-05-01T23:30", "09:00", "PT2H30M", 3)).unwrap_or_else(|e| json!(format!("error: {e}")))
}

#[test]
fn times_and_durations_compute_and_print_as_written() {
    assert_eq!(y("add_duration(at, wait)"), json!("2024-05-02T02:00"));
    assert_eq!(y("time_of(add_duration(at, wait))"), json!("02:00"));
    assert_eq!(y("at_time(2024-05-02, open)"), json!("2024-05-02T09:00"));
    assert_eq!(y("duration_between(at, at_time(2024-05-02, open))"), json!("PT9H30M"));
    assert_eq!(y("duration_between(open, time(8, 15))"), json!("-PT45M"));
    assert_eq!(y("in_hours(wait)"), json!("2.5"));
    assert_eq!(y("in_minutes(add_duration(wait, days(k)))"), json!(4470));
    assert_eq!(y("hours(1.5)"), json!("PT1H30M"));
    assert_eq!(y("days(1/3)"), json!("PT8H"));
    // comparisons and ordering within one type
    assert_eq!(y("open < time(9, 30) and wait > hours(2)"), json!(true));
    assert_eq!(y("max(wait, minutes(200), hours(k))"), json!("PT3H20M"));
    assert_eq!(y("sort([hours(k), wait, minutes(5)])"), json!(["PT5M", "PT2H30M", "PT3H"]));
    // “24小时内”: within 24 hours of the report
    assert_eq!(y("duration_between(at, 2024-05-02T22:00) <= hours(24)"), json!(true));
    assert_eq!(y("text_of(wait)"), json!("PT2H30M"));
}

#[test]
fn wrong_times_are_clear_errors() {
    // inputs
    for (open, wait, want) in [
        ("9:00", "PT1H", "input `open`: `9:00` is not a time of day; write HH:MM"),
        ("24:00", "PT1H", "`24:00` has no such time of day"),
        ("09:00", "P1M", "months have no fixed length"),
        ("09:00", "2h", "`2h` is not a duration"),
    ] {
        let e = y_on("k", &input("2024-05-01T23:30", open, wait, 1)).unwrap_err();
        assert!(e.contains(want), "{open} {wait}: {e}");
    }
    // evaluation: a fraction of a second, a time that does not exist
    let e = y_on("hours(1/7)", &input("2024-05-01T23:30", "09:00", "PT1H", 1)).unwrap_err();
    assert!(e.contains("is not a whole number of seconds") && e.contains("t.yaml:10:11"), "{e}");
    let e = y_on("time(k, 0)", &input("2024-05-01T23:30", "09:00", "PT1H", 25)).unwrap_err();
    assert!(e.contains("25:00 is not a time of day"), "{e}");
    // load: types that do not mix
    for (formula, want) in [
        ("open < at", "`<` orders numbers, dates or texts, not time and datetime"),
        ("add_duration(open, wait)", "adds to a date, a datetime or a span of the same kind, found time"),
        ("add_duration(at, 30)", "adds a duration or years and months, found integer"),
        ("duration_between(open, at)", "needs two values of one type: time and datetime"),
        ("in_hours(open)", "needs a duration here, found time"),
    ] {
        let e = y_on(formula, &input("2024-05-01T23:30", "09:00", "PT1H", 1)).unwrap_err();
        assert!(e.contains("t.yaml:10:") && e.contains(want), "{formula}: {e}");
    }
}

fn iso(secs: i64) -> String {
    ordinance_core::date::Duration::from_secs(secs).unwrap().to_string()
}

proptest! {
    #![proptest_config(common::cases(128, "times"))]

    /// A duration added to a datetime and measured back is itself; the
    /// units convert exactly; the ISO text reads back to the same duration.
    #[test]
    fn durations_round_trip(secs in -400_000i64..400_000, minute in 0i64..1440, k in -50i64..50) {
        let at = format!("2024-03-10T{:02}:{:02}", minute / 60, minute % 60);
        let i = input(&at, "09:00", &iso(secs), k);
        prop_assert_eq!(y_on("duration_between(at, add_duration(at, wait)) == wait", &i).unwrap(), json!(true));
        prop_assert_eq!(y_on("in_minutes(minutes(k)) == k and in_hours(hours(k)) == k and in_days(days(k)) == k", &i).unwrap(), json!(true));
        prop_assert_eq!(y_on("(wait < minutes(k)) == (in_minutes(wait) < k)", &i).unwrap(), json!(true));
        let parsed = ordinance_core::date::Duration::parse(&iso(secs)).unwrap();
        prop_assert_eq!(parsed.seconds(), secs);
    }

    /// Both evaluators agree on time and duration formulas, errors included.
    #[test]
    fn the_evaluators_agree_on_times(secs in -200_000i64..200_000, k in -30i64..30, pick in 0usize..6) {
        let formula = [
            "in_minutes(duration_between(at_time(date_of(at), open), add_duration(at, wait)))",
            "time_of(add_duration(at, minutes(k * 37))) < open",
            "in_hours(add_duration(wait, hours(k / 7)))",
            "max(wait, hours(k))",
            "duration_between(open, time_of(at)) > wait",
            "time(k, 30)",
        ][pick];
        let outcome = generate::differential(&probe(formula), &input("2024-05-01T23:30", "09:00", &iso(secs), k), Date::from_ymd(2024, 6, 1).unwrap(), 2000);
        prop_assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
    }
}
