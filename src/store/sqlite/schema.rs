//! The schema and its versions, the seeded catalog, and the integrity checks.
//!
//! A file's schema version is its `PRAGMA user_version`. A new, empty file is
//! built from `schema.sql` (the whole current schema, embedded). An older file
//! climbs the ladder of `migrations/sqlite/NNNN_*.sql` (embedded too, so the
//! binary needs no files at run time): migration N takes version N-1 to N,
//! each in its own transaction, after one copy of the file as it was
//! (`<file>.before-vN`). A file newer than `VERSION` is refused.

use crate::store::MaintenanceError;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

const SCHEMA: &str = include_str!("../../../schema.sql");

// The rung and the seeded catalog are the same on both engines (`store::migration`).
pub use crate::store::migration::{Migration, SEED_REASONS, SEED_STATUSES};

/// Embeds `migrations/sqlite/NAME.sql`.
macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../../migrations/sqlite/", $name, ".sql")),
        }
    };
}

/// The ladder, bottom first. Append only: a migration that has shipped is
/// never edited, since files out there have already taken that step.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_initial"),
    migration!(2, "0002_lookup"),
    migration!(3, "0003_taker_index"),
    migration!(4, "0004_status_counts"),
    migration!(5, "0005_admin_audit"),
    migration!(6, "0006_move_out_date"),
    migration!(7, "0007_deleted_logs"),
    migration!(8, "0008_comment_count"),
    migration!(9, "0009_login_throttle"),
    migration!(10, "0010_bounded_orders_and_key_bodies"),
    migration!(11, "0011_search_prefixes"),
    migration!(12, "0012_name_words"),
    migration!(13, "0013_office_settings"),
    migration!(14, "0014_search_names_and_stems"),
];

/// The schema version this code reads and writes: the top of the ladder.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

// A rung out of place would skip or repeat a step on some file: refuse to build.
const _: () = {
    let mut i = 0;
    while i < MIGRATIONS.len() {
        assert!(MIGRATIONS[i].version == i as i64 + 1, "MIGRATIONS must be versions 1, 2, 3, … in order");
        i += 1;
    }
};

/// `PRAGMA quick_check`: a damaged file must not be served.
pub fn check_integrity(conn: &Connection) -> Result<(), MaintenanceError> {
    run_check(conn, "quick_check")
}

/// Runs `quick_check` or `integrity_check`; `Err` lists what it found.
pub fn run_check(conn: &Connection, pragma: &str) -> Result<(), MaintenanceError> {
    let mut stmt = conn.prepare(&format!("PRAGMA {pragma}")).map_err(|e| e.to_string())?;
    let rows: Vec<String> =
        stmt.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).map_err(|e| e.to_string())?;
    if rows == ["ok"] {
        Ok(())
    } else {
        Err(rows.join("; ").into())
    }
}

/// What `migrate` or `upgrade` did to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Migrated {
    /// It was at the top of the ladder already.
    Current,
    /// It was new and empty; `schema.sql` built it (nothing to lose, so no copy).
    Created,
    /// It climbed from `from` to `to`; `backup` is the copy made first (none
    /// when it was empty).
    Upgraded { from: i64, to: i64, backup: Option<PathBuf> },
}

