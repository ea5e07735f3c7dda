//! Times: datetimes and times of day, the minutes and hours between them,
//! and durations (made, measured, added).

use super::numbers::fast_ratio;
use super::{date, datetime, int, Call, Def};
use crate::lang::expr::compile::{ArgTypes, CompileError, Needs, Signature};
use crate::run::eval::{Evaluator, Fault, Res};
use crate::run::reference::Reference;
use crate::values::date::{DateTime, Duration, TimeOfDay, YearsMonths};
use crate::values::number::Number;
use crate::values::value::{Type, Value};

pub(super) const DEFS: &[Def] = &[
    Def {
        sig: Signature {
            name: "minutes_between",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| between(a, Type::Integer),
        },
        fast: |e, c| {
            let (a, z) = two_datetimes(c).ok_or_else(|| e.bad())?;
            Ok(Value::int(a.seconds_until(z).div_euclid(60)))
        },
        reference: |_, c| {
            let (a, z) = two_datetimes(c).ok_or_else(|| c.wrong())?;
            Ok(Value::int(a.seconds_until(z).div_euclid(60)))
        },
        examples: &[("minutes_between(2024-05-01T09:00, 2024-05-01T10:20)", "80")],
    },
    Def {
        sig: Signature {
            name: "hours_between",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| between(a, Type::Number),
        },
        fast: |e, c| {
            let (a, z) = two_datetimes(c).ok_or_else(|| e.bad())?;
            fast_ratio(e, i128::from(a.seconds_until(z)), 3600)
        },
        reference: |r, c| {
            let (a, z) = two_datetimes(c).ok_or_else(|| c.wrong())?;
            Ok(Value::Number(r.fits(c.rule, Number::ratio(i128::from(a.seconds_until(z)), 3600))?))
        },
        examples: &[("hours_between(2024-05-01T09:00, 2024-05-01T10:20)", "4/3")],
    },
    Def {
        sig: Signature {
            name: "add_minutes",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                a.datetime(0)?;
                a.int(1)?;
                Ok(Type::DateTime)
            },
        },
        fast: |e, c| {
            let (t, n) = datetime_and_int(c).ok_or_else(|| e.bad())?;
            t.add_minutes(n).map(Value::DateTime).map_err(|m| e.fail(m))
        },
        reference: |_, c| {
            let (t, n) = datetime_and_int(c).ok_or_else(|| c.wrong())?;
            t.add_minutes(n).map(Value::DateTime).map_err(|m| c.failed(m))
        },
        examples: &[("add_minutes(2024-05-01T23:30, 45)", "2024-05-02T00:15")],
    },
    Def {
        sig: Signature {
            name: "date_of",
            args: (1, 1),
            needs: Needs::Nothing,
            type_of: |a| {
                a.datetime(0)?;
                Ok(Type::Date)
            },
        },
        fast: |e, c| one_datetime(c).map(|t| Value::Date(t.date())).ok_or_else(|| e.bad()),
        reference: |_, c| one_datetime(c).map(|t| Value::Date(t.date())).ok_or_else(|| c.wrong()),
        examples: &[("date_of(2024-05-01T23:30)", "2024-05-01")],
    },
    Def {
        sig: Signature {
            name: "datetime",
            args: (3, 3),
            needs: Needs::Nothing,
            type_of: |a| {
                a.date(0)?;
                a.int(1)?;
                a.int(2)?;
                Ok(Type::DateTime)
            },
        },
        fast: |e, c| make_datetime(c).ok_or_else(|| e.bad())?.map(Value::DateTime).map_err(|m| e.fail(m)),
        reference: |_, c| make_datetime(c).ok_or_else(|| c.wrong())?.map(Value::DateTime).map_err(|m| c.failed(m)),
        examples: &[("datetime(2024-05-01, 9, 30)", "2024-05-01T09:30")],
    },
    Def {
        sig: Signature {
            name: "time",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                a.int(0)?;
                a.int(1)?;
                Ok(Type::Time)
            },
        },
        fast: |e, c| make_time(c).ok_or_else(|| e.bad())?.map(Value::Time).map_err(|m| e.fail(m)),
        reference: |_, c| make_time(c).ok_or_else(|| c.wrong())?.map(Value::Time).map_err(|m| c.failed(m)),
        examples: &[("time(9, 30)", "09:30")],
    },
    Def {
        sig: Signature {
            name: "time_of",
            args: (1, 1),
            needs: Needs::Nothing,
            type_of: |a| {
                a.datetime(0)?;
                Ok(Type::Time)
            },
        },
        fast: |e, c| one_datetime(c).map(|t| Value::Time(t.time())).ok_or_else(|| e.bad()),
        reference: |_, c| one_datetime(c).map(|t| Value::Time(t.time())).ok_or_else(|| c.wrong()),
        examples: &[("time_of(2024-05-01T23:30)", "23:30")],
    },
    Def {
        sig: Signature {
            name: "at_time",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                a.date(0)?;
                match a.arg(1) {
                    (Type::Time, _) => Ok(Type::DateTime),
                    (t, p) => Err(a.err_help(
                        p,
                        format!("`{}` needs a time of day here, found {t}", a.name),
                        "write `time(9, 30)`",
                    )),
                }
            },
        },
        fast: |e, c| at_time(c).ok_or_else(|| e.bad()),
        reference: |_, c| at_time(c).ok_or_else(|| c.wrong()),
        examples: &[("at_time(2024-05-02, time(9, 0))", "2024-05-02T09:00")],
    },
    Def {
        sig: Signature { name: "days", args: (1, 1), needs: Needs::Nothing, type_of: duration_of },
        fast: |e, c| fast_duration_of(e, c, 86_400, "days"),
        reference: |_, c| plain_duration_of(c, 86_400),
        examples: &[("days(1/3)", "PT8H")],
    },
    Def {
        sig: Signature { name: "hours", args: (1, 1), needs: Needs::Nothing, type_of: duration_of },
        fast: |e, c| fast_duration_of(e, c, 3_600, "hours"),
        reference: |_, c| plain_duration_of(c, 3_600),
        examples: &[("hours(1.5)", "PT1H30M")],
    },
    Def {
        sig: Signature { name: "minutes", args: (1, 1), needs: Needs::Nothing, type_of: duration_of },
        fast: |e, c| fast_duration_of(e, c, 60, "minutes"),
        reference: |_, c| plain_duration_of(c, 60),
        examples: &[("in_hours(minutes(150))", "2.5")],
    },
    Def {
        sig: Signature {
            name: "duration_between",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                let ((t, pa), (z, pz)) = (a.arg(0), a.arg(1));
                if !matches!(t, Type::DateTime | Type::Time) {
                    return Err(a.err(pa, format!("`{}` needs two datetimes or two times of day, found {t}", a.name)));
                }
                if z != t {
                    return Err(a.err(pz, format!("`{}` needs two values of one type: {t} and {z}", a.name)));
                }
                Ok(Type::Duration)
            },
        },
        fast: |e, c| match c.args {
            [Value::DateTime(a), Value::DateTime(z)] => {
                Duration::from_secs(a.seconds_until(*z)).map(Value::Duration).map_err(|m| e.fail(m))
            }
            [Value::Time(a), Value::Time(z)] => Ok(Value::Duration(a.until(*z))),
            _ => Err(e.bad()),
        },
        reference: |_, c| {
            let secs = match c.args {
                [Value::DateTime(a), Value::DateTime(z)] => a.seconds_until(*z),
                [Value::Time(a), Value::Time(z)] => i64::from(z.seconds()) - i64::from(a.seconds()),
                _ => return Err(c.wrong()),
            };
            Duration::from_secs(secs).map(Value::Duration).map_err(|m| c.failed(m))
        },
        examples: &[("duration_between(2024-05-01T23:30, 2024-05-02T09:00)", "PT9H30M")],
    },
    Def {
        sig: Signature {
            name: "add_duration",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                let ((t, pa), (d, pd)) = (a.arg(0), a.arg(1));
                match (&t, &d) {
                    (Type::DateTime | Type::Duration, Type::Duration) => Ok(t),
                    (Type::Date | Type::DateTime | Type::YearsMonths, Type::YearsMonths) => Ok(t),
                    (Type::Date, Type::Duration) => Err(a.err_help(
                        pd,
                        format!("`{}` adds years and months to a date, found {d}", a.name),
                        "write `years(2)` or `months(6)`; for days, `add_days(date, n)`",
                    )),
                    (_, Type::Duration | Type::YearsMonths) => Err(a.err(
                        pa,
                        format!("`{}` adds to a date, a datetime or a span of the same kind, found {t}", a.name),
                    )),
                    _ => Err(a.err_help(
                        pd,
                        format!("`{}` adds a duration or years and months, found {d}", a.name),
                        "write `hours(2)`, `days(1)`, `months(6)` or `years(2)`",
                    )),
                }
            },
        },
        fast: |e, c| add_duration(c).ok_or_else(|| e.bad())?.map_err(|m| e.fail(m)),
        reference: |_, c| add_duration(c).ok_or_else(|| c.wrong())?.map_err(|m| c.failed(m)),
        examples: &[
            ("add_duration(2024-05-01T23:30, hours(2))", "2024-05-02T01:30"),
            ("add_duration(2024-01-31, months(1))", "2024-02-29"),
            ("add_duration(2022-03-15, years(2)) <= 2024-03-14", "false"),
        ],
    },
    Def {
        sig: Signature { name: "days_of", args: (1, 1), needs: Needs::Nothing, type_of: duration_part },
        fast: |e, c| duration_part_of(c, 86_400, i64::MAX).ok_or_else(|| e.bad()),
        reference: |_, c| plain_duration_part(c, 0),
        examples: &[("days_of(hours(50))", "2"), ("hours(50).days", "2")],
    },
    Def {
        sig: Signature { name: "hours_of", args: (1, 1), needs: Needs::Nothing, type_of: duration_part },
        fast: |e, c| duration_part_of(c, 3_600, 24).ok_or_else(|| e.bad()),
        reference: |_, c| plain_duration_part(c, 1),
        examples: &[("hours_of(hours(50))", "2"), ("minutes(150).hours", "2")],
    },
    Def {
        sig: Signature { name: "minutes_of", args: (1, 1), needs: Needs::Nothing, type_of: duration_part },
        fast: |e, c| duration_part_of(c, 60, 60).ok_or_else(|| e.bad()),
        reference: |_, c| plain_duration_part(c, 2),
        examples: &[("minutes_of(minutes(150))", "30"), ("minutes(150).minutes", "30")],
    },
    Def {
        sig: Signature { name: "seconds_of", args: (1, 1), needs: Needs::Nothing, type_of: duration_part },
        fast: |e, c| duration_part_of(c, 1, 60).ok_or_else(|| e.bad()),
        reference: |_, c| plain_duration_part(c, 3),
        examples: &[("seconds_of(minutes(1.5))", "30"), ("minutes(1.5).seconds", "30")],
    },
    Def {
        sig: Signature { name: "years", args: (1, 1), needs: Needs::Nothing, type_of: months_of_type },
        fast: |e, c| span(c, 12).ok_or_else(|| e.bad())?.map_err(|m| e.fail(m)),
        reference: |_, c| {
            let [Value::Number(n)] = c.args else { return Err(c.wrong()) };
            let months = n.to_i64().and_then(|y| y.checked_mul(12)).ok_or_else(|| c.failed("a span too long"))?;
            YearsMonths::from_months(months).map(Value::YearsMonths).map_err(|m| c.failed(m))
        },
        examples: &[("years(2)", "P2Y")],
    },
    Def {
        sig: Signature { name: "months", args: (1, 1), needs: Needs::Nothing, type_of: months_of_type },
        fast: |e, c| span(c, 1).ok_or_else(|| e.bad())?.map_err(|m| e.fail(m)),
        reference: |_, c| {
            let [Value::Number(n)] = c.args else { return Err(c.wrong()) };
            let months = n.to_i64().ok_or_else(|| c.failed("a span too long"))?;
            YearsMonths::from_months(months).map(Value::YearsMonths).map_err(|m| c.failed(m))
        },
        examples: &[("months(18)", "P1Y6M")],
    },
    Def {
        sig: Signature {
            name: "months_between",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                a.date(0)?;
                a.date(1)?;
                Ok(Type::YearsMonths)
            },
        },
        fast: |e, c| match c.args {
            [Value::Date(x), Value::Date(y)] => Ok(Value::YearsMonths(YearsMonths::between(*x, *y))),
            _ => Err(e.bad()),
        },
        reference: |_, c| {
            let [Value::Date(x), Value::Date(y)] = c.args else { return Err(c.wrong()) };
            // count whole months forward (or back) while the date is not passed
            let (step, mut n) = if y >= x { (1i64, 0i64) } else { (-1, 0) };
            while x.add_months(n + step).is_ok_and(|d| if step > 0 { d <= *y } else { d >= *y }) {
                n += step;
            }
            YearsMonths::from_months(n).map(Value::YearsMonths).map_err(|m| c.failed(m))
        },
        examples: &[
            ("months_between(2022-03-15, 2024-03-14)", "P1Y11M"),
            ("months_between(2022-03-15, 2024-03-15) >= years(2)", "true"),
        ],
    },
    Def {
        sig: Signature { name: "in_months", args: (1, 1), needs: Needs::Nothing, type_of: span_part },
        fast: |e, c| part(c, Part::Total).ok_or_else(|| e.bad()),
        reference: |_, c| {
            let [Value::YearsMonths(p)] = c.args else { return Err(c.wrong()) };
            Ok(Value::int(p.months()))
        },
        examples: &[("in_months(years(2))", "24")],
    },
    Def {
        sig: Signature { name: "years_of", args: (1, 1), needs: Needs::Nothing, type_of: span_part },
        fast: |e, c| part(c, Part::Years).ok_or_else(|| e.bad()),
        reference: |_, c| {
            let [Value::YearsMonths(p)] = c.args else { return Err(c.wrong()) };
            // whole years, toward zero: -P1Y6M is -1 year and -6 months
            Ok(Value::int(p.months().signum() * (p.months().abs() / 12)))
        },
        examples: &[("years_of(months(30))", "2"), ("months(30).years", "2")],
    },
    Def {
        sig: Signature { name: "months_of", args: (1, 1), needs: Needs::Nothing, type_of: span_part },
        fast: |e, c| part(c, Part::Months).ok_or_else(|| e.bad()),
        reference: |_, c| {
            let [Value::YearsMonths(p)] = c.args else { return Err(c.wrong()) };
            Ok(Value::int(p.months().signum() * (p.months().abs() % 12)))
        },
        examples: &[("months_of(months(30))", "6"), ("months(30).months", "6")],
    },
    Def {
        sig: Signature { name: "in_days", args: (1, 1), needs: Needs::Nothing, type_of: duration_in },
        fast: |e, c| fast_duration_in(e, c, 86_400),
        reference: |r, c| plain_duration_in(r, c, 86_400),
        examples: &[("in_days(hours(36))", "1.5")],
    },
    Def {
        sig: Signature { name: "in_hours", args: (1, 1), needs: Needs::Nothing, type_of: duration_in },
        fast: |e, c| fast_duration_in(e, c, 3_600),
        reference: |r, c| plain_duration_in(r, c, 3_600),
        examples: &[("in_hours(minutes(150))", "2.5")],
    },
    Def {
        sig: Signature { name: "in_minutes", args: (1, 1), needs: Needs::Nothing, type_of: duration_in },
        fast: |e, c| fast_duration_in(e, c, 60),
        reference: |r, c| plain_duration_in(r, c, 60),
        examples: &[("in_minutes(hours(1.5))", "90")],
    },
];

