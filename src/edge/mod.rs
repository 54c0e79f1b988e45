//! The Cloudflare Worker: translates `worker::Request` into the core's
//! request and back, and supplies the core's capabilities — Workers KV as
//! the read store, one Durable Object per pool as the authority, WebCrypto
//! for signing, `Date.now()` and `crypto.getRandomValues()`. Its Cron
//! Trigger runs the guest sweep (`GUEST_RETENTION_DAYS`) on the same
//! capabilities.

mod api_entry;
mod authority;
mod boundary;
mod gateway;
mod http;
mod kv;
mod limits;
mod platform;
mod pool_object;
mod s3;
mod webcrypto;

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

use crate::core::config::{Config, Secrets};
use crate::core::isolate_cache::IsolateCache;
use crate::core::limits::{Blocklist, Limits};
use crate::core::login::jwks::KeyCache;
use crate::core::protocol::{split_url, HttpRequest, HttpResponse, UrlParts, MAX_BODY_BYTES};
use crate::core::service::Service;

/// The KV namespace binding.
pub(crate) const KV_BINDING: &str = "IDENTITIES";
/// The Durable Object namespace binding.
pub(crate) const POOL_BINDING: &str = "POOL";
/// The static assets binding (the demo app in www/).
const ASSETS_BINDING: &str = "ASSETS";

thread_local! {
    /// Configuration, read once per isolate (vars and secrets do not change
    /// while an isolate lives).
    static SETTINGS: OnceCell<Rc<(Config, Secrets)>> = const { OnceCell::new() };
    /// Identity providers' keys, cached for the isolate's life.
    static KEY_CACHE: Rc<RefCell<KeyCache>> = Rc::new(RefCell::new(KeyCache::default()));
    /// Roles' policies and gateway routes, for `CACHE_SECONDS`.
    static ISOLATE_CACHE: Rc<IsolateCache> = Rc::new(IsolateCache::default());
    /// Client addresses refused after too many failed sign-ins.
    static BLOCKED: Rc<Blocklist> = Rc::new(Blocklist::default());
}

/// What the core's service uses in this Worker, for one event (a request
/// or a Cron Trigger): KV, the pool objects, WebCrypto, and the isolate's
/// caches and blocklist.
struct Capabilities<'a> {
    store: kv::KvStore,
    authority: authority::DoAuthority,
    signer: webcrypto::WebCryptoSigner<'a>,
    key_cache: Rc<RefCell<KeyCache>>,
    cache: Rc<IsolateCache>,
    blocked: Rc<Blocklist>,
    limiter: limits::BindingLimiter,
}

/// The service the Worker runs.
type WorkerService<'a> = Service<
    'a,
    kv::KvStore,
    authority::DoAuthority,
    webcrypto::WebCryptoSigner<'a>,
    http::FetchHttp,
    webcrypto::WebCryptoVerifier,
>;

impl<'a> Capabilities<'a> {
    /// The bindings of `env`, and signing with the current key of `secrets`.
    /// (Each binding is looked up on first use; a missing one fails that
    /// use as an outage of it would.)
    fn from_env(env: &Env, secrets: &'a Secrets) -> Self {
        Self {
            store: kv::KvStore::from_env(env, KV_BINDING),
            authority: authority::DoAuthority::new(env, POOL_BINDING),
            signer: webcrypto::WebCryptoSigner::new(&secrets.signing_keys.current),
            key_cache: KEY_CACHE.with(Rc::clone),
            cache: ISOLATE_CACHE.with(Rc::clone),
            blocked: BLOCKED.with(Rc::clone),
            limiter: limits::BindingLimiter::from_env(env),
        }
    }

    /// The service over these capabilities, for a client at `client` (its
    /// `CF-Connecting-IP`; none for a Cron Trigger).
    fn service(&'a self, config: &'a Config, secrets: &'a Secrets, client: Option<&'a str>) -> WorkerService<'a> {
        Service {
            config,
            secrets,
            store: &self.store,
            authority: &self.authority,
            signer: &self.signer,
            http: &http::FetchHttp,
            verifier: &webcrypto::WebCryptoVerifier,
            key_cache: &self.key_cache,
            cache: &self.cache,
            clock: &platform::JsClock,
            random: &platform::JsRandom,
            limits: Limits { limiter: &self.limiter, blocked: &self.blocked, client },
        }
    }
}

