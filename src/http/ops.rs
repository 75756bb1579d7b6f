//! API.md §8: operations endpoints, open without a token.

use crate::state::AppState;
use actix_web::{web, HttpResponse};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/metrics").route(web::get().to(metrics)));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

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

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        // The Prometheus text format's media type; the body (OpenMetrics text
        // from prometheus-client) parses as that format too.
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(state.service.store.stats()))
}
