//! The lookup's "Did you mean" at 100,000 residents (docs/console.md §7:
//! within the lookup's 20 ms), on SQLite: `CALLLOG_BENCH_ONLY=lookup`.
//!
//! Two directories, each of 100,000 residents imported through the service
//! (so the name words are learned by the real write path): the load phase's
//! (a few dozen common names shared by thousands) and one where every
//! resident has a surname of their own (100,000 words: the most a lookup
//! compares). For each, the service's whole lookup (no HTTP) for a mistyped
//! name, beside SQLite's own time to hand over the candidate words it
//! weighs (the read the suggestion cannot do without), on a connection of
//! its own to the same file.

use crate::Directory;
use calllog::config::{AppConfig, StoreConfig};
use calllog::domain::lookup::{LookupQuery, NearWords};
use calllog::service::access::Admin;
use calllog::service::Service;
use calllog::Store;
use std::time::Instant;

const RUNS: usize = 50;

/// Median and slowest of `RUNS` timings of `f`, in milliseconds.
fn timed(mut f: impl FnMut()) -> (f64, f64) {
    let mut ms: Vec<f64> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    (ms[RUNS / 2], ms[RUNS - 1])
}

/// A surname of its own for resident `i`: three syllables of 60 (216,000).
pub fn own_surname(i: usize) -> String {
    const SYLLABLES: [&str; 60] = [
        "ba", "be", "bo", "ka", "ke", "ko", "da", "de", "do", "fa", "fe", "fo", "ga", "ge", "go", "ha", "he", "ho",
        "ja", "je", "jo", "la", "le", "lo", "ma", "me", "mo", "na", "ne", "no", "pa", "pe", "po", "ra", "re", "ro",
        "sa", "se", "so", "ta", "te", "to", "va", "ve", "vo", "za", "ze", "zo", "lin", "mar", "ber", "son", "ton",
        "dal", "ric", "van", "wen", "hol", "sky", "nez",
    ];
    let n = SYLLABLES.len();
    let k = i * 7919 % (n * n * n);
    format!("{}{}{}", SYLLABLES[k / (n * n)], SYLLABLES[k / n % n], SYLLABLES[k % n])
}

fn measure(dir: &std::path::Path, label: &str, directory: Directory, queries: &[(&str, &str)]) {
    let path = dir.join(format!("{label}.db"));
    let store = Store::open(&StoreConfig::new(path.clone())).expect("store");
    let service = Service::new(store.clone(), AppConfig::default());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let operator = Admin::command_line();
    let started = Instant::now();
    runtime
        .block_on(async {
            let permit = service.admit_import(&operator).await?;
            service.import_directory(&operator, permit, directory.batch()).await
        })
        .expect("import");
    let reader = rusqlite::Connection::open(&path).expect("open");
    let words: i64 = reader.query_row("SELECT count(*) FROM name_words", [], |r| r.get(0)).expect("count");
    println!("  {label}: imported in {:.1} s, {words} distinct name words", started.elapsed().as_secs_f64());
    for (what, q) in queries {
        let mut answer = None;
        let (p50, max) = timed(|| {
            let query = LookupQuery::parse(q).expect("query");
            answer = Some(runtime.block_on(service.lookup(&operator, query, None)).expect("lookup"));
        });
        let answer = answer.expect("answered");
        // SQLite alone: the same candidate words read on a connection of
        // its own, copied out (what the store weighs in place).
        let mistyped = q.split_whitespace().last().expect("a word");
        let near = NearWords::new(mistyped).expect("long enough to guess at");
        let (low, high) = (*near.letters().start() as i64, *near.letters().end() as i64);
        let mut read = 0;
        let (ceiling, _) = match near.keys() {
            Some(keys) => {
                let mut both = reader
                    .prepare(
                        "SELECT word FROM name_words WHERE word >= ?1 AND word < ?2
                         UNION ALL
                         SELECT word FROM name_words WHERE reversed >= ?3 AND reversed < ?4",
                    )
                    .expect("sql");
                let ends = (format!("{}{}", keys.prefix, char::MAX), format!("{}{}", keys.reversed_suffix, char::MAX));
                timed(|| {
                    read = both
                        .query_map(rusqlite::params![keys.prefix, ends.0, keys.reversed_suffix, ends.1], |r| {
                            r.get::<_, String>(0)
                        })
                        .unwrap()
                        .count();
                })
            }
            None => {
                let mut band =
                    reader.prepare("SELECT word FROM name_words WHERE letters BETWEEN ?1 AND ?2").expect("sql");
                timed(|| read = band.query_map([low, high], |r| r.get::<_, String>(0)).unwrap().count())
            }
        };
        println!(
            "    {what:<44} p50 {p50:6.2} ms, max {max:6.2} ms; {} hits, suggested {}; SQLite alone reads its {read} candidate words in {ceiling:.2} ms",
            answer.hits.len(),
            answer.suggested,
        );
    }
    store.close();
}

/// Phase: "Did you mean" at `residents` residents, for both directories.
pub fn did_you_mean_phase(dir: &std::path::Path, residents: i64, common_names: Directory) {
    println!("The lookup's \"Did you mean\" ({residents} residents, the service's lookup without HTTP, {RUNS} runs):");
    measure(
        dir,
        "common-names",
        common_names,
        &[
            ("garcai (one swap from Garcia)", "garcai"),
            ("kowalsky (Kowalski)", "kowalsky"),
            ("ana garcai (a word right, one not)", "ana garcai"),
            ("zzzzqq (nothing near)", "zzzzqq"),
            ("kovalsky (two edits from Kowalski)", "kovalsky"),
        ],
    );
    let mut own = crate::lookup_directory(residents);
    for (i, resident) in own.residents.iter_mut().enumerate() {
        resident.resident_last_name = Some(own_surname(i));
    }
    let target = own_surname(4242);
    let mistyped: String = target.chars().rev().collect::<String>();
    let one_off = format!("{}x", &target[..target.len() - 1]);
    let long = (0..).map(own_surname).find(|s| s.len() >= 8).expect("a long surname");
    let two_off = format!("x{}x", &long[1..long.len() - 1]);
    measure(
        dir,
        "own-surnames",
        own,
        &[
            ("one letter changed (of a 6–9 letter name)", one_off.as_str()),
            ("reversed (nothing near)", mistyped.as_str()),
            ("two letters changed (8+ letters: two edits)", two_off.as_str()),
        ],
    );
}
