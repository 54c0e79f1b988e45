//! The SAML verifier on untrusted bytes: the input is read as IdP metadata
//! (`parse_metadata`) and, base64-encoded, as a `SAMLResponse`
//! (`check_response`, then the native RSA check) against the fixture IdP of
//! tests/saml/fixtures at the fixtures' time. Never a panic; an error's text
//! is short and names a rule, never the document; an accepted assertion
//! has a subject and comes from the metadata's entityID.
//!
//! Input: an XML document (the seeds are the fixtures, valid and attacks).
#![no_main]

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cognate::core::login::native::NativeVerifier;
use cognate::core::saml::{check_response, parse_metadata, Expectations, SamlError, SamlIdp};
use libfuzzer_sys::fuzz_target;

/// The fixtures' `now` (tests/saml/make_fixtures.py's NOW).
const NOW: u64 = 1_700_000_000;

fn idp() -> &'static SamlIdp {
    static IDP: OnceLock<SamlIdp> = OnceLock::new();
    IDP.get_or_init(|| {
        parse_metadata(include_str!("../../tests/saml/fixtures/metadata.xml")).expect("the fixture metadata")
    })
}

fn check_error(e: &SamlError) {
    let text = e.to_string();
    assert!(!text.is_empty() && text.len() < 120 && !text.chars().any(char::is_control), "{text:?}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_metadata(text) {
        Ok(idp) => assert!(!idp.entity_id().is_empty() && !idp.keys().is_empty()),
        Err(e) => check_error(&e),
    }
    let expect = Expectations::new(&["urn:amazon:webservices"], &["https://signin.aws.amazon.com/saml"], NOW);
    let outcome = check_response(&STANDARD.encode(data), idp(), &expect)
        .and_then(|pending| futures_executor::block_on(pending.verify(&NativeVerifier)));
    match outcome {
        Ok(assertion) => {
            assert!(!assertion.name_id.is_empty());
            assert_eq!(assertion.issuer, idp().entity_id());
        }
        Err(e) => check_error(&e),
    }
});
