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

use std::collections::BTreeMap;
use std::fmt;

use super::error::{S3Error, MAX_USER_METADATA_BYTES};
use crate::core::time;

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

// --- Range ---------------------------------------------------------------

/// One byte range of a `Range: bytes=…` header (RFC 9110 §14.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-last`, both inclusive.
    FromTo(u64, u64),
    /// `bytes=first-`: from `first` to the end.
    From(u64),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Parses a `Range` header value. `None` means "serve the whole
    /// object", as S3 does for a header it does not understand: another
    /// unit, bad syntax, `first > last`, or more than one range.
    pub fn parse(value: &str) -> Option<ByteRange> {
        let spec = value.trim().strip_prefix("bytes=")?;
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.trim().split_once('-')?;
        let number = |s: &str| -> Option<u64> {
            let s = s.trim();
            (!s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
        };
        match (first.trim().is_empty(), last.trim().is_empty()) {
            (true, true) => None,
            (true, false) => Some(ByteRange::Suffix(number(last)?)),
            (false, true) => Some(ByteRange::From(number(first)?)),
            (false, false) => {
                let (a, b) = (number(first)?, number(last)?);
                (a <= b).then_some(ByteRange::FromTo(a, b))
            }
        }
    }

    /// The `(offset, length)` to read from an object of `size` bytes, the
    /// last position clamped to the end; `InvalidRange` (416) when nothing
    /// of the object is in the range (a first position at or past the end,
    /// a zero-length suffix, any range of an empty object).
    pub fn resolve(&self, size: u64) -> Result<(u64, u64), S3Error> {
        let unsatisfiable = || S3Error::invalid_range(&self.to_string(), size);
        match *self {
            ByteRange::FromTo(first, last) if first < size => Ok((first, last.min(size - 1) - first + 1)),
            ByteRange::From(first) if first < size => Ok((first, size - first)),
            ByteRange::Suffix(n) if n > 0 && size > 0 => {
                let length = n.min(size);
                Ok((size - length, length))
            }
            _ => Err(unsatisfiable()),
        }
    }
}

impl fmt::Display for ByteRange {
    /// The header value, `bytes=…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ByteRange::FromTo(a, b) => write!(f, "bytes={a}-{b}"),
            ByteRange::From(a) => write!(f, "bytes={a}-"),
            ByteRange::Suffix(n) => write!(f, "bytes=-{n}"),
        }
    }
}

/// The `Content-Range` of a 206 response: `bytes first-last/size`.
pub fn content_range(offset: u64, length: u64, size: u64) -> String {
    let last = (offset + length).saturating_sub(1);
    format!("bytes {offset}-{last}/{size}")
}

/// The `Content-Range` of a 416 response: `bytes */size`.
pub fn unsatisfied_content_range(size: u64) -> String {
    format!("bytes */{size}")
}

// --- Conditional requests ------------------------------------------------

/// The four conditional headers of a request, read under a prefix: `""`
/// for GET/HEAD/PUT's own (`If-Match`, ...), `x-amz-copy-source-` for
/// CopyObject's conditions on its source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conditions {
    /// The `If-Match` list, as sent.
    pub if_match: Option<String>,
    /// The `If-None-Match` list, as sent.
    pub if_none_match: Option<String>,
    /// `If-Modified-Since` in epoch seconds (`None` if absent or not an HTTP date: ignored).
    pub if_modified_since: Option<u64>,
    /// `If-Unmodified-Since` in epoch seconds (`None` if absent or not an HTTP date: ignored).
    pub if_unmodified_since: Option<u64>,
    /// The header prefix they were read under (for `Condition` in errors).
    prefix: &'static str,
}

impl Conditions {
    /// Reads the conditional headers named `<prefix>If-Match`, ... A date
    /// that is not an IMF-fixdate is ignored, as RFC 9110 says.
    pub fn from_headers(headers: &[(String, String)], prefix: &'static str) -> Result<Self, S3Error> {
        let get = |name: &str| single_header(headers, &format!("{prefix}{name}"));
        Ok(Conditions {
            if_match: get("If-Match")?.map(str::to_owned),
            if_none_match: get("If-None-Match")?.map(str::to_owned),
            if_modified_since: get("If-Modified-Since")?.and_then(time::parse_http_date),
            if_unmodified_since: get("If-Unmodified-Since")?.and_then(time::parse_http_date),
            prefix,
        })
    }

