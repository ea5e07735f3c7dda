//! The core's house: its folders are layers, and every `crate::…` path in
//! `core/src` runs down the layers, never back up (so no two modules import
//! each other, directly or round a circle). Each file of `core/src` also
//! stays under 1,000 lines (its tests aside), and each function under 150. `docs/architecture.md` draws
//! the picture this test holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, bottom first: a unit may use the units before it.
const LAYERS: [&str; 9] = ["values", "error", "source", "lang", "ruleset", "run", "pack", "engine", "reports"];

/// The most lines a file of `core/src` may hold before its tests.
const MAX_FILE_LINES: usize = 1000;

/// The most lines a function of `core/src` may take, from `fn` to its
/// closing brace.
const MAX_FN_LINES: usize = 150;

/// An arrow from one unit to another, and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Arrow {
    from: String,
    to: String,
    at: String,
}

/// The unit a file belongs to: its folder under `src`, or the file itself.
fn unit_of(rel: &Path) -> String {
    let first = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file before its tests, without comments.
fn code_lines(text: &str) -> Vec<&str> {
    text.lines().take_while(|l| !l.trim_start().starts_with("#[cfg(test)]")).collect()
}

/// Every arrow the files make: `crate::unit…` from another unit.
fn arrows(files: &[(PathBuf, String)]) -> Vec<Arrow> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let from = unit_of(rel);
        for (n, line) in code_lines(text).iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(k) = rest.find("crate::") {
                rest = &rest[k + "crate::".len()..];
                let to: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if to != from && LAYERS.contains(&to.as_str()) {
                    out.push(Arrow { from: from.clone(), to, at: format!("core/src/{}:{}", rel.display(), n + 1) });
                }
            }
        }
    }
    out
}

/// The arrows that run up the layers (or to a unit that is not a layer).
fn upward(arrows: &[Arrow]) -> Vec<Arrow> {
    let rank = |u: &str| LAYERS.iter().position(|l| *l == u);
    arrows
        .iter()
        .filter(|a| match (rank(&a.from), rank(&a.to)) {
            (Some(f), Some(t)) => t > f,
            _ => true,
        })
        .cloned()
        .collect()
}

fn core_files() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p.strip_prefix(root).unwrap().to_path_buf(), std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

#[test]
fn every_arrow_runs_down_the_layers() {
    let files = core_files();
    let units: BTreeMap<String, usize> =
        files.iter().filter(|(p, _)| p != Path::new("lib.rs")).map(|(p, _)| (unit_of(p), 0)).collect();
    for u in units.keys() {
        assert!(
            LAYERS.contains(&u.as_str()),
            "`core/src/{u}` is in no layer: add it to LAYERS and docs/architecture.md"
        );
    }
    let found = arrows(&files);
    assert!(found.len() > 50, "the arrows were not read: {found:?}");
    let up = upward(&found);
    assert!(
        up.is_empty(),
        "arrows that run back up the layers ({}):\n{}",
        LAYERS.join(" < "),
        up.iter().map(|a| format!("  {} -> {} at {}", a.from, a.to, a.at)).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn an_arrow_back_up_is_caught_and_named() {
    // the checker itself, on files made for it: `run` using `pack` is an
    // arrow up (the evaluator reaching into the loader)
    let files = vec![
        (PathBuf::from("run/eval.rs"), "use crate::ruleset::Ruleset;\nuse crate::pack::loader::load;\n".to_string()),
        (PathBuf::from("pack/loader.rs"), "use crate::run::eval::Evaluator;\n// crate::engine in a comment\n".into()),
    ];
    let up = upward(&arrows(&files));
    assert_eq!(up.len(), 1, "{up:?}");
    assert_eq!((up[0].from.as_str(), up[0].to.as_str(), up[0].at.as_str()), ("run", "pack", "core/src/run/eval.rs:2"));
    // and on the real files with one arrow added on purpose
    let mut real = core_files();
    let (_, text) = real.iter_mut().find(|(p, _)| p == Path::new("values/number.rs")).unwrap();
    text.insert_str(0, "use crate::engine::Engine;\n");
    let up = upward(&arrows(&real));
    assert_eq!(up.len(), 1, "{up:?}");
    assert_eq!(up[0].at, "core/src/values/number.rs:1");
}

#[test]
fn no_file_is_too_big_to_read() {
    let big: Vec<String> = core_files()
        .iter()
        .map(|(p, t)| (p, code_lines(t).len()))
        .filter(|(_, n)| *n > MAX_FILE_LINES)
        .map(|(p, n)| format!("core/src/{} ({n} lines)", p.display()))
        .collect();
    assert!(big.is_empty(), "split by meaning: {big:?}");
}

/// The name of the function a line declares (`fn name`, with any
/// visibility and qualifiers before it), unless it is only a signature.
fn declared_fn(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.trim_end().ends_with(';') || t.starts_with("//") {
        return None;
    }
    let at = t.find("fn ")?;
    let before = &t[..at];
    let qualifiers_only = before.split_whitespace().all(|w| {
        w.starts_with("pub") || matches!(w, "const" | "async" | "unsafe" | "extern" | "\"C\"") || w.ends_with(')')
    });
    if !qualifiers_only {
        return None;
    }
    let name = t[at + 3..].split(|c: char| !(c.is_alphanumeric() || c == '_')).next()?;
    (!name.is_empty()).then_some(name)
}

/// Every function longer than `max` lines: file, line, name and length.
/// A function ends at the first `}` written at its own indentation.
fn long_functions(files: &[(PathBuf, String)], max: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let code = code_lines(text);
        for (i, line) in code.iter().enumerate() {
            let Some(name) = declared_fn(line) else { continue };
            let indent = &line[..line.len() - line.trim_start().len()];
            let closing = format!("{indent}}}");
            if let Some(len) = code[i + 1..].iter().position(|l| *l == closing).map(|k| k + 2) {
                if len > max {
                    out.push(format!("core/src/{}:{} `{name}` ({len} lines)", rel.display(), i + 1));
                }
            }
        }
    }
    out
}

#[test]
fn no_function_is_too_long_to_read() {
    let files = core_files();
    let long = long_functions(&files, MAX_FN_LINES);
    assert!(long.is_empty(), "split by meaning: {long:?}");
    // the measure itself: every function is found and measured, and one
    // made long on purpose is caught
    let all = long_functions(&files, 0);
    assert!(all.len() > 500, "only {} functions were measured", all.len());
    let body = "    let x = 1;\n".repeat(MAX_FN_LINES);
    let made = vec![(PathBuf::from("run/made.rs"), format!("/// doc\npub(crate) fn made() {{\n{body}}}\n"))];
    assert_eq!(
        long_functions(&made, MAX_FN_LINES),
        vec![format!("core/src/run/made.rs:2 `made` ({} lines)", MAX_FN_LINES + 2)]
    );
}
