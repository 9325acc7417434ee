//! The optional state file: owned by this simulator while it runs (a second one is refused),
//! loaded at start, and rewritten whole after every change before the change is applied.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use state_file::StateFile;

use crate::error::SimError;
use crate::store::{SavedState, Store};

/// The name a state file's owner is recorded under (and named by in a refusal).
const PROGRAM: &str = "grid-sim";

/// A state file this simulator owns.
#[derive(Debug, Clone)]
pub(crate) struct Persisted {
    file: Arc<StateFile>,
}

impl Persisted {
    /// Takes ownership of `path`: refused with [`SimError::StateInUse`] while another
    /// simulator (in this process or another) owns it.
    pub fn open(path: PathBuf) -> Result<Self, SimError> {
        Ok(Self {
            file: Arc::new(StateFile::open(path, PROGRAM)?),
        })
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The saved store, or `None` when the file does not exist yet.
    pub fn load(&self) -> Result<Option<Store>, SimError> {
        let path = || self.path().to_owned();
        let Some(bytes) = self.file.read().map_err(|source| SimError::StateRead {
            path: path(),
            source,
        })?
        else {
            return Ok(None);
        };
        let format_error = |reason: String| SimError::StateFormat {
            path: path(),
            reason,
        };
        let saved: SavedState =
            serde_json::from_slice(&bytes).map_err(|e| format_error(e.to_string()))?;
        Store::from_saved(saved).map(Some).map_err(format_error)
    }

    /// Writes `store` (temporary file, fsync, rename, fsync of the folder) on a blocking
    /// thread. When this returns `Ok` the store is on disk.
    pub async fn save(&self, store: &Store) -> Result<(), SimError> {
        let write_error = |source| SimError::StateWrite {
            path: self.path().to_owned(),
            source,
        };
        let bytes = store
            .to_json()
            .map_err(|e| write_error(io::Error::other(e)))?;
        let file = self.file.clone();
        tokio::task::spawn_blocking(move || file.write(&bytes))
            .await
            .unwrap_or_else(|join| Err(io::Error::other(join)))
            .map_err(write_error)
    }
}
