//! Checks response bodies against the response schema the spec (`spec/grid-openapi.yaml`)
//! gives for an operation and status, as JSON Schema 2020-12 (OpenAPI 3.1). Test support for
//! the simulator's suite and the client-vs-simulator suite.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

/// The OpenAPI document kept in the repo (checked against the shared original by grid-client's
/// `spec_examples` test).
pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/grid-openapi.yaml")
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

    /// Checks one response: `path` is the spec's path template, e.g.
    /// `/sandbox/internal-accounts/{accountId}/fund`.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Vec<String> {
        let what = format!("{method} {path} -> {status}");
        match self.response_schema(path, method, status) {
            None => vec![format!("{what}: the spec has no schema for this response")],
            Some(schema) => self
                .check(&schema, body)
                .into_iter()
                .map(|p| format!("{what}: {p}"))
                .collect(),
        }
    }
}

/// Responses checked against the spec as a simulator sends them (feed it from the simulator's
/// observer): how many were checked, and what did not match. Clones share one log.
#[derive(Debug, Clone, Default)]
pub struct ResponseLog {
    inner: Arc<Mutex<LogState>>,
}

#[derive(Debug, Default)]
struct LogState {
    checked: usize,
    violations: Vec<String>,
}

impl ResponseLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, LogState> {
        self.inner.lock().expect("response log")
    }

    /// Checks one response (see [`SpecValidator::check_response`]) and records the result.
    pub fn check(&self, method: &str, path: &str, status: u16, body: &Value) {
        let problems = SpecValidator::shared().check_response(method, path, status, body);
        let mut log = self.lock();
        log.checked += 1;
        log.violations.extend(problems);
    }

    /// How many responses were checked so far.
    pub fn checked(&self) -> usize {
        self.lock().checked
    }

    /// Removes and returns the violations recorded so far (for tests that break bodies on
    /// purpose).
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().violations)
    }

    /// Fails unless every response so far matched the spec.
    pub fn assert_conformance(&self) {
        let log = self.lock();
        assert!(
            log.violations.is_empty(),
            "simulator responses that do not match the spec:\n{}",
            log.violations.join("\n")
        );
    }
}
