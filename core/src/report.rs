//! Rendering a scenario report as text for a terminal: aligned columns that
//! count a Chinese character as two cells, outputs flattened to dotted
//! names, lists of records as tables, and each claim with its verdict.

use crate::engine::Decision;
use crate::scenario::{ClaimStatus, Report};
use crate::value::Value;
use std::fmt::Write;

/// Display width of text in a terminal: East Asian wide and full-width
/// characters take two cells.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Pads text to a display width.
pub fn pad(s: &str, width: usize) -> String {
    let w = display_width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Record(r) => {
            for (k, fv) in r.iter() {
                let name = if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
                flatten(&name, fv, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// Renders a list of records as an aligned table; other lists inline.
fn render_list(items: &[Value], indent: &str, out: &mut String) {
    let records: Vec<&crate::value::Record> = items
        .iter()
        .filter_map(|v| match v {
            Value::Record(r) => Some(&**r),
            _ => None,
        })
        .collect();
    if records.len() != items.len() || records.is_empty() {
        let _ = writeln!(out, "{indent}{}", Value::List(std::sync::Arc::new(items.to_vec())));
        return;
    }
    let cols: Vec<String> = records.first().map(|r| r.keys().map(str::to_string).collect()).unwrap_or_default();
    let cell = |r: &crate::value::Record, c: &str| r.get(c).map(|v| v.to_string()).unwrap_or_default();
    let widths: Vec<usize> = cols
        .iter()
        .map(|c| records.iter().map(|r| display_width(&cell(r, c))).chain([display_width(c)]).max().unwrap_or(0))
        .collect();
    let header: Vec<String> = cols.iter().zip(&widths).map(|(c, w)| pad(c, *w)).collect();
    let _ = writeln!(out, "{indent}{}", header.join("  ").trim_end());
    for r in &records {
        let row: Vec<String> = cols.iter().zip(&widths).map(|(c, w)| pad(&cell(r, c), *w)).collect();
        let _ = writeln!(out, "{indent}{}", row.join("  ").trim_end());
    }
}

fn render_value_block(v: &Value, indent: &str, out: &mut String) {
    let mut flat = Vec::new();
    flatten("", v, &mut flat);
    let width = flat.iter().map(|(k, _)| display_width(k)).max().unwrap_or(0);
    for (k, fv) in &flat {
        match fv {
            Value::List(items) if items.iter().any(|i| matches!(i, Value::Record(_))) => {
                let _ = writeln!(out, "{indent}{k}: {} item(s)", items.len());
                render_list(items, &format!("{indent}    "), out);
            }
            other => {
                let _ = writeln!(out, "{indent}{}  {other}", pad(k, width));
            }
        }
    }
}

/// The report as text.
pub fn render_text(r: &Report) -> String {
    let mut out = String::new();
    render_into(r, &mut out, 0);
    if !r.includes.is_empty() {
        render_discrepancies(r, &mut out);
    }
    let total = r.claims_checked();
    let bad = r.disagreements();
    let _ = writeln!(out, "\nsummary: {total} claim(s) of the text checked, {} agree, {bad} disagree", total - bad);
    if let Some(run) = r.run.filter(|run| run.scenarios > 1) {
        let _ = writeln!(
            out,
            "run: {} scenario(s), rules loaded {} time(s) (each rules folder once)",
            run.scenarios, run.rule_loads
        );
    }
    out
}

/// Every disagreeing claim of a report and its included reports, one line
/// each: document, clause, line of the source text, claim id, finding.
fn render_discrepancies(r: &Report, out: &mut String) {
    let mut rows: Vec<[String; 5]> = Vec::new();
    collect_discrepancies(r, &mut rows);
    let _ = writeln!(out, "\n{}", "═".repeat(72));
    let _ = writeln!(out, "discrepancies the engine finds in the text: {}", rows.len());
    let _ = writeln!(out, "{}", "═".repeat(72));
    let header = ["document", "clause", "line", "claim", "finding"].map(String::from);
    let mut widths = [0usize; 4];
    for row in rows.iter().chain([&header]) {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(display_width(cell));
        }
    }
    for row in std::iter::once(&header).chain(rows.iter()) {
        let [document, clause, line, claim, finding] = row;
        let cells: Vec<String> = [document, clause, line, claim].iter().zip(widths).map(|(c, w)| pad(c, w)).collect();
        let _ = writeln!(out, "{}  {finding}", cells.join("  "));
    }
}

fn collect_discrepancies(r: &Report, rows: &mut Vec<[String; 5]>) {
    for c in r.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees) {
        rows.push([
            c.cite.document.clone(),
            c.cite.clause.clone(),
            c.cite.line.map(|l| format!("L{l}")).unwrap_or_default(),
            c.id.clone(),
            c.findings.join("; "),
        ]);
    }
    for inc in &r.includes {
        collect_discrepancies(inc, rows);
    }
}

fn render_into(r: &Report, out: &mut String, level: usize) {
    let bar = if level == 0 { "═" } else { "─" };
    let title = r.title.clone().unwrap_or_else(|| r.scenario.clone());
    let _ = writeln!(out, "{}", bar.repeat(72));
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "scenario {} · as of {} · rule set {}", r.scenario, r.as_of, r.ruleset);
    let _ = writeln!(out, "{}", bar.repeat(72));
    for s in &r.steps {
        let heading = s.title.clone().unwrap_or_else(|| s.id.clone());
        let _ = writeln!(out, "\n■ {heading}");
        let line = s.cite.line.map(|l| format!(" L{l}")).unwrap_or_default();
        let _ = writeln!(out, "  {} — {} {}{}", s.rule, s.cite.document, s.cite.clause, line);
        render_value_block(&Value::record(s.outputs.clone()), "    ", out);
    }
    if !r.claims.is_empty() {
        let bad = r.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees).count();
        let _ = writeln!(
            out,
            "\n■ figures printed in the text: {} checked, {} agree, {bad} disagree",
            r.claims.len(),
            r.claims.len() - bad
        );
        for c in &r.claims {
            let mark = match c.status {
                ClaimStatus::Agrees => "✓",
                ClaimStatus::Disagrees => "✗",
            };
            let line = c.cite.line.map(|l| format!(" L{l}")).unwrap_or_default();
            let printed = match &c.printed {
                Value::List(items) if items.is_empty() => "(none)".to_string(),
                other => other.to_string(),
            };
            let _ =
                writeln!(out, "  {mark} {} — {} {}{}: printed {printed}", c.id, c.cite.document, c.cite.clause, line);
            if c.status == ClaimStatus::Disagrees {
                let _ = writeln!(out, "      「{}」", c.cite.quote);
                for f in &c.findings {
                    let _ = writeln!(out, "      {f}");
                }
                if let Some((_, Ok(Value::List(items)))) = &c.engine {
                    render_list(items, "        ", out);
                }
                if let Some(n) = &c.note {
                    let _ = writeln!(out, "      note: {n}");
                }
            }
        }
    }
    for inc in &r.includes {
        let _ = writeln!(out);
        render_into(inc, out, level + 1);
    }
}

