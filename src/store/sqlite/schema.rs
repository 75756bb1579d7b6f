//! The schema (`schema.sql`, embedded), its version in `PRAGMA user_version`,
//! the seeded catalog, and the start-up integrity check.

use rusqlite::Connection;

pub const VERSION: i64 = 1;
const SCHEMA: &str = include_str!("../../../schema.sql");

pub const SEED_STATUSES: [(i64, &str, &str, bool); 3] =
    [(1, "Open", "open", true), (2, "In Progress", "pending", false), (3, "Closed", "closed", false)];

pub const SEED_REASONS: [&str; 8] = [
    "Maintenance request",
    "Billing / assessments",
    "Violation inquiry",
    "Architectural request",
    "Amenity reservation",
    "Noise or neighbor complaint",
    "General information",
    "Emergency",
];

#[derive(Debug)]
pub enum MigrateError {
    TooNew(i64),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sql(e)
    }
}

/// `PRAGMA quick_check`: a damaged file must not be served.
pub fn check_integrity(conn: &Connection) -> Result<(), String> {
    run_check(conn, "quick_check")
}

/// Runs `quick_check` or `integrity_check`; `Err` lists what it found.
pub fn run_check(conn: &Connection, pragma: &str) -> Result<(), String> {
    let mut stmt = conn.prepare(&format!("PRAGMA {pragma}")).map_err(|e| e.to_string())?;
    let rows: Vec<String> =
        stmt.query_map([], |r| r.get(0)).and_then(|rows| rows.collect()).map_err(|e| e.to_string())?;
    if rows == ["ok"] {
        Ok(())
    } else {
        Err(rows.join("; "))
    }
}

/// Brings the file to `VERSION`, in one transaction.
pub fn migrate(conn: &Connection) -> Result<(), MigrateError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > VERSION {
        return Err(MigrateError::TooNew(found));
    }
    if found == VERSION {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> rusqlite::Result<()> {
        if found < 1 {
            conn.execute_batch(SCHEMA)?;
            seed_catalog(conn)?;
        }
        conn.pragma_update(None, "user_version", VERSION)?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
    }
    Ok(())
}

fn seed_catalog(conn: &Connection) -> rusqlite::Result<()> {
    for (order, (id, name, category, is_default)) in SEED_STATUSES.iter().enumerate() {
        conn.execute(
            "INSERT OR IGNORE INTO statuses (status_id, name, category, is_default, active, display_order)
             VALUES (?1, ?2, ?3, ?4, 1, ?5)",
            rusqlite::params![id, name, category, *is_default as i64, order as i64 + 1],
        )?;
    }
    for (i, name) in SEED_REASONS.iter().enumerate() {
        conn.execute(
            "INSERT OR IGNORE INTO reasons (reason_id, name, active, display_order) VALUES (?1, ?2, 1, ?1)",
            rusqlite::params![i as i64 + 1, name],
        )?;
    }
    Ok(())
}
