//! AWS Signature Version 4 verification, server side: the
//! `Authorization: AWS4-HMAC-SHA256 ...` header form and presigned URLs
//! (the query form, [`presigned`]), in two flavours ([`Flavor`]): as AWS
//! services other than S3 do it (normalised, double-encoded path; the body
//! hashed) and as S3 does it (path encoded once; the payload hash claimed by
//! `x-amz-content-sha256`, checked later as the body streams, see
//! [`PayloadMode`] and `core::s3::body`).
//!
//! [`parse`] (or [`parse_as`] for a flavour) reads the untrusted request
//! into an [`Authorization`] (nothing in it is vouched for yet); [`verify`]
//! checks scope, time and, last, the HMAC, compared in constant time. Time
//! comes in as epoch seconds; there is no I/O. Error texts are AWS's (S3's
//! for what only S3 and presigned URLs have), and none of them contains the
//! secret key. A caller that does not know the access key id should still
//! run [`verify`] with a dummy secret, so that unknown and known keys take
//! the same time.

mod canonical;
mod payload;
pub mod presigned;

use std::fmt::{self, Write as _};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::time;
#[cfg(test)]
use canonical::{canonical_query, canonical_uri, trim_all};
pub use canonical::{canonical_request, canonical_request_for};
pub use payload::PayloadMode;
use presigned::QueryParams;

/// The only algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The last element of every credential scope.
pub const TERMINATOR: &str = "aws4_request";
/// How far the request time may be from the verifier's clock, in seconds.
pub const MAX_SKEW_SECONDS: u64 = 15 * 60;
/// How many characters of an untrusted value an error message echoes.
const ECHO_LIMIT: usize = 256;
/// The query parameter of a presigned URL that holds the signature (the one
/// parameter left out of its canonical query).
pub const PRESIGNED_SIGNATURE: &str = "X-Amz-Signature";

/// How a service forms the canonical request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Flavor {
    /// As AWS services other than S3: the path normalised (empty, `.` and
    /// `..` segments resolved) and encoded twice; the payload hash is the
    /// SHA-256 of the body, which the verifier computes.
    #[default]
    Standard,
    /// As S3: the path encoded once, every segment kept; the payload hash is
    /// the `x-amz-content-sha256` claim (required in the header form;
    /// `UNSIGNED-PAYLOAD` for a presigned URL without `X-Amz-Content-Sha256`).
    /// The verifier does not read the body: the claim is checked as it
    /// streams (`core::s3::body`).
    S3,
}

/// An HTTP request as received, before any decoding.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The method, e.g. `POST`.
    pub method: &'a str,
    /// The path as on the wire, still percent-encoded.
    pub path: &'a str,
    /// The raw query string, without the `?`.
    pub query: &'a str,
    /// The headers in arrival order; names in any case, names may repeat.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// The parts of a SigV4 `Authorization` header and its date and token
/// headers. Parsed, not verified: nothing in it is trusted until [`verify`]
/// has accepted it.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id (first element of the credential).
    pub access_key_id: String,
    /// The `YYYYMMDD` date of the credential scope.
    pub scope_date: String,
    /// The region of the credential scope.
    pub region: String,
    /// The service of the credential scope.
    pub service: String,
    /// The signed header names, lowercased, in the order given.
    pub signed_headers: Vec<String>,
    /// The signature as sent (64 lowercase hex digits when well-formed).
    pub signature: String,
    /// The request time from `X-Amz-Date`, or else from `Date`, in epoch seconds.
    pub request_time: u64,
    /// The `X-Amz-Security-Token` header (query parameter of a presigned
    /// URL), if any.
    pub security_token: Option<String>,
    /// The flavour `parse_as` read the request in; [`verify`] refuses an
    /// `Authorization` of another flavour than it expects.
    pub flavor: Flavor,
    /// The payload claim signed with the request: for [`Flavor::Standard`]
    /// the hash of the body `parse` was given, for [`Flavor::S3`] the
    /// `x-amz-content-sha256` value (not yet checked against the body).
    pub payload: PayloadMode,
    /// For a presigned URL, `X-Amz-Expires`: how many seconds after the
    /// request time it stays valid. `None` for the header form.
    pub presigned_expires: Option<u64>,
}

