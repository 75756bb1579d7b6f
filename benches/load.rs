//! Load and physical-limit benchmark. Prints figures; asserts nothing.
//!
//!     cargo bench --bench load
//!
//! Environment: CALLLOG_BENCH_SYNC=full|normal (default full),
//! CALLLOG_BENCH_CLIENTS (default 16), CALLLOG_BENCH_REQUESTS per phase
//! (default 4000), CALLLOG_BENCH_LOGS for the large-list phase (default 1000000).
//!
//! 1. The SQLite ceiling on this machine: the write shapes of the service run
//!    directly on a connection with the same pragmas (one commit per append,
//!    and appends batched per commit as the writer does under load).
//! 2. The service over loopback HTTP with keep-alive clients (reqwest, one
//!    task per client on a tokio runtime): create, append a comment, read one
//!    log, list a unit's logs.
//! 3. List latency with a million call logs in the file.
//! 4. The console's pages at that size, with a session cookie, one client.
//! 5. The lookup over 100,000 residents imported through the service
//!    (CALLLOG_BENCH_RESIDENTS), one client.
//! 6. Peak memory (VmHWM) of the whole process, and a full CSV export.
//! 7. The directory import at real size (CALLLOG_BENCH_RESIDENTS, default
//!    100,000): `calllog serve` and `calllog import` as processes of their
//!    own, so their peak memory is theirs: one `POST /api/admin/import` over
//!    loopback, and the same directory as three CSV files. Time and peak
//!    RSS of each; then (benches/import) the same directory imported while
//!    another user reads and logs calls (their p50 and max latency, on SQLite
//!    and on PostgreSQL), and the worst bodies of the import's memory bound
//!    (64 MiB of empty rows, of minimal units, one 64 MiB value, 64 MiB of
//!    CSV lines through the console): time to answer and peak RSS beside 4×
//!    the body (CALLLOG_BENCH_IMPORT_WORST=0 skips those). CALLLOG_BENCH_ONLY=import
//!    runs only this phase; CALLLOG_BENCH_BIN runs another `calllog` binary
//!    (an older release).
//!    CALLLOG_BENCH_ONLY=lookup runs benches/did_you_mean instead: the
//!    lookup's "Did you mean" at that size, for this directory and for one
//!    where every resident has a surname of their own.
//! 8. The throughput table of issue 9 (benches/throughput): `calllog serve`
//!    as its own process at default settings, driven by a lean generator in
//!    this process (64 connections, CALLLOG_BENCH_SECONDS per load), beside
//!    SQLite's ceiling for the same write shapes measured in the same run;
//!    then writes on a log with 10 comments beside one with 10,000.
//!    CALLLOG_BENCH_ONLY=throughput runs only this phase.
//! 9. Phase 8's table on PostgreSQL (benches/postgres), with one and two
//!    `calllog serve` instances on one database, beside PostgreSQL's ceiling
//!    for the same write shapes; on CALLLOG_BENCH_PG's server, or a durable
//!    throwaway cluster of scripts/pg_cluster.sh (skipped without
//!    PostgreSQL). CALLLOG_BENCH_ONLY=postgres runs only this phase;
//!    CALLLOG_BENCH_ONLY=throughput,postgres runs phases 8 and 9 and prints
//!    SQLite's figures beside PostgreSQL's.

