//! The Arrow path measured (never asserted): `inspection_frequency` over a
//! table of 1,000,000 rows of one `utf8` column, beside the hand-written
//! floor (a `match` on the text building the same `int64` column) and the
//! core's columnar call on values already built (what the conversion
//! costs). `docs/performance.md` records what it printed.
//!
//!     cargo bench -p ordinance-arrow --bench arrow
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use ordinance_core::{Engine, EvalOptions, Value};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

fn best_of<F: FnMut()>(runs: usize, rows: usize, mut f: F) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..runs {
        let start = Instant::now();
        f();
        best = best.min(start.elapsed().as_nanos() as f64 / rows as f64);
    }
    best
}

fn main() {
    let rows = 1_000_000;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    let engine = Engine::load_dir(&dir).expect("the shipped rules load");
    let opts = EvalOptions { as_of: ordinance_core::Date::parse("2024-06-30").ok(), ..EvalOptions::default() };
    let prepared = engine.prepare("energy_safety.inspection_frequency", &opts).expect("the rule exists");
    let classes: StringArray = (0..rows).map(|i| Some(["A", "B", "C", "D"][i % 4])).collect();
    let schema = Arc::new(Schema::new(vec![Field::new("class", DataType::Utf8, true)]));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(classes.clone()) as ArrayRef]).unwrap();

    let floor = best_of(5, rows, || {
        let out: Int64Array = classes
            .iter()
            .map(|c| match c {
                Some("A") => Some(4),
                Some("B") | Some("C") => Some(8),
                Some("D") => Some(12),
                _ => None,
            })
            .collect();
        black_box(out);
    });
    let arrow = best_of(3, rows, || {
        let out =
            ordinance_arrow::evaluate(&prepared, &schema, [Ok(batch.clone())], &ordinance_arrow::Options::default())
                .unwrap();
        black_box(out);
    });
    let values: Vec<Value> = (0..rows).map(|i| Value::Text(Arc::from(["A", "B", "C", "D"][i % 4]))).collect();
    let core = best_of(3, rows, || {
        black_box(prepared.evaluate_columns(&[("class", &values)]).unwrap());
    });
    let sparse: Vec<Option<Value>> = values.iter().cloned().map(Some).collect();
    let grouped = best_of(3, rows, || {
        black_box(prepared.evaluate_grouped_columns(&[("class", &sparse)]).unwrap());
    });
    println!("inspection_frequency over {rows} rows (utf8 in, int64 + dictionary out)");
    println!("  ordinance_arrow::evaluate      {arrow:8.1} ns/row");
    println!("  core evaluate_columns (values) {core:8.1} ns/row   (the conversion costs the difference)");
    println!("  core evaluate_grouped_columns   {grouped:8.1} ns/row   (outcomes shared, not copied per row)");
    println!("  hand-written floor (match)     {floor:8.1} ns/row   ×{:.0}", arrow / floor);
}
