//! `/admin` (admins only): users (and the names locked out of signing in),
//! reasons and statuses, and the directory import as a multipart upload of
//! the three CSV files (docs/console.md §1).
//! Each form posts to its own address and comes back to `/admin`.

use super::session::Session;
use super::view::{Choice, When};
use super::words::{audit_sentence, Names};
use super::{
    answer, check_form_token, guarded_post, is_input_refusal, post_session, render, see_other, Chrome, FormErrors,
    FormFields, PageFailure, PageResult,
};
use crate::domain::directory::{ImportBatch, ImportCounts, PropertyStatus, RowKind};
use crate::domain::error::{DomainError, ErrorKind};
use crate::domain::ids::{PropertyId, ReasonId, StatusId, UserId};
use crate::domain::query::Page;
use crate::domain::users::Role;
use crate::service::access::Admin;
use crate::service::settings::SettingsView;
use crate::service::ServiceError;
use crate::state::AppState;
use crate::wire::catalog::{read_new_reason, read_new_status, read_reason_changes, read_status_changes};
use crate::wire::directory::add_csv;
use crate::wire::import::{feed_blocking, Fed};
use crate::wire::input::Fields;
use crate::wire::query::QueryParams;
use crate::wire::settings::read_settings_change;
use crate::wire::users::{read_new_user, read_user_changes};
use crate::wire::MAX_IMPORT_BYTES;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use jiff::tz::TimeZone;

struct UserLine {
    user_id: UserId,
    user_name: String,
    display_name: String,
    first_name: String,
    last_name: String,
    email: String,
    roles: Vec<(&'static str, bool)>,
    active: bool,
    is_admin: bool,
    properties: Vec<Choice>,
}

impl UserLine {
    /// The names of its linked properties, for the list ("Harbor View, Elm Court").
    fn linked(&self) -> String {
        let names: Vec<&str> = self.properties.iter().filter(|p| p.selected).map(|p| p.name.as_str()).collect();
        names.join(", ")
    }
}

struct CatalogLine {
    id: i64,
    name: String,
    display_order: i64,
    active: bool,
    category: String,
    is_default: bool,
}

/// A user the sign-in throttle refuses now, with a button that clears it.
struct LockedLine {
    user_name: String,
    failures: i64,
    /// How it is refused, in words.
    refused: String,
}

/// One entry of the admin audit, newest first.
struct AuditLine {
    at: When,
    /// The entry in words (docs/console.md §7).
    sentence: String,
}

/// How many audit entries `/admin` shows (the API lists them all).
const RECENT_CHANGES: i64 = 20;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    csrf: String,
    notice: Option<String>,
    errors: FormErrors,
    users: Vec<UserLine>,
    locked_out: Vec<LockedLine>,
    all_properties: Vec<Choice>,
    reasons: Vec<CatalogLine>,
    statuses: Vec<CatalogLine>,
    recent_changes: Vec<AuditLine>,
    settings: SettingsView,
    /// The time zone database's names, for the time zone field's suggestions.
    zones: &'static [String],
}

/// The time zone database's names, sorted: read once, the database is built in.
fn zone_names() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<String> = jiff::tz::db().available().map(|name| name.as_str().to_string()).collect();
        names.sort();
        names
    })
}

const ROLES: [Role; 3] = [Role::Admin, Role::Agent, Role::Viewer];

