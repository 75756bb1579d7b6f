//! Full-text search under hostile input (issue 8, docs/api.md §7). Prints
//! figures; asserts nothing. Loopback only, and bounded: a fixed number of
//! requests per phase.
//!
//!     cargo bench --bench search
//!     CALLLOG_BENCH_ONLY=scale cargo bench --bench search    # the scale phase alone
//!
//! Environment: CALLLOG_BENCH_ONLY (`hostile`: phases 1-3 and 5; `fair`:
//! phase 5; `scale`: phase 4; unset: all), CALLLOG_BENCH_SEARCH_LOGS (default 100000) call logs, filled
//! through the service's write path over HTTP (so the full-text index is
//! filled as in production: a header row per log, a row per comment).
//!
//! 1. One client: the latency of search shapes, the worst ones included
//!    (one letter; sixteen one-letter words, each reading its own range of
//!    the index).
//! 2. The same file, the query shape before issue 8 (one subquery per word,
//!    repeats kept, every row ranked against every word), run directly on a
//!    connection: the "before" figure.
//! 3. Ten clients sending worst-case searches as fast as they are answered
//!    while one other user reads (a log, a unit's logs, the newest 25): that
//!    user's latencies, beside the same reads with no search running.
//! 4. Scale (issue 9, `scale/mod.rs`): a 1,000,000-log file built through
//!    the write path, page 1 of the searches and lists that matter on it,
//!    SQLite's floor for the same work, and the export's rate and memory.
//! 5. Fair admission (issue 16): one viewer floods with 32 concurrent
//!    requests of sixteen one-letter words while another user searches;
//!    then the first exports the whole file 8 times at once while the other
//!    reads and searches. The other user's latencies, beside the same work
//!    alone. (`CALLLOG_BENCH_ONLY=fair`: the fill and this phase alone.)

use calllog::config::{AppConfig, StoreConfig};
use calllog::{AppState, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
mod scale;
use common::{env_number, serve_on_loopback, ten_properties_of_a_hundred_units};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("HTTP client")
}

/// Sends one request; answers the status and how long it took.
async fn timed(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<String>,
) -> (u16, Duration) {
    let started = Instant::now();
    let mut request = http
        .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let _ = response.bytes().await.expect("body");
    (status, started.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(name: &str, mut latencies: Vec<Duration>, statuses: &[u16]) {
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1));
        latencies.get(i).map(|d| ms(*d)).unwrap_or(0.0)
    };
    let mut counts: Vec<(u16, usize)> = Vec::new();
    for s in statuses {
        match counts.iter_mut().find(|(c, _)| c == s) {
            Some((_, n)) => *n += 1,
            None => counts.push((*s, 1)),
        }
    }
    counts.sort();
    let counts: Vec<String> = counts.iter().map(|(s, n)| format!("{n}×{s}")).collect();
    println!(
        "  {name:<52} p50 {:>8.1} ms   p99 {:>8.1} ms   max {:>8.1} ms   ({})",
        pct(0.5),
        pct(0.99),
        pct(1.0),
        counts.join(", ")
    );
}

/// Text that looks like call notes: common words and a long tail of rarer ones.
struct Words {
    common: Vec<&'static str>,
    rare: Vec<String>,
}

impl Words {
    fn new(rng: &mut StdRng) -> Words {
        let common = "the a and to of in is it for on at be with as this that by from you your we leak water \
                      kitchen ceiling noise neighbor parking garage invoice payment assessment late fee door lock \
                      key elevator pool gym reservation window heat heating air conditioning smell smoke alarm \
                      resident owner tenant unit called asked about please call back tomorrow today morning \
                      evening urgent emergency plumber electrician contractor board meeting violation letter \
                      dog cat trash recycling package delivery lobby hallway stairs light broken repair quote"
            .split_whitespace()
            .collect();
        let letters = b"abcdefghijklmnopqrstuvwxyz";
        let rare = (0..20_000)
            .map(|_| {
                let len = rng.random_range(3..10);
                (0..len).map(|_| letters[rng.random_range(0..26)] as char).collect()
            })
            .collect();
        Words { common, rare }
    }

