//! Object metadata from a PUT's headers (with S3's 2 KB user-metadata
//! limit), the `response-*` overrides of a signed GET, and the headers of
//! a GET or HEAD object response.

use std::collections::BTreeMap;

use super::{content_range, quote_etag, single_header};
use crate::core::s3::error::{S3Error, MAX_USER_METADATA_BYTES};
use crate::core::time;

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
    /// `(offset, length)` for a 206 response, from [`ByteRange::resolve`](super::ByteRange::resolve).
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
