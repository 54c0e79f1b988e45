//! The XML request bodies cognate reads from untrusted bytes: DeleteObjects'
//! `<Delete>` and CompleteMultipartUpload's `<CompleteMultipartUpload>`,
//! within the limits in the module docs of `xml`.

use quick_xml::events::Event;
use quick_xml::Reader;

use super::{MAX_DELETE_KEYS, MAX_XML_BODY_BYTES};
use crate::core::s3::error::{S3Error, MAX_KEY_BYTES};
use crate::core::s3::request::MAX_PART_NUMBER;

/// Nesting deeper than S3's request schemas need is refused.
const MAX_DEPTH: usize = 8;

/// An element of a request body: local name, text, children.
#[derive(Debug, Default)]
pub(super) struct Element {
    pub(super) name: String,
    pub(super) text: String,
    pub(super) children: Vec<Element>,
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
pub(super) fn parse_tree(body: &[u8]) -> Result<Element, S3Error> {
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
                raw_chars(&content)?;
                match stack.last_mut() {
                    Some(current) => current.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => return Err(S3Error::malformed_xml()),
                }
            }
            Event::CData(c) => {
                let content = c.decode().map_err(|_| S3Error::malformed_xml())?;
                raw_chars(&content)?;
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

/// Refuses characters XML 1.0 does not allow in a document's text (its
/// `Char` production: no NUL, no control characters but tab, newline and
/// carriage return, no U+FFFE/U+FFFF). The parser does not check them.
fn raw_chars(text: &str) -> Result<(), S3Error> {
    let allowed = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
    if text.chars().all(allowed) {
        Ok(())
    } else {
        Err(S3Error::malformed_xml())
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
