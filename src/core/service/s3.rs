//! The S3 API's check at request time: which operation, who signed it
//! (SigV4 as S3 signs, service `s3`), and whether the role's policies allow
//! each permission S3 maps the operation to. What passes is an [`S3Grant`]
//! for the Worker to carry out on R2; the body, which streams, is checked
//! against the signature's payload claim as it is read (`core::s3::body`).

use super::Service;
use crate::core::access::{decide, request_context, RequestFacts};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::isolate_cache::Policies;
use crate::core::principal::{authenticate_as, AuthError, Authenticated, Principal};
use crate::core::protocol::HttpRequest;
use crate::core::s3::error::S3Error;
use crate::core::s3::request::{parse_request, request_condition_keys, Authorization, S3Operation, S3Request};
use crate::core::sigv4::{self, SigV4Error};
use crate::core::store::Store;
use crate::core::time::format_amz_date;

/// The SigV4 service name of the S3 API.
pub const S3_SERVICE: &str = "s3";

/// A request the policies allow, with what the Worker needs to carry it
/// out: the operation, the verified signature (its payload claim and
/// signing key check the body) and, for DeleteObjects, the means to check
/// each key of the body.
pub struct S3Grant {
    /// The operation.
    pub request: S3Request,
    /// The verified signature.
    pub authenticated: Authenticated,
    /// The role's policies.
    policies: Policies,
    /// The condition keys every permission of the request carries.
    request_keys: Vec<(&'static str, Vec<String>)>,
    source_ip: Option<String>,
    secure: bool,
    now: u64,
}

impl S3Grant {
    /// Whether the signer may have `authorization`: what its role's policies allow.
    pub fn allows(&self, authorization: &Authorization) -> bool {
        let Principal::Vended(claims) = &self.authenticated.principal else {
            return false;
        };
        let facts = RequestFacts { source_ip: self.source_ip.as_deref(), secure: self.secure, now: self.now };
        let mut context = request_context(claims, facts, authorization.action, &authorization.resource);
        for (key, values) in self.request_keys.iter().chain(&authorization.condition_keys) {
            context.set(key, values.clone());
        }
        decide(&self.policies, &context).is_allowed()
    }
}

/// A refused signature as S3 answers it.
pub fn auth_refusal(e: AuthError, access_key_id: &str, now: u64) -> S3Error {
    match e {
        AuthError::UnknownAccessKey => S3Error::invalid_access_key_id(access_key_id),
        AuthError::InvalidToken => S3Error::invalid_token(),
        AuthError::ExpiredToken => S3Error::expired_token(),
        AuthError::SigV4(e) => match e {
            SigV4Error::MissingAuthenticationToken => S3Error::access_denied(),
            SigV4Error::SignatureMismatch => S3Error::signature_does_not_match(),
            SigV4Error::Expired { request_time, .. } | SigV4Error::NotYetCurrent { request_time, .. } => {
                S3Error::request_time_too_skewed(&format_amz_date(request_time), &format_amz_date(now))
            }
            SigV4Error::PresignedExpired { .. } => S3Error::new("AccessDenied", 403, "Request has expired"),
            SigV4Error::MissingContentSha256 => S3Error::invalid_request(e.to_string()),
            SigV4Error::InvalidContentSha256 => S3Error::invalid_argument(e.to_string(), "x-amz-content-sha256", ""),
            SigV4Error::PresignedMissingParameters
            | SigV4Error::UnsupportedAlgorithm
            | SigV4Error::ExpiresNotANumber
            | SigV4Error::ExpiresNegative
            | SigV4Error::ExpiresTooLong => S3Error::authorization_query_parameters_error(e.to_string()),
            other => S3Error::authorization_header_malformed(other.to_string()),
        },
    }
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// Checks the head of a request to `/s3/…` (its body unread): the
    /// operation, the signature and the policies.
    pub async fn s3_authorize(&self, head: &HttpRequest, secure: bool) -> Result<S3Grant, S3Error> {
        let request = parse_request(&head.method, &head.path, &head.query, &head.headers)?;
        let now = self.clock.now();
        let region = self.config.region.as_str();
        let expected = sigv4::Expected { region, service: S3_SERVICE, flavor: sigv4::Flavor::S3 };
        let authenticated = authenticate_as(&head.as_signed(), self.secrets, &expected, now).map_err(|e| {
            let key_id = sigv4::parse_as(&head.as_signed(), sigv4::Flavor::S3).map(|a| a.access_key_id);
            auth_refusal(e, &key_id.unwrap_or_default(), now)
        })?;
        // The S3 API is for vended credentials only, as the gateway.
        let policies = match &authenticated.principal {
            Principal::Admin => return Err(S3Error::access_denied()),
            Principal::Vended(claims) => {
                self.role_policy_documents(&claims.role_arn).await.map_err(|_| S3Error::internal_error())?
            }
        };
        let presigned = authenticated.authorization.presigned_expires.is_some();
        let grant = S3Grant {
            request_keys: request_condition_keys(presigned, head.header("x-amz-content-sha256")),
            request,
            authenticated,
            policies,
            source_ip: head.header("cf-connecting-ip").map(str::to_owned),
            secure,
            now,
        };
        // DeleteObjects is checked key by key once the body is read.
        if grant.request.operation != S3Operation::DeleteObjects
            && !grant.request.authorization().iter().all(|a| grant.allows(a))
        {
            return Err(S3Error::access_denied());
        }
        Ok(grant)
    }
}
