//! S3's XML bodies: the response documents cognate writes (list results,
//! multipart results, CopyObject, DeleteObjects) and the two request
//! bodies it reads (DeleteObjects' `<Delete>`, CompleteMultipartUpload's
//! `<CompleteMultipartUpload>`).
//!
//! Writers escape every value (control characters as character
//! references) and put documents in S3's namespace,
//! `http://s3.amazonaws.com/doc/2006-03-01/`, after
//! `<?xml version="1.0" encoding="UTF-8"?>`. Element names and order follow
//! the S3 API Reference's response syntax and examples.
//!
//! Readers take untrusted bytes: at most [`MAX_XML_BODY_BYTES`], UTF-8,
//! one root, no DTD (so no entity can be declared or expanded; only XML's
//! five predefined entities and character references resolve), elements
//! checked against S3's schema for the body. Anything else is
//! `MalformedXML` ("The XML you provided was not well-formed or did not
//! validate against our published schema").

use quick_xml::events::Event;
use quick_xml::Reader;

use super::error::{S3Error, MAX_KEY_BYTES};
use super::headers::quote_etag;
use super::request::{ListObjectsParams, MAX_PART_NUMBER};
use crate::core::time;

/// S3's XML namespace.
pub const S3_XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
/// The XML declaration every document starts with (and a newline, as S3 sends).
pub const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
/// The largest XML request body cognate reads.
pub const MAX_XML_BODY_BYTES: usize = 1024 * 1024;
/// The most keys one DeleteObjects request may name.
pub const MAX_DELETE_KEYS: usize = 1000;
/// Nesting deeper than S3's request schemas need is refused.
const MAX_DEPTH: usize = 8;

// --- Writing -------------------------------------------------------------

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

// --- Reading -------------------------------------------------------------

/// An element of a request body: local name, text, children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    /// The text of a leaf element (no children), else `MalformedXML`.
    fn leaf_text(&self) -> Result<&str, S3Error> {
        if self.children.is_empty() {
            Ok(&self.text)
        } else {
            Err(S3Error::malformed_xml())
        }
    }

    /// A container: only whitespace between children.
    fn container(&self) -> Result<&[Element], S3Error> {
        if self.text.trim().is_empty() {
            Ok(&self.children)
        } else {
            Err(S3Error::malformed_xml())
        }
    }
}

fn local_name(qualified: &[u8]) -> Result<String, S3Error> {
    let local = qualified.rsplit(|&b| b == b':').next().unwrap_or(qualified);
    String::from_utf8(local.to_vec()).map_err(|_| S3Error::malformed_xml())
}

/// Parses a request body into its root element, with the limits above.
fn parse_tree(body: &[u8]) -> Result<Element, S3Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(S3Error::missing_request_body());
    }
    if body.len() > MAX_XML_BODY_BYTES {
        return Err(S3Error::malformed_xml());
    }
    let text = std::str::from_utf8(body).map_err(|_| S3Error::malformed_xml())?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let malformed = |_| S3Error::malformed_xml();
    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Start(start) => {
                if root.is_some() || stack.len() >= MAX_DEPTH {
                    return Err(S3Error::malformed_xml());
                }
                for attribute in start.attributes() {
                    attribute.map_err(|_| S3Error::malformed_xml())?;
                }
                stack.push(Element { name: local_name(start.name().as_ref())?, ..Element::default() });
            }
            Event::End(_) => {
                let done = stack.pop().ok_or_else(S3Error::malformed_xml)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content().map_err(|_| S3Error::malformed_xml())?;
                match stack.last_mut() {
                    Some(current) => current.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(S3Error::malformed_xml()),
                }
            }
            Event::CData(c) => {
                let content = c.decode().map_err(|_| S3Error::malformed_xml())?;
                stack.last_mut().ok_or_else(S3Error::malformed_xml)?.text.push_str(&content);
            }
            Event::GeneralRef(r) => {
                let current = stack.last_mut().ok_or_else(S3Error::malformed_xml)?;
                match r.resolve_char_ref().map_err(|_| S3Error::malformed_xml())? {
                    Some(c) => current.text.push(c),
                    None => {
                        let name = r.decode().map_err(|_| S3Error::malformed_xml())?;
                        let value = quick_xml::escape::resolve_xml_entity(&name).ok_or_else(S3Error::malformed_xml)?;
                        current.text.push_str(value);
                    }
                }
            }
            // No DTD: nothing can declare an entity.
            Event::DocType(_) => return Err(S3Error::malformed_xml()),
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Empty(_) => return Err(S3Error::malformed_xml()),
            Event::Eof => break,
        }
    }
    match (root, stack.is_empty()) {
        (Some(root), true) => Ok(root),
        _ => Err(S3Error::malformed_xml()),
    }
}

/// DeleteObjects' request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteObjectsInput {
    /// The keys, in the order given (1..=1000 of them).
    pub keys: Vec<String>,
    /// `<Quiet>true</Quiet>`: report only failures.
    pub quiet: bool,
}

