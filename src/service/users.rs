//! Sign-in and sign-out, token checks, users, their properties and tokens (docs/api.md §3).

use super::access::{Admin, UserAccess};
use super::{blocking, Service, ServiceError, ServiceResult};
use crate::credentials::{
    decoy_hash, hash_password_with, new_password, new_token, token_hash, verify_password_with, CheckPermit, HashError,
};
use crate::domain::audit::{self, AuditAction, AuditEntry, AuditFilter};
use crate::domain::directory::{Property, PropertyStatus};
use crate::domain::error::{DomainError, FieldError};
use crate::domain::ids::{TokenId, UserId};
use crate::domain::query::Page;
use crate::domain::throttle::{known_start, window_start, Admission, NameKey, ThrottleKey};
use crate::domain::time::Stamp;
use crate::domain::users::{
    check_password, Caller, NewToken, NewUser, Role, TokenInfo, TokenKind, TokenRecord, User, UserChanges,
};
use crate::store::{RuleLock, Store, Writes};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A session opened by a sign-in; the clear token is shown only here.
#[derive(Debug, Clone)]
pub struct Session {
    pub token: String,
    pub expires_on: Stamp,
    pub user: User,
}

/// A new API token; the clear token is shown only here.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token_id: TokenId,
    pub name: String,
    pub token: String,
    pub created_on: Stamp,
    pub expires_on: Option<Stamp>,
}

/// A user some limit of the sign-in throttle refuses now (for `/admin`).
#[derive(Debug, Clone)]
pub struct LockedOutUser {
    pub user: User,
    /// Failed sign-ins inside the window, from every address.
    pub failures: i64,
    /// The addresses the per-address limit refuses it from.
    pub locked_addresses: i64,
    /// Whether the per-name limit refuses it from every address but its known ones.
    pub everywhere: bool,
}

fn no_such_user(user_id: UserId) -> DomainError {
    DomainError::not_found(format!("There is no user {user_id}."))
}

fn hashed(result: Result<String, HashError>) -> ServiceResult<String> {
    result.map_err(|e| ServiceError::Internal(e.to_string()))
}

/// How far apart a running service rereads the database's count of
/// credential changes (docs/operations.md §6: a revocation reaches every instance
/// within a second; here also one made by the command line).
const CREDENTIAL_RECHECK: Duration = Duration::from_secs(1);

/// What the token cache last saw of the database's credential-change
/// counter, and when it looked.
#[derive(Default)]
pub(crate) struct CredentialWatch {
    seen: Mutex<Option<(Instant, i64)>>,
}

impl CredentialWatch {
    /// Whether a look is due; if so, the look is claimed (others skip it).
    fn claim_look(&self) -> bool {
        let Ok(mut seen) = self.seen.lock() else { return true };
        match &mut *seen {
            Some((at, _)) if at.elapsed() < CREDENTIAL_RECHECK => false,
            Some((at, _)) => {
                *at = Instant::now();
                true
            }
            None => true,
        }
    }

    /// The claimed look failed: the next request looks again.
    fn look_again(&self) {
        if let Ok(mut seen) = self.seen.lock() {
            if let (Some((at, _)), Some(due)) = (&mut *seen, Instant::now().checked_sub(CREDENTIAL_RECHECK)) {
                *at = due;
            }
        }
    }

    /// Records `changes`; true when it moved since the last look.
    fn moved_to(&self, changes: i64) -> bool {
        let Ok(mut seen) = self.seen.lock() else { return true };
        let moved = seen.is_some_and(|(_, before)| before != changes);
        *seen = Some((Instant::now(), changes));
        moved
    }
}

/// Records `caller`'s entry in the write that makes the change.
fn audit(
    tx: &mut dyn Writes,
    caller: &Caller,
    action: AuditAction,
    target: String,
    details: Option<String>,
) -> ServiceResult<()> {
    Ok(tx.record_audit(&AuditEntry::by(caller, action, target, details))?)
}