    /// Whether no condition applies.
    pub fn is_empty(&self) -> bool {
        self.if_match.is_none()
            && self.if_none_match.is_none()
            && self.if_modified_since.is_none()
            && self.if_unmodified_since.is_none()
    }

    fn failed(&self, name: &str) -> S3Error {
        S3Error::precondition_failed(&format!("{}{name}", self.prefix))
    }

    /// Evaluates the conditions of a GET or HEAD against the object, in
    /// RFC 9110 §13.2.2's order (S3's GetObject documents the same):
    /// `If-Match` (else `If-Unmodified-Since`) failing → 412
    /// `PreconditionFailed`; then `If-None-Match` (else
    /// `If-Modified-Since`) failing → [`S3Error::not_modified`] (304).
    pub fn check_read(&self, etag: &str, last_modified: u64) -> Result<(), S3Error> {
        self.check(etag, last_modified, false)
    }

    /// Evaluates CopyObject's `x-amz-copy-source-if-*` against the source
    /// object: the same order as [`Conditions::check_read`], but every
    /// failure is 412 (S3's CopyObject documentation).
    pub fn check_copy_source(&self, etag: &str, last_modified: u64) -> Result<(), S3Error> {
        self.check(etag, last_modified, true)
    }

    fn check(&self, etag: &str, last_modified: u64, all_412: bool) -> Result<(), S3Error> {
        if let Some(list) = &self.if_match {
            if !etag_list_matches(list, etag, true) {
                return Err(self.failed("If-Match"));
            }
        } else if let Some(since) = self.if_unmodified_since {
            if last_modified > since {
                return Err(self.failed("If-Unmodified-Since"));
            }
        }
        let not_modified = |name: &str| if all_412 { self.failed(name) } else { S3Error::not_modified() };
        if let Some(list) = &self.if_none_match {
            if etag_list_matches(list, etag, false) {
                return Err(not_modified("If-None-Match"));
            }
        } else if let Some(since) = self.if_modified_since {
            if last_modified <= since {
                return Err(not_modified("If-Modified-Since"));
            }
        }
        Ok(())
    }

    /// Evaluates a conditional write (PutObject, CompleteMultipartUpload)
    /// against the current object, `None` if there is none: `If-None-Match`
    /// must be `*` (S3 supports nothing else there: 501) and fails with 412
    /// if the object exists; `If-Match` fails with 404 `NoSuchKey` if there
    /// is no object and 412 if the ETag differs. The date conditions do not
    /// apply to writes (S3 ignores them).
    pub fn check_write(&self, key: &str, existing_etag: Option<&str>) -> Result<(), S3Error> {
        if let Some(list) = &self.if_none_match {
            if list.trim() != "*" {
                return Err(S3Error::not_implemented(Some("If-None-Match")));
            }
            if existing_etag.is_some() {
                return Err(self.failed("If-None-Match"));
            }
        }
        if let Some(list) = &self.if_match {
            match existing_etag {
                None => return Err(S3Error::no_such_key(key)),
                Some(etag) if !etag_list_matches(list, etag, true) => return Err(self.failed("If-Match")),
                Some(_) => {}
            }
        }
        Ok(())
    }
}

/// Evaluates GET/HEAD preconditions from the request headers against the
/// object's ETag and Last-Modified (epoch seconds). `Err` with status 304
/// ([`S3Error::is_not_modified`]) is "Not Modified", to be sent without a body.
pub fn check_preconditions(headers: &[(String, String)], etag: &str, last_modified_epoch: u64) -> Result<(), S3Error> {
    Conditions::from_headers(headers, "")?.check_read(etag, last_modified_epoch)
}

/// The opaque part of an entity tag: without `W/` and quotes. Returns
/// whether it was weak.
fn opaque_tag(tag: &str) -> (&str, bool) {
    let tag = tag.trim();
    let (tag, weak) = match tag.strip_prefix("W/") {
        Some(rest) => (rest, true),
        None => (tag, false),
    };
    let tag = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(tag);
    (tag, weak)
}

