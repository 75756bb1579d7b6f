//! The one seam to the database.
//!
//! The service runs *units of work* against the store: `read` hands a
//! closure a `&mut dyn Reads` (one consistent read transaction), `write` a
//! `&mut dyn Writes` (one write transaction, committed before `write`
//! returns). The closures see only these traits — domain types in and out,
//! no connection, no SQL — so the rules of `service/` hold on any engine.
//! `Reads` and `Writes` combine one small pair of traits per aggregate
//! (`UserReads`/`UserWrites`, `CallLogReads`/`CallLogWrites`, …), which each
//! engine implements over its own transaction type in the aggregate's own
//! module, and the engine decides where the work runs: SQLite on a pooled
//! read-only connection or on its single writer thread (`sqlite/`).
//!
//! `Store` is an enum over engines rather than a trait object because its
//! `read`/`write` are generic over the closure's result and error types
//! (which a `dyn` trait cannot be); the engine is chosen once, at start.

pub mod copy;
pub mod migration;
pub mod postgres;
pub mod shared;
pub mod sqlite;

use crate::config::{Database, StoreConfig};
use crate::domain::audit::{AuditEntry, AuditFilter};
use crate::domain::calllogs::Author;
use crate::domain::calllogs::{
    CallLog, CallLogFilter, CallLogRow, CategoryCounts, ExportRow, HistoryEntry, LogHead, NewEvent, RememberedKey,
    UnitSummary,
};
use crate::domain::catalog::{CallLogReason, CatalogInput, ModuleStatus, StatusCategory};
use crate::domain::directory::{Property, PropertyStatus, Resident, Unit, UnitSort};
use crate::domain::ids::{LogId, PropertyId, ReasonId, ResidentId, StatusId, TokenId, UnitId, UserId};
use crate::domain::lookup::{CallLogBrief, LookupQuery, NearWords, ResidentPlace, UnitPlace};
use crate::domain::query::Page;
use crate::domain::settings::OfficeSettings;
use crate::domain::throttle::{LockedName, LoginHistory, NameKey, ThrottleKey};
use crate::domain::time::Stamp;
use crate::domain::users::{Caller, LoginRecord, NewToken, NewUser, TokenInfo, TokenRecord, User, UserChanges};
use std::path::Path;

/// Why the store could not do what it was asked; the variant says what it is.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// No capacity right now (write queue full, no pooled connection, shutting
    /// down): the client should retry shortly.
    #[error("the store is busy: {0}")]
    Busy(String),
    /// The database refused to write (disk full, read-only file, I/O error);
    /// nothing of the request was kept.
    #[error("the database refused the write: {0}")]
    WriteRefused(String),
    /// Anything else: a defect, logged with its cause.
    #[error("store failure: {0}")]
    Failed(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Why a maintenance command on a database (a check, a backup, a copy into
/// PostgreSQL) failed: one line for the operator, naming the file or the
/// server and the cause. Built from the text of the step that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MaintenanceError(pub String);

impl From<String> for MaintenanceError {
    fn from(text: String) -> Self {
        MaintenanceError(text)
    }
}

impl From<&str> for MaintenanceError {
    fn from(text: &str) -> Self {
        MaintenanceError(text.to_string())
    }
}

/// A stored word (a role, a status category) that names no variant of the
/// enum it is read as: a row written past the schema's checks or by another
/// binary. Reading it is an error naming the column and the value, never a
/// silent default (a role read as `viewer` would demote an admin unseen).
#[derive(Debug, Clone, thiserror::Error)]
#[error("column {column} holds {value:?}, which is not a {of}")]
pub struct UnknownWord {
    pub column: String,
    pub value: String,
    /// The enum's name (`Role`).
    pub of: &'static str,
}

impl UnknownWord {
    /// `text` read as a `T` named by its words (strum's `EnumString`), from `column`.
    pub fn parse<T: std::str::FromStr>(column: &str, text: String) -> Result<T, UnknownWord> {
        text.parse().map_err(|_| UnknownWord {
            column: column.to_string(),
            value: text,
            of: std::any::type_name::<T>().rsplit("::").next().unwrap_or("known value"),
        })
    }
}

impl From<UnknownWord> for StoreError {
    fn from(e: UnknownWord) -> Self {
        StoreError::Failed(e.to_string())
    }
}

/// Which catalog a name or id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    Reasons,
    Statuses,
}

/// Rules over many rows that a write checks and then keeps (exactly one
/// default status, a unique catalog name, the last active admin): a write
/// under them runs alone among such writes, from any instance, so what it
/// read still holds when it commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLock {
    Catalog(Catalog),
    Users,
    /// An import checks the stored directory before it writes.
    Directory,
}

