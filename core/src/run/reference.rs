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

use crate::lang::expr::compile::{Builtin, CExpr};
use crate::lang::expr::syntax::{AggKind, BinOp};
use crate::ruleset::{Aggregate, Body, HitPolicy, Rule, Ruleset};
use crate::run::eval::{Fault, MAX_GENERATED, MAX_POW_EXPONENT};
use crate::values::date::{Date, DateTime};
use crate::values::number::{digits_to_bits, Number};
use crate::values::value::{conform, Value, MAX_LIST_LEN};
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

struct Reference<'a> {
    rs: &'a Ruleset,
    as_of: Date,
    max_bits: u64,
}

fn failed(rule: &str, message: impl Into<String>) -> Fault {
    Fault::Failed { rule: rule.to_string(), message: message.into() }
}

fn limit(rule: &str, message: impl Into<String>) -> Fault {
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
    fn marginal(&self, q: &str, c: usize, x: &Number) -> Result<Number, Fault> {
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
    fn version(&self, q: &str, c: usize) -> Result<&crate::ruleset::ScaleVersion, Fault> {
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
    fn bracket(&self, q: &str, c: usize, x: &Number) -> Result<&crate::ruleset::Bracket, Fault> {
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
    fn workday(&self, q: &str, c: usize, day: Date) -> Result<bool, Fault> {
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
        match &rule.body {
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
                    let when = row.conds.iter().all(|(i, c)| args.get(*i).is_some_and(|v| c.matches(v)));
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
    fn fits(&self, q: &str, r: Result<Number, crate::values::number::ArithmeticError>) -> Result<Number, Fault> {
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
            CExpr::Not(inner) => Value::Bool(!self.truth(q, inner, env)?),
            CExpr::And(items) => {
                let mut all = true;
                for item in items {
                    if !self.truth(q, item, env)? {
                        all = false;
                        break;
                    }
                }
                Value::Bool(all)
            }
            CExpr::Or(items) => {
                let mut some = false;
                for item in items {
                    if self.truth(q, item, env)? {
                        some = true;
                        break;
                    }
                }
                Value::Bool(some)
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
            CExpr::CallRule { rule, args, check, output } => {
                let target = self.rule(*rule)?;
                let mut values = Vec::new();
                for ((a, input), needs_check) in args.iter().zip(&target.inputs).zip(check) {
                    let v = match a {
                        Some(a) => self.eval(q, a, env)?,
                        None => input.default.clone().ok_or_else(|| failed(q, "no default"))?,
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
                let outputs = self.call(*rule, values)?;
                match output {
                    // `rule(…).field`: the output by its position
                    Some(i) => match &outputs {
                        Value::Record(r) => {
                            r.get_index(*i).map(|(_, v)| v.clone()).ok_or_else(|| failed(q, "no such output"))?
                        }
                        _ => return Err(failed(q, "a rule gave no record")),
                    },
                    None => outputs,
                }
            }
            CExpr::Aggregate { kind, slot, list, filter, body, init: Some(init), .. } => {
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
                        let mut inner: Vec<Value> = env.iter().take(*slot).cloned().collect();
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
                if *kind == AggKind::Scan {
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
            }
            CExpr::Aggregate { kind, slot, list, filter, body, .. } => {
                let Value::List(items) = self.eval(q, list, env)? else {
                    return Err(failed(q, "an aggregate needs a list"));
                };
                // the elements that pass the filter, each with its body value
                // (evaluated lazily, so `any` and `all` stop where they decide)
                let mut values = Vec::new();
                let mut taken = Vec::new();
                let mut decided = None;
                for item in items.iter() {
                    let mut inner: Vec<Value> = env.iter().take(*slot).cloned().collect();
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
                    if (*kind == AggKind::Any && v == Value::Bool(true))
                        || (*kind == AggKind::All && v == Value::Bool(false))
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
            }
            CExpr::Builtin(b, args, _) => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.eval(q, a, env)?);
                }
                self.builtin(q, *b, &vals)?
            }
        })
    }

    fn builtin(&self, q: &str, b: Builtin, args: &[Value]) -> Result<Value, Fault> {
        let wrong = || failed(q, "a built-in function received a value of the wrong kind");
        let num = |i: usize| match args.get(i) {
            Some(Value::Number(n)) => Ok(n.clone()),
            _ => Err(wrong()),
        };
        let int = |i: usize| num(i).and_then(|n| n.to_i64().ok_or_else(wrong));
        let date = |i: usize| match args.get(i) {
            Some(Value::Date(d)) => Ok(*d),
            _ => Err(wrong()),
        };
        let datetime = |i: usize| match args.get(i) {
            Some(Value::DateTime(d)) => Ok(*d),
            _ => Err(wrong()),
        };
        let text = |i: usize| match args.get(i) {
            Some(Value::Text(t)) => Ok(t.clone()),
            _ => Err(wrong()),
        };
        let list = |i: usize| match args.get(i) {
            Some(Value::List(items)) => Ok(items.clone()),
            _ => Err(wrong()),
        };
        let dated = |r: Result<Date, String>| r.map(Value::Date).map_err(|m| failed(q, m));
        // a generated list of span + 1 items, within the limit
        let generated = |span: i64, item: &dyn Fn(i64) -> Result<Value, String>| {
            if span > MAX_GENERATED {
                return Err(failed(q, "the list would be too long"));
            }
            (0..=span)
                .map(|k| item(k).map_err(|m| failed(q, m)))
                .collect::<Result<Vec<_>, _>>()
                .map(|v| Value::List(Arc::new(v)))
        };
        Ok(match b {
            Builtin::Min | Builtin::Max => {
                let items: Vec<Value> = match args {
                    [Value::List(items)] => items.to_vec(),
                    _ => args.to_vec(),
                };
                let best = if b == Builtin::Min { items.into_iter().min() } else { items.into_iter().max() };
                best.ok_or_else(|| failed(q, "`min`/`max` of nothing"))?
            }
            Builtin::SumList => {
                let mut total = Number::zero();
                for v in list(0)?.iter() {
                    let Value::Number(n) = v else { return Err(wrong()) };
                    total = self.fits(q, total.add(n))?;
                }
                Value::Number(total)
            }
            Builtin::CountList => Value::int(list(0)?.len() as i64),
            Builtin::Abs => Value::Number(num(0)?.abs()),
            Builtin::Round(mode) => {
                let places = if args.len() > 1 { int(1)? } else { 0 };
                Value::Number(self.fits(q, num(0)?.round(places, mode))?)
            }
            Builtin::DaysBetween => Value::int(date(0)?.days_until(date(1)?)),
            Builtin::AddDays => dated(date(0)?.add_days(int(1)?))?,
            Builtin::AddMonths => dated(date(0)?.add_months(int(1)?))?,
            Builtin::AddYears => dated(date(0)?.add_years(int(1)?))?,
            Builtin::Year => Value::int(date(0)?.year()),
            Builtin::Month => Value::int(i64::from(date(0)?.month())),
            Builtin::Day => Value::int(i64::from(date(0)?.day())),
            Builtin::Weekday => Value::int(i64::from(date(0)?.weekday())),
            Builtin::MakeDate => {
                let (m, d) = (u32::try_from(int(1)?).unwrap_or(0), u32::try_from(int(2)?).unwrap_or(0));
                dated(Date::from_ymd(int(0)?, m, d))?
            }
            Builtin::Dates => {
                let (a, z) = (date(0)?, date(1)?);
                generated(a.days_until(z), &|k| a.add_days(k).map(Value::Date))?
            }
            Builtin::LastDayOfMonth => {
                let (y, m, _) = date(0)?.ymd();
                dated(Date::from_ymd(y, m, crate::values::date::days_in_month(y, m)))?
            }
            Builtin::Concat => {
                let mut out = Vec::new();
                for i in 0..args.len() {
                    out.extend(list(i)?.iter().cloned());
                }
                if out.len() > MAX_LIST_LEN {
                    return Err(failed(q, "the list would be too long"));
                }
                Value::List(Arc::new(out))
            }
            Builtin::Pow => {
                let (x, n) = (num(0)?, int(1)?);
                if n.unsigned_abs() > MAX_POW_EXPONENT {
                    return Err(failed(q, "the exponent is too large"));
                }
                // x·x·…·x, n times, or its reciprocal; each partial product
                // is within the limit exactly when the power by squaring is
                let mut acc = Number::one();
                let base = if n < 0 { self.fits(q, Number::one().div(&x))? } else { x };
                for _ in 0..n.unsigned_abs() {
                    acc = self.fits(q, acc.mul(&base))?;
                }
                Value::Number(acc)
            }
            Builtin::MinutesBetween => Value::int(datetime(0)?.seconds_until(datetime(1)?).div_euclid(60)),
            Builtin::HoursBetween => {
                let secs = datetime(0)?.seconds_until(datetime(1)?);
                Value::Number(self.fits(q, Number::ratio(i128::from(secs), 3600))?)
            }
            Builtin::AddMinutes => datetime(0)?.add_minutes(int(1)?).map(Value::DateTime).map_err(|m| failed(q, m))?,
            Builtin::DateOf => Value::Date(datetime(0)?.date()),
            Builtin::MakeDateTime => {
                let (h, m) = (u32::try_from(int(1)?).unwrap_or(99), u32::try_from(int(2)?).unwrap_or(99));
                DateTime::from_parts(date(0)?, h, m).map(Value::DateTime).map_err(|e| failed(q, e))?
            }
            Builtin::MakeTime => {
                crate::values::date::TimeOfDay::from_hm(int(0)?, int(1)?).map(Value::Time).map_err(|e| failed(q, e))?
            }
            Builtin::TimeOf => Value::Time(datetime(0)?.time()),
            Builtin::AtTime => match args.get(1) {
                Some(Value::Time(t)) => Value::DateTime(DateTime::at(date(0)?, *t)),
                _ => return Err(wrong()),
            },
            Builtin::DurationOf(unit) => crate::values::date::Duration::of(&num(0)?, unit, "a duration of")
                .map(Value::Duration)
                .map_err(|e| failed(q, e))?,
            Builtin::DurationIn(unit) => match args.first() {
                Some(Value::Duration(d)) => {
                    Value::Number(self.fits(q, Number::ratio(i128::from(d.seconds()), i128::from(unit)))?)
                }
                _ => return Err(wrong()),
            },
            Builtin::DurationBetween => match (args.first(), args.get(1)) {
                (Some(Value::DateTime(a)), Some(Value::DateTime(z))) => {
                    crate::values::date::Duration::from_secs(a.seconds_until(*z))
                        .map(Value::Duration)
                        .map_err(|e| failed(q, e))?
                }
                (Some(Value::Time(a)), Some(Value::Time(z))) => {
                    let secs = i64::from(z.seconds()) - i64::from(a.seconds());
                    crate::values::date::Duration::from_secs(secs).map(Value::Duration).map_err(|e| failed(q, e))?
                }
                _ => return Err(wrong()),
            },
            Builtin::AddDuration => match (args.first(), args.get(1)) {
                (Some(Value::DateTime(t)), Some(Value::Duration(d))) => {
                    t.add_duration(*d).map(Value::DateTime).map_err(|e| failed(q, e))?
                }
                (Some(Value::Duration(a)), Some(Value::Duration(d))) => {
                    let secs = a.seconds().checked_add(d.seconds()).ok_or_else(|| failed(q, "too long"))?;
                    crate::values::date::Duration::from_secs(secs).map(Value::Duration).map_err(|e| failed(q, e))?
                }
                _ => return Err(wrong()),
            },
            Builtin::Range => {
                let (a, z) = (int(0)?, int(1)?);
                generated(z.saturating_sub(a), &|k| Ok(Value::int(a + k)))?
            }
            Builtin::Contains => Value::Bool(text(0)?.contains(&*text(1)?)),
            Builtin::Length => Value::int(text(0)?.chars().count() as i64),
            Builtin::AsOf => Value::Date(self.as_of),
            Builtin::ConcatText => {
                let mut out = String::new();
                for i in 0..args.len() {
                    out.push_str(&text(i)?);
                }
                Value::text(&out)
            }
            Builtin::Upper => Value::text(&text(0)?.to_uppercase()),
            Builtin::Lower => Value::text(&text(0)?.to_lowercase()),
            Builtin::Replace => {
                let (t, from, to) = (text(0)?, text(1)?, text(2)?);
                if from.is_empty() {
                    return Err(failed(q, "nothing to replace"));
                }
                Value::text(&t.replace(&*from, &to))
            }
            Builtin::StartsWith => Value::Bool(text(0)?.starts_with(&*text(1)?)),
            Builtin::EndsWith => Value::Bool(text(0)?.ends_with(&*text(1)?)),
            Builtin::TextOf => match args.first() {
                Some(Value::Text(t)) => Value::Text(t.clone()),
                Some(
                    v @ (Value::Number(_)
                    | Value::Bool(_)
                    | Value::Date(_)
                    | Value::DateTime(_)
                    | Value::Time(_)
                    | Value::Duration(_)),
                ) => Value::text(&v.to_string()),
                _ => return Err(wrong()),
            },
            Builtin::FormatNumber => {
                let places = int(1)?;
                if !(0..=1000).contains(&places) {
                    return Err(failed(q, "places out of range"));
                }
                Value::text(&num(0)?.format_fixed(places as u32, &text(2)?).map_err(|e| failed(q, e.to_string()))?)
            }
            Builtin::FormatDate => {
                let Some((date, time)) = args.first().and_then(crate::lang::date_pattern::parts_of) else {
                    return Err(wrong());
                };
                let pattern = crate::lang::date_pattern::Pattern::parse(&text(1)?).map_err(|e| failed(q, e))?;
                Value::text(&pattern.write(date, time).map_err(|e| failed(q, e))?)
            }
            Builtin::Substring => {
                let (t, start, len) = (text(0)?, int(1)?, int(2)?);
                if start < 1 || len < 0 {
                    return Err(failed(q, "bad substring"));
                }
                let chars: Vec<char> = t.chars().collect();
                let from = ((start - 1) as usize).min(chars.len());
                let to = (from + len as usize).min(chars.len());
                Value::text(&chars.get(from..to).unwrap_or_default().iter().collect::<String>())
            }
            Builtin::Split => {
                let (t, sep) = (text(0)?, text(1)?);
                if sep.is_empty() {
                    return Err(failed(q, "empty separator"));
                }
                Value::List(Arc::new(t.split(&*sep).map(Value::text).collect()))
            }
            Builtin::Join => {
                let sep = text(1)?;
                let mut parts = Vec::new();
                for v in list(0)?.iter() {
                    let Value::Text(t) = v else { return Err(wrong()) };
                    parts.push(t.to_string());
                }
                Value::text(&parts.join(&sep))
            }
            Builtin::Sort => {
                let mut v = list(0)?.to_vec();
                v.sort();
                Value::List(Arc::new(v))
            }
            Builtin::Reverse => {
                let mut v = list(0)?.to_vec();
                v.reverse();
                Value::List(Arc::new(v))
            }
            Builtin::Distinct => {
                let mut v: Vec<Value> = Vec::new();
                for x in list(0)?.iter() {
                    if !v.contains(x) {
                        v.push(x.clone());
                    }
                }
                Value::List(Arc::new(v))
            }
            Builtin::Flatten => {
                let mut v = Vec::new();
                for inner in list(0)?.iter() {
                    let Value::List(xs) = inner else { return Err(wrong()) };
                    v.extend(xs.iter().cloned());
                }
                if v.len() > MAX_LIST_LEN {
                    return Err(failed(q, "too long"));
                }
                Value::List(Arc::new(v))
            }
            Builtin::IndexOf => {
                let x = args.get(1).ok_or_else(wrong)?;
                let mut at = 0;
                for (k, v) in list(0)?.iter().enumerate() {
                    if v == x {
                        at = k as i64 + 1;
                        break;
                    }
                }
                Value::int(at)
            }
            Builtin::Sublist => {
                let (items, start, len) = (list(0)?, int(1)?, int(2)?);
                if start < 1 || len < 0 {
                    return Err(failed(q, "bad sublist"));
                }
                let from = ((start - 1) as usize).min(items.len());
                let to = (from + len as usize).min(items.len());
                Value::List(Arc::new(items.get(from..to).unwrap_or_default().to_vec()))
            }
            Builtin::Progressive(c) => Value::Number(self.marginal(q, c, &num(0)?)?),
            Builtin::ScaleRate(c) => Value::Number(self.bracket(q, c, &num(0)?)?.rate.clone()),
            Builtin::QuickDeduction(c) => {
                // the deduction that makes x × rate − deduction equal the
                // bracket-by-bracket tax, at the bracket's lower bound
                let x = num(0)?;
                let scale = self.version(q, c)?;
                let mut lower = Number::zero();
                for b in &scale.brackets {
                    let inside = match &b.upper {
                        Some((u, true)) => x <= *u,
                        Some((u, false)) => x < *u,
                        None => true,
                    };
                    if inside {
                        break;
                    }
                    if let Some((u, _)) = &b.upper {
                        lower = u.clone();
                    }
                }
                let rate = self.bracket(q, c, &x)?.rate.clone();
                let at_lower = self.marginal(q, c, &lower)?;
                Value::Number(self.fits(q, lower.mul(&rate).and_then(|g| g.sub(&at_lower)))?)
            }
            Builtin::IsWorkday(c) => Value::Bool(self.workday(q, c, date(0)?)?),
            Builtin::WorkdaysBetween(c) => {
                // every day from a to b, one by one
                let (a, z) = (date(0)?, date(1)?);
                let mut count = 0;
                for k in 0..=a.days_until(z).max(-1) {
                    let day = a.add_days(k).map_err(|m| failed(q, m))?;
                    if self.workday(q, c, day)? {
                        count += 1;
                    }
                }
                Value::int(count)
            }
            Builtin::AddWorkdays(c) => {
                let (mut day, n) = (date(0)?, int(1)?);
                let mut found = 0;
                while found < n.abs() {
                    day = day.add_days(if n > 0 { 1 } else { -1 }).map_err(|m| failed(q, m))?;
                    if self.workday(q, c, day)? {
                        found += 1;
                    }
                }
                Value::Date(day)
            }
        })
    }
}
