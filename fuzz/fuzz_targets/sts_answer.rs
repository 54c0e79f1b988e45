//! `sts::read_answer` on untrusted bytes (what comes back from AWS STS, or
//! from whatever answers at its address): never a panic, never an internal
//! error; credentials only from a well-formed answer with every field, and
//! never with an empty or blank value.
//!
//! Input: the first byte picks the status (200, 400, 403, 500, 503), the rest
//! is the body.
#![no_main]

use cognate::core::error::ErrorKind;
use cognate::core::sts::read_answer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else { return };
    let status = [200, 400, 403, 500, 503][usize::from(*first) % 5];
    match read_answer(status, body) {
        Ok(c) => {
            assert_eq!(status, 200);
            for v in [&c.access_key_id, &c.secret_access_key, &c.session_token] {
                assert!(!v.trim().is_empty());
            }
        }
        Err(e) => assert!(
            matches!(
                e.kind,
                ErrorKind::InvalidIdentityPoolConfiguration | ErrorKind::TooManyRequests | ErrorKind::ExternalService
            ),
            "{:?}",
            e.kind
        ),
    }
});
