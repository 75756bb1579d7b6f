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
    migration!(6, "0006_search_names_and_stems"),
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
        if step.name.ends_with(SEARCH_NAMES_AND_STEMS) && found > 0 {
            index_for_search(tx)?;
        }
    }
    if found == 0 && seed_new {
        seed_catalog(tx)?;
    }
    Ok(found)
}

/// The step that made the search match names and stems (its number is
/// the ladder's business; its name says what it needs).
const SEARCH_NAMES_AND_STEMS: &str = "_search_names_and_stems";

/// What that step needs calllog's own code for, on a database that had
/// data: every reason's, unit's and property's name in `search_names`, and
/// every row of `call_log_search` with its stems (the terms a new row gets,
/// [`crate::store::postgres::calllogs::index_words`]). Rows are read and
/// written a slice at a time, so memory stays flat whatever the size.
fn index_for_search(tx: &mut Transaction) -> Result<(), postgres::Error> {
    use crate::domain::calllogs::NamedKind;
    use crate::store::postgres::calllogs::index_words;
    for (kind, sql) in [
        (NamedKind::Reason, "SELECT reason_id, name FROM reasons"),
        (NamedKind::Unit, "SELECT unit_id, unit_number FROM units"),
        (NamedKind::Property, "SELECT property_id, property_name FROM properties"),
    ] {
        let (mut owners, mut terms): (Vec<i64>, Vec<String>) = (Vec::new(), Vec::new());
        for row in tx.query(sql, &[])? {
            let (id, name): (i64, String) = (row.get(0), row.get(1));
            for term in index_words(&name) {
                owners.push(id);
                terms.push(term);
            }
        }
        tx.execute(
            "INSERT INTO search_names (kind, entity_id, term)
             SELECT $1, id, term FROM unnest($2::bigint[], $3::text[]) AS t(id, term) ON CONFLICT DO NOTHING",
            &[&kind.as_str(), &owners, &terms],
        )?;
    }
    const SLICE: i64 = 10_000;
    let mut after = (0i64, -1i64);
    loop {
        let rows = tx.query(
            "SELECT s.log_id, s.part,
                    CASE WHEN s.part = 0
                         THEN c.subject || E'\n' || c.call_from || E'\n' || c.taken_by || E'\n' || coalesce(c.notes, '')
                         ELSE e.new_value END
             FROM call_log_search s
             JOIN call_logs c ON c.log_id = s.log_id
             LEFT JOIN log_events e ON s.part > 0 AND e.log_id = s.log_id AND e.event_no = s.part
             WHERE (s.log_id, s.part) > ($1, $2)
             ORDER BY s.log_id, s.part LIMIT $3",
            &[&after.0, &after.1, &SLICE],
        )?;
        let Some(last) = rows.last() else { break };
        after = (last.get(0), last.get(1));
        let (mut logs, mut parts, mut terms) = (Vec::new(), Vec::new(), Vec::new());
        for row in &rows {
            let text: Option<String> = row.get(2);
            logs.push(row.get::<_, i64>(0));
            parts.push(row.get::<_, i64>(1));
            terms.push(index_words(text.as_deref().unwrap_or("")).join(" "));
        }
        tx.execute(
            "UPDATE call_log_search s SET terms = array_to_tsvector(string_to_array(t.terms, ' '))
             FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(log_id, part, terms)
             WHERE s.log_id = t.log_id AND s.part = t.part",
            &[&logs, &parts, &terms],
        )?;
    }
    Ok(())
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
        for term in crate::store::postgres::calllogs::index_words(name) {
            tx.execute(
                "INSERT INTO search_names (kind, entity_id, term) VALUES ('reason', $1, $2) ON CONFLICT DO NOTHING",
                &[&id, &term],
            )?;
        }
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
