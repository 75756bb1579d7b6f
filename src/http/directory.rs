//! API.md §6: properties, units, residents, and the directory import.

use crate::app::AppState;
use crate::domain::directory::{ImportBatch, Property, Resident, Unit};
use crate::domain::query::{ListWrapper, QueryParams};
use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::http::{ok_json, path_id, query, require_body, resource, BodyKinds, Handler};
use crate::store::directory::{self as store, PropertyStatusFilter, UnitSort};
use actix_web::{web, HttpRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/api/properties").route(web::get().to(list_properties)))
        .service(resource("/api/properties/{id}").route(web::get().to(get_property)))
        .service(resource("/api/properties/{id}/units").route(web::get().to(units_of_property)))
        .service(resource("/api/properties/{id}/residents").route(web::get().to(residents_of_property)))
        .service(resource("/api/units").route(web::get().to(units_by_ids)))
        .service(resource("/api/units/{id}").route(web::get().to(get_unit)))
        .service(resource("/api/units/{id}/owner").route(web::get().to(unit_owner)))
        .service(resource("/api/units/{id}/residents").route(web::get().to(unit_residents)))
        .service(resource("/api/residents/{id}").route(web::get().to(get_resident)))
        .service(resource("/api/admin/import").route(web::post().to(import)));
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

async fn get_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property = visible_property(&state, &caller, path_id(&req, "id")?).await?;
    ok_json(&state, &property)
}

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

async fn get_unit(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let unit = visible_unit(&state, &caller, path_id(&req, "id")?).await?;
    ok_json(&state, &unit)
}

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

async fn unit_residents(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let page = query(&req)?.page()?;
    let unit = visible_unit(&state, &caller, path_id(&req, "id")?).await?;
    let unit_id = unit.unit_id;
    let residents = state.store.read(move |conn| store::residents_of_unit(conn, unit_id)).await?;
    ok_json(&state, &ListWrapper::paged(residents, page))
}

async fn get_resident(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let resident = visible_resident(&state, &caller, path_id(&req, "id")?).await?;
    ok_json(&state, &resident)
}

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
