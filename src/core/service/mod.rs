//! The API: one function from an HTTP request to an HTTP response, given the
//! platform's capabilities. It routes (CORS preflight, discovery, the JSON
//! protocol), authenticates admin operations, and dispatches to the
//! operations in this module's children.

mod aws_roles;
mod developer;
mod gateway;
mod identities;
#[cfg(feature = "insecure-test-routes")]
pub mod insecure;
mod limits;
mod lookup;
mod policies;
mod pools;
mod public;
mod routes;
pub mod s3;
mod saml_providers;
mod signin;
mod sweep;
mod tags;
#[cfg(test)]
mod tests;
pub mod whoami;

pub use gateway::Forward;
pub use sweep::{SweepReport, MAX_OPERATIONS, SWEEP_BATCH};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::authority::{Command, Outcome};
use super::capabilities::{Authority, Clock, Http, Random, Signer, Verifier};
use super::config::{Config, Secrets};
use super::error::{ApiError, ErrorKind};
use super::ids::RouteTag;
use super::login::jwks::KeyCache;
use super::principal::{authenticate, Principal};
use super::protocol::{check_content_type, parse_input, HttpRequest, HttpResponse, Operation, MAX_BODY_BYTES};
use super::store::{ListPage, Store};
use super::token;

/// The SigV4 service name of the Cognito Identity API.
pub const SERVICE_NAME: &str = "cognito-identity";
/// The name whose routing tag names the settings authority (no pool id
/// has this form).
const SETTINGS_AUTHORITY: &str = "cognate:settings";

/// Everything a request may use.
pub struct Service<'a, S, A, K, H, V> {
    /// Settings.
    pub config: &'a Config,
    /// Secrets.
    pub secrets: &'a Secrets,
    /// The read store.
    pub store: &'a S,
    /// The pool authorities.
    pub authority: &'a A,
    /// The token signer.
    pub signer: &'a K,
    /// Outbound HTTP (identity providers' keys).
    pub http: &'a H,
    /// Signature checks of identity providers' tokens.
    pub verifier: &'a V,
    /// The isolate's cache of identity providers' keys.
    pub key_cache: &'a std::cell::RefCell<KeyCache>,
    /// The isolate's cache of roles' policies and gateway routes.
    pub cache: &'a crate::core::isolate_cache::IsolateCache,
    /// The clock.
    pub clock: &'a dyn Clock,
    /// Randomness.
    pub random: &'a dyn Random,
    /// The abuse limits of this request's client.
    pub limits: crate::core::limits::Limits<'a>,
}

