//! A call's history and the admin audit as sentences with names
//! (docs/console.md §7): "Maria Lopez changed the status from Open to In
//! Progress", "Ann Admin imported 3 properties, 40 units and 80 residents".
//! The stored entries name fields and ids (the API's `Field`, `OldValue`,
//! the audit's `Target` and `Details`); the wording for people is here,
//! once, and never shows a column name or an id.

use crate::domain::audit::{AuditAction, AuditEntry};
use crate::domain::calllogs::{EventKind, HistoryEntry, TrackedField};
use crate::domain::ids::{PropertyId, StatusId, UserId};
use std::collections::HashMap;

/// The names a sentence needs in place of ids.
#[derive(Default)]
pub struct Names {
    pub statuses: HashMap<StatusId, String>,
    pub properties: HashMap<PropertyId, String>,
    pub users: HashMap<UserId, String>,
}

/// How much of a text (notes) a sentence quotes.
const QUOTED_CHARS: usize = 80;

fn quoted(text: &str) -> String {
    let text = text.trim();
    let mut shown: String = text.chars().take(QUOTED_CHARS).collect();
    if text.chars().count() > QUOTED_CHARS {
        shown.push('…');
    }
    format!("“{shown}”")
}

/// One entry of a call's history as a sentence, its author first.
pub fn history_sentence(entry: &HistoryEntry, names: &Names) -> String {
    let what = match (entry.action, entry.field) {
        (EventKind::Created, _) => "logged the call".to_string(),
        (EventKind::Updated, Some(TrackedField::ModuleStatusId)) => {
            let status = |value: &Option<String>| {
                value
                    .as_deref()
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .and_then(|id| names.statuses.get(&StatusId(id)).cloned())
                    .unwrap_or_else(|| "a status since removed".to_string())
            };
            format!("changed the status from {} to {}", status(&entry.old_value), status(&entry.new_value))
        }
        (EventKind::Updated, Some(TrackedField::Notes)) => {
            let old = entry.old_value.as_deref().unwrap_or("").trim();
            let new = entry.new_value.as_deref().unwrap_or("").trim();
            match (old.is_empty(), new.is_empty()) {
                (_, true) => "cleared the notes".to_string(),
                (true, false) => format!("added notes: {}", quoted(new)),
                (false, false) => format!("changed the notes to {}", quoted(new)),
            }
        }
        (EventKind::Updated, None) => "changed the call".to_string(),
        (EventKind::Commented, _) => "added a comment".to_string(),
        (EventKind::Deleted, _) => "deleted the call".to_string(),
        (EventKind::Restored, _) => "restored the call".to_string(),
    };
    format!("{} {what}", entry.user)
}

/// One entry of the admin audit as a sentence, its author first.
pub fn audit_sentence(entry: &AuditEntry, names: &Names) -> String {
    let actor = match entry.user_id {
        Some(id) => names.users.get(&id).cloned().unwrap_or_else(|| entry.user_name.clone()),
        None => "From the command line, someone".to_string(),
    };
    format!("{actor} {}", audit_predicate(entry, names))
}

