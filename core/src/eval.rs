//! Evaluation: running compiled rules against values, as of a date, with a
//! step budget and an optional trace of what ran and why.

use crate::date::Date;
use crate::expr::compile::{Builtin, CExpr};
use crate::expr::syntax::{AggKind, BinOp};
use crate::number::Number;
use crate::ruleset::{Body, Citation, HitPolicy, Rule, Ruleset, Table};
use crate::value::{conform, Value};
use indexmap::IndexMap;
use std::sync::Arc;

/// The default budget of evaluation steps for one call.
pub const DEFAULT_MAX_STEPS: u64 = 20_000_000;
/// One less than the longest list `dates(a, b)` or `range(a, b)` may produce.
const MAX_GENERATED: i64 = 100_000;
/// The most trace entries kept for one decision; repeats are counted, not
/// stored again.
const MAX_TRACE: usize = 500;

/// Why evaluation stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A value did not satisfy a rule's input type (enum, integer …).
    Input {
        /// The rule whose input it was.
        rule: String,
        /// The input path.
        field: String,
        /// What is wrong.
        message: String,
        /// The allowed values of an enum.
        allowed: Option<Vec<String>>,
    },
    /// Arithmetic, a table without a matching row, a missing parameter
    /// version, and the like.
    Failed {
        /// The rule being evaluated.
        rule: String,
        /// What went wrong.
        message: String,
    },
    /// The step budget ran out.
    Limit {
        /// The rule being evaluated.
        rule: String,
        /// Which limit.
        message: String,
    },
}

/// What one trace entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TraceKind {
    /// A rule was evaluated.
    Rule,
    /// A table row matched.
    Row,
    /// A parameter version was used.
    Param,
    /// An intermediate (`let`) value.
    Let,
    /// An output value.
    Output,
}

impl TraceKind {
    /// The name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            TraceKind::Rule => "rule",
            TraceKind::Row => "row",
            TraceKind::Param => "parameter",
            TraceKind::Let => "let",
            TraceKind::Output => "output",
        }
    }
}

/// One step of the explanation of a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEntry {
    /// What kind of step.
    pub kind: TraceKind,
    /// Nesting depth: 0 for the rule asked about, 1 for rules it calls, ….
    pub depth: u32,
    /// The rule (qualified id) the step belongs to, or the parameter.
    pub rule: String,
    /// For a `rule` step, the rule's title; for `let`, `output` and
    /// `parameter` steps, the name; for a `row` step, `row N`.
    pub name: Option<String>,
    /// A readable account: the inputs of a rule, the conditions of a row.
    pub detail: String,
    /// The value computed, where there is one.
    pub value: Option<Value>,
    /// The citation.
    pub cite: Option<Arc<Citation>>,
    /// How many times this same step happened (rules called per list item).
    pub count: u64,
}

impl TraceEntry {
    /// The JSON form.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("kind".into(), self.kind.name().into());
        m.insert("depth".into(), self.depth.into());
        m.insert("rule".into(), self.rule.clone().into());
        if let Some(n) = &self.name {
            m.insert("name".into(), n.clone().into());
        }
        m.insert("detail".into(), self.detail.clone().into());
        if let Some(v) = &self.value {
            m.insert("value".into(), v.to_json());
        }
        if let Some(c) = &self.cite {
            m.insert("cite".into(), c.to_json());
        }
        if self.count != 1 {
            m.insert("count".into(), self.count.into());
        }
        serde_json::Value::Object(m)
    }
}

#[derive(Default)]
struct Trace {
    entries: Vec<TraceEntry>,
    index: std::collections::HashMap<(TraceKind, u32, String, Option<String>, String), usize>,
    dropped: u64,
}

impl Trace {
    fn push(&mut self, e: TraceEntry) {
        let key = (e.kind, e.depth, e.rule.clone(), e.name.clone(), e.detail.clone());
        if let Some(&i) = self.index.get(&key) {
            if let Some(existing) = self.entries.get_mut(i) {
                existing.count += 1;
                return;
            }
        }
        if self.entries.len() >= MAX_TRACE {
            self.dropped += 1;
            return;
        }
        self.index.insert(key, self.entries.len());
        self.entries.push(e);
    }
}

