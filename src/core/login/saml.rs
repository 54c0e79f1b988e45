//! SAML 2.0 logins: a `Logins` key that is one of the pool's
//! `SamlProviderARNs` (`arn:aws:iam::<ACCOUNT_ID>:saml-provider/<Name>`,
//! made by CreateSAMLProvider) with a base64 `SAMLResponse` as its value.
//! The response is checked by [`crate::core::saml`] against the provider's
//! metadata: audience cognate's `ISSUER` or `urn:amazon:webservices`,
//! recipient `ISSUER`, `ISSUER/saml` or `https://signin.aws.amazon.com/saml`,
//! 300 s of skew. Past the metadata's `validUntil` the provider signs no one
//! in.
//!
//! The subject that is hashed into the login's MAC is the issuer, a NUL and
//! the `NameID` (the provider name in the MAC is the ARN), so two IdPs can
//! never name one user, and metadata changed to another entityID starts new
//! identities. The attributes are the claims that role rules and principal
//! tags read: one value as a string, several as an array.
//!
//! Replays: Cognito's flow presents one response twice (GetId, then
//! GetCredentialsForIdentity with the same `Logins`), so a response is not
//! refused for being seen before: like an OpenID token, it is good until it
//! expires. What was verified is remembered per isolate, known by a SHA-256
//! of the ARN, the metadata's entityID and keys and the response (never the
//! response), until the assertion's `NotOnOrAfter` (at most
//! [`MAX_CACHE_SECONDS`]), so the second call verifies no RSA signature. The
//! same assertion (issuer and `ID`) inside a *different* response is refused
//! while it is remembered: a new envelope around a signed assertion has no
//! honest use. Both memories are per isolate and bounded
//! ([`MAX_CACHE_ENTRIES`]; when full of live entries they start over), so
//! they are economy and defence in depth, not a one-time-use guarantee.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::claims::Claims;
use super::jwks::KeyCache;
use super::{LoginError, VerifiedLogin};
use crate::core::capabilities::Verifier;
use crate::core::model::{IdentityPool, MAX_TOKEN_LEN};
use crate::core::saml::{check_response, Expectations, SamlIdp, VerifiedAssertion};

/// The attribute whose values name the roles a user may take, each
/// `<role ARN>,<SAML provider ARN>` (either order).
pub const ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// AWS's audience, which IdPs configured for AWS put in every assertion.
pub const AWS_AUDIENCE: &str = "urn:amazon:webservices";
/// AWS's sign-in endpoint, the recipient IdPs configured for AWS name.
pub const AWS_RECIPIENT: &str = "https://signin.aws.amazon.com/saml";
/// The longest a verified response is remembered, in seconds.
pub const MAX_CACHE_SECONDS: u64 = 3600;
/// The most responses (and assertions) remembered.
pub const MAX_CACHE_ENTRIES: usize = 4096;
/// The attributes Cognito's default principal-tag mapping reads for SAML
/// (Cognito Developer Guide, "Default provider mappings"); each becomes a
/// tag of its own name.
pub const DEFAULT_TAG_ATTRIBUTES: [&str; 2] = [
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
];
/// The longest SAML provider name (IAM's).
pub const MAX_NAME_LEN: usize = 128;

const ARN_PREFIX: &str = "arn:aws:iam::";
const ARN_RESOURCE: &str = ":saml-provider/";

/// Whether `name` is a SAML provider name as IAM allows it: 1 to 128 of
/// `[A-Za-z0-9_.-]`.
pub fn valid_name(name: &str) -> bool {
    (1..=MAX_NAME_LEN).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// The ARN of SAML provider `name` in `account_id`.
pub fn provider_arn(account_id: &str, name: &str) -> String {
    format!("{ARN_PREFIX}{account_id}{ARN_RESOURCE}{name}")
}

/// Whether `arn` has the shape of a SAML provider ARN (any account).
pub fn is_provider_arn(arn: &str) -> bool {
    let rest = arn.strip_prefix(ARN_PREFIX).and_then(|r| r.split_once(ARN_RESOURCE));
    rest.is_some_and(|(account, name)| {
        account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && valid_name(name)
    })
}

/// The name of the SAML provider `arn` names, if it is one of `account_id`'s.
pub fn provider_name<'a>(arn: &'a str, account_id: &str) -> Option<&'a str> {
    let rest = arn.strip_prefix(ARN_PREFIX)?.strip_prefix(account_id)?.strip_prefix(ARN_RESOURCE)?;
    valid_name(rest).then_some(rest)
}

