//! The scheduled guest sweep (`GUEST_RETENTION_DAYS`): a Cron Trigger runs
//! [`Service::sweep_guests`], which walks the pools (`pool/`) and their list
//! entries (`member/<pool>/`, read with their metadata one page at a time)
//! and deletes the guests — no logins, not disabled — whose last sign of
//! life (`u`, else the entry's last change) is older than the retention,
//! through the pool's authority exactly as DeleteIdentities does: a guest
//! whose id proves itself leaves a tombstone, its list entry goes. Each run
//! is bounded (at most [`SWEEP_BATCH`] deletions and [`MAX_OPERATIONS`]
//! store and authority calls, well under a Worker invocation's subrequest
//! limit) and resumes where the last one stopped through `sweep/cursor`.
//! Guests a `none` pool never stored have no list entry and are not swept.

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::Service;
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::ids::{issued_by, RouteTag};
use crate::core::records::{IdentityRecord, MemberMetadata};
use crate::core::store::{keys, ListedKey, PutOptions, Store, StoreError};

/// Most guests one run deletes.
pub const SWEEP_BATCH: usize = 500;
/// Most store and authority calls one run makes (the cursor's read and
/// write included): far under the 1,000 subrequests of a paid Worker
/// invocation, and under the free plan's 50.
pub const MAX_OPERATIONS: u32 = 40;
/// Most ids in one authority command.
const DELETE_CHUNK: usize = 100;
/// Most keys one listing asks for.
const PAGE: u32 = 1000;
const DAY_SECONDS: u64 = 86_400;

/// What one run did: counts only, never an id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Whether retention is on (`GUEST_RETENTION_DAYS`); off, nothing ran.
    pub enabled: bool,
    /// Pools whose list entries were read.
    pub pools: u32,
    /// List entries read.
    pub listed: u32,
    /// Guests deleted.
    pub removed: u32,
    /// Guests chosen but not deleted: the authority skipped them (used or
    /// changed after KV's copy was read) or failed.
    pub kept: u32,
    /// Store and authority calls made.
    pub operations: u32,
    /// Whether the run reached the last pool's last entry (the next starts
    /// over from the first pool).
    pub finished: bool,
    /// What stopped the run early, if something failed (retried next run).
    pub failure: Option<String>,
}

/// Where the next run starts: a pool and, within it, the store's cursor
/// after the last page read. Pools are visited in key order, so a deleted
/// pool is simply passed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    #[serde(rename = "p")]
    pool: String,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    page: Option<String>,
}

/// Whether a list entry's metadata describes a guest idle since before
/// `cutoff`. An entry without readable metadata, or whose provider names
/// did not fit (so it has logins), is never chosen.
pub(crate) fn idle_guest(metadata: Option<&str>, cutoff: u64) -> bool {
    let Some(meta) = metadata.and_then(|m| serde_json::from_str::<MemberMetadata>(m).ok()) else { return false };
    meta.is_enabled_guest() && meta.last_active() < cutoff
}

/// Why a run stopped before its end.
enum Stop {
    /// The batch or the operation budget is spent.
    Budget,
    /// A call failed.
    Failed(String),
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// One bounded run of the guest sweep. With retention off it does
    /// nothing at all (no store call).
    pub async fn sweep_guests(&self) -> SweepReport {
        let Some(days) = self.config.guest_retention_days else { return SweepReport::default() };
        let now = self.clock.now();
        let cutoff = now.saturating_sub(u64::from(days) * DAY_SECONDS);
        let mut report = SweepReport { enabled: true, operations: 1, ..Default::default() };
        let saved = match self.store.get(keys::SWEEP_CURSOR).await {
            // An unreadable cursor starts over: the sweep is idempotent.
            Ok(json) => json.and_then(|j| serde_json::from_str::<Cursor>(&j).ok()).unwrap_or_default(),
            Err(e) => {
                report.failure = Some(format!("cursor read failed: {e}"));
                return report;
            }
        };
        let mut at = saved.clone();
        match self.sweep_from(&mut at, cutoff, now, &mut report).await {
            Ok(()) => {
                report.finished = true;
                at = Cursor::default();
            }
            Err(Stop::Budget) => {}
            Err(Stop::Failed(why)) => report.failure = Some(why),
        }
        if at != saved {
            report.operations += 1;
            let written = if at == Cursor::default() {
                self.store.delete(keys::SWEEP_CURSOR).await
            } else {
                let json = serde_json::to_string(&at).expect("cursors serialize");
                self.store.put(keys::SWEEP_CURSOR, &json, PutOptions::default()).await
            };
            if let Err(e) = written {
                report.failure.get_or_insert(format!("cursor write failed: {e}"));
            }
        }
        report
    }

