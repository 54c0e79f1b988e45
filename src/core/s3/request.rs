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

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::error::{S3Error, MAX_KEY_BYTES};
use super::headers::{single_header, ByteRange, Conditions, ObjectMetadata, ResponseOverrides};
use crate::core::sigv4::ALGORITHM;

/// The path prefix under which cognate serves S3.
pub const S3_PREFIX: &str = "/s3";

/// The most keys (and parts) one list response holds.
pub const MAX_LIST_KEYS: u32 = 1000;
/// The highest part number of a multipart upload.
pub const MAX_PART_NUMBER: u16 = 10_000;
/// The longest upload id cognate accepts (R2's are far shorter).
const MAX_UPLOAD_ID_BYTES: usize = 1024;
/// The longest continuation token cognate accepts.
const MAX_CONTINUATION_TOKEN_CHARS: usize = 2048;

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
    /// How many keys and common prefixes to return: `max-keys`, at most 1000.
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

/// One permission a request needs: the IAM action on the resource, with
/// the condition keys S3 supplies for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The action, e.g. `s3:GetObject`.
    pub action: &'static str,
    /// The resource ARN (`arn:aws:s3:::bucket/key`, `arn:aws:s3:::bucket` or `*`).
    pub resource: String,
    /// Operation-specific condition keys and their values.
    pub condition_keys: Vec<(&'static str, Vec<String>)>,
}

/// `arn:aws:s3:::<bucket>`.
pub fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// `arn:aws:s3:::<bucket>/<key>` (the key as stored, not encoded).
pub fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

/// The permission DeleteObjects needs for each key of its body.
pub fn delete_object_authorization(bucket: &str, key: &str) -> Authorization {
    Authorization { action: "s3:DeleteObject", resource: object_arn(bucket, key), condition_keys: Vec::new() }
}

/// The request-level condition keys S3 sets on every request:
/// `s3:signatureversion` (`AWS4-HMAC-SHA256`), `s3:authType`
/// (`REST-QUERY-STRING` for a presigned URL, else `REST-HEADER`) and
/// `s3:x-amz-content-sha256` when the header is present.
pub fn request_condition_keys(presigned: bool, content_sha256: Option<&str>) -> Vec<(&'static str, Vec<String>)> {
    let auth_type = if presigned { "REST-QUERY-STRING" } else { "REST-HEADER" };
    let mut keys =
        vec![("s3:signatureversion", vec![ALGORITHM.to_owned()]), ("s3:authType", vec![auth_type.to_owned()])];
    if let Some(sha) = content_sha256 {
        keys.push(("s3:x-amz-content-sha256", vec![sha.trim().to_owned()]));
    }
    keys
}

