//! `SqliteTx`: the store's `Reads` and `Writes` over one SQLite connection
//! whose transaction the engine opened (a pooled read transaction, or the
//! writer's savepoint). Each method is one of the module functions beside it.

use super::{audit, calllogs, catalog, directory, lookup, throttle, users};
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
use rusqlite::Connection;

pub struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub fn new(conn: &'c Connection) -> SqliteTx<'c> {
        SqliteTx { conn }
    }
}

impl Reads for SqliteTx<'_> {
    fn count_users(&mut self) -> StoreResult<i64> {
        users::count_users(self.conn)
    }
    fn user(&mut self, user_id: i64) -> StoreResult<Option<User>> {
        users::get_user(self.conn, user_id)
    }
    fn user_id_by_name(&mut self, user_name: &str) -> StoreResult<Option<i64>> {
        users::find_user_id_by_name(self.conn, user_name)
    }
    fn users_page(&mut self, page: Page) -> StoreResult<(i64, Vec<User>)> {
        users::list_users(self.conn, page.size, page.offset())
    }
    fn active_admin_count(&mut self) -> StoreResult<i64> {
        users::active_admins(self.conn)
    }
    fn login_record(&mut self, user_name: &str) -> StoreResult<Option<LoginRecord>> {
        users::login_record(self.conn, user_name)
    }
    fn caller_for_token(&mut self, token_hash: &[u8], now: Stamp) -> StoreResult<Option<Caller>> {
        users::caller_for_token(self.conn, token_hash, now)
    }
    fn live_api_tokens(&mut self, user_id: i64, now: Stamp) -> StoreResult<Vec<TokenInfo>> {
        users::list_api_tokens(self.conn, user_id, now)
    }
    fn token_record(&mut self, token_id: i64) -> StoreResult<Option<TokenRecord>> {
        users::token_record(self.conn, token_id)
    }
    fn credential_changes(&mut self) -> StoreResult<i64> {
        audit::credential_changes(self.conn)
    }

    fn login_history(
        &mut self,
        key: &ThrottleKey,
        user_id: Option<i64>,
        window_start: Stamp,
    ) -> StoreResult<LoginHistory> {
        throttle::history(self.conn, key, user_id, window_start)
    }
    fn locked_names(&mut self, window_start: Stamp) -> StoreResult<Vec<LockedName>> {
        throttle::locked_names(self.conn, window_start)
    }

    fn audit_page(&mut self, filter: &AuditFilter, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)> {
        audit::page(self.conn, filter, page.size, page.offset())
    }

    fn property(&mut self, property_id: i64) -> StoreResult<Option<Property>> {
        directory::get_property(self.conn, property_id)
    }
    fn properties_page(
        &mut self,
        scope: Option<&[i64]>,
        ids: Option<&[i64]>,
        status: PropertyStatus,
        page: Page,
    ) -> StoreResult<(i64, Vec<Property>)> {
        directory::list_properties(self.conn, scope, ids, status, page.size, page.offset())
    }
    fn unit(&mut self, unit_id: i64) -> StoreResult<Option<Unit>> {
        directory::get_unit(self.conn, unit_id)
    }
    fn units_by_ids(&mut self, scope: Option<&[i64]>, ids: &[i64], page: Page) -> StoreResult<(i64, Vec<Unit>)> {
        directory::units_by_ids(self.conn, scope, ids, page.size, page.offset())
    }
    fn units_of_property(&mut self, property_id: i64, sort: UnitSort) -> StoreResult<Vec<Unit>> {
        directory::units_of_property(self.conn, property_id, sort)
    }
    fn resident(&mut self, resident_id: i64) -> StoreResult<Option<Resident>> {
        directory::get_resident(self.conn, resident_id)
    }
    fn residents_of_unit(&mut self, unit_id: i64) -> StoreResult<Vec<Resident>> {
        directory::residents_of_unit(self.conn, unit_id)
    }
    fn residents_of_property(&mut self, property_id: i64) -> StoreResult<Vec<Resident>> {
        directory::residents_of_property(self.conn, property_id)
    }
    fn directory_is_empty(&mut self) -> StoreResult<bool> {
        directory::directory_is_empty(self.conn)
    }
    fn known_properties(&mut self, property_ids: &[i64]) -> StoreResult<Vec<i64>> {
        directory::known_properties(self.conn, property_ids)
    }
    fn unit_owners(&mut self, unit_ids: &[i64]) -> StoreResult<Vec<(i64, i64)>> {
        directory::unit_owners(self.conn, unit_ids)
    }
    fn directory_size(&mut self) -> StoreResult<DirectorySize> {
        directory::directory_size(self.conn)
    }

    fn reasons(&mut self, include_inactive: bool) -> StoreResult<Vec<CallLogReason>> {
        catalog::list_reasons(self.conn, include_inactive)
    }
    fn reason(&mut self, reason_id: i64) -> StoreResult<Option<CallLogReason>> {
        catalog::get_reason(self.conn, reason_id)
    }
    fn statuses(&mut self, include_inactive: bool) -> StoreResult<Vec<ModuleStatus>> {
        catalog::list_statuses(self.conn, include_inactive)
    }
    fn status(&mut self, status_id: i64) -> StoreResult<Option<ModuleStatus>> {
        catalog::get_status(self.conn, status_id)
    }
    fn default_status(&mut self) -> StoreResult<Option<ModuleStatus>> {
        catalog::default_status(self.conn)
    }
    fn catalog_name_taken(&mut self, which: Catalog, name: &str, except_id: i64) -> StoreResult<bool> {
        catalog::name_taken(self.conn, which, name, except_id)
    }
    fn last_display_order(&mut self, which: Catalog) -> StoreResult<Option<i64>> {
        catalog::last_display_order(self.conn, which)
    }
    fn unknown_catalog_ids(&mut self, which: Catalog, ids: &[i64]) -> StoreResult<Vec<i64>> {
        catalog::unknown_ids(self.conn, which, ids)
    }

    fn call_log(&mut self, log_id: i64) -> StoreResult<Option<CallLog>> {
        calllogs::get(self.conn, log_id)
    }
    fn call_log_head(&mut self, log_id: i64) -> StoreResult<Option<LogHead>> {
        calllogs::head(self.conn, log_id)
    }
    fn history(&mut self, log_id: i64, page: Page) -> StoreResult<(i64, Vec<HistoryEntry>)> {
        calllogs::history(self.conn, log_id, page.size, page.offset())
    }
    fn list_call_logs(&mut self, filter: &CallLogFilter, page: Page) -> StoreResult<(i64, Vec<CallLog>)> {
        calllogs::list(self.conn, filter, page.size, page.offset())
    }
    fn export_chunk(
        &mut self,
        filter: &CallLogFilter,
        after: Option<ExportCursor>,
        limit: usize,
    ) -> StoreResult<Vec<ExportRow>> {
        calllogs::export_chunk(self.conn, filter, after, limit)
    }
    fn property_counts(&mut self, property_id: i64) -> StoreResult<CategoryCounts> {
        calllogs::property_counts(self.conn, property_id)
    }
    fn unit_counts(&mut self, property_id: i64) -> StoreResult<Vec<UnitSummary>> {
        calllogs::unit_counts(self.conn, property_id)
    }
    fn idempotent_log(&mut self, user_id: i64, key: &str, since: Stamp) -> StoreResult<Option<RememberedKey>> {
        calllogs::find_idempotent(self.conn, user_id, key, since)
    }

    fn lookup_residents(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[i64]>,
        limit: usize,
    ) -> StoreResult<Vec<ResidentPlace>> {
        lookup::residents(self.conn, query, properties, limit)
    }
    fn lookup_units(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[i64]>,
        limit: usize,
    ) -> StoreResult<Vec<UnitPlace>> {
        lookup::units(self.conn, query, properties, limit)
    }
    fn lookup_properties(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[i64]>,
        limit: usize,
    ) -> StoreResult<Vec<Property>> {
        lookup::properties(self.conn, query, properties, limit)
    }
    fn call_log_brief(&mut self, log_id: i64) -> StoreResult<Option<CallLogBrief>> {
        lookup::call_log_brief(self.conn, log_id)
    }
}