fn settings(env: &Env) -> std::result::Result<Rc<(Config, Secrets)>, String> {
    if let Some(s) = SETTINGS.with(|c| c.get().cloned()) {
        return Ok(s);
    }
    let var = |name: &str| platform::string_binding(env, name);
    let config = Config::from_vars(var).map_err(|e| e.to_string())?;
    let secrets = Secrets::from_vars(var).map_err(|e| e.to_string())?;
    let loaded = Rc::new((config, secrets));
    SETTINGS.with(|c| {
        let _ = c.set(loaded.clone());
    });
    Ok(loaded)
}

/// The isolate's settings, or the answer that says cognate is misconfigured.
fn settings_or_refusal(env: &Env) -> std::result::Result<Rc<(Config, Secrets)>, Result<web_sys::Response>> {
    settings(env).map_err(|e| {
        worker::console_error!("cognate is misconfigured: {e}");
        Response::error("cognate is misconfigured; see the Worker's log", 500).map(Into::into)
    })
}

/// The answer to a request whose URL does not parse (which the platform
/// does not let happen).
fn bad_request() -> Result<web_sys::Response> {
    Response::error("Bad Request", 400).map(Into::into)
}

#[event(fetch)]
async fn fetch(raw: web_sys::Request, env: Env, ctx: Context) -> Result<web_sys::Response> {
    console_error_panic_hook::set_once();
    let settings = match settings_or_refusal(&env) {
        Ok(s) => s,
        Err(refusal) => return refusal,
    };
    let (config, secrets) = &*settings;
    let url = raw.url();
    let Some(parts) = split_url(&url) else { return bad_request() };
    let method = raw.method();
    let preflight = method == "OPTIONS";
    let gateway_door = !preflight && crate::core::gateway::route_path(parts.path).is_some();
    let s3_door = s3::is_s3_path(parts.path);
    let static_asset = !gateway_door
        && !s3_door
        && matches!(method.as_str(), "GET" | "HEAD")
        && !crate::core::service::whoami::serves_get(parts.path);
    if static_asset {
        return env.assets(ASSETS_BINDING)?.fetch_request(Request::from(raw)).await.map(Into::into);
    }
    let capabilities = Capabilities::from_env(&env, secrets);
    let store = &capabilities.store;
    if s3_door || gateway_door {
        let client = raw.headers().get("cf-connecting-ip").ok().flatten();
        let service = capabilities.service(config, secrets, client.as_deref());
        if s3_door {
            return serve_s3(Request::from(raw), parts.https, &env, &service, store, config).await.map(Into::into);
        }
        let answer = match gateway::read(&raw, &parts).await {
            Ok(request) => match service.gateway(&request, parts.https).await {
                Ok(forward) => gateway::send(&env, request, forward, config.gateway_timeout_seconds).await,
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        return match answer {
            Ok(response) => Ok(response.into()),
            Err(e) => gateway_refusal(&e, &service.request_id()),
        };
    }
    let request = match read_request(&raw, &parts).await {
        Ok(r) => r,
        Err(too_large) => return boundary::response(too_large),
    };
    answer_api(&capabilities, config, secrets, &request, &ctx).await
}

/// The JSON API's answer to `request` (its body read).
async fn answer_api(
    capabilities: &Capabilities<'_>,
    config: &Config,
    secrets: &Secrets,
    request: &HttpRequest,
    ctx: &Context,
) -> Result<web_sys::Response> {
    let service = capabilities.service(config, secrets, request.header("cf-connecting-ip"));
    let (response, log) = service.handle(request).await;
    if let Some(writes) = capabilities.store.take_later() {
        ctx.wait_until(writes);
    }
    if let Some(error) = log.error {
        let op = log.operation.unwrap_or("-");
        match log.detail {
            // Only the service's own failures are errors; refusals are news.
            Some(detail) if error == "InternalErrorException" => {
                worker::console_error!("{op} failed: {error}: {detail}")
            }
            Some(detail) => worker::console_log!("{op}: {error}: {detail}"),
            None => worker::console_log!("{op}: {error}"),
        }
    }
    boundary::response(response)
}

/// The Cron Trigger (`[triggers]` in wrangler.toml): one bounded run of the
/// guest sweep, which does nothing while `GUEST_RETENTION_DAYS` is unset.
/// Logs counts only, never an id.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    console_error_panic_hook::set_once();
    let settings = match settings(&env) {
        Ok(s) => s,
        Err(e) => return worker::console_error!("cognate is misconfigured: {e}"),
    };
    let (config, secrets) = &*settings;
    if config.guest_retention_days.is_none() {
        return worker::console_log!("guest sweep: off (GUEST_RETENTION_DAYS is not set)");
    }
    let capabilities = Capabilities::from_env(&env, secrets);
    let r = capabilities.service(config, secrets, None).sweep_guests().await;
    let counts = format!(
        "pools {}, entries read {}, guests removed {}, kept {}, operations {}, {}",
        r.pools,
        r.listed,
        r.removed,
        r.kept,
        r.operations,
        if r.finished { "cycle finished" } else { "resumes next run" }
    );
    match r.failure {
        Some(why) => worker::console_error!("guest sweep: {counts}; stopped: {why}"),
        None => worker::console_log!("guest sweep: {counts}"),
    }
}

/// The S3 API (`secure`: over HTTPS): preflight, the core's check, then R2.
async fn serve_s3<S, A, K, H, V>(
    req: Request,
    secure: bool,
    env: &Env,
    service: &Service<'_, S, A, K, H, V>,
    store: &kv::KvStore,
    config: &Config,
) -> Result<Response>
where
    S: crate::core::store::Store,
    A: crate::core::capabilities::Authority,
    K: crate::core::capabilities::Signer,
    H: crate::core::capabilities::Http,
    V: crate::core::capabilities::Verifier,
{
    let request_id = service.request_id();
    if req.method() == worker::Method::Options {
        return s3::preflight(&req, &request_id);
    }
    let is_head = req.method() == worker::Method::Head;
    let cx = s3::S3Context {
        env,
        store,
        region: &config.region,
        buckets: &config.s3_buckets,
        account_id: &config.account_id,
        request_id: request_id.clone(),
    };
    let answer = match s3::head_of(&req) {
        Ok(head) => match service.s3_authorize(&head, secure).await {
            Ok(grant) => {
                let op = grant.request.operation.name();
                s3::serve(req, &cx, grant).await.map_err(|e| (Some(op), e))
            }
            Err(e) => Err((None, e)),
        },
        Err(e) => Err((None, e)),
    };
    match answer {
        Ok(response) => Ok(response),
        Err((op, e)) => {
            worker::console_log!("s3 {}: {} {}", op.unwrap_or("-"), e.status, e.code);
            s3::error_response(&e, &request_id, is_head)
        }
    }
}

/// A refusal of the gateway, logged by its type (and detail, never a token).
fn gateway_refusal(e: &crate::core::gateway::GatewayError, request_id: &str) -> Result<web_sys::Response> {
    match &e.detail {
        Some(detail) if e.status >= 500 => worker::console_error!("gateway: {}: {detail}", e.error_type),
        Some(detail) => worker::console_log!("gateway: {}: {detail}", e.error_type),
        None => worker::console_log!("gateway: {}", e.error_type),
    }
    boundary::response(e.response().finish(request_id, platform::now()))
}

/// Reads the request at `url`, refusing bodies over 1 MiB before buffering them.
async fn read_request(raw: &web_sys::Request, url: &UrlParts<'_>) -> std::result::Result<HttpRequest, HttpResponse> {
    boundary::read(raw, url, MAX_BODY_BYTES, |method| method == "POST").await.ok_or_else(too_large)
}

/// The refusal of a body over 1 MiB.
fn too_large() -> HttpResponse {
    let error = crate::core::error::ApiError::new(
        crate::core::error::ErrorKind::Validation,
        "Request body must be at most 1048576 bytes.",
    );
    HttpResponse::error(&error).finish("-", platform::now())
}

/// The core's view of `req` without its body (`None` if its URL does not
/// parse, which the platform does not let happen).
pub(crate) fn request_head(req: &Request) -> Option<HttpRequest> {
    let url = req.inner().url();
    Some(boundary::head(req.inner(), &split_url(&url)?))
}
