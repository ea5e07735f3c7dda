//! Every note a scenario's claim carries is written in both languages: a
//! claim with `note` has `note_zh` and the other way round, so that a report
//! in either language explains every figure it checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

#[test]
fn every_claim_note_is_written_in_english_and_in_chinese() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let (mut claims, mut noted, mut missing) = (0, 0, Vec::new());
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files.iter().filter(|p| p.extension().is_some_and(|x| x == "yaml")) {
        let doc: serde_json::Value = serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        for c in doc["claims"].as_array().into_iter().flatten() {
            claims += 1;
            let (en, zh) = (c.get("note").is_some(), c.get("note_zh").is_some());
            if en || zh {
                noted += 1;
            }
            if en != zh {
                let name = path.file_name().unwrap().to_string_lossy();
                missing.push(format!("{name}: {} has only {}", c["id"], if en { "note" } else { "note_zh" }));
            }
        }
    }
    assert!(missing.is_empty(), "notes in one language only:\n{}", missing.join("\n"));
    assert!(claims > 90 && noted > 30, "only {claims} claims and {noted} notes were read");
}