fn boolean(text: &str) -> Result<bool, S3Error> {
    match text.trim() {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(S3Error::malformed_xml()),
    }
}

/// Reads `<Delete><Object><Key>…</Key></Object>…<Quiet>…</Quiet></Delete>`.
/// More than 1000 keys, none, an empty key or unknown elements are
/// `MalformedXML`; a key over 1024 bytes is `KeyTooLongError`; a
/// `VersionId` or a conditional delete (`ETag`, `LastModifiedTime`, `Size`)
/// is `NotImplemented` (refused rather than ignored).
pub fn parse_delete_objects(body: &[u8]) -> Result<DeleteObjectsInput, S3Error> {
    let root = parse_tree(body)?;
    if root.name != "Delete" {
        return Err(S3Error::malformed_xml());
    }
    let mut keys = Vec::new();
    let mut quiet = None;
    for child in root.container()? {
        match child.name.as_str() {
            "Object" => {
                if keys.len() >= MAX_DELETE_KEYS {
                    return Err(S3Error::malformed_xml());
                }
                let mut key = None;
                for field in child.container()? {
                    match field.name.as_str() {
                        "Key" if key.is_none() => key = Some(field.leaf_text()?),
                        "VersionId" | "ETag" | "LastModifiedTime" | "Size" => {
                            return Err(S3Error::not_implemented(Some(&field.name)))
                        }
                        _ => return Err(S3Error::malformed_xml()),
                    }
                }
                let key = key.filter(|k| !k.is_empty()).ok_or_else(S3Error::malformed_xml)?;
                if key.len() > MAX_KEY_BYTES {
                    return Err(S3Error::key_too_long(key.len()));
                }
                keys.push(key.to_owned());
            }
            "Quiet" if quiet.is_none() => quiet = Some(boolean(child.leaf_text()?)?),
            _ => return Err(S3Error::malformed_xml()),
        }
    }
    if keys.is_empty() {
        return Err(S3Error::malformed_xml());
    }
    Ok(DeleteObjectsInput { keys, quiet: quiet.unwrap_or(false) })
}

/// A part named in CompleteMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// 1..=10000.
    pub part_number: u16,
    /// The part's ETag without quotes.
    pub etag: String,
    /// Checksums given for the part, `(element name, base64 value)`, e.g.
    /// `("ChecksumCRC32", "…")`.
    pub checksums: Vec<(&'static str, String)>,
}

const CHECKSUM_ELEMENTS: [&str; 5] =
    ["ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1", "ChecksumSHA256"];

/// Reads `<CompleteMultipartUpload><Part><PartNumber/><ETag/>…</Part>…`.
/// At least one and at most 10000 parts, part numbers 1..=10000 (else
/// `InvalidArgument`) strictly ascending (else `InvalidPartOrder`), each
/// with exactly one `PartNumber` and `ETag`; unknown elements are
/// `MalformedXML`.
pub fn parse_complete_multipart_upload(body: &[u8]) -> Result<Vec<CompletedPart>, S3Error> {
    let root = parse_tree(body)?;
    if root.name != "CompleteMultipartUpload" {
        return Err(S3Error::malformed_xml());
    }
    let mut parts: Vec<CompletedPart> = Vec::new();
    for child in root.container()? {
        if child.name != "Part" || parts.len() >= usize::from(MAX_PART_NUMBER) {
            return Err(S3Error::malformed_xml());
        }
        let (mut number, mut etag, mut checksums) = (None, None, Vec::new());
        for field in child.container()? {
            let text = field.leaf_text()?;
            match field.name.as_str() {
                "PartNumber" if number.is_none() => number = Some(text.trim()),
                "ETag" if etag.is_none() => etag = Some(text.trim()),
                name => match CHECKSUM_ELEMENTS.iter().find(|c| **c == name) {
                    Some(c) if !checksums.iter().any(|(n, _)| n == c) => checksums.push((*c, text.trim().to_owned())),
                    _ => return Err(S3Error::malformed_xml()),
                },
            }
        }
        let (Some(number), Some(etag)) = (number, etag) else { return Err(S3Error::malformed_xml()) };
        let part_number = number
            .parse::<u16>()
            .ok()
            .filter(|n| (1..=MAX_PART_NUMBER).contains(n) && number.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                S3Error::invalid_argument(
                    "Part number must be an integer between 1 and 10000, inclusive",
                    "partNumber",
                    number,
                )
            })?;
        if parts.last().is_some_and(|p| p.part_number >= part_number) {
            return Err(S3Error::invalid_part_order());
        }
        let etag = etag.strip_prefix('"').and_then(|e| e.strip_suffix('"')).unwrap_or(etag);
        parts.push(CompletedPart { part_number, etag: etag.to_owned(), checksums });
    }
    if parts.is_empty() {
        return Err(S3Error::malformed_xml());
    }
    Ok(parts)
}
