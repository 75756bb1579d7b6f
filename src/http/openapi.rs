//! docs/api.md §8: the OpenAPI document. utoipa builds the routes and the answer
//! models from the handlers' `#[utoipa::path]` attributes and the models'
//! `ToSchema` derives; this module adds what the code reads dynamically and
//! utoipa cannot see: request bodies and query parameters (read through
//! `Fields` / `QueryParams`, case-insensitively), with bounds taken from the
//! domain's constants, and the conventions every route shares (path ids, the
//! error model and the statuses it comes with, `X-Request-Id`, security).
//! `/help` renders this same document.

use crate::domain::calllogs::{
    MAX_CALL_FROM, MAX_COMMENT, MAX_FUTURE_SECONDS, MAX_IDEMPOTENCY_KEY, MAX_NOTES, MAX_SUBJECT, MAX_TAKENBY,
};
use crate::domain::catalog::{StatusCategory, DISPLAY_ORDERS, MAX_CATALOG_NAME};
use crate::domain::directory::MAX_IMPORT_TEXT;
use crate::domain::lookup::MAX_LOOKUP_CHARS;
use crate::domain::query::MAX_PAGE_SIZE;
use crate::domain::settings::MAX_OFFICE_NAME_CHARS;
use crate::domain::users::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
use crate::error::ErrorCode;
use crate::wire::calllogs::CALL_LOG_RESOURCE;
use crate::wire::catalog::{REASON_RESOURCE, STATUS_RESOURCE};
use crate::wire::directory::{IMPORT_RESOURCE, PROPERTY_RESOURCE, RESIDENT_RESOURCE, UNIT_RESOURCE};
use crate::wire::input::Resource;
use crate::wire::settings::SETTINGS_RESOURCE;
use crate::wire::users::{TOKEN_RESOURCE, USER_RESOURCE};
use crate::wire::{MAX_BODY_BYTES, MAX_IMPORT_BYTES};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use utoipa::OpenApi;

/// The longest user name `check_user_name` takes.
pub const MAX_USER_NAME: usize = 100;
/// The longest first or last name of a user.
pub const MAX_PERSON_NAME: usize = 100;
/// The longest email of a user.
pub const MAX_EMAIL: usize = 254;
/// The longest name of an API token.
pub const MAX_TOKEN_NAME: usize = 100;

#[derive(OpenApi)]
#[openapi(
    info(title = "calllog", description = "Call-center activity log for property-management companies."),
    paths(
        crate::http::users::sign_in,
        crate::http::users::sign_out,
        crate::http::users::get_me,
        crate::http::users::change_my_password,
        crate::http::users::list_users,
        crate::http::users::create_user,
        crate::http::users::get_user,
        crate::http::users::update_user,
        crate::http::users::user_properties,
        crate::http::users::create_token,
        crate::http::users::list_tokens,
        crate::http::users::revoke_token,
        crate::http::audit::list,
        crate::http::calllogs::list_all,
        crate::http::calllogs::create,
        crate::http::calllogs::export_csv,
        crate::http::calllogs::get_one,
        crate::http::calllogs::update,
        crate::http::calllogs::delete,
        crate::http::calllogs::restore,
        crate::http::calllogs::history,
        crate::http::calllogs::list_for_unit,
        crate::http::calllogs::list_for_property,
        crate::http::calllogs::list_for_resident,
        crate::http::calllogs::property_summary,
        crate::http::calllogs::unit_summary,
        crate::http::catalog::list_reasons,
        crate::http::catalog::get_reason,
        crate::http::catalog::create_reason,
        crate::http::catalog::update_reason,
        crate::http::catalog::list_statuses,
        crate::http::catalog::get_status,
        crate::http::catalog::create_status,
        crate::http::catalog::update_status,
        crate::http::directory::list_properties,
        crate::http::directory::get_property,
        crate::http::directory::units_of_property,
        crate::http::directory::residents_of_property,
        crate::http::directory::units_by_ids,
        crate::http::directory::get_unit,
        crate::http::directory::unit_owner,
        crate::http::directory::unit_residents,
        crate::http::directory::get_resident,
        crate::http::directory::import,
        crate::http::directory::lookup,
        crate::http::settings::get_settings,
        crate::http::settings::change_settings,
        crate::http::docs::openapi,
        crate::http::docs::help,
        crate::http::ops::healthz,
        crate::http::ops::readyz,
        crate::http::ops::metrics,
    ),
    components(schemas(crate::wire::models::FieldError))
)]
struct ApiDoc;

