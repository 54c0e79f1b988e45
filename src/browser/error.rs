//! Errors as the package's users see them: JavaScript `Error`s whose
//! `name` and `code` are stable — the Cognito error name for the service's
//! refusals, and `NetworkError`, `InvalidOptions`, `InvalidResponse` or
//! `SignInRequired` for the client's own.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// An error of the client or of the service.
#[derive(Debug, Clone)]
pub(crate) struct ClientError {
    /// The stable code (the Cognito error name for service errors).
    pub code: String,
    /// The message.
    pub message: String,
}

impl ClientError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), message: message.into() }
    }

    pub fn network(e: &JsValue) -> Self {
        let detail = Reflect::get(e, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_default();
        Self::new("NetworkError", ["cognate could not be reached: ", &detail].concat())
    }

    /// The JavaScript `Error`.
    pub fn to_js(&self) -> JsValue {
        let err = js_sys::Error::new(&self.message);
        err.set_name(&self.code);
        let _ = Reflect::set(&err, &"code".into(), &self.code.as_str().into());
        err.into()
    }
}

impl From<ClientError> for JsValue {
    fn from(e: ClientError) -> Self {
        e.to_js()
    }
}
