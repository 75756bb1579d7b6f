//! Builds the actix `App`: shared state, routes, and the middleware that
//! lower-cases paths, assigns request ids and writes the access log. Used by
//! `serve` and by the tests, so both run exactly the same application.

use crate::error::ApiError;
use crate::http;
use crate::state::AppState;
use actix_web::body::{BodySize, BodyStream, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::uri::{PathAndQuery, Uri};
use actix_web::http::{header, Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use actix_web::{web, App, HttpMessage};
use rand::RngCore;
use std::convert::Infallible;
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

/// docs/api.md §1, §8 (RFC 9110 §9.3.2): `HEAD` is served wherever `GET` is,
/// with the same status and headers and no body. The request is routed as
/// the `GET` it mirrors, so no route can forget it; the HTTP layer, which
/// saw the `HEAD` on the wire, sends the answer's head only (with the
/// `Content-Length` the body would have had). `true` when it was a `HEAD`.
fn answer_head_as_get(req: &mut ServiceRequest) -> bool {
    if req.method() != Method::HEAD {
        return false;
    }
    req.head_mut().method = Method::GET;
    true
}

/// What the method asks of an answer beyond its route (RFC 9110):
/// - a `HEAD` answer whose body is streamed (the CSV export) gets an empty
///   stream instead, before anything reads it, so its rows are never
///   queried; it is still announced as a stream, as the `GET` would be. A
///   body already in memory is kept for its length (the HTTP layer sends
///   none of it).
/// - a 405 lists in `Allow` what the path serves: `HEAD` beside `GET`, and
///   `OPTIONS`; and `OPTIONS` on a path whose routes do not answer it
///   themselves (the console's pages, the assets) is 204 with that `Allow`.
fn answer_for_method<B: MessageBody + 'static>(
    mut res: ServiceResponse<B>,
    method: &Method,
    head: bool,
) -> ServiceResponse<EitherBody<B>> {
    if res.status() == StatusCode::METHOD_NOT_ALLOWED {
        let allow = res.headers().get(header::ALLOW).and_then(|v| v.to_str().ok()).map(completed_allow);
        if let Some(allow) = allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            if *method == Method::OPTIONS {
                let answer = HttpResponse::NoContent().insert_header((header::ALLOW, allow)).finish();
                return res.into_response(answer).map_into_right_body();
            }
            res.headers_mut().insert(header::ALLOW, allow);
        }
    }
    if head && res.response().body().size() == BodySize::Stream {
        let empty = BodyStream::new(futures_util::stream::empty::<Result<Bytes, Infallible>>());
        return res.map_body(|_, _| EitherBody::right(BoxBody::new(empty)));
    }
    res.map_into_left_body()
}

/// An `Allow` value with `HEAD` beside `GET` and `OPTIONS` at the end, when missing.
fn completed_allow(allow: &str) -> String {
    let mut methods: Vec<&str> = allow.split(',').map(str::trim).filter(|m| !m.is_empty()).collect();
    if let Some(at) = methods.iter().position(|m| *m == "GET") {
        if !methods.contains(&"HEAD") {
            methods.insert(at + 1, "HEAD");
        }
    }
    if !methods.contains(&"OPTIONS") {
        methods.push("OPTIONS");
    }
    methods.join(", ")
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
            let head = answer_head_as_get(&mut req);
            let call = srv.call(req);
            async move {
                let mut res = answer_for_method(call.await?, &method, head);
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

#[cfg(test)]
mod tests {
    use super::completed_allow;

    #[test]
    fn allow_lists_head_beside_get_and_options_once() {
        assert_eq!(completed_allow("GET, POST"), "GET, HEAD, POST, OPTIONS");
        assert_eq!(completed_allow("GET"), "GET, HEAD, OPTIONS");
        assert_eq!(completed_allow("POST"), "POST, OPTIONS");
        assert_eq!(completed_allow("GET, HEAD, PUT, OPTIONS"), "GET, HEAD, PUT, OPTIONS");
    }
}
