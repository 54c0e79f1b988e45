//! S3's errors as a client sees them: the code, S3's message, the HTTP
//! status and the extra elements S3 adds (`Key`, `BucketName`,
//! `ActualObjectSize`, ...), and the `<Error>` XML body.
//!
//! Codes, statuses and texts follow the S3 API Reference's "Error
//! responses" list (<https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html>)
//! and, where the wire text differs from that description, what S3 sends.
//!
//! For the Worker: a response to `HEAD` carries no body (S3 sends the
//! status and headers only), and neither does `304 Not Modified`
//! ([`S3Error::has_body`]). Messages never hold a secret, a token or a
//! signature: constructors take only what S3 itself echoes.

use super::xml::{escape_text, XML_DECL};

/// An S3 error response. Build one with the constructors; add S3's extra
/// elements with [`S3Error::with_field`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Error {
    /// S3's error code, e.g. `NoSuchKey`.
    pub code: &'static str,
    /// The message for the client, in S3's words.
    pub message: String,
    /// The HTTP status.
    pub status: u16,
    /// Extra elements after `<Message>`, in order (`Key`, `BucketName`, ...).
    pub fields: Vec<(&'static str, String)>,
}

/// The most bytes of user-defined metadata S3 stores per object (2 KB).
pub const MAX_USER_METADATA_BYTES: usize = 2 * 1024;
/// The longest object key S3 accepts, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