async fn admin_page(
    state: &AppState,
    session: &Session,
    notice: Option<String>,
    errors: FormErrors,
) -> Result<AdminPage, PageFailure> {
    let caller = &Admin::of(&session.caller)?;
    let all = Page { number: 1, size: 500 };
    let (_, users) = state.service.list_users(caller, all).await?;
    let locked_out = state.service.locked_out_users(caller).await?;
    let (_, properties) = state.service.list_properties(caller, None, PropertyStatus::All, all).await?;
    let reasons = state.service.list_reasons(caller, true).await?;
    let statuses = state.service.list_statuses(caller, true).await?;
    let recent = Page { number: 1, size: RECENT_CHANGES };
    let (_, changes) = state.service.audit_entries(caller, Default::default(), recent).await?;
    let zone = &state.service.config.zone.current();
    let settings = state.service.office_settings(caller).await?;
    let words = Names {
        properties: properties.iter().map(|p| (p.property_id, p.property_name.clone())).collect(),
        users: users
            .iter()
            .map(|u| {
                let name =
                    crate::domain::users::display_name(&u.user_name, u.first_name.as_deref(), u.last_name.as_deref());
                (u.user_id, name)
            })
            .collect(),
        ..Names::default()
    };
    let property_choices = |selected: &[PropertyId]| -> Vec<Choice> {
        properties
            .iter()
            .map(|p| Choice {
                id: p.property_id.0,
                name: p.property_name.clone(),
                selected: selected.contains(&p.property_id),
            })
            .collect()
    };
    Ok(AdminPage {
        chrome: Chrome::new("Admin", Some(session)),
        csrf: session.csrf(),
        notice,
        errors,
        users: users
            .iter()
            .map(|u| UserLine {
                user_id: u.user_id,
                user_name: u.user_name.clone(),
                display_name: crate::domain::users::display_name(
                    &u.user_name,
                    u.first_name.as_deref(),
                    u.last_name.as_deref(),
                ),
                first_name: u.first_name.clone().unwrap_or_default(),
                last_name: u.last_name.clone().unwrap_or_default(),
                email: u.email.clone().unwrap_or_default(),
                roles: ROLES.iter().map(|r| (r.as_str(), *r == u.role)).collect(),
                active: u.active,
                is_admin: u.role == Role::Admin,
                properties: property_choices(&u.property_ids),
            })
            .collect(),
        locked_out: locked_out
            .into_iter()
            .map(|l| LockedLine {
                refused: match (l.everywhere, l.locked_addresses) {
                    (true, _) => "refused from every address but those it signed in from lately".to_string(),
                    (false, 1) => "refused from 1 address".to_string(),
                    (false, n) => format!("refused from {n} addresses"),
                },
                user_name: l.user.user_name,
                failures: l.failures,
            })
            .collect(),
        all_properties: property_choices(&[]),
        reasons: reasons
            .into_iter()
            .map(|r| CatalogLine {
                id: r.call_log_reason_id.0,
                name: r.name,
                display_order: r.display_order,
                active: r.active,
                category: String::new(),
                is_default: false,
            })
            .collect(),
        statuses: statuses
            .into_iter()
            .map(|s| CatalogLine {
                id: s.module_status_id.0,
                name: s.name,
                display_order: s.display_order,
                active: s.active,
                category: s.category.to_string(),
                is_default: s.is_default,
            })
            .collect(),
        recent_changes: changes
            .into_iter()
            .map(|e| AuditLine { at: When::of(e.at, zone), sentence: audit_sentence(&e, &words) })
            .collect(),
        settings,
        zones: zone_names(),
    })
}

pub async fn admin(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let session = session.as_ref().ok_or_else(|| PageFailure::SignIn { next: super::this_page(&req) })?;
        let notice = notice(&QueryParams::parse(req.query_string())?);
        let page = admin_page(&state, session, notice, FormErrors::default()).await?;
        Ok(render(StatusCode::OK, &page))
    }
    .await;
    answer(result, session.as_ref())
}

/// What `/admin?done=…` says after a write: one of a fixed set of messages
/// (docs/console.md §5), so a link cannot make the page say anything else; any
/// other value says nothing. An import's counts travel as numbers, each
/// read as one, and only its nouns are the page's.
fn notice(params: &QueryParams) -> Option<String> {
    match params.get("done")? {
        "user" => Some("The user was saved.".into()),
        "reason" => Some("The reason was saved.".into()),
        "status" => Some("The status was saved.".into()),
        "unlock" => Some("The user's failed sign-ins were cleared; it can sign in again.".into()),
        "settings" => Some("The office settings were saved.".into()),
        "import" => {
            let count = |name: &str| params.get(name).and_then(|n| n.parse::<i64>().ok()).filter(|n| *n >= 0);
            let counts = ImportCounts {
                properties: count("properties")?,
                units: count("units")?,
                residents: count("residents")?,
            };
            Some(format!("Done: imported {}.", counts.summary()))
        }
        _ => None,
    }
}

/// Where an import sends the browser: its counts as numbers for `notice`.
fn imported_location(counts: ImportCounts) -> String {
    format!("/admin?done=import&properties={}&units={}&residents={}", counts.properties, counts.units, counts.residents)
}

