//! The client's flows: resolve the identity (cached, or GetId), get
//! credentials (cached until the refresh margin, one request shared by
//! concurrent callers), recover from a vanished guest once, link a sign-in
//! to the cached guest, sign out. Decisions come from `core::client`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::api::{self, call, object, string};
use super::error::ClientError;
use super::storage::Storage;
use crate::core::client::{needs_refresh, recovery, Recovery, Skew};

const IDENTITY: &str = "identityId";

/// Credentials as cognate vended them.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub access_key_id: String,
    pub secret_key: String,
    pub session_token: String,
    /// Server epoch seconds.
    pub expiration: f64,
    pub identity_id: String,
}

/// The state of one `IdentityPool` object.
pub(crate) struct Inner {
    pub endpoint: String,
    pub pool_id: String,
    pub storage: Storage,
    pub skew: Cell<f64>,
    pub credentials: RefCell<Option<Credentials>>,
    pub inflight: RefCell<Option<Promise>>,
    /// The sign-in: provider name and a token, or a function that gives one.
    pub login: RefCell<Option<(String, JsValue)>>,
    pub listeners: RefCell<Vec<(String, Function)>>,
    pub clock: Box<dyn Fn() -> f64>,
}

impl Inner {
    fn skew(&self) -> Skew {
        Skew(self.skew.get())
    }

    fn now(&self) -> f64 {
        (self.clock)()
    }

    pub fn emit(&self, event: &str, detail: &JsValue) {
        let listeners: Vec<Function> =
            self.listeners.borrow().iter().filter(|(e, _)| e == event).map(|(_, f)| f.clone()).collect();
        for f in listeners {
            let _ = f.call1(&JsValue::NULL, detail);
        }
    }

    pub fn changed(&self) {
        let id = self.storage.get(&self.pool_id, IDENTITY).map_or(JsValue::NULL, |s| s.into());
        let signed_in = self.login.borrow().is_some();
        self.emit("change", &object(&[("identityId", id), ("authenticated", signed_in.into())]));
    }

    async fn call(&self, op: &str, input: &JsValue) -> Result<JsValue, ClientError> {
        let answer = call(&self.endpoint, op, input).await?;
        if let Some(server) = answer.server_time {
            self.skew.set(Skew::observe(server, self.now()).0);
        }
        Ok(answer.body)
    }

