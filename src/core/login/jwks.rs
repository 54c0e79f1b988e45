//! Identity providers' public keys: reading a JWKS (keys of unknown types
//! are skipped, not fatal), pinning each key to the one algorithm its type
//! allows, and caching the keys per issuer as `Cache-Control` says (within
//! bounds), with an early refetch for an unknown `kid` at most once per 10 s.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::social::AccessTokenCache;
use crate::core::capabilities::SignatureAlgorithm;

/// Smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits.
pub const MAX_RSA_BITS: usize = 4096;
/// Keys are kept at least this long (seconds), whatever the provider says.
pub const MIN_CACHE_SECONDS: u64 = 60;
/// Keys are kept at most this long (seconds).
pub const MAX_CACHE_SECONDS: u64 = 24 * 3600;
/// How long keys are kept when the provider says nothing.
pub const DEFAULT_CACHE_SECONDS: u64 = 3600;
/// The least time between two fetches of one issuer's keys for an unknown `kid`.
pub const UNKNOWN_KID_REFETCH_SECONDS: u64 = 10;

/// The key material of a public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyMaterial {
    /// A P-256 point.
    Ec {
        /// x, big-endian, 32 bytes.
        x: Vec<u8>,
        /// y, big-endian, 32 bytes.
        y: Vec<u8>,
    },
    /// An RSA public key.
    Rsa {
        /// The modulus, big-endian, no leading zeros.
        n: Vec<u8>,
        /// The exponent, big-endian, no leading zeros.
        e: Vec<u8>,
    },
}

/// A provider's public key, pinned to one algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// The key id, if the JWK has one.
    pub kid: Option<String>,
    /// The only algorithm this key verifies.
    pub alg: SignatureAlgorithm,
    /// The key.
    pub material: KeyMaterial,
    fingerprint: String,
}

impl PublicKey {
    /// A key pinned to `alg`.
    pub fn new(kid: Option<String>, alg: SignatureAlgorithm, material: KeyMaterial) -> Self {
        let mut key = Self { kid, alg, material, fingerprint: String::new() };
        key.fingerprint = key.jwk().to_string();
        key
    }

    /// The public JWK, as WebCrypto imports it.
    pub fn jwk(&self) -> Value {
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        match &self.material {
            KeyMaterial::Ec { x, y } => json!({ "kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y) }),
            KeyMaterial::Rsa { n, e } => json!({ "kty": "RSA", "n": b64(n), "e": b64(e), "alg": "RS256" }),
        }
    }

    /// A stable identity of the key material (for caching imported keys).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

#[derive(Deserialize)]
struct RawJwk {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    usage: Option<String>,
    key_ops: Option<Vec<String>>,
    crv: Option<String>,
    x: Option<String>,
    y: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<Value>,
}

fn unsigned_bytes(b64: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(b64).ok()?;
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    Some(bytes[start..].to_vec())
}

fn bit_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        Some(&top) => (bytes.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    }
}

/// Reads one JWK; `None` for a key cognate will not use (other types,
/// curves or algorithms, encryption keys, weak RSA).
pub fn parse_jwk(value: &Value) -> Option<PublicKey> {
    let jwk: RawJwk = serde_json::from_value(value.clone()).ok()?;
    if jwk.usage.as_deref().is_some_and(|u| u != "sig") {
        return None;
    }
    if jwk.key_ops.as_ref().is_some_and(|ops| !ops.iter().any(|o| o == "verify")) {
        return None;
    }
    let (alg, material) = match jwk.kty.as_deref()? {
        "EC" => {
            if jwk.crv.as_deref() != Some("P-256") || jwk.alg.as_deref().is_some_and(|a| a != "ES256") {
                return None;
            }
            let x = URL_SAFE_NO_PAD.decode(jwk.x?).ok().filter(|x| x.len() == 32)?;
            let y = URL_SAFE_NO_PAD.decode(jwk.y?).ok().filter(|y| y.len() == 32)?;
            (SignatureAlgorithm::Es256, KeyMaterial::Ec { x, y })
        }
        "RSA" => {
            if jwk.alg.as_deref().is_some_and(|a| a != "RS256") {
                return None;
            }
            let n = unsigned_bytes(&jwk.n?)?;
            let e = unsigned_bytes(&jwk.e?)?;
            let bits = bit_length(&n);
            let e_ok = !e.is_empty() && e.len() <= 4 && e.last().is_some_and(|b| b & 1 == 1) && e != [1];
            if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) || !e_ok {
                return None;
            }
            (SignatureAlgorithm::Rs256, KeyMaterial::Rsa { n, e })
        }
        _ => return None,
    };
    Some(PublicKey::new(jwk.kid, alg, material))
}

/// Reads a JWKS document; `None` when it is not one.
pub fn parse_jwks(body: &[u8]) -> Option<Vec<PublicKey>> {
    let raw: RawJwks = serde_json::from_str(std::str::from_utf8(body).ok()?).ok()?;
    Some(raw.keys.iter().filter_map(parse_jwk).collect())
}

/// How long to keep keys, from a `Cache-Control` header, within bounds.
pub fn cache_seconds(cache_control: Option<&str>) -> u64 {
    let Some(cc) = cache_control else { return DEFAULT_CACHE_SECONDS };
    let directives: Vec<String> = cc.split(',').map(|d| d.trim().to_ascii_lowercase()).collect();
    if directives.iter().any(|d| d == "no-store" || d == "no-cache") {
        return MIN_CACHE_SECONDS;
    }
    directives
        .iter()
        .find_map(|d| d.strip_prefix("max-age=").and_then(|v| v.trim_matches('"').parse::<u64>().ok()))
        .map_or(DEFAULT_CACHE_SECONDS, |s| s.clamp(MIN_CACHE_SECONDS, MAX_CACHE_SECONDS))
}

#[derive(Debug, Clone)]
struct Entry {
    keys: Vec<PublicKey>,
    fetched: u64,
    expires: u64,
}

/// What the cache knows about a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// These cached keys may have signed the token (by kid and algorithm).
    Found(Vec<PublicKey>),
    /// Nothing usable cached: fetch the issuer's keys.
    Fetch,
    /// The keys are fresh, the kid unknown, and they were fetched too
    /// recently to fetch again.
    Unknown,
}

