//! Dates: days between, adding days, months and years, their parts, making
//! a date, every day of a period, the month's last day, the as-of date.

use super::{date, int, Call, Def};
use crate::lang::expr::compile::{Needs, Signature};
use crate::run::eval::{Evaluator, Fault, Res, MAX_GENERATED};
use crate::values::date::{days_in_month, Date};
use crate::values::value::{Type, Value};
use std::sync::Arc;

pub(super) const DEFS: &[Def] = &[
    Def {
        sig: Signature {
            name: "days_between",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                a.date(0)?;
                a.date(1)?;
                Ok(Type::Integer)
            },
        },
        fast: |e, c| two_dates(c).map(|(a, z)| Value::int(a.days_until(z))).ok_or_else(|| e.bad()),
        reference: |_, c| two_dates(c).map(|(a, z)| Value::int(a.days_until(z))).ok_or_else(|| c.wrong()),
        examples: &[("days_between(2024-01-01, 2024-12-31)", "365")],
    },
    Def {
        sig: Signature { name: "add_days", args: (2, 2), needs: Needs::Nothing, type_of: date_and_count },
        fast: |e, c| fast_shift(e, c, Date::add_days),
        reference: |_, c| plain_shift(c, Date::add_days),
        examples: &[("add_days(2024-02-28, 2)", "2024-03-01")],
    },
    Def {
        sig: Signature { name: "add_months", args: (2, 2), needs: Needs::Nothing, type_of: date_and_count },
        fast: |e, c| fast_shift(e, c, Date::add_months),
        reference: |_, c| plain_shift(c, Date::add_months),
        examples: &[("add_months(2024-01-31, 1)", "2024-02-29")],
    },
    Def {
        sig: Signature { name: "add_years", args: (2, 2), needs: Needs::Nothing, type_of: date_and_count },
        fast: |e, c| fast_shift(e, c, Date::add_years),
        reference: |_, c| plain_shift(c, Date::add_years),
        examples: &[("add_years(2024-02-29, 1)", "2025-02-28")],
    },
    Def {
        sig: Signature { name: "year", args: (1, 1), needs: Needs::Nothing, type_of: part },
        fast: |e, c| one_date(c).map(|d| Value::int(d.year())).ok_or_else(|| e.bad()),
        reference: |_, c| one_date(c).map(|d| Value::int(d.year())).ok_or_else(|| c.wrong()),
        examples: &[("year(2024-03-05)", "2024")],
    },
    Def {
        sig: Signature { name: "month", args: (1, 1), needs: Needs::Nothing, type_of: part },
        fast: |e, c| one_date(c).map(|d| Value::int(i64::from(d.month()))).ok_or_else(|| e.bad()),
        reference: |_, c| one_date(c).map(|d| Value::int(i64::from(d.month()))).ok_or_else(|| c.wrong()),
        examples: &[("month(2024-03-05)", "3")],
    },
    Def {
        sig: Signature { name: "day", args: (1, 1), needs: Needs::Nothing, type_of: part },
        fast: |e, c| one_date(c).map(|d| Value::int(i64::from(d.day()))).ok_or_else(|| e.bad()),
        reference: |_, c| one_date(c).map(|d| Value::int(i64::from(d.day()))).ok_or_else(|| c.wrong()),
        examples: &[("day(2024-03-05)", "5")],
    },
    Def {
        sig: Signature { name: "weekday", args: (1, 1), needs: Needs::Nothing, type_of: part },
        fast: |e, c| one_date(c).map(|d| Value::int(i64::from(d.weekday()))).ok_or_else(|| e.bad()),
        reference: |_, c| one_date(c).map(|d| Value::int(i64::from(d.weekday()))).ok_or_else(|| c.wrong()),
        examples: &[("weekday(2024-01-01)", "1")],
    },
    Def {
        sig: Signature {
            name: "date",
            args: (3, 3),
            needs: Needs::Nothing,
            type_of: |a| {
                a.int(0)?;
                a.int(1)?;
                a.int(2)?;
                Ok(Type::Date)
            },
        },
        fast: |e, c| {
            let (y, m, d) = ymd(c).ok_or_else(|| e.bad())?;
            Date::from_ymd(y, m, d).map(Value::Date).map_err(|m| e.fail(m))
        },
        reference: |_, c| {
            let (y, m, d) = ymd(c).ok_or_else(|| c.wrong())?;
            Date::from_ymd(y, m, d).map(Value::Date).map_err(|m| c.failed(m))
        },
        examples: &[("date(2024, 2, 29)", "2024-02-29")],
    },
    Def {
        sig: Signature {
            name: "dates",
            args: (2, 2),
            needs: Needs::Nothing,
            type_of: |a| {
                a.date(0)?;
                a.date(1)?;
                Ok(Type::List(Box::new(Type::Date)))
            },
        },
        fast: |e, c| {
            let (a, z) = two_dates(c).ok_or_else(|| e.bad())?;
            e.generated_list("dates", "days", a.days_until(z), |k| a.add_days(k).map(Value::Date))
        },
        reference: |_, c| {
            let (a, z) = two_dates(c).ok_or_else(|| c.wrong())?;
            plain_generated(c, a.days_until(z), &|k| a.add_days(k).map(Value::Date))
        },
        examples: &[("count(dates(2024-01-01, 2024-12-31))", "366")],
    },
    Def {
        sig: Signature {
            name: "last_day_of_month",
            args: (1, 1),
            needs: Needs::Nothing,
            type_of: |a| {
                a.date(0)?;
                Ok(Type::Date)
            },
        },
        fast: |e, c| {
            let d = one_date(c).ok_or_else(|| e.bad())?;
            last_day(d).map(Value::Date).map_err(|m| e.fail(m))
        },
        reference: |_, c| {
            let d = one_date(c).ok_or_else(|| c.wrong())?;
            last_day(d).map(Value::Date).map_err(|m| c.failed(m))
        },
        examples: &[("last_day_of_month(2024-02-10)", "2024-02-29")],
    },
    Def {
        sig: Signature { name: "as_of", args: (0, 0), needs: Needs::Nothing, type_of: |_| Ok(Type::Date) },
        fast: |e, _| Ok(Value::Date(e.as_of)),
        reference: |r, _| Ok(Value::Date(r.as_of)),
        // the docs' example is evaluated as of 2024-06-30
        examples: &[("as_of()", "2024-06-30")],
    },
];

