//! docs/api.md §3: sign-in, users, their properties and their tokens.

use crate::auth::client_address;
use crate::domain::directory::PropertyStatus;
use crate::domain::ids::{TokenId, UserId};
use crate::domain::users::Caller;
use crate::http::{
    created, no_content, ok_json, path_id, put_answer, query, require_body, resource, BodyKinds, Handler,
};
use crate::service::access::{Admin, UserAccess};
use crate::state::AppState;
use crate::wire::models::{self, IntoWire};
use crate::wire::query::ListWrapper;
use crate::wire::users::{read_new_user, read_user_changes};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use jiff::tz::TimeZone;
use serde::Serialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/auth/token", [(Method::POST, web::to(sign_in)), (Method::DELETE, web::to(sign_out))]))
        .service(resource("/api/users/me", [(Method::GET, web::to(get_me))]))
        // Before any `/api/users/{id}/…` route, so `me` is never read as an id.
        .service(resource("/api/users/me/password", [(Method::PUT, web::to(change_my_password))]))
        .service(resource("/api/users", [(Method::GET, web::to(list_users)), (Method::POST, web::to(create_user))]))
        .service(resource("/api/users/{id}", [(Method::GET, web::to(get_user)), (Method::PUT, web::to(update_user))]))
        .service(resource("/api/users/{id}/properties", [(Method::GET, web::to(user_properties))]))
        .service(resource(
            "/api/users/{id}/tokens",
            [(Method::GET, web::to(list_tokens)), (Method::POST, web::to(create_token))],
        ))
        .service(resource("/api/users/{id}/tokens/{tokenid}", [(Method::DELETE, web::to(revoke_token))]));
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
struct SignInAnswer {
    token: String,
    expires_on: models::Date,
    user: models::User,
}

impl IntoWire for SignInAnswer {
    type Wire = SignInAnswer;
    fn into_wire(self, _zone: &TimeZone) -> SignInAnswer {
        self
    }
}

#[utoipa::path(
    post,
    path = "/api/auth/token",
    tag = "auth",
    summary = "Sign in: a session token valid 12 h. 5 failed checks for one name from one client address in 15 min throttle the name from that address, 50 from any address throttle it everywhere (429/116). A check that cannot start within 2 s is 503/115.",
    responses(
        (status = 200, description = "signed in", body = SignInAnswer),
    )
)]
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
    let client = client_address(&req, &state.service.config.trusted_proxies);
    let session = state.service.sign_in(user_name, password, client).await?;
    let zone = &state.service.config.zone.current();
    let expires_on = models::Date::of(session.expires_on, zone);
    ok_json(&state, SignInAnswer { token: session.token, expires_on, user: session.user.into() })
}

#[utoipa::path(
    delete,
    path = "/api/auth/token",
    tag = "auth",
    summary = "Revoke the token used.",
    responses(
        (status = 204, description = "revoked"),
    )
)]
async fn sign_out(state: web::Data<AppState>, caller: Caller) -> Handler {
    state.service.sign_out(&caller).await?;
    no_content()
}

#[utoipa::path(
    get,
    path = "/api/users/me",
    tag = "users",
    summary = "The caller's user.",
    responses(
        (status = 200, description = "the caller", body = crate::wire::models::User),
    )
)]
async fn get_me(state: web::Data<AppState>, caller: Caller) -> Handler {
    let user = state.service.get_user(&UserAccess::own(&caller)).await?;
    ok_json(&state, user)
}

#[utoipa::path(
    put,
    path = "/api/users/me/password",
    tag = "users",
    summary = "Change the caller's own password. Its other session tokens are revoked (this one and API tokens stay). A wrong CurrentPassword is 401/101 and counts for the sign-in throttle (429/116).",
    responses(
        (status = 200, description = "changed: an empty body"),
    )
)]
async fn change_my_password(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Payload,
) -> Handler {
    let mut f = require_body(&req, body, BodyKinds::Json).await?;
    let current = f.string("CurrentPassword").filter(|p| !p.is_empty());
    if current.is_none() && !f.has_error("CurrentPassword") {
        f.missing("CurrentPassword");
    }
    let new = f.string("NewPassword");
    if new.is_none() && !f.has_error("NewPassword") {
        f.missing("NewPassword");
    }
    f.finish()?;
    let (Some(current), Some(new)) = (current, new) else {
        return Err(crate::error::ApiError::missing("CurrentPassword and NewPassword are required."));
    };
    let client = client_address(&req, &state.service.config.trusted_proxies);
    state.service.change_own_password(&caller, current, new, client).await?;
    Ok(HttpResponse::Ok().finish())
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}",
    tag = "users",
    summary = "One user (self or admin).",
    responses(
        (status = 200, description = "the user", body = crate::wire::models::User),
    )
)]
async fn get_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let caller = UserAccess::of(&caller, path_id(&req, "id", UserId)?)?;
    let user = state.service.get_user(&caller).await?;
    ok_json(&state, user)
}

