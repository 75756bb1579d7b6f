//! The staff console (docs/console.md): server-rendered pages beside the JSON
//! API. Pages read forms, call the service and render templates; no SQL.
//! A session cookie authenticates pages only, never `/api/`.

mod account;
mod admin;
mod calls;
mod desk;
mod flash;
mod login;
mod property;
pub mod session;
mod view;
mod words;

use crate::domain::error::{DomainError, ErrorKind, FieldError};
use crate::domain::ids::UserId;
use crate::domain::users::Role;
use crate::error::ApiError;
use crate::service::ServiceError;
use crate::state::AppState;
use crate::wire::{assets, page_headers, PAGE_HEADERS};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, ConnectionType, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use session::Session;

/// docs/console.md §5: a cross-site POST is refused before its body is read. A
/// handler's body extractor reads (or, over its limit, refuses with 413)
/// the whole body before the handler could look at the headers; this runs
/// first, for every POST outside `/api/` (the API takes no cookie, so a
/// cross-site request carries no credential there). The handlers' own
/// checks stay: this is the same rule, applied before the body.
pub async fn refuse_cross_site_posts(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let is_form_post = req.method() == Method::POST && !req.path().starts_with("/api/");
    if !(is_form_post && session::is_cross_site(req.request())) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let failure = PageFailure::forbidden("This form was sent from another site; nothing was changed.");
    let mut response = answer(Err(failure), None);
    for (name, value) in PAGE_HEADERS {
        response.headers_mut().insert(name, header::HeaderValue::from_static(value));
    }
    // The unread body is not waited for: the connection closes after the answer.
    response.head_mut().set_connection_type(ConnectionType::Close);
    Ok(req.into_response(response).map_into_right_body())
}

/// The console's routes; paths are lower case (requests are lower-cased before routing).
pub fn routes(cfg: &mut web::ServiceConfig) {
    assets::routes(cfg);
    cfg.service(web::resource("/").route(web::get().to(login::root)).wrap(page_headers()))
        .service(
            web::resource("/login")
                .route(web::get().to(login::login_form))
                .route(web::post().to(login::login))
                .wrap(page_headers()),
        )
        .service(web::resource("/logout").route(web::post().to(login::logout)).wrap(page_headers()))
        .service(
            web::resource("/account")
                .route(web::get().to(account::account))
                .route(web::post().to(account::change_password))
                .wrap(page_headers()),
        )
        .service(web::resource("/desk").route(web::get().to(desk::desk)).wrap(page_headers()))
        .service(web::resource("/desk/lookup").route(web::get().to(desk::lookup)).wrap(page_headers()))
        .service(
            web::resource("/calls/new")
                .route(web::get().to(calls::new_call_form))
                .route(web::post().to(calls::create_call))
                .wrap(page_headers()),
        )
        .service(
            web::resource("/calls/{log_id}")
                .route(web::get().to(calls::call_view))
                .route(web::post().to(calls::update_call))
                .wrap(page_headers()),
        )
        .service(web::resource("/properties/{property_id}").route(web::get().to(property::board)).wrap(page_headers()))
        .service(web::resource("/admin").route(web::get().to(admin::admin)).wrap(page_headers()))
        .service(web::resource("/admin/users").route(web::post().to(admin::create_user)).wrap(page_headers()))
        .service(web::resource("/admin/users/{id}").route(web::post().to(admin::update_user)).wrap(page_headers()))
        .service(web::resource("/admin/unlock").route(web::post().to(admin::unlock_user)).wrap(page_headers()))
        .service(web::resource("/admin/settings").route(web::post().to(admin::change_settings)).wrap(page_headers()))
        .service(web::resource("/admin/reasons").route(web::post().to(admin::create_reason)).wrap(page_headers()))
        .service(web::resource("/admin/reasons/{id}").route(web::post().to(admin::update_reason)).wrap(page_headers()))
        .service(web::resource("/admin/statuses").route(web::post().to(admin::create_status)).wrap(page_headers()))
        .service(web::resource("/admin/statuses/{id}").route(web::post().to(admin::update_status)).wrap(page_headers()))
        .service(web::resource("/admin/import").route(web::post().to(admin::import)).wrap(page_headers()))
        .service(web::resource("/calls").route(web::get().to(calls::call_list)).wrap(page_headers()));
}

