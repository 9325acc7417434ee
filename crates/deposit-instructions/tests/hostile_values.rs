//! Values from the API are checked at the boundary: a page with one absurd account among good
//! ones, served by a local HTTP server and read through the real client, still decodes; the good
//! accounts are intact and the absurd one's view says, value by value, why it is not shown.

use std::io::{Read as _, Write as _};

use deposit_instructions::{account_view, AccountView, UNAVAILABLE};
use grid_client::models::{InternalAccount, Page};
use grid_client::{ClientConfig, Credentials, CustomerAccountFilter, GridClient, PageRequest};
use serde_json::{json, Value};

/// Beyond `u64` even: serde_json keeps it as a float, the old `i64` field failed the page.
const HUGE: &str = "100000000000000000000";

fn account(id: &str, code: &str, decimals: u32, amount: Value, info: Value) -> Value {
    let symbol = if code == "USD" { "$" } else { code };
    json!({
        "id": id,
        "customerId": "Customer:019542f5-b3e7-1d02-0000-000000000001",
        "type": "INTERNAL_FIAT",
        "status": "ACTIVE",
        "balance": {"amount": amount, "currency": {"code": code, "name": code, "symbol": symbol, "decimals": decimals}},
        "totalBalance": {"amount": amount, "currency": {"code": code, "name": code, "symbol": symbol, "decimals": decimals}},
        "fundingPaymentInstructions": [{"accountOrWalletInfo": info}],
        "createdAt": "2025-10-03T12:00:00Z",
        "updatedAt": "2025-10-03T12:00:00Z"
    })
}

fn page_body() -> String {
    let usd_bank = json!({"accountType": "USD_ACCOUNT", "accountNumber": "9876543210",
        "routingNumber": "021000021", "reference": "FUND-ABC123"});
    let good_usd = account(
        "InternalAccount:good-usd",
        "USD",
        2,
        json!(12_550),
        usd_bank.clone(),
    );
    let mut absurd = account(
        "InternalAccount:absurd",
        "USD",
        2,
        json!("__HUGE__"),
        json!({"accountType": "SPARK_WALLET", "assetType": "BTC",
            "address": "sp1".repeat(2_000), "invoice": "lnbc1good"}),
    );
    // Its total balance is in a currency claiming 40 decimal places.
    absurd["totalBalance"] = json!({"amount": 100, "currency": {"code": "ODD", "decimals": 40}});
    let good_btc = account(
        "InternalAccount:good-btc",
        "BTC",
        8,
        json!(100_000),
        json!({"accountType": "SPARK_WALLET", "address": "spark1good", "assetType": "BTC"}),
    );
    json!({"data": [good_usd, absurd, good_btc], "hasMore": false})
        .to_string()
        .replace("\"__HUGE__\"", HUGE)
}

/// Answers every request with `body`, on a thread, until the test ends.
fn serve(body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut seen = Vec::new();
            let mut buf = [0_u8; 1024];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    format!("http://{addr}")
}

fn fetch_page(base_url: String) -> Page<InternalAccount> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async {
        GridClient::new(ClientConfig::new(
            base_url,
            Credentials::new("id", "secret"),
        ))
        .expect("client")
        .list_customer_internal_accounts(&CustomerAccountFilter::default(), &PageRequest::default())
        .await
        .expect("one absurd account must not fail the page")
    })
}

#[test]
fn one_absurd_account_never_breaks_the_page() {
    let page = fetch_page(serve(page_body()));
    let views: Vec<AccountView> = page.data.iter().map(account_view).collect();
    let ids: Vec<&str> = views.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "InternalAccount:good-usd",
            "InternalAccount:absurd",
            "InternalAccount:good-btc"
        ],
        "every account of the page is there, in order"
    );

    // The good ones are intact.
    let usd = &views[0];
    assert_eq!(usd.balance.display, "$125.50");
    assert_eq!(usd.balance.amount, 12_550);
    assert_eq!(usd.balance.unavailable, None);
    let fields: Vec<(&str, &str)> = usd.instructions[0]
        .fields
        .iter()
        .map(|f| (f.key.as_str(), f.value.as_str()))
        .collect();
    assert!(
        fields.contains(&("accountNumber", "9876543210")),
        "{fields:?}"
    );
    assert!(usd.instructions[0]
        .fields
        .iter()
        .all(|f| f.unavailable.is_none()));
    let btc = &views[2];
    assert_eq!(btc.balance.display, "0.00100000 BTC");
    assert_eq!(btc.instructions[0].qr_targets.len(), 1);

    // The absurd one renders, each bad value unavailable with its reason.
    let absurd = &views[1];
    assert_eq!(absurd.balance.display, UNAVAILABLE);
    assert_eq!(
        absurd.balance.unavailable.as_deref(),
        Some("Grid sent 1e+20 smallest units, beyond the 9,007,199,254,740,991 that Grid Desk shows exactly.")
    );
    assert_eq!(absurd.total_balance.display, UNAVAILABLE);
    assert_eq!(
        absurd.total_balance.unavailable.as_deref(),
        Some("This currency claims 40 decimal places; at most 18 can be shown exactly.")
    );
    let wallet = &absurd.instructions[0];
    let address = wallet
        .fields
        .iter()
        .find(|f| f.key == "address")
        .expect("the over-long address still has its field");
    assert_eq!(address.value, "", "hidden, never cut");
    assert_eq!(
        address.unavailable.as_deref(),
        Some("Grid sent 6,000 characters here; values over 5,000 characters are not shown.")
    );
    let qr: Vec<&str> = wallet.qr_targets.iter().map(|q| q.value.as_str()).collect();
    assert_eq!(
        qr,
        ["lnbc1good"],
        "no QR code for the hidden address; the invoice keeps its own"
    );
    assert!(
        wallet
            .fields
            .iter()
            .any(|f| f.key == "invoice" && f.value == "lnbc1good" && f.unavailable.is_none()),
        "the account's good values are still shown"
    );

    // The window gets the reason; views without one serialise as before.
    let json = serde_json::to_value(absurd).expect("serialises");
    assert_eq!(json["balance"]["display"], UNAVAILABLE);
    assert!(json["balance"]["unavailable"].is_string());
    assert!(json["instructions"][0]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .any(|f| f["unavailable"].is_string()));
    let good = serde_json::to_value(usd).expect("serialises");
    assert!(good["balance"].get("unavailable").is_none());
    assert!(good["instructions"][0]["fields"][0]
        .get("unavailable")
        .is_none());

    // Round trip: the absurd values are kept as sent, not replaced.
    let again = serde_json::to_value(&page.data[1]).expect("serialises");
    assert_eq!(
        again["balance"]["amount"],
        serde_json::from_str::<Value>(HUGE).expect("a number")
    );
}
