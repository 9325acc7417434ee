//! `grid-sim`: a local stand-in for Grid's sandbox, for the operations Grid Desk uses.
//!
//! It speaks the same contract as Grid (2025-10-13): every response body is one of
//! `grid_client::models`' types, errors are `{status, code, message, details?}`, and requests are
//! checked the way the spec says (Basic auth first, then validation). Simulator-only controls
//! (reset, fault injection, state summary, account edits) live under `/_sim/…`, driven by the
//! typed [`control::SimControl`]. See the crate README for what it deliberately does not
//! reproduce.
//!
//! ```no_run
//! # async fn demo() -> Result<(), grid_sim::SimError> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
//!     .await
//!     .map_err(grid_sim::SimError::Listener)?;
//! let sim = grid_sim::spawn(grid_sim::SimConfig::default(), listener).await?;
//! println!("Grid sandbox at {}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod clock;
mod config;
mod connection;
pub mod control;
mod error;
mod faults;
mod handlers;
mod limits;
mod paging;
mod persist;
mod platform;
mod router;
mod seed;
mod server;
mod signed_retry;
mod sim;
mod store;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{
    Exchange, Observer, SimConfig, DEFAULT_CHALLENGE_TTL, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
};
pub use control::SimControl;
pub use error::SimError;
pub use limits::{
    DEFAULT_HEADER_READ_TIMEOUT, MAX_BODY_BYTES, MAX_CHALLENGES, MAX_HEADERS, MAX_HEADER_BYTES,
    MAX_PENDING_CHALLENGES_PER_ACCOUNT, MAX_URI_BYTES,
};
pub use server::GRID_BASE_PATH;

/// A simulator serving in a Tokio task. Dropping it stops the server too (without waiting);
/// [`RunningSim::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct RunningSim {
    /// The address the simulator listens on.
    pub addr: SocketAddr,
    control: SimControl,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// `http://127.0.0.1:PORT` (the loopback address when listening on all interfaces).
    pub fn base_url(&self) -> String {
        base_url(self.addr)
    }

    /// Its `/_sim` controls (reset, faults, state, account edits), with its credentials.
    pub fn control(&self) -> &SimControl {
        &self.control
    }

    /// Stops accepting connections, lets in-flight requests finish (up to a few seconds, then
    /// cuts them) and waits until every connection has ended. Once this returns, the state
    /// file is free for another simulator.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; nothing to tell it then.
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // The server task itself bounds the wait; it only fails if it panicked.
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a simulator on `listener`, serving in a task of the current Tokio runtime.
pub async fn spawn(
    config: SimConfig,
    listener: tokio::net::TcpListener,
) -> Result<RunningSim, SimError> {
    start(config, listener, None).await
}

/// Like [`spawn`], reporting every response on a Grid route to `observer` (e.g. to check it
/// against the spec).
pub async fn spawn_observed(
    config: SimConfig,
    listener: tokio::net::TcpListener,
    observer: Observer,
) -> Result<RunningSim, SimError> {
    start(config, listener, Some(observer)).await
}

async fn start(
    config: SimConfig,
    listener: tokio::net::TcpListener,
    observer: Option<Observer>,
) -> Result<RunningSim, SimError> {
    let addr = listener.local_addr().map_err(SimError::Listener)?;
    let header_read_timeout = config.header_read_timeout;
    let (client_id, client_secret) = (config.client_id.clone(), config.client_secret.clone());
    let sim = sim::Sim::new(config, observer).await?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server::serve(
        listener,
        router::router(sim),
        header_read_timeout,
        stopped,
    ));
    Ok(RunningSim {
        addr,
        control: SimControl::new(base_url(addr), client_id, client_secret),
        stop: Some(stop),
        task: Some(task),
    })
}

/// `http://127.0.0.1:PORT` (the loopback address when listening on all interfaces).
fn base_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// The modules each module names as `crate::…` (the crate root, `lib`, for anything that
    /// is not a module: the root's re-exports are for users of the crate, not its modules).
    fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(&src).expect("lists src").flatten() {
            let path = entry.path();
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            if path.extension().is_some_and(|e| e == "rs") && name != "main" && name != "lib" {
                let text = std::fs::read_to_string(&path).expect("reads a module");
                // Code only: a doc link is not a dependency.
                let code: Vec<&str> = text
                    .lines()
                    .filter(|line| !line.trim_start().starts_with("//"))
                    .collect();
                files.insert(name.to_owned(), code.join("\n"));
            }
        }
        let modules: BTreeSet<String> = files.keys().cloned().collect();
        let target = |first: &str| {
            if modules.contains(first) {
                first.to_owned()
            } else {
                "lib".to_owned()
            }
        };
        let mut graph = BTreeMap::new();
        for (name, text) in &files {
            let mut uses = BTreeSet::new();
            for (at, _) in text.match_indices("crate::") {
                let rest = &text[at + "crate::".len()..];
                let named: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group[..group.find('}').unwrap_or(group.len())]
                        .split(',')
                        .collect(),
                    None => vec![rest],
                };
                for path in named {
                    let first: String = path
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !first.is_empty() && &first != name {
                        uses.insert(target(&first));
                    }
                }
            }
            graph.insert(name.clone(), uses);
        }
        // The root declares and uses every module.
        graph.insert("lib".to_owned(), modules);
        graph
    }

    /// A cycle through `from`, if any, as the path that closes it.
    fn cycle(
        graph: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == from) {
            let mut found = path[start..].to_vec();
            found.push(from.to_owned());
            return Some(found);
        }
        path.push(from.to_owned());
        for next in graph.get(from).into_iter().flatten() {
            if let Some(found) = cycle(graph, next, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }

    #[test]
    fn modules_depend_on_each_other_one_way() {
        let graph = module_graph();
        assert!(
            graph["router"].contains("handlers") && graph["handlers"].contains("sim"),
            "the graph is read from the sources: {graph:?}"
        );
        for module in graph.keys() {
            if let Some(found) = cycle(&graph, module, &mut Vec::new()) {
                panic!("an import cycle: {}", found.join(" → "));
            }
        }
    }
}
