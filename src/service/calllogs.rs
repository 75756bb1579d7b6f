//! Call logs (docs/api.md §4, §7): create, read, the original's update (append),
//! delete and restore, history, the lists, summaries and the export.

use super::access::{Admin, Writer};
use super::catalog::check_filter_ids;
use super::directory::{visible_property, visible_resident, visible_unit};
use super::{Service, ServiceError, ServiceResult};
use crate::domain::calllogs::{
    changes_of, check_event_room, CallLog, CallLogFilter, CallLogRow, CallLogUpdate, CategoryCounts, Comment,
    EventKind, HistoryEntry, IfMatch, NewCallLog, NewEvent, RememberedKey, TrackedField, UnitSummary,
};
use crate::domain::catalog::ModuleStatus;
use crate::domain::error::{DomainError, FieldError};
use crate::domain::ids::{LogId, PropertyId, ResidentId, StatusId, UnitId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::domain::users::Caller;
use crate::store::{Reads, Writes};

/// How long an `Idempotency-Key` replays its first log (docs/api.md §4).
const IDEMPOTENCY_WINDOW_SECONDS: i64 = 24 * 3600;

/// A create's outcome: a new log, or the one an `Idempotency-Key` made before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    Created,
    Replayed,
}

/// What a create's write did: made a log, or found the one its key made.
enum CreateOutcome {
    New(Box<CallLog>),
    Replay(LogId),
}

/// Which list route a filter came from: the path's resource narrows it.
#[derive(Debug, Clone, Copy)]
pub enum ListScope {
    Everywhere,
    Property(PropertyId),
    Unit(UnitId),
    Resident(ResidentId),
}

fn no_such_log(log_id: LogId) -> DomainError {
    DomainError::not_found(format!("There is no call log {log_id}."))
}

/// The log when it exists and is not deleted (a deleted log answers 404).
fn live_log(tx: &mut dyn Reads, log_id: LogId) -> ServiceResult<CallLog> {
    tx.call_log(log_id)?.filter(|log| !log.deleted).ok_or_else(|| no_such_log(log_id).into())
}

/// Checks every reference of a new log against the directory and catalog
/// and fills the defaults: the unit and the caller's name come from a linked
/// resident. Every problem is listed.
fn resolve_new_log(
    tx: &mut dyn Writes,
    input: &NewCallLog,
    caller: &Caller,
    now: Stamp,
) -> ServiceResult<(CallLogRow, ModuleStatus)> {
    let mut errors = Vec::new();
    let mut unit_id = input.unit_id;
    let mut call_from = input.call_from.clone();
    if tx.property(input.property_id)?.is_none() {
        errors.push(FieldError::new(
            "PropertyId",
            format!("refers to property {}, which does not exist", input.property_id),
        ));
    }
    // Say what is wrong from the caller's side: a unit or resident of a
    // property the caller may not see is "not a unit of property N", whether
    // it exists elsewhere or not; its own property is named only when the
    // caller may see it.
    let property_id = input.property_id;
    if let Some(id) = input.unit_id {
        match tx.unit(id)? {
            Some(u) if u.property_id == property_id => {}
            Some(u) if caller.can_see(u.property_id) => errors.push(FieldError::new(
                "UnitId",
                format!("{id} is a unit of property {}, not of property {property_id}", u.property_id),
            )),
            _ => errors.push(FieldError::new("UnitId", format!("{id} is not a unit of property {property_id}"))),
        }
    }
    if let Some(id) = input.resident_id {
        match tx.resident(id)? {
            Some(r) if r.property_id != property_id && caller.can_see(r.property_id) => errors.push(FieldError::new(
                "ResidentId",
                format!("{id} is a resident of property {}, not of property {property_id}", r.property_id),
            )),
            Some(r) if r.property_id != property_id => {
                errors.push(FieldError::new("ResidentId", format!("{id} is not a resident of property {property_id}")))
            }
            None => {
                errors.push(FieldError::new("ResidentId", format!("{id} is not a resident of property {property_id}")))
            }
            Some(r) if input.unit_id.is_some_and(|u| u != r.unit_id) => errors.push(FieldError::new(
                "ResidentId",
                format!("{id} lives in unit {}, not in unit {}", r.unit_id, input.unit_id.map_or(0, |u| u.0)),
            )),
            // docs/api.md §6: a resident who has moved out is no longer linked to
            // new calls; the caller is named in CallFrom instead.
            Some(r) if r.moved_out(now) => errors.push(FieldError::new(
                "ResidentId",
                format!(
                    "refers to resident {id} ({}), who has moved out (MoveOutDate); log the call without ResidentId, \
                     with the caller's name in CallFrom",
                    r.full_name()
                ),
            )),
            Some(r) => {
                unit_id = Some(r.unit_id);
                // A linked resident's name is the caller; any CallFrom sent is ignored.
                call_from = Some(r.full_name());
            }
        }
    }
    let status = match input.status_id {
        Some(id) => match tx.status(id)? {
            Some(s) if s.active => Some(s),
            Some(_) => {
                errors.push(FieldError::new("ModuleStatusId", format!("refers to status {id}, which is inactive")));
                None
            }
            None => {
                errors.push(FieldError::new("ModuleStatusId", format!("{id} is not a call-log status")));
                None
            }
        },
        None => Some(tx.default_status()?.ok_or_else(|| ServiceError::Internal("no default call-log status".into()))?),
    };
    for (i, reason_id) in input.reasons.iter().enumerate() {
        match tx.reason(*reason_id)? {
            Some(r) if r.active => {}
            Some(_) => {
                errors.push(FieldError::new(format!("LogReasons[{i}]"), format!("reason {reason_id} is inactive")))
            }
            None => errors
                .push(FieldError::new(format!("LogReasons[{i}]"), format!("{reason_id} is not a call-log reason"))),
        }
    }
    if !errors.is_empty() {
        return Err(DomainError::from_field_errors(errors, false).into());
    }
    let (Some(status), Some(call_from)) = (status, call_from) else {
        return Err(DomainError::missing("CallFrom is required when the call is not linked to a resident.").into());
    };
    let row = CallLogRow {
        property_id: input.property_id,
        unit_id,
        resident_id: input.resident_id,
        call_from,
        status_id: status.module_status_id,
        subject: input.subject.clone(),
        notes: input.notes.clone(),
        takenby: input.takenby.clone().unwrap_or_else(|| caller.display_name.clone()),
        created_on: input.created_on.unwrap_or(now),
        modified_on: now,
        created_by: caller.user_id,
    };
    Ok((row, status))
}

