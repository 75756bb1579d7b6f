//! Users, roles and the authenticated caller.

use crate::domain::error::DomainError;
use crate::domain::ids::{PropertyId, TokenId, UserId};
use crate::domain::time::Stamp;

/// A user's role, stored and sent as its lower-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Role {
    Admin,
    Agent,
    Viewer,
}

impl Role {
    /// A role named by a person or a row: surrounding blanks and case ignored.
    pub fn parse(text: &str) -> Option<Role> {
        text.trim().parse().ok()
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub user_id: UserId,
    pub user_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub active: bool,
    pub property_ids: Vec<PropertyId>,
}

/// `FirstName LastName` trimmed, or the user name when both are blank.
pub fn display_name(user_name: &str, first: Option<&str>, last: Option<&str>) -> String {
    let full = format!("{} {}", first.unwrap_or("").trim(), last.unwrap_or("").trim());
    let full = full.trim();
    if full.is_empty() {
        user_name.to_string()
    } else {
        full.to_string()
    }
}

/// Who is calling: resolved from a bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub user_name: String,
    pub display_name: String,
    pub role: Role,
    /// Linked properties (ignored for admins, who see every property).
    pub property_ids: Vec<PropertyId>,
    pub token_id: TokenId,
    pub token_expires_on: Option<Stamp>,
    /// The kind of the token the caller presented; `None` for the command
    /// line, which holds none. The console's cookie takes sessions only.
    pub token_kind: Option<TokenKind>,
}

impl Caller {
    /// The operator at the command line (docs/operations.md §11): an admin that is no
    /// user row and holds no token; changes it makes are authored by user id 0.
    pub fn command_line() -> Caller {
        Caller {
            user_id: UserId(0),
            user_name: "command line".into(),
            display_name: "command line".into(),
            role: Role::Admin,
            property_ids: Vec::new(),
            token_id: TokenId(0),
            token_expires_on: None,
            token_kind: None,
        }
    }

    /// The user acting, for the admin audit; `None` for the command line.
    pub fn acting_user_id(&self) -> Option<UserId> {
        (self.user_id.0 > 0).then_some(self.user_id)
    }

    /// The author of the changes this caller makes.
    pub fn author(&self) -> crate::domain::calllogs::Author {
        crate::domain::calllogs::Author { user_id: self.user_id, display_name: self.display_name.clone() }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn can_see(&self, property_id: PropertyId) -> bool {
        self.is_admin() || self.property_ids.contains(&property_id)
    }

    pub fn require_property(&self, property_id: PropertyId) -> Result<(), DomainError> {
        if self.can_see(property_id) {
            Ok(())
        } else {
            Err(DomainError::not_linked(format!(
                "Property {property_id} is not linked to your user; ask an admin to link it."
            )))
        }
    }

    /// Access to a resource the caller named by its own id (a unit, a
    /// resident, a log): the refusal names that resource, never the property
    /// it belongs to, which the caller may not see.
    pub fn require_access(
        &self,
        property_id: PropertyId,
        resource: &str,
        id: impl std::fmt::Display,
    ) -> Result<(), DomainError> {
        if self.can_see(property_id) {
            Ok(())
        } else {
            Err(DomainError::not_linked(format!(
                "{resource} {id} belongs to a property not linked to your user; ask an admin to link it."
            )))
        }
    }

    /// The property ids a list must be limited to; `None` means every property.
    pub fn property_scope(&self) -> Option<&[PropertyId]> {
        if self.is_admin() {
            None
        } else {
            Some(&self.property_ids)
        }
    }
}

/// A bearer token's kind: a sign-in session (expires) or an API token (for scripts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum TokenKind {
    Session,
    Api,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The stored kind; anything but `session` is not a session (the console's
    /// cookie refuses it), though the schema allows only the two words.
    pub fn parse(text: &str) -> TokenKind {
        text.parse().unwrap_or(TokenKind::Api)
    }
}

/// A token to store: only its hash, never the clear token.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub user_id: UserId,
    pub hash: Vec<u8>,
    pub kind: TokenKind,
    pub name: Option<String>,
    pub created_on: Stamp,
    pub expires_on: Option<Stamp>,
}

/// What a sign-in needs to know of a user name.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub user_id: UserId,
    pub password_hash: String,
    pub active: bool,
}

/// An API or session token as listed (never with the clear token).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub token_id: TokenId,
    pub name: Option<String>,
    pub created_on: Stamp,
    pub expires_on: Option<Stamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_falls_back_to_user_name() {
        assert_eq!(display_name("jdoe", Some(" Jane "), Some("Doe")), "Jane Doe");
        assert_eq!(display_name("jdoe", Some(""), Some("Doe")), "Doe");
        assert_eq!(display_name("jdoe", None, Some("  ")), "jdoe");
    }

    #[test]
    fn roles_parse_ignoring_case() {
        assert_eq!(Role::parse("Admin"), Some(Role::Admin));
        assert_eq!(Role::parse(" VIEWER "), Some(Role::Viewer));
        assert_eq!(Role::parse("owner"), None);
    }
}

/// A token as the admin sees it: whose, which kind, and whether it is live.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    pub token_id: TokenId,
    pub user_id: UserId,
    pub user_name: String,
    pub kind: TokenKind,
    pub name: Option<String>,
    pub expires_on: Option<Stamp>,
    pub revoked: bool,
}

impl TokenRecord {
    /// Neither revoked nor expired at `now`.
    pub fn is_live(&self, now: Stamp) -> bool {
        !self.revoked && self.expires_on.is_none_or(|e| e > now)
    }
}

/// A new user as read from a request or the command line. The password is
/// clear here; the store is given its hash alongside and never sees it.
#[derive(Debug)]
pub struct NewUser {
    pub user_name: String,
    pub password: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub property_ids: Vec<PropertyId>,
}

/// Changes to a user; `None` leaves a value unchanged, `Some("")` clears a name or email.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub password: Option<String>,
    pub property_ids: Option<Vec<PropertyId>>,
}

pub use crate::domain::passwords::{check_password, check_password_shape, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};

pub fn check_user_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.chars().count() > 100 {
        return Err("must be 1 to 100 characters");
    }
    if !name.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
        return Err("may contain only letters, digits and . _ - @");
    }
    Ok(())
}
