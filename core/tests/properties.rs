//! Properties of every calculation the core performs: exact arithmetic and
//! rounding, dates, the expression parser (never panics; prints and parses
//! back to the same tree), decision tables (a `unique` table that loads never
//! matches twice; `first` returns the earliest match; bounds are inclusive or
//! exclusive exactly as written), aggregates (parts sum to their totals), and
//! the loader (never panics on any input).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{cases, int, opts, pack_engine, pack_path};
use indexmap::IndexMap;
use ordinance_core::date::Date;
use ordinance_core::expr::syntax::{self, AggKind, BinOp, Expr, ExprKind};
use ordinance_core::loader::{load, SourceFile};
use ordinance_core::number::{Number, RoundingMode};
use ordinance_core::value::{from_json, Type};
use ordinance_core::{Engine, Value};
use proptest::prelude::*;
use std::path::PathBuf;

/// A rule of the energy-safety pack alone, as of 2024-06-30, so that these
/// properties do not depend on the other packs of the directory.
fn eval(rule: &str, input: &serde_json::Value) -> IndexMap<String, Value> {
    common::eval(pack_engine("energy_safety"), &format!("energy_safety.{rule}"), input)
}

fn ratio() -> impl Strategy<Value = Number> {
    (-1_000_000_000i64..1_000_000_000, 1i64..1_000_000).prop_map(|(n, d)| Number::ratio(n.into(), d.into()).unwrap())
}

// ---------- exact numbers ----------

proptest! {
    #![proptest_config(cases(256, "properties"))]

    #[test]
    fn numbers_print_and_parse_back(x in ratio()) {
        prop_assert_eq!(Number::parse(&x.to_string()).unwrap(), x);
    }

    #[test]
    fn addition_and_subtraction_are_inverse(a in ratio(), b in ratio()) {
        prop_assert_eq!(a.add(&b).unwrap().sub(&b).unwrap(), a);
    }

    #[test]
    fn multiplication_and_division_are_inverse(a in ratio(), b in ratio()) {
        prop_assume!(!b.is_zero());
        prop_assert_eq!(a.mul(&b).unwrap().div(&b).unwrap(), a);
    }

    #[test]
    fn no_rounding_unless_asked(a in ratio(), b in ratio(), c in ratio()) {
        // (a + b) * c == a*c + b*c holds exactly: nothing was rounded
        let left = a.add(&b).unwrap().mul(&c).unwrap();
        let right = a.mul(&c).unwrap().add(&b.mul(&c).unwrap()).unwrap();
        prop_assert_eq!(left, right);
    }

    #[test]
    fn rounding_brackets_the_value(x in ratio(), places in 0i64..6) {
        let floor = x.round(places, RoundingMode::Floor).unwrap();
        let ceil = x.round(places, RoundingMode::Ceil).unwrap();
        prop_assert!(floor <= x && x <= ceil);
        let step = Number::ratio(1, 10i128.pow(places as u32)).unwrap();
        prop_assert!(ceil.sub(&floor).unwrap() <= step);
        for mode in [RoundingMode::HalfUp, RoundingMode::HalfEven] {
            let r = x.round(places, mode).unwrap();
            prop_assert!(r == floor || r == ceil);
            // nearest: never further than half a step
            prop_assert!(r.sub(&x).unwrap().abs().mul(&Number::from_int(2)).unwrap() <= step);
        }
        // the two nearest modes differ only on an exact tie
        let up = x.round(places, RoundingMode::HalfUp).unwrap();
        let even = x.round(places, RoundingMode::HalfEven).unwrap();
        if up != even {
            let half = x.sub(&floor).unwrap().mul(&Number::from_int(2)).unwrap();
            prop_assert_eq!(half, step);
        }
    }

    #[test]
    fn overflow_is_an_error_not_a_panic(a in any::<i64>(), b in any::<i64>(), k in 1u32..8) {
        let mut x = Number::from_int(a);
        let y = Number::from_int(b);
        for _ in 0..k {
            match x.mul(&y) {
                Ok(v) => x = v,
                Err(_) => break,
            }
        }
        let _ = x.div(&Number::zero()).is_err();
    }

    #[test]
    fn any_text_parses_or_is_refused(s in ".{0,40}") {
        let _ = Number::parse(&s);
        let _ = Date::parse(&s);
    }
}

