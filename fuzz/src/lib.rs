//! Fixtures shared by the fuzz targets and the seed generator
//! (`cargo run --example seeds`): a fixed clock and secrets, deterministic
//! randomness, an ES256 signer, the service over the in-memory store, and
//! SigV4 signing as the SDK does it. Everything is deterministic, so that a
//! crashing input replays exactly.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use cognate::core::limits::{Blocklist, Limits, NoLimits};
use cognate::core::capabilities::{Clock, FetchError, Fetched, Http, Random, SignError, Signer};
use cognate::core::config::{Config, Secrets};
use cognate::core::credentials::{self, Credentials, SessionClaims};
use cognate::core::keys::CredentialKeys;
use cognate::core::login::jwks::KeyCache;
use cognate::core::login::native::NativeVerifier;
use cognate::core::memory::{MemoryAuthority, MemoryStore};
use cognate::core::protocol::{HttpRequest, HttpResponse};
use cognate::core::service::Service;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};

/// The verifier's clock: 2027-01-15T08:00:00Z.
pub const NOW: u64 = 1_800_000_000;
/// The service's region.
pub const REGION: &str = "us-east-1";
/// The `Host` every request carries.
pub const HOST: &str = "cognito-identity.us-east-1.amazonaws.com";
/// The SigV4 signing name.
pub const SERVICE: &str = "cognito-identity";
/// The admin key pair.
pub const ADMIN_ID: &str = "AKIAFUZZFUZZFUZZFUZZ";
/// The admin secret.
pub const ADMIN_SECRET: &str = "fuzz-secret-fuzz-secret-fuzz-secret-fuzz";
/// The secret `sigv4_parse` verifies with (AWS's documentation example).
pub const SIGV4_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The credential keys: `c2` seals, `c1` (the previous key) still opens.
pub const CREDENTIAL_KEYS: &str = r#"{"current":{"id":"c2","key":"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI"},"previous":{"id":"c1","key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"}}"#;
/// The operations' names in `cognate::core::protocol::OPERATIONS` order:
/// the selector byte of `protocol_input` indexes this.
pub fn operations() -> Vec<&'static str> {
    cognate::core::protocol::OPERATIONS.iter().map(|(_, name)| *name).collect()
}

/// Whether the operation named `name` is callable unsigned.
pub fn is_public(name: &str) -> bool {
    cognate::core::protocol::OPERATIONS.iter().any(|(op, n)| *n == name && op.is_public())
}

/// A clock stopped at [`NOW`].
pub struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        NOW
    }
}

/// Deterministic bytes (SplitMix64 over a counter): fuzzing only, never secure.
pub struct CounterRandom(Cell<u64>);

impl CounterRandom {
    /// A source whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Cell::new(seed))
    }
}

impl Random for CounterRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let state = self.0.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            self.0.set(state);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// No network: every identity provider is unreachable.
pub struct NoHttp;

impl Http for NoHttp {
    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        Err(FetchError(format!("no network while fuzzing: {url}")))
    }
}

/// ES256 with a fixed key, in pure Rust.
pub struct P256Signer(SigningKey);

impl Signer for P256Signer {
    fn key_id(&self) -> &str {
        "fuzz"
    }

    async fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let sig: Signature = self.0.sign(message);
        Ok(sig.to_bytes().into())
    }
}

/// The fixed credential keys.
pub fn credential_keys() -> CredentialKeys {
    CredentialKeys::parse(CREDENTIAL_KEYS).expect("fixed credential keys parse")
}

/// The only session tokens that may open: seeds 0–2 under the current key
/// (`c2`), seed 3 under the previous one (`c1`), with their claims.
pub fn issued_tokens() -> Vec<(SessionClaims, Credentials)> {
    let keys = credential_keys();
    let previous = CredentialKeys { current: keys.previous.clone().expect("a previous key"), previous: None };
    (0..4u64)
        .map(|seed| {
            let claims = SessionClaims {
                access_key_id: String::new(),
                pool_id: format!("us-east-1:00000000-0000-4000-8000-00000000000{seed}"),
                identity_id: format!("us-east-1:00000000-0000-8000-8000-00000000001{seed}"),
                role_arn: "arn:aws:iam::000000000000:role/guest".into(),
                amr: vec!["unauthenticated".into()],
                tags: [("team".to_owned(), format!("t{seed}"))].into(),
                expiration: NOW + 3600,
            };
            let signing_keys = if seed == 3 { &previous } else { &keys };
            let creds = credentials::issue(signing_keys, &CounterRandom::new(seed), claims.clone());
            (SessionClaims { access_key_id: creds.access_key_id.clone(), ..claims }, creds)
        })
        .collect()
}

/// Settings and secrets of the service under test (built once per process).
pub struct Fixture {
    /// Settings.
    pub config: Config,
    /// Secrets.
    pub secrets: Secrets,
    /// The token signer.
    pub signer: P256Signer,
}

