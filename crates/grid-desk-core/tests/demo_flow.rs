//! The app's services driven end to end against the in-process demo simulator (grid-sim on
//! 127.0.0.1:0), with an in-memory keychain: listing, one-click funding, the lost-response
//! path, the signed PATCH with each signing method, persistence and reset. No window needed.

use std::path::Path;
use std::sync::Arc;

use grid_client::Secret;
use grid_desk_core::accounts::{CustomerAccountsRequest, FundRequest, PlatformAccountsRequest};
use grid_desk_core::demo::DemoObserver;
use grid_desk_core::error::UiCode;
use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::settings::DEMO_ID;
use grid_desk_core::signing::{
    CompleteUpdateRequest, SaveSessionKeyRequest, StartUpdateRequest, UpdateStart,
};
use grid_desk_core::{DeskOptions, GridDesk, UiResult};
use grid_sim::control::{FailureStatus, Fault, SimControl};

fn options_in(dir: &Path, store: Arc<MemoryStore>) -> DeskOptions {
    DeskOptions::new(dir.join("config"), dir.join("data"), store)
}

fn state_in(dir: &Path, store: Arc<MemoryStore>) -> GridDesk {
    GridDesk::new(options_in(dir, store))
}

fn all_platform() -> PlatformAccountsRequest {
    PlatformAccountsRequest::default()
}

fn fund(account_id: &str, amount: i64) -> FundRequest {
    FundRequest {
        account_id: account_id.to_owned(),
        amount,
        customer_id: None,
    }
}

