//! What a page says after a save ("Call #42 logged", "Comment added",
//! docs/console.md §3). The save answers 303 to the call's own address
//! (`/calls/{LogId}`, exactly), so the message travels in a short-lived
//! cookie: HttpOnly, SameSite=Strict, Path=/, naming one of a fixed set of
//! messages and the call it is about, and cleared by the page that shows it.
//! Nothing in it is free text, so a crafted cookie can make a page say only
//! what a save would have said (docs/console.md §5).

use crate::domain::ids::LogId;
use actix_web::http::header;
use actix_web::HttpRequest;

const COOKIE: &str = "calllog_flash";
/// Long enough for the redirect to be followed, short enough that a
/// message never turns up on a later visit.
const MAX_AGE_SECONDS: i64 = 60;

/// The messages a save leaves for the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
pub enum Saved {
    #[strum(serialize = "logged")]
    CallLogged,
    #[strum(serialize = "commented")]
    CommentAdded,
    #[strum(serialize = "updated")]
    CallUpdated,
}

impl Saved {
    pub fn message(self, log_id: LogId) -> String {
        match self {
            Saved::CallLogged => format!("Call #{log_id} logged"),
            Saved::CommentAdded => "Comment added".to_string(),
            Saved::CallUpdated => "Changes saved".to_string(),
        }
    }
}

fn cookie(req: &HttpRequest, value: &str, max_age: i64) -> String {
    let secure = if super::session::over_tls(req) { "; Secure" } else { "" };
    format!("{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}")
}

/// The `Set-Cookie` a save sends with its redirect.
pub fn set(req: &HttpRequest, saved: Saved, log_id: LogId) -> (header::HeaderName, String) {
    let kind: &'static str = saved.into();
    (header::SET_COOKIE, cookie(req, &format!("{kind}-{log_id}"), MAX_AGE_SECONDS))
}

/// The `Set-Cookie` that clears it, sent by the page that read it.
pub fn clear(req: &HttpRequest) -> (header::HeaderName, String) {
    (header::SET_COOKIE, cookie(req, "", 0))
}

fn value(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Whether the request carries a message (to be cleared, shown or not).
pub fn present(req: &HttpRequest) -> bool {
    value(req).is_some_and(|v| !v.is_empty())
}

/// The message left for the call `log_id`, if the request carries one;
/// one about another call, or of no known kind, is none.
pub fn read(req: &HttpRequest, log_id: LogId) -> Option<Saved> {
    parse(value(req)?, log_id)
}

/// `logged-42` for call 42 → `CallLogged`.
fn parse(value: &str, log_id: LogId) -> Option<Saved> {
    let (kind, id) = value.split_once('-')?;
    let saved = kind.parse::<Saved>().ok()?;
    (id.parse::<i64>().ok()? == log_id.0).then_some(saved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_message_is_read_only_for_its_call_and_from_the_fixed_set() {
        assert_eq!(parse("logged-42", LogId(42)), Some(Saved::CallLogged));
        assert_eq!(parse("commented-42", LogId(42)), Some(Saved::CommentAdded));
        assert_eq!(parse("logged-42", LogId(43)), None, "about another call");
        assert_eq!(parse("Your+account+is+locked-42", LogId(42)), None, "free text");
        assert_eq!(parse("logged", LogId(42)), None);
        assert_eq!(Saved::CallLogged.message(LogId(42)), "Call #42 logged");
    }

    #[test]
    fn the_cookie_is_short_lived_http_only_and_strict() {
        let req = TestRequest::default().to_http_request();
        let (_, value) = set(&req, Saved::CommentAdded, LogId(7));
        assert_eq!(value, "calllog_flash=commented-7; HttpOnly; SameSite=Strict; Path=/; Max-Age=60");
        let (_, cleared) = clear(&req);
        assert!(cleared.starts_with("calllog_flash=;") && cleared.contains("Max-Age=0"), "{cleared}");
        let req =
            TestRequest::default().insert_header((header::COOKIE, "a=b; calllog_flash=logged-7")).to_http_request();
        assert_eq!(read(&req, LogId(7)), Some(Saved::CallLogged));
        assert_eq!(read(&req, LogId(8)), None, "about another call: not shown");
        assert!(present(&req), "but cleared all the same");
    }
}