/// The evaluation of one call: date, budget and trace.
pub struct Evaluator<'a> {
    rs: &'a Ruleset,
    /// The as-of date.
    pub as_of: Date,
    steps: u64,
    max_steps: u64,
    trace: Option<Trace>,
    depth: u32,
    rule_stack: Vec<usize>,
}

fn arith(e: crate::number::ArithmeticError) -> String {
    e.to_string()
}

impl<'a> Evaluator<'a> {
    /// A new evaluation as of a date.
    pub fn new(rs: &'a Ruleset, as_of: Date, trace: bool) -> Self {
        Evaluator {
            rs,
            as_of,
            steps: 0,
            max_steps: DEFAULT_MAX_STEPS,
            trace: if trace { Some(Trace::default()) } else { None },
            depth: 0,
            rule_stack: Vec::new(),
        }
    }

    /// Sets the step budget.
    pub fn with_max_steps(mut self, n: u64) -> Self {
        self.max_steps = n;
        self
    }

    /// The trace collected so far (empty when tracing is off), and how many
    /// entries did not fit.
    pub fn take_trace(&mut self) -> (Vec<TraceEntry>, u64) {
        match self.trace.take() {
            Some(t) => (t.entries, t.dropped),
            None => (Vec::new(), 0),
        }
    }

    fn current_rule(&self) -> String {
        self.rule_stack
            .last()
            .and_then(|&i| self.rs.rules.get(i))
            .map(|r| r.qualified.clone())
            .unwrap_or_else(|| "scenario".into())
    }

    fn fail(&self, message: impl Into<String>) -> Fault {
        Fault::Failed { rule: self.current_rule(), message: message.into() }
    }

    fn tick(&mut self) -> Result<(), Fault> {
        self.steps += 1;
        if self.steps > self.max_steps {
            Err(Fault::Limit {
                rule: self.current_rule(),
                message: format!("evaluation took more than {} steps", self.max_steps),
            })
        } else {
            Ok(())
        }
    }

    fn record(&mut self, e: TraceEntry) {
        if let Some(t) = &mut self.trace {
            t.push(e);
        }
    }

    /// Records a named value of the rule asked about (a `let` or an output);
    /// nothing is copied when tracing is off.
    fn record_value(&mut self, kind: TraceKind, rule: &Rule, name: &str, v: &Value) {
        if self.trace.is_none() {
            return;
        }
        self.record(TraceEntry {
            kind,
            depth: 0,
            rule: rule.qualified.clone(),
            name: Some(name.to_string()),
            detail: String::new(),
            value: Some(v.clone()),
            cite: None,
            count: 1,
        });
    }

    /// Evaluates a rule on its inputs (one value per declared input, in
    /// order), returning the record of its outputs.
    ///
    /// # Errors
    /// The first fault.
    pub fn call_rule(&mut self, rid: usize, args: Vec<Value>) -> Result<Value, Fault> {
        let rs = self.rs;
        let Some(rule) = rs.rules.get(rid) else {
            return Err(self.fail(format!("no rule with index {rid}")));
        };
        self.rule_stack.push(rid);
        self.depth += 1;
        let r = self.call_rule_inner(rule, args);
        self.depth -= 1;
        self.rule_stack.pop();
        r
    }

