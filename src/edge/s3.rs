//! The S3 API at the edge: carries out on R2 what the core has allowed
//! (`Service::s3_authorize`). Request bodies stream through the core's
//! `BodyChecker` (aws-chunked framing, chunk signatures, checksums) into R2
//! with a known length; a body that fails its check errors the stream, so
//! R2 stores nothing. Object bodies stream back untouched. Every answer,
//! errors too, is S3's (XML, status, `x-amz-request-id`, CORS).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures_util::{stream, StreamExt};
use worker::{
    Bucket, Conditional, Data, Env, FixedLengthStream, Headers, HttpMetadata, Include, Range, Request, Response,
};

use crate::core::principal::Authenticated;
use crate::core::protocol::HttpRequest;
use crate::core::s3::body::{BodyChecker, BodyDigests, BodyError, BodyHead, ChunkSigning};
use crate::core::s3::error::S3Error;
use crate::core::s3::headers::{
    cors_preflight, object_response_headers, s3_response_headers, ObjectHeaders, ObjectMetadata, ResponseOverrides,
};
use crate::core::s3::request::{
    delete_object_authorization, encode_continuation_token, GetObjectParams, ListObjectsParams, MetadataDirective,
    S3Operation, S3_PREFIX,
};
use crate::core::s3::xml::{self, DeleteOutcome, ListPage, ListedObject, ListedPart, Owner, PartsPage};
use crate::core::service::s3::S3Grant;
use crate::core::store::Store;
use crate::core::time;

use super::kv::KvStore;

/// Largest body read whole (DeleteObjects, CompleteMultipartUpload).
const MAX_XML_BODY: usize = 1 << 20;
/// Largest single PUT S3 takes (5 GiB); Workers' own request limit is lower.
const MAX_PUT_BYTES: u64 = 5 << 30;
/// Custom-metadata name for `Expires` (user metadata names are lowercase,
/// so a capitalised name cannot collide with one).
const EXPIRES_META: &str = "Expires";
/// How long cognate remembers the parts of an upload for ListParts.
const PART_RECORD_TTL: u64 = 7 * 24 * 3600;

/// Whether `path` is the S3 API's.
pub(crate) fn is_s3_path(path: &str) -> bool {
    path == S3_PREFIX || path.starts_with("/s3/")
}

/// What the Worker knows beyond the grant.
pub(crate) struct S3Context<'a> {
    pub(crate) env: &'a Env,
    pub(crate) store: &'a KvStore,
    pub(crate) region: &'a str,
    pub(crate) buckets: &'a [String],
    pub(crate) account_id: &'a str,
    pub(crate) request_id: String,
}

/// The R2 binding of an S3 bucket: `BUCKET_` and the name in upper case,
/// `-` and `.` as `_` (`user-data` is `BUCKET_USER_DATA`).
pub(crate) fn binding_name(bucket: &str) -> String {
    format!("BUCKET_{}", bucket.to_ascii_uppercase().replace(['-', '.'], "_"))
}

/// The head of `req` (its body unread) for the core.
pub(crate) fn head_of(req: &Request) -> Result<HttpRequest, S3Error> {
    let url = req.url().map_err(|_| S3Error::invalid_uri())?;
    Ok(HttpRequest {
        method: req.method().to_string(),
        path: url.path().to_owned(),
        query: url.query().unwrap_or_default().to_owned(),
        headers: req.headers().entries().collect(),
        body: Vec::new(),
    })
}

/// The CORS preflight answer for the S3 API.
pub(crate) fn preflight(req: &Request, request_id: &str) -> worker::Result<Response> {
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let method = header("access-control-request-method");
    let requested = header("access-control-request-headers");
    match cors_preflight(method.as_deref(), requested.as_deref()) {
        Ok(headers) => respond(200, &headers, Vec::new()),
        Err(e) => error_response(&e, request_id, false),
    }
}

/// S3's answer for `e`.
pub(crate) fn error_response(e: &S3Error, request_id: &str, head: bool) -> worker::Result<Response> {
    let mut headers = s3_response_headers(request_id, &[]);
    let body = if head || !e.has_body() { Vec::new() } else { e.to_xml(request_id) };
    if !body.is_empty() {
        headers.push(("content-type".into(), "application/xml".into()));
    }
    respond(e.status, &headers, body)
}

