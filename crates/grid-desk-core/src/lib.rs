//! Grid Desk's app logic, without Tauri: everything the window's commands do, as small
//! services that each own one thing and take one request type per operation.
//!
//! | service | owns | module |
//! |---|---|---|
//! | [`Connections`] | saved connections (settings file + keychain), the environment connection, the active connection and its `GridClient` | [`connections`], [`settings`], [`keychain`] |
//! | [`Demo`] | the in-process Grid simulator of the offline demo (start, restart, reset, stop) | [`demo`] |
//! | [`Accounts`] | lists, the amount check, sandbox funding (once; an unknown outcome re-reads the balance), the views the lists returned | [`accounts`] |
//! | [`Signing`] | signed-update challenges, step two's signature, session keys | [`signing`] |
//! | [`Printing`] | print scopes → accounts → PDF/CSV bytes → an atomic save where the person chose | [`printing`] |
//! | [`Preferences`] | how the window was left: last tab, each tab's view and filters | [`preferences`] |
//! | [`Monitor`] | balance refresh on its own (interval, off switch, back-off, one at a time), changed balances, low-balance thresholds and alerts | [`monitor`] |
//! | [`Logs`] | where the log files are; "Open logs folder" | [`logs`] |
//! | [`Notices`] | what the window must be told unasked: a file set aside, a file owned by another Grid Desk | [`notices`] |
//! | [`Activity`] / [`JournalTab`] | the activity journal and the last-known account lists (`journal.sqlite3` in the app's data directory): written by the services above, browsed and exported by the Journal tab | [`activity`] |
//! | [`Workspace`] | the accounts table: every account of a listing loaded in the background, sort, filters, totals, find, selection, balance report | [`workspace`] |
//!
//! [`GridDesk`] builds them and hands each what it depends on (`Accounts` gets the
//! `Connections` and the shared view cache, and so on). `src-tauri` manages one `GridDesk`;
//! each Tauri command is one line that forwards its request to a service, e.g.
//! `fund_sandbox_account` → [`Accounts::fund`] → `grid_client::GridClient::fund_sandbox_internal_account`.
//! Failures are [`UiError`]s: a short code the window branches on and a sentence for a
//! finance person ([`error`]).
//!
//! No Tauri, wry or WebKit in this crate's dependency tree: all of it is tested against
//! grid-sim with an in-memory keychain ([`keychain::MemoryStore`]).

pub mod accounts;
pub mod activity;
pub mod connections;
pub mod demo;
pub mod error;
pub mod input;
pub mod keychain;
pub mod locale;
pub mod logs;
pub mod monitor;
pub mod notices;
pub mod preferences;
pub mod printing;
pub mod qr;
pub mod settings;
pub mod signing;
pub mod workspace;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use accounts::Accounts;
pub use activity::{Activity, JournalTab};
pub use connections::Connections;
pub use demo::Demo;
pub use error::{UiCode, UiError, UiResult};
pub use logs::Logs;
pub use monitor::Monitor;
pub use notices::Notices;
pub use preferences::Preferences;
pub use printing::Printing;
pub use signing::Signing;
pub use workspace::Workspace;

use crate::accounts::AccountCache;
use crate::demo::DemoObserver;
use crate::keychain::{Keychain, SecretStore};
use crate::settings::{EnvConnection, DEMO_ID};