use calllog::config::{AppConfig, StoreConfig, Synchronous};
use calllog::domain::ids::{PropertyId, ResidentId, UnitId};
use calllog::{AppState, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
mod did_you_mean;
use common::{env_number, serve_on_loopback, ten_properties_of_a_hundred_units};
mod import;
mod postgres;
mod throughput;

/// How a benchmark client proves who it is: an API token, or the console's
/// session cookie.
#[derive(Clone)]
enum Credential {
    Anonymous,
    Bearer(String),
    Session(String),
}

/// One benchmark client: its own reqwest connection pool, so `clients`
/// clients hold that many keep-alive connections, each used in turn.
struct Client {
    http: reqwest::Client,
    base: String,
    credential: Credential,
}

impl Client {
    fn connect(addr: &str, credential: &Credential) -> Client {
        let http = reqwest::Client::builder()
            // The server is on loopback: a proxy set in the environment must not come between.
            .no_proxy()
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("HTTP client");
        Client { http, base: format!("http://{addr}"), credential: credential.clone() }
    }

    fn prepare(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.credential {
            Credential::Anonymous => request,
            Credential::Bearer(token) => request.bearer_auth(token),
            Credential::Session(cookie) => request.header("Cookie", format!("calllog_session={cookie}")),
        }
    }

    /// Sends one request and reads the whole answer: status and body.
    async fn request(&self, method: &str, path: &str, body: Option<String>) -> (u16, Vec<u8>) {
        let mut request = self.prepare(method, path);
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.bytes().await.expect("body").to_vec())
    }

    /// Downloads a body chunk by chunk, counting bytes and lines without keeping them.
    async fn download(&self, path: &str) -> (u16, usize, usize) {
        let mut response = self.prepare("GET", path).send().await.expect("request");
        let status = response.status().as_u16();
        let (mut bytes, mut lines) = (0, 0);
        while let Some(chunk) = response.chunk().await.expect("body") {
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        (status, bytes, lines)
    }
}

struct Figures {
    name: String,
    requests: usize,
    seconds: f64,
    latencies: Vec<Duration>,
    failures: usize,
}

impl Figures {
    fn print(&mut self) {
        self.latencies.sort();
        let pct = |p: f64| {
            let i = ((self.latencies.len() as f64 * p) as usize).min(self.latencies.len().saturating_sub(1));
            self.latencies.get(i).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
        };
        println!(
            "{:<34} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>7.2} ms   ({} requests, {} failed)",
            self.name,
            self.requests as f64 / self.seconds,
            pct(0.50),
            pct(0.99),
            pct(1.0),
            self.requests,
            self.failures
        );
    }
}

/// Runs `requests` calls of `make` spread over `clients` keep-alive connections,
/// each client a task that takes the next request number until none is left.
async fn run_phase(
    name: &str,
    addr: &str,
    credential: &Credential,
    clients: usize,
    requests: usize,
    make: impl Fn(usize) -> (&'static str, String, Option<String>) + Send + Sync + 'static,
) -> Figures {
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (make, next) = (make.clone(), next.clone());
            let client = Client::connect(addr, credential);
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let (method, path, body) = make(i);
                    let t = Instant::now();
                    let (status, _) = client.request(method, &path, body).await;
                    latencies.push(t.elapsed());
                    if !(200..300).contains(&status) {
                        failures += 1;
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut figures = Figures { name: name.to_string(), requests, seconds: 0.0, latencies: Vec::new(), failures: 0 };
    for task in tasks {
        let (latencies, failures) = task.await.expect("client task");
        figures.latencies.extend(latencies);
        figures.failures += failures;
    }
    figures.seconds = started.elapsed().as_secs_f64();
    figures
}

/// Signs in through the console's form, as a browser does, and returns its session cookie.
async fn console_session(addr: &str, user: &str, password: &str) -> Credential {
    let response = Client::connect(addr, &Credential::Anonymous)
        .prepare("POST", "/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", format!("http://{addr}"))
        .body(format!("UserName={user}&Password={password}"))
        .send()
        .await
        .expect("sign-in");
    assert_eq!(response.status().as_u16(), 303, "console sign-in");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("calllog_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie");
    Credential::Session(cookie.to_string())
}

fn pragmas(conn: &rusqlite::Connection, sync: Synchronous) {
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous={}; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;",
        sync.pragma_value()
    ))
    .expect("pragmas");
}

/// A file with the service's schema, the pragmas of `sync` and 1,000 call
/// logs, for measuring what SQLite itself does with the service's writes.
fn ceiling_database(path: &std::path::Path, sync: Synchronous) -> rusqlite::Connection {
    drop(Store::open(&StoreConfig::new(path)).expect("schema"));
    let conn = rusqlite::Connection::open(path).expect("open");
    pragmas(&conn, sync);
    conn.execute_batch(
        "INSERT INTO properties (property_id, property_name) VALUES (1, 'p');
         INSERT INTO users (user_id, user_name, name_key, password_hash, role, created_on) VALUES (1, 'u', 'u', 'x', 'admin', 0);
         INSERT INTO call_logs (log_id, property_id, call_from, status_id, subject, taken_by, created_on, modified_on, created_by)
         WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 1000)
         SELECT value, 1, 'c', 1, 's', 't', value, value, 1 FROM n;",
    )
    .expect("seed logs");
    conn
}

