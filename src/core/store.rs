//! The read store (Workers KV in the Worker, `core::memory::MemoryStore`
//! natively) and the key schema of everything cognate keeps in it. The
//! schema is written down in `storage-schema.md` beside this file.
#![allow(async_fn_in_trait)]

/// Longest key Workers KV accepts, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest metadata Workers KV accepts, in bytes of JSON.
pub const MAX_METADATA_BYTES: usize = 1024;
/// Shortest TTL Workers KV accepts, in seconds.
pub const MIN_TTL_SECONDS: u64 = 60;
/// How long a reader of [`Store::get_cached`] accepts an edge-cached value.
pub const LONG_CACHE_SECONDS: u64 = 300;
/// Most keys one `list()` returns.
pub const MAX_LIST_LIMIT: u32 = 1000;

/// The store refused or failed an operation.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The key is longer than [`MAX_KEY_BYTES`] or empty.
    #[error("key length {0} is outside 1..=512 bytes")]
    KeyLength(usize),
    /// The metadata is larger than [`MAX_METADATA_BYTES`].
    #[error("metadata of {0} bytes exceeds 1024")]
    MetadataSize(usize),
    /// The TTL is shorter than [`MIN_TTL_SECONDS`].
    #[error("ttl {0}s is under the 60s minimum")]
    Ttl(u64),
    /// A list cursor that the store did not hand out.
    #[error("invalid list cursor")]
    Cursor,
    /// The backing store failed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Options of a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// JSON metadata returned by `list()` with the key.
    pub metadata: Option<String>,
    /// Seconds until the key expires.
    pub ttl: Option<u64>,
}

/// A write queued for after the response ([`Store::later`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Later {
    /// Write `value` at `key`.
    Put {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// Its options.
        options: PutOptions,
    },
    /// Remove `key`.
    Delete {
        /// The key.
        key: String,
    },
    /// Note a guest's use in its list entry `key` (`member/<pool>/<id>`):
    /// if the entry exists and describes an enabled guest, its metadata is
    /// rewritten with `u` = `used` (see [`mark_used`]); an absent entry is
    /// not created (the guest was never listed, or was removed).
    MarkUsed {
        /// The member key.
        key: String,
        /// When the guest was used.
        used: u64,
    },
}

/// Applies a [`Later::MarkUsed`]: reads the entry's metadata with one
/// `list()` of exactly that key (KV returns metadata only with a listing or
/// a get of the value and metadata together; the listing is one operation
/// either way) and rewrites it. Does nothing when the entry is absent or
/// not an enabled guest's.
pub async fn mark_used<S: Store + ?Sized>(store: &S, key: &str, used: u64) -> Result<(), StoreError> {
    let page = store.list(key, None, 1).await?;
    let metadata = page.keys.into_iter().find(|k| k.name == key).and_then(|k| k.metadata);
    match metadata.and_then(|m| crate::core::records::MemberMetadata::marked_used(&m, used)) {
        Some(metadata) => store.put(key, "", PutOptions { metadata: Some(metadata), ttl: None }).await,
        None => Ok(()),
    }
}

/// One key of a `list()` page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedKey {
    /// The key's name.
    pub name: String,
    /// Its metadata, when written with some.
    pub metadata: Option<String>,
}

/// One page of a `list()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    /// The keys, in lexicographic order.
    pub keys: Vec<ListedKey>,
    /// Where the next page starts; `None` on the last page.
    pub cursor: Option<String>,
}

/// An eventually consistent key-value store with KV's semantics.
pub trait Store {
    /// The value of `key`, possibly stale.
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// The value of `key`, which the edge may serve from its cache for up
    /// to [`LONG_CACHE_SECONDS`] (KV's `cacheTtl`): for keys whose staleness
    /// the reader can live with.
    async fn get_cached(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.get(key).await
    }
    /// Queues a write that the response does not wait for (the Worker hands
    /// it to `waitUntil`): for writes that nothing reads back at once.
    fn later(&self, write: Later);
    /// Writes `value` (and metadata) at `key`.
    async fn put(&self, key: &str, value: &str, options: PutOptions) -> Result<(), StoreError>;
    /// Removes `key`.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Up to `limit` keys starting with `prefix`, after `cursor`.
    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError>;
}

