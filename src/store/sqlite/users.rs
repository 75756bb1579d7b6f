//! Users, property links and tokens.

use super::SqliteTx;
use crate::domain::ids::{PropertyId, TokenId, UserId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::domain::users::{
    display_name, Caller, LoginRecord, NewToken, NewUser, Role, TokenInfo, TokenKind, TokenRecord, User, UserChanges,
};
use crate::store::StoreResult;
use crate::store::{UserReads, UserWrites};
use rusqlite::{params, Connection, OptionalExtension, Row};

const USER_COLUMNS: &str = "user_id, user_name, first_name, last_name, email, role, active";

fn user_from_row(row: &Row) -> rusqlite::Result<User> {
    Ok(User {
        user_id: row.get(0)?,
        user_name: row.get(1)?,
        first_name: row.get(2)?,
        last_name: row.get(3)?,
        email: row.get(4)?,
        role: super::word(row, 5)?,
        active: row.get(6)?,
        property_ids: Vec::new(),
    })
}

fn property_ids_of(conn: &Connection, user_id: UserId) -> rusqlite::Result<Vec<PropertyId>> {
    let mut stmt =
        conn.prepare_cached("SELECT property_id FROM user_properties WHERE user_id = ?1 ORDER BY property_id")?;
    let ids = stmt.query_map([user_id], |r| r.get(0))?.collect();
    ids
}

pub fn set_property_ids(conn: &Connection, user_id: UserId, ids: &[PropertyId]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM user_properties WHERE user_id = ?1")?.execute([user_id])?;
    let mut insert =
        conn.prepare_cached("INSERT OR IGNORE INTO user_properties (user_id, property_id) VALUES (?1, ?2)")?;
    for id in ids {
        insert.execute(params![user_id, id])?;
    }
    Ok(())
}

pub fn count_users(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.prepare_cached("SELECT count(*) FROM users")?.query_row([], |r| r.get(0))?)
}

/// The form a user name is compared in: Unicode lower case.
fn name_key(user_name: &str) -> String {
    user_name.to_lowercase()
}

