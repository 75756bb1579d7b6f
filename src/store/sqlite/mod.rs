//! The SQLite engine: a pool of read-only connections plus the single
//! writer thread (`writer.rs`) that owns the only writing connection;
//! checkpoints on their own thread (`checkpoint.rs`); the schema and its
//! upgrades (`schema.rs`); FTS5 search (`calllogs/search.rs`, its syntax in `fts.rs`). None of this is
//! seen above the store: the service talks to the seam's traits, which
//! `SqliteTx` implements over one connection, each aggregate in its own
//! module (`users.rs` the user traits, `calllogs.rs` the call-log traits, …).

pub mod audit;
pub mod calllogs;
pub mod catalog;
pub mod checkpoint;
pub mod directory;
pub mod fts;
mod ids;
pub mod lookup;
pub mod schema;
mod settings;
pub mod throttle;
pub mod users;
pub mod writer;

use crate::config::StoreConfig;
use crate::store::{
    MaintenanceError, OpenError, Reads, RuleLock, RuleLocks, StoreError, StoreResult, StoreStats, UnknownWord, Writes,
};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use writer::Writer;

/// Distinct statements the code prepares; the per-connection statement cache
/// is sized to hold them all.
const STATEMENT_CACHE: usize = 128;

/// One SQLite connection whose transaction the engine opened (a pooled read
/// transaction, or the writer's savepoint): what the seam's traits are
/// implemented on, each in its aggregate's module.
pub struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub fn new(conn: &'c Connection) -> SqliteTx<'c> {
        SqliteTx { conn }
    }
}

impl RuleLocks for SqliteTx<'_> {
    fn lock_rules(&mut self, _rules: RuleLock) -> StoreResult<()> {
        // The single writer already runs one write at a time.
        Ok(())
    }
}

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    readers: r2d2::Pool<SqliteConnectionManager>,
    writer: Writer,
    checkpointer: checkpoint::Checkpointer,
}

/// Which connection is being set up: only the writer changes the journal
/// and checkpoint settings.
#[derive(Clone, Copy)]
enum Role {
    Writer { wal_limit_bytes: u64 },
    Other,
}

fn apply_pragmas(conn: &Connection, synchronous: &str, role: Role) -> rusqlite::Result<()> {
    // busy_timeout first, so the pragmas below wait rather than fail.
    conn.busy_timeout(Duration::from_secs(5))?;
    if let Role::Writer { wal_limit_bytes } = role {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // Checkpoints run on their own thread, not inside a commit.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // When the WAL restarts, SQLite truncates it back to this size.
        conn.pragma_update(None, "journal_size_limit", wal_limit_bytes as i64)?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "cache_size", -32_768)?; // KiB: 32 MiB per connection
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    register_functions(conn)
}

/// `casefold(text)`: Unicode lower case, for comparisons that ignore case
/// beyond ASCII (SQLite's NOCASE and lower() only fold ASCII).
/// `search_stems(text)`, `search_name_terms(text)`: what the search
/// indexes keep of a text (the stems of its words; a name's words and
/// marked stems as a JSON array), for the migration that built them.
/// `integer_list(n)`: an aggregate, the integers of its rows as one blob of
/// little-endian 8-byte values ([`calllogs::search_matches`] reads a word's
/// doclist with it: one result instead of a step per row).
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "casefold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )?;
    // For the migration that indexed stems and names (schema version 12):
    // SQL cannot stem, and both engines must stem with the same code.
    conn.create_scalar_function(
        "search_stems",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let text = ctx.get::<Option<String>>(0)?.unwrap_or_default();
            let words = crate::domain::calllogs::folded_words(&text);
            Ok(crate::domain::calllogs::stems_of(&words).join(" "))
        },
    )?;
    conn.create_scalar_function(
        "search_name_terms",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let text = ctx.get::<Option<String>>(0)?.unwrap_or_default();
            serde_json::to_string(&crate::domain::calllogs::index_terms(&text))
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
        },
    )?;
    conn.create_aggregate_function(
        "integer_list",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        IntegerList,
    )
}

struct IntegerList;

impl rusqlite::functions::Aggregate<Vec<u8>, Vec<u8>> for IntegerList {
    fn init(&self, _: &mut rusqlite::functions::Context<'_>) -> rusqlite::Result<Vec<u8>> {
        Ok(Vec::with_capacity(8 * 1024))
    }

