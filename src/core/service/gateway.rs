//! The SigV4 gateway's check at request time: who signed (vended
//! credentials, service `execute-api`), which route, and whether the role's
//! policies allow `execute-api:Invoke` on it. What passes becomes a
//! [`Forward`] for the platform to send; the rules are in
//! [`crate::core::gateway`].

use std::rc::Rc;

use super::{decode, Service};
use crate::core::access::{decide, request_context, RequestFacts};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::ApiError;
use crate::core::gateway::{
    forward_headers, invoke_arn, resource_path, route_path, upstream_url, GatewayError, Upstream, INVOKE_ACTION,
    SIGNING_SERVICE,
};
use crate::core::principal::{authenticate, Principal};
use crate::core::protocol::HttpRequest;
use crate::core::records::ApiRoute;
use crate::core::store::{keys, Store};

/// An allowed gateway request, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward {
    /// Where it goes.
    pub upstream: Upstream,
    /// The full URL (for a service binding, on the binding's own host).
    pub url: String,
    /// The headers to send.
    pub headers: Vec<(String, String)>,
}

/// A refused signature as API Gateway answers it: 403, with the type and
/// message AWS's JSON services use.
fn refused(e: ApiError) -> GatewayError {
    GatewayError::new(403, e.kind.wire_name(), e.message)
}

fn internal(e: ApiError) -> GatewayError {
    GatewayError::new(500, "InternalServerErrorException", "Internal server error").with_detail(e.message)
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// The route `name` as the read store has it, kept for the settings
    /// cache's lifetime.
    async fn api_route(&self, name: &str) -> Result<Option<Rc<ApiRoute>>, ApiError> {
        let now = self.clock.now();
        if let Some(route) = self.cache.route(name, now) {
            return Ok(route);
        }
        let json = self.store.get(&keys::api_route(name)).await;
        let json = json.map_err(|e| ApiError::internal(format!("store read failed: {e}")))?;
        let route: Option<ApiRoute> = decode(json.as_deref())?;
        let route = route.map(Rc::new);
        self.cache.keep_route(name, route.clone(), now, self.config.cache_seconds);
        Ok(route)
    }

    /// Checks a request to `/api/<name>/…` (its body read whole) and says
    /// where to send it.
    pub async fn gateway(&self, request: &HttpRequest, secure: bool) -> Result<Forward, GatewayError> {
        let path = route_path(&request.path).ok_or_else(GatewayError::missing_token)?;
        let now = self.clock.now();
        let signed = request.as_signed();
        let claims = match authenticate(&signed, self.secrets, &self.config.region, SIGNING_SERVICE, now) {
            Ok(Principal::Vended(claims)) => claims,
            Ok(Principal::Admin) => {
                return Err(GatewayError::new(
                    403,
                    "AccessDeniedException",
                    "Only credentials vended by an identity pool can call the gateway.",
                ))
            }
            Err(e) => return Err(refused(e)),
        };
        // API Gateway answers a path it does not know as if unsigned.
        let route = self.api_route(path.name).await.map_err(internal)?.ok_or_else(GatewayError::missing_token)?;
        let resource_path = resource_path(path.rest)
            .ok_or_else(|| GatewayError::new(400, "BadRequestException", "Invalid request path"))?;
        let resource =
            invoke_arn(&self.config.region, &self.config.account_id, path.name, &request.method, &resource_path);
        let facts = RequestFacts { source_ip: request.header("cf-connecting-ip"), secure, now };
        let policies = self.role_policy_documents(&claims.role_arn).await.map_err(internal)?;
        let context = request_context(&claims, facts, INVOKE_ACTION, &resource);
        if !decide(&policies, &context).is_allowed() {
            return Err(GatewayError::denied(&claims.role_arn, &resource));
        }
        let upstream = Upstream::parse(&route.upstream, &self.config.insecure_http_issuers)
            .map_err(|e| internal(ApiError::internal(format!("stored route {}: {e}", route.name))))?;
        let base = match &upstream {
            Upstream::Url(base) => base.clone(),
            Upstream::Service(binding) => format!("https://{}", binding.to_ascii_lowercase()),
        };
        let url = upstream_url(&base, path.rest, &request.query);
        Ok(Forward { upstream, url, headers: forward_headers(&request.headers, &claims) })
    }
}
