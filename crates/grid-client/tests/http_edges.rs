//! The client against tiny canned HTTP servers on 127.0.0.1:0, for answers the simulator does
//! not give: redirects, request-id headers, endless bodies, silence, and requests that must
//! never be sent.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use grid_client::models::{InternalAccountId, InternalAccountUpdateRequest};
use grid_client::{
    ClientConfig, Credentials, CustomerAccountFilter, Error, GridClient, PageRequest,
    PlatformAccountFilter, RetryPolicy, MAX_ERROR_MESSAGE_CHARS, MAX_ID_CHARS, MAX_RESPONSE_BYTES,
    REDIRECT_REFUSED,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::Instant;

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
    config.deadline = Duration::from_secs(10);
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

/// What a [`Raw`] server does once it has read a request head.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// `200 OK` and an endless JSON-looking body (up to 300 MB): close-delimited, chunked, or
    /// behind a `Content-Length` of 300 MB.
    Endless(Framing),
    /// Never answers; notes when the client closes the connection.
    Silent,
}

#[derive(Debug, Clone, Copy)]
enum Framing {
    NoLength,
    Chunked,
    Declared,
}

const ENDLESS_BYTES: usize = 300 * 1024 * 1024;

/// A server that counts requests, body bytes it managed to write, and connections the client
/// closed.
struct Raw {
    base_url: String,
    hits: Arc<AtomicUsize>,
    written: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    done: tokio::sync::mpsc::UnboundedReceiver<()>,
}

impl Raw {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let addr = listener.local_addr().expect("address");
        let (hits, written, closed) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let (tx, done) = tokio::sync::mpsc::unbounded_channel();
        let counters = (hits.clone(), written.clone(), closed.clone());
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let (hits, written, closed) = counters.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    if !read_head(&mut stream).await {
                        return;
                    }
                    hits.fetch_add(1, Ordering::SeqCst);
                    match behaviour {
                        Behaviour::Endless(framing) => {
                            endless(&mut stream, framing, &written).await
                        }
                        Behaviour::Silent => {
                            let mut buf = [0_u8; 64];
                            while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
                            closed.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    let _ = tx.send(());
                });
            }
        });
        Self {
            base_url: format!("http://{addr}"),
            hits,
            written,
            closed,
            done,
        }
    }

    /// Waits until a connection's handler has finished (the client closed it, or the body
    /// ran out), for at most 20 s.
    async fn finished(&mut self) {
        tokio::time::timeout(Duration::from_secs(20), self.done.recv())
            .await
            .expect("the server's handler finishes once the client lets go")
            .expect("a handler ran");
    }
}