/// The document, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

/// The characters Rust's `str::trim` removes (Unicode White_Space), as a
/// regex class body: input is trimmed before it is checked, so the
/// document's patterns allow them around a value.
const WS: &str = r"\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// Control characters (Unicode Cc), which no `q` may hold (docs/api.md §7, §9).
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";

/// The white space `str::trim` removes that is not a control character:
/// what may surround a lookup's `q`, whose control characters are refused
/// before it is trimmed.
const BLANK: &str = r" \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// `GET /api/lookup`'s `q` as `LookupQuery::parse` takes it: no control
/// character anywhere; once trimmed, a number (`7`, `#7`) or at least two
/// characters. (White space is spelt out, not `\s`, which also matches
/// control characters: tab, line breaks.)
fn lookup_pattern() -> String {
    format!("^[{BLANK}]*(?:#?[0-9]+|[^{BLANK}{CONTROL}][^{CONTROL}]*[^{BLANK}{CONTROL}])[{BLANK}]*$")
}

/// A string with at least one character that is not white space.
fn non_blank_pattern() -> String {
    format!("[^{WS}]")
}

/// One of `choices` matched ignoring ASCII case, white space around it
/// allowed; with `blank_ok`, blank (= absent) too.
fn choice_pattern(choices: &[&str], blank_ok: bool) -> String {
    let alternatives: Vec<String> = choices
        .iter()
        .map(|choice| {
            choice
                .chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else {
                        regex_escape(c)
                    }
                })
                .collect()
        })
        .collect();
    let optional = if blank_ok { "?" } else { "" };
    format!("^[{WS}]*(?:{}){optional}[{WS}]*$", alternatives.join("|"))
}

fn regex_escape(c: char) -> String {
    if "\\^$.|?*+()[]{}/-".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

fn id_schema() -> Value {
    json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX})
}

fn nullable(mut schema: Value) -> Value {
    if let Some(kind) = schema.get("type").cloned() {
        let mut kinds = match kind {
            Value::Array(kinds) => kinds,
            other => vec![other],
        };
        kinds.push(json!("null"));
        schema["type"] = Value::Array(kinds);
        if let Some(Value::Array(values)) = schema.get_mut("enum") {
            values.push(Value::Null);
        }
        schema
    } else {
        json!({"anyOf": [schema, {"type": "null"}]})
    }
}

fn text(max: usize, description: &str) -> Value {
    json!({"type": "string", "maxLength": max, "description": description})
}

/// A required text: not blank, at most `max` characters (after trimming).
fn required_text(max: usize, description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": non_blank_pattern(),
           "description": description})
}

/// A date as the API reads it: RFC 3339 with `Z` or an offset, or a plain
/// date (midnight in the server's zone).
fn input_date(description: &str) -> Value {
    json!({"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}],
           "description": format!("{description} RFC 3339 (2026-01-31T14:30:00Z, an offset, or no offset: the server's \
                                   zone) or a plain date (2026-01-31, midnight in the server's zone).")})
}

/// docs/api.md §1: a `DisplayOrder` (of a reason, a status or a unit) is bounded.
fn display_order(description: &str) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": DISPLAY_ORDERS.start(), "maximum": DISPLAY_ORDERS.end(),
           "description": description})
}

fn id_list(description: &str) -> Value {
    json!({"type": "array", "items": id_schema(), "description": description})
}

/// A request body (docs/api.md §1): the fields the route takes, then every other
/// field of its resource as this API writes it, accepted and ignored (a
/// client may send back what it read); any other name is refused (400/114),
/// hence `additionalProperties: false`. Names match ignoring case (listed
/// here as the API spells them); the same name twice in different case is
/// refused; `null` is the same as absent.
fn body_object(required: &[&str], mut properties: Value, resource: Option<Resource>) -> Value {
    if let (Some(resource), Some(listed)) = (resource, properties.as_object_mut()) {
        for name in resource.fields {
            if !listed.contains_key(*name) {
                let ignored = format!("a field of {} as this API writes it: accepted and ignored here", resource.name);
                listed.insert(name.to_string(), json!({"description": ignored}));
            }
        }
    }
    let of = resource.map(|r| format!(" of {}", r.name)).unwrap_or_default();
    json!({
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": false,
        "description": format!("Property names match ignoring case (the same name twice, in different case, is \
                                refused); a name that is no field{of} is refused (400/114, with the nearest known \
                                name as a hint); fields described as ignored are accepted and ignored; null is the \
                                same as absent.")
    })
}

