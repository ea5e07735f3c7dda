//! Decision tables whose cells and conditions are expressions: a `then`
//! cell `{expr: …}` computed from the inputs and parameters (rounded and
//! checked like any output), and a row's `if:` tried only where its `when`
//! holds. Type errors are located load errors; coverage is proved from the
//! rows without `if:`; the differential test (`differential.rs`, whose
//! generated tables carry both) holds the evaluator to the reference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::ruleset::Ruleset;
use ordinance_core::{Date, EvalOptions};
use serde_json::json;

const HEAD: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nparameters:\n  fee: {value: 12.5, cite: {clause: c, quote: q}}\n";

/// A table rule `t.probe` over `n: number` and `cls`, giving `level` and
/// `amount: money`, with `rows` and `extra` after `hit:`.
fn probe(hit: &str, rows: &str) -> String {
    format!(
        "{HEAD}rules:
  double:
    cite: {{clause: c, quote: q}}
    inputs: {{x: number}}
    formula: {{y: x * 2}}
  probe:
    cite: {{clause: c, quote: q}}
    inputs: {{n: number, cls: {{enum: [A, B]}}}}
    outputs: {{level: {{enum: [high, low]}}, amount: money}}
    table:
      hit: {hit}
      rows:
{rows}"
    )
}

fn pack(text: &str) -> Result<Ruleset, String> {
    load(&[SourceFile { path: "t.yaml".into(), text: text.to_string() }]).map_err(|e| e.to_string())
}

fn eval(rs: &Ruleset, n: &str, cls: &str, trace: bool) -> Result<serde_json::Value, String> {
    let opts = EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 1).unwrap()), trace, ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(rs, "t.probe", &json!({"n": n, "cls": cls}), &opts)
        .map(|d| d.to_json())
        .map_err(|e| e.to_string())
}

const ROWS: &str =
    "        - {when: {n: {'<': 10}}, if: 'cls == \"A\"', then: {level: high, amount: {expr: n * fee / 3}}}
        - {when: {n: {'<': 10}}, then: {level: low, amount: {expr: 'double(x = n).y'}}}
        - {when: {n: {'>=': 10}}, then: {level: low, amount: 0}}
";

#[test]
fn computed_cells_and_row_conditions() {
    let rs = pack(&probe("first", ROWS)).unwrap();
    // row 1: 1 × 12.5 / 3 = 4.1666… rounded half up to the fen
    let d = eval(&rs, "1", "A", false).unwrap();
    assert_eq!(d["outputs"], json!({"level": "high", "amount": "4.17"}));
    // the `if:` fails for B: row 2, which calls another rule
    let d = eval(&rs, "1.5", "B", false).unwrap();
    assert_eq!(d["outputs"], json!({"level": "low", "amount": "3.00"}));
    let d = eval(&rs, "10", "A", false).unwrap();
    assert_eq!(d["outputs"], json!({"level": "low", "amount": "0.00"}));
    // the trace words the row with its `if:`
    let d = eval(&rs, "1", "A", true).unwrap();
    let row = d["trace"].as_array().unwrap().iter().find(|t| t["kind"] == "row").unwrap().clone();
    assert!(row["detail"].as_str().unwrap().contains("if cls == \"A\""), "{row}");
}

