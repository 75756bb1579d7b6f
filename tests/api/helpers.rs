//! Test harness: the real application, served by actix's `HttpServer` on a
//! loopback port over a fresh database, and driven over HTTP with `reqwest`.
//!
//! This is the only module of the suite (beside the SQLite-specific ones:
//! `cli`, `full_disk`, `sqlite_checkpoints`, `sqlite_query_plans`) that
//! reaches into the crate's internals; each such use sits in a small named
//! function below, so that a change of the store or of `AppState` is adapted
//! here once.
#![allow(dead_code)]

use actix_web::web;
use calllog::config::{AppConfig, StoreConfig};
use calllog::store::{StoreError, StoreStats};
use calllog::{AppState, Store};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

// Tests name methods and statuses with the client's types.
pub use reqwest::{Method, StatusCode};

pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// The application under test, listening on `address`.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub address: String,
    pub client: reqwest::Client,
    pub state: web::Data<AppState>,
    pub database: TestDatabase,
    /// Holds the SQLite file (and anything else a test writes) until the test ends.
    pub dir: tempfile::TempDir,
}

/// Where a test's data lives.
#[derive(Debug, Clone)]
pub enum TestDatabase {
    /// A fresh SQLite file of its own.
    Sqlite(PathBuf),
    /// A fresh PostgreSQL database of its own, dropped when the last clone goes.
    Postgres(std::sync::Arc<PostgresDatabase>),
}

/// The database for one test, chosen by `CALLLOG_TEST_DB`: unset (or
/// `sqlite`) is a fresh SQLite file in `dir`; a `postgres://` URL names a
/// server on which each test creates (and at its end drops) a database of
/// its own (`.ci/run` starts a throwaway cluster: `scripts/pg_cluster.sh`).
pub fn test_database(dir: &std::path::Path) -> TestDatabase {
    match std::env::var("CALLLOG_TEST_DB") {
        Err(_) => TestDatabase::Sqlite(dir.join("test.db")),
        Ok(name) if name.is_empty() || name == "sqlite" => TestDatabase::Sqlite(dir.join("test.db")),
        Ok(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            TestDatabase::Postgres(std::sync::Arc::new(PostgresDatabase::create(&url)))
        }
        Ok(other) => panic!("CALLLOG_TEST_DB={other:?}: leave it unset (SQLite) or give a postgres:// URL"),
    }
}

/// Whether this run's tests are on SQLite (some mechanics exist only there).
pub fn on_sqlite() -> bool {
    !std::env::var("CALLLOG_TEST_DB").is_ok_and(|v| v.starts_with("postgres"))
}

/// Fails a PostgreSQL-only test run on SQLite. Such tests are
/// `#[ignore]`d, so a plain `cargo test` lists them as ignored; run on
/// SQLite anyway (`--ignored`), they fail rather than pass having tested
/// nothing. `.ci/run` runs them in its PostgreSQL run.
pub fn require_postgres() {
    assert!(
        !on_sqlite(),
        "this test needs PostgreSQL: run it with CALLLOG_TEST_DB=postgres://… (.ci/run does, on a throwaway cluster)"
    );
}

/// Fails a SQLite-only test (one about the SQLite engine's own mechanics)
/// run on PostgreSQL, rather than letting it pass having tested nothing.
/// `.ci/run` runs these in its SQLite run and skips them by name in its
/// PostgreSQL run.
pub fn require_sqlite() {
    assert!(on_sqlite(), "this test is about the SQLite engine: run it without CALLLOG_TEST_DB");
}

/// A database created for one test on the server `CALLLOG_TEST_DB` names.
#[derive(Debug)]
pub struct PostgresDatabase {
    /// The server's maintenance database, where the test's is created and dropped.
    pub server_url: String,
    pub name: String,
    /// The URL of the test's database.
    pub url: String,
}

