//! Operators: arithmetic chains, comparisons, `??`, folds.

#[allow(unused_imports)]
use super::*;

/// `fold(acc = init, body for var in list where filter)` and `scan(…)`:
/// the running value has the type of its start, widened once if the body
/// gives a wider one (an integer start, a number body); the body must then
/// give that type.
#[allow(clippy::too_many_arguments)]
pub(super) fn compile_fold(
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

/// Compiles a flat chain of one precedence level: `+ -`, `* /`, `and` or
/// `or`. Each operand is compiled once and moved into place, so checking is
/// linear in the number of terms.
pub(super) fn compile_chain(
    first: &Expr,
    rest: &[(BinOp, Expr)],
    scope: &mut Scope,
    g: &Globals,
) -> Result<(CExpr, Type), CompileError> {
    if rest.first().is_some_and(|(op, _)| *op == BinOp::Coalesce) {
        let operands: Vec<&Expr> = std::iter::once(first).chain(rest.iter().map(|(_, e)| e)).collect();
        return compile_coalesce(&operands, scope, g);
    }
    let logical = rest.first().is_some_and(|(op, _)| matches!(op, BinOp::And | BinOp::Or));
    if logical {
        // operands that may be absent (optional inputs and fields) follow
        // Kleene's logic, and the chain may then be absent itself
        let op = rest.first().map(|(op, _)| *op).unwrap_or(BinOp::And);
        let mut items = Vec::with_capacity(rest.len() + 1);
        let mut optional = false;
        for (k, e) in std::iter::once(first).chain(rest.iter().map(|(_, e)| e)).enumerate() {
            if let Some((op2, _)) = k.checked_sub(1).and_then(|j| rest.get(j)) {
                if *op2 != op {
                    return Err(cerr(e.pos, format!("`{}` mixed with `{}` in one chain", op2.symbol(), op.symbol())));
                }
            }
            let (c, t) = logic_operand(e, scope, g)?;
            optional |= matches!(t, Type::Optional(_));
            expect_bool(strip(&t), e.pos, op.symbol())?;
            items.push(c);
        }
        let t = if optional { Type::Optional(Box::new(Type::Bool)) } else { Type::Bool };
        return Ok((if op == BinOp::And { CExpr::And(items) } else { CExpr::Or(items) }, t));
    }
    let (c0, t0) = compile(first, scope, g)?;
    let mut all_integer = t0 == Type::Integer;
    // an element of an empty list (`x for x in []`) is never read: any type
    let numeric = |t: &Type| t.is_numeric() || *t == Type::Unknown;
    if !numeric(&t0) {
        let sym = rest.first().map(|(op, _)| op.symbol()).unwrap_or("+");
        return Err(cerr(first.pos, format!("`{sym}` needs numbers, found {t0}")));
    }
    let mut items = Vec::with_capacity(rest.len());
    for (op, e) in rest {
        if !matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div) {
            return Err(cerr(e.pos, format!("`{}` cannot be chained with arithmetic", op.symbol())));
        }
        let (c, t) = compile(e, scope, g)?;
        if !numeric(&t) {
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
pub(super) fn compile_coalesce(
    operands: &[&Expr],
    scope: &mut Scope,
    g: &Globals,
) -> Result<(CExpr, Type), CompileError> {
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

pub(super) fn compile_binary(
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
            if !(ta.is_numeric() || ta == Type::Unknown) {
                return Err(cerr(pa, format!("`{want}` needs numbers, found {ta}")));
            }
            if !(tb.is_numeric() || tb == Type::Unknown) {
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
            // text is ordered by code point, character by character
            let text = matches!((&ta, &tb), (Type::Text, Type::Text));
            let unknown = ta == Type::Unknown || tb == Type::Unknown;
            let ok = (ta.is_numeric() && tb.is_numeric()) || (ta.is_ordered() && ta == tb) || text || unknown;
            if !ok {
                return Err(cerr(pb, format!("`{}` orders numbers, dates or texts, not {ta} and {tb}", op.symbol())));
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
pub(super) fn check_enum_literal(t: &Type, other: &CExpr, pos: usize) -> Result<(), CompileError> {
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

/// An operand of `and`, `or` or `not`: a bool, or one that may be absent
/// (never the bare `none`, which has no truth value to give).
pub(super) fn logic_operand(e: &Expr, scope: &mut Scope, g: &Globals) -> Result<(CExpr, Type), CompileError> {
    let (c, t) = compile_raw(e, scope, g)?;
    match (&c, &t) {
        (CExpr::Const(Value::Absent), _) => compile(e, scope, g),
        (_, Type::Optional(inner)) if **inner == Type::Bool => Ok((c, t)),
        // any other value that may be absent is checked where it is read
        (_, Type::Optional(_)) => compile(e, scope, g),
        _ => Ok((c, t)),
    }
}

/// The type inside `optional`.
pub(super) fn strip(t: &Type) -> &Type {
    match t {
        Type::Optional(inner) => inner,
        t => t,
    }
}