impl Service {
    /// A permit to run a password check (docs/api.md §3: at most as many at once
    /// as cores), or 503/115 when none frees up within the wait.
    async fn password_check_permit(&self) -> ServiceResult<CheckPermit> {
        match self.password_checks.acquire().await {
            Some(permit) => Ok(permit),
            None => {
                let retry_after = self.password_checks.wait_seconds();
                Err(ServiceError::Busy {
                    message: format!(
                        "Too many passwords are being checked at once; try again in {retry_after} seconds."
                    ),
                    retry_after,
                })
            }
        }
    }

    /// The Argon2id hash of a new password, computed under a permit.
    async fn hash_new_password(&self, password: String) -> ServiceResult<String> {
        let mut permit = self.password_check_permit().await?;
        hashed(blocking(move || hash_password_with(&password, permit.memory())).await?)
    }

    /// What the throttle says now of an attempt under `key` by `user_id`
    /// (none: the name is no user).
    async fn admission(&self, key: &ThrottleKey, user_id: Option<UserId>) -> ServiceResult<Admission> {
        let now = self.config.clock.now();
        let key = key.clone();
        let history =
            self.store.read(move |tx| -> ServiceResult<_> { Ok(tx.login_history(&key, user_id, window_start(now))?) });
        Ok(history.await?.admission(now))
    }

    /// Signs in from the client address `client` (docs/api.md §3). The throttle
    /// is asked on arrival (a refused name waits for nothing) and again when
    /// the password check is about to start, under its permit; a check that
    /// fails is recorded before the permit is let go, so the next check to
    /// start sees it.
    pub async fn sign_in(&self, user_name: String, password: String, client: IpAddr) -> ServiceResult<Session> {
        let key = ThrottleKey::new(&user_name, client);
        let now = self.config.clock.now();
        let (name, lookup) = (user_name.clone(), key.clone());
        let (record, history) = self
            .store
            .read(move |tx| -> ServiceResult<_> {
                let record = tx.login_record(&name)?;
                let history = tx.login_history(&lookup, record.as_ref().map(|r| r.user_id), window_start(now))?;
                Ok((record, history))
            })
            .await?;
        refuse_if_refused(&user_name, history.admission(now))?;
        let mut permit = self.password_check_permit().await?;
        let admission = self.admission(&key, record.as_ref().map(|r| r.user_id)).await?;
        refuse_if_refused(&user_name, admission)?;
        let (store, clock, failed_key) = (self.store.clone(), self.config.clock.clone(), key.clone());
        let verified = blocking(move || -> ServiceResult<Option<UserId>> {
            let verified = match record {
                Some(r) => (verify_password_with(&password, &r.password_hash, permit.memory()) && r.active)
                    .then_some(r.user_id),
                None => {
                    // An unknown name costs as much time as a wrong password.
                    let decoy = decoy_hash(permit.memory());
                    verify_password_with(&password, decoy, permit.memory());
                    None
                }
            };
            if verified.is_none() {
                // Even if the request was abandoned meanwhile.
                record_failure(&store, failed_key, clock.now())?;
            }
            drop(permit);
            Ok(verified)
        })
        .await??;
        let Some(user_id) = verified else {
            if let Admission::OnlyIfRight { wait } = admission {
                return Err(throttled(&user_name, wait).into());
            }
            return Err(DomainError::invalid_credentials(
                "The user name or password is wrong, or the user is inactive.",
            )
            .into());
        };
        let token = new_token();
        let created_on = Stamp::now();
        let expires_on = created_on.plus_seconds(self.config.session_seconds);
        let session = NewToken {
            user_id,
            hash: token_hash(&token),
            kind: TokenKind::Session,
            name: None,
            created_on,
            expires_on: Some(expires_on),
        };
        let signed_in_at = self.config.clock.now();
        let user = self
            .store
            .write(move |tx| -> ServiceResult<User> {
                tx.insert_token(&session)?;
                tx.record_login_success(&key, user_id, signed_in_at, known_start(signed_in_at))?;
                tx.user(user_id)?.ok_or_else(|| ServiceError::Internal("user vanished during sign-in".into()))
            })
            .await?;
        Ok(Session { token, expires_on, user })
    }