#[test]
fn collect_sums_computed_cells_and_any_compares_them() {
    let rows = "        - {when: {n: {'>=': 0}}, then: {level: high, amount: {expr: n / 3}}}
        - {when: {n: {'>=': 1}}, if: 'cls == \"B\"', then: {level: low, amount: {expr: n / 3}}}
";
    let text = probe("collect", rows)
        .replace("outputs: {level: {enum: [high, low]}, amount: money}", "outputs: {amount: money}")
        .replace("level: high, ", "")
        .replace("level: low, ", "");
    let text = text.replace("hit: collect", "hit: collect\n      aggregate: sum");
    let rs = pack(&text).unwrap();
    // each cell rounds to the fen before the sum: 0.33 + 0.33
    assert_eq!(eval(&rs, "1", "B", false).unwrap()["outputs"]["amount"], json!("0.66"));
    assert_eq!(eval(&rs, "1", "A", false).unwrap()["outputs"]["amount"], json!("0.33"));
    // `any`: rows that match must agree on what they compute
    let rows = "        - {when: {n: {'>=': 0}}, then: {level: high, amount: {expr: n * 2}}}
        - {when: {n: {'>=': 1}}, then: {level: high, amount: {expr: n + n}}}
        - {when: {n: {'>=': 5}}, then: {level: high, amount: {expr: n + 1}}}
        - {when: {n: {'<': 0}}, then: {level: low, amount: 0}}
";
    let rs = pack(&probe("any", rows)).unwrap();
    assert_eq!(eval(&rs, "2", "A", false).unwrap()["outputs"]["amount"], json!("4.00"));
    let e = eval(&rs, "7", "A", false).unwrap_err();
    assert!(e.contains("rows 1 and 3 both match but give different outputs"), "{e}");
}

#[test]
fn wrong_expressions_are_located_load_errors() {
    let bad = |rows: &str, hit: &str| pack(&probe(hit, rows)).map(|_| ()).unwrap_err();
    let e = bad("        - {when: {n: {'<': 10}}, if: 'n + 1', then: {level: high, amount: 1}}\n        - {then: {level: low, amount: 0}}\n", "first");
    assert!(e.contains("t.yaml:19:") && e.contains("a row's `if:` needs true or false, found number"), "{e}");
    let e = bad("        - {then: {level: high, amount: {expr: 'cls'}}}\n", "first");
    assert!(
        e.contains("t.yaml:19:") && e.contains("output `amount` is money, but the cell computes one of A|B"),
        "{e}"
    );
    let e = bad("        - {then: {level: high, amount: {expr: 'n * fees'}}}\n", "first");
    assert!(e.contains("t.yaml:19:") && e.contains("unknown name `fees`") && e.contains("did you mean `fee`?"), "{e}");
    // a computed cell misspelt is named as such, not "expected money, found an object"
    let e = bad("        - {then: {level: high, amount: {exprr: 'n * fee'}}}\n", "first");
    assert!(
        e.contains("t.yaml:19:")
            && e.contains("a cell takes a value or `{expr: …}`, not `exprr`")
            && e.contains("did you mean `expr`?"),
        "{e}"
    );
    // the output that ranks rows cannot be computed
    let text = probe("priority", "        - {then: {level: {expr: '\"high\"'}, amount: 1}}\n");
    let e = pack(&text).unwrap_err();
    assert!(e.contains("output `level` ranks the rows of `hit: priority`, so it cannot be computed"), "{e}");
    // coverage counts only rows without `if:`
    let e = bad(
        "        - {when: {n: {'<': 10}}, if: 'cls == \"A\"', then: {level: high, amount: 1}}\n        - {when: {n: {'<': 10}}, if: 'cls == \"B\"', then: {level: high, amount: 1}}\n        - {when: {n: {'>=': 10}}, then: {level: low, amount: 0}}\n",
        "unique",
    );
    assert!(e.contains("no row of `t.probe` covers") && e.contains("rows with `if:` do not count"), "{e}");
}

#[test]
fn an_if_that_fails_is_reached_only_where_its_row_is_tried() {
    // row 2's `if:` divides by n − 3: `first` never tries it where row 1 matches
    let rows = "        - {when: {n: {'<': 5}}, then: {level: high, amount: 1}}
        - {when: {n: {'<': 10}}, if: '1 / (n - 3) > 0', then: {level: low, amount: 2}}
        - {then: {level: low, amount: 0}}
";
    let rs = pack(&probe("first", rows)).unwrap();
    assert_eq!(eval(&rs, "3", "A", false).unwrap()["outputs"]["amount"], json!("1.00"));
    assert_eq!(eval(&rs, "7", "A", false).unwrap()["outputs"]["amount"], json!("2.00"));
    let rs = pack(&probe("rule_order", rows).replace("amount: money", "amount: integer")).unwrap();
    let e = eval(&rs, "3", "A", false).unwrap_err();
    assert!(e.contains("division by zero"), "{e}");
}
