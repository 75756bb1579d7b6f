//! docs/api.md §4: call logs — create, read, the original's update, delete and
//! restore, history, and the four list routes.

use crate::domain::calllogs::{CallLog, CallLogFilter, PropertySummary, MAX_IDEMPOTENCY_KEY};
use crate::domain::ids::{LogId, PropertyId, ResidentId, UnitId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::http::{
    json_response, no_content, path_id, query, require_body, resource, wants_representation, BodyKinds, Handler,
};
use crate::service::access::{Admin, Writer};
use crate::service::calllogs::{Creation, ListScope};
use crate::state::AppState;
use crate::wire::calllogs::{read_call_log_update, read_new_call_log};
use crate::wire::query::ListWrapper;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // export.csv before {id}, which would otherwise take it.
    cfg.service(resource("/api/calllogs", [(Method::GET, web::to(list_all)), (Method::POST, web::to(create))]))
        .service(resource("/api/calllogs/export.csv", [(Method::GET, web::to(export_csv))]))
        .service(resource(
            "/api/calllogs/{id}",
            [(Method::GET, web::to(get_one)), (Method::PUT, web::to(update)), (Method::DELETE, web::to(delete))],
        ))
        .service(resource("/api/calllogs/{id}/restore", [(Method::POST, web::to(restore))]))
        .service(resource("/api/calllogs/{id}/history", [(Method::GET, web::to(history))]))
        .service(resource("/api/units/{id}/calllogs", [(Method::GET, web::to(list_for_unit))]))
        .service(resource("/api/properties/{id}/calllogs", [(Method::GET, web::to(list_for_property))]))
        .service(resource("/api/residents/{id}/calllogs", [(Method::GET, web::to(list_for_resident))]))
        .service(resource("/api/properties/{id}/propertysummary", [(Method::GET, web::to(property_summary))]))
        .service(resource("/api/properties/{id}/unitsummary", [(Method::GET, web::to(unit_summary))]));
}

/// The log as JSON with its `ETag` (and `Location` when created).
fn log_response(state: &AppState, status: StatusCode, log: CallLog, location: bool) -> HttpResponse {
    let (etag, log_id) = (log.etag(), log.log_id);
    let mut response = json_response(state, status, log);
    if let Ok(value) = header::HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if location {
        if let Ok(value) = header::HeaderValue::from_str(&format!("/api/calllogs/{log_id}")) {
            response.headers_mut().insert(header::LOCATION, value);
        }
    }
    response
}

fn text_header(req: &HttpRequest, name: &str) -> Result<Option<String>, ApiError> {
    match req.headers().get(name) {
        None => Ok(None),
        Some(v) => v.to_str().map(|s| Some(s.trim().to_string())).map_err(|_| {
            ApiError::invalid_header(StatusCode::BAD_REQUEST, format!("The {name} header must be plain ASCII text."))
        }),
    }
}

#[utoipa::path(
    post,
    path = "/api/calllogs",
    tag = "calllogs",
    summary = "Log a call (agent, admin). With Idempotency-Key, a repeat by the same user within 24 h with the same body answers the first log (200) and creates nothing (404 if that log was deleted since, 403 if its property is no longer linked); the same key with a different body is 422/119 and creates nothing. Bodies are the same when every field the create takes has the same value (names in any case, dates as instants, LogReasons as a set); fields the create ignores do not count. A repeat is checked for form as a create is (400), not against the current state.",
    responses(
        (status = 201, description = "created", body = crate::wire::models::CallLog, headers(("Location" = String, description = "the created resource"), ("ETag" = String, description = "the log's version"))),
        (status = 200, description = "a repeat of an Idempotency-Key: the first log", body = crate::wire::models::CallLog, headers(("Location" = String, description = "the created resource"), ("ETag" = String, description = "the log's version"))),
    )
)]
async fn create(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let caller = Writer::of(&caller)?;
    let key = text_header(&req, "idempotency-key")?;
    if key.as_ref().is_some_and(|k| k.is_empty() || k.chars().count() > MAX_IDEMPOTENCY_KEY) {
        return Err(ApiError::invalid_header(
            StatusCode::BAD_REQUEST,
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters."),
        ));
    }
    // Only a well-formed request is created or replayed (docs/api.md §4, §8: a
    // request the document calls invalid is never accepted, key or not); the
    // service compares the body with the key's first one.
    let fields = require_body(&req, body, BodyKinds::Json).await?;
    let input = read_new_call_log(fields, &state.service.config.zone.current(), Stamp::now())?;
    let (log, creation) = state.service.create_call_log(&caller, input, key).await?;
    let status = if creation == Creation::Replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok(log_response(&state, status, log, true))
}

