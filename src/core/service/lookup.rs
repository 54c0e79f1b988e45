//! The reads every call makes — a pool, an identity, the pools behind a
//! routing tag — through the isolate's cache, then KV, then (on a miss that
//! KV's lag could explain) the consistent authority. An identity id with no
//! record that proves itself (its MAC, under the key of a pool of its tag)
//! is a guest that was never stored: nothing more is read for it.

use std::rc::Rc;

use super::{decode, unexpected, Service};
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::ApiError;
use crate::core::ids::{issued_by, region_of, RouteTag};
use crate::core::records::{IdentityRecord, PoolRecord};
use crate::core::store::{keys, Store};

/// What an identity id names.
pub(super) enum Known {
    /// A stored identity (never a tombstone).
    Stored(Rc<IdentityRecord>),
    /// A guest whose id proves itself and that was never stored: its pool.
    Unstored(Rc<PoolRecord>),
}

fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("store read failed: {e}"))
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// The pool `pool_id`, or Cognito's not-found error.
    pub(super) async fn pool(&self, pool_id: &str) -> Result<Rc<PoolRecord>, ApiError> {
        self.find_pool(pool_id).await?.ok_or_else(|| ApiError::pool_not_found(pool_id))
    }

    async fn find_pool(&self, pool_id: &str) -> Result<Option<Rc<PoolRecord>>, ApiError> {
        let now = self.clock.now();
        if let Some(cached) = self.cache.pool(pool_id, now) {
            return Ok(cached);
        }
        let json = self.read(&keys::pool(pool_id), Some(self.pool_route(pool_id))).await?;
        let pool = decode::<PoolRecord>(json.as_deref())?.map(Rc::new);
        self.cache.keep_pool(pool_id, pool.clone(), now, self.config.cache_seconds);
        Ok(pool)
    }

    /// Remembers a pool as this isolate just changed it (`None`: deleted).
    pub(super) fn changed_pool(&self, pool_id: &str, pool: Option<PoolRecord>) {
        let now = self.clock.now();
        self.cache.keep_pool(pool_id, pool.map(Rc::new), now, self.config.cache_seconds);
    }

    /// The identity `identity_id`, or Cognito's not-found error.
    pub(super) async fn lookup(&self, identity_id: &str) -> Result<Known, ApiError> {
        if let Some(record) = self.stored_identity(identity_id).await? {
            return Ok(Known::Stored(record));
        }
        if let Some(pool) = self.issuing_pool(identity_id).await? {
            return Ok(Known::Unstored(pool));
        }
        // Not ours, or stored so recently that KV has not caught up.
        let route = RouteTag::of_identity(identity_id).ok_or_else(|| ApiError::identity_not_found(identity_id))?;
        let json = match self.authority.apply(route, Command::Read { key: keys::identity(identity_id) }).await? {
            Outcome::Value { value } => value,
            other => return Err(unexpected(&other)),
        };
        match decode::<IdentityRecord>(json.as_deref())? {
            Some(record) if !record.deleted => {
                let record = Rc::new(record);
                self.changed_identity(identity_id, Some(record.clone()));
                Ok(Known::Stored(record))
            }
            _ => Err(ApiError::identity_not_found(identity_id)),
        }
    }

    /// A stored identity, or `None` when it has no record or a tombstone.
    /// A tombstone is final: the error says not found at once.
    async fn stored_identity(&self, identity_id: &str) -> Result<Option<Rc<IdentityRecord>>, ApiError> {
        let now = self.clock.now();
        let record = match self.cache.identity(identity_id, now) {
            Some(cached) => cached,
            None => {
                let json = self.store.get(&keys::identity(identity_id)).await.map_err(store_error)?;
                let record = decode::<IdentityRecord>(json.as_deref())?.map(Rc::new);
                self.cache.keep_identity(identity_id, record.clone(), now, self.config.cache_seconds);
                record
            }
        };
        match record {
            Some(r) if r.deleted => Err(ApiError::identity_not_found(identity_id)),
            other => Ok(other),
        }
    }

    /// Remembers an identity as this isolate just saw it change.
    pub(super) fn changed_identity(&self, identity_id: &str, record: Option<Rc<IdentityRecord>>) {
        let now = self.clock.now();
        self.cache.keep_identity(identity_id, record, now, self.config.cache_seconds);
    }

    /// The pool whose guest key `identity_id` proves itself under, if any.
    pub(super) async fn issuing_pool(&self, identity_id: &str) -> Result<Option<Rc<PoolRecord>>, ApiError> {
        // Only ids of this region, with a tag, are issued here.
        let Some(tag) = RouteTag::of_identity(identity_id) else { return Ok(None) };
        if region_of(identity_id) != Some(self.config.region.as_str()) {
            return Ok(None);
        }
        for pool_id in self.pools_of(tag).await?.iter() {
            let key = self.secrets.hash_key.guest_key(pool_id);
            if issued_by(identity_id, &key) {
                return self.find_pool(pool_id).await;
            }
        }
        Ok(None)
    }

    /// The ids of the pools whose routing tag is `tag` (usually one).
    async fn pools_of(&self, tag: RouteTag) -> Result<Rc<[String]>, ApiError> {
        let now = self.clock.now();
        if let Some(cached) = self.cache.pools_of(tag, now) {
            return Ok(cached);
        }
        let json = self.store.get_cached(&keys::route(&tag.to_hex())).await.map_err(store_error)?;
        let ids: Vec<String> = match decode(json.as_deref())? {
            Some(ids) => ids,
            None => match self.authority.apply(tag, Command::PoolsOfTag { tag: tag.to_hex() }).await? {
                Outcome::Pools { pool_ids } => pool_ids,
                other => return Err(unexpected(&other)),
            },
        };
        let ids: Rc<[String]> = ids.into();
        self.cache.keep_pools_of(tag, ids.clone(), now, self.config.cache_seconds);
        Ok(ids)
    }
}
