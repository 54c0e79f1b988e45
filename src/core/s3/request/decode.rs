//! Decoding and checking the pieces of a request's URL: percent-decoding,
//! the query string as `(name, value)` pairs, the `x-amz-*` headers a
//! presigner hoisted into the query, bucket names, key lengths, and the
//! opaque continuation tokens of ListObjectsV2.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::core::s3::error::{S3Error, MAX_KEY_BYTES};

/// The longest continuation token cognate accepts.
pub(super) const MAX_CONTINUATION_TOKEN_CHARS: usize = 2048;

// --- Continuation tokens -------------------------------------------------

pub(super) const TOKEN_TAG: &[u8] = b"r2c1:";

/// The opaque `NextContinuationToken` for an R2 list cursor.
pub fn encode_continuation_token(cursor: &str) -> String {
    let mut bytes = TOKEN_TAG.to_vec();
    bytes.extend_from_slice(cursor.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The R2 cursor inside a continuation token from
/// [`encode_continuation_token`]; anything else is S3's `InvalidArgument`
/// "The continuation token provided is incorrect".
pub fn decode_continuation_token(token: &str) -> Result<String, S3Error> {
    let incorrect =
        || S3Error::invalid_argument("The continuation token provided is incorrect", "continuation-token", token);
    if token.len() > MAX_CONTINUATION_TOKEN_CHARS {
        return Err(incorrect());
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| incorrect())?;
    let cursor = bytes.strip_prefix(TOKEN_TAG).ok_or_else(incorrect)?;
    match std::str::from_utf8(cursor) {
        Ok(c) if !c.is_empty() => Ok(c.to_owned()),
        _ => Err(incorrect()),
    }
}

// --- Decoding ------------------------------------------------------------

pub(crate) use crate::core::percent::decode as percent_decode;

/// Whether `name` is a SigV4 query parameter of a presigned URL.
pub(super) fn is_sigv4_parameter(name: &str) -> bool {
    [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    ]
    .iter()
    .any(|p| p.eq_ignore_ascii_case(name))
}

/// The query as decoded `(name, value)` pairs, in order; `InvalidURI` for
/// a bad escape, `InvalidArgument` for a repeated name.
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>, S3Error> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = percent_decode(name).ok_or_else(S3Error::invalid_uri)?;
        let value = percent_decode(value).ok_or_else(S3Error::invalid_uri)?;
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(S3Error::invalid_argument("Query parameter may not be repeated.", &name, &value));
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// The `x-amz-*` query parameters (other than SigV4's own) that a
/// presigner hoisted out of the headers, as headers. S3 reads them as
/// headers; so does [`parse_request`](super::parse_request), and so must the body checks.
pub fn hoisted_headers(query: &str) -> Result<Vec<(String, String)>, S3Error> {
    Ok(parse_query(query)?
        .into_iter()
        .filter(|(n, _)| n.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("x-amz-")) && !is_sigv4_parameter(n))
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect())
}

/// Whether `name` follows S3's rules for general purpose bucket names:
/// 3–63 of `a-z 0-9 . -`, starting and ending with a letter or digit, no
/// `..`, not shaped like an IP address.
pub fn is_valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    let edge_ok = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
        && edge_ok(b.first())
        && edge_ok(b.last())
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
}

/// Checks an object key: `KeyTooLongError` past 1024 bytes.
pub fn check_key(key: &str) -> Result<(), S3Error> {
    if key.len() > MAX_KEY_BYTES {
        return Err(S3Error::key_too_long(key.len()));
    }
    Ok(())
}
