//! Bad input through every form the window has: each is refused with a sentence and sends
//! nothing. "Nothing" is counted by the simulator, which reports every request that reaches a
//! Grid route.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use grid_client::{ClientConfig, Credentials, GridClient, Secret};
use grid_desk_core::accounts::{
    self, CheckAmountRequest, CustomerAccountsRequest, ExternalAccountsRequest, FundGuard,
    FundRequest, PlatformAccountsRequest,
};
use grid_desk_core::connections::{ConnectionRequest, SaveConnectionRequest};
use grid_desk_core::error::UiCode;
use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::signing::SaveSessionKeyRequest;
use grid_desk_core::{DeskOptions, GridDesk};
use grid_sim::{Exchange, SimConfig};

struct Counted {
    client: GridClient,
    requests: Arc<AtomicUsize>,
    _sim: grid_sim::RunningSim,
}

async fn counted_sim() -> Counted {
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    let observer: Arc<dyn Fn(&Exchange) + Send + Sync> = Arc::new(move |_exchange: &Exchange| {
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let sim = grid_sim::spawn_observed(SimConfig::default(), listener, observer)
        .await
        .expect("sim");
    let client = GridClient::new(ClientConfig::new(
        sim.base_url(),
        Credentials::new(grid_sim::DEFAULT_CLIENT_ID, grid_sim::DEFAULT_CLIENT_SECRET),
    ))
    .expect("client");
    Counted {
        client,
        requests,
        _sim: sim,
    }
}

fn assert_refused<T: std::fmt::Debug>(what: &str, result: grid_desk_core::error::UiResult<T>) {
    let err = result.expect_err(what);
    assert_eq!(err.code, UiCode::Validation, "{what}: {err:?}");
    assert!(
        err.message.len() > 10 && !err.message.contains("Error("),
        "{what}: a sentence for a person, got {:?}",
        err.message
    );
}

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "Customer:1\u{0}2",
    "Customer:1\r\nX-Injected: yes",
    "١٢٣",
    "\u{202e}evil",
];

#[tokio::test]
async fn hostile_filters_send_nothing() {
    let sim = counted_sim().await;
    let c = &sim.client;
    let long = "C".repeat(10_000);
    let customers = CustomerAccountsRequest::default;
    let platform = PlatformAccountsRequest::default;
    for text in HOSTILE.iter().copied().chain([long.as_str()]) {
        let t = Some(text.to_owned());
        assert_refused(
            text,
            accounts::list_customer(
                c,
                CustomerAccountsRequest {
                    customer_id: t.clone(),
                    ..customers()
                },
            )
            .await,
        );
        assert_refused(
            text,
            accounts::list_customer(
                c,
                CustomerAccountsRequest {
                    currency: t.clone(),
                    ..customers()
                },
            )
            .await,
        );
        assert_refused(
            text,
            accounts::list_customer(
                c,
                CustomerAccountsRequest {
                    account_type: t.clone(),
                    ..customers()
                },
            )
            .await,
        );
        assert_refused(
            text,
            accounts::list_platform(
                c,
                PlatformAccountsRequest {
                    currency: t.clone(),
                    ..platform()
                },
            )
            .await,
        );
        assert_refused(
            text,
            accounts::list_platform(
                c,
                PlatformAccountsRequest {
                    account_type: t.clone(),
                    ..platform()
                },
            )
            .await,
        );
        assert_refused(
            text,
            accounts::list_external(
                c,
                ExternalAccountsRequest {
                    platform: false,
                    customer_id: t.clone(),
                    ..ExternalAccountsRequest::default()
                },
            )
            .await,
        );
        assert_refused(
            text,
            accounts::list_external(
                c,
                ExternalAccountsRequest {
                    platform: true,
                    currency: t.clone(),
                    ..ExternalAccountsRequest::default()
                },
            )
            .await,
        );
    }
    for limit in [0, 101, u32::MAX] {
        assert_refused(
            "limit",
            accounts::list_customer(
                c,
                CustomerAccountsRequest {
                    limit: Some(limit),
                    ..customers()
                },
            )
            .await,
        );
    }
    assert_eq!(
        sim.requests.load(Ordering::SeqCst),
        0,
        "no bad filter reached Grid"
    );
    // A good filter does reach it: the counter is live.
    accounts::list_customer(
        c,
        CustomerAccountsRequest {
            currency: Some(" usd ".into()),
            ..customers()
        },
    )
    .await
    .expect("a real filter works");
    assert_eq!(sim.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn bad_amounts_stamps_and_keys_send_nothing() {
    let sim = counted_sim().await;
    let c = &sim.client;
    for text in [
        "",
        "  ",
        "-5",
        "0",
        "0.00",
        "1.005",
        "1e5",
        "1.000,50",
        "NaN",
        "١٠٠",
        "10\u{0}0",
        "<b>5</b>",
        &"9".repeat(400),
    ] {
        assert_refused(
            text,
            accounts::check_amount(CheckAmountRequest {
                text: text.to_owned(),
                currency_code: Some("USD".into()),
                decimals: Some(2),
                currency_symbol: Some("$".into()),
            }),
        );
    }
    let guard = FundGuard::default();
    for amount in [0, -1, i64::MIN, 100_000_000_001] {
        assert_refused(
            "fund amount",
            accounts::fund(
                c,
                &guard,
                "k",
                FundRequest {
                    account_id: "InternalAccount:x".into(),
                    amount,
                    customer_id: None,
                },
            )
            .await,
        );
    }
    for stamp in ["", "   ", "not a stamp", "<script>", "a\u{0}b"] {
        assert_refused(stamp, grid_desk_core::input::stamp(stamp));
    }
    assert_eq!(
        sim.requests.load(Ordering::SeqCst),
        0,
        "nothing reached Grid"
    );
}

#[tokio::test]
async fn the_connection_form_refuses_bad_fields_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(MemoryStore::new());
    let state = GridDesk::new(DeskOptions::new(
        dir.path().join("config"),
        dir.path().join("data"),
        store.clone(),
    ));
    let input =
        |name: &str, env: &str, url: &str, token: &str, secret: &str| SaveConnectionRequest {
            id: None,
            name: name.into(),
            environment: env.into(),
            base_url: url.into(),
            token_id: Some(Secret::new(token)),
            client_secret: Some(Secret::new(secret)),
        };
    let good_url = "https://api.lightspark.com/grid/2025-10-13";
    let cases = [
        ("empty name", input("  ", "sandbox", good_url, "tok", "sec")),
        (
            "name with a line break",
            input("Main\nBox", "sandbox", good_url, "tok", "sec"),
        ),
        (
            "very long name",
            input(&"n".repeat(500), "sandbox", good_url, "tok", "sec"),
        ),
        (
            "unknown environment",
            input("Main", "staging", good_url, "tok", "sec"),
        ),
        (
            "plain http to a remote host",
            input(
                "Main",
                "sandbox",
                "http://api.lightspark.com/grid",
                "tok",
                "sec",
            ),
        ),
        (
            "not a URL",
            input("Main", "sandbox", "api lightspark", "tok", "sec"),
        ),
        (
            "script in the URL",
            input("Main", "sandbox", "javascript:alert(1)", "tok", "sec"),
        ),
        (
            "credentials in the URL",
            input("Main", "sandbox", "https://u:p@example.com", "tok", "sec"),
        ),
        (
            "token with a space",
            input("Main", "sandbox", good_url, "tok en", "sec"),
        ),
        (
            "secret with a line break",
            input("Main", "sandbox", good_url, "tok", "se\ncret"),
        ),
        (
            "secret with non-ASCII",
            input("Main", "sandbox", good_url, "tok", "sécret"),
        ),
        (
            "empty secret",
            input("Main", "sandbox", good_url, "tok", "  "),
        ),
        (
            "huge secret",
            input("Main", "sandbox", good_url, "tok", &"s".repeat(5_000)),
        ),
    ];
    for (what, case) in cases {
        assert_refused(what, state.connections.save(case).await);
    }
    assert!(store.users().is_empty(), "nothing went into the keychain");
    let config_files: Vec<_> = std::fs::read_dir(dir.path().join("config"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        config_files.is_empty(),
        "nothing was written: {config_files:?}"
    );
    let journal = state
        .journal
        .entries(grid_desk_core::activity::JournalRequest::default())
        .expect("the journal reads");
    assert!(journal.entries.is_empty(), "nothing was journalled");
    assert_refused(
        "short session key",
        state
            .signing
            .save_session_key(SaveSessionKeyRequest {
                private_key_hex: Secret::new("abc"),
            })
            .await,
    );
}

/// Good input to a Grid that cannot be reached is a network problem, not a form to correct:
/// the window says "Network" (check the connection), never "Validation".
#[tokio::test]
async fn a_grid_that_cannot_be_reached_is_a_network_error_not_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = GridDesk::new(DeskOptions::new(
        dir.path().join("config"),
        dir.path().join("data"),
        Arc::new(MemoryStore::new()),
    ));
    // A loopback port nobody listens on: every connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let saved = state
        .connections
        .save(SaveConnectionRequest {
            id: None,
            name: "Nobody home".into(),
            environment: "sandbox".into(),
            base_url: format!("http://{closed}/grid/2025-10-13"),
            token_id: Some(Secret::new("tok")),
            client_secret: Some(Secret::new("sec")),
        })
        .await
        .expect("saved");
    let request = ConnectionRequest { id: saved.id };
    let err = state
        .connections
        .test(request.clone())
        .await
        .expect_err("nothing listens there");
    assert_eq!(err.code, UiCode::Network, "{err:?}");
    assert!(
        err.message.contains("could not connect to Grid"),
        "{}",
        err.message
    );
    state.connections.switch(request).await.expect("switched");
    let err = state
        .accounts
        .fund(FundRequest {
            account_id: "InternalAccount:x".into(),
            amount: 100,
            customer_id: None,
        })
        .await
        .expect_err("nothing listens there");
    assert_eq!(
        err.code,
        UiCode::Network,
        "a fund that never left is not an unknown outcome either: {err:?}"
    );
    assert!(err.account.is_none(), "nothing to re-read");
}
