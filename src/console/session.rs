//! Console sessions and cross-site protection (docs/console.md §5): the session
//! token of a sign-in lives in an HttpOnly cookie; every state-changing form
//! carries a token derived from it; cross-site requests are refused.

use crate::domain::users::Caller;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::HttpRequest;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "calllog_session";

/// A signed-in console user and the token its cookie holds.
#[derive(Clone)]
pub struct Session {
    pub caller: Caller,
    pub token: String,
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

/// The session cookie's value, if the request carries one.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

/// The session of the request's cookie, when it is still valid.
pub async fn current_session(state: &AppState, req: &HttpRequest) -> Option<Session> {
    let token = session_token(req)?;
    let caller = state.service.authenticate(&token).await.ok()?;
    Some(Session { caller, token })
}

/// Whether the connection itself is TLS (there is no trusted proxy setting
/// yet, so forwarded headers are not believed).
fn over_tls(req: &HttpRequest) -> bool {
    req.app_config().secure()
}

pub fn session_cookie(req: &HttpRequest, token: &str, max_age_seconds: i64) -> String {
    let secure = if over_tls(req) { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_seconds}{secure}")
}

pub fn cleared_cookie(req: &HttpRequest) -> String {
    session_cookie(req, "", 0)
}

/// "This site": the request's `Host`.
fn this_host(req: &HttpRequest) -> Option<String> {
    header_text(req, "host").map(str::to_string).or_else(|| req.uri().authority().map(|a| a.to_string()))
}

fn origin_is_this_site(req: &HttpRequest, origin: &str) -> bool {
    let Some(authority) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
        return false;
    };
    this_host(req).is_some_and(|host| host.eq_ignore_ascii_case(authority))
}

/// The first check of docs/console.md §5: `Sec-Fetch-Site` `cross-site` or
/// `same-site`, or without it an `Origin` that is not this site.
pub fn is_cross_site(req: &HttpRequest) -> bool {
    if let Some(site) = header_text(req, "sec-fetch-site") {
        return matches!(site.trim().to_ascii_lowercase().as_str(), "cross-site" | "same-site");
    }
    match header_text(req, "origin") {
        Some(origin) => !origin_is_this_site(req, origin.trim()),
        None => false,
    }
}

/// For the page script's reads: only this site's pages (or the address bar) may ask.
pub fn is_same_origin_read(req: &HttpRequest) -> bool {
    if let Some(site) = header_text(req, "sec-fetch-site") {
        return matches!(site.trim().to_ascii_lowercase().as_str(), "same-origin" | "none");
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
    fn form_tokens_compare_whole() {
        let t = csrf_for("abc");
        assert!(tokens_match(&t, &csrf_for("abc")));
        assert!(!tokens_match(&t, &csrf_for("abd")));
        assert!(!tokens_match("", &t));
    }
}
