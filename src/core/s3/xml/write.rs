//! The XML response documents cognate writes: ListBuckets, GetBucketLocation,
//! the list results, the multipart results, CopyObject and DeleteObjects.
//! Every value escaped; documents in S3's namespace after the XML declaration.

use super::{S3_XMLNS, XML_DECL};
use crate::core::s3::error::S3Error;
use crate::core::s3::headers::quote_etag;
use crate::core::s3::request::ListObjectsParams;
use crate::core::time;

/// Appends `text` escaped for XML element content: `&`, `<`, `>`, quotes,
/// and characters XML cannot hold literally (C0 controls other than tab
/// and newline, `\r`, U+FFFE, U+FFFF) as character references.
pub fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push_str(&format!("&#x{:X};", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// Epoch milliseconds as S3's timestamps: `2009-10-12T17:50:30.000Z`.
pub fn format_timestamp_millis(epoch_ms: u64) -> String {
    let secs = epoch_ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX);
    let (y, mo, d) = time::civil_from_days(days);
    let rem = secs % 86_400;
    format!("{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem / 60 % 60, rem % 60, epoch_ms % 1000)
}

/// A key, prefix or delimiter URL-encoded for `encoding-type=url`: every
/// byte but `A-Za-z0-9-_.~/` as `%XX` (so both `unquote` and botocore's
/// `unquote_plus` give the key back).
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A document under construction.
struct Doc(String);

impl Doc {
    fn new(root: &str) -> Self {
        let mut s = String::with_capacity(512);
        s.push_str(XML_DECL);
        s.push('<');
        s.push_str(root);
        s.push_str(" xmlns=\"");
        s.push_str(S3_XMLNS);
        s.push_str("\">");
        Doc(s)
    }
    fn open(&mut self, name: &str) {
        self.0.push('<');
        self.0.push_str(name);
        self.0.push('>');
    }
    fn close(&mut self, name: &str) {
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push('>');
    }
    fn elem(&mut self, name: &str, text: &str) {
        self.open(name);
        escape_text(&mut self.0, text);
        self.close(name);
    }
    fn elem_opt(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.elem(name, t);
        }
    }
    fn finish(mut self, root: &str) -> Vec<u8> {
        self.close(root);
        self.0.into_bytes()
    }
}

/// A bucket or object owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// `ID`.
    pub id: String,
    /// `DisplayName`.
    pub display_name: String,
}

fn owner(doc: &mut Doc, o: &Owner) {
    doc.open("Owner");
    doc.elem("ID", &o.id);
    doc.elem("DisplayName", &o.display_name);
    doc.close("Owner");
}

/// A bucket in ListBuckets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketEntry {
    /// The bucket's name.
    pub name: String,
    /// When it was created, epoch milliseconds.
    pub creation_date_ms: u64,
}

/// `ListAllMyBucketsResult`.
pub fn list_all_my_buckets_result(o: &Owner, buckets: &[BucketEntry]) -> Vec<u8> {
    let mut doc = Doc::new("ListAllMyBucketsResult");
    owner(&mut doc, o);
    doc.open("Buckets");
    for b in buckets {
        doc.open("Bucket");
        doc.elem("Name", &b.name);
        doc.elem("CreationDate", &format_timestamp_millis(b.creation_date_ms));
        doc.close("Bucket");
    }
    doc.close("Buckets");
    doc.finish("ListAllMyBucketsResult")
}

/// `LocationConstraint`: empty for `us-east-1`, as S3 answers.
pub fn location_constraint(region: &str) -> Vec<u8> {
    let mut doc = Doc::new("LocationConstraint");
    if region != "us-east-1" {
        escape_text(&mut doc.0, region);
    }
    doc.finish("LocationConstraint")
}

/// An object in a list result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedObject {
    /// The key.
    pub key: String,
    /// Last-Modified, epoch milliseconds.
    pub last_modified_ms: u64,
    /// The ETag, quoted or not (written quoted).
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// One page of a listing, as the Worker got it from R2.
#[derive(Debug, Clone, Copy)]
pub struct ListPage<'a> {
    /// The objects, in key order.
    pub objects: &'a [ListedObject],
    /// The common prefixes (with a delimiter), in order.
    pub common_prefixes: &'a [String],
    /// Whether more follows.
    pub is_truncated: bool,
    /// v2: the token for the next page (from `request::encode_continuation_token`).
    pub next_continuation_token: Option<&'a str>,
    /// v1: the marker for the next page (S3 sends it only with a delimiter).
    pub next_marker: Option<&'a str>,
    /// The bucket owner, written in each `Contents` for v1 and for v2 with `fetch-owner=true`.
    pub owner: Option<&'a Owner>,
}

