//! Workers KV as the core's read store, called through the binding's own
//! methods (`get`, `put`, `list`, `delete`). Not through `worker::kv`: its
//! builders pass every option and read every list through
//! `serde_wasm_bindgen` (about 24 KB of the wasm, with float formatting),
//! where a few property reads and writes do. `get` and `put`, on every
//! request and every write-through, are one call into a small JS function
//! each (building the options object from Rust took a crossing per
//! property, and put was the pool object's largest cost).

use std::cell::{OnceCell, RefCell};

use js_sys::{Array, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::Env;

use crate::core::store::{
    check_limits, mark_used, Later, ListPage, ListedKey, PutOptions, Store, StoreError, LONG_CACHE_SECONDS,
};

#[wasm_bindgen(inline_js = "
export function cognate_kv_get(ns, key, cacheTtl) {
  return cacheTtl === undefined ? ns.get(key) : ns.get(key, { type: 'text', cacheTtl });
}
export function cognate_kv_put(ns, key, value, metadata, expirationTtl) {
  const options = {};
  if (metadata !== undefined) options.metadata = JSON.parse(metadata);
  if (expirationTtl !== undefined) options.expirationTtl = expirationTtl;
  return ns.put(key, value, options);
}
")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn cognate_kv_get(ns: &Object, key: &str, cache_ttl: Option<f64>) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn cognate_kv_put(
        ns: &Object,
        key: &str,
        value: &str,
        metadata: Option<&str>,
        expiration_ttl: Option<f64>,
    ) -> Result<Promise, JsValue>;
}

/// The `IDENTITIES` namespace, with the writes a request queued for after
/// its response. The binding is looked up on first use: a warm call that
/// reads nothing from KV does not pay for it.
pub(crate) struct KvStore {
    env: Env,
    binding: &'static str,
    namespace: OnceCell<Object>,
    later: RefCell<Vec<Later>>,
}

impl KvStore {
    /// The namespace bound as `binding` in `env`.
    pub(crate) fn from_env(env: &Env, binding: &'static str) -> Self {
        Self { env: env.clone(), binding, namespace: OnceCell::new(), later: RefCell::default() }
    }

    /// The namespace, or why there is none.
    fn namespace(&self) -> Result<&Object, StoreError> {
        if let Some(ns) = self.namespace.get() {
            return Ok(ns);
        }
        let bound = super::platform::object_binding(&self.env, self.binding);
        let ns = bound.ok_or_else(|| unavailable(format!("no KV namespace bound as {}", self.binding)))?;
        Ok(self.namespace.get_or_init(|| ns))
    }

    /// The queued writes, as one future for `waitUntil` (none when nothing
    /// was queued). A failed write is logged by its key's kind, never its key.
    pub(crate) fn take_later(&self) -> Option<impl std::future::Future<Output = ()> + 'static> {
        let queued = std::mem::take(&mut *self.later.borrow_mut());
        if queued.is_empty() {
            return None;
        }
        let store = Self::from_env(&self.env, self.binding);
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
                    Later::MarkUsed { key, used } => {
                        let done = mark_used(&store, &key, used).await;
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

    /// Calls the namespace's method `name` with `args` and awaits its promise.
    async fn call(&self, name: &str, args: &[&JsValue]) -> Result<JsValue, StoreError> {
        let ns = self.namespace()?;
        let method = Reflect::get(ns, &JsValue::from_str(name)).map_err(unavailable)?;
        let method = method.dyn_into::<js_sys::Function>().map_err(unavailable)?;
        let args: Array = args.iter().copied().collect();
        let promise = Reflect::apply(&method, ns, &args).map_err(unavailable)?;
        JsFuture::from(js_sys::Promise::resolve(&promise)).await.map_err(unavailable)
    }

    /// `get(key)`, or with `cacheTtl` when given: the value as text, `None`
    /// when the key is absent.
    async fn get_text(&self, key: &str, cache_ttl: Option<u64>) -> Result<Option<String>, StoreError> {
        let promise = cognate_kv_get(self.namespace()?, key, cache_ttl.map(|s| s as f64)).map_err(unavailable)?;
        let value = JsFuture::from(promise).await.map_err(unavailable)?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        value.as_string().map(Some).ok_or_else(|| unavailable("KV get returned a value that is not text"))
    }
}

/// A failure of the binding, as the store's error: a JS error by its text
/// (`Error: message`), anything else by its debug form.
fn unavailable(e: impl Into<JsValue>) -> StoreError {
    let e = e.into();
    let text = match e.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.to_string()),
        None => e.as_string().unwrap_or_else(|| format!("{e:?}")),
    };
    StoreError::Unavailable(text)
}

/// A plain object with the given properties.
fn object(properties: &[(&str, JsValue)]) -> Result<Object, StoreError> {
    let object = Object::new();
    for (name, value) in properties {
        Reflect::set(&object, &JsValue::from_str(name), value).map_err(unavailable)?;
    }
    Ok(object)
}

/// A property of a JS object.
fn property(object: &JsValue, name: &str) -> Result<JsValue, StoreError> {
    Reflect::get(object, &JsValue::from_str(name)).map_err(unavailable)
}

impl Store for KvStore {
    async fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.get_text(key, None).await
    }

    async fn get_cached(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.get_text(key, Some(LONG_CACHE_SECONDS)).await
    }

    fn later(&self, write: Later) {
        self.later.borrow_mut().push(write);
    }

    async fn put(&self, key: &str, value: &str, options: PutOptions) -> Result<(), StoreError> {
        check_limits(key, &options)?;
        let ttl = options.ttl.map(|s| s as f64);
        let promise =
            cognate_kv_put(self.namespace()?, key, value, options.metadata.as_deref(), ttl).map_err(unavailable)?;
        JsFuture::from(promise).await.map(drop).map_err(unavailable)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.call("delete", &[&JsValue::from_str(key)]).await.map(drop)
    }

    async fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<ListPage, StoreError> {
        let mut properties = vec![("prefix", JsValue::from_str(prefix)), ("limit", JsValue::from(limit))];
        if let Some(c) = cursor {
            properties.push(("cursor", JsValue::from_str(c)));
        }
        let options = object(&properties)?;
        // With a cursor, a refusal is most likely a cursor KV did not hand
        // out (the caller's error); without one, KV itself failed.
        let page =
            self.call("list", &[&options]).await.map_err(|e| if cursor.is_some() { StoreError::Cursor } else { e })?;
        let listed =
            property(&page, "keys")?.dyn_into::<Array>().map_err(|_| unavailable("KV list returned no keys"))?;
        let mut keys = Vec::with_capacity(listed.length() as usize);
        for key in listed.iter() {
            let name = property(&key, "name")?
                .as_string()
                .ok_or_else(|| unavailable("KV list returned a key without a name"))?;
            let metadata = property(&key, "metadata")?;
            let metadata = if metadata.is_null() || metadata.is_undefined() {
                None
            } else {
                JSON::stringify(&metadata).map_err(unavailable)?.as_string()
            };
            keys.push(ListedKey { name, metadata });
        }
        let complete = property(&page, "list_complete")?.as_bool().unwrap_or(true);
        let cursor = if complete { None } else { property(&page, "cursor")?.as_string().filter(|c| !c.is_empty()) };
        Ok(ListPage { keys, cursor })
    }
}
