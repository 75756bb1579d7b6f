//! Checkpoints off the request path. The writer runs with SQLite's
//! auto-checkpoint off (it would stall a commit for milliseconds); this thread
//! instead copies the WAL into the database every `interval` with a PASSIVE
//! checkpoint, which never waits for readers or the writer. The writer itself
//! bounds the WAL's size (see `writer.rs`).

use rusqlite::Connection;
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Checkpointer {
    stop: Mutex<Option<Sender<()>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    pub fn start(conn: Connection, interval: Duration) -> Checkpointer {
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::Builder::new()
            .name("calllog-checkpointer".into())
            .spawn(move || {
                // Runs until `close` drops the sender.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        log::warn!("background checkpoint failed (will retry): {e}");
                    }
                }
            })
            .expect("spawning the checkpointer thread");
        Checkpointer { stop: Mutex::new(Some(stop)), thread: Mutex::new(Some(thread)) }
    }

    pub fn close(&self) {
        super::hang_up_and_join(&self.stop, &self.thread);
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.close();
    }
}
