//! Decision tables: rows and their conditions compiled, never-matching rows, overlaps (through `pack::overlap`) and gaps found at load.

#[allow(unused_imports)]
use super::*;

/// The most value combinations the coverage check enumerates.
pub(super) const MAX_COVERAGE_COMBINATIONS: usize = 4096;

/// The most overlapping pairs of rows reported for one table.
pub(super) const MAX_OVERLAP_REPORTS: usize = 20;

pub(super) fn compile_table(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    qualified: &str,
    t: &TableDef,
    inputs: &[InputDef],
    outputs: &[(String, Type)],
) -> Option<Table> {
    let (hit, aggregate, priority) = table_policy(d, qualified, t, outputs)?;
    let before = d.out.len();
    let mut rows = Vec::new();
    for row in &t.rows {
        if let Some(r) = compile_row(d, pc, g, row, inputs, outputs) {
            rows.push(r);
        }
    }
    let default = t.default.as_ref().and_then(|dm| table_default(d, t, dm, outputs));
    if let Some((k, _)) = &priority {
        check_ranking_output(d, hit, &rows, *k, outputs);
    }
    if d.out.len() > before {
        return None;
    }
    check_rows_can_match(d, qualified, &rows, inputs);
    if d.out.len() > before {
        return None;
    }
    // a table with computed bounds is proved once the parameters are known
    // (`bounds::prove`), for every dated version of them
    let computed = rows.iter().any(|r| !r.bounds.is_empty() || r.guard_bounds.is_some());
    if matches!(hit, HitPolicy::Unique | HitPolicy::Any) && !computed {
        check_overlaps(d, qualified, hit, &rows, inputs, "");
    }
    if t.default.is_none() && must_cover(hit, aggregate) && !computed {
        check_coverage(d, qualified, t.hit.pos, &rows, inputs, "");
    }
    let mut table = Table::new(hit, rows, default, inputs);
    table.aggregate = aggregate;
    table.priority = priority;
    Some(table)
}

/// Whether every combination of inputs must find a row (when the table has
/// no `default:`): not where no match gives an empty list, a sum or a count.
pub(super) fn must_cover(hit: HitPolicy, aggregate: Option<Aggregate>) -> bool {
    !hit.lists(aggregate) && !matches!(aggregate, Some(Aggregate::Sum | Aggregate::Count))
}

/// The output that ranks rows (for `priority` and `output_order`): its
/// index and its enum values, highest first.
type Ranking = Option<(usize, Vec<Value>)>;

