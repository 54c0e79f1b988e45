//! The public (unsigned) operations for end users: GetId,
//! GetCredentialsForIdentity and GetOpenIdToken. Guests are served in
//! full; a call that carries Logins is refused until federated sign-in is
//! built, never accepted unverified.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{unexpected, Service};
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Signer};
use crate::core::credentials::{self, SessionClaims, CREDENTIAL_LIFETIME};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::ids::new_identity_id;
use crate::core::model::{check_id, check_logins};
use crate::core::records::{IdentityRecord, PoolRecord};
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

const GUEST_AMR: &str = "unauthenticated";

impl<S: Store, A: Authority, K: Signer> Service<'_, S, A, K> {
    pub(super) async fn get_id(&self, input: GetIdInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        v.opt_string("accountId", &input.account_id, 1, 15, Some(Pattern::Digits));
        check_id(&mut v, "identityPoolId", &input.identity_pool_id);
        check_logins(&mut v, &input.logins);
        v.finish()?;
        let pool_id = input.identity_pool_id.unwrap_or_default();
        if input.logins.as_ref().is_some_and(|l| !l.is_empty()) {
            let pool = self.pool(&pool_id).await?;
            return Err(refuse_logins(&pool, input.logins.as_ref()));
        }
        let route = self.pool_route(&pool_id);
        let identity_id = new_identity_id(&self.config.region, route, self.random);
        let command = Command::CreateGuest { pool_id, identity_id, now: self.clock.now() };
        match self.authority.apply(route, command).await? {
            Outcome::Identity { identity_id, .. } => Ok(json!({ "IdentityId": identity_id })),
            other => Err(unexpected(&other)),
        }
    }

    /// The checks GetCredentialsForIdentity and GetOpenIdToken share: the
    /// identity exists, is enabled and is a guest of a pool that still
    /// allows guests.
    async fn guest(&self, input: &IdentityCallInput) -> Result<(String, IdentityRecord, PoolRecord), ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityId", &input.identity_id);
        check_logins(&mut v, &input.logins);
        v.opt_string("customRoleArn", &input.custom_role_arn, 20, 2048, None);
        v.finish()?;
        let identity_id = input.identity_id.clone().unwrap_or_default();
        let identity = self.identity(&identity_id).await?;
        let pool = self.pool(&identity.pool).await?;
        if identity.disabled {
            return Err(ApiError::not_authorized(format!("Identity '{identity_id}' is disabled.")));
        }
        if input.logins.as_ref().is_some_and(|l| !l.is_empty()) {
            return Err(refuse_logins(&pool, input.logins.as_ref()));
        }
        if !identity.is_guest() {
            return Err(ApiError::not_authorized(
                "Logins don't match. Please include at least one valid login for this identity or identity pool.",
            ));
        }
        if !pool.config.allows_guests() {
            return Err(ApiError::not_authorized("Unauthenticated access is not supported for this identity pool."));
        }
        Ok((identity_id, identity, pool))
    }

    pub(super) async fn get_credentials(&self, input: IdentityCallInput) -> Result<Value, ApiError> {
        let (identity_id, identity, pool) = self.guest(&input).await?;
        let role_arn = pool.roles.get("unauthenticated").cloned().ok_or_else(|| {
            ApiError::new(
                ErrorKind::InvalidIdentityPoolConfiguration,
                format!(
                    "Invalid identity pool configuration. Check assigned IAM roles for this pool. \
                     No unauthenticated role is set for identity pool '{}'.",
                    identity.pool
                ),
            )
        })?;
        let now = self.clock.now();
        let claims = SessionClaims {
            access_key_id: String::new(),
            pool_id: identity.pool,
            identity_id: identity_id.clone(),
            role_arn,
            amr: vec![GUEST_AMR.into()],
            tags: BTreeMap::new(),
            expiration: now + CREDENTIAL_LIFETIME,
        };
        let creds = credentials::issue(&self.secrets.credential_keys, self.random, claims);
        Ok(json!({ "IdentityId": identity_id, "Credentials": creds }))
    }

    pub(super) async fn get_open_id_token(&self, input: IdentityCallInput) -> Result<Value, ApiError> {
        let (identity_id, identity, _) = self.guest(&input).await?;
        let now = self.clock.now();
        let claims = OpenIdClaims {
            iss: self.config.issuer.clone(),
            sub: identity_id.clone(),
            aud: identity.pool,
            amr: vec![GUEST_AMR.into()],
            iat: now,
            exp: now + TOKEN_LIFETIME,
        };
        let token = token::sign(self.signer, &claims).await.map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(json!({ "IdentityId": identity_id, "Token": token }))
    }
}

/// Logins are refused until sign-in is verified: with Cognito's text for a
/// provider the pool does not support, and plainly otherwise.
fn refuse_logins(pool: &PoolRecord, logins: Option<&BTreeMap<String, String>>) -> ApiError {
    let supported = pool.config.supported_login_providers.as_ref();
    let unsupported = logins.into_iter().flatten().any(|(name, _)| !supported.is_some_and(|s| s.contains_key(name)));
    if unsupported {
        ApiError::not_authorized("Token is not from a supported provider of this identity pool.")
    } else {
        ApiError::not_authorized("Sign-in with identity provider tokens is not available in this version of cognate.")
    }
}
