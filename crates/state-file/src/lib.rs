//! A file with one owner.
//!
//! [`StateFile::open`] takes an exclusive cross-process lock for the file (on a `NAME.lock` file
//! beside it, which records the owner's pid and program name), so a second process — or a second
//! [`StateFile`] in the same process — is refused with a clear [`Error::InUse`] instead of
//! silently writing over the first one's changes. [`StateFile::write`] replaces the file whole:
//! temporary file, fsync, rename over the old file, fsync of the directory (Unix), so a crash or
//! a full disk never leaves half a file and an acknowledged write survives a power cut.
//!
//! The lock is released when the [`StateFile`] is dropped (or the process ends, however it
//! ends). The `.lock` file itself stays: deleting it could let two processes each hold a lock on
//! a different file of the same name.
//!
//! ```no_run
//! let file = state_file::StateFile::open("demo-state.json", "grid-sim")?;
//! let before = file.read()?; // None when the file does not exist yet
//! file.write(b"{\"format\": 1}")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! No async runtime and no dependencies beyond `std`: the lock is `std::fs::File::try_lock`
//! (`flock` on Unix, `LockFileEx` on Windows). Call [`StateFile::write`] from a blocking thread
//! in async code.

use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

/// Why a state file could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Another process (or another `StateFile` in this one) owns the file.
    #[error("{} is already in use by {}", path.display(), InUseBy(holder.as_ref(), lock))]
    InUse {
        path: PathBuf,
        /// Who holds the lock, as it recorded itself; `None` when that could not be read
        /// (Windows does not let other processes read a locked file).
        holder: Option<Holder>,
        /// The lock file.
        lock: PathBuf,
    },
    /// The lock file could not be created or locked (missing folder, no permission, …).
    #[error("cannot lock {}: {source}", lock.display())]
    Lock {
        lock: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The process that holds a state file's lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: u32,
    /// The program name it gave to [`StateFile::open`] ("grid-sim", "Grid Desk", …).
    pub program: String,
}

struct InUseBy<'a>(Option<&'a Holder>, &'a Path);

impl fmt::Display for InUseBy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(holder) => write!(f, "another {} (pid {})", holder.program, holder.pid),
            None => write!(
                f,
                "another program (it holds the lock on {})",
                self.1.display()
            ),
        }
    }
}

/// A file this process owns until it is dropped.
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    temporary: PathBuf,
    lock_path: PathBuf,
    /// Holding the open, locked file is what keeps the lock.
    _lock: File,
}

/// `dir/.NAME.suffix` or `dir/NAME.suffix`.
fn beside(path: &Path, hidden: bool, suffix: &str) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a file path", path.display()),
        )
    })?;
    let mut with = OsString::from(if hidden { "." } else { "" });
    with.push(name);
    with.push(suffix);
    Ok(path.with_file_name(with))
}

