//! The app's state driven end to end against the in-process demo simulator (grid-sim on
//! 127.0.0.1:0), with an in-memory keychain: listing, one-click funding, the lost-response
//! path, the signed PATCH with each signing method, persistence and reset. No window needed.

use std::path::Path;
use std::sync::Arc;

use grid_client::Secret;
use grid_desk::accounts::UpdateStart;
use grid_desk::connections::DEMO_ID;
use grid_desk::demo::DemoObserver;
use grid_desk::error::UiCode;
use grid_desk::keychain::MemoryStore;
use grid_desk::state::{AppState, SignMethod, StateOptions};

fn state_in(dir: &Path, store: Arc<MemoryStore>) -> AppState {
    AppState::new(StateOptions {
        config_dir: dir.join("config"),
        data_dir: dir.join("data"),
        demo_addr: None,
        env: None,
        store,
    })
}

/// A demo observer that checks every response against the spec into `log`.
fn spec_observer(log: &spec_check::ResponseLog) -> DemoObserver {
    let log = log.clone();
    DemoObserver(Arc::new(move |e: &grid_sim::Exchange| {
        log.check(&e.method, &e.path, e.status, &e.body);
    }))
}

/// Fails unless at least `at_least` demo responses were checked and all matched the spec.
fn assert_conforms(log: &spec_check::ResponseLog, at_least: usize) {
    let checked = log.checked();
    assert!(
        checked >= at_least,
        "expected at least {at_least} demo responses checked against the spec, saw {checked}"
    );
    log.assert_conformance();
}

/// `state_in` with the demo's responses checked against the spec.
fn checked_state_in(dir: &Path, store: Arc<MemoryStore>) -> (AppState, spec_check::ResponseLog) {
    let log = spec_check::ResponseLog::default();
    let state = state_in(dir, store).with_demo_observer(spec_observer(&log));
    (state, log)
}

async fn arm_fault(base_url: &str, body: serde_json::Value) {
    let response = reqwest::Client::new()
        .post(format!("{base_url}/_sim/faults"))
        .basic_auth(
            grid_sim::DEFAULT_CLIENT_ID,
            Some(grid_sim::DEFAULT_CLIENT_SECRET),
        )
        .json(&body)
        .send()
        .await
        .expect("the simulator answers /_sim/faults");
    assert!(
        response.status().is_success(),
        "arming {body} failed: {}",
        response.status()
    );
}

#[tokio::test]
async fn demo_lists_funds_persists_and_resets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(MemoryStore::new());
    let (state, spec) = checked_state_in(dir.path(), store.clone());
    assert_eq!(state.active_id().await, DEMO_ID);

    let accounts = state
        .list_platform_accounts(None, None)
        .await
        .expect("the demo lists platform accounts");
    assert!(!accounts.is_empty(), "the demo seed has platform accounts");
    let account = accounts
        .iter()
        .find(|a| a.decimals.is_some())
        .expect("an account with known decimals");
    let decimals = account.decimals.expect("decimals");
    let hundred = 100 * 10_i64.pow(decimals);

    let funded = state
        .fund_sandbox_account(&account.id, hundred, None)
        .await
        .expect("funding the demo works");
    assert_eq!(
        funded.balance.amount,
        account.balance.amount + hundred,
        "the balance comes from the fund response"
    );

    let customers = state
        .list_customer_accounts(None, None, None, None, Some(5))
        .await
        .expect("customer accounts");
    assert!(customers.items.len() <= 5, "the page size is honoured");
    assert_conforms(&spec, 3);

    // Persisted across a restart of the app.
    state.shutdown().await;
    drop(state);
    let again = state_in(dir.path(), store.clone());
    let reread = again
        .list_platform_accounts(None, None)
        .await
        .expect("relisted");
    let same = reread
        .iter()
        .find(|a| a.id == account.id)
        .expect("same account");
    assert_eq!(
        same.balance.amount, funded.balance.amount,
        "demo balances survive a restart"
    );

    again.reset_demo().await.expect("reset");
    let reset = again
        .list_platform_accounts(None, None)
        .await
        .expect("relisted after reset");
    let seeded = reset
        .iter()
        .find(|a| a.id == account.id)
        .expect("same account");
    assert_eq!(
        seeded.balance.amount, account.balance.amount,
        "reset returns to the seed"
    );
    again.shutdown().await;
}

