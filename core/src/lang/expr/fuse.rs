//! One pass per list: a rule that computes several aggregates over the same
//! list (`sum(v.n for v in visits)`, `count(e in roster where e.class == "A")`,
//! …) has them computed together, in a single walk over the list, instead of
//! one walk each.
//!
//! After a formula rule is compiled, two rewrites run over its steps:
//!
//! 1. **Unrolling.** A comprehension over a short constant list whose body
//!    holds aggregates (`[{sector: s, A: count(e in roster where e.sector ==
//!    s …)} for s in ["coal_mine", …]]`) becomes a list literal of its
//!    body, once per constant, so the aggregates inside no longer depend on
//!    a loop variable.
//! 2. **Fusing.** Every aggregate whose list is an input or an earlier step,
//!    and whose filter and body read nothing but their own variable, the
//!    inputs and earlier steps, is *closed*: its value is fixed for the call.
//!    Closed aggregates over the same list, needing the same earlier steps,
//!    form a [`Pass`]; each is replaced by [`CExpr::Fused`]. The first time
//!    the evaluator meets one, it walks the list once for all of them and
//!    keeps each member's value — or its error, raised only where that member
//!    stands, so that errors and their order are as without fusing.
//!
//! The reference interpreter knows nothing of this; the differential tests
//! hold the two equal.

use super::compile::{CExpr, Loc};
use super::syntax::{AggKind, BinOp};
use crate::values::value::Value;
use std::sync::Arc;

/// The longest constant list a comprehension is unrolled over.
const MAX_UNROLL: usize = 16;

/// Closed aggregates over one list, computed in one walk: the first time
/// one is reached, every member whose steps are computed by then is taken
/// in the same walk (a member reading a later step waits for a later walk).
#[derive(Clone, Debug)]
pub struct Pass {
    /// The slot of the list (an input or an earlier step).
    pub list: usize,
    /// The aggregates.
    pub members: Vec<Member>,
}

/// One aggregate of a pass.
#[derive(Clone, Debug)]
pub struct Member {
    /// Which aggregate.
    pub kind: AggKind,
    /// The slot its variable had where it was written.
    pub slot: usize,
    /// How many slots of the frame it reads: the list, the inputs and the
    /// earlier steps its filter and body use all lie below.
    pub needs: usize,
    /// The filter.
    pub filter: Option<CExpr>,
    /// The filter as comparisons of the element's fields with constants,
    /// when it is nothing else (`e.sector == "power" and e.class == "A"`):
    /// the evaluator tests those on the element in place, so that a member
    /// an element does not pass costs a few comparisons.
    pub field_tests: Option<Vec<FieldTest>>,
    /// The body.
    pub body: Option<CExpr>,
    /// Where it is written.
    pub at: Loc,
}

/// Calls `f` on every direct child of `e`.
fn for_each_child(e: &mut CExpr, f: &mut dyn FnMut(&mut CExpr)) {
    match e {
        CExpr::Const(_) | CExpr::Local(_) | CExpr::Param(_) | CExpr::Fused { .. } => {}
        CExpr::Field(a, _, _) | CExpr::Neg(a) | CExpr::Not(a) | CExpr::Present(a, _, _) | CExpr::IsMissing(a) => f(a),
        CExpr::Binary(_, a, b) => {
            f(a);
            f(b);
        }
        CExpr::Arith(first, rest) => {
            f(first);
            rest.iter_mut().for_each(|(_, x, _)| f(x));
        }
        CExpr::And(items)
        | CExpr::Or(items)
        | CExpr::Coalesce(items)
        | CExpr::List(items)
        | CExpr::Builtin(_, items, _)
        | CExpr::Record(_, items) => items.iter_mut().for_each(f),
        CExpr::If(c, a, b) => {
            f(c);
            f(a);
            f(b);
        }
        CExpr::CallRule { args, .. } => args.iter_mut().flatten().for_each(f),
        CExpr::Aggregate { list, filter, body, init, .. } => {
            f(list);
            if let Some(x) = init {
                f(x);
            }
            if let Some(x) = filter {
                f(x);
            }
            if let Some(x) = body {
                f(x);
            }
        }
    }
}

fn contains_aggregate(e: &mut CExpr) -> bool {
    if matches!(e, CExpr::Aggregate { .. }) {
        return true;
    }
    let mut found = false;
    for_each_child(e, &mut |c| found |= contains_aggregate(c));
    found
}

/// Replaces the local at `slot` by the constant `c`, and moves every local
/// and loop variable above it down by one (the slot no longer exists).
fn substitute(e: &mut CExpr, slot: usize, c: &Value) {
    match e {
        CExpr::Local(m) if *m == slot => *e = CExpr::Const(c.clone()),
        CExpr::Local(m) if *m > slot => *m -= 1,
        CExpr::Aggregate { slot: s, .. } if *s > slot => {
            *s -= 1;
            for_each_child(e, &mut |x| substitute(x, slot, c));
        }
        _ => for_each_child(e, &mut |x| substitute(x, slot, c)),
    }
}