/// What the platform should log about a request: never a token, subject,
/// identity id or secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// The operation, when one was named.
    pub operation: Option<&'static str>,
    /// The error kind, when the request failed.
    pub error: Option<&'static str>,
    /// The internal detail of a failure (already free of secrets).
    pub detail: Option<String>,
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// Answers one request; never panics on input and never fails.
    pub async fn handle(&self, request: &HttpRequest) -> (HttpResponse, LogLine) {
        let mut log = LogLine { operation: None, error: None, detail: None };
        let response = match (request.method.as_str(), request.path.as_str()) {
            ("OPTIONS", path) if path.starts_with(crate::core::gateway::API_PREFIX) => {
                HttpResponse::gateway_preflight(request.header("access-control-request-headers"))
            }
            ("OPTIONS", _) => HttpResponse::preflight(),
            ("GET", "/.well-known/openid-configuration") => {
                HttpResponse::document(&token::discovery(&self.config.issuer), 3600)
            }
            ("GET", "/.well-known/jwks.json") => HttpResponse::document(&self.secrets.signing_keys.jwks(), 300),
            ("GET" | "POST", whoami::WHOAMI_PATH) => match self.whoami(request) {
                Ok(body) => HttpResponse::private(&body),
                Err(e) => failed(e, &mut log),
            },
            #[cfg(feature = "insecure-test-routes")]
            ("POST", insecure::VERIFY_PATH) => match self.insecure_verify(&request.body).await {
                Ok(body) => HttpResponse::json(200, &body),
                Err(e) => failed(e, &mut log),
            },
            ("POST", "/") => match self.api(request, &mut log).await {
                Ok(body) => HttpResponse::json(200, &body),
                Err(e) => failed(e, &mut log),
            },
            _ => HttpResponse::document(&serde_json::json!({ "message": "Not Found" }), 0).with_status(404),
        };
        (response.finish(&self.request_id(), self.clock.now()), log)
    }

    /// A new request id (a random uuid) for `x-amzn-RequestId`.
    pub fn request_id(&self) -> String {
        let mut bytes = [0u8; 16];
        self.random.fill(&mut bytes);
        uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().to_string()
    }

    async fn api(&self, request: &HttpRequest, log: &mut LogLine) -> Result<Value, ApiError> {
        if request.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(ErrorKind::Validation, "Request body must be at most 1048576 bytes."));
        }
        let op = Operation::from_target(request.header("x-amz-target"))?;
        log.operation = Some(op.name());
        check_content_type(request.header("content-type"))?;
        if !op.is_public() {
            self.require_admin(request)?;
        }
        let body = &request.body;
        match op {
            Operation::CreateIdentityPool => self.create_pool(input(body)?).await,
            Operation::ImportIdentityPool => self.import_pool(input(body)?).await,
            Operation::DescribeIdentityPool => self.describe_pool(input(body)?).await,
            Operation::UpdateIdentityPool => self.update_pool(input(body)?).await,
            Operation::DeleteIdentityPool => self.delete_pool(input(body)?).await,
            Operation::ListIdentityPools => self.list_pools(input(body)?).await,
            Operation::SetIdentityPoolRoles => self.set_roles(input(body)?).await,
            Operation::GetIdentityPoolRoles => self.get_roles(input(body)?).await,
            Operation::DescribeIdentity => self.describe_identity(input(body)?).await,
            Operation::ListIdentities => self.list_identities(input(body)?).await,
            Operation::DeleteIdentities => self.delete_identities(input(body)?).await,
            Operation::GetId => self.get_id(input(body)?).await,
            Operation::UnlinkIdentity => self.unlink_identity(input(body)?).await,
            Operation::SetPrincipalTagAttributeMap => self.set_principal_tags(input(body)?).await,
            Operation::GetPrincipalTagAttributeMap => self.get_principal_tags(input(body)?).await,
            Operation::GetCredentialsForIdentity => self.get_credentials(input(body)?).await,
            Operation::GetOpenIdToken => self.get_open_id_token(input(body)?).await,
            Operation::PutRolePolicy => self.put_role_policy(input(body)?).await,
            Operation::GetRolePolicy => self.get_role_policy(input(body)?).await,
            Operation::ListRolePolicies => self.list_role_policies(input(body)?).await,
            Operation::DeleteRolePolicy => self.delete_role_policy(input(body)?).await,
            Operation::PutApiRoute => self.put_api_route(input(body)?).await,
            Operation::GetApiRoute => self.get_api_route(input(body)?).await,
            Operation::ListApiRoutes => self.list_api_routes(input(body)?).await,
            Operation::DeleteApiRoute => self.delete_api_route(input(body)?).await,
            Operation::GetOpenIdTokenForDeveloperIdentity => {
                self.get_open_id_token_for_developer_identity(input(body)?).await
            }
            Operation::LookupDeveloperIdentity => self.lookup_developer_identity(input(body)?).await,
            Operation::MergeDeveloperIdentities => self.merge_developer_identities(input(body)?).await,
            Operation::UnlinkDeveloperIdentity => self.unlink_developer_identity(input(body)?).await,
            Operation::TagResource => self.tag_resource(input(body)?).await,
            Operation::UntagResource => self.untag_resource(input(body)?).await,
            Operation::ListTagsForResource => self.list_tags(input(body)?).await,
            Operation::CreateSAMLProvider => self.create_saml_provider(input(body)?).await,
            Operation::GetSAMLProvider => self.get_saml_provider(input(body)?).await,
            Operation::UpdateSAMLProvider => self.update_saml_provider(input(body)?).await,
            Operation::ListSAMLProviders => self.list_saml_providers(input(body)?).await,
            Operation::DeleteSAMLProvider => self.delete_saml_provider(input(body)?).await,
        }
    }

    fn require_admin(&self, request: &HttpRequest) -> Result<(), ApiError> {
        let now = self.clock.now();
        match authenticate(&request.as_signed(), self.secrets, &self.config.region, SERVICE_NAME, now)? {
            Principal::Admin => Ok(()),
            Principal::Vended(_) => Err(ApiError::not_authorized(
                "Credentials vended by an identity pool cannot call administrative operations.",
            )),
        }
    }

    /// Reads `key`: from the store, or on a miss from the authority of
    /// `route`, which is consistent (the store may lag behind it).
    async fn read(&self, key: &str, route: Option<RouteTag>) -> Result<Option<String>, ApiError> {
        let stored = self.store.get(key).await.map_err(|e| ApiError::internal(format!("store read failed: {e}")))?;
        match (stored, route) {
            (Some(v), _) => Ok(Some(v)),
            (None, None) => Ok(None),
            (None, Some(route)) => match self.authority.apply(route, Command::Read { key: key.to_owned() }).await? {
                Outcome::Value { value } => Ok(value),
                other => Err(unexpected(&other)),
            },
        }
    }

    fn pool_route(&self, pool_id: &str) -> RouteTag {
        RouteTag::of_pool(&self.secrets.route_key, pool_id)
    }

    /// The authority of the settings that are no pool's: roles' policies,
    /// the gateway's routes and the SAML providers.
    fn settings_route(&self) -> RouteTag {
        RouteTag::of_pool(&self.secrets.route_key, SETTINGS_AUTHORITY)
    }

    /// One page of the keys under `prefix`, as the List operations page
    /// them: at most `max_results` (default 60), after `next_token`.
    async fn list_page(
        &self,
        prefix: &str,
        max_results: Option<i64>,
        next_token: Option<&str>,
    ) -> Result<ListPage, ApiError> {
        let limit = u32::try_from(max_results.unwrap_or(60)).unwrap_or(60);
        self.store.list(prefix, next_token, limit).await.map_err(pools::list_error)
    }
}

