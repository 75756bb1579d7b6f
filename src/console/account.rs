//! `/account`: the signed-in user, its properties, and changing its own
//! password, which ends its other sessions (docs/console.md §1, docs/api.md §3).

use super::session::Session;
use super::{answer, guarded_post, render, see_other, Chrome, FormErrors, FormFields, PageFailure};
use crate::domain::directory::PropertyStatus;
use crate::domain::error::ErrorKind;
use crate::domain::query::Page;
use crate::service::access::UserAccess;
use crate::service::ServiceError;
use crate::state::AppState;
use crate::wire::query::QueryParams;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    user_name: String,
    display_name: String,
    role: &'static str,
    all_properties: bool,
    properties: Vec<String>,
    changed: bool,
    errors: FormErrors,
    csrf: String,
}

impl AccountPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.for_field(field)
    }
}

async fn account_page(
    state: &AppState,
    session: &Session,
    changed: bool,
    errors: FormErrors,
) -> Result<AccountPage, PageFailure> {
    let caller = &session.caller;
    let (_, properties) = state
        .service
        .user_properties(&UserAccess::own(caller), PropertyStatus::Active, Page { number: 1, size: 500 })
        .await?;
    Ok(AccountPage {
        chrome: Chrome::new("Account", Some(session)),
        user_name: caller.user_name.clone(),
        display_name: caller.display_name.clone(),
        role: caller.role.as_str(),
        all_properties: caller.is_admin(),
        properties: properties.into_iter().map(|p| p.property_name).collect(),
        changed,
        errors,
        csrf: session.csrf(),
    })
}

pub async fn account(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let session = session.as_ref().ok_or_else(|| PageFailure::SignIn { next: super::this_page(&req) })?;
        let changed = QueryParams::parse(req.query_string())?.get("changed").is_some();
        let page = account_page(&state, session, changed, FormErrors::default()).await?;
        Ok(render(StatusCode::OK, &page))
    }
    .await;
    answer(result, session.as_ref())
}

pub async fn change_password(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let mut form = FormFields::parse(&body)?;
        let session = guarded_post(&state, &req, &mut form).await?;
        let current = form.get("CurrentPassword").unwrap_or("").to_string();
        let new = form.get("NewPassword").unwrap_or("").to_string();
        let client = crate::auth::client_address(&req, &state.service.config.trusted_proxies);
        match state.service.change_own_password(&session.caller, current, new, client).await {
            Ok(()) => Ok(see_other("/account?changed=1")),
            Err(ServiceError::Refused(refusal))
                if matches!(
                    refusal.kind,
                    ErrorKind::InvalidCredentials | ErrorKind::InvalidValue | ErrorKind::Throttled
                ) =>
            {
                let status = match refusal.kind {
                    ErrorKind::InvalidCredentials => StatusCode::UNAUTHORIZED,
                    ErrorKind::Throttled => StatusCode::TOO_MANY_REQUESTS,
                    _ => StatusCode::BAD_REQUEST,
                };
                let page = account_page(&state, &session, false, FormErrors::from_refusal(&refusal)).await?;
                Ok(render(status, &page))
            }
            Err(e) => Err(e.into()),
        }
    }
    .await;
    answer(result, session.as_ref())
}
