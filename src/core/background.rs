//! What a pool authority does between commands: the Durable Object's alarm,
//! and natively the memory authority when a test asks. Each run is bounded
//! (one outbox batch of store writes, or one purge step and at most one
//! store listing, or one batch of list entries written again), so it fits
//! one invocation's limits however much is left; it says when to run again.

use std::cell::RefCell;

use super::authority::purge::{self, PurgeStep, Swept, PURGE_BATCH};
use super::authority::recheck::{self, Rechecked};
use super::ledger::{Flushed, Ledger, WriteThrough};
use super::store::Store;

/// When the next run should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Nothing is left.
    Idle,
    /// More work is ready: at once.
    Soon,
    /// Only waiting is left (a purge's grace time, a recheck not yet due).
    Later,
    /// The store or the ledger failed: after a pause.
    Retry,
}

/// One bounded run: the outbox first, then (with nothing queued) a purge
/// step, then (with the purge idle or waiting) the list entries due to be
/// written again (`authority::recheck`). A failure is reported in
/// `Next::Retry` and to `log`, never lost: whatever was not done stays
/// queued or marked.
pub async fn run<L: Ledger, S: Store>(
    ledger: &RefCell<L>,
    write_through: &WriteThrough,
    store: &S,
    now: u64,
    log: &dyn Fn(&str),
) -> Next {
    match write_through.flush(ledger, store).await {
        Ok(Flushed::Done) => {}
        Ok(Flushed::More | Flushed::Busy) => return Next::Soon,
        Err(e) => {
            log(&format!("write-through failed, will retry: {e}"));
            return Next::Retry;
        }
    }
    let step = purge::step(&mut *ledger.borrow_mut());
    let purge = match step {
        Ok(PurgeStep::Idle) => Next::Idle,
        Ok(PurgeStep::More) => Next::Soon,
        Ok(PurgeStep::SweepStore { pool_id, prefix }) => {
            let listed = match store.list(&prefix, None, PURGE_BATCH as u32).await {
                Ok(page) => page.keys.into_iter().map(|k| k.name).collect(),
                Err(e) => {
                    log(&format!("purge: store listing failed, will retry: {e}"));
                    return Next::Retry;
                }
            };
            match purge::sweep_store(&mut *ledger.borrow_mut(), &pool_id, listed, now) {
                Ok(Swept::More | Swept::Done) => Next::Soon,
                Ok(Swept::Wait) => Next::Later,
                Err(e) => {
                    log(&format!("purge failed, will retry: {e}"));
                    Next::Retry
                }
            }
        }
        Err(e) => {
            log(&format!("purge failed, will retry: {e}"));
            Next::Retry
        }
    };
    if !matches!(purge, Next::Idle | Next::Later) {
        return purge;
    }
    match recheck::step(&mut *ledger.borrow_mut(), now) {
        Ok(Rechecked::Wrote) => Next::Soon,
        Ok(Rechecked::Waiting) => Next::Later,
        Ok(Rechecked::Idle) => purge,
        Err(e) => {
            log(&format!("rewriting list entries failed, will retry: {e}"));
            Next::Retry
        }
    }
}