// ---------- dates ----------

proptest! {
    #![proptest_config(cases(256, "properties"))]

    #[test]
    fn adding_days_and_counting_them_agree(y in 1900i64..2100, m in 1u32..=12, d in 1u32..=28, n in -5000i64..5000) {
        let a = Date::from_ymd(y, m, d).unwrap();
        let b = a.add_days(n).unwrap();
        prop_assert_eq!(a.days_until(b), n);
        prop_assert_eq!(Date::parse(&b.to_string()).unwrap(), b);
        prop_assert_eq!(a.add_days(7).unwrap().weekday(), a.weekday());
    }

    #[test]
    fn adding_months_keeps_a_real_day(y in 1900i64..2100, m in 1u32..=12, d in 1u32..=31, n in -60i64..60) {
        prop_assume!(Date::from_ymd(y, m, d).is_ok());
        let a = Date::from_ymd(y, m, d).unwrap();
        let b = a.add_months(n).unwrap();
        prop_assert!(b.day() <= d);
        let months = (b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month());
        prop_assert_eq!(months, n);
    }
}

// ---------- expression parser ----------

const NAMES: &[&str] = &["a", "roster", "class", "x_1", "visits", "officers"];

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0i64..100_000).prop_map(|n| ExprKind::Number(Number::from_int(n))),
        (0i64..10_000, 1u32..4).prop_map(|(n, p)| ExprKind::Number(Number::ratio(n.into(), 10i128.pow(p)).unwrap())),
        "[a-z煤矿 ]{0,6}".prop_map(ExprKind::Text),
        any::<bool>().prop_map(ExprKind::Bool),
        (2000i64..2030, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| ExprKind::Date(Date::from_ymd(y, m, d).unwrap())),
        (prop::sample::select(NAMES), prop::option::of(prop::sample::select(NAMES)))
            .prop_map(|(a, b)| ExprKind::Path(std::iter::once(a).chain(b).map(String::from).collect())),
    ]
    .prop_map(|kind| Expr { kind, pos: 0 })
}

