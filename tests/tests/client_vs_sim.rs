//! The real `grid-client` against `grid-sim` on 127.0.0.1:0. Every response the simulator sends
//! here is also checked against the spec (see `TestGrid`).

use std::collections::HashSet;

use futures::{StreamExt as _, TryStreamExt as _};
use grid_client::models::{
    InternalAccount, InternalAccountId, InternalAccountType, InternalAccountUpdateRequest,
};
use grid_client::signing::{generate_session_key, sign_payload};
use grid_client::{
    Credentials, CustomerAccountFilter, Error, ExternalAccountFilter, PageRequest,
    PlatformAccountFilter, UpdateOutcome,
};
use grid_desk_core::UiCode;
use grid_desk_tests::TestGrid;
use grid_sim::control::{FailureStatus, Fault};
use grid_sim::SimConfig;
use reqwest::Method;
use serde_json::{json, Value};

async fn all_customer_accounts(
    grid: &TestGrid,
    filter: CustomerAccountFilter,
    limit: u32,
) -> Vec<InternalAccount> {
    grid.client()
        .customer_internal_account_pages(filter, limit)
        .map_ok(|page| futures::stream::iter(page.data.into_iter().map(Ok::<_, Error>)))
        .try_flatten()
        .try_collect()
        .await
        .expect("all pages load")
}

async fn find_account(grid: &TestGrid, id: &InternalAccountId) -> InternalAccount {
    let client = grid.client();
    let platform = client
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect("platform accounts");
    if let Some(account) = platform.into_iter().find(|a| &a.id == id) {
        return account;
    }
    all_customer_accounts(grid, CustomerAccountFilter::default(), 100)
        .await
        .into_iter()
        .find(|a| &a.id == id)
        .expect("account exists")
}

async fn platform_account(grid: &TestGrid, currency: &str) -> InternalAccount {
    grid.client()
        .list_platform_internal_accounts(&PlatformAccountFilter {
            currency: Some(currency.into()),
            account_type: None,
        })
        .await
        .expect("platform accounts")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a platform {currency} account is seeded"))
}

async fn embedded_wallet(grid: &TestGrid) -> InternalAccount {
    let filter = CustomerAccountFilter {
        account_type: Some(InternalAccountType::EmbeddedWallet),
        ..Default::default()
    };
    all_customer_accounts(grid, filter, 100)
        .await
        .into_iter()
        .find(|a| a.status.as_str() == "ACTIVE")
        .expect("an active embedded wallet is seeded")
}

#[tokio::test]
async fn platform_accounts_cover_the_seeded_currencies_and_filter() {
    let grid = TestGrid::start().await;
    let client = grid.client();
    let all = client
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect("list");
    let currencies: HashSet<_> = all
        .iter()
        .filter_map(|a| a.balance.currency.code.clone())
        .collect();
    for code in ["USD", "EUR", "MXN", "BRL", "BTC", "USDC"] {
        assert!(
            currencies.contains(code),
            "platform {code} account missing: {currencies:?}"
        );
    }
    assert!(
        all.iter().all(|a| a.customer_id.is_none()),
        "platform accounts have no customerId"
    );
    let instruction_types: HashSet<String> = all
        .iter()
        .flat_map(|a| &a.funding_payment_instructions)
        .map(|i| i.account_or_wallet_info.account_type().to_owned())
        .collect();
    for t in [
        "USD_ACCOUNT",
        "EUR_ACCOUNT",
        "MXN_ACCOUNT",
        "BRL_ACCOUNT",
        "SPARK_WALLET",
        "SOLANA_WALLET",
        "TRON_WALLET",
        "POLYGON_WALLET",
        "BASE_WALLET",
    ] {
        assert!(
            instruction_types.contains(t),
            "no {t} funding instruction seeded"
        );
    }
    let usd = client
        .list_platform_internal_accounts(&PlatformAccountFilter {
            currency: Some("USD".into()),
            account_type: None,
        })
        .await
        .expect("filtered");
    assert!(
        !usd.is_empty()
            && usd
                .iter()
                .all(|a| a.balance.currency.code.as_deref() == Some("USD"))
    );
    let crypto = client
        .list_platform_internal_accounts(&PlatformAccountFilter {
            currency: None,
            account_type: Some(InternalAccountType::InternalCrypto),
        })
        .await
        .expect("filtered");
    assert!(
        !crypto.is_empty()
            && crypto
                .iter()
                .all(|a| a.account_type == InternalAccountType::InternalCrypto)
    );
    grid.stop().await;
}

