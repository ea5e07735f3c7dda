//! The load checks that must stay exact as they were made fast: a
//! `unique` table of integer ranges is refused for an overlap exactly when
//! two of its rows share an integer (decided here pair by pair), and a
//! calendar's runs, merged before they are expanded, give the working days
//! a day-by-day reading of the runs gives.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ordinance_core::loader::{load, SourceFile};
use ordinance_core::{Date, Engine};

#[derive(Arbitrary, Debug)]
struct Row {
    lo: Option<(i8, bool)>,
    hi: Option<(i8, bool)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    rows: Vec<Row>,
    /// holiday runs: (first day, length), days after 2024-01-01
    runs: Vec<(u16, u8)>,
    probes: Vec<u16>,
}

fn bounds(r: &Row) -> (i64, i64) {
    let lo = r.lo.map_or(-1000, |(v, incl)| i64::from(v) + i64::from(!incl));
    let hi = r.hi.map_or(1000, |(v, incl)| i64::from(v) - i64::from(!incl));
    (lo, hi)
}

fn table_pack(rows: &[Row]) -> String {
    let mut t = String::from(
        "format: 1\npack: f\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01}\nvalid: {from: 2024-01-01}\nrules:\n  r:\n    title: r\n    cite: {clause: \"1\", quote: q}\n    inputs: {x: integer}\n    outputs: {y: integer}\n    table:\n      hit: unique\n      default: {y: 0}\n      rows:\n",
    );
    for (k, r) in rows.iter().enumerate() {
        let mut conds = Vec::new();
        if let Some((v, incl)) = r.lo {
            conds.push(format!("\"{}\": {v}", if incl { ">=" } else { ">" }));
        }
        if let Some((v, incl)) = r.hi {
            conds.push(format!("\"{}\": {v}", if incl { "<=" } else { "<" }));
        }
        if conds.is_empty() {
            t.push_str(&format!("        - {{then: {{y: {k}}}}}\n"));
        } else {
            t.push_str(&format!("        - {{when: {{x: {{{}}}}}, then: {{y: {k}}}}}\n", conds.join(", ")));
        }
    }
    t
}

fn calendar_pack(runs: &[(u16, u8)], first: Date) -> String {
    let mut t = String::from(
        "format: 1\npack: cal\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01}\nvalid: {from: 2024-01-01, until: 2026-12-31}\ncalendar:\n  covers: {from: 2024-01-01, until: 2026-12-31}\n  cite: {clause: \"1\", quote: q}\n  holidays:\n",
    );
    if runs.is_empty() {
        t.push_str("    []\n");
    }
    for (a, n) in runs {
        let a = first.add_days(i64::from(*a % 1000)).expect("inside");
        let z = a.add_days(i64::from(*n % 60)).expect("inside");
        t.push_str(&format!("    - {a}..{z}\n"));
    }
    t.push_str("  workdays: []\nrules:\n  w:\n    title: w\n    cite: {clause: \"1\", quote: q}\n    inputs: {d: date}\n    formula:\n      y: is_workday(d)\n");
    t
}

fuzz_target!(|input: Input| {
    let rows: Vec<&Row> = input.rows.iter().take(64).collect();
    let owned: Vec<Row> = rows.iter().map(|r| Row { lo: r.lo, hi: r.hi }).collect();
    let text = table_pack(&owned);
    let result = load(&[SourceFile { path: "f.yaml".into(), text }]);
    let spans: Vec<(i64, i64)> = owned.iter().map(bounds).collect();
    let empty = spans.iter().any(|(lo, hi)| lo > hi);
    let overlap = spans.iter().enumerate().any(|(j, (l2, h2))| {
        spans.iter().take(j).any(|(l1, h1)| l1.max(l2) <= h1.min(h2) && l1 <= h1 && l2 <= h2)
    });
    match &result {
        Ok(_) => assert!(!overlap && !empty, "a table with overlapping rows loaded: {spans:?}"),
        Err(e) => {
            let said_overlap = e.diagnostics.iter().any(|d| d.message.contains("overlap"));
            if !empty {
                assert_eq!(said_overlap, overlap, "overlap verdict differs for {spans:?}: {e}");
            }
        }
    }

    let first = Date::parse("2024-01-01").expect("a date");
    let runs: Vec<(u16, u8)> = input.runs.iter().take(200).copied().collect();
    let dir = std::env::temp_dir().join(format!("ordinance-fuzz-cal-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("cal.yaml"), calendar_pack(&runs, first));
    let engine = Engine::load_dir(&dir).expect("a calendar of runs inside its period loads");
    for p in input.probes.iter().take(16) {
        let day = first.add_days(i64::from(*p % 1096)).expect("inside");
        let holiday = runs.iter().any(|(a, n)| {
            let a = i64::from(*a % 1000);
            let z = a + i64::from(*n % 60);
            let k = first.days_until(day);
            (a..=z).contains(&k)
        });
        let expected = day.weekday() <= 5 && !holiday;
        let opts = ordinance_core::EvalOptions { as_of: Some(day), ..Default::default() };
        let d = engine
            .evaluate("cal.w", &serde_json::json!({"d": day.to_string()}), &opts)
            .expect("is_workday answers inside the period");
        assert_eq!(d.outputs.get("y").map(|v| v.to_string()), Some(expected.to_string()), "{day}");
    }
});
