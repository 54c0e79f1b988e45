//! The public (unsigned) operations for end users' apps: GetId,
//! GetCredentialsForIdentity, GetOpenIdToken and UnlinkIdentity, for guests
//! and for identities signed in with verified logins.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::signin::Login;
use super::{unexpected, Service};
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::credentials::{self, SessionClaims, CREDENTIAL_LIFETIME};
use crate::core::error::ApiError;
use crate::core::ids::new_identity_id;
use crate::core::model::{check_id, check_logins};
use crate::core::records::{IdentityRecord, PoolRecord};
use crate::core::roles;
use crate::core::store::Store;
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
    identity: IdentityRecord,
    pool: PoolRecord,
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
        if has_logins(&input.logins) {
            let pool = self.pool(&pool_id).await?;
            let logins = self.verify_logins(&pool, input.logins.as_ref().expect("checked")).await?;
            let (identity_id, _) = self.sign_in(&pool, &logins, None).await?;
            return Ok(json!({ "IdentityId": identity_id }));
        }
        let route = self.pool_route(&pool_id);
        let identity_id = new_identity_id(&self.config.region, route, self.random);
        let command = Command::CreateGuest { pool_id, identity_id, now: self.clock.now() };
        match self.authority.apply(route, command).await? {
            Outcome::Identity { identity_id, .. } => Ok(json!({ "IdentityId": identity_id })),
            other => Err(unexpected(&other)),
        }
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
        let identity = self.identity(&named).await?;
        let pool = self.pool(&identity.pool).await?;
        if let Some(map) = input.logins.as_ref().filter(|l| !l.is_empty()) {
            let logins = self.verify_logins(&pool, map).await?;
            let (identity_id, identity) = self.sign_in(&pool, &logins, Some(&named)).await?;
            return Ok(Caller { identity_id, identity, pool, logins });
        }
        if identity.disabled {
            return Err(ApiError::identity_disabled(&named));
        }
        if !identity.is_guest() {
            return Err(ApiError::logins_dont_match());
        }
        if !pool.config.allows_guests() {
            return Err(ApiError::no_guests());
        }
        Ok(Caller { identity_id: named, identity, pool, logins: Vec::new() })
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
        let claims = SessionClaims {
            access_key_id: String::new(),
            pool_id: caller.identity.pool.clone(),
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
        let now = self.clock.now();
        let claims = OpenIdClaims {
            iss: self.config.issuer.clone(),
            sub: caller.identity_id.clone(),
            aud: caller.identity.pool.clone(),
            amr: self.amr(&caller),
            iat: now,
            exp: now + TOKEN_LIFETIME,
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
        let identity = self.identity(&identity_id).await?;
        let pool = self.pool(&identity.pool).await?;
        let logins = self.verify_logins(&pool, &input.logins.unwrap_or_default()).await?;
        let command = Command::Unlink {
            identity_id,
            proven: logins.iter().map(|l| l.mac.clone()).collect(),
            remove: input.logins_to_remove.unwrap_or_default(),
            now: self.clock.now(),
        };
        self.authority.apply(self.pool_route(pool.id()), command).await?;
        Ok(json!({}))
    }
}
