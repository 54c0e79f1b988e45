//! The public (unsigned) operations for end users' apps: GetId,
//! GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity, for guests
//! and for identities signed in with verified logins. A new guest costs no
//! authority call: its id proves itself (see `ids`), and a pool that lists
//! its guests records it after the response. With `GUEST_RETENTION_DAYS`
//! set, a guest's use is noted in its list entry after the response too,
//! once a day, for the scheduled sweep (see `sweep`).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Deserialize;
use serde_json::{json, Value};

use super::aws_roles::AwsRole;
use super::lookup::Known;
use super::signin::{Login, Named};
use super::Service;
use crate::core::authority::Command;
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::credentials::{self, SessionClaims, CREDENTIAL_LIFETIME};
use crate::core::error::ApiError;
use crate::core::ids::new_guest_id;
use crate::core::model::{check_id, check_logins, GuestStorage};
use crate::core::records::{IdentityRecord, PoolRecord};
use crate::core::roles;
use crate::core::store::{keys, Later, PutOptions, Store};
use crate::core::token::{self, OpenIdClaims, TOKEN_LIFETIME};
use crate::core::validate::{Pattern, Violations};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct GetIdInput {
    account_id: Option<String>,
    identity_pool_id: Option<String>,
    logins: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct IdentityCallInput {
    identity_id: Option<String>,
    logins: Option<BTreeMap<String, String>>,
    custom_role_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UnlinkInput {
    identity_id: Option<String>,
    logins: Option<BTreeMap<String, String>>,
    logins_to_remove: Option<Vec<String>>,
}

const GUEST_AMR: &str = "unauthenticated";

/// Who a call is, once checked: its identity, pool, and (if signed in) logins.
struct Caller {
    identity_id: String,
    pool: Rc<PoolRecord>,
    logins: Vec<Login>,
}

fn has_logins(logins: &Option<BTreeMap<String, String>>) -> bool {
    logins.as_ref().is_some_and(|l| !l.is_empty())
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    pub(super) async fn get_id(&self, input: GetIdInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        v.opt_string("accountId", &input.account_id, 1, 15, Some(Pattern::Digits));
        check_id(&mut v, "identityPoolId", &input.identity_pool_id);
        check_logins(&mut v, &input.logins);
        v.finish()?;
        let pool_id = input.identity_pool_id.unwrap_or_default();
        let pool = self.pool(&pool_id).await?;
        if has_logins(&input.logins) {
            let logins = self.verify_client_logins(&pool, input.logins.as_ref().expect("checked")).await?;
            let (identity_id, _) = self.sign_in(&pool, &logins, Named::default()).await?;
            return Ok(json!({ "IdentityId": identity_id }));
        }
        if !pool.config.allows_guests() {
            return Err(ApiError::no_guests());
        }
        self.admit_new_identity(&pool_id).await?;
        let key = self.secrets.hash_key.guest_key(&pool_id);
        let identity_id = new_guest_id(&self.config.region, self.pool_route(&pool_id), &key, self.random);
        if pool.config.guest_storage() == GuestStorage::Listed {
            // Listed for ListIdentities after the response; a random id needs
            // no uniqueness check, so no authority is asked.
            let now = self.clock.now();
            let metadata = Some(IdentityRecord::guest(&pool_id, now).member_metadata());
            let key = keys::member(&pool_id, &identity_id);
            self.store.later(Later::Put { key, value: String::new(), options: PutOptions { metadata, ttl: None } });
        }
        Ok(json!({ "IdentityId": identity_id }))
    }

    /// The checks GetCredentialsForIdentity and GetOpenIdToken share: with
    /// Logins, every login is verified and linked (or merged); without, the
    /// identity must be an enabled guest of a pool that allows guests.
    async fn caller(&self, input: &IdentityCallInput) -> Result<Caller, ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityId", &input.identity_id);
        check_logins(&mut v, &input.logins);
        v.opt_string("customRoleArn", &input.custom_role_arn, 20, 2048, None);
        v.finish()?;
        let named = input.identity_id.clone().unwrap_or_default();
        let known = self.lookup(&named).await?;
        let pool = match &known {
            Known::Stored(record) => self.pool(&record.pool).await?,
            Known::Unstored(pool) => pool.clone(),
        };
        if let Some(map) = input.logins.as_ref().filter(|l| !l.is_empty()) {
            let logins = self.verify_client_logins(&pool, map).await?;
            let unstored_guest = matches!(known, Known::Unstored(_));
            let from = Named { id: Some(&named), unstored_guest, developer: None };
            let (identity_id, _) = self.sign_in(&pool, &logins, from).await?;
            return Ok(Caller { identity_id, pool, logins });
        }
        if let Known::Stored(identity) = &known {
            if identity.disabled {
                return Err(ApiError::identity_disabled(&named));
            }
            if !identity.is_guest() {
                return Err(ApiError::logins_dont_match());
            }
        }
        if !pool.config.allows_guests() {
            return Err(ApiError::no_guests());
        }
        self.note_guest_use(&named, &known);
        Ok(Caller { identity_id: named, pool, logins: Vec::new() })
    }

    /// While `GUEST_RETENTION_DAYS` is set, notes that a guest was used
    /// today in its list entry (the sweep's `u`), at most once per UTC day
    /// per isolate, as a write after the response: nothing on the
    /// response's path. A guest that has no list entry (a `none` pool's
    /// never stored) is not noted; with retention off nothing is.
    fn note_guest_use(&self, identity_id: &str, known: &Known) {
        if self.config.guest_retention_days.is_none() {
            return;
        }
        let now = self.clock.now();
        if self.cache.used_today(identity_id, now) {
            return;
        }
        let pool_id = match known {
            Known::Stored(record) => record.pool.as_str(),
            Known::Unstored(pool) if pool.config.guest_storage() == GuestStorage::Listed => pool.id(),
            Known::Unstored(_) => return,
        };
        self.store.later(Later::MarkUsed { key: keys::member(pool_id, identity_id), used: now });
        self.cache.keep_used_today(identity_id, now);
    }

    fn amr(&self, caller: &Caller) -> Vec<String> {
        if caller.logins.is_empty() {
            vec![GUEST_AMR.into()]
        } else {
            self.authenticated_amr(caller.pool.id(), &caller.logins)
        }
    }

    pub(super) async fn get_credentials(&self, input: IdentityCallInput) -> Result<Value, ApiError> {
        let caller = self.caller(&input).await?;
        let role_arn = if caller.logins.is_empty() {
            let pool_id = caller.pool.id();
            caller
                .pool
                .roles
                .get("unauthenticated")
                .cloned()
                .ok_or_else(|| ApiError::missing_role("unauthenticated", pool_id))?
        } else {
            let facts: Vec<_> = caller.logins.iter().map(Login::facts).collect();
            roles::resolve(&caller.pool, &facts, input.custom_role_arn.as_deref())?
        };
        if self.is_aws_role(&role_arn) {
            let role = AwsRole {
                pool_id: caller.pool.id(),
                identity_id: &caller.identity_id,
                role_arn: &role_arn,
                authenticated: !caller.logins.is_empty(),
                amr: self.amr(&caller),
                tags: self.principal_tags(&caller.pool, &caller.logins),
            };
            let creds = self.assume_aws_role(role).await?;
            return Ok(json!({ "IdentityId": caller.identity_id, "Credentials": creds }));
        }
        let claims = SessionClaims {
            access_key_id: String::new(),
            pool_id: caller.pool.id().to_owned(),
            identity_id: caller.identity_id.clone(),
            role_arn,
            amr: self.amr(&caller),
            tags: self.principal_tags(&caller.pool, &caller.logins),
            expiration: self.clock.now() + CREDENTIAL_LIFETIME,
        };
        let creds = credentials::issue(&self.secrets.credential_keys, self.random, claims);
        Ok(json!({ "IdentityId": caller.identity_id, "Credentials": creds }))
    }

    pub(super) async fn get_open_id_token(&self, input: IdentityCallInput) -> Result<Value, ApiError> {
        let caller = self.caller(&input).await?;
        // Cognito refuses the classic flow only where it is explicitly off;
        // a pool that never set AllowClassicFlow still allows it.
        if caller.pool.config.allow_classic_flow == Some(false) {
            return Err(ApiError::invalid_parameter("Basic (classic) flow is not enabled, please use enhanced flow."));
        }
        let now = self.clock.now();
        let claims = OpenIdClaims {
            iss: self.config.issuer.clone(),
            sub: caller.identity_id.clone(),
            aud: caller.pool.id().to_owned(),
            amr: self.amr(&caller),
            iat: now,
            exp: now + TOKEN_LIFETIME,
            tags: None,
        };
        let token = token::sign(self.signer, &claims).await.map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(json!({ "IdentityId": caller.identity_id, "Token": token }))
    }

    pub(super) async fn unlink_identity(&self, input: UnlinkInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityId", &input.identity_id);
        if let Some(logins) = v.required("logins", &input.logins) {
            v.count("logins", logins.len(), 0, 10);
        }
        check_logins(&mut v, &input.logins);
        if let Some(remove) = v.required("loginsToRemove", &input.logins_to_remove) {
            v.count("loginsToRemove", remove.len(), 0, 10);
            for name in remove {
                v.string("loginsToRemove", name, 1, 128, None);
            }
        }
        v.finish()?;
        let identity_id = input.identity_id.unwrap_or_default();
        // A guest never stored has no login to remove.
        let Known::Stored(identity) = self.lookup(&identity_id).await? else {
            return Err(ApiError::logins_dont_match());
        };
        let pool = self.pool(&identity.pool).await?;
        let logins = self.verify_client_logins(&pool, &input.logins.unwrap_or_default()).await?;
        let command = Command::Unlink {
            identity_id: identity_id.clone(),
            proven: logins.iter().map(|l| l.mac.clone()).collect(),
            remove: input.logins_to_remove.unwrap_or_default(),
            now: self.clock.now(),
        };
        let outcome = self.authority.apply(self.pool_route(pool.id()), command).await;
        self.cache.forget_identity(&identity_id);
        for login in &identity.logins {
            self.cache.forget_owner(&keys::login(pool.id(), &login.mac));
        }
        outcome?;
        Ok(json!({}))
    }
}
