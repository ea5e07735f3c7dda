//! Keeps `include/ordinance.h` in step with `ffi/src/lib.rs`: regenerates the
//! header with cbindgen and fails if it differs from the committed one.
//! Run with `ORDINANCE_BLESS=1` to rewrite the committed header instead.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

#[test]
fn committed_header_matches_the_source() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let header = crate_dir.join("../include/ordinance.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read ffi/cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut fresh = Vec::new();
    bindings.write(&mut fresh);
    let fresh = String::from_utf8(fresh).expect("the header is UTF-8");

    if std::env::var_os("ORDINANCE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&header, &fresh).expect("write include/ordinance.h");
        return;
    }
    let committed = std::fs::read_to_string(&header).unwrap_or_default();
    if committed != fresh {
        let first_diff = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| committed.lines().count().min(fresh.lines().count()) + 1, |i| i + 1);
        panic!(
            "include/ordinance.h is stale (first difference at line {first_diff}); \
             regenerate it with: ORDINANCE_BLESS=1 cargo test -p ordinance-ffi --test header"
        );
    }
}