    /// The caller changes its own password (PUT /api/users/me/password, the
    /// console's account page) from the client address `client`: the
    /// current one must be right, and a wrong one counts for the sign-in
    /// throttle like a failed sign-in. The caller's other sessions end; this
    /// one and API tokens stay.
    pub async fn change_own_password(
        &self,
        caller: &Caller,
        current_password: String,
        new_password: String,
        client: IpAddr,
    ) -> ServiceResult<()> {
        if let Err(problem) = check_password(&new_password, &caller.user_name) {
            return Err(DomainError::invalid_field("NewPassword", &problem.to_string()).into());
        }
        let user_name = caller.user_name.clone();
        let key = ThrottleKey::new(&user_name, client);
        let user_id = caller.user_id;
        refuse_if_refused(&user_name, self.admission(&key, Some(user_id)).await?)?;
        let name = user_name.clone();
        let record = self.store.read(move |tx| tx.login_record(&name)).await?;
        let mut permit = self.password_check_permit().await?;
        let admission = self.admission(&key, Some(user_id)).await?;
        refuse_if_refused(&user_name, admission)?;
        // The check and the new hash run under the same permit; a failure
        // is recorded before the permit is let go.
        let (store, clock, failed_key) = (self.store.clone(), self.config.clock.clone(), key.clone());
        let new_hash = blocking(move || -> ServiceResult<Option<Result<String, HashError>>> {
            let verified = record.is_some_and(|r| {
                r.active && verify_password_with(&current_password, &r.password_hash, permit.memory())
            });
            if !verified {
                record_failure(&store, failed_key, clock.now())?;
                return Ok(None);
            }
            let new_hash = hash_password_with(&new_password, permit.memory());
            drop(permit);
            Ok(Some(new_hash))
        })
        .await??;
        let Some(password_hash) = new_hash else {
            if let Admission::OnlyIfRight { wait } = admission {
                return Err(throttled(&user_name, wait).into());
            }
            let mut refusal = DomainError::invalid_credentials("The current password is wrong.");
            refusal.errors.push(FieldError::new("CurrentPassword", "is wrong"));
            return Err(refusal.into());
        };
        let password_hash = hashed(password_hash)?;
        let token_id = caller.token_id;
        let actor = Caller::clone(caller);
        let checked_at = self.config.clock.now();
        self.store
            .write(move |tx| -> ServiceResult<()> {
                tx.update_user(user_id, &UserChanges::default(), Some(&password_hash))?;
                tx.revoke_other_sessions(user_id, token_id, Stamp::now())?;
                tx.record_login_success(&key, user_id, checked_at, known_start(checked_at))?;
                let target = audit::user_target(user_id, &actor.user_name);
                let details = Some("its other session tokens revoked".to_string());
                audit(tx, &actor, AuditAction::UserPasswordChanged, target, details)
            })
            .await?;
        self.tokens.forget_user(user_id);
        Ok(())
    }

    /// Clears the sign-in throttle's failures of the user named `user_name`
    /// (`calllog user unlock`, `/admin`): every limit on that name lifts at
    /// once, on every instance, since each asks the database. Audited when
    /// there was something to clear. Answers the user and how many
    /// failures were cleared.
    pub async fn clear_sign_in_failures(&self, caller: &Admin, user_name: &str) -> ServiceResult<(User, u64)> {
        let (name, actor) = (user_name.to_string(), Caller::clone(caller));
        self.store
            .write(move |tx| -> ServiceResult<(User, u64)> {
                let user = match tx.user_id_by_name(&name)? {
                    Some(user_id) => tx.user(user_id)?,
                    None => None,
                };
                let user = user.ok_or_else(|| DomainError::not_found(format!("There is no user {name:?}.")))?;
                let cleared = tx.clear_login_failures(&NameKey::of(&user.user_name))?;
                if cleared > 0 {
                    let target = audit::user_target(user.user_id, &user.user_name);
                    let details = Some(format!("{cleared} failed sign-in(s) cleared"));
                    audit(tx, &actor, AuditAction::UserUnlocked, target, details)?;
                }
                Ok((user, cleared))
            })
            .await
    }

