//! The single writer: one connection owned by one thread, fed by a bounded
//! channel. The thread takes whatever is queued (up to a batch limit), runs
//! it in one `BEGIN IMMEDIATE` transaction with a savepoint per request, and
//! answers each request only after `COMMIT`. A request that fails rolls back
//! its own savepoint and leaves the rest of the batch alone; a failed COMMIT
//! fails every request of the batch (nothing partial is kept).

use crate::store::StoreError;
use rusqlite::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

const MAX_BATCH: usize = 256;

/// A queued write, with its type erased so that one channel carries them all.
trait WriteJob: Send {
    /// Runs the work inside the open transaction; true when it succeeded.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the requester once the batch's fate is known.
    fn answer(self: Box<Self>, commit: Result<(), &StoreError>);
}

struct Job<T, E, F> {
    work: Option<F>,
    outcome: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> WriteJob for Job<T, E, F>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else { return false };
        let outcome = match catch_unwind(AssertUnwindSafe(|| work(conn))) {
            Ok(outcome) => outcome,
            Err(_) => Err(E::from(StoreError::Failed("a write panicked; it was rolled back".into()))),
        };
        let ok = outcome.is_ok();
        self.outcome = Some(outcome);
        ok
    }

    fn answer(self: Box<Self>, commit: Result<(), &StoreError>) {
        let outcome = match (self.outcome, commit) {
            // The work went well but its batch did not commit: nothing of it was kept.
            (Some(Ok(_)), Err(e)) => Err(E::from(e.clone())),
            (Some(outcome), _) => outcome,
            (None, _) => {
                Err(E::from(StoreError::WriteRefused("the batch was rolled back before this request ran".into())))
            }
        };
        // The requester may have gone away (client hung up); nothing to do then.
        let _ = self.reply.send(outcome);
    }
}

/// The WAL file and the size past which the writer forces a checkpoint.
pub struct WalBound {
    pub path: std::path::PathBuf,
    pub limit_bytes: u64,
}

#[derive(Default)]
pub struct WriterStats {
    pub queued: AtomicUsize,
    pub batches: AtomicU64,
    /// Checkpoints the writer had to force because the WAL passed its bound.
    pub forced_checkpoints: AtomicU64,
}

pub struct Writer {
    sender: Mutex<Option<SyncSender<Box<dyn WriteJob>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    pub stats: Arc<WriterStats>,
}

impl Writer {
    pub fn start(conn: Connection, capacity: usize, wal: WalBound) -> Writer {
        let (sender, receiver) = sync_channel::<Box<dyn WriteJob>>(capacity);
        let stats = Arc::new(WriterStats::default());
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name("calllog-writer".into())
            .spawn(move || writer_loop(conn, receiver, thread_stats, wal))
            .expect("spawning the writer thread");
        Writer { sender: Mutex::new(Some(sender)), thread: Mutex::new(Some(thread)), stats }
    }

    /// Queues `work`; the receiver yields its result after COMMIT.
    /// A full queue is refused at once with 503/115.
    pub fn submit<T, E, F>(&self, work: F) -> Result<oneshot::Receiver<Result<T, E>>, StoreError>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, receiver) = oneshot::channel();
        let job: Box<dyn WriteJob> = Box::new(Job { work: Some(work), outcome: None, reply });
        let sender = self
            .sender
            .lock()
            .map_err(|_| StoreError::Failed("writer lock poisoned".into()))?
            .clone()
            .ok_or_else(|| StoreError::Busy("The service is shutting down; retry shortly.".into()))?;
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        match sender.try_send(job) {
            Ok(()) => Ok(receiver),
            Err(TrySendError::Full(_)) => {
                self.stats.queued.fetch_sub(1, Ordering::Relaxed);
                Err(StoreError::Busy("Too many writes are waiting; retry in a moment.".into()))
            }
            Err(TrySendError::Disconnected(_)) => {
                self.stats.queued.fetch_sub(1, Ordering::Relaxed);
                Err(StoreError::Busy("The service is shutting down; retry shortly.".into()))
            }
        }
    }

    /// Stops taking writes, lets the thread commit what is queued, and waits for it.
    pub fn close(&self) {
        super::hang_up_and_join(&self.sender, &self.thread);
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

fn writer_loop(conn: Connection, receiver: Receiver<Box<dyn WriteJob>>, stats: Arc<WriterStats>, wal: WalBound) {
    if let Err(e) = super::calllogs::create_search_queue(&conn) {
        // Every write that indexes text will then fail with 113, loudly.
        log::error!("writer: cannot create the search queue: {e}");
    }
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        stats.queued.fetch_sub(batch.len(), Ordering::Relaxed);
        run_batch(&conn, batch);
        stats.batches.fetch_add(1, Ordering::Relaxed);
        // Readers that hold old snapshots can keep the background checkpoint
        // from finishing; past the bound, wait for them and restart the WAL.
        if std::fs::metadata(&wal.path).is_ok_and(|m| m.len() > wal.limit_bytes) {
            match conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())) {
                Ok(()) => stats.forced_checkpoints.fetch_add(1, Ordering::Relaxed),
                Err(e) => {
                    log::warn!("writer: forced checkpoint failed: {e}");
                    0
                }
            };
        }
    }
    // Every sender is gone and the queue is drained: fold the WAL in and shrink it.
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        log::warn!("writer: final checkpoint failed: {e}");
    }
}

/// Runs one short statement of the writer's own (BEGIN, SAVEPOINT, ...),
/// prepared once per connection.
fn run(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]))
        .map(|_| ())
        .map_err(|e| StoreError::WriteRefused(e.to_string()))
}

fn run_batch(conn: &Connection, mut batch: Vec<Box<dyn WriteJob>>) {
    if let Err(error) = run(conn, "BEGIN IMMEDIATE") {
        log::error!("writer: cannot begin a transaction: {error}");
        for job in batch {
            job.answer(Err(&error));
        }
        return;
    }
    let mut any_ok = false;
    let mut aborted = None;
    for job in batch.iter_mut() {
        // Under a full disk or an I/O error SQLite may fail a savepoint
        // statement, or roll part or all of the transaction back by itself.
        // Either way what the batch did so far can no longer be vouched for:
        // stop, roll back, and answer 113 to every job (nothing is kept).
        if let Err(error) = run(conn, "SAVEPOINT request") {
            aborted = Some(error);
            break;
        }
        let ok = job.run(conn);
        let close = if ok { Ok(()) } else { run(conn, "ROLLBACK TO request") };
        if let Err(error) = close.and_then(|()| run(conn, "RELEASE request")) {
            aborted = Some(error);
            break;
        }
        if conn.is_autocommit() {
            aborted = Some(StoreError::WriteRefused("the database rolled the transaction back".into()));
            break;
        }
        any_ok |= ok;
    }
    let commit = if let Some(error) = aborted {
        Err(error)
    } else if any_ok {
        // The batch's search rows go into the index once, outside the savepoints.
        super::calllogs::flush_search_queue(conn)
            .map_err(|e| StoreError::WriteRefused(e.to_string()))
            .and_then(|()| run(conn, "COMMIT"))
    } else {
        run(conn, "ROLLBACK")
    };
    if let Err(e) = &commit {
        log::error!("writer: commit failed, the batch is rolled back: {e}");
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    for job in batch {
        job.answer(commit.as_ref().map(|_| ()));
    }
}
