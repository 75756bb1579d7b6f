//! Authentication at the HTTP edge: the `Caller` extractor that every
//! protected handler takes reads `Authorization: Bearer <token>` and asks
//! the service who that is; the client address sign-ins are throttled by;
//! and what a trusted proxy says of the request (its scheme and host).

use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;

/// What to do when the header is absent or not `Bearer <token>`.
const HOW_TO_AUTHENTICATE: &str = "Sign in first with POST /api/auth/token {\"UserName\": …, \"Password\": …}, \
     then send the Token it answers as the header Authorization: Bearer <token>.";

/// The client address of docs/api.md §3: the peer's, or, when the peer is one of
/// `trusted_proxies`, the last hop of its `X-Forwarded-For` (the address
/// that proxy saw; hops before it are whatever the client wrote). A trusted
/// proxy that sends no usable `X-Forwarded-For` is itself the client.
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = req.peer_addr().map(|a| a.ip().to_canonical()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trusted_proxies.iter().any(|p| p.to_canonical() == peer) {
        return peer;
    }
    last_forwarded_hop(req).unwrap_or(peer)
}

/// Whether the request comes straight from one of `trusted_proxies`, whose
/// `X-Forwarded-*` headers are then believed (anyone else's never are).
pub fn from_trusted_proxy(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> bool {
    let Some(peer) = req.peer_addr().map(|a| a.ip().to_canonical()) else { return false };
    trusted_proxies.iter().any(|p| p.to_canonical() == peer)
}

/// The value a trusted proxy gave the header `name`: the last entry of its
/// last line (a proxy that appends to a list writes its own value last),
/// `None` when absent, blank or not text.
fn forwarded_value<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    let last_line = req.headers().get_all(name).last()?.to_str().ok()?;
    Some(last_line.rsplit(',').next()?.trim()).filter(|v| !v.is_empty())
}

/// "Over TLS" (docs/console.md §5): the connection itself, or a trusted proxy
/// that says `X-Forwarded-Proto: https` (it took the TLS connection and
/// talks plain HTTP to us).
pub fn over_tls(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> bool {
    req.app_config().secure()
        || (from_trusted_proxy(req, trusted_proxies)
            && forwarded_value(req, "x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https")))
}

/// "This site" (docs/console.md §5): the host (with any port) the browser asked
/// for: a trusted proxy's `X-Forwarded-Host`, else the request's `Host`.
pub fn site_host(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<String> {
    if from_trusted_proxy(req, trusted_proxies) {
        if let Some(host) = forwarded_value(req, "x-forwarded-host") {
            return Some(host.to_string());
        }
    }
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).map(str::trim);
    host.filter(|h| !h.is_empty()).map(str::to_string).or_else(|| req.uri().authority().map(|a| a.to_string()))
}

fn last_forwarded_hop(req: &HttpRequest) -> Option<IpAddr> {
    let last_line = req.headers().get_all("x-forwarded-for").last()?;
    let hop = last_line.to_str().ok()?.rsplit(',').next()?.trim();
    // An address, or one with a port (`1.2.3.4:5678`, `[::1]:5678`), as some proxies write it.
    let ip = hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|a| a.ip()))?;
    Some(ip.to_canonical())
}

