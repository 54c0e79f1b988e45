//! Outbound HTTP from the Worker: identity providers' discovery documents
//! and keys (a plain GET that does not follow redirects), social providers'
//! token checks (a GET answered within [`TOKEN_CHECK_TIMEOUT`], any status),
//! AWS STS (a form POST, answered within [`STS_TIMEOUT`] or given up); and
//! how every outbound request is built.

use std::time::Duration;

use wasm_bindgen::JsValue;
use worker::{Fetch, Headers, Request};

use crate::core::capabilities::{FetchError, Fetched, Http, MAX_FETCH_BYTES};

/// `fetch()` as the core's HTTP capability.
pub(crate) struct FetchHttp;

impl Http for FetchHttp {
    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let fail = |e: worker::Error| FetchError(e.to_string());
        let request = outbound(url, "GET", None, None, None).map_err(fail)?;
        let mut response = Fetch::Request(request).send().await.map_err(fail)?;
        let status = response.status_code();
        let cache_control = response.headers().get("cache-control").ok().flatten();
        let body = if status == 200 { response.bytes().await.map_err(fail)? } else { Vec::new() };
        if body.len() > MAX_FETCH_BYTES {
            return Err(FetchError(format!("{url} sent more than {MAX_FETCH_BYTES} bytes")));
        }
        Ok(Fetched { status, cache_control, body })
    }

    async fn post_form(&self, url: &str, body: &str) -> Result<Fetched, FetchError> {
        let fail = |e: worker::Error| FetchError(e.to_string());
        let headers = Headers::new();
        headers.set("content-type", "application/x-www-form-urlencoded; charset=utf-8").map_err(fail)?;
        let request =
            outbound(url, "POST", Some(&headers), Some(&JsValue::from_str(body)), Some(STS_TIMEOUT)).map_err(fail)?;
        within(request, STS_TIMEOUT).await.map_err(|e| FetchError(format!("{url}: {e}")))
    }

    async fn get_answer(&self, url: &str) -> Result<Fetched, FetchError> {
        // The URL carries a token: no error names it.
        let headers = Headers::new();
        headers.set("accept", "application/json").map_err(|_| FetchError("bad header".into()))?;
        let request = outbound(url, "GET", Some(&headers), None, Some(TOKEN_CHECK_TIMEOUT))
            .map_err(|_| FetchError("not a valid request URL".into()))?;
        within(request, TOKEN_CHECK_TIMEOUT).await.map_err(FetchError)
    }
}

/// Sends `request`, built by [`outbound`] with the timeout `limit`, and
/// reads its answer, whatever the status, if it weighs at most
/// [`MAX_FETCH_BYTES`]. The platform aborts the request, its answer's body
/// included, once `limit` has passed (`limit` here only words the error):
/// the outbound connection is released, and no timer of the wasm's has to
/// wake the call. The error names neither the URL nor the request.
async fn within(request: Request, limit: Duration) -> Result<Fetched, String> {
    let timed_out = |e: worker::Error| {
        let text = e.to_string();
        if text.contains("TimeoutError") || text.contains("timed out") || text.contains("aborted") {
            format!("did not answer within {limit:?}")
        } else {
            text
        }
    };
    let mut response = Fetch::Request(request).send().await.map_err(timed_out)?;
    let status = response.status_code();
    let body = response.bytes().await.map_err(timed_out)?;
    if body.len() > MAX_FETCH_BYTES {
        return Err(format!("sent more than {MAX_FETCH_BYTES} bytes"));
    }
    Ok(Fetched { status, cache_control: None, body })
}

/// How long AWS STS has to answer.
const STS_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a social provider (Login with Amazon, Facebook) has to answer a
/// token check.
const TOKEN_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// An outbound request to `url` that does not follow redirects (and is
/// aborted after `timeout`, if given), built on `web_sys::RequestInit`
/// directly: `worker::RequestInit`'s conversion carries the encoder of
/// every `cf` option (about 11 KB of the Worker's wasm) for a property
/// cognate never sets.
pub(crate) fn outbound(
    url: &str,
    method: &str,
    headers: Option<&Headers>,
    body: Option<&JsValue>,
    timeout: Option<Duration>,
) -> worker::Result<Request> {
    let init = web_sys::RequestInit::new();
    if let Some(limit) = timeout {
        let ms = u32::try_from(limit.as_millis()).unwrap_or(u32::MAX);
        init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(ms)));
    }
    init.set_method(method);
    init.set_redirect(web_sys::RequestRedirect::Manual);
    if let Some(h) = headers {
        init.set_headers(&h.0);
    }
    if let Some(b) = body {
        init.set_body(b);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(|e| {
        worker::Error::JsError(e.as_string().unwrap_or_else(|| "invalid URL or options for Request".into()))
    })?;
    Ok(request.into())
}
