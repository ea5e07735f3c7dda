//! Reforms laid over the shipped packs: what they change, what they leave,
//! where their mistakes are reported, and the comparison of a scenario
//! before and after.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use ordinance_core::engine::{Engine, LoadOptions};
use ordinance_core::{Date, EvalOptions, Value};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn base() -> Engine {
    Engine::load_dir_with(root().join("rules"), LoadOptions::default()).unwrap()
}

fn reformed(paths: &[PathBuf]) -> Result<Engine, String> {
    base().with_reforms(paths).map_err(|e| e.diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
}

/// A reform written to a file of its own (in a fresh folder).
fn reform_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordinance-reform-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.yaml"));
    std::fs::write(&p, text).unwrap();
    p
}

const HEAD: &str =
    "format: 1\nreform: r\nsource: {document: 草案, title: t, issued_by: i, date: 2024-05-20}\nchanges:\n";

fn visits(engine: &Engine, class: &str, day: &str) -> Value {
    let opts = EvalOptions { as_of: Some(Date::parse(day).unwrap()), ..EvalOptions::default() };
    let d = engine.evaluate("energy_safety.inspection_frequency", &serde_json::json!({"class": class}), &opts).unwrap();
    d.outputs["visits_per_year"].clone()
}

fn example(name: &str) -> PathBuf {
    root().join("examples/reforms").join(name)
}

#[test]
fn a_reform_from_a_date_changes_answers_from_that_date_only() {
    let before = base();
    let after = reformed(&[example("class_b_three_a_quarter.yaml")]).unwrap();
    assert_ne!(before.ruleset_hash(), after.ruleset_hash());
    for class in ["A", "B", "C", "D"] {
        assert_eq!(visits(&before, class, "2024-06-30"), visits(&after, class, "2024-06-30"), "{class} before July");
    }
    // from July, B a third more visits (3 a quarter instead of 2); the rest as they were
    let (b, a) = (visits(&before, "B", "2024-07-01"), visits(&after, "B", "2024-07-01"));
    let (Value::Number(b), Value::Number(a)) = (b, a) else { panic!() };
    assert_eq!(
        a.mul(&ordinance_core::Number::from_int(2)).unwrap(),
        b.mul(&ordinance_core::Number::from_int(3)).unwrap()
    );
    for class in ["A", "C", "D"] {
        assert_eq!(visits(&before, class, "2024-07-01"), visits(&after, class, "2024-07-01"), "{class} after July");
    }
}

#[test]
fn comparing_the_2024_scenario_shows_the_plan_move_and_the_test_it_breaks() {
    let scenario = root().join("examples/energy_safety_2024.yaml");
    let rules = root().join("rules");
    let plain = LoadOptions::default();
    let with = LoadOptions { reforms: vec![example("class_b_all_year.yaml")], ..LoadOptions::default() };
    let before = ordinance_core::scenario::run_file_with(&scenario, &rules, &plain).unwrap();
    let after = ordinance_core::scenario::run_file_with(&scenario, &rules, &with).unwrap();
    let tb = Engine::load_dir_with(&rules, plain).unwrap().run_tests();
    let ta = Engine::load_dir_with(&rules, with).unwrap().run_tests();
    let cmp = ordinance_core::compare::compare_scenario(&before, &after, &tb, &ta);
    let figure = |out: &str| cmp.figures.iter().find(|f| f.step == "plan" && f.output == out && f.item.is_none());
    let total = figure("total").expect("the plan total moves");
    // the total grows by half the class-B visits (2 → 3 a quarter)
    let by_class = figure("by_class").unwrap();
    let b_before = by_class.before.field("B").cloned().unwrap();
    let Value::Number(b_before) = b_before else { panic!() };
    let half = b_before.div(&ordinance_core::Number::from_int(2)).unwrap();
    assert_eq!(total.delta.clone().unwrap(), half);
    assert!(cmp.claims.iter().any(|c| c.id == "planned_total"), "{:?}", cmp.claims);
    assert_eq!(cmp.broken_tests.len(), 1, "{:?}", cmp.broken_tests);
    assert!(cmp.broken_tests[0].message.as_deref().unwrap_or("").contains("visits_per_year"));
    let text = cmp.to_text(ordinance_core::report::Lang::En);
    assert!(text.contains("plan.total: ") && text.contains("tests that now fail:"), "{text}");
    assert_eq!(cmp.to_json()["figures"].as_array().unwrap().len(), cmp.figures.len());
    // a dated reform moves nothing in a scenario dated before it applies
    let dated = LoadOptions { reforms: vec![example("class_b_three_a_quarter.yaml")], ..LoadOptions::default() };
    let after = ordinance_core::scenario::run_file_with(&scenario, &rules, &dated).unwrap();
    assert!(ordinance_core::compare::compare_reports(&before, &after).0.is_empty());
}

