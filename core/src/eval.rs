//! Evaluation: running compiled rules against values, as of a date, within
//! budgets of steps, number size, memory and nesting, with an optional trace
//! of what ran and why.
//!
//! This is the evaluator every client uses. [`crate::reference`] holds a
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

use crate::date::Date;
use crate::expr::compile::{Builtin, CExpr, Loc};
use crate::expr::syntax::{AggKind, BinOp};
use crate::number::{bits_to_digits, digits_to_bits, ArithmeticError, Number};
use crate::ruleset::{Aggregate, Body, Citation, HitPolicy, Rule, Ruleset, Table};
use crate::value::{conform, FieldNames, Record, Value};
use std::sync::Arc;

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
    /// One bracket's part of a progressive (累进) computation.
    Bracket,
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
            TraceKind::Bracket => "bracket",
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
    /// Entries by a hash of what makes a step the same step (kind, depth,
    /// rule, name, detail), hashed from references: nothing is copied to
    /// look a step up.
    index: std::collections::HashMap<u64, Vec<usize>, std::hash::BuildHasherDefault<crate::value::FastHasher>>,
    dropped: u64,
}

/// Up to this many steps a trace finds a repeated step by looking at each;
/// past it, by a hash of the step.
const SHORT_TRACE: usize = 24;

/// The hash of what makes a step the same step (kind, depth, rule, name,
/// detail), from references: nothing is copied to look a step up.
fn step_key(e: &TraceEntry) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = crate::value::FastHasher::default();
    (e.kind, e.depth, &e.rule, &e.name, &e.detail).hash(&mut h);
    h.finish()
}

/// Whether two entries record the same step (then the second only counts).
fn same_step(a: &TraceEntry, b: &TraceEntry) -> bool {
    a.kind == b.kind && a.depth == b.depth && a.rule == b.rule && a.name == b.name && a.detail == b.detail
}

impl Trace {
    /// A trace with room for a typical decision's steps.
    fn with_room() -> Trace {
        Trace { entries: Vec::with_capacity(8), index: Default::default(), dropped: 0 }
    }

    fn push(&mut self, e: TraceEntry) {
        // the lets and outputs of the rule asked about happen once
        if matches!(e.kind, TraceKind::Let | TraceKind::Output) && e.depth == 0 {
            if self.entries.len() >= MAX_TRACE {
                self.dropped += 1;
            } else {
                self.entries.push(e);
            }
            return;
        }
        // a short trace is searched step by step; a long one (a rule called
        // for every item of a roster) through the index, built when the
        // trace first grows past the short length
        if self.index.is_empty() {
            if let Some(existing) = self.entries.iter_mut().find(|x| same_step(x, &e)) {
                existing.count += 1;
                return;
            }
            if self.entries.len() < SHORT_TRACE {
                self.entries.push(e);
                return;
            }
            for (i, x) in self.entries.iter().enumerate() {
                self.index.entry(step_key(x)).or_default().push(i);
            }
        }
        let key = step_key(&e);
        let same = self
            .index
            .get(&key)
            .and_then(|is| is.iter().copied().find(|&i| self.entries.get(i).is_some_and(|x| same_step(x, &e))));
        if let Some(existing) = same.and_then(|i| self.entries.get_mut(i)) {
            existing.count += 1;
            return;
        }
        if self.entries.len() >= MAX_TRACE {
            self.dropped += 1;
            return;
        }
        self.index.entry(key).or_default().push(self.entries.len());
        self.entries.push(e);
    }
}

/// What evaluation returns inside this module: the fault is boxed, so that
/// a result is no larger than a value.
type Res<T> = Result<T, Box<Fault>>;

/// A flag a host raises to stop evaluations in flight (a request that timed
/// out, a client that went away). Cheap to clone; every clone is the same
/// flag.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<std::sync::atomic::AtomicBool>);

impl Cancel {
    /// A flag not raised.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Raises the flag: evaluations holding it stop at their next check.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the flag is raised.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Steps between two looks at the cancellation flag.
const CANCEL_CHECK_EVERY: u64 = 4096;

/// The budgets of one evaluation (see the module documentation for what
/// each bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Steps.
    pub max_steps: u64,
    /// Decimal digits of the numerator or denominator of any number.
    pub max_digits: u64,
    /// Bytes of values created.
    pub max_bytes: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_steps: DEFAULT_MAX_STEPS,
            max_digits: crate::number::DEFAULT_MAX_DIGITS,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// How much a value weighs for the budgets: one per scalar, plus the
/// weight of every element or field.
pub fn weight(v: &Value) -> u64 {
    match v {
        Value::List(items) => 1 + items.iter().map(weight).sum::<u64>(),
        Value::Record(r) => 1 + r.values().map(weight).sum::<u64>(),
        _ => 1,
    }
}

/// The weight of a value, or any number above `cap` once the walk passes
/// it: a list that shares one element many times (`[x, x, …]` built by a
/// comprehension) weighs what a copy would, and walking it to find that out
/// must not itself be unbounded, so the walk stops as soon as it is past
/// the budget that is left.
pub fn weight_within(v: &Value, cap: u64) -> u64 {
    fn walk(v: &Value, cap: u64, acc: &mut u64) {
        *acc = acc.saturating_add(1);
        if *acc > cap {
            return;
        }
        match v {
            Value::List(items) => {
                for x in items.iter() {
                    walk(x, cap, acc);
                    if *acc > cap {
                        return;
                    }
                }
            }
            Value::Record(r) => {
                for x in r.values() {
                    walk(x, cap, acc);
                    if *acc > cap {
                        return;
                    }
                }
            }
            _ => {}
        }
    }
    let mut acc = 0;
    walk(v, cap, &mut acc);
    acc
}

const VALUE_BYTES: u64 = std::mem::size_of::<Value>() as u64;

/// The evaluation of one call: date, budgets and trace.
pub struct Evaluator<'a> {
    rs: &'a Ruleset,
    /// The as-of date.
    pub as_of: Date,
    steps: u64,
    max_steps: u64,
    bytes: u64,
    max_bytes: u64,
    max_bits: u64,
    max_digits: u64,
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

fn arith(e: ArithmeticError) -> String {
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
        let file = self
            .current
            .and_then(|i| self.rs.rules.get(i))
            .and_then(|r| self.rs.packs.get(r.pack))
            .map(|p| p.file.as_str());
        match file {
            Some(f) => format!(" at {f}:{}:{}", at.line, at.column),
            None => format!(" at line {}, column {}", at.line, at.column),
        }
    }

