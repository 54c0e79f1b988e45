//! S3's HTTP headers, both ways: `Range` and its resolution against an
//! object's size, conditional requests (`If-Match`, `If-None-Match`,
//! `If-Modified-Since`, `If-Unmodified-Since` and the `x-amz-copy-source-if-*`
//! forms), object metadata from a PUT's headers (with S3's 2 KB
//! user-metadata limit) and back onto a GET or HEAD, the common response
//! headers and CORS for browsers on any origin.
//!
//! Header names are matched case-insensitively; values are trimmed of
//! optional whitespace. A header cognate reads that appears twice is
//! refused (two `Range` or `If-Match` values would make the decision
//! ambiguous), except `x-amz-meta-*`, which S3 joins with commas.

mod conditions;
mod cors;
mod metadata;
mod range;
#[cfg(test)]
mod tests;

pub use conditions::{check_preconditions, etag_list_matches, quote_etag, Conditions};
pub use cors::{cors_preflight, s3_response_headers, CORS_MAX_AGE_SECONDS, CORS_METHODS, EXPOSE_HEADERS};
pub use metadata::{object_response_headers, ObjectHeaders, ObjectMetadata, ResponseOverrides, USER_METADATA_PREFIX};
pub use range::{content_range, unsatisfied_content_range, ByteRange};

use super::error::S3Error;

/// The value of header `name` (case-insensitive, trimmed), `None` if
/// absent; `InvalidArgument` if it appears more than once.
pub fn single_header<'h>(headers: &'h [(String, String)], name: &str) -> Result<Option<&'h str>, S3Error> {
    let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
    let first = found.next();
    if found.next().is_some() {
        return Err(S3Error::invalid_argument("Header may not be repeated.", name, ""));
    }
    Ok(first)
}
