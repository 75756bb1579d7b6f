//! docs/architecture.md "Schema versions" and docs/operations.md §11: a file made by an earlier
//! release opens with its rows intact; `schema.sql` and the ladder of
//! `migrations/sqlite/` give one schema; each step is one transaction after a
//! copy `<file>.before-vN`; a newer file is refused; `check` and `backup`
//! never create a database.
//!
//! `tests/fixtures/v1.db` is schema version 1, written by the release of
//! commit 087dd41 through its API and command line (`tests/fixtures/make_v1.sh`).

use calllog::config::StoreConfig;
use calllog::store::sqlite::schema::{self, MigrateError, Migrated, Migration, MIGRATIONS, VERSION};
use calllog::store::OpenError;
use calllog::Store;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE_V1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1.db");

/// The tables of schema version 1; the fixture has rows in each.
const V1_TABLES: [&str; 12] = [
    "call_log_reasons",
    "call_logs",
    "idempotency_keys",
    "log_events",
    "properties",
    "reasons",
    "residents",
    "statuses",
    "tokens",
    "units",
    "user_properties",
    "users",
];

/// A private copy of the fixture (the committed file must never change).
fn fixture_copy(dir: &Path) -> PathBuf {
    let db = dir.join("calllog.db");
    std::fs::copy(FIXTURE_V1, &db).unwrap();
    db
}

