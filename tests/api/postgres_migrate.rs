//! docs/operations.md §11 and §6: `calllog migrate --from FILE.db --to postgres://…`,
//! and the commands that are for SQLite files only.
//!
//! The round trip builds a SQLite file through the real app (every table
//! holds rows: the directory, users with property links, tokens, custom and
//! deactivated statuses and reasons, logs with seven-digit dates, comments,
//! history, a deleted and a restored log, an idempotency key, the audit),
//! copies it with the built binary, then serves the PostgreSQL copy and asks
//! both apps the same reads: every answer must be the same bytes, ETag and all.

use crate::helpers::*;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::Arc;

const BIN: &str = env!("CARGO_BIN_EXE_calllog");

/// What a run of the binary ended with.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// Exit 1 with one line on stderr that mentions `mentions`, nothing on stdout.
    fn assert_failure(&self, mentions: &str) {
        assert_eq!(self.code, 1, "exit code; stdout {:?}; stderr {:?}", self.stdout, self.stderr);
        let lines: Vec<&str> = self.stderr.lines().filter(|l| !is_log_line(l)).collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {:?}", self.stderr);
        assert!(lines[0].starts_with("calllog: ") && lines[0].contains(mentions), "{:?}", lines[0]);
        assert_eq!(self.stdout, "", "nothing on stdout on failure");
    }

    /// A usage error (exit 2) that mentions `mentions`.
    fn assert_usage_error(&self, mentions: &str) {
        assert_eq!(self.code, 2, "exit code; stdout {:?}; stderr {:?}", self.stdout, self.stderr);
        assert!(self.stderr.contains(mentions), "stderr should mention {mentions:?}: {:?}", self.stderr);
        assert_eq!(self.stdout, "");
    }
}

/// env_logger's lines (`[2026-… INFO  calllog…]`): progress, not the error line.
fn is_log_line(line: &str) -> bool {
    line.starts_with('[')
}

/// Runs `calllog ARGS` to its end (off the test's runtime: the apps under
/// test keep answering meanwhile), with no configuration from the environment.
async fn calllog(args: &[&str]) -> Outcome {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(BIN);
        command.args(&args);
        for var in ["CALLLOG_DB", "CALLLOG_BIND", "CALLLOG_TIMEZONE", "CALLLOG_SYNCHRONOUS", "RUST_LOG"] {
            command.env_remove(var);
        }
        let out = command.output().expect("running calllog");
        Outcome {
            code: out.status.code().expect("exited by a signal"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// The server `CALLLOG_TEST_DB` names (only called when it names one).
fn test_server() -> String {
    std::env::var("CALLLOG_TEST_DB").unwrap()
}

/// A URL where no PostgreSQL listens: commands that refuse a URL before connecting need no server.
const NO_SERVER: &str = "postgres://calllog@127.0.0.1:1/nothing";

// ---- SQLite-only commands on a URL, and migrate's arguments --------------
// These never reach a database, so they run on either engine.

#[actix_web::test]
async fn backup_and_check_on_a_postgres_url_point_to_the_postgres_tools() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("copy.db");
    let backup = calllog(&["--db", NO_SERVER, "backup", dest.to_str().unwrap()]).await;
    backup.assert_failure("pg_dump");
    assert!(!dest.exists(), "no file is written");
    calllog(&["--db", NO_SERVER, "check"]).await.assert_failure("amcheck");
}

#[actix_web::test]
async fn serve_on_a_postgres_url_refuses_synchronous_as_a_usage_error() {
    let out = calllog(&["--db", NO_SERVER, "serve", "--synchronous", "full", "--bind", "127.0.0.1:0"]).await;
    out.assert_usage_error("synchronous");
}

#[actix_web::test]
async fn migrate_needs_an_existing_file_and_a_postgres_url() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let out = calllog(&["migrate", "--from", missing.to_str().unwrap(), "--to", NO_SERVER]).await;
    out.assert_failure(&format!("no database at {}", missing.display()));
    assert!(!missing.exists(), "migrate --from never creates the file");

    let out = calllog(&["migrate", "--from", missing.to_str().unwrap(), "--to", "other.db"]).await;
    out.assert_usage_error("--to");
    calllog(&["migrate", "--to", NO_SERVER]).await.assert_usage_error("--from");
    calllog(&["migrate", "--from", missing.to_str().unwrap()]).await.assert_usage_error("--to");
}

/// A start on a database already at the current schema asks before it
/// creates, so PostgreSQL has nothing to warn about: no
/// `NOTICE: relation "calllog_schema" already exists` at every start.
#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn a_start_on_a_current_postgres_database_logs_no_notice() {
    require_postgres();
    let target = PostgresDatabase::create(&test_server());
    for start in ["the first, which creates the schema", "the second, on a current schema"] {
        let out = calllog(&["--db", &target.url, "user", "list"]).await;
        assert_eq!(out.code, 0, "{start}: stdout {:?}; stderr {:?}", out.stdout, out.stderr);
        assert!(!out.stderr.contains("NOTICE"), "{start} logged a notice: {}", out.stderr);
    }
}

