//! PostgreSQL: lookup (being built).

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

pub fn residents(
    db: &mut Client,
    query: &LookupQuery,
    properties: Option<&[i64]>,
    limit: usize,
) -> StoreResult<Vec<ResidentPlace>> {
    Err(StoreError::Failed("lookup::residents is not built on PostgreSQL yet".into()))
}

pub fn units(
    db: &mut Client,
    query: &LookupQuery,
    properties: Option<&[i64]>,
    limit: usize,
) -> StoreResult<Vec<UnitPlace>> {
    Err(StoreError::Failed("lookup::units is not built on PostgreSQL yet".into()))
}

pub fn properties(
    db: &mut Client,
    query: &LookupQuery,
    properties: Option<&[i64]>,
    limit: usize,
) -> StoreResult<Vec<Property>> {
    Err(StoreError::Failed("lookup::properties is not built on PostgreSQL yet".into()))
}

pub fn call_log_brief(db: &mut Client, log_id: i64) -> StoreResult<Option<CallLogBrief>> {
    Err(StoreError::Failed("lookup::call_log_brief is not built on PostgreSQL yet".into()))
}
