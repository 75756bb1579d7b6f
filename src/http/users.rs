//! API.md §3: sign-in, users, their properties and their tokens.

use crate::app::AppState;
use crate::auth::{decoy_hash, hash_password, new_token, token_hash, verify_password};
use crate::domain::directory::Property;
use crate::domain::query::ListWrapper;
use crate::domain::time::Stamp;
use crate::domain::users::{read_new_user, read_user_changes, Caller, User};
use crate::error::ApiError;
use crate::http::directory::property_status;
use crate::http::{
    created, no_content, ok_json, path_id, put_answer, query, require_body, resource, BodyKinds, Handler,
};
use crate::store::directory as directory_store;
use crate::store::users::{self as user_store, NewToken};
use actix_web::http::Method;
use actix_web::{web, HttpRequest};
use serde::Serialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/auth/token", [(Method::POST, web::to(sign_in)), (Method::DELETE, web::to(sign_out))]))
        .service(resource("/api/users/me", [(Method::GET, web::to(get_me))]))
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
    expires_on: Stamp,
    user: User,
}

/// Hashing is slow on purpose; keep it off the async workers.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    web::block(work).await.map_err(|e| ApiError::internal(format!("blocking task: {e}")))
}

#[utoipa::path(
    post,
    path = "/api/auth/token",
    tag = "auth",
    summary = "Sign in: a session token valid 12 h. 5 failures for one name from one address in 15 min throttle it (429/116).",
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
        return Err(ApiError::missing("UserName and Password are required."));
    };
    if let Err(wait) = state.throttle.begin_attempt(&user_name) {
        return Err(ApiError::too_many_requests(
            format!("Too many failed sign-ins for {user_name:?}; try again in {wait} seconds."),
            wait,
        ));
    }
    let name = user_name.clone();
    let record = state.store.read(move |conn| user_store::login_record(conn, &name)).await?;
    let verified = blocking(move || match record {
        Some((user_id, hash, active)) => (verify_password(&password, &hash) && active).then_some(user_id),
        None => {
            verify_password(&password, decoy_hash());
            None
        }
    })
    .await?;
    let Some(user_id) = verified else {
        return Err(ApiError::invalid_credentials("The user name or password is wrong, or the user is inactive."));
    };
    state.throttle.record_success(&user_name);
    let token = new_token();
    let hash = token_hash(&token);
    let now = Stamp::now();
    let expires_on = now.plus_seconds(state.config.session_seconds);
    let user = state
        .store
        .write(move |conn| {
            user_store::insert_token(
                conn,
                NewToken {
                    user_id,
                    hash: &hash,
                    kind: "session",
                    name: None,
                    created_on: now,
                    expires_on: Some(expires_on),
                },
            )?;
            user_store::get_user(conn, user_id)?.ok_or_else(|| ApiError::internal("user vanished during sign-in"))
        })
        .await?;
    ok_json(&state, &SignInAnswer { token, expires_on, user })
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
    let (user_id, token_id) = (caller.user_id, caller.token_id);
    state.store.write(move |conn| user_store::revoke_token(conn, user_id, token_id, Stamp::now())).await?;
    state.tokens.forget_token(token_id);
    no_content()
}

async fn load_user(state: &AppState, user_id: i64) -> Result<User, ApiError> {
    state
        .store
        .read(move |conn| user_store::get_user(conn, user_id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no user {user_id}.")))
}

#[utoipa::path(
    get,
    path = "/api/users/me",
    tag = "users",
    summary = "The caller's user.",
    responses(
        (status = 200, description = "the caller", body = crate::domain::users::User),
    )
)]
async fn get_me(state: web::Data<AppState>, caller: Caller) -> Handler {
    let user = load_user(&state, caller.user_id).await?;
    ok_json(&state, &user)
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}",
    tag = "users",
    summary = "One user (self or admin).",
    responses(
        (status = 200, description = "the user", body = crate::domain::users::User),
    )
)]
async fn get_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id")?;
    caller.require_self_or_admin(user_id)?;
    let user = load_user(&state, user_id).await?;
    ok_json(&state, &user)
}

#[utoipa::path(
    get,
    path = "/api/users",
    tag = "users",
    summary = "Every user (admin).",
    responses(
        (status = 200, description = "users", body = crate::domain::query::ListWrapper<crate::domain::users::User>),
    )
)]
async fn list_users(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    caller.require_admin()?;
    let page = query(&req)?.page()?;
    let (total, users) = state.store.read(move |conn| user_store::list_users(conn, page.size, page.offset())).await?;
    ok_json(&state, &ListWrapper::new(total, users))
}