fn expr_tree() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        let e = |kind| Expr { kind, pos: 0 };
        let ops =
            prop::sample::select(vec![BinOp::Eq, BinOp::Ne, BinOp::Lt, BinOp::Le, BinOp::Gt, BinOp::Ge, BinOp::In]);
        // a chain holds operators of one precedence level
        let levels: Vec<Vec<BinOp>> =
            vec![vec![BinOp::Add, BinOp::Sub], vec![BinOp::Mul, BinOp::Div], vec![BinOp::And], vec![BinOp::Or]];
        let chain =
            (prop::sample::select(levels), inner.clone(), prop::collection::vec((0usize..2, inner.clone()), 1..4))
                .prop_map(move |(level, first, rest)| {
                    let rest = rest.into_iter().map(|(k, x)| (level[k % level.len()], x)).collect();
                    e(ExprKind::Chain(Box::new(first), rest))
                });
        prop_oneof![
            inner.clone().prop_map(move |a| e(ExprKind::Neg(Box::new(a)))),
            inner.clone().prop_map(move |a| e(ExprKind::Not(Box::new(a)))),
            chain,
            (ops, inner.clone(), inner.clone()).prop_map(move |(op, a, b)| e(ExprKind::Binary(
                op,
                Box::new(a),
                Box::new(b)
            ))),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(move |(c, a, b)| e(ExprKind::If(
                Box::new(c),
                Box::new(a),
                Box::new(b)
            ))),
            prop::collection::vec(inner.clone(), 0..3).prop_map(move |items| e(ExprKind::List(items))),
            (prop::collection::vec(inner.clone(), 0..3), prop::sample::select(vec!["min", "max", "rule_x"]))
                .prop_map(move |(args, name)| e(ExprKind::Call { name: vec![name.into()], args, named: vec![] })),
            (inner.clone(), prop::sample::select(NAMES)).prop_map(move |(a, n)| e(ExprKind::Call {
                name: vec!["pack".into(), "rule".into()],
                args: vec![],
                named: vec![(n.into(), a)]
            })),
            (inner.clone(), prop::sample::select(NAMES)).prop_map(move |(a, n)| {
                let call = e(ExprKind::Call { name: vec!["f".into()], args: vec![a], named: vec![] });
                e(ExprKind::Field(Box::new(call), n.into()))
            }),
            (
                prop::sample::select(vec![
                    AggKind::Sum,
                    AggKind::Count,
                    AggKind::Min,
                    AggKind::Max,
                    AggKind::Any,
                    AggKind::All,
                    AggKind::List,
                    AggKind::SortBy
                ]),
                inner.clone(),
                inner.clone(),
                prop::option::of(inner.clone())
            )
                .prop_map(move |(kind, body, list, filter)| e(ExprKind::Aggregate {
                    kind,
                    body: Some(Box::new(body)),
                    var: "r".into(),
                    list: Box::new(list),
                    filter: filter.map(Box::new),
                    init: None,
                })),
            (inner.clone(), prop::option::of(inner.clone())).prop_map(move |(list, filter)| e(ExprKind::Aggregate {
                kind: AggKind::Count,
                body: None,
                var: "r".into(),
                list: Box::new(list),
                filter: filter.map(Box::new),
                init: None,
            })),
            (prop::bool::ANY, inner.clone(), inner.clone(), inner.clone(), prop::option::of(inner.clone())).prop_map(
                move |(scan, start, body, list, filter)| e(ExprKind::Aggregate {
                    kind: if scan { AggKind::Scan } else { AggKind::Fold },
                    body: Some(Box::new(body)),
                    var: "r".into(),
                    list: Box::new(list),
                    filter: filter.map(Box::new),
                    init: Some(("acc".into(), Box::new(start))),
                })
            ),
            prop::collection::vec(inner, 1..3).prop_map(move |vals| e(ExprKind::Record(
                vals.into_iter().enumerate().map(|(i, v)| (format!("f{i}"), v)).collect()
            ))),
        ]
    })
}

proptest! {
    #![proptest_config(cases(512, "properties"))]

    #[test]
    fn printed_expressions_parse_back_to_the_same_tree(e in expr_tree()) {
        let printed = e.to_string();
        let back = syntax::parse(&printed);
        prop_assert!(back.is_ok(), "`{}` does not parse: {:?}", printed, back.err());
        prop_assert_eq!(back.unwrap(), e);
    }

    #[test]
    fn long_chains_print_flat_and_parse_back(n in 1usize..3000, ops in prop::collection::vec(0usize..4, 1..8)) {
        let symbols = ["+", "-", "*", "/"];
        let mut text = String::from("a");
        for i in 0..n {
            text.push_str(&format!(" {} x_{}", symbols[ops[i % ops.len()]], i % 7));
        }
        let e = syntax::parse(&text).unwrap();
        let printed = e.to_string();
        let back = syntax::parse(&printed);
        prop_assert!(back.is_ok(), "the printed chain of {} terms does not parse: {:?}", n + 1, back.err());
        prop_assert_eq!(back.unwrap(), e);
    }

    #[test]
    fn the_parser_never_panics(s in "\\PC{0,80}") {
        let _ = syntax::parse(&s);
    }

    #[test]
    fn the_parser_never_panics_on_expression_like_text(s in "[a-z0-9_ .,:=<>!+*/()\\[\\]{}\"'%×（）-]{0,60}") {
        if let Ok(e) = syntax::parse(&s) {
            // whatever parses prints to something that parses to the same tree
            prop_assert_eq!(syntax::parse(&e.to_string()).unwrap(), e);
        }
    }
}

// ---------- decision tables ----------

#[derive(Clone, Debug)]
struct RangeRow {
    lo: Option<(i64, bool)>,
    hi: Option<(i64, bool)>,
}

