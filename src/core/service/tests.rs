//! The API end to end in memory: every operation and its error cases, with
//! a fixed clock, a store that can lag, and SigV4-signed admin calls.

use std::rc::Rc;

use serde_json::{json, Value};

use super::Service;
use crate::core::capabilities::Clock;
use crate::core::config::{Config, Secrets};
use crate::core::limits::{Blocklist, CountingLimiter, Limits};
use crate::core::login::jwks::KeyCache;
use crate::core::login::native::NativeVerifier;
use crate::core::memory::{MemoryAuthority, MemoryStore};
use crate::core::protocol::HttpRequest;
use crate::core::testing::{block_on, ManualClock, P256Signer, SeededRandom, TestIdp};
use crate::core::token::tests::keys_and_signer;

const ADMIN_ID: &str = "AKIAADMINADMINADMIN0";
const ADMIN_SECRET: &str = "admin-secret-admin-secret-admin-secret";
const GUEST_ROLE: &str = "arn:aws:iam::000000000000:role/guest";

pub(crate) struct Harness {
    pub clock: Rc<ManualClock>,
    pub store: Rc<MemoryStore>,
    pub authority: MemoryAuthority,
    pub config: Config,
    pub secrets: Secrets,
    pub signer: P256Signer,
    pub random: SeededRandom,
    pub idp: TestIdp,
    pub key_cache: std::cell::RefCell<KeyCache>,
    pub cache: crate::core::isolate_cache::IsolateCache,
    pub limiter: CountingLimiter,
    pub blocked: Blocklist,
}

pub(crate) struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub(super) fn error_type(&self) -> &str {
        self.body["__type"].as_str().unwrap_or_default()
    }

    pub(super) fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }
}

impl Harness {
    pub(super) fn new() -> Self {
        Self::with_account(None)
    }

    /// A harness whose `ACCOUNT_ID` is `account` (the default's otherwise).
    pub(super) fn with_account(account: Option<&'static str>) -> Self {
        let clock = Rc::new(ManualClock::new(1_800_000_000));
        let store = Rc::new(MemoryStore::new(clock.clone()));
        let (signing_keys, signer) = keys_and_signer("test-key");
        let vars = move |name: &str| {
            Some(match name {
                "REGION" => "us-east-1".to_owned(),
                "ISSUER" => "https://id.example.com".to_owned(),
                "INSECURE_HTTP_ISSUERS" => "idp.test,sts.test".to_owned(),
                "AWS_STS_ENDPOINT" => "http://sts.test".to_owned(),
                "HASH_KEY" => "A".repeat(43),
                "CREDENTIAL_KEYS" => {
                    r#"{"current":{"id":"c1","key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"}}"#.to_owned()
                }
                "SIGNING_KEYS" => signing_keys.clone(),
                "ADMIN_ACCESS_KEY_ID" => ADMIN_ID.to_owned(),
                "ADMIN_SECRET_ACCESS_KEY" => ADMIN_SECRET.to_owned(),
                "ACCOUNT_ID" => account?.to_owned(),
                _ => return None,
            })
        };
        Self {
            authority: MemoryAuthority::new(store.clone()),
            config: Config::from_vars(&vars).unwrap(),
            secrets: Secrets::from_vars(&vars).unwrap(),
            clock,
            store,
            signer,
            random: SeededRandom::new(42),
            idp: TestIdp::new("idp.test"),
            key_cache: Default::default(),
            cache: Default::default(),
            limiter: CountingLimiter::new(u32::MAX),
            blocked: Blocklist::default(),
        }
    }

