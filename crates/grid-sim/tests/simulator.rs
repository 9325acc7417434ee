//! grid-sim over real HTTP on 127.0.0.1:0: auth, paging, validation, funding, the signed
//! retry, persistence and every fault kind.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grid_client::models::{
    ExternalAccount, InternalAccount, InternalAccountType, Page,
    PlatformInternalAccountListResponse, SignedRequestChallenge,
};
use grid_client::signing::{generate_session_key, sign_payload};
use grid_sim::control::{FailureStatus, Fault};
use grid_sim::{Exchange, RunningSim, SimConfig, SimControl};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Every response the simulator sends in this suite must match the spec's response schema;
/// `Harness::finish` checks them all at the end of each test. Exceptions are the faults that break bodies
/// on purpose: a truncated body (`malformed`, reported as a JSON string) and the 502 fault,
/// for which the spec has no schema.
fn deliberately_broken(exchange: &Exchange) -> bool {
    exchange.body.is_string() || exchange.status == 502
}

/// A simulator on a free port, a raw HTTP client with its credentials, and every exchange the
/// observer saw.
struct Harness {
    sim: RunningSim,
    config: SimConfig,
    http: reqwest::Client,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Harness {
    async fn start() -> Self {
        Self::start_with(SimConfig::default()).await
    }

    async fn start_with(config: SimConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let seen = exchanges.clone();
        let observer =
            Arc::new(move |e: &Exchange| seen.lock().expect("exchanges").push(e.clone()));
        let sim = grid_sim::spawn_observed(config.clone(), listener, observer)
            .await
            .expect("the simulator starts");
        Self {
            sim,
            config,
            http: reqwest::Client::new(),
            exchanges,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url())
    }

    /// A request with the simulator's credentials.
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("the simulator answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{status}: the body is not JSON ({e}): {text}"));
        (status, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.request(Method::GET, path)).await
    }

    async fn fund(&self, id: &str, body: Value) -> (StatusCode, Value) {
        let path = format!("/sandbox/internal-accounts/{id}/fund");
        self.send(self.request(Method::POST, &path).json(&body))
            .await
    }

    async fn patch(&self, id: &str, body: Value, headers: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut request = self
            .request(Method::PATCH, &format!("/internal-accounts/{id}"))
            .json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    fn control(&self) -> &SimControl {
        self.sim.control()
    }

    /// Arms `fault` for the next `count` requests on Grid routes.
    async fn arm(&self, fault: Fault, count: u32) {
        self.control()
            .arm_for(fault, count)
            .await
            .unwrap_or_else(|e| panic!("{fault:?} × {count} armed: {e}"));
    }

    async fn platform_accounts(&self, query: &str) -> Vec<InternalAccount> {
        let (status, body) = self
            .get(&format!("/platform/internal-accounts{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value::<PlatformInternalAccountListResponse>(body)
            .expect("a PlatformInternalAccountListResponse")
            .data
    }

    async fn platform_account(&self, currency: &str) -> InternalAccount {
        self.platform_accounts(&format!("?currency={currency}"))
            .await
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("a platform {currency} account is seeded"))
    }

    /// Every customer internal account matching `query`, `limit` per page.
    async fn all_customer_accounts(&self, query: &str, limit: usize) -> Vec<InternalAccount> {
        let mut accounts = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/customers/internal-accounts?limit={limit}{query}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, body) = self.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            let page: Page<InternalAccount> = serde_json::from_value(body).expect("a page");
            accounts.extend(page.data);
            match (page.has_more, page.next_cursor) {
                (true, Some(next)) => cursor = Some(next),
                (false, None) => return accounts,
                other => panic!("nextCursor must come exactly when hasMore: {other:?}"),
            }
        }
    }

    async fn account(&self, id: &str) -> InternalAccount {
        let mut all = self.platform_accounts("").await;
        all.extend(self.all_customer_accounts("", 100).await);
        all.into_iter()
            .find(|a| a.id.as_str() == id)
            .unwrap_or_else(|| panic!("{id} is listed"))
    }

    async fn wallet(&self) -> InternalAccount {
        self.all_customer_accounts("&type=EMBEDDED_WALLET", 100)
            .await
            .into_iter()
            .find(|a| a.status.as_str() == "ACTIVE")
            .expect("an ACTIVE embedded wallet is seeded")
    }

    /// Checks every response against the spec, then stops the simulator.
    async fn finish(self) {
        let violations = self.spec_violations();
        assert!(
            violations.is_empty(),
            "simulator responses that do not match the spec:\n{}",
            violations.join("\n")
        );
        self.sim.shutdown().await;
    }

    /// Spec violations among the responses so far (deliberately broken ones excepted).
    fn spec_violations(&self) -> Vec<String> {
        let validator = spec_check::SpecValidator::shared();
        self.exchanges()
            .iter()
            .filter(|e| !deliberately_broken(e))
            .flat_map(|e| validator.check_response(&e.method, &e.path, e.status, &e.body))
            .collect()
    }

    fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().expect("exchanges").clone()
    }
}

fn assert_error(status: StatusCode, body: &Value, expected: u16, code: &str, why: &str) {
    assert_eq!(status.as_u16(), expected, "{why}: {body}");
    assert_eq!(
        body["status"], expected,
        "{why}: the body repeats the status"
    );
    assert_eq!(body["code"], code, "{why}: {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{why}: every error explains itself: {body}"
    );
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "grid-sim-test-{}-{name}-{}",
        std::process::id(),
        uuid_like()
    ))
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Auth

#[tokio::test]
async fn every_grid_route_requires_the_right_basic_credentials() {
    let h = Harness::start().await;
    let usd = h.platform_account("USD").await;
    let wallet = h.wallet().await;
    let routes = [
        (Method::GET, "/platform/internal-accounts".to_owned(), None),
        (
            Method::GET,
            "/customers/internal-accounts?limit=0".to_owned(),
            None,
        ),
        (Method::GET, "/platform/external-accounts".to_owned(), None),
        (Method::GET, "/customers/external-accounts".to_owned(), None),
        (
            Method::POST,
            format!("/sandbox/internal-accounts/{}/fund", usd.id),
            Some(json!({"amount": 100})),
        ),
        (
            Method::PATCH,
            format!("/internal-accounts/{}", wallet.id),
            Some(json!({"privateEnabled": true})),
        ),
        (Method::GET, "/_sim/state".to_owned(), None),
        (Method::POST, "/_sim/reset".to_owned(), None),
    ];
    for (method, path, body) in routes {
        let bare = h.http.request(method.clone(), h.url(&path));
        let variants = [
            ("no Authorization header", bare),
            (
                "a wrong secret",
                h.http
                    .request(method.clone(), h.url(&path))
                    .basic_auth(&h.config.client_id, Some("wrong-secret")),
            ),
            (
                "a bearer token",
                h.http
                    .request(method.clone(), h.url(&path))
                    .bearer_auth(&h.config.client_secret),
            ),
        ];
        for (what, request) in variants {
            let request = match &body {
                Some(body) => request.json(body),
                None => request,
            };
            let (status, err) = h.send(request).await;
            assert_error(
                status,
                &err,
                401,
                "UNAUTHORIZED",
                &format!("{method} {path} with {what}"),
            );
        }
    }
    assert_eq!(
        h.account(usd.id.as_str()).await.balance,
        usd.balance,
        "an unauthenticated fund changes nothing"
    );
    h.finish().await;
}

// ---------------------------------------------------------------------------------------------
// Lists

#[tokio::test]
async fn customer_accounts_page_in_a_stable_order_with_a_total_count() {
    let h = Harness::start().await;
    let (status, body) = h.get("/customers/internal-accounts").await;
    assert_eq!(status, StatusCode::OK);
    let first: Page<InternalAccount> = serde_json::from_value(body.clone()).expect("a page");
    assert_eq!(first.data.len(), 20, "the default page size is 20");
    let total = first.total_count.expect("totalCount is sent") as usize;
    assert!(
        total >= 30,
        "at least 30 customer accounts are seeded: {total}"
    );
    assert!(first.has_more && body["nextCursor"].is_string());

    let big = h.all_customer_accounts("", 100).await;
    let small = h.all_customer_accounts("", 7).await;
    let ids = |v: &[InternalAccount]| v.iter().map(|a| a.id.0.clone()).collect::<Vec<_>>();
    assert_eq!(big.len(), total, "paging yields totalCount accounts");
    assert_eq!(
        ids(&big),
        ids(&small),
        "page size changes neither order nor content"
    );
    assert_eq!(
        ids(&big).iter().collect::<HashSet<_>>().len(),
        total,
        "no duplicates"
    );
    let created: Vec<_> = big.iter().map(|a| a.created_at.clone()).collect();
    let mut sorted = created.clone();
    sorted.sort();
    assert_eq!(created, sorted, "creation order");

    let (_, last) = h
        .get(&format!("/customers/internal-accounts?limit={total}"))
        .await;
    assert_eq!(last["hasMore"], false);
    assert!(
        last.get("nextCursor").is_none(),
        "no nextCursor without more: {last}"
    );
    h.finish().await;
}

