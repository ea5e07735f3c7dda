//! The evaluator against the reference interpreter, driven by the fuzzer:
//! the bytes choose a well-typed formula, a table's thresholds, the inputs,
//! the as-of month and the size budget (`core/tests/common/generate.rs`
//! builds them, as for the property test), and the two must agree.
#![no_main]

#[path = "../../core/tests/common/generate.rs"]
mod generate;

use generate::{differential, input_from, pack, Gen};
use libfuzzer_sys::fuzz_target;
use ordinance_core::Date;

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let choices: Vec<u32> = data
        .chunks(4)
        .map(|c| c.iter().fold(0u32, |acc, b| acc.wrapping_mul(256).wrapping_add(u32::from(*b))))
        .collect();
    let mut g = Gen { choices: &choices, i: 0 };
    let formulas = (g.num(3, false, false), g.num(4, false, true), g.boolean(4, false, true));
    let thresholds = [g.pick(21) as i64 - 10, g.pick(21) as i64 - 10, g.pick(21) as i64 - 10];
    let input = input_from(&mut g);
    let month = g.pick(12) + 1;
    let max_digits = if g.pick(2) == 0 { 12 } else { ordinance_core::number::DEFAULT_MAX_DIGITS };
    let text = pack(&formulas, &thresholds);
    let as_of = Date::from_ymd(2024, month, 15).unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = differential(&text, &input, as_of, max_digits) {
        panic!("{e}");
    }
});
