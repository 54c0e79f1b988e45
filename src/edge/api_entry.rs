//! The JSON API's fast entry. The Worker's JS entry (`entry.mjs`) reads the
//! body of a `POST /` itself and calls [`cognate_api`] with it, which polls
//! the answer once and returns the `Response` at once when nothing had to
//! wait (a warm call: everything it reads is in the isolate's caches), and a
//! `Promise` of it otherwise. A warm call then takes no Promise of
//! wasm-bindgen's executor, no callbacks for the body's read and no
//! microtask to wake it. Every other request goes through the `fetch`
//! handler of `worker`'s glue, as before.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Wake, Waker};

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
    let handoff = Arc::new(Handoff::default());
    match answer.as_mut().poll(&mut std::task::Context::from_waker(&Waker::from(handoff.clone()))) {
        Poll::Ready(response) => response,
        Poll::Pending => wasm_bindgen_futures::future_to_promise(async move {
            Ok(poll_fn(|cx| {
                handoff.follow(cx.waker());
                answer.as_mut().poll(cx)
            })
            .await)
        })
        .into(),
    }
}

/// The waker of the first poll, which hands its wake-ups to the task that
/// polls the answer after it. Some futures keep the waker of their first
/// poll only (`worker::Delay` registers its timer once): woken through
/// this, they still reach the task. A wake-up before the task's first poll
/// is not needed: the task polls at once.
#[derive(Default)]
struct Handoff(Mutex<Option<Waker>>);

impl Handoff {
    /// From now on, wake-ups go to `waker` (the task's, at each of its polls).
    fn follow(&self, waker: &Waker) {
        let mut current = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if !current.as_ref().is_some_and(|w| w.will_wake(waker)) {
            *current = Some(waker.clone());
        }
    }
}

impl Wake for Handoff {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // Out of the lock before waking: a waker may run its task at once.
        let waker = self.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(waker) = waker {
            waker.wake();
        }
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
