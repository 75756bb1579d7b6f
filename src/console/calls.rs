//! `/calls/new` (log a call), `/calls/{LogId}` (one call: thread, comment
//! and status form, history) and `/calls` (the list) — docs/console.md §1, §4.

use super::desk::{call_rows, CallRow, StatusNames};
use super::flash::Saved;
use super::session::Session;
use super::view::{Choice, When};
use super::words::{history_sentence, Names};
use super::{answer, guarded_post, is_input_refusal, render, see_other, Chrome, FormErrors, FormFields, PageFailure};
use crate::domain::directory::{PropertyStatus, UnitSort};
use crate::domain::error::{DomainError, ErrorKind, FieldError};
use crate::domain::ids::{LogId, PropertyId, ReasonId, ResidentId, StatusId, UnitId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::service::access::Writer;
use crate::service::calllogs::ListScope;
use crate::service::directory::UnitQuery;
use crate::service::ServiceError;
use crate::state::AppState;
use crate::wire::calllogs::{read_call_log_update, read_new_call_log};
use crate::wire::input::Fields;
use crate::wire::query::QueryParams;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use rand::RngCore;

/// What the log-a-call form holds, as typed (kept whole when it is refused).
#[derive(Default)]
struct NewCallValues {
    property_id: String,
    unit_id: String,
    /// The unit as a person names it, by number within the property (`UnitNumber`).
    unit_number: String,
    resident_id: String,
    call_from: String,
    subject: String,
    notes: String,
    /// The first comment of the thread (`NewComments`, as on the API's create).
    new_comments: String,
    status_id: String,
    reasons: Vec<ReasonId>,
}

#[derive(Template)]
#[template(path = "call_new.html")]
struct NewCallPage {
    chrome: Chrome,
    errors: FormErrors,
    values: NewCallValues,
    /// Who is calling, when the form was opened for a resident.
    resident_label: Option<String>,
    unit_label: Option<String>,
    properties: Vec<Choice>,
    reasons: Vec<Choice>,
    statuses: Vec<Choice>,
    idempotency_key: String,
    csrf: String,
    action: String,
}

impl NewCallPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.for_field(field)
    }
    fn caller_known(&self) -> bool {
        self.resident_label.is_some()
    }
}

fn new_idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A positive id typed into a form or a path, as the id type `id` makes of it.
fn parse_id<T>(text: &str, id: fn(i64) -> T) -> Option<T> {
    text.trim().parse::<i64>().ok().filter(|number| *number > 0).map(id)
}

async fn new_call_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    mut values: NewCallValues,
    errors: FormErrors,
    idempotency_key: String,
) -> Result<NewCallPage, PageFailure> {
    let caller = &session.caller;
    let mut resident_label = None;
    let mut unit_label = None;
    if let Some(resident_id) = parse_id(&values.resident_id, ResidentId) {
        // A resident who has moved out is not offered (docs/api.md §6): the form
        // shows its fields, with the refusal next to ResidentId.
        if let Ok(resident) = state.service.get_resident(caller, resident_id).await {
            if !resident.moved_out(Stamp::now()) {
                resident_label = Some(resident.full_name());
            }
        }
    }
    if let Some(unit_id) = parse_id(&values.unit_id, UnitId) {
        if let Ok(unit) = state.service.get_unit(caller, unit_id).await {
            unit_label = Some(format!("Unit {}", unit.unit_number));
            if values.unit_number.is_empty() {
                values.unit_number = unit.unit_number;
            }
        }
    }
    let selected_property = parse_id(&values.property_id, PropertyId);
    let (_, properties) =
        state.service.list_properties(caller, None, PropertyStatus::Active, Page { number: 1, size: 500 }).await?;
    let reasons = state.service.list_reasons(caller, false).await?;
    let statuses = state.service.list_statuses(caller, false).await?;
    let selected_status = parse_id(&values.status_id, StatusId);
    Ok(NewCallPage {
        chrome: Chrome::new("Log a call", Some(session)),
        properties: properties
            .into_iter()
            .map(|p| Choice {
                id: p.property_id.0,
                selected: selected_property == Some(p.property_id),
                name: p.property_name,
            })
            .collect(),
        reasons: reasons
            .into_iter()
            .map(|r| Choice {
                id: r.call_log_reason_id.0,
                selected: values.reasons.contains(&r.call_log_reason_id),
                name: r.name,
            })
            .collect(),
        statuses: statuses
            .into_iter()
            .map(|s| Choice {
                id: s.module_status_id.0,
                selected: selected_status.map_or(s.is_default, |id| id == s.module_status_id),
                name: super::desk::status_choice_name(&s.name, s.category),
            })
            .collect(),
        resident_label,
        unit_label,
        values,
        errors,
        idempotency_key,
        csrf: session.csrf(),
        action: super::this_page(req),
    })
}

