//! Sign-in for the public operations: every login of a call is verified,
//! hashed into its per-pool MAC, and handed to the pool's authority, which
//! finds, links or merges identities. A repeat sign-in whose logins the
//! store already maps to one identity needs no authority round trip.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::lookup::Known;
use super::{unexpected, Service};
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::ApiError;
use crate::core::ids::new_identity_id;
use crate::core::login::provider::{self, ProviderKind};
use crate::core::login::social::{self, SocialSettings, SocialVerifier};
use crate::core::login::{own, saml, LoginError, LoginVerifier, VerifiedLogin};
use crate::core::records::{IdentityRecord, LoginRef, PoolRecord};
use crate::core::roles::LoginFacts;
use crate::core::store::{keys, Store};

/// The claim AWS reads session tags from.
const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";

/// A verified login with what the role choice needs.
pub(super) struct Login {
    pub verified: VerifiedLogin,
    pub kind: ProviderKind,
    pub mac: String,
    /// A developer user's identifier, sealed (developer logins only).
    pub sealed: Option<String>,
}

/// What a sign-in starts from, besides its logins.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Named<'a> {
    /// The identity the call names.
    pub id: Option<&'a str>,
    /// Its id proved itself as a guest that was never stored.
    pub unstored_guest: bool,
    /// The MAC of the call's developer user: never merged from another identity.
    pub developer: Option<&'a str>,
}

impl Login {
    /// Whether it is a cognate token, which proves its identity rather than
    /// being linked to one.
    pub(super) fn is_own(&self) -> bool {
        self.verified.provider == own::PROVIDER
    }

