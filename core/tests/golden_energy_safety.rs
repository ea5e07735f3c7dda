//! The 2024 energy-safety plan recomputed end to end: the figures of the
//! source text (RULES_CATALOG.md §2, §11) must come out of the rules and the
//! rosters, and exactly the text's known inconsistencies must be reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{int, pack_engine, root, run_scenario};
use ordinance_core::scenario::{run_file, ClaimStatus, Report};
use ordinance_core::{Engine, EvalOptions, Value};

fn report() -> Report {
    run_scenario("energy_safety_2024")
}

fn field<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |acc, k| acc.field(k).unwrap_or_else(|| panic!("no field {k} in {acc}")))
}

fn step(r: &Report, id: &str) -> Value {
    Value::record(r.steps.iter().find(|s| s.id == id).unwrap().outputs.clone())
}

#[test]
fn planned_inspections_match_the_text() {
    let r = report();
    let plan = step(&r, "plan");
    assert_eq!(int(field(&plan, "total")), 568);
    for (sector, want) in
        [("coal_mine", 232), ("coal_business", 252), ("power", 40), ("oil_gas_pipeline", 20), ("new_energy", 24)]
    {
        assert_eq!(int(field(&plan, &format!("by_sector.{sector}"))), want, "{sector}");
    }
    for (class, want) in [("A", 17), ("B", 23), ("C", 8), ("D", 21), ("total", 69)] {
        assert_eq!(int(field(&plan, &format!("enterprises_by_class.{class}"))), want, "{class}");
    }
}

#[test]
fn workday_table_matches_the_text() {
    let r = report();
    let w = step(&r, "workdays");
    let golden = [
        ("general", 204),
        ("key", 744),
        ("patrol", 756),
        ("special", 1035),
        ("standardization", 78),
        ("double_random", 72),
        ("concentrated", 1035),
        ("assigned_tasks", 828),
        ("accident_investigation", 90),
        ("complaints", 300),
        ("penalties_appeals", 720),
        ("publicity_training", 60),
        ("total", 5922),
    ];
    for (line, want) in golden {
        assert_eq!(int(field(&w, line)), want, "{line}");
    }
    let b = step(&r, "budget");
    assert_eq!(int(field(&b, "statutory")), 8283);
    assert_eq!(int(field(&b, "non_enforcement")), 2361);
    assert_eq!(field(&b, "balanced"), &Value::Bool(true));
}

#[test]
fn exactly_the_known_inconsistencies_are_reported() {
    let r = report();
    let mut bad: Vec<&str> =
        r.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees).map(|c| c.id.as_str()).collect();
    bad.sort_unstable();
    assert_eq!(
        bad,
        [
            // E5: Annex 2 and 3 are headed 2023, and no heading is the listed title
            "annex_headings_carry_the_listed_year",
            "annex_headings_match_the_list",
            // E4: 北郊热电 in the body, 北骄热电 in Annex 3
            "named_power_enterprises_in_annex_3",
            "printed_supervision_follows_class_rule",
            "special_inspection_enterprises",
            "special_inspection_workdays",
            "standardization_grade_1",
            "standardization_grade_2",
            "standardization_mines",
            "standardization_mines_rated",
        ]
    );
    // E1: 68×5×3 is 1020, not the printed 1035
    let special = r.claims.iter().find(|c| c.id == "special_inspection_workdays").unwrap();
    let (_, formula) = special.printed_formula.as_ref().unwrap();
    assert_eq!(int(formula.as_ref().unwrap()), 1020);
    // E2: the 18 Annex-2 rows, each with its source line
    let c = step(&r, "consistency");
    let Value::List(rows) = field(&c, "mismatches") else { panic!() };
    assert_eq!(rows.len(), 18);
    let lines: Vec<i64> = rows.iter().map(|row| int(field(row, "line"))).collect();
    assert_eq!(lines[0], 1364);
    assert_eq!(lines[1], 1366);
    assert_eq!(lines[2..], (1378..=1408).step_by(2).collect::<Vec<_>>()[..]);
    // E3: 26 declared against 25 normally producing mines in the roster
    assert_eq!(int(field(&step(&r, "standardization"), "due")), 25);
    // every citation of a claim was found in the source text
    assert!(r.claims.iter().all(|c| c.cite.line.is_some()), "every quote has a line");
}

#[test]
fn the_trace_cites_the_clause() {
    let d = pack_engine("energy_safety")
        .evaluate(
            "energy_safety.inspection_frequency",
            &serde_json::json!({"class": "D"}),
            &EvalOptions { trace: true, ..EvalOptions::default() },
        )
        .unwrap();
    assert_eq!(d.outputs["mode"], Value::text("patrol"));
    assert_eq!(int(&d.outputs["visits_per_year"]), 12);
    // no date given in 2026: the 2024 plan answers as of its last day in force
    assert_eq!(d.as_of.to_string(), "2024-12-31");
    let cited = d
        .trace
        .iter()
        .filter_map(|t| t.cite.as_ref())
        .any(|c| c.clause == "三(四)1" && c.quote.contains("每月巡查盯守"));
    assert!(cited, "the trace cites 三(四)1");
    assert!(d.trace.iter().any(|t| t.name.as_deref() == Some("row 3")), "the matched row is traced");
}

/// A policy officer's edit takes effect on the next load, with no rebuild.
#[test]
fn editing_a_pack_changes_the_result() {
    let tmp = std::env::temp_dir().join(format!("ordinance-edit-{}", std::process::id()));
    let rules = tmp.join("rules");
    std::fs::create_dir_all(rules.join("sources")).unwrap();
    for entry in std::fs::read_dir(root().join("rules")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, rules.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(root().join("rules/sources/dongsheng_2024q1.txt"), rules.join("sources/dongsheng_2024q1.txt"))
        .unwrap();
    let path = rules.join("energy_safety.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace(
        "then: {mode: general, visits_per_period: 1, period: quarter, periods_per_year: 4}",
        "then: {mode: general, visits_per_period: 2, period: quarter, periods_per_year: 4}",
    );
    assert_ne!(text, edited, "the edit applies");
    let engine = Engine::load_dir(&rules).unwrap();
    let before = engine
        .evaluate("energy_safety.inspection_frequency", &serde_json::json!({"class": "A"}), &EvalOptions::default())
        .unwrap();
    std::fs::write(&path, edited).unwrap();
    engine.reload().unwrap();
    let after = engine
        .evaluate("energy_safety.inspection_frequency", &serde_json::json!({"class": "A"}), &EvalOptions::default())
        .unwrap();
    assert_eq!(int(&before.outputs["visits_per_year"]), 4);
    assert_eq!(int(&after.outputs["visits_per_year"]), 8);
    assert_ne!(before.ruleset, after.ruleset, "the rule-set hash follows the content");
    let r = run_file(&root().join("examples/energy_safety_2024.yaml"), &rules).unwrap();
    // 17 class-A enterprises now get 4 more visits each
    assert_eq!(int(field(&step(&r, "plan"), "total")), 568 + 17 * 4);
    let total = r.claims.iter().find(|c| c.id == "planned_total").unwrap();
    assert_eq!(total.status, ClaimStatus::Disagrees);
    std::fs::remove_dir_all(&tmp).ok();
}