pub async fn new_call_form(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let session = session.as_ref().ok_or_else(|| PageFailure::SignIn { next: super::this_page(&req) })?;
        Writer::of(&session.caller)?;
        let params = QueryParams::parse(req.query_string())?;
        let mut values = NewCallValues::default();
        let mut errors = FormErrors::default();
        if let Some(resident_id) = params.id("residentId", ResidentId)? {
            let resident = state.service.get_resident(&session.caller, resident_id).await?;
            if resident.moved_out(Stamp::now()) {
                errors.fields.push(FieldError::new(
                    "ResidentId",
                    format!("{} has moved out; type the caller's name in Caller instead.", resident.full_name()),
                ));
            } else {
                values.resident_id = resident_id.to_string();
            }
            values.unit_id = resident.unit_id.to_string();
            values.property_id = resident.property_id.to_string();
        } else if let Some(unit_id) = params.id("unitId", UnitId)? {
            let unit = state.service.get_unit(&session.caller, unit_id).await?;
            values.unit_id = unit_id.to_string();
            values.property_id = unit.property_id.to_string();
        } else if let Some(property_id) = params.id("propertyId", PropertyId)? {
            state.service.get_property(&session.caller, property_id).await?;
            values.property_id = property_id.to_string();
        }
        let page = new_call_page(&state, &req, session, values, errors, new_idempotency_key()).await?;
        Ok(render(StatusCode::OK, &page))
    }
    .await;
    answer(result, session.as_ref())
}

pub async fn create_call(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let mut form = FormFields::parse(&body)?;
        let session = guarded_post(&state, &req, &mut form).await?;
        let key = form.take("IdempotencyKey").map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
        // The unit typed by number (the form's field for a caller not in the
        // directory) stands for UnitId; with no such field, UnitId as sent.
        let unit_number = form.take("UnitNumber").map(|n| n.trim().to_string());
        let mut unit_problem = None;
        if let Some(typed) = &unit_number {
            form.take("UnitId");
            if !typed.is_empty() {
                let property_id = form.get("PropertyId").and_then(|id| parse_id(id, PropertyId));
                match unit_by_number(&state, &session.caller, property_id, typed, "UnitNumber").await {
                    Ok(unit_id) => form.0.push(("UnitId".to_string(), unit_id.to_string())),
                    Err(e) => match is_input_refusal(&e) {
                        Some(refusal) => unit_problem = Some(FormErrors::from_refusal(refusal)),
                        None => return Err(e.into()),
                    },
                }
            }
        }
        let values = NewCallValues {
            property_id: form.get("PropertyId").unwrap_or("").to_string(),
            unit_id: form.get("UnitId").unwrap_or("").to_string(),
            unit_number: unit_number.unwrap_or_default(),
            resident_id: form.get("ResidentId").unwrap_or("").to_string(),
            call_from: form.get("CallFrom").unwrap_or("").to_string(),
            subject: form.get("Subject").unwrap_or("").to_string(),
            notes: form.get("Notes").unwrap_or("").to_string(),
            new_comments: form.get("NewComments").unwrap_or("").to_string(),
            status_id: form.get("ModuleStatusId").unwrap_or("").to_string(),
            reasons: form.all("LogReasons").into_iter().filter_map(|id| parse_id(id, ReasonId)).collect(),
        };
        if let Some(mut errors) = unit_problem {
            errors.message = Some("the unit is not found.".to_string());
            let key = key.unwrap_or_else(new_idempotency_key);
            let page = new_call_page(&state, &req, &session, values, errors, key).await?;
            return Ok(render(StatusCode::BAD_REQUEST, &page));
        }
        let zone = state.service.config.zone.current();
        let outcome = match read_new_call_log(Fields::from_text_pairs(form.0, ""), &zone, Stamp::now()) {
            Ok(input) => match Writer::of(&session.caller) {
                Ok(writer) => state.service.create_call_log(&writer, input, key.clone()).await,
                Err(refusal) => Err(refusal.into()),
            },
            Err(refusal) => Err(refusal.into()),
        };
        match outcome {
            Ok((log, _)) => {
                let mut done = see_other(&format!("/calls/{}", log.log_id));
                append_cookie(&mut done, super::flash::set(&req, Saved::CallLogged, log.log_id));
                Ok(done)
            }
            // The form was sent before with other text (a page kept from
            // before, edited): nothing was created. Shown again with the
            // message and a fresh key, so sending it now logs this call.
            Err(ServiceError::Refused(refusal)) if refusal.kind == ErrorKind::KeyReused => {
                let message = "This form was sent before with other text, and that call was logged then; nothing \
                               was saved now. Check the text and send it again to log it as a new call.";
                let errors = FormErrors { message: Some(message.to_string()), fields: Vec::new() };
                let page = new_call_page(&state, &req, &session, values, errors, new_idempotency_key()).await?;
                Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
            }
            Err(e) => match is_input_refusal(&e) {
                Some(refusal) => {
                    let errors = FormErrors::from_refusal(refusal);
                    let key = key.unwrap_or_else(new_idempotency_key);
                    let page = new_call_page(&state, &req, &session, values, errors, key).await?;
                    Ok(render(StatusCode::BAD_REQUEST, &page))
                }
                None => Err(e.into()),
            },
        }
    }
    .await;
    answer(result, session.as_ref())
}

