//! Runs one case of the benchmark in a loop, for a profiler:
//! `cargo run --release -p ordinance-core --example profile_roster -- roster|table|traced|prepared N`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
use ordinance_core::{Date, Engine, EvalOptions};
use std::hint::black_box;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map(String::as_str).unwrap_or("roster");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let engine = Engine::load_dir(root.join("rules")).unwrap();
    let opts = EvalOptions { as_of: Some(Date::parse("2024-06-30").unwrap()), ..EvalOptions::default() };
    let classes = ["A", "B", "C", "D"];
    let sectors = ["coal_mine", "coal_business", "power", "oil_gas_pipeline", "new_energy"];
    match case {
        "roster" => {
            let roster: Vec<serde_json::Value> = (0..10_000)
                .map(|i| serde_json::json!({"name": format!("企业{i}"), "sector": sectors[i % 5], "class": classes[i % 4]}))
                .collect();
            let input = serde_json::json!({ "roster": roster });
            for _ in 0..n {
                black_box(engine.evaluate("energy_safety.planned_inspections", &input, &opts).unwrap());
            }
        }
        "prepared" => {
            let p = engine.prepare("energy_safety.inspection_frequency", &opts).unwrap();
            let v = ordinance_core::Value::text("C");
            for _ in 0..n {
                black_box(p.evaluate_values(vec![Some(v.clone())]).unwrap());
            }
        }
        _ => {
            // `table`, or `traced` for the same with the trace on
            let opts = EvalOptions { trace: case == "traced", ..opts };
            let input = serde_json::json!({"class": "C"});
            for _ in 0..n {
                black_box(engine.evaluate("energy_safety.inspection_frequency", &input, &opts).unwrap());
            }
        }
    }
}