/// `minutes_between` and `hours_between`: two datetimes.
fn between(a: &ArgTypes<'_>, gives: Type) -> Result<Type, CompileError> {
    a.datetime(0)?;
    a.datetime(1)?;
    Ok(gives)
}

fn one_datetime(c: &Call<'_>) -> Option<DateTime> {
    match c.args {
        [t] => datetime(t),
        _ => None,
    }
}

fn two_datetimes(c: &Call<'_>) -> Option<(DateTime, DateTime)> {
    match c.args {
        [a, z] => Some((datetime(a)?, datetime(z)?)),
        _ => None,
    }
}

fn datetime_and_int(c: &Call<'_>) -> Option<(DateTime, i64)> {
    let [t, Value::Number(n)] = c.args else { return None };
    Some((datetime(t)?, int(n)?))
}

fn make_datetime(c: &Call<'_>) -> Option<Result<DateTime, String>> {
    let [d, Value::Number(h), Value::Number(m)] = c.args else { return None };
    let (d, h, m) = (date(d)?, int(h)?, int(m)?);
    let (h, m) = (u32::try_from(h).unwrap_or(99), u32::try_from(m).unwrap_or(99));
    Some(DateTime::from_parts(d, h, m))
}

fn make_time(c: &Call<'_>) -> Option<Result<TimeOfDay, String>> {
    let [Value::Number(h), Value::Number(m)] = c.args else { return None };
    Some(TimeOfDay::from_hm(int(h)?, int(m)?))
}

