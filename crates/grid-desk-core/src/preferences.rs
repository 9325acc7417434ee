//! How the person left the window — the last tab, each tab's view (cards or table) and filters
//! — remembered between runs in `ui-preferences.json` in the app's config dir. Nothing here is a
//! secret or money; the connection chosen last is remembered with the connections
//! (`settings.rs`).
//!
//! The file has one owner ([`state_file::StateFile`]: locked while the app runs, replaced
//! whole on every save). What the window sends is bounded (a few dozen short strings), so a
//! bug or a hostile page cannot grow the file without limit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::{UiError, UiResult};

/// The file in the app's config dir.
pub const FILE_NAME: &str = "ui-preferences.json";

/// At most this many tabs (or filters of one tab) are remembered.
pub const MAX_ENTRIES: usize = 32;
/// Longest tab name or filter name.
pub const MAX_KEY_CHARS: usize = 64;
/// Longest remembered value (a customer id is about 45 characters).
pub const MAX_VALUE_CHARS: usize = 256;

/// What the window remembers. Every field is optional: a file from an older or newer Grid Desk
/// reads as far as it is understood.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UiPreferences {
    /// The tab shown last (`platform`, `customers`, `external`, `settings`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_tab: Option<String>,
    /// Per tab, how its accounts are shown (`cards` or `table`).
    pub views: BTreeMap<String, String>,
    /// Per tab, its filter fields as typed (`currency`, `type`, `customerId`, …).
    pub filters: BTreeMap<String, BTreeMap<String, String>>,
}

impl UiPreferences {
    /// Refuses what no window of ours would send: too many entries, over-long names or values,
    /// control characters.
    pub fn validate(&self) -> UiResult<()> {
        fn text(value: &str, max: usize) -> UiResult<()> {
            if value.chars().count() > max || value.chars().any(char::is_control) {
                return Err(UiError::validation(
                    "Grid Desk could not remember how the window was left: a value was too long or held control characters.",
                ));
            }
            Ok(())
        }
        fn count(n: usize) -> UiResult<()> {
            if n > MAX_ENTRIES {
                return Err(UiError::validation(format!(
                    "Grid Desk remembers at most {MAX_ENTRIES} tabs and filters."
                )));
            }
            Ok(())
        }
        if let Some(tab) = &self.last_tab {
            text(tab, MAX_KEY_CHARS)?;
        }
        count(self.views.len())?;
        for (tab, view) in &self.views {
            text(tab, MAX_KEY_CHARS)?;
            text(view, MAX_KEY_CHARS)?;
        }
        count(self.filters.len())?;
        for (tab, fields) in &self.filters {
            text(tab, MAX_KEY_CHARS)?;
            count(fields.len())?;
            for (name, value) in fields {
                text(name, MAX_KEY_CHARS)?;
                text(value, MAX_VALUE_CHARS)?;
            }
        }
        Ok(())
    }
}

/// `save_preferences`: the whole set, as the window holds it now.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavePreferencesRequest {
    pub preferences: UiPreferences,
}

/// The remembered window state and its file.
#[derive(Debug)]
pub struct Preferences {
    path: PathBuf,
    /// Taken when the file exists at start or on the first save, so a person who never changes
    /// anything gets no file; `Err` when another program owns it: the window still works and
    /// simply forgets on exit.
    file: Mutex<Option<Result<Arc<state_file::StateFile>, String>>>,
    current: Mutex<UiPreferences>,
}

impl Preferences {
    /// `ui-preferences.json` in `config_dir`. A missing file is the defaults; an unreadable one
    /// is set aside beside it (`….unreadable-<unix seconds>`), never overwritten, and the
    /// defaults are used.
    pub fn open(config_dir: &Path) -> Self {
        let preferences = Self {
            path: config_dir.join(FILE_NAME),
            file: Mutex::new(None),
            current: Mutex::new(UiPreferences::default()),
        };
        if preferences.path.exists() {
            if let Ok(file) = preferences.owned_file() {
                *preferences.lock() = read_or_set_aside(&file);
            }
        }
        preferences
    }

