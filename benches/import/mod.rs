//! Phase 7's figures of issue 16: what the worst import bodies cost the
//! server, and what a large valid import costs everyone else.
//!
//! Each case runs on a `calllog serve` process of its own (CALLLOG_BENCH_BIN
//! or this build) over a fresh file, so the process's peak resident memory
//! (VmHWM, read from /proc after the answer) is that case's:
//!
//! - 64 MiB of empty unit rows (`{"Units":[{},{},…]}`): the answer (400/114,
//!   at most 100 problems listed, the total in the message), its size, the
//!   time to answer, the peak RSS beside the 4× body bound (docs/api.md §6).
//! - 64 MiB of minimal valid units (`{"UnitId":N,"PropertyId":1,"UnitNumber":"1"}`):
//!   the same figures for a body that is all valid rows.
//! - One unit number of 64 MiB: the longest value a body can carry.
//! - 64 MiB of CSV unit lines (`100000,1,1`) through the console's upload:
//!   the densest rows.
//! - The directory of phase 5 imported while another user (an agent) reads a
//!   unit and logs calls, one request at a time each: the p50 and max latency
//!   of their reads and writes that started during the import, beside the
//!   same requests with the server idle; then the same import again (every
//!   row already stored as given).

use super::{admin_token_by_command_line, calllog_command, peak_rss_of};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The body limit of the import (docs/api.md §1).
const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

/// A `calllog serve` process on a fresh file, with an admin's API token; killed when dropped.
struct Server {
    child: Child,
    base: String,
    token: String,
    http: reqwest::blocking::Client,
}

impl Server {
    /// On a fresh SQLite file of `dir`.
    fn start(dir: &std::path::Path, name: &str) -> Server {
        Server::start_on(dir.join(format!("{name}.db")).into_os_string())
    }