/// Step two of the signed update with `method` (`sandbox`, `sessionKey`, `stamp`).
async fn complete(
    state: &GridDesk,
    account_id: &str,
    request_id: &str,
    method: &str,
    stamp: Option<&str>,
) -> UiResult<deposit_instructions::AccountView> {
    state
        .signing
        .complete_update(CompleteUpdateRequest {
            account_id: account_id.to_owned(),
            request_id: request_id.to_owned(),
            method: method.to_owned(),
            stamp: stamp.map(str::to_owned),
        })
        .await
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
fn checked_state_in(dir: &Path, store: Arc<MemoryStore>) -> (GridDesk, spec_check::ResponseLog) {
    let log = spec_check::ResponseLog::default();
    let mut options = options_in(dir, store);
    options.demo_observer = Some(spec_observer(&log));
    (GridDesk::new(options), log)
}

/// Arms `fault` for the demo simulator's next request, through grid-sim's typed controls.
async fn arm_fault(base_url: &str, fault: Fault) {
    SimControl::new(
        base_url,
        grid_sim::DEFAULT_CLIENT_ID,
        grid_sim::DEFAULT_CLIENT_SECRET,
    )
    .arm(fault)
    .await
    .unwrap_or_else(|e| panic!("arming {fault:?} failed: {e}"));
}

#[tokio::test]
async fn demo_lists_funds_persists_and_resets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(MemoryStore::new());
    let (state, spec) = checked_state_in(dir.path(), store.clone());
    assert_eq!(state.connections.active_id().await, DEMO_ID);

    let accounts = state
        .accounts
        .list_platform(all_platform())
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
        .accounts
        .fund(fund(&account.id, hundred))
        .await
        .expect("funding the demo works");
    assert_eq!(
        funded.balance.amount,
        account.balance.amount + hundred,
        "the balance comes from the fund response"
    );

    let customers = state
        .accounts
        .list_customer(CustomerAccountsRequest {
            limit: Some(5),
            ..CustomerAccountsRequest::default()
        })
        .await
        .expect("customer accounts");
    assert!(customers.items.len() <= 5, "the page size is honoured");
    assert_conforms(&spec, 3);

    // Persisted across a restart of the app.
    state.shutdown().await;
    drop(state);
    let again = state_in(dir.path(), store.clone());
    let reread = again
        .accounts
        .list_platform(all_platform())
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

    again.demo.reset().await.expect("reset");
    let reset = again
        .accounts
        .list_platform(all_platform())
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
    let base = state.demo.ensure().await.expect("demo");
    let accounts = state
        .accounts
        .list_platform(all_platform())
        .await
        .expect("listed");
    let account = &accounts[0];
    let decimals = account.decimals.unwrap_or(2);
    let amount = 10 * 10_i64.pow(decimals);

    // The simulator applies the fund, then drops the connection without answering.
    arm_fault(&base, Fault::DropAfter).await;
    let err = state
        .accounts
        .fund(fund(&account.id, amount))
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
    let base = state.demo.ensure().await.expect("demo");
    let accounts = state
        .accounts
        .list_platform(all_platform())
        .await
        .expect("listed");
    let account = &accounts[0];
    arm_fault(&base, Fault::Latency { latency_ms: 400 }).await;
    let (first, second) = tokio::join!(state.accounts.fund(fund(&account.id, 1)), async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        state.accounts.fund(fund(&account.id, 1)).await
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
    state: &GridDesk,
) -> grid_desk_core::accounts::PageView<deposit_instructions::AccountView> {
    state
        .accounts
        .list_customer(CustomerAccountsRequest {
            account_type: Some("EMBEDDED_WALLET".into()),
            limit: Some(10),
            ..CustomerAccountsRequest::default()
        })
        .await
        .expect("embedded wallets listed")
}

async fn challenge(state: &GridDesk, id: &str, private_enabled: bool) -> (String, String) {
    match state
        .signing
        .start_update(StartUpdateRequest {
            account_id: id.to_owned(),
            private_enabled,
        })
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
    let updated = complete(&state, &wallet.id, &request_id, "sandbox", None)
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
        let err = complete(&state, account, request, "sandbox", None)
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
    let err = complete(&state, &other.id, &other_request, "sandbox", None)
        .await
        .expect_err("a challenge belongs to one account");
    assert_eq!(err.code, UiCode::Validation, "{err:?}");

    // 2. A stamp that is not one: Grid's exact 401 reason comes back.
    let (request_id, _payload) = challenge(&state, &wallet.id, !target).await;
    let err = complete(
        &state,
        &wallet.id,
        &request_id,
        "stamp",
        Some("not-a-stamp"),
    )
    .await
    .expect_err("a bad stamp is refused");
    assert_eq!(err.code, UiCode::Unauthorized, "{err:?}");
    assert!(err.grid_code.is_some(), "Grid's code is shown: {err:?}");
    assert_eq!(err.http_status, Some(401));

    // 3. A session key generated by the app and registered with the demo.
    let public = state
        .signing
        .generate_session_key()
        .await
        .expect("generated");
    assert_eq!(public.public_key.len(), 66);
    let (request_id, _payload) = challenge(&state, &wallet.id, !target).await;
    let updated = complete(&state, &wallet.id, &request_id, "sessionKey", None)
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
        .signing
        .save_session_key(SaveSessionKeyRequest {
            private_key_hex: Secret::new(
                "a3f1c2d4e5b6978012345678909876543210fedcba0011223344556677889900",
            ),
        })
        .await
        .expect("saved");
    let wallets = embedded_wallet(&state).await;
    let wallet = wallets.items.first().expect("an embedded wallet");
    let target = !wallet.private_enabled.unwrap_or(false);
    let (request_id, _payload) = challenge(&state, &wallet.id, target).await;
    let updated = complete(&state, &wallet.id, &request_id, "sessionKey", None)
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
    let base = state.demo.ensure().await.expect("demo");
    let accounts = state
        .accounts
        .list_platform(all_platform())
        .await
        .expect("listed");
    let account = &accounts[0];
    let amount = 7;
    // (fault, the app's code, whether grid-sim applies the fund under this fault)
    let cases = [
        (Fault::DropAfter, UiCode::UnknownOutcome, true),
        (Fault::Drop, UiCode::UnknownOutcome, false),
        (Fault::Malformed, UiCode::UnknownOutcome, false),
        (Fault::SchemaViolation, UiCode::UnknownOutcome, true),
        (
            Fault::Status {
                status: FailureStatus::InternalServerError,
            },
            UiCode::UnknownOutcome,
            false,
        ),
        (
            Fault::Status {
                status: FailureStatus::BadGateway,
            },
            UiCode::UnknownOutcome,
            false,
        ),
        (
            Fault::Status {
                status: FailureStatus::ServiceUnavailable,
            },
            UiCode::UnknownOutcome,
            false,
        ),
        (
            Fault::RateLimit {
                retry_after_secs: 1,
            },
            UiCode::Network,
            false,
        ),
    ];
    let mut expected = account.balance.amount;
    for (fault, code, applied) in cases {
        arm_fault(&base, fault).await;
        let err = state
            .accounts
            .fund(fund(&account.id, amount))
            .await
            .expect_err("every armed fault fails the fund");
        if applied {
            expected += amount;
        }
        assert_eq!(err.code, code, "{fault:?}: {err:?}");
        if code == UiCode::UnknownOutcome {
            let reread = err
                .account
                .as_ref()
                .unwrap_or_else(|| panic!("{fault:?}: the balance was re-read: {err:?}"));
            assert_eq!(
                reread.balance.amount, expected,
                "{fault:?}: the re-read balance is what Grid holds: applied once or not at all"
            );
            assert!(
                err.message.contains("did not send it again")
                    && err.message.contains(&reread.balance.display),
                "{fault:?}: the message says it was not resent and tells the balance: {}",
                err.message
            );
        } else {
            assert!(err.account.is_none(), "{fault:?}: nothing to re-read");
        }
    }
    let after = state
        .accounts
        .list_platform(all_platform())
        .await
        .expect("relisted");
    let same = after.iter().find(|a| a.id == account.id).expect("same");
    assert_eq!(
        same.balance.amount, expected,
        "nothing was applied twice or behind the user's back"
    );
    state.shutdown().await;
}
