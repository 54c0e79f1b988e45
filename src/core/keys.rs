//! The service's secrets and the keys derived from them. Every secret is a
//! newtype whose `Debug` prints `[redacted]`; derived keys are separated by
//! HKDF labels and, where they serve one pool, by the pool id.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// A secret could not be read from configuration.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{name}: {reason}")]
pub struct KeyError {
    /// Which secret.
    pub name: &'static str,
    /// What is wrong with it (never its value).
    pub reason: &'static str,
}

/// Decodes base64 in either alphabet, padded or not.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().trim_end_matches('=');
    if s.contains(['+', '/']) {
        STANDARD_NO_PAD.decode(s).ok()
    } else {
        URL_SAFE_NO_PAD.decode(s).ok()
    }
}

/// HKDF-SHA256 of `ikm` with info `label ‖ 0x00 ‖ context`, 32 bytes.
fn derive(ikm: &[u8], label: &str, context: &str) -> [u8; 32] {
    let hk = Hkdf::<Sha256>::new(None, ikm);
    let mut info = Vec::with_capacity(label.len() + 1 + context.len());
    info.extend_from_slice(label.as_bytes());
    info.push(0);
    info.extend_from_slice(context.as_bytes());
    let mut out = [0u8; 32];
    hk.expand(&info, &mut out).expect("32 bytes is a valid HKDF-SHA256 length");
    out
}

/// How many values of one label a [`Memo`] keeps before it starts over
/// (one per pool: a Worker isolate serves few pools at a time).
const MEMO_ENTRIES: usize = 1024;

/// Values derived from one secret, kept by (label, context). HKDF costs
/// eight SHA-256 blocks and an HMAC key set-up two, and the few keys of a
/// pool serve every request of it: without this a warm signed-in call spent
/// a tenth of its time re-deriving the same keys. Clones start empty.
struct Memo<V>(Mutex<HashMap<&'static str, HashMap<String, V>>>);

impl<V: Clone> Memo<V> {
    fn new() -> Self {
        Self(Mutex::new(HashMap::new()))
    }

    /// The value for (`label`, `context`), made by `make` on first use.
    fn get(&self, label: &'static str, context: &str, make: impl FnOnce() -> V) -> V {
        let mut labels = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let values = labels.entry(label).or_default();
        if let Some(v) = values.get(context) {
            return v.clone();
        }
        if values.len() >= MEMO_ENTRIES {
            values.clear();
        }
        let v = make();
        values.insert(context.to_owned(), v.clone());
        v
    }
}

impl<V: Clone> Clone for Memo<V> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

/// An HMAC-SHA256 keyed with `key`, ready for messages.
fn hmac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length")
}

/// The first 32 bits of the HMAC of `message` under the keyed `mac`.
fn first_32_bits(mac: &Hmac<Sha256>, message: &[u8]) -> [u8; 4] {
    let mut mac = mac.clone();
    mac.update(message);
    let out = mac.finalize().into_bytes();
    [out[0], out[1], out[2], out[3]]
}

/// A secret and the keys derived from it, each derived once.
#[derive(Clone)]
struct Root {
    secret: Vec<u8>,
    keys: Memo<[u8; 32]>,
    macs: Memo<Hmac<Sha256>>,
}

impl Root {
    fn new(secret: Vec<u8>) -> Self {
        Self { secret, keys: Memo::new(), macs: Memo::new() }
    }

    /// The key (`label`, `context`) derived from the secret.
    fn key(&self, label: &'static str, context: &str) -> [u8; 32] {
        self.keys.get(label, context, || derive(&self.secret, label, context))
    }

    /// An HMAC keyed with the key (`label`, `context`).
    fn mac(&self, label: &'static str, context: &str) -> Hmac<Sha256> {
        self.macs.get(label, context, || hmac(&derive(&self.secret, label, context)))
    }
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "([redacted])"))
            }
        }
    )*};
}

/// The hash key: the root of routing tags and login MACs.
#[derive(Clone)]
pub struct HashKey(Root);

/// The key of pools' routing tags, keyed once, and the tags it made: a
/// pool's tag is asked on every request that names the pool (four SHA-256
/// blocks each time, a third of a new guest's hashing).
#[derive(Clone)]
pub struct RouteKey {
    mac: Hmac<Sha256>,
    tags: Memo<[u8; 4]>,
}

/// The key that makes and checks one pool's self-proving guest ids.
pub struct GuestKey(Hmac<Sha256>);

redacted_debug!(HashKey, RouteKey, GuestKey, CredentialKey, AdminKey);

