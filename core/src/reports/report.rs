//! Rendering a scenario report as text for a terminal: aligned columns that
//! count a Chinese character as two cells, outputs flattened to dotted
//! names, lists of records as tables, and each claim with its verdict.

use crate::engine::Decision;
use crate::reports::scenario::{ClaimReport, ClaimStatus, Report};
use crate::ruleset::Citation;
use crate::source::model::ClaimKind;
use crate::values::value::{Type, Value};
use indexmap::IndexMap;
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
    let records: Vec<&crate::values::value::Record> = items
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
    let cell = |r: &crate::values::value::Record, c: &str| r.get(c).map(|v| v.to_string()).unwrap_or_default();
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

/// A step's outputs as the text shows them: a `money` or `decimal(n)`
/// output (or a list of them) with its places, `1080.10`.
fn shown_outputs(s: &crate::reports::scenario::StepReport) -> IndexMap<String, Value> {
    s.outputs
        .iter()
        .map(|(k, v)| {
            let shown = match s.decimals.get(k) {
                Some(t @ (Type::Decimal(_) | Type::List(_) | Type::Optional(_))) if !matches!(v, Value::Absent) => {
                    Value::text(&crate::values::value::display_typed(v, t))
                }
                _ => v.clone(),
            };
            (k.clone(), shown)
        })
        .collect()
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

/// The language of a report's headings, findings and notes (quotes are
/// always the source's own words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// 中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parses `zh` or `en`.
    ///
    /// # Errors
    /// Any other text, with the choices.
    pub fn parse(s: &str) -> Result<Lang, String> {
        match s {
            "zh" | "zh-CN" | "zh-Hans" => Ok(Lang::Zh),
            "en" => Ok(Lang::En),
            other => Err(format!("unknown report language `{other}`: write zh or en")),
        }
    }

    /// Chinese when the texts the report cites are Chinese, else English.
    pub fn of_report(r: &Report) -> Lang {
        fn chinese(r: &Report) -> bool {
            r.claims.iter().any(|c| c.cite.quote.chars().any(is_han))
                || r.steps.iter().any(|s| s.cite.quote.chars().any(is_han))
                || r.includes.iter().any(chinese)
        }
        if chinese(r) {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0x20000..=0x3FFFD)
}

/// How to render a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// Headings, findings and notes in this language.
    pub lang: Lang,
    /// Print only the findings (the claims that disagree) and the summary.
    pub only_findings: bool,
}

/// How many claims of each kind a report checked, included scenarios
/// counted: the text's printed figures and facts (each counted once, with
/// the places it is printed), and the checks the scenarios assert.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Printed numbers, dates and counts.
    pub figures: usize,
    /// Of those, how many disagree.
    pub figures_disagree: usize,
    /// Printed names, titles and lists.
    pub facts: usize,
    /// Of those, how many disagree.
    pub facts_disagree: usize,
    /// Places in the text where the figures and facts are printed.
    pub places: usize,
    /// Consistencies the scenarios assert.
    pub checks: usize,
    /// Of those, how many fail.
    pub checks_fail: usize,
}

impl Tally {
    /// Counts a report and the reports it includes.
    pub fn of(r: &Report) -> Tally {
        let mut t = Tally::default();
        t.add_report(r);
        t
    }

    fn add_report(&mut self, r: &Report) {
        self.add_claims(&r.claims);
        for inc in &r.includes {
            self.add_report(inc);
        }
    }

    fn add_claims(&mut self, claims: &[ClaimReport]) {
        for c in claims {
            let bad = usize::from(c.status == ClaimStatus::Disagrees);
            match c.kind {
                ClaimKind::Figure => {
                    self.figures += 1;
                    self.figures_disagree += bad;
                    self.places += 1 + c.also_at.len();
                }
                ClaimKind::Fact => {
                    self.facts += 1;
                    self.facts_disagree += bad;
                    self.places += 1 + c.also_at.len();
                }
                ClaimKind::Check => {
                    self.checks += 1;
                    self.checks_fail += bad;
                }
            }
        }
    }

