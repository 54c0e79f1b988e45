//! cognate's own OpenID tokens presented back as a login: the token of
//! GetOpenIdTokenForDeveloperIdentity (or of GetOpenIdToken for a signed-in
//! identity), under the `Logins` key Cognito's SDKs send,
//! `cognito-identity.amazonaws.com`, or the issuer's own host. It proves its
//! identity (`sub`) in its pool (`aud`), within its lifetime, and only if it
//! is an authenticated identity's: a guest's token signs nobody in.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use super::claims::Claims;
use super::jwks::parse_jwk;
use super::{LoginError, VerifiedLogin};
use crate::core::capabilities::Verifier;
use crate::core::model::MAX_TOKEN_LEN;
use crate::core::token::{OpenIdClaims, SigningKeys};

/// The `Logins` key of a cognate (Cognito) token.
pub const PROVIDER: &str = "cognito-identity.amazonaws.com";

/// Whether the `Logins` key `name` names cognate's own tokens.
pub fn names_own(name: &str, issuer: &str) -> bool {
    name == PROVIDER || issuer.split_once("://").is_some_and(|(_, host)| host == name)
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    jku: Option<serde_json::Value>,
    jwk: Option<serde_json::Value>,
    x5u: Option<serde_json::Value>,
    x5c: Option<serde_json::Value>,
    crit: Option<serde_json::Value>,
}

/// Verifies `token` as one of this deployment's (issuer `issuer`, a key of
/// `keys`) for the pool `pool_id` at `now`.
pub async fn verify<V: Verifier>(
    verifier: &V,
    keys: &SigningKeys,
    issuer: &str,
    pool_id: &str,
    token: &str,
    now: u64,
) -> Result<VerifiedLogin, LoginError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(LoginError::TooLong);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(body), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(LoginError::Malformed);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| LoginError::Malformed);
    let header: Header = serde_json::from_slice(&decode(header)?).map_err(|_| LoginError::Malformed)?;
    for (name, present) in [
        ("jku", header.jku.is_some()),
        ("jwk", header.jwk.is_some()),
        ("x5u", header.x5u.is_some()),
        ("x5c", header.x5c.is_some()),
        ("crit", header.crit.is_some()),
    ] {
        if present {
            return Err(LoginError::ForbiddenHeader(name));
        }
    }
    if header.alg != "ES256" {
        return Err(LoginError::Algorithm);
    }
    let published = keys.jwks();
    let jwk = published["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|k| header.kid.is_some() && k["kid"].as_str() == header.kid.as_deref())
        .ok_or(LoginError::UnknownKey)?;
    let key = parse_jwk(jwk).ok_or(LoginError::UnknownKey)?;
    let signed = &token[..token.len() - signature.len() - 1];
    if !matches!(verifier.verify(&key, signed.as_bytes(), &decode(signature)?).await, Ok(true)) {
        return Err(LoginError::BadSignature);
    }
    let raw = decode(body)?;
    let claims: OpenIdClaims = serde_json::from_slice(&raw).map_err(|_| LoginError::Malformed)?;
    if claims.iss != issuer {
        return Err(LoginError::WrongIssuer);
    }
    if claims.aud != pool_id {
        return Err(LoginError::WrongAudience);
    }
    if claims.exp <= now {
        return Err(LoginError::Expired { exp: claims.exp, now });
    }
    if claims.iat > now + 300 {
        return Err(LoginError::NotYetValid);
    }
    if !claims.amr.iter().any(|a| a == "authenticated") {
        return Err(LoginError::BadClaim("amr"));
    }
    let all = Claims::parse(&raw).ok_or(LoginError::Malformed)?;
    Ok(VerifiedLogin { provider: PROVIDER.to_owned(), sub: claims.sub, client_id: claims.aud, claims: all })
}