    /// The users some limit of the sign-in throttle refuses now, most
    /// failures first. (Names that are no user are refused too, but there
    /// is nobody to let back in.)
    pub async fn locked_out_users(&self, _admin: &Admin) -> ServiceResult<Vec<LockedOutUser>> {
        let now = self.config.clock.now();
        self.store
            .read(move |tx| -> ServiceResult<Vec<LockedOutUser>> {
                let locked = tx.locked_names(window_start(now))?;
                if locked.is_empty() {
                    return Ok(Vec::new());
                }
                // The throttle keeps names hashed: each user's key is computed to match them.
                let mut users = std::collections::HashMap::new();
                for number in 1.. {
                    let (total, page) = tx.users_page(Page { number, size: crate::domain::query::MAX_PAGE_SIZE })?;
                    let empty = page.is_empty();
                    users.extend(page.into_iter().map(|u| (NameKey::of(&u.user_name), u)));
                    if empty || users.len() as i64 >= total {
                        break;
                    }
                }
                Ok(locked
                    .into_iter()
                    .filter_map(|l| {
                        let user = users.get(&l.name)?.clone();
                        Some(LockedOutUser {
                            user,
                            failures: l.failures,
                            locked_addresses: l.locked_addresses,
                            everywhere: l.everywhere,
                        })
                    })
                    .collect())
            })
            .await
    }

    /// Revokes the token the caller used.
    pub async fn sign_out(&self, caller: &Caller) -> ServiceResult<()> {
        let (user_id, token_id) = (caller.user_id, caller.token_id);
        self.store
            .write(move |tx| -> ServiceResult<bool> { Ok(tx.revoke_token(user_id, token_id, Stamp::now())?) })
            .await?;
        self.tokens.forget_token(token_id);
        Ok(())
    }

    /// The caller a bearer token stands for.
    pub async fn authenticate(&self, token: &str) -> ServiceResult<Caller> {
        let hash = token_hash(token);
        // The configured clock: token expiry is a rule over time a test moves.
        let now = self.config.clock.now();
        self.notice_credential_changes().await;
        if let Some(caller) = self.tokens.get(&hash, now) {
            return Ok(caller);
        }
        let generation = self.tokens.generation();
        let lookup = hash.clone();
        let caller = self
            .store
            .read(move |tx| -> ServiceResult<Option<Caller>> { Ok(tx.caller_for_token(&lookup, now)?) })
            .await?
            .ok_or_else(|| {
                DomainError::invalid_credentials("The token is unknown, revoked or expired; sign in again.")
            })?;
        self.tokens.put(hash, caller.clone(), generation);
        Ok(caller)
    }

    /// Forgets every cached token when credentials changed in the database
    /// since the last look (at most a second ago): by this process or by
    /// another one (the command line's `user passwd`, `token revoke`).
    ///
    /// A failed look (no pooled connection free) is not the request's
    /// failure: the cache stays as it is and the next request looks again.
    async fn notice_credential_changes(&self) {
        if self.credential_changes_moved().await {
            self.tokens.forget_all();
            // The office's settings are announced the same way (docs/api.md §16).
            self.reload_office_settings().await;
        } else if !self.config.zone.is_loaded() {
            self.reload_office_settings().await;
        }
    }

    /// Whether the database's count of credential changes moved since the
    /// last look.
    async fn credential_changes_moved(&self) -> bool {
        // PostgreSQL: every instance's changes are heard as they commit;
        // looking costs nothing, so every request looks.
        if let Some(changes) = self.store.heard_credential_changes() {
            return self.credential_watch.moved_to(changes);
        }
        if !self.credential_watch.claim_look() {
            return false;
        }
        match self.store.read(|tx| -> ServiceResult<i64> { Ok(tx.credential_changes()?) }).await {
            Ok(changes) => self.credential_watch.moved_to(changes),
            Err(e) => {
                self.credential_watch.look_again();
                log::warn!("could not reread the credential changes: {e}");
                false
            }
        }
    }

    async fn load_user(&self, user_id: UserId) -> ServiceResult<User> {
        self.store
            .read(move |tx| -> ServiceResult<Option<User>> { Ok(tx.user(user_id)?) })
            .await?
            .ok_or_else(|| no_such_user(user_id).into())
    }

