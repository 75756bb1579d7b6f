//! What both engines' schema ladders share: the record of one rung and the
//! catalog a new database is seeded with.

use crate::domain::catalog::StatusCategory;

/// One rung of a ladder: `sql` takes a database at `version - 1` to `version`.
/// The runner wraps it in a transaction and records the version (on SQLite
/// with foreign keys off and checked before `COMMIT`, so a table can be
/// rebuilt, and `user_version` set). So the SQL must not `BEGIN`, `COMMIT`,
/// `VACUUM`, set `user_version`, or rely on pragmas that only work outside a
/// transaction.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    /// The file name without `.sql` (`0001_initial`), named in logs and errors.
    pub name: &'static str,
    pub sql: &'static str,
}

/// The statuses a new database starts with: id, name, category, default.
pub const SEED_STATUSES: [(i64, &str, StatusCategory, bool); 3] = [
    (1, "Open", StatusCategory::Open, true),
    (2, "In Progress", StatusCategory::Pending, false),
    (3, "Closed", StatusCategory::Closed, false),
];

/// The reasons a new database starts with, in display order.
pub const SEED_REASONS: [&str; 8] = [
    "Maintenance request",
    "Billing / assessments",
    "Violation inquiry",
    "Architectural request",
    "Amenity reservation",
    "Noise or neighbor complaint",
    "General information",
    "Emergency",
];
