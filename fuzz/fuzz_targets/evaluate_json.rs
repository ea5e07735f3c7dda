//! Any bytes as the JSON input of a shipped rule, through the façade every
//! binding calls: evaluation never panics; it gives a decision document or
//! a typed error with a message. The first byte picks the rule.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ordinance_core::{facade, Engine};
use std::sync::OnceLock;

fn engine() -> &'static (Engine, Vec<String>) {
    static ENGINE: OnceLock<(Engine, Vec<String>)> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
        let e = Engine::load_dir(dir).unwrap_or_else(|e| panic!("the shipped rules load: {e}"));
        let ids = e.rules().into_iter().map(|r| r.id).collect();
        (e, ids)
    })
}

fuzz_target!(|data: &[u8]| {
    let (engine, ids) = engine();
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(input) = std::str::from_utf8(rest) else { return };
    let rule = &ids[usize::from(pick) % ids.len()];
    let options = if pick & 0x80 == 0 {
        r#"{"as_of": "2024-06-30", "trace": true}"#
    } else {
        r#"{"as_of": "2024-03-31", "trace": false, "max_steps": 100000}"#
    };
    match facade::evaluate_json(engine, rule, input, Some(options)) {
        Ok(doc) => {
            let v: serde_json::Value =
                serde_json::from_str(&doc).unwrap_or_else(|e| panic!("the decision is not JSON: {e}"));
            assert_eq!(v["rule"], serde_json::Value::String(rule.clone()));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    // the same text as a batch of one
    let batch = format!("[{input}]");
    let _ = facade::evaluate_many_json(engine, rule, &batch, Some(options));
});
