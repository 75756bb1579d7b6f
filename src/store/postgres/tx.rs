//! `PgTx`: the store's `Reads` and `Writes` over one pooled PostgreSQL
//! connection and the transaction the engine runs on it. Each method is one
//! of the module functions beside it.
//!
//! A write's transaction begins at once (READ COMMITTED, holding the change
//! clock shared: see [`super::CHANGE_CLOCK_LOCK`]). A read's begins at its
//! first statement (REPEATABLE READ, READ ONLY), so that a `modifiedSince`
//! poll can first wait for the writes in flight.

use super::db::Db;
use super::{audit, calllogs, catalog, directory, lookup, throttle, users, CHANGE_CLOCK_LOCK};
use crate::domain::audit::{AuditEntry, AuditFilter};
use crate::domain::calllogs::{
    Author, CallLog, CallLogFilter, CallLogRow, CategoryCounts, ExportRow, HistoryEntry, LogHead, NewEvent,
    RememberedKey, UnitSummary,
};
use crate::domain::catalog::{CallLogReason, CatalogInput, ModuleStatus};
use crate::domain::directory::{Property, PropertyStatus, Resident, Unit, UnitSort};
use crate::domain::lookup::{CallLogBrief, LookupQuery, ResidentPlace, UnitPlace};
use crate::domain::query::Page;
use crate::domain::throttle::{LockedName, LoginHistory, NameKey, ThrottleKey};
use crate::domain::time::Stamp;
use crate::domain::users::{Caller, LoginRecord, NewToken, NewUser, TokenInfo, TokenRecord, User, UserChanges};
use crate::store::{Catalog, DirectorySize, ExportCursor, Reads, RuleLock, StoreResult, Writes};

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

    fn db(&mut self) -> StoreResult<&mut Db> {
        if !self.open {
            self.db.batch_execute(BEGIN_READ)?;
            self.open = true;
        }
        Ok(self.db)
    }

    /// A `modifiedSince` poll reads in a snapshot taken while no write is in
    /// flight (`CHANGE_CLOCK_LOCK`). What the read asked before (the
    /// caller's access to a unit or property, which do not move) was read
    /// in an earlier snapshot, ended here.
    fn begin_after_writes_in_flight(&mut self) -> StoreResult<()> {
        if self.writing {
            return Ok(());
        }
        if self.open {
            self.db.batch_execute("COMMIT")?;
            self.open = false;
        }
        self.db.batch_execute(&format!("SELECT pg_advisory_lock({CHANGE_CLOCK_LOCK})"))?;
        // The first statement takes the snapshot; the lock is let go after it.
        let begun = self.db.batch_execute(&format!("{BEGIN_READ}; SELECT pg_advisory_unlock({CHANGE_CLOCK_LOCK})"));
        if begun.is_err() {
            let _ = self.db.batch_execute("ROLLBACK; SELECT pg_advisory_unlock_all()");
        }
        begun?;
        self.open = true;
        Ok(())
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

impl Reads for PgTx<'_> {
    fn count_users(&mut self) -> StoreResult<i64> {
        users::count_users(self.db()?)
    }
    fn user(&mut self, user_id: i64) -> StoreResult<Option<User>> {
        users::get_user(self.db()?, user_id)
    }
    fn user_id_by_name(&mut self, user_name: &str) -> StoreResult<Option<i64>> {
        users::find_user_id_by_name(self.db()?, user_name)
    }
    fn users_page(&mut self, page: Page) -> StoreResult<(i64, Vec<User>)> {
        users::list_users(self.db()?, page.size, page.offset())
    }
    fn active_admin_count(&mut self) -> StoreResult<i64> {
        users::active_admins(self.db()?)
    }
    fn login_record(&mut self, user_name: &str) -> StoreResult<Option<LoginRecord>> {
        users::login_record(self.db()?, user_name)
    }
    fn caller_for_token(&mut self, token_hash: &[u8], now: Stamp) -> StoreResult<Option<Caller>> {
        users::caller_for_token(self.db()?, token_hash, now)
    }
    fn live_api_tokens(&mut self, user_id: i64, now: Stamp) -> StoreResult<Vec<TokenInfo>> {
        users::list_api_tokens(self.db()?, user_id, now)
    }
    fn token_record(&mut self, token_id: i64) -> StoreResult<Option<TokenRecord>> {
        users::token_record(self.db()?, token_id)
    }
    fn credential_changes(&mut self) -> StoreResult<i64> {
        // Counted by this instance's listener, from every instance's NOTIFY.
        Ok(self.credential_changes)
    }

    fn login_history(
        &mut self,
        key: &ThrottleKey,
        user_id: Option<i64>,
        window_start: Stamp,
    ) -> StoreResult<LoginHistory> {
        throttle::history(self.db()?, key, user_id, window_start)
    }
    fn locked_names(&mut self, window_start: Stamp) -> StoreResult<Vec<LockedName>> {
        throttle::locked_names(self.db()?, window_start)
    }

    fn audit_page(&mut self, filter: &AuditFilter, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)> {
        audit::page(self.db()?, filter, page.size, page.offset())
    }

    fn property(&mut self, property_id: i64) -> StoreResult<Option<Property>> {
        directory::get_property(self.db()?, property_id)
    }
    fn properties_page(
        &mut self,
        scope: Option<&[i64]>,
        ids: Option<&[i64]>,
        status: PropertyStatus,
        page: Page,
    ) -> StoreResult<(i64, Vec<Property>)> {
        directory::list_properties(self.db()?, scope, ids, status, page.size, page.offset())
    }
    fn unit(&mut self, unit_id: i64) -> StoreResult<Option<Unit>> {
        directory::get_unit(self.db()?, unit_id)
    }
    fn units_by_ids(&mut self, scope: Option<&[i64]>, ids: &[i64], page: Page) -> StoreResult<(i64, Vec<Unit>)> {
        directory::units_by_ids(self.db()?, scope, ids, page.size, page.offset())
    }
    fn units_of_property(&mut self, property_id: i64, sort: UnitSort) -> StoreResult<Vec<Unit>> {
        directory::units_of_property(self.db()?, property_id, sort)
    }
    fn resident(&mut self, resident_id: i64) -> StoreResult<Option<Resident>> {
        directory::get_resident(self.db()?, resident_id)
    }
    fn residents_of_unit(&mut self, unit_id: i64) -> StoreResult<Vec<Resident>> {
        directory::residents_of_unit(self.db()?, unit_id)
    }
    fn residents_of_property(&mut self, property_id: i64) -> StoreResult<Vec<Resident>> {
        directory::residents_of_property(self.db()?, property_id)
    }
    fn directory_is_empty(&mut self) -> StoreResult<bool> {
        directory::directory_is_empty(self.db()?)
    }
    fn known_properties(&mut self, property_ids: &[i64]) -> StoreResult<Vec<i64>> {
        directory::known_properties(self.db()?, property_ids)
    }
    fn unit_owners(&mut self, unit_ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
        directory::unit_owners(self.db()?, unit_ids)
    }
    fn directory_size(&mut self) -> StoreResult<DirectorySize> {
        directory::directory_size(self.db()?)
    }

    fn reasons(&mut self, include_inactive: bool) -> StoreResult<Vec<CallLogReason>> {
        catalog::list_reasons(self.db()?, include_inactive)
    }
    fn reason(&mut self, reason_id: i64) -> StoreResult<Option<CallLogReason>> {
        catalog::get_reason(self.db()?, reason_id)
    }
    fn statuses(&mut self, include_inactive: bool) -> StoreResult<Vec<ModuleStatus>> {
        catalog::list_statuses(self.db()?, include_inactive)
    }
    fn status(&mut self, status_id: i64) -> StoreResult<Option<ModuleStatus>> {
        catalog::get_status(self.db()?, status_id)
    }
    fn default_status(&mut self) -> StoreResult<Option<ModuleStatus>> {
        catalog::default_status(self.db()?)
    }
    fn catalog_name_taken(&mut self, which: Catalog, name: &str, except_id: i64) -> StoreResult<bool> {
        catalog::name_taken(self.db()?, which, name, except_id)
    }
    fn last_display_order(&mut self, which: Catalog) -> StoreResult<Option<i64>> {
        catalog::last_display_order(self.db()?, which)
    }
    fn unknown_catalog_ids(&mut self, which: Catalog, ids: &[i64]) -> StoreResult<Vec<i64>> {
        catalog::unknown_ids(self.db()?, which, ids)
    }

    fn call_log(&mut self, log_id: i64) -> StoreResult<Option<CallLog>> {
        calllogs::get(self.db()?, log_id)
    }
    fn call_log_head(&mut self, log_id: i64) -> StoreResult<Option<LogHead>> {
        // In a write, the row stays locked to the end: a concurrent write of
        // the same log (another instance's If-Match) waits, then sees this one.
        let lock = self.writing;
        calllogs::head(self.db()?, log_id, lock)
    }
    fn history(&mut self, log_id: i64, page: Page) -> StoreResult<(i64, Vec<HistoryEntry>)> {
        calllogs::history(self.db()?, log_id, page.size, page.offset())
    }
    fn list_call_logs(&mut self, filter: &CallLogFilter, page: Page) -> StoreResult<(i64, Vec<CallLog>)> {
        if filter.modified_since.is_some() {
            self.begin_after_writes_in_flight()?;
        }
        calllogs::list(self.db()?, filter, page.size, page.offset())
    }
    fn export_chunk(
        &mut self,
        filter: &CallLogFilter,
        after: Option<ExportCursor>,
        limit: usize,
    ) -> StoreResult<Vec<ExportRow>> {
        calllogs::export_chunk(self.db()?, filter, after, limit)
    }
    fn property_counts(&mut self, property_id: i64) -> StoreResult<CategoryCounts> {
        calllogs::property_counts(self.db()?, property_id)
    }
    fn unit_counts(&mut self, property_id: i64) -> StoreResult<Vec<UnitSummary>> {
        calllogs::unit_counts(self.db()?, property_id)
    }
    fn idempotent_log(&mut self, user_id: i64, key: &str, since: Stamp) -> StoreResult<Option<RememberedKey>> {
        calllogs::find_idempotent(self.db()?, user_id, key, since)
    }

    fn lookup_residents(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[i64]>,
        limit: usize,
    ) -> StoreResult<Vec<ResidentPlace>> {
        lookup::residents(self.db()?, query, properties, limit)
    }
    fn lookup_units(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[i64]>,
        limit: usize,
    ) -> StoreResult<Vec<UnitPlace>> {
        lookup::units(self.db()?, query, properties, limit)
    }
    fn lookup_properties(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[i64]>,
        limit: usize,
    ) -> StoreResult<Vec<Property>> {
        lookup::properties(self.db()?, query, properties, limit)
    }
    fn call_log_brief(&mut self, log_id: i64) -> StoreResult<Option<CallLogBrief>> {
        lookup::call_log_brief(self.db()?, log_id)
    }
}