    /// Sweeps from `at` to the last pool, moving `at` past what is done;
    /// `Ok` when the last pool is done.
    async fn sweep_from(&self, at: &mut Cursor, cutoff: u64, now: u64, report: &mut SweepReport) -> Result<(), Stop> {
        let mut pools_page: Option<String> = None;
        loop {
            // A listing, and the cursor's write after it.
            if report.operations + 2 > MAX_OPERATIONS {
                return Err(Stop::Budget);
            }
            report.operations += 1;
            let page = self.store.list(keys::POOL_PREFIX, pools_page.as_deref(), PAGE).await.map_err(failed)?;
            for key in &page.keys {
                let Some(pool_id) = key.name.strip_prefix(keys::POOL_PREFIX) else { continue };
                if pool_id < at.pool.as_str() {
                    continue;
                }
                if pool_id != at.pool {
                    *at = Cursor { pool: pool_id.to_owned(), page: None };
                }
                self.sweep_pool(at, cutoff, now, report).await?;
            }
            match page.cursor {
                Some(next) => pools_page = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Sweeps the pool `at.pool` from `at.page` to its end.
    async fn sweep_pool(&self, at: &mut Cursor, cutoff: u64, now: u64, report: &mut SweepReport) -> Result<(), Stop> {
        report.pools += 1;
        let prefix = keys::member_prefix(&at.pool);
        loop {
            let room = SWEEP_BATCH.saturating_sub(report.removed as usize + report.kept as usize);
            // Never more entries than deletions left, so a run stops at a
            // page's end; the listing, its deletions and the cursor's write.
            let limit = (room as u32).min(PAGE);
            let needed = 2 + limit.div_ceil(DELETE_CHUNK as u32);
            if limit == 0 || report.operations + needed > MAX_OPERATIONS {
                return Err(Stop::Budget);
            }
            report.operations += 1;
            let page = match self.store.list(&prefix, at.page.as_deref(), limit).await {
                Ok(page) => page,
                // A cursor the store no longer honours: this pool again from its start.
                Err(StoreError::Cursor) if at.page.is_some() => {
                    at.page = None;
                    continue;
                }
                Err(e) => return Err(failed(e)),
            };
            report.listed += page.keys.len() as u32;
            let idle: Vec<&str> = page
                .keys
                .iter()
                .filter(|k| idle_guest(k.metadata.as_deref(), cutoff))
                .filter_map(|k: &ListedKey| k.name.strip_prefix(&prefix))
                .collect();
            for chunk in idle.chunks(DELETE_CHUNK) {
                report.operations += 1;
                self.delete_idle(&at.pool, chunk, cutoff, now, report).await?;
            }
            match page.cursor {
                Some(next) => at.page = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Deletes idle guests of `pool_id` through its authority, as
    /// DeleteIdentities does, with the authority checking again that each
    /// is still an idle guest.
    async fn delete_idle(
        &self,
        pool_id: &str,
        ids: &[&str],
        cutoff: u64,
        now: u64,
        report: &mut SweepReport,
    ) -> Result<(), Stop> {
        let route = self.pool_route(pool_id);
        let guest_key = self.secrets.hash_key.guest_key(pool_id);
        // Only ids of this pool's authority (every entry of the pool's, unless
        // the store holds a stray).
        let ids: Vec<String> =
            ids.iter().filter(|id| RouteTag::of_identity(id) == Some(route)).map(|id| (*id).to_owned()).collect();
        let proven: BTreeMap<String, String> =
            ids.iter().filter(|id| issued_by(id, &guest_key)).map(|id| (id.clone(), pool_id.to_owned())).collect();
        let asked = ids.len() as u32;
        let command = Command::DeleteIdentities { identity_ids: ids, proven, now, idle_before: Some(cutoff) };
        match self.authority.apply(route, command).await {
            Ok(Outcome::Deleted { identity_ids }) => {
                report.removed += identity_ids.len() as u32;
                report.kept += asked.saturating_sub(identity_ids.len() as u32);
                for id in identity_ids {
                    self.changed_identity(&id, Some(Rc::new(IdentityRecord::tombstone(pool_id, now))));
                }
                Ok(())
            }
            Ok(other) => Err(Stop::Failed(super::unexpected(&other).message)),
            Err(e) => Err(Stop::Failed(format!("authority refused: {}", e.kind.wire_name()))),
        }
    }
}

fn failed(e: StoreError) -> Stop {
    Stop::Failed(format!("store listing failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_guest_is_an_enabled_guest_inactive_since_before_the_cutoff() {
        let cases = [
            (r#"{"l":[],"c":1,"m":1,"d":false}"#, true),
            (r#"{"l":[],"c":1,"m":1,"d":false,"u":99}"#, true),
            (r#"{"l":[],"c":1,"m":1,"d":false,"u":100}"#, false),
            (r#"{"l":[],"c":1,"m":100,"d":false}"#, false),
            (r#"{"l":[],"c":100,"m":100,"d":false}"#, false),
            (r#"{"l":["accounts.google.com"],"c":1,"m":1,"d":false}"#, false),
            (r#"{"l":[],"c":1,"m":1,"d":true}"#, false),
            (r#"{"c":1,"m":1,"d":false}"#, false),
            ("not json", false),
        ];
        for (metadata, idle) in cases {
            assert_eq!(idle_guest(Some(metadata), 100), idle, "{metadata}");
        }
        assert!(!idle_guest(None, 100));
    }
}
