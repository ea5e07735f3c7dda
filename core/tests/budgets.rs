//! The compiled core's promises on numbers and budgets: exact numbers with no
//! ceiling (a 30-year annuity to the 分), a size budget that stops runaway
//! growth with a located error, formulas of thousands of terms that load and
//! run on a small stack, and step and memory budgets that bound list work by
//! its length.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::at;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::One;
use ordinance_core::{Engine, EvalError, EvalOptions, Number, Value};
use std::path::PathBuf;

const HEADER: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01, until: 2024-12-31}\n";

/// A pack of the given rules in a folder of its own; returns the engine and
/// the pack's full text (to find positions in).
fn engine(name: &str, body: &str) -> (Engine, String) {
    let dir = std::env::temp_dir().join(format!("ordinance-budgets-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("t.yaml");
    let text = format!("{HEADER}{body}");
    std::fs::write(&path, &text).unwrap();
    (Engine::from_files(&[path]).unwrap(), text)
}

/// Runs `f` on a thread with a 256 KiB stack: a stack overflow there would
/// abort the whole test binary, so passing means none happened.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(256 * 1024).spawn(f).unwrap().join().unwrap()
}

fn big(n: &Number) -> BigRational {
    BigRational::new(n.numer(), n.denom())
}

fn num(s: &str) -> Number {
    Number::parse(s).unwrap()
}

const ANNUITY: &str = "rules:
  annuity:
    cite: {clause: c, quote: q}
    inputs: {principal: number, annual_rate: number, months: integer}
    formula:
      r: annual_rate / 12
      growth: pow(1 + r, months)
      exact: principal * r * growth / (growth - 1)
      payment: round_half_up(exact, 2)
";

/// The annuity payment computed here with plain big rationals, rounded half
/// up to 分: the independent oracle of the engine's figure.
fn annuity_oracle(principal: &BigRational, annual_rate: &BigRational, months: i32) -> (BigRational, BigRational) {
    let r = annual_rate / BigRational::from_integer(BigInt::from(12));
    let growth = num_traits::pow(BigRational::one() + &r, months as usize);
    let exact = principal * &r * &growth / (&growth - BigRational::one());
    let hundred = BigRational::from_integer(BigInt::from(100));
    let half = BigRational::new(BigInt::one(), BigInt::from(2));
    let payment = (&exact * &hundred + half).floor() / hundred;
    (exact, payment)
}

#[test]
fn a_thirty_year_annuity_is_exact_to_the_fen() {
    let (e, _) = engine("annuity", ANNUITY);
    for (principal, rate) in [("1000000", "0.0375"), ("350000", "4.9%"), ("1", "0.0001")] {
        let d = e
            .evaluate(
                "t.annuity",
                &serde_json::json!({"principal": principal, "annual_rate": rate, "months": 360}),
                &at("2024-06-30"),
            )
            .unwrap();
        let Value::Number(growth) = &d.outputs["growth"] else { panic!("growth is not a number") };
        let Value::Number(exact) = &d.outputs["exact"] else { panic!("exact is not a number") };
        let Value::Number(payment) = &d.outputs["payment"] else { panic!("payment is not a number") };
        let (want_exact, want_payment) = annuity_oracle(&big(&num(principal)), &big(&num(rate)), 360);
        assert_eq!(big(exact), want_exact, "{principal} at {rate}");
        assert_eq!(big(payment), want_payment, "{principal} at {rate}");
        // the monthly factor to the 360th power has hundreds of digits
        assert!(growth.numer().to_string().len() > 300, "{growth}");
        // the printed payment has exactly two places
        assert!(payment.decimal_places().is_some_and(|p| p <= 2), "{payment}");
    }
}

#[test]
fn pow_of_a_monthly_rate_is_the_exact_power() {
    let (e, _) = engine("pow", "rules:\n  p:\n    cite: {clause: c, quote: q}\n    inputs: {n: integer}\n    formula:\n      x: pow(1 + 0.0375/12, n)\n");
    for n in [15, 360, -12] {
        let d = e.evaluate("t.p", &serde_json::json!({"n": n}), &at("2024-06-30")).unwrap();
        let Value::Number(x) = &d.outputs["x"] else { panic!() };
        let base = BigRational::new(BigInt::from(321), BigInt::from(320));
        let want =
            if n >= 0 { num_traits::pow(base, n as usize) } else { num_traits::pow(base.recip(), (-n) as usize) };
        assert_eq!(big(x), want, "n = {n}");
    }
}

/// Line and column (1-based, in characters) of the first `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        if let Some(b) = line.find(needle) {
            return (i + 1, line[..b].chars().count() + 1);
        }
    }
    panic!("`{needle}` not in the pack")
}

