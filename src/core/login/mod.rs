//! Verifying sign-in tokens from identity providers. A `Logins` entry
//! becomes a [`VerifiedLogin`] only after: the provider is one the pool
//! trusts; the token parses (jwt-compact) with `alg` RS256 or ES256 and no
//! `jku`/`x5u`/`jwk`/`x5c`/`crit` header; a key of the provider's JWKS with
//! the token's `kid` and pinned to that algorithm verifies the signature
//! (through the platform's [`Verifier`]); and every claim checks out.
//! Why a token failed goes to the log; the client gets Cognito's words.
//! Login with Amazon's and Facebook's access tokens are not JWTs: their
//! providers vouch for them over HTTP ([`social`]).

pub mod claims;
pub mod jwks;
#[cfg(feature = "native")]
pub mod native;
pub mod own;
pub mod provider;
pub mod saml;
pub mod social;

use std::cell::RefCell;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwt_compact::UntrustedToken;
use serde::Deserialize;
use serde_json::Value;

use self::claims::{check, Claims};
use self::jwks::{candidates, parse_jwks, KeyCache, Lookup, PublicKey};
use self::provider::{host_of, scheme_for, KeySource, Provider};
use super::capabilities::{Http, SignatureAlgorithm, Verifier, MAX_FETCH_BYTES};
use super::error::{ApiError, ErrorKind};
use super::model::{IdentityPool, MAX_TOKEN_LEN};

