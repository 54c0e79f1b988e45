//! The small platform capabilities of the Worker: the clock, randomness and
//! reading string bindings (vars and secrets alike).

use worker::Env;

use crate::core::capabilities::{Clock, Random};

/// Seconds since the epoch, from `Date.now()`.
pub(crate) fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

/// `Date.now()` as the core's clock.
pub(crate) struct JsClock;

impl Clock for JsClock {
    fn now(&self) -> u64 {
        now()
    }
}

/// `crypto.getRandomValues()` as the core's randomness.
pub(crate) struct JsRandom;

impl Random for JsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // getrandom's js backend fails only where there is no Web Crypto,
        // which a Worker always has: failing loudly beats weak randomness.
        getrandom::getrandom(buf).expect("crypto.getRandomValues is available in Workers");
    }
}

/// A string binding (a `[vars]` entry or a secret), if set.
pub(crate) fn string_binding(env: &Env, name: &str) -> Option<String> {
    env.secret(name).or_else(|_| env.var(name)).ok().map(|v| v.to_string())
}

/// An object binding (a KV namespace, a rate limiter), if bound: read from
/// `env` as it is, without `worker`'s typed wrappers.
pub(crate) fn object_binding(env: &Env, name: &str) -> Option<js_sys::Object> {
    use wasm_bindgen::JsCast;
    js_sys::Reflect::get(env, &wasm_bindgen::JsValue::from_str(name)).ok().and_then(|v| v.dyn_into().ok())
}
