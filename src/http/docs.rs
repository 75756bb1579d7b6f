//! API.md §8: `GET /api/openapi.json` and `GET /help`, both generated from
//! the one table of routes and models below, so the two cannot disagree.
//! Served by the binary itself, with no outside assets.

use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// (name, type, meaning): a query parameter or a model's field.
type Field = (&'static str, &'static str, &'static str);

/// One documented route.
struct Route {
    method: &'static str,
    path: &'static str,
    who: &'static str,
    summary: &'static str,
    /// Query parameters: (name, type, meaning).
    query: &'static [Field],
    /// Request body model, if any.
    body: Option<&'static str>,
    /// Success status and model ("" for no body; "List<X>" for a ListWrapper).
    answer: (u16, &'static str),
}

const PAGING: [(&str, &str, &str); 2] =
    [("page", "integer", "page number from 1 (0 or absent = 1)"), ("pageSize", "integer", "1..500, default 25")];

const LIST_FILTERS: [Field; 15] = [
    ("propertyId", "integer", "only this property"),
    ("unitId", "integer", "only this unit"),
    ("residentId", "integer", "only this resident"),
    ("status", "integer[]", "any of these status ids (status=1&status=2, status[0]=1, status=1,2)"),
    ("reason", "integer[]", "logs with any of these reason ids"),
    ("takenBy", "string", "Takenby, matched exactly ignoring case"),
    ("from", "date", "from <= CreatedOn"),
    ("to", "date", "CreatedOn < to"),
    ("modifiedSince", "date", "modifiedSince <= ModifiedOn"),
    ("q", "string", "full-text words (prefix, all must match, ignoring case and accents)"),
    ("sort", "string", "createdon (default), modifiedon or logid; with q and no sort, best match first"),
    ("order", "string", "desc (default) or asc"),
    ("page", "integer", "page number from 1"),
    ("pageSize", "integer", "1..500, default 25"),
    ("(all)", "", "names match ignoring case"),
];

macro_rules! route {
    ($method:literal, $path:literal, $who:literal, $summary:literal, $query:expr, $body:expr, $status:literal, $answer:literal) => {
        Route {
            method: $method,
            path: $path,
            who: $who,
            summary: $summary,
            query: $query,
            body: $body,
            answer: ($status, $answer),
        }
    };
}

const ROUTES: &[Route] = &[
    route!("POST", "/api/auth/token", "anyone", "Sign in: a session token valid 12 h. 5 failures per name in 15 min throttle that name (429/116).", &[], Some("SignIn"), 200, "SignInAnswer"),
    route!("DELETE", "/api/auth/token", "any user", "Revoke the token used.", &[], None, 204, ""),
    route!("GET", "/api/users/me", "any user", "The caller's user.", &[], None, 200, "User"),
    route!("GET", "/api/users", "admin", "Every user.", &PAGING, None, 200, "List<User>"),
    route!("POST", "/api/users", "admin", "Create a user.", &[], Some("NewUser"), 201, "User"),
    route!("GET", "/api/users/{userId}", "self or admin", "One user.", &[], None, 200, "User"),
    route!("PUT", "/api/users/{userId}", "admin", "Change a user; deactivating revokes its tokens. Prefer: return=representation answers the user.", &[], Some("UserChanges"), 200, ""),
    route!("GET", "/api/users/{userId}/properties", "self or admin", "The properties that user may see.", &[("PropertyStatus", "string", "Active (default), Inactive or All"), PAGING[0], PAGING[1]], None, 200, "List<Property>"),
    route!("POST", "/api/users/{userId}/tokens", "self or admin", "Create an API token (shown once).", &[], Some("NewToken"), 201, "CreatedToken"),
    route!("GET", "/api/users/{userId}/tokens", "self or admin", "The user's live API tokens.", &PAGING, None, 200, "List<Token>"),
    route!("DELETE", "/api/users/{userId}/tokens/{tokenId}", "self or admin", "Revoke an API token.", &[], None, 204, ""),
    route!("GET", "/api/calllogs", "any user", "Call logs across every property the caller may see, newest call first.", &LIST_FILTERS, None, 200, "List<CallCenterActivityLog>"),
    route!("POST", "/api/calllogs", "agent, admin", "Log a call. Idempotency-Key (<= 100 chars) replays the first log (200) for 24 h.", &[], Some("NewCallCenterActivityLog"), 201, "CallCenterActivityLog"),
    route!("GET", "/api/calllogs/export.csv", "any user", "The list's filters, no paging, as CSV (text/csv).", &LIST_FILTERS, None, 200, "csv"),
    route!("GET", "/api/calllogs/{logId}", "linked user", "One call log, with its ETag.", &[], None, 200, "CallCenterActivityLog"),
    route!("PUT", "/api/calllogs/{logId}", "agent, admin", "Only Notes, ModuleStatusId and NewComments take effect. If-Match guards; Prefer: return=representation answers the log. Also form-urlencoded.", &[], Some("CallCenterActivityLogUpdate"), 200, ""),
    route!("DELETE", "/api/calllogs/{logId}", "admin", "Soft delete.", &[], None, 204, ""),
    route!("POST", "/api/calllogs/{logId}/restore", "admin", "Undo a delete.", &[], None, 200, "CallCenterActivityLog"),
    route!("GET", "/api/calllogs/{logId}/history", "linked user", "Every change, oldest first.", &PAGING, None, 200, "List<HistoryEntry>"),
    route!("GET", "/api/units/{unitId}/calllogs", "linked user", "A unit's call logs (the list filters apply).", &LIST_FILTERS, None, 200, "List<CallCenterActivityLog>"),
    route!("GET", "/api/properties/{propertyId}/calllogs", "linked user", "A property's call logs (the list filters apply).", &LIST_FILTERS, None, 200, "List<CallCenterActivityLog>"),
    route!("GET", "/api/residents/{residentId}/calllogs", "linked user", "A resident's call logs (the list filters apply).", &LIST_FILTERS, None, 200, "List<CallCenterActivityLog>"),
    route!("GET", "/api/calllogreasons", "any user", "Reasons by DisplayOrder then name.", &[("includeInactive", "boolean", "also inactive ones"), PAGING[0], PAGING[1]], None, 200, "List<CallLogReason>"),
    route!("POST", "/api/calllogreasons", "admin", "Create a reason (names unique ignoring case).", &[], Some("NewCallLogReason"), 201, "CallLogReason"),
    route!("GET", "/api/calllogreasons/{reasonId}", "any user", "One reason.", &[], None, 200, "CallLogReason"),
    route!("PUT", "/api/calllogreasons/{reasonId}", "admin", "Rename, reorder or (de)activate a reason.", &[], Some("CallLogReasonChanges"), 200, ""),
    route!("GET", "/api/modulestatuses/calllogs", "any user", "Statuses by DisplayOrder.", &[("includeInactive", "boolean", "also inactive ones"), PAGING[0], PAGING[1]], None, 200, "List<ModuleStatus>"),
    route!("POST", "/api/modulestatuses/calllogs", "admin", "Create a status.", &[], Some("NewModuleStatus"), 201, "ModuleStatus"),
    route!("GET", "/api/modulestatus/{statusId}", "any user", "One status.", &[], None, 200, "ModuleStatus"),
    route!("PUT", "/api/modulestatus/{statusId}", "admin", "Change a status; exactly one default at all times.", &[], Some("ModuleStatusChanges"), 200, ""),
    route!("GET", "/api/properties", "any user", "The caller's properties.", &[("ids", "integer[]", "only these"), ("PropertyStatus", "string", "Active (default), Inactive or All"), PAGING[0], PAGING[1]], None, 200, "List<Property>"),
    route!("GET", "/api/properties/{propertyId}", "linked user", "One property.", &[], None, 200, "Property"),
    route!("GET", "/api/properties/{propertyId}/units", "linked user", "A property's units.", &[("unitNumber", "string", "prefix"), ("residentName", "string", "substring of a resident's name"), ("sort", "string", "unitdisplayorder (default) or unitnumber"), PAGING[0], PAGING[1]], None, 200, "List<Unit>"),
    route!("GET", "/api/properties/{propertyId}/residents", "linked user", "A property's residents.", &[("name", "string", "substring, ignoring case"), PAGING[0], PAGING[1]], None, 200, "List<Resident>"),
    route!("GET", "/api/properties/{propertyId}/propertysummary", "linked user", "Call logs counted by status category.", &[], None, 200, "PropertySummary"),
    route!("GET", "/api/properties/{propertyId}/unitsummary", "linked user", "Each unit's call logs counted by status category.", &PAGING, None, 200, "List<UnitSummary>"),
    route!("GET", "/api/units", "any user", "Units by id.", &[("unitIds", "integer[]", "required"), PAGING[0], PAGING[1]], None, 200, "List<Unit>"),
    route!("GET", "/api/units/{unitId}", "linked user", "One unit.", &[], None, 200, "Unit"),
    route!("GET", "/api/units/{unitId}/owner", "linked user", "The unit's first resident of type 1 (Owner).", &[], None, 200, "Resident"),
    route!("GET", "/api/units/{unitId}/residents", "linked user", "The unit's residents.", &PAGING, None, 200, "List<Resident>"),
    route!("GET", "/api/residents/{residentId}", "linked user", "One resident.", &[], None, 200, "Resident"),
    route!("POST", "/api/admin/import", "admin", "Upsert the directory by id, all or nothing.", &[], Some("Import"), 200, "ImportCounts"),
    route!("GET", "/api/openapi.json", "anyone", "This document.", &[], None, 200, "json"),
    route!("GET", "/help", "anyone", "This document as a page.", &[], None, 200, "html"),
    route!("GET", "/healthz", "anyone", "200 ok while the process serves.", &[], None, 200, "text"),
    route!("GET", "/readyz", "anyone", "200 when the database answers a read, else 503.", &[], None, 200, "text"),
    route!("GET", "/metrics", "anyone", "Prometheus text: requests and latency by route and status, writer and pool state.", &[], None, 200, "text"),
];

/// Models: (name, [(field, type, note)]). Types: integer, string, boolean,
/// number, date, a model name, or X[] for a list; a trailing ? means nullable.
const MODELS: &[(&str, &[Field])] = &[
    (
        "Error",
        &[
            ("Code", "integer", "100-199, see the table"),
            ("Name", "string", ""),
            ("Message", "string", "what went wrong, for a person"),
            ("Errors", "FieldError[]", "every field problem"),
        ],
    ),
    ("FieldError", &[("Field", "string", "e.g. Units[3].PropertyId"), ("Message", "string", "")]),
    ("SignIn", &[("UserName", "string", ""), ("Password", "string", "")]),
    ("SignInAnswer", &[("Token", "string", "bearer token"), ("ExpiresOn", "date", ""), ("User", "User", "")]),
    (
        "User",
        &[
            ("UserId", "integer", ""),
            ("UserName", "string", "unique ignoring case"),
            ("FirstName", "string?", ""),
            ("LastName", "string?", ""),
            ("Email", "string?", ""),
            ("Role", "string", "admin, agent or viewer"),
            ("Active", "boolean", ""),
            ("PropertyIds", "integer[]", "linked properties"),
        ],
    ),
    (
        "NewUser",
        &[
            ("UserName", "string", "required"),
            ("Password", "string", "required, 8+ characters"),
            ("FirstName", "string?", ""),
            ("LastName", "string?", ""),
            ("Email", "string?", ""),
            ("Role", "string", "required"),
            ("PropertyIds", "integer[]", ""),
        ],
    ),
    (
        "UserChanges",
        &[
            ("FirstName", "string?", ""),
            ("LastName", "string?", ""),
            ("Email", "string?", ""),
            ("Role", "string?", ""),
            ("Active", "boolean?", ""),
            ("Password", "string?", ""),
            ("PropertyIds", "integer[]", ""),
        ],
    ),
    ("NewToken", &[("Name", "string", "required"), ("ExpiresOn", "date?", "no expiry when absent")]),
    (
        "CreatedToken",
        &[
            ("TokenId", "integer", ""),
            ("Name", "string", ""),
            ("Token", "string", "shown only once"),
            ("CreatedOn", "date", ""),
            ("ExpiresOn", "date?", ""),
        ],
    ),
    (
        "Token",
        &[("TokenId", "integer", ""), ("Name", "string?", ""), ("CreatedOn", "date", ""), ("ExpiresOn", "date?", "")],
    ),
    (
        "CallCenterActivityLog",
        &[
            ("LogId", "integer", ""),
            ("PropertyId", "integer", ""),
            ("UnitId", "integer?", ""),
            ("ResidentId", "integer?", ""),
            ("CallFrom", "string", "the resident's name when linked"),
            ("ModuleStatusId", "integer", ""),
            ("Subject", "string", "1..200"),
            ("Notes", "string?", "<= 20,000"),
            ("LogReasons", "integer[]", "active reason ids"),
            ("Takenby", "string", "<= 100"),
            ("OldComments", "CallCenterActivityLogComment[]", "oldest first"),
            ("NewComments", "string?", "write-only; null in answers"),
            ("CreatedOn", "date", "the call"),
            ("ModifiedOn", "date", "last change"),
        ],
    ),
    (
        "NewCallCenterActivityLog",
        &[
            ("PropertyId", "integer", "required"),
            ("UnitId", "integer?", ""),
            ("ResidentId", "integer?", ""),
            ("CallFrom", "string?", "required without ResidentId"),
            ("ModuleStatusId", "integer?", "default: the default status"),
            ("Subject", "string", "required"),
            ("Notes", "string?", ""),
            ("LogReasons", "integer[]", ""),
            ("Takenby", "string?", "default: the caller's display name"),
            ("NewComments", "string?", "the first comment"),
            ("CreatedOn", "date?", "default now; <= 5 min ahead"),
        ],
    ),
    (
        "CallCenterActivityLogUpdate",
        &[
            ("LogId", "integer?", "must equal the path"),
            ("Notes", "string?", "\"\" clears"),
            ("ModuleStatusId", "integer?", ""),
            ("NewComments", "string?", "appended as a comment"),
        ],
    ),
    (
        "CallCenterActivityLogComment",
        &[
            ("Comment", "string", ""),
            ("Date", "date", ""),
            ("User", "string", "display name"),
            ("Status", "string", "status name at the time"),
        ],
    ),
    (
        "HistoryEntry",
        &[
            ("Date", "date", ""),
            ("User", "string", ""),
            ("Action", "string", "created, updated, commented, deleted or restored"),
            ("Field", "string?", "Notes or ModuleStatusId"),
            ("OldValue", "string?", ""),
            ("NewValue", "string?", ""),
        ],
    ),
    (
        "CallLogReason",
        &[
            ("CallLogReasonId", "integer", ""),
            ("Name", "string", ""),
            ("Active", "boolean", ""),
            ("DisplayOrder", "integer", ""),
        ],
    ),
    ("NewCallLogReason", &[("Name", "string", "required"), ("DisplayOrder", "integer?", "default: last")]),
    ("CallLogReasonChanges", &[("Name", "string?", ""), ("Active", "boolean?", ""), ("DisplayOrder", "integer?", "")]),
    (
        "ModuleStatus",
        &[
            ("ModuleStatusId", "integer", ""),
            ("Module", "string", "calllogs"),
            ("Name", "string", ""),
            ("Category", "string", "open, pending or closed"),
            ("IsDefault", "boolean", ""),
            ("Active", "boolean", ""),
            ("DisplayOrder", "integer", ""),
        ],
    ),
    (
        "NewModuleStatus",
        &[
            ("Name", "string", "required"),
            ("Category", "string", "required"),
            ("DisplayOrder", "integer?", ""),
            ("IsDefault", "boolean?", ""),
        ],
    ),
    (
        "ModuleStatusChanges",
        &[
            ("Name", "string?", ""),
            ("Category", "string?", ""),
            ("Active", "boolean?", ""),
            ("DisplayOrder", "integer?", ""),
            ("IsDefault", "boolean?", ""),
        ],
    ),
    (
        "Property",
        &[
            ("PropertyId", "integer", ""),
            ("C4Uid", "string?", ""),
            ("PropertyName", "string", ""),
            ("Address1", "string?", ""),
            ("Address2", "string?", ""),
            ("City", "string?", ""),
            ("State", "string?", ""),
            ("Zip", "string?", ""),
            ("EntityNumber", "string?", ""),
            ("LegalName", "string?", ""),
            ("PropertyTypeId", "integer?", "1 Condo/Highrise, 2 HOA"),
            ("PropertyStatus", "boolean", "active"),
        ],
    ),
    (
        "Unit",
        &[
            ("UnitId", "integer", ""),
            ("PropertyId", "integer", ""),
            ("UnitNumber", "string", ""),
            ("Address1", "string?", ""),
            ("Address2", "string?", ""),
            ("City", "string?", ""),
            ("State", "string?", ""),
            ("Zip", "string?", ""),
            ("DisplayOrder", "integer?", ""),
            ("Floor", "string?", ""),
            ("Latitude", "number?", ""),
            ("Longitude", "number?", ""),
        ],
    ),
    (
        "Resident",
        &[
            ("ResidentId", "integer", ""),
            ("PropertyId", "integer", ""),
            ("UnitId", "integer", ""),
            ("ResidentFirstName", "string?", ""),
            ("ResidentMiddleInitial", "string?", ""),
            ("ResidentLastName", "string?", ""),
            ("ResidentEmail", "string?", ""),
            ("ResidentUnitphone", "string?", ""),
            ("ResidentCellphone", "string?", ""),
            ("ResidentWorkphone", "string?", ""),
            ("ResidentOtherphone", "string?", ""),
            ("OccupancyType", "string?", ""),
            ("ResidentType", "integer?", "1 Owner, 2 Resident, 3 Renter"),
            ("MoveInDate", "date?", ""),
        ],
    ),
    ("Import", &[("Properties", "Property[]", ""), ("Units", "Unit[]", ""), ("Residents", "Resident[]", "")]),
    ("ImportCounts", &[("Properties", "integer", ""), ("Units", "integer", ""), ("Residents", "integer", "")]),
    (
        "PropertySummary",
        &[
            ("PropertyId", "integer", ""),
            ("CallLogs", "integer", ""),
            ("OpenCallLogs", "integer", ""),
            ("PendingCallLogs", "integer", ""),
            ("ClosedCallLogs", "integer", ""),
        ],
    ),
    (
        "UnitSummary",
        &[
            ("UnitId", "integer", ""),
            ("CallLogs", "integer", ""),
            ("OpenCallLogs", "integer", ""),
            ("PendingCallLogs", "integer", ""),
            ("ClosedCallLogs", "integer", ""),
        ],
    ),
];

const ERROR_CODES: &[(u16, &str, &str, &str)] = &[
    (100, "MissingRequiredHeader", "401", "no Authorization header"),
    (101, "InvalidCredentials", "401", "unknown, revoked or expired token; failed sign-in"),
    (102, "InsufficientRole", "403", "the user's role may not do this"),
    (105, "ResourceNotLinkedToUser", "403", "the resource belongs to a property not linked to the user"),
    (106, "ResourceNotFound", "404", "no such resource (also a deleted call log, an unknown route)"),
    (109, "MissingRequiredJsonParameter", "400", "body missing, or a required field missing/null/blank"),
    (110, "PreconditionFailed", "412", "If-Match does not match the current ETag"),
    (111, "PayloadTooLarge", "413", "body over 256 KiB"),
    (112, "InvalidOperation", "409 / 405", "not allowed in the current state; a known path with the wrong method"),
    (113, "WriteOperationFailed", "409", "the database refused the write; nothing was kept"),
    (114, "InvalidJsonParameterValue", "400", "malformed JSON, wrong type, bad value, bad query parameter or path id"),
    (115, "ServiceBusy", "503", "write queue full (Retry-After)"),
    (116, "TooManyRequests", "429", "sign-in throttled (Retry-After)"),
    (
        118,
        "InvalidHeaderValue",
        "401 / 415 / 400",
        "malformed Authorization; unsupported Content-Type; malformed If-Match",
    ),
    (199, "UnknownError", "500", "anything else"),
];

fn schema_of(kind: &str) -> Value {
    let (kind, nullable) = match kind.strip_suffix('?') {
        Some(k) => (k, true),
        None => (kind, false),
    };
    let mut schema = match kind {
        "integer" => json!({"type": "integer", "format": "int64"}),
        "number" => json!({"type": "number"}),
        "string" => json!({"type": "string"}),
        "boolean" => json!({"type": "boolean"}),
        "date" => json!({"type": "string", "format": "date-time", "example": "2026-01-31T14:30:00.0000000+00:00"}),
        list if list.ends_with("[]") => json!({"type": "array", "items": schema_of(&list[..list.len() - 2])}),
        model => json!({"$ref": format!("#/components/schemas/{model}")}),
    };
    if nullable {
        if let Some(object) = schema.as_object_mut() {
            if object.contains_key("$ref") {
                schema = json!({"allOf": [schema], "nullable": true});
            } else {
                object.insert("nullable".into(), json!(true));
            }
        }
    }
    schema
}

fn answer_content(model: &str) -> Value {
    match model {
        "" => json!(null),
        "csv" => json!({"text/csv": {"schema": {"type": "string"}}}),
        "html" => json!({"text/html": {"schema": {"type": "string"}}}),
        "text" => json!({"text/plain": {"schema": {"type": "string"}}}),
        "json" => json!({"application/json": {"schema": {"type": "object"}}}),
        list if list.starts_with("List<") => {
            let item = &list[5..list.len() - 1];
            json!({"application/json": {"schema": {
                "type": "object",
                "required": ["Total", "Elements"],
                "properties": {"Total": {"type": "integer", "description": "every match, not just this page"},
                               "Elements": {"type": "array", "items": schema_of(item)}}}}})
        }
        model => json!({"application/json": {"schema": schema_of(model)}}),
    }
}

fn build_openapi() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let mut parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer", "format": "int64", "minimum": 1}}))
            .collect();
        for (name, kind, meaning) in route.query.iter().filter(|(n, _, _)| !n.starts_with('(')) {
            parameters.push(json!({"name": name, "in": "query", "required": false, "description": meaning, "schema": schema_of(kind)}));
        }
        let mut responses = Map::new();
        let mut success = json!({"description": "success"});
        let content = answer_content(route.answer.1);
        if !content.is_null() {
            success["content"] = content;
        }
        responses.insert(route.answer.0.to_string(), success);
        responses.insert(
            "default".into(),
            json!({"description": "an error (see Error codes)", "content": {"application/json": {"schema": schema_of("Error")}}}),
        );
        let mut operation = json!({
            "summary": route.summary,
            "description": format!("Who: {}.", route.who),
            "parameters": parameters,
            "responses": responses,
        });
        if route.who == "anyone" {
            operation["security"] = json!([]);
        }
        if let Some(body) = route.body {
            let mut content =
                json!({"application/json": {"schema": schema_of(body)}, "text/json": {"schema": schema_of(body)}});
            if route.method == "PUT" && route.path == "/api/calllogs/{logId}" {
                content["application/x-www-form-urlencoded"] = json!({"schema": schema_of(body)});
            }
            operation["requestBody"] = json!({"required": true, "content": content});
        }
        let entry = paths.entry(route.path.to_string()).or_insert_with(|| json!({}));
        entry[route.method.to_lowercase()] = operation;
    }
    let mut schemas = Map::new();
    for (name, fields) in MODELS {
        let mut properties = Map::new();
        for (field, kind, note) in fields.iter() {
            let mut schema = schema_of(kind);
            if !note.is_empty() {
                schema["description"] = json!(note);
            }
            properties.insert(field.to_string(), schema);
        }
        schemas.insert(name.to_string(), json!({"type": "object", "properties": properties}));
    }
    let codes: Vec<String> =
        ERROR_CODES.iter().map(|(code, name, http, when)| format!("{code} {name} (HTTP {http}): {when}")).collect();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "calllog",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!(
                "Call-center activity log. PascalCase JSON; property and query names match ignoring case; \
                 lists answer {{\"Total\",\"Elements\"}}; dates are YYYY-MM-DDTHH:MM:SS.fffffff±HH:MM in the server's zone. \
                 Error codes: {}.",
                codes.join("; ")
            )
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas
        },
        "security": [{"bearer": []}],
        "paths": paths
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn build_help() -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>calllog API help</title><style>\
         body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;line-height:1.4}\
         code{background:#f3f3f3;padding:0 .2em}table{border-collapse:collapse;margin:.5rem 0 1.5rem}\
         td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
         h3{margin-bottom:.2rem}.m{font-weight:bold;color:#246}</style></head><body>\
         <h1>calllog API</h1><p>Every route under <code>/api/</code> except sign-in and this document needs \
         <code>Authorization: Bearer &lt;token&gt;</code>. JSON property names are PascalCase and match ignoring case; \
         lists answer <code>{\"Total\": n, \"Elements\": [...]}</code>; dates are \
         <code>YYYY-MM-DDTHH:MM:SS.fffffff±HH:MM</code>. The same content as JSON: \
         <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p><h2>Routes</h2>",
    );
    for route in ROUTES {
        html.push_str(&format!(
            "<h3><span class=\"m\">{}</span> <code>{}</code></h3><p>{} <em>Who:</em> {}.",
            route.method,
            escape(route.path),
            escape(route.summary),
            escape(route.who)
        ));
        if let Some(body) = route.body {
            html.push_str(&format!(" <em>Body:</em> <a href=\"#{body}\">{body}</a>."));
        }
        let answer = match route.answer.1 {
            "" => String::new(),
            model => format!(" → {}", escape(model)),
        };
        html.push_str(&format!(" <em>Answer:</em> {}{}.</p>", route.answer.0, answer));
        if !route.query.is_empty() {
            html.push_str("<table><tr><th>Query</th><th>Type</th><th>Meaning</th></tr>");
            for (name, kind, meaning) in route.query.iter() {
                html.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                    escape(name),
                    escape(kind),
                    escape(meaning)
                ));
            }
            html.push_str("</table>");
        }
    }
    html.push_str("<h2>Models</h2>");
    for (name, fields) in MODELS {
        html.push_str(&format!(
            "<h3 id=\"{name}\">{name}</h3><table><tr><th>Field</th><th>Type</th><th>Notes</th></tr>"
        ));
        for (field, kind, note) in fields.iter() {
            html.push_str(&format!(
                "<tr><td><code>{field}</code></td><td>{}</td><td>{}</td></tr>",
                escape(kind),
                escape(note)
            ));
        }
        html.push_str("</table>");
    }
    html.push_str("<h2>Error codes</h2><table><tr><th>Code</th><th>Name</th><th>HTTP</th><th>When</th></tr>");
    for (code, name, http, when) in ERROR_CODES {
        html.push_str(&format!("<tr><td>{code}</td><td>{name}</td><td>{http}</td><td>{}</td></tr>", escape(when)));
    }
    html.push_str("</table></body></html>");
    html
}

static OPENAPI: OnceLock<String> = OnceLock::new();
static HELP: OnceLock<String> = OnceLock::new();

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/openapi.json").route(web::get().to(openapi)))
        .service(web::resource("/help").route(web::get().to(help)));
}

async fn openapi() -> HttpResponse {
    let body = OPENAPI.get_or_init(|| build_openapi().to_string());
    HttpResponse::Ok().content_type("application/json; charset=utf-8").body(body.as_str())
}

async fn help() -> HttpResponse {
    let body = HELP.get_or_init(build_help);
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body.as_str())
}

/// Every documented route as (method, path with `1` for each id), for tests.
pub fn documented_routes() -> Vec<(&'static str, String)> {
    ROUTES
        .iter()
        .map(|r| {
            let path =
                r.path.split('/').map(|seg| if seg.starts_with('{') { "1" } else { seg }).collect::<Vec<_>>().join("/");
            (r.method, path)
        })
        .collect()
}
