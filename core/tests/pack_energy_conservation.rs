//! Properties of the energy-conservation pack (东政办发〔2024〕11号): every
//! threshold treats the bound and one unit either side as its words say
//! (以上/以下/不低于/达到/范围内 inclusive; 超过/突破/低于 strict; 左右 within the
//! stated tolerance), targets are monotone in the reported value, and the
//! rounded-rate bracket of the 17.2% claim picks exactly one printed rate —
//! the one `average_annual_decline_rounded` computes by counting.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{flag, number, pack_engine, text};
use indexmap::IndexMap;
use ordinance_core::{Number, Value};
use proptest::prelude::*;
use serde_json::json;

/// A rule of the energy-conservation pack alone, as of 2024-06-30.
fn eval(rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval(pack_engine("energy_conservation"), &format!("energy_conservation.{rule}"), input)
}

fn n(s: &str) -> Number {
    Number::parse(s).unwrap()
}

/// `bound + k * step`, as an exact string for JSON input.
fn near(bound: &str, k: i64, step: &str) -> String {
    n(bound).add(&Number::from_int(k).mul(&n(step)).unwrap()).unwrap().to_string()
}

/// Checks a one-input threshold at the bound and one step either side, and
/// at `k` steps from the bound: inclusive `>=` when `ge`, else `<=`.
fn check_bound(bound: &str, step: &str, k: i64, inclusive_ge: bool, holds: impl Fn(&str) -> bool) {
    for j in [-1, 0, 1, k] {
        let v = near(bound, j, step);
        let want = if inclusive_ge { j >= 0 } else { j <= 0 };
        assert_eq!(holds(&v), want, "bound {bound}, value {v}");
    }
}

#[test]
fn audit_and_diagnosis_thresholds_include_the_bound() {
    for k in [-5000, -2, 2, 5000] {
        check_bound("50000", "1", k, true, |v| {
            flag(&eval("energy_audit_scope", &json!({"annual_energy_tce": v}))["region_audit"])
        });
        check_bound("5000", "1", k, true, |v| {
            flag(&eval("energy_audit_scope", &json!({"annual_energy_tce": v}))["district_audit"])
        });
        check_bound("10000", "1", k, true, |v| {
            flag(&eval("energy_diagnosis_threshold", &json!({"annual_energy_tce": v}))["diagnosis_required"])
        });
    }
    // and a tenth of a tonne below the bound is still below it
    assert!(!flag(&eval("energy_audit_scope", &json!({"annual_energy_tce": "4999.9"}))["district_audit"]));
}

#[test]
fn green_building_areas_include_the_bound() {
    check_bound("20000", "1", 100, true, |v| {
        flag(
            &eval("green_building_star_requirement", &json!({"kind": "public_building", "single_building_area_m2": v}))
                ["required"],
        )
    });
    check_bound("50000", "1", 100, true, |v| {
        flag(
            &eval("green_building_star_requirement", &json!({"kind": "residential_community", "community_area_m2": v}))
                ["required"],
        )
    });
    // the area thresholds belong to their kind: a large residential area does not make a public building one-star
    let out = eval("green_building_star_requirement", &json!({"kind": "public_building", "community_area_m2": 90000}));
    assert!(!flag(&out["required"]));
}

#[test]
fn coal_and_chp_ceilings_include_the_bound() {
    for k in [-10, 10] {
        check_bound("11.8", "0.1", k, false, |v| {
            flag(&eval("coal_mining_energy_limits", &json!({"kgce_per_t": v}))["meets_limit"])
        });
        check_bound("7.5", "0.1", k, false, |v| {
            flag(&eval("coal_mining_energy_limits", &json!({"kgce_per_t": v}))["meets_entry"])
        });
        check_bound("2.5", "0.1", k, false, |v| {
            flag(&eval("coal_mining_energy_limits", &json!({"kgce_per_t": v}))["meets_advanced"])
        });
        check_bound("270", "0.1", k, false, |v| {
            flag(
                &eval("chp_coal_consumption_limits", &json!({"supply_gce_per_kwh": v, "heat_kgce_per_gj": 40}))
                    ["supply_ok"],
            )
        });
        check_bound("40.5", "0.1", k, false, |v| {
            flag(
                &eval("chp_coal_consumption_limits", &json!({"supply_gce_per_kwh": 260, "heat_kgce_per_gj": v}))
                    ["heat_ok"],
            )
        });
    }
}

