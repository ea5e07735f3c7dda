//! Name resolution and type checking: turns a syntax tree into a compiled
//! expression whose names are resolved to slots, parameters and rules, so
//! evaluation never looks anything up by name or re-parses text.

use super::syntax::{AggKind, BinOp, Expr, ExprKind};
use crate::number::RoundingMode;
use crate::value::{Type, Value};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::sync::Arc;

/// A built-in function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// Least of the arguments, or of a list.
    Min,
    /// Greatest of the arguments, or of a list.
    Max,
    /// Sum of a list of numbers.
    SumList,
    /// Length of a list.
    CountList,
    /// Absolute value.
    Abs,
    /// Rounding with a mode; the second argument is the number of places.
    Round(RoundingMode),
    /// `days_between(a, b)` = b − a in days.
    DaysBetween,
    /// `add_days(d, n)`.
    AddDays,
    /// `add_months(d, n)`.
    AddMonths,
    /// `add_years(d, n)`.
    AddYears,
    /// `year(d)`.
    Year,
    /// `month(d)`.
    Month,
    /// `day(d)`.
    Day,
    /// `weekday(d)`: Monday = 1 … Sunday = 7.
    Weekday,
    /// `date(y, m, d)`.
    MakeDate,
    /// `dates(a, b)`: every date from a to b inclusive.
    Dates,
    /// `last_day_of_month(d)`.
    LastDayOfMonth,
    /// `concat(a, b, …)`: the lists one after another.
    Concat,
    /// `pow(x, n)`: x to an integer power (exact).
    Pow,
    /// `minutes_between(a, b)`: whole minutes from datetime a to b (floor).
    MinutesBetween,
    /// `hours_between(a, b)`: exact hours from datetime a to b.
    HoursBetween,
    /// `add_minutes(t, n)`.
    AddMinutes,
    /// `date_of(t)`: the calendar date of a datetime.
    DateOf,
    /// `datetime(d, h, m)`.
    MakeDateTime,
    /// `range(a, b)`: the integers from a to b inclusive.
    Range,
    /// `contains(text, part)`.
    Contains,
    /// `length(text)`: the number of characters.
    Length,
    /// `as_of()`: the evaluation's as-of date.
    AsOf,
    /// `concat_text(a, b, …)`: the texts one after another.
    ConcatText,
    /// `text_of(x)`: a number, date, bool or text as text.
    TextOf,
    /// `format_number(x, places, separator)`: rounded half up, fixed places,
    /// thousands grouped.
    FormatNumber,
    /// `format_date(x, pattern)`: a date, date-time or time of day written by
    /// a pattern of parts in braces (`{year}年{month}月{day}日`).
    FormatDate,
    /// `upper(t)`.
    Upper,
    /// `lower(t)`.
    Lower,
    /// `starts_with(t, p)`.
    StartsWith,
    /// `ends_with(t, p)`.
    EndsWith,
    /// `replace(t, from, to)`: every occurrence.
    Replace,
    /// `substring(t, start, length)`: characters, from 1.
    Substring,
    /// `split(t, separator)`.
    Split,
    /// `join(list of text, separator)`.
    Join,
    /// `sort(list)`: ascending.
    Sort,
    /// `reverse(list)`.
    Reverse,
    /// `distinct(list)`: first occurrences, in order.
    Distinct,
    /// `index_of(list, x)`: the position of the first x, from 1; 0 if none.
    IndexOf,
    /// `sublist(list, start, length)`: from position start (from 1).
    Sublist,
    /// `flatten(list of lists)`.
    Flatten,
    /// `progressive(scale, x)`: the tax on x, each part at its bracket's rate.
    Progressive(usize),
    /// `scale_rate(scale, x)`: the rate of the bracket x falls in.
    ScaleRate(usize),
    /// `quick_deduction(scale, x)`: the quick deduction of that bracket.
    QuickDeduction(usize),
    /// `is_workday(d)`, by the calendar (an index into the ruleset's).
    IsWorkday(usize),
    /// `workdays_between(a, b)`: working days from a to b, both included.
    WorkdaysBetween(usize),
    /// `add_workdays(d, n)`: the n-th working day after d (before, for n < 0;
    /// d itself for 0).
    AddWorkdays(usize),
    /// `time(h, m)`: a time of day.
    MakeTime,
    /// `time_of(t)`: the time of day of a datetime.
    TimeOf,
    /// `at_time(d, t)`: a date at a time of day.
    AtTime,
    /// `days(n)`, `hours(n)`, `minutes(n)`: a duration of n units of so
    /// many seconds.
    DurationOf(i64),
    /// `duration_between(a, b)`: from datetime (or time of day) a to b.
    DurationBetween,
    /// `add_duration(x, d)`: a datetime d later, or two durations added.
    AddDuration,
    /// `in_days(d)`, `in_hours(d)`, `in_minutes(d)`: a duration as an exact
    /// number of units of so many seconds.
    DurationIn(i64),
}

impl Builtin {
    /// The scale a schedule function reads.
    pub fn scale(self) -> Option<usize> {
        match self {
            Builtin::Progressive(c) | Builtin::ScaleRate(c) | Builtin::QuickDeduction(c) => Some(c),
            _ => None,
        }
    }

    /// The calendar a working-day function reads.
    pub fn calendar(self) -> Option<usize> {
        match self {
            Builtin::IsWorkday(c) | Builtin::WorkdaysBetween(c) | Builtin::AddWorkdays(c) => Some(c),
            _ => None,
        }
    }

    /// The same function, reading the calendar or scale with index `c`.
    fn with_index(self, c: usize) -> Builtin {
        match self {
            Builtin::IsWorkday(_) => Builtin::IsWorkday(c),
            Builtin::Progressive(_) => Builtin::Progressive(c),
            Builtin::ScaleRate(_) => Builtin::ScaleRate(c),
            Builtin::QuickDeduction(_) => Builtin::QuickDeduction(c),
            Builtin::WorkdaysBetween(_) => Builtin::WorkdaysBetween(c),
            Builtin::AddWorkdays(_) => Builtin::AddWorkdays(c),
            other => other,
        }
    }
}

/// The names of the built-in functions and aggregates, which rules may not
/// take as ids.
pub const BUILTIN_NAMES: &[&str] = &[
    "min",
    "max",
    "sum",
    "count",
    "any",
    "all",
    "abs",
    "ceil",
    "floor",
    "round_half_up",
    "round_half_even",
    "days_between",
    "add_days",
    "add_months",
    "add_years",
    "year",
    "month",
    "day",
    "weekday",
    "date",
    "dates",
    "last_day_of_month",
    "concat",
    "pow",
    "minutes_between",
    "hours_between",
    "add_minutes",
    "date_of",
    "datetime",
    "range",
    "contains",
    "length",
    "as_of",
    "concat_text",
    "text_of",
    "format_number",
    "format_date",
    "upper",
    "lower",
    "starts_with",
    "ends_with",
    "replace",
    "substring",
    "split",
    "join",
    "sort",
    "reverse",
    "distinct",
    "index_of",
    "sublist",
    "flatten",
    "progressive",
    "scale_rate",
    "quick_deduction",
    "is_workday",
    "workdays_between",
    "add_workdays",
    "is_missing",
    "time",
    "time_of",
    "at_time",
    "days",
    "hours",
    "minutes",
    "duration_between",
    "add_duration",
    "in_days",
    "in_hours",
    "in_minutes",
];

/// Where a compiled node came from in its pack file (1-based; `0:0` when
/// the expression has no file, as in a scenario given on the command line).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    /// Line.
    pub line: u32,
    /// Column, in characters.
    pub column: u32,
}

/// Maps character offsets of one expression to file positions. Built once
/// per expression by the loader; compilation stamps each node that can fail
/// at run time with its position, so a run-time error names file:line:col.
#[derive(Clone, Debug, Default)]
pub struct Locator(Option<Arc<[Loc]>>);

