//! Test harness: the real `grid-client` against `grid-sim` on `127.0.0.1:0`, with every
//! response body the simulator sends checked against the response schema the spec gives for
//! that operation and status.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use grid_client::{ClientConfig, Credentials, GridClient, RetryPolicy};
use grid_sim::{Exchange, RunningSim, SimConfig};
use serde_json::{json, Value};

/// The OpenAPI document kept in the repo (checked against the shared original by grid-client's
/// `spec_examples` test).
pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/grid-openapi.yaml")
}

/// Validates response bodies against the spec's schemas, compiling each schema once.
pub struct SpecValidator {
    spec: Value,
    compiled: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

impl std::fmt::Debug for SpecValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SpecValidator")
    }
}

impl SpecValidator {
    pub fn load() -> Self {
        let text =
            std::fs::read_to_string(spec_path()).expect("spec/grid-openapi.yaml is readable");
        let spec: Value = serde_yaml::from_str(&text).expect("the spec parses");
        Self {
            spec,
            compiled: Mutex::new(HashMap::new()),
        }
    }

    /// The shared validator, loaded once per test binary.
    pub fn shared() -> Arc<Self> {
        static SHARED: std::sync::OnceLock<Arc<SpecValidator>> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Arc::new(Self::load())).clone()
    }

    /// The `$ref` name of the schema the spec gives for this response, falling back to the
    /// generic `Error<status>` schema for statuses an operation does not list (429, 503, 404 on
    /// an unknown route).
    pub fn response_schema(&self, path: &str, method: &str, status: u16) -> Option<String> {
        let op = &self.spec["paths"][path][method.to_lowercase()];
        let listed = op["responses"][status.to_string()]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .map(|r| r.rsplit('/').next().unwrap_or_default().to_owned());
        listed.or_else(|| {
            let generic = format!("Error{status}");
            self.spec["components"]["schemas"]
                .get(&generic)
                .map(|_| generic)
        })
    }

    fn validator(&self, schema: &str) -> Arc<jsonschema::Validator> {
        let mut compiled = self.compiled.lock().expect("validator cache");
        if let Some(v) = compiled.get(schema) {
            return v.clone();
        }
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": format!("#/components/schemas/{schema}"),
            "components": self.spec["components"],
        });
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("schema {schema} compiles: {e}"));
        let validator = Arc::new(validator);
        compiled.insert(schema.to_owned(), validator.clone());
        validator
    }

    /// Checks one body against a named schema; returns the problems found.
    pub fn check(&self, schema: &str, body: &Value) -> Vec<String> {
        self.validator(schema)
            .iter_errors(body)
            .take(5)
            .map(|e| format!("{schema} at '{}': {e}", e.instance_path()))
            .collect()
    }

    /// Checks one exchange the simulator reported.
    pub fn check_exchange(&self, exchange: &Exchange) -> Vec<String> {
        let what = format!(
            "{} {} -> {}",
            exchange.method, exchange.path, exchange.status
        );
        match self.response_schema(&exchange.path, &exchange.method, exchange.status) {
            None => vec![format!("{what}: the spec has no schema for this response")],
            Some(schema) => self
                .check(&schema, &exchange.body)
                .into_iter()
                .map(|p| format!("{what}: {p}"))
                .collect(),
        }
    }
}

/// A simulator on a free loopback port, with every response checked against the spec.
pub struct TestGrid {
    pub sim: Option<RunningSim>,
    pub config: SimConfig,
    violations: Arc<Mutex<Vec<String>>>,
    checked: Arc<Mutex<usize>>,
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
        let validator = SpecValidator::shared();
        let violations = Arc::new(Mutex::new(Vec::new()));
        let checked = Arc::new(Mutex::new(0_usize));
        let (v, c) = (violations.clone(), checked.clone());
        let observer: Arc<dyn Fn(&Exchange) + Send + Sync> =
            Arc::new(move |exchange: &Exchange| {
                let problems = validator.check_exchange(exchange);
                *c.lock().expect("counter") += 1;
                if !problems.is_empty() {
                    v.lock().expect("violations").extend(problems);
                }
            });
        let sim = grid_sim::spawn_observed(config.clone(), listener, observer)
            .await
            .expect("grid-sim starts");
        Self {
            sim: Some(sim),
            config,
            violations,
            checked,
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
        config.retry = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
        };
        config.request_timeout = Duration::from_secs(20);
        GridClient::new(config).expect("client for the simulator")
    }

    /// A raw HTTP client with the simulator's credentials, for requests `grid-client` refuses
    /// to send (so the simulator's own validation can be tested).
    pub fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, format!("{}{path}", self.base_url()))
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
    }

    /// Arms a simulator fault for the next requests (`/_sim/faults`).
    pub async fn inject(&self, fault: Value) {
        let response = self
            .raw(reqwest::Method::POST, "/_sim/faults")
            .json(&fault)
            .send()
            .await
            .expect("fault endpoint answers");
        assert!(
            response.status().is_success(),
            "fault {fault} accepted: {}",
            response.status()
        );
    }

    /// How many responses were checked against the spec so far.
    pub fn responses_checked(&self) -> usize {
        *self.checked.lock().expect("counter")
    }

    /// Removes and returns the spec violations recorded so far (for fault tests that send
    /// broken bodies on purpose).
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut *self.violations.lock().expect("violations"))
    }

    /// Fails the test if any response so far did not match the spec.
    pub fn assert_spec_conformance(&self) {
        let violations = self.violations.lock().expect("violations");
        assert!(
            violations.is_empty(),
            "simulator responses that do not match the spec:\n{}",
            violations.join("\n")
        );
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
