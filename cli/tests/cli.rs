//! The `ordinance` command end to end: every subcommand, its exit codes, and
//! the located diagnostics a policy officer sees for a broken pack.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn ordinance(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ordinance")).current_dir(root()).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A rules directory holding only the energy-safety pack (with its source
/// text), so that tests of the CLI do not depend on the other packs.
fn energy_only(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordinance-cli-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sources")).unwrap();
    std::fs::copy(root().join("rules/energy_safety.yaml"), dir.join("energy_safety.yaml")).unwrap();
    // the pack counts working days by this pack's calendar
    std::fs::copy(root().join("rules/cn_workdays_2024.yaml"), dir.join("cn_workdays_2024.yaml")).unwrap();
    std::fs::copy(root().join("rules/sources/dongsheng_2024q1.txt"), dir.join("sources/dongsheng_2024q1.txt")).unwrap();
    dir
}

fn broken(tag: &str, from: &str, to: &str) -> (PathBuf, Output) {
    let dir = energy_only(tag);
    let path = dir.join("energy_safety.yaml");
    let original = std::fs::read_to_string(&path).unwrap();
    assert!(original.contains(from), "the test's edit applies: {from}");
    std::fs::write(&path, original.replacen(from, to, 1)).unwrap();
    let out = ordinance(&["--rules", dir.to_str().unwrap(), "check"]);
    (dir, out)
}

#[test]
fn version() {
    let o = ordinance(&["--version"]);
    assert!(o.status.success());
    assert!(text(&o).starts_with("ordinance "));
}

#[test]
fn check_passes_on_the_shipped_packs() {
    let o = ordinance(&["check"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).starts_with("ok: "));
}

#[test]
fn check_reports_a_misspelt_key_with_its_location() {
    let (_, o) = broken(
        "key",
        "    table:\n      hit: unique\n      rows:\n        - when: {class: A}",
        "    table:\n      hit: unique\n      rows:\n        - whne: {class: A}",
    );
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("energy_safety.yaml:") && t.contains(": error: unknown field `whne`"), "{t}");
    let line = t.lines().find(|l| l.contains("error:")).unwrap();
    let parts: Vec<&str> = line.splitn(4, ':').collect();
    assert!(parts[1].parse::<u32>().unwrap() > 100 && parts[2].parse::<u32>().unwrap() > 0, "{line}");
}

#[test]
fn check_reports_a_bad_expression_at_its_column() {
    let (dir, o) =
        broken("expr", "valid: inspectors >= inspectors_per_visit", "valid: inspectors >= inspectors_per_vist");
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    let yaml = std::fs::read_to_string(dir.join("energy_safety.yaml")).unwrap();
    let (n, src) = yaml.lines().enumerate().find(|(_, l)| l.contains("inspectors_per_vist")).unwrap();
    let col = src.find("inspectors_per_vist").unwrap() + 1;
    let want = format!("energy_safety.yaml:{}:{}: error: unknown name `inspectors_per_vist`", n + 1, col);
    assert!(t.contains(&want), "expected `{want}` in:\n{t}");
    assert!(t.contains("help: did you mean `inspectors_per_visit`?"), "{t}");
}

#[test]
fn check_reports_a_syntax_error_at_its_column() {
    let (_, o) =
        broken("syntax", "valid: inspectors >= inspectors_per_visit", "valid: inspectors >= * inspectors_per_visit");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains(": error: expected a value, found `*`"), "{}", text(&o));
}

#[test]
fn check_reports_overlapping_unique_rows() {
    let (_, o) = broken("overlap", "- when: {class: [B, C]}", "- when: {class: [A, B, C]}");
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(
        t.contains("error: rows 1 and 2 of `energy_safety.supervision_cycle` overlap, but the hit policy is unique"),
        "{t}"
    );
}

#[test]
fn check_reports_an_uncovered_enum_value() {
    let (_, o) = broken(
        "gap",
        "        - when: {class: D}\n          then: {mode: patrol",
        "        - when: {class: C}\n          then: {mode: patrol",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no row of `energy_safety.supervision_cycle` covers class = D"), "{}", text(&o));
}

#[test]
fn check_reports_a_quote_that_is_not_in_the_source() {
    let (_, o) = broken("quote", "quote: 持证执法人员 33 人", "quote: 持证执法人员 34 人");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("is not in the source text"), "{}", text(&o));
}

