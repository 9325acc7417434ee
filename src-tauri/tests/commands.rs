//! The IPC commands as the window calls them (camelCase argument objects, `{code, message}`
//! errors), through Tauri's mock runtime: no window, no WebKit.

use std::sync::Arc;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::{Manager as _, WebviewWindow, WebviewWindowBuilder};

use grid_desk::keychain::MemoryStore;
use grid_desk::state::{AppState, StateOptions};

struct Harness {
    _dir: tempfile::TempDir,
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = grid_desk::with_commands(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("the app builds with the mock runtime");
    app.manage(AppState::new(StateOptions {
        config_dir: dir.path().join("config"),
        data_dir: dir.path().join("data"),
        demo_addr: None,
        env: None,
        store: Arc::new(MemoryStore::new()),
    }));
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("a mock window");
    Harness {
        _dir: dir,
        _app: app,
        webview,
    }
}

fn invoke(h: &Harness, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        &h.webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_owned(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("a JSON answer"))
}

#[test]
fn check_amount_takes_camel_case_arguments_and_answers_in_smallest_units() {
    let h = harness();
    let ok = invoke(
        &h,
        "check_amount",
        json!({"text": "1,000.50", "currencyCode": "USD", "decimals": 2, "currencySymbol": "$"}),
    )
    .expect("a valid amount");
    assert_eq!(ok, json!({"amount": 100050, "display": "$1,000.50"}));

    let err = invoke(
        &h,
        "check_amount",
        json!({"text": "1.005", "currencyCode": "USD", "decimals": 2}),
    )
    .expect_err("three decimals for USD");
    assert_eq!(err["code"], "Validation", "{err}");
    assert!(
        err["message"]
            .as_str()
            .is_some_and(|m| m.contains("decimal")),
        "the message explains the decimals: {err}"
    );
}

#[test]
fn the_app_starts_on_the_demo_and_lists_its_accounts_with_filters() {
    let h = harness();
    let state = invoke(&h, "app_state", json!({})).expect("app_state");
    assert_eq!(state["active"]["id"], "demo");
    assert_eq!(state["active"]["environment"], "demo");
    assert_eq!(state["active"]["name"], "Demo (offline)");
    assert_eq!(state["active"]["fundingAvailable"], true);

    let fiat = invoke(
        &h,
        "list_platform_accounts",
        json!({"type": "INTERNAL_FIAT"}),
    )
    .expect("platform accounts from the demo");
    let cards = fiat.as_array().expect("an array of AccountView");
    assert!(!cards.is_empty(), "the demo has fiat platform accounts");
    assert!(
        cards.iter().all(|c| c["accountType"] == "INTERNAL_FIAT"),
        "the type filter reaches Grid: {fiat}"
    );
    assert!(cards[0]["balance"]["display"].is_string());

    let page = invoke(
        &h,
        "list_customer_accounts",
        json!({"limit": 3, "currency": "usd"}),
    )
    .expect("customer accounts");
    let items = page["items"].as_array().expect("items");
    assert!(items.len() <= 3);
    assert!(items.iter().all(|c| c["currencyCode"] == "USD"), "{page}");
    assert!(page["hasMore"].is_boolean());

    let svg = invoke(
        &h,
        "qr_svg",
        json!({"value": "spark1pgssyuuuhnrrdjswal5c3s3rafw9w3y5dd4cjy3duxlf7hjzkp0rqx6dj6mrhu"}),
    )
    .expect("a QR code");
    assert!(svg.as_str().is_some_and(|s| s.contains("<svg")), "{svg}");
}

#[test]
fn secrets_go_in_and_never_come_back() {
    let h = harness();
    let saved = invoke(
        &h,
        "save_connection",
        json!({
            "name": "Ops sandbox",
            "environment": "sandbox",
            "baseUrl": "https://api.lightspark.com/grid/2025-10-13",
            "tokenId": "token-visible-nowhere",
            "clientSecret": "secret-visible-nowhere"
        }),
    )
    .expect("saved");
    assert_eq!(saved["credentials"], "configured");
    let state = invoke(&h, "app_state", json!({})).expect("app_state");
    for answer in [&saved, &state] {
        let text = answer.to_string();
        assert!(
            !text.contains("secret-visible-nowhere") && !text.contains("token-visible-nowhere"),
            "a secret came back over IPC: {text}"
        );
    }

    let err = invoke(&h, "delete_connection", json!({"id": "demo"}))
        .expect_err("the demo cannot be deleted");
    assert_eq!(err["code"], "Validation");
    let err =
        invoke(&h, "switch_connection", json!({"id": "nope"})).expect_err("no such connection");
    assert_eq!(err["code"], "NotFound");
}

#[test]
fn funding_is_refused_before_sending_when_the_amount_is_not_positive() {
    let h = harness();
    let err = invoke(
        &h,
        "fund_sandbox_account",
        json!({"accountId": "InternalAccount:x", "amount": 0}),
    )
    .expect_err("zero is refused");
    assert_eq!(err["code"], "Validation", "{err}");
    assert_eq!(err["message"], "The amount must be more than zero.");
}