/// Text that an outside system may send as a number (a zip code, a floor).
fn import_text() -> Value {
    json!({"type": ["string", "number", "null"], "maxLength": MAX_IMPORT_TEXT})
}

fn request_body(method: &str, path: &str) -> Option<Value> {
    let name_rule = format!("1 to {MAX_USER_NAME} letters, digits and . _ - @ (white space around is trimmed)");
    let user_name = json!({"type": "string", "pattern": format!("^[{WS}]*[\\w.@-]{{1,{MAX_USER_NAME}}}[{WS}]*$"),
                            "description": name_rule});
    let password = json!({"type": "string", "minLength": MIN_PASSWORD_CHARS, "maxLength": MAX_PASSWORD_CHARS,
                           "description": format!("at least {MIN_PASSWORD_CHARS} characters that are neither white \
                               space nor invisible (zero-width, control), not the user name (ignoring case), and not \
                               one of the 10,000 most common passwords; else 400/114 naming the rule")});
    let role = json!({"type": "string", "pattern": choice_pattern(&["admin", "agent", "viewer"], false),
                       "description": "admin, agent or viewer (any case)"});
    let email = json!({"type": "string", "maxLength": MAX_EMAIL,
                        "pattern": format!("^[{WS}]*(?:[^{WS}@]*@[^{WS}]*)?[{WS}]*$"),
                        "description": "an address with @ and no spaces; \"\" clears it"});
    let category = json!({"type": "string", "pattern": choice_pattern(<StatusCategory as strum::VariantNames>::VARIANTS, false),
                           "description": "open, pending or closed (any case)"});
    let catalog_name = required_text(MAX_CATALOG_NAME, "unique ignoring case");
    let schema = match (method, path) {
        ("post", "/api/auth/token") => body_object(
            &["UserName", "Password"],
            json!({"UserName": {"type": "string", "pattern": non_blank_pattern()},
                   "Password": {"type": "string", "minLength": 1}}),
            None,
        ),
        ("post", "/api/users") => body_object(
            &["UserName", "Password", "Role"],
            json!({"UserName": user_name, "Password": password, "Role": role,
                   "FirstName": nullable(text(MAX_PERSON_NAME, "")), "LastName": nullable(text(MAX_PERSON_NAME, "")),
                   "Email": nullable(email), "PropertyIds": nullable(id_list("linked properties"))}),
            Some(USER_RESOURCE),
        ),
        ("put", "/api/users/{userId}") => body_object(
            &[],
            json!({"FirstName": nullable(text(MAX_PERSON_NAME, "\"\" clears it")),
                   "LastName": nullable(text(MAX_PERSON_NAME, "\"\" clears it")),
                   "Email": nullable(email), "Role": nullable(role), "Active": {"type": ["boolean", "null"]},
                   "Password": nullable(password), "PropertyIds": nullable(id_list("replaces the links"))}),
            Some(USER_RESOURCE),
        ),
        ("put", "/api/users/me/password") => body_object(
            &["CurrentPassword", "NewPassword"],
            json!({"CurrentPassword": {"type": "string", "minLength": 1}, "NewPassword": password}),
            None,
        ),
        ("post", "/api/users/{userId}/tokens") => body_object(
            &["Name"],
            json!({"Name": required_text(MAX_TOKEN_NAME, "a label"),
                   "ExpiresOn": nullable(input_date("Must be in the future; no expiry when absent."))}),
            Some(TOKEN_RESOURCE),
        ),
        ("post", "/api/calllogs") => body_object(
            &["PropertyId", "Subject"],
            json!({
                "PropertyId": id_schema(),
                "UnitId": nullable(id_schema()),
                "ResidentId": nullable(id_schema()),
                "CallFrom": nullable(text(MAX_CALL_FROM, "required (not blank) unless ResidentId is given; ignored when it is")),
                "ModuleStatusId": nullable(id_schema()),
                "Subject": required_text(MAX_SUBJECT, "trimmed"),
                "Notes": nullable(text(MAX_NOTES, "")),
                "LogReasons": nullable(json!({"type": "array", "items": id_schema(), "uniqueItems": true,
                                              "description": "ids of active reasons"})),
                "Takenby": nullable(text(MAX_TAKENBY, "default: the caller's display name")),
                "NewComments": nullable(text(MAX_COMMENT, "the first comment")),
                "CreatedOn": nullable(input_date(&format!("The date of the call; default now; at most {} minutes ahead.", MAX_FUTURE_SECONDS / 60))),
            }),
            Some(CALL_LOG_RESOURCE),
        ),
        ("put", "/api/calllogs/{logId}") => body_object(
            &[],
            json!({
                "LogId": nullable(json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX,
                                         "description": "when given, must equal the path's id"})),
                "Notes": nullable(text(MAX_NOTES, "\"\" clears the notes")),
                "ModuleStatusId": nullable(id_schema()),
                "NewComments": nullable(text(MAX_COMMENT, "appended as a comment when not blank")),
            }),
            Some(CALL_LOG_RESOURCE),
        ),
        ("put", "/api/settings") => body_object(
            &[],
            json!({"TimeZone": {"type": "string", "pattern": "^[A-Za-z0-9_+/-]{1,64}$",
                                     "description": "an IANA time zone name (America/New_York, any case) that the \
                                         time zone database knows; else 400/114"},
                       "OfficeName": nullable(json!({"type": "string", "maxLength": MAX_OFFICE_NAME_CHARS,
                                                    "description": "no control characters; null or blank removes it"}))}),
            Some(SETTINGS_RESOURCE),
        ),
        ("post", "/api/calllogreasons") => {
            let properties =
                json!({"Name": catalog_name, "DisplayOrder": nullable(display_order("default: after the last one"))});
            body_object(&["Name"], properties, Some(REASON_RESOURCE))
        }
        ("put", "/api/calllogreasons/{reasonId}") => body_object(
            &[],
            json!({"Name": nullable(catalog_name), "Active": {"type": ["boolean", "null"]},
                   "DisplayOrder": nullable(display_order(""))}),
            Some(REASON_RESOURCE),
        ),
        ("post", "/api/modulestatuses/calllogs") => body_object(
            &["Name", "Category"],
            json!({"Name": catalog_name, "Category": category, "DisplayOrder": nullable(display_order("")),
                   "IsDefault": {"type": ["boolean", "null"]}}),
            Some(STATUS_RESOURCE),
        ),
        ("put", "/api/modulestatus/{statusId}") => body_object(
            &[],
            json!({"Name": nullable(catalog_name), "Category": nullable(category), "Active": {"type": ["boolean", "null"]},
                   "DisplayOrder": nullable(display_order("")), "IsDefault": {"type": ["boolean", "null"]}}),
            Some(STATUS_RESOURCE),
        ),
        ("post", "/api/admin/import") => {
            let property = body_object(
                &["PropertyId", "PropertyName"],
                json!({"PropertyId": id_schema(),
                       "PropertyName": {"type": "string", "pattern": non_blank_pattern(), "maxLength": MAX_IMPORT_TEXT},
                       "PropertyTypeId": {"type": ["integer", "null"], "enum": [1, 2, null], "description": "1 Condo/Highrise, 2 HOA"},
                       "PropertyStatus": {"type": ["boolean", "null"], "description": "active; default true"},
                       "C4Uid": import_text(), "Address1": import_text(), "Address2": import_text(), "City": import_text(),
                       "State": import_text(), "Zip": import_text(), "EntityNumber": import_text(), "LegalName": import_text()}),
                Some(PROPERTY_RESOURCE),
            );
            let unit = body_object(
                &["UnitId", "PropertyId", "UnitNumber"],
                json!({"UnitId": id_schema(), "PropertyId": id_schema(),
                       "UnitNumber": {"anyOf": [{"type": "string", "pattern": non_blank_pattern(), "maxLength": MAX_IMPORT_TEXT},
                                                {"type": "number"}]},
                       "DisplayOrder": nullable(display_order("")), "Latitude": {"type": ["number", "null"]},
                       "Longitude": {"type": ["number", "null"]}, "Floor": import_text(), "Address1": import_text(),
                       "Address2": import_text(), "City": import_text(), "State": import_text(), "Zip": import_text()}),
                Some(UNIT_RESOURCE),
            );
            let named = |name: &str| {
                json!({"required": [name], "properties": {name: {"anyOf": [
                {"type": "string", "pattern": non_blank_pattern(), "maxLength": MAX_IMPORT_TEXT}, {"type": "number"}]}}})
            };
            let mut resident = body_object(
                &["ResidentId", "PropertyId", "UnitId"],
                json!({"ResidentId": id_schema(), "PropertyId": id_schema(), "UnitId": id_schema(),
                       "ResidentFirstName": import_text(), "ResidentLastName": import_text(),
                       "ResidentMiddleInitial": import_text(), "ResidentEmail": import_text(),
                       "ResidentUnitphone": import_text(), "ResidentCellphone": import_text(),
                       "ResidentWorkphone": import_text(), "ResidentOtherphone": import_text(),
                       "OccupancyType": import_text(),
                       "ResidentType": {"type": ["integer", "null"], "enum": [1, 2, 3, null],
                                        "description": "1 Owner, 2 Resident, 3 Renter"},
                       "MoveInDate": nullable(input_date("")),
                       "MoveOutDate": nullable(input_date("The day the resident moved out; once past, no new log may name them."))}),
                Some(RESIDENT_RESOURCE),
            );
            resident["anyOf"] = json!([named("ResidentFirstName"), named("ResidentLastName")]);
            resident["description"] = json!("A first or a last name is required.");
            body_object(
                &[],
                json!({"Properties": {"type": ["array", "null"], "items": property},
                       "Units": {"type": ["array", "null"], "items": unit},
                       "Residents": {"type": ["array", "null"], "items": resident}}),
                Some(IMPORT_RESOURCE),
            )
        }
        _ => return None,
    };
    Some(with_example(schema, method, path))
}

