//! `calllog migrate --from FILE.db --to postgres://…` (docs/operations.md §6): a SQLite
//! file's rows copied into a PostgreSQL database that has no calllog schema
//! yet, so an office can move to PostgreSQL without losing its history.
//!
//! Everything happens in ONE PostgreSQL transaction: the schema is created
//! (without the seeded catalog: the file's own statuses and reasons come
//! over), every table is copied in primary-key order with its ids, the
//! sequences are moved past those ids, and the row counts are compared with
//! the file's before COMMIT. A copy that fails or disagrees rolls back and
//! leaves the database as it was, so the command can simply be run again.
//!
//! The file is first opened once through the ordinary store, which brings an
//! older file to the current schema (after its `.before-vN` copy, as any
//! command would), then read with a plain read-only connection in one read
//! transaction: a consistent picture even while a server still writes to it.
//! Rows stream from SQLite into binary `COPY`; no table is held in memory.
//!
//! What is not copied, because PostgreSQL builds it itself:
//! - the FTS5 tables: the `tsvector` columns (`name_terms`, `number_terms`,
//!   `call_log_search`) are filled from the same terms the PostgreSQL
//!   engine writes (`folded_words` for the lookup's, `index_words`, words
//!   and stems, for the search's); `search_names` is the same on both
//!   engines and is copied;
//! - `call_log_counts`: counted from the copied call logs (as its triggers
//!   would, but in one statement), then compared with the file's counts;
//! - `credential_changes` (SQLite's cross-process signal; PostgreSQL has
//!   NOTIFY).
//!
//! It sits beside the engines, not in either, because it is the one place
//! that uses both: neither engine's modules import the other's.

use crate::config::StoreConfig;
use crate::domain::calllogs::folded_words;
use crate::store::postgres::calllogs::index_words;
use crate::store::postgres::schema;
use crate::store::{MaintenanceError, Store};
use ::postgres::binary_copy::BinaryCopyInWriter;
use ::postgres::types::{ToSql, Type};
use ::postgres::Transaction;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// How a column is read from SQLite and written to PostgreSQL.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// INTEGER → bigint.
    Int,
    /// TEXT → text.
    Text,
    /// INTEGER 0/1 → boolean.
    Bool,
    /// BLOB → bytea.
    Bytes,
    /// REAL → double precision.
    Real,
}

impl Kind {
    fn pg_type(self) -> Type {
        match self {
            Kind::Int => Type::INT8,
            Kind::Text => Type::TEXT,
            Kind::Bool => Type::BOOL,
            Kind::Bytes => Type::BYTEA,
            Kind::Real => Type::FLOAT8,
        }
    }

    fn read(self, row: &rusqlite::Row, i: usize) -> rusqlite::Result<Box<dyn ToSql + Sync>> {
        Ok(match self {
            Kind::Int => Box::new(row.get::<_, Option<i64>>(i)?),
            Kind::Text => Box::new(row.get::<_, Option<String>>(i)?),
            Kind::Bool => Box::new(row.get::<_, Option<i64>>(i)?.map(|v| v != 0)),
            Kind::Bytes => Box::new(row.get::<_, Option<Vec<u8>>>(i)?),
            Kind::Real => Box::new(row.get::<_, Option<f64>>(i)?),
        })
    }
}

/// A table copied row for row (the same table and column names on both engines).
struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Kind)],
    /// The primary key, the order rows are read and written in.
    order: &'static str,
    /// The `tsvector` column PostgreSQL's lookup reads, and the text columns
    /// (indexes into `columns`) whose folded words it holds.
    terms: Option<(&'static str, &'static [usize])>,
}

use Kind::{Bool, Bytes, Int, Real, Text};