impl UserReads for SqliteTx<'_> {
    fn count_users(&mut self) -> StoreResult<i64> {
        count_users(self.conn)
    }
    fn user(&mut self, user_id: UserId) -> StoreResult<Option<User>> {
        let conn = self.conn;
        let user = conn
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE user_id = ?1"))?
            .query_row([user_id], user_from_row)
            .optional()?;
        match user {
            None => Ok(None),
            Some(mut user) => {
                user.property_ids = property_ids_of(conn, user_id)?;
                Ok(Some(user))
            }
        }
    }
    fn user_id_by_name(&mut self, user_name: &str) -> StoreResult<Option<UserId>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached("SELECT user_id FROM users WHERE name_key = ?1")?
            .query_row([name_key(user_name)], |r| r.get(0))
            .optional()?)
    }
    fn users_page(&mut self, page: Page) -> StoreResult<(i64, Vec<User>)> {
        let conn = self.conn;
        let limit = page.size;
        let offset = page.offset();
        let total = count_users(conn)?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY name_key, user_id LIMIT ?1 OFFSET ?2"
        ))?;
        let mut users: Vec<User> = stmt.query_map([limit, offset], user_from_row)?.collect::<Result<_, _>>()?;
        for user in &mut users {
            user.property_ids = property_ids_of(conn, user.user_id)?;
        }
        Ok((total, users))
    }
    fn active_admin_count(&mut self) -> StoreResult<i64> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached("SELECT count(*) FROM users WHERE role = 'admin' AND active = 1")?
            .query_row([], |r| r.get(0))?)
    }
    /// What a login needs: id, password hash, active flag.
    fn login_record(&mut self, user_name: &str) -> StoreResult<Option<LoginRecord>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached("SELECT user_id, password_hash, active FROM users WHERE name_key = ?1")?
            .query_row([name_key(user_name)], |r| {
                Ok(LoginRecord { user_id: r.get(0)?, password_hash: r.get(1)?, active: r.get(2)? })
            })
            .optional()?)
    }
    /// The caller a token stands for, when the token is live and its user active.
    fn caller_for_token(&mut self, token_hash: &[u8], now: Stamp) -> StoreResult<Option<Caller>> {
        let conn = self.conn;
        let hash = token_hash;
        let found = conn
            .prepare_cached(
                "SELECT t.token_id, t.expires_on, u.user_id, u.user_name, u.first_name, u.last_name, u.role, t.kind
                 FROM tokens t JOIN users u ON u.user_id = t.user_id
                 WHERE t.token_hash = ?1 AND t.revoked_on IS NULL AND u.active = 1
                   AND (t.expires_on IS NULL OR t.expires_on > ?2)",
            )?
            .query_row(params![hash, now.0], |r| {
                let user_name: String = r.get(3)?;
                let first: Option<String> = r.get(4)?;
                let last: Option<String> = r.get(5)?;
                Ok(Caller {
                    token_id: r.get(0)?,
                    token_expires_on: r.get::<_, Option<i64>>(1)?.map(Stamp),
                    user_id: r.get(2)?,
                    display_name: display_name(&user_name, first.as_deref(), last.as_deref()),
                    user_name,
                    role: super::word(r, 6)?,
                    property_ids: Vec::new(),
                    token_kind: Some(TokenKind::parse(&r.get::<_, String>(7)?)),
                })
            })
            .optional()?;
        match found {
            None => Ok(None),
            Some(mut caller) => {
                caller.property_ids = property_ids_of(conn, caller.user_id)?;
                Ok(Some(caller))
            }
        }
    }
    /// The user's live API tokens (not revoked, not expired).
    fn live_api_tokens(&mut self, user_id: UserId, now: Stamp) -> StoreResult<Vec<TokenInfo>> {
        let conn = self.conn;
        let mut stmt = conn.prepare_cached(
            "SELECT token_id, name, created_on, expires_on FROM tokens
             WHERE user_id = ?1 AND kind = 'api' AND revoked_on IS NULL AND (expires_on IS NULL OR expires_on > ?2)
             ORDER BY token_id",
        )?;
        let tokens = stmt
            .query_map(params![user_id, now.0], |r| {
                Ok(TokenInfo {
                    token_id: r.get(0)?,
                    name: r.get(1)?,
                    created_on: Stamp(r.get(2)?),
                    expires_on: r.get::<_, Option<i64>>(3)?.map(Stamp),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(tokens)
    }
    /// A token by id, live or not, with its user's name.
    fn token_record(&mut self, token_id: TokenId) -> StoreResult<Option<TokenRecord>> {
        let conn = self.conn;
        Ok(conn
            .prepare_cached(
                "SELECT t.token_id, t.user_id, u.user_name, t.kind, t.name, t.expires_on, t.revoked_on IS NOT NULL
                 FROM tokens t JOIN users u ON u.user_id = t.user_id WHERE t.token_id = ?1",
            )?
            .query_row([token_id], |r| {
                let kind: String = r.get(3)?;
                Ok(TokenRecord {
                    token_id: r.get(0)?,
                    user_id: r.get(1)?,
                    user_name: r.get(2)?,
                    kind: if kind == "api" { TokenKind::Api } else { TokenKind::Session },
                    name: r.get(4)?,
                    expires_on: r.get::<_, Option<i64>>(5)?.map(Stamp),
                    revoked: r.get(6)?,
                })
            })
            .optional()?)
    }
    fn credential_changes(&mut self) -> StoreResult<i64> {
        super::audit::credential_changes(self.conn)
    }
}

impl UserWrites for SqliteTx<'_> {
    /// Inserts `user` with `password_hash` (its clear password is not stored).
    fn insert_user(&mut self, user: &NewUser, password_hash: &str, now: Stamp) -> StoreResult<UserId> {
        let conn = self.conn;
        conn.prepare_cached(
            "INSERT INTO users (user_name, name_key, password_hash, first_name, last_name, email, role, active, created_on)
             VALUES (?1, ?8, ?2, ?3, ?4, ?5, ?6, 1, ?7)",
        )?
        .execute(params![
            user.user_name,
            password_hash,
            user.first_name,
            user.last_name,
            user.email,
            user.role.as_str(),
            now.0,
            name_key(&user.user_name)
        ])?;
        let user_id = UserId(conn.last_insert_rowid());
        set_property_ids(conn, user_id, &user.property_ids)?;
        Ok(user_id)
    }
    /// Applies `update` (`None` leaves a value, `Some("")` clears a name or email).
    fn update_user(&mut self, user_id: UserId, changes: &UserChanges, password_hash: Option<&str>) -> StoreResult<()> {
        let conn = self.conn;
        let update = changes;
        conn.prepare_cached(
            "UPDATE users SET
                    first_name = CASE WHEN ?2 IS NULL THEN first_name ELSE nullif(?2, '') END,
                    last_name = CASE WHEN ?3 IS NULL THEN last_name ELSE nullif(?3, '') END,
                    email = CASE WHEN ?4 IS NULL THEN email ELSE nullif(?4, '') END,
                    role = coalesce(?5, role), active = coalesce(?6, active),
                    password_hash = coalesce(?7, password_hash)
             WHERE user_id = ?1",
        )?
        .execute(params![
            user_id,
            update.first_name,
            update.last_name,
            update.email,
            update.role.map(Role::as_str),
            update.active,
            password_hash
        ])?;
        Ok(())
    }
    fn set_user_properties(&mut self, user_id: UserId, property_ids: &[PropertyId]) -> StoreResult<()> {
        set_property_ids(self.conn, user_id, property_ids)
    }
    fn insert_token(&mut self, token: &NewToken) -> StoreResult<TokenId> {
        let conn = self.conn;
        conn.prepare_cached(
            "INSERT INTO tokens (user_id, token_hash, kind, name, created_on, expires_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            token.user_id,
            token.hash,
            token.kind.as_str(),
            token.name,
            token.created_on.0,
            token.expires_on.map(|s| s.0)
        ])?;
        Ok(TokenId(conn.last_insert_rowid()))
    }
    /// Revokes one token of `user_id`; false when it has no such live token.
    fn revoke_token(&mut self, user_id: UserId, token_id: TokenId, now: Stamp) -> StoreResult<bool> {
        let conn = self.conn;
        let changed = conn
            .prepare_cached(
                "UPDATE tokens SET revoked_on = ?3 WHERE token_id = ?1 AND user_id = ?2 AND revoked_on IS NULL",
            )?
            .execute(params![token_id, user_id, now.0])?;
        Ok(changed == 1)
    }
    fn revoke_all_tokens(&mut self, user_id: UserId, now: Stamp) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached("UPDATE tokens SET revoked_on = ?2 WHERE user_id = ?1 AND revoked_on IS NULL")?
            .execute(params![user_id, now.0])?;
        Ok(())
    }
    fn revoke_other_sessions(&mut self, user_id: UserId, keep_token_id: TokenId, now: Stamp) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached(
            "UPDATE tokens SET revoked_on = ?3
             WHERE user_id = ?1 AND token_id <> ?2 AND kind = 'session' AND revoked_on IS NULL",
        )?
        .execute(params![user_id, keep_token_id, now.0])?;
        Ok(())
    }
    fn revoke_sessions(&mut self, user_id: UserId, now: Stamp) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached(
            "UPDATE tokens SET revoked_on = ?2 WHERE user_id = ?1 AND kind = 'session' AND revoked_on IS NULL",
        )?
        .execute(params![user_id, now.0])?;
        Ok(())
    }
}
