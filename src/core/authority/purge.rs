//! Deleting a pool of any size in bounded steps. `DeletePool` removes the
//! pool record at once (every read sees the pool gone from then on) and
//! leaves a marker, `purge/<poolId>`; the authority's background work (the
//! Durable Object's alarm) then removes the pool's identities, logins and
//! list entries a batch at a time, and finally sweeps the read store for the
//! list entries that only it holds (guests of a `listed` pool, written by
//! the Worker after GetId). The marker goes last, once a sweep finds nothing
//! and [`STORE_GRACE_SECONDS`] have passed, so an isolate that still had the
//! pool cached cannot leave an entry behind. Every step commits at most
//! about [`PURGE_BATCH`] × (2 + logins) mutations, which the outbox then
//! carries to the store in its own bounded batches.

use serde::{Deserialize, Serialize};

use super::{read, remove_identity};
use crate::core::ledger::{Ledger, LedgerError, Mutation};
use crate::core::records::IdentityRecord;
use crate::core::store::keys;

/// Identities (or leftover list entries) one step removes.
pub const PURGE_BATCH: usize = 100;
/// How long after the deletion the store's list entries are still swept:
/// the longest an isolate keeps a pool cached (`CACHE_SECONDS` ≤ 60) plus
/// KV's propagation (about 60 s), with margin.
pub const STORE_GRACE_SECONDS: u64 = 180;

/// The prefix of purge markers.
pub const PURGE_PREFIX: &str = "purge/";

/// The marker of a pool being purged.
pub fn marker(pool_id: &str) -> String {
    format!("{PURGE_PREFIX}{pool_id}")
}

/// Where a purge is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeState {
    /// When the pool was deleted.
    pub since: u64,
    /// The last `identity/` key looked at, while identities are left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The ledger holds nothing of the pool any more; the store is swept.
    #[serde(default)]
    pub store: bool,
}

/// What the background work should do next.
#[derive(Debug, PartialEq, Eq)]
pub enum PurgeStep {
    /// No pool is being purged.
    Idle,
    /// A step was taken; more are needed.
    More,
    /// List up to [`PURGE_BATCH`] keys under `prefix` in the read store and
    /// hand them to [`sweep_store`].
    SweepStore {
        /// The pool.
        pool_id: String,
        /// `member/<poolId>/`.
        prefix: String,
    },
}

/// Starts the purge of `pool_id` (the pool record is already deleted).
pub(super) fn start(ledger: &mut impl Ledger, pool_id: &str, now: u64) -> Result<(), LedgerError> {
    put_state(ledger, pool_id, &PurgeState { since: now, after: None, store: false })
}

/// Whether `pool_id` is still being purged (it cannot be created again yet).
pub(super) fn purging(ledger: &impl Ledger, pool_id: &str) -> Result<bool, LedgerError> {
    Ok(ledger.get(&marker(pool_id))?.is_some())
}

fn put_state(ledger: &mut impl Ledger, pool_id: &str, state: &PurgeState) -> Result<(), LedgerError> {
    let value = serde_json::to_string(state).expect("purge state serializes");
    ledger.commit(Mutation::Put { key: marker(pool_id), value, metadata: None })
}

fn state_of(ledger: &impl Ledger, pool_id: &str) -> Result<Option<PurgeState>, LedgerError> {
    read::<PurgeState>(ledger, &marker(pool_id)).map_err(|e| LedgerError(e.message))
}

/// One bounded step of the oldest purge in `ledger`.
pub fn step(ledger: &mut impl Ledger) -> Result<PurgeStep, LedgerError> {
    let Some(key) = ledger.keys_after(PURGE_PREFIX, None, 1)?.into_iter().next() else {
        return Ok(PurgeStep::Idle);
    };
    let pool_id = key[PURGE_PREFIX.len()..].to_owned();
    let Some(mut state) = state_of(ledger, &pool_id)? else { return Ok(PurgeStep::Idle) };
    if state.store {
        return Ok(PurgeStep::SweepStore { prefix: keys::member_prefix(&pool_id), pool_id });
    }
    // The pool's identities, found by their records (tombstones too), a
    // batch of records at a time whatever pool they belong to.
    let batch = ledger.keys_after("identity/", state.after.as_deref(), PURGE_BATCH)?;
    if let Some(last) = batch.last() {
        for key in &batch {
            if let Some(record) = read::<IdentityRecord>(ledger, key).map_err(|e| LedgerError(e.message))? {
                if record.pool == pool_id {
                    remove_identity(ledger, &key["identity/".len()..], &record)?;
                }
            }
        }
        state.after = Some(last.clone());
        put_state(ledger, &pool_id, &state)?;
        return Ok(PurgeStep::More);
    }
    // List entries left without a record (from before records were kept).
    let members = ledger.keys_after(&keys::member_prefix(&pool_id), None, PURGE_BATCH)?;
    if !members.is_empty() {
        for key in members {
            ledger.commit(Mutation::Delete { key })?;
        }
        return Ok(PurgeStep::More);
    }
    state.after = None;
    state.store = true;
    put_state(ledger, &pool_id, &state)?;
    Ok(PurgeStep::More)
}

/// What a sweep of the read store found.
#[derive(Debug, PartialEq, Eq)]
pub enum Swept {
    /// Keys were removed: sweep again soon.
    More,
    /// Nothing was listed, but an isolate may still write: look again later.
    Wait,
    /// The purge is over.
    Done,
}

/// Removes the read store's `listed` keys of `pool_id` (through the
/// outbox, in order with everything else); with none listed and the grace
/// time over, the purge ends.
pub fn sweep_store(
    ledger: &mut impl Ledger,
    pool_id: &str,
    listed: Vec<String>,
    now: u64,
) -> Result<Swept, LedgerError> {
    let Some(state) = state_of(ledger, pool_id)? else { return Ok(Swept::Done) };
    let prefix = keys::member_prefix(pool_id);
    let mut any = false;
    for key in listed.into_iter().filter(|k| k.starts_with(&prefix)) {
        ledger.commit(Mutation::Delete { key })?;
        any = true;
    }
    if any {
        return Ok(Swept::More);
    }
    if now < state.since + STORE_GRACE_SECONDS {
        return Ok(Swept::Wait);
    }
    ledger.commit(Mutation::Delete { key: marker(pool_id) })?;
    Ok(Swept::Done)
}
