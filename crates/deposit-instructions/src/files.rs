//! Writing exports to disk so that a crash, a full disk or a missing folder never leaves half a
//! file: shared by the `deposit-sheets` command and anything else that saves sheets.

use std::io::Write;
use std::path::Path;

/// Why a file could not be written atomically.
#[derive(Debug)]
pub struct WriteError {
    /// True when the new file already replaced the old one and only flushing its folder to disk
    /// failed; false when the destination was left as it was.
    pub replaced: bool,
    pub source: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.source.fmt(f)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk, then
/// renamed over `path` (and, on Unix, the folder flushed too): readers see the old file or the
/// new one, never part of one. The temporary file never stays behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(source) = written {
        // If the temporary file is already gone there is nothing left to clean.
        let _ = std::fs::remove_file(&tmp);
        return Err(WriteError {
            replaced: false,
            source,
        });
    }
    // The rename reaches the disk with the folder's entry.
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| WriteError {
            replaced: true,
            source,
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sheets.pdf");
        std::fs::write(&path, b"old").expect("old file");
        write_atomically(&path, b"new").expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["sheets.pdf"], "only the file itself");

        let error = write_atomically(&dir.path().join("missing").join("x.pdf"), b"new")
            .expect_err("no such folder");
        assert!(!error.replaced, "nothing was replaced");
    }
}