/// Checks a key and options against KV's limits.
pub fn check_limits(key: &str, options: &PutOptions) -> Result<(), StoreError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(StoreError::KeyLength(key.len()));
    }
    if let Some(m) = &options.metadata {
        if m.len() > MAX_METADATA_BYTES {
            return Err(StoreError::MetadataSize(m.len()));
        }
    }
    match options.ttl {
        Some(ttl) if ttl < MIN_TTL_SECONDS => Err(StoreError::Ttl(ttl)),
        _ => Ok(()),
    }
}

/// The key schema (see `storage-schema.md`).
pub mod keys {
    /// Prefix of every pool's configuration.
    pub const POOL_PREFIX: &str = "pool/";

    /// `pool/<poolId>`: the pool's configuration, roles and mappings.
    pub fn pool(pool_id: &str) -> String {
        format!("{POOL_PREFIX}{pool_id}")
    }

    /// `identity/<identityId>`: the identity's record.
    pub fn identity(identity_id: &str) -> String {
        format!("identity/{identity_id}")
    }

    /// `login/<poolId>/<mac>`: the identity a login belongs to.
    pub fn login(pool_id: &str, mac_hex: &str) -> String {
        format!("login/{pool_id}/{mac_hex}")
    }

    /// Prefix of every list entry.
    pub const MEMBER_PREFIX: &str = "member/";

    /// `member/<poolId>/`: prefix of a pool's identities.
    pub fn member_prefix(pool_id: &str) -> String {
        format!("{MEMBER_PREFIX}{pool_id}/")
    }

    /// `member/<poolId>/<identityId>`: lists a pool's identities; the
    /// metadata holds the identity's description.
    pub fn member(pool_id: &str, identity_id: &str) -> String {
        format!("{MEMBER_PREFIX}{pool_id}/{identity_id}")
    }

    /// `role/<hex SHA-256 of the role ARN>`: a role's inline policies (an
    /// ARN may be longer than a KV key, so it is hashed; the value holds it).
    pub fn role_policies(role_arn: &str) -> String {
        use sha2::Digest;
        format!("role/{}", hex::encode(sha2::Sha256::digest(role_arn.as_bytes())))
    }

    /// `route/<tag>`: the ids of the pools whose routing tag is `tag` (8 hex
    /// digits), a JSON array: what lets an identity id, which carries only the
    /// tag, find the key its MAC is checked with.
    pub fn route(tag_hex: &str) -> String {
        format!("route/{tag_hex}")
    }

    /// `sweep/cursor`: where the scheduled guest sweep resumes (see
    /// `service::sweep`).
    pub const SWEEP_CURSOR: &str = "sweep/cursor";

    /// Prefix of the SigV4 gateway's routes.
    pub const API_ROUTE_PREFIX: &str = "api-route/";

    /// `api-route/<name>`: a route of the SigV4 gateway; the metadata holds
    /// its upstream, so one `list()` serves a ListApiRoutes page.
    pub fn api_route(name: &str) -> String {
        format!("{API_ROUTE_PREFIX}{name}")
    }

    /// Prefix of the SAML identity providers.
    pub const SAML_PROVIDER_PREFIX: &str = "saml-provider/";

    /// `saml-provider/<Name>`: a SAML identity provider's metadata; the
    /// metadata holds its dates, so one `list()` serves ListSAMLProviders.
    pub fn saml_provider(name: &str) -> String {
        format!("{SAML_PROVIDER_PREFIX}{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_kvs() {
        assert!(check_limits("k", &PutOptions::default()).is_ok());
        assert_eq!(check_limits("", &PutOptions::default()), Err(StoreError::KeyLength(0)));
        assert_eq!(check_limits(&"k".repeat(513), &PutOptions::default()), Err(StoreError::KeyLength(513)));
        let ttl = PutOptions { ttl: Some(59), ..Default::default() };
        assert_eq!(check_limits("k", &ttl), Err(StoreError::Ttl(59)));
        let meta = PutOptions { metadata: Some("x".repeat(1025)), ..Default::default() };
        assert_eq!(check_limits("k", &meta), Err(StoreError::MetadataSize(1025)));
    }

    #[test]
    fn longest_keys_fit() {
        let id = format!("us-east-1:{}", "f".repeat(45));
        assert!(keys::member(&id, &id).len() <= MAX_KEY_BYTES);
        assert!(keys::login(&id, &"a".repeat(64)).len() <= MAX_KEY_BYTES);
    }
}