    fn service<'a>(
        &'a self,
        client: Option<&'a str>,
    ) -> Service<'a, MemoryStore, MemoryAuthority, P256Signer, TestIdp, NativeVerifier> {
        Service {
            config: &self.config,
            secrets: &self.secrets,
            store: &self.store,
            authority: &self.authority,
            signer: &self.signer,
            http: &self.idp,
            verifier: &NativeVerifier,
            key_cache: &self.key_cache,
            cache: &self.cache,
            clock: &*self.clock,
            random: &self.random,
            limits: Limits { limiter: &self.limiter, blocked: &self.blocked, client },
        }
    }

    pub(super) fn send(&self, request: HttpRequest) -> Reply {
        let client = request.header("cf-connecting-ip");
        let (response, _) = block_on(self.service(client).handle(&request));
        // What the Worker hands to waitUntil runs after the response.
        assert_eq!(self.store.run_later(), 0, "a write after the response failed");
        let body = if response.body.is_empty() { Value::Null } else { serde_json::from_slice(&response.body).unwrap() };
        Reply { status: response.status, body, headers: response.headers }
    }

    pub(super) fn request(op: &str, body: &Value) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers: vec![
                ("host".into(), "cognito-identity.us-east-1.amazonaws.com".into()),
                ("content-type".into(), "application/x-amz-json-1.1".into()),
                ("x-amz-target".into(), format!("AWSCognitoIdentityService.{op}")),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    /// Signs `request` with SigV4 as the SDK would, for Cognito Identity.
    pub(super) fn sign(&self, request: HttpRequest, key_id: &str, secret: &str, token: Option<&str>) -> HttpRequest {
        self.sign_for(request, key_id, secret, token, "cognito-identity")
    }

    /// Signs `request` with SigV4 for `service`.
    pub(super) fn sign_for(
        &self,
        mut request: HttpRequest,
        key_id: &str,
        secret: &str,
        token: Option<&str>,
        service: &str,
    ) -> HttpRequest {
        request.sign((key_id, secret, token), "us-east-1", service, self.clock.now());
        request
    }

    pub(super) fn call(&self, op: &str, body: Value) -> Reply {
        self.send(Self::request(op, &body))
    }

    pub(super) fn admin(&self, op: &str, body: Value) -> Reply {
        self.send(self.sign(Self::request(op, &body), ADMIN_ID, ADMIN_SECRET, None))
    }

    pub(super) fn ok(reply: Reply) -> Value {
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }

    /// A pool that allows guests and has a guest role.
    pub(super) fn guest_pool(&self) -> String {
        let pool = Self::ok(self.admin(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "guests", "AllowUnauthenticatedIdentities": true}),
        ));
        let id = pool["IdentityPoolId"].as_str().unwrap().to_owned();
        Self::ok(
            self.admin("SetIdentityPoolRoles", json!({"IdentityPoolId": id, "Roles": {"unauthenticated": GUEST_ROLE}})),
        );
        id
    }

    /// A pool created with `settings` (CreateIdentityPool's input) and `roles`.
    pub(super) fn pool_with(&self, settings: Value, roles: Value) -> String {
        let pool = Self::ok(self.admin("CreateIdentityPool", settings))["IdentityPoolId"].as_str().unwrap().to_owned();
        Self::ok(self.admin("SetIdentityPoolRoles", json!({"IdentityPoolId": pool, "Roles": roles})));
        pool
    }

    /// Runs the authorities' background work (the Durable Objects' alarms)
    /// until nothing is left, waiting out grace times on the clock; how many
    /// runs it took. Each run stays within one invocation's budget: at most
    /// one outbox batch of store writes and one listing.
    pub(super) fn settle(&self) -> u32 {
        use crate::core::background::Next;
        use crate::core::ledger::FLUSH_BATCH;
        for runs in 1..=100_000 {
            let (reads, writes) = (self.store.reads(), self.store.writes());
            let next = block_on(self.authority.background(self.clock.now()));
            assert!(self.store.writes() - writes <= FLUSH_BATCH as u64, "a run wrote more than a batch");
            assert!(self.store.reads() - reads <= 1, "a run listed more than once");
            match next {
                Next::Idle => return runs,
                Next::Soon => {}
                Next::Later => self.clock.advance(30),
                Next::Retry => self.clock.advance(2),
            }
        }
        panic!("background work never ended");
    }

    pub(super) fn guest(&self, pool: &str) -> String {
        let r = Self::ok(self.call("GetId", json!({"IdentityPoolId": pool})));
        r["IdentityId"].as_str().unwrap().to_owned()
    }
}

mod admin;
mod aws_roles;
mod developer;
mod doors;
mod faults;
mod guests;
mod limits;
mod protocol;
mod purge;
mod saml;
mod signin;
mod stateless;
mod sweep;
mod tags;