/// Whether `pool` lists `name` among its `SamlProviderARNs`.
pub fn pool_lists(pool: &IdentityPool, name: &str) -> bool {
    pool.saml_provider_arns.iter().flatten().any(|arn| arn == name)
}

/// The recipients an assertion for cognate at `issuer` may name.
pub fn recipients(issuer: &str) -> [String; 3] {
    [issuer.to_owned(), format!("{issuer}/saml"), AWS_RECIPIENT.to_owned()]
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// What a response is remembered by: SHA-256 of the provider's ARN, its
/// metadata's entityID and keys (so changed metadata forgets), and the
/// response without white space.
pub fn response_digest(arn: &str, idp: &SamlIdp, response: &str) -> [u8; 32] {
    let compact: String = response.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let keys: String = idp.keys().iter().map(|k| k.fingerprint()).collect::<Vec<_>>().join("\n");
    digest(&[arn.as_bytes(), idp.entity_id().as_bytes(), keys.as_bytes(), compact.as_bytes()])
}

/// What an assertion is known by across responses: its issuer and `ID`.
pub fn assertion_digest(assertion: &VerifiedAssertion) -> [u8; 32] {
    digest(&[assertion.issuer.as_bytes(), assertion.assertion_id.as_bytes()])
}

/// The subject hashed into the login's MAC: issuer, NUL, `NameID`.
pub fn subject(assertion: &VerifiedAssertion) -> String {
    format!("{}\0{}", assertion.issuer, assertion.name_id)
}

/// The attributes as claims: one value as a string, several as an array.
pub fn claims(assertion: &VerifiedAssertion) -> Claims {
    let claims = assertion.attributes.iter().map(|(name, values)| {
        let value = match values.as_slice() {
            [one] => Value::String(one.clone()),
            many => Value::Array(many.iter().cloned().map(Value::String).collect()),
        };
        (name.clone(), value)
    });
    Claims(claims.collect())
}

/// Until when a verified assertion may be remembered at `now`: its
/// `NotOnOrAfter` (and session end), at most [`MAX_CACHE_SECONDS`] ahead.
pub fn remember_until(assertion: &VerifiedAssertion, now: u64) -> u64 {
    let until =
        assertion.session_not_on_or_after.map_or(assertion.not_on_or_after, |s| s.min(assertion.not_on_or_after));
    until.min(now.saturating_add(MAX_CACHE_SECONDS))
}

/// The roles a SAML login's [`ROLE_ATTRIBUTE`] grants through `provider`
/// (its ARN): the role ARN of each pair whose provider ARN is `provider`,
/// in order, without repeats. Malformed pairs are skipped.
pub fn granted_roles(claims: &Claims, provider: &str) -> Vec<String> {
    let values: Vec<&str> = match claims.0.get(ROLE_ATTRIBUTE) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut roles: Vec<String> = Vec::new();
    for value in values {
        let Some((a, b)) = value.split_once(',') else { continue };
        let (a, b) = (a.trim(), b.trim());
        let role = match (a == provider, b == provider) {
            (true, false) => b,
            (false, true) => a,
            _ => continue,
        };
        let shaped = role.strip_prefix("arn:aws:iam::").and_then(|r| r.split_once(":role/"));
        let ok = shaped.is_some_and(|(account, name)| {
            account.len() == 12 && account.bytes().all(|c| c.is_ascii_digit()) && !name.is_empty()
        });
        if ok && role.len() <= 2048 && !roles.iter().any(|r| r == role) {
            roles.push(role.to_owned());
        }
    }
    roles
}

#[derive(Clone)]
struct Remembered {
    assertion: VerifiedAssertion,
    until: u64,
}

/// Verified responses and the assertions they held, per isolate.
#[derive(Default, Clone)]
pub struct ResponseCache {
    responses: HashMap<[u8; 32], Remembered>,
    assertions: HashMap<[u8; 32], ([u8; 32], u64)>,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache").field("responses", &self.responses.len()).finish()
    }
}

impl ResponseCache {
    /// The assertion of the response digested as `response`, if it was
    /// verified and is still good at `now`.
    pub fn get(&self, response: &[u8; 32], now: u64) -> Option<VerifiedAssertion> {
        self.responses.get(response).filter(|r| r.until > now).map(|r| r.assertion.clone())
    }

