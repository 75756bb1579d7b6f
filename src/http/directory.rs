//! API.md §6: properties, units, residents, and the directory import.

use crate::app::AppState;
use crate::domain::directory::{ImportBatch, Property, Resident, Unit};
use crate::domain::query::{ListWrapper, QueryParams};
use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::http::{ok_json, path_id, query, require_body, resource, BodyKinds, Handler};
use crate::store::directory::{self as store, PropertyStatusFilter, UnitSort};
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
        .service(resource("/api/admin/import", [(Method::POST, web::to(import))]));
}

/// The property, when it exists and the caller may see it (404, then 403).
pub async fn visible_property(state: &AppState, caller: &Caller, property_id: i64) -> Result<Property, ApiError> {
    let property = state
        .store
        .read(move |conn| store::get_property(conn, property_id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no property {property_id}.")))?;
    caller.require_property(property_id)?;
    Ok(property)
}

pub async fn visible_unit(state: &AppState, caller: &Caller, unit_id: i64) -> Result<Unit, ApiError> {
    let unit = state
        .store
        .read(move |conn| store::get_unit(conn, unit_id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no unit {unit_id}.")))?;
    caller.require_property(unit.property_id)?;
    Ok(unit)
}

pub async fn visible_resident(state: &AppState, caller: &Caller, resident_id: i64) -> Result<Resident, ApiError> {
    let resident = state
        .store
        .read(move |conn| store::get_resident(conn, resident_id))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("There is no resident {resident_id}.")))?;
    caller.require_property(resident.property_id)?;
    Ok(resident)
}

/// `PropertyStatus=Active|Inactive|All` (any case), `Active` when absent.
pub fn property_status(params: &QueryParams) -> Result<PropertyStatusFilter, ApiError> {
    Ok(match params.choice("PropertyStatus", &["Active", "Inactive", "All"])? {
        None | Some("Active") => PropertyStatusFilter::Active,
        Some("Inactive") => PropertyStatusFilter::Inactive,
        Some(_) => PropertyStatusFilter::All,
    })
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}",
    tag = "directory",
    summary = "One property (linked user).",
    responses(
        (status = 200, description = "the property", body = crate::domain::directory::Property),
    )
)]
async fn get_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property = visible_property(&state, &caller, path_id(&req, "id")?).await?;
    ok_json(&state, &property)
}

#[utoipa::path(
    get,
    path = "/api/properties",
    tag = "directory",
    summary = "The caller's properties; naming an unlinked one in ids is 403/105.",
    responses(
        (status = 200, description = "properties", body = crate::domain::query::ListWrapper<crate::domain::directory::Property>),
    )
)]
async fn list_properties(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let page = params.page()?;
    let ids = params.ids("ids")?;
    if let Some(ids) = &ids {
        for id in ids {
            caller.require_property(*id)?;
        }
    }
    let status = property_status(&params)?;
    let scope = caller.property_scope().map(<[i64]>::to_vec);
    let (total, rows) = state
        .store
        .read(move |conn| {
            store::list_properties(conn, scope.as_deref(), ids.as_deref(), status, page.size, page.offset())
        })
        .await?;
    ok_json(&state, &ListWrapper::new(total, rows))
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/units",
    tag = "directory",
    summary = "A property's units (linked user).",
    responses(
        (status = 200, description = "units", body = crate::domain::query::ListWrapper<crate::domain::directory::Unit>),
    )
)]
async fn units_of_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = path_id(&req, "id")?;
    let params = query(&req)?;
    let page = params.page()?;
    let sort = match params.choice("sort", &["unitdisplayorder", "unitnumber"])? {
        None | Some("unitdisplayorder") => UnitSort::DisplayOrder,
        Some(_) => UnitSort::UnitNumber,
    };
    let number_prefix = params.get("unitNumber").map(str::to_lowercase);
    let resident_name = params.get("residentName").map(str::to_lowercase);
    visible_property(&state, &caller, property_id).await?;
    let units = state
        .store
        .read(move |conn| {
            let mut units = store::units_of_property(conn, property_id, sort)?;
            if let Some(prefix) = &number_prefix {
                units.retain(|u| u.unit_number.to_lowercase().starts_with(prefix.as_str()));
            }
            if let Some(name) = &resident_name {
                let residents = store::residents_of_property(conn, property_id)?;
                let matching: std::collections::HashSet<i64> =
                    residents.iter().filter(|r| r.name_contains(name)).map(|r| r.unit_id).collect();
                units.retain(|u| matching.contains(&u.unit_id));
            }
            Ok(units)
        })
        .await?;
    ok_json(&state, &ListWrapper::paged(units, page))
}

