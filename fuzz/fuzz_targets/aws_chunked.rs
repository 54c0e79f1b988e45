//! `BodyChecker` on arbitrary bodies, in every payload mode and arbitrary
//! splits: no panic, never more output than input, and the outcome (output,
//! digests or error) does not depend on how the body was split.
//!
//! Input: a mode byte (low 3 bits: the payload mode, modulo 5; bit 3: a
//! `Content-MD5` header; bit 4: a CRC32 checksum, as a trailer in the
//! trailer modes and as a header otherwise), a split byte (the seed of the
//! piece sizes), two bytes of `x-amz-decoded-content-length` (little
//! endian), then the body. Signed chunks use AWS's documented example
//! context (seed, key, scope) from `cognate_fuzz::aws_chunked_signing`.
#![no_main]

use cognate::core::s3::body::{BodyChecker, BodyDigests, BodyError, BodyHead};
use cognate::core::sigv4::PayloadMode;
use cognate_fuzz::aws_chunked_signing;
use libfuzzer_sys::fuzz_target;

const MODES: [PayloadMode; 5] = [
    PayloadMode::Hash([0x5a; 32]),
    PayloadMode::Unsigned,
    PayloadMode::UnsignedTrailer,
    PayloadMode::SignedChunks,
    PayloadMode::SignedChunksTrailer,
];

fuzz_target!(|data: &[u8]| {
    let [flags, split, l0, l1, body @ ..] = data else { return };
    let mode = MODES[usize::from(flags & 7) % MODES.len()];
    let mut headers = vec![("x-amz-decoded-content-length".to_owned(), u16::from_le_bytes([*l0, *l1]).to_string())];
    if flags & 8 != 0 {
        headers.push(("Content-MD5".to_owned(), "1B2M2Y8AsgTpgAmY7PhCfg==".to_owned()));
    }
    if flags & 16 != 0 {
        headers.push(match mode.has_trailer() {
            true => ("x-amz-trailer".to_owned(), "x-amz-checksum-crc32".to_owned()),
            false => ("x-amz-checksum-crc32".to_owned(), "AAAAAA==".to_owned()),
        });
    }
    let signing = aws_chunked_signing();
    let head = BodyHead { payload: mode, headers: &headers, signing: Some(&signing) };

    let whole = run(&head, &[body]);
    let mut pieces = Vec::new();
    let (mut rest, mut state) = (body, u32::from(*split) | 1);
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state as usize % 64 + 1).min(rest.len());
        let (piece, tail) = rest.split_at(n);
        pieces.push(piece);
        rest = tail;
    }
    let split = run(&head, &pieces);
    let bytewise = run(&head, &body.chunks(1).collect::<Vec<_>>());
    assert_eq!(whole, split, "the outcome depends on the split");
    assert_eq!(whole, bytewise, "the outcome depends on the split");
    if let Ok((out, digests)) = &whole {
        assert_eq!(digests.decoded_length, out.len() as u64);
        if mode.is_streaming() {
            assert_eq!(out.len(), usize::from(u16::from_le_bytes([*l0, *l1])));
        }
    }
});

/// Feeds `pieces` and finishes; the output so far with the outcome.
fn run(head: &BodyHead<'_>, pieces: &[&[u8]]) -> Result<(Vec<u8>, BodyDigests), (Vec<u8>, BodyError)> {
    let mut checker = BodyChecker::new(head).map_err(|e| (Vec::new(), e))?;
    let (mut out, mut fed) = (Vec::new(), 0);
    for piece in pieces {
        let result = checker.feed(piece, &mut out);
        fed += piece.len();
        assert!(out.len() <= fed, "more output than input");
        if let Err(e) = result {
            check_error(&e);
            return Err((out, e));
        }
    }
    checker.finish().map(|d| (out.clone(), d)).map_err(|e| {
        check_error(&e);
        (out, e)
    })
}

fn check_error(e: &BodyError) {
    let message = e.message();
    assert!(!message.is_empty() && message.len() < 300 && !message.chars().any(char::is_control), "{message:?}");
    assert!(matches!(e.status(), 400 | 403 | 411 | 500));
}
