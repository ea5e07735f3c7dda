//! Evaluation: running compiled rules against values, as of a date, within
//! budgets of steps, number size, memory and nesting, with an optional trace
//! of what ran and why.
//!
//! This is the evaluator every client uses. [`crate::run::reference`] holds a
//! plain interpreter of the same semantics that the tests hold it equal to.
//!
//! What each budget bounds:
//! - **steps** ([`Budget::max_steps`]): work, in proportion to what is
//!   touched — one step per expression node, plus one per element a list
//!   operation (`in`, `==`, `concat`, `min`, `max`, `sum`, `count`, a
//!   comprehension) reads or writes, one per character a text operation
//!   reads, one per table row tried, one per multiplication of `pow`; work
//!   saved is not counted (a filter of field comparisons tested on the
//!   element in place, a kept rule call: one step each);
//! - **number size** ([`Budget::max_digits`]): the digits of the numerator and
//!   denominator of every number computed, checked after each operation, so
//!   the time one operation can take is bounded too;
//! - **memory** ([`Budget::max_bytes`]): bytes of the lists, records and big
//!   numbers the evaluation creates (its inputs are not counted);
//! - **nesting** ([`MAX_NESTING`]): expression nodes and rule calls open at
//!   once, which bounds the stack the evaluator uses; when the thread's own
//!   stack runs low, evaluation goes on in stack segments on the heap
//!   (`stacker`, as rustc does for deep recursion), so no accepted input can
//!   overflow a host thread's stack, however small.

use crate::lang::expr::compile::{CExpr, Loc};
use crate::lang::expr::syntax::{AggKind, BinOp};
use crate::ruleset::{Aggregate, Body, Citation, HitPolicy, Rule, Ruleset, Table};
use crate::values::date::Date;
use crate::values::number::{bits_to_digits, digits_to_bits, ArithmeticError, Number};
use crate::values::value::{conform, FieldNames, Record, Value};
use std::sync::Arc;

mod trace;
pub use trace::*;

mod budget;
pub use budget::*;

mod lists;

mod tables;

/// The default budget of evaluation steps for one call, before the
/// allowance for the size of its inputs ([`STEPS_PER_INPUT_ITEM`]).
pub const DEFAULT_MAX_STEPS: u64 = 20_000_000;
/// Steps the default budget adds for every value in the inputs (each element
/// of a list, each field of a record), so that the default lets a roster of
/// a million rows through while still bounding time by the size of the input.
pub const STEPS_PER_INPUT_ITEM: u64 = 2_000;
/// The default memory budget: bytes of values one evaluation may create.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;
/// The most expression nodes and rule calls open at once. Every shape of
/// formula the parser accepts stays well inside it (chains are flat), so it
/// is reached only through long chains of rules calling rules; with it the
/// evaluator needs at most a few hundred KiB of stack.
pub const MAX_NESTING: u32 = 400;
/// When less stack than this is left, evaluation continues on a new stack
/// segment of [`STACK_SEGMENT`] bytes (`stacker`), so a host thread with a
/// small stack is safe whatever the build's frame sizes.
pub const STACK_RED_ZONE: usize = 128 * 1024;
/// The size of each stack segment evaluation adds when it runs low.
pub const STACK_SEGMENT: usize = 1024 * 1024;
/// One less than the longest list `dates(a, b)` or `range(a, b)` may produce.
pub const MAX_GENERATED: i64 = 100_000;
/// The largest exponent `pow` takes; the size budget stops most powers far
/// sooner.
pub const MAX_POW_EXPONENT: u64 = 1_000_000;

/// What evaluation returns inside this module: the fault is boxed, so that
/// a result is no larger than a value.
pub(in crate::run) type Res<T> = Result<T, Box<Fault>>;

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_steps: DEFAULT_MAX_STEPS,
            max_digits: crate::values::number::DEFAULT_MAX_DIGITS,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

pub(in crate::run) const VALUE_BYTES: u64 = std::mem::size_of::<Value>() as u64;