/// The status a log has after an update that may change it: a new status must be active.
fn status_after(tx: &mut dyn Writes, current_id: StatusId, requested: Option<StatusId>) -> ServiceResult<ModuleStatus> {
    match requested {
        Some(id) if id != current_id => match tx.status(id)? {
            Some(s) if s.active => Ok(s),
            Some(_) => {
                Err(DomainError::invalid_field("ModuleStatusId", &format!("refers to status {id}, which is inactive"))
                    .into())
            }
            None => Err(DomainError::invalid_field("ModuleStatusId", &format!("{id} is not a call-log status")).into()),
        },
        _ => tx.status(current_id)?.ok_or_else(|| ServiceError::Internal(format!("status {current_id} is missing"))),
    }
}

impl Service {
    /// Logs a call. With an `Idempotency-Key`, a repeat by the same user
    /// within 24 h answers the first log and creates nothing (docs/api.md §4).
    /// The key is bound to its body: a repeat whose body differs (in any
    /// field the create takes) is refused, 422/119, so a client that reuses
    /// a key by mistake never loses a call silently. A repeat is not checked
    /// against the current state (the first request was), only for access,
    /// as a GET of the first log is.
    pub async fn create_call_log(
        &self,
        caller: &Writer,
        input: NewCallLog,
        idempotency_key: Option<String>,
    ) -> ServiceResult<(CallLog, Creation)> {
        let caller_in_tx = Caller::clone(caller);
        let created = self
            .store
            .write(move |tx| -> ServiceResult<CreateOutcome> {
                let caller = caller_in_tx;
                // Taken inside the write: ModifiedOn follows the order writes
                // begin in (what `modifiedSince` polling relies on).
                let now = Stamp::now();
                let since = now.plus_seconds(-IDEMPOTENCY_WINDOW_SECONDS);
                // What the key is bound to (computed only when there is a key).
                let fingerprint = idempotency_key.as_ref().map(|_| super::idempotency::fingerprint(&input));
                if let Some(key) = &idempotency_key {
                    if let Some(remembered) = tx.idempotent_log(caller.user_id, key, since)? {
                        // A key remembered before keys were bound to bodies has
                        // no fingerprint: it replays as it did then.
                        if remembered.fingerprint.is_some() && remembered.fingerprint != fingerprint {
                            return Err(DomainError::key_reused(format!(
                                "The Idempotency-Key {key:?} was used within the last 24 hours with a different \
                                 request body; nothing was created. Send a new key for a new call, or the same body \
                                 to repeat that request."
                            ))
                            .into());
                        }
                        return Ok(CreateOutcome::Replay(remembered.log_id));
                    }
                }
                caller.require_property(input.property_id)?;
                let (row, status) = resolve_new_log(tx, &input, &caller, now)?;
                let log_id = tx.insert_call_log(&row)?;
                tx.link_reasons(log_id, &input.reasons)?;
                let author = caller.author();
                let mut events = vec![NewEvent::plain(EventKind::Created)];
                if let Some(comment) = &input.comment {
                    events.push(NewEvent::comment(comment, &status.name));
                }
                let last_event_no = tx.append_events(log_id, 0, &events, &author, now)?;
                if let Some(key) = &idempotency_key {
                    let remembered = RememberedKey { log_id, fingerprint };
                    tx.remember_idempotency_key(caller.user_id, key, &remembered, now)?;
                    // Keep the table small: forget keys past their window now and then.
                    if log_id.0 % 64 == 0 {
                        tx.forget_idempotency_keys_before(since)?;
                    }
                }
                let first_comment = input.comment.map(|comment| Comment {
                    comment,
                    date: now,
                    user: author.display_name,
                    status: Some(status.name),
                });
                Ok(CreateOutcome::New(Box::new(CallLog::created(
                    log_id,
                    row,
                    &input.reasons,
                    first_comment,
                    last_event_no,
                ))))
            })
            .await?;
        match created {
            // A new log is answered as written: the writer knows every field
            // of it, so reading it back would only repeat them.
            CreateOutcome::New(log) => Ok((*log, Creation::Created)),
            // A replay answers what a GET of the first log would, read after
            // the commit, off the writer: 404 when it was deleted since, 403
            // when its property is no longer linked to the caller (the key
            // is no way around a revoked link).
            CreateOutcome::Replay(log_id) => Ok((self.get_call_log(caller, log_id).await?, Creation::Replayed)),
        }
    }

