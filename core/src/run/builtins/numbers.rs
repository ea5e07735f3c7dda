//! Numbers: least and greatest, sums, absolute values, rounding and powers.
//! Exact throughout: a result is rounded only where the rule asks, by the
//! mode it names.

use super::{int, Call, Def};
use crate::lang::expr::compile::{ArgTypes, CompileError, Needs, Signature};
use crate::lang::expr::syntax::BinOp;
use crate::run::eval::{arith_message, Evaluator, Fault, Res, MAX_POW_EXPONENT};
use crate::run::reference::Reference;
use crate::values::number::{bits_to_digits, ArithmeticError, Number, RoundingMode};
use crate::values::value::{Type, Value};

pub(super) const DEFS: &[Def] = &[
    Def {
        sig: Signature { name: "min", args: (1, 64), needs: Needs::Nothing, type_of: least_or_greatest },
        fast: |e, c| fast_extreme(e, c, true),
        reference: |_, c| plain_extreme(c, true),
        examples: &[("min(3, 5, 4)", "3")],
    },
    Def {
        sig: Signature { name: "max", args: (1, 64), needs: Needs::Nothing, type_of: least_or_greatest },
        fast: |e, c| fast_extreme(e, c, false),
        reference: |_, c| plain_extreme(c, false),
        examples: &[("max([2, 9, 4])", "9")],
    },
    Def {
        sig: Signature {
            name: "sum",
            args: (1, 1),
            needs: Needs::Nothing,
            type_of: |a| match a.arg(0) {
                (Type::List(t), _) if *t == Type::Unknown => Ok(Type::Integer),
                (Type::List(t), _) if t.is_numeric() => Ok(*t),
                (t, p) => Err(a.err(p, format!("`sum` needs a list of numbers, found {t}"))),
            },
        },
        fast: |e, c| {
            let [Value::List(items)] = c.args else { return Err(e.bad()) };
            let mut acc = Number::zero();
            for v in items.iter() {
                e.tick()?;
                let Value::Number(n) = v else { return Err(e.bad()) };
                acc = e.arith(BinOp::Add, &acc, n, c.at)?;
            }
            Ok(Value::Number(acc))
        },
        reference: |r, c| {
            let [Value::List(items)] = c.args else { return Err(c.wrong()) };
            let mut total = Number::zero();
            for v in items.iter() {
                let Value::Number(n) = v else { return Err(c.wrong()) };
                total = r.fits(c.rule, total.add(n))?;
            }
            Ok(Value::Number(total))
        },
        examples: &[("sum([1, 2, 3])", "6")],
    },
    Def {
        sig: Signature { name: "abs", args: (1, 1), needs: Needs::Nothing, type_of: |a| a.num(0) },
        fast: |e, c| match c.args {
            [Value::Number(n)] => Ok(Value::Number(n.abs())),
            _ => Err(e.bad()),
        },
        reference: |_, c| match c.args {
            [Value::Number(n)] => Ok(Value::Number(n.abs())),
            _ => Err(c.wrong()),
        },
        examples: &[("abs(-2.5)", "2.5")],
    },
    Def {
        sig: Signature { name: "ceil", args: (1, 2), needs: Needs::Nothing, type_of: rounded },
        fast: |e, c| fast_round(e, c, RoundingMode::Ceil),
        reference: |r, c| plain_round(r, c, RoundingMode::Ceil),
        examples: &[("ceil(7 / 2)", "4"), ("ceil(1/3, 2)", "0.34")],
    },
    Def {
        sig: Signature { name: "floor", args: (1, 2), needs: Needs::Nothing, type_of: rounded },
        fast: |e, c| fast_round(e, c, RoundingMode::Floor),
        reference: |r, c| plain_round(r, c, RoundingMode::Floor),
        examples: &[("floor(7 / 2)", "3"), ("floor(2/3, 1)", "0.6")],
    },
    Def {
        sig: Signature { name: "round_half_up", args: (2, 2), needs: Needs::Nothing, type_of: rounded },
        fast: |e, c| fast_round(e, c, RoundingMode::HalfUp),
        reference: |r, c| plain_round(r, c, RoundingMode::HalfUp),
        examples: &[("round_half_up(2.5, 0)", "3"), ("round_half_up(17.25%, 3)", "0.173")],
    },
    Def {
        sig: Signature { name: "round_half_even", args: (2, 2), needs: Needs::Nothing, type_of: rounded },
        fast: |e, c| fast_round(e, c, RoundingMode::HalfEven),
        reference: |r, c| plain_round(r, c, RoundingMode::HalfEven),
        examples: &[("round_half_even(2.5, 0)", "2")],
    },
    Def {
        sig: Signature {
            name: "pow",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                let t = a.num(0)?;
                a.int(1)?;
                // a negative exponent gives a fraction
                Ok(if t == Type::Integer { Type::Number } else { t })
            },
        },
        fast: fast_pow,
        reference: plain_pow,
        examples: &[("pow(1.1, 2)", "1.21"), ("pow(2, -2)", "0.25")],
    },
];

