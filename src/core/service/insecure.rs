//! Test-only routes, compiled only with the `insecure-test-routes` feature
//! (the test Worker's; the release Worker is built without it, and
//! `scripts/test.sh` checks that its wasm lacks [`VERIFY_PATH`]): they let
//! the end-to-end suite and benchmarks drive the platform's own signature
//! verifier (WebCrypto in workerd) with Wycheproof vectors and timing loops.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Service;
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::login::jwks::parse_jwk;
use crate::core::protocol::parse_input;
use crate::core::store::Store;

/// The path of the verification route.
pub const VERIFY_PATH: &str = "/.cognate/insecure/verify";
/// Most verifications one call may ask for.
const MAX_REPEAT: u32 = 10_000;

#[derive(Deserialize)]
struct VerifyInput {
    jwk: Value,
    message: String,
    signature: String,
    repeat: Option<u32>,
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// Verifies `signature` of `message` with `jwk` (read as a provider's
    /// key: pinned to its algorithm, weak keys refused), `repeat` times.
    pub(super) async fn insecure_verify(&self, body: &[u8]) -> Result<Value, ApiError> {
        let input: VerifyInput = parse_input(body)?;
        let bad = |what: &str| ApiError::new(ErrorKind::Validation, format!("{what} is not base64url"));
        let message = URL_SAFE_NO_PAD.decode(&input.message).map_err(|_| bad("message"))?;
        let signature = URL_SAFE_NO_PAD.decode(&input.signature).map_err(|_| bad("signature"))?;
        let Some(key) = parse_jwk(&input.jwk) else { return Ok(json!({ "usable": false, "valid": false })) };
        let mut valid = false;
        for _ in 0..input.repeat.unwrap_or(1).clamp(1, MAX_REPEAT) {
            valid = self.verifier.verify(&key, &message, &signature).await.unwrap_or(false);
        }
        Ok(json!({ "usable": true, "valid": valid }))
    }
}