impl Locator {
    /// A locator from the position of every character offset (and one past
    /// the end).
    pub fn new(positions: Vec<Loc>) -> Locator {
        Locator(Some(positions.into()))
    }

    /// The position of a character offset.
    pub fn at(&self, offset: usize) -> Loc {
        match &self.0 {
            Some(p) => p.get(offset).or_else(|| p.last()).copied().unwrap_or_default(),
            None => Loc::default(),
        }
    }
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub enum CExpr {
    /// A constant.
    Const(Value),
    /// A local: rule input, `let`, earlier output or loop variable.
    Local(usize),
    /// A parameter, resolved as of the evaluation date.
    Param(usize),
    /// Field of a record, and the position the field has in the record's
    /// type: where it is looked for first, before looking it up by name (a
    /// record may carry more fields than its type names).
    Field(Box<CExpr>, Arc<str>, usize),
    /// Negation.
    Neg(Box<CExpr>),
    /// Logical not.
    Not(Box<CExpr>),
    /// Comparison or membership.
    Binary(BinOp, Box<CExpr>, Box<CExpr>),
    /// Arithmetic: the first operand, then each `+ - * /` with its operand
    /// and where the operator stands, applied left to right.
    Arith(Box<CExpr>, Vec<(BinOp, CExpr, Loc)>),
    /// Short-circuit `and` of every operand, left to right.
    And(Vec<CExpr>),
    /// Short-circuit `or` of every operand, left to right.
    Or(Vec<CExpr>),
    /// Conditional.
    If(Box<CExpr>, Box<CExpr>, Box<CExpr>),
    /// A call of another rule: one argument per input (None = the input's
    /// default), and whether each needs a run-time type check.
    CallRule {
        /// Rule index.
        rule: usize,
        /// Arguments in input order.
        args: Vec<Option<CExpr>>,
        /// Per argument: needs a run-time check against the input type.
        check: Vec<bool>,
        /// `Some(i)` when only output `i` is read (`rule(…).field`): the
        /// value comes back alone, without building the record of outputs.
        output: Option<usize>,
    },
    /// A value computed by a fused pass over a list (see
    /// [`crate::expr::fuse`]): member `member` of pass `pass` of the rule
    /// being evaluated.
    Fused {
        /// The pass, an index into the rule's passes.
        pass: usize,
        /// The aggregate within the pass.
        member: usize,
    },
    /// A built-in function, and where it is called.
    Builtin(Builtin, Vec<CExpr>, Loc),
    /// An aggregate or comprehension; the loop variable lives at `slot`
    /// (for `fold` and `scan`, the running value lives at `slot` and the
    /// element at `slot + 1`).
    Aggregate {
        /// Which aggregate.
        kind: AggKind,
        /// Slot of the loop variable.
        slot: usize,
        /// The list.
        list: Box<CExpr>,
        /// The filter.
        filter: Option<Box<CExpr>>,
        /// The body.
        body: Option<Box<CExpr>>,
        /// For `fold` and `scan`: the running value's initial value.
        init: Option<Box<CExpr>>,
        /// Where the aggregate is written.
        at: Loc,
    },
    /// A value that may be absent, read where a value is needed: absent is
    /// an evaluation error naming it (as written) at its position.
    Present(Box<CExpr>, Arc<str>, Loc),
    /// `a ?? b ?? …`: the first operand that is not absent (the last one
    /// as it is).
    Coalesce(Vec<CExpr>),
    /// `is_missing(x)`: true where x is absent.
    IsMissing(Box<CExpr>),
    /// A list literal.
    List(Vec<CExpr>),
    /// A record literal: its field names (shared by every record it makes)
    /// and one expression per field.
    Record(crate::value::FieldNames, Vec<CExpr>),
}

/// The signature of a rule, as its callers see it.
#[derive(Clone, Debug)]
pub struct RuleSig {
    /// `pack.rule`.
    pub qualified: String,
    /// Inputs: name, type, has a default.
    pub inputs: Vec<(String, Type, bool)>,
    /// Outputs.
    pub outputs: IndexMap<String, Type>,
}

/// What expressions may refer to besides locals.
#[derive(Clone, Debug, Default)]
pub struct Globals {
    /// Pack ids.
    pub packs: Vec<String>,
    /// Parameters by (pack, name) → (index, type).
    pub params: HashMap<(String, String), (usize, Type)>,
    /// Rules by qualified id → index.
    pub rules: HashMap<String, usize>,
    /// Signatures by rule index; `None` while a rule is not compiled yet.
    pub sigs: Vec<Option<RuleSig>>,
    /// The working-day calendar of each pack that has one → its index.
    pub calendars: HashMap<String, usize>,
    /// Rate schedules by (pack, name) → index.
    pub scales: HashMap<(String, String), usize>,
}

/// A type or name error, at a character offset of the expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    /// Offset in characters.
    pub pos: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

fn cerr(pos: usize, message: impl Into<String>) -> CompileError {
    CompileError { pos, message: message.into(), help: None }
}

fn cerr_help(pos: usize, message: impl Into<String>, help: impl Into<String>) -> CompileError {
    CompileError { pos, message: message.into(), help: Some(help.into()) }
}

/// The closest of `candidates` to `name`, if close enough to suggest.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(name, c);
        if d <= (name.chars().count() / 3).max(2) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// The names in scope while compiling one expression.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Locals, innermost last; a local's slot is its index.
    pub locals: Vec<(String, Type)>,
    /// The pack whose parameters and rules bare names refer to.
    pub pack: Option<String>,
    /// File positions of the expression being compiled.
    pub locator: Locator,
}

impl Scope {
    fn lookup(&self, name: &str) -> Option<(usize, &Type)> {
        self.locals.iter().enumerate().rev().find(|(_, (n, _))| n == name).map(|(i, (_, t))| (i, t))
    }
}

/// Compiles an expression in a scope.
///
/// # Errors
/// The first name or type error.
/// A value that may be absent is checked where it is read: the result has
/// the value's own type, and evaluation stops with an error naming it if it
/// is absent. [`compile_raw`] leaves it as it is, for `??`, `is_missing`
/// and optional inputs of called rules.
pub fn compile(e: &Expr, scope: &mut Scope, g: &Globals) -> Result<(CExpr, Type), CompileError> {
    // nesting is bounded by the parser; a small host stack is topped up
    let (c, t) = stacker::maybe_grow(32 * 1024, 256 * 1024, || compile_node(e, scope, g))?;
    Ok(present(c, t, e, scope))
}

/// Compiles an expression, leaving a value that may be absent unchecked
/// (its type stays `optional T`).
///
/// # Errors
/// The first name or type error.
pub fn compile_raw(e: &Expr, scope: &mut Scope, g: &Globals) -> Result<(CExpr, Type), CompileError> {
    // nesting is bounded by the parser; a small host stack is topped up
    stacker::maybe_grow(32 * 1024, 256 * 1024, || match &e.kind {
        // where an absent value may stand, it may come out of either branch
        ExprKind::If(c, a, b) => compile_if(c, a, b, true, scope, g),
        _ => compile_node(e, scope, g),
    })
}

