//! Browser tests (docs/console.md): the real server, driven by headless Chromium
//! through chromedriver (WebDriver) with `fantoccini`.
//!
//! Each test opens one `Browser`: its own chromedriver on a free loopback
//! port, one Chromium session with a fresh profile, killed when dropped.
//! Browser tests run one at a time (a shared lock): two Chromiums on two
//! shared cores make each slow enough to turn timing-sensitive steps flaky.
//!
//! They need `chromium` and `chromedriver` on `PATH`, so they are
//! `#[ignore]`d: a plain `cargo test` lists them as ignored, and
//! `cargo test --test api browser:: -- --ignored` runs them (`.ci/run`
//! installs both and does). Run without a browser, they fail.
#![allow(dead_code)]

mod admin;
mod calls;
mod desk;
mod drafts;
mod harness_checks;
mod screens;
mod search;
mod security;
mod sign_in;

use crate::helpers::TestApp;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a test waits for something to appear in the page before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// Browser tests take turns: see the module comment.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The Chromium flags: headless as root in a container (CI runs as root),
/// and quiet on a closed network (no background fetches, updates, sync, QUIC,
/// no proxy between the browser and the loopback server).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--no-proxy-server",
    "--window-size=1280,800",
    "--lang=en-US",
];

/// An executable named `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// `chromium` and `chromedriver`, or why the browser tests cannot run.
fn browser_binaries() -> Result<(PathBuf, PathBuf), String> {
    let chromium = on_path("chromium")
        .or_else(|| on_path("chromium-browser"))
        .ok_or("no `chromium` on PATH (apt-get install chromium)")?;
    let driver = on_path("chromedriver").ok_or("no `chromedriver` on PATH (apt-get install chromium-driver)")?;
    Ok((chromium, driver))
}

