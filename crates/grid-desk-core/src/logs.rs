//! Where Grid Desk's log files are (the OS log directory, rotated by the app's log plugin),
//! and "Open logs folder" in Settings. Nothing secret is ever logged (SECURITY.md): the folder
//! can be zipped into a support ticket as it is.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{UiError, UiResult};

/// Opens a folder in the OS file manager (the app's opener plugin; a recorder in tests).
pub trait FolderOpener {
    fn open_folder(&self, path: &Path) -> Result<(), String>;
}

/// `open_logs_folder`'s answer: where the logs are, and whether the file manager opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogsFolder {
    pub path: String,
    pub opened: bool,
    /// A sentence for the window: where the logs are, and why the folder did not open if not.
    pub message: String,
}

/// The logs folder service.
#[derive(Debug)]
pub struct Logs {
    dir: Option<PathBuf>,
}

impl Logs {
    /// `dir`: the OS log directory (`None` when the OS has none).
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// `open_logs_folder`: creates the folder if needed and opens it. When the file manager
    /// cannot be opened the answer still says where the logs are.
    pub fn open_folder(&self, opener: &impl FolderOpener) -> UiResult<LogsFolder> {
        let dir = self
            .dir
            .as_deref()
            .ok_or_else(|| UiError::unknown("This system has no folder for Grid Desk's logs."))?;
        std::fs::create_dir_all(dir).map_err(|e| {
            UiError::unknown(format!(
                "The logs folder {} could not be created: {e}",
                dir.display()
            ))
        })?;
        let path = dir.display().to_string();
        Ok(match opener.open_folder(dir) {
            Ok(()) => LogsFolder {
                message: format!("Grid Desk's logs are in {path}."),
                path,
                opened: true,
            },
            Err(reason) => LogsFolder {
                message: format!(
                    "The folder could not be opened ({reason}). Grid Desk's logs are in {path}."
                ),
                path,
                opened: false,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Recorder(Mutex<Vec<PathBuf>>, bool);

    impl FolderOpener for Recorder {
        fn open_folder(&self, path: &Path) -> Result<(), String> {
            self.0.lock().expect("lock").push(path.to_owned());
            if self.1 {
                Ok(())
            } else {
                Err("no file manager".into())
            }
        }
    }

    #[test]
    fn the_folder_is_created_opened_and_named_even_when_it_cannot_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let logs = Logs::new(Some(dir.path().join("logs")));
        let ok = Recorder(Mutex::default(), true);
        let opened = logs.open_folder(&ok).expect("opens");
        assert!(opened.opened && dir.path().join("logs").is_dir());
        assert_eq!(
            ok.0.lock().expect("lock").as_slice(),
            [dir.path().join("logs")]
        );
        let failing = Recorder(Mutex::default(), false);
        let told = logs.open_folder(&failing).expect("still answers");
        assert!(!told.opened);
        assert!(told.message.contains(&told.path), "{}", told.message);
        assert!(Logs::new(None).open_folder(&ok).is_err());
    }
}
