//! Test support: a manual clock, seeded randomness, a pure-Rust ES256 signer
//! (the reference for the Worker's WebCrypto one) and a tiny executor.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use super::capabilities::{Clock, Random, SignError, Signer};
use super::model::IdentityPool;
use super::records::PoolRecord;

/// Runs a future to completion on this thread.
pub fn block_on<F: Future>(f: F) -> F::Output {
    futures_executor::block_on(f)
}

/// A clock that moves only when told.
#[derive(Debug)]
pub struct ManualClock(Cell<u64>);

impl ManualClock {
    /// A clock at `now`.
    pub fn new(now: u64) -> Self {
        Self(Cell::new(now))
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: u64) {
        self.0.set(self.0.get() + seconds);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.0.get()
    }
}

/// Deterministic bytes (SHA-256 in counter mode over a seed): repeatable
/// tests, never used outside them.
#[derive(Debug)]
pub struct SeededRandom {
    seed: u64,
    counter: RefCell<u64>,
}

impl SeededRandom {
    /// A source seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { seed, counter: RefCell::new(0) }
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(32) {
            let mut c = self.counter.borrow_mut();
            *c += 1;
            let block = Sha256::new().chain_update(self.seed.to_be_bytes()).chain_update(c.to_be_bytes()).finalize();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}

/// ES256 in pure Rust.
pub struct P256Signer {
    pub(crate) key: SigningKey,
    pub(crate) kid: String,
}

impl Signer for P256Signer {
    fn key_id(&self) -> &str {
        &self.kid
    }

    async fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let sig: Signature = self.key.sign(message);
        Ok(sig.to_bytes().into())
    }
}

/// A pool record for tests.
pub fn pool_record(pool_id: &str, guests: bool) -> PoolRecord {
    let config = IdentityPool {
        identity_pool_id: Some(pool_id.into()),
        identity_pool_name: Some("test pool".into()),
        allow_unauthenticated_identities: Some(guests),
        ..Default::default()
    };
    PoolRecord { config, roles: BTreeMap::new(), role_mappings: BTreeMap::new(), created: 0 }
}
