//! docs/api.md §16: the office's settings. Read by every user, changed by admins.

use crate::domain::users::Caller;
use crate::http::{ok_json, put_answer, require_body, resource, BodyKinds, Handler};
use crate::service::access::Admin;
use crate::state::AppState;
use crate::wire::settings::read_settings_change;
use actix_web::http::Method;
use actix_web::{web, HttpRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(
        "/api/settings",
        [(Method::GET, web::to(get_settings)), (Method::PUT, web::to(change_settings))],
    ));
}

#[utoipa::path(
    get,
    path = "/api/settings",
    tag = "settings",
    summary = "The office's settings: its time zone (the one dates are written in) and its name.",
    responses(
        (status = 200, description = "the settings in force", body = crate::wire::settings::OfficeSettings),
    )
)]
async fn get_settings(state: web::Data<AppState>, caller: Caller) -> Handler {
    let settings = state.service.office_settings(&caller).await?;
    ok_json(&state, settings)
}

#[utoipa::path(
    put,
    path = "/api/settings",
    tag = "settings",
    summary = "Change the office's time zone (an IANA name) or name (admin); fields left out are kept. A zone other than the one the server's --timezone fixes is 409/112. With Prefer: return=representation the answer is the settings.",
    responses(
        (status = 200, description = "changed: an empty body (with Prefer: return=representation, the settings as JSON)"),
    )
)]
async fn change_settings(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let admin = Admin::of(&caller)?;
    let change = read_settings_change(require_body(&req, body, BodyKinds::Json).await?)?;
    state.service.change_office_settings(&admin, change).await?;
    put_answer(&state, &req, state.service.office_settings(&caller).await?)
}
