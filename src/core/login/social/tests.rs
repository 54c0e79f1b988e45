//! Access-token logins against a fake Login with Amazon and a fake Graph API
//! served through the `Http` capability. The answers' shapes are those that
//! Amazon's "Obtain Customer Profile Information" (tokeninfo) and Facebook's
//! "Debug Access Tokens" / Graph API reference pages document.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use serde_json::{json, Value};

use super::*;
use crate::core::capabilities::{FetchError, Fetched};
use crate::core::error::ErrorKind;
use crate::core::percent::decode;
use crate::core::testing::block_on;

const AMAZON_URL: &str = "https://api.amazon.test";
const GRAPH_URL: &str = "https://graph.facebook.test/v19.0";
const NOW: u64 = 1_700_000_000;
const AMZN_APP: &str = "amzn1.application.app1";
const AMZN_CLIENT: &str = "amzn1.application-oa2-client.c1";
const FB_APP: &str = "111";
const FB_SECRET: &str = "s3cret";

/// How the fake providers fail.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Down {
    Up,
    NoAnswer,
    Status(u16),
    Html,
    NoUser,
}

/// One token either fake knows: its app (and Amazon client id), user, and
/// `exp`: seconds left for Amazon, `expires_at` for Facebook.
#[derive(Clone)]
struct Known {
    app: &'static str,
    client: &'static str,
    user: &'static str,
    exp: i64,
    kind: &'static str,
}

struct Fake {
    tokens: RefCell<HashMap<String, Known>>,
    secrets: HashMap<&'static str, &'static str>,
    down: Cell<Down>,
    /// The paths called (no query: it holds the token).
    calls: RefCell<Vec<String>>,
}

impl Fake {
    fn new() -> Self {
        Self {
            tokens: RefCell::default(),
            secrets: [(FB_APP, FB_SECRET), ("222", "other")].into(),
            down: Cell::new(Down::Up),
            calls: RefCell::default(),
        }
    }

    fn add(&self, token: &str, app: &'static str, user: &'static str, exp: i64) {
        let known = Known { app, client: AMZN_CLIENT, user, exp, kind: "USER" };
        self.tokens.borrow_mut().insert(token.to_owned(), known);
    }

    fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }

    fn answer(&self, path: &str, query: &HashMap<String, String>) -> (u16, Value) {
        let tokens = self.tokens.borrow();
        let token = |name: &str| query.get(name).and_then(|t| tokens.get(t)).cloned();
        let fb_refusal =
            json!({ "error": { "message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190 } });
        let no_user = self.down.get() == Down::NoUser;
        match path {
            "/auth/o2/tokeninfo" => match token("access_token") {
                // Amazon refuses expired tokens like any other bad one.
                Some(k) if k.exp > 0 || k.user == "stale" => {
                    let mut info =
                        json!({ "aud": k.client, "user_id": k.user, "app_id": k.app, "exp": k.exp.max(0), "iat": NOW });
                    if no_user {
                        info.as_object_mut().unwrap().remove("user_id");
                    }
                    (200, info)
                }
                _ => (
                    400,
                    json!({ "error_description": "The request has an invalid parameter : access_token", "error": "invalid_token" }),
                ),
            },
            "/app" => match token("access_token") {
                Some(k) => (200, json!({ "id": k.app, "name": "an app" })),
                None => (400, fb_refusal),
            },
            "/me" => match token("access_token") {
                Some(_) if query.get("fields").map(String::as_str) != Some("id") => (400, fb_refusal),
                Some(_) if no_user => (200, json!({ "name": "someone" })),
                Some(k) => (200, json!({ "id": k.user })),
                None => (400, fb_refusal),
            },
            "/debug_token" => {
                let app_token = query.get("access_token").cloned().unwrap_or_default();
                let Some((app, secret)) = app_token.split_once('|') else { return (400, fb_refusal) };
                let proof = query.get("appsecret_proof").cloned().unwrap_or_default();
                if self.secrets.get(app) != Some(&secret) || proof != facebook::appsecret_proof(secret, &app_token) {
                    return (400, fb_refusal);
                }
                let data = match token("input_token") {
                    Some(k) if k.app == app && k.user != "revoked" => {
                        let mut d = json!({ "app_id": k.app, "type": k.kind, "application": "an app",
                            "expires_at": k.exp, "is_valid": true, "issued_at": NOW - 10, "scopes": ["public_profile"], "user_id": k.user });
                        if no_user {
                            d.as_object_mut().unwrap().remove("user_id");
                        }
                        d
                    }
                    Some(k) if k.app == app => json!({ "app_id": k.app, "is_valid": false,
                        "error": { "code": 190, "message": "Error validating access token: The session has been invalidated", "subcode": 460 } }),
                    _ => {
                        json!({ "is_valid": false, "error": { "code": 190, "message": "Invalid OAuth access token." } })
                    }
                };
                (200, json!({ "data": data }))
            }
            _ => (404, json!({})),
        }
    }
}

impl Http for Fake {
    async fn get(&self, _url: &str) -> Result<Fetched, FetchError> {
        Err(FetchError("not this one".into()))
    }

    async fn get_answer(&self, url: &str) -> Result<Fetched, FetchError> {
        let rest = url.strip_prefix(AMAZON_URL).or_else(|| url.strip_prefix(GRAPH_URL));
        let rest = rest.or_else(|| url.strip_prefix("http://127.0.0.1:9")).expect("a known base");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        self.calls.borrow_mut().push(path.to_owned());
        let query: HashMap<String, String> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), decode(v).expect("percent-encoded")))
            .collect();
        let (status, body) = match self.down.get() {
            Down::NoAnswer => return Err(FetchError("did not answer within 5s".into())),
            Down::Status(s) => (s, b"{\"error\":\"busy\"}".to_vec()),
            Down::Html => (200, b"<html>maintenance</html>".to_vec()),
            Down::Up | Down::NoUser => {
                let (status, body) = self.answer(path, &query);
                (status, body.to_string().into_bytes())
            }
        };
        Ok(Fetched { status, cache_control: None, body })
    }
}

