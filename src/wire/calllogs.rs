//! Call logs on the wire (docs/api.md §4): the fields a create or an update
//! body may carry and how they are read, the list filters of a query
//! string, and the `If-Match` header.

use crate::domain::calllogs::{
    call_log_search_words, CallLogFilter, CallLogUpdate, IfMatch, NewCallLog, SortField, SortOrder, MAX_CALL_FROM,
    MAX_COMMENT, MAX_FUTURE_SECONDS, MAX_NOTES, MAX_SUBJECT, MAX_TAKENBY,
};
use crate::domain::error::DomainError;
use crate::domain::ids::{LogId, PropertyId, ReasonId, ResidentId, StatusId, UnitId};
use crate::domain::time::Stamp;
use crate::wire::ids::typed;
use crate::wire::input::{Fields, Resource};
use crate::wire::query::QueryParams;
use jiff::tz::TimeZone;

/// `CallCenterActivityLog` as this API writes it: a body may carry every
/// one of these (a client may send back the log it read); a route ignores
/// those it does not take.
pub const CALL_LOG_RESOURCE: Resource = Resource {
    name: "CallCenterActivityLog",
    fields: &[
        "LogId",
        "PropertyId",
        "UnitId",
        "ResidentId",
        "CallFrom",
        "ModuleStatusId",
        "Subject",
        "Notes",
        "LogReasons",
        "Takenby",
        "OldComments",
        "NewComments",
        "CreatedOn",
        "ModifiedOn",
    ],
};

fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|s| !s.trim().is_empty())
}

fn checked_text(f: &mut Fields, field: &str, max: usize) -> Option<String> {
    let value = f.string(field)?;
    f.check_length(field, &value, max).then_some(value)
}

pub fn read_new_call_log(mut f: Fields, zone: &TimeZone, now: Stamp) -> Result<NewCallLog, DomainError> {
    f.expect(CALL_LOG_RESOURCE);
    let property_id = f.required_id("PropertyId").map(PropertyId);
    let unit_id = f.id("UnitId").map(UnitId);
    let resident_id = f.id("ResidentId").map(ResidentId);
    let subject = f.required_string("Subject");
    if let Some(subject) = &subject {
        f.check_length("Subject", subject, MAX_SUBJECT);
    }
    // A linked resident's name is the caller: a CallFrom sent with a
    // resident is ignored, but still checked for form (a string, at most
    // 200 characters), as the document describes it: a body it calls invalid
    // is never accepted, nor replayed under an Idempotency-Key (docs/api.md §4, §8).
    let call_from_sent = checked_text(&mut f, "CallFrom", MAX_CALL_FROM);
    let call_from = if resident_id.is_some() || f.has_error("ResidentId") {
        None
    } else {
        let text = non_blank(call_from_sent).map(|s| s.trim().to_string());
        if text.is_none() && !f.has_error("CallFrom") {
            f.missing("CallFrom");
        }
        text
    };
    let status_id = f.id("ModuleStatusId").map(StatusId);
    let notes = checked_text(&mut f, "Notes", MAX_NOTES).filter(|s| !s.is_empty());
    let reasons = typed(f.id_list("LogReasons").unwrap_or_default(), ReasonId);
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = reasons.iter().find(|r| !seen.insert(**r)) {
        f.error("LogReasons", format!("lists reason {dup} more than once"));
    }
    let takenby = non_blank(checked_text(&mut f, "Takenby", MAX_TAKENBY)).map(|s| s.trim().to_string());
    let comment = non_blank(checked_text(&mut f, "NewComments", MAX_COMMENT));
    let created_on = f.date("CreatedOn", zone);
    if created_on.is_some_and(|c| c > now.plus_seconds(MAX_FUTURE_SECONDS)) {
        f.error("CreatedOn", "must not be more than 5 minutes in the future");
    }
    f.finish()?;
    Ok(NewCallLog {
        property_id: property_id.ok_or_else(|| DomainError::missing("PropertyId is required."))?,
        unit_id,
        resident_id,
        call_from,
        status_id,
        subject: subject.ok_or_else(|| DomainError::missing("Subject is required."))?,
        notes,
        reasons,
        takenby,
        comment,
        created_on,
    })
}