impl PostgresDatabase {
    pub fn create(server_url: &str) -> PostgresDatabase {
        use rand::Rng;
        let name = format!("calllog_test_{:016x}", rand::rng().random::<u64>());
        let (base, _) = server_url.rsplit_once('/').expect("a postgres URL ends in /DBNAME");
        let url = format!("{base}/{name}");
        run_on_server(server_url, &format!("CREATE DATABASE {name}"));
        PostgresDatabase { server_url: server_url.to_string(), name, url }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // FORCE: the app's pooled connections may still be open.
        run_on_server(&self.server_url, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

/// Runs `sql` on the server, from a thread of its own (the synchronous
/// client may not run inside the test's runtime).
pub fn run_on_server(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect to the test server");
        client.batch_execute(&sql).unwrap_or_else(|e| {
            panic!("{sql}: {}", e.as_db_error().map_or(e.to_string(), |d| d.message().to_string()))
        });
    })
    .join()
    .unwrap();
}

/// The store settings for `database` (the defaults a server starts with).
pub fn store_config(database: &TestDatabase) -> StoreConfig {
    match database {
        TestDatabase::Sqlite(path) => StoreConfig::new(path),
        TestDatabase::Postgres(db) => StoreConfig::for_database(calllog::config::Database::Postgres(db.url.clone())),
    }
}

/// The app on a fresh database holding only the `admin` user (password `ADMIN_PASSWORD`).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_, _| {}).await
}

/// As `spawn_app`; `adjust` may change the store and app settings first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut StoreConfig, &mut AppConfig)) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database = test_database(dir.path());
    let app = serve(database, dir, adjust).await;
    insert_admin(&app.state).await;
    app
}

/// A second calllog instance on `app`'s database (PostgreSQL: docs/operations.md §6),
/// with a store, token cache and throttle of its own.
pub async fn spawn_second_instance(app: &TestApp) -> TestApp {
    spawn_second_instance_with(app, |_, _| {}).await
}

/// `spawn_second_instance` with the settings `adjust` makes.
pub async fn spawn_second_instance_with(
    app: &TestApp,
    adjust: impl FnOnce(&mut StoreConfig, &mut AppConfig),
) -> TestApp {
    serve(app.database.clone(), tempfile::tempdir().unwrap(), adjust).await
}

/// As `spawn_app`, on `database` whatever `CALLLOG_TEST_DB` chooses (a test
/// that needs both engines at once: `postgres_migrate`).
pub async fn spawn_app_on(database: TestDatabase) -> TestApp {
    let app = serve(database, tempfile::tempdir().unwrap(), |_, _| {}).await;
    insert_admin(&app.state).await;
    app
}

/// The app on a database that already holds calllog's data, as it is (no admin is added).
pub async fn open_app_on(database: TestDatabase) -> TestApp {
    serve(database, tempfile::tempdir().unwrap(), |_, _| {}).await
}

/// Serves the app on `database`.
async fn serve(
    database: TestDatabase,
    dir: tempfile::TempDir,
    adjust: impl FnOnce(&mut StoreConfig, &mut AppConfig),
) -> TestApp {
    let mut store_config = store_config(&database);
    let mut app_config = AppConfig::default();
    adjust(&mut store_config, &mut app_config);
    let store = Store::open(&store_config).unwrap();
    let state = web::Data::new(AppState::new(store, app_config));
    // As `serve` does before it answers: the office time zone in force.
    state.service.load_office_settings().await.unwrap();

    // Port 0: the OS picks a free port, so tests never collide.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let server_state = state.clone();
    let server = actix_web::HttpServer::new(move || calllog::build_app(server_state.clone()))
        .workers(1)
        // Signals are the test runner's business, not this server's.
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
    // Dropping the server when the test's runtime ends closes the listener and stops the worker.
    tokio::spawn(server);

    let client = reqwest::Client::builder()
        // The server is on loopback: a proxy set in the environment must not come between.
        .no_proxy()
        // Tests look at redirects and headers as the server sent them.
        .redirect(reqwest::redirect::Policy::none())
        // A hung request fails the test instead of hanging the suite.
        .timeout(Duration::from_secs(120))
        // The server closes a connection idle for 5 s (actix's keep-alive);
        // one reused just as it closes fails the request. Never reuse one
        // idle that long (a test that blocks a few seconds hit it).
        .pool_idle_timeout(IDLE_CONNECTION)
        .build()
        .unwrap();
    TestApp { address, client, state, database, dir }
}

