//! API.md §5: call-log reasons and statuses. Reads for every user, writes for admins.

use crate::domain::catalog::{read_new_reason, read_new_status, read_reason_changes, read_status_changes};
use crate::domain::query::ListWrapper;
use crate::domain::users::Caller;
use crate::http::{created, ok_json, path_id, put_answer, query, require_body, resource, BodyKinds, Handler};
use crate::state::AppState;
use actix_web::{web, HttpRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/api/calllogreasons").route(web::get().to(list_reasons)).route(web::post().to(create_reason)),
    )
    .service(resource("/api/calllogreasons/{id}").route(web::get().to(get_reason)).route(web::put().to(update_reason)))
    .service(
        resource("/api/modulestatuses/calllogs")
            .route(web::get().to(list_statuses))
            .route(web::post().to(create_status)),
    )
    .service(resource("/api/modulestatus/{id}").route(web::get().to(get_status)).route(web::put().to(update_status)));
}

async fn list_reasons(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let include_inactive = params.bool("includeInactive")?.unwrap_or(false);
    let page = params.page()?;
    let reasons = state.service.list_reasons(&caller, include_inactive).await?;
    ok_json(&state, &ListWrapper::paged(reasons, page))
}

async fn get_reason(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let reason = state.service.get_reason(&caller, path_id(&req, "id")?).await?;
    ok_json(&state, &reason)
}

async fn create_reason(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let input = read_new_reason(require_body(&req, body, BodyKinds::Json).await?)?;
    let reason = state.service.create_reason(&caller, input).await?;
    created(&state, &format!("/api/calllogreasons/{}", reason.call_log_reason_id), &reason)
}

async fn update_reason(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let id = path_id(&req, "id")?;
    let input = read_reason_changes(require_body(&req, body, BodyKinds::Json).await?)?;
    let reason = state.service.update_reason(&caller, id, input).await?;
    put_answer(&state, &req, &reason)
}

async fn list_statuses(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let include_inactive = params.bool("includeInactive")?.unwrap_or(false);
    let page = params.page()?;
    let statuses = state.service.list_statuses(&caller, include_inactive).await?;
    ok_json(&state, &ListWrapper::paged(statuses, page))
}

async fn get_status(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let status = state.service.get_status(&caller, path_id(&req, "id")?).await?;
    ok_json(&state, &status)
}

async fn create_status(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let input = read_new_status(require_body(&req, body, BodyKinds::Json).await?)?;
    let status = state.service.create_status(&caller, input).await?;
    created(&state, &format!("/api/modulestatus/{}", status.module_status_id), &status)
}

async fn update_status(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let id = path_id(&req, "id")?;
    let input = read_status_changes(require_body(&req, body, BodyKinds::Json).await?)?;
    let status = state.service.update_status(&caller, id, input).await?;
    put_answer(&state, &req, &status)
}