    /// Whether `assertion` was seen lately in another response than `response`.
    pub fn replayed(&self, assertion: &[u8; 32], response: &[u8; 32], now: u64) -> bool {
        self.assertions.get(assertion).is_some_and(|(seen_in, until)| *until > now && seen_in != response)
    }

    /// Remembers `assertion`, verified in the response digested as
    /// `response`, until [`remember_until`].
    pub fn keep(&mut self, response: [u8; 32], assertion: VerifiedAssertion, now: u64) {
        let until = remember_until(&assertion, now);
        if until <= now {
            return;
        }
        if self.responses.len() >= MAX_CACHE_ENTRIES && !self.responses.contains_key(&response) {
            self.responses.retain(|_, r| r.until > now);
            self.assertions.retain(|_, (_, u)| *u > now);
            if self.responses.len() >= MAX_CACHE_ENTRIES {
                self.responses.clear();
                self.assertions.clear();
            }
        }
        self.assertions.insert(assertion_digest(&assertion), (response, until));
        self.responses.insert(response, Remembered { assertion, until });
    }

    /// How many responses are remembered.
    pub fn len(&self) -> usize {
        self.responses.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }
}

/// Verifies the SAML login `arn` → `response` against `idp` at `now`, for
/// cognate at `issuer`, remembering what verified in `cache`.
pub async fn verify<V: Verifier>(
    verifier: &V,
    cache: &RefCell<KeyCache>,
    idp: &SamlIdp,
    arn: &str,
    response: &str,
    issuer: &str,
    now: u64,
) -> Result<VerifiedLogin, LoginError> {
    if response.len() > MAX_TOKEN_LEN {
        return Err(LoginError::TooLong);
    }
    if idp.valid_until().is_some_and(|until| now >= until) {
        return Err(LoginError::SamlMetadataExpired);
    }
    let response_key = response_digest(arn, idp, response);
    let remembered = cache.borrow().saml_responses.get(&response_key, now);
    let assertion = match remembered {
        Some(assertion) => assertion,
        None => {
            let audiences = [issuer, AWS_AUDIENCE];
            let recipients = recipients(issuer);
            let recipients = recipients.each_ref().map(String::as_str);
            let expect = Expectations::new(&audiences, &recipients, now);
            let assertion = check_response(response, idp, &expect)?.verify(verifier).await?;
            if cache.borrow().saml_responses.replayed(&assertion_digest(&assertion), &response_key, now) {
                return Err(LoginError::SamlReplayed);
            }
            cache.borrow_mut().saml_responses.keep(response_key, assertion.clone(), now);
            assertion
        }
    };
    Ok(VerifiedLogin {
        provider: arn.to_owned(),
        sub: subject(&assertion),
        client_id: assertion.issuer.clone(),
        claims: claims(&assertion),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/Corp";

    fn role_claims(values: &[&str]) -> Claims {
        let list = values.iter().map(|v| Value::String((*v).to_owned())).collect();
        Claims([(ROLE_ATTRIBUTE.to_owned(), Value::Array(list))].into_iter().collect())
    }

    #[test]
    fn arns_and_names_follow_iam() {
        assert_eq!(provider_arn("123456789012", "Corp"), PROVIDER);
        assert_eq!(provider_name(PROVIDER, "123456789012"), Some("Corp"));
        assert_eq!(provider_name(PROVIDER, "000000000000"), None, "another account's");
        assert!(is_provider_arn(PROVIDER));
        for bad in [
            "arn:aws:iam::123456789012:saml-provider/",
            "arn:aws:iam::123456789012:saml-provider/a/b",
            "arn:aws:iam::12345678901:saml-provider/a",
            "arn:aws:iam::123456789012:oidc-provider/a",
            "arn:aws:iam::123456789012:saml-provider/sp ace",
        ] {
            assert!(!is_provider_arn(bad), "{bad}");
            assert_eq!(provider_name(bad, "123456789012"), None, "{bad}");
        }
        assert!(valid_name(&"a".repeat(128)) && !valid_name(&"a".repeat(129)));
        assert!(valid_name("my_idp-2.corp") && !valid_name("é") && !valid_name(""));
    }

    /// The role attribute's pairs, in either order, for this provider only
    /// (AWS IAM User Guide, "Configure SAML assertions for the
    /// authentication response": `role-arn,provider-arn`, either order).
    #[test]
    fn granted_roles_are_the_pairs_naming_this_provider() {
        let claims = role_claims(&[
            "arn:aws:iam::123456789012:role/A,arn:aws:iam::123456789012:saml-provider/Corp",
            "arn:aws:iam::123456789012:saml-provider/Corp, arn:aws:iam::123456789012:role/B",
            "arn:aws:iam::123456789012:role/C,arn:aws:iam::123456789012:saml-provider/Other",
            "arn:aws:iam::123456789012:role/A,arn:aws:iam::123456789012:saml-provider/Corp",
            "arn:aws:iam::123456789012:role/D",
            "not-a-role,arn:aws:iam::123456789012:saml-provider/Corp",
            "arn:aws:iam::123456789012:saml-provider/Corp,arn:aws:iam::123456789012:saml-provider/Corp",
        ]);
        assert_eq!(
            granted_roles(&claims, PROVIDER),
            ["arn:aws:iam::123456789012:role/A", "arn:aws:iam::123456789012:role/B"]
        );
        let one = Claims(
            [(ROLE_ATTRIBUTE.to_owned(), Value::String(format!("arn:aws:iam::123456789012:role/E,{PROVIDER}")))]
                .into_iter()
                .collect(),
        );
        assert_eq!(granted_roles(&one, PROVIDER), ["arn:aws:iam::123456789012:role/E"]);
        assert!(granted_roles(&Claims::default(), PROVIDER).is_empty());
    }

    fn assertion(id: &str, not_on_or_after: u64) -> VerifiedAssertion {
        VerifiedAssertion {
            issuer: "https://idp.example.com".into(),
            assertion_id: id.into(),
            name_id: "alice".into(),
            name_id_format: None,
            not_on_or_after,
            session_not_on_or_after: None,
            attributes: [("groups".to_owned(), vec!["a".to_owned(), "b".to_owned()])].into_iter().collect(),
        }
    }

    #[test]
    fn responses_are_remembered_until_their_assertion_expires() {
        let mut cache = ResponseCache::default();
        let (r1, r2) = ([1u8; 32], [2u8; 32]);
        cache.keep(r1, assertion("_a1", 1300), 1000);
        assert_eq!(cache.get(&r1, 1299).map(|a| a.assertion_id), Some("_a1".to_owned()));
        assert!(cache.get(&r1, 1300).is_none(), "not past NotOnOrAfter");
        let digest = assertion_digest(&assertion("_a1", 0));
        assert!(!cache.replayed(&digest, &r1, 1100), "the same response again is no replay");
        assert!(cache.replayed(&digest, &r2, 1100), "the same assertion in another response is");
        assert!(!cache.replayed(&digest, &r2, 1300), "forgotten once expired");
        cache.keep(r2, assertion("_a2", 999_999), 1000);
        assert!(cache.get(&r2, 1000 + MAX_CACHE_SECONDS).is_none(), "at most an hour");
        cache.keep([3u8; 32], assertion("_a3", 1000), 1000);
        assert_eq!(cache.len(), 2, "an expired assertion is not kept");
    }

    #[test]
    fn a_full_cache_drops_the_expired_then_starts_over() {
        let mut cache = ResponseCache::default();
        for i in 0..MAX_CACHE_ENTRIES {
            let mut key = [0u8; 32];
            key[..8].copy_from_slice(&(i as u64).to_be_bytes());
            cache.keep(key, assertion(&format!("_{i}"), if i == 0 { 1001 } else { 5000 }), 1000);
        }
        assert_eq!(cache.len(), MAX_CACHE_ENTRIES);
        cache.keep([0xff; 32], assertion("_new", 5000), 1002);
        assert_eq!(cache.len(), MAX_CACHE_ENTRIES, "the expired one made room");
        cache.keep([0xfe; 32], assertion("_new2", 5000), 1002);
        assert_eq!(cache.len(), 1, "full of live entries: started over");
    }

    #[test]
    fn attributes_become_claims_and_the_subject_names_the_issuer() {
        let a = assertion("_a1", 0);
        assert_eq!(subject(&a), "https://idp.example.com\0alice");
        let claims = claims(&a);
        assert_eq!(claims.0["groups"], serde_json::json!(["a", "b"]));
    }
}
