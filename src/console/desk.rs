//! `/desk` (the call desk: lookup, the chosen card, my open calls) and
//! `/desk/lookup`, the lookup for the page script (docs/console.md §1, §2).

use super::session::{self, Session};
use super::view::{age, When};
use super::{answer, render, Chrome, PageFailure, PageResult};
use crate::domain::calllogs::{CallLog, CallLogFilter, SortField};
use crate::domain::catalog::{ModuleStatus, StatusCategory};
use crate::domain::directory::PropertyStatus;
use crate::domain::ids::{LogId, PropertyId, ResidentId, StatusId, UnitId};
use crate::domain::lookup::{LookupHit, LookupKind, LookupQuery};
use crate::domain::query::{Page, MAX_PAGE_SIZE};
use crate::domain::time::Stamp;
use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::service::calllogs::ListScope;
use crate::state::AppState;
use crate::wire::query::QueryParams;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use std::collections::HashMap;

/// A call as a row of a short list.
pub struct CallRow {
    pub log_id: LogId,
    /// Where the call came from (docs/console.md §7: every list row shows it).
    pub place: Place,
    pub subject: String,
    pub call_from: String,
    pub status: String,
    /// The status's category (open, pending, closed), shown beside its name.
    pub category: String,
    pub created: When,
    pub age: String,
}

/// Status names and categories by id.
pub struct StatusNames(HashMap<StatusId, ModuleStatus>);

/// A status's category when its name does not already say it.
pub fn category_tag(name: &str, category: StatusCategory) -> Option<String> {
    let category = category.to_string();
    (!name.trim().eq_ignore_ascii_case(&category)).then_some(category)
}

/// A status as a choice in a list: its name, with its category when the
/// name does not already say it ("Open", "Waiting on vendor (pending)").
pub fn status_choice_name(name: &str, category: StatusCategory) -> String {
    match category_tag(name, category) {
        Some(category) => format!("{name} ({category})"),
        None => name.to_string(),
    }
}

impl StatusNames {
    pub fn new(statuses: Vec<ModuleStatus>) -> StatusNames {
        StatusNames(statuses.into_iter().map(|s| (s.module_status_id, s)).collect())
    }
    pub fn name(&self, id: StatusId) -> String {
        self.0.get(&id).map(|s| s.name.clone()).unwrap_or_else(|| format!("status {id}"))
    }
    /// The status's category as a tag beside its name, or nothing when the
    /// name already says it ("Open" is not shown as "Open open").
    pub fn category(&self, id: StatusId) -> String {
        self.0.get(&id).and_then(|s| category_tag(&s.name, s.category)).unwrap_or_default()
    }
    /// docs/console.md §1: open calls are those whose category is not `closed`.
    pub fn open_ids(&self) -> Vec<StatusId> {
        let mut ids: Vec<StatusId> =
            self.0.values().filter(|s| s.category != StatusCategory::Closed).map(|s| s.module_status_id).collect();
        ids.sort_unstable();
        ids
    }
}

/// A call's property by name and unit by number, for a row or a page.
#[derive(Debug, Clone)]
pub struct Place {
    pub property_id: PropertyId,
    pub property_name: String,
    pub unit_id: Option<UnitId>,
    pub unit_number: Option<String>,
}

/// The names of the properties and the numbers of the units of some calls,
/// read once for a whole list (two reads, whatever its length).
pub struct Places {
    properties: HashMap<PropertyId, String>,
    units: HashMap<UnitId, String>,
}

impl Places {
    pub async fn of(state: &AppState, caller: &Caller, logs: &[CallLog]) -> Result<Places, PageFailure> {
        let mut property_ids: Vec<PropertyId> = logs.iter().map(|l| l.property_id).collect();
        property_ids.sort_unstable();
        property_ids.dedup();
        let mut unit_ids: Vec<UnitId> = logs.iter().filter_map(|l| l.unit_id).collect();
        unit_ids.sort_unstable();
        unit_ids.dedup();
        let mut places = Places { properties: HashMap::new(), units: HashMap::new() };
        // Listed calls are all of the caller's properties, so asking for them by id is never refused.
        for ids in property_ids.chunks(MAX_PAGE_SIZE as usize) {
            let page = Page { number: 1, size: MAX_PAGE_SIZE };
            let (_, properties) =
                state.service.list_properties(caller, Some(ids.to_vec()), PropertyStatus::All, page).await?;
            places.properties.extend(properties.into_iter().map(|p| (p.property_id, p.property_name)));
        }
        for ids in unit_ids.chunks(MAX_PAGE_SIZE as usize) {
            let page = Page { number: 1, size: MAX_PAGE_SIZE };
            let (_, units) = state.service.units_by_ids(caller, ids.to_vec(), page).await?;
            places.units.extend(units.into_iter().map(|u| (u.unit_id, u.unit_number)));
        }
        Ok(places)
    }