#[test]
fn boiler_shutdown_needs_both_conditions_each_inclusive() {
    check_bound("300", "1", 300, true, |v| {
        flag(&eval("chp_boiler_shutdown", &json!({"chp_capacity_mw": v, "boiler_distance_km": 15}))["shut_down"])
    });
    check_bound("15", "0.1", 50, false, |v| {
        flag(&eval("chp_boiler_shutdown", &json!({"chp_capacity_mw": 300, "boiler_distance_km": v}))["shut_down"])
    });
    assert!(!flag(
        &eval("chp_boiler_shutdown", &json!({"chp_capacity_mw": 299, "boiler_distance_km": "15.1"}))["shut_down"]
    ));
}

#[test]
fn data_centre_share_and_pue() {
    // 50% of a 10000 m² building, ±10 m² (0.1%)
    check_bound("5000", "10", 100, true, |v| {
        flag(&eval("data_centre_bipv", &json!({"data_centre_area_m2": v, "building_area_m2": 10000}))["bipv_required"])
    });
    check_bound("1.3", "0.01", 10, false, |v| flag(&eval("data_centre_pue", &json!({"pue": v}))["meets_target"]));
    // the strict reading excludes 1.3 itself and nothing else
    assert!(!flag(&eval("data_centre_pue", &json!({"pue": "1.3", "strict": true}))["meets_target"]));
    assert!(flag(&eval("data_centre_pue", &json!({"pue": "1.29", "strict": true}))["meets_target"]));
}

#[test]
fn project_admission_bands_are_strict_and_equality_is_flagged() {
    let adm = |p: &str| {
        eval(
            "project_energy_admission",
            &json!({"project_intensity": p, "district_intensity": "0.23", "city_benchmark": "1.5"}),
        )
    };
    assert_eq!(text(&adm("0.22")["admission"]), "priority");
    assert_eq!(text(&adm("0.23")["admission"]), "city_quota_listing");
    assert!(flag(&adm("0.23")["boundary_case"]));
    assert_eq!(text(&adm("0.24")["admission"]), "city_quota_listing");
    assert_eq!(text(&adm("1.4")["admission"]), "city_quota_listing");
    assert_eq!(text(&adm("1.5")["admission"]), "not_prioritised");
    assert!(flag(&adm("1.5")["boundary_case"]));
    assert_eq!(text(&adm("1.6")["admission"]), "not_prioritised");
    assert!(!flag(&adm("1.6")["boundary_case"]));
}

const INDICATORS: &[&str] = &[
    "energy_intensity_decline_vs_2020",
    "coal_mining_unit_energy",
    "chp_supply_coal_consumption",
    "chp_heat_coal_consumption",
    "new_energy_capacity_total",
    "new_energy_capacity_added",
    "new_energy_generation_added",
    "distributed_pv_capacity",
    "decentralised_wind_capacity",
    "flexibility_retrofit_pv_capacity",
    "market_new_energy_capacity",
    "coal_share_of_consumption",
    "clean_heating_coverage",
    "non_coal_share_industrial_va",
    "star_green_building_share",
    "renewable_share_civil_buildings",
    "prefab_building_area",
    "prefab_building_share",
    "existing_building_retrofit_area",
    "old_community_retrofit_completion",
    "large_public_cooling_efficiency_gain",
    "public_energy_per_person_cut_vs_2020",
    "public_energy_per_m2_cut_vs_2020",
    "thrift_organ_share",
    "green_mine_coverage",
    "data_centre_pue",
    "transit_trip_share",
    "green_travel_share",
    "taxi_swap_stations_built",
    "new_energy_taxis_added",
    "new_energy_buses",
    "new_energy_bus_share",
    "supply_coal_saving",
    "diagnosis_energy_saving",
];