/// Reads a request head (and nothing more: the requests here carry small bodies, which are
/// left unread). False when the client went away first.
async fn read_head(stream: &mut TcpStream) -> bool {
    let mut seen = Vec::new();
    let mut buf = [0_u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    true
}

async fn endless(stream: &mut TcpStream, framing: Framing, written: &AtomicUsize) {
    let head = match framing {
        Framing::NoLength => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n".to_owned(),
        Framing::Chunked => "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned(),
        Framing::Declared => format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {ENDLESS_BYTES}\r\n\r\n"),
    };
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let piece = vec![b' '; 64 * 1024];
    let chunk_head = format!("{:x}\r\n", piece.len());
    let mut sent = 0;
    while sent < ENDLESS_BYTES {
        let result = match framing {
            Framing::Chunked => {
                async {
                    stream.write_all(chunk_head.as_bytes()).await?;
                    stream.write_all(&piece).await?;
                    stream.write_all(b"\r\n").await
                }
                .await
            }
            _ => stream.write_all(&piece).await,
        };
        if result.is_err() {
            return;
        }
        sent += piece.len();
        written.fetch_add(piece.len(), Ordering::SeqCst);
    }
}

fn patient_client(base_url: &str, deadline: Duration, retry: RetryPolicy) -> GridClient {
    let mut config = ClientConfig::new(base_url, Credentials::new("id", "secret"));
    config.retry = retry;
    config.deadline = deadline;
    GridClient::new(config).expect("client")
}

#[tokio::test]
async fn an_answer_past_the_cap_is_refused_while_it_is_read() {
    // Kernel socket buffers on both ends hold a few MiB beyond what the client has read.
    let bound = MAX_RESPONSE_BYTES + 24 * 1024 * 1024;
    for framing in [Framing::NoLength, Framing::Chunked, Framing::Declared] {
        let mut server = Raw::start(Behaviour::Endless(framing)).await;
        let err = client(&server.base_url, 3)
            .list_platform_internal_accounts(&PlatformAccountFilter::default())
            .await
            .expect_err("an endless answer is refused");
        assert!(
            err.to_string()
                .ends_with("Grid's answer is larger than 16 MiB; Grid Desk stopped reading it."),
            "{framing:?}: {err}"
        );
        assert!(
            matches!(err, Error::MaybeSent { .. }),
            "{framing:?}: {err:?}"
        );
        server.finished().await;
        let written = server.written.load(Ordering::SeqCst);
        eprintln!("{framing:?}: the server wrote {written} body bytes before the client let go");
        assert!(
            written < bound,
            "{framing:?}: the client stopped reading near the cap, but the server wrote {written} bytes"
        );
        if !matches!(framing, Framing::Declared) {
            assert!(
                written >= MAX_RESPONSE_BYTES,
                "{framing:?}: without a (true) length the client reads up to the cap: {written}"
            );
        }
        assert_eq!(
            server.hits.load(Ordering::SeqCst),
            1,
            "{framing:?}: not retried"
        );
    }
}

#[tokio::test]
async fn a_fund_whose_answer_is_too_large_has_an_unknown_outcome() {
    let mut server = Raw::start(Behaviour::Endless(Framing::Chunked)).await;
    let err = client(&server.base_url, 3)
        .fund_sandbox_internal_account(&InternalAccountId::from("InternalAccount:a"), 100)
        .await
        .expect_err("too large");
    assert!(
        err.outcome_unknown(),
        "the fund reached Grid and may have been applied: the app must re-read the balance ({err:?})"
    );
    assert!(err.to_string().contains("larger than 16 MiB"), "{err}");
    server.finished().await;
    assert_eq!(server.hits.load(Ordering::SeqCst), 1, "sent exactly once");
}

#[tokio::test]
async fn grids_error_texts_are_cut_when_the_error_is_built() {
    let long = "x".repeat(10_000);
    let body = format!(r#"{{"status": 500, "code": "{long}", "message": "{long}"}}"#);
    let server = Canned::start("500 Internal Server Error", &[], &body).await;
    let err = client(&server.base_url, 0)
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect_err("500");
    let Error::Api(api) = &err else {
        panic!("expected an API error: {err:?}");
    };
    for (what, text) in [("message", &api.body.message), ("code", &api.body.code)] {
        assert_eq!(
            text.chars().count(),
            MAX_ERROR_MESSAGE_CHARS,
            "{what} cut to the limit"
        );
        assert!(text.ends_with('\u{2026}'), "{what} ends with an ellipsis");
    }
    let short = Canned::start(
        "500 Internal Server Error",
        &[],
        r#"{"status": 500, "code": "INTERNAL_ERROR", "message": "boom"}"#,
    )
    .await;
    let err = client(&short.base_url, 0)
        .list_platform_internal_accounts(&PlatformAccountFilter::default())
        .await
        .expect_err("500");
    assert_eq!(
        err.to_string(),
        "boom (INTERNAL_ERROR, HTTP 500)",
        "short texts stay whole"
    );
}

/// Lets the deadline-related tests breathe on a loaded machine without hiding a 4 × attempts
/// wait.
const SLACK: Duration = Duration::from_millis(1_500);

#[tokio::test]
async fn a_silent_server_costs_one_deadline_and_one_attempt() {
    let deadline = Duration::from_secs(1);
    let server = Raw::start(Behaviour::Silent).await;
    let grid = patient_client(
        &server.base_url,
        deadline,
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
        },
    );
    let started = Instant::now();
    let err = grid
        .list_customer_internal_accounts(&CustomerAccountFilter::default(), &PageRequest::default())
        .await
        .expect_err("no answer");
    let took = started.elapsed();
    assert!(
        took >= deadline && took < deadline + SLACK,
        "one deadline for the whole listing, retries included: took {took:?}"
    );
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Loading customer accounts: Grid did not answer within 1 second."
    );
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        1,
        "a timed-out GET is not retried"
    );
}