impl HashKey {
    /// Reads the base64 secret; it must hold at least 32 bytes.
    pub fn parse(b64: &str) -> Result<Self, KeyError> {
        match decode_base64(b64) {
            Some(bytes) if bytes.len() >= 32 => Ok(Self(Root::new(bytes))),
            Some(_) => Err(KeyError { name: "HASH_KEY", reason: "must hold at least 32 bytes" }),
            None => Err(KeyError { name: "HASH_KEY", reason: "is not base64" }),
        }
    }

    /// The key of routing tags.
    pub fn route_key(&self) -> RouteKey {
        RouteKey::new(&derive(&self.0.secret, "cognate/v1/route", ""))
    }

    /// The AEAD key that seals `pool_id`'s developer user identifiers.
    pub fn developer_key(&self, pool_id: &str) -> [u8; 32] {
        self.0.key("cognate/v1/developer", pool_id)
    }

    /// The key of `pool_id`'s guest ids.
    pub fn guest_key(&self, pool_id: &str) -> GuestKey {
        GuestKey(self.0.mac("cognate/v1/guest", pool_id))
    }

    fn keyed(&self, label: &'static str, pool_id: &str, provider: &str, sub: &str) -> [u8; 32] {
        let mut mac = self.0.mac(label, pool_id);
        mac.update(provider.as_bytes());
        mac.update(&[0]);
        mac.update(sub.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// How a login is known in `pool_id`: lowercase hex of
    /// `HMAC-SHA256(HKDF(hash key, "login", pool), provider ‖ 0x00 ‖ sub)`.
    /// The subject itself is never stored.
    pub fn login_mac(&self, pool_id: &str, provider: &str, sub: &str) -> String {
        hex::encode(self.keyed("cognate/v1/login", pool_id, provider, sub))
    }

    /// The opaque per-pool id of a login shown to others (in `amr`), under
    /// a key of its own so it reveals neither the subject nor the MAC.
    pub fn opaque_id(&self, pool_id: &str, provider: &str, sub: &str) -> String {
        hex::encode(&self.keyed("cognate/v1/opaque", pool_id, provider, sub)[..16])
    }
}

impl RouteKey {
    fn new(key: &[u8; 32]) -> Self {
        Self { mac: hmac(key), tags: Memo::new() }
    }

    /// The first 32 bits of `HMAC-SHA256(key, pool_id)`, remembered.
    pub fn tag(&self, pool_id: &str) -> [u8; 4] {
        self.tags.get("tag", pool_id, || first_32_bits(&self.mac, pool_id.as_bytes()))
    }

    /// A key from raw bytes, for tests.
    #[cfg(test)]
    pub(crate) fn for_tests(bytes: &[u8; 32]) -> Self {
        Self::new(bytes)
    }
}

impl GuestKey {
    /// The first 32 bits of `HMAC-SHA256(key, message)`: the tag a guest id
    /// carries. Short, because the id's other bits are what keep it
    /// unguessable; the tag only tells an issued id from an invented one.
    pub fn tag(&self, message: &[u8]) -> [u8; 4] {
        first_32_bits(&self.0, message)
    }

    /// Whether `tag` is the tag of `message`, compared in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        tag.len() == 4 && bool::from(self.tag(message).ct_eq(tag))
    }
}

/// One credential key with its id.
#[derive(Clone)]
pub struct CredentialKey {
    id: String,
    root: Root,
}

impl CredentialKey {
    /// A key with id `id` (1–16 chars of `[A-Za-z0-9_-]`) and at least 32 bytes.
    pub fn new(id: &str, key: Vec<u8>) -> Result<Self, KeyError> {
        let name = "CREDENTIAL_KEYS";
        if id.is_empty() || id.len() > 16 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(KeyError { name, reason: "a key id must be 1-16 chars of [A-Za-z0-9_-]" });
        }
        if key.len() < 32 {
            return Err(KeyError { name, reason: "a key must hold at least 32 bytes" });
        }
        Ok(Self { id: id.to_owned(), root: Root::new(key) })
    }

    /// The key id carried in session tokens.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The AEAD key that seals session tokens of `pool_id`.
    pub fn seal_key(&self, pool_id: &str) -> [u8; 32] {
        self.root.key("cognate/v1/seal", pool_id)
    }

    /// The HMAC, under the key of `pool_id`, that makes its secret access
    /// keys from their ids.
    pub fn secret_mac(&self, pool_id: &str) -> Hmac<Sha256> {
        self.root.mac("cognate/v1/secret", pool_id)
    }
}

