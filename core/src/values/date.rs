//! Calendar dates (proleptic Gregorian), stored as a day number, with the
//! operations the rule packs need: parsing, days between, adding days,
//! months and years, weekday, and "today" in Asia/Shanghai.

use std::fmt;

/// A calendar date. Ordering is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

/// The earliest and latest years a date may have; outside them a date is an
/// error, which keeps every computation far from overflow.
const MIN_YEAR: i64 = 1;
const MAX_YEAR: i64 = 9999;

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    // Howard Hinnant's algorithm, shifted so that March is the first month.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// True for leap years of the Gregorian calendar.
pub fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The number of days in a month.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if is_leap_year(y) {
                29
            } else {
                28
            }
        }
    }
}

impl Date {
    /// A date from year, month and day.
    ///
    /// # Errors
    /// A message when the date does not exist.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Result<Date, String> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
            return Err(format!("year {y} is outside 1..9999"));
        }
        if !(1..=12).contains(&m) {
            return Err(format!("month {m} does not exist"));
        }
        if d < 1 || d > days_in_month(y, m) {
            return Err(format!("{y:04}-{m:02} has no day {d}"));
        }
        Ok(Date { days: days_from_civil(y, m, d) })
    }

    /// Parses `YYYY-MM-DD`.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str) -> Result<Date, String> {
        let t = text.trim();
        let parts: Vec<&str> = t.split('-').collect();
        let bad = || format!("`{t}` is not a date; write YYYY-MM-DD, e.g. 2024-01-05");
        let [y, m, d] = parts.as_slice() else { return Err(bad()) };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let y: i64 = y.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        let d: u32 = d.parse().map_err(|_| bad())?;
        Date::from_ymd(y, m, d)
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.days)
    }

    /// The year.
    pub fn year(self) -> i64 {
        self.ymd().0
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        self.ymd().1
    }

    /// The day of the month, 1–31.
    pub fn day(self) -> u32 {
        self.ymd().2
    }

    /// ISO weekday: Monday = 1 … Sunday = 7.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (4).
        ((self.days + 3).rem_euclid(7) + 1) as u32
    }

    /// The date `days` days after 1970-01-01 (Arrow's `date32`).
    ///
    /// # Errors
    /// When the date leaves years 1–9999.
    pub fn from_epoch_days(days: i64) -> Result<Date, String> {
        Date { days: 0 }.add_days(days)
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn epoch_days(self) -> i64 {
        self.days
    }

    /// Days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Date) -> i64 {
        other.days - self.days
    }

    /// The date `n` days later (earlier for negative `n`).
    ///
    /// # Errors
    /// When the result leaves years 1–9999.
    pub fn add_days(self, n: i64) -> Result<Date, String> {
        let days = self.days.checked_add(n).ok_or("date out of range")?;
        let (y, _, _) = civil_from_days(days);
        if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
            return Err(format!("the date {n} days from {self} is outside years 1..9999"));
        }
        Ok(Date { days })
    }

    /// The same day `n` months later; a day that does not exist in the target
    /// month becomes that month's last day (2024-01-31 + 1 month = 2024-02-29).
    ///
    /// # Errors
    /// When the result leaves years 1–9999.
    pub fn add_months(self, n: i64) -> Result<Date, String> {
        let (y, m, d) = self.ymd();
        let total = y
            .checked_mul(12)
            .and_then(|v| v.checked_add(i64::from(m) - 1))
            .and_then(|v| v.checked_add(n))
            .ok_or("date out of range")?;
        let ny = total.div_euclid(12);
        let nm = (total.rem_euclid(12) + 1) as u32;
        if !(MIN_YEAR..=MAX_YEAR).contains(&ny) {
            return Err(format!("the date {n} months from {self} is outside years 1..9999"));
        }
        Date::from_ymd(ny, nm, d.min(days_in_month(ny, nm)))
    }

    /// The same day `n` years later (29 February becomes 28 February in a
    /// common year).
    ///
    /// # Errors
    /// When the result leaves years 1–9999.
    pub fn add_years(self, n: i64) -> Result<Date, String> {
        self.add_months(n.checked_mul(12).ok_or("date out of range")?)
    }

    /// Today's date in Asia/Shanghai (UTC+8 all year: China keeps no daylight
    /// saving time).
    pub fn today_shanghai() -> Date {
        let secs =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        Date { days: (secs + 8 * 3600).div_euclid(86_400) }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_facts_of_2024() {
        let jan1 = Date::parse("2024-01-01").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(jan1.weekday(), 1, "2024-01-01 was a Monday");
        let next = Date::parse("2025-01-01").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(jan1.days_until(next), 366);
        assert_eq!(
            Date::parse("2024-01-31").and_then(|d| d.add_months(1)).map(|d| d.to_string()),
            Ok("2024-02-29".to_string())
        );
        assert!(Date::parse("2023-02-29").is_err());
        assert!(Date::parse("2024-1-1").is_err());
    }
}

