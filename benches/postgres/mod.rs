//! Phase 9: phase 8's throughput table on PostgreSQL, with one and with two
//! `calllog serve` instances on one database, beside PostgreSQL's own
//! ceiling for the same write shapes (issue 10).
//!
//!     CALLLOG_BENCH_ONLY=postgres cargo bench --bench load
//!
//! The PostgreSQL server: CALLLOG_BENCH_PG=postgres://user@host:port/postgres
//! names one to use (the phase creates its databases there and drops them
//! when done; the user must be allowed to create databases); unset, the
//! phase starts a throwaway cluster of its own with `scripts/pg_cluster.sh
//! start DIR --durable` (fsync on, synchronous_commit on: PostgreSQL's
//! defaults) and stops it when done, also after a panic. Without
//! PostgreSQL (no binaries, no server at the URL) the phase prints why and
//! is skipped. The header shows the server's version, synchronous_commit
//! and fsync: a smoke run on a non-durable cluster says so there.
//!
//! For 1, then 2 instances: a fresh database; an admin token made by the
//! command line; N release `calllog --db URL serve` processes at their
//! default settings (a pool of 8 PostgreSQL connections each); seeded
//! through instance 1 as phase 8 seeds (1 property, 1 unit, 1 resident,
//! 1,000 logs, 20 comments on log 1). Then phase 8's loads with its knobs
//! (CALLLOG_BENCH_SECONDS, CALLLOG_BENCH_CONNECTIONS,
//! CALLLOG_BENCH_MAX_REQUESTS, CALLLOG_BENCH_SINGLE): a comment appended to
//! logs 3..999 in turn; every comment on log 2; a read of log 1; a create;
//! then one connection: a comment, a read. The connections are split evenly
//! over the instances (one generator per instance, all at once, their
//! outcomes added up; a one-connection load goes to instance 1). Afterwards
//! every acknowledged comment must be found on its log; each instance's
//! peak RSS (VmHWM) is read.
//!
//! Columns: the servers' CPU (all instances), PostgreSQL's CPU (the
//! postmaster and its processes, from /proc; "—" when the server is not on
//! this machine), this generator's CPU, acknowledged writes per committed
//! transaction (`calllog_committed_writes` of every instance's `/metrics`:
//! on PostgreSQL each write request is its own transaction), and the rate
//! over PostgreSQL's ceiling. In a whole `cargo bench --bench load`, the
//! last column repeats phase 8's SQLite figures of the same loads.
//!
//! The ceiling is measured in the same run, for CALLLOG_BENCH_CEILING_SECONDS
//! (2) just before and just after each write load (the servers idle), on a
//! scratch database of the same schema and seed: the loads' write shapes
//! run straight over the `postgres` crate with prepared statements, one
//! write per transaction (as calllog commits each request), on as many
//! threads, each with its connection, as the load has connections. A comment:
//! the log's head read `FOR UPDATE` (as calllog's writes read it), its event
//! row, its search row (a tsvector), the log's counters and modification
//! time. A create: the log's row, its search header, its `created` event,
//! the counter bump (the per-status counts follow by trigger, as for
//! calllog). What calllog adds (the request itself, authentication, the
//! change-clock lock, the reads its rules need) is the gap to 1; and
//! at 64 connections, the pool's width: an instance has at most its pool's
//! connections (8) in transactions at once, the ceiling 64, and with
//! synchronous_commit=on PostgreSQL flushes the commits in flight together.
//! Writes that lock one row (every comment on log 2) hold the lock until
//! their commit is flushed: they run one at a time, at most one per WAL
//! flush, on either side. (Creates on one unit do not: the per-status count
//! rows they bump are spread over slots, one per backend.)

use crate::peak_rss_of;
use crate::throughput::generator::{combine, drive, Outcome, Target};
use crate::throughput::{
    comments_on, cores, cpu_seconds, load_average, seed, Knobs, Measured, Server, TableFigures, COMMENT, NEW_LOG,
    SPREAD_LOGS, UNTIMED,
};
use ::postgres::{Client, NoTls, Statement};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The comment the write loads append (COMMENT's text), as the ceiling indexes it.
const COMMENT_TEXT: &str = "load test comment of a typical length for a call-center note";

/// The instance counts measured, in turn.
const INSTANCE_COUNTS: [usize; 2] = [1, 2];

/// A throwaway cluster of scripts/pg_cluster.sh, stopped (by the script, by
/// its PID) when dropped; its directory is removed after.
struct OwnCluster {
    dir: tempfile::TempDir,
}

fn cluster_script() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg_cluster.sh")
}

