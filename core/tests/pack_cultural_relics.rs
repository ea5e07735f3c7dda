//! Properties of the cultural-relics census pack (东政发〔2024〕4号): the
//! three phases partition the census with no gap or overlap (every day walked),
//! the phase table agrees with the 上旬/中旬/下旬 reading on any date, and the
//! thirds of any month partition it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{date, int, pack_engine, parse_date, text};
use indexmap::IndexMap;
use ordinance_core::{Date, Value};
use proptest::prelude::*;
use serde_json::json;

/// A rule of the cultural-relics pack alone, as of 2024-06-30.
fn eval(rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval(pack_engine("cultural_relics"), &format!("cultural_relics.{rule}"), input)
}

fn phase(on: Date) -> (i64, String) {
    let out = eval("census_phase", &json!({"on": on.to_string()}));
    (int(&out["phase"]), text(&out["stage"]))
}

/// The phase by the words of the text, read with 上旬 = 1–10, 中旬 = 11–20,
/// 下旬 = 21–end, computed here independently of the pack.
fn phase_by_the_words(on: Date) -> i64 {
    let (y, m, day) = on.ymd();
    let ym = y * 12 + i64::from(m);
    let at = |yy: i64, mm: i64| yy * 12 + mm;
    if ym < at(2023, 11) {
        0
    } else if ym <= at(2024, 4) {
        1
    } else if ym < at(2025, 5) || (ym == at(2025, 5) && day <= 20) {
        2
    } else if ym < at(2026, 5) || (ym == at(2026, 5) && day <= 20) {
        3
    } else {
        0
    }
}

#[test]
fn every_day_of_the_census_is_in_exactly_one_phase_in_order() {
    let start = parse_date("2023-10-01");
    let end = parse_date("2026-06-30");
    let mut on = start;
    let mut last_phase = 0;
    let mut seen = [0u32; 4];
    let mut first_day: [Option<Date>; 4] = [None; 4];
    let mut last_day: [Option<Date>; 4] = [None; 4];
    while on <= end {
        // the table's hit policy is `unique`: a day in two phases would be an error here
        let (p, stage) = phase(on);
        assert!((0..=3).contains(&p), "{on}: phase {p}");
        let in_census = on >= parse_date("2023-11-01") && on <= parse_date("2026-05-20");
        assert_eq!(p > 0, in_census, "{on}: phase {p}, a census day: {in_census}");
        if p > 0 {
            assert!(p == last_phase || p == last_phase + 1, "{on}: phase {p} after phase {last_phase}");
            last_phase = p;
            seen[p as usize] += 1;
            first_day[p as usize].get_or_insert(on);
            last_day[p as usize] = Some(on);
        } else {
            let want = if on < parse_date("2023-11-01") { "before_census" } else { "after_census" };
            assert_eq!(stage, want, "{on}");
        }
        on = on.add_days(1).unwrap();
    }
    assert_eq!(seen[1..], [182, 385, 365]);
    // each phase starts the day after the previous one ends: no gap, no overlap
    for p in 1..3 {
        assert_eq!(last_day[p].unwrap().add_days(1).unwrap(), first_day[p + 1].unwrap(), "phase {p} → {}", p + 1);
    }
    assert_eq!(first_day[1], Some(parse_date("2023-11-01")));
    assert_eq!(last_day[3], Some(parse_date("2026-05-20")));
}

#[test]
fn the_golden_dates() {
    assert_eq!(phase(parse_date("2024-05-05")).0, 2);
    assert_eq!(phase(parse_date("2025-05-25")).0, 3);
    assert_eq!(phase(parse_date("2026-05-25")), (0, "after_census".to_string()));
}

fn any_date() -> impl Strategy<Value = Date> {
    (2020i64..2030, 1u32..=12, 1u32..=31).prop_filter_map("a real date", |(y, m, day)| Date::from_ymd(y, m, day).ok())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_table_follows_the_xun_reading(on in any_date()) {
        prop_assert_eq!(phase(on).0, phase_by_the_words(on), "{}", on);
    }

    #[test]
    fn the_thirds_of_a_month_partition_it(y in 1990i64..2100, m in 1u32..=12) {
        let b = |x: &str| eval("xun_bounds", &json!({"year": y, "month": m, "xun": x}));
        let (early, middle, late) = (b("early"), b("middle"), b("late"));
        prop_assert_eq!(date(&early["first"]), Date::from_ymd(y, m, 1).unwrap());
        prop_assert_eq!(date(&early["last"]).add_days(1).unwrap(), date(&middle["first"]));
        prop_assert_eq!(date(&middle["last"]).add_days(1).unwrap(), date(&late["first"]));
        let next_month = date(&late["last"]).add_days(1).unwrap();
        prop_assert_eq!(next_month.day(), 1);
        prop_assert_ne!(next_month.month(), m);
        prop_assert_eq!(date(&early["last"]).day(), 10);
        prop_assert_eq!(date(&middle["last"]).day(), 20);
    }

    #[test]
    fn census_period_contains_every_phase_day(on in any_date()) {
        let out = eval("census_period", &json!({"on": on.to_string()}));
        let within = matches!(out.get("within"), Some(Value::Bool(true)));
        if int(&out["phase"]) > 0 {
            prop_assert!(within, "{} is in a phase but not in the census period", on);
        }
        prop_assert_eq!(within, on >= parse_date("2023-11-01") && on <= parse_date("2026-05-31"));
    }
}

#[test]
fn categories_are_the_six_and_only_they() {
    let valid =
        |c: &str| matches!(eval("category_valid", &json!({"category": c})).get("valid"), Some(Value::Bool(true)));
    for c in ["古文化遗址", "古墓葬", "古建筑", "石窟寺及石刻", "近现代重要史迹及代表性建筑", "其他"]
    {
        assert!(valid(c), "{c}");
    }
    for c in ["", "古遗址", "石窟寺", "其它", "可移动文物"] {
        assert!(!valid(c), "{c}");
    }
}