/// `HH:MM` or `HH:MM:SS` as seconds since midnight: `None` when it is not
/// written so, `Some(None)` when it is but no such time exists (`24:00`).
fn clock_seconds(text: &str) -> Option<Option<u32>> {
    let mut nums = Vec::with_capacity(3);
    for p in text.split(':') {
        if p.len() != 2 {
            return None;
        }
        nums.push(p.parse::<u32>().ok()?);
    }
    let (h, m, s) = match nums.as_slice() {
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    Some((h <= 23 && m <= 59 && s <= 59).then_some(h * 3600 + m * 60 + s))
}

/// A date and time, to the second: wall-clock time as written, and the
/// offset from UTC when one was written (`+08:00`, `Z`). Without an offset
/// it is local time in the document's jurisdiction (Asia/Shanghai for the
/// bulletin). Date-times are compared as instants: `09:00+08:00` equals
/// `01:00Z`; one without an offset is taken at UTC for that (give both an
/// offset, or neither). Each is shown as given.
#[derive(Clone, Copy, Debug)]
pub struct DateTime {
    date: Date,
    /// Seconds since midnight, on the clock as written.
    secs: u32,
    /// Minutes east of UTC, when an offset was written.
    offset: Option<i16>,
}

impl DateTime {
    /// Seconds since 1970-01-01T00:00Z of the instant it names.
    fn instant(self) -> i64 {
        self.total_secs() - i64::from(self.offset.unwrap_or(0)) * 60
    }

    /// The offset from UTC in minutes, when one was written.
    pub fn offset_minutes(self) -> Option<i16> {
        self.offset
    }
}

impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        self.instant() == other.instant()
    }
}

impl Eq for DateTime {}

impl std::hash::Hash for DateTime {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.instant().hash(state);
    }
}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.instant().cmp(&other.instant())
    }
}

/// An offset from UTC as written after a time: `Z`, `+08:00`, `-05:30`,
/// `+0800`, `+08`; its minutes east of UTC and the time before it.
fn split_offset(time: &str) -> Result<(&str, Option<i16>), String> {
    if let Some(t) = time.strip_suffix(['Z', 'z']) {
        return Ok((t, Some(0)));
    }
    let Some(k) = time.rfind(['+', '-']) else { return Ok((time, None)) };
    let (t, off) = time.split_at(k);
    let sign: i16 = if off.starts_with('-') { -1 } else { 1 };
    let digits: String = off.chars().skip(1).filter(|c| *c != ':').collect();
    let bad = || format!("`{off}` is not an offset from UTC; write +08:00, -05:30 or Z");
    if !digits.chars().all(|c| c.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return Err(bad());
    }
    let h: i16 = digits.get(..2).and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let m: i16 = digits.get(2..).filter(|x| !x.is_empty()).map_or(Some(0), |x| x.parse().ok()).ok_or_else(bad)?;
    let colon_ok = !off.contains(':') || (off.len() == 6 && off.find(':') == Some(3));
    if h > 18 || m > 59 || !colon_ok {
        return Err(bad());
    }
    Ok((t, Some(sign * (h * 60 + m))))
}