#[tokio::test]
async fn filters_narrow_every_list() {
    let h = Harness::start().await;
    let usd = h.platform_accounts("?currency=USD").await;
    assert!(
        !usd.is_empty()
            && usd
                .iter()
                .all(|a| a.balance.currency.code.as_deref() == Some("USD"))
    );
    let crypto = h.platform_accounts("?type=INTERNAL_CRYPTO").await;
    let codes: HashSet<_> = crypto
        .iter()
        .filter_map(|a| a.balance.currency.code.clone())
        .collect();
    assert_eq!(codes, HashSet::from(["BTC".to_owned(), "USDC".to_owned()]));

    let all = h.all_customer_accounts("", 100).await;
    let customer = all[0]
        .customer_id
        .clone()
        .expect("customer accounts name their customer");
    let theirs = h
        .all_customer_accounts(&format!("&customerId={customer}"), 100)
        .await;
    let types: HashSet<_> = theirs.iter().map(|a| a.account_type.clone()).collect();
    assert_eq!(
        types.len(),
        3,
        "fiat, crypto and embedded wallet: {types:?}"
    );
    assert!(theirs
        .iter()
        .all(|a| a.customer_id.as_ref() == Some(&customer)));

    let wallets = h.all_customer_accounts("&type=EMBEDDED_WALLET", 100).await;
    assert!(wallets
        .iter()
        .all(|a| a.account_type == InternalAccountType::EmbeddedWallet));
    let eur_wallets = h
        .all_customer_accounts("&type=INTERNAL_FIAT&currency=EUR", 100)
        .await;
    assert!(!eur_wallets.is_empty());
    assert!(eur_wallets
        .iter()
        .all(|a| a.balance.currency.code.as_deref() == Some("EUR")
            && a.account_type == InternalAccountType::InternalFiat));

    let (_, body) = h.get("/platform/external-accounts?currency=USD").await;
    let page: Page<ExternalAccount> = serde_json::from_value(body).expect("a page");
    assert!(
        !page.data.is_empty()
            && page
                .data
                .iter()
                .all(|a| a.currency == "USD" && a.customer_id.is_none())
    );
    let (_, body) = h
        .get(
            "/customers/external-accounts?customerId=Customer:019542f5-b3e7-1d02-0000-000000000001",
        )
        .await;
    let page: Page<ExternalAccount> = serde_json::from_value(body).expect("a page");
    assert_eq!(
        page.data.len(),
        2,
        "customer 1 has a bank account and a Spark wallet"
    );
    h.finish().await;
}

#[tokio::test]
async fn external_accounts_page_and_follow_their_schemas() {
    let h = Harness::start().await;
    for route in [
        "/platform/external-accounts",
        "/customers/external-accounts",
    ] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let (status, body) = h.get(&format!("{route}?limit=2{cursor}")).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let page: Page<ExternalAccount> = serde_json::from_value(body).expect("a page");
            assert!(page.data.len() <= 2);
            for account in &page.data {
                assert!(
                    account.account_info.is_known(),
                    "{} matches its accountType's schema",
                    account.id
                );
            }
            seen.extend(page.data.iter().map(|a| a.id.0.clone()));
            match page.next_cursor {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert!(seen.len() >= 2, "{route}: several accounts are seeded");
        assert_eq!(
            seen.iter().collect::<HashSet<_>>().len(),
            seen.len(),
            "{route}: no repeats"
        );
    }
    h.finish().await;
}

#[tokio::test]
async fn the_seed_has_every_instruction_type_and_status() {
    let h = Harness::start().await;
    let platform = h.platform_accounts("").await;
    let codes: HashSet<_> = platform
        .iter()
        .filter_map(|a| a.balance.currency.code.clone())
        .collect();
    for code in ["USD", "EUR", "MXN", "BRL", "GBP", "BTC", "USDC"] {
        assert!(codes.contains(code), "a platform {code} account");
    }
    let customers = h.all_customer_accounts("", 100).await;
    let every: Vec<_> = platform.iter().chain(&customers).collect();
    let instruction_types: HashSet<_> = every
        .iter()
        .flat_map(|a| &a.funding_payment_instructions)
        .map(|i| {
            assert!(
                i.account_or_wallet_info.is_known(),
                "instructions follow their schema"
            );
            i.account_or_wallet_info.account_type().to_owned()
        })
        .collect();
    for t in [
        "USD_ACCOUNT",
        "EUR_ACCOUNT",
        "MXN_ACCOUNT",
        "BRL_ACCOUNT",
        "GBP_ACCOUNT",
        "SPARK_WALLET",
        "LIGHTNING",
        "SOLANA_WALLET",
        "TRON_WALLET",
        "POLYGON_WALLET",
        "BASE_WALLET",
        "ETHEREUM_WALLET",
    ] {
        assert!(
            instruction_types.contains(t),
            "a {t} funding instruction is seeded"
        );
    }
    let statuses: HashSet<_> = customers
        .iter()
        .map(|a| a.status.as_str().to_owned())
        .collect();
    for status in ["PENDING", "ACTIVE", "CLOSED", "FROZEN", "FAILED"] {
        assert!(statuses.contains(status), "{status} is seeded");
    }
    assert!(
        customers
            .iter()
            .any(|a| a.total_balance.amount.exact() > a.balance.amount.exact()),
        "some pending funds"
    );
    assert!(every
        .iter()
        .all(|a| a.total_balance.amount.exact() >= a.balance.amount.exact()));
    assert!(every
        .iter()
        .all(|a| a.private_enabled.is_some()
            == (a.account_type == InternalAccountType::EmbeddedWallet)));
    let private: HashSet<_> = customers.iter().filter_map(|a| a.private_enabled).collect();
    assert_eq!(private.len(), 2, "wallets with privacy on and off");
    h.finish().await;
}

