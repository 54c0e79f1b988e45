//! The headers of every S3 response (request id, CORS for browsers on any
//! origin) and the answer to a CORS preflight.

use super::USER_METADATA_PREFIX;
use crate::core::s3::error::S3Error;

/// The headers a browser may read from a response (besides the CORS-safelisted ones).
pub const EXPOSE_HEADERS: [&str; 15] = [
    "ETag",
    "x-amz-request-id",
    "x-amz-id-2",
    "x-amz-version-id",
    "x-amz-delete-marker",
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
    "Content-Range",
    "Content-Length",
    "Last-Modified",
    "Accept-Ranges",
    "Date",
];

/// The methods a browser may use (the S3 operations cognate serves).
pub const CORS_METHODS: &str = "GET, PUT, POST, DELETE, HEAD";

/// How long a browser may cache a preflight answer, in seconds.
pub const CORS_MAX_AGE_SECONDS: u32 = 3000;

fn expose_headers(response_headers: &[(String, String)]) -> String {
    let mut names: Vec<&str> = EXPOSE_HEADERS.to_vec();
    for (name, _) in response_headers {
        let is_meta =
            name.get(..USER_METADATA_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(USER_METADATA_PREFIX));
        if is_meta && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name);
        }
    }
    names.join(", ")
}

/// Headers for every S3 response, errors included: `x-amz-request-id`,
/// `Access-Control-Allow-Origin: *` and `Access-Control-Expose-Headers`
/// (the fixed list plus the `x-amz-meta-*` names among `response_headers`).
/// Never `Access-Control-Allow-Credentials`: requests are signed, not
/// cookie-authenticated.
pub fn s3_response_headers(request_id: &str, response_headers: &[(String, String)]) -> Vec<(String, String)> {
    vec![
        ("x-amz-request-id".to_owned(), request_id.to_owned()),
        ("Access-Control-Allow-Origin".to_owned(), "*".to_owned()),
        ("Access-Control-Expose-Headers".to_owned(), expose_headers(response_headers)),
    ]
}

/// The answer to a CORS preflight (`OPTIONS` with
/// `Access-Control-Request-Method` and maybe `-Headers`): any origin, the
/// served methods, the requested headers echoed (as S3 does for a rule
/// allowing `*`). Refused (403, S3's text) for another method or a header
/// list that is not a list of header names.
pub fn cors_preflight(
    request_method: Option<&str>,
    request_headers: Option<&str>,
) -> Result<Vec<(String, String)>, S3Error> {
    let refused = || {
        S3Error::new(
            "AccessForbidden",
            403,
            "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        )
    };
    let method = request_method.map(str::trim).ok_or_else(refused)?;
    if !["GET", "PUT", "POST", "DELETE", "HEAD"].contains(&method) {
        return Err(refused());
    }
    let mut out = vec![
        ("Access-Control-Allow-Origin".to_owned(), "*".to_owned()),
        ("Access-Control-Allow-Methods".to_owned(), CORS_METHODS.to_owned()),
        ("Access-Control-Max-Age".to_owned(), CORS_MAX_AGE_SECONDS.to_string()),
        ("Access-Control-Expose-Headers".to_owned(), expose_headers(&[])),
    ];
    if let Some(list) = request_headers {
        let names: Vec<&str> = list.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
        let token = |n: &&str| {
            n.len() <= 256 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        };
        if list.len() > 8 * 1024 || !names.iter().all(token) {
            return Err(refused());
        }
        if !names.is_empty() {
            out.push(("Access-Control-Allow-Headers".to_owned(), names.join(", ").to_ascii_lowercase()));
        }
    }
    Ok(out)
}
