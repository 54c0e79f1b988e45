//! Test support: a manual clock, seeded randomness, a pure-Rust ES256 signer
//! (the reference for the Worker's WebCrypto one), an identity provider
//! served from memory through the `Http` capability, and a tiny executor.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use super::capabilities::{Clock, Random, SignError, Signer};
#[cfg(feature = "server")]
use super::capabilities::{FetchError, Fetched, Http};
use super::model::IdentityPool;
use super::records::PoolRecord;

/// Runs a future to completion on this thread.
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

/// A clock that moves only when told.
#[derive(Debug)]
pub(crate) struct ManualClock(Cell<u64>);

impl ManualClock {
    /// A clock at `now`.
    pub(crate) fn new(now: u64) -> Self {
        Self(Cell::new(now))
    }

    /// Moves the clock forward.
    pub(crate) fn advance(&self, seconds: u64) {
        self.0.set(self.0.get() + seconds);
    }

    /// Sets the clock to `now` (fixtures made at a fixed time).
    #[cfg(feature = "server")]
    pub(crate) fn set(&self, now: u64) {
        self.0.set(now);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.get()
    }
}

/// Deterministic bytes (SHA-256 in counter mode over a seed): repeatable
/// tests, never used outside them.
#[derive(Debug)]
pub(crate) struct SeededRandom {
    seed: u64,
    counter: RefCell<u64>,
}

impl SeededRandom {
    /// A source seeded with `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self { seed, counter: RefCell::new(0) }
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(32) {
            let mut c = self.counter.borrow_mut();
            *c += 1;
            let block = Sha256::new().chain_update(self.seed.to_be_bytes()).chain_update(c.to_be_bytes()).finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}

/// ES256 in pure Rust.
pub(crate) struct P256Signer {
    pub(crate) key: SigningKey,
    pub(crate) kid: String,
}

impl Signer for P256Signer {
    fn key_id(&self) -> &str {
        &self.kid
    }

    async fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let sig: Signature = self.key.sign(message);
        Ok(sig.to_bytes().into())
    }
}

/// A pool record for tests.
pub(crate) fn pool_record(pool_id: &str, guests: bool) -> PoolRecord {
    let config = IdentityPool {
        identity_pool_id: Some(pool_id.into()),
        identity_pool_name: Some("test pool".into()),
        allow_unauthenticated_identities: Some(guests),
        ..Default::default()
    };
    PoolRecord {
        config,
        roles: BTreeMap::new(),
        role_mappings: BTreeMap::new(),
        principal_tags: BTreeMap::new(),
        created: 0,
    }
}

#[cfg(feature = "server")]
/// An identity provider for tests: ES256 keys, an issuer, discovery and
/// JWKS documents served through the [`Http`] capability from memory, and
/// ID tokens minted with any claims and header.
pub(crate) struct TestIdp {
    /// The issuer URL.
    pub issuer: String,
    keys: RefCell<Vec<(String, SigningKey)>>,
    /// How many documents were fetched.
    pub fetches: Cell<u32>,
    /// Fail every fetch (an unreachable provider).
    pub down: Cell<bool>,
    /// The forms POSTed (to the fake STS), with their URLs.
    pub posts: RefCell<Vec<(String, String)>>,
    /// What the fake STS answers: status and body.
    pub sts_answer: RefCell<(u16, String)>,
}

#[cfg(feature = "server")]
impl TestIdp {
    /// A provider at `http://<name>` with one key.
    pub(crate) fn new(name: &str) -> Self {
        let idp = Self {
            issuer: format!("http://{name}"),
            keys: RefCell::new(Vec::new()),
            fetches: Cell::new(0),
            down: Cell::new(false),
            posts: RefCell::default(),
            sts_answer: RefCell::new((500, String::new())),
        };
        idp.rotate();
        idp
    }

    /// Adds a new key that signs from now on (the old ones stay published).
    pub(crate) fn rotate(&self) -> String {
        let kid = format!("k{}", self.keys.borrow().len() + 1);
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).expect("randomness");
        let key = SigningKey::from_slice(&seed).expect("a valid scalar");
        self.keys.borrow_mut().push((kid.clone(), key));
        kid
    }

    /// An ES256 token with `claims` and extra `header` members, signed by
    /// the newest key.
    pub(crate) fn token_with(&self, header: serde_json::Value, claims: serde_json::Value) -> String {
        self.token_raw(header, &claims.to_string())
    }

    /// Like [`TestIdp::token_with`] with the claims as raw JSON text.
    pub(crate) fn token_raw(&self, header: serde_json::Value, claims: &str) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let keys = self.keys.borrow();
        let (kid, key) = keys.last().expect("a key");
        let mut h = serde_json::json!({ "alg": "ES256", "kid": kid, "typ": "JWT" });
        for (k, v) in header.as_object().into_iter().flatten() {
            h[k] = v.clone();
        }
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(h.to_string()), URL_SAFE_NO_PAD.encode(claims));
        let sig: Signature = key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    /// Standard claims for `sub` at `now`, for client `app`.
    pub(crate) fn claims(&self, sub: &str, now: u64) -> serde_json::Value {
        serde_json::json!({ "iss": self.issuer, "aud": "app", "sub": sub, "iat": now, "exp": now + 600 })
    }

    /// A good token for `sub` at `now`.
    pub(crate) fn token(&self, sub: &str, now: u64) -> String {
        self.token_with(serde_json::json!({}), self.claims(sub, now))
    }

    fn jwks(&self) -> serde_json::Value {
        let keys: Vec<_> = self
            .keys
            .borrow()
            .iter()
            .map(|(kid, key)| {
                let mut jwk: serde_json::Value =
                    serde_json::from_str(&p256::PublicKey::from(key.verifying_key()).to_jwk_string()).expect("jwk");
                jwk["kid"] = kid.clone().into();
                jwk
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

#[cfg(feature = "server")]
impl Http for TestIdp {
    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        self.fetches.set(self.fetches.get() + 1);
        if self.down.get() {
            return Err(FetchError("connection refused".into()));
        }
        let body = if url == format!("{}/.well-known/openid-configuration", self.issuer) {
            serde_json::json!({ "issuer": self.issuer, "jwks_uri": format!("{}/jwks", self.issuer) })
        } else if url == format!("{}/jwks", self.issuer) {
            self.jwks()
        } else {
            return Ok(Fetched { status: 404, cache_control: None, body: Vec::new() });
        };
        Ok(Fetched { status: 200, cache_control: Some("max-age=300".into()), body: body.to_string().into_bytes() })
    }

    async fn post_form(&self, url: &str, body: &str) -> Result<Fetched, FetchError> {
        self.posts.borrow_mut().push((url.to_owned(), body.to_owned()));
        if self.down.get() {
            return Err(FetchError("connection refused".into()));
        }
        let (status, answer) = self.sts_answer.borrow().clone();
        Ok(Fetched { status, cache_control: None, body: answer.into_bytes() })
    }
}