fn audit_predicate(entry: &AuditEntry, names: &Names) -> String {
    let details = entry.details.as_deref().unwrap_or("");
    let target = entry.target.as_str();
    match entry.action {
        AuditAction::UserCreated => {
            let user = user_of(target);
            let parts = parts(details);
            let role = parts.iter().find_map(|p| p.strip_prefix("role ")).unwrap_or("");
            let mut sentence =
                if role.is_empty() { format!("created user {user}") } else { format!("created user {user} ({role})") };
            if let Some(ids) = parts.iter().find_map(|p| p.strip_prefix("properties ")) {
                if ids.trim() != "none" {
                    sentence.push_str(&format!(" for {}", property_names(ids, names)));
                }
            }
            sentence
        }
        AuditAction::UserRoleChanged => match arrow(details) {
            Some((from, to)) => format!("changed {}'s role from {from} to {to}", user_of(target)),
            None => format!("changed {}'s role", user_of(target)),
        },
        AuditAction::UserPropertiesChanged => match arrow(details) {
            Some((from, to)) => format!(
                "changed {}'s properties from {} to {}",
                user_of(target),
                property_names(from, names),
                property_names(to, names)
            ),
            None => format!("changed {}'s properties", user_of(target)),
        },
        AuditAction::UserActivated => format!("reactivated user {}", user_of(target)),
        AuditAction::UserDeactivated => format!("deactivated user {} and revoked its tokens", user_of(target)),
        AuditAction::UserPasswordReset => format!("reset {}'s password and signed it out", user_of(target)),
        AuditAction::UserPasswordChanged => "changed their own password".to_string(),
        AuditAction::UserProfileChanged => {
            let changes: Vec<String> = parts(details)
                .iter()
                .filter_map(|part| {
                    let (field, change) = part.split_once(' ')?;
                    let field = match field {
                        "FirstName" => "first name",
                        "LastName" => "last name",
                        "Email" => "email",
                        _ => return None,
                    };
                    let (from, to) = arrow(change)?;
                    Some(format!("{field} from {} to {}", profile_value(from), profile_value(to)))
                })
                .collect();
            if changes.is_empty() {
                format!("changed {}'s name or email", user_of(target))
            } else {
                format!("changed {}'s {}", user_of(target), and_list(&changes))
            }
        }
        AuditAction::UserUnlocked => {
            let count = details.split(' ').next().and_then(|n| n.parse::<u64>().ok());
            match count {
                Some(1) => format!("cleared 1 failed sign-in of {}", user_of(target)),
                Some(n) => format!("cleared {n} failed sign-ins of {}", user_of(target)),
                None => format!("cleared the failed sign-ins of {}", user_of(target)),
            }
        }
        AuditAction::TokenCreated => {
            let expiry = match details.strip_prefix("expires ") {
                Some(when) => format!(", expiring {when}"),
                None => String::new(),
            };
            format!("created {}{expiry}", token_of(target))
        }
        AuditAction::TokenRevoked => format!("revoked {}", token_of(target)),
        AuditAction::ReasonCreated => format!("added the reason {}", catalog_name(target, "reason ")),
        AuditAction::ReasonChanged => catalog_changed("reason", catalog_name(target, "reason "), details),
        AuditAction::StatusCreated => format!("added the status {}", catalog_name(target, "status ")),
        AuditAction::StatusChanged => catalog_changed("status", catalog_name(target, "status "), details),
        AuditAction::DirectoryImported => format!("imported {}", and_last(details)),
        AuditAction::SettingsChanged => settings_changed(details),
    }
}

/// "set the office time zone to America/New_York and renamed the office
/// “Harbor Management”", from `time zone UTC → America/New_York; office
/// name "" → "Harbor Management"`.
fn settings_changed(details: &str) -> String {
    let changes: Vec<String> = parts(details)
        .iter()
        .filter_map(|part| {
            if let Some(change) = part.strip_prefix("time zone ") {
                let (_, to) = arrow(change)?;
                return Some(format!("set the office time zone to {to}"));
            }
            let (_, to) = arrow(part.strip_prefix("office name ")?)?;
            Some(match unquote(to) {
                name if name.is_empty() => "removed the office name".to_string(),
                name => format!("renamed the office “{name}”"),
            })
        })
        .collect();
    if changes.is_empty() {
        "changed the office settings".to_string()
    } else {
        and_list(&changes)
    }
}

/// The details' parts ("role agent; properties 1, 2").
fn parts(details: &str) -> Vec<&str> {
    details.split("; ").map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// "A → B" as its two sides.
fn arrow(text: &str) -> Option<(&str, &str)> {
    text.split_once(" → ").map(|(a, b)| (a.trim(), b.trim()))
}

/// A text the audit stored in quotes (`"Jane"`), unquoted.
fn unquote(text: &str) -> String {
    let text = text.trim();
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => text.to_string(),
    }
}

fn profile_value(text: &str) -> String {
    if text == "none" {
        "nothing".to_string()
    } else {
        unquote(text)
    }
}

/// `user sam (id 5)` → `sam`.
fn user_of(target: &str) -> String {
    let name = target.strip_prefix("user ").unwrap_or(target);
    match name.rfind(" (id ") {
        Some(at) => name[..at].to_string(),
        None => name.to_string(),
    }
}

/// `API token 7 "nightly" of user sam (id 5)` → `the API token “nightly” of sam`.
fn token_of(target: &str) -> String {
    let (token, user) = match target.rfind(" of user ") {
        Some(at) => (&target[..at], user_of(&target[at + " of ".len()..])),
        None => (target, String::new()),
    };
    let kind = if token.starts_with("API token") { "API token" } else { "session" };
    // After the kind and its number comes the token's name, when it has one.
    let name = token.split_once('"').map(|(_, rest)| unquote(&format!("\"{rest}")));
    let mut text = match name {
        Some(name) => format!("the {kind} “{name}”"),
        None if kind == "session" => "a session".to_string(),
        None => format!("an {kind}"),
    };
    if !user.is_empty() {
        text.push_str(&format!(" of {user}"));
    }
    text
}