/// How long a verified token is remembered, in seconds.
pub const VERIFIED_SECONDS: u64 = 60;
/// Most verified tokens remembered before the memory starts over.
const MAX_VERIFIED: usize = 4096;

/// Providers' keys, per issuer, for one isolate; and the tokens they
/// verified lately with their claims, so a token presented again (GetId,
/// then GetCredentialsForIdentity; a refresh) costs neither a second
/// signature check nor a second parse. Every claim is still checked on
/// every use. It also holds what social
/// providers vouched for lately ([`AccessTokenCache`]).
#[derive(Debug, Default, Clone)]
pub struct KeyCache {
    entries: BTreeMap<String, Entry>,
    verified: std::collections::HashMap<[u8; 32], (u64, super::claims::Claims)>,
    /// Access tokens that Login with Amazon or Facebook vouched for.
    pub access_tokens: AccessTokenCache,
    /// SAML responses that verified lately.
    pub saml_responses: super::saml::ResponseCache,
}

/// The keys among `keys` that may have made a token with `kid` and `alg`.
pub fn candidates(keys: &[PublicKey], kid: Option<&str>, alg: SignatureAlgorithm) -> Vec<PublicKey> {
    keys.iter().filter(|k| k.alg == alg && (kid.is_none() || k.kid.as_deref() == kid)).take(4).cloned().collect()
}

impl KeyCache {
    /// The claims of the token digested as `digest`, if it verified within
    /// the last [`VERIFIED_SECONDS`].
    pub fn verified_lately(&self, digest: &[u8; 32], now: u64) -> Option<super::claims::Claims> {
        self.verified.get(digest).filter(|(until, _)| *until > now).map(|(_, claims)| claims.clone())
    }

    /// Remembers that the token digested as `digest`, with `claims`, verified at `now`.
    pub fn remember_verified(&mut self, digest: [u8; 32], now: u64, claims: super::claims::Claims) {
        if self.verified.len() >= MAX_VERIFIED {
            self.verified.retain(|_, (until, _)| *until > now);
            if self.verified.len() >= MAX_VERIFIED {
                self.verified.clear();
            }
        }
        self.verified.insert(digest, (now + VERIFIED_SECONDS, claims));
    }

    /// Looks up the keys of `issuer` for a token with `kid` and `alg` at `now`.
    pub fn lookup(&self, issuer: &str, kid: Option<&str>, alg: SignatureAlgorithm, now: u64) -> Lookup {
        let Some(entry) = self.entries.get(issuer) else { return Lookup::Fetch };
        if entry.expires <= now {
            return Lookup::Fetch;
        }
        let found = candidates(&entry.keys, kid, alg);
        if !found.is_empty() {
            Lookup::Found(found)
        } else if now.saturating_sub(entry.fetched) >= UNKNOWN_KID_REFETCH_SECONDS {
            Lookup::Fetch
        } else {
            Lookup::Unknown
        }
    }

    /// Keeps `keys` of `issuer`, fetched at `now`, as `cache_control` says.
    pub fn store(&mut self, issuer: &str, keys: Vec<PublicKey>, cache_control: Option<&str>, now: u64) {
        let expires = now + cache_seconds(cache_control);
        self.entries.insert(issuer.to_owned(), Entry { keys, fetched: now, expires });
    }

    /// Whether the keys of `issuer` may be fetched again at `now` (no fetch
    /// in the last 10 seconds).
    pub fn may_refetch(&self, issuer: &str, now: u64) -> bool {
        self.entries.get(issuer).is_none_or(|e| now.saturating_sub(e.fetched) >= UNKNOWN_KID_REFETCH_SECONDS)
    }

