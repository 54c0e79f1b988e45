//! Access-token logins: Login with Amazon (`www.amazon.com`) and Facebook
//! (`graph.facebook.com`). Their tokens are opaque, so the provider vouches
//! for each one over HTTP ([`amazon`], [`facebook`]): which app it was
//! issued to, for which user, until when. The token must belong to an app
//! the pool configures (`SupportedLoginProviders`, comma-separated ids).
//! What a provider vouched for is kept per isolate for the token's remaining
//! lifetime (at most [`MAX_CACHE_SECONDS`], at most [`MAX_CACHE_ENTRIES`]
//! tokens), known by a SHA-256 of the token, never the token. A provider that
//! does not answer, or answers badly, is an outage
//! ([`LoginError::Unavailable`], Cognito's `ExternalServiceException`); one
//! that refuses the token is a refusal (`NotAuthorizedException`).

pub mod amazon;
pub mod facebook;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::claims::{Claims, MAX_SUB_LEN};
use super::jwks::KeyCache;
use super::provider::{client_ids, host_of, scheme_for, ProviderKind};
use super::{token_digest, LoginError, VerifiedLogin};
use crate::core::capabilities::Http;
use crate::core::config::FacebookAppSecrets;
use crate::core::model::{IdentityPool, MAX_TOKEN_LEN};

/// Login with Amazon's `Logins` key.
pub const AMAZON: &str = "www.amazon.com";
/// Facebook's `Logins` key.
pub const FACEBOOK: &str = "graph.facebook.com";
/// The longest a vouched token is kept, in seconds.
pub const MAX_CACHE_SECONDS: u64 = 3600;
/// The most vouched tokens kept before the expired go (and, if still full, all).
pub const MAX_CACHE_ENTRIES: usize = 4096;
/// How long a token is kept whose provider gave no lifetime (Facebook's
/// `/app` and `/me` say nothing of expiry), in seconds.
pub const UNKNOWN_LIFETIME_SECONDS: u64 = 300;

/// A social provider as a pool configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialProvider {
    /// Which one.
    pub kind: ProviderKind,
    /// The app ids the pool accepts tokens of.
    pub app_ids: Vec<String>,
}

/// The kind of the social provider named `name`, if it names one.
pub fn kind_of(name: &str) -> Option<ProviderKind> {
    match name {
        AMAZON => Some(ProviderKind::Amazon),
        FACEBOOK => Some(ProviderKind::Facebook),
        _ => None,
    }
}

/// The social provider `name` of `pool`, if `name` is one and the pool
/// configures it with at least one app id.
pub fn resolve(pool: &IdentityPool, name: &str) -> Option<SocialProvider> {
    let kind = kind_of(name)?;
    let app_ids = client_ids(pool.supported_login_providers.as_ref()?.get(name)?);
    (!app_ids.is_empty()).then_some(SocialProvider { kind, app_ids })
}

/// What the deployment says about the social providers.
#[derive(Debug, Clone, Copy)]
pub struct SocialSettings<'a> {
    /// Login with Amazon's API (`AMAZON_API_URL`, no trailing slash).
    pub amazon_api_url: &'a str,
    /// Facebook's Graph API (`FACEBOOK_GRAPH_URL`, no trailing slash).
    pub facebook_graph_url: &'a str,
    /// Facebook apps' secrets (`FACEBOOK_APP_SECRET`).
    pub facebook_secrets: &'a FacebookAppSecrets,
    /// Hosts that may be called over plain http (`INSECURE_HTTP_ISSUERS`).
    pub insecure_http_hosts: &'a [String],
}

/// What a provider vouched for about one token. Its `Debug` shows no user.
#[derive(Clone, PartialEq, Eq)]
pub struct Vouched {
    /// The app the token was issued to (Amazon's `app_id`, Facebook's app id).
    pub app_id: String,
    /// Amazon's `aud`: the client id of the app's security profile.
    pub client_id: Option<String>,
    /// The user.
    pub user_id: String,
    /// Until when it may be kept (seconds since the epoch).
    pub until: u64,
}