    /// One user: the caller itself, or any user for an admin.
    pub async fn get_user(&self, caller: &UserAccess) -> ServiceResult<User> {
        let user_id = caller.for_user();
        self.load_user(user_id).await
    }

    pub async fn list_users(&self, _admin: &Admin, page: Page) -> ServiceResult<(i64, Vec<User>)> {
        self.store.read(move |tx| -> ServiceResult<_> { Ok(tx.users_page(page)?) }).await
    }

    /// Every user's display name, sorted and once each: what a call's
    /// `Takenby` says by default, for choosing "taken by" from a list
    /// (docs/console.md §1). Any signed-in user may ask: the names are on
    /// the calls they see already, and nothing else of a user is answered.
    pub async fn staff_names(&self, _caller: &Caller) -> ServiceResult<Vec<String>> {
        self.store
            .read(move |tx| -> ServiceResult<Vec<String>> {
                let mut names = Vec::new();
                let mut number = 1;
                loop {
                    let size = crate::domain::query::MAX_PAGE_SIZE;
                    let (total, users) = tx.users_page(Page { number, size })?;
                    names.extend(users.iter().map(|u| {
                        crate::domain::users::display_name(
                            &u.user_name,
                            u.first_name.as_deref(),
                            u.last_name.as_deref(),
                        )
                    }));
                    if users.is_empty() || number * size >= total {
                        break;
                    }
                    number += 1;
                }
                names.sort_by_key(|n| n.to_lowercase());
                names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
                Ok(names)
            })
            .await
    }

    /// A user by name (for the command line).
    pub async fn find_user_by_name(&self, _admin: &Admin, user_name: &str) -> ServiceResult<Option<User>> {
        let name = user_name.to_string();
        self.store
            .read(move |tx| -> ServiceResult<Option<User>> {
                match tx.user_id_by_name(&name)? {
                    Some(id) => Ok(tx.user(id)?),
                    None => Ok(None),
                }
            })
            .await
    }

    pub async fn create_user(&self, caller: &Admin, new_user: NewUser) -> ServiceResult<User> {
        // Every road in (the API, the console, the command line) meets the password rules here.
        if let Err(problem) = check_password(&new_user.password, &new_user.user_name) {
            return Err(DomainError::invalid_field("Password", &problem.to_string()).into());
        }
        let password_hash = self.hash_new_password(new_user.password.clone()).await?;
        let actor = Caller::clone(caller);
        self.store
            .write(move |tx| -> ServiceResult<User> {
                tx.lock_rules(RuleLock::Users)?;
                if tx.user_id_by_name(&new_user.user_name)?.is_some() {
                    return Err(DomainError::invalid_operation(format!(
                        "The user name {:?} is already taken (names are unique ignoring case).",
                        new_user.user_name
                    ))
                    .into());
                }
                let user_id = tx.insert_user(&new_user, &password_hash, Stamp::now())?;
                let user = tx.user(user_id)?.ok_or_else(|| ServiceError::Internal("inserted user vanished".into()))?;
                let target = audit::user_target(user.user_id, &user.user_name);
                audit(tx, &actor, AuditAction::UserCreated, target, Some(audit::user_created_details(&user)))?;
                Ok(user)
            })
            .await
    }

