//! The answer models: each domain type as this API writes it (PascalCase
//! names, `null` for absent values, dates in the office's zone), with the
//! schema the OpenAPI document shows for it. A model is made from its domain
//! value by [`IntoWire`], which takes the zone explicitly; the JSON writers
//! (`wire::ok_json` and those of `http`) take anything that converts.
//!
//! Field order, names and doc comments here are the wire format and the
//! document: a field added to a domain type appears on the wire only when
//! its model gets it too.

use crate::domain::audit::{AuditAction, AuditEntry as DomainAuditEntry};
use crate::domain::calllogs::{
    CallLog as DomainCallLog, CategoryCounts as DomainCategoryCounts, Comment as DomainComment,
    EventKind as DomainEventKind, HistoryEntry as DomainHistoryEntry, PropertySummary as DomainPropertySummary,
    TrackedField as DomainTrackedField, UnitSummary as DomainUnitSummary,
};
use crate::domain::catalog::{CallLogReason as DomainReason, ModuleStatus as DomainStatus};
use crate::domain::directory::{
    ImportCounts as DomainImportCounts, Property as DomainProperty, Resident as DomainResident, Unit as DomainUnit,
};
use crate::domain::error::FieldError as DomainFieldError;
use crate::domain::lookup::{
    LookupAnswer as DomainLookupAnswer, LookupHit as DomainLookupHit, LookupKind as DomainLookupKind,
};
use crate::domain::time::Stamp;
use crate::domain::users::{Role as DomainRole, TokenInfo as DomainTokenInfo, User as DomainUser};
use crate::wire::ids::Raw;
use crate::wire::query::ListWrapper;
use jiff::tz::TimeZone;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::RefOr;

/// A domain value as this API writes it, its dates in `zone`.
pub trait IntoWire {
    type Wire: Serialize;
    fn into_wire(self, zone: &TimeZone) -> Self::Wire;
}

impl<T: IntoWire> IntoWire for Vec<T> {
    type Wire = Vec<T::Wire>;
    fn into_wire(self, zone: &TimeZone) -> Self::Wire {
        self.into_iter().map(|item| item.into_wire(zone)).collect()
    }
}

impl<T: IntoWire> IntoWire for Option<T> {
    type Wire = Option<T::Wire>;
    fn into_wire(self, zone: &TimeZone) -> Self::Wire {
        self.map(|item| item.into_wire(zone))
    }
}

impl<T: IntoWire> IntoWire for ListWrapper<T> {
    type Wire = ListWrapper<T::Wire>;
    fn into_wire(self, zone: &TimeZone) -> Self::Wire {
        ListWrapper { total: self.total, elements: self.elements.into_wire(zone) }
    }
}

/// Models written as they are (answers made at the edge, already in wire form).
macro_rules! already_wire {
    ($($model:ty),* $(,)?) => {
        $(impl IntoWire for $model {
            type Wire = $model;
            fn into_wire(self, _zone: &TimeZone) -> Self::Wire {
                self
            }
        })*
    };
}

/// A date as written: `YYYY-MM-DDTHH:MM:SS.fffffff±HH:MM` (RFC 3339) in
/// the office's zone. Named `Stamp` in the document, as it always was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date(String);

impl Date {
    pub fn of(stamp: Stamp, zone: &TimeZone) -> Date {
        Date(stamp.format_in(zone))
    }
}

impl IntoWire for Stamp {
    type Wire = Date;
    fn into_wire(self, zone: &TimeZone) -> Date {
        Date::of(self, zone)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Dates are written `YYYY-MM-DDTHH:MM:SS.fffffff±HH:MM` (RFC 3339) in the server's zone.
impl utoipa::PartialSchema for Date {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .examples(["2026-01-31T14:30:00.0000000+00:00"])
            .into()
    }
}

impl utoipa::ToSchema for Date {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Stamp")
    }
}

/// `CallCenterActivityLogComment`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = CallCenterActivityLogComment)]
pub struct Comment {
    pub comment: String,
    pub date: Date,
    pub user: String,
    pub status: Option<String>,
}

