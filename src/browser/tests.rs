//! The client's state machine in headless Chromium, against a fake network
//! (a `fetch` that answers as cognate would, with a chosen `Date`) and a
//! clock the test moves: caching, the refresh margin, one request for
//! concurrent callers, recovery of a vanished guest, clock-skew correction
//! and storage namespaces.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use super::IdentityPool;

wasm_bindgen_test_configure!(run_in_browser);

/// What the fake cognate saw and how it answers.
#[derive(Default)]
struct Network {
    calls: Vec<String>,
    /// Server time minus device time, in seconds.
    server_offset: f64,
    /// Refuse GetCredentialsForIdentity for this identity.
    vanished: Option<String>,
    /// Answer calls that carry Logins with this identity (a merge).
    owner: Option<String>,
    guests: u32,
}

thread_local! {
    static NET: RefCell<Network> = RefCell::new(Network::default());
    static NOW: RefCell<f64> = const { RefCell::new(1_800_000_000_000.0) };
}

fn answer(status: u16, body: &str) -> Promise {
    let server = NOW.with(|n| *n.borrow()) + NET.with(|n| n.borrow().server_offset) * 1000.0;
    let date = js_sys::Date::new(&server.into()).to_utc_string();
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    let headers = web_sys::Headers::new().unwrap();
    headers.set("date", &String::from(date)).unwrap();
    headers.set("content-type", "application/x-amz-json-1.1").unwrap();
    init.set_headers(&headers);
    let response = web_sys::Response::new_with_opt_str_and_init(Some(body), &init).unwrap();
    Promise::resolve(&JsValue::from(response))
}