/// One comment of the thread.
struct ThreadEntry {
    user: String,
    date: When,
    status: String,
    text: String,
}

/// One entry of the history, in words (docs/console.md §7).
struct HistoryRow {
    date: When,
    sentence: String,
}

/// The comment and status form as typed.
#[derive(Default)]
struct UpdateValues {
    notes: String,
    status_id: Option<StatusId>,
    new_comments: String,
}

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage {
    chrome: Chrome,
    log_id: LogId,
    subject: String,
    call_from: String,
    property_id: PropertyId,
    property_name: String,
    unit_id: Option<UnitId>,
    unit_number: Option<String>,
    resident_id: Option<ResidentId>,
    takenby: String,
    status: String,
    status_category: String,
    reasons: Vec<String>,
    created: When,
    modified: When,
    notes: String,
    thread: Vec<ThreadEntry>,
    history: Vec<HistoryRow>,
    can_write: bool,
    etag: String,
    csrf: String,
    values: UpdateValues,
    statuses: Vec<Choice>,
    errors: FormErrors,
    /// What the save that led here did ("Call #42 logged"), shown once.
    saved: Option<String>,
}

impl CallPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.for_field(field)
    }
}

fn path_log_id(req: &HttpRequest) -> Result<LogId, PageFailure> {
    let raw = req.match_info().get("log_id").unwrap_or("");
    parse_id(raw, LogId).ok_or_else(|| PageFailure::Refused {
        status: StatusCode::NOT_FOUND,
        // Not repeated: the path is free text (docs/console.md §5).
        message: "There is no such call.".into(),
    })
}

async fn call_page(
    state: &AppState,
    session: &Session,
    log_id: LogId,
    typed: Option<UpdateValues>,
    errors: FormErrors,
) -> Result<CallPage, PageFailure> {
    let caller = &session.caller;
    let zone = &state.service.config.zone.current();
    let log = state.service.get_call_log(caller, log_id).await?;
    let property = state.service.get_property(caller, log.property_id).await?;
    let statuses = state.service.list_statuses(caller, true).await?;
    let reasons = state.service.list_reasons(caller, true).await?;
    let (_, history) = state.service.call_log_history(caller, log_id, Page { number: 1, size: 500 }).await?;
    let names = StatusNames::new(statuses.clone());
    let unit_number = match log.unit_id {
        Some(unit_id) => Some(state.service.get_unit(caller, unit_id).await?.unit_number),
        None => None,
    };
    let words =
        Names { statuses: statuses.iter().map(|s| (s.module_status_id, s.name.clone())).collect(), ..Names::default() };
    let values = typed.unwrap_or_else(|| UpdateValues {
        notes: log.notes.clone().unwrap_or_default(),
        status_id: Some(log.module_status_id),
        new_comments: String::new(),
    });
    let selected = values.status_id.unwrap_or(log.module_status_id);
    Ok(CallPage {
        chrome: Chrome::new(format!("Call #{log_id}"), Some(session)),
        log_id,
        subject: log.subject.clone(),
        call_from: log.call_from.clone(),
        property_id: log.property_id,
        property_name: property.property_name,
        unit_id: log.unit_id,
        unit_number,
        resident_id: log.resident_id,
        takenby: log.takenby.clone(),
        status: names.name(log.module_status_id),
        status_category: names.category(log.module_status_id),
        reasons: reasons
            .iter()
            .filter(|r| log.log_reasons.contains(&r.call_log_reason_id))
            .map(|r| r.name.clone())
            .collect(),
        created: When::of(log.created_on, zone),
        modified: When::of(log.modified_on, zone),
        notes: log.notes.clone().unwrap_or_default(),
        thread: log
            .old_comments
            .iter()
            .map(|c| ThreadEntry {
                user: c.user.clone(),
                date: When::of(c.date, zone),
                status: c.status.clone().unwrap_or_default(),
                text: c.comment.clone(),
            })
            .collect(),
        history: history
            .iter()
            .map(|h| HistoryRow { date: When::of(h.date, zone), sentence: history_sentence(h, &words) })
            .collect(),
        can_write: Writer::allows(caller),
        etag: log.etag(),
        csrf: session.csrf(),
        statuses: statuses
            .iter()
            .filter(|s| s.active || s.module_status_id == log.module_status_id)
            .map(|s| Choice {
                id: s.module_status_id.0,
                name: super::desk::status_choice_name(&s.name, s.category),
                selected: s.module_status_id == selected,
            })
            .collect(),
        values,
        errors,
        saved: None,
    })
}

