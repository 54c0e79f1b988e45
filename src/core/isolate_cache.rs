//! What requests read on every call — pool records, identity records, the
//! owners of logins, the pools behind a routing tag, a role's policies (parsed), the gateway's
//! routes and the SAML identity providers (parsed) — kept for a few seconds (`CACHE_SECONDS`) per isolate, so a warm
//! call reads nothing from KV and parses no document again. A change reaches
//! every isolate within the cache's lifetime on top of KV's own propagation
//! (a change made through the same isolate replaces or forgets the entry at
//! once). Absence is cached too: a role without policies, an identity never
//! stored, a pool id that does not exist are not a read per request. Each
//! kind is bounded; when full it starts over. It also remembers which
//! guests' use it noted today (`GUEST_RETENTION_DAYS`), until the UTC day ends.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::ids::RouteTag;
use super::policy::PolicyDocument;
use super::records::{ApiRoute, IdentityRecord, PoolRecord};
use super::saml::SamlIdp;

/// The default lifetime of an entry, in seconds (`CACHE_SECONDS`).
pub const DEFAULT_TTL_SECONDS: u64 = 10;
/// Entries kept of each kind before the cache starts over.
const MAX_ENTRIES: usize = 1024;
/// Identities are many and small: more of them are kept.
const MAX_IDENTITIES: usize = 8192;

/// A role's parsed policies, shared by the requests that use them.
pub type Policies = Rc<[PolicyDocument]>;

struct Entry<V> {
    expires: u64,
    value: V,
}

struct Map<V, const CAP: usize = MAX_ENTRIES>(RefCell<HashMap<String, Entry<V>>>);

impl<V: Clone, const CAP: usize> Map<V, CAP> {
    fn get(&self, key: &str, now: u64) -> Option<V> {
        let map = self.0.borrow();
        map.get(key).filter(|e| e.expires > now).map(|e| e.value.clone())
    }

    fn put(&self, key: &str, value: V, expires: u64) {
        let mut map = self.0.borrow_mut();
        if map.len() >= CAP && !map.contains_key(key) {
            map.clear();
        }
        map.insert(key.to_owned(), Entry { expires, value });
    }

    fn forget(&self, key: &str) {
        self.0.borrow_mut().remove(key);
    }
}

impl<V, const CAP: usize> Default for Map<V, CAP> {
    fn default() -> Self {
        Self(RefCell::new(HashMap::new()))
    }
}

/// The cache of one isolate (natively: of one test).
#[derive(Default)]
pub struct IsolateCache {
    pools: Map<Option<Rc<PoolRecord>>>,
    identities: Map<Option<Rc<IdentityRecord>>, MAX_IDENTITIES>,
    owners: Map<Rc<str>, MAX_IDENTITIES>,
    tags: Map<Rc<[String]>>,
    policies: Map<Policies>,
    routes: Map<Option<Rc<ApiRoute>>>,
    used: Map<(), MAX_IDENTITIES>,
    saml_idps: Map<Option<Rc<SamlIdp>>>,
}

/// Seconds in a day: guests' use is noted once per UTC day.
const DAY_SECONDS: u64 = 86_400;

impl IsolateCache {
    /// The cached pool `pool_id` at `now` (`Some(None)`: known not to exist).
    pub fn pool(&self, pool_id: &str, now: u64) -> Option<Option<Rc<PoolRecord>>> {
        self.pools.get(pool_id, now)
    }

    /// Keeps pool `pool_id` (or its absence) until `now + ttl`.
    pub fn keep_pool(&self, pool_id: &str, pool: Option<Rc<PoolRecord>>, now: u64, ttl: u64) {
        self.pools.put(pool_id, pool, now.saturating_add(ttl));
    }

    /// The cached record of `identity_id` at `now` (`Some(None)`: the store
    /// held none).
    pub fn identity(&self, identity_id: &str, now: u64) -> Option<Option<Rc<IdentityRecord>>> {
        self.identities.get(identity_id, now)
    }

    /// Keeps the record of `identity_id` (or its absence) until `now + ttl`.
    pub fn keep_identity(&self, identity_id: &str, record: Option<Rc<IdentityRecord>>, now: u64, ttl: u64) {
        self.identities.put(identity_id, record, now.saturating_add(ttl));
    }

    /// Forgets the record of `identity_id` (it changed here).
    pub fn forget_identity(&self, identity_id: &str) {
        self.identities.forget(identity_id);
    }

    /// The cached owner of the login whose store key is `login_key` (a
    /// login without one is not cached: it is about to be claimed).
    pub fn owner(&self, login_key: &str, now: u64) -> Option<Rc<str>> {
        self.owners.get(login_key, now)
    }

    /// Keeps the owner of `login_key` until `now + ttl`.
    pub fn keep_owner(&self, login_key: &str, owner: Rc<str>, now: u64, ttl: u64) {
        self.owners.put(login_key, owner, now.saturating_add(ttl));
    }

    /// Forgets the owner of `login_key` (it changed here).
    pub fn forget_owner(&self, login_key: &str) {
        self.owners.forget(login_key);
    }

    /// The cached pool ids whose routing tag is `tag`.
    pub fn pools_of(&self, tag: RouteTag, now: u64) -> Option<Rc<[String]>> {
        self.tags.get(&tag.to_hex(), now)
    }

