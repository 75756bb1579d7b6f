//! Console sessions and cross-site protection (docs/console.md §5): the session
//! token of a sign-in lives in an HttpOnly cookie; every state-changing form
//! carries a token derived from it; cross-site requests are refused.

use crate::domain::users::{Caller, Role, TokenKind};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// The session cookie's name over plain HTTP.
pub const SESSION_COOKIE: &str = "calllog_session";
/// Its name over TLS (docs/console.md §5): browsers keep a `__Host-` cookie only
/// when it is `Secure`, has `Path=/` and no `Domain`, so no other host (a
/// sibling subdomain, a plain-HTTP page) can set or replace it.
pub const TLS_SESSION_COOKIE: &str = "__Host-calllog_session";

/// A signed-in console user and the token its cookie holds.
#[derive(Clone)]
pub struct Session {
    pub caller: Caller,
    pub token: String,
    /// An admin's pages remind them to choose the office time zone until
    /// someone has (docs/api.md §16).
    pub zone_reminder: bool,
}

impl Session {
    /// The form token of this session.
    pub fn csrf(&self) -> String {
        csrf_for(&self.token)
    }
}

/// Tied to the session: knowing it requires the cookie, which scripts of
/// other sites (and of this one: HttpOnly) cannot read.
pub fn csrf_for(session_token: &str) -> String {
    hex::encode(Sha256::digest(format!("calllog console form token:{session_token}").as_bytes()))
}

fn header_text<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The `--trusted-proxy` addresses, from the app's state (none without it).
fn trusted_proxies(req: &HttpRequest) -> &[IpAddr] {
    req.app_data::<web::Data<AppState>>().map(|state| state.service.config.trusted_proxies.as_slice()).unwrap_or(&[])
}

/// Whether the browser reached us over TLS, directly or through a trusted proxy.
pub fn over_tls(req: &HttpRequest) -> bool {
    crate::auth::over_tls(req, trusted_proxies(req))
}

/// The cookie name that applies to this request: a plain-named cookie is
/// not read over TLS (any plain-HTTP page of the host could have set it).
fn cookie_name(req: &HttpRequest) -> &'static str {
    if over_tls(req) {
        TLS_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session cookie's value, if the request carries one.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    let wanted = cookie_name(req);
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == wanted && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// The session of the request's cookie, when it is still valid. Only a
/// session token counts (docs/console.md §5): an API token never expires unless
/// asked to and is minted by any user for themselves, so in the cookie it
/// would be a console session that no sign-out or expiry ends.
pub async fn current_session(state: &AppState, req: &HttpRequest) -> Option<Session> {
    let token = session_token(req)?;
    let caller = state.service.authenticate(&token).await.ok()?;
    if caller.token_kind != Some(TokenKind::Session) {
        return None;
    }
    let zone_reminder = caller.role == Role::Admin && state.service.config.zone.awaits_choice();
    Some(Session { caller, token, zone_reminder })
}

pub fn session_cookie(req: &HttpRequest, token: &str, max_age_seconds: i64) -> String {
    let secure = if over_tls(req) { "; Secure" } else { "" };
    let name = cookie_name(req);
    format!("{name}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_seconds}{secure}")
}

pub fn cleared_cookie(req: &HttpRequest) -> String {
    session_cookie(req, "", 0)
}

fn origin_is_this_site(req: &HttpRequest, origin: &str) -> bool {
    let Some(authority) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
        return false;
    };
    crate::auth::site_host(req, trusted_proxies(req)).is_some_and(|host| host.eq_ignore_ascii_case(authority))
}

/// `Sec-Fetch-Site` as browsers send it: `same-origin` (a page of this
/// site) or `none` (the address bar, a bookmark) are this site; any other
/// value, the known `cross-site` and `same-site` as much as a value no
/// browser sends, is not (docs/console.md §5).
fn fetch_site_is_this_site(site: &str) -> bool {
    matches!(site.trim().to_ascii_lowercase().as_str(), "same-origin" | "none")
}

/// The first check of docs/console.md §5: a `Sec-Fetch-Site` other than
/// `same-origin` or `none`, or without it an `Origin` that is not this site.
pub fn is_cross_site(req: &HttpRequest) -> bool {
    if let Some(site) = header_text(req, "sec-fetch-site") {
        return !fetch_site_is_this_site(site);
    }
    match header_text(req, "origin") {
        Some(origin) => !origin_is_this_site(req, origin.trim()),
        None => false,
    }
}

/// For the page script's reads: only this site's pages (or the address bar) may ask.
pub fn is_same_origin_read(req: &HttpRequest) -> bool {
    if let Some(site) = header_text(req, "sec-fetch-site") {
        return fetch_site_is_this_site(site);
    }
    match header_text(req, "origin") {
        Some(origin) => origin_is_this_site(req, origin.trim()),
        None => true,
    }
}

/// Compares without stopping at the first differing byte.
pub fn tokens_match(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// `next` is honoured only when it is a path of this site: one leading `/`,
/// not `//` (another host) nor `/\` (read as `//` by browsers).
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let next = next?;
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    ok.then(|| next.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/calls/7")), Some("/calls/7".to_string()));
        assert_eq!(safe_next(Some("//evil.example/")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        assert_eq!(safe_next(Some("https://evil.example/")), None);
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn only_same_origin_or_none_is_this_site() {
        use actix_web::test::TestRequest;
        let with_site = |site: &str| TestRequest::default().insert_header(("Sec-Fetch-Site", site)).to_http_request();
        for site in ["same-origin", "none", "Same-Origin"] {
            assert!(!is_cross_site(&with_site(site)), "{site}");
            assert!(is_same_origin_read(&with_site(site)), "{site}");
        }
        // A value no browser sends is not a way around the Origin check.
        for site in ["cross-site", "same-site", "same-origin-ish", "", "whatever"] {
            assert!(is_cross_site(&with_site(site)), "{site:?}");
            assert!(!is_same_origin_read(&with_site(site)), "{site:?}");
        }
    }

    #[test]
    fn form_tokens_compare_whole() {
        let t = csrf_for("abc");
        assert!(tokens_match(&t, &csrf_for("abc")));
        assert!(!tokens_match(&t, &csrf_for("abd")));
        assert!(!tokens_match("", &t));
    }
}
