//! What a rule of the domain says when it refuses a request: the kind of
//! refusal, a message a person can act on, and every field problem found.
//! No HTTP here: `error.rs` maps each kind to its code and status.

use std::fmt;

/// Why a request was refused by a rule (not by the database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A required field is missing, null or blank.
    MissingRequired,
    /// A value is malformed, of the wrong type, out of range or unknown.
    InvalidValue,
    NotFound,
    /// The resource belongs to a property not linked to the caller.
    NotLinked,
    /// The caller's role may not do this.
    InsufficientRole,
    /// Valid input, but not allowed in the current state.
    InvalidOperation,
    /// `If-Match` does not match the current version.
    PreconditionFailed,
    /// Unknown, revoked or expired token; failed sign-in.
    InvalidCredentials,
    /// Too many failed sign-ins; retry after `retry_after` seconds.
    Throttled,
    /// An `Idempotency-Key` used before with a different request.
    KeyReused,
}

/// One problem with one input field, as listed in `Errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, Clone)]
pub struct DomainError {
    pub kind: ErrorKind,
    pub message: String,
    pub errors: Vec<FieldError>,
    /// Seconds the client should wait (throttling).
    pub retry_after: Option<u64>,
}

pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DomainError { kind, message: message.into(), errors: Vec::new(), retry_after: None }
    }

    pub fn missing(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::MissingRequired, message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidValue, message)
    }
    /// An invalid value naming one field, both in the message and in `errors`.
    pub fn invalid_field(field: &str, problem: &str) -> Self {
        Self::from_field_errors(vec![FieldError::new(field, problem)], false)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn not_linked(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotLinked, message)
    }
    pub fn insufficient_role(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InsufficientRole, message)
    }
    pub fn invalid_operation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidOperation, message)
    }
    pub fn precondition_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::PreconditionFailed, message)
    }
    pub fn invalid_credentials(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidCredentials, message)
    }
    pub fn key_reused(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::KeyReused, message)
    }
    pub fn throttled(message: impl Into<String>, retry_after: u64) -> Self {
        let mut e = Self::new(ErrorKind::Throttled, message);
        e.retry_after = Some(retry_after.max(1));
        e
    }

    /// Missing when a required field is missing, else invalid; the message lists every problem.
    pub fn from_field_errors(errors: Vec<FieldError>, any_missing: bool) -> Self {
        let kind = if any_missing { ErrorKind::MissingRequired } else { ErrorKind::InvalidValue };
        let described: Vec<String> = errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect();
        let message = match described.len() {
            0 => "The request is invalid.".to_string(),
            1 => format!("{}.", described[0]),
            n => format!("{n} problems: {}.", described.join("; ")),
        };
        DomainError { kind, message, errors, retry_after: None }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for DomainError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_are_missing_when_something_is_missing() {
        let e = DomainError::from_field_errors(
            vec![FieldError::new("Subject", "is required"), FieldError::new("Notes", "must be a string")],
            true,
        );
        assert_eq!(e.kind, ErrorKind::MissingRequired);
        assert_eq!(e.message, "2 problems: Subject is required; Notes must be a string.");
        let one = DomainError::from_field_errors(vec![FieldError::new("Notes", "must be a string")], false);
        assert_eq!((one.kind, one.message.as_str()), (ErrorKind::InvalidValue, "Notes must be a string."));
    }
}