/// One unit of an indicator's threshold, from its unit: 0.1 percentage
/// point for shares and rates, 0.01 for PUE, one for whole thresholds
/// (counts, MW, 万平方米, tce), 0.1 for the rest (kgce/t, 亿千瓦时).
fn unit_of(threshold: &Number, unit: &str) -> Number {
    if unit.contains("PUE") {
        n("0.01")
    } else if ["share", "coverage", "fraction", "gain", "cut"].iter().any(|w| unit.contains(w)) {
        n("0.1%")
    } else if threshold.is_integer() {
        n("1")
    } else {
        n("0.1")
    }
}

fn target(indicator: &str, value: &Number) -> IndexMap<String, Value> {
    eval("target_2025", &json!({"indicator": indicator, "value": value.to_string()}))
}

#[test]
fn every_target_treats_its_bound_as_worded() {
    let tolerance = n("1%");
    for ind in INDICATORS {
        let def = eval("target_2025_definition", &json!({"indicator": ind}));
        let t = number(&def["threshold"]);
        let op = text(&def["operator"]);
        let u = unit_of(&t, &text(&def["unit"]));
        let below = t.sub(&u).unwrap();
        let above = t.add(&u).unwrap();
        let met = |v: &Number| flag(&target(ind, v)["met"]);
        match op.as_str() {
            "ge" => assert!(met(&t) && !met(&below) && met(&above), "{ind}: ≥ {t}"),
            "gt" => assert!(!met(&t) && !met(&below) && met(&above), "{ind}: > {t}"),
            "le" => assert!(met(&t) && met(&below) && !met(&above), "{ind}: ≤ {t}"),
            "lt" => assert!(!met(&t) && met(&below) && !met(&above), "{ind}: < {t}"),
            "about" => {
                let lo = t.sub(&tolerance).unwrap();
                let hi = t.add(&tolerance).unwrap();
                assert!(met(&t) && met(&lo) && met(&hi), "{ind}: ≈ {t}, edges included");
                assert!(!met(&lo.sub(&u).unwrap()) && !met(&hi.add(&u).unwrap()), "{ind}: ≈ {t}, beyond the tolerance");
            }
            other => panic!("{ind}: unknown operator {other}"),
        }
    }
}

#[test]
fn operators_follow_the_words_of_the_text() {
    let op = |ind: &str| text(&eval("target_2025_definition", &json!({"indicator": ind}))["operator"]);
    // 超过 / 突破: strict
    for ind in ["clean_heating_coverage", "star_green_building_share", "prefab_building_area"] {
        assert_eq!(op(ind), "gt", "{ind}");
    }
    // 以下: inclusive ceilings
    for ind in ["coal_share_of_consumption", "data_centre_pue"] {
        assert_eq!(op(ind), "le", "{ind}");
    }
    // 左右
    assert_eq!(op("non_coal_share_industrial_va"), "about");
    // 以上 / 不低于 / 达到: inclusive floors
    for ind in [
        "new_energy_generation_added",
        "existing_building_retrofit_area",
        "renewable_share_civil_buildings",
        "large_public_cooling_efficiency_gain",
        "new_energy_buses",
        "thrift_organ_share",
    ] {
        assert_eq!(op(ind), "ge", "{ind}");
    }
}

