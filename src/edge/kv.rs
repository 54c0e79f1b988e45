//! Workers KV as the core's read store.

use worker::kv::KvStore as Kv;

use crate::core::store::{check_limits, ListPage, ListedKey, PutOptions, Store, StoreError};

/// The `IDENTITIES` namespace.
pub(crate) struct KvStore(Kv);

impl KvStore {
    pub(crate) fn new(kv: Kv) -> Self {
        Self(kv)
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl Store for KvStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.0.get(key).text().await.map_err(unavailable)
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
