//! Credential changes from every instance: a thread on its own connection
//! LISTENs on `calllog_credentials` (NOTIFYed by triggers on tokens, users
//! and their property links, delivered at COMMIT) and counts what it hears.
//! The service compares the count with the one it saw last (at most a
//! second ago) and forgets its cached tokens when it moved, so a revoked
//! token or a deactivated user is refused by every instance within 1 s.
//!
//! While the connection is down nothing is heard: each (re)connection
//! counts as a change, so whatever happened meanwhile is not trusted.

use postgres::fallible_iterator::FallibleIterator;
use postgres::NoTls;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub const CHANNEL: &str = "calllog_credentials";

/// How often the thread looks whether it should stop, between notifications.
const POLL: Duration = Duration::from_millis(200);

pub struct CredentialListener {
    changes: Arc<AtomicI64>,
    stop: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl CredentialListener {
    pub fn start(config: postgres::Config) -> CredentialListener {
        let changes = Arc::new(AtomicI64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_changes, thread_stop) = (changes.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("calllog-listen".into())
            .spawn(move || listen(config, &thread_changes, &thread_stop))
            .map_err(|e| log::error!("cannot start the credential listener: {e}"))
            .ok();
        CredentialListener { changes, stop, thread: Mutex::new(thread) }
    }

    /// Changes heard so far (reconnections included).
    pub fn changes(&self) -> i64 {
        self.changes.load(Ordering::Acquire)
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

fn listen(config: postgres::Config, changes: &AtomicI64, stop: &AtomicBool) {
    while !stop.load(Ordering::Acquire) {
        let heard = config.connect(NoTls).and_then(|mut client| {
            client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
            // Listening from here on: what changed before is not known.
            changes.fetch_add(1, Ordering::AcqRel);
            while !stop.load(Ordering::Acquire) {
                {
                    let mut notifications = client.notifications();
                    let mut heard = notifications.timeout_iter(POLL);
                    while heard.next()?.is_some() {
                        changes.fetch_add(1, Ordering::AcqRel);
                    }
                }
                if client.is_closed() {
                    break;
                }
            }
            Ok(())
        });
        if let Err(e) = heard {
            log::warn!("listening for credential changes: {e}; reconnecting in 1 s");
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}
