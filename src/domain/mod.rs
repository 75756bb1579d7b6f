//! Plain types and rules with no I/O.

pub mod audit;
pub mod calllogs;
pub mod catalog;
pub mod directory;
pub mod error;
pub mod ids;
pub mod lookup;
pub mod packed;
pub mod passwords;
pub mod query;
pub mod settings;
pub mod suggest;
pub mod throttle;
pub mod time;
pub mod users;