impl IntoWire for DomainComment {
    type Wire = Comment;
    fn into_wire(self, zone: &TimeZone) -> Comment {
        Comment { comment: self.comment, date: Date::of(self.date, zone), user: self.user, status: self.status }
    }
}

/// `CallCenterActivityLog` as answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = CallCenterActivityLog)]
pub struct CallLog {
    pub log_id: i64,
    pub property_id: i64,
    pub unit_id: Option<i64>,
    pub resident_id: Option<i64>,
    pub call_from: String,
    pub module_status_id: i64,
    pub subject: String,
    pub notes: Option<String>,
    pub log_reasons: Vec<i64>,
    pub takenby: String,
    pub old_comments: Vec<Comment>,
    /// Write-only: always null in answers.
    pub new_comments: Option<String>,
    pub created_on: Date,
    pub modified_on: Date,
}

impl IntoWire for DomainCallLog {
    type Wire = CallLog;
    fn into_wire(self, zone: &TimeZone) -> CallLog {
        CallLog {
            log_id: self.log_id.raw(),
            property_id: self.property_id.raw(),
            unit_id: self.unit_id.raw(),
            resident_id: self.resident_id.raw(),
            call_from: self.call_from,
            module_status_id: self.module_status_id.raw(),
            subject: self.subject,
            notes: self.notes,
            log_reasons: self.log_reasons.raw(),
            takenby: self.takenby,
            old_comments: self.old_comments.into_wire(zone),
            new_comments: self.new_comments,
            created_on: Date::of(self.created_on, zone),
            modified_on: Date::of(self.modified_on, zone),
        }
    }
}

/// The kinds of rows in a log's event stream (comments and history are two readings of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Created,
    Updated,
    Commented,
    Deleted,
    Restored,
}

impl From<DomainEventKind> for EventKind {
    fn from(kind: DomainEventKind) -> EventKind {
        match kind {
            DomainEventKind::Created => EventKind::Created,
            DomainEventKind::Updated => EventKind::Updated,
            DomainEventKind::Commented => EventKind::Commented,
            DomainEventKind::Deleted => EventKind::Deleted,
            DomainEventKind::Restored => EventKind::Restored,
        }
    }
}

/// The fields whose changes the history records (the only ones `PUT` changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum TrackedField {
    Notes,
    ModuleStatusId,
}

impl From<DomainTrackedField> for TrackedField {
    fn from(field: DomainTrackedField) -> TrackedField {
        match field {
            DomainTrackedField::Notes => TrackedField::Notes,
            DomainTrackedField::ModuleStatusId => TrackedField::ModuleStatusId,
        }
    }
}

/// One row of `GET /api/calllogs/{id}/history`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct HistoryEntry {
    pub date: Date,
    pub user: String,
    pub action: EventKind,
    pub field: Option<TrackedField>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl IntoWire for DomainHistoryEntry {
    type Wire = HistoryEntry;
    fn into_wire(self, zone: &TimeZone) -> HistoryEntry {
        HistoryEntry {
            date: Date::of(self.date, zone),
            user: self.user,
            action: self.action.into(),
            field: self.field.map(TrackedField::from),
            old_value: self.old_value,
            new_value: self.new_value,
        }
    }
}

/// Call-log counts by status category, for a property or one of its units
/// (docs/api.md §7); deleted logs are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CategoryCounts {
    pub call_logs: i64,
    pub open_call_logs: i64,
    pub pending_call_logs: i64,
    pub closed_call_logs: i64,
}