impl OwnCluster {
    /// Starts a durable cluster; answers it and the URL of its `postgres` database.
    fn start() -> Result<(OwnCluster, String), String> {
        // In /tmp, not the phase's directory: the script hands the directory
        // to the `postgres` user, who must be able to reach it.
        let dir = tempfile::Builder::new().prefix("calllog-bench-pg-").tempdir().map_err(|e| e.to_string())?;
        let cluster = OwnCluster { dir };
        let output = Command::new(cluster_script())
            .arg("start")
            .arg(cluster.dir.path())
            .arg("--durable")
            .output()
            .map_err(|e| format!("{}: {e}", cluster_script()))?;
        if !output.status.success() {
            return Err(format!("pg_cluster.sh start: {}", String::from_utf8_lossy(&output.stderr).trim()));
        }
        let url = String::from_utf8_lossy(&output.stdout).trim().to_string();
        Ok((cluster, url))
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(cluster_script()).arg("stop").arg(self.dir.path()).status();
    }
}

/// The PostgreSQL server the phase runs on.
struct PgServer {
    /// The URL of its `postgres` (maintenance) database.
    url: String,
    /// How the header names it.
    origin: String,
    /// Its postmaster's PID when it runs on this machine (for its CPU).
    postmaster: Option<u32>,
    /// The cluster this phase started, if it did (stopped when this is dropped).
    _own: Option<OwnCluster>,
}

impl PgServer {
    /// CALLLOG_BENCH_PG's server, or a cluster of this phase's own; why not, when neither can be had.
    fn find() -> Result<PgServer, String> {
        let (url, origin, own) = match std::env::var("CALLLOG_BENCH_PG") {
            Ok(url) => {
                let origin = format!(
                    "CALLLOG_BENCH_PG ({})",
                    calllog::config::Database::parse(&url).map_err(|e| e.to_string())?.describe()
                );
                (url, origin, None)
            }
            Err(_) => {
                let (cluster, url) = OwnCluster::start()?;
                (url.clone(), format!("a throwaway cluster of pg_cluster.sh --durable ({url})"), Some(cluster))
            }
        };
        let mut client = Client::connect(&url, NoTls).map_err(|e| format!("cannot connect to {origin}: {e}"))?;
        let postmaster = postmaster_of(&mut client);
        Ok(PgServer { url, origin, postmaster, _own: own })
    }

    fn connect(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to PostgreSQL")
    }
}

/// The postmaster of the backend serving `client`, if that backend is a
/// process of this machine (a server elsewhere has no /proc entry here).
fn postmaster_of(client: &mut Client) -> Option<u32> {
    let backend: i32 = client.query_one("SELECT pg_backend_pid()", &[]).ok()?.get(0);
    let comm = std::fs::read_to_string(format!("/proc/{backend}/comm")).ok()?;
    if comm.trim() != "postgres" {
        return None;
    }
    let parent = stat_fields(&std::fs::read_to_string(format!("/proc/{backend}/stat")).ok()?).get(1)?.parse().ok()?;
    let parent_comm = std::fs::read_to_string(format!("/proc/{parent}/comm")).ok()?;
    (parent_comm.trim() == "postgres").then_some(parent)
}

/// The fields of a /proc/PID/stat after the command name: state, ppid, … (proc(5), from field 3).
fn stat_fields(stat: &str) -> Vec<String> {
    stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().map(str::to_string).collect()).unwrap_or_default()
}

/// CPU seconds the cluster has used so far: the postmaster's own and its
/// reaped children's (backends that ended), and its live children's.
fn cluster_cpu_seconds(postmaster: u32) -> f64 {
    let mut ticks = 0.0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        let fields = stat_fields(&stat);
        let field = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        if pid == postmaster {
            // utime, stime, cutime, cstime (fields 14 to 17), in ticks of 1/100 s.
            ticks += field(11) + field(12) + field(13) + field(14);
        } else if fields.get(1).and_then(|ppid| ppid.parse::<u32>().ok()) == Some(postmaster) {
            ticks += field(11) + field(12);
        }
    }
    ticks / 100.0
}