/// A table's hit policy, its aggregator (and what it can combine), whether
/// a `default:` means anything under them, and the output that ranks rows.
fn table_policy(
    d: &mut Diags,
    qualified: &str,
    t: &TableDef,
    outputs: &[(String, Type)],
) -> Option<(HitPolicy, Option<Aggregate>, Ranking)> {
    let names: Vec<&str> = HitPolicy::ALL.iter().map(|h| h.name()).collect();
    let Some(hit) = HitPolicy::ALL.iter().copied().find(|h| h.name() == t.hit.text) else {
        let help = suggest(&t.hit.text, names.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| format!("use one of {}", names.join(", ")));
        d.at(t.hit.pos, format!("unknown hit policy `{}`", t.hit.text), Some(help));
        return None;
    };
    let aggregate = match &t.aggregate {
        None => None,
        Some(a) if hit != HitPolicy::Collect => {
            d.at(a.pos, format!("`aggregate` goes with `hit: collect`, not `hit: {}`", hit.name()), None);
            return None;
        }
        Some(a) => match Aggregate::ALL.iter().copied().find(|x| x.name() == a.text) {
            Some(x) => Some(x),
            None => {
                d.at(a.pos, format!("unknown aggregator `{}`", a.text), Some("use sum, min, max or count".into()));
                return None;
            }
        },
    };
    // what each aggregator can combine
    if let Some(agg) = aggregate {
        for (name, ty) in outputs {
            let ok = match agg {
                Aggregate::Count => true,
                Aggregate::Sum => ty.is_numeric(),
                Aggregate::Min | Aggregate::Max => ty.is_numeric() || matches!(ty, Type::Date | Type::DateTime),
            };
            if !ok {
                d.at(
                    t.aggregate.as_ref().map_or(t.hit.pos, |a| a.pos),
                    format!("`aggregate: {}` cannot combine output `{name}` of type {ty}", agg.name()),
                    Some("sum takes numbers; min and max numbers or dates".into()),
                );
                return None;
            }
        }
    }
    // a default means something only where no match gives nothing
    let default_means_nothing = hit.lists(aggregate) || matches!(aggregate, Some(Aggregate::Sum | Aggregate::Count));
    if let (Some(dm), true) = (&t.default, default_means_nothing) {
        let pos = dm.values().next().map_or(t.hit.pos, |n| n.pos);
        let what = match aggregate {
            Some(a) => format!(
                "`collect` with `aggregate: {}` gives {} when no row matches",
                a.name(),
                if a == Aggregate::Sum { "0" } else { "a count of 0" }
            ),
            None => format!("`hit: {}` gives empty lists when no row matches", hit.name()),
        };
        d.at(pos, format!("the table's `default` is never used: {what}"), Some("remove the `default:`".into()));
        return None;
    }
    // the output that ranks rows, for priority and output_order
    let priority = if hit.ranks() {
        match outputs.iter().enumerate().find_map(|(k, (_, ty))| match ty {
            Type::Enum(vs) => Some((k, vs.iter().map(|v| Value::text(v)).collect::<Vec<_>>())),
            _ => None,
        }) {
            Some(p) => Some(p),
            None => {
                d.at(
                    t.hit.pos,
                    format!(
                        "`hit: {}` ranks rows by an output's enum values, and `{qualified}` has no enum output",
                        hit.name()
                    ),
                    Some("declare the ranking output as `{enum: [highest, …, lowest]}`".into()),
                );
                return None;
            }
        }
    } else {
        None
    };
    Some((hit, aggregate, priority))
}

/// A table's `default:`: a value for every output, and no other.
fn table_default(
    d: &mut Diags,
    t: &TableDef,
    dm: &IndexMap<String, Node>,
    outputs: &[(String, Type)],
) -> Option<Vec<Value>> {
    let mut vals = Vec::new();
    for (name, ty) in outputs {
        match dm.get(name) {
            Some(n) => vals.push(literal(d, n, ty, name)?),
            None => {
                d.at(t.hit.pos, format!("the table's `default` lacks output `{name}`"), None);
                return None;
            }
        }
    }
    for (k, n) in dm {
        if !outputs.iter().any(|(o, _)| o == k) {
            d.at(n.pos, format!("`default` names unknown output `{k}`"), None);
        }
    }
    Some(vals)
}

/// The output that ranks rows is read before any row's cells are computed,
/// so it is a value in every row.
fn check_ranking_output(d: &mut Diags, hit: HitPolicy, rows: &[Row], k: usize, outputs: &[(String, Type)]) {
    if let Some(row) = rows.iter().find(|r| r.computed.iter().any(|(c, _)| *c == k)) {
        let name = outputs.get(k).map(|(n, _)| n.as_str()).unwrap_or("?");
        d.at(
            Pos { line: row.line, column: 1, ..Pos::default() },
            format!("output `{name}` ranks the rows of `hit: {}`, so it cannot be computed", hit.name()),
            Some(format!("give `{name}` a value in every row; compute the other outputs")),
        );
    }
}

/// A row whose own conditions leave no value can never match.
fn check_rows_can_match(d: &mut Diags, qualified: &str, rows: &[Row], inputs: &[InputDef]) {
    for (i, row) in rows.iter().enumerate() {
        for (k, c) in &row.conds {
            let Some(input) = inputs.get(*k) else { continue };
            if !crate::pack::overlap::conds_intersect(c, c, &input.ty) {
                d.at(
                    Pos { line: row.line, column: 1, ..Pos::default() },
                    format!(
                        "row {} of `{qualified}` can never match: `{} {}` leaves no value",
                        i + 1,
                        input.name,
                        c.describe()
                    ),
                    Some("check the direction of the bounds".into()),
                );
            }
        }
    }
}