impl RuleLock {
    /// A key of its own for each, in the engine's lock space.
    pub fn lock_key(self) -> i64 {
        const BASE: i64 = 0x6361_6c6c_6c6f_6700;
        match self {
            RuleLock::Catalog(Catalog::Reasons) => BASE + 0x10,
            RuleLock::Catalog(Catalog::Statuses) => BASE + 0x11,
            RuleLock::Users => BASE + 0x12,
            RuleLock::Directory => BASE + 0x13,
        }
    }
}

/// How many properties and units the directory holds. Directory rows are
/// never deleted and a unit never changes property, so what an import
/// checked of the stored directory still holds as long as these counts have
/// not moved: only a new row (another import's) can change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectorySize {
    pub properties: i64,
    pub units: i64,
}

/// Where an export's next chunk starts: after this row in the list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportCursor {
    pub sort_value: i64,
    pub log_id: LogId,
}

// The seam, one pair of traits per aggregate: what a read transaction may
// ask (`…Reads`) and what only a write transaction may do (`…Writes`). Each
// engine implements them on its transaction type in the aggregate's own
// module (`sqlite/users.rs`, `postgres/users.rs`, …), so a new column or
// question is one trait line and one method per engine, side by side with
// its SQL. `Reads` and `Writes` only combine them, so that the service's
// units of work take one `&mut dyn Reads` or `&mut dyn Writes`.

/// Users and their tokens.
pub trait UserReads {
    fn count_users(&mut self) -> StoreResult<i64>;
    fn user(&mut self, user_id: UserId) -> StoreResult<Option<User>>;
    fn user_id_by_name(&mut self, user_name: &str) -> StoreResult<Option<UserId>>;
    fn users_page(&mut self, page: Page) -> StoreResult<(i64, Vec<User>)>;
    fn active_admin_count(&mut self) -> StoreResult<i64>;
    fn login_record(&mut self, user_name: &str) -> StoreResult<Option<LoginRecord>>;
    /// The caller a token hash stands for, when the token is live and its user active.
    fn caller_for_token(&mut self, token_hash: &[u8], now: Stamp) -> StoreResult<Option<Caller>>;
    fn live_api_tokens(&mut self, user_id: UserId, now: Stamp) -> StoreResult<Vec<TokenInfo>>;
    /// A token by id, live or not.
    fn token_record(&mut self, token_id: TokenId) -> StoreResult<Option<TokenRecord>>;
    /// How many changes to credentials (a token revoked, a user or its links
    /// changed) the database has seen, by any process: when it moves, tokens
    /// verified earlier must be verified again.
    fn credential_changes(&mut self) -> StoreResult<i64>;
}

pub trait UserWrites {
    fn insert_user(&mut self, user: &NewUser, password_hash: &str, now: Stamp) -> StoreResult<UserId>;
    /// Applies `changes` (its clear password is ignored: the new hash, if any, is `password_hash`).
    fn update_user(&mut self, user_id: UserId, changes: &UserChanges, password_hash: Option<&str>) -> StoreResult<()>;
    fn set_user_properties(&mut self, user_id: UserId, property_ids: &[PropertyId]) -> StoreResult<()>;
    fn insert_token(&mut self, token: &NewToken) -> StoreResult<TokenId>;
    /// Revokes one live token of `user_id`; false when it has none such.
    fn revoke_token(&mut self, user_id: UserId, token_id: TokenId, now: Stamp) -> StoreResult<bool>;
    fn revoke_all_tokens(&mut self, user_id: UserId, now: Stamp) -> StoreResult<()>;
    /// Revokes the user's live session tokens except `keep_token_id` (API tokens stay).
    fn revoke_other_sessions(&mut self, user_id: UserId, keep_token_id: TokenId, now: Stamp) -> StoreResult<()>;
    /// Revokes all the user's live session tokens (API tokens stay): its password changed.
    fn revoke_sessions(&mut self, user_id: UserId, now: Stamp) -> StoreResult<()>;
}