/// A decision as text: outputs aligned, then the trace with each citation.
pub fn render_decision(d: &Decision) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  (as of {}: {})", d.rule, d.as_of, d.as_of_reason);
    let _ = writeln!(out, "outputs:");
    let width = d.outputs.keys().map(|k| display_width(k)).max().unwrap_or(0);
    for (k, v) in &d.outputs {
        let shown = match d.decimals.get(k) {
            Some(t) => crate::value::display_typed(v, t),
            None => v.to_string(),
        };
        let _ = writeln!(out, "  {}  {}", pad(k, width), shown);
    }
    let _ = writeln!(out, "why:");
    for t in &d.trace {
        let indent = "  ".repeat(t.depth as usize + 1);
        let times = if t.count > 1 { format!(" (×{})", t.count) } else { String::new() };
        let what = match t.kind {
            crate::eval::TraceKind::Rule => format!("rule {} — {}", t.rule, t.detail),
            crate::eval::TraceKind::Row => format!("{} matched: {}", t.name.clone().unwrap_or_default(), t.detail),
            crate::eval::TraceKind::Param => format!(
                "parameter {} = {} ({})",
                t.rule,
                t.value.as_ref().map(Value::to_string).unwrap_or_default(),
                t.detail
            ),
            crate::eval::TraceKind::Let => format!(
                "{} = {}",
                t.name.clone().unwrap_or_default(),
                t.value.as_ref().map(Value::to_string).unwrap_or_default()
            ),
            crate::eval::TraceKind::Output => continue,
            crate::eval::TraceKind::Bracket => format!(
                "{}: {} = {}",
                t.name.clone().unwrap_or_default(),
                t.detail,
                t.value.as_ref().map(Value::to_string).unwrap_or_default()
            ),
        };
        let _ = writeln!(out, "{indent}{what}{times}");
        if let Some(c) = &t.cite {
            let line = c.line.map(|l| format!(" L{l}")).unwrap_or_default();
            let _ = writeln!(out, "{indent}  {} {}{}: 「{}」", c.document, c.clause, line, c.quote);
        }
    }
    let _ = writeln!(out, "rule set {}", d.ruleset);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counts_double() {
        assert_eq!(display_width("盛鑫煤矿"), 8);
        assert_eq!(display_width("coal"), 4);
        assert_eq!(pad("煤矿", 6), "煤矿  ");
    }
}