    fn call_rule_inner(&mut self, rule: &'a Rule, args: Vec<Value>) -> Result<Value, Fault> {
        let depth = self.depth - 1;
        if self.trace.is_some() {
            let detail = rule
                .inputs
                .iter()
                .zip(args.iter())
                .filter(|(_, v)| !matches!(v, Value::List(_)) || depth == 0)
                .map(|(i, v)| match v {
                    Value::List(items) => format!("{} = list of {}", i.name, items.len()),
                    other => format!("{} = {}", i.name, other),
                })
                .collect::<Vec<_>>()
                .join(", ");
            self.record(TraceEntry {
                kind: TraceKind::Rule,
                depth,
                rule: rule.qualified.clone(),
                name: rule.title.clone(),
                detail,
                value: None,
                cite: Some(rule.cite.clone()),
                count: 1,
            });
        }
        let mut out = IndexMap::with_capacity(rule.outputs.len());
        match &rule.body {
            Body::Table(table) => {
                let values = self.eval_table(rule, table, &args, depth)?;
                for ((name, _), v) in rule.outputs.iter().zip(values) {
                    out.insert(name.clone(), v);
                }
            }
            Body::Formula { lets, outputs } => {
                let mut frame = args;
                for (name, e) in lets {
                    let v = self.eval(e, &mut frame)?;
                    if depth == 0 {
                        self.record_value(TraceKind::Let, rule, name, &v);
                    }
                    frame.push(v);
                }
                for ((name, ty), e) in rule.outputs.iter().zip(outputs) {
                    let v = self.eval(e, &mut frame)?;
                    conform(&v, ty, name).map_err(|p| self.fail(format!("output {}", p.message)))?;
                    frame.push(v.clone());
                    out.insert(name.clone(), v);
                }
            }
        }
        if depth == 0 {
            for (name, v) in &out {
                self.record_value(TraceKind::Output, rule, name, v);
            }
        }
        Ok(Value::record(out))
    }

