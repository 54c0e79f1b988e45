//! Why a SigV4 request is not accepted: the error, with the message AWS
//! sends, the three AWS errors it is sent as, and the shortening of
//! untrusted values echoed in messages.

use std::fmt::Write as _;

use super::{time, MAX_SKEW_SECONDS};

/// How many characters of an untrusted value an error message echoes.
pub(super) const ECHO_LIMIT: usize = 256;

/// Why a request is not accepted; `Display` is the message AWS sends. Values
/// echoed from the request are shortened and stripped of control characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigV4Error {
    /// There is no `Authorization` header.
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// Parameters of the header, or the date header, are missing; holds the message.
    #[error("{0}")]
    MissingParameters(String),
    /// A comma-separated element of the header has no `=`: (element, header).
    #[error("'{0}' not a valid key=value pair (missing equal-sign) in Authorization header: '{1}'.")]
    MissingEqualSign(String, String),
    /// The named header, or parameter of the header, appears more than once.
    #[error("'{0}' must appear only once.")]
    Repeated(&'static str),
    /// The credential does not have five `/`-separated elements.
    #[error("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{0}'")]
    MalformedCredential(String),
    /// The credential scope ends in this instead of `aws4_request`.
    #[error("Credential should be scoped with a valid terminator: 'aws4_request', not '{0}'. ")]
    InvalidTerminator(String),
    /// `X-Amz-Date` (or `Date`) has this value, which is not a date in its format.
    #[error("Date must be in ISO-8601 'basic format'. Got '{0}'. See http://en.wikipedia.org/wiki/ISO_8601")]
    MalformedDate(String),
    /// `host` is not among the signed headers.
    #[error("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")]
    HostNotSigned,
    /// `X-Amz-Security-Token` is present but not signed.
    #[error("'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.")]
    SecurityTokenNotSigned,
    /// The scope's date is not the date of the request time: (scope date,
    /// request time as `YYYYMMDD'T'HHMMSS'Z'`).
    #[error("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{0}' != '{day}', from '{1}'.", day = .1.get(..8).unwrap_or(""))]
    ScopeDateMismatch(String, String),
    /// The scope names another region.
    #[error("Credential should be scoped to a valid region. ")]
    WrongRegion,
    /// The scope names another service than this one.
    #[error("Credential should be scoped to correct service: '{0}'. ")]
    WrongService(String),
    /// The request time is more than 15 minutes before the clock.
    #[error("Signature expired: {} is now earlier than {} ({} - 15 min.)", amz(*request_time), amz(now.saturating_sub(MAX_SKEW_SECONDS)), amz(*now))]
    Expired {
        /// The request time, epoch seconds.
        request_time: u64,
        /// The verifier's clock, epoch seconds.
        now: u64,
    },
    /// The request time is more than 15 minutes after the clock.
    #[error("Signature not yet current: {} is still later than {} ({} + 15 min.)", amz(*request_time), amz(now.saturating_add(MAX_SKEW_SECONDS)), amz(*now))]
    NotYetCurrent {
        /// The request time, epoch seconds.
        request_time: u64,
        /// The verifier's clock, epoch seconds.
        now: u64,
    },
    /// The signature is not the one computed with the secret key (or the
    /// `Authorization` was parsed in another flavour than verified in).
    #[error("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")]
    SignatureMismatch,
    /// S3, header form: no `x-amz-content-sha256` (S3: `InvalidRequest`).
    #[error("Missing required header for this request: x-amz-content-sha256")]
    MissingContentSha256,
    /// S3: `x-amz-content-sha256` (or `X-Amz-Content-Sha256`) is neither a
    /// lowercase hex SHA-256 nor an accepted keyword (S3: `InvalidArgument`).
    #[error("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")]
    InvalidContentSha256,
    /// Both an `Authorization` header and `X-Amz-Algorithm` in the query
    /// (S3: `InvalidArgument`).
    #[error("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")]
    MultipleAuthMechanisms,
    /// Presigned: one of the six required query parameters is missing or
    /// empty (S3: `AuthorizationQueryParametersError`).
    #[error("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")]
    PresignedMissingParameters,
    /// Presigned: `X-Amz-Algorithm` is not `AWS4-HMAC-SHA256` (S3:
    /// `AuthorizationQueryParametersError`).
    #[error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")]
    UnsupportedAlgorithm,
    /// Presigned: `X-Amz-Expires` is not a decimal number (S3:
    /// `AuthorizationQueryParametersError`).
    #[error("X-Amz-Expires should be a number")]
    ExpiresNotANumber,
    /// Presigned: `X-Amz-Expires` is negative, or zero (S3:
    /// `AuthorizationQueryParametersError`).
    #[error("X-Amz-Expires must be non-negative")]
    ExpiresNegative,
    /// Presigned: `X-Amz-Expires` is over 604800 (S3:
    /// `AuthorizationQueryParametersError`).
    #[error("X-Amz-Expires must be less than a week (in seconds) that is 604800")]
    ExpiresTooLong,
    /// Presigned: the clock is past the request time plus `X-Amz-Expires`
    /// (S3: `AccessDenied`).
    #[error("Request has expired")]
    PresignedExpired {
        /// The request time (`X-Amz-Date`), epoch seconds.
        request_time: u64,
        /// `X-Amz-Expires`, seconds.
        expires: u64,
        /// The verifier's clock, epoch seconds.
        now: u64,
    },
}