/// `if c then a else b`. Where the `if` itself may be absent (`raw`: an
/// optional output, the left of `??`, `is_missing`, an optional input of a
/// called rule), a branch may give an absent value and the `if` is
/// optional; elsewhere each branch's value is checked where it is read.
fn compile_if(
    c: &Expr,
    a: &Expr,
    b: &Expr,
    raw: bool,
    scope: &mut Scope,
    g: &Globals,
) -> Result<(CExpr, Type), CompileError> {
    let (cc, tc) = compile(c, scope, g)?;
    expect_bool(&tc, c.pos, "`if`")?;
    let (ca, ta) = if raw { compile_raw(a, scope, g)? } else { compile(a, scope, g)? };
    let (cb, tb) = if raw { compile_raw(b, scope, g)? } else { compile(b, scope, g)? };
    let optional = matches!(ta, Type::Optional(_)) || matches!(tb, Type::Optional(_));
    let inner = |t: Type| match t {
        Type::Optional(t) => *t,
        t => t,
    };
    let (ta, tb) = (inner(ta), inner(tb));
    let t = ta.join(&tb).ok_or_else(|| cerr(b.pos, format!("the branches of `if` differ in type: {ta} and {tb}")))?;
    let t = if optional { Type::Optional(Box::new(t)) } else { t };
    Ok((CExpr::If(Box::new(cc), Box::new(ca), Box::new(cb)), t))
}

fn present(c: CExpr, t: Type, e: &Expr, scope: &Scope) -> (CExpr, Type) {
    match t {
        Type::Optional(inner) => {
            let name = match &e.kind {
                ExprKind::Path(p) => p.join("."),
                _ => e.to_string(),
            };
            (CExpr::Present(Box::new(c), Arc::from(name), scope.locator.at(e.pos)), *inner)
        }
        t => (c, t),
    }
}

fn compile_node(e: &Expr, scope: &mut Scope, g: &Globals) -> Result<(CExpr, Type), CompileError> {
    let pos = e.pos;
    Ok(match &e.kind {
        ExprKind::Number(n) => {
            let t = if n.is_integer() { Type::Integer } else { Type::Number };
            (CExpr::Const(Value::Number(n.clone())), t)
        }
        ExprKind::Text(s) => (CExpr::Const(Value::text(s)), Type::Text),
        ExprKind::Date(d) => (CExpr::Const(Value::Date(*d)), Type::Date),
        ExprKind::DateTime(d) => (CExpr::Const(Value::DateTime(*d)), Type::DateTime),
        ExprKind::Bool(b) => (CExpr::Const(Value::Bool(*b)), Type::Bool),
        ExprKind::Path(path) => compile_path(path, pos, scope, g)?,
        ExprKind::Field(inner, name) => {
            let (c, t) = compile(inner, scope, g)?;
            field_of(c, &t, name, pos)?
        }
        ExprKind::Neg(inner) => {
            let (c, t) = compile(inner, scope, g)?;
            if !t.is_numeric() {
                return Err(cerr(pos, format!("`-` needs a number, found {t}")));
            }
            (CExpr::Neg(Box::new(c)), t)
        }
        ExprKind::Not(inner) => {
            let (c, t) = compile(inner, scope, g)?;
            expect_bool(&t, inner.pos, "`not`")?;
            (CExpr::Not(Box::new(c)), Type::Bool)
        }
        ExprKind::Binary(BinOp::Coalesce, a, b) => compile_coalesce(&[a, b], scope, g)?,
        ExprKind::Binary(op, a, b) => {
            let (ca, ta) = compile(a, scope, g)?;
            let (cb, tb) = compile(b, scope, g)?;
            compile_binary(*op, ca, ta, cb, tb, a.pos, b.pos)?
        }
        ExprKind::Chain(first, rest) => compile_chain(first, rest, scope, g)?,
        ExprKind::If(c, a, b) => compile_if(c, a, b, false, scope, g)?,
        ExprKind::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut t = Type::Unknown;
            for item in items {
                let (c, ti) = compile(item, scope, g)?;
                t = t.join(&ti).ok_or_else(|| cerr(item.pos, format!("list items differ in type: {t} and {ti}")))?;
                out.push(c);
            }
            (CExpr::List(out), Type::List(Box::new(t)))
        }
        ExprKind::Record(fields) => {
            let mut out = Vec::with_capacity(fields.len());
            let mut types = IndexMap::new();
            for (name, fe) in fields {
                let (c, t) = compile(fe, scope, g)?;
                types.insert(name.clone(), t);
                out.push(c);
            }
            let names = fields.iter().map(|(n, _)| Arc::from(n.as_str())).collect();
            (CExpr::Record(names, out), Type::Record(Arc::new(types)))
        }
        ExprKind::Aggregate { kind, body, var, list, filter, init } => {
            let (cl, tl) = compile(list, scope, g)?;
            let elem = match tl {
                Type::List(t) => *t,
                other => {
                    return Err(cerr(list.pos, format!("`{}` needs a list after `in`, found {other}", kind.name())))
                }
            };
            if let Some((acc, start)) = init {
                return compile_fold(
                    *kind,
                    (acc, start),
                    body.as_deref(),
                    var,
                    (cl, elem),
                    filter.as_deref(),
                    pos,
                    scope,
                    g,
                );
            }
            let slot = scope.locals.len();
            scope.locals.push((var.clone(), elem.clone()));
            let result = (|| {
                let cf = match filter {
                    Some(f) => {
                        let (cf, tf) = compile(f, scope, g)?;
                        expect_bool(&tf, f.pos, "`where`")?;
                        Some(Box::new(cf))
                    }
                    None => None,
                };
                let (cb, tb) = match body {
                    Some(b) => {
                        let (cb, tb) = compile(b, scope, g)?;
                        (Some(Box::new(cb)), Some((tb, b.pos)))
                    }
                    None => (None, None),
                };
                let t = match (kind, &tb) {
                    (AggKind::Count, _) => Type::Integer,
                    (AggKind::Sum, Some((t, p))) => {
                        if !t.is_numeric() {
                            return Err(cerr(*p, format!("`sum` adds numbers, found {t}")));
                        }
                        t.clone()
                    }
                    (AggKind::Min | AggKind::Max, Some((t, p))) => {
                        if !t.is_ordered() {
                            return Err(cerr(*p, format!("`{}` compares numbers or dates, found {t}", kind.name())));
                        }
                        t.clone()
                    }
                    (AggKind::Any | AggKind::All, Some((t, p))) => {
                        expect_bool(t, *p, kind.name())?;
                        Type::Bool
                    }
                    (AggKind::List, Some((t, _))) => Type::List(Box::new(t.clone())),
                    (AggKind::SortBy, Some((t, p))) => {
                        if !(t.is_ordered() || *t == Type::Text) {
                            return Err(CompileError {
                                pos: *p,
                                message: format!("`sort_by` orders by a number, date or text, found {t}"),
                                help: Some("give the key to order by: `sort_by(e.score for e in roster)`".into()),
                            });
                        }
                        Type::List(Box::new(elem.clone()))
                    }
                    (AggKind::Fold | AggKind::Scan, _) => {
                        return Err(cerr(pos, format!("`{}` needs its running value first", kind.name())))
                    }
                    (_, None) => return Err(cerr(pos, format!("`{}` needs an expression before `for`", kind.name()))),
                };
                Ok((cf, cb, t))
            })();
            scope.locals.truncate(slot);
            let (cf, cb, t) = result?;
            let at = scope.locator.at(pos);
            (CExpr::Aggregate { kind: *kind, slot, list: Box::new(cl), filter: cf, body: cb, init: None, at }, t)
        }
        ExprKind::Call { name, args, named } => compile_call(name, args, named, pos, scope, g)?,
    })
}

