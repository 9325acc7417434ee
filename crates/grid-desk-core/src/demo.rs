//! The offline demo: grid-sim running inside the app on a loopback port, with its state in the
//! app data dir so balances survive restarts. It is the connection a new user starts on.
//!
//! [`Demo`] is the service that owns the simulator's lifecycle (started when first used,
//! restarted when its registered session key changes, reset, stopped on exit);
//! [`DemoSim`] is one running simulator.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use grid_client::Credentials;
use grid_sim::{RunningSim, SimConfig};

use crate::error::{UiError, UiResult};
use crate::keychain::Keychain;
use crate::notices::Notices;
use crate::settings::DEMO_ID;

/// The file the simulator keeps its accounts in, inside the app data dir.
pub const STATE_FILE_NAME: &str = "demo-state.json";

/// The most generated accounts `GRID_DESK_DEMO_SEED_ACCOUNTS` may ask for.
pub const MAX_SEED_ACCOUNTS: usize = 100_000;

/// The demo's state file for a seed size: the usual `demo-state.json` for the base seed, and
/// `demo-state-seed-<N>.json` with `N` generated accounts. A seed size never reads or
/// overwrites another size's accounts, and the user's own demo file is left alone.
pub fn state_file(data_dir: &Path, seed_accounts: usize) -> PathBuf {
    if seed_accounts == 0 {
        data_dir.join(STATE_FILE_NAME)
    } else {
        data_dir.join(format!("demo-state-seed-{seed_accounts}.json"))
    }
}

/// `GRID_DESK_DEMO_SEED_ACCOUNTS=N`: `N` generated customer accounts on top of the demo's base
/// seed (default 0), for trying the window with a large list.
pub fn seed_accounts_from_env() -> Result<usize, String> {
    match std::env::var("GRID_DESK_DEMO_SEED_ACCOUNTS") {
        Ok(text) => parse_seed_accounts(&text),
        Err(_) => Ok(0),
    }
}

fn parse_seed_accounts(text: &str) -> Result<usize, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    match text.parse::<usize>() {
        Ok(n) if n <= MAX_SEED_ACCOUNTS => Ok(n),
        _ => Err(format!(
            "GRID_DESK_DEMO_SEED_ACCOUNTS=\"{text}\" must be a whole number from 0 to {MAX_SEED_ACCOUNTS}"
        )),
    }
}

/// `GRID_DESK_DEMO_ADDR=127.0.0.1:PORT`; anything that is not a loopback address is refused so
/// the demo is never reachable from the network.
pub fn demo_addr_from_env() -> Result<Option<SocketAddr>, String> {
    let Ok(text) = std::env::var("GRID_DESK_DEMO_ADDR") else {
        return Ok(None);
    };
    parse_demo_addr(&text)
}

fn parse_demo_addr(text: &str) -> Result<Option<SocketAddr>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let addr: SocketAddr = text.parse().map_err(|_| {
        format!("GRID_DESK_DEMO_ADDR=\"{text}\" is not an address like 127.0.0.1:8787")
    })?;
    if !addr.ip().is_loopback() {
        return Err(format!(
            "GRID_DESK_DEMO_ADDR must be a loopback address (127.0.0.1 or [::1]), not {}",
            addr.ip()
        ));
    }
    Ok(Some(addr))
}

/// The credentials the in-process simulator accepts. Not secrets: they only open a simulator
/// on this computer's loopback interface.
pub fn credentials() -> Credentials {
    Credentials::new(grid_sim::DEFAULT_CLIENT_ID, grid_sim::DEFAULT_CLIENT_SECRET)
}

/// Sees every response the demo simulator sends on a Grid route (tests check them against the
/// spec). The app itself never sets one.
#[derive(Clone)]
pub struct DemoObserver(pub grid_sim::Observer);

impl std::fmt::Debug for DemoObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DemoObserver")
    }
}

/// A running demo simulator.
#[derive(Debug)]
pub struct DemoSim {
    sim: Option<RunningSim>,
    /// Where it listens; kept across restarts so the base URL does not change.
    addr: SocketAddr,
    /// Generated accounts on top of the base seed (`GRID_DESK_DEMO_SEED_ACCOUNTS`).
    seed_accounts: usize,
    state_file: PathBuf,
    session_public_keys: Vec<String>,
    observer: Option<DemoObserver>,
    notices: Arc<Notices>,
}

/// The demo's data is owned by another Grid Desk (whose demo simulator holds the lock).
fn in_use_message(path: &Path, pid: Option<u32>) -> String {
    let by = match pid {
        Some(pid) => format!("another Grid Desk (pid {pid})"),
        None => "another Grid Desk".to_owned(),
    };
    format!(
        "The offline demo's data ({}) is already in use by {by}. Close the other window (or use it); nothing was changed.",
        path.display()
    )
}