/// The three AWS errors a [`SigV4Error`] is sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigV4ErrorKind {
    /// No `Authorization` header at all.
    MissingAuthenticationToken,
    /// The header or the date is malformed or incomplete.
    IncompleteSignature,
    /// Well-formed, but wrong: scope, time, required signed header or signature.
    InvalidSignature,
}

impl SigV4Error {
    /// The AWS error this is sent as.
    pub fn kind(&self) -> SigV4ErrorKind {
        match self {
            Self::MissingAuthenticationToken => SigV4ErrorKind::MissingAuthenticationToken,
            Self::MissingParameters(_)
            | Self::MissingEqualSign(..)
            | Self::Repeated(_)
            | Self::MalformedCredential(_)
            | Self::InvalidTerminator(_)
            | Self::MalformedDate(_)
            | Self::MissingContentSha256
            | Self::InvalidContentSha256
            | Self::MultipleAuthMechanisms
            | Self::PresignedMissingParameters
            | Self::UnsupportedAlgorithm
            | Self::ExpiresNotANumber
            | Self::ExpiresNegative
            | Self::ExpiresTooLong => SigV4ErrorKind::IncompleteSignature,
            // Scope, time (and presigned expiry), required signed headers, signature.
            _ => SigV4ErrorKind::InvalidSignature,
        }
    }
}

fn amz(epoch: u64) -> String {
    time::format_amz_date(epoch)
}

/// AWS's message for missing parameters and date, then the header.
pub(super) fn missing_message(missing: [bool; 3], date_missing: bool, header: &str) -> String {
    let mut out = String::new();
    let names = ["Credential", "Signature", "SignedHeaders"].into_iter();
    for (p, _) in names.zip(missing).filter(|(_, m)| *m) {
        let _ = write!(out, "Authorization header requires '{p}' parameter. ");
    }
    if date_missing {
        out.push_str("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ");
    }
    let _ = write!(out, "Authorization={}", echo(header));
    out
}

/// An untrusted value made fit for a message: shortened, control characters replaced.
pub(super) fn echo(value: &str) -> String {
    let mut out: String = value.chars().take(ECHO_LIMIT).map(|c| if c.is_control() { '?' } else { c }).collect();
    if value.chars().nth(ECHO_LIMIT).is_some() {
        out.push_str("...");
    }
    out
}
