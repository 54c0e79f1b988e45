//! In-memory test doubles for native tests, benchmarks and the fuzz crate
//! (compiled only for tests and with the `testing` feature, never into a
//! Worker or the browser package): [`MemoryStore`], a read store with
//! Workers KV's limits that can lag behind writes like KV does across
//! locations, [`MemoryLedger`], the Durable Object's tables as a map, and
//! [`MemoryAuthority`], pool authorities over [`MemoryLedger`]s that write
//! through to a store as the Durable Object does.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::authority::{execute, Command, Outcome};
use super::background::{self, Next};
use super::capabilities::{Authority, Clock};
use super::error::ApiError;
use super::ids::RouteTag;
use super::ledger::{Flushed, Ledger, LedgerError, Mutation, WriteThrough};
use super::records::MemberMetadata;
use super::store::{check_limits, Later, ListPage, ListedKey, PutOptions, Store, StoreError, MAX_LIST_LIMIT};

/// A [`Ledger`] in memory: the native stand-in for the Durable Object's
/// SQLite tables, with the same semantics.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    entries: BTreeMap<String, String>,
    outbox: BTreeMap<u64, Mutation>,
    next_seq: u64,
    rechecks: BTreeMap<String, u64>,
}

impl MemoryLedger {
    /// Every entry, in key order.
    pub fn entries(&self) -> Vec<(String, String)> {
        self.entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

impl Ledger for MemoryLedger {
    fn get(&self, key: &str) -> Result<Option<String>, LedgerError> {
        Ok(self.entries.get(key).cloned())
    }

    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, LedgerError> {
        let range = self.entries.range(prefix.to_owned()..);
        Ok(range.take_while(|(k, _)| k.starts_with(prefix)).map(|(k, _)| k.clone()).collect())
    }

    fn keys_after(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<String>, LedgerError> {
        use std::ops::Bound;
        let start = match after {
            Some(a) if a >= prefix => Bound::Excluded(a.to_owned()),
            _ => Bound::Included(prefix.to_owned()),
        };
        let range = self.entries.range((start, Bound::Unbounded));
        Ok(range.take_while(|(k, _)| k.starts_with(prefix)).take(limit).map(|(k, _)| k.clone()).collect())
    }

    fn commit(&mut self, mutation: Mutation) -> Result<(), LedgerError> {
        match &mutation {
            Mutation::Put { key, value, .. } => {
                self.entries.insert(key.clone(), value.clone());
            }
            Mutation::Delete { key } => {
                self.entries.remove(key);
            }
        }
        self.next_seq += 1;
        self.outbox.insert(self.next_seq, mutation);
        Ok(())
    }

    fn pending(&self, limit: usize) -> Result<Vec<(u64, Mutation)>, LedgerError> {
        Ok(self.outbox.iter().take(limit).map(|(s, m)| (*s, m.clone())).collect())
    }

    fn acknowledge_through(&mut self, seq: u64) -> Result<(), LedgerError> {
        self.outbox = self.outbox.split_off(&(seq + 1));
        Ok(())
    }

    fn mark_recheck(&mut self, key: &str, due: u64) -> Result<(), LedgerError> {
        self.rechecks.insert(key.to_owned(), due);
        Ok(())
    }

    fn rechecks_due(&self, now: u64, limit: usize) -> Result<Vec<String>, LedgerError> {
        let mut due: Vec<(u64, &String)> =
            self.rechecks.iter().filter(|(_, d)| **d <= now).map(|(k, d)| (*d, k)).collect();
        due.sort();
        Ok(due.into_iter().take(limit).map(|(_, k)| k.clone()).collect())
    }

    fn rechecks_waiting(&self) -> Result<bool, LedgerError> {
        Ok(!self.rechecks.is_empty())
    }

    fn clear_rechecks(&mut self, keys: &[String]) -> Result<(), LedgerError> {
        for key in keys {
            self.rechecks.remove(key);
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Version {
    written: u64,
    /// `None` for a deletion.
    value: Option<(String, Option<String>)>,
    expires: Option<u64>,
}

/// A read store in memory, with KV's limits and optional staleness.
pub struct MemoryStore {
    clock: Rc<dyn Clock>,
    entries: RefCell<BTreeMap<String, Vec<Version>>>,
    lag: Cell<u64>,
    failing_writes: Cell<u32>,
    later: RefCell<Vec<Later>>,
    reads: Cell<u64>,
    writes: Cell<u64>,
    lost_acks: Cell<u32>,
}

impl MemoryStore {
    /// An empty store reading time from `clock`.
    pub fn new(clock: Rc<dyn Clock>) -> Self {
        Self {
            clock,
            entries: RefCell::default(),
            lag: Cell::new(0),
            failing_writes: Cell::new(0),
            later: RefCell::default(),
            reads: Cell::new(0),
            writes: Cell::new(0),
            lost_acks: Cell::new(0),
        }
    }

    /// How many `get`s and `list`s were served so far.
    pub fn reads(&self) -> u64 {
        self.reads.get()
    }

    /// How many puts and deletes were tried so far.
    pub fn writes(&self) -> u64 {
        self.writes.get()
    }

    /// Runs the writes queued by [`Store::put_later`] (as the platform does
    /// after the response); the number that failed.
    pub fn run_later(&self) -> usize {
        let queued = std::mem::take(&mut *self.later.borrow_mut());
        let failed = |write: Later| match write {
            Later::Put { key, value, options } => {
                check_limits(&key, &options).is_err()
                    || self.write(&key, Some((value, options.metadata)), options.ttl).is_err()
            }
            Later::Delete { key } => self.write(&key, None, None).is_err(),
            Later::MarkUsed { key, used } => {
                // As the Worker does it: one listing of the key, then a put.
                self.reads.set(self.reads.get() + 1);
                let now = self.clock.now();
                let seen = self.entries.borrow().get(&key).and_then(|v| Self::visible(v, now, self.lag.get()));
                let marked = seen.and_then(|(_, m)| m).and_then(|m| MemberMetadata::marked_used(&m, used));
                marked.is_some_and(|m| self.write(&key, Some((String::new(), Some(m))), None).is_err())
            }
        };
        queued.into_iter().map(failed).filter(|f| *f).count()
    }

    /// From now on, reads see only writes at least `seconds` old (as KV at a
    /// distant location may).
    pub fn set_lag(&self, seconds: u64) {
        self.lag.set(seconds);
    }

    /// The next `count` writes fail as an unavailable store would.
    pub fn fail_next_writes(&self, count: u32) {
        self.failing_writes.set(count);
    }

    /// The next `count` writes are applied, but their callers are told they
    /// failed (an answer lost on the way back, or a writer that died after
    /// writing and before noting it).
    pub fn lose_next_acks(&self, count: u32) {
        self.lost_acks.set(count);
    }

    /// Every live key and value, up to date (for assertions on what is stored).
    pub fn dump(&self) -> Vec<(String, String, Option<String>)> {
        let now = self.clock.now();
        self.entries
            .borrow()
            .iter()
            .filter_map(|(k, versions)| Self::visible(versions, now, 0).map(|(v, m)| (k.clone(), v, m)))
            .collect()
    }

    fn visible(versions: &[Version], now: u64, lag: u64) -> Option<(String, Option<String>)> {
        let seen = versions.iter().rev().find(|v| v.written.saturating_add(lag) <= now)?;
        match seen.expires {
            Some(at) if at <= now => None,
            _ => seen.value.clone(),
        }
    }

    fn write(&self, key: &str, value: Option<(String, Option<String>)>, ttl: Option<u64>) -> Result<(), StoreError> {
        self.writes.set(self.writes.get() + 1);
        if self.failing_writes.get() > 0 {
            self.failing_writes.set(self.failing_writes.get() - 1);
            return Err(StoreError::Unavailable("injected failure".into()));
        }
        let now = self.clock.now();
        let version = Version { written: now, value, expires: ttl.map(|t| now + t) };
        self.entries.borrow_mut().entry(key.to_owned()).or_default().push(version);
        if self.lost_acks.get() > 0 {
            self.lost_acks.set(self.lost_acks.get() - 1);
            return Err(StoreError::Unavailable("injected lost acknowledgement".into()));
        }
        Ok(())
    }
}

impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.reads.set(self.reads.get() + 1);
        let now = self.clock.now();
        Ok(self.entries.borrow().get(key).and_then(|v| Self::visible(v, now, self.lag.get())).map(|(v, _)| v))
    }

    async fn put(&self, key: &str, value: &str, options: PutOptions) -> Result<(), StoreError> {
        check_limits(key, &options)?;
        self.write(key, Some((value.to_owned(), options.metadata)), options.ttl)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        check_limits(key, &PutOptions::default())?;
        self.write(key, None, None)
    }

    fn later(&self, write: Later) {
        self.later.borrow_mut().push(write);
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError> {
        self.reads.set(self.reads.get() + 1);
        let after = match cursor {
            None => None,
            Some(c) => {
                let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| StoreError::Cursor)?;
                let key = String::from_utf8(bytes).map_err(|_| StoreError::Cursor)?;
                if !key.starts_with(prefix) {
                    return Err(StoreError::Cursor);
                }
                Some(key)
            }
        };
        let limit = limit.clamp(1, MAX_LIST_LIMIT) as usize;
        let now = self.clock.now();
        let entries = self.entries.borrow();
        let mut keys = Vec::new();
        let mut more = false;
        let start = after.clone().unwrap_or_else(|| prefix.to_owned());
        for (name, versions) in entries.range(start..).take_while(|(k, _)| k.starts_with(prefix)) {
            if after.as_deref() == Some(name.as_str()) {
                continue;
            }
            if let Some((_, metadata)) = Self::visible(versions, now, self.lag.get()) {
                if keys.len() == limit {
                    more = true;
                    break;
                }
                keys.push(ListedKey { name: name.clone(), metadata });
            }
        }
        let cursor = match keys.last() {
            Some(last) if more => Some(URL_SAFE_NO_PAD.encode(&last.name)),
            _ => None,
        };
        Ok(ListPage { keys, cursor })
    }
}

/// One authority's state and its write-through.
type OneAuthority = Rc<(RefCell<MemoryLedger>, WriteThrough)>;

/// Pool authorities in memory, one ledger per routing tag, writing through
/// to a [`MemoryStore`] exactly as the Durable Object writes through to KV.
pub struct MemoryAuthority {
    store: Rc<MemoryStore>,
    ledgers: RefCell<BTreeMap<RouteTag, OneAuthority>>,
    calls: Cell<u64>,
}

impl MemoryAuthority {
    /// Authorities writing through to `store`.
    pub fn new(store: Rc<MemoryStore>) -> Self {
        Self { store, ledgers: RefCell::default(), calls: Cell::new(0) }
    }

    /// How many commands were applied so far.
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }

    /// Runs every authority's background work (as the Durable Object's
    /// alarm does) once; the most urgent of what each says next.
    pub async fn background(&self, now: u64) -> Next {
        let all: Vec<_> = self.ledgers.borrow().values().cloned().collect();
        let mut next = Next::Idle;
        for entry in all {
            let (ledger, wt) = &*entry;
            let this = background::run(ledger, wt, &*self.store, now, &|_| {}).await;
            next = match (next, this) {
                (Next::Soon, _) | (_, Next::Soon) => Next::Soon,
                (Next::Retry, _) | (_, Next::Retry) => Next::Retry,
                (Next::Later, _) | (_, Next::Later) => Next::Later,
                _ => Next::Idle,
            };
        }
        next
    }

    /// Every entry of every authority's ledger, sorted (what the store must
    /// hold once the outboxes have drained).
    pub fn ledger_entries(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> =
            self.ledgers.borrow().values().flat_map(|entry| entry.0.borrow().entries()).collect();
        all.sort();
        all
    }

    /// Retries pending write-throughs of every authority; true when all done.
    pub async fn flush_all(&self) -> bool {
        let all: Vec<_> = self.ledgers.borrow().values().cloned().collect();
        let mut done = true;
        for entry in all {
            let (ledger, wt) = &*entry;
            done &= matches!(wt.flush(ledger, &*self.store).await, Ok(Flushed::Done));
        }
        done
    }
}

impl Authority for MemoryAuthority {
    async fn apply(&self, route: RouteTag, command: Command) -> Result<Outcome, ApiError> {
        self.calls.set(self.calls.get() + 1);
        let entry = self.ledgers.borrow_mut().entry(route).or_default().clone();
        let (ledger, write_through) = &*entry;
        let result = execute(&mut *ledger.borrow_mut(), command);
        // A failed write-through stays queued and is retried on the next
        // command; the change itself is already decided.
        let _ = write_through.flush(ledger, &*self.store).await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::authority::Command;
    use crate::core::testing::{block_on, ManualClock};

    fn store() -> (Rc<ManualClock>, MemoryStore) {
        let clock = Rc::new(ManualClock::new(1_000));
        (clock.clone(), MemoryStore::new(clock))
    }

    #[test]
    fn lag_hides_recent_writes_and_ttl_expires() {
        let (clock, s) = store();
        block_on(s.put("a", "1", PutOptions::default())).unwrap();
        clock.advance(60);
        s.set_lag(60);
        block_on(s.put("a", "2", PutOptions::default())).unwrap();
        block_on(s.put("b", "x", PutOptions { ttl: Some(60), ..Default::default() })).unwrap();
        assert_eq!(block_on(s.get("a")).unwrap().as_deref(), Some("1"));
        assert_eq!(block_on(s.get("b")).unwrap(), None);
        clock.advance(60);
        assert_eq!(block_on(s.get("a")).unwrap().as_deref(), Some("2"));
        assert_eq!(block_on(s.get("b")).unwrap(), None, "expired");
        assert!(block_on(s.put("c", "x", PutOptions { ttl: Some(10), ..Default::default() })).is_err());
        assert!(block_on(s.put(&"k".repeat(600), "x", PutOptions::default())).is_err());
    }

    #[test]
    fn list_pages_with_metadata() {
        let (_, s) = store();
        for i in 0..5 {
            let options = PutOptions { metadata: Some(format!("{{\"i\":{i}}}")), ttl: None };
            block_on(s.put(&format!("m/p/{i}"), "", options)).unwrap();
        }
        block_on(s.put("m/q/0", "", PutOptions::default())).unwrap();
        block_on(s.delete("m/p/1")).unwrap();
        let first = block_on(s.list("m/p/", None, 2)).unwrap();
        assert_eq!(first.keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["m/p/0", "m/p/2"]);
        assert_eq!(first.keys[0].metadata.as_deref(), Some("{\"i\":0}"));
        let second = block_on(s.list("m/p/", first.cursor.as_deref(), 2)).unwrap();
        assert_eq!(second.keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["m/p/3", "m/p/4"]);
        assert_eq!(second.cursor, None);
        assert_eq!(block_on(s.list("m/p/", Some("!!"), 2)), Err(StoreError::Cursor));
        assert_eq!(block_on(s.list("m/q/", first.cursor.as_deref(), 2)), Err(StoreError::Cursor));
    }

    #[test]
    fn a_failed_write_through_is_retried_not_lost() {
        let (_, s) = store();
        let s = Rc::new(s);
        let authority = MemoryAuthority::new(s.clone());
        s.fail_next_writes(1);
        let cmd =
            Command::DeleteIdentities { identity_ids: vec![], proven: Default::default(), now: 0, idle_before: None };
        block_on(authority.apply(RouteTag(1), cmd)).unwrap();
        // Queue something real, with the store failing.
        let record = crate::core::testing::pool_record("us-east-1:00000000-0000-4000-8000-000000000001", true);
        s.fail_next_writes(1);
        block_on(authority.apply(RouteTag(1), Command::CreatePool { record, tag: RouteTag(1).to_hex() })).unwrap();
        assert!(s.dump().is_empty(), "the write failed, and the one after it waits in order");
        assert!(block_on(authority.flush_all()));
        assert_eq!(s.dump().len(), 2, "the pool and its routing tag's list");
    }
}