/// Reads a `PUT` body: only `Notes`, `ModuleStatusId` and `NewComments` are
/// read (every other field is ignored, whatever its type); a `LogId` that
/// differs from the path is refused.
pub fn read_call_log_update(mut f: Fields, path_log_id: LogId) -> Result<CallLogUpdate, DomainError> {
    f.expect(CALL_LOG_RESOURCE);
    if let Some(body_id) = f.id("LogId") {
        if body_id != path_log_id.0 {
            f.error("LogId", format!("is {body_id} but the path names call log {path_log_id}"));
        }
    }
    let notes = checked_text(&mut f, "Notes", MAX_NOTES).map(|n| if n.is_empty() { None } else { Some(n) });
    let status_id = f.id("ModuleStatusId").map(StatusId);
    let comment = non_blank(checked_text(&mut f, "NewComments", MAX_COMMENT));
    f.finish()?;
    Ok(CallLogUpdate { notes, status_id, comment })
}

/// Reads the list filters of a query string (docs/api.md §4, §7).
pub fn read_filter(params: &QueryParams, zone: &TimeZone) -> Result<CallLogFilter, DomainError> {
    // The raw value: a control character is refused even at either end.
    let search = params.raw("q").map(call_log_search_words).transpose()?.filter(|words| !words.is_empty());
    let sort = match params.choice::<SortField>("sort")? {
        Some(sort) => sort,
        None if search.is_some() => SortField::Relevance,
        None => SortField::CreatedOn,
    };
    let descending = params.choice::<SortOrder>("order")?.unwrap_or(SortOrder::Desc) == SortOrder::Desc;
    Ok(CallLogFilter {
        scope: None,
        property_id: params.id("propertyId", PropertyId)?,
        unit_id: params.id("unitId", UnitId)?,
        resident_id: params.id("residentId", ResidentId)?,
        statuses: params.ids("status", StatusId)?,
        reasons: params.ids("reason", ReasonId)?,
        takenby: params.text_key("takenBy"),
        taken_by_exactly: None,
        from: params.date("from", zone)?,
        to: params.date("to", zone)?,
        modified_since: params.date("modifiedSince", zone)?,
        search,
        sort,
        descending,
    })
}

/// An `If-Match` tag that is not a quoted strong ETag (a weak or unquoted one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("If-Match must be a quoted strong ETag such as \"12.3\", or *; got {0:?}.")]
pub struct MalformedIfMatch(pub String);