    /// On `db`, a SQLite file's path or a PostgreSQL URL.
    fn start_on(db: std::ffi::OsString) -> Server {
        let token = admin_token_by_command_line(&db, "bench", "bench-password");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        let child = calllog_command(&db, &["serve", "--bind", &addr])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("calllog serve");
        let http = reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(600)).build().unwrap();
        let base = format!("http://{addr}");
        let ready = Instant::now();
        while http.get(format!("{base}/healthz")).send().map(|r| !r.status().is_success()).unwrap_or(true) {
            assert!(ready.elapsed() < Duration::from_secs(30), "the server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child, base, token, http }
    }

    fn peak_rss(&self) -> f64 {
        peak_rss_of(self.child.id())
    }

    /// POSTs `body` as JSON with `token`: status, answer and the time to the whole answer.
    fn post(&self, path: &str, token: &str, body: Vec<u8>) -> (u16, Vec<u8>, f64) {
        let started = Instant::now();
        let answer = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .expect("request");
        let status = answer.status().as_u16();
        let bytes = answer.bytes().map(|b| b.to_vec()).unwrap_or_default();
        (status, bytes, started.elapsed().as_secs_f64())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `{"Properties": …, "Units": [row, row, …]}` grown to just under the import's limit.
fn body_of_rows(properties: &str, row: impl Fn(usize) -> String) -> (Vec<u8>, usize) {
    let mut body = format!(r#"{{"Properties":[{properties}],"Units":["#).into_bytes();
    let mut rows = 0;
    loop {
        let next = row(rows);
        if body.len() + next.len() + 3 > IMPORT_LIMIT {
            break;
        }
        if rows > 0 {
            body.push(b',');
        }
        body.extend_from_slice(next.as_bytes());
        rows += 1;
    }
    body.extend_from_slice(b"]}");
    (body, rows)
}

/// One worst body on a fresh server: the answer, the time, the peak RSS.
fn worst_body(dir: &std::path::Path, name: &str, what: &str, body: Vec<u8>, rows: usize) {
    let server = Server::start(dir, name);
    let idle = server.peak_rss();
    let size = body.len();
    let (status, answer, seconds) = server.post("/api/admin/import", &server.token.clone(), body);
    let json: serde_json::Value = serde_json::from_slice(&answer).unwrap_or(serde_json::Value::Null);
    let listed = json["Errors"].as_array().map(Vec::len).unwrap_or(0);
    let message: String = json["Message"].as_str().unwrap_or("").chars().take(120).collect();
    let peak = server.peak_rss();
    println!(
        "  {what} ({:.1} MiB, {rows} rows): status {status} in {seconds:.1} s, answer {} bytes, {listed} problems listed; \
         server peak RSS {peak:.0} MiB ({idle:.0} MiB idle; bound 4× body = {:.0} MiB)",
        size as f64 / 1_048_576.0,
        answer.len(),
        4.0 * size as f64 / 1_048_576.0,
    );
    if !message.is_empty() {
        println!("      Message: {message}…");
    }
}

/// The worst bodies of docs/api.md §6's memory bound: the most rows (all bad,
/// all good), the longest value, and the densest rows (CSV, through the
/// console's upload).
pub fn worst_bodies(dir: &std::path::Path) {
    let (empty, rows) = body_of_rows("", |_| "{}".to_string());
    worst_body(dir, "import-empty-rows", "64 MiB of empty unit rows", empty, rows);
    let property = r#"{"PropertyId":1,"PropertyName":"P"}"#;
    let (valid, rows) =
        body_of_rows(property, |i| format!(r#"{{"UnitId":{},"PropertyId":1,"UnitNumber":"1"}}"#, i + 1));
    worst_body(dir, "import-minimal-units", "64 MiB of minimal valid units", valid, rows);
    let long = format!(
        r#"{{"Properties":[{property}],"Units":[{{"UnitId":1,"PropertyId":1,"UnitNumber":"{}"}}]}}"#,
        "7".repeat(IMPORT_LIMIT - 200)
    );
    worst_body(dir, "import-long-value", "one unit number of 64 MiB", long.into_bytes(), 1);
    console_csv_upload(dir);
}

/// 64 MiB of minimal unit lines (`123456,1,1`) through the console's upload.
fn console_csv_upload(dir: &std::path::Path) {
    let server = Server::start(dir, "import-console-csv");
    let idle = server.peak_rss();
    let http = reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(600))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = http
        .post(format!("{}/login", server.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", &server.base)
        .body("UserName=bench&Password=bench-password")
        .send()
        .expect("console sign-in");
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string();
    let page = http.get(format!("{}/admin", server.base)).header("Cookie", &cookie).send().unwrap().text().unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a form token") + marker.len();
    let csrf = &page[start..start + page[start..].find('"').unwrap()];
    let boundary = "----calllogBenchBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"Properties\"; filename=\"p.csv\"\r\n\r\n\
         PropertyId,PropertyName\n1,P\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"Units\"; filename=\"u.csv\"\r\n\r\n\
         UnitId,PropertyId,UnitNumber\n"
    )
    .into_bytes();
    let end = format!("\r\n--{boundary}--\r\n");
    let mut rows = 0;
    loop {
        let line = format!("{},1,1\n", 100_000 + rows);
        if body.len() + line.len() + end.len() > IMPORT_LIMIT {
            break;
        }
        body.extend_from_slice(line.as_bytes());
        rows += 1;
    }
    body.extend_from_slice(end.as_bytes());
    let size = body.len();
    let started = Instant::now();
    let answer = http
        .post(format!("{}/admin/import", server.base))
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .header("Cookie", &cookie)
        .header("Origin", &server.base)
        .body(body)
        .send()
        .expect("upload");
    let status = answer.status().as_u16();
    let location = answer.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let page = answer.text().unwrap_or_default();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  console upload, 64 MiB of unit lines ({:.1} MiB, {rows} rows): status {status} in {seconds:.1} s{}; \
         server peak RSS {:.0} MiB ({idle:.0} MiB idle; bound 4× body = {:.0} MiB)",
        size as f64 / 1_048_576.0,
        if status == 303 { format!(" ({location})") } else { format!(", a page of {} bytes", page.len()) },
        server.peak_rss(),
        4.0 * size as f64 / 1_048_576.0,
    );
}

/// Latencies of one kind of request, each with when it started.
#[derive(Default)]
struct Samples(Vec<(Instant, Duration, u16)>);

impl Samples {
    /// "n requests, p50 …, max …" of the samples that started in `window`.
    fn describe(&self, window: (Instant, Instant)) -> String {
        let mut within: Vec<Duration> =
            self.0.iter().filter(|(at, _, _)| *at >= window.0 && *at <= window.1).map(|(_, took, _)| *took).collect();
        let failed =
            self.0.iter().filter(|(at, _, status)| *at >= window.0 && *at <= window.1 && *status >= 300).count();
        if within.is_empty() {
            return "none".into();
        }
        within.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{} requests, p50 {:.1} ms, max {:.1} ms, {failed} failed",
            within.len(),
            ms(within[within.len() / 2]),
            ms(within[within.len() - 1])
        )
    }
}

/// Runs `request` one at a time, `pause` apart, until `running` turns false.
fn keep_asking(
    running: Arc<AtomicBool>,
    pause: Duration,
    request: impl Fn() -> u16 + Send + 'static,
) -> std::thread::JoinHandle<Samples> {
    std::thread::spawn(move || {
        let mut samples = Samples::default();
        while running.load(Ordering::Relaxed) {
            let started = Instant::now();
            let status = request();
            samples.0.push((started, started.elapsed(), status));
            std::thread::sleep(pause);
        }
        samples
    })
}

/// A large valid import (`body`, a directory of properties 100…) while an
/// agent of property 1 reads a unit and logs calls: on SQLite, then on
/// PostgreSQL when there is one (CALLLOG_BENCH_PG, or a throwaway cluster).
pub fn others_during_import(dir: &std::path::Path, body: Vec<u8>, what: &str) {
    others_during_import_on(Server::start(dir, "import-others"), body.clone(), &format!("{what}, SQLite"));
    match super::postgres::scratch_on_server("import") {
        Ok(scratch) => {
            let server = Server::start_on(scratch.url.clone().into());
            others_during_import_on(server, body, &format!("{what}, PostgreSQL on {}", scratch.origin));
        }
        Err(why) => println!("  (no PostgreSQL for the import with another user at work: {why})"),
    }
}

fn others_during_import_on(server: Server, body: Vec<u8>, what: &str) {
    let admin = server.token.clone();
    let seed = br#"{"Properties":[{"PropertyId":1,"PropertyName":"Seed"}],"Units":[{"UnitId":1,"PropertyId":1,"UnitNumber":"1"}]}"#;
    assert_eq!(server.post("/api/admin/import", &admin, seed.to_vec()).0, 200, "seed directory");
    let agent = r#"{"UserName":"other","Password":"another-bench-Passw0rd","FirstName":"Other","LastName":"User","Role":"agent","PropertyIds":[1]}"#;
    assert_eq!(server.post("/api/users", &admin, agent.as_bytes().to_vec()).0, 201, "agent");
    let sign_in = br#"{"UserName":"other","Password":"another-bench-Passw0rd"}"#.to_vec();
    let (status, answer, _) = server.post("/api/auth/token", "", sign_in);
    assert_eq!(status, 200, "agent sign-in");
    let token = serde_json::from_slice::<serde_json::Value>(&answer).unwrap()["Token"].as_str().unwrap().to_string();

    let running = Arc::new(AtomicBool::new(true));
    let client = || reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(120)).build().unwrap();
    let (reader, writer) = {
        let (http, base, agent) = (client(), server.base.clone(), token.clone());
        let reader = keep_asking(running.clone(), Duration::from_millis(5), move || {
            http.get(format!("{base}/api/units/1")).bearer_auth(&agent).send().map(|r| r.status().as_u16()).unwrap_or(0)
        });
        let (http, base, agent) = (client(), server.base.clone(), token.clone());
        let writer = keep_asking(running.clone(), Duration::from_millis(20), move || {
            http.post(format!("{base}/api/calllogs"))
                .bearer_auth(&agent)
                .header("Content-Type", "application/json")
                .body(r#"{"PropertyId":1,"UnitId":1,"CallFrom":"Bench caller","Subject":"During the import"}"#)
                .send()
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        });
        (reader, writer)
    };
    // The same requests with the server idle first, for comparison.
    std::thread::sleep(Duration::from_secs(2));
    let idle = (Instant::now() - Duration::from_secs(2), Instant::now());
    let size = body.len();
    let started = Instant::now();
    let (status, answer, seconds) = server.post("/api/admin/import", &admin, body.clone());
    let window = (started, Instant::now());
    // The same directory again: every row is already stored as given.
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let (again_status, _, again_seconds) = server.post("/api/admin/import", &admin, body);
    let again = (started, Instant::now());
    std::thread::sleep(Duration::from_millis(200));
    running.store(false, Ordering::Relaxed);
    let reads = reader.join().expect("reader");
    let writes = writer.join().expect("writer");
    println!(
        "  {what} ({:.1} MiB of JSON) with another user at work: status {status} in {seconds:.1} s{}; server peak RSS {:.0} MiB",
        size as f64 / 1_048_576.0,
        if status == 200 { String::new() } else { format!(" ({})", String::from_utf8_lossy(&answer).chars().take(200).collect::<String>()) },
        server.peak_rss()
    );
    println!("      their reads (GET /api/units/1), server idle:      {}", reads.describe(idle));
    println!("      their reads during the import:                    {}", reads.describe(window));
    println!("      their writes (POST /api/calllogs), server idle:   {}", writes.describe(idle));
    println!("      their writes during the import:                   {}", writes.describe(window));
    println!("  the same import again (every row as stored): status {again_status} in {again_seconds:.1} s");
    println!("      their reads during it:                            {}", reads.describe(again));
    println!("      their writes during it:                           {}", writes.describe(again));
}
