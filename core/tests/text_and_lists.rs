//! Text and list functions: what each gives, the errors it reports (at load
//! for wrong types, at evaluation for bad positions), and properties —
//! formatting a number parses back to the number rounded; sorting,
//! reversing and de-duplicating keep the elements; sublists and substrings
//! put back together give the whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use ordinance_core::loader::{load, SourceFile};
use ordinance_core::ruleset::Ruleset;
use ordinance_core::{Date, EvalOptions, Number, RoundingMode, Value};
use proptest::prelude::*;

const HEADER: &str = "format: 1\npack: t\nsource: {document: D1, title: t, issued_by: i, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  r:\n    cite: {clause: c, quote: q}\n    inputs: {s: text, xs: {list: number}, n: number, k: integer}\n    formula:\n";

fn pack(formula: &str) -> Result<Ruleset, String> {
    let text = format!("{HEADER}      y: '{formula}'\n");
    load(&[SourceFile { path: "t.yaml".into(), text }]).map_err(|e| e.to_string())
}

fn eval(formula: &str, input: serde_json::Value) -> Result<Value, String> {
    let rs = pack(formula)?;
    let mut full = serde_json::json!({"s": "东胜区人民政府", "xs": [3, "1/2", 3, -2], "n": "1080.1", "k": 2});
    for (key, v) in input.as_object().unwrap() {
        full[key] = v.clone();
    }
    let opts = EvalOptions { as_of: Some(Date::from_ymd(2024, 6, 1).unwrap()), ..EvalOptions::default() };
    ordinance_core::engine::evaluate_in(&rs, "t.r", &full, &opts)
        .map(|d| d.outputs["y"].clone())
        .map_err(|e| e.to_string())
}

