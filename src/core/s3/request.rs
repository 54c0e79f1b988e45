//! Which S3 operation a path-style request under `/s3` is, with its
//! parameters checked, and what it needs from the caller's policy (the
//! IAM action, resource ARN and condition keys S3 would evaluate).
//!
//! Paths are `/s3` (service), `/s3/<bucket>` (bucket), `/s3/<bucket>/<key>`
//! (object; the key percent-decoded, `/` and `//` kept, at most 1024 UTF-8
//! bytes). Query strings are percent-decoded with `+` kept as a plus, as the
//! SigV4 canonical query (`core::sigv4`) reads it, so the parameters acted
//! on are the ones signed. The query parameters of a presigned URL
//! (`X-Amz-Signature`, ...) and the JS SDK's `x-id` do not choose the
//! operation; other `x-amz-*` query parameters are headers hoisted by a
//! presigner and count as headers ([`hoisted_headers`]). A subresource
//! cognate does not serve (`?acl`, `?tagging`, `?versioning`, ...) is
//! `NotImplemented` (501), never silently another operation; so are headers
//! asking for what R2 cannot give (SSE-C, object lock, tagging, ACL grants).

mod authorization;
mod decode;
mod routing;
#[cfg(test)]
mod tests;

pub use authorization::{bucket_arn, delete_object_authorization, object_arn, request_condition_keys, Authorization};
#[cfg(test)]
use decode::percent_decode;
pub use decode::{
    check_key, decode_continuation_token, encode_continuation_token, hoisted_headers, is_valid_bucket_name, parse_query,
};
pub use routing::{parse_copy_source, parse_request};

use super::headers::{ByteRange, Conditions, ObjectMetadata, ResponseOverrides};

/// The path prefix under which cognate serves S3.
pub const S3_PREFIX: &str = "/s3";

/// The most keys (and parts) one list response holds.
pub const MAX_LIST_KEYS: u32 = 1000;
/// The highest part number of a multipart upload.
pub const MAX_PART_NUMBER: u16 = 10_000;

/// A parsed S3 request: the bucket and key it addresses and the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Request {
    /// The bucket, for bucket and object requests (a valid S3 bucket name).
    pub bucket: Option<String>,
    /// The object key, decoded, for object requests (1..=1024 UTF-8 bytes).
    pub key: Option<String>,
    /// What the request asks for.
    pub operation: S3Operation,
}

/// The S3 operations cognate serves, with their parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum S3Operation {
    /// `GET /s3/`.
    ListBuckets,
    /// `HEAD /s3/<bucket>`.
    HeadBucket,
    /// `GET /s3/<bucket>?location`.
    GetBucketLocation,
    /// `GET /s3/<bucket>?list-type=2`.
    ListObjectsV2(ListObjectsParams),
    /// `GET /s3/<bucket>` (version 1: `marker`, `NextMarker`).
    ListObjects(ListObjectsParams),
    /// `GET /s3/<bucket>/<key>`.
    GetObject(GetObjectParams),
    /// `HEAD /s3/<bucket>/<key>` (the response has no body).
    HeadObject(GetObjectParams),
    /// `PUT /s3/<bucket>/<key>`.
    PutObject(PutObjectParams),
    /// `PUT /s3/<bucket>/<key>` with `x-amz-copy-source`.
    CopyObject(CopyObjectParams),
    /// `DELETE /s3/<bucket>/<key>`.
    DeleteObject,
    /// `POST /s3/<bucket>?delete` (the keys are in the body: `xml::parse_delete_objects`).
    DeleteObjects,
    /// `POST /s3/<bucket>/<key>?uploads`.
    CreateMultipartUpload(PutObjectParams),
    /// `PUT /s3/<bucket>/<key>?partNumber=N&uploadId=…`.
    UploadPart {
        /// The upload.
        upload_id: String,
        /// 1..=10000.
        part_number: u16,
    },
    /// `POST /s3/<bucket>/<key>?uploadId=…` (parts in the body:
    /// `xml::parse_complete_multipart_upload`).
    CompleteMultipartUpload {
        /// The upload.
        upload_id: String,
        /// `If-Match` / `If-None-Match` on the object being completed.
        conditions: Conditions,
    },
    /// `DELETE /s3/<bucket>/<key>?uploadId=…`.
    AbortMultipartUpload {
        /// The upload.
        upload_id: String,
    },
    /// `GET /s3/<bucket>/<key>?uploadId=…`.
    ListParts {
        /// The upload.
        upload_id: String,
        /// `max-parts` as requested (default 1000); list at most [`MAX_LIST_KEYS`].
        max_parts: u32,
        /// `part-number-marker`: list parts after this one (default 0).
        part_number_marker: u32,
    },
}

