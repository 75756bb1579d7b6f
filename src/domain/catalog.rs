//! Call-log reasons and statuses (docs/api.md §5).

use crate::domain::error::DomainError;
use crate::domain::input::{Fields, Resource, DISPLAY_ORDERS};
use serde::Serialize;

pub const MAX_CATALOG_NAME: usize = 100;
pub const STATUS_MODULE: &str = "calllogs";
pub const CATEGORIES: [&str; 3] = ["open", "pending", "closed"];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CallLogReason {
    pub call_log_reason_id: i64,
    pub name: String,
    pub active: bool,
    pub display_order: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ModuleStatus {
    pub module_status_id: i64,
    pub module: &'static str,
    pub name: String,
    pub category: String,
    pub is_default: bool,
    pub active: bool,
    pub display_order: i64,
}

/// `CallLogReason` as this API writes it (a body may carry every field).
pub const REASON_RESOURCE: Resource =
    Resource { name: "CallLogReason", fields: &["CallLogReasonId", "Name", "Active", "DisplayOrder"] };

/// `ModuleStatus` as this API writes it (a body may carry every field).
pub const STATUS_RESOURCE: Resource = Resource {
    name: "ModuleStatus",
    fields: &["ModuleStatusId", "Module", "Name", "Category", "IsDefault", "Active", "DisplayOrder"],
};

/// Fields of a reason or status write; `None` = not given.
#[derive(Debug, Clone, Default)]
pub struct CatalogInput {
    pub name: Option<String>,
    pub category: Option<String>,
    pub active: Option<bool>,
    pub display_order: Option<i64>,
    pub is_default: Option<bool>,
}

fn read_name(f: &mut Fields, required: bool) -> Option<String> {
    let name = if required { f.required_string("Name") } else { f.string("Name").map(|s| s.trim().to_string()) };
    match name {
        Some(n) if n.is_empty() => {
            f.error("Name", "must not be blank");
            None
        }
        Some(n) => f.check_length("Name", &n, MAX_CATALOG_NAME).then_some(n),
        None => None,
    }
}

fn read_category(f: &mut Fields) -> Option<String> {
    let category = f.string("Category")?.trim().to_ascii_lowercase();
    if !CATEGORIES.contains(&category.as_str()) {
        f.error("Category", "must be open, pending or closed");
        return None;
    }
    Some(category)
}

pub fn read_new_reason(mut f: Fields) -> Result<CatalogInput, DomainError> {
    f.expect(REASON_RESOURCE);
    let input = CatalogInput {
        name: read_name(&mut f, true),
        display_order: f.i64_within("DisplayOrder", DISPLAY_ORDERS),
        ..Default::default()
    };
    f.finish()?;
    Ok(input)
}

pub fn read_reason_changes(mut f: Fields) -> Result<CatalogInput, DomainError> {
    f.expect(REASON_RESOURCE);
    let input = CatalogInput {
        name: read_name(&mut f, false),
        active: f.bool("Active"),
        display_order: f.i64_within("DisplayOrder", DISPLAY_ORDERS),
        ..Default::default()
    };
    f.finish()?;
    Ok(input)
}

pub fn read_new_status(mut f: Fields) -> Result<CatalogInput, DomainError> {
    f.expect(STATUS_RESOURCE);
    let name = read_name(&mut f, true);
    if !f.has("Category") {
        f.missing("Category");
    }
    let input = CatalogInput {
        name,
        category: read_category(&mut f),
        display_order: f.i64_within("DisplayOrder", DISPLAY_ORDERS),
        is_default: f.bool("IsDefault"),
        active: None,
    };
    f.finish()?;
    Ok(input)
}

pub fn read_status_changes(mut f: Fields) -> Result<CatalogInput, DomainError> {
    f.expect(STATUS_RESOURCE);
    let input = CatalogInput {
        name: read_name(&mut f, false),
        category: read_category(&mut f),
        active: f.bool("Active"),
        display_order: f.i64_within("DisplayOrder", DISPLAY_ORDERS),
        is_default: f.bool("IsDefault"),
    };
    f.finish()?;
    Ok(input)
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

    #[test]
    fn display_order_is_refused_outside_its_bounds() {
        let read = |body: serde_json::Value| read_new_reason(Fields::from_json(body).unwrap());
        assert_eq!(
            read(serde_json::json!({"Name": "A", "DisplayOrder": 1_000_000})).unwrap().display_order,
            Some(1_000_000)
        );
        for order in [serde_json::json!(-1), serde_json::json!(1_000_001), serde_json::json!(i64::MAX)] {
            let e = read(serde_json::json!({"Name": "A", "DisplayOrder": order})).unwrap_err();
            assert_eq!(e.errors[0].field, "DisplayOrder", "{order}");
            let status = serde_json::json!({"Name": "S", "Category": "open", "DisplayOrder": order});
            assert!(read_new_status(Fields::from_json(status).unwrap()).is_err(), "{order}");
            let change = serde_json::json!({"DisplayOrder": order});
            assert!(read_reason_changes(Fields::from_json(change.clone()).unwrap()).is_err(), "{order}");
            assert!(read_status_changes(Fields::from_json(change).unwrap()).is_err(), "{order}");
        }
    }
}