/// Adds a `Set-Cookie` to an answer (the flash message of a save).
fn append_cookie(response: &mut HttpResponse, (name, value): (actix_web::http::header::HeaderName, String)) {
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&value) {
        response.headers_mut().append(name, value);
    }
}

pub async fn call_view(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let session = session.as_ref().ok_or_else(|| PageFailure::SignIn { next: super::this_page(&req) })?;
        let log_id = path_log_id(&req)?;
        let mut page = call_page(&state, session, log_id, None, FormErrors::default()).await?;
        page.saved = super::flash::read(&req, log_id).map(|saved| saved.message(log_id));
        let mut shown = render(StatusCode::OK, &page);
        if super::flash::present(&req) {
            append_cookie(&mut shown, super::flash::clear(&req));
        }
        Ok(shown)
    }
    .await;
    answer(result, session.as_ref())
}

pub async fn update_call(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let mut form = FormFields::parse(&body)?;
        let session = guarded_post(&state, &req, &mut form).await?;
        let log_id = path_log_id(&req)?;
        let etag = form.take("ETag").map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
        let commented = form.get("NewComments").is_some_and(|c| !c.trim().is_empty());
        let typed = UpdateValues {
            notes: form.get("Notes").unwrap_or("").to_string(),
            status_id: form.get("ModuleStatusId").and_then(|id| parse_id(id, StatusId)),
            new_comments: form.get("NewComments").unwrap_or("").to_string(),
        };
        let if_match = match etag.as_deref().map(crate::wire::calllogs::parse_if_match) {
            Some(Ok(condition)) => Some(condition),
            Some(Err(problem)) => {
                return Err(PageFailure::bad_request(format!("The form's ETag is malformed: {problem}")))
            }
            None => None,
        };
        let outcome = match read_call_log_update(Fields::from_text_pairs(form.0, ""), log_id) {
            Ok(update) => match Writer::of(&session.caller) {
                Ok(writer) => state.service.append_to_call_log(&writer, log_id, update, if_match).await,
                Err(refusal) => Err(refusal.into()),
            },
            Err(refusal) => Err(ServiceError::Refused(refusal)),
        };
        match outcome {
            Ok(_) => {
                let saved = if commented { Saved::CommentAdded } else { Saved::CallUpdated };
                let mut done = see_other(&format!("/calls/{log_id}"));
                append_cookie(&mut done, super::flash::set(&req, saved, log_id));
                Ok(done)
            }
            Err(ServiceError::Refused(DomainError { kind: ErrorKind::PreconditionFailed, .. })) => {
                let errors = FormErrors {
                    message: Some(
                        "Conflict: someone else changed this call while you were typing; their change is shown below. \
                         Your text is kept in the form: check it and send it again."
                            .to_string(),
                    ),
                    fields: Vec::new(),
                };
                let page = call_page(&state, &session, log_id, Some(typed), errors).await?;
                Ok(render(StatusCode::CONFLICT, &page))
            }
            Err(e) => match is_input_refusal(&e) {
                Some(refusal) => {
                    let errors = FormErrors::from_refusal(refusal);
                    let page = call_page(&state, &session, log_id, Some(typed), errors).await?;
                    Ok(render(StatusCode::BAD_REQUEST, &page))
                }
                None => Err(e.into()),
            },
        }
    }
    .await;
    answer(result, session.as_ref())
}