#[test]
fn growth_past_the_size_budget_is_a_located_limit_error() {
    let (e, text) = engine("size", ANNUITY);
    let input = serde_json::json!({"principal": 1000000, "annual_rate": "0.0375", "months": 360});
    // (321/320)^360 has about 903 digits each side: a budget of 500 stops it
    let opts = EvalOptions { max_digits: Some(500), ..at("2024-06-30") };
    let err = e.evaluate("t.annuity", &input, &opts).unwrap_err();
    let (line, col) = position_of(&text, "pow(");
    match &err {
        EvalError::Limit { message, .. } => {
            assert!(message.contains("`pow"), "{message}");
            assert!(message.contains("limit of 500 digits"), "{message}");
            assert!(message.contains(&format!("t.yaml:{line}:{col}")), "{message} (want {line}:{col})");
        }
        other => panic!("not a limit error: {other}"),
    }
    // with the default budget the same evaluation answers
    assert!(e.evaluate("t.annuity", &input, &at("2024-06-30")).is_ok());
    // a product that outgrows the default budget names `*` and the operand
    // where it happens: 10^400 to the 13th power has 5,201 digits
    let (e, text) = engine(
        "product",
        "rules:\n  p:\n    cite: {clause: c, quote: q}\n    inputs: {x: number}\n    formula:\n      y: x * x * x * x * x * x * x * x * x * x * x * x * x\n",
    );
    let x = format!("1{}", "0".repeat(400));
    let err = e.evaluate("t.p", &serde_json::json!({ "x": x }), &at("2024-06-30")).unwrap_err();
    let EvalError::Limit { message, .. } = &err else { panic!("{err}") };
    let (line, col) = position_of(&text, "y: x *");
    // the 13th factor starts 4·12 characters after the first
    let at13 = format!("t.yaml:{line}:{}", col + 3 + 4 * 12);
    assert!(message.contains("`*`") && message.contains(&at13), "{message} (want {at13})");
    assert!(message.contains("5201 digits"), "{message}");
    // twelve factors fit
    let (e, _) = engine(
        "product12",
        "rules:\n  p:\n    cite: {clause: c, quote: q}\n    inputs: {x: number}\n    formula:\n      y: x * x * x * x * x * x * x * x * x * x * x * x\n",
    );
    assert!(e.evaluate("t.p", &serde_json::json!({ "x": x }), &at("2024-06-30")).is_ok());
}

#[test]
fn a_flat_formula_of_5000_terms_loads_and_evaluates_on_a_small_stack() {
    let terms = vec!["x"; 5000].join(" + ");
    let (e, _) = engine("flat", &format!("rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: integer}}\n    formula: {{y: \"{terms}\"}}\n"));
    let y = on_small_stack(move || {
        e.evaluate("t.r", &serde_json::json!({"x": 7}), &at("2024-06-30")).unwrap().outputs["y"].clone()
    });
    assert_eq!(y, Value::int(5000 * 7));
}

