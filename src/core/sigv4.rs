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
mod error;
mod payload;
pub mod presigned;
#[cfg(test)]
mod tests;

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::time;
pub use canonical::{canonical_request, canonical_request_for};
use error::{echo, missing_message};
pub use error::{SigV4Error, SigV4ErrorKind};
pub use payload::PayloadMode;
use presigned::QueryParams;

/// The only algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The last element of every credential scope.
pub const TERMINATOR: &str = "aws4_request";
/// How far the request time may be from the verifier's clock, in seconds.
pub const MAX_SKEW_SECONDS: u64 = 15 * 60;
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
