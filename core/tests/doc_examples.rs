//! The built-in functions' tables in docs/rule-format.md (§9.7, English and
//! 中文) say "each example was evaluated by the engine; the result is what
//! it gave". This holds them to it: every example that is an expression on
//! is evaluated and must show the printed result. The few that name a rule's
//! inputs (`concat_text(name, …)`, `is_missing(bonus)`) get the inputs the
//! docs describe: `name` 东胜区, `total` 568, `bonus` left out. A row whose
//! examples and results do not pair up fails, and the number checked has a
//! floor, so the test cannot pass by checking nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Date, EvalOptions};

/// The code spans of a table cell, in order.
fn spans(cell: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = cell;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].chars().take_while(|c| *c == '`').count();
        let fence = "`".repeat(ticks);
        let after = &rest[start + ticks..];
        let Some(end) = after.find(&fence) else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + ticks..];
    }
    out
}

/// The rows (example, result) of the built-in functions' table that starts
/// after `heading`.
fn table_after(doc: &str, heading: &str) -> Vec<(String, String)> {
    let at = doc.find(heading).unwrap_or_else(|| panic!("docs/rule-format.md has no `{heading}`"));
    let mut rows = Vec::new();
    let mut seen_table = false;
    for line in doc[at..].lines().skip(1) {
        if line.starts_with("###") {
            break;
        }
        if !line.starts_with('|') {
            if seen_table && !rows.is_empty() {
                break;
            }
            continue;
        }
        seen_table = true;
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        if let [_, example, result] = cells.as_slice() {
            let (ex, res) = (spans(example), spans(result));
            if ex.len() == res.len() {
                rows.extend(ex.into_iter().zip(res));
            } else if !ex.is_empty() && !res.is_empty() {
                // prose between the spans (`as_of()` in a scenario dated …)
                rows.push((format!("unpaired: {example}"), result.to_string()));
            }
        }
    }
    rows
}

/// The pack an example is evaluated in: one rule `doc.r` whose formula is
/// the example, the inputs the docs describe, the scale of §7.6 and the 2024
/// calendar.
fn harness(expr: &str) -> Result<ordinance_core::ruleset::Ruleset, String> {
    let formula = serde_json::to_string(expr).unwrap();
    let text = format!(
        "format: 1\npack: doc\nsource: {{document: D1, title: t, issued_by: i, date: 2024-01-01}}\nvalid: {{from: 2024-01-01}}\ncalendar: cn_workdays_2024\nscales:\n  comprehensive:\n    cite: {{clause: 第三条, quote: 超额累进税率}}\n    brackets:\n      - {{upto: 36000, rate: 3%, quick_deduction: 0}}\n      - {{upto: 144000, rate: 10%, quick_deduction: 2520}}\n      - {{upto: 300000, rate: 20%, quick_deduction: 16920}}\n      - {{upto: 420000, rate: 25%, quick_deduction: 31920}}\n      - {{upto: 660000, rate: 30%, quick_deduction: 52920}}\n      - {{upto: 960000, rate: 35%, quick_deduction: 85920}}\n      - {{rate: 45%, quick_deduction: 181920}}\nrules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{name: text, total: integer, bonus: {{type: number, optional: true}}}}\n    formula:\n      y: {formula}\n"
    );
    let calendar =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/cn_workdays_2024.yaml")).unwrap();
    load(&[
        SourceFile { path: "doc.yaml".into(), text },
        SourceFile { path: "cn_workdays_2024.yaml".into(), text: calendar },
    ])
    .map_err(|e| e.to_string())
}

/// The inputs the docs describe: `name` 东胜区, `total` 568, `bonus` left out.
fn inputs() -> serde_json::Value {
    serde_json::json!({"name": "东胜区", "total": 568})
}

/// The as-of date of the `as_of()` example.
fn as_of() -> Date {
    Date::from_ymd(2024, 6, 30).unwrap()
}