#[utoipa::path(
    get,
    path = "/api/calllogs/{logId}",
    tag = "calllogs",
    summary = "One call log (linked user).",
    responses(
        (status = 200, description = "the log", body = crate::wire::models::CallLog, headers(("ETag" = String, description = "strong tag of the log's current version, for If-Match"))),
    )
)]
async fn get_one(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let log = state.service.get_call_log(&caller, path_id(&req, "id", LogId)?).await?;
    Ok(log_response(&state, StatusCode::OK, log, false))
}

#[utoipa::path(
    put,
    path = "/api/calllogs/{logId}",
    tag = "calllogs",
    summary = "Change a call log (agent, admin): only Notes, ModuleStatusId and NewComments take effect; every other field is ignored. An If-Match header (a quoted strong ETag or *) must match the current ETag, else 412/110. With Prefer: return=representation the answer is the log.",
    responses(
        (status = 200, description = "changed: an empty body (with Prefer: return=representation, the log as JSON)", headers(("ETag" = String, description = "strong tag of the log's current version, for If-Match"))),
    )
)]
async fn update(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let caller = Writer::of(&caller)?;
    let log_id = path_id(&req, "id", LogId)?;
    // A malformed If-Match is refused before anything else.
    let if_match = text_header(&req, "if-match")?
        .map(|tag| crate::wire::calllogs::parse_if_match(&tag))
        .transpose()
        .map_err(|problem| ApiError::invalid_header(StatusCode::BAD_REQUEST, problem.to_string()))?;
    let changes = read_call_log_update(require_body(&req, body, BodyKinds::JsonOrForm).await?, log_id)?;
    let etag = state.service.append_to_call_log(&caller, log_id, changes, if_match).await?;
    if wants_representation(&req) {
        // Read after the commit, off the writer (docs/architecture.md).
        let log = state.service.get_call_log(&caller, log_id).await?;
        return Ok(log_response(&state, StatusCode::OK, log, false));
    }
    let mut response = HttpResponse::Ok().finish();
    if let Ok(value) = header::HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

#[utoipa::path(
    delete,
    path = "/api/calllogs/{logId}",
    tag = "calllogs",
    summary = "Soft-delete a call log (admin); it then answers 404.",
    responses(
        (status = 204, description = "deleted"),
    )
)]
async fn delete(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let log_id = path_id(&req, "id", LogId)?;
    state.service.delete_call_log(&Admin::of(&caller)?, log_id).await?;
    no_content()
}

#[utoipa::path(
    post,
    path = "/api/calllogs/{logId}/restore",
    tag = "calllogs",
    summary = "Undo a delete (admin); a log that is not deleted is 409/112.",
    responses(
        (status = 200, description = "restored", body = crate::wire::models::CallLog, headers(("ETag" = String, description = "strong tag of the log's current version, for If-Match"))),
    )
)]
async fn restore(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let log_id = path_id(&req, "id", LogId)?;
    let log = state.service.restore_call_log(&Admin::of(&caller)?, log_id).await?;
    Ok(log_response(&state, StatusCode::OK, log, false))
}

#[utoipa::path(
    get,
    path = "/api/calllogs/{logId}/history",
    tag = "calllogs",
    summary = "Every change of a log, oldest first (linked user).",
    responses(
        (status = 200, description = "history", body = crate::wire::query::ListWrapper<crate::wire::models::HistoryEntry>),
    )
)]
async fn history(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let log_id = path_id(&req, "id", LogId)?;
    let page = query(&req)?.page()?;
    let (total, rows) = state.service.call_log_history(&caller, log_id, page).await?;
    Ok(json_response(&state, StatusCode::OK, ListWrapper::new(total, rows)))
}

fn read_filter(state: &AppState, req: &HttpRequest) -> Result<(CallLogFilter, Page), ApiError> {
    let params = query(req)?;
    Ok((crate::wire::calllogs::read_filter(&params, &state.service.config.zone.current())?, params.page()?))
}

