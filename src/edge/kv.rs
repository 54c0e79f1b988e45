//! Workers KV as the core's read store.

use std::cell::RefCell;

use worker::kv::KvStore as Kv;

use crate::core::store::{check_limits, Later, ListPage, ListedKey, PutOptions, Store, StoreError, LONG_CACHE_SECONDS};

/// The `IDENTITIES` namespace, with the writes a request queued for after
/// its response.
pub(crate) struct KvStore(Kv, RefCell<Vec<Later>>);

impl KvStore {
    pub(crate) fn new(kv: Kv) -> Self {
        Self(kv, RefCell::default())
    }

    /// The queued writes, as one future for `waitUntil` (none when nothing
    /// was queued). A failed write is logged by its key's kind, never its key.
    pub(crate) fn take_later(&self) -> Option<impl std::future::Future<Output = ()> + 'static> {
        let queued = std::mem::take(&mut *self.1.borrow_mut());
        if queued.is_empty() {
            return None;
        }
        let store = Self::new(self.0.clone());
        Some(async move {
            for write in queued {
                let (key, done) = match write {
                    Later::Put { key, value, options } => {
                        let done = store.put(&key, &value, options).await;
                        (key, done)
                    }
                    Later::Delete { key } => {
                        let done = store.delete(&key).await;
                        (key, done)
                    }
                };
                if let Err(e) = done {
                    let kind = key.split('/').next().unwrap_or_default();
                    worker::console_error!("a {kind}/ write after the response failed: {e}");
                }
            }
        })
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl Store for KvStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0.get(key).text().await.map_err(unavailable)
    }

    async fn get_cached(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0.get(key).cache_ttl(LONG_CACHE_SECONDS).text().await.map_err(unavailable)
    }

    fn later(&self, write: Later) {
        self.1.borrow_mut().push(write);
    }

    async fn put(&self, key: &str, value: &str, options: PutOptions) -> Result<(), StoreError> {
        check_limits(key, &options)?;
        // As bytes: `put` takes a `&str` through its serde path (and brings
        // float formatting into the wasm for it); KV keeps the same UTF-8.
        let mut put = self.0.put_bytes(key, value.as_bytes()).map_err(unavailable)?;
        if let Some(meta) = &options.metadata {
            let meta: serde_json::Value = serde_json::from_str(meta).map_err(unavailable)?;
            put = put.metadata(meta).map_err(unavailable)?;
        }
        if let Some(ttl) = options.ttl {
            put = put.expiration_ttl(ttl);
        }
        put.execute().await.map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(unavailable)
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError> {
        let mut list = self.0.list().prefix(prefix.to_owned()).limit(u64::from(limit));
        if let Some(c) = cursor {
            list = list.cursor(c.to_owned());
        }
        // With a cursor, a refusal is most likely a cursor KV did not hand
        // out (the caller's error); without one, KV itself failed.
        let page =
            list.execute().await.map_err(|e| if cursor.is_some() { StoreError::Cursor } else { unavailable(e) })?;
        Ok(ListPage {
            keys: page
                .keys
                .into_iter()
                .map(|k| ListedKey { name: k.name, metadata: k.metadata.map(|m| m.to_string()) })
                .collect(),
            cursor: if page.list_complete { None } else { page.cursor.filter(|c| !c.is_empty()) },
        })
    }
}