#[test]
fn the_largest_accepted_formula_evaluates_on_a_small_stack() {
    // alternating + and * over one name, as long as the parser accepts:
    // the limit (100,000 characters) holds for the text and for its printed
    // form, which puts each product in parentheses
    let mut full = String::from("x");
    while full.len() + 4 <= ordinance_core::expr::syntax::MAX_EXPR_CHARS {
        full.push_str(if full.len() % 8 == 1 { "*x+x" } else { "+x-x" });
    }
    // the longest prefix of whole terms that parses, found by halving
    let accepted = |groups: usize| ordinance_core::expr::syntax::parse(&full[..1 + 4 * groups]).is_ok();
    let (mut lo, mut hi) = (0usize, (full.len() - 1) / 4);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if accepted(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let terms = full[..1 + 4 * lo].to_string();
    assert!(terms.len() > 70_000, "{}", terms.len());
    let (e, _) = engine("largest", &format!("rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: integer}}\n    formula: {{y: \"{terms}\"}}\n"));
    let got = on_small_stack(move || {
        e.evaluate("t.r", &serde_json::json!({"x": 1}), &at("2024-06-30")).map(|d| d.outputs["y"].clone())
    });
    assert!(got.is_ok(), "{got:?}");
}

#[test]
fn the_deepest_accepted_nesting_evaluates_on_a_small_stack() {
    // the deepest parenthesised formula the parser accepts, each level a sum
    // of a product and a comprehension
    let mut deepest = None;
    for depth in (1..200).rev() {
        let mut f = String::from("x");
        for _ in 0..depth {
            f = format!("(1 + 2 * sum(v for v in [{f}] where v >= 0))");
        }
        if ordinance_core::expr::syntax::parse(&f).is_ok() {
            deepest = Some((depth, f));
            break;
        }
    }
    let (depth, f) = deepest.unwrap();
    let (e, _) = engine("deep", &format!("rules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: integer}}\n    formula: {{y: \"{f}\"}}\n"));
    let got = on_small_stack(move || {
        e.evaluate("t.r", &serde_json::json!({"x": 0}), &at("2024-06-30")).map(|d| d.outputs["y"].clone())
    });
    // y(k) = 1 + 2·y(k−1) from y(0) = 0: 2^k − 1
    let want: BigInt = num_traits::pow(BigInt::from(2), depth) - 1;
    assert_eq!(got.unwrap().to_string(), want.to_string());
}

#[test]
fn a_long_chain_of_rules_stops_at_the_nesting_bound_not_the_stack() {
    let mut body = String::from(
        "rules:\n  r0:\n    cite: {clause: c, quote: q}\n    inputs: {x: integer}\n    formula: {y: x + 1}\n",
    );
    for i in 1..600 {
        body.push_str(&format!(
            "  r{i}:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: integer}}\n    formula:\n      y: r{}(x = x).y + 1\n",
            i - 1
        ));
    }
    let (e, _) = engine("calls", &body);
    let e = std::sync::Arc::new(e);
    let e2 = e.clone();
    // a short chain answers; the longest one is refused with a limit error
    let short = on_small_stack(move || {
        e2.evaluate("t.r50", &serde_json::json!({"x": 0}), &at("2024-06-30")).map(|d| d.outputs["y"].clone())
    });
    assert_eq!(short.unwrap(), Value::int(51));
    let long = on_small_stack(move || {
        e.evaluate("t.r599", &serde_json::json!({"x": 0}), &at("2024-06-30")).map(|d| d.outputs["y"].clone())
    });
    match long {
        Err(EvalError::Limit { message, .. }) => assert!(message.contains("nests more than"), "{message}"),
        other => panic!("expected a nesting limit, got {other:?}"),
    }
}

#[test]
fn list_operations_cost_steps_in_proportion_to_their_length() {
    let (e, _) = engine(
        "lists",
        "rules:
  quadratic:
    cite: {clause: c, quote: q}
    inputs: {n: integer}
    formula:
      k: count(i in range(1, n) where i in range(1, n))
  member:
    cite: {clause: c, quote: q}
    inputs: {n: integer}
    formula:
      hit: n in range(1, 100000)
  equal_lists:
    cite: {clause: c, quote: q}
    inputs: {n: integer}
    formula:
      k: count(i in range(1, n) where range(1, n) == range(1, n))
",
    );
    // 10^10 comparisons would take minutes: the default budget stops it
    for rule in ["t.quadratic", "t.equal_lists"] {
        let err = e.evaluate(rule, &serde_json::json!({"n": 100_000}), &at("2024-06-30")).unwrap_err();
        assert!(matches!(&err, EvalError::Limit { message, .. } if message.contains("steps")), "{rule}: {err}");
    }
    // small inputs answer
    let d = e.evaluate("t.quadratic", &serde_json::json!({"n": 50}), &at("2024-06-30")).unwrap();
    assert_eq!(d.outputs["k"], Value::int(50));
    // one membership test over 100,000 elements is 100,000 steps, not one
    let tight = EvalOptions { max_steps: Some(50_000), ..at("2024-06-30") };
    let err = e.evaluate("t.member", &serde_json::json!({"n": 99_999}), &tight).unwrap_err();
    assert!(matches!(err, EvalError::Limit { .. }), "{err}");
    let d = e.evaluate("t.member", &serde_json::json!({"n": 99_999}), &at("2024-06-30")).unwrap();
    assert_eq!(d.outputs["hit"], Value::Bool(true));
}

#[test]
fn the_memory_budget_bounds_the_values_an_evaluation_creates() {
    let (e, _) = engine(
        "memory",
        "rules:
  lists:
    cite: {clause: c, quote: q}
    inputs: {n: integer}
    formula:
      k: count(l in [range(1, n) for i in range(1, n)] where count(l) > 0)
",
    );
    let opts = EvalOptions { max_steps: Some(u64::MAX), max_bytes: Some(100 << 20), ..at("2024-06-30") };
    let err = e.evaluate("t.lists", &serde_json::json!({"n": 100_000}), &opts).unwrap_err();
    assert!(matches!(&err, EvalError::Limit { message, .. } if message.contains("bytes")), "{err}");
    let d = e.evaluate("t.lists", &serde_json::json!({"n": 100}), &opts).unwrap();
    assert_eq!(d.outputs["k"], Value::int(100));
}

#[test]
fn the_default_step_budget_grows_with_the_input() {
    // a roster of 100,000 rows and work per row: the fixed part of the
    // default budget alone would not let it through
    let (e, _) = engine(
        "roster",
        "rules:
  total:
    cite: {clause: c, quote: q}
    inputs: {roster: {list: {class: {enum: [A, B, C, D]}, staff: integer}}}
    formula:
      visits: sum(if r.class == \"A\" then 4 else if r.class == \"D\" then 12 else 8 for r in roster)
      staff: sum(r.staff * 3 + r.staff * 2 - r.staff * 5 + r.staff for r in roster)
      days: sum(count(d in range(1, 40) where d > r.staff) for r in roster)
",
    );
    let classes = ["A", "B", "C", "D"];
    // about 230 steps a row: 23 million in all
    let roster: Vec<serde_json::Value> =
        (0..100_000).map(|i| serde_json::json!({"class": classes[i % 4], "staff": i % 7})).collect();
    let input = serde_json::json!({ "roster": roster });
    let d = e.evaluate("t.total", &input, &at("2024-06-30")).unwrap();
    assert_eq!(d.outputs["visits"], Value::int(25_000 * (4 + 8 + 8 + 12)));
    let staff: i64 = (0..100_000).map(|i| (i % 7) as i64).sum();
    assert_eq!(d.outputs["staff"], Value::int(staff));
    // range(1, 40) holds 1 … 40, of which 40 − staff exceed staff
    let days: i64 = (0..100_000).map(|i| 40 - (i % 7) as i64).sum();
    assert_eq!(d.outputs["days"], Value::int(days));
    // the fixed budget alone is not enough for it
    let fixed = EvalOptions { max_steps: Some(ordinance_core::eval::DEFAULT_MAX_STEPS), ..at("2024-06-30") };
    assert!(matches!(e.evaluate("t.total", &input, &fixed), Err(EvalError::Limit { .. })));
}

/// A host's cancellation flag stops an evaluation in flight: raised
/// before, the evaluation stops at its first look; raised from another
/// thread while a long evaluation runs, it stops within a few thousand steps
/// with a `limit` error saying why; never raised, nothing changes.
#[test]
fn a_raised_cancellation_flag_stops_the_evaluation() {
    let engine = Engine::load_dir(common::rules_dir()).unwrap();
    let input = serde_json::json!({"class": "B"});
    let flag = ordinance_core::Cancel::new();
    let opts = EvalOptions { cancel: Some(flag.clone()), ..at("2024-06-30") };
    assert!(engine.evaluate("energy_safety.inspection_frequency", &input, &opts).is_ok());
    flag.cancel();
    match engine.evaluate("energy_safety.inspection_frequency", &input, &opts) {
        Err(EvalError::Limit { message, .. }) => assert!(message.contains("stopped"), "{message}"),
        other => panic!("expected a limit error, got {other:?}"),
    }
    // a long evaluation stopped from outside, long before its budget
    let dir = std::env::temp_dir().join(format!("ordinance-cancel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("t.yaml"),
        format!("{HEADER}title: t\nrules:\n  r:\n    title: r\n    cite: {{clause: \"1\", quote: q}}\n    inputs: {{n: integer}}\n    formula:\n      y: \"sum(sum(range(1, n)) for i in range(1, n))\"\n"),
    )
    .unwrap();
    let engine = Engine::load_dir(&dir).unwrap();
    let flag = ordinance_core::Cancel::new();
    let opts = EvalOptions { cancel: Some(flag.clone()), max_steps: Some(u64::MAX), ..at("2024-06-30") };
    let raiser = {
        let flag = flag.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            flag.cancel();
        })
    };
    let r = engine.evaluate("t.r", &serde_json::json!({"n": 100_000}), &opts);
    raiser.join().unwrap();
    assert!(matches!(r, Err(EvalError::Limit { .. })), "{r:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