    pub async fn get_call_log(&self, caller: &Caller, log_id: LogId) -> ServiceResult<CallLog> {
        let log = self.store.read(move |tx| live_log(tx, log_id)).await?;
        caller.require_access(log.property_id, "Call log", log_id)?;
        Ok(log)
    }

    /// The original's update: only notes and status change, and a comment
    /// may be appended. Reads only the log's head, never its thread, so a
    /// write costs the same however long the thread is. Returns the new ETag.
    pub async fn append_to_call_log(
        &self,
        caller: &Writer,
        log_id: LogId,
        update: CallLogUpdate,
        if_match: Option<IfMatch>,
    ) -> ServiceResult<String> {
        let caller = Caller::clone(caller);
        self.store
            .write(move |tx| -> ServiceResult<String> {
                let now = Stamp::now();
                let head = tx.call_log_head(log_id)?.filter(|h| !h.deleted).ok_or_else(|| no_such_log(log_id))?;
                caller.require_access(head.property_id, "Call log", log_id)?;
                if let Some(condition) = &if_match {
                    if !condition.matches(&head.etag()) {
                        return Err(DomainError::precondition_failed(format!(
                            "Call log {log_id} has changed (its ETag is now {}); read it again and retry.",
                            head.etag()
                        ))
                        .into());
                    }
                }
                let status = status_after(tx, head.status_id, update.status_id)?;
                let changes = changes_of(&head, &update);
                if changes.is_empty() && update.comment.is_none() {
                    // Nothing to change: no history row, the same ETag.
                    return Ok(head.etag());
                }
                let mut events = Vec::new();
                for change in &changes {
                    match change.field {
                        TrackedField::Notes => tx.set_notes(log_id, change.new_value.as_deref())?,
                        TrackedField::ModuleStatusId => tx.set_status(log_id, status.module_status_id)?,
                    }
                    events.push(NewEvent {
                        kind: EventKind::Updated,
                        field: Some(change.field),
                        old_value: change.old_value.clone(),
                        new_value: change.new_value.clone(),
                        status_name: None,
                    });
                }
                if let Some(comment) = &update.comment {
                    events.push(NewEvent::comment(comment, &status.name));
                }
                check_event_room(log_id, head.last_event_no, events.len())?;
                let last = tx.append_events(log_id, head.last_event_no, &events, &caller.author(), now)?;
                Ok(crate::domain::calllogs::etag_of(log_id, last))
            })
            .await
    }

    /// Soft delete: the log then answers 404 and leaves every list and count.
    pub async fn delete_call_log(&self, caller: &Admin, log_id: LogId) -> ServiceResult<()> {
        let author = caller.author();
        self.store
            .write(move |tx| -> ServiceResult<()> {
                let head = tx.call_log_head(log_id)?.filter(|h| !h.deleted).ok_or_else(|| no_such_log(log_id))?;
                check_event_room(log_id, head.last_event_no, 1)?;
                tx.set_deleted(log_id, true)?;
                tx.append_events(
                    log_id,
                    head.last_event_no,
                    &[NewEvent::plain(EventKind::Deleted)],
                    &author,
                    Stamp::now(),
                )?;
                Ok(())
            })
            .await
    }

