//! The client against tiny canned HTTP servers on 127.0.0.1:0, for answers the simulator does
//! not give: redirects and request-id headers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use grid_client::{
    ClientConfig, Credentials, Error, GridClient, PlatformAccountFilter, RetryPolicy,
    REDIRECT_REFUSED,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A server that answers every request with the same raw HTTP response and counts requests.
struct Canned {
    base_url: String,
    hits: Arc<AtomicUsize>,
}

impl Canned {
    async fn start(status_line: &str, headers: &[(&str, &str)], body: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let addr = listener.local_addr().expect("address");
        let mut response = format!("HTTP/1.1 {status_line}\r\n");
        for (name, value) in headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str(&format!(
            "content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ));
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let response = response.clone();
                tokio::spawn(async move {
                    // Read the request head (GETs carry no body), then answer and close.
                    let mut seen = Vec::new();
                    let mut buf = [0_u8; 1024];
                    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self {
            base_url: format!("http://{addr}"),
            hits,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

fn client(base_url: &str, max_retries: u32) -> GridClient {
    let mut config = ClientConfig::new(base_url, Credentials::new("id", "secret"));
    config.retry = RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    };
    config.request_timeout = Duration::from_secs(10);
    GridClient::new(config).expect("client")
}

const ACCOUNTS: &str = r#"{"data": []}"#;

#[tokio::test]
async fn redirects_are_never_followed() {
    let elsewhere = Canned::start("200 OK", &[], ACCOUNTS).await;
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
    ] {
        let location = format!("{}/platform/internal-accounts", elsewhere.base_url);
        let redirecting = Canned::start(status, &[("location", &location)], "").await;
        let err = client(&redirecting.base_url, 3)
            .list_platform_internal_accounts(&PlatformAccountFilter::default())
            .await
            .expect_err("a redirect is an error, not a detour");
        let Error::Api(api) = &err else {
            panic!("{status}: expected an API error, got {err:?}");
        };
        assert_eq!(
            Some(api.http_status),
            status.split(' ').next().and_then(|s| s.parse().ok())
        );
        assert_eq!(api.body.code, REDIRECT_REFUSED, "{status}");
        assert!(
            api.body.message.contains(&location) && api.body.message.contains("base URL"),
            "the message names where Grid pointed and what to check: {}",
            api.body.message
        );
        assert_eq!(redirecting.hits(), 1, "{status}: a 3xx is not retried");
    }
    assert_eq!(
        elsewhere.hits(),
        0,
        "the redirect target must never receive the request (or the credentials)"
    );
}

#[tokio::test]
async fn api_errors_keep_grids_request_id() {
    let body = r#"{"status": 500, "code": "INTERNAL_ERROR", "message": "boom"}"#;
    for header in ["request-id", "x-request-id", "Request-Id"] {
        let server = Canned::start(
            "500 Internal Server Error",
            &[(header, " req_0123abc ")],
            body,
        )
        .await;
        let err = client(&server.base_url, 0)
            .list_platform_internal_accounts(&PlatformAccountFilter::default())
            .await
            .expect_err("500");
        assert_eq!(err.api_code(), Some("INTERNAL_ERROR"));
        assert_eq!(err.request_id(), Some("req_0123abc"), "from {header}");
        let Error::Api(api) = &err else {
            panic!("expected an API error: {err:?}");
        };
        assert_eq!(api.request_id(), Some("req_0123abc"));
    }
    let without = Canned::start("500 Internal Server Error", &[], body).await;
    let err = client(&without.base_url, 0)
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect_err("500");
    assert_eq!(err.request_id(), None, "no header, no invented id");
}

#[tokio::test]
async fn a_retry_after_longer_than_the_clients_patience_is_returned_at_once() {
    let body = r#"{"status": 429, "code": "RATE_LIMITED", "message": "slow down"}"#;
    let server = Canned::start("429 Too Many Requests", &[("retry-after", "120")], body).await;
    let started = std::time::Instant::now();
    let err = client(&server.base_url, 3)
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect_err("429");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no waiting: {:?}",
        started.elapsed()
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(server.hits(), 1, "not retried earlier than Grid asked");
}
