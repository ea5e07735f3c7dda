//! Well-typed formulas and a pack around them, built from a stream of
//! choices: shared by the differential property test and the fuzz target
//! (`fuzz/fuzz_targets/differential.rs`), which both hold the evaluator equal
//! to the reference interpreter on what this builds.
#![allow(dead_code)]
#![allow(clippy::indexing_slicing)]

use ordinance_core::engine::{bind_inputs, evaluate_in};
use ordinance_core::eval::Fault;
use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{reference, Date, EvalError, EvalOptions};
use std::path::PathBuf;

/// Builds formulas from a stream of choices; every production is well typed
/// by construction, so every generated pack loads.
pub struct Gen<'a> {
    /// The choices, used round-robin.
    pub choices: &'a [u32],
    /// How many have been used.
    pub i: usize,
}

impl Gen<'_> {
    /// The next choice, below `n`.
    pub fn pick(&mut self, n: u32) -> u32 {
        let v = self.choices.get(self.i % self.choices.len().max(1)).copied().unwrap_or(0);
        self.i += 1;
        v % n
    }

    /// A number-valued expression; `x` (a number) is in scope inside a
    /// comprehension, `p` (a number) after the first `let`.
    pub fn num(&mut self, depth: u32, x: bool, p: bool) -> String {
        if depth == 0 {
            return self.num_leaf(x, p);
        }
        let d = depth - 1;
        match self.pick(30) {
            0..=3 => self.num_leaf(x, p),
            29 => {
                // times of day and durations, measured back into numbers (a
                // duration of a fraction of a second is an error)
                let form = [
                    "in_minutes(duration_between(at_time(d, time(8, 0)), add_duration(datetime(d, 9, 30), hours(N))))",
                    "in_hours(add_duration(minutes(a), days(N)))",
                    "(if time_of(add_duration(datetime(d, 23, 0), minutes(a * 7))) < time(1, 0) then N else 0)",
                    "in_minutes(max(minutes(a), hours(N), duration_between(time(23, 0), time(9, 15))))",
                ][self.pick(4) as usize];
                form.replace('N', &self.num(d, x, p))
            }
            28 => {
                // the optional input `o`: filled in, tested, or read as it is
                // (an error where it is absent)
                let n = self.num(d, x, p);
                match self.pick(6) {
                    0 | 1 => format!("(o ?? {n})"),
                    2 => format!("(if is_missing(o) then {n} else o * 2)"),
                    // an absent value carried out of a branch, then filled in
                    3 => format!("((if flag then o else {n}) ?? {})", self.num(d, x, p)),
                    4 => format!("(if is_missing(if flag then {n} else o) then 1 else 0)"),
                    _ => format!("(o + {n})"),
                }
            }
            26 => {
                // a running value carried over the list
                let n = self.num(d, true, p);
                let step =
                    [format!("t + {n}"), format!("max(t, {n})"), format!("t / 2 + {n}")][self.pick(3) as usize].clone();
                format!("fold(t = {}, {step} for x in xs where {})", self.num(d, x, p), self.boolean(d, true, p))
            }
            27 => {
                // every step of a running value; the list ordered by a key
                let n = self.num(d, true, p);
                match self.pick(3) {
                    0 => format!("sum(scan(t = {}, t + {n} for x in xs))", self.num(d, x, p)),
                    1 => format!("count(scan(t = 0, t + x for x in xs where {}))", self.boolean(d, true, p)),
                    _ => format!("sum(sublist(sort_by({n} for x in xs), 1, 2))"),
                }
            }
            24 | 25 => {
                // text and list functions, measured back into numbers
                let form = [
                    "length(concat_text(text_of(N), \"-\", upper(cls), lower(\"AB\")))",
                    "index_of(sort(concat(xs, [N])), N)",
                    "count(distinct(concat(xs, xs, [N])))",
                    "sum(sublist(reverse(sort(xs)), 2, a))",
                    "length(format_number(N, 2, \",\"))",
                    "count(split(join([text_of(N), \"b\", text_of(cls)], \",\"), \",\"))",
                    "count(flatten([xs, [N], xs]))",
                    "length(substring(text_of(N), a, 3))",
                    "length(replace(text_of(N), \"/\", \"//\"))",
                    "length(format_date(add_days(d, a), \"{year}年{month}月{day}日 星期{weekday_zh}\")) + N",
                    "length(format_date(d, concat_text(\"{\", lower(\"DAY\"), \"}\"))) + N",
                    // items by position, from either end, absent past them
                    "(xs[a] ?? N) + (first(xs) ?? 0) - (last(concat(xs, [N])) ?? 1)",
                    "(concat([N], xs)[-a] ?? 0) + (item(xs, a - 3) ?? N)",
                    // spans of years and months, by calendar
                    "in_months(months_between(d, add_duration(add_days(d, a * 13), months(a)))) + N",
                    "months_between(add_duration(d, years(a)), d).years * N + months(a * 7).months",
                    // the parts of a duration, with its sign
                    "minutes(a * 97 - 500).hours + seconds_of(minutes(N)) + minutes(a * -61).minutes + hours(a * 7).days",
                ][self.pick(16) as usize];
                form.replace('N', &self.num(d, x, p))
            }
            22 | 23 => {
                // a table of every hit policy
                let call = [
                    "by_first(n = N).score",
                    "by_priority(n = N).score",
                    "sum(by_rule_order(n = N).score)",
                    "count(by_output_order(n = N).score)",
                    "by_any(n = N).score",
                    "by_sum(n = N).score",
                    "by_min(n = N).score",
                    "by_max(n = N).score",
                    "by_count(n = N).score",
                    "progressive(s, N)",
                    "scale_rate(s, N) * N - quick_deduction(s, N)",
                    "by_bounds(n = N, m = M).score",
                    "by_between(n = N, m = M).score",
                    // on the bounds themselves
                    "by_between(n = N, m = N).score + by_bounds(n = N, m = N).score",
                ][self.pick(14) as usize];
                let call = call.replace('N', &self.num(d, x, p));
                if call.contains('M') {
                    call.replace('M', &self.num(d, x, p))
                } else {
                    call
                }
            }
            4 | 5 => {
                // a flat chain of one precedence level
                let ops: &[&str] = if self.pick(2) == 0 { &["+", "-"] } else { &["*", "/"] };
                let mut s = self.num(d, x, p);
                for _ in 0..=self.pick(3) {
                    let op = ops[self.pick(2) as usize];
                    s = format!("{s} {op} {}", self.num(d, x, p));
                }
                format!("({s})")
            }
            6 => format!("(-{})", self.num(d, x, p)),
            7 => format!("(if {} then {} else {})", self.boolean(d, x, p), self.num(d, x, p), self.num(d, x, p)),
            8 => format!("min({}, {})", self.num(d, x, p), self.num(d, x, p)),
            9 => format!("max({}, {}, {})", self.num(d, x, p), self.num(d, x, p), self.num(d, x, p)),
            10 => format!("abs({})", self.num(d, x, p)),
            11 => format!("pow({}, {})", self.num(d, x, p), self.pick(9) as i64 - 2),
            12 => {
                let f = ["round_half_up", "round_half_even", "ceil", "floor"][self.pick(4) as usize];
                format!("{f}({}, {})", self.num(d, x, p), self.pick(4) as i64 - 1)
            }
            13 => format!("sum({} for x in xs where {})", self.num(d, true, p), self.boolean(d, true, p)),
            14 => format!("count(x in xs where {})", self.boolean(d, true, p)),
            15 => ["max(xs)", "min(xs)", "sum(xs)", "count(xs)"][self.pick(4) as usize].to_string(),
            16 => format!("grade(n = {}, cls = cls).level", self.num(d, x, p)),
            17 => format!("count(grades(n = {}, cls = cls).level)", self.num(d, x, p)),
            18 => format!("scaled(x = {}).y", self.num(d, x, p)),
            19 if self.pick(2) == 0 => match self.pick(2) {
                // working days by the pack's calendar (an error outside 2024)
                0 => format!("workdays_between(d, add_days(d, {}))", ["a", "30", "-7"][self.pick(3) as usize]),
                _ => format!("days_between(d, add_workdays(d, {}))", ["a", "5", "-3"][self.pick(3) as usize]),
            },
            19 => format!("days_between(d, add_days(d, {}))", ["a", "3", "-7"][self.pick(3) as usize]),
            20 => format!("sum([{}, {}])", self.num(d, x, p), self.num(d, x, p)),
            _ => format!("max({} for x in concat(xs, [a, b]))", self.num(d, true, p)),
        }
    }

    fn num_leaf(&mut self, x: bool, p: bool) -> String {
        let names: Vec<&str> = ["a", "b", "c"].into_iter().chain(x.then_some("x")).chain(p.then_some("p")).collect();
        match self.pick(8) {
            0 => ["0", "1", "3", "12"][self.pick(4) as usize].to_string(),
            1 => ["0.5", "40%", "2.25", "1/3"][self.pick(4) as usize].to_string(),
            2 => "rate".to_string(),
            _ => names[self.pick(names.len() as u32) as usize].to_string(),
        }
    }

    pub fn boolean(&mut self, depth: u32, x: bool, p: bool) -> String {
        let d = depth.saturating_sub(1);
        match self.pick(if depth == 0 { 3 } else { 10 }) {
            0 if self.pick(4) == 0 => "is_workday(d)".to_string(),
            1 if self.pick(3) == 0 => {
                let n = self.num(d, x, p);
                [
                    format!("starts_with(text_of({n}), \"-\")"),
                    "ends_with(upper(cls), \"A\")".to_string(),
                    format!("text_of(round_half_up({n}, 0)) == format_number({n}, 0, \"\")"),
                    "format_date(d, \"{year:4}-{month:2}-{day:2}\") == text_of(d)".to_string(),
                    "format_date(at_time(d, time(9, 5)), \"{hour}:{minute:2}\") == \"9:05\"".to_string(),
                    // texts ordered by code point
                    format!("text_of({n}) < \"5\""),
                    "upper(cls) >= \"B\" and lower(cls) > \"B\"".to_string(),
                ][self.pick(7) as usize]
                    .clone()
            }
            0 => "flag".to_string(),
            1 => ["cls == \"A\"", "cls in [\"B\", \"C\"]", "cls != \"D\""][self.pick(3) as usize].to_string(),
            2 | 3 => {
                let op = ["<", "<=", ">", ">=", "==", "!="][self.pick(6) as usize];
                format!("{} {op} {}", self.num(d, x, p), self.num(d, x, p))
            }
            4 if self.pick(3) == 0 => {
                // Kleene's logic over a truth value that may be absent (none
                // where `o` is left out), and its fallback
                let maybe = format!("(if is_missing(o) then none else o > {})", self.num(d, x, p));
                let op = if self.pick(2) == 0 { "and" } else { "or" };
                let fallback = if self.pick(2) == 0 { "true" } else { "false" };
                let not = if self.pick(2) == 0 { "not " } else { "" };
                format!("(({not}({maybe} {op} {})) ?? {fallback})", self.boolean(d, x, p))
            }
            4 => format!("(not {})", self.boolean(d, x, p)),
            5 | 6 => {
                let op = if self.pick(2) == 0 { "and" } else { "or" };
                format!("({} {op} {} {op} {})", self.boolean(d, x, p), self.boolean(d, x, p), self.boolean(d, x, p))
            }
            7 if self.pick(3) == 0 => {
                let n = self.num(d, x, p);
                // the order of output_order against the order of the rows
                format!("by_output_order(n = {n}).score == by_rule_order(n = {n}).score")
            }
            7 => format!("any({} for x in xs)", self.boolean(d, true, p)),
            8 => format!("all({} for x in xs where {})", self.boolean(d, true, p), self.boolean(d, true, p)),
            _ => format!("{} in [1, 2, 3, a]", self.num(d, x, p)),
        }
    }
}

