//! Harness for the end-to-end tests of the real Grid Desk window.
//!
//! Every [`App`] is one launch of the real `grid-desk` binary, driven through WebDriver:
//! its own `tauri-driver` (which spawns `WebKitWebDriver`, which spawns the app) on free loopback
//! ports, its own throw-away HOME / XDG directories, its own in-app demo simulator port, and its
//! stdout/stderr captured in files so tests can scan them. Everything it started is killed when it
//! is dropped, panic or not.
//!
//! Missing prerequisites (tauri-driver, WebKitWebDriver, the app binary, a display) make the tests
//! fail with a message saying how to get them: these tests never pass by skipping.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// What a probe passed to [`App::wait_for`] returns: `Ok(None)` means "not yet".
pub type Probe<T> = Result<Option<T>, Box<dyn std::error::Error + Send + Sync>>;

/// Credentials of the simulator the app runs in-process for its offline demo.
pub const DEMO_CLIENT_ID: &str = grid_sim::DEFAULT_CLIENT_ID;
pub const DEMO_CLIENT_SECRET: &str = grid_sim::DEFAULT_CLIENT_SECRET;

/// How long a UI step may take before the test fails.
pub const STEP: Duration = Duration::from_secs(15);
/// Start-up of the app under WebDriver (first WebKit start in a fresh profile is slow).
const LAUNCH: Duration = Duration::from_secs(60);

/// One test at a time, whatever `--test-threads` says: they share the X display and its
/// clipboard, and two WebKit processes on two cores only make every timeout flaky.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The binaries the tests need, found once.
#[derive(Debug)]
pub struct Tools {
    pub tauri_driver: PathBuf,
    pub webkit_driver: PathBuf,
    pub app: PathBuf,
    pub sim: PathBuf,
    pub target_dir: PathBuf,
}

/// The workspace's target directory (`CARGO_TARGET_DIR` when set, relative to the workspace).
fn target_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().unwrap_or(workspace);
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace.join(dir),
        _ => workspace.join("target"),
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Finds every prerequisite or fails with one message listing all that are missing.
pub fn tools() -> &'static Tools {
    static TOOLS: OnceLock<Tools> = OnceLock::new();
    TOOLS.get_or_init(|| {
        let mut missing = Vec::new();
        let cargo_bin = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .map(|home| home.join("bin/tauri-driver"));
        let tauri_driver = on_path("tauri-driver")
            .or_else(|| cargo_bin.filter(|p| is_executable(p)))
            .unwrap_or_else(|| {
                missing.push(
                    "tauri-driver (not on PATH nor in ~/.cargo/bin): \
                     cargo install tauri-driver --locked --version ^2"
                        .to_owned(),
                );
                PathBuf::new()
            });
        let webkit_driver = on_path("WebKitWebDriver")
            .or_else(|| {
                let debian = PathBuf::from("/usr/bin/WebKitWebDriver");
                is_executable(&debian).then_some(debian)
            })
            .unwrap_or_else(|| {
                missing.push(
                    "WebKitWebDriver: apt-get install webkit2gtk-driver (or run scripts/install-deps)"
                        .to_owned(),
                );
                PathBuf::new()
            });
        let target_dir = target_dir();
        let binary = |var: &str, name: &str, package: &str, missing: &mut Vec<String>| {
            let path = std::env::var_os(var)
                .map(PathBuf::from)
                .unwrap_or_else(|| target_dir.join("debug").join(name));
            if !is_executable(&path) {
                missing.push(format!(
                    "{name} binary at {} (build it with `cargo build -p {package}`, or set {var})",
                    path.display()
                ));
            }
            path
        };
        let app = binary("GRID_DESK_APP", "grid-desk", "grid-desk", &mut missing);
        let sim = binary("GRID_SIM_BIN", "grid-sim", "grid-sim", &mut missing);
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            missing.push(
                "an X display (DISPLAY is not set): run the suite under `xvfb-run -a`, \
                 as scripts/e2e does"
                    .to_owned(),
            );
        }
        assert!(
            missing.is_empty(),
            "end-to-end prerequisites missing — these tests drive the real window and cannot \
             run without them (scripts/e2e sets everything up):\n  - {}",
            missing.join("\n  - ")
        );
        Tools {
            tauri_driver,
            webkit_driver,
            app,
            sim,
            target_dir,
        }
    })
}

/// Fails clearly when no D-Bus session (and so no Secret Service keychain) is available.
pub fn require_keychain() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty()),
        "this test saves a connection, which needs a Secret Service keychain: run it inside \
         `dbus-run-session` with an unlocked gnome-keyring, as scripts/e2e does"
    );
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0 to find a port");
    listener
        .local_addr()
        .expect("reading the bound port")
        .port()
}