/// The sign-in throttle (`domain::throttle`).
pub trait ThrottleReads {
    /// What is on record for `key` after `window_start` (its deciding
    /// failures), and when `user_id` last signed in from `key`'s address.
    fn login_history(
        &mut self,
        key: &ThrottleKey,
        user_id: Option<UserId>,
        window_start: Stamp,
    ) -> StoreResult<LoginHistory>;
    /// The names that a limit refuses somewhere, by their failures after `window_start`.
    fn locked_names(&mut self, window_start: Stamp) -> StoreResult<Vec<LockedName>>;
}

/// The throttle's writes drop what no longer counts as they write.
pub trait ThrottleWrites {
    /// A failed password check for `key` at `at`; failures at or before
    /// `forget_before` are deleted.
    fn record_login_failure(&mut self, key: &ThrottleKey, at: Stamp, forget_before: Stamp) -> StoreResult<()>;
    /// `user_id` signed in from `key`'s address at `at`: the failures from
    /// that address are forgiven (for its own limit) and the address is
    /// known for the user; known addresses with no success after
    /// `forget_before`, and the user's beyond its `KNOWN_ADDRESSES_PER_USER`
    /// most recent, are deleted.
    fn record_login_success(
        &mut self,
        key: &ThrottleKey,
        user_id: UserId,
        at: Stamp,
        forget_before: Stamp,
    ) -> StoreResult<()>;
    /// Deletes every failure on record for `name`; how many there were.
    fn clear_login_failures(&mut self, name: &NameKey) -> StoreResult<u64>;
}

/// The admin audit.
pub trait AuditReads {
    /// One page of the entries matching `filter`, newest first, and how many match.
    fn audit_page(&mut self, filter: &AuditFilter, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)>;
}

pub trait AuditWrites {
    /// An entry is written inside the write that makes the change.
    fn record_audit(&mut self, entry: &AuditEntry) -> StoreResult<()>;
}

/// The directory: a copy of the outside system's properties, units and residents.
pub trait DirectoryReads {
    fn property(&mut self, property_id: PropertyId) -> StoreResult<Option<Property>>;
    /// Properties within `scope` (None = all), optionally only `ids`, by status.
    fn properties_page(
        &mut self,
        scope: Option<&[PropertyId]>,
        ids: Option<&[PropertyId]>,
        status: PropertyStatus,
        page: Page,
    ) -> StoreResult<(i64, Vec<Property>)>;
    fn unit(&mut self, unit_id: UnitId) -> StoreResult<Option<Unit>>;
    /// Units by id within `scope`, ordered by id.
    fn units_by_ids(
        &mut self,
        scope: Option<&[PropertyId]>,
        ids: &[UnitId],
        page: Page,
    ) -> StoreResult<(i64, Vec<Unit>)>;
    fn units_of_property(&mut self, property_id: PropertyId, sort: UnitSort) -> StoreResult<Vec<Unit>>;
    fn resident(&mut self, resident_id: ResidentId) -> StoreResult<Option<Resident>>;
    fn residents_of_unit(&mut self, unit_id: UnitId) -> StoreResult<Vec<Resident>>;
    fn residents_of_property(&mut self, property_id: PropertyId) -> StoreResult<Vec<Resident>>;
    fn directory_is_empty(&mut self) -> StoreResult<bool>;
    /// The ids of `property_ids` that are stored.
    fn known_properties(&mut self, property_ids: &[PropertyId]) -> StoreResult<Vec<PropertyId>>;
    /// The stored units of `unit_ids`, each with its property: `(unit_id, property_id)`.
    fn unit_owners(&mut self, unit_ids: &[UnitId]) -> StoreResult<Vec<(UnitId, PropertyId)>>;
    /// How many properties and units are stored (see [`DirectorySize`]).
    fn directory_size(&mut self) -> StoreResult<DirectorySize>;
}

/// Whole rows replaced by id. An import writes its rows a slice at a time,
/// each slice in as few statements as the engine can (one statement per row
/// would make the lookup's indexes take each row on its own).
pub trait DirectoryWrites {
    fn upsert_properties(&mut self, properties: &[Property]) -> StoreResult<()>;
    /// Units keep their property (the service refuses a move before it writes).
    fn upsert_units(&mut self, units: &[Unit]) -> StoreResult<()>;
    fn upsert_residents(&mut self, residents: &[Resident]) -> StoreResult<()>;
    /// Adds these folded name words (see [`LookupReads::offer_near_name_words`])
    /// to those known; words already known are left as they are.
    fn record_name_words(&mut self, words: &[String]) -> StoreResult<()>;
}