#[test]
fn an_empty_reform_changes_nothing_not_even_the_hash() {
    let p = reform_file("empty", &format!("{HEAD}  []\n").replace("changes:\n  []", "changes: []"));
    assert_eq!(reformed(&[p]).unwrap().ruleset_hash(), base().ruleset_hash());
}

#[test]
fn a_reform_then_its_inverse_restores_every_answer() {
    let to_three = example("class_b_all_year.yaml");
    let back = reform_file(
        "back",
        &format!(
            "{HEAD}  - rule: energy_safety.supervision_cycle\n    rows:\n      remove: [4]\n      replace:\n        2: {{when: {{class: [B, C]}}, then: {{mode: key, visits_per_period: 2, period: quarter, periods_per_year: 4}}}}\n    cite: {{clause: c, quote: q}}\n"
        ),
    );
    let round = reformed(&[to_three, back]).unwrap();
    let plain = base();
    for class in ["A", "B", "C", "D"] {
        for day in ["2024-01-01", "2024-08-01"] {
            assert_eq!(visits(&plain, class, day), visits(&round, class, day), "{class} {day}");
        }
    }
}

#[test]
fn a_neutralised_rule_gives_zero_and_false() {
    let p = reform_file(
        "neutral",
        &format!("{HEAD}  - {{rule: energy_safety.inspection_team_valid, neutralise: true, cite: {{clause: c, quote: q}}}}\n"),
    );
    let e = reformed(&[p]).unwrap();
    let d = e
        .evaluate(
            "energy_safety.inspection_team_valid",
            &serde_json::json!({"inspectors": 1}),
            &common::at("2024-06-30"),
        )
        .unwrap();
    assert_eq!(d.outputs["valid"], Value::Bool(false));
    assert_eq!(d.outputs["shortfall"], Value::int(0));
}

#[test]
fn mistakes_in_a_reform_are_reported_in_the_reform() {
    let p = reform_file(
        "bad",
        &format!(
            "{HEAD}  - {{rule: energy_safety.supervison_cycle, rows: {{remove: [1]}}, cite: {{clause: c, quote: q}}}}\n  - rule: energy_safety.inspection_team_valid\n    formula: {{valid: \"inspectors >= \", shortfall: \"0\"}}\n    cite: {{clause: c, quote: q}}\n  - {{parameter: energy_safety.nothing_here, value: 3, cite: {{clause: c, quote: q}}}}\n"
        ),
    );
    let e = reformed(std::slice::from_ref(&p)).unwrap_err();
    let name = p.display().to_string();
    assert!(e.contains(&format!("{name}:5:")) && e.contains("did you mean `supervision_cycle`?"), "{e}");
    assert!(e.contains(&format!("{name}:7:")), "the formula's error is in the reform: {e}");
    assert!(e.contains("has no parameter `nothing_here`"), "{e}");
    assert!(!e.contains("energy_safety.yaml:"), "nothing is blamed on the pack: {e}");
}

#[test]
fn a_reform_s_quotes_are_checked_against_its_own_source() {
    let dir = std::env::temp_dir().join(format!("ordinance-reform-{}-quote", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("draft.txt"), "B 类企业每季度检查 3 次。\n").unwrap();
    let text = |quote: &str| {
        format!(
            "format: 1\nreform: r\nsource: {{document: 草案, title: t, issued_by: i, date: 2024-05-20, text: draft.txt}}\nchanges:\n  - rule: energy_safety.supervision_cycle\n    cell: {{row: 2, output: visits_per_period, value: 3}}\n    cite: {{clause: 一, quote: {quote}}}\n"
        )
    };
    std::fs::write(dir.join("good.yaml"), text("每季度检查 3 次")).unwrap();
    let good = reformed(&[dir.join("good.yaml")]).unwrap();
    assert_eq!(visits(&good, "C", "2024-03-01"), Value::int(12), "the cell of row 2 (B and C)");
    std::fs::write(dir.join("bad.yaml"), text("每季度检查 4 次")).unwrap();
    let e = reformed(&[dir.join("bad.yaml")]).unwrap_err();
    assert!(e.contains("bad.yaml:7:") && e.contains("每季度检查4次"), "{e}");
}

/// The tax on `taxable` yuan by brackets read from a reform file, in fen,
/// computed bracket by bracket with plain integers: an oracle that shares
/// nothing with the engine but the reform's text.
fn oracle_tax_fen(brackets: &[(Option<i128>, i128)], taxable: i128) -> i128 {
    let (mut lower, mut fen) = (0i128, 0i128);
    for (upto, percent) in brackets {
        let top = upto.map_or(taxable, |u| u.min(taxable));
        if top > lower {
            fen += (top - lower) * percent;
        }
        match upto {
            Some(u) if taxable > *u => lower = *u,
            _ => break,
        }
    }
    fen
}

/// The brackets of the scale change of a reform file: (upto, rate in %).
fn reform_brackets(path: &Path) -> Vec<(Option<i128>, i128)> {
    let doc: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["changes"][0]["brackets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let upto = b.get("upto").map(|u| u.as_i64().unwrap() as i128);
            let rate = b["rate"].as_str().unwrap().trim_end_matches('%').parse::<i128>().unwrap();
            (upto, rate)
        })
        .collect()
}