/// Under `unique`, rows may not overlap; under `any`, overlapping rows
/// must give the same outputs.
///
/// `when` words the circumstances the rows were taken in (the parameters
/// in force, the computed bounds' values), or is empty. Each message names
/// the rows by their number in the table (`Row::line` locates them).
pub(super) fn check_overlaps(
    d: &mut Diags,
    qualified: &str,
    hit: HitPolicy,
    rows: &[Row],
    inputs: &[InputDef],
    when: &str,
) {
    // computed outputs are compared when the rows match
    let keep = |i: usize, j: usize| {
        let (Some(a), Some(b)) = (rows.get(i), rows.get(j)) else { return false };
        let computed = !a.computed.is_empty() || !b.computed.is_empty();
        !(hit == HitPolicy::Any && (a.outputs == b.outputs || computed))
    };
    for (i, j) in crate::pack::overlap::overlapping_pairs(rows, inputs, keep, MAX_OVERLAP_REPORTS) {
        let line = rows.get(j).map_or(0, |r| r.line);
        let pos = Pos { line, column: 1, ..Pos::default() };
        if hit == HitPolicy::Any {
            d.at(
                pos,
                format!(
                    "rows {} and {} of `{qualified}` overlap with different outputs{when}, but the hit policy is any",
                    i + 1,
                    j + 1
                ),
                Some("give overlapping rows the same outputs, or narrow one row's conditions".into()),
            );
        } else {
            d.at(
                pos,
                format!("rows {} and {} of `{qualified}` overlap{when}, but the hit policy is unique", i + 1, j + 1),
                Some("narrow one row's conditions (check inclusive and exclusive bounds) or use `hit: first`".into()),
            );
        }
    }
}

/// Every combination of inputs is covered by a row without `if:`.
pub(super) fn check_coverage(d: &mut Diags, qualified: &str, at: Pos, rows: &[Row], inputs: &[InputDef], when: &str) {
    // a row with `if:` may not match where its `when` does: only rows
    // without one count towards covering every input
    let plain: Vec<Row> = rows.iter().filter(|r| r.guard.is_none()).cloned().collect();
    if let Some(missing) = uncovered(&plain, inputs) {
        let help = if plain.len() < rows.len() {
            "add a row for it, or a `default:` (rows with `if:` do not count: their condition is not known at load)"
        } else {
            "add a row for it, or a `default:`"
        };
        d.at(at, format!("no row of `{qualified}` covers {missing}{when}"), Some(help.into()));
    }
}

