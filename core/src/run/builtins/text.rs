//! Text: searching, measuring, joining, writing numbers and dates as text,
//! changing case, replacing, cutting and splitting. Lengths and positions
//! count characters, not bytes; every character read is a step.

use super::{int, Call, Def};
use crate::lang::date_pattern::{parts_of, Kind, Pattern};
use crate::lang::expr::compile::{ArgTypes, CompileError, Needs, Signature};
use crate::run::eval::{Evaluator, Res, VALUE_BYTES};
use crate::values::value::{Type, Value};
use std::sync::Arc;

pub(super) const DEFS: &[Def] = &[
    Def {
        sig: Signature { name: "contains", args: (2, 2), needs: Needs::Nothing, type_of: |a| texts(a, Type::Bool) },
        fast: |e, c| {
            let [Value::Text(t), Value::Text(p)] = c.args else { return Err(e.bad()) };
            e.tick_n((t.len() as u64).saturating_mul(p.len().max(1) as u64).min(u64::MAX / 2))?;
            Ok(Value::Bool(t.contains(&**p)))
        },
        reference: |_, c| {
            let [Value::Text(t), Value::Text(p)] = c.args else { return Err(c.wrong()) };
            Ok(Value::Bool(t.contains(&**p)))
        },
        examples: &[("contains(\"鄂尔多斯市北骄热电有限责任公司(新能源项目)\", \"新能源\")", "true")],
    },
    Def {
        sig: Signature { name: "length", args: (1, 1), needs: Needs::Nothing, type_of: |a| texts(a, Type::Integer) },
        fast: |e, c| {
            let [Value::Text(t)] = c.args else { return Err(e.bad()) };
            e.tick_n(t.len() as u64)?;
            Ok(Value::int(t.chars().count() as i64))
        },
        reference: |_, c| {
            let [Value::Text(t)] = c.args else { return Err(c.wrong()) };
            Ok(Value::int(t.chars().count() as i64))
        },
        examples: &[("length(\"东胜区\")", "3")],
    },
    Def {
        sig: Signature { name: "concat_text", args: (1, 64), needs: Needs::Nothing, type_of: |a| texts(a, Type::Text) },
        fast: |e, c| fast_rewrite(e, c, |t| Ok(t.concat())),
        reference: |_, c| {
            let mut out = String::new();
            for v in c.args {
                let Value::Text(t) = v else { return Err(c.wrong()) };
                out.push_str(t);
            }
            Ok(Value::text(&out))
        },
        examples: &[("concat_text(name, \"：\", text_of(total), \"元\")", "东胜区：568元")],
    },
    Def {
        sig: Signature {
            name: "text_of",
            args: (1, 1),
            needs: Needs::Nothing,
            type_of: |a| match a.arg(0) {
                (
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
                    | Type::YearsMonths,
                    _,
                ) => Ok(Type::Text),
                (t, p) => Err(a.err(p, format!("`{}` writes a number, date, bool or text, not {t}", a.name))),
            },
        },
        fast: |e, c| {
            let out = written(c).ok_or_else(|| e.bad())?;
            e.tick_n(out.len() as u64)?;
            e.alloc(out.len() as u64)?;
            Ok(Value::Text(out.into()))
        },
        reference: |_, c| written(c).map(|t| Value::text(&t)).ok_or_else(|| c.wrong()),
        examples: &[("text_of(1/3)", "\"1/3\""), ("text_of(date(2024, 3, 26))", "\"2024-03-26\"")],
    },
    Def {
        sig: Signature {
            name: "format_number",
            args: (3, 3),
            needs: Needs::Nothing,
            type_of: |a| {
                a.num(0)?;
                a.int(1)?;
                a.text(2)?;
                Ok(Type::Text)
            },
        },
        fast: |e, c| {
            let [Value::Number(x), Value::Number(places), Value::Text(sep)] = c.args else { return Err(e.bad()) };
            let places = int(places).ok_or_else(|| e.bad())?;
            let places = u32::try_from(places)
                .ok()
                .filter(|p| *p <= 1000)
                .ok_or_else(|| e.fail(format!("`format_number` writes 0 to 1000 places, not {places}")))?;
            let out =
                x.format_fixed(places, sep).map_err(|err| e.arith_fault(err, format!("formatting `{x}`"), c.at))?;
            e.tick_n(out.len() as u64)?;
            e.alloc(out.len() as u64)?;
            Ok(Value::Text(out.into()))
        },
        reference: |_, c| {
            let [Value::Number(x), Value::Number(places), Value::Text(sep)] = c.args else { return Err(c.wrong()) };
            let places = int(places).ok_or_else(|| c.wrong())?;
            if !(0..=1000).contains(&places) {
                return Err(c.failed("places out of range"));
            }
            let out = x.format_fixed(places as u32, sep).map_err(|err| c.failed(err.to_string()))?;
            Ok(Value::text(&out))
        },
        examples: &[("format_number(1080.1, 2, \",\")", "\"1,080.10\"")],
    },
    Def {
        sig: Signature { name: "format_date", args: (2, 2), needs: Needs::Nothing, type_of: format_date_type },
        fast: |e, c| {
            let [x, Value::Text(pattern)] = c.args else { return Err(e.bad()) };
            let (date, time) = parts_of(x).ok_or_else(|| e.bad())?;
            e.tick_n(pattern.len() as u64)?;
            let out = Pattern::parse(pattern)
                .and_then(|p| p.write(date, time))
                .map_err(|m| e.fail(format!("`format_date`: {m}")))?;
            e.tick_n(out.len() as u64)?;
            e.alloc(out.len() as u64)?;
            Ok(Value::Text(out.into()))
        },
        reference: |_, c| {
            let [x, Value::Text(pattern)] = c.args else { return Err(c.wrong()) };
            let (date, time) = parts_of(x).ok_or_else(|| c.wrong())?;
            let pattern = Pattern::parse(pattern).map_err(|m| c.failed(m))?;
            Ok(Value::text(&pattern.write(date, time).map_err(|m| c.failed(m))?))
        },
        examples: &[
            (
                "format_date(date(2024, 3, 26), \"{year}年{month}月{day}日 星期{weekday_zh}\")",
                "\"2024年3月26日 星期二\"",
            ),
            ("format_date(datetime(2024-05-01, 9, 5), \"{hour}时{minute:2}分\")", "\"9时05分\""),
        ],
    },
    Def {
        sig: Signature { name: "upper", args: (1, 1), needs: Needs::Nothing, type_of: |a| texts(a, Type::Text) },
        fast: |e, c| fast_rewrite(e, c, |t| Ok(t.first().map(|t| t.to_uppercase()).unwrap_or_default())),
        reference: |_, c| one_text(c).map(|t| Value::text(&t.to_uppercase())).ok_or_else(|| c.wrong()),
        examples: &[("upper(\"ab\")", "\"AB\"")],
    },
    Def {
        sig: Signature { name: "lower", args: (1, 1), needs: Needs::Nothing, type_of: |a| texts(a, Type::Text) },
        fast: |e, c| fast_rewrite(e, c, |t| Ok(t.first().map(|t| t.to_lowercase()).unwrap_or_default())),
        reference: |_, c| one_text(c).map(|t| Value::text(&t.to_lowercase())).ok_or_else(|| c.wrong()),
        examples: &[("lower(\"AB\")", "\"ab\"")],
    },
    Def {
        sig: Signature { name: "starts_with", args: (2, 2), needs: Needs::Nothing, type_of: |a| texts(a, Type::Bool) },
        fast: |e, c| fast_affix(e, c, |t, p| t.starts_with(p)),
        reference: |_, c| {
            let [Value::Text(t), Value::Text(p)] = c.args else { return Err(c.wrong()) };
            Ok(Value::Bool(t.starts_with(&**p)))
        },
        examples: &[("starts_with(\"东胜区人民政府\", \"东胜\")", "true")],
    },
    Def {
        sig: Signature { name: "ends_with", args: (2, 2), needs: Needs::Nothing, type_of: |a| texts(a, Type::Bool) },
        fast: |e, c| fast_affix(e, c, |t, p| t.ends_with(p)),
        reference: |_, c| {
            let [Value::Text(t), Value::Text(p)] = c.args else { return Err(c.wrong()) };
            Ok(Value::Bool(t.ends_with(&**p)))
        },
        examples: &[("ends_with(\"东胜区人民政府\", \"政府\")", "true")],
    },
    Def {
        sig: Signature { name: "replace", args: (3, 3), needs: Needs::Nothing, type_of: |a| texts(a, Type::Text) },
        fast: |e, c| {
            if let [_, Value::Text(from), Value::Text(to)] = c.args {
                if from.is_empty() {
                    return Err(e.fail("`replace` needs a non-empty text to look for"));
                }
                if let Some(Value::Text(t)) = c.args.first() {
                    let grows = t.matches(&**from).count().saturating_mul(to.len());
                    e.alloc(grows as u64)?;
                }
            }
            fast_rewrite(e, c, |t| match t {
                [t, from, to] => Ok(t.replace(from, to)),
                _ => Err(()),
            })
        },
        reference: |_, c| {
            let [Value::Text(t), Value::Text(from), Value::Text(to)] = c.args else { return Err(c.wrong()) };
            if from.is_empty() {
                return Err(c.failed("nothing to replace"));
            }
            Ok(Value::text(&t.replace(&**from, to)))
        },
        examples: &[("replace(\"北骄热电\", \"北骄\", \"北郊\")", "\"北郊热电\"")],
    },
    Def {
        sig: Signature {
            name: "substring",
            args: (3, 3),
            needs: Needs::Nothing,
            type_of: |a| {
                a.text(0)?;
                a.int(1)?;
                a.int(2)?;
                Ok(Type::Text)
            },
        },
        fast: |e, c| {
            let (t, start, len) = cut(c).ok_or_else(|| e.bad())?;
            if start < 1 || len < 0 {
                return Err(e.fail(format!(
                    "`substring` starts at 1 or later and takes 0 or more characters, not from {start} for {len}"
                )));
            }
            e.tick_n(t.len() as u64)?;
            let out: String = t.chars().skip((start - 1) as usize).take(len as usize).collect();
            Ok(Value::Text(out.into()))
        },
        reference: |_, c| {
            let (t, start, len) = cut(c).ok_or_else(|| c.wrong())?;
            if start < 1 || len < 0 {
                return Err(c.failed("bad substring"));
            }
            let chars: Vec<char> = t.chars().collect();
            let from = ((start - 1) as usize).min(chars.len());
            let to = (from + len as usize).min(chars.len());
            Ok(Value::text(&chars.get(from..to).unwrap_or_default().iter().collect::<String>()))
        },
        examples: &[("substring(\"东胜区人民政府\", 3, 2)", "\"区人\"")],
    },
    Def {
        sig: Signature {
            name: "split",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                a.text(0)?;
                a.text(1)?;
                Ok(Type::List(Box::new(Type::Text)))
            },
        },
        fast: |e, c| {
            let [Value::Text(t), Value::Text(sep)] = c.args else { return Err(e.bad()) };
            if sep.is_empty() {
                return Err(e.fail("`split` needs a non-empty separator"));
            }
            e.tick_n(t.len() as u64)?;
            let parts: Vec<Value> = t.split(&**sep).map(|p| Value::Text(p.into())).collect();
            e.alloc(parts.len() as u64 * VALUE_BYTES + t.len() as u64)?;
            Ok(Value::List(Arc::new(parts)))
        },
        reference: |_, c| {
            let [Value::Text(t), Value::Text(sep)] = c.args else { return Err(c.wrong()) };
            if sep.is_empty() {
                return Err(c.failed("empty separator"));
            }
            Ok(Value::List(Arc::new(t.split(&**sep).map(Value::text).collect())))
        },
        examples: &[("join(split(\"a,b\", \",\"), \"、\")", "\"a、b\"")],
    },
    Def {
        sig: Signature {
            name: "join",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                match a.arg(0) {
                    (Type::List(t), _) if matches!(*t, Type::Text | Type::Enum(_) | Type::Unknown) => {}
                    (t, p) => return Err(a.err(p, format!("`{}` needs a list of text here, found {t}", a.name))),
                }
                a.text(1)?;
                Ok(Type::Text)
            },
        },
        fast: |e, c| {
            let [Value::List(items), Value::Text(sep)] = c.args else { return Err(e.bad()) };
            let mut out = String::new();
            for (i, v) in items.iter().enumerate() {
                let Value::Text(t) = v else { return Err(e.bad()) };
                if i > 0 {
                    out.push_str(sep);
                }
                e.tick_n(1 + t.len() as u64)?;
                e.alloc((t.len() + sep.len()) as u64)?;
                out.push_str(t);
            }
            Ok(Value::Text(out.into()))
        },
        reference: |_, c| {
            let [Value::List(items), Value::Text(sep)] = c.args else { return Err(c.wrong()) };
            let mut parts = Vec::new();
            for v in items.iter() {
                let Value::Text(t) = v else { return Err(c.wrong()) };
                parts.push(t.to_string());
            }
            Ok(Value::text(&parts.join(sep)))
        },
        examples: &[("join(split(\"a,b\", \",\"), \"、\")", "\"a、b\"")],
    },
];