    pub fn of_log(&self, log: &CallLog) -> Place {
        Place {
            property_id: log.property_id,
            property_name: self.properties.get(&log.property_id).cloned().unwrap_or_default(),
            unit_id: log.unit_id,
            unit_number: log.unit_id.and_then(|id| self.units.get(&id).cloned()),
        }
    }
}

/// The rows of a list of calls, with where each came from.
pub async fn call_rows(
    state: &AppState,
    caller: &Caller,
    logs: &[CallLog],
    statuses: &StatusNames,
    now: Stamp,
) -> Result<Vec<CallRow>, PageFailure> {
    let places = Places::of(state, caller, logs).await?;
    Ok(logs.iter().map(|l| call_row(l, places.of_log(l), statuses, state, now)).collect())
}

fn call_row(log: &CallLog, place: Place, statuses: &StatusNames, state: &AppState, now: Stamp) -> CallRow {
    CallRow {
        log_id: log.log_id,
        place,
        subject: log.subject.clone(),
        call_from: log.call_from.clone(),
        status: statuses.name(log.module_status_id),
        category: statuses.category(log.module_status_id),
        created: When::of(log.created_on, &state.service.config.zone.current()),
        age: age(log.created_on, now),
    }
}

/// A filter with every default of the API's list (newest first).
pub fn default_filter(state: &AppState) -> Result<CallLogFilter, PageFailure> {
    Ok(crate::wire::calllogs::read_filter(&QueryParams::parse("")?, &state.service.config.zone.current())?)
}

/// The chosen resident or unit: who, where, phones, open calls and the last calls.
struct Card {
    title: String,
    unit_label: String,
    property_id: PropertyId,
    property_name: String,
    phones: Vec<String>,
    residents: Vec<(ResidentId, String)>,
    new_call_url: String,
    open_calls: Vec<CallRow>,
    warning: Option<String>,
    recent_calls: Vec<CallRow>,
}