/// Every table with rows of its own, parents before the tables that refer to them.
const TABLES: &[Table] = &[
    Table {
        name: "properties",
        columns: &[
            ("property_id", Int),
            ("c4_uid", Text),
            ("property_name", Text),
            ("address1", Text),
            ("address2", Text),
            ("city", Text),
            ("state", Text),
            ("zip", Text),
            ("entity_number", Text),
            ("legal_name", Text),
            ("property_type_id", Int),
            ("property_status", Int),
        ],
        order: "property_id",
        terms: Some(("name_terms", &[2])),
    },
    Table {
        name: "units",
        columns: &[
            ("unit_id", Int),
            ("property_id", Int),
            ("unit_number", Text),
            ("address1", Text),
            ("address2", Text),
            ("city", Text),
            ("state", Text),
            ("zip", Text),
            ("display_order", Int),
            ("floor", Text),
            ("latitude", Real),
            ("longitude", Real),
        ],
        order: "unit_id",
        terms: Some(("number_terms", &[2])),
    },
    Table {
        name: "residents",
        columns: &[
            ("resident_id", Int),
            ("property_id", Int),
            ("unit_id", Int),
            ("first_name", Text),
            ("middle_initial", Text),
            ("last_name", Text),
            ("email", Text),
            ("unit_phone", Text),
            ("cell_phone", Text),
            ("work_phone", Text),
            ("other_phone", Text),
            ("occupancy_type", Text),
            ("resident_type", Int),
            ("move_in_date", Int),
            ("phone_digits", Text),
            ("move_out_date", Int),
        ],
        order: "resident_id",
        terms: Some(("name_terms", &[3, 5])),
    },
    Table {
        name: "users",
        columns: &[
            ("user_id", Int),
            ("user_name", Text),
            ("name_key", Text),
            ("password_hash", Text),
            ("first_name", Text),
            ("last_name", Text),
            ("email", Text),
            ("role", Text),
            ("active", Bool),
            ("created_on", Int),
        ],
        order: "user_id",
        terms: None,
    },
    Table {
        name: "user_properties",
        columns: &[("user_id", Int), ("property_id", Int)],
        order: "user_id, property_id",
        terms: None,
    },
    Table {
        name: "tokens",
        columns: &[
            ("token_id", Int),
            ("user_id", Int),
            ("token_hash", Bytes),
            ("kind", Text),
            ("name", Text),
            ("created_on", Int),
            ("expires_on", Int),
            ("revoked_on", Int),
        ],
        order: "token_id",
        terms: None,
    },
    Table {
        name: "statuses",
        columns: &[
            ("status_id", Int),
            ("name", Text),
            ("category", Text),
            ("is_default", Bool),
            ("active", Bool),
            ("display_order", Int),
        ],
        order: "status_id",
        terms: None,
    },
    Table {
        name: "reasons",
        columns: &[("reason_id", Int), ("name", Text), ("active", Bool), ("display_order", Int)],
        order: "reason_id",
        terms: None,
    },
    Table {
        name: "call_logs",
        columns: &[
            ("log_id", Int),
            ("property_id", Int),
            ("unit_id", Int),
            ("resident_id", Int),
            ("call_from", Text),
            ("status_id", Int),
            ("subject", Text),
            ("notes", Text),
            ("taken_by", Text),
            ("created_on", Int),
            ("modified_on", Int),
            ("created_by", Int),
            ("deleted", Bool),
            ("last_event_no", Int),
            ("comment_count", Int),
        ],
        order: "log_id",
        terms: None,
    },
    Table {
        name: "call_log_reasons",
        columns: &[("log_id", Int), ("reason_id", Int)],
        order: "log_id, reason_id",
        terms: None,
    },
    Table {
        name: "log_events",
        columns: &[
            ("log_id", Int),
            ("event_no", Int),
            ("at", Int),
            ("user_id", Int),
            ("user_name", Text),
            ("kind", Text),
            ("field", Text),
            ("old_value", Text),
            ("new_value", Text),
            ("status_name", Text),
        ],
        order: "log_id, event_no",
        terms: None,
    },
    Table {
        name: "idempotency_keys",
        columns: &[("user_id", Int), ("key", Text), ("log_id", Int), ("created_on", Int), ("fingerprint", Text)],
        order: "user_id, key",
        terms: None,
    },
    Table {
        name: "admin_audit",
        columns: &[
            ("audit_id", Int),
            ("at", Int),
            ("user_id", Int),
            ("user_name", Text),
            ("action", Text),
            ("target", Text),
            ("details", Text),
        ],
        order: "audit_id",
        terms: None,
    },
    Table {
        name: "login_failures",
        columns: &[("name_key", Bytes), ("address", Text), ("at", Int), ("forgiven", Bool)],
        order: "at, name_key, address",
        terms: None,
    },
    Table {
        name: "search_names",
        columns: &[("kind", Text), ("entity_id", Int), ("term", Text)],
        order: "kind, entity_id, term",
        terms: None,
    },
    Table {
        name: "known_addresses",
        columns: &[("user_id", Int), ("address", Text), ("last_success", Int)],
        order: "user_id, address",
        terms: None,
    },
    Table {
        name: "name_words",
        columns: &[("word", Text), ("letters", Int), ("reversed", Text)],
        order: "word",
        terms: None,
    },
];

