//! The checked upload body, sans-IO: [`BodyChecker`] takes the body as it
//! arrives, in pieces of any size, and gives back the object's bytes —
//! aws-chunked framing removed for the streaming payload modes, every chunk
//! signature checked along the chain from the request's seed signature —
//! while it computes the MD5 (the ETag), the declared checksum and, for a
//! hashed payload, the SHA-256. [`BodyChecker::finish`] then says whether
//! the body was whole and matched every claim of the request head.
//!
//! Bytes are passed on before the body is known to be good: whoever stores
//! them must abandon the write when `feed` or `finish` fails. Memory is
//! bounded: at most one framing line ([`MAX_LINE`]) is buffered; chunk data
//! streams straight through. Errors are S3's, with its codes and statuses.

mod checker;
mod error;
mod signing;
#[cfg(test)]
mod tests;

pub use checker::BodyChecker;
pub use error::BodyError;
pub use signing::ChunkSigning;

use super::checksum::ChecksumValue;
use crate::core::sigv4::PayloadMode;

/// The longest framing line (chunk header or trailer), without its CRLF.
pub const MAX_LINE: usize = 4096;
/// The string-to-sign algorithm line of a chunk.
const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";
/// The string-to-sign algorithm line of the trailer.
const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";
/// The trailer that signs the other trailers.
const TRAILER_SIGNATURE: &str = "x-amz-trailer-signature";
/// Hex SHA-256 of nothing (the second hash of every chunk string to sign).
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What the request head says about its body.
#[derive(Debug, Clone, Copy)]
pub struct BodyHead<'a> {
    /// The verified payload claim (`Authorization::payload`).
    pub payload: PayloadMode,
    /// The request headers (names in any case): `x-amz-decoded-content-length`,
    /// `Content-MD5`, `x-amz-checksum-<alg>`, `x-amz-trailer` and
    /// `x-amz-sdk-checksum-algorithm` are read.
    pub headers: &'a [(String, String)],
    /// For signed chunks: the signing context of the verified request.
    pub signing: Option<&'a ChunkSigning>,
}

/// What a whole, good body hashed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyDigests {
    /// MD5 of the object's bytes (a single-part ETag).
    pub md5: [u8; 16],
    /// The checksum the request declared (header or trailer), now verified.
    pub checksum: Option<ChecksumValue>,
    /// The object's size: decoded bytes passed on.
    pub decoded_length: u64,
}

impl BodyDigests {
    /// The ETag of a single-part object: the hex MD5 in quotes.
    pub fn etag(&self) -> String {
        format!("\"{}\"", hex::encode(self.md5))
    }
}
