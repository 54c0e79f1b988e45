//! Why an upload body is refused: S3's error code, message and status.

use crate::core::s3::checksum::ChecksumAlgorithm;

/// Why a body is refused: S3's error ([`BodyError::code`],
/// [`BodyError::status`]; `Display` is its message). `Debug` adds detail
/// for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// `Content-MD5` is not base64 of 16 bytes (`InvalidDigest`).
    #[error("The Content-MD5 you specified was invalid.")]
    InvalidDigest,
    /// The MD5 of the body is not `Content-MD5` (`BadDigest`).
    #[error("The Content-MD5 you specified did not match what we received.")]
    Md5Mismatch,
    /// The declared checksum is not the body's (`BadDigest`).
    #[error("The {0} you specified did not match the calculated checksum.")]
    ChecksumMismatch(ChecksumAlgorithm),
    /// The SHA-256 of the body is not `x-amz-content-sha256` (`XAmzContentSHA256Mismatch`).
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    ContentSha256Mismatch,
    /// A chunk's or the trailer's signature is not the computed one (`SignatureDoesNotMatch`).
    #[error("The request signature we calculated does not match the signature you provided. Check your key and signing method.")]
    SignatureMismatch(&'static str),
    /// The body ended early, or decoded to another size than
    /// `x-amz-decoded-content-length` (`IncompleteBody`).
    #[error("You did not provide the number of bytes specified by the Content-Length HTTP header.")]
    IncompleteBody,
    /// aws-chunked without `x-amz-decoded-content-length` (`MissingContentLength`, 411).
    #[error("You must provide the Content-Length HTTP header.")]
    MissingDecodedLength,
    /// `x-amz-decoded-content-length` is not a decimal number (`InvalidArgument`).
    #[error("Invalid argument: x-amz-decoded-content-length must be a non-negative integer.")]
    InvalidDecodedLength,
    /// The aws-chunked framing is broken; holds what (`InvalidRequest`).
    #[error("The request body is not valid aws-chunked encoding.")]
    MalformedChunk(&'static str),
    /// The trailing headers are broken, unexpected or missing; holds what (`InvalidRequest`).
    #[error("The trailing headers of the request body are malformed.")]
    MalformedTrailer(&'static str),
    /// An `x-amz-checksum-<alg>` value is not base64 of a digest (`InvalidRequest`).
    #[error("Value for {} header is invalid.", .0.header_name())]
    InvalidChecksumValue(ChecksumAlgorithm),
    /// More than one checksum is declared (`InvalidRequest`).
    #[error("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")]
    MultipleChecksums,
    /// `x-amz-sdk-checksum-algorithm` names no algorithm, or not the one
    /// sent (`InvalidRequest`).
    #[error("Value for x-amz-sdk-checksum-algorithm header is invalid.")]
    InvalidSdkChecksumAlgorithm,
    /// `x-amz-sdk-checksum-algorithm` without a checksum (`InvalidRequest`).
    #[error("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")]
    MissingChecksum,
    /// `x-amz-trailer` is not one checksum header, or the payload mode has
    /// no trailer (`InvalidRequest`).
    #[error("The value specified in the x-amz-trailer header is not supported")]
    UnsupportedTrailer,
    /// Signed chunks, but the caller gave no signing context (`InternalError`, 500).
    #[error("We encountered an internal error. Please try again.")]
    NoSigningContext,
}

impl BodyError {
    /// S3's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidDigest => "InvalidDigest",
            Self::Md5Mismatch | Self::ChecksumMismatch(_) => "BadDigest",
            Self::ContentSha256Mismatch => "XAmzContentSHA256Mismatch",
            Self::SignatureMismatch(_) => "SignatureDoesNotMatch",
            Self::IncompleteBody => "IncompleteBody",
            Self::MissingDecodedLength => "MissingContentLength",
            Self::InvalidDecodedLength => "InvalidArgument",
            Self::MalformedChunk(_)
            | Self::MalformedTrailer(_)
            | Self::InvalidChecksumValue(_)
            | Self::MultipleChecksums
            | Self::InvalidSdkChecksumAlgorithm
            | Self::MissingChecksum
            | Self::UnsupportedTrailer => "InvalidRequest",
            Self::NoSigningContext => "InternalError",
        }
    }

    /// S3's message (the `Display` text).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The HTTP status S3 sends with it.
    pub fn status(&self) -> u16 {
        match self {
            Self::SignatureMismatch(_) => 403,
            Self::MissingDecodedLength => 411,
            Self::NoSigningContext => 500,
            _ => 400,
        }
    }
}