fn install_fake_fetch() {
    NET.with(|n| *n.borrow_mut() = Network::default());
    let fetch = Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(|_url: JsValue, init: JsValue| {
        let headers: web_sys::Headers = Reflect::get(&init, &"headers".into()).unwrap().unchecked_into();
        let target = headers.get("x-amz-target").unwrap().unwrap_or_default();
        let op = target.rsplit('.').next().unwrap_or_default().to_owned();
        let body = Reflect::get(&init, &"body".into()).unwrap().as_string().unwrap_or_default();
        NET.with(|n| n.borrow_mut().calls.push(op.clone()));
        let now_s = NOW.with(|n| *n.borrow()) / 1000.0 + NET.with(|n| n.borrow().server_offset);
        match op.as_str() {
            "GetId" => {
                let k = NET.with(|n| {
                    let mut n = n.borrow_mut();
                    n.guests += 1;
                    n.guests
                });
                answer(200, &format!(r#"{{"IdentityId":"us-east-1:guest-{k}"}}"#))
            }
            "GetCredentialsForIdentity" => {
                let vanished = NET.with(|n| n.borrow().vanished.clone());
                if vanished.is_some_and(|v| body.contains(&v)) {
                    return answer(
                        400,
                        r#"{"__type":"ResourceNotFoundException","message":"Identity 'x' not found."}"#,
                    );
                }
                let owner = NET.with(|n| n.borrow().owner.clone()).filter(|_| body.contains("Logins"));
                let id = owner.unwrap_or_else(|| body.split('"').nth(3).unwrap_or_default().to_owned());
                let exp = (now_s + 3600.0) as u64;
                let n = NET.with(|n| n.borrow().calls.len());
                answer(
                    200,
                    &format!(
                        r#"{{"IdentityId":"{id}","Credentials":{{"AccessKeyId":"ASIAFAKE{n}","SecretKey":"s","SessionToken":"t","Expiration":{exp}}}}}"#
                    ),
                )
            }
            _ => answer(400, r#"{"__type":"UnknownOperationException","message":""}"#),
        }
    });
    Reflect::set(&js_sys::global(), &"fetch".into(), fetch.as_ref()).unwrap();
    fetch.forget();
}

fn pool(pool_id: &str) -> IdentityPool {
    let clock = Closure::<dyn Fn() -> f64>::new(|| NOW.with(|n| *n.borrow()));
    let options = js_sys::Object::new();
    Reflect::set(&options, &"endpoint".into(), &"https://cognate.test".into()).unwrap();
    Reflect::set(&options, &"identityPoolId".into(), &pool_id.into()).unwrap();
    Reflect::set(&options, &"storage".into(), &"local".into()).unwrap();
    Reflect::set(&options, &"clock".into(), clock.as_ref().unchecked_ref::<Function>()).unwrap();
    clock.forget();
    IdentityPool::new(options.into()).unwrap()
}

async fn creds(p: &IdentityPool) -> JsValue {
    JsFuture::from(p.credentials()).await.unwrap()
}

fn field(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &name.into()).unwrap()
}

fn calls() -> Vec<String> {
    NET.with(|n| n.borrow().calls.clone())
}

fn advance(seconds: f64) {
    NOW.with(|n| *n.borrow_mut() += seconds * 1000.0);
}

fn reset(pool_id: &str) {
    install_fake_fetch();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item(&format!("cognate:{pool_id}:identityId")).unwrap();
}

#[wasm_bindgen_test]
async fn concurrent_callers_share_one_request_and_the_answer_is_cached() {
    reset("us-east-1:single");
    let p = pool("us-east-1:single");
    assert!(calls().is_empty(), "creating the pool makes no request");
    let (a, b, c) = futures::join!(creds(&p), creds(&p), creds(&p));
    assert_eq!(calls(), ["GetId", "GetCredentialsForIdentity"]);
    assert_eq!(field(&a, "accessKeyId"), field(&b, "accessKeyId"));
    assert_eq!(field(&b, "accessKeyId"), field(&c, "accessKeyId"));
    creds(&p).await;
    assert_eq!(calls().len(), 2, "cached");
}

#[wasm_bindgen_test]
async fn credentials_refresh_inside_the_margin_not_before() {
    reset("us-east-1:margin");
    let p = pool("us-east-1:margin");
    creds(&p).await;
    advance(3600.0 - 8.0 * 60.0);
    creds(&p).await;
    assert_eq!(calls().len(), 2, "8 minutes left: still fresh");
    advance(2.0 * 60.0);
    creds(&p).await;
    assert_eq!(
        calls(),
        ["GetId", "GetCredentialsForIdentity", "GetCredentialsForIdentity"],
        "6 minutes left: refreshed"
    );
}

#[wasm_bindgen_test]
async fn the_servers_clock_decides_and_expiry_is_reported_on_the_device_clock() {
    reset("us-east-1:skew");
    NET.with(|n| n.borrow_mut().server_offset = 3000.0); // the device is 50 minutes behind
    let p = pool("us-east-1:skew");
    let c = creds(&p).await;
    let expiration: js_sys::Date = field(&c, "expiration").unchecked_into();
    let device_now = NOW.with(|n| *n.borrow());
    let left = (expiration.get_time() - device_now) / 1000.0;
    assert!((left - 3600.0).abs() < 2.0, "expiry on the device clock: {left}");
    advance(3600.0 - 6.0 * 60.0);
    creds(&p).await;
    assert_eq!(calls().len(), 3, "refreshed by the server's clock");
}

#[wasm_bindgen_test]
async fn a_vanished_guest_is_replaced_once() {
    reset("us-east-1:recover");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("cognate:us-east-1:recover:identityId", "us-east-1:gone").unwrap();
    NET.with(|n| n.borrow_mut().vanished = Some("us-east-1:gone".into()));
    let p = pool("us-east-1:recover");
    let c = creds(&p).await;
    assert_eq!(field(&c, "identityId").as_string().unwrap(), "us-east-1:guest-1");
    assert_eq!(calls(), ["GetCredentialsForIdentity", "GetId", "GetCredentialsForIdentity"]);
    assert_eq!(storage.get_item("cognate:us-east-1:recover:identityId").unwrap().unwrap(), "us-east-1:guest-1");
}

#[wasm_bindgen_test]
async fn pools_keep_their_own_identity() {
    reset("us-east-1:one");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.remove_item("cognate:us-east-1:two:identityId").unwrap();
    let (a, b) = (pool("us-east-1:one"), pool("us-east-1:two"));
    let (ca, cb) = (creds(&a).await, creds(&b).await);
    assert_ne!(field(&ca, "identityId"), field(&cb, "identityId"));
    assert!(storage.get_item("cognate:us-east-1:one:identityId").unwrap().is_some());
    assert!(storage.get_item("cognate:us-east-1:two:identityId").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn a_sign_in_that_merges_moves_the_cache_to_the_owner() {
    reset("us-east-1:merge");
    let p = pool("us-east-1:merge");
    creds(&p).await;
    NET.with(|n| n.borrow_mut().owner = Some("us-east-1:owner".into()));
    let id = JsFuture::from(p.sign_in("idp.test".into(), "a.b.c".into())).await.unwrap();
    assert_eq!(id.as_string().unwrap(), "us-east-1:owner");
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    assert_eq!(storage.get_item("cognate:us-east-1:merge:identityId").unwrap().unwrap(), "us-east-1:owner");
}

#[wasm_bindgen_test]
async fn no_fresh_token_fires_sign_in_required_instead_of_failing_silently() {
    reset("us-east-1:required");
    let p = pool("us-east-1:required");
    let fired = std::rc::Rc::new(std::cell::Cell::new(false));
    let seen = fired.clone();
    let listener = Closure::<dyn Fn(JsValue)>::new(move |_| seen.set(true));
    p.on("signInRequired".into(), listener.as_ref().unchecked_ref::<Function>().clone());
    listener.forget();
    let failing = Closure::<dyn Fn() -> JsValue>::new(|| Promise::reject(&"expired".into()).into());
    let provider: JsValue = failing.as_ref().clone();
    failing.forget();
    let err = JsFuture::from(p.sign_in("idp.test".into(), provider)).await.unwrap_err();
    assert_eq!(Reflect::get(&err, &"code".into()).unwrap().as_string().unwrap(), "SignInRequired");
    assert!(fired.get(), "signInRequired fired");
}
