//! cognate's own OpenID tokens: the ES256 signing keys in their slots
//! (`next` published but not signing yet, `current` signing, `previous`
//! still published for tokens it signed), the token itself, and the
//! discovery documents that let any OpenID relying party verify it.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
#[cfg(any(test, feature = "server"))]
use serde::Serialize;
use serde_json::{json, Value};

#[cfg(any(test, feature = "server"))]
use super::capabilities::{SignError, Signer};
use super::keys::KeyError;

/// Lifetime of the tokens GetOpenIdToken returns, as Cognito's (seconds).
#[cfg(feature = "server")]
pub(crate) const TOKEN_LIFETIME: u64 = 600;

/// A P-256 key as a JWK; the private part, when present, is redacted in
/// `Debug`.
#[derive(Clone, Deserialize)]
pub struct EcJwk {
    kid: String,
    kty: String,
    crv: String,
    x: String,
    y: String,
    d: Option<String>,
}

impl fmt::Debug for EcJwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcJwk").field("kid", &self.kid).field("d", &self.d.as_ref().map(|_| "[redacted]")).finish()
    }
}

fn b64_len(s: &str) -> Option<usize> {
    URL_SAFE_NO_PAD.decode(s).ok().map(|b| b.len())
}

impl EcJwk {
    fn check(&self, needs_private: bool) -> Result<(), KeyError> {
        let err = |reason| Err(KeyError { name: "SIGNING_KEYS", reason });
        if self.kty != "EC" || self.crv != "P-256" {
            return err("keys must be EC P-256 JWKs");
        }
        if self.kid.is_empty() || self.kid.len() > 64 {
            return err("every key needs a kid of 1-64 chars");
        }
        if b64_len(&self.x) != Some(32) || b64_len(&self.y) != Some(32) {
            return err("x and y must be 32 bytes of base64url");
        }
        match (&self.d, needs_private) {
            (Some(d), _) if b64_len(d) != Some(32) => err("d must be 32 bytes of base64url"),
            (None, true) => err("the current key needs its private part d"),
            _ => Ok(()),
        }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public JWK as the JWKS publishes it.
    pub fn public_jwk(&self) -> Value {
        json!({ "kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "kid": self.kid, "use": "sig", "alg": "ES256" })
    }

    /// The private JWK, for importing into the platform's crypto only.
    pub fn expose_private_jwk(&self) -> Value {
        json!({ "kty": "EC", "crv": "P-256", "x": self.x, "y": self.y, "d": self.d, "ext": false })
    }
}

/// The signing key slots.
#[derive(Debug, Clone, Deserialize)]
pub struct SigningKeys {
    /// Published, not signing yet.
    pub next: Option<EcJwk>,
    /// Signs new tokens.
    pub current: EcJwk,
    /// Published while tokens it signed may live.
    pub previous: Option<EcJwk>,
}

impl SigningKeys {
    /// Reads `{"current": jwk, "previous": jwk?, "next": jwk?}`.
    pub fn parse(json: &str) -> Result<Self, KeyError> {
        let keys: Self = serde_json::from_str(json)
            .map_err(|_| KeyError { name: "SIGNING_KEYS", reason: "is not {\"current\": <EC JWK>, ...}" })?;
        Self::from_slots(keys.current, keys.previous, keys.next)
    }

    /// The keys of three slots, checked: the current one has its private
    /// part, and no two share a kid.
    pub fn from_slots(current: EcJwk, previous: Option<EcJwk>, next: Option<EcJwk>) -> Result<Self, KeyError> {
        let keys = Self { next, current, previous };
        keys.current.check(true)?;
        for k in keys.next.iter().chain(&keys.previous) {
            k.check(false)?;
        }
        let kids: Vec<&str> = keys.slots().map(EcJwk::kid).collect();
        if (1..kids.len()).any(|i| kids[..i].contains(&kids[i])) {
            return Err(KeyError { name: "SIGNING_KEYS", reason: "kids must differ between slots" });
        }
        Ok(keys)
    }

    fn slots(&self) -> impl Iterator<Item = &EcJwk> {
        self.next.iter().chain(std::iter::once(&self.current)).chain(&self.previous)
    }

    /// The JWKS document: every slot's public key.
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.slots().map(EcJwk::public_jwk).collect::<Vec<_>>() })
    }
}

/// The OpenID Connect discovery document for `issuer`.
#[cfg(any(test, feature = "server"))]
pub(crate) fn discovery(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "amr"],
    })
}