#[derive(Template)]
#[template(path = "calls.html")]
struct CallListPage {
    chrome: Chrome,
    message: Option<String>,
    rows: Vec<CallRow>,
    total: i64,
    q: String,
    statuses: Vec<Choice>,
    reasons: Vec<Choice>,
    /// The user's properties, the chosen one selected (`propertyId`).
    properties: Vec<Choice>,
    /// The unit's number as typed (`unitNumber`), found within the chosen property.
    unit_number: String,
    /// Who may have taken a call: users' display names, and the chosen one (`takenBy`).
    takers: Vec<(String, bool)>,
    /// A resident chosen elsewhere (a card's link, `residentId`), by name,
    /// with the list's address without it.
    resident: Option<(ResidentId, String, String)>,
    from: String,
    to: String,
    sort: String,
    order: String,
    page: i64,
    page_size: i64,
    previous_url: Option<String>,
    next_url: Option<String>,
}

/// The unit numbered `typed` (ignoring case) of the chosen property: how a
/// person names a unit (docs/console.md §7: nobody types an id). A refusal
/// names `field` and says what is wrong in the page's own words.
async fn unit_by_number(
    state: &AppState,
    caller: &crate::domain::users::Caller,
    property_id: Option<PropertyId>,
    typed: &str,
    field: &str,
) -> Result<UnitId, ServiceError> {
    let Some(property_id) = property_id else {
        return Err(DomainError::invalid_field(
            field,
            "is found by its number within a property: choose the property too",
        )
        .into());
    };
    let query =
        UnitQuery { number_prefix: Some(typed.to_lowercase()), resident_name: None, sort: UnitSort::UnitNumber };
    let units = state.service.units_of_property(caller, property_id, query).await?;
    units.iter().find(|u| u.unit_number.trim().eq_ignore_ascii_case(typed)).map(|u| u.unit_id).ok_or_else(|| {
        DomainError::invalid_field(field, "names no unit of the chosen property; check the number").into()
    })
}

/// What the list's form chose by name or number, as the API's filters.
struct ChosenFilters {
    /// The query for `GET /api/calllogs`: `unitNumber` replaced by the
    /// `unitId` it names (or a refusal saying it names none).
    api_params: Result<QueryParams, ServiceError>,
    unit_number: String,
    resident: Option<(ResidentId, String, String)>,
}

impl ChosenFilters {
    async fn read(
        state: &AppState,
        caller: &crate::domain::users::Caller,
        params: &QueryParams,
        query: &str,
    ) -> ChosenFilters {
        let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
        let mut unit_number = params.get("unitNumber").unwrap_or("").to_string();
        let resident = match params.id("residentId", ResidentId) {
            Ok(Some(id)) => match state.service.get_resident(caller, id).await {
                Ok(r) => {
                    let mut without = pairs.clone();
                    without.retain(|(n, _)| !n.eq_ignore_ascii_case("residentId") && !n.eq_ignore_ascii_case("page"));
                    let href = format!("/calls?{}", serde_urlencoded::to_string(&without).unwrap_or_default());
                    Some((id, r.full_name(), href))
                }
                Err(_) => None,
            },
            _ => None,
        };
        pairs.retain(|(n, _)| !n.eq_ignore_ascii_case("unitNumber"));
        let property_id = params.id("propertyId", PropertyId);
        let unit_id = params.id("unitId", UnitId);
        let api_params = async {
            let property_id = property_id?;
            // A unit from a link (a card's "all calls") shows as its number.
            if let Ok(Some(unit_id)) = unit_id {
                if unit_number.is_empty() {
                    if let Ok(unit) = state.service.get_unit(caller, unit_id).await {
                        unit_number = unit.unit_number;
                    }
                }
            }
            let typed = unit_number.trim();
            if !typed.is_empty() && unit_id.as_ref().is_ok_and(Option::is_none) {
                let unit_id = unit_by_number(state, caller, property_id, typed, "Unit").await?;
                pairs.push(("unitId".to_string(), unit_id.to_string()));
            }
            let rebuilt = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            Ok(QueryParams::parse(&rebuilt)?)
        }
        .await;
        ChosenFilters { api_params, unit_number, resident }
    }
}