/// Seeds the first admin through the service, as `calllog serve` does on first run
/// (with a known password and a display name).
async fn insert_admin(state: &AppState) {
    let admin = calllog::domain::users::NewUser {
        user_name: "admin".into(),
        password: ADMIN_PASSWORD.into(),
        first_name: Some("Ada".into()),
        last_name: Some("Admin".into()),
        email: None,
        role: calllog::domain::users::Role::Admin,
        property_ids: vec![],
    };
    state.service.create_user(&calllog::service::access::Admin::command_line(), admin).await.unwrap();
}

impl TestApp {
    /// A request to `path` (which starts with `/` and may carry a query), not yet sent.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.address))
    }
}

/// A response, reduced to what tests look at.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    /// Header names lower-cased; values as sent.
    pub headers: HashMap<String, String>,
    pub text: String,
    /// The body as JSON, or `Null` when it is not JSON.
    pub body: Value,
}

impl Answer {
    /// The API error code, or 0 when the body has none.
    pub fn code(&self) -> i64 {
        self.body["Code"].as_i64().unwrap_or(0)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_lowercase()).map(String::as_str)
    }
    /// Asserts an error answer: status, code and a non-empty message.
    pub fn assert_error(&self, status: u16, code: i64) {
        assert_eq!(self.status.as_u16(), status, "status; body: {}", self.text);
        assert_eq!(self.code(), code, "code; body: {}", self.text);
        assert!(self.body["Message"].as_str().is_some_and(|m| !m.is_empty()), "message: {}", self.text);
        assert!(self.body["Errors"].is_array(), "Errors must be an array: {}", self.text);
    }
}

/// The `Field` of every entry of an error's `Errors`.
pub fn error_fields(a: &Answer) -> Vec<String> {
    a.body["Errors"].as_array().unwrap().iter().map(|e| e["Field"].as_str().unwrap().to_string()).collect()
}

/// One integer field of every element of a ListWrapper.
pub fn ids(a: &Answer, field: &str) -> Vec<i64> {
    a.body["Elements"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", a.text))
        .iter()
        .map(|e| e[field].as_i64().unwrap())
        .collect()
}

/// The `Subject` of every call log of a ListWrapper.
pub fn subjects(a: &Answer) -> Vec<String> {
    a.body["Elements"].as_array().unwrap().iter().map(|l| l["Subject"].as_str().unwrap().to_string()).collect()
}

/// Sends a prepared request and reads the whole answer.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap_or_else(|e| panic!("the request failed: {e}"));
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_lowercase(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let bytes = response.bytes().await.unwrap_or_else(|e| panic!("reading the body failed: {e}"));
    let text = String::from_utf8_lossy(&bytes).to_string();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, headers, text, body }
}

/// Sends one request. `body` is sent as JSON when given.
pub async fn call(app: &TestApp, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
    let mut request = app.request(method, path);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

pub async fn get(app: &TestApp, path: &str, token: &str) -> Answer {
    call(app, Method::GET, path, Some(token), None).await
}

pub async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    call(app, Method::POST, path, Some(token), Some(body)).await
}

pub async fn put(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    call(app, Method::PUT, path, Some(token), Some(body)).await
}

pub async fn delete(app: &TestApp, path: &str, token: &str) -> Answer {
    call(app, Method::DELETE, path, Some(token), None).await
}

