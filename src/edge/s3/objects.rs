//! Objects and listings on R2: GetObject and HeadObject (ranges and
//! conditions), ListObjects, PutObject, CopyObject, DeleteObjects, and the
//! mapping between S3's object metadata and R2's.

use std::collections::HashMap;

use worker::{Bucket, Conditional, Data, FixedLengthStream, Headers, HttpMetadata, Include, Range, Request, Response};

use crate::core::s3::body::BodyDigests;
use crate::core::s3::checksum::ChecksumAlgorithm;
use crate::core::s3::error::S3Error;
use crate::core::s3::headers::{object_response_headers, s3_response_headers, ObjectHeaders, ObjectMetadata};
use crate::core::s3::request::{
    delete_object_authorization, encode_continuation_token, CopyObjectParams, GetObjectParams, ListObjectsParams,
    MetadataDirective, PutObjectParams,
};
use crate::core::s3::xml::{self, DeleteOutcome, ListPage, ListedObject};
use crate::core::service::s3::S3Grant;

use super::upload::{body_outcome, checked_body, small_body};
use super::{r2_failed, S3Context};

/// Custom-metadata name for `Expires` (user metadata names are lowercase,
/// so a capitalised name cannot collide with one).
const EXPIRES_META: &str = "Expires";
/// Custom-metadata prefix of a stored object's verified checksum
/// (`Checksum-CRC32`, …; capitalised like [`EXPIRES_META`]).
const CHECKSUM_META: &str = "Checksum-";

/// The checksum a PUT declares in a header (known before the body, so it
/// can be stored with the object; the body is checked against it before
/// the write completes). A trailing checksum arrives too late to store.
fn declared_checksum(req: &Request) -> Option<(String, String)> {
    ChecksumAlgorithm::ALL.iter().find_map(|alg| {
        let value = req.headers().get(alg.header_name()).ok().flatten()?;
        Some((format!("{CHECKSUM_META}{}", alg.sdk_name()), value.trim().to_owned()))
    })
}

/// The stored checksums of `object`, as `(algorithm, base64)` for the
/// `x-amz-checksum-*` headers.
fn stored_checksums(object: &worker::Object) -> Vec<(String, String)> {
    let metadata = object.custom_metadata().unwrap_or_default();
    metadata
        .into_iter()
        .filter_map(|(name, value)| {
            let algorithm = ChecksumAlgorithm::from_sdk_name(name.strip_prefix(CHECKSUM_META)?)?;
            Some((algorithm.sdk_name().to_ascii_lowercase(), value))
        })
        .collect()
}

pub(super) async fn list_objects(
    cx: &S3Context<'_>,
    bucket: &Bucket,
    bucket_name: &str,
    p: &ListObjectsParams,
    v2: bool,
) -> Result<Response, S3Error> {
    let limit = p.limit();
    let (mut objects, mut prefixes, mut next_token, mut truncated) = (Vec::new(), Vec::new(), None, false);
    if limit > 0 {
        let mut list = bucket.list().limit(limit).include(vec![Include::HttpMetadata]);
        if let Some(prefix) = &p.prefix {
            list = list.prefix(prefix.clone());
        }
        if let Some(delimiter) = &p.delimiter {
            list = list.delimiter(delimiter.clone());
        }
        if let Some(cursor) = &p.cursor {
            list = list.cursor(cursor.clone());
        } else if let Some(after) = p.start_after.as_ref().or(p.marker.as_ref()) {
            list = list.start_after(after.clone());
        }
        let page = list.execute().await.map_err(r2_failed)?;
        objects = page
            .objects()
            .iter()
            .map(|o| ListedObject {
                key: o.key(),
                last_modified_ms: o.uploaded().as_millis(),
                etag: o.etag(),
                size: o.size(),
            })
            .collect();
        prefixes = page.delimited_prefixes();
        truncated = page.truncated();
        next_token = page.cursor().filter(|_| truncated).map(|c| encode_continuation_token(&c));
    }
    let next_marker = if truncated && p.delimiter.is_some() {
        objects.last().map(|o| o.key.clone()).into_iter().chain(prefixes.last().cloned()).max()
    } else {
        None
    };
    let owner = cx.owner();
    let page = ListPage {
        objects: &objects,
        common_prefixes: &prefixes,
        is_truncated: truncated,
        next_continuation_token: next_token.as_deref(),
        next_marker: next_marker.as_deref(),
        owner: Some(&owner),
    };
    let body = if v2 {
        xml::list_objects_v2_result(bucket_name, p, &page)
    } else {
        xml::list_objects_result(bucket_name, p, &page)
    };
    cx.ok(200, Vec::new(), body)
}