impl S3Request {
    /// The permissions the request needs, as S3 maps operations to IAM
    /// actions ("Actions, resources, and condition keys for Amazon S3").
    /// DeleteObjects needs [`delete_object_authorization`] for each key
    /// of its body as well; the `s3:DeleteObject` on the bucket returned
    /// here is a placeholder that no policy grants by accident (it names
    /// no object), so the Worker must check the per-key ones.
    pub fn authorization(&self) -> Vec<Authorization> {
        let bucket = self.bucket.as_deref().unwrap_or_default();
        let key = self.key.as_deref().unwrap_or_default();
        let on_object = |action: &'static str| Authorization {
            action,
            resource: object_arn(bucket, key),
            condition_keys: Vec::new(),
        };
        let with_keys = |action: &'static str, keys: &[(&'static str, String)]| Authorization {
            action,
            resource: object_arn(bucket, key),
            condition_keys: keys.iter().map(|(k, v)| (*k, vec![v.clone()])).collect(),
        };
        let on_bucket =
            |action: &'static str| Authorization { action, resource: bucket_arn(bucket), condition_keys: Vec::new() };
        match &self.operation {
            S3Operation::ListBuckets => {
                vec![Authorization {
                    action: "s3:ListAllMyBuckets",
                    resource: "*".to_owned(),
                    condition_keys: Vec::new(),
                }]
            }
            S3Operation::HeadBucket => vec![on_bucket("s3:ListBucket")],
            S3Operation::GetBucketLocation => vec![on_bucket("s3:GetBucketLocation")],
            S3Operation::ListObjectsV2(p) | S3Operation::ListObjects(p) => {
                let mut list = on_bucket("s3:ListBucket");
                if let Some(prefix) = &p.prefix {
                    list.condition_keys.push(("s3:prefix", vec![prefix.clone()]));
                }
                if let Some(delimiter) = &p.delimiter {
                    list.condition_keys.push(("s3:delimiter", vec![delimiter.clone()]));
                }
                if p.max_keys_given {
                    list.condition_keys.push(("s3:max-keys", vec![p.max_keys.to_string()]));
                }
                vec![list]
            }
            S3Operation::GetObject(_) | S3Operation::HeadObject(_) => vec![on_object("s3:GetObject")],
            S3Operation::PutObject(p) | S3Operation::CreateMultipartUpload(p) => {
                vec![with_keys("s3:PutObject", &p.condition_keys)]
            }
            S3Operation::UploadPart { .. } | S3Operation::CompleteMultipartUpload { .. } => {
                vec![on_object("s3:PutObject")]
            }
            S3Operation::CopyObject(c) => {
                let mut put = with_keys("s3:PutObject", &c.condition_keys);
                put.condition_keys
                    .push(("s3:x-amz-copy-source", vec![format!("{}/{}", c.source_bucket, c.source_key)]));
                if c.metadata_directive_given {
                    let directive = match c.metadata_directive {
                        MetadataDirective::Copy => "COPY",
                        MetadataDirective::Replace => "REPLACE",
                    };
                    put.condition_keys.push(("s3:x-amz-metadata-directive", vec![directive.to_owned()]));
                }
                let get = Authorization {
                    action: "s3:GetObject",
                    resource: object_arn(&c.source_bucket, &c.source_key),
                    condition_keys: Vec::new(),
                };
                vec![get, put]
            }
            S3Operation::DeleteObject => vec![on_object("s3:DeleteObject")],
            S3Operation::DeleteObjects => vec![on_bucket("s3:DeleteObject")],
            S3Operation::AbortMultipartUpload { .. } => vec![on_object("s3:AbortMultipartUpload")],
            S3Operation::ListParts { .. } => vec![on_object("s3:ListMultipartUploadParts")],
        }
    }
}

// --- Continuation tokens -------------------------------------------------

const TOKEN_TAG: &[u8] = b"r2c1:";