fn wait_port(port: u16, deadline: Instant) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A child started in its own process group; dropping it ends the whole group (the driver,
/// WebKitWebDriver and the app it launched), gently first.
#[derive(Debug)]
pub struct Group {
    child: Child,
    what: String,
}

impl Group {
    pub fn spawn(mut command: Command, what: &str) -> Self {
        command.process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {what}: {e}"));
        Self {
            child,
            what: what.to_owned(),
        }
    }

    fn pgid(&self) -> String {
        format!("-{}", self.child.id())
    }

    fn signal(&self, signal: &str) -> bool {
        Command::new("kill")
            .args([signal, "--", &self.pgid()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The live (non-zombie) processes of the group, as `pid command` lines.
    fn members(&mut self) -> Vec<String> {
        let _ = self.child.try_wait();
        let pgid = self.child.id().to_string();
        let listing = Command::new("ps")
            .args(["-e", "-o", "pgid=,stat=,pid=,args="])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        listing
            .lines()
            .filter_map(|line| {
                let mut parts = line.split_whitespace();
                let (group, stat) = (parts.next()?, parts.next()?);
                (group == pgid && !stat.starts_with('Z'))
                    .then(|| parts.collect::<Vec<_>>().join(" "))
            })
            .collect()
    }

    fn alive(&mut self) -> bool {
        !self.members().is_empty()
    }

    /// Whether the group leader has exited, and how.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn stop(&mut self) {
        if !self.alive() {
            return;
        }
        self.signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        while self.alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if self.alive() {
            let left = self.members();
            eprintln!(
                "[e2e] {} did not stop within 3 s of SIGTERM: killing what is left: {left:?}",
                self.what
            );
            self.signal("-KILL");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A throw-away HOME with the XDG directories inside it, plus a `logs` directory beside it.
/// Kept (and its path printed) when the test failed.
#[derive(Debug)]
pub struct Profile {
    dir: Option<tempfile::TempDir>,
    pub root: PathBuf,
    pub home: PathBuf,
    pub logs: PathBuf,
}

impl Profile {
    pub fn new(name: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("grid-desk-e2e-{name}-"))
            .tempdir()
            .expect("creating a temporary profile directory");
        let root = dir.path().to_path_buf();
        let home = root.join("home");
        let logs = root.join("logs");
        for sub in [".config", ".local/share", ".cache"] {
            fs::create_dir_all(home.join(sub)).expect("creating the XDG directories");
        }
        fs::create_dir_all(&logs).expect("creating the log directory");
        Self {
            dir: Some(dir),
            root,
            home,
            logs,
        }
    }

    /// The profile of an earlier launch (kept alive by its owner), for a restart on the same
    /// settings, journal and keychain entries.
    pub fn reuse(root: &Path) -> Self {
        Self {
            dir: None,
            root: root.to_path_buf(),
            home: root.join("home"),
            logs: root.join("logs"),
        }
    }

    /// HOME and the XDG variables, all pointing inside the profile.
    pub fn env(&self) -> Vec<(String, PathBuf)> {
        vec![
            ("HOME".into(), self.home.clone()),
            ("XDG_CONFIG_HOME".into(), self.home.join(".config")),
            ("XDG_DATA_HOME".into(), self.home.join(".local/share")),
            ("XDG_CACHE_HOME".into(), self.home.join(".cache")),
        ]
    }

    pub fn log(&self, name: &str) -> String {
        fs::read(self.logs.join(name))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                eprintln!(
                    "[e2e] kept the profile and logs of the failed test: {}",
                    kept.display()
                );
            }
        }
    }
}

/// How a launch is considered ready.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Ready {
    /// The first account card is on screen.
    #[default]
    AccountCard,
    /// The error banner is on screen.
    ErrorBanner,
    /// Nothing: the caller waits for what it needs (the app benchmark times it).
    Nothing,
}

/// Options of one launch.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// Extra environment of the app (e.g. `GRID_CLIENT_ID`).
    pub env: Vec<(String, String)>,
    pub ready: Ready,
    /// Runs on the fresh profile before the app starts (e.g. plants a damaged settings file).
    pub prepare: Option<fn(&Profile)>,
    /// Keep the size the app opens with (the remembered one) instead of the tests' 1280×900.
    pub keep_window_size: bool,
    /// Start on this earlier profile's root (see [`Profile::reuse`]) instead of a fresh one.
    pub reuse_profile: Option<PathBuf>,
}

/// Variables passed through from the test's environment; everything else is cleared so a
/// developer's GRID_* variables or profile never reach the app.
const PASS_THROUGH: &[&str] = &[
    "PATH",
    "DISPLAY",
    "XAUTHORITY",
    "DBUS_SESSION_BUS_ADDRESS",
    "XDG_RUNTIME_DIR",
    "LANG",
    "LC_ALL",
    "RUST_LOG",
    "RUST_BACKTRACE",
    "LIBGL_ALWAYS_SOFTWARE",
    "WEBKIT_DISABLE_COMPOSITING_MODE",
    "WEBKIT_DISABLE_DMABUF_RENDERER",
];

/// The `[data-testid=…]` selector.
pub fn tid(id: &str) -> String {
    format!(r#"[data-testid="{id}"]"#)
}

/// One running app window under WebDriver.
#[derive(Debug)]
pub struct App {
    pub client: Client,
    /// Test name, used for screenshots.
    pub name: String,
    /// The in-app demo simulator (at `GRID_DESK_DEMO_ADDR`).
    pub demo: SimApi,
    // Declared before `profile` so the processes are gone before the profile is kept/removed.
    driver: Group,
    pub profile: Profile,
    /// When the WebDriver new-session request (which starts the app) was sent.
    pub session_requested: Instant,
    /// The same moment on the wall clock, to compare with the page's `performance.timeOrigin`.
    pub session_requested_at: std::time::SystemTime,
    _serial: tokio::sync::MutexGuard<'static, ()>,
}

impl App {
    /// Launches the app on its offline demo with a fresh profile.
    pub async fn launch(name: &str) -> Self {
        Self::launch_with(name, Launch::default()).await
    }

    pub async fn launch_with(name: &str, launch: Launch) -> Self {
        Self::launch_binary(name, &tools().app, launch).await
    }

    /// Launches another Tauri binary the same way (the benchmark's bare window).
    pub async fn launch_binary(name: &str, binary: &Path, launch: Launch) -> Self {
        let profile = match &launch.reuse_profile {
            Some(root) => Profile::reuse(root),
            None => Profile::new(name),
        };
        Self::launch_binary_in(name, binary, profile, launch).await
    }

    /// Launches the app again on a profile a previous run left (see [`App::shut_down`]): a
    /// restart, with everything it remembered.
    pub async fn launch_again(name: &str, profile: Profile, launch: Launch) -> Self {
        Self::launch_binary_in(name, &tools().app, profile, launch).await
    }

    /// The environment the app gets (the pass-through variables and the profile's): for a
    /// second process of the app started by a test itself.
    pub fn app_env(&self) -> Vec<(String, std::ffi::OsString)> {
        let mut env: Vec<(String, std::ffi::OsString)> = PASS_THROUGH
            .iter()
            .filter_map(|var| std::env::var_os(var).map(|v| ((*var).to_owned(), v)))
            .collect();
        env.extend(self.profile.env().into_iter().map(|(k, v)| (k, v.into())));
        env.push(("NO_AT_BRIDGE".into(), "1".into()));
        env
    }

    async fn launch_binary_in(name: &str, binary: &Path, profile: Profile, launch: Launch) -> Self {
        let serial = ONE_AT_A_TIME.lock().await;
        let tools = tools();
        if let Some(prepare) = launch.prepare {
            prepare(&profile);
        }
        let (driver_port, native_port, demo_port) = loop {
            let ports = (free_port(), free_port(), free_port());
            if ports.0 != ports.1 && ports.1 != ports.2 && ports.0 != ports.2 {
                break ports;
            }
        };
        let demo_addr = format!("127.0.0.1:{demo_port}");

        // WebKitWebDriver discards the browser's stdout; a wrapper keeps both streams of the
        // real binary (it `exec`s it, so the process WebDriver talks to is the app itself).
        let wrapper = profile.root.join("grid-desk");
        let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
        fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec {} \"$@\" >>{} 2>>{}\n",
                quote(binary),
                quote(&profile.logs.join("app.stdout")),
                quote(&profile.logs.join("app.stderr")),
            ),
        )
        .expect("writing the app wrapper");
        fs::set_permissions(&wrapper, fs::Permissions::from_mode(0o755))
            .expect("making the app wrapper executable");

        let log = File::create(profile.logs.join("driver.log")).expect("creating driver.log");
        let mut command = Command::new(&tools.tauri_driver);
        command
            .arg("--port")
            .arg(driver_port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .arg("--native-driver")
            .arg(&tools.webkit_driver)
            .current_dir(&profile.root)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cloning the log handle"))
            .stderr(log);
        for var in PASS_THROUGH {
            if let Some(value) = std::env::var_os(var) {
                command.env(var, value);
            }
        }
        for (key, value) in profile.env() {
            command.env(key, value);
        }
        command.env("GRID_DESK_DEMO_ADDR", &demo_addr);
        // No accessibility bus: it only slows GTK's start under Xvfb.
        command.env("NO_AT_BRIDGE", "1");
        // Amounts as the tests read them, whatever the machine's locale (a test may override).
        command.env("GRID_DESK_LOCALE", "en-US");
        for (key, value) in &launch.env {
            command.env(key, value);
        }
        let mut driver = Group::spawn(command, "tauri-driver");

        let deadline = Instant::now() + Duration::from_secs(20);
        for port in [driver_port, native_port] {
            if !wait_port(port, deadline) {
                let status = driver.exited();
                panic!(
                    "tauri-driver did not open port {port} within 20 s (exit status: {status:?}); \
                     its log:\n{}",
                    profile.log("driver.log")
                );
            }
        }

        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": wrapper }));
        let url = format!("http://127.0.0.1:{driver_port}");
        let session_requested = Instant::now();
        let session_requested_at = std::time::SystemTime::now();
        let connect = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&url)
            .await;
        let client = match connect {
            Ok(client) => client,
            Err(e) => panic!(
                "WebDriver could not start the app {}: {e}\n--- driver.log\n{}\n--- app.stderr\n{}",
                binary.display(),
                profile.log("driver.log"),
                profile.log("app.stderr"),
            ),
        };
        // A known size keeps screenshots comparable; not every driver allows it.
        if !launch.keep_window_size {
            let _ = client.set_window_size(1280, 900).await;
        }

        let app = Self {
            client,
            name: name.to_owned(),
            demo: SimApi::new(
                format!("http://{demo_addr}"),
                DEMO_CLIENT_ID,
                DEMO_CLIENT_SECRET,
            ),
            driver,
            profile,
            session_requested,
            session_requested_at,
            _serial: serial,
        };
        match launch.ready {
            Ready::AccountCard => {
                app.wait_for(
                    "the first account card after start-up",
                    LAUNCH,
                    async || app.displayed("account-card").await,
                )
                .await;
            }
            Ready::ErrorBanner => {
                app.wait_for("the error banner after start-up", LAUNCH, async || {
                    app.displayed("error-banner").await
                })
                .await;
            }
            Ready::Nothing => {}
        }
        app
    }

    /// The app's process (the one WebKitWebDriver started) and every process under it
    /// (WebKit's web and network processes), with their memory, read from `/proc`.
    pub fn processes(&mut self) -> Vec<ProcessMemory> {
        let table = proc_table();
        let group = self.driver.child.id();
        let Some(app) = table
            .iter()
            .find(|p| {
                p.pgid == group
                    && table
                        .iter()
                        .any(|parent| parent.pid == p.ppid && parent.name == "WebKitWebDriver")
            })
            .map(|p| p.pid)
        else {
            return Vec::new();
        };
        let mut tree = vec![app];
        let mut i = 0;
        while i < tree.len() {
            let parent = tree[i];
            tree.extend(table.iter().filter(|p| p.ppid == parent).map(|p| p.pid));
            i += 1;
        }
        tree.into_iter().filter_map(ProcessMemory::read).collect()
    }

    /// Ends the WebDriver session (which closes the window) and every process, and hands back the
    /// profile for inspection.
    pub async fn shut_down(mut self) -> Profile {
        let client = self.client.clone();
        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        self.driver.stop();
        let Self { profile, .. } = self;
        profile
    }

    /// Polls `probe` every 100 ms until it returns `Some`, or fails the test saying `what` was
    /// awaited, with a screenshot and the app's log.
    pub async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl AsyncFnMut() -> Probe<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        let mut last_error = None;
        loop {
            match probe().await {
                Ok(Some(value)) => return value,
                Ok(None) => {}
                Err(e) => last_error = Some(e.to_string()),
            }
            if Instant::now() >= deadline {
                self.fail(&format!(
                    "timed out after {timeout:?} waiting for {what}{}",
                    last_error
                        .map(|e| format!(" (last error: {e})"))
                        .unwrap_or_default()
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fails the test with a screenshot (`FAILED-<test>.png`) and the tail of the app's logs.
    pub async fn fail(&self, message: &str) -> ! {
        let shot = self.screenshot(&format!("FAILED-{}", self.name)).await;
        let tail = |text: String| {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(30)..].join("\n")
        };
        panic!(
            "{message}\nscreenshot: {}\n--- app.stderr (tail)\n{}\n--- app.stdout (tail)\n{}",
            shot.map(|p| p.display().to_string())
                .unwrap_or_else(|e| format!("(failed: {e})")),
            tail(self.profile.log("app.stderr")),
            tail(self.profile.log("app.stdout")),
        )
    }

    /// Saves a WebDriver screenshot of the window to `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        // Let the page paint what the DOM already says (two frames): right after start-up the
        // snapshot otherwise shows a stale frame.
        let _ = tokio::time::timeout(
            Duration::from_secs(3),
            self.client.execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            ),
        )
        .await;
        let png = self.client.screenshot().await.map_err(|e| e.to_string())?;
        let dir = tools().target_dir.join("screenshots");
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join(format!("{name}.png"));
        fs::write(&path, png).map_err(|e| e.to_string())?;
        eprintln!("[e2e] screenshot {}", path.display());
        Ok(path)
    }

    /// Like [`App::screenshot`], failing the test when it cannot be taken.
    pub async fn snap(&self, name: &str) -> PathBuf {
        match self.screenshot(name).await {
            Ok(path) => path,
            Err(e) => {
                self.fail(&format!("could not take screenshot {name}: {e}"))
                    .await
            }
        }
    }

    /// All elements with that test id, right now.
    pub async fn all(&self, id: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(&tid(id)))
            .await
            .unwrap_or_default()
    }

    /// The first displayed element with that test id, if any (a probe).
    pub async fn displayed(&self, id: &str) -> Probe<Element> {
        for element in self.client.find_all(Locator::Css(&tid(id))).await? {
            if visible(&element).await? {
                return Ok(Some(element));
            }
        }
        Ok(None)
    }

    /// Waits for a displayed element with that test id.
    pub async fn find(&self, id: &str) -> Element {
        self.wait_for(&format!("a visible [data-testid={id}]"), STEP, async || {
            self.displayed(id).await
        })
        .await
    }

    /// Waits for a displayed element with that test id inside `parent`.
    pub async fn find_in(&self, parent: &Element, id: &str) -> Element {
        self.wait_for(
            &format!("a visible [data-testid={id}] inside its card/dialog"),
            STEP,
            async || {
                for element in parent.find_all(Locator::Css(&tid(id))).await? {
                    if visible(&element).await? {
                        return Ok(Some(element));
                    }
                }
                Ok(None)
            },
        )
        .await
    }

    /// Scrolls an element to the middle of its scroll container(s), as a person would before
    /// using it (WebKitWebDriver does not reliably scroll nested containers itself).
    pub async fn reveal(&self, element: &Element) {
        let arg = serde_json::to_value(element).expect("an element serialises");
        let _ = self
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
                vec![arg],
            )
            .await;
    }

    /// Clicks the visible element with that test id.
    pub async fn click(&self, id: &str) {
        let element = self.find(id).await;
        self.reveal(&element).await;
        if let Err(e) = element.click().await {
            self.fail(&format!("clicking [data-testid={id}] failed: {e}"))
                .await;
        }
    }

    /// The account card of that account, scrolled into view and hydrated (cards far from the
    /// viewport are light shells without instructions or funding controls).
    pub async fn card(&self, account_id: &str) -> Element {
        let card = self.card_shell(account_id).await;
        self.reveal(&card).await;
        self.wait_for(
            &format!("the card of {account_id} to fill in (data-hydrated)"),
            STEP,
            async || {
                let card = self.card_shell(account_id).await;
                let hydrated = card.attr("data-hydrated").await?;
                Ok((hydrated.as_deref() != Some("false")).then_some(card))
            },
        )
        .await
    }

    /// The account card of that account as it is, hydrated or not.
    pub async fn card_shell(&self, account_id: &str) -> Element {
        let selector = format!(
            r#"[data-testid="account-card"][data-account-id="{}"]"#,
            account_id.replace('"', "\\\"")
        );
        self.wait_for(
            &format!("the account card of {account_id}"),
            STEP,
            async || {
                for element in self.client.find_all(Locator::Css(&selector)).await? {
                    if visible(&element).await? {
                        return Ok(Some(element));
                    }
                }
                Ok(None)
            },
        )
        .await
    }

    /// Runs a script in the page.
    /// The account ids of the cards on the page, sorted.
    pub async fn shown_card_ids(&self) -> Result<Vec<String>, fantoccini::error::CmdError> {
        let mut shown = Vec::new();
        for card in self.all("account-card").await {
            if let Some(id) = card.attr("data-account-id").await? {
                shown.push(id);
            }
        }
        shown.sort();
        Ok(shown)
    }

    /// A real double click on `element` through WebDriver pointer actions: two presses in one
    /// gesture, as a person's double click (the page sees `detail` 1, then 2).
    pub async fn double_click(&self, element: &Element) {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
        let press = |mouse: MouseActions| {
            mouse
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                })
        };
        let double = press(press(MouseActions::new("mouse".to_owned()).then(
            PointerAction::MoveToElement {
                element: element.clone(),
                duration: None,
                x: 0.0,
                y: 0.0,
            },
        )));
        self.client
            .perform_actions(double)
            .await
            .expect("a pointer double click");
    }

    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        match self.client.execute(script, args).await {
            Ok(value) => value,
            Err(e) => self.fail(&format!("script failed: {e}\n{script}")).await,
        }
    }

    /// The page's current HTML.
    pub async fn source(&self) -> String {
        match self.client.source().await {
            Ok(source) => source,
            Err(e) => {
                self.fail(&format!("reading the page source failed: {e}"))
                    .await
            }
        }
    }
}