/// The constants of a list written with constants only.
fn constant_list(e: &CExpr) -> Option<Vec<Value>> {
    match e {
        CExpr::Const(Value::List(items)) => Some(items.to_vec()),
        CExpr::List(items) => items
            .iter()
            .map(|i| match i {
                CExpr::Const(v) => Some(v.clone()),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// Rewrite 1: unrolls comprehensions over short constant lists whose body
/// holds aggregates; says whether it unrolled any.
fn unroll(e: &mut CExpr) -> bool {
    if let CExpr::Aggregate { kind: AggKind::List, slot, list, filter: None, body: Some(body), .. } = e {
        if let Some(items) = constant_list(list).filter(|items| items.len() <= MAX_UNROLL) {
            if contains_aggregate(body) {
                let slot = *slot;
                let unrolled: Vec<CExpr> = items
                    .iter()
                    .map(|c| {
                        let mut b = (**body).clone();
                        substitute(&mut b, slot, c);
                        unroll(&mut b);
                        b
                    })
                    .collect();
                *e = CExpr::List(unrolled);
                return true;
            }
        }
    }
    let mut changed = false;
    for_each_child(e, &mut |x| changed |= unroll(x));
    changed
}

/// The lowest and highest local read below `own` (a variable outside the
/// aggregate), or `None` when it reads none.
fn outer_reads(e: &mut CExpr, own: usize, out: &mut Vec<usize>) {
    match e {
        CExpr::Local(m) if *m < own => out.push(*m),
        _ => for_each_child(e, &mut |x| outer_reads(x, own, out)),
    }
}

/// The list slot and the slots needed of a closed aggregate, or `None` when
/// it is not closed.
fn closed_key(e: &mut CExpr, base: usize) -> Option<(usize, usize)> {
    // a running value (`fold`, `scan`) is not a member of a pass
    let CExpr::Aggregate { slot, list, filter, body, init: None, .. } = e else { return None };
    let CExpr::Local(k) = **list else { return None };
    if k >= base {
        return None;
    }
    let mut reads = Vec::new();
    for x in [filter.as_deref_mut(), body.as_deref_mut()].into_iter().flatten() {
        outer_reads(x, *slot, &mut reads);
    }
    if reads.iter().any(|m| *m >= base) {
        // a loop variable of an enclosing comprehension: not fixed per call
        return None;
    }
    Some((k, reads.iter().copied().chain([k]).max().unwrap_or(k) + 1))
}

/// Visits the aggregates of `e` that are evaluated once per evaluation of
/// `e` (not inside another aggregate's filter or body).
fn outer_aggregates(e: &mut CExpr, f: &mut dyn FnMut(&mut CExpr)) {
    match e {
        CExpr::Aggregate { list, .. } => {
            outer_aggregates(list, f);
            f(e);
        }
        _ => for_each_child(e, &mut |x| outer_aggregates(x, f)),
    }
}

/// Runs both rewrites over the steps of a formula rule (its `let`s, then
/// its outputs; step `i` sees `n_inputs + i` locals); returns the passes its
/// [`CExpr::Fused`] nodes refer to, and whether anything was rewritten.
pub fn fuse_steps(n_inputs: usize, steps: &mut [&mut CExpr]) -> (Vec<Pass>, bool) {
    let mut unrolled = false;
    for e in steps.iter_mut() {
        unrolled |= unroll(e);
    }
    // count the closed aggregates per list; only lists with two or more fuse
    let mut lists: Vec<(usize, usize)> = Vec::new();
    for (i, e) in steps.iter_mut().enumerate() {
        outer_aggregates(e, &mut |a| {
            if let Some((list, _)) = closed_key(a, n_inputs + i) {
                match lists.iter_mut().find(|(k, _)| *k == list) {
                    Some((_, n)) => *n += 1,
                    None => lists.push((list, 1)),
                }
            }
        });
    }
    lists.retain(|(_, n)| *n >= 2);
    let mut passes: Vec<Pass> = lists.iter().map(|(list, _)| Pass { list: *list, members: Vec::new() }).collect();
    for (i, e) in steps.iter_mut().enumerate() {
        outer_aggregates(e, &mut |a| {
            let Some((list, needs)) = closed_key(a, n_inputs + i) else { return };
            let Some(p) = lists.iter().position(|(k, _)| *k == list) else { return };
            let Some(pass) = passes.get_mut(p) else { return };
            let member = pass.members.len();
            let CExpr::Aggregate { kind, slot, filter, body, at, .. } =
                std::mem::replace(a, CExpr::Fused { pass: p, member })
            else {
                return;
            };
            let filter = filter.map(|b| *b);
            let field_tests = filter.as_ref().and_then(|f| field_tests(f, slot));
            pass.members.push(Member { kind, slot, needs, filter, field_tests, body: body.map(|b| *b), at });
        });
    }
    let changed = unrolled || !passes.is_empty();
    (passes, changed)
}

/// One comparison of a filter tested in place: the element's field `name`
/// (looked for first at `hint`) equals `value`, or (`equal` false) does not.
#[derive(Clone, Debug)]
pub struct FieldTest {
    /// The field.
    pub name: Arc<str>,
    /// Where the field is looked for first.
    pub hint: usize,
    /// The constant.
    pub value: Value,
    /// `==` (true) or `!=`.
    pub equal: bool,
}

/// The comparisons a filter is made of, when it is nothing but comparisons
/// of the element's fields (in slot `slot`) with scalar constants, joined by
/// `and`: `e.sector == "power" and e.class != "D"`.
fn field_tests(filter: &CExpr, slot: usize) -> Option<Vec<FieldTest>> {
    match filter {
        CExpr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) => match (&**a, &**b) {
            (CExpr::Field(inner, name, hint), CExpr::Const(c))
                if matches!(**inner, CExpr::Local(s) if s == slot)
                    && !matches!(c, Value::List(_) | Value::Record(_)) =>
            {
                Some(vec![FieldTest { name: name.clone(), hint: *hint, value: c.clone(), equal: *op == BinOp::Eq }])
            }
            _ => None,
        },
        CExpr::And(items) => {
            let mut out = Vec::new();
            for item in items {
                out.extend(field_tests(item, slot)?);
            }
            Some(out)
        }
        _ => None,
    }
}
