//! Hostile or mistaken input ends in a clear error, never a hang or a crash;
//! and the less common semantics (hit policy `collect`, defaults, dated
//! parameters, the as-of date) behave as documented.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::at;
use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Engine, EvalError, EvalOptions, Value};
use std::path::PathBuf;

const HEADER: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01, until: 2024-12-31}\n";

fn engine(body: &str) -> Engine {
    let dir =
        std::env::temp_dir().join(format!("ordinance-sem-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.yaml");
    std::fs::write(&path, format!("{HEADER}{body}")).unwrap();
    Engine::from_files(&[path]).unwrap()
}

fn load_err(body: &str) -> String {
    load(&[SourceFile { path: PathBuf::from("t.yaml"), text: format!("{HEADER}{body}") }]).unwrap_err().to_string()
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let r = load(&[SourceFile { path: PathBuf::from("bomb.yaml"), text }]);
    assert!(r.is_err());
}

#[test]
fn deep_nesting_is_refused() {
    let text = format!("{HEADER}types:\n  x: {}1{}\n", "[".repeat(500), "]".repeat(500));
    let e = load(&[SourceFile { path: PathBuf::from("deep.yaml"), text }]).unwrap_err();
    assert!(!e.diagnostics.is_empty());
}

#[test]
fn oversized_files_are_refused() {
    let text = format!("{HEADER}# {}\n", "x".repeat(5 * 1024 * 1024));
    let e = load(&[SourceFile { path: PathBuf::from("big.yaml"), text }]).unwrap_err();
    assert!(e.to_string().contains("more than the limit"), "{e}");
}

#[test]
fn oversized_expressions_are_refused() {
    // 60,000 terms are 119,999 characters, past the limit of 100,000 (spaces
    // are not counted: the same terms joined by " + " are within it)
    let expr = vec!["1"; 60_000].join("+");
    let msg = load_err(&format!("rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    formula: {{x: \"{expr}\"}}\n"));
    assert!(msg.contains("more than the limit"), "{msg}");
}

#[test]
fn runaway_evaluation_stops_at_the_step_budget() {
    let e = engine(
        "rules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {n: integer}\n    formula:\n      x: count(d in dates(2024-01-01, add_days(2024-01-01, n)) where weekday(d) >= 6)\n",
    );
    let opts = EvalOptions { max_steps: Some(10_000), ..at("2024-06-30") };
    let err = e.evaluate("t.r", &serde_json::json!({"n": 50_000}), &opts).unwrap_err();
    assert!(matches!(err, EvalError::Limit { .. }), "{err}");
    // within the budget the same rule answers
    let ok = e.evaluate("t.r", &serde_json::json!({"n": 6}), &opts).unwrap();
    assert_eq!(ok.outputs["x"], Value::int(2));
}

#[test]
fn division_by_zero_is_an_evaluation_error() {
    let e = engine(
        "rules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {a: number, b: number}\n    formula: {q: a / b}\n",
    );
    let err = e.evaluate("t.r", &serde_json::json!({"a": 1, "b": 0}), &at("2024-06-30")).unwrap_err();
    assert!(matches!(&err, EvalError::Evaluation { message, .. } if message.contains("division by zero")), "{err}");
    let d = e.evaluate("t.r", &serde_json::json!({"a": "1/3", "b": 0.5}), &at("2024-06-30")).unwrap();
    assert_eq!(d.outputs["q"].to_string(), "2/3");
    assert_eq!(d.to_json()["outputs"]["q"], "2/3");
}

#[test]
fn collect_returns_every_matching_row_in_order() {
    let e = engine(
        "rules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {x: integer}\n    outputs: {tag: text}\n    table:\n      hit: collect\n      rows:\n        - {when: {x: {\">=\": 0}}, then: {tag: nonneg}}\n        - {when: {x: {\">\": 10}}, then: {tag: big}}\n        - {when: {x: [3, 11]}, then: {tag: listed}}\n",
    );
    let d = e.evaluate("t.r", &serde_json::json!({"x": 11}), &at("2024-06-30")).unwrap();
    assert_eq!(d.outputs["tag"].to_string(), "[nonneg, big, listed]");
    let d = e.evaluate("t.r", &serde_json::json!({"x": -1}), &at("2024-06-30")).unwrap();
    assert_eq!(d.outputs["tag"].to_string(), "[]");
}

#[test]
fn default_row_and_optional_inputs() {
    let e = engine(
        "rules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {lost: {type: bool, default: false}, n: {type: integer, default: 0}}\n    outputs: {grade: text}\n    table:\n      hit: first\n      rows:\n        - {when: {n: {\">=\": 3}}, then: {grade: high}}\n        - {when: {lost: true}, then: {grade: low}}\n      default: {grade: none}\n",
    );
    let grade =
        |input: serde_json::Value| e.evaluate("t.r", &input, &at("2024-06-30")).unwrap().outputs["grade"].to_string();
    assert_eq!(grade(serde_json::json!({})), "none");
    assert_eq!(grade(serde_json::json!({"lost": true})), "low");
    assert_eq!(grade(serde_json::json!({"lost": true, "n": 3})), "high");
}

#[test]
fn dated_parameters_resolve_as_of_the_date() {
    let e = engine(
        "parameters:\n  holidays:\n    versions: [{from: 2024-01-01, value: 11}, {from: 2024-07-01, value: 13}]\n    cite: {clause: c, quote: q}\nrules:\n  r:\n    cite: {clause: c, quote: q}\n    formula: {h: holidays}\n",
    );
    let h = |date: &str| e.evaluate("t.r", &serde_json::json!({}), &at(date)).unwrap().outputs["h"].to_string();
    assert_eq!(h("2024-06-30"), "11");
    assert_eq!(h("2024-07-01"), "13");
    let d = e.evaluate("t.r", &serde_json::json!({}), &EvalOptions { trace: true, ..at("2024-07-01") }).unwrap();
    assert!(d.trace.iter().any(|t| t.detail == "version from 2024-07-01"), "the trace names the version used");
}

#[test]
fn as_of_dates_outside_validity_and_not_yet_in_force() {
    let e = engine("rules:\n  r:\n    cite: {clause: c, quote: q}\n    formula: {y: 1}\n");
    let err = e.evaluate("t.r", &serde_json::json!({}), &at("2023-12-31")).unwrap_err();
    assert!(err.to_string().contains("outside the validity of `t` (2024-01-01 to 2024-12-31)"), "{err}");
    // asked in 2026 without a date, a 2024 plan answers as of its last day
    let d = e.evaluate("t.r", &serde_json::json!({}), &EvalOptions::default()).unwrap();
    assert_eq!(d.as_of.to_string(), "2024-12-31");
    assert!(d.as_of_reason.contains("last day in force"));
    // a pack that is not yet in force needs a date
    let future = "format: 1\npack: f\nsource: {document: D2, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2999-01-01}\nrules:\n  r:\n    cite: {clause: c, quote: q}\n    formula: {y: 1}\n";
    let dir = std::env::temp_dir().join(format!("ordinance-future-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f.yaml"), future).unwrap();
    let f = Engine::load_dir(&dir).unwrap();
    let err = f.evaluate("f.r", &serde_json::json!({}), &EvalOptions::default()).unwrap_err();
    assert!(err.to_string().contains("not in force yet"), "{err}");
}

#[test]
fn input_errors_name_the_field() {
    let e = engine("rules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {n: integer}\n    formula: {y: n}\n");
    let err = e.evaluate("t.r", &serde_json::json!({"n": "2.5"}), &at("2024-06-30")).unwrap_err();
    assert!(matches!(&err, EvalError::Input { field, .. } if field == "n"), "{err}");
    let err = e.evaluate("t.r", &serde_json::json!({"m": 1}), &at("2024-06-30")).unwrap_err();
    assert!(err.to_string().contains("no input `m`"), "{err}");
    let err = e.evaluate("t.rr", &serde_json::json!({}), &at("2024-06-30")).unwrap_err();
    assert!(matches!(&err, EvalError::UnknownRule { suggestion: Some(s), .. } if s == "t.r"), "{err}");
}

#[test]
fn cycles_between_rules_are_load_errors() {
    let msg = load_err("rules:\n  a:\n    cite: {clause: c, quote: q}\n    formula: {x: b().x}\n  b:\n    cite: {clause: c, quote: q}\n    formula: {x: a().x}\n");
    assert!(msg.contains("part of a cycle"), "{msg}");
}

#[test]
fn integer_outputs_need_explicit_rounding() {
    let msg = load_err("rules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {n: integer}\n    outputs: {third: integer}\n    formula: {third: n / 3}\n");
    assert!(msg.contains("declared integer, but the formula gives number"), "{msg}");
    let e = engine("rules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {n: integer}\n    outputs: {third: integer}\n    formula: {third: ceil(n / 3)}\n");
    assert_eq!(
        e.evaluate("t.r", &serde_json::json!({"n": 7}), &at("2024-06-30")).unwrap().outputs["third"],
        Value::int(3)
    );
}

#[test]
fn a_misspelt_enum_literal_is_caught_at_load() {
    let msg = load_err("types:\n  class: {enum: [A, B]}\nrules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {c: class}\n    formula: {a: c == \"a\"}\n");
    assert!(msg.contains("`a` is not one of the values"), "{msg}");
}

#[test]
fn reload_keeps_serving_when_the_new_packs_are_broken() {
    let dir = std::env::temp_dir().join(format!("ordinance-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.yaml");
    std::fs::write(&path, format!("{HEADER}rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    formula: {{y: 1}}\n"))
        .unwrap();
    let e = Engine::load_dir(&dir).unwrap();
    std::fs::write(
        &path,
        format!("{HEADER}rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    formula: {{y: 1 +}}\n"),
    )
    .unwrap();
    let err = e.reload().unwrap_err();
    assert!(err.diagnostics[0].line > 0);
    assert_eq!(e.evaluate("t.r", &serde_json::json!({}), &at("2024-06-30")).unwrap().outputs["y"], Value::int(1));
    std::fs::write(&path, format!("{HEADER}rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    formula: {{y: 2}}\n"))
        .unwrap();
    e.reload().unwrap();
    assert_eq!(e.evaluate("t.r", &serde_json::json!({}), &at("2024-06-30")).unwrap().outputs["y"], Value::int(2));
}

#[test]
fn evaluation_from_many_threads_while_reloading() {
    let e = std::sync::Arc::new(Engine::from_files(&common::pack_with_calendar("energy_safety")).unwrap());
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let e = e.clone();
            std::thread::spawn(move || {
                for _ in 0..200 {
                    let class = ["A", "B", "C", "D"][i % 4];
                    let d = e
                        .evaluate(
                            "energy_safety.inspection_frequency",
                            &serde_json::json!({"class": class}),
                            &at("2024-06-30"),
                        )
                        .unwrap();
                    assert!(matches!(d.outputs["visits_per_year"], Value::Number(_)));
                }
            })
        })
        .collect();
    for _ in 0..5 {
        e.reload().unwrap();
    }
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn claims_read_printed_figures_at_their_precision_and_data_keeps_dates() {
    let dir = std::env::temp_dir().join(format!("ordinance-claims-{}", std::process::id()));
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("t.yaml"),
        format!("{HEADER}rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{on: date}}\n    formula:\n      days: days_between(2024-01-01, on)\n      later: on > as_of()\n"),
    )
    .unwrap();
    let scenario = dir.join("s.yaml");
    std::fs::write(
        &scenario,
        r#"format: 1
scenario: s
as_of: 2024-03-01
data:
  events: [{name: 甲-01, on: 2024-02-01}, {name: 乙, on: 2024-04-01}]
evaluate:
  - {id: first, rule: t.r, with: {on: "events.on"}}
claims:
  - {id: rate, cite: {clause: c, quote: q}, printed: "17.2%", engine: "1 - 162.1 / 195.7"}
  - {id: rate_off, cite: {clause: c, quote: q}, printed: "17.3%", engine: "1 - 162.1 / 195.7"}
  - {id: third, cite: {clause: c, quote: q}, printed: "1/3", engine: "1 / 3"}
  - {id: exact_integer, cite: {clause: c, quote: q}, printed: 253, engine: "253.4"}
  - {id: a_date, cite: {clause: c, quote: q}, printed: "2024-04-01", engine: "max(e.on for e in events)"}
  - {id: later, cite: {clause: c, quote: q}, printed: 1, engine: "count(e in events where e.on > as_of())"}
  - {id: text, cite: {clause: c, quote: q}, printed: 1, engine: "count(e in events where contains(e.name, \"-\") and length(e.name) == 4)"}
  - {id: range, cite: {clause: c, quote: q}, printed: 55, engine: "sum(range(1, 10))"}
  - {id: pct_close, cite: {clause: c, quote: q}, printed: "70%", engine: "0.704"}
  - {id: pct_far, cite: {clause: c, quote: q}, printed: "70%", engine: "0.66"}
  - {id: dec_far, cite: {clause: c, quote: q}, printed: "0.70", engine: "0.694"}
"#,
    )
    .unwrap();
    let err = ordinance_core::scenario::run_file(&scenario, &rules).unwrap_err();
    assert!(err.to_string().contains("`.on` needs a record, found list of record {name: text, on: date}"), "{err}");
    let text = std::fs::read_to_string(&scenario).unwrap().replace("events.on", "max(e.on for e in events)");
    std::fs::write(&scenario, text).unwrap();
    let r = ordinance_core::scenario::run_file(&scenario, &rules).unwrap();
    let status = |id: &str| r.claims.iter().find(|c| c.id == id).unwrap().status;
    use ordinance_core::scenario::ClaimStatus::{Agrees, Disagrees};
    // 1 − 162.1/195.7 = 0.17169… rounds to the printed 17.2%, not to 17.3%
    assert_eq!(status("rate"), Agrees);
    assert_eq!(status("rate_off"), Disagrees);
    assert_eq!(status("third"), Agrees);
    assert_eq!(status("exact_integer"), Disagrees, "integers are compared exactly");
    assert_eq!(status("a_date"), Agrees);
    assert_eq!(status("later"), Agrees);
    assert_eq!(status("text"), Agrees);
    assert_eq!(status("range"), Agrees);
    // "70%" is 0.70 printed to two places: 0.704 rounds to it, 0.66 does not
    assert_eq!(status("pct_close"), Agrees);
    assert_eq!(status("pct_far"), Disagrees);
    assert_eq!(status("dec_far"), Disagrees, "0.694 rounds to 0.69, not the printed 0.70");
    assert_eq!(r.steps[0].outputs["days"], Value::int(91));
    assert_eq!(r.steps[0].outputs["later"], Value::Bool(true));
}