fn pool(providers: &[(&str, &str)]) -> IdentityPool {
    IdentityPool {
        supported_login_providers: Some(providers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
        ..Default::default()
    }
}

struct Setup {
    fake: Fake,
    cache: RefCell<KeyCache>,
    secrets: FacebookAppSecrets,
    insecure: Vec<String>,
    amazon_url: &'static str,
}

impl Setup {
    fn new(secrets: &str) -> Self {
        Self {
            fake: Fake::new(),
            cache: RefCell::default(),
            secrets: FacebookAppSecrets::parse(secrets).unwrap(),
            insecure: Vec::new(),
            amazon_url: AMAZON_URL,
        }
    }

    fn verify(&self, pool: &IdentityPool, name: &str, token: &str, now: u64) -> Result<VerifiedLogin, LoginError> {
        let verifier = SocialVerifier {
            http: &self.fake,
            cache: &self.cache,
            settings: SocialSettings {
                amazon_api_url: self.amazon_url,
                facebook_graph_url: GRAPH_URL,
                facebook_secrets: &self.secrets,
                insecure_http_hosts: &self.insecure,
            },
        };
        block_on(verifier.verify(pool, name, token, now))
    }
}

#[test]
fn amazon_tokens_of_the_configured_app_sign_in_as_their_user() {
    let s = Setup::new("");
    s.fake.add("Atza|good", AMZN_APP, "amzn1.account.U1", 3000);
    s.fake.add("Atza|other", "amzn1.application.other", "amzn1.account.U2", 3000);
    for configured in [AMZN_APP, AMZN_CLIENT, "amzn1.application.x, amzn1.application.app1"] {
        let login = s.verify(&pool(&[(AMAZON, configured)]), AMAZON, "Atza|good", NOW).unwrap();
        assert_eq!((login.provider.as_str(), login.sub.as_str()), (AMAZON, "amzn1.account.U1"), "{configured}");
        assert_eq!(login.client_id, AMZN_CLIENT, "the client id is tokeninfo's aud");
        assert_eq!(login.claims.str("app_id"), Some(AMZN_APP));
        assert_eq!(login.claims.str("user_id"), Some("amzn1.account.U1"));
        assert_eq!(login.claims.str("aud"), Some(AMZN_CLIENT));
    }
    // Another app's token: Amazon vouches for it, the pool does not take it.
    let err = s.verify(&pool(&[(AMAZON, AMZN_APP)]), AMAZON, "Atza|other", NOW).unwrap_err();
    assert_eq!(err, LoginError::WrongAudience);
    assert_eq!(err.to_api().kind, ErrorKind::NotAuthorized);
    assert_eq!(s.fake.calls(), ["/auth/o2/tokeninfo", "/auth/o2/tokeninfo"], "one check per token");
}

#[test]
fn amazon_refusals_are_not_authorized() {
    let s = Setup::new("");
    let p = pool(&[(AMAZON, AMZN_APP)]);
    s.fake.add("Atza|expired", AMZN_APP, "amzn1.account.U1", -5);
    s.fake.add("Atza|stale", AMZN_APP, "stale", 0);
    // Amazon answers 400 invalid_token for an unknown, revoked or expired token.
    for token in ["Atza|unknown", "Atza|expired"] {
        let err = s.verify(&p, AMAZON, token, NOW).unwrap_err();
        assert_eq!(err, LoginError::Refused("amazon tokeninfo: 400 invalid_token".into()), "{token}");
        let api = err.to_api();
        assert_eq!(api.kind, ErrorKind::NotAuthorized);
        assert!(!api.message.contains("Atza"), "the token never shows");
    }
    // A live answer with no time left is expired.
    assert_eq!(s.verify(&p, AMAZON, "Atza|stale", NOW).unwrap_err(), LoginError::Expired { exp: NOW, now: NOW });
    assert!(s.cache.borrow().access_tokens.is_empty(), "refusals are not kept");
}

#[test]
fn facebook_without_a_secret_asks_app_then_me() {
    let s = Setup::new("");
    let p = pool(&[(FACEBOOK, FB_APP)]);
    s.fake.add("EAAgood", FB_APP, "10001", 0);
    s.fake.add("EAAother", "999", "10002", 0);
    let login = s.verify(&p, FACEBOOK, "EAAgood", NOW).unwrap();
    assert_eq!((login.provider.as_str(), login.sub.as_str(), login.client_id.as_str()), (FACEBOOK, "10001", FB_APP));
    assert_eq!((login.claims.str("aud"), login.claims.str("sub")), (Some(FB_APP), Some("10001")));
    assert_eq!(s.fake.calls(), ["/app", "/me"]);
    s.fake.calls.borrow_mut().clear();
    // Another app's token is refused without asking who its user is.
    assert_eq!(s.verify(&p, FACEBOOK, "EAAother", NOW).unwrap_err(), LoginError::WrongAudience);
    assert_eq!(s.fake.calls(), ["/app"]);
    let err = s.verify(&p, FACEBOOK, "EAAinvalid", NOW).unwrap_err();
    assert_eq!(err, LoginError::Refused("facebook /app: 400 190/-".into()));
    assert_eq!(err.to_api().kind, ErrorKind::NotAuthorized);
    // Facebook said nothing of expiry: kept for the short default only.
    assert!(s.verify(&p, FACEBOOK, "EAAgood", NOW + UNKNOWN_LIFETIME_SECONDS - 1).is_ok());
    let before = s.fake.calls().len();
    assert!(s.verify(&p, FACEBOOK, "EAAgood", NOW + UNKNOWN_LIFETIME_SECONDS).is_ok());
    assert_eq!(s.fake.calls().len(), before + 2, "asked again once the default lifetime is over");
}

#[test]
fn facebook_with_a_secret_uses_debug_token_with_the_proof() {
    let s = Setup::new(&format!("{FB_APP}|{FB_SECRET}, 222|other"));
    let p = pool(&[(FACEBOOK, FB_APP)]);
    s.fake.add("EAAgood", FB_APP, "10001", (NOW + 7200) as i64);
    s.fake.add("EAAforever", FB_APP, "10003", 0);
    s.fake.add("EAAother", "222", "10002", (NOW + 7200) as i64);
    s.fake.add("EAAexpired", FB_APP, "10001", (NOW - 1) as i64);
    s.fake.add("EAArevoked", FB_APP, "revoked", (NOW + 7200) as i64);
    s.fake.tokens.borrow_mut().insert(
        "EAApage".into(),
        Known { app: FB_APP, client: "", user: "10004", exp: (NOW + 7200) as i64, kind: "PAGE" },
    );
    let login = s.verify(&p, FACEBOOK, "EAAgood", NOW).unwrap();
    assert_eq!((login.sub.as_str(), login.client_id.as_str()), ("10001", FB_APP));
    assert_eq!(s.fake.calls(), ["/debug_token"], "the fake checks the app token and its appsecret_proof");
    assert!(s.verify(&p, FACEBOOK, "EAAforever", NOW).is_ok(), "expires_at 0: no expiry");
    let cases = [
        ("EAAother", LoginError::Refused("debug_token: not valid (190/-)".into())),
        ("EAAexpired", LoginError::Expired { exp: NOW - 1, now: NOW }),
        ("EAArevoked", LoginError::Refused("debug_token: not valid (190/460)".into())),
        ("EAApage", LoginError::Refused("debug_token: not a user token".into())),
        ("EAAunknown", LoginError::Refused("debug_token: not valid (190/-)".into())),
    ];
    for (token, expected) in cases {
        let err = s.verify(&p, FACEBOOK, token, NOW).unwrap_err();
        assert_eq!(err, expected, "{token}");
        assert_eq!(err.to_api().kind, ErrorKind::NotAuthorized, "{token}");
    }
    assert!(!s.fake.calls().iter().any(|c| c == "/app" || c == "/me"), "every app has a secret: no fallback");
    // A pool with two apps, one without a secret: a token of that one is
    // checked through /app and /me after debug_token refused it.
    s.fake.add("EAAthird", "333", "10005", 0);
    let two = pool(&[(FACEBOOK, "111,333")]);
    s.fake.calls.borrow_mut().clear();
    assert_eq!(s.verify(&two, FACEBOOK, "EAAthird", NOW).unwrap().sub, "10005");
    assert_eq!(s.fake.calls(), ["/debug_token", "/app", "/me"]);
}

#[test]
fn a_provider_outage_is_an_external_service_error_not_a_refusal() {
    for (name, app, token) in [(AMAZON, AMZN_APP, "Atza|good"), (FACEBOOK, FB_APP, "EAAgood")] {
        for secrets in ["", "111|s3cret"] {
            for down in [Down::NoAnswer, Down::Status(500), Down::Status(503), Down::Html, Down::NoUser] {
                let s = Setup::new(secrets);
                s.fake.add(token, app, "u1", (NOW + 3600) as i64);
                s.fake.down.set(down);
                let err = s.verify(&pool(&[(name, app)]), name, token, NOW).unwrap_err();
                assert!(matches!(err, LoginError::Unavailable(_)), "{name} {secrets} {down:?}: {err:?}");
                let api = err.to_api();
                assert_eq!(api.kind, ErrorKind::ExternalService, "{name} {down:?}");
                assert_eq!(api.kind.wire_name(), "ExternalServiceException");
                assert!(!format!("{err} {}", api.message).contains(token), "the token never shows");
                assert!(s.cache.borrow().access_tokens.is_empty());
            }
        }
    }
}

#[test]
fn a_vouched_token_is_kept_for_its_lifetime_so_a_second_sign_in_asks_nobody() {
    let s = Setup::new("111|s3cret");
    s.fake.add("Atza|good", AMZN_APP, "amzn1.account.U1", 600);
    s.fake.add("EAAgood", FB_APP, "10001", (NOW + 600) as i64);
    let amazon = pool(&[(AMAZON, AMZN_APP)]);
    let facebook = pool(&[(FACEBOOK, FB_APP)]);
    let first =
        (s.verify(&amazon, AMAZON, "Atza|good", NOW).unwrap(), s.verify(&facebook, FACEBOOK, "EAAgood", NOW).unwrap());
    assert_eq!(s.fake.calls().len(), 2);
    s.fake.down.set(Down::NoAnswer);
    let again = (
        s.verify(&amazon, AMAZON, "Atza|good", NOW + 599).unwrap(),
        s.verify(&facebook, FACEBOOK, "EAAgood", NOW + 599).unwrap(),
    );
    assert_eq!(again, first);
    assert_eq!(s.fake.calls().len(), 2, "cache hits make no call");
    // The pool's apps are checked on every use: a pool of another app
    // refuses the cached token.
    let other = pool(&[(AMAZON, "amzn1.application.other")]);
    assert_eq!(s.verify(&other, AMAZON, "Atza|good", NOW + 1).unwrap_err(), LoginError::WrongAudience);
    // Past its lifetime, the provider is asked again (and is down now).
    assert!(matches!(s.verify(&amazon, AMAZON, "Atza|good", NOW + 600), Err(LoginError::Unavailable(_))));
    assert_eq!(s.fake.calls().len(), 3);
}

#[test]
fn the_cache_is_bounded_in_time_and_size() {
    let vouched = |until| Vouched { app_id: "a".into(), client_id: None, user_id: "u".into(), until };
    let mut cache = AccessTokenCache::default();
    cache.keep(token_digest(FACEBOOK, "long"), vouched(NOW + 86_400), NOW);
    let kept = cache.get(&token_digest(FACEBOOK, "long"), NOW).unwrap();
    assert_eq!(kept.until, NOW + MAX_CACHE_SECONDS, "at most an hour");
    assert_eq!(cache.get(&token_digest(AMAZON, "long"), NOW), None, "the provider is part of the key");
    cache.keep(token_digest(FACEBOOK, "done"), vouched(NOW), NOW);
    assert_eq!(cache.len(), 1, "nothing left to keep");
    for i in 0..MAX_CACHE_ENTRIES + 10 {
        cache.keep(token_digest(FACEBOOK, &i.to_string()), vouched(NOW + 60), NOW);
        assert!(cache.len() <= MAX_CACHE_ENTRIES);
    }
    // When full, the expired go first.
    let mut cache = AccessTokenCache::default();
    for i in 0..MAX_CACHE_ENTRIES {
        let until = if i == 0 { NOW + 600 } else { NOW + 1 };
        cache.keep(token_digest(FACEBOOK, &i.to_string()), vouched(until), NOW);
    }
    cache.keep(token_digest(FACEBOOK, "new"), vouched(NOW + 600), NOW + 5);
    assert_eq!(cache.len(), 2);
    assert!(cache.get(&token_digest(FACEBOOK, "0"), NOW + 5).is_some());
}

#[test]
fn plain_http_only_for_hosts_the_insecure_switch_names() {
    let mut s = Setup::new("");
    s.amazon_url = "http://127.0.0.1:9";
    s.fake.add("Atza|good", AMZN_APP, "amzn1.account.U1", 600);
    let p = pool(&[(AMAZON, AMZN_APP)]);
    let err = s.verify(&p, AMAZON, "Atza|good", NOW).unwrap_err();
    assert!(matches!(err, LoginError::Unavailable(_)), "{err:?}");
    assert!(s.fake.calls().is_empty(), "no call over plain http");
    s.insecure = vec!["127.0.0.1".into()];
    assert!(s.verify(&p, AMAZON, "Atza|good", NOW).is_ok());
    for (url, insecure, ok) in [
        ("https://api.amazon.com", &[][..], true),
        ("http://api.amazon.com", &[][..], false),
        ("http://127.0.0.1:8080/x", &["127.0.0.1".to_owned()][..], true),
        ("http://127.0.0.1.example:8080", &["127.0.0.1".to_owned()][..], false),
        ("ftp://api.amazon.com", &[][..], false),
    ] {
        assert_eq!(url_allowed(url, insecure), ok, "{url}");
    }
}

#[test]
fn only_configured_providers_and_plausible_tokens_are_asked_about() {
    let s = Setup::new("");
    let p = pool(&[(AMAZON, AMZN_APP), (FACEBOOK, " , ")]);
    assert_eq!(s.verify(&p, FACEBOOK, "EAAx", NOW).unwrap_err(), LoginError::UnsupportedProvider);
    assert_eq!(s.verify(&pool(&[]), AMAZON, "Atza|x", NOW).unwrap_err(), LoginError::UnsupportedProvider);
    assert_eq!(s.verify(&p, AMAZON, "", NOW).unwrap_err(), LoginError::Malformed);
    assert_eq!(s.verify(&p, AMAZON, "Atza|a b", NOW).unwrap_err(), LoginError::Malformed);
    assert_eq!(s.verify(&p, AMAZON, &"A".repeat(50_001), NOW).unwrap_err(), LoginError::TooLong);
    assert!(s.fake.calls().is_empty());
    assert_eq!(
        resolve(&p, AMAZON),
        Some(SocialProvider { kind: ProviderKind::Amazon, app_ids: vec![AMZN_APP.into()] })
    );
    assert_eq!(resolve(&p, "accounts.google.com"), None);
}

#[test]
fn appsecret_proof_is_hmac_sha256_of_the_token_in_hex() {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert_eq!(
        facebook::appsecret_proof("Jefe", "what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}
