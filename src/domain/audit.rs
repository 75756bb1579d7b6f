//! The admin audit (docs/api.md §3): who changed users, tokens, reasons,
//! statuses or the directory, when, and how. Entries are made by the
//! service inside the write that makes the change; here are their types and
//! the wording of their targets and details (text for a person, never a
//! password or a token).

use crate::domain::catalog::{CallLogReason, ModuleStatus};
use crate::domain::ids::{PropertyId, TokenId, UserId};
use crate::domain::time::Stamp;
use crate::domain::users::{Caller, User};

/// What was done. The names are the API's `Action` values (README: the
/// admin audit lists them with what each records), also the stored form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
pub enum AuditAction {
    #[strum(serialize = "user.created")]
    UserCreated,
    #[strum(serialize = "user.role_changed")]
    UserRoleChanged,
    #[strum(serialize = "user.properties_changed")]
    UserPropertiesChanged,
    #[strum(serialize = "user.activated")]
    UserActivated,
    #[strum(serialize = "user.deactivated")]
    UserDeactivated,
    #[strum(serialize = "user.password_reset")]
    UserPasswordReset,
    #[strum(serialize = "user.password_changed")]
    UserPasswordChanged,
    #[strum(serialize = "user.profile_changed")]
    UserProfileChanged,
    /// The sign-in throttle's failures of a user's name were cleared.
    #[strum(serialize = "user.unlocked")]
    UserUnlocked,
    #[strum(serialize = "token.created")]
    TokenCreated,
    #[strum(serialize = "token.revoked")]
    TokenRevoked,
    #[strum(serialize = "reason.created")]
    ReasonCreated,
    #[strum(serialize = "reason.changed")]
    ReasonChanged,
    #[strum(serialize = "status.created")]
    StatusCreated,
    #[strum(serialize = "status.changed")]
    StatusChanged,
    #[strum(serialize = "directory.imported")]
    DirectoryImported,
    /// The office's settings (time zone, name) changed.
    #[strum(serialize = "settings.changed")]
    SettingsChanged,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One entry: `At`, the actor (`UserId` null for the command line), what was
/// done to what, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Stamp,
    /// The actor; null when the change came from the command line.
    pub user_id: Option<UserId>,
    /// The actor's user name at the time, or "command line".
    pub user_name: String,
    pub action: AuditAction,
    /// What was changed, e.g. `user jdoe (id 5)`.
    pub target: String,
    /// How, e.g. `agent → admin`; null when the action says it all.
    pub details: Option<String>,
}

impl AuditEntry {
    /// An entry by `caller`, now.
    pub fn by(caller: &Caller, action: AuditAction, target: String, details: Option<String>) -> AuditEntry {
        AuditEntry {
            at: Stamp::now(),
            user_id: caller.acting_user_id(),
            user_name: caller.user_name.clone(),
            action,
            target,
            details,
        }
    }
}

/// Which entries a listing wants: by one actor, `from <= At < to`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<UserId>,
    pub from: Option<Stamp>,
    pub to: Option<Stamp>,
}

// ---- targets -----------------------------------------------------------------

pub fn user_target(user_id: UserId, user_name: &str) -> String {
    format!("user {user_name} (id {user_id})")
}

/// `API token 7 "nightly export" of user jdoe (id 5)`.
pub fn token_target(token_id: TokenId, api: bool, name: Option<&str>, user_id: UserId, user_name: &str) -> String {
    let kind = if api { "API token" } else { "session token" };
    let name = name.map(|n| format!(" {n:?}")).unwrap_or_default();
    format!("{kind} {token_id}{name} of {}", user_target(user_id, user_name))
}

pub fn reason_target(reason: &CallLogReason) -> String {
    format!("reason {} {:?}", reason.call_log_reason_id, reason.name)
}

pub fn status_target(status: &ModuleStatus) -> String {
    format!("status {} {:?}", status.module_status_id, status.name)
}

// ---- details -----------------------------------------------------------------

fn ids_text(ids: &[PropertyId]) -> String {
    if ids.is_empty() {
        "none".to_string()
    } else {
        ids.iter().map(PropertyId::to_string).collect::<Vec<_>>().join(", ")
    }
}

fn text_or_none(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).map(|v| format!("{v:?}")).unwrap_or_else(|| "none".to_string())
}

/// `role agent; properties 1, 2; name "Jane Doe"; email "j@x"`.
pub fn user_created_details(user: &User) -> String {
    let mut parts =
        vec![format!("role {}", user.role.as_str()), format!("properties {}", ids_text(&user.property_ids))];
    let name = crate::domain::users::display_name("", user.first_name.as_deref(), user.last_name.as_deref());
    if !name.is_empty() {
        parts.push(format!("name {name:?}"));
    }
    if let Some(email) = user.email.as_deref().filter(|e| !e.is_empty()) {
        parts.push(format!("email {email:?}"));
    }
    parts.join("; ")
}

