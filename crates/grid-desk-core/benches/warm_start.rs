//! Warm start beside cold start, without a window: how long a new `GridDesk` takes to have the
//! platform accounts to show, (cold) from Grid on a fresh profile, and (warm) from the
//! last-known list in `journal.sqlite3` on the profile the cold run left — against grid-sim on
//! loopback answering at once, and with 300 ms and 2 s of latency (a slow network or a busy
//! Grid). Prints figures; asserts only that both paths give the same accounts.
//!
//! `cargo bench -p grid-desk-core --bench warm_start` (release), or `--profile dev` for a quick
//! look. `BENCH_WARM_RUNS` (default 7) sets the runs per row.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::float_arithmetic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use grid_client::Credentials;
use grid_desk_core::accounts::PlatformAccountsRequest;
use grid_desk_core::activity::LastKnownRequest;
use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::settings::{EnvConnection, Environment};
use grid_desk_core::{DeskOptions, GridDesk};
use grid_sim::control::Fault;
use grid_sim::SimConfig;

fn desk(dir: &std::path::Path, base: &str) -> GridDesk {
    let mut options = DeskOptions::new(
        dir.join("config"),
        dir.join("data"),
        Arc::new(MemoryStore::new()),
    );
    options.env = Some(EnvConnection {
        environment: Environment::Sandbox,
        base_url: base.to_owned(),
        credentials: Credentials::new(grid_sim::DEFAULT_CLIENT_ID, grid_sim::DEFAULT_CLIENT_SECRET),
    });
    GridDesk::new(options)
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_WARM_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = grid_sim::spawn(SimConfig::default(), listener)
        .await
        .unwrap();
    let base = sim.base_url();
    println!("| Grid's latency | cold: new GridDesk → accounts from Grid | warm: new GridDesk → last-known accounts | accounts |");
    println!("|---|---|---|---|");
    for latency in [0_u64, 300, 2_000] {
        let (mut cold, mut warm) = (Vec::new(), Vec::new());
        let mut count = 0;
        for _ in 0..runs {
            let dir = tempfile::tempdir().unwrap();
            if latency > 0 {
                sim.control()
                    .arm(Fault::Latency {
                        latency_ms: latency,
                    })
                    .await
                    .unwrap();
            }
            let started = Instant::now();
            let live = desk(dir.path(), &base)
                .accounts
                .list_platform(PlatformAccountsRequest::default())
                .await
                .unwrap();
            cold.push(started.elapsed().as_secs_f64() * 1000.0);

            let started = Instant::now();
            let kept = desk(dir.path(), &base)
                .accounts
                .last_known(LastKnownRequest {
                    list: "platform".into(),
                    ..LastKnownRequest::default()
                })
                .await
                .unwrap()
                .expect("kept by the cold run");
            warm.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(kept.items, live);
            count = live.len();
            sim.control().clear_faults().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (cm, cmin, cmax) = median(cold);
        let (wm, wmin, wmax) = median(warm);
        println!(
            "| {latency} ms | {cm:.1} ms ({cmin:.1}–{cmax:.1}) | {wm:.1} ms ({wmin:.1}–{wmax:.1}) | {count} |"
        );
    }
    sim.shutdown().await;
}