impl Authorization {
    /// The credential scope, `<date>/<region>/<service>/aws4_request`.
    pub fn credential_scope(&self) -> String {
        let Self { scope_date, region, service, .. } = self;
        format!("{scope_date}/{region}/{service}/{TERMINATOR}")
    }

    /// The request signature as bytes: once [`verify`] has accepted it, the
    /// seed that aws-chunked chunk signatures chain from. `None` unless it
    /// is 64 hex digits.
    pub fn seed_signature(&self) -> Option<[u8; 32]> {
        let mut out = [0; 32];
        hex::decode_to_slice(&self.signature, &mut out).ok().map(|()| out)
    }
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self.security_token.as_ref().map(|_| "[redacted]");
        f.debug_struct("Authorization")
            .field("access_key_id", &self.access_key_id)
            .field("scope", &self.credential_scope())
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("request_time", &self.request_time)
            .field("security_token", &token)
            .field("flavor", &self.flavor)
            .field("payload", &self.payload)
            .field("presigned_expires", &self.presigned_expires)
            .finish()
    }
}

/// The scope this service accepts.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The region, e.g. `us-east-1`.
    pub region: &'a str,
    /// The signing name of the service, e.g. `cognito-identity`.
    pub service: &'a str,
    /// How the service forms the canonical request.
    pub flavor: Flavor,
}

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
fn missing_message(missing: [bool; 3], date_missing: bool, header: &str) -> String {
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
fn echo(value: &str) -> String {
    let mut out: String = value.chars().take(ECHO_LIMIT).map(|c| if c.is_control() { '?' } else { c }).collect();
    if value.chars().nth(ECHO_LIMIT).is_some() {
        out.push_str("...");
    }
    out
}

/// The one value of header `name`, `None` if absent, an error if repeated.
fn single_header<'h>(req: &Request<'h>, name: &'static str) -> Result<Option<&'h str>, SigV4Error> {
    let mut found = req.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some((_, v)), None) => Ok(Some(v.as_str())),
        (Some(_), Some(_)) => Err(SigV4Error::Repeated(name)),
    }
}

/// Reads the SigV4 `Authorization` header, the request time (`X-Amz-Date`,
/// else `Date`) and `X-Amz-Security-Token` of `req`, or the query
/// parameters of a presigned URL, as services other than S3 sign them
/// ([`Flavor::Standard`]).
pub fn parse(req: &Request<'_>) -> Result<Authorization, SigV4Error> {
    parse_as(req, Flavor::Standard)
}

/// [`parse`] for the services that sign in `flavor`: for [`Flavor::S3`]
/// the payload claim is read from `x-amz-content-sha256` (required in the
/// header form) or `X-Amz-Content-Sha256` (a presigned URL; else unsigned).
pub fn parse_as(req: &Request<'_>, flavor: Flavor) -> Result<Authorization, SigV4Error> {
    let header = single_header(req, "Authorization")?;
    let params = QueryParams::read(req.query);
    match header {
        Some(_) if params.has_algorithm() => Err(SigV4Error::MultipleAuthMechanisms),
        Some(header) => parse_header(req, header, flavor),
        None if params.is_presigned() => presigned::parse(req, &params, flavor),
        None => Err(SigV4Error::MissingAuthenticationToken),
    }
}