/// Signs in and returns the session token.
pub async fn sign_in(app: &TestApp, user: &str, password: &str) -> String {
    let a =
        call(app, Method::POST, "/api/auth/token", None, Some(json!({"UserName": user, "Password": password}))).await;
    assert_eq!(a.status, StatusCode::OK, "sign-in of {user}: {}", a.text);
    a.body["Token"].as_str().unwrap().to_string()
}

/// Creates a user through the API (as `admin_token`) and returns its id and a session token.
pub async fn make_user(app: &TestApp, admin_token: &str, name: &str, role: &str, properties: &[i64]) -> (i64, String) {
    let password = format!("{name}-password");
    let a = post(
        app,
        "/api/users",
        admin_token,
        json!({"UserName": name, "Password": password, "FirstName": name, "LastName": "Tester", "Role": role, "PropertyIds": properties}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "creating {name}: {}", a.text);
    let id = a.body["UserId"].as_i64().unwrap();
    (id, sign_in(app, name, &password).await)
}

/// Two properties (1, 2), units 11, 12 (property 1) and 21 (property 2),
/// residents 111 (owner of 11), 112 (renter of 11), 211 (owner of 21).
pub fn sample_directory() -> Value {
    json!({
        "Properties": [
            {"PropertyId": 1, "PropertyName": "Harbor View", "PropertyTypeId": 1, "City": "Miami"},
            {"PropertyId": 2, "PropertyName": "Oak Hollow", "PropertyTypeId": 2},
            {"PropertyId": 3, "PropertyName": "Old Mill", "PropertyStatus": false}
        ],
        "Units": [
            {"UnitId": 11, "PropertyId": 1, "UnitNumber": "101", "DisplayOrder": 2},
            {"UnitId": 12, "PropertyId": 1, "UnitNumber": "102", "DisplayOrder": 1},
            {"UnitId": 21, "PropertyId": 2, "UnitNumber": "A-1"}
        ],
        "Residents": [
            {"ResidentId": 111, "PropertyId": 1, "UnitId": 11, "ResidentFirstName": "Ann", "ResidentMiddleInitial": "B", "ResidentLastName": "Cole", "ResidentType": 1},
            {"ResidentId": 112, "PropertyId": 1, "UnitId": 11, "ResidentFirstName": "José", "ResidentLastName": "Núñez", "ResidentType": 3},
            {"ResidentId": 211, "PropertyId": 2, "UnitId": 21, "ResidentLastName": "Dana", "ResidentType": 1, "MoveInDate": "2024-05-01"}
        ]
    })
}

/// Spawns the app, signs the admin in and imports the sample directory.
macro_rules! app_with_directory {
    ($app:ident, $admin:ident) => {
        let $app = $crate::helpers::spawn_app().await;
        let $admin = $crate::helpers::sign_in(&$app, "admin", $crate::helpers::ADMIN_PASSWORD).await;
        let imported =
            $crate::helpers::post(&$app, "/api/admin/import", &$admin, $crate::helpers::sample_directory()).await;
        assert_eq!(imported.status.as_u16(), 200, "{}", imported.text);
    };
}
pub(crate) use app_with_directory;

// ---- settings ---------------------------------------------------------------

/// For `spawn_app_with`: dates written in the IANA zone `name`, as
/// `serve --timezone` pins it.
pub fn in_time_zone(name: &str) -> impl FnOnce(&mut StoreConfig, &mut AppConfig) + '_ {
    move |_, app| app.zone = calllog::config::OfficeZone::pinned(calllog::domain::time::zone_named(name).unwrap())
}

/// For `spawn_app_with`: at most `capacity` writes wait for the writer.
/// For `spawn_app_with`: room for one write in flight and no more. On
/// SQLite a write queue of one (a write on the writer, one waiting, the
/// next refused); on PostgreSQL a pool of one connection whose wait is
/// short (a write holding it, the next refused after the wait).
pub fn one_write_at_a_time() -> impl FnOnce(&mut StoreConfig, &mut AppConfig) {
    move |store, _| match store.database {
        calllog::config::Database::Sqlite(_) => store.write_queue_capacity = 1,
        calllog::config::Database::Postgres(_) => {
            store.read_pool_size = 1;
            store.pool_wait = Duration::from_millis(300);
        }
    }
}

