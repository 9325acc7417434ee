//! The connections service: the saved connections (settings file + keychain), the read-only
//! one from the environment, the built-in demo, which one is active, and that connection's
//! `GridClient` (built once, then reused). Every other service asks it for the active
//! connection.

use std::sync::Arc;

use grid_client::models::InternalAccountType;
use grid_client::{ClientConfig, Credentials, GridClient, Secret};
use serde::{Deserialize, Serialize};

use journal::{Kind, Outcome};

use crate::accounts::{list_platform, PlatformAccountsRequest};
use crate::activity::{Activity, Who};
use crate::demo::{self, Demo};
use crate::error::{UiError, UiResult};
use crate::keychain::Keychain;
use crate::notices::Notices;
use crate::settings::{
    validate_settings, ConnectionSettings, ConnectionSummary, ConnectionsConfig, ConnectionsFile,
    EnvConnection, EnvLabel, DEMO_ID, ENV_ID,
};

/// Scheme, host and port of a base URL: where its credentials are sent.
fn origin(base_url: &str) -> Option<String> {
    url::Url::parse(base_url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// `save_connection`: what the connection form sends. Secrets arrive as [`Secret`] so they
/// cannot be logged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SaveConnectionRequest {
    /// Set when editing.
    pub id: Option<String>,
    pub name: String,
    pub environment: String,
    /// Empty: Grid's default base URL.
    #[serde(default)]
    pub base_url: String,
    /// On edit, `None` or empty keeps the stored value.
    #[serde(default, deserialize_with = "crate::input::optional_secret")]
    pub token_id: Option<Secret>,
    #[serde(default, deserialize_with = "crate::input::optional_secret")]
    pub client_secret: Option<Secret>,
}

/// `delete_connection`, `switch_connection`, `test_connection`: which connection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConnectionRequest {
    pub id: String,
}

/// One option of the window's account type filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountTypeOption {
    /// The wire value sent back as the filter.
    pub value: &'static str,
    pub label: String,
}

/// `app_state`: the active connection, every connection, and what the type filter offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStateView {
    pub active: ConnectionSummary,
    pub connections: Vec<ConnectionSummary>,
    pub account_types: Vec<AccountTypeOption>,
    /// An amount in the person's number format ("1,000.50", "1.000,50"), for the amount
    /// field's placeholder.
    pub amount_example: String,
}

