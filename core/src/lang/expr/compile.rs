//! Name resolution and type checking: turns a syntax tree into a compiled
//! expression whose names are resolved to slots, parameters and rules, so
//! evaluation never looks anything up by name or re-parses text.

use super::syntax::{AggKind, BinOp, Expr, ExprKind};
use crate::values::value::{Type, Value};
use indexmap::IndexMap;
use std::collections::HashMap;
use std::sync::Arc;

pub use crate::source::yaml::{Loc, Locator};

mod builtin;
pub use builtin::*;

mod calls;
#[allow(unused_imports)]
use calls::*;

mod operators;
#[allow(unused_imports)]
use operators::*;

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
    /// [`crate::lang::expr::fuse`]): member `member` of pass `pass` of the rule
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
    Present(Box<CExpr>, Arc<Missing>, Loc),
    /// `a ?? b ?? …`: the first operand that is not absent (the last one
    /// as it is).
    Coalesce(Vec<CExpr>),
    /// `is_missing(x)`: true where x is absent.
    IsMissing(Box<CExpr>),
    /// A list literal.
    List(Vec<CExpr>),
    /// A record literal: its field names (shared by every record it makes)
    /// and one expression per field.
    Record(crate::values::value::FieldNames, Vec<CExpr>),
}

impl CExpr {
    /// Whether `f` holds for this expression or any expression within it.
    pub fn any(&self, f: &mut dyn FnMut(&CExpr) -> bool) -> bool {
        if f(self) {
            return true;
        }
        match self {
            CExpr::Const(_) | CExpr::Local(_) | CExpr::Param(_) | CExpr::Fused { .. } => false,
            CExpr::Field(a, _, _) | CExpr::Neg(a) | CExpr::Not(a) | CExpr::Present(a, _, _) | CExpr::IsMissing(a) => {
                a.any(f)
            }
            CExpr::Binary(_, a, b) => a.any(f) || b.any(f),
            CExpr::Arith(first, rest) => first.any(f) || rest.iter().any(|(_, e, _)| e.any(f)),
            CExpr::And(v) | CExpr::Or(v) | CExpr::Coalesce(v) | CExpr::List(v) | CExpr::Record(_, v) => {
                v.iter().any(|e| e.any(f))
            }
            CExpr::Builtin(_, v, _) => v.iter().any(|e| e.any(f)),
            CExpr::If(a, b, c) => a.any(f) || b.any(f) || c.any(f),
            CExpr::CallRule { args, .. } => args.iter().flatten().any(|e| e.any(f)),
            CExpr::Aggregate { list, filter, body, init, .. } => {
                list.any(f)
                    || filter.as_ref().is_some_and(|e| e.any(f))
                    || body.as_ref().is_some_and(|e| e.any(f))
                    || init.as_ref().is_some_and(|e| e.any(f))
            }
        }
    }
}

/// What the error for an absent value read where a value is needed says:
/// the value as written, and a fallback of its type to offer (`0`, `false`,
/// `""`, `[]`), when it has one that can be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// The value as written (`bonus`, `item(xs, i)`).
    pub name: String,
    /// A literal of its type to put after `??`.
    pub fallback: Option<&'static str>,
}

