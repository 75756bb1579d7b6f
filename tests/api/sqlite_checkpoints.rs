//! Storage rules of docs/architecture.md: checkpoints run off the request path,
//! the WAL stays bounded, and closing folds it into the database.

use calllog::config::StoreConfig;
use calllog::store::StoreStats;
use calllog::Store;
use std::path::Path;
use std::time::{Duration, Instant};

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn wal_of(db: &Path) -> std::path::PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-wal");
    p.into()
}

/// One write of `n` reasons with long names (about `n` KiB of pages).
fn write_reasons(store: &Store, start: usize, n: usize) {
    store
        .sqlite()
        .unwrap()
        .write_on_connection_blocking(move |conn| {
            for i in start..start + n {
                conn.execute(
                    "INSERT INTO reasons (name, active, display_order) VALUES (?1, 1, ?2)",
                    rusqlite::params![format!("reason {i} {}", "x".repeat(900)), i as i64],
                )?;
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_writer_never_checkpoints_and_a_background_thread_does() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let mut config = StoreConfig::new(&db);
    config.checkpoint_interval = Duration::from_millis(100);
    let store = Store::open(&config).unwrap();
    let autocheckpoint: i64 = store
        .sqlite()
        .unwrap()
        .write_on_connection_blocking(|conn| conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(autocheckpoint, 0, "no checkpoint inside a commit");
    let before = size(&db);
    write_reasons(&store, 0, 500);
    assert!(size(&wal_of(&db)) > 400 * 1024, "the write went to the WAL");
    let deadline = Instant::now() + Duration::from_secs(10);
    while size(&db) <= before + 400 * 1024 {
        assert!(Instant::now() < deadline, "the background checkpoint never copied the WAL in");
        std::thread::sleep(Duration::from_millis(50));
    }
    store.close();
    assert_eq!(size(&wal_of(&db)), 0, "closing truncates the WAL");
    assert!(calllog::store::integrity_check(&db).is_ok());
}

#[test]
fn the_writer_bounds_the_wal_when_the_background_thread_cannot_keep_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db");
    let mut config = StoreConfig::new(&db);
    config.checkpoint_interval = Duration::from_secs(3600); // as if it were stuck
    config.wal_limit_bytes = 256 * 1024;
    let store = Store::open(&config).unwrap();
    let mut largest = 0;
    for batch in 0..40 {
        write_reasons(&store, batch * 50, 50);
        largest = largest.max(size(&wal_of(&db)));
    }
    let StoreStats::Sqlite { forced_checkpoints, .. } = store.stats() else { panic!("a SQLite store") };
    assert!(forced_checkpoints > 0);
    // Bounded: at most the limit plus what one batch adds.
    assert!(largest < 256 * 1024 + 200 * 1024, "WAL grew to {largest} bytes");
    let count: i64 = store.read_blocking(|tx| tx.reasons(true).map(|r| r.len() as i64)).unwrap();
    assert_eq!(count, 8 + 40 * 50, "nothing lost across checkpoints");
}
