//! What a signature says about the body: the payload hash of the canonical
//! request. Services other than S3 hash the body; S3 takes the claim of the
//! `x-amz-content-sha256` header (or `X-Amz-Content-Sha256` parameter)
//! verbatim, which may be a hash, "unsigned", or one of the aws-chunked
//! streaming forms whose chunks are checked as the body streams
//! (`core::s3::body`).

use std::borrow::Cow;

/// The `x-amz-content-sha256` value of an unsigned body.
pub(super) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// aws-chunked, unsigned chunks, a checksum in the trailer.
pub(super) const STREAMING_UNSIGNED_PAYLOAD_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
/// aws-chunked, every chunk signed.
pub(super) const STREAMING_SIGNED_PAYLOAD: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
/// aws-chunked, every chunk signed, then a signed trailer.
pub(super) const STREAMING_SIGNED_PAYLOAD_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";

/// What the signer claims about the body, as the canonical request states
/// it. Claimed, not checked: [`PayloadMode::Hash`] and the streaming modes
/// are verified against the bytes by whoever reads the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadMode {
    /// The body's SHA-256 (for services other than S3: the hash of the body
    /// the verifier was given, computed by `parse`).
    Hash([u8; 32]),
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
    Unsigned,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: aws-chunked, unsigned chunks, a trailer.
    UnsignedTrailer,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: aws-chunked, each chunk signed.
    SignedChunks,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks, signed trailer.
    SignedChunksTrailer,
}

impl PayloadMode {
    /// Reads an `x-amz-content-sha256` value: 64 lowercase hex digits or one
    /// of the four named forms; `None` for anything else (including the
    /// ECDSA forms, which need SigV4a).
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            UNSIGNED_PAYLOAD => Self::Unsigned,
            STREAMING_UNSIGNED_PAYLOAD_TRAILER => Self::UnsignedTrailer,
            STREAMING_SIGNED_PAYLOAD => Self::SignedChunks,
            STREAMING_SIGNED_PAYLOAD_TRAILER => Self::SignedChunksTrailer,
            hash if hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => {
                let mut bytes = [0; 32];
                hex::decode_to_slice(hash, &mut bytes).ok()?;
                Self::Hash(bytes)
            }
            _ => return None,
        })
    }

    /// The value as it stands in the canonical request (the inverse of [`PayloadMode::parse`]).
    pub fn canonical(&self) -> Cow<'static, str> {
        match self {
            Self::Hash(hash) => Cow::Owned(hex::encode(hash)),
            Self::Unsigned => Cow::Borrowed(UNSIGNED_PAYLOAD),
            Self::UnsignedTrailer => Cow::Borrowed(STREAMING_UNSIGNED_PAYLOAD_TRAILER),
            Self::SignedChunks => Cow::Borrowed(STREAMING_SIGNED_PAYLOAD),
            Self::SignedChunksTrailer => Cow::Borrowed(STREAMING_SIGNED_PAYLOAD_TRAILER),
        }
    }

    /// Whether the body is aws-chunked.
    pub fn is_streaming(&self) -> bool {
        !matches!(self, Self::Hash(_) | Self::Unsigned)
    }

    /// Whether each chunk carries a signature chained from the request's.
    pub fn has_signed_chunks(&self) -> bool {
        matches!(self, Self::SignedChunks | Self::SignedChunksTrailer)
    }

    /// Whether trailing headers follow the last chunk.
    pub fn has_trailer(&self) -> bool {
        matches!(self, Self::UnsignedTrailer | Self::SignedChunksTrailer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_the_accepted_values_and_round_trips() {
        let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let accepted = [
            (hash, "hash"),
            (UNSIGNED_PAYLOAD, "unsigned"),
            (STREAMING_UNSIGNED_PAYLOAD_TRAILER, "unsigned trailer"),
            (STREAMING_SIGNED_PAYLOAD, "signed chunks"),
            (STREAMING_SIGNED_PAYLOAD_TRAILER, "signed chunks trailer"),
        ];
        for (value, what) in accepted {
            let mode = PayloadMode::parse(value).unwrap_or_else(|| panic!("{what}"));
            assert_eq!(mode.canonical(), value, "{what}");
        }
        let refused = [
            "",
            &hash.to_ascii_uppercase(),
            &hash[1..],
            &format!("{hash}0"),
            "unsigned-payload",
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
            " UNSIGNED-PAYLOAD",
            "g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ];
        for value in refused {
            assert_eq!(PayloadMode::parse(value), None, "{value:?}");
        }
        assert!(!PayloadMode::Unsigned.is_streaming() && PayloadMode::UnsignedTrailer.is_streaming());
        assert!(
            PayloadMode::SignedChunksTrailer.has_signed_chunks() && !PayloadMode::UnsignedTrailer.has_signed_chunks()
        );
        assert!(PayloadMode::UnsignedTrailer.has_trailer() && !PayloadMode::SignedChunks.has_trailer());
    }
}
