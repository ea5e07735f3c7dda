//! Items by position: `list[i]` (from 1; negative from the end), `first`,
//! `last` — absent where there is no such item — and the errors for a
//! position written wrong, located.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Date, EvalOptions};
use proptest::prelude::*;

const HEADER: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n";

fn pack(formula: &str) -> Result<ordinance_core::ruleset::Ruleset, String> {
    let text = format!(
        "{HEADER}  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{xs: {{list: integer}}, i: integer}}\n    formula:\n      y: '{formula}'\n"
    );
    load(&[SourceFile { path: "t.yaml".into(), text }]).map_err(|e| e.to_string())
}

fn run(formula: &str, xs: &[i64], i: i64) -> Result<String, String> {
    let rs = pack(formula)?;
    let opts = EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 1).unwrap()), ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(&rs, "t.r", &serde_json::json!({"xs": xs, "i": i}), &opts)
        .map(|d| d.outputs["y"].to_string())
        .map_err(|e| e.to_string())
}

#[test]
fn positions_count_from_one_and_from_the_end() {
    assert_eq!(run("xs[1] ?? 0", &[7, 8, 9], 0).unwrap(), "7");
    assert_eq!(run("xs[-1] ?? 0", &[7, 8, 9], 0).unwrap(), "9");
    assert_eq!(run("xs[i] ?? 0", &[7, 8, 9], 0).unwrap(), "0", "position 0 is no item");
    assert_eq!(run("xs[i] ?? -5", &[7, 8, 9], 4).unwrap(), "-5", "past the end is no item");
    assert_eq!(run("(first(xs) ?? 0) + (last(xs) ?? 0)", &[], 0).unwrap(), "0");
    assert_eq!(run("[[1, 2], [3]][2][1] ?? 0", &[], 0).unwrap(), "3", "positions chain");
}

#[test]
fn an_item_read_where_a_value_is_needed_and_absent_is_a_located_error() {
    let e = run("xs[i] + 1", &[7], 2).unwrap_err();
    assert!(e.contains("has no value at t.yaml:10:"), "{e}");
    assert!(e.contains("it may have none"), "{e}");
}

#[test]
fn positions_written_wrong_are_located_load_errors() {
    let e = pack("xs[1").unwrap_err();
    assert!(e.contains("t.yaml:10:"), "{e}");
    let e = pack("xs[\"a\"] ?? 0").unwrap_err();
    assert!(e.contains("`item` needs an integer"), "{e}");
    let e = pack("i[1] ?? 0").unwrap_err();
    assert!(e.contains("`item` needs a list here, found integer"), "{e}");
}

proptest! {
    /// `xs[i]` is the i-th item from the front for i ≥ 1, the (-i)-th from
    /// the back for i ≤ -1, and nothing otherwise.
    #[test]
    fn an_item_is_where_its_position_says(xs in prop::collection::vec(-50i64..50, 0..6), i in -8i64..8) {
        let got = run("xs[i] ?? 999", &xs, i).unwrap();
        let n = xs.len() as i64;
        let want = if i >= 1 && i <= n { xs[(i - 1) as usize] } else if i <= -1 && -i <= n { xs[(n + i) as usize] } else { 999 };
        prop_assert_eq!(got, want.to_string());
    }
}