/// `url` with its database replaced by `name` (its query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, String::new()), |(base, query)| (base, format!("?{query}")));
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let authority = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{authority}/{name}{query}")
}

/// A database of this phase on the server, dropped (with its sessions) when this is.
struct ScratchDatabase {
    server_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    fn create(server: &PgServer, what: &str) -> ScratchDatabase {
        let name = format!("calllog_bench_{}_{what}", std::process::id());
        let mut admin = server.connect();
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop an old scratch database");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a scratch database");
        ScratchDatabase { server_url: server.url.clone(), url: with_database(&server.url, &name), name }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (url, name) = (self.server_url.clone(), self.name.clone());
        // On a thread of its own: the synchronous client starts a runtime,
        // which it may not do where this is dropped inside another.
        let dropped = std::thread::spawn(move || -> Result<(), ::postgres::Error> {
            Client::connect(&url, NoTls)?.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop the scratch database {}: {e}", self.name);
        }
    }
}

/// A scratch database for another phase (phase 7's import on PostgreSQL),
/// on CALLLOG_BENCH_PG's server or a throwaway cluster; both go when this is dropped.
pub(crate) struct ScratchOnServer {
    pub url: String,
    pub origin: String,
    // Declared first, dropped first: the database before its server.
    _database: ScratchDatabase,
    _server: PgServer,
}

/// Why there is none, when no PostgreSQL can be had.
pub(crate) fn scratch_on_server(what: &str) -> Result<ScratchOnServer, String> {
    let server = PgServer::find()?;
    let database = ScratchDatabase::create(&server, what);
    Ok(ScratchOnServer {
        url: database.url.clone(),
        origin: server.origin.clone(),
        _database: database,
        _server: server,
    })
}

/// The write shapes of the loads, run straight on PostgreSQL.
#[derive(Clone, Copy)]
enum WriteShape {
    /// Comments over logs 3..999 in turn.
    AppendSpread,
    /// Comments on log 2 only: each waits for the previous one's row lock.
    AppendHot,
    /// Logs created.
    Create,
}

/// One connection of the ceiling, with its statements prepared.
struct CeilingConnection {
    client: Client,
    head: Statement,
    event: Statement,
    search: Statement,
    bump: Statement,
    log: Statement,
    header: Statement,
    created: Statement,
    created_bump: Statement,
}

impl CeilingConnection {
    fn open(url: &str) -> CeilingConnection {
        let mut client = Client::connect(url, NoTls).expect("connect to the ceiling's database");
        let mut prepare = |sql: &str| client.prepare(sql).expect("prepare a ceiling statement");
        let head = prepare("SELECT last_event_no FROM call_logs WHERE log_id = $1 FOR UPDATE");
        let event = prepare(
            "INSERT INTO log_events (log_id, event_no, at, user_id, user_name, kind, new_value, status_name)
             VALUES ($1, $2, $3, 1, 'Admin', 'commented', $4, 'Open')",
        );
        let search =
            prepare("INSERT INTO call_log_search (log_id, part, terms) VALUES ($1, $2, array_to_tsvector($3::text[]))");
        let bump = prepare(
            "UPDATE call_logs SET last_event_no = $2, modified_on = $3, comment_count = comment_count + 1
             WHERE log_id = $1",
        );
        let log = prepare(
            "INSERT INTO call_logs (property_id, unit_id, resident_id, call_from, status_id, subject, taken_by,
                    created_on, modified_on, created_by, deleted, last_event_no)
             VALUES (1, 1, 1, 'Ann Bench', 1, 'seed call', 'Admin', $1, $1, 1, false, 0)
             RETURNING log_id",
        );
        let header =
            prepare("INSERT INTO call_log_search (log_id, part, terms) VALUES ($1, 0, array_to_tsvector($2::text[]))");
        let created = prepare(
            "INSERT INTO log_events (log_id, event_no, at, user_id, user_name, kind, status_name)
             VALUES ($1, 1, $2, 1, 'Admin', 'created', 'Open')",
        );
        let created_bump = prepare("UPDATE call_logs SET last_event_no = 1, modified_on = $2 WHERE log_id = $1");
        CeilingConnection { client, head, event, search, bump, log, header, created, created_bump }
    }

    /// A comment appended to `log` in a transaction of its own.
    fn append(&mut self, log: i64, at: i64, words: &[String]) -> Result<(), ::postgres::Error> {
        let mut tx = self.client.transaction()?;
        let last: i64 = tx.query_one(&self.head, &[&log])?.try_get(0)?;
        let event_no = last + 1;
        tx.execute(&self.event, &[&log, &event_no, &at, &COMMENT_TEXT])?;
        tx.execute(&self.search, &[&log, &event_no, &words])?;
        tx.execute(&self.bump, &[&log, &event_no, &at])?;
        tx.commit()
    }

    /// A log created in a transaction of its own.
    fn create(&mut self, at: i64, header_words: &[String]) -> Result<(), ::postgres::Error> {
        let mut tx = self.client.transaction()?;
        let log: i64 = tx.query_one(&self.log, &[&at])?.try_get(0)?;
        tx.execute(&self.header, &[&log, &header_words])?;
        tx.execute(&self.created, &[&log, &at])?;
        tx.execute(&self.created_bump, &[&log, &at])?;
        tx.commit()
    }
}

