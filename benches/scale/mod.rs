//! The scale phase of the search benchmark (issue 9): a file the size of a
//! large customer's, filled through the real write path, and the latencies
//! of page 1 of the searches and lists that matter on it.
//!
//! The file is built as `/work/shared/bench/scale.py` builds one: 50
//! properties of 200 units, a resident per unit, and N logs posted over
//! HTTP by several clients, each with three random words of a 60-word
//! vocabulary as its subject (a rare word every 10,000 logs), a random
//! reason and a 12-word first comment.
//!
//! Environment:
//! - `CALLLOG_BENCH_SCALE_LOGS` (default 1,000,000): logs to post.
//! - `CALLLOG_BENCH_SCALE_CLIENTS` (default 8): concurrent posting clients.
//! - `CALLLOG_BENCH_SCALE_DB`: a path; a file already there is reused (no
//!   build), else the file is built there and kept. Unset: a temporary file.

use crate::common::{env_number, serve_on_loopback};
use calllog::config::{AppConfig, StoreConfig};
use calllog::{AppState, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WORDS: &str = "leak water roof noise parking gate pool elevator trash pest mold heating cooling window door \
     lock key garage assessment billing payment late fee violation dog balcony smoke alarm light hallway lobby gym \
     package delivery intercom buzzer carpet paint crack flood drain toilet sink shower ceiling wall floor tree \
     landscaping snow ice sidewalk";
const RARE: &str = "chandelier";
const PROPERTIES: i64 = 50;
const UNITS: i64 = 10_000;
const PASSWORD: &str = "scale-password";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(600))
        .build()
        .expect("HTTP client")
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn median_ms(mut d: Vec<Duration>) -> (f64, f64) {
    d.sort();
    (d[d.len() / 2].as_secs_f64() * 1000.0, d[d.len() - 1].as_secs_f64() * 1000.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs the phase: builds (or reuses) the file, then prints the table.
pub fn run() {
    let logs = env_number("CALLLOG_BENCH_SCALE_LOGS", 1_000_000);
    let clients = env_number("CALLLOG_BENCH_SCALE_CLIENTS", 8);
    let temporary = tempfile::tempdir().expect("tempdir");
    let path = match std::env::var_os("CALLLOG_BENCH_SCALE_DB") {
        Some(p) => std::path::PathBuf::from(p),
        None => temporary.path().join("scale.db"),
    };
    let reuse = path.exists();
    println!("Scale phase: {} ({})", path.display(), if reuse { "reused" } else { "to build" });
    let opened = Instant::now();
    let store = Store::open(&StoreConfig::new(&path)).expect("store");
    println!("  opened (and migrated if older) in {:.1} s", opened.elapsed().as_secs_f64());
    let service = calllog::service::Service::new(store.clone(), AppConfig::default());
    let setup = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    if !reuse {
        let operator = calllog::service::access::Admin::command_line();
        for (name, role, properties) in [
            ("scale", calllog::domain::users::Role::Admin, vec![]),
            ("scaleviewer", calllog::domain::users::Role::Viewer, (1..=10).collect()),
        ] {
            let user = calllog::domain::users::NewUser {
                user_name: name.into(),
                password: PASSWORD.into(),
                first_name: Some(name.into()),
                last_name: None,
                email: None,
                role,
                property_ids: properties.into_iter().map(calllog::domain::ids::PropertyId).collect(),
            };
            setup.block_on(service.create_user(&operator, user)).expect("scale user");
        }
    }
    let state = actix_web::web::Data::new(AppState::new(store.clone(), AppConfig::default()));
    let base = format!("http://{}", serve_on_loopback(state));
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("client runtime");
    let http = client();
    let sign_in = |name: &str| -> String {
        let body = format!(r#"{{"UserName":"{name}","Password":"{PASSWORD}"}}"#);
        let json: serde_json::Value = runtime.block_on(async {
            let request = http.post(format!("{base}/api/auth/token")).header("Content-Type", "application/json");
            request.body(body).send().await.expect("sign-in").json().await.expect("token")
        });
        json["Token"].as_str().expect("a token").to_string()
    };
    let admin = sign_in("scale");
    let viewer = sign_in("scaleviewer");

    if !reuse {
        build(&runtime, &base, &admin, logs, clients, &path);
    }
    measure(&runtime, &base, &admin, &viewer, &path);
    drop(store);
}

fn build(
    runtime: &tokio::runtime::Runtime,
    base: &str,
    admin: &str,
    logs: usize,
    clients: usize,
    path: &std::path::Path,
) {
    let property = |i: i64| (i - 1) / (UNITS / PROPERTIES) + 1;
    let directory = serde_json::json!({
        "Properties": (1..=PROPERTIES)
            .map(|p| serde_json::json!({"PropertyId": p, "PropertyName": format!("Property {p}"), "PropertyTypeId": 1}))
            .collect::<Vec<_>>(),
        "Units": (1..=UNITS)
            .map(|u| serde_json::json!({"UnitId": u, "PropertyId": property(u), "UnitNumber": u.to_string()}))
            .collect::<Vec<_>>(),
        "Residents": (1..=UNITS)
            .map(|r| serde_json::json!({"ResidentId": r, "PropertyId": property(r), "UnitId": r,
                "ResidentFirstName": format!("F{r}"), "ResidentLastName": format!("Smith{}", r % 97), "ResidentType": 1}))
            .collect::<Vec<_>>(),
    });
    let started = Instant::now();
    let http = client();
    let status = runtime.block_on(async {
        http.post(format!("{base}/api/admin/import"))
            .bearer_auth(admin)
            .header("Content-Type", "application/json")
            .body(directory.to_string())
            .send()
            .await
            .expect("import")
            .status()
    });
    assert_eq!(status.as_u16(), 200, "directory import");
    println!("  directory imported in {:.1} s", started.elapsed().as_secs_f64());

    let words: Arc<Vec<&'static str>> = Arc::new(WORDS.split_whitespace().collect());
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (words, next, failed, base, admin) =
                (words.clone(), next.clone(), failed.clone(), base.to_string(), admin.to_string());
            runtime.spawn(async move {
                let http = client();
                let mut rng = StdRng::seed_from_u64(900 + c as u64);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= logs {
                        break;
                    }
                    let resident = rng.random_range(1..=UNITS);
                    let mut subject: Vec<&str> = (0..3).map(|_| words[rng.random_range(0..words.len())]).collect();
                    if i % 10_000 == 0 {
                        subject.push(RARE);
                    }
                    let comment: Vec<&str> = (0..12).map(|_| words[rng.random_range(0..words.len())]).collect();
                    let body = serde_json::json!({
                        "PropertyId": property(resident), "ResidentId": resident, "Subject": subject.join(" "),
                        "LogReasons": [rng.random_range(1..=8)], "NewComments": comment.join(" "),
                    });
                    let response = http
                        .post(format!("{base}/api/calllogs"))
                        .bearer_auth(&admin)
                        .header("Content-Type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await;
                    match response {
                        Ok(r) if r.status().as_u16() == 201 => {
                            let _ = r.bytes().await;
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    if (i + 1) % 100_000 == 0 {
                        println!("    {} logs posted, {:.0} s", i + 1, started.elapsed().as_secs_f64());
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        runtime.block_on(t).expect("poster");
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "  built {logs} logs through POST /api/calllogs ({clients} clients) in {took:.0} s ({:.0} logs/s, {} failed); \
         file {:.0} MB",
        logs as f64 / took,
        failed.load(Ordering::Relaxed),
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    );
}

/// Words for a query string: spaces as `%20`.
fn plus(words: &str) -> String {
    words.replace(' ', "%20")
}

fn measure(runtime: &tokio::runtime::Runtime, base: &str, admin: &str, viewer: &str, path: &std::path::Path) {
    let http = client();
    let get = |token: &str, url: &str| -> (u16, Duration, serde_json::Value) {
        runtime.block_on(async {
            let started = Instant::now();
            let response = http.get(format!("{base}{url}")).bearer_auth(token).send().await.expect("request");
            let status = response.status().as_u16();
            let body = response.bytes().await.expect("body");
            let took = started.elapsed();
            (status, took, serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null))
        })
    };
    let (_, _, all) = get(admin, "/api/calllogs?pageSize=1");
    println!(
        "\n  {} live logs; file {:.0} MB; load average {}",
        all["Total"],
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        load_average()
    );
    println!("  Page 1 of 25 (median of 15, and the slowest), one client:");
    let shapes: Vec<(&str, &str, String)> = vec![
        ("q= a rare word", admin, format!("/api/calllogs?q={RARE}")),
        ("q= a common word, best match first", admin, "/api/calllogs?q=leak".into()),
        ("q= a common word, sort=createdon", admin, "/api/calllogs?q=leak&sort=createdon".into()),
        ("q= two common words, best match first", admin, "/api/calllogs?q=leak%20roof".into()),
        ("q= two common words, sort=createdon", admin, "/api/calllogs?q=leak%20roof&sort=createdon".into()),
        ("q= a prefix, best match first", admin, "/api/calllogs?q=eleva".into()),
        ("q= a prefix, sort=createdon", admin, "/api/calllogs?q=eleva&sort=createdon".into()),
        ("q= a common word + propertyId", admin, "/api/calllogs?q=leak&propertyId=7".into()),
        ("q= common word, page 40", admin, "/api/calllogs?q=leak&page=40".into()),
        ("q= common word, viewer of 10 properties", viewer, "/api/calllogs?q=leak".into()),
        // Issue 16: the costliest searches the bounds admit.
        (
            "q= 16 one-letter words (a … p)",
            admin,
            format!("/api/calllogs?q={}", plus("a b c d e f g h i j k l m n o p")),
        ),
        (
            "q= 16 one-letter words, each in the file",
            admin,
            format!("/api/calllogs?q={}", plus("a b c d e f g h i k l m n p r s")),
        ),
        (
            "q= 16 two-letter words",
            admin,
            format!("/api/calllogs?q={}", plus("le wa ro no pa ga po el tr pe mo he co wi do lo")),
        ),
        (
            "q= 16 common words",
            admin,
            format!(
                "/api/calllogs?q={}",
                plus(
                    "leak water roof noise parking gate pool elevator trash pest mold heating cooling window door lock"
                )
            ),
        ),
        (
            "q= a rare word and 15 one-letter words",
            admin,
            format!("/api/calllogs?q={}", plus(&format!("{RARE} a b c d e f g h i k l m n p r"))),
        ),
        ("q= the 16 commonest letters", admin, format!("/api/calllogs?q={}", plus("f a s l p c d g b t w h i k m n"))),
        ("q= f s l p (four letters in most logs)", admin, "/api/calllogs?q=f%20s%20l%20p".into()),
        ("q= s (a letter in every log)", admin, "/api/calllogs?q=s".into()),
        ("q= s, viewer of 10 properties", viewer, "/api/calllogs?q=s".into()),
        ("q= f l (two letters in most logs)", admin, "/api/calllogs?q=f%20l".into()),
        ("unit list", admin, "/api/units/4242/calllogs".into()),
        ("property list, status=1", admin, "/api/properties/7/calllogs?status=1".into()),
        ("global list", admin, "/api/calllogs".into()),
        ("global list, page 400", admin, "/api/calllogs?page=400".into()),
        ("viewer's list (10 properties)", viewer, "/api/calllogs".into()),
    ];
    for (name, token, url) in &shapes {
        let mut times = Vec::new();
        let mut last = (0, serde_json::Value::Null);
        for _ in 0..15 {
            let (status, took, body) = get(token, url);
            times.push(took);
            last = (status, body);
        }
        let (median, max) = median_ms(times);
        println!("    {name:<42} {median:>8.1} ms  (max {max:>7.1})  status {}  Total {}", last.0, last.1["Total"]);
    }

    println!("  SQLite's own floor, on a connection of its own (median of 15):");
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let floors = [
        (
            "count(*) of the FTS match for 'leak'",
            "SELECT count(*) FROM call_log_search WHERE call_log_search MATCH '\"leak\"*'",
        ),
        (
            "count(*) of the FTS match for 'eleva'",
            "SELECT count(*) FROM call_log_search WHERE call_log_search MATCH '\"eleva\"*'",
        ),
        ("count(*) of live logs (created index)", "SELECT count(*) FROM call_logs WHERE deleted = 0"),
    ];
    for (name, sql) in floors {
        let mut times = Vec::new();
        let mut n = 0i64;
        for _ in 0..15 {
            let started = Instant::now();
            n = conn.query_row(sql, [], |r| r.get(0)).unwrap();
            times.push(started.elapsed());
        }
        let (median, _) = median_ms(times);
        println!("    {name:<42} {median:>8.1} ms  ({n} rows)");
    }
    // Where the time of the shape before issue 9 went, statement by
    // statement: every match's id passed as JSON to count and page, and
    // every matching row scored (bm25) to rank.
    let timed = |name: &str, run: &dyn Fn() -> i64| {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..5 {
            let started = Instant::now();
            n = run();
            times.push(started.elapsed());
        }
        let (median, _) = median_ms(times);
        println!("    {name:<42} {median:>8.1} ms  ({n})");
    };
    let rowids = || -> Vec<i64> {
        let mut stmt =
            conn.prepare_cached("SELECT rowid FROM call_log_search WHERE call_log_search MATCH '\"leak\"*'").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    timed("rowids of 'leak', a step per row", &|| rowids().len() as i64);
    calllog::store::sqlite::register_functions(&conn).unwrap();
    timed("rowids of 'leak', one blob (integer_list)", &|| {
        let list: Vec<u8> = conn
            .query_row(
                "SELECT integer_list(rowid) FROM call_log_search WHERE call_log_search MATCH '\"leak\"*'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        list.len() as i64 / 8
    });
    let mut ids: Vec<i64> = rowids().iter().map(|r| r >> 24).collect();
    ids.dedup();
    let json = serde_json::to_string(&ids).unwrap();
    timed("before: count(*) of the ids as JSON", &|| {
        conn.query_row(
            "SELECT count(*) FROM call_logs c WHERE c.deleted = 0 AND c.log_id IN (SELECT value FROM json_each(?1))",
            [&json],
            |r| r.get(0),
        )
        .unwrap()
    });
    timed("before: bm25 of every matching row", &|| {
        conn.query_row(
            "SELECT count(*) FROM (SELECT rowid >> 24, min(rank) FROM call_log_search
             WHERE call_log_search MATCH '\"leak\"*' GROUP BY 1)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    // The export's store share: every chunk read on this connection, no
    // HTTP and no CSV.
    let all = calllog::domain::calllogs::CallLogFilter::default();
    let read_chunks = |name: &str| {
        let started = Instant::now();
        let (mut after, mut rows) = (None, 0usize);
        loop {
            let chunk = calllog::store::sqlite::calllogs::export_chunk(&conn, &all, after, 1000).unwrap();
            rows += chunk.len();
            let Some(last) = chunk.last() else { break };
            after = Some(calllog::store::ExportCursor { sort_value: last.created_on.0, log_id: last.log_id });
            if chunk.len() < 1000 {
                break;
            }
        }
        let took = started.elapsed().as_secs_f64();
        println!("    {name:<42} {:>8.0} rows/s ({rows} rows, {took:.1} s)", rows as f64 / took);
    };
    read_chunks("export's chunks read on a connection");
    drop(conn);

    let sampling = Arc::new(AtomicBool::new(true));
    let before = rss_kib("VmRSS");
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while sampling.load(Ordering::Relaxed) {
                peak = peak.max(rss_kib("VmRSS"));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let (rows, bytes, took) = runtime.block_on(async {
        let started = Instant::now();
        let mut response =
            http.get(format!("{base}/api/calllogs/export.csv")).bearer_auth(admin).send().await.expect("export");
        assert_eq!(response.status().as_u16(), 200, "export");
        let (mut lines, mut bytes) = (0usize, 0usize);
        while let Some(chunk) = response.chunk().await.expect("export chunk") {
            lines += chunk.iter().filter(|b| **b == b'\n').count();
            bytes += chunk.len();
        }
        (lines.saturating_sub(1), bytes, started.elapsed())
    });
    sampling.store(false, Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    println!(
        "  export.csv, every log: {rows} rows in {:.1} s ({:.0} rows/s), {:.0} MB; process RSS {:.0} MiB before, \
         peak {:.0} MiB during",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64(),
        bytes as f64 / 1e6,
        before as f64 / 1024.0,
        peak as f64 / 1024.0
    );
}