/// Why a file could not be brought to the current schema. Each leaves the
/// file at the last version whose step committed (as it was, when no step
/// did), except `EndedTransaction`, which says what it left.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("schema version {0} is newer than this calllog knows")]
    TooNew(i64),
    #[error("it has tables but no calllog schema version (user_version {0}), so it is not a calllog database")]
    NotCalllog(i64),
    #[error(
        "upgrading it from schema version {version} first copies it to {}, and that file exists already (left by \
         an earlier upgrade?); calllog never overwrites a backup: move that file away and start again",
        path.display()
    )]
    BackupExists { version: i64, path: PathBuf },
    #[error("copying it to {} before the upgrade failed ({reason}); the database is unchanged", path.display())]
    Backup { path: PathBuf, reason: String },
    #[error(
        "migration {name} (schema version {from} to {}) failed: {reason}; it was rolled back and the database is at \
         version {from}{backup_note}",
        from + 1
    )]
    Step { name: &'static str, from: i64, reason: String, backup_note: String },
    #[error(
        "migration {name} (schema version {from} to {}) ended the runner's transaction itself, so what it did up to \
         there is committed at version {from}{backup_note}",
        from + 1
    )]
    EndedTransaction { name: &'static str, from: i64, backup_note: String },
    #[error("the migration ladder is broken: {0}")]
    Ladder(String),
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// Brings the file to `VERSION`: builds a new, empty file from `schema.sql`,
/// or steps an older one up the embedded ladder (see `upgrade`).
pub fn migrate(conn: &Connection) -> Result<Migrated, MigrateError> {
    if user_version(conn)? == 0 && !has_tables(conn)? && create(conn)? {
        return Ok(Migrated::Created);
    }
    upgrade(conn, MIGRATIONS)
}

/// Builds a new file from `schema.sql` and seeds the catalog, in one
/// transaction. `false` when, by the time the write lock was ours, another
/// process had already built it.
fn create(conn: &Connection) -> Result<bool, MigrateError> {
    in_transaction(conn, |conn| {
        if user_version(conn)? != 0 || has_tables(conn)? {
            return Ok(false);
        }
        conn.execute_batch(SCHEMA)?;
        seed_catalog(conn)?;
        conn.pragma_update(None, "user_version", VERSION)?;
        Ok(true)
    })
}

/// Steps the file up `ladder` (migration N at index N-1) to its top.
///
/// A file with data is first copied, once, to `<file>.before-vN` (N the
/// version it had): the copy an operator restores to go back to the release
/// that wrote it. One copy rather than one per step, because only that version
/// was ever served from this file, and a copy per step would cost the whole
/// file again for each rung. An existing file of that name is never
/// overwritten: the upgrade is refused until the operator moves it away (a
/// service restarted in a loop must not fill the disk with copies either).
///
/// Each step then runs in its own `BEGIN IMMEDIATE` transaction that also
/// sets `user_version`, so a failing step leaves the file at the version the
/// step started from, and the next start resumes there.
pub fn upgrade(conn: &Connection, ladder: &[Migration]) -> Result<Migrated, MigrateError> {
    if let Some((i, m)) = ladder.iter().enumerate().find(|(i, m)| m.version != *i as i64 + 1) {
        return Err(MigrateError::Ladder(format!("{} is version {} at rung {}", m.name, m.version, i + 1)));
    }
    // Steps call calllog's own SQL functions (version 12 stems with them),
    // whoever opened the connection.
    super::register_functions(conn)?;
    let top = ladder.len() as i64;
    let from = user_version(conn)?;
    if from > top {
        return Err(MigrateError::TooNew(from));
    }
    if from == top {
        return Ok(Migrated::Current);
    }
    // Version 0 is an empty file; one with tables belongs to something else.
    if from < 0 || (from == 0 && has_tables(conn)?) {
        return Err(MigrateError::NotCalllog(from));
    }
    let backup = if from > 0 { Some(back_up(conn, from)?) } else { None };
    let backup_note =
        backup.as_ref().map(|p| format!("; its copy from before the upgrade is {}", p.display())).unwrap_or_default();
    // A step that rebuilds a table (SQLite's 12-step ALTER) must not fire
    // foreign-key actions while the old table is dropped; the switch can only
    // flip outside a transaction, and each step checks the keys before COMMIT.
    let foreign_keys: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let climbed = ladder[from as usize..].iter().try_for_each(|m| step(conn, m, &backup_note));
    conn.pragma_update(None, "foreign_keys", foreign_keys)?;
    climbed?;
    log::info!(
        "upgraded the database {} from schema version {from} to {top}{backup_note}",
        conn.path().unwrap_or_default()
    );
    Ok(Migrated::Upgraded { from, to: top, backup })
}

/// One rung, in one transaction with its `user_version`.
fn step(conn: &Connection, m: &Migration, backup_note: &str) -> Result<(), MigrateError> {
    let from = m.version - 1;
    let failed =
        |reason: String| MigrateError::Step { name: m.name, from, reason, backup_note: backup_note.to_string() };
    in_transaction(conn, |conn| {
        // Another process may have taken this step while we waited for the lock.
        let found = user_version(conn)?;
        if found >= m.version {
            return Ok(());
        }
        if found != from {
            return Err(failed(format!("the file went from version {from} to {found} meanwhile")));
        }
        conn.execute_batch(m.sql).map_err(|e| failed(e.to_string()))?;
        // A COMMIT inside the SQL would have let part of the step out alone.
        if conn.is_autocommit() {
            return Err(MigrateError::EndedTransaction { name: m.name, from, backup_note: backup_note.to_string() });
        }
        if let Some(broken) = first_foreign_key_violation(conn)? {
            return Err(failed(broken));
        }
        conn.pragma_update(None, "user_version", m.version)?;
        Ok(())
    })
}

/// `PRAGMA foreign_key_check`, reduced to its first finding.
fn first_foreign_key_violation(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
    let mut rows = stmt.query([])?;
    match rows.next()? {
        Some(row) => {
            let table: String = row.get(0)?;
            let rowid: Option<i64> = row.get(1)?;
            let parent: String = row.get(2)?;
            let rowid = rowid.map(|r| format!(" row {r}")).unwrap_or_default();
            Ok(Some(format!("it leaves {table}{rowid} pointing at a missing {parent} row")))
        }
        None => Ok(None),
    }
}

/// Copies the database to `<file>.before-v<version>` with `VACUUM INTO`,
/// makes the copy durable, and checks it, before any step touches the file.
fn back_up(conn: &Connection, version: i64) -> Result<PathBuf, MigrateError> {
    let db = conn.path().filter(|p| !p.is_empty()).ok_or_else(|| MigrateError::Backup {
        path: PathBuf::new(),
        reason: "a database without a file cannot be copied".into(),
    })?;
    let path = PathBuf::from(format!("{db}.before-v{version}"));
    let failed = |reason: String| MigrateError::Backup { path: path.clone(), reason };
    // Creating the file claims the name atomically (no race with another
    // process, no overwrite); VACUUM INTO accepts an existing empty file.
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(MigrateError::BackupExists { version, path });
        }
        Err(e) => return Err(failed(e.to_string())),
    }
    let copied = copy_into(conn, &path, version);
    if let Err(reason) = copied {
        // The file is ours and incomplete; left behind, it would pass for a backup.
        let _ = std::fs::remove_file(&path);
        return Err(failed(reason.0));
    }
    log::info!("copied the database {db} (schema version {version}) to {} before upgrading it", path.display());
    Ok(path)
}

