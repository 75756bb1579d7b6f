//! `PgTx`: one pooled PostgreSQL connection and the transaction the engine
//! runs on it. The seam's traits are implemented on it in each aggregate's
//! module (`users.rs`, `calllogs.rs`, …); here is only the transaction.
//!
//! A write's transaction begins at once (READ COMMITTED, holding the change
//! clock shared: see [`super::CHANGE_CLOCK_LOCK`]). A read's is one
//! REPEATABLE READ, READ ONLY snapshot from its first statement to its end
//! (a count and its page agree); a settled read (a `modifiedSince` poll)
//! takes that snapshot only once the writes in flight have ended.

use super::db::Db;
use super::CHANGE_CLOCK_LOCK;
use crate::store::{RuleLock, RuleLocks, StoreResult};

const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// Whether a write holds the change clock ([`CHANGE_CLOCK_LOCK`]): every
/// write that may stamp a call log does; one that only writes the directory
/// need not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    Held,
    NotHeld,
}

pub struct PgTx<'c> {
    db: &'c mut Db,
    writing: bool,
    /// Whether BEGIN has been sent (and COMMIT or ROLLBACK not yet).
    open: bool,
    /// The credential changes this instance had heard of when the unit of work began.
    credential_changes: i64,
}

impl<'c> PgTx<'c> {
    /// A read; its transaction begins at its first statement.
    pub fn read(db: &'c mut Db, credential_changes: i64) -> PgTx<'c> {
        PgTx { db, writing: false, open: false, credential_changes }
    }

    /// A write, its transaction begun (holding the change clock unless `clock` says not).
    pub fn write(db: &'c mut Db, credential_changes: i64, clock: Clock) -> StoreResult<PgTx<'c>> {
        match clock {
            Clock::Held => {
                db.batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock_shared({CHANGE_CLOCK_LOCK})"))?
            }
            Clock::NotHeld => db.batch_execute("BEGIN")?,
        }
        Ok(PgTx { db, writing: true, open: true, credential_changes })
    }

    /// A read whose snapshot is taken while no write is in flight
    /// (`CHANGE_CLOCK_LOCK`): a `modifiedSince` poll, which must not miss a
    /// write that stamped an earlier time but commits later. The whole unit
    /// of work reads in that one snapshot.
    pub fn read_settled(db: &'c mut Db, credential_changes: i64) -> StoreResult<PgTx<'c>> {
        db.batch_execute(&format!("SELECT pg_advisory_lock({CHANGE_CLOCK_LOCK})"))?;
        // The first statement takes the snapshot; the lock is let go after it.
        let begun = db.batch_execute(&format!("{BEGIN_READ}; SELECT pg_advisory_unlock({CHANGE_CLOCK_LOCK})"));
        if begun.is_err() {
            let _ = db.batch_execute("ROLLBACK; SELECT pg_advisory_unlock_all()");
        }
        begun?;
        Ok(PgTx { db, writing: false, open: true, credential_changes })
    }

    /// The connection, its transaction begun (a read's, at its first statement).
    pub(super) fn db(&mut self) -> StoreResult<&mut Db> {
        if !self.open {
            self.db.batch_execute(BEGIN_READ)?;
            self.open = true;
        }
        Ok(self.db)
    }

    /// Whether this is a write's transaction (a read never locks rows).
    pub(super) fn writing(&self) -> bool {
        self.writing
    }

    /// The credential changes this instance had heard of when the unit of work began.
    pub(super) fn heard_credential_changes(&self) -> i64 {
        self.credential_changes
    }

    /// Ends the transaction: COMMIT when `commit`, else ROLLBACK (a read
    /// commits nothing either way).
    pub fn finish(mut self, commit: bool) -> StoreResult<()> {
        if !self.open {
            return Ok(());
        }
        self.open = false;
        let end = if commit { "COMMIT" } else { "ROLLBACK" };
        match self.db.batch_execute(end) {
            Ok(()) => Ok(()),
            Err(e) if !self.writing => {
                log::warn!("ending a read transaction: {e}");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Drop for PgTx<'_> {
    /// A unit of work that panicked must not hand its open transaction to
    /// the connection's next user.
    fn drop(&mut self) {
        if self.open {
            let _ = self.db.batch_execute("ROLLBACK");
        }
    }
}

impl RuleLocks for PgTx<'_> {
    fn lock_rules(&mut self, rules: RuleLock) -> StoreResult<()> {
        // Until COMMIT: a concurrent write under the same rules, from any
        // instance, waits here and then reads what this one wrote.
        self.db()?.execute("SELECT pg_advisory_xact_lock($1)", &[&rules.lock_key()])?;
        Ok(())
    }
}
