//! Saved connections: the non-secret settings (id, name, environment, base URL) in
//! `connections.json` in the app's config dir, the connection from the process environment,
//! and how a connection is shown to the window. Token ids and client secrets are never written
//! here; they live in the keychain (`keychain.rs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use grid_client::Credentials;
use serde::{Deserialize, Serialize};
use state_file::StateFile;

use crate::error::{UiError, UiResult};

/// The id of the built-in offline demo connection.
pub const DEMO_ID: &str = "demo";
/// The id of the read-only connection made from `GRID_CLIENT_ID` / `GRID_CLIENT_SECRET`.
pub const ENV_ID: &str = "env";

/// Which Grid a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Sandbox,
    Production,
}

impl Environment {
    pub fn parse(text: &str) -> UiResult<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Self::Sandbox),
            "production" => Ok(Self::Production),
            other => Err(UiError::validation(format!(
                "The environment must be Sandbox or Production, not \"{other}\"."
            ))),
        }
    }
}

/// One saved connection, as written to the config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionSettings {
    pub id: String,
    pub name: String,
    pub environment: Environment,
    pub base_url: String,
}

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionsConfig {
    /// The connection chosen last (a saved id, or `demo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    #[serde(default)]
    pub connections: Vec<ConnectionSettings>,
    /// Balance monitoring per connection id (the demo and environment connections too): the
    /// refresh switch and interval, and the low-balance thresholds (`monitor.rs`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub monitoring: std::collections::BTreeMap<String, crate::monitor::MonitorSettings>,
}

impl ConnectionsConfig {
    pub fn get(&self, id: &str) -> Option<&ConnectionSettings> {
        self.connections.iter().find(|c| c.id == id)
    }

    /// Adds or replaces by id, keeping the order.
    pub fn upsert(&mut self, settings: ConnectionSettings) {
        match self.connections.iter_mut().find(|c| c.id == settings.id) {
            Some(existing) => *existing = settings,
            None => self.connections.push(settings),
        }
    }

    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.connections.len();
        self.connections.retain(|c| c.id != id);
        self.monitoring.remove(id);
        if self.active.as_deref() == Some(id) {
            self.active = None;
        }
        before != self.connections.len()
    }
}

/// The config file on disk, owned by this app while it runs ([`state_file::StateFile`]: an
/// exclusive cross-process lock, writes by temporary file + fsync + rename). A second Grid Desk
/// is refused with a clear message and never writes over the first one's connections.
#[derive(Debug)]
pub struct ConnectionsFile {
    path: PathBuf,
    /// Taken when the file exists at start or on the first save (a person who never saves a
    /// connection gets no file).
    owned: Mutex<Option<Arc<StateFile>>>,
}

/// What [`ConnectionsFile::load`] found.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: ConnectionsConfig,
    /// The file was unreadable and was kept here; the app starts clean.
    pub set_aside: Option<PathBuf>,
    /// Another Grid Desk owns the file: its message (nothing is read or written).
    pub in_use: Option<UiError>,
}

/// "… is already in use by another Grid Desk (pid 123)" in words for the settings file.
pub fn in_use_error(what: &str, err: &state_file::Error) -> UiError {
    match err {
        state_file::Error::InUse { path, holder, .. } => {
            let by = match holder {
                Some(h) => format!("another Grid Desk (pid {})", h.pid),
                None => "another Grid Desk".to_owned(),
            };
            UiError::unknown(format!(
                    "{what} ({}) is already in use by {by}. Close the other window (or use it) and start Grid Desk again; nothing was changed.",
                    path.display()
            ))
        }
        other => UiError::unknown(format!("{what} could not be opened: {other}")),
    }
}

impl ConnectionsFile {
    pub const FILE_NAME: &'static str = "connections.json";