/// `reason 3 "Leak"` → `“Leak”`.
fn catalog_name(target: &str, prefix: &str) -> String {
    let rest = target.strip_prefix(prefix).unwrap_or(target);
    let name = rest.split_once(' ').map(|(_, name)| name).unwrap_or(rest);
    format!("“{}”", unquote(name))
}

/// `Name "A" → "B"; Active true → false; DisplayOrder 1 → 2` in words.
fn catalog_changed(kind: &str, name: String, details: &str) -> String {
    let changes: Vec<String> = parts(details)
        .iter()
        .filter_map(|part| {
            let (field, change) = part.split_once(' ')?;
            // A new default names the one it replaced: "(the default was status 2 "Open")".
            let (change, previous) = match change.split_once(" (the default was ") {
                Some((change, previous)) => (change, Some(previous.trim_end_matches(')'))),
                None => (change, None),
            };
            let (from, to) = arrow(change)?;
            Some(match field {
                "Name" => format!("renamed it “{}”", unquote(to)),
                "Active" if to == "true" => "reactivated it".to_string(),
                "Active" => "deactivated it".to_string(),
                "DisplayOrder" => format!("moved it from position {from} to {to}"),
                "Category" => format!("moved it from the category {from} to {to}"),
                "IsDefault" if to == "true" => match previous {
                    Some(previous) => format!("made it the default instead of {}", catalog_name(previous, "status ")),
                    None => "made it the default".to_string(),
                },
                "IsDefault" => "made it no longer the default".to_string(),
                _ => return None,
            })
        })
        .collect();
    if changes.is_empty() {
        format!("changed the {kind} {name}")
    } else {
        format!("changed the {kind} {name}: {}", and_list(&changes))
    }
}

/// Property ids as written in the audit ("1, 2" or "none") as names.
fn property_names(ids: &str, names: &Names) -> String {
    if ids.trim() == "none" {
        return "none".to_string();
    }
    let listed: Vec<String> = ids
        .split(',')
        .filter_map(|id| id.trim().parse::<i64>().ok())
        .map(|id| names.properties.get(&PropertyId(id)).cloned().unwrap_or_else(|| "a property since removed".into()))
        .collect();
    and_list(&listed)
}

