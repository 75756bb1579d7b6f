//! The sign-in throttle's records on PostgreSQL (`domain::throttle`), the
//! same tables and statements as SQLite's (`store::sqlite::throttle`), so
//! every instance behind the load balancer and the command line count the
//! same failures and know the same addresses.
//!
//! Times are calllog's clock (`AppConfig::clock`), not the database
//! server's: the service passes them in, so the rules read one clock on
//! both engines and tests can move it. Instances are expected to keep their
//! clocks in step (NTP); a skew of a few seconds moves a 15-minute window by
//! as much.

use super::db::Db;
use super::tx::PgTx;
use super::RowExt;
use crate::domain::ids::UserId;
use crate::domain::throttle::{
    LockedName, LoginHistory, NameKey, ThrottleKey, FAILURES_PER_ADDRESS, FAILURES_PER_NAME, KNOWN_ADDRESSES_PER_USER,
};
use crate::domain::time::Stamp;
use crate::store::StoreResult;
use crate::store::{ThrottleReads, ThrottleWrites};

/// The deciding failure of each limit is the limit-th most recent one
/// inside the window (none: that limit is not reached).
pub fn history(
    db: &mut Db,
    key: &ThrottleKey,
    user_id: Option<UserId>,
    window_start: Stamp,
) -> StoreResult<LoginHistory> {
    let row = db.query_one(
        "SELECT
             (SELECT at FROM login_failures
               WHERE name_key = $1 AND address = $2 AND NOT forgiven AND at > $3
               ORDER BY at DESC OFFSET $4 LIMIT 1),
             (SELECT at FROM login_failures
               WHERE name_key = $1 AND at > $3
               ORDER BY at DESC OFFSET $5 LIMIT 1),
             (SELECT last_success FROM known_addresses WHERE user_id = $6 AND address = $2)",
        &[
            &key.name.0.as_slice(),
            &key.address,
            &window_start.0,
            &(FAILURES_PER_ADDRESS as i64 - 1),
            &(FAILURES_PER_NAME as i64 - 1),
            &user_id,
        ],
    )?;
    Ok(LoginHistory {
        address_deciding: row.col::<Option<i64>>(0)?.map(Stamp),
        name_deciding: row.col::<Option<i64>>(1)?.map(Stamp),
        last_success_here: row.col::<Option<i64>>(2)?.map(Stamp),
    })
}

pub fn record_success(
    db: &mut Db,
    key: &ThrottleKey,
    user_id: UserId,
    at: Stamp,
    forget_before: Stamp,
) -> StoreResult<()> {
    db.execute(
        "UPDATE login_failures SET forgiven = true WHERE name_key = $1 AND address = $2 AND NOT forgiven",
        &[&key.name.0.as_slice(), &key.address],
    )?;
    db.execute(
        "INSERT INTO known_addresses (user_id, address, last_success) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, address) DO UPDATE SET last_success = excluded.last_success",
        &[&user_id, &key.address, &at.0],
    )?;
    db.execute("DELETE FROM known_addresses WHERE last_success <= $1", &[&forget_before.0])?;
    let kept = db.query_opt(
        "SELECT last_success FROM known_addresses WHERE user_id = $1
          ORDER BY last_success DESC OFFSET $2 LIMIT 1",
        &[&user_id, &(KNOWN_ADDRESSES_PER_USER as i64 - 1)],
    )?;
    if let Some(row) = kept {
        let oldest_kept: i64 = row.col(0)?;
        db.execute("DELETE FROM known_addresses WHERE user_id = $1 AND last_success < $2", &[&user_id, &oldest_kept])?;
    }
    Ok(())
}

impl ThrottleReads for PgTx<'_> {
    fn login_history(
        &mut self,
        key: &ThrottleKey,
        user_id: Option<UserId>,
        window_start: Stamp,
    ) -> StoreResult<LoginHistory> {
        history(self.db()?, key, user_id, window_start)
    }
    /// Names with `FAILURES_PER_NAME` failures inside the window, or
    /// `FAILURES_PER_ADDRESS` unforgiven ones from one address; most failures first.
    fn locked_names(&mut self, window_start: Stamp) -> StoreResult<Vec<LockedName>> {
        let db = self.db()?;
        let rows = db.query(
            "WITH recent AS (SELECT name_key, address, forgiven FROM login_failures WHERE at > $1),
                  by_name AS (SELECT name_key, count(*) AS failures FROM recent GROUP BY name_key),
                  by_address AS (
                      SELECT name_key, count(*) AS locked FROM (
                          SELECT name_key FROM recent WHERE NOT forgiven
                           GROUP BY name_key, address HAVING count(*) >= $2) AS l
                       GROUP BY name_key)
             SELECT n.name_key, n.failures, coalesce(a.locked, 0)
               FROM by_name n LEFT JOIN by_address a ON a.name_key = n.name_key
              WHERE n.failures >= $3 OR a.locked > 0
              ORDER BY n.failures DESC, n.name_key",
            &[&window_start.0, &(FAILURES_PER_ADDRESS as i64), &(FAILURES_PER_NAME as i64)],
        )?;
        let mut locked = Vec::new();
        for row in rows {
            let name: Vec<u8> = row.col(0)?;
            // A key is always 32 bytes; anything else is no name this code wrote.
            let Ok(name) = <[u8; 32]>::try_from(name.as_slice()) else { continue };
            let failures: i64 = row.col(1)?;
            locked.push(LockedName {
                name: NameKey(name),
                failures,
                locked_addresses: row.col(2)?,
                everywhere: failures >= FAILURES_PER_NAME as i64,
            });
        }
        Ok(locked)
    }
}

impl ThrottleWrites for PgTx<'_> {
    fn record_login_failure(&mut self, key: &ThrottleKey, at: Stamp, forget_before: Stamp) -> StoreResult<()> {
        let db = self.db()?;
        db.execute(
            "INSERT INTO login_failures (name_key, address, at) VALUES ($1, $2, $3)",
            &[&key.name.0.as_slice(), &key.address, &at.0],
        )?;
        db.execute("DELETE FROM login_failures WHERE at <= $1", &[&forget_before.0])?;
        Ok(())
    }
    fn record_login_success(
        &mut self,
        key: &ThrottleKey,
        user_id: UserId,
        at: Stamp,
        forget_before: Stamp,
    ) -> StoreResult<()> {
        record_success(self.db()?, key, user_id, at, forget_before)
    }
    fn clear_login_failures(&mut self, name: &NameKey) -> StoreResult<u64> {
        let db = self.db()?;
        Ok(db.execute("DELETE FROM login_failures WHERE name_key = $1", &[&name.0.as_slice()])?)
    }
}
