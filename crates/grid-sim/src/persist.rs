//! The optional state file: loaded at start, rewritten atomically (temporary file + rename)
//! after every change, so a crash never leaves half a file.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use tokio::sync::Mutex;

use crate::error::SimError;
use crate::store::{SavedState, Store};

/// A state file and the newest snapshot version written to it (none yet at start).
#[derive(Debug)]
pub(crate) struct StateFile {
    path: PathBuf,
    written: Mutex<Option<u64>>,
}

impl StateFile {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            written: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved store, or `None` when the file does not exist yet.
    pub fn load(&self) -> Result<Option<Store>, SimError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(SimError::StateRead {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let format_error = |reason: String| SimError::StateFormat {
            path: self.path.clone(),
            reason,
        };
        let saved: SavedState =
            serde_json::from_slice(&bytes).map_err(|e| format_error(e.to_string()))?;
        Store::from_saved(saved).map(Some).map_err(format_error)
    }

    /// Writes snapshot `version` unless a newer one is already on disk. Snapshots are taken
    /// under the store's lock but written after it is released, so they may arrive out of
    /// order; the version keeps the file at the newest.
    pub async fn save(&self, version: u64, bytes: Vec<u8>) -> Result<(), SimError> {
        let mut written = self.written.lock().await;
        if written.is_some_and(|newest| newest >= version) {
            return Ok(());
        }
        let path = self.path.clone();
        let result = tokio::task::spawn_blocking(move || write_atomically(&path, &bytes))
            .await
            .unwrap_or_else(|join| Err(io::Error::other(join)));
        result.map_err(|source| SimError::StateWrite {
            path: self.path.clone(),
            source,
        })?;
        *written = Some(version);
        Ok(())
    }
}

/// Writes `bytes` next to `path` and renames the copy over it.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the state path has no file name",
        )
    })?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(file_name);
    temporary_name.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        // Best effort: do not leave the temporary file behind.
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_the_file_whole() {
        let dir = std::env::temp_dir().join(format!("grid-sim-persist-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("state.json");
        write_atomically(&path, b"first").expect("writes");
        write_atomically(&path, b"second").expect("rewrites");
        assert_eq!(fs::read(&path).expect("reads"), b"second");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .expect("lists")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "no temporary files left: {leftovers:?}"
        );
        fs::remove_dir_all(&dir).expect("cleans up");
    }
}
