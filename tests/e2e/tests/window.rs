//! The real Grid Desk window, driven through WebDriver under Xvfb. Each test launches the app
//! with a fresh profile; `scripts/e2e` builds the binaries and provides the display and keychain.

use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::Locator;
use grid_desk_e2e::{
    clipboard, files_containing, keychain_clear, keychain_secret, parse_minor_units,
    require_keychain, text, text_content, tid, visible, App, Launch, Ready, SimProcess, STEP,
};
use grid_sim::control::{FailureStatus, Fault};
use serde_json::{json, Value};

/// The demo's platform account in US dollars: its id and available balance in cents.
async fn usd_platform_account(app: &App) -> (String, i64) {
    let accounts = app.demo.platform_accounts().await;
    let usd = accounts
        .iter()
        .find(|a| a["balance"]["currency"]["code"] == "USD")
        .unwrap_or_else(|| panic!("the demo has no USD platform account: {accounts:#?}"));
    let id = usd["id"].as_str().expect("account id").to_owned();
    (
        id,
        usd["balance"]["amount"].as_i64().expect("balance amount"),
    )
}

async fn card_has_visible(card: &Element, id: &str) -> bool {
    for element in card
        .find_all(Locator::Css(&tid(id)))
        .await
        .unwrap_or_default()
    {
        if visible(&element).await.unwrap_or(false) {
            return true;
        }
    }
    false
}

async fn balance_cents(card: &Element) -> Option<i64> {
    let balance = card.find(Locator::Css(&tid("balance"))).await.ok()?;
    parse_minor_units(&text(&balance).await, 2)
}

/// The sim's available balance of an account, in its smallest unit.
async fn sim_balance(app: &App, id: &str) -> i64 {
    app.demo.account(id).await["balance"]["amount"]
        .as_i64()
        .expect("balance amount")
}

/// The QR codes of a (hydrated) card, as (instruction, its data-kind, qr element, encoded value).
async fn card_qrs(card: &Element) -> Vec<(Element, String, Element, String)> {
    let mut found = Vec::new();
    for instruction in card
        .find_all(Locator::Css(&tid("instruction")))
        .await
        .unwrap_or_default()
    {
        let kind = instruction
            .attr("data-kind")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        for qr in instruction
            .find_all(Locator::Css(&tid("qr")))
            .await
            .unwrap_or_default()
        {
            let value = qr.attr("data-qr-value").await.ok().flatten();
            found.push((
                instruction.clone(),
                kind.clone(),
                qr,
                value.unwrap_or_default(),
            ));
        }
    }
    found
}

