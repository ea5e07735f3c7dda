//! Running a pack's properties: draw each input from its generator (a
//! fixed seed, so a run repeats exactly; the bounds themselves first), check
//! the assertion, and on a failure shrink the inputs to a simpler
//! counterexample and report it with the evaluation's trace.

use crate::ruleset::{Generator, Property, Ruleset};
use crate::run::eval::Evaluator;
use crate::run::outcome::TestOutcome;
use crate::values::number::{Number, RoundingMode};
use crate::values::value::{Record, Value};
use std::sync::Arc;

/// splitmix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in 0..n (n ≥ 1).
    fn below(&mut self, n: u128) -> u128 {
        let wide = (u128::from(self.next()) << 64) | u128::from(self.next());
        if n == 0 {
            0
        } else {
            wide % n
        }
    }
}

/// The scaled bounds of a number generator: lo and hi as integers of units
/// of 10^-places.
fn units(lo: &Number, hi: &Number, places: u32) -> Option<(i128, i128, Number)> {
    let unit = Number::one().div(&Number::from_int(10).pow(i64::from(places), |_| Ok(())).ok()?).ok()?;
    let lo = lo.div(&unit).ok()?.round(0, RoundingMode::Ceil).ok()?.to_i64()?;
    let hi = hi.div(&unit).ok()?.round(0, RoundingMode::Floor).ok()?.to_i64()?;
    Some((i128::from(lo), i128::from(hi), unit))
}

fn draw(g: &Generator, rng: &mut Rng, case: u32) -> Option<Value> {
    // case 0: every lower bound; case 1: every upper bound; then at random
    let pick = |lo: i128, hi: i128, rng: &mut Rng| match case {
        0 => lo,
        1 => hi,
        _ => lo + rng.below((hi - lo + 1) as u128) as i128,
    };
    Some(match g {
        Generator::Integer(lo, hi) => Value::int(pick(i128::from(*lo), i128::from(*hi), rng) as i64),
        Generator::Number(lo, hi, places) => {
            let (a, b, unit) = units(lo, hi, *places)?;
            if b < a {
                return None;
            }
            Value::Number(Number::from_int(pick(a, b, rng) as i64).mul(&unit).ok()?)
        }
        Generator::Date(a, b) => Value::Date(a.add_days(pick(0, i128::from(a.days_until(*b)), rng) as i64).ok()?),
        Generator::OneOf(vs) => vs.get(pick(0, vs.len() as i128 - 1, rng) as usize)?.clone(),
        Generator::Bool => Value::Bool(pick(0, 1, rng) == 1),
        Generator::List(each, lo, hi) => {
            let n = pick(*lo as i128, *hi as i128, rng) as usize;
            Value::List(Arc::new((0..n).map(|_| draw(each, rng, case)).collect::<Option<Vec<_>>>()?))
        }
        Generator::Record(names, fields) => {
            let values = fields.iter().map(|g| draw(g, rng, case)).collect::<Option<Vec<_>>>()?;
            Value::Record(Arc::new(Record::with_names(names.clone(), values)))
        }
    })
}

/// Simpler values than `v`, simplest first, made one at a time (a long
/// list has many): a list shorter (to its shortest allowed length, to half,
/// one element left out), then one element or field made simpler; a
/// scalar towards its lower bound (or 0 when it lies inside), halving the
/// distance.
fn simpler(g: &Generator, v: Value) -> Box<dyn Iterator<Item = Value> + '_> {
    match (g, v) {
        (Generator::List(each, lo, _), Value::List(items)) => {
            let n = items.len();
            let lo = *lo;
            let (a, b, c) = (Arc::clone(&items), Arc::clone(&items), items);
            let shorter = [lo, (n / 2).max(lo)]
                .into_iter()
                .filter(move |keep| *keep < n)
                .map(move |keep| Value::List(Arc::new(a.iter().take(keep).cloned().collect())));
            let fewer = (0..if n > lo { n } else { 0 }).map(move |k| {
                Value::List(Arc::new(b.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, x)| x.clone()).collect()))
            });
            let each_simpler = (0..n).flat_map(move |k| {
                let items = Arc::clone(&c);
                let item = items.get(k).cloned().unwrap_or(Value::Absent);
                simpler(each, item).map(move |s| {
                    let mut changed = items.to_vec();
                    if let Some(slot) = changed.get_mut(k) {
                        *slot = s;
                    }
                    Value::List(Arc::new(changed))
                })
            });
            Box::new(shorter.chain(fewer).chain(each_simpler))
        }
        (Generator::Record(names, fields), Value::Record(r)) => {
            let values: Arc<Vec<Value>> = Arc::new(r.values().cloned().collect());
            Box::new(fields.iter().enumerate().flat_map(move |(k, fg)| {
                let values = Arc::clone(&values);
                let field = values.get(k).cloned().unwrap_or(Value::Absent);
                simpler(fg, field).map(move |s| {
                    let mut changed = values.to_vec();
                    if let Some(slot) = changed.get_mut(k) {
                        *slot = s;
                    }
                    Value::Record(Arc::new(Record::with_names(names.clone(), changed)))
                })
            }))
        }
        (g, v) => Box::new(simpler_scalar(g, &v).into_iter()),
    }
}

