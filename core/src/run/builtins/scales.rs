//! Rate schedules (累进税率表): the tax on an amount bracket by bracket, the
//! rate of its bracket and that bracket's quick deduction. Each names its
//! scale first: `progressive(iit_annual, taxable)`.

use super::{Call, Def};
use crate::lang::expr::compile::{ArgTypes, CompileError, Needs, Signature};
use crate::lang::expr::syntax::BinOp;
use crate::ruleset::{Bracket, Scale, ScaleVersion};
use crate::run::eval::{Evaluator, Fault, Res};
use crate::run::reference::Reference;
use crate::values::number::Number;
use crate::values::value::{Type, Value};

pub(super) const DEFS: &[Def] = &[
    Def {
        sig: Signature { name: "progressive", args: (1, 1), needs: Needs::Scale, type_of: amount },
        fast: |e, c| {
            let (x, scale, version, bracket) = fast_bracket(e, c)?;
            if *x <= Number::zero() {
                return Ok(Value::int(0));
            }
            if e.tracing() {
                e.trace_brackets(scale, version, x);
            }
            // the quick-deduction form: x × rate − deduction
            let gross = e.arith(BinOp::Mul, x, &bracket.rate, c.at)?;
            e.arith(BinOp::Sub, &gross, &bracket.quick_deduction, c.at).map(Value::Number)
        },
        reference: |r, c| Ok(Value::Number(r.marginal(c.rule, c.b.index, amount_of(c)?)?)),
        examples: &[("progressive(comprehensive, 50000)", "2480")],
    },
    Def {
        sig: Signature { name: "scale_rate", args: (1, 1), needs: Needs::Scale, type_of: amount },
        fast: |e, c| fast_bracket(e, c).map(|(_, _, _, b)| Value::Number(b.rate.clone())),
        reference: |r, c| Ok(Value::Number(r.bracket(c.rule, c.b.index, amount_of(c)?)?.rate.clone())),
        examples: &[("scale_rate(comprehensive, 50000)", "0.1")],
    },
    Def {
        sig: Signature { name: "quick_deduction", args: (1, 1), needs: Needs::Scale, type_of: amount },
        fast: |e, c| fast_bracket(e, c).map(|(_, _, _, b)| Value::Number(b.quick_deduction.clone())),
        reference: plain_quick_deduction,
        examples: &[("quick_deduction(comprehensive, 50000)", "2520")],
    },
];

/// An amount, read against a scale: a number.
fn amount(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    a.num(0)?;
    Ok(Type::Number)
}

fn amount_of<'v>(c: &Call<'v>) -> Result<&'v Number, Fault> {
    match c.args {
        [Value::Number(x)] => Ok(x),
        _ => Err(c.wrong()),
    }
}

/// The amount, the scale, its version in force and the bracket the amount
/// falls in (found by the loader's precomputed bounds).
fn fast_bracket<'a, 'v>(
    e: &mut Evaluator<'a>,
    c: &Call<'v>,
) -> Res<(&'v Number, &'a Scale, &'a ScaleVersion, &'a Bracket)> {
    let [Value::Number(x)] = c.args else { return Err(e.bad()) };
    let rs = e.rs;
    let scale = rs.scales.get(c.b.index).ok_or_else(|| e.fail(format!("no scale with index {}", c.b.index)))?;
    let version = scale.at(e.as_of).ok_or_else(|| e.fail(scale.not_yet(e.as_of)))?;
    e.tick_n(version.brackets.len() as u64)?;
    let k = version.bracket_of(x);
    let Some(bracket) = version.brackets.get(k) else { return Err(e.fail("a scale without brackets")) };
    Ok((x, scale, version, bracket))
}

/// The deduction that makes x × rate − deduction equal the bracket-by-
/// bracket tax, at the bracket's lower bound: computed, not read.
fn plain_quick_deduction(r: &Reference<'_>, c: &Call<'_>) -> Result<Value, Fault> {
    let (x, s) = (amount_of(c)?, c.b.index);
    let scale = r.version(c.rule, s)?;
    let mut lower = Number::zero();
    for b in &scale.brackets {
        let inside = match &b.upper {
            Some((u, true)) => x <= u,
            Some((u, false)) => x < u,
            None => true,
        };
        if inside {
            break;
        }
        if let Some((u, _)) = &b.upper {
            lower = u.clone();
        }
    }
    let rate = r.bracket(c.rule, s, x)?.rate.clone();
    let at_lower = r.marginal(c.rule, s, &lower)?;
    Ok(Value::Number(r.fits(c.rule, lower.mul(&rate).and_then(|g| g.sub(&at_lower)))?))
}