/// Functions of text only, giving `gives`.
fn texts(a: &ArgTypes<'_>, gives: Type) -> Result<Type, CompileError> {
    a.all_text()?;
    Ok(gives)
}

/// `format_date`: a date, datetime or time of day and a pattern; a pattern
/// written as a literal is read at load, so a misspelt part, or an hour
/// asked of a date, is a load error at the pattern.
fn format_date_type(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    let kind = match a.arg(0) {
        (Type::Date, _) => Some(Kind::Date),
        (Type::DateTime, _) => Some(Kind::DateTime),
        (Type::Time, _) => Some(Kind::Time),
        (Type::Unknown, _) => None,
        (t, p) => {
            return Err(a.err(p, format!("`{}` writes a date, a date and time or a time of day, not {t}", a.name)))
        }
    };
    a.text(1)?;
    if let Some(pattern) = a.const_text(1) {
        let at = a.arg(1).1;
        Pattern::parse(pattern).and_then(|p| kind.map_or(Ok(()), |k| p.check(k))).map_err(|m| {
            a.err_help(at, format!("`format_date`: {m}"), "see `format_date` in docs/rule-format.md §9.7")
        })?;
    }
    Ok(Type::Text)
}

fn one_text<'v>(c: &Call<'v>) -> Option<&'v str> {
    match c.args {
        [Value::Text(t)] => Some(t),
        _ => None,
    }
}

