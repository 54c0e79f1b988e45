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