#[tokio::test]
async fn invalid_queries_are_400_invalid_input() {
    let h = Harness::start().await;
    for path in [
        "/customers/internal-accounts?limit=0",
        "/customers/internal-accounts?limit=101",
        "/customers/internal-accounts?limit=abc",
        "/customers/internal-accounts?limit=2.5",
        "/customers/internal-accounts?limit=",
        "/customers/internal-accounts?type=BOGUS",
        "/customers/internal-accounts?cursor=not-a-cursor",
        "/platform/internal-accounts?type=NOPE",
        "/platform/external-accounts?limit=500",
        "/customers/external-accounts?cursor=bm9wZQ",
    ] {
        let (status, body) = h.get(path).await;
        assert_error(status, &body, 400, "INVALID_INPUT", path);
    }
    h.finish().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_with_grid_errors() {
    let h = Harness::start().await;
    let (status, body) = h.get("/customers").await;
    assert_error(
        status,
        &body,
        404,
        "REFERENCE_NOT_FOUND",
        "an unknown route",
    );
    let (status, body) = h.get("/_sim/nothing").await;
    assert_error(
        status,
        &body,
        404,
        "REFERENCE_NOT_FOUND",
        "an unknown control",
    );
    let (status, body) = h
        .send(h.request(Method::DELETE, "/platform/internal-accounts"))
        .await;
    assert_error(status, &body, 405, "METHOD_NOT_ALLOWED", "a wrong method");
    let (status, body) = h
        .get("/sandbox/internal-accounts/InternalAccount:x/fund")
        .await;
    assert_error(
        status,
        &body,
        405,
        "METHOD_NOT_ALLOWED",
        "a wrong method on a sandbox route outside production",
    );
    h.finish().await;
}

// ---------------------------------------------------------------------------------------------
// Funding

#[tokio::test]
async fn a_fund_adds_exactly_the_amount_and_moves_updated_at() {
    let h = Harness::start().await;
    let before = h.platform_account("USD").await;
    let (status, body) = h.fund(before.id.as_str(), json!({"amount": 12_345})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after: InternalAccount = serde_json::from_value(body).expect("an InternalAccount");
    assert_eq!(
        after.balance.amount.exact(),
        before.balance.amount.exact().map(|a| a + 12_345),
        "available grows by the amount"
    );
    assert_eq!(
        after.total_balance.amount.exact(),
        before.total_balance.amount.exact().map(|a| a + 12_345),
        "so does the total"
    );
    assert_ne!(after.updated_at, before.updated_at);
    let updated = time::OffsetDateTime::parse(
        &after.updated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("updatedAt is RFC 3339");
    assert_eq!(
        after.updated_at.len(),
        24,
        "millisecond precision in UTC (YYYY-MM-DDTHH:MM:SS.mmmZ): {}",
        after.updated_at
    );
    let age = time::OffsetDateTime::now_utc() - updated;
    assert!(
        age < time::Duration::seconds(5),
        "updatedAt is now: {}",
        after.updated_at
    );
    assert_eq!(
        h.account(before.id.as_str()).await,
        after,
        "the fund is stored"
    );

    // Two funds within the same second (and likely the same millisecond) each move updatedAt
    // forward, so a client comparing updatedAt sees both changes.
    let mut previous = after.updated_at.clone();
    for _ in 0..2 {
        let (status, body) = h.fund(before.id.as_str(), json!({"amount": 1})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let now = body["updatedAt"].as_str().expect("updatedAt").to_owned();
        let parse = |t: &str| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .expect("updatedAt is RFC 3339")
        };
        assert!(
            parse(&now) > parse(&previous),
            "each fund bumps updatedAt: {previous} then {now}"
        );
        previous = now;
    }

    let btc = h.platform_account("BTC").await;
    let (_, body) = h.fund(btc.id.as_str(), json!({"amount": 1})).await;
    assert_eq!(
        body["balance"]["amount"],
        btc.balance.amount.exact().expect("a whole balance") + 1,
        "one satoshi"
    );
    let (status, _) = h
        .fund(btc.id.as_str(), json!({"amount": 100_000_000_000_i64}))
        .await;
    assert_eq!(status, StatusCode::OK, "the maximum itself is allowed");
    h.finish().await;
}

#[tokio::test]
async fn fund_requests_are_validated_like_the_spec() {
    let h = Harness::start().await;
    let usd = h.platform_account("USD").await;
    let id = usd.id.as_str();
    for body in [
        json!({"amount": 1.5}),
        json!({"amount": "100"}),
        json!({"amount": 0}),
        json!({"amount": -1}),
        json!({"amount": 100_000_000_001_i64}),
        json!({}),
        json!({"amount": null}),
        json!([100]),
    ] {
        let (status, err) = h.fund(id, body.clone()).await;
        assert_error(status, &err, 400, "INVALID_INPUT", &body.to_string());
    }
    let not_json = h
        .request(
            Method::POST,
            &format!("/sandbox/internal-accounts/{id}/fund"),
        )
        .header("content-type", "application/json")
        .body("{not json");
    let (status, err) = h.send(not_json).await;
    assert_error(
        status,
        &err,
        400,
        "INVALID_INPUT",
        "a body that is not JSON",
    );
    assert_eq!(
        h.account(id).await.balance,
        usd.balance,
        "no invalid request funded anything"
    );

    let (status, err) = h
        .fund(
            "InternalAccount:00000000-0000-0000-0000-000000000000",
            json!({"amount": 1}),
        )
        .await;
    assert_error(
        status,
        &err,
        404,
        "REFERENCE_NOT_FOUND",
        "an unknown account",
    );

    let closed = h
        .all_customer_accounts("", 100)
        .await
        .into_iter()
        .find(|a| a.status.as_str() == "CLOSED")
        .expect("a CLOSED account is seeded");
    let (status, err) = h.fund(closed.id.as_str(), json!({"amount": 1})).await;
    assert_error(status, &err, 400, "INVALID_INPUT", "a CLOSED account");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("CLOSED")),
        "{err}"
    );
    h.finish().await;
}

#[tokio::test]
async fn fifty_parallel_funds_are_all_counted() {
    let h = Harness::start().await;
    let usd = h.platform_account("USD").await;
    let path = format!("/sandbox/internal-accounts/{}/fund", usd.id);
    let funds = (1..=50_i64).map(|amount| {
        h.request(Method::POST, &path)
            .json(&json!({ "amount": amount }))
            .send()
    });
    for response in futures::future::join_all(funds).await {
        assert_eq!(response.expect("answers").status(), StatusCode::OK);
    }
    let after = h.account(usd.id.as_str()).await;
    assert_eq!(
        after.balance.amount.exact(),
        usd.balance.amount.exact().map(|a| a + 1_275),
        "1+2+…+50, none lost"
    );
    assert_eq!(
        after.total_balance.amount.exact(),
        usd.total_balance.amount.exact().map(|a| a + 1_275)
    );
    h.finish().await;
}

#[tokio::test]
async fn production_credentials_cannot_use_sandbox_routes() {
    let h = Harness::start_with(SimConfig {
        production: true,
        ..SimConfig::default()
    })
    .await;
    let usd = h.platform_account("USD").await;
    let (status, err) = h.fund(usd.id.as_str(), json!({"amount": 100})).await;
    assert_error(status, &err, 403, "FORBIDDEN", "fund in production");
    assert_eq!(
        err["message"],
        "Sandbox endpoints are not available with production credentials"
    );
    let (status, err) = h.fund(usd.id.as_str(), json!({"amount": "bad"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "403 comes before validation: {err}"
    );
    let (status, _) = h.get("/sandbox/anything").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "every /sandbox route");
    // A known sandbox route with the wrong method is still the sandbox: 403, not 405.
    let fund_path = format!("/sandbox/internal-accounts/{}/fund", usd.id);
    for method in [Method::GET, Method::PUT, Method::DELETE, Method::PATCH] {
        let (status, err) = h.send(h.request(method.clone(), &fund_path)).await;
        assert_error(
            status,
            &err,
            403,
            "FORBIDDEN",
            &format!("{method} on the fund route"),
        );
    }
    let wrong = h
        .http
        .post(h.url(&format!("/sandbox/internal-accounts/{}/fund", usd.id)))
        .basic_auth("nobody", Some("nothing"))
        .json(&json!({"amount": 1}));
    let (status, _) = h.send(wrong).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "auth is checked first");

    let wallet = h.wallet().await;
    let (status, challenge) = h
        .patch(wallet.id.as_str(), json!({"privateEnabled": true}), &[])
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let request_id = challenge["requestId"].as_str().expect("requestId");
    let (status, err) = h
        .patch(
            wallet.id.as_str(),
            json!({"privateEnabled": true}),
            &[
                ("Grid-Wallet-Signature", "sandbox-valid-signature"),
                ("Request-Id", request_id),
            ],
        )
        .await;
    assert_error(
        status,
        &err,
        401,
        "WALLET_SIGNATURE_MALFORMED",
        "the sandbox shortcut in production",
    );
    h.finish().await;
}

// ---------------------------------------------------------------------------------------------
// The signed retry

async fn issue(h: &Harness, id: &str, private_enabled: bool) -> SignedRequestChallenge {
    let (status, body) = h
        .patch(id, json!({ "privateEnabled": private_enabled }), &[])
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "step 1 answers 202: {body}");
    serde_json::from_value(body).expect("a SignedRequestChallenge")
}