/// The catalog: call-log reasons and statuses.
pub trait CatalogReads {
    fn reasons(&mut self, include_inactive: bool) -> StoreResult<Vec<CallLogReason>>;
    fn reason(&mut self, reason_id: ReasonId) -> StoreResult<Option<CallLogReason>>;
    fn statuses(&mut self, include_inactive: bool) -> StoreResult<Vec<ModuleStatus>>;
    fn status(&mut self, status_id: StatusId) -> StoreResult<Option<ModuleStatus>>;
    fn default_status(&mut self) -> StoreResult<Option<ModuleStatus>>;
    /// Whether another entry (not `except_id`) has this name, ignoring case beyond ASCII.
    fn catalog_name_taken(&mut self, catalog: Catalog, name: &str, except_id: i64) -> StoreResult<bool>;
    /// The highest `DisplayOrder` of the catalog, `None` when it is empty.
    fn last_display_order(&mut self, catalog: Catalog) -> StoreResult<Option<i64>>;
    /// The ids of `ids` that are not in the catalog.
    fn unknown_catalog_ids(&mut self, catalog: Catalog, ids: &[i64]) -> StoreResult<Vec<i64>>;
}

pub trait CatalogWrites {
    fn insert_reason(&mut self, name: &str, display_order: i64) -> StoreResult<ReasonId>;
    fn update_reason(&mut self, reason_id: ReasonId, changes: &CatalogInput) -> StoreResult<()>;
    fn insert_status(&mut self, name: &str, category: StatusCategory, display_order: i64) -> StoreResult<StatusId>;
    fn update_status(&mut self, status_id: StatusId, changes: &CatalogInput) -> StoreResult<()>;
    /// Un-defaults every status but `except_id`.
    fn clear_default_status(&mut self, except_id: StatusId) -> StoreResult<()>;
}

/// Call logs, their thread of events, and what is counted and exported of them.
pub trait CallLogReads {
    /// A log with its reasons and comments, deleted or not (the service decides).
    fn call_log(&mut self, log_id: LogId) -> StoreResult<Option<CallLog>>;
    /// The columns a write's rules need, never the thread. Inside a write
    /// the engine may lock the row to the end of the transaction.
    fn call_log_head(&mut self, log_id: LogId) -> StoreResult<Option<LogHead>>;
    fn history(&mut self, log_id: LogId, page: Page) -> StoreResult<(i64, Vec<HistoryEntry>)>;
    /// One page of the logs matching `filter`, and how many match in all,
    /// both in the transaction's one snapshot. A `modifiedSince` list is
    /// run with [`Store::read_settled`], whose snapshot is taken after the
    /// writes in flight.
    fn list_call_logs(&mut self, filter: &CallLogFilter, page: Page) -> StoreResult<(i64, Vec<CallLog>)>;
    /// Up to `limit` rows of an export after `after`, in the list's order.
    fn export_chunk(
        &mut self,
        filter: &CallLogFilter,
        after: Option<ExportCursor>,
        limit: usize,
    ) -> StoreResult<Vec<ExportRow>>;
    fn property_counts(&mut self, property_id: PropertyId) -> StoreResult<CategoryCounts>;
    fn unit_counts(&mut self, property_id: PropertyId) -> StoreResult<Vec<UnitSummary>>;
}