#[tokio::test]
async fn customer_accounts_page_consistently_and_filter() {
    let grid = TestGrid::start().await;
    let client = grid.client();
    let first = client
        .list_customer_internal_accounts(&CustomerAccountFilter::default(), &PageRequest::default())
        .await
        .expect("first page");
    assert_eq!(first.data.len(), 20, "Grid's default page size is 20");
    let total = first.total_count.expect("totalCount") as usize;
    assert!(
        total >= 30,
        "at least 30 customer accounts are seeded, got {total}"
    );
    assert!(first.has_more && first.next_cursor.is_some());

    let big_pages = all_customer_accounts(&grid, CustomerAccountFilter::default(), 100).await;
    let small_pages = all_customer_accounts(&grid, CustomerAccountFilter::default(), 7).await;
    assert_eq!(big_pages.len(), total, "paging returns totalCount accounts");
    let ids = |v: &[InternalAccount]| v.iter().map(|a| a.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&big_pages),
        ids(&small_pages),
        "page size must not change order or content"
    );
    assert_eq!(
        ids(&big_pages).into_iter().collect::<HashSet<_>>().len(),
        total,
        "no duplicates"
    );

    let customer = big_pages[0]
        .customer_id
        .clone()
        .expect("customer accounts have customerId");
    let filter = CustomerAccountFilter {
        customer_id: Some(customer.clone()),
        ..Default::default()
    };
    let theirs = all_customer_accounts(&grid, filter, 100).await;
    assert!(
        theirs.len() >= 3,
        "each customer has fiat, crypto and embedded accounts"
    );
    assert!(theirs
        .iter()
        .all(|a| a.customer_id.as_ref() == Some(&customer)));
    let types: HashSet<_> = theirs.iter().map(|a| a.account_type.clone()).collect();
    assert_eq!(types.len(), 3, "{types:?}");
    let wallets = all_customer_accounts(
        &grid,
        CustomerAccountFilter {
            account_type: Some(InternalAccountType::EmbeddedWallet),
            ..Default::default()
        },
        100,
    )
    .await;
    assert!(
        wallets.iter().all(|a| a.private_enabled.is_some()),
        "embedded wallets carry privateEnabled"
    );
    assert!(big_pages
        .iter()
        .filter(|a| a.account_type != InternalAccountType::EmbeddedWallet)
        .all(|a| a.private_enabled.is_none()));
    let statuses: HashSet<_> = big_pages
        .iter()
        .map(|a| a.status.as_str().to_owned())
        .collect();
    assert!(
        statuses.len() >= 3,
        "statuses beyond ACTIVE are seeded: {statuses:?}"
    );
    assert!(big_pages
        .iter()
        .all(|a| a.total_balance.amount.exact() >= a.balance.amount.exact()));
    grid.stop().await;
}

#[tokio::test]
async fn ten_thousand_accounts_page_through_completely() {
    let grid = TestGrid::start_with(SimConfig {
        seed_accounts: 10_000,
        ..SimConfig::default()
    })
    .await;
    let mut pages = grid
        .client()
        .customer_internal_account_pages(CustomerAccountFilter::default(), 100);
    let mut seen = HashSet::new();
    let mut total = None;
    let mut page_count = 0;
    while let Some(page) = pages.next().await {
        let page = page.expect("page loads");
        page_count += 1;
        total = total.or(page.total_count);
        assert!(page.data.len() <= 100);
        for account in page.data {
            assert!(
                seen.insert(account.id.clone()),
                "{} returned twice",
                account.id
            );
        }
    }
    let total = total.expect("totalCount") as usize;
    assert!(total >= 10_000, "{total}");
    assert_eq!(seen.len(), total, "every account exactly once");
    assert_eq!(page_count, total.div_ceil(100));
    assert!(
        grid.responses_checked() >= page_count,
        "every page was checked against the spec"
    );
    grid.stop().await;
}