/// Why a login was refused (for the log; never sent as is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The pool does not trust this provider.
    #[error("provider not supported by the pool")]
    UnsupportedProvider,
    /// Longer than 50,000 characters.
    #[error("token too long")]
    TooLong,
    /// Not a compact JWS, or its header or claims are not JSON objects.
    #[error("malformed token")]
    Malformed,
    /// `alg` is not RS256 or ES256.
    #[error("algorithm not accepted")]
    Algorithm,
    /// A header that names or carries a key, or `crit`.
    #[error("forbidden header {0}")]
    ForbiddenHeader(&'static str),
    /// No key of the provider has the token's kid and algorithm.
    #[error("unknown signing key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// `iss` is not the provider's.
    #[error("wrong issuer")]
    WrongIssuer,
    /// `aud`/`azp` hold no configured client id.
    #[error("wrong audience")]
    WrongAudience,
    /// A required claim is missing.
    #[error("missing claim {0}")]
    MissingClaim(&'static str),
    /// A claim has the wrong type or value.
    #[error("bad claim {0}")]
    BadClaim(&'static str),
    /// Expired (beyond the skew).
    #[error("expired")]
    Expired {
        /// Its `exp`.
        exp: u64,
        /// The time of the check.
        now: u64,
    },
    /// `iat` or `nbf` in the future (beyond the skew).
    #[error("not yet valid")]
    NotYetValid,
    /// The provider's discovery document or keys could not be had.
    #[error("provider unreachable: {0}")]
    Provider(String),
    /// A social provider refused the access token (invalid, revoked,
    /// expired, malformed); its error code, if it gave one.
    #[error("refused by the provider ({0})")]
    Refused(String),
    /// A social provider did not answer a token check, or answered badly
    /// (timeout, 5xx, not the JSON it documents).
    #[error("provider did not answer: {0}")]
    Unavailable(String),
    /// The SAML response was refused (the rule it broke; never its content).
    #[error("SAML response refused: {0}")]
    Saml(#[from] crate::core::saml::SamlError),
    /// The SAML assertion was seen lately in another response.
    #[error("SAML assertion replayed in another response")]
    SamlReplayed,
    /// The SAML provider's metadata is past its `validUntil`.
    #[error("SAML provider metadata expired")]
    SamlMetadataExpired,
}

impl LoginError {
    /// The Cognito error the client sees.
    pub fn to_api(&self) -> ApiError {
        let invalid = |detail: &str| ApiError::not_authorized(format!("Invalid login token. {detail}"));
        match self {
            Self::UnsupportedProvider => {
                ApiError::not_authorized("Token is not from a supported provider of this identity pool.")
            }
            Self::TooLong => ApiError::new(ErrorKind::Validation, "1 validation error detected: Value at 'logins' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 50000]"),
            Self::Expired { exp, now } => invalid(&format!("Token expired: {now} >= {exp}")),
            Self::WrongIssuer => invalid("Issuer doesn't match providerName"),
            Self::WrongAudience => invalid("Incorrect token audience."),
            Self::MissingClaim(c) => invalid(&format!("Missing a required claim: {c}")),
            Self::NotYetValid => invalid("Token is not yet valid."),
            Self::Provider(_) => ApiError::new(
                ErrorKind::ExternalService,
                "The identity provider's keys could not be retrieved. Try again later.",
            ),
            Self::Refused(_) => invalid("The identity provider did not accept the access token."),
            Self::Saml(crate::core::saml::SamlError::Expired) => invalid("SAML assertion expired."),
            Self::Saml(crate::core::saml::SamlError::Platform(_)) => ApiError::new(
                ErrorKind::ExternalService,
                "The SAML response's signature could not be checked. Try again later.",
            ),
            Self::Saml(_) | Self::SamlReplayed => invalid("Not a valid SAML response."),
            Self::SamlMetadataExpired => invalid("The SAML provider's metadata has expired."),
            Self::Unavailable(_) => ApiError::new(
                ErrorKind::ExternalService,
                "The identity provider could not check the access token. Try again later.",
            ),
            _ => invalid("Not a valid OpenId Connect identity token."),
        }
    }
}

/// A login that passed every check. Its subject is only ever hashed.
#[derive(Clone, PartialEq)]
pub struct VerifiedLogin {
    /// The canonical provider name (the `Logins` key).
    pub provider: String,
    /// The subject.
    pub sub: String,
    /// The configured client id the token was for.
    pub client_id: String,
    /// All claims, for role rules and principal tags (never stored).
    pub claims: Claims,
}

impl std::fmt::Debug for VerifiedLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedLogin").field("provider", &self.provider).field("sub", &"[redacted]").finish()
    }
}

/// What a token is remembered by, never the token itself: SHA-256 of
/// `source` (an OpenID provider's key source; a social provider's name) and
/// the token as presented, each length-prefixed.
pub fn token_digest(source: &str, token: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [source.as_bytes(), token.as_bytes()] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// Header members beyond those jwt-compact reads: any of them refuses the token.
#[derive(Deserialize, Default)]
struct ExtraHeader {
    jwk: Option<Value>,
    x5c: Option<Value>,
    crit: Option<Value>,
}

/// Verifies logins with the platform's HTTP and signature capabilities and
/// the isolate's key cache.
pub struct LoginVerifier<'a, H, V> {
    /// Outbound HTTP.
    pub http: &'a H,
    /// Signature checks.
    pub verifier: &'a V,
    /// The isolate's key cache.
    pub cache: &'a RefCell<KeyCache>,
    /// Hosts whose issuers may use plain http.
    pub insecure_http_hosts: &'a [String],
}

impl<H: Http, V: Verifier> LoginVerifier<'_, H, V> {
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
        let provider =
            provider::resolve(pool, provider_name, self.insecure_http_hosts).ok_or(LoginError::UnsupportedProvider)?;
        let digest = token_digest(&provider.cache_key, token);
        let remembered = self.cache.borrow().verified_lately(&digest, now);
        let claims = match remembered {
            Some(claims) => claims,
            None => {
                let claims = self.verify_unseen(&provider, token, now).await?;
                self.cache.borrow_mut().remember_verified(digest, now, claims.clone());
                claims
            }
        };
        let checked = check(&claims, &provider, now)?;
        Ok(VerifiedLogin { provider: provider.name, sub: checked.sub, client_id: checked.client_id, claims })
    }

    /// Parses `token`, refuses the headers cognate never honours and checks
    /// its signature with `provider`'s keys: its claims, still unchecked.
    async fn verify_unseen(&self, provider: &Provider, token: &str, now: u64) -> Result<Claims, LoginError> {
        let parsed: UntrustedToken<'_, ExtraHeader> =
            UntrustedToken::try_from(token).map_err(|_| LoginError::Malformed)?;
        let header = parsed.header();
        if header.key_set_url.is_some() {
            return Err(LoginError::ForbiddenHeader("jku"));
        }
        if header.certificate_url.is_some() {
            return Err(LoginError::ForbiddenHeader("x5u"));
        }
        if header.other_fields.jwk.is_some() {
            return Err(LoginError::ForbiddenHeader("jwk"));
        }
        if header.other_fields.x5c.is_some() {
            return Err(LoginError::ForbiddenHeader("x5c"));
        }
        if header.other_fields.crit.is_some() {
            return Err(LoginError::ForbiddenHeader("crit"));
        }
        let alg = match parsed.algorithm() {
            "RS256" => SignatureAlgorithm::Rs256,
            "ES256" => SignatureAlgorithm::Es256,
            _ => return Err(LoginError::Algorithm),
        };
        let (signed, encoded_claims) = match token.rsplit_once('.') {
            Some((signed, _)) => (signed, signed.split_once('.').map(|(_, c)| c).unwrap_or_default()),
            None => return Err(LoginError::Malformed),
        };
        let claims_json = URL_SAFE_NO_PAD.decode(encoded_claims).map_err(|_| LoginError::Malformed)?;
        let claims = Claims::parse(&claims_json).ok_or(LoginError::Malformed)?;
        let kid = header.key_id.as_deref();
        self.verify_signature(provider, kid, alg, signed, parsed.signature_bytes(), now).await?;
        Ok(claims)
    }

    /// Checks the signature with the provider's keys (fetching them, within
    /// the refetch limit, when the cache has none that fit).
    async fn verify_signature(
        &self,
        provider: &Provider,
        kid: Option<&str>,
        alg: SignatureAlgorithm,
        signed: &str,
        signature: &[u8],
        now: u64,
    ) -> Result<(), LoginError> {
        let keys = self.keys(provider, kid, alg, now, false).await?;
        if !self.any_verifies(&keys, signed.as_bytes(), signature).await {
            // Without a kid, the provider may have rotated to a key not yet
            // cached: look again, within the refetch limit.
            let again = kid.is_none() && self.cache.borrow().may_refetch(&provider.cache_key, now);
            if !again {
                return Err(LoginError::BadSignature);
            }
            let keys = self.keys(provider, kid, alg, now, true).await?;
            if !self.any_verifies(&keys, signed.as_bytes(), signature).await {
                return Err(LoginError::BadSignature);
            }
        }
        Ok(())
    }

    async fn any_verifies(&self, keys: &[PublicKey], message: &[u8], signature: &[u8]) -> bool {
        for key in keys {
            if let Ok(true) = self.verifier.verify(key, message, signature).await {
                return true;
            }
        }
        false
    }

    /// The candidate keys for a token, from the cache or (when `refetch`, or
    /// when the cache has none) freshly fetched.
    async fn keys(
        &self,
        provider: &Provider,
        kid: Option<&str>,
        alg: SignatureAlgorithm,
        now: u64,
        refetch: bool,
    ) -> Result<Vec<PublicKey>, LoginError> {
        let lookup =
            if refetch { Lookup::Fetch } else { self.cache.borrow().lookup(&provider.cache_key, kid, alg, now) };
        match lookup {
            Lookup::Found(keys) => return Ok(keys),
            Lookup::Unknown => return Err(LoginError::UnknownKey),
            Lookup::Fetch => {}
        }
        match self.fetch_keys(provider).await {
            Ok((keys, cache_control)) => {
                let found = candidates(&keys, kid, alg);
                self.cache.borrow_mut().store(&provider.cache_key, keys, cache_control.as_deref(), now);
                if found.is_empty() {
                    Err(LoginError::UnknownKey)
                } else {
                    Ok(found)
                }
            }
            Err(e) => {
                self.cache.borrow_mut().note_failed_fetch(&provider.cache_key, now);
                Err(e)
            }
        }
    }

    fn allowed_url(&self, url: &str) -> bool {
        match url.split_once("://") {
            Some(("https", _)) => true,
            Some(("http", rest)) => {
                let host = host_of(rest);
                scheme_for(host, self.insecure_http_hosts) == "http"
            }
            _ => false,
        }
    }

    async fn get_json(&self, url: &str) -> Result<(Vec<u8>, Option<String>), LoginError> {
        if !self.allowed_url(url) {
            return Err(LoginError::Provider(format!("refusing to fetch {url}")));
        }
        let fetched = self.http.get(url).await.map_err(|e| LoginError::Provider(e.to_string()))?;
        if fetched.status != 200 || fetched.body.len() > MAX_FETCH_BYTES {
            return Err(LoginError::Provider(format!("{url} answered {}", fetched.status)));
        }
        Ok((fetched.body, fetched.cache_control))
    }

    async fn fetch_keys(&self, provider: &Provider) -> Result<(Vec<PublicKey>, Option<String>), LoginError> {
        let jwks_uri = match &provider.keys {
            KeySource::Jwks(url) => url.clone(),
            KeySource::Discovery(issuer) => {
                let (body, _) = self.get_json(&format!("{issuer}/.well-known/openid-configuration")).await?;
                let doc: Value =
                    serde_json::from_slice(&body).map_err(|_| LoginError::Provider("bad discovery document".into()))?;
                if doc.get("issuer").and_then(Value::as_str) != Some(issuer.as_str()) {
                    return Err(LoginError::Provider("discovery issuer differs".into()));
                }
                doc.get("jwks_uri")
                    .and_then(Value::as_str)
                    .ok_or_else(|| LoginError::Provider("discovery has no jwks_uri".into()))?
                    .to_owned()
            }
        };
        let (body, cache_control) = self.get_json(&jwks_uri).await?;
        let keys = parse_jwks(&body).ok_or_else(|| LoginError::Provider("bad JWKS".into()))?;
        Ok((keys, cache_control))
    }
}