/// `fold(acc = init, body for var in list where filter)` and `scan(…)`:
/// the running value has the type of its start, widened once if the body
/// gives a wider one (an integer start, a number body); the body must then
/// give that type.
#[allow(clippy::too_many_arguments)]
fn compile_fold(
    kind: AggKind,
    (acc, start): (&String, &Expr),
    body: Option<&Expr>,
    var: &str,
    (cl, elem): (CExpr, Type),
    filter: Option<&Expr>,
    pos: usize,
    scope: &mut Scope,
    g: &Globals,
) -> Result<(CExpr, Type), CompileError> {
    let Some(body) = body else { return Err(cerr(pos, format!("`{}` needs an expression before `for`", kind.name()))) };
    let (ci, ti) = compile(start, scope, g)?;
    let slot = scope.locals.len();
    let mut acc_ty = ti;
    let mut attempt = 0;
    let result = loop {
        scope.locals.truncate(slot);
        scope.locals.push((acc.clone(), acc_ty.clone()));
        scope.locals.push((var.to_string(), elem.clone()));
        let r = (|| {
            let cf = match filter {
                Some(f) => {
                    let (cf, tf) = compile(f, scope, g)?;
                    expect_bool(&tf, f.pos, "`where`")?;
                    Some(Box::new(cf))
                }
                None => None,
            };
            let (cb, tb) = compile(body, scope, g)?;
            Ok((cf, cb, tb))
        })();
        let (cf, cb, tb) = match r {
            Ok(x) => x,
            Err(e) => break Err(e),
        };
        if tb.fits(&acc_ty) {
            break Ok((cf, cb));
        }
        match acc_ty.join(&tb) {
            Some(wider) if attempt == 0 && wider != acc_ty => {
                acc_ty = wider;
                attempt += 1;
            }
            _ => {
                break Err(CompileError {
                    pos: body.pos,
                    message: format!(
                        "`{}`: the running value `{acc}` starts as {acc_ty}, but the step gives {tb}",
                        kind.name()
                    ),
                    help: Some(format!("the expression before `for` computes the next `{acc}` from `{acc}` and `{var}`; it must give the same type as the start")),
                })
            }
        }
    };
    scope.locals.truncate(slot);
    let (cf, cb) = result?;
    let at = scope.locator.at(pos);
    let t = if kind == AggKind::Scan { Type::List(Box::new(acc_ty)) } else { acc_ty };
    Ok((
        CExpr::Aggregate {
            kind,
            slot,
            list: Box::new(cl),
            filter: cf,
            body: Some(Box::new(cb)),
            init: Some(Box::new(ci)),
            at,
        },
        t,
    ))
}

fn expect_bool(t: &Type, pos: usize, what: &str) -> Result<(), CompileError> {
    if *t == Type::Bool {
        Ok(())
    } else {
        Err(cerr(pos, format!("{what} needs true or false, found {t}")))
    }
}

fn field_of(c: CExpr, t: &Type, name: &str, pos: usize) -> Result<(CExpr, Type), CompileError> {
    match t {
        Type::Record(fields) => match fields.get_full(name) {
            Some((i, _, ft)) => Ok((
                match c {
                    // one output of a rule call: read it by position
                    CExpr::CallRule { rule, args, check, output: None } => {
                        CExpr::CallRule { rule, args, check, output: Some(i) }
                    }
                    c => CExpr::Field(Box::new(c), Arc::from(name), i),
                },
                ft.clone(),
            )),
            None => {
                let help = match suggest(name, fields.keys().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("fields are: {}", fields.keys().cloned().collect::<Vec<_>>().join(", ")),
                };
                Err(cerr_help(pos, format!("no field `{name}` in {t}"), help))
            }
        },
        other => Err(cerr(pos, format!("`.{name}` needs a record, found {other}"))),
    }
}

fn compile_path(path: &[String], pos: usize, scope: &Scope, g: &Globals) -> Result<(CExpr, Type), CompileError> {
    let Some((first, rest)) = path.split_first() else {
        return Err(cerr(pos, "empty name"));
    };
    // a local, then field accesses
    if let Some((slot, t)) = scope.lookup(first) {
        let mut c = CExpr::Local(slot);
        let mut t = t.clone();
        for (k, f) in rest.iter().enumerate() {
            if let Type::Optional(inner) = t {
                let name = path.get(..=k).unwrap_or_default().join(".");
                c = CExpr::Present(Box::new(c), Arc::from(name), scope.locator.at(pos));
                t = *inner;
            }
            let (c2, t2) = field_of(c, &t, f, pos)?;
            c = c2;
            t = t2;
        }
        return Ok((c, t));
    }
    // a parameter of the current pack, or `pack.param`
    let (param, fields) = match (&scope.pack, rest) {
        (Some(p), _) if g.params.contains_key(&(p.clone(), first.clone())) => {
            (g.params.get(&(p.clone(), first.clone())), rest)
        }
        (_, [second, more @ ..]) if g.packs.contains(first) => (g.params.get(&(first.clone(), second.clone())), more),
        _ => (None, rest),
    };
    if let Some((idx, t)) = param {
        let mut c = CExpr::Param(*idx);
        let mut t = t.clone();
        for f in fields {
            let (c2, t2) = field_of(c, &t, f, pos)?;
            c = c2;
            t = t2;
        }
        return Ok((c, t));
    }
    let mut candidates: Vec<&str> = scope.locals.iter().map(|(n, _)| n.as_str()).collect();
    if let Some(p) = &scope.pack {
        let mut params: Vec<&str> = g.params.keys().filter(|(pk, _)| pk == p).map(|(_, n)| n.as_str()).collect();
        params.sort_unstable();
        candidates.extend(params);
    }
    let help = match suggest(&path.join("."), candidates.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if candidates.is_empty() => "no inputs or parameters are in scope here".to_string(),
        None if candidates.len() <= 8 => format!("names in scope: {}", candidates.join(", ")),
        None => {
            format!("names in scope include: {}, …", candidates.iter().take(8).copied().collect::<Vec<_>>().join(", "))
        }
    };
    Err(cerr_help(pos, format!("unknown name `{}`", path.join(".")), help))
}

/// Compiles a flat chain of one precedence level: `+ -`, `* /`, `and` or
/// `or`. Each operand is compiled once and moved into place, so checking is
/// linear in the number of terms.
fn compile_chain(
    first: &Expr,
    rest: &[(BinOp, Expr)],
    scope: &mut Scope,
    g: &Globals,
) -> Result<(CExpr, Type), CompileError> {
    if rest.first().is_some_and(|(op, _)| *op == BinOp::Coalesce) {
        let operands: Vec<&Expr> = std::iter::once(first).chain(rest.iter().map(|(_, e)| e)).collect();
        return compile_coalesce(&operands, scope, g);
    }
    let (c0, t0) = compile(first, scope, g)?;
    let logical = rest.first().is_some_and(|(op, _)| matches!(op, BinOp::And | BinOp::Or));
    if logical {
        let op = rest.first().map(|(op, _)| *op).unwrap_or(BinOp::And);
        expect_bool(&t0, first.pos, op.symbol())?;
        let mut items = Vec::with_capacity(rest.len() + 1);
        items.push(c0);
        for (op2, e) in rest {
            if *op2 != op {
                return Err(cerr(e.pos, format!("`{}` mixed with `{}` in one chain", op2.symbol(), op.symbol())));
            }
            let (c, t) = compile(e, scope, g)?;
            expect_bool(&t, e.pos, op.symbol())?;
            items.push(c);
        }
        return Ok((if op == BinOp::And { CExpr::And(items) } else { CExpr::Or(items) }, Type::Bool));
    }
    let mut all_integer = t0 == Type::Integer;
    if !t0.is_numeric() {
        let sym = rest.first().map(|(op, _)| op.symbol()).unwrap_or("+");
        return Err(cerr(first.pos, format!("`{sym}` needs numbers, found {t0}")));
    }
    let mut items = Vec::with_capacity(rest.len());
    for (op, e) in rest {
        if !matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div) {
            return Err(cerr(e.pos, format!("`{}` cannot be chained with arithmetic", op.symbol())));
        }
        let (c, t) = compile(e, scope, g)?;
        if !t.is_numeric() {
            return Err(cerr(e.pos, format!("`{}` needs numbers, found {t}", op.symbol())));
        }
        all_integer &= t == Type::Integer && *op != BinOp::Div;
        // the operator stands just before its operand; the operand's own
        // position is the nearest one the tree keeps
        items.push((*op, c, scope.locator.at(e.pos)));
    }
    let t = if all_integer { Type::Integer } else { Type::Number };
    Ok((CExpr::Arith(Box::new(c0), items), t))
}