/// The opaque `NextContinuationToken` for an R2 list cursor.
pub fn encode_continuation_token(cursor: &str) -> String {
    let mut bytes = TOKEN_TAG.to_vec();
    bytes.extend_from_slice(cursor.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The R2 cursor inside a continuation token from
/// [`encode_continuation_token`]; anything else is S3's `InvalidArgument`
/// "The continuation token provided is incorrect".
pub fn decode_continuation_token(token: &str) -> Result<String, S3Error> {
    let incorrect =
        || S3Error::invalid_argument("The continuation token provided is incorrect", "continuation-token", token);
    if token.len() > MAX_CONTINUATION_TOKEN_CHARS {
        return Err(incorrect());
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| incorrect())?;
    let cursor = bytes.strip_prefix(TOKEN_TAG).ok_or_else(incorrect)?;
    match std::str::from_utf8(cursor) {
        Ok(c) if !c.is_empty() => Ok(c.to_owned()),
        _ => Err(incorrect()),
    }
}

// --- Decoding ------------------------------------------------------------

/// Percent-decodes `%XX` (a `+` stays a plus); `None` for a `%` without
/// two hex digits or a result that is not UTF-8.
pub fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let digits = bytes.get(i + 1..i + 3)?;
            let mut byte = [0u8];
            hex::decode_to_slice(digits, &mut byte).ok()?;
            out.push(byte[0]);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `name` is a SigV4 query parameter of a presigned URL.
fn is_sigv4_parameter(name: &str) -> bool {
    [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
    ]
    .iter()
    .any(|p| p.eq_ignore_ascii_case(name))
}

/// The query as decoded `(name, value)` pairs, in order; `InvalidURI` for
/// a bad escape, `InvalidArgument` for a repeated name.
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>, S3Error> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = percent_decode(name).ok_or_else(S3Error::invalid_uri)?;
        let value = percent_decode(value).ok_or_else(S3Error::invalid_uri)?;
        if pairs.iter().any(|(n, _)| *n == name) {
            return Err(S3Error::invalid_argument("Query parameter may not be repeated.", &name, &value));
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// The `x-amz-*` query parameters (other than SigV4's own) that a
/// presigner hoisted out of the headers, as headers. S3 reads them as
/// headers; so does [`parse_request`], and so must the body checks.
pub fn hoisted_headers(query: &str) -> Result<Vec<(String, String)>, S3Error> {
    Ok(parse_query(query)?
        .into_iter()
        .filter(|(n, _)| n.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("x-amz-")) && !is_sigv4_parameter(n))
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect())
}

/// Whether `name` follows S3's rules for general purpose bucket names:
/// 3–63 of `a-z 0-9 . -`, starting and ending with a letter or digit, no
/// `..`, not shaped like an IP address.
pub fn is_valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    let edge_ok = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    (3..=63).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-')
        && edge_ok(b.first())
        && edge_ok(b.last())
        && !name.contains("..")
        && name.parse::<std::net::Ipv4Addr>().is_err()
}

/// Checks an object key: `KeyTooLongError` past 1024 bytes.
pub fn check_key(key: &str) -> Result<(), S3Error> {
    if key.len() > MAX_KEY_BYTES {
        return Err(S3Error::key_too_long(key.len()));
    }
    Ok(())
}

// --- Routing -------------------------------------------------------------

/// Query parameters naming S3 subresources. Any of them not consumed by a
/// served operation makes the request `NotImplemented`.
const SUBRESOURCES: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "cors",
    "delete",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "metadataConfiguration",
    "metadataTable",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "partNumber",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "renameObject",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "select-type",
    "session",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

/// The decoded query, minus SigV4's parameters, `x-id` and hoisted headers.
struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// `NotImplemented` if a subresource other than `served` is present.
    fn only_subresources(&self, served: &[&str]) -> Result<(), S3Error> {
        match self.0.iter().find(|(n, _)| SUBRESOURCES.contains(&n.as_str()) && !served.contains(&n.as_str())) {
            Some((name, _)) => Err(S3Error::not_implemented(Some(name))),
            None => Ok(()),
        }
    }
}

/// Which level of the path a request addresses.
enum Target {
    Service,
    Bucket(String),
    Object(String, String),
}

fn parse_path(path: &str) -> Result<Target, S3Error> {
    let rest = path.strip_prefix(S3_PREFIX).ok_or_else(S3Error::invalid_uri)?;
    if rest.is_empty() || rest == "/" {
        return Ok(Target::Service);
    }
    let rest = rest.strip_prefix('/').ok_or_else(S3Error::invalid_uri)?;
    let (raw_bucket, raw_key) = rest.split_once('/').unwrap_or((rest, ""));
    let bucket = percent_decode(raw_bucket).ok_or_else(S3Error::invalid_uri)?;
    if !is_valid_bucket_name(&bucket) {
        return Err(S3Error::invalid_bucket_name(&bucket));
    }
    if raw_key.is_empty() {
        return Ok(Target::Bucket(bucket));
    }
    let key = percent_decode(raw_key).ok_or_else(S3Error::invalid_uri)?;
    check_key(&key)?;
    Ok(Target::Object(bucket, key))
}

