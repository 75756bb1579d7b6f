//! Call-log reasons and statuses (docs/api.md §5): reads for every user, writes
//! for admins; names unique ignoring case; exactly one default status.

use super::access::Admin;
use super::{Service, ServiceError, ServiceResult};
use crate::domain::audit::{self, AuditAction, AuditEntry};
use crate::domain::catalog::{check_default_rules, display_order_after, CallLogReason, CatalogInput, ModuleStatus};
use crate::domain::error::DomainError;
use crate::domain::ids::{ReasonId, StatusId};
use crate::domain::users::Caller;
use crate::store::{Catalog, Reads, RuleLock, Writes};

fn no_such_reason(id: ReasonId) -> DomainError {
    DomainError::not_found(format!("There is no call-log reason {id}."))
}

fn no_such_status(id: StatusId) -> DomainError {
    DomainError::not_found(format!("There is no status {id}."))
}

/// Refuses a name another entry of the catalog has (`except_id` is the entry being renamed).
fn check_name_free(tx: &mut dyn Writes, catalog: Catalog, name: &str, except_id: i64) -> ServiceResult<()> {
    if tx.catalog_name_taken(catalog, name, except_id)? {
        let what = match catalog {
            Catalog::Reasons => "reason",
            Catalog::Statuses => "status",
        };
        return Err(DomainError::invalid_operation(format!(
            "A {what} named {name:?} already exists (names ignore case)."
        ))
        .into());
    }
    Ok(())
}

fn audit(
    tx: &mut dyn Writes,
    caller: &Caller,
    action: AuditAction,
    target: String,
    details: String,
) -> ServiceResult<()> {
    Ok(tx.record_audit(&AuditEntry::by(caller, action, target, Some(details)))?)
}

impl Service {
    pub async fn list_reasons(&self, _caller: &Caller, include_inactive: bool) -> ServiceResult<Vec<CallLogReason>> {
        self.store.read(move |tx| -> ServiceResult<_> { Ok(tx.reasons(include_inactive)?) }).await
    }

    pub async fn get_reason(&self, _caller: &Caller, reason_id: ReasonId) -> ServiceResult<CallLogReason> {
        self.store
            .read(move |tx| -> ServiceResult<_> { Ok(tx.reason(reason_id)?) })
            .await?
            .ok_or_else(|| no_such_reason(reason_id).into())
    }

    pub async fn create_reason(&self, caller: &Admin, input: CatalogInput) -> ServiceResult<CallLogReason> {
        let actor = Caller::clone(caller);
        self.store
            .write(move |tx| -> ServiceResult<CallLogReason> {
                tx.lock_rules(RuleLock::Catalog(Catalog::Reasons))?;
                let name = input.name.as_deref().ok_or_else(|| DomainError::missing("Name is required."))?;
                check_name_free(tx, Catalog::Reasons, name, 0)?;
                let order = match input.display_order {
                    Some(order) => order,
                    None => display_order_after(tx.last_display_order(Catalog::Reasons)?),
                };
                let id = tx.insert_reason(name, order)?;
                let reason = tx.reason(id)?.ok_or_else(|| ServiceError::Internal("inserted reason vanished".into()))?;
                let details = format!("DisplayOrder {}", reason.display_order);
                audit(tx, &actor, AuditAction::ReasonCreated, audit::reason_target(&reason), details)?;
                Ok(reason)
            })
            .await
    }

    pub async fn update_reason(
        &self,
        caller: &Admin,
        reason_id: ReasonId,
        input: CatalogInput,
    ) -> ServiceResult<CallLogReason> {
        let actor = Caller::clone(caller);
        self.store
            .write(move |tx| -> ServiceResult<CallLogReason> {
                tx.lock_rules(RuleLock::Catalog(Catalog::Reasons))?;
                let before = tx.reason(reason_id)?.ok_or_else(|| no_such_reason(reason_id))?;
                if let Some(name) = &input.name {
                    check_name_free(tx, Catalog::Reasons, name, reason_id.0)?;
                }
                tx.update_reason(reason_id, &input)?;
                let after =
                    tx.reason(reason_id)?.ok_or_else(|| ServiceError::Internal("updated reason vanished".into()))?;
                if let Some(details) = audit::reason_changes(&before, &after) {
                    audit(tx, &actor, AuditAction::ReasonChanged, audit::reason_target(&after), details)?;
                }
                Ok(after)
            })
            .await
    }