impl From<DomainCategoryCounts> for CategoryCounts {
    fn from(counts: DomainCategoryCounts) -> CategoryCounts {
        CategoryCounts {
            call_logs: counts.call_logs,
            open_call_logs: counts.open_call_logs,
            pending_call_logs: counts.pending_call_logs,
            closed_call_logs: counts.closed_call_logs,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct PropertySummary {
    pub property_id: i64,
    #[serde(flatten)]
    pub counts: CategoryCounts,
}

impl From<DomainPropertySummary> for PropertySummary {
    fn from(summary: DomainPropertySummary) -> PropertySummary {
        PropertySummary { property_id: summary.property_id.raw(), counts: summary.counts.into() }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UnitSummary {
    pub unit_id: i64,
    #[serde(flatten)]
    pub counts: CategoryCounts,
}

impl From<DomainUnitSummary> for UnitSummary {
    fn from(summary: DomainUnitSummary) -> UnitSummary {
        UnitSummary { unit_id: summary.unit_id.raw(), counts: summary.counts.into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Agent,
    Viewer,
}

impl From<DomainRole> for Role {
    fn from(role: DomainRole) -> Role {
        match role {
            DomainRole::Admin => Role::Admin,
            DomainRole::Agent => Role::Agent,
            DomainRole::Viewer => Role::Viewer,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub user_id: i64,
    pub user_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub active: bool,
    pub property_ids: Vec<i64>,
}

impl From<DomainUser> for User {
    fn from(user: DomainUser) -> User {
        User {
            user_id: user.user_id.raw(),
            user_name: user.user_name,
            first_name: user.first_name,
            last_name: user.last_name,
            email: user.email,
            role: user.role.into(),
            active: user.active,
            property_ids: user.property_ids.raw(),
        }
    }
}

/// An API or session token as listed (never with the clear token).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
#[schema(as = Token)]
pub struct TokenInfo {
    pub token_id: i64,
    pub name: Option<String>,
    pub created_on: Date,
    pub expires_on: Option<Date>,
}

impl IntoWire for DomainTokenInfo {
    type Wire = TokenInfo;
    fn into_wire(self, zone: &TimeZone) -> TokenInfo {
        TokenInfo {
            token_id: self.token_id.raw(),
            name: self.name,
            created_on: Date::of(self.created_on, zone),
            expires_on: self.expires_on.into_wire(zone),
        }
    }
}

/// What was done, as the audit log names it (`user.created`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action(AuditAction);

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl utoipa::PartialSchema for Action {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .enum_values(Some(<AuditAction as strum::VariantArray>::VARIANTS.iter().map(|a| a.as_str())))
            .description(Some("what was done"))
            .into()
    }
}

impl utoipa::ToSchema for Action {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("AuditAction")
    }
}

/// One entry: `At`, the actor (`UserId` null for the command line), what was
/// done to what, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AuditEntry {
    pub at: Date,
    /// The actor; null when the change came from the command line.
    pub user_id: Option<i64>,
    /// The actor's user name at the time, or "command line".
    pub user_name: String,
    pub action: Action,
    /// What was changed, e.g. `user jdoe (id 5)`.
    pub target: String,
    /// How, e.g. `agent → admin`; null when the action says it all.
    pub details: Option<String>,
}

impl IntoWire for DomainAuditEntry {
    type Wire = AuditEntry;
    fn into_wire(self, zone: &TimeZone) -> AuditEntry {
        AuditEntry {
            at: Date::of(self.at, zone),
            user_id: self.user_id.raw(),
            user_name: self.user_name,
            action: Action(self.action),
            target: self.target,
            details: self.details,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CallLogReason {
    pub call_log_reason_id: i64,
    pub name: String,
    pub active: bool,
    pub display_order: i64,
}

impl From<DomainReason> for CallLogReason {
    fn from(reason: DomainReason) -> CallLogReason {
        CallLogReason {
            call_log_reason_id: reason.call_log_reason_id.raw(),
            name: reason.name,
            active: reason.active,
            display_order: reason.display_order,
        }
    }
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

impl From<DomainStatus> for ModuleStatus {
    fn from(status: DomainStatus) -> ModuleStatus {
        ModuleStatus {
            module_status_id: status.module_status_id.raw(),
            module: status.module,
            name: status.name,
            category: status.category.to_string(),
            is_default: status.is_default,
            active: status.active,
            display_order: status.display_order,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Property {
    pub property_id: i64,
    pub c4_uid: Option<String>,
    pub property_name: String,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub entity_number: Option<String>,
    pub legal_name: Option<String>,
    pub property_type_id: Option<i64>,
    pub property_status: bool,
}

impl From<DomainProperty> for Property {
    fn from(p: DomainProperty) -> Property {
        Property {
            property_id: p.property_id.raw(),
            c4_uid: p.c4_uid,
            property_name: p.property_name,
            address1: p.address1,
            address2: p.address2,
            city: p.city,
            state: p.state,
            zip: p.zip,
            entity_number: p.entity_number,
            legal_name: p.legal_name,
            property_type_id: p.property_type_id,
            property_status: p.property_status,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Unit {
    pub unit_id: i64,
    pub property_id: i64,
    pub unit_number: String,
    pub address1: Option<String>,
    pub address2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub display_order: Option<i64>,
    pub floor: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

impl From<DomainUnit> for Unit {
    fn from(u: DomainUnit) -> Unit {
        Unit {
            unit_id: u.unit_id.raw(),
            property_id: u.property_id.raw(),
            unit_number: u.unit_number,
            address1: u.address1,
            address2: u.address2,
            city: u.city,
            state: u.state,
            zip: u.zip,
            display_order: u.display_order,
            floor: u.floor,
            latitude: u.latitude,
            longitude: u.longitude,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Resident {
    pub resident_id: i64,
    pub property_id: i64,
    pub unit_id: i64,
    pub resident_first_name: Option<String>,
    pub resident_middle_initial: Option<String>,
    pub resident_last_name: Option<String>,
    pub resident_email: Option<String>,
    pub resident_unitphone: Option<String>,
    pub resident_cellphone: Option<String>,
    pub resident_workphone: Option<String>,
    pub resident_otherphone: Option<String>,
    pub occupancy_type: Option<String>,
    pub resident_type: Option<i64>,
    pub move_in_date: Option<Date>,
    /// docs/api.md §6: from this instant on (a date in the past) the resident has
    /// moved out: old logs keep them, new logs and the lookup do not.
    pub move_out_date: Option<Date>,
}

impl IntoWire for DomainResident {
    type Wire = Resident;
    fn into_wire(self, zone: &TimeZone) -> Resident {
        Resident {
            resident_id: self.resident_id.raw(),
            property_id: self.property_id.raw(),
            unit_id: self.unit_id.raw(),
            resident_first_name: self.resident_first_name,
            resident_middle_initial: self.resident_middle_initial,
            resident_last_name: self.resident_last_name,
            resident_email: self.resident_email,
            resident_unitphone: self.resident_unitphone,
            resident_cellphone: self.resident_cellphone,
            resident_workphone: self.resident_workphone,
            resident_otherphone: self.resident_otherphone,
            occupancy_type: self.occupancy_type,
            resident_type: self.resident_type,
            move_in_date: self.move_in_date.into_wire(zone),
            move_out_date: self.move_out_date.into_wire(zone),
        }
    }
}

/// Counts of rows written by an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ImportCounts {
    pub properties: i64,
    pub units: i64,
    pub residents: i64,
}

impl From<DomainImportCounts> for ImportCounts {
    fn from(counts: DomainImportCounts) -> ImportCounts {
        ImportCounts { properties: counts.properties, units: counts.units, residents: counts.residents }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum LookupKind {
    Resident,
    Unit,
    Property,
    CallLog,
}

impl From<DomainLookupKind> for LookupKind {
    fn from(kind: DomainLookupKind) -> LookupKind {
        match kind {
            DomainLookupKind::Resident => LookupKind::Resident,
            DomainLookupKind::Unit => LookupKind::Unit,
            DomainLookupKind::Property => LookupKind::Property,
            DomainLookupKind::CallLog => LookupKind::CallLog,
        }
    }
}

/// One answer of the lookup.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LookupHit {
    pub kind: LookupKind,
    pub id: i64,
    pub label: String,
    pub property_id: i64,
    pub unit_id: Option<i64>,
    pub resident_id: Option<i64>,
}

impl From<DomainLookupHit> for LookupHit {
    fn from(hit: DomainLookupHit) -> LookupHit {
        LookupHit {
            kind: hit.kind.into(),
            id: hit.id,
            label: hit.label,
            property_id: hit.property_id.raw(),
            unit_id: hit.unit_id.raw(),
            resident_id: hit.resident_id.raw(),
        }
    }
}

/// The lookup's answer: a list (at most 20) and whether its elements are for
/// names near the words typed rather than for those ("Did you mean").
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct LookupAnswer {
    pub total: i64,
    /// `true` when no name matched a word as typed and the elements match
    /// names one or two edits from it instead.
    pub suggested: bool,
    pub elements: Vec<LookupHit>,
}

impl From<DomainLookupAnswer> for LookupAnswer {
    fn from(answer: DomainLookupAnswer) -> LookupAnswer {
        LookupAnswer {
            total: answer.hits.len() as i64,
            suggested: answer.suggested,
            elements: answer.hits.into_iter().map(LookupHit::from).collect(),
        }
    }
}

/// One problem with one input field, as listed in `Errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl From<DomainFieldError> for FieldError {
    fn from(e: DomainFieldError) -> FieldError {
        FieldError { field: e.field, message: e.message }
    }
}

/// Domain values whose model needs no zone convert with `From`.
macro_rules! by_from {
    ($($domain:ty => $model:ty),* $(,)?) => {
        $(impl IntoWire for $domain {
            type Wire = $model;
            fn into_wire(self, _zone: &TimeZone) -> $model {
                self.into()
            }
        })*
    };
}

by_from!(
    DomainPropertySummary => PropertySummary,
    DomainUnitSummary => UnitSummary,
    DomainUser => User,
    DomainReason => CallLogReason,
    DomainStatus => ModuleStatus,
    DomainProperty => Property,
    DomainUnit => Unit,
    DomainImportCounts => ImportCounts,
    DomainLookupHit => LookupHit,
    DomainLookupAnswer => LookupAnswer,
);

already_wire!(
    Comment,
    CallLog,
    HistoryEntry,
    PropertySummary,
    UnitSummary,
    User,
    TokenInfo,
    AuditEntry,
    CallLogReason,
    ModuleStatus,
    Property,
    Unit,
    Resident,
    ImportCounts,
    LookupHit,
    LookupAnswer,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_date;

    #[test]
    fn a_date_is_written_in_the_zone_passed() {
        let s = parse_date("2026-01-01T00:00:00Z", &TimeZone::UTC).unwrap();
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(serde_json::to_string(&s.into_wire(&ny)).unwrap(), "\"2025-12-31T19:00:00.0000000-05:00\"");
        assert_eq!(
            serde_json::to_string(&s.into_wire(&TimeZone::UTC)).unwrap(),
            "\"2026-01-01T00:00:00.0000000+00:00\""
        );
        let entry = DomainTokenInfo {
            token_id: crate::domain::ids::TokenId(1),
            name: None,
            created_on: s,
            expires_on: Some(s),
        };
        let json = serde_json::to_value(entry.into_wire(&ny)).unwrap();
        assert_eq!(json["CreatedOn"], "2025-12-31T19:00:00.0000000-05:00");
        assert_eq!(json["ExpiresOn"], "2025-12-31T19:00:00.0000000-05:00");
    }

    #[test]
    fn event_kinds_and_fields_are_written_as_they_are_stored() {
        use strum::VariantArray;
        for &kind in DomainEventKind::VARIANTS {
            assert_eq!(serde_json::to_value(EventKind::from(kind)).unwrap(), kind.as_str());
        }
        for &field in DomainTrackedField::VARIANTS {
            assert_eq!(serde_json::to_value(TrackedField::from(field)).unwrap(), field.as_str());
        }
        for &action in AuditAction::VARIANTS {
            assert_eq!(serde_json::to_value(Action(action)).unwrap(), action.as_str());
        }
        for role in [DomainRole::Admin, DomainRole::Agent, DomainRole::Viewer] {
            assert_eq!(serde_json::to_value(Role::from(role)).unwrap(), role.as_str());
        }
    }
}
