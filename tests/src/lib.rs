//! Test harness: the real `grid-client` against `grid-sim` on `127.0.0.1:0`, with every
//! response body the simulator sends checked against the response schema the spec gives for
//! that operation and status.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use grid_client::{ClientConfig, Credentials, GridClient, RetryPolicy};
use grid_sim::control::{Fault, SimState};
use grid_sim::{Exchange, RunningSim, SimConfig, SimControl};
pub use spec_check::{spec_path, ResponseLog, SpecValidator};

/// A simulator on a free loopback port, with every response checked against the spec.
pub struct TestGrid {
    pub sim: Option<RunningSim>,
    pub config: SimConfig,
    spec: ResponseLog,
    /// `(method, route template)` of every response sent, in order.
    answered: Arc<Mutex<Vec<(String, String)>>>,
}

impl std::fmt::Debug for TestGrid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestGrid").finish_non_exhaustive()
    }
}

impl TestGrid {
    pub async fn start() -> Self {
        Self::start_with(SimConfig::default()).await
    }

    pub async fn start_with(config: SimConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let spec = ResponseLog::default();
        let answered = Arc::new(Mutex::new(Vec::new()));
        let (s, a) = (spec.clone(), answered.clone());
        let observer: Arc<dyn Fn(&Exchange) + Send + Sync> =
            Arc::new(move |exchange: &Exchange| {
                s.check(
                    &exchange.method,
                    &exchange.path,
                    exchange.status,
                    &exchange.body,
                );
                a.lock()
                    .expect("answered")
                    .push((exchange.method.clone(), exchange.path.clone()));
            });
        let sim = grid_sim::spawn_observed(config.clone(), listener, observer)
            .await
            .expect("grid-sim starts");
        Self {
            sim: Some(sim),
            config,
            spec,
            answered,
        }
    }

    pub fn base_url(&self) -> String {
        self.sim.as_ref().expect("running").base_url()
    }

    /// A client with the simulator's credentials and quick retries.
    pub fn client(&self) -> GridClient {
        self.client_with(Credentials::new(
            self.config.client_id.clone(),
            self.config.client_secret.clone(),
        ))
    }

    pub fn client_with(&self, credentials: Credentials) -> GridClient {
        let mut config = ClientConfig::new(self.base_url(), credentials);
        config.retry = Self::QUICK_RETRIES;
        config.deadline = Duration::from_secs(20);
        GridClient::new(config).expect("client for the simulator")
    }

    /// The retry policy of [`TestGrid::client`].
    pub const QUICK_RETRIES: RetryPolicy = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(200),
    };

    /// A client with the simulator's credentials and the given retry policy.
    pub fn client_with_retry(&self, retry: RetryPolicy) -> GridClient {
        let mut config = ClientConfig::new(
            self.base_url(),
            Credentials::new(
                self.config.client_id.clone(),
                self.config.client_secret.clone(),
            ),
        );
        config.retry = retry;
        config.deadline = Duration::from_secs(20);
        GridClient::new(config).expect("client for the simulator")
    }

    /// How many responses the simulator sent for `method` on the route template `path`
    /// (e.g. `GET /platform/internal-accounts`). Dropped connections send none: count those
    /// with [`TestGrid::fault_remaining`].
    pub fn answered(&self, method: &str, path: &str) -> usize {
        self.answered
            .lock()
            .expect("answered")
            .iter()
            .filter(|(m, p)| m == method && p == path)
            .count()
    }

    /// The simulator's `/_sim` controls.
    pub fn control(&self) -> &SimControl {
        self.sim.as_ref().expect("running").control()
    }

    /// The simulator's `/_sim/state` summary.
    pub async fn sim_state(&self) -> SimState {
        self.control().state().await.expect("state control answers")
    }

    /// How many requests the first armed fault still covers (0 when none is armed): each
    /// request the simulator receives on a Grid route uses one up, answered or not.
    pub async fn fault_remaining(&self) -> u64 {
        self.sim_state()
            .await
            .armed_faults
            .first()
            .map_or(0, |armed| u64::from(armed.remaining))
    }

    /// A raw HTTP client with the simulator's credentials, for requests `grid-client` refuses
    /// to send (so the simulator's own validation can be tested).
    pub fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, format!("{}{path}", self.base_url()))
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
    }

    /// Arms a simulator fault for the next `count` requests on Grid routes.
    pub async fn arm(&self, fault: Fault, count: u32) {
        self.control()
            .arm_for(fault, count)
            .await
            .unwrap_or_else(|e| panic!("{fault:?} × {count} armed: {e}"));
    }

    /// How many responses were checked against the spec so far.
    pub fn responses_checked(&self) -> usize {
        self.spec.checked()
    }

    /// Removes and returns the spec violations recorded so far (for fault tests that send
    /// broken bodies on purpose).
    pub fn take_violations(&self) -> Vec<String> {
        self.spec.take_violations()
    }

    /// Fails the test if any response so far did not match the spec.
    pub fn assert_spec_conformance(&self) {
        self.spec.assert_conformance();
    }

    /// Stops the simulator (and checks conformance).
    pub async fn stop(mut self) {
        self.assert_spec_conformance();
        if let Some(sim) = self.sim.take() {
            sim.shutdown().await;
        }
    }
}

impl Drop for TestGrid {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.assert_spec_conformance();
        }
    }
}