/// A request that works on a fresh database with the demo directory: the
/// page shows it, and Schemathesis' examples phase sends it.
fn with_example(mut schema: Value, method: &str, path: &str) -> Value {
    let example = match (method, path) {
        ("post", "/api/auth/token") => json!({"UserName": "admin", "Password": "the admin's password"}),
        ("post", "/api/users") => {
            json!({"UserName": "jdoe", "Password": "correct-horse-battery", "Role": "agent", "FirstName": "Jane",
                   "LastName": "Doe", "Email": "jdoe@example.com", "PropertyIds": [1]})
        }
        ("put", "/api/users/{userId}") => json!({"FirstName": "Ada", "Email": "ada@example.com"}),
        ("put", "/api/users/me/password") => {
            json!({"CurrentPassword": "the current password", "NewPassword": "correct-horse-battery"})
        }
        ("post", "/api/users/{userId}/tokens") => json!({"Name": "nightly export"}),
        ("post", "/api/calllogs") => {
            json!({"PropertyId": 1, "Subject": "Leaking faucet", "CallFrom": "Ann Lee", "Notes": "Kitchen sink",
                   "LogReasons": [1], "NewComments": "Plumber called"})
        }
        ("put", "/api/calllogs/{logId}") => json!({"Notes": "Fixed", "ModuleStatusId": 3, "NewComments": "Done"}),
        ("post", "/api/calllogreasons") => json!({"Name": "Parking", "DisplayOrder": 9}),
        ("put", "/api/calllogreasons/{reasonId}") => json!({"DisplayOrder": 1}),
        ("post", "/api/modulestatuses/calllogs") => json!({"Name": "Waiting on vendor", "Category": "pending"}),
        ("put", "/api/modulestatus/{statusId}") => json!({"DisplayOrder": 2}),
        ("post", "/api/admin/import") => json!({
            "Properties": [{"PropertyId": 1, "PropertyName": "Elm Court", "PropertyTypeId": 1}],
            "Units": [], "Residents": []}),
        _ => return schema,
    };
    schema["examples"] = json!([example]);
    schema
}

