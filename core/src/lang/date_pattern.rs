//! Patterns that write dates, date-times and times of day as text, for
//! `format_date`: `"{year}年{month}月{day}日"` gives `2024年3月26日`.
//!
//! A pattern is literal text with parts in braces. A part is a name, and may
//! ask for a width: `{month:2}` writes the month with at least two digits,
//! padded with zeros (`03`). `{{` and `}}` write a brace. The names:
//!
//! | part | writes | of |
//! | --- | --- | --- |
//! | `year` | the year (`2024`) | a date or a date-time |
//! | `month` | the month, 1–12 | a date or a date-time |
//! | `day` | the day of the month, 1–31 | a date or a date-time |
//! | `weekday` | Monday 1 … Sunday 7 | a date or a date-time |
//! | `weekday_zh` | 一 … 六, 日 (星期{weekday_zh}) | a date or a date-time |
//! | `hour` | the hour, 0–23 | a date-time or a time of day |
//! | `minute` | the minute, 0–59 | a date-time or a time of day |
//! | `second` | the second, 0–59 | a date-time or a time of day |
//!
//! The pattern is read once into pieces; checking a literal pattern at load
//! and writing a value at evaluation both go through [`Pattern::parse`], so a
//! pattern that loads cannot fail later for its form, only for a value of
//! another kind (a date given to a pattern with `{hour}`).

use crate::values::date::{Date, TimeOfDay};
use crate::values::value::Value;

/// The date and the time of day a value holds, for [`Pattern::write`]: a
/// date, a date and time, or a time of day; `None` for any other value.
pub fn parts_of(v: &Value) -> Option<(Option<Date>, Option<TimeOfDay>)> {
    match v {
        Value::Date(d) => Some((Some(*d), None)),
        Value::DateTime(t) => Some((Some(t.date()), Some(t.time()))),
        Value::Time(t) => Some((None, Some(*t))),
        _ => None,
    }
}

/// The widest a part may be padded.
const MAX_WIDTH: usize = 9;

const NAMES: &str = "year, month, day, weekday, weekday_zh, hour, minute, second";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Year,
    Month,
    Day,
    Weekday,
    WeekdayZh,
    Hour,
    Minute,
    Second,
}

impl Part {
    fn named(name: &str) -> Option<Part> {
        Some(match name {
            "year" => Part::Year,
            "month" => Part::Month,
            "day" => Part::Day,
            "weekday" => Part::Weekday,
            "weekday_zh" => Part::WeekdayZh,
            "hour" => Part::Hour,
            "minute" => Part::Minute,
            "second" => Part::Second,
            _ => return None,
        })
    }

    fn of_date(self) -> bool {
        matches!(self, Part::Year | Part::Month | Part::Day | Part::Weekday | Part::WeekdayZh)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Part { part: Part, name: String, width: usize },
}

/// What a pattern is applied to: which parts it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A calendar date: year to weekday.
    Date,
    /// A date and a time of day: every part.
    DateTime,
    /// A time of day: hour, minute, second.
    Time,
}

impl Kind {
    fn has(self, part: Part) -> bool {
        match self {
            Kind::DateTime => true,
            Kind::Date => part.of_date(),
            Kind::Time => !part.of_date(),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Date => "a date",
            Kind::DateTime => "a date and time",
            Kind::Time => "a time of day",
        }
    }
}

/// A pattern read into pieces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pieces: Vec<Piece>,
}