/// A number, date, bool or text written as text.
fn written(c: &Call<'_>) -> Option<String> {
    match c.args {
        [Value::Text(t)] => Some(t.to_string()),
        [v @ (Value::Number(_)
        | Value::Bool(_)
        | Value::Date(_)
        | Value::DateTime(_)
        | Value::Time(_)
        | Value::Duration(_)
        | Value::YearsMonths(_))] => Some(v.to_string()),
        _ => None,
    }
}

/// A new text made from text arguments, each character read a step and
/// each byte made counted.
fn fast_rewrite(e: &mut Evaluator<'_>, c: &Call<'_>, make: impl Fn(&[&str]) -> Result<String, ()>) -> Res<Value> {
    let texts: Vec<&str> =
        c.args.iter().filter_map(|v| if let Value::Text(t) = v { Some(&**t) } else { None }).collect();
    if texts.len() != c.args.len() {
        return Err(e.bad());
    }
    let read: usize = texts.iter().map(|t| t.len()).sum();
    e.tick_n(read as u64)?;
    let out = make(&texts).map_err(|()| e.bad())?;
    e.alloc(out.len() as u64)?;
    Ok(Value::Text(out.into()))
}

/// `starts_with` and `ends_with`, reading the part looked for.
fn fast_affix(e: &mut Evaluator<'_>, c: &Call<'_>, test: fn(&str, &str) -> bool) -> Res<Value> {
    let [Value::Text(t), Value::Text(p)] = c.args else { return Err(e.bad()) };
    e.tick_n(p.len() as u64)?;
    Ok(Value::Bool(test(t, p)))
}

fn cut<'v>(c: &Call<'v>) -> Option<(&'v str, i64, i64)> {
    let [Value::Text(t), Value::Number(start), Value::Number(len)] = c.args else { return None };
    Some((t, int(start)?, int(len)?))
}
