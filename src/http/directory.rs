//! API.md §6: properties, units, residents, and the directory import.

use crate::domain::directory::{ImportBatch, PropertyStatus, UnitSort};
use crate::domain::lookup::LookupQuery;
use crate::domain::query::ListWrapper;
use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::http::{ok_json, path_id, query, require_body, resource, BodyKinds, Handler};
use crate::service::directory::UnitQuery;
use crate::state::AppState;
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
        .service(resource("/api/admin/import").route(web::post().to(import)))
        .service(resource("/api/lookup").route(web::get().to(lookup)));
}

async fn get_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property = state.service.get_property(&caller, path_id(&req, "id")?).await?;
    ok_json(&state, &property)
}

async fn list_properties(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let page = params.page()?;
    let ids = params.ids("ids")?;
    let status = params.choice::<PropertyStatus>("PropertyStatus")?.unwrap_or(PropertyStatus::Active);
    let (total, rows) = state.service.list_properties(&caller, ids, status, page).await?;
    ok_json(&state, &ListWrapper::new(total, rows))
}

async fn units_of_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = path_id(&req, "id")?;
    let params = query(&req)?;
    let page = params.page()?;
    let unit_query = UnitQuery {
        sort: params.choice::<UnitSort>("sort")?.unwrap_or(UnitSort::DisplayOrder),
        number_prefix: params.get("unitNumber").map(str::to_lowercase),
        resident_name: params.get("residentName").map(str::to_lowercase),
    };
    let units = state.service.units_of_property(&caller, property_id, unit_query).await?;
    ok_json(&state, &ListWrapper::paged(units, page))
}

async fn residents_of_property(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let property_id = path_id(&req, "id")?;
    let params = query(&req)?;
    let page = params.page()?;
    let name = params.get("name").map(str::to_lowercase);
    let residents = state.service.residents_of_property(&caller, property_id, name).await?;
    ok_json(&state, &ListWrapper::paged(residents, page))
}

async fn units_by_ids(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let page = params.page()?;
    let ids =
        params.ids("unitIds")?.ok_or_else(|| ApiError::invalid_field("unitIds", "is required, e.g. ?unitIds=1,2,3"))?;
    let (total, rows) = state.service.units_by_ids(&caller, ids, page).await?;
    ok_json(&state, &ListWrapper::new(total, rows))
}

async fn get_unit(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let unit = state.service.get_unit(&caller, path_id(&req, "id")?).await?;
    ok_json(&state, &unit)
}

async fn unit_owner(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let owner = state.service.unit_owner(&caller, path_id(&req, "id")?).await?;
    ok_json(&state, &owner)
}

async fn unit_residents(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let page = query(&req)?.page()?;
    let residents = state.service.unit_residents(&caller, path_id(&req, "id")?).await?;
    ok_json(&state, &ListWrapper::paged(residents, page))
}

async fn get_resident(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let resident = state.service.get_resident(&caller, path_id(&req, "id")?).await?;
    ok_json(&state, &resident)
}

async fn import(state: web::Data<AppState>, caller: Caller, req: HttpRequest, body: web::Payload) -> Handler {
    caller.require_admin()?;
    let mut f = require_body(&req, body, BodyKinds::Json).await?;
    let properties = f.objects("Properties").unwrap_or_default();
    let units = f.objects("Units").unwrap_or_default();
    let residents = f.objects("Residents").unwrap_or_default();
    f.finish()?;
    let zone = &state.service.config.zone;
    let batch = ImportBatch::read(properties, units, residents, zone, |list, i| format!("{list}[{i}]."));
    let counts = state.service.import_directory(&caller, batch).await?;
    ok_json(&state, &counts)
}

/// `GET /api/lookup?q=TEXT[&propertyId=ID]` (API.md §10).
async fn lookup(state: web::Data<AppState>, caller: Caller, req: HttpRequest) -> Handler {
    let params = query(&req)?;
    let text = params.get("q").ok_or_else(|| ApiError::invalid_field("q", "is required, e.g. ?q=cole"))?;
    let lookup_query = LookupQuery::parse(text)?;
    let property_id = params.id("propertyId")?;
    let hits = state.service.lookup(&caller, lookup_query, property_id).await?;
    ok_json(&state, &ListWrapper::new(hits.len() as i64, hits))
}
