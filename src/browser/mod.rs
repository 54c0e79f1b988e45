//! The npm package: `IdentityPool`, guest access that upgrades to a
//! signed-in identity, with credentials that refresh themselves. Built with
//! the `browser` feature; it carries no signature-verification code (the
//! endpoint verifies). Creating an `IdentityPool` touches no storage and
//! makes no request; the first call does.

mod api;
mod client;
mod error;
mod storage;
#[cfg(test)]
mod tests;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use self::client::Inner;
use self::error::ClientError;
use self::storage::Storage;

/// A Cognito-compatible identity pool, seen from a web app.
#[wasm_bindgen]
pub struct IdentityPool {
    inner: Rc<Inner>,
}

fn option(options: &JsValue, name: &str) -> Option<String> {
    Reflect::get(options, &name.into()).ok().and_then(|v| v.as_string())
}

#[wasm_bindgen]
impl IdentityPool {
    /// `new IdentityPool({ endpoint, identityPoolId, storage })`; `storage`
    /// is `"local"` (default), `"session"` or `"memory"`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<IdentityPool, JsValue> {
        let invalid = |m: &str| ClientError::new("InvalidOptions", m).to_js();
        let endpoint = option(&options, "endpoint").ok_or_else(|| invalid("endpoint is required"))?;
        let pool_id = option(&options, "identityPoolId").ok_or_else(|| invalid("identityPoolId is required"))?;
        let storage = Storage::parse(option(&options, "storage").as_deref())
            .ok_or_else(|| invalid("storage must be 'local', 'session' or 'memory'"))?;
        let clock = Reflect::get(&options, &"clock".into()).ok().and_then(|c| c.dyn_into::<Function>().ok());
        let clock: Box<dyn Fn() -> f64> = match clock {
            Some(f) => Box::new(move || f.call0(&JsValue::NULL).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) / 1000.0),
            None => Box::new(|| js_sys::Date::now() / 1000.0),
        };
        Ok(IdentityPool {
            inner: Rc::new(Inner {
                endpoint: endpoint.trim_end_matches('/').to_owned(),
                pool_id,
                storage,
                skew: Cell::new(0.0),
                credentials: RefCell::new(None),
                inflight: RefCell::new(None),
                login: RefCell::new(None),
                listeners: RefCell::new(Vec::new()),
                clock,
            }),
        })
    }

    /// Credentials `{accessKeyId, secretAccessKey, sessionToken, expiration,
    /// identityId}`: cached, refreshed ahead of expiry, one request shared by
    /// concurrent callers.
    pub fn credentials(&self) -> Promise {
        self.inner.credentials()
    }

    /// A function the AWS SDK v3 clients accept as `credentials`.
    #[wasm_bindgen(js_name = credentialProvider)]
    pub fn credential_provider(&self) -> Function {
        let inner = self.inner.clone();
        Closure::<dyn Fn() -> Promise>::new(move || inner.credentials()).into_js_value().unchecked_into()
    }

    /// cognate's OpenID token for the identity.
    #[wasm_bindgen(js_name = openIdToken)]
    pub fn open_id_token(&self) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move { inner.open_id_token().await.map_err(JsValue::from) })
    }

    /// Signs in with an identity provider's ID token, or a function that
    /// returns one (so credentials can refresh after the token expires). A
    /// cached guest is linked and keeps its id. Resolves to the identity id.
    #[wasm_bindgen(js_name = signIn)]
    pub fn sign_in(&self, provider: String, token: JsValue) -> Promise {
        let inner = self.inner.clone();
        future_to_promise(async move { inner.sign_in(provider, token).await.map_err(JsValue::from) })
    }

    /// Uses a sign-in the app kept (provider and ID token) without a
    /// request; the next call for credentials presents it.
    #[wasm_bindgen(js_name = useLogin)]
    pub fn use_login(&self, provider: String, token: JsValue) {
        *self.inner.login.borrow_mut() = Some((provider, token));
        self.inner.changed();
    }

    /// Forgets the sign-in, the identity and the credentials: the next call
    /// gets a fresh guest.
    #[wasm_bindgen(js_name = signOut)]
    pub fn sign_out(&self) {
        self.inner.sign_out();
    }

    /// Calls `listener(detail)` on `event`: `"change"` (identity or
    /// sign-in changed) or `"signInRequired"` (no fresh token to be had).
    pub fn on(&self, event: String, listener: Function) {
        self.inner.listeners.borrow_mut().push((event, listener));
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
    crate::core::client::Authorization { endpoint, client_id, redirect_uri, scope, state, nonce, code_challenge }.url()
}

/// Checks an ID token's claims (`iss`, `aud`, and `nonce` after a code
/// exchange; none for a refreshed token) before the token is handed to
/// cognate; throws a `SignInFailed` error if not.
#[wasm_bindgen(js_name = checkIdToken)]
pub fn check_id_token(claims: JsValue, issuer: &str, client_id: &str, nonce: Option<String>) -> Result<(), JsValue> {
    let aud = Reflect::get(&claims, &"aud".into()).unwrap_or(JsValue::UNDEFINED);
    let audiences: Vec<String> = match aud.as_string() {
        Some(a) => vec![a],
        None => js_sys::Array::from(&aud).iter().filter_map(|a| a.as_string()).collect(),
    };
    let get = |n: &str| Reflect::get(&claims, &n.into()).ok().and_then(|v| v.as_string());
    crate::core::client::check_id_token(
        get("iss").as_deref(),
        &audiences,
        get("nonce").as_deref(),
        (issuer, client_id, nonce.as_deref()),
    )
    .map_err(|m| ClientError::new("SignInFailed", m).to_js())
}

/// The `Logins` key of an OpenID issuer (its URL without the scheme).
#[wasm_bindgen(js_name = providerName)]
pub fn provider_name(issuer: &str) -> String {
    crate::core::client::provider_name(issuer).to_owned()
}
