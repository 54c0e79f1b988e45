//! SigV4 `parse`/`verify` on untrusted header values: no panic, and only the computed signature verifies.
//!
//! `verify` must accept exactly the signature `signature()` computes, and
//! only for a well-scoped, current request; never another secret's.
//!
//! Input: the three header values separated by `\n` (a missing part is a
//! missing header). The request is `POST /` to [`HOST`] with body `{}`; the
//! verifier's clock is [`NOW`] and the secret is fixed.
#![no_main]

use cognate::core::sigv4::{self, Authorization, Expected, Request, SigV4Error};
use cognate::core::time;
use cognate_fuzz::{HOST, NOW, REGION, SERVICE, SIGV4_SECRET as SECRET};
use libfuzzer_sys::fuzz_target;

const EXPECTED: Expected<'static> = Expected { region: REGION, service: SERVICE, flavor: sigv4::Flavor::Standard };

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == b'\n').map(|p| String::from_utf8_lossy(p).into_owned());
    let authorization = parts.next().unwrap_or_default();
    let (date, token) = (parts.next(), parts.next());
    let mut headers = vec![("Host".to_owned(), HOST.to_owned())];
    headers.extend(date.clone().map(|d| ("X-Amz-Date".to_owned(), d)));
    headers.extend(token.clone().map(|t| ("X-Amz-Security-Token".to_owned(), t)));
    headers.push(("Authorization".to_owned(), authorization));
    let req = Request { method: "POST", path: "/", query: "", headers: &headers, body: b"{}" };

    let auth = match sigv4::parse(&req) {
        Ok(auth) => auth,
        Err(e) => return check_error(&e),
    };
    // What parse read is what the headers say.
    assert_eq!(Some(auth.request_time), date.as_deref().and_then(|d| time::parse_amz_date(d.trim())));
    assert_eq!(auth.security_token.as_deref(), token.as_deref().map(str::trim));
    assert!(auth.signed_headers.iter().all(|h| *h == h.to_ascii_lowercase()));
    // The token is redacted: Debug does not depend on its value.
    if auth.security_token.is_some() {
        let other = Authorization { security_token: Some("other".into()), ..auth.clone() };
        assert_eq!(format!("{auth:?}"), format!("{other:?}"));
    }

    let computed = sigv4::signature(&req, &auth, SECRET);
    assert_eq!(computed.len(), 64);
    // The fuzzed signature verifies only if it is the computed one.
    match sigv4::verify(&req, &auth, SECRET, NOW, &EXPECTED) {
        Ok(()) => assert_eq!(auth.signature, computed, "verify accepted a signature it did not compute"),
        Err(e) => check_error(&e),
    }
    // With the computed signature, verify accepts exactly when the scope,
    // the signed headers and the time are acceptable; another secret never.
    let signed = |name: &str| auth.signed_headers.iter().any(|h| h == name);
    let acceptable = signed("host")
        && (auth.security_token.is_none() || signed("x-amz-security-token"))
        && time::format_amz_date(auth.request_time).get(..8) == Some(auth.scope_date.as_str())
        && auth.region == REGION
        && auth.service == SERVICE
        && auth.request_time.abs_diff(NOW) <= sigv4::MAX_SKEW_SECONDS;
    let good = Authorization { signature: computed, ..auth };
    let verdict = sigv4::verify(&req, &good, SECRET, NOW, &EXPECTED);
    assert_eq!(verdict.is_ok(), acceptable, "{verdict:?} for {good:?}");
    let wrong = sigv4::verify(&req, &good, "another secret", NOW, &EXPECTED);
    match wrong {
        Ok(()) => panic!("verify accepted the signature of another secret"),
        Err(e) if acceptable => assert_eq!(e, SigV4Error::SignatureMismatch),
        Err(e) => check_error(&e),
    }
});

/// Error texts are bounded and free of control characters (they echo input).
fn check_error(e: &SigV4Error) {
    let message = e.to_string();
    assert!(!message.chars().any(char::is_control), "{message:?}");
    assert!(message.chars().count() < 1_500, "{} chars", message.chars().count());
}
