//! PostgreSQL: directory (being built).

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

pub fn get_property(db: &mut Client, property_id: i64) -> StoreResult<Option<Property>> {
    Err(StoreError::Failed("directory::get_property is not built on PostgreSQL yet".into()))
}

pub fn list_properties(
    db: &mut Client,
    scope: Option<&[i64]>,
    ids: Option<&[i64]>,
    status: PropertyStatus,
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<Property>)> {
    Err(StoreError::Failed("directory::list_properties is not built on PostgreSQL yet".into()))
}

pub fn get_unit(db: &mut Client, unit_id: i64) -> StoreResult<Option<Unit>> {
    Err(StoreError::Failed("directory::get_unit is not built on PostgreSQL yet".into()))
}

pub fn units_by_ids(
    db: &mut Client,
    scope: Option<&[i64]>,
    ids: &[i64],
    limit: i64,
    offset: i64,
) -> StoreResult<(i64, Vec<Unit>)> {
    Err(StoreError::Failed("directory::units_by_ids is not built on PostgreSQL yet".into()))
}

pub fn units_of_property(db: &mut Client, property_id: i64, sort: UnitSort) -> StoreResult<Vec<Unit>> {
    Err(StoreError::Failed("directory::units_of_property is not built on PostgreSQL yet".into()))
}

pub fn get_resident(db: &mut Client, resident_id: i64) -> StoreResult<Option<Resident>> {
    Err(StoreError::Failed("directory::get_resident is not built on PostgreSQL yet".into()))
}

pub fn residents_of_unit(db: &mut Client, unit_id: i64) -> StoreResult<Vec<Resident>> {
    Err(StoreError::Failed("directory::residents_of_unit is not built on PostgreSQL yet".into()))
}

pub fn residents_of_property(db: &mut Client, property_id: i64) -> StoreResult<Vec<Resident>> {
    Err(StoreError::Failed("directory::residents_of_property is not built on PostgreSQL yet".into()))
}

pub fn directory_is_empty(db: &mut Client) -> StoreResult<bool> {
    Err(StoreError::Failed("directory::directory_is_empty is not built on PostgreSQL yet".into()))
}

pub fn upsert_property(db: &mut Client, p: &Property) -> StoreResult<()> {
    Err(StoreError::Failed("directory::upsert_property is not built on PostgreSQL yet".into()))
}

pub fn upsert_unit(db: &mut Client, u: &Unit) -> StoreResult<()> {
    Err(StoreError::Failed("directory::upsert_unit is not built on PostgreSQL yet".into()))
}

pub fn upsert_resident(db: &mut Client, r: &Resident) -> StoreResult<()> {
    Err(StoreError::Failed("directory::upsert_resident is not built on PostgreSQL yet".into()))
}

pub fn upsert_residents(db: &mut Client, residents: &[&Resident]) -> StoreResult<()> {
    Err(StoreError::Failed("directory::upsert_residents is not built on PostgreSQL yet".into()))
}
