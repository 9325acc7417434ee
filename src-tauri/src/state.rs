//! The app's state: saved connections, which one is active (and its client), the keychain, the
//! offline demo and the fund guard. Commands (`commands.rs`) only forward to the methods here,
//! so all of it runs in tests without a window.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use deposit_instructions::{AccountView, ExternalAccountView};
use grid_client::{ClientConfig, Credentials, GridClient, Secret};
use serde::Serialize;

use crate::accounts::{self, Challenges, CheckedAmount, FundGuard, PageView, UpdateStart};
use crate::connections::{
    validate_settings, ConnectionSettings, ConnectionSummary, ConnectionsConfig, ConnectionsFile,
    CredentialsState, EnvLabel, Environment, DEMO_ID, ENV_ID,
};
use crate::demo::{self, Demo, DemoObserver};
use crate::error::{UiError, UiResult};
use crate::keychain::{
    entry_user, run_blocking, KeychainError, KeychainOp, SecretKind, SecretStore,
};
use crate::printing::{AccountCache, PrintScope};

/// Scheme, host and port of a base URL: where its credentials are sent.
fn origin(base_url: &str) -> Option<String> {
    url::Url::parse(base_url)
        .ok()
        .map(|u| u.origin().ascii_serialization())
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

    fn summary(&self) -> ConnectionSummary {
        ConnectionSummary {
            id: ENV_ID.to_owned(),
            name: Self::NAME.to_owned(),
            environment: self.environment.into(),
            base_url: self.base_url.clone(),
            credentials: CredentialsState::Configured,
            read_only: true,
            funding_available: self.environment == Environment::Sandbox,
        }
    }
}

/// Where things live and what is available; built by `lib.rs` from the Tauri paths and the
/// process environment, or by tests from temp dirs.
#[derive(Debug)]
pub struct StateOptions {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    pub demo_addr: Option<SocketAddr>,
    pub env: Option<EnvConnection>,
    pub store: Arc<dyn SecretStore>,
}

/// What the connection form sends. Secrets arrive as [`Secret`] so they cannot be logged.
#[derive(Debug, Clone)]
pub struct ConnectionInput {
    pub id: Option<String>,
    pub name: String,
    pub environment: String,
    pub base_url: String,
    /// On edit, `None` or empty keeps the stored value.
    pub token_id: Option<Secret>,
    pub client_secret: Option<Secret>,
}

/// How the window signs step two of a signed update.
#[derive(Debug, Clone)]
pub enum SignMethod {
    /// `sandbox-valid-signature` (sandbox and demo only).
    Sandbox,
    /// The connection's session signing key from the keychain.
    SessionKey,
    /// A stamp made elsewhere.
    Stamp(String),
}

