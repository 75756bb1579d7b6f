//! PostgreSQL: catalog (being built).

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

pub fn list_reasons(db: &mut Client, include_inactive: bool) -> StoreResult<Vec<CallLogReason>> {
    Err(StoreError::Failed("catalog::list_reasons is not built on PostgreSQL yet".into()))
}

pub fn get_reason(db: &mut Client, reason_id: i64) -> StoreResult<Option<CallLogReason>> {
    Err(StoreError::Failed("catalog::get_reason is not built on PostgreSQL yet".into()))
}

pub fn name_taken(db: &mut Client, catalog: Catalog, name: &str, except_id: i64) -> StoreResult<bool> {
    Err(StoreError::Failed("catalog::name_taken is not built on PostgreSQL yet".into()))
}

pub fn next_display_order(db: &mut Client, catalog: Catalog) -> StoreResult<i64> {
    Err(StoreError::Failed("catalog::next_display_order is not built on PostgreSQL yet".into()))
}

pub fn insert_reason(db: &mut Client, name: &str, display_order: i64) -> StoreResult<i64> {
    Err(StoreError::Failed("catalog::insert_reason is not built on PostgreSQL yet".into()))
}

pub fn update_reason(db: &mut Client, reason_id: i64, input: &CatalogInput) -> StoreResult<()> {
    Err(StoreError::Failed("catalog::update_reason is not built on PostgreSQL yet".into()))
}

pub fn list_statuses(db: &mut Client, include_inactive: bool) -> StoreResult<Vec<ModuleStatus>> {
    Err(StoreError::Failed("catalog::list_statuses is not built on PostgreSQL yet".into()))
}

pub fn get_status(db: &mut Client, status_id: i64) -> StoreResult<Option<ModuleStatus>> {
    Err(StoreError::Failed("catalog::get_status is not built on PostgreSQL yet".into()))
}

pub fn default_status(db: &mut Client) -> StoreResult<Option<ModuleStatus>> {
    Err(StoreError::Failed("catalog::default_status is not built on PostgreSQL yet".into()))
}

pub fn clear_default(db: &mut Client, except_id: i64) -> StoreResult<()> {
    Err(StoreError::Failed("catalog::clear_default is not built on PostgreSQL yet".into()))
}

pub fn insert_status(db: &mut Client, name: &str, category: &str, display_order: i64) -> StoreResult<i64> {
    Err(StoreError::Failed("catalog::insert_status is not built on PostgreSQL yet".into()))
}

pub fn update_status(db: &mut Client, status_id: i64, input: &CatalogInput) -> StoreResult<()> {
    Err(StoreError::Failed("catalog::update_status is not built on PostgreSQL yet".into()))
}

pub fn unknown_ids(db: &mut Client, catalog: Catalog, ids: &[i64]) -> StoreResult<Vec<i64>> {
    Err(StoreError::Failed("catalog::unknown_ids is not built on PostgreSQL yet".into()))
}
