//! Writing a guest's list entry again once late writes have landed. The
//! Worker writes a `listed` guest's list entry (`member/<pool>/<id>`) itself,
//! after GetId's answer, and rewrites it to note the guest's use
//! (`Later::MarkUsed`) from a read of KV, which may lag by a minute. KV keeps
//! the last write, so a Worker's write made from the entry as it was could
//! land after the authority's change of it (a login linked, the guest
//! disabled or deleted) and undo that change in `ListIdentities` (never in
//! the identity's record, which only the authority writes). So when the
//! authority changes the entry of an identity the Worker may write (an
//! enabled guest, stored or never stored), it marks the entry, and its
//! background work writes it again [`RECHECK_SECONDS`] later from the
//! identity's state at that time. Other identities' entries are the
//! authority's alone and are written once.

use super::purge::STORE_GRACE_SECONDS;
use super::{identity_record, read, ApiError};
use crate::core::ledger::{Ledger, LedgerError, Mutation};
use crate::core::model::GuestStorage;
use crate::core::records::{IdentityRecord, PoolRecord};
use crate::core::store::keys;

/// How long after a change its list entry is written again: the longest a
/// Worker's write from an older read of KV may still land (KV's propagation,
/// about 60 s, with a `waitUntil` write's time after the answer), with
/// margin; the same bound as a purge's wait for isolates' late writes.
pub const RECHECK_SECONDS: u64 = STORE_GRACE_SECONDS;

/// Most entries one background step writes again.
pub const RECHECK_BATCH: usize = 100;

/// Notes a change of the list entry of `identity_id` in `pool_id` at `now`,
/// whose identity was `before` (`None`: never stored, `proven` saying
/// whether its id proved itself as a guest's): if the Worker may write that
/// entry, it is marked to be written again [`RECHECK_SECONDS`] later. The
/// Worker notes a stored enabled guest's use in any pool, and lists a guest
/// never stored only in a `listed` pool (or one deleted since).
pub(super) fn note(
    ledger: &mut impl Ledger,
    pool_id: &str,
    identity_id: &str,
    before: Option<&IdentityRecord>,
    proven: bool,
    now: u64,
) -> Result<(), ApiError> {
    let worker_may_write = match before {
        Some(record) => record.is_guest() && !record.disabled,
        None if proven => read::<PoolRecord>(ledger, &keys::pool(pool_id))?
            .is_none_or(|pool| pool.config.guest_storage() == GuestStorage::Listed),
        None => false,
    };
    if worker_may_write {
        ledger.mark_recheck(&keys::member(pool_id, identity_id), now + RECHECK_SECONDS)?;
    }
    Ok(())
}

/// What a background step of rechecks did.
#[derive(Debug, PartialEq, Eq)]
pub enum Rechecked {
    /// Nothing is marked.
    Idle,
    /// Entries were written again (queued in the outbox).
    Wrote,
    /// Marks are left, none due yet.
    Waiting,
}

/// Writes again (through the outbox) up to [`RECHECK_BATCH`] entries due
/// by `now`, each as the identity now is: its entry if it is a live
/// identity of that pool, else none.
pub fn step(ledger: &mut impl Ledger, now: u64) -> Result<Rechecked, LedgerError> {
    let due = ledger.rechecks_due(now, RECHECK_BATCH)?;
    if due.is_empty() {
        return Ok(if ledger.rechecks_waiting()? { Rechecked::Waiting } else { Rechecked::Idle });
    }
    for key in &due {
        let Some((pool_id, identity_id)) = key.strip_prefix(keys::MEMBER_PREFIX).and_then(|k| k.split_once('/')) else {
            continue;
        };
        let live = identity_record(ledger, identity_id).map_err(|e: ApiError| LedgerError(e.message))?;
        let mutation = match live.filter(|r| r.pool == pool_id) {
            Some(record) => {
                Mutation::Put { key: key.clone(), value: String::new(), metadata: Some(record.member_metadata()) }
            }
            None => Mutation::Delete { key: key.clone() },
        };
        ledger.commit(mutation)?;
    }
    ledger.clear_rechecks(&due)?;
    Ok(Rechecked::Wrote)
}
