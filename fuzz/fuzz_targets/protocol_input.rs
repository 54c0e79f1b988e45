//! The whole service on untrusted request bodies: every answer is 200 or a 400 with a known, non-empty `__type`, never 500.
//!
//! Input: up to 8 requests separated by `0xFF`, each a selector byte then
//! the body. The selector's low 7 bits pick one of the 14 operations (mod
//! 14); its high bit signs the call as the admin (otherwise it is unsigned,
//! and an admin operation must be refused before its body is read). All
//! requests of one input go to one fresh in-memory service, so that a pool
//! created by the first can be used by the next (ids are deterministic).
#![no_main]

use std::sync::OnceLock;

use cognate::core::error::ErrorKind;
use cognate::core::protocol::{HttpResponse, MAX_BODY_BYTES};
use cognate_fuzz::{is_public, operations, request, sign, Fixture, Session, ADMIN_ID, ADMIN_SECRET};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const MAX_REQUESTS: usize = 8;
/// What a correctly signed admin call must never be answered with.
const AUTH_ERRORS: [&str; 5] = [
    "MissingAuthenticationTokenException",
    "IncompleteSignatureException",
    "InvalidSignatureException",
    "UnrecognizedClientException",
    "AccessDeniedException",
];

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::new)
}

fuzz_target!(|data: &[u8]| {
    let session = Session::new(fixture());
    for chunk in data.split(|&b| b == 0xFF).take(MAX_REQUESTS) {
        let Some((&selector, body)) = chunk.split_first() else { continue };
        let names = operations();
        let operation = names[usize::from(selector & 0x7F) % names.len()];
        let signed = selector & 0x80 != 0;
        let mut call = request(operation, body);
        if signed {
            call = sign(call, ADMIN_ID, ADMIN_SECRET);
        }
        let response = session.send(&call);
        check(operation, signed, body, &response);
    }
});

fn check(operation: &str, signed: bool, body: &[u8], response: &HttpResponse) {
    let text = String::from_utf8_lossy(&response.body);
    let json: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("{operation}: {} body is not JSON ({e}): {text}", response.status));
    assert!(!text.contains(ADMIN_SECRET), "{operation}: the admin secret in a response: {text}");
    match response.status {
        200 => assert!(json.is_object(), "{operation}: 200 with a non-object body: {text}"),
        400 => {
            let kind = json["__type"].as_str().unwrap_or_default();
            assert!(!kind.is_empty(), "{operation}: 400 without __type: {text}");
            assert!(ErrorKind::from_wire_name(kind).is_some(), "{operation}: unknown __type {kind}");
            assert_eq!(response.header("x-amzn-errortype"), Some(kind), "{operation}: error header");
            assert!(json["message"].is_string(), "{operation}: 400 without a message: {text}");
            let public = is_public(operation);
            if !public && !signed && body.len() <= MAX_BODY_BYTES {
                assert_eq!(kind, "MissingAuthenticationTokenException", "{operation} unsigned: {text}");
            }
            if signed {
                assert!(!AUTH_ERRORS.contains(&kind), "{operation} signed as the admin: {text}");
            }
        }
        status => panic!("{operation}: status {status}: {text}"),
    }
}
