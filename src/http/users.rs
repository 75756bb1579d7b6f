//! API.md §3: sign-in, users, their properties and their tokens.

use crate::domain::directory::PropertyStatus;
use crate::domain::query::ListWrapper;
use crate::domain::time::Stamp;
use crate::domain::users::{read_new_user, read_user_changes, Caller, User};
use crate::http::{
    created, no_content, ok_json, path_id, put_answer, query, require_body, resource, BodyKinds, Handler,
};
use crate::state::AppState;
use actix_web::{web, HttpRequest};
use serde::Serialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/auth/token").route(web::post().to(sign_in)).route(web::delete().to(sign_out)))
        .service(resource("/api/users/me").route(web::get().to(get_me)))
        .service(resource("/api/users").route(web::get().to(list_users)).route(web::post().to(create_user)))
        .service(resource("/api/users/{id}").route(web::get().to(get_user)).route(web::put().to(update_user)))
        .service(resource("/api/users/{id}/properties").route(web::get().to(user_properties)))
        .service(
            resource("/api/users/{id}/tokens").route(web::get().to(list_tokens)).route(web::post().to(create_token)),
        )
        .service(resource("/api/users/{id}/tokens/{tokenid}").route(web::delete().to(revoke_token)));
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SignInAnswer {
    token: String,
    expires_on: Stamp,
    user: User,
}

async fn sign_in(state: web::Data<AppState>, req: HttpRequest, body: web::Payload) -> Handler {
    let mut f = require_body(&req, body, BodyKinds::Json).await?;
    let user_name = f.required_string("UserName");
    let password = f.string("Password").filter(|p| !p.is_empty());
    if password.is_none() && !f.has_error("Password") {
        f.missing("Password");
    }
    f.finish()?;
    let (Some(user_name), Some(password)) = (user_name, password) else {
        return Err(crate::error::ApiError::missing("UserName and Password are required."));
    };
    let session = state.service.sign_in(user_name, password).await?;
    ok_json(&state, &SignInAnswer { token: session.token, expires_on: session.expires_on, user: session.user })
}

async fn sign_out(state: web::Data<AppState>, caller: Caller) -> Handler {
    state.service.sign_out(&caller).await?;
    no_content()
}

async fn get_me(state: web::Data<AppState>, caller: Caller) -> Handler {
    let user = state.service.get_user(&caller, caller.user_id).await?;
    ok_json(&state, &user)
}

async fn get_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user = state.service.get_user(&caller, path_id(&req, "id")?).await?;
    ok_json(&state, &user)
}

async fn list_users(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    caller.require_admin()?;
    let page = query(&req)?.page()?;
    let (total, users) = state.service.list_users(&caller, page).await?;
    ok_json(&state, &ListWrapper::new(total, users))
}

async fn create_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let new_user = read_new_user(require_body(&req, body, BodyKinds::Json).await?)?;
    let user = state.service.create_user(&caller, new_user).await?;
    created(&state, &format!("/api/users/{}", user.user_id), &user)
}

async fn update_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let user_id = path_id(&req, "id")?;
    let changes = read_user_changes(require_body(&req, body, BodyKinds::Json).await?)?;
    let user = state.service.update_user(&caller, user_id, changes).await?;
    put_answer(&state, &req, &user)
}

async fn user_properties(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id")?;
    caller.require_self_or_admin(user_id)?;
    let params = query(&req)?;
    let status = params.choice::<PropertyStatus>("PropertyStatus")?.unwrap_or(PropertyStatus::Active);
    let page = params.page()?;
    let (total, rows) = state.service.user_properties(&caller, user_id, status, page).await?;
    ok_json(&state, &ListWrapper::new(total, rows))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreatedToken {
    token_id: i64,
    name: String,
    token: String,
    created_on: Stamp,
    expires_on: Option<Stamp>,
}

async fn create_token(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let user_id = path_id(&req, "id")?;
    caller.require_self_or_admin(user_id)?;
    let mut f = require_body(&req, body, BodyKinds::Json).await?;
    let name = f.required_string("Name");
    if let Some(name) = &name {
        f.check_length("Name", name, 100);
    }
    let expires_on = f.date("ExpiresOn", &state.service.config.zone);
    if expires_on.is_some_and(|e| e <= Stamp::now()) {
        f.error("ExpiresOn", "must be in the future");
    }
    f.finish()?;
    let issued = state.service.create_api_token(&caller, user_id, name.unwrap_or_default(), expires_on).await?;
    let answer = CreatedToken {
        token_id: issued.token_id,
        name: issued.name,
        token: issued.token,
        created_on: issued.created_on,
        expires_on: issued.expires_on,
    };
    created(&state, &format!("/api/users/{user_id}/tokens/{}", answer.token_id), &answer)
}

async fn list_tokens(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id")?;
    caller.require_self_or_admin(user_id)?;
    let page = query(&req)?.page()?;
    let tokens = state.service.list_api_tokens(&caller, user_id).await?;
    ok_json(&state, &ListWrapper::paged(tokens, page))
}

async fn revoke_token(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id")?;
    let token_id = path_id(&req, "tokenid")?;
    state.service.revoke_api_token(&caller, user_id, token_id).await?;
    no_content()
}