impl std::fmt::Debug for Vouched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vouched")
            .field("app_id", &self.app_id)
            .field("client_id", &self.client_id)
            .field("user_id", &"[redacted]")
            .field("until", &self.until)
            .finish()
    }
}

impl Vouched {
    /// The configured app id this token belongs to: its app id, or (for
    /// Amazon) its client id, whichever the pool lists.
    fn configured_app(&self, provider: &SocialProvider) -> Option<String> {
        let names = std::iter::once(&self.app_id).chain(self.client_id.as_ref());
        names.into_iter().find(|n| provider.app_ids.contains(n)).cloned()
    }

    /// The claims role rules and principal tags may read: Amazon's tokeninfo
    /// fields (`aud`, `user_id`, `app_id`); Facebook's `aud` (the app id) and
    /// `sub` (the user id), as Cognito's default provider mappings name them.
    fn claims(&self, kind: ProviderKind) -> Claims {
        let mut map = Map::new();
        if kind == ProviderKind::Amazon {
            if let Some(aud) = &self.client_id {
                map.insert("aud".into(), Value::String(aud.clone()));
            }
            map.insert("user_id".into(), Value::String(self.user_id.clone()));
            map.insert("app_id".into(), Value::String(self.app_id.clone()));
        } else {
            map.insert("aud".into(), Value::String(self.app_id.clone()));
            map.insert("sub".into(), Value::String(self.user_id.clone()));
        }
        Claims(map.into_iter().collect())
    }
}

/// Tokens that social providers vouched for lately, by SHA-256 of provider
/// and token. Bounded in time and size.
#[derive(Debug, Default, Clone)]
pub struct AccessTokenCache {
    vouched: HashMap<[u8; 32], Vouched>,
}

impl AccessTokenCache {
    /// What was vouched for the token digested as `digest`, if still fresh at `now`.
    pub fn get(&self, digest: &[u8; 32], now: u64) -> Option<Vouched> {
        self.vouched.get(digest).filter(|v| v.until > now).cloned()
    }

    /// Keeps `vouched` (until its `until`, at most [`MAX_CACHE_SECONDS`] from `now`).
    pub fn keep(&mut self, digest: [u8; 32], mut vouched: Vouched, now: u64) {
        vouched.until = vouched.until.min(now.saturating_add(MAX_CACHE_SECONDS));
        if vouched.until <= now {
            return;
        }
        if self.vouched.len() >= MAX_CACHE_ENTRIES && !self.vouched.contains_key(&digest) {
            self.vouched.retain(|_, v| v.until > now);
            if self.vouched.len() >= MAX_CACHE_ENTRIES {
                self.vouched.clear();
            }
        }
        self.vouched.insert(digest, vouched);
    }

    /// How many tokens are kept.
    pub fn len(&self) -> usize {
        self.vouched.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.vouched.is_empty()
    }
}

/// Whether `url` may be called: https, or http to a host that the
/// `INSECURE_HTTP_ISSUERS` switch names (the rule for OpenID issuers).
pub fn url_allowed(url: &str, insecure_http_hosts: &[String]) -> bool {
    match url.split_once("://") {
        Some(("https", _)) => true,
        Some(("http", rest)) => scheme_for(host_of(rest), insecure_http_hosts) == "http",
        _ => false,
    }
}

/// A provider's JSON answer to a token check.
pub(crate) enum Answer {
    /// 200 with a JSON object.
    Object(Map<String, Value>),
    /// 4xx: the provider refused the token; its error code, if any.
    Refused(String),
}