/// What the engine shows for an expression, or why it could not be
/// evaluated on its own.
fn shows(expr: &str) -> Result<String, String> {
    let rs = harness(expr)?;
    let opts = EvalOptions { as_of: Some(as_of()), ..EvalOptions::default() };
    let d = ordinance_core::engine::evaluate_in(&rs, "doc.r", &inputs(), &opts).map_err(|e| e.to_string())?;
    Ok(d.outputs["y"].to_string())
}

/// What the reference interpreter shows for an expression.
fn reference_shows(expr: &str) -> Result<String, String> {
    let rs = harness(expr)?;
    let (rid, rule) = rs.rule("doc.r").ok_or("no rule doc.r")?;
    let args = ordinance_core::engine::bind_inputs(rule, &inputs()).map_err(|e| e.to_string())?;
    let out = ordinance_core::reference::evaluate(&rs, rid, args, as_of(), 1000).map_err(|f| format!("{f:?}"))?;
    Ok(out["y"].to_string())
}

/// The printed result as the engine shows it: a quoted text without its
/// quotes, a remark after the value (`true` (a make-up Sunday)) left off.
fn printed(result: &str) -> String {
    let r = result.trim();
    match r.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(text) => text.to_string(),
        None => r.to_string(),
    }
}

fn check(heading: &str, floor: usize) {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rule-format.md")).unwrap();
    let rows = table_after(&doc, heading);
    let (mut checked, mut wrong) = (0, Vec::new());
    for (example, result) in &rows {
        if example.starts_with("unpaired: ") {
            wrong.push(format!("{example}: its examples and results do not pair up ({result})"));
            continue;
        }
        match shows(example) {
            Ok(got) if got == printed(result) => checked += 1,
            Ok(got) => wrong.push(format!("`{example}` gives `{got}`, the docs print `{result}`")),
            Err(e) => wrong.push(format!("`{example}` (docs: `{result}`) fails: {e}")),
        }
    }
    assert!(wrong.is_empty(), "{heading}: {} example(s) disagree with the engine:\n{}", wrong.len(), wrong.join("\n"));
    println!("{heading}: {checked} examples evaluated, each as printed");
    assert!(checked >= floor, "{heading}: only {checked} examples were checked");
}

#[test]
fn the_built_in_functions_examples_in_english_give_what_the_docs_print() {
    check("### 9.7 Built-in functions", 61);
}

#[test]
fn the_built_in_functions_examples_in_chinese_give_what_the_docs_print() {
    check("### 9.7 内置函数", 61);
}

/// Every built-in of the registry (`core/src/run/builtins/`) carries
/// examples; each is a row of §9.7 in both languages with the same result,
/// and gives that result on the evaluator and on the reference interpreter.
#[test]
fn every_built_in_has_examples_the_docs_print_and_both_evaluators_give() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/rule-format.md")).unwrap();
    let en = table_after(&doc, "### 9.7 Built-in functions");
    let zh = table_after(&doc, "### 9.7 内置函数");
    let (mut checked, mut wrong) = (0, Vec::new());
    for def in ordinance_core::builtins::all() {
        let name = def.sig.name;
        if def.examples.is_empty() {
            wrong.push(format!("`{name}` has no examples"));
        }
        for (example, result) in def.examples {
            for (lang, table) in [("English", &en), ("中文", &zh)] {
                match table.iter().find(|(e, _)| e == example) {
                    Some((_, r)) if r == result => {}
                    Some((_, r)) => wrong
                        .push(format!("`{example}` of `{name}`: the {lang} docs print `{r}`, the registry `{result}`")),
                    None => wrong.push(format!("`{example}` of `{name}` is not in the {lang} table of §9.7")),
                }
            }
            for (who, got) in [("evaluator", shows(example)), ("reference", reference_shows(example))] {
                match got {
                    Ok(got) if got == printed(result) => {}
                    Ok(got) => {
                        wrong.push(format!("`{example}` gives `{got}` on the {who}, the registry says `{result}`"))
                    }
                    Err(e) => wrong.push(format!("`{example}` fails on the {who}: {e}")),
                }
            }
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "{} disagreement(s):\n{}", wrong.len(), wrong.join("\n"));
    println!("{checked} examples of the built-ins' definitions checked against the docs and both evaluators");
    assert!(checked >= 66, "only {checked} examples were checked");
}
