//! Authentication at the HTTP edge: the `Caller` extractor that every
//! protected handler takes reads `Authorization: Bearer <token>` and asks
//! the service who that is; and the client address sign-ins are throttled by.

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
}
