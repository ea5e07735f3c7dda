//! Any text as a formula: loading never panics, and what loads evaluates to
//! the same answer, or an error of the same kind, in the evaluator and in the
//! reference interpreter.
#![no_main]

#[path = "../../core/tests/common/generate.rs"]
mod generate;

use generate::{differential, HEADER};
use libfuzzer_sys::fuzz_target;
use ordinance_core::Date;

fuzz_target!(|data: &[u8]| {
    let Ok(formula) = std::str::from_utf8(data) else { return };
    if formula.contains(['\'', '\n', '\r']) {
        return;
    }
    let text = format!(
        "{HEADER}rules:\n  probe:\n    cite: {{clause: c, quote: q}}\n    inputs: {{a: integer, b: number, xs: {{list: number}}}}\n    formula:\n      n: '{formula}'\n"
    );
    let input = serde_json::json!({"a": 3, "b": "1/3", "xs": ["0.5", 2, "-7/3"]});
    let as_of = Date::from_ymd(2024, 6, 30).unwrap_or_else(|e| panic!("{e}"));
    // a formula that does not load is no finding; a disagreement is
    if let Err(e) = differential(&text, &input, as_of, 40) {
        if !e.starts_with("a generated pack does not load") {
            panic!("{e}");
        }
    }
});