/// What was copied: rows per table, in copying order (the tables of
/// `TABLES`, then `call_log_search` and `call_log_counts`, which PostgreSQL
/// built from them).
#[derive(Debug, Default)]
pub struct Copied {
    pub tables: Vec<(&'static str, u64)>,
}

/// Copies the SQLite file `from` into the PostgreSQL database at `to` (see
/// the module's comment). `Err` is one line for the user; the target is
/// then left as it was.
pub fn migrate_file(from: &Path, to: &str) -> Result<Copied, MaintenanceError> {
    let described = crate::config::Database::Postgres(to.to_string()).describe();
    let mut client = crate::store::postgres::connect(to).map_err(|e| format!("cannot connect to {described}: {e}"))?;
    // Before anything touches the file: a target in use is refused at once.
    if schema::has_schema(&mut client).map_err(|e| format!("{described}: {e}"))? {
        return Err(already_has_schema(&described).into());
    }

    // The file at the current schema (an older one climbs the ladder, after
    // its `.before-vN` copy), then read only.
    let store = Store::open(&StoreConfig::new(from)).map_err(|e| e.to_string())?;
    store.close();
    drop(store);
    let file = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| format!("cannot open {}: {e}", from.display()))?;
    // One read transaction for every table and every count: a consistent
    // picture even if a server writes to the file meanwhile.
    file.execute_batch("BEGIN DEFERRED; SELECT count(*) FROM sqlite_schema;")
        .map_err(|e| format!("cannot read {}: {e}", from.display()))?;

    let mut tx = client.transaction().map_err(|e| format!("{described}: {e}"))?;
    let found = schema::migrate_in(&mut tx, false).map_err(|e| format!("creating the schema on {described}: {e}"))?;
    if found != 0 {
        // Another command created it since the check above.
        return Err(already_has_schema(&described).into());
    }
    let copied = copy_all(&file, &mut tx)?;
    tx.commit().map_err(|e| format!("committing the copy to {described}: {e}"))?;
    let _ = file.execute_batch("COMMIT");
    Ok(copied)
}

fn already_has_schema(described: &str) -> String {
    format!(
        "{described} already has a calllog schema; migrate copies into a database without one \
         (create a new database, or drop this one's tables first)"
    )
}

/// Copies, rebuilds the search index, moves the sequences, verifies.
fn copy_all(file: &Connection, tx: &mut Transaction) -> Result<Copied, MaintenanceError> {
    let mut copied = Copied::default();
    for table in TABLES {
        if table.name == "call_logs" {
            // The counting trigger would bump the same few rows once per
            // log, and in one transaction each bump leaves a row version
            // the next must step over: quadratic. Paused for the copy; the
            // counts are made once from the copied logs instead.
            tx.batch_execute("ALTER TABLE call_logs DISABLE TRIGGER call_log_counts_insert")
                .map_err(|e| format!("pausing the live-log counts: {e}"))?;
        }
        let rows = copy_table(file, tx, table).map_err(|e| format!("copying {}: {e}", table.name))?;
        if table.name == "call_logs" {
            tx.batch_execute(
                "ALTER TABLE call_logs ENABLE TRIGGER call_log_counts_insert;
                 INSERT INTO call_log_counts (property_id, unit_key, status_id, live)
                 SELECT property_id, coalesce(unit_id, 0), status_id, count(*) FROM call_logs WHERE NOT deleted
                 GROUP BY 1, 2, 3",
            )
            .map_err(|e| format!("counting the live logs: {e}"))?;
        }
        let expected = count_in_file(file, table.name, "")?;
        let found = count_in_database(tx, table.name)?;
        if rows != expected || found != expected {
            return Err(format!(
                "copying {}: the file has {expected} rows but {found} arrived; nothing was copied",
                table.name
            )
            .into());
        }
        copied.tables.push((table.name, rows));
    }

    copy_settings(file, tx)?;
    copied.tables.push(("office_settings", 1));

    let rows = rebuild_search(file, tx).map_err(|e| format!("indexing the call logs for search: {e}"))?;
    let expected = count_in_file(file, "call_logs", "")? + count_in_file(file, "log_events", COMMENTED)?;
    if rows != expected || count_in_database(tx, "call_log_search")? != expected {
        return Err(format!("the search index has {rows} rows instead of {expected}; nothing was copied").into());
    }
    copied.tables.push(("call_log_search", rows));

    let counts = verify_counts(file, tx)?;
    copied.tables.push(("call_log_counts", counts));

    schema::move_sequences_past_ids(tx).map_err(|e| format!("moving the id sequences: {e}"))?;
    Ok(copied)
}

