//! What binds an `Idempotency-Key` to the body it was first sent with.

use crate::domain::calllogs::NewCallLog;
use sha2::{Digest, Sha256};

/// What binds an `Idempotency-Key` to its body (docs/api.md §4): a digest of
/// every field the create takes, as the create reads it. So two bodies
/// have the same fingerprint when those fields have the same values:
/// property names in any case, dates as instants (`Z` or an offset),
/// `LogReasons` in any order, text as the create keeps it (trimmed where
/// it trims), and fields the create ignores (a `CallFrom` beside a
/// `ResidentId`, `OldComments`, `ModifiedOn`) left out.
pub fn fingerprint(new: &NewCallLog) -> String {
    let mut reasons: Vec<i64> = new.reasons.iter().map(|id| id.0).collect();
    reasons.sort_unstable();
    reasons.dedup();
    // A tagged, ordered array: a field can never pass for another, and a
    // later change of this form cannot match an older key by accident.
    let canonical = serde_json::json!([
        "calllog create v1",
        new.property_id.0,
        new.unit_id.map(|id| id.0),
        new.resident_id.map(|id| id.0),
        new.call_from,
        new.status_id.map(|id| id.0),
        new.subject,
        new.notes,
        reasons,
        new.takenby,
        new.comment,
        new.created_on.map(|c| c.0),
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}
