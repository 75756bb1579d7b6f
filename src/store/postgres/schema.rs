//! The PostgreSQL schema and its versions. A database's version is the
//! highest row of `calllog_schema`. The ladder `migrations/postgres/NNNN_*.sql`
//! is embedded; every step a database lacks runs at start in ONE
//! transaction, under an advisory lock (two instances starting at once take
//! turns), with the version rows. A database newer than `VERSION` is refused.

// A rung of the ladder is the same record on both engines: `sql` takes a
// database at `version - 1` to `version`. So is the seeded catalog.
use crate::store::migration::{Migration, SEED_REASONS, SEED_STATUSES};
use postgres::{Client, Transaction};

macro_rules! migration {
    ($version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../../migrations/postgres/", $name, ".sql")),
        }
    };
}

/// The ladder, bottom first. Append only.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_initial"),
    migration!(2, "0002_login_throttle"),
    migration!(3, "0003_bounded_orders_and_key_bodies"),
    migration!(4, "0004_name_words"),
    migration!(5, "0005_office_settings"),
];

pub const VERSION: i64 = MIGRATIONS.len() as i64;

const _: () = {
    let mut i = 0;
    while i < MIGRATIONS.len() {
        assert!(MIGRATIONS[i].version == i as i64 + 1, "MIGRATIONS must be versions 1, 2, 3, … in order");
        i += 1;
    }
};

/// Taken by whoever changes the schema, for the length of its transaction.
const SCHEMA_LOCK: i64 = 0x6361_6c6c_6c6f_6702;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("schema version {0} is newer than this calllog knows")]
    TooNew(i64),
    #[error("{0}")]
    Sql(#[from] postgres::Error),
}

/// Whether the database holds a calllog schema (any version).
pub fn has_schema(db: &mut Client) -> Result<bool, postgres::Error> {
    let row = db.query_one("SELECT to_regclass('calllog_schema') IS NOT NULL", &[])?;
    Ok(row.get(0))
}

/// Brings the database to `VERSION` (a new one is created and seeded with
/// the default catalog, as on SQLite).
pub fn migrate(db: &mut Client) -> Result<(), MigrateError> {
    migrate_with(db, true)
}

/// `migrate`, optionally without the seeded catalog (`calllog migrate`
/// copies the file's own).
pub fn migrate_with(db: &mut Client, seed_new: bool) -> Result<(), MigrateError> {
    let mut tx = db.transaction()?;
    migrate_in(&mut tx, seed_new)?;
    tx.commit()?;
    Ok(())
}

/// `migrate_with` inside the caller's transaction (which commits it, or
/// rolls it back with everything else it did): `calllog migrate` creates
/// the schema and copies the rows in one transaction, so a failed copy
/// leaves no half-filled schema behind. Returns the version the database
/// had before (0: it had no calllog schema), read under the schema lock, so
/// two commands racing to create the schema see each other.
pub fn migrate_in(tx: &mut Transaction, seed_new: bool) -> Result<i64, MigrateError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
    // Asked first rather than `CREATE TABLE IF NOT EXISTS`, whose NOTICE
    // ("relation already exists") would be logged at every start of a
    // migrated database. Under the lock, nobody creates it in between.
    let exists: bool = tx.query_one("SELECT to_regclass('calllog_schema') IS NOT NULL", &[])?.get(0);
    if !exists {
        tx.batch_execute(
            "CREATE TABLE calllog_schema (
                 version    bigint PRIMARY KEY,
                 name       text   NOT NULL,
                 applied_on timestamptz NOT NULL DEFAULT now())",
        )?;
    }
    let found: i64 = tx.query_one("SELECT coalesce(max(version), 0) FROM calllog_schema", &[])?.get(0);
    if found > VERSION {
        return Err(MigrateError::TooNew(found));
    }
    for step in MIGRATIONS.iter().filter(|m| m.version > found) {
        log::info!("bringing the PostgreSQL schema to version {} ({})", step.version, step.name);
        tx.batch_execute(step.sql)?;
        tx.execute("INSERT INTO calllog_schema (version, name) VALUES ($1, $2)", &[&step.version, &step.name])?;
    }
    if found == 0 && seed_new {
        seed_catalog(tx)?;
    }
    Ok(found)
}

/// The default statuses and reasons, with the ids SQLite gives them.
fn seed_catalog(tx: &mut Transaction) -> Result<(), postgres::Error> {
    for (order, (id, name, category, is_default)) in SEED_STATUSES.iter().enumerate() {
        tx.execute(
            "INSERT INTO statuses (status_id, name, category, is_default, active, display_order)
             VALUES ($1, $2, $3, $4, true, $5)",
            &[id, name, &category.as_str(), is_default, &(order as i64 + 1)],
        )?;
    }
    for (i, name) in SEED_REASONS.iter().enumerate() {
        let id = i as i64 + 1;
        tx.execute(
            "INSERT INTO reasons (reason_id, name, active, display_order) VALUES ($1, $2, true, $1)",
            &[&id, name],
        )?;
    }
    move_sequences_past_ids(tx)
}

/// Tables whose ids a sequence hands out, and their id columns.
pub const IDENTITY_COLUMNS: [(&str, &str); 6] = [
    ("users", "user_id"),
    ("tokens", "token_id"),
    ("statuses", "status_id"),
    ("reasons", "reason_id"),
    ("call_logs", "log_id"),
    ("admin_audit", "audit_id"),
];

/// After rows were inserted with their ids given, the next id each
/// sequence hands out is past the highest one.
pub fn move_sequences_past_ids(tx: &mut Transaction) -> Result<(), postgres::Error> {
    for (table, column) in IDENTITY_COLUMNS {
        tx.batch_execute(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                           coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
        ))?;
    }
    Ok(())
}