    pub(super) fn facts(&self) -> LoginFacts<'_> {
        LoginFacts {
            provider: &self.verified.provider,
            kind: self.kind,
            client_id: &self.verified.client_id,
            claims: &self.verified.claims,
        }
    }
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// Verifies every login (in `Logins` key order); the first failure
    /// refuses the call with Cognito's words, the reason going to the log.
    pub(super) async fn verify_logins(
        &self,
        pool: &PoolRecord,
        logins: &BTreeMap<String, String>,
    ) -> Result<Vec<Login>, ApiError> {
        let verifier = LoginVerifier {
            http: self.http,
            verifier: self.verifier,
            cache: self.key_cache,
            insecure_http_hosts: &self.config.insecure_http_issuers,
        };
        let social = SocialVerifier {
            http: self.http,
            cache: self.key_cache,
            settings: SocialSettings {
                amazon_api_url: &self.config.amazon_api_url,
                facebook_graph_url: &self.config.facebook_graph_url,
                facebook_secrets: &self.secrets.facebook_app_secrets,
                insecure_http_hosts: &self.config.insecure_http_issuers,
            },
        };
        let now = self.clock.now();
        let mut out = Vec::with_capacity(logins.len());
        for (name, token) in logins {
            if own::names_own(name, &self.config.issuer) {
                let keys = &self.secrets.signing_keys;
                let verified = own::verify(self.verifier, keys, &self.config.issuer, pool.id(), token, now)
                    .await
                    .map_err(|e| e.to_api().with_detail(format!("login '{name}' refused: {e}")))?;
                let (kind, mac) = (ProviderKind::Oidc, String::new());
                out.push(Login { verified, kind, mac, sealed: None });
                continue;
            }
            let refused = |e: LoginError| e.to_api().with_detail(format!("login '{name}' refused: {e}"));
            if saml::pool_lists(&pool.config, name) {
                let idp = match saml::provider_name(name, &self.config.account_id) {
                    Some(provider) => self.saml_idp(provider).await?,
                    None => None,
                };
                let idp = idp.ok_or_else(|| refused(LoginError::UnsupportedProvider))?;
                let issuer = &self.config.issuer;
                let verified = saml::verify(self.verifier, self.key_cache, &idp, name, token, issuer, now)
                    .await
                    .map_err(refused)?;
                let mac = self.secrets.hash_key.login_mac(pool.id(), &verified.provider, &verified.sub);
                out.push(Login { verified, kind: ProviderKind::Saml, mac, sealed: None });
                continue;
            }
            let (verified, kind) = match social::kind_of(name) {
                Some(kind) => (social.verify(&pool.config, name, token, now).await.map_err(refused)?, kind),
                None => {
                    let verified = verifier.verify(&pool.config, name, token, now).await.map_err(refused)?;
                    (verified, provider::id_token_kind(name))
                }
            };
            let mac = self.secrets.hash_key.login_mac(pool.id(), &verified.provider, &verified.sub);
            out.push(Login { verified, kind, mac, sealed: None });
        }
        Ok(out)
    }

    /// The identity the store maps all `logins` to, if it maps them to one.
    async fn known_owner(&self, pool_id: &str, logins: &[&Login]) -> Result<Option<String>, ApiError> {
        if logins.is_empty() {
            return Ok(None);
        }
        let mut owner: Option<String> = None;
        let now = self.clock.now();
        for login in logins {
            let key = keys::login(pool_id, &login.mac);
            let found = match self.cache.owner(&key, now) {
                Some(cached) => Some(cached),
                None => {
                    let stored = self
                        .store
                        .get(&key)
                        .await
                        .map_err(|e| ApiError::internal(format!("store read failed: {e}")))?
                        .map(Rc::<str>::from);
                    if let Some(id) = &stored {
                        self.cache.keep_owner(&key, id.clone(), now, self.config.cache_seconds);
                    }
                    stored
                }
            };
            match (found, &owner) {
                (None, _) => return Ok(None),
                (Some(id), None) => owner = Some(id.to_string()),
                (Some(id), Some(o)) if &*id == o.as_str() => {}
                _ => return Ok(None),
            }
        }
        Ok(owner)
    }

    /// The identity of `logins` (linking and merging as Cognito does),
    /// starting from the identity the call names, if any. A cognate token
    /// among the logins proves its identity: the others are linked to it.
    pub(super) async fn sign_in(
        &self,
        pool: &PoolRecord,
        logins: &[Login],
        named: Named<'_>,
    ) -> Result<(String, Rc<IdentityRecord>), ApiError> {
        let (own, linkable): (Vec<&Login>, Vec<&Login>) = logins.iter().partition(|l| l.is_own());
        let mut target = named.id.map(str::to_owned);
        let mut owner_proven = false;
        if let Some(first) = own.first() {
            let id = first.verified.sub.as_str();
            if own.iter().any(|l| l.verified.sub != id) || named.id.is_some_and(|t| t != id) {
                return Err(ApiError::logins_dont_match());
            }
            let Ok(Known::Stored(record)) = self.lookup(id).await else { return Err(ApiError::logins_dont_match()) };
            if record.pool != pool.id() {
                return Err(ApiError::logins_dont_match());
            }
            if record.disabled {
                return Err(ApiError::identity_disabled(id));
            }
            if linkable.is_empty() {
                return Ok((id.to_owned(), record));
            }
            target = Some(id.to_owned());
            owner_proven = true;
        }
        if let Some(id) = self.known_owner(pool.id(), &linkable).await? {
            if target.as_deref().is_none_or(|t| t == id) {
                if let Ok(Known::Stored(record)) = self.lookup(&id).await {
                    if !record.disabled && record.pool == pool.id() {
                        return Ok((id, record));
                    }
                }
            }
        }
        if target.is_none() && named.developer.is_none() {
            // No identity is named and none owns these logins (as far as
            // this isolate can tell): the authority will make one. (A
            // developer's backend, authenticated, is not limited.)
            self.admit_new_identity(pool.id()).await?;
        }
        let route = self.pool_route(pool.id());
        let key = self.secrets.hash_key.guest_key(pool.id());
        let command = Command::SignIn {
            pool_id: pool.id().to_owned(),
            logins: linkable
                .iter()
                .map(|l| LoginRef {
                    provider: l.verified.provider.clone(),
                    mac: l.mac.clone(),
                    sealed: l.sealed.clone(),
                })
                .collect(),
            target: target.clone(),
            proven_target: named.unstored_guest && !owner_proven,
            owner_proven,
            new_identity_id: new_identity_id(&self.config.region, route, &key, self.random),
            developer_login: named.developer.map(str::to_owned),
            now: self.clock.now(),
        };
        // The identities this isolate knew as owners of these logins may be
        // merged away: forget them, and learn the logins' owner from the answer.
        let now = self.clock.now();
        let login_keys: Vec<String> = linkable.iter().map(|l| keys::login(pool.id(), &l.mac)).collect();
        let mut touched: Vec<Rc<str>> = login_keys.iter().filter_map(|k| self.cache.owner(k, now)).collect();
        touched.extend(target.as_deref().map(Rc::from));
        let outcome = self.authority.apply(route, command).await;
        for id in &touched {
            self.cache.forget_identity(id);
        }
        match outcome? {
            Outcome::Identity { identity_id, record } => {
                let record = Rc::new(record);
                self.changed_identity(&identity_id, Some(record.clone()));
                let owner: Rc<str> = Rc::from(identity_id.as_str());
                for key in &login_keys {
                    self.cache.keep_owner(key, owner.clone(), now, self.config.cache_seconds);
                }
                Ok((identity_id, record))
            }
            other => Err(unexpected(&other)),
        }
    }

    /// `amr` of a signed-in call: `authenticated`, then each provider and
    /// its opaque per-pool id (never the subject).
    pub(super) fn authenticated_amr(&self, pool_id: &str, logins: &[Login]) -> Vec<String> {
        let mut amr = vec!["authenticated".to_owned()];
        for l in logins {
            let opaque = self.secrets.hash_key.opaque_id(pool_id, &l.verified.provider, &l.verified.sub);
            amr.push(l.verified.provider.clone());
            amr.push(format!("{}:{opaque}", l.verified.provider));
        }
        amr
    }

    /// Principal tags of a signed-in call, from each provider's tag map
    /// (earlier providers win a repeated tag key). A claim becomes a tag
    /// only when it is a string (a SAML attribute of one value).
    pub(super) fn principal_tags(&self, pool: &PoolRecord, logins: &[Login]) -> BTreeMap<String, String> {
        let mut tags = BTreeMap::new();
        for l in logins {
            let mut add = |key: &str, value: &str| {
                if value.chars().count() <= 256 {
                    tags.entry(key.to_owned()).or_insert_with(|| value.to_owned());
                }
            };
            if l.is_own() {
                // A developer identity's token carries its tags as AWS reads them.
                let carried = l.verified.claims.0.get(TAGS_CLAIM).and_then(|t| t.get("principal_tags"));
                for (key, values) in carried.and_then(serde_json::Value::as_object).into_iter().flatten() {
                    if let Some(value) = values.as_array().and_then(|v| v.first()).and_then(serde_json::Value::as_str) {
                        add(key, value);
                    }
                }
                continue;
            }
            let Some(map) = pool.principal_tags.get(&l.verified.provider) else { continue };
            if map.use_defaults && l.kind == ProviderKind::Saml {
                // Cognito's default SAML mapping names two attributes.
                for attribute in saml::DEFAULT_TAG_ATTRIBUTES {
                    if let Some(value) = l.verified.claims.str(attribute) {
                        add(attribute, value);
                    }
                }
            } else if map.use_defaults {
                add("aud", &l.verified.client_id);
                add("sub", &l.verified.sub);
            }
            for (tag, claim) in &map.tags {
                if let Some(value) = l.verified.claims.str(claim) {
                    add(tag, value);
                }
            }
        }
        tags
    }
}
