//! Users, property links and tokens on PostgreSQL (the twin of
//! `sqlite/users.rs`, statement for statement).
//!
//! A user name is unique ignoring case: `name_key` holds it in Unicode lower
//! case as Rust computes it (not PostgreSQL's `lower()`, which follows the
//! database's locale), with a unique index. Changing a user, a token's
//! revocation or a user's links fires the `credentials_changed` triggers:
//! every instance forgets the tokens it verified (`listener.rs`).

use super::db::Db;
use super::tx::PgTx;
use super::RowExt;
use crate::domain::ids::{PropertyId, TokenId, UserId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::domain::users::{
    display_name, Caller, LoginRecord, NewToken, NewUser, Role, TokenInfo, TokenKind, TokenRecord, User, UserChanges,
};
use crate::store::StoreResult;
use crate::store::{UserReads, UserWrites};
use ::postgres::Row;

const USER_COLUMNS: &str = "user_id, user_name, first_name, last_name, email, role, active";

fn user_from_row(row: &Row) -> StoreResult<User> {
    Ok(User {
        user_id: row.col(0)?,
        user_name: row.col(1)?,
        first_name: row.col(2)?,
        last_name: row.col(3)?,
        email: row.col(4)?,
        role: row.word(5)?,
        active: row.col(6)?,
        property_ids: Vec::new(),
    })
}

fn property_ids_of(db: &mut Db, user_id: UserId) -> StoreResult<Vec<PropertyId>> {
    let rows =
        db.query("SELECT property_id FROM user_properties WHERE user_id = $1 ORDER BY property_id", &[&user_id])?;
    rows.iter().map(|r| r.col(0)).collect::<StoreResult<_>>()
}

pub fn set_property_ids(db: &mut Db, user_id: UserId, ids: &[PropertyId]) -> StoreResult<()> {
    db.execute("DELETE FROM user_properties WHERE user_id = $1", &[&user_id])?;
    if !ids.is_empty() {
        // One statement for all the links; a repeated id is one link.
        db.execute(
            "INSERT INTO user_properties (user_id, property_id)
             SELECT $1, id FROM unnest($2::bigint[]) AS id
             ON CONFLICT DO NOTHING",
            &[&user_id, &ids],
        )?;
    }
    Ok(())
}

pub fn count_users(db: &mut Db) -> StoreResult<i64> {
    db.query_one("SELECT count(*) FROM users", &[])?.col(0)
}

/// The form a user name is compared in: Unicode lower case.
fn name_key(user_name: &str) -> String {
    user_name.to_lowercase()
}

impl UserReads for PgTx<'_> {
    fn count_users(&mut self) -> StoreResult<i64> {
        count_users(self.db()?)
    }
    fn user(&mut self, user_id: UserId) -> StoreResult<Option<User>> {
        let db = self.db()?;
        let user = db
            .query_opt(&format!("SELECT {USER_COLUMNS} FROM users WHERE user_id = $1"), &[&user_id])?
            .map(|r| user_from_row(&r))
            .transpose()?;
        match user {
            None => Ok(None),
            Some(mut user) => {
                user.property_ids = property_ids_of(db, user_id)?;
                Ok(Some(user))
            }
        }
    }
    fn user_id_by_name(&mut self, user_name: &str) -> StoreResult<Option<UserId>> {
        let db = self.db()?;
        db.query_opt("SELECT user_id FROM users WHERE name_key = $1", &[&name_key(user_name)])?
            .map(|r| r.col(0))
            .transpose()
    }
    fn users_page(&mut self, page: Page) -> StoreResult<(i64, Vec<User>)> {
        let db = self.db()?;
        let limit = page.size;
        let offset = page.offset();
        let total = count_users(db)?;
        // name_key is compared byte by byte ("C"), as SQLite's BINARY collation does.
        let rows = db.query(
            &format!("SELECT {USER_COLUMNS} FROM users ORDER BY name_key COLLATE \"C\", user_id LIMIT $1 OFFSET $2"),
            &[&limit, &offset],
        )?;
        let mut users: Vec<User> = rows.iter().map(user_from_row).collect::<StoreResult<_>>()?;
        for user in &mut users {
            user.property_ids = property_ids_of(db, user.user_id)?;
        }
        Ok((total, users))
    }
    fn active_admin_count(&mut self) -> StoreResult<i64> {
        let db = self.db()?;
        db.query_one("SELECT count(*) FROM users WHERE role = 'admin' AND active", &[])?.col(0)
    }
    /// What a login needs: id, password hash, active flag.
    fn login_record(&mut self, user_name: &str) -> StoreResult<Option<LoginRecord>> {
        let db = self.db()?;
        db.query_opt("SELECT user_id, password_hash, active FROM users WHERE name_key = $1", &[&name_key(user_name)])?
            .map(|r| {
                Ok::<_, crate::store::StoreError>(LoginRecord {
                    user_id: r.col(0)?,
                    password_hash: r.col(1)?,
                    active: r.col(2)?,
                })
            })
            .transpose()
    }
    /// The caller a token stands for, when the token is live and its user active.
    fn caller_for_token(&mut self, token_hash: &[u8], now: Stamp) -> StoreResult<Option<Caller>> {
        let db = self.db()?;
        let hash = token_hash;
        let found = db
            .query_opt(
                "SELECT t.token_id, t.expires_on, u.user_id, u.user_name, u.first_name, u.last_name, u.role, t.kind
                 FROM tokens t JOIN users u ON u.user_id = t.user_id
                 WHERE t.token_hash = $1 AND t.revoked_on IS NULL AND u.active
                   AND (t.expires_on IS NULL OR t.expires_on > $2)",
                &[&hash, &now.0],
            )?
            .map(|r| {
                let user_name: String = r.col(3)?;
                let first: Option<String> = r.col(4)?;
                let last: Option<String> = r.col(5)?;
                Ok::<_, crate::store::StoreError>(Caller {
                    token_id: r.col(0)?,
                    token_expires_on: r.col::<Option<i64>>(1)?.map(Stamp),
                    user_id: r.col(2)?,
                    display_name: display_name(&user_name, first.as_deref(), last.as_deref()),
                    user_name,
                    role: r.word(6)?,
                    property_ids: Vec::new(),
                    token_kind: Some(TokenKind::parse(&r.col::<String>(7)?)),
                })
            })
            .transpose()?;
        match found {
            None => Ok(None),
            Some(mut caller) => {
                caller.property_ids = property_ids_of(db, caller.user_id)?;
                Ok(Some(caller))
            }
        }
    }
    /// The user's live API tokens (not revoked, not expired).
    fn live_api_tokens(&mut self, user_id: UserId, now: Stamp) -> StoreResult<Vec<TokenInfo>> {
        let db = self.db()?;
        let rows = db.query(
            "SELECT token_id, name, created_on, expires_on FROM tokens
             WHERE user_id = $1 AND kind = 'api' AND revoked_on IS NULL AND (expires_on IS NULL OR expires_on > $2)
             ORDER BY token_id",
            &[&user_id, &now.0],
        )?;
        rows.iter()
            .map(|r| {
                Ok(TokenInfo {
                    token_id: r.col(0)?,
                    name: r.col(1)?,
                    created_on: Stamp(r.col(2)?),
                    expires_on: r.col::<Option<i64>>(3)?.map(Stamp),
                })
            })
            .collect()
    }
    /// A token by id, live or not, with its user's name.
    fn token_record(&mut self, token_id: TokenId) -> StoreResult<Option<TokenRecord>> {
        let db = self.db()?;
        db.query_opt(
            "SELECT t.token_id, t.user_id, u.user_name, t.kind, t.name, t.expires_on, t.revoked_on IS NOT NULL
                 FROM tokens t JOIN users u ON u.user_id = t.user_id WHERE t.token_id = $1",
            &[&token_id],
        )?
        .map(|r| {
            let kind: String = r.col(3)?;
            Ok::<_, crate::store::StoreError>(TokenRecord {
                token_id: r.col(0)?,
                user_id: r.col(1)?,
                user_name: r.col(2)?,
                kind: if kind == "api" { TokenKind::Api } else { TokenKind::Session },
                name: r.col(4)?,
                expires_on: r.col::<Option<i64>>(5)?.map(Stamp),
                revoked: r.col(6)?,
            })
        })
        .transpose()
    }
    fn credential_changes(&mut self) -> StoreResult<i64> {
        // Counted by this instance's listener, from every instance's NOTIFY.
        Ok(self.heard_credential_changes())
    }
}