impl DateTime {
    /// Parses `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (a space may
    /// stand for the `T`).
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str) -> Result<DateTime, String> {
        let t = text.trim();
        let bad = || {
            format!("`{t}` is not a date and time; write YYYY-MM-DDTHH:MM, e.g. 2024-03-01T09:30 (with an offset: 2024-03-01T09:30+08:00)")
        };
        let (d, time) = t.split_once(['T', ' ']).ok_or_else(bad)?;
        let date = Date::parse(d).map_err(|_| bad())?;
        let (time, offset) = split_offset(time).map_err(|e| format!("`{t}`: {e}"))?;
        let secs = clock_seconds(time).ok_or_else(bad)?.ok_or_else(|| format!("`{t}` has no such time of day"))?;
        Ok(DateTime { date, secs, offset })
    }

    /// A date and time from its parts.
    ///
    /// # Errors
    /// When the time of day does not exist.
    pub fn from_parts(date: Date, hour: u32, minute: u32) -> Result<DateTime, String> {
        if hour > 23 || minute > 59 {
            return Err(format!("{hour:02}:{minute:02} is not a time of day"));
        }
        Ok(DateTime { date, secs: hour * 3600 + minute * 60, offset: None })
    }

    /// The calendar date.
    pub fn date(self) -> Date {
        self.date
    }

    /// The hour, 0–23.
    pub fn hour(self) -> u32 {
        self.secs / 3600
    }

    /// The minute, 0–59.
    pub fn minute(self) -> u32 {
        self.secs / 60 % 60
    }

    /// The second, 0–59.
    pub fn second(self) -> u32 {
        self.secs % 60
    }

    fn total_secs(self) -> i64 {
        self.date.days * 86_400 + i64::from(self.secs)
    }

    /// Seconds from `self` to `other`, instant to instant.
    pub fn seconds_until(self, other: DateTime) -> i64 {
        other.instant() - self.instant()
    }

    /// The time `n` minutes later.
    ///
    /// # Errors
    /// When the result leaves years 1–9999.
    pub fn add_minutes(self, n: i64) -> Result<DateTime, String> {
        self.add_duration(Duration { secs: n.checked_mul(60).ok_or("time out of range")? })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.secs / 3600, self.secs / 60 % 60, self.secs % 60);
        if s == 0 {
            write!(f, "{}T{h:02}:{m:02}", self.date)?;
        } else {
            write!(f, "{}T{h:02}:{m:02}:{s:02}", self.date)?;
        }
        match self.offset {
            None => Ok(()),
            Some(0) => f.write_str("Z"),
            Some(o) => {
                let a = o.unsigned_abs();
                write!(f, "{}{:02}:{:02}", if o < 0 { '-' } else { '+' }, a / 60, a % 60)
            }
        }
    }
}

impl DateTime {
    /// The time of day.
    pub fn time(self) -> TimeOfDay {
        TimeOfDay { secs: self.secs }
    }

    /// The date at a time of day (local: no offset).
    pub fn at(date: Date, time: TimeOfDay) -> DateTime {
        DateTime { date, secs: time.secs, offset: None }
    }

    /// The time a duration later (earlier, for a negative one).
    ///
    /// # Errors
    /// When the result leaves years 1–9999.
    pub fn add_duration(self, d: Duration) -> Result<DateTime, String> {
        let total = self.total_secs().checked_add(d.secs).ok_or("time out of range")?;
        let days = total.div_euclid(86_400);
        let secs = total.rem_euclid(86_400) as u32;
        let date = Date { days: 0 }.add_days(days)?;
        Ok(DateTime { date, secs, offset: self.offset })
    }

    /// The same wall-clock time on the date `n` calendar months later (the
    /// day kept, or the month's last day where the month is shorter).
    ///
    /// # Errors
    /// When the result leaves years 1–9999.
    pub fn add_months(self, n: i64) -> Result<DateTime, String> {
        Ok(DateTime { date: self.date.add_months(n)?, ..self })
    }
}

/// A time of day, 00:00 to 23:59:59, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimeOfDay {
    secs: u32,
}