impl SignMethod {
    pub fn parse(method: &str, stamp: Option<String>) -> UiResult<Self> {
        match method {
            "sandbox" => Ok(Self::Sandbox),
            "sessionKey" => Ok(Self::SessionKey),
            "stamp" => Ok(Self::Stamp(stamp.unwrap_or_default())),
            other => Err(UiError::validation(format!(
                "Unknown signing method \"{other}\": choose the sandbox shortcut, the session key or a pasted stamp."
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStateView {
    pub active: ConnectionSummary,
    pub connections: Vec<ConnectionSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub ok: bool,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionKeyStatus {
    pub configured: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub public_key: String,
}

#[derive(Debug, Clone)]
struct CachedClient {
    id: String,
    environment: EnvLabel,
    client: GridClient,
}

#[derive(Debug)]
struct Inner {
    config: ConnectionsConfig,
    active: String,
    client: Option<CachedClient>,
}

/// The connection a command acts on.
#[derive(Debug, Clone)]
pub struct Active {
    pub id: String,
    pub environment: EnvLabel,
    pub client: GridClient,
}

impl Active {
    pub fn funding_available(&self) -> bool {
        self.environment != EnvLabel::Production
    }
}

#[derive(Debug)]
pub struct AppState {
    file: ConnectionsFile,
    data_dir: PathBuf,
    demo_addr: Option<SocketAddr>,
    store: Arc<dyn SecretStore>,
    env: Option<EnvConnection>,
    inner: tokio::sync::Mutex<Inner>,
    demo: tokio::sync::Mutex<Option<Demo>>,
    demo_observer: Option<DemoObserver>,
    funding: FundGuard,
    /// Signed-update challenges waiting for step two.
    challenges: Challenges,
    /// Account views the lists returned, so ticked accounts can be printed.
    printable: AccountCache,
}

fn build_client(base_url: &str, credentials: Credentials) -> UiResult<GridClient> {
    GridClient::new(ClientConfig::new(base_url, credentials)).map_err(UiError::from)
}

/// Re-labels a read failure that happened while saving, so the user hears "nothing was saved".
fn as_write(err: KeychainError) -> KeychainError {
    match err {
        KeychainError::Unavailable(_, detail) => {
            KeychainError::Unavailable(KeychainOp::Write, detail)
        }
        other => other,
    }
}

type Previous = Vec<(String, Option<Secret>)>;

/// Writes several entries, undoing the ones already written if one fails.
fn write_entries(
    store: &dyn SecretStore,
    entries: &[(String, Secret)],
) -> Result<Previous, KeychainError> {
    let mut previous = Vec::with_capacity(entries.len());
    for (user, _) in entries {
        previous.push((user.clone(), store.get(user).map_err(as_write)?));
    }
    for (done, (user, value)) in entries.iter().enumerate() {
        if let Err(err) = store.set(user, value) {
            restore_entries(store, &previous[..done]);
            return Err(err);
        }
    }
    Ok(previous)
}

fn restore_entries(store: &dyn SecretStore, previous: &[(String, Option<Secret>)]) {
    for (user, value) in previous {
        let undone = match value {
            Some(value) => store.set(user, value),
            None => store.delete(user),
        };
        if let Err(err) = undone {
            tracing::warn!("could not undo keychain entry {user}: {err}");
        }
    }
}

fn non_empty_secret(value: Option<Secret>) -> Option<Secret> {
    value
        .map(|s| Secret::new(s.expose().trim()))
        .filter(|s| !s.is_empty())
}

impl AppState {
    pub fn new(options: StateOptions) -> Self {
        let file = ConnectionsFile::in_dir(&options.config_dir);
        let config = file.load();
        let active = if options.env.is_some() {
            ENV_ID.to_owned()
        } else {
            match config.active.as_deref() {
                Some(id) if id == DEMO_ID || config.get(id).is_some() => id.to_owned(),
                _ => DEMO_ID.to_owned(),
            }
        };
        Self {
            file,
            data_dir: options.data_dir,
            demo_addr: options.demo_addr,
            store: options.store,
            env: options.env,
            inner: tokio::sync::Mutex::new(Inner {
                config,
                active,
                client: None,
            }),
            demo: tokio::sync::Mutex::new(None),
            demo_observer: None,
            funding: FundGuard::default(),
            challenges: Challenges::default(),
            printable: AccountCache::default(),
        }
    }

    /// Reports every response of the demo simulator to `observer` (before the demo starts).
    #[must_use]
    pub fn with_demo_observer(mut self, observer: DemoObserver) -> Self {
        self.demo_observer = Some(observer);
        self
    }

    pub async fn active_id(&self) -> String {
        self.inner.lock().await.active.clone()
    }

    // ----- connections ---------------------------------------------------------------------

    async fn credentials_state(&self, id: &str) -> CredentialsState {
        let token = entry_user(id, SecretKind::TokenId);
        let secret = entry_user(id, SecretKind::ClientSecret);
        let found = run_blocking(&self.store, move |s| {
            Ok(s.get(&token)?.is_some_and(|v| !v.is_empty())
                && s.get(&secret)?.is_some_and(|v| !v.is_empty()))
        })
        .await;
        match found {
            Ok(true) => CredentialsState::Configured,
            Ok(false) => CredentialsState::Missing,
            Err(err) => {
                tracing::warn!("keychain check for {id} failed: {err}");
                CredentialsState::Unavailable
            }
        }
    }

    async fn demo_summary(&self) -> ConnectionSummary {
        let url = match self.demo.lock().await.as_ref() {
            Some(demo) => demo.base_url(),
            None => match self.demo_addr {
                Some(addr) => format!("http://{addr}"),
                None => "http://127.0.0.1 (in-process, starts when used)".to_owned(),
            },
        };
        ConnectionSummary::demo(url)
    }

    async fn summary(&self, id: &str) -> UiResult<ConnectionSummary> {
        if id == DEMO_ID {
            return Ok(self.demo_summary().await);
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
            self.credentials_state(id).await,
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
        let mut connections = vec![self.demo_summary().await];
        if let Some(env) = &self.env {
            connections.push(env.summary());
        }
        for settings in &saved {
            let state = self.credentials_state(&settings.id).await;
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
    pub async fn save_connection(&self, input: ConnectionInput) -> UiResult<ConnectionSummary> {
        let (name, environment, base_url) =
            validate_settings(&input.name, &input.environment, &input.base_url)?;
        let token_id = non_empty_secret(input.token_id);
        let client_secret = non_empty_secret(input.client_secret);
        if let Some(token) = &token_id {
            crate::input::credential(token.expose(), "API token id")?;
        }
        if let Some(secret) = &client_secret {
            crate::input::credential(secret.expose(), "client secret")?;
        }
        let editing = input
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

        let mut entries = Vec::new();
        if let Some(token) = token_id {
            entries.push((entry_user(&id, SecretKind::TokenId), token));
        }
        if let Some(secret) = client_secret {
            entries.push((entry_user(&id, SecretKind::ClientSecret), secret));
        }
        let entries = Arc::new(entries);
        let to_write = Arc::clone(&entries);
        let previous = run_blocking(&self.store, move |s| write_entries(s, &to_write)).await?;

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
            let _ = run_blocking(&self.store, move |s| {
                restore_entries(s, &previous);
                Ok(())
            })
            .await;
            return Err(err);
        }
        Ok(ConnectionSummary::saved(
            &settings,
            self.credentials_state(&id).await,
        ))
    }

    /// Deletes a connection and its keychain entries. If the keychain cannot be reached the
    /// connection stays, so no secret is orphaned.
    pub async fn delete_connection(&self, id: &str) -> UiResult<()> {
        Self::refuse_built_in(id, "deleted")?;
        self.settings(id).await?;
        let owner = id.to_owned();
        run_blocking(&self.store, move |s| {
            for kind in SecretKind::ALL {
                s.delete(&entry_user(&owner, kind))?;
            }
            Ok(())
        })
        .await?;
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
        Ok(())
    }

    pub async fn switch_connection(&self, id: &str) -> UiResult<ConnectionSummary> {
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
            self.ensure_demo().await?;
            return Ok(self.demo_summary().await);
        }
        Ok(summary)
    }

    pub async fn test_connection(&self, id: &str) -> UiResult<TestResult> {
        let summary = self.summary(id).await?;
        let (_, client) = self.client_for(id).await?;
        let accounts = accounts::list_platform(&client, None, None).await?;
        let count = accounts.len();
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

    async fn read_credentials(&self, id: &str) -> UiResult<Credentials> {
        let token = entry_user(id, SecretKind::TokenId);
        let secret = entry_user(id, SecretKind::ClientSecret);
        let (token, secret) =
            run_blocking(&self.store, move |s| Ok((s.get(&token)?, s.get(&secret)?))).await?;
        match (token, secret) {
            (Some(token), Some(secret)) if !token.is_empty() && !secret.is_empty() => {
                Ok(Credentials {
                    token_id: token.expose().to_owned(),
                    client_secret: secret,
                })
            }
            _ => Err(UiError::validation(
                "This connection has no token id and client secret in the keychain. Edit it in Settings to add them.",
            )),
        }
    }

    async fn client_for(&self, id: &str) -> UiResult<(EnvLabel, GridClient)> {
        if id == DEMO_ID {
            let base = self.ensure_demo().await?;
            return Ok((EnvLabel::Demo, build_client(&base, demo::credentials())?));
        }
        if id == ENV_ID {
            let env = self.env.as_ref().ok_or_else(|| {
                UiError::not_found("There is no environment-variable connection.")
            })?;
            return Ok((
                env.environment.into(),
                build_client(&env.base_url, env.credentials.clone())?,
            ));
        }
        let settings = self.settings(id).await?;
        let credentials = self.read_credentials(id).await?;
        Ok((
            settings.environment.into(),
            build_client(&settings.base_url, credentials)?,
        ))
    }

    /// The active connection and its client (built once, then reused).
    pub async fn active(&self) -> UiResult<Active> {
        let id = {
            let inner = self.inner.lock().await;
            if let Some(cached) = inner.client.as_ref().filter(|c| c.id == inner.active) {
                return Ok(Active {
                    id: cached.id.clone(),
                    environment: cached.environment,
                    client: cached.client.clone(),
                });
            }
            inner.active.clone()
        };
        let (environment, client) = self.client_for(&id).await?;
        let mut inner = self.inner.lock().await;
        if inner.active == id {
            inner.client = Some(CachedClient {
                id: id.clone(),
                environment,
                client: client.clone(),
            });
        }
        Ok(Active {
            id,
            environment,
            client,
        })
    }

    // ----- demo ----------------------------------------------------------------------------

    async fn demo_session_keys(&self) -> Vec<String> {
        let user = entry_user(DEMO_ID, SecretKind::SessionKey);
        match run_blocking(&self.store, move |s| s.get(&user)).await {
            Ok(Some(key)) => grid_client::signing::public_key_hex(key.expose())
                .map(|k| vec![k])
                .unwrap_or_default(),
            Ok(None) => Vec::new(),
            Err(err) => {
                tracing::warn!("demo session key not read: {err}");
                Vec::new()
            }
        }
    }

    /// Starts the in-process simulator if it is not running; returns its base URL.
    pub async fn ensure_demo(&self) -> UiResult<String> {
        let mut demo = self.demo.lock().await;
        if let Some(running) = demo.as_ref() {
            return Ok(running.base_url());
        }
        let keys = self.demo_session_keys().await;
        let started = Demo::start(
            &self.data_dir,
            self.demo_addr,
            keys,
            self.demo_observer.clone(),
        )
        .await?;
        let url = started.base_url();
        *demo = Some(started);
        Ok(url)
    }

    pub async fn reset_demo(&self) -> UiResult<()> {
        {
            let mut demo = self.demo.lock().await;
            match demo.as_mut() {
                Some(running) => running.reset().await?,
                None => {
                    let seed = demo::seed_accounts_from_env().map_err(UiError::unknown)?;
                    demo::remove_state_file(&demo::state_file(&self.data_dir, seed))?;
                }
            }
        }
        let mut inner = self.inner.lock().await;
        if inner.active == DEMO_ID {
            inner.client = None;
        }
        Ok(())
    }

    /// Stops the demo simulator (on exit), letting it finish writing its state.
    pub async fn shutdown(&self) {
        if let Some(demo) = self.demo.lock().await.take() {
            demo.shutdown().await;
        }
    }

    // ----- accounts ------------------------------------------------------------------------

    pub async fn list_platform_accounts(
        &self,
        currency: Option<String>,
        account_type: Option<String>,
    ) -> UiResult<Vec<AccountView>> {
        let active = self.active().await?;
        let views = accounts::list_platform(&active.client, currency, account_type).await?;
        self.printable.remember(&active.id, &views);
        Ok(views)
    }

    pub async fn list_customer_accounts(
        &self,
        customer_id: Option<String>,
        currency: Option<String>,
        account_type: Option<String>,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> UiResult<PageView<AccountView>> {
        let active = self.active().await?;
        let page = accounts::list_customer(
            &active.client,
            customer_id,
            currency,
            account_type,
            cursor,
            limit,
        )
        .await?;
        self.printable.remember(&active.id, &page.items);
        Ok(page)
    }

    pub async fn list_external_accounts(
        &self,
        platform: bool,
        customer_id: Option<String>,
        currency: Option<String>,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> UiResult<PageView<ExternalAccountView>> {
        let active = self.active().await?;
        accounts::list_external(
            &active.client,
            platform,
            customer_id,
            currency,
            cursor,
            limit,
        )
        .await
    }

    pub fn check_amount(
        &self,
        text: &str,
        currency_code: Option<String>,
        decimals: Option<u32>,
        currency_symbol: Option<String>,
    ) -> UiResult<CheckedAmount> {
        accounts::check_amount(text, currency_code, decimals, currency_symbol)
    }

    pub async fn fund_sandbox_account(
        &self,
        account_id: &str,
        amount: i64,
        customer_id: Option<String>,
    ) -> UiResult<AccountView> {
        let active = self.active().await?;
        if !active.funding_available() {
            return Err(UiError::forbidden(
                "Sandbox funding is not available on a production connection.",
            ));
        }
        let key = format!("{}/{}", active.id, account_id.trim());
        let funded = accounts::fund(
            &active.client,
            &self.funding,
            &key,
            account_id,
            amount,
            customer_id,
        )
        .await;
        match &funded {
            Ok(view) => self.printable.remember(&active.id, [view]),
            Err(err) => self.printable.remember(&active.id, err.account.as_deref()),
        }
        funded
    }

    pub async fn start_account_update(
        &self,
        account_id: &str,
        private_enabled: bool,
    ) -> UiResult<UpdateStart> {
        let active = self.active().await?;
        let start = accounts::start_update(&active.client, account_id, private_enabled).await?;
        match &start {
            UpdateStart::Challenge {
                request_id,
                payload_to_sign,
                ..
            } => self.challenges.remember(
                &active.id,
                account_id,
                private_enabled,
                request_id,
                payload_to_sign,
            ),
            UpdateStart::Updated { account } => self.printable.remember(&active.id, [&**account]),
        }
        Ok(start)
    }

    /// Step two of the signed update: signs the payload of the challenge Grid issued in step
    /// one (kept here, never taken from the window) and resends the body step one bound.
    pub async fn complete_account_update(
        &self,
        account_id: &str,
        request_id: &str,
        method: SignMethod,
    ) -> UiResult<AccountView> {
        let active = self.active().await?;
        let pending = self.challenges.find(&active.id, account_id, request_id)?;
        let payload_to_sign = pending.payload_to_sign.as_str();
        let stamp = match method {
            SignMethod::Sandbox => {
                if !active.funding_available() {
                    return Err(UiError::validation(
                        "The sandbox signature shortcut only works on sandbox and demo connections. Production needs a real signature: use a session key or paste a stamp.",
                    ));
                }
                accounts::SANDBOX_SIGNATURE.to_owned()
            }
            SignMethod::SessionKey => {
                let key = self.read_session_key(&active.id).await?.ok_or_else(|| {
                    UiError::validation(
                        "No session signing key is saved for this connection. Paste or generate one in Settings.",
                    )
                })?;
                if payload_to_sign.is_empty() {
                    return Err(UiError::validation(
                        "There is no payload to sign: request the change again.",
                    ));
                }
                grid_client::signing::sign_payload(key.expose(), payload_to_sign)
                    .map_err(|e| UiError::validation(e.to_string()))?
            }
            SignMethod::Stamp(stamp) => crate::input::stamp(&stamp)?,
        };
        let updated = accounts::complete_update(
            &active.client,
            account_id,
            pending.private_enabled,
            request_id,
            &stamp,
        )
        .await?;
        self.challenges.forget(request_id);
        self.printable.remember(&active.id, [&updated]);
        Ok(updated)
    }

    // ----- printing ------------------------------------------------------------------------

    /// The accounts a print or export covers, with what the sheets say about their origin.
    pub async fn print_job(&self, scope: &PrintScope) -> UiResult<crate::printing::PrintJob> {
        let active = self.active().await?;
        let accounts =
            crate::printing::resolve_scope(&active.client, &active.id, &self.printable, scope)
                .await?;
        let connection_name = self.summary(&active.id).await?.name;
        Ok(crate::printing::PrintJob {
            accounts,
            environment: active.environment,
            connection_name,
        })
    }

    // ----- session keys --------------------------------------------------------------------

    async fn read_session_key(&self, id: &str) -> UiResult<Option<Secret>> {
        let user = entry_user(id, SecretKind::SessionKey);
        Ok(run_blocking(&self.store, move |s| s.get(&user)).await?)
    }

    pub async fn session_key_status(&self) -> UiResult<SessionKeyStatus> {
        let id = self.active_id().await;
        let key = self.read_session_key(&id).await?;
        let public_key = key.and_then(|k| grid_client::signing::public_key_hex(k.expose()).ok());
        Ok(SessionKeyStatus {
            configured: public_key.is_some(),
            public_key,
        })
    }

    async fn store_session_key(&self, key: Secret) -> UiResult<PublicKey> {
        let public_key = grid_client::signing::public_key_hex(key.expose())
            .map_err(|e| UiError::validation(e.to_string()))?;
        let id = self.active_id().await;
        let user = entry_user(&id, SecretKind::SessionKey);
        let normalised = Secret::new(
            key.expose()
                .trim()
                .trim_start_matches("0x")
                .to_ascii_lowercase(),
        );
        run_blocking(&self.store, move |s| s.set(&user, &normalised)).await?;
        self.session_keys_changed(&id).await?;
        Ok(PublicKey { public_key })
    }

    pub async fn save_session_key(&self, private_key_hex: Secret) -> UiResult<PublicKey> {
        self.store_session_key(private_key_hex).await
    }

    pub async fn generate_session_key(&self) -> UiResult<PublicKey> {
        let (private, _public) = grid_client::signing::generate_session_key();
        self.store_session_key(private).await
    }

    pub async fn delete_session_key(&self) -> UiResult<()> {
        let id = self.active_id().await;
        let user = entry_user(&id, SecretKind::SessionKey);
        run_blocking(&self.store, move |s| s.delete(&user)).await?;
        self.session_keys_changed(&id).await
    }

    /// The demo simulator only accepts stamps from registered keys: register the new one.
    async fn session_keys_changed(&self, id: &str) -> UiResult<()> {
        if id != DEMO_ID {
            return Ok(());
        }
        let keys = self.demo_session_keys().await;
        let mut demo = self.demo.lock().await;
        if let Some(running) = demo.as_mut() {
            running.set_session_public_keys(keys).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UiCode;
    use crate::keychain::MemoryStore;

    struct Fixture {
        _dir: tempfile::TempDir,
        config_dir: PathBuf,
        store: Arc<MemoryStore>,
        state: AppState,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let config_dir = dir.path().join("config");
        let store = Arc::new(MemoryStore::new());
        let state = AppState::new(StateOptions {
            config_dir: config_dir.clone(),
            data_dir: dir.path().join("data"),
            demo_addr: None,
            env: None,
            store: store.clone(),
        });
        Fixture {
            _dir: dir,
            config_dir,
            store,
            state,
        }
    }

    fn input(id: Option<&str>, token: Option<&str>, secret: Option<&str>) -> ConnectionInput {
        ConnectionInput {
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
        let view = f.state.app_state().await.expect("state");
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
            .state
            .save_connection(input(None, Some("tok-1"), Some("s3cr3t-1")))
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
        let json = serde_json::to_string(&f.state.app_state().await.expect("state")).expect("json");
        assert!(!json.contains("s3cr3t-1"), "no secret over IPC: {json}");
    }

    #[tokio::test]
    async fn a_locked_keychain_writes_nothing_anywhere() {
        let f = fixture();
        f.store.set_unavailable(true);
        let err = f
            .state
            .save_connection(input(None, Some("tok"), Some("sec")))
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
            .state
            .save_connection(input(None, Some("tok"), None))
            .await
            .expect_err("secret missing");
        assert_eq!(err.code, UiCode::Validation);

        let saved = f
            .state
            .save_connection(input(None, Some("tok"), Some("sec")))
            .await
            .expect("saved");
        let mut edit = input(Some(&saved.id), Some(""), None);
        edit.name = "Renamed".into();
        edit.environment = "production".into();
        let edited = f.state.save_connection(edit).await.expect("edited");
        assert_eq!(edited.name, "Renamed");
        assert_eq!(edited.credentials, CredentialsState::Configured);
        assert!(!edited.funding_available);
        let creds = f.state.read_credentials(&saved.id).await.expect("creds");
        assert_eq!(creds.token_id, "tok");
        assert_eq!(creds.client_secret.expose(), "sec");
    }

    #[tokio::test]
    async fn stored_secrets_do_not_follow_a_connection_to_another_server() {
        let f = fixture();
        let saved = f
            .state
            .save_connection(input(None, Some("tok"), Some("sec")))
            .await
            .expect("saved");
        let mut moved = input(Some(&saved.id), None, None);
        moved.base_url = "https://grid.example.net/grid/2025-10-13".into();
        let err = f
            .state
            .save_connection(moved.clone())
            .await
            .expect_err("another host needs the secrets again");
        assert_eq!(err.code, UiCode::Validation);
        assert!(err.message.contains("another server"), "{}", err.message);
        let unchanged = f.state.settings(&saved.id).await.expect("still there");
        assert_eq!(unchanged.base_url, grid_client::DEFAULT_BASE_URL);

        // The same server with another path keeps them; typing them again moves them.
        let mut same_host = input(Some(&saved.id), None, None);
        same_host.base_url = format!("{}/", grid_client::DEFAULT_BASE_URL);
        f.state
            .save_connection(same_host)
            .await
            .expect("same origin keeps the stored secrets");
        moved.token_id = Some(Secret::new("tok-2"));
        moved.client_secret = Some(Secret::new("sec-2"));
        let edited = f.state.save_connection(moved).await.expect("re-entered");
        assert_eq!(edited.base_url, "https://grid.example.net/grid/2025-10-13");
        let creds = f.state.read_credentials(&saved.id).await.expect("creds");
        assert_eq!(creds.client_secret.expose(), "sec-2");
    }

    #[tokio::test]
    async fn deleting_removes_keychain_entries_and_falls_back_to_the_demo() {
        let f = fixture();
        let saved = f
            .state
            .save_connection(input(None, Some("tok"), Some("sec")))
            .await
            .expect("saved");
        f.state.switch_connection(&saved.id).await.expect("switch");
        assert_eq!(f.state.active_id().await, saved.id);

        f.store.set_unavailable(true);
        let err = f
            .state
            .delete_connection(&saved.id)
            .await
            .expect_err("locked");
        assert_eq!(err.code, UiCode::KeychainUnavailable);
        let listed = f.state.app_state().await.expect("state").connections;
        assert_eq!(listed.len(), 2);
        let row = listed.iter().find(|c| c.id == saved.id).expect("listed");
        assert_eq!(
            row.credentials,
            CredentialsState::Unavailable,
            "a locked keychain is not reported as missing credentials"
        );
        f.store.set_unavailable(false);

        f.state.delete_connection(&saved.id).await.expect("deleted");
        assert!(f.store.users().is_empty(), "keychain entries removed");
        assert_eq!(f.state.active_id().await, DEMO_ID);
        let reloaded = ConnectionsFile::in_dir(&f.config_dir).load();
        assert!(reloaded.connections.is_empty());
    }

    #[tokio::test]
    async fn built_in_connections_cannot_be_edited_or_deleted() {
        let f = fixture();
        let err = f.state.delete_connection(DEMO_ID).await.expect_err("demo");
        assert_eq!(err.code, UiCode::Validation);
        let err = f
            .state
            .save_connection(input(Some(DEMO_ID), None, None))
            .await
            .expect_err("demo");
        assert_eq!(err.code, UiCode::Validation);
    }

    #[tokio::test]
    async fn the_active_connection_is_remembered() {
        let f = fixture();
        let saved = f
            .state
            .save_connection(input(None, Some("tok"), Some("sec")))
            .await
            .expect("saved");
        f.state.switch_connection(&saved.id).await.expect("switch");
        let again = AppState::new(StateOptions {
            config_dir: f.config_dir.clone(),
            data_dir: f.config_dir.join("unused"),
            demo_addr: None,
            env: None,
            store: f.store.clone(),
        });
        assert_eq!(again.active_id().await, saved.id);
    }

    #[tokio::test]
    async fn the_environment_connection_is_active_and_read_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = AppState::new(StateOptions {
            config_dir: dir.path().join("c"),
            data_dir: dir.path().join("d"),
            demo_addr: None,
            env: Some(EnvConnection {
                environment: Environment::Production,
                base_url: grid_client::DEFAULT_BASE_URL.into(),
                credentials: Credentials::new("id", "secret"),
            }),
            store: Arc::new(MemoryStore::new()),
        });
        let view = state.app_state().await.expect("state");
        assert_eq!(view.active.id, ENV_ID);
        assert!(view.active.read_only);
        assert!(view.active.is_production());
        assert!(!view.active.funding_available);
        let err = state
            .delete_connection(ENV_ID)
            .await
            .expect_err("read-only");
        assert_eq!(err.code, UiCode::Validation);
    }

    #[tokio::test]
    async fn session_keys_are_validated_and_kept_per_connection() {
        let f = fixture();
        let err = f
            .state
            .save_session_key(Secret::new("not-hex"))
            .await
            .expect_err("bad key");
        assert_eq!(err.code, UiCode::Validation);
        let key = "0000000000000000000000000000000000000000000000000000000000000001";
        let public = f
            .state
            .save_session_key(Secret::new(key))
            .await
            .expect("saved");
        assert_eq!(
            public.public_key,
            "036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
        );
        assert_eq!(f.store.users(), vec!["demo:session-key".to_owned()]);
        let status = f.state.session_key_status().await.expect("status");
        assert!(status.configured);
        f.state.delete_session_key().await.expect("deleted");
        assert!(
            !f.state
                .session_key_status()
                .await
                .expect("status")
                .configured
        );
    }
}
