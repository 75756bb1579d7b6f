//! API.md §4: call logs — create, read, the original's update, delete and
//! restore, history, and the four list routes.

use crate::app::AppState;
use crate::domain::calllogs::{
    if_match_allows, read_call_log_update, read_new_call_log, CallLog, CallLogFilter, PropertySummary,
    MAX_IDEMPOTENCY_KEY,
};
use crate::domain::query::{ListWrapper, Page};
use crate::domain::time::Stamp;
use crate::domain::users::Caller;
use crate::error::{ApiError, FieldError};
use crate::http::directory::{visible_property, visible_resident, visible_unit};
use crate::http::{
    json_response, no_content, path_id, query, require_body, resource, wants_representation, BodyKinds, Handler,
};
use crate::store::calllogs::{self as store, Author};
use crate::store::catalog::unknown_ids;
use crate::store::directory::{get_resident, get_unit};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use rusqlite::Connection;

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

fn author(caller: &Caller) -> Author {
    Author { user_id: caller.user_id, display_name: caller.display_name.clone() }
}

/// The log when it exists and is not deleted (a deleted log answers 404).
fn live_log(conn: &Connection, log_id: i64) -> Result<CallLog, ApiError> {
    store::get(conn, log_id)?
        .filter(|log| !log.deleted)
        .ok_or_else(|| ApiError::not_found(format!("There is no call log {log_id}.")))
}