impl Missing {
    /// For a value of type `t`.
    pub fn new(name: String, t: &Type) -> Missing {
        let fallback = match t {
            Type::Integer | Type::Number | Type::Decimal(_) => Some("0"),
            Type::Bool => Some("false"),
            Type::Text => Some("\"\""),
            Type::List(_) => Some("[]"),
            _ => None,
        };
        Missing { name, fallback }
    }
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
    /// The built-in functions, by name.
    pub builtins: Builtins,
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
    if matches!((&c, &t), (CExpr::Const(Value::Absent), Type::Optional(_))) {
        return Err(cerr_help(
            e.pos,
            "`none` stands here for a value, and it has none",
            "`none` may stand only where a value may be absent: an optional output, a branch of an `if` that gives one, the left of `??`, an optional input of a called rule",
        ));
    }
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
            let missing = Missing::new(name, &inner);
            (CExpr::Present(Box::new(c), Arc::new(missing), scope.locator.at(e.pos)), *inner)
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
            field_of(c, &t, name, pos, g, scope.locator.at(pos))?
        }
        ExprKind::Neg(inner) => {
            let (c, t) = compile(inner, scope, g)?;
            if !(t.is_numeric() || t == Type::Unknown) {
                return Err(cerr(pos, format!("`-` needs a number, found {t}")));
            }
            (CExpr::Neg(Box::new(c)), t)
        }
        ExprKind::Not(inner) => {
            let (c, t) = operators::logic_operand(inner, scope, g)?;
            expect_bool(operators::strip(&t), inner.pos, "`not`")?;
            let t = if matches!(t, Type::Optional(_)) { t } else { Type::Bool };
            (CExpr::Not(Box::new(c)), t)
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

fn expect_bool(t: &Type, pos: usize, what: &str) -> Result<(), CompileError> {
    if *t == Type::Bool {
        Ok(())
    } else {
        Err(cerr(pos, format!("{what} needs true or false, found {t}")))
    }
}

fn field_of(c: CExpr, t: &Type, name: &str, pos: usize, g: &Globals, at: Loc) -> Result<(CExpr, Type), CompileError> {
    match t {
        // the parts of a span of years and months, as DMN reads them
        Type::YearsMonths if matches!(name, "years" | "months") => {
            let f = if name == "years" { "years_of" } else { "months_of" };
            match g.builtins.0(f) {
                Some((b, _)) => Ok((CExpr::Builtin(b, vec![c], at), Type::Integer)),
                None => Err(cerr(pos, format!("`.{name}` is not known here"))),
            }
        }
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
        Type::Duration if matches!(name, "days" | "hours" | "minutes" | "seconds") => {
            match g.builtins.0(&format!("{name}_of")) {
                Some((b, _)) => Ok((CExpr::Builtin(b, vec![c], at), Type::Integer)),
                None => Err(cerr(pos, format!("`.{name}` is not known here"))),
            }
        }
        Type::Duration => Err(cerr_help(
            pos,
            format!("no part `{name}` in a duration"),
            "its parts are `.days`, `.hours`, `.minutes` and `.seconds`",
        )),
        Type::YearsMonths => {
            Err(cerr_help(pos, format!("no part `{name}` in years_months"), "its parts are `.years` and `.months`"))
        }
        other => Err(cerr(pos, format!("`.{name}` needs a record, found {other}"))),
    }
}

fn compile_path(path: &[String], pos: usize, scope: &Scope, g: &Globals) -> Result<(CExpr, Type), CompileError> {
    let Some((first, rest)) = path.split_first() else {
        return Err(cerr(pos, "empty name"));
    };
    // `none`: no value, of whatever optional type the context gives
    if first == "none" && rest.is_empty() && scope.lookup(first).is_none() {
        return Ok((CExpr::Const(Value::Absent), Type::Optional(Box::new(Type::Unknown))));
    }
    // a local, then field accesses
    if let Some((slot, t)) = scope.lookup(first) {
        let mut c = CExpr::Local(slot);
        let mut t = t.clone();
        for (k, f) in rest.iter().enumerate() {
            if let Type::Optional(inner) = t {
                let name = path.get(..=k).unwrap_or_default().join(".");
                c = CExpr::Present(Box::new(c), Arc::new(Missing::new(name, &inner)), scope.locator.at(pos));
                t = *inner;
            }
            let (c2, t2) = field_of(c, &t, f, pos, g, scope.locator.at(pos))?;
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
            let (c2, t2) = field_of(c, &t, f, pos, g, scope.locator.at(pos))?;
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

/// The rules an expression calls (dotted names as written), for ordering
/// compilation and finding cycles before type checking.
pub fn called_rules(e: &Expr, builtins: Builtins, out: &mut Vec<(Vec<String>, usize)>) {
    match &e.kind {
        ExprKind::Call { name, args, named } => {
            if !(name.len() == 1 && name.first().is_some_and(|n| (builtins.0)(n).is_some() || n == "is_missing")) {
                out.push((name.clone(), e.pos));
            }
            args.iter().for_each(|a| called_rules(a, builtins, out));
            named.iter().for_each(|(_, a)| called_rules(a, builtins, out));
        }
        ExprKind::Field(a, _) | ExprKind::Neg(a) | ExprKind::Not(a) => called_rules(a, builtins, out),
        ExprKind::Binary(_, a, b) => {
            called_rules(a, builtins, out);
            called_rules(b, builtins, out);
        }
        ExprKind::Chain(first, rest) => {
            called_rules(first, builtins, out);
            rest.iter().for_each(|(_, e)| called_rules(e, builtins, out));
        }
        ExprKind::If(a, b, c) => {
            called_rules(a, builtins, out);
            called_rules(b, builtins, out);
            called_rules(c, builtins, out);
        }
        ExprKind::Aggregate { body, list, filter, init, .. } => {
            if let Some((_, i)) = init {
                called_rules(i, builtins, out);
            }
            called_rules(list, builtins, out);
            if let Some(b) = body {
                called_rules(b, builtins, out);
            }
            if let Some(f) = filter {
                called_rules(f, builtins, out);
            }
        }
        ExprKind::List(items) => items.iter().for_each(|a| called_rules(a, builtins, out)),
        ExprKind::Record(fields) => fields.iter().for_each(|(_, a)| called_rules(a, builtins, out)),
        ExprKind::Number(_)
        | ExprKind::Text(_)
        | ExprKind::Date(_)
        | ExprKind::DateTime(_)
        | ExprKind::Bool(_)
        | ExprKind::Path(_) => {}
    }
}