fn query(name: &str, schema: Value, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// A number in the query, or blank text, which is the same as absent.
fn or_blank(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "string", "pattern": format!("^[{WS}]*$")}]})
}

fn paging() -> Vec<Value> {
    vec![
        query(
            "page",
            or_blank(json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX})),
            "page number from 1; 0, blank or absent means 1",
        ),
        query(
            "pageSize",
            or_blank(json!({"type": "integer", "minimum": 0, "maximum": MAX_PAGE_SIZE})),
            &format!("1..{MAX_PAGE_SIZE}; 0, blank or absent means 25"),
        ),
    ]
}

fn multi_id(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "style": "form", "explode": true,
           "description": format!("{description}; also written {name}[0]=1&{name}[1]=2 or {name}=1,2"),
           "schema": {"type": "array", "items": or_blank(id_schema())}})
}

/// A date in the query: blank is the same as absent.
fn query_date(name: &str, description: &str) -> Value {
    let mut schema = input_date("Blank is the same as absent.");
    if let Some(any) = schema["anyOf"].as_array_mut() {
        any.push(json!({"pattern": format!("^[{WS}]*$")}));
    }
    query(name, schema, description)
}

fn call_log_filters() -> Vec<Value> {
    let mut params = vec![
        query("propertyId", or_blank(id_schema()), "only this property"),
        query("unitId", or_blank(id_schema()), "only this unit"),
        query("residentId", or_blank(id_schema()), "only this resident"),
        multi_id("status", "logs with any of these status ids"),
        multi_id("reason", "logs with any of these reason ids"),
        query("takenBy", json!({"type": "string"}), "Takenby, matched exactly ignoring case"),
        query_date("from", "from <= CreatedOn"),
        query_date("to", "CreatedOn < to"),
        query_date("modifiedSince", "modifiedSince <= ModifiedOn"),
        query(
            "q",
            // docs/api.md §7: no control character (Unicode Cc), at most 256 characters.
            json!({"type": "string", "maxLength": crate::domain::calllogs::MAX_SEARCH_CHARS,
                   "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"}),
            "full-text words (runs of letters and digits) over the log's text and its reasons', unit's and \
             property's names: each matches a word it begins or one with the same English stem, all must match, \
             ignoring case and accents; a repeated word counts once; at most 16 distinct words (more is 400/114)",
        ),
        query(
            "sort",
            json!({"type": "string", "pattern": choice_pattern(&["createdon", "modifiedon", "logid"], true)}),
            "createdon (default), modifiedon or logid, any case; with q and no sort, best match first",
        ),
        query(
            "order",
            json!({"type": "string", "pattern": choice_pattern(&["desc", "asc"], true)}),
            "desc (default) or asc, any case",
        ),
    ];
    params.extend(paging());
    params
}