impl TimeOfDay {
    /// Parses `HH:MM` or `HH:MM:SS`.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str) -> Result<TimeOfDay, String> {
        let t = text.trim();
        let bad = || format!("`{t}` is not a time of day; write HH:MM, e.g. 09:30");
        let secs = clock_seconds(t).ok_or_else(bad)?.ok_or_else(|| format!("`{t}` has no such time of day"))?;
        Ok(TimeOfDay { secs })
    }

    /// A time of day from hours and minutes.
    ///
    /// # Errors
    /// When it does not exist.
    pub fn from_hm(hour: i64, minute: i64) -> Result<TimeOfDay, String> {
        if !(0..=23).contains(&hour) || !(0..=59).contains(&minute) {
            return Err(format!("{hour:02}:{minute:02} is not a time of day"));
        }
        Ok(TimeOfDay { secs: (hour * 3600 + minute * 60) as u32 })
    }

    /// The time `secs` seconds after midnight.
    ///
    /// # Errors
    /// When that is not within one day.
    pub fn from_secs(secs: i64) -> Result<TimeOfDay, String> {
        match u32::try_from(secs) {
            Ok(s) if s < 86_400 => Ok(TimeOfDay { secs: s }),
            _ => Err(format!("{secs} seconds after midnight is not a time of day")),
        }
    }

    /// Seconds since midnight.
    pub fn seconds(self) -> u32 {
        self.secs
    }

    /// The duration from `self` to `other` (negative when `other` is
    /// earlier in the day).
    pub fn until(self, other: TimeOfDay) -> Duration {
        Duration { secs: i64::from(other.secs) - i64::from(self.secs) }
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.secs / 3600, self.secs / 60 % 60, self.secs % 60);
        if s == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}:{s:02}")
        }
    }
}

/// The longest duration: about 10,000 years, so that adding one to a date
/// and time never overflows.
pub const MAX_DURATION_SECS: i64 = 10_000 * 366 * 86_400;

/// A length of time, to the second; negative for a time before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    secs: i64,
}

impl Duration {
    /// A duration of whole seconds.
    ///
    /// # Errors
    /// When it is longer than [`MAX_DURATION_SECS`].
    pub fn from_secs(secs: i64) -> Result<Duration, String> {
        if secs.checked_abs().is_none_or(|a| a > MAX_DURATION_SECS) {
            return Err(format!("a duration of {secs} seconds is longer than 10000 years"));
        }
        Ok(Duration { secs })
    }

    /// Its length in seconds.
    pub fn seconds(self) -> i64 {
        self.secs
    }

    /// Parses an ISO 8601 duration of days, hours, minutes and seconds:
    /// `P1D`, `PT2H30M`, `P1DT12H`, `PT45S`, with a leading `-` for a
    /// negative one. Years and months are refused: their length varies.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str) -> Result<Duration, String> {
        let t = text.trim();
        let bad = || format!("`{t}` is not a duration; write ISO 8601 days, hours, minutes: P1D, PT2H30M, P1DT12H");
        let (neg, rest) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let rest = rest.strip_prefix('P').ok_or_else(bad)?;
        if rest.is_empty() {
            return Err(bad());
        }
        let mut secs: i64 = 0;
        let mut in_time = false;
        let mut digits = String::new();
        let mut last_unit = 0u8;
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                'T' if !in_time && digits.is_empty() => in_time = true,
                'Y' | 'W' => {
                    return Err(format!(
                        "`{t}`: give the duration in days, hours and minutes (a year or week is not fixed here)"
                    ))
                }
                'M' if !in_time => {
                    return Err(format!("`{t}`: months have no fixed length; use add_months on a date, or days"))
                }
                'D' | 'H' | 'M' | 'S' => {
                    let (unit, rank) = match (c, in_time) {
                        ('D', false) => (86_400, 1),
                        ('H', true) => (3_600, 2),
                        ('M', true) => (60, 3),
                        ('S', true) => (1, 4),
                        _ => return Err(bad()),
                    };
                    if digits.is_empty() || rank <= last_unit {
                        return Err(bad());
                    }
                    let n: i64 = digits.parse().map_err(|_| bad())?;
                    secs = n.checked_mul(unit).and_then(|x| secs.checked_add(x)).ok_or_else(bad)?;
                    digits.clear();
                    last_unit = rank;
                }
                _ => return Err(bad()),
            }
        }
        if !digits.is_empty() || last_unit == 0 {
            return Err(bad());
        }
        Duration::from_secs(if neg { -secs } else { secs })
    }
}

impl Duration {
    /// `n` units of `unit` seconds (`hours(1.5)`: 1.5 × 3600), which must
    /// come to a whole number of seconds.
    ///
    /// # Errors
    /// A fraction of a second, or a duration too long.
    pub fn of(n: &crate::values::number::Number, unit: i64, what: &str) -> Result<Duration, String> {
        let secs = n.mul(&crate::values::number::Number::from_int(unit)).map_err(|e| e.to_string())?;
        match secs.to_i64() {
            Some(s) if secs.is_integer() => Duration::from_secs(s),
            _ if !secs.is_integer() => Err(format!("`{what}({n})` is not a whole number of seconds")),
            _ => Err(format!("`{what}({n})` is longer than 10000 years")),
        }
    }
}

