//! A rules folder's files: reading packs confined, checking a pack's text beside the others, and saving it without following a planted link.

#[allow(unused_imports)]
use super::*;

/// Reads a YAML file (pack or scenario): a regular file, at most
/// [`yaml::MAX_YAML_BYTES`], UTF-8. The limit is enforced while reading.
///
/// # Errors
/// A load error naming the file (and, for bytes that are not UTF-8, the
/// line and column of the first).
pub fn read_limited(path: &Path) -> Result<String, LoadError> {
    let name = path.display().to_string();
    files::read_text(path, &name, "file", yaml::MAX_YAML_BYTES).map_err(|e| file_error(&name, e))
}

pub(super) fn file_error(file: &str, e: files::FileError) -> LoadError {
    let (line, column) = e.at.unwrap_or((0, 0));
    LoadError::single(file, line, column, one_line(&e.message), e.help)
}

/// The YAML files of a rules directory, sorted by name. A file that is a
/// symlink must resolve inside the directory.
///
/// # Errors
/// A load error when the directory cannot be read or holds no pack.
pub fn pack_files(dir: &Path) -> Result<Vec<SourceFile>, LoadError> {
    let name = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        LoadError::single(
            &name,
            0,
            0,
            format!("cannot read the rules directory: {e}"),
            Some("pass --rules DIR or set ORDINANCE_RULES".into()),
        )
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .filter(|p| !p.is_dir())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(LoadError::single(&name, 0, 0, "the rules directory holds no .yaml pack", None));
    }
    let confine = files::Confinement::new(dir, &[]);
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for p in paths {
        let shown = p.display().to_string();
        let file_name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let read = confine
            .resolve(dir, &file_name, "pack file")
            .and_then(|canon| confine.read_text(&canon, &file_name, "pack file", yaml::MAX_YAML_BYTES));
        match read {
            Ok(text) => out.push(SourceFile { path: p, text }),
            Err(e) => diags.extend(file_error(&shown, e).diagnostics),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(LoadError { diagnostics: diags })
    }
}

/// Whether a name is a pack file's plain name in a rules folder
/// (`energy_safety.yaml`): no folder, no `..`, ending `.yaml` or `.yml`.
pub fn is_pack_file_name(file: &str) -> bool {
    !file.is_empty()
        && !file.contains(['/', '\\'])
        && !file.chars().any(char::is_control)
        && !file.starts_with('.')
        && (file.ends_with(".yaml") || file.ends_with(".yml"))
}

/// Checks a pack's text as it would load in a rules folder (or bundle),
/// beside the folder's other packs as they are: `file` (a name such as
/// `energy_safety.yaml`) replaces the pack of that name, or is added. Returns
/// the rule-set hash the folder would have; nothing is written.
///
/// # Errors
/// A file name that is not a plain `.yaml` name, or every load error,
/// located in `file` (or in the other packs it breaks).
pub fn check_replacing(dir: &Path, shared_sources: &[PathBuf], file: &str, text: &str) -> Result<String, LoadError> {
    if !is_pack_file_name(file) {
        return Err(LoadError::single(
            file,
            0,
            0,
            format!("`{file}` is not the name of a pack in the rules folder"),
            Some("give a file name such as energy_safety.yaml, without a folder".into()),
        ));
    }
    let (mut files, folders) = if crate::pack::bundle::is_bundle_path(dir) {
        let b = crate::pack::bundle::Bundle::read(dir)?;
        let bf = crate::pack::bundle::BundleFiles { origin: dir.to_path_buf(), files: b.files };
        let packs = bf.pack_files()?;
        (packs, SourceFolders { root: None, shared_sources: Vec::new(), bundle: Some(Arc::new(bf)) })
    } else {
        (
            pack_files(dir)?,
            SourceFolders { root: Some(dir.to_path_buf()), shared_sources: shared_sources.to_vec(), bundle: None },
        )
    };
    let path = dir.join(file);
    files.retain(|f| f.path.file_name().is_none_or(|n| n.to_string_lossy() != file));
    files.push(SourceFile { path, text: text.to_string() });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    load_with(&files, &folders).map(|rs| rs.hash)
}

/// What [`save_replacing`] did.
#[derive(Clone, Debug)]
pub struct Saved {
    /// The rule-set hash the folder has now.
    pub ruleset: String,
    /// The previous text's file (`energy_safety.yaml.previous`), when there
    /// was one.
    pub previous: Option<String>,
}

/// Writes a pack's text into a rules folder only if it loads there beside
/// the other packs ([`check_replacing`]): the text goes to a temporary file
/// in the folder, the old file is kept as `<file>.previous` (which no load
/// reads), and the temporary file is renamed over the pack, so a reader
/// sees the old text or the new, never part of one.
///
/// # Errors
/// The text does not load (nothing is written), the folder is a bundle, or
/// a file cannot be written.
pub fn save_replacing(dir: &Path, shared_sources: &[PathBuf], file: &str, text: &str) -> Result<Saved, LoadError> {
    save_replacing_if(dir, shared_sources, file, text, &|| true)
}

