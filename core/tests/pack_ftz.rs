//! Properties of the FTZ pack (东政发〔2024〕9号): a task's status is monotone
//! in time (once overdue, always overdue; open → due this month → overdue,
//! never back), the monthly report date is a real date inside its month in
//! every month of 2024–2026 (the 30th, or the last day when there is none),
//! and the meeting and report bounds are inclusive as read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{date, flag, pack_engine, parse_date, text};
use indexmap::IndexMap;
use ordinance_core::{Date, Value};
use proptest::prelude::*;
use serde_json::json;

/// A rule of the FTZ pack alone, as of 2024-06-30.
fn eval(rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval(pack_engine("ftz"), &format!("ftz.{rule}"), input)
}

fn status(due: Option<(i64, u32)>, on: Date) -> IndexMap<String, Value> {
    let due = match due {
        Some((y, m)) => json!([{"year": y, "month": m}]),
        None => json!([]),
    };
    eval("task_status", &json!({"due": due, "on": on.to_string()}))
}

/// The order a status may only move forward in.
fn rank(s: &str) -> u8 {
    match s {
        "open" => 0,
        "due_this_month" => 1,
        "overdue" => 2,
        other => panic!("not a time-dependent status: {other}"),
    }
}

fn day_in(from: &str, days: i64) -> impl Strategy<Value = Date> {
    let start = parse_date(from);
    (0..days).prop_map(move |k| start.add_days(k).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn status_is_monotone_in_time(
        y in 2024i64..=2025, m in 1u32..=12,
        a in day_in("2024-01-01", 1000), b in day_in("2024-01-01", 1000),
    ) {
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let s1 = status(Some((y, m)), early);
        let s2 = status(Some((y, m)), late);
        // once overdue, stays overdue
        prop_assert!(!flag(&s1["overdue"]) || flag(&s2["overdue"]));
        // due before issue is a property of the task, not of the date
        prop_assert_eq!(flag(&s1["due_before_issue"]), flag(&s2["due_before_issue"]));
        let (t1, t2) = (text(&s1["status"]), text(&s2["status"]));
        if flag(&s1["due_before_issue"]) {
            prop_assert_eq!(t1, "due_before_issue");
            prop_assert_eq!(t2, "due_before_issue");
        } else {
            prop_assert!(rank(&t1) <= rank(&t2), "{} on {} then {} on {}", t1, early, t2, late);
        }
    }

    #[test]
    fn overdue_exactly_after_the_last_day_of_the_month(y in 2024i64..=2025, m in 3u32..=12, k in -40i64..40) {
        // deadlines from 2024-03 on are not before the issue date (2024-03-05)
        let last = Date::from_ymd(y, m, 1).unwrap().add_months(1).unwrap().add_days(-1).unwrap();
        let on = last.add_days(k).unwrap();
        let out = status(Some((y, m)), on);
        prop_assert_eq!(flag(&out["overdue"]), on > last);
        let want = if on > last { "overdue" } else if on.month() == m && on.year() == y { "due_this_month" } else { "open" };
        prop_assert_eq!(text(&out["status"]), want);
    }

    #[test]
    fn before_a_month_is_read_as_chosen(y in 2024i64..=2025, m in 5u32..=12, k in -40i64..40, inclusive in any::<bool>()) {
        // "YYYY年M月前": by the end of M when read inclusively, else by the end of M − 1
        let end_of_m = Date::from_ymd(y, m, 1).unwrap().add_months(1).unwrap().add_days(-1).unwrap();
        let end_of_previous = Date::from_ymd(y, m, 1).unwrap().add_days(-1).unwrap();
        let last = if inclusive { end_of_m } else { end_of_previous };
        let on = last.add_days(k).unwrap();
        let out = eval(
            "task_status",
            &json!({"due": [{"year": y, "month": m, "before": true}], "on": on.to_string(), "before_month_inclusive": inclusive}),
        );
        prop_assert_eq!(flag(&out["overdue"]), on > last);
        // a month without 前 is the month itself, whichever the reading
        let plain = eval(
            "task_status",
            &json!({"due": [{"year": y, "month": m}], "on": on.to_string(), "before_month_inclusive": inclusive}),
        );
        prop_assert_eq!(flag(&plain["overdue"]), on > end_of_m);
    }

    #[test]
    fn no_deadline_is_never_overdue(on in day_in("2023-01-01", 3000)) {
        let out = status(None, on);
        prop_assert_eq!(text(&out["status"]), "no_deadline");
        prop_assert!(!flag(&out["overdue"]));
    }

    #[test]
    fn the_report_date_does_not_depend_on_the_day_asked(y in 2024i64..=2026, m in 1u32..=12, day in 1u32..=31) {
        prop_assume!(Date::from_ymd(y, m, day).is_ok());
        let first = eval("report_due_date", &json!({"in_month": Date::from_ymd(y, m, 1).unwrap().to_string()}));
        let any = eval("report_due_date", &json!({"in_month": Date::from_ymd(y, m, day).unwrap().to_string()}));
        prop_assert_eq!(date(&first["due"]), date(&any["due"]));
    }

    #[test]
    fn meetings_at_most_three_months_apart(a in day_in("2024-03-05", 900), b in day_in("2024-03-05", 900)) {
        let (p, n) = if a <= b { (a, b) } else { (b, a) };
        let out = eval("regular_meeting_gap", &json!({"previous": p.to_string(), "next": n.to_string()}));
        let months = (n.year() * 12 + i64::from(n.month())) - (p.year() * 12 + i64::from(p.month()));
        prop_assert_eq!(flag(&out["ok"]), months <= 3);
    }
}

#[test]
fn the_report_date_is_real_in_every_month_of_2024_to_2026() {
    for y in 2024..=2026 {
        for m in 1..=12u32 {
            let out = eval("report_due_date", &json!({"in_month": Date::from_ymd(y, m, 1).unwrap().to_string()}));
            let due = date(&out["due"]);
            assert_eq!((due.year(), due.month()), (y, m), "{y}-{m}: due {due} is not in its month");
            let last = Date::from_ymd(y, m, 1).unwrap().add_months(1).unwrap().add_days(-1).unwrap();
            assert_eq!(due.day(), last.day().min(30), "{y}-{m}");
            assert_eq!(flag(&out["fallback"]), m == 2, "{y}-{m}: only February has no 30th");
        }
    }
    assert_eq!(date(&eval("report_due_date", &json!({"in_month": "2024-02-01"}))["due"]), parse_date("2024-02-29"));
    assert_eq!(date(&eval("report_due_date", &json!({"in_month": "2025-02-01"}))["due"]), parse_date("2025-02-28"));
}

#[test]
fn report_deadline_includes_the_due_day() {
    let on_time = |s: &str| flag(&eval("report_on_time", &json!({"submitted_on": s}))["on_time"]);
    assert!(on_time("2024-05-29") && on_time("2024-05-30") && !on_time("2024-05-31"));
    assert!(on_time("2024-02-29"));
    assert!(on_time("2025-02-28"));
    assert!(on_time("2024-04-30"));
}

#[test]
fn meeting_gap_bound_and_one_either_side() {
    let ok = |p: &str, n: &str| flag(&eval("regular_meeting_gap", &json!({"previous": p, "next": n}))["ok"]);
    assert!(ok("2024-03-20", "2024-05-01")); // 2 months
    assert!(ok("2024-03-20", "2024-06-30")); // 3 months: the bound
    assert!(!ok("2024-03-20", "2024-07-01")); // 4 months
}

#[test]
fn tasks_due_before_issue_are_1_and_11_only() {
    // the deadlines of the work list (rosters.yaml ftz_key_work_list)
    let list: [(i64, Option<(i64, u32)>); 14] = [
        (1, Some((2024, 2))),
        (2, Some((2024, 4))),
        (3, Some((2024, 3))),
        (4, Some((2024, 12))),
        (5, None),
        (6, None),
        (7, None),
        (8, Some((2024, 4))),
        (9, Some((2024, 12))),
        (10, Some((2024, 3))),
        (11, Some((2024, 2))),
        (12, Some((2024, 6))),
        (13, Some((2024, 12))),
        (14, Some((2024, 3))),
    ];
    let before: Vec<i64> = list
        .iter()
        .filter(|(_, due)| flag(&status(*due, parse_date("2024-03-05"))["due_before_issue"]))
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(before, [1, 11]);
    let none: Vec<i64> = list
        .iter()
        .filter(|(_, due)| text(&status(*due, parse_date("2024-06-30"))["status"]) == "no_deadline")
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(none, [5, 6, 7]);
}