/// Parses a request to `<endpoint>/s3/…`: `path` is the raw
/// (percent-encoded) path starting with `/s3`, `query` the raw query
/// string (with or without `?`), `headers` the request's headers (names in
/// any case). `OPTIONS` (CORS preflight) is the Worker's, with
/// `headers::cors_preflight`.
pub fn parse_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
) -> Result<S3Request, S3Error> {
    let target = parse_path(path)?;
    let all = parse_query(query)?;
    let mut hoisted: Vec<(String, String)> = Vec::new();
    let mut params: Vec<(String, String)> = Vec::new();
    for (name, value) in all {
        if is_sigv4_parameter(&name) || name == "x-id" {
            continue;
        }
        if name.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("x-amz-")) {
            hoisted.push((name, value));
        } else {
            params.push((name, value));
        }
    }
    let query = Query(params);
    let merged: Vec<(String, String)>;
    let headers = if hoisted.is_empty() {
        headers
    } else {
        merged = headers.iter().cloned().chain(hoisted).collect();
        &merged
    };
    match target {
        Target::Service => service_request(method, &query),
        Target::Bucket(bucket) => bucket_request(method, bucket, &query),
        Target::Object(bucket, key) => object_request(method, bucket, key, &query, headers),
    }
}

fn service_request(method: &str, query: &Query) -> Result<S3Request, S3Error> {
    if method != "GET" {
        return Err(S3Error::method_not_allowed(method, "SERVICE"));
    }
    query.only_subresources(&[])?;
    Ok(S3Request { bucket: None, key: None, operation: S3Operation::ListBuckets })
}

fn bucket_request(method: &str, bucket: String, query: &Query) -> Result<S3Request, S3Error> {
    let operation = match method {
        "GET" if query.has("location") => {
            query.only_subresources(&["location"])?;
            S3Operation::GetBucketLocation
        }
        "GET" => {
            query.only_subresources(&[])?;
            match query.get("list-type") {
                Some("2") => S3Operation::ListObjectsV2(list_params(query, true)?),
                Some(other) => {
                    return Err(S3Error::invalid_argument("Invalid List Type specified in Request", "list-type", other))
                }
                None => S3Operation::ListObjects(list_params(query, false)?),
            }
        }
        "HEAD" => {
            query.only_subresources(&[])?;
            S3Operation::HeadBucket
        }
        "POST" if query.has("delete") => {
            query.only_subresources(&["delete"])?;
            S3Operation::DeleteObjects
        }
        // CreateBucket, DeleteBucket, PutBucket*, POST object uploads.
        "PUT" | "DELETE" | "POST" => {
            query.only_subresources(&[])?;
            return Err(S3Error::not_implemented(None));
        }
        _ => return Err(S3Error::method_not_allowed(method, "BUCKET")),
    };
    Ok(S3Request { bucket: Some(bucket), key: None, operation })
}

/// A non-negative integer query parameter, at most `i32::MAX` (S3's range).
fn integer_param(query: &Query, name: &str, message: &str) -> Result<Option<u32>, S3Error> {
    let Some(value) = query.get(name) else { return Ok(None) };
    let ok = !value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit());
    match value.parse::<u32>() {
        Ok(n) if ok && n <= i32::MAX as u32 => Ok(Some(n)),
        _ => Err(S3Error::invalid_argument(message, name, value)),
    }
}

