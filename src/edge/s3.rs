//! The S3 API at the edge: carries out on R2 what the core has allowed
//! (`Service::s3_authorize`). Request bodies stream through the core's
//! `BodyChecker` (aws-chunked framing, chunk signatures, checksums) into R2
//! with a known length; a body that fails its check errors the stream, so
//! R2 stores nothing. Object bodies stream back untouched. Every answer,
//! errors too, is S3's (XML, status, `x-amz-request-id`, CORS).

mod multipart;
mod objects;
mod upload;

use worker::{Bucket, Env, Headers, Request, Response};

use crate::core::protocol::HttpRequest;
use crate::core::s3::error::S3Error;
use crate::core::s3::headers::{cors_preflight, s3_response_headers};
use crate::core::s3::request::{S3Operation, S3_PREFIX};
use crate::core::s3::xml::{self, Owner};
use crate::core::service::s3::S3Grant;

use super::kv::KvStore;

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

/// The object a request addresses.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) bucket: &'a Bucket,
    pub(crate) bucket_name: &'a str,
    pub(crate) key: &'a str,
}

/// The R2 binding of an S3 bucket: `BUCKET_` and the name in upper case,
/// `-` and `.` as `_` (`user-data` is `BUCKET_USER_DATA`).
pub(crate) fn binding_name(bucket: &str) -> String {
    format!("BUCKET_{}", bucket.to_ascii_uppercase().replace(['-', '.'], "_"))
}

/// The head of `req` (its body unread) for the core.
pub(crate) fn head_of(req: &Request) -> Result<HttpRequest, S3Error> {
    super::request_head(req).ok_or_else(S3Error::invalid_uri)
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

fn r2_failed(e: impl std::fmt::Display) -> S3Error {
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

fn list_buckets(cx: &S3Context<'_>) -> Result<Response, S3Error> {
    let buckets: Vec<xml::BucketEntry> =
        cx.buckets.iter().map(|name| xml::BucketEntry { name: name.clone(), creation_date_ms: 0 }).collect();
    cx.ok(200, Vec::new(), xml::list_all_my_buckets_result(&cx.owner(), &buckets))
}

/// Carries out an allowed request.
pub(crate) async fn serve(mut req: Request, cx: &S3Context<'_>, grant: S3Grant) -> Result<Response, S3Error> {
    let bucket_name = grant.request.bucket.clone().unwrap_or_default();
    let key = grant.request.key.clone().unwrap_or_default();
    let req = &mut req;
    let bucket = match &grant.request.operation {
        S3Operation::ListBuckets => return list_buckets(cx),
        _ => cx.bucket(&bucket_name)?,
    };
    match &grant.request.operation {
        S3Operation::ListBuckets => list_buckets(cx),
        S3Operation::HeadBucket => cx.ok(200, vec![("x-amz-bucket-region".into(), cx.region.to_owned())], Vec::new()),
        S3Operation::GetBucketLocation => cx.ok(200, Vec::new(), xml::location_constraint(cx.region)),
        S3Operation::ListObjectsV2(p) => objects::list_objects(cx, &bucket, &bucket_name, p, true).await,
        S3Operation::ListObjects(p) => objects::list_objects(cx, &bucket, &bucket_name, p, false).await,
        S3Operation::GetObject(p) => objects::get_object(cx, &bucket, &key, p, false).await,
        S3Operation::HeadObject(p) => objects::get_object(cx, &bucket, &key, p, true).await,
        S3Operation::PutObject(p) => objects::put_object(req, cx, &grant, &bucket, &key, p).await,
        S3Operation::CopyObject(c) => objects::copy_object(cx, &bucket, &key, c).await,
        S3Operation::DeleteObject => {
            bucket.delete(key.clone()).await.map_err(r2_failed)?;
            cx.ok(204, Vec::new(), Vec::new())
        }
        S3Operation::DeleteObjects => objects::delete_objects(req, cx, &grant, &bucket, &bucket_name).await,
        S3Operation::CreateMultipartUpload(p) => multipart::create(cx, &bucket, &bucket_name, &key, p).await,
        S3Operation::UploadPart { upload_id, part_number } => {
            let target = Target { bucket: &bucket, bucket_name: &bucket_name, key: &key };
            multipart::upload_part(req, cx, &grant, &target, upload_id, *part_number).await
        }
        S3Operation::CompleteMultipartUpload { upload_id, conditions } => {
            let target = Target { bucket: &bucket, bucket_name: &bucket_name, key: &key };
            multipart::complete(req, cx, &grant, &target, upload_id, conditions).await
        }
        S3Operation::AbortMultipartUpload { upload_id } => multipart::abort(cx, &bucket, &key, upload_id).await,
        S3Operation::ListParts { upload_id, max_parts, part_number_marker } => {
            multipart::list_parts(cx, &bucket_name, &key, upload_id, *max_parts, *part_number_marker).await
        }
    }
}