#[tokio::test]
async fn external_accounts_list_for_platform_and_customers() {
    let grid = TestGrid::start().await;
    let client = grid.client();
    let platform = client
        .list_platform_external_accounts(&ExternalAccountFilter::default(), &PageRequest::default())
        .await
        .expect("platform external accounts");
    assert!(
        platform.data.len() >= 2,
        "several platform external accounts are seeded"
    );
    assert!(
        platform.data.iter().all(|a| a.account_info.is_known()),
        "seeded shapes follow the spec"
    );
    let customers: Vec<_> = client
        .external_account_pages(false, ExternalAccountFilter::default(), 2)
        .try_collect()
        .await
        .expect("customer external accounts");
    let accounts: Vec<_> = customers.into_iter().flat_map(|p| p.data).collect();
    assert!(accounts.len() >= 2);
    assert!(accounts.iter().all(|a| a.customer_id.is_some()));
    let usd = client
        .list_platform_external_accounts(
            &ExternalAccountFilter {
                currency: Some("USD".into()),
                customer_id: None,
            },
            &PageRequest::default(),
        )
        .await
        .expect("filtered");
    assert!(usd.data.iter().all(|a| a.currency == "USD"));
    grid.stop().await;
}

#[tokio::test]
async fn funding_adds_exactly_the_amount_to_both_balances() {
    let grid = TestGrid::start().await;
    let before = platform_account(&grid, "USD").await;
    let after = grid
        .client()
        .fund_sandbox_internal_account(&before.id, 12_345)
        .await
        .expect("fund");
    assert_eq!(
        after.balance.amount.exact(),
        before.balance.amount.exact().map(|a| a + 12_345)
    );
    assert_eq!(
        after.total_balance.amount.exact(),
        before.total_balance.amount.exact().map(|a| a + 12_345)
    );
    assert_ne!(
        after.updated_at, before.updated_at,
        "updatedAt moves on a fund"
    );
    let reread = find_account(&grid, &before.id).await;
    assert_eq!(
        reread.balance.amount.exact(),
        after.balance.amount.exact(),
        "the fund is stored"
    );
    let btc = platform_account(&grid, "BTC").await;
    let funded = grid
        .client()
        .fund_sandbox_internal_account(&btc.id, 1)
        .await
        .expect("1 sat");
    assert_eq!(
        funded.balance.amount.exact(),
        btc.balance.amount.exact().map(|a| a + 1)
    );
    grid.stop().await;
}

#[tokio::test]
async fn credentials_are_checked_on_every_route() {
    let grid = TestGrid::start().await;
    let wrong = grid.client_with(Credentials::new(
        grid.config.client_id.clone(),
        "wrong-secret",
    ));
    let usd = platform_account(&grid, "USD").await;
    let errors = vec![
        wrong
            .list_platform_internal_accounts(&PlatformAccountFilter::default())
            .await
            .err(),
        wrong
            .list_customer_internal_accounts(
                &CustomerAccountFilter::default(),
                &PageRequest::default(),
            )
            .await
            .err(),
        wrong
            .list_platform_external_accounts(
                &ExternalAccountFilter::default(),
                &PageRequest::default(),
            )
            .await
            .err(),
        wrong
            .list_customer_external_accounts(
                &ExternalAccountFilter::default(),
                &PageRequest::default(),
            )
            .await
            .err(),
        wrong
            .fund_sandbox_internal_account(&usd.id, 100)
            .await
            .err(),
        wrong
            .update_internal_account(
                &usd.id,
                &InternalAccountUpdateRequest {
                    private_enabled: Some(true),
                },
            )
            .await
            .err(),
    ];
    for err in errors {
        let err = err.expect("wrong credentials must fail");
        assert_eq!(err.http_status(), Some(401), "{err:?}");
        assert_eq!(err.api_code(), Some("UNAUTHORIZED"));
        assert_eq!(UiCode::from(&err), UiCode::Unauthorized);
    }
    let response = reqwest::Client::new()
        .get(format!("{}/platform/internal-accounts", grid.base_url()))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 401, "no Authorization header at all");
    assert_eq!(
        find_account(&grid, &usd.id).await.balance.amount.exact(),
        usd.balance.amount.exact(),
        "nothing funded"
    );
    grid.stop().await;
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON error body"))
}