/// The log as JSON with its `ETag` (and `Location` when created).
fn log_response(state: &AppState, status: StatusCode, log: &CallLog, location: bool) -> HttpResponse {
    let mut response = json_response(state, status, log);
    if let Ok(value) = header::HeaderValue::from_str(&log.etag()) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if location {
        if let Ok(value) = header::HeaderValue::from_str(&format!("/api/calllogs/{}", log.log_id)) {
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
    summary = "Log a call (agent, admin). With Idempotency-Key, a repeat by the same user within 24 h answers the first log (200) and creates nothing; if that log was deleted since, 404.",
    responses(
        (status = 201, description = "created", body = crate::domain::calllogs::CallLog, headers(("Location" = String, description = "the created resource"), ("ETag" = String, description = "the log's version"))),
        (status = 200, description = "a repeat of an Idempotency-Key: the first log", body = crate::domain::calllogs::CallLog, headers(("Location" = String, description = "the created resource"), ("ETag" = String, description = "the log's version"))),
    )
)]
async fn create(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_writer()?;
    let now = Stamp::now();
    let key = text_header(&req, "idempotency-key")?;
    if key.as_ref().is_some_and(|k| k.is_empty() || k.chars().count() > MAX_IDEMPOTENCY_KEY) {
        return Err(ApiError::invalid_header(
            StatusCode::BAD_REQUEST,
            format!("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters."),
        ));
    }
    // A replay answers the first log whatever its body, so the body's
    // verdict waits until the key is looked up (in the same transaction).
    let fields = require_body(&req, body, BodyKinds::Json).await;
    let input = fields.and_then(|f| read_new_call_log(f, &state.config.zone, now));
    // Without a key, bad input is refused before a write is queued.
    let input = if key.is_none() { Ok(input?) } else { input };
    let author = author(&caller);
    let (log, replayed) = state
        .store
        .write(move |conn| {
            if let Some(key) = &key {
                if let Some(log_id) = store::find_idempotent(conn, author.user_id, key, now)? {
                    // A first log deleted since answers 404, like the log itself.
                    return Ok((live_log(conn, log_id)?, true));
                }
            }
            let input = input?;
            caller.require_property(input.property_id)?;
            let log = store::create(conn, input, &author, now)?;
            if let Some(key) = &key {
                store::remember_idempotent(conn, author.user_id, key, log.log_id, now)?;
            }
            Ok((log, false))
        })
        .await?;
    let status = if replayed { StatusCode::OK } else { StatusCode::CREATED };
    Ok(log_response(&state, status, &log, true))
}

#[utoipa::path(
    get,
    path = "/api/calllogs/{logId}",
    tag = "calllogs",
    summary = "One call log (linked user).",
    responses(
        (status = 200, description = "the log", body = crate::domain::calllogs::CallLog, headers(("ETag" = String, description = "strong tag of the log's current version, for If-Match"))),
    )
)]
async fn get_one(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let log_id = path_id(&req, "id")?;
    let log = state.store.read(move |conn| live_log(conn, log_id)).await?;
    caller.require_property(log.property_id)?;
    Ok(log_response(&state, StatusCode::OK, &log, false))
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
    caller.require_writer()?;
    let log_id = path_id(&req, "id")?;
    let if_match = text_header(&req, "if-match")?;
    if let Some(tag) = &if_match {
        if_match_allows(tag, "")?; // refuses a malformed header before anything else
    }
    let changes = read_call_log_update(require_body(&req, body, BodyKinds::JsonOrForm).await?, log_id)?;
    let author = author(&caller);
    let now = Stamp::now();
    let log = state
        .store
        .write(move |conn| {
            let current = live_log(conn, log_id)?;
            caller.require_property(current.property_id)?;
            if let Some(tag) = &if_match {
                if !if_match_allows(tag, &current.etag())? {
                    return Err(ApiError::precondition_failed(format!(
                        "Call log {log_id} has changed (its ETag is now {}); read it again and retry.",
                        current.etag()
                    )));
                }
            }
            if store::apply_update(conn, &current, &changes, &author, now)? {
                live_log(conn, log_id)
            } else {
                Ok(current)
            }
        })
        .await?;
    if wants_representation(&req) {
        return Ok(log_response(&state, StatusCode::OK, &log, false));
    }
    let mut response = HttpResponse::Ok().finish();
    if let Ok(value) = header::HeaderValue::from_str(&log.etag()) {
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
    caller.require_admin()?;
    let log_id = path_id(&req, "id")?;
    let author = author(&caller);
    state
        .store
        .write(move |conn| {
            let current = live_log(conn, log_id)?;
            store::set_deleted(conn, &current, true, &author, Stamp::now())
        })
        .await?;
    no_content()
}

#[utoipa::path(
    post,
    path = "/api/calllogs/{logId}/restore",
    tag = "calllogs",
    summary = "Undo a delete (admin); a log that is not deleted is 409/112.",
    responses(
        (status = 200, description = "restored", body = crate::domain::calllogs::CallLog, headers(("ETag" = String, description = "strong tag of the log's current version, for If-Match"))),
    )
)]
async fn restore(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    caller.require_admin()?;
    let log_id = path_id(&req, "id")?;
    let author = author(&caller);
    let log = state
        .store
        .write(move |conn| {
            let current = store::get(conn, log_id)?
                .ok_or_else(|| ApiError::not_found(format!("There is no call log {log_id}.")))?;
            if !current.deleted {
                return Err(ApiError::invalid_operation(format!(
                    "Call log {log_id} is not deleted; there is nothing to restore."
                )));
            }
            store::set_deleted(conn, &current, false, &author, Stamp::now())?;
            live_log(conn, log_id)
        })
        .await?;
    Ok(log_response(&state, StatusCode::OK, &log, false))
}

#[utoipa::path(
    get,
    path = "/api/calllogs/{logId}/history",
    tag = "calllogs",
    summary = "Every change of a log, oldest first (linked user).",
    responses(
        (status = 200, description = "history", body = crate::domain::query::ListWrapper<crate::domain::calllogs::HistoryEntry>),
    )
)]
async fn history(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let log_id = path_id(&req, "id")?;
    let page = query(&req)?.page()?;
    let (property_id, total, rows) = state
        .store
        .read(move |conn| {
            let log = live_log(conn, log_id)?;
            let (total, rows) = store::history(conn, log_id, page.size, page.offset())?;
            Ok((log.property_id, total, rows))
        })
        .await?;
    caller.require_property(property_id)?;
    Ok(json_response(&state, StatusCode::OK, &ListWrapper::new(total, rows)))
}

