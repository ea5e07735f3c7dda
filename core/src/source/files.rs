//! Reading the files a pack or scenario names, confined: a path is relative,
//! resolves (symlinks followed) to a regular file inside one of the allowed
//! folders, and is read through a reader that stops at the size limit. A
//! refusal says what is wrong with the path, never what the file holds.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Why a file could not be read. The message names the path as written and
/// the reason; it never quotes the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Where inside the file, for text that is not UTF-8: 1-based line and
    /// column (characters) of the first bad byte.
    pub at: Option<(u32, u32)>,
}

impl FileError {
    fn new(message: impl Into<String>, help: Option<&str>) -> FileError {
        FileError { message: message.into(), help: help.map(str::to_string), at: None }
    }
}

/// The folders a named path may resolve into, canonicalised once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Confinement {
    roots: Vec<PathBuf>,
}

impl Confinement {
    /// Paths may resolve into `root` (canonicalised; a folder that does not
    /// exist allows nothing) and into each of `shared`.
    pub fn new(root: &Path, shared: &[PathBuf]) -> Confinement {
        let roots = std::iter::once(root)
            .chain(shared.iter().map(PathBuf::as_path))
            .filter_map(|p| p.canonicalize().ok())
            .collect();
        Confinement { roots }
    }

    /// The canonical folders allowed.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Resolves `written`, relative to the folder `base`, to a canonical
    /// path of a regular file inside an allowed folder.
    ///
    /// # Errors
    /// An absolute path, a path that cannot be resolved, one that leaves
    /// every allowed folder (through `..` or a symlink), or anything but a
    /// regular file.
    pub fn resolve(&self, base: &Path, written: &str, what: &str) -> Result<PathBuf, FileError> {
        let canon = self.locate(base, written, what)?;
        regular_file(&canon, written, what)?;
        Ok(canon)
    }

    /// The canonical path `written` names, if it lies inside.
    fn locate(&self, base: &Path, written: &str, what: &str) -> Result<PathBuf, FileError> {
        let rel = Path::new(written);
        if written.is_empty() {
            return Err(FileError::new(format!("the {what} path is empty"), Some("name a file relative to this one")));
        }
        if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::Prefix(_) | Component::RootDir)) {
            return Err(FileError::new(
                format!("the {what} path `{written}` is absolute"),
                Some("name the file relative to this one, inside its folder"),
            ));
        }
        if written.contains('\0') {
            return Err(FileError::new(format!("the {what} path holds a NUL character"), None));
        }
        let joined = base.join(rel);
        let canon = joined.canonicalize().map_err(|e| {
            FileError::new(
                format!("cannot find the {what} `{written}`: {}", io_reason(&e)),
                Some("the path is relative to the file that names it"),
            )
        })?;
        if !self.roots.iter().any(|r| canon.starts_with(r)) {
            return Err(FileError::new(
                format!("the {what} `{written}` lies outside the folder it may be read from"),
                Some(
                    "keep the file inside the rules folder (a `..` or a symlink may not lead out of it); \
                     a folder of texts shared by several rule folders can be allowed with --sources DIR",
                ),
            ));
        }
        Ok(canon)
    }

    /// Like [`Confinement::resolve`], for a folder.
    ///
    /// # Errors
    /// As for `resolve`, with a folder in place of a regular file.
    pub fn resolve_dir(&self, base: &Path, written: &str, what: &str) -> Result<PathBuf, FileError> {
        let canon = self.locate(base, written, what)?;
        if !canon.is_dir() {
            return Err(FileError::new(format!("the {what} `{written}` is not a folder"), None));
        }
        Ok(canon)
    }
}