#[tokio::test]
async fn a_lost_fund_response_is_reported_as_unknown_after_rereading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path(), Arc::new(MemoryStore::new()));
    let base = state.ensure_demo().await.expect("demo");
    let accounts = state
        .list_platform_accounts(None, None)
        .await
        .expect("listed");
    let account = &accounts[0];
    let decimals = account.decimals.unwrap_or(2);
    let amount = 10 * 10_i64.pow(decimals);

    // The simulator applies the fund, then drops the connection without answering.
    arm_fault(&base, serde_json::json!({"kind": "drop_after", "count": 1})).await;
    let err = state
        .fund_sandbox_account(&account.id, amount, None)
        .await
        .expect_err("the answer was lost");
    assert_eq!(err.code, UiCode::UnknownOutcome, "{err:?}");
    let reread = err
        .account
        .as_ref()
        .expect("the balance was re-read and attached");
    assert_eq!(
        reread.balance.amount,
        account.balance.amount + amount,
        "the re-read shows the fund did happen (and it was sent once)"
    );
    assert!(
        err.message.contains(&reread.balance.display),
        "the message tells the re-read balance: {}",
        err.message
    );
    state.shutdown().await;
}

#[tokio::test]
async fn a_second_concurrent_fund_of_one_account_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path(), Arc::new(MemoryStore::new()));
    let base = state.ensure_demo().await.expect("demo");
    let accounts = state
        .list_platform_accounts(None, None)
        .await
        .expect("listed");
    let account = &accounts[0];
    arm_fault(
        &base,
        serde_json::json!({"kind": "latency", "latencyMs": 400, "count": 1}),
    )
    .await;
    let (first, second) = tokio::join!(state.fund_sandbox_account(&account.id, 1, None), async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        state.fund_sandbox_account(&account.id, 1, None).await
    });
    let funded = first.expect("the first fund goes through");
    let err = second.expect_err("the second is refused while the first runs");
    assert_eq!(err.code, UiCode::Validation);
    assert_eq!(
        err.message,
        "A funding request for this account is already in progress"
    );
    assert_eq!(
        funded.balance.amount,
        account.balance.amount + 1,
        "funded exactly once"
    );
    state.shutdown().await;
}

async fn embedded_wallet(
    state: &AppState,
) -> grid_desk::accounts::PageView<deposit_instructions::AccountView> {
    state
        .list_customer_accounts(None, None, Some("EMBEDDED_WALLET".into()), None, Some(10))
        .await
        .expect("embedded wallets listed")
}

async fn challenge(state: &AppState, id: &str, private_enabled: bool) -> (String, String) {
    match state
        .start_account_update(id, private_enabled)
        .await
        .expect("step one")
    {
        UpdateStart::Challenge {
            request_id,
            payload_to_sign,
            expires_at,
        } => {
            assert!(!expires_at.is_empty());
            (request_id, payload_to_sign)
        }
        UpdateStart::Updated { .. } => panic!("Grid asks for a signature first"),
    }
}

#[tokio::test]
async fn the_signed_patch_works_with_each_signing_method() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (state, spec) = checked_state_in(dir.path(), Arc::new(MemoryStore::new()));
    let wallets = embedded_wallet(&state).await;
    let wallet = wallets
        .items
        .first()
        .expect("the demo seed has an embedded wallet");
    let target = !wallet.private_enabled.unwrap_or(false);

    // 1. The sandbox shortcut.
    let (request_id, _payload) = challenge(&state, &wallet.id, target).await;
    let updated = state
        .complete_account_update(&wallet.id, &request_id, SignMethod::Sandbox)
        .await
        .expect("the sandbox signature is accepted by the demo");
    assert_eq!(updated.private_enabled, Some(target));

    // A used challenge, or a request id Grid never gave this account, is refused before
    // anything is sent: step two only ever signs what Grid issued in step one.
    for (account, request) in [
        (wallet.id.as_str(), request_id.as_str()),
        (
            wallet.id.as_str(),
            "Request:00000000-0000-0000-0000-000000000000",
        ),
    ] {
        let err = state
            .complete_account_update(account, request, SignMethod::Sandbox)
            .await
            .expect_err("no open challenge");
        assert_eq!(err.code, UiCode::Validation, "{err:?}");
        assert!(
            err.message.contains("Request the change again"),
            "{}",
            err.message
        );
    }
    let (other_request, _) = challenge(&state, &wallet.id, !target).await;
    let other = wallets
        .items
        .iter()
        .find(|w| w.id != wallet.id)
        .expect("the demo seed has more than one embedded wallet");
    let err = state
        .complete_account_update(&other.id, &other_request, SignMethod::Sandbox)
        .await
        .expect_err("a challenge belongs to one account");
    assert_eq!(err.code, UiCode::Validation, "{err:?}");

    // 2. A stamp that is not one: Grid's exact 401 reason comes back.
    let (request_id, _payload) = challenge(&state, &wallet.id, !target).await;
    let err = state
        .complete_account_update(
            &wallet.id,
            &request_id,
            SignMethod::Stamp("not-a-stamp".into()),
        )
        .await
        .expect_err("a bad stamp is refused");
    assert_eq!(err.code, UiCode::Unauthorized, "{err:?}");
    assert!(err.grid_code.is_some(), "Grid's code is shown: {err:?}");
    assert_eq!(err.http_status, Some(401));

    // 3. A session key generated by the app and registered with the demo.
    let public = state.generate_session_key().await.expect("generated");
    assert_eq!(public.public_key.len(), 66);
    let (request_id, _payload) = challenge(&state, &wallet.id, !target).await;
    let updated = state
        .complete_account_update(&wallet.id, &request_id, SignMethod::SessionKey)
        .await
        .expect("the session-key stamp is accepted");
    assert_eq!(updated.private_enabled, Some(!target));
    // Listing, the 202 challenges, the 401 and the 200s: every one as the spec says.
    assert_conforms(&spec, 8);
    state.shutdown().await;
}