#[test]
fn a_new_income_tax_scale_over_100k_generated_earners() {
    let reform = example("iit_first_bracket_60000.yaml");
    let after = reformed(std::slice::from_ref(&reform)).unwrap();
    let before = base();
    // 100,000 taxable incomes, whole yuan, 0 to 1.5 million, most of them small
    let mut x: u64 = 0x2024_0701;
    let incomes: Vec<i128> = (0..100_000)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let u = (x >> 33) as i128 % 1_000_000;
            u * u / 666_667 // skewed towards 0, up to 1.5 million
        })
        .collect();
    let rows: Vec<serde_json::Value> =
        incomes.iter().map(|i| serde_json::json!({ "taxable": i.to_string() })).collect();
    let opts = EvalOptions { as_of: Some(Date::parse("2025-06-30").unwrap()), ..EvalOptions::default() };
    let cmp = ordinance_core::compare::compare_rows(&before, &after, "individual_income_tax.annual_tax", &rows, &opts)
        .unwrap();
    assert_eq!(cmp.rows, 100_000);
    // every changed row is checked against the oracle, and pays no more
    let new = reform_brackets(&reform);
    let fen = |v: &Value| match v {
        Value::Number(n) => n.mul(&ordinance_core::Number::from_int(100)).unwrap().to_i64().unwrap() as i128,
        other => panic!("{other:?}"),
    };
    let mut delta_fen = 0i128;
    for (k, c) in cmp.changed.iter().enumerate() {
        let (b, a) = (c.before.as_ref().unwrap(), c.after.as_ref().unwrap());
        let (tb, ta) = (fen(&b["tax"]), fen(&a["tax"]));
        assert_eq!(ta, oracle_tax_fen(&new, incomes[c.index]), "row {}", c.index);
        assert!(ta <= tb, "row {}: {tb} → {ta}", c.index);
        delta_fen += ta - tb;
        // the cause is named for the first MAX_CAUSES changed rows, not after
        if k < ordinance_core::compare::MAX_CAUSES {
            assert!(c.cause.as_deref().is_some_and(|s| s.contains("示例税率调整方案")), "{:?}", c.cause);
        } else {
            assert_eq!(c.cause, None);
        }
    }
    assert!(cmp.changed.len() > ordinance_core::compare::MAX_CAUSES, "both sides of the cap are seen");
    // the rows left alone are the ones at or under the old first bracket
    let changed: std::collections::HashSet<usize> = cmp.changed.iter().map(|c| c.index).collect();
    let pack: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root().join("rules/individual_income_tax.yaml")).unwrap())
            .unwrap();
    let old_first = pack["scales"]["comprehensive"]["brackets"][0]["upto"].as_i64().unwrap() as i128;
    assert!(incomes.iter().enumerate().all(|(i, x)| changed.contains(&i) == (*x > old_first)));
    // the total's delta is the sum of the rows' deltas
    let (_, tb, ta) = cmp.totals.iter().find(|(k, _, _)| k == "tax").unwrap();
    assert_eq!(fen(&Value::Number(ta.sub(tb).unwrap())), delta_fen);
    // deciles of tax before and after: none rises
    let mut taxes_before: Vec<i128> = Vec::new();
    let mut taxes_after: Vec<i128> = Vec::new();
    for (i, _) in incomes.iter().enumerate() {
        match cmp.changed.iter().find(|c| c.index == i) {
            Some(c) => {
                taxes_before.push(fen(&c.before.as_ref().unwrap()["tax"]));
                taxes_after.push(fen(&c.after.as_ref().unwrap()["tax"]));
            }
            None => {
                let t = oracle_tax_fen(&new, incomes[i]);
                taxes_before.push(t);
                taxes_after.push(t);
            }
        }
    }
    taxes_before.sort_unstable();
    taxes_after.sort_unstable();
    let deciles = |v: &[i128]| (1..10).map(|k| v[k * v.len() / 10]).collect::<Vec<_>>();
    let (db, da) = (deciles(&taxes_before), deciles(&taxes_after));
    println!("deciles of tax (fen), before: {db:?}\nafter: {da:?}");
    assert!(db.iter().zip(&da).all(|(b, a)| a <= b));
    assert!(db.iter().zip(&da).any(|(b, a)| a < b), "the change reaches some decile");
}

