//! Reforms: documents that change a rule set without copying it. Each is
//! read with its positions stamped as its own file (so every problem in
//! what it wrote is reported in it), its source text read beside it, and
//! its changes applied in order to the packs as parsed; the load then goes
//! on as for any packs, so every check runs on the result.

#[allow(unused_imports)]
use super::*;
use crate::source::model::{ChangeDef, ParameterVersionDef, ReformFile, RuleVersionDef, ScaleVersionDef};

/// The reforms read: each one's diagnostics and, when it parsed, its model.
pub(super) fn parse_reforms(reforms: &[SourceFile]) -> Vec<(Diags<'_>, Option<ReformFile>)> {
    reforms
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let name = f.path.display().to_string();
            let mut d = Diags::new(name.clone(), &f.text);
            let id = u16::try_from(k + 1).unwrap_or(u16::MAX);
            let parsed = if f.text.len() > yaml::MAX_YAML_BYTES {
                d.at(Pos { line: 0, column: 0, file: id, ..Pos::default() }, "the reform is too large", None);
                None
            } else {
                yaml::reading_file(id, || serde_saphyr::from_str_with_options::<ReformFile>(&f.text, yaml::options()))
                    .map_err(|e| d.out.push(yaml_error(&name, &e)))
                    .ok()
                    .map(|mut r| {
                        // decimals as written, never through binary floating point
                        super::restore_reform_numbers(&mut r, &f.text);
                        r
                    })
            };
            if let Some(r) = &parsed {
                if r.format != 1 {
                    d.at(
                        Pos { line: 1, column: 1, file: id, ..Pos::default() },
                        format!("reform format {} is not supported", r.format),
                        Some("this version of ordinance reads reforms of `format: 1`".into()),
                    );
                }
                if !is_ident(&r.reform.text) {
                    d.at(r.reform.pos, format!("reform id `{}` is not a valid id", r.reform.text), None);
                }
            }
            (d, parsed)
        })
        .collect()
}

/// The rules a reform neutralised, with where it said so.
pub(super) type Neutralised = HashMap<String, Pos>;

/// Applies one reform's changes, in order, to the parsed packs.
pub(super) fn apply(d: &mut Diags, r: &ReformFile, packs: &mut [(usize, PackFile)], neutralised: &mut Neutralised) {
    for c in &r.changes {
        let targets = [&c.parameter, &c.scale, &c.rule];
        let named: Vec<&Located> = targets.iter().filter_map(|t| t.as_ref()).collect();
        let [target] = named.as_slice() else {
            d.at(
                c.cite.quote.pos,
                "a change names exactly one of `parameter`, `scale` and `rule`",
                Some("write one change for each thing changed".into()),
            );
            continue;
        };
        let Some((pack, name)) = target.text.split_once('.') else {
            d.at(target.pos, format!("`{}` names no pack", target.text), Some("write `pack.name`".into()));
            continue;
        };
        let Some((_, pf)) = packs.iter_mut().find(|(_, p)| p.pack.text == pack) else {
            let known: Vec<&str> = packs.iter().map(|(_, p)| p.pack.text.as_str()).collect();
            let help = suggest(pack, known.iter().copied()).map(|s| format!("did you mean `{s}`?"));
            d.at(target.pos, format!("no pack `{pack}` is loaded"), help);
            continue;
        };
        if c.parameter.is_some() {
            set_parameter(d, c, pf, name, target);
        } else if c.scale.is_some() {
            set_scale(d, c, pf, name, target);
        } else {
            change_rule(d, c, pf, name, target, neutralised);
        }
    }
}

/// A date the reform wrote, as a `Located` the loader reads again later.
fn change_from(d: &mut Diags, c: &ChangeDef) -> Option<(Located, Date)> {
    let l = c.from.as_ref()?;
    date_at(d, l).map(|day| (l.clone(), day))
}