impl fmt::Display for Duration {
    /// ISO 8601: `PT2H30M`, `P1DT12H`, `-PT15M`, `PT0S`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.secs.unsigned_abs();
        if self.secs < 0 {
            f.write_str("-")?;
        }
        f.write_str("P")?;
        let (d, h, m, s) = (a / 86_400, a / 3600 % 24, a / 60 % 60, a % 60);
        if d > 0 {
            write!(f, "{d}D")?;
        }
        if h > 0 || m > 0 || s > 0 || d == 0 {
            f.write_str("T")?;
            if h > 0 {
                write!(f, "{h}H")?;
            }
            if m > 0 {
                write!(f, "{m}M")?;
            }
            if s > 0 || (d == 0 && h == 0 && m == 0) {
                write!(f, "{s}S")?;
            }
        }
        Ok(())
    }
}

/// The longest span of years and months: 10,000 years, as for durations.
pub const MAX_MONTHS: i64 = 10_000 * 12;

/// A span of whole calendar months, written in years and months (`P1Y6M`,
/// `P2Y`, `P18M`): the law's "满两年", "六个月内". Its length in days
/// varies, so it is kept apart from [`Duration`]: it is added to a date by
/// calendar (2024-01-31 plus one month is 2024-02-29), and compared with
/// another span of months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearsMonths {
    months: i64,
}

impl YearsMonths {
    /// A span of `months` months (negative: back in time).
    ///
    /// # Errors
    /// When it is longer than 10,000 years.
    pub fn from_months(months: i64) -> Result<YearsMonths, String> {
        if months.checked_abs().is_none_or(|a| a > MAX_MONTHS) {
            return Err(format!("a span of {months} months is longer than 10000 years"));
        }
        Ok(YearsMonths { months })
    }

    /// Its length in months.
    pub fn months(self) -> i64 {
        self.months
    }

    /// Parses ISO 8601 years and months: `P1Y6M`, `P2Y`, `P18M`, `-P1Y`.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str) -> Result<YearsMonths, String> {
        let t = text.trim();
        let bad = || format!("`{t}` is not a span of years and months; write P1Y6M, P2Y or P18M");
        let (neg, rest) = match t.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let rest = rest.strip_prefix('P').ok_or_else(bad)?;
        let (years, rest) = match rest.split_once('Y') {
            Some((y, r)) => (Some(y), r),
            None => (None, rest),
        };
        let months = match rest {
            "" => None,
            r => Some(r.strip_suffix('M').ok_or_else(bad)?),
        };
        if years.is_none() && months.is_none() {
            return Err(bad());
        }
        let num = |x: Option<&str>| -> Result<i64, String> {
            match x {
                None => Ok(0),
                Some(d) if !d.is_empty() && d.len() <= 9 && d.chars().all(|c| c.is_ascii_digit()) => {
                    d.parse().map_err(|_| bad())
                }
                Some(_) => Err(bad()),
            }
        };
        let total = num(years)?.checked_mul(12).and_then(|y| y.checked_add(num(months).ok()?)).ok_or_else(bad)?;
        YearsMonths::from_months(if neg { -total } else { total })
    }

    /// Whole months from `a` to `b` (negative when `b` is earlier): the
    /// most months that, added to `a` by calendar, do not pass `b` — so a
    /// month ends on the corresponding day, or on the month's last day when
    /// it has none (2024-01-31 to 2024-02-29 is one month: 民法典 第二百零二条).
    pub fn between(a: Date, b: Date) -> YearsMonths {
        let (ya, ma, _) = a.ymd();
        let (yb, mb, _) = b.ymd();
        let mut months = (yb - ya) * 12 + i64::from(mb) - i64::from(ma);
        let passes = |n: i64| a.add_months(n).map_or(true, |d| if b >= a { d > b } else { d < b });
        if passes(months) {
            months -= months.signum();
        }
        YearsMonths { months }
    }
}