/// A free loopback port, for chromedriver to listen on.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The chromedriver process of one test, and the Chromium processes it started.
struct Driver {
    child: Child,
    /// The Chromium profile: the one path every process of this browser carries on its command line.
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A test that panicked never ended its WebDriver session, and Chromium
        // outlives a killed chromedriver: end this test's own Chromium processes,
        // found by their profile directory, which no other process names.
        let marker = format!("--user-data-dir={}", self.profile.path().display());
        let Ok(entries) = std::fs::read_dir("/proc") else { return };
        let pids: Vec<String> = entries
            .flatten()
            .filter_map(|entry| {
                let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
                let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
                let cmdline = String::from_utf8_lossy(&cmdline);
                cmdline.split('\0').any(|arg| arg == marker).then(|| pid.to_string())
            })
            .collect();
        if !pids.is_empty() {
            let _ = Command::new("kill").arg("-KILL").args(&pids).stderr(Stdio::null()).status();
            // Until they are gone they may still write into the profile, and
            // its removal (the TempDir's drop, after this) would leave it behind.
            // A dead process's cmdline reads empty (a zombie) or not at all.
            let gone = |pid: &String| std::fs::read(format!("/proc/{pid}/cmdline")).map_or(true, |c| c.is_empty());
            let started = Instant::now();
            while !pids.iter().all(gone) && started.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// One message of the browser's console (chromedriver's `browser` log).
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    pub level: String,
    pub source: String,
    pub message: String,
}

impl ConsoleEntry {
    /// A JavaScript error, a `console.error`, or a Content-Security-Policy violation.
    /// Failed loads (`source: network`) are not: a test that asks for a 403 page
    /// sees its load "fail", and the favicon is not the console's business.
    pub fn is_problem(&self) -> bool {
        let csp = self.message.contains("Content Security Policy") || self.message.contains("Content-Security-Policy");
        // Except the page's own CSS or JS failing to load: that breaks the page.
        let asset = self.source == "network" && self.message.contains("/assets/");
        csp || asset || (self.level == "SEVERE" && self.source != "network") || self.source == "javascript"
    }
}

/// A browser session on the app under test.
pub struct Browser {
    pub client: Client,
    /// The app's `http://127.0.0.1:<port>`.
    pub base: String,
    /// Every console message read so far (reading chromedriver's log drains it).
    console: Vec<ConsoleEntry>,
    driver: Driver,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

/// A browser on `app`; fails the test when Chromium or chromedriver is missing.
pub async fn open(app: &TestApp) -> Browser {
    let (chromium, driver_path) =
        browser_binaries().unwrap_or_else(|why| panic!("the browser tests need Chromium and chromedriver: {why}"));
    let turn = ONE_AT_A_TIME.lock().await;
    let profile = tempfile::Builder::new().prefix("calllog-chromium-").tempdir().unwrap();
    let port = free_port();
    let child = Command::new(&driver_path)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", driver_path.display()));
    let driver = Driver { child, profile };
    let webdriver = format!("http://127.0.0.1:{port}/");
    wait_until_listening(port).await;

    let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
    args.push(format!("--user-data-dir={}", driver.profile.path().display()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": chromium, "args": args},
        // Console messages (errors, CSP violations) are read back by `console_problems`.
        "goog:loggingPrefs": {"browser": "ALL"},
        "timeouts": {"pageLoad": 30_000, "script": 10_000, "implicit": 0},
    });
    let Value::Object(capabilities) = capabilities else { unreachable!() };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&webdriver)
        .await
        .unwrap_or_else(|e| panic!("a Chromium session through chromedriver: {e}"));
    let browser = Browser { client, base: app.address.clone(), console: Vec::new(), driver, _turn: turn };
    browser.set_viewport(1280, 800, 1.0).await;
    browser
}

/// Waits (at most 10 s) until chromedriver accepts connections on `port`.
async fn wait_until_listening(port: u16) {
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "chromedriver did not listen on port {port} within 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A chromedriver command that fantoccini has no method for: POST to
/// `/session/{id}/{path}` with a JSON body.
#[derive(Debug)]
struct SessionCommand {
    path: &'static str,
    body: Value,
}

impl WebDriverCompatibleCommand for SessionCommand {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/{}", session_id.unwrap_or_default(), self.path))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// docs/console.md §6, what a script can see: every field has a label, every
/// control is a target of at least 24 × 24 px, every date carries its instant
/// in RFC 3339 with milliseconds. Returns what falls short, one line each.
const AUDIT: &str = r#"
const problems = [];
const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
for (const field of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
  if (!shown(field)) continue;
  const labelled = (field.labels && field.labels.length) || field.getAttribute('aria-label') || field.getAttribute('aria-labelledby');
  if (!labelled) problems.push('no label: ' + field.outerHTML.slice(0, 80));
}
for (const target of document.querySelectorAll('button, input:not([type=hidden]), select, a.button')) {
  if (!shown(target)) continue;
  // A checkbox or radio counts with its label when the label wraps it.
  const box = (target.closest('label') || target).getBoundingClientRect();
  if (box.width < 24 || box.height < 24) problems.push('target ' + Math.round(box.width) + 'x' + Math.round(box.height) + ': ' + target.outerHTML.slice(0, 80));
}
for (const time of document.querySelectorAll('time')) {
  const at = time.getAttribute('datetime') || '';
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/.test(at)) problems.push('time datetime=' + JSON.stringify(at));
}
return problems;
"#;

/// Where screenshots go: `target/screenshots/` of this package.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("screenshots")
}

impl Browser {
    /// The absolute URL of `path` on the app.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Opens `path` (which starts with `/`) and waits for the page to load.
    pub async fn goto(&mut self, path: &str) {
        let url = self.url(path);
        self.client.goto(&url).await.unwrap_or_else(|e| panic!("opening {url}: {e}"));
    }

    /// The path (with query) of the page shown.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits until the page's path satisfies `ok`; returns it.
    pub async fn wait_for_path(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let path = self.path().await;
            if ok(&path) {
                return path;
            }
            assert!(started.elapsed() < WAIT, "waited {WAIT:?} for {what}; the page is still {path}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first element matching the CSS `selector`, waiting for it to appear.
    pub async fn find(&self, selector: &str) -> fantoccini::elements::Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(selector)).await {
            Ok(element) => element,
            Err(e) => panic!("no element {selector:?} on {} within {WAIT:?}: {e}", self.path().await),
        }
    }

    /// Every element matching `selector` now (no waiting).
    pub async fn find_all(&self, selector: &str) -> Vec<fantoccini::elements::Element> {
        self.client.find_all(Locator::Css(selector)).await.unwrap()
    }

    /// Whether an element matches `selector` now (no waiting).
    pub async fn exists(&self, selector: &str) -> bool {
        !self.find_all(selector).await.is_empty()
    }

