//! Rule-set bundles: one file holding a rules folder's packs and the source
//! texts they cite, with the rule-set hash and a digest of every file, so
//! that executors, servers and offline machines run exactly the rules that
//! were checked.
//!
//! A bundle is a JSON document (UTF-8, human-readable, diffable):
//!
//! ```json
//! {"ordinance_bundle": 1, "made_by": "ordinance 0.1.0",
//!  "ruleset": "b75c47b414dd167f", "digest": "<sha-256 of every file>",
//!  "files": {"energy_safety.yaml": "…", "sources/dongsheng_2024q1.txt": "…"}}
//! ```
//!
//! [`Engine::load_dir`](crate::engine::Engine::load_dir) opens a bundle wherever it
//! opens a folder. Opening checks the format, the digest (any changed byte
//! of any file is refused), every path (relative, inside the bundle), the
//! limits a folder's files have, and that the packs loaded give the
//! recorded rule-set hash. Nothing outside the bundle is read: a pack's
//! source text must be in it.

use crate::error::LoadError;
use crate::pack::loader::{self, SourceFile, SourceFolders};
use crate::source::files::FileError;
use crate::source::yaml;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The format number this build writes and reads.
pub const FORMAT: u64 = 1;

/// The largest bundle file read: every pack at its limit is far less.
pub const MAX_BUNDLE_BYTES: usize = 256 * 1024 * 1024;

/// The files of an opened bundle, by their path inside it (`/`-separated,
/// normalised, relative to the rules folder the bundle was made from).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleFiles {
    /// The bundle file, shown as the folder of its packs in messages
    /// (`rules.ordinance/energy_safety.yaml:12:3`).
    pub origin: PathBuf,
    /// Path inside the bundle → text.
    pub files: BTreeMap<String, String>,
}

/// A bundle as written: the recorded rule-set hash and the files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The rule-set hash of the packs.
    pub ruleset: String,
    /// Path inside the bundle → text.
    pub files: BTreeMap<String, String>,
}

/// True when `path` is a file that may be a bundle (not a folder).
pub fn is_bundle_path(path: &Path) -> bool {
    path.is_file()
}

/// `written` (a path relative to the rules folder) in its normal form:
/// `/`-separated, `.` dropped, `a/../` folded; a `..` that leaves the
/// folder stays in front (shared source folders).
///
/// # Errors
/// An empty or absolute path, or one holding a NUL.
pub fn normalise(written: &str) -> Result<String, String> {
    if written.is_empty() {
        return Err("the path is empty".into());
    }
    if written.contains('\0') {
        return Err("the path holds a NUL character".into());
    }
    let mut parts: Vec<String> = Vec::new();
    for c in Path::new(written).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(format!("the path `{written}` is absolute")),
        }
    }
    if parts.is_empty() {
        return Err(format!("the path `{written}` names no file"));
    }
    Ok(parts.join("/"))
}

fn digest(files: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (path, text) in files {
        h.update((path.len() as u64).to_le_bytes());
        h.update(path.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Bundle {
    /// The bundle's JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "ordinance_bundle": FORMAT,
            "made_by": format!("ordinance {}", crate::VERSION),
            "ruleset": self.ruleset,
            "digest": digest(&self.files),
            "files": self.files,
        })
    }

    /// Reads a bundle file and checks its format, digest, paths and sizes
    /// (not yet the packs: [`crate::engine::Engine`] loads them and checks the
    /// rule-set hash).
    ///
    /// # Errors
    /// A located load error naming the bundle and what is wrong.
    pub fn read(path: &Path) -> Result<Bundle, LoadError> {
        let name = path.display().to_string();
        let fail = |message: String, help: Option<&str>| LoadError::single(&name, 0, 0, message, help.map(Into::into));
        let bytes = crate::source::files::read_text(path, &name, "rule-set bundle", MAX_BUNDLE_BYTES).map_err(
            |e: FileError| {
                LoadError::single(&name, e.at.map_or(0, |a| a.0), e.at.map_or(0, |a| a.1), e.message, e.help)
            },
        )?;
        let doc: serde_json::Value = serde_json::from_str(&bytes).map_err(|e| {
            LoadError::single(
                &name,
                u32::try_from(e.line()).unwrap_or(0),
                u32::try_from(e.column()).unwrap_or(0),
                format!("the file is not a rule-set bundle (not JSON: {e})"),
                Some("pass a rules folder, or a bundle made by `ordinance bundle`".into()),
            )
        })?;
        let format = doc.get("ordinance_bundle").and_then(serde_json::Value::as_u64);
        match format {
            Some(FORMAT) => {}
            Some(n) => {
                return Err(fail(
                    format!("the bundle is of format {n}; this ordinance reads format {FORMAT}"),
                    Some("make the bundle again with this version (`ordinance bundle`)"),
                ))
            }
            None => {
                return Err(fail(
                    "the file is not a rule-set bundle (no `ordinance_bundle` format number)".into(),
                    Some("pass a rules folder, or a bundle made by `ordinance bundle`"),
                ))
            }
        }
        let text_of = |key: &str| doc.get(key).and_then(serde_json::Value::as_str).map(str::to_string);
        let (Some(ruleset), Some(recorded)) = (text_of("ruleset"), text_of("digest")) else {
            return Err(fail("the bundle lacks its `ruleset` hash or its `digest`".into(), None));
        };
        let Some(entries) = doc.get("files").and_then(serde_json::Value::as_object) else {
            return Err(fail("the bundle has no `files`".into(), None));
        };
        let mut files = BTreeMap::new();
        for (key, text) in entries {
            let Some(text) = text.as_str() else {
                return Err(fail(format!("the bundle's file `{key}` is not text"), None));
            };
            match normalise(key) {
                Ok(n) if n == *key => {}
                Ok(n) => return Err(fail(format!("the bundle's path `{key}` is not in normal form (`{n}`)"), None)),
                Err(m) => return Err(fail(format!("the bundle's path `{key}`: {m}"), None)),
            }
            let limit = if key.contains('/') { loader::MAX_SOURCE_TEXT_BYTES } else { yaml::MAX_YAML_BYTES };
            if text.len() > limit {
                return Err(fail(
                    format!("the bundle's file `{key}` has {} bytes, more than {limit}", text.len()),
                    None,
                ));
            }
            files.insert(key.clone(), text.to_string());
        }
        let actual = digest(&files);
        if actual != recorded {
            return Err(fail(
                "the bundle's files were changed after it was made (their digest does not match)".into(),
                Some("make the bundle again from the checked rules folder (`ordinance bundle`)"),
            ));
        }
        Ok(Bundle { ruleset, files })
    }
}

