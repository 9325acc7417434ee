//! App benchmarks through the real window (WebDriver under Xvfb, like the e2e tests): cold start
//! to the first account card beside a bare Tauri window of the same build profile, peak memory
//! with 1,000 and 10,000 generated customer accounts loaded, scrolling frame times beside the
//! same list without the app's scripts, and the release binary sizes. Prints figures; never passes or fails on time.
//!
//! Run it with `scripts/bench-app` (builds the release binaries and sets up Xvfb). The binaries
//! come from `GRID_DESK_APP`, `BARE_WINDOW_APP` and `GRID_SIM_BIN`; `BENCH_APP_RUNS` (default 5)
//! sets the cold starts per binary (0 skips them), `BENCH_APP_SEEDS` (default `1000,10000`) the
//! list sizes and `BENCH_APP_FLING_FRAMES` (default 300) how long a fling lasts;
//! `BENCH_APP_CARDS=0` skips the card list (the table is always measured).
//!
//! The accounts table (issue 12) is measured in its own launch per list size: from opening the
//! customer tab (table view remembered) to every row loaded with the totals shown, 300 frames of
//! the wheel scroll through the table, and the peak memory of the app and its WebKit processes.
//! It ends with one line per list size, the largest last:
//! `bench-app: summary accounts=N load_all_ms=N scroll_p95_ms=N frames_over_250ms=N
//! peak_rss_mib=N bare_rss_mib=N start_ms=N bare_start_ms=N`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::float_arithmetic,
    clippy::cast_precision_loss
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use grid_desk_e2e::{tid, tools, App, Launch, ProcessMemory, Ready};
use serde_json::{json, Value};

const APP_MARKER: &str = "account-card";
const BARE_MARKER: &str = "bare-marker";

fn env_path(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| tools().target_dir.join(default))
}

/// One cold start: milliseconds from the new-session request to the marker, as WebDriver saw it
/// (polling every 10 ms) and as the page recorded it (`performance` mark or `domInteractive`).
#[derive(Debug, Clone, Copy)]
struct Start {
    seen_ms: f64,
    marked_ms: Option<f64>,
    /// Resident memory of the app and its WebKit processes once the marker was there.
    rss_kib: u64,
    /// Their peak resident memory (VmHWM) by then.
    peak_kib: u64,
}

async fn cold_start(binary: &Path, name: &str, marker: &str) -> Start {
    let mut app = App::launch_binary(
        name,
        binary,
        Launch {
            ready: Ready::Nothing,
            ..Launch::default()
        },
    )
    .await;
    let selector = tid(marker);
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
            "{name}: {selector} did not appear within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // The page's own record of the moment, on the wall clock.
    let marked = app
        .js(
            "const mark = performance.getEntriesByName('first-account-card')[0];
             const nav = performance.getEntriesByType('navigation')[0];
             const at = mark ? mark.startTime : arguments[0] ? null : nav && nav.domInteractive;
             return at == null ? null : performance.timeOrigin + at;",
            vec![json!(marker == APP_MARKER)],
        )
        .await
        .as_f64();
    let requested = app
        .session_requested_at
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0;
    let processes = app.processes();
    let rss_kib = processes.iter().map(|p| p.rss_kib).sum();
    let peak_kib = processes.iter().map(|p| p.peak_rss_kib).sum();
    let _ = app.shut_down().await;
    Start {
        seen_ms: seen.as_secs_f64() * 1000.0,
        marked_ms: marked.map(|at| at - requested),
        rss_kib,
        peak_kib,
    }
}

fn stats(mut samples: Vec<f64>) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    (
        samples[samples.len() / 2],
        samples[0],
        samples[samples.len() - 1],
    )
}

fn cell(samples: &[f64]) -> String {
    if samples.is_empty() {
        return "—".into();
    }
    let (median, min, max) = stats(samples.to_vec());
    format!("{median:.0} ms ({min:.0}–{max:.0})")
}

/// What one list size cost.
#[derive(Debug)]
struct Loaded {
    seed: usize,
    total: u64,
    load_all: Duration,
    wheel: Value,
    fling: Value,
    copy_wheel: Value,
    copy_fling: Value,
    dom: Value,
    processes: Vec<ProcessMemory>,
}

