//! Who signed a request: the SigV4 verifier's typed answer. A request is
//! either signed by the configured admin key pair ([`Principal::Admin`]) or
//! by credentials cognate vended ([`Principal::Vended`]), checked with no
//! storage: the session token is opened, pinned to the access key id in the
//! signature's scope, checked for expiry, and the secret re-derived.

use super::config::Secrets;
use super::credentials::{self, OpenError, SessionClaims};
use super::error::{ApiError, ErrorKind};
use super::sigv4::{self, SigV4ErrorKind};

/// The verified signer of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The admin key pair.
    Admin,
    /// Credentials cognate issued.
    Vended(SessionClaims),
}

fn wire(e: sigv4::SigV4Error) -> ApiError {
    let kind = match e.kind() {
        SigV4ErrorKind::MissingAuthenticationToken => ErrorKind::MissingAuthenticationToken,
        SigV4ErrorKind::IncompleteSignature => ErrorKind::IncompleteSignature,
        _ => ErrorKind::InvalidSignature,
    };
    ApiError::new(kind, e.to_string())
}

fn unrecognized() -> ApiError {
    ApiError::new(ErrorKind::UnrecognizedClient, "The security token included in the request is invalid.")
}

/// Verifies the SigV4 signature of `request` for `service` in `region` at
/// `now`, and says who signed it.
pub fn authenticate(
    request: &sigv4::Request<'_>,
    secrets: &Secrets,
    region: &str,
    service: &str,
    now: u64,
) -> Result<Principal, ApiError> {
    let auth = sigv4::parse(request).map_err(wire)?;
    let expected = sigv4::Expected { region, service, flavor: sigv4::Flavor::Standard };
    match &auth.security_token {
        None if auth.access_key_id == secrets.admin.access_key_id => {
            sigv4::verify(request, &auth, secrets.admin.expose_secret(), now, &expected).map_err(wire)?;
            Ok(Principal::Admin)
        }
        None => {
            // Spend the same work as for a known key, so response times do
            // not tell which access key ids exist.
            let _ = sigv4::verify(request, &auth, "unknown-key-unknown-key-unknown-key", now, &expected);
            Err(unrecognized())
        }
        Some(token) => {
            let opened = credentials::open(&secrets.credential_keys, token).map_err(|e| match e {
                OpenError::Malformed | OpenError::UnknownKey | OpenError::Forged => unrecognized(),
            })?;
            if opened.claims.access_key_id != auth.access_key_id {
                return Err(unrecognized());
            }
            if opened.claims.expiration <= now {
                return Err(ApiError::new(
                    ErrorKind::ExpiredToken,
                    "The security token included in the request is expired",
                ));
            }
            sigv4::verify(request, &auth, opened.expose_secret(), now, &expected).map_err(wire)?;
            Ok(Principal::Vended(opened.claims))
        }
    }
}
