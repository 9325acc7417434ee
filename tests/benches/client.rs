//! Client benchmarks against grid-sim on loopback. Prints figures; never passes or fails on time.
//!
//! `cargo bench -p grid-desk-tests --bench client`

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::float_arithmetic)]

use std::time::{Duration, Instant};

use futures::StreamExt as _;
use grid_client::{
    ClientConfig, Credentials, CustomerAccountFilter, GridClient, PlatformAccountFilter,
};
use grid_sim::SimConfig;
use serde_json::Value;

const RUNS: usize = 7;
const SEED: usize = 10_000;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn client_list_all(client: &GridClient) -> usize {
    let mut pages = client.customer_internal_account_pages(CustomerAccountFilter::default(), 100);
    let mut count = 0;
    while let Some(page) = pages.next().await {
        count += page.unwrap().data.len();
    }
    count
}

/// The practical limit: the same requests on the same HTTP stack, parsed only as far as the
/// cursor.
async fn raw_list_all(http: &reqwest::Client, base: &str, config: &SimConfig) -> usize {
    let mut cursor: Option<String> = None;
    let mut count = 0;
    loop {
        let mut request = http
            .get(format!("{base}/customers/internal-accounts"))
            .basic_auth(&config.client_id, Some(&config.client_secret))
            .query(&[("limit", "100")]);
        if let Some(c) = &cursor {
            request = request.query(&[("cursor", c)]);
        }
        let body: Value = request.send().await.unwrap().json().await.unwrap();
        count += body["data"].as_array().map_or(0, Vec::len);
        match body["nextCursor"].as_str() {
            Some(next) if body["hasMore"] == Value::Bool(true) => cursor = Some(next.to_owned()),
            _ => return count,
        }
    }
}

#[tokio::main]
async fn main() {
    let config = SimConfig {
        seed_accounts: SEED,
        ..SimConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = grid_sim::spawn(config.clone(), listener).await.unwrap();
    let base = sim.base_url();
    let client = GridClient::new(ClientConfig::new(
        base.clone(),
        Credentials::new(config.client_id.clone(), config.client_secret.clone()),
    ))
    .unwrap();
    let http = reqwest::Client::new();

    // Warm up both paths (connection pool, simulator caches).
    let total = client_list_all(&client).await;
    assert_eq!(raw_list_all(&http, &base, &config).await, total);

    let mut client_times = Vec::new();
    let mut raw_times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        assert_eq!(client_list_all(&client).await, total);
        client_times.push(start.elapsed());
        let start = Instant::now();
        assert_eq!(raw_list_all(&http, &base, &config).await, total);
        raw_times.push(start.elapsed());
    }
    let (c, r) = (median(client_times), median(raw_times));
    println!("list all customer internal accounts: {total} accounts, {} pages of 100, median of {RUNS} runs", total.div_ceil(100));
    println!(
        "  grid-client (typed, paged stream): {:>8.1} ms  ({:.0} accounts/s)",
        ms(c),
        total as f64 / c.as_secs_f64()
    );
    println!("  raw reqwest loop (same requests):  {:>8.1} ms", ms(r));
    println!(
        "  ratio client / raw:                {:>8.2}",
        c.as_secs_f64() / r.as_secs_f64()
    );

    let usd = client
        .list_platform_internal_accounts(&PlatformAccountFilter {
            currency: Some("USD".into()),
            account_type: None,
        })
        .await
        .unwrap()
        .remove(0);
    let start = Instant::now();
    let funds = (1..=100_i64).map(|amount| {
        let client = client.clone();
        let id = usd.id.clone();
        tokio::spawn(async move { client.fund_sandbox_internal_account(&id, amount).await })
    });
    for result in futures::future::join_all(funds).await {
        result.unwrap().unwrap();
    }
    let elapsed = start.elapsed();
    let after = client
        .list_platform_internal_accounts(&PlatformAccountFilter {
            currency: Some("USD".into()),
            account_type: None,
        })
        .await
        .unwrap()
        .remove(0);
    let exact = after.balance.amount.exact() == usd.balance.amount.exact().map(|a| a + 5_050);
    println!(
        "100 concurrent sandbox funds: {:.1} ms, {:.0} funds/s, final balance exact: {exact}",
        ms(elapsed),
        100.0 / elapsed.as_secs_f64()
    );
    sim.shutdown().await;
}
