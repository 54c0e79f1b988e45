//! Stateless credentials (DESIGN.md, edge mode). The session token is the
//! AEAD-sealed (XChaCha20-Poly1305) description of the principal; the
//! secret key is a MAC of the access key id. Both keys are derived per pool
//! from the credential key named by the token's key id, so the previous
//! credential key keeps opening tokens while they live. Nothing is stored:
//! a verifier opens the token, checks it, and re-derives the secret.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::Mac;
use serde::{Deserialize, Serialize};

use super::capabilities::Random;
use super::keys::{CredentialKey, CredentialKeys};

/// Lifetime of vended credentials, as Cognito's (seconds).
pub const CREDENTIAL_LIFETIME: u64 = 3600;
const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// What a session token says about its holder (sealed: never readable).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The access key id these credentials pair with.
    #[serde(rename = "k")]
    pub access_key_id: String,
    /// The pool.
    #[serde(rename = "p")]
    pub pool_id: String,
    /// The identity.
    #[serde(rename = "i")]
    pub identity_id: String,
    /// The role ARN.
    #[serde(rename = "r")]
    pub role_arn: String,
    /// Authentication methods, as in cognate's OpenID token.
    #[serde(rename = "a")]
    pub amr: Vec<String>,
    /// Principal tags.
    #[serde(rename = "t", default)]
    pub tags: BTreeMap<String, String>,
    /// Expiry (epoch seconds).
    #[serde(rename = "e")]
    pub expiration: u64,
}

/// Credentials as GetCredentialsForIdentity returns them.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credentials {
    /// `ASIA` + 16 base32 characters.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_key: String,
    /// The sealed session token.
    pub session_token: String,
    /// Expiry (epoch seconds).
    pub expiration: u64,
}

/// A session token could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpenError {
    /// Not a token of this service (bad encoding, version or layout).
    #[error("malformed session token")]
    Malformed,
    /// Its key id is neither the current nor the previous key.
    #[error("session token sealed with an unknown key")]
    UnknownKey,
    /// It does not authenticate (tampered or forged).
    #[error("session token does not authenticate")]
    Forged,
}

fn secret_for(key: &CredentialKey, pool_id: &str, access_key_id: &str) -> String {
    let mut mac = key.secret_mac(pool_id);
    mac.update(access_key_id.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn header(key_id: &str, pool_id: &str) -> Vec<u8> {
    let mut out = vec![VERSION, key_id.len() as u8];
    out.extend_from_slice(key_id.as_bytes());
    out.push(pool_id.len() as u8);
    out.extend_from_slice(pool_id.as_bytes());
    out
}

/// A new access key id: `ASIA` and 80 random bits in base32.
pub fn new_access_key_id(rng: &dyn Random) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    let mut id = String::from("ASIA");
    id.extend(bytes.iter().map(|b| BASE32[(b & 31) as usize] as char));
    id
}

/// Issues credentials for `claims` (whose access key id is replaced by a
/// fresh one) under the current credential key.
pub fn issue(keys: &CredentialKeys, rng: &dyn Random, mut claims: SessionClaims) -> Credentials {
    let key = &keys.current;
    claims.access_key_id = new_access_key_id(rng);
    let aad = header(key.id(), &claims.pool_id);
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce);
    let cipher = XChaCha20Poly1305::new(&key.seal_key(&claims.pool_id).into());
    let plaintext = serde_json::to_vec(&claims).expect("claims serialize");
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plaintext, aad: &aad })
        .expect("sealing into a Vec cannot fail");
    let mut token = aad;
    token.extend_from_slice(&nonce);
    token.extend_from_slice(&sealed);
    Credentials {
        secret_key: secret_for(key, &claims.pool_id, &claims.access_key_id),
        access_key_id: claims.access_key_id,
        session_token: URL_SAFE_NO_PAD.encode(token),
        expiration: claims.expiration,
    }
}

/// An opened session token: its claims and the secret key they pair with.
pub struct Opened {
    /// The claims.
    pub claims: SessionClaims,
    secret: String,
}

// What these print: never a secret key, a session token, an identity id or
// a tag's value (a tag may carry a provider's subject).
impl std::fmt::Debug for SessionClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionClaims")
            .field("access_key_id", &self.access_key_id)
            .field("pool_id", &self.pool_id)
            .field("identity_id", &"[redacted]")
            .field("role_arn", &self.role_arn)
            .field("amr", &self.amr.len())
            .field("tags", &self.tags.keys().collect::<Vec<_>>())
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_key", &"[redacted]")
            .field("session_token", &"[redacted]")
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened").field("claims", &self.claims).field("secret", &"[redacted]").finish()
    }
}

impl Opened {
    /// The secret access key, for the SigV4 verifier only.
    pub fn expose_secret(&self) -> &str {
        &self.secret
    }
}

/// Opens a session token and re-derives its secret key. Expiry is the
/// caller's to check.
pub fn open(keys: &CredentialKeys, session_token: &str) -> Result<Opened, OpenError> {
    let bytes = URL_SAFE_NO_PAD.decode(session_token.trim_end_matches('=')).map_err(|_| OpenError::Malformed)?;
    let (&version, rest) = bytes.split_first().ok_or(OpenError::Malformed)?;
    if version != VERSION {
        return Err(OpenError::Malformed);
    }
    let (key_id, rest) = take_prefixed(rest)?;
    let (pool_id, rest) = take_prefixed(rest)?;
    if rest.len() < NONCE_LEN {
        return Err(OpenError::Malformed);
    }
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let key = keys.find(key_id).ok_or(OpenError::UnknownKey)?;
    let cipher = XChaCha20Poly1305::new(&key.seal_key(pool_id).into());
    let aad = header(key_id, pool_id);
    let plaintext =
        cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &aad }).map_err(|_| OpenError::Forged)?;
    let claims: SessionClaims = std::str::from_utf8(&plaintext)
        .ok()
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or(OpenError::Malformed)?;
    if claims.pool_id != pool_id {
        return Err(OpenError::Forged);
    }
    let secret = secret_for(key, pool_id, &claims.access_key_id);
    Ok(Opened { claims, secret })
}

