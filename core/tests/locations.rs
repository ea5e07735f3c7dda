//! An error inside a formula points at its own line and column, whatever the
//! YAML style of the scalar holding it: plain, single- or double-quoted (with
//! escapes), a `|` literal block or a `>` folded block, on one line or many.
//! The expected place is known by construction: the test writes the formula
//! and knows where it put the unknown name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use ordinance_core::loader::{load, SourceFile};
use proptest::prelude::*;

const HEADER: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {x: integer}\n    formula:\n";

#[derive(Clone, Copy, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

/// Writes `y: <formula>` in a style, the formula being `terms` joined by ` +
/// `, broken onto a new line before each term in `breaks` (multi-line
/// styles only). Returns the file and where the term `zq` starts.
fn write(style: Style, terms: &[String], breaks: &[bool]) -> (String, (u32, u32)) {
    let mut text = HEADER.to_string();
    let first_line = HEADER.lines().count() as u32 + 1;
    let (open, close, indent, block) = match style {
        Style::Plain => ("", "", "        ", false),
        Style::Single => ("'", "'", "        ", false),
        Style::Double => ("\"", "\"", "        ", false),
        Style::Literal => ("|", "", "        ", true),
        Style::Folded => (">", "", "        ", true),
    };
    let mut line = first_line;
    let mut col: u32;
    let mut cur = format!("      y: {open}");
    if block {
        text.push_str(&cur);
        text.push('\n');
        line += 1;
        cur = indent.to_string();
    }
    let mut at = (0, 0);
    for (i, t) in terms.iter().enumerate() {
        if i > 0 {
            if breaks[i] && (!matches!(style, Style::Single | Style::Double) || i % 2 == 0) {
                // a break: the `+` ends the line, the term starts the next
                cur.push_str(" +");
                text.push_str(&cur);
                text.push('\n');
                line += 1;
                cur = indent.to_string();
            } else {
                cur.push_str(" + ");
            }
        }
        col = cur.chars().count() as u32 + 1;
        if t.contains("zq") {
            // the name stands after any quote or escape the term has
            at = (line, col + t.find("zq").unwrap() as u32);
        }
        cur.push_str(t);
    }
    cur.push_str(close);
    text.push_str(&cur);
    text.push('\n');
    (text, at)
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![Just(Style::Plain), Just(Style::Single), Just(Style::Double), Just(Style::Literal), Just(Style::Folded)]
}

fn term(style: Style) -> BoxedStrategy<String> {
    let mut options =
        vec![Just("x".to_string()).boxed(), Just("2 * x".to_string()).boxed(), Just("(x - 1)".to_string()).boxed()];
    match style {
        Style::Double => options.push(Just("length(\\\"a\\\")".to_string()).boxed()),
        Style::Single => options.push(Just("length(\"''\")".to_string()).boxed()),
        _ => options.push(Just("length(\"ab\")".to_string()).boxed()),
    }
    proptest::strategy::Union::new(options).boxed()
}

proptest! {
    #![proptest_config(common::cases(256, "locations"))]

    #[test]
    fn an_unknown_name_is_located_in_every_style(
        (style, terms, at, breaks) in style().prop_flat_map(|s| {
            (Just(s), proptest::collection::vec(term(s), 1..8), any::<prop::sample::Index>(), proptest::collection::vec(any::<bool>(), 8))
        })
    ) {
        let mut terms = terms;
        let k = at.index(terms.len() + 1);
        terms.insert(k, "zq".to_string());
        let (text, expected) = write(style, &terms, &breaks);
        let err = load(&[SourceFile { path: "t.yaml".into(), text: text.clone() }]).unwrap_err();
        let d = err.diagnostics.iter().find(|d| d.message.contains("unknown name `zq`"))
            .unwrap_or_else(|| panic!("no diagnostic for zq in\n{text}\n{err}"));
        prop_assert_eq!((d.line, d.column), expected, "{:?} in\n{}", style, text);
    }
}