#[tokio::test]
async fn a_signed_patch_with_a_registered_key_updates_the_wallet_once() {
    let (private_key, public_key) = generate_session_key();
    let h = Harness::start_with(SimConfig {
        session_public_keys: vec![public_key.to_uppercase()],
        ..SimConfig::default()
    })
    .await;
    let wallet = h.wallet().await;
    let wanted = !wallet
        .private_enabled
        .expect("wallets carry privateEnabled");
    let id = wallet.id.as_str();
    let challenge = issue(&h, id, wanted).await;
    assert!(
        challenge.request_id.starts_with("Request:"),
        "{}",
        challenge.request_id
    );
    let uuid = challenge.request_id.trim_start_matches("Request:");
    assert_eq!(uuid.len(), 36, "a UUID: {uuid}");
    assert_eq!(&uuid[14..15], "4", "a version-4 UUID: {uuid}");
    let payload: Value =
        serde_json::from_str(&challenge.payload_to_sign).expect("payloadToSign is JSON");
    assert_eq!(payload["type"], "ACTIVITY_TYPE_SIGN_RAW_PAYLOAD_V2");
    assert_eq!(
        payload["parameters"]["signWith"], id,
        "it binds the account"
    );
    assert_eq!(
        payload["parameters"]["payload"],
        bound_change(id, wanted),
        "and the update (the hash of the account and the requested value)"
    );
    assert!(payload["timestampMs"]
        .as_str()
        .is_some_and(|t| t.parse::<u64>().is_ok()));
    assert!(challenge.expires_at.ends_with('Z'));

    let stamp = sign_payload(private_key.expose(), &challenge.payload_to_sign).expect("signs");
    let headers = [
        ("Grid-Wallet-Signature", stamp.as_str()),
        ("Request-Id", challenge.request_id.as_str()),
    ];
    let (status, body) = h
        .patch(id, json!({ "privateEnabled": wanted }), &headers)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let updated: InternalAccount = serde_json::from_value(body).expect("an InternalAccount");
    assert_eq!(updated.private_enabled, Some(wanted));
    assert_ne!(updated.updated_at, wallet.updated_at, "updatedAt moves");
    assert_eq!(h.account(id).await.private_enabled, Some(wanted), "stored");

    let (status, err) = h
        .patch(id, json!({ "privateEnabled": wanted }), &headers)
        .await;
    assert_error(
        status,
        &err,
        401,
        "UNAUTHORIZED",
        "a challenge is single-use",
    );
    h.finish().await;
}

/// What is wrong, which account, the headers sent, the body, and the code expected.
type RetryCase<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Value, &'a str);

/// The `payloadToSign` example the spec gives for `PATCH /internal-accounts/{id}`.
fn spec_payload_example() -> String {
    let spec: Value =
        serde_yaml::from_str(&std::fs::read_to_string(spec_check::spec_path()).expect("the spec"))
            .expect("YAML");
    spec["paths"]["/internal-accounts/{id}"]["patch"]["responses"]["202"]["content"]
        ["application/json"]["examples"]["challenge"]["value"]["payloadToSign"]
        .as_str()
        .expect("the spec has a payloadToSign example")
        .to_owned()
}

/// The keys of each object in `json` (a compact JSON text whose keys are all distinct), in
/// the order the text spells them, paired with the object they belong to (`""` for the top).
fn key_order(json: &str, value: &Value) -> Vec<(String, String)> {
    fn walk(json: &str, value: &Value, parent: &str, out: &mut Vec<(String, String)>) {
        let Some(map) = value.as_object() else {
            return;
        };
        let mut keys: Vec<&String> = map.keys().collect();
        keys.sort_by_key(|k| json.find(&format!("\"{k}\":")));
        for key in keys {
            out.push((parent.to_owned(), key.clone()));
            walk(json, &map[key.as_str()], key, out);
        }
    }
    let mut out = Vec::new();
    walk(json, value, "", &mut out);
    out
}

/// Hex SHA-256 of the change a challenge binds: the account and the requested fields.
fn bound_change(id: &str, private_enabled: bool) -> String {
    use sha2::Digest as _;
    let change = json!({"internalAccountId": id, "privateEnabled": private_enabled}).to_string();
    hex::encode(sha2::Sha256::digest(change.as_bytes()))
}

#[tokio::test]
async fn payload_to_sign_has_the_specs_shape_and_binds_the_account_and_the_change() {
    let h = Harness::start().await;
    let wallets: Vec<InternalAccount> = h
        .all_customer_accounts("&type=EMBEDDED_WALLET", 100)
        .await
        .into_iter()
        .filter(|a| a.status.as_str() == "ACTIVE")
        .collect();
    let (a, b) = (wallets[0].id.as_str(), wallets[1].id.as_str());
    let example = spec_payload_example();
    let example_value: Value = serde_json::from_str(&example).expect("the example is JSON");
    let mut payloads = Vec::new();
    for (id, private_enabled) in [(a, true), (a, false), (b, true), (a, true)] {
        let c = issue(&h, id, private_enabled).await;
        let payload: Value = serde_json::from_str(&c.payload_to_sign).expect("JSON");
        assert_eq!(
            key_order(&c.payload_to_sign, &payload),
            key_order(&example, &example_value),
            "the same keys in the spec's order: {}",
            c.payload_to_sign
        );
        let timestamp = payload["timestampMs"].as_str().expect("timestampMs");
        assert!(timestamp.parse::<u64>().is_ok(), "{timestamp}");
        let expected = format!(
            r#"{{"organizationId":"org_sim","parameters":{{"encoding":"PAYLOAD_ENCODING_HEXADECIMAL","hashFunction":"HASH_FUNCTION_NO_OP","payload":"{}","signWith":"{id}"}},"timestampMs":"{timestamp}","type":"ACTIVITY_TYPE_SIGN_RAW_PAYLOAD_V2"}}"#,
            bound_change(id, private_enabled)
        );
        assert_eq!(
            c.payload_to_sign, expected,
            "a Turnkey raw-payload activity over the change"
        );
        payloads.push(payload["parameters"]["payload"].clone());
    }
    assert_ne!(payloads[0], payloads[1], "bound to the requested value");
    assert_ne!(payloads[0], payloads[2], "bound to the account");
    assert_eq!(
        payloads[0], payloads[3],
        "the same change, the same payload"
    );
    h.finish().await;
}