/// Whether a comma-separated list of entity tags (or `*`) matches the
/// object's ETag. Strong comparison refuses weak tags (If-Match); weak
/// comparison ignores `W/` (If-None-Match). Unquoted tags are accepted, as
/// S3 accepts them.
pub fn etag_list_matches(list: &str, etag: &str, strong: bool) -> bool {
    let (object_tag, _) = opaque_tag(etag);
    list.split(',').map(str::trim).filter(|t| !t.is_empty()).any(|t| {
        if t == "*" {
            return true;
        }
        let (tag, weak) = opaque_tag(t);
        !(strong && weak) && tag == object_tag
    })
}

/// An ETag in its quoted header form (`"…"`); one already quoted stays as is.
pub fn quote_etag(etag: &str) -> String {
    if etag.len() >= 2 && etag.starts_with('"') && etag.ends_with('"') {
        etag.to_owned()
    } else {
        format!("\"{etag}\"")
    }
}

// --- Object metadata -----------------------------------------------------

/// The metadata S3 stores with an object, from a PutObject,
/// CreateMultipartUpload or CopyObject (REPLACE) request's headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMetadata {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Encoding`, without the `aws-chunked` transfer coding.
    pub content_encoding: Option<String>,
    /// `Content-Disposition`.
    pub content_disposition: Option<String>,
    /// `Content-Language`.
    pub content_language: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Expires`, as sent.
    pub expires: Option<String>,
    /// `x-amz-meta-*`, names lowercased without the prefix; repeated
    /// headers joined with `,`.
    pub user: BTreeMap<String, String>,
}

/// The prefix of user-defined metadata headers.
pub const USER_METADATA_PREFIX: &str = "x-amz-meta-";

impl ObjectMetadata {
    /// Reads the metadata headers; `MetadataTooLarge` when the user
    /// metadata (the UTF-8 bytes of every name and value) exceeds 2 KB.
    pub fn from_headers(headers: &[(String, String)]) -> Result<Self, S3Error> {
        let get = |name: &str| single_header(headers, name).map(|v| v.map(str::to_owned));
        let content_encoding = get("Content-Encoding")?.and_then(|v| {
            let codings: Vec<&str> = v
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("aws-chunked"))
                .collect();
            (!codings.is_empty()).then(|| codings.join(","))
        });
        let mut user: BTreeMap<String, String> = BTreeMap::new();
        let mut size = 0usize;
        for (name, value) in headers {
            let Some(prefix) = name.get(..USER_METADATA_PREFIX.len()) else { continue };
            if !prefix.eq_ignore_ascii_case(USER_METADATA_PREFIX) {
                continue;
            }
            let key = name.get(USER_METADATA_PREFIX.len()..).unwrap_or_default().to_ascii_lowercase();
            if key.is_empty() {
                return Err(S3Error::invalid_argument("Your metadata headers are not supported.", name, value));
            }
            let value = value.trim();
            size = size.saturating_add(value.len());
            match user.get_mut(&key) {
                Some(existing) => {
                    existing.push(',');
                    existing.push_str(value);
                    size = size.saturating_add(1);
                }
                None => {
                    size = size.saturating_add(key.len());
                    user.insert(key, value.to_owned());
                }
            }
            if size > MAX_USER_METADATA_BYTES {
                // Keep counting without storing, to report the size S3 reports.
                let rest: usize = headers
                    .iter()
                    .filter(|(n, _)| {
                        n.get(..USER_METADATA_PREFIX.len())
                            .is_some_and(|p| p.eq_ignore_ascii_case(USER_METADATA_PREFIX))
                    })
                    .map(|(n, v)| n.len() - USER_METADATA_PREFIX.len() + v.trim().len())
                    .sum();
                return Err(S3Error::metadata_too_large(rest.max(size)));
            }
        }
        Ok(ObjectMetadata {
            content_type: get("Content-Type")?,
            content_encoding,
            content_disposition: get("Content-Disposition")?,
            content_language: get("Content-Language")?,
            cache_control: get("Cache-Control")?,
            expires: get("Expires")?,
            user,
        })
    }

    /// The bytes of user metadata S3 counts against its 2 KB limit.
    pub fn user_size(&self) -> usize {
        self.user.iter().map(|(k, v)| k.len() + v.len()).sum()
    }
}

/// The `response-*` query parameters of a signed GetObject that override
/// the stored headers of the response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseOverrides {
    /// `response-content-type`.
    pub content_type: Option<String>,
    /// `response-content-language`.
    pub content_language: Option<String>,
    /// `response-expires`.
    pub expires: Option<String>,
    /// `response-cache-control`.
    pub cache_control: Option<String>,
    /// `response-content-disposition`.
    pub content_disposition: Option<String>,
    /// `response-content-encoding`.
    pub content_encoding: Option<String>,
}

impl ResponseOverrides {
    /// The query parameter names, each with its header.
    pub const PARAMETERS: [(&'static str, &'static str); 6] = [
        ("response-content-type", "Content-Type"),
        ("response-content-language", "Content-Language"),
        ("response-expires", "Expires"),
        ("response-cache-control", "Cache-Control"),
        ("response-content-disposition", "Content-Disposition"),
        ("response-content-encoding", "Content-Encoding"),
    ];

    /// Sets the override for query parameter `name`; false if `name` is not one.
    pub fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "response-content-type" => &mut self.content_type,
            "response-content-language" => &mut self.content_language,
            "response-expires" => &mut self.expires,
            "response-cache-control" => &mut self.cache_control,
            "response-content-disposition" => &mut self.content_disposition,
            "response-content-encoding" => &mut self.content_encoding,
            _ => return false,
        };
        *slot = Some(value);
        true
    }
}

/// What a GET or HEAD response says about the object.
#[derive(Debug, Clone, Copy)]
pub struct ObjectHeaders<'a> {
    /// The stored metadata.
    pub metadata: &'a ObjectMetadata,
    /// The ETag, quoted or not.
    pub etag: &'a str,
    /// Last-Modified, epoch seconds.
    pub last_modified: u64,
    /// The object's size in bytes.
    pub size: u64,
    /// `(offset, length)` for a 206 response, from [`ByteRange::resolve`].
    pub range: Option<(u64, u64)>,
    /// Stored checksums as `(algorithm, base64 value)`, e.g. `("crc32", "…")`,
    /// sent as `x-amz-checksum-<algorithm>` (S3 sends them on GET/HEAD only
    /// when asked with `x-amz-checksum-mode: ENABLED`, and not for a range).
    pub checksums: &'a [(&'a str, String)],
    /// The request's `response-*` overrides.
    pub overrides: &'a ResponseOverrides,
}

/// The headers of a GET or HEAD object response (200 or 206): content
/// headers (overrides first), `x-amz-meta-*`, quoted `ETag`,
/// `Last-Modified` as an HTTP date, `Content-Length`, `Accept-Ranges:
/// bytes`, `Content-Range` for a range, the checksums.
pub fn object_response_headers(o: &ObjectHeaders<'_>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |name: &str, value: Option<&String>| {
        if let Some(v) = value {
            out.push((name.to_owned(), v.clone()));
        }
    };
    let (m, ov) = (o.metadata, o.overrides);
    put("Content-Type", ov.content_type.as_ref().or(m.content_type.as_ref()));
    put("Content-Encoding", ov.content_encoding.as_ref().or(m.content_encoding.as_ref()));
    put("Content-Disposition", ov.content_disposition.as_ref().or(m.content_disposition.as_ref()));
    put("Content-Language", ov.content_language.as_ref().or(m.content_language.as_ref()));
    put("Cache-Control", ov.cache_control.as_ref().or(m.cache_control.as_ref()));
    put("Expires", ov.expires.as_ref().or(m.expires.as_ref()));
    for (name, value) in &m.user {
        out.push((format!("{USER_METADATA_PREFIX}{name}"), value.clone()));
    }
    out.push(("ETag".to_owned(), quote_etag(o.etag)));
    out.push(("Last-Modified".to_owned(), time::format_http_date(o.last_modified)));
    out.push(("Accept-Ranges".to_owned(), "bytes".to_owned()));
    match o.range {
        Some((offset, length)) => {
            out.push(("Content-Length".to_owned(), length.to_string()));
            out.push(("Content-Range".to_owned(), content_range(offset, length, o.size)));
        }
        None => {
            out.push(("Content-Length".to_owned(), o.size.to_string()));
            for (algorithm, value) in o.checksums {
                out.push((format!("x-amz-checksum-{}", algorithm.to_ascii_lowercase()), value.clone()));
            }
        }
    }
    out
}