/// One comment appended to `log` as the service appends it: the event row,
/// its entry in the search index (rowid: log id, then event number in the
/// low 24 bits), the log's event counter and modification time.
fn append_comment(conn: &rusqlite::Connection, log: i64, i: usize) {
    let event_no: i64 = conn
        .prepare_cached("SELECT last_event_no + 1 FROM call_logs WHERE log_id = ?1")
        .unwrap()
        .query_row([log], |r| r.get(0))
        .expect("log head");
    conn.prepare_cached(
        "INSERT INTO log_events (log_id, event_no, at, user_id, user_name, kind, new_value, status_name)
         VALUES (?1, ?2, ?3, 1, 'u', 'commented', 'a comment of ordinary length', 'Open')",
    )
    .unwrap()
    .execute(rusqlite::params![log, event_no, i as i64])
    .expect("event");
    conn.prepare_cached("INSERT INTO call_log_search (rowid, body) VALUES (?1, 'a comment of ordinary length')")
        .unwrap()
        .execute([(log << 24) | event_no])
        .expect("search entry");
    conn.prepare_cached("UPDATE call_logs SET last_event_no = ?2, modified_on = ?3 WHERE log_id = ?1")
        .unwrap()
        .execute(rusqlite::params![log, event_no, 1_000_000 + i as i64])
        .expect("bump");
}

/// One log created as the service creates one without a comment: its row,
/// its search header, its `created` event and the counter bump.
fn create_log(conn: &rusqlite::Connection, i: usize) {
    conn.prepare_cached(
        "INSERT INTO call_logs (property_id, call_from, status_id, subject, taken_by, created_on, modified_on, created_by, deleted, last_event_no)
         VALUES (1, 'Ann Bench', 1, 'seed call', 'Admin', ?1, ?1, 1, 0, 0)",
    )
    .unwrap()
    .execute([i as i64])
    .expect("log");
    let log = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO call_log_search (rowid, body) VALUES (?1, 'seed call\nAnn Bench\nAdmin\n')")
        .unwrap()
        .execute([log << 24])
        .expect("search header");
    conn.prepare_cached(
        "INSERT INTO log_events (log_id, event_no, at, user_id, user_name, kind, status_name)
         VALUES (?1, 1, ?2, 1, 'u', 'created', 'Open')",
    )
    .unwrap()
    .execute(rusqlite::params![log, i as i64])
    .expect("event");
    conn.prepare_cached("UPDATE call_logs SET last_event_no = 1, modified_on = ?2 WHERE log_id = ?1")
        .unwrap()
        .execute(rusqlite::params![log, i as i64])
        .expect("bump");
}

/// Operations per second of `op`, run `count` times, `per_commit` of them
/// in each `BEGIN IMMEDIATE … COMMIT` (as the service's writer batches).
fn ceiling_rate(
    conn: &rusqlite::Connection,
    count: usize,
    per_commit: usize,
    mut op: impl FnMut(&rusqlite::Connection, usize),
) -> f64 {
    let started = Instant::now();
    for chunk in 0..count.div_ceil(per_commit) {
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        for i in chunk * per_commit..((chunk + 1) * per_commit).min(count) {
            op(conn, i);
        }
        conn.execute_batch("COMMIT").unwrap();
    }
    count as f64 / started.elapsed().as_secs_f64()
}

