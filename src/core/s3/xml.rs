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

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::{parse_complete_multipart_upload, parse_delete_objects, CompletedPart, DeleteObjectsInput};
pub use write::{
    complete_multipart_upload_result, copy_object_result, delete_result, escape_text, format_timestamp_millis,
    initiate_multipart_upload_result, list_all_my_buckets_result, list_objects_result, list_objects_v2_result,
    list_parts_result, location_constraint, url_encode, BucketEntry, DeleteOutcome, ListPage, ListedObject, ListedPart,
    Owner, PartsPage,
};

/// S3's XML namespace.
pub const S3_XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";
/// The XML declaration every document starts with (and a newline, as S3 sends).
pub const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
/// The largest XML request body cognate reads.
pub const MAX_XML_BODY_BYTES: usize = 1024 * 1024;
/// The most keys one DeleteObjects request may name.
pub const MAX_DELETE_KEYS: usize = 1000;
