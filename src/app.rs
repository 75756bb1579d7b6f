//! Builds the actix `App`: shared state, routes, and the middleware that
//! lower-cases paths, assigns request ids and writes the access log. Used by
//! `serve` and by the tests, so both run exactly the same application.

use crate::error::ApiError;
use crate::http;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::{web, App, HttpMessage};
use rand::RngCore;
use std::time::Instant;

/// The id of the current request, as sent back in `X-Request-Id`.
#[derive(Clone)]
pub struct RequestId(pub String);

pub const REQUEST_ID: &str = "x-request-id";

/// An incoming id is echoed when it is 1–128 characters of `A-Z a-z 0-9 . _ -`.
fn request_id_for(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)))
        .map(str::to_string)
        .unwrap_or_else(|| {
            let mut bytes = [0u8; 12];
            rand::rng().fill_bytes(&mut bytes);
            hex::encode(bytes)
        })
}

/// Lower-cases the path (not the query) and drops a trailing slash, so that
/// routing is case-insensitive.
fn normalize_path(req: &mut ServiceRequest) {
    let path = req.path();
    let mut normalized = path.to_lowercase();
    while normalized.len() > 1 && normalized.ends_with('/') {
        normalized.pop();
    }
    if normalized == path {
        return;
    }
    let mut parts = req.head().uri.clone().into_parts();
    let target = match parts.path_and_query.as_ref().and_then(|pq| pq.query()) {
        Some(query) => format!("{normalized}?{query}"),
        None => normalized,
    };
    let Ok(path_and_query) = PathAndQuery::try_from(target) else { return };
    parts.path_and_query = Some(path_and_query);
    let Ok(uri) = Uri::from_parts(parts) else { return };
    req.match_info_mut().get_mut().update(&uri);
    req.head_mut().uri = uri;
}

pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let metrics_state = state.clone();
    App::new()
        .app_data(state)
        .configure(http::routes)
        .configure(crate::console::routes)
        .default_service(web::to(http::unknown_route))
        // Inside the outer layer below: it sees the normalized path, and the access log sees its 403s.
        .wrap(actix_web::middleware::from_fn(crate::console::refuse_cross_site_posts))
        .wrap_fn(move |mut req, srv| {
            let state = metrics_state.clone();
            let started = Instant::now();
            let original_path = req.path().to_string();
            normalize_path(&mut req);
            let request_id = request_id_for(&req);
            req.extensions_mut().insert(RequestId(request_id.clone()));
            let method = req.method().clone();
            let call = srv.call(req);
            async move {
                let mut res = call.await?;
                if let Some(api) = res.response().error().and_then(|e| e.as_error::<ApiError>()) {
                    if let Some(internal) = &api.internal {
                        log::error!("request {request_id}: {} {}: {internal}", api.code.number(), api.code.name());
                    }
                }
                if let Ok(value) = HeaderValue::from_str(&request_id) {
                    res.headers_mut().insert(HeaderName::from_static(REQUEST_ID), value);
                }
                let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_string());
                state.metrics.observe(&route, method.as_str(), res.status().as_u16(), started.elapsed());
                log::info!(
                    target: "calllog::access",
                    "{request_id} {method} {original_path} {} {:.1}ms",
                    res.status().as_u16(),
                    started.elapsed().as_secs_f64() * 1000.0
                );
                Ok(res)
            }
        })
}
