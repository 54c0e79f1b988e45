//! The claims of an identity provider's ID token and every check on them:
//! `iss` exact, `aud` (string or array) holding a configured client id,
//! `azp` (when present) a configured client id, `sub`, `exp` and `iat`
//! required, `nbf` honoured, Cognito's 5-minute clock skew. The claims
//! object is read strictly: a claim given twice refuses the token.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::provider::{Provider, ProviderKind};
use super::LoginError;

/// Cognito's clock skew allowance, in seconds.
pub const CLOCK_SKEW: u64 = 300;
/// Longest subject accepted.
pub const MAX_SUB_LEN: usize = 255;

/// A JSON object whose keys are all distinct. Its `Debug` names the claims
/// and shows no value (a subject, an email).
#[derive(Clone, Default, PartialEq)]
pub struct Claims(pub BTreeMap<String, Value>);

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Claims").field(&self.0.keys().collect::<Vec<_>>()).finish()
    }
}

impl<'de> Deserialize<'de> for Claims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrictObject;
        impl<'de> Visitor<'de> for StrictObject {
            type Value = Claims;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object with distinct keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Claims, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    if out.insert(k, v).is_some() {
                        return Err(serde::de::Error::custom("duplicate claim"));
                    }
                }
                Ok(Claims(out))
            }
        }
        deserializer.deserialize_map(StrictObject)
    }
}

impl Claims {
    /// Reads a claims object; `None` if it is not one (or repeats a claim).
    pub fn parse(json: &[u8]) -> Option<Self> {
        serde_json::from_str(std::str::from_utf8(json).ok()?).ok()
    }

    /// A string claim.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// A NumericDate claim, in whole seconds; `Err` when present but not a
    /// non-negative number.
    fn time(&self, name: &'static str) -> Result<Option<u64>, LoginError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(t) if (0.0..1e15).contains(&t) => Ok(Some(t as u64)),
                _ => Err(LoginError::BadClaim(name)),
            },
        }
    }

    /// The audiences (`aud` as a string or an array of strings).
    fn audiences(&self) -> Result<Vec<&str>, LoginError> {
        match self.0.get("aud") {
            None => Err(LoginError::MissingClaim("aud")),
            Some(Value::String(s)) => Ok(vec![s.as_str()]),
            Some(Value::Array(items)) if !items.is_empty() => {
                items.iter().map(|i| i.as_str().ok_or(LoginError::BadClaim("aud"))).collect()
            }
            Some(_) => Err(LoginError::BadClaim("aud")),
        }
    }
}

/// Claims that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedClaims {
    /// The subject.
    pub sub: String,
    /// The configured client id the token is for.
    pub client_id: String,
}

/// Checks `claims` for `provider` at `now`.
pub fn check(claims: &Claims, provider: &Provider, now: u64) -> Result<CheckedClaims, LoginError> {
    let iss = claims.str("iss").ok_or(LoginError::MissingClaim("iss"))?;
    if !provider.issuers.iter().any(|i| i == iss) {
        return Err(LoginError::WrongIssuer);
    }
    let audiences = claims.audiences()?;
    let client_id = audiences
        .iter()
        .find(|a| provider.client_ids.iter().any(|c| c == *a))
        .ok_or(LoginError::WrongAudience)?
        .to_string();
    match claims.0.get("azp") {
        None => {}
        Some(Value::String(azp)) if provider.client_ids.iter().any(|c| c == azp) => {}
        Some(_) => return Err(LoginError::WrongAudience),
    }
    let sub = match claims.0.get("sub") {
        None => return Err(LoginError::MissingClaim("sub")),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= MAX_SUB_LEN => s.clone(),
        Some(_) => return Err(LoginError::BadClaim("sub")),
    };
    let exp = claims.time("exp")?.ok_or(LoginError::MissingClaim("exp"))?;
    let iat = claims.time("iat")?.ok_or(LoginError::MissingClaim("iat"))?;
    if now >= exp.saturating_add(CLOCK_SKEW) {
        return Err(LoginError::Expired { exp, now });
    }
    if iat > now + CLOCK_SKEW {
        return Err(LoginError::NotYetValid);
    }
    if claims.time("nbf")?.is_some_and(|nbf| nbf > now + CLOCK_SKEW) {
        return Err(LoginError::NotYetValid);
    }
    if provider.kind == ProviderKind::CognitoUserPool && claims.str("token_use") != Some("id") {
        return Err(LoginError::BadClaim("token_use"));
    }
    Ok(CheckedClaims { sub, client_id })
}

#[cfg(test)]
mod tests {