impl UserWrites for PgTx<'_> {
    /// Inserts `user` with `password_hash` (its clear password is not stored).
    fn insert_user(&mut self, user: &NewUser, password_hash: &str, now: Stamp) -> StoreResult<UserId> {
        let db = self.db()?;
        let user_id: UserId = db
            .query_one(
                "INSERT INTO users (user_name, name_key, password_hash, first_name, last_name, email, role, active, created_on)
                 VALUES ($1, $8, $2, $3, $4, $5, $6, true, $7)
                 RETURNING user_id",
                &[
                    &user.user_name,
                    &password_hash,
                    &user.first_name,
                    &user.last_name,
                    &user.email,
                    &user.role.as_str(),
                    &now.0,
                    &name_key(&user.user_name),
                ],
            )?
            .col(0)?;
        set_property_ids(db, user_id, &user.property_ids)?;
        Ok(user_id)
    }
    /// Applies `update` (`None` leaves a value, `Some("")` clears a name or email).
    fn update_user(&mut self, user_id: UserId, changes: &UserChanges, password_hash: Option<&str>) -> StoreResult<()> {
        let db = self.db()?;
        let update = changes;
        db.execute(
            "UPDATE users SET
                    first_name = CASE WHEN $2::text IS NULL THEN first_name ELSE nullif($2::text, '') END,
                    last_name = CASE WHEN $3::text IS NULL THEN last_name ELSE nullif($3::text, '') END,
                    email = CASE WHEN $4::text IS NULL THEN email ELSE nullif($4::text, '') END,
                    role = coalesce($5::text, role), active = coalesce($6::boolean, active),
                    password_hash = coalesce($7::text, password_hash)
             WHERE user_id = $1",
            &[
                &user_id,
                &update.first_name,
                &update.last_name,
                &update.email,
                &update.role.map(Role::as_str),
                &update.active,
                &password_hash,
            ],
        )?;
        Ok(())
    }
    fn set_user_properties(&mut self, user_id: UserId, property_ids: &[PropertyId]) -> StoreResult<()> {
        set_property_ids(self.db()?, user_id, property_ids)
    }
    fn insert_token(&mut self, token: &NewToken) -> StoreResult<TokenId> {
        let db = self.db()?;
        db.query_one(
            "INSERT INTO tokens (user_id, token_hash, kind, name, created_on, expires_on)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 RETURNING token_id",
            &[
                &token.user_id,
                &token.hash,
                &token.kind.as_str(),
                &token.name,
                &token.created_on.0,
                &token.expires_on.map(|s| s.0),
            ],
        )?
        .col(0)
    }
    /// Revokes one token of `user_id`; false when it has no such live token.
    fn revoke_token(&mut self, user_id: UserId, token_id: TokenId, now: Stamp) -> StoreResult<bool> {
        let db = self.db()?;
        let changed = db.execute(
            "UPDATE tokens SET revoked_on = $3 WHERE token_id = $1 AND user_id = $2 AND revoked_on IS NULL",
            &[&token_id, &user_id, &now.0],
        )?;
        Ok(changed == 1)
    }
    fn revoke_all_tokens(&mut self, user_id: UserId, now: Stamp) -> StoreResult<()> {
        let db = self.db()?;
        db.execute("UPDATE tokens SET revoked_on = $2 WHERE user_id = $1 AND revoked_on IS NULL", &[&user_id, &now.0])?;
        Ok(())
    }
    fn revoke_other_sessions(&mut self, user_id: UserId, keep_token_id: TokenId, now: Stamp) -> StoreResult<()> {
        let db = self.db()?;
        db.execute(
            "UPDATE tokens SET revoked_on = $3
             WHERE user_id = $1 AND token_id <> $2 AND kind = 'session' AND revoked_on IS NULL",
            &[&user_id, &keep_token_id, &now.0],
        )?;
        Ok(())
    }
    fn revoke_sessions(&mut self, user_id: UserId, now: Stamp) -> StoreResult<()> {
        let db = self.db()?;
        db.execute(
            "UPDATE tokens SET revoked_on = $2 WHERE user_id = $1 AND kind = 'session' AND revoked_on IS NULL",
            &[&user_id, &now.0],
        )?;
        Ok(())
    }
}