// --- Common response headers and CORS ------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    }

    /// RFC 9110 §14.1.2 forms and S3's handling (a header it does not
    /// understand serves the whole object; nothing in range → 416).
    #[test]
    fn ranges() {
        use ByteRange::*;
        let parsed: &[(&str, Option<ByteRange>)] = &[
            ("bytes=0-499", Some(FromTo(0, 499))),
            ("bytes=500-", Some(From(500))),
            ("bytes=-500", Some(Suffix(500))),
            (" bytes=1-1 ", Some(FromTo(1, 1))),
            ("bytes=5-2", None),
            ("bytes=0-1,4-5", None),
            ("bytes=-", None),
            ("bytes=a-b", None),
            ("bytes=+1-2", None),
            ("bytes=99999999999999999999999-", None),
            ("items=0-1", None),
            ("", None),
        ];
        for (value, want) in parsed {
            assert_eq!(ByteRange::parse(value), *want, "{value}");
        }
        type Resolved = (ByteRange, u64, Option<(u64, u64)>);
        let resolved: &[Resolved] = &[
            (FromTo(0, 499), 10_000, Some((0, 500))),
            (FromTo(9_500, 20_000), 10_000, Some((9_500, 500))),
            (FromTo(10_000, 20_000), 10_000, None),
            (From(9_999), 10_000, Some((9_999, 1))),
            (From(10_000), 10_000, None),
            (Suffix(500), 10_000, Some((9_500, 500))),
            (Suffix(20_000), 10_000, Some((0, 10_000))),
            (Suffix(0), 10_000, None),
            (From(0), 0, None),
            (Suffix(1), 0, None),
            (FromTo(u64::MAX - 1, u64::MAX), u64::MAX, Some((u64::MAX - 1, 1))),
        ];
        for (range, size, want) in resolved {
            match (range.resolve(*size), want) {
                (Ok(got), Some(want)) => assert_eq!(got, *want, "{range} of {size}"),
                (Err(e), None) => {
                    assert_eq!((e.code, e.status), ("InvalidRange", 416));
                    assert_eq!(e.field("RangeRequested"), Some(range.to_string().as_str()));
                    assert_eq!(e.field("ActualObjectSize"), Some(size.to_string().as_str()));
                }
                (got, want) => panic!("{range} of {size}: {got:?}, want {want:?}"),
            }
        }
        assert_eq!(content_range(9_500, 500, 10_000), "bytes 9500-9999/10000");
        assert_eq!(unsatisfied_content_range(3), "bytes */3");
    }

    #[test]
    fn etag_comparison() {
        let cases: &[(&str, &str, bool, bool)] = &[
            ("\"abc\"", "abc", true, true),
            ("abc", "\"abc\"", true, true),
            ("\"x\", \"abc\"", "abc", true, true),
            ("*", "abc", true, true),
            ("W/\"abc\"", "abc", true, false),
            ("W/\"abc\"", "abc", false, true),
            ("\"abd\"", "abc", true, false),
            ("", "abc", true, false),
            ("\"\"", "abc", false, false),
        ];
        for (list, etag, strong, want) in cases {
            assert_eq!(etag_list_matches(list, etag, *strong), *want, "{list} vs {etag} strong={strong}");
        }
        assert_eq!(quote_etag("abc"), "\"abc\"");
        assert_eq!(quote_etag("\"abc\""), "\"abc\"");
        assert_eq!(quote_etag("\""), "\"\"\"");
    }

    /// RFC 9110 §13.2.2 order; S3's GetObject documentation's two
    /// combined cases (If-Match true + If-Unmodified-Since false → 200;
    /// If-None-Match false + If-Modified-Since true → 304).
    #[test]
    fn read_preconditions() {
        const T: u64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
        const AT: &str = "Sun, 06 Nov 1994 08:49:37 GMT";
        const BEFORE: &str = "Sat, 05 Nov 1994 08:49:37 GMT";
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<(u16, &'a str)>);
        let cases: &[Case] = &[
            (&[], None),
            (&[("If-Match", "\"e\"")], None),
            (&[("if-match", "\"other\"")], Some((412, "If-Match"))),
            (&[("If-Match", "*")], None),
            (&[("If-Unmodified-Since", AT)], None),
            (&[("If-Unmodified-Since", BEFORE)], Some((412, "If-Unmodified-Since"))),
            (&[("If-Unmodified-Since", "yesterday")], None),
            (&[("If-Match", "\"e\""), ("If-Unmodified-Since", BEFORE)], None),
            (&[("If-Match", "\"x\""), ("If-Unmodified-Since", AT)], Some((412, "If-Match"))),
            (&[("If-None-Match", "\"e\"")], Some((304, ""))),
            (&[("If-None-Match", "W/\"e\"")], Some((304, ""))),
            (&[("If-None-Match", "*")], Some((304, ""))),
            (&[("If-None-Match", "\"x\"")], None),
            (&[("If-Modified-Since", AT)], Some((304, ""))),
            (&[("If-Modified-Since", BEFORE)], None),
            (&[("If-None-Match", "\"e\""), ("If-Modified-Since", BEFORE)], Some((304, ""))),
            (&[("If-None-Match", "\"x\""), ("If-Modified-Since", AT)], None),
            (&[("If-Match", "\"x\""), ("If-None-Match", "\"e\"")], Some((412, "If-Match"))),
        ];
        for (headers, want) in cases {
            let got = check_preconditions(&h(headers), "\"e\"", T);
            match (got, want) {
                (Ok(()), None) => {}
                (Err(e), Some((304, _))) => assert!(e.is_not_modified() && !e.has_body(), "{headers:?}"),
                (Err(e), Some((412, condition))) => {
                    assert_eq!((e.code, e.field("Condition")), ("PreconditionFailed", Some(*condition)), "{headers:?}")
                }
                (got, want) => panic!("{headers:?}: {got:?}, want {want:?}"),
            }
        }
        let twice = h(&[("If-Match", "a"), ("IF-MATCH", "b")]);
        assert_eq!(check_preconditions(&twice, "a", T).unwrap_err().code, "InvalidArgument");
    }

    #[test]
    fn copy_source_and_write_preconditions() {
        let source = Conditions::from_headers(
            &h(&[("x-amz-copy-source-if-none-match", "\"e\""), ("If-Match", "\"ignored\"")]),
            "x-amz-copy-source-",
        )
        .unwrap();
        let e = source.check_copy_source("e", 0).unwrap_err();
        assert_eq!((e.status, e.field("Condition")), (412, Some("x-amz-copy-source-If-None-Match")));
        assert!(source.check_copy_source("f", 0).is_ok());

        let write = |pairs: &[(&str, &str)], existing: Option<&str>| {
            Conditions::from_headers(&h(pairs), "").unwrap().check_write("k", existing).map_err(|e| e.code)
        };
        assert_eq!(write(&[("If-None-Match", "*")], None), Ok(()));
        assert_eq!(write(&[("If-None-Match", "*")], Some("e")), Err("PreconditionFailed"));
        assert_eq!(write(&[("If-None-Match", "\"e\"")], None), Err("NotImplemented"));
        assert_eq!(write(&[("If-Match", "\"e\"")], Some("e")), Ok(()));
        assert_eq!(write(&[("If-Match", "\"e\"")], Some("f")), Err("PreconditionFailed"));
        assert_eq!(write(&[("If-Match", "\"e\"")], None), Err("NoSuchKey"));
        assert_eq!(write(&[("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")], Some("e")), Ok(()));
    }

    #[test]
    fn metadata_from_headers() {
        let m = ObjectMetadata::from_headers(&h(&[
            ("Content-Type", "text/plain"),
            ("content-encoding", "aws-chunked, gzip"),
            ("Cache-Control", " max-age=60 "),
            ("X-Amz-Meta-Color", "blue"),
            ("x-amz-meta-color", "green"),
            ("x-amz-meta-Size", "3"),
            ("x-amz-metadata-directive", "REPLACE"),
        ]))
        .unwrap();
        assert_eq!(m.content_type.as_deref(), Some("text/plain"));
        assert_eq!(m.content_encoding.as_deref(), Some("gzip"));
        assert_eq!(m.cache_control.as_deref(), Some("max-age=60"));
        assert_eq!(m.user.get("color").map(String::as_str), Some("blue,green"));
        assert_eq!(m.user.get("size").map(String::as_str), Some("3"));
        assert_eq!(m.user.len(), 2);
        assert_eq!(m.user_size(), "color".len() + "blue,green".len() + "size".len() + 1);
        let only_chunked = ObjectMetadata::from_headers(&h(&[("Content-Encoding", "aws-chunked")])).unwrap();
        assert_eq!(only_chunked.content_encoding, None);
        assert_eq!(ObjectMetadata::from_headers(&h(&[("x-amz-meta-", "v")])).unwrap_err().code, "InvalidArgument");
    }

    /// S3's limit: 2 KB of user-defined metadata, names and values in UTF-8 bytes.
    #[test]
    fn metadata_limit() {
        let exactly = [("x-amz-meta-k".to_owned(), "v".repeat(MAX_USER_METADATA_BYTES - 1))];
        assert_eq!(ObjectMetadata::from_headers(&exactly).unwrap().user_size(), MAX_USER_METADATA_BYTES);
        let over = [("x-amz-meta-k".to_owned(), "v".repeat(MAX_USER_METADATA_BYTES))];
        let e = ObjectMetadata::from_headers(&over).unwrap_err();
        assert_eq!((e.code, e.field("Size")), ("MetadataTooLarge", Some("2049")));
        let many: Vec<(String, String)> = (0..300).map(|i| (format!("x-amz-meta-k{i:03}"), "ünï".to_owned())).collect();
        let e = ObjectMetadata::from_headers(&many).unwrap_err();
        assert_eq!(
            (e.code, e.field("Size")),
            ("MetadataTooLarge", Some((300 * (4 + "ünï".len())).to_string().as_str()))
        );
    }

    #[test]
    fn response_headers_for_get_and_head() {
        let mut metadata = ObjectMetadata { content_type: Some("text/plain".into()), ..Default::default() };
        metadata.user.insert("color".into(), "blue".into());
        let overrides = ResponseOverrides { content_disposition: Some("attachment".into()), ..Default::default() };
        let checksums = [("CRC32", "AAAAAA==".to_owned())];
        let mut o = ObjectHeaders {
            metadata: &metadata,
            etag: "abc",
            last_modified: 784_111_777,
            size: 10,
            range: None,
            checksums: &checksums,
            overrides: &overrides,
        };
        let want = h(&[
            ("Content-Type", "text/plain"),
            ("Content-Disposition", "attachment"),
            ("x-amz-meta-color", "blue"),
            ("ETag", "\"abc\""),
            ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ("Accept-Ranges", "bytes"),
            ("Content-Length", "10"),
            ("x-amz-checksum-crc32", "AAAAAA=="),
        ]);
        assert_eq!(object_response_headers(&o), want);
        o.range = Some((2, 3));
        let ranged = object_response_headers(&o);
        assert!(ranged.contains(&("Content-Length".into(), "3".into())));
        assert!(ranged.contains(&("Content-Range".into(), "bytes 2-4/10".into())));
        assert!(!ranged.iter().any(|(n, _)| n.starts_with("x-amz-checksum")));

        let common = s3_response_headers("REQ", &want);
        assert_eq!(common[0], ("x-amz-request-id".into(), "REQ".into()));
        assert_eq!(common[1], ("Access-Control-Allow-Origin".into(), "*".into()));
        assert!(common[2].1.starts_with("ETag, x-amz-request-id,"));
        assert!(common[2].1.ends_with(", Date, x-amz-meta-color"));
        assert!(!common.iter().any(|(n, _)| n.eq_ignore_ascii_case("Access-Control-Allow-Credentials")));
    }

    #[test]
    fn preflight() {
        let ok =
            cors_preflight(Some("PUT"), Some("Authorization, x-amz-date,X-Amz-Content-Sha256, content-type")).unwrap();
        let get = |name: &str| ok.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        assert_eq!(get("Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(get("Access-Control-Allow-Methods"), Some("GET, PUT, POST, DELETE, HEAD"));
        assert_eq!(
            get("Access-Control-Allow-Headers"),
            Some("authorization, x-amz-date, x-amz-content-sha256, content-type")
        );
        assert!(get("Access-Control-Expose-Headers").unwrap().contains("x-amz-checksum-crc64nvme"));
        assert_eq!(get("Access-Control-Allow-Credentials"), None);
        assert!(cors_preflight(Some("GET"), None).unwrap().iter().all(|(n, _)| n != "Access-Control-Allow-Headers"));
        for (method, headers) in
            [(None, None), (Some("PATCH"), None), (Some("GET"), Some("x\r\ny")), (Some("GET"), Some("a b"))]
        {
            assert_eq!(cors_preflight(method, headers).unwrap_err().status, 403, "{method:?} {headers:?}");
        }
    }
}
