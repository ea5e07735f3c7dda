//! Calls: built-in functions by name, their type rules, and calls of rules.

#[allow(unused_imports)]
use super::*;

pub(super) fn builtin(name: &str) -> Option<(Builtin, usize, usize)> {
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

pub(super) fn compile_call(
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
                    if let Err(p) = crate::values::value::conform(v, ity, iname) {
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
pub(super) fn check_date_pattern(cs: &[CExpr], ts: &[(Type, usize)]) -> Result<(), CompileError> {
    use crate::lang::date_pattern::{Kind, Pattern};
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

pub(super) fn builtin_type(b: Builtin, name: &str, ts: &[(Type, usize)], pos: usize) -> Result<Type, CompileError> {
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
