//! The additional checksums S3 clients send with an upload
//! (`x-amz-checksum-<alg>` headers or trailers, named by
//! `x-amz-sdk-checksum-algorithm`): CRC32, CRC32C, CRC64NVME, SHA-1 and
//! SHA-256, computed incrementally as the body streams. Values travel as
//! base64 of the digest bytes (a CRC as its big-endian bytes).

use std::fmt;
use std::sync::LazyLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use crc::{Crc, Table, CRC_32_ISCSI, CRC_32_ISO_HDLC, CRC_64_NVME};
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

/// Slice-by-16 tables: uploads can be large and the Worker pays for CPU
/// time. Built on first use (microseconds, once per isolate) rather than at
/// compile time, where they would ship as 64 KiB of incompressible data in
/// the Worker's wasm (boxed: inline, a lazy static still ships as zeroed data).
static CRC32: LazyLock<Box<Crc<u32, Table<16>>>> =
    LazyLock::new(|| Box::new(Crc::<u32, Table<16>>::new(&CRC_32_ISO_HDLC)));
static CRC32C: LazyLock<Box<Crc<u32, Table<16>>>> =
    LazyLock::new(|| Box::new(Crc::<u32, Table<16>>::new(&CRC_32_ISCSI)));
static CRC64NVME: LazyLock<Box<Crc<u64, Table<16>>>> =
    LazyLock::new(|| Box::new(Crc::<u64, Table<16>>::new(&CRC_64_NVME)));

/// A checksum algorithm S3 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    /// CRC-32/ISO-HDLC (the SDKs' default).
    Crc32,
    /// CRC-32C (Castagnoli, CRC-32/ISCSI).
    Crc32c,
    /// CRC-64/NVME.
    Crc64Nvme,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl ChecksumAlgorithm {
    /// Every algorithm.
    pub const ALL: [Self; 5] = [Self::Crc32, Self::Crc32c, Self::Crc64Nvme, Self::Sha1, Self::Sha256];

    /// The header (and trailer) that carries a value, e.g. `x-amz-checksum-crc32`.
    pub fn header_name(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha1 => "x-amz-checksum-sha1",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// The name in `x-amz-sdk-checksum-algorithm` / `x-amz-checksum-algorithm`
    /// and in S3's messages, e.g. `CRC32`.
    pub fn sdk_name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// The algorithm whose value header is `name` (any case).
    pub fn from_header_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.header_name().eq_ignore_ascii_case(name.trim()))
    }

    /// The algorithm named `name` as the SDKs name it (any case).
    pub fn from_sdk_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.sdk_name().eq_ignore_ascii_case(name.trim()))
    }

    /// The length of a digest, in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Crc32 | Self::Crc32c => 4,
            Self::Crc64Nvme => 8,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }

    /// A fresh incremental hasher.
    pub fn hasher(self) -> Hasher {
        Hasher(match self {
            Self::Crc32 => State::Crc32(CRC32.digest()),
            Self::Crc32c => State::Crc32c(CRC32C.digest()),
            Self::Crc64Nvme => State::Crc64Nvme(CRC64NVME.digest()),
            Self::Sha1 => State::Sha1(Sha1::new()),
            Self::Sha256 => State::Sha256(Sha256::new()),
        })
    }

    /// Reads a value as sent (padded standard base64 of exactly
    /// [`ChecksumAlgorithm::digest_len`] bytes); `None` if it is not one.
    pub fn parse_value(self, base64: &str) -> Option<ChecksumValue> {
        let bytes = STANDARD.decode(base64.trim()).ok()?;
        (bytes.len() == self.digest_len()).then_some(ChecksumValue { algorithm: self, bytes })
    }

    /// The checksum of `data` in one go.
    pub fn digest(self, data: &[u8]) -> ChecksumValue {
        let mut hasher = self.hasher();
        hasher.update(data);
        hasher.finalize()
    }
}

impl fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sdk_name())
    }
}

/// An incremental checksum of one algorithm.
pub struct Hasher(State);

