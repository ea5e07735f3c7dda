//! Every test written in every shipped rule pack passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::rules_dir;
use ordinance_core::Engine;

#[test]
fn every_pack_test_passes() {
    let engine = Engine::load_dir(rules_dir()).unwrap();
    let report = engine.run_tests();
    let failures: Vec<String> = report
        .outcomes
        .iter()
        .filter(|o| !o.passed)
        .map(|o| format!("{} ({}): {}", o.name, o.location, o.message.clone().unwrap_or_default()))
        .collect();
    assert!(report.outcomes.len() >= 20, "the packs carry their tests");
    assert!(failures.is_empty(), "failing pack tests:\n{}", failures.join("\n"));
}
