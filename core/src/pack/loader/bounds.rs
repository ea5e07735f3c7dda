//! Tables whose bounds are expressions (`{">": allowance}`, `{"<=": upper}`)
//! proved at load, and the rules' `constraints:`.
//!
//! A bound that reads only parameters has one value for each dated version
//! of them: the table is proved (no overlap under `unique`/`any`, no gap
//! without a `default:`) with the values in force from each day a version
//! of a parameter it reads starts, and a failure is a load error naming
//! the day and the values.
//!
//! A bound that reads an input is unknown at load; each distinct one (by
//! its canonical text) is a symbol, and the table is tried in every order
//! of the symbols among the table's values and among each other: each
//! symbol takes, in turn, a value below every value, each value, values
//! between neighbouring values and values above them all, enough of each
//! for every symbol to take its own. Orders the rule's `constraints:`
//! exclude are set aside. A symbol that is an input's bare name is that
//! input's value in the order tried, so the table's own conditions on that
//! input are decided by it. When every order the inputs can give fails,
//! the table is wrong and that is a load error; when some pass, the table
//! is proved for those, and the evaluation checks the rest where they
//! occur (an overlap under `unique` or `any`, or no row matching, is then
//! a run-time error naming the rows and the values); when the constraints
//! leave only orders that pass, the table is proved outright.
//!
//! The proofs reuse the checks of tables of values
//! (`tables::check_overlaps`, `tables::check_coverage`) on the rows with
//! their bounds so valued.

#[allow(unused_imports)]
use super::*;
use crate::lang::expr::syntax::BinOp;
use crate::ruleset::{Comparison, Constraint};

/// The most orders of a table's symbols tried for one set of parameter
/// values; a table with more is checked at evaluation only.
pub(super) const MAX_ORDERS: usize = 4096;

/// The canonical text of an expression, by which equal bounds are known
/// to be one symbol (`allowance*2` and `allowance * 2` are one).
pub(super) fn canonical(src: &str) -> String {
    syntax::parse(src).map(|e| e.to_string()).unwrap_or_else(|_| src.split_whitespace().collect())
}