impl RangeRow {
    fn holds(&self, x: i64) -> bool {
        self.lo.is_none_or(|(b, inc)| if inc { x >= b } else { x > b })
            && self.hi.is_none_or(|(b, inc)| if inc { x <= b } else { x < b })
    }
    fn yaml(&self) -> String {
        let mut parts = Vec::new();
        if let Some((b, inc)) = self.lo {
            parts.push(format!("\"{}\": {b}", if inc { ">=" } else { ">" }));
        }
        if let Some((b, inc)) = self.hi {
            parts.push(format!("\"{}\": {b}", if inc { "<=" } else { "<" }));
        }
        if parts.is_empty() {
            "{}".into()
        } else {
            format!("{{x: {{{}}}}}", parts.join(", "))
        }
    }
}

fn range_row() -> impl Strategy<Value = RangeRow> {
    (prop::option::of((-20i64..20, any::<bool>())), prop::option::of((-20i64..20, any::<bool>())))
        .prop_map(|(lo, hi)| RangeRow { lo, hi })
}

fn table_pack(hit: &str, rows: &[RangeRow], number_input: bool) -> String {
    let mut s = format!(
        "format: 1\npack: t\nsource: {{document: d, title: t, issued_by: i, date: 2024-01-01}}\nvalid: {{from: 2024-01-01}}\nrules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: {}}}\n    outputs: {{row: integer}}\n    table:\n      hit: {hit}\n      rows:\n",
        if number_input { "number" } else { "integer" }
    );
    for (i, r) in rows.iter().enumerate() {
        s.push_str(&format!("        - {{when: {}, then: {{row: {}}}}}\n", r.yaml(), i + 1));
    }
    // row 0 stands for "no row matched": without a default the loader
    // would refuse a table that leaves values uncovered (tests/tables.rs
    // holds that check to account)
    s.push_str("      default: {row: 0}\n");
    s
}

fn load_text(text: &str) -> Result<Engine, ordinance_core::LoadError> {
    let dir =
        std::env::temp_dir().join(format!("ordinance-prop-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.yaml");
    std::fs::write(&path, text).unwrap();
    Engine::from_files(&[path])
}

fn row_of(e: &Engine, x: &str) -> Result<i64, String> {
    match e.evaluate("t.r", &serde_json::json!({ "x": x }), &opts()).map(|d| int(&d.outputs["row"])) {
        Ok(0) => Err("no row matches (the default applied)".into()),
        Ok(row) => Ok(row),
        Err(e) => Err(e.to_string()),
    }
}

proptest! {
    #![proptest_config(cases(128, "properties"))]

    /// The load-time overlap check is exact over the integers: a `unique`
    /// table loads if and only if no integer satisfies two rows, and then
    /// every input matches at most one row.
    #[test]
    fn unique_tables_never_match_twice(rows in prop::collection::vec(range_row(), 1..5)) {
        // bounds lie in -20..20, so any overlap shows within -30..30
        let overlapping = (-30..30).any(|x| rows.iter().filter(|r| r.holds(x)).count() > 1);
        match load_text(&table_pack("unique", &rows, false)) {
            Ok(engine) => {
                prop_assert!(!overlapping, "an overlapping unique table loaded: {:?}", rows);
                for x in -30..30 {
                    let want: Vec<usize> = rows.iter().enumerate().filter(|(_, r)| r.holds(x)).map(|(i, _)| i + 1).collect();
                    match row_of(&engine, &x.to_string()) {
                        Ok(row) => prop_assert_eq!(vec![row as usize], want),
                        Err(msg) => {
                            prop_assert!(want.is_empty(), "x = {}: {}", x, msg);
                            prop_assert!(msg.contains("no row"), "{}", msg);
                        }
                    }
                }
            }
            Err(e) => {
                let msg = e.to_string();
                let empty_row = rows.iter().any(|r| !(-30..30).any(|x| r.holds(x)));
                if msg.contains("never match") {
                    prop_assert!(empty_row, "a satisfiable row was refused: {:?}", rows);
                } else {
                    prop_assert!(msg.contains("overlap"), "unexpected load error: {}", msg);
                    prop_assert!(overlapping, "false overlap reported: {:?}", rows);
                }
            }
        }
    }

    /// Under `first`, the earliest row whose conditions hold wins.
    #[test]
    fn first_returns_the_earliest_match(rows in prop::collection::vec(range_row(), 1..6), x in -25i64..25) {
        let loaded = load_text(&table_pack("first", &rows, false));
        let empty_row = rows.iter().any(|r| !(-30..30).any(|x| r.holds(x)));
        prop_assert_eq!(loaded.is_err(), empty_row, "only rows that can never match are refused");
        let Ok(engine) = loaded else { return Ok(()) };
        let want = rows.iter().position(|r| r.holds(x)).map(|i| i as i64 + 1);
        match row_of(&engine, &x.to_string()) {
            Ok(row) => prop_assert_eq!(Some(row), want),
            Err(_) => prop_assert_eq!(want, None),
        }
    }

    /// A bound includes its number exactly when it is written inclusive
    /// (以上/以下/不少于 → `>=`/`<=`) and excludes it otherwise (超过/不满 → `>`/`<`),
    /// also for exact fractions just either side of it.
    #[test]
    fn bounds_are_inclusive_or_exclusive_as_written(b in -1000i64..1000, inclusive in any::<bool>(), lower in any::<bool>()) {
        let row = if lower { RangeRow { lo: Some((b, inclusive)), hi: None } } else { RangeRow { lo: None, hi: Some((b, inclusive)) } };
        let engine = load_text(&table_pack("first", &[row], true)).unwrap();
        let at = row_of(&engine, &b.to_string()).is_ok();
        prop_assert_eq!(at, inclusive);
        let just_above = row_of(&engine, &format!("{}", Number::from_int(b).add(&Number::ratio(1, 1000).unwrap()).unwrap())).is_ok();
        let just_below = row_of(&engine, &format!("{}", Number::from_int(b).sub(&Number::ratio(1, 1000).unwrap()).unwrap())).is_ok();
        prop_assert_eq!(just_above, lower);
        prop_assert_eq!(just_below, !lower);
    }
}

// ---------- energy safety: aggregates and thresholds ----------

const SECTORS: &[&str] = &["coal_mine", "coal_business", "power", "oil_gas_pipeline", "new_energy"];
const CLASSES: &[&str] = &["A", "B", "C", "D"];

fn roster() -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::vec((0..SECTORS.len(), 0..CLASSES.len()), 0..40)
}