fn set_parameter(d: &mut Diags, c: &ChangeDef, pf: &mut PackFile, name: &str, target: &Located) {
    let Some(value) = &c.value else {
        d.at(target.pos, format!("a change of parameter `{}` needs its new `value`", target.text), None);
        return;
    };
    let valid_from = pf.valid.from.clone();
    let Some(p) = pf.parameters.get_mut(name) else {
        let help = suggest(name, pf.parameters.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
        d.at(target.pos, format!("pack `{}` has no parameter `{name}`", pf.pack.text), help);
        return;
    };
    match change_from(d, c) {
        None => {
            p.value = Some(value.clone());
            p.versions.clear();
            p.cite = c.cite.clone();
        }
        Some((from, day)) => {
            if let Some(old) = p.value.take() {
                p.versions.push(ParameterVersionDef { from: valid_from, value: old, cite: None });
            }
            // from that day on, the new value: the versions it overtakes go
            p.versions.retain(|v| Date::parse(&v.from.text).is_ok_and(|f| f < day));
            p.versions.push(ParameterVersionDef { from, value: value.clone(), cite: Some(c.cite.clone()) });
        }
    }
}

fn set_scale(d: &mut Diags, c: &ChangeDef, pf: &mut PackFile, name: &str, target: &Located) {
    let Some(brackets) = &c.brackets else {
        d.at(target.pos, format!("a change of scale `{}` needs its new `brackets`", target.text), None);
        return;
    };
    let valid_from = pf.valid.from.clone();
    let Some(s) = pf.scales.get_mut(name) else {
        let help = suggest(name, pf.scales.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
        d.at(target.pos, format!("pack `{}` has no scale `{name}`", pf.pack.text), help);
        return;
    };
    match change_from(d, c) {
        None => {
            s.brackets = Some(brackets.clone());
            s.versions.clear();
            s.cite = c.cite.clone();
        }
        Some((from, day)) => {
            if let Some(old) = s.brackets.take() {
                s.versions.push(ScaleVersionDef { from: valid_from, brackets: old, cite: None });
            }
            // from that day on, the new brackets: the versions they overtake go
            s.versions.retain(|v| Date::parse(&v.from.text).is_ok_and(|f| f < day));
            s.versions.push(ScaleVersionDef { from, brackets: brackets.clone(), cite: Some(c.cite.clone()) });
        }
    }
}

/// The parts of a body a change edits.
struct BodyMut<'a> {
    lets: &'a mut IndexMap<String, Located>,
    formula: &'a mut Option<IndexMap<String, Located>>,
    table: &'a mut Option<TableDef>,
}

fn change_rule(
    d: &mut Diags,
    c: &ChangeDef,
    pf: &mut PackFile,
    name: &str,
    target: &Located,
    neutralised: &mut Neutralised,
) {
    if let Some(def) = &c.define {
        if pf.rules.contains_key(name) {
            d.at(
                target.pos,
                format!("pack `{}` already has a rule `{name}`", pf.pack.text),
                Some("change it, or define the new rule under another id".into()),
            );
        } else {
            pf.rules.insert(name.to_string(), (**def).clone());
        }
        return;
    }
    let valid_from = pf.valid.from.clone();
    let Some(rule) = pf.rules.get_mut(name) else {
        let help = suggest(name, pf.rules.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
        d.at(target.pos, format!("pack `{}` has no rule `{name}`", pf.pack.text), help);
        return;
    };
    if c.neutralise == Some(true) {
        neutralised.insert(format!("{}.{name}", pf.pack.text), c.cite.quote.pos);
        return;
    }
    if let Some(outputs) = &c.outputs {
        rule.outputs = outputs.clone();
    }
    let edits_body = c.rows.is_some() || c.cell.is_some() || c.formula.is_some() || c.table.is_some();
    if !edits_body {
        if c.outputs.is_none() {
            d.at(
                target.pos,
                format!("the change of rule `{}` changes nothing", target.text),
                Some("give `rows`, `cell`, `formula`, `table`, `outputs`, `define` or `neutralise: true`".into()),
            );
        }
        return;
    }
    match change_from(d, c) {
        None => {
            // throughout: the rule's body, or its last version's
            let body = match rule.versions.last_mut() {
                Some(v) => BodyMut { lets: &mut v.lets, formula: &mut v.formula, table: &mut v.table },
                None => BodyMut { lets: &mut rule.lets, formula: &mut rule.formula, table: &mut rule.table },
            };
            edit_body(d, c, body);
        }
        Some((from, _)) => {
            if rule.versions.is_empty() {
                // the body so far becomes the first version
                rule.versions.push(RuleVersionDef {
                    from: valid_from,
                    until: None,
                    cite: None,
                    lets: std::mem::take(&mut rule.lets),
                    formula: rule.formula.take(),
                    table: rule.table.take(),
                });
            }
            let Some(last) = rule.versions.last() else { return };
            let mut next = RuleVersionDef {
                from,
                until: None,
                cite: Some(c.cite.clone()),
                lets: last.lets.clone(),
                formula: last.formula.clone(),
                table: last.table.clone(),
            };
            edit_body(d, c, BodyMut { lets: &mut next.lets, formula: &mut next.formula, table: &mut next.table });
            rule.versions.push(next);
        }
    }
}

/// A row number the reform wrote (from 1), within the table's rows.
fn row_number(d: &mut Diags, n: &Node, text: &str, rows: usize) -> Option<usize> {
    match text.trim().parse::<usize>() {
        Ok(k) if (1..=rows).contains(&k) => Some(k - 1),
        _ => {
            d.at(n.pos, format!("`{text}` is not a row of the table (rows 1 to {rows})"), None);
            None
        }
    }
}

fn edit_body(d: &mut Diags, c: &ChangeDef, b: BodyMut<'_>) {
    if let Some(t) = &c.table {
        *b.table = Some(t.clone());
        *b.formula = None;
        b.lets.clear();
    }
    if let Some(f) = &c.formula {
        *b.formula = Some(f.clone());
        *b.table = None;
        *b.lets = c.lets.clone().unwrap_or_default();
    }
    if c.rows.is_none() && c.cell.is_none() {
        return;
    }
    let Some(table) = b.table.as_mut() else {
        d.at(c.cite.quote.pos, "`rows` and `cell` change a table, and this rule is a formula", None);
        return;
    };
    let n = table.rows.len();
    let cited = |row: &RowDef| {
        let mut row = row.clone();
        row.cite = row.cite.or_else(|| Some(c.cite.clone()));
        row
    };
    if let Some(cell) = &c.cell {
        let text = cell.row.scalar_text().unwrap_or_default();
        if let Some(k) = row_number(d, &cell.row, &text, n) {
            if let Some(row) = table.rows.get_mut(k) {
                row.then.insert(cell.output.text.clone(), cell.value.clone());
                row.cite = Some(c.cite.clone());
            }
        }
    }
    let Some(rows) = &c.rows else { return };
    for (k, row) in &rows.replace {
        let at = Node { kind: NodeKind::Str(k.clone()), pos: c.cite.quote.pos };
        if let Some(i) = row_number(d, &at, k, n) {
            if let Some(slot) = table.rows.get_mut(i) {
                *slot = cited(row);
            }
        }
    }
    let mut gone: Vec<usize> =
        rows.remove.iter().filter_map(|r| row_number(d, r, &r.scalar_text().unwrap_or_default(), n)).collect();
    gone.sort_unstable();
    gone.dedup();
    for i in gone.into_iter().rev() {
        table.rows.remove(i);
    }
    table.rows.extend(rows.add.iter().map(cited));
}
