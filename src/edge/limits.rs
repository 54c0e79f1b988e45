//! The Workers Rate Limiting bindings as the core's abuse counters
//! (`core::limits`): `NEW_IDENTITY_LIMIT` and `FAILED_SIGN_IN_LIMIT`, whose
//! limits and windows are set in `wrangler.toml`. A Worker run without a
//! binding (a benchmark harness) counts nothing under it and says so once.

use std::cell::{Cell, OnceCell};

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::Env;

use crate::core::limits::{Limit, Limiter, LocalFuture};

/// The binding that counts new identities per pool and client address.
const NEW_IDENTITY_BINDING: &str = "NEW_IDENTITY_LIMIT";
/// The binding that counts failed sign-ins per client address.
const FAILED_SIGN_IN_BINDING: &str = "FAILED_SIGN_IN_LIMIT";

thread_local! {
    /// Whether this isolate has said that a binding is missing.
    static SAID_UNLIMITED: Cell<bool> = const { Cell::new(false) };
}

/// The rate limiters bound in `env`, looked up on first use (most calls
/// count nothing).
pub(crate) struct BindingLimiter {
    env: Env,
    bound: OnceCell<Bound>,
}

/// The bound rate limiters (`None`: not bound, nothing is limited).
struct Bound {
    new_identity: Option<Object>,
    failed_sign_in: Option<Object>,
}

impl BindingLimiter {
    /// The limiters of `env`.
    pub(crate) fn from_env(env: &Env) -> Self {
        Self { env: env.clone(), bound: OnceCell::new() }
    }

    fn bound(&self) -> &Bound {
        self.bound.get_or_init(|| {
            let bound = |name: &str| super::platform::object_binding(&self.env, name);
            let limiters =
                Bound { new_identity: bound(NEW_IDENTITY_BINDING), failed_sign_in: bound(FAILED_SIGN_IN_BINDING) };
            if (limiters.new_identity.is_none() || limiters.failed_sign_in.is_none()) && !SAID_UNLIMITED.replace(true) {
                worker::console_log!(
                    "abuse limits off: {} or {} is not bound (see wrangler.toml)",
                    NEW_IDENTITY_BINDING,
                    FAILED_SIGN_IN_BINDING
                );
            }
            limiters
        })
    }
}

impl Limiter for BindingLimiter {
    fn allow<'a>(&'a self, limit: Limit, key: &'a str) -> LocalFuture<'a, bool> {
        let bound = self.bound();
        let binding = match limit {
            Limit::NewIdentity => bound.new_identity.as_ref(),
            Limit::FailedSignIn => bound.failed_sign_in.as_ref(),
        };
        Box::pin(async move {
            let Some(binding) = binding else { return true };
            match count(binding, key).await {
                Ok(allowed) => allowed,
                Err(e) => {
                    worker::console_error!("a rate limiter did not answer ({limit:?}), so it allowed: {e:?}");
                    true
                }
            }
        })
    }
}

/// `binding.limit({key})`: whether the key is within its limit.
async fn count(binding: &Object, key: &str) -> Result<bool, JsValue> {
    let method: Function = Reflect::get(binding, &JsValue::from_str("limit"))?.dyn_into()?;
    let options = Object::new();
    Reflect::set(&options, &JsValue::from_str("key"), &JsValue::from_str(key))?;
    let promise = method.call1(binding, &options)?;
    let outcome = JsFuture::from(js_sys::Promise::resolve(&promise)).await?;
    Ok(Reflect::get(&outcome, &JsValue::from_str("success"))?.as_bool().unwrap_or(true))
}