#[tokio::test]
async fn a_session_key_pasted_by_the_user_signs_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path(), Arc::new(MemoryStore::new()));
    state
        .save_session_key(Secret::new(
            "a3f1c2d4e5b6978012345678909876543210fedcba0011223344556677889900",
        ))
        .await
        .expect("saved");
    let wallets = embedded_wallet(&state).await;
    let wallet = wallets.items.first().expect("an embedded wallet");
    let target = !wallet.private_enabled.unwrap_or(false);
    let (request_id, _payload) = challenge(&state, &wallet.id, target).await;
    let updated = state
        .complete_account_update(&wallet.id, &request_id, SignMethod::SessionKey)
        .await
        .expect("signed with the pasted key");
    assert_eq!(updated.private_enabled, Some(target));
    state.shutdown().await;
}

/// Every way a fund can fail, through the app: an answer that does not say "refused" leaves the
/// outcome unknown, so the balance is re-read and shown, and the request is never sent again.
/// A refusal (4xx) says plainly that nothing changed.
#[tokio::test]
async fn every_fund_failure_is_either_refused_or_unknown_after_rereading() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = state_in(dir.path(), Arc::new(MemoryStore::new()));
    let base = state.ensure_demo().await.expect("demo");
    let accounts = state
        .list_platform_accounts(None, None)
        .await
        .expect("listed");
    let account = &accounts[0];
    let amount = 7;
    // (fault, the app's code, whether grid-sim applies the fund under this fault)
    let cases = [
        (
            serde_json::json!({"kind": "drop_after"}),
            UiCode::UnknownOutcome,
            true,
        ),
        (
            serde_json::json!({"kind": "drop"}),
            UiCode::UnknownOutcome,
            false,
        ),
        (
            serde_json::json!({"kind": "malformed"}),
            UiCode::UnknownOutcome,
            false,
        ),
        (
            serde_json::json!({"kind": "schema_violation"}),
            UiCode::UnknownOutcome,
            true,
        ),
        (
            serde_json::json!({"kind": "status", "status": 500}),
            UiCode::UnknownOutcome,
            false,
        ),
        (
            serde_json::json!({"kind": "status", "status": 502}),
            UiCode::UnknownOutcome,
            false,
        ),
        (
            serde_json::json!({"kind": "status", "status": 503}),
            UiCode::UnknownOutcome,
            false,
        ),
        (
            serde_json::json!({"kind": "rate_limit", "retryAfter": 1}),
            UiCode::Network,
            false,
        ),
    ];
    let mut expected = account.balance.amount;
    for (fault, code, applied) in cases {
        arm_fault(&base, fault.clone()).await;
        let err = state
            .fund_sandbox_account(&account.id, amount, None)
            .await
            .expect_err("every armed fault fails the fund");
        if applied {
            expected += amount;
        }
        assert_eq!(err.code, code, "{fault}: {err:?}");
        if code == UiCode::UnknownOutcome {
            let reread = err
                .account
                .as_ref()
                .unwrap_or_else(|| panic!("{fault}: the balance was re-read: {err:?}"));
            assert_eq!(
                reread.balance.amount, expected,
                "{fault}: the re-read balance is what Grid holds: applied once or not at all"
            );
            assert!(
                err.message.contains("did not send it again")
                    && err.message.contains(&reread.balance.display),
                "{fault}: the message says it was not resent and tells the balance: {}",
                err.message
            );
        } else {
            assert!(err.account.is_none(), "{fault}: nothing to re-read");
        }
    }
    let after = state
        .list_platform_accounts(None, None)
        .await
        .expect("relisted");
    let same = after.iter().find(|a| a.id == account.id).expect("same");
    assert_eq!(
        same.balance.amount, expected,
        "nothing was applied twice or behind the user's back"
    );
    state.shutdown().await;
}
