//! Sign-in and sign-out, token checks, users, their properties and tokens (API.md §3).

use super::{blocking, Service, ServiceError, ServiceResult};
use crate::credentials::{
    decoy_hash, hash_password_with, new_password, new_token, token_hash, verify_password_with, CheckPermit,
};
use crate::domain::directory::{Property, PropertyStatus};
use crate::domain::error::{DomainError, FieldError};
use crate::domain::query::Page;
use crate::domain::time::Stamp;
use crate::domain::users::{check_password, Caller, NewToken, NewUser, Role, TokenInfo, TokenKind, User, UserChanges};
use std::net::IpAddr;

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

impl Service {
    /// A permit to run a password check (API.md §3: at most as many at once
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
    fn refuse_if_throttled(&self, user_name: &str, client: IpAddr) -> ServiceResult<()> {
        match self.throttle.check(user_name, client) {
            Ok(()) => Ok(()),
            Err(wait) => Err(DomainError::throttled(
                format!("Too many failed sign-ins for {user_name:?}; try again in {wait} seconds."),
                wait,
            )
            .into()),
        }
    }

    /// Signs in from the client address `client` (API.md §3). The throttle
    /// is asked once on arrival (a refused name waits for nothing) and again
    /// when the password check is about to start, under its permit; only a
    /// check that fails counts.
    pub async fn sign_in(&self, user_name: String, password: String, client: IpAddr) -> ServiceResult<Session> {
        self.refuse_if_throttled(&user_name, client)?;
        let name = user_name.clone();
        let record = self.store.read(move |tx| tx.login_record(&name)).await?;
        let mut permit = self.password_check_permit().await?;
        self.refuse_if_throttled(&user_name, client)?;
        let throttle = self.throttle.clone();
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
            match verified {
                Some(_) => throttle.record_success(&name, client),
                None => throttle.record_failure(&name, client),
            }
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
        self.refuse_if_throttled(&user_name, client)?;
        let name = user_name.clone();
        let record = self.store.read(move |tx| tx.login_record(&name)).await?;
        let mut permit = self.password_check_permit().await?;
        self.refuse_if_throttled(&user_name, client)?;
        // The check and the new hash run under the same permit; the outcome
        // is recorded before the permit is released.
        let throttle = self.throttle.clone();
        let name = user_name.clone();
        let new_hash = blocking(move || {
            let verified = record.is_some_and(|r| {
                r.active && verify_password_with(&current_password, &r.password_hash, permit.memory())
            });
            if !verified {
                throttle.record_failure(&name, client);
                return None;
            }
            throttle.record_success(&name, client);
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
        self.store
            .write(move |tx| -> ServiceResult<()> {
                tx.update_user(user_id, &UserChanges::default(), Some(&password_hash))?;
                tx.revoke_other_sessions(user_id, token_id, Stamp::now())?;
                Ok(())
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
        self.store
            .write(move |tx| -> ServiceResult<User> {
                if tx.user_id_by_name(&new_user.user_name)?.is_some() {
                    return Err(DomainError::invalid_operation(format!(
                        "The user name {:?} is already taken (names are unique ignoring case).",
                        new_user.user_name
                    ))
                    .into());
                }
                let user_id = tx.insert_user(&new_user, &password_hash, Stamp::now())?;
                tx.user(user_id)?.ok_or_else(|| ServiceError::Internal("inserted user vanished".into()))
            })
            .await
    }

    /// Changes a user. Deactivating revokes all its tokens, a new password
    /// its session tokens (API tokens stay: they are for programs, and the
    /// admin can revoke them apart); the last active admin can be neither
    /// deactivated nor demoted (nobody could undo it).
    pub async fn update_user(&self, caller: &Caller, user_id: i64, changes: UserChanges) -> ServiceResult<User> {
        caller.require_admin()?;
        let password_hash = match changes.password.clone() {
            Some(password) => Some(self.hash_new_password(password).await?),
            None => None,
        };
        let user = self
            .store
            .write(move |tx| -> ServiceResult<User> {
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
                tx.user(user_id)?.ok_or_else(|| ServiceError::Internal("updated user vanished".into()))
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
        let token_id = self
            .store
            .write(move |tx| -> ServiceResult<i64> {
                tx.user(user_id)?.ok_or_else(|| no_such_user(user_id))?;
                Ok(tx.insert_token(&record)?)
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
        let revoked = self
            .store
            .write(move |tx| -> ServiceResult<bool> { Ok(tx.revoke_token(user_id, token_id, Stamp::now())?) })
            .await?;
        if !revoked {
            return Err(DomainError::not_found(format!("User {user_id} has no live token {token_id}.")).into());
        }
        self.tokens.forget_token(token_id);
        Ok(())
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
