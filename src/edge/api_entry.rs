//! The JSON API's fast entry. The Worker's JS entry (`entry.mjs`) reads the
//! body of a `POST /` itself and calls [`cognate_api`] with it, which polls
//! the answer once and returns the `Response` at once when nothing had to
//! wait (a warm call: everything it reads is in the isolate's caches), and a
//! `Promise` of it otherwise. A warm call then takes no Promise of
//! wasm-bindgen's executor, no callbacks for the body's read and no
//! microtask to wake it. Every other request goes through the `fetch`
//! handler of `worker`'s glue, as before.

use std::future::Future;
use std::pin::Pin;
use std::task::{Poll, Waker};

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use worker::{Context, Env, Response};

use super::{answer_api, bad_request, boundary, settings_or_refusal, too_large, Capabilities};
use crate::core::protocol::{split_url, MAX_BODY_BYTES};

/// The answer to the JSON API request `raw`, whose body is `body`: a
/// `Response`, or a `Promise` of one.
#[wasm_bindgen]
#[allow(unreachable_pub)] // a wasm export: wasm-bindgen takes only `pub`
pub fn cognate_api(raw: web_sys::Request, body: Vec<u8>, env: Env, ctx: worker::worker_sys::Context) -> JsValue {
    console_error_panic_hook::set_once();
    let mut answer: Pin<Box<dyn Future<Output = JsValue>>> = Box::pin(answer(raw, body, env, Context::new(ctx)));
    match answer.as_mut().poll(&mut std::task::Context::from_waker(Waker::noop())) {
        Poll::Ready(response) => response,
        // A later poll registers its own waker with whatever waits: each of
        // the futures awaited here keeps the waker of its latest poll.
        Poll::Pending => wasm_bindgen_futures::future_to_promise(async move { Ok(answer.await) }).into(),
    }
}

/// The response, or (as `worker`'s glue answers a failed handler) a 500.
async fn answer(raw: web_sys::Request, body: Vec<u8>, env: Env, ctx: Context) -> JsValue {
    match respond(raw, body, &env, &ctx).await {
        Ok(response) => response.into(),
        Err(e) => {
            worker::console_error!("{e}");
            Response::error("INTERNAL SERVER ERROR", 500)
                .map_or(JsValue::UNDEFINED, |r| web_sys::Response::from(r).into())
        }
    }
}

async fn respond(raw: web_sys::Request, body: Vec<u8>, env: &Env, ctx: &Context) -> worker::Result<web_sys::Response> {
    let settings = match settings_or_refusal(env) {
        Ok(s) => s,
        Err(refusal) => return refusal,
    };
    let (config, secrets) = &*settings;
    let url = raw.url();
    let Some(parts) = split_url(&url) else { return bad_request() };
    if body.len() > MAX_BODY_BYTES {
        return boundary::response(too_large());
    }
    let mut request = boundary::head(&raw, &parts);
    request.body = body;
    let capabilities = Capabilities::from_env(env, secrets);
    answer_api(&capabilities, config, secrets, &request, ctx).await
}
