//! PostgreSQL: calllogs (being built).

#![allow(unused_variables, unused_imports)]
use ::postgres::Client;
use crate::store::{StoreError, StoreResult, Catalog, ExportCursor};
use crate::domain::audit::*;
use crate::domain::calllogs::*;
use crate::domain::catalog::*;
use crate::domain::directory::*;
use crate::domain::lookup::*;
use crate::domain::query::*;
use crate::domain::time::Stamp;
use crate::domain::users::*;

pub fn get(db: &mut Client, log_id: i64) -> StoreResult<Option<CallLog>> {
    Err(StoreError::Failed("calllogs::get is not built on PostgreSQL yet".into()))
}

pub fn head(db: &mut Client, log_id: i64, lock: bool) -> StoreResult<Option<LogHead>> {
    Err(StoreError::Failed("calllogs::head is not built on PostgreSQL yet".into()))
}

pub fn insert(db: &mut Client, row: &CallLogRow) -> StoreResult<i64> {
    Err(StoreError::Failed("calllogs::insert is not built on PostgreSQL yet".into()))
}

pub fn link_reasons(db: &mut Client, log_id: i64, reason_ids: &[i64]) -> StoreResult<()> {
    Err(StoreError::Failed("calllogs::link_reasons is not built on PostgreSQL yet".into()))
}

pub fn append_events(
    db: &mut Client,
    log_id: i64,
    after_event_no: i64,
    events: &[NewEvent],
    author: &Author,
    now: Stamp,
) -> StoreResult<i64> {
    Err(StoreError::Failed("calllogs::append_events is not built on PostgreSQL yet".into()))
}

pub fn set_notes(db: &mut Client, log_id: i64, notes: Option<&str>) -> StoreResult<()> {
    Err(StoreError::Failed("calllogs::set_notes is not built on PostgreSQL yet".into()))
}

pub fn set_status(db: &mut Client, log_id: i64, status_id: i64) -> StoreResult<()> {
    Err(StoreError::Failed("calllogs::set_status is not built on PostgreSQL yet".into()))
}

pub fn set_deleted(db: &mut Client, log_id: i64, deleted: bool) -> StoreResult<()> {
    Err(StoreError::Failed("calllogs::set_deleted is not built on PostgreSQL yet".into()))
}

pub fn find_idempotent(db: &mut Client, user_id: i64, key: &str, since: Stamp) -> StoreResult<Option<i64>> {
    Err(StoreError::Failed("calllogs::find_idempotent is not built on PostgreSQL yet".into()))
}

pub fn remember_idempotent(db: &mut Client, user_id: i64, key: &str, log_id: i64, now: Stamp) -> StoreResult<()> {
    Err(StoreError::Failed("calllogs::remember_idempotent is not built on PostgreSQL yet".into()))
}

pub fn forget_idempotent_before(db: &mut Client, before: Stamp) -> StoreResult<()> {
    Err(StoreError::Failed("calllogs::forget_idempotent_before is not built on PostgreSQL yet".into()))
}

pub fn history(db: &mut Client, log_id: i64, limit: i64, offset: i64) -> StoreResult<(i64, Vec<HistoryEntry>)> {
    Err(StoreError::Failed("calllogs::history is not built on PostgreSQL yet".into()))
}

pub fn list(db: &mut Client, filter: &CallLogFilter, limit: i64, offset: i64) -> StoreResult<(i64, Vec<CallLog>)> {
    Err(StoreError::Failed("calllogs::list is not built on PostgreSQL yet".into()))
}

pub fn property_counts(db: &mut Client, property_id: i64) -> StoreResult<CategoryCounts> {
    Err(StoreError::Failed("calllogs::property_counts is not built on PostgreSQL yet".into()))
}

pub fn unit_counts(db: &mut Client, property_id: i64) -> StoreResult<Vec<UnitSummary>> {
    Err(StoreError::Failed("calllogs::unit_counts is not built on PostgreSQL yet".into()))
}

pub fn export_chunk(
    db: &mut Client,
    filter: &CallLogFilter,
    after: Option<ExportCursor>,
    limit: usize,
) -> StoreResult<Vec<ExportRow>> {
    Err(StoreError::Failed("calllogs::export_chunk is not built on PostgreSQL yet".into()))
}
