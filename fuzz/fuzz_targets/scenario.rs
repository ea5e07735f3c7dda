//! Any bytes as a scenario file beside the shipped rules: running it never
//! panics or hangs; it gives a report or a located error. The scenario is
//! written to a private folder (includes may only reach inside it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ordinance_core::scenario;
use std::path::PathBuf;
use std::sync::OnceLock;

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("ordinance-fuzz-scenario-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
        // a second scenario to include
        std::fs::write(d.join("other.yaml"), "format: 1\nscenario: other\nas_of: 2024-03-31\n")
            .unwrap_or_else(|e| panic!("{e}"));
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    let path = dir.join("s.yaml");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules");
    match scenario::run_file(&path, &rules) {
        Ok(report) => {
            let _ = report.to_json();
            let _ = ordinance_core::report::render_text(&report);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