#[tokio::test]
async fn every_signed_retry_failure_has_its_code() {
    let (private_key, public_key) = generate_session_key();
    let (stranger, _) = generate_session_key();
    let h = Harness::start_with(SimConfig {
        session_public_keys: vec![public_key],
        ..SimConfig::default()
    })
    .await;
    let wallet = h.wallet().await;
    let id = wallet.id.as_str();
    let body = json!({"privateEnabled": true});
    let c = issue(&h, id, true).await;
    let good = sign_payload(private_key.expose(), &c.payload_to_sign).expect("signs");
    let rid = c.request_id.as_str();
    let other_wallet = h
        .all_customer_accounts("&type=EMBEDDED_WALLET", 100)
        .await
        .into_iter()
        .find(|a| a.id != wallet.id)
        .expect("a second wallet");
    let unregistered = sign_payload(stranger.expose(), &c.payload_to_sign).expect("signs");
    let other_payload = sign_payload(private_key.expose(), "{}").expect("signs");
    let wrong_scheme = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"publicKey":"02","scheme":"SIGNATURE_SCHEME_OTHER","signature":"30"}"#)
    };
    let cases: [RetryCase<'_>; 9] = [
        (
            "signature without Request-Id",
            id,
            vec![("Grid-Wallet-Signature", &good)],
            body.clone(),
            "REQUEST_ID_MISSING",
        ),
        (
            "Request-Id without signature",
            id,
            vec![("Request-Id", rid)],
            body.clone(),
            "WALLET_SIGNATURE_MISSING",
        ),
        (
            "an undecodable stamp",
            id,
            vec![("Grid-Wallet-Signature", "!!!"), ("Request-Id", rid)],
            body.clone(),
            "WALLET_SIGNATURE_MALFORMED",
        ),
        (
            "a stamp with another scheme",
            id,
            vec![
                ("Grid-Wallet-Signature", &wrong_scheme),
                ("Request-Id", rid),
            ],
            body.clone(),
            "WALLET_SIGNATURE_MALFORMED",
        ),
        (
            "an unregistered key",
            id,
            vec![
                ("Grid-Wallet-Signature", &unregistered),
                ("Request-Id", rid),
            ],
            body.clone(),
            "WALLET_SIGNATURE_INVALID",
        ),
        (
            "a signature over another payload",
            id,
            vec![
                ("Grid-Wallet-Signature", &other_payload),
                ("Request-Id", rid),
            ],
            body.clone(),
            "WALLET_SIGNATURE_INVALID",
        ),
        (
            "an unknown Request-Id",
            id,
            vec![
                ("Grid-Wallet-Signature", &good),
                ("Request-Id", "Request:00000000-0000-4000-8000-000000000000"),
            ],
            body.clone(),
            "UNAUTHORIZED",
        ),
        (
            "a Request-Id for another account",
            other_wallet.id.as_str(),
            vec![("Grid-Wallet-Signature", &good), ("Request-Id", rid)],
            body.clone(),
            "UNAUTHORIZED",
        ),
        (
            "a different body",
            id,
            vec![("Grid-Wallet-Signature", &good), ("Request-Id", rid)],
            json!({"privateEnabled": false}),
            "WALLET_SIGNATURE_BODY_MISMATCH",
        ),
    ];
    for (what, account, headers, body, code) in cases {
        let (status, err) = h.patch(account, body, &headers).await;
        assert_error(status, &err, 401, code, what);
    }
    let (status, err) = h
        .patch(
            id,
            json!({"privateEnabled": true}),
            &[("Grid-Wallet-Signature", &good), ("Request-Id", rid)],
        )
        .await;
    assert_error(
        status,
        &err,
        401,
        "UNAUTHORIZED",
        "a body mismatch voids the challenge",
    );

    // Failures other than a body mismatch leave the challenge usable until it expires.
    let c = issue(&h, id, true).await;
    let rid = c.request_id.as_str();
    let (status, _) = h
        .patch(
            id,
            json!({"privateEnabled": true}),
            &[("Grid-Wallet-Signature", "garbage"), ("Request-Id", rid)],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let good = sign_payload(private_key.expose(), &c.payload_to_sign).expect("signs");
    let (status, body) = h
        .patch(
            id,
            json!({"privateEnabled": true}),
            &[("Grid-Wallet-Signature", &good), ("Request-Id", rid)],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a correct stamp after a bad one still works: {body}"
    );

    let c = issue(&h, id, false).await;
    let (status, body) = h
        .patch(
            id,
            json!({"privateEnabled": false}),
            &[
                ("Grid-Wallet-Signature", "sandbox-valid-signature"),
                ("Request-Id", &c.request_id),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the sandbox shortcut: {body}");
    assert_eq!(body["privateEnabled"], false);
    h.finish().await;
}

#[tokio::test]
async fn patch_bodies_and_targets_are_validated() {
    let h = Harness::start().await;
    let wallet = h.wallet().await;
    let fiat = h.platform_account("USD").await;
    let (status, err) = h.patch(wallet.id.as_str(), json!({}), &[]).await;
    assert_error(status, &err, 400, "INVALID_INPUT", "no update fields");
    let (status, err) = h
        .patch(wallet.id.as_str(), json!({"privateEnabled": "yes"}), &[])
        .await;
    assert_error(
        status,
        &err,
        400,
        "INVALID_INPUT",
        "privateEnabled must be a boolean",
    );
    let (status, err) = h
        .patch(fiat.id.as_str(), json!({"privateEnabled": true}), &[])
        .await;
    assert_error(
        status,
        &err,
        400,
        "INVALID_INPUT",
        "only embedded wallets have privacy",
    );
    let (status, err) = h
        .patch(
            "InternalAccount:missing",
            json!({"privateEnabled": true}),
            &[],
        )
        .await;
    assert_error(
        status,
        &err,
        404,
        "REFERENCE_NOT_FOUND",
        "an unknown account",
    );
    let not_json = h
        .request(Method::PATCH, &format!("/internal-accounts/{}", wallet.id))
        .body("privateEnabled=true");
    let (status, err) = h.send(not_json).await;
    assert_error(
        status,
        &err,
        400,
        "INVALID_INPUT",
        "a body that is not JSON",
    );
    h.finish().await;
}

#[tokio::test]
async fn pending_challenges_per_account_are_capped_oldest_dropped() {
    let h = Harness::start().await;
    let wallet = h.wallet().await;
    let id = wallet.id.as_str();
    let cap = grid_sim::MAX_PENDING_CHALLENGES_PER_ACCOUNT;
    let mut issued = Vec::new();
    for _ in 0..cap + 1 {
        issued.push(issue(&h, id, true).await);
    }
    let state = h.control().state().await.expect("state");
    assert_eq!(state.pending_challenges, cap, "the oldest was dropped");
    async fn retry(h: &Harness, id: &str, c: &SignedRequestChallenge) -> (StatusCode, Value) {
        let headers = [
            ("Grid-Wallet-Signature", "sandbox-valid-signature"),
            ("Request-Id", c.request_id.as_str()),
        ];
        h.patch(id, json!({"privateEnabled": true}), &headers).await
    }
    let (status, err) = retry(&h, id, &issued[0]).await;
    assert_error(status, &err, 401, "UNAUTHORIZED", "a dropped challenge");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("dropped")),
        "{err}"
    );
    let (status, body) = retry(&h, id, &issued[cap]).await;
    assert_eq!(status, StatusCode::OK, "the newest still works: {body}");
    h.finish().await;
}

#[tokio::test]
async fn challenges_expire() {
    let h = Harness::start_with(SimConfig {
        challenge_ttl: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let wallet = h.wallet().await;
    let c = issue(&h, wallet.id.as_str(), true).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, err) = h
        .patch(
            wallet.id.as_str(),
            json!({"privateEnabled": true}),
            &[
                ("Grid-Wallet-Signature", "sandbox-valid-signature"),
                ("Request-Id", &c.request_id),
            ],
        )
        .await;
    assert_error(status, &err, 401, "UNAUTHORIZED", "an expired challenge");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("expired")),
        "{err}"
    );
    h.finish().await;
}

// ---------------------------------------------------------------------------------------------
// Grid's own base path and platform configuration