fn list_params(query: &Query, v2: bool) -> Result<ListObjectsParams, S3Error> {
    let max_keys = integer_param(query, "max-keys", "Provided max-keys not an integer or within integer range")?;
    let encoding_url = match query.get("encoding-type") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("url") => true,
        Some(other) => {
            return Err(S3Error::invalid_argument(
                "Invalid Encoding Method specified in Request",
                "encoding-type",
                other,
            ))
        }
    };
    let mut params = ListObjectsParams {
        prefix: query.get("prefix").map(str::to_owned),
        delimiter: query.get("delimiter").filter(|d| !d.is_empty()).map(str::to_owned),
        max_keys: max_keys.unwrap_or(MAX_LIST_KEYS),
        max_keys_given: max_keys.is_some(),
        encoding_url,
        ..ListObjectsParams::default()
    };
    if v2 {
        if let Some(token) = query.get("continuation-token") {
            params.cursor = Some(decode_continuation_token(token)?);
            params.continuation_token = Some(token.to_owned());
        }
        params.start_after = query.get("start-after").filter(|s| !s.is_empty()).map(str::to_owned);
        params.fetch_owner = match query.get("fetch-owner") {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(other) => return Err(S3Error::invalid_argument("Invalid Argument", "fetch-owner", other)),
        };
    } else {
        params.marker = query.get("marker").filter(|s| !s.is_empty()).map(str::to_owned);
    }
    Ok(params)
}

fn upload_id(query: &Query) -> Result<Option<String>, S3Error> {
    match query.get("uploadId") {
        None => Ok(None),
        Some(id) if id.is_empty() || id.len() > MAX_UPLOAD_ID_BYTES => Err(S3Error::no_such_upload(id)),
        Some(id) => Ok(Some(id.to_owned())),
    }
}

/// Refuses headers that ask for functionality R2 cannot give or cognate
/// does not serve, and collects the condition keys of a write.
fn write_options(headers: &[(String, String)]) -> Result<Vec<(&'static str, String)>, S3Error> {
    for (name, _) in headers {
        let n = name.to_ascii_lowercase();
        let unsupported = n.starts_with("x-amz-server-side-encryption-customer-")
            || n.starts_with("x-amz-copy-source-server-side-encryption-customer-")
            || n.starts_with("x-amz-object-lock-")
            || n == "x-amz-tagging"
            || n == "x-amz-website-redirect-location"
            || n == "x-amz-expected-bucket-owner"
            || n == "x-amz-source-expected-bucket-owner"
            || n == "x-amz-write-offset-bytes"
            || n == "x-amz-server-side-encryption-aws-kms-key-id"
            || n == "x-amz-server-side-encryption-context"
            || n == "x-amz-server-side-encryption-bucket-key-enabled";
        if unsupported {
            return Err(S3Error::not_implemented(Some(name)));
        }
        if n.starts_with("x-amz-grant-") {
            return Err(S3Error::access_control_list_not_supported());
        }
    }
    let mut keys = Vec::new();
    if let Some(acl) = single_header(headers, "x-amz-acl")? {
        if acl != "private" && acl != "bucket-owner-full-control" {
            return Err(S3Error::access_control_list_not_supported());
        }
        keys.push(("s3:x-amz-acl", acl.to_owned()));
    }
    if let Some(sse) = single_header(headers, "x-amz-server-side-encryption")? {
        if sse != "AES256" {
            return Err(S3Error::not_implemented(Some("x-amz-server-side-encryption")));
        }
        keys.push(("s3:x-amz-server-side-encryption", sse.to_owned()));
    }
    if let Some(class) = single_header(headers, "x-amz-storage-class")? {
        if class != "STANDARD" {
            return Err(S3Error::invalid_storage_class(class));
        }
        keys.push(("s3:x-amz-storage-class", class.to_owned()));
    }
    if let Some(directive) = single_header(headers, "x-amz-tagging-directive")? {
        if directive != "COPY" {
            return Err(S3Error::not_implemented(Some("x-amz-tagging-directive")));
        }
    }
    Ok(keys)
}