/// A parsed `If-Match` header: `*`, or a list of strong tags.
pub fn parse_if_match(header: &str) -> Result<IfMatch, MalformedIfMatch> {
    let header = header.trim();
    if header == "*" {
        return Ok(IfMatch::Any);
    }
    let mut tags = Vec::new();
    for tag in header.split(',').map(str::trim) {
        let strong =
            tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"') && !tag[1..tag.len() - 1].contains('"');
        if !strong {
            return Err(MalformedIfMatch(tag.to_string()));
        }
        tags.push(tag.to_string());
    }
    Ok(IfMatch::Tags(tags))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fingerprint_of(body: serde_json::Value) -> String {
        let now = crate::domain::time::parse_date("2026-03-01T12:00:00Z", &TimeZone::UTC).unwrap();
        crate::service::idempotency::fingerprint(
            &read_new_call_log(Fields::from_json(body).unwrap(), &TimeZone::UTC, now).unwrap(),
        )
    }

    #[test]
    fn two_bodies_have_one_fingerprint_when_every_field_the_create_takes_is_the_same() {
        let base = fingerprint_of(json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Ann", "Subject": "Leak",
            "LogReasons": [1, 3], "CreatedOn": "2026-02-01T09:00:00Z", "NewComments": "called"}));
        // Names in another case, reasons in another order, the instant with an offset,
        // white space the create trims, null for absent, fields the create ignores.
        let same = fingerprint_of(json!({"propertyid": 1, "UNITID": 11, "callFrom": " Ann ", "subject": "Leak  ",
            "LogReasons": [3, 1], "CreatedOn": "2026-02-01T04:00:00-05:00", "NewComments": "called", "Notes": null,
            "OldComments": [{"Comment": "x"}], "ModifiedOn": "2020-01-01", "LogId": 77}));
        assert_eq!(base, same);
        for different in [
            json!({"PropertyId": 2, "UnitId": 11, "CallFrom": "Ann", "Subject": "Leak", "LogReasons": [1, 3],
                   "CreatedOn": "2026-02-01T09:00:00Z", "NewComments": "called"}),
            json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Ann", "Subject": "Leak!", "LogReasons": [1, 3],
                   "CreatedOn": "2026-02-01T09:00:00Z", "NewComments": "called"}),
            json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Ann", "Subject": "Leak", "LogReasons": [1],
                   "CreatedOn": "2026-02-01T09:00:00Z", "NewComments": "called"}),
            json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Ann", "Subject": "Leak", "LogReasons": [1, 3],
                   "CreatedOn": "2026-02-01T09:00:01Z", "NewComments": "called"}),
            json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Ann", "Subject": "Leak", "LogReasons": [1, 3],
                   "NewComments": "called"}),
            json!({"PropertyId": 1, "CallFrom": "Ann", "Subject": "Leak", "LogReasons": [1, 3],
                   "CreatedOn": "2026-02-01T09:00:00Z", "NewComments": "called"}),
            json!({"PropertyId": 1, "UnitId": 11, "CallFrom": "Ann", "Subject": "Leak", "LogReasons": [1, 3],
                   "CreatedOn": "2026-02-01T09:00:00Z", "NewComments": "called", "Notes": "more"}),
        ] {
            assert_ne!(fingerprint_of(different.clone()), base, "{different}");
        }
        // Beside a resident, CallFrom is ignored: it does not count.
        let with_resident =
            |from: &str| fingerprint_of(json!({"PropertyId": 1, "ResidentId": 111, "CallFrom": from, "Subject": "s"}));
        assert_eq!(with_resident("one"), with_resident("another"));
    }

    #[test]
    fn a_call_from_beside_a_resident_is_ignored_but_checked_for_form() {
        let now = crate::domain::time::parse_date("2026-03-01T12:00:00Z", &TimeZone::UTC).unwrap();
        let read = |body: serde_json::Value| read_new_call_log(Fields::from_json(body).unwrap(), &TimeZone::UTC, now);
        assert_eq!(
            read(json!({"PropertyId": 1, "ResidentId": 111, "CallFrom": "x", "Subject": "s"})).unwrap().call_from,
            None
        );
        for bad in [json!({}), json!(7), json!([]), json!("x".repeat(MAX_CALL_FROM + 1))] {
            let e = read(json!({"PropertyId": 1, "ResidentId": 111, "CallFrom": bad, "Subject": "s"})).unwrap_err();
            assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue);
            assert_eq!(e.errors[0].field, "CallFrom", "{:?}", e.errors);
        }
    }

    fn fields(v: serde_json::Value) -> Fields {
        Fields::from_json(v).unwrap()
    }

    #[test]
    fn create_needs_subject_property_and_a_caller() {
        let e = read_new_call_log(fields(json!({})), &TimeZone::UTC, Stamp::now()).unwrap_err();
        assert_eq!(e.kind, crate::domain::error::ErrorKind::MissingRequired);
        let named: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["PropertyId", "Subject", "CallFrom"]);
        // A resident stands in for CallFrom.
        let ok = read_new_call_log(
            fields(json!({"PropertyId": 1, "ResidentId": 4, "Subject": " Leak "})),
            &TimeZone::UTC,
            Stamp::now(),
        )
        .unwrap();
        assert_eq!(ok.subject, "Leak");
    }

    #[test]
    fn create_checks_lengths_duplicates_and_the_future() {
        let now = Stamp::now();
        let e = read_new_call_log(
            fields(json!({"PropertyId": 1, "CallFrom": "x", "Subject": "s".repeat(201), "LogReasons": [1, 1],
                          "CreatedOn": "2999-01-01T00:00:00Z"})),
            &TimeZone::UTC,
            now,
        )
        .unwrap_err();
        assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue);
        let named: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(named, ["Subject", "LogReasons", "CreatedOn"]);
    }

    #[test]
    fn update_reads_only_three_fields_and_checks_log_id() {
        let u = read_call_log_update(
            fields(json!({"Subject": 5, "PropertyId": "x", "Notes": "", "ModuleStatusId": 2, "LogId": 7})),
            LogId(7),
        )
        .unwrap();
        assert_eq!(u.notes, Some(None));
        assert_eq!(u.status_id, Some(StatusId(2)));
        let e = read_call_log_update(fields(json!({"LogId": 8})), LogId(7)).unwrap_err();
        assert_eq!(e.kind, crate::domain::error::ErrorKind::InvalidValue);
    }

    #[test]
    fn if_match_accepts_star_and_lists_and_refuses_weak_or_bare_tags() {
        assert!(parse_if_match("*").unwrap().matches("\"1.2\""));
        assert!(parse_if_match("\"1.1\", \"1.2\"").unwrap().matches("\"1.2\""));
        assert!(!parse_if_match("\"1.1\"").unwrap().matches("\"1.2\""));
        assert!(parse_if_match("W/\"1.2\"").unwrap_err().to_string().contains("W/"));
        assert!(parse_if_match("1.2").is_err());
    }
}
