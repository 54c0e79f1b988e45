//! Login verification (`LoginVerifier::verify`) on untrusted ID tokens: no panic, and only a token whose signed part is the provider's own ever passes.
//!
//! Input: the token as a string. The provider is served from memory with
//! one ES256 key; the one genuinely signed token is in the seed corpus. A
//! token may pass only if its `header.claims` part is that token's (the
//! signature's base64 may be spelled differently and still decode to the
//! same bytes; that changes nothing the token says).
#![no_main]

use std::cell::RefCell;
use std::sync::OnceLock;

use cognate::core::capabilities::{FetchError, Fetched, Http};
use cognate::core::login::jwks::KeyCache;
use cognate::core::login::native::NativeVerifier;
use cognate::core::login::LoginVerifier;
use cognate::core::model::IdentityPool;
use cognate_fuzz::{login_fixture, LoginFixture, LOGIN_ISSUER, NOW};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

struct Idp(String);

impl Http for Idp {
    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let body = if url == format!("{LOGIN_ISSUER}/.well-known/openid-configuration") {
            json!({ "issuer": LOGIN_ISSUER, "jwks_uri": format!("{LOGIN_ISSUER}/jwks") }).to_string()
        } else if url == format!("{LOGIN_ISSUER}/jwks") {
            self.0.clone()
        } else {
            return Ok(Fetched { status: 404, cache_control: None, body: Vec::new() });
        };
        Ok(Fetched { status: 200, cache_control: Some("max-age=3600".into()), body: body.into_bytes() })
    }
}

fn fixture() -> &'static LoginFixture {
    static F: OnceLock<LoginFixture> = OnceLock::new();
    F.get_or_init(login_fixture)
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let f = fixture();
    let idp = Idp(f.jwks.clone());
    let pool = IdentityPool {
        supported_login_providers: Some([("idp.fuzz".to_owned(), "app".to_owned())].into()),
        ..Default::default()
    };
    let cache = RefCell::new(KeyCache::default());
    let insecure = vec!["idp.fuzz".to_owned()];
    let verifier =
        LoginVerifier { http: &idp, verifier: &NativeVerifier, cache: &cache, insecure_http_hosts: &insecure };
    if let Ok(login) = futures_executor::block_on(verifier.verify(&pool, "idp.fuzz", token, NOW)) {
        let signed = token.rsplit_once('.').map(|(s, _)| s).unwrap_or_default();
        let genuine = f.token.rsplit_once('.').map(|(s, _)| s).unwrap_or_default();
        assert_eq!(signed, genuine, "a token that is not the provider's passed");
        assert_eq!(login.sub, "user");
    }
});