/// Where things live and what is available: built by the app from its paths and the process
/// environment, or by tests from temp dirs.
#[derive(Debug)]
pub struct DeskOptions {
    /// `connections.json` lives here.
    pub config_dir: PathBuf,
    /// The demo's state file lives here.
    pub data_dir: PathBuf,
    /// `GRID_DESK_DEMO_ADDR`: where the demo simulator listens (default: a free loopback port).
    pub demo_addr: Option<SocketAddr>,
    /// `GRID_CLIENT_ID` / `GRID_CLIENT_SECRET`: a read-only connection, active at start.
    pub env: Option<EnvConnection>,
    /// The keychain: the OS one in the app, [`keychain::MemoryStore`] in tests.
    pub store: Arc<dyn SecretStore>,
    /// `GRID_DESK_EXPORT_DIR`: exports are written there instead of asking where.
    pub export_dir: Option<PathBuf>,
    /// Sees every response of the demo simulator (tests check them against the spec).
    pub demo_observer: Option<DemoObserver>,
    /// The balance monitor's clock: the system's in the app, a fake one in tests.
    pub monitor_clock: Arc<dyn monitor::Clock>,
    /// The OS log directory, for "Open logs folder".
    pub log_dir: Option<PathBuf>,
}

impl DeskOptions {
    /// Nothing from the environment: no demo address, no environment connection, no export
    /// dir, no observer.
    pub fn new(config_dir: PathBuf, data_dir: PathBuf, store: Arc<dyn SecretStore>) -> Self {
        Self {
            config_dir,
            data_dir,
            demo_addr: None,
            env: None,
            store,
            export_dir: None,
            demo_observer: None,
            monitor_clock: Arc::new(monitor::SystemClock),
            log_dir: None,
        }
    }
}

/// The app: its services, built once and shared by every command.
#[derive(Debug)]
pub struct GridDesk {
    pub connections: Arc<Connections>,
    pub demo: Arc<Demo>,
    pub accounts: Accounts,
    pub signing: Signing,
    pub printing: Printing,
    pub preferences: Preferences,
    pub monitor: Arc<Monitor>,
    /// What the window must be told that no request asked for (files set aside, …).
    pub notices: Arc<Notices>,
    pub logs: Logs,
    /// The Journal tab: browse, filter, export.
    pub journal: JournalTab,
    pub workspace: Workspace,
}

impl GridDesk {
    pub fn new(options: DeskOptions) -> Self {
        let keychain = Keychain::new(options.store);
        let notices = Arc::new(Notices::default());
        let demo = Arc::new(Demo::new(
            options.data_dir.clone(),
            options.demo_addr,
            options.demo_observer,
            keychain.clone(),
            Arc::clone(&notices),
        ));
        // In the app's data directory (beside the demo's data); a start marks what a previous
        // run left pending as unknown.
        let activity = Arc::new(Activity::open(
            &options.data_dir,
            options.export_dir.clone(),
        ));
        let connections = Arc::new(Connections::new(
            &options.config_dir,
            keychain.clone(),
            options.env,
            Arc::clone(&demo),
            &notices,
            activity,
        ));
        let remembered = Arc::new(AccountCache::default());
        let preferences = Preferences::open(&options.config_dir);
        let monitor = Arc::new(Monitor::new(
            Arc::clone(&connections),
            options.monitor_clock,
        ));
        Self {
            preferences,
            monitor,
            journal: JournalTab::new(Arc::clone(&connections)),
            workspace: Workspace::new(Arc::clone(&connections), Arc::clone(&remembered)),
            accounts: Accounts::new(Arc::clone(&connections), Arc::clone(&remembered)),
            signing: Signing::new(
                Arc::clone(&connections),
                Arc::clone(&demo),
                keychain,
                Arc::clone(&remembered),
            ),
            printing: Printing::new(Arc::clone(&connections), remembered, options.export_dir),
            connections,
            demo,
            notices,
            logs: Logs::new(options.log_dir),
        }
    }

    /// The first screen is the demo for a new user: have the simulator listening by the time
    /// the window asks for accounts.
    pub async fn start(&self) {
        if self.connections.active_id().await == DEMO_ID {
            if let Err(err) = self.demo.ensure().await {
                tracing::warn!("the offline demo did not start: {err}");
            }
        }
    }

    /// On exit: lets the demo simulator finish writing its state file.
    pub async fn shutdown(&self) {
        self.demo.shutdown().await;
    }
}
