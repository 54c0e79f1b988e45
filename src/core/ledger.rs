//! The pool authority's consistent state (a [`Ledger`]: SQLite in the
//! Durable Object, a map in the test doubles) and the outbox that carries
//! each change through to the read store, retried until the store has taken
//! it.

use std::cell::{Cell, RefCell};

use serde::{Deserialize, Serialize};

use super::store::{PutOptions, Store, StoreError};

/// One change of a key, as the read store must repeat it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mutation {
    /// Write `value` (and `metadata`) at `key`.
    Put {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// Its `list()` metadata.
        metadata: Option<String>,
    },
    /// Remove `key`.
    Delete {
        /// The key.
        key: String,
    },
}

impl Mutation {
    /// The key it changes.
    pub fn key(&self) -> &str {
        match self {
            Self::Put { key, .. } | Self::Delete { key } => key,
        }
    }
}

/// The ledger's storage failed (never caused by input: keys and values are
/// bound parameters).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("ledger storage failed: {0}")]
pub struct LedgerError(pub String);

/// Consistent, synchronous key-value state with an outbox. Implementations
/// must not yield between calls, so a command runs as one atomic step.
pub trait Ledger {
    /// The value at `key`.
    fn get(&self, key: &str) -> Result<Option<String>, LedgerError>;
    /// Every key starting with `prefix`, in order.
    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, LedgerError>;
    /// At most `limit` keys starting with `prefix` and after `after`, in order.
    fn keys_after(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<String>, LedgerError>;
    /// Applies `mutation` to the state and queues it for the read store.
    fn commit(&mut self, mutation: Mutation) -> Result<(), LedgerError>;
    /// Up to `limit` queued mutations, oldest first, with their sequence numbers.
    fn pending(&self, limit: usize) -> Result<Vec<(u64, Mutation)>, LedgerError>;
    /// Drops the queued mutation `seq` (the store has it).
    fn acknowledge(&mut self, seq: u64) -> Result<(), LedgerError>;
}

/// Most mutations one flush writes (a Worker invocation has a subrequest
/// budget; the rest waits for the next flush).
pub const FLUSH_BATCH: usize = 256;

/// Carries a ledger's outbox to the read store, in order, one flusher at a
/// time (two flushers could write an older value after a newer one).
#[derive(Debug, Default)]
pub struct WriteThrough {
    flushing: Cell<bool>,
}

/// What a flush achieved.
#[derive(Debug, PartialEq, Eq)]
pub enum Flushed {
    /// The outbox is empty.
    Done,
    /// Another flush is running; it will carry these changes too.
    Busy,
    /// The batch limit was reached; more is pending.
    More,
}

impl WriteThrough {
    /// Writes queued mutations to `store`, oldest first, until the outbox is
    /// empty, the batch limit is reached or the store fails (the failed one
    /// stays queued).
    pub async fn flush<L: Ledger, S: Store>(&self, ledger: &RefCell<L>, store: &S) -> Result<Flushed, StoreError> {
        if self.flushing.replace(true) {
            return Ok(Flushed::Busy);
        }
        let result = Self::drain(ledger, store).await;
        self.flushing.set(false);
        result
    }

    async fn drain<L: Ledger, S: Store>(ledger: &RefCell<L>, store: &S) -> Result<Flushed, StoreError> {
        let mut written = 0;
        loop {
            let batch = ledger.borrow().pending(16).map_err(unavailable)?;
            if batch.is_empty() {
                return Ok(Flushed::Done);
            }
            for (seq, mutation) in batch {
                if written == FLUSH_BATCH {
                    return Ok(Flushed::More);
                }
                match &mutation {
                    Mutation::Put { key, value, metadata } => {
                        let options = PutOptions { metadata: metadata.clone(), ttl: None };
                        store.put(key, value, options).await?
                    }
                    Mutation::Delete { key } => store.delete(key).await?,
                }
                ledger.borrow_mut().acknowledge(seq).map_err(unavailable)?;
                written += 1;
            }
        }
    }
}

fn unavailable(e: LedgerError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::memory::MemoryLedger;

    fn put(k: &str, v: &str) -> Mutation {
        Mutation::Put { key: k.into(), value: v.into(), metadata: None }
    }

    #[test]
    fn commits_apply_at_once_and_queue_in_order() {
        let mut l = MemoryLedger::default();
        l.commit(put("a/1", "x")).unwrap();
        l.commit(put("a/2", "y")).unwrap();
        l.commit(put("b/1", "z")).unwrap();
        l.commit(Mutation::Delete { key: "a/1".into() }).unwrap();
        assert_eq!(l.get("a/1").unwrap(), None);
        assert_eq!(l.keys_with_prefix("a/").unwrap(), vec!["a/2".to_owned()]);
        let pending = l.pending(10).unwrap();
        assert_eq!(pending.len(), 4);
        assert!(pending.windows(2).all(|w| w[0].0 < w[1].0));
        l.acknowledge(pending[0].0).unwrap();
        assert_eq!(l.pending(10).unwrap().len(), 3);
    }
}