// ---- the round trip (PostgreSQL runs only) -------------------------------

#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn migrate_copies_a_sqlite_file_that_then_answers_every_read_the_same() {
    require_postgres(); // on a SQLite run there is nowhere to migrate to
    let source_dir = tempfile::tempdir().unwrap();
    let file = source_dir.path().join("source.db");
    let sqlite = spawn_app_on(TestDatabase::Sqlite(file.clone())).await;
    let fixture = fill(&sqlite).await;

    let target = PostgresDatabase::create(&test_server());
    let out = calllog(&["migrate", "--from", file.to_str().unwrap(), "--to", &target.url]).await;
    assert_eq!(out.code, 0, "migrate: stdout {:?}; stderr {:?}", out.stdout, out.stderr);
    for table in ["users", "tokens", "properties", "units", "residents", "call_logs", "log_events", "admin_audit"] {
        let line = out.stdout.lines().find(|l| l.starts_with(&format!("{table}: "))).unwrap_or_else(|| {
            panic!("a summary line for {table}: {:?}", out.stdout);
        });
        assert!(!line.starts_with(&format!("{table}: 0 ")), "{table} has rows: {line}");
    }

    // Into a database that has a calllog schema now: refused, nothing changed.
    let again = calllog(&["migrate", "--from", file.to_str().unwrap(), "--to", &target.url]).await;
    again.assert_failure("already has a calllog schema");

    let postgres = open_app_on(TestDatabase::Postgres(Arc::new(target))).await;
    for path in fixture.admin_reads() {
        same_answer(&sqlite, &postgres, &path, &fixture.admin).await;
    }
    for path in fixture.scoped_reads() {
        for token in [&fixture.agent, &fixture.agent_api, &fixture.viewer] {
            same_answer(&sqlite, &postgres, &path, token).await;
        }
    }
    // `q` without `sort`: best match first, and the order among matches may
    // differ between engines (docs/api.md §7); the matches and Total may not.
    for q in ["leak", "creme", "plumber booked", "cole"] {
        let path = format!("/api/calllogs?q={q}&pageSize=100");
        let (a, b) = (get(&sqlite, &path, &fixture.admin).await, get(&postgres, &path, &fixture.admin).await);
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        assert_eq!(a.body["Total"], b.body["Total"], "{path}");
        let (mut x, mut y) = (ids(&a, "LogId"), ids(&b, "LogId"));
        x.sort();
        y.sort();
        assert_eq!(x, y, "{path}");
    }

    // The copy carries on: new ids come after the copied ones.
    let created = post(
        &postgres,
        "/api/calllogs",
        &fixture.admin,
        json!({"PropertyId": 2, "CallFrom": "After", "Subject": "new"}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["LogId"].as_i64().unwrap(), fixture.last_log_id + 1);
    let reason = post(&postgres, "/api/calllogreasons", &fixture.admin, json!({"Name": "After the move"})).await;
    assert_eq!(reason.status, StatusCode::CREATED, "{}", reason.text);
    assert_eq!(reason.body["CallLogReasonId"], 10, "8 seeded and 1 custom reason came over");
    let user = post(
        &postgres,
        "/api/users",
        &fixture.admin,
        json!({"UserName": "newcomer", "Password": "newcomer-password", "Role": "viewer", "PropertyIds": [1]}),
    )
    .await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
    assert_eq!(user.body["UserId"].as_i64().unwrap(), fixture.last_user_id + 1);
    // Passwords came over too: signing in works on the copy.
    sign_in(&postgres, "agent1", "agent1-password").await;
}

