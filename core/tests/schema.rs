//! The committed JSON Schemas must be what the Rust types generate now.
//! Regenerate with `ORDINANCE_BLESS=1 cargo test -p ordinance-core --test schema`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use ordinance_core::schema::{pack_schema, reform_schema, scenario_schema};

fn check(path: &str, generated: String) {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("ORDINANCE_BLESS").is_some() {
        std::fs::write(&full, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        committed == generated,
        "{path} is stale: regenerate it with `ORDINANCE_BLESS=1 cargo test -p ordinance-core --test schema`"
    );
}

#[test]
fn pack_schema_is_current() {
    let s = pack_schema();
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(v["additionalProperties"], false, "unknown keys must be rejected by the schema too");
    check("rules/schema.json", s);
}

#[test]
fn scenario_schema_is_current() {
    check("rules/scenario.schema.json", scenario_schema());
}

#[test]
fn reform_schema_is_current() {
    let s = reform_schema();
    let v: serde_json::Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["additionalProperties"], false, "unknown keys of a reform are refused by the schema too");
    check("rules/reform.schema.json", s);
}