    /// Undoes a delete; restoring a log that is not deleted is refused.
    pub async fn restore_call_log(&self, caller: &Admin, log_id: LogId) -> ServiceResult<CallLog> {
        let author = caller.author();
        self.store
            .write(move |tx| -> ServiceResult<()> {
                let head = tx.call_log_head(log_id)?.ok_or_else(|| no_such_log(log_id))?;
                if !head.deleted {
                    return Err(DomainError::invalid_operation(format!(
                        "Call log {log_id} is not deleted; there is nothing to restore."
                    ))
                    .into());
                }
                check_event_room(log_id, head.last_event_no, 1)?;
                tx.set_deleted(log_id, false)?;
                tx.append_events(
                    log_id,
                    head.last_event_no,
                    &[NewEvent::plain(EventKind::Restored)],
                    &author,
                    Stamp::now(),
                )?;
                Ok(())
            })
            .await?;
        self.store.read(move |tx| live_log(tx, log_id)).await
    }

    pub async fn call_log_history(
        &self,
        caller: &Caller,
        log_id: LogId,
        page: Page,
    ) -> ServiceResult<(i64, Vec<HistoryEntry>)> {
        let caller = Caller::clone(caller);
        self.store
            .read(move |tx| -> ServiceResult<_> {
                let head = tx.call_log_head(log_id)?.filter(|h| !h.deleted).ok_or_else(|| no_such_log(log_id))?;
                caller.require_access(head.property_id, "Call log", log_id)?;
                Ok(tx.history(log_id, page)?)
            })
            .await
    }

    /// One page of a list route's logs and the total count of matches.
    pub async fn list_call_logs(
        &self,
        caller: &Caller,
        scope: ListScope,
        filter: CallLogFilter,
        page: Page,
    ) -> ServiceResult<(i64, Vec<CallLog>)> {
        let caller = Caller::clone(caller);
        // A search first takes its turn among the costly reads, before a connection.
        let _place = match filter.search {
            Some(_) => Some(self.costly_reads.enter(caller.user_id).await?),
            None => None,
        };
        let settled = filter.modified_since.is_some();
        let list = move |tx: &mut dyn Reads| -> ServiceResult<_> {
            let filter = authorize_filter(tx, &caller, scope, filter)?;
            Ok(tx.list_call_logs(&filter, page)?)
        };
        // A `modifiedSince` poll reads after the writes in flight (see `Store::read_settled`).
        if settled {
            self.store.read_settled(list).await
        } else {
            self.store.read(list).await
        }
    }

    pub async fn property_summary(&self, caller: &Caller, property_id: PropertyId) -> ServiceResult<CategoryCounts> {
        let caller = Caller::clone(caller);
        self.store
            .read(move |tx| -> ServiceResult<_> {
                visible_property(tx, &caller, property_id)?;
                Ok(tx.property_counts(property_id)?)
            })
            .await
    }

    pub async fn unit_summary(&self, caller: &Caller, property_id: PropertyId) -> ServiceResult<Vec<UnitSummary>> {
        let caller = Caller::clone(caller);
        self.store
            .read(move |tx| -> ServiceResult<_> {
                visible_property(tx, &caller, property_id)?;
                Ok(tx.unit_counts(property_id)?)
            })
            .await
    }
}

/// Narrows a filter to what the caller may see and checks its ids: lists
/// silently keep to the linked properties; naming an unlinked property
/// (directly, by the path, or through a unit or resident) is 403; unknown
/// status or reason ids are 400.
pub(super) fn authorize_filter(
    tx: &mut dyn Reads,
    caller: &Caller,
    scope: ListScope,
    mut filter: CallLogFilter,
) -> ServiceResult<CallLogFilter> {
    match scope {
        ListScope::Everywhere => {}
        ListScope::Property(id) => filter.property_id = Some(visible_property(tx, caller, id)?.property_id),
        ListScope::Unit(id) => filter.unit_id = Some(visible_unit(tx, caller, id)?.unit_id),
        ListScope::Resident(id) => filter.resident_id = Some(visible_resident(tx, caller, id)?.resident_id),
    }
    if !caller.is_admin() {
        filter.scope = Some(caller.property_ids.clone());
        if let Some(id) = filter.property_id {
            caller.require_property(id)?;
        }
        if let Some(unit) = filter.unit_id.map(|id| tx.unit(id)).transpose()?.flatten() {
            caller.require_access(unit.property_id, "Unit", unit.unit_id)?;
        }
        if let Some(resident) = filter.resident_id.map(|id| tx.resident(id)).transpose()?.flatten() {
            caller.require_access(resident.property_id, "Resident", resident.resident_id)?;
        }
    }
    check_filter_ids(tx, filter.statuses.as_deref(), filter.reasons.as_deref())?;
    Ok(filter)
}
