//! Rule-set bundles: a bundle opens like its folder (same rule set, same
//! rules, same decisions, same tests), reads nothing outside itself, and
//! refuses any change made after it was written.
// `.err().expect(…)`: an Engine has no Debug, so `expect_err` is not available
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, clippy::err_expect)]

use ordinance_core::bundle::{normalise, Bundle};
use ordinance_core::{Engine, EvalOptions, LoadOptions};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ordinance-bundle-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, bundle: &Bundle) {
    std::fs::write(path, bundle.to_json().to_string()).unwrap();
}

#[test]
fn a_bundle_opens_like_its_folder() {
    let folder = Engine::load_dir(rules()).unwrap();
    let bundle = Bundle::from_dir(&rules(), &LoadOptions::default()).unwrap();
    assert_eq!(bundle.ruleset, folder.ruleset_hash());
    assert!(bundle.files.contains_key("sources/dongsheng_2024q1.txt"), "the cited source text is in the bundle");
    let path = scratch("same").join("rules.ordinance");
    write(&path, &bundle);
    let opened = Engine::load_dir(&path).unwrap();
    assert_eq!(opened.ruleset_hash(), folder.ruleset_hash());
    let ids = |e: &Engine| e.rules().into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(&opened), ids(&folder));
    let opts = EvalOptions { as_of: ordinance_core::Date::parse("2024-06-30").ok(), ..EvalOptions::default() };
    for class in ["A", "B", "C", "D"] {
        let input = serde_json::json!({"class": class});
        let a = folder.evaluate("energy_safety.inspection_frequency", &input, &opts).unwrap();
        let b = opened.evaluate("energy_safety.inspection_frequency", &input, &opts).unwrap();
        assert_eq!(a.outputs, b.outputs);
        // the trace cites the same words at the same line of the text
        assert_eq!(format!("{:?}", a.trace), format!("{:?}", b.trace));
    }
    let (ta, tb) = (folder.run_tests(), opened.run_tests());
    assert_eq!((ta.passed(), ta.failed()), (tb.passed(), tb.failed()));
    assert!(tb.passed() > 0 && tb.failed() == 0);
}

#[test]
fn any_change_after_writing_is_refused() {
    let bundle = Bundle::from_dir(&rules(), &LoadOptions::default()).unwrap();
    let dir = scratch("tamper");
    // a byte of a source text changed, digest left as it was
    let path = dir.join("changed.ordinance");
    let mut doc = bundle.to_json();
    let text = doc["files"]["sources/dongsheng_2024q1.txt"].as_str().unwrap().replacen("煤矿", "煤炭", 1);
    doc["files"]["sources/dongsheng_2024q1.txt"] = text.into();
    std::fs::write(&path, doc.to_string()).unwrap();
    let err = Engine::load_dir(&path).err().expect("a changed bundle is refused").to_string();
    assert!(err.contains("digest"), "{err}");
    // a pack changed and the digest made again: the rule-set hash tells
    let mut files = bundle.files.clone();
    let pack = files.get_mut("walking_contest.yaml").unwrap();
    pack.push_str("\n# an edit\n");
    let path = dir.join("rehashed.ordinance");
    write(&path, &Bundle { ruleset: bundle.ruleset.clone(), files });
    let err = Engine::load_dir(&path).err().expect("a pack changed after bundling is refused").to_string();
    assert!(err.contains("records the rule set"), "{err}");
}

