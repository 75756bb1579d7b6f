//! Authentication at the HTTP edge: the `Caller` extractor that every
//! protected handler takes reads `Authorization: Bearer <token>` and asks
//! the service who that is.

use crate::domain::users::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

async fn authenticate(req: HttpRequest) -> Result<Caller, ApiError> {
    let state =
        req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("application state missing"))?.clone();
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::missing_header("The Authorization header is required: Authorization: Bearer <token>.")
    })?;
    let malformed = ApiError::malformed_authorization;
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(char::is_whitespace) {
        return Err(malformed());
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
