//! Speed and memory of the engine, measured (never asserted in tests), each
//! case beside a hand-written Rust function doing the same work on inputs
//! already parsed — the floor — and the ratio of the two. Run with
//! `cargo bench -p ordinance-core --bench evaluate` (release build); pass
//! `--quick` for a short run. Memory is the growth of the process's peak
//! resident set during one evaluation. `docs/performance.md` records what
//! was measured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ordinance_core::{Date, Engine, EvalOptions, Value};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// Nanoseconds per item of `f`, run for about `budget`.
fn time_per_item<F: FnMut()>(items: u64, budget: Duration, mut f: F) -> f64 {
    f();
    let start = Instant::now();
    let mut iters = 0u64;
    while start.elapsed() < budget || iters < 3 {
        f();
        iters += 1;
    }
    start.elapsed().as_nanos() as f64 / (iters * items.max(1)) as f64
}

fn report(name: &str, engine_ns: f64, floor_ns: Option<f64>) {
    match floor_ns {
        Some(floor) => {
            println!("{name:<58} {engine_ns:>11.1} ns  floor {floor:>8.1} ns  ×{:>7.1}", engine_ns / floor.max(0.01))
        }
        None => println!("{name:<58} {engine_ns:>11.1} ns"),
    }
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Growth of the process's peak resident set while `f` runs, in MiB: run
/// first thing, while the peak is what the process holds.
fn extra_peak_mib(f: impl FnOnce()) -> f64 {
    let before = status_kib("VmHWM:").max(status_kib("VmRSS:"));
    f();
    status_kib("VmHWM:").saturating_sub(before) as f64 / 1024.0
}

/// Growth of the peak resident set while `f` runs, in MiB, with the peak
/// reset first (`/proc/self/clear_refs`, Linux), so it can run at any point.
fn peak_growth_mib(f: impl FnOnce()) -> f64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmRSS:");
    f();
    status_kib("VmHWM:").saturating_sub(before) as f64 / 1024.0
}

// ---- the floors: the same work by hand on parsed inputs ----

#[derive(Clone, Copy)]
enum Class {
    A,
    B,
    C,
    D,
}

/// inspection_frequency by hand: mode and visits per year of a class.
fn frequency_floor(c: Class) -> (&'static str, i64) {
    match c {
        Class::A => ("general", 4),
        Class::B | Class::C => ("key", 8),
        Class::D => ("patrol", 12),
    }
}

/// planned_inspections by hand: one pass, totals by sector and class, the
/// sector × class table and visits per sector.
fn planned_floor(roster: &[(usize, Class)]) -> (i64, [i64; 5], [i64; 4], [[i64; 4]; 5]) {
    let (mut total, mut by_sector, mut by_class, mut table) = (0i64, [0i64; 5], [0i64; 4], [[0i64; 4]; 5]);
    for &(sector, class) in roster {
        let v = frequency_floor(class).1;
        let c = class as usize;
        total += v;
        by_sector[sector] += v;
        by_class[c] += v;
        table[sector][c] += 1;
    }
    (total, by_sector, by_class, table)
}

const SECTORS: [&str; 5] = ["coal_mine", "coal_business", "power", "oil_gas_pipeline", "new_energy"];
const CLASSES: [&str; 4] = ["A", "B", "C", "D"];
const ALL: [Class; 4] = [Class::A, Class::B, Class::C, Class::D];

fn roster_json(n: usize) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({"name": format!("企业{i}"), "sector": SECTORS[i % 5], "class": CLASSES[i % 4]}))
        .collect();
    serde_json::json!({ "roster": rows })
}

const BENCH_PACK: &str = "format: 1
pack: bench
source: {document: B1, title: bench, issued_by: bench, date: 2024-01-01}
valid: {from: 2024-01-01, until: 2024-12-31}
rules:
  workdays:
    cite: {clause: c, quote: q}
    inputs: {enterprises: integer, visits: integer, inspectors: integer}
    formula:
      days: enterprises * visits * inspectors
  annuity:
    cite: {clause: c, quote: q}
    inputs: {principal: number, annual_rate: number, months: integer}
    formula:
      r: annual_rate / 12
      growth: pow(1 + r, months)
      payment: round_half_up(principal * r * growth / (growth - 1), 2)