/// `a ?? b ?? c`: every operand but the last may be absent and is read as
/// it is; the value has the operands' joined type, optional only when the
/// last operand may be absent too.
fn compile_coalesce(operands: &[&Expr], scope: &mut Scope, g: &Globals) -> Result<(CExpr, Type), CompileError> {
    let mut items = Vec::with_capacity(operands.len());
    let mut joined = Type::Unknown;
    let mut last_optional = false;
    for (k, e) in operands.iter().enumerate() {
        let (c, t) = compile_raw(e, scope, g)?;
        let is_last = k + 1 == operands.len();
        let inner = match &t {
            Type::Optional(inner) => (**inner).clone(),
            Type::Unknown => Type::Unknown,
            other if !is_last => {
                return Err(cerr_help(
                    e.pos,
                    format!("`{e}` is {other} and always has a value, so `??` never uses what follows it"),
                    "`??` fills in for an optional input or field; put the value that may be absent first",
                ))
            }
            other => other.clone(),
        };
        last_optional = is_last && matches!(t, Type::Optional(_));
        joined = joined
            .join(&inner)
            .ok_or_else(|| cerr(e.pos, format!("the operands of `??` differ in type: {joined} and {inner}")))?;
        items.push(c);
    }
    let t = if last_optional { Type::Optional(Box::new(joined)) } else { joined };
    Ok((CExpr::Coalesce(items), t))
}

fn compile_binary(
    op: BinOp,
    ca: CExpr,
    ta: Type,
    cb: CExpr,
    tb: Type,
    pa: usize,
    pb: usize,
) -> Result<(CExpr, Type), CompileError> {
    match op {
        BinOp::Coalesce => Err(cerr(pa, "`??` reads its operands as they are; it is compiled before them")),
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::And | BinOp::Or => {
            // the parser writes these as chains; a tree built by hand gets
            // the same checks by going through the chain
            let (logical, want) = (matches!(op, BinOp::And | BinOp::Or), op.symbol());
            if logical {
                expect_bool(&ta, pa, want)?;
                expect_bool(&tb, pb, want)?;
                let items = vec![ca, cb];
                return Ok((if op == BinOp::And { CExpr::And(items) } else { CExpr::Or(items) }, Type::Bool));
            }
            if !ta.is_numeric() {
                return Err(cerr(pa, format!("`{want}` needs numbers, found {ta}")));
            }
            if !tb.is_numeric() {
                return Err(cerr(pb, format!("`{want}` needs numbers, found {tb}")));
            }
            let t = if op != BinOp::Div && ta == Type::Integer && tb == Type::Integer {
                Type::Integer
            } else {
                Type::Number
            };
            Ok((CExpr::Arith(Box::new(ca), vec![(op, cb, Loc::default())]), t))
        }
        BinOp::Eq | BinOp::Ne => {
            if ta.join(&tb).is_none() {
                return Err(cerr(pb, format!("cannot compare {ta} with {tb}")));
            }
            check_enum_literal(&ta, &cb, pb)?;
            check_enum_literal(&tb, &ca, pa)?;
            Ok((CExpr::Binary(op, Box::new(ca), Box::new(cb)), Type::Bool))
        }
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ok = (ta.is_numeric() && tb.is_numeric()) || (ta.is_ordered() && ta == tb);
            if !ok {
                return Err(cerr(pb, format!("`{}` orders numbers or dates, not {ta} and {tb}", op.symbol())));
            }
            Ok((CExpr::Binary(op, Box::new(ca), Box::new(cb)), Type::Bool))
        }
        BinOp::In => match &tb {
            Type::List(elem) => {
                if ta.join(elem).is_none() {
                    return Err(cerr(pa, format!("cannot look for {ta} in a list of {elem}")));
                }
                if let CExpr::List(items) = &cb {
                    for item in items {
                        check_enum_literal(&ta, item, pb)?;
                    }
                }
                Ok((CExpr::Binary(op, Box::new(ca), Box::new(cb)), Type::Bool))
            }
            other => Err(cerr(pb, format!("`in` needs a list on its right, found {other}"))),
        },
    }
}

/// Comparing an enum with a text literal that is not one of its values is
/// certainly a mistake (a misspelt class or sector): reject it at load.
fn check_enum_literal(t: &Type, other: &CExpr, pos: usize) -> Result<(), CompileError> {
    if let (Type::Enum(allowed), CExpr::Const(Value::Text(s))) = (t, other) {
        if !allowed.iter().any(|a| **a == **s) {
            let help = match suggest(s, allowed.iter().map(String::as_str)) {
                Some(x) => format!("did you mean `{x}`?"),
                None => format!("allowed: {}", allowed.join(", ")),
            };
            return Err(cerr_help(pos, format!("`{s}` is not one of the values of {t}"), help));
        }
    }
    Ok(())
}

fn builtin(name: &str) -> Option<(Builtin, usize, usize)> {
    // (builtin, min args, max args)
    Some(match name {
        "min" => (Builtin::Min, 1, 64),
        "max" => (Builtin::Max, 1, 64),
        "sum" => (Builtin::SumList, 1, 1),
        "count" => (Builtin::CountList, 1, 1),
        "abs" => (Builtin::Abs, 1, 1),
        "ceil" => (Builtin::Round(RoundingMode::Ceil), 1, 2),
        "floor" => (Builtin::Round(RoundingMode::Floor), 1, 2),
        "round_half_up" => (Builtin::Round(RoundingMode::HalfUp), 2, 2),
        "round_half_even" => (Builtin::Round(RoundingMode::HalfEven), 2, 2),
        "days_between" => (Builtin::DaysBetween, 2, 2),
        "add_days" => (Builtin::AddDays, 2, 2),
        "add_months" => (Builtin::AddMonths, 2, 2),
        "add_years" => (Builtin::AddYears, 2, 2),
        "year" => (Builtin::Year, 1, 1),
        "month" => (Builtin::Month, 1, 1),
        "day" => (Builtin::Day, 1, 1),
        "weekday" => (Builtin::Weekday, 1, 1),
        "date" => (Builtin::MakeDate, 3, 3),
        "dates" => (Builtin::Dates, 2, 2),
        "last_day_of_month" => (Builtin::LastDayOfMonth, 1, 1),
        "concat" => (Builtin::Concat, 1, 64),
        "pow" => (Builtin::Pow, 2, 2),
        "minutes_between" => (Builtin::MinutesBetween, 2, 2),
        "hours_between" => (Builtin::HoursBetween, 2, 2),
        "add_minutes" => (Builtin::AddMinutes, 2, 2),
        "date_of" => (Builtin::DateOf, 1, 1),
        "datetime" => (Builtin::MakeDateTime, 3, 3),
        "range" => (Builtin::Range, 2, 2),
        "contains" => (Builtin::Contains, 2, 2),
        "length" => (Builtin::Length, 1, 1),
        "as_of" => (Builtin::AsOf, 0, 0),
        "concat_text" => (Builtin::ConcatText, 1, 64),
        "text_of" => (Builtin::TextOf, 1, 1),
        "format_number" => (Builtin::FormatNumber, 3, 3),
        "format_date" => (Builtin::FormatDate, 2, 2),
        "upper" => (Builtin::Upper, 1, 1),
        "lower" => (Builtin::Lower, 1, 1),
        "starts_with" => (Builtin::StartsWith, 2, 2),
        "ends_with" => (Builtin::EndsWith, 2, 2),
        "replace" => (Builtin::Replace, 3, 3),
        "substring" => (Builtin::Substring, 3, 3),
        "split" => (Builtin::Split, 2, 2),
        "join" => (Builtin::Join, 2, 2),
        "sort" => (Builtin::Sort, 1, 1),
        "reverse" => (Builtin::Reverse, 1, 1),
        "distinct" => (Builtin::Distinct, 1, 1),
        "index_of" => (Builtin::IndexOf, 2, 2),
        "sublist" => (Builtin::Sublist, 3, 3),
        "flatten" => (Builtin::Flatten, 1, 1),
        "progressive" => (Builtin::Progressive(0), 2, 2),
        "scale_rate" => (Builtin::ScaleRate(0), 2, 2),
        "quick_deduction" => (Builtin::QuickDeduction(0), 2, 2),
        "is_workday" => (Builtin::IsWorkday(0), 1, 1),
        "workdays_between" => (Builtin::WorkdaysBetween(0), 2, 2),
        "add_workdays" => (Builtin::AddWorkdays(0), 2, 2),
        "time" => (Builtin::MakeTime, 2, 2),
        "time_of" => (Builtin::TimeOf, 1, 1),
        "at_time" => (Builtin::AtTime, 2, 2),
        "days" => (Builtin::DurationOf(86_400), 1, 1),
        "hours" => (Builtin::DurationOf(3_600), 1, 1),
        "minutes" => (Builtin::DurationOf(60), 1, 1),
        "duration_between" => (Builtin::DurationBetween, 2, 2),
        "add_duration" => (Builtin::AddDuration, 2, 2),
        "in_days" => (Builtin::DurationIn(86_400), 1, 1),
        "in_hours" => (Builtin::DurationIn(3_600), 1, 1),
        "in_minutes" => (Builtin::DurationIn(60), 1, 1),
        _ => return None,
    })
}

