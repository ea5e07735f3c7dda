//! Working-day calendars: the period, holiday runs merged before they are expanded, make-up working days.

#[allow(unused_imports)]
use super::*;

/// The longest period a working-day calendar may cover.
pub(super) const MAX_CALENDAR_DAYS: i64 = 100 * 366;

/// Reads a working-day calendar: its period, holidays (single days or runs
/// `a..b`) and make-up working days, each inside the period; a make-up day
/// must fall on a weekend, and no day may be both.
pub(super) fn parse_calendar(d: &mut Diags, pc: &PackCtx, pack: &str, def: &CalendarDef) -> Option<Calendar> {
    let cite = cite(d, pc, &def.cite);
    let first = date_at(d, &def.covers.from)?;
    let Some(until) = &def.covers.until else {
        d.at(
            def.covers.from.pos,
            "a calendar's `covers` needs an `until:` date",
            Some("a calendar speaks for a known period, e.g. one year".into()),
        );
        return None;
    };
    let last = date_at(d, until)?;
    if last < first || first.days_until(last) > MAX_CALENDAR_DAYS {
        d.at(until.pos, format!("the calendar must cover 1 to {MAX_CALENDAR_DAYS} days, from {first} to {last}"), None);
        return None;
    }
    let inside = |d: &mut Diags, l: &Located, day: Date| {
        let ok = day >= first && day <= last;
        if !ok {
            d.at(l.pos, format!("{day} lies outside the period the calendar covers ({first} to {last})"), None);
        }
        ok
    };
    // runs are kept as runs until they are merged: a pack may repeat a long
    // run thousands of times, and expanding each before merging would cost
    // days × runs; merged, the days are at most the period's
    let mut runs: Vec<(Date, Date)> = Vec::new();
    for l in &def.holidays {
        let (a, z) = match l.text.split_once("..") {
            Some((a, z)) => {
                let a = Located { text: a.trim().to_string(), pos: l.pos };
                let z = Located { text: z.trim().to_string(), pos: l.pos };
                (date_at(d, &a), date_at(d, &z))
            }
            None => {
                let x = date_at(d, l);
                (x, x)
            }
        };
        let (Some(a), Some(z)) = (a, z) else { continue };
        if z < a {
            d.at(l.pos, format!("the run `{}` ends before it starts", l.text), None);
            continue;
        }
        if !inside(d, l, a) || !inside(d, l, z) {
            continue;
        }
        runs.push((a, z));
    }
    let holidays = merged_days(runs);
    let mut workdays = Vec::new();
    for l in &def.workdays {
        let Some(day) = date_at(d, l) else { continue };
        if !inside(d, l, day) {
            continue;
        }
        if day.weekday() <= 5 {
            d.at(
                l.pos,
                format!("{day} is a weekday: a make-up working day (调休上班) is a Saturday or a Sunday"),
                Some("list only the weekend days that are worked".into()),
            );
            continue;
        }
        if holidays.binary_search(&day).is_ok() {
            d.at(l.pos, format!("{day} is listed both as a holiday and as a working day"), None);
            continue;
        }
        workdays.push(day);
    }
    workdays.sort();
    workdays.dedup();
    Some(Calendar { pack: pack.to_string(), first, last, holidays, workdays, cite })
}

/// The days of runs `a..=b`, sorted and each once: the runs are sorted and
/// merged first, so the work is O(r log r) for the runs and one step per
/// day of the merged runs (at most the calendar's period).
pub(super) fn merged_days(mut runs: Vec<(Date, Date)>) -> Vec<Date> {
    runs.sort();
    let mut merged: Vec<(Date, Date)> = Vec::with_capacity(runs.len());
    for (a, z) in runs {
        match merged.last_mut() {
            Some((_, end)) if a <= end.add_days(1).unwrap_or(*end) => {
                if z > *end {
                    *end = z;
                }
            }
            _ => merged.push((a, z)),
        }
    }
    let mut days = Vec::new();
    for (a, z) in merged {
        let mut day = a;
        while day <= z {
            days.push(day);
            match day.add_days(1) {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
    }
    days
}