/// Phase 1: what SQLite itself does here with the service's write shapes.
fn sqlite_ceiling(dir: &std::path::Path, sync: Synchronous, appends: usize) {
    let conn = ceiling_database(&dir.join("ceiling.db"), sync);
    let spread = |conn: &rusqlite::Connection, i: usize| append_comment(conn, (i % 1000 + 1) as i64, i);
    let single = ceiling_rate(&conn, appends, 1, spread);
    let batched = ceiling_rate(&conn, appends, 64, spread);
    println!(
        "SQLite ceiling, comment append (event row + search entry + log bump), synchronous={}:",
        sync.pragma_value()
    );
    println!("  one commit per append          {single:>10.0} appends/s");
    println!("  64 appends per commit          {batched:>10.0} appends/s");
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// A directory as the outside system holds it.
#[derive(Default)]
pub(crate) struct Directory {
    properties: Vec<calllog::domain::directory::Property>,
    units: Vec<calllog::domain::directory::Unit>,
    pub(crate) residents: Vec<calllog::domain::directory::Resident>,
}

impl Directory {
    /// The directory as an import the service takes.
    pub(crate) fn batch(&self) -> calllog::domain::directory::ImportBatch {
        let mut batch = calllog::domain::directory::ImportBatch::default();
        self.properties.iter().for_each(|p| batch.add_property(p));
        self.units.iter().for_each(|u| batch.add_unit(u));
        self.residents.iter().for_each(|r| batch.add_resident(r));
        batch
    }
}

/// `count` residents in 50 properties of 100 units each, named from common
/// first and last names (so prefixes match thousands), each with a phone.
pub(crate) fn lookup_directory(count: i64) -> Directory {
    use calllog::domain::directory::{Property, Resident, Unit};
    const FIRST: [&str; 12] =
        ["Ana", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kim", "Luis"];
    const LAST: [&str; 10] =
        ["Garcia", "Smith", "Nguyen", "Okafor", "Müller", "Ångström", "Kowalski", "Brown", "Rossi", "Haddad"];
    let mut directory = Directory::default();
    let per_unit = (count / 5000).max(1);
    for p in 0..50 {
        let property_id = 100 + p;
        directory.properties.push(Property {
            property_id: PropertyId(property_id),
            c4_uid: None,
            property_name: format!("Property {property_id}"),
            address1: None,
            address2: None,
            city: None,
            state: None,
            zip: None,
            entity_number: None,
            legal_name: None,
            property_type_id: Some(1),
            property_status: true,
        });
        for u in 0..100 {
            let unit_id = 100_000 + p * 100 + u;
            directory.units.push(Unit {
                unit_id: UnitId(unit_id),
                property_id: PropertyId(property_id),
                unit_number: format!("{}", 100 + u),
                address1: None,
                address2: None,
                city: None,
                state: None,
                zip: None,
                display_order: Some(u),
                floor: None,
                latitude: None,
                longitude: None,
            });
            for k in 0..per_unit {
                let resident_id = unit_id * 100 + k;
                let i = (resident_id * 7919) as usize;
                directory.residents.push(Resident {
                    resident_id: ResidentId(resident_id),
                    property_id: PropertyId(property_id),
                    unit_id: UnitId(unit_id),
                    resident_first_name: Some(FIRST[i % FIRST.len()].into()),
                    resident_middle_initial: None,
                    resident_last_name: Some(format!(
                        "{}{}",
                        LAST[(i / 13) % LAST.len()],
                        if k % 3 == 0 { "" } else { "-Lee" }
                    )),
                    resident_email: None,
                    resident_unitphone: None,
                    resident_cellphone: Some(format!("555-{:07}", (resident_id * 104_729) % 10_000_000)),
                    resident_workphone: None,
                    resident_otherphone: None,
                    occupancy_type: None,
                    resident_type: Some(if k == 0 { 1 } else { 2 }),
                    move_in_date: None,
                    move_out_date: None,
                });
            }
        }
    }
    directory
}

/// VmHWM (peak resident memory) of process `pid`, in MiB; 0 when gone.
fn peak_rss_of(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// A new admin `name` in DB (a SQLite file's path or a PostgreSQL URL) and
/// an API token of theirs, made by the command line (`user add
/// --password-stdin`, `token create`), as an operator would.
fn admin_token_by_command_line(db: impl AsRef<std::ffi::OsStr>, name: &str, password: &str) -> String {
    use std::io::Write;
    use std::process::Stdio;
    let db = db.as_ref();
    // What they say on stderr (a fresh PostgreSQL database's migration is logged) is shown only when they fail.
    let mut add = calllog_command(db, &["user", "add", name, "--role", "admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("calllog user add");
    add.stdin.take().expect("stdin").write_all(format!("{password}\n").as_bytes()).expect("password");
    let added = add.wait_with_output().expect("user add");
    assert!(added.status.success(), "user add: {}", String::from_utf8_lossy(&added.stderr));
    let token = calllog_command(db, &["token", "create", name]).output().expect("token create");
    assert!(token.status.success(), "token create: {}", String::from_utf8_lossy(&token.stderr));
    String::from_utf8_lossy(&token.stdout).trim().to_string()
}

/// `calllog --db DB ARGS…` (DB a SQLite file's path or a PostgreSQL URL),
/// from CALLLOG_BENCH_BIN or this build.
fn calllog_command(db: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> std::process::Command {
    let bin = std::env::var("CALLLOG_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_calllog").to_string());
    let mut command = std::process::Command::new(bin);
    command.arg("--db").arg(db).args(args);
    // The binary's defaults, whatever this shell sets: every CALLLOG_ setting
    // (database, bind, synchronous, pool and queue sizes...) and the log filter.
    for (var, _) in std::env::vars() {
        if var.starts_with("CALLLOG_") || var == "RUST_LOG" {
            command.env_remove(var);
        }
    }
    command
}

/// Phase 7: the directory of the lookup phase imported by `calllog serve`
/// (one HTTP request) and by `calllog import` (three CSV files), each a
/// process of its own on a fresh file, timed, with its peak RSS.
fn import_phase(dir: &std::path::Path, residents: i64) {
    use std::process::Stdio;
    let directory = lookup_directory(residents);
    // The rows as the API writes them (the answer models), which is what an import takes.
    fn rows<T: calllog::wire::models::IntoWire + Clone>(list: &[T]) -> Vec<T::Wire> {
        list.iter().cloned().map(|row| row.into_wire(&jiff::tz::TimeZone::UTC)).collect()
    }
    let (properties, units, residents_rows) =
        (rows(&directory.properties), rows(&directory.units), rows(&directory.residents));
    let body = serde_json::to_vec(&serde_json::json!({
        "Properties": properties, "Units": units, "Residents": residents_rows
    }))
    .expect("JSON body");
    fn write_csv<T: serde::Serialize>(path: &std::path::Path, rows: &[T]) {
        let mut writer = csv::Writer::from_path(path).expect("CSV file");
        for row in rows {
            writer.serialize(row).expect("CSV row");
        }
        writer.flush().expect("CSV file");
    }
    let csv_paths = [dir.join("properties.csv"), dir.join("units.csv"), dir.join("residents.csv")];
    write_csv(&csv_paths[0], &properties);
    write_csv(&csv_paths[1], &units);
    write_csv(&csv_paths[2], &residents_rows);
    let csv_bytes: u64 = csv_paths.iter().map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)).sum();
    println!(
        "Directory import of {} properties, {} units, {residents} residents (each a process of its own, a fresh file):",
        properties.len(),
        units.len()
    );

    // Through the API: a server process, an admin token from the command line.
    let db = dir.join("import-api.db");
    let token = admin_token_by_command_line(&db, "bench", "bench-password");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = calllog_command(&db, &["serve", "--bind", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("calllog serve");
    let http = reqwest::blocking::Client::builder().no_proxy().timeout(Duration::from_secs(300)).build().unwrap();
    let ready = Instant::now();
    while http.get(format!("http://{addr}/healthz")).send().map(|r| !r.status().is_success()).unwrap_or(true) {
        assert!(ready.elapsed() < Duration::from_secs(30), "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let idle = peak_rss_of(server.id());
    let body_bytes = body.len();
    let body_again = body.clone();
    let started = Instant::now();
    let answer = http
        .post(format!("http://{addr}/api/admin/import"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .expect("import request");
    let seconds = started.elapsed().as_secs_f64();
    let status = answer.status().as_u16();
    let text = answer.text().unwrap_or_default();
    println!(
        "  POST /api/admin/import ({:.1} MiB of JSON)   status {status} in {seconds:.1} s; server peak RSS {:.0} MiB ({idle:.0} MiB idle before){}",
        body_bytes as f64 / 1_048_576.0,
        peak_rss_of(server.id()),
        if status == 200 { String::new() } else { format!("; {}", text.chars().take(200).collect::<String>()) }
    );
    let _ = server.kill();
    let _ = server.wait();
    import::others_during_import(dir, body_again, "The same directory");
    if std::env::var("CALLLOG_BENCH_IMPORT_WORST").map(|v| v != "0").unwrap_or(true) {
        import::worst_bodies(dir);
    }

    // From the command line: VmHWM sampled every 2 ms until the process ends.
    let db = dir.join("import-cli.db");
    let [p, u, r] = csv_paths.each_ref().map(|p| p.to_string_lossy().to_string());
    let started = Instant::now();
    let mut child = calllog_command(&db, &["import", "--properties", &p, "--units", &u, "--residents", &r])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("calllog import");
    let mut peak: f64 = 0.0;
    let exit = loop {
        peak = peak.max(peak_rss_of(child.id()));
        if let Some(exit) = child.try_wait().expect("try_wait") {
            break exit;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let seconds = started.elapsed().as_secs_f64();
    let output = child.wait_with_output().expect("output");
    let said = String::from_utf8_lossy(if exit.success() { &output.stdout } else { &output.stderr }).trim().to_string();
    println!(
        "  calllog import ({:.1} MiB of CSV)           {} in {seconds:.1} s; peak RSS {peak:.0} MiB (sampled); {said}",
        csv_bytes as f64 / 1_048_576.0,
        if exit.success() { "done" } else { "failed" },
    );
}

fn main() {
    let only = std::env::var("CALLLOG_BENCH_ONLY").unwrap_or_default();
    // One phase, or several in the bench's order: "throughput,postgres" prints phase 8's figures beside phase 9's.
    let only: Vec<&str> = only.split(',').map(str::trim).collect();
    if ["import", "throughput", "postgres", "lookup"].iter().any(|phase| only.contains(phase)) {
        let dir = tempfile::tempdir().expect("tempdir");
        if only.contains(&"lookup") {
            let residents = env_number("CALLLOG_BENCH_RESIDENTS", 100_000) as i64;
            did_you_mean::did_you_mean_phase(dir.path(), residents, lookup_directory(residents));
        }
        if only.contains(&"import") {
            import_phase(dir.path(), env_number("CALLLOG_BENCH_RESIDENTS", 100_000) as i64);
        }
        let sqlite = only.contains(&"throughput").then(|| throughput::throughput_phase(dir.path()));
        if only.contains(&"postgres") {
            postgres::postgres_phase(dir.path(), sqlite.as_ref());
        }
        return;
    }
    let sync =
        Synchronous::parse(&std::env::var("CALLLOG_BENCH_SYNC").unwrap_or_else(|_| "full".into())).expect("sync");
    let clients = env_number("CALLLOG_BENCH_CLIENTS", 16);
    let requests = env_number("CALLLOG_BENCH_REQUESTS", 4000);
    let big = env_number("CALLLOG_BENCH_LOGS", 1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    println!(
        "calllog benchmark: {} cores, synchronous={}, {clients} clients, {requests} requests per phase",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        sync.pragma_value()
    );
    println!();
    sqlite_ceiling(dir.path(), sync, requests);
    println!();

    // The service, in this process, on a loopback port.
    let mut config = StoreConfig::new(dir.path().join("bench.db"));
    config.synchronous = sync;
    let store = Store::open(&config).expect("store");
    let bench_user = calllog::domain::users::NewUser {
        user_name: "bench".into(),
        password: "bench-password".into(),
        first_name: Some("Bench".into()),
        last_name: None,
        email: None,
        role: calllog::domain::users::Role::Admin,
        property_ids: vec![],
    };
    let operator = calllog::service::access::Admin::command_line();
    let service = calllog::service::Service::new(store.clone(), AppConfig::default());
    let setup = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    setup.block_on(service.create_user(&operator, bench_user)).expect("bench user");
    let directory = ten_properties_of_a_hundred_units();
    let state = actix_web::web::Data::new(AppState::new(store.clone(), AppConfig::default()));
    let addr = serve_on_loopback(state.clone());
    // The clients: tasks on a runtime of their own, beside the server's workers.
    let clients_runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("client runtime");
    let sign_in = r#"{"UserName":"bench","Password":"bench-password"}"#.to_string();
    let (status, body) = clients_runtime.block_on(Client::connect(&addr, &Credential::Anonymous).request(
        "POST",
        "/api/auth/token",
        Some(sign_in),
    ));
    assert_eq!(status, 200, "sign-in");
    let token = Credential::Bearer(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["Token"].as_str().unwrap().to_string(),
    );
    let (status, _) = clients_runtime.block_on(Client::connect(&addr, &token).request(
        "POST",
        "/api/admin/import",
        Some(directory.to_string()),
    ));
    assert_eq!(status, 200, "import");

    println!("The service over loopback HTTP (keep-alive):");
    clients_runtime
        .block_on(run_phase("POST /api/calllogs (create)", &addr, &token, clients, requests, |i| {
        let unit = (i % 10 + 1) * 1000 + i % 100;
        let body = format!(
            r#"{{"PropertyId":{},"UnitId":{unit},"CallFrom":"Caller {i}","Subject":"Call {i}","LogReasons":[1],"NewComments":"first"}}"#,
            i % 10 + 1
        );
        ("POST", "/api/calllogs".to_string(), Some(body))
    }))
    .print();
    let logs = requests;
    clients_runtime
        .block_on(run_phase("PUT /api/calllogs/{id} (comment)", &addr, &token, clients, requests, move |i| {
            (
                "PUT",
                format!("/api/calllogs/{}", i * 7919 % logs + 1),
                Some(format!(r#"{{"NewComments":"comment {i}"}}"#)),
            )
        }))
        .print();
    clients_runtime
        .block_on(run_phase("GET /api/calllogs/{id}", &addr, &token, clients, requests, move |i| {
            ("GET", format!("/api/calllogs/{}", i * 7919 % logs + 1), None)
        }))
        .print();
    clients_runtime
        .block_on(run_phase("GET /api/units/{id}/calllogs", &addr, &token, clients, requests, |i| {
            ("GET", format!("/api/units/{}/calllogs", (i % 10 + 1) * 1000 + i % 100), None)
        }))
        .print();
    // This phase's store is a SQLite file: its writer's batches.
    if let calllog::store::StoreStats::Sqlite { write_batches, .. } = store.stats() {
        println!("  writer: {} requests committed in {write_batches} batches", requests * 2 + 2);
    }
    println!();

    // A large file: bulk-load call logs straight into the table, then list.
    // As in an office's file, all but the newest 3,000 calls are closed, so
    // lists of open calls find them among a million closed ones.
    let bulk = rusqlite::Connection::open(dir.path().join("bench.db")).unwrap();
    bulk.busy_timeout(Duration::from_secs(30)).unwrap();
    let loaded = Instant::now();
    bulk.execute(
        "INSERT INTO call_logs (property_id, unit_id, call_from, status_id, subject, notes, taken_by, created_on, modified_on, created_by, last_event_no)
         WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < ?1)
         SELECT 1 + value % 10, (1 + value % 10) * 1000 + value % 100, 'Caller',
                CASE WHEN value > ?1 - 3000 THEN 1 + value % 3 ELSE 3 END, 'Bulk call ' || value, 'notes',
                'Bench', 16000000000000000 + value * 10000000, 16000000000000000 + value * 10000000, 1, 0
         FROM n",
        [big as i64],
    )
    .unwrap();
    println!(
        "Bulk-loaded {big} call logs in {:.1} s; lists over {} logs:",
        loaded.elapsed().as_secs_f64(),
        big + requests
    );
    let n = 200;
    for (name, path) in [
        ("GET /api/calllogs (newest 25)", "/api/calllogs".to_string()),
        ("GET /api/units/{id}/calllogs", "/api/units/5042/calllogs".to_string()),
        ("GET /api/properties/{id}/calllogs", "/api/properties/3/calllogs?status=2".to_string()),
        ("GET /api/calllogs?sort=modifiedon", "/api/calllogs?sort=modifiedon&modifiedSince=2026-01-01".to_string()),
    ] {
        clients_runtime.block_on(run_phase(name, &addr, &token, 4, n, move |_| ("GET", path.clone(), None))).print();
    }
    println!();

    // The console's pages (docs/console.md §1) at this size, loaded as an agent's
    // browser does: signed in through the form, the session cookie on each.
    let session = clients_runtime.block_on(console_session(&addr, "bench", "bench-password"));
    println!("Console pages over {} logs (one client, the whole rendered page):", big + requests);
    for (name, path) in [
        ("GET /desk (my open calls)", "/desk".to_string()),
        ("GET /desk?unitId= (a unit's card)", "/desk?unitId=3042".to_string()),
        ("GET /calls (newest 25)", "/calls".to_string()),
        ("GET /calls?propertyId=&status=", "/calls?propertyId=3&status=1&status=2".to_string()),
        ("GET /calls/new", "/calls/new".to_string()),
        ("GET /calls/{id} (with comments)", format!("/calls/{}", requests / 2)),
        ("GET /properties/{id} (its board)", "/properties/3".to_string()),
        ("GET /admin", "/admin".to_string()),
    ] {
        clients_runtime.block_on(run_phase(name, &addr, &session, 1, 50, move |_| ("GET", path.clone(), None))).print();
    }
    println!();

    // The lookup (docs/console.md §2): 100,000 residents imported through the
    // service (so the lookup indexes are filled by the real write path),
    // then single-client latencies of the lookup's shapes.
    let residents = env_number("CALLLOG_BENCH_RESIDENTS", 100_000) as i64;
    let loaded = Instant::now();
    setup
        .block_on(async {
            let permit = service.admit_import(&operator).await?;
            service.import_directory(&operator, permit, lookup_directory(residents).batch()).await
        })
        .expect("lookup directory");
    println!(
        "Imported {residents} residents through the service in {:.1} s; lookups (one client):",
        loaded.elapsed().as_secs_f64()
    );
    for (name, q) in [
        ("GET /api/lookup?q=gar (a common name prefix)", "gar"),
        ("GET /api/lookup?q=ana%20gar (two words)", "ana%20gar"),
        ("GET /api/lookup?q=4821 (last four digits)", "4821"),
        ("GET /api/lookup?q=%23123 (a log or unit number)", "%23123"),
        ("GET /api/lookup?q=zz (no match)", "zz"),
    ] {
        let path = format!("/api/lookup?q={q}");
        clients_runtime.block_on(run_phase(name, &addr, &token, 1, n, move |_| ("GET", path.clone(), None))).print();
    }
    println!();

    // Export everything: memory must not grow with the row count.
    let before = peak_rss_mib();
    // Writing 5 to clear_refs resets the peak (VmHWM) to the current size.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let baseline = peak_rss_mib();
    let started = Instant::now();
    let (status, bytes, lines) =
        clients_runtime.block_on(Client::connect(&addr, &token).download("/api/calllogs/export.csv"));
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "Export of every log: status {status}, {} rows, {:.0} MiB in {seconds:.1} s ({:.0} rows/s); peak memory during it {:.0} MiB (it was {:.0} MiB before it began)",
        lines.saturating_sub(1),
        bytes as f64 / 1_048_576.0,
        lines as f64 / seconds,
        peak_rss_mib(),
        baseline
    );
    println!();
    println!("Peak resident memory of the process before the export (server + clients + bulk load): {before:.0} MiB");
    println!();
    import_phase(dir.path(), residents);
    println!();
    let sqlite = throughput::throughput_phase(dir.path());
    postgres::postgres_phase(dir.path(), Some(&sqlite));
}