    /// Keeps the pool ids of `tag` until `now + ttl`.
    pub fn keep_pools_of(&self, tag: RouteTag, pool_ids: Rc<[String]>, now: u64, ttl: u64) {
        self.tags.put(&tag.to_hex(), pool_ids, now.saturating_add(ttl));
    }

    /// Forgets the pool ids of `tag` (a pool was created or deleted here).
    pub fn forget_pools_of(&self, tag: RouteTag) {
        self.tags.forget(&tag.to_hex());
    }

    /// The cached policies of `role_arn` at `now`, if fresh.
    pub fn policies(&self, role_arn: &str, now: u64) -> Option<Policies> {
        self.policies.get(role_arn, now)
    }

    /// Keeps the policies of `role_arn` until `now + ttl`.
    pub fn keep_policies(&self, role_arn: &str, policies: Policies, now: u64, ttl: u64) {
        self.policies.put(role_arn, policies, now.saturating_add(ttl));
    }

    /// The cached route `name` at `now` (`Some(None)`: known not to exist).
    pub fn route(&self, name: &str, now: u64) -> Option<Option<Rc<ApiRoute>>> {
        self.routes.get(name, now)
    }

    /// Keeps route `name` (or its absence) until `now + ttl`.
    pub fn keep_route(&self, name: &str, route: Option<Rc<ApiRoute>>, now: u64, ttl: u64) {
        self.routes.put(name, route, now.saturating_add(ttl));
    }

    /// Whether this isolate already noted a use of guest `identity_id` on
    /// the UTC day of `now`.
    pub fn used_today(&self, identity_id: &str, now: u64) -> bool {
        self.used.get(identity_id, now).is_some()
    }

    /// Remembers that a use of guest `identity_id` was noted on the UTC day
    /// of `now`, until that day ends.
    pub fn keep_used_today(&self, identity_id: &str, now: u64) {
        let day_ends = (now / DAY_SECONDS).saturating_add(1).saturating_mul(DAY_SECONDS);
        self.used.put(identity_id, (), day_ends);
    }

    /// Forgets the policies of `role_arn` (they changed here).
    pub fn forget_policies(&self, role_arn: &str) {
        self.policies.forget(role_arn);
    }

    /// Forgets route `name` (it changed here).
    pub fn forget_route(&self, name: &str) {
        self.routes.forget(name);
    }

    /// The cached SAML provider `name` at `now` (`Some(None)`: known not to exist).
    pub fn saml_idp(&self, name: &str, now: u64) -> Option<Option<Rc<SamlIdp>>> {
        self.saml_idps.get(name, now)
    }

    /// Keeps SAML provider `name` (or its absence) until `now + ttl`.
    pub fn keep_saml_idp(&self, name: &str, idp: Option<Rc<SamlIdp>>, now: u64, ttl: u64) {
        self.saml_idps.put(name, idp, now.saturating_add(ttl));
    }

    /// Forgets SAML provider `name` (it changed here).
    pub fn forget_saml_idp(&self, name: &str) {
        self.saml_idps.forget(name);
    }
}

impl std::fmt::Debug for IsolateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IsolateCache")
            .field("pools", &self.pools.0.borrow().len())
            .field("identities", &self.identities.0.borrow().len())
            .field("owners", &self.owners.0.borrow().len())
            .field("tags", &self.tags.0.borrow().len())
            .field("policies", &self.policies.0.borrow().len())
            .field("routes", &self.routes.0.borrow().len())
            .field("used", &self.used.0.borrow().len())
            .field("saml_idps", &self.saml_idps.0.borrow().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_for_their_ttl_and_can_be_forgotten() {
        let cache = IsolateCache::default();
        let route = Rc::new(ApiRoute { name: "demo".into(), upstream: "https://u.example".into() });
        cache.keep_route("demo", Some(route.clone()), 100, 10);
        cache.keep_route("gone", None, 100, 10);
        assert_eq!(cache.route("demo", 109), Some(Some(route)));
        assert_eq!(cache.route("gone", 109), Some(None), "absence is cached");
        assert_eq!(cache.route("demo", 110), None, "expired");
        cache.keep_policies("arn:r", Rc::from(Vec::new()), 100, 10);
        assert!(cache.policies("arn:r", 105).is_some());
        cache.forget_policies("arn:r");
        assert!(cache.policies("arn:r", 105).is_none());
        cache.keep_policies("arn:r", Rc::from(Vec::new()), 100, 0);
        assert!(cache.policies("arn:r", 100).is_none(), "a zero ttl keeps nothing");
    }

    #[test]
    fn a_guests_use_is_remembered_until_the_utc_day_ends() {
        let cache = IsolateCache::default();
        let noon = 20_000 * DAY_SECONDS + DAY_SECONDS / 2;
        assert!(!cache.used_today("g", noon));
        cache.keep_used_today("g", noon);
        assert!(cache.used_today("g", noon) && cache.used_today("g", 20_001 * DAY_SECONDS - 1));
        assert!(!cache.used_today("g", 20_001 * DAY_SECONDS), "a new day");
        assert!(!cache.used_today("other", noon));
    }

    #[test]
    fn a_full_cache_starts_over() {
        let cache = IsolateCache::default();
        for i in 0..MAX_ENTRIES {
            cache.keep_route(&i.to_string(), None, 0, 10);
        }
        assert!(cache.route("0", 1).is_some());
        cache.keep_route("one more", None, 0, 10);
        assert!(cache.route("0", 1).is_none() && cache.route("one more", 1).is_some());
    }
}
