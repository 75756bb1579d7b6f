//! The operations of calllog, one method per use case. Each takes the
//! `Caller` and domain input, enforces roles, property scoping and the rules
//! (idempotency, If-Match, last admin, one default status, …), runs its
//! reads and writes as units of work on the store, and returns domain types
//! or a `ServiceError`. The JSON API and the command line both call these.

pub mod access;
pub mod calllogs;
pub mod catalog;
pub mod directory;
pub mod export;
pub mod gate;
pub mod idempotency;
pub mod settings;
pub mod users;

use crate::config::AppConfig;
use crate::credentials::{PasswordChecks, TokenCache};
use crate::domain::error::DomainError;
use crate::store::{Store, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// Why an operation failed: a rule refused it, the store could not do it,
/// or something internal broke (a defect; logged, never shown).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Refused(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No capacity now (no password check could start in time); the client may retry.
    #[error("busy: {message}")]
    Busy { message: String, retry_after: u64 },
    #[error("internal failure: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// The service: the store, the settings, and what the service keeps in
/// memory (verified tokens, the bound on password checks; the store keeps
/// the sign-in failures).
pub struct Service {
    pub store: Store,
    pub config: AppConfig,
    tokens: TokenCache,
    /// Every Argon2 hash or verification runs under one of its permits.
    pub password_checks: PasswordChecks,
    credential_watch: users::CredentialWatch,
    /// Directory imports run one at a time (`directory::ImportPermit`).
    imports: Arc<tokio::sync::Mutex<()>>,
    /// Full-text searches and export chunks, admitted fairly between users.
    costly_reads: Arc<gate::FairGate>,
}

impl Service {
    pub fn new(store: Store, config: AppConfig) -> Service {
        let tokens = TokenCache::new(Duration::from_secs(config.token_cache_seconds));
        Service {
            store,
            tokens,
            password_checks: PasswordChecks::new(config.password_checks, config.password_check_wait),
            credential_watch: users::CredentialWatch::default(),
            imports: Arc::new(tokio::sync::Mutex::new(())),
            costly_reads: Arc::new(gate::FairGate::new(config.costly_read_places, config.costly_read_queue)),
            config,
        }
    }
}

impl Service {
    /// The gate searches and export chunks take their turn at.
    pub fn costly_reads(&self) -> &Arc<gate::FairGate> {
        &self.costly_reads
    }
}

/// Runs CPU-heavy work (password hashing) off the async workers.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ServiceResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ServiceError::Internal(format!("blocking task: {e}")))
}