#[utoipa::path(
    post,
    path = "/api/users",
    tag = "users",
    summary = "Create a user (admin). A taken user name (ignoring case) is 409/112.",
    responses(
        (status = 201, description = "created", body = crate::domain::users::User, headers(("Location" = String, description = "the created resource"))),
    )
)]
async fn create_user(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let new_user = read_new_user(require_body(&req, body, BodyKinds::Json).await?)?;
    let password = new_user.password.clone();
    let password_hash = blocking(move || hash_password(&password)).await??;
    let user =
        state.store.write(move |conn| user_store::insert_user(conn, &new_user, &password_hash, Stamp::now())).await?;
    created(&state, &format!("/api/users/{}", user.user_id), &user)
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
    caller.require_admin()?;
    let user_id = path_id(&req, "id")?;
    let changes = read_user_changes(require_body(&req, body, BodyKinds::Json).await?)?;
    let password_hash = match changes.password.clone() {
        Some(password) => Some(blocking(move || hash_password(&password)).await??),
        None => None,
    };
    let user = state
        .store
        .write(move |conn| user_store::update_user(conn, user_id, &changes, password_hash.as_deref(), Stamp::now()))
        .await?;
    // Role, links or activity may have changed: cached callers are stale.
    state.tokens.forget_user(user_id);
    put_answer(&state, &req, &user)
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/properties",
    tag = "users",
    summary = "The properties that user may see (self or admin).",
    responses(
        (status = 200, description = "properties", body = crate::domain::query::ListWrapper<crate::domain::directory::Property>),
    )
)]
async fn user_properties(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id")?;
    caller.require_self_or_admin(user_id)?;
    let params = query(&req)?;
    let status = property_status(&params)?;
    let page = params.page()?;
    let user = load_user(&state, user_id).await?;
    let list: ListWrapper<Property> = state
        .store
        .read(move |conn| {
            let scope = (user.role != crate::domain::users::Role::Admin).then_some(user.property_ids.as_slice());
            let (total, rows) = directory_store::list_properties(conn, scope, None, status, page.size, page.offset())?;
            Ok(ListWrapper::new(total, rows))
        })
        .await?;
    ok_json(&state, &list)
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
struct CreatedToken {
    token_id: i64,
    name: String,
    token: String,
    created_on: Stamp,
    expires_on: Option<Stamp>,
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
    let user_id = path_id(&req, "id")?;
    caller.require_self_or_admin(user_id)?;
    let mut f = require_body(&req, body, BodyKinds::Json).await?;
    let name = f.required_string("Name");
    if let Some(name) = &name {
        f.check_length("Name", name, 100);
    }
    let now = Stamp::now();
    let expires_on = f.date("ExpiresOn", &state.config.zone);
    if expires_on.is_some_and(|e| e <= now) {
        f.error("ExpiresOn", "must be in the future");
    }
    f.finish()?;
    let name = name.unwrap_or_default();
    load_user(&state, user_id).await?;
    let token = new_token();
    let hash = token_hash(&token);
    let token_name = name.clone();
    let token_id = state
        .store
        .write(move |conn| {
            user_store::insert_token(
                conn,
                NewToken { user_id, hash: &hash, kind: "api", name: Some(&token_name), created_on: now, expires_on },
            )
        })
        .await?;
    let answer = CreatedToken { token_id, name, token, created_on: now, expires_on };
    created(&state, &format!("/api/users/{user_id}/tokens/{token_id}"), &answer)
}

#[utoipa::path(
    get,
    path = "/api/users/{userId}/tokens",
    tag = "users",
    summary = "The user's live API tokens (self or admin).",
    responses(
        (status = 200, description = "tokens", body = crate::domain::query::ListWrapper<crate::domain::users::TokenInfo>),
    )
)]
async fn list_tokens(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let user_id = path_id(&req, "id")?;
    caller.require_self_or_admin(user_id)?;
    let page = query(&req)?.page()?;
    load_user(&state, user_id).await?;
    let tokens = state.store.read(move |conn| user_store::list_api_tokens(conn, user_id, Stamp::now())).await?;
    ok_json(&state, &ListWrapper::paged(tokens, page))
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
    let user_id = path_id(&req, "id")?;
    let token_id = path_id(&req, "tokenid")?;
    caller.require_self_or_admin(user_id)?;
    let revoked =
        state.store.write(move |conn| user_store::revoke_token(conn, user_id, token_id, Stamp::now())).await?;
    if !revoked {
        return Err(ApiError::not_found(format!("User {user_id} has no live token {token_id}.")));
    }
    state.tokens.forget_token(token_id);
    no_content()
}
