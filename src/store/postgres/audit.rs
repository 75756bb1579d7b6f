//! PostgreSQL: audit (being built).

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

pub fn insert(db: &mut Client, entry: &AuditEntry) -> StoreResult<()> {
    Err(StoreError::Failed("audit::insert is not built on PostgreSQL yet".into()))
}

pub fn page(db: &mut Client, filter: &AuditFilter, limit: i64, offset: i64) -> StoreResult<(i64, Vec<AuditEntry>)> {
    Err(StoreError::Failed("audit::page is not built on PostgreSQL yet".into()))
}

pub fn credential_changes(db: &mut Client) -> StoreResult<i64> {
    Err(StoreError::Failed("audit::credential_changes is not built on PostgreSQL yet".into()))
}