fn shows(formula: &str) -> String {
    match eval(formula, serde_json::json!({})) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn text_functions() {
    assert_eq!(shows("concat_text(s, \"：\", text_of(n), \"元\")"), "东胜区人民政府：1080.1元");
    assert_eq!(shows("format_number(n, 2, \",\")"), "1,080.10");
    assert_eq!(shows("format_number(-1234567.005, 2, \",\")"), "-1,234,567.01");
    assert_eq!(shows("format_number(2/3, 0, \"\")"), "1");
    assert_eq!(shows("format_number(0.004, 2, \",\")"), "0.00");
    assert_eq!(shows("text_of(1/3)"), "1/3");
    assert_eq!(shows("text_of(date(2024, 3, 26))"), "2024-03-26");
    assert_eq!(shows("substring(s, 3, 2)"), "区人");
    assert_eq!(shows("substring(s, 6, 10)"), "政府");
    assert_eq!(shows("substring(s, 20, 1)"), "");
    assert_eq!(shows("upper(\"ab-c\")"), "AB-C");
    assert_eq!(shows("lower(\"AB\")"), "ab");
    assert_eq!(shows("starts_with(s, \"东胜\")"), "true");
    assert_eq!(shows("ends_with(s, \"东胜\")"), "false");
    assert_eq!(shows("replace(\"北骄热电、北骄煤业\", \"北骄\", \"北郊\")"), "北郊热电、北郊煤业");
    assert_eq!(shows("split(\"一通三防,顶板,机电\", \",\")"), "[一通三防, 顶板, 机电]");
    assert_eq!(shows("join(split(\"a,b,c\", \",\"), \"、\")"), "a、b、c");
    assert_eq!(shows("format_date(date(2024, 3, 26), \"{year}年{month}月{day}日\")"), "2024年3月26日");
    assert_eq!(shows("format_date(date(2024, 3, 31), \"{month:2}/{day:2} 星期{weekday_zh}\")"), "03/31 星期日");
    assert_eq!(shows("format_date(datetime(date(2024, 5, 1), 9, 5), \"{day}日{hour}时{minute:2}分\")"), "1日9时05分");
    assert_eq!(shows("format_date(time(23, 30), \"{hour}:{minute:2}:{second:2}\")"), "23:30:00");
    assert_eq!(shows("format_date(date(2024, 3, 26), \"{{{weekday}}}\")"), "{2}");
    // a pattern computed at evaluation is checked when it is used
    let e = eval("format_date(date(2024, 3, 26), s)", serde_json::json!({"s": "{hour}时"})).unwrap_err();
    assert!(e.contains("`{hour}` needs a time of day, and a date has none") && e.contains("t.yaml:10:"), "{e}");
    let e = eval("format_date(time(9, 0), s)", serde_json::json!({"s": "{yaer}"})).unwrap_err();
    assert!(e.contains("is not a part of a date"), "{e}");
    assert!(shows("substring(s, 0, 2)").contains("`substring` starts at 1 or later"));
    // a built-in function's failure says where it was called
    assert!(shows("substring(s, 0, 2)").ends_with("at t.yaml:10:11"), "{}", shows("substring(s, 0, 2)"));
    assert!(shows("min(sublist(xs, 9, 1))").contains("has no value at t.yaml:10:11"));
    assert!(shows("replace(s, \"\", \"x\")").contains("non-empty"));
    assert!(shows("split(s, \"\")").contains("non-empty separator"));
}

#[test]
fn list_functions() {
    assert_eq!(shows("sort(xs)"), "[-2, 0.5, 3, 3]");
    assert_eq!(shows("reverse(xs)"), "[-2, 3, 0.5, 3]");
    assert_eq!(shows("distinct(xs)"), "[3, 0.5, -2]");
    assert_eq!(shows("index_of(xs, 3)"), "1");
    assert_eq!(shows("index_of(xs, 7)"), "0");
    assert_eq!(shows("sublist(xs, 2, k)"), "[0.5, 3]");
    assert_eq!(shows("sublist(xs, 4, 10)"), "[-2]");
    assert_eq!(shows("flatten([xs, [1], []])"), "[3, 0.5, 3, -2, 1]");
    assert_eq!(shows("sort(split(\"b,c,a\", \",\"))"), "[a, b, c]");
    assert!(shows("sublist(xs, 1, -1)").contains("`sublist` starts at 1 or later"));
}

#[test]
fn wrong_types_are_load_errors() {
    for (formula, words) in [
        ("upper(n)", "`upper` needs text here, found number"),
        ("join(xs, \",\")", "`join` needs a list of text here"),
        ("flatten(xs)", "`flatten` needs a list of lists"),
        ("format_number(s, 2, \",\")", "`format_number` needs a number here"),
        ("index_of(xs, s)", "`index_of` looks for text in a list of number"),
        ("substring(s, n, 2)", "`substring` needs an integer here"),
        ("format_date(n, \"{year}\")", "`format_date` writes a date, a date and time or a time of day, not number"),
        ("format_date(date(2024, 3, 26), k)", "`format_date` needs text here, found integer"),
        // a literal pattern is read at load, and its error points at it
        (
            "format_date(date(2024, 3, 26), \"{yaer}年\")",
            "10:42: error: `format_date`: `{yaer}` is not a part of a date",
        ),
        ("format_date(date(2024, 3, 26), \"{hour}时\")", "10:42: error: `format_date`: `{hour}` needs a time of day"),
        ("format_date(time(9, 0), \"{day}日\")", "`{day}` needs a date, and a time of day has none"),
        ("format_date(date(2024, 3, 26), \"{month:10}\")", "the width after `:` is a digit 1–9"),
        ("format_date(date(2024, 3, 26), \"{year\")", "`{year` is not closed"),
    ] {
        let e = pack(formula).map(|_| ()).unwrap_err();
        assert!(e.contains(words) && e.starts_with("t.yaml:10:"), "{formula}: {e}");
    }
}

fn number() -> impl Strategy<Value = Number> {
    (-10_000_000i64..10_000_000, 1i64..2000).prop_map(|(n, d)| Number::ratio(i128::from(n), i128::from(d)).unwrap())
}

proptest! {
    #![proptest_config(common::cases(128, "text_and_lists"))]

    /// A formatted number, its separators removed, reads back as the number
    /// rounded half up to the places asked, with exactly that many places.
    #[test]
    fn formatting_parses_back(x in number(), places in 0u32..6) {
        let out = x.format_fixed(places, ",").unwrap();
        let plain = out.replace(',', "");
        prop_assert_eq!(Number::parse(&plain).unwrap(), x.round(i64::from(places), RoundingMode::HalfUp).unwrap());
        let frac = plain.split_once('.').map_or(0, |(_, f)| f.len());
        prop_assert_eq!(frac, places as usize);
        // groups of three between the separators
        let whole = out.trim_start_matches('-').split('.').next().unwrap().to_string();
        for (i, g) in whole.split(',').enumerate() {
            prop_assert!(if i == 0 { (1..=3).contains(&g.len()) } else { g.len() == 3 }, "{}", out);
        }
    }

    /// Sorting and reversing keep every element; sorting is ordered;
    /// distinct keeps one of each; a sublist and the rest make the list.
    #[test]
    fn list_laws(xs in proptest::collection::vec(-20i64..20, 0..12), start in 1i64..14, len in 0i64..14) {
        let input = serde_json::json!({"xs": xs});
        let get = |f: &str| eval(f, input.clone()).unwrap();
        let Value::List(sorted) = get("sort(xs)") else { panic!() };
        let mut want = xs.clone();
        want.sort();
        prop_assert_eq!(sorted.iter().map(common::int).collect::<Vec<_>>(), want);
        prop_assert_eq!(get("reverse(reverse(xs))"), get("xs"));
        let mut uniq = xs.clone();
        uniq.sort();
        uniq.dedup();
        prop_assert_eq!(common::int(&get("count(distinct(xs))")), uniq.len() as i64);
        let f = format!("concat(sublist(xs, 1, {}), sublist(xs, {start}, {len}), sublist(xs, {}, 100))", start - 1, start + len);
        prop_assert_eq!(get(&f), get("xs"));
    }

    /// A date written with `format_date` says what `text_of`, `year`,
    /// `month`, `day` and `weekday` say of it, and a date and time's hour and
    /// minute are its time of day's.
    #[test]
    fn dates_formatted_agree_with_their_parts(days in -700_000i64..2_900_000, h in 0i64..24, m in 0i64..60) {
        let d = Date::from_epoch_days(days).unwrap();
        let lit = format!("date({}, {}, {})", d.year(), d.month(), d.day());
        let get = |f: &str| eval(&f.replace('D', &lit), serde_json::json!({})).unwrap().to_string();
        prop_assert_eq!(get("format_date(D, \"{year:4}-{month:2}-{day:2}\")"), d.to_string());
        prop_assert_eq!(
            get("format_date(D, \"{year}年{month}月{day}日，{weekday}\")"),
            format!("{}年{}月{}日，{}", d.year(), d.month(), d.day(), d.weekday())
        );
        let zh = get("format_date(D, \"{weekday_zh}\")");
        prop_assert_eq!(zh.chars().count(), 1);
        prop_assert_eq!("一二三四五六日".chars().position(|c| zh.starts_with(c)), Some(d.weekday() as usize - 1));
        prop_assert_eq!(
            get(&format!("format_date(datetime(D, {h}, {m}), \"{{hour:2}}:{{minute:2}}\") == text_of(time({h}, {m}))")),
            "true"
        );
    }

    /// A substring and the text either side of it make the text.
    #[test]
    fn substrings_put_back_together(s in "[a-z东胜区]{0,12}", start in 1i64..14, len in 0i64..14) {
        let input = serde_json::json!({"s": s});
        let f = format!("concat_text(substring(s, 1, {}), substring(s, {start}, {len}), substring(s, {}, 100))", start - 1, start + len);
        prop_assert_eq!(eval(&f, input).unwrap(), Value::text(&s));
    }
}