    /// Changes a user. Deactivating revokes all its tokens, a new password
    /// its session tokens (API tokens stay: they are for programs, and the
    /// admin can revoke them apart); the last active admin can be neither
    /// deactivated nor demoted (nobody could undo it). Each kind of change
    /// is audited.
    pub async fn update_user(&self, caller: &Admin, user_id: UserId, changes: UserChanges) -> ServiceResult<User> {
        let password_hash = match changes.password.clone() {
            Some(password) => {
                // The rule on the user name needs the user: read before the costly hash.
                let user = self.load_user(user_id).await?;
                if let Err(problem) = check_password(&password, &user.user_name) {
                    return Err(DomainError::invalid_field("Password", &problem.to_string()).into());
                }
                Some(self.hash_new_password(password).await?)
            }
            None => None,
        };
        let actor = Caller::clone(caller);
        let user = self
            .store
            .write(move |tx| -> ServiceResult<User> {
                tx.lock_rules(RuleLock::Users)?;
                let current = tx.user(user_id)?.ok_or_else(|| no_such_user(user_id))?;
                let loses_admin = current.role == Role::Admin
                    && current.active
                    && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin));
                if loses_admin && tx.active_admin_count()? <= 1 {
                    return Err(DomainError::invalid_operation(
                        "This is the last active admin; make another user admin first.",
                    )
                    .into());
                }
                tx.update_user(user_id, &changes, password_hash.as_deref())?;
                if let Some(ids) = &changes.property_ids {
                    tx.set_user_properties(user_id, ids)?;
                }
                if changes.active == Some(false) {
                    tx.revoke_all_tokens(user_id, Stamp::now())?;
                } else if password_hash.is_some() {
                    tx.revoke_sessions(user_id, Stamp::now())?;
                }
                let user = tx.user(user_id)?.ok_or_else(|| ServiceError::Internal("updated user vanished".into()))?;
                for (action, details) in audit::user_changes(&current, &user, password_hash.is_some()) {
                    audit(tx, &actor, action, audit::user_target(user_id, &user.user_name), details)?;
                }
                Ok(user)
            })
            .await?;
        // Role, links or activity may have changed: cached callers are stale.
        self.tokens.forget_user(user_id);
        Ok(user)
    }

    /// The properties a user may see (all of them for an admin).
    pub async fn user_properties(
        &self,
        caller: &UserAccess,
        status: PropertyStatus,
        page: Page,
    ) -> ServiceResult<(i64, Vec<Property>)> {
        let user_id = caller.for_user();
        self.store
            .read(move |tx| -> ServiceResult<_> {
                let user = tx.user(user_id)?.ok_or_else(|| no_such_user(user_id))?;
                let scope = (user.role != Role::Admin).then_some(user.property_ids.as_slice());
                Ok(tx.properties_page(scope, None, status, page)?)
            })
            .await
    }

    pub async fn create_api_token(
        &self,
        caller: &UserAccess,
        name: String,
        expires_on: Option<Stamp>,
    ) -> ServiceResult<IssuedToken> {
        let user_id = caller.for_user();
        let token = new_token();
        let now = Stamp::now();
        let record = NewToken {
            user_id,
            hash: token_hash(&token),
            kind: TokenKind::Api,
            name: Some(name.clone()),
            created_on: now,
            expires_on,
        };
        let actor = Caller::clone(caller);
        let zone = self.config.zone.current();
        let token_id = self
            .store
            .write(move |tx| -> ServiceResult<TokenId> {
                let user = tx.user(user_id)?.ok_or_else(|| no_such_user(user_id))?;
                let token_id = tx.insert_token(&record)?;
                let target = audit::token_target(token_id, true, record.name.as_deref(), user_id, &user.user_name);
                let details = match record.expires_on {
                    Some(expires) => format!("expires {}", expires.format_in(&zone)),
                    None => "no expiry".to_string(),
                };
                audit(tx, &actor, AuditAction::TokenCreated, target, Some(details))?;
                Ok(token_id)
            })
            .await?;
        Ok(IssuedToken { token_id, name, token, created_on: now, expires_on })
    }

    /// A user's live API tokens (not session tokens, not revoked or expired ones).
    pub async fn list_api_tokens(&self, caller: &UserAccess) -> ServiceResult<Vec<TokenInfo>> {
        let user_id = caller.for_user();
        self.store
            .read(move |tx| -> ServiceResult<Vec<TokenInfo>> {
                tx.user(user_id)?.ok_or_else(|| no_such_user(user_id))?;
                Ok(tx.live_api_tokens(user_id, Stamp::now())?)
            })
            .await
    }

    pub async fn revoke_api_token(&self, caller: &UserAccess, token_id: TokenId) -> ServiceResult<()> {
        let user_id = caller.for_user();
        let actor = Caller::clone(caller);
        self.store
            .write(move |tx| -> ServiceResult<()> {
                let token = tx.token_record(token_id)?.filter(|t| t.user_id == user_id && !t.revoked);
                let token = token
                    .ok_or_else(|| DomainError::not_found(format!("User {user_id} has no live token {token_id}.")))?;
                revoke_audited(tx, &actor, &token)
            })
            .await?;
        self.tokens.forget_token(token_id);
        Ok(())
    }

    /// Revokes a live token by its id alone (the command line's `token
    /// revoke`); answers what it revoked.
    pub async fn revoke_token_by_id(&self, caller: &Admin, token_id: TokenId) -> ServiceResult<TokenRecord> {
        let actor = Caller::clone(caller);
        let token = self
            .store
            .write(move |tx| -> ServiceResult<TokenRecord> {
                let token = tx.token_record(token_id)?.filter(|t| t.is_live(Stamp::now()));
                let token =
                    token.ok_or_else(|| DomainError::not_found(format!("There is no live token {token_id}.")))?;
                revoke_audited(tx, &actor, &token)?;
                Ok(token)
            })
            .await?;
        self.tokens.forget_token(token_id);
        Ok(token)
    }

    /// The admin audit, newest first (docs/api.md §3); `filter.user_id` must be a user.
    pub async fn audit_entries(
        &self,
        _admin: &Admin,
        filter: AuditFilter,
        page: Page,
    ) -> ServiceResult<(i64, Vec<AuditEntry>)> {
        self.store
            .read(move |tx| -> ServiceResult<_> {
                if let Some(user_id) = filter.user_id {
                    if tx.user(user_id)?.is_none() {
                        let problem = format!("has {user_id}, which is not a user");
                        return Err(DomainError::invalid_field("userId", &problem).into());
                    }
                }
                Ok(tx.audit_page(&filter, page)?)
            })
            .await
    }

    /// First run: with no user at all, creates `admin` with a random
    /// password and returns that password (to be shown once).
    pub async fn ensure_first_admin(&self) -> ServiceResult<Option<String>> {
        let users = self.store.read(|tx| -> ServiceResult<i64> { Ok(tx.count_users()?) }).await?;
        if users > 0 {
            return Ok(None);
        }
        let password = new_password();
        let admin = NewUser {
            user_name: "admin".into(),
            password: password.clone(),
            first_name: None,
            last_name: None,
            email: None,
            role: Role::Admin,
            property_ids: Vec::new(),
        };
        self.create_user(&Admin::command_line(), admin).await?;
        Ok(Some(password))
    }
}