    fn eval_table(&mut self, rule: &Rule, table: &Table, args: &[Value], depth: u32) -> Result<Vec<Value>, Fault> {
        let mut matched: Vec<usize> = Vec::new();
        for (ri, row) in table.rows.iter().enumerate() {
            self.tick()?;
            let hit = row.conds.iter().all(|(i, c)| args.get(*i).is_some_and(|v| c.matches(v)));
            if hit {
                matched.push(ri);
                if table.hit == HitPolicy::First {
                    break;
                }
            }
        }
        if table.hit == HitPolicy::Unique && matched.len() > 1 {
            let rows: Vec<String> = matched.iter().map(|r| (r + 1).to_string()).collect();
            return Err(self.fail(format!("rows {} all match, but the table's hit policy is unique", rows.join(", "))));
        }
        for &ri in &matched {
            if let Some(row) = table.rows.get(ri) {
                if self.trace.is_some() {
                    let detail = row
                        .conds
                        .iter()
                        .map(|(i, c)| {
                            format!("{} {}", rule.inputs.get(*i).map(|d| d.name.as_str()).unwrap_or("?"), c.describe())
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    self.record(TraceEntry {
                        kind: TraceKind::Row,
                        depth,
                        rule: rule.qualified.clone(),
                        name: Some(format!("row {}", ri + 1)),
                        detail: if detail.is_empty() { "always".into() } else { detail },
                        value: None,
                        cite: row.cite.clone().or_else(|| Some(rule.cite.clone())),
                        count: 1,
                    });
                }
            }
        }
        if table.hit == HitPolicy::Collect {
            let mut cols: Vec<Vec<Value>> = vec![Vec::new(); rule.outputs.len()];
            for &ri in &matched {
                if let Some(row) = table.rows.get(ri) {
                    for (col, v) in cols.iter_mut().zip(row.outputs.iter()) {
                        col.push(v.clone());
                    }
                }
            }
            return Ok(cols.into_iter().map(|c| Value::List(Arc::new(c))).collect());
        }
        match matched.first().and_then(|&ri| table.rows.get(ri)) {
            Some(row) => Ok(row.outputs.clone()),
            None => match &table.default {
                Some(d) => Ok(d.clone()),
                None => {
                    let given = rule
                        .inputs
                        .iter()
                        .zip(args)
                        .map(|(i, v)| format!("{} = {}", i.name, v))
                        .collect::<Vec<_>>()
                        .join(", ");
                    Err(self.fail(format!("no row of the table matches {given}")))
                }
            },
        }
    }

    fn param(&mut self, pid: usize) -> Result<Value, Fault> {
        let rs = self.rs;
        let Some(p) = rs.params.get(pid) else {
            return Err(self.fail(format!("no parameter with index {pid}")));
        };
        let version = p.versions.iter().rev().find(|v| v.from <= self.as_of);
        match version {
            Some(v) => {
                if self.trace.is_some() {
                    let depth = self.depth.saturating_sub(1);
                    self.record(TraceEntry {
                        kind: TraceKind::Param,
                        depth,
                        rule: p.qualified.clone(),
                        name: Some(p.qualified.clone()),
                        detail: format!("version from {}", v.from),
                        value: Some(v.value.clone()),
                        cite: Some(v.cite.clone()),
                        count: 1,
                    });
                }
                Ok(v.value.clone())
            }
            None => Err(self.fail(format!(
                "parameter `{}` has no value as of {}; its first version starts {}",
                p.qualified,
                self.as_of,
                p.versions.first().map(|v| v.from.to_string()).unwrap_or_else(|| "never".into())
            ))),
        }
    }

    /// Evaluates a compiled expression with the given locals.
    ///
    /// # Errors
    /// The first fault.
    pub fn eval(&mut self, e: &CExpr, frame: &mut Vec<Value>) -> Result<Value, Fault> {
        self.tick()?;
        match e {
            CExpr::Const(v) => Ok(v.clone()),
            CExpr::Local(slot) => {
                frame.get(*slot).cloned().ok_or_else(|| self.fail(format!("no local in slot {slot}")))
            }
            CExpr::Param(p) => self.param(*p),
            CExpr::Field(inner, name) => {
                let v = self.eval(inner, frame)?;
                v.field(name).cloned().ok_or_else(|| self.fail(format!("the value has no field `{name}`")))
            }
            CExpr::Neg(inner) => match self.eval(inner, frame)? {
                Value::Number(n) => Ok(Value::Number(n.neg())),
                other => Err(self.fail(format!("cannot negate {}", other.kind()))),
            },
            CExpr::Not(inner) => match self.eval(inner, frame)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(self.fail(format!("`not` of {}", other.kind()))),
            },
            CExpr::And(a, b) => {
                if self.eval_bool(a, frame)? {
                    Ok(Value::Bool(self.eval_bool(b, frame)?))
                } else {
                    Ok(Value::Bool(false))
                }
            }
            CExpr::Or(a, b) => {
                if self.eval_bool(a, frame)? {
                    Ok(Value::Bool(true))
                } else {
                    Ok(Value::Bool(self.eval_bool(b, frame)?))
                }
            }
            CExpr::If(c, a, b) => {
                if self.eval_bool(c, frame)? {
                    self.eval(a, frame)
                } else {
                    self.eval(b, frame)
                }
            }
            CExpr::Binary(op, a, b) => {
                let va = self.eval(a, frame)?;
                let vb = self.eval(b, frame)?;
                self.binary(*op, va, vb)
            }
            CExpr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, frame)?);
                }
                Ok(Value::List(Arc::new(out)))
            }
            CExpr::Record(fields) => {
                let mut out = IndexMap::with_capacity(fields.len());
                for (n, fe) in fields {
                    out.insert(n.to_string(), self.eval(fe, frame)?);
                }
                Ok(Value::record(out))
            }
            CExpr::CallRule { rule, args, check } => {
                let rs = self.rs;
                let Some(target) = rs.rules.get(*rule) else {
                    return Err(self.fail(format!("no rule with index {rule}")));
                };
                let mut values = Vec::with_capacity(args.len());
                for ((a, input), needs_check) in args.iter().zip(&target.inputs).zip(check) {
                    let v = match a {
                        Some(a) => self.eval(a, frame)?,
                        None => input
                            .default
                            .clone()
                            .ok_or_else(|| self.fail(format!("input `{}` has no default", input.name)))?,
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
                self.call_rule(*rule, values)
            }
            CExpr::Builtin(b, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a, frame)?);
                }
                self.builtin(*b, vals)
            }
            CExpr::Aggregate { kind, slot, list, filter, body } => {
                let items = match self.eval(list, frame)? {
                    Value::List(items) => items,
                    other => return Err(self.fail(format!("`{}` over {}, not a list", kind.name(), other.kind()))),
                };
                frame.truncate(*slot);
                let mut acc: Option<Value> = None;
                let mut count: i64 = 0;
                let mut collected = Vec::new();
                let mut result: Option<bool> = None;
                for item in items.iter() {
                    frame.truncate(*slot);
                    frame.push(item.clone());
                    if let Some(f) = filter {
                        if !self.eval_bool(f, frame)? {
                            continue;
                        }
                    }
                    count += 1;
                    let Some(body) = body else { continue };
                    let v = self.eval(body, frame)?;
                    match kind {
                        AggKind::Sum => {
                            acc = Some(match acc {
                                None => v,
                                Some(a) => self.binary(BinOp::Add, a, v)?,
                            })
                        }
                        AggKind::Min | AggKind::Max => {
                            acc = Some(match acc {
                                None => v,
                                Some(a) => {
                                    let keep_a = if *kind == AggKind::Min { a <= v } else { a >= v };
                                    if keep_a {
                                        a
                                    } else {
                                        v
                                    }
                                }
                            })
                        }
                        AggKind::Any | AggKind::All => {
                            let b = matches!(v, Value::Bool(true));
                            if *kind == AggKind::Any && b {
                                result = Some(true);
                                break;
                            }
                            if *kind == AggKind::All && !b {
                                result = Some(false);
                                break;
                            }
                        }
                        AggKind::List => collected.push(v),
                        AggKind::Count => {}
                    }
                }
                frame.truncate(*slot);
                match kind {
                    AggKind::Count => Ok(Value::int(count)),
                    AggKind::Sum => Ok(acc.unwrap_or(Value::Number(Number::zero()))),
                    AggKind::Min | AggKind::Max => {
                        acc.ok_or_else(|| self.fail(format!("`{}` over an empty list has no value", kind.name())))
                    }
                    AggKind::Any => Ok(Value::Bool(result.unwrap_or(false))),
                    AggKind::All => Ok(Value::Bool(result.unwrap_or(true))),
                    AggKind::List => Ok(Value::List(Arc::new(collected))),
                }
            }
        }
    }

    fn eval_bool(&mut self, e: &CExpr, frame: &mut Vec<Value>) -> Result<bool, Fault> {
        match self.eval(e, frame)? {
            Value::Bool(b) => Ok(b),
            other => Err(self.fail(format!("expected true or false, found {}", other.kind()))),
        }
    }

    fn binary(&mut self, op: BinOp, a: Value, b: Value) -> Result<Value, Fault> {
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let (Value::Number(x), Value::Number(y)) = (&a, &b) else {
                    return Err(self.fail(format!("`{}` of {} and {}", op.symbol(), a.kind(), b.kind())));
                };
                let r = match op {
                    BinOp::Add => x.add(y),
                    BinOp::Sub => x.sub(y),
                    BinOp::Mul => x.mul(y),
                    _ => x.div(y),
                };
                r.map(Value::Number).map_err(|e| self.fail(format!("{} in `{x} {} {y}`", arith(e), op.symbol())))
            }
            BinOp::Eq => Ok(Value::Bool(a == b)),
            BinOp::Ne => Ok(Value::Bool(a != b)),
            BinOp::Lt => Ok(Value::Bool(a < b)),
            BinOp::Le => Ok(Value::Bool(a <= b)),
            BinOp::Gt => Ok(Value::Bool(a > b)),
            BinOp::Ge => Ok(Value::Bool(a >= b)),
            BinOp::In => match b {
                Value::List(items) => Ok(Value::Bool(items.contains(&a))),
                other => Err(self.fail(format!("`in` needs a list, found {}", other.kind()))),
            },
            BinOp::And | BinOp::Or => Err(self.fail("logical operator outside its short-circuit form")),
        }
    }

    /// The list `item(0) … item(span)` that `dates` and `range` produce,
    /// bounded in length and counted against the step budget.
    fn generated_list(
        &mut self,
        function: &str,
        unit: &str,
        span: i64,
        mut item: impl FnMut(i64) -> Result<Value, String>,
    ) -> Result<Value, Fault> {
        if span > MAX_GENERATED {
            return Err(self.fail(format!(
                "`{function}` would list {} {unit}, more than the limit {}",
                span.saturating_add(1),
                MAX_GENERATED + 1
            )));
        }
        let mut out = Vec::with_capacity(usize::try_from(span.max(-1) + 1).unwrap_or(0));
        for k in 0..=span {
            self.tick()?;
            out.push(item(k).map_err(|e| self.fail(e))?);
        }
        Ok(Value::List(Arc::new(out)))
    }

    fn builtin(&mut self, b: Builtin, args: Vec<Value>) -> Result<Value, Fault> {
        let num = |v: Option<&Value>| match v {
            Some(Value::Number(n)) => Some(n.clone()),
            _ => None,
        };
        let date = |v: Option<&Value>| match v {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        };
        let int = |v: Option<&Value>| match v {
            Some(Value::Number(n)) => n.to_i64(),
            _ => None,
        };
        let bad = |s: &Self| s.fail("a built-in function received a value of the wrong kind");
        match b {
            Builtin::Min | Builtin::Max => {
                let items: Vec<Value> = match args.as_slice() {
                    [Value::List(items)] => items.to_vec(),
                    _ => args,
                };
                let best = if b == Builtin::Min { items.into_iter().min() } else { items.into_iter().max() };
                best.ok_or_else(|| self.fail("`min`/`max` of an empty list has no value"))
            }
            Builtin::SumList => match args.first() {
                Some(Value::List(items)) => {
                    let mut acc = Number::zero();
                    for v in items.iter() {
                        let Value::Number(n) = v else { return Err(bad(self)) };
                        acc = acc.add(n).map_err(|e| self.fail(arith(e)))?;
                    }
                    Ok(Value::Number(acc))
                }
                _ => Err(bad(self)),
            },
            Builtin::CountList => match args.first() {
                Some(Value::List(items)) => Ok(Value::int(items.len() as i64)),
                _ => Err(bad(self)),
            },
            Builtin::Abs => num(args.first()).map(|n| Value::Number(n.abs())).ok_or_else(|| bad(self)),
            Builtin::Round(mode) => {
                let x = num(args.first()).ok_or_else(|| bad(self))?;
                let places = if args.len() > 1 { int(args.get(1)).ok_or_else(|| bad(self))? } else { 0 };
                x.round(places, mode).map(Value::Number).map_err(|e| self.fail(arith(e)))
            }
            Builtin::DaysBetween => {
                let (Some(a), Some(b2)) = (date(args.first()), date(args.get(1))) else { return Err(bad(self)) };
                Ok(Value::int(a.days_until(b2)))
            }
            Builtin::AddDays | Builtin::AddMonths | Builtin::AddYears => {
                let (Some(d), Some(n)) = (date(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                let r = match b {
                    Builtin::AddDays => d.add_days(n),
                    Builtin::AddMonths => d.add_months(n),
                    _ => d.add_years(n),
                };
                r.map(Value::Date).map_err(|m| self.fail(m))
            }
            Builtin::Year | Builtin::Month | Builtin::Day | Builtin::Weekday => {
                let d = date(args.first()).ok_or_else(|| bad(self))?;
                Ok(Value::int(match b {
                    Builtin::Year => d.year(),
                    Builtin::Month => i64::from(d.month()),
                    Builtin::Day => i64::from(d.day()),
                    _ => i64::from(d.weekday()),
                }))
            }
            Builtin::MakeDate => {
                let (Some(y), Some(m), Some(d)) = (int(args.first()), int(args.get(1)), int(args.get(2))) else {
                    return Err(bad(self));
                };
                let (m, d) = (u32::try_from(m).unwrap_or(0), u32::try_from(d).unwrap_or(0));
                Date::from_ymd(y, m, d).map(Value::Date).map_err(|e| self.fail(e))
            }
            Builtin::Dates => {
                let (Some(a), Some(z)) = (date(args.first()), date(args.get(1))) else { return Err(bad(self)) };
                self.generated_list("dates", "days", a.days_until(z), |k| a.add_days(k).map(Value::Date))
            }
            Builtin::Pow => {
                let (Some(x), Some(n)) = (num(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                if n.abs() > 1_000 {
                    return Err(self.fail(format!("`pow` exponent {n} is beyond the limit 1000")));
                }
                let mut acc = Number::from_int(1);
                for _ in 0..n.abs() {
                    self.tick()?;
                    acc = acc.mul(&x).map_err(|e| self.fail(arith(e)))?;
                }
                if n < 0 {
                    acc = Number::from_int(1).div(&acc).map_err(|e| self.fail(arith(e)))?;
                }
                Ok(Value::Number(acc))
            }
            Builtin::MinutesBetween | Builtin::HoursBetween => {
                let (Some(Value::DateTime(a)), Some(Value::DateTime(z))) = (args.first(), args.get(1)) else {
                    return Err(bad(self));
                };
                let secs = a.seconds_until(*z);
                if b == Builtin::MinutesBetween {
                    Ok(Value::int(secs.div_euclid(60)))
                } else {
                    Number::ratio(i128::from(secs), 3600).map(Value::Number).map_err(|e| self.fail(arith(e)))
                }
            }
            Builtin::AddMinutes => {
                let (Some(Value::DateTime(t)), Some(n)) = (args.first(), int(args.get(1))) else {
                    return Err(bad(self));
                };
                t.add_minutes(n).map(Value::DateTime).map_err(|e| self.fail(e))
            }
            Builtin::DateOf => match args.first() {
                Some(Value::DateTime(t)) => Ok(Value::Date(t.date())),
                _ => Err(bad(self)),
            },
            Builtin::MakeDateTime => {
                let (Some(d), Some(h), Some(m)) = (date(args.first()), int(args.get(1)), int(args.get(2))) else {
                    return Err(bad(self));
                };
                let (h, m) = (u32::try_from(h).unwrap_or(99), u32::try_from(m).unwrap_or(99));
                crate::date::DateTime::from_parts(d, h, m).map(Value::DateTime).map_err(|e| self.fail(e))
            }
            Builtin::Range => {
                let (Some(a), Some(z)) = (int(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                self.generated_list("range", "numbers", z.saturating_sub(a), |k| Ok(Value::int(a + k)))
            }
            Builtin::Contains => match (args.first(), args.get(1)) {
                (Some(Value::Text(t)), Some(Value::Text(p))) => Ok(Value::Bool(t.contains(&**p))),
                _ => Err(bad(self)),
            },
            Builtin::Length => match args.first() {
                Some(Value::Text(t)) => Ok(Value::int(t.chars().count() as i64)),
                _ => Err(bad(self)),
            },
            Builtin::AsOf => Ok(Value::Date(self.as_of)),
            Builtin::Concat => {
                let mut out = Vec::new();
                for a in &args {
                    let Value::List(items) = a else { return Err(bad(self)) };
                    if out.len() + items.len() > crate::value::MAX_LIST_LEN {
                        return Err(self.fail("`concat` would make a list longer than the limit"));
                    }
                    out.extend(items.iter().cloned());
                }
                Ok(Value::List(Arc::new(out)))
            }
            Builtin::LastDayOfMonth => {
                let d = date(args.first()).ok_or_else(|| bad(self))?;
                let (y, m, _) = d.ymd();
                Date::from_ymd(y, m, crate::date::days_in_month(y, m)).map(Value::Date).map_err(|e| self.fail(e))
            }
        }
    }
}