/// The credential keys: the current one seals, the previous one still opens.
#[derive(Debug, Clone)]
pub struct CredentialKeys {
    /// The key new credentials are made with.
    pub current: CredentialKey,
    /// The key before it, accepted while its credentials live.
    pub previous: Option<CredentialKey>,
}

#[derive(Deserialize)]
struct CredentialKeyJson {
    id: String,
    key: String,
}

#[derive(Deserialize)]
struct CredentialKeysJson {
    current: CredentialKeyJson,
    previous: Option<CredentialKeyJson>,
}

impl CredentialKey {
    fn from_json(k: CredentialKeyJson, name: &'static str) -> Result<Self, KeyError> {
        let bytes = decode_base64(&k.key).ok_or(KeyError { name, reason: "a key is not base64" })?;
        Self::new(&k.id, bytes)
    }

    /// Reads `{"id", "key"}` (the key in base64) from the secret `name`.
    pub fn parse_json(json: &str, name: &'static str) -> Result<Self, KeyError> {
        let raw: CredentialKeyJson =
            serde_json::from_str(json).map_err(|_| KeyError { name, reason: "is not {\"id\",\"key\"}" })?;
        Self::from_json(raw, name)
    }
}

impl CredentialKeys {
    /// Reads `{"current": {"id", "key"}, "previous": {...}}` (keys in base64).
    pub fn parse(json: &str) -> Result<Self, KeyError> {
        let name = "CREDENTIAL_KEYS";
        let raw: CredentialKeysJson = serde_json::from_str(json)
            .map_err(|_| KeyError { name, reason: "is not {\"current\":{\"id\",\"key\"}}" })?;
        let current = CredentialKey::from_json(raw.current, name)?;
        let previous = raw.previous.map(|k| CredentialKey::from_json(k, name)).transpose()?;
        Self::new(current, previous, name)
    }

    /// The current and previous keys; their ids must differ (`name` is the
    /// secret blamed if not).
    pub fn new(current: CredentialKey, previous: Option<CredentialKey>, name: &'static str) -> Result<Self, KeyError> {
        if previous.as_ref().is_some_and(|p| p.id == current.id) {
            return Err(KeyError { name, reason: "current and previous need different ids" });
        }
        Ok(Self { current, previous })
    }

    /// The key with id `id`, current or previous.
    pub fn find(&self, id: &str) -> Option<&CredentialKey> {
        std::iter::once(&self.current).chain(self.previous.as_ref()).find(|k| k.id == id)
    }
}

/// The admin principal's access key pair.
#[derive(Clone)]
pub struct AdminKey {
    /// The access key id (not secret).
    pub access_key_id: String,
    secret: String,
}