    #[test]
    fn claims_print_their_names_only() {
        let claims = Claims::parse(br#"{"sub":"alice-subject","email":"alice@example.com"}"#).unwrap();
        for shown in [format!("{claims:?}"), format!("{claims:#?}")] {
            assert!(!shown.contains("alice"), "{shown}");
            assert!(shown.contains("sub") && shown.contains("email"));
        }
    }
    use super::*;
    use crate::core::login::provider::KeySource;
    use serde_json::json;

    const NOW: u64 = 1_800_000_000;

    fn provider() -> Provider {
        Provider {
            name: "login.example.com".into(),
            kind: ProviderKind::Oidc,
            issuers: vec!["https://login.example.com".into()],
            client_ids: vec!["app".into(), "other".into()],
            keys: KeySource::Discovery("https://login.example.com".into()),
            cache_key: "https://login.example.com".into(),
        }
    }

    fn claims(v: Value) -> Claims {
        Claims::parse(v.to_string().as_bytes()).unwrap()
    }

    fn good() -> Value {
        json!({"iss": "https://login.example.com", "aud": "app", "sub": "u1", "iat": NOW - 10, "exp": NOW + 600})
    }

    fn with(k: &str, v: Value) -> Claims {
        let mut g = good();
        if v.is_null() {
            g.as_object_mut().unwrap().remove(k);
        } else {
            g[k] = v;
        }
        claims(g)
    }

    #[test]
    fn a_good_token_passes() {
        let c = check(&claims(good()), &provider(), NOW).unwrap();
        assert_eq!((c.sub.as_str(), c.client_id.as_str()), ("u1", "app"));
        let c = check(&with("aud", json!(["someone-else", "other"])), &provider(), NOW).unwrap();
        assert_eq!(c.client_id, "other");
    }

    #[test]
    fn every_claim_is_checked() {
        let p = provider();
        let cases: Vec<(Claims, LoginError)> = vec![
            (with("iss", Value::Null), LoginError::MissingClaim("iss")),
            (with("iss", json!("https://login.example.com/")), LoginError::WrongIssuer),
            (with("iss", json!("https://login.example.com.evil")), LoginError::WrongIssuer),
            (with("iss", json!("login.example.com")), LoginError::WrongIssuer),
            (with("aud", Value::Null), LoginError::MissingClaim("aud")),
            (with("aud", json!("nope")), LoginError::WrongAudience),
            (with("aud", json!([])), LoginError::BadClaim("aud")),
            (with("aud", json!([1])), LoginError::BadClaim("aud")),
            (with("azp", json!("nope")), LoginError::WrongAudience),
            (with("sub", Value::Null), LoginError::MissingClaim("sub")),
            (with("sub", json!("")), LoginError::BadClaim("sub")),
            (with("sub", json!(7)), LoginError::BadClaim("sub")),
            (with("exp", Value::Null), LoginError::MissingClaim("exp")),
            (with("exp", json!("soon")), LoginError::BadClaim("exp")),
            (with("exp", json!(NOW - 301)), LoginError::Expired { exp: NOW - 301, now: NOW }),
            (with("iat", Value::Null), LoginError::MissingClaim("iat")),
            (with("iat", json!(NOW + 301)), LoginError::NotYetValid),
            (with("nbf", json!(NOW + 301)), LoginError::NotYetValid),
            (with("nbf", json!(-1)), LoginError::BadClaim("nbf")),
        ];
        for (c, expected) in cases {
            assert_eq!(check(&c, &p, NOW), Err(expected.clone()), "{expected:?}");
        }
    }

    #[test]
    fn the_skew_is_five_minutes() {
        let p = provider();
        assert!(check(&with("exp", json!(NOW - 299)), &p, NOW).is_ok());
        assert!(check(&with("iat", json!(NOW + 300)), &p, NOW).is_ok());
        assert!(check(&with("nbf", json!(NOW + 300)), &p, NOW).is_ok());
        assert!(check(&with("exp", json!((NOW + 60) as f64 + 0.5)), &p, NOW).is_ok(), "NumericDate may be fractional");
    }

    #[test]
    fn repeated_claims_refuse_the_token() {
        assert!(Claims::parse(br#"{"sub":"a","sub":"b"}"#).is_none());
        assert!(Claims::parse(br#"[1]"#).is_none());
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(Claims::parse(format!(r#"{{"x":{deep}}}"#).as_bytes()).is_none());
    }

    #[test]
    fn cognito_user_pools_need_id_tokens() {
        let mut p = provider();
        p.kind = ProviderKind::CognitoUserPool;
        assert_eq!(check(&claims(good()), &p, NOW), Err(LoginError::BadClaim("token_use")));
        assert!(check(&with("token_use", json!("id")), &p, NOW).is_ok());
        assert!(check(&with("token_use", json!("access")), &p, NOW).is_err());
    }
}
