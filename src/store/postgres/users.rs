//! PostgreSQL: users (being built).

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

pub fn set_property_ids(db: &mut Client, user_id: i64, ids: &[i64]) -> StoreResult<()> {
    Err(StoreError::Failed("users::set_property_ids is not built on PostgreSQL yet".into()))
}

pub fn count_users(db: &mut Client) -> StoreResult<i64> {
    Err(StoreError::Failed("users::count_users is not built on PostgreSQL yet".into()))
}

pub fn insert_user(db: &mut Client, user: &NewUser, password_hash: &str, now: Stamp) -> StoreResult<i64> {
    Err(StoreError::Failed("users::insert_user is not built on PostgreSQL yet".into()))
}

pub fn get_user(db: &mut Client, user_id: i64) -> StoreResult<Option<User>> {
    Err(StoreError::Failed("users::get_user is not built on PostgreSQL yet".into()))
}

pub fn find_user_id_by_name(db: &mut Client, user_name: &str) -> StoreResult<Option<i64>> {
    Err(StoreError::Failed("users::find_user_id_by_name is not built on PostgreSQL yet".into()))
}

pub fn list_users(db: &mut Client, limit: i64, offset: i64) -> StoreResult<(i64, Vec<User>)> {
    Err(StoreError::Failed("users::list_users is not built on PostgreSQL yet".into()))
}

pub fn active_admins(db: &mut Client) -> StoreResult<i64> {
    Err(StoreError::Failed("users::active_admins is not built on PostgreSQL yet".into()))
}

pub fn update_user(
    db: &mut Client,
    user_id: i64,
    update: &UserChanges,
    password_hash: Option<&str>,
) -> StoreResult<()> {
    Err(StoreError::Failed("users::update_user is not built on PostgreSQL yet".into()))
}

pub fn login_record(db: &mut Client, user_name: &str) -> StoreResult<Option<LoginRecord>> {
    Err(StoreError::Failed("users::login_record is not built on PostgreSQL yet".into()))
}

pub fn insert_token(db: &mut Client, token: &NewToken) -> StoreResult<i64> {
    Err(StoreError::Failed("users::insert_token is not built on PostgreSQL yet".into()))
}

pub fn caller_for_token(db: &mut Client, hash: &[u8], now: Stamp) -> StoreResult<Option<Caller>> {
    Err(StoreError::Failed("users::caller_for_token is not built on PostgreSQL yet".into()))
}

pub fn list_api_tokens(db: &mut Client, user_id: i64, now: Stamp) -> StoreResult<Vec<TokenInfo>> {
    Err(StoreError::Failed("users::list_api_tokens is not built on PostgreSQL yet".into()))
}

pub fn revoke_token(db: &mut Client, user_id: i64, token_id: i64, now: Stamp) -> StoreResult<bool> {
    Err(StoreError::Failed("users::revoke_token is not built on PostgreSQL yet".into()))
}

pub fn revoke_other_sessions(db: &mut Client, user_id: i64, keep_token_id: i64, now: Stamp) -> StoreResult<()> {
    Err(StoreError::Failed("users::revoke_other_sessions is not built on PostgreSQL yet".into()))
}

pub fn revoke_sessions(db: &mut Client, user_id: i64, now: Stamp) -> StoreResult<()> {
    Err(StoreError::Failed("users::revoke_sessions is not built on PostgreSQL yet".into()))
}

pub fn revoke_all_tokens(db: &mut Client, user_id: i64, now: Stamp) -> StoreResult<()> {
    Err(StoreError::Failed("users::revoke_all_tokens is not built on PostgreSQL yet".into()))
}

pub fn token_record(db: &mut Client, token_id: i64) -> StoreResult<Option<TokenRecord>> {
    Err(StoreError::Failed("users::token_record is not built on PostgreSQL yet".into()))
}