#[test]
fn quotes_are_checked_against_the_lines_of_the_document_they_cite() {
    let dir = std::env::temp_dir().join(format!("ordinance-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bulletin.txt"), "甲号文件\n每周调度一次\n乙号文件\n每月报告一次\n").unwrap();
    let pack = |doc: &str, quote: &str| {
        format!(
            "format: 1\npack: g\nsource:\n  document: 甲号、乙号\n  title: t\n  issued_by: i\n  date: 2024-01-01\n  text: bulletin.txt\n  lines: 1-4\n  documents: {{甲号: 1-2, 乙号: 3-4}}\nvalid: {{from: 2024-01-01}}\nrules:\n  r:\n    cite: {{document: {doc}, clause: c, quote: {quote}}}\n    formula: {{y: 1}}\n"
        )
    };
    let try_load = |text: String| {
        let path = dir.join("g.yaml");
        std::fs::write(&path, text).unwrap();
        Engine::from_files(&[path])
    };
    let ok = try_load(pack("甲号", "每周调度一次")).unwrap();
    let d = ok.evaluate("g.r", &serde_json::json!({}), &EvalOptions { trace: true, ..at("2024-06-30") }).unwrap();
    let cite = d.trace.iter().find_map(|t| t.cite.clone()).unwrap();
    assert_eq!((cite.document.as_str(), cite.line), ("甲号", Some(2)));
    let wrong_doc = try_load(pack("乙号", "每周调度一次")).unwrap_err().to_string();
    assert!(wrong_doc.contains("is not in the source text (lines 3-4)"), "{wrong_doc}");
    let unknown = try_load(pack("丙号", "每周调度一次")).unwrap_err().to_string();
    assert!(unknown.contains("which the pack's source does not list"), "{unknown}");
}