fn listed(doc: &mut Doc, page: &ListPage<'_>, encode: &dyn Fn(&str) -> String, with_owner: bool) {
    for o in page.objects {
        doc.open("Contents");
        doc.elem("Key", &encode(&o.key));
        doc.elem("LastModified", &format_timestamp_millis(o.last_modified_ms));
        doc.elem("ETag", &quote_etag(&o.etag));
        doc.elem("Size", &o.size.to_string());
        if let (true, Some(ow)) = (with_owner, page.owner) {
            owner(doc, ow);
        }
        doc.elem("StorageClass", "STANDARD");
        doc.close("Contents");
    }
    for p in page.common_prefixes {
        doc.open("CommonPrefixes");
        doc.elem("Prefix", &encode(p));
        doc.close("CommonPrefixes");
    }
}

fn encoder(params: &ListObjectsParams) -> impl Fn(&str) -> String {
    let url = params.encoding_url;
    move |s: &str| if url { url_encode(s) } else { s.to_owned() }
}

/// `ListBucketResult` of ListObjectsV2.
pub fn list_objects_v2_result(bucket: &str, params: &ListObjectsParams, page: &ListPage<'_>) -> Vec<u8> {
    let encode = encoder(params);
    let mut doc = Doc::new("ListBucketResult");
    doc.elem("Name", bucket);
    doc.elem("Prefix", &encode(params.prefix.as_deref().unwrap_or_default()));
    doc.elem_opt("StartAfter", params.start_after.as_deref().map(&encode).as_deref());
    doc.elem_opt("ContinuationToken", params.continuation_token.as_deref());
    doc.elem_opt("NextContinuationToken", page.next_continuation_token);
    let key_count = page.objects.len() + page.common_prefixes.len();
    doc.elem("KeyCount", &key_count.to_string());
    doc.elem("MaxKeys", &params.max_keys.to_string());
    doc.elem_opt("Delimiter", params.delimiter.as_deref().map(&encode).as_deref());
    if params.encoding_url {
        doc.elem("EncodingType", "url");
    }
    doc.elem("IsTruncated", if page.is_truncated { "true" } else { "false" });
    listed(&mut doc, page, &encode, params.fetch_owner);
    doc.finish("ListBucketResult")
}

/// `ListBucketResult` of ListObjects (version 1).
pub fn list_objects_result(bucket: &str, params: &ListObjectsParams, page: &ListPage<'_>) -> Vec<u8> {
    let encode = encoder(params);
    let mut doc = Doc::new("ListBucketResult");
    doc.elem("Name", bucket);
    doc.elem("Prefix", &encode(params.prefix.as_deref().unwrap_or_default()));
    doc.elem("Marker", &encode(params.marker.as_deref().unwrap_or_default()));
    doc.elem_opt("NextMarker", page.next_marker.map(&encode).as_deref());
    doc.elem("MaxKeys", &params.max_keys.to_string());
    doc.elem_opt("Delimiter", params.delimiter.as_deref().map(&encode).as_deref());
    if params.encoding_url {
        doc.elem("EncodingType", "url");
    }
    doc.elem("IsTruncated", if page.is_truncated { "true" } else { "false" });
    listed(&mut doc, page, &encode, true);
    doc.finish("ListBucketResult")
}

/// `InitiateMultipartUploadResult`.
pub fn initiate_multipart_upload_result(bucket: &str, key: &str, upload_id: &str) -> Vec<u8> {
    let mut doc = Doc::new("InitiateMultipartUploadResult");
    doc.elem("Bucket", bucket);
    doc.elem("Key", key);
    doc.elem("UploadId", upload_id);
    doc.finish("InitiateMultipartUploadResult")
}