/// The office's settings: their one row, made by the schema on both sides, takes the file's values.
fn copy_settings(file: &Connection, tx: &mut Transaction) -> Result<(), MaintenanceError> {
    let (time_zone, office_name): (Option<String>, Option<String>) = file
        .query_row("SELECT time_zone, office_name FROM office_settings WHERE only_row = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(|e| format!("reading the office settings: {e}"))?;
    tx.execute(
        "UPDATE office_settings SET time_zone = $1, office_name = $2 WHERE only_row = 1",
        &[&time_zone, &office_name],
    )
    .map_err(|e| format!("copying the office settings: {}", described(e)))?;
    Ok(())
}

/// The comments among the log events: each is a row of the search index.
const COMMENTED: &str = "WHERE kind = 'commented' AND new_value IS NOT NULL";

/// PostgreSQL's own words for a failure (its `Display` says only "db error").
fn described(e: postgres::Error) -> String {
    crate::store::postgres::describe(&e)
}

/// Streams `table` from the file into binary COPY; a table with a lookup
/// column passes through a temporary table that also holds each row's
/// words, turned into its `tsvector` on the way in. Returns the rows written.
fn copy_table(file: &Connection, tx: &mut Transaction, table: &Table) -> Result<u64, MaintenanceError> {
    let names: Vec<&str> = table.columns.iter().map(|(name, _)| *name).collect();
    let names = names.join(", ");
    let mut types: Vec<Type> = table.columns.iter().map(|(_, kind)| kind.pg_type()).collect();
    let target = match table.terms {
        None => table.name.to_string(),
        Some(_) => {
            types.push(Type::TEXT_ARRAY);
            tx.batch_execute(&format!(
                "CREATE TEMP TABLE migrate_stage ON COMMIT DROP AS SELECT {names} FROM {} WITH NO DATA;
                 ALTER TABLE migrate_stage ADD COLUMN migrate_words text[] NOT NULL",
                table.name
            ))
            .map_err(|e| e.to_string())?;
            "migrate_stage".to_string()
        }
    };
    let columns = match table.terms {
        None => names.clone(),
        Some(_) => format!("{names}, migrate_words"),
    };

    let sink = tx.copy_in(&format!("COPY {target} ({columns}) FROM STDIN (FORMAT binary)")).map_err(described)?;
    let mut writer = BinaryCopyInWriter::new(sink, &types);
    let mut statement = file
        .prepare(&format!("SELECT {names} FROM {} ORDER BY {}", table.name, table.order))
        .map_err(|e| e.to_string())?;
    let mut rows = statement.query([]).map_err(|e| e.to_string())?;
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let mut values = Vec::with_capacity(types.len());
        for (i, (name, kind)) in table.columns.iter().enumerate() {
            values.push(kind.read(row, i).map_err(|e| format!("column {name}: {e}"))?);
        }
        if let Some((_, sources)) = table.terms {
            let mut words = Vec::new();
            for &i in sources {
                let text: Option<String> = get(row, i)?;
                words.extend(folded_words(text.as_deref().unwrap_or("")));
            }
            values.push(Box::new(words));
        }
        let values: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref()).collect();
        writer.write(&values).map_err(described)?;
    }
    let written = writer.finish().map_err(described)?;

    if let Some((column, _)) = table.terms {
        tx.batch_execute(&format!(
            "INSERT INTO {} ({names}, {column})
             SELECT {names}, array_to_tsvector(migrate_words) FROM migrate_stage ORDER BY {};
             DROP TABLE migrate_stage",
            table.name, table.order
        ))
        .map_err(|e| e.to_string())?;
    }
    Ok(written)
}

