//! ES256 signing with WebCrypto (`crypto.subtle`), ~10x faster in a Worker
//! than pure-Rust curves. The private key is imported once per isolate and
//! kept as a non-extractable `CryptoKey`.

use std::cell::RefCell;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::core::capabilities::{SignError, Signer};
use crate::core::token::EcJwk;

thread_local! {
    static KEY: RefCell<Option<(String, web_sys::CryptoKey)>> = const { RefCell::new(None) };
}

/// Signs with the current signing key.
pub(crate) struct WebCryptoSigner<'a> {
    jwk: &'a EcJwk,
}

impl<'a> WebCryptoSigner<'a> {
    pub(crate) fn new(jwk: &'a EcJwk) -> Self {
        Self { jwk }
    }
}

fn js_err(e: JsValue) -> SignError {
    SignError(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

fn subtle() -> Result<web_sys::SubtleCrypto, SignError> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(js_err)?;
    Ok(crypto.unchecked_into::<web_sys::Crypto>().subtle())
}

fn object(pairs: &[(&str, &str)]) -> Result<Object, SignError> {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), &(*v).into()).map_err(js_err)?;
    }
    Ok(o)
}

impl WebCryptoSigner<'_> {
    async fn key(&self) -> Result<web_sys::CryptoKey, SignError> {
        let cached =
            KEY.with(|k| k.borrow().as_ref().filter(|(kid, _)| kid == self.jwk.kid()).map(|(_, key)| key.clone()));
        if let Some(key) = cached {
            return Ok(key);
        }
        let jwk = js_sys::JSON::parse(&self.jwk.expose_private_jwk().to_string()).map_err(js_err)?;
        let algorithm = object(&[("name", "ECDSA"), ("namedCurve", "P-256")])?;
        let usages = Array::of1(&"sign".into());
        let promise =
            subtle()?.import_key_with_object("jwk", jwk.unchecked_ref(), &algorithm, false, &usages).map_err(js_err)?;
        let key: web_sys::CryptoKey = JsFuture::from(promise).await.map_err(js_err)?.unchecked_into();
        KEY.with(|k| *k.borrow_mut() = Some((self.jwk.kid().to_owned(), key.clone())));
        Ok(key)
    }
}

impl Signer for WebCryptoSigner<'_> {
    fn key_id(&self) -> &str {
        self.jwk.kid()
    }

    async fn sign_es256(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let key = self.key().await?;
        let algorithm = object(&[("name", "ECDSA"), ("hash", "SHA-256")])?;
        let promise = subtle()?.sign_with_object_and_u8_array(&algorithm, &key, message).map_err(js_err)?;
        let signature = Uint8Array::new(&JsFuture::from(promise).await.map_err(js_err)?).to_vec();
        signature.try_into().map_err(|_| SignError("WebCrypto returned a signature that is not 64 bytes".into()))
    }
}