impl Fixture {
    /// The fixed configuration.
    pub fn new() -> Self {
        let key = SigningKey::from_slice(&[7; 32]).expect("a valid P-256 scalar");
        let jwk = p256::SecretKey::from(key.clone()).to_jwk_string();
        let mut jwk: Value = serde_json::from_str(&jwk).expect("JWK is JSON");
        jwk["kid"] = "fuzz".into();
        let signing_keys = json!({ "current": jwk }).to_string();
        let vars = move |name: &str| {
            Some(match name {
                "REGION" => REGION.to_owned(),
                "ISSUER" => "https://id.example.com".to_owned(),
                "HASH_KEY" => "A".repeat(43),
                "CREDENTIAL_KEYS" => CREDENTIAL_KEYS.to_owned(),
                "SIGNING_KEYS" => signing_keys.clone(),
                "ADMIN_ACCESS_KEY_ID" => ADMIN_ID.to_owned(),
                "ADMIN_SECRET_ACCESS_KEY" => ADMIN_SECRET.to_owned(),
                _ => return None,
            })
        };
        Self {
            config: Config::from_vars(&vars).expect("fixed config"),
            secrets: Secrets::from_vars(&vars).expect("fixed secrets"),
            signer: P256Signer(key),
        }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

/// One fresh service: an empty in-memory store and authority, an empty key
/// cache, no network, the clock at [`NOW`] and randomness seeded with 0.
pub struct Session<'f> {
    fixture: &'f Fixture,
    store: Rc<MemoryStore>,
    authority: MemoryAuthority,
    key_cache: RefCell<KeyCache>,
    random: CounterRandom,
}

impl<'f> Session<'f> {
    /// A service with nothing stored.
    pub fn new(fixture: &'f Fixture) -> Self {
        let store = Rc::new(MemoryStore::new(Rc::new(FixedClock)));
        let authority = MemoryAuthority::new(store.clone());
        Self { fixture, store, authority, key_cache: RefCell::default(), random: CounterRandom::new(0) }
    }

    /// Answers `request`.
    pub fn send(&self, request: &HttpRequest) -> HttpResponse {
        let service = Service {
            config: &self.fixture.config,
            secrets: &self.fixture.secrets,
            store: &*self.store,
            authority: &self.authority,
            signer: &self.fixture.signer,
            http: &NoHttp,
            verifier: &NativeVerifier,
            key_cache: &self.key_cache,
            cache: &cognate::core::isolate_cache::IsolateCache::default(),
            clock: &FixedClock,
            random: &self.random,
            limits: Limits { limiter: &NoLimits, blocked: &Blocklist::default(), client: None },
        };
        futures_executor::block_on(service.handle(request)).0
    }
}

/// A JSON-protocol call of `operation` with `body`, unsigned.
pub fn request(operation: &str, body: &[u8]) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: vec![
            ("host".into(), HOST.into()),
            ("content-type".into(), "application/x-amz-json-1.1".into()),
            ("x-amz-target".into(), format!("AWSCognitoIdentityService.{operation}")),
        ],
        body: body.to_vec(),
    }
}

/// `request` signed with SigV4 at [`NOW`] over all its headers, as the SDK does.
pub fn sign(mut request: HttpRequest, key_id: &str, secret: &str) -> HttpRequest {
    request.sign((key_id, secret, None), REGION, SERVICE, NOW);
    request
}

/// The signed-chunk context of `aws_chunked`: AWS's documented chunked
/// upload (Amazon S3 API Reference, "Transferring Payload in Multiple
/// Chunks"): its signing key, date, scope and seed signature.
pub fn aws_chunked_signing() -> cognate::core::s3::body::ChunkSigning {
    let key =
        cognate::core::sigv4::signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3");
    let mut seed = [0; 32];
    let seed_hex = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    for (byte, pair) in seed.iter_mut().zip(seed_hex.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).expect("ASCII"), 16).expect("hex");
    }
    cognate::core::s3::body::ChunkSigning::new(
        key,
        "20130524T000000Z".into(),
        "20130524/us-east-1/s3/aws4_request".into(),
        seed,
    )
}

/// The identity provider of `login_token`: its issuer.
pub const LOGIN_ISSUER: &str = "http://idp.fuzz";

/// The provider's JWKS (one ES256 key, `k1`) and the one token it signed.
pub struct LoginFixture {
    /// The JWKS document.
    pub jwks: String,
    /// A genuine ID token for `sub: user`, valid at [`NOW`].
    pub token: String,
}

/// The `login_token` fixture (deterministic).
pub fn login_fixture() -> LoginFixture {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let key = SigningKey::from_slice(&[5; 32]).expect("a valid scalar");
    let mut jwk: Value =
        serde_json::from_str(&p256::PublicKey::from(key.verifying_key()).to_jwk_string()).expect("jwk");
    jwk["kid"] = "k1".into();
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "kid": "k1"}).to_string());
    let claims = URL_SAFE_NO_PAD
        .encode(json!({"iss": LOGIN_ISSUER, "aud": "app", "sub": "user", "iat": NOW, "exp": NOW + 600}).to_string());
    let signed = format!("{header}.{claims}");
    let sig: Signature = key.sign(signed.as_bytes());
    LoginFixture {
        jwks: json!({ "keys": [jwk] }).to_string(),
        token: format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes())),
    }
}