#[tokio::test]
async fn config_describes_the_one_platform_as_the_spec_says() {
    let h = Harness::start().await;
    let (status, config) = h.get("/config").await;
    assert_eq!(status, StatusCode::OK, "{config}");
    let problems =
        spec_check::SpecValidator::shared().check_response("GET", "/config", 200, &config);
    assert!(
        problems.is_empty(),
        "a spec-valid PlatformConfig: {problems:?}"
    );
    assert!(
        config["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("PlatformConfig:")),
        "{config}"
    );
    let mut offered: Vec<&str> = config["supportedCurrencies"]
        .as_array()
        .expect("supportedCurrencies")
        .iter()
        .filter_map(|c| c["currencyCode"].as_str())
        .collect();
    offered.sort_unstable();
    let platform = h.platform_accounts("").await;
    let mut held: Vec<&str> = platform
        .iter()
        .filter_map(|a| a.balance.currency.code.as_deref())
        .collect();
    held.sort_unstable();
    held.dedup();
    assert_eq!(offered, held, "the currencies its platform accounts hold");
    let (status, err) = h.send(h.http.get(h.url("/config"))).await;
    assert_error(
        status,
        &err,
        401,
        "UNAUTHORIZED",
        "/config needs credentials",
    );
    h.finish().await;
}

#[tokio::test]
async fn the_client_works_with_grids_own_base_path() {
    use grid_client::{ClientConfig, Credentials, GridClient, PlatformAccountFilter};
    let h = Harness::start().await;
    let base = format!("{}/grid/2025-10-13", h.sim.base_url());
    let client = GridClient::new(ClientConfig::new(
        base.clone(),
        Credentials::new(h.config.client_id.clone(), h.config.client_secret.clone()),
    ))
    .expect("a client with Grid's base path");
    let usd = client
        .list_platform_internal_accounts(&PlatformAccountFilter {
            currency: Some("USD".into()),
            account_type: None,
        })
        .await
        .expect("lists under /grid/2025-10-13")
        .remove(0);
    let funded = client
        .fund_sandbox_internal_account(&usd.id, 4_321)
        .await
        .expect("funds under /grid/2025-10-13");
    assert_eq!(
        funded.balance.amount.exact(),
        usd.balance.amount.exact().map(|a| a + 4_321)
    );
    let page = client
        .list_customer_internal_accounts(&Default::default(), &Default::default())
        .await
        .expect("pages under /grid/2025-10-13");
    assert!(!page.data.is_empty());
    let (status, config) = h
        .send(h.request(Method::GET, "/grid/2025-10-13/config"))
        .await;
    assert_eq!(status, StatusCode::OK, "{config}");
    let (status, err) = h
        .send(h.request(Method::GET, "/grid/2025-10-13/customers"))
        .await;
    assert_error(
        status,
        &err,
        404,
        "REFERENCE_NOT_FOUND",
        "an unknown route under the base path",
    );
    let (status, err) = h
        .send(h.request(Method::GET, "/grid/2025-10-12/platform/internal-accounts"))
        .await;
    assert_error(
        status,
        &err,
        404,
        "REFERENCE_NOT_FOUND",
        "another API version is not served",
    );
    h.finish().await;
}

// ---------------------------------------------------------------------------------------------
// Persistence and controls

#[tokio::test]
async fn the_state_file_survives_a_restart_and_reset_restores_the_seed() {
    let path = temp_path("state.json");
    let config = SimConfig {
        state_file: Some(path.clone()),
        ..SimConfig::default()
    };
    let h = Harness::start_with(config.clone()).await;
    assert!(path.exists(), "the file is written at start");
    let usd = h.platform_account("USD").await;
    let (_, funded) = h.fund(usd.id.as_str(), json!({"amount": 777})).await;
    let wallet = h.wallet().await;
    let flipped = !wallet.private_enabled.expect("privateEnabled");
    let c = issue(&h, wallet.id.as_str(), flipped).await;
    let (status, _) = h
        .patch(
            wallet.id.as_str(),
            json!({"privateEnabled": flipped}),
            &[
                ("Grid-Wallet-Signature", "sandbox-valid-signature"),
                ("Request-Id", &c.request_id),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    h.finish().await;

    let text = std::fs::read_to_string(&path).expect("the state file");
    assert!(
        !text.contains(&config.client_secret),
        "credentials are never persisted"
    );
    let h = Harness::start_with(config.clone()).await;
    let reread = h.account(usd.id.as_str()).await;
    assert_eq!(
        reread.balance.amount.exact(),
        usd.balance.amount.exact().map(|a| a + 777),
        "the fund survived the restart"
    );
    assert_eq!(
        serde_json::to_value(&reread).expect("json"),
        funded,
        "byte-for-byte the same account"
    );
    assert_eq!(
        h.account(wallet.id.as_str()).await.private_enabled,
        Some(flipped)
    );

    let summary = h.control().reset().await.expect("reset");
    assert_eq!(summary.platform_internal_accounts, 7, "{summary:?}");
    assert_eq!(
        h.account(usd.id.as_str()).await.balance,
        usd.balance,
        "reset restores the seed"
    );
    h.finish().await;
    let h = Harness::start_with(config).await;
    assert_eq!(
        h.account(usd.id.as_str()).await.balance,
        usd.balance,
        "and saves it"
    );
    h.finish().await;
    std::fs::remove_file(&path).expect("clean up");
}

/// The balance of `id` as the state file at `path` holds it.
fn balance_on_disk(path: &std::path::Path, id: &str) -> i64 {
    let saved: Value =
        serde_json::from_slice(&std::fs::read(path).expect("the state file")).expect("JSON");
    saved["internalAccounts"]
        .as_array()
        .and_then(|accounts| accounts.iter().find(|a| a["id"] == id))
        .and_then(|a| a["balance"]["amount"].as_i64())
        .unwrap_or_else(|| panic!("{id} is in the state file"))
}

#[tokio::test]
async fn a_change_that_cannot_be_saved_is_refused_and_not_applied() {
    let dir = temp_path("unsaved");
    std::fs::create_dir_all(&dir).expect("a folder for the state file");
    let path = dir.join("state.json");
    let h = Harness::start_with(SimConfig {
        state_file: Some(path.clone()),
        ..SimConfig::default()
    })
    .await;
    let usd = h.platform_account("USD").await;
    let id = usd.id.as_str();
    let start = usd
        .balance
        .amount
        .exact()
        .expect("the simulator's balances are whole numbers");
    assert_eq!(balance_on_disk(&path, id), start);

    // A folder where the simulator writes its temporary copy makes every save fail (even as
    // root, for whom permissions do not count).
    let blocker = dir.join(".state.json.tmp");
    std::fs::create_dir(&blocker).expect("block the temporary file");
    let (status, err) = h.fund(id, json!({"amount": 1_000})).await;
    assert!(
        status.is_server_error(),
        "a fund that cannot be saved fails: {status} {err}"
    );
    assert_eq!(err["status"], status.as_u16(), "a Grid error body: {err}");
    assert!(err["code"].is_string(), "{err}");
    let message = err["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("nothing was changed"),
        "the message says nothing was applied: {message}"
    );
    assert_eq!(
        h.account(id).await.balance.amount.exact(),
        Some(start),
        "the balance did not move in memory"
    );
    assert_eq!(balance_on_disk(&path, id), start, "nor on disk");

    // A signed update that cannot be saved leaves the wallet and its challenge as they were.
    let wallet = h.wallet().await;
    let flipped = !wallet.private_enabled.expect("privateEnabled");
    let c = issue(&h, wallet.id.as_str(), flipped).await;
    let signed = [
        ("Grid-Wallet-Signature", "sandbox-valid-signature"),
        ("Request-Id", c.request_id.as_str()),
    ];
    let (status, err) = h
        .patch(
            wallet.id.as_str(),
            json!({"privateEnabled": flipped}),
            &signed,
        )
        .await;
    assert!(status.is_server_error(), "{status} {err}");
    assert_eq!(
        h.account(wallet.id.as_str()).await.private_enabled,
        wallet.private_enabled,
        "the wallet did not change"
    );

    // Once the disk is fixed, one fund adds exactly once, and the challenge still works.
    std::fs::remove_dir(&blocker).expect("unblock");
    let (status, funded) = h.fund(id, json!({"amount": 1_000})).await;
    assert_eq!(status, StatusCode::OK, "{funded}");
    assert_eq!(
        h.account(id).await.balance.amount.exact(),
        Some(start + 1_000),
        "once"
    );
    assert_eq!(balance_on_disk(&path, id), start + 1_000, "saved once");
    let (status, updated) = h
        .patch(
            wallet.id.as_str(),
            json!({"privateEnabled": flipped}),
            &signed,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the challenge was not used up: {updated}"
    );
    assert_eq!(updated["privateEnabled"], flipped);
    h.finish().await;
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[tokio::test]
async fn a_broken_state_file_is_refused_not_overwritten() {
    let path = temp_path("broken.json");
    std::fs::write(&path, "{\"format\": \"something-else\"}").expect("writes");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let config = SimConfig {
        state_file: Some(path.clone()),
        ..SimConfig::default()
    };
    let err = grid_sim::spawn(config, listener)
        .await
        .expect_err("a broken state file");
    assert!(
        err.to_string().contains("not a grid-sim state file"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).expect("reads"),
        "{\"format\": \"something-else\"}"
    );
    std::fs::remove_file(&path).expect("clean up");
}

#[tokio::test]
async fn bad_configuration_is_refused_at_start() {
    for config in [
        SimConfig {
            session_public_keys: vec!["04abcd".to_owned()],
            ..SimConfig::default()
        },
        SimConfig {
            client_secret: String::new(),
            ..SimConfig::default()
        },
    ] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("port");
        assert!(
            grid_sim::spawn(config.clone(), listener).await.is_err(),
            "{config:?}"
        );
        assert!(
            !format!("{config:?}").contains("sim-client-secret"),
            "Debug redacts the secret"
        );
    }
}

#[tokio::test]
async fn the_state_control_summarises_the_simulator() {
    let h = Harness::start().await;
    h.arm(
        Fault::Status {
            status: FailureStatus::ServiceUnavailable,
        },
        2,
    )
    .await;
    let state = h
        .control()
        .state()
        .await
        .expect("/_sim is not subject to faults");
    assert_eq!(state.platform_internal_accounts, 7);
    assert!(state.customer_internal_accounts >= 30, "{state:?}");
    assert!(state.customers >= 6, "{state:?}");
    assert_eq!(
        state.armed_faults,
        [grid_sim::control::ArmedFault {
            fault: Fault::Status {
                status: FailureStatus::ServiceUnavailable
            },
            remaining: 2
        }]
    );
    h.control().clear_faults().await.expect("clears");
    let (status, _) = h.get("/platform/internal-accounts").await;
    assert_eq!(status, StatusCode::OK, "cleared faults no longer apply");
    match h.control().arm_for(Fault::Drop, 0).await {
        Err(grid_sim::SimError::ControlRefused { status, code, .. }) => {
            assert_eq!((status, code.as_str()), (400, "INVALID_INPUT"));
        }
        other => panic!("a count of 0 is refused: {other:?}"),
    }
    // What the typed client cannot send, the server still refuses in words.
    let (status, err) = h
        .send(
            h.request(Method::POST, "/_sim/faults")
                .json(&json!({"kind": "explode"})),
        )
        .await;
    assert_error(status, &err, 400, "INVALID_INPUT", "an unknown fault kind");
    h.finish().await;
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn status_and_rate_limit_faults_answer_with_grid_error_bodies() {
    let h = Harness::start().await;
    h.arm(
        Fault::Status {
            status: FailureStatus::InternalServerError,
        },
        1,
    )
    .await;
    h.arm(
        Fault::Status {
            status: FailureStatus::ServiceUnavailable,
        },
        1,
    )
    .await;
    h.arm(
        Fault::Status {
            status: FailureStatus::BadGateway,
        },
        1,
    )
    .await;
    h.arm(
        Fault::RateLimit {
            retry_after_secs: 7,
        },
        1,
    )
    .await;
    let (status, err) = h.get("/platform/internal-accounts").await;
    assert_error(status, &err, 500, "INTERNAL_ERROR", "status 500 fault");
    let (status, err) = h.get("/customers/internal-accounts").await;
    assert_error(status, &err, 503, "SERVICE_UNAVAILABLE", "status 503 fault");
    let (status, err) = h.get("/customers/internal-accounts").await;
    assert_error(status, &err, 502, "BAD_GATEWAY", "status 502 fault");
    let response = h
        .request(Method::GET, "/platform/external-accounts")
        .send()
        .await
        .expect("answers");
    assert_eq!(
        response.headers()["retry-after"],
        "7",
        "Retry-After carries the wait"
    );
    let (status, err) = (
        response.status(),
        response.json::<Value>().await.expect("JSON"),
    );
    assert_error(status, &err, 429, "RATE_LIMITED", "rate-limit fault");
    let (status, _) = h.get("/platform/internal-accounts").await;
    assert_eq!(status, StatusCode::OK, "faults apply to their count only");

    let usd = h.platform_account("USD").await;
    h.arm(
        Fault::Status {
            status: FailureStatus::ServiceUnavailable,
        },
        1,
    )
    .await;
    let (status, _) = h.fund(usd.id.as_str(), json!({"amount": 5})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        h.account(usd.id.as_str()).await.balance,
        usd.balance,
        "a faulted fund is not applied"
    );
    h.finish().await;
}

#[tokio::test]
async fn latency_faults_delay_the_answer() {
    let h = Harness::start().await;
    h.arm(Fault::Latency { latency_ms: 250 }, 1).await;
    let started = Instant::now();
    let (status, _) = h.get("/platform/internal-accounts").await;
    assert_eq!(status, StatusCode::OK, "a slow answer is still an answer");
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    h.finish().await;
}

#[tokio::test]
async fn drop_faults_close_the_connection_without_an_answer() {
    let h = Harness::start().await;
    let usd = h.platform_account("USD").await;
    h.arm(Fault::Drop, 1).await;
    let err = h
        .request(
            Method::POST,
            &format!("/sandbox/internal-accounts/{}/fund", usd.id),
        )
        .json(&json!({"amount": 300}))
        .send()
        .await
        .expect_err("a dropped connection is a transport error");
    assert!(
        err.status().is_none() && err.is_request(),
        "not an HTTP status: {err:?}"
    );
    assert_eq!(
        h.account(usd.id.as_str()).await.balance,
        usd.balance,
        "drop applies nothing"
    );

    h.arm(Fault::DropAfter, 1).await;
    let err = h
        .request(
            Method::POST,
            &format!("/sandbox/internal-accounts/{}/fund", usd.id),
        )
        .json(&json!({"amount": 700}))
        .send()
        .await
        .expect_err("the answer is lost");
    assert!(err.status().is_none(), "{err:?}");
    let after = h.account(usd.id.as_str()).await;
    assert_eq!(
        after.balance.amount.exact(),
        usd.balance.amount.exact().map(|a| a + 700),
        "drop_after applied the fund once"
    );
    let dropped = h
        .exchanges()
        .iter()
        .filter(|e| e.path.ends_with("/fund"))
        .count();
    assert_eq!(dropped, 0, "unsent responses are not reported as sent");
    h.finish().await;
}

#[tokio::test]
async fn malformed_faults_send_truncated_json() {
    let h = Harness::start().await;
    h.arm(Fault::Malformed, 1).await;
    let response = h
        .request(Method::GET, "/platform/internal-accounts")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("a body");
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "the body must not parse: {text}"
    );
    let last = h.exchanges().pop().expect("observed");
    assert_eq!(
        last.body,
        Value::String(text),
        "the observer gets the raw text"
    );
    h.finish().await;
}

#[tokio::test]
async fn reset_clears_faults() {
    let h = Harness::start().await;
    h.arm(Fault::Drop, 5).await;
    h.control().reset().await.expect("reset");
    let (status, _) = h.get("/platform/internal-accounts").await;
    assert_eq!(status, StatusCode::OK, "no fault survives a reset");
    h.finish().await;
}

// ---------------------------------------------------------------------------------------------
// Observation, scale and the binary

#[tokio::test]
async fn the_observer_sees_grid_responses_by_route_template() {
    let h = Harness::start().await;
    let usd = h.platform_account("USD").await;
    h.fund(usd.id.as_str(), json!({"amount": 1})).await;
    h.patch(usd.id.as_str(), json!({"privateEnabled": true}), &[])
        .await;
    h.get("/nowhere").await;
    h.control().state().await.expect("the state control");
    let seen: Vec<_> = h
        .exchanges()
        .into_iter()
        .map(|e| (e.method, e.path, e.status))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "GET".to_owned(),
                "/platform/internal-accounts".to_owned(),
                200
            ),
            (
                "POST".to_owned(),
                "/sandbox/internal-accounts/{accountId}/fund".to_owned(),
                200
            ),
            (
                "PATCH".to_owned(),
                "/internal-accounts/{id}".to_owned(),
                400
            ),
            ("GET".to_owned(), "/nowhere".to_owned(), 404),
        ],
        "/_sim is not reported"
    );
    h.finish().await;
}

