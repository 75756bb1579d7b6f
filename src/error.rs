//! `ApiError`: the HTTP face of every error — a numbered code from docs/api.md
//! §2, an HTTP status, a message a person can act on and the list of field
//! problems. Built only here at the edge, from the domain's refusals, the
//! store's failures and the HTTP layer's own checks (headers, bodies, routes).

use crate::domain::error::{DomainError, ErrorKind};
use crate::service::ServiceError;
use crate::store::StoreError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

/// The numbered codes of docs/api.md §2; the variant's name is the code's `Name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
pub enum ErrorCode {
    MissingRequiredHeader,
    InvalidCredentials,
    InsufficientRole,
    ResourceNotLinkedToUser,
    ResourceNotFound,
    MissingRequiredJsonParameter,
    PreconditionFailed,
    PayloadTooLarge,
    InvalidOperation,
    WriteOperationFailed,
    InvalidJsonParameterValue,
    ServiceBusy,
    TooManyRequests,
    InvalidHeaderValue,
    IdempotencyKeyReused,
    UnknownError,
}

impl ErrorCode {
    pub fn number(self) -> u16 {
        use ErrorCode::*;
        match self {
            MissingRequiredHeader => 100,
            InvalidCredentials => 101,
            InsufficientRole => 102,
            ResourceNotLinkedToUser => 105,
            ResourceNotFound => 106,
            MissingRequiredJsonParameter => 109,
            PreconditionFailed => 110,
            PayloadTooLarge => 111,
            InvalidOperation => 112,
            WriteOperationFailed => 113,
            InvalidJsonParameterValue => 114,
            ServiceBusy => 115,
            TooManyRequests => 116,
            InvalidHeaderValue => 118,
            IdempotencyKeyReused => 119,
            UnknownError => 199,
        }
    }

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Every code, in number order: the error table of `/api/openapi.json` and
    /// `/help` is built from this list, so a new code cannot be left out of it.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::MissingRequiredHeader,
        ErrorCode::InvalidCredentials,
        ErrorCode::InsufficientRole,
        ErrorCode::ResourceNotLinkedToUser,
        ErrorCode::ResourceNotFound,
        ErrorCode::MissingRequiredJsonParameter,
        ErrorCode::PreconditionFailed,
        ErrorCode::PayloadTooLarge,
        ErrorCode::InvalidOperation,
        ErrorCode::WriteOperationFailed,
        ErrorCode::InvalidJsonParameterValue,
        ErrorCode::ServiceBusy,
        ErrorCode::TooManyRequests,
        ErrorCode::InvalidHeaderValue,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::UnknownError,
    ];

    /// Every HTTP status the code is answered with (docs/api.md §2); the first is the usual one.
    pub fn statuses(self) -> &'static [u16] {
        use ErrorCode::*;
        match self {
            MissingRequiredHeader | InvalidCredentials => &[401],
            InsufficientRole | ResourceNotLinkedToUser => &[403],
            ResourceNotFound => &[404],
            MissingRequiredJsonParameter | InvalidJsonParameterValue => &[400],
            PreconditionFailed => &[412],
            PayloadTooLarge => &[413],
            InvalidOperation => &[409, 405],
            WriteOperationFailed => &[409],
            ServiceBusy => &[503],
            TooManyRequests => &[429],
            InvalidHeaderValue => &[401, 415, 400],
            IdempotencyKeyReused => &[422],
            UnknownError => &[500],
        }
    }

    /// When the code is answered, for a person reading the API's help.
    pub fn meaning(self) -> &'static str {
        use ErrorCode::*;
        match self {
            MissingRequiredHeader => "no Authorization header",
            InvalidCredentials => "unknown, revoked or expired token; failed sign-in",
            InsufficientRole => "the user's role may not do this",
            ResourceNotLinkedToUser => "the resource belongs to a property not linked to the user",
            ResourceNotFound => "no such resource (also a deleted call log, an unknown route)",
            MissingRequiredJsonParameter => "body missing, or a required field missing, null or blank",
            PreconditionFailed => "If-Match does not match the current ETag",
            PayloadTooLarge => "body over the size limit (256 KiB)",
            InvalidOperation => {
                "valid input, but not allowed in the current state (409); a known path with a method it does not serve (405, with Allow)"
            }
            WriteOperationFailed => "the database refused the write; nothing of it was kept",
            InvalidJsonParameterValue => {
                "malformed JSON, wrong type, out-of-range or unknown value, bad query parameter or path id"
            }
            ServiceBusy => "write queue full, no database connection free, no password check could start within 2 s, or the caller already has 8 searches or exports waiting for their turn; carries Retry-After",
            TooManyRequests => "sign-in throttled; carries Retry-After",
            InvalidHeaderValue => {
                "malformed Authorization (401); unsupported or missing Content-Type on a body (415); malformed If-Match or Idempotency-Key (400)"
            }
            IdempotencyKeyReused => {
                "an Idempotency-Key used before (by the same user, within 24 h) with a different request body; nothing was created"
            }
            UnknownError => "anything else; the request id in X-Request-Id finds it in the server log",
        }
    }

    /// The usual HTTP status; 112 and 118 have variants chosen by the constructor.
    fn default_status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            MissingRequiredHeader | InvalidCredentials | InvalidHeaderValue => StatusCode::UNAUTHORIZED,
            InsufficientRole | ResourceNotLinkedToUser => StatusCode::FORBIDDEN,
            ResourceNotFound => StatusCode::NOT_FOUND,
            MissingRequiredJsonParameter | InvalidJsonParameterValue => StatusCode::BAD_REQUEST,
            PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            InvalidOperation | WriteOperationFailed => StatusCode::CONFLICT,
            ServiceBusy => StatusCode::SERVICE_UNAVAILABLE,
            TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            UnknownError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

