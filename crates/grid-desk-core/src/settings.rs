//! Saved connections: the non-secret settings (id, name, environment, base URL) in
//! `connections.json` in the app's config dir, the connection from the process environment,
//! and how a connection is shown to the window. Token ids and client secrets are never written
//! here; they live in the keychain (`keychain.rs`).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use grid_client::Credentials;
use serde::{Deserialize, Serialize};

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

/// The config file on disk.
#[derive(Debug, Clone)]
pub struct ConnectionsFile {
    path: PathBuf,
}

impl ConnectionsFile {
    pub const FILE_NAME: &'static str = "connections.json";

    pub fn in_dir(config_dir: &Path) -> Self {
        Self {
            path: config_dir.join(Self::FILE_NAME),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A missing file is an empty config. An unreadable one is set aside (renamed with a
    /// `.unreadable` suffix) so the next save does not silently destroy it.
    pub fn load(&self) -> ConnectionsConfig {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return ConnectionsConfig::default()
            }
            Err(e) => {
                tracing::warn!("could not read {}: {e}", self.path.display());
                return ConnectionsConfig::default();
            }
        };
        match serde_json::from_slice(&bytes) {
            Ok(config) => config,
            Err(e) => {
                let aside = self.path.with_extension("json.unreadable");
                tracing::warn!(
                    "{} is not valid ({e}); moved to {}",
                    self.path.display(),
                    aside.display()
                );
                let _ = fs::rename(&self.path, aside);
                ConnectionsConfig::default()
            }
        }
    }

    /// Writes atomically: a temporary file in the same directory, flushed, then renamed over
    /// the old one, so a crash leaves either the old or the new file, never half of one.
    pub fn save(&self, config: &ConnectionsConfig) -> UiResult<()> {
        let dir = self
            .path
            .parent()
            .ok_or_else(|| UiError::unknown("The settings file has no folder."))?;
        let fail = |e: std::io::Error| {
            UiError::unknown(format!(
                "The connection settings could not be saved in {}: {e}",
                dir.display()
            ))
        };
        fs::create_dir_all(dir).map_err(fail)?;
        let json = serde_json::to_vec_pretty(config)
            .map_err(|e| UiError::unknown(format!("The settings could not be written: {e}")))?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            Self::FILE_NAME,
            uuid::Uuid::new_v4().simple()
        ));
        let result = (|| {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(&json)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(fail)
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
        assert_eq!(file.load(), ConnectionsConfig::default());
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
        assert_eq!(file.load(), config);

        let names: Vec<_> = fs::read_dir(dir.path().join("cfg"))
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec!["connections.json"],
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
    fn an_unreadable_file_is_set_aside_not_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = ConnectionsFile::in_dir(dir.path());
        fs::write(file.path(), b"{not json").expect("write");
        assert_eq!(file.load(), ConnectionsConfig::default());
        assert!(dir.path().join("connections.json.unreadable").exists());
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