    fn fail(&self, message: impl Into<String>) -> Box<Fault> {
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

    fn limit(&self, message: impl Into<String>) -> Box<Fault> {
        Box::new(Fault::Limit { rule: self.current_rule(), message: message.into() })
    }

    /// Counts `n` steps of work.
    fn tick_n(&mut self, n: u64) -> Res<()> {
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

    fn tick(&mut self) -> Res<()> {
        self.tick_n(1)
    }

    /// The steps left before the budget is spent.
    fn steps_left(&self) -> u64 {
        self.max_steps.saturating_sub(self.steps)
    }

    /// The weight of `v` (see [`weight`]) within the steps left: more than
    /// the steps left when it is heavier, so that charging it fails.
    fn weigh(&self, v: &Value) -> u64 {
        match v {
            Value::List(_) | Value::Record(_) => weight_within(v, self.steps_left()),
            _ => 1,
        }
    }

    /// Counts the steps of reading `v` whole (comparing, hashing or writing
    /// it out): its weight, bounded by the budget while it is measured.
    fn tick_weight(&mut self, v: &Value) -> Res<()> {
        let w = self.weigh(v);
        self.tick_n(w)
    }

    /// Counts `n` bytes of values created.
    fn alloc(&mut self, n: u64) -> Res<()> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.max_bytes {
            Err(self.limit(format!("evaluation would create more than {} bytes of values", self.max_bytes)))
        } else {
            Ok(())
        }
    }

    /// Checks a computed number against the size budget and counts its
    /// memory.
    fn sized(&mut self, n: Number, what: &str, at: Loc) -> Res<Number> {
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

    fn arith_fault(&self, e: ArithmeticError, what: String, at: Loc) -> Box<Fault> {
        match e {
            ArithmeticError::TooLarge { .. } => self.limit(format!("{what}: {e}{}", self.at(at))),
            _ => self.fail(format!("{e} in {what}{}", self.at(at))),
        }
    }

    /// The parts of a progressive computation, bracket by bracket, for the
    /// trace: `36000 × 3% = 1080`, each with its bracket's citation.
    fn trace_brackets(&mut self, scale: &crate::ruleset::Scale, version: &crate::ruleset::ScaleVersion, x: &Number) {
        let mut lower = Number::zero();
        let rule = self.current.and_then(|c| self.rs.rules.get(c)).map(|r| r.qualified.clone()).unwrap_or_default();
        for (k, b) in version.brackets.iter().enumerate() {
            if *x <= lower {
                break;
            }
            let top = match &b.upper {
                Some((u, _)) if u < x => u.clone(),
                _ => x.clone(),
            };
            let (Ok(part), Ok(tax)) = (top.sub(&lower), top.sub(&lower).and_then(|p| p.mul(&b.rate))) else { break };
            self.record(TraceEntry {
                kind: TraceKind::Bracket,
                depth: self.depth,
                rule: rule.clone(),
                name: Some(format!("{} bracket {}", scale.qualified, k + 1)),
                detail: format!("{part} × {}", b.rate),
                value: Some(Value::Number(tax)),
                cite: Some(b.cite.clone()),
                count: 1,
            });
            match &b.upper {
                Some((u, _)) => lower = u.clone(),
                None => break,
            }
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
        let out = match &rule.body {
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

    /// The value of member `member` of fused pass `pass` of the rule being
    /// evaluated: the first time it is asked for, one walk over the list
    /// computes it together with every other member that can be computed
    /// now.
    #[inline(never)]
    fn fused_value(&mut self, pass: usize, member: usize, frame: &[Value]) -> Res<Value> {
        let cell = |ev: &Self| {
            ev.fused
                .last()
                .and_then(|f| f.get(pass))
                .and_then(|r| r.as_ref())
                .and_then(|r| r.get(member))
                .cloned()
                .flatten()
        };
        if let Some(r) = cell(self) {
            return r;
        }
        let rs = self.rs;
        let rule = self.current.and_then(|r| rs.rules.get(r));
        let Some(Body::Formula { passes, .. }) = rule.map(|r| &r.body) else {
            return Err(self.fail("a fused value outside its rule"));
        };
        let Some(p) = passes.get(pass) else { return Err(self.fail("no such fused pass")) };
        let mut results = self
            .fused
            .last_mut()
            .and_then(|f| f.get_mut(pass))
            .and_then(Option::take)
            .unwrap_or_else(|| vec![None; p.members.len()]);
        let walked = self.run_pass(p, frame, &mut results);
        if let Some(slot) = self.fused.last_mut().and_then(|f| f.get_mut(pass)) {
            *slot = Some(results);
        }
        walked?;
        cell(self).unwrap_or_else(|| Err(self.fail("a fused value was not computed")))
    }

    /// One walk over a list for every member of a pass not yet computed
    /// whose steps are computed (it reads below `frame.len()`); each member's
    /// value or error is kept apart. Only running out of a budget stops the
    /// walk.
    fn run_pass(
        &mut self,
        p: &crate::expr::fuse::Pass,
        frame: &[Value],
        results: &mut [Option<Res<Value>>],
    ) -> Res<()> {
        let items = match frame.get(p.list) {
            Some(Value::List(items)) => items.clone(),
            _ => return Err(self.fail("a fused pass over a value that is not a list")),
        };
        let len = frame.len();
        // the members to take now, in the order of their variable's slot, so
        // that one element moves up the frame once per walk step
        let mut todo: Vec<usize> = (0..p.members.len())
            .filter(|&m| {
                results.get(m).is_some_and(Option::is_none) && p.members.get(m).is_some_and(|x| x.needs <= len)
            })
            .collect();
        todo.sort_by_key(|&m| p.members.get(m).map(|x| x.slot));
        let mut accs: Vec<Res<Acc>> =
            todo.iter().filter_map(|&m| p.members.get(m)).map(|m| Ok(Acc::new(m.kind))).collect();
        // the frame as it is, then the element in each member's slot; the
        // slots between what a member reads and its variable are not read
        let mut scratch: Vec<Value> = frame.to_vec();
        for item in items.iter() {
            self.tick()?;
            scratch.truncate(len);
            for (&m, acc) in todo.iter().zip(accs.iter_mut()) {
                let (Some(m), Ok(a)) = (p.members.get(m), acc.as_mut()) else { continue };
                if !a.open() {
                    continue;
                }
                // a filter of field comparisons (`Member::field_tests`) is
                // tested on the element in place. Some(true): it holds;
                // Some(false): it does not; None: test it the general way
                // (a field is not there)
                let passes = m.field_tests.as_ref().and_then(|ts| {
                    for t in ts {
                        let v = field_at(item, &t.name, t.hint)?;
                        if (*v == t.value) != t.equal {
                            return Some(false);
                        }
                    }
                    Some(true)
                });
                if passes == Some(false) {
                    continue;
                }
                let filter = if passes == Some(true) { None } else { m.filter.as_ref() };
                let below = m.slot < len;
                if below {
                    // a variable in a slot the frame uses: put it back after
                    scratch.truncate(m.slot);
                    scratch.push(item.clone());
                } else if scratch.len() == m.slot + 1 {
                    // the element is already in this slot
                } else {
                    scratch.truncate(m.slot.max(len));
                    scratch.resize(m.slot, Value::Bool(false));
                    scratch.push(item.clone());
                }
                let r = self.take_element(a, filter, m.body.as_ref(), m.at, &mut scratch);
                if below || scratch.len() != m.slot + 1 {
                    scratch.truncate(m.slot.min(len));
                    scratch.extend(frame.get(scratch.len()..).unwrap_or_default().iter().cloned());
                }
                match r {
                    Ok(()) => {}
                    Err(f) if matches!(*f, Fault::Limit { .. }) => return Err(f),
                    Err(f) => *acc = Err(f),
                }
            }
        }
        for (&m, acc) in todo.iter().zip(accs) {
            if let Some(cell) = results.get_mut(m) {
                *cell = Some(acc.and_then(|a| a.finish(self)));
            }
        }
        Ok(())
    }

    /// Takes one element (already in its slot at the end of `frame`) into an
    /// aggregate.
    fn take_element(
        &mut self,
        acc: &mut Acc,
        filter: Option<&CExpr>,
        body: Option<&CExpr>,
        at: Loc,
        frame: &mut Vec<Value>,
    ) -> Res<()> {
        if let Some(f) = filter {
            if !self.eval_bool(f, frame)? {
                return Ok(());
            }
        }
        acc.count += 1;
        let Some(body) = body else { return Ok(()) };
        let v = self.eval_expr(body, frame)?;
        match acc.kind {
            AggKind::Sum => {
                let Value::Number(y) = &v else {
                    return Err(self.fail(format!("`sum` of {}, not a number", v.kind())));
                };
                acc.sum = self.arith(BinOp::Add, &acc.sum, y, at)?;
            }
            AggKind::Min | AggKind::Max => {
                let keep = match &acc.best {
                    None => false,
                    Some(a) => {
                        if acc.kind == AggKind::Min {
                            *a <= v
                        } else {
                            *a >= v
                        }
                    }
                };
                if !keep {
                    acc.best = Some(v);
                }
            }
            AggKind::Any | AggKind::All => {
                let b = matches!(v, Value::Bool(true));
                if (acc.kind == AggKind::Any) == b {
                    acc.decided = Some(b);
                }
            }
            AggKind::List => {
                self.alloc(VALUE_BYTES)?;
                acc.collected.push(v);
            }
            AggKind::SortBy => {
                // the element is at the end of the frame; the sort costs
                // about log2(n) comparisons per element
                let Some(item) = frame.last().cloned() else { return Err(self.fail("`sort_by` lost its element")) };
                let n = acc.keyed.len() as u64 + 1;
                self.tick_n(64 - n.leading_zeros() as u64)?;
                self.alloc(2 * VALUE_BYTES)?;
                acc.keyed.push((v, item));
            }
            AggKind::Count => {}
            AggKind::Fold | AggKind::Scan => {
                return Err(self.fail(format!("`{}` without its running value", acc.kind.name())))
            }
        }
        Ok(())
    }

    fn eval_table(&mut self, rule: &Rule, table: &Table, args: &[Value], depth: u32) -> Res<Vec<Value>> {
        let row_matches =
            |row: &crate::ruleset::Row| row.conds.iter().all(|(i, c)| args.get(*i).is_some_and(|v| c.matches(v)));
        // every matching row is kept only when the trace or the hit policy
        // needs them all; otherwise the first (and, for `unique`, a second)
        let fast = matches!(table.hit, HitPolicy::Unique | HitPolicy::First);
        let keep_all = self.trace.is_some() || !fast;
        let mut matched: Vec<usize> = Vec::new();
        let mut first: Option<usize> = None;
        let mut second = false;
        let mut second_ri = 0;
        for (ri, row) in table.rows.iter().enumerate() {
            self.tick_n(1 + row.conds.len() as u64)?;
            if row_matches(row) && self.row_guard(row, args)? {
                if keep_all {
                    matched.push(ri);
                }
                if first.is_none() {
                    first = Some(ri);
                } else if !second {
                    second = true;
                    second_ri = ri;
                }
                if table.hit == HitPolicy::First || (table.hit == HitPolicy::Unique && second && !keep_all) {
                    break;
                }
            }
        }
        if table.hit == HitPolicy::Unique && second {
            let rows: Vec<String> = if keep_all {
                matched.iter().map(|r| (r + 1).to_string()).collect()
            } else if table.dynamic {
                // the rows after the second are not tried: their `if:` could fail
                [first.unwrap_or(0), second_ri].iter().map(|r| (r + 1).to_string()).collect()
            } else {
                table
                    .rows
                    .iter()
                    .enumerate()
                    .filter(|(_, row)| row_matches(row))
                    .map(|(r, _)| (r + 1).to_string())
                    .collect()
            };
            return Err(self.fail(format!("rows {} all match, but the table's hit policy is unique", rows.join(", "))));
        }
        if table.hit.ranks() {
            // a stable sort: rows of equal rank keep their order
            matched.sort_by_key(|&ri| table.rows.get(ri).map_or(usize::MAX, |row| table.rank(row)));
            first = matched.first().copied();
        }
        // computed cells of the rows whose outputs the table gives (every
        // matching row, except under `first`, `unique` and `priority`)
        let mut cells: Vec<(usize, Vec<Value>)> = Vec::new();
        if table.dynamic {
            let all = table.hit.lists(table.aggregate) || table.aggregate.is_some() || table.hit == HitPolicy::Any;
            let needed: Vec<usize> = if all { matched.clone() } else { first.into_iter().collect() };
            for ri in needed {
                if let Some(row) = table.rows.get(ri).filter(|r| !r.computed.is_empty()) {
                    cells.push((ri, self.row_cells(rule, table, row, args)?));
                }
            }
        }
        let outputs_of = |ri: usize| -> Option<&Vec<Value>> {
            match cells.iter().find(|(r, _)| *r == ri) {
                Some((_, v)) => Some(v),
                None => table.rows.get(ri).map(|r| &r.outputs),
            }
        };
        if table.hit == HitPolicy::Any {
            let outputs = outputs_of;
            if let Some(other) = matched.iter().find(|&&ri| outputs(ri) != first.and_then(outputs)) {
                let (a, b) = (first.unwrap_or(0) + 1, other + 1);
                return Err(self.fail(format!(
                    "rows {a} and {b} both match but give different outputs, and the table's hit policy is any"
                )));
            }
        }
        let many = table.hit.lists(table.aggregate) || table.aggregate.is_some();
        if self.trace.is_some() {
            for &ri in &matched {
                let (Some(row), Some((name, detail))) = (table.rows.get(ri), table.trace_text.get(ri)) else {
                    continue;
                };
                self.record(TraceEntry {
                    kind: TraceKind::Row,
                    depth,
                    rule: rule.qualified.clone(),
                    name: Some(name.clone()),
                    detail: detail.clone(),
                    value: None,
                    cite: row.cite.clone().or_else(|| Some(rule.cite.clone())),
                    count: 1,
                });
                if !many {
                    break;
                }
            }
        }
        if table.hit.lists(table.aggregate) {
            let mut cols: Vec<Vec<Value>> = vec![Vec::with_capacity(matched.len()); rule.outputs.len()];
            for &ri in &matched {
                if let Some(outs) = outputs_of(ri) {
                    for (col, v) in cols.iter_mut().zip(outs.iter()) {
                        col.push(v.clone());
                    }
                }
            }
            self.alloc((matched.len() * rule.outputs.len()) as u64 * VALUE_BYTES)?;
            return Ok(cols.into_iter().map(|c| Value::List(Arc::new(c))).collect());
        }
        match table.aggregate {
            Some(Aggregate::Count) => {
                return Ok(vec![Value::Number(Number::from_int(matched.len() as i64)); rule.outputs.len()]);
            }
            Some(Aggregate::Sum) => {
                let mut totals = vec![Number::from_int(0); rule.outputs.len()];
                for &ri in &matched {
                    let Some(outs) = outputs_of(ri) else { continue };
                    for (t, v) in totals.iter_mut().zip(outs) {
                        if let Value::Number(x) = v {
                            self.tick()?;
                            *t = t.add(x).map_err(|e| self.fail(arith(e)))?;
                        }
                    }
                }
                return Ok(totals.into_iter().map(Value::Number).collect());
            }
            Some(agg @ (Aggregate::Min | Aggregate::Max)) if !matched.is_empty() => {
                let mut best: Vec<Value> = matched.first().and_then(|&ri| outputs_of(ri)).cloned().unwrap_or_default();
                for &ri in matched.iter().skip(1) {
                    let Some(outs) = outputs_of(ri) else { continue };
                    for (b, v) in best.iter_mut().zip(outs) {
                        if (agg == Aggregate::Min && v < b) || (agg == Aggregate::Max && v > b) {
                            *b = v.clone();
                        }
                    }
                }
                return Ok(best);
            }
            _ => {}
        }
        match first.and_then(outputs_of) {
            Some(outs) => Ok(outs.clone()),
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

    /// A row's outputs with its computed cells evaluated.
    fn row_cells(&mut self, rule: &Rule, table: &Table, row: &crate::ruleset::Row, args: &[Value]) -> Res<Vec<Value>> {
        let mut outs = row.outputs.clone();
        let mut frame = args.to_vec();
        for (k, e) in &row.computed {
            let mut v = self.eval_expr(e, &mut frame)?;
            rule.finish_cell(table, *k, &mut v).map_err(|m| self.fail(m))?;
            if let Some(slot) = outs.get_mut(*k) {
                *slot = v;
            }
        }
        Ok(outs)
    }

    fn calendar(&self, c: usize) -> Res<&'a crate::ruleset::Calendar> {
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
            CExpr::Not(inner) => match self.eval_expr(inner, frame)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(self.fail(format!("`not` of {}", other.kind()))),
            },
            CExpr::And(items) => {
                for item in items {
                    if !self.eval_bool(item, frame)? {
                        return Ok(Value::Bool(false));
                    }
                }
                Ok(Value::Bool(true))
            }
            CExpr::Or(items) => {
                for item in items {
                    if self.eval_bool(item, frame)? {
                        return Ok(Value::Bool(true));
                    }
                }
                Ok(Value::Bool(false))
            }
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
                self.builtin(*b, vals, *at).map_err(|f| self.located(f, *at))
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
    fn arith(&mut self, op: BinOp, x: &Number, y: &Number, at: Loc) -> Res<Number> {
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
                    input.default.clone().ok_or_else(|| self.fail(format!("input `{}` has no default", input.name)))?
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

    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn eval_aggregate(
        &mut self,
        kind: AggKind,
        slot: usize,
        list: &CExpr,
        filter: Option<&CExpr>,
        body: Option<&CExpr>,
        at: Loc,
        frame: &mut Vec<Value>,
    ) -> Res<Value> {
        let items = match self.eval_expr(list, frame)? {
            Value::List(items) => items,
            other => return Err(self.fail(format!("`{}` over {}, not a list", kind.name(), other.kind()))),
        };
        let mut acc = Acc::new(kind);
        for item in items.iter() {
            if !acc.open() {
                break;
            }
            self.tick()?;
            frame.truncate(slot);
            frame.push(item.clone());
            let r = self.take_element(&mut acc, filter, body, at, frame);
            if r.is_err() {
                frame.truncate(slot);
            }
            r?;
        }
        frame.truncate(slot);
        acc.finish(self)
    }

    /// `fold` and `scan`: the running value at `slot`, each element at
    /// `slot + 1`; the body computes the next running value. `scan` keeps
    /// every value the running value takes after the start.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn eval_fold(
        &mut self,
        running: bool,
        slot: usize,
        init: &CExpr,
        list: &CExpr,
        filter: Option<&CExpr>,
        body: Option<&CExpr>,
        frame: &mut Vec<Value>,
    ) -> Res<Value> {
        let name = if running { "scan" } else { "fold" };
        let items = match self.eval_expr(list, frame)? {
            Value::List(items) => items,
            other => return Err(self.fail(format!("`{name}` over {}, not a list", other.kind()))),
        };
        let Some(body) = body else { return Err(self.fail(format!("`{name}` without its step"))) };
        let mut acc = self.eval_expr(init, frame)?;
        let mut steps = Vec::new();
        for item in items.iter() {
            self.tick()?;
            frame.truncate(slot);
            frame.push(acc);
            frame.push(item.clone());
            let r = (|| {
                if let Some(f) = filter {
                    if !self.eval_bool(f, frame)? {
                        return Ok(None);
                    }
                }
                self.eval_expr(body, frame).map(Some)
            })();
            let taken = match r {
                Ok(x) => x,
                Err(e) => {
                    frame.truncate(slot);
                    return Err(e);
                }
            };
            let Some(previous) = frame.get(slot).cloned() else {
                return Err(self.fail(format!("`{name}` lost its running value")));
            };
            acc = match taken {
                Some(next) => {
                    if running {
                        self.alloc(VALUE_BYTES)?;
                        steps.push(next.clone());
                    }
                    next
                }
                None => previous,
            };
        }
        frame.truncate(slot);
        Ok(if running { Value::List(Arc::new(steps)) } else { acc })
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

    /// The list `item(0) … item(span)` that `dates` and `range` produce,
    /// bounded in length and counted against the budgets.
    fn generated_list(
        &mut self,
        function: &str,
        unit: &str,
        span: i64,
        mut item: impl FnMut(i64) -> Result<Value, String>,
    ) -> Res<Value> {
        if span > MAX_GENERATED {
            return Err(self.fail(format!(
                "`{function}` would list {} {unit}, more than the limit {}",
                span.saturating_add(1),
                MAX_GENERATED + 1
            )));
        }
        let len = span.max(-1) + 1;
        self.alloc(len as u64 * VALUE_BYTES)?;
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        for k in 0..=span {
            self.tick()?;
            out.push(item(k).map_err(|e| self.fail(e))?);
        }
        Ok(Value::List(Arc::new(out)))
    }

    #[inline(never)]
    fn builtin(&mut self, b: Builtin, args: Vec<Value>, at: Loc) -> Res<Value> {
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
                let items: &[Value] = match args.as_slice() {
                    [Value::List(items)] => items.as_slice(),
                    _ => args.as_slice(),
                };
                self.tick_n(items.len() as u64)?;
                let best = if b == Builtin::Min { items.iter().min() } else { items.iter().max() };
                best.cloned().ok_or_else(|| self.fail("`min`/`max` of an empty list has no value"))
            }
            Builtin::SumList => match args.first() {
                Some(Value::List(items)) => {
                    let mut acc = Number::zero();
                    for v in items.iter() {
                        self.tick()?;
                        let Value::Number(n) = v else { return Err(bad(self)) };
                        acc = self.arith(BinOp::Add, &acc, n, at)?;
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
                match x.round(places, mode) {
                    Ok(n) => self.sized(n, mode.name(), at).map(Value::Number),
                    Err(e) => Err(self.arith_fault(e, format!("rounding `{x}` to {places} places"), at)),
                }
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
                if n.unsigned_abs() > MAX_POW_EXPONENT {
                    return Err(self.fail(format!("`pow` exponent {n} is beyond the limit {MAX_POW_EXPONENT}")));
                }
                let max_bits = self.max_bits;
                let mut mults = 0u64;
                let r = x.pow(n, |p| {
                    mults += 1;
                    let bits = p.bits();
                    if bits > max_bits {
                        Err(ArithmeticError::TooLarge { digits: bits_to_digits(bits), limit: 0 })
                    } else {
                        Ok(())
                    }
                });
                self.tick_n(mults)?;
                match r {
                    Ok(p) => self.sized(p, "pow", at).map(Value::Number),
                    Err(ArithmeticError::TooLarge { digits, .. }) => Err(self.limit(format!(
                        "`pow({x}, {n})` would make a number of about {digits} digits, more than the limit of {} digits",
                        self.max_digits
                    ))),
                    Err(e) => Err(self.arith_fault(e, format!("`pow({x}, {n})`"), at)),
                }
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
            Builtin::MakeTime => {
                let (Some(h), Some(m)) = (int(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                crate::date::TimeOfDay::from_hm(h, m).map(Value::Time).map_err(|e| self.fail(e))
            }
            Builtin::TimeOf => match args.first() {
                Some(Value::DateTime(t)) => Ok(Value::Time(t.time())),
                _ => Err(bad(self)),
            },
            Builtin::AtTime => match (args.first(), args.get(1)) {
                (Some(Value::Date(d)), Some(Value::Time(t))) => Ok(Value::DateTime(crate::date::DateTime::at(*d, *t))),
                _ => Err(bad(self)),
            },
            Builtin::DurationOf(unit) => {
                let Some(n) = num(args.first()) else { return Err(bad(self)) };
                let what = match unit {
                    86_400 => "days",
                    3_600 => "hours",
                    _ => "minutes",
                };
                crate::date::Duration::of(&n, unit, what).map(Value::Duration).map_err(|e| self.fail(e))
            }
            Builtin::DurationIn(unit) => match args.first() {
                Some(Value::Duration(d)) => Number::ratio(i128::from(d.seconds()), i128::from(unit))
                    .map(Value::Number)
                    .map_err(|e| self.fail(arith(e))),
                _ => Err(bad(self)),
            },
            Builtin::DurationBetween => match (args.first(), args.get(1)) {
                (Some(Value::DateTime(a)), Some(Value::DateTime(z))) => {
                    crate::date::Duration::from_secs(a.seconds_until(*z)).map(Value::Duration).map_err(|e| self.fail(e))
                }
                (Some(Value::Time(a)), Some(Value::Time(z))) => Ok(Value::Duration(a.until(*z))),
                _ => Err(bad(self)),
            },
            Builtin::AddDuration => match (args.first(), args.get(1)) {
                (Some(Value::DateTime(t)), Some(Value::Duration(d))) => {
                    t.add_duration(*d).map(Value::DateTime).map_err(|e| self.fail(e))
                }
                (Some(Value::Duration(a)), Some(Value::Duration(d))) => a
                    .seconds()
                    .checked_add(d.seconds())
                    .ok_or_else(|| "a duration too long".to_string())
                    .and_then(crate::date::Duration::from_secs)
                    .map(Value::Duration)
                    .map_err(|e| self.fail(e)),
                _ => Err(bad(self)),
            },
            Builtin::Range => {
                let (Some(a), Some(z)) = (int(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                self.generated_list("range", "numbers", z.saturating_sub(a), |k| Ok(Value::int(a + k)))
            }
            Builtin::Contains => match (args.first(), args.get(1)) {
                (Some(Value::Text(t)), Some(Value::Text(p))) => {
                    self.tick_n((t.len() as u64).saturating_mul(p.len().max(1) as u64).min(u64::MAX / 2))?;
                    Ok(Value::Bool(t.contains(&**p)))
                }
                _ => Err(bad(self)),
            },
            Builtin::Length => match args.first() {
                Some(Value::Text(t)) => {
                    self.tick_n(t.len() as u64)?;
                    Ok(Value::int(t.chars().count() as i64))
                }
                _ => Err(bad(self)),
            },
            Builtin::AsOf => Ok(Value::Date(self.as_of)),
            Builtin::ConcatText | Builtin::Upper | Builtin::Lower | Builtin::Replace => {
                let texts: Vec<&str> =
                    args.iter().filter_map(|v| if let Value::Text(t) = v { Some(&**t) } else { None }).collect();
                if texts.len() != args.len() {
                    return Err(bad(self));
                }
                let read: usize = texts.iter().map(|t| t.len()).sum();
                self.tick_n(read as u64)?;
                let out: String = match (b, texts.as_slice()) {
                    (Builtin::ConcatText, _) => texts.concat(),
                    (Builtin::Upper, [t]) => t.to_uppercase(),
                    (Builtin::Lower, [t]) => t.to_lowercase(),
                    (Builtin::Replace, [t, from, to]) => {
                        if from.is_empty() {
                            return Err(self.fail("`replace` needs a non-empty text to look for"));
                        }
                        let grows = t.matches(from).count().saturating_mul(to.len());
                        self.alloc(grows as u64)?;
                        t.replace(from, to)
                    }
                    _ => return Err(bad(self)),
                };
                self.alloc(out.len() as u64)?;
                Ok(Value::Text(out.into()))
            }
            Builtin::StartsWith | Builtin::EndsWith => match (args.first(), args.get(1)) {
                (Some(Value::Text(t)), Some(Value::Text(p))) => {
                    self.tick_n(p.len() as u64)?;
                    Ok(Value::Bool(if b == Builtin::StartsWith { t.starts_with(&**p) } else { t.ends_with(&**p) }))
                }
                _ => Err(bad(self)),
            },
            Builtin::TextOf => {
                let v = args.first().ok_or_else(|| bad(self))?;
                let out = match v {
                    Value::Text(t) => t.to_string(),
                    Value::Number(_)
                    | Value::Bool(_)
                    | Value::Date(_)
                    | Value::DateTime(_)
                    | Value::Time(_)
                    | Value::Duration(_) => v.to_string(),
                    _ => return Err(bad(self)),
                };
                self.tick_n(out.len() as u64)?;
                self.alloc(out.len() as u64)?;
                Ok(Value::Text(out.into()))
            }
            Builtin::FormatNumber => {
                let (Some(Value::Number(x)), Some(places), Some(Value::Text(sep))) =
                    (args.first(), int(args.get(1)), args.get(2))
                else {
                    return Err(bad(self));
                };
                let places = u32::try_from(places)
                    .ok()
                    .filter(|p| *p <= 1000)
                    .ok_or_else(|| self.fail(format!("`format_number` writes 0 to 1000 places, not {places}")))?;
                let out =
                    x.format_fixed(places, sep).map_err(|e| self.arith_fault(e, format!("formatting `{x}`"), at))?;
                self.tick_n(out.len() as u64)?;
                self.alloc(out.len() as u64)?;
                Ok(Value::Text(out.into()))
            }
            Builtin::FormatDate => {
                let Some((date, time)) = args.first().and_then(crate::date_pattern::parts_of) else {
                    return Err(bad(self));
                };
                let Some(Value::Text(pattern)) = args.get(1) else { return Err(bad(self)) };
                self.tick_n(pattern.len() as u64)?;
                let out = crate::date_pattern::Pattern::parse(pattern)
                    .and_then(|p| p.write(date, time))
                    .map_err(|e| self.fail(format!("`format_date`: {e}")))?;
                self.tick_n(out.len() as u64)?;
                self.alloc(out.len() as u64)?;
                Ok(Value::Text(out.into()))
            }
            Builtin::Substring => {
                let (Some(Value::Text(t)), Some(start), Some(len)) = (args.first(), int(args.get(1)), int(args.get(2)))
                else {
                    return Err(bad(self));
                };
                if start < 1 || len < 0 {
                    return Err(self.fail(format!(
                        "`substring` starts at 1 or later and takes 0 or more characters, not from {start} for {len}"
                    )));
                }
                self.tick_n(t.len() as u64)?;
                let out: String = t.chars().skip((start - 1) as usize).take(len as usize).collect();
                Ok(Value::Text(out.into()))
            }
            Builtin::Split => match (args.first(), args.get(1)) {
                (Some(Value::Text(t)), Some(Value::Text(sep))) => {
                    if sep.is_empty() {
                        return Err(self.fail("`split` needs a non-empty separator"));
                    }
                    self.tick_n(t.len() as u64)?;
                    let parts: Vec<Value> = t.split(&**sep).map(|p| Value::Text(p.into())).collect();
                    self.alloc(parts.len() as u64 * VALUE_BYTES + t.len() as u64)?;
                    Ok(Value::List(Arc::new(parts)))
                }
                _ => Err(bad(self)),
            },
            Builtin::Join => match (args.first(), args.get(1)) {
                (Some(Value::List(items)), Some(Value::Text(sep))) => {
                    let mut out = String::new();
                    for (i, v) in items.iter().enumerate() {
                        let Value::Text(t) = v else { return Err(bad(self)) };
                        if i > 0 {
                            out.push_str(sep);
                        }
                        self.tick_n(1 + t.len() as u64)?;
                        self.alloc((t.len() + sep.len()) as u64)?;
                        out.push_str(t);
                    }
                    Ok(Value::Text(out.into()))
                }
                _ => Err(bad(self)),
            },
            Builtin::Sort | Builtin::Reverse | Builtin::Distinct | Builtin::Flatten => {
                let Some(Value::List(items)) = args.first() else { return Err(bad(self)) };
                let n = items.len() as u64;
                let out: Vec<Value> = match b {
                    Builtin::Sort => {
                        // n log n comparisons, each reading its elements
                        self.tick_n(n.saturating_mul(64 - n.leading_zeros() as u64 + 1))?;
                        for x in items.iter() {
                            let w = self.weigh(x);
                            self.tick_n(w.saturating_mul(64 - n.leading_zeros() as u64 + 1))?;
                        }
                        let mut v = items.to_vec();
                        v.sort();
                        v
                    }
                    Builtin::Reverse => {
                        self.tick_n(n)?;
                        items.iter().rev().cloned().collect()
                    }
                    Builtin::Distinct => {
                        let mut seen = std::collections::HashSet::with_capacity(items.len());
                        self.tick_n(n)?;
                        // hashing reads each element whole
                        for x in items.iter() {
                            self.tick_weight(x)?;
                        }
                        items.iter().filter(|v| seen.insert(*v)).cloned().collect()
                    }
                    _ => {
                        let mut v = Vec::new();
                        for inner in items.iter() {
                            let Value::List(xs) = inner else { return Err(bad(self)) };
                            self.tick_n(1 + xs.len() as u64)?;
                            if v.len() + xs.len() > crate::value::MAX_LIST_LEN {
                                return Err(self.fail(format!(
                                    "`flatten` would make a list longer than the limit {}",
                                    crate::value::MAX_LIST_LEN
                                )));
                            }
                            v.extend(xs.iter().cloned());
                        }
                        v
                    }
                };
                self.alloc(out.len() as u64 * VALUE_BYTES)?;
                Ok(Value::List(Arc::new(out)))
            }
            Builtin::IndexOf => {
                let (Some(Value::List(items)), Some(x)) = (args.first(), args.get(1)) else { return Err(bad(self)) };
                // each comparison may read `x` whole: charge before comparing
                let per = self.weigh(x);
                self.tick_n(per.saturating_mul(items.len() as u64))?;
                let at = items.iter().position(|v| v == x);
                Ok(Value::int(at.map_or(0, |k| k as i64 + 1)))
            }
            Builtin::Sublist => {
                let (Some(Value::List(items)), Some(start), Some(len)) =
                    (args.first(), int(args.get(1)), int(args.get(2)))
                else {
                    return Err(bad(self));
                };
                if start < 1 || len < 0 {
                    return Err(self.fail(format!(
                        "`sublist` starts at 1 or later and takes 0 or more items, not from {start} for {len}"
                    )));
                }
                let out: Vec<Value> = items.iter().skip((start - 1) as usize).take(len as usize).cloned().collect();
                self.tick_n(1 + out.len() as u64)?;
                self.alloc(out.len() as u64 * VALUE_BYTES)?;
                Ok(Value::List(Arc::new(out)))
            }
            Builtin::Progressive(c) | Builtin::ScaleRate(c) | Builtin::QuickDeduction(c) => {
                let Some(Value::Number(x)) = args.first() else { return Err(bad(self)) };
                let rs: &'a Ruleset = self.rs;
                let scale = rs.scales.get(c).ok_or_else(|| self.fail(format!("no scale with index {c}")))?;
                let version = scale.at(self.as_of).ok_or_else(|| self.fail(scale.not_yet(self.as_of)))?;
                self.tick_n(version.brackets.len() as u64)?;
                let k = version.bracket_of(x);
                let Some(bracket) = version.brackets.get(k) else { return Err(self.fail("a scale without brackets")) };
                match b {
                    Builtin::ScaleRate(_) => Ok(Value::Number(bracket.rate.clone())),
                    Builtin::QuickDeduction(_) => Ok(Value::Number(bracket.quick_deduction.clone())),
                    _ if *x <= Number::zero() => Ok(Value::int(0)),
                    // the quick-deduction form: x × rate − deduction
                    _ => {
                        if self.trace.is_some() {
                            self.trace_brackets(scale, version, x);
                        }
                        let gross = self.arith(BinOp::Mul, x, &bracket.rate, at)?;
                        self.arith(BinOp::Sub, &gross, &bracket.quick_deduction, at).map(Value::Number)
                    }
                }
            }
            Builtin::IsWorkday(c) => {
                let d = date(args.first()).ok_or_else(|| bad(self))?;
                let cal = self.calendar(c)?;
                cal.is_workday(d).map(Value::Bool).map_err(|m| self.fail(m))
            }
            Builtin::WorkdaysBetween(c) => {
                let (Some(a), Some(z)) = (date(args.first()), date(args.get(1))) else { return Err(bad(self)) };
                let cal = self.calendar(c)?;
                let mut count = 0i64;
                let mut d = a;
                while d <= z {
                    self.tick()?;
                    if cal.is_workday(d).map_err(|m| self.fail(m))? {
                        count += 1;
                    }
                    d = d.add_days(1).map_err(|m| self.fail(m))?;
                }
                Ok(Value::int(count))
            }
            Builtin::AddWorkdays(c) => {
                let (Some(mut d), Some(n)) = (date(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                let cal = self.calendar(c)?;
                let step = n.signum();
                let mut left = n.unsigned_abs();
                while left > 0 {
                    self.tick()?;
                    d = d.add_days(step).map_err(|m| self.fail(m))?;
                    if cal.is_workday(d).map_err(|m| self.fail(m))? {
                        left -= 1;
                    }
                }
                Ok(Value::Date(d))
            }
            Builtin::Concat => {
                let total: usize = args.iter().map(|a| if let Value::List(items) = a { items.len() } else { 0 }).sum();
                if total > crate::value::MAX_LIST_LEN {
                    return Err(self.fail(format!(
                        "`concat` would make a list of {total} items, longer than the limit {}",
                        crate::value::MAX_LIST_LEN
                    )));
                }
                self.tick_n(total as u64)?;
                self.alloc(total as u64 * VALUE_BYTES)?;
                let mut out = Vec::with_capacity(total);
                for a in &args {
                    let Value::List(items) = a else { return Err(bad(self)) };
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

/// The error for an absent value read where a value is needed; `at` is
/// ` at file:line:col` or empty. Both evaluators give it.
pub(crate) fn absent_message(name: &str, at: &str) -> String {
    format!(
        "`{name}` has no value{at} (it is optional and was left out): test it with `is_missing({name})` or give a fallback, `{name} ?? 0`"
    )
}