fn at_time(c: &Call<'_>) -> Option<Value> {
    let [Value::Date(d), Value::Time(t)] = c.args else { return None };
    Some(Value::DateTime(DateTime::at(*d, *t)))
}

fn add_duration(c: &Call<'_>) -> Option<Result<Value, String>> {
    Some(match c.args {
        [Value::Date(d), Value::YearsMonths(p)] => d.add_months(p.months()).map(Value::Date),
        [Value::DateTime(t), Value::YearsMonths(p)] => t.add_months(p.months()).map(Value::DateTime),
        [Value::YearsMonths(a), Value::YearsMonths(p)] => a
            .months()
            .checked_add(p.months())
            .ok_or_else(|| "a span too long".to_string())
            .and_then(YearsMonths::from_months)
            .map(Value::YearsMonths),
        [Value::DateTime(t), Value::Duration(d)] => t.add_duration(*d).map(Value::DateTime),
        [Value::Duration(a), Value::Duration(d)] => a
            .seconds()
            .checked_add(d.seconds())
            .ok_or_else(|| "a duration too long".to_string())
            .and_then(Duration::from_secs)
            .map(Value::Duration),
        _ => return None,
    })
}

/// `days`, `hours`, `minutes`: a number of units as a duration.
fn duration_of(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    a.num(0)?;
    Ok(Type::Duration)
}