/// The evaluation of one call: date, budgets and trace.
pub struct Evaluator<'a> {
    pub(in crate::run) rs: &'a Ruleset,
    /// The as-of date.
    pub as_of: Date,
    steps: u64,
    max_steps: u64,
    bytes: u64,
    max_bytes: u64,
    pub(in crate::run) max_bits: u64,
    pub(in crate::run) max_digits: u64,
    nesting: u32,
    trace: Option<Trace>,
    depth: u32,
    /// The rule being evaluated (the innermost call).
    current: Option<usize>,
    /// Per formula rule call open, the values of its fused passes: per
    /// pass, per member, the value or error once computed.
    fused: Vec<Vec<Option<PassValues>>>,
    /// Rule calls made so far.
    calls: u32,
    /// The outputs of rule calls on scalar arguments, made once this
    /// evaluation has made many calls (a rule called for every row of a
    /// roster, on a class or a sector): rules are pure, so the same rule on
    /// the same arguments, as of the same date, gives the same outputs.
    /// Off while tracing, so that the trace shows every step it took.
    call_cache: Option<CallCache>,
    /// The host's flag to stop, and the step count at which it is next
    /// looked at.
    cancel: Option<Cancel>,
    /// The step count past which `tick_n` takes its slow path: the budget,
    /// or sooner, the next look at the cancellation flag.
    checkpoint: u64,
}

/// Calls by rule and arguments, and their outputs. Keyed by a keyed hash
/// (the arguments come from inputs), and bounded in size.
type CallCache = std::collections::HashMap<(usize, Vec<Value>), Vec<Value>>;

/// How many rule calls an evaluation makes before it starts keeping their
/// outputs, so that a single decision pays nothing for the cache.
const CACHE_AFTER_CALLS: u32 = 16;

/// The most calls kept.
const CACHE_ENTRIES: usize = 1024;

/// Whether a value may be part of a cached call's key: no list or record,
/// whose hashing would cost about what the call does.
fn scalar(v: &Value) -> bool {
    !matches!(v, Value::List(_) | Value::Record(_))
}

/// The field `name` of a record value, looked for first at position `hint`.
fn field_at<'v>(v: &'v Value, name: &str, hint: usize) -> Option<&'v Value> {
    match v {
        Value::Record(r) => match r.get_index(hint) {
            Some((k, fv)) if k == name => Some(fv),
            _ => r.get(name),
        },
        _ => None,
    }
}

/// The values of the members of one fused pass: each computed one holds its
/// value or its error.
type PassValues = Vec<Option<Res<Value>>>;

/// The running state of one aggregate over a list.
struct Acc {
    kind: AggKind,
    sum: Number,
    best: Option<Value>,
    count: i64,
    collected: Vec<Value>,
    /// `sort_by`: each element taken with its key.
    keyed: Vec<(Value, Value)>,
    decided: Option<bool>,
}

impl Acc {
    fn new(kind: AggKind) -> Acc {
        Acc { kind, sum: Number::zero(), best: None, count: 0, collected: Vec::new(), keyed: Vec::new(), decided: None }
    }

    /// Whether more elements can change the result (`any` and `all` stop
    /// once decided).
    fn open(&self) -> bool {
        self.decided.is_none()
    }

    /// The value once every element has been taken.
    fn finish(self, ev: &Evaluator) -> Res<Value> {
        match self.kind {
            AggKind::Count => Ok(Value::int(self.count)),
            AggKind::Sum => Ok(Value::Number(self.sum)),
            AggKind::Min | AggKind::Max => {
                self.best.ok_or_else(|| ev.fail(format!("`{}` over an empty list has no value", self.kind.name())))
            }
            AggKind::Any => Ok(Value::Bool(self.decided.unwrap_or(false))),
            AggKind::All => Ok(Value::Bool(self.decided.unwrap_or(true))),
            AggKind::List => Ok(Value::List(Arc::new(self.collected))),
            AggKind::SortBy => {
                let mut keyed = self.keyed;
                // stable: equal keys keep the list's order
                keyed.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(Value::List(Arc::new(keyed.into_iter().map(|(_, item)| item).collect())))
            }
            AggKind::Fold | AggKind::Scan => Err(ev.fail(format!("`{}` without its running value", self.kind.name()))),
        }
    }
}

pub(in crate::run) fn arith_message(e: ArithmeticError) -> String {
    e.to_string()
}

impl<'a> Evaluator<'a> {
    /// A new evaluation as of a date, with the default budgets.
    pub fn new(rs: &'a Ruleset, as_of: Date, trace: bool) -> Self {
        let b = Budget::default();
        Evaluator {
            rs,
            as_of,
            steps: 0,
            max_steps: b.max_steps,
            bytes: 0,
            max_bytes: b.max_bytes,
            max_bits: digits_to_bits(b.max_digits),
            max_digits: b.max_digits,
            nesting: 0,
            trace: if trace { Some(Trace::with_room()) } else { None },
            depth: 0,
            current: None,
            fused: Vec::new(),
            calls: 0,
            call_cache: None,
            cancel: None,
            checkpoint: b.max_steps,
        }
    }

