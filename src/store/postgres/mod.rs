//! The PostgreSQL engine: a pool of connections (each request its own
//! transaction on one of them: PostgreSQL has its own concurrency, so there
//! is no writer thread), the schema and its migrations (`schema.rs`),
//! `tsvector` search (`calllogs.rs`), and a thread that LISTENs for
//! credential changes made by any instance (`listener.rs`).
//!
//! What SQLite's one process gave for free holds across instances here:
//! - a write that checks a log's ETag locks the log's row (`FOR UPDATE`);
//!   rules over many rows (one default status, the last active admin) take
//!   a transaction-scoped advisory lock first (`RuleLocks::lock_rules`);
//! - idempotency keys are unique rows; the login throttle is tables (as on SQLite);
//! - `modifiedSince` polls never miss a late commit: see [`ChangeClock`].

pub mod audit;
pub mod calllogs;
pub mod catalog;
pub mod db;
pub mod directory;
mod ids;
pub mod listener;
pub mod lookup;
pub mod schema;
mod settings;
pub mod throttle;
pub mod tsquery;
pub mod tx;
pub mod users;

pub use row::{col, RowExt};
mod row;

use crate::config::StoreConfig;
use crate::store::{MaintenanceError, OpenError, Reads, StoreError, StoreStats, Writes};
use postgres::error::SqlState;
use postgres::{Client, NoTls};
use r2d2_postgres::PostgresConnectionManager;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

type Pool = r2d2::Pool<db::DbManager>;

#[derive(Clone)]
pub struct PgStore {
    inner: Arc<PgInner>,
}

struct PgInner {
    pool: PoolOwner,
    listener: listener::CredentialListener,
    closed: AtomicBool,
    pool_timeouts: AtomicU64,
    committed_writes: AtomicU64,
    /// The URL without its password, for messages.
    described: String,
}

/// The pool, let go off the async threads. Closing a connection of the
/// synchronous client blocks on the client's own runtime, which may not
/// start inside another: when an actix worker drops the last handle to the
/// store (the server stopping), the connections close on a thread of their own.
struct PoolOwner(Option<Pool>);

impl std::ops::Deref for PoolOwner {
    type Target = Pool;
    fn deref(&self) -> &Pool {
        // Taken only by `drop`, after which nothing derefs it.
        self.0.as_ref().unwrap_or_else(|| unreachable!("the pool is taken only when dropped"))
    }
}

impl Drop for PoolOwner {
    fn drop(&mut self) {
        if let Some(pool) = self.0.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let closing = std::thread::Builder::new().name("calllog-pg-close".into()).spawn(move || drop(pool));
                if let Err(e) = closing {
                    log::warn!("cannot close the PostgreSQL connections on a thread of their own: {e}");
                }
            }
        }
    }
}

/// The advisory lock that orders `modifiedSince` polls after the writes in
/// flight. Every write transaction holds it shared from its first statement
/// (so before it takes the time it stamps a log with) to its end; a poll
/// takes it exclusively, which waits for the writes in flight to end, and
/// takes its snapshot while holding it. A write that commits after the
/// poll's snapshot therefore began after it, and stamps a later time than
/// anything the poll saw: the client's next `modifiedSince` finds it.
/// (On SQLite the single writer gives this order.)
pub const CHANGE_CLOCK_LOCK: i64 = 0x6361_6c6c_6c6f_6701;