fn fast_duration_of(e: &mut Evaluator<'_>, c: &Call<'_>, unit: i64, what: &str) -> Res<Value> {
    let [Value::Number(n)] = c.args else { return Err(e.bad()) };
    Duration::of(n, unit, what).map(Value::Duration).map_err(|m| e.fail(m))
}

fn plain_duration_of(c: &Call<'_>, unit: i64) -> Result<Value, Fault> {
    let [Value::Number(n)] = c.args else { return Err(c.wrong()) };
    Duration::of(n, unit, "a duration of").map(Value::Duration).map_err(|m| c.failed(m))
}

/// `in_days`, `in_hours`, `in_minutes`: a duration as an exact number of
/// units.
fn duration_in(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    a.duration(0)?;
    Ok(Type::Number)
}

fn fast_duration_in(e: &mut Evaluator<'_>, c: &Call<'_>, unit: i64) -> Res<Value> {
    let [Value::Duration(d)] = c.args else { return Err(e.bad()) };
    fast_ratio(e, i128::from(d.seconds()), i128::from(unit))
}

fn plain_duration_in(r: &Reference<'_>, c: &Call<'_>, unit: i64) -> Result<Value, Fault> {
    let [Value::Duration(d)] = c.args else { return Err(c.wrong()) };
    Ok(Value::Number(r.fits(c.rule, Number::ratio(i128::from(d.seconds()), i128::from(unit)))?))
}