impl S3Error {
    /// An error with no extra elements.
    pub fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), status, fields: Vec::new() }
    }

    /// This error with one more element (`<name>value</name>`) after the message.
    #[must_use]
    pub fn with_field(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// The value of an extra element, if present.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Whether the response carries the XML body: not for `304 Not
    /// Modified`. (A response to `HEAD` never has one either; the Worker
    /// knows the method.)
    pub fn has_body(&self) -> bool {
        self.status != 304
    }

    /// Whether this is the `304 Not Modified` outcome of a conditional GET
    /// or HEAD (not an error for the client: no body, the object's ETag and
    /// Last-Modified headers).
    pub fn is_not_modified(&self) -> bool {
        self.status == 304
    }

    /// The `<Error>` document S3 sends:
    /// `<Error><Code/><Message/>…extra elements…<RequestId/></Error>`.
    pub fn to_xml(&self, request_id: &str) -> Vec<u8> {
        let mut out = String::with_capacity(160 + self.message.len());
        out.push_str(XML_DECL);
        out.push_str("<Error><Code>");
        escape_text(&mut out, self.code);
        out.push_str("</Code><Message>");
        escape_text(&mut out, &self.message);
        out.push_str("</Message>");
        for (name, value) in &self.fields {
            out.push('<');
            out.push_str(name);
            out.push('>');
            escape_text(&mut out, value);
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        }
        out.push_str("<RequestId>");
        escape_text(&mut out, request_id);
        out.push_str("</RequestId></Error>");
        out.into_bytes()
    }

    // --- 403 ---

    /// `AccessDenied` (403): the policy does not allow the request.
    pub fn access_denied() -> Self {
        Self::new("AccessDenied", 403, "Access Denied")
    }

    /// `SignatureDoesNotMatch` (403).
    pub fn signature_does_not_match() -> Self {
        Self::new(
            "SignatureDoesNotMatch",
            403,
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        )
    }

    /// `InvalidAccessKeyId` (403), echoing the access key id (public, not a secret).
    pub fn invalid_access_key_id(access_key_id: &str) -> Self {
        Self::new("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.")
            .with_field("AWSAccessKeyId", access_key_id)
    }

    /// `RequestTimeTooSkewed` (403), with the request's and the server's
    /// times (ISO 8601) and the allowed skew, as S3 gives them.
    pub fn request_time_too_skewed(request_time: &str, server_time: &str) -> Self {
        Self::new(
            "RequestTimeTooSkewed",
            403,
            "The difference between the request time and the current time is too large.",
        )
        .with_field("RequestTime", request_time)
        .with_field("ServerTime", server_time)
        .with_field("MaxAllowedSkewMilliseconds", "900000")
    }

    // --- 400 ---

    /// `InvalidToken` (400): the session token is malformed or not ours.
    /// The token is never echoed.
    pub fn invalid_token() -> Self {
        Self::new("InvalidToken", 400, "The provided token is malformed or otherwise invalid.")
    }

    /// `ExpiredToken` (400).
    pub fn expired_token() -> Self {
        Self::new("ExpiredToken", 400, "The provided token has expired.")
    }

    /// `AuthorizationHeaderMalformed` (400) with S3's message for the case,
    /// e.g. `The authorization header is malformed; the region 'x' is wrong; expecting 'y'`.
    pub fn authorization_header_malformed(message: impl Into<String>) -> Self {
        Self::new("AuthorizationHeaderMalformed", 400, message)
    }

    /// `AuthorizationQueryParametersError` (400) with S3's message for the
    /// case, e.g. `X-Amz-Expires must be less than a week (in seconds) that is 604800`.
    pub fn authorization_query_parameters_error(message: impl Into<String>) -> Self {
        Self::new("AuthorizationQueryParametersError", 400, message)
    }

    /// `MissingSecurityHeader` (400), naming the header.
    pub fn missing_security_header(header_name: &str) -> Self {
        Self::new("MissingSecurityHeader", 400, "Your request was missing a required header")
            .with_field("MissingHeaderName", header_name)
    }

    /// `BadDigest` (400): the body does not match `Content-MD5`.
    pub fn bad_digest() -> Self {
        Self::new("BadDigest", 400, "The Content-MD5 you specified did not match what we received.")
    }

    /// `BadDigest` (400) for an `x-amz-checksum-*` value, e.g. `CRC32`.
    pub fn bad_checksum(algorithm: &str) -> Self {
        Self::new("BadDigest", 400, format!("The {algorithm} you specified did not match the calculated checksum."))
    }

    /// `InvalidDigest` (400): `Content-MD5` is not a base64 MD5.
    pub fn invalid_digest() -> Self {
        Self::new("InvalidDigest", 400, "The Content-MD5 you specified was invalid.")
    }

    /// `XAmzContentSHA256Mismatch` (400), with both hashes as S3 gives them.
    pub fn x_amz_content_sha256_mismatch(client: &str, computed: &str) -> Self {
        Self::new(
            "XAmzContentSHA256Mismatch",
            400,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        )
        .with_field("ClientComputedContentSHA256", client)
        .with_field("S3ComputedContentSHA256", computed)
    }

    /// `InvalidArgument` (400) naming the argument and echoing its value.
    pub fn invalid_argument(message: impl Into<String>, name: &str, value: &str) -> Self {
        Self::new("InvalidArgument", 400, message).with_field("ArgumentName", name).with_field("ArgumentValue", value)
    }

    /// `InvalidRequest` (400) with S3's message for the case.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new("InvalidRequest", 400, message)
    }

    /// `InvalidURI` (400): the path or query is not decodable.
    pub fn invalid_uri() -> Self {
        Self::new("InvalidURI", 400, "Couldn't parse the specified URI.")
    }

    /// `InvalidBucketName` (400).
    pub fn invalid_bucket_name(bucket: &str) -> Self {
        Self::new("InvalidBucketName", 400, "The specified bucket is not valid.").with_field("BucketName", bucket)
    }

    /// `InvalidStorageClass` (400): cognate stores `STANDARD` only.
    pub fn invalid_storage_class(value: &str) -> Self {
        Self::new("InvalidStorageClass", 400, "The storage class you specified is not valid")
            .with_field("StorageClassRequested", value)
    }

    /// `AccessControlListNotSupported` (400): buckets have ACLs disabled
    /// (S3's default "bucket owner enforced" setting).
    pub fn access_control_list_not_supported() -> Self {
        Self::new("AccessControlListNotSupported", 400, "The bucket does not allow ACLs")
    }

    /// `EntityTooLarge` (400).
    pub fn entity_too_large(proposed_size: u64, max_size_allowed: u64) -> Self {
        Self::new("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size")
            .with_field("ProposedSize", proposed_size.to_string())
            .with_field("MaxSizeAllowed", max_size_allowed.to_string())
    }

    /// `EntityTooSmall` (400): a part other than the last is under the minimum.
    pub fn entity_too_small(proposed_size: u64, min_size_allowed: u64) -> Self {
        Self::new("EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size")
            .with_field("ProposedSize", proposed_size.to_string())
            .with_field("MinSizeAllowed", min_size_allowed.to_string())
    }

    /// `InvalidPart` (400): a listed part is missing or its ETag differs.
    pub fn invalid_part(upload_id: &str, part_number: u16, etag: &str) -> Self {
        Self::new(
            "InvalidPart",
            400,
            "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        )
        .with_field("UploadId", upload_id)
        .with_field("PartNumber", part_number.to_string())
        .with_field("ETag", etag)
    }

    /// `InvalidPartOrder` (400): parts not in ascending order.
    pub fn invalid_part_order() -> Self {
        Self::new(
            "InvalidPartOrder",
            400,
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        )
    }

    /// `MalformedXML` (400).
    pub fn malformed_xml() -> Self {
        Self::new(
            "MalformedXML",
            400,
            "The XML you provided was not well-formed or did not validate against our published schema",
        )
    }

    /// `MissingRequestBodyError` (400): an XML body was required.
    pub fn missing_request_body() -> Self {
        Self::new("MissingRequestBodyError", 400, "Request Body is empty")
    }

    /// `KeyTooLongError` (400), with the key's size in bytes.
    pub fn key_too_long(size: usize) -> Self {
        Self::new("KeyTooLongError", 400, "Your key is too long")
            .with_field("Size", size.to_string())
            .with_field("MaxSizeAllowed", MAX_KEY_BYTES.to_string())
    }

    /// `MetadataTooLarge` (400), with the metadata's size in bytes.
    pub fn metadata_too_large(size: usize) -> Self {
        Self::new("MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size.")
            .with_field("Size", size.to_string())
            .with_field("MaxSizeAllowed", MAX_USER_METADATA_BYTES.to_string())
    }

    /// `IncompleteBody` (400): fewer bytes than `Content-Length` said.
    pub fn incomplete_body() -> Self {
        Self::new(
            "IncompleteBody",
            400,
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        )
    }

    // --- 404 ---

    /// `NoSuchKey` (404).
    pub fn no_such_key(key: &str) -> Self {
        Self::new("NoSuchKey", 404, "The specified key does not exist.").with_field("Key", key)
    }

    /// `NoSuchBucket` (404).
    pub fn no_such_bucket(bucket: &str) -> Self {
        Self::new("NoSuchBucket", 404, "The specified bucket does not exist").with_field("BucketName", bucket)
    }

    /// `NoSuchUpload` (404).
    pub fn no_such_upload(upload_id: &str) -> Self {
        Self::new(
            "NoSuchUpload",
            404,
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        )
        .with_field("UploadId", upload_id)
    }

    // --- other statuses ---

    /// `304 Not Modified` of a conditional GET or HEAD: no body.
    pub fn not_modified() -> Self {
        Self::new("NotModified", 304, "Not Modified")
    }

    /// `MethodNotAllowed` (405); `resource_type` is `SERVICE`, `BUCKET` or `OBJECT`.
    pub fn method_not_allowed(method: &str, resource_type: &str) -> Self {
        Self::new("MethodNotAllowed", 405, "The specified method is not allowed against this resource.")
            .with_field("Method", method)
            .with_field("ResourceType", resource_type)
    }

    /// `MissingContentLength` (411).
    pub fn missing_content_length() -> Self {
        Self::new("MissingContentLength", 411, "You must provide the Content-Length HTTP header.")
    }

    /// `PreconditionFailed` (412), naming the condition that failed
    /// (`If-Match`, `If-Unmodified-Since`, `If-None-Match`, `x-amz-copy-source-If-Match`, ...).
    pub fn precondition_failed(condition: &str) -> Self {
        Self::new("PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold")
            .with_field("Condition", condition)
    }

    /// `InvalidRange` (416), echoing the range and giving the object's size.
    /// The Worker also sends `Content-Range: bytes */<size>`.
    pub fn invalid_range(range_requested: &str, actual_object_size: u64) -> Self {
        Self::new("InvalidRange", 416, "The requested range is not satisfiable")
            .with_field("RangeRequested", range_requested)
            .with_field("ActualObjectSize", actual_object_size.to_string())
    }

    /// `InternalError` (500). The detail belongs in the log, not here.
    pub fn internal_error() -> Self {
        Self::new("InternalError", 500, "We encountered an internal error. Please try again.")
    }

    /// `NotImplemented` (501), optionally naming the header (or query
    /// parameter) that asks for what cognate does not do.
    pub fn not_implemented(header: Option<&str>) -> Self {
        let e =
            Self::new("NotImplemented", 501, "A header you provided implies functionality that is not implemented.");
        match header {
            Some(h) => e.with_field("Header", h),
            None => e,
        }
    }
}