fn compile_call(
    name: &[String],
    args: &[Expr],
    named: &[(String, Expr)],
    pos: usize,
    scope: &mut Scope,
    g: &Globals,
) -> Result<(CExpr, Type), CompileError> {
    let joined = name.join(".");
    if let ("is_missing", [_]) = (joined.as_str(), name) {
        let ([a], true) = (args, named.is_empty()) else {
            return Err(cerr(pos, format!("`is_missing` takes 1 argument, found {}", args.len() + named.len())));
        };
        let (c, t) = compile_raw(a, scope, g)?;
        if !matches!(t, Type::Optional(_) | Type::Unknown) {
            return Err(cerr_help(
                a.pos,
                format!("`{a}` is {t} and always has a value"),
                "`is_missing` tests an optional input or field (`optional: true`, or `{optional: T}`)",
            ));
        }
        return Ok((CExpr::IsMissing(Box::new(c)), Type::Bool));
    }
    if let (Some((b, lo, hi)), [_]) = (builtin(&joined), name) {
        let b = if b.calendar().is_some() {
            match scope.pack.as_ref().and_then(|p| g.calendars.get(p)) {
                Some(&c) => b.with_index(c),
                None => {
                    return Err(cerr_help(
                        pos,
                        format!("`{joined}` needs a working-day calendar, and this pack has none"),
                        "add `calendar: <pack id>` to the pack, naming the pack that defines the calendar, or define one under `calendar:`",
                    ))
                }
            }
        } else {
            b
        };
        if !named.is_empty() {
            return Err(cerr(pos, format!("`{joined}` takes positional arguments, not named ones")));
        }
        // a schedule function names its scale first: `progressive(iit, x)`
        let (b, args) = if b.scale().is_some() && args.len() == 2 {
            let Some(first) = args.first() else { return Err(cerr(pos, "a scale is needed")) };
            let ExprKind::Path(path) = &first.kind else {
                return Err(cerr_help(
                    first.pos,
                    format!("`{joined}` needs the name of a scale first"),
                    "write the scale's id, e.g. `progressive(iit_annual, taxable)`",
                ));
            };
            let key = match (path.as_slice(), &scope.pack) {
                ([one], Some(p)) => (p.clone(), one.clone()),
                ([p, one], _) => (p.clone(), one.clone()),
                _ => (String::new(), path.join(".")),
            };
            match g.scales.get(&key) {
                Some(&c) => (b.with_index(c), args.get(1..).unwrap_or_default()),
                None => {
                    let known: Vec<&str> =
                        g.scales.keys().filter(|(p, _)| *p == key.0).map(|(_, n)| n.as_str()).collect();
                    let help = suggest(&key.1, known.iter().copied())
                        .map(|x| format!("did you mean `{x}`?"))
                        .unwrap_or_else(|| "declare it under `scales:`".into());
                    return Err(cerr_help(first.pos, format!("unknown scale `{}`", path.join(".")), help));
                }
            }
        } else if b.scale().is_some() {
            return Err(cerr(
                pos,
                format!("`{joined}` takes 2 argument(s): a scale and an amount, found {}", args.len()),
            ));
        } else {
            (b, args)
        };
        let (lo, hi) = if b.scale().is_some() { (1, 1) } else { (lo, hi) };
        if args.len() < lo || args.len() > hi {
            let want = if lo == hi { lo.to_string() } else { format!("{lo} to {hi}") };
            return Err(cerr(pos, format!("`{joined}` takes {want} argument(s), found {}", args.len())));
        }
        let mut cs = Vec::with_capacity(args.len());
        let mut ts = Vec::with_capacity(args.len());
        for a in args {
            let (c, t) = compile(a, scope, g)?;
            cs.push(c);
            ts.push((t, a.pos));
        }
        let t = builtin_type(b, &joined, &ts, pos)?;
        if b == Builtin::FormatDate {
            check_date_pattern(&cs, &ts)?;
        }
        return Ok((CExpr::Builtin(b, cs, scope.locator.at(pos)), t));
    }
    // a rule: `rule` in the current pack, or `pack.rule`
    let qualified = match (name, &scope.pack) {
        ([single], Some(p)) => format!("{p}.{single}"),
        _ => joined.clone(),
    };
    let Some(&rid) = g.rules.get(&qualified) else {
        let help = match suggest(&qualified, g.rules.keys().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "call a rule as `rule(input: value)` or `pack.rule(input: value)`".into(),
        };
        return Err(cerr_help(pos, format!("unknown rule or function `{joined}`"), help));
    };
    let Some(Some(sig)) = g.sigs.get(rid) else {
        return Err(cerr(
            pos,
            format!("rule `{qualified}` has errors of its own (reported with it), so this call cannot be checked"),
        ));
    };
    if !args.is_empty() {
        return Err(cerr_help(
            pos,
            format!("rule `{qualified}` takes named arguments"),
            format!("write `{joined}({}: …)`", sig.inputs.first().map(|(n, _, _)| n.as_str()).unwrap_or("input")),
        ));
    }
    let mut out: Vec<Option<CExpr>> = Vec::with_capacity(sig.inputs.len());
    let mut check = Vec::with_capacity(sig.inputs.len());
    for (iname, ity, has_default) in &sig.inputs {
        match named.iter().find(|(n, _)| n == iname) {
            Some((_, a)) => {
                // an optional input takes a value that may be absent as it is
                let (c, t) =
                    if matches!(ity, Type::Optional(_)) { compile_raw(a, scope, g)? } else { compile(a, scope, g)? };
                if !t.fits(ity) {
                    return Err(cerr(a.pos, format!("input `{iname}` of `{qualified}` is {ity}, found {t}")));
                }
                if let CExpr::Const(v) = &c {
                    if let Err(p) = crate::value::conform(v, ity, iname) {
                        return Err(cerr(a.pos, format!("input `{iname}` of `{qualified}`: {}", p.message)));
                    }
                }
                check.push(t.needs_check(ity));
                out.push(Some(c));
            }
            None if *has_default => {
                check.push(false);
                out.push(None);
            }
            None => {
                return Err(cerr_help(
                    pos,
                    format!("missing input `{iname}` in the call of `{qualified}`"),
                    format!("add `{iname}: …`"),
                ))
            }
        }
    }
    for (n, a) in named {
        if !sig.inputs.iter().any(|(i, _, _)| i == n) {
            let help = match suggest(n, sig.inputs.iter().map(|(i, _, _)| i.as_str())) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "its inputs are: {}",
                    sig.inputs.iter().map(|(i, _, _)| i.as_str()).collect::<Vec<_>>().join(", ")
                ),
            };
            return Err(cerr_help(a.pos, format!("rule `{qualified}` has no input `{n}`"), help));
        }
    }
    Ok((CExpr::CallRule { rule: rid, args: out, check, output: None }, Type::Record(Arc::new(sig.outputs.clone()))))
}