/// The claims of a cognate OpenID token.
#[cfg(any(test, feature = "server"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OpenIdClaims {
    /// The issuer URL (configuration, never the request's host).
    pub iss: String,
    /// The identity id.
    pub sub: String,
    /// The pool id.
    pub aud: String,
    /// `["unauthenticated"]`, or `["authenticated", provider, ...]`.
    pub amr: Vec<String>,
    /// Issued at.
    pub iat: u64,
    /// Expires at.
    pub exp: u64,
    /// Principal tags (GetOpenIdTokenForDeveloperIdentity's `PrincipalTags`),
    /// in the claim AWS reads session tags from.
    #[serde(rename = "https://aws.amazon.com/tags", default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<TagsClaim>,
}

/// The `https://aws.amazon.com/tags` claim: tag key → its values.
#[cfg(any(test, feature = "server"))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TagsClaim {
    /// The principal tags (one value each here).
    pub principal_tags: std::collections::BTreeMap<String, Vec<String>>,
    /// The tags that pass on to a chained role session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tag_keys: Vec<String>,
}

/// Signs `claims` as a compact ES256 JWS with `signer`'s key.
#[cfg(any(test, feature = "server"))]
pub(crate) async fn sign<S: Signer>(signer: &S, claims: &OpenIdClaims) -> Result<String, SignError> {
    let header = json!({ "alg": "ES256", "typ": "JWT", "kid": signer.key_id() });
    let mut input = URL_SAFE_NO_PAD.encode(header.to_string());
    input.push('.');
    input.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize")));
    let signature = signer.sign_es256(input.as_bytes()).await?;
    input.push('.');
    input.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(input)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::testing::{block_on, P256Signer};
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
    use p256::elliptic_curve::rand_core::OsRng;

    /// A fresh key as slots JSON, and a signer for it.
    pub(crate) fn keys_and_signer(kid: &str) -> (String, P256Signer) {
        let key = SigningKey::random(&mut OsRng);
        let secret = p256::SecretKey::from(key.clone());
        let mut jwk: Value = serde_json::from_str(&secret.to_jwk_string()).unwrap();
        jwk["kid"] = kid.into();
        (json!({ "current": jwk }).to_string(), P256Signer { key, kid: kid.into() })
    }

    #[test]
    fn tokens_verify_under_the_published_key() {
        let (json, signer) = keys_and_signer("k1");
        let keys = SigningKeys::parse(&json).unwrap();
        let claims = OpenIdClaims {
            iss: "http://127.0.0.1:8787".into(),
            sub: "us-east-1:x".into(),
            aud: "us-east-1:p".into(),
            amr: vec!["unauthenticated".into()],
            iat: 10,
            exp: 610,
            tags: None,
        };
        let token = block_on(sign(&signer, &claims)).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "ES256", "typ": "JWT", "kid": "k1"}));
        let body: OpenIdClaims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(body, claims);
        // Verify with the public key from the JWKS, as a relying party would.
        let published = &keys.jwks()["keys"][0];
        assert_eq!((published["kid"].as_str(), published["alg"].as_str()), (Some("k1"), Some("ES256")));
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": published["x"], "y": published["y"]}).to_string();
        let public = p256::PublicKey::from_jwk_str(&jwk).unwrap();
        let sig = Signature::from_slice(&URL_SAFE_NO_PAD.decode(parts[2]).unwrap()).unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        VerifyingKey::from(public).verify(input.as_bytes(), &sig).unwrap();
        let mut tampered = input.into_bytes();
        tampered[5] ^= 1;
        assert!(VerifyingKey::from(public).verify(&tampered, &sig).is_err());
    }

    #[test]
    fn slots_are_published_and_checked() {
        let (current, _) = keys_and_signer("cur");
        let (prev, _) = keys_and_signer("old");
        let mut slots: Value = serde_json::from_str(&current).unwrap();
        let mut old: Value = serde_json::from_str(&prev).unwrap();
        old["current"].as_object_mut().unwrap().remove("d");
        slots["previous"] = old["current"].clone();
        let keys = SigningKeys::parse(&slots.to_string()).unwrap();
        let jwks = keys.jwks();
        let kids: Vec<_> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
        assert_eq!(kids, ["cur", "old"]);
        assert!(!jwks.to_string().contains("\"d\""), "no private part is published");
        assert!(!format!("{keys:?}").contains(slots["current"]["d"].as_str().unwrap()));
        slots["previous"]["kid"] = "cur".into();
        assert!(SigningKeys::parse(&slots.to_string()).is_err());
        let mut no_d: Value = serde_json::from_str(&current).unwrap();
        no_d["current"].as_object_mut().unwrap().remove("d");
        assert!(SigningKeys::parse(&no_d.to_string()).is_err());
        assert!(SigningKeys::parse("{}").is_err());
    }

    #[test]
    fn discovery_points_at_the_jwks() {
        let doc = discovery("https://id.example.com");
        assert_eq!(doc["jwks_uri"], "https://id.example.com/.well-known/jwks.json");
        assert_eq!(doc["id_token_signing_alg_values_supported"], json!(["ES256"]));
    }
}
