//! Credentials: passwords (Argon2id), bearer tokens (random, stored as
//! SHA-256), and the short-lived cache of verified tokens. Used by the
//! service; no HTTP here. (The sign-in throttle's rules are
//! `domain::throttle`; its records live in the database.)

use crate::domain::ids::{TokenId, UserId};
use crate::domain::time::Stamp;
use crate::domain::users::Caller;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The work area of one Argon2 computation (1 KiB blocks). Kept and reused
/// by `PasswordChecks`, so a check does not allocate its 19 MiB anew.
pub type ArgonMemory = Vec<Block>;

/// New hashes: Argon2id with the `argon2` crate's defaults, which are
/// OWASP's first recommendation (m = 19 MiB, t = 2, p = 1). Stored hashes
/// keep the parameters they were made with.
fn new_hash_params() -> Params {
    Params::DEFAULT
}

/// Why a new password hash could not be made: a fault of this machine (no
/// salt, Argon2 refusing its work), for the log; never the client's fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("salt: {0}")]
    Salt(argon2::password_hash::Error),
    #[error("argon2: {0}")]
    Argon2(argon2::Error),
    #[error("argon2 output: {0}")]
    Output(argon2::password_hash::Error),
}

/// Runs Argon2 on `memory`, grown when the parameters need more blocks
/// (never shrunk: the buffer is reused).
fn argon2_into(
    argon: &Argon2,
    params: &Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
    memory: &mut ArgonMemory,
) -> Result<(), argon2::Error> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    argon.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) of `password`,
/// computed in `memory`.
pub fn hash_password_with(password: &str, memory: &mut ArgonMemory) -> Result<String, HashError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(HashError::Salt)?;
    let params = new_hash_params();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon, &params, password, &salt_bytes, &mut out, memory).map_err(HashError::Argon2)?;
    let output = Output::new(&out).map_err(HashError::Output)?;
    Ok(format!(
        "${}$v={}$m={},t={},p={}${}${}",
        Algorithm::Argon2id.as_str(),
        u32::from(Version::V0x13),
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        salt.as_str(),
        output
    ))
}

/// Whether `password` matches `stored_hash` (a PHC string of any Argon2
/// variant and parameters), computed in `memory`. The comparison of the
/// outputs takes constant time.
pub fn verify_password_with(password: &str, stored_hash: &str, memory: &mut ArgonMemory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored_hash) else { return false };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else { return false };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let mut salt_buffer = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buffer) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    if argon2_into(&argon, &params, password, salt, &mut out, memory).is_err() {
        return false;
    }
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// Bounds the password checks (hashes and verifications) that run at once,
/// and keeps their Argon2 work areas for reuse.
///
/// Each check needs 19 MiB; unbounded, a burst of sign-ins took the process
/// to gigabytes, and the allocator kept most of it afterwards (one arena per
/// blocking thread). With a permit per check and one reused buffer per
/// permit, the memory for checks is at most `permits` × 19 MiB, allocated
/// once.
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
    wait: Duration,
    buffers: Arc<Mutex<Vec<ArgonMemory>>>,
}

/// The right to run one password check, with its work area; released on
/// drop. It moves into the thread that runs the check, so a check whose
/// request was abandoned still holds its permit until it ends.
pub struct CheckPermit {
    memory: ArgonMemory,
    buffers: Arc<Mutex<Vec<ArgonMemory>>>,
    _permit: OwnedSemaphorePermit,
}

impl CheckPermit {
    /// The work area for this check.
    pub fn memory(&mut self) -> &mut ArgonMemory {
        &mut self.memory
    }
}

impl Drop for CheckPermit {
    fn drop(&mut self) {
        let memory = std::mem::take(&mut self.memory);
        if let Ok(mut buffers) = self.buffers.lock() {
            buffers.push(memory);
        }
    }
}

impl PasswordChecks {
    /// At most `permits` checks at once; an attempt waits at most `wait` for one.
    pub fn new(permits: usize, wait: Duration) -> PasswordChecks {
        PasswordChecks {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            wait,
            buffers: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// As many permits as the machine runs threads at once.
    pub fn default_permits() -> usize {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    }

    /// A permit, or `None` when none frees up within the wait.
    pub async fn acquire(&self) -> Option<CheckPermit> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await.ok()?.ok()?;
        let memory = self.buffers.lock().ok().and_then(|mut buffers| buffers.pop()).unwrap_or_default();
        Some(CheckPermit { memory, buffers: self.buffers.clone(), _permit: permit })
    }

    /// How long an attempt waits for a permit, in whole seconds (for `Retry-After`).
    pub fn wait_seconds(&self) -> u64 {
        self.wait.as_secs_f64().ceil().max(1.0) as u64
    }
}

/// A hash of a password nobody has, so that an unknown user name costs as
/// much time as a wrong password.
static DECOY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Made (once) in `memory`, a check's work area: no 19 MiB of its own.
pub fn decoy_hash(memory: &mut ArgonMemory) -> &'static str {
    DECOY_HASH.get_or_init(|| hash_password_with("decoy password never issued", memory).unwrap_or_default())
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

    pub fn forget_token(&self, token_id: TokenId) {
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

    pub fn forget_user(&self, user_id: UserId) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, (c, _)| c.user_id != user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let memory = &mut Vec::new();
        let hash = hash_password_with("correct horse", memory).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password_with("correct horse", &hash, memory));
        assert!(!verify_password_with("wrong", &hash, memory));
        assert!(!verify_password_with("x", "not a hash", memory));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a).len(), 32);
    }

    #[test]
    fn a_lookup_that_raced_a_change_is_not_cached() {
        let cache = TokenCache::new(Duration::from_secs(30));
        let caller = Caller {
            user_id: UserId(1),
            user_name: "a".into(),
            display_name: "a".into(),
            role: crate::domain::users::Role::Admin,
            property_ids: vec![],
            token_id: TokenId(1),
            token_expires_on: None,
            token_kind: Some(crate::domain::users::TokenKind::Session),
        };
        let seen = cache.generation();
        cache.forget_user(UserId(1)); // a change committed while the lookup read the database
        cache.put(vec![1], caller.clone(), seen);
        assert!(cache.get(&[1], Stamp::now()).is_none());
        cache.put(vec![1], caller, cache.generation());
        assert!(cache.get(&[1], Stamp::now()).is_some());
    }

    #[test]
    fn new_hashes_are_argon2id_and_verify_with_the_crates_own_verifier() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let mut memory = Vec::new();
        let ours = hash_password_with("correct horse", &mut memory).unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"correct horse", &parsed).is_ok());
        // A hash stored by the earlier code (the crate's own hasher) verifies in reused memory.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let old = Argon2::default().hash_password(b"old password", &salt).unwrap().to_string();
        assert!(verify_password_with("old password", &old, &mut memory));
        assert!(!verify_password_with("old passwore", &old, &mut memory));
        // Other parameters (a smaller cost, Argon2i) verify too.
        let small = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::new(1024, 1, 1, None).unwrap());
        let other = small.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(verify_password_with("pw", &other, &mut memory));
    }

    #[actix_web::test]
    async fn checks_beyond_the_permits_wait_then_give_up() {
        let checks = PasswordChecks::new(1, Duration::from_millis(50));
        let mut held = checks.acquire().await.expect("a free permit");
        assert!(!verify_password_with("x", "not a hash", held.memory()));
        assert!(checks.acquire().await.is_none(), "no permit frees up within the wait");
        drop(held);
        let again = checks.acquire().await.expect("the permit is back");
        drop(again);
        assert_eq!(checks.buffers.lock().unwrap().len(), 1, "the work area is kept for reuse");
    }
}