pub trait CallLogWrites {
    /// What this user's `Idempotency-Key` created at or after `since`, and
    /// the body it came with. Asked only inside the write that would create
    /// the log: PostgreSQL locks the key until that write ends, so a retry
    /// racing it waits and then finds it.
    fn idempotent_log(&mut self, user_id: UserId, key: &str, since: Stamp) -> StoreResult<Option<RememberedKey>>;
    /// Inserts the log (searchable at once); returns its new id.
    fn insert_call_log(&mut self, row: &CallLogRow) -> StoreResult<LogId>;
    fn link_reasons(&mut self, log_id: LogId, reason_ids: &[ReasonId]) -> StoreResult<()>;
    /// Appends `events` after event `after_event_no` and stamps the log
    /// modified at `now`; comments become searchable. Returns the new last event number.
    fn append_events(
        &mut self,
        log_id: LogId,
        after_event_no: i64,
        events: &[NewEvent],
        author: &Author,
        now: Stamp,
    ) -> StoreResult<i64>;
    fn set_notes(&mut self, log_id: LogId, notes: Option<&str>) -> StoreResult<()>;
    fn set_status(&mut self, log_id: LogId, status_id: StatusId) -> StoreResult<()>;
    fn set_deleted(&mut self, log_id: LogId, deleted: bool) -> StoreResult<()>;
    fn remember_idempotency_key(
        &mut self,
        user_id: UserId,
        key: &str,
        remembered: &RememberedKey,
        now: Stamp,
    ) -> StoreResult<()>;
    fn forget_idempotency_keys_before(&mut self, before: Stamp) -> StoreResult<()>;
}

/// The lookup: each limited to `properties` (None = every property), at most `limit`.
pub trait LookupReads {
    fn lookup_residents(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<ResidentPlace>>;
    fn lookup_units(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<UnitPlace>>;
    fn lookup_properties(
        &mut self,
        query: &LookupQuery,
        properties: Option<&[PropertyId]>,
        limit: usize,
    ) -> StoreResult<Vec<Property>>;
    /// Whether some known name word (folded) begins with `prefix` (folded).
    fn name_word_begins(&mut self, prefix: &str) -> StoreResult<bool>;
    /// Offers `near` the known name words (folded) that may be near its
    /// word, for "Did you mean" (docs/console.md §7): those of its keys when
    /// it has them, else those of its lengths.
    fn offer_near_name_words(&mut self, near: &mut NearWords) -> StoreResult<()>;
    /// A live log's id, place, subject and caller.
    fn call_log_brief(&mut self, log_id: LogId) -> StoreResult<Option<CallLogBrief>>;
}

/// The office's settings (docs/api.md §16): one row.
pub trait SettingsReads {
    fn office_settings(&mut self) -> StoreResult<OfficeSettings>;
}

pub trait SettingsWrites {
    fn put_office_settings(&mut self, settings: &OfficeSettings) -> StoreResult<()>;
}

/// Rules over many rows (see [`RuleLock`]), only inside a write.
pub trait RuleLocks {
    /// Call first in a write whose rules span rows.
    fn lock_rules(&mut self, rules: RuleLock) -> StoreResult<()>;
}

/// Everything a read transaction may ask.
pub trait Reads:
    UserReads + ThrottleReads + AuditReads + DirectoryReads + CatalogReads + CallLogReads + LookupReads + SettingsReads
{
}

impl<T> Reads for T where
    T: UserReads
        + ThrottleReads
        + AuditReads
        + DirectoryReads
        + CatalogReads
        + CallLogReads
        + LookupReads
        + SettingsReads
{
}

/// Everything a write transaction may do, reads included.
pub trait Writes:
    Reads
    + UserWrites
    + ThrottleWrites
    + AuditWrites
    + DirectoryWrites
    + CatalogWrites
    + CallLogWrites
    + SettingsWrites
    + RuleLocks
{
}

impl<T> Writes for T where
    T: Reads
        + UserWrites
        + ThrottleWrites
        + AuditWrites
        + DirectoryWrites
        + CatalogWrites
        + CallLogWrites
        + SettingsWrites
        + RuleLocks
{
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

/// What `/metrics` shows of the store: SQLite's writer and read pool, or
/// PostgreSQL's connection pool (docs/operations.md §6).
#[derive(Debug, Clone, Copy)]
pub enum StoreStats {
    Sqlite {
        write_queue_depth: usize,
        write_batches: u64,
        forced_checkpoints: u64,
        pool_connections: u32,
        pool_idle_connections: u32,
    },
    Postgres {
        pool_connections: u32,
        pool_idle_connections: u32,
        pool_max_connections: u32,
        /// Requests that found no connection within the pool's wait (answered 503/115).
        pool_timeouts: u64,
        committed_writes: u64,
    },
}

/// The database, on the engine chosen at start.
#[derive(Clone)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl Store {
    /// Opens (creating and upgrading if needed) the database `config` names.
    pub fn open(config: &StoreConfig) -> Result<Store, OpenError> {
        match &config.database {
            Database::Sqlite(path) => Ok(Store::Sqlite(sqlite::SqliteStore::open(path, config)?)),
            Database::Postgres(url) => Ok(Store::Postgres(postgres::PgStore::open(url, config)?)),
        }
    }

    /// Runs `work` in one read transaction, off the async workers.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Reads) -> Result<T, E> + Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.read(work).await,
            Store::Postgres(s) => s.read(work).await,
        }
    }

