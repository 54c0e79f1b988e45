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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    /// Every written document is well-formed: quick-xml reads it through.
    fn reparse(doc: &str) -> Element {
        parse_tree(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}: {doc}"))
    }

    const NS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

    #[test]
    fn timestamps_and_escaping() {
        assert_eq!(format_timestamp_millis(1_255_369_830_000), "2009-10-12T17:50:30.000Z");
        assert_eq!(format_timestamp_millis(1_255_369_830_042), "2009-10-12T17:50:30.042Z");
        assert_eq!(format_timestamp_millis(0), "1970-01-01T00:00:00.000Z");
        let mut out = String::new();
        escape_text(&mut out, "a<b>&\"'\t\n\r\u{1}\u{FFFF}é");
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;&apos;\t\n&#xD;&#x1;&#xFFFF;é");
        assert_eq!(url_encode("a b+c/d~é%"), "a%20b%2Bc/d~%C3%A9%25");
    }

    /// The S3 API Reference's ListObjectsV2 example shape.
    #[test]
    fn list_objects_v2() {
        let params = ListObjectsParams {
            prefix: Some("photos/".into()),
            delimiter: Some("/".into()),
            max_keys: 2,
            max_keys_given: true,
            continuation_token: Some("tok".into()),
            ..Default::default()
        };
        let objects = [ListedObject {
            key: "photos/a&b.jpg".into(),
            last_modified_ms: 1_255_369_830_000,
            etag: "fba9dede5f27731c9771645a39863328".into(),
            size: 434_234,
        }];
        let prefixes = ["photos/2006/".to_owned()];
        let page = ListPage {
            objects: &objects,
            common_prefixes: &prefixes,
            is_truncated: true,
            next_continuation_token: Some("next"),
            next_marker: None,
            owner: None,
        };
        let doc = text(list_objects_v2_result("bucket", &params, &page));
        assert_eq!(
            doc,
            format!(
                "{NS}<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>bucket</Name>\
                 <Prefix>photos/</Prefix><ContinuationToken>tok</ContinuationToken>\
                 <NextContinuationToken>next</NextContinuationToken><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>\
                 <Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><Contents><Key>photos/a&amp;b.jpg</Key>\
                 <LastModified>2009-10-12T17:50:30.000Z</LastModified>\
                 <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>\
                 <StorageClass>STANDARD</StorageClass></Contents><CommonPrefixes><Prefix>photos/2006/</Prefix>\
                 </CommonPrefixes></ListBucketResult>"
            )
        );
        let root = reparse(&doc);
        assert_eq!(root.name, "ListBucketResult");
        let contents = root.children.iter().find(|c| c.name == "Contents").unwrap();
        assert_eq!(contents.children[0].text, "photos/a&b.jpg");
        assert_eq!(contents.children[2].text, "\"fba9dede5f27731c9771645a39863328\"");

        // encoding-type=url, fetch-owner, start-after; an empty page.
        let params = ListObjectsParams {
            prefix: Some("a b/".into()),
            max_keys: 1000,
            encoding_url: true,
            fetch_owner: true,
            start_after: Some("a b/\u{1}".into()),
            ..Default::default()
        };
        let objects = [ListedObject { key: "a b/c+d\u{1}".into(), last_modified_ms: 0, etag: "\"e\"".into(), size: 0 }];
        let ow = Owner { id: "id".into(), display_name: "me".into() };
        let page = ListPage {
            objects: &objects,
            common_prefixes: &[],
            is_truncated: false,
            next_continuation_token: None,
            next_marker: None,
            owner: Some(&ow),
        };
        let doc = text(list_objects_v2_result("b", &params, &page));
        assert!(doc.contains(
            "<Prefix>a%20b/</Prefix><StartAfter>a%20b/%01</StartAfter><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
        ), "{doc}");
        assert!(doc.contains("<Key>a%20b/c%2Bd%01</Key>"), "{doc}");
        assert!(doc.contains("<Owner><ID>id</ID><DisplayName>me</DisplayName></Owner><StorageClass>"), "{doc}");
        assert!(!doc.contains("ContinuationToken"));
        reparse(&doc);
        // Without encoding-type, the control character is a character reference and reads back.
        let plain = ListObjectsParams { encoding_url: false, ..params };
        let doc = text(list_objects_v2_result("b", &plain, &page));
        assert!(doc.contains("<Key>a b/c+d&#x1;</Key>"), "{doc}");
        let root = reparse(&doc);
        let contents = root.children.iter().find(|c| c.name == "Contents").unwrap();
        assert_eq!(contents.children[0].text, "a b/c+d\u{1}");
    }

    #[test]
    fn list_objects_v1() {
        let params = ListObjectsParams {
            marker: Some("m".into()),
            delimiter: Some("/".into()),
            max_keys: 1,
            ..Default::default()
        };
        let objects = [ListedObject { key: "k".into(), last_modified_ms: 0, etag: "e".into(), size: 1 }];
        let ow = Owner { id: "i".into(), display_name: "d".into() };
        let page = ListPage {
            objects: &objects,
            common_prefixes: &[],
            is_truncated: true,
            next_continuation_token: None,
            next_marker: Some("k"),
            owner: Some(&ow),
        };
        let doc = text(list_objects_result("b", &params, &page));
        assert_eq!(
            doc,
            format!(
                "{NS}<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix></Prefix>\
                 <Marker>m</Marker><NextMarker>k</NextMarker><MaxKeys>1</MaxKeys><Delimiter>/</Delimiter>\
                 <IsTruncated>true</IsTruncated><Contents><Key>k</Key><LastModified>1970-01-01T00:00:00.000Z</LastModified>\
                 <ETag>&quot;e&quot;</ETag><Size>1</Size><Owner><ID>i</ID><DisplayName>d</DisplayName></Owner>\
                 <StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>"
            )
        );
        reparse(&doc);
    }

    #[test]
    fn small_documents() {
        let ow = Owner { id: "owner-id".into(), display_name: "cognate".into() };
        let buckets = [BucketEntry { name: "photos".into(), creation_date_ms: 1_255_369_830_000 }];
        let cases: Vec<(Vec<u8>, String)> = vec![
            (
                list_all_my_buckets_result(&ow, &buckets),
                "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>owner-id</ID>\
                 <DisplayName>cognate</DisplayName></Owner><Buckets><Bucket><Name>photos</Name>\
                 <CreationDate>2009-10-12T17:50:30.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>"
                    .into(),
            ),
            (
                location_constraint("us-east-1"),
                "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></LocationConstraint>".into(),
            ),
            (
                location_constraint("eu-west-1"),
                "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">eu-west-1</LocationConstraint>"
                    .into(),
            ),
            (
                initiate_multipart_upload_result("b", "k<1>", "up"),
                "<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b</Bucket>\
                 <Key>k&lt;1&gt;</Key><UploadId>up</UploadId></InitiateMultipartUploadResult>"
                    .into(),
            ),
            (
                complete_multipart_upload_result("https://x/s3/b/k", "b", "k", "abc-2"),
                "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <Location>https://x/s3/b/k</Location><Bucket>b</Bucket><Key>k</Key><ETag>&quot;abc-2&quot;</ETag>\
                 </CompleteMultipartUploadResult>"
                    .into(),
            ),
            (
                copy_object_result("\"e\"", 1_255_369_830_000),
                "<CopyObjectResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                 <LastModified>2009-10-12T17:50:30.000Z</LastModified><ETag>&quot;e&quot;</ETag></CopyObjectResult>"
                    .into(),
            ),
            (
                list_parts_result(&PartsPage {
                    bucket: "b",
                    key: "k",
                    upload_id: "u",
                    part_number_marker: 0,
                    max_parts: 1,
                    is_truncated: true,
                    parts: &[ListedPart { part_number: 1, last_modified_ms: 0, etag: "p1".into(), size: 5 }],
                    owner: None,
                }),
                "<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b</Bucket><Key>k</Key>\
                 <UploadId>u</UploadId><StorageClass>STANDARD</StorageClass><PartNumberMarker>0</PartNumberMarker>\
                 <NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1</MaxParts><IsTruncated>true</IsTruncated>\
                 <Part><PartNumber>1</PartNumber><LastModified>1970-01-01T00:00:00.000Z</LastModified>\
                 <ETag>&quot;p1&quot;</ETag><Size>5</Size></Part></ListPartsResult>"
                    .into(),
            ),
        ];
        for (got, want) in cases {
            let got = text(got);
            assert_eq!(got, format!("{NS}{want}"));
            reparse(&got);
        }
    }

    #[test]
    fn delete_results() {
        let outcomes = [
            DeleteOutcome::Deleted("a".into()),
            DeleteOutcome::Failed { key: "b&".into(), error: S3Error::access_denied() },
        ];
        let loud = text(delete_result(&outcomes, false));
        assert_eq!(
            loud,
            format!(
                "{NS}<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Deleted><Key>a</Key></Deleted>\
                 <Error><Key>b&amp;</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>"
            )
        );
        let quiet = text(delete_result(&outcomes, true));
        assert!(!quiet.contains("<Deleted>") && quiet.contains("<Error><Key>b&amp;</Key>"));
        reparse(&loud);
        reparse(&quiet);
    }

    #[test]
    fn delete_objects_body() {
        let body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                    <Object><Key>sample1.txt</Key></Object>\n  <Object><Key> a&amp;b&#x20;&lt;c&gt; </Key></Object>\
                    <Object><Key><![CDATA[x<y]]></Key></Object><!-- comment --><Quiet>true</Quiet></Delete>";
        let parsed = parse_delete_objects(body.as_bytes()).unwrap();
        assert_eq!(parsed.keys, ["sample1.txt", " a&b <c> ", "x<y"]);
        assert!(parsed.quiet);
        let prefixed = "<s3:Delete xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Object><s3:Key>k</s3:Key></s3:Object></s3:Delete>";
        assert_eq!(
            parse_delete_objects(prefixed.as_bytes()).unwrap(),
            DeleteObjectsInput { keys: vec!["k".into()], quiet: false }
        );

        let object = "<Object><Key>k</Key></Object>";
        let thousand = format!("<Delete>{}</Delete>", object.repeat(MAX_DELETE_KEYS));
        assert_eq!(parse_delete_objects(thousand.as_bytes()).unwrap().keys.len(), MAX_DELETE_KEYS);
        let too_many = format!("<Delete>{}</Delete>", object.repeat(MAX_DELETE_KEYS + 1));
        let long_key = format!("<Delete><Object><Key>{}</Key></Object></Delete>", "k".repeat(MAX_KEY_BYTES + 1));
        let huge = format!("<Delete><Object><Key>k</Key></Object><!--{}--></Delete>", "x".repeat(MAX_XML_BODY_BYTES));
        let deep = format!("<Delete>{}{}</Delete>", "<a>".repeat(20), "</a>".repeat(20));

        let refused: Vec<(&str, Vec<u8>)> = vec![
            ("MissingRequestBodyError", b"".to_vec()),
            ("MissingRequestBodyError", b" \n".to_vec()),
            ("MalformedXML", too_many.into_bytes()),
            ("KeyTooLongError", long_key.into_bytes()),
            ("MalformedXML", huge.into_bytes()),
            ("MalformedXML", deep.into_bytes()),
            ("MalformedXML", b"<Delete></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Quiet>true</Quiet></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key></Key></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key/></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a</Key><Other/></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a<b/></Key></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object>text<Key>a</Key></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a</Key></Object><Quiet>yes</Quiet></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a</Key></Object><Quiet>true</Quiet><Quiet>false</Quiet></Delete>".to_vec()),
            ("MalformedXML", b"<Remove><Object><Key>a</Key></Object></Remove>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a</Key></Object>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a</Key></Object></Delete><Delete/>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a</Key></Object></Delete>trailing".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a</Key></Objekt></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a&foo;</Key></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a&#0;</Key></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>a & b</Key></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete><Object><Key>\xff</Key></Object></Delete>".to_vec()),
            ("MalformedXML", b"<Delete attr=\"x><Object><Key>a</Key></Object></Delete>".to_vec()),
            // A DTD is refused outright: no entity is ever declared or expanded.
            (
                "MalformedXML",
                b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\
                  <Delete><Object><Key>&lol2;</Key></Object></Delete>"
                    .to_vec(),
            ),
            (
                "MalformedXML",
                b"<!DOCTYPE d [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><Delete><Object><Key>&xxe;</Key></Object></Delete>"
                    .to_vec(),
            ),
            ("NotImplemented", b"<Delete><Object><Key>a</Key><VersionId>v</VersionId></Object></Delete>".to_vec()),
            ("NotImplemented", b"<Delete><Object><Key>a</Key><ETag>e</ETag></Object></Delete>".to_vec()),
        ];
        for (code, body) in refused {
            let got = parse_delete_objects(&body).map_err(|e| e.code);
            assert_eq!(got, Err(code), "{}", String::from_utf8_lossy(&body[..body.len().min(200)]));
        }
    }

    #[test]
    fn complete_multipart_upload_body() {
        let body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                    <Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b38\"</ETag>\
                    <ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>\
                    <Part><ETag>0c78aef83f66abc1fa1e8477f296d394</ETag><PartNumber> 3 </PartNumber></Part>\
                    </CompleteMultipartUpload>";
        let parts = parse_complete_multipart_upload(body.as_bytes()).unwrap();
        assert_eq!(
            parts,
            [
                CompletedPart {
                    part_number: 1,
                    etag: "a54357aff0632cce46d942af68356b38".into(),
                    checksums: vec![("ChecksumCRC32", "AAAAAA==".into())],
                },
                CompletedPart { part_number: 3, etag: "0c78aef83f66abc1fa1e8477f296d394".into(), checksums: vec![] },
            ]
        );
        let part = |n: u32| format!("<Part><PartNumber>{n}</PartNumber><ETag>e</ETag></Part>");
        let all: String = (1..=10_000).map(part).collect();
        let body = format!("<CompleteMultipartUpload>{all}</CompleteMultipartUpload>");
        assert_eq!(parse_complete_multipart_upload(body.as_bytes()).unwrap().len(), 10_000);
        let over = format!("<CompleteMultipartUpload>{all}{}</CompleteMultipartUpload>", part(10_000));
        let wrap = |parts: &str| format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>").into_bytes();
        let refused: Vec<(&str, Vec<u8>)> = vec![
            ("MalformedXML", over.into_bytes()),
            ("MissingRequestBodyError", Vec::new()),
            ("MalformedXML", wrap("")),
            ("InvalidPartOrder", wrap(&(part(2) + &part(1)))),
            ("InvalidPartOrder", wrap(&(part(1) + &part(1)))),
            ("InvalidArgument", wrap(&part(0))),
            ("InvalidArgument", wrap(&part(10_001))),
            ("InvalidArgument", wrap("<Part><PartNumber>+1</PartNumber><ETag>e</ETag></Part>")),
            ("InvalidArgument", wrap("<Part><PartNumber>one</PartNumber><ETag>e</ETag></Part>")),
            ("MalformedXML", wrap("<Part><PartNumber>1</PartNumber></Part>")),
            ("MalformedXML", wrap("<Part><ETag>e</ETag></Part>")),
            ("MalformedXML", wrap("<Part><PartNumber>1</PartNumber><PartNumber>2</PartNumber><ETag>e</ETag></Part>")),
            ("MalformedXML", wrap("<Part><PartNumber>1</PartNumber><ETag>e</ETag><Size>1</Size></Part>")),
            (
                "MalformedXML",
                wrap("<Part><PartNumber>1</PartNumber><ETag>e</ETag><ChecksumCRC32>a</ChecksumCRC32><ChecksumCRC32>b</ChecksumCRC32></Part>"),
            ),
            ("MalformedXML", wrap("<Upload><PartNumber>1</PartNumber><ETag>e</ETag></Upload>")),
            ("MalformedXML", b"<Delete><Object><Key>a</Key></Object></Delete>".to_vec()),
        ];
        for (code, body) in refused {
            let got = parse_complete_multipart_upload(&body).map_err(|e| e.code);
            assert_eq!(got, Err(code), "{}", String::from_utf8_lossy(&body[..body.len().min(200)]));
        }
    }
}
