//! Properties of the radiation emergency plan pack (`rules/radiation.yaml`,
//! 东政办发〔2024〕8号): the grading table agrees with a direct reading of §2,
//! every threshold behaves as its words say at the bound and one either side,
//! grades are monotone (more casualties or one more criterion never lower the
//! grade), the response level and warning colour follow the grade, the
//! reporting deadlines are inclusive to the second, the drill check counts
//! three years back from the as-of date (anniversary included), termination
//! needs all three conditions of 6.1 unless 6.2's exception applies, and the
//! scenario reports exactly the plan's two discrepancies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{at, cases, flag, int, opts, pack_engine, run_scenario, text};
use indexmap::IndexMap;
use ordinance_core::date::DateTime;
use ordinance_core::scenario::ClaimStatus;
use ordinance_core::{Date, EvalOptions, Value};
use proptest::prelude::*;
use serde_json::json;

/// A rule of the radiation pack alone, as of 2024-06-30.
fn eval(rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval(pack_engine("radiation"), &format!("radiation.{rule}"), input)
}

/// Evaluates on a fixed as-of date (the drill check reads the day checked from it).
fn eval_on(rule: &str, as_of: Date, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval_on(pack_engine("radiation"), &format!("radiation.{rule}"), as_of, input)
}

const GRADES: [&str; 5] = ["none", "general", "relatively_major", "major", "especially_major"];

/// 0 for none … 4 for especially major.
fn rank(grade: &str) -> usize {
    GRADES.iter().position(|g| *g == grade).unwrap()
}

/// An accident as the grading rule's inputs.
#[derive(Clone, Debug)]
struct Accident {
    source_class: &'static str,
    source_lost: bool,
    large_scale_contamination: bool,
    deaths: i64,
    severe_injuries: i64,
    over_annual_dose_limit: bool,
    contamination: &'static str,
    spacecraft_crash: bool,
    well_logging_source_sealed: bool,
}

impl Accident {
    fn json(&self) -> serde_json::Value {
        json!({
            "source_class": self.source_class,
            "source_lost": self.source_lost,
            "large_scale_contamination": self.large_scale_contamination,
            "deaths": self.deaths,
            "severe_injuries": self.severe_injuries,
            "over_annual_dose_limit": self.over_annual_dose_limit,
            "contamination": self.contamination,
            "spacecraft_crash": self.spacecraft_crash,
            "well_logging_source_sealed": self.well_logging_source_sealed,
        })
    }

    /// §2 read directly: the most severe grade any criterion reaches.
    fn expected_grade(&self) -> &'static str {
        let lost = |classes: &[&str]| self.source_lost && classes.contains(&self.source_class);
        if (lost(&["I", "II"]) && self.large_scale_contamination)
            || self.deaths >= 3
            || self.contamination == "large"
            || self.spacecraft_crash
        {
            "especially_major"
        } else if lost(&["I", "II"])
            || (1..=2).contains(&self.deaths)
            || self.severe_injuries >= 10
            || self.contamination == "fairly_large"
        {
            "major"
        } else if lost(&["III"]) || (1..=9).contains(&self.severe_injuries) || self.contamination == "small" {
            "relatively_major"
        } else if lost(&["IV", "V"])
            || self.over_annual_dose_limit
            || self.contamination == "local"
            || self.well_logging_source_sealed
        {
            "general"
        } else {
            "none"
        }
    }

    fn grade(&self) -> String {
        text(&eval("accident_grade", &self.json())["grade"])
    }
}

const CLASSES: [&str; 6] = ["I", "II", "III", "IV", "V", "none"];
const EXTENTS: [&str; 5] = ["none", "local", "small", "fairly_large", "large"];