fn roster_json(r: &[(usize, usize)]) -> serde_json::Value {
    serde_json::Value::Array(
        r.iter()
            .enumerate()
            .map(|(i, (s, c))| serde_json::json!({"name": format!("企业{i}"), "sector": SECTORS[*s], "class": CLASSES[*c]}))
            .collect(),
    )
}

fn visits(class: &str) -> i64 {
    let d = eval("inspection_frequency", &serde_json::json!({"class": class}));
    int(&d["visits_per_year"])
}

proptest! {
    #![proptest_config(cases(64, "properties"))]

    #[test]
    fn planned_totals_equal_the_sum_of_their_parts(r in roster()) {
        let d = eval("planned_inspections", &serde_json::json!({"roster": roster_json(&r)}));
        let total = int(&d["total"]);
        let by_sector: i64 = SECTORS.iter().map(|s| int(d["by_sector"].field(s).unwrap())).sum();
        let by_class: i64 = CLASSES.iter().map(|c| int(d["by_class"].field(c).unwrap())).sum();
        let direct: i64 = r.iter().map(|(_, c)| visits(CLASSES[*c])).sum();
        prop_assert_eq!(total, by_sector);
        prop_assert_eq!(total, by_class);
        prop_assert_eq!(total, direct);
        prop_assert_eq!(int(d["enterprises_by_class"].field("total").unwrap()), r.len() as i64);
    }

    #[test]
    fn adding_an_enterprise_adds_its_visits(r in roster(), s in 0..SECTORS.len(), c in 0..CLASSES.len()) {
        let before = eval("planned_inspections", &serde_json::json!({"roster": roster_json(&r)}));
        let mut more = r.clone();
        more.push((s, c));
        let after = eval("planned_inspections", &serde_json::json!({"roster": roster_json(&more)}));
        prop_assert_eq!(int(&after["total"]) - int(&before["total"]), visits(CLASSES[c]));
    }

    /// 不少于 3 人: 3 is enough, 2 is not.
    #[test]
    fn inspection_team_threshold(n in 0i64..20) {
        let d = eval("inspection_team_valid", &serde_json::json!({"inspectors": n}));
        prop_assert_eq!(d["valid"].clone(), Value::Bool(n >= 3));
        prop_assert_eq!(int(&d["shortfall"]), (3 - n).max(0));
    }

    /// 不少于 6 家次 per quarter.
    #[test]
    fn double_random_threshold(n in 0i64..20) {
        let d = eval("double_random_compliant", &serde_json::json!({"spot_checks_in_quarter": n}));
        prop_assert_eq!(d["compliant"].clone(), Value::Bool(n >= 6));
    }

    /// The statutory total is the product of its factors, and the budget's
    /// balance is what is left of it.
    #[test]
    fn statutory_workdays_are_their_product(days in 365i64..=366, weekend in 100i64..=106, holidays in 0i64..=20, officers in 1i64..=100) {
        let d = eval("statutory_workdays", &serde_json::json!({"days_in_year": days, "weekend_days": weekend, "holidays": holidays, "officers": officers}));
        prop_assert_eq!(int(&d["total"]), (days - weekend - holidays) * officers);
    }

    /// More officers never mean fewer non-enforcement days, and the lines add up.
    #[test]
    fn non_enforcement_lines_add_up(officers in 0i64..200) {
        let d = eval("non_enforcement_workdays", &serde_json::json!({"officers": officers}));
        let parts: i64 = ["duty", "study", "sick_personal_leave", "annual_marriage_leave", "party_activities", "other"]
            .iter().map(|k| int(&d[*k])).sum();
        prop_assert_eq!(int(&d["total"]), parts);
    }

    /// The calendar rule counts weekends from the calendar itself.
    #[test]
    fn year_calendar_counts_days(year in 1990i64..2060) {
        let d = eval("year_calendar", &serde_json::json!({"year": year}));
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        prop_assert_eq!(int(&d["days_in_year"]), if leap { 366 } else { 365 });
        let w = int(&d["weekend_days"]);
        prop_assert!((104..=106).contains(&w));
    }
}

