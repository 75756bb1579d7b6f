//! Credentials: passwords (Argon2id), bearer tokens (random, stored as
//! SHA-256), the short-lived cache of verified tokens, and login throttling.
//! Used by the service; no HTTP here.

use crate::domain::time::Stamp;
use crate::domain::users::Caller;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// `Err` carries the cause (for the log; it is never the client's fault).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| format!("salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("argon2: {e}"))
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A hash of a password nobody has, so that an unknown user name costs as
/// much time as a wrong password.
static DECOY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub fn decoy_hash() -> &'static str {
    DECOY_HASH.get_or_init(|| hash_password("decoy password never issued").unwrap_or_default())
}

/// 256 random bits, hex-encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A random password for generated accounts (first-run admin, `user add`).
pub fn new_password() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Verified tokens, trusted for a short while without a database round trip.
/// Entries are dropped when a token is revoked or its user changes.
///
/// `generation` counts those drops: a lookup notes it before reading the
/// database and caches its answer only if no drop happened meanwhile, so a
/// change committed during the read cannot leave a stale caller cached.
pub struct TokenCache {
    ttl: Duration,
    entries: RwLock<HashMap<Vec<u8>, (Caller, Instant)>>,
    generation: AtomicU64,
}

impl TokenCache {
    pub fn new(ttl: Duration) -> TokenCache {
        TokenCache { ttl, entries: RwLock::new(HashMap::new()), generation: AtomicU64::new(0) }
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn get(&self, hash: &[u8], now: Stamp) -> Option<Caller> {
        let entries = self.entries.read().ok()?;
        let (caller, at) = entries.get(hash)?;
        let fresh = at.elapsed() < self.ttl;
        let unexpired = caller.token_expires_on.is_none_or(|e| e > now);
        (fresh && unexpired).then(|| caller.clone())
    }

    pub fn put(&self, hash: Vec<u8>, caller: Caller, seen_generation: u64) {
        if let Ok(mut entries) = self.entries.write() {
            if self.generation() != seen_generation {
                return;
            }
            if entries.len() > 10_000 {
                let ttl = self.ttl;
                entries.retain(|_, (_, at)| at.elapsed() < ttl);
            }
            entries.insert(hash, (caller, Instant::now()));
        }
    }

    pub fn forget_token(&self, token_id: i64) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, (c, _)| c.token_id != token_id);
        }
    }

    /// Forgets every entry: credentials changed somewhere (another process).
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.write() {
            entries.clear();
        }
    }

    pub fn forget_user(&self, user_id: i64) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, (c, _)| c.user_id != user_id);
        }
    }
}

/// Login throttling: after `limit` failures for one user name inside
/// `window`, every attempt for that name is refused until the oldest of
/// those failures leaves the window.
///
/// An attempt is counted as a failure when it begins (check and count under
/// one lock) and forgiven if it succeeds, so parallel guesses cannot all pass
/// the check while the slow password hash runs.
pub struct LoginThrottle {
    limit: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginThrottle {
    pub fn new(limit: usize, window: Duration) -> LoginThrottle {
        LoginThrottle { limit, window, failures: Mutex::new(HashMap::new()) }
    }

    /// Begins a sign-in attempt: `Err(seconds to wait)` when the name is
    /// throttled, else the attempt is counted (as a failure until it succeeds).
    pub fn begin_attempt(&self, user_name: &str) -> Result<(), u64> {
        let mut failures = self.failures.lock().map_err(|_| 1u64)?;
        if failures.len() > 100_000 {
            let window = self.window;
            failures.retain(|_, t| t.back().is_some_and(|t| t.elapsed() < window));
        }
        let times = failures.entry(user_name.to_lowercase()).or_default();
        while times.front().is_some_and(|t| t.elapsed() >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let oldest = times.front().map(|t| t.elapsed()).unwrap_or_default();
            let wait = self.window.saturating_sub(oldest).as_secs_f64().ceil() as u64;
            return Err(wait.max(1));
        }
        times.push_back(Instant::now());
        Ok(())
    }

    /// The attempt succeeded: the name's failures are forgiven.
    pub fn record_success(&self, user_name: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&user_name.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 32);
    }

    #[test]
    fn throttle_blocks_after_the_limit_and_forgets_on_success() {
        let t = LoginThrottle::new(2, Duration::from_secs(60));
        assert!(t.begin_attempt("Ann").is_ok());
        assert!(t.begin_attempt("ANN").is_ok(), "attempts in flight count, whatever their outcome");
        let wait = t.begin_attempt("ann").unwrap_err();
        assert!((59..=60).contains(&wait));
        assert!(t.begin_attempt("bob").is_ok());
        t.record_success("ann");
        assert!(t.begin_attempt("ann").is_ok());
    }

    #[test]
    fn a_lookup_that_raced_a_change_is_not_cached() {
        let cache = TokenCache::new(Duration::from_secs(30));
        let caller = Caller {
            user_id: 1,
            user_name: "a".into(),
            display_name: "a".into(),
            role: crate::domain::users::Role::Admin,
            property_ids: vec![],
            token_id: 1,
            token_expires_on: None,
        };
        let seen = cache.generation();
        cache.forget_user(1); // a change committed while the lookup read the database
        cache.put(vec![1], caller.clone(), seen);
        assert!(cache.get(&[1], Stamp::now()).is_none());
        cache.put(vec![1], caller, cache.generation());
        assert!(cache.get(&[1], Stamp::now()).is_some());
    }

    #[test]
    fn throttle_window_passes() {
        let t = LoginThrottle::new(1, Duration::from_millis(20));
        assert!(t.begin_attempt("x").is_ok());
        assert!(t.begin_attempt("x").is_err());
        std::thread::sleep(Duration::from_millis(30));
        assert!(t.begin_attempt("x").is_ok());
    }
}
