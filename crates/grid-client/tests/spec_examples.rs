//! Round-trips the spec's examples through our types and compares JSON (STYLE.md rule 10).
//!
//! Two sources of examples: the ones the spec writes out for our six operations (request and
//! response bodies), and, for every account-info variant of the spec, an object assembled from
//! the per-field `example`s of its schema. Each must parse into the typed variant (not
//! `Unknown`) and serialise back to the same JSON.

use std::collections::BTreeSet;
use std::path::PathBuf;

use grid_client::models::{
    ErrorBody, ExternalAccount, ExternalAccountInfo, ExternalAccountListResponse, InternalAccount,
    InternalAccountListResponse, InternalAccountUpdateRequest, PaymentAccountInfo,
    PaymentInstructions, PlatformInternalAccountListResponse, SandboxFundRequest,
    SignedRequestChallenge,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/grid-openapi.yaml")
}

fn load_spec() -> Value {
    let text = std::fs::read_to_string(spec_path()).expect("spec/grid-openapi.yaml is in the repo");
    serde_yaml::from_str(&text).expect("the spec is valid YAML")
}

fn schema<'a>(spec: &'a Value, name: &str) -> &'a Value {
    &spec["components"]["schemas"][name]
}

fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(spec, schema(spec, r.rsplit('/').next().unwrap_or_default())),
        None => node,
    }
}

/// Builds an example value for a schema from its `example`s, filling required fields that have
/// none with a value of the right type.
fn synthesize(spec: &Value, node: &Value, depth: usize) -> Value {
    let node = resolve(spec, node);
    if let Some(example) = node.get("example") {
        return example.clone();
    }
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return values[0].clone();
    }
    if let Some(first) = node.get("oneOf").and_then(|o| o.get(0)) {
        return synthesize(spec, first, depth + 1);
    }
    if node.get("allOf").is_some() || node.get("properties").is_some() {
        let (props, required) = flatten(spec, node);
        let mut out = Map::new();
        for (key, prop) in props {
            let has_example = resolve(spec, &prop).get("example").is_some();
            if (required.contains(&key) || has_example) && depth < 6 {
                out.insert(key, synthesize(spec, &prop, depth + 1));
            }
        }
        return Value::Object(out);
    }
    match node.get("type").and_then(Value::as_str) {
        Some("array") => json!([synthesize(spec, &node["items"], depth + 1)]),
        Some("boolean") => json!(true),
        Some("integer") => json!(1),
        Some("object") => json!({}),
        _ => json!("example"),
    }
}

fn flatten(spec: &Value, node: &Value) -> (Vec<(String, Value)>, BTreeSet<String>) {
    let node = resolve(spec, node);
    let mut props: Vec<(String, Value)> = Vec::new();
    let mut required = BTreeSet::new();
    for part in node
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (p, r) = flatten(spec, part);
        for (k, v) in p {
            match props.iter_mut().find(|(key, _)| *key == k) {
                // A later allOf part narrows the same property (e.g. an enum for accountType).
                Some(slot) => slot.1 = v,
                None => props.push((k, v)),
            }
        }
        required.extend(r);
    }
    for (k, v) in node
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        match props.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = v.clone(),
            None => props.push((k.clone(), v.clone())),
        }
    }
    for r in node
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        required.insert(r.as_str().unwrap_or_default().to_owned());
    }
    (props, required)
}