/// What the layout shows around every page: its title, the asset URLs and
/// the signed-in user (with the form token of the sign-out form).
pub struct Chrome {
    pub title: String,
    pub css: &'static str,
    pub js: &'static str,
    pub icon: &'static str,
    pub user: Option<UserBar>,
}

pub struct UserBar {
    /// For the page's script: drafts are kept per user (docs/console.md §4).
    pub user_id: UserId,
    pub display_name: String,
    pub role: &'static str,
    pub is_admin: bool,
    pub can_write: bool,
    pub csrf: String,
    /// "Set the office time zone" on every page of an admin until someone has.
    pub zone_reminder: bool,
}

impl Chrome {
    pub fn new(title: impl Into<String>, session: Option<&Session>) -> Chrome {
        Chrome {
            title: title.into(),
            css: assets::css_url(),
            js: assets::js_url(),
            icon: assets::icon_url(),
            user: session.map(|s| UserBar {
                user_id: s.caller.user_id,
                display_name: s.caller.display_name.clone(),
                role: s.caller.role.as_str(),
                is_admin: s.caller.role == Role::Admin,
                can_write: crate::service::access::Writer::allows(&s.caller),
                csrf: s.csrf(),
                zone_reminder: s.zone_reminder,
            }),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    status: u16,
    message: String,
}

/// Why a page is not shown: no session (sign in first), or a refusal with its status.
pub enum PageFailure {
    SignIn { next: String },
    Refused { status: StatusCode, message: String },
}

impl PageFailure {
    pub fn forbidden(message: impl Into<String>) -> PageFailure {
        PageFailure::Refused { status: StatusCode::FORBIDDEN, message: message.into() }
    }
    pub fn bad_request(message: impl Into<String>) -> PageFailure {
        PageFailure::Refused { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
}

impl From<ApiError> for PageFailure {
    fn from(e: ApiError) -> Self {
        if let Some(internal) = &e.internal {
            log::error!("console: {} {}: {internal}", e.code.number(), e.code.name());
        }
        PageFailure::Refused { status: e.status, message: refusal_text(&e.message, &e.errors) }
    }
}

/// What a page says of a refused value. The API's messages quote the value
/// ("propertyId has \"…\", which is not a positive id"), and on a page that
/// value is often the page's own address: a crafted link would make the
/// site say whatever it holds (docs/console.md §5: no page echoes free text from
/// its URL). So a page names the fields, whose names come from the code,
/// and never repeats a value.
pub fn refusal_text(message: &str, errors: &[FieldError]) -> String {
    if errors.is_empty() {
        return message.to_string();
    }
    let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    fields.dedup();
    format!("This page cannot use the value given for {}; change it and try again.", fields.join(", "))
}

impl From<ServiceError> for PageFailure {
    fn from(e: ServiceError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<DomainError> for PageFailure {
    fn from(e: DomainError) -> Self {
        ApiError::from(e).into()
    }
}

pub type PageResult = Result<HttpResponse, PageFailure>;

/// Turns a page's outcome into the answer: failures become a 303 to the
/// sign-in page or an error page, both with the page headers.
pub fn answer(result: PageResult, session: Option<&Session>) -> HttpResponse {
    match result {
        Ok(response) => response,
        Err(PageFailure::SignIn { next }) => to_sign_in(&next),
        Err(PageFailure::Refused { status, message }) => {
            let title = status.canonical_reason().unwrap_or("Error").to_string();
            render(status, &ErrorPage { chrome: Chrome::new(title, session), status: status.as_u16(), message })
        }
    }
}

pub fn render(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status).content_type("text/html; charset=utf-8").body(html),
        Err(e) => {
            log::error!("console: rendering a page failed: {e}");
            HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("The page failed.")
        }
    }
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

pub fn to_sign_in(next: &str) -> HttpResponse {
    let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
    see_other(&format!("/login?{query}"))
}

/// The page's own address, to come back to after signing in.
pub fn this_page(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        query => format!("{}?{query}", req.path()),
    }
}

/// The session, or a failure that sends the browser to sign in and back here.
pub async fn require_session(state: &AppState, req: &HttpRequest) -> Result<Session, PageFailure> {
    session::current_session(state, req).await.ok_or_else(|| PageFailure::SignIn { next: this_page(req) })
}

/// A posted form's fields, in order.
pub struct FormFields(pub Vec<(String, String)>);

impl FormFields {
    pub fn parse(body: &[u8]) -> Result<FormFields, PageFailure> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| PageFailure::bad_request("The form could not be read (it is not valid URL encoding)."))?;
        // A NUL is kept as U+FFFD, as in the API's bodies (docs/api.md §1).
        let kept = |text: String| crate::wire::input::nul_replaced(&text).unwrap_or(text);
        let pairs = pairs.into_iter().map(|(name, value)| {
            let value = if crate::wire::input::is_secret(&name) { value } else { kept(value) };
            (kept(name), value)
        });
        Ok(FormFields(pairs.collect()))
    }

    /// Removes every field named `name` (ignoring case) and returns the first value.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let mut found = None;
        self.0.retain(|(n, v)| {
            if n.eq_ignore_ascii_case(name) {
                if found.is_none() {
                    found = Some(v.clone());
                }
                false
            } else {
                true
            }
        });
        found
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
}

/// The checks of a state-changing form (docs/console.md §5), in order: not
/// cross-site, signed in (else to sign-in and back), the form token matches.
pub async fn guarded_post(state: &AppState, req: &HttpRequest, form: &mut FormFields) -> Result<Session, PageFailure> {
    let session = post_session(state, req).await?;
    check_form_token(&session, &form.take("csrf").unwrap_or_default())?;
    Ok(session)
}

/// The first two checks of a state-changing form, before its body is read.
pub async fn post_session(state: &AppState, req: &HttpRequest) -> Result<Session, PageFailure> {
    if session::is_cross_site(req) {
        return Err(PageFailure::forbidden("This form was sent from another site; nothing was changed."));
    }
    require_session(state, req).await
}

/// The third check: the form token must be this session's.
pub fn check_form_token(session: &Session, given: &str) -> Result<(), PageFailure> {
    if session::tokens_match(given, &session.csrf()) {
        Ok(())
    } else {
        Err(PageFailure::forbidden(
            "This form is out of date (its form token does not match your session); nothing was changed. \
             Reload the page and try again.",
        ))
    }
}

/// Field problems a form shows next to its fields, and the summary on top.
#[derive(Default)]
pub struct FormErrors {
    pub message: Option<String>,
    pub fields: Vec<FieldError>,
}

impl FormErrors {
    pub fn from_refusal(e: &DomainError) -> FormErrors {
        FormErrors { message: Some(e.message.clone()), fields: e.errors.clone() }
    }

    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.fields.iter().find(|e| e.field.eq_ignore_ascii_case(field)).map(|e| e.message.as_str())
    }

    pub fn any(&self) -> bool {
        self.message.is_some() || !self.fields.is_empty()
    }
}

/// A refusal a form shows beside its fields (bad input), as opposed to one
/// that replaces the page (no access, no such thing).
pub fn is_input_refusal(e: &ServiceError) -> Option<&DomainError> {
    match e {
        ServiceError::Refused(d)
            if matches!(d.kind, ErrorKind::MissingRequired | ErrorKind::InvalidValue | ErrorKind::InvalidOperation) =>
        {
            Some(d)
        }
        _ => None,
    }
}
