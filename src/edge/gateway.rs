//! The SigV4 gateway at the edge: reads a `/api/<name>/…` request (its body
//! whole, up to the gateway's limit, because the signature covers it), asks
//! the core whether to pass it, and sends it upstream — over `fetch()`
//! without following redirects, or to a service binding — with a bounded
//! wait. The upstream's answer streams back as it comes.

use futures_util::future::{select, Either};
use std::time::Duration;

use wasm_bindgen::JsValue;
use worker::{AbortController, Delay, Env, Fetch, Headers, Method, Response};

use crate::core::gateway::{GatewayError, Upstream, MAX_BODY_BYTES};
use crate::core::protocol::{HttpRequest, UrlParts};

/// Reads `req` (at `url`) for the gateway: `Err` when the body is over the limit.
pub(crate) async fn read(req: &web_sys::Request, url: &UrlParts<'_>) -> Result<HttpRequest, GatewayError> {
    let has_body = |method: &str| !matches!(method, "GET" | "HEAD" | "OPTIONS");
    super::boundary::read(req, url, MAX_BODY_BYTES, has_body)
        .await
        .ok_or_else(|| GatewayError::new(413, "RequestEntityTooLargeException", "Request Too Long"))
}

/// Sends an allowed request upstream, waiting at most `timeout_seconds`
/// for it to start answering, and relays the answer.
pub(crate) async fn send(
    env: &Env,
    request: HttpRequest,
    forward: crate::core::service::Forward,
    timeout_seconds: u32,
) -> Result<Response, GatewayError> {
    let bad_gateway = |e: worker::Error| {
        GatewayError::new(502, "BadGatewayException", "Bad Gateway").with_detail(format!("upstream failed: {e}"))
    };
    let headers = Headers::new();
    for (name, value) in &forward.headers {
        // A header the platform will not take is dropped, not fatal.
        let _ = headers.append(name, value);
    }
    let method = Method::from(request.method.clone());
    let body: Option<JsValue> =
        (!request.body.is_empty()).then(|| js_sys::Uint8Array::from(request.body.as_slice()).into());
    let outbound = super::http::outbound(&forward.url, method.as_ref(), Some(&headers), body.as_ref(), None)
        .map_err(bad_gateway)?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let sent = async {
        match &forward.upstream {
            Upstream::Url(_) => Fetch::Request(outbound).send_with_signal(&signal).await,
            Upstream::Service(binding) => env.service(binding)?.fetch_request(outbound).await,
        }
    };
    let timer = Delay::from(Duration::from_millis(u64::from(timeout_seconds) * 1000));
    let outcome = select(Box::pin(sent), Box::pin(timer)).await;
    match outcome {
        Either::Left((Ok(response), _)) => relay(response),
        Either::Left((Err(e), _)) => Err(bad_gateway(e)),
        Either::Right(((), _)) => {
            controller.abort();
            Err(GatewayError::new(504, "IntegrationTimeoutException", "Endpoint request timed out"))
        }
    }
}

/// The upstream's answer with CORS for browsers on any origin (its headers
/// copied in one call: a fetched response's own cannot change).
fn relay(response: Response) -> Result<Response, GatewayError> {
    let status = response.status_code();
    let copied = web_sys::Headers::new_with_headers(&response.headers().0).map_err(|e| {
        GatewayError::new(502, "BadGatewayException", "Bad Gateway").with_detail(format!("upstream headers: {e:?}"))
    })?;
    let headers = Headers(copied);
    let _ = headers.set("access-control-allow-origin", "*");
    let _ = headers.set("access-control-expose-headers", "*");
    let (_, body) = response.into_parts();
    Ok(Response::builder().with_status(status).with_headers(headers).body(body))
}
