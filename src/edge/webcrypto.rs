//! WebCrypto (`crypto.subtle`), ~10x faster in a Worker than pure-Rust
//! curves: ES256 signing of cognate's tokens (the private key imported once
//! per isolate, non-extractable) and RS256/ES256 verification of identity
//! providers' tokens (public keys imported once per isolate and cached).

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::core::capabilities::{SignError, SignatureAlgorithm, Signer, Verifier, VerifyError};
use crate::core::login::jwks::PublicKey;
use crate::core::token::EcJwk;

thread_local! {
    static KEY: RefCell<Option<(String, web_sys::CryptoKey)>> = const { RefCell::new(None) };
    static PUBLIC_KEYS: RefCell<HashMap<String, web_sys::CryptoKey>> = RefCell::new(HashMap::new());
    static SUBTLE: OnceCell<web_sys::SubtleCrypto> = const { OnceCell::new() };
    /// Import and verify parameters per algorithm, made once.
    static PARAMS: RefCell<HashMap<SignatureAlgorithm, (Object, Object)>> = RefCell::new(HashMap::new());
}

/// Most imported provider keys kept per isolate.
const MAX_PUBLIC_KEYS: usize = 64;

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
    if let Some(s) = SUBTLE.with(|s| s.get().cloned()) {
        return Ok(s);
    }
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(js_err)?;
    let subtle = crypto.unchecked_into::<web_sys::Crypto>().subtle();
    SUBTLE.with(|s| {
        let _ = s.set(subtle.clone());
    });
    Ok(subtle)
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

/// Verifies identity providers' signatures with WebCrypto.
pub(crate) struct WebCryptoVerifier;

fn verify_err(e: SignError) -> VerifyError {
    VerifyError(e.0)
}

fn algorithms(alg: SignatureAlgorithm) -> Result<(Object, Object), SignError> {
    if let Some(p) = PARAMS.with(|p| p.borrow().get(&alg).cloned()) {
        return Ok(p);
    }
    let made = match alg {
        SignatureAlgorithm::Es256 => {
            (object(&[("name", "ECDSA"), ("namedCurve", "P-256")])?, object(&[("name", "ECDSA"), ("hash", "SHA-256")])?)
        }
        SignatureAlgorithm::Rs256 => {
            (object(&[("name", "RSASSA-PKCS1-v1_5"), ("hash", "SHA-256")])?, object(&[("name", "RSASSA-PKCS1-v1_5")])?)
        }
    };
    PARAMS.with(|p| p.borrow_mut().insert(alg, made.clone()));
    Ok(made)
}

async fn public_key(key: &PublicKey, import: &Object) -> Result<web_sys::CryptoKey, SignError> {
    let id = key.fingerprint();
    if let Some(k) = PUBLIC_KEYS.with(|c| c.borrow().get(id).cloned()) {
        return Ok(k);
    }
    let jwk = js_sys::JSON::parse(&key.jwk().to_string()).map_err(js_err)?;
    let usages = Array::of1(&"verify".into());
    let promise =
        subtle()?.import_key_with_object("jwk", jwk.unchecked_ref(), import, false, &usages).map_err(js_err)?;
    let imported: web_sys::CryptoKey = JsFuture::from(promise).await.map_err(js_err)?.unchecked_into();
    PUBLIC_KEYS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= MAX_PUBLIC_KEYS {
            c.clear();
        }
        c.insert(id.to_owned(), imported.clone());
    });
    Ok(imported)
}

impl Verifier for WebCryptoVerifier {
    async fn verify(&self, key: &PublicKey, message: &[u8], signature: &[u8]) -> Result<bool, VerifyError> {
        if key.alg == SignatureAlgorithm::Es256 && signature.len() != 64 {
            return Ok(false);
        }
        let (import, verify) = algorithms(key.alg).map_err(verify_err)?;
        let crypto_key = public_key(key, &import).await.map_err(verify_err)?;
        let promise = subtle()
            .map_err(verify_err)?
            .verify_with_object_and_u8_array_and_u8_array(&verify, &crypto_key, signature, message)
            .map_err(|e| verify_err(js_err(e)))?;
        let result = JsFuture::from(promise).await.map_err(|e| verify_err(js_err(e)))?;
        Ok(result.as_bool() == Some(true))
    }
}