impl fmt::Display for YearsMonths {
    /// ISO 8601: `P1Y6M`, `P2Y`, `P6M`, `-P1Y`, `P0M`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.months.unsigned_abs();
        if self.months < 0 {
            f.write_str("-")?;
        }
        f.write_str("P")?;
        let (y, m) = (a / 12, a % 12);
        if y > 0 {
            write!(f, "{y}Y")?;
        }
        if m > 0 || y == 0 {
            write!(f, "{m}M")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod years_months_tests {
    use super::*;

    #[test]
    fn years_and_months_read_and_print_back() {
        for (text, months, shown) in [
            ("P1Y6M", 18, "P1Y6M"),
            ("P2Y", 24, "P2Y"),
            ("P18M", 18, "P1Y6M"),
            ("-P1Y", -12, "-P1Y"),
            ("P0M", 0, "P0M"),
        ] {
            let p = YearsMonths::parse(text).unwrap_or_else(|e| unreachable!("{e}"));
            assert_eq!((p.months(), p.to_string().as_str()), (months, shown), "{text}");
        }
        for bad in ["P", "P1D", "PT1M", "P1M2Y", "1Y", "P-1Y", "PY", "P1Y6", "P99999999999Y"] {
            assert!(YearsMonths::parse(bad).is_err(), "{bad}");
        }
        let d = |s: &str| Date::parse(s).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(YearsMonths::between(d("2022-03-15"), d("2024-03-14")).months(), 23);
        assert_eq!(YearsMonths::between(d("2022-03-15"), d("2024-03-15")).months(), 24);
        assert_eq!(YearsMonths::between(d("2024-03-15"), d("2022-03-16")).months(), -23);
        // a month from the 31st ends on the last day of a shorter month
        assert_eq!(YearsMonths::between(d("2024-01-31"), d("2024-02-29")).months(), 1);
        assert_eq!(YearsMonths::between(d("2024-01-31"), d("2024-02-28")).months(), 0);
        assert_eq!(YearsMonths::between(d("2024-03-31"), d("2024-02-29")).months(), -1);
    }
}

#[cfg(test)]
mod datetime_tests {
    use super::*;

    #[test]
    fn parse_and_arithmetic() {
        let a = DateTime::parse("2024-02-28T23:30").unwrap_or_else(|e| unreachable!("{e}"));
        let b = a.add_minutes(120).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(b.to_string(), "2024-02-29T01:30");
        assert_eq!(a.seconds_until(b), 7200);
        assert!(DateTime::parse("2024-02-28T24:00").is_err());
        assert_eq!(DateTime::parse("2024-02-28 08:05:09").map(|d| d.to_string()), Ok("2024-02-28T08:05:09".into()));
    }

    #[test]
    fn offsets_are_kept_as_given_and_compared_as_instants() {
        let p = |t: &str| DateTime::parse(t).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(p("2024-03-01T09:00:00+08:00").to_string(), "2024-03-01T09:00+08:00");
        assert_eq!(p("2024-03-01T01:00Z").to_string(), "2024-03-01T01:00Z");
        assert_eq!(p("2024-03-01T09:00+0800"), p("2024-03-01T01:00Z"));
        assert!(p("2024-03-01T09:00-05:30") > p("2024-03-01T09:00+08:00"));
        assert_eq!(p("2024-03-01T09:00+08:00").seconds_until(p("2024-03-01T09:00+09:00")), -3600);
        for bad in ["2024-03-01T09:00+8", "2024-03-01T09:00+19:00", "2024-03-01T09:00+08:60", "2024-03-01T09:00+0:800"]
        {
            assert!(DateTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_of_day_and_durations() {
        let t = TimeOfDay::parse("09:30").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(t.to_string(), "09:30");
        assert!(TimeOfDay::parse("24:00").is_err() && TimeOfDay::parse("9:30").is_err());
        for (text, secs) in [("PT2H30M", 9000), ("P1DT12H", 129_600), ("-PT15M", -900), ("PT0S", 0), ("P3D", 259_200)] {
            let d = Duration::parse(text).unwrap_or_else(|e| unreachable!("{e}"));
            assert_eq!(d.seconds(), secs, "{text}");
            assert_eq!(d.to_string(), text);
        }
        for bad in ["P", "PT", "P1M", "P1Y", "PT1H2", "P1H", "PT30M1H", "1H"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
        let a = DateTime::parse("2024-02-28T23:30").unwrap_or_else(|e| unreachable!("{e}"));
        let b = a
            .add_duration(Duration::parse("PT2H").unwrap_or_else(|e| unreachable!("{e}")))
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(b.to_string(), "2024-02-29T01:30");
        assert_eq!(b.time().to_string(), "01:30");
    }
}