fn respond(status: u16, headers: &[(String, String)], body: Vec<u8>) -> worker::Result<Response> {
    let out = Headers::new();
    for (k, v) in headers {
        out.append(k, v)?;
    }
    let response = if body.is_empty() { Response::empty()? } else { Response::from_bytes(body)? };
    Ok(response.with_status(status).with_headers(out))
}

fn r2_failed(e: worker::Error) -> S3Error {
    let text = e.to_string();
    if text.contains("10024") || text.contains("does not exist") && text.contains("upload") {
        return S3Error::new("NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.");
    }
    if text.contains("10025") || text.contains("part") && text.contains("invalid") {
        return S3Error::new("InvalidPart", 400, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
    }
    if text.contains("10011") || text.contains("too small") {
        return S3Error::new(
            "EntityTooSmall",
            400,
            "Your proposed upload is smaller than the minimum allowed object size.",
        );
    }
    worker::console_error!("s3: R2 failed: {text}");
    S3Error::internal_error()
}

impl S3Context<'_> {
    fn bucket(&self, name: &str) -> Result<Bucket, S3Error> {
        if !self.buckets.iter().any(|b| b == name) {
            return Err(S3Error::no_such_bucket(name));
        }
        self.env.bucket(&binding_name(name)).map_err(|_| S3Error::no_such_bucket(name))
    }

    fn ok(&self, status: u16, mut headers: Vec<(String, String)>, body: Vec<u8>) -> Result<Response, S3Error> {
        let common = s3_response_headers(&self.request_id, &headers);
        if !body.is_empty() {
            headers.push(("content-type".into(), "application/xml".into()));
        }
        headers.extend(common);
        respond(status, &headers, body).map_err(|_| S3Error::internal_error())
    }

    fn owner(&self) -> Owner {
        Owner { id: self.account_id.to_owned(), display_name: "cognate".to_owned() }
    }
}

