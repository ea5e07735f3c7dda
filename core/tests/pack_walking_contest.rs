//! Properties of the walking-contest pack (`rules/walking_contest.yaml`,
//! 东政办发〔2024〕12号): a team is valid exactly from 10 to 20 people, a unit
//! of fewer than 10 may merge, 300 participants are enough and 299 are not,
//! the contest's 100 days are exactly 2024-05-11 to 2024-08-18, the
//! registration deadlines read "前" as configured, and the task table of the
//! scenario gives 25 units, 32 teams and at least 320 participants, with the
//! two registration deadlines reported as the dates the text prints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{cases, flag, int, opts, pack_engine, run_scenario};
use indexmap::IndexMap;
use ordinance_core::scenario::ClaimStatus;
use ordinance_core::{Date, Value};
use proptest::prelude::*;
use serde_json::json;

/// A rule of the walking-contest pack alone, as of 2024-06-30.
fn eval(rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval(pack_engine("walking_contest"), &format!("walking_contest.{rule}"), input)
}

fn team_valid(size: i64) -> bool {
    flag(&eval("team", &json!({"size": size}))["valid"])
}

#[test]
fn team_size_bounds() {
    // 每队 10—20 人: both ends included
    assert!(!team_valid(9));
    assert!(team_valid(10));
    assert!(team_valid(11));
    assert!(team_valid(19));
    assert!(team_valid(20));
    assert!(!team_valid(21));
}

#[test]
fn units_under_ten_may_merge() {
    // 不足10人: fewer than 10, exclusive
    let may = |n: i64| flag(&eval("unit_may_join_other_units", &json!({"unit_headcount": n}))["may_join_other_units"]);
    assert!(may(9));
    assert!(!may(10));
    assert!(!may(11));
}

#[test]
fn total_participants_bound() {
    // 不低于300人: inclusive
    let met = |n: i64| flag(&eval("total_participants", &json!({"participants": n}))["met"]);
    assert!(!met(299));
    assert!(met(300));
    assert!(met(301));
}

#[test]
fn the_contest_is_exactly_one_hundred_days() {
    let start = Date::parse("2024-05-11").unwrap();
    let end = Date::parse("2024-08-18").unwrap();
    let mut day = Date::parse("2024-04-01").unwrap();
    let mut in_contest = 0;
    while day <= Date::parse("2024-09-30").unwrap() {
        let out = eval("contest_period", &json!({"on": day.to_string()}));
        let inside = flag(&out["in_contest"]);
        assert_eq!(inside, start <= day && day <= end, "{day}");
        if inside {
            in_contest += 1;
            assert_eq!(int(&out["day_number"]), in_contest, "{day}");
        }
        assert_eq!(int(&out["days_total"]), 100);
        day = day.add_days(1).unwrap();
    }
    assert_eq!(in_contest, 100);
}

#[test]
fn registration_deadlines_read_as_configured() {
    let check = |online: &str, form: &str, inclusive: bool| {
        eval(
            "registration_on_time",
            &json!({"registered_online_on": online, "form_submitted_on": form, "deadline_inclusive": inclusive}),
        )
    };
    let on_deadline = check("2024-04-15", "2024-04-10", true);
    assert!(flag(&on_deadline["online_on_time"]) && flag(&on_deadline["form_on_time"]));
    let strict = check("2024-04-15", "2024-04-10", false);
    assert!(!flag(&strict["online_on_time"]) && !flag(&strict["form_on_time"]));
    let day_before = check("2024-04-14", "2024-04-09", false);
    assert!(flag(&day_before["on_time"]));
    let day_after = check("2024-04-16", "2024-04-11", true);
    assert!(!flag(&day_after["online_on_time"]) && !flag(&day_after["form_on_time"]));
}

#[test]
fn the_task_table_gives_25_units_and_32_teams() {
    let report = run_scenario("walking_contest_2024");
    let quota = &report.steps.iter().find(|s| s.id == "quota").unwrap().outputs;
    assert_eq!(int(&quota["units"]), 25);
    assert_eq!(int(&quota["teams"]), 32);
    assert_eq!(int(&quota["min_participants"]), 320);
    assert_eq!(int(&quota["max_participants"]), 640);
    assert!(flag(&quota["meets_total_minimum"]));
    let disagreeing: Vec<&str> =
        report.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees).map(|c| c.id.as_str()).collect();
    assert_eq!(disagreeing, ["registration_deadlines_agree", "form_template_holds_a_team"]);
    // the deadline clash is stated as the two dates themselves: 五's printed 04-10 against 二's 04-15
    let deadlines = report.claims.iter().find(|c| c.id == "registration_deadlines_agree").unwrap();
    assert_eq!(deadlines.printed, Value::Date(Date::parse("2024-04-10").unwrap()));
    let computed = deadlines.engine.as_ref().unwrap().1.as_ref().unwrap();
    assert_eq!(*computed, Value::Date(Date::parse("2024-04-15").unwrap()));
}

#[test]
fn bad_inputs_are_input_errors() {
    for input in [json!({"size": "12.5"}), json!({"size": "twelve"}), json!({})] {
        let e = pack_engine("walking_contest").evaluate("walking_contest.team", &input, &opts()).unwrap_err();
        assert_eq!(e.code(), "input", "{e}");
    }
}

proptest! {
    #![proptest_config(cases(64, "pack_walking_contest"))]

    /// A team is valid exactly when 10 ≤ size ≤ 20.
    #[test]
    fn team_valid_exactly_in_range(size in -5i64..60) {
        prop_assert_eq!(team_valid(size), (10..=20).contains(&size));
    }

    /// Quotas: the implied participants are teams × 10 to teams × 20, and meet 300 exactly when teams ≥ 30.
    #[test]
    fn quota_implies_participants(teams in prop::collection::vec(0i64..5, 0..40)) {
        let table: Vec<serde_json::Value> =
            teams.iter().enumerate().map(|(i, t)| json!({"unit": format!("unit {i}"), "teams": t})).collect();
        let out = eval("task_quota", &json!({"table": table}));
        let total: i64 = teams.iter().sum();
        prop_assert_eq!(int(&out["units"]), teams.len() as i64);
        prop_assert_eq!(int(&out["teams"]), total);
        prop_assert_eq!(int(&out["min_participants"]), total * 10);
        prop_assert_eq!(int(&out["max_participants"]), total * 20);
        prop_assert_eq!(flag(&out["meets_total_minimum"]), total >= 30);
    }

    /// A unit meets its quota when it fields at least that many valid teams.
    #[test]
    fn unit_quota_counts_valid_teams(quota in 0i64..4, sizes in prop::collection::vec(5i64..25, 0..6)) {
        let out = eval("unit_quota_met", &json!({"quota": quota, "team_sizes": sizes}));
        let valid = sizes.iter().filter(|s| (10..=20).contains(*s)).count() as i64;
        prop_assert_eq!(int(&out["valid_teams"]), valid);
        prop_assert_eq!(flag(&out["met"]), valid >= quota);
        prop_assert_eq!(int(&out["missing_teams"]), (quota - valid).max(0));
    }
}
