//! Reasons and statuses on the wire (docs/api.md §5): the fields their
//! write bodies may carry and how they are read.

use crate::domain::catalog::{CatalogInput, StatusCategory, DISPLAY_ORDERS, MAX_CATALOG_NAME};
use crate::domain::error::DomainError;
use crate::wire::input::{Fields, Resource};

/// `CallLogReason` as this API writes it (a body may carry every field).
pub const REASON_RESOURCE: Resource =
    Resource { name: "CallLogReason", fields: &["CallLogReasonId", "Name", "Active", "DisplayOrder"] };

/// `ModuleStatus` as this API writes it (a body may carry every field).
pub const STATUS_RESOURCE: Resource = Resource {
    name: "ModuleStatus",
    fields: &["ModuleStatusId", "Module", "Name", "Category", "IsDefault", "Active", "DisplayOrder"],
};

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

/// A category named in any case, with blanks around it.
fn read_category(f: &mut Fields) -> Option<StatusCategory> {
    let category = f.string("Category")?.trim().to_ascii_lowercase();
    match category.parse() {
        Ok(category) => Some(category),
        Err(_) => {
            f.error("Category", "must be open, pending or closed");
            None
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