/// What PostgreSQL itself does with the loads' write shapes, on a scratch
/// database of the same schema, one write per transaction, on as many
/// connections as the load. Measured just before and just after each write
/// load, while the servers idle, as phase 8 measures SQLite's.
struct Ceiling {
    connections: Vec<CeilingConnection>,
    duration: Duration,
    /// Writes so far: the next write's number (its stamp, its log in turn).
    next: AtomicUsize,
    comment_words: Vec<String>,
    header_words: Vec<String>,
}

impl Ceiling {
    /// The schema (calllog's migration) and phase 8's ceiling seed: a
    /// property, its unit and resident, a user, 1,000 logs.
    fn open(url: &str, connections: usize, duration: Duration) -> Ceiling {
        let mut client = Client::connect(url, NoTls).expect("connect to the ceiling's database");
        calllog::store::postgres::schema::migrate(&mut client).expect("calllog's schema");
        client
            .batch_execute(
                "INSERT INTO properties (property_id, property_name) VALUES (1, 'p');
                 INSERT INTO units (unit_id, property_id, unit_number) VALUES (1, 1, '1');
                 INSERT INTO residents (resident_id, property_id, unit_id, first_name, last_name)
                      VALUES (1, 1, 1, 'Ann', 'Bench');
                 INSERT INTO users (user_id, user_name, name_key, password_hash, role, created_on)
                      VALUES (1, 'u', 'u', 'x', 'admin', 0);
                 INSERT INTO call_logs (log_id, property_id, call_from, status_id, subject, taken_by, created_on,
                        modified_on, created_by)
                      SELECT n, 1, 'c', 1, 's', 't', n, n, 1 FROM generate_series(1, 1000) n;
                 SELECT setval(pg_get_serial_sequence('call_logs', 'log_id'), 1000);",
            )
            .expect("seed the ceiling's database");
        let mut ceiling = Ceiling {
            connections: (0..connections.max(1)).map(|_| CeilingConnection::open(url)).collect(),
            duration,
            next: AtomicUsize::new(0),
            comment_words: calllog::domain::calllogs::folded_words(COMMENT_TEXT),
            header_words: calllog::domain::calllogs::folded_words("seed call\nAnn Bench\nAdmin\n"),
        };
        // The first writes of a fresh database also grow its files: one measure thrown away.
        ceiling.rate(WriteShape::AppendSpread, connections);
        ceiling
    }

