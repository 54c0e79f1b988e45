//! Who signed a request: the SigV4 verifier's typed answer. A request is
//! either signed by the configured admin key pair ([`Principal::Admin`]) or
//! by credentials cognate vended ([`Principal::Vended`]), checked with no
//! storage: the session token is opened, pinned to the access key id in the
//! signature's scope, checked for expiry, and the secret re-derived.
//!
//! Each door words a refusal its own way ([`AuthError`] is typed so that it
//! can): the JSON API as Cognito, the S3 API as S3, the gateway as API
//! Gateway.

use std::fmt;

use super::config::Secrets;
use super::credentials::{self, SessionClaims};
use super::error::{ApiError, ErrorKind};
use super::sigv4::{self, Authorization, SigV4Error, SigV4ErrorKind};

/// The verified signer of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The admin key pair.
    Admin,
    /// Credentials cognate issued.
    Vended(SessionClaims),
}

/// Why a signed request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The signature is missing, malformed, badly scoped, expired or wrong.
    #[error(transparent)]
    SigV4(#[from] SigV4Error),
    /// No security token, and the access key id is not the admin's.
    #[error("the access key id is not known")]
    UnknownAccessKey,
    /// The security token does not open, or names another access key id.
    #[error("the security token is invalid")]
    InvalidToken,
    /// The security token has expired.
    #[error("the security token has expired")]
    ExpiredToken,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::SigV4(e) => {
                let kind = match e.kind() {
                    SigV4ErrorKind::MissingAuthenticationToken => ErrorKind::MissingAuthenticationToken,
                    SigV4ErrorKind::IncompleteSignature => ErrorKind::IncompleteSignature,
                    _ => ErrorKind::InvalidSignature,
                };
                ApiError::new(kind, e.to_string())
            }
            AuthError::UnknownAccessKey | AuthError::InvalidToken => {
                ApiError::new(ErrorKind::UnrecognizedClient, "The security token included in the request is invalid.")
            }
            AuthError::ExpiredToken => {
                ApiError::new(ErrorKind::ExpiredToken, "The security token included in the request is expired")
            }
        }
    }
}

/// A request whose signature has been verified: who signed it, what the
/// signature covers, and, when its body is signed chunk by chunk, the
/// signing key (the aws-chunked chain continues the request's signature).
#[derive(Clone)]
pub struct Authenticated {
    /// Who signed.
    pub principal: Principal,
    /// The verified authorization (its payload claim is still a claim).
    pub authorization: Authorization,
    signing_key: Option<[u8; 32]>,
}

impl Authenticated {
    /// The SigV4 signing key of the request's scope, for chunk signatures
    /// only; `None` unless the payload claim is signed chunks.
    pub fn expose_signing_key(&self) -> Option<&[u8; 32]> {
        self.signing_key.as_ref()
    }
}

impl fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticated")
            .field("principal", &self.principal)
            .field("authorization", &self.authorization)
            .field("signing_key", &"[redacted]")
            .finish()
    }
}

/// Verifies the SigV4 signature of `request` as `expected` says (region,
/// service, flavour) at `now`, and says who signed it.
pub fn authenticate_as(
    request: &sigv4::Request<'_>,
    secrets: &Secrets,
    expected: &sigv4::Expected<'_>,
    now: u64,
) -> Result<Authenticated, AuthError> {
    let auth = sigv4::parse_as(request, expected.flavor)?;
    let (principal, secret) = match &auth.security_token {
        None => {
            if let Some(admin) = secrets.admins.iter().find(|a| a.access_key_id == auth.access_key_id) {
                (Principal::Admin, admin.expose_secret().to_owned())
            } else {
                // Spend the same work as for a known key, so response times do
                // not tell which access key ids exist.
                let _ = sigv4::verify(request, &auth, "unknown-key-unknown-key-unknown-key", now, expected);
                return Err(AuthError::UnknownAccessKey);
            }
        }
        Some(token) => {
            let opened = credentials::open(&secrets.credential_keys, token).map_err(|_| AuthError::InvalidToken)?;
            if opened.claims.access_key_id != auth.access_key_id {
                return Err(AuthError::InvalidToken);
            }
            if opened.claims.expiration <= now {
                return Err(AuthError::ExpiredToken);
            }
            let secret = opened.expose_secret().to_owned();
            (Principal::Vended(opened.claims), secret)
        }
    };
    sigv4::verify(request, &auth, &secret, now, expected)?;
    let signing_key = auth
        .payload
        .has_signed_chunks()
        .then(|| sigv4::signing_key(&secret, &auth.scope_date, &auth.region, &auth.service));
    Ok(Authenticated { principal, authorization: auth, signing_key })
}

/// Verifies the SigV4 signature of `request` for `service` in `region` at
/// `now` as AWS's JSON services do, and says who signed it.
pub fn authenticate(
    request: &sigv4::Request<'_>,
    secrets: &Secrets,
    region: &str,
    service: &str,
    now: u64,
) -> Result<Principal, ApiError> {
    let expected = sigv4::Expected { region, service, flavor: sigv4::Flavor::Standard };
    Ok(authenticate_as(request, secrets, &expected, now)?.principal)
}