    fn text(&self, rng: &mut StdRng, count: usize) -> String {
        let mut text = String::new();
        for i in 0..count {
            if i > 0 {
                text.push(' ');
            }
            if rng.random_bool(0.6) {
                text.push_str(self.common[rng.random_range(0..self.common.len())]);
            } else {
                text.push_str(&self.rare[rng.random_range(0..self.rare.len())]);
            }
        }
        text
    }
}

/// `q` as a query string value.
fn encoded(q: &str) -> String {
    q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The query shape before issue 8, on a connection of its own: a count with
/// one subquery per word, then a page ranked against every word (OR).
/// Interrupted after `limit` (None then).
fn old_shape(conn: &rusqlite::Connection, words: &[&str], limit: Duration) -> Option<Duration> {
    let phrase = |w: &str| format!("\"{w}\"*");
    let interrupt = conn.get_interrupt_handle();
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(limit).is_err() {
            interrupt.interrupt();
        }
    });
    let started = Instant::now();
    let run = || -> rusqlite::Result<(i64, usize)> {
        let each: Vec<String> = (1..=words.len())
            .map(|i| format!("c.log_id IN (SELECT rowid >> 24 FROM call_log_search WHERE call_log_search MATCH ?{i})"))
            .collect();
        let conditions = format!("c.deleted = 0 AND {}", each.join(" AND "));
        let mut values: Vec<String> = words.iter().map(|w| phrase(w)).collect();
        let total: i64 = conn.query_row(
            &format!("SELECT count(*) FROM call_logs c WHERE {conditions}"),
            rusqlite::params_from_iter(values.iter()),
            |r| r.get(0),
        )?;
        values.push(words.iter().map(|w| phrase(w)).collect::<Vec<_>>().join(" OR "));
        let n = values.len();
        let mut stmt = conn.prepare(&format!(
            "SELECT c.log_id FROM call_logs c JOIN (SELECT rowid >> 24 AS log_id, min(rank) AS score FROM call_log_search
             WHERE call_log_search MATCH ?{n} GROUP BY 1) m ON m.log_id = c.log_id WHERE {conditions}
             ORDER BY m.score, c.log_id DESC LIMIT 25"
        ))?;
        let page = stmt
            .query_map(rusqlite::params_from_iter(values.iter()), |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .len();
        Ok((total, page))
    };
    let result = run();
    let elapsed = started.elapsed();
    let _ = done.send(());
    let _ = watchdog.join();
    let (total, page) = result.ok()?;
    println!("    ({total} matches, {page} on the page)");
    Some(elapsed)
}

fn main() {
    let only = std::env::var("CALLLOG_BENCH_ONLY").unwrap_or_default();
    if only != "scale" {
        hostile(only == "fair");
    }
    if only != "hostile" && only != "fair" {
        scale::run();
    }
}

