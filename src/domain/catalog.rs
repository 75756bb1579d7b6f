//! Call-log reasons and statuses (docs/api.md §5).

use crate::domain::error::DomainError;
use crate::domain::ids::{ReasonId, StatusId};
use std::ops::RangeInclusive;

pub const MAX_CATALOG_NAME: usize = 100;
pub const STATUS_MODULE: &str = "calllogs";
/// docs/api.md §1: the bounds of a `DisplayOrder` (of a reason, a status or a
/// unit). A new reason or status goes after the last one, so an order near
/// the top of `i64` would make every later create overflow.
pub const DISPLAY_ORDERS: RangeInclusive<i64> = 0..=1_000_000;

/// What a status means for a call: still to answer, waiting, or done. The
/// lower-case name is the API's `Category` and the stored form.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::Display, strum::VariantNames,
)]
#[strum(serialize_all = "lowercase")]
pub enum StatusCategory {
    Open,
    Pending,
    Closed,
}

impl StatusCategory {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone)]
pub struct CallLogReason {
    pub call_log_reason_id: ReasonId,
    pub name: String,
    pub active: bool,
    pub display_order: i64,
}

#[derive(Debug, Clone)]
pub struct ModuleStatus {
    pub module_status_id: StatusId,
    pub module: &'static str,
    pub name: String,
    pub category: StatusCategory,
    pub is_default: bool,
    pub active: bool,
    pub display_order: i64,
}

/// Fields of a reason or status write; `None` = not given.
#[derive(Debug, Clone, Default)]
pub struct CatalogInput {
    pub name: Option<String>,
    pub category: Option<StatusCategory>,
    pub active: Option<bool>,
    pub display_order: Option<i64>,
    pub is_default: Option<bool>,
}

/// The `DisplayOrder` of a new reason or status sent without one: after the
/// last one (`last`, none when the catalog is empty), but never past the
/// bound, so a catalog whose last entry sits at the top still takes new
/// entries (docs/api.md §1: no value a client may send can make a later request fail).
pub fn display_order_after(last: Option<i64>) -> i64 {
    last.map_or(1, |last| last.saturating_add(1)).clamp(*DISPLAY_ORDERS.start(), *DISPLAY_ORDERS.end())
}

/// Exactly one default status at all times: what a status change may not do.
pub fn check_default_rules(current: &ModuleStatus, change: &CatalogInput) -> Result<(), DomainError> {
    let active_after = change.active.unwrap_or(current.active);
    let default_after = change.is_default.unwrap_or(current.is_default);
    if current.is_default && !default_after {
        return Err(DomainError::invalid_operation(
            "This is the default status; make another status the default instead of un-defaulting this one.",
        ));
    }
    if default_after && !active_after {
        return Err(DomainError::invalid_operation(
            "The default status must stay active; make another status the default first.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_are_their_stored_lower_case_words() {
        use strum::VariantNames;
        assert_eq!(StatusCategory::VARIANTS, ["open", "pending", "closed"]);
        assert_eq!(StatusCategory::Pending.as_str(), "pending");
        assert_eq!(StatusCategory::Closed.to_string(), "closed");
        assert_eq!("open".parse::<StatusCategory>(), Ok(StatusCategory::Open));
        assert!("Open".parse::<StatusCategory>().is_err(), "stored text is matched exactly");
    }

    #[test]
    fn a_new_entry_goes_after_the_last_but_never_past_the_bound() {
        assert_eq!(display_order_after(None), 1);
        assert_eq!(display_order_after(Some(0)), 1);
        assert_eq!(display_order_after(Some(8)), 9);
        assert_eq!(display_order_after(Some(999_999)), 1_000_000);
        assert_eq!(display_order_after(Some(1_000_000)), 1_000_000);
        // What an older database may still hold: no overflow, back in range.
        assert_eq!(display_order_after(Some(i64::MAX)), 1_000_000);
        assert_eq!(display_order_after(Some(-5)), 0);
    }
}
