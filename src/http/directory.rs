//! docs/api.md §6: properties, units, residents, and the directory import.

use crate::domain::directory::{PropertyStatus, UnitSort};
use crate::domain::ids::{PropertyId, ResidentId, UnitId};
use crate::domain::lookup::LookupQuery;
use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::http::{ok_json, path_id, query, resource, Handler};
use crate::service::access::Admin;
use crate::service::directory::UnitQuery;
use crate::state::AppState;
use crate::wire::import::read_import_body;
use crate::wire::query::ListWrapper;
use actix_web::http::Method;
use actix_web::{web, HttpRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/properties", [(Method::GET, web::to(list_properties))]))
        .service(resource("/api/properties/{id}", [(Method::GET, web::to(get_property))]))
        .service(resource("/api/properties/{id}/units", [(Method::GET, web::to(units_of_property))]))
        .service(resource("/api/properties/{id}/residents", [(Method::GET, web::to(residents_of_property))]))
        .service(resource("/api/units", [(Method::GET, web::to(units_by_ids))]))
        .service(resource("/api/units/{id}", [(Method::GET, web::to(get_unit))]))
        .service(resource("/api/units/{id}/owner", [(Method::GET, web::to(unit_owner))]))
        .service(resource("/api/units/{id}/residents", [(Method::GET, web::to(unit_residents))]))
        .service(resource("/api/residents/{id}", [(Method::GET, web::to(get_resident))]))
        .service(resource("/api/admin/import", [(Method::POST, web::to(import))]))
        .service(resource("/api/lookup", [(Method::GET, web::to(lookup))]));
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}",
    tag = "directory",
    summary = "One property (linked user).",
    responses(
        (status = 200, description = "the property", body = crate::wire::models::Property),
    )
)]
async fn get_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property = state.service.get_property(&caller, path_id(&req, "id", PropertyId)?).await?;
    ok_json(&state, property)
}

#[utoipa::path(
    get,
    path = "/api/properties",
    tag = "directory",
    summary = "The caller's properties; naming an unlinked one in ids is 403/105.",
    responses(
        (status = 200, description = "properties", body = crate::wire::query::ListWrapper<crate::wire::models::Property>),
    )
)]
async fn list_properties(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let page = params.page()?;
    let ids = params.ids("ids", PropertyId)?;
    let status = params.choice::<PropertyStatus>("PropertyStatus")?.unwrap_or(PropertyStatus::Active);
    let (total, rows) = state.service.list_properties(&caller, ids, status, page).await?;
    ok_json(&state, ListWrapper::new(total, rows))
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/units",
    tag = "directory",
    summary = "A property's units (linked user).",
    responses(
        (status = 200, description = "units", body = crate::wire::query::ListWrapper<crate::wire::models::Unit>),
    )
)]
async fn units_of_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = path_id(&req, "id", PropertyId)?;
    let params = query(&req)?;
    let page = params.page()?;
    let unit_query = UnitQuery {
        sort: params.choice::<UnitSort>("sort")?.unwrap_or(UnitSort::DisplayOrder),
        number_prefix: params.text_key("unitNumber"),
        resident_name: params.text_key("residentName"),
    };
    let units = state.service.units_of_property(&caller, property_id, unit_query).await?;
    ok_json(&state, ListWrapper::paged(units, page))
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/residents",
    tag = "directory",
    summary = "A property's residents (linked user).",
    responses(
        (status = 200, description = "residents", body = crate::wire::query::ListWrapper<crate::wire::models::Resident>),
    )
)]
async fn residents_of_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = path_id(&req, "id", PropertyId)?;
    let params = query(&req)?;
    let page = params.page()?;
    let name = params.text_key("name");
    let residents = state.service.residents_of_property(&caller, property_id, name).await?;
    ok_json(&state, ListWrapper::paged(residents, page))
}