/// For `spawn_app_with`: at most `permits` password checks at once, each
/// waiting at most `wait` to start.
pub fn password_checks(permits: usize, wait: Duration) -> impl FnOnce(&mut StoreConfig, &mut AppConfig) {
    move |_, app| {
        app.password_checks = permits;
        app.password_check_wait = wait;
    }
}

/// For `spawn_app_with`: `X-Forwarded-For` is honoured from these peers.
pub fn trusted_proxies(addresses: &[&str]) -> impl FnOnce(&mut StoreConfig, &mut AppConfig) {
    let addresses: Vec<std::net::IpAddr> = addresses.iter().map(|a| a.parse().unwrap()).collect();
    move |_, app| app.trusted_proxies = addresses
}

/// For `spawn_app_with`: rules over time read `clock` (the sign-in
/// throttle), which the test moves instead of waiting.
pub fn clock(clock: &calllog::domain::time::ManualClock) -> impl FnOnce(&mut StoreConfig, &mut AppConfig) {
    let clock = clock.clock();
    move |_, app| app.clock = clock
}

/// A clock standing at the present, for `clock`.
pub fn manual_clock() -> calllog::domain::time::ManualClock {
    calllog::domain::time::ManualClock::starting_at(calllog::domain::time::Stamp::now())
}

/// For `spawn_app_with`: `places` searches or export chunks at once, and at
/// most `queue` of one user's waiting for their turn.
pub fn costly_reads(places: usize, queue: usize) -> impl FnOnce(&mut StoreConfig, &mut AppConfig) {
    move |_, app| {
        app.costly_read_places = places;
        app.costly_read_queue = queue;
    }
}

/// The gate searches and export chunks take their turn at: a test holds
/// places in it (as a slow search would) and watches who waits.
pub fn costly_read_gate(app: &TestApp) -> std::sync::Arc<calllog::service::gate::FairGate> {
    app.state.service.costly_reads().clone()
}

/// Holds one of the app's password-check permits until dropped (as a slow check would).
pub async fn hold_password_check(app: &TestApp) -> calllog::credentials::CheckPermit {
    app.state.service.password_checks.acquire().await.expect("a free password-check permit")
}

// ---- clients ------------------------------------------------------------------

/// A client whose connections come from `local` (another loopback address,
/// such as 127.0.0.2: another client address for the server).
/// Shorter than the server's keep-alive (5 s), so the test clients never
/// send on a connection the server is closing.
const IDLE_CONNECTION: Duration = Duration::from_secs(2);

pub fn client_from(local: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .local_address(local.parse::<std::net::IpAddr>().unwrap())
        .timeout(Duration::from_secs(120))
        .pool_idle_timeout(IDLE_CONNECTION)
        .build()
        .unwrap()
}

// ---- tokens and dates as clients make them ----------------------------------

/// A well-formed token that no one was ever given.
pub fn unknown_token() -> String {
    calllog::credentials::new_token()
}

/// A date `seconds` from now, in the wire format.
pub fn seconds_from_now(seconds: i64) -> String {
    calllog::domain::time::Stamp::now().plus_seconds(seconds).format_in(&jiff::tz::TimeZone::UTC)
}

// ---- through the store, around the API ------------------------------------

