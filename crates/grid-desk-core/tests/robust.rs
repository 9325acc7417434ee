//! Issue 10, app side: files with one owner (a second Grid Desk is refused and never writes
//! over the first), unreadable files set aside with a notice, and cancellable listings.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use grid_desk_core::accounts::{CancelListingRequest, PlatformAccountsRequest};
use grid_desk_core::connections::SaveConnectionRequest;
use grid_desk_core::error::UiCode;
use grid_desk_core::keychain::MemoryStore;
use grid_desk_core::{DeskOptions, GridDesk};
use grid_sim::control::{Fault, SimControl};

fn desk_in(dir: &Path, store: Arc<MemoryStore>) -> GridDesk {
    GridDesk::new(DeskOptions::new(
        dir.join("config"),
        dir.join("data"),
        store,
    ))
}

fn connection(name: &str) -> SaveConnectionRequest {
    SaveConnectionRequest {
        name: name.to_owned(),
        environment: "sandbox".to_owned(),
        token_id: Some(grid_client::Secret::new("tok")),
        client_secret: Some(grid_client::Secret::new("sec")),
        ..SaveConnectionRequest::default()
    }
}

#[tokio::test]
async fn a_second_grid_desk_is_refused_and_never_writes_over_the_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(MemoryStore::new());
    let first = desk_in(dir.path(), store.clone());
    first
        .connections
        .save(connection("Treasury"))
        .await
        .expect("the first app saves");
    first.demo.ensure().await.expect("the first demo runs");

    let second = desk_in(dir.path(), store.clone());
    let notices = second.notices.list();
    let pid = format!("another Grid Desk (pid {})", std::process::id());
    assert!(
        notices.iter().any(|n| n.message.contains(&pid)),
        "the second app is told who owns the settings: {notices:?}"
    );
    let err = second
        .connections
        .save(connection("Lost"))
        .await
        .expect_err("the second app must not write");
    assert!(err.message.contains(&pid), "{}", err.message);
    let err = second
        .demo
        .ensure()
        .await
        .expect_err("the demo data is owned");
    assert!(err.message.contains(&pid), "{}", err.message);
    assert!(err.message.contains("demo"), "{}", err.message);

    first.shutdown().await;
    drop((first, second));
    let again = desk_in(dir.path(), store);
    let names: Vec<_> = again
        .connections
        .app_state()
        .await
        .expect("state")
        .connections
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert!(names.contains(&"Treasury".to_owned()), "{names:?}");
    assert!(!names.contains(&"Lost".to_owned()), "{names:?}");
}

#[tokio::test]
async fn unreadable_settings_and_demo_data_are_kept_aside_and_the_window_is_told() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("config dir");
    std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
    std::fs::write(
        dir.path().join("config/connections.json"),
        b"{\"connections\": [trunc",
    )
    .expect("damaged settings");
    std::fs::write(
        dir.path().join("data/demo-state.json"),
        b"not the demo's data",
    )
    .expect("damaged demo");

    let desk = desk_in(dir.path(), Arc::new(MemoryStore::new()));
    desk.demo.ensure().await.expect("the demo starts afresh");
    let accounts = desk
        .accounts
        .list_platform(PlatformAccountsRequest::default())
        .await
        .expect("the demo lists");
    assert!(!accounts.is_empty());

    let notices = desk.notices.list();
    assert_eq!(notices.len(), 2, "{notices:?}");
    for (notice, name, damaged) in [
        (
            &notices[0],
            "connections.json.unreadable-",
            &b"{\"connections\": [trunc"[..],
        ),
        (
            &notices[1],
            "demo-state.json.unreadable-",
            &b"not the demo's data"[..],
        ),
    ] {
        let path = notice.path.as_deref().expect("names the copy");
        assert!(path.contains(name), "{path}");
        assert!(notice.message.contains(path), "{}", notice.message);
        assert_eq!(std::fs::read(path).expect("the copy is kept"), damaged);
    }
}