/// A `format_date` pattern written as a literal is read at load, so a
/// misspelt part, or an hour asked of a date, is a load error at the pattern.
fn check_date_pattern(cs: &[CExpr], ts: &[(Type, usize)]) -> Result<(), CompileError> {
    use crate::date_pattern::{Kind, Pattern};
    let (Some(CExpr::Const(Value::Text(pattern))), Some((_, at))) = (cs.get(1), ts.get(1)) else { return Ok(()) };
    let kind = match ts.first().map(|(t, _)| t) {
        Some(Type::Date) => Some(Kind::Date),
        Some(Type::DateTime) => Some(Kind::DateTime),
        Some(Type::Time) => Some(Kind::Time),
        _ => None,
    };
    Pattern::parse(pattern)
        .and_then(|p| kind.map_or(Ok(()), |k| p.check(k)))
        .map_err(|e| cerr_help(*at, format!("`format_date`: {e}"), "see `format_date` in docs/rule-format.md §9.7"))
}

fn builtin_type(b: Builtin, name: &str, ts: &[(Type, usize)], pos: usize) -> Result<Type, CompileError> {
    let arg = |i: usize| ts.get(i).cloned().unwrap_or((Type::Unknown, pos));
    let num = |i: usize| -> Result<Type, CompileError> {
        let (t, p) = arg(i);
        if t.is_numeric() {
            Ok(t)
        } else {
            Err(cerr(p, format!("`{name}` needs a number here, found {t}")))
        }
    };
    let int = |i: usize| -> Result<(), CompileError> {
        let (t, p) = arg(i);
        if t == Type::Integer {
            Ok(())
        } else {
            Err(cerr(p, format!("`{name}` needs an integer here, found {t}")))
        }
    };
    let text = |i: usize| -> Result<(), CompileError> {
        let (t, p) = arg(i);
        if matches!(t, Type::Text | Type::Enum(_)) {
            Ok(())
        } else {
            Err(cerr(p, format!("`{name}` needs text here, found {t}")))
        }
    };
    let date = |i: usize| -> Result<(), CompileError> {
        let (t, p) = arg(i);
        if t == Type::Date {
            Ok(())
        } else {
            Err(cerr(p, format!("`{name}` needs a date here, found {t}")))
        }
    };
    Ok(match b {
        Builtin::Min | Builtin::Max => {
            if ts.len() == 1 {
                match arg(0) {
                    (Type::List(t), p) => {
                        if !t.is_ordered() {
                            return Err(cerr(p, format!("`{name}` compares numbers or dates, found {t}")));
                        }
                        *t
                    }
                    (t, p) => return Err(cerr(p, format!("`{name}` of one argument needs a list, found {t}"))),
                }
            } else {
                let mut acc = Type::Unknown;
                for (t, p) in ts {
                    if !t.is_ordered() {
                        return Err(cerr(*p, format!("`{name}` compares numbers or dates, found {t}")));
                    }
                    acc = acc.join(t).ok_or_else(|| cerr(*p, format!("`{name}` cannot compare {acc} with {t}")))?;
                }
                acc
            }
        }
        Builtin::SumList => match arg(0) {
            (Type::List(t), _) if t.is_numeric() || *t == Type::Unknown => {
                if *t == Type::Unknown {
                    Type::Integer
                } else {
                    *t
                }
            }
            (t, p) => return Err(cerr(p, format!("`sum` needs a list of numbers, found {t}"))),
        },
        Builtin::CountList => match arg(0) {
            (Type::List(_), _) => Type::Integer,
            (t, p) => return Err(cerr(p, format!("`count` needs a list, found {t}"))),
        },
        Builtin::Abs => num(0)?,
        Builtin::Round(_) => {
            num(0)?;
            if ts.len() == 2 {
                int(1)?;
                Type::Number
            } else {
                Type::Integer
            }
        }
        Builtin::DaysBetween => {
            date(0)?;
            date(1)?;
            Type::Integer
        }
        Builtin::AddDays | Builtin::AddMonths | Builtin::AddYears => {
            date(0)?;
            int(1)?;
            Type::Date
        }
        Builtin::Year | Builtin::Month | Builtin::Day | Builtin::Weekday => {
            date(0)?;
            Type::Integer
        }
        Builtin::MakeDate => {
            int(0)?;
            int(1)?;
            int(2)?;
            Type::Date
        }
        Builtin::Dates => {
            date(0)?;
            date(1)?;
            Type::List(Box::new(Type::Date))
        }
        Builtin::LastDayOfMonth => {
            date(0)?;
            Type::Date
        }
        Builtin::Pow => {
            let t = num(0)?;
            int(1)?;
            if t == Type::Integer {
                // a negative exponent gives a fraction
                Type::Number
            } else {
                t
            }
        }
        Builtin::MinutesBetween | Builtin::HoursBetween => {
            for i in 0..2 {
                let (t, p) = arg(i);
                if t != Type::DateTime {
                    return Err(cerr(p, format!("`{name}` needs a datetime here, found {t}")));
                }
            }
            if b == Builtin::MinutesBetween {
                Type::Integer
            } else {
                Type::Number
            }
        }
        Builtin::AddMinutes => {
            let (t, p) = arg(0);
            if t != Type::DateTime {
                return Err(cerr(p, format!("`{name}` needs a datetime here, found {t}")));
            }
            int(1)?;
            Type::DateTime
        }
        Builtin::DateOf => {
            let (t, p) = arg(0);
            if t != Type::DateTime {
                return Err(cerr(p, format!("`{name}` needs a datetime here, found {t}")));
            }
            Type::Date
        }
        Builtin::MakeDateTime => {
            date(0)?;
            int(1)?;
            int(2)?;
            Type::DateTime
        }
        Builtin::MakeTime => {
            int(0)?;
            int(1)?;
            Type::Time
        }
        Builtin::TimeOf => {
            let (t, p) = arg(0);
            if t != Type::DateTime {
                return Err(cerr(p, format!("`{name}` needs a datetime here, found {t}")));
            }
            Type::Time
        }
        Builtin::AtTime => {
            date(0)?;
            let (t, p) = arg(1);
            if t != Type::Time {
                return Err(cerr_help(
                    p,
                    format!("`{name}` needs a time of day here, found {t}"),
                    "write `time(9, 30)`",
                ));
            }
            Type::DateTime
        }
        Builtin::DurationOf(_) => {
            num(0)?;
            Type::Duration
        }
        Builtin::DurationIn(_) => {
            let (t, p) = arg(0);
            if t != Type::Duration {
                return Err(cerr(p, format!("`{name}` needs a duration here, found {t}")));
            }
            Type::Number
        }
        Builtin::DurationBetween => {
            let ((a, pa), (z, pz)) = (arg(0), arg(1));
            if !matches!(a, Type::DateTime | Type::Time) {
                return Err(cerr(pa, format!("`{name}` needs two datetimes or two times of day, found {a}")));
            }
            if z != a {
                return Err(cerr(pz, format!("`{name}` needs two values of one type: {a} and {z}")));
            }
            Type::Duration
        }
        Builtin::AddDuration => {
            let ((a, pa), (d, pd)) = (arg(0), arg(1));
            if d != Type::Duration {
                return Err(cerr_help(
                    pd,
                    format!("`{name}` adds a duration, found {d}"),
                    "write `hours(2)`, `minutes(30)` or `days(1)`",
                ));
            }
            match a {
                Type::DateTime | Type::Duration => a,
                other => return Err(cerr(pa, format!("`{name}` adds to a datetime or a duration, found {other}"))),
            }
        }
        Builtin::Range => {
            int(0)?;
            int(1)?;
            Type::List(Box::new(Type::Integer))
        }
        Builtin::Contains | Builtin::Length => {
            for i in 0..if b == Builtin::Contains { 2 } else { 1 } {
                let (t, p) = arg(i);
                if !matches!(t, Type::Text | Type::Enum(_)) {
                    return Err(cerr(p, format!("`{name}` needs text here, found {t}")));
                }
            }
            if b == Builtin::Contains {
                Type::Bool
            } else {
                Type::Integer
            }
        }
        Builtin::AsOf => Type::Date,
        Builtin::ConcatText
        | Builtin::Upper
        | Builtin::Lower
        | Builtin::StartsWith
        | Builtin::EndsWith
        | Builtin::Replace => {
            for i in 0..ts.len() {
                text(i)?;
            }
            if matches!(b, Builtin::StartsWith | Builtin::EndsWith) {
                Type::Bool
            } else {
                Type::Text
            }
        }
        Builtin::TextOf => {
            let (t, p) = arg(0);
            if !matches!(
                t,
                Type::Integer
                    | Type::Number
                    | Type::Decimal(_)
                    | Type::Bool
                    | Type::Text
                    | Type::Enum(_)
                    | Type::Date
                    | Type::DateTime
                    | Type::Time
                    | Type::Duration
            ) {
                return Err(cerr(p, format!("`{name}` writes a number, date, bool or text, not {t}")));
            }
            Type::Text
        }
        Builtin::FormatNumber => {
            num(0)?;
            int(1)?;
            text(2)?;
            Type::Text
        }
        Builtin::FormatDate => {
            match arg(0) {
                (Type::Date | Type::DateTime | Type::Time | Type::Unknown, _) => {}
                (t, p) => {
                    return Err(cerr(p, format!("`{name}` writes a date, a date and time or a time of day, not {t}")))
                }
            }
            text(1)?;
            Type::Text
        }
        Builtin::Substring => {
            text(0)?;
            int(1)?;
            int(2)?;
            Type::Text
        }
        Builtin::Split => {
            text(0)?;
            text(1)?;
            Type::List(Box::new(Type::Text))
        }
        Builtin::Join => {
            match arg(0) {
                (Type::List(t), _) if matches!(*t, Type::Text | Type::Enum(_)) => {}
                (Type::List(t), _) if *t == Type::Unknown => {}
                (t, p) => return Err(cerr(p, format!("`{name}` needs a list of text here, found {t}"))),
            }
            text(1)?;
            Type::Text
        }
        Builtin::Sort | Builtin::Reverse | Builtin::Distinct => match arg(0) {
            (Type::List(t), p) => {
                if b == Builtin::Sort
                    && !matches!(
                        *t,
                        Type::Integer
                            | Type::Number
                            | Type::Decimal(_)
                            | Type::Text
                            | Type::Enum(_)
                            | Type::Date
                            | Type::DateTime
                            | Type::Time
                            | Type::Duration
                            | Type::Bool
                            | Type::Unknown
                    )
                {
                    return Err(cerr(p, format!("`sort` orders numbers, text, dates or bools, not {t}")));
                }
                Type::List(t)
            }
            (t, p) => return Err(cerr(p, format!("`{name}` needs a list here, found {t}"))),
        },
        Builtin::IndexOf => match arg(0) {
            (Type::List(t), _) => {
                let (x, p) = arg(1);
                if !(x.fits(&t) || t.fits(&x)) {
                    return Err(cerr(p, format!("`index_of` looks for {x} in a list of {t}")));
                }
                Type::Integer
            }
            (t, p) => return Err(cerr(p, format!("`{name}` needs a list here, found {t}"))),
        },
        Builtin::Sublist => match arg(0) {
            (Type::List(t), _) => {
                int(1)?;
                int(2)?;
                Type::List(t)
            }
            (t, p) => return Err(cerr(p, format!("`{name}` needs a list here, found {t}"))),
        },
        Builtin::Flatten => match arg(0) {
            (Type::List(inner), p) => match *inner {
                Type::List(t) => Type::List(t),
                Type::Unknown => Type::List(Box::new(Type::Unknown)),
                other => return Err(cerr(p, format!("`flatten` needs a list of lists, found a list of {other}"))),
            },
            (t, p) => return Err(cerr(p, format!("`{name}` needs a list here, found {t}"))),
        },
        Builtin::IsWorkday(_) => {
            date(0)?;
            Type::Bool
        }
        Builtin::Progressive(_) | Builtin::ScaleRate(_) | Builtin::QuickDeduction(_) => {
            num(0)?;
            Type::Number
        }
        Builtin::WorkdaysBetween(_) => {
            date(0)?;
            date(1)?;
            Type::Integer
        }
        Builtin::AddWorkdays(_) => {
            date(0)?;
            int(1)?;
            Type::Date
        }
        Builtin::Concat => {
            let mut acc = Type::Unknown;
            for (t, p) in ts {
                let Type::List(elem) = t else {
                    return Err(cerr(*p, format!("`concat` joins lists, found {t}")));
                };
                acc = acc
                    .join(elem)
                    .ok_or_else(|| cerr(*p, format!("`concat` cannot join a list of {acc} with a list of {elem}")))?;
            }
            Type::List(Box::new(acc))
        }
    })
}

