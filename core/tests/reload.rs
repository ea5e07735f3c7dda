//! A reload says what it changed: packs added, removed, changed (their file
//! or the source text they cite) and unchanged. A removed pack is never
//! silent, and an engine that forbids removal keeps its packs. Source texts
//! are read only inside the rules folder or a shared folder allowed by name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ordinance_core::{Engine, EvalOptions, LoadOptions};
use std::path::{Path, PathBuf};

fn pack(name: &str, text: Option<&str>, quote: &str, value: u32) -> String {
    let text = text.map(|t| format!("  text: {t}\n")).unwrap_or_default();
    format!(
        "format: 1\npack: {name}\nsource:\n  document: d\n  title: t\n  issued_by: i\n  date: 2024-01-01\n{text}valid: {{from: 2024-01-01}}\nrules:\n  r:\n    cite: {{clause: c, quote: {quote}}}\n    inputs: {{x: integer}}\n    formula:\n      y: x + {value}\n"
    )
}

fn folder(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordinance-reload-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    dir
}

fn y(e: &Engine, rule: &str) -> String {
    let opts =
        EvalOptions { as_of: Some(ordinance_core::Date::parse("2024-06-01").unwrap()), ..EvalOptions::default() };
    e.evaluate(rule, &serde_json::json!({"x": 1}), &opts).unwrap().outputs["y"].to_string()
}

fn write(p: &Path, s: &str) {
    std::fs::write(p, s).unwrap();
}

#[test]
fn a_reload_reports_every_pack() {
    let d = folder("report");
    let rules = d.join("rules");
    write(&rules.join("sources.txt"), "第一条 应当检查。\n");
    write(&rules.join("a.yaml"), &pack("a", Some("sources.txt"), "应当检查", 1));
    write(&rules.join("b.yaml"), &pack("b", None, "q", 2));
    write(&rules.join("c.yaml"), &pack("c", None, "q", 3));
    let e = Engine::load_dir(&rules).unwrap();
    let first = e.ruleset_hash();

    let r = e.reload().unwrap();
    assert!(r.is_unchanged(), "{r}");
    assert_eq!(r.unchanged, ["a", "b", "c"]);
    assert_eq!(r.previous, r.ruleset);

    // b changes, c goes, d comes, and a's source text changes (not its file)
    write(&rules.join("b.yaml"), &pack("b", None, "q", 20));
    std::fs::remove_file(rules.join("c.yaml")).unwrap();
    write(&rules.join("d.yaml"), &pack("d", None, "q", 4));
    write(&rules.join("sources.txt"), "第一条 应当检查。\n第二条 另有规定。\n");
    let r = e.reload().unwrap();
    assert_eq!(r.added, ["d"]);
    assert_eq!(r.changed, ["a", "b"], "a's cited text changed");
    assert_eq!(r.removed.len(), 1);
    assert_eq!(r.removed[0].0, "c");
    assert!(r.removed[0].1.ends_with("c.yaml"), "{:?}", r.removed);
    assert!(r.unchanged.is_empty());
    assert_eq!(r.previous, first);
    assert_ne!(r.ruleset, first);
    assert_eq!(r.ruleset, e.ruleset_hash());
    assert_eq!(y(&e, "b.r"), "21");
    assert!(e.evaluate("c.r", &serde_json::json!({"x": 1}), &EvalOptions::default()).is_err());
    let text = r.to_string();
    assert!(
        text.contains("1 added (d)") && text.contains("1 removed (c)") && text.contains("2 changed (a, b)"),
        "{text}"
    );
    let j = r.to_json();
    assert_eq!(j["removed"][0]["pack"], "c");
    assert_eq!(j["added"], serde_json::json!(["d"]));
}

#[test]
fn removal_can_be_forbidden() {
    let d = folder("forbid");
    let rules = d.join("rules");
    write(&rules.join("a.yaml"), &pack("a", None, "q", 1));
    write(&rules.join("b.yaml"), &pack("b", None, "q", 2));
    let e = Engine::load_dir_with(&rules, LoadOptions { forbid_removal: true, ..LoadOptions::default() }).unwrap();
    let before = e.ruleset_hash();
    std::fs::remove_file(rules.join("b.yaml")).unwrap();
    write(&rules.join("a.yaml"), &pack("a", None, "q", 10));
    let err = e.reload().unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("the pack `b`") && msg.contains("may not remove packs"), "{msg}");
    assert_eq!(e.ruleset_hash(), before, "the old rules keep serving");
    assert_eq!(y(&e, "b.r"), "3");
    assert_eq!(y(&e, "a.r"), "2", "nothing of the refused reload took effect");
    // restored, the reload goes through
    write(&rules.join("b.yaml"), &pack("b", None, "q", 2));
    let r = e.reload().unwrap();
    assert_eq!(r.changed, ["a"]);
    assert_eq!(y(&e, "a.r"), "11");
}

#[test]
fn a_shared_sources_folder_must_be_allowed_by_name() {
    let d = folder("shared");
    std::fs::create_dir_all(d.join("texts")).unwrap();
    write(&d.join("texts/law.txt"), "第一条 应当检查。\n");
    write(&d.join("rules/a.yaml"), &pack("a", Some("../texts/law.txt"), "应当检查", 1));
    let err = Engine::load_dir(d.join("rules")).unwrap_err();
    assert!(err.to_string().contains("lies outside the folder"), "{err}");
    let e = Engine::load_dir_with(
        d.join("rules"),
        LoadOptions { shared_sources: vec![d.join("texts")], ..LoadOptions::default() },
    )
    .unwrap();
    assert_eq!(y(&e, "a.r"), "2");
    // the citation found its line in the shared text
    let rule = e.rules().into_iter().find(|r| r.id == "a.r").unwrap();
    assert_eq!(rule.cite.line, Some(1));
}