    /// The `Logins` map of the current sign-in, asking the token provider
    /// for a fresh token when there is one.
    async fn logins(&self) -> Result<Option<JsValue>, ClientError> {
        let Some((provider, token)) = self.login.borrow().clone() else { return Ok(None) };
        let token = match token.dyn_ref::<Function>() {
            Some(f) => {
                let given = f
                    .call0(&JsValue::NULL)
                    .map_err(|_| ClientError::new("SignInRequired", "the token provider failed"))?;
                let given = match given.dyn_ref::<Promise>() {
                    Some(p) => JsFuture::from(p.clone())
                        .await
                        .map_err(|_| ClientError::new("SignInRequired", "the token provider failed"))?,
                    None => given,
                };
                given
                    .as_string()
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| ClientError::new("SignInRequired", "the token provider gave no token"))?
            }
            None => token.as_string().unwrap_or_default(),
        };
        Ok(Some(object(&[(provider.as_str(), token.into())])))
    }

    /// The cached identity id, or a new one from GetId.
    async fn identity_id(&self, logins: &Option<JsValue>) -> Result<String, ClientError> {
        if let Some(id) = self.storage.get(&self.pool_id, IDENTITY) {
            return Ok(id);
        }
        let mut input = vec![("IdentityPoolId", JsValue::from(self.pool_id.as_str()))];
        if let Some(l) = logins {
            input.push(("Logins", l.clone()));
        }
        let body = self.call("GetId", &object(&input)).await?;
        let id = string(&body, "IdentityId")
            .ok_or_else(|| ClientError::new("InvalidResponse", "GetId gave no IdentityId"))?;
        self.storage.set(&self.pool_id, IDENTITY, Some(&id));
        self.changed();
        Ok(id)
    }

    /// Fresh credentials from the service, recovering once from a
    /// vanished guest identity.
    async fn fetch(&self) -> Result<Credentials, ClientError> {
        let mut retried = false;
        loop {
            let logins = match self.logins().await {
                Ok(l) => l,
                Err(e) => {
                    // No fresh token to be had: say so rather than fail silently.
                    self.emit("signInRequired", &object(&[("reason", e.message.as_str().into())]));
                    return Err(e);
                }
            };
            let identity_id = self.identity_id(&logins).await?;
            let mut input = vec![("IdentityId", JsValue::from(identity_id.as_str()))];
            if let Some(l) = &logins {
                input.push(("Logins", l.clone()));
            }
            match self.call("GetCredentialsForIdentity", &object(&input)).await {
                Ok(body) => {
                    let id = string(&body, "IdentityId").unwrap_or(identity_id.clone());
                    if id != identity_id {
                        // Merged into the identity that owned the login: follow it.
                        self.storage.set(&self.pool_id, IDENTITY, Some(&id));
                        self.changed();
                    }
                    let c = js_sys::Reflect::get(&body, &"Credentials".into()).unwrap_or(JsValue::UNDEFINED);
                    let field =
                        |n: &str| string(&c, n).ok_or_else(|| ClientError::new("InvalidResponse", ["no ", n].concat()));
                    let expiration =
                        js_sys::Reflect::get(&c, &"Expiration".into()).ok().and_then(|e| e.as_f64()).unwrap_or(0.0);
                    return Ok(Credentials {
                        access_key_id: field("AccessKeyId")?,
                        secret_key: field("SecretKey")?,
                        session_token: field("SessionToken")?,
                        expiration,
                        identity_id: id,
                    });
                }
                Err(e) => match recovery(&e.code, logins.is_none(), retried) {
                    Recovery::NewGuest => {
                        self.storage.set(&self.pool_id, IDENTITY, None);
                        retried = true;
                    }
                    Recovery::SignInRequired => {
                        self.emit("signInRequired", &object(&[("reason", e.message.as_str().into())]));
                        return Err(ClientError::new("SignInRequired", e.message));
                    }
                    Recovery::Fail => return Err(e),
                },
            }
        }
    }

    /// The credentials, cached until the refresh margin; concurrent callers
    /// share one request.
    pub fn credentials(self: &Rc<Self>) -> Promise {
        if let Some(c) = self.credentials.borrow().as_ref() {
            if !needs_refresh(c.expiration, self.now(), self.skew()) {
                return Promise::resolve(&self.to_js(c));
            }
        }
        if let Some(p) = self.inflight.borrow().as_ref() {
            return p.clone();
        }
        let me = self.clone();
        let promise = future_to_promise(async move {
            let result = me.fetch().await;
            me.inflight.borrow_mut().take();
            let creds = result?;
            let js = me.to_js(&creds);
            *me.credentials.borrow_mut() = Some(creds);
            Ok(js)
        });
        *self.inflight.borrow_mut() = Some(promise.clone());
        promise
    }

    /// `{accessKeyId, secretAccessKey, sessionToken, expiration, identityId}`,
    /// the expiration a `Date` on the device's clock.
    pub fn to_js(&self, c: &Credentials) -> JsValue {
        let local = self.skew().to_device(c.expiration) * 1000.0;
        object(&[
            ("accessKeyId", c.access_key_id.as_str().into()),
            ("secretAccessKey", c.secret_key.as_str().into()),
            ("sessionToken", c.session_token.as_str().into()),
            ("expiration", js_sys::Date::new(&local.into()).into()),
            ("identityId", c.identity_id.as_str().into()),
        ])
    }

    pub async fn open_id_token(&self) -> Result<JsValue, ClientError> {
        let logins = self.logins().await?;
        let identity_id = self.identity_id(&logins).await?;
        let mut input = vec![("IdentityId", JsValue::from(identity_id.as_str()))];
        if let Some(l) = &logins {
            input.push(("Logins", l.clone()));
        }
        let body = self.call("GetOpenIdToken", &object(&input)).await?;
        string(&body, "Token").map(JsValue::from).ok_or_else(|| ClientError::new("InvalidResponse", "no Token"))
    }

    pub async fn sign_in(self: &Rc<Self>, provider: String, token: JsValue) -> Result<JsValue, ClientError> {
        *self.login.borrow_mut() = Some((provider.clone(), token));
        self.credentials.borrow_mut().take();
        let creds = JsFuture::from(self.credentials()).await.map_err(|e| {
            let code = api::string(&e, "code").unwrap_or_else(|| "SignInRequired".into());
            ClientError::new(&code, api::string(&e, "message").unwrap_or_default())
        })?;
        self.changed();
        Ok(js_sys::Reflect::get(&creds, &"identityId".into()).unwrap_or(JsValue::NULL))
    }

    pub fn sign_out(&self) {
        self.login.borrow_mut().take();
        self.credentials.borrow_mut().take();
        self.storage.set(&self.pool_id, IDENTITY, None);
        self.changed();
    }
}

use wasm_bindgen::JsCast;