    fn step(&self, ctx: &mut rusqlite::functions::Context<'_>, list: &mut Vec<u8>) -> rusqlite::Result<()> {
        list.extend_from_slice(&ctx.get::<i64>(0)?.to_le_bytes());
        Ok(())
    }

    fn finalize(&self, _: &mut rusqlite::functions::Context<'_>, list: Option<Vec<u8>>) -> rusqlite::Result<Vec<u8>> {
        Ok(list.unwrap_or_default())
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database: pragmas, schema, integrity
    /// check, then the writer thread and the read pool.
    pub fn open(db_path: &Path, config: &StoreConfig) -> Result<SqliteStore, OpenError> {
        let path_text = db_path.display().to_string();
        let open_error = |reason: String| OpenError::Open { path: path_text.clone(), reason };
        let synchronous = config.synchronous.pragma_value();

        let conn = Connection::open(db_path).map_err(|e| open_error(e.to_string()))?;
        let writer_role = Role::Writer { wal_limit_bytes: config.wal_limit_bytes };
        apply_pragmas(&conn, synchronous, writer_role).map_err(|e| classify(&path_text, e))?;
        schema::check_integrity(&conn).map_err(|e| OpenError::Damaged { path: path_text.clone(), detail: e.0 })?;
        schema::migrate(&conn).map_err(|e| match e {
            schema::MigrateError::TooNew(found) => {
                OpenError::TooNew { path: path_text.clone(), found, known: schema::VERSION }
            }
            schema::MigrateError::Sql(e) => classify(&path_text, e),
            e => OpenError::Upgrade { path: path_text.clone(), known: schema::VERSION, detail: e.to_string() },
        })?;

        let sync = synchronous.to_string();
        let manager = SqliteConnectionManager::file(db_path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI)
            .with_init(move |c| apply_pragmas(c, &sync, Role::Other));
        let readers = r2d2::Pool::builder()
            .max_size(config.read_pool_size.max(1))
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(|e| open_error(e.to_string()))?;

        let checkpoint_conn = Connection::open(db_path).map_err(|e| open_error(e.to_string()))?;
        apply_pragmas(&checkpoint_conn, synchronous, Role::Other).map_err(|e| open_error(e.to_string()))?;
        let checkpointer = checkpoint::Checkpointer::start(checkpoint_conn, config.checkpoint_interval);
        let mut wal_path = db_path.as_os_str().to_owned();
        wal_path.push("-wal");
        let writer = Writer::start(
            conn,
            config.write_queue_capacity.max(1),
            writer::WalBound { path: wal_path.into(), limit_bytes: config.wal_limit_bytes },
        );
        Ok(SqliteStore { inner: Arc::new(StoreInner { readers, writer, checkpointer }) })
    }

    /// Runs a read on a pooled read-only connection, in one read
    /// transaction (so a count and its page agree), off the async workers.
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

    /// A read for threads that may block.
    pub fn read_blocking<T, E>(&self, work: impl FnOnce(&mut dyn Reads) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let conn = self.inner.readers.get().map_err(|e| {
            log::warn!("no pooled read connection: {e}");
            E::from(StoreError::Busy("All database connections are busy; retry shortly.".into()))
        })?;
        if !conn.is_autocommit() {
            // A read that panicked may have left its transaction open.
            conn.execute_batch("ROLLBACK").map_err(|e| E::from(e.into()))?;
        }
        conn.prepare_cached("BEGIN").and_then(|mut begin| begin.execute([])).map_err(|e| E::from(e.into()))?;
        let result = work(&mut SqliteTx::new(&conn));
        // A read-only transaction has nothing to keep; ending it frees its snapshot.
        if let Err(e) = conn.prepare_cached("COMMIT").and_then(|mut commit| commit.execute([])) {
            log::warn!("ending a read transaction: {e}");
        }
        result
    }

    /// Runs a write on the writer thread, inside its transaction; resolves after COMMIT.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, E> + Send + 'static,
    {
        let job = move |conn: &Connection| work(&mut SqliteTx::new(conn));
        let receiver = self.inner.writer.submit(job).map_err(E::from)?;
        receiver.await.map_err(|_| E::from(StoreError::Failed("the writer thread stopped".into())))?
    }

    /// `write` for threads that may block.
    pub fn write_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, E> + Send + 'static,
    {
        let job = move |conn: &Connection| work(&mut SqliteTx::new(conn));
        let receiver = self.inner.writer.submit(job).map_err(E::from)?;
        receiver.blocking_recv().map_err(|_| E::from(StoreError::Failed("the writer thread stopped".into())))?
    }

    /// Runs `work` on the writer's own connection, in its transaction: for
    /// tests of SQLite-specific mechanics (a page cap to fill the disk, WAL
    /// sizes), never for the service: only with the `testing` feature.
    #[cfg(feature = "testing")]
    pub async fn write_on_connection<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let job = move |conn: &Connection| work(conn).map_err(StoreError::from);
        let receiver = self.inner.writer.submit(job)?;
        receiver.await.map_err(|_| StoreError::Failed("the writer thread stopped".into()))?
    }