/// Refuses SSE-C on a read (the object could not be decrypted as asked).
fn read_options(headers: &[(String, String)]) -> Result<bool, S3Error> {
    if let Some((name, _)) = headers.iter().find(|(n, _)| {
        let n = n.to_ascii_lowercase();
        n.starts_with("x-amz-server-side-encryption-customer-") || n == "x-amz-expected-bucket-owner"
    }) {
        return Err(S3Error::not_implemented(Some(name)));
    }
    Ok(single_header(headers, "x-amz-checksum-mode")?.is_some_and(|m| m.eq_ignore_ascii_case("ENABLED")))
}

fn get_params(query: &Query, headers: &[(String, String)]) -> Result<GetObjectParams, S3Error> {
    let checksum_mode = read_options(headers)?;
    let mut overrides = ResponseOverrides::default();
    for (name, value) in &query.0 {
        overrides.set(name, value.clone());
    }
    Ok(GetObjectParams {
        range: single_header(headers, "Range")?.and_then(ByteRange::parse),
        conditions: Conditions::from_headers(headers, "")?,
        overrides,
        checksum_mode,
    })
}

fn put_params(headers: &[(String, String)]) -> Result<PutObjectParams, S3Error> {
    let condition_keys = write_options(headers)?;
    Ok(PutObjectParams {
        metadata: ObjectMetadata::from_headers(headers)?,
        conditions: Conditions::from_headers(headers, "")?,
        condition_keys,
    })
}

/// Parses `x-amz-copy-source` (`bucket/key` or `/bucket/key`, the key
/// percent-encoded) into the source bucket and key.
pub fn parse_copy_source(value: &str) -> Result<(String, String), S3Error> {
    let value = value.trim();
    let bad = || {
        S3Error::invalid_argument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            "x-amz-copy-source",
            value,
        )
    };
    let (path, version) = match value.split_once('?') {
        Some((p, v)) => (p, Some(v)),
        None => (value, None),
    };
    if let Some(version) = version {
        if version.starts_with("versionId=") {
            return Err(S3Error::not_implemented(Some("x-amz-copy-source")));
        }
        return Err(bad());
    }
    let decoded = percent_decode(path).ok_or_else(bad)?;
    let decoded = decoded.strip_prefix('/').unwrap_or(&decoded);
    if decoded.starts_with("arn:") {
        return Err(S3Error::not_implemented(Some("x-amz-copy-source")));
    }
    let (bucket, key) = decoded.split_once('/').ok_or_else(bad)?;
    if key.is_empty() || !is_valid_bucket_name(bucket) {
        return Err(bad());
    }
    check_key(key)?;
    Ok((bucket.to_owned(), key.to_owned()))
}

fn copy_params(
    bucket: &str,
    key: &str,
    source: &str,
    headers: &[(String, String)],
) -> Result<CopyObjectParams, S3Error> {
    let (source_bucket, source_key) = parse_copy_source(source)?;
    let condition_keys = write_options(headers)?;
    let directive = single_header(headers, "x-amz-metadata-directive")?;
    let metadata_directive = match directive {
        None | Some("COPY") => MetadataDirective::Copy,
        Some("REPLACE") => MetadataDirective::Replace,
        Some(other) => {
            return Err(S3Error::invalid_argument("Unknown metadata directive.", "x-amz-metadata-directive", other))
        }
    };
    if source_bucket == bucket && source_key == key && metadata_directive == MetadataDirective::Copy {
        return Err(S3Error::invalid_request(
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        ));
    }
    if single_header(headers, "x-amz-copy-source-range")?.is_some() {
        return Err(S3Error::invalid_request(
            "The x-amz-copy-source-range header is only supported for UploadPartCopy.",
        ));
    }
    Ok(CopyObjectParams {
        source_bucket,
        source_key,
        metadata_directive,
        metadata_directive_given: directive.is_some(),
        metadata: ObjectMetadata::from_headers(headers)?,
        source_conditions: Conditions::from_headers(headers, "x-amz-copy-source-")?,
        conditions: Conditions::from_headers(headers, "")?,
        condition_keys,
    })
}