    /// The file, locked for this app (opened once).
    fn owned_file(&self) -> Result<Arc<state_file::StateFile>, String> {
        let mut slot = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert_with(|| {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            state_file::StateFile::open(&self.path, "Grid Desk")
                .map(Arc::new)
                .map_err(|e| {
                    tracing::warn!("preferences not remembered: {e}");
                    e.to_string()
                })
        })
        .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, UiPreferences> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `get_preferences`.
    pub fn get(&self) -> UiPreferences {
        self.lock().clone()
    }

    /// `save_preferences`: checks, then replaces the file whole.
    pub async fn save(&self, request: SavePreferencesRequest) -> UiResult<UiPreferences> {
        let preferences = request.preferences;
        preferences.validate()?;
        let bytes = serde_json::to_vec_pretty(&preferences)
            .map_err(|e| UiError::unknown(format!("The preferences could not be written: {e}")))?;
        let file = self.owned_file().map_err(|reason| {
            UiError::unknown(format!(
                "Grid Desk could not remember how the window was left ({reason})."
            ))
        })?;
        tokio::task::spawn_blocking(move || {
            file.write(&bytes).map_err(|e| {
                UiError::unknown(format!(
                    "Grid Desk could not remember how the window was left ({}: {e}).",
                    file.path().display()
                ))
            })
        })
        .await
        .map_err(|e| UiError::unknown(format!("The preferences were not saved: {e}")))??;
        *self.lock() = preferences.clone();
        Ok(preferences)
    }
}

fn read_or_set_aside(file: &state_file::StateFile) -> UiPreferences {
    let bytes = match file.read() {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return UiPreferences::default(),
        Err(err) => {
            tracing::warn!("{} could not be read: {err}", file.path().display());
            return UiPreferences::default();
        }
    };
    match serde_json::from_slice::<UiPreferences>(&bytes) {
        Ok(preferences) if preferences.validate().is_ok() => preferences,
        _ => {
            let seconds = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            let mut aside = file.path().as_os_str().to_owned();
            aside.push(format!(".unreadable-{seconds}"));
            match std::fs::rename(file.path(), &aside) {
                Ok(()) => tracing::warn!(
                    "{} was unreadable; kept as {}",
                    file.path().display(),
                    Path::new(&aside).display()
                ),
                Err(err) => tracing::warn!(
                    "{} was unreadable and could not be set aside: {err}",
                    file.path().display()
                ),
            }
            UiPreferences::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefs(tab: &str) -> UiPreferences {
        let mut p = UiPreferences {
            last_tab: Some(tab.into()),
            ..UiPreferences::default()
        };
        p.views.insert("customers".into(), "table".into());
        p.filters.insert(
            "customers".into(),
            BTreeMap::from([("currency".into(), "USD".into())]),
        );
        p
    }

    #[tokio::test]
    async fn what_is_saved_comes_back_after_a_restart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = Preferences::open(dir.path());
        assert_eq!(first.get(), UiPreferences::default());
        first
            .save(SavePreferencesRequest {
                preferences: prefs("customers"),
            })
            .await
            .expect("saved");
        drop(first);
        let again = Preferences::open(dir.path());
        assert_eq!(again.get(), prefs("customers"));
    }

    #[tokio::test]
    async fn oversized_or_odd_values_are_refused_and_nothing_changes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Preferences::open(dir.path());
        let mut long = prefs("customers");
        long.filters
            .entry("customers".into())
            .or_default()
            .insert("customerId".into(), "x".repeat(MAX_VALUE_CHARS + 1));
        let mut many = prefs("customers");
        for i in 0..=MAX_ENTRIES {
            many.views.insert(format!("tab{i}"), "table".into());
        }
        let control = prefs("custo\u{7}mers");
        for bad in [long, many, control] {
            let err = store
                .save(SavePreferencesRequest { preferences: bad })
                .await
                .expect_err("refused");
            assert_eq!(err.code, crate::UiCode::Validation);
        }
        assert_eq!(store.get(), UiPreferences::default());
        assert!(!dir.path().join(FILE_NAME).exists(), "nothing written");
    }

    #[test]
    fn an_unreadable_file_is_set_aside_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(FILE_NAME), b"{not json").expect("write");
        let store = Preferences::open(dir.path());
        assert_eq!(store.get(), UiPreferences::default());
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("ui-preferences.json.unreadable-"))
            .collect();
        assert_eq!(aside.len(), 1, "the damaged file is kept: {aside:?}");
        let kept =
            std::fs::read(dir.path().join(&aside[0])).expect("the set-aside copy is readable");
        assert_eq!(kept, b"{not json");
    }

    #[tokio::test]
    async fn a_second_owner_does_not_write_over_the_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = Preferences::open(dir.path());
        first
            .save(SavePreferencesRequest {
                preferences: prefs("customers"),
            })
            .await
            .expect("the first owner saves");
        let second = Preferences::open(dir.path());
        let err = second
            .save(SavePreferencesRequest {
                preferences: prefs("settings"),
            })
            .await
            .expect_err("the file has one owner");
        assert!(err.message.contains("already in use"), "{}", err.message);
        drop((first, second));
        assert_eq!(Preferences::open(dir.path()).get(), prefs("customers"));
    }

    #[test]
    fn nothing_is_written_until_something_is_saved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let _prefs = Preferences::open(&dir.path().join("config"));
        assert!(!dir.path().join("config").exists());
    }
}