/// Stores an API token of `user_id` created `age_seconds` ago that expires
/// `expires_in_seconds` from now (negative: already expired); returns the clear token.
pub async fn insert_api_token(
    app: &TestApp,
    user_id: i64,
    name: &'static str,
    age_seconds: i64,
    expires_in_seconds: i64,
) -> String {
    let token = calllog::credentials::new_token();
    let now = calllog::domain::time::Stamp::now();
    let record = calllog::domain::users::NewToken {
        user_id: calllog::domain::ids::UserId(user_id),
        hash: calllog::credentials::token_hash(&token),
        kind: calllog::domain::users::TokenKind::Api,
        name: Some(name.into()),
        created_on: now.plus_seconds(-age_seconds),
        expires_on: Some(now.plus_seconds(expires_in_seconds)),
    };
    app.state.service.store.write(move |tx| tx.insert_token(&record)).await.unwrap();
    token
}

/// Clears the sign-in failures of `user_name` as `calllog user unlock` does:
/// from a service of its own on the app's database (another process's, in
/// effect). Answers how many were cleared.
pub async fn unlock_from_outside(app: &TestApp, user_name: &str) -> u64 {
    let store = Store::open(&store_config(&app.database)).unwrap();
    let service = calllog::service::Service::new(store, AppConfig::default());
    let operator = calllog::service::access::Admin::command_line();
    let (_, cleared) = service.clear_sign_in_failures(&operator, user_name).await.unwrap();
    service.store.close();
    cleared
}

/// How many rows `table` holds, on either engine.
pub async fn count_rows(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    match &app.database {
        TestDatabase::Sqlite(path) => {
            let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
            conn.query_row(&sql, [], |r| r.get(0)).unwrap()
        }
        TestDatabase::Postgres(db) => {
            let url = db.url.clone();
            // On a thread of its own: the synchronous client may not run inside the test's runtime.
            let count = move || {
                let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                client.query_one(&sql, &[]).unwrap().get(0)
            };
            tokio::task::spawn_blocking(move || std::thread::spawn(count).join().unwrap()).await.unwrap()
        }
    }
}

/// The writer kept busy and its queue full, until `release`.
pub struct BusyWriter {
    release: std::sync::mpsc::Sender<()>,
    blocker: tokio::task::JoinHandle<()>,
    filler: Option<tokio::task::JoinHandle<()>>,
}

/// Occupies the writer with a write that waits (at most 10 s), then queues
/// one more write behind it: with a queue of capacity 1, the next write is
/// refused. On PostgreSQL (`one_write_at_a_time`: a pool of one) the
/// waiting write holds the only connection, which is enough. Each step is
/// seen to happen (the write begun, the next one queued), never waited for.
pub async fn busy_writer(app: &TestApp) -> BusyWriter {
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let (entered, inside) = tokio::sync::oneshot::channel::<()>();
    let store = app.state.service.store.clone();
    let blocker = tokio::spawn(async move {
        store
            .write(move |_| -> Result<(), StoreError> {
                let _ = entered.send(());
                let _ = wait.recv_timeout(Duration::from_secs(10));
                Ok(())
            })
            .await
            .unwrap()
    });
    inside.await.expect("the holding write began");
    let filler = if on_sqlite() {
        let queued = write_queue_depth(app);
        let store = app.state.service.store.clone();
        let filler = tokio::spawn(async move { store.write(|_| -> Result<(), StoreError> { Ok(()) }).await.unwrap() });
        until_write_queue_holds(app, queued + 1).await;
        Some(filler)
    } else {
        None
    };
    BusyWriter { release, blocker, filler }
}

/// How many writes wait in the SQLite writer's queue (PostgreSQL has none: 0).
pub fn write_queue_depth(app: &TestApp) -> usize {
    match app.state.service.store.stats() {
        StoreStats::Sqlite { write_queue_depth, .. } => write_queue_depth,
        StoreStats::Postgres { .. } => 0,
    }
}