#[test]
fn every_month_has_exactly_one_theme() {
    for m in 1..=12 {
        let d = eval("monthly_theme", &serde_json::json!({"month": m}));
        assert!(!d["theme"].to_string().is_empty(), "month {m}");
    }
    // the five 专项 months of the schedule are the text's five special inspections
    let specials = (1..=12)
        .filter(|m| eval("monthly_theme", &serde_json::json!({"month": m}))["special"] == Value::Bool(true))
        .count();
    assert_eq!(specials, 5);
}

// ---------- values and the loader ----------

proptest! {
    #![proptest_config(cases(256, "properties"))]

    #[test]
    fn values_survive_json(x in ratio(), flag in any::<bool>(), s in "\\PC{0,12}", y in 1900i64..2100, m in 1u32..=12, d in 1u32..=28) {
        let date = Date::from_ymd(y, m, d).unwrap();
        let v = Value::List(std::sync::Arc::new(vec![Value::Number(x.clone())]));
        prop_assert_eq!(from_json(&v.to_json(), &Type::List(Box::new(Type::Number)), "v").unwrap(), v);
        prop_assert_eq!(from_json(&Value::Bool(flag).to_json(), &Type::Bool, "v").unwrap(), Value::Bool(flag));
        prop_assert_eq!(from_json(&Value::text(&s).to_json(), &Type::Text, "v").unwrap(), Value::text(&s));
        prop_assert_eq!(from_json(&Value::Date(date).to_json(), &Type::Date, "v").unwrap(), Value::Date(date));
        // non-integers travel as exact strings, integers as JSON integers
        match x.to_json_kind() {
            true => prop_assert!(Value::Number(x.clone()).to_json().is_i64()),
            false => prop_assert!(Value::Number(x.clone()).to_json().is_string()),
        }
    }

    #[test]
    fn the_loader_never_panics_on_any_text(text in "\\PC{0,200}") {
        let _ = load(&[SourceFile { path: PathBuf::from("fuzz.yaml"), text }]);
    }

    #[test]
    fn the_loader_never_panics_on_a_damaged_pack(cut in 0usize..20_000, len in 0usize..40, insert in "[:{}\\[\\]\\-# a-z0-9\"']{0,6}") {
        let text = std::fs::read_to_string(pack_path("energy_safety")).unwrap();
        let chars: Vec<char> = text.chars().collect();
        let at = cut % chars.len();
        let end = (at + len).min(chars.len());
        let damaged: String = chars[..at].iter().chain(insert.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect();
        let path = pack_path("energy_safety");
        let result = load(&[SourceFile { path, text: damaged }]);
        if let Err(e) = result {
            for d in &e.diagnostics {
                prop_assert!(!d.message.is_empty());
                prop_assert!(!d.message.contains('\n'), "one-line messages: {}", d.message);
            }
        }
    }
}

trait JsonKind {
    fn to_json_kind(&self) -> bool;
}

impl JsonKind for Number {
    fn to_json_kind(&self) -> bool {
        self.to_i64().is_some()
    }
}

// ---------- energy safety: checklists and deadlines ----------

proptest! {
    #![proptest_config(cases(64, "properties"))]

    /// 五落实: complete exactly when all five elements are present, and the
    /// missing ones are listed.
    #[test]
    fn five_implementations_need_all_five(flags in prop::array::uniform5(any::<bool>())) {
        let names = ["responsibility", "measures", "funds", "deadline", "contingency_plan"];
        let input: serde_json::Map<String, serde_json::Value> =
            names.iter().zip(flags).map(|(n, f)| (n.to_string(), serde_json::Value::Bool(f))).collect();
        let out = eval("hazard_rectification_complete", &serde_json::Value::Object(input));
        prop_assert_eq!(out["complete"].clone(), Value::Bool(flags.iter().all(|f| *f)));
        let Value::List(missing) = &out["missing"] else { panic!() };
        prop_assert_eq!(missing.len(), flags.iter().filter(|f| !**f).count());
    }

    /// A rescheduled visit needs the brigade head's signature; a campaign may
    /// never replace the month's check.
    #[test]
    fn plan_adjustments(rescheduled in any::<bool>(), signed in any::<bool>(), replaces in any::<bool>()) {
        let out = eval("plan_adjustment_valid", &serde_json::json!({
            "rescheduled": rescheduled, "brigade_head_signed": signed, "campaign_replaces_monthly_check": replaces
        }));
        prop_assert_eq!(out["valid"].clone(), Value::Bool((!rescheduled || signed) && !replaces));
    }

    /// 每年进行一次校验: overdue from the day after the first anniversary.
    #[test]
    fn alarm_calibration_is_due_after_one_year(days_later in 300i64..430, y in 2022i64..2024, m in 1u32..=12, d in 1u32..=28) {
        let last = Date::from_ymd(y, m, d).unwrap();
        let on = last.add_days(days_later).unwrap();
        let valid = Date::parse("2024-01-01").unwrap()..=Date::parse("2024-12-31").unwrap();
        prop_assume!(valid.contains(&on));
        let d = pack_engine("energy_safety").evaluate(
            "energy_safety.alarm_calibration_due",
            &serde_json::json!({"last_calibrated": last.to_string()}),
            &common::as_of(on),
        ).unwrap();
        let anniversary = last.add_years(1).unwrap();
        prop_assert_eq!(d.outputs["overdue"].clone(), Value::Bool(on > anniversary));
    }
}

// ---------- a pack with a mutated value ----------

proptest! {
    #![proptest_config(cases(12, "properties"))]

    /// Changing class A's visits per quarter in the YAML changes every plan
    /// by exactly the difference for each class-A enterprise, and nothing else.
    #[test]
    fn a_mutated_value_changes_what_it_should(r in roster(), per_quarter in prop::sample::select(vec![0i64, 2, 3, 5, 8])) {
        let original = std::fs::read_to_string(pack_path("energy_safety")).unwrap();
        let mutated = original.replacen(
            "then: {mode: general, visits_per_period: 1, period: quarter, periods_per_year: 4}",
            &format!("then: {{mode: general, visits_per_period: {per_quarter}, period: quarter, periods_per_year: 4}}"),
            1,
        );
        prop_assert!(mutated != original, "the edit applies");
        let dir = std::env::temp_dir().join(format!("ordinance-mutant-{}-{per_quarter}", std::process::id()));
        std::fs::create_dir_all(dir.join("sources")).unwrap();
        std::fs::copy(common::root().join("rules/sources/dongsheng_2024q1.txt"), dir.join("sources/dongsheng_2024q1.txt")).unwrap();
        std::fs::write(dir.join("energy_safety.yaml"), mutated).unwrap();
        std::fs::copy(common::root().join("rules/cn_workdays_2024.yaml"), dir.join("cn_workdays_2024.yaml")).unwrap();
        let mutant = Engine::load_dir(&dir).unwrap();
        let input = serde_json::json!({"roster": roster_json(&r)});
        let before = pack_engine("energy_safety").evaluate("energy_safety.planned_inspections", &input, &opts()).unwrap();
        let after = mutant.evaluate("energy_safety.planned_inspections", &input, &opts()).unwrap();
        let class_a = r.iter().filter(|(_, c)| CLASSES[*c] == "A").count() as i64;
        prop_assert_eq!(int(&after.outputs["total"]) - int(&before.outputs["total"]), class_a * 4 * (per_quarter - 1));
        prop_assert_eq!(&after.outputs["by_class"].field("D"), &before.outputs["by_class"].field("D"));
    }
}

// ---------- numbers: the small and big forms are one arithmetic ----------

/// Machine-word edges and ordinary values, so that results cross from the
/// small form into the big one and back.
fn edge_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::MAX - 1),
        Just(i64::MIN + 1),
        Just(0i64),
        Just(1i64),
        Just(-1i64),
        (-1_000i64..1_000),
        any::<i64>(),
    ]
}