impl Writes for PgTx<'_> {
    fn insert_user(&mut self, user: &NewUser, password_hash: &str, now: Stamp) -> StoreResult<i64> {
        users::insert_user(self.db()?, user, password_hash, now)
    }
    fn update_user(&mut self, user_id: i64, changes: &UserChanges, password_hash: Option<&str>) -> StoreResult<()> {
        users::update_user(self.db()?, user_id, changes, password_hash)
    }
    fn set_user_properties(&mut self, user_id: i64, property_ids: &[i64]) -> StoreResult<()> {
        users::set_property_ids(self.db()?, user_id, property_ids)
    }
    fn insert_token(&mut self, token: &NewToken) -> StoreResult<i64> {
        users::insert_token(self.db()?, token)
    }
    fn revoke_token(&mut self, user_id: i64, token_id: i64, now: Stamp) -> StoreResult<bool> {
        users::revoke_token(self.db()?, user_id, token_id, now)
    }
    fn revoke_all_tokens(&mut self, user_id: i64, now: Stamp) -> StoreResult<()> {
        users::revoke_all_tokens(self.db()?, user_id, now)
    }
    fn revoke_other_sessions(&mut self, user_id: i64, keep_token_id: i64, now: Stamp) -> StoreResult<()> {
        users::revoke_other_sessions(self.db()?, user_id, keep_token_id, now)
    }
    fn revoke_sessions(&mut self, user_id: i64, now: Stamp) -> StoreResult<()> {
        users::revoke_sessions(self.db()?, user_id, now)
    }

    fn record_login_failure(&mut self, key: &ThrottleKey, at: Stamp, forget_before: Stamp) -> StoreResult<()> {
        throttle::record_failure(self.db()?, key, at, forget_before)
    }
    fn record_login_success(
        &mut self,
        key: &ThrottleKey,
        user_id: i64,
        at: Stamp,
        forget_before: Stamp,
    ) -> StoreResult<()> {
        throttle::record_success(self.db()?, key, user_id, at, forget_before)
    }
    fn clear_login_failures(&mut self, name: &NameKey) -> StoreResult<u64> {
        throttle::clear_failures(self.db()?, name)
    }

    fn record_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        audit::insert(self.db()?, entry)
    }

    fn upsert_properties(&mut self, properties: &[Property]) -> StoreResult<()> {
        directory::upsert_properties(self.db()?, properties)
    }
    fn upsert_units(&mut self, units: &[Unit]) -> StoreResult<()> {
        directory::upsert_units(self.db()?, units)
    }
    fn upsert_residents(&mut self, residents: &[Resident]) -> StoreResult<()> {
        directory::upsert_residents(self.db()?, residents)
    }

    fn insert_reason(&mut self, name: &str, display_order: i64) -> StoreResult<i64> {
        catalog::insert_reason(self.db()?, name, display_order)
    }
    fn update_reason(&mut self, reason_id: i64, changes: &CatalogInput) -> StoreResult<()> {
        catalog::update_reason(self.db()?, reason_id, changes)
    }
    fn insert_status(&mut self, name: &str, category: &str, display_order: i64) -> StoreResult<i64> {
        catalog::insert_status(self.db()?, name, category, display_order)
    }
    fn update_status(&mut self, status_id: i64, changes: &CatalogInput) -> StoreResult<()> {
        catalog::update_status(self.db()?, status_id, changes)
    }
    fn clear_default_status(&mut self, except_id: i64) -> StoreResult<()> {
        catalog::clear_default(self.db()?, except_id)
    }

    fn insert_call_log(&mut self, row: &CallLogRow) -> StoreResult<i64> {
        calllogs::insert(self.db()?, row)
    }
    fn link_reasons(&mut self, log_id: i64, reason_ids: &[i64]) -> StoreResult<()> {
        calllogs::link_reasons(self.db()?, log_id, reason_ids)
    }
    fn append_events(
        &mut self,
        log_id: i64,
        after_event_no: i64,
        events: &[NewEvent],
        author: &Author,
        now: Stamp,
    ) -> StoreResult<i64> {
        calllogs::append_events(self.db()?, log_id, after_event_no, events, author, now)
    }
    fn set_notes(&mut self, log_id: i64, notes: Option<&str>) -> StoreResult<()> {
        calllogs::set_notes(self.db()?, log_id, notes)
    }
    fn set_status(&mut self, log_id: i64, status_id: i64) -> StoreResult<()> {
        calllogs::set_status(self.db()?, log_id, status_id)
    }
    fn set_deleted(&mut self, log_id: i64, deleted: bool) -> StoreResult<()> {
        calllogs::set_deleted(self.db()?, log_id, deleted)
    }
    fn remember_idempotency_key(
        &mut self,
        user_id: i64,
        key: &str,
        remembered: &RememberedKey,
        now: Stamp,
    ) -> StoreResult<()> {
        calllogs::remember_idempotent(self.db()?, user_id, key, remembered, now)
    }
    fn lock_rules(&mut self, rules: RuleLock) -> StoreResult<()> {
        // Until COMMIT: a concurrent write under the same rules, from any
        // instance, waits here and then reads what this one wrote.
        self.db()?.execute("SELECT pg_advisory_xact_lock($1)", &[&rules.lock_key()])?;
        Ok(())
    }
    fn forget_idempotency_keys_before(&mut self, before: Stamp) -> StoreResult<()> {
        calllogs::forget_idempotent_before(self.db()?, before)
    }
}
