//! The folder confinement against a racing attacker: while packs load, a
//! folder of the rules tree is swapped again and again for a symlink to a
//! folder outside. The source text inside holds the pack's quote, the one
//! outside does not, so a load that read the outside file would fail on
//! the quote check (the oracle the attack used to read `/etc/passwd`). No
//! load may ever do so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use ordinance_core::Engine;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[test]
fn swapping_a_folder_for_a_symlink_never_leads_a_load_outside() {
    let root = std::env::temp_dir().join(format!("ordinance-race-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let rules = root.join("rules");
    std::fs::create_dir_all(rules.join("texts")).unwrap();
    std::fs::create_dir_all(root.join("outside")).unwrap();
    std::fs::write(rules.join("texts/t.txt"), "the words quoted here\n").unwrap();
    std::fs::write(root.join("outside/t.txt"), "SECRET nothing to quote\n").unwrap();
    std::fs::write(
        rules.join("p.yaml"),
        "format: 1\npack: p\ntitle: t\nsource: {document: d, title: t, issued_by: x, date: 2024-01-01, text: texts/t.txt}\nvalid: {from: 2024-01-01}\nrules:\n  r:\n    title: r\n    cite: {clause: \"1\", quote: words quoted}\n    inputs: {x: integer}\n    formula:\n      y: \"x\"\n",
    )
    .unwrap();
    assert!(Engine::load_dir(&rules).is_ok());
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let (rules, root) = (rules.clone(), root.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let _ = std::fs::rename(rules.join("texts"), rules.join("texts.real"));
                let _ = std::os::unix::fs::symlink(root.join("outside"), rules.join("texts"));
                let _ = std::fs::remove_file(rules.join("texts"));
                let _ = std::fs::rename(rules.join("texts.real"), rules.join("texts"));
                swaps += 1;
            }
            swaps
        })
    };
    let mut outcomes = (0, 0);
    for _ in 0..2000 {
        match Engine::load_dir(&rules) {
            Ok(_) => outcomes.0 += 1,
            Err(e) => {
                let m = e.to_string();
                assert!(!m.contains("SECRET"), "{m}");
                assert!(!m.contains("quote"), "a load read the file outside the folder: {m}");
                outcomes.1 += 1;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 0);
    eprintln!("{} loads succeeded, {} refused, over {swaps} swaps", outcomes.0, outcomes.1);
    let _ = std::fs::remove_dir_all(&root);
}