    /// Every disagreement: printed figures and facts that disagree and
    /// checks that fail.
    pub fn findings(&self) -> usize {
        self.figures_disagree + self.facts_disagree + self.checks_fail
    }

    /// The summary line.
    pub fn line(&self, lang: Lang) -> String {
        let printed = self.figures + self.facts;
        let bad = self.figures_disagree + self.facts_disagree;
        match lang {
            Lang::Zh => format!(
                "汇总：核对文本所印数字 {} 项、事实 {} 项（见于文中 {} 处），{} 项一致，{bad} 项不一致；情景核对 {} 项，{} 项不成立；发现共 {} 项",
                self.figures,
                self.facts,
                self.places,
                printed - bad,
                self.checks,
                self.checks_fail,
                self.findings()
            ),
            Lang::En => format!(
                "summary: {} printed figure(s) and {} printed fact(s) of the text checked (printed at {} place(s)), {} agree, {bad} disagree; {} scenario check(s), {} fail; {} finding(s) in all",
                self.figures,
                self.facts,
                self.places,
                printed - bad,
                self.checks,
                self.checks_fail,
                self.findings()
            ),
        }
    }
}

/// The report as text, in the language of its source texts.
pub fn render_text(r: &Report) -> String {
    render_text_with(r, &RenderOptions { lang: Lang::of_report(r), only_findings: false })
}

/// The report as text, in a language, in full or only its findings.
pub fn render_text_with(r: &Report, o: &RenderOptions) -> String {
    let mut out = String::new();
    let mut tables = Vec::new();
    if o.only_findings {
        let title = r.title.clone().unwrap_or_else(|| r.scenario.clone());
        let _ = writeln!(out, "{title}");
        let _ = writeln!(
            out,
            "{} {} · {} {} · {} {}",
            o.lang.pick("情景", "scenario"),
            r.scenario,
            o.lang.pick("基准日", "as of"),
            r.as_of,
            o.lang.pick("规则集", "rule set"),
            r.ruleset
        );
        let mut n = 0;
        render_findings_only(r, o.lang, &mut out, &mut n);
        if n == 0 {
            let _ = writeln!(out, "\n{}", o.lang.pick("未发现不一致。", "no findings."));
        }
    } else {
        render_into(r, &mut out, 0, o.lang, &mut tables);
        if !r.includes.is_empty() {
            render_discrepancies(r, o.lang, &mut out);
        }
    }
    let _ = writeln!(out, "\n{}", Tally::of(r).line(o.lang));
    if let Some(run) = r.run.filter(|run| run.scenarios > 1) {
        let _ = writeln!(
            out,
            "{}",
            match o.lang {
                Lang::Zh =>
                    format!("运行：情景 {} 个，规则加载 {} 次（每个规则目录一次）", run.scenarios, run.rule_loads),
                Lang::En => format!(
                    "run: {} scenario(s), rules loaded {} time(s) (each rules folder once)",
                    run.scenarios, run.rule_loads
                ),
            }
        );
    }
    out
}

fn kind_label(k: ClaimKind, lang: Lang) -> &'static str {
    match k {
        ClaimKind::Figure => lang.pick("数字", "figure"),
        ClaimKind::Fact => lang.pick("事实", "fact"),
        ClaimKind::Check => lang.pick("核对", "check"),
    }
}

fn line_of(c: &Citation) -> String {
    c.line.map(|l| format!(" L{l}")).unwrap_or_default()
}

/// One block per finding: where, the words, what differs, the note.
fn render_findings_only(r: &Report, lang: Lang, out: &mut String, n: &mut usize) {
    for c in r.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees) {
        *n += 1;
        let _ = writeln!(
            out,
            "\n✗ {n}. {} {}{} · {} ({})",
            c.cite.document,
            c.cite.clause,
            line_of(&c.cite),
            c.id,
            kind_label(c.kind, lang)
        );
        render_finding_body(c, lang, out, None);
    }
    for inc in &r.includes {
        render_findings_only(inc, lang, out, n);
    }
}

