//! Gives the shared library a soname carrying the ABI major version
//! (`libordinance.so.1` on Linux), so programs linked against one ABI never
//! load a library of another. The number is read from `src/abi_version.rs`,
//! the one place it is written.

use std::fs;

fn abi_version() -> u32 {
    let text = fs::read_to_string("src/abi_version.rs").unwrap_or_default();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("pub const ORD_ABI_VERSION: u32 = "))
        .and_then(|rest| rest.trim_end_matches(';').trim().parse().ok())
        .unwrap_or_else(|| {
            println!("cargo:warning=cannot read ORD_ABI_VERSION from src/abi_version.rs");
            std::process::exit(1)
        })
}

fn main() {
    println!("cargo:rerun-if-changed=src/abi_version.rs");
    println!("cargo:rerun-if-changed=build.rs");
    let version = abi_version();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" || os == "android" || os.ends_with("bsd") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libordinance.so.{version}");
    }
}
