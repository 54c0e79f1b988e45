//! Multipart uploads on R2: create, upload a part, complete, abort and list
//! the parts. R2's binding cannot list an upload's parts or say whether an
//! upload is open, so cognate records both in KV (`s3-part/`, see the
//! storage schema): part "0" marks an open upload, the others hold each
//! part's ETag, size and time. The records are written by the Worker, not
//! the Durable Object: they can lag like any KV write, and expire after a
//! week.

use worker::{Bucket, Request, Response};

use crate::core::s3::error::S3Error;
use crate::core::s3::headers::Conditions;
use crate::core::s3::request::{PutObjectParams, S3_PREFIX};
use crate::core::s3::xml::{self, ListedPart, PartsPage};
use crate::core::service::s3::S3Grant;
use crate::core::store::{PutOptions, Store};

use super::objects::{custom_metadata, digest_headers, http_metadata};
use super::upload::{body_outcome, checked_body, small_body};
use super::{r2_failed, S3Context, Target};

/// How long cognate remembers the parts of an upload for ListParts.
const PART_RECORD_TTL: u64 = 7 * 24 * 3600;
/// S3's minimum part size (every part but the last).
const MIN_PART_BYTES: u64 = 5 << 20;
/// The number of the record that marks an upload as open.
const OPEN_MARKER: u16 = 0;

fn record_prefix(upload_id: &str) -> String {
    use sha2::Digest;
    format!("s3-part/{}/", hex::encode(sha2::Sha256::digest(upload_id.as_bytes())))
}

fn record_key(upload_id: &str, part_number: u16) -> String {
    format!("{}{part_number:05}", record_prefix(upload_id))
}

async fn record(cx: &S3Context<'_>, key: &str, metadata: Option<String>) {
    let options = PutOptions { metadata, ttl: Some(PART_RECORD_TTL) };
    if let Err(e) = cx.store.put(key, "", options).await {
        worker::console_error!("s3: recording a multipart upload for ListParts failed: {e}");
    }
}

/// The recorded parts of an upload in part order, or `None` if the upload
/// is not open.
async fn recorded_parts(cx: &S3Context<'_>, upload_id: &str) -> Result<Option<Vec<ListedPart>>, S3Error> {
    let page = cx.store.list(&record_prefix(upload_id), None, 1000).await.map_err(|_| S3Error::internal_error())?;
    if !page.keys.iter().any(|k| k.name == record_key(upload_id, OPEN_MARKER)) {
        return Ok(None);
    }
    let parts = page
        .keys
        .iter()
        .filter_map(|k| {
            let part_number: u16 = k.name.rsplit('/').next()?.parse().ok()?;
            let meta: serde_json::Value = serde_json::from_str(k.metadata.as_deref()?).ok()?;
            Some(ListedPart {
                part_number,
                last_modified_ms: meta["t"].as_u64()?,
                etag: meta["e"].as_str()?.to_owned(),
                size: meta["s"].as_u64()?,
            })
        })
        .filter(|p| p.part_number != OPEN_MARKER)
        .collect();
    Ok(Some(parts))
}

async fn forget(cx: &S3Context<'_>, upload_id: &str) {
    if let Ok(page) = cx.store.list(&record_prefix(upload_id), None, 1000).await {
        for k in page.keys {
            let _ = cx.store.delete(&k.name).await;
        }
    }
}

pub(super) async fn create(
    cx: &S3Context<'_>,
    bucket: &Bucket,
    bucket_name: &str,
    key: &str,
    p: &PutObjectParams,
) -> Result<Response, S3Error> {
    let create = bucket.create_multipart_upload(key.to_owned());
    let create = create.http_metadata(http_metadata(&p.metadata)).custom_metadata(custom_metadata(&p.metadata));
    let upload = create.execute().await.map_err(r2_failed)?;
    let upload_id = upload.upload_id().await;
    record(cx, &record_key(&upload_id, OPEN_MARKER), None).await;
    cx.ok(200, Vec::new(), xml::initiate_multipart_upload_result(bucket_name, key, &upload_id))
}

