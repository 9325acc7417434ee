//! Warm start beside cold start in the real window (WebDriver under Xvfb, like the e2e tests):
//! from WebDriver's new-session request (which starts the app) to the first account card, on a
//! fresh profile (cold: the cards wait for Grid) and on the profile the cold run left (warm:
//! the last-known accounts from `journal.sqlite3`, "as of", while Grid is asked again), against
//! an external grid-sim whose first answer is held back by 0 ms or 2 s (a slow network or a busy
//! Grid). Prints figures; never passes or fails on time.
//!
//! `scripts/bench-warm` builds what it needs and runs this under Xvfb. `BENCH_WARM_RUNS`
//! (default 3) sets the runs per row; the app is `GRID_DESK_APP` (default the debug build).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::float_arithmetic)]

use std::time::{Duration, Instant};

use grid_desk_e2e::{tid, tools, App, Launch, Ready, SimProcess};
use grid_sim::control::Fault;
use serde_json::{json, Value};

const ID: &str = "bench-warm-id";
const SECRET: &str = "bench-warm-secret";

async fn first_card(
    sim: &SimProcess,
    name: &str,
    reuse: Option<std::path::PathBuf>,
    latency_ms: u64,
) -> (f64, bool, App) {
    if latency_ms > 0 {
        sim.api
            .control()
            .arm(Fault::Latency { latency_ms })
            .await
            .unwrap();
    }
    let binary = std::env::var_os("GRID_DESK_APP").map_or_else(|| tools().app.clone(), Into::into);
    let app = App::launch_binary(
        name,
        &binary,
        Launch {
            env: vec![
                ("GRID_CLIENT_ID".into(), ID.into()),
                ("GRID_CLIENT_SECRET".into(), SECRET.into()),
                ("GRID_BASE_URL".into(), sim.url.clone()),
                ("GRID_ENVIRONMENT".into(), "sandbox".into()),
            ],
            ready: Ready::Nothing,
            reuse_profile: reuse,
            ..Launch::default()
        },
    )
    .await;
    let selector = tid("account-card");
    let deadline = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        let found = app
            .client
            .execute(
                "return document.querySelector(arguments[0]) !== null;",
                vec![json!(selector)],
            )
            .await;
        if matches!(found, Ok(Value::Bool(true))) {
            break app.session_requested.elapsed();
        }
        assert!(
            Instant::now() < deadline,
            "{name}: no account card within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let as_of = app
        .js(
            "return document.getElementById('list-status').dataset.asOf != null;",
            vec![],
        )
        .await
        .as_bool()
        .unwrap_or(false);
    (seen.as_secs_f64() * 1000.0, as_of, app)
}

fn cell(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!(
        "{:.0} ms ({:.0}–{:.0})",
        v[v.len() / 2],
        v[0],
        v[v.len() - 1]
    )
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_WARM_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let sim = SimProcess::start(ID, SECRET, &[]);
    println!("| Grid's first answer held | cold start → first card | warm start → first card (as of) | warm cards marked \"as of\" |");
    println!("|---|---|---|---|");
    for latency in [0_u64, 2_000] {
        let (mut cold, mut warm, mut marked) = (Vec::new(), Vec::new(), 0);
        for run in 0..runs {
            let (ms, _, app) =
                first_card(&sim, &format!("bench-cold-{latency}-{run}"), None, latency).await;
            cold.push(ms);
            // Let the live list land (and be kept) before closing.
            tokio::time::sleep(Duration::from_millis(latency + 500)).await;
            let profile = app.shut_down().await;
            let (ms, as_of, app) = first_card(
                &sim,
                &format!("bench-warm-{latency}-{run}"),
                Some(profile.root.clone()),
                latency,
            )
            .await;
            warm.push(ms);
            marked += usize::from(as_of);
            tokio::time::sleep(Duration::from_millis(latency + 200)).await;
            let _ = app.shut_down().await;
            drop(profile);
        }
        println!(
            "| {latency} ms | {} | {} | {marked} of {runs} |",
            cell(cold),
            cell(warm)
        );
    }
}