impl DemoSim {
    /// Starts the simulator on `addr` (default: a free port on 127.0.0.1) with its state in
    /// `data_dir`. `session_public_keys` are the demo connection's registered session keys.
    /// The seed size comes from `GRID_DESK_DEMO_SEED_ACCOUNTS` and picks the state file.
    pub async fn start(
        data_dir: &Path,
        addr: Option<SocketAddr>,
        session_public_keys: Vec<String>,
        observer: Option<DemoObserver>,
        notices: Arc<Notices>,
    ) -> UiResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            UiError::unknown(format!(
                "The demo could not create its data folder {}: {e}",
                data_dir.display()
            ))
        })?;
        let seed_accounts = seed_accounts_from_env().map_err(UiError::unknown)?;
        let mut demo = Self {
            sim: None,
            addr: addr.unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)),
            seed_accounts,
            state_file: state_file(data_dir, seed_accounts),
            session_public_keys,
            observer,
            notices,
        };
        demo.launch().await?;
        Ok(demo)
    }

    async fn launch(&mut self) -> UiResult<()> {
        let launched = match self.try_launch().await {
            Err(grid_sim::SimError::StateFormat { reason, .. }) => {
                // A damaged demo file must not lock the user out of the demo: keep it aside
                // (dated, never over an earlier copy) for a bug report and start from the seed.
                tracing::warn!(
                    "demo state {} unreadable: {reason}",
                    self.state_file.display()
                );
                let aside = crate::notices::set_aside(&self.state_file).map_err(|e| {
                    UiError::unknown(format!(
                        "The offline demo's data {} is unreadable and could not be set aside ({e}); it was left as it is.",
                        self.state_file.display()
                    ))
                })?;
                self.notices.push(
                    format!(
                        "The offline demo's saved data could not be read, so the demo started afresh. The damaged file was kept as {}.",
                        aside.display()
                    ),
                    Some(&aside),
                );
                self.try_launch().await
            }
            other => other,
        };
        launched.map_err(|e| match e {
            grid_sim::SimError::StateInUse { path, pid, .. } => {
                UiError::unknown(in_use_message(&path, pid))
            }
            e => UiError::unknown(format!("The offline demo could not start: {e}")),
        })
    }

    async fn try_launch(&mut self) -> Result<(), grid_sim::SimError> {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(grid_sim::SimError::Listener)?;
        let config = SimConfig {
            session_public_keys: self.session_public_keys.clone(),
            production: false,
            seed_accounts: self.seed_accounts,
            state_file: Some(self.state_file.clone()),
            ..SimConfig::default()
        };
        let sim = match &self.observer {
            Some(observer) => {
                grid_sim::spawn_observed(config, listener, observer.0.clone()).await?
            }
            None => grid_sim::spawn(config, listener).await?,
        };
        self.addr = sim.addr;
        tracing::info!("offline demo listening on {}", sim.base_url());
        self.sim = Some(sim);
        Ok(())
    }

    async fn stop(&mut self) {
        if let Some(sim) = self.sim.take() {
            sim.shutdown().await;
        }
    }

    /// Stops the simulator and waits for it.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    pub fn base_url(&self) -> String {
        match &self.sim {
            Some(sim) => sim.base_url(),
            None => format!("http://{}", self.addr),
        }
    }

    pub fn state_file(&self) -> &Path {
        &self.state_file
    }

    /// Restarts with a new set of registered session keys; the accounts persist. True when it
    /// restarted.
    pub async fn set_session_public_keys(&mut self, keys: Vec<String>) -> UiResult<bool> {
        if keys == self.session_public_keys && self.sim.is_some() {
            return Ok(false);
        }
        self.stop().await;
        self.session_public_keys = keys;
        self.launch().await?;
        Ok(true)
    }

    /// Throws away the demo's accounts and balances and starts from the seed again.
    pub async fn reset(&mut self) -> UiResult<()> {
        self.stop().await;
        remove_state_file(&self.state_file)?;
        self.launch().await
    }
}

/// The offline demo's lifecycle: one in-process simulator, started when first needed.
#[derive(Debug)]
pub struct Demo {
    data_dir: PathBuf,
    addr: Option<SocketAddr>,
    observer: Option<DemoObserver>,
    notices: Arc<Notices>,
    /// The demo connection's session key is registered with the simulator.
    keychain: Keychain,
    sim: tokio::sync::Mutex<Option<DemoSim>>,
    /// Counts (re)starts, so a client made for an earlier run is not reused.
    launches: AtomicU64,
}