fn part_number(query: &Query) -> Result<u16, S3Error> {
    let value = query.get("partNumber").unwrap_or_default();
    let bad = || {
        S3Error::invalid_argument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", value)
    };
    if value.is_empty() || value.len() > 5 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match value.parse::<u16>() {
        Ok(n) if (1..=MAX_PART_NUMBER).contains(&n) => Ok(n),
        _ => Err(bad()),
    }
}

fn object_request(
    method: &str,
    bucket: String,
    key: String,
    query: &Query,
    headers: &[(String, String)],
) -> Result<S3Request, S3Error> {
    let operation = match method {
        "GET" if query.has("uploadId") => {
            query.only_subresources(&["uploadId"])?;
            let upload_id = upload_id(query)?.unwrap_or_default();
            let max_parts =
                integer_param(query, "max-parts", "Argument max-parts must be an integer between 0 and 2147483647")?;
            let marker = integer_param(query, "part-number-marker", "Argument partNumberMarker must be an integer.")?;
            S3Operation::ListParts {
                upload_id,
                max_parts: max_parts.unwrap_or(MAX_LIST_KEYS),
                part_number_marker: marker.unwrap_or(0),
            }
        }
        "GET" => {
            query.only_subresources(&[])?;
            S3Operation::GetObject(get_params(query, headers)?)
        }
        "HEAD" => {
            query.only_subresources(&[])?;
            S3Operation::HeadObject(get_params(query, headers)?)
        }
        "PUT" if query.has("partNumber") || query.has("uploadId") => {
            query.only_subresources(&["partNumber", "uploadId"])?;
            let upload_id = upload_id(query)?
                .ok_or_else(|| S3Error::invalid_argument("This operation requires an upload ID.", "uploadId", ""))?;
            let part_number = part_number(query)?;
            if single_header(headers, "x-amz-copy-source")?.is_some() {
                // UploadPartCopy.
                return Err(S3Error::not_implemented(Some("x-amz-copy-source")));
            }
            write_options(headers)?;
            S3Operation::UploadPart { upload_id, part_number }
        }
        "PUT" => {
            query.only_subresources(&[])?;
            match single_header(headers, "x-amz-copy-source")? {
                Some(source) => S3Operation::CopyObject(copy_params(&bucket, &key, source, headers)?),
                None => S3Operation::PutObject(put_params(headers)?),
            }
        }
        "POST" if query.has("uploads") => {
            query.only_subresources(&["uploads"])?;
            S3Operation::CreateMultipartUpload(put_params(headers)?)
        }
        "POST" if query.has("uploadId") => {
            query.only_subresources(&["uploadId"])?;
            let upload_id = upload_id(query)?.unwrap_or_default();
            S3Operation::CompleteMultipartUpload { upload_id, conditions: Conditions::from_headers(headers, "")? }
        }
        "POST" => {
            query.only_subresources(&[])?;
            return Err(S3Error::method_not_allowed(method, "OBJECT"));
        }
        "DELETE" if query.has("uploadId") => {
            query.only_subresources(&["uploadId"])?;
            S3Operation::AbortMultipartUpload { upload_id: upload_id(query)?.unwrap_or_default() }
        }
        "DELETE" => {
            query.only_subresources(&[])?;
            if let Some((name, _)) = headers.iter().find(|(n, _)| {
                n.eq_ignore_ascii_case("x-amz-expected-bucket-owner")
                    || n.eq_ignore_ascii_case("x-amz-bypass-governance-retention")
            }) {
                return Err(S3Error::not_implemented(Some(name)));
            }
            // Conditional deletes (If-Match) are not served: refusing beats ignoring.
            if let Some((name, _)) = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("If-Match")) {
                return Err(S3Error::not_implemented(Some(name)));
            }
            S3Operation::DeleteObject
        }
        _ => return Err(S3Error::method_not_allowed(method, "OBJECT")),
    };
    Ok(S3Request { bucket: Some(bucket), key: Some(key), operation })
}