#[test]
fn check_reports_several_errors_at_once() {
    let dir = energy_only("many");
    let path = dir.join("energy_safety.yaml");
    let t = std::fs::read_to_string(&path).unwrap();
    let t = t.replacen("valid: inspectors >= inspectors_per_visit", "valid: inspectors >= nope", 1);
    let t = t.replacen(
        "compliant: spot_checks_in_quarter >= random_checks_per_quarter",
        "compliant: spot_checks_in_quarter >=",
        1,
    );
    std::fs::write(&path, t).unwrap();
    let o = ordinance(&["--rules", dir.to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("2 error(s)"), "{}", text(&o));
}

#[test]
fn test_ends_with_the_count() {
    let o = ordinance(&["test"]);
    let t = text(&o);
    let last = t.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{t}");
    assert!(o.status.success());
}

#[test]
fn test_fails_when_a_pack_test_fails() {
    let dir = energy_only("failing-test");
    let path = dir.join("energy_safety.yaml");
    let t = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        t.replacen("expect: {mode: patrol, visits_per_year: 12}", "expect: {mode: patrol, visits_per_year: 11}", 1),
    )
    .unwrap();
    let o = ordinance(&["--rules", dir.to_str().unwrap(), "test"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(out.contains("visits_per_year: expected 11, got 12"), "{out}");
    assert!(out.lines().last().unwrap().ends_with(" passed, 1 failed"));
}

#[test]
fn eval_json_gives_the_decision_and_its_citation() {
    let o =
        ordinance(&["eval", "energy_safety.inspection_frequency", "--input", r#"{"class":"D"}"#, "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rule"], "energy_safety.inspection_frequency");
    assert_eq!(v["outputs"]["mode"], "patrol");
    assert_eq!(v["outputs"]["visits_per_year"], 12);
    assert!(v["ruleset"].as_str().unwrap().len() >= 16);
    let cites: Vec<&serde_json::Value> = v["trace"].as_array().unwrap().iter().filter_map(|t| t.get("cite")).collect();
    assert!(cites.iter().any(|c| c["clause"] == "三(四)1"
        && c["quote"].as_str().unwrap().contains("每月巡查盯守")
        && c["line"].as_u64().is_some()));
}

#[test]
fn eval_refuses_a_bad_class_and_lists_the_allowed_ones() {
    let o = ordinance(&["eval", "energy_safety.inspection_frequency", "--input", r#"{"class":"E"}"#]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("`E` is not allowed; expected one of A, B, C, D"), "{}", text(&o));
}

#[test]
fn eval_outside_the_validity_names_the_period() {
    let o = ordinance(&[
        "eval",
        "energy_safety.inspection_frequency",
        "--input",
        r#"{"class":"A"}"#,
        "--as-of",
        "2025-03-01",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("outside the validity of `energy_safety` (2024-01-01 to 2024-12-31)"), "{}", text(&o));
}

#[test]
fn eval_reads_input_from_a_file_and_prints_text() {
    let dir = energy_only("input-file");
    let f = dir.join("in.json");
    std::fs::write(&f, r#"{"class": "B"}"#).unwrap();
    let o = ordinance(&[
        "eval",
        "energy_safety.inspection_frequency",
        "--input",
        &format!("@{}", f.display()),
        "--as-of",
        "2024-03-01",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("visits_per_year  8") && t.contains("三(四)1"), "{t}");
}

#[test]
fn run_prints_the_plan_and_the_discrepancies() {
    let o = ordinance(&["run", "examples/energy_safety_2024.yaml", "--lang", "en"]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("total                       568"), "{t}");
    assert!(t.contains("the printed arithmetic `68×5×3` gives 1020, not the printed 1035"), "{t}");
    assert!(t.contains("the rules and data give 18 item(s)"), "{t}");
    assert!(t.contains("the rules and data give 25, not the printed 26"), "{t}");
}

#[test]
fn run_strict_exits_2_on_a_disagreement_but_prints_everything() {
    let o = ordinance(&["run", "examples/energy_safety_2024.yaml", "--strict", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["summary"]["disagreements"].as_u64().unwrap() >= 3);
    assert_eq!(v["steps"][0]["outputs"]["total"], 568);
}

#[test]
fn a_missing_rules_directory_is_a_clear_error() {
    let o = ordinance(&["--rules", "/nonexistent/rules", "check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("cannot read the rules directory"), "{}", text(&o));
}

#[test]
fn rules_lists_every_rule_with_its_signature() {
    let o = ordinance(&["rules", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v.as_array().unwrap().iter().find(|r| r["id"] == "energy_safety.inspection_frequency").unwrap();
    assert_eq!(f["inputs"][0]["name"], "class");
    assert_eq!(f["inputs"][0]["type"]["enum"], serde_json::json!(["A", "B", "C", "D"]));
    assert_eq!(f["cite"]["clause"], "三(四)1");
    let t = text(&ordinance(&["rules"]));
    assert!(t.contains("energy_safety.inspection_frequency  (formula)"), "{t}");
}

#[test]
fn the_bulletin_report_lists_every_discrepancy_with_its_line() {
    let o = ordinance(&["run", "examples/bulletin_2024q1.yaml", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let includes = v["includes"].as_array().unwrap();
    assert!(includes.len() >= 8, "every pack's scenario is included");
    assert!(v["summary"]["disagreements"].as_u64().unwrap() >= 10);
    let t = text(&ordinance(&["run", "examples/bulletin_2024q1.yaml", "--lang", "en"]));
    let list = t.split("discrepancies the engine finds in the text").nth(1).unwrap();
    assert!(list.contains("东政发〔2024〕2号") && list.contains("L655") && list.contains("68×5×3"), "{list}");
}

#[test]
fn json_formats_report_errors_as_json() {
    let o =
        ordinance(&["eval", "energy_safety.inspection_frequency", "--input", r#"{"class":"E"}"#, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["code"], "input");
    assert_eq!(v["field"], "class");
    assert_eq!(v["allowed"], serde_json::json!(["A", "B", "C", "D"]));
    let o = ordinance(&["--rules", "/nonexistent", "run", "examples/energy_safety_2024.yaml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["code"], "load");
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ordinance"))
        .current_dir(root())
        .args(["rules"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // the read end is dropped here: later writes meet a closed pipe
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The officer's view: only the findings, in Chinese, from a working
/// directory that is not the project's; every computable inconsistency of
/// the catalogue is among them, and the counts keep printed figures, text
/// facts and scenario checks apart.
#[test]
fn only_the_findings_in_chinese_from_any_folder() {
    let scenario = root().join("examples/bulletin_2024q1.yaml");
    let o = Command::new(env!("CARGO_BIN_EXE_ordinance"))
        .current_dir(std::env::temp_dir())
        .env_remove("ORDINANCE_RULES")
        .args(["run", scenario.to_str().unwrap(), "--lang", "zh", "--only-findings"])
        .output()
        .unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    // no step outputs and no agreeing claim: only findings
    assert!(!t.contains("■") && !t.contains("✓"), "{t}");
    assert!(t.contains("文中算式 `68×5×3` 得 1020，不是所印的 1035"), "{t}");
    for id in [
        "named_power_enterprises_in_annex_3",             // E4
        "annex_headings_carry_the_listed_year",           // E5
        "one_committee_one_name",                         // M2
        "implied_conversion_within_the_plan_s_own_limit", // N5
        "new_energy_total_and_increment",                 // N1
        "seven_kinds_of_action",                          // F2
        "development_reform_one_name",                    // F3
        "each_town_head_heads_one_town",                  // A1
    ] {
        assert!(t.contains(&format!("· {id} (")), "{id} missing from\n{t}");
    }
    // N1 is no longer "the sub-targets do not sum to 100"
    assert!(!t.contains("new_energy_sub_targets_sum_to_100"), "{t}");
    // two co-leaders are a note, not a finding (C1's stray "=" is typographic)
    assert!(!t.contains("leading_group_leaders") && !t.contains("leading_group_has_one_leader"), "{t}");
    let summary = t.lines().find(|l| l.starts_with("汇总：")).unwrap();
    assert!(summary.contains("情景核对") && summary.contains("事实"), "{summary}");
    // English on request, with the same number of findings
    let en = ordinance(&["run", "examples/bulletin_2024q1.yaml", "--lang", "en", "--only-findings"]);
    let en = text(&en);
    let count = |s: &str| s.lines().filter(|l| l.starts_with("✗ ")).count();
    assert_eq!(count(&t), count(&en), "{en}");
    assert!(en.contains("the printed arithmetic `68×5×3` gives 1020"), "{en}");
    let bad = ordinance(&["run", "examples/bulletin_2024q1.yaml", "--lang", "fr"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("write zh or en"), "{}", text(&bad));
}

/// A claim over a table a step already printed points to it instead of
/// printing the table again.
#[test]
fn a_table_is_printed_once() {
    let t = text(&ordinance(&["run", "examples/energy_safety_2024.yaml", "--lang", "en"]));
    assert_eq!(t.matches("众成煤场").count(), 1, "{t}");
    assert!(t.contains("(listed under “名单监管划分核对"), "{t}");
}

#[test]
fn a_bundle_is_written_and_opened_like_the_folder() {
    let dir = std::env::temp_dir().join(format!("ordinance-cli-bundle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rules.ordinance");
    let made = ordinance(&["bundle", "-o", path.to_str().unwrap()]);
    assert!(made.status.success(), "{}", text(&made));
    let said = text(&made);
    let folder = ordinance(&["check", "--format", "json"]);
    let folder: serde_json::Value = serde_json::from_slice(&folder.stdout).unwrap();
    let hash = folder["ruleset"].as_str().unwrap();
    assert!(said.contains(hash), "the bundle names its rule set: {said}");
    let opened = ordinance(&["--rules", path.to_str().unwrap(), "check", "--format", "json"]);
    let opened: serde_json::Value = serde_json::from_slice(&opened.stdout).unwrap();
    assert_eq!(opened["ruleset"], folder["ruleset"]);
    assert_eq!(opened["rules"], folder["rules"]);
    // the same tests pass, and a scenario runs against the bundle
    let a = text(&ordinance(&["test"]));
    let b = text(&ordinance(&["--rules", path.to_str().unwrap(), "test"]));
    assert_eq!(a.lines().last(), b.lines().last());
    let run = ordinance(&[
        "--rules",
        path.to_str().unwrap(),
        "run",
        "examples/walking_contest_2024.yaml",
        "--format",
        "json",
    ]);
    let run: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(run["ruleset"].as_str(), Some(hash));
    // a changed bundle is refused with a reason
    let tampered = dir.join("tampered.ordinance");
    let body = std::fs::read_to_string(&path).unwrap().replacen("万步有约", "万步有的", 1);
    std::fs::write(&tampered, body).unwrap();
    let refused = ordinance(&["--rules", tampered.to_str().unwrap(), "check"]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("digest does not match"), "{}", text(&refused));
}

/// The README quotes the bulletin run's summary (figures, facts, places,
/// disagreements, checks, failures, findings); it must be the summary the
/// run gives now, so a change to the packs that moves a count moves the
/// README too.
#[test]
fn the_readme_quotes_the_bulletin_summary_as_the_run_gives_it() {
    let t = text(&ordinance(&["run", "examples/bulletin_2024q1.yaml", "--lang", "en"]));
    let summary = t.lines().find(|l| l.starts_with("summary: ")).unwrap();
    let n: Vec<u64> =
        summary.split(|c: char| !c.is_ascii_digit()).filter(|w| !w.is_empty()).map(|w| w.parse().unwrap()).collect();
    // 105 printed figure(s) and 17 printed fact(s) … (printed at 131 place(s)), 102 agree, 20 disagree; 29 scenario check(s), 10 fail; 30 finding(s)
    let [figures, facts, places, _agree, disagree, checks, fail, findings] = n[..] else { panic!("{summary}") };
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for quoted in [
        format!("({figures} figures and {facts} facts, at {places} places: {disagree} disagree)"),
        format!("({checks} checks: {fail} fail)"),
        format!("only the {findings} findings"),
    ] {
        assert!(readme.contains(&quoted), "README.md should say `{quoted}` (the run: {summary})");
    }
}

/// A scenario's steps show money as money, in text and JSON alike, as
/// `eval` does: the year's tax of the income-tax example is `9240.00`.
#[test]
fn scenario_steps_show_money_with_its_places() {
    let o = ordinance(&["run", "examples/individual_income_tax_2024.yaml", "--lang", "en"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("tax              9240.00") && t.contains("withheld  [204.00, 204.00"), "{t}");
    let o = ordinance(&["run", "examples/individual_income_tax_2024.yaml", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let tax = v["steps"].as_array().unwrap().iter().find(|s| s["id"] == "tax").unwrap();
    assert_eq!(tax["outputs"]["tax"], "9240.00");
    assert_eq!(tax["outputs"]["rate"], "0.1");
    assert_eq!((v["summary"]["checks"].as_u64(), v["summary"]["checks_fail"].as_u64()), (Some(2), Some(0)));
}

#[test]
fn compare_shows_the_plan_before_and_after_a_reform_and_the_test_it_breaks() {
    let o = ordinance(&[
        "--reform",
        "examples/reforms/class_b_all_year.yaml",
        "compare",
        "examples/energy_safety_2024.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "a broken test makes the exit status 1");
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let total =
        j["figures"].as_array().unwrap().iter().find(|f| f["step"] == "plan" && f["output"] == "total").unwrap();
    assert_ne!(total["before"], total["after"]);
    assert_eq!(j["broken_tests"].as_array().unwrap().len(), 1);
    assert!(j["claims"].as_array().unwrap().iter().any(|c| c["id"] == "planned_total" && c["after"] == "disagrees"));
    // the text says the same, in Chinese by default
    let o = ordinance(&[
        "--reform",
        "examples/reforms/class_b_all_year.yaml",
        "compare",
        "examples/energy_safety_2024.yaml",
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("plan.total: ") && text.contains("改动后不再通过的测试"), "{text}");
    // without a change to compare, it says what it needs
    let o = ordinance(&["compare", "examples/energy_safety_2024.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--reform FILE"));
}

#[test]
fn eval_answers_by_the_reformed_rules_and_names_the_version() {
    let o = ordinance(&[
        "--reform",
        "examples/reforms/class_b_three_a_quarter.yaml",
        "eval",
        "energy_safety.inspection_frequency",
        "--input",
        r#"{"class": "B"}"#,
        "--as-of",
        "2024-08-01",
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(o.status.success(), "{text}");
    assert!(text.contains("the version in force from 2024-07-01") && text.contains("示例征求意见稿"), "{text}");
}

#[test]
fn compare_over_rows_lists_the_changed_rows_with_their_cause_and_writes_them_as_csv() {
    let dir = std::env::temp_dir().join(format!("ordinance-compare-rows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("rows.csv");
    std::fs::write(&data, "class\nA\nB\nC\nD\nB\n").unwrap();
    let out = dir.join("changed.csv");
    let o = ordinance(&[
        "--reform",
        "examples/reforms/class_b_three_a_quarter.yaml",
        "compare",
        "--rule",
        "energy_safety.inspection_frequency",
        "--data",
        data.to_str().unwrap(),
        "--as-of",
        "2024-08-01",
        "--csv",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["rows"], 5);
    let changed: Vec<u64> = j["changed"].as_array().unwrap().iter().map(|c| c["index"].as_u64().unwrap()).collect();
    assert_eq!(changed, [1, 4], "the two class-B rows");
    assert!(j["changed"][0]["cause"].as_str().unwrap().contains("the version in force from 2024-07-01"));
    let total = &j["totals"][0];
    assert_eq!((total["output"].as_str(), total["delta"].as_i64()), (Some("visits_per_year"), Some(8)));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("row,before_mode,before_visits_per_year,after_mode,after_visits_per_year,cause"), "{csv}");
    // a data file of another kind is refused with what it takes
    let bad = dir.join("rows.txt");
    std::fs::write(&bad, "x").unwrap();
    let o = ordinance(&[
        "--reform",
        "examples/reforms/class_b_three_a_quarter.yaml",
        "compare",
        "--rule",
        "energy_safety.inspection_frequency",
        "--data",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(".json, .ndjson, .jsonl or .csv"));
}

/// A pack of its own, leaning on no other, with one test.
const SMALL: &str = "format: 1\npack: small\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  double:\n    cite: {clause: c, quote: q}\n    inputs: {x: integer}\n    formula:\n      y: x * 2\ntests:\n  - {rule: double, given: {x: 21}, expect: {y: 42}}\n";

#[test]
fn a_pack_that_does_not_load_is_one_failure_and_the_others_tests_still_run() {
    let dir = energy_only("test-broken");
    std::fs::write(dir.join("small.yaml"), SMALL).unwrap();
    let pack = dir.join("energy_safety.yaml");
    let original = std::fs::read_to_string(&pack).unwrap();
    std::fs::write(&pack, original.replacen("hit: unique", "hit: uniqe", 1)).unwrap();
    let out = ordinance(&["--rules", dir.to_str().unwrap(), "test"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("FAILED the pack loads") && t.contains("energy_safety.yaml"), "{t}");
    assert!(t.contains("unknown hit policy `uniqe`") && t.contains("its tests were not run"), "{t}");
    assert!(t.contains("ok     small.double #1"), "{t}");
    assert!(t.contains("ok     2024 has 251 working days"), "the calendar pack's tests run: {t}");
    assert!(t.trim_end().ends_with(" passed, 1 failed"), "{t}");
    // the calendar broken: the pack counting days by it is set aside too
    std::fs::write(&pack, &original).unwrap();
    let cal = dir.join("cn_workdays_2024.yaml");
    let cal_text = std::fs::read_to_string(&cal).unwrap();
    std::fs::write(&cal, cal_text.replacen("holidays:", "holidayz:", 1)).unwrap();
    let t = text(&ordinance(&["--rules", dir.to_str().unwrap(), "test"]));
    assert_eq!(t.matches("FAILED the pack loads").count(), 2, "{t}");
    assert!(t.contains("ok     small.double #1"), "{t}");
    assert!(t.trim_end().ends_with("1 passed, 2 failed"), "{t}");
    let _ = std::fs::remove_dir_all(&dir);
}