fn accident() -> impl Strategy<Value = Accident> {
    (
        (prop::sample::select(&CLASSES[..]), any::<bool>(), any::<bool>()),
        (0i64..15, 0i64..25),
        (any::<bool>(), prop::sample::select(&EXTENTS[..]), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |((source_class, source_lost, large), (deaths, severe_injuries), (dose, contamination, crash, well))| {
                Accident {
                    source_class,
                    source_lost,
                    large_scale_contamination: large,
                    deaths,
                    severe_injuries,
                    over_annual_dose_limit: dose,
                    contamination,
                    spacecraft_crash: crash,
                    well_logging_source_sealed: well,
                }
            },
        )
}

fn nothing() -> Accident {
    Accident {
        source_class: "none",
        source_lost: false,
        large_scale_contamination: false,
        deaths: 0,
        severe_injuries: 0,
        over_annual_dose_limit: false,
        contamination: "none",
        spacecraft_crash: false,
        well_logging_source_sealed: false,
    }
}

// ---------- thresholds, at the bound and one either side ----------

#[test]
fn deaths_thresholds() {
    // 3人及以上 → 特别重大; 2人以下（含2人）, at least one → 重大
    let g = |deaths| Accident { deaths, ..nothing() }.grade();
    assert_eq!(g(0), "none");
    assert_eq!(g(1), "major");
    assert_eq!(g(2), "major");
    assert_eq!(g(3), "especially_major");
    assert_eq!(g(4), "especially_major");
}

#[test]
fn severe_injury_thresholds() {
    // 10人以上（含10人） → 重大; 9人以下（含9人）, at least one → 较大
    let g = |severe_injuries| Accident { severe_injuries, ..nothing() }.grade();
    assert_eq!(g(0), "none");
    assert_eq!(g(1), "relatively_major");
    assert_eq!(g(2), "relatively_major");
    assert_eq!(g(8), "relatively_major");
    assert_eq!(g(9), "relatively_major");
    assert_eq!(g(10), "major");
    assert_eq!(g(11), "major");
}

#[test]
fn lost_sources_by_class() {
    let g = |source_class, source_lost| Accident { source_class, source_lost, ..nothing() }.grade();
    for (class, want) in [
        ("I", "major"),
        ("II", "major"),
        ("III", "relatively_major"),
        ("IV", "general"),
        ("V", "general"),
        ("none", "none"),
    ] {
        assert_eq!(g(class, true), want, "class {class} lost");
        assert_eq!(g(class, false), "none", "class {class} not lost");
    }
}

#[test]
fn the_fixed_interface_example_cites_2_3() {
    let d = pack_engine("radiation")
        .evaluate(
            "radiation.accident_grade",
            &json!({"source_class": "III", "source_lost": true}),
            &EvalOptions { trace: true, ..opts() },
        )
        .unwrap();
    assert_eq!(text(&d.outputs["grade"]), "relatively_major");
    assert_eq!(int(&d.outputs["response_level"]), 3);
    assert_eq!(text(&d.outputs["warning_color"]), "yellow");
    let cited = serde_json::to_string(&d.to_json()["trace"]).unwrap();
    assert!(cited.contains("\"clause\":\"2.3(1)\""), "{cited}");
}

#[test]
fn bad_enum_values_are_input_errors() {
    for input in [json!({"source_class": "VI"}), json!({"contamination": "huge"}), json!({"deaths": "many"})] {
        let e = pack_engine("radiation").evaluate("radiation.accident_grade", &input, &opts()).unwrap_err();
        assert_eq!(e.code(), "input", "{e}");
    }
}

proptest! {
    #![proptest_config(cases(64, "pack_radiation"))]

    /// The table gives exactly what §2 says, for any combination of criteria.
    #[test]
    fn grade_agrees_with_the_text(a in accident()) {
        prop_assert_eq!(a.grade(), a.expected_grade());
    }

    /// Response level (5.1) and warning colour (4.3.1) follow the grade.
    #[test]
    fn level_and_colour_follow_the_grade(a in accident()) {
        let out = eval("accident_grade", &a.json());
        let grade = text(&out["grade"]);
        let level = int(&out["response_level"]);
        prop_assert_eq!(level, if grade == "none" { 0 } else { 5 - rank(&grade) as i64 });
        let colour = ["none", "blue", "yellow", "orange", "red"][rank(&grade)];
        prop_assert_eq!(text(&out["warning_color"]), colour);
        let response = eval("response_level", &json!({"grade": grade}));
        prop_assert_eq!(int(&response["level"]), level);
        let warning = eval("warning_level", &json!({"predicted_grade": grade}));
        prop_assert_eq!(text(&warning["color"]), colour);
        prop_assert_eq!(int(&warning["level"]), level);
    }

    /// More deaths or more severe injuries never lower the grade.
    #[test]
    fn more_casualties_never_lower_the_grade(a in accident(), more_deaths in 0i64..5, more_injuries in 0i64..12) {
        let before = rank(&a.grade());
        let worse = Accident { deaths: a.deaths + more_deaths, severe_injuries: a.severe_injuries + more_injuries, ..a.clone() };
        prop_assert!(rank(&worse.grade()) >= before);
    }

    /// Adding a criterion (a flag, a lost source, wider contamination) never lowers the grade.
    #[test]
    fn adding_a_criterion_never_lowers_the_grade(a in accident(), which in 0usize..7, extent in 0usize..5) {
        let before = rank(&a.grade());
        let mut b = a.clone();
        match which {
            0 => b.source_lost = true,
            1 => b.large_scale_contamination = true,
            2 => b.over_annual_dose_limit = true,
            3 => b.spacecraft_crash = true,
            4 => b.well_logging_source_sealed = true,
            5 => {
                let now = EXTENTS.iter().position(|e| *e == a.contamination).unwrap();
                b.contamination = EXTENTS[now.max(extent)];
            }
            _ => b.deaths += 1,
        }
        prop_assert!(rank(&b.grade()) >= before);
    }

    /// The unit's written report: on time up to exactly 2 hours after discovery.
    #[test]
    fn written_report_within_two_hours(day in 0i64..366, minute_of_day in 0i64..1440, after in -30i64..400) {
        let start = DateTime::from_parts(Date::parse("2024-01-01").unwrap().add_days(day).unwrap(), 0, 0)
            .unwrap()
            .add_minutes(minute_of_day)
            .unwrap();
        let end = start.add_minutes(after).unwrap();
        let out = eval("unit_written_report", &json!({"discovered_at": start.to_string(), "written_report_at": end.to_string()}));
        prop_assert_eq!(flag(&out["on_time"]), (0..=120).contains(&after));
        prop_assert_eq!(out["deadline"].to_string(), start.add_minutes(120).unwrap().to_string());
    }

    /// The district's report to the city: on time up to exactly 1 hour after receipt.
    #[test]
    fn district_reports_within_one_hour(day in 0i64..366, minute_of_day in 0i64..1440, after in -10i64..200) {
        let start = DateTime::from_parts(Date::parse("2024-01-01").unwrap().add_days(day).unwrap(), 0, 0)
            .unwrap()
            .add_minutes(minute_of_day)
            .unwrap();
        let end = start.add_minutes(after).unwrap();
        let out = eval("district_report_to_city", &json!({"received_at": start.to_string(), "reported_to_city_at": end.to_string()}));
        prop_assert_eq!(flag(&out["on_time"]), (0..=60).contains(&after));
    }

    /// 6.1's three conditions are all needed; 6.2's exception suffices alone.
    #[test]
    fn termination_is_all_of_three_or_the_exception(c in any::<[bool; 5]>()) {
        let out = eval("response_termination", &json!({
            "release_within_limits": c[0], "hazard_eliminated": c[1], "specialist_actions_unneeded": c[2],
            "lost_source_unrecoverable": c[3], "long_term_remediation_needed": c[4],
        }));
        let all_three = c[0] && c[1] && c[2];
        prop_assert_eq!(flag(&out["conditions_met"]), all_three);
        prop_assert_eq!(flag(&out["may_terminate"]), all_three || c[3] || c[4]);
    }

    /// A comprehensive drill covers three years to the day, counted to the as-of date; one
    /// specialised drill a year suffices.
    #[test]
    fn drills_every_three_years(day in 0i64..1500, later in -2i64..3, specialised in 0i64..3) {
        // the plan is in force from 2024-02-25, so the day checked is never earlier
        let last = Date::parse("2021-03-01").unwrap().add_days(day).unwrap();
        let due = last.add_years(3).unwrap();
        let on = due.add_days(later).unwrap();
        let out = eval_on("drill_compliance", on, &json!({
            "last_comprehensive_drill": last.to_string(), "specialised_drills_in_year": specialised,
        }));
        prop_assert_eq!(out["checked_on"].to_string(), on.to_string());
        prop_assert_eq!(out["comprehensive_due_by"].to_string(), due.to_string());
        prop_assert_eq!(flag(&out["comprehensive_ok"]), later <= 0);
        prop_assert_eq!(flag(&out["specialised_ok"]), specialised >= 1);
        prop_assert_eq!(flag(&out["compliant"]), later <= 0 && specialised >= 1);
    }

    /// A drill dated after the day checked does not count; one on the day checked does.
    #[test]
    fn a_future_drill_does_not_count(day in 0i64..1500, ahead in 0i64..400) {
        let on = Date::parse("2024-02-25").unwrap().add_days(day).unwrap();
        let drill = |d: Date| {
            flag(&eval_on("drill_compliance", on, &json!({
                "last_comprehensive_drill": d.to_string(), "specialised_drills_in_year": 1,
            }))["comprehensive_ok"])
        };
        prop_assert!(drill(on));
        prop_assert_eq!(drill(on.add_days(ahead).unwrap()), ahead == 0);
    }
}

#[test]
fn the_drill_check_needs_the_plan_in_force() {
    let input = json!({"last_comprehensive_drill": "2023-05-01", "specialised_drills_in_year": 1});
    let before = at("2024-02-24");
    let e = pack_engine("radiation").evaluate("radiation.drill_compliance", &input, &before).unwrap_err();
    assert_eq!(e.code(), "validity", "{e}");
    let first_day = eval_on("drill_compliance", Date::parse("2024-02-25").unwrap(), &input);
    assert!(flag(&first_day["compliant"]));
}

// ---------- deadlines at the bound, to the minute and the second ----------

#[test]
fn written_report_deadline_to_the_second() {
    let on_time = |at: &str| {
        flag(
            &eval("unit_written_report", &json!({"discovered_at": "2024-03-01T09:30", "written_report_at": at}))
                ["on_time"],
        )
    };
    assert!(on_time("2024-03-01T11:29"));
    assert!(on_time("2024-03-01T11:30"));
    assert!(on_time("2024-03-01T11:30:00"));
    assert!(!on_time("2024-03-01T11:30:01"));
    assert!(!on_time("2024-03-01T11:31"));
}

#[test]
fn district_deadline_to_the_minute() {
    let on_time = |at: &str| {
        flag(
            &eval("district_report_to_city", &json!({"received_at": "2024-03-01T23:30", "reported_to_city_at": at}))
                ["on_time"],
        )
    };
    assert!(on_time("2024-03-02T00:29"));
    assert!(on_time("2024-03-02T00:30"));
    assert!(!on_time("2024-03-02T00:31"));
}

#[test]
fn who_reports_a_warning() {
    for (grade, who) in [
        ("especially_major", "district_government_or_authorised_unit"),
        ("major", "district_government_or_authorised_unit"),
        ("relatively_major", "ecology_sub_bureau"),
        ("general", "ecology_sub_bureau"),
    ] {
        let colour = text(&eval("warning_level", &json!({"predicted_grade": grade}))["color"]);
        assert_eq!(text(&eval("warning_reporter", &json!({"color": colour}))["reported_by"]), who, "{grade}");
    }
}

#[test]
fn the_two_authority_clauses_are_both_encoded() {
    // 5.1: the district HQ starts every level; 3.1.1(3): it approves the 一般 response only
    for grade in ["especially_major", "major", "relatively_major", "general"] {
        assert_eq!(text(&eval("response_level", &json!({"grade": grade}))["started_by"]), "district_hq");
        let approves =
            flag(&eval("response_authority", &json!({"grade": grade}))["district_hq_approves_start_and_end"]);
        assert_eq!(approves, grade == "general", "{grade}");
    }
}

#[test]
fn the_scenario_reports_the_two_discrepancies() {
    let report = run_scenario("radiation_2024");
    let step = |id: &str| &report.steps.iter().find(|s| s.id == id).unwrap().outputs;
    // 09:30 → 11:10 is within 2 hours; 11:20 → 12:25 is 65 minutes, over 1 hour
    assert!(flag(&step("unit_report")["on_time"]));
    assert!(!flag(&step("city_report")["on_time"]));
    assert_eq!(step("drills")["checked_on"].to_string(), report.as_of.to_string());
    let disagreeing: Vec<&str> =
        report.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees).map(|c| c.id.as_str()).collect();
    assert_eq!(disagreeing, ["district_hq_starts_levels_1_to_3", "annexes_present"]);
}
