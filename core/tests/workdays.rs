//! Working days by a holiday calendar given as pack data
//! (`rules/cn_workdays_2024.yaml`, the State Council's 2024 notice): the
//! laws of the three functions as properties over the whole year, the
//! year's count, and the load errors of a calendar written wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Date, EvalOptions, Value};
use proptest::prelude::*;

fn engine() -> &'static ordinance_core::Engine {
    common::pack_engine("cn_workdays_2024")
}

fn opts() -> EvalOptions {
    EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 30).unwrap()), ..EvalOptions::default() }
}

fn day(k: i64) -> Date {
    Date::from_ymd(2024, 1, 1).unwrap().add_days(k).unwrap()
}

fn between(a: Date, b: Date) -> i64 {
    let d = engine()
        .evaluate(
            "cn_workdays_2024.working_days",
            &serde_json::json!({"from": a.to_string(), "to": b.to_string()}),
            &opts(),
        )
        .unwrap();
    common::int(&d.outputs["days"])
}

fn works(d: Date) -> bool {
    let out =
        engine().evaluate("cn_workdays_2024.workday", &serde_json::json!({"day": d.to_string()}), &opts()).unwrap();
    out.outputs["working"] == Value::Bool(true)
}

fn deadline(d: Date, n: i64) -> Result<Date, String> {
    engine()
        .evaluate("cn_workdays_2024.deadline", &serde_json::json!({"start": d.to_string(), "working_days": n}), &opts())
        .map(|x| match &x.outputs["last_day"] {
            Value::Date(d) => *d,
            other => panic!("{other}"),
        })
        .map_err(|e| e.to_string())
}

#[test]
fn the_year_by_months() {
    // 2024 month by month by the notice: the parts add up to the 251 of the year
    let months: Vec<i64> = (1..=12u32)
        .map(|m| {
            let first = Date::from_ymd(2024, m, 1).unwrap();
            let last = Date::from_ymd(2024, m, ordinance_core::date::days_in_month(2024, m)).unwrap();
            between(first, last)
        })
        .collect();
    assert_eq!(months.iter().sum::<i64>(), between(day(0), day(365)));
    assert_eq!(between(day(0), day(365)), 251);
    // February: 21 weekdays, 5 of them in the Spring Festival, and two Sundays worked
    assert_eq!(months[1], 21 - 5 + 2);
}

proptest! {
    #![proptest_config(common::cases(64, "workdays"))]

    /// Counting is additive over adjacent periods, and an empty period has
    /// no working day.
    #[test]
    fn counts_add_up(a in 0i64..366, m in 0i64..366, b in 0i64..366) {
        let (a, m, b) = { let mut v = [a, m, b]; v.sort(); (v[0], v[1], v[2]) };
        if m < 365 {
            prop_assert_eq!(between(day(a), day(m)) + between(day(m + 1), day(b.max(m + 1))), between(day(a), day(b.max(m + 1))));
        }
        if b > a {
            prop_assert_eq!(between(day(b), day(a)), 0);
        }
        prop_assert_eq!(between(day(a), day(a)), i64::from(works(day(a))));
    }

    /// The n-th working day after d is a working day, exactly n working
    /// days after d; going back n from it returns to d when d is one.
    #[test]
    fn deadlines_count_working_days(k in 0i64..366, n in 1i64..20) {
        match deadline(day(k), n) {
            Ok(end) => {
                prop_assert!(works(end));
                prop_assert_eq!(between(day(k).add_days(1).unwrap(), end), n);
                if works(day(k)) {
                    prop_assert_eq!(deadline(end, -n).unwrap(), day(k));
                }
            }
            Err(e) => prop_assert!(e.contains("outside the working-day calendar"), "{}", e),
        }
        prop_assert_eq!(deadline(day(k), 0).unwrap(), day(k));
    }
}

const HEADER: &str =
    "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\n";

fn load_err(body: &str) -> String {
    load(&[SourceFile { path: "t.yaml".into(), text: format!("{HEADER}{body}") }]).unwrap_err().to_string()
}

#[test]
fn calendar_errors_are_located() {
    let cal = |holidays: &str, workdays: &str| {
        format!("calendar:\n  covers: {{from: 2024-01-01, until: 2024-12-31}}\n  holidays: {holidays}\n  workdays: {workdays}\n  cite: {{clause: c, quote: q}}\n")
    };
    let e = load_err(&cal("[2024-01-01]", "[2024-02-05]"));
    assert!(e.contains("t.yaml:8:") && e.contains("2024-02-05 is a weekday"), "{e}");
    let e = load_err(&cal("[2025-01-01]", "[]"));
    assert!(e.contains("2025-01-01 lies outside the period the calendar covers"), "{e}");
    let e = load_err(&cal("[2024-02-17..2024-02-10]", "[]"));
    assert!(e.contains("ends before it starts"), "{e}");
    let e = load_err(&cal("[2024-02-10..2024-02-17]", "[2024-02-17]"));
    assert!(e.contains("both as a holiday and as a working day"), "{e}");
    let e = load_err("calendar: cn_workdays\nrules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {d: date}\n    formula: {w: is_workday(d)}\n");
    assert!(e.contains("no pack `cn_workdays` defines a working-day calendar"), "{e}");
    let e = load_err(
        "rules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {d: date}\n    formula: {w: is_workday(d)}\n",
    );
    assert!(e.contains("`is_workday` needs a working-day calendar, and this pack has none"), "{e}");
}