pub(super) async fn upload_part(
    req: &mut Request,
    cx: &S3Context<'_>,
    grant: &S3Grant,
    target: &Target<'_>,
    upload_id: &str,
    part_number: u16,
) -> Result<Response, S3Error> {
    let Target { bucket, key, .. } = target;
    let upload = bucket.resume_multipart_upload(key.to_owned(), upload_id.to_owned()).map_err(r2_failed)?;
    let (data, outcome) = checked_body(req, &grant.authenticated).await?;
    let uploaded = upload.upload_part(part_number, data).await;
    let digests = body_outcome(&outcome, uploaded.as_ref().map(drop))?;
    let part = uploaded.map_err(r2_failed)?;
    let etag = part.etag();
    let now_ms = js_sys::Date::now() as u64;
    let meta = serde_json::json!({ "e": etag, "s": digests.decoded_length, "t": now_ms });
    record(cx, &record_key(upload_id, part_number), Some(meta.to_string())).await;
    cx.ok(200, digest_headers(format!("\"{}\"", etag.trim_matches('"')), &digests), Vec::new())
}

pub(super) async fn complete(
    req: &mut Request,
    cx: &S3Context<'_>,
    grant: &S3Grant,
    target: &Target<'_>,
    upload_id: &str,
    conditions: &Conditions,
) -> Result<Response, S3Error> {
    let Target { bucket, bucket_name, key } = *target;
    if !conditions.is_empty() {
        let existing = bucket.head(key.to_owned()).await.map_err(r2_failed)?;
        conditions.check_write(key, existing.as_ref().map(|o| o.etag()).as_deref())?;
    }
    let body = small_body(req, &grant.authenticated).await?;
    let parts = xml::parse_complete_multipart_upload(&body)?;
    // Sizes as recorded when the parts came in (a part not recorded is not judged).
    if let (Some(recorded), Some((_, all_but_last))) = (recorded_parts(cx, upload_id).await?, parts.split_last()) {
        for part in all_but_last {
            let size = recorded.iter().find(|r| r.part_number == part.part_number).map(|r| r.size);
            if let Some(size) = size.filter(|s| *s < MIN_PART_BYTES) {
                return Err(S3Error::entity_too_small(size, MIN_PART_BYTES));
            }
        }
    }
    let upload = bucket.resume_multipart_upload(key.to_owned(), upload_id.to_owned()).map_err(r2_failed)?;
    let parts: Vec<worker::UploadedPart> = parts
        .into_iter()
        .map(|p| worker::UploadedPart::new(p.part_number, p.etag.trim_matches('"').to_owned()))
        .collect();
    let object = upload.complete(parts).await.map_err(r2_failed)?;
    forget(cx, upload_id).await;
    let location = format!("{S3_PREFIX}/{bucket_name}/{key}");
    cx.ok(200, Vec::new(), xml::complete_multipart_upload_result(&location, bucket_name, key, &object.etag()))
}

pub(super) async fn abort(
    cx: &S3Context<'_>,
    bucket: &Bucket,
    key: &str,
    upload_id: &str,
) -> Result<Response, S3Error> {
    let upload = bucket.resume_multipart_upload(key.to_owned(), upload_id.to_owned()).map_err(r2_failed)?;
    upload.abort().await.map_err(r2_failed)?;
    forget(cx, upload_id).await;
    cx.ok(204, Vec::new(), Vec::new())
}

pub(super) async fn list_parts(
    cx: &S3Context<'_>,
    bucket_name: &str,
    key: &str,
    upload_id: &str,
    max_parts: u32,
    part_number_marker: u32,
) -> Result<Response, S3Error> {
    let mut parts = recorded_parts(cx, upload_id).await?.ok_or_else(|| S3Error::no_such_upload(upload_id))?;
    parts.retain(|p| u32::from(p.part_number) > part_number_marker);
    let limit = max_parts.clamp(1, 1000) as usize;
    let is_truncated = parts.len() > limit;
    parts.truncate(limit);
    let owner = cx.owner();
    let page = PartsPage {
        bucket: bucket_name,
        key,
        upload_id,
        part_number_marker,
        max_parts,
        is_truncated,
        parts: &parts,
        owner: Some(&owner),
    };
    cx.ok(200, Vec::new(), xml::list_parts_result(&page))
}