#[tokio::test]
async fn the_simulator_validates_like_the_spec() {
    let grid = TestGrid::start().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "type=BOGUS",
        "cursor=not-a-cursor",
    ] {
        let (status, body) = error_of(
            grid.raw(
                Method::GET,
                &format!("/customers/internal-accounts?{query}"),
            )
            .send()
            .await
            .expect("answers"),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("INVALID_INPUT")),
            "{query}: {body}"
        );
    }
    let (status, _) = error_of(
        grid.raw(Method::GET, "/platform/internal-accounts?type=NOPE")
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = error_of(
        grid.raw(Method::GET, "/platform/external-accounts?limit=500")
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(status, 400);

    let usd = platform_account(&grid, "USD").await;
    let fund_path = format!("/sandbox/internal-accounts/{}/fund", usd.id);
    for body in [
        json!({"amount": 1.5}),
        json!({"amount": "100"}),
        json!({"amount": 0}),
        json!({"amount": -1}),
        json!({"amount": 100_000_000_001_i64}),
        json!({}),
        json!({"amount": null}),
    ] {
        let (status, err) = error_of(
            grid.raw(Method::POST, &fund_path)
                .json(&body)
                .send()
                .await
                .expect("answers"),
        )
        .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (400, Some("INVALID_INPUT")),
            "{body}: {err}"
        );
        assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, _) = error_of(
        grid.raw(Method::POST, &fund_path)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("answers"),
    )
    .await;
    assert_eq!(status, 400, "a body that is not JSON");
    assert_eq!(
        find_account(&grid, &usd.id).await.balance.amount.exact(),
        usd.balance.amount.exact(),
        "no bad request funded anything"
    );
    let ok = grid
        .raw(Method::POST, &fund_path)
        .json(&json!({"amount": 100_000_000_000_i64}))
        .send()
        .await
        .expect("answers");
    assert_eq!(ok.status(), 200, "the maximum itself is allowed");

    let err = grid
        .client()
        .fund_sandbox_internal_account(
            &InternalAccountId::from("InternalAccount:does-not-exist"),
            100,
        )
        .await
        .expect_err("unknown account");
    assert_eq!(err.http_status(), Some(404));
    assert_eq!(UiCode::from(&err), UiCode::NotFound);
    grid.stop().await;
}

#[tokio::test]
async fn production_credentials_cannot_use_sandbox_routes() {
    let grid = TestGrid::start_with(SimConfig {
        production: true,
        ..SimConfig::default()
    })
    .await;
    let usd = platform_account(&grid, "USD").await;
    let err = grid
        .client()
        .fund_sandbox_internal_account(&usd.id, 100)
        .await
        .expect_err("403");
    assert_eq!(err.http_status(), Some(403));
    assert_eq!(err.api_code(), Some("FORBIDDEN"));
    assert_eq!(UiCode::from(&err), UiCode::Forbidden);
    grid.stop().await;
}

#[tokio::test]
async fn signed_patch_with_a_real_stamp_updates_the_wallet() {
    let (private_key, public_key) = generate_session_key();
    let grid = TestGrid::start_with(SimConfig {
        session_public_keys: vec![public_key],
        ..SimConfig::default()
    })
    .await;
    let client = grid.client();
    let wallet = embedded_wallet(&grid).await;
    let wanted = !wallet
        .private_enabled
        .expect("embedded wallets carry privateEnabled");
    let update = InternalAccountUpdateRequest {
        private_enabled: Some(wanted),
    };

    let UpdateOutcome::ChallengeIssued(challenge) = client
        .update_internal_account(&wallet.id, &update)
        .await
        .expect("step 1")
    else {
        panic!("step 1 must answer 202 with a challenge");
    };
    assert!(
        challenge.request_id.starts_with("Request:"),
        "{}",
        challenge.request_id
    );
    // The payload binds the update: the same change binds to the same payload, the other
    // value to another.
    let bound = |payload_to_sign: &str| -> Value {
        let activity: Value = serde_json::from_str(payload_to_sign).expect("payloadToSign is JSON");
        activity["parameters"]["payload"].clone()
    };
    let mut other_payloads = Vec::new();
    for value in [wanted, !wanted] {
        let request = InternalAccountUpdateRequest {
            private_enabled: Some(value),
        };
        let UpdateOutcome::ChallengeIssued(other) = client
            .update_internal_account(&wallet.id, &request)
            .await
            .expect("step 1 again")
        else {
            panic!("step 1 must answer 202 with a challenge");
        };
        other_payloads.push(bound(&other.payload_to_sign));
    }
    assert_eq!(
        bound(&challenge.payload_to_sign),
        other_payloads[0],
        "the payload binds the update: {}",
        challenge.payload_to_sign
    );
    assert_ne!(
        other_payloads[0], other_payloads[1],
        "another value, another payload"
    );

    let stamp = sign_payload(private_key.expose(), &challenge.payload_to_sign).expect("sign");
    let updated = client
        .complete_internal_account_update(&wallet.id, &update, &challenge.request_id, &stamp)
        .await
        .expect("signed retry");
    assert_eq!(updated.private_enabled, Some(wanted));
    assert_eq!(
        find_account(&grid, &wallet.id).await.private_enabled,
        Some(wanted),
        "stored"
    );

    let again = client
        .complete_internal_account_update(&wallet.id, &update, &challenge.request_id, &stamp)
        .await
        .expect_err("a challenge is single-use");
    assert_eq!(err_code(&again), (401, "UNAUTHORIZED".to_owned()));
    grid.stop().await;
}

