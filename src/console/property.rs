//! `/properties/{PropertyId}`: a property's board — counts by status
//! category, its open calls oldest first, its units with their open counts.

use super::desk::{call_rows, default_filter, CallRow, StatusNames};
use super::{answer, render, Chrome, PageFailure};
use crate::domain::calllogs::{CategoryCounts, SortField};
use crate::domain::directory::UnitSort;
use crate::domain::ids::{PropertyId, UnitId};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::service::calllogs::ListScope;
use crate::service::directory::UnitQuery;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use std::collections::HashMap;

struct UnitLine {
    unit_id: UnitId,
    unit_number: String,
    counts: CategoryCounts,
}

#[derive(Template)]
#[template(path = "property.html")]
struct PropertyBoard {
    chrome: Chrome,
    property_id: PropertyId,
    property_name: String,
    counts: CategoryCounts,
    open_calls: Vec<CallRow>,
    open_total: i64,
    units: Vec<UnitLine>,
    can_write: bool,
}

pub async fn board(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let session = super::session::current_session(&state, &req).await;
    let result = async {
        let session = session.as_ref().ok_or_else(|| PageFailure::SignIn { next: super::this_page(&req) })?;
        let caller = &session.caller;
        let raw = req.match_info().get("property_id").unwrap_or("");
        let property_id =
            raw.parse::<i64>().ok().filter(|id| *id > 0).map(PropertyId).ok_or_else(|| PageFailure::Refused {
                status: StatusCode::NOT_FOUND,
                // Not repeated: the path is free text (docs/console.md §5).
                message: "There is no such property.".into(),
            })?;
        let property = state.service.get_property(caller, property_id).await?;
        let counts = state.service.property_summary(caller, property_id).await?;
        let statuses = StatusNames::new(state.service.list_statuses(caller, true).await?);
        let mut open = default_filter(&state)?;
        open.statuses = Some(statuses.open_ids());
        open.sort = SortField::CreatedOn;
        open.descending = false;
        let (open_total, open_logs) = state
            .service
            .list_call_logs(caller, ListScope::Property(property_id), open, Page { number: 1, size: 100 })
            .await?;
        let unit_counts: HashMap<UnitId, CategoryCounts> =
            state.service.unit_summary(caller, property_id).await?.into_iter().map(|u| (u.unit_id, u.counts)).collect();
        let units = state
            .service
            .units_of_property(
                caller,
                property_id,
                UnitQuery { number_prefix: None, resident_name: None, sort: UnitSort::DisplayOrder },
            )
            .await?;
        let now = Stamp::now();
        let board = PropertyBoard {
            chrome: Chrome::new(property.property_name.clone(), Some(session)),
            property_id,
            property_name: property.property_name,
            counts,
            open_calls: call_rows(&state, caller, &open_logs, &statuses, now).await?,
            open_total,
            units: units
                .into_iter()
                .map(|u| UnitLine {
                    counts: unit_counts.get(&u.unit_id).copied().unwrap_or_default(),
                    unit_id: u.unit_id,
                    unit_number: u.unit_number,
                })
                .collect(),
            can_write: crate::service::access::Writer::allows(caller),
        };
        Ok(render(StatusCode::OK, &board))
    }
    .await;
    answer(result, session.as_ref())
}