    /// Stops when `cancel` is raised (looked at every few thousand steps,
    /// and at the first).
    pub fn with_cancel(mut self, cancel: Option<Cancel>) -> Self {
        self.cancel = cancel;
        self.checkpoint = if self.cancel.is_some() { 0 } else { self.max_steps };
        self
    }

    /// Sets the step budget.
    pub fn with_max_steps(mut self, n: u64) -> Self {
        self.max_steps = n;
        self.checkpoint = if self.cancel.is_some() { self.checkpoint.min(n) } else { n };
        self
    }

    /// Sets every budget.
    pub fn with_budget(mut self, b: Budget) -> Self {
        self.max_steps = b.max_steps;
        self.checkpoint = if self.cancel.is_some() { self.checkpoint.min(b.max_steps) } else { b.max_steps };
        self.max_bytes = b.max_bytes;
        self.max_digits = b.max_digits;
        self.max_bits = digits_to_bits(b.max_digits);
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
        self.current
            .and_then(|i| self.rs.rules.get(i))
            .map(|r| r.qualified.clone())
            .unwrap_or_else(|| "scenario".into())
    }

    /// ` at file:line:col` for a position in the current rule's pack, empty
    /// when the position is not known.
    fn at(&self, at: Loc) -> String {
        if at.line == 0 {
            return String::new();
        }
        let reform = usize::from(at.file).checked_sub(1).and_then(|k| self.rs.reforms.get(k)).map(String::as_str);
        let file = reform.or_else(|| {
            self.current
                .and_then(|i| self.rs.rules.get(i))
                .and_then(|r| self.rs.packs.get(r.pack))
                .map(|p| p.file.as_str())
        });
        match file {
            Some(f) => format!(" at {f}:{}:{}", at.line, at.column),
            None => format!(" at line {}, column {}", at.line, at.column),
        }
    }

    pub(in crate::run) fn fail(&self, message: impl Into<String>) -> Box<Fault> {
        Box::new(Fault::Failed { rule: self.current_rule(), message: message.into() })
    }

    /// A built-in function's failure, located at its call: `… at
    /// t.yaml:10:15` is added to the message, unless a helper shared with
    /// the operators (`arith_fault`, `sized`) has placed it already.
    fn located(&self, mut fault: Box<Fault>, at: Loc) -> Box<Fault> {
        if let Fault::Failed { message, .. } | Fault::Limit { message, .. } = fault.as_mut() {
            let place = self.at(at);
            if !message.ends_with(&place) {
                message.push_str(&place);
            }
        }
        fault
    }

    pub(in crate::run) fn limit(&self, message: impl Into<String>) -> Box<Fault> {
        Box::new(Fault::Limit { rule: self.current_rule(), message: message.into() })
    }