struct LookupLink {
    label: String,
    href: String,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage {
    chrome: Chrome,
    q: String,
    lookup_message: Option<String>,
    results: Option<Vec<LookupLink>>,
    /// The results are for names near the words typed ("Did you mean").
    suggested: bool,
    card: Option<Card>,
    /// An agent's or admin's own open calls; a viewer's newest calls of its properties.
    desk_calls: Vec<CallRow>,
    can_write: bool,
}

fn hit_link(hit: &LookupHit) -> LookupLink {
    let (href, kind) = match hit.kind {
        LookupKind::Resident => (format!("/desk?residentId={}", hit.id), "Resident"),
        LookupKind::Unit => (format!("/desk?unitId={}", hit.id), "Unit"),
        LookupKind::Property => (format!("/properties/{}", hit.id), "Property"),
        LookupKind::CallLog => (format!("/calls/{}", hit.id), "Call"),
    };
    LookupLink { label: hit.label.clone(), href, kind }
}

pub async fn desk(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let session = session::current_session(&state, &req).await;
    let result = match &session {
        Some(session) => desk_page(&state, &req, session).await,
        None => Err(PageFailure::SignIn { next: super::this_page(&req) }),
    };
    answer(result, session.as_ref())
}

/// How many of its properties' newest calls a viewer's desk lists.
const NEWEST_FOR_VIEWERS: i64 = 20;

async fn desk_page(state: &AppState, req: &HttpRequest, session: &Session) -> PageResult {
    let caller = &session.caller;
    let params = QueryParams::parse(req.query_string())?;
    let statuses = StatusNames::new(state.service.list_statuses(caller, true).await?);
    let now = Stamp::now();
    let q = params.get("q").unwrap_or("").trim().to_string();
    let (mut lookup_message, mut results, mut suggested) = (None, None, false);
    if !q.is_empty() {
        match LookupQuery::parse(&q) {
            Ok(query) => {
                let answer = state.service.lookup(caller, query, None).await?;
                suggested = answer.suggested;
                results = Some(answer.hits.iter().map(hit_link).collect());
            }
            Err(e) => lookup_message = Some(super::refusal_text(&e.message, &e.errors)),
        }
    }
    let card = if let Some(resident_id) = params.id("residentId", ResidentId)? {
        Some(resident_card(state, session, resident_id, &statuses, now).await?)
    } else if let Some(unit_id) = params.id("unitId", UnitId)? {
        Some(unit_card(state, session, unit_id, None, &statuses, now).await?)
    } else {
        None
    };
    let can_write = crate::service::access::Writer::allows(caller);
    // Agents and admins see the calls they took that are still open, oldest
    // first; a viewer takes no calls, so sees the newest of its properties.
    let mut listed = default_filter(state)?;
    listed.sort = SortField::CreatedOn;
    let shown = if can_write {
        listed.taken_by_exactly = Some(caller.display_name.clone());
        listed.statuses = Some(statuses.open_ids());
        listed.descending = false;
        Page { number: 1, size: 100 }
    } else {
        listed.descending = true;
        Page { number: 1, size: NEWEST_FOR_VIEWERS }
    };
    let (_, my_logs) = state.service.list_call_logs(caller, ListScope::Everywhere, listed, shown).await?;
    let page = DeskPage {
        chrome: Chrome::new("Desk", Some(session)),
        q,
        lookup_message,
        suggested,
        results,
        card,
        desk_calls: call_rows(state, caller, &my_logs, &statuses, now).await?,
        can_write,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn resident_card(
    state: &AppState,
    session: &Session,
    resident_id: ResidentId,
    statuses: &StatusNames,
    now: Stamp,
) -> Result<Card, PageFailure> {
    let resident = state.service.get_resident(&session.caller, resident_id).await?;
    // docs/api.md §6: one who has moved out keeps their card (old calls) but is
    // not offered for a new call; "Log a call" logs it for the unit.
    let moved_out = resident.moved_out(now);
    let title = if moved_out { format!("{} (moved out)", resident.full_name()) } else { resident.full_name() };
    let mut card = unit_card(state, session, resident.unit_id, Some(title), statuses, now).await?;
    card.phones = [
        ("Unit", &resident.resident_unitphone),
        ("Cell", &resident.resident_cellphone),
        ("Work", &resident.resident_workphone),
        ("Other", &resident.resident_otherphone),
    ]
    .into_iter()
    .filter_map(|(kind, phone)| phone.as_ref().filter(|p| !p.trim().is_empty()).map(|p| format!("{kind}: {p}")))
    .collect();
    if !moved_out {
        card.new_call_url = format!("/calls/new?residentId={resident_id}");
    }
    Ok(card)
}

async fn unit_card(
    state: &AppState,
    session: &Session,
    unit_id: UnitId,
    resident_name: Option<String>,
    statuses: &StatusNames,
    now: Stamp,
) -> Result<Card, PageFailure> {
    let caller = &session.caller;
    let unit = state.service.get_unit(caller, unit_id).await?;
    let property = state.service.get_property(caller, unit.property_id).await?;
    let residents = state.service.unit_residents(caller, unit_id).await?;
    let mut open = default_filter(state)?;
    open.statuses = Some(statuses.open_ids());
    open.sort = SortField::CreatedOn;
    open.descending = false;
    let (open_total, open_logs) =
        state.service.list_call_logs(caller, ListScope::Unit(unit_id), open, Page { number: 1, size: 9 }).await?;
    let (_, recent_logs) = state
        .service
        .list_call_logs(caller, ListScope::Unit(unit_id), default_filter(state)?, Page { number: 1, size: 10 })
        .await?;
    let unit_label = format!("Unit {}", unit.unit_number);
    let warning = match open_total {
        0 => None,
        1 => Some(format!("1 open call for unit {}", unit.unit_number)),
        n => Some(format!("{n} open calls for unit {}", unit.unit_number)),
    };
    Ok(Card {
        title: resident_name.unwrap_or_else(|| unit_label.clone()),
        unit_label,
        property_id: property.property_id,
        property_name: property.property_name,
        phones: Vec::new(),
        residents: residents.iter().filter(|r| !r.moved_out(now)).map(|r| (r.resident_id, r.full_name())).collect(),
        new_call_url: format!("/calls/new?unitId={unit_id}"),
        open_calls: call_rows(state, caller, &open_logs, statuses, now).await?,
        warning,
        recent_calls: call_rows(state, caller, &recent_logs, statuses, now).await?,
    })
}

/// `GET /desk/lookup?q=`: the answer of `GET /api/lookup`, for this site's
/// pages only, authenticated by the session cookie. Answers JSON (errors in
/// the API's format) since only the page script reads it.
pub async fn lookup(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let result: Result<HttpResponse, ApiError> = async {
        if !session::is_same_origin_read(&req) {
            return Err(ApiError::from(crate::domain::error::DomainError::insufficient_role(
                "The lookup answers this site's pages only.",
            )));
        }
        let session = session::current_session(&state, &req).await.ok_or_else(|| {
            ApiError::from(crate::domain::error::DomainError::invalid_credentials(
                "Your session has ended; sign in again.",
            ))
        })?;
        let params = QueryParams::parse(req.query_string())?;
        let text = params.get("q").ok_or_else(|| ApiError::invalid_field("q", "is required, e.g. ?q=cole"))?;
        let query = LookupQuery::parse(text)?;
        let property_id = params.id("propertyId", PropertyId)?;
        let answer = state.service.lookup(&session.caller, query, property_id).await?;
        crate::wire::ok_json(&state, answer)
    }
    .await;
    result.unwrap_or_else(|e| actix_web::ResponseError::error_response(&e))
}