fn err_code(err: &Error) -> (u16, String) {
    (
        err.http_status().unwrap_or(0),
        err.api_code().unwrap_or("").to_owned(),
    )
}

#[tokio::test]
async fn every_signed_retry_failure_has_its_code() {
    let (private_key, public_key) = generate_session_key();
    let (stranger_key, _) = generate_session_key();
    let grid = TestGrid::start_with(SimConfig {
        session_public_keys: vec![public_key],
        challenge_ttl: std::time::Duration::from_millis(700),
        ..SimConfig::default()
    })
    .await;
    let client = grid.client();
    let wallet = embedded_wallet(&grid).await;
    let update = InternalAccountUpdateRequest {
        private_enabled: Some(true),
    };
    let challenge = || async {
        match client
            .update_internal_account(&wallet.id, &update)
            .await
            .expect("step 1")
        {
            UpdateOutcome::ChallengeIssued(c) => c,
            UpdateOutcome::Updated(_) => panic!("expected a challenge"),
        }
    };
    let c = challenge().await;
    let good = sign_payload(private_key.expose(), &c.payload_to_sign).expect("sign");

    // Headers one at a time, through raw HTTP (the client never sends half a retry).
    let path = format!("/internal-accounts/{}", wallet.id);
    let only_sig = grid
        .raw(Method::PATCH, &path)
        .header("Grid-Wallet-Signature", &good)
        .json(&update)
        .send()
        .await
        .expect("answers");
    let (status, body) = error_of(only_sig).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("REQUEST_ID_MISSING")),
        "{body}"
    );
    let only_id = grid
        .raw(Method::PATCH, &path)
        .header("Request-Id", &c.request_id)
        .json(&update)
        .send()
        .await
        .expect("answers");
    let (status, body) = error_of(only_id).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("WALLET_SIGNATURE_MISSING")),
        "{body}"
    );

    let cases = [
        (
            "garbage stamp",
            "!!!not-a-stamp!!!".to_owned(),
            c.request_id.clone(),
            update.clone(),
            "WALLET_SIGNATURE_MALFORMED",
        ),
        (
            "unregistered key",
            sign_payload(stranger_key.expose(), &c.payload_to_sign).expect("sign"),
            c.request_id.clone(),
            update.clone(),
            "WALLET_SIGNATURE_INVALID",
        ),
        (
            "signature over another payload",
            sign_payload(private_key.expose(), "{}").expect("sign"),
            c.request_id.clone(),
            update.clone(),
            "WALLET_SIGNATURE_INVALID",
        ),
        (
            "unknown request id",
            good.clone(),
            "Request:00000000-0000-4000-8000-000000000000".to_owned(),
            update.clone(),
            "UNAUTHORIZED",
        ),
        (
            "different body",
            good.clone(),
            c.request_id.clone(),
            InternalAccountUpdateRequest {
                private_enabled: Some(false),
            },
            "WALLET_SIGNATURE_BODY_MISMATCH",
        ),
    ];
    for (what, stamp, request_id, body, code) in cases {
        let err = client
            .complete_internal_account_update(&wallet.id, &body, &request_id, &stamp)
            .await
            .expect_err(what);
        assert_eq!(err_code(&err), (401, code.to_owned()), "{what}: {err}");
    }

    let fresh = challenge().await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    let stamp = sign_payload(private_key.expose(), &fresh.payload_to_sign).expect("sign");
    let expired = client
        .complete_internal_account_update(&wallet.id, &update, &fresh.request_id, &stamp)
        .await
        .expect_err("expired challenge");
    assert_eq!(err_code(&expired), (401, "UNAUTHORIZED".to_owned()));
    let Error::Api(api) = &expired else {
        panic!("an API error: {expired:?}");
    };
    assert!(
        api.body.message.contains(&fresh.request_id) && api.body.message.contains("expired"),
        "the message says the challenge expired: {}",
        api.body.message
    );

    let shortcut = challenge().await;
    let updated = client
        .complete_internal_account_update(
            &wallet.id,
            &update,
            &shortcut.request_id,
            "sandbox-valid-signature",
        )
        .await
        .expect("the sandbox shortcut");
    assert_eq!(updated.private_enabled, Some(true));

    let empty = grid
        .raw(Method::PATCH, &path)
        .json(&json!({}))
        .send()
        .await
        .expect("answers");
    assert_eq!(empty.status(), 400, "an update with no fields");
    let fiat = platform_account(&grid, "USD").await;
    let err = client
        .update_internal_account(&fiat.id, &update)
        .await
        .expect_err("not a wallet");
    assert_eq!(err.http_status(), Some(400));
    grid.stop().await;
}