fn round_trip<T: Serialize + DeserializeOwned>(what: &str, value: &Value) -> T {
    let parsed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{what}: does not parse: {e}\n{value:#}"));
    let back = serde_json::to_value(&parsed).expect("serialises");
    assert_eq!(&back, value, "{what}: JSON changed on the round trip");
    parsed
}

fn mapping(spec: &Value, oneof: &Value) -> Vec<(String, String)> {
    oneof["discriminator"]["mapping"]
        .as_object()
        .expect("discriminator mapping")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .inspect(|(_, s)| assert!(schema(spec, s).is_object(), "{s} exists"))
        .collect()
}

#[test]
fn every_payment_account_type_in_the_spec_is_modelled_and_round_trips() {
    let spec = load_spec();
    let oneof = &schema(&spec, "PaymentInstructions")["properties"]["accountOrWalletInfo"];
    let variants = mapping(&spec, oneof);
    assert!(
        variants.len() >= 49,
        "the spec maps {} variants",
        variants.len()
    );
    let ours: BTreeSet<&str> = PaymentAccountInfo::KNOWN.iter().copied().collect();
    for (account_type, schema_name) in &variants {
        assert!(
            ours.contains(account_type.as_str()),
            "{account_type} is not modelled"
        );
        let mut example = synthesize(&spec, schema(&spec, schema_name), 0);
        example["accountType"] = json!(account_type);
        let info: PaymentAccountInfo = round_trip(schema_name, &example);
        assert!(
            info.is_known(),
            "{schema_name} example parsed as Unknown: {example:#}"
        );
        assert_eq!(info.account_type(), account_type);
        // Wrapped in PaymentInstructions too.
        let wrapped = json!({"accountOrWalletInfo": example, "instructionsNotes": "n", "isPlatformAccount": true});
        round_trip::<PaymentInstructions>("PaymentInstructions", &wrapped);
    }
}

#[test]
fn every_external_account_type_in_the_spec_is_modelled_and_round_trips() {
    let spec = load_spec();
    let variants = mapping(&spec, schema(&spec, "ExternalAccountInfoOneOf"));
    let ours: BTreeSet<&str> = ExternalAccountInfo::KNOWN.iter().copied().collect();
    for (account_type, schema_name) in &variants {
        assert!(
            ours.contains(account_type.as_str()),
            "{account_type} is not modelled"
        );
        let mut example = synthesize(&spec, schema(&spec, schema_name), 0);
        example["accountType"] = json!(account_type);
        let info: ExternalAccountInfo = round_trip(schema_name, &example);
        assert!(
            info.is_known(),
            "{schema_name} example parsed as Unknown: {example:#}"
        );
    }
    let account = synthesize(&spec, schema(&spec, "ExternalAccount"), 0);
    round_trip::<ExternalAccount>("ExternalAccount", &account);
}

/// Every example the spec writes out for a request or response body of our operations.
fn operation_examples(spec: &Value, path: &str, method: &str) -> Vec<(String, String, Value)> {
    let op = &spec["paths"][path][method];
    assert!(op.is_object(), "{method} {path} is in the spec");
    let mut out = Vec::new();
    let mut collect = |label: String, content: &Value| {
        let media = &content["application/json"];
        if let Some(example) = media.get("example") {
            out.push((label.clone(), "example".to_owned(), example.clone()));
        }
        for (name, ex) in media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            out.push((label.clone(), name.clone(), ex["value"].clone()));
        }
    };
    if let Some(body) = op.get("requestBody") {
        collect("request".to_owned(), &body["content"]);
    }
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        if let Some(content) = response.get("content") {
            collect(status.clone(), content);
        }
    }
    out
}

