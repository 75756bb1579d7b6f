//! What the JSON API and the console share at the edge: the wire format.
//! Reading request bodies (JSON and forms) into [`input::Fields`] and from
//! them into domain input, query strings, `If-Match`, the directory import's
//! body, JSON answers, the headers of every page and the console's assets.
//! Domain types know none of this; `http/` and `console/` both use it, and
//! neither imports the other.

pub mod assets;
pub mod calllogs;
pub mod catalog;
pub mod directory;
pub mod html;
pub mod ids;
pub mod import;
pub mod input;
pub mod models;
pub mod query;
pub mod settings;
pub mod users;

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use input::Fields;
use models::IntoWire;

/// docs/api.md §1: bodies over 256 KiB are refused before parsing.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub type Handler = Result<HttpResponse, ApiError>;

/// Which body encodings a route takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BodyKinds {
    Json,
    JsonOrForm,
}

/// docs/api.md §1: the directory import (and the console's import upload) takes
/// up to 64 MiB, read as a stream.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// The `Content-Length` a request declares, if any.
pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok())
}

/// The body's media type (lower case, without parameters) if it is one that
/// `kinds` reads, else 415/118.
pub fn body_media(req: &HttpRequest, kinds: BodyKinds) -> Result<String, ApiError> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    let accepted = match kinds {
        BodyKinds::Json => "application/json or text/json",
        BodyKinds::JsonOrForm => "application/json, text/json or application/x-www-form-urlencoded",
    };
    match media {
        Some(m) if m == "application/json" || m == "text/json" => Ok(m),
        Some(m) if m == "application/x-www-form-urlencoded" && kinds == BodyKinds::JsonOrForm => Ok(m),
        Some(other) => Err(ApiError::invalid_header(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type {other} is not supported here; send {accepted}."),
        )),
        None => Err(ApiError::invalid_header(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("The Content-Type header is missing; send {accepted}."),
        )),
    }
}

/// The message of a JSON body that does not parse.
pub fn bad_json(e: &serde_json::Error) -> ApiError {
    let what = if e.is_eof() { "is incomplete" } else { "is not valid JSON" };
    ApiError::invalid(format!("The request body {what} (line {}, column {}).", e.line(), e.column()))
}

/// Reads the body: size limit first (Content-Length, then while streaming),
/// then the media type, then the parse. `Ok(None)` for an empty body.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    kinds: BodyKinds,
) -> Result<Option<Fields>, ApiError> {
    if declared_length(req).is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::payload_too_large(MAX_BODY_BYTES));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("The request body could not be read."))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::payload_too_large(MAX_BODY_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if body_media(req, kinds)? == "application/x-www-form-urlencoded" {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|_| ApiError::invalid("The form body is not valid URL encoding."))?;
        return Ok(Some(Fields::from_text_pairs(pairs, "").refusing_unknown()));
    }
    let parsed = input::parse_json(&body).map_err(|e| bad_json(&e))?;
    Ok(Some(Fields::from_parsed(parsed)?.refusing_unknown()))
}

/// Writes `body` as its model, dates in the office's zone.
pub fn json_response(state: &AppState, status: StatusCode, body: impl IntoWire) -> HttpResponse {
    match serde_json::to_vec(&body.into_wire(&state.service.config.zone.current())) {
        Ok(bytes) => HttpResponse::build(status).content_type("application/json; charset=utf-8").body(bytes),
        Err(e) => actix_web::ResponseError::error_response(&ApiError::internal(format!("serializing: {e}"))),
    }
}

pub fn ok_json(state: &AppState, body: impl IntoWire) -> Handler {
    Ok(json_response(state, StatusCode::OK, body))
}

/// docs/console.md §5: nothing inline, nothing from elsewhere, never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The headers every page carries (the console's and `/help`).
pub const PAGE_HEADERS: [(header::HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::CACHE_CONTROL, "no-store"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// The page headers, added when a handler has not set them.
pub fn page_headers() -> DefaultHeaders {
    PAGE_HEADERS.into_iter().fold(DefaultHeaders::new(), |headers, header| headers.add(header))
}
