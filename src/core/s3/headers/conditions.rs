//! Conditional requests: `If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since` and the `x-amz-copy-source-if-*` forms, checked
//! for reads, copy sources and writes; entity-tag comparison.

use super::single_header;
use crate::core::s3::error::S3Error;
use crate::core::time;

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
