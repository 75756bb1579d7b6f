//! Users on the wire (docs/api.md §3): the fields their write bodies may
//! carry and how they are read.

use crate::domain::error::DomainError;
use crate::domain::ids::PropertyId;
use crate::domain::users::{check_password, check_password_shape, check_user_name, NewUser, Role, UserChanges};
use crate::wire::ids::typed;
use crate::wire::input::{Fields, Resource};

fn read_profile_text(f: &mut Fields, field: &str, max: usize) -> Option<String> {
    let value = f.string(field)?.trim().to_string();
    f.check_length(field, &value, max).then_some(value)
}

fn read_email(f: &mut Fields) -> Option<String> {
    let email = read_profile_text(f, "Email", 254)?;
    if !email.is_empty() && (!email.contains('@') || email.contains(char::is_whitespace)) {
        f.error("Email", "must be an email address such as name@example.com");
        return None;
    }
    Some(email)
}

fn read_role(f: &mut Fields) -> Option<Role> {
    let text = f.string("Role")?;
    let role = Role::parse(&text);
    if role.is_none() {
        f.error("Role", "must be admin, agent or viewer");
    }
    role
}

/// `Password`, checked by every rule: for the user named `user_name` when
/// it is known here (a new user), else by those that need no name (the
/// service checks the name when it has loaded the user).
fn read_password(f: &mut Fields, user_name: Option<&str>) -> Option<String> {
    let password = f.string("Password")?;
    let checked = match user_name {
        Some(name) => check_password(&password, name),
        None => check_password_shape(&password),
    };
    match checked {
        Ok(()) => Some(password),
        Err(problem) => {
            f.error("Password", problem.to_string());
            None
        }
    }
}

/// `User` as this API writes it (a body may carry every field); `Password`
/// is write-only and known because the readers take it.
pub const USER_RESOURCE: Resource = Resource {
    name: "User",
    fields: &["UserId", "UserName", "FirstName", "LastName", "Email", "Role", "Active", "PropertyIds"],
};

/// An API token as this API writes it when it creates one.
pub const TOKEN_RESOURCE: Resource =
    Resource { name: "Token", fields: &["TokenId", "Name", "Token", "CreatedOn", "ExpiresOn"] };

pub fn read_new_user(mut f: Fields) -> Result<NewUser, DomainError> {
    f.expect(USER_RESOURCE);
    let user_name = f.required_string("UserName");
    if let Some(name) = &user_name {
        if let Err(problem) = check_user_name(name) {
            f.error("UserName", problem);
        }
    }
    if !f.has("Password") {
        f.missing("Password");
    }
    let password = read_password(&mut f, user_name.as_deref());
    if !f.has("Role") {
        f.missing("Role");
    }
    let role = read_role(&mut f);
    let first_name = read_profile_text(&mut f, "FirstName", 100);
    let last_name = read_profile_text(&mut f, "LastName", 100);
    let email = read_email(&mut f);
    let property_ids = typed(f.id_list("PropertyIds").unwrap_or_default(), PropertyId);
    let ok = f.is_ok();
    f.finish()?;
    match (ok, user_name, password, role) {
        (true, Some(user_name), Some(password), Some(role)) => Ok(NewUser {
            user_name,
            password,
            first_name: first_name.filter(|s| !s.is_empty()),
            last_name: last_name.filter(|s| !s.is_empty()),
            email: email.filter(|s| !s.is_empty()),
            role,
            property_ids,
        }),
        _ => Err(DomainError::invalid("The user is incomplete.")),
    }
}

pub fn read_user_changes(mut f: Fields) -> Result<UserChanges, DomainError> {
    f.expect(USER_RESOURCE);
    let changes = UserChanges {
        first_name: read_profile_text(&mut f, "FirstName", 100),
        last_name: read_profile_text(&mut f, "LastName", 100),
        email: read_email(&mut f),
        role: read_role(&mut f),
        active: f.bool("Active"),
        password: read_password(&mut f, None),
        property_ids: f.id_list("PropertyIds").map(|ids| typed(ids, PropertyId)),
    };
    f.finish()?;
    Ok(changes)
}