    pub fn in_dir(config_dir: &Path) -> Self {
        Self {
            path: config_dir.join(Self::FILE_NAME),
            owned: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file, locked for this app (opened once).
    fn owner(&self) -> UiResult<Arc<StateFile>> {
        let mut slot = self
            .owned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(file) = slot.as_ref() {
            return Ok(Arc::clone(file));
        }
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(|e| {
                UiError::unknown(format!(
                    "The connection settings could not be saved in {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let file = StateFile::open(&self.path, "Grid Desk")
            .map(Arc::new)
            .map_err(|e| in_use_error("The connection settings file", &e))?;
        *slot = Some(Arc::clone(&file));
        Ok(file)
    }

    /// A missing file is an empty config. An unreadable one is set aside
    /// (`connections.json.unreadable-<time>`, never over an earlier copy) so the next save does
    /// not destroy it, and the config starts empty.
    pub fn load(&self) -> Loaded {
        if !self.path.exists() {
            return Loaded::default();
        }
        let file = match self.owner() {
            Ok(file) => file,
            Err(err) => {
                return Loaded {
                    in_use: Some(err),
                    ..Loaded::default()
                }
            }
        };
        let bytes = match file.read() {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Loaded::default(),
            Err(e) => {
                tracing::warn!("could not read {}: {e}", self.path.display());
                return Loaded::default();
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(config) => Loaded {
                config,
                ..Loaded::default()
            },
            Err(e) => {
                tracing::warn!("{} is not valid: {e}", self.path.display());
                match crate::notices::set_aside(&self.path) {
                    Ok(aside) => Loaded {
                        set_aside: Some(aside),
                        ..Loaded::default()
                    },
                    Err(err) => Loaded {
                        in_use: Some(UiError::unknown(format!(
                            "The connection settings file {} is unreadable and could not be set aside ({err}); Grid Desk will not write over it.",
                            self.path.display()
                        ))),
                        ..Loaded::default()
                    },
                }
            }
        }
    }

    /// Writes atomically (temporary file, fsync, rename), as this file's one owner: while
    /// another Grid Desk owns it, nothing is written and the error says so.
    pub fn save(&self, config: &ConnectionsConfig) -> UiResult<()> {
        let file = self.owner()?;
        let mut json = serde_json::to_vec_pretty(config)
            .map_err(|e| UiError::unknown(format!("The settings could not be written: {e}")))?;
        json.push(b'\n');
        file.write(&json).map_err(|e| {
            UiError::unknown(format!(
                "The connection settings could not be saved in {}: {e}",
                self.path.display()
            ))
        })
    }
}

/// How a connection is labelled in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvLabel {
    Demo,
    Sandbox,
    Production,
}

impl EnvLabel {
    /// What the window calls it (badge, menus, settings): production in capitals, because it
    /// is real money.
    pub fn label(self) -> &'static str {
        match self {
            Self::Demo => DEMO_NAME,
            Self::Sandbox => "Sandbox",
            Self::Production => "PRODUCTION",
        }
    }

    /// Sandbox funding and the sandbox signature shortcut work here.
    pub fn funding_available(self) -> bool {
        self != Self::Production
    }
}

/// The name (and environment label) of the offline demo.
pub const DEMO_NAME: &str = "Demo (offline)";

impl From<Environment> for EnvLabel {
    fn from(value: Environment) -> Self {
        match value {
            Environment::Sandbox => Self::Sandbox,
            Environment::Production => Self::Production,
        }
    }
}

/// Whether the keychain holds the token id and secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialsState {
    Configured,
    Missing,
    /// The keychain could not be read (locked, or no keychain service): the credentials may
    /// be there, so the window must not say "missing".
    Unavailable,
}

/// A connection as the window sees it: never a secret, only whether one is configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionSummary {
    pub id: String,
    pub name: String,
    pub environment: EnvLabel,
    /// [`EnvLabel::label`]: "Demo (offline)", "Sandbox" or "PRODUCTION".
    pub environment_label: &'static str,
    pub base_url: String,
    pub credentials: CredentialsState,
    /// Built-in connections (demo, environment variables) cannot be edited or deleted.
    pub read_only: bool,
    /// Sandbox funding and the sandbox signature shortcut are offered.
    pub funding_available: bool,
}

impl ConnectionSummary {
    fn new(
        id: &str,
        name: &str,
        environment: EnvLabel,
        base_url: String,
        credentials: CredentialsState,
        read_only: bool,
    ) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            environment,
            environment_label: environment.label(),
            base_url,
            credentials,
            read_only,
            funding_available: environment.funding_available(),
        }
    }

    pub fn saved(settings: &ConnectionSettings, credentials: CredentialsState) -> Self {
        Self::new(
            &settings.id,
            &settings.name,
            settings.environment.into(),
            settings.base_url.clone(),
            credentials,
            false,
        )
    }

    pub fn demo(base_url: String) -> Self {
        Self::new(
            DEMO_ID,
            DEMO_NAME,
            EnvLabel::Demo,
            base_url,
            CredentialsState::Configured,
            true,
        )
    }

    pub fn is_production(&self) -> bool {
        self.environment == EnvLabel::Production
    }
}

/// The read-only connection made from `GRID_CLIENT_ID` / `GRID_CLIENT_SECRET`.
#[derive(Debug, Clone)]
pub struct EnvConnection {
    pub environment: Environment,
    pub base_url: String,
    pub credentials: Credentials,
}

impl EnvConnection {
    pub const NAME: &'static str = "Environment variables";