/// The quote, the findings, a table of what differs (or where it was shown
/// above), and the note of a claim that disagrees.
fn render_finding_body(c: &ClaimReport, lang: Lang, out: &mut String, shown: Option<&str>) {
    let _ = writeln!(out, "      「{}」", c.cite.quote);
    for a in &c.also_at {
        let _ = writeln!(
            out,
            "      {} {} {}{}：「{}」",
            lang.pick("又见", "also at"),
            a.document,
            a.clause,
            line_of(a),
            a.quote
        );
    }
    let findings = match lang {
        Lang::Zh if c.findings_zh.len() == c.findings.len() => &c.findings_zh,
        _ => &c.findings,
    };
    for f in findings {
        let _ = writeln!(out, "      {f}");
    }
    if let Some((_, Ok(Value::List(items)))) = &c.engine {
        if items.iter().any(|i| matches!(i, Value::Record(_))) {
            match shown {
                Some(step) => {
                    let _ = writeln!(
                        out,
                        "        {}",
                        match lang {
                            Lang::Zh => format!("（明细见上文「{step}」）"),
                            Lang::En => format!("(listed under “{step}” above)"),
                        }
                    );
                }
                None => render_list(items, "        ", out),
            }
        }
    }
    let note = match lang {
        Lang::Zh => c.note_zh.as_ref().or(c.note.as_ref()),
        Lang::En => c.note.as_ref(),
    };
    if let Some(n) = note {
        let _ = writeln!(out, "      {}{n}", lang.pick("说明：", "note: "));
    }
}

/// Every disagreeing claim of a report and its included reports, one line
/// each: document, clause, line of the source text, claim id, finding.
fn render_discrepancies(r: &Report, lang: Lang, out: &mut String) {
    let mut rows: Vec<[String; 5]> = Vec::new();
    collect_discrepancies(r, lang, &mut rows);
    let _ = writeln!(out, "\n{}", "═".repeat(72));
    let _ = writeln!(
        out,
        "{}",
        match lang {
            Lang::Zh => format!("引擎在文本中发现的不一致：{} 项", rows.len()),
            Lang::En => format!("discrepancies the engine finds in the text: {}", rows.len()),
        }
    );
    let _ = writeln!(out, "{}", "═".repeat(72));
    let header = match lang {
        Lang::Zh => ["文件", "条款", "行", "核对项", "发现"],
        Lang::En => ["document", "clause", "line", "claim", "finding"],
    }
    .map(String::from);
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

fn collect_discrepancies(r: &Report, lang: Lang, rows: &mut Vec<[String; 5]>) {
    for c in r.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees) {
        let findings = match lang {
            Lang::Zh => &c.findings_zh,
            Lang::En => &c.findings,
        };
        rows.push([
            c.cite.document.clone(),
            c.cite.clause.clone(),
            c.cite.line.map(|l| format!("L{l}")).unwrap_or_default(),
            c.id.clone(),
            findings.join(lang.pick("；", "; ")),
        ]);
    }
    for inc in &r.includes {
        collect_discrepancies(inc, lang, rows);
    }
}

/// The lists of records a step printed, with the step's heading, so that a
/// claim over the same list points to it instead of printing it again.
fn step_tables(r: &Report) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for s in &r.steps {
        let heading = s.title.clone().unwrap_or_else(|| s.id.clone());
        let mut flat = Vec::new();
        flatten("", &Value::record(s.outputs.clone()), &mut flat);
        for (_, v) in flat {
            if let Value::List(items) = &v {
                if items.iter().any(|i| matches!(i, Value::Record(_))) {
                    out.push((heading.clone(), v));
                }
            }
        }
    }
    out
}

