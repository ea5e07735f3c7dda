//! The reference interpreter: a plain tree-walking evaluator of compiled
//! rules, written to be obviously right rather than fast. Nothing else uses
//! it; the tests (`core/tests/differential.rs`) and the fuzz target
//! (`fuzz/`) hold the evaluator of [`crate::run::eval`] equal to it on generated
//! formulas, tables and inputs: the same outputs, or an error of the same
//! kind.
//!
//! It keeps no budgets but the size of numbers (which is part of the
//! semantics: a result past the size limit is a limit error), no trace and
//! no caches. Every local lives in a plain vector that is copied where a
//! comprehension binds its variable. Every language feature added to the
//! evaluator is added here too, in the simplest form that says what it means.

use crate::lang::expr::compile::{CExpr, Loc};
use crate::lang::expr::syntax::{AggKind, BinOp};
use crate::ruleset::{Aggregate, Body, HitPolicy, Rule, Ruleset};
use crate::run::eval::Fault;
use crate::values::date::Date;
use crate::values::number::{digits_to_bits, Number};
use crate::values::value::{conform, Value};
use indexmap::IndexMap;
use std::sync::Arc;

/// Evaluates rule `rid` of `rs` on `args` (one value per declared input) as
/// of `as_of`, with numbers bounded to `max_digits` digits; returns the
/// outputs in declaration order.
///
/// # Errors
/// The first fault, of the same kind the evaluator reports.
pub fn evaluate(
    rs: &Ruleset,
    rid: usize,
    args: Vec<Value>,
    as_of: Date,
    max_digits: u64,
) -> Result<IndexMap<String, Value>, Fault> {
    let r = Reference { rs, as_of, max_bits: digits_to_bits(max_digits) };
    match r.call(rid, args)? {
        Value::Record(rec) => Ok(rec.to_map()),
        _ => Ok(IndexMap::new()),
    }
}

/// Evaluates one expression over `env` (the values of its locals) as of
/// `as_of`: what the loader uses to compute, for each dated version of the
/// parameters, a table's bounds that read only parameters.
///
/// # Errors
/// The first fault.
pub fn evaluate_expr(rs: &Ruleset, e: &CExpr, env: &[Value], as_of: Date, max_digits: u64) -> Result<Value, Fault> {
    let r = Reference { rs, as_of, max_bits: digits_to_bits(max_digits) };
    r.eval("<bound>", e, env)
}

/// The reference interpreter as of a date (made by [`evaluate`]; the
/// built-ins' reference evaluations receive it).
pub struct Reference<'a> {
    pub(in crate::run) rs: &'a Ruleset,
    pub(in crate::run) as_of: Date,
    pub(in crate::run) max_bits: u64,
}

pub(in crate::run) fn failed(rule: &str, message: impl Into<String>) -> Fault {
    Fault::Failed { rule: rule.to_string(), message: message.into() }
}

pub(in crate::run) fn limit(rule: &str, message: impl Into<String>) -> Fault {
    Fault::Limit { rule: rule.to_string(), message: message.into() }
}