    /// Counts `n` steps of work.
    pub(in crate::run) fn tick_n(&mut self, n: u64) -> Res<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.checkpoint {
            self.checkpoint_reached()
        } else {
            Ok(())
        }
    }

    /// The slow path of [`Self::tick_n`]: past the budget, or time to look
    /// at the cancellation flag.
    #[cold]
    fn checkpoint_reached(&mut self) -> Res<()> {
        if self.steps > self.max_steps {
            return Err(self.limit(format!("evaluation took more than {} steps", self.max_steps)));
        }
        if let Some(c) = &self.cancel {
            if c.is_cancelled() {
                return Err(self.limit("the evaluation was stopped: its request timed out or its caller went away"));
            }
            self.checkpoint = self.steps.saturating_add(CANCEL_CHECK_EVERY).min(self.max_steps);
        } else {
            self.checkpoint = self.max_steps;
        }
        Ok(())
    }

    /// Whether a trace is being kept.
    pub(in crate::run) fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    pub(in crate::run) fn tick(&mut self) -> Res<()> {
        self.tick_n(1)
    }

    /// The steps left before the budget is spent.
    fn steps_left(&self) -> u64 {
        self.max_steps.saturating_sub(self.steps)
    }

    /// The weight of `v` (see [`weight`]) within the steps left: more than
    /// the steps left when it is heavier, so that charging it fails.
    pub(in crate::run) fn weigh(&self, v: &Value) -> u64 {
        match v {
            Value::List(_) | Value::Record(_) => weight_within(v, self.steps_left()),
            _ => 1,
        }
    }

    /// Counts the steps of reading `v` whole (comparing, hashing or writing
    /// it out): its weight, bounded by the budget while it is measured.
    pub(in crate::run) fn tick_weight(&mut self, v: &Value) -> Res<()> {
        let w = self.weigh(v);
        self.tick_n(w)
    }

    /// Counts `n` bytes of values created.
    pub(in crate::run) fn alloc(&mut self, n: u64) -> Res<()> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.max_bytes {
            Err(self.limit(format!("evaluation would create more than {} bytes of values", self.max_bytes)))
        } else {
            Ok(())
        }
    }

    /// Checks a computed number against the size budget and counts its
    /// memory.
    pub(in crate::run) fn sized(&mut self, n: Number, what: &str, at: Loc) -> Res<Number> {
        let bits = n.bits();
        if bits > self.max_bits {
            return Err(self.limit(format!(
                "`{what}` would make a number of about {} digits, more than the limit of {} digits{}",
                bits_to_digits(bits),
                self.max_digits,
                self.at(at)
            )));
        }
        if bits > 64 {
            self.alloc(n.heap_bytes())?;
        }
        Ok(n)
    }

    pub(in crate::run) fn arith_fault(&self, e: ArithmeticError, what: String, at: Loc) -> Box<Fault> {
        match e {
            ArithmeticError::TooLarge { .. } => self.limit(format!("{what}: {e}{}", self.at(at))),
            _ => self.fail(format!("{e} in {what}{}", self.at(at))),
        }
    }

    fn record(&mut self, e: TraceEntry) {
        if let Some(t) = &mut self.trace {
            t.push(e);
        }
    }

    /// Records a named value of the rule asked about (a `let` or an output);
    /// nothing is copied when tracing is off.
    /// Writing the trace out reads the value whole, so it is charged.
    fn record_value(&mut self, kind: TraceKind, rule: &Rule, name: &str, v: &Value) -> Res<()> {
        if self.trace.is_none() {
            return Ok(());
        }
        self.tick_weight(v)?;
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
        Ok(())
    }

    /// Evaluates a rule on its inputs (one value per declared input, in
    /// order), returning the record of its outputs.
    ///
    /// # Errors
    /// The first fault.
    pub fn call_rule(&mut self, rid: usize, args: Vec<Value>) -> Result<Value, Fault> {
        self.call_rule_record(rid, args).map_err(|f| *f)
    }

    fn call_rule_record(&mut self, rid: usize, args: Vec<Value>) -> Res<Value> {
        let values = self.run_rule(rid, args)?;
        self.call_result(rid, values, None)
    }

    /// Evaluates a rule and returns its outputs in declaration order.
    ///
    /// # Errors
    /// The first fault.
    pub fn rule_outputs(&mut self, rid: usize, args: Vec<Value>) -> Result<Vec<Value>, Fault> {
        let outputs = self.run_rule(rid, args).map_err(|f| *f)?;
        // the decision is written out whole (JSON, Arrow, the trace): an
        // output that shares one list many times costs what its copy would,
        // so writing it is charged here, where the budget can refuse it
        let caller = self.current.replace(rid);
        let charged = outputs.iter().try_for_each(|v| self.tick_weight(v));
        self.current = caller;
        charged.map_err(|f| *f)?;
        Ok(outputs)
    }

    /// Evaluates a rule and returns its output number `i` alone: what
    /// `rule(…).field` reads, without the record of every output.
    fn output_of(&mut self, rid: usize, args: Vec<Value>, i: usize) -> Res<Value> {
        let values = self.run_rule(rid, args)?;
        self.call_result(rid, values, Some(i))
    }

    /// The outputs of a rule, in declaration order.
    fn run_rule(&mut self, rid: usize, args: Vec<Value>) -> Res<Vec<Value>> {
        let rs = self.rs;
        let Some(rule) = rs.rules.get(rid) else {
            return Err(self.fail(format!("no rule with index {rid}")));
        };
        let caller = self.current.replace(rid);
        self.depth += 1;
        let r = self.call_rule_inner(rule, args);
        self.depth -= 1;
        self.current = caller;
        r
    }

    fn call_rule_inner(&mut self, rule: &'a Rule, args: Vec<Value>) -> Res<Vec<Value>> {
        let depth = self.depth - 1;
        if self.trace.is_some() {
            use std::fmt::Write;
            let mut detail = String::new();
            for (i, v) in rule.inputs.iter().zip(args.iter()) {
                if matches!(v, Value::List(_)) && depth != 0 {
                    continue;
                }
                if !detail.is_empty() {
                    detail.push_str(", ");
                }
                let _ = match v {
                    Value::List(items) => write!(detail, "{} = list of {}", i.name, items.len()),
                    other => write!(detail, "{} = {}", i.name, other),
                };
            }
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
        // inputs left out whose default is a parameter: its value as of the date
        let mut args = args;
        for (k, input) in rule.inputs.iter().enumerate() {
            if let (Some(p), Some(Value::Absent)) = (input.default_param, args.get(k)) {
                let v = self.param(p)?;
                if let Some(slot) = args.get_mut(k) {
                    *slot = v;
                }
            }
        }
        for c in &rule.constraints {
            let mut frame = args.clone();
            if !self.eval_bool(&c.expr, &mut frame)? {
                return Err(self.fail(c.broken(&rule.inputs, &args)));
            }
        }
        let (body, version) = rule.body.in_force(self.as_of).map_err(|m| self.fail(m))?;
        if let (Some(v), true) = (version, self.trace.is_some()) {
            self.record(TraceEntry {
                kind: TraceKind::Rule,
                depth,
                rule: rule.qualified.clone(),
                name: rule.title.clone(),
                detail: v.describe(),
                value: None,
                cite: Some(v.cite.clone()),
                count: 1,
            });
        }
        let out = match body {
            Body::Versions(_) => return Err(self.fail("a version of a rule has versions of its own")),
            Body::Table(table) => self.eval_table(rule, table, &args, depth)?,
            Body::Formula { lets, outputs, passes, .. } => {
                if !passes.is_empty() {
                    self.fused.push(vec![None; passes.len()]);
                }
                let r = self.run_formula(rule, lets, outputs, args, depth);
                if !passes.is_empty() {
                    self.fused.pop();
                }
                r?
            }
        };
        if depth == 0 && self.trace.is_some() {
            for ((name, _), v) in rule.outputs.iter().zip(&out) {
                self.record_value(TraceKind::Output, rule, name, v)?;
            }
        }
        Ok(out)
    }

    fn run_formula(
        &mut self,
        rule: &'a Rule,
        lets: &[(String, CExpr)],
        outputs: &[CExpr],
        args: Vec<Value>,
        depth: u32,
    ) -> Res<Vec<Value>> {
        let mut out = Vec::with_capacity(outputs.len());
        let mut frame = args;
        frame.reserve(lets.len() + outputs.len());
        for (name, e) in lets {
            let v = self.eval_expr(e, &mut frame)?;
            if depth == 0 {
                self.record_value(TraceKind::Let, rule, name, &v)?;
            }
            frame.push(v);
        }
        for (k, ((name, ty), e)) in rule.outputs.iter().zip(outputs).enumerate() {
            let mut v = self.eval_expr(e, &mut frame)?;
            if !rule.rounding.is_empty() {
                rule.settle(k, &mut v).map_err(|x| self.fail(format!("output `{name}`: {x}")))?;
            }
            conform(&v, ty, name).map_err(|p| self.fail(format!("output {}", p.message)))?;
            frame.push(v.clone());
            out.push(v);
        }
        Ok(out)
    }

    /// Whether a row's `if:` holds (true for a row without one).
    fn row_guard(&mut self, row: &crate::ruleset::Row, args: &[Value]) -> Res<bool> {
        match &row.guard {
            None => Ok(true),
            Some((e, _)) => {
                let mut frame = args.to_vec();
                self.eval_bool(e, &mut frame)
            }
        }
    }

    pub(in crate::run) fn calendar(&self, c: usize) -> Res<&'a crate::ruleset::Calendar> {
        let rs: &'a Ruleset = self.rs;
        rs.calendars.get(c).ok_or_else(|| self.fail(format!("no working-day calendar with index {c}")))
    }

    fn param(&mut self, pid: usize) -> Res<Value> {
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
        self.eval_expr(e, frame).map_err(|f| *f)
    }

    /// [`Evaluator::eval`], with the fault boxed so that results stay small
    /// on the hot path.
    fn eval_expr(&mut self, e: &CExpr, frame: &mut Vec<Value>) -> Res<Value> {
        self.tick()?;
        // leaves open no nesting: read them here, without a frame of their own
        match e {
            CExpr::Const(v) => return Ok(v.clone()),
            CExpr::Local(slot) => {
                if let Some(v) = frame.get(*slot) {
                    return Ok(v.clone());
                }
            }
            CExpr::Field(inner, name, hint) => {
                if let CExpr::Local(slot) = **inner {
                    if let Some(v) = frame.get(slot).and_then(|r| field_at(r, name, *hint)) {
                        return Ok(v.clone());
                    }
                }
            }
            _ => {}
        }
        if self.nesting >= MAX_NESTING {
            return Err(self.limit(format!("evaluation nests more than {MAX_NESTING} expressions and rule calls deep")));
        }
        self.nesting += 1;
        // the stack is looked at every fourth level: the red zone holds four
        // levels of the largest frames with room to spare
        let r = if self.nesting % 4 == 0 {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.eval_node(e, frame))
        } else {
            self.eval_node(e, frame)
        };
        self.nesting -= 1;
        r
    }

    fn eval_node(&mut self, e: &CExpr, frame: &mut Vec<Value>) -> Res<Value> {
        match e {
            CExpr::Const(v) => Ok(v.clone()),
            CExpr::Local(slot) => {
                frame.get(*slot).cloned().ok_or_else(|| self.fail(format!("no local in slot {slot}")))
            }
            CExpr::Param(p) => self.param(*p),
            CExpr::Field(inner, name, hint) => {
                // a field of a local is read in place, without copying the record
                if let CExpr::Local(slot) = **inner {
                    if let Some(v) = frame.get(slot) {
                        return field_at(v, name, *hint)
                            .cloned()
                            .ok_or_else(|| self.fail(format!("the value has no field `{name}`")));
                    }
                }
                let v = self.eval_expr(inner, frame)?;
                field_at(&v, name, *hint).cloned().ok_or_else(|| self.fail(format!("the value has no field `{name}`")))
            }
            CExpr::Neg(inner) => match self.eval_expr(inner, frame)? {
                Value::Number(n) => Ok(Value::Number(n.neg())),
                other => Err(self.fail(format!("cannot negate {}", other.kind()))),
            },
            // over values that may be absent, Kleene's logic: `not` of no
            // value is none; `and` is false once an operand is false, else
            // none when one has none; `or` the same with true
            CExpr::Not(inner) => match self.eval_expr(inner, frame)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                Value::Absent => Ok(Value::Absent),
                other => Err(self.fail(format!("`not` of {}", other.kind()))),
            },
            CExpr::And(items) => self.kleene(items, false, frame),
            CExpr::Or(items) => self.kleene(items, true, frame),
            CExpr::If(c, a, b) => {
                if self.eval_bool(c, frame)? {
                    self.eval_expr(a, frame)
                } else {
                    self.eval_expr(b, frame)
                }
            }
            CExpr::Arith(first, rest) => self.eval_arith(first, rest, frame),
            CExpr::Binary(op, a, b) => {
                // a comparison with a constant reads the constant in place
                if let (BinOp::Eq | BinOp::Ne, CExpr::Const(c)) = (op, &**b) {
                    if !matches!(c, Value::List(_) | Value::Record(_)) {
                        let va = self.eval_expr(a, frame)?;
                        return Ok(Value::Bool((va == *c) == (*op == BinOp::Eq)));
                    }
                }
                let va = self.eval_expr(a, frame)?;
                let vb = self.eval_expr(b, frame)?;
                self.compare(*op, va, vb)
            }
            CExpr::Present(inner, name, at) => match self.eval_expr(inner, frame)? {
                Value::Absent => Err(self.fail(absent_message(name, &self.at(*at)))),
                v => Ok(v),
            },
            CExpr::Coalesce(items) => {
                let mut last = Value::Absent;
                for item in items {
                    last = self.eval_expr(item, frame)?;
                    if !matches!(last, Value::Absent) {
                        break;
                    }
                }
                Ok(last)
            }
            CExpr::IsMissing(inner) => Ok(Value::Bool(matches!(self.eval_expr(inner, frame)?, Value::Absent))),
            CExpr::List(items) => self.eval_list(items, frame),
            CExpr::Record(names, fields) => self.eval_record(names, fields, frame),
            CExpr::CallRule { rule, args, check, output } => self.eval_call(*rule, args, check, *output, frame),
            CExpr::Fused { pass, member } => self.fused_value(*pass, *member, frame),
            CExpr::Builtin(b, args, at) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval_expr(a, frame)?);
                }
                let call = crate::run::builtins::Call { b: *b, args: &vals, at: *at, rule: "" };
                let def = crate::run::builtins::def(*b).ok_or_else(|| self.fail("no such built-in function"))?;
                (def.fast)(self, &call).map_err(|f| self.located(f, *at))
            }
            CExpr::Aggregate { kind, slot, list, filter, body, init: Some(init), .. } => {
                self.eval_fold(*kind == AggKind::Scan, *slot, init, list, filter.as_deref(), body.as_deref(), frame)
            }
            CExpr::Aggregate { kind, slot, list, filter, body, init: None, at } => {
                self.eval_aggregate(*kind, *slot, list, filter.as_deref(), body.as_deref(), *at, frame)
            }
        }
    }

    fn eval_number(&mut self, e: &CExpr, frame: &mut Vec<Value>) -> Res<Number> {
        match self.eval_expr(e, frame)? {
            Value::Number(n) => Ok(n),
            other => Err(self.fail(format!("arithmetic on {}, not a number", other.kind()))),
        }
    }

    /// One exact operation, checked against the size budget.
    pub(in crate::run) fn arith(&mut self, op: BinOp, x: &Number, y: &Number, at: Loc) -> Res<Number> {
        let r = match op {
            BinOp::Add => x.add(y),
            BinOp::Sub => x.sub(y),
            BinOp::Mul => x.mul(y),
            BinOp::Div => x.div(y),
            _ => return Err(self.fail(format!("`{}` is not arithmetic", op.symbol()))),
        };
        match r {
            Ok(n) => self.sized(n, op.symbol(), at),
            Err(e) => Err(self.arith_fault(e, format!("`{x} {} {y}`", op.symbol()), at)),
        }
    }

    /// A chain of `+ - * /`, left to right, without recursion per term.
    fn eval_arith(&mut self, first: &CExpr, rest: &[(BinOp, CExpr, Loc)], frame: &mut Vec<Value>) -> Res<Value> {
        let mut acc = self.eval_number(first, frame)?;
        for (op, e, at) in rest {
            let y = self.eval_number(e, frame)?;
            acc = self.arith(*op, &acc, &y, *at)?;
        }
        Ok(Value::Number(acc))
    }

    #[inline(never)]
    fn eval_list(&mut self, items: &[CExpr], frame: &mut Vec<Value>) -> Res<Value> {
        self.alloc(items.len() as u64 * VALUE_BYTES)?;
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(self.eval_expr(i, frame)?);
        }
        Ok(Value::List(Arc::new(out)))
    }

    #[inline(never)]
    fn eval_record(&mut self, names: &FieldNames, fields: &[CExpr], frame: &mut Vec<Value>) -> Res<Value> {
        self.alloc(fields.len() as u64 * VALUE_BYTES)?;
        let mut values = Vec::with_capacity(fields.len());
        for fe in fields {
            values.push(self.eval_expr(fe, frame)?);
        }
        Ok(Value::Record(Arc::new(Record::with_names(names.clone(), values))))
    }

    #[inline(never)]
    fn eval_call(
        &mut self,
        rule: usize,
        args: &[Option<CExpr>],
        check: &[bool],
        output: Option<usize>,
        frame: &mut Vec<Value>,
    ) -> Res<Value> {
        let rs = self.rs;
        let Some(target) = rs.rules.get(rule) else {
            return Err(self.fail(format!("no rule with index {rule}")));
        };
        // room for the callee's whole frame, so that it never grows
        let mut values = Vec::with_capacity(target.frame_size());
        for ((a, input), needs_check) in args.iter().zip(&target.inputs).zip(check) {
            let v = match a {
                Some(a) => self.eval_expr(a, frame)?,
                None => {
                    input.default_value().ok_or_else(|| self.fail(format!("input `{}` has no default", input.name)))?
                }
            };
            if *needs_check {
                if matches!(v, Value::List(_) | Value::Record(_)) {
                    self.tick_weight(&v)?;
                }
                conform(&v, &input.ty, &input.name).map_err(|p| {
                    Box::new(Fault::Input {
                        rule: target.qualified.clone(),
                        field: p.field,
                        message: p.message,
                        allowed: p.allowed,
                    })
                })?;
            }
            values.push(v);
        }
        if self.nesting >= MAX_NESTING {
            return Err(self.limit(format!("evaluation nests more than {MAX_NESTING} expressions and rule calls deep")));
        }
        self.calls = self.calls.saturating_add(1);
        let cacheable = self.calls > CACHE_AFTER_CALLS && self.trace.is_none() && values.iter().all(scalar);
        if cacheable {
            let key = (rule, values);
            let cached = self.call_cache.as_ref().and_then(|c| c.get(&key)).cloned();
            let outputs = match cached {
                Some(outputs) => {
                    // a kept call is one step
                    self.tick()?;
                    outputs
                }
                None => {
                    self.nesting += 1;
                    let r = self.run_rule(rule, key.1.clone());
                    self.nesting -= 1;
                    let outputs = r?;
                    let cache = self.call_cache.get_or_insert_with(CallCache::new);
                    if cache.len() < CACHE_ENTRIES {
                        cache.insert(key, outputs.clone());
                    }
                    outputs
                }
            };
            return self.call_result(rule, outputs, output);
        }
        self.nesting += 1;
        let r = match output {
            Some(i) => self.output_of(rule, values, i),
            None => self.call_rule_record(rule, values),
        };
        self.nesting -= 1;
        r
    }

    /// What a call gives from its rule's outputs: the one output asked for,
    /// or the record of them all.
    fn call_result(&mut self, rid: usize, mut outputs: Vec<Value>, output: Option<usize>) -> Res<Value> {
        match output {
            Some(i) if i < outputs.len() => Ok(outputs.swap_remove(i)),
            Some(i) => Err(self.fail(format!("no output {i}"))),
            None => {
                let rule = self.rs.rules.get(rid).ok_or_else(|| self.fail(format!("no rule with index {rid}")))?;
                self.alloc(outputs.len() as u64 * VALUE_BYTES)?;
                Ok(Value::Record(Arc::new(Record::with_names(rule.output_names.clone(), outputs))))
            }
        }
    }

    /// `and` (`decides` false) or `or` (`decides` true) of the operands, left
    /// to right: the first operand that decides ends it; else none when an
    /// operand had no value, else the other truth value.
    fn kleene(&mut self, items: &[CExpr], decides: bool, frame: &mut Vec<Value>) -> Res<Value> {
        let mut unknown = false;
        for item in items {
            match self.eval_expr(item, frame)? {
                Value::Bool(b) if b == decides => return Ok(Value::Bool(decides)),
                Value::Bool(_) => {}
                Value::Absent => unknown = true,
                other => return Err(self.fail(format!("expected true or false, found {}", other.kind()))),
            }
        }
        Ok(if unknown { Value::Absent } else { Value::Bool(!decides) })
    }

    fn eval_bool(&mut self, e: &CExpr, frame: &mut Vec<Value>) -> Res<bool> {
        match self.eval_expr(e, frame)? {
            Value::Bool(b) => Ok(b),
            other => Err(self.fail(format!("expected true or false, found {}", other.kind()))),
        }
    }

    /// Comparisons and membership; comparing lists or records costs steps
    /// in proportion to their size.
    fn compare(&mut self, op: BinOp, a: Value, b: Value) -> Res<Value> {
        match op {
            BinOp::Eq | BinOp::Ne => {
                if matches!(a, Value::List(_) | Value::Record(_)) {
                    // equality stops at the first difference, and at the
                    // end of the lighter side: charge the lighter
                    let w = self.weigh(&a).min(self.weigh(&b));
                    self.tick_n(w)?;
                }
                Ok(Value::Bool((a == b) == (op == BinOp::Eq)))
            }
            BinOp::Lt => Ok(Value::Bool(a < b)),
            BinOp::Le => Ok(Value::Bool(a <= b)),
            BinOp::Gt => Ok(Value::Bool(a > b)),
            BinOp::Ge => Ok(Value::Bool(a >= b)),
            BinOp::In => match b {
                Value::List(items) => {
                    let per = self.weigh(&a);
                    for item in items.iter() {
                        self.tick_n(per)?;
                        if *item == a {
                            return Ok(Value::Bool(true));
                        }
                    }
                    Ok(Value::Bool(false))
                }
                other => Err(self.fail(format!("`in` needs a list, found {}", other.kind()))),
            },
            _ => Err(self.fail(format!("`{}` is not a comparison", op.symbol()))),
        }
    }
}

/// The error for an absent value read where a value is needed; `at` is
/// ` at file:line:col` or empty. Both evaluators give it. The fallback it
/// offers is of the value's type, or none where no literal has that type.
pub(crate) fn absent_message(m: &crate::lang::expr::compile::Missing, at: &str) -> String {
    let name = &m.name;
    // an input or a field was left out; a computed value (an item past the
    // end of a list, say) has none to give
    let named = name.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'));
    let why = if named { "it is optional and was left out" } else { "it may have none" };
    match m.fallback {
        Some(f) => format!(
            "`{name}` has no value{at} ({why}): test it with `is_missing({name})` or give a fallback, `{name} ?? {f}`"
        ),
        None => format!(
            "`{name}` has no value{at} ({why}): test it with `is_missing({name})` and decide what stands for it"
        ),
    }
}
