//! What both engines' SQL needs to know of the domain's types and is not
//! dialect: how a filter or a status maps onto the stored columns.

use crate::domain::calllogs::CallLogFilter;
use crate::domain::directory::PropertyStatus;

/// Whether only properties (or a caller's scope) and statuses narrow the
/// list, and no search: then the engines count it from the per-status
/// counters their triggers keep, not log by log.
pub fn counted_by_place_and_status(filter: &CallLogFilter) -> bool {
    filter.search.is_none() && !narrows_past_place_and_status(filter)
}

/// Whether anything besides the properties (or scope), statuses and words
/// narrows the list.
pub fn narrows_past_place_and_status(filter: &CallLogFilter) -> bool {
    filter.unit_id.is_some()
        || filter.resident_id.is_some()
        || filter.reasons.is_some()
        || filter.takenby.is_some()
        || filter.taken_by_exactly.is_some()
        || filter.from.is_some()
        || filter.to.is_some()
        || filter.modified_since.is_some()
}

/// The stored `property_status` values (1 active, 0 inactive) a status lets
/// through, lowest and highest.
pub fn property_status_range(status: PropertyStatus) -> (i64, i64) {
    match status {
        PropertyStatus::Active => (1, 1),
        PropertyStatus::Inactive => (0, 0),
        PropertyStatus::All => (0, 1),
    }
}

/// A call log's columns, in the order both engines' row mappers read them
/// (`c` is the `call_logs` alias of every query that uses them).
pub const CALL_LOG_COLUMNS: &str =
    "c.log_id, c.property_id, c.unit_id, c.resident_id, c.call_from, c.status_id, c.subject, \
     c.notes, c.taken_by, c.created_on, c.modified_on, c.last_event_no, c.deleted";
