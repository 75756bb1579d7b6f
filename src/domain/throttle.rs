//! The sign-in throttle's rules (docs/api.md §3), with no I/O: how an attempt is
//! keyed, and what the failures on record mean for an attempt now. The
//! store keeps the failures and each user's known addresses in the
//! database, so every instance and the command line see the same ones and a
//! restart forgets nothing; the service asks here what they mean.
//!
//! - 5 failed password checks for one name from one address within 15
//!   minutes refuse that name from that address, right password or not,
//!   until the 5th most recent of them leaves the window. A success from the
//!   address forgives its failures for this limit.
//! - 50 failed checks for one name from any addresses within 15 minutes
//!   refuse the name from every address (a success forgives none of those:
//!   someone guessing from many addresses gets no fresh tries each time the
//!   real user signs in), except that a right password from an address
//!   where the user signed in within the last 30 days passes, so a stranger
//!   cannot lock a user out of their own desk.
//! - Addresses are keyed IPv4 whole and IPv6 by /64: a /64 is one
//!   subscriber's network, and a host there picks any of its 2^64 addresses
//!   at will. An IPv4-mapped IPv6 address is its IPv4 address.

use crate::domain::time::{Stamp, TICKS_PER_SECOND};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, Ipv6Addr};

/// Failures for one name from one address that refuse it there.
pub const FAILURES_PER_ADDRESS: usize = 5;
/// Failures for one name from any addresses that refuse it everywhere.
pub const FAILURES_PER_NAME: usize = 50;
/// How long a failure counts.
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;
/// How long an address where a user signed in stays known for that user.
pub const KNOWN_ADDRESS_SECONDS: i64 = 30 * 86_400;
/// The most known addresses kept per user (the most recent ones): a user
/// who signs in from ever new addresses does not grow the table without bound.
pub const KNOWN_ADDRESSES_PER_USER: usize = 100;

/// A user name as the throttle keys it: the SHA-256 of its trimmed
/// lower-case form (names are compared ignoring case), so that a row takes
/// 32 bytes however long the name sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NameKey(pub [u8; 32]);

impl NameKey {
    pub fn of(user_name: &str) -> NameKey {
        NameKey(Sha256::digest(user_name.trim().to_lowercase().as_bytes()).into())
    }
}

/// A client address as the throttle keys it: `203.0.113.7`, `2001:db8:1:2::/64`.
pub fn address_key(client: IpAddr) -> String {
    match client.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
    }
}

/// What an attempt is counted under: its user name and its client address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKey {
    pub name: NameKey,
    pub address: String,
}

impl ThrottleKey {
    pub fn new(user_name: &str, client: IpAddr) -> ThrottleKey {
        ThrottleKey { name: NameKey::of(user_name), address: address_key(client) }
    }
}

/// Failures at or before this no longer count at `now`.
pub fn window_start(now: Stamp) -> Stamp {
    now.plus_seconds(-FAILURE_WINDOW_SECONDS)
}

/// A user's address with no success after this is no longer known at `now`.
pub fn known_start(now: Stamp) -> Stamp {
    now.plus_seconds(-KNOWN_ADDRESS_SECONDS)
}

/// What the store holds for one key, read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginHistory {
    /// The `FAILURES_PER_ADDRESS`-th most recent unforgiven failure for the
    /// name from the address after the window's start; none when fewer.
    pub address_deciding: Option<Stamp>,
    /// The `FAILURES_PER_NAME`-th most recent failure for the name from any
    /// address after the window's start; none when fewer.
    pub name_deciding: Option<Stamp>,
    /// When the user last signed in from the address; none when never (or
    /// when the name is no user).
    pub last_success_here: Option<Stamp>,
}

/// Whether an attempt may have its password checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Open,
    /// The name is refused everywhere, but the user signed in from this
    /// address lately: a right password passes; a wrong one is refused
    /// (429 after the check, and it counts).
    OnlyIfRight {
        wait: u64,
    },
    /// Refused before any check; `wait` seconds until it would pass.
    Refused {
        wait: u64,
    },
}

impl LoginHistory {
    pub fn admission(&self, now: Stamp) -> Admission {
        let address = seconds_until_it_leaves(self.address_deciding, now);
        let name = seconds_until_it_leaves(self.name_deciding, now);
        let known = self.last_success_here.is_some_and(|at| at > known_start(now));
        match (address, name) {
            (None, None) => Admission::Open,
            (Some(address), None) => Admission::Refused { wait: address },
            (Some(address), Some(_)) if known => Admission::Refused { wait: address },
            (Some(address), Some(name)) => Admission::Refused { wait: address.max(name) },
            (None, Some(name)) if known => Admission::OnlyIfRight { wait: name },
            (None, Some(name)) => Admission::Refused { wait: name },
        }
    }
}