#[tokio::test]
async fn parallel_funds_are_never_lost() {
    let grid = TestGrid::start().await;
    let usd = platform_account(&grid, "USD").await;
    let client = grid.client();
    let funds = (1..=100_i64).map(|amount| {
        let client = client.clone();
        let id = usd.id.clone();
        tokio::spawn(async move { client.fund_sandbox_internal_account(&id, amount).await })
    });
    for handle in futures::future::join_all(funds).await {
        handle.expect("task").expect("fund");
    }
    let after = find_account(&grid, &usd.id).await;
    assert_eq!(
        after.balance.amount.exact(),
        usd.balance.amount.exact().map(|a| a + 5_050),
        "1+2+…+100 exactly"
    );
    assert_eq!(
        after.total_balance.amount.exact(),
        usd.total_balance.amount.exact().map(|a| a + 5_050)
    );
    grid.stop().await;
}

#[tokio::test]
async fn gets_retry_through_transient_faults() {
    let grid = TestGrid::start().await;
    let client = grid.client();
    grid.arm(
        Fault::Status {
            status: FailureStatus::ServiceUnavailable,
        },
        2,
    )
    .await;
    let accounts = client
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await;
    assert!(accounts.is_ok(), "two 503s then success: {accounts:?}");
    grid.arm(
        Fault::RateLimit {
            retry_after_secs: 0,
        },
        1,
    )
    .await;
    assert!(client
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .is_ok());
    grid.arm(Fault::Drop, 1).await;
    assert!(
        client
            .list_platform_internal_accounts(&PlatformAccountFilter::default())
            .await
            .is_ok(),
        "a dropped GET is retried"
    );
    grid.arm(
        Fault::Status {
            status: FailureStatus::InternalServerError,
        },
        10,
    )
    .await;
    let route = "/platform/internal-accounts";
    let answered_before = grid.answered("GET", route);
    let err = client
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect_err("retries are bounded");
    assert_eq!(err.http_status(), Some(500));
    assert_eq!(err.api_code(), Some("INTERNAL_ERROR"));
    let attempts = 1 + TestGrid::QUICK_RETRIES.max_retries;
    assert_eq!(
        grid.answered("GET", route) - answered_before,
        attempts as usize,
        "the first attempt plus max_retries retries, then stop"
    );
    assert_eq!(
        grid.fault_remaining().await,
        u64::from(10 - attempts),
        "the simulator received exactly {attempts} of the ten armed 500s"
    );
    grid.stop().await;
}

#[tokio::test]
async fn a_retry_after_within_the_clients_patience_is_waited_out() {
    let grid = TestGrid::start().await;
    let client = grid.client_with_retry(grid_client::RetryPolicy {
        max_retries: 3,
        base_delay: std::time::Duration::from_millis(10),
        max_delay: std::time::Duration::from_secs(2),
    });
    grid.arm(
        Fault::RateLimit {
            retry_after_secs: 1,
        },
        1,
    )
    .await;
    let route = "/platform/internal-accounts";
    let started = std::time::Instant::now();
    let accounts = client
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await;
    let elapsed = started.elapsed();
    assert!(
        accounts.is_ok_and(|a| !a.is_empty()),
        "the retry after the wait succeeds"
    );
    assert!(
        elapsed >= std::time::Duration::from_secs(1),
        "waited the full Retry-After: {elapsed:?}"
    );
    assert_eq!(grid.answered("GET", route), 2, "one 429, one retry");
    grid.stop().await;
}

