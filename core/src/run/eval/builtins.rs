//! The compiled evaluation of every built-in function, by its `Builtin`.

#[allow(unused_imports)]
use super::*;

impl<'a> Evaluator<'a> {
    #[inline(never)]
    pub(super) fn builtin(&mut self, b: Builtin, args: Vec<Value>, at: Loc) -> Res<Value> {
        let num = |v: Option<&Value>| match v {
            Some(Value::Number(n)) => Some(n.clone()),
            _ => None,
        };
        let date = |v: Option<&Value>| match v {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        };
        let int = |v: Option<&Value>| match v {
            Some(Value::Number(n)) => n.to_i64(),
            _ => None,
        };
        let bad = |s: &Self| s.fail("a built-in function received a value of the wrong kind");
        match b {
            Builtin::Min | Builtin::Max => {
                let items: &[Value] = match args.as_slice() {
                    [Value::List(items)] => items.as_slice(),
                    _ => args.as_slice(),
                };
                self.tick_n(items.len() as u64)?;
                let best = if b == Builtin::Min { items.iter().min() } else { items.iter().max() };
                best.cloned().ok_or_else(|| self.fail("`min`/`max` of an empty list has no value"))
            }
            Builtin::SumList => match args.first() {
                Some(Value::List(items)) => {
                    let mut acc = Number::zero();
                    for v in items.iter() {
                        self.tick()?;
                        let Value::Number(n) = v else { return Err(bad(self)) };
                        acc = self.arith(BinOp::Add, &acc, n, at)?;
                    }
                    Ok(Value::Number(acc))
                }
                _ => Err(bad(self)),
            },
            Builtin::CountList => match args.first() {
                Some(Value::List(items)) => Ok(Value::int(items.len() as i64)),
                _ => Err(bad(self)),
            },
            Builtin::Abs => num(args.first()).map(|n| Value::Number(n.abs())).ok_or_else(|| bad(self)),
            Builtin::Round(mode) => {
                let x = num(args.first()).ok_or_else(|| bad(self))?;
                let places = if args.len() > 1 { int(args.get(1)).ok_or_else(|| bad(self))? } else { 0 };
                match x.round(places, mode) {
                    Ok(n) => self.sized(n, mode.name(), at).map(Value::Number),
                    Err(e) => Err(self.arith_fault(e, format!("rounding `{x}` to {places} places"), at)),
                }
            }
            Builtin::DaysBetween => {
                let (Some(a), Some(b2)) = (date(args.first()), date(args.get(1))) else { return Err(bad(self)) };
                Ok(Value::int(a.days_until(b2)))
            }
            Builtin::AddDays | Builtin::AddMonths | Builtin::AddYears => {
                let (Some(d), Some(n)) = (date(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                let r = match b {
                    Builtin::AddDays => d.add_days(n),
                    Builtin::AddMonths => d.add_months(n),
                    _ => d.add_years(n),
                };
                r.map(Value::Date).map_err(|m| self.fail(m))
            }
            Builtin::Year | Builtin::Month | Builtin::Day | Builtin::Weekday => {
                let d = date(args.first()).ok_or_else(|| bad(self))?;
                Ok(Value::int(match b {
                    Builtin::Year => d.year(),
                    Builtin::Month => i64::from(d.month()),
                    Builtin::Day => i64::from(d.day()),
                    _ => i64::from(d.weekday()),
                }))
            }
            Builtin::MakeDate => {
                let (Some(y), Some(m), Some(d)) = (int(args.first()), int(args.get(1)), int(args.get(2))) else {
                    return Err(bad(self));
                };
                let (m, d) = (u32::try_from(m).unwrap_or(0), u32::try_from(d).unwrap_or(0));
                Date::from_ymd(y, m, d).map(Value::Date).map_err(|e| self.fail(e))
            }
            Builtin::Dates => {
                let (Some(a), Some(z)) = (date(args.first()), date(args.get(1))) else { return Err(bad(self)) };
                self.generated_list("dates", "days", a.days_until(z), |k| a.add_days(k).map(Value::Date))
            }
            Builtin::Pow => {
                let (Some(x), Some(n)) = (num(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                if n.unsigned_abs() > MAX_POW_EXPONENT {
                    return Err(self.fail(format!("`pow` exponent {n} is beyond the limit {MAX_POW_EXPONENT}")));
                }
                let max_bits = self.max_bits;
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
                self.tick_n(mults)?;
                match r {
                    Ok(p) => self.sized(p, "pow", at).map(Value::Number),
                    Err(ArithmeticError::TooLarge { digits, .. }) => Err(self.limit(format!(
                        "`pow({x}, {n})` would make a number of about {digits} digits, more than the limit of {} digits",
                        self.max_digits
                    ))),
                    Err(e) => Err(self.arith_fault(e, format!("`pow({x}, {n})`"), at)),
                }
            }
            Builtin::MinutesBetween | Builtin::HoursBetween => {
                let (Some(Value::DateTime(a)), Some(Value::DateTime(z))) = (args.first(), args.get(1)) else {
                    return Err(bad(self));
                };
                let secs = a.seconds_until(*z);
                if b == Builtin::MinutesBetween {
                    Ok(Value::int(secs.div_euclid(60)))
                } else {
                    Number::ratio(i128::from(secs), 3600).map(Value::Number).map_err(|e| self.fail(arith(e)))
                }
            }
            Builtin::AddMinutes => {
                let (Some(Value::DateTime(t)), Some(n)) = (args.first(), int(args.get(1))) else {
                    return Err(bad(self));
                };
                t.add_minutes(n).map(Value::DateTime).map_err(|e| self.fail(e))
            }
            Builtin::DateOf => match args.first() {
                Some(Value::DateTime(t)) => Ok(Value::Date(t.date())),
                _ => Err(bad(self)),
            },
            Builtin::MakeDateTime => {
                let (Some(d), Some(h), Some(m)) = (date(args.first()), int(args.get(1)), int(args.get(2))) else {
                    return Err(bad(self));
                };
                let (h, m) = (u32::try_from(h).unwrap_or(99), u32::try_from(m).unwrap_or(99));
                crate::values::date::DateTime::from_parts(d, h, m).map(Value::DateTime).map_err(|e| self.fail(e))
            }
            Builtin::MakeTime => {
                let (Some(h), Some(m)) = (int(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                crate::values::date::TimeOfDay::from_hm(h, m).map(Value::Time).map_err(|e| self.fail(e))
            }
            Builtin::TimeOf => match args.first() {
                Some(Value::DateTime(t)) => Ok(Value::Time(t.time())),
                _ => Err(bad(self)),
            },
            Builtin::AtTime => match (args.first(), args.get(1)) {
                (Some(Value::Date(d)), Some(Value::Time(t))) => {
                    Ok(Value::DateTime(crate::values::date::DateTime::at(*d, *t)))
                }
                _ => Err(bad(self)),
            },
            Builtin::DurationOf(unit) => {
                let Some(n) = num(args.first()) else { return Err(bad(self)) };
                let what = match unit {
                    86_400 => "days",
                    3_600 => "hours",
                    _ => "minutes",
                };
                crate::values::date::Duration::of(&n, unit, what).map(Value::Duration).map_err(|e| self.fail(e))
            }
            Builtin::DurationIn(unit) => match args.first() {
                Some(Value::Duration(d)) => Number::ratio(i128::from(d.seconds()), i128::from(unit))
                    .map(Value::Number)
                    .map_err(|e| self.fail(arith(e))),
                _ => Err(bad(self)),
            },
            Builtin::DurationBetween => match (args.first(), args.get(1)) {
                (Some(Value::DateTime(a)), Some(Value::DateTime(z))) => {
                    crate::values::date::Duration::from_secs(a.seconds_until(*z))
                        .map(Value::Duration)
                        .map_err(|e| self.fail(e))
                }
                (Some(Value::Time(a)), Some(Value::Time(z))) => Ok(Value::Duration(a.until(*z))),
                _ => Err(bad(self)),
            },
            Builtin::AddDuration => match (args.first(), args.get(1)) {
                (Some(Value::DateTime(t)), Some(Value::Duration(d))) => {
                    t.add_duration(*d).map(Value::DateTime).map_err(|e| self.fail(e))
                }
                (Some(Value::Duration(a)), Some(Value::Duration(d))) => a
                    .seconds()
                    .checked_add(d.seconds())
                    .ok_or_else(|| "a duration too long".to_string())
                    .and_then(crate::values::date::Duration::from_secs)
                    .map(Value::Duration)
                    .map_err(|e| self.fail(e)),
                _ => Err(bad(self)),
            },
            Builtin::Range => {
                let (Some(a), Some(z)) = (int(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                self.generated_list("range", "numbers", z.saturating_sub(a), |k| Ok(Value::int(a + k)))
            }
            Builtin::Contains => match (args.first(), args.get(1)) {
                (Some(Value::Text(t)), Some(Value::Text(p))) => {
                    self.tick_n((t.len() as u64).saturating_mul(p.len().max(1) as u64).min(u64::MAX / 2))?;
                    Ok(Value::Bool(t.contains(&**p)))
                }
                _ => Err(bad(self)),
            },
            Builtin::Length => match args.first() {
                Some(Value::Text(t)) => {
                    self.tick_n(t.len() as u64)?;
                    Ok(Value::int(t.chars().count() as i64))
                }
                _ => Err(bad(self)),
            },
            Builtin::AsOf => Ok(Value::Date(self.as_of)),
            Builtin::ConcatText | Builtin::Upper | Builtin::Lower | Builtin::Replace => {
                let texts: Vec<&str> =
                    args.iter().filter_map(|v| if let Value::Text(t) = v { Some(&**t) } else { None }).collect();
                if texts.len() != args.len() {
                    return Err(bad(self));
                }
                let read: usize = texts.iter().map(|t| t.len()).sum();
                self.tick_n(read as u64)?;
                let out: String = match (b, texts.as_slice()) {
                    (Builtin::ConcatText, _) => texts.concat(),
                    (Builtin::Upper, [t]) => t.to_uppercase(),
                    (Builtin::Lower, [t]) => t.to_lowercase(),
                    (Builtin::Replace, [t, from, to]) => {
                        if from.is_empty() {
                            return Err(self.fail("`replace` needs a non-empty text to look for"));
                        }
                        let grows = t.matches(from).count().saturating_mul(to.len());
                        self.alloc(grows as u64)?;
                        t.replace(from, to)
                    }
                    _ => return Err(bad(self)),
                };
                self.alloc(out.len() as u64)?;
                Ok(Value::Text(out.into()))
            }
            Builtin::StartsWith | Builtin::EndsWith => match (args.first(), args.get(1)) {
                (Some(Value::Text(t)), Some(Value::Text(p))) => {
                    self.tick_n(p.len() as u64)?;
                    Ok(Value::Bool(if b == Builtin::StartsWith { t.starts_with(&**p) } else { t.ends_with(&**p) }))
                }
                _ => Err(bad(self)),
            },
            Builtin::TextOf => {
                let v = args.first().ok_or_else(|| bad(self))?;
                let out = match v {
                    Value::Text(t) => t.to_string(),
                    Value::Number(_)
                    | Value::Bool(_)
                    | Value::Date(_)
                    | Value::DateTime(_)
                    | Value::Time(_)
                    | Value::Duration(_) => v.to_string(),
                    _ => return Err(bad(self)),
                };
                self.tick_n(out.len() as u64)?;
                self.alloc(out.len() as u64)?;
                Ok(Value::Text(out.into()))
            }
            Builtin::FormatNumber => {
                let (Some(Value::Number(x)), Some(places), Some(Value::Text(sep))) =
                    (args.first(), int(args.get(1)), args.get(2))
                else {
                    return Err(bad(self));
                };
                let places = u32::try_from(places)
                    .ok()
                    .filter(|p| *p <= 1000)
                    .ok_or_else(|| self.fail(format!("`format_number` writes 0 to 1000 places, not {places}")))?;
                let out =
                    x.format_fixed(places, sep).map_err(|e| self.arith_fault(e, format!("formatting `{x}`"), at))?;
                self.tick_n(out.len() as u64)?;
                self.alloc(out.len() as u64)?;
                Ok(Value::Text(out.into()))
            }
            Builtin::FormatDate => {
                let Some((date, time)) = args.first().and_then(crate::lang::date_pattern::parts_of) else {
                    return Err(bad(self));
                };
                let Some(Value::Text(pattern)) = args.get(1) else { return Err(bad(self)) };
                self.tick_n(pattern.len() as u64)?;
                let out = crate::lang::date_pattern::Pattern::parse(pattern)
                    .and_then(|p| p.write(date, time))
                    .map_err(|e| self.fail(format!("`format_date`: {e}")))?;
                self.tick_n(out.len() as u64)?;
                self.alloc(out.len() as u64)?;
                Ok(Value::Text(out.into()))
            }
            Builtin::Substring => {
                let (Some(Value::Text(t)), Some(start), Some(len)) = (args.first(), int(args.get(1)), int(args.get(2)))
                else {
                    return Err(bad(self));
                };
                if start < 1 || len < 0 {
                    return Err(self.fail(format!(
                        "`substring` starts at 1 or later and takes 0 or more characters, not from {start} for {len}"
                    )));
                }
                self.tick_n(t.len() as u64)?;
                let out: String = t.chars().skip((start - 1) as usize).take(len as usize).collect();
                Ok(Value::Text(out.into()))
            }
            Builtin::Split => match (args.first(), args.get(1)) {
                (Some(Value::Text(t)), Some(Value::Text(sep))) => {
                    if sep.is_empty() {
                        return Err(self.fail("`split` needs a non-empty separator"));
                    }
                    self.tick_n(t.len() as u64)?;
                    let parts: Vec<Value> = t.split(&**sep).map(|p| Value::Text(p.into())).collect();
                    self.alloc(parts.len() as u64 * VALUE_BYTES + t.len() as u64)?;
                    Ok(Value::List(Arc::new(parts)))
                }
                _ => Err(bad(self)),
            },
            Builtin::Join => match (args.first(), args.get(1)) {
                (Some(Value::List(items)), Some(Value::Text(sep))) => {
                    let mut out = String::new();
                    for (i, v) in items.iter().enumerate() {
                        let Value::Text(t) = v else { return Err(bad(self)) };
                        if i > 0 {
                            out.push_str(sep);
                        }
                        self.tick_n(1 + t.len() as u64)?;
                        self.alloc((t.len() + sep.len()) as u64)?;
                        out.push_str(t);
                    }
                    Ok(Value::Text(out.into()))
                }
                _ => Err(bad(self)),
            },
            Builtin::Sort | Builtin::Reverse | Builtin::Distinct | Builtin::Flatten => {
                let Some(Value::List(items)) = args.first() else { return Err(bad(self)) };
                let n = items.len() as u64;
                let out: Vec<Value> = match b {
                    Builtin::Sort => {
                        // n log n comparisons, each reading its elements
                        self.tick_n(n.saturating_mul(64 - n.leading_zeros() as u64 + 1))?;
                        for x in items.iter() {
                            let w = self.weigh(x);
                            self.tick_n(w.saturating_mul(64 - n.leading_zeros() as u64 + 1))?;
                        }
                        let mut v = items.to_vec();
                        v.sort();
                        v
                    }
                    Builtin::Reverse => {
                        self.tick_n(n)?;
                        items.iter().rev().cloned().collect()
                    }
                    Builtin::Distinct => {
                        let mut seen = std::collections::HashSet::with_capacity(items.len());
                        self.tick_n(n)?;
                        // hashing reads each element whole
                        for x in items.iter() {
                            self.tick_weight(x)?;
                        }
                        items.iter().filter(|v| seen.insert(*v)).cloned().collect()
                    }
                    _ => {
                        let mut v = Vec::new();
                        for inner in items.iter() {
                            let Value::List(xs) = inner else { return Err(bad(self)) };
                            self.tick_n(1 + xs.len() as u64)?;
                            if v.len() + xs.len() > crate::values::value::MAX_LIST_LEN {
                                return Err(self.fail(format!(
                                    "`flatten` would make a list longer than the limit {}",
                                    crate::values::value::MAX_LIST_LEN
                                )));
                            }
                            v.extend(xs.iter().cloned());
                        }
                        v
                    }
                };
                self.alloc(out.len() as u64 * VALUE_BYTES)?;
                Ok(Value::List(Arc::new(out)))
            }
            Builtin::IndexOf => {
                let (Some(Value::List(items)), Some(x)) = (args.first(), args.get(1)) else { return Err(bad(self)) };
                // each comparison may read `x` whole: charge before comparing
                let per = self.weigh(x);
                self.tick_n(per.saturating_mul(items.len() as u64))?;
                let at = items.iter().position(|v| v == x);
                Ok(Value::int(at.map_or(0, |k| k as i64 + 1)))
            }
            Builtin::Sublist => {
                let (Some(Value::List(items)), Some(start), Some(len)) =
                    (args.first(), int(args.get(1)), int(args.get(2)))
                else {
                    return Err(bad(self));
                };
                if start < 1 || len < 0 {
                    return Err(self.fail(format!(
                        "`sublist` starts at 1 or later and takes 0 or more items, not from {start} for {len}"
                    )));
                }
                let out: Vec<Value> = items.iter().skip((start - 1) as usize).take(len as usize).cloned().collect();
                self.tick_n(1 + out.len() as u64)?;
                self.alloc(out.len() as u64 * VALUE_BYTES)?;
                Ok(Value::List(Arc::new(out)))
            }
            Builtin::Progressive(c) | Builtin::ScaleRate(c) | Builtin::QuickDeduction(c) => {
                let Some(Value::Number(x)) = args.first() else { return Err(bad(self)) };
                let rs: &'a Ruleset = self.rs;
                let scale = rs.scales.get(c).ok_or_else(|| self.fail(format!("no scale with index {c}")))?;
                let version = scale.at(self.as_of).ok_or_else(|| self.fail(scale.not_yet(self.as_of)))?;
                self.tick_n(version.brackets.len() as u64)?;
                let k = version.bracket_of(x);
                let Some(bracket) = version.brackets.get(k) else { return Err(self.fail("a scale without brackets")) };
                match b {
                    Builtin::ScaleRate(_) => Ok(Value::Number(bracket.rate.clone())),
                    Builtin::QuickDeduction(_) => Ok(Value::Number(bracket.quick_deduction.clone())),
                    _ if *x <= Number::zero() => Ok(Value::int(0)),
                    // the quick-deduction form: x × rate − deduction
                    _ => {
                        if self.trace.is_some() {
                            self.trace_brackets(scale, version, x);
                        }
                        let gross = self.arith(BinOp::Mul, x, &bracket.rate, at)?;
                        self.arith(BinOp::Sub, &gross, &bracket.quick_deduction, at).map(Value::Number)
                    }
                }
            }
            Builtin::IsWorkday(c) => {
                let d = date(args.first()).ok_or_else(|| bad(self))?;
                let cal = self.calendar(c)?;
                cal.is_workday(d).map(Value::Bool).map_err(|m| self.fail(m))
            }
            Builtin::WorkdaysBetween(c) => {
                let (Some(a), Some(z)) = (date(args.first()), date(args.get(1))) else { return Err(bad(self)) };
                let cal = self.calendar(c)?;
                let mut count = 0i64;
                let mut d = a;
                while d <= z {
                    self.tick()?;
                    if cal.is_workday(d).map_err(|m| self.fail(m))? {
                        count += 1;
                    }
                    d = d.add_days(1).map_err(|m| self.fail(m))?;
                }
                Ok(Value::int(count))
            }
            Builtin::AddWorkdays(c) => {
                let (Some(mut d), Some(n)) = (date(args.first()), int(args.get(1))) else { return Err(bad(self)) };
                let cal = self.calendar(c)?;
                let step = n.signum();
                let mut left = n.unsigned_abs();
                while left > 0 {
                    self.tick()?;
                    d = d.add_days(step).map_err(|m| self.fail(m))?;
                    if cal.is_workday(d).map_err(|m| self.fail(m))? {
                        left -= 1;
                    }
                }
                Ok(Value::Date(d))
            }
            Builtin::Concat => {
                let total: usize = args.iter().map(|a| if let Value::List(items) = a { items.len() } else { 0 }).sum();
                if total > crate::values::value::MAX_LIST_LEN {
                    return Err(self.fail(format!(
                        "`concat` would make a list of {total} items, longer than the limit {}",
                        crate::values::value::MAX_LIST_LEN
                    )));
                }
                self.tick_n(total as u64)?;
                self.alloc(total as u64 * VALUE_BYTES)?;
                let mut out = Vec::with_capacity(total);
                for a in &args {
                    let Value::List(items) = a else { return Err(bad(self)) };
                    out.extend(items.iter().cloned());
                }
                Ok(Value::List(Arc::new(out)))
            }
            Builtin::LastDayOfMonth => {
                let d = date(args.first()).ok_or_else(|| bad(self))?;
                let (y, m, _) = d.ymd();
                Date::from_ymd(y, m, crate::values::date::days_in_month(y, m))
                    .map(Value::Date)
                    .map_err(|e| self.fail(e))
            }
        }
    }
}
