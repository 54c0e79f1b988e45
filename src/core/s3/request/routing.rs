//! Routing: which operation a request's method, path, query and headers
//! name, with its parameters read and checked, and the headers refused
//! because they ask for what R2 cannot give or cognate does not serve.

use super::decode::{
    check_key, decode_continuation_token, is_sigv4_parameter, is_valid_bucket_name, parse_query, percent_decode,
};
use super::{
    CopyObjectParams, GetObjectParams, ListObjectsParams, MetadataDirective, PutObjectParams, S3Operation, S3Request,
    MAX_LIST_KEYS, MAX_PART_NUMBER, S3_PREFIX,
};
use crate::core::s3::error::S3Error;
use crate::core::s3::headers::{single_header, ByteRange, Conditions, ObjectMetadata, ResponseOverrides};

/// The longest upload id cognate accepts (R2's are far shorter).
const MAX_UPLOAD_ID_BYTES: usize = 1024;

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
