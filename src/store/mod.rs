//! Everything that touches SQLite. The `Store` is a pool of read-only
//! connections plus the single writer thread (see `writer.rs`).

pub mod calllogs;
pub mod catalog;
pub mod checkpoint;
pub mod directory;
pub mod schema;
pub mod users;
pub mod writer;

use crate::config::StoreConfig;
use crate::error::{ApiError, ApiResult};
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

#[derive(Clone)]
pub struct Store {
    inner: Arc<StoreInner>,
}

struct StoreInner {
    readers: r2d2::Pool<SqliteConnectionManager>,
    writer: Writer,
    checkpointer: checkpoint::Checkpointer,
}

/// Why the store could not be opened; each is a clear one-line message.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the database {path}: {reason}")]
    Open { path: String, reason: String },
    #[error("the database {path} is damaged ({detail}); restore it from a backup")]
    Damaged { path: String, detail: String },
    #[error(
        "the database {path} has schema version {found}, newer than this calllog knows ({known}); use a newer calllog"
    )]
    TooNew { path: String, found: i64, known: i64 },
    #[error("cannot bring the database {path} to schema version {known}: {detail}")]
    Upgrade { path: String, known: i64, detail: String },
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
fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "casefold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|s| s.to_lowercase())),
    )
}

impl Store {
    /// Opens (creating if needed) the database: pragmas, schema, integrity
    /// check, then the writer thread and the read pool.
    pub fn open(config: &StoreConfig) -> Result<Store, OpenError> {
        let path_text = config.db_path.display().to_string();
        let open_error = |reason: String| OpenError::Open { path: path_text.clone(), reason };
        let synchronous = config.synchronous.pragma_value();

        let conn = Connection::open(&config.db_path).map_err(|e| open_error(e.to_string()))?;
        let writer_role = Role::Writer { wal_limit_bytes: config.wal_limit_bytes };
        apply_pragmas(&conn, synchronous, writer_role).map_err(|e| classify(&path_text, e))?;
        schema::check_integrity(&conn).map_err(|detail| OpenError::Damaged { path: path_text.clone(), detail })?;
        schema::migrate(&conn).map_err(|e| match e {
            schema::MigrateError::TooNew(found) => {
                OpenError::TooNew { path: path_text.clone(), found, known: schema::VERSION }
            }
            schema::MigrateError::Sql(e) => classify(&path_text, e),
            e => OpenError::Upgrade { path: path_text.clone(), known: schema::VERSION, detail: e.to_string() },
        })?;

        let sync = synchronous.to_string();
        let manager = SqliteConnectionManager::file(&config.db_path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI)
            .with_init(move |c| apply_pragmas(c, &sync, Role::Other));
        let readers = r2d2::Pool::builder()
            .max_size(config.read_pool_size.max(1))
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(|e| open_error(e.to_string()))?;

        let checkpoint_conn = Connection::open(&config.db_path).map_err(|e| open_error(e.to_string()))?;
        apply_pragmas(&checkpoint_conn, synchronous, Role::Other).map_err(|e| open_error(e.to_string()))?;
        let checkpointer = checkpoint::Checkpointer::start(checkpoint_conn, config.checkpoint_interval);
        let mut wal_path = config.db_path.clone().into_os_string();
        wal_path.push("-wal");
        let writer = Writer::start(
            conn,
            config.write_queue_capacity.max(1),
            writer::WalBound { path: wal_path.into(), limit_bytes: config.wal_limit_bytes },
        );
        Ok(Store { inner: Arc::new(StoreInner { readers, writer, checkpointer }) })
    }

    /// Runs a read on a pooled read-only connection, off the async workers.
    pub async fn read<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    {
        let store = self.clone();
        actix_web::web::block(move || store.read_blocking(work))
            .await
            .map_err(|e| ApiError::internal(format!("read task failed: {e}")))?
    }

    /// A read for code that may block (the command line, `web::block` bodies).
    pub fn read_blocking<T>(&self, work: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        let conn = self.inner.readers.get()?;
        work(&conn)
    }

    /// Runs a write on the writer thread, inside its transaction; resolves after COMMIT.
    pub async fn write<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    {
        let receiver = self.inner.writer.submit(work)?;
        receiver.await.map_err(|_| ApiError::internal("the writer thread stopped"))?
    }

    /// A write for code that may block (the command line).
    pub fn write_blocking<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    {
        let receiver = self.inner.writer.submit(work)?;
        receiver.blocking_recv().map_err(|_| ApiError::internal("the writer thread stopped"))?
    }

    pub fn writer_stats(&self) -> &writer::WriterStats {
        &self.inner.writer.stats
    }

    pub fn pool_state(&self) -> r2d2::State {
        self.inner.readers.state()
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

/// Integrity check of a database file, for `calllog check` and `backup`.
pub fn integrity_check(path: &Path) -> Result<(), String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5)).map_err(|e| e.to_string())?;
    schema::run_check(&conn, "integrity_check")
}