fn copy_into(conn: &Connection, path: &Path, version: i64) -> Result<(), MaintenanceError> {
    let text = path.to_str().ok_or("the file name is not valid UTF-8")?;
    conn.execute("VACUUM INTO ?1", [text]).map_err(|e| e.to_string())?;
    // VACUUM INTO does not sync its output; the copy must be on disk before
    // the original changes, or a power cut could leave neither.
    std::fs::File::open(path).and_then(|f| f.sync_all()).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| e.to_string())?;
    }
    let copy = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| e.to_string())?;
    run_check(&copy, "quick_check").map_err(|e| format!("the copy is not sound: {e}"))?;
    let copied: i64 = copy.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(|e| e.to_string())?;
    if copied != version {
        return Err(format!("the copy has schema version {copied}, not {version}").into());
    }
    Ok(())
}

/// Runs `work` inside `BEGIN IMMEDIATE` … `COMMIT`; rolls back on any error.
fn in_transaction<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, MigrateError>,
) -> Result<T, MigrateError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let done = work(conn).and_then(|value| Ok(conn.execute_batch("COMMIT").map(|()| value)?));
    if done.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    done
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Whether the file holds any schema object at all (a new file holds none).
fn has_tables(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_schema)", [], |r| r.get(0))
}

fn seed_catalog(conn: &Connection) -> rusqlite::Result<()> {
    for (order, (id, name, category, is_default)) in SEED_STATUSES.iter().enumerate() {
        conn.execute(
            "INSERT OR IGNORE INTO statuses (status_id, name, category, is_default, active, display_order)
             VALUES (?1, ?2, ?3, ?4, 1, ?5)",
            rusqlite::params![id, name, category.as_str(), *is_default as i64, order as i64 + 1],
        )?;
    }
    for (i, name) in SEED_REASONS.iter().enumerate() {
        conn.execute(
            "INSERT OR IGNORE INTO reasons (reason_id, name, active, display_order) VALUES (?1, ?2, 1, ?1)",
            rusqlite::params![i as i64 + 1, name],
        )?;
        for term in crate::domain::calllogs::index_terms(name) {
            conn.execute(
                "INSERT OR IGNORE INTO search_names (kind, entity_id, term) VALUES ('reason', ?1, ?2)",
                rusqlite::params![i as i64 + 1, term],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_on_the_ladder_under_its_own_number() {
        for m in MIGRATIONS {
            assert_eq!(
                m.name.get(..5),
                Some(format!("{:04}_", m.version).as_str()),
                "{} is version {}",
                m.name,
                m.version
            );
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS.iter().map(|m| format!("{}.sql", m.name)).collect();
        assert_eq!(files, listed, "a file in migrations/sqlite that MIGRATIONS does not list would never run");
    }

    #[test]
    fn a_ladder_out_of_order_is_refused_before_it_touches_the_file() {
        let conn = Connection::open_in_memory().unwrap();
        let ladder = [Migration { version: 2, name: "0002_x", sql: "CREATE TABLE x (a)" }];
        assert!(matches!(upgrade(&conn, &ladder), Err(MigrateError::Ladder(_))));
        assert!(!has_tables(&conn).unwrap());
    }

    #[test]
    fn a_version_zero_file_with_tables_is_not_taken_for_a_new_one() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE notes (text)").unwrap();
        assert!(matches!(migrate(&conn), Err(MigrateError::NotCalllog(0))));
        assert_eq!(user_version(&conn).unwrap(), 0);
    }

    #[test]
    fn a_new_file_is_built_from_schema_sql_and_seeded() {
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&conn).unwrap(), Migrated::Created);
        assert_eq!(user_version(&conn).unwrap(), VERSION);
        let statuses: i64 = conn.query_row("SELECT count(*) FROM statuses", [], |r| r.get(0)).unwrap();
        assert_eq!(statuses, SEED_STATUSES.len() as i64);
        assert_eq!(migrate(&conn).unwrap(), Migrated::Current);
    }
}
