//! grid-sim's bounds, over raw TCP: over-long URIs, too many or too large headers, over-large
//! bodies and malformed requests all answer with Grid's JSON error body `{status, code,
//! message}` — including the requests hyper refuses itself before any route sees them — and a
//! client that never finishes its headers is cut off.

use std::time::{Duration, Instant};

use base64::Engine as _;
use grid_sim::{RunningSim, SimConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Codes a Grid error body may carry for a request refused for its shape (Error400's enum).
const REQUEST_CODES: [&str; 2] = ["INVALID_REQUEST_FORMAT", "INVALID_INPUT"];

async fn start(config: SimConfig) -> RunningSim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free loopback port");
    grid_sim::spawn(config, listener)
        .await
        .expect("the simulator starts")
}

fn authorization() -> String {
    let pair = format!(
        "{}:{}",
        grid_sim::DEFAULT_CLIENT_ID,
        grid_sim::DEFAULT_CLIENT_SECRET
    );
    format!(
        "Authorization: Basic {}\r\n",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// A response read off the wire: status, headers (lower-case names) and body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Asserts a Grid error body with this status and one of `codes`.
    fn assert_grid_error(&self, status: u16, codes: &[&str], why: &str) -> String {
        let text = String::from_utf8_lossy(&self.body).into_owned();
        assert_eq!(self.status, status, "{why}: {self:?} {text}");
        assert!(
            self.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{why}: a JSON body, not plain text: {self:?}"
        );
        let body: Value = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{why}: the body is JSON ({e}): {text:?}"));
        assert_eq!(body["status"], status, "{why}: {body}");
        assert!(
            body["code"].as_str().is_some_and(|c| codes.contains(&c)),
            "{why}: a code from the spec's enums: {body}"
        );
        let message = body["message"].as_str().unwrap_or_default().to_owned();
        assert!(message.len() > 20, "{why}: a message that explains: {body}");
        message
    }
}

/// Sends `request` as is (stopping quietly if the server closes early) and reads one response.
async fn exchange(sim: &RunningSim, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(sim.addr).await.expect("connects");
    // The server may answer and close before everything is written; the answer still counts.
    let _ = stream.write_all(request).await;
    read_answer(&mut stream).await
}

async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut bytes = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(answer) = parse_answer(&bytes) {
            return answer;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => bytes.extend_from_slice(&chunk[..n]),
            Err(_) => panic!(
                "no answer within 10 s; got {:?}",
                String::from_utf8_lossy(&bytes)
            ),
        }
    }
    parse_answer(&bytes).unwrap_or_else(|| {
        panic!(
            "the connection closed without a complete answer: {:?}",
            String::from_utf8_lossy(&bytes)
        )
    })
}

/// A complete response in `bytes` (its body as long as `content-length` says), if there is one.
fn parse_answer(bytes: &[u8]) -> Option<Answer> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body = bytes.get(end + 4..end + 4 + length)?.to_vec();
    Some(Answer {
        status,
        headers,
        body,
    })
}

fn get(target: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: localhost\r\n{}{extra_headers}Connection: close\r\n\r\n",
        authorization()
    )
    .into_bytes()
}

