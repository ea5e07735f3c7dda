//! Properties of the compact urban medical group pack
//! (`rules/medical_group.yaml`, 东政办发〔2024〕7号): the slots and beds sent
//! down are the least whole numbers reaching 1/3 and 1/4 (至少, inclusive),
//! the 2025 targets keep 70% inclusive and the printed "<30%" strict, the
//! appraised 40% and the fixed rest add up to the pay exactly, 50万元以上
//! includes 500000, the president's term ends on the fifth anniversary, the
//! reform phases partition the timeline with no gap or overlap, and the
//! scenario's roster check (principal head = a post without 副) finds the
//! deputies the text's membership rule leaves out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{cases, flag, int, number, opts, pack_engine, run_scenario, text};
use indexmap::IndexMap;
use ordinance_core::scenario::ClaimStatus;
use ordinance_core::{Date, Number, Value};
use proptest::prelude::*;
use serde_json::json;

/// A rule of the medical-group pack alone, as of 2024-06-30.
fn eval(rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval(pack_engine("medical_group"), &format!("medical_group.{rule}"), input)
}

fn sinking(slots: i64, slots_released: i64, beds: i64, beds_released: i64) -> IndexMap<String, Value> {
    eval(
        "resource_sinking",
        &json!({"outpatient_slots": slots, "outpatient_slots_released": slots_released, "beds": beds, "beds_released": beds_released}),
    )
}

proptest! {
    #![proptest_config(cases(64, "pack_medical_group"))]

    /// The minima are the least integers reaching the shares: min*3 ≥ slots and (min−1)*3 < slots.
    #[test]
    fn minima_are_the_least_integers_reaching_the_shares(slots in 0i64..200_000, beds in 0i64..20_000) {
        let out = sinking(slots, 0, beds, 0);
        let min_slots = int(&out["min_slots_released"]);
        let min_beds = int(&out["min_beds_released"]);
        prop_assert!(min_slots * 3 >= slots);
        prop_assert!((min_slots - 1) * 3 < slots);
        prop_assert!(min_beds * 4 >= beds);
        prop_assert!((min_beds - 1) * 4 < beds);
    }

    /// 至少 is inclusive: releasing the minimum complies, one fewer does not.
    #[test]
    fn releasing_the_minimum_complies_and_one_fewer_does_not(slots in 1i64..200_000, beds in 1i64..20_000) {
        let min = sinking(slots, 0, beds, 0);
        let (ms, mb) = (int(&min["min_slots_released"]), int(&min["min_beds_released"]));
        let at = sinking(slots, ms, beds, mb);
        prop_assert!(flag(&at["compliant"]));
        prop_assert_eq!(int(&at["slots_shortfall"]), 0);
        let slots_short = sinking(slots, ms - 1, beds, mb);
        prop_assert!(!flag(&slots_short["slots_compliant"]) && flag(&slots_short["beds_compliant"]));
        prop_assert!(!flag(&slots_short["compliant"]));
        prop_assert_eq!(int(&slots_short["slots_shortfall"]), 1);
        let beds_short = sinking(slots, ms + 1, beds, mb - 1);
        prop_assert!(flag(&beds_short["slots_compliant"]) && !flag(&beds_short["beds_compliant"]));
        prop_assert_eq!(int(&beds_short["beds_shortfall"]), 1);
    }

    /// Compliance is exactly the ratio test of the text, for any release.
    #[test]
    fn compliance_is_the_ratio_test(slots in 0i64..50_000, sr in 0i64..50_000, beds in 0i64..5_000, br in 0i64..5_000) {
        let out = sinking(slots, sr, beds, br);
        prop_assert_eq!(flag(&out["slots_compliant"]), sr * 3 >= slots);
        prop_assert_eq!(flag(&out["beds_compliant"]), br * 4 >= beds);
        prop_assert_eq!(flag(&out["compliant"]), sr * 3 >= slots && br * 4 >= beds);
    }

    /// assessed + fixed == pay exactly, and assessed is exactly 2/5 of it.
    #[test]
    fn appraised_and_fixed_pay_add_up(numer in 0i64..100_000_000, denom in 1i64..1000) {
        let pay = Number::ratio(numer.into(), denom.into()).unwrap();
        let out = eval("performance_pay", &json!({"performance_pay": pay.to_string()}));
        let (assessed, fixed) = (number(&out["assessed"]), number(&out["fixed"]));
        prop_assert_eq!(assessed.add(&fixed).unwrap(), pay.clone());
        prop_assert_eq!(assessed.mul(&Number::from_int(5)).unwrap(), pay.mul(&Number::from_int(2)).unwrap());
    }

    /// The president's term ends on the fifth anniversary of the appointment (included).
    #[test]
    fn the_term_ends_on_the_fifth_anniversary(day in 0i64..3000) {
        let appointed = Date::parse("2024-01-01").unwrap().add_days(day).unwrap();
        let end = appointed.add_years(5).unwrap();
        let at = |on: Date| eval("president_term", &json!({"appointed_on": appointed.to_string(), "on": on.to_string()}));
        let out = at(end);
        prop_assert_eq!(out["term_ends_on"].to_string(), end.to_string());
        prop_assert!(flag(&out["in_term"]));
        prop_assert!(!flag(&at(end.add_days(1).unwrap())["in_term"]));
        prop_assert!(flag(&at(appointed)["in_term"]));
    }
}

#[test]
fn golden_slots_and_beds() {
    let out = sinking(300, 100, 200, 50);
    assert_eq!(int(&out["min_slots_released"]), 100);
    assert_eq!(int(&out["min_beds_released"]), 50);
    assert!(flag(&out["compliant"]));
    assert!(!flag(&sinking(300, 99, 200, 50)["compliant"]));
}