/// The ids of the demo's platform accounts, sorted.
async fn platform_ids(app: &App) -> Vec<String> {
    let mut ids: Vec<String> = app
        .demo
        .platform_accounts()
        .await
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

/// Waits for the QR code to be drawn as an `<svg>` (codes are drawn when they scroll into view,
/// or on "Show QR code").
async fn wait_for_svg(app: &App, qr: &Element, value: &str) {
    app.reveal(qr).await;
    app.wait_for(
        &format!("the QR code of {value} to contain an <svg>"),
        STEP,
        async || {
            if qr.find(Locator::Css("svg")).await.is_ok() {
                return Ok(Some(()));
            }
            if let Ok(show) = qr.find(Locator::Css("button")).await {
                if visible(&show).await? {
                    show.click().await?;
                }
            }
            Ok(None)
        },
    )
    .await;
}

#[tokio::test]
async fn demo_starts_offline_with_platform_cards_and_wallet_qr_codes() {
    let app = App::launch("demo_start").await;

    let badge = app.find("connection-badge").await;
    let label = text(&badge).await;
    assert!(
        label.contains("Demo") && label.to_lowercase().contains("offline"),
        "with nothing configured the badge must say Demo (offline), it says {label:?}"
    );
    assert_eq!(
        badge.attr("data-env").await.ok().flatten().as_deref(),
        Some("demo"),
        "the badge's data-env must say demo"
    );

    // The cards on screen are exactly the demo simulator's platform accounts.
    let expected = platform_ids(&app).await;
    let shown = app.shown_card_ids().await.expect("the cards' account ids");
    assert_eq!(
        shown, expected,
        "the platform tab must show one card per platform account of the demo"
    );

    // Every QR code encodes exactly a value shown in its instruction, and is drawn as an <svg>;
    // at least one of them is a wallet address.
    let mut checked = Vec::new();
    let mut first_wallet = None;
    for id in &expected {
        let card = app.card(id).await;
        for (instruction, kind, qr, value) in card_qrs(&card).await {
            assert!(
                !value.is_empty(),
                "a QR code of {id} encodes an empty value"
            );
            let mut values = Vec::new();
            for field in instruction
                .find_all(Locator::Css(&tid("field-value")))
                .await
                .unwrap_or_default()
            {
                values.push(text_content(&field).await);
            }
            assert!(
                values.contains(&value),
                "a QR code of {id} encodes {value:?} but no field of its instruction shows \
                 exactly that; fields: {values:?}"
            );
            wait_for_svg(&app, &qr, &value).await;
            if kind == "wallet" && first_wallet.is_none() {
                first_wallet = Some(qr.clone());
            }
            checked.push(format!("{kind}:{value}"));
        }
    }
    let wallet = first_wallet.unwrap_or_else(|| {
        panic!(
            "no wallet address on the platform tab has a QR code (the demo has wallet \
             instructions); QR codes seen: {checked:?}"
        )
    });
    eprintln!(
        "[e2e] {} QR codes drawn and equal to a field of their instruction: {checked:?}",
        checked.len()
    );
    app.reveal(&wallet).await;
    app.snap("platform-qr").await;
    app.js(
        "for (const e of document.querySelectorAll('*')) if (e.scrollTop > 0) e.scrollTop = 0;",
        vec![],
    )
    .await;
    // The first card fills in again once it is back in view.
    let first = app.all("account-card").await;
    let first_id = match first.first() {
        Some(card) => card.attr("data-account-id").await.ok().flatten(),
        None => None,
    };
    if let Some(first_id) = first_id {
        app.card(&first_id).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.snap("platform").await;
    app.shut_down().await;
}

#[tokio::test]
async fn copy_buttons_put_the_exact_value_on_the_clipboard() {
    let app = App::launch("copy").await;
    // A wallet address with its QR code, and the copy button of that field.
    let mut found = None;
    for id in platform_ids(&app).await {
        let card = app.card(&id).await;
        if let Some((instruction, _, _, address)) = card_qrs(&card)
            .await
            .into_iter()
            .find(|(_, kind, _, value)| kind == "wallet" && !value.is_empty())
        {
            found = Some((id, instruction, address));
            break;
        }
    }
    let (id, instruction, address) =
        found.unwrap_or_else(|| panic!("no platform card shows a wallet address with a QR code"));

    // Mouse: the copy button of the wallet address.
    let mut address_button = None;
    for button in instruction
        .find_all(Locator::Css(&tid("copy")))
        .await
        .unwrap_or_default()
    {
        if button
            .attr("data-copy-value")
            .await
            .ok()
            .flatten()
            .as_deref()
            == Some(&address)
        {
            address_button = Some(button);
        }
    }
    let button = address_button.unwrap_or_else(|| {
        panic!("the instruction showing {address} has no copy button with that data-copy-value")
    });
    app.reveal(&button).await;
    button.click().await.expect("clicking copy");
    app.wait_for(
        &format!("the clipboard to hold exactly the wallet address {address:?}"),
        STEP,
        async || Ok(clipboard().ok().filter(|c| *c == address)),
    )
    .await;

    // Keyboard: another value of the same card (its account id), copied with Enter.
    let card = app.card(&id).await;
    let mut other = None;
    for candidate in card
        .find_all(Locator::Css(&tid("copy")))
        .await
        .unwrap_or_default()
    {
        if let Ok(Some(value)) = candidate.attr("data-copy-value").await {
            if value != address && !value.is_empty() && visible(&candidate).await.unwrap_or(false) {
                other = Some((candidate, value));
                break;
            }
        }
    }
    let (button, value) = other.expect("a second copy button with another value");
    app.reveal(&button).await;
    app.js(
        "arguments[0].focus();",
        vec![serde_json::to_value(&button).expect("element")],
    )
    .await;
    button
        .send_keys(&char::from(fantoccini::key::Key::Enter).to_string())
        .await
        .expect("pressing Enter on the copy button");
    app.wait_for(
        &format!("the clipboard to hold exactly {value:?} after Enter on the copy button"),
        STEP,
        async || Ok(clipboard().ok().filter(|c| *c == value)),
    )
    .await;
    eprintln!("[e2e] clipboard held {address:?}, then {value:?}");
    app.shut_down().await;
}

/// The +100 preset (data-amount=10000) of a USD card.
async fn plus_100(card: &Element) -> Element {
    for button in card
        .find_all(Locator::Css(&tid("fund-preset")))
        .await
        .unwrap_or_default()
    {
        if button.attr("data-amount").await.ok().flatten().as_deref() == Some("10000") {
            return button;
        }
    }
    panic!("the USD card has no +100 fund-preset (data-amount=10000)")
}

/// Waits for the card to leave `shown`, gives a second (wrong) fund time to land, then checks
/// both the simulator and the card say `expected` cents.
async fn expect_balance_once(app: &App, id: &str, shown: i64, expected: i64, how: &str) {
    let after = app
        .wait_for(
            &format!("the balance on the card to change after {how}"),
            STEP,
            async || {
                let card = app.card(id).await;
                Ok(balance_cents(&card).await.filter(|b| *b != shown))
            },
        )
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let in_sim = sim_balance(app, id).await;
    assert_eq!(
        in_sim, expected,
        "after {how} the simulator must have been funded exactly once with $100.00 \
         (expected {expected} cents, it has {in_sim})"
    );
    let card = app.card(id).await;
    let settled = balance_cents(&card).await;
    assert_eq!(
        (after, settled),
        (expected, Some(expected)),
        "after {how} the card must show the balance $100.00 higher, once"
    );
}

#[tokio::test]
async fn a_double_clicked_fund_preset_funds_exactly_once() {
    let app = App::launch("fund_once").await;
    let (id, before) = usd_platform_account(&app).await;
    let card = app.card(&id).await;
    let shown_before = balance_cents(&card)
        .await
        .unwrap_or_else(|| panic!("cannot read the USD balance of {id}"));
    assert_eq!(
        shown_before, before,
        "the card shows the simulator's balance"
    );

    // Two clicks in the same task: nothing of the app's code runs between them.
    let preset = plus_100(&card).await;
    app.js(
        "arguments[0].click(); arguments[0].click();",
        vec![serde_json::to_value(&preset).expect("element")],
    )
    .await;
    expect_balance_once(
        &app,
        &id,
        before,
        before + 10_000,
        "two synchronous clicks on +100",
    )
    .await;
    app.snap("fund-once").await;

    // A real double click through WebDriver pointer actions.
    let card = app.card(&id).await;
    let preset = plus_100(&card).await;
    app.reveal(&preset).await;
    app.double_click(&preset).await;
    expect_balance_once(
        &app,
        &id,
        before + 10_000,
        before + 20_000,
        "a pointer double click on +100",
    )
    .await;
    app.shut_down().await;
}

#[tokio::test]
async fn bad_amounts_are_refused_inline_and_nothing_is_sent() {
    let app = App::launch("bad_amount").await;
    let (id, before) = usd_platform_account(&app).await;
    let card = app.card(&id).await;
    let form = app.find_in(&card, "fund-form").await;
    let input = form
        .find(Locator::Css("input[name=amount]"))
        .await
        .expect("the fund form has input[name=amount]");
    app.reveal(&input).await;

    let mut messages = Vec::new();
    for bad in ["1.005", "-5", "abc", "0"] {
        // An empty field has no error: start each value from there so no stale error counts.
        input.clear().await.expect("clearing the amount");
        app.js(
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            vec![serde_json::to_value(&input).expect("element")],
        )
        .await;
        app.wait_for(
            "the fund error to clear on an empty amount",
            STEP,
            async || {
                let card = app.card(&id).await;
                Ok((!card_has_visible(&card, "fund-error").await).then_some(()))
            },
        )
        .await;
        input.send_keys(bad).await.expect("typing the amount");
        let submit = app.find_in(&card, "fund-submit").await;
        app.reveal(&submit).await;
        submit.click().await.expect("clicking fund");
        let message = app
            .wait_for(
                &format!("an inline fund-error for {bad:?}"),
                STEP,
                async || {
                    let card = app.card(&id).await;
                    for error in card.find_all(Locator::Css(&tid("fund-error"))).await? {
                        let message = text(&error).await;
                        if visible(&error).await? && !message.is_empty() {
                            return Ok(Some(message));
                        }
                    }
                    Ok(None)
                },
            )
            .await;
        if bad == "1.005" {
            app.snap("fund-error").await;
            let lower = message.to_lowercase();
            assert!(
                lower.contains("decimal") || lower.contains("cent") || lower.contains("0.01"),
                "the error for 1.005 must explain that USD has two decimals, it says {message:?}"
            );
        }
        messages.push(format!("{bad:?} -> {message:?}"));
        // Nothing was sent: the simulator's balance is untouched.
        assert_eq!(
            sim_balance(&app, &id).await,
            before,
            "typing {bad:?} must not fund anything"
        );
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    eprintln!("[e2e] inline errors: {}", messages.join("; "));
    let card = app.card(&id).await;
    assert_eq!(
        balance_cents(&card).await,
        Some(before),
        "the card's balance must be unchanged"
    );
    app.shut_down().await;
}

/// Opens the PATCH dialog of the account, toggles privateEnabled, starts the update and waits for
/// the challenge. Returns the dialog and the value asked for.
async fn start_patch(app: &App, id: &str, card: &Element) -> (Element, bool) {
    let open = app.find_in(card, "patch-open").await;
    app.reveal(&open).await;
    open.click().await.expect("clicking patch-open");
    let dialog = app.find("patch-dialog").await;
    let checkbox = dialog
        .find(Locator::Css("input[name=privateEnabled]"))
        .await
        .expect("the dialog has input[name=privateEnabled]");
    checkbox.click().await.expect("toggling privateEnabled");
    let wanted = checkbox.is_selected().await.expect("reading the checkbox");
    app.find_in(&dialog, "patch-start")
        .await
        .click()
        .await
        .expect("clicking patch-start");

    let request_id = text(&app.find_in(&dialog, "challenge-request-id").await).await;
    assert!(
        request_id.contains("Request:"),
        "the challenge shows the request id (Grid's ids start with \"Request:\"), got {request_id:?}"
    );
    let payload = text_content(&app.find_in(&dialog, "challenge-payload").await).await;
    assert!(
        !payload.is_empty(),
        "the challenge shows the payload to sign"
    );
    let expiry = app.find_in(&dialog, "challenge-expiry").await;
    let first = text(&expiry).await;
    app.wait_for(
        &format!("the expiry countdown of {id} to tick (it showed {first:?})"),
        Duration::from_secs(5),
        async || {
            let now = text(&expiry).await;
            Ok((!now.is_empty() && now != first).then_some(()))
        },
    )
    .await;
    (dialog, wanted)
}

async fn choose_method(dialog: &Element, method: &str) {
    dialog
        .find(Locator::Css(&format!(
            r#"input[name=signMethod][value="{method}"]"#
        )))
        .await
        .unwrap_or_else(|_| panic!("the dialog offers the {method} signing method"))
        .click()
        .await
        .expect("choosing the signing method");
}

#[tokio::test]
async fn embedded_wallet_privacy_updates_through_the_signed_retry() {
    let app = App::launch("patch").await;
    app.click("tab-customers").await;
    // Only embedded wallets, so one is on the first page however many customers there are.
    let filter = app.find("type-filter").await;
    if let Err(e) = filter.select_by_value("EMBEDDED_WALLET").await {
        app.fail(&format!("type-filter has no EMBEDDED_WALLET option: {e}"))
            .await;
    }
    let wallets = app.demo.customer_accounts("type=EMBEDDED_WALLET").await;
    assert!(
        !wallets.is_empty(),
        "the demo has no EMBEDDED_WALLET customer account"
    );
    let (id, card) = app
        .wait_for(
            "a customer card with a patch-open button",
            STEP,
            async || {
                for card in app.all("account-card").await {
                    if card_has_visible(&card, "patch-open").await {
                        let id = card.attr("data-account-id").await?.unwrap_or_default();
                        return Ok(Some((id, card)));
                    }
                }
                Ok(None)
            },
        )
        .await;
    let wallet: Vec<&Value> = wallets.iter().filter(|w| w["id"] == id.as_str()).collect();
    assert_eq!(
        wallet.len(),
        1,
        "the card with patch-open ({id}) is an EMBEDDED_WALLET of the demo"
    );
    let before = wallet[0]["privateEnabled"].as_bool().unwrap_or(false);

    let badge_before = text(&app.find_in(&card, "private-enabled").await).await;
    let (dialog, wanted) = start_patch(&app, &id, &card).await;
    assert_eq!(
        wanted, !before,
        "the checkbox starts at the account's privateEnabled"
    );
    choose_method(&dialog, "sandbox").await;
    app.find_in(&dialog, "patch-submit")
        .await
        .click()
        .await
        .expect("submitting");
    let result = text(&app.find_in(&dialog, "patch-result").await).await;
    assert!(!result.is_empty(), "patch-result shows the updated account");
    let now = app
        .demo
        .customer_accounts("type=EMBEDDED_WALLET")
        .await
        .into_iter()
        .find(|w| w["id"] == id.as_str())
        .expect("the wallet is still there");
    assert_eq!(
        now["privateEnabled"],
        json!(wanted),
        "the simulator's wallet has privateEnabled={wanted} after the sandbox-signed update"
    );
    app.snap("patch-result").await;
    app.find_in(&dialog, "patch-close")
        .await
        .click()
        .await
        .expect("closing");
    let card = app
        .wait_for(
            "the card's private-enabled badge to change",
            STEP,
            async || {
                let card = app.card(&id).await;
                let now = text(&app.find_in(&card, "private-enabled").await).await;
                Ok((now != badge_before).then_some(card))
            },
        )
        .await;
    eprintln!("[e2e] patch result: {result:?}; badge was {badge_before:?}");

    // A garbage stamp: Grid's 401 code is shown, nothing changes.
    let (dialog, _) = start_patch(&app, &id, &card).await;
    choose_method(&dialog, "stamp").await;
    let stamp = dialog
        .find(Locator::Css("textarea[name=stamp]"))
        .await
        .expect("the dialog has textarea[name=stamp]");
    stamp
        .send_keys("not-a-stamp")
        .await
        .expect("typing the stamp");
    app.find_in(&dialog, "patch-submit")
        .await
        .click()
        .await
        .expect("submitting");
    let error = text(&app.find_in(&dialog, "patch-error").await).await;
    assert!(
        error.contains("WALLET_SIGNATURE_MALFORMED"),
        "a garbage stamp must show Grid's code WALLET_SIGNATURE_MALFORMED, patch-error says {error:?}"
    );
    let still = app
        .demo
        .customer_accounts("type=EMBEDDED_WALLET")
        .await
        .into_iter()
        .find(|w| w["id"] == id.as_str())
        .expect("the wallet is still there");
    assert_eq!(
        still["privateEnabled"],
        json!(wanted),
        "a rejected stamp changes nothing"
    );
    app.snap("patch-error").await;
    app.shut_down().await;
}

/// Reloads the current list the way a person would: the refresh button when there is one,
/// otherwise by opening the platform tab again.
async fn refresh(app: &App) {
    if let Ok(Some(button)) = app.displayed("refresh").await {
        button.click().await.expect("clicking refresh");
    } else {
        app.click("tab-platform").await;
    }
}

#[tokio::test]
async fn grid_errors_are_readable_and_retry_recovers() {
    let app = App::launch("errors").await;
    // More 500s than the client's GET retries.
    app.demo
        .control()
        .arm_for(
            Fault::Status {
                status: FailureStatus::InternalServerError,
            },
            10,
        )
        .await
        .expect("arming ten 500s");
    refresh(&app).await;
    let banner = app.find("error-banner").await;
    let message = app
        .wait_for(
            "the error banner to show INTERNAL_ERROR",
            STEP,
            async || {
                let message = text(&banner).await;
                Ok(message.contains("INTERNAL_ERROR").then_some(message))
            },
        )
        .await;
    assert!(
        !message.contains("{\"") && message.len() > "INTERNAL_ERROR".len() + 10,
        "the banner must read as a sentence plus the code, not raw JSON: {message:?}"
    );
    assert_eq!(
        banner.attr("role").await.ok().flatten().as_deref(),
        Some("alert"),
        "the error banner is announced (role=alert)"
    );
    app.snap("error-500").await;

    app.demo
        .control()
        .clear_faults()
        .await
        .expect("clearing faults");
    app.click("error-retry").await;
    app.wait_for("the cards to come back after retry", STEP, async || {
        let banner_gone = app.displayed("error-banner").await?.is_none();
        Ok((banner_gone && app.displayed("account-card").await?.is_some()).then_some(()))
    })
    .await;
    eprintln!("[e2e] 500 banner: {message:?}");
    app.shut_down().await;
}

#[tokio::test]
async fn wrong_credentials_show_grids_unauthorized_message() {
    let sim = SimProcess::start("e2e-right-id", "e2e-right-secret", &[]);
    let app = App::launch_with(
        "unauthorized",
        Launch {
            env: vec![
                ("GRID_CLIENT_ID".into(), "wrong".into()),
                ("GRID_CLIENT_SECRET".into(), "wrong".into()),
                ("GRID_BASE_URL".into(), sim.url.clone()),
            ],
            ready: Ready::ErrorBanner,
            ..Launch::default()
        },
    )
    .await;
    let banner = app.find("error-banner").await;
    let message = text(&banner).await;
    assert!(
        message.to_lowercase().contains("unauthorized") || message.contains("401"),
        "wrong credentials must show Grid's Unauthorized message, the banner says {message:?}"
    );
    let badge = app.find("connection-badge").await;
    assert_eq!(
        badge.attr("data-env").await.ok().flatten().as_deref(),
        Some("production"),
        "without GRID_ENVIRONMENT=sandbox the environment connection counts as production"
    );
    app.snap("error-401").await;
    eprintln!("[e2e] 401 banner: {message:?}");
    app.shut_down().await;
}

/// Adds a sandbox connection to `sim` through Settings, tests it, switches to it and checks the
/// cards come from it, with screenshots when `snap`. Returns the connection's id.
async fn add_and_use_sim_connection(
    app: &App,
    sim: &SimProcess,
    secret: &str,
    snap: bool,
) -> String {
    app.click("tab-settings").await;
    let form = app.find("connection-form").await;
    let field = async |name: &str| -> Element {
        form.find(Locator::Css(&format!("[name={name}]")))
            .await
            .unwrap_or_else(|_| panic!("connection-form has a field named {name}"))
    };
    let name = field("name").await;
    name.clear().await.expect("clearing name");
    name.send_keys("E2E simulator").await.expect("typing name");
    let environment = field("environment").await;
    if environment.tag_name().await.ok().as_deref() == Some("select") {
        environment
            .select_by_value("sandbox")
            .await
            .expect("choosing sandbox");
    } else {
        let radio = form
            .find(Locator::Css(r#"[name=environment][value="sandbox"]"#))
            .await
            .expect("a sandbox environment choice");
        radio.click().await.expect("choosing sandbox");
    }
    let base_url = field("baseUrl").await;
    base_url.clear().await.expect("clearing baseUrl");
    base_url.send_keys(&sim.url).await.expect("typing baseUrl");
    field("tokenId")
        .await
        .send_keys(&sim.api.client_id)
        .await
        .expect("typing tokenId");
    field("clientSecret")
        .await
        .send_keys(secret)
        .await
        .expect("typing clientSecret");
    app.click("connection-save").await;

    let row = app
        .wait_for(
            "a connection-row for the saved connection",
            STEP,
            async || {
                for row in app.all("connection-row").await {
                    if text(&row).await.contains("E2E simulator") {
                        return Ok(Some(row));
                    }
                }
                Ok(None)
            },
        )
        .await;
    let connection_id = row
        .attr("data-connection-id")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(
        !connection_id.is_empty(),
        "the connection row carries data-connection-id"
    );
    let secret_field = field("clientSecret").await;
    assert_eq!(
        secret_field
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default(),
        "",
        "the clientSecret input is empty after save"
    );
    assert!(
        !app.source().await.contains(secret),
        "the client secret is in the page after save: it must never come back to the webview"
    );
    if snap {
        app.snap("settings").await;
    }

    // The form is now editing the saved connection: test it.
    app.click("connection-test").await;
    let verdict = app
        .wait_for("the connection test to report", STEP, async || {
            let Some(result) = app.displayed("connection-test-result").await? else {
                return Ok(None);
            };
            let tone = result.attr("data-tone").await?.unwrap_or_default();
            Ok((!tone.is_empty()).then_some((tone, text(&result).await)))
        })
        .await;
    assert_eq!(
        verdict.0, "ok",
        "the connection test against the simulator must succeed, it said {:?}",
        verdict.1
    );
    eprintln!("[e2e] connection test said {:?}", verdict.1);
    assert!(
        !app.source().await.contains(secret),
        "the client secret is in the page after the connection test"
    );

    let row = app
        .wait_for("the connection row again", STEP, async || {
            for row in app.all("connection-row").await {
                if row.attr("data-connection-id").await?.as_deref() == Some(&connection_id) {
                    return Ok(Some(row));
                }
            }
            Ok(None)
        })
        .await;
    row.find(Locator::Css(&tid("connection-switch")))
        .await
        .expect("the row has connection-switch")
        .click()
        .await
        .expect("switching");
    app.wait_for(
        "the badge to show the sandbox connection",
        STEP,
        async || {
            let Some(badge) = app.displayed("connection-badge").await? else {
                return Ok(None);
            };
            let env = badge.attr("data-env").await?;
            let chosen = app
                .client
                .execute(
                    "const s = document.querySelector(arguments[0]); \
                     return s.selectedOptions[0] ? s.selectedOptions[0].textContent : '';",
                    vec![json!(tid("connection-select"))],
                )
                .await?;
            Ok((env.as_deref() == Some("sandbox")
                && text(&badge).await == "Sandbox"
                && chosen.as_str().unwrap_or("").contains("E2E simulator"))
            .then_some(()))
        },
    )
    .await;

    app.click("tab-platform").await;
    // The demo and this simulator share the deterministic seed: a balance only this one has
    // tells their cards apart.
    let accounts = sim.api.platform_accounts().await;
    let usd = accounts
        .iter()
        .find(|a| a["balance"]["currency"]["code"] == "USD")
        .and_then(|a| a["id"].as_str())
        .expect("the simulator has a USD platform account")
        .to_owned();
    sim.api.fund(&usd, 12_345).await;
    let marker = sim.api.account(&usd).await["balance"]["amount"]
        .as_i64()
        .expect("balance amount");
    refresh(app).await;
    app.wait_for(
        &format!("the USD card to show the separate simulator's balance ({marker} cents)"),
        STEP,
        async || {
            let card = app.card(&usd).await;
            Ok((balance_cents(&card).await == Some(marker)).then_some(()))
        },
    )
    .await;
    let mut expected: Vec<String> = sim
        .api
        .platform_accounts()
        .await
        .iter()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect();
    expected.sort();
    app.wait_for(
        "the platform cards of the separate simulator",
        STEP,
        async || Ok((app.shown_card_ids().await? == expected).then_some(())),
    )
    .await;
    assert!(
        !app.source().await.contains(secret),
        "the client secret is in the page after switching"
    );
    if snap {
        app.snap("sandbox-cards").await;
    }
    connection_id
}

fn distinctive_secret() -> String {
    format!("e2e-secret-{}", uuid::Uuid::new_v4().simple())
}

/// A random P-256 private key (64 hex characters, far below the curve order in practice).
fn distinctive_session_key() -> String {
    format!(
        "1{}{}",
        &uuid::Uuid::new_v4().simple().to_string()[1..],
        uuid::Uuid::new_v4().simple()
    )
}

#[tokio::test]
async fn a_sandbox_connection_is_saved_tested_and_used() {
    require_keychain();
    let secret = distinctive_secret();
    let sim = SimProcess::start("e2e-settings-id", &secret, &["--seed-accounts", "3"]);
    let app = App::launch("settings").await;
    let connection_id = add_and_use_sim_connection(&app, &sim, &secret, true).await;
    let entry = format!("{connection_id}:client-secret");
    assert_eq!(
        keychain_secret(&entry).as_deref(),
        Some(secret.as_str()),
        "the client secret is in the keychain under com.griddesk.app / {entry}"
    );

    // Deleting the connection removes its keychain entries.
    app.click("tab-settings").await;
    let row = app
        .wait_for("the connection row to delete", STEP, async || {
            for row in app.all("connection-row").await {
                if row.attr("data-connection-id").await?.as_deref() == Some(&connection_id) {
                    return Ok(Some(row));
                }
            }
            Ok(None)
        })
        .await;
    let delete = row
        .find(Locator::Css(&tid("connection-delete")))
        .await
        .expect("the saved connection has connection-delete");
    app.reveal(&delete).await;
    // A real double click: the first click arms, the second is part of the same gesture and
    // must not confirm a deletion.
    app.double_click(&delete).await;
    // Deleting asks for a second, separate click; until then nothing is deleted.
    assert_eq!(
        delete.attr("data-confirm").await.ok().flatten().as_deref(),
        Some("armed"),
        "a double click only arms the delete button"
    );
    assert!(
        keychain_secret(&format!("{connection_id}:client-secret")).is_some(),
        "a double click must not delete anything"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    delete.click().await.expect("confirming connection-delete");
    app.wait_for("the connection row to disappear", STEP, async || {
        for row in app.all("connection-row").await {
            if row.attr("data-connection-id").await?.as_deref() == Some(&connection_id) {
                return Ok(None);
            }
        }
        Ok(Some(()))
    })
    .await;
    app.wait_for("the keychain entries to be deleted", STEP, async || {
        Ok(keychain_secret(&entry).is_none().then_some(()))
    })
    .await;
    assert_eq!(
        keychain_secret(&format!("{connection_id}:token-id")),
        None,
        "the token id entry is deleted with the connection"
    );
    eprintln!("[e2e] keychain held the secret under {entry}; deleting the connection removed it");
    app.shut_down().await;
}

#[tokio::test]
async fn the_client_secret_never_lands_on_disk_or_in_logs() {
    use base64::Engine as _;
    require_keychain();
    let secret = distinctive_secret();
    let client_id = "e2e-leak-id";
    let sim = SimProcess::start(client_id, &secret, &["--seed-accounts", "3"]);
    // Every log level on, so a secret logged anywhere would show.
    let launch = Launch {
        env: vec![("RUST_LOG".into(), "trace".into())],
        ..Launch::default()
    };
    let app = App::launch_with("secret_scan", launch).await;
    let connection_id = add_and_use_sim_connection(&app, &sim, &secret, false).await;

    // A session signing key pasted once, like the client secret, belongs only in the keychain.
    let session_key = distinctive_session_key();
    app.click("tab-settings").await;
    let input = app.find("session-key-input").await;
    input
        .send_keys(&session_key)
        .await
        .expect("typing the session key");
    app.click("session-key-save").await;
    app.wait_for("the session key's public key to show", STEP, async || {
        let shown = text_content(&app.find("session-key-public").await).await;
        Ok((shown.len() == 66).then_some(()))
    })
    .await;

    // What Rust answers the window: every command that touches credentials, keys or the signed
    // update, called through the IPC bridge itself, the session key signing a real challenge.
    let ipc = app
        .js(
            r#"const id = arguments[0];
               const call = (cmd, args) => window.__TAURI__.core.invoke(cmd, { request: args || {} })
                 .then((ok) => ({ cmd, ok }), (err) => ({ cmd, err }));
               return (async () => {
                 const out = [await call('app_state'), await call('session_key_status'),
                              await call('test_connection', { id }), await call('list_platform_accounts')];
                 const wallets = await call('list_customer_accounts', { type: 'EMBEDDED_WALLET', limit: 5 });
                 out.push(wallets);
                 const wallet = wallets.ok && wallets.ok.items[0];
                 if (wallet) {
                   const start = await call('start_account_update',
                     { accountId: wallet.id, privateEnabled: !wallet.privateEnabled });
                   out.push(start);
                   if (start.ok && start.ok.requestId) {
                     out.push(await call('complete_account_update',
                       { accountId: wallet.id, requestId: start.ok.requestId, method: 'sessionKey' }));
                   }
                 }
                 return JSON.stringify(out);
               })();"#,
            vec![json!(connection_id)],
        )
        .await;
    let ipc = ipc.as_str().unwrap_or_default().to_owned();
    assert!(
        ipc.contains(r#""cmd":"complete_account_update""#),
        "the session key signed a challenge during the scan: {ipc}"
    );

    // Nothing the window holds — its HTML, its storage, what IPC answered — carries either secret.
    let page = app.source().await;
    let storage = app
        .js(
            r#"const dump = (s) => { const o = {}; for (let i = 0; i < s.length; i++) { const k = s.key(i); o[k] = s.getItem(k); } return o; };
               return JSON.stringify({local: dump(window.localStorage), session: dump(window.sessionStorage)});"#,
            vec![],
        )
        .await;
    let storage = storage.as_str().unwrap_or_default().to_owned();
    for (what, value) in [
        ("client secret", secret.as_str()),
        ("session key", session_key.as_str()),
    ] {
        assert!(!page.contains(value), "the {what} is in the page's HTML");
        assert!(!ipc.contains(value), "the {what} is in an IPC answer");
        assert!(
            !storage.contains(value),
            "the {what} is in the webview's storage"
        );
    }
    // Closing the window lets the app flush whatever it writes.
    let profile = app.shut_down().await;
    // The secret's one legitimate home; removed so no keyring keeps test entries.
    let entry = format!("{connection_id}:client-secret");
    let stored = keychain_secret(&entry);
    let stored_key = keychain_secret(&format!("{connection_id}:session-key"));
    for user in [
        entry.clone(),
        format!("{connection_id}:token-id"),
        format!("{connection_id}:session-key"),
    ] {
        keychain_clear(&user);
    }
    assert_eq!(
        stored_key.as_deref(),
        Some(session_key.as_str()),
        "the session key must be in the keychain"
    );
    assert_eq!(
        stored.as_deref(),
        Some(secret.as_str()),
        "the secret must be in the keychain ({entry}) — the one place it belongs"
    );

    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
    let needles: [(&str, &[u8]); 3] = [
        ("the client secret", secret.as_bytes()),
        ("the Basic authorization of the secret", basic.as_bytes()),
        ("the session signing key", session_key.as_bytes()),
    ];
    // The app's own log files: the OS log directory (tauri-plugin-log, rotated), inside HOME.
    let log_dir = profile.home.join(".local/share/com.griddesk.app/logs");
    let app_log = std::fs::read_to_string(log_dir.join("grid-desk.log")).unwrap_or_default();
    assert!(
        app_log.contains("TRACE") && profile.log("app.stderr").contains("TRACE"),
        "the app ran at trace level and wrote its log to {}, so the log scan covers every level",
        log_dir.display()
    );
    let (app_log_files, app_log_hits) = files_containing(&log_dir, &needles);
    assert!(app_log_files > 0, "no log file under {}", log_dir.display());
    assert!(
        app_log_hits.is_empty(),
        "a secret is in the app's log files:\n{}",
        app_log_hits.join("\n")
    );
    let (home_files, home_hits) = files_containing(&profile.home, &needles);
    let (log_files, log_hits) = files_containing(&profile.logs, &needles);
    let config = profile.home.join(".config/com.griddesk.app");
    assert!(
        config.is_dir(),
        "the app wrote no config under {} — the scan would prove nothing",
        config.display()
    );
    let (_, saved) = files_containing(&config, &[("the connection name", b"E2E simulator")]);
    assert!(
        !saved.is_empty(),
        "the saved connection is not in the app's config directory, so the scan would prove nothing"
    );
    let hits: Vec<String> = home_hits.into_iter().chain(log_hits).collect();
    assert!(
        hits.is_empty(),
        "the client secret leaked outside the keychain:\n{}",
        hits.join("\n")
    );
    eprintln!(
        "[e2e] scanned {home_files} files under HOME/XDG and {log_files} log files: no secret"
    );
}

/// A long list stays light: with 1,035 customer accounts loaded, the page holds the cards of a
/// few screens (the rest are parked chunks that keep their height), scrolling back brings the
/// first cards back with their print ticks, and "Print selected" still counts them.
#[tokio::test]
async fn a_long_list_keeps_only_nearby_cards_on_the_page() {
    let app = App::launch_with(
        "long_list",
        Launch {
            env: vec![("GRID_DESK_DEMO_SEED_ACCOUNTS".into(), "1000".into())],
            ..Launch::default()
        },
    )
    .await;
    let total = app.demo.get("/customers/internal-accounts?limit=1").await["totalCount"]
        .as_u64()
        .expect("totalCount");
    assert!(
        total >= 1000,
        "the demo was seeded with 1,000 more accounts"
    );
    app.click("tab-customers").await;
    let first_card = app
        .wait_for("the first customer cards", STEP, async || {
            let cards = app.all("account-card").await;
            match cards.first() {
                Some(card) => Ok(card.attr("data-account-id").await?),
                None => Ok(None),
            }
        })
        .await;
    // Tick the first card for printing, then scroll to the end until every page is loaded.
    app.js(
        "document.querySelector('[data-testid=select-account]').click(); return true;",
        vec![],
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        let state = app
            .js(
                "const list = document.querySelector('[data-testid=account-list]');
                 list.scrollTop = list.scrollHeight;
                 return { loaded: Number(list.dataset.loaded || 0),
                          status: document.querySelector('[data-testid=list-status]').textContent };",
                vec![],
            )
            .await;
        let loaded = state["loaded"].as_u64().unwrap_or(0);
        if loaded >= total && !state["status"].as_str().unwrap_or("").contains("loading") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {loaded} of {total} accounts loaded after 4 minutes"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let on_page = app
        .wait_for("far chunks to be parked", STEP, async || {
            let dom = app
                .js(
                    "return { cards: document.querySelectorAll('[data-testid=account-card]').length,
                              parked: document.querySelectorAll('.chunk[data-parked=true]').length };",
                    vec![],
                )
                .await;
            let cards = dom["cards"].as_u64().unwrap_or(u64::MAX);
            let parked = dom["parked"].as_u64().unwrap_or(0);
            Ok((cards <= 400 && parked > 0).then_some((cards, parked)))
        })
        .await;
    eprintln!(
        "[e2e] {total} accounts loaded; {} cards on the page, {} chunks parked",
        on_page.0, on_page.1
    );
    // Every chunk further than three screens from the view leaves the page, also one that
    // still held complete cards when it went (they are emptied first); only the chunk pages
    // are appended to stays.
    app.wait_for("every far chunk to be parked", STEP, async || {
        let far = app
            .js(
                "const list = document.querySelector('[data-testid=account-list]');
                 const view = list.getBoundingClientRect();
                 const reach = 3 * view.height + 2;
                 const chunks = [...list.querySelectorAll('.chunk')];
                 const open = chunks[chunks.length - 1];
                 return chunks.filter((chunk) => {
                   if (chunk === open || chunk.dataset.parked === 'true') return false;
                   const box = chunk.getBoundingClientRect();
                   return box.bottom < view.top - reach || box.top > view.bottom + reach;
                 }).length;",
                vec![],
            )
            .await;
        Ok((far.as_u64() == Some(0)).then_some(()))
    })
    .await;
    let print_selected = text(&app.find("print-selected").await).await;
    assert!(
        print_selected.contains("(1)"),
        "the tick survives its card leaving the page: {print_selected:?}"
    );
    app.snap("long-list-end").await;

    // Back to the top: the first card comes back, fills in, and is still ticked.
    app.js(
        "document.querySelector('[data-testid=account-list]').scrollTop = 0; return true;",
        vec![],
    )
    .await;
    let card = app.card(&first_card).await;
    let ticked = card
        .find(Locator::Css(&tid("select-account")))
        .await
        .expect("the card has its print tick")
        .prop("checked")
        .await
        .ok()
        .flatten();
    assert_eq!(
        ticked.as_deref(),
        Some("true"),
        "the first card's tick is kept when its chunk comes back"
    );
    app.shut_down().await;
}

/// Under faults the window stays usable and money stays right: while Grid is slow to list,
/// the tabs still answer; a fund whose answer is lost after Grid applied it is reported as an
/// unknown outcome with the re-read balance on the card, and was sent once.
#[tokio::test]
async fn faults_keep_the_window_responsive_and_a_lost_fund_is_reported_once() {
    let app = App::launch("faults").await;
    let (id, before) = usd_platform_account(&app).await;

    // A slow list: the window keeps answering clicks while it waits.
    app.demo
        .control()
        .arm(Fault::Latency { latency_ms: 4000 })
        .await
        .expect("arming a slow answer");
    refresh(&app).await;
    let clicked = std::time::Instant::now();
    app.click("tab-settings").await;
    app.wait_for(
        "Settings to open while the list is loading",
        STEP,
        async || Ok(app.displayed("connection-form").await?.map(|_| ())),
    )
    .await;
    let answered = clicked.elapsed();
    eprintln!("[e2e] Settings opened {answered:?} into a 4 s list request");
    assert!(
        answered < Duration::from_millis(3500),
        "the window must not wait for a slow Grid before answering a click (took {answered:?})"
    );
    app.click("tab-platform").await;

    // Grid applies the fund, then the connection drops before it answers.
    let card = app.card(&id).await;
    let preset = plus_100(&card).await;
    app.demo
        .control()
        .arm(Fault::DropAfter)
        .await
        .expect("arming a lost answer");
    app.reveal(&preset).await;
    preset.click().await.expect("clicking +100");
    let toast = app
        .wait_for("the unknown-outcome message", STEP, async || {
            for toast in app.all("toast").await {
                let message = text(&toast).await;
                if message.contains("did not send it again") {
                    return Ok(Some(message));
                }
            }
            Ok(None)
        })
        .await;
    assert!(
        toast.contains("$") && toast.contains("check it before funding again"),
        "the message tells the re-read balance: {toast:?}"
    );
    let in_sim = sim_balance(&app, &id).await;
    assert_eq!(in_sim, before + 10_000, "applied once, never resent");
    let card = app.card(&id).await;
    assert_eq!(
        balance_cents(&card).await,
        Some(before + 10_000),
        "the card shows the re-read balance"
    );
    app.snap("fund-unknown-outcome").await;
    app.shut_down().await;
}