impl Confinement {
    /// Reads `canon` (a path [`Confinement::resolve`] gave) as UTF-8 text
    /// of at most `limit` bytes, opened so that no rename or symlink swapped
    /// into its path after the check can lead the open outside the allowed
    /// folder: the open starts from a descriptor of the allowed folder and
    /// resolves the rest beneath it (`openat2` with `RESOLVE_BENEATH`), or,
    /// where the kernel lacks it, walks one component at a time with
    /// `O_NOFOLLOW` (the canonical path has no symlink left, so one found
    /// there was swapped in and is refused).
    ///
    /// # Errors
    /// As [`read_text`]; a path that left the folder while it was opened is
    /// refused as lying outside it.
    pub fn read_text(&self, canon: &Path, written: &str, what: &str, limit: usize) -> Result<String, FileError> {
        let outside = || {
            FileError::new(
                format!("the {what} `{written}` lies outside the folder it may be read from"),
                Some("keep the file inside the rules folder (a `..` or a symlink may not lead out of it)"),
            )
        };
        let Some((root, rel)) = self.roots.iter().find_map(|r| canon.strip_prefix(r).ok().map(|rel| (r, rel))) else {
            return Err(outside());
        };
        let file = open_beneath(root, rel).map_err(|e| match e.raw_os_error() {
            Some(libc::EXDEV | libc::ELOOP | libc::ENOTDIR) => outside(),
            _ => FileError::new(format!("cannot read the {what} `{written}`: {}", io_reason(&e)), None),
        })?;
        read_open(file, written, what, limit)
    }
}

/// Opens `rel` beneath the folder `root`, read-only and non-blocking, never
/// leaving it (see [`Confinement::read_text`]).
#[cfg(target_os = "linux")]
fn open_beneath(root: &Path, rel: &Path) -> std::io::Result<File> {
    use rustix::fs::{openat, openat2, Mode, OFlags, ResolveFlags, CWD};
    let dir = openat(CWD, root, OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
    let read = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
    match openat2(&dir, rel, read, Mode::empty(), ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS) {
        Ok(fd) => return Ok(File::from(fd)),
        // no openat2 (an old kernel, or a sandbox that filters it): walk
        Err(e) if e == rustix::io::Errno::NOSYS || e == rustix::io::Errno::PERM => {}
        Err(e) => return Err(e.into()),
    }
    let parts: Vec<_> = rel.components().collect();
    let Some((last, folders)) = parts.split_last() else {
        return Err(std::io::Error::from_raw_os_error(libc::EISDIR));
    };
    let mut at = dir;
    for c in folders {
        let Component::Normal(name) = c else { return Err(std::io::Error::from_raw_os_error(libc::EXDEV)) };
        at = openat(&at, *name, OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC, Mode::empty())?;
    }
    let Component::Normal(name) = last else { return Err(std::io::Error::from_raw_os_error(libc::EXDEV)) };
    Ok(File::from(openat(&at, *name, read | OFlags::NOFOLLOW, Mode::empty())?))
}

#[cfg(not(target_os = "linux"))]
fn open_beneath(root: &Path, rel: &Path) -> std::io::Result<File> {
    open_no_block(&root.join(rel))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            // the OS message without the "(os error N)" tail
            let s = e.to_string();
            s.split(" (os error").next().unwrap_or(&s).to_lowercase()
        }
    }
}

fn regular_file(path: &Path, written: &str, what: &str) -> Result<std::fs::Metadata, FileError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| FileError::new(format!("cannot read the {what} `{written}`: {}", io_reason(&e)), None))?;
    if !meta.is_file() {
        let kind = kind_of(&meta);
        return Err(FileError::new(
            format!("the {what} `{written}` is {kind}, not a regular file"),
            Some("name a plain text file"),
        ));
    }
    Ok(meta)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Reads a regular file as UTF-8 text, at most `limit` bytes. The size is
/// checked while reading, so a file that grows, or lies about its size,
/// cannot make the reader take more. A leading byte-order mark is dropped.
///
/// # Errors
/// Not a regular file, unreadable, larger than `limit`, or not UTF-8 (with
/// the line and column of the first bad byte).
pub fn read_text(path: &Path, written: &str, what: &str, limit: usize) -> Result<String, FileError> {
    regular_file(path, written, what)?;
    let file = open_no_block(path)
        .map_err(|e| FileError::new(format!("cannot read the {what} `{written}`: {}", io_reason(&e)), None))?;
    read_open(file, written, what, limit)
}