#[tokio::test]
async fn a_retry_after_beyond_the_clients_patience_is_returned_at_once() {
    let grid = TestGrid::start().await;
    // max_delay is 200 ms; Grid asks for 30 s.
    grid.arm(
        Fault::RateLimit {
            retry_after_secs: 30,
        },
        5,
    )
    .await;
    let started = std::time::Instant::now();
    let err = grid
        .client()
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect_err("not retried early");
    let elapsed = started.elapsed();
    assert!(
        elapsed < std::time::Duration::from_secs(3),
        "returned promptly, not after a shortened wait: {elapsed:?}"
    );
    assert_eq!(err_code(&err), (429, "RATE_LIMITED".to_owned()));
    assert_eq!(
        err.retry_after(),
        Some(std::time::Duration::from_secs(30)),
        "the caller can say \"Grid asks to wait 30 seconds\""
    );
    assert_eq!(UiCode::from(&err), UiCode::Network);
    assert_eq!(
        grid.fault_remaining().await,
        4,
        "one request reached the simulator; none was sent early"
    );
    grid.stop().await;
}

#[tokio::test]
async fn a_fund_is_never_retried() {
    let grid = TestGrid::start().await;
    let client = grid.client();
    let usd = platform_account(&grid, "USD").await;
    grid.arm(
        Fault::Status {
            status: FailureStatus::ServiceUnavailable,
        },
        1,
    )
    .await;
    let err = client
        .fund_sandbox_internal_account(&usd.id, 500)
        .await
        .expect_err("503 is reported, not retried");
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(
        find_account(&grid, &usd.id).await.balance.amount.exact(),
        usd.balance.amount.exact()
    );

    grid.arm(Fault::DropAfter, 1).await;
    let err = client
        .fund_sandbox_internal_account(&usd.id, 700)
        .await
        .expect_err("response lost");
    assert!(
        err.outcome_unknown(),
        "a lost response is an unknown outcome: {err:?}"
    );
    let after = find_account(&grid, &usd.id).await;
    assert_eq!(
        after.balance.amount.exact(),
        usd.balance.amount.exact().map(|a| a + 700),
        "applied once, not retried"
    );
    grid.stop().await;
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_a_path() {
    let grid = TestGrid::start().await;
    grid.arm(Fault::Malformed, 4).await;
    let err = grid
        .client()
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect_err("malformed");
    let Error::Decode {
        path,
        message,
        body_excerpt,
    } = &err
    else {
        panic!("expected a decode error: {err:?}");
    };
    // The truncated body breaks off inside the first account's `type`: the path must lead
    // there, not be empty or "." (which would tell support nothing).
    assert!(
        path.starts_with("data[0]"),
        "the path points into the first account: {path:?} ({message})"
    );
    assert!(!message.is_empty());
    assert!(
        body_excerpt.starts_with(r#"{"data":[{"id":"#),
        "the excerpt shows the start of the body: {body_excerpt}"
    );
    // The broken body is the fault itself, not a simulator bug: take it out of the record and
    // check it is the only one.
    let broken = grid.take_violations();
    assert!(
        !broken.is_empty(),
        "the spec check must have flagged the truncated body"
    );
    assert!(
        broken
            .iter()
            .all(|v| v.contains("/platform/internal-accounts")),
        "only the malformed answer fails the spec: {broken:?}"
    );
    grid.stop().await;
}

#[tokio::test]
async fn the_edit_control_plants_data_that_still_matches_the_spec() {
    let grid = TestGrid::start().await;
    let usd = platform_account(&grid, "USD").await;
    let note = "<script>alert(1)</script>";
    let edited = grid
        .control()
        .edit_internal_account(
            usd.id.as_str(),
            &json!({"fundingPaymentInstructions": [{"instructionsNotes": note,
            "accountOrWalletInfo": {"accountType": "SOLANA_WALLET", "address": "<b>m1</b>", "assetType": "USDC"}}]}),
        )
        .await
        .expect("the edit is accepted");
    assert_eq!(
        edited.funding_payment_instructions[0]
            .instructions_notes
            .as_deref(),
        Some(note)
    );
    let reread = find_account(&grid, &usd.id).await;
    let instruction = &reread.funding_payment_instructions[0];
    assert_eq!(
        instruction.instructions_notes.as_deref(),
        Some(note),
        "stored verbatim"
    );
    assert_eq!(
        instruction.account_or_wallet_info.address().as_deref(),
        Some("<b>m1</b>")
    );
    let refused = grid
        .control()
        .edit_internal_account(usd.id.as_str(), &json!({"balance": "lots"}))
        .await;
    assert!(
        matches!(
            refused,
            Err(grid_sim::SimError::ControlRefused { status: 400, .. })
        ),
        "an edit that breaks the schema is refused: {refused:?}"
    );
    assert_eq!(find_account(&grid, &usd.id).await.balance, usd.balance);
    grid.stop().await;
}

#[tokio::test]
async fn patching_an_unknown_account_is_not_found() {
    let grid = TestGrid::start().await;
    let err = grid
        .client()
        .update_internal_account(
            &InternalAccountId::from("InternalAccount:does-not-exist"),
            &InternalAccountUpdateRequest {
                private_enabled: Some(true),
            },
        )
        .await
        .expect_err("unknown account");
    assert_eq!(err_code(&err), (404, "REFERENCE_NOT_FOUND".to_owned()));
    assert_eq!(UiCode::from(&err), UiCode::NotFound);
    grid.stop().await;
}

#[tokio::test]
async fn a_request_id_issued_for_another_account_is_refused() {
    let grid = TestGrid::start().await;
    let client = grid.client();
    let wallets: Vec<InternalAccount> = all_customer_accounts(
        &grid,
        CustomerAccountFilter {
            account_type: Some(InternalAccountType::EmbeddedWallet),
            ..Default::default()
        },
        100,
    )
    .await
    .into_iter()
    .filter(|a| a.status.as_str() == "ACTIVE")
    .collect();
    let [first, second, ..] = wallets.as_slice() else {
        panic!("two active embedded wallets are seeded: {}", wallets.len());
    };
    let update = InternalAccountUpdateRequest {
        private_enabled: Some(!first.private_enabled.unwrap_or(false)),
    };
    let UpdateOutcome::ChallengeIssued(challenge) = client
        .update_internal_account(&first.id, &update)
        .await
        .expect("step 1")
    else {
        panic!("step 1 answers with a challenge");
    };
    let err = client
        .complete_internal_account_update(
            &second.id,
            &update,
            &challenge.request_id,
            "sandbox-valid-signature",
        )
        .await
        .expect_err("the challenge belongs to the first wallet");
    assert_eq!(err_code(&err), (401, "UNAUTHORIZED".to_owned()));
    assert_eq!(UiCode::from(&err), UiCode::Unauthorized);
    assert_eq!(
        find_account(&grid, &second.id).await.private_enabled,
        second.private_enabled,
        "the other wallet is unchanged"
    );
    // The challenge is still good for the account it was issued for.
    let updated = client
        .complete_internal_account_update(
            &first.id,
            &update,
            &challenge.request_id,
            "sandbox-valid-signature",
        )
        .await
        .expect("the right account");
    assert_eq!(updated.private_enabled, update.private_enabled);
    grid.stop().await;
}

#[tokio::test]
async fn customer_external_accounts_filter_by_customer() {
    let grid = TestGrid::start().await;
    let client = grid.client();
    let everyone: Vec<_> = client
        .external_account_pages(false, ExternalAccountFilter::default(), 100)
        .try_collect()
        .await
        .expect("all customer external accounts");
    let everyone: Vec<_> = everyone.into_iter().flat_map(|p| p.data).collect();
    let customers: HashSet<_> = everyone
        .iter()
        .filter_map(|a| a.customer_id.clone())
        .collect();
    assert!(
        customers.len() >= 2,
        "the filter is only tested if several customers have external accounts: {customers:?}"
    );
    for customer in customers {
        let expected: Vec<_> = everyone
            .iter()
            .filter(|a| a.customer_id.as_ref() == Some(&customer))
            .map(|a| a.id.clone())
            .collect();
        let page = client
            .list_customer_external_accounts(
                &ExternalAccountFilter {
                    customer_id: Some(customer.clone()),
                    currency: None,
                },
                &PageRequest {
                    limit: Some(100),
                    cursor: None,
                },
            )
            .await
            .expect("filtered");
        let got: Vec<_> = page.data.iter().map(|a| a.id.clone()).collect();
        assert_eq!(got, expected, "exactly {customer}'s accounts, in order");
        assert_eq!(page.total_count, Some(expected.len() as u64));
    }
    let nobody = client
        .list_customer_external_accounts(
            &ExternalAccountFilter {
                customer_id: Some("Customer:nobody".into()),
                currency: None,
            },
            &PageRequest::default(),
        )
        .await
        .expect("an unknown customer has no accounts");
    assert!(nobody.data.is_empty() && !nobody.has_more);
    grid.stop().await;
}