impl std::fmt::Display for S3Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for S3Error {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every constructor: code, status, message (S3 API Reference, "List of
    /// error codes"; messages as S3 sends them).
    #[test]
    fn codes_statuses_and_texts() {
        let cases: Vec<(S3Error, &str, u16, &str)> = vec![
            (S3Error::access_denied(), "AccessDenied", 403, "Access Denied"),
            (S3Error::no_such_key("k"), "NoSuchKey", 404, "The specified key does not exist."),
            (S3Error::no_such_bucket("b"), "NoSuchBucket", 404, "The specified bucket does not exist"),
            (S3Error::no_such_upload("u"), "NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."),
            (S3Error::signature_does_not_match(), "SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
            (S3Error::invalid_access_key_id("AKID"), "InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records."),
            (S3Error::invalid_token(), "InvalidToken", 400, "The provided token is malformed or otherwise invalid."),
            (S3Error::expired_token(), "ExpiredToken", 400, "The provided token has expired."),
            (S3Error::request_time_too_skewed("a", "b"), "RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large."),
            (S3Error::authorization_header_malformed("m"), "AuthorizationHeaderMalformed", 400, "m"),
            (S3Error::authorization_query_parameters_error("m"), "AuthorizationQueryParametersError", 400, "m"),
            (S3Error::missing_security_header("x-amz-content-sha256"), "MissingSecurityHeader", 400, "Your request was missing a required header"),
            (S3Error::bad_digest(), "BadDigest", 400, "The Content-MD5 you specified did not match what we received."),
            (S3Error::bad_checksum("CRC32"), "BadDigest", 400, "The CRC32 you specified did not match the calculated checksum."),
            (S3Error::invalid_digest(), "InvalidDigest", 400, "The Content-MD5 you specified was invalid."),
            (S3Error::x_amz_content_sha256_mismatch("a", "b"), "XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed."),
            (S3Error::invalid_argument("m", "n", "v"), "InvalidArgument", 400, "m"),
            (S3Error::invalid_request("m"), "InvalidRequest", 400, "m"),
            (S3Error::invalid_uri(), "InvalidURI", 400, "Couldn't parse the specified URI."),
            (S3Error::invalid_bucket_name("B"), "InvalidBucketName", 400, "The specified bucket is not valid."),
            (S3Error::invalid_storage_class("GLACIER"), "InvalidStorageClass", 400, "The storage class you specified is not valid"),
            (S3Error::access_control_list_not_supported(), "AccessControlListNotSupported", 400, "The bucket does not allow ACLs"),
            (S3Error::entity_too_large(2, 1), "EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size"),
            (S3Error::entity_too_small(1, 2), "EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size"),
            (S3Error::invalid_part("u", 1, "e"), "InvalidPart", 400, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."),
            (S3Error::invalid_part_order(), "InvalidPartOrder", 400, "The list of parts was not in ascending order. Parts must be ordered by part number."),
            (S3Error::precondition_failed("If-Match"), "PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"),
            (S3Error::invalid_range("bytes=9-", 3), "InvalidRange", 416, "The requested range is not satisfiable"),
            (S3Error::not_implemented(None), "NotImplemented", 501, "A header you provided implies functionality that is not implemented."),
            (S3Error::method_not_allowed("PATCH", "OBJECT"), "MethodNotAllowed", 405, "The specified method is not allowed against this resource."),
            (S3Error::malformed_xml(), "MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema"),
            (S3Error::missing_request_body(), "MissingRequestBodyError", 400, "Request Body is empty"),
            (S3Error::key_too_long(1025), "KeyTooLongError", 400, "Your key is too long"),
            (S3Error::metadata_too_large(2049), "MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size."),
            (S3Error::missing_content_length(), "MissingContentLength", 411, "You must provide the Content-Length HTTP header."),
            (S3Error::incomplete_body(), "IncompleteBody", 400, "You did not provide the number of bytes specified by the Content-Length HTTP header."),
            (S3Error::internal_error(), "InternalError", 500, "We encountered an internal error. Please try again."),
            (S3Error::not_modified(), "NotModified", 304, "Not Modified"),
        ];
        for (e, code, status, message) in cases {
            assert_eq!((e.code, e.status, e.message.as_str()), (code, status, message));
            assert_eq!(e.has_body(), status != 304, "{code}");
            assert_eq!(e.is_not_modified(), status == 304, "{code}");
        }
    }

    #[test]
    fn error_document() {
        // The shape of the S3 API Reference's sample REST error response.
        let xml = S3Error::no_such_key("my<photo>&.jpg").to_xml("4442587FB7D0A2F9");
        assert_eq!(
            String::from_utf8(xml).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
             <Message>The specified key does not exist.</Message><Key>my&lt;photo&gt;&amp;.jpg</Key>\
             <RequestId>4442587FB7D0A2F9</RequestId></Error>"
        );
        let range = S3Error::invalid_range("bytes=5242880-10485759", 39240);
        assert_eq!(range.field("ActualObjectSize"), Some("39240"));
        assert_eq!(range.field("RangeRequested"), Some("bytes=5242880-10485759"));
        let text = String::from_utf8(range.to_xml("R")).unwrap();
        assert!(text.ends_with(
            "<RangeRequested>bytes=5242880-10485759</RangeRequested><ActualObjectSize>39240</ActualObjectSize><RequestId>R</RequestId></Error>"
        ));
        assert_eq!(S3Error::not_implemented(Some("x-amz-tagging")).field("Header"), Some("x-amz-tagging"));
        assert_eq!(S3Error::not_implemented(None).fields, []);
    }
}