fn include_inactive() -> Value {
    query(
        "includeInactive",
        json!({"type": "string", "pattern": choice_pattern(&["true", "false", "1", "0", "yes", "no"], true)}),
        "also the inactive ones: true, false, 1, 0, yes or no (any case)",
    )
}

fn property_status() -> Value {
    query(
        "PropertyStatus",
        json!({"type": "string", "pattern": choice_pattern(&["Active", "Inactive", "All"], true)}),
        "Active (default), Inactive or All, any case",
    )
}

fn query_parameters(method: &str, path: &str) -> Vec<Value> {
    if method != "get" {
        return Vec::new();
    }
    match path {
        "/api/calllogs"
        | "/api/calllogs/export.csv"
        | "/api/units/{unitId}/calllogs"
        | "/api/properties/{propertyId}/calllogs"
        | "/api/residents/{residentId}/calllogs" => call_log_filters(),
        "/api/users"
        | "/api/users/{userId}/tokens"
        | "/api/calllogs/{logId}/history"
        | "/api/properties/{propertyId}/unitsummary"
        | "/api/units/{unitId}/residents" => paging(),
        "/api/users/{userId}/properties" => [vec![property_status()], paging()].concat(),
        "/api/admin/audit" => [
            vec![
                query(
                    "userId",
                    or_blank(id_schema()),
                    "only the changes this user made; an id that is no user is 400/114",
                ),
                query_date("from", "from <= At"),
                query_date("to", "At < to"),
            ],
            paging(),
        ]
        .concat(),
        "/api/calllogreasons" | "/api/modulestatuses/calllogs" => [vec![include_inactive()], paging()].concat(),
        "/api/properties" => [vec![multi_id("ids", "only these properties"), property_status()], paging()].concat(),
        "/api/properties/{propertyId}/units" => [
            vec![
                query("unitNumber", json!({"type": "string"}), "unit numbers starting with this, ignoring case"),
                query("residentName", json!({"type": "string"}), "units with a resident whose name contains this"),
                query(
                    "sort",
                    json!({"type": "string", "pattern": choice_pattern(&["unitdisplayorder", "unitnumber"], true)}),
                    "unitdisplayorder (default) or unitnumber, any case",
                ),
            ],
            paging(),
        ]
        .concat(),
        "/api/properties/{propertyId}/residents" => [
            vec![query("name", json!({"type": "string"}), "residents whose name contains this, ignoring case")],
            paging(),
        ]
        .concat(),
        "/api/lookup" => {
            let mut q = query(
                "q",
                json!({"type": "string", "maxLength": MAX_LOOKUP_CHARS, "pattern": lookup_pattern()}),
                "a name (word prefixes), unit number, property name, 4+ phone digits, or #LogId: a number (7, #7) \
                 or at least 2 characters once trimmed; no control characters (Unicode Cc: U+0000-U+001F, \
                 U+007F-U+009F, tab and line breaks included), else 400/114",
            );
            q["required"] = json!(true);
            vec![q, query("propertyId", id_schema(), "only this property (one the caller may see)")]
        }
        "/api/units" => {
            let mut ids = multi_id("unitIds", "the units wanted (required)");
            ids["required"] = json!(true);
            ids["schema"]["minItems"] = json!(1);
            // Blank values are dropped, and none left is the same as absent: refused.
            ids["schema"]["items"] = id_schema();
            [vec![ids], paging()].concat()
        }
        _ => Vec::new(),
    }
}

