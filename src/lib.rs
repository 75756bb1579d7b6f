//! calllog: a call-center activity log for property-management companies.
//! See `README.md` for use and `docs/` for the reference (the API, the
//! console, operations, and how the code is laid out).
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod credentials;
pub mod domain;
pub mod error;
pub mod http;
pub mod metrics;
pub mod service;
pub mod state;
pub mod store;
pub mod wire;

pub use app::build_app;
pub use config::{AppConfig, StoreConfig};
pub use error::{ApiError, ErrorCode};
pub use state::AppState;
pub use store::Store;
