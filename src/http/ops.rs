//! docs/api.md §8: operations endpoints, open without a token.

use crate::http::resource;
use crate::state::AppState;
use actix_web::http::Method;
use actix_web::{web, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", [(Method::GET, web::to(healthz))]))
        .service(resource("/readyz", [(Method::GET, web::to(readyz))]))
        .service(resource("/metrics", [(Method::GET, web::to(metrics))]));
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "200 ok while the process serves.",
    responses(
        (status = 200, description = "ok", content_type = "text/plain", body = String),
    )
)]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "200 when a read on the database succeeds, else 503.",
    responses(
        (status = 200, description = "ready", content_type = "text/plain", body = String),
        (status = 503, description = "the database does not answer", content_type = "text/plain", body = String),
    )
)]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ready = state.service.store.read(|tx| tx.default_status()).await;
    match ready {
        Ok(_) => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ready"),
        Err(e) => {
            log::warn!("readyz: {e}");
            HttpResponse::ServiceUnavailable().content_type("text/plain; charset=utf-8").body("not ready")
        }
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    summary = "Prometheus text: requests and latency by route and status, write queue, batches, pool.",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String),
    )
)]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        // The Prometheus text format's media type; the body (OpenMetrics text
        // from prometheus-client) parses as that format too.
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(state.service.store.stats()))
}