#[test]
fn a_neutralised_withholding_withholds_nothing() {
    let after = reformed(&[example("neutralise_withholding.yaml")]).unwrap();
    let d = after
        .evaluate(
            "individual_income_tax.monthly_withholding",
            &serde_json::json!({"cumulative_taxable": 100000, "withheld_before": 0}),
            &common::at("2025-06-30"),
        )
        .unwrap();
    assert_eq!(d.outputs["this_month"], Value::Number(ordinance_core::Number::zero()));
    let before = base()
        .evaluate(
            "individual_income_tax.monthly_withholding",
            &serde_json::json!({"cumulative_taxable": 100000, "withheld_before": 0}),
            &common::at("2025-06-30"),
        )
        .unwrap();
    assert_ne!(before.outputs["this_month"], d.outputs["this_month"]);
}

mod properties {
    use super::*;
    use ordinance_core::engine::bind_inputs;
    use proptest::prelude::*;

    const BANDS: [&str; 3] = ["a", "b", "c"];

    /// A small pack: a fee by band from a table, scaled by a parameter.
    const PACK: &str = "format: 1\npack: p\nsource: {document: D, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nparameters:\n  factor: {value: 2, cite: {clause: c, quote: q}}\nrules:\n  fee:\n    cite: {clause: c, quote: q}\n    inputs: {band: {enum: [a, b, c]}, n: integer}\n    outputs: {base: integer}\n    table:\n      hit: unique\n      rows:\n        - {when: {band: a}, then: {base: 1}}\n        - {when: {band: b}, then: {base: 2}}\n        - {when: {band: c}, then: {base: 3}}\n  total:\n    cite: {clause: c, quote: q}\n    inputs: {band: {enum: [a, b, c]}, n: integer}\n    formula:\n      amount: fee(band = band, n = n).base * n * factor\n";