    /// Writes per second of `shape` on `threads` connections at once (one
    /// thread each, one write per transaction), over `self.duration`.
    fn rate(&mut self, shape: WriteShape, threads: usize) -> f64 {
        let spread_logs = (SPREAD_LOGS.end() - SPREAD_LOGS.start() + 1) as usize;
        let Ceiling { connections, duration, next, comment_words, header_words } = self;
        let (next, comment_words, header_words) = (&*next, &*comment_words, &*header_words);
        let started = Instant::now();
        let deadline = started + *duration;
        let done: usize = std::thread::scope(|scope| {
            let workers: Vec<_> = connections
                .iter_mut()
                .take(threads.max(1))
                .map(|connection| {
                    scope.spawn(move || {
                        let mut done = 0;
                        while Instant::now() < deadline {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let at = 1_000_000 + i as i64;
                            let written = match shape {
                                WriteShape::AppendSpread => {
                                    connection.append(SPREAD_LOGS.start() + (i % spread_logs) as i64, at, comment_words)
                                }
                                WriteShape::AppendHot => connection.append(2, at, comment_words),
                                WriteShape::Create => connection.create(at, header_words),
                            };
                            written.expect("a ceiling write");
                            done += 1;
                        }
                        done
                    })
                })
                .collect();
            workers.into_iter().map(|worker| worker.join().expect("a ceiling thread")).sum()
        });
        done as f64 / started.elapsed().as_secs_f64()
    }
}

/// The instances under test, the server under them, and the ceiling beside them.
struct Bench<'a> {
    servers: &'a [Server],
    targets: Vec<Target>,
    postmaster: Option<u32>,
    ceiling: &'a mut Ceiling,
    runtime: &'a tokio::runtime::Runtime,
}

/// One load: its requests (made for each instance: the Host header is
/// the instance's), its connections, its bounds, its write shape.
struct Load<'r> {
    requests: &'r dyn Fn(&Target) -> Vec<Vec<u8>>,
    connections: usize,
    duration: Duration,
    max_requests: usize,
    shape: Option<WriteShape>,
}