/// Carries out an allowed request.
pub(crate) async fn serve(mut req: Request, cx: &S3Context<'_>, grant: S3Grant) -> Result<Response, S3Error> {
    let bucket_name = grant.request.bucket.clone().unwrap_or_default();
    let key = grant.request.key.clone().unwrap_or_default();
    match &grant.request.operation {
        S3Operation::ListBuckets => {
            let buckets: Vec<xml::BucketEntry> =
                cx.buckets.iter().map(|name| xml::BucketEntry { name: name.clone(), creation_date_ms: 0 }).collect();
            cx.ok(200, Vec::new(), xml::list_all_my_buckets_result(&cx.owner(), &buckets))
        }
        S3Operation::HeadBucket => {
            cx.bucket(&bucket_name)?;
            cx.ok(200, vec![("x-amz-bucket-region".into(), cx.region.to_owned())], Vec::new())
        }
        S3Operation::GetBucketLocation => {
            cx.bucket(&bucket_name)?;
            cx.ok(200, Vec::new(), xml::location_constraint(cx.region))
        }
        S3Operation::ListObjectsV2(p) | S3Operation::ListObjects(p) => {
            let v2 = matches!(grant.request.operation, S3Operation::ListObjectsV2(_));
            list_objects(cx, &cx.bucket(&bucket_name)?, &bucket_name, p, v2).await
        }
        S3Operation::GetObject(p) => get_object(cx, &cx.bucket(&bucket_name)?, &key, p, false).await,
        S3Operation::HeadObject(p) => get_object(cx, &cx.bucket(&bucket_name)?, &key, p, true).await,
        S3Operation::PutObject(p) => {
            let bucket = cx.bucket(&bucket_name)?;
            if !p.conditions.is_empty() {
                let existing = bucket.head(key.clone()).await.map_err(r2_failed)?;
                p.conditions.check_write(&key, existing.as_ref().map(|o| o.etag()).as_deref())?;
            }
            let (data, outcome) = checked_body(&mut req, &grant.authenticated).await?;
            let put = bucket.put(key.clone(), data);
            let put = put.http_metadata(http_metadata(&p.metadata)).custom_metadata(custom_metadata(&p.metadata));
            let stored = put.execute().await;
            let digests = body_outcome(&outcome, stored.map(drop))?;
            let mut headers = vec![("ETag".to_owned(), digests.etag())];
            if let Some(c) = &digests.checksum {
                headers.push((c.algorithm.header_name().to_owned(), c.to_base64()));
            }
            cx.ok(200, headers, Vec::new())
        }
        S3Operation::CopyObject(c) => {
            let bucket = cx.bucket(&bucket_name)?;
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
            let put = bucket.put(key.clone(), data);
            let put = put.http_metadata(http_metadata(&metadata)).custom_metadata(custom_metadata(&metadata));
            let copied = put.execute().await.map_err(r2_failed)?.ok_or_else(S3Error::internal_error)?;
            cx.ok(200, Vec::new(), xml::copy_object_result(&copied.etag(), copied.uploaded().as_millis()))
        }
        S3Operation::DeleteObject => {
            cx.bucket(&bucket_name)?.delete(key.clone()).await.map_err(r2_failed)?;
            cx.ok(204, Vec::new(), Vec::new())
        }
        S3Operation::DeleteObjects => {
            let bucket = cx.bucket(&bucket_name)?;
            let body = small_body(&mut req, &grant.authenticated).await?;
            let input = xml::parse_delete_objects(&body)?;
            let (allowed, denied): (Vec<String>, Vec<String>) =
                input.keys.into_iter().partition(|k| grant.allows(&delete_object_authorization(&bucket_name, k)));
            if !allowed.is_empty() {
                bucket.delete_multiple(allowed.clone()).await.map_err(r2_failed)?;
            }
            let mut outcomes: Vec<DeleteOutcome> = allowed.into_iter().map(DeleteOutcome::Deleted).collect();
            outcomes
                .extend(denied.into_iter().map(|key| DeleteOutcome::Failed { key, error: S3Error::access_denied() }));
            cx.ok(200, Vec::new(), xml::delete_result(&outcomes, input.quiet))
        }
        S3Operation::CreateMultipartUpload(p) => {
            let bucket = cx.bucket(&bucket_name)?;
            let create = bucket.create_multipart_upload(key.clone());
            let create = create.http_metadata(http_metadata(&p.metadata)).custom_metadata(custom_metadata(&p.metadata));
            let upload = create.execute().await.map_err(r2_failed)?;
            let upload_id = upload.upload_id().await;
            // Part "0" marks the upload as open (R2 cannot say) for ListParts.
            let marker = part_record_key(&upload_id, 0);
            let options = crate::core::store::PutOptions { metadata: None, ttl: Some(PART_RECORD_TTL) };
            if let Err(e) = cx.store.put(&marker, "", options).await {
                worker::console_error!("s3: recording an upload for ListParts failed: {e}");
            }
            cx.ok(200, Vec::new(), xml::initiate_multipart_upload_result(&bucket_name, &key, &upload_id))
        }
        S3Operation::UploadPart { upload_id, part_number } => {
            let bucket = cx.bucket(&bucket_name)?;
            let upload = bucket.resume_multipart_upload(key.clone(), upload_id.clone()).map_err(r2_failed)?;
            let (data, outcome) = checked_body(&mut req, &grant.authenticated).await?;
            let uploaded = upload.upload_part(*part_number, data).await;
            let digests = body_outcome(
                &outcome,
                uploaded.as_ref().map(drop).map_err(|e| worker::Error::RustError(e.to_string())),
            )?;
            let part = uploaded.map_err(r2_failed)?;
            let record = serde_json::json!({ "e": part.etag(), "s": digests.decoded_length, "t": time_ms() });
            let part_key = part_record_key(upload_id, *part_number);
            let options =
                crate::core::store::PutOptions { metadata: Some(record.to_string()), ttl: Some(PART_RECORD_TTL) };
            if let Err(e) = cx.store.put(&part_key, "", options).await {
                worker::console_error!("s3: recording a part for ListParts failed: {e}");
            }
            let mut headers = vec![("ETag".to_owned(), format!("\"{}\"", part.etag().trim_matches('"')))];
            if let Some(c) = &digests.checksum {
                headers.push((c.algorithm.header_name().to_owned(), c.to_base64()));
            }
            cx.ok(200, headers, Vec::new())
        }
        S3Operation::CompleteMultipartUpload { upload_id, conditions } => {
            let bucket = cx.bucket(&bucket_name)?;
            if !conditions.is_empty() {
                let existing = bucket.head(key.clone()).await.map_err(r2_failed)?;
                conditions.check_write(&key, existing.as_ref().map(|o| o.etag()).as_deref())?;
            }
            let body = small_body(&mut req, &grant.authenticated).await?;
            let parts = xml::parse_complete_multipart_upload(&body)?;
            check_part_sizes(cx, upload_id, &parts).await?;
            let upload = bucket.resume_multipart_upload(key.clone(), upload_id.clone()).map_err(r2_failed)?;
            let parts: Vec<worker::UploadedPart> = parts
                .into_iter()
                .map(|p| worker::UploadedPart::new(p.part_number, p.etag.trim_matches('"').to_owned()))
                .collect();
            let object = upload.complete(parts).await.map_err(r2_failed)?;
            forget_parts(cx, upload_id).await;
            let location = format!("{S3_PREFIX}/{bucket_name}/{key}");
            cx.ok(200, Vec::new(), xml::complete_multipart_upload_result(&location, &bucket_name, &key, &object.etag()))
        }
        S3Operation::AbortMultipartUpload { upload_id } => {
            let bucket = cx.bucket(&bucket_name)?;
            let upload = bucket.resume_multipart_upload(key.clone(), upload_id.clone()).map_err(r2_failed)?;
            upload.abort().await.map_err(r2_failed)?;
            forget_parts(cx, upload_id).await;
            cx.ok(204, Vec::new(), Vec::new())
        }
        S3Operation::ListParts { upload_id, max_parts, part_number_marker } => {
            cx.bucket(&bucket_name)?;
            let limit = (*max_parts).clamp(1, 1000);
            let listed = cx
                .store
                .list(&part_record_prefix(upload_id), None, 1000)
                .await
                .map_err(|_| S3Error::internal_error())?;
            if !listed.keys.iter().any(|k| k.name == part_record_key(upload_id, 0)) {
                return Err(S3Error::no_such_upload(upload_id));
            }
            let mut parts: Vec<ListedPart> = listed
                .keys
                .iter()
                .filter_map(|k| {
                    let number: u16 = k.name.rsplit('/').next()?.parse().ok()?;
                    let meta: serde_json::Value = serde_json::from_str(k.metadata.as_deref()?).ok()?;
                    Some(ListedPart {
                        part_number: number,
                        last_modified_ms: meta["t"].as_u64().unwrap_or(0),
                        etag: meta["e"].as_str().unwrap_or_default().to_owned(),
                        size: meta["s"].as_u64().unwrap_or(0),
                    })
                })
                .filter(|p| u32::from(p.part_number) > *part_number_marker)
                .collect();
            let is_truncated = parts.len() > limit as usize;
            parts.truncate(limit as usize);
            let owner = cx.owner();
            let page = PartsPage {
                bucket: &bucket_name,
                key: &key,
                upload_id,
                part_number_marker: *part_number_marker,
                max_parts: *max_parts,
                is_truncated,
                parts: &parts,
                owner: Some(&owner),
            };
            cx.ok(200, Vec::new(), xml::list_parts_result(&page))
        }
    }
}