/// A write's outcome: back to `/admin` saying what was done, or the page
/// again with the refusal on top (nothing typed into other forms is lost,
/// since each form is its own post).
async fn outcome(state: &AppState, session: &Session, result: Result<String, ServiceError>) -> PageResult {
    match result {
        Ok(done) => Ok(see_other(&format!("/admin?done={done}"))),
        Err(e) => match is_input_refusal(&e) {
            Some(refusal) => {
                let status = if refusal.kind == ErrorKind::InvalidOperation {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::BAD_REQUEST
                };
                let page = admin_page(state, session, None, FormErrors::from_refusal(refusal)).await?;
                Ok(render(status, &page))
            }
            None => Err(e.into()),
        },
    }
}

/// The path's positive id, as the id type `id` makes of it.
fn path_id<T>(req: &HttpRequest, id: fn(i64) -> T) -> Result<T, PageFailure> {
    let raw = req.match_info().get("id").unwrap_or("");
    raw.parse::<i64>().ok().filter(|number| *number > 0).map(id).ok_or_else(|| PageFailure::Refused {
        status: StatusCode::NOT_FOUND,
        // Not repeated: the path is free text (docs/console.md §5).
        message: "There is nothing at this address.".into(),
    })
}

/// Runs one admin form: the post checks, then `work` on the remaining fields.
async fn admin_post<F, Fut>(state: &AppState, req: &HttpRequest, body: &[u8], work: F) -> HttpResponse
where
    F: FnOnce(Session, Admin, FormFields) -> Fut,
    Fut: std::future::Future<Output = (Session, Result<String, ServiceError>)>,
{
    let result = async {
        let mut form = FormFields::parse(body)?;
        let session = guarded_post(state, req, &mut form).await?;
        let admin = Admin::of(&session.caller)?;
        let (session, result) = work(session, admin, form).await;
        outcome(state, &session, result).await
    }
    .await;
    answer(result, None)
}

/// A password for a new user, made by the server when the admin asks for
/// one: 16 letters and digits (about 82 bits), in groups of four to read
/// out, without the look-alikes 0/O, 1/l/I.
fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let letters: Vec<char> =
        (0..16).map(|_| char::from(ALPHABET[rand::Rng::random_range(&mut rng, 0..ALPHABET.len())])).collect();
    letters.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Creates a user with the typed password, or with one the server makes
/// (`GeneratePassword`), which the page then shows once: it is in no
/// address and no cookie, so this answer is the only place it appears.
pub async fn create_user(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let result = async {
        let mut form = FormFields::parse(&body)?;
        let session = guarded_post(&state, &req, &mut form).await?;
        let admin = Admin::of(&session.caller)?;
        let generate = form.take("GeneratePassword").is_some_and(|v| !v.is_empty());
        let generated = generate.then(generated_password);
        if let Some(password) = &generated {
            form.take("Password");
            form.0.push(("Password".to_string(), password.clone()));
        }
        let created = async {
            let new_user = read_new_user(Fields::from_text_pairs(form.0, ""))?;
            state.service.create_user(&admin, new_user).await
        }
        .await;
        match (created, generated) {
            (Ok(user), Some(password)) => {
                let notice = format!(
                    "User {} was created. Its password, shown this once: {password}. Give it to the user, \
                     who can change it on their account page.",
                    user.user_name
                );
                let page = admin_page(&state, &session, Some(notice), FormErrors::default()).await?;
                Ok(render(StatusCode::CREATED, &page))
            }
            (Ok(_), None) => Ok(see_other("/admin?done=user")),
            (Err(e), _) => outcome(&state, &session, Err(e)).await,
        }
    }
    .await;
    answer(result, None)
}

pub async fn update_user(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let user_id = match path_id(&req, UserId) {
        Ok(id) => id,
        Err(failure) => return answer(Err(failure), None),
    };
    let shared = state.clone();
    admin_post(&state, &req, &body, |session, admin, mut form| async move {
        let result = async {
            // Checkboxes send nothing when none is ticked: the marker says the links were shown, so none means none.
            let links_shown = form.take("PropertyIdsShown").is_some();
            if form.get("Password").is_some_and(str::is_empty) {
                form.take("Password");
            }
            let mut changes = read_user_changes(Fields::from_text_pairs(form.0, ""))?;
            if links_shown && changes.property_ids.is_none() {
                changes.property_ids = Some(Vec::new());
            }
            shared.service.update_user(&admin, user_id, changes).await?;
            Ok("user".to_string())
        }
        .await;
        (session, result)
    })
    .await
}

