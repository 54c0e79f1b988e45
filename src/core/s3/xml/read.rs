//! The XML request bodies cognate reads from untrusted bytes: DeleteObjects'
//! `<Delete>` and CompleteMultipartUpload's `<CompleteMultipartUpload>`,
//! within the limits in the module docs of `xml`.

use super::{MAX_DELETE_KEYS, MAX_XML_BODY_BYTES};
use crate::core::s3::error::{S3Error, MAX_KEY_BYTES};
use crate::core::s3::request::MAX_PART_NUMBER;
use crate::core::xml_tree;
pub(super) use crate::core::xml_tree::Element;

/// Nesting deeper than S3's request schemas need is refused.
const MAX_DEPTH: usize = 8;

/// The text of a leaf element (no children), else `MalformedXML`.
fn leaf_text(element: &Element) -> Result<&str, S3Error> {
    element.leaf_text().ok_or_else(S3Error::malformed_xml)
}

/// The children of a container (only whitespace between them), else `MalformedXML`.
fn container(element: &Element) -> Result<&[Element], S3Error> {
    element.container().ok_or_else(S3Error::malformed_xml)
}

/// Parses a request body into its root element, with the limits above.
pub(super) fn parse_tree(body: &[u8]) -> Result<Element, S3Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(S3Error::missing_request_body());
    }
    if body.len() > MAX_XML_BODY_BYTES {
        return Err(S3Error::malformed_xml());
    }
    xml_tree::parse(body, MAX_DEPTH).map_err(|_| S3Error::malformed_xml())
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
    for child in container(&root)? {
        match child.name.as_str() {
            "Object" => {
                if keys.len() >= MAX_DELETE_KEYS {
                    return Err(S3Error::malformed_xml());
                }
                let mut key = None;
                for field in container(child)? {
                    match field.name.as_str() {
                        "Key" if key.is_none() => key = Some(leaf_text(field)?),
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
            "Quiet" if quiet.is_none() => quiet = Some(boolean(leaf_text(child)?)?),
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
    for child in container(&root)? {
        if child.name != "Part" || parts.len() >= usize::from(MAX_PART_NUMBER) {
            return Err(S3Error::malformed_xml());
        }
        let (mut number, mut etag, mut checksums) = (None, None, Vec::new());
        for field in container(child)? {
            let text = leaf_text(field)?;
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