#[tokio::test]
async fn ten_thousand_generated_accounts_page_completely() {
    let started = Instant::now();
    // Observed like every other test here: each of the 101 pages is checked against the spec.
    let h = Harness::start_with(SimConfig {
        seed_accounts: 10_000,
        ..SimConfig::default()
    })
    .await;
    // A figure, not a goal (speed is measured in the benchmarks).
    eprintln!(
        "grid-sim with 10,000 generated accounts started in {:?}",
        started.elapsed()
    );
    let accounts = h.all_customer_accounts("", 100).await;
    assert!(accounts.len() >= 10_030, "{}", accounts.len());
    let ids: HashSet<_> = accounts.iter().map(|a| &a.id).collect();
    assert_eq!(ids.len(), accounts.len(), "every account exactly once");
    let customers: HashSet<_> = accounts
        .iter()
        .filter_map(|a| a.customer_id.as_ref())
        .collect();
    assert!(
        customers.len() > 3_000,
        "spread over many customers: {}",
        customers.len()
    );
    assert!(
        h.exchanges().len() >= accounts.len() / 100,
        "every page was observed, so finish() checks them against the spec"
    );
    h.finish().await;
}

#[tokio::test]
async fn the_binary_announces_its_address_and_serves() {
    // `start` fails unless a real loopback port is announced on stdout.
    let sim = SimProcess::start_with_env(
        &["--listen", "127.0.0.1:0", "--client-id", "cli-id"],
        &[("GRID_SIM_CLIENT_SECRET", "cli-secret")],
    )
    .await;
    let response = reqwest::Client::new()
        .get(format!("{}/platform/internal-accounts", sim.base))
        .basic_auth("cli-id", Some("cli-secret"))
        .send()
        .await
        .expect("answers");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "flags and environment set the credentials"
    );
}

/// A `grid-sim` process, killed when dropped (also when a test fails).
struct SimProcess {
    child: std::process::Child,
    base: String,
}

impl SimProcess {
    /// Starts the binary with `args` and waits for its announcement.
    async fn start(args: &[&str]) -> Self {
        Self::start_with_env(args, &[]).await
    }

