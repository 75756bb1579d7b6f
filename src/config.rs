//! Settings from flags and environment, validated once.

use crate::domain::time::Clock;
use jiff::tz::TimeZone;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A setting that cannot be read; its text follows the option's name in
/// the command line's usage error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The word given, trimmed and lower-cased.
    #[error("synchronous must be full or normal, not {0:?}")]
    Synchronous(String),
    #[error("the database path is empty")]
    EmptyDatabasePath,
}

/// SQLite's `synchronous` setting, named in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString)]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Synchronous {
    Full,
    Normal,
}

impl Synchronous {
    pub fn parse(text: &str) -> Result<Synchronous, ConfigError> {
        let text = text.trim();
        text.parse().map_err(|_| ConfigError::Synchronous(text.to_ascii_lowercase()))
    }

    pub fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        }
    }
}

/// Which database `--db` names: a SQLite file by path, or a PostgreSQL
/// database by a `postgres://` (or `postgresql://`) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// Reads `--db`: a URL of PostgreSQL's schemes is PostgreSQL, anything else a file path.
    pub fn parse(text: &str) -> Result<Database, ConfigError> {
        let lower = text.trim_start().to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(Database::Postgres(text.trim().to_string()));
        }
        if text.is_empty() {
            return Err(ConfigError::EmptyDatabasePath);
        }
        Ok(Database::Sqlite(PathBuf::from(text)))
    }

    /// How logs and messages name it: the path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(path) => path.display().to_string(),
            Database::Postgres(url) => without_password(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user@host/db`: a URL is
/// printed in errors and logs, its password never.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}{path}")
        }
        None => url.to_string(),
    }
}

/// How the store is opened.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub database: Database,
    /// SQLite only (PostgreSQL keeps its own `synchronous_commit`).
    pub synchronous: Synchronous,
    /// SQLite: writes waiting for the writer thread beyond this are refused with 503/115.
    pub write_queue_capacity: usize,
    /// SQLite: read-only connections; PostgreSQL: connections (reads and writes).
    pub read_pool_size: u32,
    /// PostgreSQL: how long a request waits for a pooled connection before 503/115.
    pub pool_wait: std::time::Duration,
    /// How often the background thread checkpoints the WAL into the database.
    pub checkpoint_interval: std::time::Duration,
    /// The writer forces a checkpoint when the WAL file grows past this, and
    /// SQLite truncates the WAL back to it (`journal_size_limit`).
    pub wal_limit_bytes: u64,
}

impl StoreConfig {
    /// The settings for a SQLite file at `db_path`.
    pub fn new(db_path: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig::for_database(Database::Sqlite(db_path.into()))
    }

    pub fn for_database(database: Database) -> StoreConfig {
        StoreConfig {
            database,
            synchronous: Synchronous::Full,
            write_queue_capacity: 1024,
            read_pool_size: 8,
            pool_wait: std::time::Duration::from_secs(5),
            checkpoint_interval: std::time::Duration::from_millis(500),
            wal_limit_bytes: 64 * 1024 * 1024,
        }
    }
}

/// The office time zone in force (docs/api.md §16): the one `serve
/// --timezone` pins, else the one stored in the database's settings (UTC
/// until an admin sets one). Clones share it, so a change made through one
/// is seen by every part of the service at once.
#[derive(Debug, Clone)]
pub struct OfficeZone {
    /// The stored zone, and whether one was chosen (`None`: not read yet).
    stored: Arc<RwLock<(TimeZone, Option<bool>)>>,
    pinned: Option<TimeZone>,
}

impl OfficeZone {
    /// Follows the database's settings; UTC until they are read.
    pub fn from_settings() -> OfficeZone {
        OfficeZone { stored: Arc::new(RwLock::new((TimeZone::UTC, None))), pinned: None }
    }

    /// `zone` whatever the settings say (`serve --timezone`).
    pub fn pinned(zone: TimeZone) -> OfficeZone {
        OfficeZone { stored: Arc::new(RwLock::new((zone.clone(), None))), pinned: Some(zone) }
    }

    /// The zone dates are written and read in now.
    pub fn current(&self) -> TimeZone {
        match &self.pinned {
            Some(zone) => zone.clone(),
            None => self.stored.read().map(|s| s.0.clone()).unwrap_or(TimeZone::UTC),
        }
    }

    /// The zone the flag pins, if any.
    pub fn pinned_zone(&self) -> Option<&TimeZone> {
        self.pinned.as_ref()
    }

    /// Whether the settings were read since the start.
    pub fn is_loaded(&self) -> bool {
        self.stored.read().map(|s| s.1.is_some()).unwrap_or(false)
    }

    /// Whether nobody chose the office's zone yet (neither an admin nor
    /// the flag): the console reminds admins to (docs/api.md §16).
    pub fn awaits_choice(&self) -> bool {
        self.pinned.is_none() && self.stored.read().map(|s| s.1 == Some(false)).unwrap_or(false)
    }

    /// The settings' zone, as just read or written (`None`: not chosen, UTC).
    pub fn follow(&self, stored: Option<TimeZone>) {
        if let Ok(mut s) = self.stored.write() {
            *s = (stored.clone().unwrap_or(TimeZone::UTC), Some(stored.is_some()));
        }
    }
}

/// Everything the HTTP application needs beyond the store.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The zone dates are written in and offset-less input dates are read in.
    pub zone: OfficeZone,
    /// Session token lifetime (docs/api.md §3: 12 h).
    pub session_seconds: i64,
    /// How long a verified token is trusted without asking the database.
    pub token_cache_seconds: u64,
    /// Password checks (Argon2, 19 MiB each) that may run at once (docs/api.md §3: the machine's cores).
    pub password_checks: usize,
    /// How long a sign-in waits for a password check to start before 503/115 (docs/api.md §3: 2 s).
    pub password_check_wait: Duration,
    /// Peers whose `X-Forwarded-For` names the client (`serve --trusted-proxy`).
    pub trusted_proxies: Vec<IpAddr>,
    /// Where rules over time read it (the sign-in throttle): the system's
    /// clock, or in tests one they move.
    pub clock: Clock,
    /// Searches and export chunks that run at once, all users together (half the cores).
    pub costly_read_places: usize,
    /// Searches and exports one user may have waiting for a turn; one more → 503/115.
    pub costly_read_queue: usize,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            zone: OfficeZone::from_settings(),
            session_seconds: 12 * 3600,
            token_cache_seconds: 30,
            password_checks: crate::credentials::PasswordChecks::default_permits(),
            password_check_wait: Duration::from_secs(2),
            trusted_proxies: Vec::new(),
            clock: Clock::system(),
            costly_read_places: crate::service::gate::FairGate::default_places(),
            costly_read_queue: 8,
        }
    }
}