fn time_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn part_record_prefix(upload_id: &str) -> String {
    use sha2::Digest;
    format!("s3-part/{}/", hex::encode(sha2::Sha256::digest(upload_id.as_bytes())))
}

fn part_record_key(upload_id: &str, part_number: u16) -> String {
    format!("{}{part_number:05}", part_record_prefix(upload_id))
}

/// S3's minimum part size (every part but the last), checked against the
/// sizes recorded as the parts came in (a part not recorded is not judged).
const MIN_PART_BYTES: u64 = 5 << 20;

async fn check_part_sizes(cx: &S3Context<'_>, upload_id: &str, parts: &[xml::CompletedPart]) -> Result<(), S3Error> {
    let Some((_, all_but_last)) = parts.split_last() else { return Ok(()) };
    let Ok(page) = cx.store.list(&part_record_prefix(upload_id), None, 1000).await else { return Ok(()) };
    for part in all_but_last {
        let key = part_record_key(upload_id, part.part_number);
        let size = page.keys.iter().find(|k| k.name == key).and_then(|k| {
            let meta: serde_json::Value = serde_json::from_str(k.metadata.as_deref()?).ok()?;
            meta["s"].as_u64()
        });
        if let Some(size) = size.filter(|s| *s < MIN_PART_BYTES) {
            return Err(S3Error::entity_too_small(size, MIN_PART_BYTES));
        }
    }
    Ok(())
}