/// The tokens and ids the reads need.
struct Fixture {
    admin: String,
    agent: String,
    agent_api: String,
    viewer: String,
    user_ids: Vec<i64>,
    last_log_id: i64,
    last_user_id: i64,
    /// A `modifiedSince` value between two writes.
    midway: String,
}

/// An older file (the version-1 fixture of `schema_upgrades`) is brought
/// to the current schema by migrate itself, after its `.before-v1` copy,
/// then copied: its logs, directory and lists read the same on both engines.
#[actix_web::test]
#[ignore = "needs PostgreSQL: CALLLOG_TEST_DB=postgres://… (run by .ci/run)"]
async fn migrate_upgrades_an_older_file_first_and_copies_it() {
    require_postgres();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("calllog.db");
    std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1.db"), &file).unwrap();
    let target = PostgresDatabase::create(&test_server());
    let out = calllog(&["migrate", "--from", file.to_str().unwrap(), "--to", &target.url]).await;
    assert_eq!(out.code, 0, "migrate: stdout {:?}; stderr {:?}", out.stdout, out.stderr);
    assert!(dir.path().join("calllog.db.before-v1").exists(), "the upgrade's copy of the file as it was");

    let sqlite = open_app_on(TestDatabase::Sqlite(file.clone())).await;
    let postgres = open_app_on(TestDatabase::Postgres(Arc::new(target))).await;
    // The fixture's agent and viewer (tests/fixtures/make_v1.sh), signed in on each app.
    let mut tokens = Vec::new();
    for (user, password) in [("Zoë", "agent-password-1"), ("viewer1", "viewer-password-1")] {
        tokens.push([sign_in(&sqlite, user, password).await, sign_in(&postgres, user, password).await]);
    }
    let listed = get(&sqlite, "/api/calllogs?sort=logid&pageSize=1", &tokens[0][0]).await;
    let last_log_id = ids(&listed, "LogId")[0] + 2;
    for path in scoped_reads(last_log_id, "2020-01-01T00:00:00Z") {
        for [a, b] in &tokens {
            same_answer_as(&sqlite, &postgres, &path, [a, b]).await;
        }
    }
}

/// Sends a request with an Idempotency-Key.
async fn post_with_key(app: &TestApp, token: &str, key: &str, body: Value) -> Answer {
    send(app.request(Method::POST, "/api/calllogs").bearer_auth(token).header("Idempotency-Key", key).json(&body)).await
}

async fn ok(answer: Answer, what: &str) -> Answer {
    assert!(answer.status.is_success(), "{what}: {} {}", answer.status, answer.text);
    answer
}