fn take_prefixed(bytes: &[u8]) -> Result<(&str, &[u8]), OpenError> {
    let (&len, rest) = bytes.split_first().ok_or(OpenError::Malformed)?;
    if rest.len() < len as usize {
        return Err(OpenError::Malformed);
    }
    let (field, rest) = rest.split_at(len as usize);
    Ok((std::str::from_utf8(field).map_err(|_| OpenError::Malformed)?, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::SeededRandom;

    fn keys(current: u8, previous: Option<u8>) -> CredentialKeys {
        CredentialKeys {
            current: CredentialKey::new(&format!("k{current}"), vec![current; 32]).unwrap(),
            previous: previous.map(|p| CredentialKey::new(&format!("k{p}"), vec![p; 32]).unwrap()),
        }
    }

    fn claims() -> SessionClaims {
        SessionClaims {
            access_key_id: String::new(),
            pool_id: "us-east-1:00000000-0000-4000-8000-000000000001".into(),
            identity_id: "us-east-1:00000000-0000-8000-8000-000000000002".into(),
            role_arn: "arn:aws:iam::123456789012:role/guest".into(),
            amr: vec!["unauthenticated".into()],
            tags: [("team".to_owned(), "blue".to_owned())].into(),
            expiration: 4_600,
        }
    }

    #[test]
    fn secrets_identity_ids_and_tag_values_never_print() {
        let keys = keys(1, None);
        let creds = issue(&keys, &SeededRandom::new(3), claims());
        let opened = open(&keys, &creds.session_token).unwrap();
        for shown in [format!("{creds:?}"), format!("{creds:#?}"), format!("{opened:?}"), format!("{opened:#?}")] {
            for secret in [creds.secret_key.as_str(), &creds.session_token, &claims().identity_id, "blue"] {
                assert!(!shown.contains(secret), "{shown} shows {secret:.12}");
            }
            assert!(shown.contains(&creds.access_key_id) && shown.contains("[redacted]"), "{shown}");
        }
    }

    #[test]
    fn issued_credentials_open_to_their_claims_and_secret() {
        let keys = keys(1, None);
        let creds = issue(&keys, &SeededRandom::new(1), claims());
        assert!(creds.access_key_id.starts_with("ASIA"));
        assert_eq!(creds.access_key_id.len(), 20);
        assert!(creds.access_key_id[4..].bytes().all(|b| BASE32.contains(&b)));
        let opened = open(&keys, &creds.session_token).unwrap();
        assert_eq!(opened.claims.access_key_id, creds.access_key_id);
        assert_eq!(opened.claims.identity_id, claims().identity_id);
        assert_eq!(opened.expose_secret(), creds.secret_key);
    }

    #[test]
    fn the_token_reveals_nothing_of_the_claims_or_the_secret() {
        let keys = keys(1, None);
        let creds = issue(&keys, &SeededRandom::new(2), claims());
        let raw = URL_SAFE_NO_PAD.decode(&creds.session_token).unwrap();
        let text = String::from_utf8_lossy(&raw);
        for secret in ["00000000-0000-8000", "role/guest", "blue", "unauthenticated", &creds.access_key_id] {
            assert!(!text.contains(secret), "{secret} is readable in the token");
        }
        assert!(!creds.session_token.contains(&creds.secret_key));
    }

    #[test]
    fn every_flipped_bit_is_refused() {
        let keys = keys(1, None);
        let creds = issue(&keys, &SeededRandom::new(3), claims());
        let raw = URL_SAFE_NO_PAD.decode(&creds.session_token).unwrap();
        for i in 0..raw.len() {
            for bit in [0x01, 0x80] {
                let mut t = raw.clone();
                t[i] ^= bit;
                assert!(open(&keys, &URL_SAFE_NO_PAD.encode(&t)).is_err(), "byte {i} bit {bit:#x}");
            }
        }
        assert_eq!(open(&keys, "").unwrap_err(), OpenError::Malformed);
        assert_eq!(open(&keys, "!!!").unwrap_err(), OpenError::Malformed);
        assert!(open(&keys, &URL_SAFE_NO_PAD.encode(&raw[..raw.len() - 1])).is_err());
    }

    #[test]
    fn the_previous_key_still_opens_and_others_do_not() {
        let old = keys(1, None);
        let creds = issue(&old, &SeededRandom::new(4), claims());
        assert!(open(&keys(2, Some(1)), &creds.session_token).is_ok());
        assert_eq!(open(&keys(3, Some(2)), &creds.session_token).unwrap_err(), OpenError::UnknownKey);
        // A key with the same id but other bytes cannot open it.
        let impostor = CredentialKeys { current: CredentialKey::new("k1", vec![9; 32]).unwrap(), previous: None };
        assert_eq!(open(&impostor, &creds.session_token).unwrap_err(), OpenError::Forged);
    }

    #[test]
    fn secrets_differ_per_pool_and_per_key_id() {
        let keys = keys(1, None);
        let a = secret_for(&keys.current, "pool-a", "ASIAAAAAAAAAAAAAAAAA");
        assert_ne!(a, secret_for(&keys.current, "pool-b", "ASIAAAAAAAAAAAAAAAAA"));
        assert_ne!(a, secret_for(&keys.current, "pool-a", "ASIAAAAAAAAAAAAAAAAB"));
    }
}