/// Clears a user's failed sign-ins (the throttle's lock), by `UserName`.
pub async fn unlock_user(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let shared = state.clone();
    admin_post(&state, &req, &body, |session, admin, mut form| async move {
        let result = async {
            let user_name = form.take("UserName").unwrap_or_default();
            let user_name = user_name.trim();
            if user_name.is_empty() {
                return Err(DomainError::invalid_field("UserName", "is required: the user to let sign in again").into());
            }
            match shared.service.clear_sign_in_failures(&admin, user_name).await {
                Ok(_) => Ok("unlock".to_string()),
                // A typed name that is no user: said on the page, next to the field.
                Err(ServiceError::Refused(e)) if e.kind == ErrorKind::NotFound => {
                    Err(DomainError::invalid_field("UserName", &format!("{user_name:?} is no user")).into())
                }
                Err(e) => Err(e),
            }
        }
        .await;
        (session, result)
    })
    .await
}

/// The office settings form (docs/api.md §16): `TimeZone`, `OfficeName`.
pub async fn change_settings(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let shared = state.clone();
    admin_post(&state, &req, &body, |session, admin, form| async move {
        let result = async {
            let change = read_settings_change(Fields::from_text_pairs(form.0, ""))?;
            shared.service.change_office_settings(&admin, change).await?;
            Ok("settings".to_string())
        }
        .await;
        (session, result)
    })
    .await
}

pub async fn create_reason(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let shared = state.clone();
    admin_post(&state, &req, &body, |session, admin, form| async move {
        let result = async {
            let input = read_new_reason(Fields::from_text_pairs(form.0, ""))?;
            shared.service.create_reason(&admin, input).await?;
            Ok("reason".to_string())
        }
        .await;
        (session, result)
    })
    .await
}

pub async fn update_reason(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let reason_id = match path_id(&req, ReasonId) {
        Ok(id) => id,
        Err(failure) => return answer(Err(failure), None),
    };
    let shared = state.clone();
    admin_post(&state, &req, &body, |session, admin, form| async move {
        let result = async {
            let input = read_reason_changes(Fields::from_text_pairs(form.0, ""))?;
            shared.service.update_reason(&admin, reason_id, input).await?;
            Ok("reason".to_string())
        }
        .await;
        (session, result)
    })
    .await
}

pub async fn create_status(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let shared = state.clone();
    admin_post(&state, &req, &body, |session, admin, form| async move {
        let result = async {
            let input = read_new_status(Fields::from_text_pairs(form.0, ""))?;
            shared.service.create_status(&admin, input).await?;
            Ok("status".to_string())
        }
        .await;
        (session, result)
    })
    .await
}

pub async fn update_status(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let status_id = match path_id(&req, StatusId) {
        Ok(id) => id,
        Err(failure) => return answer(Err(failure), None),
    };
    let shared = state.clone();
    admin_post(&state, &req, &body, |session, admin, form| async move {
        let result = async {
            let input = read_status_changes(Fields::from_text_pairs(form.0, ""))?;
            shared.service.update_status(&admin, status_id, input).await?;
            Ok("status".to_string())
        }
        .await;
        (session, result)
    })
    .await
}

/// The import form's CSV parts as read: the rows (or the first problem with
/// one of the files).
#[derive(Default)]
struct ImportUpload {
    batch: ImportBatch,
    problem: Option<String>,
}

/// A form token is 64 hex digits; a first part longer than this is not one.
const MAX_TOKEN_BYTES: usize = 256;

/// The third check of a post (docs/console.md §5), for an upload: the form token
/// is the form's first part (the page's form sends it first), checked
/// before any file part is read. A first part that is not the token, or
/// that is longer than one, is refused (403) without reading further.
async fn check_token_part(multipart: &mut Multipart, session: &Session) -> Result<(), PageFailure> {
    let mut given = Vec::new();
    if let Some(Ok(mut field)) = multipart.next().await {
        if field.name() == Some("csrf") {
            while let Some(Ok(chunk)) = field.next().await {
                if given.len() + chunk.len() > MAX_TOKEN_BYTES {
                    given.clear();
                    break;
                }
                given.extend_from_slice(&chunk);
            }
        }
    }
    check_form_token(session, String::from_utf8_lossy(&given).trim())
}