/// `min` and `max`: of one list, or of several numbers or dates.
fn least_or_greatest(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    let name = a.name;
    if a.len() == 1 {
        return match a.arg(0) {
            (Type::List(t), p) if !t.is_ordered() => {
                Err(a.err(p, format!("`{name}` compares numbers or dates, found {t}")))
            }
            (Type::List(t), _) => Ok(*t),
            (t, p) => Err(a.err(p, format!("`{name}` of one argument needs a list, found {t}"))),
        };
    }
    let mut acc = Type::Unknown;
    for (t, p) in a.types {
        if !t.is_ordered() {
            return Err(a.err(*p, format!("`{name}` compares numbers or dates, found {t}")));
        }
        acc = acc.join(t).ok_or_else(|| a.err(*p, format!("`{name}` cannot compare {acc} with {t}")))?;
    }
    Ok(acc)
}

/// The items `min` and `max` choose among: a list's, or the arguments.
fn items<'v>(c: &Call<'v>) -> &'v [Value] {
    match c.args {
        [Value::List(items)] => items.as_slice(),
        _ => c.args,
    }
}

fn fast_extreme(e: &mut Evaluator<'_>, c: &Call<'_>, least: bool) -> Res<Value> {
    let items = items(c);
    e.tick_n(items.len() as u64)?;
    let best = if least { items.iter().min() } else { items.iter().max() };
    // the message the aggregate form gives too (§15.5)
    let name = if least { "min" } else { "max" };
    best.cloned().ok_or_else(|| e.fail(format!("`{name}` over an empty list has no value")))
}

fn plain_extreme(c: &Call<'_>, least: bool) -> Result<Value, Fault> {
    let items: Vec<Value> = items(c).to_vec();
    let best = if least { items.into_iter().min() } else { items.into_iter().max() };
    let name = if least { "min" } else { "max" };
    best.ok_or_else(|| c.failed(format!("`{name}` over an empty list has no value")))
}

/// `ceil`, `floor` and the half rounding: a whole number, or a number with
/// so many places.
fn rounded(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    a.num(0)?;
    if a.len() == 2 {
        a.int(1)?;
        Ok(Type::Number)
    } else {
        Ok(Type::Integer)
    }
}

fn fast_round(e: &mut Evaluator<'_>, c: &Call<'_>, mode: RoundingMode) -> Res<Value> {
    let (x, places) = match c.args {
        [Value::Number(x)] => (x, 0),
        [Value::Number(x), Value::Number(p)] => (x, int(p).ok_or_else(|| e.bad())?),
        _ => return Err(e.bad()),
    };
    match x.round(places, mode) {
        Ok(n) => e.sized(n, mode.name(), c.at).map(Value::Number),
        Err(err) => Err(e.arith_fault(err, format!("rounding `{x}` to {places} places"), c.at)),
    }
}

fn plain_round(r: &Reference<'_>, c: &Call<'_>, mode: RoundingMode) -> Result<Value, Fault> {
    let (x, places) = match c.args {
        [Value::Number(x)] => (x, 0),
        [Value::Number(x), Value::Number(p)] => (x, int(p).ok_or_else(|| c.wrong())?),
        _ => return Err(c.wrong()),
    };
    Ok(Value::Number(r.fits(c.rule, x.round(places, mode))?))
}

/// `pow` by squaring, each product checked against the size budget.
fn fast_pow(e: &mut Evaluator<'_>, c: &Call<'_>) -> Res<Value> {
    let [Value::Number(x), Value::Number(n)] = c.args else { return Err(e.bad()) };
    let n = int(n).ok_or_else(|| e.bad())?;
    if n.unsigned_abs() > MAX_POW_EXPONENT {
        return Err(e.fail(format!("`pow` exponent {n} is beyond the limit {MAX_POW_EXPONENT}")));
    }
    let max_bits = e.max_bits;
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
    e.tick_n(mults)?;
    match r {
        Ok(p) => e.sized(p, "pow", c.at).map(Value::Number),
        Err(ArithmeticError::TooLarge { digits, .. }) => Err(e.limit(format!(
            "`pow({x}, {n})` would make a number of about {digits} digits, more than the limit of {} digits",
            e.max_digits
        ))),
        Err(err) => Err(e.arith_fault(err, format!("`pow({x}, {n})`"), c.at)),
    }
}

/// `pow` as x·x·…·x, n times, or its reciprocal's: each partial product is
/// within the limit exactly when the power by squaring is.
fn plain_pow(r: &Reference<'_>, c: &Call<'_>) -> Result<Value, Fault> {
    let [Value::Number(x), Value::Number(n)] = c.args else { return Err(c.wrong()) };
    let n = int(n).ok_or_else(|| c.wrong())?;
    if n.unsigned_abs() > MAX_POW_EXPONENT {
        return Err(c.failed("the exponent is too large"));
    }
    let mut acc = Number::one();
    let base = if n < 0 { r.fits(c.rule, Number::one().div(x))? } else { x.clone() };
    for _ in 0..n.unsigned_abs() {
        acc = r.fits(c.rule, acc.mul(&base))?;
    }
    Ok(Value::Number(acc))
}

/// An exact ratio as a number, failing as arithmetic does.
pub(super) fn fast_ratio(e: &Evaluator<'_>, num: i128, den: i128) -> Res<Value> {
    Number::ratio(num, den).map(Value::Number).map_err(|err| e.fail(arith_message(err)))
}
