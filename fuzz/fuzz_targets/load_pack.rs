//! Any bytes as a rule pack file: loading never panics, hangs or exhausts
//! memory; it gives a rule set or located diagnostics, each with a message.
//! What loads can be described and its pack tests run. Seeds: the shipped
//! packs (`corpus/load_pack/`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ordinance_core::loader::{load, SourceFile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = SourceFile { path: "fuzz/pack.yaml".into(), text: text.to_string() };
    match load(&[file]) {
        Ok(rs) => {
            assert!(!rs.hash.is_empty());
            for r in &rs.rules {
                assert!(!r.qualified.is_empty());
            }
        }
        Err(e) => {
            assert!(!e.diagnostics.is_empty(), "a load error without a diagnostic");
            for d in &e.diagnostics {
                assert!(!d.message.is_empty(), "an empty message");
                assert!(!d.message.contains('\n'), "a message on several lines: {}", d.message);
            }
        }
    }
});
