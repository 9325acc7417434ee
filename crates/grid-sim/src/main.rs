//! `grid-sim`: run the Grid sandbox simulator until Ctrl-C.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use grid_sim::{SimConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET};

/// A local Grid sandbox for Grid Desk: internal and external accounts, sandbox funding and the
/// signed PATCH of an internal account, plus /_sim controls (reset, faults, state).
#[derive(Debug, Parser)]
#[command(name = "grid-sim", version)]
struct Cli {
    /// Address to listen on; port 0 picks a free port (printed on start).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Basic-auth user the simulator accepts (Grid's API token id).
    #[arg(long, env = "GRID_SIM_CLIENT_ID", default_value = DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Basic-auth password the simulator accepts (Grid's client secret).
    #[arg(
        long,
        env = "GRID_SIM_CLIENT_SECRET",
        default_value = DEFAULT_CLIENT_SECRET,
        hide_env_values = true
    )]
    client_secret: String,
    /// Compressed P-256 public key (66 hex characters) accepted on signed retries. Repeatable.
    #[arg(long = "session-public-key", value_name = "HEX")]
    session_public_keys: Vec<String>,
    /// Behave like production credentials: /sandbox routes answer 403 and the
    /// "sandbox-valid-signature" shortcut is refused.
    #[arg(long)]
    production: bool,
    /// Extra generated customer internal accounts on top of the base seed.
    #[arg(long, default_value_t = 0, value_name = "N")]
    seed_accounts: usize,
    /// Keep accounts and balances in this JSON file across restarts. One grid-sim owns it at a
    /// time: a second one exits at once with "FILE is already in use by another grid-sim (pid
    /// N)" instead of waiting.
    #[arg(long = "state", value_name = "FILE")]
    state_file: Option<PathBuf>,
    /// How long a signed-retry challenge stays valid.
    #[arg(long, default_value_t = 300, value_name = "N")]
    challenge_ttl_secs: u64,
    /// How long a client may take to send a request's headers before its connection is closed.
    #[arg(long, default_value_t = 30, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout_secs: u64,
}

impl Cli {
    fn config(self) -> SimConfig {
        SimConfig {
            client_id: self.client_id,
            client_secret: self.client_secret,
            session_public_keys: self.session_public_keys,
            production: self.production,
            seed_accounts: self.seed_accounts,
            state_file: self.state_file,
            challenge_ttl: Duration::from_secs(self.challenge_ttl_secs),
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let listen = cli.listen;
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("grid-sim: cannot listen on {listen}: {err}");
            return ExitCode::FAILURE;
        }
    };
    let sim = match grid_sim::spawn(cli.config(), listener).await {
        Ok(sim) => sim,
        Err(err) => {
            eprintln!("grid-sim: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Scripts wait for this exact line (and read the port from it), so flush it at once.
    let mut stdout = std::io::stdout().lock();
    let announced =
        writeln!(stdout, "grid-sim listening on {}", sim.base_url()).and_then(|()| stdout.flush());
    drop(stdout);
    if let Err(err) = announced {
        eprintln!("grid-sim: cannot write to stdout: {err}");
    }
    wait_for_stop_signal().await;
    eprintln!("grid-sim: shutting down");
    sim.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-C, or SIGTERM on Unix (how scripts and process managers stop a server).
async fn wait_for_stop_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handling available: run until killed.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    () = ctrl_c => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}