#[utoipa::path(
    get,
    path = "/api/units",
    tag = "directory",
    summary = "Units by id, among those the caller may see.",
    responses(
        (status = 200, description = "units", body = crate::wire::query::ListWrapper<crate::wire::models::Unit>),
    )
)]
async fn units_by_ids(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let page = params.page()?;
    let ids = params
        .ids("unitIds", UnitId)?
        .ok_or_else(|| ApiError::invalid_field("unitIds", "is required, e.g. ?unitIds=1,2,3"))?;
    let (total, rows) = state.service.units_by_ids(&caller, ids, page).await?;
    ok_json(&state, ListWrapper::new(total, rows))
}

#[utoipa::path(
    get,
    path = "/api/units/{unitId}",
    tag = "directory",
    summary = "One unit (linked user).",
    responses(
        (status = 200, description = "the unit", body = crate::wire::models::Unit),
    )
)]
async fn get_unit(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let unit = state.service.get_unit(&caller, path_id(&req, "id", UnitId)?).await?;
    ok_json(&state, unit)
}

#[utoipa::path(
    get,
    path = "/api/units/{unitId}/owner",
    tag = "directory",
    summary = "The unit's first resident of ResidentType 1 (Owner); 404/106 if none.",
    responses(
        (status = 200, description = "the owner", body = crate::wire::models::Resident),
    )
)]
async fn unit_owner(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let owner = state.service.unit_owner(&caller, path_id(&req, "id", UnitId)?).await?;
    ok_json(&state, owner)
}

#[utoipa::path(
    get,
    path = "/api/units/{unitId}/residents",
    tag = "directory",
    summary = "The unit's residents (linked user).",
    responses(
        (status = 200, description = "residents", body = crate::wire::query::ListWrapper<crate::wire::models::Resident>),
    )
)]
async fn unit_residents(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let page = query(&req)?.page()?;
    let residents = state.service.unit_residents(&caller, path_id(&req, "id", UnitId)?).await?;
    ok_json(&state, ListWrapper::paged(residents, page))
}

#[utoipa::path(
    get,
    path = "/api/residents/{residentId}",
    tag = "directory",
    summary = "One resident (linked user).",
    responses(
        (status = 200, description = "the resident", body = crate::wire::models::Resident),
    )
)]
async fn get_resident(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let resident = state.service.get_resident(&caller, path_id(&req, "id", ResidentId)?).await?;
    ok_json(&state, resident)
}

#[utoipa::path(
    post,
    path = "/api/admin/import",
    tag = "directory",
    summary = "Upsert the directory by id, all or nothing (admin). Rows whose references do not resolve (a unit of an unknown property, a resident of another unit) are 400/114, each named in Errors (Units[3].PropertyId): the first 100 problems, with the number in all in Message.",
    responses(
        (status = 200, description = "rows written", body = crate::wire::models::ImportCounts),
    )
)]
async fn import(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    // One import at a time, admitted before its body is read (docs/api.md §6: memory).
    let caller = Admin::of(&caller)?;
    let permit = state.service.admit_import(&caller).await?;
    let batch = read_import_body(&req, body, state.service.config.zone.current()).await?;
    let counts = state.service.import_directory(&caller, permit, batch).await?;
    ok_json(&state, counts)
}

/// `GET /api/lookup?q=TEXT[&propertyId=ID]` (docs/api.md §9).
#[utoipa::path(
    get,
    path = "/api/lookup",
    tag = "directory",
    summary = "Who is on the phone: residents by name or phone digits, then units, properties and call logs; at most 20, within the caller's properties.",
    responses(
        (status = 200, description = "the matches, residents first; `Suggested` when they are for names near the words typed", body = crate::wire::models::LookupAnswer),
    )
)]
async fn lookup(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let text = params.raw("q").ok_or_else(|| ApiError::invalid_field("q", "is required, e.g. ?q=cole"))?;
    let lookup_query = LookupQuery::parse(text)?;
    let property_id = params.id("propertyId", PropertyId)?;
    let answer = state.service.lookup(&caller, lookup_query, property_id).await?;
    ok_json(&state, answer)
}