#[test]
fn the_spec_examples_of_our_operations_round_trip() {
    let spec = load_spec();
    let ops = [
        ("/platform/internal-accounts", "get"),
        ("/customers/internal-accounts", "get"),
        ("/platform/external-accounts", "get"),
        ("/customers/external-accounts", "get"),
        ("/sandbox/internal-accounts/{accountId}/fund", "post"),
        ("/internal-accounts/{id}", "patch"),
    ];
    let mut checked = 0;
    for (path, method) in ops {
        for (status, name, value) in operation_examples(&spec, path, method) {
            let what = format!("{method} {path} {status} {name}");
            match (path, status.as_str()) {
                (_, s) if s.starts_with('4') || s.starts_with('5') => {
                    round_trip::<ErrorBody>(&what, &value);
                }
                ("/sandbox/internal-accounts/{accountId}/fund", "request") => {
                    round_trip::<SandboxFundRequest>(&what, &value);
                }
                ("/internal-accounts/{id}", "request") => {
                    round_trip::<InternalAccountUpdateRequest>(&what, &value);
                }
                ("/internal-accounts/{id}", "202") => {
                    round_trip::<SignedRequestChallenge>(&what, &value);
                }
                ("/platform/internal-accounts", "200") => {
                    round_trip::<PlatformInternalAccountListResponse>(&what, &value);
                }
                ("/customers/internal-accounts", "200") => {
                    round_trip::<InternalAccountListResponse>(&what, &value);
                }
                (p, "200") if p.contains("external") => {
                    round_trip::<ExternalAccountListResponse>(&what, &value);
                }
                (_, "200") => {
                    round_trip::<InternalAccount>(&what, &value);
                }
                (_, "request") => {}
                _ => panic!("{what}: example without a model"),
            }
            checked += 1;
        }
    }
    eprintln!("round-tripped {checked} written examples");
    assert!(
        checked >= 4,
        "expected the spec's written examples, found {checked}"
    );
}

#[test]
fn schema_level_examples_round_trip() {
    let spec = load_spec();
    // Objects assembled from field examples, for every top-level schema we model.
    let account = synthesize(&spec, schema(&spec, "InternalAccount"), 0);
    let parsed: InternalAccount = round_trip("InternalAccount", &account);
    assert_eq!(
        parsed.balance.amount.exact(),
        Some(12550),
        "balance example from the spec"
    );
    let list =
        json!({"data": [account.clone()], "hasMore": true, "nextCursor": "c", "totalCount": 2});
    round_trip::<InternalAccountListResponse>("InternalAccountListResponse", &list);
    round_trip::<PlatformInternalAccountListResponse>(
        "PlatformInternalAccountListResponse",
        &json!({"data": [account]}),
    );
    let challenge = synthesize(&spec, schema(&spec, "SignedRequestChallenge"), 0);
    round_trip::<SignedRequestChallenge>("SignedRequestChallenge", &challenge);
    for name in [
        "Error400", "Error401", "Error403", "Error404", "Error500", "Error429", "Error503",
    ] {
        let mut body = synthesize(&spec, schema(&spec, name), 0);
        body["details"] = json!({"field": "amount"});
        round_trip::<ErrorBody>(name, &body);
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn repo_spec_matches_its_committed_checksum() {
    // Always checked, also in a clone without ../shared: the contract cannot drift silently.
    // After a deliberate spec update: `cd spec && sha256sum grid-openapi.yaml > grid-openapi.yaml.sha256`.
    let ours = std::fs::read(spec_path()).expect("repo spec");
    let recorded_path = spec_path().with_file_name("grid-openapi.yaml.sha256");
    let recorded = std::fs::read_to_string(&recorded_path)
        .unwrap_or_else(|e| panic!("{} is committed: {e}", recorded_path.display()));
    let recorded = recorded
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert_eq!(recorded.len(), 64, "a SHA-256 in hex: {recorded:?}");
    assert_eq!(
        sha256_hex(&ours),
        recorded,
        "spec/grid-openapi.yaml changed without updating spec/grid-openapi.yaml.sha256"
    );
}

#[test]
fn sha256_matches_a_known_vector() {
    // The checksum check above is only as good as the hashing: FIPS 180-2's "abc" vector.
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn repo_spec_matches_the_shared_contract() {
    // The repo keeps a copy so a clone is self-contained (checked against its checksum above);
    // where the shared original is beside the checkout, the two must also be identical.
    let shared =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/grid-openapi.yaml");
    let ours = std::fs::read(spec_path()).expect("repo spec");
    match std::fs::read(&shared) {
        Ok(original) => assert!(
            original == ours,
            "spec/grid-openapi.yaml differs from {}",
            shared.display()
        ),
        Err(_) => eprintln!(
            "note: {} not present; the committed checksum is the only check",
            shared.display()
        ),
    }
}