/// "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "3 properties, 40 units, 80 residents" → "3 properties, 40 units and 80 residents".
fn and_last(list: &str) -> String {
    let items: Vec<String> = list.split(", ").map(str::to_string).collect();
    and_list(&items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::Stamp;

    fn names() -> Names {
        Names {
            statuses: [(StatusId(1), "Open".to_string()), (StatusId(2), "In Progress".to_string())].into(),
            properties: [(PropertyId(1), "Harbor View".to_string()), (PropertyId(2), "Elm Court".to_string())].into(),
            users: [(UserId(3), "Ann Admin".to_string())].into(),
        }
    }

    fn history(action: EventKind, field: Option<TrackedField>, old: Option<&str>, new: Option<&str>) -> String {
        let entry = HistoryEntry {
            date: Stamp(0),
            user: "Maria Lopez".into(),
            action,
            field,
            old_value: old.map(str::to_string),
            new_value: new.map(str::to_string),
        };
        history_sentence(&entry, &names())
    }

    #[test]
    fn history_reads_as_sentences_with_status_names() {
        assert_eq!(
            history(EventKind::Updated, Some(TrackedField::ModuleStatusId), Some("1"), Some("2")),
            "Maria Lopez changed the status from Open to In Progress"
        );
        assert_eq!(history(EventKind::Created, None, None, None), "Maria Lopez logged the call");
        assert_eq!(history(EventKind::Commented, None, None, Some("called back")), "Maria Lopez added a comment");
        assert_eq!(
            history(EventKind::Updated, Some(TrackedField::Notes), None, Some("Gate code 1234")),
            "Maria Lopez added notes: “Gate code 1234”"
        );
        assert_eq!(
            history(EventKind::Updated, Some(TrackedField::Notes), Some("a"), Some("")),
            "Maria Lopez cleared the notes"
        );
        assert_eq!(history(EventKind::Deleted, None, None, None), "Maria Lopez deleted the call");
    }

    #[test]
    fn history_never_shows_an_id_or_a_column_name() {
        let sentence = history(EventKind::Updated, Some(TrackedField::ModuleStatusId), Some("1"), Some("99"));
        assert_eq!(sentence, "Maria Lopez changed the status from Open to a status since removed");
        assert!(!sentence.contains("ModuleStatusId") && !sentence.contains("99"));
        let long = "x".repeat(200);
        let sentence = history(EventKind::Updated, Some(TrackedField::Notes), Some("a"), Some(&long));
        assert!(sentence.ends_with("…”") && sentence.chars().count() < 130, "{sentence}");
    }

    fn audit(action: AuditAction, target: &str, details: Option<&str>) -> String {
        let entry = AuditEntry {
            at: Stamp(0),
            user_id: Some(UserId(3)),
            user_name: "ann".into(),
            action,
            target: target.into(),
            details: details.map(str::to_string),
        };
        audit_sentence(&entry, &names())
    }

    #[test]
    fn the_audit_reads_as_sentences_with_names() {
        assert_eq!(
            audit(AuditAction::DirectoryImported, "directory", Some("3 properties, 40 units, 80 residents")),
            "Ann Admin imported 3 properties, 40 units and 80 residents"
        );
        assert_eq!(
            audit(
                AuditAction::SettingsChanged,
                "office",
                Some(r#"time zone UTC → America/New_York; office name "" → "Harbor Management""#),
            ),
            "Ann Admin set the office time zone to America/New_York and renamed the office “Harbor Management”"
        );
        assert_eq!(
            audit(AuditAction::UserCreated, "user sam (id 5)", Some("role agent; properties none")),
            "Ann Admin created user sam (agent)"
        );
        assert_eq!(
            audit(AuditAction::UserCreated, "user sam (id 5)", Some("role agent; properties 1, 2; name \"Sam Diaz\"")),
            "Ann Admin created user sam (agent) for Harbor View and Elm Court"
        );
        assert_eq!(
            audit(AuditAction::UserPropertiesChanged, "user sam (id 5)", Some("1 → 1, 2")),
            "Ann Admin changed sam's properties from Harbor View to Harbor View and Elm Court"
        );
        assert_eq!(
            audit(AuditAction::UserRoleChanged, "user sam (id 5)", Some("agent → admin")),
            "Ann Admin changed sam's role from agent to admin"
        );
        assert_eq!(
            audit(
                AuditAction::UserProfileChanged,
                "user sam (id 5)",
                Some("FirstName none → \"Sam\"; Email \"a@x\" → \"b@x\"")
            ),
            "Ann Admin changed sam's first name from nothing to Sam and email from a@x to b@x"
        );
        assert_eq!(
            audit(
                AuditAction::ReasonChanged,
                "reason 4 \"Leak\"",
                Some("Name \"Leak\" → \"Water leak\"; Active true → false")
            ),
            "Ann Admin changed the reason “Leak”: renamed it “Water leak” and deactivated it"
        );
        assert_eq!(
            audit(
                AuditAction::StatusChanged,
                "status 3 \"Closed\"",
                Some("IsDefault false → true (the default was status 1 \"Open\")")
            ),
            "Ann Admin changed the status “Closed”: made it the default instead of “Open”"
        );
        assert_eq!(
            audit(AuditAction::TokenCreated, "API token 7 \"nightly export\" of user sam (id 5)", Some("no expiry")),
            "Ann Admin created the API token “nightly export” of sam"
        );
        assert_eq!(
            audit(AuditAction::UserUnlocked, "user sam (id 5)", Some("3 failed sign-in(s) cleared")),
            "Ann Admin cleared 3 failed sign-ins of sam"
        );
    }

    #[test]
    fn every_audit_action_is_worded_without_ids_or_stored_names() {
        use strum::VariantArray;
        for &action in AuditAction::VARIANTS {
            let target = match action.as_str().split('.').next() {
                Some("reason") => "reason 4 \"Leak\"",
                Some("status") => "status 3 \"Closed\"",
                Some("token") => "API token 7 of user sam (id 5)",
                Some("directory") => "directory",
                _ => "user sam (id 5)",
            };
            let sentence = audit(action, target, Some("1 → 2"));
            for stored in ["(id ", "reason 4", "status 3", "token 7", action.as_str()] {
                assert!(!sentence.contains(stored), "{action:?}: {sentence}");
            }
        }
    }

    #[test]
    fn the_command_line_is_named_as_such() {
        let entry = AuditEntry {
            at: Stamp(0),
            user_id: None,
            user_name: "command line".into(),
            action: AuditAction::UserActivated,
            target: "user sam (id 5)".into(),
            details: None,
        };
        assert_eq!(audit_sentence(&entry, &names()), "From the command line, someone reactivated user sam");
    }
}