/// The entries one change of a user makes, comparing it before and after:
/// one per kind of change (role, links, activity, password, profile).
pub fn user_changes(before: &User, after: &User, password_reset: bool) -> Vec<(AuditAction, Option<String>)> {
    let mut entries = Vec::new();
    if before.role != after.role {
        entries
            .push((AuditAction::UserRoleChanged, Some(format!("{} → {}", before.role.as_str(), after.role.as_str()))));
    }
    if before.property_ids != after.property_ids {
        entries.push((
            AuditAction::UserPropertiesChanged,
            Some(format!("{} → {}", ids_text(&before.property_ids), ids_text(&after.property_ids))),
        ));
    }
    if before.active != after.active {
        if after.active {
            entries.push((AuditAction::UserActivated, None));
        } else {
            entries.push((AuditAction::UserDeactivated, Some("all its tokens revoked".to_string())));
        }
    }
    if password_reset {
        entries.push((AuditAction::UserPasswordReset, Some("its session tokens revoked".to_string())));
    }
    let mut profile = Vec::new();
    for (field, old, new) in [
        ("FirstName", &before.first_name, &after.first_name),
        ("LastName", &before.last_name, &after.last_name),
        ("Email", &before.email, &after.email),
    ] {
        if old != new {
            profile.push(format!("{field} {} → {}", text_or_none(old.as_deref()), text_or_none(new.as_deref())));
        }
    }
    if !profile.is_empty() {
        entries.push((AuditAction::UserProfileChanged, Some(profile.join("; "))));
    }
    entries
}

/// `Name "A" → "B"; Active true → false`, or `None` when nothing changed.
pub fn reason_changes(before: &CallLogReason, after: &CallLogReason) -> Option<String> {
    let mut parts = Vec::new();
    if before.name != after.name {
        parts.push(format!("Name {:?} → {:?}", before.name, after.name));
    }
    if before.active != after.active {
        parts.push(format!("Active {} → {}", before.active, after.active));
    }
    if before.display_order != after.display_order {
        parts.push(format!("DisplayOrder {} → {}", before.display_order, after.display_order));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// As `reason_changes`, for a status; `previous_default` is the status that
/// was the default when this one became it.
pub fn status_changes(
    before: &ModuleStatus,
    after: &ModuleStatus,
    previous_default: Option<&ModuleStatus>,
) -> Option<String> {
    let mut parts = Vec::new();
    if before.name != after.name {
        parts.push(format!("Name {:?} → {:?}", before.name, after.name));
    }
    if before.category != after.category {
        parts.push(format!("Category {} → {}", before.category, after.category));
    }
    if before.active != after.active {
        parts.push(format!("Active {} → {}", before.active, after.active));
    }
    if before.display_order != after.display_order {
        parts.push(format!("DisplayOrder {} → {}", before.display_order, after.display_order));
    }
    if before.is_default != after.is_default {
        let mut text = format!("IsDefault {} → {}", before.is_default, after.is_default);
        if let Some(previous) = previous_default.filter(|p| p.module_status_id != after.module_status_id) {
            text.push_str(&format!(" (the default was {})", status_target(previous)));
        }
        parts.push(text);
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::users::Role;

    fn user() -> User {
        User {
            user_id: UserId(5),
            user_name: "jdoe".into(),
            first_name: Some("Jane".into()),
            last_name: None,
            email: None,
            role: Role::Agent,
            active: true,
            property_ids: vec![PropertyId(1), PropertyId(2)],
        }
    }

    #[test]
    fn action_names_round_trip_and_are_distinct() {
        use strum::VariantArray;
        let mut names: Vec<&str> = AuditAction::VARIANTS.iter().map(|a| a.as_str()).collect();
        for &action in AuditAction::VARIANTS {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), AuditAction::VARIANTS.len());
    }

    #[test]
    fn one_entry_per_kind_of_user_change() {
        let before = user();
        let mut after = user();
        after.role = Role::Admin;
        after.property_ids = vec![];
        after.active = false;
        after.email = Some("j@example.com".into());
        let entries = user_changes(&before, &after, true);
        let actions: Vec<AuditAction> = entries.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            actions,
            [
                AuditAction::UserRoleChanged,
                AuditAction::UserPropertiesChanged,
                AuditAction::UserDeactivated,
                AuditAction::UserPasswordReset,
                AuditAction::UserProfileChanged
            ]
        );
        assert_eq!(entries[0].1.as_deref(), Some("agent → admin"));
        assert_eq!(entries[1].1.as_deref(), Some("1, 2 → none"));
        assert_eq!(entries[4].1.as_deref(), Some("Email none → \"j@example.com\""));
        assert!(user_changes(&before, &user(), false).is_empty(), "no change, no entry");
    }

    #[test]
    fn targets_name_the_thing_and_its_id() {
        assert_eq!(user_target(UserId(5), "jdoe"), "user jdoe (id 5)");
        assert_eq!(
            token_target(TokenId(7), true, Some("nightly"), UserId(5), "jdoe"),
            "API token 7 \"nightly\" of user jdoe (id 5)"
        );
        assert_eq!(user_created_details(&user()), "role agent; properties 1, 2; name \"Jane\"");
    }
}
