//! Working days, by the pack's calendar (调休 included): whether a day is
//! one, how many lie between two dates, and the n-th after a date.

use super::{date, int, Call, Def};
use crate::lang::expr::compile::{Needs, Signature};
use crate::values::date::Date;
use crate::values::value::{Type, Value};

pub(super) const DEFS: &[Def] = &[
    Def {
        sig: Signature {
            name: "is_workday",
            args: (1, 1),
            needs: Needs::Calendar,
            type_of: |a| {
                a.date(0)?;
                Ok(Type::Bool)
            },
        },
        fast: |e, c| {
            let [d] = c.args else { return Err(e.bad()) };
            let d = date(d).ok_or_else(|| e.bad())?;
            let cal = e.calendar(c.b.index)?;
            cal.is_workday(d).map(Value::Bool).map_err(|m| e.fail(m))
        },
        reference: |r, c| {
            let [d] = c.args else { return Err(c.wrong()) };
            Ok(Value::Bool(r.workday(c.rule, c.b.index, date(d).ok_or_else(|| c.wrong())?)?))
        },
        examples: &[("is_workday(2024-02-04)", "true")],
    },
    Def {
        sig: Signature {
            name: "workdays_between",
            args: (2, 2),
            needs: Needs::Calendar,
            type_of: |a| {
                a.date(0)?;
                a.date(1)?;
                Ok(Type::Integer)
            },
        },
        fast: |e, c| {
            let (a, z) = two_dates(c).ok_or_else(|| e.bad())?;
            let cal = e.calendar(c.b.index)?;
            let mut count = 0i64;
            let mut d = a;
            while d <= z {
                e.tick()?;
                if cal.is_workday(d).map_err(|m| e.fail(m))? {
                    count += 1;
                }
                d = d.add_days(1).map_err(|m| e.fail(m))?;
            }
            Ok(Value::int(count))
        },
        // every day from a to b, one by one
        reference: |r, c| {
            let (a, z) = two_dates(c).ok_or_else(|| c.wrong())?;
            let mut count = 0;
            for k in 0..=a.days_until(z).max(-1) {
                let day = a.add_days(k).map_err(|m| c.failed(m))?;
                if r.workday(c.rule, c.b.index, day)? {
                    count += 1;
                }
            }
            Ok(Value::int(count))
        },
        examples: &[("workdays_between(2024-01-01, 2024-12-31)", "251")],
    },
    Def {
        sig: Signature {
            name: "add_workdays",
            args: (2, 2),
            needs: Needs::Calendar,
            type_of: |a| {
                a.date(0)?;
                a.int(1)?;
                Ok(Type::Date)
            },
        },
        fast: |e, c| {
            let (mut d, n) = date_and_int(c).ok_or_else(|| e.bad())?;
            let cal = e.calendar(c.b.index)?;
            let step = n.signum();
            let mut left = n.unsigned_abs();
            while left > 0 {
                e.tick()?;
                d = d.add_days(step).map_err(|m| e.fail(m))?;
                if cal.is_workday(d).map_err(|m| e.fail(m))? {
                    left -= 1;
                }
            }
            Ok(Value::Date(d))
        },
        reference: |r, c| {
            let (mut day, n) = date_and_int(c).ok_or_else(|| c.wrong())?;
            let mut found = 0;
            while found < n.abs() {
                day = day.add_days(if n > 0 { 1 } else { -1 }).map_err(|m| c.failed(m))?;
                if r.workday(c.rule, c.b.index, day)? {
                    found += 1;
                }
            }
            Ok(Value::Date(day))
        },
        examples: &[("add_workdays(2024-09-27, 5)", "2024-10-10")],
    },
];

fn two_dates(c: &Call<'_>) -> Option<(Date, Date)> {
    match c.args {
        [a, z] => Some((date(a)?, date(z)?)),
        _ => None,
    }
}

fn date_and_int(c: &Call<'_>) -> Option<(Date, i64)> {
    let [d, Value::Number(n)] = c.args else { return None };
    Some((date(d)?, int(n)?))
}