fn parse_header(req: &Request<'_>, header: &str, flavor: Flavor) -> Result<Authorization, SigV4Error> {
    let (scheme, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    if scheme == ALGORITHM {
        for pair in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(SigV4Error::MissingEqualSign(echo(pair), echo(header)));
            };
            let (slot, name) = match key.trim() {
                "Credential" => (&mut credential, "Credential"),
                "SignedHeaders" => (&mut signed_headers, "SignedHeaders"),
                "Signature" => (&mut signature, "Signature"),
                _ => continue,
            };
            let value = value.trim();
            if !value.is_empty() && slot.replace(value).is_some() {
                return Err(SigV4Error::Repeated(name));
            }
        }
    }
    let date = match single_header(req, "X-Amz-Date")? {
        Some(v) => Some((v, time::parse_amz_date(v.trim()))),
        None => single_header(req, "Date")?.map(|v| (v, time::parse_http_date(v.trim()))),
    };
    let (Some(credential), Some(signed_headers), Some(signature), Some((date, request_time))) =
        (credential, signed_headers, signature, date)
    else {
        let parameters = [credential, signature, signed_headers].map(|p| p.is_none());
        let message = missing_message(parameters, date.is_none(), header);
        return Err(SigV4Error::MissingParameters(message));
    };
    let [access_key_id, scope_date, region, service] = split_credential(credential)?;
    let request_time = request_time.ok_or_else(|| SigV4Error::MalformedDate(echo(date)))?;
    let signed_headers = signed_headers.split(';').map(|h| h.trim().to_ascii_lowercase());
    let payload = match flavor {
        Flavor::Standard => PayloadMode::Hash(Sha256::digest(req.body).into()),
        Flavor::S3 => {
            let claim = single_header(req, "X-Amz-Content-Sha256")?.ok_or(SigV4Error::MissingContentSha256)?;
            PayloadMode::parse(claim.trim()).ok_or(SigV4Error::InvalidContentSha256)?
        }
    };
    Ok(Authorization {
        access_key_id,
        scope_date,
        region,
        service,
        signed_headers: signed_headers.collect(),
        signature: signature.to_owned(),
        request_time,
        security_token: single_header(req, "X-Amz-Security-Token")?.map(|t| t.trim().to_owned()),
        flavor,
        payload,
        presigned_expires: None,
    })
}

/// The access key id, date, region and service of a credential ending in
/// the terminator.
fn split_credential(credential: &str) -> Result<[String; 4], SigV4Error> {
    let elements: Vec<&str> = credential.split('/').collect();
    let [access_key_id, scope_date, region, service, terminator] = elements.as_slice() else {
        return Err(SigV4Error::MalformedCredential(echo(credential)));
    };
    if *terminator != TERMINATOR {
        return Err(SigV4Error::InvalidTerminator(echo(terminator)));
    }
    Ok([access_key_id, scope_date, region, service].map(|e| (*e).to_owned()))
}

/// Checks `auth` (parsed from `req`) against the secret key of its access
/// key id, the clock `now` (epoch seconds) and the scope and flavour this
/// service accepts. The header form must be within 15 minutes of the clock;
/// a presigned URL must not be more than 15 minutes ahead of it and is
/// valid until its request time plus `X-Amz-Expires`.
///
/// For [`Flavor::S3`] this does not read the body: the signature covers
/// `auth.payload`, and the body must be checked against it (a hash, or the
/// aws-chunked signatures) before it is used (`core::s3::body`).
pub fn verify(
    req: &Request<'_>,
    auth: &Authorization,
    secret_access_key: &str,
    now: u64,
    expected: &Expected<'_>,
) -> Result<(), SigV4Error> {
    let signed = |name: &str| auth.signed_headers.iter().any(|h| h == name);
    if !signed("host") {
        return Err(SigV4Error::HostNotSigned);
    }
    // A presigned URL's token is a query parameter, signed with the query.
    let token_in_header = auth.security_token.is_some() && auth.presigned_expires.is_none();
    if token_in_header && !signed("x-amz-security-token") {
        return Err(SigV4Error::SecurityTokenNotSigned);
    }
    let amz_date = time::format_amz_date(auth.request_time);
    if amz_date.get(..8) != Some(auth.scope_date.as_str()) {
        let scope_date = echo(&auth.scope_date);
        return Err(SigV4Error::ScopeDateMismatch(scope_date, amz_date));
    }
    if auth.region != expected.region {
        return Err(SigV4Error::WrongRegion);
    }
    if auth.service != expected.service {
        return Err(SigV4Error::WrongService(expected.service.to_owned()));
    }
    let request_time = auth.request_time;
    match auth.presigned_expires {
        None if request_time < now.saturating_sub(MAX_SKEW_SECONDS) => {
            return Err(SigV4Error::Expired { request_time, now });
        }
        Some(expires) if now > request_time.saturating_add(expires) => {
            return Err(SigV4Error::PresignedExpired { request_time, expires, now });
        }
        _ => {}
    }
    if request_time > now.saturating_add(MAX_SKEW_SECONDS) {
        return Err(SigV4Error::NotYetCurrent { request_time, now });
    }
    if auth.flavor != expected.flavor {
        return Err(SigV4Error::SignatureMismatch);
    }
    let computed = signature(req, auth, secret_access_key);
    let equal = computed.as_bytes().ct_eq(auth.signature.as_bytes());
    if computed.is_empty() || !bool::from(equal) {
        return Err(SigV4Error::SignatureMismatch);
    }
    Ok(())
}