pub(super) async fn get_object(
    cx: &S3Context<'_>,
    bucket: &Bucket,
    key: &str,
    p: &GetObjectParams,
    head: bool,
) -> Result<Response, S3Error> {
    // A plain GET is one R2 call; ranges and conditions first learn the
    // object's size and ETag.
    let known = if p.range.is_some() || !p.conditions.is_empty() || head {
        let object = bucket.head(key.to_owned()).await.map_err(r2_failed)?;
        let object = object.ok_or_else(|| S3Error::no_such_key(key))?;
        if let Err(e) = p.conditions.check_read(&object.etag(), object.uploaded().as_millis() / 1000) {
            if e.is_not_modified() {
                let headers = vec![("ETag".to_owned(), format!("\"{}\"", object.etag()))];
                return cx.ok(304, headers, Vec::new());
            }
            return Err(e);
        }
        Some(object)
    } else {
        None
    };
    let range = match (&p.range, &known) {
        (Some(r), Some(o)) => Some(r.resolve(o.size())?),
        _ => None,
    };
    if head {
        let object = known.ok_or_else(S3Error::internal_error)?;
        let headers = object_headers(&object, range, p);
        return cx.ok(if range.is_some() { 206 } else { 200 }, headers, Vec::new());
    }
    let mut get = bucket.get(key.to_owned());
    if let Some((offset, length)) = range {
        get = get.range(Range::OffsetWithLength { offset, length });
    }
    if let Some(o) = &known {
        get = get.only_if(Conditional { etag_matches: Some(o.etag()), ..Default::default() });
    }
    let object = get.execute().await.map_err(r2_failed)?.ok_or_else(|| S3Error::no_such_key(key))?;
    let mut headers = object_headers(&object, range, p);
    headers.extend(s3_response_headers(&cx.request_id, &headers));
    let status = if range.is_some() { 206 } else { 200 };
    let body = object.body().ok_or_else(S3Error::internal_error)?.response_body().map_err(r2_failed)?;
    let out = Headers::new();
    for (k, v) in &headers {
        out.append(k, v).map_err(|_| S3Error::internal_error())?;
    }
    Ok(Response::from_body(body).map_err(|_| S3Error::internal_error())?.with_status(status).with_headers(out))
}

fn object_headers(object: &worker::Object, range: Option<(u64, u64)>, p: &GetObjectParams) -> Vec<(String, String)> {
    let metadata = stored_metadata(object);
    // Sent only when asked for (`x-amz-checksum-mode: ENABLED`), as S3.
    let checksums = if p.checksum_mode { stored_checksums(object) } else { Vec::new() };
    let checksums: Vec<(&str, String)> = checksums.iter().map(|(a, v)| (a.as_str(), v.clone())).collect();
    object_response_headers(&ObjectHeaders {
        metadata: &metadata,
        etag: &object.etag(),
        last_modified: object.uploaded().as_millis() / 1000,
        size: object.size(),
        range,
        checksums: &checksums,
        overrides: &p.overrides,
    })
}

pub(super) fn http_metadata(m: &ObjectMetadata) -> HttpMetadata {
    HttpMetadata {
        content_type: m.content_type.clone(),
        content_language: m.content_language.clone(),
        content_disposition: m.content_disposition.clone(),
        content_encoding: m.content_encoding.clone(),
        cache_control: m.cache_control.clone(),
        cache_expiry: None,
    }
}

pub(super) fn custom_metadata(m: &ObjectMetadata) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = m.user.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(expires) = &m.expires {
        out.insert(EXPIRES_META.to_owned(), expires.clone());
    }
    out
}

