//! The sign-in throttle on PostgreSQL (docs/api.md §3): the failures live in the
//! table `login_failures`, so every instance behind the load balancer counts
//! the same ones. Exactly the rules of the in-memory `LoginThrottle` the
//! SQLite engine keeps (one process there): per user name and client
//! address, 5 failures not forgiven by a later success from that address;
//! per user name, 50 failures from anywhere (a success forgives none of
//! those); both within 15 minutes. The wait is the time until the deciding
//! failure leaves the window, at least a second, rounded up.
//!
//! Times are the database server's clock (100-ns ticks, as stamps): every
//! instance measures the window on the same clock. Each statement runs on
//! its own (autocommit): a failure recorded is seen by the next check on
//! any instance. Rows older than the window are deleted now and then.

use super::db::Db;
use crate::credentials::{throttle_key, LOGIN_FAILURES_PER_ADDRESS, LOGIN_FAILURES_PER_NAME, LOGIN_FAILURE_WINDOW};
use crate::store::StoreResult;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Ticks (100 ns) in a second.
const TICKS_PER_SECOND: i64 = 10_000_000;

/// The server's clock now, in ticks.
const NOW_TICKS: &str = "(extract(epoch FROM clock_timestamp()) * 10000000)::bigint";

/// How often an instance deletes the failures that have left the window.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// What an instance keeps of the throttle: when it last pruned the table.
pub struct Throttle {
    last_prune: Mutex<Option<Instant>>,
}

fn window_ticks() -> i64 {
    LOGIN_FAILURE_WINDOW.as_secs() as i64 * TICKS_PER_SECOND
}

impl Throttle {
    pub fn new() -> Throttle {
        Throttle { last_prune: Mutex::new(None) }
    }

    /// Seconds until sign-ins for `user_name` from `address` are let
    /// through again, or `None` when they are now.
    pub fn wait(&self, db: &mut Db, user_name: &str, address: IpAddr) -> StoreResult<Option<u64>> {
        let name = throttle_key(user_name).to_vec();
        let address = address.to_string();
        // The deciding failure of each limit is the limit-th most recent
        // one inside the window (none: that limit is not reached).
        let row = db.query_one(
            &format!(
                "WITH now AS (SELECT {NOW_TICKS} AS t)
                 SELECT greatest(
                     (SELECT f.at FROM login_failures f, now
                       WHERE f.name_key = $1 AND f.address = $2 AND NOT f.forgiven AND f.at > now.t - $3
                       ORDER BY f.at DESC OFFSET $4 LIMIT 1),
                     (SELECT f.at FROM login_failures f, now
                       WHERE f.name_key = $1 AND f.at > now.t - $3
                       ORDER BY f.at DESC OFFSET $5 LIMIT 1)
                 ) + $3 - (SELECT t FROM now)"
            ),
            &[
                &name,
                &address,
                &window_ticks(),
                &(LOGIN_FAILURES_PER_ADDRESS as i64 - 1),
                &(LOGIN_FAILURES_PER_NAME as i64 - 1),
            ],
        )?;
        let wait: Option<i64> = row.get(0);
        Ok(wait.map(|ticks| (ticks.max(0) as u64).div_ceil(TICKS_PER_SECOND as u64).max(1)))
    }

    /// Records the outcome of a password check for `user_name` from
    /// `address`: a failure counts; a success forgives that address's
    /// failures (the name's count keeps them).
    pub fn record(&self, db: &mut Db, user_name: &str, address: IpAddr, succeeded: bool) -> StoreResult<()> {
        let name = throttle_key(user_name).to_vec();
        let address = address.to_string();
        if succeeded {
            db.execute(
                "UPDATE login_failures SET forgiven = true WHERE name_key = $1 AND address = $2 AND NOT forgiven",
                &[&name, &address],
            )?;
            return Ok(());
        }
        db.execute(
            &format!("INSERT INTO login_failures (name_key, address, at) VALUES ($1, $2, {NOW_TICKS})"),
            &[&name, &address],
        )?;
        if self.prune_due() {
            db.execute(&format!("DELETE FROM login_failures WHERE at <= {NOW_TICKS} - $1"), &[&window_ticks()])?;
        }
        Ok(())
    }

    /// Whether this instance should prune now (at most once a minute).
    fn prune_due(&self) -> bool {
        let Ok(mut last) = self.last_prune.lock() else { return false };
        let due = last.is_none_or(|at| at.elapsed() >= PRUNE_EVERY);
        if due {
            *last = Some(Instant::now());
        }
        due
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}