    fn folder(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ordinance-reform-prop-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("p.yaml"), PACK).unwrap();
        dir
    }

    fn change(row: usize, base: i64, factor: i64, from: Option<u32>) -> String {
        let from = from.map(|d| format!("    from: 2024-{:02}-01\n", d)).unwrap_or_default();
        format!(
            "format: 1\nreform: r\nsource: {{document: d, title: t, issued_by: i, date: 2024-01-01}}\nchanges:\n  - rule: p.fee\n{from}    cell: {{row: {row}, output: base, value: {base}}}\n    cite: {{clause: c, quote: q}}\n  - parameter: p.factor\n{from}    value: {factor}\n    cite: {{clause: c, quote: q}}\n"
        )
    }

    /// The outputs of `rule` on `row` by the reference interpreter.
    fn reference_of(engine: &Engine, rule: &str, row: &serde_json::Value, day: Date) -> String {
        let rs = engine.snapshot();
        let (rid, r) = rs.rule(rule).unwrap();
        let args = bind_inputs(r, row).unwrap();
        format!("{:?}", ordinance_core::reference::evaluate(&rs, rid, args, day, 1000))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Compare over rows names exactly the rows whose outputs the
        /// reference interpreter finds different under the two rule sets,
        /// and the total's delta is the sum of the rows' deltas.
        #[test]
        fn compare_over_rows_agrees_with_the_reference_row_by_row(
            row in 1usize..=3, base in 0i64..5, factor in 1i64..4, from in proptest::option::of(2u32..12),
            rows in proptest::collection::vec((0usize..3, 0i64..10), 1..30), month in 1u32..13,
        ) {
            let dir = folder(&format!("{row}-{base}-{factor}-{from:?}"));
            let reform = dir.join("reforms").join("r.yaml");
            std::fs::create_dir_all(dir.join("reforms")).unwrap();
            std::fs::write(&reform, change(row, base, factor, from)).unwrap();
            let before = Engine::load_dir(&dir).unwrap();
            let after = before.with_reforms(std::slice::from_ref(&reform)).unwrap();
            let day = Date::from_ymd(2024, month, 15).unwrap();
            let data: Vec<serde_json::Value> =
                rows.iter().map(|(b, n)| serde_json::json!({"band": BANDS[*b], "n": n})).collect();
            let opts = EvalOptions { as_of: Some(day), ..EvalOptions::default() };
            let cmp = ordinance_core::compare::compare_rows(&before, &after, "p.total", &data, &opts).unwrap();
            let expected: Vec<usize> = data
                .iter()
                .enumerate()
                .filter(|(_, r)| reference_of(&before, "p.total", r, day) != reference_of(&after, "p.total", r, day))
                .map(|(i, _)| i)
                .collect();
            let got: Vec<usize> = cmp.changed.iter().map(|c| c.index).collect();
            prop_assert_eq!(got, expected);
            let delta: ordinance_core::Number = cmp.changed.iter().fold(ordinance_core::Number::zero(), |acc, c| {
                match (&c.before.as_ref().unwrap()["amount"], &c.after.as_ref().unwrap()["amount"]) {
                    (Value::Number(b), Value::Number(a)) => acc.add(&a.sub(b).unwrap()).unwrap(),
                    _ => acc,
                }
            });
            let (_, tb, ta) = cmp.totals.iter().find(|(k, _, _)| k == "amount").unwrap();
            prop_assert_eq!(ta.sub(tb).unwrap(), delta);
        }

        /// A reform, then one that puts the old values back, restores every
        /// answer on every day.
        #[test]
        fn a_reform_then_its_inverse_restores_every_answer_of_the_small_pack(
            row in 1usize..=3, base in 0i64..5, factor in 1i64..4,
            rows in proptest::collection::vec((0usize..3, 0i64..10), 1..10), month in 1u32..13,
        ) {
            let dir = folder(&format!("inv-{row}-{base}-{factor}"));
            std::fs::create_dir_all(dir.join("reforms")).unwrap();
            let there = dir.join("reforms").join("there.yaml");
            let back = dir.join("reforms").join("back.yaml");
            std::fs::write(&there, change(row, base, factor, None)).unwrap();
            // the pack's own values: base k in row k, factor 2
            std::fs::write(&back, change(row, row as i64, 2, None)).unwrap();
            let plain = Engine::load_dir(&dir).unwrap();
            let round = plain.with_reforms(&[there, back]).unwrap();
            let opts = EvalOptions { as_of: Some(Date::from_ymd(2024, month, 1).unwrap()), ..EvalOptions::default() };
            for (b, n) in rows {
                let input = serde_json::json!({"band": BANDS[b], "n": n});
                prop_assert_eq!(
                    plain.evaluate("p.total", &input, &opts).unwrap().outputs,
                    round.evaluate("p.total", &input, &opts).unwrap().outputs
                );
            }
        }
    }
}

#[test]
fn a_reform_left_in_the_rules_folder_is_named_for_what_it_is() {
    let dir = std::env::temp_dir().join(format!("ordinance-reform-{}-misplaced", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(example("class_b_all_year.yaml"), dir.join("class_b_all_year.yaml")).unwrap();
    let e = Engine::load_dir(&dir).unwrap_err();
    let help = e.diagnostics[0].help.clone().unwrap_or_default();
    assert!(help.contains("this is a reform, not a pack") && help.contains("--reform FILE"), "{e:?}");
}

#[test]
fn a_run_time_error_in_a_formula_a_reform_wrote_names_the_reform() {
    let p = reform_file(
        "runtime",
        &format!(
            "{HEAD}  - rule: energy_safety.inspection_team_valid\n    formula:\n      valid: \"inspectors >= 1\"\n      shortfall: \"1 / (inspectors - inspectors)\"\n    cite: {{clause: c, quote: q}}\n"
        ),
    );
    let e = reformed(std::slice::from_ref(&p)).unwrap();
    let err = e
        .evaluate(
            "energy_safety.inspection_team_valid",
            &serde_json::json!({"inspectors": 3}),
            &common::at("2024-06-30"),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains(&format!("{}:8:", p.display())), "{err}");
}