/// The rules an expression calls (dotted names as written), for ordering
/// compilation and finding cycles before type checking.
pub fn called_rules(e: &Expr, out: &mut Vec<(Vec<String>, usize)>) {
    match &e.kind {
        ExprKind::Call { name, args, named } => {
            if !(name.len() == 1 && name.first().is_some_and(|n| builtin(n).is_some() || n == "is_missing")) {
                out.push((name.clone(), e.pos));
            }
            args.iter().for_each(|a| called_rules(a, out));
            named.iter().for_each(|(_, a)| called_rules(a, out));
        }
        ExprKind::Field(a, _) | ExprKind::Neg(a) | ExprKind::Not(a) => called_rules(a, out),
        ExprKind::Binary(_, a, b) => {
            called_rules(a, out);
            called_rules(b, out);
        }
        ExprKind::Chain(first, rest) => {
            called_rules(first, out);
            rest.iter().for_each(|(_, e)| called_rules(e, out));
        }
        ExprKind::If(a, b, c) => {
            called_rules(a, out);
            called_rules(b, out);
            called_rules(c, out);
        }
        ExprKind::Aggregate { body, list, filter, init, .. } => {
            if let Some((_, i)) = init {
                called_rules(i, out);
            }
            called_rules(list, out);
            if let Some(b) = body {
                called_rules(b, out);
            }
            if let Some(f) = filter {
                called_rules(f, out);
            }
        }
        ExprKind::List(items) => items.iter().for_each(|a| called_rules(a, out)),
        ExprKind::Record(fields) => fields.iter().for_each(|(_, a)| called_rules(a, out)),
        ExprKind::Number(_)
        | ExprKind::Text(_)
        | ExprKind::Date(_)
        | ExprKind::DateTime(_)
        | ExprKind::Bool(_)
        | ExprKind::Path(_) => {}
    }
}