fn one_date(c: &Call<'_>) -> Option<Date> {
    match c.args {
        [d] => date(d),
        _ => None,
    }
}

fn two_dates(c: &Call<'_>) -> Option<(Date, Date)> {
    match c.args {
        [a, z] => Some((date(a)?, date(z)?)),
        _ => None,
    }
}

fn ymd(c: &Call<'_>) -> Option<(i64, u32, u32)> {
    let [Value::Number(y), Value::Number(m), Value::Number(d)] = c.args else { return None };
    let (y, m, d) = (int(y)?, int(m)?, int(d)?);
    Some((y, u32::try_from(m).unwrap_or(0), u32::try_from(d).unwrap_or(0)))
}

fn last_day(d: Date) -> Result<Date, String> {
    let (y, m, _) = d.ymd();
    Date::from_ymd(y, m, days_in_month(y, m))
}

/// A date's year, month, day or weekday.
fn part(a: &crate::lang::expr::compile::ArgTypes<'_>) -> Result<Type, crate::lang::expr::compile::CompileError> {
    a.date(0)?;
    Ok(Type::Integer)
}

/// A date moved by a whole number of days, months or years.
fn date_and_count(
    a: &crate::lang::expr::compile::ArgTypes<'_>,
) -> Result<Type, crate::lang::expr::compile::CompileError> {
    a.date(0)?;
    a.int(1)?;
    Ok(Type::Date)
}

type Shift = fn(Date, i64) -> Result<Date, String>;

fn date_and_int(c: &Call<'_>) -> Option<(Date, i64)> {
    let [d, Value::Number(n)] = c.args else { return None };
    Some((date(d)?, int(n)?))
}

fn fast_shift(e: &mut Evaluator<'_>, c: &Call<'_>, by: Shift) -> Res<Value> {
    let (d, n) = date_and_int(c).ok_or_else(|| e.bad())?;
    by(d, n).map(Value::Date).map_err(|m| e.fail(m))
}

fn plain_shift(c: &Call<'_>, by: Shift) -> Result<Value, Fault> {
    let (d, n) = date_and_int(c).ok_or_else(|| c.wrong())?;
    by(d, n).map(Value::Date).map_err(|m| c.failed(m))
}

/// The reference's list `item(0) … item(span)` of `dates` and `range`,
/// within the limit.
pub(super) fn plain_generated(
    c: &Call<'_>,
    span: i64,
    item: &dyn Fn(i64) -> Result<Value, String>,
) -> Result<Value, Fault> {
    if span > MAX_GENERATED {
        return Err(c.failed("the list would be too long"));
    }
    (0..=span)
        .map(|k| item(k).map_err(|m| c.failed(m)))
        .collect::<Result<Vec<_>, _>>()
        .map(|v| Value::List(Arc::new(v)))
}