/// The text of a computed table cell, `{expr: "…"}`, if the node is one.
pub(super) fn cell_expr(n: &Node) -> Option<Located> {
    match &n.kind {
        NodeKind::Map(m) => match m.as_slice() {
            [(k, v)] if k == "expr" => match &v.kind {
                NodeKind::Str(s) | NodeKind::Number(s) => Some(Located { text: s.clone(), pos: v.pos }),
                NodeKind::Bool(b) => Some(Located { text: b.to_string(), pos: v.pos }),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Every expression of a table (the rows' `if:` and computed cells), for
/// finding the rules it calls.
pub(super) fn table_sources(t: &TableDef) -> Vec<Located> {
    t.rows.iter().flat_map(|r| r.guard.iter().cloned().chain(r.then.values().filter_map(cell_expr))).collect()
}

/// Parses and compiles one expression of a table row over the rule's inputs.
pub(super) fn row_expr(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    src: &Located,
    inputs: &[InputDef],
) -> Option<(CExpr, Type)> {
    let e = match syntax::parse(&src.text) {
        Ok(e) => e,
        Err(err) => {
            d.in_expr(src, err.pos, err.message, err.help);
            return None;
        }
    };
    let mut scope = Scope {
        locals: inputs.iter().map(|i| (i.name.clone(), i.ty.clone())).collect(),
        pack: Some(pc.name.clone()),
        locator: d.locator(src),
    };
    match compile::compile(&e, &mut scope, g) {
        Ok(c) => Some(c),
        Err(err) => {
            d.in_expr(src, err.pos, err.message, err.help);
            None
        }
    }
}

pub(super) fn compile_row(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    row: &RowDef,
    inputs: &[InputDef],
    outputs: &[(String, Type)],
) -> Option<Row> {
    let mut conds = Vec::new();
    let mut bounds = Vec::new();
    let mut line = u32::MAX;
    let mut ok = true;
    for (name, node) in &row.when {
        line = line.min(node.pos.line);
        let Some(idx) = inputs.iter().position(|i| i.name == *name) else {
            let help = suggest(name, inputs.iter().map(|i| i.name.as_str())).map(|s| format!("did you mean `{s}`?"));
            d.at(node.pos, format!("`when` names unknown input `{name}`"), help);
            ok = false;
            continue;
        };
        let Some(input) = inputs.get(idx) else { continue };
        if matches!(input.ty, Type::Optional(_)) {
            d.at(
                node.pos,
                format!("a table cannot test the optional input `{name}`: it may have no value"),
                Some(format!(
                    "give `{name}` a `default:` instead of `optional: true`, or decide in a formula with `is_missing({name})` and pass the result to the table"
                )),
            );
            ok = false;
            continue;
        }
        match computed_range(d, pc, g, node, inputs, idx) {
            Some(Some(bs)) => {
                bounds.extend(bs);
                continue;
            }
            Some(None) => {}
            None => {
                ok = false;
                continue;
            }
        }
        match cond(d, node, &input.ty, name) {
            Some(c) => conds.push((idx, c)),
            None => ok = false,
        }
    }
    // unknown output names first: a misspelt one explains the missing one
    let mut misspelt: Vec<String> = Vec::new();
    for (k, n) in &row.then {
        if !outputs.iter().any(|(o, _)| o == k) {
            let meant = suggest(k, outputs.iter().map(|(o, _)| o.as_str()));
            let help = meant.as_ref().map(|s| format!("did you mean `{s}`?"));
            misspelt.extend(meant);
            d.at(n.pos, format!("`then` names unknown output `{k}`"), help);
            ok = false;
        }
    }
    let mut guard_bounds = None;
    let guard = match &row.guard {
        Some(src) => {
            line = line.min(src.pos.line);
            match row_expr(d, pc, g, src, inputs) {
                Some((c, Type::Bool)) => {
                    guard_bounds = guard_as_bounds(d, pc, g, src, inputs);
                    Some((c, src.text.clone()))
                }
                Some((_, t)) => {
                    d.at(src.pos, format!("a row's `if:` needs true or false, found {t}"), None);
                    ok = false;
                    None
                }
                None => {
                    ok = false;
                    None
                }
            }
        }
        None => None,
    };
    let mut vals = Vec::new();
    let mut computed = Vec::new();
    for (k, (name, ty)) in outputs.iter().enumerate() {
        match row.then.get(name) {
            Some(n) => {
                line = line.min(n.pos.line);
                if let Some(src) = cell_expr(n) {
                    match row_expr(d, pc, g, &src, inputs) {
                        Some((c, t)) if t.fits(ty) => {
                            computed.push((k, c));
                            vals.push(Value::Absent);
                        }
                        Some((_, t)) => {
                            d.in_expr(&src, 0, format!("output `{name}` is {ty}, but the cell computes {t}"), None);
                            ok = false;
                        }
                        None => ok = false,
                    }
                    continue;
                }
                // `{exprr: …}`: a computed cell misspelt, not a record value
                if let (NodeKind::Map(m), false) = (&n.kind, matches!(ty, Type::Record(_) | Type::Optional(_))) {
                    if let [(key, _)] = m.as_slice() {
                        let help = match suggest(key, ["expr"]) {
                            Some(_) => "did you mean `expr`? A computed cell is written `{expr: …}`".to_string(),
                            None => format!("give output `{name}` a {ty} value, or compute it with `{{expr: …}}`"),
                        };
                        d.at(
                            n.pos,
                            format!("output `{name}`: a cell takes a value or `{{expr: …}}`, not `{key}`"),
                            Some(help),
                        );
                        ok = false;
                        continue;
                    }
                }
                match literal(d, n, ty, name) {
                    Some(v) => vals.push(v),
                    None => ok = false,
                }
            }
            None if misspelt.contains(name) => ok = false,
            None => {
                let pos = row.then.values().next().map(|n| n.pos).unwrap_or_default();
                d.at(
                    pos,
                    format!("the row gives no value for output `{name}`"),
                    Some("every row sets every output".into()),
                );
                ok = false;
            }
        }
    }
    let cite = row.cite.as_ref().map(|c| cite(d, pc, c));
    ok.then_some(Row {
        conds,
        bounds,
        outputs: vals,
        computed,
        guard,
        guard_bounds,
        cite,
        line: if line == u32::MAX { 0 } else { line },
    })
}

/// A range whose bounds are not all values (`{">": allowance}`,
/// `{"<=": upper}`): every bound compiled as an expression over the rule's
/// inputs. `Some(None)` when the node is no such range (a value, a list, or
/// a range of values: see [`cond`]); `None` after a diagnostic.
fn computed_range(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    n: &Node,
    inputs: &[InputDef],
    idx: usize,
) -> Option<Option<Vec<ExprBound>>> {
    let NodeKind::Map(entries) = &n.kind else { return Some(None) };
    let input = inputs.get(idx)?;
    let is_value = |v: &Node| from_json(&v.to_json(), &input.ty, &input.name).is_ok();
    if entries.iter().all(|(_, v)| !matches!(v.kind, NodeKind::Str(_)) || is_value(v)) {
        return Some(None);
    }
    if !(input.ty.is_numeric()
        || matches!(input.ty, Type::Date | Type::DateTime | Type::Time | Type::Duration | Type::YearsMonths))
    {
        return Some(None);
    }
    let as_of = g.builtins.0("as_of").map(|(b, _)| b);
    let mut out = Vec::new();
    for (k, v) in entries {
        let (lower, inclusive) = match k.as_str() {
            ">=" => (true, true),
            ">" => (true, false),
            "<=" => (false, true),
            "<" => (false, false),
            _ => return Some(None),
        };
        let src = match &v.kind {
            NodeKind::Str(s) | NodeKind::Number(s) => Located { text: s.clone(), pos: v.pos },
            _ => return Some(None),
        };
        let (expr, ty) = match from_json(&v.to_json(), &input.ty, &input.name) {
            Ok(value) => (CExpr::Const(value), input.ty.clone()),
            Err(_) => row_expr(d, pc, g, &src, inputs)?,
        };
        let fits = match (&ty, &input.ty) {
            (Type::Optional(_), _) => {
                d.in_expr(
                    &src,
                    0,
                    format!(
                        "the bound `{}` may have no value, so `{}` cannot be compared with it",
                        src.text, input.name
                    ),
                    Some(format!("give it a fallback: `{} ?? …`", src.text)),
                );
                return None;
            }
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (a, b) => a == b,
        };
        if !fits {
            d.in_expr(
                &src,
                0,
                format!("input `{}` is {}, but the bound `{}` is {ty}", input.name, input.ty, src.text),
                Some("compare an input with a bound of its own kind".into()),
            );
            return None;
        }
        let at_load = reads_only_parameters(&expr, as_of);
        if out.iter().any(|b: &ExprBound| b.lower == lower) {
            d.at(v.pos, "a range has two lower or two upper bounds", None);
            return None;
        }
        out.push(ExprBound { input: idx, lower, inclusive, expr, src: src.text, at_load });
    }
    Some(Some(out))
}

/// Whether an expression's value depends only on the parameters in force:
/// it reads no input, calls no rule and not `as_of()`.
fn reads_only_parameters(expr: &CExpr, as_of: Option<crate::lang::expr::compile::Builtin>) -> bool {
    !expr.any(&mut |e| match e {
        CExpr::Local(_) | CExpr::CallRule { .. } | CExpr::Fused { .. } => true,
        CExpr::Builtin(b, _, _) => Some(*b) == as_of,
        _ => false,
    })
}

/// A row's `if:` as bounds, when it is nothing but comparisons (joined by
/// `and`) of an input of an ordered type with a value or an expression:
/// `income > allowance`, `3 <= age`, `class_count == 2`. `None` otherwise.
fn guard_as_bounds(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    src: &Located,
    inputs: &[InputDef],
) -> Option<Vec<ExprBound>> {
    use syntax::{BinOp, ExprKind as K};
    let e = syntax::parse(&src.text).ok()?;
    let parts: Vec<&syntax::Expr> = match &e.kind {
        K::Chain(first, rest) if rest.iter().all(|(op, _)| *op == BinOp::And) => {
            std::iter::once(&**first).chain(rest.iter().map(|(_, x)| x)).collect()
        }
        _ => vec![&e],
    };
    let as_of = g.builtins.0("as_of").map(|(b, _)| b);
    let input_of = |x: &syntax::Expr| match &x.kind {
        K::Path(p) if p.len() == 1 => inputs.iter().position(|i| Some(&i.name) == p.first()).filter(|k| {
            inputs.get(*k).is_some_and(|i| {
                i.ty.is_numeric()
                    || matches!(i.ty, Type::Date | Type::DateTime | Type::Time | Type::Duration | Type::YearsMonths)
            })
        }),
        _ => None,
    };
    let mut out = Vec::new();
    for part in parts {
        let K::Binary(op, a, b) = &part.kind else { return None };
        // the input on the left, the bound on the right (the comparison
        // turned round when written the other way)
        let (k, bound, op) = match (input_of(a), input_of(b)) {
            (Some(k), _) => (k, b, *op),
            (None, Some(k)) => (
                k,
                a,
                match op {
                    BinOp::Lt => BinOp::Gt,
                    BinOp::Le => BinOp::Ge,
                    BinOp::Gt => BinOp::Lt,
                    BinOp::Ge => BinOp::Le,
                    other => *other,
                },
            ),
            _ => return None,
        };
        let sides: &[(bool, bool)] = match op {
            BinOp::Gt => &[(true, false)],
            BinOp::Ge => &[(true, true)],
            BinOp::Lt => &[(false, false)],
            BinOp::Le => &[(false, true)],
            BinOp::Eq => &[(true, true), (false, true)],
            _ => return None,
        };
        let text = bound.to_string();
        let (expr, _) = row_expr(d, pc, g, &Located { text: text.clone(), pos: src.pos }, inputs)?;
        let at_load = reads_only_parameters(&expr, as_of);
        for (lower, inclusive) in sides {
            out.push(ExprBound {
                input: k,
                lower: *lower,
                inclusive: *inclusive,
                expr: expr.clone(),
                src: text.clone(),
                at_load,
            });
        }
    }
    Some(out)
}

pub(super) fn cond(d: &mut Diags, n: &Node, ty: &Type, input: &str) -> Option<Cond> {
    match &n.kind {
        NodeKind::Map(entries) => {
            if !(ty.is_numeric()
                || matches!(ty, Type::Date | Type::DateTime | Type::Time | Type::Duration | Type::YearsMonths))
            {
                d.at(
                    n.pos,
                    format!(
                        "a range needs a number, date, datetime, time, duration or years_months input; `{input}` is {ty}"
                    ),
                    None,
                );
                return None;
            }
            let mut lo: Option<Bound> = None;
            let mut hi: Option<Bound> = None;
            for (k, v) in entries {
                let val = literal(d, v, ty, input)?;
                let (slot, inclusive) = match k.as_str() {
                    ">=" => (&mut lo, true),
                    ">" => (&mut lo, false),
                    "<=" => (&mut hi, true),
                    "<" => (&mut hi, false),
                    other => {
                        d.at(
                            v.pos,
                            format!("`{other}` is not a bound"),
                            Some("use `>=` (以上, 不少于), `>` (超过), `<=` (以下, 不超过) or `<` (不满, 低于)".into()),
                        );
                        return None;
                    }
                };
                if slot.is_some() {
                    d.at(v.pos, "a range has two lower or two upper bounds", None);
                    return None;
                }
                *slot = Some(Bound { value: val, inclusive });
            }
            if lo.is_none() && hi.is_none() {
                d.at(n.pos, "an empty range", Some("write e.g. `{\">=\": 3}`".into()));
                return None;
            }
            Some(Cond::Range { lo, hi })
        }
        NodeKind::Seq(items) => {
            let mut vs = Vec::new();
            for it in items {
                vs.push(literal(d, it, ty, input)?);
            }
            if vs.is_empty() {
                d.at(n.pos, "an empty list matches nothing", None);
                return None;
            }
            Some(Cond::OneOf(vs))
        }
        _ => Some(Cond::OneOf(vec![literal(d, n, ty, input)?])),
    }
}

/// The first combination of enum/bool input values that no row can match,
/// described for a message.
/// The first combination of input values no row covers, found exactly: an
/// enum or bool input contributes each of its values; a number, integer,
/// date or datetime input, one value of each piece its rows' bounds cut the
/// line into (every bound itself, one value strictly between two
/// neighbouring bounds when the type has one there, one below the lowest and
/// one above the highest). Every row's condition is constant on each piece,
/// so testing one value per piece decides coverage over all values. Text
/// inputs are not enumerated. More than [`MAX_COVERAGE_COMBINATIONS`]
/// combinations are not tried.
pub(super) fn uncovered(rows: &[Row], inputs: &[InputDef]) -> Option<String> {
    let finite: Vec<(usize, Vec<Value>)> = inputs
        .iter()
        .enumerate()
        .filter(|(i, _)| rows.iter().any(|r| r.conds.iter().any(|(k, _)| k == i)))
        .filter_map(|(i, inp)| match &inp.ty {
            Type::Enum(vs) => Some((i, vs.iter().map(|v| Value::text(v)).collect())),
            Type::Bool => Some((i, vec![Value::Bool(false), Value::Bool(true)])),
            Type::Integer
            | Type::Number
            | Type::Decimal(_)
            | Type::Date
            | Type::DateTime
            | Type::Time
            | Type::Duration
            | Type::YearsMonths => Some((i, pieces(rows, i, &inp.ty))),
            _ => None,
        })
        .collect();
    if finite.is_empty() {
        return None;
    }
    let total: usize =
        finite.iter().map(|(_, vs)| vs.len()).try_fold(1usize, |a, b| a.checked_mul(b)).unwrap_or(usize::MAX);
    if total > MAX_COVERAGE_COMBINATIONS {
        return None;
    }
    let mut idx = vec![0usize; finite.len()];
    for _ in 0..total {
        let combo: Vec<(usize, &Value)> =
            finite.iter().zip(&idx).filter_map(|((i, vs), k)| vs.get(*k).map(|v| (*i, v))).collect();
        let covered = rows.iter().any(|r| {
            r.conds.iter().all(|(k, c)| match combo.iter().find(|(i, _)| i == k) {
                Some((_, v)) => c.matches(v),
                None => true,
            })
        });
        if !covered {
            return Some(
                combo
                    .iter()
                    .map(|(i, v)| format!("{} = {v}", inputs.get(*i).map(|x| x.name.as_str()).unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        // next combination
        for (k, (_, vs)) in idx.iter_mut().zip(&finite) {
            *k += 1;
            if *k < vs.len() {
                break;
            }
            *k = 0;
        }
    }
    None
}

/// One value of each piece the rows' bounds on input `i` cut its line into
/// (see [`uncovered`]).
pub(super) fn pieces(rows: &[Row], i: usize, ty: &Type) -> Vec<Value> {
    let mut points: Vec<Value> = Vec::new();
    for r in rows {
        for (k, c) in &r.conds {
            if *k != i {
                continue;
            }
            match c {
                Cond::OneOf(vs) => points.extend(vs.iter().cloned()),
                Cond::Range { lo, hi } => points.extend(lo.iter().chain(hi.iter()).map(|b| b.value.clone())),
            }
        }
    }
    points.sort();
    points.dedup();
    let mut out = Vec::with_capacity(points.len() * 2 + 2);
    if let Some(below) = points.first().and_then(|p| step(p, ty, false)) {
        out.push(below);
    }
    for (k, p) in points.iter().enumerate() {
        out.push(p.clone());
        if let Some(q) = points.get(k + 1) {
            if let Some(between) = between(p, q, ty) {
                out.push(between);
            }
        }
    }
    if let Some(above) = points.last().and_then(|p| step(p, ty, true)) {
        out.push(above);
    }
    out
}

/// A value of the type just above (or below) `p`, outside it.
pub(super) fn step(p: &Value, ty: &Type, up: bool) -> Option<Value> {
    let one = Number::from_int(if up { 1 } else { -1 });
    match (p, ty) {
        (Value::Number(n), Type::Integer) => {
            let mode =
                if up { crate::values::number::RoundingMode::Floor } else { crate::values::number::RoundingMode::Ceil };
            n.round(0, mode).ok()?.add(&one).ok().map(Value::Number)
        }
        (Value::Number(n), Type::Decimal(places)) => {
            let mode =
                if up { crate::values::number::RoundingMode::Floor } else { crate::values::number::RoundingMode::Ceil };
            let unit = Number::from_int(10).pow(-i64::from(*places), |_| Ok(())).ok()?;
            let unit = if up { unit } else { unit.neg() };
            n.round(i64::from(*places), mode).ok()?.add(&unit).ok().map(Value::Number)
        }
        (Value::Number(n), _) => n.add(&one).ok().map(Value::Number),
        (Value::Date(d), _) => d.add_days(if up { 1 } else { -1 }).ok().map(Value::Date),
        // date-times, times of day and durations are to the second
        (Value::DateTime(t), _) => crate::values::date::Duration::from_secs(if up { 1 } else { -1 })
            .and_then(|d| t.add_duration(d))
            .ok()
            .map(Value::DateTime),
        (Value::Time(t), _) => {
            crate::values::date::TimeOfDay::from_secs(i64::from(t.seconds()) + if up { 1 } else { -1 })
                .ok()
                .map(Value::Time)
        }
        (Value::Duration(d), _) => {
            crate::values::date::Duration::from_secs(d.seconds() + if up { 1 } else { -1 }).ok().map(Value::Duration)
        }
        // spans of years and months are to the month
        (Value::YearsMonths(p), _) => {
            crate::values::date::YearsMonths::from_months(p.months() + if up { 1 } else { -1 })
                .ok()
                .map(Value::YearsMonths)
        }
        _ => None,
    }
}

/// A value of the type strictly between `p` and `q` (`p < q`), if any.
pub(super) fn between(p: &Value, q: &Value, ty: &Type) -> Option<Value> {
    let candidate = match (p, ty) {
        (Value::Number(a), Type::Number) => {
            let Value::Number(b) = q else { return None };
            Value::Number(a.add(b).ok()?.div(&Number::from_int(2)).ok()?)
        }
        (Value::Number(a), Type::Decimal(places)) => {
            let Value::Number(b) = q else { return None };
            let mid = a.add(b).ok()?.div(&Number::from_int(2)).ok()?;
            Value::Number(mid.round(i64::from(*places), crate::values::number::RoundingMode::Floor).ok()?)
        }
        _ => step(p, ty, true)?,
    };
    (candidate > *p && candidate < *q).then_some(candidate)
}
