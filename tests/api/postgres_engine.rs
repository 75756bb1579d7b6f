//! The PostgreSQL engine's own mechanics (docs/operations.md §11, §6): its schema
//! versions, a write PostgreSQL refuses. They need PostgreSQL
//! (`CALLLOG_TEST_DB=postgres://…`): `#[ignore]`d, run by `.ci/run`'s
//! PostgreSQL run, and failing when run on SQLite. The SQLite engine's
//! counterparts are in `schema_upgrades`, `full_disk` and the `sqlite_*` modules.

use crate::helpers::*;
use calllog::config::{Database, StoreConfig};
use calllog::store::OpenError;
use calllog::Store;
use serde_json::json;

fn url_of(app: &TestApp) -> Option<String> {
    match &app.database {
        TestDatabase::Postgres(db) => Some(db.url.clone()),
        TestDatabase::Sqlite(_) => None,
    }
}

/// A database whose schema is newer than the binary is refused, untouched;
/// one at this version opens again without a step.
#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn a_newer_schema_is_refused_and_left_as_it_is() {
    require_postgres();
    app_with_directory!(app, admin);
    let url = url_of(&app).unwrap();
    let config = StoreConfig::for_database(Database::Postgres(url.clone()));
    let known = calllog::store::postgres::schema::VERSION;
    let again = Store::open(&config).expect("the same version opens");
    again.close();
    run_on_server(
        &url,
        &format!("INSERT INTO calllog_schema (version, name) VALUES ({}, 'from the future')", known + 1),
    );
    match Store::open(&config) {
        Err(OpenError::TooNew { found, known: k, .. }) => assert_eq!((found, k), (known + 1, known)),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a newer database was opened"),
    }
    // The running instance still answers from its rows.
    assert_eq!(get(&app, "/api/properties", &admin).await.body["Total"], 2);
}

/// docs/operations.md §6: when PostgreSQL refuses a write (here: the database turned
/// read-only, as a standby is), the answer is 409/113 and nothing is kept.
#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn a_write_postgresql_refuses_answers_113() {
    require_postgres();
    app_with_directory!(app, admin);
    let TestDatabase::Postgres(db) = &app.database else { unreachable!("on PostgreSQL") };
    run_on_server(
        &db.url,
        &format!(
            "ALTER DATABASE {0} SET default_transaction_read_only = on;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{0}' AND pid <> pg_backend_pid();",
            db.name
        ),
    );
    let mut refused = None;
    // The pool replaces the connections that were ended; the first request may meet one of them.
    for _ in 0..10 {
        let a =
            post(&app, "/api/calllogs", &admin, json!({"PropertyId": 1, "CallFrom": "c", "Subject": "kept?"})).await;
        if a.code() == 113 {
            refused = Some(a);
            break;
        }
        assert!(a.status.is_server_error(), "{}", a.text);
    }
    let a = refused.expect("a 113 answer");
    a.assert_error(409, 113);
    // From the server's own database: sessions of the test's start read-only now.
    run_on_server(&db.server_url, &format!("ALTER DATABASE {} SET default_transaction_read_only = off", db.name));
    let mut listed = None;
    for _ in 0..10 {
        let a = get(&app, "/api/calllogs?q=kept", &admin).await;
        if a.status == StatusCode::OK {
            listed = Some(a);
            break;
        }
    }
    assert_eq!(listed.expect("reads work").body["Total"], 0, "nothing of the refused write was kept");
}

/// A column PostgreSQL sends in another type than the store reads it as (a
/// schema and a binary that disagree) is a store error naming the column,
/// never a panic of the request's thread.
#[actix_web::test]
async fn a_column_of_an_unexpected_type_is_a_store_error() {
    if on_sqlite() {
        return;
    }
    use calllog::store::postgres::{db::Db, RowExt};
    use calllog::store::StoreError;
    let app = spawn_app().await;
    let url = url_of(&app).unwrap();
    let read = std::thread::spawn(move || {
        let mut db = Db::connect(&url).expect("a connection");
        let row = db.query_one("SELECT 7::int4 AS display_order, 8::int8 AS log_id", &[]).expect("a row");
        (row.col::<i64>(0), row.col::<i64>(1))
    })
    .join()
    .expect("reading a column never panics");
    match read.0 {
        Err(StoreError::Failed(message)) => assert!(message.contains("display_order"), "{message}"),
        other => panic!("an int4 read as i64 gave {other:?}"),
    }
    assert_eq!(read.1.expect("an int8 reads as i64"), 8);
}

/// Version 4 (the "Did you mean" name words) fills its table from the
/// directory already there: a database taken back to version 3 (its later
/// tables dropped) and opened again offers the names it held.
#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn the_name_words_step_learns_the_names_already_there() {
    require_postgres();
    app_with_directory!(app, admin);
    let url = url_of(&app).unwrap();
    run_on_server(
        &url,
        "DROP TABLE name_words, office_settings, search_names; DROP INDEX call_log_reasons_by_reason;
         UPDATE call_log_search SET terms = array_to_tsvector(
             ARRAY(SELECT t.lexeme FROM unnest(terms) AS t WHERE t.lexeme NOT LIKE '~%'));
         DELETE FROM calllog_schema WHERE version >= 4",
    );
    let config = StoreConfig::for_database(Database::Postgres(url.clone()));
    let upgraded = Store::open(&config).expect("the upgrade runs");
    upgraded.close();
    let a = get(&app, "/api/lookup?q=nunex", &admin).await;
    assert_eq!(
        (a.body["Suggested"].clone(), a.body["Elements"][0]["Id"].clone()),
        (json!(true), json!(112)),
        "{}",
        a.text
    );
}