impl Pattern {
    /// Reads a pattern.
    ///
    /// # Errors
    /// A brace left open or a lone `}`, an unknown part, a width that is not
    /// a digit 1–9; the message says how to write it.
    pub fn parse(pattern: &str) -> Result<Pattern, String> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => return Err("a `}` with no `{` before it; write `}}` for a brace".into()),
                '{' => {
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!(
                                "`{{{inner}` is not closed; write `{{name}}`, e.g. `{{year}}`, or `{{{{` for a brace"
                            ))
                            }
                            Some(ch) => inner.push(ch),
                        }
                    }
                    let (name, width) = match inner.split_once(':') {
                        None => (inner.as_str(), 1),
                        Some((name, w)) => {
                            let width = w
                                .parse::<usize>()
                                .ok()
                                .filter(|n| (1..=MAX_WIDTH).contains(n) && w.len() == 1)
                                .ok_or_else(|| {
                                    format!("`{{{inner}}}`: the width after `:` is a digit 1–9, e.g. `{{{name}:2}}`")
                                })?;
                            (name, width)
                        }
                    };
                    let part = Part::named(name).ok_or_else(|| {
                        let names = NAMES.split(", ");
                        match crate::lang::expr::compile::suggest(name, names) {
                            Some(s) => format!(
                                "`{{{inner}}}` is not a part of a date; did you mean `{{{s}}}`? The parts are {NAMES}"
                            ),
                            None => format!("`{{{inner}}}` is not a part of a date; the parts are {NAMES}"),
                        }
                    })?;
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Part { part, name: name.to_string(), width });
                }
                _ => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Pattern { pieces })
    }

    /// Checks that every part of the pattern is one that `kind` has.
    ///
    /// # Errors
    /// Names the first part it lacks: `{hour}` of a date.
    pub fn check(&self, kind: Kind) -> Result<(), String> {
        for piece in &self.pieces {
            if let Piece::Part { part, name, .. } = piece {
                if !kind.has(*part) {
                    let needs = if part.of_date() { "a date" } else { "a time of day" };
                    return Err(format!(
                        "`{{{name}}}` needs {needs}, and {} has none; format a date and time instead",
                        kind.noun()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Writes a date, a time of day, or both (a date-time).
    ///
    /// # Errors
    /// When the pattern names a part the value lacks (see [`Pattern::check`]).
    pub fn write(&self, date: Option<Date>, time: Option<TimeOfDay>) -> Result<String, String> {
        let kind = match (date, time) {
            (Some(_), Some(_)) => Kind::DateTime,
            (Some(_), None) => Kind::Date,
            (None, Some(_)) => Kind::Time,
            (None, None) => return Err("`format_date` needs a date, a date and time or a time of day".into()),
        };
        self.check(kind)?;
        let (y, m, d) = date.map(Date::ymd).unwrap_or((0, 0, 0));
        let secs = time.map(TimeOfDay::seconds).unwrap_or(0);
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Part { part, width, .. } => {
                    let weekday = date.map(Date::weekday).unwrap_or(1);
                    let n: i64 = match part {
                        Part::WeekdayZh => {
                            out.extend("一二三四五六日".chars().nth((weekday as usize + 6) % 7));
                            continue;
                        }
                        Part::Year => y,
                        Part::Month => i64::from(m),
                        Part::Day => i64::from(d),
                        Part::Weekday => i64::from(weekday),
                        Part::Hour => i64::from(secs / 3600),
                        Part::Minute => i64::from(secs / 60 % 60),
                        Part::Second => i64::from(secs % 60),
                    };
                    out.push_str(&format!("{n:0width$}"));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn writes_the_parts_it_names() {
        let p = |s: &str| Pattern::parse(s).unwrap_or_else(|e| unreachable!("{e}"));
        let d = date("2024-03-26");
        assert_eq!(p("{year}年{month}月{day}日").write(Some(d), None), Ok("2024年3月26日".into()));
        assert_eq!(p("{year}-{month:2}-{day:2}").write(Some(d), None), Ok(d.to_string()));
        assert_eq!(p("星期{weekday_zh}（{weekday}）").write(Some(d), None), Ok("星期二（2）".into()));
        assert_eq!(p("星期{weekday_zh}").write(Some(date("2024-03-31")), None), Ok("星期日".into()));
        let t = TimeOfDay::from_secs(9 * 3600 + 5 * 60 + 7).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(p("{hour}时{minute:2}分{second:2}秒").write(None, Some(t)), Ok("9时05分07秒".into()));
        assert_eq!(p("{{{year}}}").write(Some(d), None), Ok("{2024}".into()));
        assert_eq!(p("").write(Some(d), None), Ok(String::new()));
    }

    #[test]
    fn says_what_is_wrong_with_a_pattern() {
        let err = |s: &str| Pattern::parse(s).err().unwrap_or_default();
        assert!(err("{yaer}").contains("did you mean `{year}`? The parts are year, month"), "{}", err("{yaer}"));
        assert!(err("{zzz}").contains("`{zzz}` is not a part of a date; the parts are"), "{}", err("{zzz}"));
        assert!(err("{year").contains("is not closed"));
        assert!(err("year}").contains("write `}}`"));
        assert!(err("{month:0}").contains("a digit 1–9"));
        assert!(err("{month:10}").contains("a digit 1–9"));
        let hour = Pattern::parse("{hour}").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            hour.write(Some(date("2024-03-26")), None),
            Err("`{hour}` needs a time of day, and a date has none; format a date and time instead".into())
        );
        assert!(Pattern::parse("{day}").map(|p| p.check(Kind::Time)).is_ok_and(|r| r.is_err()));
    }
}