pub const HEADER: &str = "format: 1
pack: t
source: {document: D1, title: t, issued_by: i, date: 2024-01-01}
valid: {from: 2024-01-01, until: 2024-12-31}
calendar:
  covers: {from: 2024-01-01, until: 2024-12-31}
  holidays: [2024-01-01, 2024-02-10..2024-02-17, 2024-05-01..2024-05-05, 2024-10-01..2024-10-07]
  workdays: [2024-02-04, 2024-02-18, 2024-04-28, 2024-05-11, 2024-09-29, 2024-10-12]
  cite: {clause: c, quote: q}
scales:
  s:
    cite: {clause: c, quote: q}
    versions:
      - from: 2024-01-01
        brackets:
          - {upto: 3, rate: 3%, quick_deduction: 0}
          - {below: 12, rate: 10%}
          - {upto: 25, rate: 1/4, quick_deduction: 2.01}
          - {rate: 45%}
      - from: 2024-07-01
        brackets:
          - {below: 5, rate: 5%}
          - {rate: 1/3}
parameters:
  rate:
    versions:
      - {from: 2024-01-01, value: 0.05, cite: {clause: c, quote: q}}
      - {from: 2024-07-01, value: 0.06, cite: {clause: c, quote: q}}
    cite: {clause: c, quote: q}