#[tokio::test]
async fn backoff_and_retry_after_never_wait_past_the_deadline() {
    let body = r#"{"status": 503, "code": "SERVICE_UNAVAILABLE", "message": "busy"}"#;
    let deadline = Duration::from_secs(1);

    // 503s with a 400 ms, then 800 ms backoff: the second wait would end past the deadline, so
    // the listing ends at once with Grid's error rather than a timeout.
    let busy = Canned::start("503 Service Unavailable", &[], body).await;
    let started = Instant::now();
    let err = patient_client(
        &busy.base_url,
        deadline,
        RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(5),
        },
    )
    .list_platform_internal_accounts(&PlatformAccountFilter::default())
    .await
    .expect_err("503");
    assert_eq!(err.http_status(), Some(503), "Grid's own error: {err:?}");
    assert_eq!(
        busy.hits(),
        2,
        "one retry fits the deadline, the next does not"
    );
    assert!(started.elapsed() < deadline, "took {:?}", started.elapsed());

    // A Retry-After within the client's patience but past the deadline: stop and report it.
    let limited = Canned::start("429 Too Many Requests", &[("retry-after", "2")], body).await;
    let started = Instant::now();
    let err = patient_client(
        &limited.base_url,
        deadline,
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(5),
        },
    )
    .list_platform_internal_accounts(&PlatformAccountFilter::default())
    .await
    .expect_err("429");
    assert_eq!(
        err.retry_after(),
        Some(Duration::from_secs(2)),
        "the wait is reported"
    );
    assert_eq!(limited.hits(), 1);
    assert!(started.elapsed() < deadline, "took {:?}", started.elapsed());
}

#[tokio::test]
async fn dropping_the_future_stops_everything() {
    // In flight: the connection is closed as soon as the listing is dropped.
    let mut silent = Raw::start(Behaviour::Silent).await;
    let grid = patient_client(
        &silent.base_url,
        Duration::from_secs(30),
        RetryPolicy::default(),
    );
    let cancelled = tokio::time::timeout(
        Duration::from_millis(300),
        grid.list_platform_internal_accounts(&PlatformAccountFilter::default()),
    )
    .await;
    assert!(cancelled.is_err(), "still waiting when dropped");
    silent.finished().await;
    assert_eq!(
        silent.closed.load(Ordering::SeqCst),
        1,
        "the request's connection was closed"
    );
    assert_eq!(silent.hits.load(Ordering::SeqCst), 1);

    // Between attempts: no retry is sent after the drop.
    let body = r#"{"status": 503, "code": "SERVICE_UNAVAILABLE", "message": "busy"}"#;
    let busy = Canned::start("503 Service Unavailable", &[], body).await;
    let grid = patient_client(
        &busy.base_url,
        Duration::from_secs(30),
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(1),
        },
    );
    let cancelled = tokio::time::timeout(
        Duration::from_millis(150),
        grid.list_platform_internal_accounts(&PlatformAccountFilter::default()),
    )
    .await;
    assert!(cancelled.is_err(), "dropped during the first backoff");
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(busy.hits(), 1, "nothing kept running after the drop");
}

#[tokio::test]
async fn ids_never_change_the_route() {
    let server = Canned::start("200 OK", &[], "{}").await;
    let grid = client(&server.base_url, 0);
    let update = InternalAccountUpdateRequest {
        private_enabled: Some(true),
    };
    let too_long = "a".repeat(MAX_ID_CHARS + 1);
    let bad = [
        "",
        " ",
        ".",
        "..",
        "a/b",
        "../fund",
        "a?b",
        "a#b",
        "a%2Fb",
        "a\\b",
        "a b",
        "a\tb",
        "a\nb",
        "a\u{7f}b",
        "a\u{a0}b",
        "a\u{2028}b",
        &too_long,
    ];
    for id in bad {
        let id = InternalAccountId::from(id);
        let errors = [
            grid.fund_sandbox_internal_account(&id, 100).await.err(),
            grid.update_internal_account(&id, &update).await.err(),
            grid.complete_internal_account_update(&id, &update, "Request:1", "stamp")
                .await
                .err(),
        ];
        for err in errors {
            let err = err.unwrap_or_else(|| panic!("{:?} must be refused", id.as_str()));
            assert!(
                matches!(err, Error::NotSent { .. }),
                "{:?}: refused before sending, got {err:?}",
                id.as_str()
            );
            assert!(
                err.to_string()
                    .starts_with("That account id cannot be used: "),
                "{:?}: {err}",
                id.as_str()
            );
        }
    }
    assert_eq!(server.hits(), 0, "no request left for any bad id");

    // The same server does receive a request for a good id, on every method.
    let good = InternalAccountId::from("InternalAccount:019542f5-b3e7-1d02-0000-000000000002");
    let _ = grid.fund_sandbox_internal_account(&good, 100).await;
    let _ = grid.update_internal_account(&good, &update).await;
    let _ = grid
        .complete_internal_account_update(&good, &update, "Request:1", "stamp")
        .await;
    assert_eq!(server.hits(), 3, "good ids are sent");
}
