//! Login with Amazon: an access token (`Atza|…`) is checked with Amazon's
//! token-information endpoint, `GET {AMAZON_API_URL}/auth/o2/tokeninfo?access_token=…`,
//! which answers `{"aud": <client id>, "user_id": "amzn1.account.…",
//! "app_id": "amzn1.application.…", "exp": <seconds left>, "iat": …}` for a
//! live token and 400 `{"error": "invalid_token"}` for a bad, revoked or
//! expired one (developer.amazon.com, Login with Amazon, "Obtain Customer
//! Profile Information"). The subject is `user_id`; the app is `app_id`
//! (or `aud`, if that is what the pool lists).

use serde_json::Value;

use super::{ask, id_member, Answer, SocialSettings, Vouched};
use crate::core::capabilities::Http;
use crate::core::login::LoginError;
use crate::core::percent::encode;

/// Asks Amazon about `token` at `now`.
pub async fn check<H: Http>(
    http: &H,
    settings: &SocialSettings<'_>,
    token: &str,
    now: u64,
) -> Result<Vouched, LoginError> {
    let query = format!("/auth/o2/tokeninfo?access_token={}", encode(token));
    let info = match ask(http, settings, settings.amazon_api_url, &query, "amazon tokeninfo").await? {
        Answer::Object(info) => info,
        Answer::Refused(code) => return Err(LoginError::Refused(code)),
    };
    let garbage = |what: &str| LoginError::Unavailable(format!("amazon tokeninfo: {what}"));
    let user_id = id_member(&info, "user_id").ok_or_else(|| garbage("no user_id"))?;
    let client_id = id_member(&info, "aud");
    let app_id = id_member(&info, "app_id").or_else(|| client_id.clone()).ok_or_else(|| garbage("no app_id"))?;
    let left = match info.get("exp") {
        Some(Value::Number(n)) => n.as_f64().filter(|s| s.is_finite()).ok_or_else(|| garbage("exp"))?,
        _ => return Err(garbage("no exp")),
    };
    if left <= 0.0 {
        return Err(LoginError::Expired { exp: now, now });
    }
    let until = now.saturating_add(left.min(1e9) as u64);
    Ok(Vouched { app_id, client_id, user_id, until })
}