/// Rows in every table of the SQLite file, through the API.
async fn fill(app: &TestApp) -> Fixture {
    let admin = sign_in(app, "admin", ADMIN_PASSWORD).await;
    // The office's settings travel with the data (docs/api.md §16).
    let settings = json!({"TimeZone": "America/New_York", "OfficeName": "Oak Office"});
    assert_eq!(put(app, "/api/settings", &admin, settings).await.status, StatusCode::OK);
    let mut directory = sample_directory();
    directory["Units"].as_array_mut().unwrap().push(json!(
        {"UnitId": 13, "PropertyId": 1, "UnitNumber": "PH-1", "Floor": "12", "Latitude": 25.7617, "Longitude": -80.1918,
         "Address1": "1 Bay Rd", "DisplayOrder": 3}
    ));
    directory["Residents"].as_array_mut().unwrap().push(json!(
        {"ResidentId": 113, "PropertyId": 1, "UnitId": 12, "ResidentFirstName": "Zoë", "ResidentLastName": "Crème",
         "ResidentCellphone": "(305) 555-0199", "ResidentEmail": "zoe@example.com", "ResidentType": 2,
         "MoveInDate": "2023-03-04T05:06:07.1234567Z"}
    ));
    directory["Residents"].as_array_mut().unwrap().push(json!(
        {"ResidentId": 114, "PropertyId": 1, "UnitId": 13, "ResidentFirstName": "Old", "ResidentLastName": "Tenant",
         "ResidentType": 3}
    ));
    ok(post(app, "/api/admin/import", &admin, directory).await, "import").await;

    // The catalog: a custom reason, a deactivated one, a custom status made the default.
    let pets =
        ok(post(app, "/api/calllogreasons", &admin, json!({"Name": "Pets", "DisplayOrder": 4})).await, "reason").await;
    let pets = pets.body["CallLogReasonId"].as_i64().unwrap();
    ok(put(app, "/api/calllogreasons/5", &admin, json!({"Active": false})).await, "deactivate reason").await;
    let waiting = post(
        app,
        "/api/modulestatuses/calllogs",
        &admin,
        json!({"Name": "Waiting", "Category": "pending", "DisplayOrder": 2}),
    )
    .await;
    let waiting = ok(waiting, "status").await.body["ModuleStatusId"].as_i64().unwrap();
    let parked = ok(
        post(app, "/api/modulestatuses/calllogs", &admin, json!({"Name": "Parked", "Category": "closed"})).await,
        "status",
    )
    .await
    .body["ModuleStatusId"]
        .as_i64()
        .unwrap();
    ok(put(app, &format!("/api/modulestatus/{parked}"), &admin, json!({"Active": false})).await, "deactivate").await;

    // Users: with property links, one relinked, one deactivated; tokens, one revoked.
    let (agent_id, agent) = make_user(app, &admin, "agent1", "agent", &[1, 2]).await;
    let (viewer_id, viewer) = make_user(app, &admin, "viewer1", "viewer", &[1]).await;
    let (moved_id, _) = make_user(app, &admin, "mover", "agent", &[1]).await;
    ok(
        put(app, &format!("/api/users/{moved_id}"), &admin, json!({"PropertyIds": [2], "Role": "viewer"})).await,
        "relink",
    )
    .await;
    let (gone_id, _) = make_user(app, &admin, "gone", "agent", &[2]).await;
    ok(put(app, &format!("/api/users/{gone_id}"), &admin, json!({"Active": false})).await, "deactivate").await;
    let api = post(
        app,
        &format!("/api/users/{agent_id}/tokens"),
        &agent,
        json!({"Name": "sync job", "ExpiresOn": "2031-05-06T07:08:09.1234567Z"}),
    )
    .await;
    let agent_api = ok(api, "api token").await.body["Token"].as_str().unwrap().to_string();
    let spare =
        ok(post(app, &format!("/api/users/{agent_id}/tokens"), &admin, json!({"Name": "spare"})).await, "token").await;
    let spare_id = spare.body["TokenId"].as_i64().unwrap();
    ok(delete(app, &format!("/api/users/{agent_id}/tokens/{spare_id}"), &admin).await, "revoke").await;

    // Call logs: seven-digit dates, reasons, comments, status changes, an
    // idempotent create, a deleted log and a restored one.
    let bodies = [
        json!({"PropertyId": 1, "ResidentId": 111, "Subject": "Leak in ceiling", "LogReasons": [8, 1],
               "Notes": "Unit above", "NewComments": "Water dripping", "CreatedOn": "2026-01-02T03:04:05.6789012-05:00"}),
        json!({"PropertyId": 1, "UnitId": 12, "CallFrom": "Walk-in", "Subject": "Crème brûlée smell", "ModuleStatusId": 2,
               "CreatedOn": "2026-01-03T10:00:00.0000001Z", "LogReasons": [pets]}),
        json!({"PropertyId": 2, "CallFrom": "Vendor", "Subject": "Invoice", "Takenby": "Front desk",
               "NewComments": "Call back", "CreatedOn": "2026-01-03T10:00:00.0000001Z"}),
        json!({"PropertyId": 1, "ResidentId": 113, "Subject": "Noise =SUM(A1)", "LogReasons": [6],
               "Notes": "-at night, \"loud\"\nsecond line", "CreatedOn": "2026-01-04T23:59:59.9999999+02:00"}),
        json!({"PropertyId": 2, "UnitId": 21, "CallFrom": "Dana", "Subject": "Gate leak", "ModuleStatusId": 3}),
        json!({"PropertyId": 1, "UnitId": 13, "ResidentId": 114, "Subject": "Old tenant's deposit",
               "CreatedOn": "2023-12-01T08:00:00.5Z"}),
    ];
    let mut log_ids = Vec::new();
    for body in bodies {
        let created = ok(post(app, "/api/calllogs", &admin, body.clone()).await, "create").await;
        log_ids.push(created.body["LogId"].as_i64().unwrap());
    }
    let by_agent = post_with_key(
        app,
        &agent,
        "call-42",
        json!({"PropertyId": 2, "UnitId": 21, "CallFrom": "Agent's caller", "Subject": "Leak again",
               "NewComments": "first"}),
    )
    .await;
    log_ids.push(ok(by_agent, "create with a key").await.body["LogId"].as_i64().unwrap());
    let midway = get(app, &format!("/api/calllogs/{}", log_ids[6]), &admin).await.body["ModifiedOn"]
        .as_str()
        .unwrap()
        .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;

    for (i, change) in [
        (0, json!({"NewComments": "Plumber booked", "ModuleStatusId": waiting})),
        (0, json!({"Notes": "Unit above; crème on the floor", "NewComments": "Plumber came"})),
        (2, json!({"ModuleStatusId": 3, "NewComments": "Paid"})),
        (6, json!({"NewComments": "second, from the admin"})),
        (3, json!({"Notes": ""})),
    ] {
        ok(put(app, &format!("/api/calllogs/{}", log_ids[i]), &admin, change).await, "update").await;
    }
    ok(
        put(app, &format!("/api/calllogs/{}", log_ids[6]), &agent, json!({"NewComments": "agent again"})).await,
        "update",
    )
    .await;
    ok(delete(app, &format!("/api/calllogs/{}", log_ids[4]), &admin).await, "delete").await;
    ok(delete(app, &format!("/api/calllogs/{}", log_ids[1]), &admin).await, "delete").await;
    ok(post(app, &format!("/api/calllogs/{}/restore", log_ids[1]), &admin, json!({})).await, "restore").await;

    // Resident 114 moves out after their call was logged.
    let moved_out = json!({"Residents": [{"ResidentId": 114, "PropertyId": 1, "UnitId": 13, "ResidentFirstName": "Old",
        "ResidentLastName": "Tenant", "ResidentType": 3, "MoveOutDate": "2026-01-01T00:00:00.0000009Z"}]});
    ok(post(app, "/api/admin/import", &admin, moved_out).await, "move out").await;

    let users = get(app, "/api/users", &admin).await;
    let user_ids = ids(&users, "UserId");
    Fixture {
        admin,
        agent,
        agent_api,
        viewer,
        last_user_id: *user_ids.iter().max().unwrap(),
        user_ids: [user_ids, vec![agent_id, viewer_id]].concat(),
        last_log_id: *log_ids.iter().max().unwrap(),
        midway,
    }
}