/// A rule's `constraints:` compiled over its inputs; `None` after a
/// diagnostic.
pub(super) fn compile_constraints(
    d: &mut Diags,
    pc: &PackCtx,
    g: &Globals,
    srcs: &[Located],
    inputs: &[InputDef],
) -> Option<Vec<Constraint>> {
    let mut out = Vec::new();
    let mut ok = true;
    for src in srcs {
        match row_expr(d, pc, g, src, inputs) {
            Some((expr, Type::Bool)) => {
                let mut reads: Vec<usize> = Vec::new();
                expr.any(&mut |e| {
                    if let CExpr::Local(k) = e {
                        if *k < inputs.len() && !reads.contains(k) {
                            reads.push(*k);
                        }
                    }
                    false
                });
                reads.sort_unstable();
                let comparisons =
                    syntax::parse(&src.text).ok().map(|e| comparisons_of(d, pc, g, &e, inputs)).unwrap_or_default();
                out.push(Constraint { expr, src: src.text.clone(), reads, comparisons });
            }
            Some((_, t)) => {
                d.at(src.pos, format!("a constraint needs true or false, found {t}"), None);
                ok = false;
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// The comparisons of a constraint that is one, or an `and` of them, each
/// side compiled on its own.
fn comparisons_of(d: &mut Diags, pc: &PackCtx, g: &Globals, e: &syntax::Expr, inputs: &[InputDef]) -> Vec<Comparison> {
    use syntax::ExprKind as K;
    match &e.kind {
        K::Chain(first, rest) if rest.iter().all(|(op, _)| *op == BinOp::And) => std::iter::once(&**first)
            .chain(rest.iter().map(|(_, x)| x))
            .flat_map(|x| comparisons_of(d, pc, g, x, inputs))
            .collect(),
        K::Binary(op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne), a, b) => {
            let side = |d: &mut Diags, x: &syntax::Expr| -> Option<(String, CExpr)> {
                let text = x.to_string();
                let (c, _) = row_expr(d, pc, g, &Located { text: text.clone(), pos: Pos::default() }, inputs)?;
                Some((text, c))
            };
            match (side(d, a), side(d, b)) {
                (Some(left), Some(right)) => vec![Comparison { left, op: *op, right }],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// A symbol: a computed bound that reads an input, with what the proof
/// needs to give it values.
struct Symbol {
    /// Its canonical text.
    key: String,
    /// The type its values take.
    ty: Type,
    /// The inputs whose values it is placed among (those it bounds, and
    /// the input it is when it is an input's bare name).
    among: Vec<usize>,
    /// The input it is, when it is an input's bare name.
    pins: Option<usize>,
}

/// The table's rows with every bound valued: the rows the checks of tables
/// of values then prove. A row that cannot match in this order (its
/// condition on an input that has a value in it fails) matches nothing.
fn valued_rows(rows: &[Row], value_of: &dyn Fn(usize, usize) -> Option<Value>, pinned: &[(usize, Value)]) -> Vec<Row> {
    let never = |line: u32| Row {
        conds: vec![(0, Cond::OneOf(Vec::new()))],
        bounds: Vec::new(),
        outputs: Vec::new(),
        computed: Vec::new(),
        guard: None,
        guard_bounds: None,
        cite: None,
        line,
    };
    let pin = |k: usize| pinned.iter().find(|(p, _)| *p == k).map(|(_, v)| v);
    rows.iter()
        .enumerate()
        .map(|(ri, r)| {
            let mut conds: Vec<(usize, Cond)> = Vec::new();
            for (k, c) in &r.conds {
                match pin(*k) {
                    Some(v) if !c.matches(v) => return never(r.line),
                    Some(_) => {}
                    None => conds.push((*k, c.clone())),
                }
            }
            for (bi, b) in r.proof_bounds().enumerate() {
                let Some(value) = value_of(ri, bi) else { return never(r.line) };
                if let Some(v) = pin(b.input) {
                    if !b.holds(v, &value) {
                        return never(r.line);
                    }
                    continue;
                }
                // each bound narrows what the row already asks of the input
                match conds.iter_mut().find(|(k, _)| *k == b.input) {
                    Some((_, Cond::OneOf(vs))) => vs.retain(|v| b.holds(v, &value)),
                    Some((_, Cond::Range { lo, hi })) => {
                        let slot = if b.lower { lo } else { hi };
                        let tighter = match slot.as_ref() {
                            None => true,
                            Some(old) if b.lower => value > old.value || (value == old.value && !b.inclusive),
                            Some(old) => value < old.value || (value == old.value && !b.inclusive),
                        };
                        if tighter {
                            *slot = Some(b.at(value));
                        }
                    }
                    None => {
                        let bound = b.at(value);
                        let (lo, hi) = if b.lower { (Some(bound), None) } else { (None, Some(bound)) };
                        conds.push((b.input, Cond::Range { lo, hi }));
                    }
                }
            }
            Row {
                conds,
                bounds: Vec::new(),
                outputs: r.outputs.clone(),
                // what the checks read of these: whether there are any
                computed: if r.computed.is_empty() { Vec::new() } else { vec![(0, CExpr::Const(Value::Absent))] },
                // an `if:` read as bounds is proved as them
                guard: match &r.guard_bounds {
                    Some(_) => None,
                    None => r.guard.as_ref().map(|(_, s)| (CExpr::Const(Value::Bool(true)), s.clone())),
                },
                guard_bounds: None,
                cite: None,
                line: r.line,
            }
        })
        .collect()
}

/// `n` values of the type strictly between `p` and `q` (fewer when the type
/// has fewer there): from both ends, for types counted in steps.
fn spread_between(p: &Value, q: &Value, ty: &Type, n: usize) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    if let (Value::Number(a), Value::Number(b), false) = (p, q, matches!(ty, Type::Integer)) {
        let Ok(width) = b.sub(a) else { return out };
        for j in 1..=n {
            let v = Number::from_int(j as i64)
                .mul(&width)
                .and_then(|x| x.div(&Number::from_int(n as i64 + 1)))
                .and_then(|x| x.add(a));
            if let Ok(v) = v {
                out.push(Value::Number(v));
            }
        }
        return out;
    }
    let (mut up, mut down) = (p.clone(), q.clone());
    for _ in 0..n {
        if let Some(v) = tables::step(&up, ty, true).filter(|v| v < q) {
            out.push(v.clone());
            up = v;
        }
        if let Some(v) = tables::step(&down, ty, false).filter(|v| v > p) {
            out.push(v.clone());
            down = v;
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Values of the type in every place among `points` (sorted, distinct), `n`
/// of each where there is room: below them all, each point, between
/// neighbours, above them all.
fn places(points: &[Value], ty: &Type, n: usize) -> Vec<Value> {
    let base = match points.first() {
        Some(p) => p.clone(),
        None => match ty {
            Type::Date => Value::Date(Date::from_ymd(2000, 1, 1).unwrap_or(Date::today_shanghai())),
            Type::YearsMonths => match crate::values::date::YearsMonths::from_months(0) {
                Ok(p) => Value::YearsMonths(p),
                Err(_) => return Vec::new(),
            },
            Type::DateTime | Type::Time | Type::Duration => return Vec::new(),
            _ => Value::Number(Number::zero()),
        },
    };
    let mut out = Vec::new();
    let (mut below, mut above) = (base.clone(), points.last().cloned().unwrap_or(base.clone()));
    for _ in 0..n {
        if let Some(v) = tables::step(&below, ty, false) {
            out.push(v.clone());
            below = v;
        }
        if let Some(v) = tables::step(&above, ty, true) {
            out.push(v.clone());
            above = v;
        }
    }
    if points.is_empty() {
        out.push(base);
    }
    for (k, p) in points.iter().enumerate() {
        out.push(p.clone());
        if let Some(q) = points.get(k + 1) {
            out.extend(spread_between(p, q, ty, n));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Whether the values given to the symbols meet every comparison of the
/// constraints whose sides are symbols or read no input (`value_of` gives
/// those; a comparison with another side is not used).
fn admissible(constraints: &[Constraint], value_of: &dyn Fn(&(String, CExpr)) -> Option<Value>) -> bool {
    constraints.iter().flat_map(|c| &c.comparisons).all(|cmp| {
        let (Some(a), Some(b)) = (value_of(&cmp.left), value_of(&cmp.right)) else { return true };
        match cmp.op {
            BinOp::Lt => a < b,
            BinOp::Le => a <= b,
            BinOp::Gt => a > b,
            BinOp::Ge => a >= b,
            BinOp::Eq => a == b,
            BinOp::Ne => a != b,
            _ => true,
        }
    })
}

/// What the proof of one table needs besides the table.
pub(super) struct Proof<'a> {
    /// The rule set so far (its parameters).
    pub rs: &'a Ruleset,
    /// The rule.
    pub rule: &'a Rule,
    /// Where a gap is reported (the table's first row).
    pub at: Pos,
    /// The first day of the pack's validity.
    pub start: Date,
}

impl Proof<'_> {
    /// The table proved for every dated version of the parameters its
    /// bounds read, and every order of its bounds that read inputs.
    pub(super) fn table(&self, d: &mut Diags, table: &Table) {
        let rows = &table.rows;
        // the days the values of the bounds that read parameters change
        let mut params: Vec<usize> = Vec::new();
        for b in rows.iter().flat_map(Row::proof_bounds).filter(|b| b.at_load) {
            b.expr.any(&mut |e| {
                if let CExpr::Param(i) = e {
                    params.push(*i);
                }
                false
            });
        }
        let mut days = vec![self.start];
        days.extend(
            params
                .iter()
                .filter_map(|i| self.rs.params.get(*i))
                .flat_map(|p| p.versions.iter().map(|v| v.from))
                .filter(|f| *f > self.start),
        );
        days.sort();
        days.dedup();
        let symbols = self.symbols(rows);
        for day in days {
            let before = d.out.len();
            self.on_day(d, table, &symbols, day, params.is_empty());
            if d.out.len() > before {
                return;
            }
        }
    }

    /// Each distinct bound that reads an input, with its type and the
    /// inputs it is placed among.
    fn symbols(&self, rows: &[Row]) -> Vec<Symbol> {
        let inputs = &self.rule.inputs;
        let mut out: Vec<Symbol> = Vec::new();
        for b in rows.iter().flat_map(Row::proof_bounds).filter(|b| !b.at_load) {
            let key = canonical(&b.src);
            let pins = match &b.expr {
                CExpr::Local(k) if *k < inputs.len() => Some(*k),
                _ => None,
            };
            let bounded = inputs.get(b.input).map(|i| i.ty.clone()).unwrap_or(Type::Number);
            let ty = match (pins.and_then(|k| inputs.get(k)), &bounded) {
                (Some(i), _) => i.ty.clone(),
                // an expression's value may fall between two integers
                (None, t) if t.is_numeric() => Type::Number,
                (None, t) => t.clone(),
            };
            match out.iter_mut().find(|s| s.key == key) {
                Some(s) => s.among.push(b.input),
                None => out.push(Symbol { key, ty, among: vec![b.input], pins }),
            }
        }
        for s in &mut out {
            s.among.extend(s.pins);
            s.among.sort_unstable();
            s.among.dedup();
        }
        out
    }

    /// The table proved with the parameters in force on `day`, for every
    /// order of its symbols; the first failure reported.
    fn on_day(&self, d: &mut Diags, table: &Table, symbols: &[Symbol], day: Date, no_params: bool) {
        let rows = &table.rows;
        let rs = self.rs;
        // the bounds that read only parameters, valued as of the day
        let mut fixed: HashMap<(usize, usize), Value> = HashMap::new();
        for (ri, r) in rows.iter().enumerate() {
            for (bi, b) in r.proof_bounds().enumerate().filter(|(_, b)| b.at_load) {
                match crate::run::reference::evaluate_expr(rs, &b.expr, &[], day, DEFAULT_MAX_DIGITS) {
                    Ok(v) => {
                        fixed.insert((ri, bi), v);
                    }
                    // a parameter not yet in force: nothing to prove that day
                    Err(_) => return,
                }
            }
        }
        // the values each input is compared with
        let mut points: HashMap<usize, Vec<Value>> = HashMap::new();
        for (ri, r) in rows.iter().enumerate() {
            for (k, c) in &r.conds {
                let e = points.entry(*k).or_default();
                match c {
                    Cond::OneOf(vs) => e.extend(vs.iter().cloned()),
                    Cond::Range { lo, hi } => e.extend(lo.iter().chain(hi.iter()).map(|b| b.value.clone())),
                }
            }
            for (bi, b) in r.proof_bounds().enumerate() {
                if let Some(v) = fixed.get(&(ri, bi)) {
                    points.entry(b.input).or_default().push(v.clone());
                }
            }
        }
        let n = symbols.len();
        let choices: Vec<Vec<Value>> = symbols
            .iter()
            .map(|s| {
                let mut ps: Vec<Value> =
                    s.among.iter().flat_map(|k| points.get(k).cloned().unwrap_or_default()).collect();
                ps.sort();
                ps.dedup();
                places(&ps, &s.ty, n)
            })
            .collect();
        let total = choices.iter().try_fold(1usize, |a, c| a.checked_mul(c.len().max(1)));
        if total.is_none_or(|t| t > MAX_ORDERS) || choices.iter().any(Vec::is_empty) {
            return;
        }
        let keys: HashMap<(usize, usize), usize> = rows
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| r.proof_bounds().enumerate().map(move |(bi, b)| (ri, bi, b)))
            .filter(|(_, _, b)| !b.at_load)
            .filter_map(|(ri, bi, b)| {
                let key = canonical(&b.src);
                Some(((ri, bi), symbols.iter().position(|s| s.key == key)?))
            })
            .collect();
        // with bounds that read inputs, a table is wrong at load only when
        // it is wrong in every order they can take; otherwise the orders
        // that fail are caught where they occur, at evaluation
        let mut first_failure: Option<Vec<crate::error::Diagnostic>> = None;
        let mut idx = vec![0usize; n];
        loop {
            let chosen: Vec<&Value> = choices.iter().zip(&idx).filter_map(|(c, i)| c.get(*i)).collect();
            let side = |side: &(String, CExpr)| -> Option<Value> {
                match symbols.iter().position(|s| s.key == side.0) {
                    Some(k) => chosen.get(k).map(|v| (*v).clone()),
                    None => {
                        let reads_input = side.1.any(&mut |e| matches!(e, CExpr::Local(_) | CExpr::CallRule { .. }));
                        if reads_input {
                            None
                        } else {
                            crate::run::reference::evaluate_expr(rs, &side.1, &[], day, DEFAULT_MAX_DIGITS).ok()
                        }
                    }
                }
            };
            if admissible(&self.rule.constraints, &side) {
                let value_of = |ri: usize, bi: usize| -> Option<Value> {
                    fixed
                        .get(&(ri, bi))
                        .cloned()
                        .or_else(|| keys.get(&(ri, bi)).and_then(|k| chosen.get(*k)).map(|v| (*v).clone()))
                };
                let pinned: Vec<(usize, Value)> =
                    symbols.iter().zip(&chosen).filter_map(|(s, v)| Some((s.pins?, (*v).clone()))).collect();
                let valued = valued_rows(rows, &value_of, &pinned);
                let when = self.circumstances(rows, &fixed, symbols, &chosen, day, no_params);
                let before = d.out.len();
                if matches!(table.hit, HitPolicy::Unique | HitPolicy::Any) {
                    tables::check_overlaps(d, &self.rule.qualified, table.hit, &valued, &self.rule.inputs, &when);
                }
                if table.default.is_none() && tables::must_cover(table.hit, table.aggregate) {
                    tables::check_coverage(d, &self.rule.qualified, self.at, &valued, &self.rule.inputs, &when);
                }
                if d.out.len() == before {
                    // with no bound reading an input, the one order is proved;
                    // with some, one order the inputs can take works, and the
                    // others are checked when they occur
                    return;
                }
                if symbols.is_empty() {
                    return;
                }
                let failed: Vec<crate::error::Diagnostic> = d.out.drain(before..).collect();
                first_failure.get_or_insert(failed);
            }
            // the next order
            let mut k = 0;
            let exhausted = loop {
                let Some(i) = idx.get_mut(k) else { break true };
                *i += 1;
                if *i < choices.get(k).map_or(0, Vec::len) {
                    break false;
                }
                *i = 0;
                k += 1;
            };
            if exhausted {
                break;
            }
        }
        // wrong in every order the inputs can take
        for mut diag in first_failure.into_iter().flatten() {
            diag.message.push_str(" (and in every order of its bounds the inputs can give)");
            d.out.push(diag);
        }
    }

    /// The values the rows were proved with, for a message: ` when lower =
    /// 3, upper = 2 (with the parameters in force on 2024-01-01: allowance
    /// = 5000)`.
    fn circumstances(
        &self,
        rows: &[Row],
        fixed: &HashMap<(usize, usize), Value>,
        symbols: &[Symbol],
        chosen: &[&Value],
        day: Date,
        no_params: bool,
    ) -> String {
        let mut out = String::new();
        if !symbols.is_empty() {
            let vals: Vec<String> = symbols.iter().zip(chosen).map(|(s, v)| format!("{} = {v}", s.key)).collect();
            out.push_str(&format!(" when {}", vals.join(", ")));
        }
        if !no_params {
            let mut vals: Vec<String> = Vec::new();
            for (ri, r) in rows.iter().enumerate() {
                for (bi, b) in r.proof_bounds().enumerate() {
                    if let Some(v) = fixed.get(&(ri, bi)) {
                        let t = format!("{} = {v}", b.src);
                        if !vals.contains(&t) {
                            vals.push(t);
                        }
                    }
                }
            }
            out.push_str(&format!(" (with the parameters in force on {day}: {})", vals.join(", ")));
        }
        out
    }
}

/// Every table of a rule with computed bounds proved (each version's from
/// its first day).
pub(super) fn prove_computed_bounds(d: &mut Diags, rs: &Ruleset, rule: &Rule, start: Date) {
    let mut tables: Vec<(&Table, Date)> = Vec::new();
    match &rule.body {
        Body::Table(t) => tables.push((t, start)),
        Body::Versions(vs) => {
            for v in vs {
                if let Body::Table(t) = &v.body {
                    tables.push((t, v.from.max(start)));
                }
            }
        }
        Body::Formula { .. } => {}
    }
    for (t, from) in tables {
        if t.rows.iter().all(|r| r.bounds.is_empty() && r.guard_bounds.is_none()) {
            continue;
        }
        let line = t.rows.first().map_or(0, |r| r.line);
        let proof = Proof { rs, rule, at: Pos { line, column: 1, ..Pos::default() }, start: from };
        proof.table(d, t);
    }
}