/// The response for a failed request: the error goes to the log (with its
/// detail); an internal error's message stays in the log, the client gets
/// Cognito's generic one.
fn failed(e: ApiError, log: &mut LogLine) -> HttpResponse {
    log.error = Some(e.kind.wire_name());
    if e.kind == ErrorKind::InternalError {
        log.detail = Some(e.message);
        return HttpResponse::error(&ApiError::internal("An internal error occurred."));
    }
    log.detail = e.detail.clone();
    HttpResponse::error(&e)
}

/// `out` with `NextToken` when there is a next page.
fn with_next_token(mut out: Value, cursor: Option<String>) -> Value {
    if let Some(cursor) = cursor {
        out["NextToken"] = cursor.into();
    }
    out
}

fn input<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    parse_input(body)
}

fn decode<T: DeserializeOwned>(json: Option<&str>) -> Result<Option<T>, ApiError> {
    json.map(|j| serde_json::from_str(j).map_err(|e| ApiError::internal(format!("corrupt record: {e}")))).transpose()
}

/// An outcome the operation did not ask for, named by its kind only (its
/// records hold identity ids, which are never logged).
fn unexpected(outcome: &Outcome) -> ApiError {
    let kind = match outcome {
        Outcome::Pool { .. } => "pool",
        Outcome::Identity { .. } => "identity",
        Outcome::Deleted { .. } => "deleted",
        Outcome::Pools { .. } => "pools",
        Outcome::Value { .. } => "value",
        Outcome::Done => "done",
    };
    ApiError::internal(format!("unexpected authority outcome: {kind}"))
}

impl HttpResponse {
    fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}
