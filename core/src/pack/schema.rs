//! The JSON Schema (draft-07) of the rule-pack, scenario and reform formats,
//! generated from the same types the loader reads.

use crate::source::model::{PackFile, ReformFile, ScenarioFile};
use schemars::generate::SchemaSettings;

/// The schema of a rule pack, pretty-printed JSON.
pub fn pack_schema() -> String {
    let g = SchemaSettings::draft07().into_generator();
    let s = g.into_root_schema_for::<PackFile>();
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}

/// The schema of a scenario file, pretty-printed JSON.
pub fn scenario_schema() -> String {
    let g = SchemaSettings::draft07().into_generator();
    let s = g.into_root_schema_for::<ScenarioFile>();
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}

/// The schema of a reform, pretty-printed JSON.
pub fn reform_schema() -> String {
    let g = SchemaSettings::draft07().into_generator();
    let s = g.into_root_schema_for::<ReformFile>();
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}