/// Header parameters a route reads.
fn header_parameters(method: &str, path: &str) -> Vec<Value> {
    let mut headers = Vec::new();
    if method == "post" && path == "/api/calllogs" {
        headers.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "A repeat by the same user within 24 h with the same body answers the first log (200) and \
                            creates nothing; with a different body, 422/119 and nothing is created.",
            "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY,
                       "pattern": "^[\\x21-\\x7E](?:[ \\t\\x21-\\x7E]*[\\x21-\\x7E])?$"}
        }));
    }
    // The password is no resource to answer with.
    if method == "put" && path != "/api/users/me/password" {
        headers.push(json!({
            "name": "Prefer", "in": "header", "required": false,
            "description": "return=representation: answer the changed resource instead of an empty body",
            "schema": {"type": "string"}
        }));
    }
    headers
}

/// Routes open without a token (docs/api.md §3, §8).
fn is_open(method: &str, path: &str) -> bool {
    !path.starts_with("/api/") || path == "/api/openapi.json" || (method == "post" && path == "/api/auth/token")
}

/// The error answers a route can give, by the rules the handlers follow.
fn error_statuses(method: &str, path: &str, has_input: bool, has_body: bool) -> Vec<u16> {
    if !path.starts_with("/api/") || path == "/api/openapi.json" {
        return Vec::new();
    }
    let mut statuses = Vec::new();
    if has_input {
        statuses.push(400);
    }
    statuses.push(401);
    // Every guarded route checks a role or a property link, except reading or
    // revoking one's own sign-in.
    if !(is_open(method, path)
        || path == "/api/users/me"
        || path == "/api/users/me/password"
        || path == "/api/auth/token")
    {
        statuses.push(403);
    }
    if path.contains('{') || (method == "post" && path == "/api/calllogs") || path == "/api/lookup" {
        statuses.push(404);
    }
    if method != "get" {
        statuses.push(409);
    }
    if method == "put" && path == "/api/calllogs/{logId}" {
        statuses.push(412);
    }
    if method == "post" && path == "/api/calllogs" {
        statuses.push(422);
    }
    if has_body {
        statuses.extend([413, 415]);
    }
    if (method == "post" && path == "/api/auth/token") || path == "/api/users/me/password" {
        statuses.push(429);
    }
    statuses.extend([500, 503]);
    statuses
}

fn error_response(status: u16) -> Value {
    let codes: Vec<String> = ErrorCode::ALL
        .iter()
        .filter(|code| code.statuses().contains(&status))
        .map(|code| format!("{} {}: {}", code.number(), code.name(), code.meaning()))
        .collect();
    let mut response = json!({
        "description": codes.join("; "),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    });
    if status == 429 || status == 503 {
        response["headers"] = json!({"Retry-After": {"required": true, "description": "seconds to wait",
                                                      "schema": {"type": "integer", "minimum": 1}}});
    }
    response
}