/// The account types Grid's filter knows, labelled as cards label them.
pub fn account_types() -> Vec<AccountTypeOption> {
    InternalAccountType::KNOWN
        .iter()
        .map(|&value| AccountTypeOption {
            value,
            label: deposit_instructions::account_type_label(value),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub ok: bool,
    pub message: String,
}

/// The connection a request acts on.
#[derive(Debug, Clone)]
pub struct Active {
    pub id: String,
    pub environment: EnvLabel,
    pub client: GridClient,
}

impl Active {
    pub fn funding_available(&self) -> bool {
        self.environment.funding_available()
    }
}

#[derive(Debug, Clone)]
struct CachedClient {
    active: Active,
    /// For the demo: the simulator run the client was made for.
    demo_generation: u64,
}

#[derive(Debug)]
struct Inner {
    config: ConnectionsConfig,
    active: String,
    client: Option<CachedClient>,
}

fn build_client(base_url: &str, credentials: Credentials) -> UiResult<GridClient> {
    GridClient::new(ClientConfig::new(base_url, credentials)).map_err(UiError::from)
}

fn non_empty_secret(value: Option<Secret>) -> Option<Secret> {
    value
        .map(|s| Secret::new(s.expose().trim()))
        .filter(|s| !s.is_empty())
}

/// Saved, environment and demo connections, and the active one.
#[derive(Debug)]
pub struct Connections {
    file: ConnectionsFile,
    keychain: Keychain,
    env: Option<EnvConnection>,
    demo: Arc<Demo>,
    inner: tokio::sync::Mutex<Inner>,
    /// Connections added, edited, deleted and tested are journalled.
    activity: Arc<Activity>,
}

impl Connections {
    /// Reads the settings file in `config_dir`. The environment connection, when there is one,
    /// is active at start; otherwise the one chosen last, or the demo.
    pub fn new(
        config_dir: &std::path::Path,
        keychain: Keychain,
        env: Option<EnvConnection>,
        demo: Arc<Demo>,
        notices: &Notices,
        activity: Arc<Activity>,
    ) -> Self {
        let file = ConnectionsFile::in_dir(config_dir);
        let loaded = file.load();
        if let Some(aside) = &loaded.set_aside {
            notices.push(
                format!(
                    "Your connection settings could not be read, so Grid Desk started without them. The damaged file was kept as {} (your keychain entries are untouched); add the connections again in Settings.",
                    aside.display()
                ),
                Some(aside),
            );
        }
        if let Some(err) = &loaded.in_use {
            notices.push(err.message.clone(), Some(file.path()));
        }
        let config = loaded.config;
        let active = if env.is_some() {
            ENV_ID.to_owned()
        } else {
            match config.active.as_deref() {
                Some(id) if id == DEMO_ID || config.get(id).is_some() => id.to_owned(),
                _ => DEMO_ID.to_owned(),
            }
        };
        Self {
            file,
            keychain,
            env,
            demo,
            activity,
            inner: tokio::sync::Mutex::new(Inner {
                config,
                active,
                client: None,
            }),
        }
    }

    /// The balance monitoring settings of connection `id` (the defaults when none are saved).
    pub async fn monitor_settings(&self, id: &str) -> crate::monitor::MonitorSettings {
        self.inner
            .lock()
            .await
            .config
            .monitoring
            .get(id)
            .cloned()
            .unwrap_or_default()
    }

    /// Saves the balance monitoring settings of connection `id` in the connections file, beside
    /// the connection.
    /// `below` is the monitor's own ([`Self::save_monitor_below`]): the one saved is kept.
    pub async fn save_monitor_settings(
        &self,
        id: &str,
        mut settings: crate::monitor::MonitorSettings,
    ) -> UiResult<()> {
        let mut inner = self.inner.lock().await;
        if id != DEMO_ID && id != ENV_ID && inner.config.get(id).is_none() {
            return Err(UiError::not_found("That connection no longer exists."));
        }
        let mut config = inner.config.clone();
        settings.below = config
            .monitoring
            .get(id)
            .map(|s| s.below.clone())
            .unwrap_or_default();
        config.monitoring.insert(id.to_owned(), settings);
        self.file.save(&config)?;
        inner.config = config;
        Ok(())
    }

    /// Saves which accounts of connection `id` are below their alert level (and since when),
    /// so a restart does not alert for them again.
    pub async fn save_monitor_below(
        &self,
        id: &str,
        below: std::collections::BTreeMap<String, i64>,
    ) -> UiResult<()> {
        let mut inner = self.inner.lock().await;
        if id != DEMO_ID && id != ENV_ID && inner.config.get(id).is_none() {
            return Ok(());
        }
        let mut config = inner.config.clone();
        config.monitoring.entry(id.to_owned()).or_default().below = below;
        self.file.save(&config)?;
        inner.config = config;
        Ok(())
    }

    pub async fn active_id(&self) -> String {
        self.inner.lock().await.active.clone()
    }

    /// Connection `id` as a journal entry names it (its id when it no longer exists).
    pub async fn who(&self, id: &str) -> Who {
        match self.summary(id).await {
            Ok(summary) => Who {
                connection_id: id.to_owned(),
                connection_name: summary.name,
                environment: summary.environment,
            },
            Err(_) => Who {
                connection_id: id.to_owned(),
                connection_name: id.to_owned(),
                environment: EnvLabel::Production,
            },
        }
    }

    /// The journal every service writes to.
    pub fn activity(&self) -> &Arc<Activity> {
        &self.activity
    }

    /// How the window shows connection `id`.
    pub async fn summary(&self, id: &str) -> UiResult<ConnectionSummary> {
        if id == DEMO_ID {
            return Ok(ConnectionSummary::demo(self.demo.base_url().await));
        }
        if id == ENV_ID {
            return self
                .env
                .as_ref()
                .map(EnvConnection::summary)
                .ok_or_else(|| UiError::not_found("There is no environment-variable connection."));
        }
        let settings = self.settings(id).await?;
        Ok(ConnectionSummary::saved(
            &settings,
            self.keychain.credentials_state(id).await,
        ))
    }

    async fn settings(&self, id: &str) -> UiResult<ConnectionSettings> {
        self.inner
            .lock()
            .await
            .config
            .get(id)
            .cloned()
            .ok_or_else(|| UiError::not_found("That connection no longer exists."))
    }

    pub async fn app_state(&self) -> UiResult<AppStateView> {
        let (active, saved) = {
            let inner = self.inner.lock().await;
            (inner.active.clone(), inner.config.connections.clone())
        };
        let mut connections = vec![ConnectionSummary::demo(self.demo.base_url().await)];
        if let Some(env) = &self.env {
            connections.push(env.summary());
        }
        for settings in &saved {
            let state = self.keychain.credentials_state(&settings.id).await;
            connections.push(ConnectionSummary::saved(settings, state));
        }
        let active = connections
            .iter()
            .find(|c| c.id == active)
            .cloned()
            .unwrap_or_else(|| connections[0].clone());
        Ok(AppStateView {
            active,
            connections,
            account_types: account_types(),
            amount_example: grid_client::money::number_format().example(),
        })
    }

    fn refuse_built_in(id: &str, what: &str) -> UiResult<()> {
        match id {
            DEMO_ID => Err(UiError::validation(format!(
                "The offline demo cannot be {what}. Use \"Reset demo data\" to start it afresh."
            ))),
            ENV_ID => Err(UiError::validation(format!(
                "The connection from GRID_CLIENT_ID / GRID_CLIENT_SECRET cannot be {what} here; change the environment variables instead."
            ))),
            _ => Ok(()),
        }
    }

    /// Adds or edits a connection. Secrets go to the keychain first; only when that worked is
    /// the config file written, so a locked keychain leaves nothing behind anywhere.
    pub async fn save(&self, request: SaveConnectionRequest) -> UiResult<ConnectionSummary> {
        let (name, environment, base_url) =
            validate_settings(&request.name, &request.environment, &request.base_url)?;
        let token_id = non_empty_secret(request.token_id);
        let client_secret = non_empty_secret(request.client_secret);
        if let Some(token) = &token_id {
            crate::input::credential(token.expose(), "API token id")?;
        }
        if let Some(secret) = &client_secret {
            crate::input::credential(secret.expose(), "client secret")?;
        }
        let editing = request
            .id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        let id = match &editing {
            Some(id) => {
                Self::refuse_built_in(id, "edited")?;
                let before = self.settings(id).await?;
                // The stored secrets were given for one server: they never follow the
                // connection to another one without being typed again.
                if origin(&before.base_url) != origin(&base_url)
                    && (token_id.is_none() || client_secret.is_none())
                {
                    return Err(UiError::validation(
                        "The base URL now points to another server. Enter the API token id and the client secret again to send them there.",
                    ));
                }
                id.clone()
            }
            None => {
                if token_id.is_none() || client_secret.is_none() {
                    return Err(UiError::validation(
                        "Enter both the API token id and the client secret.",
                    ));
                }
                uuid::Uuid::new_v4().to_string()
            }
        };

        let previous = self
            .keychain
            .write_credentials(&id, token_id, client_secret)
            .await?;

        let settings = ConnectionSettings {
            id: id.clone(),
            name,
            environment,
            base_url,
        };
        let saved = {
            let mut inner = self.inner.lock().await;
            let mut config = inner.config.clone();
            config.upsert(settings.clone());
            match self.file.save(&config) {
                Ok(()) => {
                    inner.config = config;
                    if inner.active == id {
                        inner.client = None;
                    }
                    Ok(())
                }
                Err(err) => Err(err),
            }
        };
        if let Err(err) = saved {
            // Undo the keychain part so the two stores agree.
            self.keychain.restore(previous).await;
            return Err(err);
        }
        let who = Who {
            connection_id: id.clone(),
            connection_name: settings.name.clone(),
            environment: settings.environment.into(),
        };
        self.activity.note(
            &who,
            if editing.is_some() {
                Kind::ConnectionEdited
            } else {
                Kind::ConnectionAdded
            },
            None,
            None,
            None,
            Outcome::Done,
            &format!(
                "{} · {} · {}",
                settings.name,
                EnvLabel::from(settings.environment).label(),
                settings.base_url
            ),
        );
        Ok(ConnectionSummary::saved(
            &settings,
            self.keychain.credentials_state(&id).await,
        ))
    }

    /// Deletes a connection and its keychain entries. If the keychain cannot be reached the
    /// connection stays, so no secret is orphaned.
    pub async fn delete(&self, request: ConnectionRequest) -> UiResult<()> {
        let id = request.id.as_str();
        Self::refuse_built_in(id, "deleted")?;
        self.settings(id).await?;
        let who = self.who(id).await;
        self.keychain.delete_connection(id).await?;
        let mut inner = self.inner.lock().await;
        let mut config = inner.config.clone();
        config.remove(id);
        let was_active = inner.active == id;
        if was_active {
            config.active = None;
        }
        self.file.save(&config)?;
        inner.config = config;
        if was_active {
            inner.active = if self.env.is_some() {
                ENV_ID.to_owned()
            } else {
                DEMO_ID.to_owned()
            };
            inner.client = None;
        }
        drop(inner);
        self.activity.note(
            &who,
            Kind::ConnectionDeleted,
            None,
            None,
            None,
            Outcome::Done,
            "Deleted with its keychain entries",
        );
        if let Err(err) = self.activity.store().forget_lists(id) {
            tracing::warn!("could not forget the deleted connection's accounts: {err}");
        }
        Ok(())
    }

    /// Makes a connection the active one, remembered across restarts.
    pub async fn switch(&self, request: ConnectionRequest) -> UiResult<ConnectionSummary> {
        let id = request.id.as_str();
        let summary = self.summary(id).await?;
        {
            let mut inner = self.inner.lock().await;
            let mut config = inner.config.clone();
            config.active = Some(id.to_owned());
            if let Err(err) = self.file.save(&config) {
                // Switching still works for this session; only remembering it failed.
                tracing::warn!("could not remember the active connection: {err}");
            } else {
                inner.config = config;
            }
            inner.active = id.to_owned();
            inner.client = None;
        }
        if id == DEMO_ID {
            self.demo.ensure().await?;
            return Ok(ConnectionSummary::demo(self.demo.base_url().await));
        }
        Ok(summary)
    }

    /// Calls Grid with a connection (not necessarily the active one) and says what it found.
    pub async fn test(&self, request: ConnectionRequest) -> UiResult<TestResult> {
        let id = request.id.as_str();
        let summary = self.summary(id).await?;
        let who = self.who(id).await;
        let tested = async {
            let (_, client, _) = self.client_for(id).await?;
            let accounts = list_platform(&client, PlatformAccountsRequest::default()).await?;
            UiResult::Ok((client, accounts.len()))
        }
        .await;
        let (client, count) = match tested {
            Ok(done) => done,
            Err(err) => {
                self.activity.note(
                    &who,
                    Kind::ConnectionTested,
                    None,
                    None,
                    None,
                    Outcome::Failed,
                    &err.message,
                );
                return Err(err);
            }
        };
        self.activity.note(
            &who,
            Kind::ConnectionTested,
            None,
            None,
            None,
            Outcome::Done,
            &format!(
                "Grid answered with {count} platform account{}",
                if count == 1 { "" } else { "s" }
            ),
        );
        Ok(TestResult {
            ok: true,
            message: format!(
                "Connected to \"{}\" at {}: Grid answered with {count} platform account{}.",
                summary.name,
                client.base_url(),
                if count == 1 { "" } else { "s" }
            ),
        })
    }

    /// The credentials of a saved connection, from the keychain.
    pub async fn credentials(&self, id: &str) -> UiResult<Credentials> {
        self.keychain.credentials(id).await
    }

    /// A client for connection `id`, with its environment and (for the demo) the simulator
    /// run it talks to.
    async fn client_for(&self, id: &str) -> UiResult<(EnvLabel, GridClient, u64)> {
        if id == DEMO_ID {
            let base = self.demo.ensure().await?;
            let generation = self.demo.generation();
            return Ok((
                EnvLabel::Demo,
                build_client(&base, demo::credentials())?,
                generation,
            ));
        }
        if id == ENV_ID {
            let env = self.env.as_ref().ok_or_else(|| {
                UiError::not_found("There is no environment-variable connection.")
            })?;
            return Ok((
                env.environment.into(),
                build_client(&env.base_url, env.credentials.clone())?,
                0,
            ));
        }
        let settings = self.settings(id).await?;
        let credentials = self.credentials(id).await?;
        Ok((
            settings.environment.into(),
            build_client(&settings.base_url, credentials)?,
            0,
        ))
    }

    /// The active connection and its client (built once, then reused; for the demo, rebuilt
    /// when the simulator restarted).
    pub async fn active(&self) -> UiResult<Active> {
        let id = {
            let inner = self.inner.lock().await;
            if let Some(cached) = inner.client.as_ref().filter(|c| {
                c.active.id == inner.active
                    && (c.active.id != DEMO_ID || c.demo_generation == self.demo.generation())
            }) {
                return Ok(cached.active.clone());
            }
            inner.active.clone()
        };
        let (environment, client, demo_generation) = self.client_for(&id).await?;
        let active = Active {
            id: id.clone(),
            environment,
            client,
        };
        let mut inner = self.inner.lock().await;
        if inner.active == id {
            inner.client = Some(CachedClient {
                active: active.clone(),
                demo_generation,
            });
        }
        Ok(active)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::error::UiCode;
    use crate::keychain::MemoryStore;
    use crate::settings::{CredentialsState, Environment};
    use crate::{DeskOptions, GridDesk};

    pub(crate) struct Fixture {
        _dir: tempfile::TempDir,
        pub(crate) config_dir: PathBuf,
        pub(crate) store: Arc<MemoryStore>,
        pub(crate) desk: GridDesk,
    }

    impl Fixture {
        fn state(&self) -> &Connections {
            &self.desk.connections
        }
    }

    pub(crate) fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let config_dir = dir.path().join("config");
        let store = Arc::new(MemoryStore::new());
        let desk = GridDesk::new(DeskOptions::new(
            config_dir.clone(),
            dir.path().join("data"),
            store.clone(),
        ));
        Fixture {
            _dir: dir,
            config_dir,
            store,
            desk,
        }
    }

    fn id(id: &str) -> ConnectionRequest {
        ConnectionRequest { id: id.to_owned() }
    }

    fn input(id: Option<&str>, token: Option<&str>, secret: Option<&str>) -> SaveConnectionRequest {
        SaveConnectionRequest {
            id: id.map(str::to_owned),
            name: "Treasury sandbox".into(),
            environment: "sandbox".into(),
            base_url: String::new(),
            token_id: token.map(Secret::new),
            client_secret: secret.map(Secret::new),
        }
    }

    #[tokio::test]
    async fn starts_on_the_demo_when_nothing_is_configured() {
        let f = fixture();
        let view = f.state().app_state().await.expect("state");
        assert_eq!(view.active.id, DEMO_ID);
        assert_eq!(view.active.name, "Demo (offline)");
        assert_eq!(view.active.environment, EnvLabel::Demo);
        assert!(view.active.funding_available);
        assert_eq!(view.connections.len(), 1);
    }

    #[tokio::test]
    async fn saving_puts_secrets_in_the_keychain_and_settings_in_the_file() {
        let f = fixture();
        let summary = f
            .state()
            .save(input(None, Some("tok-1"), Some("s3cr3t-1")))
            .await
            .expect("saved");
        assert_eq!(summary.credentials, CredentialsState::Configured);
        assert_eq!(summary.base_url, grid_client::DEFAULT_BASE_URL);
        let id = summary.id.clone();
        assert_eq!(
            f.store.users(),
            vec![format!("{id}:client-secret"), format!("{id}:token-id")]
        );
        let text = std::fs::read_to_string(f.config_dir.join("connections.json")).expect("file");
        assert!(text.contains("Treasury sandbox"));
        assert!(
            !text.contains("s3cr3t-1") && !text.contains("tok-1"),
            "no secret in the file: {text}"
        );
        let json =
            serde_json::to_string(&f.state().app_state().await.expect("state")).expect("json");
        assert!(!json.contains("s3cr3t-1"), "no secret over IPC: {json}");
    }

    #[tokio::test]
    async fn a_locked_keychain_writes_nothing_anywhere() {
        let f = fixture();
        f.store.set_unavailable(true);
        let err = f
            .state()
            .save(input(None, Some("tok"), Some("sec")))
            .await
            .expect_err("keychain locked");
        assert_eq!(err.code, UiCode::KeychainUnavailable);
        assert_eq!(
            err.message,
            "The system keychain is not available (locked or no Secret Service running). Nothing was saved."
        );
        assert!(
            !f.config_dir.join("connections.json").exists(),
            "no config file may be written when the keychain failed"
        );
        f.store.set_unavailable(false);
        assert!(f.store.users().is_empty());
    }

    #[tokio::test]
    async fn a_new_connection_needs_both_secrets_and_edits_keep_them() {
        let f = fixture();
        let err = f
            .state()
            .save(input(None, Some("tok"), None))
            .await
            .expect_err("secret missing");
        assert_eq!(err.code, UiCode::Validation);

        let saved = f
            .state()
            .save(input(None, Some("tok"), Some("sec")))
            .await
            .expect("saved");
        let mut edit = input(Some(&saved.id), Some(""), None);
        edit.name = "Renamed".into();
        edit.environment = "production".into();
        let edited = f.state().save(edit).await.expect("edited");
        assert_eq!(edited.name, "Renamed");
        assert_eq!(edited.credentials, CredentialsState::Configured);
        assert!(!edited.funding_available);
        let creds = f.state().credentials(&saved.id).await.expect("creds");
        assert_eq!(creds.token_id, "tok");
        assert_eq!(creds.client_secret.expose(), "sec");
    }

    #[tokio::test]
    async fn stored_secrets_do_not_follow_a_connection_to_another_server() {
        let f = fixture();
        let saved = f
            .state()
            .save(input(None, Some("tok"), Some("sec")))
            .await
            .expect("saved");
        let mut moved = input(Some(&saved.id), None, None);
        moved.base_url = "https://grid.example.net/grid/2025-10-13".into();
        let err = f
            .state()
            .save(moved.clone())
            .await
            .expect_err("another host needs the secrets again");
        assert_eq!(err.code, UiCode::Validation);
        assert!(err.message.contains("another server"), "{}", err.message);
        let unchanged = f.state().settings(&saved.id).await.expect("still there");
        assert_eq!(unchanged.base_url, grid_client::DEFAULT_BASE_URL);

        // The same server with another path keeps them; typing them again moves them.
        let mut same_host = input(Some(&saved.id), None, None);
        same_host.base_url = format!("{}/", grid_client::DEFAULT_BASE_URL);
        f.state()
            .save(same_host)
            .await
            .expect("same origin keeps the stored secrets");
        moved.token_id = Some(Secret::new("tok-2"));
        moved.client_secret = Some(Secret::new("sec-2"));
        let edited = f.state().save(moved).await.expect("re-entered");
        assert_eq!(edited.base_url, "https://grid.example.net/grid/2025-10-13");
        let creds = f.state().credentials(&saved.id).await.expect("creds");
        assert_eq!(creds.client_secret.expose(), "sec-2");
    }

    #[tokio::test]
    async fn deleting_removes_keychain_entries_and_falls_back_to_the_demo() {
        let f = fixture();
        let saved = f
            .state()
            .save(input(None, Some("tok"), Some("sec")))
            .await
            .expect("saved");
        f.state().switch(id(&saved.id)).await.expect("switch");
        assert_eq!(f.state().active_id().await, saved.id);

        f.store.set_unavailable(true);
        let err = f.state().delete(id(&saved.id)).await.expect_err("locked");
        assert_eq!(err.code, UiCode::KeychainUnavailable);
        let listed = f.state().app_state().await.expect("state").connections;
        assert_eq!(listed.len(), 2);
        let row = listed.iter().find(|c| c.id == saved.id).expect("listed");
        assert_eq!(
            row.credentials,
            CredentialsState::Unavailable,
            "a locked keychain is not reported as missing credentials"
        );
        f.store.set_unavailable(false);

        f.state().delete(id(&saved.id)).await.expect("deleted");
        assert!(f.store.users().is_empty(), "keychain entries removed");
        assert_eq!(f.state().active_id().await, DEMO_ID);
        let reloaded: ConnectionsConfig = serde_json::from_slice(
            &std::fs::read(f.config_dir.join(ConnectionsFile::FILE_NAME)).expect("read"),
        )
        .expect("json");
        assert!(reloaded.connections.is_empty());
    }

    #[tokio::test]
    async fn built_in_connections_cannot_be_edited_or_deleted() {
        let f = fixture();
        let err = f.state().delete(id(DEMO_ID)).await.expect_err("demo");
        assert_eq!(err.code, UiCode::Validation);
        let err = f
            .state()
            .save(input(Some(DEMO_ID), None, None))
            .await
            .expect_err("demo");
        assert_eq!(err.code, UiCode::Validation);
    }

    #[tokio::test]
    async fn the_active_connection_is_remembered() {
        let f = fixture();
        let saved = f
            .state()
            .save(input(None, Some("tok"), Some("sec")))
            .await
            .expect("saved");
        f.state().switch(id(&saved.id)).await.expect("switch");
        // The first app lets go of its files (a second one would be refused).
        let Fixture {
            _dir,
            config_dir,
            store,
            desk,
        } = f;
        drop(desk);
        let again = GridDesk::new(DeskOptions::new(
            config_dir.clone(),
            config_dir.join("unused"),
            store,
        ));
        assert_eq!(again.connections.active_id().await, saved.id);
    }

    #[tokio::test]
    async fn the_environment_connection_is_active_and_read_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut options = DeskOptions::new(
            dir.path().join("c"),
            dir.path().join("d"),
            Arc::new(MemoryStore::new()),
        );
        options.env = Some(EnvConnection {
            environment: Environment::Production,
            base_url: grid_client::DEFAULT_BASE_URL.into(),
            credentials: Credentials::new("id", "secret"),
        });
        let desk = GridDesk::new(options);
        let state = &desk.connections;
        let view = state.app_state().await.expect("state");
        assert_eq!(view.active.id, ENV_ID);
        assert!(view.active.read_only);
        assert!(view.active.is_production());
        assert!(!view.active.funding_available);
        let err = state.delete(id(ENV_ID)).await.expect_err("read-only");
        assert_eq!(err.code, UiCode::Validation);
    }
}