impl<'r> Load<'r> {
    /// A load of phase 8's table: CALLLOG_BENCH_CONNECTIONS connections for CALLLOG_BENCH_SECONDS.
    fn timed(requests: &'r dyn Fn(&Target) -> Vec<Vec<u8>>, knobs: &Knobs, shape: Option<WriteShape>) -> Load<'r> {
        Load {
            requests,
            connections: knobs.connections,
            duration: knobs.duration,
            max_requests: knobs.max_requests,
            shape,
        }
    }

    /// A one-connection load: CALLLOG_BENCH_SINGLE requests.
    fn alone(requests: &'r dyn Fn(&Target) -> Vec<Vec<u8>>, knobs: &Knobs, shape: Option<WriteShape>) -> Load<'r> {
        Load { requests, connections: 1, duration: UNTIMED, max_requests: knobs.single, shape }
    }
}

impl Bench<'_> {
    fn server_cpu(&self) -> f64 {
        self.servers.iter().map(|server| cpu_seconds(&server.process.id().to_string())).sum()
    }

    fn measure(&mut self, load: Load<'_>) -> Measured {
        let threads = load.connections;
        let ceiling_before = load.shape.map(|shape| self.ceiling.rate(shape, threads));
        let commits_before = self.runtime.block_on(committed_writes(&self.targets));
        let (server_before, client_before) = (self.server_cpu(), cpu_seconds("self"));
        let postgres_before = self.postmaster.map(cluster_cpu_seconds);
        let outcome = self.runtime.block_on(drive_all(
            &self.targets,
            load.requests,
            load.connections,
            load.duration,
            load.max_requests,
        ));
        let server_cpu = self.server_cpu() - server_before;
        let client_cpu = cpu_seconds("self") - client_before;
        let postgres_cpu = self.postmaster.map(cluster_cpu_seconds).zip(postgres_before).map(|(a, b)| a - b);
        let commits = self.runtime.block_on(committed_writes(&self.targets)) - commits_before;
        let ceiling = load.shape.zip(ceiling_before).map(|(shape, before)| (before, self.ceiling.rate(shape, threads)));
        Measured { outcome, server_cpu, postgres_cpu, client_cpu, commits, ceiling }
    }
}

/// One closed-loop load over every instance at once: `connections` split
/// evenly (the first instances take the remainder; an instance left with
/// none sits out), `max_requests` in the same shares; the outcomes added up.
async fn drive_all(
    targets: &[Target],
    requests: &dyn Fn(&Target) -> Vec<Vec<u8>>,
    connections: usize,
    duration: Duration,
    max_requests: usize,
) -> Outcome {
    let n = targets.len();
    let loads = targets.iter().enumerate().filter_map(|(k, target)| {
        let share = connections / n + usize::from(k < connections % n);
        (share > 0)
            .then(|| drive(target, requests(target), share, duration, (max_requests * share).div_ceil(connections)))
    });
    combine(futures_util::future::join_all(loads).await)
}

/// The value of the metric `name` (a counter: `name_total`) in `target`'s `/metrics`.
async fn metric(target: &Target, name: &str) -> u64 {
    let (status, body) = target.send("GET", "/metrics", None).await;
    assert_eq!(status, 200, "GET /metrics");
    String::from_utf8_lossy(&body)
        .lines()
        .find(|line| line.split_whitespace().next().is_some_and(|metric| metric.trim_end_matches("_total") == name))
        .and_then(|line| line.split_whitespace().last())
        .and_then(|count| count.parse::<u64>().ok())
        .unwrap_or_else(|| panic!("{name} in /metrics"))
}

/// Write transactions the instances have committed so far (the sum of their `/metrics`).
async fn committed_writes(targets: &[Target]) -> u64 {
    let mut total = 0;
    for target in targets {
        total += metric(target, "calllog_committed_writes").await;
    }
    total
}

/// Runs the phase, or says why it cannot: `sqlite` holds phase 8's figures
/// when it ran in this process, printed beside these.
pub fn postgres_phase(dir: &Path, sqlite: Option<&TableFigures>) {
    let knobs = Knobs::from_env();
    let phase_started = Instant::now();
    let server = match PgServer::find() {
        Ok(server) => server,
        Err(why) => {
            println!("PostgreSQL phase skipped: {why}");
            println!();
            return;
        }
    };
    let settings = server
        .connect()
        .query_one(
            "SELECT current_setting('server_version'), current_setting('synchronous_commit'), current_setting('fsync')",
            &[],
        )
        .expect("the server's settings");
    let (version, synchronous_commit, fsync): (String, String, String) =
        (settings.get(0), settings.get(1), settings.get(2));
    println!(
        "Throughput on PostgreSQL {version} (issue 10): synchronous_commit={synchronous_commit}, fsync={fsync}, on {}; `calllog serve` processes at default settings, {} connections, {} s per load; load average {} at the start",
        server.origin,
        knobs.connections,
        knobs.duration.as_secs(),
        load_average()
    );
    let ceiling_database = ScratchDatabase::create(&server, "ceiling");
    let mut ceiling = Ceiling::open(&ceiling_database.url, knobs.connections, knobs.ceiling_duration);
    for instances in INSTANCE_COUNTS {
        instances_table(dir, &server, instances, &knobs, &mut ceiling, sqlite);
    }
    println!("Phase took {:.0} s; load average {} at the end.", phase_started.elapsed().as_secs_f64(), load_average());
    println!();
}

/// The table for `instances` instances on a fresh database.
fn instances_table(
    dir: &Path,
    server: &PgServer,
    instances: usize,
    knobs: &Knobs,
    ceiling: &mut Ceiling,
    sqlite: Option<&TableFigures>,
) {
    // The database outlives the servers (declared first, dropped last).
    let database = ScratchDatabase::create(server, &format!("{instances}_instances"));
    let token = crate::admin_token_by_command_line(&database.url, "admin", "admin-pw-123456");
    let servers: Vec<Server> = (1..=instances)
        .map(|k| Server::spawn(&database.url, token.clone(), &dir.join(format!("postgres-{instances}-{k}.log"))))
        .collect();
    let targets: Vec<Target> = servers.iter().map(|server| server.target.clone()).collect();
    // The generator's runtime: one thread for every connection of every instance.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let pool = runtime.block_on(async {
        for server in &servers {
            server.ready().await;
        }
        seed(&targets[0]).await;
        metric(&targets[0], "calllog_db_pool_max_connections").await
    });

    let spread = |target: &Target| -> Vec<Vec<u8>> {
        SPREAD_LOGS.map(|log| target.request("PUT", &format!("/api/calllogs/{log}"), Some(COMMENT))).collect()
    };
    let hot = |target: &Target| vec![target.request("PUT", "/api/calllogs/2", Some(COMMENT))];
    let read = |target: &Target| vec![target.request("GET", "/api/calllogs/1", None)];
    let create = |target: &Target| vec![target.request("POST", "/api/calllogs", Some(NEW_LOG))];
    let (connections, single) = (knobs.connections, knobs.single);
    let mut bench = Bench {
        servers: &servers,
        targets: targets.clone(),
        postmaster: server.postmaster,
        ceiling,
        runtime: &runtime,
    };
    use WriteShape::*;
    let measured = [
        bench.measure(Load::timed(&spread, knobs, Some(AppendSpread))),
        bench.measure(Load::timed(&hot, knobs, Some(AppendHot))),
        bench.measure(Load::timed(&read, knobs, None)),
        bench.measure(Load::timed(&create, knobs, Some(Create))),
        bench.measure(Load::alone(&spread, knobs, Some(AppendSpread))),
        bench.measure(Load::alone(&read, knobs, None)),
    ];
    // The peak after the loads, before the check below reads log 2's whole thread.
    let peak_rss: Vec<f64> = servers.iter().map(|server| peak_rss_of(server.process.id())).collect();
    // Durability: every acknowledged comment is on its log (a timed-out request may have been kept too).
    let (spread_found, hot_found) = runtime
        .block_on(async { (comments_on(&targets[0], SPREAD_LOGS).await, comments_on(&targets[0], 2..=2).await) });
    let acknowledged = measured[0].outcome.ok + measured[1].outcome.ok + measured[4].outcome.ok;
    let found = spread_found + hot_found;

    println!();
    println!(
        "{instances} instance{} on one database ({connections} connections split evenly over them; each instance works on at most {pool} PostgreSQL connections, its pool):",
        if instances == 1 { "" } else { "s" }
    );
    let header = format!(
        "{:<44} {:>8} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>7} {:>8}  {}",
        "Load",
        "req/s",
        "p50 ms",
        "p99 ms",
        "non-2xx",
        "errors",
        "srvCPU",
        "pgCPU",
        "genCPU",
        "/commit",
        "÷ceiling",
        if sqlite.is_some() { "SQLite (phase 8)" } else { "" }
    );
    println!("{}", header.trim_end());
    let names = [
        format!("PUT comment, logs 3..999 in turn, {connections} conn"),
        format!("PUT comment, all on log 2, {connections} conn"),
        format!("GET log 1 (20 comments), {connections} conn"),
        format!("POST create, {connections} conn"),
        format!("PUT comment, 1 conn ({single} requests)"),
        format!("GET log 1, 1 conn ({single} requests)"),
    ];
    for (i, (name, m)) in names.iter().zip(&measured).enumerate() {
        let o = &m.outcome;
        let row = format!(
            "{name:<44} {:>8.0} {:>7.2} {:>7.2} {:>7} {:>6} {:>5.0}% {:>6} {:>5.0}% {:>7} {:>8}  {}",
            o.per_second(),
            o.percentile_ms(0.50),
            o.percentile_ms(0.99),
            o.non_2xx,
            o.errors,
            m.cpu_percent(m.server_cpu),
            m.postgres_cpu.map(|cpu| format!("{:.0}%", m.cpu_percent(cpu))).unwrap_or_else(|| "—".into()),
            m.cpu_percent(m.client_cpu),
            // Writes per transaction; a read load commits nothing.
            if m.commits > 0 { format!("{:.1}", o.ok as f64 / m.commits as f64) } else { "—".into() },
            m.ceiling_ratio().map(|r| format!("{r:.2}")).unwrap_or_else(|| "—".into()),
            sqlite
                .map(|figures| format!("{:>6.0} req/s, p50 {:.2} ms", figures[i].0, figures[i].1))
                .unwrap_or_default()
        );
        println!("{}", row.trim_end());
    }
    println!(
        "Peak RSS (VmHWM) after the loads: {}",
        peak_rss
            .iter()
            .enumerate()
            .map(|(k, mib)| format!("instance {} {mib:.1} MiB", k + 1))
            .collect::<Vec<_>>()
            .join(", ")
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
        "PostgreSQL ceiling, writes per second, one per transaction, just before/after each load: on {connections} connections: append over logs 3..999 {}, append on log 2 {}, create {}; on one: append {}",
        around(&measured[0]),
        around(&measured[1]),
        around(&measured[3]),
        around(&measured[4])
    );
    println!(
        "srvCPU: every instance's; pgCPU: PostgreSQL's processes; genCPU: this generator's (100% = one core of {}); /commit: acknowledged writes per transaction the instances committed.",
        cores()
    );
    println!();
}
