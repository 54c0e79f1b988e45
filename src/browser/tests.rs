//! The package's exports in headless Chromium, as the JavaScript entry calls
//! them: ID-token claims read from JavaScript objects, the recovery and
//! error names JavaScript sees, and the clock arithmetic. The flows around
//! them (caching, one request for concurrent callers, recovery, events) are
//! the entry's and are tested in `tests/browser-package/`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

use super::*;

wasm_bindgen_test_configure!(run_in_browser);

fn claims(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

fn audiences(list: &[&str]) -> JsValue {
    list.iter().map(|a| JsValue::from(*a)).collect::<Array>().into()
}

#[wasm_bindgen_test]
fn id_token_claims_are_read_from_javascript_objects() {
    let iss = || ("iss", JsValue::from("https://idp"));
    let nonce = |n: &str| ("nonce", JsValue::from(n));
    let cases: Vec<(&str, JsValue, Option<&str>, Option<&str>)> = vec![
        ("aud as a string", claims(&[iss(), ("aud", "app".into()), nonce("n1")]), Some("n1"), None),
        ("aud as a list", claims(&[iss(), ("aud", audiences(&["other", "app"])), nonce("n1")]), Some("n1"), None),
        (
            "another audience",
            claims(&[iss(), ("aud", audiences(&["other"])), nonce("n1")]),
            Some("n1"),
            Some("the ID token is not for this client"),
        ),
        ("no aud", claims(&[iss(), nonce("n1")]), Some("n1"), Some("the ID token is not for this client")),
        (
            "aud not a string",
            claims(&[iss(), ("aud", 7.into()), nonce("n1")]),
            Some("n1"),
            Some("the ID token is not for this client"),
        ),
        (
            "another issuer",
            claims(&[("iss", "https://evil".into()), ("aud", "app".into()), nonce("n1")]),
            Some("n1"),
            Some("the ID token's issuer is not the provider's"),
        ),
        (
            "another nonce",
            claims(&[iss(), ("aud", "app".into()), nonce("n2")]),
            Some("n1"),
            Some("the ID token's nonce does not match"),
        ),
        ("no nonce", claims(&[iss(), ("aud", "app".into())]), Some("n1"), Some("the ID token's nonce does not match")),
        ("a refreshed token has no nonce to check", claims(&[iss(), ("aud", "app".into())]), None, None),
        ("not an object", JsValue::NULL, None, Some("the ID token's issuer is not the provider's")),
    ];
    for (name, claims, expected_nonce, refusal) in cases {
        let got = check_id_token(claims, "https://idp", "app", expected_nonce.map(str::to_owned));
        assert_eq!(got.as_deref(), refusal, "{name}");
    }
}

#[wasm_bindgen_test]
fn recovery_and_error_names_as_javascript_sees_them() {
    let cases = [
        ("ResourceNotFoundException", true, false, Recovery::NewGuest),
        ("NotAuthorizedException", true, true, Recovery::Fail),
        ("NotAuthorizedException", false, false, Recovery::SignInRequired),
        ("TooManyRequestsException", true, false, Recovery::Fail),
    ];
    for (error, guest, retried, want) in cases {
        assert_eq!(recovery(error, guest, retried), want, "{error} guest={guest} retried={retried}");
    }
    assert_eq!(
        error_name(Some("com.amazonaws.cognito.identity#ResourceNotFoundException".into())),
        "ResourceNotFoundException"
    );
    assert_eq!(error_name(Some("NotAuthorizedException".into())), "NotAuthorizedException");
    assert_eq!(error_name(None), "InternalErrorException");
}

#[wasm_bindgen_test]
fn the_clock_and_storage_exports() {
    let device = 1_800_000_000.0;
    let skew = observe_skew(device + 3000.0, device);
    assert_eq!(skew, 3000.0);
    assert_eq!(observe_skew(device + 1.0, device), 0.0, "under 2 s is noise");
    assert_eq!(to_device(device + 3000.0 + 3600.0, skew), device + 3600.0);
    assert!(!needs_refresh(device + 8.0 * 60.0, device, 0.0));
    assert!(needs_refresh(device + 6.0 * 60.0, device, 0.0));
    assert!(needs_refresh(device + 3000.0 + 6.0 * 60.0 + 600.0, device + 600.0, skew), "by the server's clock");
    assert_eq!(storage_key("us-east-1:a", "identityId"), "cognate:us-east-1:a:identityId");
    assert_eq!(provider_name("https://login.example.com/realm/"), "login.example.com/realm");
}
