//! Phase 8: the throughput table of issue 9, beside SQLite's own ceiling,
//! and the check that a write costs the same on a long thread as on a short
//! one.
//!
//!     CALLLOG_BENCH_ONLY=throughput cargo bench --bench load
//!
//! The server is the release `calllog serve` (or CALLLOG_BENCH_BIN) as a
//! process of its own, on a fresh file in a temporary directory, on
//! loopback, at its default settings (synchronous=full), with an admin token
//! made by the command line; it is seeded as /work/shared/bench/side-by-side.sh
//! seeds it: 1 property, 1 unit, 1 resident, 1,000 logs, 20 comments on log 1.
//! The load comes from this process (generator.rs): one thread, one
//! keep-alive connection per task, requests formatted in advance, because
//! on a 2-core machine what the client spends the server cannot use.
//!
//! Loads, each for CALLLOG_BENCH_SECONDS (10) on CALLLOG_BENCH_CONNECTIONS
//! (64) connections and at most CALLLOG_BENCH_MAX_REQUESTS (1,000,000):
//! a comment appended to logs 3..999 in turn; the same, every request on
//! log 2 (its thread grows to thousands of comments); a read of log 1; a
//! create. Then one connection, CALLLOG_BENCH_SINGLE (2,000) requests each:
//! a comment, a read. Afterwards every comment the server acknowledged must
//! be found on its log, and the server's peak RSS (VmHWM) is read.
//!
//! The ceiling is measured in the same run, for CALLLOG_BENCH_CEILING_SECONDS
//! (2) just before and just after each write load (the server idle), on a
//! file in the same directory: the same write shapes run straight on a
//! connection with the server's pragmas, 64 to a commit (with 64 connections
//! the writer commits at most 64 requests at once; one to a commit beside
//! the one-connection PUT). Figures swing between
//! runs on a shared VM; the ratio to the ceiling of the same minute swings
//! less. The table also shows each side's CPU and the writes per commit.
//!
//! The thread-size check and the reads of the durability check run after
//! the table's RSS is read: they answer whole threads of thousands of
//! comments, which the table's loads do not.
//!
//! The thread-size check: a log with 10 comments beside one with
//! CALLLOG_BENCH_BIG_THREAD (10,000), filled through the API (the real write
//! path: events, search index, counters). On one connection,
//! CALLLOG_BENCH_THREAD_ROUNDS (300) of each: a comment, a status change
//! (back and forth), a delete and its restore, and a create with a first
//! comment on a unit with thousands of logs beside one with none. Writes
//! that do not read the thread cost the same on both: big/small ≈ 1.

pub(crate) mod generator;

use crate::common::env_number;
use crate::{
    admin_token_by_command_line, append_comment, calllog_command, ceiling_database, ceiling_rate, create_log,
    peak_rss_of,
};
use calllog::config::Synchronous;
use generator::{drive, in_turn, Outcome, Target};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The comment appended by the write loads (as in side-by-side.sh).
pub(crate) const COMMENT: &str = r#"{"NewComments":"load test comment of a typical length for a call-center note"}"#;
/// A log as side-by-side.sh creates it: on the one resident, no comment.
pub(crate) const NEW_LOG: &str = r#"{"PropertyId":1,"UnitId":1,"ResidentId":1,"Subject":"seed call"}"#;
/// side-by-side.sh's directory: one property, one unit, one resident.
const DIRECTORY: &str = r#"{"Properties":[{"PropertyId":1,"PropertyName":"Bench Towers","PropertyTypeId":1,"PropertyStatus":true}],"Units":[{"UnitId":1,"PropertyId":1,"UnitNumber":"1"}],"Residents":[{"ResidentId":1,"PropertyId":1,"UnitId":1,"ResidentFirstName":"Ann","ResidentLastName":"Bench","ResidentType":1}]}"#;
/// The time bound of loads bounded by their request count (seeding, one
/// connection): long enough never to be reached, there only to stop a stuck run.
pub(crate) const UNTIMED: Duration = Duration::from_secs(600);
/// The logs the spread load appends to, in turn (1 is read, 2 is the hot one).
pub(crate) const SPREAD_LOGS: std::ops::RangeInclusive<i64> = 3..=999;

