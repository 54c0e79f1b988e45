//! Presigned URLs: the SigV4 query form. `X-Amz-Algorithm`,
//! `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`
//! and `X-Amz-Signature` (and optionally `X-Amz-Security-Token` and
//! `X-Amz-Content-Sha256`) stand in the query instead of headers; every
//! parameter but the signature is signed. Read here into the same
//! [`Authorization`] as the header form, with `presigned_expires` set.

use sha2::{Digest, Sha256};

use super::canonical::query_pairs;
use super::payload::PayloadMode;
use super::{
    echo, single_header, split_credential, Authorization, Flavor, Request, SigV4Error, ALGORITHM, PRESIGNED_SIGNATURE,
};
use crate::core::time;

/// The longest validity of a presigned URL: a week, in seconds.
pub const MAX_EXPIRES_SECONDS: u64 = 604_800;

/// The parameters whose presence makes a request presigned.
const MARKERS: [&str; 3] = ["X-Amz-Algorithm", "X-Amz-Credential", PRESIGNED_SIGNATURE];

/// The decoded parameters of a query string.
pub(super) struct QueryParams(Vec<(Vec<u8>, Vec<u8>)>);

impl QueryParams {
    /// Decodes every `name=value` pair of the raw query.
    pub(super) fn read(query: &str) -> Self {
        Self(query_pairs(query).collect())
    }

    /// Whether the query carries `X-Amz-Algorithm`.
    pub(super) fn has_algorithm(&self) -> bool {
        self.0.iter().any(|(n, _)| n.as_slice() == b"X-Amz-Algorithm")
    }

    /// Whether the query is a presigned request's.
    pub(super) fn is_presigned(&self) -> bool {
        self.0.iter().any(|(n, _)| MARKERS.iter().any(|m| n.as_slice() == m.as_bytes()))
    }

    /// The one non-empty value of parameter `name` (exact case), `None` if
    /// absent or empty, an error if repeated.
    fn single(&self, name: &'static str) -> Result<Option<String>, SigV4Error> {
        let mut found = self.0.iter().filter(|(n, _)| n.as_slice() == name.as_bytes());
        match (found.next(), found.next()) {
            (Some(_), Some(_)) => Err(SigV4Error::Repeated(name)),
            (Some((_, v)), None) if !v.is_empty() => Ok(Some(String::from_utf8_lossy(v).into_owned())),
            _ => Ok(None),
        }
    }
}

/// Reads the presigned form of `req` whose decoded query is `params`.
pub(super) fn parse(req: &Request<'_>, params: &QueryParams, flavor: Flavor) -> Result<Authorization, SigV4Error> {
    let algorithm = params.single("X-Amz-Algorithm")?;
    let credential = params.single("X-Amz-Credential")?;
    let signature = params.single(PRESIGNED_SIGNATURE)?;
    let date = params.single("X-Amz-Date")?;
    let signed_headers = params.single("X-Amz-SignedHeaders")?;
    let expires = params.single("X-Amz-Expires")?;
    let (Some(algorithm), Some(credential), Some(signature), Some(date), Some(signed_headers), Some(expires)) =
        (algorithm, credential, signature, date, signed_headers, expires)
    else {
        return Err(SigV4Error::PresignedMissingParameters);
    };
    if algorithm != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm);
    }
    let [access_key_id, scope_date, region, service] = split_credential(&credential)?;
    let request_time = time::parse_amz_date(date.trim()).ok_or_else(|| SigV4Error::MalformedDate(echo(&date)))?;
    let expires = expires_seconds(&expires)?;
    let security_token = params.single("X-Amz-Security-Token")?;
    if security_token.is_some() && single_header(req, "X-Amz-Security-Token")?.is_some() {
        return Err(SigV4Error::Repeated("X-Amz-Security-Token"));
    }
    let payload = match (flavor, params.single("X-Amz-Content-Sha256")?) {
        (Flavor::Standard, _) => PayloadMode::Hash(Sha256::digest(req.body).into()),
        (Flavor::S3, None) => PayloadMode::Unsigned,
        (Flavor::S3, Some(claim)) => PayloadMode::parse(&claim).ok_or(SigV4Error::InvalidContentSha256)?,
    };
    Ok(Authorization {
        access_key_id,
        scope_date,
        region,
        service,
        signed_headers: signed_headers.split(';').map(|h| h.trim().to_ascii_lowercase()).collect(),
        signature,
        request_time,
        security_token,
        flavor,
        payload,
        presigned_expires: Some(expires),
    })
}

/// `X-Amz-Expires` in seconds: a decimal number in 1..=604800.
fn expires_seconds(value: &str) -> Result<u64, SigV4Error> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let value = value.trim();
    match value.strip_prefix('-') {
        Some(rest) if digits(rest) => Err(SigV4Error::ExpiresNegative),
        _ if !digits(value) => Err(SigV4Error::ExpiresNotANumber),
        // Only digits: a failed parse is an overflow.
        _ => match value.parse::<u64>() {
            Ok(0) => Err(SigV4Error::ExpiresNegative),
            Ok(s) if s <= MAX_EXPIRES_SECONDS => Ok(s),
            _ => Err(SigV4Error::ExpiresTooLong),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_is_one_second_to_a_week() {
        let cases: [(&str, Result<u64, SigV4Error>); 9] = [
            ("1", Ok(1)),
            ("604800", Ok(604_800)),
            (" 86400 ", Ok(86_400)),
            ("0", Err(SigV4Error::ExpiresNegative)),
            ("-5", Err(SigV4Error::ExpiresNegative)),
            ("604801", Err(SigV4Error::ExpiresTooLong)),
            ("99999999999999999999999", Err(SigV4Error::ExpiresTooLong)),
            ("1e3", Err(SigV4Error::ExpiresNotANumber)),
            ("+5", Err(SigV4Error::ExpiresNotANumber)),
        ];
        for (value, expected) in cases {
            assert_eq!(expires_seconds(value), expected, "{value:?}");
        }
    }
}