impl Writes for SqliteTx<'_> {
    fn lock_rules(&mut self, _rules: RuleLock) -> StoreResult<()> {
        // The single writer already runs one write at a time.
        Ok(())
    }
    fn insert_user(&mut self, user: &NewUser, password_hash: &str, now: Stamp) -> StoreResult<i64> {
        users::insert_user(self.conn, user, password_hash, now)
    }
    fn update_user(&mut self, user_id: i64, changes: &UserChanges, password_hash: Option<&str>) -> StoreResult<()> {
        users::update_user(self.conn, user_id, changes, password_hash)
    }
    fn set_user_properties(&mut self, user_id: i64, property_ids: &[i64]) -> StoreResult<()> {
        users::set_property_ids(self.conn, user_id, property_ids)
    }
    fn insert_token(&mut self, token: &NewToken) -> StoreResult<i64> {
        users::insert_token(self.conn, token)
    }
    fn revoke_token(&mut self, user_id: i64, token_id: i64, now: Stamp) -> StoreResult<bool> {
        users::revoke_token(self.conn, user_id, token_id, now)
    }
    fn revoke_all_tokens(&mut self, user_id: i64, now: Stamp) -> StoreResult<()> {
        users::revoke_all_tokens(self.conn, user_id, now)
    }
    fn revoke_other_sessions(&mut self, user_id: i64, keep_token_id: i64, now: Stamp) -> StoreResult<()> {
        users::revoke_other_sessions(self.conn, user_id, keep_token_id, now)
    }
    fn revoke_sessions(&mut self, user_id: i64, now: Stamp) -> StoreResult<()> {
        users::revoke_sessions(self.conn, user_id, now)
    }

    fn record_login_failure(&mut self, key: &ThrottleKey, at: Stamp, forget_before: Stamp) -> StoreResult<()> {
        throttle::record_failure(self.conn, key, at, forget_before)
    }
    fn record_login_success(
        &mut self,
        key: &ThrottleKey,
        user_id: i64,
        at: Stamp,
        forget_before: Stamp,
    ) -> StoreResult<()> {
        throttle::record_success(self.conn, key, user_id, at, forget_before)
    }
    fn clear_login_failures(&mut self, name: &NameKey) -> StoreResult<u64> {
        throttle::clear_failures(self.conn, name)
    }

    fn record_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        audit::insert(self.conn, entry)
    }

    fn upsert_properties(&mut self, properties: &[Property]) -> StoreResult<()> {
        directory::upsert_properties(self.conn, properties)
    }
    fn upsert_units(&mut self, units: &[Unit]) -> StoreResult<()> {
        directory::upsert_units(self.conn, units)
    }
    fn upsert_residents(&mut self, residents: &[Resident]) -> StoreResult<()> {
        directory::upsert_residents(self.conn, residents)
    }

    fn insert_reason(&mut self, name: &str, display_order: i64) -> StoreResult<i64> {
        catalog::insert_reason(self.conn, name, display_order)
    }
    fn update_reason(&mut self, reason_id: i64, changes: &CatalogInput) -> StoreResult<()> {
        catalog::update_reason(self.conn, reason_id, changes)
    }
    fn insert_status(&mut self, name: &str, category: &str, display_order: i64) -> StoreResult<i64> {
        catalog::insert_status(self.conn, name, category, display_order)
    }
    fn update_status(&mut self, status_id: i64, changes: &CatalogInput) -> StoreResult<()> {
        catalog::update_status(self.conn, status_id, changes)
    }
    fn clear_default_status(&mut self, except_id: i64) -> StoreResult<()> {
        catalog::clear_default(self.conn, except_id)
    }

    fn insert_call_log(&mut self, row: &CallLogRow) -> StoreResult<i64> {
        calllogs::insert(self.conn, row)
    }
    fn link_reasons(&mut self, log_id: i64, reason_ids: &[i64]) -> StoreResult<()> {
        calllogs::link_reasons(self.conn, log_id, reason_ids)
    }
    fn append_events(
        &mut self,
        log_id: i64,
        after_event_no: i64,
        events: &[NewEvent],
        author: &Author,
        now: Stamp,
    ) -> StoreResult<i64> {
        calllogs::append_events(self.conn, log_id, after_event_no, events, author, now)
    }
    fn set_notes(&mut self, log_id: i64, notes: Option<&str>) -> StoreResult<()> {
        calllogs::set_notes(self.conn, log_id, notes)
    }
    fn set_status(&mut self, log_id: i64, status_id: i64) -> StoreResult<()> {
        calllogs::set_status(self.conn, log_id, status_id)
    }
    fn set_deleted(&mut self, log_id: i64, deleted: bool) -> StoreResult<()> {
        calllogs::set_deleted(self.conn, log_id, deleted)
    }
    fn remember_idempotency_key(
        &mut self,
        user_id: i64,
        key: &str,
        remembered: &RememberedKey,
        now: Stamp,
    ) -> StoreResult<()> {
        calllogs::remember_idempotent(self.conn, user_id, key, remembered, now)
    }
    fn forget_idempotency_keys_before(&mut self, before: Stamp) -> StoreResult<()> {
        calllogs::forget_idempotent_before(self.conn, before)
    }
}
