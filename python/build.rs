//! Copies the repository's rule packs (`../rules`: the `.yaml` packs, their
//! JSON Schemas and the source texts under `sources/`) into `OUT_DIR/rules`,
//! from where maturin puts them in the wheel as `ordinance/rules/`
//! (`[tool.maturin] include = [{ from = "out-dir", … }]` in
//! `pyproject.toml`). So the installed package always carries exactly the
//! packs it was built from, with no copy in the source tree to go stale.

use std::fs;
use std::io;
use std::path::Path;

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    let mut entries = fs::read_dir(from)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let source = entry.path();
        let target = to.join(&name);
        if source.is_dir() {
            copy_tree(&source, &target)?;
        } else {
            fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

fn main() -> io::Result<()> {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| io::Error::other("no CARGO_MANIFEST_DIR"))?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| io::Error::other("no OUT_DIR"))?;
    let rules = Path::new(&manifest_dir).join("..").join("rules");
    println!("cargo::rerun-if-changed={}", rules.display());
    let target = Path::new(&out_dir).join("rules");
    if target.exists() {
        // Start clean, so a pack deleted from the repository leaves the wheel too.
        fs::remove_dir_all(&target)?;
    }
    if rules.is_dir() {
        copy_tree(&rules, &target)?;
    } else {
        // A build outside the repository (from an sdist) has no packs to ship;
        // `ordinance.shipped_rules_dir()` then says so.
        println!("cargo::warning=no rules directory at {}; the wheel will carry no rule packs", rules.display());
    }
    Ok(())
}