/// 429/116 for a name the throttle refuses before any check.
fn refuse_if_refused(user_name: &str, admission: Admission) -> ServiceResult<()> {
    match admission {
        Admission::Refused { wait } => Err(throttled(user_name, wait).into()),
        Admission::Open | Admission::OnlyIfRight { .. } => Ok(()),
    }
}

fn throttled(user_name: &str, wait: u64) -> DomainError {
    DomainError::throttled(format!("Too many failed sign-ins for {user_name:?}; try again in {wait} seconds."), wait)
}

/// Records a failed password check under `key`, committed when this
/// returns, on the thread that ran the check and before its permit is let
/// go. A failure that cannot be recorded fails the request (503 or 409,
/// as any write): answering 401 would tell a guesser its guess was wrong
/// without counting it, while a right password would also have needed a
/// write (its session) and failed the same way.
fn record_failure(store: &Store, key: ThrottleKey, at: Stamp) -> ServiceResult<()> {
    store.write_blocking(move |tx| -> ServiceResult<()> { Ok(tx.record_login_failure(&key, at, window_start(at))?) })
}

/// Revokes `token` and audits it, in the caller's write.
fn revoke_audited(tx: &mut dyn Writes, actor: &Caller, token: &TokenRecord) -> ServiceResult<()> {
    tx.revoke_token(token.user_id, token.token_id, Stamp::now())?;
    let api = token.kind == TokenKind::Api;
    let target = audit::token_target(token.token_id, api, token.name.as_deref(), token.user_id, &token.user_name);
    audit(tx, actor, AuditAction::TokenRevoked, target, None)
}