impl Fixture {
    /// Every read, as the admin (logs by id include the deleted one and one past the end).
    fn admin_reads(&self) -> Vec<String> {
        let mut paths: Vec<String> = vec![
            "/api/users".into(),
            "/api/users/me".into(),
            "/api/settings".into(),
            "/api/lookup?q=nunex".into(),
            "/api/admin/audit?pageSize=100".into(),
            "/api/admin/audit?userId=1&pageSize=3&page=2".into(),
            "/api/admin/audit?from=2020-01-01&to=2100-01-01".into(),
            "/api/calllogreasons".into(),
            "/api/calllogreasons?includeInactive=true".into(),
            "/api/modulestatuses/calllogs".into(),
            "/api/modulestatuses/calllogs?includeInactive=true".into(),
            "/api/properties?PropertyStatus=All".into(),
            "/api/properties/3".into(),
            "/api/units?unitIds=11,12,13,21".into(),
        ];
        for id in &self.user_ids {
            paths.push(format!("/api/users/{id}"));
            paths.push(format!("/api/users/{id}/properties?PropertyStatus=All"));
            paths.push(format!("/api/users/{id}/tokens"));
        }
        for id in 1..=9 {
            paths.push(format!("/api/calllogreasons/{id}"));
        }
        for id in 1..=5 {
            paths.push(format!("/api/modulestatus/{id}"));
        }
        paths.extend(self.scoped_reads());
        paths
    }

    fn scoped_reads(&self) -> Vec<String> {
        scoped_reads(self.last_log_id, &self.midway)
    }
}