fn render_into(r: &Report, out: &mut String, level: usize, lang: Lang, tables: &mut Vec<(String, Value)>) {
    let bar = if level == 0 { "═" } else { "─" };
    let title = r.title.clone().unwrap_or_else(|| r.scenario.clone());
    let _ = writeln!(out, "{}", bar.repeat(72));
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "{} {} · {} {} · {} {}",
        lang.pick("情景", "scenario"),
        r.scenario,
        lang.pick("基准日", "as of"),
        r.as_of,
        lang.pick("规则集", "rule set"),
        r.ruleset
    );
    let _ = writeln!(out, "{}", bar.repeat(72));
    for s in &r.steps {
        let heading = s.title.clone().unwrap_or_else(|| s.id.clone());
        let _ = writeln!(out, "\n■ {heading}");
        let _ = writeln!(out, "  {} — {} {}{}", s.rule, s.cite.document, s.cite.clause, line_of(&s.cite));
        render_value_block(&Value::record(shown_outputs(s)), "    ", out);
    }
    tables.extend(step_tables(r));
    if !r.claims.is_empty() {
        let mut t = Tally::default();
        t.add_claims(&r.claims);
        let printed = t.figures + t.facts;
        let bad = t.figures_disagree + t.facts_disagree;
        let _ = writeln!(
            out,
            "\n■ {}",
            match lang {
                Lang::Zh => format!(
                    "文本所印数字与事实：核对 {printed} 项，{} 项一致，{bad} 项不一致；情景核对 {} 项，{} 项不成立",
                    printed - bad,
                    t.checks,
                    t.checks_fail
                ),
                Lang::En => format!(
                    "figures and facts printed in the text: {printed} checked, {} agree, {bad} disagree; scenario checks: {}, {} fail",
                    printed - bad,
                    t.checks,
                    t.checks_fail
                ),
            }
        );
        // the disagreements first, in full; then one line per agreement
        for c in r.claims.iter().filter(|c| c.status == ClaimStatus::Disagrees) {
            let _ = writeln!(out, "{}", claim_line(c, lang, "✗", ""));
            let shown = match &c.engine {
                Some((_, Ok(v))) => tables.iter().find(|(_, t)| t == v).map(|(h, _)| h.as_str()),
                _ => None,
            };
            render_finding_body(c, lang, out, shown);
        }
        for c in r.claims.iter().filter(|c| c.status == ClaimStatus::Agrees) {
            let also = if c.also_at.is_empty() {
                String::new()
            } else {
                let places: Vec<String> = c.also_at.iter().map(|a| format!("{}{}", a.clause, line_of(a))).collect();
                format!(" ({} {})", lang.pick("又见", "also at"), places.join(", "))
            };
            let _ = writeln!(out, "{}", claim_line(c, lang, "✓", &also));
        }
    }
    for inc in &r.includes {
        let _ = writeln!(out);
        render_into(inc, out, level + 1, lang, tables);
    }
}

/// One claim's heading line: mark, id, kind, where, and the printed value.
fn claim_line(c: &ClaimReport, lang: Lang, mark: &str, also: &str) -> String {
    format!(
        "  {mark} {} ({}) — {} {}{}{also}: {} {}",
        c.id,
        kind_label(c.kind, lang),
        c.cite.document,
        c.cite.clause,
        line_of(&c.cite),
        lang.pick("所印", "printed"),
        printed_text(&c.printed, lang)
    )
}

fn printed_text(v: &Value, lang: Lang) -> String {
    match v {
        Value::List(items) if items.is_empty() => lang.pick("（无）", "(none)").to_string(),
        other => other.to_string(),
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
            Some(t) => crate::values::value::display_typed(v, t),
            None => v.to_string(),
        };
        let _ = writeln!(out, "  {}  {}", pad(k, width), shown);
    }
    let _ = writeln!(out, "why:");
    for t in &d.trace {
        let indent = "  ".repeat(t.depth as usize + 1);
        let times = if t.count > 1 { format!(" (×{})", t.count) } else { String::new() };
        let what = match t.kind {
            crate::run::eval::TraceKind::Rule => format!("rule {} — {}", t.rule, t.detail),
            crate::run::eval::TraceKind::Row => format!("{} matched: {}", t.name.clone().unwrap_or_default(), t.detail),
            crate::run::eval::TraceKind::Param => format!(
                "parameter {} = {} ({})",
                t.rule,
                t.value.as_ref().map(Value::to_string).unwrap_or_default(),
                t.detail
            ),
            crate::run::eval::TraceKind::Let => format!(
                "{} = {}",
                t.name.clone().unwrap_or_default(),
                t.value.as_ref().map(Value::to_string).unwrap_or_default()
            ),
            crate::run::eval::TraceKind::Output => continue,
            crate::run::eval::TraceKind::Bracket => format!(
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
