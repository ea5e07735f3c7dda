//! Lists: counting, joining, ranges of integers, ordering, distinct items,
//! positions, parts and flattening. Every item read or written is a step;
//! comparing or hashing an item reads it whole.

use super::dates::plain_generated;
use super::{int, Call, Def};
use crate::lang::expr::compile::{Needs, Signature};
use crate::run::eval::{Evaluator, Res, VALUE_BYTES};
use crate::values::number::Number;
use crate::values::value::{Type, Value, MAX_LIST_LEN};
use std::sync::Arc;

pub(super) const DEFS: &[Def] = &[
    Def {
        sig: Signature {
            name: "count",
            args: (1, 1),
            needs: Needs::Nothing,
            type_of: |a| match a.arg(0) {
                (Type::List(_), _) => Ok(Type::Integer),
                (t, p) => Err(a.err(p, format!("`count` needs a list, found {t}"))),
            },
        },
        fast: |e, c| one_list(c).map(|l| Value::int(l.len() as i64)).ok_or_else(|| e.bad()),
        reference: |_, c| one_list(c).map(|l| Value::int(l.len() as i64)).ok_or_else(|| c.wrong()),
        examples: &[("count([1, 2, 3])", "3")],
    },
    Def {
        sig: Signature {
            name: "concat",
            args: (1, 64),
            needs: Needs::Nothing,
            type_of: |a| {
                let mut acc = Type::Unknown;
                for (t, p) in a.types {
                    let Type::List(elem) = t else {
                        return Err(a.err(*p, format!("`concat` joins lists, found {t}")));
                    };
                    acc = acc.join(elem).ok_or_else(|| {
                        a.err(*p, format!("`concat` cannot join a list of {acc} with a list of {elem}"))
                    })?;
                }
                Ok(Type::List(Box::new(acc)))
            },
        },
        fast: |e, c| {
            let total: usize = c.args.iter().map(|a| if let Value::List(items) = a { items.len() } else { 0 }).sum();
            if total > MAX_LIST_LEN {
                return Err(e.fail(format!(
                    "`concat` would make a list of {total} items, longer than the limit {MAX_LIST_LEN}"
                )));
            }
            e.tick_n(total as u64)?;
            e.alloc(total as u64 * VALUE_BYTES)?;
            let mut out = Vec::with_capacity(total);
            for a in c.args {
                let Value::List(items) = a else { return Err(e.bad()) };
                out.extend(items.iter().cloned());
            }
            Ok(Value::List(Arc::new(out)))
        },
        reference: |_, c| {
            let mut out = Vec::new();
            for a in c.args {
                let Value::List(items) = a else { return Err(c.wrong()) };
                out.extend(items.iter().cloned());
            }
            if out.len() > MAX_LIST_LEN {
                return Err(c.failed("the list would be too long"));
            }
            Ok(Value::List(Arc::new(out)))
        },
        examples: &[("concat([1, 2], [3])", "[1, 2, 3]")],
    },
    Def {
        sig: Signature {
            name: "range",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                a.int(0)?;
                a.int(1)?;
                Ok(Type::List(Box::new(Type::Integer)))
            },
        },
        fast: |e, c| {
            let (a, z) = two_ints(c).ok_or_else(|| e.bad())?;
            e.generated_list("range", "numbers", z.saturating_sub(a), |k| Ok(Value::int(a + k)))
        },
        reference: |_, c| {
            let (a, z) = two_ints(c).ok_or_else(|| c.wrong())?;
            plain_generated(c, z.saturating_sub(a), &|k| Ok(Value::int(a + k)))
        },
        examples: &[("range(1, 5)", "[1, 2, 3, 4, 5]"), ("sum(range(1, 10))", "55")],
    },
    Def {
        sig: Signature {
            name: "sort",
            args: (1, 1),
            needs: Needs::Nothing,
            type_of: |a| {
                let t = a.list(0)?;
                if !matches!(
                    t,
                    Type::Integer
                        | Type::Number
                        | Type::Decimal(_)
                        | Type::Text
                        | Type::Enum(_)
                        | Type::Date
                        | Type::DateTime
                        | Type::Time
                        | Type::Duration
                        | Type::YearsMonths
                        | Type::Bool
                        | Type::Unknown
                ) {
                    return Err(a.err(a.arg(0).1, format!("`sort` orders numbers, text, dates or bools, not {t}")));
                }
                Ok(Type::List(Box::new(t)))
            },
        },
        fast: |e, c| {
            let items = one_list(c).ok_or_else(|| e.bad())?;
            let n = items.len() as u64;
            // n log n comparisons, each reading its elements
            let log = 64 - u64::from(n.leading_zeros()) + 1;
            e.tick_n(n.saturating_mul(log))?;
            for x in items.iter() {
                let w = e.weigh(x);
                e.tick_n(w.saturating_mul(log))?;
            }
            let mut v = items.to_vec();
            v.sort();
            made_list(e, v)
        },
        reference: |_, c| {
            let mut v = one_list(c).ok_or_else(|| c.wrong())?.to_vec();
            v.sort();
            Ok(Value::List(Arc::new(v)))
        },
        examples: &[("sort([3, 1/2, -2])", "[-2, 0.5, 3]")],
    },
    Def {
        sig: Signature { name: "reverse", args: (1, 1), needs: Needs::Nothing, type_of: same_list },
        fast: |e, c| {
            let items = one_list(c).ok_or_else(|| e.bad())?;
            e.tick_n(items.len() as u64)?;
            let v = items.iter().rev().cloned().collect();
            made_list(e, v)
        },
        reference: |_, c| {
            let mut v = one_list(c).ok_or_else(|| c.wrong())?.to_vec();
            v.reverse();
            Ok(Value::List(Arc::new(v)))
        },
        examples: &[("reverse([1, 2, 3])", "[3, 2, 1]")],
    },
    Def {
        sig: Signature { name: "distinct", args: (1, 1), needs: Needs::Nothing, type_of: same_list },
        fast: |e, c| {
            let items = one_list(c).ok_or_else(|| e.bad())?;
            let mut seen = std::collections::HashSet::with_capacity(items.len());
            e.tick_n(items.len() as u64)?;
            // hashing reads each element whole
            for x in items.iter() {
                e.tick_weight(x)?;
            }
            let v = items.iter().filter(|v| seen.insert(*v)).cloned().collect();
            made_list(e, v)
        },
        reference: |_, c| {
            let mut v: Vec<Value> = Vec::new();
            for x in one_list(c).ok_or_else(|| c.wrong())?.iter() {
                if !v.contains(x) {
                    v.push(x.clone());
                }
            }
            Ok(Value::List(Arc::new(v)))
        },
        examples: &[("distinct([2, 1, 2])", "[2, 1]")],
    },
    Def {
        sig: Signature {
            name: "index_of",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                let t = a.list(0)?;
                let (x, p) = a.arg(1);
                if !(x.fits(&t) || t.fits(&x)) {
                    return Err(a.err(p, format!("`index_of` looks for {x} in a list of {t}")));
                }
                Ok(Type::Integer)
            },
        },
        fast: |e, c| {
            let [Value::List(items), x] = c.args else { return Err(e.bad()) };
            // each comparison may read `x` whole: charge before comparing
            let per = e.weigh(x);
            e.tick_n(per.saturating_mul(items.len() as u64))?;
            let at = items.iter().position(|v| v == x);
            Ok(Value::int(at.map_or(0, |k| k as i64 + 1)))
        },
        reference: |_, c| {
            let [Value::List(items), x] = c.args else { return Err(c.wrong()) };
            let mut at = 0;
            for (k, v) in items.iter().enumerate() {
                if v == x {
                    at = k as i64 + 1;
                    break;
                }
            }
            Ok(Value::int(at))
        },
        examples: &[("index_of([\"a\", \"b\"], \"b\")", "2")],
    },
    Def {
        sig: Signature {
            name: "item",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                let t = a.list(0)?;
                a.int(1)?;
                Ok(maybe(t))
            },
        },
        fast: |e, c| {
            let [Value::List(items), Value::Number(k)] = c.args else { return Err(e.bad()) };
            e.tick()?;
            Ok(at_position(items, k))
        },
        reference: |_, c| {
            let [Value::List(items), Value::Number(k)] = c.args else { return Err(c.wrong()) };
            // 1 is the first, -1 the last; 0 and past either end are no item
            let n = items.len() as i64;
            let Some(k) = k.to_i64() else { return Ok(Value::Absent) };
            let index = if k > 0 { k - 1 } else { n + k };
            if k == 0 || index < 0 || index >= n {
                return Ok(Value::Absent);
            }
            Ok(items.get(index as usize).cloned().unwrap_or(Value::Absent))
        },
        examples: &[
            ("item([\"a\", \"b\", \"c\"], 2)", "b"),
            ("[\"a\", \"b\", \"c\"][-1]", "c"),
            ("[\"a\", \"b\", \"c\"][4] ?? \"none\"", "none"),
        ],
    },
    Def {
        sig: Signature { name: "first", args: (1, 1), needs: Needs::Nothing, type_of: |a| Ok(maybe(a.list(0)?)) },
        fast: |e, c| {
            let items = one_list(c).ok_or_else(|| e.bad())?;
            e.tick()?;
            Ok(items.first().cloned().unwrap_or(Value::Absent))
        },
        reference: |_, c| {
            let items = one_list(c).ok_or_else(|| c.wrong())?;
            Ok(if items.is_empty() { Value::Absent } else { items.iter().next().cloned().unwrap_or(Value::Absent) })
        },
        examples: &[("first([3, 1, 2])", "3"), ("first(sublist([3], 2, 1)) ?? 0", "0")],
    },
    Def {
        sig: Signature { name: "last", args: (1, 1), needs: Needs::Nothing, type_of: |a| Ok(maybe(a.list(0)?)) },
        fast: |e, c| {
            let items = one_list(c).ok_or_else(|| e.bad())?;
            e.tick()?;
            Ok(items.last().cloned().unwrap_or(Value::Absent))
        },
        reference: |_, c| {
            let items = one_list(c).ok_or_else(|| c.wrong())?;
            Ok(if items.is_empty() {
                Value::Absent
            } else {
                items.iter().next_back().cloned().unwrap_or(Value::Absent)
            })
        },
        examples: &[("last([3, 1, 2])", "2")],
    },
    Def {
        sig: Signature {
            name: "sublist",
            args: (3, 3),
            needs: Needs::Nothing,
            type_of: |a| {
                let t = a.list(0)?;
                a.int(1)?;
                a.int(2)?;
                Ok(Type::List(Box::new(t)))
            },
        },
        fast: |e, c| {
            let (items, start, len) = part(c).ok_or_else(|| e.bad())?;
            if start < 1 || len < 0 {
                return Err(e.fail(format!(
                    "`sublist` starts at 1 or later and takes 0 or more items, not from {start} for {len}"
                )));
            }
            let v: Vec<Value> = items.iter().skip((start - 1) as usize).take(len as usize).cloned().collect();
            e.tick_n(1 + v.len() as u64)?;
            made_list(e, v)
        },
        reference: |_, c| {
            let (items, start, len) = part(c).ok_or_else(|| c.wrong())?;
            if start < 1 || len < 0 {
                return Err(c.failed("bad sublist"));
            }
            let from = ((start - 1) as usize).min(items.len());
            let to = (from + len as usize).min(items.len());
            Ok(Value::List(Arc::new(items.get(from..to).unwrap_or_default().to_vec())))
        },
        examples: &[("sublist([1, 2, 3, 4], 2, 2)", "[2, 3]")],
    },
    Def {
        sig: Signature {
            name: "flatten",
            args: (1, 1),
            needs: Needs::Nothing,
            type_of: |a| match a.list(0)? {
                Type::List(t) => Ok(Type::List(t)),
                Type::Unknown => Ok(Type::List(Box::new(Type::Unknown))),
                other => Err(a.err(a.arg(0).1, format!("`flatten` needs a list of lists, found a list of {other}"))),
            },
        },
        fast: |e, c| {
            let items = one_list(c).ok_or_else(|| e.bad())?;
            let mut v = Vec::new();
            for inner in items.iter() {
                let Value::List(xs) = inner else { return Err(e.bad()) };
                e.tick_n(1 + xs.len() as u64)?;
                if v.len() + xs.len() > MAX_LIST_LEN {
                    return Err(e.fail(format!("`flatten` would make a list longer than the limit {MAX_LIST_LEN}")));
                }
                v.extend(xs.iter().cloned());
            }
            made_list(e, v)
        },
        reference: |_, c| {
            let mut v = Vec::new();
            for inner in one_list(c).ok_or_else(|| c.wrong())?.iter() {
                let Value::List(xs) = inner else { return Err(c.wrong()) };
                v.extend(xs.iter().cloned());
            }
            if v.len() > MAX_LIST_LEN {
                return Err(c.failed("too long"));
            }
            Ok(Value::List(Arc::new(v)))
        },
        examples: &[("flatten([[1], [2, 3]])", "[1, 2, 3]")],
    },
];