fn read_only(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

/// Opens the file the way `calllog` does (upgrading it), then closes it.
fn open_and_close(db: &Path) {
    let store = Store::open(&StoreConfig::new(db)).unwrap();
    store.close();
}

fn user_version(db: &Path) -> i64 {
    read_only(db).pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
}

fn backup_of(db: &Path, version: i64) -> PathBuf {
    PathBuf::from(format!("{}.before-v{version}", db.display()))
}

/// The ordinary tables of a file (not FTS5's virtual table or its shadow
/// tables: those are an index, checked by searching) with their columns.
fn tables(conn: &Connection) -> Vec<(String, Vec<String>)> {
    let mut stmt = conn
        .prepare(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        )
        .unwrap();
    let names: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    names
        .into_iter()
        .map(|table| {
            let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid").unwrap();
            let columns = stmt.query_map([&table], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
            (table, columns)
        })
        .collect()
}

/// Every row of `tables`, read through the given columns, in a stable order.
/// Reading through the old file's columns lets a later migration add columns
/// without breaking the comparison; a dropped or renamed one would show.
fn rows(db: &Path, tables: &[(String, Vec<String>)]) -> BTreeMap<String, Vec<String>> {
    let conn = read_only(db);
    tables
        .iter()
        .map(|(table, columns)| {
            let list = columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
            let mut stmt = conn.prepare(&format!("SELECT {list} FROM \"{table}\"")).unwrap();
            let mut found: Vec<String> = stmt
                .query_map([], |r| {
                    let values: Vec<Value> = (0..columns.len()).map(|i| r.get(i)).collect::<Result<_, _>>()?;
                    Ok(format!("{values:?}"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            found.sort();
            (table.clone(), found)
        })
        .collect()
}

/// `sqlite_schema` as (type, name, tbl_name, sql), the SQL without comments
/// and with whitespace normalized: `ALTER TABLE` and a hand-written
/// `CREATE TABLE` lay the same table out differently.
fn schema_of(db: &Path) -> Vec<[String; 4]> {
    let conn = read_only(db);
    let mut stmt =
        conn.prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name").unwrap();
    stmt.query_map([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, normalized(&r.get::<_, String>(3)?)]))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Drops `--` comments (the schema has no `--` inside a string) and the
/// whitespace that carries no meaning.
fn normalized(sql: &str) -> String {
    let words: Vec<&str> =
        sql.lines().flat_map(|line| line.split("--").next().unwrap_or("").split_whitespace()).collect();
    let mut text = words.join(" ");
    for mark in ["(", ")", ","] {
        text = text.replace(&format!(" {mark}"), mark).replace(&format!("{mark} "), mark);
    }
    text
}

/// The log ids that a full-text query finds, as the API's search reads them.
fn search(db: &Path, query: &str) -> Vec<i64> {
    let conn = read_only(db);
    let mut stmt = conn
        .prepare("SELECT DISTINCT rowid >> 24 FROM call_log_search WHERE call_log_search MATCH ?1 ORDER BY 1")
        .unwrap();
    stmt.query_map([query], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// The current ladder plus test-only rungs on top of it.
fn ladder_with(extra: &[(&'static str, &'static str)]) -> Vec<Migration> {
    let mut ladder = MIGRATIONS.to_vec();
    for &(name, sql) in extra {
        ladder.push(Migration { version: ladder.len() as i64 + 1, name, sql });
    }
    ladder
}

// ---- the fixture -----------------------------------------------------------

#[test]
fn the_fixture_is_version_1_with_rows_in_every_table() {
    assert_eq!(user_version(Path::new(FIXTURE_V1)), 1);
    let conn = read_only(Path::new(FIXTURE_V1));
    let names: Vec<String> = tables(&conn).into_iter().map(|(t, _)| t).collect();
    assert_eq!(names, V1_TABLES, "the tables of version 1");
    for table in V1_TABLES {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap();
        assert!(n > 0, "{table} has no row");
    }
    let indexed: i64 = conn.query_row("SELECT count(*) FROM call_log_search_docsize", [], |r| r.get(0)).unwrap();
    assert!(indexed > 0, "the search index has no row");
    let wal = PathBuf::from(format!("{FIXTURE_V1}-wal"));
    assert!(!wal.exists(), "the fixture must be one file");
}

#[test]
fn a_version_1_file_opens_with_every_row_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_copy(dir.path());
    let v1_tables = tables(&read_only(&db));
    let before = rows(&db, &v1_tables);

    open_and_close(&db);

    assert_eq!(user_version(&db), VERSION);
    let after = rows(&db, &v1_tables);
    for (table, rows) in &before {
        assert_eq!(after[table].len(), rows.len(), "row count of {table}");
        assert_eq!(&after[table], rows, "rows of {table}");
    }
    // A file with data is copied first, unless there is nothing to do.
    assert_eq!(backup_of(&db, 1).exists(), VERSION > 1);

    let conn = read_only(&db);
    let one = |sql: &str| -> Value { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    // The date sent as 2024-03-05T09:15:30.1234567-05:00, to the seventh digit.
    assert_eq!(one("SELECT created_on FROM call_logs WHERE log_id = 1"), Value::Integer(17_096_481_301_234_567));
    assert_eq!(
        one("SELECT new_value FROM log_events WHERE log_id = 1 AND event_no = 5"),
        Value::Text("Plumber booked for Thursday, crème brûlée smell too.".into())
    );
    assert_eq!(one("SELECT deleted FROM call_logs WHERE log_id = 3"), Value::Integer(1), "still soft-deleted");
    assert_eq!(one("SELECT name FROM reasons WHERE reason_id = 9"), Value::Text("Parking permit".into()));
    assert_eq!(one("SELECT user_name FROM users WHERE name_key = 'zoë'"), Value::Text("Zoë".into()));
    assert_eq!(one("SELECT key FROM idempotency_keys"), Value::Text("fixture-log-1".into()));
    // Version 8 counted each log's comments onto its row (the export's CommentCount).
    let miscounted: i64 = conn
        .query_row(
            "SELECT count(*) FROM call_logs c WHERE c.comment_count <>
                 (SELECT count(*) FROM log_events e WHERE e.log_id = c.log_id AND e.kind = 'commented')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(miscounted, 0, "every log's comment count");
    assert_eq!(one("SELECT comment_count FROM call_logs WHERE log_id = 1"), Value::Integer(3));
    // The search index still answers: a word of a comment (accents folded), a prefix, a subject.
    assert_eq!(search(&db, "brulee"), [1]);
    assert_eq!(search(&db, "plumb*"), [1]);
    assert_eq!(search(&db, "gate"), [2]);
    // Version 11 made the index again with each word's first one and two
    // characters as terms of their own: it finds what the old one found.
    for query in ["p*", "pl*", "b*", "g*", "c*", "cr*", "z*"] {
        assert_eq!(search(&db, query), search(Path::new(FIXTURE_V1), query), "{query}");
    }
    assert!(!search(&db, "p*").is_empty());
    let index: String =
        conn.query_row("SELECT sql FROM sqlite_schema WHERE name = 'call_log_search'", [], |r| r.get(0)).unwrap();
    assert!(index.contains("prefix = '1 2'"), "{index}");
    // Version 12 learned the name words "Did you mean" offers from the
    // directory already there: folded, each with its length.
    let words: Vec<(String, i64, String)> = conn
        .prepare("SELECT word, letters, reversed FROM name_words ORDER BY word")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected = [
        "chloe",
        "condominiums",
        "dubois",
        "garcia",
        "haddad",
        "harbor",
        "hoa",
        "hollow",
        "ines",
        "ito",
        "jamal",
        "oak",
        "view",
    ];
    assert_eq!(words, expected.map(|w| (w.to_string(), w.chars().count() as i64, w.chars().rev().collect())));
    // Version 13 added the office's settings, the time zone not chosen yet (UTC in force).
    let settings: (Option<String>, Option<String>) = conn
        .query_row("SELECT time_zone, office_name FROM office_settings", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(settings, (None, None));
}

/// Issue 18: version 12 indexed the names and the stems of what a file
/// already held, so its old calls are found by their reasons' names, their
/// units' numbers, their properties' names and other forms of their words.
#[test]
fn an_upgraded_file_finds_its_old_calls_by_names_and_word_forms() {
    use calllog::store::sqlite::calllogs::{search_matches, SearchPaths};
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_copy(dir.path());
    open_and_close(&db);
    let conn = read_only(&db);
    calllog::store::sqlite::register_functions(&conn).unwrap();
    let found = |q: &str| search_matches(&conn, &[q.to_string()], SearchPaths::default()).unwrap().log_ids;
    // Log 1 has the reason "Parking permit"; no text says either word.
    assert_eq!(found("permits"), [1], "a reason's name, by its stem");
    assert_eq!(found("parking"), [1]);
    assert_eq!(found("noise"), [4], "log 4's reason and subject");
    // Property 1 is "Harbor View Condominiums"; its log 3 is deleted, and
    // a name is matched among live logs only (the indexes by property and
    // unit hold those), as every list keeps only live ones.
    assert_eq!(found("harbor"), [1, 4]);
    assert_eq!(found("102"), [4], "unit 102's calls");
    // "Leaking dishwasher", and a comment "Plumber booked for Thursday".
    assert_eq!(found("leaks"), [1]);
    assert_eq!(found("booking"), [1]);
}

// ---- one schema by both roads ---------------------------------------------

#[test]
fn a_new_file_the_ladder_from_empty_and_the_upgraded_fixture_have_one_schema() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    open_and_close(&fresh);

    let laddered = dir.path().join("laddered.db");
    let conn = Connection::open(&laddered).unwrap();
    let climbed = schema::upgrade(&conn, MIGRATIONS).unwrap();
    assert_eq!(climbed, Migrated::Upgraded { from: 0, to: VERSION, backup: None }, "nothing to copy in an empty file");
    drop(conn);

    let upgraded = fixture_copy(dir.path());
    open_and_close(&upgraded);

    let expected = schema_of(&fresh);
    assert!(expected.iter().any(|[_, name, ..]| name == "call_log_search"), "{expected:?}");
    assert_eq!(schema_of(&laddered), expected, "schema.sql and migrations/sqlite/ differ");
    assert_eq!(schema_of(&upgraded), expected, "an upgraded version-1 file differs from a new one");
    for db in [&fresh, &laddered, &upgraded] {
        assert_eq!(user_version(db), VERSION, "{}", db.display());
    }
    // 0001 seeds the catalog as a new file is seeded.
    let catalog =
        tables(&read_only(&fresh)).into_iter().filter(|(t, _)| t == "statuses" || t == "reasons").collect::<Vec<_>>();
    assert_eq!(rows(&laddered, &catalog), rows(&fresh, &catalog));
}

// ---- the mechanism, with test-only rungs ----------------------------------

#[test]
fn a_step_up_copies_the_file_once_first_and_applies_the_steps_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_copy(dir.path());
    let v1_tables = tables(&read_only(&db));
    let before = rows(&db, &v1_tables);

    // Test-only rungs (named 9xxx, apart from real ones) on top of the real
    // ladder. The second needs the first's table: out of order, it fails.
    let ladder = ladder_with(&[
        (
            "9001_steps",
            "CREATE TABLE steps (n INTEGER PRIMARY KEY, name TEXT); INSERT INTO steps (name) VALUES ('first');",
        ),
        ("9002_more", "INSERT INTO steps (name) VALUES ('second'); ALTER TABLE call_logs ADD COLUMN channel TEXT;"),
    ]);
    let top = ladder.len() as i64;
    let conn = Connection::open(&db).unwrap();
    let climbed = schema::upgrade(&conn, &ladder).unwrap();
    drop(conn);

    let backup = backup_of(&db, 1);
    assert_eq!(climbed, Migrated::Upgraded { from: 1, to: top, backup: Some(backup.clone()) });
    assert_eq!(user_version(&db), top);
    let steps: Vec<String> = {
        let conn = read_only(&db);
        let mut stmt = conn.prepare("SELECT name FROM steps ORDER BY n").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(steps, ["first", "second"]);
    assert_eq!(rows(&db, &v1_tables), before, "the steps kept every row");

    // One copy, of the file as it was: sound, version 1, the same rows, no trace of the steps.
    assert_eq!(calllog::store::integrity_check(&backup), Ok(()));
    assert_eq!(user_version(&backup), 1);
    assert_eq!(rows(&backup, &v1_tables), before);
    assert_eq!(tables(&read_only(&backup)), v1_tables);
    let copies: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".before-"))
        .collect();
    assert_eq!(copies, ["calllog.db.before-v1"], "one copy, not one per step");

    // At the top, nothing more happens.
    let conn = Connection::open(&db).unwrap();
    assert_eq!(schema::upgrade(&conn, &ladder).unwrap(), Migrated::Current);
}

#[test]
fn a_failing_step_rolls_back_completely_and_the_copy_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_copy(dir.path());
    open_and_close(&db); // the real ladder first, should it have rungs above 1
    let v1_tables = tables(&read_only(&db));
    let before = rows(&db, &v1_tables);

    let ladder = ladder_with(&[(
        "9001_broken",
        "CREATE TABLE half_done (a); UPDATE call_logs SET subject = 'changed'; INSERT INTO no_such_table VALUES (1);",
    )]);
    let conn = Connection::open(&db).unwrap();
    let error = schema::upgrade(&conn, &ladder).unwrap_err();
    drop(conn);
    let message = error.to_string();
    let backup = backup_of(&db, VERSION);
    assert!(matches!(error, MigrateError::Step { name: "9001_broken", .. }), "{error:?}");
    for part in
        ["9001_broken", "no such table: no_such_table", &format!("at version {VERSION}"), &backup.display().to_string()]
    {
        assert!(message.contains(part), "the message should name {part:?}: {message}");
    }
    assert_eq!(user_version(&db), VERSION);
    assert_eq!(rows(&db, &v1_tables), before, "nothing of the failed step is kept");
    assert_eq!(tables(&read_only(&db)), v1_tables, "no table of the failed step is kept");

    // A second try must not overwrite the copy the first one made.
    let copy = std::fs::read(&backup).unwrap();
    let conn = Connection::open(&db).unwrap();
    let error = schema::upgrade(&conn, &ladder).unwrap_err();
    assert!(matches!(error, MigrateError::BackupExists { .. }), "{error:?}");
    assert!(error.to_string().contains(&backup.display().to_string()), "{error}");
    assert_eq!(std::fs::read(&backup).unwrap(), copy, "the copy is untouched");
    assert_eq!(user_version(&db), VERSION);
}

#[test]
fn a_step_that_breaks_a_foreign_key_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_copy(dir.path());
    open_and_close(&db);
    let before = rows(&db, &tables(&read_only(&db)));
    let ladder = ladder_with(&[("9001_orphan", "INSERT INTO call_log_reasons (log_id, reason_id) VALUES (999, 1);")]);
    let conn = Connection::open(&db).unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    let error = schema::upgrade(&conn, &ladder).unwrap_err();
    assert!(error.to_string().contains("call_log_reasons"), "{error}");
    let foreign_keys: bool = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
    assert!(foreign_keys, "the connection's own setting is restored");
    drop(conn);
    assert_eq!(user_version(&db), VERSION);
    assert_eq!(rows(&db, &tables(&read_only(&db))), before);
}

// ---- refusals --------------------------------------------------------------

#[test]
fn a_file_newer_than_this_calllog_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_copy(dir.path());
    Connection::open(&db).unwrap().pragma_update(None, "user_version", VERSION + 1).unwrap();
    let before = rows(&db, &tables(&read_only(&db)));
    match Store::open(&StoreConfig::new(&db)) {
        Err(OpenError::TooNew { found, known, .. }) => assert_eq!((found, known), (VERSION + 1, VERSION)),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a newer file was opened"),
    }
    assert_eq!(user_version(&db), VERSION + 1);
    assert_eq!(rows(&db, &tables(&read_only(&db))), before);
    assert!(!backup_of(&db, VERSION + 1).exists(), "nothing to copy when nothing is done");
}

#[test]
fn a_file_of_something_else_is_refused_not_filled_with_calllog_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("other.db");
    Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    match Store::open(&StoreConfig::new(&db)) {
        Err(e @ OpenError::Upgrade { .. }) => assert!(e.to_string().contains("not a calllog database"), "{e}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("another application's file was taken for a new calllog database"),
    }
    let names: Vec<String> = tables(&read_only(&db)).into_iter().map(|(t, _)| t).collect();
    assert_eq!(names, ["notes"]);
}

// ---- the command line: check and backup never create a database -----------

#[test]
fn check_and_backup_on_a_path_that_does_not_exist_fail_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("absent.db");
    let dest = dir.path().join("copy.db");
    for args in [vec!["check"], vec!["backup", dest.to_str().unwrap()]] {
        let output = Command::new(env!("CARGO_BIN_EXE_calllog"))
            .env_remove("CALLLOG_DB")
            .env_remove("RUST_LOG")
            .arg("--db")
            .arg(&absent)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), format!("calllog: no database at {}\n", absent.display()));
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!absent.exists(), "{args:?} created the database");
        assert!(!dest.exists(), "{args:?} wrote a copy");
    }
}