/// The list's query with another page number.
fn with_page(query: &str, page: i64) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.retain(|(n, _)| !n.eq_ignore_ascii_case("page"));
    pairs.push(("page".into(), page.to_string()));
    format!("/calls?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
}

pub async fn call_list(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let session = session.as_ref().ok_or_else(|| PageFailure::SignIn { next: super::this_page(&req) })?;
        let caller = &session.caller;
        let params = QueryParams::parse(req.query_string())?;
        let status_list = state.service.list_statuses(caller, true).await?;
        let reason_list = state.service.list_reasons(caller, true).await?;
        let names = StatusNames::new(status_list.clone());
        let chosen_statuses = params.ids("status", StatusId).ok().flatten().unwrap_or_default();
        let chosen_reasons = params.ids("reason", ReasonId).ok().flatten().unwrap_or_default();
        let text = |name: &str| params.get(name).unwrap_or("").to_string();
        let chosen = ChosenFilters::read(&state, caller, &params, req.query_string()).await;
        let (_, property_list) = state
            .service
            .list_properties(
                caller,
                None,
                PropertyStatus::All,
                Page { number: 1, size: crate::domain::query::MAX_PAGE_SIZE },
            )
            .await?;
        let chosen_property = params.id("propertyId", PropertyId).ok().flatten();
        let taken_by = text("takenBy");
        let mut takers: Vec<(String, bool)> = state
            .service
            .staff_names(caller)
            .await?
            .into_iter()
            .map(|n| {
                let chosen = n.eq_ignore_ascii_case(&taken_by);
                (n, chosen)
            })
            .collect();
        // A name from a link that is no user's (a call's typed Takenby) stays choosable.
        if !taken_by.is_empty() && !takers.iter().any(|(_, chosen)| *chosen) {
            takers.insert(0, (taken_by.clone(), true));
        }
        let mut page = CallListPage {
            chrome: Chrome::new("Calls", Some(session)),
            message: None,
            rows: Vec::new(),
            total: 0,
            q: text("q"),
            statuses: status_list
                .iter()
                .map(|s| Choice {
                    id: s.module_status_id.0,
                    name: s.name.clone(),
                    selected: chosen_statuses.contains(&s.module_status_id),
                })
                .collect(),
            reasons: reason_list
                .iter()
                .map(|r| Choice {
                    id: r.call_log_reason_id.0,
                    name: r.name.clone(),
                    selected: chosen_reasons.contains(&r.call_log_reason_id),
                })
                .collect(),
            properties: property_list
                .into_iter()
                .map(|p| Choice {
                    id: p.property_id.0,
                    selected: chosen_property == Some(p.property_id),
                    name: p.property_name,
                })
                .collect(),
            unit_number: chosen.unit_number.clone(),
            takers,
            resident: chosen.resident.clone(),
            from: text("from"),
            to: text("to"),
            sort: text("sort"),
            order: text("order"),
            page: 1,
            page_size: 25,
            previous_url: None,
            next_url: None,
        };
        let listed = async {
            let params = chosen.api_params?;
            let filter = crate::wire::calllogs::read_filter(&params, &state.service.config.zone.current())?;
            let paging = params.page()?;
            let (total, logs) = state.service.list_call_logs(caller, ListScope::Everywhere, filter, paging).await?;
            Ok::<_, ServiceError>((total, logs, paging))
        }
        .await;
        match listed {
            Ok((total, logs, paging)) => {
                let now = Stamp::now();
                page.rows = call_rows(&state, caller, &logs, &names, now).await?;
                page.total = total;
                page.page = paging.number;
                page.page_size = paging.size;
                if paging.number > 1 {
                    page.previous_url = Some(with_page(req.query_string(), paging.number - 1));
                }
                if paging.number * paging.size < total {
                    page.next_url = Some(with_page(req.query_string(), paging.number + 1));
                }
                Ok(render(StatusCode::OK, &page))
            }
            Err(e) => match is_input_refusal(&e) {
                Some(refusal) => {
                    // The unit's problems are the page's own words (no typed text in them), said as they are.
                    page.message = Some(match refusal.errors.as_slice() {
                        [only] if only.field == "Unit" => format!("Unit: {}.", only.message),
                        _ => super::refusal_text(&refusal.message, &refusal.errors),
                    });
                    Ok(render(StatusCode::BAD_REQUEST, &page))
                }
                None => Err(e.into()),
            },
        }
    }
    .await;
    answer(result, session.as_ref())
}