/// Narrows a filter to what the caller may see: lists silently keep to the
/// linked properties; naming an unlinked property (directly or through a
/// unit or resident filter) is 403/105.
async fn authorize_filter(state: &AppState, caller: &Caller, filter: &mut CallLogFilter) -> Result<(), ApiError> {
    if caller.is_admin() {
        return Ok(());
    }
    filter.scope = Some(caller.property_ids.clone());
    if let Some(id) = filter.property_id {
        caller.require_property(id)?;
    }
    let (unit_id, resident_id) = (filter.unit_id, filter.resident_id);
    let owners = state
        .store
        .read(move |conn| {
            let unit = match unit_id {
                Some(id) => get_unit(conn, id)?.map(|u| u.property_id),
                None => None,
            };
            let resident = match resident_id {
                Some(id) => get_resident(conn, id)?.map(|r| r.property_id),
                None => None,
            };
            Ok([unit, resident])
        })
        .await?;
    for property_id in owners.into_iter().flatten() {
        caller.require_property(property_id)?;
    }
    Ok(())
}

/// Unknown ids in `status` or `reason` are 400/114.
fn check_filter_ids(conn: &Connection, filter: &CallLogFilter) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (table, name, ids) in [("statuses", "status", &filter.statuses), ("reasons", "reason", &filter.reasons)] {
        if let Some(ids) = ids {
            for id in unknown_ids(conn, table, ids)? {
                let what = if table == "statuses" { "call-log status" } else { "call-log reason" };
                errors.push(FieldError::new(name, format!("has {id}, which is not a {what}")));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::from_field_errors(errors, false))
    }
}

async fn run_list(state: &AppState, caller: &Caller, mut filter: CallLogFilter, page: Page) -> Handler {
    authorize_filter(state, caller, &mut filter).await?;
    let (total, logs) = state
        .store
        .read(move |conn| {
            check_filter_ids(conn, &filter)?;
            store::list(conn, &filter, page.size, page.offset())
        })
        .await?;
    Ok(json_response(state, StatusCode::OK, &ListWrapper::new(total, logs)))
}

fn read_filter(state: &AppState, req: &HttpRequest) -> Result<(CallLogFilter, Page), ApiError> {
    let params = query(req)?;
    Ok((CallLogFilter::read(&params, &state.config.zone)?, params.page()?))
}

#[utoipa::path(
    get,
    path = "/api/calllogs",
    tag = "calllogs",
    summary = "Call logs across every property the caller may see, newest call first.",
    responses(
        (status = 200, description = "call logs", body = crate::domain::query::ListWrapper<crate::domain::calllogs::CallLog>),
    )
)]
async fn list_all(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let (filter, page) = read_filter(&state, &req)?;
    run_list(&state, &caller, filter, page).await
}

#[utoipa::path(
    get,
    path = "/api/units/{unitId}/calllogs",
    tag = "calllogs",
    summary = "A unit's call logs (linked user; the list filters apply).",
    responses(
        (status = 200, description = "call logs", body = crate::domain::query::ListWrapper<crate::domain::calllogs::CallLog>),
    )
)]
async fn list_for_unit(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let (mut filter, page) = read_filter(&state, &req)?;
    filter.unit_id = Some(visible_unit(&state, &caller, path_id(&req, "id")?).await?.unit_id);
    run_list(&state, &caller, filter, page).await
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/calllogs",
    tag = "calllogs",
    summary = "A property's call logs (linked user; the list filters apply).",
    responses(
        (status = 200, description = "call logs", body = crate::domain::query::ListWrapper<crate::domain::calllogs::CallLog>),
    )
)]
async fn list_for_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let (mut filter, page) = read_filter(&state, &req)?;
    filter.property_id = Some(visible_property(&state, &caller, path_id(&req, "id")?).await?.property_id);
    run_list(&state, &caller, filter, page).await
}

