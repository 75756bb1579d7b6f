//! docs/api.md §5: call-log reasons and statuses. Reads for every user, writes for admins.

use crate::domain::ids::{ReasonId, StatusId};
use crate::domain::users::Caller;
use crate::http::{created, ok_json, path_id, put_answer, query, require_body, resource, BodyKinds, Handler};
use crate::service::access::Admin;
use crate::state::AppState;
use crate::wire::catalog::{read_new_reason, read_new_status, read_reason_changes, read_status_changes};
use crate::wire::query::ListWrapper;
use actix_web::http::Method;
use actix_web::{web, HttpRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(
        "/api/calllogreasons",
        [(Method::GET, web::to(list_reasons)), (Method::POST, web::to(create_reason))],
    ))
    .service(resource(
        "/api/calllogreasons/{id}",
        [(Method::GET, web::to(get_reason)), (Method::PUT, web::to(update_reason))],
    ))
    .service(resource(
        "/api/modulestatuses/calllogs",
        [(Method::GET, web::to(list_statuses)), (Method::POST, web::to(create_status))],
    ))
    .service(resource(
        "/api/modulestatus/{id}",
        [(Method::GET, web::to(get_status)), (Method::PUT, web::to(update_status))],
    ));
}

#[utoipa::path(
    get,
    path = "/api/calllogreasons",
    tag = "catalog",
    summary = "Call-log reasons by DisplayOrder then name.",
    responses(
        (status = 200, description = "reasons", body = crate::wire::query::ListWrapper<crate::wire::models::CallLogReason>),
    )
)]
async fn list_reasons(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let include_inactive = params.bool("includeInactive")?.unwrap_or(false);
    let page = params.page()?;
    let reasons = state.service.list_reasons(&caller, include_inactive).await?;
    ok_json(&state, ListWrapper::paged(reasons, page))
}

#[utoipa::path(
    get,
    path = "/api/calllogreasons/{reasonId}",
    tag = "catalog",
    summary = "One reason.",
    responses(
        (status = 200, description = "the reason", body = crate::wire::models::CallLogReason),
    )
)]
async fn get_reason(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let reason = state.service.get_reason(&caller, path_id(&req, "id", ReasonId)?).await?;
    ok_json(&state, reason)
}

#[utoipa::path(
    post,
    path = "/api/calllogreasons",
    tag = "catalog",
    summary = "Create a reason (admin); names are unique ignoring case (409/112).",
    responses(
        (status = 201, description = "created", body = crate::wire::models::CallLogReason, headers(("Location" = String, description = "the created resource"))),
    )
)]
async fn create_reason(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let caller = Admin::of(&caller)?;
    let input = read_new_reason(require_body(&req, body, BodyKinds::Json).await?)?;
    let reason = state.service.create_reason(&caller, input).await?;
    created(&state, &format!("/api/calllogreasons/{}", reason.call_log_reason_id), reason)
}

#[utoipa::path(
    put,
    path = "/api/calllogreasons/{reasonId}",
    tag = "catalog",
    summary = "Rename, reorder or (de)activate a reason (admin). With Prefer: return=representation the answer is the reason.",
    responses(
        (status = 200, description = "changed: an empty body (with Prefer: return=representation, the reason as JSON)"),
    )
)]
async fn update_reason(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let caller = Admin::of(&caller)?;
    let id = path_id(&req, "id", ReasonId)?;
    let input = read_reason_changes(require_body(&req, body, BodyKinds::Json).await?)?;
    let reason = state.service.update_reason(&caller, id, input).await?;
    put_answer(&state, &req, reason)
}

#[utoipa::path(
    get,
    path = "/api/modulestatuses/calllogs",
    tag = "catalog",
    summary = "Call-log statuses by DisplayOrder.",
    responses(
        (status = 200, description = "statuses", body = crate::wire::query::ListWrapper<crate::wire::models::ModuleStatus>),
    )
)]
async fn list_statuses(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let include_inactive = params.bool("includeInactive")?.unwrap_or(false);
    let page = params.page()?;
    let statuses = state.service.list_statuses(&caller, include_inactive).await?;
    ok_json(&state, ListWrapper::paged(statuses, page))
}

#[utoipa::path(
    get,
    path = "/api/modulestatus/{statusId}",
    tag = "catalog",
    summary = "One status.",
    responses(
        (status = 200, description = "the status", body = crate::wire::models::ModuleStatus),
    )
)]
async fn get_status(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let status = state.service.get_status(&caller, path_id(&req, "id", StatusId)?).await?;
    ok_json(&state, status)
}

#[utoipa::path(
    post,
    path = "/api/modulestatuses/calllogs",
    tag = "catalog",
    summary = "Create a status (admin); names are unique ignoring case (409/112).",
    responses(
        (status = 201, description = "created", body = crate::wire::models::ModuleStatus, headers(("Location" = String, description = "the created resource"))),
    )
)]
async fn create_status(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let caller = Admin::of(&caller)?;
    let input = read_new_status(require_body(&req, body, BodyKinds::Json).await?)?;
    let status = state.service.create_status(&caller, input).await?;
    created(&state, &format!("/api/modulestatus/{}", status.module_status_id), status)
}

#[utoipa::path(
    put,
    path = "/api/modulestatus/{statusId}",
    tag = "catalog",
    summary = "Change a status (admin). Exactly one default at all times: making one default clears the other; deactivating or un-defaulting the default is 409/112. With Prefer: return=representation the answer is the status.",
    responses(
        (status = 200, description = "changed: an empty body (with Prefer: return=representation, the status as JSON)"),
    )
)]
async fn update_status(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let caller = Admin::of(&caller)?;
    let id = path_id(&req, "id", StatusId)?;
    let input = read_status_changes(require_body(&req, body, BodyKinds::Json).await?)?;
    let status = state.service.update_status(&caller, id, input).await?;
    put_answer(&state, &req, status)
}
