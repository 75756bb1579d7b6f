//! Sign-in and sign-out, token checks, users, their properties and tokens (docs/api.md §3).

use super::{blocking, Service, ServiceError, ServiceResult};
use crate::credentials::{
    decoy_hash, hash_password_with, new_password, new_token, token_hash, verify_password_with, CheckPermit,
};
use crate::domain::audit::{self, AuditAction, AuditEntry, AuditFilter};
use crate::domain::directory::{Property, PropertyStatus};
use crate::domain::error::{DomainError, FieldError};
use crate::domain::query::Page;
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
    pub token_id: i64,
    pub name: String,
    pub token: String,
    pub created_on: Stamp,
    pub expires_on: Option<Stamp>,
}

fn no_such_user(user_id: i64) -> DomainError {
    DomainError::not_found(format!("There is no user {user_id}."))
}

fn hashed(result: Result<String, String>) -> ServiceResult<String> {
    result.map_err(ServiceError::Internal)
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

    /// 429/116 when sign-ins for `user_name` from `client` are throttled now.
    async fn refuse_if_throttled(&self, user_name: &str, client: IpAddr) -> ServiceResult<()> {
        match self.store.login_wait(user_name, client).await? {
            None => Ok(()),
            Some(wait) => Err(DomainError::throttled(
                format!("Too many failed sign-ins for {user_name:?}; try again in {wait} seconds."),
                wait,
            )
            .into()),
        }
    }

    /// Signs in from the client address `client` (docs/api.md §3). The throttle
    /// is asked once on arrival (a refused name waits for nothing) and again
    /// when the password check is about to start, under its permit; only a
    /// check that fails counts.
    pub async fn sign_in(&self, user_name: String, password: String, client: IpAddr) -> ServiceResult<Session> {
        self.refuse_if_throttled(&user_name, client).await?;
        let name = user_name.clone();
        let record = self.store.read(move |tx| tx.login_record(&name)).await?;
        let mut permit = self.password_check_permit().await?;
        self.refuse_if_throttled(&user_name, client).await?;
        let store = self.store.clone();
        let name = user_name.clone();
        let verified = blocking(move || {
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
            // Recorded before the permit is released (and even if the request
            // was abandoned meanwhile): the next check to start sees it.
            record_check(&store, &name, client, verified.is_some());
            drop(permit);
            verified
        })
        .await?;
        let Some(user_id) = verified else {
            return Err(DomainError::invalid_credentials(
                "The user name or password is wrong, or the user is inactive.",
            )
            .into());
        };
        let token = new_token();
        let now = Stamp::now();
        let expires_on = now.plus_seconds(self.config.session_seconds);
        let session = NewToken {
            user_id,
            hash: token_hash(&token),
            kind: TokenKind::Session,
            name: None,
            created_on: now,
            expires_on: Some(expires_on),
        };
        let user = self
            .store
            .write(move |tx| -> ServiceResult<User> {
                tx.insert_token(&session)?;
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
        if let Err(problem) = check_password(&new_password) {
            return Err(DomainError::invalid_field("NewPassword", &problem).into());
        }
        let user_name = caller.user_name.clone();
        self.refuse_if_throttled(&user_name, client).await?;
        let name = user_name.clone();
        let record = self.store.read(move |tx| tx.login_record(&name)).await?;
        let mut permit = self.password_check_permit().await?;
        self.refuse_if_throttled(&user_name, client).await?;
        // The check and the new hash run under the same permit; the outcome
        // is recorded before the permit is released.
        let store = self.store.clone();
        let name = user_name.clone();
        let new_hash = blocking(move || {
            let verified = record.is_some_and(|r| {
                r.active && verify_password_with(&current_password, &r.password_hash, permit.memory())
            });
            record_check(&store, &name, client, verified);
            if !verified {
                return None;
            }
            let new_hash = hash_password_with(&new_password, permit.memory());
            drop(permit);
            Some(new_hash)
        })
        .await?;
        let Some(password_hash) = new_hash else {
            let mut refusal = DomainError::invalid_credentials("The current password is wrong.");
            refusal.errors.push(FieldError::new("CurrentPassword", "is wrong"));
            return Err(refusal.into());
        };
        let password_hash = hashed(password_hash)?;
        let (user_id, token_id) = (caller.user_id, caller.token_id);
        let actor = caller.clone();
        self.store
            .write(move |tx| -> ServiceResult<()> {
                tx.update_user(user_id, &UserChanges::default(), Some(&password_hash))?;
                tx.revoke_other_sessions(user_id, token_id, Stamp::now())?;
                let target = audit::user_target(user_id, &actor.user_name);
                let details = Some("its other session tokens revoked".to_string());
                audit(tx, &actor, AuditAction::UserPasswordChanged, target, details)
            })
            .await?;
        self.tokens.forget_user(user_id);
        Ok(())
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
        let now = Stamp::now();
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
        // PostgreSQL: every instance's changes are heard as they commit;
        // looking costs nothing, so every request looks.
        if let Some(changes) = self.store.heard_credential_changes() {
            if self.credential_watch.moved_to(changes) {
                self.tokens.forget_all();
            }
            return;
        }
        if !self.credential_watch.claim_look() {
            return;
        }
        match self.store.read(|tx| -> ServiceResult<i64> { Ok(tx.credential_changes()?) }).await {
            Ok(changes) => {
                if self.credential_watch.moved_to(changes) {
                    self.tokens.forget_all();
                }
            }
            Err(e) => {
                self.credential_watch.look_again();
                log::warn!("could not reread the credential changes: {e}");
            }
        }
    }

    async fn load_user(&self, user_id: i64) -> ServiceResult<User> {
        self.store
            .read(move |tx| -> ServiceResult<Option<User>> { Ok(tx.user(user_id)?) })
            .await?
            .ok_or_else(|| no_such_user(user_id).into())
    }

    /// One user: the caller itself, or any user for an admin.
    pub async fn get_user(&self, caller: &Caller, user_id: i64) -> ServiceResult<User> {
        caller.require_self_or_admin(user_id)?;
        self.load_user(user_id).await
    }

    pub async fn list_users(&self, caller: &Caller, page: Page) -> ServiceResult<(i64, Vec<User>)> {
        caller.require_admin()?;
        self.store.read(move |tx| -> ServiceResult<_> { Ok(tx.users_page(page)?) }).await
    }

    /// A user by name (for the command line).
    pub async fn find_user_by_name(&self, caller: &Caller, user_name: &str) -> ServiceResult<Option<User>> {
        caller.require_admin()?;
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

    pub async fn create_user(&self, caller: &Caller, new_user: NewUser) -> ServiceResult<User> {
        caller.require_admin()?;
        let password_hash = self.hash_new_password(new_user.password.clone()).await?;
        let actor = caller.clone();
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
    pub async fn update_user(&self, caller: &Caller, user_id: i64, changes: UserChanges) -> ServiceResult<User> {
        caller.require_admin()?;
        let password_hash = match changes.password.clone() {
            Some(password) => Some(self.hash_new_password(password).await?),
            None => None,
        };
        let actor = caller.clone();
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
        caller: &Caller,
        user_id: i64,
        status: PropertyStatus,
        page: Page,
    ) -> ServiceResult<(i64, Vec<Property>)> {
        caller.require_self_or_admin(user_id)?;
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
        caller: &Caller,
        user_id: i64,
        name: String,
        expires_on: Option<Stamp>,
    ) -> ServiceResult<IssuedToken> {
        caller.require_self_or_admin(user_id)?;
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
        let actor = caller.clone();
        let zone = self.config.zone.clone();
        let token_id = self
            .store
            .write(move |tx| -> ServiceResult<i64> {
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
    pub async fn list_api_tokens(&self, caller: &Caller, user_id: i64) -> ServiceResult<Vec<TokenInfo>> {
        caller.require_self_or_admin(user_id)?;
        self.store
            .read(move |tx| -> ServiceResult<Vec<TokenInfo>> {
                tx.user(user_id)?.ok_or_else(|| no_such_user(user_id))?;
                Ok(tx.live_api_tokens(user_id, Stamp::now())?)
            })
            .await
    }

    pub async fn revoke_api_token(&self, caller: &Caller, user_id: i64, token_id: i64) -> ServiceResult<()> {
        caller.require_self_or_admin(user_id)?;
        let actor = caller.clone();
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
    pub async fn revoke_token_by_id(&self, caller: &Caller, token_id: i64) -> ServiceResult<TokenRecord> {
        caller.require_admin()?;
        let actor = caller.clone();
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
        caller: &Caller,
        filter: AuditFilter,
        page: Page,
    ) -> ServiceResult<(i64, Vec<AuditEntry>)> {
        caller.require_admin()?;
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
        self.create_user(&Caller::command_line(), admin).await?;
        Ok(Some(password))
    }
}

/// Records a password check's outcome for the sign-in throttle, on the
/// thread that ran the check, before its permit is released: the next
/// check to start sees it. A failure to record is logged; the answer to
/// this request stands (its check did run).
fn record_check(store: &Store, user_name: &str, client: IpAddr, succeeded: bool) {
    if let Err(e) = store.record_login(user_name, client, succeeded) {
        log::warn!("could not record a password check for the sign-in throttle: {e}");
    }
}

/// Revokes `token` and audits it, in the caller's write.
fn revoke_audited(tx: &mut dyn Writes, actor: &Caller, token: &TokenRecord) -> ServiceResult<()> {
    tx.revoke_token(token.user_id, token.token_id, Stamp::now())?;
    let api = token.kind == TokenKind::Api;
    let target = audit::token_target(token.token_id, api, token.name.as_deref(), token.user_id, &token.user_name);
    audit(tx, actor, AuditAction::TokenRevoked, target, None)
}