async fn run_list(state: &AppState, caller: &Caller, req: &HttpRequest, scope: ListScope) -> Handler {
    let (filter, page) = read_filter(state, req)?;
    let (total, logs) = state.service.list_call_logs(caller, scope, filter, page).await?;
    Ok(json_response(state, StatusCode::OK, ListWrapper::new(total, logs)))
}

#[utoipa::path(
    get,
    path = "/api/calllogs",
    tag = "calllogs",
    summary = "Call logs across every property the caller may see, newest call first.",
    responses(
        (status = 200, description = "call logs", body = crate::wire::query::ListWrapper<crate::wire::models::CallLog>),
    )
)]
async fn list_all(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    run_list(&state, &caller, &req, ListScope::Everywhere).await
}

#[utoipa::path(
    get,
    path = "/api/units/{unitId}/calllogs",
    tag = "calllogs",
    summary = "A unit's call logs (linked user; the list filters apply).",
    responses(
        (status = 200, description = "call logs", body = crate::wire::query::ListWrapper<crate::wire::models::CallLog>),
    )
)]
async fn list_for_unit(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let unit_id = path_id(&req, "id", UnitId)?;
    run_list(&state, &caller, &req, ListScope::Unit(unit_id)).await
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/calllogs",
    tag = "calllogs",
    summary = "A property's call logs (linked user; the list filters apply).",
    responses(
        (status = 200, description = "call logs", body = crate::wire::query::ListWrapper<crate::wire::models::CallLog>),
    )
)]
async fn list_for_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = path_id(&req, "id", PropertyId)?;
    run_list(&state, &caller, &req, ListScope::Property(property_id)).await
}

#[utoipa::path(
    get,
    path = "/api/residents/{residentId}/calllogs",
    tag = "calllogs",
    summary = "A resident's call logs (linked user; the list filters apply).",
    responses(
        (status = 200, description = "call logs", body = crate::wire::query::ListWrapper<crate::wire::models::CallLog>),
    )
)]
async fn list_for_resident(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let resident_id = path_id(&req, "id", ResidentId)?;
    run_list(&state, &caller, &req, ListScope::Resident(resident_id)).await
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/propertysummary",
    tag = "summaries",
    summary = "A property's call logs counted by status category (linked user).",
    responses(
        (status = 200, description = "counts", body = crate::wire::models::PropertySummary),
    )
)]
async fn property_summary(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = path_id(&req, "id", PropertyId)?;
    let counts = state.service.property_summary(&caller, property_id).await?;
    Ok(json_response(&state, StatusCode::OK, PropertySummary { property_id, counts }))
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/unitsummary",
    tag = "summaries",
    summary = "Each unit's call logs counted by status category (linked user).",
    responses(
        (status = 200, description = "counts", body = crate::wire::query::ListWrapper<crate::wire::models::UnitSummary>),
    )
)]
async fn unit_summary(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let page = query(&req)?.page()?;
    let units = state.service.unit_summary(&caller, path_id(&req, "id", PropertyId)?).await?;
    Ok(json_response(&state, StatusCode::OK, ListWrapper::paged(units, page)))
}

/// `GET /api/calllogs/export.csv`: the list's filters, no paging, streamed.
/// Everything that can fail with an error answer is checked before the
/// first byte, and the first rows are read then too; a failure after that
/// aborts the response without its final chunk (and is logged), so the
/// client sees a broken download, never a short file that looks complete.
#[utoipa::path(
    get,
    path = "/api/calllogs/export.csv",
    tag = "calllogs",
    summary = "The list's filters, without paging, as CSV (RFC 4180, UTF-8). page and pageSize are checked as on the list but do not limit the rows. A cell beginning with =, +, -, @, tab or carriage return is written with a leading '. A failure after the first byte ends the response without its final chunk.",
    responses(
        (status = 200, description = "CSV: LogId,CreatedOn,PropertyId,UnitId,ResidentId,CallFrom,Status,Reasons,Subject,Notes,Takenby,CommentCount,LastComment,ModifiedOn", content_type = "text/csv", body = String),
    )
)]
async fn export_csv(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let (filter, _) = read_filter(&state, &req)?;
    let mut export = state.service.export_csv(&caller, filter).await?;
    let body = futures_util::stream::poll_fn(move |cx| {
        export.poll_chunk(cx).map(|chunk| {
            chunk.map(|bytes| bytes.map(web::Bytes::from).map_err(actix_web::error::ErrorInternalServerError))
        })
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"calllogs.csv\""))
        .streaming(body))
}