    /// Notes a failed fetch at `now`, so an unknown kid does not cause a
    /// fetch on every request (keeps what was cached).
    pub fn note_failed_fetch(&mut self, issuer: &str, now: u64) {
        if let Some(e) = self.entries.get_mut(issuer) {
            e.fetched = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ec(kid: &str) -> Value {
        json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": URL_SAFE_NO_PAD.encode([1u8; 32]), "y": URL_SAFE_NO_PAD.encode([2u8; 32])})
    }

    fn rsa(kid: &str, bits: usize) -> Value {
        let mut n = vec![0xffu8; bits / 8];
        n[0] = 0xc0;
        json!({"kty": "RSA", "kid": kid, "n": URL_SAFE_NO_PAD.encode(n), "e": "AQAB"})
    }

    #[test]
    fn verified_signatures_are_remembered_for_a_minute_within_a_bound() {
        let mut cache = KeyCache::default();
        let claims = super::super::claims::Claims::parse(br#"{"sub":"s"}"#).unwrap();
        cache.remember_verified([1; 32], 100, claims.clone());
        assert_eq!(cache.verified_lately(&[1; 32], 100 + VERIFIED_SECONDS - 1).unwrap().0, claims.0);
        assert!(cache.verified_lately(&[1; 32], 100 + VERIFIED_SECONDS).is_none());
        assert!(cache.verified_lately(&[2; 32], 100).is_none());
        for i in 0..MAX_VERIFIED as u32 {
            let mut d = [0; 32];
            d[..4].copy_from_slice(&i.to_be_bytes());
            cache.remember_verified(d, 200, claims.clone());
        }
        assert!(cache.verified.len() <= MAX_VERIFIED);
    }

    #[test]
    fn keys_are_pinned_to_their_algorithm_and_odd_keys_skipped() {
        let jwks = json!({"keys": [
            ec("e1"), rsa("r1", 2048), rsa("weak", 1024), rsa("huge", 8192),
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            {"kty": "OKP", "crv": "Ed25519", "x": "AA", "kid": "ed"},
            {"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA", "kid": "p384"},
            {"kty": "RSA", "alg": "PS256", "n": rsa("x", 2048)["n"], "e": "AQAB", "kid": "pss"},
            {"kty": "RSA", "use": "enc", "n": rsa("x", 2048)["n"], "e": "AQAB", "kid": "enc"},
            {"kty": "EC", "crv": "P-256", "alg": "ES256", "x": "AA", "y": "AA", "kid": "short"},
            "not an object"
        ]});
        let keys = parse_jwks(jwks.to_string().as_bytes()).unwrap();
        let kids: Vec<_> = keys.iter().map(|k| (k.kid.as_deref().unwrap(), k.alg)).collect();
        assert_eq!(kids, [("e1", SignatureAlgorithm::Es256), ("r1", SignatureAlgorithm::Rs256)]);
        assert!(parse_jwks(b"{}").is_none());
        assert!(parse_jwks(b"[]").is_none());
        assert_eq!(parse_jwks(br#"{"keys": []}"#), Some(vec![]));
    }

    #[test]
    fn cache_control_within_bounds() {
        assert_eq!(cache_seconds(None), 3600);
        assert_eq!(cache_seconds(Some("public, max-age=19702, must-revalidate")), 19702);
        assert_eq!(cache_seconds(Some("max-age=5")), 60);
        assert_eq!(cache_seconds(Some("max-age=99999999")), 86400);
        assert_eq!(cache_seconds(Some("no-store")), 60);
        assert_eq!(cache_seconds(Some("max-age=abc")), 3600);
    }

    #[test]
    fn unknown_kids_refetch_at_most_every_ten_seconds() {
        let mut cache = KeyCache::default();
        let iss = "https://idp.example";
        assert_eq!(cache.lookup(iss, Some("a"), SignatureAlgorithm::Es256, 100), Lookup::Fetch);
        cache.store(iss, vec![parse_jwk(&ec("a")).unwrap()], Some("max-age=300"), 100);
        assert!(
            matches!(cache.lookup(iss, Some("a"), SignatureAlgorithm::Es256, 101), Lookup::Found(k) if k.len() == 1)
        );
        assert_eq!(cache.lookup(iss, Some("a"), SignatureAlgorithm::Rs256, 101), Lookup::Unknown, "alg is pinned");
        assert_eq!(cache.lookup(iss, Some("b"), SignatureAlgorithm::Es256, 105), Lookup::Unknown);
        assert_eq!(cache.lookup(iss, Some("b"), SignatureAlgorithm::Es256, 110), Lookup::Fetch);
        cache.note_failed_fetch(iss, 110);
        assert_eq!(cache.lookup(iss, Some("b"), SignatureAlgorithm::Es256, 115), Lookup::Unknown);
        assert_eq!(cache.lookup(iss, Some("a"), SignatureAlgorithm::Es256, 400), Lookup::Fetch, "expired");
    }
}