    /// Starts the binary with `args` and extra environment, and waits for its announcement.
    async fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_grid-sim"))
            .args(args)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .map(|_| line)
        })
        .await
        .expect("joins")
        .expect("a line on stdout");
        let base = line
            .trim()
            .strip_prefix("grid-sim listening on http://127.0.0.1:")
            .and_then(|port| port.parse::<u16>().ok())
            .filter(|port| *port != 0)
            .map(|port| format!("http://127.0.0.1:{port}"));
        let Some(base) = base else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a real port is announced: {line:?}");
        };
        Self { child, base }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, format!("{}{path}", self.base))
            .basic_auth(
                grid_sim::DEFAULT_CLIENT_ID,
                Some(grid_sim::DEFAULT_CLIENT_SECRET),
            )
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.expect("the simulator answers");
        let status = response.status();
        (status, response.json().await.expect("a JSON body"))
    }

    /// `totalCount` of the unfiltered customer internal-account list.
    async fn customer_account_count(&self) -> u64 {
        let (status, page) = self
            .send(self.request(Method::GET, "/customers/internal-accounts?limit=1"))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["totalCount"].as_u64().expect("totalCount")
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        // Already gone is fine; the test's own assertions say what went wrong.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn every_command_line_flag_has_its_effect() {
    let (private_key, public_key) = generate_session_key();
    let state = temp_path("cli-state.json");
    let state_arg = state.display().to_string();
    let sim = SimProcess::start(&[
        "--listen",
        "127.0.0.1:0",
        "--production",
        "--seed-accounts",
        "50",
        "--session-public-key",
        &public_key,
        "--state",
        &state_arg,
    ])
    .await;

    // --state: the file is written at start…
    let at_start = std::fs::read_to_string(&state).expect("the state file exists at start");

    // --seed-accounts 50: fifty more customer accounts than the base seed, all pageable.
    let base = SimProcess::start(&["--listen", "127.0.0.1:0"]).await;
    let base_count = base.customer_account_count().await;
    drop(base);
    let count = sim.customer_account_count().await;
    assert_eq!(
        count,
        base_count + 50,
        "50 generated accounts on top of the seed"
    );
    let mut listed = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/customers/internal-accounts?limit=100".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = sim.send(sim.request(Method::GET, &path)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        listed += page["data"].as_array().map_or(0, Vec::len) as u64;
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(listed, count, "paging reaches every account");

    // --production: the sandbox is closed, whatever the method.
    let (status, platform) = sim
        .send(sim.request(Method::GET, "/platform/internal-accounts?currency=USD"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let usd = platform["data"][0]["id"].as_str().expect("a USD account");
    let fund = format!("/sandbox/internal-accounts/{usd}/fund");
    let (status, err) = sim
        .send(
            sim.request(Method::POST, &fund)
                .json(&json!({"amount": 100})),
        )
        .await;
    assert_error(status, &err, 403, "FORBIDDEN", "fund with --production");
    let (status, err) = sim.send(sim.request(Method::GET, &fund)).await;
    assert_error(
        status,
        &err,
        403,
        "FORBIDDEN",
        "wrong method with --production",
    );

    // --session-public-key: a stamp made with the matching private key is accepted, and with
    // --production the sandbox shortcut is not.
    let (status, wallets) = sim
        .send(sim.request(
            Method::GET,
            "/customers/internal-accounts?type=EMBEDDED_WALLET&limit=100",
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let wallet = wallets["data"]
        .as_array()
        .and_then(|w| w.iter().find(|a| a["status"] == "ACTIVE"))
        .expect("an active wallet")
        .clone();
    let id = wallet["id"].as_str().expect("id").to_owned();
    let flipped = !wallet["privateEnabled"].as_bool().expect("privateEnabled");
    let patch = format!("/internal-accounts/{id}");
    let body = json!({"privateEnabled": flipped});
    async fn challenge(sim: &SimProcess, patch: &str, body: &Value) -> SignedRequestChallenge {
        let (status, challenge) = sim.send(sim.request(Method::PATCH, patch).json(body)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{challenge}");
        serde_json::from_value(challenge).expect("a challenge")
    }
    let c = challenge(&sim, &patch, &body).await;
    let (status, err) = sim
        .send(
            sim.request(Method::PATCH, &patch)
                .json(&body)
                .header("Grid-Wallet-Signature", "sandbox-valid-signature")
                .header("Request-Id", &c.request_id),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "no shortcut in production: {err}"
    );
    let c = challenge(&sim, &patch, &body).await;
    let stamp = sign_payload(private_key.expose(), &c.payload_to_sign).expect("sign");
    let (status, updated) = sim
        .send(
            sim.request(Method::PATCH, &patch)
                .json(&body)
                .header("Grid-Wallet-Signature", &stamp)
                .header("Request-Id", &c.request_id),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the registered key's stamp: {updated}"
    );
    assert_eq!(updated["privateEnabled"], flipped);

    // …and --state keeps the change: the file moved on, and a restart from it serves it.
    let after = std::fs::read_to_string(&state).expect("the state file");
    assert_ne!(after, at_start, "the signed update was saved");
    drop(sim);
    let restarted = SimProcess::start(&["--listen", "127.0.0.1:0", "--state", &state_arg]).await;
    let (status, wallets) = restarted
        .send(restarted.request(
            Method::GET,
            "/customers/internal-accounts?type=EMBEDDED_WALLET&limit=100",
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let reloaded = wallets["data"]
        .as_array()
        .and_then(|w| w.iter().find(|a| a["id"] == id.as_str()))
        .expect("the wallet after a restart");
    assert_eq!(
        reloaded["privateEnabled"], flipped,
        "read back from --state"
    );
    assert_eq!(
        restarted.customer_account_count().await,
        count,
        "the generated accounts are in the state file too"
    );
    drop(restarted);
    let _ = std::fs::remove_file(&state);
}

#[tokio::test]
async fn two_simulators_on_one_state_file_never_lose_an_acknowledged_fund() {
    let dir = temp_path("two-owners");
    std::fs::create_dir_all(&dir).expect("a folder for the state file");
    let state = dir.join("state.json");
    let state_arg = state.display().to_string();
    let args = ["--listen", "127.0.0.1:0", "--state", state_arg.as_str()];
    let first = SimProcess::start(&args).await;
    let (status, platform) = first
        .send(first.request(Method::GET, "/platform/internal-accounts?currency=USD"))
        .await;
    assert_eq!(status, StatusCode::OK, "{platform}");
    let usd = platform["data"][0]["id"]
        .as_str()
        .expect("a USD account")
        .to_owned();
    let start = platform["data"][0]["balance"]["amount"]
        .as_i64()
        .expect("a balance");
    let fund = format!("/sandbox/internal-accounts/{usd}/fund");
    let mut acknowledged = 0;
    for amount in [101, 202] {
        let (status, body) = first
            .send(
                first
                    .request(Method::POST, &fund)
                    .json(&json!({"amount": amount})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        acknowledged += amount;
    }

    // A second grid-sim on the same file refuses to start, naming the one that owns it.
    let mut second = std::process::Command::new(env!("CARGO_BIN_EXE_grid-sim"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the second binary starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = second.try_wait().expect("waits") {
            break Some(exit);
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = second.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = second.stderr.take() {
        use std::io::Read as _;
        let _ = pipe.read_to_string(&mut stderr);
    }
    let exit = exit.expect("the second grid-sim must refuse the file, not keep running");
    assert!(!exit.success(), "it exits with an error: {exit:?}");
    let expected = format!(
        "{} is already in use by another grid-sim (pid {})",
        state.display(),
        first.child.id()
    );
    assert!(
        stderr.contains(&expected),
        "it says who owns the file: {stderr:?}"
    );

    // The first one keeps working, and everything it acknowledged survives it being killed.
    let (status, body) = first
        .send(
            first
                .request(Method::POST, &fund)
                .json(&json!({"amount": 303})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    acknowledged += 303;
    drop(first);
    let restarted = SimProcess::start(&args).await;
    let (status, platform) = restarted
        .send(restarted.request(Method::GET, "/platform/internal-accounts?currency=USD"))
        .await;
    assert_eq!(status, StatusCode::OK, "{platform}");
    assert_eq!(
        platform["data"][0]["balance"]["amount"].as_i64(),
        Some(start + acknowledged),
        "every acknowledged fund survives, none twice"
    );
    drop(restarted);
    let _ = std::fs::remove_dir_all(&dir);
}
