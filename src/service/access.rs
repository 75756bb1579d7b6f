//! Role checks, decided once. An operation that needs a role takes the
//! matching permit instead of a bare `Caller`, and only the constructors
//! here hand one out, so no caller can reach such an operation without the
//! check, and no edge repeats it. The edge asks for the permit before it
//! reads a request body, which is why a viewer's malformed request is
//! refused for its role (403) before its body is judged (400). A permit
//! owns a copy of its caller (a few short strings), so it can travel into
//! a closure or a background task without a borrow to keep alive.
//!
//! Property scoping is not a role: it needs the row the caller names, so the
//! service decides it inside each operation (`Caller::require_access`).

use crate::domain::error::DomainError;
use crate::domain::ids::UserId;
use crate::domain::users::{Caller, Role};
use std::ops::Deref;

/// An admin.
#[derive(Debug)]
pub struct Admin(Caller);

/// An agent or an admin: someone who writes call logs.
#[derive(Debug)]
pub struct Writer(Caller);

/// Access to one user's own things (its tokens, its properties, its
/// record): that user itself, or an admin. Carries the user it was granted
/// for, so the operation cannot be handed another.
#[derive(Debug)]
pub struct UserAccess {
    caller: Caller,
    user_id: UserId,
}

impl Admin {
    /// The operator at the command line, who holds the machine and its
    /// database file and so is an admin by definition.
    pub fn command_line() -> Admin {
        Admin(Caller::command_line())
    }

    /// An admin may reach every user's things.
    pub fn user_access(&self, user_id: UserId) -> UserAccess {
        UserAccess { caller: self.0.clone(), user_id }
    }

    pub fn of(caller: &Caller) -> Result<Admin, DomainError> {
        if caller.is_admin() {
            Ok(Admin(caller.clone()))
        } else {
            Err(DomainError::insufficient_role("Only an admin may do this."))
        }
    }
}

impl Writer {
    /// Agents and admins write call logs; viewers only read.
    pub fn of(caller: &Caller) -> Result<Writer, DomainError> {
        if Writer::allows(caller) {
            Ok(Writer(caller.clone()))
        } else {
            Err(DomainError::insufficient_role("A viewer may only read; ask an admin for the agent role."))
        }
    }

    /// Whether the caller would get the permit: what a page asks before it
    /// offers a form that writes.
    pub fn allows(caller: &Caller) -> bool {
        caller.role != Role::Viewer
    }
}

impl UserAccess {
    pub fn of(caller: &Caller, user_id: UserId) -> Result<UserAccess, DomainError> {
        if caller.is_admin() || caller.user_id == user_id {
            Ok(UserAccess { caller: caller.clone(), user_id })
        } else {
            Err(DomainError::insufficient_role("Only the user itself or an admin may do this."))
        }
    }

    /// The caller's own things: always granted.
    pub fn own(caller: &Caller) -> UserAccess {
        UserAccess { caller: caller.clone(), user_id: caller.user_id }
    }

    /// The user whose things may be read or changed.
    pub fn for_user(&self) -> UserId {
        self.user_id
    }
}

impl Deref for Admin {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl Deref for Writer {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl Deref for UserAccess {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_role(role: Role, user_id: i64) -> Caller {
        Caller { role, user_id: UserId(user_id), ..Caller::command_line() }
    }

    #[test]
    fn only_an_admin_gets_an_admin_permit() {
        assert!(Admin::of(&with_role(Role::Admin, 1)).is_ok());
        assert!(Admin::of(&with_role(Role::Agent, 1)).is_err());
        assert!(Admin::of(&with_role(Role::Viewer, 1)).is_err());
    }

    #[test]
    fn a_viewer_gets_no_writer_permit() {
        assert!(Writer::of(&with_role(Role::Admin, 1)).is_ok());
        assert!(Writer::of(&with_role(Role::Agent, 1)).is_ok());
        assert!(Writer::of(&with_role(Role::Viewer, 1)).is_err());
    }

    #[test]
    fn user_access_is_for_the_user_itself_or_an_admin() {
        let agent = with_role(Role::Agent, 7);
        assert_eq!(UserAccess::of(&agent, UserId(7)).map(|a| a.for_user()).ok(), Some(UserId(7)));
        assert!(UserAccess::of(&agent, UserId(8)).is_err());
        assert_eq!(UserAccess::of(&with_role(Role::Admin, 1), UserId(8)).map(|a| a.for_user()).ok(), Some(UserId(8)));
    }
}
