//! The sign-in throttle's records (`domain::throttle`): failed password
//! checks in `login_failures`, each user's known addresses in
//! `known_addresses`. Written through the writer like every change, so the
//! command line (`user unlock`) and a restarted server see them.
//!
//! Bounded: each failure written deletes those that have left the window,
//! so the table holds at most the failures of the last 15 minutes, and a
//! failure costs a password check (a few per core per second; an unknown
//! name costs as much as a known one). Known addresses are kept 30 days
//! after their last success, at most `KNOWN_ADDRESSES_PER_USER` per user.

use super::SqliteTx;
use crate::domain::ids::UserId;
use crate::domain::throttle::{
    LockedName, LoginHistory, NameKey, ThrottleKey, FAILURES_PER_ADDRESS, FAILURES_PER_NAME, KNOWN_ADDRESSES_PER_USER,
};
use crate::domain::time::Stamp;
use crate::store::StoreResult;
use crate::store::{ThrottleReads, ThrottleWrites};
use rusqlite::{params, Connection, OptionalExtension};

/// The deciding failure of each limit is the limit-th most recent one
/// inside the window (none: that limit is not reached).
pub fn history(
    conn: &Connection,
    key: &ThrottleKey,
    user_id: Option<UserId>,
    window_start: Stamp,
) -> StoreResult<LoginHistory> {
    let row = conn
        .prepare_cached(
            "SELECT
                 (SELECT at FROM login_failures
                   WHERE name_key = ?1 AND address = ?2 AND NOT forgiven AND at > ?3
                   ORDER BY at DESC LIMIT 1 OFFSET ?4),
                 (SELECT at FROM login_failures
                   WHERE name_key = ?1 AND at > ?3
                   ORDER BY at DESC LIMIT 1 OFFSET ?5),
                 (SELECT last_success FROM known_addresses WHERE user_id = ?6 AND address = ?2)",
        )?
        .query_row(
            params![
                key.name.0.as_slice(),
                key.address,
                window_start.0,
                FAILURES_PER_ADDRESS as i64 - 1,
                FAILURES_PER_NAME as i64 - 1,
                user_id
            ],
            |r| {
                Ok(LoginHistory {
                    address_deciding: r.get::<_, Option<i64>>(0)?.map(Stamp),
                    name_deciding: r.get::<_, Option<i64>>(1)?.map(Stamp),
                    last_success_here: r.get::<_, Option<i64>>(2)?.map(Stamp),
                })
            },
        )?;
    Ok(row)
}

/// The same text on both engines (`?N` and `$N` aside): PostgreSQL's copy
/// is in `store::postgres::throttle`.
const LOCKED_NAMES: &str = "WITH recent AS (SELECT name_key, address, forgiven FROM login_failures WHERE at > ?1),
          by_name AS (SELECT name_key, count(*) AS failures FROM recent GROUP BY name_key),
          by_address AS (
              SELECT name_key, count(*) AS locked FROM (
                  SELECT name_key FROM recent WHERE NOT forgiven
                   GROUP BY name_key, address HAVING count(*) >= ?2) AS l
               GROUP BY name_key)
     SELECT n.name_key, n.failures, coalesce(a.locked, 0)
       FROM by_name n LEFT JOIN by_address a ON a.name_key = n.name_key
      WHERE n.failures >= ?3 OR a.locked > 0
      ORDER BY n.failures DESC, n.name_key";

pub fn record_success(
    conn: &Connection,
    key: &ThrottleKey,
    user_id: UserId,
    at: Stamp,
    forget_before: Stamp,
) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE login_failures SET forgiven = 1 WHERE name_key = ?1 AND address = ?2 AND NOT forgiven",
    )?
    .execute(params![key.name.0.as_slice(), key.address])?;
    conn.prepare_cached(
        "INSERT INTO known_addresses (user_id, address, last_success) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, address) DO UPDATE SET last_success = excluded.last_success",
    )?
    .execute(params![user_id, key.address, at.0])?;
    conn.prepare_cached("DELETE FROM known_addresses WHERE last_success <= ?1")?.execute([forget_before.0])?;
    let kept = conn
        .prepare_cached(
            "SELECT last_success FROM known_addresses WHERE user_id = ?1
              ORDER BY last_success DESC LIMIT 1 OFFSET ?2",
        )?
        .query_row(params![user_id, KNOWN_ADDRESSES_PER_USER as i64 - 1], |r| r.get::<_, i64>(0))
        .optional()?;
    if let Some(oldest_kept) = kept {
        conn.prepare_cached("DELETE FROM known_addresses WHERE user_id = ?1 AND last_success < ?2")?
            .execute(params![user_id, oldest_kept])?;
    }
    Ok(())
}

impl ThrottleReads for SqliteTx<'_> {
    fn login_history(
        &mut self,
        key: &ThrottleKey,
        user_id: Option<UserId>,
        window_start: Stamp,
    ) -> StoreResult<LoginHistory> {
        history(self.conn, key, user_id, window_start)
    }
    /// Names with `FAILURES_PER_NAME` failures inside the window, or
    /// `FAILURES_PER_ADDRESS` unforgiven ones from one address; most failures first.
    fn locked_names(&mut self, window_start: Stamp) -> StoreResult<Vec<LockedName>> {
        let conn = self.conn;
        let mut stmt = conn.prepare_cached(LOCKED_NAMES)?;
        let rows =
            stmt.query_map(params![window_start.0, FAILURES_PER_ADDRESS as i64, FAILURES_PER_NAME as i64], |r| {
                let name: Vec<u8> = r.get(0)?;
                let failures: i64 = r.get(1)?;
                Ok((name, failures, r.get::<_, i64>(2)?))
            })?;
        let mut locked = Vec::new();
        for row in rows {
            let (name, failures, locked_addresses) = row?;
            // A key is always 32 bytes; anything else is no name this code wrote.
            let Ok(name) = <[u8; 32]>::try_from(name.as_slice()) else { continue };
            locked.push(LockedName {
                name: NameKey(name),
                failures,
                locked_addresses,
                everywhere: failures >= FAILURES_PER_NAME as i64,
            });
        }
        Ok(locked)
    }
}

impl ThrottleWrites for SqliteTx<'_> {
    fn record_login_failure(&mut self, key: &ThrottleKey, at: Stamp, forget_before: Stamp) -> StoreResult<()> {
        let conn = self.conn;
        conn.prepare_cached("INSERT INTO login_failures (name_key, address, at) VALUES (?1, ?2, ?3)")?
            .execute(params![key.name.0.as_slice(), key.address, at.0])?;
        conn.prepare_cached("DELETE FROM login_failures WHERE at <= ?1")?.execute([forget_before.0])?;
        Ok(())
    }
    fn record_login_success(
        &mut self,
        key: &ThrottleKey,
        user_id: UserId,
        at: Stamp,
        forget_before: Stamp,
    ) -> StoreResult<()> {
        record_success(self.conn, key, user_id, at, forget_before)
    }
    fn clear_login_failures(&mut self, name: &NameKey) -> StoreResult<u64> {
        let conn = self.conn;
        let cleared =
            conn.prepare_cached("DELETE FROM login_failures WHERE name_key = ?1")?.execute([name.0.as_slice()])?;
        Ok(cleared as u64)
    }
}