/// `reverse` and `distinct`: a list of the same items.
fn same_list(a: &crate::lang::expr::compile::ArgTypes<'_>) -> Result<Type, crate::lang::expr::compile::CompileError> {
    a.list(0).map(|t| Type::List(Box::new(t)))
}

fn one_list<'v>(c: &Call<'v>) -> Option<&'v [Value]> {
    match c.args {
        [Value::List(items)] => Some(items.as_slice()),
        _ => None,
    }
}

fn two_ints(c: &Call<'_>) -> Option<(i64, i64)> {
    let [Value::Number(a), Value::Number(z)] = c.args else { return None };
    Some((int(a)?, int(z)?))
}

fn part<'v>(c: &Call<'v>) -> Option<(&'v [Value], i64, i64)> {
    let [Value::List(items), Value::Number(start), Value::Number(len)] = c.args else { return None };
    Some((items.as_slice(), int(start)?, int(len)?))
}

/// A new list, its memory counted.
fn made_list(e: &mut Evaluator<'_>, v: Vec<Value>) -> Res<Value> {
    e.alloc(v.len() as u64 * VALUE_BYTES)?;
    Ok(Value::List(Arc::new(v)))
}

/// The type of an item that may not be there: optional (once).
fn maybe(t: Type) -> Type {
    match t {
        Type::Optional(_) => t,
        other => Type::Optional(Box::new(other)),
    }
}

/// The item at a position counted from 1 (negative: from the end, -1 the
/// last); absent at 0 and past either end.
fn at_position(items: &[Value], k: &Number) -> Value {
    let Some(k) = k.to_i64() else { return Value::Absent };
    let n = items.len() as i64;
    let index = match k {
        0 => return Value::Absent,
        k if k > 0 => k - 1,
        k => n + k,
    };
    if (0..n).contains(&index) {
        items.get(index as usize).cloned().unwrap_or(Value::Absent)
    } else {
        Value::Absent
    }
}