/// `call_log_search` as the PostgreSQL engine writes it: per log a header
/// row (part 0: subject, caller, taker and notes, as the SQLite engine
/// indexes them) and a row per comment (part = its event number), each the
/// folded words of its text. Deleted logs keep theirs, as on SQLite (a
/// restore finds them again). Returns the rows written.
fn rebuild_search(file: &Connection, tx: &mut Transaction) -> Result<u64, MaintenanceError> {
    tx.batch_execute("CREATE TEMP TABLE migrate_search (log_id bigint, part bigint, words text[]) ON COMMIT DROP")
        .map_err(|e| e.to_string())?;
    let sink = tx
        .copy_in("COPY migrate_search (log_id, part, words) FROM STDIN (FORMAT binary)")
        .map_err(|e| e.to_string())?;
    let mut writer = BinaryCopyInWriter::new(sink, &[Type::INT8, Type::INT8, Type::TEXT_ARRAY]);

    let mut headers = file
        .prepare("SELECT log_id, subject, call_from, taken_by, notes FROM call_logs ORDER BY log_id")
        .map_err(|e| e.to_string())?;
    let mut rows = headers.query([]).map_err(|e| e.to_string())?;
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let log_id: i64 = get(row, 0)?;
        let (subject, call_from, taken_by): (String, String, String) = (get(row, 1)?, get(row, 2)?, get(row, 3)?);
        let notes: Option<String> = get(row, 4)?;
        let body = format!("{subject}\n{call_from}\n{taken_by}\n{}", notes.unwrap_or_default());
        writer.write(&[&log_id, &0i64, &index_words(&body)]).map_err(|e| e.to_string())?;
    }

    let mut comments = file
        .prepare(&format!("SELECT log_id, event_no, new_value FROM log_events {COMMENTED} ORDER BY log_id, event_no"))
        .map_err(|e| e.to_string())?;
    let mut rows = comments.query([]).map_err(|e| e.to_string())?;
    while let Some(row) = rows.next().map_err(|e| e.to_string())? {
        let (log_id, event_no, text): (i64, i64, String) = (get(row, 0)?, get(row, 1)?, get(row, 2)?);
        writer.write(&[&log_id, &event_no, &index_words(&text)]).map_err(|e| e.to_string())?;
    }
    let written = writer.finish().map_err(|e| e.to_string())?;

    tx.batch_execute(
        "INSERT INTO call_log_search (log_id, part, terms)
         SELECT log_id, part, array_to_tsvector(words) FROM migrate_search ORDER BY log_id, part;
         DROP TABLE migrate_search",
    )
    .map_err(|e| e.to_string())?;
    Ok(written)
}

/// The live-log counts made from the copied call logs must be the file's (rows counting zero aside: SQLite keeps a
/// combination whose last log went, PostgreSQL only makes the ones it
/// needs; both sum the same). Returns the number of combinations.
fn verify_counts(file: &Connection, tx: &mut Transaction) -> Result<u64, MaintenanceError> {
    const COUNTS: &str = "SELECT property_id, unit_key, status_id, live FROM call_log_counts
                          WHERE live <> 0 ORDER BY property_id, unit_key, status_id";
    let mut in_file = Vec::new();
    let mut statement = file.prepare(COUNTS).map_err(|e| format!("reading call_log_counts: {e}"))?;
    let mut rows = statement.query([]).map_err(|e| format!("reading call_log_counts: {e}"))?;
    while let Some(row) = rows.next().map_err(|e| format!("reading call_log_counts: {e}"))? {
        in_file.push((get(row, 0)?, get(row, 1)?, get(row, 2)?, get(row, 3)?));
    }
    let in_database: Vec<(i64, i64, i64, i64)> = tx
        .query(COUNTS, &[])
        .map_err(|e| format!("counting the call logs: {e}"))?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    if in_file != in_database {
        return Err(format!(
            "the file's live-log counts (call_log_counts, {} rows) disagree with its call logs ({} rows counted \
             from them); nothing was copied",
            in_file.len(),
            in_database.len()
        )
        .into());
    }
    Ok(in_database.len() as u64)
}

/// Column `i` of a file's row, its error as text.
fn get<T: rusqlite::types::FromSql>(row: &rusqlite::Row, i: usize) -> Result<T, MaintenanceError> {
    row.get(i).map_err(|e| e.to_string().into())
}

fn count_in_file(file: &Connection, table: &str, condition: &str) -> Result<u64, MaintenanceError> {
    let count: i64 = file
        .query_row(&format!("SELECT count(*) FROM {table} {condition}"), [], |r| r.get(0))
        .map_err(|e| format!("counting {table} in the file: {e}"))?;
    Ok(count as u64)
}

fn count_in_database(tx: &mut Transaction, table: &str) -> Result<u64, MaintenanceError> {
    let count: i64 = tx
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .map_err(|e| format!("counting {table} in the database: {e}"))?
        .get(0);
    Ok(count as u64)
}