/// Simpler values than a scalar `v`, simplest first.
fn simpler_scalar(g: &Generator, v: &Value) -> Vec<Value> {
    let toward = |target: i128, x: i128| -> Vec<i128> {
        let mut out = Vec::new();
        let mut d = x - target;
        while d != 0 {
            out.push(x - d);
            d /= 2;
        }
        out
    };
    match (g, v) {
        (Generator::Integer(lo, hi), Value::Number(n)) => {
            let x = i128::from(n.to_i64().unwrap_or(*lo));
            let target = if *lo <= 0 && 0 <= *hi { 0 } else { i128::from(*lo) };
            toward(target, x).into_iter().map(|k| Value::int(k as i64)).collect()
        }
        (Generator::Number(lo, hi, places), Value::Number(n)) => {
            let Some((a, b, unit)) = units(lo, hi, *places) else { return Vec::new() };
            let Some(x) = n.div(&unit).ok().and_then(|k| k.to_i64()) else { return Vec::new() };
            let target = if a <= 0 && 0 <= b { 0 } else { a };
            toward(target, i128::from(x))
                .into_iter()
                .filter_map(|k| Number::from_int(k as i64).mul(&unit).ok().map(Value::Number))
                .collect()
        }
        (Generator::Date(a, _), Value::Date(d)) => toward(0, i128::from(a.days_until(*d)))
            .into_iter()
            .filter_map(|k| a.add_days(k as i64).ok().map(Value::Date))
            .collect(),
        (Generator::OneOf(vs), v) => vs.iter().take_while(|x| *x != v).cloned().collect(),
        (Generator::Bool, Value::Bool(true)) => vec![Value::Bool(false)],
        (Generator::List(..) | Generator::Record(..), _) => Vec::new(),
        _ => Vec::new(),
    }
}

/// The most evaluations spent shrinking one failure.
const MAX_SHRINK_TRIES: usize = 20_000;

/// Whether the assertion holds for the values; `Err` with what it gave.
fn check(rs: &Ruleset, p: &Property, values: &[Value]) -> Result<(), String> {
    let mut frame = values.to_vec();
    match Evaluator::new(rs, p.as_of, false).eval(&p.holds, &mut frame) {
        Ok(Value::Bool(true)) => Ok(()),
        Ok(v) => Err(format!("`{}` gives {v}", p.holds_text)),
        Err(f) => Err(format!("`{}` fails: {}", p.holds_text, crate::run::outcome::fault_message(f))),
    }
}

/// Runs one property.
pub fn run(rs: &Ruleset, pack: &str, p: &Property) -> TestOutcome {
    let outcome = |passed: bool, message: Option<String>| TestOutcome {
        name: format!("property: {}", p.name),
        rule: pack.to_string(),
        location: p.location.clone(),
        passed,
        message,
    };
    let mut rng = Rng(p.seed);
    for case in 0..p.cases {
        let Some(mut values) = p.vars.iter().map(|(_, g)| draw(g, &mut rng, case)).collect::<Option<Vec<_>>>() else {
            return outcome(false, Some("a generator has no value to give (check its range and places)".into()));
        };
        let Err(mut why) = check(rs, p, &values) else { continue };
        // shrink: take any simpler value of any input that still fails, for
        // at most MAX_SHRINK_TRIES evaluations (a long list has many simpler
        // neighbours)
        let mut tries = 0usize;
        'shrink: while tries < MAX_SHRINK_TRIES {
            for (k, (_, g)) in p.vars.iter().enumerate() {
                let Some(current) = values.get(k).cloned() else { continue };
                for candidate in simpler(g, current.clone()) {
                    tries += 1;
                    if tries > MAX_SHRINK_TRIES {
                        break 'shrink;
                    }
                    let mut trial = values.clone();
                    if let Some(slot) = trial.get_mut(k) {
                        *slot = candidate;
                    }
                    if let Err(w) = check(rs, p, &trial) {
                        values = trial;
                        why = w;
                        continue 'shrink;
                    }
                }
            }
            break;
        }
        let given: Vec<String> = p.vars.iter().zip(&values).map(|((n, _), v)| format!("{n} = {v}")).collect();
        let trace = explain(rs, p, &values);
        return outcome(
            false,
            Some(format!(
                "fails for {} (case {} of seed {}, shrunk): {why}{trace}",
                given.join(", "),
                case + 1,
                p.seed
            )),
        );
    }
    // a property that held says how much it was tried on
    outcome(true, Some(format!("held for {} cases (seed {})", p.cases, p.seed)))
}

/// The rules the failing case ran, one line each.
fn explain(rs: &Ruleset, p: &Property, values: &[Value]) -> String {
    let mut frame = values.to_vec();
    let mut ev = Evaluator::new(rs, p.as_of, true);
    let _ = ev.eval(&p.holds, &mut frame);
    let (entries, _) = ev.take_trace();
    let lines: Vec<String> = entries
        .iter()
        .filter(|e| e.depth <= 1)
        .take(12)
        .map(|e| match &e.value {
            Some(v) => format!("\n    {} {} = {v}", e.rule, e.name.clone().unwrap_or_default()),
            None => format!("\n    {} {}", e.rule, e.detail),
        })
        .collect();
    lines.concat()
}
