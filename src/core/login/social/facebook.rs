//! Facebook Login: a user access token must belong to an app the pool
//! configures (never only `/me`, which any app's token answers).
//!
//! - With the app's secret (`FACEBOOK_APP_SECRET` holds `<app id>|<secret>`):
//!   `GET {FACEBOOK_GRAPH_URL}/debug_token?input_token=…&access_token=<app id>|<secret>&appsecret_proof=…`
//!   answers `{"data": {"app_id", "type", "is_valid", "user_id", "expires_at", …}}`;
//!   the token must be valid, a `USER` token, of a configured app, not
//!   expired (`expires_at` 0 means it does not expire). `appsecret_proof`
//!   (HMAC-SHA256 of the access token under the app secret, hex) is sent so
//!   that apps with "Require App Secret" on are served.
//! - Without it: `GET /app?access_token=…` (`{"id": <app id>}`) must name a
//!   configured app, then `GET /me?fields=id&access_token=…` gives the user;
//!   Facebook says nothing of expiry here, so the answer is kept for
//!   [`UNKNOWN_LIFETIME_SECONDS`](super::UNKNOWN_LIFETIME_SECONDS).
//!
//! A 4xx answer refuses the token; an outage is an outage.

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use super::{ask, id_member, Answer, SocialProvider, SocialSettings, Vouched, UNKNOWN_LIFETIME_SECONDS};
use crate::core::capabilities::Http;
use crate::core::login::LoginError;
use crate::core::percent::encode;

/// The most apps with a secret tried with `debug_token` for one token.
const MAX_DEBUG_APPS: usize = 4;

/// `appsecret_proof`: HMAC-SHA256 of `access_token` under `secret`, in hex.
pub fn appsecret_proof(secret: &str, access_token: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(access_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Asks Facebook about `token` for `provider` (the pool's apps) at `now`.
pub async fn check<H: Http>(
    http: &H,
    settings: &SocialSettings<'_>,
    provider: &SocialProvider,
    token: &str,
    now: u64,
) -> Result<Vouched, LoginError> {
    let with_secret: Vec<(&String, &str)> = provider
        .app_ids
        .iter()
        .filter_map(|id| settings.facebook_secrets.get(id).map(|s| (id, s)))
        .take(MAX_DEBUG_APPS)
        .collect();
    let mut refusal = None;
    for (app_id, secret) in &with_secret {
        match debug_token(http, settings, app_id, secret, token, now).await {
            Ok(vouched) => return Ok(vouched),
            Err(e @ (LoginError::Refused(_) | LoginError::WrongAudience)) => refusal = Some(e),
            Err(other) => return Err(other),
        }
    }
    let every_app_has_a_secret = with_secret.len() == provider.app_ids.len();
    match refusal {
        Some(e) if every_app_has_a_secret => Err(e),
        _ => app_and_me(http, settings, provider, token, now).await,
    }
}

/// The `debug_token` check with app `app_id`'s access token.
async fn debug_token<H: Http>(
    http: &H,
    settings: &SocialSettings<'_>,
    app_id: &str,
    secret: &str,
    token: &str,
    now: u64,
) -> Result<Vouched, LoginError> {
    let app_token = format!("{app_id}|{secret}");
    let query = format!(
        "/debug_token?input_token={}&access_token={}&appsecret_proof={}",
        encode(token),
        encode(&app_token),
        appsecret_proof(secret, &app_token)
    );
    let answer = match ask(http, settings, settings.facebook_graph_url, &query, "facebook debug_token").await? {
        Answer::Object(answer) => answer,
        Answer::Refused(code) => return Err(LoginError::Refused(code)),
    };
    let garbage = |what: &str| LoginError::Unavailable(format!("facebook debug_token: {what}"));
    let data = match answer.get("data") {
        Some(Value::Object(data)) => data,
        _ => return Err(garbage("no data")),
    };
    if data.get("is_valid") != Some(&Value::Bool(true)) {
        return Err(LoginError::Refused(format!("debug_token: not valid ({})", subcode(data))));
    }
    if data.get("type").is_some_and(|t| t != "USER") {
        return Err(LoginError::Refused("debug_token: not a user token".into()));
    }
    let token_app = id_member(data, "app_id").ok_or_else(|| garbage("no app_id"))?;
    let user_id = id_member(data, "user_id").ok_or_else(|| garbage("no user_id"))?;
    let until = match data.get("expires_at").and_then(Value::as_u64) {
        Some(0) | None => now.saturating_add(super::MAX_CACHE_SECONDS),
        Some(at) if at <= now => return Err(LoginError::Expired { exp: at, now }),
        Some(at) => at,
    };
    Ok(Vouched { app_id: token_app, client_id: None, user_id, until })
}

/// `data.error.code`/`subcode` of an invalid token's `debug_token`, for the log.
fn subcode(data: &Map<String, Value>) -> String {
    let error = data.get("error");
    let part = |k: &str| error.and_then(|e| e.get(k)).and_then(Value::as_i64).map_or("-".into(), |c| c.to_string());
    format!("{}/{}", part("code"), part("subcode"))
}

/// The `/app` then `/me` check, without a secret.
async fn app_and_me<H: Http>(
    http: &H,
    settings: &SocialSettings<'_>,
    provider: &SocialProvider,
    token: &str,
    now: u64,
) -> Result<Vouched, LoginError> {
    let base = settings.facebook_graph_url;
    let encoded = encode(token);
    let app = match ask(http, settings, base, &format!("/app?access_token={encoded}"), "facebook /app").await? {
        Answer::Object(app) => app,
        Answer::Refused(code) => return Err(LoginError::Refused(code)),
    };
    let app_id = id_member(&app, "id").ok_or_else(|| LoginError::Unavailable("facebook /app: no id".into()))?;
    if !provider.app_ids.contains(&app_id) {
        // Another app's token: no need to ask who the user is.
        return Err(LoginError::WrongAudience);
    }
    let me = match ask(http, settings, base, &format!("/me?fields=id&access_token={encoded}"), "facebook /me").await? {
        Answer::Object(me) => me,
        Answer::Refused(code) => return Err(LoginError::Refused(code)),
    };
    let user_id = id_member(&me, "id").ok_or_else(|| LoginError::Unavailable("facebook /me: no id".into()))?;
    Ok(Vouched { app_id, client_id: None, user_id, until: now.saturating_add(UNKNOWN_LIFETIME_SECONDS) })
}