    /// Like Grid's SDKs: `GRID_CLIENT_ID` and `GRID_CLIENT_SECRET`, plus `GRID_BASE_URL`
    /// (default: production) and `GRID_ENVIRONMENT`. Grid's sandbox and production share one
    /// base URL and only the keys tell them apart, so without `GRID_ENVIRONMENT=sandbox` the
    /// connection counts as production (marked red, no sandbox controls): the cautious choice.
    /// An unreadable environment name counts as production too.
    pub fn from_env() -> Option<Self> {
        let credentials = Credentials::from_env()?;
        let base_url = std::env::var("GRID_BASE_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| grid_client::DEFAULT_BASE_URL.to_owned());
        let environment = match std::env::var("GRID_ENVIRONMENT") {
            Err(_) => Environment::Production,
            Ok(text) if text.trim().is_empty() => Environment::Production,
            Ok(text) => Environment::parse(&text).unwrap_or_else(|_| {
                tracing::warn!("GRID_ENVIRONMENT={text:?} is not sandbox/production; treating it as production");
                Environment::Production
            }),
        };
        Some(Self {
            environment,
            base_url,
            credentials,
        })
    }

    pub fn summary(&self) -> ConnectionSummary {
        ConnectionSummary::new(
            ENV_ID,
            Self::NAME,
            self.environment.into(),
            self.base_url.clone(),
            CredentialsState::Configured,
            true,
        )
    }
}

/// Checks and normalises what the connection form sent.
pub fn validate_settings(
    name: &str,
    environment: &str,
    base_url: &str,
) -> UiResult<(String, Environment, String)> {
    let name = name.trim();
    if name.is_empty() {
        return Err(UiError::validation("Give the connection a name."));
    }
    crate::input::connection_name(name)?;
    if name.chars().count() > 80 {
        return Err(UiError::validation(
            "The name is too long (at most 80 characters).",
        ));
    }
    let environment = Environment::parse(environment)?;
    let base_url = if base_url.trim().is_empty() {
        grid_client::DEFAULT_BASE_URL.to_owned()
    } else {
        base_url.trim().to_owned()
    };
    grid_client::validate_base_url(&base_url).map_err(UiError::from)?;
    Ok((name.to_owned(), environment, base_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(id: &str, env: Environment) -> ConnectionSettings {
        ConnectionSettings {
            id: id.into(),
            name: format!("Conn {id}"),
            environment: env,
            base_url: grid_client::DEFAULT_BASE_URL.into(),
        }
    }

    #[test]
    fn a_missing_file_is_an_empty_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = ConnectionsFile::in_dir(&dir.path().join("not-yet"));
        assert_eq!(file.load().config, ConnectionsConfig::default());
    }

    #[test]
    fn saves_atomically_and_round_trips_without_secrets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = ConnectionsFile::in_dir(&dir.path().join("cfg"));
        let mut config = ConnectionsConfig::default();
        config.upsert(settings("a", Environment::Sandbox));
        config.upsert(settings("b", Environment::Production));
        config.active = Some("b".into());
        file.save(&config).expect("save");
        drop(file);
        let file = ConnectionsFile::in_dir(&dir.path().join("cfg"));
        assert_eq!(file.load().config, config);

        let names: Vec<_> = fs::read_dir(dir.path().join("cfg"))
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        let mut names = names;
        names.sort();
        assert_eq!(
            names,
            vec!["connections.json", "connections.json.lock"],
            "no temporary files left behind"
        );
        let text = fs::read_to_string(file.path()).expect("read");
        for forbidden in ["secret", "token", "Secret", "Token"] {
            assert!(
                !text.contains(forbidden),
                "the config file must not mention {forbidden}: {text}"
            );
        }
        assert!(text.contains("\"baseUrl\""), "{text}");
        assert!(text.contains("\"production\""), "{text}");
    }

    #[test]
    fn upsert_replaces_in_place_and_remove_clears_active() {
        let mut config = ConnectionsConfig::default();
        config.upsert(settings("a", Environment::Sandbox));
        config.upsert(settings("b", Environment::Sandbox));
        let mut edited = settings("a", Environment::Production);
        edited.name = "Renamed".into();
        config.upsert(edited);
        assert_eq!(config.connections[0].name, "Renamed");
        assert_eq!(config.connections.len(), 2);
        config.active = Some("a".into());
        assert!(config.remove("a"));
        assert_eq!(config.active, None);
        assert!(!config.remove("a"));
    }

    #[test]
    fn an_unreadable_file_is_set_aside_with_its_time_and_never_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut kept = Vec::new();
        for damaged in [&b"{not json"[..], &b"{\"connections\": 7}"[..]] {
            fs::write(dir.path().join(ConnectionsFile::FILE_NAME), damaged).expect("write");
            let file = ConnectionsFile::in_dir(dir.path());
            let loaded = file.load();
            assert_eq!(loaded.config, ConnectionsConfig::default(), "starts clean");
            let aside = loaded.set_aside.expect("set aside");
            assert_eq!(fs::read(&aside).expect("the copy"), damaged);
            kept.push(aside);
        }
        assert_ne!(
            kept[0], kept[1],
            "the second copy does not replace the first"
        );
        assert!(kept[0]
            .to_string_lossy()
            .contains("connections.json.unreadable-"));
    }