#[tokio::test]
async fn a_slow_listing_can_be_cancelled_and_answers_cancelled_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = Arc::new(desk_in(dir.path(), Arc::new(MemoryStore::new())));
    let base = desk.demo.ensure().await.expect("demo");
    SimControl::new(
        &base,
        grid_sim::DEFAULT_CLIENT_ID,
        grid_sim::DEFAULT_CLIENT_SECRET,
    )
    .arm(Fault::Latency { latency_ms: 20_000 })
    .await
    .expect("armed");

    let listing = {
        let desk = Arc::clone(&desk);
        tokio::spawn(async move {
            desk.accounts
                .list_platform(PlatformAccountsRequest {
                    listing_id: Some("platform-1".into()),
                    ..PlatformAccountsRequest::default()
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    assert!(desk.accounts.cancel_listing(CancelListingRequest {
        listing_id: "platform-1".into()
    }));
    let err = tokio::time::timeout(Duration::from_secs(5), listing)
        .await
        .expect("the cancelled listing ends at once")
        .expect("joined")
        .expect_err("cancelled");
    assert_eq!(err.code, UiCode::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        !desk.accounts.cancel_listing(CancelListingRequest {
            listing_id: "platform-1".into()
        }),
        "a listing that ended is not running any more"
    );
    // The next listing is not affected.
    let accounts = desk
        .accounts
        .list_platform(PlatformAccountsRequest {
            listing_id: Some("platform-2".into()),
            ..PlatformAccountsRequest::default()
        })
        .await
        .expect("lists again");
    assert!(!accounts.is_empty());
}

/// Set in the child process of the two-process test: hold the settings file of this folder.
const HOLD_ENV: &str = "GRID_DESK_TEST_HOLD_SETTINGS";

/// The child: owns the settings file, saves one connection, says so, and keeps the file until
/// its stdin closes.
fn hold_settings(dir: &str) {
    use grid_desk_core::settings::{
        ConnectionSettings, ConnectionsConfig, ConnectionsFile, Environment,
    };
    use std::io::Read as _;
    let file = ConnectionsFile::in_dir(Path::new(dir));
    let mut config = ConnectionsConfig::default();
    config.upsert(ConnectionSettings {
        id: "held".into(),
        name: "Held by the other process".into(),
        environment: Environment::Sandbox,
        base_url: grid_client::DEFAULT_BASE_URL.into(),
    });
    file.save(&config).expect("the holder saves");
    // The parent reads this line from the child's stdout.
    #[allow(clippy::print_stdout)]
    {
        println!("holding settings");
    }
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
}

#[test]
fn settings_owned_by_another_process_are_refused_with_its_pid() {
    use grid_desk_core::settings::{ConnectionsConfig, ConnectionsFile};
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};
    if let Ok(dir) = std::env::var(HOLD_ENV) {
        hold_settings(&dir);
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "settings_owned_by_another_process_are_refused_with_its_pid",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLD_ENV, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the other process");
    let stdout = child.stdout.take().expect("its stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("holding settings"))),
        "the other process took the settings file"
    );

    let file = ConnectionsFile::in_dir(dir.path());
    let refused = file.load().in_use.expect("owned by the other process");
    let by = format!("another Grid Desk (pid {})", child.id());
    assert!(refused.message.contains(&by), "{}", refused.message);
    let err = file
        .save(&ConnectionsConfig::default())
        .expect_err("never writes over the owner");
    assert!(err.message.contains(&by), "{}", err.message);

    drop(child.stdin.take());
    assert!(child.wait().expect("the other process ends").success());
    let after = ConnectionsFile::in_dir(dir.path()).load();
    assert!(after.in_use.is_none());
    assert_eq!(
        after.config.connections.len(),
        1,
        "the owner's save survived"
    );
    assert_eq!(after.config.connections[0].id, "held");
}