#[utoipa::path(
    get,
    path = "/api/residents/{residentId}/calllogs",
    tag = "calllogs",
    summary = "A resident's call logs (linked user; the list filters apply).",
    responses(
        (status = 200, description = "call logs", body = crate::domain::query::ListWrapper<crate::domain::calllogs::CallLog>),
    )
)]
async fn list_for_resident(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let (mut filter, page) = read_filter(&state, &req)?;
    filter.resident_id = Some(visible_resident(&state, &caller, path_id(&req, "id")?).await?.resident_id);
    run_list(&state, &caller, filter, page).await
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/propertysummary",
    tag = "summaries",
    summary = "A property's call logs counted by status category (linked user).",
    responses(
        (status = 200, description = "counts", body = crate::domain::calllogs::PropertySummary),
    )
)]
async fn property_summary(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = visible_property(&state, &caller, path_id(&req, "id")?).await?.property_id;
    let counts = state.store.read(move |conn| store::property_counts(conn, property_id)).await?;
    Ok(json_response(&state, StatusCode::OK, &PropertySummary { property_id, counts }))
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/unitsummary",
    tag = "summaries",
    summary = "Each unit's call logs counted by status category (linked user).",
    responses(
        (status = 200, description = "counts", body = crate::domain::query::ListWrapper<crate::domain::calllogs::UnitSummary>),
    )
)]
async fn unit_summary(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let page = query(&req)?.page()?;
    let property_id = visible_property(&state, &caller, path_id(&req, "id")?).await?.property_id;
    let units = state.store.read(move |conn| store::unit_counts(conn, property_id)).await?;
    Ok(json_response(&state, StatusCode::OK, &ListWrapper::paged(units, page)))
}

/// Bytes handed to the response at a time; with a channel of four of them,
/// an export holds well under a megabyte however many rows match.
const EXPORT_CHUNK: usize = 64 * 1024;

/// `GET /api/calllogs/export.csv`: the list's filters, no paging, streamed.
/// Everything that can fail with an error answer is checked before the
/// first byte; a failure after that ends the stream early (and is logged).
#[utoipa::path(
    get,
    path = "/api/calllogs/export.csv",
    tag = "calllogs",
    summary = "The list's filters, without paging, as CSV (RFC 4180, UTF-8). page and pageSize are checked as on the list but do not limit the rows.",
    responses(
        (status = 200, description = "CSV: LogId,CreatedOn,PropertyId,UnitId,ResidentId,CallFrom,Status,Reasons,Subject,Notes,Takenby,CommentCount,LastComment,ModifiedOn", content_type = "text/csv", body = String),
    )
)]
async fn export_csv(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let (mut filter, _) = read_filter(&state, &req)?;
    authorize_filter(&state, &caller, &mut filter).await?;
    let checked = filter.clone();
    state.store.read(move |conn| check_filter_ids(conn, &checked)).await?;

    let (chunks, mut receiver) = tokio::sync::mpsc::channel::<web::Bytes>(4);
    let (store, zone) = (state.store.clone(), state.config.zone.clone());
    std::thread::Builder::new()
        .name("calllog-export".into())
        .spawn(move || {
            // RFC 4180: records end with CRLF.
            let fresh = || {
                csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(Vec::with_capacity(EXPORT_CHUNK * 2))
            };
            let mut csv = fresh();
            // Hands the buffered lines to the response and starts a new buffer.
            let send = |csv: &mut csv::Writer<Vec<u8>>| -> bool {
                let full = std::mem::replace(csv, fresh());
                let bytes = full.into_inner().unwrap_or_default();
                chunks.blocking_send(web::Bytes::from(bytes)).is_ok()
            };
            let _ = csv.write_record(crate::domain::calllogs::EXPORT_HEADER);
            let result = store.read_blocking(|conn| {
                store::export(conn, &filter, |row| {
                    if csv.write_record(row.cells(&zone)).is_err() {
                        return false;
                    }
                    // The client hanging up drops the receiver and stops the walk.
                    csv.get_ref().len() < EXPORT_CHUNK || send(&mut csv)
                })
            });
            if let Err(e) = result {
                log::error!("export stopped early: {e}");
            }
            send(&mut csv);
        })
        .map_err(|e| ApiError::internal(format!("cannot start the export: {e}")))?;
    let body = futures_util::stream::poll_fn(move |cx| {
        receiver.poll_recv(cx).map(|chunk| chunk.map(Ok::<_, actix_web::Error>))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"calllogs.csv\""))
        .streaming(body))
}
