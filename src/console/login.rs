//! `/`, `/login` and `/logout` (docs/console.md §1, §5).

use super::session::{self, current_session, safe_next};
use super::{answer, guarded_post, render, see_other, Chrome, FormFields, PageFailure, PageResult};
use crate::domain::error::ErrorKind;
use crate::service::ServiceError;
use crate::state::AppState;
use crate::wire::query::QueryParams;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    user_name: String,
    next: String,
    message: Option<String>,
}

fn login_page(status: StatusCode, user_name: String, next: Option<String>, message: Option<String>) -> HttpResponse {
    let page = LoginPage { chrome: Chrome::new("Sign in", None), user_name, next: next.unwrap_or_default(), message };
    render(status, &page)
}

pub async fn root(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match current_session(&state, &req).await {
        Some(_) => see_other("/desk"),
        None => see_other("/login"),
    }
}

pub async fn login_form(req: HttpRequest) -> HttpResponse {
    let next = QueryParams::parse(req.query_string()).ok().and_then(|q| safe_next(q.get("next")));
    login_page(StatusCode::OK, String::new(), next, None)
}

pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    answer(sign_in(&state, &req, &body).await, None)
}

async fn sign_in(state: &AppState, req: &HttpRequest, body: &[u8]) -> PageResult {
    // docs/console.md §5: the sign-in form has the cross-site check only (there is no session yet).
    if session::is_cross_site(req) {
        return Err(PageFailure::forbidden("This sign-in was sent from another site; it was refused."));
    }
    let form = FormFields::parse(body)?;
    let query_next = QueryParams::parse(req.query_string()).ok().and_then(|q| safe_next(q.get("next")));
    let next = safe_next(form.get("next")).or(query_next);
    let user_name = form.get("UserName").unwrap_or("").trim().to_string();
    let password = form.get("Password").unwrap_or("").to_string();
    if user_name.is_empty() || password.is_empty() {
        let message = "Enter your user name and password.".to_string();
        return Ok(login_page(StatusCode::BAD_REQUEST, user_name, next, Some(message)));
    }
    let client = crate::auth::client_address(req, &state.service.config.trusted_proxies);
    match state.service.sign_in(user_name.clone(), password, client).await {
        Ok(signed_in) => {
            let max_age = (signed_in.expires_on.0 - crate::domain::time::Stamp::now().0) / 10_000_000;
            let cookie = session::session_cookie(req, &signed_in.token, max_age.max(0));
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next.as_deref().unwrap_or("/desk")))
                .insert_header((header::SET_COOKIE, cookie))
                .finish())
        }
        Err(ServiceError::Refused(e)) if matches!(e.kind, ErrorKind::InvalidCredentials | ErrorKind::Throttled) => {
            let status =
                if e.kind == ErrorKind::Throttled { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
            let mut response = login_page(status, user_name, next, Some(e.message.clone()));
            if let Some(seconds) = e.retry_after {
                if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let result = async {
        let mut form = FormFields::parse(&body)?;
        let session = guarded_post(&state, &req, &mut form).await?;
        state.service.sign_out(&session.caller).await?;
        Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/login"))
            .insert_header((header::SET_COOKIE, session::cleared_cookie(&req)))
            .finish())
    }
    .await;
    match result {
        // Signing out without a session: already signed out.
        Err(PageFailure::SignIn { .. }) => see_other("/login"),
        other => answer(other, None),
    }
}