fn error_schema() -> Value {
    let table: Vec<Value> = ErrorCode::ALL
        .iter()
        .map(
            |code| json!({"Code": code.number(), "Name": code.name(), "Http": code.statuses(), "When": code.meaning()}),
        )
        .collect();
    json!({
        "type": "object",
        "required": ["Code", "Name", "Message", "Errors"],
        "properties": {
            "Code": {"type": "integer", "enum": ErrorCode::ALL.iter().map(|c| c.number()).collect::<Vec<_>>()},
            "Name": {"type": "string", "enum": ErrorCode::ALL.iter().map(|c| c.name()).collect::<Vec<_>>()},
            "Message": {"type": "string", "description": "what went wrong, for a person"},
            "Errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"},
                       "description": "every field problem found (empty when none applies)"}
        },
        "x-error-codes": table
    })
}

fn require_every_property(schema: &mut Value) {
    if let Some(names) =
        schema.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect::<Vec<_>>())
    {
        schema["required"] = json!(names);
    }
    if let Some(Value::Array(parts)) = schema.get_mut("allOf") {
        parts.iter_mut().for_each(require_every_property);
    }
}

/// The last segment's `{name}` of each id in a path template.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            json!({"name": name, "in": "path", "required": true, "description": "an id: a positive 64-bit integer",
                   "schema": id_schema()})
        })
        .collect()
}

fn build() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    doc["info"]["description"] = json!(format!(
        "Call-center activity log for property-management companies. Bodies are JSON with PascalCase property \
         names, matched ignoring case (the same name twice in different case is refused); fields of the resource \
         as this API writes it that a route does not take are ignored (a client may send back what it read); any \
         other name is refused (400/114, naming the nearest known name); null is the same as absent. \
         Query parameter names match ignoring case. Lists answer {{\"Total\", \"Elements\"}}. Dates are written \
         YYYY-MM-DDTHH:MM:SS.fffffff±HH:MM in the server's zone. Request bodies over {} KiB are refused (413/111), \
         except POST /api/admin/import, which takes up to {} MiB, read as a stream. \
         HEAD is answered wherever GET is, with the same status and headers and no body. \
         A known path answers a method it does not serve with 405/112 and Allow; OPTIONS answers 204 with Allow. \
         Every response carries X-Request-Id. Errors answer the Error model; its codes are listed in x-error-codes.",
        MAX_BODY_BYTES / 1024,
        MAX_IMPORT_BYTES / (1024 * 1024)
    ));
    doc["security"] = json!([{"bearer": []}]);
    doc["components"]["securitySchemes"] = json!({"bearer": {"type": "http", "scheme": "bearer"}});
    // Answers serialize every field, an absent value as null (docs/api.md §1), so
    // every property of an answer model is required (Option fields too).
    if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
        for schema in schemas.values_mut() {
            require_every_property(schema);
        }
    }
    doc["components"]["schemas"]["Error"] = error_schema();
    let request_id = json!({"X-Request-Id": {"required": true, "description": "the request's id, as in the access log",
                                              "schema": {"type": "string", "minLength": 1, "maxLength": 128}}});
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, operation) in item.iter_mut() {
                let mut parameters = path_parameters(path);
                parameters.extend(query_parameters(method, path));
                parameters.extend(header_parameters(method, path));
                let body = request_body(method, path);
                let has_input = !parameters.is_empty() || body.is_some();
                if !parameters.is_empty() {
                    operation["parameters"] = Value::Array(parameters);
                }
                if let Some(schema) = &body {
                    let mut content = Map::new();
                    content.insert("application/json".into(), json!({"schema": schema}));
                    content.insert("text/json".into(), json!({"schema": schema}));
                    if method == "put" && path == "/api/calllogs/{logId}" {
                        content.insert(
                            "application/x-www-form-urlencoded".into(),
                            json!({"schema": schema, "encoding": {"LogReasons": {"style": "form", "explode": true}}}),
                        );
                    }
                    operation["requestBody"] = json!({"required": true, "content": content});
                }
                if is_open(method, path) {
                    operation["security"] = json!([]);
                }
                let responses = operation["responses"].as_object_mut();
                let Some(responses) = responses else { continue };
                for status in error_statuses(method, path, has_input, body.is_some()) {
                    responses.entry(status.to_string()).or_insert_with(|| error_response(status));
                }
                for response in responses.values_mut() {
                    let headers = response.as_object_mut().map(|r| r.entry("headers").or_insert_with(|| json!({})));
                    if let Some(Value::Object(headers)) = headers {
                        if let Value::Object(id) = &request_id {
                            headers.extend(id.clone());
                        }
                    }
                }
            }
        }
    }
    doc
}