#[utoipa::path(
    get,
    path = "/api/properties/{propertyId}/residents",
    tag = "directory",
    summary = "A property's residents (linked user).",
    responses(
        (status = 200, description = "residents", body = crate::domain::query::ListWrapper<crate::domain::directory::Resident>),
    )
)]
async fn residents_of_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = path_id(&req, "id")?;
    let params = query(&req)?;
    let page = params.page()?;
    let name = params.get("name").map(str::to_lowercase);
    visible_property(&state, &caller, property_id).await?;
    let mut residents = state.store.read(move |conn| store::residents_of_property(conn, property_id)).await?;
    if let Some(name) = &name {
        residents.retain(|r| r.name_contains(name));
    }
    ok_json(&state, &ListWrapper::paged(residents, page))
}

#[utoipa::path(
    get,
    path = "/api/units",
    tag = "directory",
    summary = "Units by id, among those the caller may see.",
    responses(
        (status = 200, description = "units", body = crate::domain::query::ListWrapper<crate::domain::directory::Unit>),
    )
)]
async fn units_by_ids(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let page = params.page()?;
    let ids =
        params.ids("unitIds")?.ok_or_else(|| ApiError::invalid_field("unitIds", "is required, e.g. ?unitIds=1,2,3"))?;
    let scope = caller.property_scope().map(<[i64]>::to_vec);
    let (total, rows) = state
        .store
        .read(move |conn| store::units_by_ids(conn, scope.as_deref(), &ids, page.size, page.offset()))
        .await?;
    ok_json(&state, &ListWrapper::new(total, rows))
}

#[utoipa::path(
    get,
    path = "/api/units/{unitId}",
    tag = "directory",
    summary = "One unit (linked user).",
    responses(
        (status = 200, description = "the unit", body = crate::domain::directory::Unit),
    )
)]
async fn get_unit(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let unit = visible_unit(&state, &caller, path_id(&req, "id")?).await?;
    ok_json(&state, &unit)
}

#[utoipa::path(
    get,
    path = "/api/units/{unitId}/owner",
    tag = "directory",
    summary = "The unit's first resident of ResidentType 1 (Owner); 404/106 if none.",
    responses(
        (status = 200, description = "the owner", body = crate::domain::directory::Resident),
    )
)]
async fn unit_owner(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let unit = visible_unit(&state, &caller, path_id(&req, "id")?).await?;
    let unit_id = unit.unit_id;
    let owner = state
        .store
        .read(move |conn| store::residents_of_unit(conn, unit_id))
        .await?
        .into_iter()
        .find(|r| r.resident_type == Some(1))
        .ok_or_else(|| ApiError::not_found(format!("Unit {unit_id} has no resident of type 1 (Owner).")))?;
    ok_json(&state, &owner)
}

#[utoipa::path(
    get,
    path = "/api/units/{unitId}/residents",
    tag = "directory",
    summary = "The unit's residents (linked user).",
    responses(
        (status = 200, description = "residents", body = crate::domain::query::ListWrapper<crate::domain::directory::Resident>),
    )
)]
async fn unit_residents(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let page = query(&req)?.page()?;
    let unit = visible_unit(&state, &caller, path_id(&req, "id")?).await?;
    let unit_id = unit.unit_id;
    let residents = state.store.read(move |conn| store::residents_of_unit(conn, unit_id)).await?;
    ok_json(&state, &ListWrapper::paged(residents, page))
}

#[utoipa::path(
    get,
    path = "/api/residents/{residentId}",
    tag = "directory",
    summary = "One resident (linked user).",
    responses(
        (status = 200, description = "the resident", body = crate::domain::directory::Resident),
    )
)]
async fn get_resident(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let resident = visible_resident(&state, &caller, path_id(&req, "id")?).await?;
    ok_json(&state, &resident)
}

#[utoipa::path(
    post,
    path = "/api/admin/import",
    tag = "directory",
    summary = "Upsert the directory by id, all or nothing (admin). Rows whose references do not resolve (a unit of an unknown property, a resident of another unit) are 400/114, each named in Errors (Units[3].PropertyId).",
    responses(
        (status = 200, description = "rows written", body = crate::domain::directory::ImportCounts),
    )
)]
async fn import(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let mut f = require_body(&req, body, BodyKinds::Json).await?;
    let properties = f.objects("Properties").unwrap_or_default();
    let units = f.objects("Units").unwrap_or_default();
    let residents = f.objects("Residents").unwrap_or_default();
    f.finish()?;
    let batch = ImportBatch::read(properties, units, residents, &state.config.zone, |list, i| format!("{list}[{i}]."));
    let counts = state.store.write(move |conn| store::import(conn, batch)).await?;
    ok_json(&state, &counts)
}