#[utoipa::path(
    get,
    path = "/api/users",
    tag = "users",
    summary = "Every user (admin).",
    responses(
        (status = 200, description = "users", body = crate::wire::query::ListWrapper<crate::wire::models::User>),
    )
)]
async fn list_users(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let caller = Admin::of(&caller)?;
    let page = query(&req)?.page()?;
    let (total, users) = state.service.list_users(&caller, page).await?;
    ok_json(&state, ListWrapper::new(total, users))
}

#[utoipa::path(
    post,
    path = "/api/users",
    tag = "users",
    summary = "Create a user (admin). A taken user name (ignoring case) is 409/112.",
    responses(
        (status = 201, description = "created", body = crate::wire::models::User, headers(("Location" = String, description = "the created resource"))),
    )
)]
async fn create_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let caller = Admin::of(&caller)?;
    let new_user = read_new_user(require_body(&req, body, BodyKinds::Json).await?)?;
    let user = state.service.create_user(&caller, new_user).await?;
    created(&state, &format!("/api/users/{}", user.user_id), user)
}

#[utoipa::path(
    put,
    path = "/api/users/{userId}",
    tag = "users",
    summary = "Change a user (admin); deactivating revokes its tokens, a new password its session tokens. With Prefer: return=representation the answer is the user.",
    responses(
        (status = 200, description = "changed: an empty body (with Prefer: return=representation, the user as JSON)"),
    )
)]
async fn update_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let caller = Admin::of(&caller)?;
    let user_id = path_id(&req, "id", UserId)?;
    let changes = read_user_changes(require_body(&req, body, BodyKinds::Json).await?)?;
    let user = state.service.update_user(&caller, user_id, changes).await?;
    put_answer(&state, &req, user)
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/properties",
    tag = "users",
    summary = "The properties that user may see (self or admin).",
    responses(
        (status = 200, description = "properties", body = crate::wire::query::ListWrapper<crate::wire::models::Property>),
    )
)]
async fn user_properties(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id", UserId)?;
    let caller = UserAccess::of(&caller, user_id)?;
    let params = query(&req)?;
    let status = params.choice::<PropertyStatus>("PropertyStatus")?.unwrap_or(PropertyStatus::Active);
    let page = params.page()?;
    let (total, rows) = state.service.user_properties(&caller, status, page).await?;
    ok_json(&state, ListWrapper::new(total, rows))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
struct CreatedToken {
    token_id: i64,
    name: String,
    token: String,
    created_on: models::Date,
    expires_on: Option<models::Date>,
}

impl IntoWire for CreatedToken {
    type Wire = CreatedToken;
    fn into_wire(self, _zone: &TimeZone) -> CreatedToken {
        self
    }
}

#[utoipa::path(
    post,
    path = "/api/users/{userId}/tokens",
    tag = "users",
    summary = "Create an API token (self or admin); the token is shown only in this answer.",
    responses(
        (status = 201, description = "created", body = CreatedToken, headers(("Location" = String, description = "the created resource"))),
    )
)]
async fn create_token(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    let user_id = path_id(&req, "id", UserId)?;
    let caller = UserAccess::of(&caller, user_id)?;
    let mut f = require_body(&req, body, BodyKinds::Json).await?;
    f.expect(crate::wire::users::TOKEN_RESOURCE);
    let name = f.required_string("Name");
    if let Some(name) = &name {
        f.check_length("Name", name, 100);
    }
    let expires_on = f.date("ExpiresOn", &state.service.config.zone.current());
    if expires_on.is_some_and(|e| e <= state.service.config.clock.now()) {
        f.error("ExpiresOn", "must be in the future");
    }
    f.finish()?;
    let issued = state.service.create_api_token(&caller, name.unwrap_or_default(), expires_on).await?;
    let answer = CreatedToken {
        token_id: issued.token_id.0,
        name: issued.name,
        token: issued.token,
        created_on: models::Date::of(issued.created_on, &state.service.config.zone.current()),
        expires_on: issued.expires_on.into_wire(&state.service.config.zone.current()),
    };
    created(&state, &format!("/api/users/{user_id}/tokens/{}", answer.token_id), answer)
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/tokens",
    tag = "users",
    summary = "The user's live API tokens (self or admin).",
    responses(
        (status = 200, description = "tokens", body = crate::wire::query::ListWrapper<crate::wire::models::TokenInfo>),
    )
)]
async fn list_tokens(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id", UserId)?;
    let caller = UserAccess::of(&caller, user_id)?;
    let page = query(&req)?.page()?;
    let tokens = state.service.list_api_tokens(&caller).await?;
    ok_json(&state, ListWrapper::paged(tokens, page))
}

#[utoipa::path(
    delete,
    path = "/api/users/{userId}/tokens/{tokenId}",
    tag = "users",
    summary = "Revoke an API token (self or admin).",
    responses(
        (status = 204, description = "revoked"),
    )
)]
async fn revoke_token(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id", UserId)?;
    let token_id = path_id(&req, "tokenid", TokenId)?;
    let caller = UserAccess::of(&caller, user_id)?;
    state.service.revoke_api_token(&caller, token_id).await?;
    no_content()
}