#[test]
fn backup_and_check_work_on_a_file_of_any_version_and_change_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_copy(dir.path());
    Connection::open(&db).unwrap().pragma_update(None, "user_version", VERSION + 1).unwrap();
    let dest = dir.path().join("copy.db");
    for args in [vec!["check"], vec!["backup", dest.to_str().unwrap()]] {
        let status = Command::new(env!("CARGO_BIN_EXE_calllog"))
            .env_remove("CALLLOG_DB")
            .env_remove("RUST_LOG")
            .arg("--db")
            .arg(&db)
            .args(&args)
            .output()
            .unwrap()
            .status;
        assert_eq!(status.code(), Some(0), "{args:?} on a file of another version");
    }
    assert_eq!(user_version(&db), VERSION + 1);
    assert_eq!(user_version(&dest), VERSION + 1, "a backup is a copy, whatever the version");
}

#[test]
fn the_comparison_sees_an_added_column_as_the_same_table_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (altered, written) = (dir.path().join("a.db"), dir.path().join("w.db"));
    Connection::open(&altered)
        .unwrap()
        .execute_batch("CREATE TABLE t (\n    a INTEGER, -- why a\n    b TEXT\n);\nALTER TABLE t ADD COLUMN c TEXT;")
        .unwrap();
    Connection::open(&written).unwrap().execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c TEXT)").unwrap();
    assert_eq!(schema_of(&altered), schema_of(&written));
}

#[test]
fn a_step_that_commits_by_itself_is_named_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_copy(dir.path());
    open_and_close(&db);
    let ladder = ladder_with(&[("9001_commits", "CREATE TABLE early (a); COMMIT;")]);
    let conn = Connection::open(&db).unwrap();
    let error = schema::upgrade(&conn, &ladder).unwrap_err();
    assert!(matches!(error, MigrateError::EndedTransaction { name: "9001_commits", .. }), "{error:?}");
    assert!(error.to_string().contains("committed"), "{error}");
    assert_eq!(user_version(&db), VERSION, "the version is not claimed for a step that did not finish");
}