fn stored_metadata(object: &worker::Object) -> ObjectMetadata {
    let http = object.http_metadata();
    let mut user: std::collections::BTreeMap<String, String> =
        object.custom_metadata().unwrap_or_default().into_iter().collect();
    let expires = user.remove(EXPIRES_META);
    user.retain(|name, _| !name.starts_with(CHECKSUM_META));
    ObjectMetadata {
        content_type: http.content_type,
        content_encoding: http.content_encoding,
        content_disposition: http.content_disposition,
        content_language: http.content_language,
        cache_control: http.cache_control,
        expires,
        user,
    }
}

/// The answer headers of a stored upload: its ETag and verified checksum.
pub(super) fn digest_headers(etag: String, digests: &BodyDigests) -> Vec<(String, String)> {
    let mut headers = vec![("ETag".to_owned(), etag)];
    if let Some(c) = &digests.checksum {
        headers.push((c.algorithm.header_name().to_owned(), c.to_base64()));
    }
    headers
}

pub(super) async fn put_object(
    req: &mut Request,
    cx: &S3Context<'_>,
    grant: &S3Grant,
    bucket: &Bucket,
    key: &str,
    p: &PutObjectParams,
) -> Result<Response, S3Error> {
    if !p.conditions.is_empty() {
        let existing = bucket.head(key.to_owned()).await.map_err(r2_failed)?;
        p.conditions.check_write(key, existing.as_ref().map(|o| o.etag()).as_deref())?;
    }
    let mut custom = custom_metadata(&p.metadata);
    custom.extend(declared_checksum(req));
    let (data, outcome) = checked_body(req, &grant.authenticated).await?;
    let put = bucket.put(key.to_owned(), data);
    let put = put.http_metadata(http_metadata(&p.metadata)).custom_metadata(custom);
    let stored = put.execute().await;
    let digests = body_outcome(&outcome, stored.as_ref().map(drop))?;
    cx.ok(200, digest_headers(digests.etag(), &digests), Vec::new())
}

pub(super) async fn copy_object(
    cx: &S3Context<'_>,
    bucket: &Bucket,
    key: &str,
    c: &CopyObjectParams,
) -> Result<Response, S3Error> {
    let source_bucket = cx.bucket(&c.source_bucket)?;
    let source = source_bucket.get(c.source_key.clone()).execute().await.map_err(r2_failed)?;
    let source = source.ok_or_else(|| S3Error::no_such_key(&c.source_key))?;
    c.source_conditions.check_copy_source(&source.etag(), source.uploaded().as_millis() / 1000)?;
    let metadata = match c.metadata_directive {
        MetadataDirective::Copy => stored_metadata(&source),
        MetadataDirective::Replace => c.metadata.clone(),
    };
    let size = source.size();
    let body = source.body().ok_or_else(S3Error::internal_error)?.stream().map_err(r2_failed)?;
    let data = Data::Stream(FixedLengthStream::wrap(body, size));
    let put = bucket.put(key.to_owned(), data);
    let put = put.http_metadata(http_metadata(&metadata)).custom_metadata(custom_metadata(&metadata));
    let copied = put.execute().await.map_err(r2_failed)?.ok_or_else(S3Error::internal_error)?;
    cx.ok(200, Vec::new(), xml::copy_object_result(&copied.etag(), copied.uploaded().as_millis()))
}

/// DeleteObjects: each key is checked on its own; a refused key is an
/// `AccessDenied` entry of the result, the others are deleted.
pub(super) async fn delete_objects(
    req: &mut Request,
    cx: &S3Context<'_>,
    grant: &S3Grant,
    bucket: &Bucket,
    bucket_name: &str,
) -> Result<Response, S3Error> {
    let body = small_body(req, &grant.authenticated).await?;
    let input = xml::parse_delete_objects(&body)?;
    let (allowed, denied): (Vec<String>, Vec<String>) =
        input.keys.into_iter().partition(|k| grant.allows(&delete_object_authorization(bucket_name, k)));
    if !allowed.is_empty() {
        bucket.delete_multiple(allowed.clone()).await.map_err(r2_failed)?;
    }
    let mut outcomes: Vec<DeleteOutcome> = allowed.into_iter().map(DeleteOutcome::Deleted).collect();
    outcomes.extend(denied.into_iter().map(|key| DeleteOutcome::Failed { key, error: S3Error::access_denied() }));
    cx.ok(200, Vec::new(), xml::delete_result(&outcomes, input.quiet))
}