async fn authenticate(req: HttpRequest) -> Result<Caller, ApiError> {
    let state =
        req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("application state missing"))?.clone();
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::missing_header(format!("This route needs the Authorization header. {HOW_TO_AUTHENTICATE}"))
    })?;
    let malformed = |what: &str| ApiError::malformed_authorization(format!("{what} {HOW_TO_AUTHENTICATE}"));
    let value = value.to_str().map_err(|_| malformed("The Authorization header has characters a token never has."))?;
    let value = value.trim();
    if value.is_empty() {
        return Err(malformed("The Authorization header is empty (was the token variable empty?)."));
    }
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        // A scheme name is echoed; anything else (a bare token, say) is not.
        let named = (1..=20).contains(&scheme.len()) && scheme.bytes().all(|b| b.is_ascii_alphabetic());
        let what = if named {
            format!("The Authorization header must use the Bearer scheme, not {scheme}.")
        } else {
            "The Authorization header must start with the word Bearer.".to_string()
        };
        return Err(malformed(&what));
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(malformed("The Authorization header has no token after Bearer (was the token variable empty?)."));
    }
    if token.contains(char::is_whitespace) {
        return Err(malformed("The Authorization header must be Bearer followed by one token, without spaces."));
    }
    Ok(state.service.authenticate(token).await?)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn from(peer: &str, forwarded: &[&str]) -> HttpRequest {
        let mut request = TestRequest::default().peer_addr(peer.parse().unwrap());
        for line in forwarded {
            request = request.append_header(("X-Forwarded-For", *line));
        }
        request.to_http_request()
    }

    #[test]
    fn the_client_is_the_last_hop_a_trusted_proxy_forwards() {
        let trusted = [ip("10.0.0.1"), ip("::1")];
        let cases = [
            ("10.0.0.1:5000", vec!["198.51.100.1, 203.0.113.9"], "203.0.113.9"),
            ("10.0.0.1:5000", vec!["198.51.100.1", "203.0.113.9 , 203.0.113.10"], "203.0.113.10"),
            ("10.0.0.1:5000", vec!["203.0.113.9:4711"], "203.0.113.9"),
            ("10.0.0.1:5000", vec!["[2001:db8::7]:4711"], "2001:db8::7"),
            ("10.0.0.1:5000", vec!["::ffff:203.0.113.9"], "203.0.113.9"),
            ("[::1]:5000", vec!["203.0.113.9"], "203.0.113.9"),
            ("[::ffff:10.0.0.1]:5000", vec!["203.0.113.9"], "203.0.113.9"),
            // A trusted proxy without a usable header is itself the client.
            ("10.0.0.1:5000", vec![], "10.0.0.1"),
            ("10.0.0.1:5000", vec!["unknown"], "10.0.0.1"),
            ("10.0.0.1:5000", vec!["203.0.113.9, "], "10.0.0.1"),
            // Any other peer is the client, whatever it claims.
            ("192.0.2.5:5000", vec!["203.0.113.9"], "192.0.2.5"),
        ];
        for (peer, forwarded, expected) in cases {
            assert_eq!(client_address(&from(peer, &forwarded), &trusted), ip(expected), "{peer} {forwarded:?}");
        }
        assert_eq!(client_address(&from("10.0.0.1:5000", &["203.0.113.9"]), &[]), ip("10.0.0.1"));
    }

    fn with_headers(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut request = TestRequest::default().peer_addr(peer.parse().unwrap()).insert_header(("Host", "app:8080"));
        for (name, value) in headers {
            request = request.append_header((*name, *value));
        }
        request.to_http_request()
    }

    #[test]
    fn forwarded_proto_and_host_are_believed_from_trusted_proxies_only() {
        let trusted = [ip("10.0.0.1")];
        let forwarded = [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "calllog.example:8443")];
        let proxied = with_headers("10.0.0.1:5000", &forwarded);
        assert!(over_tls(&proxied, &trusted));
        assert_eq!(site_host(&proxied, &trusted).as_deref(), Some("calllog.example:8443"));
        // The same headers from anyone else, or with no proxy trusted, change nothing.
        for (peer, trusted) in [("192.0.2.5:5000", &trusted[..]), ("10.0.0.1:5000", &[][..])] {
            let request = with_headers(peer, &forwarded);
            assert!(!over_tls(&request, trusted), "{peer}");
            assert_eq!(site_host(&request, trusted).as_deref(), Some("app:8080"), "{peer}");
        }
        // A trusted proxy that sends neither: plain HTTP, and Host is the site.
        let bare = with_headers("10.0.0.1:5000", &[]);
        assert!(!over_tls(&bare, &trusted));
        assert_eq!(site_host(&bare, &trusted).as_deref(), Some("app:8080"));
        // A list: the entry the nearest proxy wrote, which is the last.
        let chained =
            with_headers("10.0.0.1:5000", &[("X-Forwarded-Proto", "http, https"), ("X-Forwarded-Host", "a, b:1")]);
        assert!(over_tls(&chained, &trusted));
        assert_eq!(site_host(&chained, &trusted).as_deref(), Some("b:1"));
        let plain = with_headers("10.0.0.1:5000", &[("X-Forwarded-Proto", "http")]);
        assert!(!over_tls(&plain, &trusted));
    }
}