const LOAD_STEP: &str = "
    const list = document.querySelector('[data-testid=account-list]');
    list.scrollTop = list.scrollHeight;
    return {
      cards: Number(list.dataset.loaded || 0),
      status: document.querySelector('[data-testid=list-status]').textContent,
    };";

/// Scrolls the list `arguments[2]` down from the top, `arguments[0]` px per frame (0: 3/4 of a
/// screen) for at most `arguments[1]` frames or to the bottom, and records the gaps between
/// frames.
const SCROLL_START: &str = "
    const list = document.querySelector(arguments[2]);
    const result = { gaps: [], done: false };
    window.__gridDeskScrollBench = result;
    list.scrollTop = 0;
    const step = arguments[0] || Math.round(list.clientHeight * 0.75);
    const frames = arguments[1];
    let last = 0;
    const tick = (now) => {
      result.gaps.push(now - last);
      last = now;
      if (result.gaps.length >= frames
          || list.scrollTop + list.clientHeight >= list.scrollHeight - 2) {
        result.done = true;
        return;
      }
      list.scrollTop += step;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame((now) => { last = now; requestAnimationFrame(tick); });
    return true;";

const SCROLL_RESULT: &str = "
    const r = window.__gridDeskScrollBench;
    if (!r.done) return null;
    const gaps = r.gaps.slice().sort((a, b) => a - b);
    const at = (q) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))];
    return {
      frames: gaps.length,
      seconds: r.gaps.reduce((a, b) => a + b, 0) / 1000,
      p50: at(0.5), p95: at(0.95), p99: at(0.99), max: gaps[gaps.length - 1],
      over50: gaps.filter((g) => g > 50).length,
      over250: gaps.filter((g) => g > 250).length,
    };";

const DOM_STATS: &str = "
    return {
      loaded: Number(document.querySelector('[data-testid=account-list]').dataset.loaded || 0),
      cards: document.querySelectorAll('[data-testid=account-card]').length,
      parkedChunks: document.querySelectorAll('.chunk[data-parked=true]').length,
      hydrated: document.querySelectorAll('[data-testid=account-card][data-hydrated=true]').length,
      elements: document.getElementsByTagName('*').length,
      qrSvgs: document.querySelectorAll('[data-testid=qr] svg').length,
    };";

/// The same list without Grid Desk's scripts: a deep copy of the loaded list put in its place
/// (the observers and handlers stay with the original), so scrolling it costs only WebKit's
/// style, layout and paint of the same elements — the practical limit for this DOM.
const CLONE_LIST: &str = "
    const list = document.querySelector('[data-testid=account-list]');
    const copy = list.cloneNode(true);
    copy.dataset.testid = 'bench-copy';
    list.replaceWith(copy);
    return true;";