    /// `write_on_connection` for threads that may block.
    #[cfg(feature = "testing")]
    pub fn write_on_connection_blocking<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let job = move |conn: &Connection| work(conn).map_err(StoreError::from);
        let receiver = self.inner.writer.submit(job)?;
        receiver.blocking_recv().map_err(|_| StoreError::Failed("the writer thread stopped".into()))?
    }

    pub fn stats(&self) -> StoreStats {
        let writer = &self.inner.writer.stats;
        let pool = self.inner.readers.state();
        StoreStats::Sqlite {
            write_queue_depth: writer.queued.load(std::sync::atomic::Ordering::Relaxed),
            write_batches: writer.batches.load(std::sync::atomic::Ordering::Relaxed),
            forced_checkpoints: writer.forced_checkpoints.load(std::sync::atomic::Ordering::Relaxed),
            pool_connections: pool.connections,
            pool_idle_connections: pool.idle_connections,
        }
    }

    /// Commits what is queued and stops the writer (which then folds the WAL
    /// into the database); later writes answer 503.
    pub fn close(&self) {
        self.inner.checkpointer.close();
        self.inner.writer.close();
    }
}

/// Stops a background thread that runs until its channel's sender is gone:
/// drops the sender, then waits for the thread to finish what it has.
pub(crate) fn hang_up_and_join<S>(sender: &Mutex<Option<S>>, thread: &Mutex<Option<JoinHandle<()>>>) {
    if let Ok(mut sender) = sender.lock() {
        sender.take();
    }
    let thread = thread.lock().ok().and_then(|mut t| t.take());
    if let Some(thread) = thread {
        let _ = thread.join();
    }
}

/// Opening errors that mean "this is not a sound database" get the Damaged message.
fn classify(path: &str, e: rusqlite::Error) -> OpenError {
    use rusqlite::ErrorCode::*;
    match e.sqlite_error_code() {
        Some(NotADatabase) | Some(DatabaseCorrupt) => {
            OpenError::Damaged { path: path.to_string(), detail: e.to_string() }
        }
        _ => OpenError::Open { path: path.to_string(), reason: e.to_string() },
    }
}

/// Text column `i` read as the enum `T` it names (a role, a category); a
/// word `T` does not have fails the row, the error naming the column and the word.
pub fn word<T: std::str::FromStr>(row: &rusqlite::Row, i: usize) -> rusqlite::Result<T> {
    let text: String = row.get(i)?;
    let column = row.as_ref().column_name(i).unwrap_or("?");
    UnknownWord::parse(column, text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

/// How an engine error reads to the layers above: resource and I/O failures
/// mean the database refused the work (113); anything else is a defect (199).
impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::*;
        match e.sqlite_error_code() {
            Some(
                DiskFull | SystemIoFailure | ReadOnly | DatabaseCorrupt | NotADatabase | CannotOpen | OutOfMemory
                | DatabaseBusy | DatabaseLocked | PermissionDenied | TooBig,
            ) => StoreError::WriteRefused(e.to_string()),
            _ => StoreError::Failed(format!("database: {e}")),
        }
    }
}

/// A consistent copy of the database at `path` while the server may write
/// (`VACUUM INTO` reads in one transaction), then an integrity check of it.
pub fn backup(path: &Path, dest: &Path) -> Result<(), MaintenanceError> {
    let dest_text = dest.to_str().ok_or("the destination path is not valid UTF-8")?;
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(|e| e.to_string())?;
    conn.execute("VACUUM INTO ?1", [dest_text]).map_err(|e| format!("backup to {} failed: {e}", dest.display()))?;
    integrity_check(dest).map_err(|e| format!("the copy {} failed its integrity check: {e}", dest.display()).into())
}

/// Integrity check of a database file, for `calllog check` and `backup`.
pub fn integrity_check(path: &Path) -> Result<(), MaintenanceError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(|e| e.to_string())?;
    schema::run_check(&conn, "integrity_check")
}