impl PgStore {
    /// Connects, brings the schema to this binary's version (one
    /// transaction; a newer schema is refused), then opens the pool and
    /// starts listening for credential changes.
    pub fn open(url: &str, config: &StoreConfig) -> Result<PgStore, OpenError> {
        let described = config.database.describe();
        let open_error = |reason: String| OpenError::Open { path: described.clone(), reason };
        let pg_config: postgres::Config = url.parse().map_err(|e| open_error(format!("not a PostgreSQL URL: {e}")))?;
        // On a thread of its own: the synchronous client runs its own
        // runtime, which may not start inside the caller's (tests, the CLI).
        let migrated = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    let mut client = pg_config.connect(NoTls).map_err(|e| open_error(e.to_string()))?;
                    schema::migrate(&mut client).map_err(|e| match e {
                        schema::MigrateError::TooNew(found) => {
                            OpenError::TooNew { path: described.clone(), found, known: schema::VERSION }
                        }
                        schema::MigrateError::Sql(e) => {
                            OpenError::Upgrade { path: described.clone(), known: schema::VERSION, detail: describe(&e) }
                        }
                    })
                })
                .join()
        });
        migrated.map_err(|_| open_error("opening the database panicked".into()))??;

        let manager = db::DbManager(PostgresConnectionManager::new(pg_config.clone(), NoTls));
        let pool = r2d2::Pool::builder()
            .max_size(config.read_pool_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(config.pool_wait)
            .build(manager)
            .map_err(|e| open_error(e.to_string()))?;
        let listener = listener::CredentialListener::start(pg_config);
        Ok(PgStore {
            inner: Arc::new(PgInner {
                pool: PoolOwner(Some(pool)),
                listener,
                closed: AtomicBool::new(false),
                pool_timeouts: AtomicU64::new(0),
                committed_writes: AtomicU64::new(0),
                described,
            }),
        })
    }

    /// A pooled connection, or 503/115 when none frees up within the pool's wait.
    fn connection(&self) -> Result<r2d2::PooledConnection<db::DbManager>, StoreError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(StoreError::Busy("The service is shutting down; retry shortly.".into()));
        }
        self.inner.pool.get().map_err(|e| {
            self.inner.pool_timeouts.fetch_add(1, Ordering::Relaxed);
            log::warn!("no pooled connection to {}: {e}", self.inner.described);
            StoreError::Busy("All database connections are busy; retry shortly.".into())
        })
    }

    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Reads) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.read_blocking(work))
            .await
            .map_err(|e| E::from(StoreError::Failed(format!("read task failed: {e}"))))?
    }

    /// A read in one REPEATABLE READ, READ ONLY transaction (a count and its
    /// page agree), begun at its first statement (see `tx::PgTx`).
    pub fn read_blocking<T, E>(&self, work: impl FnOnce(&mut dyn Reads) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.connection().map_err(E::from)?;
        let mut tx = tx::PgTx::read(&mut conn, self.inner.listener.changes());
        let result = work(&mut tx);
        tx.finish(false).map_err(E::from)?;
        result
    }

    /// `read`, its one snapshot taken after the writes in flight have ended
    /// (see [`CHANGE_CLOCK_LOCK`]): for `modifiedSince` polls.
    pub async fn read_settled<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Reads) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = store.connection().map_err(E::from)?;
            let mut tx = tx::PgTx::read_settled(&mut conn, store.inner.listener.changes()).map_err(E::from)?;
            let result = work(&mut tx);
            tx.finish(false).map_err(E::from)?;
            result
        })
        .await
        .map_err(|e| E::from(StoreError::Failed(format!("read task failed: {e}"))))?
    }

    /// A write in one READ COMMITTED transaction, committed before this
    /// resolves; an `Err` from `work` rolls it back.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write_blocking(work))
            .await
            .map_err(|e| E::from(StoreError::Failed(format!("write task failed: {e}"))))?
    }

    pub fn write_blocking<T, E>(&self, work: impl FnOnce(&mut dyn Writes) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        self.write_on_pool(tx::Clock::Held, work)
    }

    /// A write that stamps no call log (a directory import): its transaction
    /// does not hold the change clock, so however long it runs, a
    /// `modifiedSince` poll does not wait for it, nor do the writes that
    /// would queue behind that poll's exclusive request.
    pub async fn write_unclocked<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, E> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.write_on_pool(tx::Clock::NotHeld, work))
            .await
            .map_err(|e| E::from(StoreError::Failed(format!("write task failed: {e}"))))?
    }

    fn write_on_pool<T, E>(&self, clock: tx::Clock, work: impl FnOnce(&mut dyn Writes) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.connection().map_err(E::from)?;
        let mut tx = tx::PgTx::write(&mut conn, self.inner.listener.changes(), clock).map_err(E::from)?;
        let result = work(&mut tx);
        let committed = result.is_ok();
        tx.finish(committed).map_err(E::from)?;
        if committed {
            self.inner.committed_writes.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Credential changes the listener has heard (see `listener.rs`).
    pub fn heard_credential_changes(&self) -> i64 {
        self.inner.listener.changes()
    }

    pub fn stats(&self) -> StoreStats {
        let pool = self.inner.pool.state();
        StoreStats::Postgres {
            pool_connections: pool.connections,
            pool_idle_connections: pool.idle_connections,
            pool_max_connections: self.inner.pool.max_size(),
            pool_timeouts: self.inner.pool_timeouts.load(Ordering::Relaxed),
            committed_writes: self.inner.committed_writes.load(Ordering::Relaxed),
        }
    }

    /// Later requests answer busy; those in flight finish on their own
    /// connections (each commits before it answers).
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        self.inner.listener.stop();
    }
}

/// How a PostgreSQL error reads to the layers above (docs/operations.md §6): the
/// database refusing to write (disk full, read-only, out of resources, gone)
/// is 113; a conflict PostgreSQL asks to retry is busy (115); anything else
/// is a defect (199).
impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        let Some(code) = e.code() else {
            // No SQLSTATE: the connection broke or could not be used.
            return StoreError::WriteRefused(format!("database connection: {e}"));
        };
        let class = &code.code()[..2];
        if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED {
            return StoreError::Busy("The database asked to retry a conflicting change; retry shortly.".into());
        }
        match class {
            // 53: insufficient resources (disk full, out of memory, too many connections);
            // 57: operator intervention (shutdown); 58: system error (I/O);
            // 08: connection exception; 25006: read-only transaction (a standby).
            "53" | "57" | "58" | "08" => StoreError::WriteRefused(describe(&e)),
            _ if *code == SqlState::READ_ONLY_SQL_TRANSACTION => StoreError::WriteRefused(describe(&e)),
            _ => StoreError::Failed(format!("database: {}", describe(&e))),
        }
    }
}

/// The server's message (and its SQLSTATE), rather than the client's wrapper text.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Connects once, for commands that work on PostgreSQL directly (`migrate`).
pub fn connect(url: &str) -> Result<Client, MaintenanceError> {
    let config: postgres::Config = url.parse().map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
    config.connect(NoTls).map_err(|e| e.to_string().into())
}