#[test]
fn paths_stay_inside_the_bundle() {
    let bundle = Bundle::from_dir(&rules(), &LoadOptions::default()).unwrap();
    let dir = scratch("paths");
    // (a name such as `../shared/x.txt` is allowed: texts from a shared
    // folder are bundled under it, and it is only a name inside the bundle,
    // never a path read from disk)
    for bad in ["/etc/passwd", "sources/./x.txt", "a//b.txt", "sources/../x.txt", ""] {
        let mut files = bundle.files.clone();
        files.insert(bad.to_string(), "x".into());
        let path = dir.join("bad.ordinance");
        write(&path, &Bundle { ruleset: bundle.ruleset.clone(), files });
        let err = Engine::load_dir(&path).err().unwrap_or_else(|| panic!("`{bad}` was accepted")).to_string();
        assert!(err.contains(bad) || err.contains("absolute"), "{bad}: {err}");
    }
    // a pack whose source text the bundle does not hold: located in the bundle
    let mut files = bundle.files.clone();
    files.remove("sources/dongsheng_2024q1.txt");
    let path = dir.join("no_text.ordinance");
    write(&path, &Bundle { ruleset: bundle.ruleset.clone(), files });
    let err = Engine::load_dir(&path).err().expect("a missing text is an error");
    let first = &err.diagnostics[0];
    assert!(first.file.starts_with(&path.display().to_string()), "{}", first.file);
    assert!(first.file.ends_with(".yaml") && first.line > 0, "{first:?}");
    assert!(first.message.contains("holds no source text"), "{}", first.message);
}

#[test]
fn errors_in_a_bundled_pack_name_the_bundle_line_and_column() {
    let bundle = Bundle::from_dir(&rules(), &LoadOptions::default()).unwrap();
    let mut files = bundle.files.clone();
    let pack = files.get_mut("energy_safety.yaml").unwrap();
    *pack = pack.replacen("mode: cycle.mode", "mode: cycle.mdoe", 1);
    let path = scratch("located").join("broken.ordinance");
    write(&path, &Bundle { ruleset: bundle.ruleset.clone(), files });
    let err = Engine::load_dir(&path).err().expect("the broken pack is refused");
    let first = &err.diagnostics[0];
    assert_eq!(first.file, path.join("energy_safety.yaml").display().to_string());
    assert!(first.line > 0 && first.column > 0);
}

#[test]
fn a_reload_reads_the_bundle_again() {
    let dir = scratch("reload");
    let path = dir.join("rules.ordinance");
    let bundle = Bundle::from_dir(&rules(), &LoadOptions::default()).unwrap();
    write(&path, &bundle);
    let engine = Engine::load_dir(&path).unwrap();
    // a bundle of fewer packs (a subset folder) replaces it
    let sub = dir.join("sub");
    std::fs::create_dir_all(sub.join("sources")).unwrap();
    for f in ["walking_contest.yaml", "cn_workdays_2024.yaml", "sources/dongsheng_2024q1.txt"] {
        std::fs::copy(rules().join(f), sub.join(f)).unwrap();
    }
    write(&path, &Bundle::from_dir(&sub, &LoadOptions::default()).unwrap());
    let report = engine.reload().unwrap();
    assert!(!report.removed.is_empty());
    assert!(engine.rules().iter().all(|r| r.id.starts_with("walking_contest.") || r.id.starts_with("cn_workdays")));
    // a broken bundle keeps the rules it had
    std::fs::write(&path, "{}").unwrap();
    let before = engine.ruleset_hash();
    assert!(engine.reload().is_err());
    assert_eq!(engine.ruleset_hash(), before);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: Some(Box::new(
        proptest::test_runner::FileFailurePersistence::Direct("proptest-regressions/bundle.txt"))), ..ProptestConfig::default() })]

    /// The normal form is relative, has no `.` or empty parts, keeps `..`
    /// only in front, and is its own normal form.
    #[test]
    fn normal_paths_are_normal(parts in prop::collection::vec(prop::sample::select(vec!["a", "b", ".", "..", "", "sources", "x.txt"]), 1..8)) {
        let written = parts.join("/");
        if let Ok(n) = normalise(&written) {
            prop_assert!(!n.starts_with('/'));
            let segs: Vec<&str> = n.split('/').collect();
            prop_assert!(segs.iter().all(|s| !s.is_empty() && *s != "."));
            let first_normal = segs.iter().position(|s| *s != "..").unwrap_or(segs.len());
            prop_assert!(segs[first_normal..].iter().all(|s| *s != ".."));
            prop_assert_eq!(normalise(&n), Ok(n.clone()));
        }
    }
}