impl S3Operation {
    /// The operation's name in the S3 API (for logs and metrics).
    pub fn name(&self) -> &'static str {
        match self {
            S3Operation::ListBuckets => "ListBuckets",
            S3Operation::HeadBucket => "HeadBucket",
            S3Operation::GetBucketLocation => "GetBucketLocation",
            S3Operation::ListObjectsV2(_) => "ListObjectsV2",
            S3Operation::ListObjects(_) => "ListObjects",
            S3Operation::GetObject(_) => "GetObject",
            S3Operation::HeadObject(_) => "HeadObject",
            S3Operation::PutObject(_) => "PutObject",
            S3Operation::CopyObject(_) => "CopyObject",
            S3Operation::DeleteObject => "DeleteObject",
            S3Operation::DeleteObjects => "DeleteObjects",
            S3Operation::CreateMultipartUpload(_) => "CreateMultipartUpload",
            S3Operation::UploadPart { .. } => "UploadPart",
            S3Operation::CompleteMultipartUpload { .. } => "CompleteMultipartUpload",
            S3Operation::AbortMultipartUpload { .. } => "AbortMultipartUpload",
            S3Operation::ListParts { .. } => "ListParts",
        }
    }
}

/// The parameters of ListObjectsV2 and ListObjects (v1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListObjectsParams {
    /// `prefix`, if given.
    pub prefix: Option<String>,
    /// `delimiter`, if given (non-empty).
    pub delimiter: Option<String>,
    /// `max-keys` as requested (default 1000); S3 echoes it and returns at
    /// most [`ListObjectsParams::limit`] keys.
    pub max_keys: u32,
    /// Whether `max-keys` was given (for the `s3:max-keys` condition key).
    pub max_keys_given: bool,
    /// `encoding-type=url`: keys, prefixes and delimiter are URL-encoded in the response.
    pub encoding_url: bool,
    /// v2 `continuation-token` as sent (echoed as `ContinuationToken`).
    pub continuation_token: Option<String>,
    /// The R2 cursor inside `continuation_token`.
    pub cursor: Option<String>,
    /// v2 `start-after`.
    pub start_after: Option<String>,
    /// v1 `marker` (list keys after it).
    pub marker: Option<String>,
    /// v2 `fetch-owner=true`.
    pub fetch_owner: bool,
}

impl ListObjectsParams {
    /// How many keys and common prefixes to return: `max-keys`, at most
    /// 1000. With 0, S3 answers an empty, untruncated page: the Worker must
    /// not pass 0 to R2 (whose default limit would apply).
    pub fn limit(&self) -> u32 {
        self.max_keys.min(MAX_LIST_KEYS)
    }
}

/// The parameters of GetObject and HeadObject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetObjectParams {
    /// The `Range` header, if it is one S3 honours (else the whole object).
    pub range: Option<ByteRange>,
    /// `If-Match`, `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since`.
    pub conditions: Conditions,
    /// `response-*` query overrides of the response headers.
    pub overrides: ResponseOverrides,
    /// `x-amz-checksum-mode: ENABLED`: send the stored checksums.
    pub checksum_mode: bool,
}

/// The parameters of PutObject and CreateMultipartUpload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutObjectParams {
    /// The metadata to store.
    pub metadata: ObjectMetadata,
    /// `If-Match` / `If-None-Match: *` (conditional write).
    pub conditions: Conditions,
    /// Condition keys from the request's headers (`s3:x-amz-acl`,
    /// `s3:x-amz-server-side-encryption`, `s3:x-amz-storage-class`).
    pub condition_keys: Vec<(&'static str, String)>,
}

/// `x-amz-metadata-directive`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MetadataDirective {
    /// Keep the source's metadata (the default).
    #[default]
    Copy,
    /// Use the request's metadata headers.
    Replace,
}

/// The parameters of CopyObject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyObjectParams {
    /// The source bucket.
    pub source_bucket: String,
    /// The source key, decoded.
    pub source_key: String,
    /// What metadata the copy gets.
    pub metadata_directive: MetadataDirective,
    /// Whether `x-amz-metadata-directive` was given (for its condition key).
    pub metadata_directive_given: bool,
    /// The request's metadata (used with [`MetadataDirective::Replace`]).
    pub metadata: ObjectMetadata,
    /// `x-amz-copy-source-if-*`, checked against the source.
    pub source_conditions: Conditions,
    /// `If-Match` / `If-None-Match: *` on the destination.
    pub conditions: Conditions,
    /// Condition keys from the request's headers, as for PutObject.
    pub condition_keys: Vec<(&'static str, String)>,
}