    pub async fn list_statuses(&self, _caller: &Caller, include_inactive: bool) -> ServiceResult<Vec<ModuleStatus>> {
        self.store.read(move |tx| -> ServiceResult<_> { Ok(tx.statuses(include_inactive)?) }).await
    }

    pub async fn get_status(&self, _caller: &Caller, status_id: StatusId) -> ServiceResult<ModuleStatus> {
        self.store
            .read(move |tx| -> ServiceResult<_> { Ok(tx.status(status_id)?) })
            .await?
            .ok_or_else(|| no_such_status(status_id).into())
    }

    pub async fn create_status(&self, caller: &Admin, input: CatalogInput) -> ServiceResult<ModuleStatus> {
        let actor = Caller::clone(caller);
        self.store
            .write(move |tx| -> ServiceResult<ModuleStatus> {
                tx.lock_rules(RuleLock::Catalog(Catalog::Statuses))?;
                let name = input.name.as_deref().ok_or_else(|| DomainError::missing("Name is required."))?;
                let category = input.category.ok_or_else(|| DomainError::missing("Category is required."))?;
                check_name_free(tx, Catalog::Statuses, name, 0)?;
                let order = match input.display_order {
                    Some(order) => order,
                    None => display_order_after(tx.last_display_order(Catalog::Statuses)?),
                };
                let id = tx.insert_status(name, category, order)?;
                let mut details = format!("Category {category}; DisplayOrder {order}");
                if input.is_default == Some(true) {
                    details.push_str("; IsDefault true");
                    if let Some(previous) = tx.default_status()? {
                        details.push_str(&format!(" (the default was {})", audit::status_target(&previous)));
                    }
                    // Exactly one default, in the same transaction.
                    tx.clear_default_status(id)?;
                    tx.update_status(id, &CatalogInput { is_default: Some(true), ..Default::default() })?;
                }
                let status = tx.status(id)?.ok_or_else(|| ServiceError::Internal("inserted status vanished".into()))?;
                audit(tx, &actor, AuditAction::StatusCreated, audit::status_target(&status), details)?;
                Ok(status)
            })
            .await
    }

    /// Making a status the default clears the previous one in the same
    /// transaction; un-defaulting or deactivating the default is refused.
    pub async fn update_status(
        &self,
        caller: &Admin,
        status_id: StatusId,
        input: CatalogInput,
    ) -> ServiceResult<ModuleStatus> {
        let actor = Caller::clone(caller);
        self.store
            .write(move |tx| -> ServiceResult<ModuleStatus> {
                tx.lock_rules(RuleLock::Catalog(Catalog::Statuses))?;
                let current = tx.status(status_id)?.ok_or_else(|| no_such_status(status_id))?;
                check_default_rules(&current, &input)?;
                if let Some(name) = &input.name {
                    check_name_free(tx, Catalog::Statuses, name, status_id.0)?;
                }
                let previous_default = if input.is_default == Some(true) { tx.default_status()? } else { None };
                if input.is_default == Some(true) {
                    tx.clear_default_status(status_id)?;
                }
                tx.update_status(status_id, &input)?;
                let after =
                    tx.status(status_id)?.ok_or_else(|| ServiceError::Internal("updated status vanished".into()))?;
                if let Some(details) = audit::status_changes(&current, &after, previous_default.as_ref()) {
                    audit(tx, &actor, AuditAction::StatusChanged, audit::status_target(&after), details)?;
                }
                Ok(after)
            })
            .await
    }
}

/// Unknown ids in a list's `status` or `reason` filter, as field errors.
pub(crate) fn check_filter_ids(
    tx: &mut dyn Reads,
    statuses: Option<&[StatusId]>,
    reasons: Option<&[ReasonId]>,
) -> ServiceResult<()> {
    let mut errors = Vec::new();
    // The store asks either catalog by its plain numbers, the catalog named beside them.
    let statuses = statuses.map(|ids| ids.iter().map(|id| id.0).collect::<Vec<_>>());
    let reasons = reasons.map(|ids| ids.iter().map(|id| id.0).collect::<Vec<_>>());
    for (catalog, name, ids) in [(Catalog::Statuses, "status", statuses), (Catalog::Reasons, "reason", reasons)] {
        if let Some(ids) = ids {
            let what = if catalog == Catalog::Statuses { "call-log status" } else { "call-log reason" };
            for id in tx.unknown_catalog_ids(catalog, &ids)? {
                errors.push(crate::domain::error::FieldError::new(name, format!("has {id}, which is not a {what}")));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::from_field_errors(errors, false).into())
    }
}