/// The hex signature of `req` under the flavour, form, payload claim,
/// scope, time and signed headers of `auth` and the secret key.
pub fn signature(req: &Request<'_>, auth: &Authorization, secret_access_key: &str) -> String {
    let sts = string_to_sign(auth, &canonical_request_for(req, auth));
    let key = signing_key(secret_access_key, &auth.scope_date, &auth.region, &auth.service);
    hex::encode(hmac_sha256(&key, sts.as_bytes()))
}

/// The SigV4 signing key of a secret for a scope: HMAC-SHA256 chained over
/// `AWS4<secret>`, the `YYYYMMDD` date, the region, the service and
/// `aws4_request`. Secret: never log it.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let secret = format!("AWS4{secret_access_key}");
    let mut key = hmac_sha256(secret.as_bytes(), date.as_bytes());
    for data in [region, service, TERMINATOR] {
        key = hmac_sha256(&key, data.as_bytes());
    }
    key
}

/// HMAC-SHA256 of `data` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The string to sign: algorithm, request time, credential scope and the hex
/// SHA-256 of the canonical request, one per line.
pub fn string_to_sign(auth: &Authorization, canonical_request: &str) -> String {
    let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    let date = time::format_amz_date(auth.request_time);
    let scope = auth.credential_scope();
    format!("{ALGORITHM}\n{date}\n{scope}\n{hash}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use SigV4ErrorKind::{IncompleteSignature, InvalidSignature};

    type Outcome = Result<(), (String, SigV4ErrorKind)>;
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const T: u64 = 1_440_938_160; // 20150830T123600Z
    const SCOPE: &str = "AKIDEXAMPLE/20150830/us-east-1/cognito-identity/aws4_request";
    const HOST: (&str, &str) = ("Host", "cognito-identity.us-east-1.amazonaws.com");
    const DATE: (&str, &str) = ("X-Amz-Date", "20150830T123600Z");
    const TOKEN: (&str, &str) = ("X-Amz-Security-Token", "token");
    const SIGNED: &str = "host;x-amz-date";
    const EXPECTED: Expected<'_> =
        Expected { region: "us-east-1", service: "cognito-identity", flavor: Flavor::Standard };

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|&(n, v)| (n.into(), v.into())).collect()
    }

    fn req(headers: &[(String, String)]) -> Request<'_> {
        let (method, path, query, body) = ("POST", "/", "", b"{}");
        Request { method, path, query, headers, body }
    }

    fn outcome<T>(result: Result<T, SigV4Error>) -> Outcome {
        result.map(drop).map_err(|e| (e.to_string(), e.kind()))
    }

    /// Signs `pairs` with SECRET under `scope` and `signed`, then parses
    /// and verifies the request at `now`.
    fn check(pairs: &[(&str, &str)], scope: &str, signed: &str, now: u64) -> Outcome {
        let authz = |sig: &str| format!("{ALGORITHM} Credential={scope}, SignedHeaders={signed}, Signature={sig}");
        let mut headers = owned(pairs);
        headers.push(("Authorization".into(), authz("00")));
        let sig = signature(&req(&headers), &parse(&req(&headers)).unwrap(), SECRET);
        headers.push(("Authorization".into(), authz(&sig)));
        headers.swap_remove(pairs.len());
        let auth = parse(&req(&headers)).unwrap();
        outcome(verify(&req(&headers), &auth, SECRET, now, &EXPECTED))
    }

    #[test]
    fn accepts_signed_requests() {
        let http_date = ("date", "Sun, 30 Aug 2015 12:36:00 GMT");
        assert_eq!(check(&[HOST, DATE], SCOPE, SIGNED, T), Ok(()));
        assert_eq!(check(&[HOST, http_date], SCOPE, "date;host", T + 900), Ok(()));
        let signed = "host;x-amz-date;x-amz-security-token";
        assert_eq!(check(&[HOST, DATE, TOKEN], SCOPE, signed, T - 900), Ok(()));
    }

    #[test]
    fn verify_errors_carry_aws_texts() {
        let scope =
            |date: &str, region: &str, service: &str| format!("AKIDEXAMPLE/{date}/{region}/{service}/aws4_request");
        let cases = [
            (vec![HOST, DATE], SCOPE.into(), "x-amz-date", T, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
            (vec![HOST, DATE, TOKEN], SCOPE.into(), SIGNED, T, "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."),
            (vec![HOST, DATE], scope("20150831", "us-east-1", "cognito-identity"), SIGNED, T, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."),
            (vec![HOST, DATE], scope("20150830", "eu-west-1", "cognito-identity"), SIGNED, T, "Credential should be scoped to a valid region. "),
            (vec![HOST, DATE], scope("20150830", "us-east-1", "sts"), SIGNED, T, "Credential should be scoped to correct service: 'cognito-identity'. "),
            (vec![HOST, DATE], SCOPE.into(), SIGNED, T + 901, "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"),
            (vec![HOST, DATE], SCOPE.into(), SIGNED, T + 25 * 60, "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T130100Z - 15 min.)"),
            (vec![HOST, DATE], SCOPE.into(), SIGNED, T - 25 * 60, "Signature not yet current: 20150830T123600Z is still later than 20150830T122600Z (20150830T121100Z + 15 min.)"),
        ];
        for (pairs, scope, signed, now, message) in cases {
            assert_eq!(check(&pairs, &scope, signed, now), Err((message.into(), InvalidSignature)));
        }
        let authz = format!("{ALGORITHM} Credential={SCOPE}, SignedHeaders={SIGNED}, Signature=00");
        let headers = owned(&[HOST, DATE, ("Authorization", &authz)]);
        let auth = parse(&req(&headers)).unwrap();
        let mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
        let verified = outcome(verify(&req(&headers), &auth, SECRET, T, &EXPECTED));
        assert_eq!(verified, Err((mismatch.into(), InvalidSignature)));
    }

    #[test]
    fn parse_errors_carry_aws_texts() {
        let missing = ("Missing Authentication Token".into(), SigV4ErrorKind::MissingAuthenticationToken);
        assert_eq!(outcome(parse(&req(&owned(&[HOST, DATE])))), Err(missing));
        let a = "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=00";
        let (a5, a6) = (a.replace("aws4_", "aws5_"), a.replace(", S", ", Signature=1, S"));
        let cases = [
            (vec![("Authorization", "Bearer abc"), DATE], "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc"),
            (vec![("Authorization", "AWS4-HMAC-SHA256 Credential=A, Signature=")], "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=A, Signature="),
            (vec![("Authorization", "AWS4-HMAC-SHA256 Credential=A, Signature"), DATE], "'Signature' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=A, Signature'."),
            (vec![("Authorization", "AWS4-HMAC-SHA256 Credential=A/B, SignedHeaders=host, Signature=00"), DATE], "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'A/B'"),
            (vec![("Authorization", &a5), DATE], "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "),
            (vec![("Authorization", a), ("X-Amz-Date", "2015\n")], "Date must be in ISO-8601 'basic format'. Got '2015?'. See http://en.wikipedia.org/wiki/ISO_8601"),
            (vec![("Authorization", a), ("date", "30 Aug 2015")], "Date must be in ISO-8601 'basic format'. Got '30 Aug 2015'. See http://en.wikipedia.org/wiki/ISO_8601"),
            (vec![("Authorization", &a6), DATE], "'Signature' must appear only once."),
            (vec![("Authorization", a), ("authorization", a), DATE], "'Authorization' must appear only once."),
            (vec![("Authorization", a), DATE, ("x-amz-date", "20150830T123600Z")], "'X-Amz-Date' must appear only once."),
        ];
        for (pairs, message) in cases {
            let parsed = outcome(parse(&req(&owned(&pairs))));
            assert_eq!(parsed, Err((message.into(), IncompleteSignature)));
        }
    }

    #[test]
    fn canonical_parts() {
        assert_eq!(canonical_uri("/a%20b/./c/../d//"), "/a%2520b/d/");
        assert_eq!(canonical_uri(""), "/");
        let query = "b=2&a=%7e+x&a=&c&%zz=%E1%88%B4&";
        assert_eq!(canonical_query(query, None), "%25zz=%E1%88%B4&a=&a=~%2Bx&b=2&c=");
        assert_eq!(trim_all(" \t a   b\t c  "), "a b\t c");
        assert_eq!(echo(&"é".repeat(1000)).chars().count(), ECHO_LIMIT + 3);
    }
}