    #[test]
    fn a_second_owner_is_refused_and_never_writes_over_the_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = ConnectionsFile::in_dir(dir.path());
        let mut config = ConnectionsConfig::default();
        config.upsert(settings("a", Environment::Sandbox));
        first.save(&config).expect("the first owner saves");

        let second = ConnectionsFile::in_dir(dir.path());
        let loaded = second.load();
        let err = loaded.in_use.expect("refused");
        assert!(
            err.message.contains(&format!(
                "already in use by another Grid Desk (pid {})",
                std::process::id()
            )),
            "{}",
            err.message
        );
        let err = second
            .save(&ConnectionsConfig::default())
            .expect_err("never writes");
        assert!(err.message.contains("already in use"), "{}", err.message);
        drop((first, second));
        assert_eq!(ConnectionsFile::in_dir(dir.path()).load().config, config);
    }

    #[test]
    fn form_values_are_checked() {
        assert!(validate_settings("", "sandbox", "").is_err());
        assert!(validate_settings("x", "staging", "").is_err());
        assert!(validate_settings("x", "sandbox", "http://example.com").is_err());
        let (name, env, url) = validate_settings("  Ops ", "Production", "").expect("valid");
        assert_eq!(name, "Ops");
        assert_eq!(env, Environment::Production);
        assert_eq!(url, grid_client::DEFAULT_BASE_URL);
    }

    #[test]
    fn summaries_flag_production_and_funding() {
        let prod = ConnectionSummary::saved(
            &settings("p", Environment::Production),
            CredentialsState::Configured,
        );
        assert!(prod.is_production());
        assert!(!prod.funding_available);
        let json = serde_json::to_value(&prod).expect("json");
        assert_eq!(json["environment"], "production");
        assert_eq!(json["credentials"], "configured");
        assert_eq!(json["readOnly"], false);
        assert_eq!(json["fundingAvailable"], false);
        assert_eq!(json["environmentLabel"], "PRODUCTION");
        let demo = ConnectionSummary::demo("http://127.0.0.1:1".into());
        assert_eq!(demo.name, "Demo (offline)");
        assert_eq!(demo.environment_label, "Demo (offline)");
        assert!(demo.funding_available && demo.read_only);
        let sandbox = ConnectionSummary::saved(
            &settings("s", Environment::Sandbox),
            CredentialsState::Missing,
        );
        assert_eq!(sandbox.environment_label, "Sandbox");
        assert!(sandbox.funding_available);
    }
}