impl Demo {
    /// `addr`: where to listen (default: a free loopback port); `observer` sees every response.
    pub fn new(
        data_dir: PathBuf,
        addr: Option<SocketAddr>,
        observer: Option<DemoObserver>,
        keychain: Keychain,
        notices: Arc<Notices>,
    ) -> Self {
        Self {
            data_dir,
            addr,
            observer,
            notices,
            keychain,
            sim: tokio::sync::Mutex::new(None),
            launches: AtomicU64::new(0),
        }
    }

    /// Changes whenever the simulator (re)starts.
    pub fn generation(&self) -> u64 {
        self.launches.load(Ordering::SeqCst)
    }

    /// The base URL while running; otherwise where it will listen.
    pub async fn base_url(&self) -> String {
        match self.sim.lock().await.as_ref() {
            Some(sim) => sim.base_url(),
            None => match self.addr {
                Some(addr) => format!("http://{addr}"),
                None => "http://127.0.0.1 (in-process, starts when used)".to_owned(),
            },
        }
    }

    /// The public keys the simulator accepts stamps from: the demo connection's session key.
    async fn session_public_keys(&self) -> Vec<String> {
        match self.keychain.session_key(DEMO_ID).await {
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

    /// Starts the simulator if it is not running; returns its base URL.
    pub async fn ensure(&self) -> UiResult<String> {
        let mut sim = self.sim.lock().await;
        if let Some(running) = sim.as_ref() {
            return Ok(running.base_url());
        }
        let keys = self.session_public_keys().await;
        let started = DemoSim::start(
            &self.data_dir,
            self.addr,
            keys,
            self.observer.clone(),
            Arc::clone(&self.notices),
        )
        .await?;
        let url = started.base_url();
        *sim = Some(started);
        self.launches.fetch_add(1, Ordering::SeqCst);
        Ok(url)
    }

    /// Throws away the demo's accounts and balances (the state file of the current seed size).
    pub async fn reset(&self) -> UiResult<()> {
        let mut sim = self.sim.lock().await;
        match sim.as_mut() {
            Some(running) => running.reset().await?,
            None => {
                let seed = seed_accounts_from_env().map_err(UiError::unknown)?;
                remove_state_file(&state_file(&self.data_dir, seed))?;
            }
        }
        self.launches.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// The demo only accepts stamps from registered keys: registers the demo connection's
    /// current session key (a restart when it changed; nothing when the demo is not running).
    pub async fn session_key_changed(&self) -> UiResult<()> {
        let keys = self.session_public_keys().await;
        let mut sim = self.sim.lock().await;
        if let Some(running) = sim.as_mut() {
            if running.set_session_public_keys(keys).await? {
                self.launches.fetch_add(1, Ordering::SeqCst);
            }
        }
        Ok(())
    }

    /// Stops the simulator (on exit), letting it finish writing its state.
    pub async fn shutdown(&self) {
        if let Some(sim) = self.sim.lock().await.take() {
            sim.shutdown().await;
        }
    }
}

/// Deletes the demo state file; a missing one is fine.
pub fn remove_state_file(path: &Path) -> UiResult<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(UiError::unknown(format!(
            "The demo data {} could not be deleted: {e}",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_address_must_be_loopback() {
        assert_eq!(parse_demo_addr("").expect("empty"), None);
        assert_eq!(
            parse_demo_addr("127.0.0.1:8787").expect("loopback"),
            Some("127.0.0.1:8787".parse().expect("addr"))
        );
        assert!(parse_demo_addr("0.0.0.0:8787").is_err());
        assert!(parse_demo_addr("192.168.1.2:1").is_err());
        assert!(parse_demo_addr("localhost").is_err());
    }

    #[test]
    fn seed_size_is_a_bounded_count() {
        assert_eq!(parse_seed_accounts("").expect("empty"), 0);
        assert_eq!(parse_seed_accounts(" 10000 ").expect("10000"), 10_000);
        assert!(parse_seed_accounts("-1").is_err());
        assert!(parse_seed_accounts("1e4").is_err());
        assert!(parse_seed_accounts(&(MAX_SEED_ACCOUNTS + 1).to_string()).is_err());
    }

    #[test]
    fn each_seed_size_has_its_own_state_file() {
        let dir = Path::new("/data");
        assert_eq!(state_file(dir, 0), dir.join(STATE_FILE_NAME));
        assert_eq!(state_file(dir, 1000), dir.join("demo-state-seed-1000.json"));
        assert_ne!(state_file(dir, 1000), state_file(dir, 10_000));
    }
}