/// Whole seconds (at least 1) until `deciding` leaves the window, or none
/// when it has left (or there is none).
fn seconds_until_it_leaves(deciding: Option<Stamp>, now: Stamp) -> Option<u64> {
    let deciding = deciding?;
    let left = deciding.plus_seconds(FAILURE_WINDOW_SECONDS).0.saturating_sub(now.0);
    (left > 0).then(|| (left as u64).div_ceil(TICKS_PER_SECOND as u64).max(1))
}

/// A name refused somewhere now, as `/admin` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockedName {
    pub name: NameKey,
    /// Its failures inside the window, from every address.
    pub failures: i64,
    /// The addresses it is refused from by the per-address limit.
    pub locked_addresses: i64,
    /// Whether the per-name limit refuses it everywhere.
    pub everywhere: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(address: &str) -> IpAddr {
        address.parse().unwrap()
    }

    #[test]
    fn ipv6_addresses_are_grouped_by_64_and_ipv4_kept_whole() {
        assert_eq!(address_key(at("203.0.113.7")), "203.0.113.7");
        assert_ne!(address_key(at("203.0.113.7")), address_key(at("203.0.113.8")));
        assert_eq!(address_key(at("::ffff:203.0.113.7")), "203.0.113.7");
        let one = address_key(at("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        assert_eq!(one, "2001:db8:1:2::/64");
        assert_eq!(one, address_key(at("2001:db8:1:2::1")));
        assert_ne!(one, address_key(at("2001:db8:1:3::1")));
        assert_eq!(address_key(at("::1")), "::/64");
    }

    #[test]
    fn names_are_keyed_ignoring_case_and_surrounding_space() {
        assert_eq!(NameKey::of("Ann"), NameKey::of(" ANN "));
        assert_eq!(NameKey::of("Émile"), NameKey::of("émile"));
        assert_ne!(NameKey::of("ann"), NameKey::of("anne"));
    }

    fn start() -> Stamp {
        Stamp(20_000_000_000_000_000)
    }

    #[test]
    fn nothing_on_record_is_open() {
        assert_eq!(LoginHistory::default().admission(start()), Admission::Open);
    }

    #[test]
    fn the_address_limit_refuses_until_its_deciding_failure_leaves_the_window() {
        let history = LoginHistory { address_deciding: Some(start()), ..Default::default() };
        assert_eq!(history.admission(start()), Admission::Refused { wait: 900 });
        assert_eq!(history.admission(start().plus_seconds(899)), Admission::Refused { wait: 1 });
        // Part of a second left still waits a whole second.
        assert_eq!(history.admission(Stamp(start().plus_seconds(899).0 + 1)), Admission::Refused { wait: 1 });
        assert_eq!(history.admission(start().plus_seconds(900)), Admission::Open);
        // A known address does not lift the per-address limit.
        let known = LoginHistory { last_success_here: Some(start()), ..history };
        assert_eq!(known.admission(start().plus_seconds(100)), Admission::Refused { wait: 800 });
    }

    #[test]
    fn the_name_limit_lets_a_known_address_try_its_right_password() {
        let now = start();
        let stranger = LoginHistory { name_deciding: Some(now.plus_seconds(-60)), ..Default::default() };
        assert_eq!(stranger.admission(now), Admission::Refused { wait: 840 });
        let desk = LoginHistory { last_success_here: Some(now.plus_seconds(-29 * 86_400)), ..stranger };
        assert_eq!(desk.admission(now), Admission::OnlyIfRight { wait: 840 });
        // Known for 30 days only.
        let stale = LoginHistory { last_success_here: Some(now.plus_seconds(-30 * 86_400)), ..stranger };
        assert_eq!(stale.admission(now), Admission::Refused { wait: 840 });
        // Both limits: the address's refuses; a stranger waits for the later one.
        let both = LoginHistory { address_deciding: Some(now.plus_seconds(-600)), ..stranger };
        assert_eq!(both.admission(now), Admission::Refused { wait: 840 });
        let both_at_desk = LoginHistory { address_deciding: Some(now.plus_seconds(-600)), ..desk };
        assert_eq!(both_at_desk.admission(now), Admission::Refused { wait: 300 });
    }
}