/// Phases 1 to 3, and 5 (alone when `fair_only`).
fn hostile(fair_only: bool) {
    let logs = env_number("CALLLOG_BENCH_SEARCH_LOGS", 100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("search.db");
    println!(
        "calllog search benchmark: {} cores, {logs} call logs",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );
    let store = Store::open(&StoreConfig::new(&path)).expect("store");
    let operator = calllog::service::access::Admin::command_line();
    let service = calllog::service::Service::new(store.clone(), AppConfig::default());
    let setup = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for (name, role) in [
        ("bench", calllog::domain::users::Role::Admin),
        ("viewer", calllog::domain::users::Role::Viewer),
        ("reader", calllog::domain::users::Role::Viewer),
    ] {
        let user = calllog::domain::users::NewUser {
            user_name: name.into(),
            password: "bench-password".into(),
            first_name: Some(name.into()),
            last_name: None,
            email: None,
            role,
            property_ids: (1..=10).map(calllog::domain::ids::PropertyId).collect(),
        };
        setup.block_on(service.create_user(&operator, user)).expect("bench user");
    }
    let state = actix_web::web::Data::new(AppState::new(store.clone(), AppConfig::default()));
    let base = format!("http://{}", serve_on_loopback(state.clone()));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("client runtime");
    let http = client();
    let sign_in = |name: &str| -> String {
        let body = format!(r#"{{"UserName":"{name}","Password":"bench-password"}}"#);
        // The request is made inside the runtime (its timeout needs the runtime's timer).
        let json: serde_json::Value = runtime.block_on(async {
            let request = http.post(format!("{base}/api/auth/token")).header("Content-Type", "application/json");
            request.body(body).send().await.expect("sign-in").json().await.expect("token")
        });
        json["Token"].as_str().expect("a token").to_string()
    };
    let admin = sign_in("bench");
    let viewer = sign_in("viewer");
    let other_viewer = viewer.clone();
    // Another user (fair admission is between users).
    let other_user = sign_in("reader");
    let directory = ten_properties_of_a_hundred_units();
    let (status, _) =
        runtime.block_on(timed(&http, &base, &admin, "POST", "/api/admin/import", Some(directory.to_string())));
    assert_eq!(status, 200, "import");

    // Fill through the write path: 32 clients posting logs, a third with a comment.
    let mut rng = StdRng::seed_from_u64(8);
    let words = Arc::new(Words::new(&mut rng));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let fillers: Vec<_> = (0..32)
        .map(|c| {
            let (words, next, base, admin) = (words.clone(), next.clone(), base.clone(), admin.clone());
            runtime.spawn(async move {
                let http = client();
                let mut rng = StdRng::seed_from_u64(100 + c);
                let mut failed = 0;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= logs {
                        break;
                    }
                    let p = i % 10 + 1;
                    let mut body = serde_json::json!({
                        "PropertyId": p, "UnitId": p * 1000 + i % 100, "CallFrom": words.text(&mut rng, 2),
                        "Subject": words.text(&mut rng, 5), "Notes": words.text(&mut rng, 25),
                    });
                    if i % 3 == 0 {
                        body["NewComments"] = words.text(&mut rng, 10).into();
                    }
                    let (status, _) =
                        timed(&http, &base, &admin, "POST", "/api/calllogs", Some(body.to_string())).await;
                    if status != 201 {
                        failed += 1;
                    }
                }
                failed
            })
        })
        .collect();
    let failed: usize = fillers.into_iter().map(|f| runtime.block_on(f).expect("filler")).sum();
    println!(
        "Filled {logs} call logs through POST /api/calllogs in {:.1} s ({failed} failed); database {:.0} MiB",
        started.elapsed().as_secs_f64(),
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0
    );
    println!();

    if fair_only {
        fairness(&runtime, &base, &viewer, &other_user, logs);
        return;
    }

    let sixteen_letters = "a b c d e f g h i j k l m n o p";
    let sixteen_pairs = "th an to of in is it fo on at be wi as le wa ki";
    let shapes: Vec<(&str, String)> = vec![
        ("one common word: leak", "leak".into()),
        ("two words: leak kitchen", "leak kitchen".into()),
        ("one letter: a", "a".into()),
        ("one letter: t", "t".into()),
        ("\"a\" 128 times (one word after dedup)", ["a"; 128].join(" ")),
        ("16 one-letter words", sixteen_letters.into()),
        ("16 two-letter words", sixteen_pairs.into()),
        ("800 × \"a\" (1,599 characters: refused)", ["a"; 800].join(" ")),
        ("1,000 words (refused)", (0..1000).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ")),
    ];
    println!("One client, GET /api/calllogs?q=… as a viewer of every property (5 each):");
    for (name, q) in &shapes {
        let path = format!("/api/calllogs?q={}", encoded(q));
        let (mut latencies, mut statuses) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let (status, took) = runtime.block_on(timed(&http, &base, &viewer, "GET", &path, None));
            latencies.push(took);
            statuses.push(status);
        }
        summary(name, latencies, &statuses);
    }
    println!();

    println!("Before issue 8: the old query shape, run directly on a connection (once each):");
    let conn = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    for (name, words) in [
        ("16 one-letter words", sixteen_letters.split(' ').collect::<Vec<_>>()),
        ("100 × \"a\" (the probe sent 800)", vec!["a"; 100]),
    ] {
        match old_shape(&conn, &words, Duration::from_secs(60)) {
            Some(took) => println!("  {name:<52} {:>8.1} ms", ms(took)),
            None => println!("  {name:<52} interrupted after 60 s, unfinished"),
        }
    }
    drop(conn);
    println!();

    // Another user's reads, alone and then beside ten worst-case searchers.
    let other_reads = move |i: usize| -> String {
        match i % 3 {
            0 => format!("/api/calllogs/{}", 1 + (i * 7919) % logs),
            1 => format!("/api/units/{}/calllogs", (i % 10 + 1) * 1000 + i % 100),
            _ => "/api/calllogs".to_string(),
        }
    };
    let reads = 300;
    let (mut latencies, mut statuses) = (Vec::new(), Vec::new());
    for i in 0..reads {
        let (status, took) = runtime.block_on(timed(&http, &base, &other_viewer, "GET", &other_reads(i), None));
        latencies.push(took);
        statuses.push(status);
    }
    println!("Another user's reads (a log, a unit's logs, the newest 25), one client:");
    summary("alone", latencies, &statuses);

    let searching = Arc::new(AtomicBool::new(true));
    let per_searcher = 6;
    let searchers: Vec<_> = (0..10)
        .map(|s| {
            let (base, viewer) = (base.clone(), viewer.clone());
            runtime.spawn(async move {
                let http = client();
                let mut answers = Vec::new();
                for k in 0..per_searcher {
                    let q = if (s + k) % 2 == 0 { sixteen_letters } else { "a" };
                    answers.push(
                        timed(&http, &base, &viewer, "GET", &format!("/api/calllogs?q={}", encoded(q)), None).await,
                    );
                }
                answers
            })
        })
        .collect();
    let reader = {
        let (base, token, searching) = (base.clone(), other_viewer.clone(), searching.clone());
        runtime.spawn(async move {
            let http = client();
            let mut answers = Vec::new();
            let mut i = 0;
            // At least `reads` reads, and on until every searcher is done.
            while i < reads || searching.load(Ordering::Relaxed) {
                answers.push(timed(&http, &base, &token, "GET", &other_reads(i), None).await);
                i += 1;
            }
            answers
        })
    };
    let started = Instant::now();
    let mut search_answers = Vec::new();
    for s in searchers {
        search_answers.extend(runtime.block_on(s).expect("searcher"));
    }
    let searching_for = started.elapsed();
    searching.store(false, Ordering::Relaxed);
    let read_answers = runtime.block_on(reader).expect("reader");
    summary(
        &format!("beside 10 worst-case searchers ({:.1} s)", searching_for.as_secs_f64()),
        read_answers.iter().map(|a| a.1).collect(),
        &read_answers.iter().map(|a| a.0).collect::<Vec<_>>(),
    );
    summary(
        "the searches themselves (16 letters / \"a\")",
        search_answers.iter().map(|a| a.1).collect(),
        &search_answers.iter().map(|a| a.0).collect::<Vec<_>>(),
    );
    println!();
    fairness(&runtime, &base, &viewer, &other_user, logs);
}

/// Phase 5: one viewer floods (searches, then exports) while another user
/// works; the other user's latencies beside the same work alone.
fn fairness(runtime: &tokio::runtime::Runtime, base: &str, flooder: &str, other: &str, logs: usize) {
    let sixteen_letters = "a b c d e f g h i j k l m n o p";
    let searches = ["leak", "water kitchen", "noise neighbor", "parking", "invoice payment", "elevator"];
    let http = client();
    let other_searches = |rounds: usize| -> Vec<(u16, Duration)> {
        (0..rounds)
            .map(|i| {
                let path = format!("/api/calllogs?q={}", encoded(searches[i % searches.len()]));
                runtime.block_on(timed(&http, base, other, "GET", &path, None))
            })
            .collect()
    };
    let summarize = |name: &str, answers: &[(u16, Duration)]| {
        summary(name, answers.iter().map(|a| a.1).collect(), &answers.iter().map(|a| a.0).collect::<Vec<_>>())
    };
    println!("Fair admission: another user's normal searches (q=leak, q=water kitchen, …), one client:");
    summarize("alone", &other_searches(30));

    // Floods until told to stop, each client sending its next request as soon as the last is answered.
    let flood =
        |path: String, clients: usize, stop: Arc<AtomicBool>| -> Vec<tokio::task::JoinHandle<Vec<(u16, Duration)>>> {
            (0..clients)
                .map(|_| {
                    let (base, token, path, stop) = (base.to_string(), flooder.to_string(), path.clone(), stop.clone());
                    runtime.spawn(async move {
                        let http = client();
                        let mut answers = Vec::new();
                        while !stop.load(Ordering::Relaxed) {
                            answers.push(timed(&http, &base, &token, "GET", &path, None).await);
                            if answers.last().is_some_and(|a| a.0 == 503) {
                                // Refused for its own queue: a client that backs off as Retry-After asks, shortened.
                                tokio::time::sleep(Duration::from_millis(100)).await;
                            }
                        }
                        answers
                    })
                })
                .collect()
        };
    let stop = Arc::new(AtomicBool::new(false));
    let flooding = flood(format!("/api/calllogs?q={}", encoded(sixteen_letters)), 32, stop.clone());
    std::thread::sleep(Duration::from_millis(500));
    let beside = other_searches(30);
    stop.store(true, Ordering::Relaxed);
    let flood_answers: Vec<(u16, Duration)> =
        flooding.into_iter().flat_map(|f| runtime.block_on(f).expect("flooder")).collect();
    summarize("beside 32 concurrent searches of 16 one-letter words by one user", &beside);
    summarize("  the flood itself (503: its own queue full)", &flood_answers);

    let other_reads = |rounds: usize| -> Vec<(u16, Duration)> {
        (0..rounds)
            .map(|i| {
                let path = match i % 3 {
                    0 => format!("/api/calllogs/{}", 1 + (i * 7919) % logs),
                    1 => format!("/api/units/{}/calllogs", (i % 10 + 1) * 1000 + i % 100),
                    _ => "/api/calllogs".to_string(),
                };
                runtime.block_on(timed(&http, base, other, "GET", &path, None))
            })
            .collect()
    };
    println!("Another user's reads (a log, a unit's logs, the newest 25) and searches, one client:");
    summarize("reads alone", &other_reads(300));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let exports = flood("/api/calllogs/export.csv".to_string(), 8, stop.clone());
    std::thread::sleep(Duration::from_millis(500));
    let reads = other_reads(300);
    let export_searches = other_searches(30);
    stop.store(true, Ordering::Relaxed);
    let export_answers: Vec<(u16, Duration)> =
        exports.into_iter().flat_map(|f| runtime.block_on(f).expect("exporter")).collect();
    summarize("reads beside 8 concurrent whole-file exports by one user", &reads);
    summarize("searches beside them", &export_searches);
    summarize(&format!("  the exports themselves ({:.1} s in all)", started.elapsed().as_secs_f64()), &export_answers);
}