/// Waits (at most 10 s) until the SQLite writer's queue holds `depth` writes:
/// with the writer held (`busy_writer`), a request sent after this reaches
/// the queue after those, whatever the scheduler does.
pub async fn until_write_queue_holds(app: &TestApp, depth: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while write_queue_depth(app) < depth {
        assert!(std::time::Instant::now() < deadline, "the writer's queue never held {depth} writes");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

impl BusyWriter {
    /// Lets the writer go and waits until both held writes are committed.
    pub async fn release(self) {
        self.release.send(()).unwrap();
        self.blocker.await.unwrap();
        if let Some(filler) = self.filler {
            filler.await.unwrap();
        }
    }
}

// ---- SQLite only ------------------------------------------------------------

/// Runs `work` on the SQLite writer connection, inside its transaction.
/// The one door to SQL from the tests; only SQLite-specific tests use it.
pub async fn on_sqlite_writer<T, F>(app: &TestApp, work: F) -> T
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
{
    app.state.service.store.sqlite().expect("a SQLite store").write_on_connection(work).await.unwrap()
}

/// Caps the SQLite file at its current size plus `extra_pages`: a write that
/// needs more pages fails as on a full disk.
pub async fn cap_database_pages(app: &TestApp, extra_pages: i64) {
    on_sqlite_writer(app, move |conn| {
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        conn.query_row(&format!("PRAGMA max_page_count = {}", pages + extra_pages), [], |_| Ok(()))
    })
    .await
}

/// Lifts the cap of `cap_database_pages` (back to SQLite's default).
pub async fn lift_database_cap(app: &TestApp) {
    on_sqlite_writer(app, |conn| conn.query_row("PRAGMA max_page_count = 1073741823", [], |_| Ok(()))).await
}

/// Runs SQL straight on the app's database, past the service: `sqlite` on
/// SQLite (on the writer's connection), `postgres` on PostgreSQL (on a
/// connection of its own), each a batch of statements that must succeed.
pub async fn execute_sql(app: &TestApp, sqlite: &str, postgres: &str) {
    match &app.database {
        TestDatabase::Sqlite(_) => {
            let sql = sqlite.to_string();
            on_sqlite_writer(app, move |conn| conn.execute_batch(&sql)).await
        }
        TestDatabase::Postgres(db) => {
            // Off the test's runtime, which also serves the app meanwhile.
            let (url, sql) = (db.url.clone(), postgres.to_string());
            tokio::task::spawn_blocking(move || run_on_server(&url, &sql)).await.unwrap()
        }
    }
}

/// Inserts `count` call logs of property 1 straight into the table, far faster than the API.
pub async fn bulk_insert_call_logs(app: &TestApp, count: i64) {
    execute_sql(
        app,
        &format!(
            "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < {count})
             INSERT INTO call_logs (property_id, call_from, status_id, subject, notes, taken_by, created_on, modified_on, created_by)
             SELECT 1, 'Caller', 1, 'Bulk ' || v, printf('%.200c', 'n'), 'Bench', v, v, 1 FROM n"
        ),
        &format!(
            "INSERT INTO call_logs (property_id, call_from, status_id, subject, notes, taken_by, created_on, modified_on, created_by)
             SELECT 1, 'Caller', 1, 'Bulk ' || v, repeat('n', 200), 'Bench', v, v, 1 FROM generate_series(1, {count}) v"
        ),
    )
    .await;
}

/// A read-only connection to the SQLite file, to check what is stored.
pub fn read_only_database(app: &TestApp) -> rusqlite::Connection {
    match &app.database {
        TestDatabase::Sqlite(path) => {
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
        }
        TestDatabase::Postgres(_) => panic!("read_only_database is for SQLite; guard the test with on_sqlite()"),
    }
}

/// `GET /desk/lookup?q=ann` (the desk's page script) with a session cookie and
/// the `Sec-Fetch-Site` a browser would send.
pub async fn desk_lookup(app: &TestApp, cookie: &str, sec_fetch_site: &str) -> reqwest::Response {
    app.request(Method::GET, "/desk/lookup?q=ann")
        .header("Cookie", cookie)
        .header("Sec-Fetch-Site", sec_fetch_site)
        .send()
        .await
        .unwrap()
}