pub use crate::domain::error::FieldError;

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub status: StatusCode,
    pub message: String,
    pub errors: Vec<FieldError>,
    /// Seconds for the `Retry-After` header (115, 116).
    pub retry_after: Option<u64>,
    /// Detail for the log only (never sent): the cause of a 5xx or a refused write.
    pub internal: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            status: code.default_status(),
            message: message.into(),
            errors: Vec::new(),
            retry_after: None,
            internal: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn missing_header(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::MissingRequiredHeader, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ResourceNotFound, message)
    }
    pub fn missing(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::MissingRequiredJsonParameter, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidJsonParameterValue, message)
    }
    /// 114 naming one field, both in the message and in `Errors`.
    pub fn invalid_field(field: &str, problem: &str) -> Self {
        DomainError::invalid_field(field, problem).into()
    }
    pub fn payload_too_large(limit: usize) -> Self {
        let size = match limit {
            n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
            n => format!("{} KiB", n / 1024),
        };
        Self::new(ErrorCode::PayloadTooLarge, format!("The request body is larger than {size}."))
    }
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(ErrorCode::InvalidOperation, format!("{path} does not accept {method}."))
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
    }
    /// 113: the database refused a write; nothing of it was kept.
    pub fn write_failed(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(
            ErrorCode::WriteOperationFailed,
            "The database refused the write (disk full, read-only or I/O error); nothing was saved. Try again later or tell the administrator.",
        );
        e.internal = Some(cause.to_string());
        e
    }
    pub fn busy(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ServiceBusy, message).with_retry_after(1)
    }
    /// 118: an `Authorization` header that is not `Bearer <token>`; `message` says what to send instead.
    pub fn malformed_authorization(message: impl Into<String>) -> Self {
        Self::invalid_header(StatusCode::UNAUTHORIZED, message)
    }
    /// 118 with the status the situation calls for (401, 415 or 400).
    pub fn invalid_header(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidHeaderValue, message).with_status(status)
    }
    /// 199: the cause goes to the log, never to the client.
    pub fn internal(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(
            ErrorCode::UnknownError,
            "An unexpected error occurred; the request id in X-Request-Id identifies it in the server log.",
        );
        e.internal = Some(cause.to_string());
        e
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.code.number(), self.code.name(), self.message)?;
        if let Some(internal) = &self.internal {
            write!(f, " ({internal})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody<'a> {
    code: u16,
    name: &'a str,
    message: &'a str,
    errors: Vec<FieldErrorBody<'a>>,
}

/// A `FieldError` as `Errors` lists it (the model `wire::models::FieldError`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct FieldErrorBody<'a> {
    field: &'a str,
    message: &'a str,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorBody {
            code: self.code.number(),
            name: self.code.name(),
            message: &self.message,
            errors: self.errors.iter().map(|e| FieldErrorBody { field: &e.field, message: &e.message }).collect(),
        })
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        let code = match e.kind {
            ErrorKind::MissingRequired => ErrorCode::MissingRequiredJsonParameter,
            ErrorKind::InvalidValue => ErrorCode::InvalidJsonParameterValue,
            ErrorKind::NotFound => ErrorCode::ResourceNotFound,
            ErrorKind::NotLinked => ErrorCode::ResourceNotLinkedToUser,
            ErrorKind::InsufficientRole => ErrorCode::InsufficientRole,
            ErrorKind::InvalidOperation => ErrorCode::InvalidOperation,
            ErrorKind::PreconditionFailed => ErrorCode::PreconditionFailed,
            ErrorKind::InvalidCredentials => ErrorCode::InvalidCredentials,
            ErrorKind::Throttled => ErrorCode::TooManyRequests,
            ErrorKind::KeyReused => ErrorCode::IdempotencyKeyReused,
        };
        let mut api = ApiError::new(code, e.message).with_errors(e.errors);
        if let Some(seconds) = e.retry_after {
            api = api.with_retry_after(seconds);
        }
        api
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy(message) => ApiError::busy(message),
            StoreError::WriteRefused(cause) => ApiError::write_failed(cause),
            StoreError::Failed(cause) => ApiError::internal(cause),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Refused(e) => e.into(),
            ServiceError::Store(e) => e.into(),
            ServiceError::Busy { message, retry_after } => ApiError::busy(message).with_retry_after(retry_after),
            ServiceError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_json(e: &ApiError) -> serde_json::Value {
        let bytes = e.error_response().into_body().try_into_bytes().unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn internal_failure_is_199_and_hides_the_cause() {
        let e = ApiError::internal("no such table: call_logs at /srv/calllog.db");
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_json(&e);
        assert_eq!(body["Code"], 199);
        assert_eq!(body["Name"], "UnknownError");
        assert_eq!(body["Errors"], serde_json::json!([]));
        let message = body["Message"].as_str().unwrap();
        assert!(!message.contains("call_logs") && !message.contains("/srv"));
    }

    #[test]
    fn store_failures_say_what_they_are() {
        let refused: ApiError = StoreError::WriteRefused("disk full".into()).into();
        assert_eq!((refused.code.number(), refused.status_code()), (113, StatusCode::CONFLICT));
        let failed: ApiError = StoreError::Failed("no such table".into()).into();
        assert_eq!((failed.code.number(), failed.status_code()), (199, StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!body_json(&failed)["Message"].as_str().unwrap().contains("no such table"));
        let busy: ApiError = StoreError::Busy("full".into()).into();
        assert_eq!((busy.code.number(), busy.status_code()), (115, StatusCode::SERVICE_UNAVAILABLE));
    }

    #[test]
    fn refusals_keep_their_field_errors_and_pick_109_when_something_is_missing() {
        let e: ApiError = DomainError::from_field_errors(
            vec![FieldError::new("Subject", "is required"), FieldError::new("Notes", "must be a string")],
            true,
        )
        .into();
        assert_eq!(e.code.number(), 109);
        assert_eq!(e.message, "2 problems: Subject is required; Notes must be a string.");
        let body = body_json(&e);
        assert_eq!(body["Errors"][1]["Field"], "Notes");
        let throttled: ApiError = DomainError::throttled("wait", 30).into();
        assert_eq!((throttled.code.number(), throttled.retry_after), (116, Some(30)));
    }

    #[test]
    fn the_code_list_is_complete_ordered_and_agrees_with_the_usual_status() {
        let numbers: Vec<u16> = ErrorCode::ALL.iter().map(|c| c.number()).collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "ALL is in number order without repeats");
        for code in ErrorCode::ALL {
            assert_eq!(code.statuses()[0], code.default_status().as_u16(), "{}", code.name());
            assert!(!code.meaning().is_empty());
            // A match without a wildcard arm: adding a variant fails to compile here until ALL lists it.
            let listed = match code {
                ErrorCode::MissingRequiredHeader
                | ErrorCode::InvalidCredentials
                | ErrorCode::InsufficientRole
                | ErrorCode::ResourceNotLinkedToUser
                | ErrorCode::ResourceNotFound
                | ErrorCode::MissingRequiredJsonParameter
                | ErrorCode::PreconditionFailed
                | ErrorCode::PayloadTooLarge
                | ErrorCode::InvalidOperation
                | ErrorCode::WriteOperationFailed
                | ErrorCode::InvalidJsonParameterValue
                | ErrorCode::ServiceBusy
                | ErrorCode::TooManyRequests
                | ErrorCode::InvalidHeaderValue
                | ErrorCode::IdempotencyKeyReused
                | ErrorCode::UnknownError => 16,
            };
            assert_eq!(ErrorCode::ALL.len(), listed);
        }
    }

    #[test]
    fn busy_carries_retry_after() {
        let response = ApiError::busy("full").error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    }
}
