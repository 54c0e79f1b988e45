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
    /// Drops the queued mutations up to and including `seq` (the store has them).
    fn acknowledge_through(&mut self, seq: u64) -> Result<(), LedgerError>;
    /// Marks `key` to be written to the store again at `due` (seconds),
    /// replacing an earlier mark of it (see `authority::recheck`). A mark is
    /// the authority's own state: it is not carried to the store.
    fn mark_recheck(&mut self, key: &str, due: u64) -> Result<(), LedgerError>;
    /// Up to `limit` marked keys due by `now`, the earliest first.
    fn rechecks_due(&self, now: u64, limit: usize) -> Result<Vec<String>, LedgerError>;
    /// Whether any key is marked, due or not.
    fn rechecks_waiting(&self) -> Result<bool, LedgerError>;
    /// Removes the marks of `keys`.
    fn clear_rechecks(&mut self, keys: &[String]) -> Result<(), LedgerError>;
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
            let batch = ledger.borrow().pending(READ_BATCH).map_err(unavailable)?;
            let Some(&(last, _)) = batch.last() else { return Ok(Flushed::Done) };
            if written + batch.len() > FLUSH_BATCH {
                return Ok(Flushed::More);
            }
            for mutation in superseding(&batch) {
                match mutation {
                    Mutation::Put { key, value, metadata } => {
                        let options = PutOptions { metadata: metadata.clone(), ttl: None };
                        store.put(key, value, options).await?
                    }
                    Mutation::Delete { key } => store.delete(key).await?,
                }
                written += 1;
            }
            // One acknowledgement for the batch: a failure above leaves all
            // of it queued, and writing it again writes the same values.
            ledger.borrow_mut().acknowledge_through(last).map_err(unavailable)?;
        }
    }
}

/// How many queued mutations one step of a flush reads.
const READ_BATCH: usize = 16;

/// The mutations of `batch` the store must take, in order: the last of each
/// key (a later change of a key supersedes an earlier one; a change's
/// mutations are of different keys, and readers tolerate the store taking
/// different keys in any order, as KV's caches do).
fn superseding(batch: &[(u64, Mutation)]) -> impl Iterator<Item = &Mutation> {
    batch
        .iter()
        .enumerate()
        .filter(|(i, (_, m))| !batch[i + 1..].iter().any(|(_, later)| later.key() == m.key()))
        .map(|(_, (_, m))| m)
}

fn unavailable(e: LedgerError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::core::memory::{MemoryLedger, MemoryStore};
    use crate::core::testing::{block_on, ManualClock};

    fn store() -> MemoryStore {
        MemoryStore::new(Rc::new(ManualClock::new(1_000)))
    }

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
        l.acknowledge_through(pending[1].0).unwrap();
        assert_eq!(l.pending(10).unwrap(), pending[2..].to_vec());
    }

    #[test]
    fn a_flush_writes_the_last_change_of_each_key_and_empties_the_outbox() {
        let l = RefCell::new(MemoryLedger::default());
        let store = store();
        for m in [put("a", "1"), put("b", "1"), put("a", "2"), Mutation::Delete { key: "b".into() }, put("c", "1")] {
            l.borrow_mut().commit(m).unwrap();
        }
        let flushed = block_on(WriteThrough::default().flush(&l, &store)).unwrap();
        assert_eq!(flushed, Flushed::Done);
        assert!(l.borrow().pending(10).unwrap().is_empty());
        let get = |k: &str| block_on(store.get(k)).unwrap();
        assert_eq!((get("a"), get("b"), get("c")), (Some("2".into()), None, Some("1".into())));
        assert_eq!(store.writes(), 3, "a's first value and b's put are superseded, not written");
    }

    #[test]
    fn a_failed_write_leaves_its_whole_batch_queued_and_a_flush_stops_at_its_limit() {
        let l = RefCell::new(MemoryLedger::default());
        for i in 0..FLUSH_BATCH + 40 {
            l.borrow_mut().commit(put(&format!("k/{i}"), "v")).unwrap();
        }
        let store = store();
        store.fail_next_writes(1);
        assert!(block_on(WriteThrough::default().flush(&l, &store)).is_err());
        assert_eq!(l.borrow().pending(1000).unwrap().len(), FLUSH_BATCH + 40, "nothing acknowledged");
        let w = WriteThrough::default();
        assert_eq!(block_on(w.flush(&l, &store)).unwrap(), Flushed::More);
        assert_eq!(l.borrow().pending(1000).unwrap().len(), 40);
        assert_eq!(store.writes(), 1 + FLUSH_BATCH as u64, "the failed write, then one flush's worth");
        assert_eq!(block_on(w.flush(&l, &store)).unwrap(), Flushed::Done);
        assert!(l.borrow().pending(1000).unwrap().is_empty());
    }
}