fn ratio_strategy() -> impl Strategy<Value = (i64, i64)> {
    // start and end in tenths of 万tce, end below start
    (1_000i64..100_000).prop_flat_map(|start| (Just(start), 1i64..start))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn targets_are_monotone_in_the_value(i in 0usize..INDICATORS.len(), a in -2_000i64..2_000, b in -2_000i64..2_000) {
        let ind = INDICATORS[i];
        let def = eval("target_2025_definition", &json!({"indicator": ind}));
        let t = number(&def["threshold"]);
        let op = text(&def["operator"]);
        prop_assume!(op != "about");
        let step = unit_of(&t, &text(&def["unit"]));
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let v_lo = t.add(&Number::from_int(lo).mul(&step).unwrap()).unwrap();
        let v_hi = t.add(&Number::from_int(hi).mul(&step).unwrap()).unwrap();
        let (m_lo, m_hi) = (flag(&target(ind, &v_lo)["met"]), flag(&target(ind, &v_hi)["met"]));
        if op == "ge" || op == "gt" {
            prop_assert!(!m_lo || m_hi, "{} floor: met at {} but not at {}", ind, v_lo, v_hi);
        } else {
            prop_assert!(!m_hi || m_lo, "{} ceiling: met at {} but not at {}", ind, v_hi, v_lo);
        }
    }

    #[test]
    fn audit_scope_is_exactly_the_inclusive_threshold(tce in 0i64..120_000) {
        let out = eval("energy_audit_scope", &json!({"annual_energy_tce": tce}));
        prop_assert_eq!(flag(&out["region_audit"]), tce >= 50_000);
        prop_assert_eq!(flag(&out["district_audit"]), tce >= 5_000);
    }

    #[test]
    fn boiler_shutdown_is_the_conjunction(mw in 250i64..350, tenth_km in 100i64..200) {
        let km = Number::ratio(tenth_km.into(), 10).unwrap();
        let out = eval("chp_boiler_shutdown", &json!({"chp_capacity_mw": mw, "boiler_distance_km": km.to_string()}));
        prop_assert_eq!(flag(&out["shut_down"]), mw >= 300 && tenth_km <= 150);
    }

    /// The brackets [p − 0.05%, p + 0.05%) of the printed rates p = k/1000
    /// partition the rates, so exactly one printed rate is consistent with
    /// any start and end figures.
    #[test]
    fn exactly_one_rounded_rate_is_consistent((start, end) in ratio_strategy()) {
        let rate = 1.0 - (end as f64 / start as f64).powf(0.2);
        let k0 = (rate * 1000.0).round() as i64;
        let mut consistent = Vec::new();
        for k in (k0 - 2)..=(k0 + 2) {
            if !(0..1000).contains(&k) { continue; }
            let out = eval("average_annual_decline", &json!({
                "start": Number::ratio(start.into(), 10).unwrap().to_string(),
                "end": Number::ratio(end.into(), 10).unwrap().to_string(),
                "years": 5,
                "printed_rate": Number::ratio(k.into(), 1000).unwrap().to_string(),
                "half_unit": "0.05%"}));
            if flag(&out["consistent"]) { consistent.push(k); }
        }
        prop_assert_eq!(consistent.len(), 1, "start {} end {}: {:?}", start, end, consistent);
        // and counting the power bounds gives that same rate
        let counted = number(&eval("average_annual_decline_rounded", &json!({
            "start": Number::ratio(start.into(), 10).unwrap().to_string(),
            "end": Number::ratio(end.into(), 10).unwrap().to_string(),
            "years": 5, "scale": 1000}))["rate"]);
        prop_assert_eq!(counted, Number::ratio(consistent[0].into(), 1000).unwrap());
    }
}

#[test]
fn the_printed_baseline_figures() {
    assert_eq!(
        number(&eval("baseline_reduction", &json!({"start": "415.9", "end": "162.1"}))["reduction"]),
        n("253.8")
    );
    let rate = |p: &str| {
        flag(
            &eval(
                "average_annual_decline",
                &json!({"start": "415.9", "end": "162.1", "years": 5, "printed_rate": p, "half_unit": "0.05%"}),
            )["consistent"],
        )
    };
    assert!(rate("17.2%"));
    assert!(!rate("17.1%") && !rate("17.3%"));
}