#[test]
fn targets_at_their_bounds() {
    let met = |g: &str, o: &str| eval("targets_2025", &json!({"grassroots_share": g, "out_of_pocket_share": o}));
    // grassroots ≥ 70%: at the bound and one ten-thousandth either side
    assert!(flag(&met("0.7", "0.2")["grassroots_met"]));
    assert!(flag(&met("0.7001", "0.2")["grassroots_met"]));
    assert!(!flag(&met("0.6999", "0.2")["grassroots_met"]));
    // out-of-pocket < 30%, strict as printed
    assert!(!flag(&met("0.7", "0.3")["out_of_pocket_met"]));
    assert!(!flag(&met("0.7", "0.3001")["out_of_pocket_met"]));
    assert!(flag(&met("0.7", "0.2999")["out_of_pocket_met"]));
    assert!(flag(&met("70%", "29.9%")["met"]));
}

#[test]
fn large_equipment_at_its_bound() {
    let eligible = |p: &str| flag(&eval("large_equipment", &json!({"unit_price_cny": p}))["eligible"]);
    assert!(eligible("500000"));
    assert!(eligible("500001"));
    assert!(eligible("500000.01"));
    assert!(!eligible("499999"));
    assert!(!eligible("499999.99"));
}

#[test]
fn golden_performance_pay() {
    let out = eval("performance_pay", &json!({"performance_pay": 10000}));
    assert_eq!(int(&out["assessed"]), 4000);
    assert_eq!(int(&out["fixed"]), 6000);
}

/// The phase the text gives a date: start 2023-11..12, implementation 2024, summary 2025.
fn expected_phase(d: Date) -> &'static str {
    match (d.year(), d.month()) {
        (y, _) if y < 2023 => "before_start",
        (2023, m) if m < 11 => "before_start",
        (2023, _) => "start",
        (2024, _) => "implementation",
        (2025, _) => "summary",
        _ => "after_summary",
    }
}

#[test]
fn phases_partition_the_timeline() {
    let first = Date::parse("2023-09-01").unwrap();
    let last = Date::parse("2026-02-28").unwrap();
    let mut day = first;
    let mut previous: Option<String> = None;
    let mut transitions = Vec::new();
    while day <= last {
        let phase = text(&eval("reform_phase", &json!({"on": day.to_string()}))["phase"]);
        assert_eq!(phase, expected_phase(day), "{day}");
        if previous.as_deref() != Some(phase.as_str()) {
            transitions.push((day.to_string(), phase.clone()));
        }
        previous = Some(phase);
        day = day.add_days(1).unwrap();
    }
    let want: Vec<(String, String)> = [
        ("2023-09-01", "before_start"),
        ("2023-11-01", "start"),
        ("2024-01-01", "implementation"),
        ("2025-01-01", "summary"),
        ("2026-01-01", "after_summary"),
    ]
    .iter()
    .map(|(d, p)| (d.to_string(), p.to_string()))
    .collect();
    assert_eq!(transitions, want);
}

#[test]
fn bad_inputs_are_input_errors() {
    for (rule, input) in [
        (
            "resource_sinking",
            json!({"outpatient_slots": "300.5", "outpatient_slots_released": 1, "beds": 1, "beds_released": 1}),
        ),
        ("performance_pay", json!({"performance_pay": "abc"})),
        ("reform_phase", json!({"on": "2024-13-01"})),
    ] {
        let e = pack_engine("medical_group").evaluate(&format!("medical_group.{rule}"), &input, &opts()).unwrap_err();
        assert_eq!(e.code(), "input", "{rule}: {e}");
    }
}

#[test]
fn the_scenario_reads_heads_from_the_posts() {
    let report = run_scenario("medical_group_2024");
    let claim = |id: &str| report.claims.iter().find(|c| c.id == id).unwrap();
    let computed = |id: &str| claim(id).engine.as_ref().unwrap().1.clone().unwrap().to_string();
    // the deputies (副部长) of 组织部 and 宣传部 sit where the rule seats the principal heads
    assert_eq!(computed("members_are_principal_heads"), "[任嘉欣, 高慧]");
    // 卫健委's three deputy directors sit beside its director; 区人民医院 is not a member unit
    assert_eq!(computed("members_outside_the_rule"), "[杜艳君, 史俊梅, 王明亮, 陈志刚, 丰乃奇]");
    let disagreeing: Vec<&str> =
        report.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees).map(|c| c.id.as_str()).collect();
    assert_eq!(
        disagreeing,
        [
            "plan_drafted_in_start_phase",
            "members_are_principal_heads",
            "members_outside_the_rule",
            "one_committee_one_name"
        ]
    );
    // M2: one committee, three names, in the order the text first uses them
    assert_eq!(computed("one_committee_one_name"), "[医疗集团管理委员会, 总医院管理委员会, 医共体管理委员会]");
    // the shares the text prints as fractions and percentages agree exactly
    for (id, exact) in [
        ("slot_share", "1/3"),
        ("bed_share", "1/4"),
        ("grassroots_target", "7/10"),
        ("out_of_pocket_target", "3/10"),
        ("assessed_share", "2/5"),
    ] {
        let want = Value::Number(Number::parse(exact).unwrap());
        assert_eq!(claim(id).engine.as_ref().unwrap().1.clone().unwrap(), want, "{id}");
        assert_eq!(claim(id).printed, want, "{id}");
    }
}
