//! `/whoami`: who signed this request, for a caller holding credentials
//! that cognate vended. The signature (SigV4, service [`GATEWAY_SERVICE`]) is
//! checked with no storage: the session token is opened, pinned to the
//! access key id, checked for expiry, and the secret re-derived. This is
//! the first use of the verifier the edge gateway will grow from.

use serde_json::{json, Value};

use super::Service;
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::ApiError;
use crate::core::principal::{authenticate, Principal};
use crate::core::protocol::HttpRequest;
use crate::core::store::Store;

/// The path.
pub const WHOAMI_PATH: &str = "/whoami";
/// The SigV4 service name requests to cognate's own routes are signed for.
pub const GATEWAY_SERVICE: &str = "cognate";

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// Answers who signed `request` (vended credentials only).
    pub(super) fn whoami(&self, request: &HttpRequest) -> Result<Value, ApiError> {
        let now = self.clock.now();
        let principal = authenticate(&request.as_signed(), self.secrets, &self.config.region, GATEWAY_SERVICE, now)?;
        match principal {
            Principal::Vended(c) => Ok(json!({
                "IdentityId": c.identity_id,
                "IdentityPoolId": c.pool_id,
                "RoleArn": c.role_arn,
                "Amr": c.amr,
                "Expiration": c.expiration,
            })),
            Principal::Admin => {
                Err(ApiError::not_authorized("Only credentials vended by an identity pool can call /whoami."))
            }
        }
    }
}

/// Whether the core answers `GET path` itself (everything else is a static asset).
pub fn serves_get(path: &str) -> bool {
    matches!(path, WHOAMI_PATH | "/.well-known/openid-configuration" | "/.well-known/jwks.json")
}