/// The phase's settings, from the environment.
pub(crate) struct Knobs {
    pub(crate) duration: Duration,
    pub(crate) ceiling_duration: Duration,
    pub(crate) connections: usize,
    pub(crate) max_requests: usize,
    pub(crate) single: usize,
    big_thread: usize,
    thread_rounds: usize,
}

impl Knobs {
    pub(crate) fn from_env() -> Knobs {
        Knobs {
            duration: Duration::from_secs(env_number("CALLLOG_BENCH_SECONDS", 10) as u64),
            ceiling_duration: Duration::from_secs(env_number("CALLLOG_BENCH_CEILING_SECONDS", 2) as u64),
            connections: env_number("CALLLOG_BENCH_CONNECTIONS", 64),
            max_requests: env_number("CALLLOG_BENCH_MAX_REQUESTS", 1_000_000),
            single: env_number("CALLLOG_BENCH_SINGLE", 2_000),
            big_thread: env_number("CALLLOG_BENCH_BIG_THREAD", 10_000),
            thread_rounds: env_number("CALLLOG_BENCH_THREAD_ROUNDS", 300),
        }
    }
}

/// `calllog serve` as a process of its own; killed, by its id, when dropped.
pub(crate) struct Server {
    pub(crate) process: Child,
    pub(crate) target: Target,
}

impl Server {
    /// A fresh file with an admin and its token (made by the command line), served on a free loopback port.
    fn start(dir: &Path) -> Server {
        let db = dir.join("throughput.db");
        let token = admin_token_by_command_line(&db, "admin", "admin-pw-123456");
        Server::spawn(&db, token, &dir.join("throughput-server.log"))
    }

    /// `calllog --db DB serve` on a free loopback port, its access log to
    /// `log`; its requests carry `token`.
    pub(crate) fn spawn(db: impl AsRef<std::ffi::OsStr>, token: String, log: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let addr = format!("127.0.0.1:{port}");
        // Its access log goes to a file, as side-by-side.sh's does: writing it is part of the server's work.
        let log = std::fs::File::create(log).expect("server log");
        let process = calllog_command(db, &["serve", "--bind", &addr])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("calllog serve");
        Server { process, target: Target { addr, token } }
    }