impl AdminKey {
    /// A key pair; the id must look like an AWS access key id.
    pub fn new(access_key_id: &str, secret: &str) -> Result<Self, KeyError> {
        let name = "ADMIN_ACCESS_KEY_ID";
        if access_key_id.len() < 16
            || access_key_id.len() > 128
            || !access_key_id.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(KeyError { name, reason: "must be 16-128 ASCII letters and digits" });
        }
        if secret.len() < 16 {
            return Err(KeyError { name: "ADMIN_SECRET_ACCESS_KEY", reason: "must be at least 16 chars" });
        }
        Ok(Self { access_key_id: access_key_id.to_owned(), secret: secret.to_owned() })
    }

    /// The secret access key, for the SigV4 verifier only.
    pub fn expose_secret(&self) -> &str {
        &self.secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_in_both_alphabets() {
        assert_eq!(decode_base64("+/8="), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64("!!"), None);
    }

    #[test]
    fn derived_keys_are_separated_by_label_and_pool() {
        let k = CredentialKey::new("k1", vec![9; 32]).unwrap();
        let secret = |k: &CredentialKey, pool| k.secret_mac(pool).finalize().into_bytes().to_vec();
        assert_ne!(hmac(&k.seal_key("p1")).finalize().into_bytes().to_vec(), secret(&k, "p1"));
        assert_eq!(
            hmac(&derive(&[9; 32], "cognate/v1/secret", "p1")).finalize().into_bytes().to_vec(),
            secret(&k, "p1")
        );
        assert_ne!(k.seal_key("p1"), k.seal_key("p2"));
        assert_ne!(secret(&k, "p1"), secret(&k, "p2"));
        // Remembered or derived afresh (a clone starts with nothing), the keys are the same.
        assert_eq!(k.seal_key("p1"), k.seal_key("p1"));
        assert_eq!(k.seal_key("p1"), derive(&[9; 32], "cognate/v1/seal", "p1"));
        assert_eq!(k.clone().seal_key("p1"), k.seal_key("p1"));
        assert_eq!(secret(&k.clone(), "p2"), secret(&k, "p2"));
    }

    #[test]
    fn memo_starts_over_when_full_and_keeps_answering() {
        let memo = Memo::new();
        let made = std::cell::Cell::new(0);
        let get = |i: usize| {
            memo.get("l", &i.to_string(), || {
                made.set(made.get() + 1);
                i
            })
        };
        for i in 0..MEMO_ENTRIES {
            assert_eq!(get(i), i);
        }
        assert_eq!((get(0), made.get()), (0, MEMO_ENTRIES), "remembered, not made again");
        assert_eq!((get(MEMO_ENTRIES), made.get()), (MEMO_ENTRIES, MEMO_ENTRIES + 1), "full: starts over");
        assert_eq!((get(0), made.get()), (0, MEMO_ENTRIES + 2), "forgotten, made again");
        assert_eq!(memo.get("other", "0", || 7), 7, "labels are kept apart");
    }

    #[test]
    fn a_remembered_routing_tag_is_the_keyed_hash_of_the_pool_id() {
        let key = [5; 32];
        let fresh = |pool: &str| {
            let mut mac = hmac(&key);
            mac.update(pool.as_bytes());
            let out = mac.finalize().into_bytes();
            [out[0], out[1], out[2], out[3]]
        };
        let route = RouteKey::for_tests(&key);
        for pool in ["us-east-1:a", "us-east-1:b", "us-east-1:a"] {
            assert_eq!(route.tag(pool), fresh(pool));
        }
        assert_eq!(route.clone().tag("us-east-1:b"), fresh("us-east-1:b"), "a clone starts empty, same tags");
        assert_ne!(route.tag("us-east-1:a"), route.tag("us-east-1:b"));
    }

    #[test]
    fn hash_key_macs_are_remembered_consistently() {
        let k = HashKey::parse(&"A".repeat(43)).unwrap();
        let first = k.login_mac("pool", "accounts.google.com", "sub");
        assert_eq!(k.login_mac("pool", "accounts.google.com", "sub"), first);
        assert_eq!(k.clone().login_mac("pool", "accounts.google.com", "sub"), first);
        assert_ne!(k.login_mac("pool2", "accounts.google.com", "sub"), first);
        assert_ne!(k.opaque_id("pool", "accounts.google.com", "sub"), first[..32]);
        assert_eq!(k.guest_key("pool").tag(b"m"), k.clone().guest_key("pool").tag(b"m"));
        assert_ne!(k.guest_key("pool").tag(b"m"), k.guest_key("pool2").tag(b"m"));
    }

    #[test]
    fn credential_keys_parse_and_find() {
        let json = r#"{"current":{"id":"c2","key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
                       "previous":{"id":"c1","key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"}}"#;
        let keys = CredentialKeys::parse(json).unwrap();
        assert_eq!(keys.find("c1").unwrap().id(), "c1");
        assert!(keys.find("c3").is_none());
        assert!(CredentialKeys::parse(r#"{"current":{"id":"c","key":"AAAA"}}"#).is_err());
        assert!(CredentialKeys::parse("nope").is_err());
    }

    #[test]
    fn logins_are_hashed_per_pool_and_opaque_ids_differ_from_macs() {
        let k = HashKey::parse(&"A".repeat(43)).unwrap();
        let a = k.login_mac("pool-a", "accounts.google.com", "123");
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_ne!(a, k.login_mac("pool-b", "accounts.google.com", "123"), "one person, two pools, two identities");
        assert_ne!(a, k.login_mac("pool-a", "appleid.apple.com", "123"));
        assert_ne!(k.login_mac("pool-a", "p", "ab"), k.login_mac("pool-a", "pa", "b"), "the separator matters");
        let opaque = k.opaque_id("pool-a", "accounts.google.com", "123");
        assert_eq!(opaque.len(), 32);
        assert!(!a.contains(&opaque));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let admin = AdminKey::new("AKIAEXAMPLEEXAMPLE12", "very-secret-value-123").unwrap();
        let hash = HashKey::parse(&"A".repeat(43)).unwrap();
        let shown = format!("{admin:?} {hash:?} {:?}", hash.route_key());
        assert!(!shown.contains("very-secret"));
        assert!(shown.contains("[redacted]"));
        assert!(HashKey::parse("AAAA").is_err());
    }
}
