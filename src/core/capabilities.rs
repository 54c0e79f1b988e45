//! What the core needs from its platform, as capabilities: the time, random
//! bytes, a token signer and the pool authority. Signing and the authority
//! are async and not `Send`, because in wasm they are JavaScript promises.
#![allow(async_fn_in_trait)]

use super::authority::{Command, Outcome};
use super::error::ApiError;
use super::ids::RouteTag;

/// The current time.
pub trait Clock {
    /// Seconds since the Unix epoch.
    fn now(&self) -> u64;
}

/// A cryptographically secure source of random bytes.
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// Signs cognate's OpenID tokens with the current ES256 key.
pub trait Signer {
    /// The `kid` of the key that signs.
    fn key_id(&self) -> &str;
    /// The ES256 signature of `message`: `r ‖ s`, 64 bytes, as JWS wants it.
    async fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignError>;
}

/// Signing failed (the platform's crypto refused the key or the call).
#[derive(Debug, thiserror::Error)]
#[error("token signing failed: {0}")]
pub struct SignError(pub String);

/// The one place that orders the changes of a pool: given a command, it
/// decides on consistent state and writes the result through to the store.
pub trait Authority {
    /// Runs `command` on the authority for `route` (a pool's routing tag).
    async fn apply(&self, route: RouteTag, command: Command) -> Result<Outcome, ApiError>;
}

/// A response to an outbound GET (discovery documents, JWKS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The status code.
    pub status: u16,
    /// The `Cache-Control` header, if any.
    pub cache_control: Option<String>,
    /// The body (the platform stops reading past [`MAX_FETCH_BYTES`]).
    pub body: Vec<u8>,
}

/// The most an identity provider's document may weigh.
pub const MAX_FETCH_BYTES: usize = 256 * 1024;

/// Fetching a URL failed before an answer arrived.
#[derive(Debug, thiserror::Error)]
#[error("fetch failed: {0}")]
pub struct FetchError(pub String);

/// Outbound HTTP: identity providers' discovery documents and keys, social
/// providers' token checks, and AWS STS.
pub trait Http {
    /// GETs `url` (https, or http only where configuration allows it).
    async fn get(&self, url: &str) -> Result<Fetched, FetchError>;

    /// POSTs the form `body` to `url` and reads the answer whatever its
    /// status (at most [`MAX_FETCH_BYTES`]); within a bounded time. A
    /// capability without it (a benchmark's, a fuzzer's) fails the call.
    async fn post_form(&self, url: &str, body: &str) -> Result<Fetched, FetchError> {
        let _ = body;
        Err(FetchError(format!("no outbound POST here (to {url})")))
    }

    /// GETs `url` and reads the answer whatever its status (at most
    /// [`MAX_FETCH_BYTES`]), without following redirects, within a bounded
    /// time: social providers' token checks, whose refusals come as 4xx
    /// bodies. The URL carries a token: an error never repeats it. A
    /// capability without it fails the call.
    async fn get_answer(&self, url: &str) -> Result<Fetched, FetchError> {
        let _ = url;
        Err(FetchError("no outbound GET with an answer of any status here".into()))
    }
}

/// The signature algorithms cognate accepts from identity providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA on P-256 with SHA-256, signature `r ‖ s`.
    Es256,
}

impl SignatureAlgorithm {
    /// The JWS `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }
}

/// Checks signatures with an identity provider's public key.
#[cfg(feature = "server")]
pub trait Verifier {
    /// Whether `signature` is `key`'s signature of `message` under the
    /// algorithm the key is pinned to. A malformed signature is `Ok(false)`;
    /// `Err` means the platform could not check at all.
    async fn verify(
        &self,
        key: &super::login::jwks::PublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, VerifyError>;
}

/// The platform could not check a signature (e.g. refused to import a key).
#[derive(Debug, thiserror::Error)]
#[error("signature check failed: {0}")]
pub struct VerifyError(pub String);