    pub(crate) async fn ready(&self) {
        let healthz = self.target.request("GET", "/healthz", None);
        let waiting = Instant::now();
        loop {
            if let Ok(mut connection) = self.target.connect().await {
                if connection.exchange(&healthz).await.ok() == Some(200) {
                    return;
                }
            }
            assert!(waiting.elapsed() < Duration::from_secs(30), "the server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// CPU seconds (user + system) process `pid` has used so far ("self" for this one).
pub(crate) fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the command name in parentheses: state is field 3, utime 14, stime 15 (proc(5)), in ticks of 1/100 s.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

pub(crate) fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// The write shapes of the loads, run straight on SQLite.
#[derive(Clone, Copy)]
enum WriteShape {
    /// Comments over logs 3..999, 64 to a commit (the writer's most at 64 connections).
    AppendSpread,
    /// Comments on log 2 only, 64 to a commit.
    AppendHot,
    /// Logs created, 64 to a commit.
    Create,
    /// Comments over logs 3..999, one to a commit (one connection: the writer has one at a time).
    AppendAlone,
}

/// What SQLite itself does with the loads' write shapes, on a file beside
/// the server's, with the server's pragmas (synchronous=full). Measured just
/// before and just after each write load, while the server idles: the disk
/// of a shared VM drifts within minutes, so a ceiling from another moment
/// would mislead the ratio.
struct Ceiling {
    conn: rusqlite::Connection,
    /// How long each measure lasts (CALLLOG_BENCH_CEILING_SECONDS).
    duration: Duration,
}

impl Ceiling {
    fn open(dir: &Path, duration: Duration) -> Ceiling {
        let conn = ceiling_database(&dir.join("throughput-ceiling.db"), Synchronous::Full);
        let ceiling = Ceiling { conn, duration };
        // A fresh file's first commits also grow its write-ahead log, which
        // the server's, seeded by then, no longer does: one measure thrown away.
        ceiling.rate(WriteShape::AppendSpread);
        ceiling
    }

    fn append_spread(conn: &rusqlite::Connection, i: usize) {
        let spread_logs = (SPREAD_LOGS.end() - SPREAD_LOGS.start() + 1) as usize;
        append_comment(conn, SPREAD_LOGS.start() + (i % spread_logs) as i64, i)
    }

    /// Writes per second of `shape` over `self.duration`: a fraction of a
    /// second swings with every other tenant's fsync, a few seconds average
    /// them out.
    fn rate(&self, shape: WriteShape) -> f64 {
        let (chunk, per_commit) = match shape {
            WriteShape::AppendAlone => (10, 1),
            _ => (640, 64),
        };
        let started = Instant::now();
        let mut done = 0;
        while started.elapsed() < self.duration {
            match shape {
                WriteShape::AppendSpread | WriteShape::AppendAlone => {
                    ceiling_rate(&self.conn, chunk, per_commit, Ceiling::append_spread)
                }
                WriteShape::AppendHot => {
                    ceiling_rate(&self.conn, chunk, per_commit, |conn, i| append_comment(conn, 2, i))
                }
                WriteShape::Create => ceiling_rate(&self.conn, chunk, per_commit, create_log),
            };
            done += chunk;
        }
        done as f64 / started.elapsed().as_secs_f64()
    }
}

/// One measured load: what the generator(s) saw, the CPU each side used
/// (PostgreSQL's too in phase 9, when it runs on this machine), how many
/// transactions the server committed meanwhile, and the engine's ceiling for
/// its write shape just before and just after it.
pub(crate) struct Measured {
    pub(crate) outcome: Outcome,
    pub(crate) server_cpu: f64,
    pub(crate) postgres_cpu: Option<f64>,
    pub(crate) client_cpu: f64,
    pub(crate) commits: u64,
    pub(crate) ceiling: Option<(f64, f64)>,
}

impl Measured {
    /// Cores' worth of CPU over the load's wall time, as a percentage ("180%" = 1.8 cores).
    pub(crate) fn cpu_percent(&self, seconds: f64) -> f64 {
        if self.outcome.seconds > 0.0 {
            100.0 * seconds / self.outcome.seconds
        } else {
            0.0
        }
    }

    /// The rate over the mean of the ceilings around it.
    pub(crate) fn ceiling_ratio(&self) -> Option<f64> {
        self.ceiling.map(|(before, after)| self.outcome.per_second() / ((before + after) / 2.0))
    }
}

/// The server under test, and the ceiling beside it.
struct Bench {
    server_pid: String,
    target: Target,
    ceiling: Ceiling,
}

impl Bench {
    async fn measure(
        &self,
        requests: Vec<Vec<u8>>,
        connections: usize,
        duration: Duration,
        max_requests: usize,
        shape: Option<WriteShape>,
    ) -> Measured {
        let ceiling_before = shape.map(|shape| self.ceiling.rate(shape));
        let commits_before = write_batches(&self.target).await;
        let (server_before, client_before) = (cpu_seconds(&self.server_pid), cpu_seconds("self"));
        let outcome = drive(&self.target, requests, connections, duration, max_requests).await;
        let server_cpu = cpu_seconds(&self.server_pid) - server_before;
        let client_cpu = cpu_seconds("self") - client_before;
        let commits = write_batches(&self.target).await - commits_before;
        let ceiling = shape.zip(ceiling_before).map(|(shape, before)| (before, self.ceiling.rate(shape)));
        Measured { outcome, server_cpu, postgres_cpu: None, client_cpu, commits, ceiling }
    }
}

/// The writer's committed transactions so far, from the server's `/metrics`.
async fn write_batches(target: &Target) -> u64 {
    let (status, body) = target.send("GET", "/metrics", None).await;
    assert_eq!(status, 200, "GET /metrics");
    String::from_utf8_lossy(&body)
        .lines()
        .find(|line| line.starts_with("calllog_write_batches"))
        .and_then(|line| line.split_whitespace().last())
        .and_then(|count| count.parse().ok())
        .expect("calllog_write_batches in /metrics")
}

/// Comments found on `logs`, each read once on one connection.
pub(crate) async fn comments_on(target: &Target, logs: impl Iterator<Item = i64>) -> usize {
    let mut connection = target.connect().await.expect("connect");
    let mut found = 0;
    for log in logs {
        let status = connection.exchange(&target.request("GET", &format!("/api/calllogs/{log}"), None)).await;
        assert_eq!(status.ok(), Some(200), "GET /api/calllogs/{log}");
        let body: serde_json::Value = serde_json::from_slice(connection.body()).expect("a log");
        found += body["OldComments"].as_array().map_or(0, Vec::len);
        if connection.closed {
            connection = target.connect().await.expect("reconnect");
        }
    }
    found
}

/// Seeds a fresh database as side-by-side.sh does: its directory (1
/// property, 1 unit, 1 resident), 1,000 logs, 20 comments on log 1.
pub(crate) async fn seed(target: &Target) {
    let (status, answer) = target.send("POST", "/api/admin/import", Some(DIRECTORY)).await;
    assert_eq!(status, 200, "import: {}", String::from_utf8_lossy(&answer));
    let seeded = drive(target, vec![target.request("POST", "/api/calllogs", Some(NEW_LOG))], 8, UNTIMED, 1000).await;
    assert_eq!(seeded.ok, 1000, "1,000 logs seeded");
    let seed_comment = r#"{"NewComments":"seed comment of a typical length for a call-center note"}"#;
    let commented =
        drive(target, vec![target.request("PUT", "/api/calllogs/1", Some(seed_comment))], 1, UNTIMED, 20).await;
    assert_eq!(commented.ok, 20, "20 comments on log 1");
}

/// Creates a log with `body` and answers its id.
async fn create(target: &Target, body: &str) -> i64 {
    let (status, answer) = target.send("POST", "/api/calllogs", Some(body)).await;
    assert_eq!(status, 201, "create: {}", String::from_utf8_lossy(&answer));
    serde_json::from_slice::<serde_json::Value>(&answer).expect("a log")["LogId"].as_i64().expect("LogId")
}

/// Each load of the table, in its order: 2xx answers per second and the
/// median latency in ms (phase 9 prints them beside PostgreSQL's).
pub(crate) type TableFigures = [(f64, f64); 6];

/// Runs the phase; answers its table's figures.
pub fn throughput_phase(dir: &Path) -> TableFigures {
    let knobs = Knobs::from_env();
    let phase_started = Instant::now();
    // The generator's runtime: one thread for every connection.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    println!(
        "Throughput (issue 9): `calllog serve` as its own process, default settings, {} connections, {} s per load; load average {} at the start",
        knobs.connections,
        knobs.duration.as_secs(),
        load_average()
    );
    let ceiling = Ceiling::open(dir, knobs.ceiling_duration);
    let server = Server::start(dir);
    let target = server.target.clone();
    runtime.block_on(async {
        server.ready().await;
        seed(&target).await;
    });

    let spread_requests: Vec<Vec<u8>> =
        SPREAD_LOGS.map(|log| target.request("PUT", &format!("/api/calllogs/{log}"), Some(COMMENT))).collect();
    let hot_request = target.request("PUT", "/api/calllogs/2", Some(COMMENT));
    let read_request = target.request("GET", "/api/calllogs/1", None);
    let create_request = target.request("POST", "/api/calllogs", Some(NEW_LOG));
    let (connections, duration, max) = (knobs.connections, knobs.duration, knobs.max_requests);
    let bench = Bench { server_pid: server.process.id().to_string(), target: target.clone(), ceiling };
    let (spread, hot, read, created, single_put, single_get) = runtime.block_on(async {
        use WriteShape::*;
        (
            bench.measure(spread_requests.clone(), connections, duration, max, Some(AppendSpread)).await,
            bench.measure(vec![hot_request], connections, duration, max, Some(AppendHot)).await,
            bench.measure(vec![read_request.clone()], connections, duration, max, None).await,
            bench.measure(vec![create_request], connections, duration, max, Some(Create)).await,
            bench.measure(spread_requests, 1, UNTIMED, knobs.single, Some(AppendAlone)).await,
            bench.measure(vec![read_request], 1, UNTIMED, knobs.single, None).await,
        )
    });
    // The issue's figure: the peak after the loads, before the check below
    // reads log 2's whole thread (tens of thousands of comments, one answer).
    let peak_rss = peak_rss_of(server.process.id());
    // Durability: every acknowledged comment is on its log (a timed-out request may have been kept too).
    let (spread_found, hot_found) =
        runtime.block_on(async { (comments_on(&target, SPREAD_LOGS).await, comments_on(&target, 2..=2).await) });
    let acknowledged = spread.outcome.ok + single_put.outcome.ok + hot.outcome.ok;
    let found = spread_found + hot_found;
    let peak_rss_after_check = peak_rss_of(server.process.id());

    println!();
    println!(
        "{:<44} {:>8} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>7} {:>8}  target",
        "Load", "req/s", "p50 ms", "p99 ms", "non-2xx", "errors", "srvCPU", "genCPU", "/commit", "÷ceiling"
    );
    let mark = |met: bool| if met { "✓" } else { "✗" };
    let row = |name: &str, m: &Measured, target: String, met: bool| {
        let o = &m.outcome;
        println!(
            "{name:<44} {:>8.0} {:>7.2} {:>7.2} {:>7} {:>6} {:>5.0}% {:>5.0}% {:>7} {:>8}  {target} {}",
            o.per_second(),
            o.percentile_ms(0.50),
            o.percentile_ms(0.99),
            o.non_2xx,
            o.errors,
            m.cpu_percent(m.server_cpu),
            m.cpu_percent(m.client_cpu),
            // Writes per transaction; a read load commits nothing.
            if m.commits > 0 { format!("{:.1}", o.ok as f64 / m.commits as f64) } else { "—".into() },
            m.ceiling_ratio().map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into()),
            mark(met)
        );
    };
    let spread_rate = spread.outcome.per_second();
    row(
        &format!("PUT comment, logs 3..999 in turn, {connections} conn"),
        &spread,
        "≥ 10,000 req/s".into(),
        spread_rate >= 10_000.0,
    );
    row(
        &format!("PUT comment, all on log 2, {connections} conn"),
        &hot,
        format!("≥ 0.8 × spread ({:.2})", hot.outcome.per_second() / spread_rate.max(1.0)),
        hot.outcome.per_second() >= 0.8 * spread_rate,
    );
    row(
        &format!("GET log 1 (20 comments), {connections} conn"),
        &read,
        "≥ 20,000 req/s".into(),
        read.outcome.per_second() >= 20_000.0,
    );
    row(
        &format!("POST create, {connections} conn"),
        &created,
        "≥ 12,000 req/s".into(),
        created.outcome.per_second() >= 12_000.0,
    );
    row(
        &format!("PUT comment, 1 conn ({} requests)", knobs.single),
        &single_put,
        "p50 ≤ 0.5 ms".into(),
        single_put.outcome.percentile_ms(0.5) <= 0.5,
    );
    row(
        &format!("GET log 1, 1 conn ({} requests)", knobs.single),
        &single_get,
        "p50 ≤ 0.15 ms".into(),
        single_get.outcome.percentile_ms(0.5) <= 0.15,
    );
    println!(
        "{:<44} {peak_rss:>8.1} MiB{:>66}≤ 64 MiB {}",
        "Server peak RSS (VmHWM) after the loads",
        "",
        mark(peak_rss <= 64.0)
    );
    println!(
        "  (and {peak_rss_after_check:.1} MiB after the check below read log 2's {hot_found} comments in one answer)"
    );
    println!(
        "Comments acknowledged {acknowledged}, found on their logs {found} (log 2 now has {hot_found}) {}",
        if found == acknowledged {
            "✓".to_string()
        } else if found > acknowledged {
            format!("✓ ({} unanswered requests were kept)", found - acknowledged)
        } else {
            format!("✗ {} acknowledged comments are missing", acknowledged - found)
        }
    );
    let around = |m: &Measured| m.ceiling.map(|(b, a)| format!("{b:.0}/{a:.0}")).unwrap_or_default();
    println!(
        "SQLite ceiling (synchronous=full), per second, just before/after each load: 64 to a commit: append over logs 3..999 {}, append on log 2 {}, create {}; one to a commit: append {}",
        around(&spread),
        around(&hot),
        around(&created),
        around(&single_put)
    );
    println!(
        "srvCPU/genCPU: the server's and this generator's CPU during the load (100% = one core of {}); /commit: acknowledged writes per transaction the writer committed.",
        cores()
    );
    println!();

    runtime.block_on(thread_size_check(&target, &knobs));
    println!(
        "Server peak RSS after the thread-size check: {:.1} MiB. Phase took {:.0} s; load average {} at the end.",
        peak_rss_of(server.process.id()),
        phase_started.elapsed().as_secs_f64(),
        load_average()
    );
    println!();
    [&spread, &hot, &read, &created, &single_put, &single_get]
        .map(|m| (m.outcome.per_second(), m.outcome.percentile_ms(0.5)))
}

pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Writes on a log with 10 comments beside one with thousands: the same cost if they do not read the thread.
async fn thread_size_check(target: &Target, knobs: &Knobs) {
    // A second unit and resident with no calls at all, for creates beside unit 1's thousands of logs.
    let second_unit = r#"{"Properties":[{"PropertyId":1,"PropertyName":"Bench Towers","PropertyTypeId":1,"PropertyStatus":true}],"Units":[{"UnitId":2,"PropertyId":1,"UnitNumber":"2"}],"Residents":[{"ResidentId":2,"PropertyId":1,"UnitId":2,"ResidentFirstName":"Bo","ResidentLastName":"Small","ResidentType":1}]}"#;
    let (status, answer) = target.send("POST", "/api/admin/import", Some(second_unit)).await;
    assert_eq!(status, 200, "import: {}", String::from_utf8_lossy(&answer));
    let first_comment =
        r#"{"PropertyId":1,"UnitId":1,"ResidentId":1,"Subject":"thread","NewComments":"first comment"}"#;
    let small = create(target, first_comment).await;
    let big = create(target, first_comment).await;
    let comment = |log: i64| target.request("PUT", &format!("/api/calllogs/{log}"), Some(COMMENT));
    let filled = Instant::now();
    let small_fill = drive(target, vec![comment(small)], 1, UNTIMED, 9).await;
    let big_fill = drive(target, vec![comment(big)], knobs.connections, UNTIMED, knobs.big_thread - 1).await;
    assert_eq!((small_fill.ok, big_fill.ok), (9, knobs.big_thread - 1), "threads filled");
    let fill_seconds = filled.elapsed().as_secs_f64();
    let (small_size, big_size) =
        (comments_on(target, [small].into_iter()).await, comments_on(target, [big].into_iter()).await);
    println!(
        "Thread size: log {small} with {small_size} comments beside log {big} with {big_size} (filled through the API in {fill_seconds:.1} s); one connection, {} of each:",
        knobs.thread_rounds
    );
    println!("{:<44} {:>17} {:>17} {:>13}", "Request", "small p50/p99 ms", "big p50/p99 ms", "big/small p50");
    let rounds = knobs.thread_rounds;
    let status_to = |log: i64, status: i64| {
        target.request("PUT", &format!("/api/calllogs/{log}"), Some(&format!(r#"{{"ModuleStatusId":{status}}}"#)))
    };
    let delete_restore = |log: i64| {
        vec![
            target.request("DELETE", &format!("/api/calllogs/{log}"), None),
            target.request("POST", &format!("/api/calllogs/{log}/restore"), None),
        ]
    };
    let read = |log: i64| vec![target.request("GET", &format!("/api/calllogs/{log}"), None)];
    // Each request on both logs; the append grows both threads by `rounds`, so it comes last.
    let labels = ["  PUT ModuleStatusId 2", "  PUT ModuleStatusId back to 1"];
    compare(target, &labels, [small, big].map(|log| vec![status_to(log, 2), status_to(log, 1)]), rounds / 2).await;
    let labels = ["  DELETE", "  POST …/restore (answers the whole log)"];
    compare(target, &labels, [small, big].map(delete_restore), rounds / 2).await;
    let labels = ["  GET the log (reads the thread, by design)"];
    compare(target, &labels, [small, big].map(read), (rounds / 5).max(20)).await;
    let labels = ["  PUT NewComments (append a comment)"];
    compare(target, &labels, [small, big].map(|log| vec![comment(log)]), rounds).await;
    // A create touches no existing thread; what could grow is the unit's list of logs.
    let on_unit = |unit: i64| {
        target.request(
            "POST",
            "/api/calllogs",
            Some(&format!(
                r#"{{"PropertyId":1,"UnitId":{unit},"ResidentId":{unit},"Subject":"call","NewComments":"first"}}"#
            )),
        )
    };
    let labels = ["  POST create, first comment (unit 2 | 1)"];
    compare(target, &labels, [vec![on_unit(2)], vec![on_unit(1)]], rounds).await;
    println!("  (unit 1 holds the 1,000 seeded logs and every log the create load made; unit 2 none before this)");
}

/// Sends the requests on the small side, then those on the big side, in
/// turn on one connection, `rounds` times, and prints one line per request.
/// Interleaved, both sides see the same moments of a busy machine.
async fn compare(target: &Target, labels: &[&str], [small, big]: [Vec<Vec<u8>>; 2], rounds: usize) {
    let per_side = small.len();
    let outcomes = in_turn(target, &[small, big].concat(), rounds).await;
    let (on_small, on_big) = outcomes.split_at(per_side);
    for (i, label) in labels.iter().enumerate() {
        print_pair(label, &on_small[i], &on_big[i]);
    }
}

fn print_pair(label: &str, small: &Outcome, big: &Outcome) {
    let failed = small.non_2xx + small.errors + big.non_2xx + big.errors;
    println!(
        "{label:<44} {:>8.2}/{:<8.2} {:>8.2}/{:<8.2} {:>12.2}{}",
        small.percentile_ms(0.5),
        small.percentile_ms(0.99),
        big.percentile_ms(0.5),
        big.percentile_ms(0.99),
        big.percentile_ms(0.5) / small.percentile_ms(0.5).max(1e-9),
        if failed > 0 { format!("  ({failed} failed)") } else { String::new() }
    );
}
