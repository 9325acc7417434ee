//! The IPC commands as the window calls them (one camelCase `request` object, as
//! `ui/bridge.js` sends it; `{code, message}` errors), through Tauri's mock runtime: no window,
//! no WebKit.

use std::sync::Arc;

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::{Manager as _, WebviewWindow, WebviewWindowBuilder};

use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::{DeskOptions, GridDesk};

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
    app.manage(GridDesk::new(DeskOptions::new(
        dir.path().join("config"),
        dir.path().join("data"),
        Arc::new(MemoryStore::new()),
    )));
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("a mock window");
    Harness {
        _dir: dir,
        _app: app,
        webview,
    }
}

/// Calls `cmd` as `ui/bridge.js` does: the arguments wrapped as the command's `request`.
fn invoke(h: &Harness, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        &h.webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(json!({ "request": args })),
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
    assert_eq!(
        ok,
        json!({"amount": 100050, "display": "$1,000.50", "confirm": false})
    );

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
    assert_eq!(state["active"]["environmentLabel"], "Demo (offline)");
    assert_eq!(
        state["accountTypes"][0],
        json!({"value": "INTERNAL_FIAT", "label": "Internal fiat"}),
        "the type filter's options come from Rust: {state}"
    );

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
    assert_eq!(
        cards[0]["accountTypeLabel"], "Internal fiat",
        "{}",
        cards[0]
    );
    assert!(cards[0]["statusLabel"].is_string() && cards[0]["statusTone"].is_string());
    assert!(
        cards[0]["funding"]["maxAmount"].is_i64(),
        "funding presets and limit come with the view: {}",
        cards[0]["funding"]
    );

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

#[test]
fn the_print_view_gets_accounts_and_the_sheets_texts() {
    let h = harness();
    let printable = invoke(
        &h,
        "list_printable_accounts",
        json!({"scope": {"kind": "platform"}}),
    )
    .expect("printable accounts");
    assert!(
        printable["accounts"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{printable}"
    );
    assert_eq!(printable["watermark"], "DEMO \u{2013} NOT REAL");
    assert_eq!(
        printable["notice"],
        "DEMO \u{2013} not real account details"
    );
    let paper = invoke(&h, "default_paper", json!({"locale": "en-US"})).expect("paper");
    assert_eq!(paper, "letter");
}