/// `CompleteMultipartUploadResult`; `location` is the object's URL.
pub fn complete_multipart_upload_result(location: &str, bucket: &str, key: &str, etag: &str) -> Vec<u8> {
    let mut doc = Doc::new("CompleteMultipartUploadResult");
    doc.elem("Location", location);
    doc.elem("Bucket", bucket);
    doc.elem("Key", key);
    doc.elem("ETag", &quote_etag(etag));
    doc.finish("CompleteMultipartUploadResult")
}

/// `CopyObjectResult`.
pub fn copy_object_result(etag: &str, last_modified_ms: u64) -> Vec<u8> {
    let mut doc = Doc::new("CopyObjectResult");
    doc.elem("LastModified", &format_timestamp_millis(last_modified_ms));
    doc.elem("ETag", &quote_etag(etag));
    doc.finish("CopyObjectResult")
}

/// What became of one key of a DeleteObjects request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// Deleted (or did not exist: S3 reports that as deleted too).
    Deleted(String),
    /// Not deleted: the key and S3's error for it (e.g. `AccessDenied`).
    Failed {
        /// The key.
        key: String,
        /// The error.
        error: S3Error,
    },
}

/// `DeleteResult`; in quiet mode only the failures are listed.
pub fn delete_result(outcomes: &[DeleteOutcome], quiet: bool) -> Vec<u8> {
    let mut doc = Doc::new("DeleteResult");
    for outcome in outcomes {
        match outcome {
            DeleteOutcome::Deleted(key) if !quiet => {
                doc.open("Deleted");
                doc.elem("Key", key);
                doc.close("Deleted");
            }
            DeleteOutcome::Deleted(_) => {}
            DeleteOutcome::Failed { key, error } => {
                doc.open("Error");
                doc.elem("Key", key);
                doc.elem("Code", error.code);
                doc.elem("Message", &error.message);
                doc.close("Error");
            }
        }
    }
    doc.finish("DeleteResult")
}

/// A part in ListParts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPart {
    /// 1..=10000.
    pub part_number: u16,
    /// When it was uploaded, epoch milliseconds.
    pub last_modified_ms: u64,
    /// Its ETag (written quoted).
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
}

/// One page of ListParts.
#[derive(Debug, Clone, Copy)]
pub struct PartsPage<'a> {
    /// The bucket.
    pub bucket: &'a str,
    /// The key.
    pub key: &'a str,
    /// The upload.
    pub upload_id: &'a str,
    /// The request's `part-number-marker`.
    pub part_number_marker: u32,
    /// The request's `max-parts`.
    pub max_parts: u32,
    /// Whether more parts follow.
    pub is_truncated: bool,
    /// The parts, ascending.
    pub parts: &'a [ListedPart],
    /// The initiator and owner.
    pub owner: Option<&'a Owner>,
}

/// `ListPartsResult`. `NextPartNumberMarker` is the last part listed (the
/// marker when none is).
pub fn list_parts_result(page: &PartsPage<'_>) -> Vec<u8> {
    let mut doc = Doc::new("ListPartsResult");
    doc.elem("Bucket", page.bucket);
    doc.elem("Key", page.key);
    doc.elem("UploadId", page.upload_id);
    if let Some(o) = page.owner {
        doc.open("Initiator");
        doc.elem("ID", &o.id);
        doc.elem("DisplayName", &o.display_name);
        doc.close("Initiator");
        owner(&mut doc, o);
    }
    doc.elem("StorageClass", "STANDARD");
    doc.elem("PartNumberMarker", &page.part_number_marker.to_string());
    let next = page.parts.last().map_or(page.part_number_marker, |p| u32::from(p.part_number));
    doc.elem("NextPartNumberMarker", &next.to_string());
    doc.elem("MaxParts", &page.max_parts.to_string());
    doc.elem("IsTruncated", if page.is_truncated { "true" } else { "false" });
    for p in page.parts {
        doc.open("Part");
        doc.elem("PartNumber", &p.part_number.to_string());
        doc.elem("LastModified", &format_timestamp_millis(p.last_modified_ms));
        doc.elem("ETag", &quote_etag(&p.etag));
        doc.elem("Size", &p.size.to_string());
        doc.close("Part");
    }
    doc.finish("ListPartsResult")
}