    /// `read` whose one snapshot is taken after the writes in flight have
    /// ended, so that a `modifiedSince` poll never misses a write that
    /// stamped an earlier time but commits later. On SQLite the single
    /// writer already orders them: it is `read`.
    pub async fn read_settled<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Reads) -> Result<T, E> + Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.read(work).await,
            Store::Postgres(s) => s.read_settled(work).await,
        }
    }

    /// `read` for threads that may block (an export's producer).
    pub fn read_blocking<T, E>(&self, work: impl FnOnce(&mut dyn Reads) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        match self {
            Store::Sqlite(s) => s.read_blocking(work),
            Store::Postgres(s) => s.read_blocking(work),
        }
    }

    /// Runs `work` in one write transaction; resolves after it committed.
    /// An `Err` from `work` rolls back everything it did.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, E> + Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.write(work).await,
            Store::Postgres(s) => s.write(work).await,
        }
    }

    /// `write` for work that changes the directory and no call log (an
    /// import). On PostgreSQL its transaction does not hold the change
    /// clock (`postgres::CHANGE_CLOCK_LOCK`): it stamps no log, so a
    /// `modifiedSince` poll need not wait for it, and neither need the
    /// writes queued behind such a poll. On SQLite it is `write`.
    pub async fn write_directory<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, E> + Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.write(work).await,
            Store::Postgres(s) => s.write_unclocked(work).await,
        }
    }

    /// `write` for threads that may block (a password check's thread,
    /// recording its outcome before it lets its permit go).
    pub fn write_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Writes) -> Result<T, E> + Send + 'static,
    {
        match self {
            Store::Sqlite(s) => s.write_blocking(work),
            Store::Postgres(s) => s.write_blocking(work),
        }
    }

    /// The credential changes this process has heard of without asking the
    /// database, when its engine hears them as they commit (PostgreSQL's
    /// LISTEN); `None` when they must be read (SQLite: `Reads::credential_changes`).
    pub fn heard_credential_changes(&self) -> Option<i64> {
        match self {
            Store::Sqlite(_) => None,
            Store::Postgres(s) => Some(s.heard_credential_changes()),
        }
    }

    pub fn stats(&self) -> StoreStats {
        match self {
            Store::Sqlite(s) => s.stats(),
            Store::Postgres(s) => s.stats(),
        }
    }

    /// Commits what is queued and stops; later writes answer busy.
    pub fn close(&self) {
        match self {
            Store::Sqlite(s) => s.close(),
            Store::Postgres(s) => s.close(),
        }
    }

    /// The SQLite engine, for tests of its own mechanics (the test-only door).
    #[cfg(feature = "testing")]
    pub fn sqlite(&self) -> Option<&sqlite::SqliteStore> {
        match self {
            Store::Sqlite(s) => Some(s),
            Store::Postgres(_) => None,
        }
    }
}

/// `calllog check`: an integrity check of the database at `path`.
pub fn integrity_check(path: &Path) -> Result<(), MaintenanceError> {
    sqlite::integrity_check(path)
}

/// `calllog backup`: a consistent, verified copy of the database at `path`.
pub fn backup(path: &Path, dest: &Path) -> Result<(), MaintenanceError> {
    sqlite::backup(path, dest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::users::Role;

    #[test]
    fn a_stored_word_no_variant_has_is_an_error_naming_column_and_word() {
        assert_eq!(
            UnknownWord::parse::<StatusCategory>("category", "closed".into()).ok(),
            Some(StatusCategory::Closed)
        );
        let unknown = UnknownWord::parse::<StatusCategory>("category", "archived".into()).unwrap_err();
        assert_eq!(unknown.to_string(), "column category holds \"archived\", which is not a StatusCategory");
        let role = UnknownWord::parse::<Role>("role", "owner".into()).unwrap_err();
        assert!(
            matches!(StoreError::from(role), StoreError::Failed(m) if m.contains("\"owner\"") && m.contains("Role"))
        );
    }
}