enum State {
    Crc32(crc::Digest<'static, u32, Table<16>>),
    Crc32c(crc::Digest<'static, u32, Table<16>>),
    Crc64Nvme(crc::Digest<'static, u64, Table<16>>),
    Sha1(Sha1),
    Sha256(Sha256),
}

impl Hasher {
    /// The algorithm this computes.
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        match self.0 {
            State::Crc32(_) => ChecksumAlgorithm::Crc32,
            State::Crc32c(_) => ChecksumAlgorithm::Crc32c,
            State::Crc64Nvme(_) => ChecksumAlgorithm::Crc64Nvme,
            State::Sha1(_) => ChecksumAlgorithm::Sha1,
            State::Sha256(_) => ChecksumAlgorithm::Sha256,
        }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            State::Crc32(d) | State::Crc32c(d) => d.update(data),
            State::Crc64Nvme(d) => d.update(data),
            State::Sha1(d) => d.update(data),
            State::Sha256(d) => d.update(data),
        }
    }

    /// The checksum of everything added.
    pub fn finalize(self) -> ChecksumValue {
        let (algorithm, bytes) = match self.0 {
            State::Crc32(d) => (ChecksumAlgorithm::Crc32, d.finalize().to_be_bytes().to_vec()),
            State::Crc32c(d) => (ChecksumAlgorithm::Crc32c, d.finalize().to_be_bytes().to_vec()),
            State::Crc64Nvme(d) => (ChecksumAlgorithm::Crc64Nvme, d.finalize().to_be_bytes().to_vec()),
            State::Sha1(d) => (ChecksumAlgorithm::Sha1, d.finalize().to_vec()),
            State::Sha256(d) => (ChecksumAlgorithm::Sha256, d.finalize().to_vec()),
        };
        ChecksumValue { algorithm, bytes }
    }
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Hasher").field(&self.algorithm()).finish()
    }
}

/// A checksum: its algorithm and digest bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecksumValue {
    /// The algorithm.
    pub algorithm: ChecksumAlgorithm,
    /// The digest, big-endian for CRCs.
    pub bytes: Vec<u8>,
}

impl ChecksumValue {
    /// The value as S3 sends it: padded standard base64.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(&self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check values of the CRC catalogue (digest of "123456789") and
    /// the FIPS 180 "abc" digests, then the same through many small updates.
    #[test]
    fn known_digests_whole_and_incremental() {
        let check = b"123456789";
        let cases: [(ChecksumAlgorithm, &[u8], &str); 5] = [
            (ChecksumAlgorithm::Crc32, check, "cbf43926"),
            (ChecksumAlgorithm::Crc32c, check, "e3069283"),
            (ChecksumAlgorithm::Crc64Nvme, check, "ae8b14860a799888"),
            (ChecksumAlgorithm::Sha1, b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (ChecksumAlgorithm::Sha256, b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ];
        for (algorithm, data, hex_digest) in cases {
            let whole = algorithm.digest(data);
            assert_eq!(hex::encode(&whole.bytes), hex_digest, "{algorithm}");
            let mut hasher = algorithm.hasher();
            for byte in data.chunks(1) {
                hasher.update(byte);
            }
            assert_eq!(hasher.finalize(), whole, "{algorithm}");
            assert_eq!(algorithm.parse_value(&whole.to_base64()), Some(whole.clone()), "{algorithm}");
        }
        // S3's value of an empty body with CRC32 is AAAAAA==.
        assert_eq!(ChecksumAlgorithm::Crc32.digest(b"").to_base64(), "AAAAAA==");
    }

    #[test]
    fn names_and_values_are_read_strictly() {
        for a in ChecksumAlgorithm::ALL {
            assert_eq!(ChecksumAlgorithm::from_header_name(&a.header_name().to_ascii_uppercase()), Some(a));
            assert_eq!(ChecksumAlgorithm::from_sdk_name(&a.sdk_name().to_ascii_lowercase()), Some(a));
        }
        for name in ["x-amz-checksum-type", "x-amz-checksum-algorithm", "x-amz-checksum-mode", "x-amz-checksum-md5"] {
            assert_eq!(ChecksumAlgorithm::from_header_name(name), None, "{name}");
        }
        assert_eq!(ChecksumAlgorithm::from_sdk_name("CRC"), None);
        let crc32 = ChecksumAlgorithm::Crc32;
        for bad in ["", "AAAA", "AAAAAAAA", "AAAAAA=", "AAAAAA", "!!!!!!==", "AAAAAAAAAAA="] {
            assert_eq!(crc32.parse_value(bad), None, "{bad:?}");
        }
    }
}