/// [`save_replacing`], asking `proceed` once everything is written beside
/// the pack and only the renames that make it take effect are left: when
/// it answers false (the caller's time ran out), the files written are
/// removed and nothing has changed.
///
/// # Errors
/// As [`save_replacing`], and `proceed` answering false.
pub fn save_replacing_if(
    dir: &Path,
    shared_sources: &[PathBuf],
    file: &str,
    text: &str,
    proceed: &dyn Fn() -> bool,
) -> Result<Saved, LoadError> {
    if crate::pack::bundle::is_bundle_path(dir) || !dir.is_dir() {
        return Err(LoadError::single(
            file,
            0,
            0,
            "the rules are served from a bundle, which is not edited in place".to_string(),
            Some("edit the packs' folder and build the bundle again with `ordinance bundle`".into()),
        ));
    }
    let ruleset = check_replacing(dir, shared_sources, file, text)?;
    let io = |what: &str, e: std::io::Error| {
        LoadError::single(
            file,
            0,
            0,
            format!("cannot {what}: {e}"),
            Some("check the rules folder's permissions".into()),
        )
    };
    let target = dir.join(file);
    // the pack itself must be a plain file: a symlink planted in its place
    // would have the old text read (and kept) from wherever it points
    let old_text = match std::fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() || !m.is_file() => {
            return Err(LoadError::single(
                file,
                0,
                0,
                format!(
                "`{file}` in the rules folder is not a plain file (a symbolic link or a folder); nothing was written"
            ),
                Some("replace it with the pack's own file, then save again".into()),
            ))
        }
        Ok(_) => Some(read_no_follow(&target).map_err(|e| io("read the previous text", e))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io("look at the pack file", e)),
    };
    // new files are created, never opened: `create_new` (O_CREAT | O_EXCL)
    // refuses a name that exists, a planted symlink included
    let tmp = write_new_temporary(dir, file, text.as_bytes()).map_err(|e| io("write the new text", e))?;
    let kept_tmp = match &old_text {
        Some(old) => Some(write_new_temporary(dir, &format!("{file}.previous"), old).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io("keep the previous text", e)
        })?),
        None => None,
    };
    if !proceed() {
        let _ = std::fs::remove_file(&tmp);
        if let Some(k) = &kept_tmp {
            let _ = std::fs::remove_file(k);
        }
        return Err(LoadError::single(
            file,
            0,
            0,
            "the save ran out of time before it took effect; nothing was written".to_string(),
            Some("save again".into()),
        ));
    }
    let previous = match kept_tmp {
        Some(kept_tmp) => {
            let kept = format!("{file}.previous");
            // written beside, then renamed over `.previous`: a rename
            // replaces a symlink there, it never writes through it
            std::fs::rename(&kept_tmp, dir.join(&kept)).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                let _ = std::fs::remove_file(&kept_tmp);
                io("keep the previous text", e)
            })?;
            Some(kept)
        }
        None => None,
    };
    std::fs::rename(&tmp, &target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io("replace the pack", e)
    })?;
    Ok(Saved { ruleset, previous })
}

/// Reads a file without following a symlink in its last component.
pub(super) fn read_no_follow(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a plain file"));
    }
    let mut out = Vec::new();
    f.read_to_end(&mut out)?;
    Ok(out)
}

/// Writes `bytes` to a new hidden file beside `name` in `dir`, created
/// exclusively (O_CREAT | O_EXCL | O_NOFOLLOW: an existing name, symlink or
/// not, is refused, never opened) and synced; returns its path.
pub(super) fn write_new_temporary(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let path = dir.join(format!(".{name}.saving-{}-{n}-{nanos}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)?;
    if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_all()) {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

/// The text of a pack file (`energy_safety.yaml`) of a rules folder or
/// bundle, as an editor opens it.
///
/// # Errors
/// No such pack file, or it cannot be read.
pub fn pack_text(dir: &Path, file: &str) -> Result<String, LoadError> {
    let files = if crate::pack::bundle::is_bundle_path(dir) {
        let b = crate::pack::bundle::Bundle::read(dir)?;
        crate::pack::bundle::BundleFiles { origin: dir.to_path_buf(), files: b.files }.pack_files()?
    } else {
        pack_files(dir)?
    };
    files
        .into_iter()
        .find(|f| f.path.file_name().is_some_and(|n| n.to_string_lossy() == file))
        .map(|f| f.text)
        .ok_or_else(|| {
            LoadError::single(
                file,
                0,
                0,
                format!("`{file}` is not a pack of the rules folder"),
                Some("GET /v1/packs lists the packs and their files".into()),
            )
        })
}