const LIST: &str = "[data-testid=account-list]";
const COPY: &str = "[data-testid=bench-copy]";
const WHEEL_STEP: u64 = 120;
const WHEEL_FRAMES: u64 = 300;
/// A fling goes on for this many frames (`BENCH_APP_FLING_FRAMES`) or to the end of the list.
fn fling_frames() -> u64 {
    std::env::var("BENCH_APP_FLING_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

async fn scroll(app: &App, list: &str, step: u64, frames: u64) -> Value {
    app.js(SCROLL_START, vec![json!(step), json!(frames), json!(list)])
        .await;
    loop {
        let result = app.js(SCROLL_RESULT, vec![]).await;
        if !result.is_null() {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn frames(s: &Value) -> String {
    let f = |k: &str| s[k].as_f64().unwrap_or(f64::NAN);
    format!(
        "{:.0} / {:.0} / {:.0} ms; {} / {} ({} frames)",
        f("p50"),
        f("p95"),
        f("max"),
        s["over50"],
        s["over250"],
        s["frames"],
    )
}

async fn load_everything(seed: usize) -> Loaded {
    let mut app = App::launch_with(
        &format!("bench-rss-{seed}"),
        Launch {
            env: vec![("GRID_DESK_DEMO_SEED_ACCOUNTS".into(), seed.to_string())],
            ..Launch::default()
        },
    )
    .await;
    let first = app.demo.get("/customers/internal-accounts?limit=1").await;
    let total = first["totalCount"].as_u64().unwrap();
    app.click("tab-customers").await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(900);
    loop {
        let step = app.js(LOAD_STEP, vec![]).await;
        let cards = step["cards"].as_u64().unwrap_or(0);
        let status = step["status"].as_str().unwrap_or("").to_owned();
        if cards >= total && !status.contains("loading") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{seed}: only {cards} of {total} cards after 15 minutes ({status})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let load_all = started.elapsed();
    let _ = app.snap(&format!("bench-loaded-{seed}")).await;

    // Like a mouse wheel (cards fill in as they pass), then flung to the end.
    let wheel = scroll(&app, LIST, WHEEL_STEP, WHEEL_FRAMES).await;
    let fling = scroll(&app, LIST, 0, fling_frames()).await;
    // Let the list settle: cards near the view fill in, the rest stay or become shells.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let _ = app.snap(&format!("bench-scrolled-{seed}")).await;
    let dom = app.js(DOM_STATS, vec![]).await;
    let processes = app.processes();
    // The baseline: the same elements without the app's scripts.
    app.js(CLONE_LIST, vec![]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let copy_wheel = scroll(&app, COPY, WHEEL_STEP, WHEEL_FRAMES).await;
    let copy_fling = scroll(&app, COPY, 0, fling_frames()).await;
    let _ = app.shut_down().await;
    Loaded {
        seed,
        total,
        load_all,
        wheel,
        fling,
        copy_wheel,
        copy_fling,
        dom,
        processes,
    }
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

fn size(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => format!("{} bytes ({:.1} MB)", m.len(), m.len() as f64 / 1_000_000.0),
        Err(e) => format!("unreadable ({e})"),
    }
}

/// The accounts table with every page loaded (issue 12).
#[derive(Debug)]
struct TableRun {
    total: u64,
    load_all: Duration,
    wheel: Value,
    processes: Vec<ProcessMemory>,
    dom: Value,
}

const TABLE_STATE: &str = "
    const view = document.querySelector('[data-testid=table-view]');
    return {
      hidden: view.hidden,
      loading: view.dataset.loading,
      loaded: Number(view.dataset.loaded || 0),
      rows: document.querySelectorAll('#table-body tr.trow:not([hidden])').length,
      totals: document.querySelectorAll('#totals-list li').length,
      elements: document.getElementsByTagName('*').length,
    };";

const TABLE: &str = "[data-testid=table-scroll]";

/// Polls until the table shows every one of `total` rows' listing loaded and the totals.
async fn table_loaded(app: &App, total: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let s = app.js(TABLE_STATE, vec![]).await;
        if s["hidden"] == json!(false)
            && s["loading"] == json!("false")
            && s["loaded"].as_u64() == Some(total)
            && s["rows"].as_u64().unwrap_or(0) > 0
            && s["totals"].as_u64().unwrap_or(0) > 0
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: the table did not load: {s}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn table_run(seed: usize) -> TableRun {
    let mut app = App::launch_with(
        &format!("bench-table-{seed}"),
        Launch {
            env: vec![("GRID_DESK_DEMO_SEED_ACCOUNTS".into(), seed.to_string())],
            ..Launch::default()
        },
    )
    .await;
    let first = app.demo.get("/customers/internal-accounts?limit=1").await;
    let total = first["totalCount"].as_u64().unwrap();
    // Choose the table once (remembered), as a person would, then come back to the tab.
    app.click("tab-customers").await;
    app.click("view-table").await;
    table_loaded(&app, total, "first load").await;
    app.click("tab-platform").await;
    app.find(APP_MARKER).await;
    let started = Instant::now();
    app.click("tab-customers").await;
    table_loaded(&app, total, "reopened").await;
    let load_all = started.elapsed();
    let _ = app.snap(&format!("bench-table-loaded-{seed}")).await;
    let wheel = scroll(&app, TABLE, WHEEL_STEP, WHEEL_FRAMES).await;
    let _ = app.snap(&format!("bench-table-scrolled-{seed}")).await;
    let dom = app.js(TABLE_STATE, vec![]).await;
    let processes = app.processes();
    let _ = app.shut_down().await;
    TableRun {
        total,
        load_all,
        wheel,
        processes,
        dom,
    }
}

/// Medians of the cold starts, for the summary line.
#[derive(Debug, Clone, Copy, Default)]
struct StartSummary {
    app_ms: Option<f64>,
    bare_ms: Option<f64>,
    bare_peak_kib: Option<u64>,
}

/// Cold starts of both binaries, interleaved, with one uncounted warm-up each.
async fn cold_starts(runs: usize, app_bin: &Path, bare_bin: &Path) -> StartSummary {
    // One start of each first, not counted: it fills the OS file cache for both.
    let _ = cold_start(bare_bin, "bench-bare-warmup", BARE_MARKER).await;
    let _ = cold_start(app_bin, "bench-app-warmup", APP_MARKER).await;
    let (mut bare, mut app) = (Vec::new(), Vec::new());
    for i in 0..runs {
        // Interleaved, so a noisy moment on a shared machine hits both.
        bare.push(cold_start(bare_bin, &format!("bench-bare-{i}"), BARE_MARKER).await);
        app.push(cold_start(app_bin, &format!("bench-app-{i}"), APP_MARKER).await);
    }
    let seen = |s: &[Start]| s.iter().map(|s| s.seen_ms).collect::<Vec<_>>();
    let marked = |s: &[Start]| s.iter().filter_map(|s| s.marked_ms).collect::<Vec<_>>();
    let rss = |s: &[Start]| {
        let (median, _, _) = stats(s.iter().map(|s| s.rss_kib as f64).collect());
        mib(median as u64)
    };
    println!(
        "Cold start, new-session request -> marker ({runs} runs each, median (min–max), fresh \
         profile); RSS of the app and its WebKit processes at that moment (median)"
    );
    println!("| binary | seen by WebDriver | recorded by the page | RSS |");
    println!("|---|---|---|---|");
    println!(
        "| bare Tauri window (marker parsed) | {} | {} | {} |",
        cell(&seen(&bare)),
        cell(&marked(&bare)),
        rss(&bare)
    );
    println!(
        "| Grid Desk (first account card) | {} | {} | {} |",
        cell(&seen(&app)),
        cell(&marked(&app)),
        rss(&app)
    );
    let (app_median, _, _) = stats(seen(&app));
    let (bare_median, _, _) = stats(seen(&bare));
    println!(
        "Grid Desk adds {:.0} ms to the bare window's start (medians, seen by WebDriver).",
        app_median - bare_median
    );
    println!();
    let (bare_peak, _, _) = stats(bare.iter().map(|s| s.peak_kib as f64).collect());
    StartSummary {
        app_ms: Some(app_median),
        bare_ms: Some(bare_median),
        bare_peak_kib: Some(bare_peak as u64),
    }
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::var("BENCH_APP_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let seeds: Vec<usize> = std::env::var("BENCH_APP_SEEDS")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let app_bin = tools().app.clone();
    let bare_bin = env_path("BARE_WINDOW_APP", "release/bare-window");

    println!("Grid Desk app benchmark (WebDriver under Xvfb)");
    println!("  app:  {}", app_bin.display());
    println!("  bare: {}", bare_bin.display());
    println!();

    let starts = if runs > 0 {
        cold_starts(runs, &app_bin, &bare_bin).await
    } else {
        StartSummary::default()
    };

    let fling = fling_frames();
    let cards = std::env::var("BENCH_APP_CARDS").map_or(true, |v| v != "0");
    let mut rows = Vec::new();
    let mut tables = Vec::new();
    for &seed in &seeds {
        tables.push(table_run(seed).await);
        if cards {
            rows.push(load_everything(seed).await);
        }
    }
    println!(
        "Customer accounts tab with every page loaded: memory of the app and its WebKit processes \
         (peak resident set, VmHWM)"
    );
    println!(
        "| accounts | load all pages | peak RSS total | WebKitWebProcess | app process | other | \
         cards on the page (complete) of loaded | parked chunks | DOM elements |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for loaded in &rows {
        let peak = |pred: &dyn Fn(&ProcessMemory) -> bool| {
            loaded
                .processes
                .iter()
                .filter(|p| pred(p))
                .map(|p| p.peak_rss_kib)
                .sum::<u64>()
        };
        let total = peak(&|_| true);
        let web = peak(&|p| p.name.starts_with("WebKitWebProc"));
        let app_proc = loaded.processes.first().map_or(0, |p| p.peak_rss_kib);
        let other = total.saturating_sub(web + app_proc);
        println!(
            "| {} ({} generated) | {:.1} s | {} | {} | {} | {} | {} ({}) of {} | {} | {} |",
            loaded.total,
            loaded.seed,
            loaded.load_all.as_secs_f64(),
            mib(total),
            mib(web),
            mib(app_proc),
            mib(other),
            loaded.dom["cards"],
            loaded.dom["hydrated"],
            loaded.dom["loaded"],
            loaded.dom["parkedChunks"],
            loaded.dom["elements"],
        );
    }
    for loaded in &rows {
        for p in &loaded.processes {
            println!(
                "    {} accounts: pid {} {:<16} peak {:>9} KiB  now {:>9} KiB",
                loaded.total, p.pid, p.name, p.peak_rss_kib, p.rss_kib
            );
        }
    }
    println!();
    println!(
        "Scrolling the loaded list from the top: wheel = {WHEEL_FRAMES} frames at {WHEEL_STEP} px \
         per frame; fling = {fling} frames (or to the end) at 3/4 of a screen per frame. Gaps \
         between frames p50 / p95 / max; frames over 50 ms / over 250 ms. \"Same DOM, no \
         scripts\" scrolls a copy of the same list without the app's scripts: WebKit's own cost."
    );
    println!("| accounts | list | wheel | fling |");
    println!("|---|---|---|---|");
    for loaded in &rows {
        println!(
            "| {} | Grid Desk | {} | {} |",
            loaded.total,
            frames(&loaded.wheel),
            frames(&loaded.fling)
        );
        println!(
            "| {} | same DOM, no scripts | {} | {} |",
            loaded.total,
            frames(&loaded.copy_wheel),
            frames(&loaded.copy_fling)
        );
    }
    println!();
    println!("Release binary size (stripped, thin LTO)");
    println!("| binary | size |");
    println!("|---|---|");
    println!("| grid-desk | {} |", size(&app_bin));
    println!("| bare-window | {} |", size(&bare_bin));
    println!();
    print_tables(&tables, starts);
}

/// The accounts table's figures, then one summary line per list size (largest last).
fn print_tables(tables: &[TableRun], starts: StartSummary) {
    println!(
        "Accounts table (customer tab, table view): open the tab -> every row loaded with totals \
         shown; wheel = {WHEEL_FRAMES} frames at {WHEEL_STEP} px per frame through the table; \
         peak RSS of the app and its WebKit processes (VmHWM)"
    );
    println!("| accounts | load all + totals | wheel p50 / p95 / max; >50 / >250 ms | peak RSS | WebKitWebProcess | DOM elements |");
    println!("|---|---|---|---|---|---|");
    for t in tables {
        let total: u64 = t.processes.iter().map(|p| p.peak_rss_kib).sum();
        let web: u64 = t
            .processes
            .iter()
            .filter(|p| p.name.starts_with("WebKitWebProc"))
            .map(|p| p.peak_rss_kib)
            .sum();
        println!(
            "| {} | {:.0} ms | {} | {} | {} | {} |",
            t.total,
            t.load_all.as_secs_f64() * 1000.0,
            frames(&t.wheel),
            mib(total),
            mib(web),
            t.dom["elements"],
        );
    }
    println!();
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
    let mut sorted: Vec<&TableRun> = tables.iter().collect();
    sorted.sort_by_key(|t| t.total);
    for t in sorted {
        let peak: u64 = t.processes.iter().map(|p| p.peak_rss_kib).sum();
        println!(
            "bench-app: summary accounts={} load_all_ms={:.0} scroll_p95_ms={:.0} frames_over_250ms={} peak_rss_mib={:.0} bare_rss_mib={} start_ms={} bare_start_ms={}",
            t.total,
            t.load_all.as_secs_f64() * 1000.0,
            t.wheel["p95"].as_f64().unwrap_or(f64::NAN),
            t.wheel["over250"],
            peak as f64 / 1024.0,
            opt(starts.bare_peak_kib.map(|k| k as f64 / 1024.0)),
            opt(starts.app_ms),
            opt(starts.bare_ms),
        );
    }
}