/// One process's memory from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    pub pid: u32,
    /// `Name:` (the first 15 bytes of the executable name, e.g. `WebKitWebProces`).
    pub name: String,
    /// Resident set size now.
    pub rss_kib: u64,
    /// Peak resident set size (`VmHWM`).
    pub peak_rss_kib: u64,
}

impl ProcessMemory {
    pub fn read(pid: u32) -> Option<Self> {
        let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |key: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(key))
                .map(str::trim)
        };
        let kib = |key: &str| {
            field(key)
                .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        Some(Self {
            pid,
            name: field("Name:")?.to_owned(),
            rss_kib: kib("VmRSS:"),
            peak_rss_kib: kib("VmHWM:"),
        })
    }
}

#[derive(Debug)]
struct ProcEntry {
    pid: u32,
    ppid: u32,
    pgid: u32,
    name: String,
}

/// Every process's pid, parent, process group and name, from `/proc/<pid>/stat`.
fn proc_table() -> Vec<ProcEntry> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (name) state ppid pgrp …`; the name may hold spaces and parentheses.
            let open = stat.find('(')?;
            let close = stat.rfind(')')?;
            let name = stat[open + 1..close].to_owned();
            let mut rest = stat[close + 1..].split_whitespace().skip(1);
            let ppid = rest.next()?.parse().ok()?;
            let pgid = rest.next()?.parse().ok()?;
            Some(ProcEntry {
                pid,
                ppid,
                pgid,
                name,
            })
        })
        .collect()
}

/// An element's rendered text (`innerText`), trimmed; empty when unreadable. WebDriver's own
/// "element text" is empty for elements its visibility heuristic misjudges (see [`visible`]),
/// and `innerText` is empty inside cards whose rendering `content-visibility: auto` skipped
/// (off screen, or not laid out yet): then the DOM's text, whitespace collapsed.
pub async fn text(element: &Element) -> String {
    let rendered = element
        .prop("innerText")
        .await
        .ok()
        .flatten()
        .map(|t| t.trim().to_owned())
        .unwrap_or_default();
    if !rendered.is_empty() {
        return rendered;
    }
    text_content(element)
        .await
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a person can see the element: connected, not inside `[hidden]` or a closed dialog,
/// with a box, and not hidden by CSS. WebKitWebDriver's "is displayed" heuristic calls a visible
/// `display: block; overflow: hidden` badge hidden, so it is not used.
pub async fn visible(element: &Element) -> Result<bool, fantoccini::error::CmdError> {
    const SCRIPT: &str = "const e = arguments[0];
        if (!e.isConnected || e.closest('[hidden]')) return false;
        const r = e.getBoundingClientRect();
        if (r.width <= 0 || r.height <= 0) return false;
        return e.checkVisibility
          ? e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
          : getComputedStyle(e).visibility !== 'hidden';";
    let arg = serde_json::to_value(element).expect("an element serialises");
    let answer = element.clone().client().execute(SCRIPT, vec![arg]).await?;
    Ok(answer == Value::Bool(true))
}

/// An element's `textContent`, trimmed: exactly what the DOM holds, however it wraps on screen.
pub async fn text_content(element: &Element) -> String {
    element
        .prop("textContent")
        .await
        .ok()
        .flatten()
        .map(|t| t.trim().to_owned())
        .unwrap_or_default()
}

/// The keychain entry the app stores under (`com.griddesk.app`, `user`), read with
/// `secret-tool` from the Secret Service of this D-Bus session; `None` when there is none.
pub fn keychain_secret(user: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", "com.griddesk.app", "username", user])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("could not run secret-tool ({e}): apt-get install libsecret-tools")
        });
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Removes a keychain entry of the app (cleanup after a test that left one).
pub fn keychain_clear(user: &str) {
    let _ = Command::new("secret-tool")
        .args(["clear", "service", "com.griddesk.app", "username", user])
        .stdin(Stdio::null())
        .status();
}

/// Reads the X clipboard of our display with `xclip`.
pub fn clipboard() -> Result<String, String> {
    let mut child = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("could not run xclip ({e}): apt-get install xclip (scripts/install-deps)")
        })?;
    // The owner of the selection answers xclip; do not hang on an app that never does.
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err("xclip did not answer within 5 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut err);
    }
    if status.success() {
        Ok(out)
    } else {
        Err(format!("xclip: {}", err.trim()))
    }
}

/// Reads an amount as shown on screen (`$1,234.56`, `USD 1,234.56`, `-$5.00`) in the currency's
/// smallest unit. `None` when the text holds no number or more decimals than the currency has.
pub fn parse_minor_units(text: &str, decimals: u32) -> Option<i64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let number: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .filter(|c| *c != ',')
        .collect();
    let number = number.trim_end_matches('.');
    let negative = text[..start].contains('-') || text[..start].contains('−');
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if frac.len() > decimals as usize {
        return None;
    }
    let mut digits = whole.to_owned();
    digits.push_str(frac);
    for _ in frac.len()..decimals as usize {
        digits.push('0');
    }
    let value: i64 = digits.parse().ok()?;
    Some(if negative { -value } else { value })
}

/// Every regular file under `root` that contains one of `needles`, with the needle's label.
/// Returns how many files were read too, so a test can tell "clean" from "found nothing to read".
pub fn files_containing(root: &Path, needles: &[(&str, &[u8])]) -> (usize, Vec<String>) {
    fn walk(dir: &Path, needles: &[(&str, &[u8])], read: &mut usize, hits: &mut Vec<String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                walk(&path, needles, read, hits);
            } else if kind.is_file() {
                let Ok(bytes) = fs::read(&path) else {
                    continue;
                };
                *read += 1;
                for (label, needle) in needles {
                    if !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == *needle) {
                        hits.push(format!("{} contains {label}", path.display()));
                    }
                }
            }
        }
    }
    let mut read = 0;
    let mut hits = Vec::new();
    walk(root, needles, &mut read, &mut hits);
    (read, hits)
}

/// Talks to a simulator's API, and to its `/_sim` controls through grid-sim's typed client.
#[derive(Debug, Clone)]
pub struct SimApi {
    pub base: String,
    pub client_id: String,
    secret: String,
    http: reqwest::Client,
    control: grid_sim::SimControl,
}

impl SimApi {
    pub fn new(base: String, client_id: &str, secret: &str) -> Self {
        Self {
            control: grid_sim::SimControl::new(base.clone(), client_id, secret),
            base,
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("building an HTTP client"),
        }
    }

    /// The simulator's `/_sim` controls (faults, reset, state, account edits).
    pub fn control(&self) -> &grid_sim::SimControl {
        &self.control
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .basic_auth(&self.client_id, Some(&self.secret));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url} to the simulator failed: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "{method} {url} to the simulator answered {status}: {text}"
        );
        if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e}): {text}"))
        }
    }

    pub async fn get(&self, path: &str) -> Value {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    /// Funds an account through Grid's sandbox route.
    pub async fn fund(&self, account_id: &str, amount: i64) -> Value {
        self.post(
            &format!("/sandbox/internal-accounts/{account_id}/fund"),
            json!({ "amount": amount }),
        )
        .await
    }

    pub async fn platform_accounts(&self) -> Vec<Value> {
        let page = self.get("/platform/internal-accounts").await;
        page["data"].as_array().cloned().unwrap_or_default()
    }

    /// Every customer internal account matching `query` (e.g. `type=EMBEDDED_WALLET`), all pages.
    pub async fn customer_accounts(&self, query: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/customers/internal-accounts?limit=100&{query}");
            if let Some(c) = &cursor {
                let _ = write!(path, "&cursor={c}");
            }
            let page = self.get(&path).await;
            all.extend(page["data"].as_array().cloned().unwrap_or_default());
            cursor = page["nextCursor"].as_str().map(str::to_owned);
            if page["hasMore"] != json!(true) || cursor.is_none() {
                return all;
            }
        }
    }

    /// The account with that id, platform or customer.
    pub async fn account(&self, id: &str) -> Value {
        let platform = self.platform_accounts().await;
        if let Some(found) = platform.into_iter().find(|a| a["id"] == id) {
            return found;
        }
        self.customer_accounts("")
            .await
            .into_iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("the simulator at {} has no account {id}", self.base))
    }
}

/// A separately started `grid-sim` binary.
#[derive(Debug)]
pub struct SimProcess {
    pub url: String,
    pub api: SimApi,
    log: Arc<Mutex<String>>,
    _group: Group,
}

impl SimProcess {
    pub fn start(client_id: &str, secret: &str, extra: &[&str]) -> Self {
        let tools = tools();
        let mut command = Command::new(&tools.sim);
        command
            .args(["--listen", "127.0.0.1:0", "--client-id", client_id])
            .arg("--client-secret")
            .arg(secret)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut group = Group::spawn(command, "grid-sim");
        // Its log is only worth reading when a test fails.
        let stderr = group.child.stderr.take().expect("grid-sim stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let stdout = group.child.stdout.take().expect("grid-sim stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(url) = line.strip_prefix("grid-sim listening on ") {
                        let _ = tx.send(url.trim().to_owned());
                        sent = true;
                    }
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| {
                panic!(
                    "grid-sim ({}) did not print `grid-sim listening on …` within 20 s",
                    tools.sim.display()
                )
            });
        Self {
            api: SimApi::new(url.clone(), client_id, secret),
            url,
            log,
            _group: group,
        }
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(log) = self.log.lock() {
                eprintln!("--- grid-sim at {} (stderr)\n{}", self.url, log.trim_end());
            }
        }
    }
}

/// Where a test's window gets its accounts: the built-in offline demo, or a sandbox connection
/// (the `GRID_*` variables) to a separately started `grid-sim`, the stand-in for Grid's sandbox.
/// One test body runs against both; money is added "outside the app" through [`Grid::api`].
#[derive(Debug)]
pub enum Grid {
    Demo,
    Sandbox(Box<SimProcess>),
}

impl Grid {
    /// A fresh simulator with credentials of its own, reached as a sandbox connection.
    pub fn sandbox(name: &str) -> Self {
        Self::Sandbox(Box::new(SimProcess::start(
            &format!("e2e-{name}-id"),
            &format!("e2e-{name}-secret"),
            &[],
        )))
    }

    /// `launch` with the connection's variables added (none for the demo).
    pub fn launch(&self, mut launch: Launch) -> Launch {
        if let Self::Sandbox(sim) = self {
            launch.env.extend([
                ("GRID_CLIENT_ID".to_owned(), sim.api.client_id.clone()),
                ("GRID_CLIENT_SECRET".to_owned(), sim.api.secret.clone()),
                ("GRID_BASE_URL".to_owned(), sim.url.clone()),
                ("GRID_ENVIRONMENT".to_owned(), "sandbox".to_owned()),
            ]);
        }
        launch
    }

    /// The simulator the window shows: the app's own demo, or the sandbox one.
    pub fn api<'a>(&'a self, app: &'a App) -> &'a SimApi {
        match self {
            Self::Demo => &app.demo,
            Self::Sandbox(sim) => &sim.api,
        }
    }

    /// The marking the app puts on what it copies and prints for this environment.
    pub fn marking(&self) -> &'static str {
        match self {
            Self::Demo => "DEMO",
            Self::Sandbox(_) => "SANDBOX",
        }
    }
}

/// The file with that extension written last to `dir` (an export directory of a test).
pub fn newest_file(dir: &Path, ext: &str) -> PathBuf {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = fs::read_dir(dir)
        .expect("the export dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| (p.metadata().and_then(|m| m.modified()).expect("mtime"), p))
        .collect();
    files.sort();
    files
        .pop()
        .unwrap_or_else(|| panic!("no .{ext} file was written to {}", dir.display()))
        .1
}

impl App {
    /// Waits until the window shows the on-screen print preview.
    pub async fn wait_for_print_preview(&self) {
        self.wait_for("the print preview", STEP, async || {
            let on = self
                .js(
                    "return document.documentElement.classList.contains('print-preview');",
                    vec![],
                )
                .await;
            Ok((on == json!(true)).then_some(()))
        })
        .await;
    }

    /// Opens the print preview from the print dialog and waits until it is shown.
    pub async fn open_print_preview(&self) {
        self.print_dialog_action("print-preview").await;
        self.wait_for_print_preview().await;
    }

    /// Clicks a button of the print dialog and waits for its status line to settle; returns it.
    pub async fn print_dialog_action(&self, button: &str) -> String {
        let dialog = self.find("print-dialog").await;
        self.find_in(&dialog, button)
            .await
            .click()
            .await
            .expect("clicking a print dialog button");
        self.wait_for(
            &format!("the print status after {button}"),
            STEP * 2,
            async || {
                let status = self.client.find(Locator::Css(&tid("print-status"))).await?;
                let tone = status.attr("data-tone").await?.unwrap_or_default();
                let said = text_content(&status).await;
                match tone.as_str() {
                    "ok" => Ok(Some(said)),
                    "error" => Err(format!("{button} failed: {said}").into()),
                    _ => Ok(None),
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_on_screen_read_exactly() {
        assert_eq!(parse_minor_units("$1,234.56", 2), Some(123_456));
        assert_eq!(parse_minor_units("USD 1,234.5", 2), Some(123_450));
        assert_eq!(parse_minor_units("1,000 USD", 2), Some(100_000));
        assert_eq!(parse_minor_units("-$5.00", 2), Some(-500));
        assert_eq!(parse_minor_units("¥1,000", 0), Some(1000));
        assert_eq!(parse_minor_units("$1.005", 2), None);
        assert_eq!(parse_minor_units("no money", 2), None);
    }

    #[test]
    fn scan_finds_needles_in_nested_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        fs::write(dir.path().join("a/b/c.json"), b"{\"x\":\"s3cret\"}").expect("write");
        fs::write(dir.path().join("clean"), b"nothing").expect("write");
        let (read, hits) = files_containing(dir.path(), &[("the secret", b"s3cret")]);
        assert_eq!(read, 2);
        assert_eq!(hits.len(), 1, "{hits:?}");
    }
}
