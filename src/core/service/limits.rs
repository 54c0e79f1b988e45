//! Where the service applies its abuse limits (`core::limits`): before a
//! new identity is made, and when a sign-in token is refused.

use std::collections::BTreeMap;

use super::signin::Login;
use super::Service;
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::limits::Limit;
use crate::core::records::PoolRecord;
use crate::core::store::Store;

/// Cognito's answer to a client over a limit.
fn too_many() -> ApiError {
    ApiError::new(ErrorKind::TooManyRequests, "Rate exceeded")
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// Counts a new identity of `pool_id` for the client; refuses the call
    /// when the client has made too many.
    pub(super) async fn admit_new_identity(&self, pool_id: &str) -> Result<(), ApiError> {
        let key = self.limits.new_identity_key(pool_id);
        if self.limits.limiter.allow(Limit::NewIdentity, &key).await {
            Ok(())
        } else {
            Err(too_many().with_detail("new identities over the limit of this client and pool"))
        }
    }

    /// [`Service::verify_logins`] for a public call: a client this isolate
    /// has blocked is refused before its tokens are looked at, and a refused
    /// token counts against the client.
    pub(super) async fn verify_client_logins(
        &self,
        pool: &PoolRecord,
        logins: &BTreeMap<String, String>,
    ) -> Result<Vec<Login>, ApiError> {
        if self.limits.blocked.holds(&self.limits.address(), self.clock.now()) {
            return Err(too_many().with_detail("client blocked after failed sign-ins"));
        }
        match self.verify_logins(pool, logins).await {
            Ok(logins) => Ok(logins),
            Err(refusal) => Err(self.failed_sign_in(refusal).await),
        }
    }

    /// Counts a refused sign-in token: the refusal stands, or becomes
    /// `TooManyRequestsException` (and a block) when the client is over its
    /// limit. An outage of a provider is no failure of the client's.
    async fn failed_sign_in(&self, refusal: ApiError) -> ApiError {
        if refusal.kind != ErrorKind::NotAuthorized {
            return refusal;
        }
        let address = self.limits.address();
        if self.limits.limiter.allow(Limit::FailedSignIn, &address).await {
            return refusal;
        }
        self.limits.blocked.block(&address, self.clock.now());
        too_many().with_detail("failed sign-ins over the limit of this client")
    }
}