/// Reads an open file: a regular file, at most `limit` bytes, UTF-8. The
/// file opened is the one checked: a swap for a pipe or device after an
/// earlier check by path is caught here.
fn read_open(file: File, written: &str, what: &str, limit: usize) -> Result<String, FileError> {
    let meta = file
        .metadata()
        .map_err(|e| FileError::new(format!("cannot read the {what} `{written}`: {}", io_reason(&e)), None))?;
    if !meta.is_file() {
        return Err(FileError::new(format!("the {what} `{written}` is {}, not a regular file", kind_of(&meta)), None));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(limit) + 1);
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::new(format!("cannot read the {what} `{written}`: {}", io_reason(&e)), None))?;
    if bytes.len() > limit {
        return Err(FileError::new(
            format!("the {what} `{written}` is larger than the limit of {limit} bytes"),
            Some(if what == "source text" {
                "split the document into several files"
            } else {
                "split it into several files"
            }),
        ));
    }
    decode(bytes, written, what)
}

#[cfg(unix)]
fn open_no_block(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a named pipe swapped in after the check returns at
    // once instead of waiting for a writer; it changes nothing for a file
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)
}

#[cfg(not(unix))]
fn open_no_block(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// UTF-8 text from bytes, the byte-order mark dropped; a bad byte is named
/// by its line and column.
///
/// # Errors
/// The first invalid byte, located.
pub fn decode(mut bytes: Vec<u8>, written: &str, what: &str) -> Result<String, FileError> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        // the valid prefix is UTF-8 by definition
        let prefix = bytes.get(..good).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or_default();
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        FileError {
            message: format!(
                "the {what} `{written}` is not UTF-8: byte 0x{:02X} at line {line}, column {column}",
                bytes.get(good).copied().unwrap_or_default()
            ),
            help: Some("save the file as UTF-8".into()),
            at: Some((u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))),
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn bad_bytes_are_located() {
        let e = decode(b"ab\ncd\xFFe".to_vec(), "x", "file").unwrap_err();
        assert_eq!(e.at, Some((2, 3)));
        assert!(e.message.contains("0xFF"), "{}", e.message);
        assert_eq!(decode(b"\xEF\xBB\xBFok".to_vec(), "x", "file").unwrap(), "ok");
    }

    #[test]
    fn absolute_and_escaping_paths_are_refused() {
        let dir = std::env::temp_dir().join(format!("ordinance-files-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("inner")).unwrap();
        std::fs::write(dir.join("inner/ok.txt"), "fine").unwrap();
        std::fs::write(dir.join("outside.txt"), "secret").unwrap();
        let c = Confinement::new(&dir.join("inner"), &[]);
        let base = dir.join("inner");
        assert!(c.resolve(&base, "ok.txt", "file").is_ok());
        assert!(c.resolve(&base, "./sub/../ok.txt", "file").is_err(), "sub does not exist");
        let e = c.resolve(&base, "../outside.txt", "file").unwrap_err();
        assert!(e.message.contains("outside"), "{}", e.message);
        assert!(!e.message.contains("secret"));
        assert!(c.resolve(&base, "/etc/hostname", "file").unwrap_err().message.contains("absolute"));
        assert!(c.resolve(&base, ".", "file").unwrap_err().message.contains("folder"));
        let shared = Confinement::new(&dir.join("inner"), std::slice::from_ref(&dir));
        assert!(shared.resolve(&base, "../outside.txt", "file").is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_limit_is_enforced_while_reading() {
        let dir = std::env::temp_dir().join(format!("ordinance-files-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("big.txt"), "x".repeat(100)).unwrap();
        let e = read_text(&dir.join("big.txt"), "big.txt", "file", 99).unwrap_err();
        assert!(e.message.contains("larger than the limit of 99 bytes"), "{}", e.message);
        assert_eq!(read_text(&dir.join("big.txt"), "big.txt", "file", 100).unwrap().len(), 100);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
