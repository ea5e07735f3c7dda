//! Speed and memory of the engine, measured (never asserted in tests):
//! loading the packs, one evaluation, a batch over many records, an aggregate
//! over a large roster, and a whole scenario. Run with
//! `cargo bench -p ordinance-core --bench evaluate` (release build); pass
//! `--quick` for a short run. Memory is the process's peak resident set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ordinance_core::{Date, Engine, EvalOptions};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn measure<F: FnMut()>(name: &str, per_iter_items: u64, budget: Duration, mut f: F) {
    // warm up
    f();
    let start = Instant::now();
    let mut iters = 0u64;
    while start.elapsed() < budget || iters < 3 {
        f();
        iters += 1;
    }
    let per = start.elapsed() / iters as u32;
    let items = per_iter_items.max(1);
    let per_item = per.as_nanos() as f64 / items as f64;
    println!("{name:<52} {iters:>7} iters  {per:>12.3?}/iter  {per_item:>10.0} ns/item");
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let budget = if quick { Duration::from_millis(300) } else { Duration::from_secs(3) };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let rules = root.join("rules");
    let opts = EvalOptions { as_of: Some(Date::parse("2024-06-30").unwrap()), ..EvalOptions::default() };
    let traced = EvalOptions { trace: true, ..opts.clone() };

    measure("load every pack (parse, check quotes, compile)", 1, budget, || {
        black_box(Engine::load_dir(&rules).unwrap());
    });
    let engine = Engine::load_dir(&rules).unwrap();
    let input = serde_json::json!({"class": "C"});
    measure("evaluate inspection_frequency (no trace)", 1, budget, || {
        black_box(engine.evaluate("energy_safety.inspection_frequency", &input, &opts).unwrap());
    });
    measure("evaluate inspection_frequency (with trace)", 1, budget, || {
        black_box(engine.evaluate("energy_safety.inspection_frequency", &input, &traced).unwrap());
    });
    let classes = ["A", "B", "C", "D"];
    let records: Vec<serde_json::Value> = (0..10_000).map(|i| serde_json::json!({"class": classes[i % 4]})).collect();
    measure("evaluate_many inspection_frequency × 10 000", records.len() as u64, budget, || {
        black_box(engine.evaluate_many("energy_safety.inspection_frequency", &records, &opts));
    });
    let sectors = ["coal_mine", "coal_business", "power", "oil_gas_pipeline", "new_energy"];
    for n in [69usize, 10_000] {
        let roster: Vec<serde_json::Value> = (0..n)
            .map(|i| serde_json::json!({"name": format!("企业{i}"), "sector": sectors[i % 5], "class": classes[i % 4]}))
            .collect();
        let input = serde_json::json!({ "roster": roster });
        measure(&format!("planned_inspections over a roster of {n}"), n as u64, budget, || {
            black_box(engine.evaluate("energy_safety.planned_inspections", &input, &opts).unwrap());
        });
    }
    let scenario = root.join("examples/energy_safety_2024.yaml");
    measure("run the 2024 energy-safety scenario (load + report)", 1, budget, || {
        black_box(ordinance_core::scenario::run_file(&scenario, &rules).unwrap());
    });
    if let Some(kib) = peak_rss_kib() {
        println!("peak resident memory: {:.1} MiB", kib as f64 / 1024.0);
    }
}
