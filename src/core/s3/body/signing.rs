//! The signing context of signed aws-chunked bodies: the request's signing
//! key, time, scope and seed signature, and the chunk and trailer
//! signatures chained from it.

use std::fmt;

use sha2::{Digest as _, Sha256};

use super::{CHUNK_ALGORITHM, EMPTY_SHA256, TRAILER_ALGORITHM};
use crate::core::sigv4::{self, Authorization};

/// What signed chunks are checked with: the request's signing key, time,
/// scope and (verified) signature. Secret: the key is never shown.
#[derive(Clone)]
pub struct ChunkSigning {
    key: [u8; 32],
    amz_date: String,
    scope: String,
    pub(super) seed: [u8; 32],
}

impl ChunkSigning {
    /// The context from its parts: the SigV4 signing key of the request's
    /// scope, its `X-Amz-Date`, its credential scope and its signature.
    pub fn new(key: [u8; 32], amz_date: String, scope: String, seed_signature: [u8; 32]) -> Self {
        Self { key, amz_date, scope, seed: seed_signature }
    }

    /// The context of a request whose `auth` [`sigv4::verify`] has accepted
    /// with `secret_access_key`; `None` if its signature is not hex.
    pub fn for_verified(auth: &Authorization, secret_access_key: &str) -> Option<Self> {
        let key = sigv4::signing_key(secret_access_key, &auth.scope_date, &auth.region, &auth.service);
        let amz_date = crate::core::time::format_amz_date(auth.request_time);
        Some(Self::new(key, amz_date, auth.credential_scope(), auth.seed_signature()?))
    }

    /// The seed: the signature the first chunk's chains from.
    pub fn seed_signature(&self) -> [u8; 32] {
        self.seed
    }

    /// The signature of a chunk holding `data` that follows the chunk (or
    /// seed) signed `previous`: HMAC over `AWS4-HMAC-SHA256-PAYLOAD`, the
    /// date, the scope, `previous`, the hash of nothing and the hash of `data`.
    pub fn chunk_signature(&self, previous: &[u8; 32], data: &[u8]) -> [u8; 32] {
        let data_hash = hex::encode(Sha256::digest(data));
        self.sign(CHUNK_ALGORITHM, previous, &format!("{EMPTY_SHA256}\n{data_hash}"))
    }

    /// The signature of the trailing headers `canonical` (each `name:value\n`,
    /// names lowercase) after the final chunk signed `previous`.
    pub fn trailer_signature(&self, previous: &[u8; 32], canonical: &str) -> [u8; 32] {
        self.sign(TRAILER_ALGORITHM, previous, &hex::encode(Sha256::digest(canonical.as_bytes())))
    }

    pub(super) fn sign(&self, algorithm: &str, previous: &[u8; 32], hashes: &str) -> [u8; 32] {
        let Self { amz_date, scope, .. } = self;
        let sts = format!("{algorithm}\n{amz_date}\n{scope}\n{}\n{hashes}", hex::encode(previous));
        sigv4::hmac_sha256(&self.key, sts.as_bytes())
    }
}

impl fmt::Debug for ChunkSigning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkSigning")
            .field("key", &"[redacted]")
            .field("amz_date", &self.amz_date)
            .field("scope", &self.scope)
            .field("seed", &hex::encode(self.seed))
            .finish()
    }
}
