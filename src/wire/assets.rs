//! The console's one stylesheet, one script and its icon, embedded in the binary and
//! served under a name carrying their content hash, so they can be cached
//! for a year and a new build is fetched at once.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../assets/console.css");
const JS: &str = include_str!("../../assets/console.js");
const ICON: &str = include_str!("../../assets/favicon.svg");

fn hashed_name(stem: &str, body: &str, extension: &str) -> String {
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    format!("/assets/{stem}.{}.{extension}", &digest[..16])
}

static CSS_URL: LazyLock<String> = LazyLock::new(|| hashed_name("console", CSS, "css"));
static JS_URL: LazyLock<String> = LazyLock::new(|| hashed_name("console", JS, "js"));
static ICON_URL: LazyLock<String> = LazyLock::new(|| hashed_name("favicon", ICON, "svg"));

pub fn css_url() -> &'static str {
    &CSS_URL
}

pub fn js_url() -> &'static str {
    &JS_URL
}

pub fn icon_url() -> &'static str {
    &ICON_URL
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/assets/{name}").route(web::get().to(asset)));
}

async fn asset(req: HttpRequest) -> HttpResponse {
    let path = req.path();
    let (body, content_type) = if path == css_url() {
        (CSS, "text/css; charset=utf-8")
    } else if path == js_url() {
        (JS, "text/javascript; charset=utf-8")
    } else if path == icon_url() {
        (ICON, "image/svg+xml")
    } else {
        return HttpResponse::NotFound()
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .content_type("text/plain; charset=utf-8")
            .body("No such asset.");
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