async fn forget_parts(cx: &S3Context<'_>, upload_id: &str) {
    if let Ok(page) = cx.store.list(&part_record_prefix(upload_id), None, 1000).await {
        for k in page.keys {
            let _ = cx.store.delete(&k.name).await;
        }
    }
}

async fn list_objects(
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

async fn get_object(
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
        let headers = object_headers(&object, range, &p.overrides);
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
    let mut headers = object_headers(&object, range, &p.overrides);
    headers.extend(s3_response_headers(&cx.request_id, &headers));
    let status = if range.is_some() { 206 } else { 200 };
    let body = object.body().ok_or_else(S3Error::internal_error)?.response_body().map_err(r2_failed)?;
    let out = Headers::new();
    for (k, v) in &headers {
        out.append(k, v).map_err(|_| S3Error::internal_error())?;
    }
    Ok(Response::from_body(body).map_err(|_| S3Error::internal_error())?.with_status(status).with_headers(out))
}

fn object_headers(
    object: &worker::Object,
    range: Option<(u64, u64)>,
    overrides: &ResponseOverrides,
) -> Vec<(String, String)> {
    let metadata = stored_metadata(object);
    object_response_headers(&ObjectHeaders {
        metadata: &metadata,
        etag: &object.etag(),
        last_modified: object.uploaded().as_millis() / 1000,
        size: object.size(),
        range,
        checksums: &[],
        overrides,
    })
}

fn http_metadata(m: &ObjectMetadata) -> HttpMetadata {
    HttpMetadata {
        content_type: m.content_type.clone(),
        content_language: m.content_language.clone(),
        content_disposition: m.content_disposition.clone(),
        content_encoding: m.content_encoding.clone(),
        cache_control: m.cache_control.clone(),
        cache_expiry: None,
    }
}

fn custom_metadata(m: &ObjectMetadata) -> HashMap<String, String> {
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

type Outcome = Rc<RefCell<Option<Result<BodyDigests, BodyError>>>>;

/// An upload body on its way to R2: the client's bytes, their checker, the
/// decoded bytes held back, and where the check's outcome lands.
struct Pump {
    input: futures_util::stream::LocalBoxStream<'static, worker::Result<Vec<u8>>>,
    checker: Option<BodyChecker>,
    held: Vec<u8>,
    outcome: Outcome,
}

impl Pump {
    fn refuse(&mut self, e: BodyError) -> worker::Error {
        let error = worker::Error::RustError(format!("body refused: {}", e.code()));
        *self.outcome.borrow_mut() = Some(Err(e));
        error
    }
}

fn chunk_signing(auth: &Authenticated) -> Option<ChunkSigning> {
    let a = &auth.authorization;
    let seed = a.seed_signature()?;
    let amz_date = time::format_amz_date(a.request_time);
    Some(ChunkSigning::new(*auth.expose_signing_key(), amz_date, a.credential_scope(), seed))
}

fn body_error(e: &BodyError) -> S3Error {
    S3Error::new(e.code(), e.status(), e.message())
}

/// The request body as a checked stream of its decoded bytes, with the
/// slot where its check's outcome lands when the stream ends.
async fn checked_body(req: &mut Request, auth: &Authenticated) -> Result<(Data, Outcome), S3Error> {
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let signing = chunk_signing(auth);
    let head = BodyHead { payload: auth.authorization.payload, headers: &headers, signing: signing.as_ref() };
    let checker = BodyChecker::new(&head).map_err(|e| body_error(&e))?;
    // The checker has refused a streaming body without a decoded length.
    let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
    let declared = if auth.authorization.payload.is_streaming() {
        header("x-amz-decoded-content-length")
    } else {
        header("content-length")
    };
    let length: Option<u64> = declared.and_then(|v| v.parse().ok());
    let length = length.ok_or_else(S3Error::missing_content_length)?;
    if length > MAX_PUT_BYTES {
        return Err(S3Error::entity_too_large(length, MAX_PUT_BYTES));
    }
    let outcome: Outcome = Rc::new(RefCell::new(None));
    if length == 0 {
        // Nothing to hold back: check the (empty) body before writing.
        let raw = req.bytes().await.unwrap_or_default();
        let mut checker = checker;
        let mut decoded = Vec::new();
        let checked = checker.feed(&raw, &mut decoded).and_then(|()| checker.finish());
        let digests = checked.map_err(|e| body_error(&e))?;
        if !decoded.is_empty() {
            return Err(S3Error::incomplete_body());
        }
        *outcome.borrow_mut() = Some(Ok(digests));
        return Ok((Data::Bytes(Vec::new()), outcome));
    }
    let input = match req.stream() {
        Ok(s) => s.boxed_local(),
        Err(_) => stream::empty().boxed_local(),
    };
    // The last decoded bytes are held back until the whole body has passed
    // its checks: R2 completes a write once it has all the bytes, so a
    // refusal must come before the last of them.
    let pump = Pump { input, checker: Some(checker), held: Vec::new(), outcome: outcome.clone() };
    let body = stream::unfold(Some(pump), |state| async move {
        let mut pump = state?;
        loop {
            match pump.input.next().await {
                Some(Ok(chunk)) => {
                    let mut out = Vec::with_capacity(chunk.len());
                    let fed = pump.checker.as_mut().map(|c| c.feed(&chunk, &mut out));
                    if let Some(Err(e)) = fed {
                        return Some((Err(pump.refuse(e)), None));
                    }
                    if out.is_empty() {
                        continue;
                    }
                    let ready = std::mem::replace(&mut pump.held, out);
                    if !ready.is_empty() {
                        return Some((Ok(ready), Some(pump)));
                    }
                }
                Some(Err(e)) => return Some((Err(e), None)),
                None => {
                    let finished = pump.checker.take()?.finish();
                    return match finished {
                        Ok(digests) => {
                            *pump.outcome.borrow_mut() = Some(Ok(digests));
                            let last = std::mem::take(&mut pump.held);
                            (!last.is_empty()).then_some((Ok(last), Some(pump)))
                        }
                        Err(e) => Some((Err(pump.refuse(e)), None)),
                    };
                }
            }
        }
    });
    Ok((Data::Stream(FixedLengthStream::wrap(body, length)), outcome))
}

/// The outcome of a checked upload: the body's own refusal wins over the
/// store's failure it caused.
fn body_outcome(outcome: &Outcome, stored: worker::Result<()>) -> Result<BodyDigests, S3Error> {
    match (outcome.borrow_mut().take(), stored) {
        (Some(Err(e)), _) => Err(body_error(&e)),
        (Some(Ok(digests)), Ok(())) => Ok(digests),
        (None, Ok(())) => Err(S3Error::incomplete_body()),
        (_, Err(e)) => Err(r2_failed(e)),
    }
}

/// A small body (an XML request) read whole and checked.
async fn small_body(req: &mut Request, auth: &Authenticated) -> Result<Vec<u8>, S3Error> {
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let signing = chunk_signing(auth);
    let head = BodyHead { payload: auth.authorization.payload, headers: &headers, signing: signing.as_ref() };
    let mut checker = BodyChecker::new(&head).map_err(|e| body_error(&e))?;
    let raw = req.bytes().await.map_err(|_| S3Error::incomplete_body())?;
    if raw.len() > MAX_XML_BODY {
        return Err(S3Error::malformed_xml());
    }
    let mut body = Vec::with_capacity(raw.len());
    checker.feed(&raw, &mut body).map_err(|e| body_error(&e))?;
    checker.finish().map_err(|e| body_error(&e))?;
    Ok(body)
}