impl StateFile {
    /// Takes the lock for `path` (creating `path.lock` if needed) and records this process as
    /// its holder under the name `program`. Does not read or create `path` itself.
    pub fn open(path: impl Into<PathBuf>, program: &str) -> Result<Self, Error> {
        let path = path.into();
        let lock_path = beside(&path, false, ".lock").map_err(|source| Error::Lock {
            lock: path.clone(),
            source,
        })?;
        let lock_error = |source| Error::Lock {
            lock: lock_path.clone(),
            source,
        };
        // Never truncate on open: the file may hold the current owner's pid.
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(lock_error)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::InUse {
                    holder: read_holder(&mut lock),
                    path,
                    lock: lock_path,
                })
            }
            Err(fs::TryLockError::Error(source)) => return Err(lock_error(source)),
        }
        lock.set_len(0)
            .and_then(|()| writeln!(lock, "{} {program}", std::process::id()))
            .map_err(lock_error)?;
        let temporary = beside(&path, true, ".tmp").map_err(lock_error)?;
        Ok(Self {
            path,
            temporary,
            lock_path,
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file whose lock is held (`NAME.lock` beside the state file).
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }

    /// Where [`StateFile::write`] puts the new content before renaming it (`.NAME.tmp`).
    pub fn temporary_path(&self) -> &Path {
        &self.temporary
    }

    /// The file's content, or `None` when it does not exist yet.
    pub fn read(&self) -> io::Result<Option<Vec<u8>>> {
        match fs::read(&self.path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Replaces the file's content with `bytes`: written to the temporary file, flushed to
    /// disk, renamed over the file, and the rename itself flushed (the directory, on Unix).
    /// When this returns `Ok` the new content is on disk; on `Err` the file still holds its
    /// previous content.
    pub fn write(&self, bytes: &[u8]) -> io::Result<()> {
        let written = (|| {
            let mut file = File::create(&self.temporary)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            drop(file);
            fs::rename(&self.temporary, &self.path)
        })();
        if let Err(err) = written {
            // Best effort: do not leave a half-written temporary file behind.
            let _ = fs::remove_file(&self.temporary);
            return Err(err);
        }
        sync_directory(&self.path)
    }
}

/// What the holder recorded in the lock file (`"<pid> <program>"`), if it can be read.
fn read_holder(lock: &mut File) -> Option<Holder> {
    let mut text = String::new();
    lock.read_to_string(&mut text).ok()?;
    let (pid, program) = text.trim().split_once(' ')?;
    Some(Holder {
        pid: pid.parse().ok()?,
        program: program.to_owned(),
    })
}

/// Makes a rename in the file's directory durable.
#[cfg(unix)]
fn sync_directory(path: &Path) -> io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

/// Windows has no directory handles to flush; `MoveFileEx` (behind `fs::rename`) is as far as
/// std goes there.
#[cfg(not(unix))]
fn sync_directory(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory for one test, removed when dropped.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let dir = std::env::temp_dir()
                .join(format!("state-file-{name}-{}-{nanos}", std::process::id()));
            fs::create_dir_all(&dir).expect("creates a temporary directory");
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_second_owner_is_refused_with_the_first_ones_pid_until_it_lets_go() {
        let dir = TempDir::new("owner");
        let path = dir.0.join("state.json");
        let first = StateFile::open(&path, "grid-sim").expect("the first owner");
        let err = StateFile::open(&path, "grid-sim").expect_err("a second owner");
        match &err {
            Error::InUse { holder, .. } => assert_eq!(
                holder.as_ref(),
                Some(&Holder {
                    pid: std::process::id(),
                    program: "grid-sim".to_owned()
                }),
                "the holder recorded itself"
            ),
            other => panic!("expected InUse, got {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!(
                "{} is already in use by another grid-sim (pid {})",
                path.display(),
                std::process::id()
            )
        );
        drop(first);
        let again = StateFile::open(&path, "Grid Desk").expect("free again once dropped");
        assert_eq!(again.path(), path);
    }

    #[test]
    fn writes_replace_the_file_whole_and_leave_nothing_behind() {
        let dir = TempDir::new("write");
        let path = dir.0.join("state.json");
        let file = StateFile::open(&path, "test").expect("opens");
        assert_eq!(file.read().expect("reads"), None, "nothing there yet");
        file.write(b"first, and longer").expect("writes");
        file.write(b"second").expect("rewrites");
        assert_eq!(file.read().expect("reads"), Some(b"second".to_vec()));
        let mut names: Vec<_> = fs::read_dir(&dir.0)
            .expect("lists")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["state.json", "state.json.lock"],
            "no temporary file is left"
        );
    }

    #[test]
    fn a_failed_write_keeps_the_previous_content() {
        let dir = TempDir::new("fail");
        let path = dir.0.join("state.json");
        let file = StateFile::open(&path, "test").expect("opens");
        file.write(b"saved").expect("writes");
        // A directory where the temporary file goes makes every write fail, even as root.
        fs::create_dir(file.temporary_path()).expect("blocks the temporary path");
        file.write(b"lost").expect_err("cannot write");
        assert_eq!(file.read().expect("reads"), Some(b"saved".to_vec()));
        fs::remove_dir(file.temporary_path()).expect("unblocks");
        file.write(b"saved again").expect("writes again");
        assert_eq!(file.read().expect("reads"), Some(b"saved again".to_vec()));
    }

    #[test]
    fn a_missing_folder_is_a_lock_error_naming_the_lock_file() {
        let dir = TempDir::new("missing");
        let path = dir.0.join("no-such-folder").join("state.json");
        let err = StateFile::open(&path, "test").expect_err("no folder");
        assert!(matches!(err, Error::Lock { .. }), "{err:?}");
        assert!(err.to_string().contains("state.json.lock"), "{err}");
    }
}