";

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = if quick { Duration::from_millis(300) } else { Duration::from_secs(2) };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let rules = root.join("rules");
    let opts = EvalOptions { as_of: Some(Date::parse("2024-06-30").unwrap()), ..EvalOptions::default() };
    let traced = EvalOptions { trace: true, ..opts.clone() };

    println!("{:<58} {:>14}  {:>14}  {:>8}", "case", "engine", "floor", "ratio");
    // memory first, while the peak resident set is still low: a roster of
    // a million rows built as values (as a binding hands it over), then one
    // evaluation over it; what the evaluation adds beyond its input
    {
        let engine = Engine::load_dir(&rules).unwrap();
        let planned = engine.prepare("energy_safety.planned_inspections", &opts).unwrap();
        let names: ordinance_core::value::FieldNames =
            ["name", "sector", "class"].iter().map(|n| std::sync::Arc::from(*n)).collect();
        let mut roster = Value::Bool(false);
        let input_mib = extra_peak_mib(|| {
            let rows: Vec<Value> = (0..1_000_000)
                .map(|i| {
                    let values = vec![
                        Value::text(&format!("企业{i}")),
                        Value::text(SECTORS[i % 5]),
                        Value::text(CLASSES[i % 4]),
                    ];
                    Value::Record(std::sync::Arc::new(ordinance_core::value::Record::with_names(names.clone(), values)))
                })
                .collect();
            roster = Value::List(std::sync::Arc::new(rows));
        });
        let eval_mib = extra_peak_mib(|| {
            black_box(planned.evaluate_values(vec![Some(roster.clone())]).unwrap());
        });
        println!("{:<58} {input_mib:>11.1} MiB", "1M-row roster: the input, as values");
        println!("{:<58} {eval_mib:>11.1} MiB", "1M-row roster: planned_inspections, extra peak");
    }
    let t = time_per_item(1, budget, || {
        black_box(Engine::load_dir(&rules).unwrap());
    });
    report("load every pack (parse, check quotes, compile, fuse)", t, None);
    let engine = Engine::load_dir(&rules).unwrap();
    let freq = "energy_safety.inspection_frequency";

    // one table rule, trace off
    let classes: Vec<Class> = (0..1024).map(|i| ALL[i % 4]).collect();
    let floor = time_per_item(1024, budget, || {
        for c in &classes {
            black_box(frequency_floor(black_box(*c)));
        }
    });
    let input = serde_json::json!({"class": "C"});
    let t = time_per_item(1, budget, || {
        black_box(engine.evaluate(freq, &input, &opts).unwrap());
    });
    report("inspection_frequency: evaluate(JSON), trace off", t, Some(floor));
    let t_traced = time_per_item(1, budget, || {
        black_box(engine.evaluate(freq, &input, &traced).unwrap());
    });
    report("inspection_frequency: evaluate(JSON), trace on", t_traced, Some(floor));
    println!("{:<58} {:>11.2} ×", "  trace cost (traced / untraced)", t_traced / t);
    let prepared = engine.prepare(freq, &opts).unwrap();
    let class_values: Vec<Value> = (0..1024).map(|i| Value::text(CLASSES[i % 4])).collect();
    let t = time_per_item(1024, budget, || {
        for v in &class_values {
            black_box(prepared.evaluate_values(vec![Some(v.clone())]).unwrap());
        }
    });
    report("inspection_frequency: prepared evaluate_values", t, Some(floor));

    // a formula of three multiplications
    let dir = std::env::temp_dir().join(format!("ordinance-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bench.yaml"), BENCH_PACK).unwrap();
    let bench = Engine::load_dir(&dir).unwrap();
    let triples: Vec<(i64, i64, i64)> = (0..1024).map(|i| (60 + i % 9, 4 + i % 3, 3)).collect();
    let floor = time_per_item(1024, budget, || {
        for &(a, b, c) in &triples {
            black_box(black_box(a).checked_mul(b).and_then(|x| x.checked_mul(c)));
        }
    });
    let wd = bench.prepare("bench.workdays", &opts).unwrap();
    let args: Vec<Vec<Option<Value>>> =
        triples.iter().map(|&(a, b, c)| vec![Some(Value::int(a)), Some(Value::int(b)), Some(Value::int(c))]).collect();
    let t = time_per_item(1024, budget, || {
        for a in &args {
            black_box(wd.evaluate_values(a.clone()).unwrap());
        }
    });
    report("enterprises * visits * inspectors: prepared", t, Some(floor));
    let wd_json = serde_json::json!({"enterprises": 68, "visits": 5, "inspectors": 3});
    let t = time_per_item(1, budget, || {
        black_box(bench.evaluate("bench.workdays", &wd_json, &opts).unwrap());
    });
    report("enterprises * visits * inspectors: evaluate(JSON)", t, Some(floor));

    // a 30-year annuity, exact
    let an = serde_json::json!({"principal": 1000000, "annual_rate": "0.0375", "months": 360});
    let t = time_per_item(1, budget, || {
        black_box(bench.evaluate("bench.annuity", &an, &opts).unwrap());
    });
    report("360-month annuity payment, exact, rounded to 分", t, None);

    // planned_inspections over rosters
    let planned = engine.prepare("energy_safety.planned_inspections", &opts).unwrap();
    for n in [69usize, 10_000, 100_000] {
        let parsed: Vec<(usize, Class)> = (0..n).map(|i| (i % 5, ALL[i % 4])).collect();
        let floor = time_per_item(n as u64, budget, || {
            black_box(planned_floor(black_box(&parsed)));
        });
        let json = roster_json(n);
        let t = time_per_item(n as u64, budget, || {
            black_box(engine.evaluate("energy_safety.planned_inspections", &json, &opts).unwrap());
        });
        report(&format!("planned_inspections, {n} rows: evaluate(JSON), per row"), t, Some(floor));
        let roster = ordinance_core::engine::bind_inputs(planned.rule(), &json).unwrap().remove(0);
        let t = time_per_item(n as u64, budget, || {
            black_box(planned.evaluate_values(vec![Some(roster.clone())]).unwrap());
        });
        report(&format!("planned_inspections, {n} rows: prepared, per row"), t, Some(floor));
    }

    // batches
    let records: Vec<serde_json::Value> = (0..10_000).map(|i| serde_json::json!({"class": CLASSES[i % 4]})).collect();
    let floor = time_per_item(1024, budget, || {
        let out: Vec<_> = classes.iter().map(|c| frequency_floor(*c)).collect();
        black_box(out);
    });
    let t = time_per_item(records.len() as u64, budget, || {
        black_box(engine.evaluate_many(freq, &records, &opts));
    });
    report("evaluate_many(JSON records) × 10 000, per record", t, Some(floor));
    let column: Vec<Value> = (0..10_000).map(|i| Value::text(CLASSES[i % 4])).collect();
    let t = time_per_item(column.len() as u64, budget, || {
        black_box(prepared.evaluate_columns(&[("class", &column)]).unwrap());
    });
    report("evaluate_columns × 10 000, per row", t, Some(floor));

    // a reform compared over a million rows, beside one plain pass over them
    let reformed = engine.with_reforms(&[root.join("examples/reforms/class_b_three_a_quarter.yaml")]).unwrap();
    let mut million: Vec<serde_json::Value> = Vec::new();
    let input_mib = peak_growth_mib(|| {
        million = (0..1_000_000).map(|i| serde_json::json!({"class": CLASSES[i % 4]})).collect();
    });
    println!("{:<58} {input_mib:>11.1} MiB", "1M rows: the input, as JSON values");
    let late = EvalOptions { as_of: Some(Date::parse("2024-08-01").unwrap()), ..EvalOptions::default() };
    let pass = time_per_item(million.len() as u64, budget, || {
        black_box(engine.evaluate_many(freq, &million, &late));
    });
    report("1M rows: one plain pass (evaluate_many), per row", pass, None);
    let mut changed = 0;
    let (cmp_ns, cmp_mib) = {
        let mut t = 0.0;
        let mib = peak_growth_mib(|| {
            t = time_per_item(million.len() as u64, budget, || {
                let c = ordinance_core::compare::compare_rows(&engine, &reformed, freq, &million, &late).unwrap();
                changed = c.changed.len();
                black_box(c);
            });
        });
        (t, mib)
    };
    report(&format!("1M rows: compare under a reform ({changed} changed), per row"), cmp_ns, None);
    println!("{:<58} {:>11.2} ×", "  compare / one pass", cmp_ns / pass.max(0.01));
    println!("{:<58} {cmp_mib:>11.1} MiB", "  compare, extra peak");

    // a whole scenario
    let scenario = root.join("examples/energy_safety_2024.yaml");
    let t = time_per_item(1, budget, || {
        black_box(ordinance_core::scenario::run_file(&scenario, &rules).unwrap());
    });
    report("run the 2024 energy-safety scenario (load + report)", t, None);

    // loading long formulas: linear in their length
    for terms in [5_000usize, 25_000] {
        let text = format!(
            "format: 1\npack: long\nsource: {{document: L, title: l, issued_by: l, date: 2024-01-01}}\nvalid: {{from: 2024-01-01}}\nrules:\n  r:\n    cite: {{clause: c, quote: q}}\n    inputs: {{x: integer}}\n    formula:\n      y: {}\n",
            vec!["x"; terms].join(" + ")
        );
        let files = [ordinance_core::loader::SourceFile { path: "long.yaml".into(), text }];
        let t = time_per_item(1, budget, || {
            black_box(ordinance_core::loader::load(&files).unwrap());
        });
        report(&format!("load a flat formula of {terms} terms ({} KB)", terms * 4 / 1000), t, None);
    }

    let _ = std::fs::remove_dir_all(&dir);
}