#[tokio::test]
async fn over_long_uris_answer_414_with_a_grid_error_body() {
    let sim = start(SimConfig::default()).await;
    let target = format!(
        "/platform/internal-accounts?currency={}",
        "U".repeat(10_000)
    );
    let message = exchange(&sim, &get(&target, "")).await.assert_grid_error(
        414,
        &REQUEST_CODES,
        "a 10 kB URI",
    );
    assert!(message.contains("8192"), "it names the limit: {message}");
    // Beyond what hyper itself parses (64 KiB): hyper answers before any route could, and that
    // answer is a Grid error too.
    let target = format!(
        "/platform/internal-accounts?currency={}",
        "U".repeat(70_000)
    );
    exchange(&sim, &get(&target, ""))
        .await
        .assert_grid_error(414, &REQUEST_CODES, "a 70 kB URI");
    // A URI within the limit is served as usual.
    let target = format!("/platform/internal-accounts?currency={}", "U".repeat(1_000));
    assert_eq!(exchange(&sim, &get(&target, "")).await.status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn too_many_or_too_large_headers_answer_431_with_a_grid_error_body() {
    let sim = start(SimConfig::default()).await;
    let many = |n: usize| {
        (0..n)
            .map(|i| format!("X-Extra-{i}: {i}\r\n"))
            .collect::<String>()
    };
    let message = exchange(&sim, &get("/platform/internal-accounts", &many(150)))
        .await
        .assert_grid_error(431, &REQUEST_CODES, "150 headers");
    assert!(message.contains("100"), "it names the limit: {message}");
    // More than hyper itself accepts: its own refusal is rewritten as a Grid error too.
    exchange(&sim, &get("/platform/internal-accounts", &many(2_000)))
        .await
        .assert_grid_error(431, &REQUEST_CODES, "2,000 headers");
    let large = format!("X-Large: {}\r\n", "x".repeat(40_000));
    exchange(&sim, &get("/platform/internal-accounts", &large))
        .await
        .assert_grid_error(431, &REQUEST_CODES, "a 40 kB header");
    // A head larger than hyper buffers (128 KiB) that never ends.
    let mut endless = get("/platform/internal-accounts", "");
    endless.truncate(endless.len() - 2);
    endless.extend(std::iter::repeat_n(b'a', 128 * 1024 - endless.len()));
    exchange(&sim, &endless)
        .await
        .assert_grid_error(431, &REQUEST_CODES, "a 128 kB head");
    assert_eq!(
        exchange(&sim, &get("/platform/internal-accounts", &many(90)))
            .await
            .status,
        200,
        "90 extra headers are fine"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn over_large_bodies_answer_413_with_a_grid_error_body() {
    let sim = start(SimConfig::default()).await;
    let fund =
        "/sandbox/internal-accounts/InternalAccount:019542f5-b3e7-1d02-0000-000000000001/fund";
    // Announced too large: refused before the body is read.
    let declared = format!(
        "POST {fund} HTTP/1.1\r\nHost: localhost\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        authorization(),
        10 * 1024 * 1024
    );
    let message = exchange(&sim, declared.as_bytes()).await.assert_grid_error(
        413,
        &REQUEST_CODES,
        "a 10 MiB Content-Length",
    );
    assert!(message.contains("1048576"), "it names the limit: {message}");
    // Streamed without a length: refused once it passes the limit.
    let mut chunked = format!(
        "POST {fund} HTTP/1.1\r\nHost: localhost\r\n{}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        authorization()
    )
    .into_bytes();
    let size = 1024 * 1024 + 1;
    chunked.extend(format!("{size:x}\r\n").bytes());
    chunked.extend(std::iter::repeat_n(b' ', size));
    chunked.extend(b"\r\n");
    exchange(&sim, &chunked).await.assert_grid_error(
        413,
        &REQUEST_CODES,
        "a streamed body over 1 MiB",
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_answer_400_with_a_grid_error_body() {
    let sim = start(SimConfig::default()).await;
    exchange(&sim, b"GET /platform internal accounts HTTP/1.1\r\n\r\n")
        .await
        .assert_grid_error(400, &REQUEST_CODES, "spaces in the request target");
    exchange(&sim, b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n")
        .await
        .assert_grid_error(400, &REQUEST_CODES, "a header line without a colon");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let sim = start(SimConfig {
        header_read_timeout: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let mut stream = TcpStream::connect(sim.addr).await.expect("connects");
    stream
        .write_all(b"GET /platform/internal-accounts HTTP/1.1\r\nHost: local")
        .await
        .expect("writes half a head");
    let mut rest = Vec::new();
    // Well past the 300 ms timeout, well before the default one (30 s).
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut rest)).await;
    assert!(
        read.is_ok(),
        "the simulator closes the connection instead of waiting for the rest of the head"
    );
    assert!(
        rest.is_empty(),
        "and sends nothing: {:?}",
        String::from_utf8_lossy(&rest)
    );
    // A client that sends its head in time is served.
    let answer = exchange(&sim, &get("/platform/internal-accounts", "")).await;
    assert_eq!(answer.status, 200);
    sim.shutdown().await;
}