/// Reads the upload's remaining parts; each CSV part is read as it arrives,
/// row by row, by the same reader as `calllog import` (docs/api.md §1: up to 64
/// MiB, as a stream).
async fn read_upload(mut multipart: Multipart, zone: &TimeZone) -> Result<ImportUpload, PageFailure> {
    let too_large = || PageFailure::Refused {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: "The upload is over 64 MiB; split the directory into smaller files.".into(),
    };
    let unreadable = |e: &dyn std::fmt::Display| PageFailure::bad_request(format!("The upload could not be read: {e}"));
    let mut upload = ImportUpload::default();
    let mut total = 0usize;
    while let Some(field) = multipart.next().await {
        let field = field.map_err(|e| unreadable(&e))?;
        let name = field.name().unwrap_or("").to_ascii_lowercase();
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("{name}.csv"));
        // Fused: a part read to its end by the CSV reader is not polled again.
        let mut field = field.fuse();
        let kind = match name.as_str() {
            "properties" => Some(RowKind::Property),
            "units" => Some(RowKind::Unit),
            "residents" => Some(RowKind::Resident),
            _ => None,
        };
        if let (Some(kind), None) = (kind, &upload.problem) {
            let mut batch = std::mem::take(&mut upload.batch);
            let zone = zone.clone();
            let read = move |reader| {
                let read = add_csv(&mut batch, kind, reader, &file_name, &zone);
                (batch, read)
            };
            let (fed, taken) = feed_blocking(Vec::new(), &mut field, MAX_IMPORT_BYTES - total, read).await;
            total += taken;
            match fed {
                Fed::Done((batch, read)) => {
                    upload.batch = batch;
                    upload.problem = read.err().map(|refused| refused.0);
                }
                Fed::TooLarge => return Err(too_large()),
                Fed::Broken => return Err(unreadable(&"the connection was cut")),
            }
        }
        // The rest of the part, not kept: another field, or what a refused
        // file left unread (read to the end, so the browser gets the page
        // that says why rather than a cut connection).
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| unreadable(&e))?;
            total += chunk.len();
            if total > MAX_IMPORT_BYTES {
                return Err(too_large());
            }
        }
    }
    upload.batch.shrink_to_fit();
    Ok(upload)
}

pub async fn import(state: web::Data<AppState>, req: HttpRequest, mut multipart: Multipart) -> HttpResponse {
    let result = async {
        let session = post_session(&state, &req).await?;
        check_token_part(&mut multipart, &session).await?;
        // One import at a time, admitted before its files are read (docs/api.md §6: memory).
        let admin = Admin::of(&session.caller)?;
        let permit = state.service.admit_import(&admin).await?;
        let upload = read_upload(multipart, &state.service.config.zone.current()).await?;
        let result = match upload.problem {
            None => state.service.import_directory(&admin, permit, upload.batch).await,
            Some(problem) => Err(crate::domain::error::DomainError::invalid(problem).into()),
        };
        match result {
            Ok(counts) => Ok(see_other(&imported_location(counts))),
            Err(e) => outcome(&state, &session, Err(e)).await,
        }
    }
    .await;
    answer(result, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice_of(query: &str) -> Option<String> {
        notice(&QueryParams::parse(query).unwrap())
    }

    #[test]
    fn a_notice_is_one_of_a_fixed_set_and_never_the_address_text() {
        assert_eq!(notice_of("done=user").as_deref(), Some("The user was saved."));
        assert_eq!(notice_of("done=status").as_deref(), Some("The status was saved."));
        assert_eq!(
            notice_of(&imported_location(ImportCounts { properties: 1, units: 2, residents: 0 })["/admin?".len()..])
                .as_deref(),
            Some("Done: imported 1 property, 2 units, 0 residents.")
        );
        for unknown in [
            "done=Your+account+is+locked%2C+call+555-0100",
            "done=",
            "done=import&properties=1&units=1",
            "done=import&properties=one&units=1&residents=1",
            "done=import&properties=-1&units=1&residents=1",
            "other=user",
        ] {
            assert_eq!(notice_of(unknown), None, "{unknown}");
        }
    }
}