";

pub fn pack(formulas: &(String, String, String), t: &[i64; 3]) -> String {
    let (p, n, b) = formulas;
    format!(
        "{HEADER}rules:
  grade:
    cite: {{clause: c, quote: q}}
    inputs: {{n: number, cls: {{enum: [A, B, C, D]}}}}
    outputs: {{level: number}}
    table:
      hit: first
      rows:
        - {{when: {{n: {{\"<\": {}}}, cls: [A, B]}}, then: {{level: 1}}}}
        - {{when: {{n: {{\">=\": {}, \"<=\": {}}}}}, then: {{level: 2}}}}
        - {{when: {{cls: D}}, then: {{level: 3}}}}
      default: {{level: 0}}
  grades:
    cite: {{clause: c, quote: q}}
    inputs: {{n: number, cls: {{enum: [A, B, C, D]}}}}
    outputs: {{level: number}}
    table:
      hit: collect
      rows:
        - {{when: {{n: {{\">\": {}}}}}, then: {{level: 1}}}}
        - {{when: {{cls: [C, D]}}, then: {{level: 2}}}}
{policies}  scaled:
    cite: {{clause: c, quote: q}}
    inputs: {{x: number}}
    formula:
      y: x * rate + 1
  probe:
    cite: {{clause: c, quote: q}}
    inputs: {{a: integer, b: number, c: number, xs: {{list: number}}, flag: bool, cls: {{enum: [A, B, C, D]}}, d: date, o: {{type: number, optional: true}}}}
    formula:
      p: '{p}'
      n: '{n}'
      t: '{b}'
",
        t[0],
        t[1],
        t[1] + t[2].abs(),
        t[0],
        policies = policies(t),
    )
}

/// One table rule per hit policy (and aggregator), on overlapping ranges
/// cut by the generated thresholds.
fn policies(t: &[i64; 3]) -> String {
    let (a, b, c) = (t[0], t[1], t[1] + t[2].abs());
    let ranked = |hit: &str, default: bool| {
        let default = if default { "\n      default: {tier: low, score: 0}" } else { "" };
        format!(
            "  by_{hit}:
    cite: {{clause: c, quote: q}}
    inputs: {{n: number}}
    outputs: {{tier: {{enum: [high, mid, low]}}, score: number}}
    table:
      hit: {hit}
      rows:
        - {{when: {{n: {{\"<\": {a}}}}}, then: {{tier: low, score: 1}}}}
        - {{when: {{n: {{\">=\": {b}, \"<=\": {c}}}}}, then: {{tier: high, score: 2}}}}
        - {{when: {{n: {{\">\": {a}}}}}, then: {{tier: mid, score: {{expr: \"n * rate + 3\"}}}}}}
        - {{when: {{n: {{\">=\": {b}}}}}, if: \"n * 2 != {b} + 1\", then: {{tier: high, score: 4}}}}
        - {{when: {{n: {{\">\": {a}}}}}, then: {{tier: high, score: {{expr: \"1 / (n - {b})\"}}}}}}{default}
"
        )
    };
    let aggregated = |agg: &str, default: bool| {
        let default = if default { "\n      default: {score: -1}" } else { "" };
        format!(
            "  by_{agg}:
    cite: {{clause: c, quote: q}}
    inputs: {{n: number}}
    outputs: {{score: number}}
    table:
      hit: collect
      aggregate: {agg}
      rows:
        - {{when: {{n: {{\"<\": {a}}}}}, if: \"n * n != 4\", then: {{score: 1/2}}}}
        - {{when: {{n: {{\">=\": {b}, \"<=\": {c}}}}}, then: {{score: -2}}}}
        - {{when: {{n: {{\">\": {a}}}}}, then: {{score: {{expr: \"n / 2 - rate\"}}}}}}{default}
"
        )
    };
    let any = format!(
        "  by_any:
    cite: {{clause: c, quote: q}}
    inputs: {{n: number}}
    outputs: {{tier: {{enum: [high, mid, low]}}, score: number}}
    table:
      hit: any
      rows:
        - {{when: {{n: {{\"<\": {a}}}}}, then: {{tier: low, score: 1}}}}
        - {{when: {{n: {{\">=\": {a}}}}}, then: {{tier: mid, score: {{expr: \"3 + n * 0\"}}}}}}
        - {{when: {{n: {{\">=\": {a}, \"<=\": {}}}}}, then: {{tier: mid, score: {{expr: \"if n == {a} then 4 else 3\"}}}}}}
",
        a + t[2].abs()
    );
    // bounds computed from a dated parameter and from an input
    let bounds = format!(
        "  by_bounds:
    cite: {{clause: c, quote: q}}
    inputs: {{n: number, m: number}}
    outputs: {{score: number}}
    table:
      hit: first
      rows:
        - {{when: {{n: {{\"<\": m}}}}, then: {{score: 1}}}}
        - {{when: {{n: {{\">=\": \"rate * {a}\", \"<=\": \"m + {c}\"}}}}, then: {{score: 2}}}}
        - {{when: {{n: {{\">\": \"m - {b}\"}}}}, then: {{score: {{expr: \"n - m\"}}}}}}
      default: {{score: 0}}
  by_between:
    cite: {{clause: c, quote: q}}
    inputs: {{n: number, m: number}}
    outputs: {{score: number}}
    constraints: [\"m <= rate * 100\"]
    table:
      hit: unique
      rows:
        - {{when: {{n: {{\"<\": m}}}}, then: {{score: 1}}}}
        - {{when: {{n: {{\">=\": m, \"<=\": rate * 100}}}}, then: {{score: 2}}}}
        - {{when: {{n: {{\">\": rate * 100}}}}, then: {{score: {{expr: \"n - m\"}}}}}}
"
    );
    [
        bounds,
        ranked("first", true),
        ranked("priority", true),
        ranked("rule_order", false),
        ranked("output_order", false),
        any,
        aggregated("sum", false),
        aggregated("min", true),
        aggregated("max", true),
        aggregated("count", false),
    ]
    .concat()
}

fn kind_of_error(e: &EvalError) -> &'static str {
    match e {
        EvalError::Input { .. } => "input",
        EvalError::Evaluation { .. } => "evaluation",
        EvalError::Limit { .. } => "limit",
        _ => "other",
    }
}

fn kind_of_fault(f: &Fault) -> &'static str {
    match f {
        Fault::Input { .. } => "input",
        Fault::Failed { .. } => "evaluation",
        Fault::Limit { .. } => "limit",
    }
}

/// Loads `text` as the pack `t.yaml`, evaluates `t.probe` on `input` with the
/// evaluator and with the reference interpreter, and says how they differ:
/// `Ok` when both give the same outputs or errors of the same kind.
///
/// # Errors
/// A description of the disagreement, or of a pack that does not load.
pub fn differential(text: &str, input: &serde_json::Value, as_of: Date, max_digits: u64) -> Result<(), String> {
    let rs = load(&[SourceFile { path: PathBuf::from("t.yaml"), text: text.to_string() }])
        .map_err(|e| format!("a generated pack does not load: {e}\n{text}"))?;
    let opts = EvalOptions { as_of: Some(as_of), max_digits: Some(max_digits), ..EvalOptions::default() };
    let compiled = evaluate_in(&rs, "t.probe", input, &opts);
    let (rid, rule) = rs.rule("t.probe").ok_or("no rule t.probe")?;
    let args = bind_inputs(rule, input).map_err(|e| format!("the generated input does not bind: {e}"))?;
    let oracle = reference::evaluate(&rs, rid, args, as_of, max_digits);
    match (&compiled, &oracle) {
        (Ok(d), Ok(outputs)) if d.outputs == *outputs => Ok(()),
        (Err(e), Err(f)) if kind_of_error(e) == kind_of_fault(f) => Ok(()),
        _ => Err(format!(
            "they disagree: evaluator {:?}, reference {:?}\n{text}\ninput {input}",
            compiled.as_ref().map(|d| &d.outputs),
            oracle
        )),
    }
}

/// Inputs for `t.probe` from a stream of choices (for the fuzz target; the
/// property test draws them from strategies).
pub fn input_from(g: &mut Gen) -> serde_json::Value {
    let fraction = |g: &mut Gen| format!("{}/{}", g.pick(61) as i64 - 30, g.pick(8) + 1);
    let xs: Vec<String> = (0..g.pick(5)).map(|_| fraction(g)).collect();
    let c = if g.pick(3) == 0 { "0".to_string() } else { fraction(g) };
    let d = Date::from_ymd(2024, 1, 1).and_then(|d| d.add_days(i64::from(g.pick(300)))).map(|d| d.to_string());
    let cls = ["A", "B", "C", "D"][g.pick(4) as usize];
    // the optional input: left out, null, or a value
    let o = match g.pick(3) {
        0 => None,
        1 => Some(serde_json::Value::Null),
        _ => Some(serde_json::Value::String(fraction(g))),
    };
    let mut input = serde_json::json!({
        "a": g.pick(41) as i64 - 20,
        "b": fraction(g),
        "c": c,
        "xs": xs,
        "flag": g.pick(2) == 1,
        "cls": cls,
        "d": d.unwrap_or_default(),
    });
    if let (Some(o), Some(map)) = (o, input.as_object_mut()) {
        map.insert("o".into(), o);
    }
    input
}