/// GETs `base` + `path_and_query` and sorts the answer: 200 with a JSON
/// object, a 4xx refusal, or an outage (no answer in time, 5xx, anything
/// else). `what` names the call in the log; the URL, which carries the
/// token, is never logged.
pub(crate) async fn ask<H: Http>(
    http: &H,
    settings: &SocialSettings<'_>,
    base: &str,
    path_and_query: &str,
    what: &str,
) -> Result<Answer, LoginError> {
    if !url_allowed(base, settings.insecure_http_hosts) {
        return Err(LoginError::Unavailable(format!("{what}: plain http to a host not in INSECURE_HTTP_ISSUERS")));
    }
    let answer = http
        .get_answer(&format!("{base}{path_and_query}"))
        .await
        .map_err(|_| LoginError::Unavailable(format!("{what}: no answer")))?;
    let json: Option<Value> = serde_json::from_slice(&answer.body).ok();
    match answer.status {
        200 => match json {
            Some(Value::Object(map)) => Ok(Answer::Object(map)),
            _ => Err(LoginError::Unavailable(format!("{what}: 200 without a JSON object"))),
        },
        400..=499 => Ok(Answer::Refused(format!("{what}: {} {}", answer.status, error_code(json.as_ref())))),
        status => Err(LoginError::Unavailable(format!("{what}: {status}"))),
    }
}

/// The error code of a provider's refusal, for the log: Amazon's `error`,
/// Facebook's `error.code`/`error.error_subcode`; short and plain, or `-`.
fn error_code(json: Option<&Value>) -> String {
    let code = match json.and_then(|j| j.get("error")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(e)) => {
            let part = |k: &str| e.get(k).and_then(Value::as_i64).map_or_else(|| "-".to_owned(), |c| c.to_string());
            format!("{}/{}", part("code"), part("error_subcode"))
        }
        _ => "-".to_owned(),
    };
    if code.len() <= 40 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-/".contains(&b)) {
        code
    } else {
        "-".to_owned()
    }
}

/// A string member of a provider's answer that names an app or a user:
/// 1 to [`MAX_SUB_LEN`] characters.
pub(crate) fn id_member(object: &Map<String, Value>, name: &str) -> Option<String> {
    match object.get(name) {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_SUB_LEN => Some(s.clone()),
        _ => None,
    }
}

/// Verifies access-token logins with the platform's HTTP and the isolate's
/// cache.
pub struct SocialVerifier<'a, H> {
    /// Outbound HTTP.
    pub http: &'a H,
    /// The isolate's cache (its `access_tokens`).
    pub cache: &'a RefCell<KeyCache>,
    /// The deployment's settings.
    pub settings: SocialSettings<'a>,
}

impl<H: Http> SocialVerifier<'_, H> {
    /// Verifies the login `provider_name` → `token` for `pool` at `now`.
    pub async fn verify(
        &self,
        pool: &IdentityPool,
        provider_name: &str,
        token: &str,
        now: u64,
    ) -> Result<VerifiedLogin, LoginError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(LoginError::TooLong);
        }
        let provider = resolve(pool, provider_name).ok_or(LoginError::UnsupportedProvider)?;
        if token.is_empty() || token.chars().any(char::is_whitespace) {
            return Err(LoginError::Malformed);
        }
        let digest = token_digest(provider_name, token);
        let cached = self.cache.borrow().access_tokens.get(&digest, now);
        let vouched = match cached {
            Some(v) => v,
            None => {
                let fresh = match provider.kind {
                    ProviderKind::Amazon => amazon::check(self.http, &self.settings, token, now).await?,
                    _ => facebook::check(self.http, &self.settings, &provider, token, now).await?,
                };
                self.cache.borrow_mut().access_tokens.keep(digest, fresh.clone(), now);
                fresh
            }
        };
        let app = vouched.configured_app(&provider).ok_or(LoginError::WrongAudience)?;
        Ok(VerifiedLogin {
            provider: provider_name.to_owned(),
            sub: vouched.user_id.clone(),
            client_id: vouched.client_id.clone().unwrap_or(app),
            claims: vouched.claims(provider.kind),
        })
    }
}
