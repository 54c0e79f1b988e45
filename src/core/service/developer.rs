//! Developer-authenticated identities, for apps with their own login
//! backend (admin operations): GetOpenIdTokenForDeveloperIdentity makes or
//! finds the identity of a developer user and returns cognate's token for
//! it, which then signs in as `cognito-identity.amazonaws.com`;
//! LookupDeveloperIdentity, MergeDeveloperIdentities and
//! UnlinkDeveloperIdentity. Developer user identifiers are found by their
//! login MAC and kept only sealed (see `core::developer`).

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::lookup::Known;
use super::signin::{Login, Named};
use super::{unexpected, Service};
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::developer::{self, MAX_USER_ID_LEN};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::login::claims::Claims;
use crate::core::login::provider::ProviderKind;
use crate::core::login::VerifiedLogin;
use crate::core::model::{check_id, check_logins};
use crate::core::records::PoolRecord;
use crate::core::store::{keys, Store};
use crate::core::token::{self, OpenIdClaims, TagsClaim};
use crate::core::validate::{Pattern, Violations};

/// The default and longest lifetime of a developer identity's token (s).
const DEFAULT_TOKEN_DURATION: i64 = 900;
const MAX_TOKEN_DURATION: i64 = 86_400;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TokenInput {
    identity_pool_id: Option<String>,
    identity_id: Option<String>,
    logins: Option<BTreeMap<String, String>>,
    principal_tags: Option<BTreeMap<String, String>>,
    token_duration: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct LookupInput {
    identity_pool_id: Option<String>,
    identity_id: Option<String>,
    developer_user_identifier: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct MergeInput {
    source_user_identifier: Option<String>,
    destination_user_identifier: Option<String>,
    developer_provider_name: Option<String>,
    identity_pool_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UnlinkInput {
    identity_id: Option<String>,
    identity_pool_id: Option<String>,
    developer_provider_name: Option<String>,
    developer_user_identifier: Option<String>,
}

fn check_user(v: &mut Violations, field: &str, value: &Option<String>, required: bool) {
    if required {
        if let Some(user) = v.required(field, value) {
            v.secret(field, user, 1, MAX_USER_ID_LEN);
        }
    } else if let Some(user) = value {
        v.secret(field, user, 1, MAX_USER_ID_LEN);
    }
}

fn check_provider_name(v: &mut Violations, value: &Option<String>) {
    if let Some(name) = v.required("developerProviderName", value) {
        v.string("developerProviderName", name, 1, 128, Some(Pattern::DeveloperProvider));
    }
}

fn unsupported_provider() -> ApiError {
    ApiError::not_authorized("This identity pool does not support the specified developer provider.")
}

/// Where a page of developer user identifiers starts (an opaque token).
fn page_start(next_token: Option<&str>) -> Result<usize, ApiError> {
    let Some(token) = next_token else { return Ok(0) };
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("dev:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| ApiError::invalid_parameter("The pagination token is invalid."))
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// The pool's developer provider, which `name` must be.
    fn developer_provider<'p>(&self, pool: &'p PoolRecord, name: &str) -> Result<&'p str, ApiError> {
        match pool.config.developer_provider_name.as_deref() {
            Some(dev) if dev == name => Ok(dev),
            _ => Err(unsupported_provider()),
        }
    }

    /// The developer user `user_id` of `pool` as a login, its id sealed.
    fn developer_login(&self, pool: &PoolRecord, provider: &str, user_id: &str) -> Login {
        let mac = self.secrets.hash_key.login_mac(pool.id(), provider, user_id);
        let sealed = developer::seal(&self.secrets.hash_key, pool.id(), &mac, user_id, self.random);
        let verified = VerifiedLogin {
            provider: provider.to_owned(),
            sub: user_id.to_owned(),
            client_id: String::new(),
            claims: Claims::default(),
        };
        Login { verified, kind: ProviderKind::Oidc, mac, sealed: Some(sealed) }
    }

    /// The identity that owns the login `mac` in `pool_id` (asking the
    /// pool's authority when the store has not caught up).
    async fn owner_of(&self, pool_id: &str, mac: &str) -> Result<Option<String>, ApiError> {
        self.read(&keys::login(pool_id, mac), Some(self.pool_route(pool_id))).await
    }

    pub(super) async fn get_open_id_token_for_developer_identity(&self, input: TokenInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityPoolId", &input.identity_pool_id);
        if input.identity_id.is_some() {
            check_id(&mut v, "identityId", &input.identity_id);
        }
        v.required("logins", &input.logins);
        check_logins(&mut v, &input.logins);
        if let Some(tags) = &input.principal_tags {
            v.count("principalTags", tags.len(), 0, 50);
            for (key, value) in tags {
                v.string("principalTags", key, 1, 128, None);
                v.string("principalTags", value, 1, 256, None);
            }
        }
        if let Some(d) = input.token_duration {
            v.number("tokenDuration", d, 1, MAX_TOKEN_DURATION);
        }
        v.finish()?;
        let pool_id = input.identity_pool_id.unwrap_or_default();
        let pool = self.pool(&pool_id).await?;
        let dev = pool.config.developer_provider_name.as_deref();
        let (developer, public): (BTreeMap<String, String>, BTreeMap<String, String>) =
            input.logins.unwrap_or_default().into_iter().partition(|(name, _)| Some(name.as_str()) == dev);
        let mut logins = self.verify_logins(&pool, &public).await?;
        let mut developer_mac = None;
        for (provider, user_id) in &developer {
            if user_id.chars().count() > MAX_USER_ID_LEN {
                return Err(ApiError::invalid_parameter("A developer user identifier is at most 1024 characters."));
            }
            let login = self.developer_login(&pool, provider, user_id);
            developer_mac = Some(login.mac.clone());
            logins.push(login);
        }
        if logins.is_empty() {
            return Err(unsupported_provider());
        }
        let mut named = Named { developer: developer_mac.as_deref(), ..Named::default() };
        let known = match &input.identity_id {
            Some(id) => Some(self.lookup(id).await?),
            None => None,
        };
        if let (Some(id), Some(known)) = (&input.identity_id, &known) {
            let in_pool = match known {
                Known::Stored(record) => record.pool == pool_id,
                Known::Unstored(p) => p.id() == pool_id,
            };
            if !in_pool {
                return Err(ApiError::identity_not_found(id));
            }
            named.id = Some(id);
            named.unstored_guest = matches!(known, Known::Unstored(_));
        }
        let (identity_id, _) = self.sign_in(&pool, &logins, named).await?;
        let now = self.clock.now();
        let tags = input.principal_tags.filter(|t| !t.is_empty()).map(|t| TagsClaim {
            principal_tags: t.into_iter().map(|(k, v)| (k, vec![v])).collect(),
            transitive_tag_keys: Vec::new(),
        });
        let claims = OpenIdClaims {
            iss: self.config.issuer.clone(),
            sub: identity_id.clone(),
            aud: pool_id.clone(),
            amr: self.authenticated_amr(&pool_id, &logins),
            iat: now,
            exp: now + input.token_duration.unwrap_or(DEFAULT_TOKEN_DURATION).unsigned_abs(),
            tags,
        };
        let token = token::sign(self.signer, &claims).await.map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(json!({ "IdentityId": identity_id, "Token": token }))
    }

    pub(super) async fn lookup_developer_identity(&self, input: LookupInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityPoolId", &input.identity_pool_id);
        if input.identity_id.is_some() {
            check_id(&mut v, "identityId", &input.identity_id);
        }
        check_user(&mut v, "developerUserIdentifier", &input.developer_user_identifier, false);
        if let Some(n) = input.max_results {
            v.number("maxResults", n, 1, 60);
        }
        v.opt_string("nextToken", &input.next_token, 1, 55_000, Some(Pattern::NoSpace));
        v.finish()?;
        let pool_id = input.identity_pool_id.unwrap_or_default();
        let pool = self.pool(&pool_id).await?;
        let by_user = match (&input.developer_user_identifier, pool.config.developer_provider_name.as_deref()) {
            (None, _) => None,
            (Some(_), None) => return Err(unsupported_provider()),
            (Some(user), Some(dev)) => {
                let mac = self.secrets.hash_key.login_mac(&pool_id, dev, user);
                let owner = self.owner_of(&pool_id, &mac).await?;
                Some(owner.ok_or_else(|| {
                    ApiError::new(ErrorKind::ResourceNotFound, "The developer user identifier was not found.")
                })?)
            }
        };
        let identity_id = match (by_user, input.identity_id) {
            (Some(found), Some(named)) if found != named => {
                return Err(ApiError::new(
                    ErrorKind::ResourceConflict,
                    "The developer user identifier is linked to another identity.",
                ))
            }
            (Some(found), _) => found,
            (None, Some(named)) => named,
            (None, None) => {
                return Err(ApiError::invalid_parameter("Either IdentityId or DeveloperUserIdentifier is required."))
            }
        };
        let users = match self.lookup(&identity_id).await? {
            Known::Stored(record) if record.pool == pool_id => {
                let dev = pool.config.developer_provider_name.as_deref().unwrap_or_default();
                record
                    .logins
                    .iter()
                    .filter(|l| l.provider == dev)
                    .filter_map(|l| developer::open(&self.secrets.hash_key, &pool_id, &l.mac, l.sealed.as_deref()?))
                    .collect()
            }
            Known::Unstored(p) if p.id() == pool_id => Vec::new(),
            _ => return Err(ApiError::identity_not_found(&identity_id)),
        };
        let start = page_start(input.next_token.as_deref())?;
        let size = usize::try_from(input.max_results.unwrap_or(60)).unwrap_or(60);
        let page: Vec<&String> = users.iter().skip(start).take(size).collect();
        let mut out = json!({ "IdentityId": identity_id, "DeveloperUserIdentifierList": page });
        if start + size < users.len() {
            out["NextToken"] = URL_SAFE_NO_PAD.encode(format!("dev:{}", start + size)).into();
        }
        Ok(out)
    }

    pub(super) async fn merge_developer_identities(&self, input: MergeInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_user(&mut v, "sourceUserIdentifier", &input.source_user_identifier, true);
        check_user(&mut v, "destinationUserIdentifier", &input.destination_user_identifier, true);
        check_provider_name(&mut v, &input.developer_provider_name);
        check_id(&mut v, "identityPoolId", &input.identity_pool_id);
        v.finish()?;
        let pool_id = input.identity_pool_id.unwrap_or_default();
        let pool = self.pool(&pool_id).await?;
        let dev = self.developer_provider(&pool, input.developer_provider_name.as_deref().unwrap_or_default())?;
        let mac =
            |user: &Option<String>| self.secrets.hash_key.login_mac(&pool_id, dev, user.as_deref().unwrap_or_default());
        let source = mac(&input.source_user_identifier);
        // The source's identity is disabled by the merge: this isolate forgets it.
        let merged = self.owner_of(&pool_id, &source).await?;
        let command = Command::MergeDevelopers {
            pool_id: pool_id.clone(),
            source: source.clone(),
            destination: mac(&input.destination_user_identifier),
            now: self.clock.now(),
        };
        let outcome = self.authority.apply(self.pool_route(&pool_id), command).await;
        for id in merged.iter() {
            self.cache.forget_identity(id);
        }
        self.cache.forget_owner(&keys::login(&pool_id, &source));
        match outcome? {
            Outcome::Identity { identity_id, .. } => {
                self.cache.forget_identity(&identity_id);
                Ok(json!({ "IdentityId": identity_id }))
            }
            other => Err(unexpected(&other)),
        }
    }

    pub(super) async fn unlink_developer_identity(&self, input: UnlinkInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityId", &input.identity_id);
        check_id(&mut v, "identityPoolId", &input.identity_pool_id);
        check_provider_name(&mut v, &input.developer_provider_name);
        check_user(&mut v, "developerUserIdentifier", &input.developer_user_identifier, true);
        v.finish()?;
        let pool_id = input.identity_pool_id.unwrap_or_default();
        let pool = self.pool(&pool_id).await?;
        let dev = self.developer_provider(&pool, input.developer_provider_name.as_deref().unwrap_or_default())?;
        let user = input.developer_user_identifier.unwrap_or_default();
        let mac = self.secrets.hash_key.login_mac(&pool_id, dev, &user);
        let identity_id = input.identity_id.unwrap_or_default();
        let command = Command::UnlinkDeveloper {
            pool_id: pool_id.clone(),
            identity_id: identity_id.clone(),
            mac: mac.clone(),
            now: self.clock.now(),
        };
        let outcome = self.authority.apply(self.pool_route(&pool_id), command).await;
        self.cache.forget_identity(&identity_id);
        self.cache.forget_owner(&keys::login(&pool_id, &mac));
        outcome?;
        Ok(json!({}))
    }
}
