//! The JSON API's request and response at the JS boundary, one crossing
//! each way: the headers come over as one string and the response is built
//! in JS from one. `worker::Request` reads the request's `cf` object and
//! every header through an iterator, and `worker::Response` appends headers
//! one call at a time; on a warm call that was a fifth of the Worker's time.
//! A pool object is called the same way: its answer is read as text by the
//! platform, where `worker::Response::text` reads it through a stream
//! reader, several crossings per chunk. The S3 API, the gateway and static
//! assets still use `worker`'s types.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::core::protocol::{HttpRequest, HttpResponse, UrlParts};

// Header names and values never hold a line feed (the Fetch standard
// refuses them), so `name \n value \n` pairs pack them unambiguously.
#[wasm_bindgen(inline_js = "
export function cognate_headers(request) {
  let s = '';
  for (const [name, value] of request.headers) s += name + '\\n' + value + '\\n';
  return s;
}
export function cognate_response(status, packed, body) {
  const headers = new Headers();
  const parts = packed.split('\\n');
  for (let i = 0; i + 1 < parts.length; i += 2) headers.append(parts[i], parts[i + 1]);
  return new Response(body.length ? body : null, { status, headers });
}
export async function cognate_object_call(stub, command) {
  const response = await stub.fetch('https://pool.internal/command', { method: 'POST', body: command });
  return await response.text();
}
")]
extern "C" {
    fn cognate_headers(request: &web_sys::Request) -> String;
    #[wasm_bindgen(catch)]
    fn cognate_response(status: u16, packed: &str, body: Vec<u8>) -> Result<web_sys::Response, JsValue>;
    fn cognate_object_call(stub: &JsValue, command: &str) -> js_sys::Promise;
}

/// The headers of `request`, lowercase names as the platform gives them.
pub(crate) fn headers(request: &web_sys::Request) -> Vec<(String, String)> {
    let packed = cognate_headers(request);
    let mut parts = packed.split('\n');
    let mut out = Vec::new();
    while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
        out.push((name.to_owned(), value.to_owned()));
    }
    out
}

/// The core's view of `request` at `url`, without its body.
pub(crate) fn head(request: &web_sys::Request, url: &UrlParts<'_>) -> HttpRequest {
    HttpRequest {
        method: request.method(),
        path: url.path.to_owned(),
        query: url.query.to_owned(),
        headers: headers(request),
        body: Vec::new(),
    }
}

/// The body of `request`.
async fn body(request: &web_sys::Request) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(request.array_buffer()?).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// `request` at `url`, with its body when `has_body` says its method has
/// one; `None` when the body is over `limit` bytes (refused before it is
/// buffered when its length is declared).
pub(crate) async fn read(
    request: &web_sys::Request,
    url: &UrlParts<'_>,
    limit: usize,
    has_body: fn(&str) -> bool,
) -> Option<HttpRequest> {
    let mut read = head(request, url);
    let declared = read.header("content-length").and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return None;
    }
    if has_body(&read.method) {
        read.body = body(request).await.unwrap_or_default();
    }
    (read.body.len() <= limit).then_some(read)
}

/// `response` as the platform's.
pub(crate) fn response(response: HttpResponse) -> worker::Result<web_sys::Response> {
    let mut packed = String::new();
    for (name, value) in &response.headers {
        // The core writes its own headers; a line feed in one would be a bug,
        // and would make the platform refuse the response.
        if name.contains('\n') || value.contains('\n') {
            return Err(worker::Error::RustError("a response header holds a line feed".into()));
        }
        packed.push_str(name);
        packed.push('\n');
        packed.push_str(value);
        packed.push('\n');
    }
    cognate_response(response.status, &packed, response.body).map_err(|e| {
        worker::Error::RustError(
            e.dyn_into::<js_sys::Error>().map_or_else(|_| "Response".into(), |e| String::from(e.message())),
        )
    })
}

/// Sends `command` to the Durable Object `stub` and reads its answer.
pub(crate) async fn call_object(stub: worker::Stub, command: &str) -> Result<String, JsValue> {
    let answer = JsFuture::from(cognate_object_call(&stub.into_rpc::<JsValue>(), command)).await?;
    answer.as_string().ok_or_else(|| JsValue::from_str("a pool object answered something other than text"))
}