    /// The visible text of the whole page ("" while a new page replaces the old one).
    pub async fn page_text(&self) -> String {
        // By script rather than an element: an element found on the old page goes stale mid-navigation.
        let text = self.client.execute("return document.body ? document.body.innerText : '';", vec![]).await;
        text.ok().and_then(|t| t.as_str().map(str::to_string)).unwrap_or_default()
    }

    /// Waits until the desk's live lookup has answered the query `q` and shown it:
    /// keys typed slower than the debounce ask for each prefix too, and an early
    /// answer must not be the one a test chooses from.
    pub async fn wait_for_lookup(&self, q: &str) {
        let answered = "return performance.getEntriesByType('resource')
            .some(e => e.name.endsWith('/desk/lookup?q=' + encodeURIComponent(arguments[0])) && e.responseEnd > 0);";
        let started = Instant::now();
        while self.js(answered, vec![json!(q)]).await != json!(true) {
            assert!(started.elapsed() < WAIT, "the lookup did not answer {q:?} within {WAIT:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The answer is in; its list is drawn in the same task that parses it.
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.find("[role=option]").await;
    }

    /// Waits until the page's visible text contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        let started = Instant::now();
        loop {
            let text = self.page_text().await;
            if text.contains(needle) {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "waited {WAIT:?} for {needle:?} on {}; the page says:\n{text}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The current value of the form field named `name`.
    pub async fn field_value(&self, name: &str) -> String {
        let field = self.find(&format!("[name=\"{name}\"]")).await;
        field.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Replaces the value of the text field named `name` by typing `text` into it.
    pub async fn fill(&self, name: &str, text: &str) {
        let field = self.find(&format!("[name=\"{name}\"]")).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks the submit button of the form that holds the field named `field`.
    pub async fn submit_form_of(&self, field: &str) {
        let selector = format!("form:has([name=\"{field}\"]) button[type=submit]");
        self.find(&selector).await.click().await.unwrap();
    }

    /// Runs `script` in the page (a function body; `arguments` are `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The `name`, `id` or tag of the focused element, to say where the focus is.
    pub async fn focused(&self) -> String {
        let described =
            self.js("const e = document.activeElement; return e ? (e.name || e.id || e.tagName) : null;", vec![]).await;
        described.as_str().unwrap_or("nothing").to_string()
    }

    /// Signs in through `/login` and waits to land on another page.
    pub async fn sign_in(&mut self, user: &str, password: &str) {
        self.goto("/login").await;
        self.fill("UserName", user).await;
        self.fill("Password", password).await;
        self.submit_form_of("Password").await;
        self.wait_for_path("sign-in to leave /login", |p| !p.starts_with("/login")).await;
    }

    /// Sends a chromedriver-specific command for this session.
    async fn session_command(&self, path: &'static str, body: Value) -> Value {
        self.client
            .issue_cmd(SessionCommand { path, body })
            .await
            .unwrap_or_else(|e| panic!("chromedriver command {path}: {e}"))
    }

    /// Runs a Chrome DevTools Protocol command (through chromedriver).
    async fn devtools(&self, cmd: &str, params: Value) -> Value {
        self.session_command("goog/cdp/execute", json!({"cmd": cmd, "params": params})).await
    }

    /// Lays the page out in a `width` × `height` CSS-pixel viewport at `scale`
    /// device pixels per CSS pixel: (640, 400, 2.0) is a 1280 × 800 screen at 200 % zoom.
    pub async fn set_viewport(&self, width: u32, height: u32, scale: f64) {
        self.devtools(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": scale, "mobile": false}),
        )
        .await;
    }

    /// Saves the page as shown at 1280 × 800 and at 200 % zoom:
    /// `target/screenshots/{name}.png` and `{name}@200.png`.
    pub async fn screenshots(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        for (suffix, width, height, scale) in [("", 1280, 800, 1.0), ("@200", 640, 400, 2.0)] {
            self.set_viewport(width, height, scale).await;
            let png = self.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("{name}{suffix}.png")), png).unwrap();
        }
        self.set_viewport(1280, 800, 1.0).await;
    }

    /// Reads (and so drains) the browser's console into `self.console`.
    pub async fn read_console(&mut self) -> &[ConsoleEntry] {
        let entries = self.session_command("se/log", json!({"type": "browser"})).await;
        for entry in entries.as_array().cloned().unwrap_or_default() {
            self.console.push(ConsoleEntry {
                level: entry["level"].as_str().unwrap_or_default().to_string(),
                source: entry["source"].as_str().unwrap_or_default().to_string(),
                message: entry["message"].as_str().unwrap_or_default().to_string(),
            });
        }
        &self.console
    }

    /// Asserts that no page so far logged a JavaScript error, a `console.error`
    /// or a CSP violation.
    pub async fn assert_clean_console(&mut self) {
        let problems: Vec<ConsoleEntry> =
            self.read_console().await.iter().filter(|entry| entry.is_problem()).cloned().collect();
        assert!(problems.is_empty(), "the browser console shows problems: {problems:#?}");
    }

    /// Ends the WebDriver session (Chromium quits) after checking the console:
    /// every test ends with this, so every page it saw is checked.
    pub async fn finish(mut self) {
        self.assert_clean_console().await;
        // CALLLOG_BROWSER_LOG=1 prints every console message the test saw, problems or not.
        if std::env::var_os("CALLLOG_BROWSER_LOG").is_some() {
            eprintln!("browser console: {:#?}", self.console);
        }
        let Browser { client, driver, _turn, .. } = self;
        client.close().await.unwrap();
        drop(driver);
    }

    /// What falls short of docs/console.md §6 on the page shown (see `AUDIT`).
    pub async fn audit(&self) -> Vec<String> {
        let problems = self.js(AUDIT, vec![]).await;
        problems.as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect()
    }

    /// A keyboard that counts every key it presses.
    pub fn keyboard(&self) -> Keyboard<'_> {
        Keyboard { client: &self.client, presses: 0 }
    }
}

/// Types into whatever has the focus, as a person would, counting each key press:
/// a character is one, a special key is one, a chord (Ctrl+Enter) is one per key.
pub struct Keyboard<'a> {
    client: &'a Client,
    pub presses: usize,
}

impl Keyboard<'_> {
    async fn perform(&mut self, actions: KeyActions, presses: usize) {
        self.client.perform_actions(actions).await.unwrap();
        self.presses += presses;
    }

    /// Types `text`, one key per character.
    pub async fn text(&mut self, text: &str) {
        let mut actions = KeyActions::new("keyboard".into());
        for c in text.chars() {
            actions = actions.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
        }
        self.perform(actions, text.chars().count()).await;
    }

    /// Presses one key (Enter, Tab, an arrow, …).
    pub async fn key(&mut self, key: Key) {
        let c = char::from(key);
        self.perform(
            KeyActions::new("keyboard".into()).then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c }),
            1,
        )
        .await;
    }

