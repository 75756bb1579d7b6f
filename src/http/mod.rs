//! JSON API handlers, one file per resource: parse the request, call the
//! service, shape the answer. No SQL and no connection here. This module
//! holds what they share beyond `wire` (which the console shares too):
//! path ids, `PUT` and `201` answers, `Allow`, and the route table.

pub mod audit;
pub mod calllogs;
pub mod catalog;
pub mod directory;
pub mod docs;
pub mod openapi;
pub mod ops;
pub mod settings;
pub mod users;

use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::input::Fields;
use crate::wire::models::IntoWire;
use crate::wire::query::QueryParams;
pub use crate::wire::{json_response, ok_json, read_body, BodyKinds, Handler, MAX_BODY_BYTES, MAX_IMPORT_BYTES};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};

/// A body that must be present.
pub async fn require_body(req: &HttpRequest, payload: web::Payload, kinds: BodyKinds) -> Result<Fields, ApiError> {
    read_body(req, payload, kinds).await?.ok_or_else(|| ApiError::missing("A request body is required."))
}

/// A positive id from the path, as the id type `id` makes of it, else 114.
pub fn path_id<T>(req: &HttpRequest, name: &str, id: fn(i64) -> T) -> Result<T, ApiError> {
    let raw = req.match_info().get(name).unwrap_or("");
    match raw.parse::<i64>() {
        Ok(number) if number > 0 => Ok(id(number)),
        _ => Err(ApiError::invalid(format!("{raw:?} in the path is not a valid id; ids are positive integers."))),
    }
}

pub fn query(req: &HttpRequest) -> Result<QueryParams, ApiError> {
    Ok(QueryParams::parse(req.query_string())?)
}

pub fn created(state: &AppState, location: &str, body: impl IntoWire) -> Handler {
    let mut response = json_response(state, StatusCode::CREATED, body);
    if let Ok(value) = header::HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Whether the request carries `Prefer: return=representation`.
pub fn wants_representation(req: &HttpRequest) -> bool {
    req.headers().get_all("prefer").any(|v| {
        v.to_str()
            .map(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("return=representation")))
            .unwrap_or(false)
    })
}

/// A `PUT` answer: 200 with an empty body, or the resource when asked for it.
pub fn put_answer(state: &AppState, req: &HttpRequest, resource: impl IntoWire) -> Handler {
    if wants_representation(req) {
        ok_json(state, resource)
    } else {
        Ok(HttpResponse::Ok().finish())
    }
}

pub fn no_content() -> Handler {
    Ok(HttpResponse::NoContent().finish())
}

pub async fn unknown_route(req: HttpRequest) -> Handler {
    Err(ApiError::not_found(format!("There is no route {} {}.", req.method(), req.path())))
}

/// The `Allow` value of a resource serving `methods`: those, `HEAD` beside
/// `GET` (the app answers it wherever `GET` is served), then `OPTIONS`,
/// which every resource answers.
fn allow_value(methods: &[Method]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for method in methods {
        names.push(method.as_str());
        if *method == Method::GET {
            names.push(Method::HEAD.as_str());
        }
    }
    names.push("OPTIONS");
    names.join(", ")
}

/// docs/api.md §8 (RFC 9110): a known path with a method it does not serve
/// answers 405/112 with `Allow`, listing what it does serve.
fn wrong_method(req: &HttpRequest, allow: &str) -> HttpResponse {
    let mut response =
        actix_web::ResponseError::error_response(&ApiError::method_not_allowed(req.method().as_str(), req.path()));
    if let Ok(value) = header::HeaderValue::from_str(allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

#[cfg(feature = "testing")]
use std::{collections::BTreeSet, sync::Mutex};

/// Every (method, path) the app serves, as registered through [`resource`];
/// tests compare it with `/api/openapi.json` (served ⇔ documented). Kept
/// only in builds for the tests (the `testing` feature): the server has no
/// use for it.
#[cfg(feature = "testing")]
static SERVED: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());

#[cfg(feature = "testing")]
pub fn served_routes() -> Vec<(String, String)> {
    SERVED.lock().map(|set| set.iter().cloned().collect()).unwrap_or_default()
}

/// A resource serving `routes`, each method once. Any other method answers
/// 405/112 with `Allow`; `OPTIONS` answers 204 with the same `Allow`. The
/// methods are given here, beside their handlers, so `Allow` cannot drift
/// from what is served.
pub fn resource<const N: usize>(path: &'static str, routes: [(Method, actix_web::Route); N]) -> actix_web::Resource {
    let methods: Vec<Method> = routes.iter().map(|(m, _)| m.clone()).collect();
    #[cfg(feature = "testing")]
    if let Ok(mut served) = SERVED.lock() {
        served.extend(methods.iter().map(|m| (m.to_string(), path.to_string())));
    }
    let allow = allow_value(&methods);
    let mut resource = web::resource(path);
    for (method, route) in routes {
        resource = resource.route(route.method(method));
    }
    let for_options = allow.clone();
    resource
        .route(web::route().method(Method::OPTIONS).to(move || {
            let allow = for_options.clone();
            async move { HttpResponse::NoContent().insert_header((header::ALLOW, allow)).finish() }
        }))
        .default_service(web::to(move |req: HttpRequest| {
            let response = wrong_method(&req, &allow);
            async move { response }
        }))
}

/// The route table; paths are lower case because requests are lower-cased
/// before routing (docs/api.md §1: paths match case-insensitively).
pub fn routes(cfg: &mut web::ServiceConfig) {
    // Routes are tried in order, each pattern with a parameter by a regex:
    // the call logs, nearly every request, come first.
    calllogs::routes(cfg);
    users::routes(cfg);
    audit::routes(cfg);
    catalog::routes(cfg);
    directory::routes(cfg);
    settings::routes(cfg);
    ops::routes(cfg);
    docs::routes(cfg);
}