impl Reference<'_> {
    fn rule(&self, rid: usize) -> Result<&Rule, Fault> {
        self.rs.rules.get(rid).map(|r| &**r).ok_or_else(|| failed("?", "no such rule"))
    }

    /// The outputs a table gives for its matching rows, by its hit policy:
    /// written out policy by policy, with no shortcut.
    fn select(
        &self,
        q: &str,
        rule: &Rule,
        table: &crate::ruleset::Table,
        matching: &[&crate::ruleset::Row],
    ) -> Result<Vec<Value>, Fault> {
        let n = rule.outputs.len();
        let column = |rows: &[&crate::ruleset::Row], k: usize| -> Vec<Value> {
            rows.iter().filter_map(|row| row.outputs.get(k).cloned()).collect()
        };
        let by_priority = || {
            let mut rows = matching.to_vec();
            // a stable sort: equal ranks keep row order
            rows.sort_by_key(|row| table.rank(row));
            rows
        };
        let one = |row: Option<&&crate::ruleset::Row>| match (row, &table.default) {
            (Some(row), _) => Ok(row.outputs.clone()),
            (None, Some(d)) => Ok(d.clone()),
            (None, None) => Err(failed(q, "no row matches")),
        };
        match (table.hit, table.aggregate) {
            (HitPolicy::Unique, _) if matching.len() > 1 => Err(failed(q, "more than one row matches")),
            (HitPolicy::Unique | HitPolicy::First, _) => one(matching.first()),
            (HitPolicy::Priority, _) => one(by_priority().first()),
            (HitPolicy::Any, _) => {
                if matching.iter().any(|row| matching.first().is_some_and(|f| row.outputs != f.outputs)) {
                    return Err(failed(q, "matching rows disagree"));
                }
                one(matching.first())
            }
            (HitPolicy::Collect, None) | (HitPolicy::RuleOrder, _) => {
                Ok((0..n).map(|k| Value::List(Arc::new(column(matching, k)))).collect())
            }
            (HitPolicy::OutputOrder, _) => {
                let rows = by_priority();
                Ok((0..n).map(|k| Value::List(Arc::new(column(&rows, k)))).collect())
            }
            (HitPolicy::Collect, Some(Aggregate::Count)) => {
                Ok((0..n).map(|_| Value::Number(Number::from_int(matching.len() as i64))).collect())
            }
            (HitPolicy::Collect, Some(Aggregate::Sum)) => (0..n)
                .map(|k| {
                    let mut total = Number::from_int(0);
                    for v in column(matching, k) {
                        let Value::Number(x) = v else { return Err(failed(q, "a sum of something else than numbers")) };
                        total = total.add(&x).map_err(|e| failed(q, e.to_string()))?;
                    }
                    Ok(Value::Number(total))
                })
                .collect(),
            (HitPolicy::Collect, Some(agg @ (Aggregate::Min | Aggregate::Max))) => {
                if matching.is_empty() {
                    return one(None);
                }
                Ok((0..n)
                    .map(|k| {
                        let col = column(matching, k);
                        let pick = if agg == Aggregate::Min { col.iter().min() } else { col.iter().max() };
                        pick.cloned().unwrap_or(Value::Bool(false))
                    })
                    .collect())
            }
        }
    }

    /// The tax on x, bracket by bracket: each part of x at its bracket's rate.
    pub(in crate::run) fn marginal(&self, q: &str, c: usize, x: &Number) -> Result<Number, Fault> {
        let scale = self.version(q, c)?;
        let mut tax = Number::zero();
        let mut lower = Number::zero();
        for b in &scale.brackets {
            if *x <= lower {
                break;
            }
            let top = match &b.upper {
                Some((u, _)) if *u < *x => u.clone(),
                _ => x.clone(),
            };
            let part = self.fits(q, top.sub(&lower))?;
            tax = self.fits(q, part.mul(&b.rate).and_then(|p| tax.add(&p)))?;
            match &b.upper {
                Some((u, _)) => lower = u.clone(),
                None => break,
            }
        }
        Ok(tax)
    }

    /// The version of scale `c` in force on the as-of date.
    pub(in crate::run) fn version(&self, q: &str, c: usize) -> Result<&crate::ruleset::ScaleVersion, Fault> {
        let scale = self.rs.scales.get(c).ok_or_else(|| failed(q, "no such scale"))?;
        let mut found = None;
        for v in &scale.versions {
            if v.from <= self.as_of {
                found = Some(v);
            }
        }
        found.ok_or_else(|| failed(q, "the scale has no version yet"))
    }

    /// The bracket x falls in, by its bounds as written.
    pub(in crate::run) fn bracket(&self, q: &str, c: usize, x: &Number) -> Result<&crate::ruleset::Bracket, Fault> {
        let scale = self.version(q, c)?;
        for b in &scale.brackets {
            let inside = match &b.upper {
                Some((u, true)) => *x <= *u,
                Some((u, false)) => *x < *u,
                None => true,
            };
            if inside {
                return Ok(b);
            }
        }
        scale.brackets.last().ok_or_else(|| failed(q, "a scale without brackets"))
    }

    /// Whether a day is a working day by a calendar, written out: outside
    /// the period is an error; a listed make-up day works, a listed holiday
    /// rests, else Monday to Friday work.
    pub(in crate::run) fn workday(&self, q: &str, c: usize, day: Date) -> Result<bool, Fault> {
        let cal = self.rs.calendars.get(c).ok_or_else(|| failed(q, "no such calendar"))?;
        if day < cal.first || day > cal.last {
            return Err(failed(q, "outside the calendar"));
        }
        if cal.workdays.contains(&day) {
            return Ok(true);
        }
        if cal.holidays.contains(&day) {
            return Ok(false);
        }
        Ok(matches!(day.weekday(), 1..=5))
    }

    /// A rule's outputs, as a record.
    fn call(&self, rid: usize, args: Vec<Value>) -> Result<Value, Fault> {
        let rule = self.rule(rid)?;
        let q = rule.qualified.as_str();
        let mut out = IndexMap::new();
        // an input left out whose default is a parameter takes its value
        let args: Vec<Value> = args
            .into_iter()
            .zip(rule.inputs.iter().map(|i| i.default_param).chain(std::iter::repeat(None)))
            .map(|(v, p)| match (v, p) {
                (Value::Absent, Some(p)) => self.eval(q, &CExpr::Param(p), &[]),
                (v, _) => Ok(v),
            })
            .collect::<Result<_, _>>()?;
        for c in &rule.constraints {
            if !self.truth(q, &c.expr, &args)? {
                return Err(failed(q, c.broken(&rule.inputs, &args)));
            }
        }
        let (body, _) = rule.body.in_force(self.as_of).map_err(|m| failed(q, m))?;
        match body {
            Body::Versions(_) => return Err(failed(q, "a version with versions")),
            Body::Table(table) => {
                // rows are tried in order; `first` stops at the first that
                // matches and `unique` at the second, so a later row's `if:`
                // is not evaluated
                let mut matching: Vec<crate::ruleset::Row> = Vec::new();
                for row in &table.rows {
                    if matches!(table.hit, HitPolicy::First) && !matching.is_empty() {
                        break;
                    }
                    if matches!(table.hit, HitPolicy::Unique) && matching.len() > 1 {
                        break;
                    }
                    let mut when = row.conds.iter().all(|(i, c)| args.get(*i).is_some_and(|v| c.matches(v)));
                    // computed bounds, each compared with its input
                    for b in &row.bounds {
                        if !when {
                            break;
                        }
                        let value = self.eval(q, &b.expr, &args)?;
                        when = args.get(b.input).is_some_and(|v| b.holds(v, &value));
                    }
                    let guard = match (&row.guard, when) {
                        (Some((e, _)), true) => self.truth(q, e, &args)?,
                        _ => when,
                    };
                    if guard {
                        matching.push(row.clone());
                    }
                }
                // the computed cells of the rows whose outputs are given
                let gives_all = table.hit.lists(table.aggregate)
                    || table.aggregate.is_some()
                    || matches!(table.hit, HitPolicy::Any);
                let given: Vec<usize> = if gives_all {
                    (0..matching.len()).collect()
                } else if matches!(table.hit, HitPolicy::Priority) {
                    let best = matching.iter().map(|r| table.rank(r)).min();
                    matching.iter().position(|r| Some(table.rank(r)) == best).into_iter().collect()
                } else if matching.len() == 1 || matches!(table.hit, HitPolicy::First) {
                    vec![0]
                } else {
                    Vec::new()
                };
                for i in given {
                    let Some(row) = matching.get_mut(i) else { continue };
                    for (k, e) in &row.computed.clone() {
                        let mut v = self.eval(q, e, &args)?;
                        rule.finish_cell(table, *k, &mut v).map_err(|m| failed(q, m))?;
                        if let Some(slot) = row.outputs.get_mut(*k) {
                            *slot = v;
                        }
                    }
                }
                let matching: Vec<&crate::ruleset::Row> = matching.iter().collect();
                let values: Vec<Value> = self.select(q, rule, table, &matching)?;
                for ((name, _), v) in rule.outputs.iter().zip(values) {
                    out.insert(name.clone(), v);
                }
            }
            Body::Formula { lets, outputs, original, .. } => {
                // the steps as compiled, before the evaluator's rewrites
                let (lets, outputs) = match original {
                    Some(o) => (&o.lets, &o.outputs),
                    None => (lets, outputs),
                };
                let mut env = args;
                for (_, e) in lets {
                    let v = self.eval(q, e, &env)?;
                    env.push(v);
                }
                for (k, ((name, ty), e)) in rule.outputs.iter().zip(outputs).enumerate() {
                    let mut v = self.eval(q, e, &env)?;
                    // a decimal output is rounded as the rule outputs it
                    rule.settle(k, &mut v).map_err(|x| failed(q, format!("output `{name}`: {x}")))?;
                    conform(&v, ty, name).map_err(|p| failed(q, p.message))?;
                    env.push(v.clone());
                    out.insert(name.clone(), v);
                }
            }
        }
        Ok(Value::record(out))
    }

    fn number(&self, q: &str, e: &CExpr, env: &[Value]) -> Result<Number, Fault> {
        match self.eval(q, e, env)? {
            Value::Number(n) => Ok(n),
            other => Err(failed(q, format!("{} is not a number", other.kind()))),
        }
    }

    fn truth(&self, q: &str, e: &CExpr, env: &[Value]) -> Result<bool, Fault> {
        match self.eval(q, e, env)? {
            Value::Bool(b) => Ok(b),
            other => Err(failed(q, format!("{} is not true or false", other.kind()))),
        }
    }

    /// A number checked against the size limit.
    pub(in crate::run) fn fits(
        &self,
        q: &str,
        r: Result<Number, crate::values::number::ArithmeticError>,
    ) -> Result<Number, Fault> {
        match r {
            Ok(n) if n.bits() > self.max_bits => Err(limit(q, "number too large")),
            Ok(n) => Ok(n),
            Err(crate::values::number::ArithmeticError::TooLarge { .. }) => Err(limit(q, "number too large")),
            Err(e) => Err(failed(q, e.to_string())),
        }
    }

    fn eval(&self, q: &str, e: &CExpr, env: &[Value]) -> Result<Value, Fault> {
        Ok(match e {
            CExpr::Const(v) => v.clone(),
            CExpr::Local(slot) => env.get(*slot).cloned().ok_or_else(|| failed(q, "no such local"))?,
            CExpr::Param(p) => {
                let param = self.rs.params.get(*p).ok_or_else(|| failed(q, "no such parameter"))?;
                // the latest version that has started by the as-of date
                let mut found = None;
                for v in &param.versions {
                    if v.from <= self.as_of {
                        found = Some(v.value.clone());
                    }
                }
                found.ok_or_else(|| failed(q, "the parameter has no value yet"))?
            }
            CExpr::Field(inner, name, _) => {
                self.eval(q, inner, env)?.field(name).cloned().ok_or_else(|| failed(q, "no such field"))?
            }
            CExpr::Present(inner, name, _) => match self.eval(q, inner, env)? {
                Value::Absent => return Err(failed(q, crate::run::eval::absent_message(name, ""))),
                v => v,
            },
            // the first operand that has a value; later ones are not evaluated
            CExpr::Coalesce(items) => {
                let mut found = Value::Absent;
                for item in items {
                    found = self.eval(q, item, env)?;
                    if found != Value::Absent {
                        break;
                    }
                }
                found
            }
            CExpr::IsMissing(inner) => Value::Bool(self.eval(q, inner, env)? == Value::Absent),
            CExpr::Neg(inner) => Value::Number(self.number(q, inner, env)?.neg()),
            // Kleene's three-valued logic, written out as its truth tables
            // read: false and anything is false, true or anything is true,
            // and an operand with no value leaves the rest unknown
            CExpr::Not(inner) => match self.eval(q, inner, env)? {
                Value::Absent => Value::Absent,
                Value::Bool(b) => Value::Bool(!b),
                other => return Err(failed(q, format!("{} is not true or false", other.kind()))),
            },
            CExpr::And(items) => {
                let mut result = Value::Bool(true);
                for item in items {
                    match self.eval(q, item, env)? {
                        Value::Bool(false) => {
                            result = Value::Bool(false);
                            break;
                        }
                        Value::Bool(true) => {}
                        Value::Absent => result = Value::Absent,
                        other => return Err(failed(q, format!("{} is not true or false", other.kind()))),
                    }
                }
                result
            }
            CExpr::Or(items) => {
                let mut result = Value::Bool(false);
                for item in items {
                    match self.eval(q, item, env)? {
                        Value::Bool(true) => {
                            result = Value::Bool(true);
                            break;
                        }
                        Value::Bool(false) => {}
                        Value::Absent => result = Value::Absent,
                        other => return Err(failed(q, format!("{} is not true or false", other.kind()))),
                    }
                }
                result
            }
            CExpr::If(c, a, b) => {
                if self.truth(q, c, env)? {
                    self.eval(q, a, env)?
                } else {
                    self.eval(q, b, env)?
                }
            }
            CExpr::Arith(first, rest) => {
                let mut acc = self.number(q, first, env)?;
                for (op, operand, _) in rest {
                    let y = self.number(q, operand, env)?;
                    acc = self.fits(
                        q,
                        match op {
                            BinOp::Add => acc.add(&y),
                            BinOp::Sub => acc.sub(&y),
                            BinOp::Mul => acc.mul(&y),
                            _ => acc.div(&y),
                        },
                    )?;
                }
                Value::Number(acc)
            }
            CExpr::Binary(op, a, b) => {
                let (x, y) = (self.eval(q, a, env)?, self.eval(q, b, env)?);
                Value::Bool(match op {
                    BinOp::Eq => x == y,
                    BinOp::Ne => x != y,
                    BinOp::Lt => x < y,
                    BinOp::Le => x <= y,
                    BinOp::Gt => x > y,
                    BinOp::Ge => x >= y,
                    BinOp::In => match y {
                        Value::List(items) => items.contains(&x),
                        _ => return Err(failed(q, "`in` needs a list")),
                    },
                    _ => return Err(failed(q, "not a comparison")),
                })
            }
            CExpr::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    out.push(self.eval(q, item, env)?);
                }
                Value::List(Arc::new(out))
            }
            CExpr::Record(names, fields) => {
                let mut out = IndexMap::new();
                for (name, fe) in names.iter().zip(fields) {
                    out.insert(name.to_string(), self.eval(q, fe, env)?);
                }
                Value::record(out)
            }
            CExpr::Fused { .. } => return Err(failed(q, "the reference interpreter reads the steps before fusing")),
            CExpr::CallRule { rule, args, check, output } => self.call_rule(q, *rule, args, check, *output, env)?,
            CExpr::Aggregate { kind, slot, list, filter, body, init: Some(init), .. } => {
                self.fold(q, *kind == AggKind::Scan, *slot, (list, init), filter.as_deref(), body.as_deref(), env)?
            }
            CExpr::Aggregate { kind, slot, list, filter, body, .. } => {
                self.aggregate(q, *kind, *slot, list, filter.as_deref(), body.as_deref(), env)?
            }
            CExpr::Builtin(b, args, _) => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.eval(q, a, env)?);
                }
                let call = crate::run::builtins::Call { b: *b, args: &vals, at: Loc::default(), rule: q };
                let def = crate::run::builtins::def(*b).ok_or_else(|| failed(q, "no such built-in function"))?;
                (def.reference)(self, &call)?
            }
        })
    }

    /// A call of a rule: each argument evaluated (or its default), checked
    /// against the input's type where the compiler could not prove it, and
    /// the callee's outputs (or the one output read).
    fn call_rule(
        &self,
        q: &str,
        rule: usize,
        args: &[Option<CExpr>],
        check: &[bool],
        output: Option<usize>,
        env: &[Value],
    ) -> Result<Value, Fault> {
        Ok({
            let target = self.rule(rule)?;
            let mut values = Vec::new();
            for ((a, input), needs_check) in args.iter().zip(&target.inputs).zip(check) {
                let v = match a {
                    Some(a) => self.eval(q, a, env)?,
                    None => input.default_value().ok_or_else(|| failed(q, "no default"))?,
                };
                if *needs_check {
                    conform(&v, &input.ty, &input.name).map_err(|p| Fault::Input {
                        rule: target.qualified.clone(),
                        field: p.field,
                        message: p.message,
                        allowed: p.allowed,
                    })?;
                }
                values.push(v);
            }
            let outputs = self.call(rule, values)?;
            match output {
                // `rule(…).field`: the output by its position
                Some(i) => match &outputs {
                    Value::Record(r) => {
                        r.get_index(i).map(|(_, v)| v.clone()).ok_or_else(|| failed(q, "no such output"))?
                    }
                    _ => return Err(failed(q, "a rule gave no record")),
                },
                None => outputs,
            }
        })
    }

    /// `fold` and `scan`, by definition: the fold of the first k elements;
    /// `scan` is the fold of every prefix that ends with a taken element.
    #[allow(clippy::too_many_arguments)]
    fn fold(
        &self,
        q: &str,
        scan: bool,
        slot: usize,
        (list, init): (&CExpr, &CExpr),
        filter: Option<&CExpr>,
        body: Option<&CExpr>,
        env: &[Value],
    ) -> Result<Value, Fault> {
        Ok({
            let Value::List(items) = self.eval(q, list, env)? else {
                return Err(failed(q, "`fold` needs a list"));
            };
            let Some(body) = body else { return Err(failed(q, "`fold` without its step")) };
            let start = self.eval(q, init, env)?;
            // by definition: the fold of the first k elements; `scan` is
            // the fold of every prefix that ends with a taken element
            let fold_prefix = |k: usize| -> Result<(Value, bool), Fault> {
                let mut acc = start.clone();
                let mut last_taken = false;
                for item in items.iter().take(k) {
                    let mut inner: Vec<Value> = env.iter().take(slot).cloned().collect();
                    inner.push(acc.clone());
                    inner.push(item.clone());
                    last_taken = match filter {
                        Some(f) => self.truth(q, f, &inner)?,
                        None => true,
                    };
                    if last_taken {
                        acc = self.eval(q, body, &inner)?;
                    }
                }
                Ok((acc, last_taken))
            };
            if scan {
                let mut steps = Vec::new();
                for k in 1..=items.len() {
                    let (v, taken) = fold_prefix(k)?;
                    if taken {
                        steps.push(v);
                    }
                }
                Value::List(Arc::new(steps))
            } else {
                fold_prefix(items.len())?.0
            }
        })
    }

    /// An aggregate (`count`, `sum`, `min`, `max`, `any`, `all`, a list, a
    /// sort) over the elements that pass the filter.
    #[allow(clippy::too_many_arguments)]
    fn aggregate(
        &self,
        q: &str,
        kind: AggKind,
        slot: usize,
        list: &CExpr,
        filter: Option<&CExpr>,
        body: Option<&CExpr>,
        env: &[Value],
    ) -> Result<Value, Fault> {
        Ok({
            let Value::List(items) = self.eval(q, list, env)? else {
                return Err(failed(q, "an aggregate needs a list"));
            };
            // the elements that pass the filter, each with its body value
            // (evaluated lazily, so `any` and `all` stop where they decide)
            let mut values = Vec::new();
            let mut taken = Vec::new();
            let mut decided = None;
            for item in items.iter() {
                let mut inner: Vec<Value> = env.iter().take(slot).cloned().collect();
                inner.push(item.clone());
                if let Some(f) = filter {
                    if !self.truth(q, f, &inner)? {
                        continue;
                    }
                }
                let Some(b) = body else {
                    values.push(Value::Bool(true));
                    continue;
                };
                let v = self.eval(q, b, &inner)?;
                taken.push(item.clone());
                if (kind == AggKind::Any && v == Value::Bool(true)) || (kind == AggKind::All && v == Value::Bool(false))
                {
                    decided = Some(v);
                    break;
                }
                values.push(v);
            }
            match kind {
                AggKind::Count => Value::int(values.len() as i64),
                AggKind::Sum => {
                    let mut total = Number::zero();
                    for v in &values {
                        let Value::Number(n) = v else { return Err(failed(q, "`sum` of a non-number")) };
                        total = self.fits(q, total.add(n))?;
                    }
                    Value::Number(total)
                }
                AggKind::Min => values.iter().min().cloned().ok_or_else(|| failed(q, "`min` of nothing"))?,
                AggKind::Max => values.iter().max().cloned().ok_or_else(|| failed(q, "`max` of nothing"))?,
                AggKind::Any => decided.unwrap_or(Value::Bool(false)),
                AggKind::All => decided.unwrap_or(Value::Bool(true)),
                AggKind::List => Value::List(Arc::new(values)),
                AggKind::SortBy => {
                    // by key, then by position: a stable order by definition
                    let mut order: Vec<usize> = (0..values.len()).collect();
                    order.sort_by(|&a, &b| values.get(a).cmp(&values.get(b)).then(a.cmp(&b)));
                    Value::List(Arc::new(order.iter().filter_map(|&i| taken.get(i).cloned()).collect()))
                }
                AggKind::Fold | AggKind::Scan => return Err(failed(q, "`fold` without its running value")),
            }
        })
    }
}