    /// Presses `key` while holding `modifier` (Ctrl+Enter): two keys.
    pub async fn chord(&mut self, modifier: Key, key: Key) {
        let (m, k) = (char::from(modifier), char::from(key));
        let actions = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: m })
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k })
            .then(KeyAction::Up { value: m });
        self.perform(actions, 2).await;
    }
}

// ---- the app the browser tests use ----------------------------------------------

/// The app with the sample directory (`helpers::sample_directory`), the admin's
/// API token, and two staff: `agnes`, an agent of properties 1 and 2, and
/// `vic`, a viewer of property 1. Passwords are `<name>-password`.
pub async fn staffed_app() -> (TestApp, String) {
    crate::helpers::app_with_directory!(app, admin);
    crate::helpers::make_user(&app, &admin, "agnes", "agent", &[1, 2]).await;
    crate::helpers::make_user(&app, &admin, "vic", "viewer", &[1]).await;
    (app, admin)
}

/// Logs a call through the API as `token`; returns its LogId.
pub async fn api_log(app: &TestApp, token: &str, body: Value) -> i64 {
    let a = crate::helpers::post(app, "/api/calllogs", token, body).await;
    assert_eq!(a.status.as_u16(), 201, "logging a call: {}", a.text);
    a.body["LogId"].as_i64().unwrap()
}

impl Browser {
    /// The HTTP status of the page shown (its navigation entry).
    pub async fn status(&self) -> u16 {
        let status = self.js("return performance.getEntriesByType('navigation')[0].responseStatus;", vec![]).await;
        let path = self.path().await;
        status.as_u64().unwrap_or_else(|| panic!("no status for {path}: {status}")) as u16
    }

    /// The text of the page's one `<h1>`.
    pub async fn h1(&self) -> String {
        let h1s = self.find_all("h1").await;
        assert_eq!(h1s.len(), 1, "every page has one <h1>; {} has {}", self.path().await, h1s.len());
        h1s[0].text().await.unwrap()
    }
}
