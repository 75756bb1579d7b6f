//! docs/api.md §3: the admin audit — who changed users, tokens, reasons,
//! statuses or the directory, newest first.

use crate::domain::audit::AuditFilter;
use crate::domain::ids::UserId;
use crate::domain::users::Caller;
use crate::http::{ok_json, query, resource, Handler};
use crate::service::access::Admin;
use crate::state::AppState;
use crate::wire::query::ListWrapper;
use actix_web::http::Method;
use actix_web::{web, HttpRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/admin/audit", [(Method::GET, web::to(list))]));
}

#[utoipa::path(
    get,
    path = "/api/admin/audit",
    tag = "users",
    summary = "The admin audit (admin): every change to users, tokens, reasons, statuses and the directory, newest first; userId filters by the actor (null UserId: the command line); from <= At < to.",
    responses(
        (status = 200, description = "entries", body = crate::wire::query::ListWrapper<crate::wire::models::AuditEntry>),
    )
)]
async fn list(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let caller = Admin::of(&caller)?;
    let params = query(&req)?;
    let zone = &state.service.config.zone.current();
    let filter = AuditFilter {
        user_id: params.id("userId", UserId)?,
        from: params.date("from", zone)?,
        to: params.date("to", zone)?,
    };
    let page = params.page()?;
    let (total, entries) = state.service.audit_entries(&caller, filter, page).await?;
    ok_json(&state, ListWrapper::new(total, entries))
}