/// Reads every user may ask (each answers within that user's properties),
/// logs by id up to one past `last_log_id`.
fn scoped_reads(last_log_id: i64, midway: &str) -> Vec<String> {
    let midway = midway.replace('+', "%2B");
    let mut paths: Vec<String> = [
        "/api/calllogs",
        "/api/calllogs?order=asc",
        "/api/calllogs?sort=modifiedon",
        "/api/calllogs?sort=modifiedon&order=asc",
        "/api/calllogs?sort=logid&order=asc",
        "/api/calllogs?pageSize=2&page=2",
        "/api/calllogs?propertyId=1",
        "/api/calllogs?unitId=11",
        "/api/calllogs?residentId=113",
        "/api/calllogs?status=1,2&status=3",
        "/api/calllogs?status=4",
        "/api/calllogs?reason=1&reason=9",
        "/api/calllogs?takenBy=ADA%20ADMIN",
        "/api/calllogs?takenBy=front%20desk",
        "/api/calllogs?from=2026-01-03T10:00:00.0000001Z&to=2026-01-05",
        "/api/calllogs?q=leak&sort=logid",
        "/api/calllogs?q=creme&sort=createdon&order=asc",
        "/api/calllogs?q=plumb%20came&sort=modifiedon",
        "/api/calllogs?q=agent&sort=logid&propertyId=2",
        "/api/calllogs?q=zzzz&sort=logid",
        "/api/calllogs/export.csv",
        "/api/calllogs/export.csv?order=asc&sort=logid",
        "/api/calllogs/export.csv?q=leak&sort=logid",
        "/api/calllogs/export.csv?propertyId=1&status=1,4",
        "/api/properties",
        "/api/properties/1",
        "/api/properties/2",
        "/api/properties/1/calllogs",
        "/api/properties/2/calllogs?status=3",
        "/api/properties/1/units",
        "/api/properties/1/units?sort=unitnumber",
        "/api/properties/1/units?unitNumber=10",
        "/api/properties/1/units?residentName=cr",
        "/api/properties/1/residents",
        "/api/properties/1/residents?name=co",
        "/api/properties/1/propertysummary",
        "/api/properties/2/propertysummary",
        "/api/properties/1/unitsummary",
        "/api/properties/2/unitsummary?pageSize=1",
        "/api/units/11",
        "/api/units/13",
        "/api/units/11/owner",
        "/api/units/12/owner",
        "/api/units/11/residents",
        "/api/units/11/calllogs",
        "/api/units/21/calllogs?status=1",
        "/api/residents/111",
        "/api/residents/113",
        "/api/residents/114",
        "/api/residents/111/calllogs",
        "/api/lookup?q=cole",
        "/api/lookup?q=zoe",
        "/api/lookup?q=101",
        "/api/lookup?q=1",
        "/api/lookup?q=5550199",
        "/api/lookup?q=harb&propertyId=1",
        "/api/lookup?q=ph",
        "/api/users/me",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    paths.push(format!("/api/calllogs?modifiedSince={midway}"));
    paths.push(format!("/api/calllogs/export.csv?modifiedSince={midway}"));
    for id in 1..=last_log_id + 1 {
        paths.push(format!("/api/calllogs/{id}"));
        paths.push(format!("/api/calllogs/{id}/history"));
        paths.push(format!("/api/calllogs/{id}/history?pageSize=2&page=2"));
    }
    paths
}

/// `path` answers the same bytes on both apps: status, body, ETag and type.
async fn same_answer(sqlite: &TestApp, postgres: &TestApp, path: &str, token: &str) {
    same_answer_as(sqlite, postgres, path, [token, token]).await
}

/// `same_answer`, each app asked with its own token (of the same user).
async fn same_answer_as(sqlite: &TestApp, postgres: &TestApp, path: &str, tokens: [&str; 2]) {
    let a = get(sqlite, path, tokens[0]).await;
    let b = get(postgres, path, tokens[1]).await;
    assert!(
        a.status.is_success() || [403, 404].contains(&a.status.as_u16()),
        "{path} on SQLite answered {}: {}",
        a.status,
        a.text
    );
    assert_eq!(a.status, b.status, "{path}: status; SQLite {}; PostgreSQL {}", a.text, b.text);
    assert_eq!(a.text, b.text, "{path}: body");
    for header in ["etag", "content-type"] {
        assert_eq!(a.header(header), b.header(header), "{path}: {header}");
    }
}
