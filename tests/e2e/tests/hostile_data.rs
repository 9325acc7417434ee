//! Text from Grid is shown as text: markup planted in an account's funding instructions (through
//! the demo simulator's `/_sim/internal-accounts/{id}` control) must not create elements or run.

use grid_desk_e2e::{text_content, tid, App};
use serde_json::json;

const NOTE: &str = r#"<script>window.__pwned = "script"</script><img src=x onerror="window.__pwned = 'img'">Pay <b>now</b>"#;
const ADDRESS: &str =
    r#"<svg onload="window.__pwned='svg'">0xAbCDEF1234567890aBCdEf1234567890ABcDef12"#;

#[tokio::test]
async fn markup_in_api_data_renders_as_text() {
    let app = App::launch("hostile_data").await;
    let usd = app
        .demo
        .platform_accounts()
        .await
        .into_iter()
        .find(|a| a["balance"]["currency"]["code"] == "USD")
        .expect("a USD platform account");
    let id = usd["id"].as_str().expect("id").to_owned();
    app.demo
        .control()
        .edit_internal_account(
            &id,
            &json!({"fundingPaymentInstructions": [{
                "instructionsNotes": NOTE,
                "accountOrWalletInfo": {"accountType": "BASE_WALLET", "address": ADDRESS, "assetType": "USDC"}
            }]}),
        )
        .await
        .expect("planting markup in the account");
    app.click("refresh").await;

    let card = app.card(&id).await;
    let shown = text_content(&card).await;
    assert!(
        shown.contains("<script>window.__pwned") && shown.contains("<b>now</b>"),
        "the note must appear literally, markup and all: {shown}"
    );
    assert!(
        shown.contains("<svg onload="),
        "the address must appear literally: {shown}"
    );

    let planted = app
        .js(
            r#"const card = arguments[0];
               return {
                 pwned: window.__pwned === undefined ? null : String(window.__pwned),
                 scripts: card.querySelectorAll("script").length,
                 images: card.querySelectorAll("img").length,
                 bold: card.querySelectorAll("b").length,
                 onload: card.querySelectorAll("[onload],[onerror]").length,
               };"#,
            vec![serde_json::to_value(&card).expect("element reference")],
        )
        .await;
    assert_eq!(
        planted["pwned"],
        json!(null),
        "no planted code ran: {planted}"
    );
    for kind in ["scripts", "images", "bold", "onload"] {
        assert_eq!(
            planted[kind],
            json!(0),
            "no element came from API text ({kind}): {planted}"
        );
    }
    // The address still gets its QR code, encoding exactly the planted text.
    let qr = card
        .find(fantoccini::Locator::Css(&tid("qr")))
        .await
        .expect("a QR code for the address");
    assert_eq!(
        qr.attr("data-qr-value").await.ok().flatten().as_deref(),
        Some(ADDRESS)
    );
    app.snap("hostile-data").await;
}