/// `years`, `months`: a whole number of them as a span.
fn months_of_type(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    a.int(0)?;
    Ok(Type::YearsMonths)
}

/// `n` spans of `unit` months.
fn span(c: &Call<'_>, unit: i64) -> Option<Result<Value, String>> {
    let [Value::Number(n)] = c.args else { return None };
    Some(
        n.to_i64()
            .and_then(|k| k.checked_mul(unit))
            .ok_or_else(|| format!("{n} is too many months"))
            .and_then(YearsMonths::from_months)
            .map(Value::YearsMonths),
    )
}

/// `in_months`, `years_of`, `months_of`: a span of years and months read
/// as an integer.
fn span_part(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    match a.arg(0) {
        (Type::YearsMonths, _) => Ok(Type::Integer),
        (t, p) => Err(a.err_help(
            p,
            format!("`{}` reads years and months, found {t}", a.name),
            "make one with `years(n)`, `months(n)` or `months_between(a, b)`",
        )),
    }
}

/// Which part of a span of years and months.
enum Part {
    Total,
    Years,
    Months,
}

fn part(c: &Call<'_>, which: Part) -> Option<Value> {
    let [Value::YearsMonths(p)] = c.args else { return None };
    let m = p.months();
    Some(Value::int(match which {
        Part::Total => m,
        Part::Years => m / 12,
        Part::Months => m % 12,
    }))
}

/// `days_of`, `hours_of`, `minutes_of`, `seconds_of`: a part of a duration.
fn duration_part(a: &ArgTypes<'_>) -> Result<Type, CompileError> {
    match a.arg(0) {
        (Type::Duration, _) => Ok(Type::Integer),
        (t, p) => Err(a.err(p, format!("`{}` reads a duration, found {t}", a.name))),
    }
}

/// The whole `unit`s of a duration, less those that make a larger part
/// (`modulo` of them), with the duration's sign: `-PT90M` is -1 hour and
/// -30 minutes.
fn duration_part_of(c: &Call<'_>, unit: i64, modulo: i64) -> Option<Value> {
    let [Value::Duration(d)] = c.args else { return None };
    let s = d.seconds();
    Some(Value::int(s.signum() * ((s.abs() / unit) % modulo)))
}

/// The parts of a duration counted out one by one: days, hours, minutes,
/// seconds; `which` picks one.
fn plain_duration_part(c: &Call<'_>, which: usize) -> Result<Value, Fault> {
    let [Value::Duration(d)] = c.args else { return Err(c.wrong()) };
    let mut rest = d.seconds().abs();
    let mut parts = Vec::new();
    for unit in [86_400, 3_600, 60, 1] {
        parts.push(rest / unit);
        rest %= unit;
    }
    let sign = d.seconds().signum();
    parts.get(which).map(|p| Value::int(sign * p)).ok_or_else(|| c.wrong())
}