impl BundleFiles {
    /// The bundle's packs: its top-level `.yaml` files, by name, each
    /// shown as `<bundle>/<name>`.
    ///
    /// # Errors
    /// A bundle without packs.
    pub fn pack_files(&self) -> Result<Vec<SourceFile>, LoadError> {
        let out: Vec<SourceFile> = self
            .files
            .iter()
            .filter(|(k, _)| !k.contains('/') && (k.ends_with(".yaml") || k.ends_with(".yml")))
            .map(|(k, text)| SourceFile { path: self.origin.join(k), text: text.clone() })
            .collect();
        if out.is_empty() {
            let name = self.origin.display().to_string();
            return Err(LoadError::single(&name, 0, 0, "the bundle holds no .yaml pack", None));
        }
        Ok(out)
    }

    /// The text a pack at the bundle's top names as its source text, and
    /// the path it is shown at.
    ///
    /// # Errors
    /// An absolute path, or a file the bundle does not hold.
    pub fn source_text(&self, written: &str) -> Result<(PathBuf, &str), FileError> {
        let key = normalise(written).map_err(|m| FileError {
            message: format!("the source text path: {m}"),
            help: Some("name the file relative to the pack".into()),
            at: None,
        })?;
        match self.files.get(&key) {
            Some(text) => Ok((self.origin.join(&key), text.as_str())),
            None => Err(FileError {
                message: format!("the bundle holds no source text `{written}`"),
                help: Some("make the bundle from the rules folder that holds the text (`ordinance bundle`)".into()),
                at: None,
            }),
        }
    }
}

/// Loads a bundle's packs, reading nothing outside it, and checks that they
/// give the rule-set hash it records.
///
/// # Errors
/// What [`Bundle::read`] refuses, every load error of its packs (located
/// in `<bundle>/<pack>.yaml`), or a hash that differs.
pub fn load(path: &Path) -> Result<crate::ruleset::Ruleset, LoadError> {
    load_reformed(path, &[])
}

/// Loads a rule-set bundle with reforms laid over it (the bundle's own
/// hash is checked before they apply).
///
/// # Errors
/// As [`load`], and every problem the reforms make, located in them.
pub fn load_reformed(path: &Path, reforms: &[loader::SourceFile]) -> Result<crate::ruleset::Ruleset, LoadError> {
    let bundle = Bundle::read(path)?;
    let files = BundleFiles { origin: path.to_path_buf(), files: bundle.files };
    let packs = files.pack_files()?;
    let folders = SourceFolders { root: None, shared_sources: Vec::new(), bundle: Some(std::sync::Arc::new(files)) };
    let rs = loader::load_with(&packs, &folders)?;
    if !reforms.is_empty() && rs.hash == bundle.ruleset {
        return loader::load_reformed(&packs, reforms, &folders);
    }
    if rs.hash != bundle.ruleset {
        let name = path.display().to_string();
        return Err(LoadError::single(
            &name,
            0,
            0,
            format!("the bundle records the rule set {}, but its packs give {}", bundle.ruleset, rs.hash),
            Some("make the bundle again with this version of ordinance (`ordinance bundle`)".into()),
        ));
    }
    Ok(rs)
}