fn number_from(n: i64, d: i64) -> Number {
    Number::ratio(i128::from(n), i128::from(d)).unwrap()
}

fn big_of(x: &Number) -> num_rational::BigRational {
    num_rational::BigRational::new(x.numer(), x.denom())
}

proptest! {
    #![proptest_config(cases(1024, "properties"))]

    #[test]
    fn exact_arithmetic_agrees_with_big_rationals(
        an in edge_i64(), ad in edge_i64().prop_filter("non-zero", |d| *d != 0),
        bn in edge_i64(), bd in edge_i64().prop_filter("non-zero", |d| *d != 0),
        k in 0u32..6,
    ) {
        let (a, b) = (number_from(an, ad), number_from(bn, bd));
        let (ba, bb) = (big_of(&a), big_of(&b));
        prop_assert_eq!(big_of(&a.add(&b).unwrap()), &ba + &bb);
        prop_assert_eq!(big_of(&a.sub(&b).unwrap()), &ba - &bb);
        prop_assert_eq!(big_of(&a.mul(&b).unwrap()), &ba * &bb);
        if !b.is_zero() {
            prop_assert_eq!(big_of(&a.div(&b).unwrap()), &ba / &bb);
        }
        prop_assert_eq!(a.cmp(&b), ba.cmp(&bb));
        prop_assert_eq!(a == b, ba == bb);
        // a power, then back: (a^k)·(a^-k) = 1 for a ≠ 0
        let p = a.pow(i64::from(k), |_| Ok(())).unwrap();
        prop_assert_eq!(big_of(&p), num_traits::pow(ba.clone(), k as usize));
        if !a.is_zero() {
            let inv = a.pow(-i64::from(k), |_| Ok(())).unwrap();
            prop_assert_eq!(p.mul(&inv).unwrap(), Number::one());
        }
        // the printed form parses back to the same value, in either form
        let sum = a.add(&b).unwrap();
        prop_assert_eq!(Number::parse(&sum.to_string()).unwrap(), sum.clone());
        // a value equal to one in the small form is held in it
        let back = sum.sub(&b).unwrap();
        prop_assert_eq!(&back, &a);
        prop_assert_eq!(back.small_parts().is_some(), a.small_parts().is_some());
    }
}
