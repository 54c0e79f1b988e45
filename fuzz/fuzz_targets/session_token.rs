//! `credentials::open` on untrusted session tokens: no panic, and nothing opens but a token `issue` made.
//!
//! Input: the token as a string; or `0x00`, a byte choosing one of the four
//! issued tokens, then edits of its raw bytes: 3-byte `(position u16le, xor)`
//! triples, and a trailing byte or two that cut that many bytes (the first)
//! off the end. A token that differs from every issued one must not open.
#![no_main]

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cognate::core::credentials::{self, Credentials, SessionClaims};
use cognate::core::keys::CredentialKeys;
use cognate_fuzz::{credential_keys, issued_tokens};
use libfuzzer_sys::fuzz_target;

struct Issued {
    keys: CredentialKeys,
    tokens: Vec<(SessionClaims, Credentials, Vec<u8>)>,
}

fn issued() -> &'static Issued {
    static ISSUED: OnceLock<Issued> = OnceLock::new();
    ISSUED.get_or_init(|| {
        let tokens = issued_tokens()
            .into_iter()
            .map(|(claims, creds)| {
                let raw = URL_SAFE_NO_PAD.decode(&creds.session_token).expect("issued tokens are base64url");
                (claims, creds, raw)
            })
            .collect();
        Issued { keys: credential_keys(), tokens }
    })
}

fuzz_target!(|data: &[u8]| {
    let issued = issued();
    let token = match data.split_first() {
        Some((0, rest)) => {
            let (which, edits) = rest.split_first().map_or((0, [].as_slice()), |(w, e)| (usize::from(*w), e));
            edited(&issued.tokens[which % issued.tokens.len()].2, edits)
        }
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    let Ok(opened) = credentials::open(&issued.keys, &token) else { return };
    // It opened: it must be an issued token (up to '=' padding), and open to
    // exactly the claims and secret it was issued with.
    let raw = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).expect("an opened token is base64url");
    let Some((claims, creds, _)) = issued.tokens.iter().find(|(_, _, r)| *r == raw) else {
        panic!("a token that was never issued opened: {token:?} -> {opened:?}");
    };
    assert_eq!(&opened.claims, claims);
    assert_eq!(opened.expose_secret(), creds.secret_key);
});

fn edited(original: &[u8], edits: &[u8]) -> String {
    let mut raw = original.to_vec();
    let triples = edits.chunks_exact(3);
    let cut = triples.remainder().first().map_or(0, |&n| usize::from(n));
    for t in triples {
        let at = usize::from(u16::from_le_bytes([t[0], t[1]])) % raw.len();
        raw[at] ^= t[2];
    }
    raw.truncate(raw.len().saturating_sub(cut));
    URL_SAFE_NO_PAD.encode(raw)
}
