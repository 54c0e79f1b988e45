//! The npm package's WebAssembly: the client's decisions and checks, all
//! synchronous and without I/O, exported for the package's JavaScript entry
//! (`packages/browser/index.js`), which does the fetching, storing, locking
//! and event emitting around them. Every answer comes from `core::client`;
//! the package carries no signature-verification code (the endpoint
//! verifies). Loading the module touches no storage and makes no request.

#[cfg(test)]
mod tests;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::core::client::{self, Skew};

/// Whether credentials expiring at `expiration` (server epoch seconds) must
/// be refreshed at device time `device_now` (epoch seconds), given the
/// device clock's `skew` (server − device, seconds).
#[wasm_bindgen(js_name = needsRefresh)]
pub fn needs_refresh(expiration: f64, device_now: f64, skew: f64) -> bool {
    client::needs_refresh(expiration, device_now, Skew(skew))
}

/// The skew (server − device, seconds) seen when a response dated
/// `server_seconds` arrived at `device_seconds`.
#[wasm_bindgen(js_name = observeSkew)]
pub fn observe_skew(server_seconds: f64, device_seconds: f64) -> f64 {
    Skew::observe(server_seconds, device_seconds).0
}

/// A server time (epoch seconds) on the device's clock.
#[wasm_bindgen(js_name = toDevice)]
pub fn to_device(server_seconds: f64, skew: f64) -> f64 {
    Skew(skew).to_device(server_seconds)
}

/// The storage key of `name` for pool `pool_id` (namespaced by pool).
#[wasm_bindgen(js_name = storageKey)]
pub fn storage_key(pool_id: &str, name: &str) -> String {
    client::storage_key(pool_id, name)
}

/// What to do when the service refuses a call about a cached identity
/// (`core::client::Recovery`, as JavaScript sees it).
#[wasm_bindgen]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Forget the cached guest id and start again as a new guest.
    NewGuest,
    /// A signed-in identity needs a fresh login: tell the app.
    SignInRequired,
    /// Nothing to recover: report the error.
    Fail,
}

/// The recovery for the service's error `error_type` on a call for a cached
/// identity that is a guest (`guest`) or signed in, after `retried`
/// recoveries.
#[wasm_bindgen]
pub fn recovery(error_type: &str, guest: bool, retried: bool) -> Recovery {
    match client::recovery(error_type, guest, retried) {
        client::Recovery::NewGuest => Recovery::NewGuest,
        client::Recovery::SignInRequired => Recovery::SignInRequired,
        client::Recovery::Fail => Recovery::Fail,
    }
}

/// The error name of a JSON 1.1 error's `__type` (which may carry a
/// `namespace#` prefix); `InternalErrorException` when there is none.
#[wasm_bindgen(js_name = errorName)]
pub fn error_name(error_type: Option<String>) -> String {
    match error_type {
        Some(t) => t.rsplit('#').next().unwrap_or_default().to_owned(),
        None => "InternalErrorException".to_owned(),
    }
}

/// The authorization URL of the OpenID code flow with PKCE (S256).
#[wasm_bindgen(js_name = authorizationUrl)]
#[allow(clippy::too_many_arguments)]
pub fn authorization_url(
    endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    state: &str,
    nonce: &str,
    code_challenge: &str,
) -> String {
    client::Authorization { endpoint, client_id, redirect_uri, scope, state, nonce, code_challenge }.url()
}

/// Checks an ID token's claims (`iss`, `aud`, and `nonce` after a code
/// exchange; none for a refreshed token) before the token is handed to
/// cognate: `undefined` if they pass, else why not (the entry throws it as
/// a `SignInFailed` error).
#[wasm_bindgen(js_name = checkIdToken)]
pub fn check_id_token(claims: JsValue, issuer: &str, client_id: &str, nonce: Option<String>) -> Option<String> {
    let get = |n: &str| Reflect::get(&claims, &n.into()).unwrap_or(JsValue::UNDEFINED);
    let aud = get("aud");
    let audiences: Vec<String> = match aud.as_string() {
        Some(a) => vec![a],
        None if js_sys::Array::is_array(&aud) => {
            js_sys::Array::from(&aud).iter().filter_map(|a| a.as_string()).collect()
        }
        None => Vec::new(),
    };
    client::check_id_token(
        get("iss").as_string().as_deref(),
        &audiences,
        get("nonce").as_string().as_deref(),
        (issuer, client_id, nonce.as_deref()),
    )
    .err()
    .map(str::to_owned)
}

/// The `Logins` key of an OpenID issuer (its URL without the scheme).
#[wasm_bindgen(js_name = providerName)]
pub fn provider_name(issuer: &str) -> String {
    client::provider_name(issuer).to_owned()
}
