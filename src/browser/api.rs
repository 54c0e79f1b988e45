//! Calls to cognate's Cognito Identity API from the browser: unsigned
//! JSON 1.1 POSTs, the answer parsed by the browser's own `JSON`, and the
//! server's clock read from the `Date` header.

use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::error::ClientError;

/// A successful answer and the server's time when it was sent (epoch s).
pub(crate) struct Answer {
    pub body: JsValue,
    pub server_time: Option<f64>,
}

/// Builds a JS object from string pairs and nested values.
pub(crate) fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

/// A string member of `value`.
pub(crate) fn string(value: &JsValue, name: &str) -> Option<String> {
    Reflect::get(value, &name.into()).ok()?.as_string()
}

/// Calls `operation` with `input` at `endpoint`.
pub(crate) async fn call(endpoint: &str, operation: &str, input: &JsValue) -> Result<Answer, ClientError> {
    let window = web_sys::window().ok_or_else(|| ClientError::new("NetworkError", "no window"))?;
    let headers = web_sys::Headers::new().map_err(|e| ClientError::network(&e))?;
    let _ = headers.set("content-type", "application/x-amz-json-1.1");
    let _ = headers.set("x-amz-target", &["AWSCognitoIdentityService.", operation].concat());
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    let body = JSON::stringify(input).map_err(|e| ClientError::network(&e))?;
    init.set_body(&body);
    let url = [endpoint, "/"].concat();
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|e| ClientError::network(&e))?
        .unchecked_into();
    let server_time = response
        .headers()
        .get("date")
        .ok()
        .flatten()
        .map(|d| js_sys::Date::parse(&d) / 1000.0)
        .filter(|t| t.is_finite());
    let text = JsFuture::from(response.text().map_err(|e| ClientError::network(&e))?)
        .await
        .map_err(|e| ClientError::network(&e))?
        .as_string()
        .unwrap_or_default();
    let body = JSON::parse(&text).map_err(|_| ClientError::new("InvalidResponse", "cognate answered with no JSON"))?;
    if response.ok() {
        return Ok(Answer { body, server_time });
    }
    let name = string(&body, "__type").unwrap_or_else(|| "InternalErrorException".to_owned());
    let name = name.rsplit('#').next().unwrap_or_default().to_owned();
    Err(ClientError::new(&name, string(&body, "message").unwrap_or_default()))
}
