//! The body checker against AWS's documented chunked upload (Amazon S3 API
//! Reference, "Signature Calculations for the Authorization Header:
//! Transferring Payload in Multiple Chunks (Chunked Upload)"), hand-built
//! unsigned and signed trailer bodies (checksums and signatures computed
//! here independently, with the crc and hmac crates directly), and plain
//! bodies; each fed whole, a byte at a time and in random splits, then
//! tampered with.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::Md5;
use sha2::{Digest as _, Sha256};

use super::*;
use crate::core::s3::checksum::ChecksumAlgorithm;
use crate::core::sigv4::signing_key;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DATE: &str = "20130524T000000Z";
const SCOPE: &str = "20130524/us-east-1/s3/aws4_request";
const SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
/// The documented chunk signatures: 64 KiB, 1 KiB, and the final empty chunk.
const CHUNK_SIGNATURES: [&str; 3] = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
];

fn signing() -> ChunkSigning {
    let seed = hex::decode(SEED).unwrap().try_into().unwrap();
    ChunkSigning::new(signing_key(SECRET, "20130524", "us-east-1", "s3"), DATE.into(), SCOPE.into(), seed)
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|&(n, v)| (n.into(), v.into())).collect()
}

/// The documented body: 66560 bytes of 'a' as chunks of 65536, 1024 and 0.
fn aws_chunked_example() -> Vec<u8> {
    let mut body = Vec::new();
    for (size, signature) in [65_536usize, 1_024, 0].into_iter().zip(CHUNK_SIGNATURES) {
        body.extend_from_slice(format!("{size:x};chunk-signature={signature}\r\n").as_bytes());
        body.extend(std::iter::repeat_n(b'a', size));
        body.extend_from_slice(b"\r\n");
    }
    body
}

/// A xorshift generator: reproducible splits without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % bound.max(1) as u64).unwrap()
    }
}

/// `body` cut into pieces: whole, one byte at a time, and 20 random splits.
fn splits(body: &[u8]) -> Vec<Vec<&[u8]>> {
    let mut all = vec![vec![body], body.chunks(1).collect()];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ body.len() as u64);
    for round in 0..20 {
        let mut pieces = Vec::new();
        let mut rest = body;
        while !rest.is_empty() {
            let max = if round % 2 == 0 { 16 } else { 9_000 };
            let (piece, tail) = rest.split_at((1 + rng.below(max)).min(rest.len()));
            pieces.push(piece);
            rest = tail;
        }
        all.push(pieces);
    }
    all
}

/// Runs `body` through a checker for `head` in one split; the output and
/// the digests, or the first error.
fn run(head: &BodyHead<'_>, pieces: &[&[u8]]) -> Result<(Vec<u8>, BodyDigests), BodyError> {
    let mut checker = BodyChecker::new(head)?;
    let mut out = Vec::new();
    let mut fed = 0;
    for piece in pieces {
        checker.feed(piece, &mut out)?;
        fed += piece.len();
        assert!(out.len() <= fed);
    }
    Ok((out, checker.finish()?))
}

/// The same outcome in every split.
fn run_all(head: &BodyHead<'_>, body: &[u8]) -> Result<(Vec<u8>, BodyDigests), BodyError> {
    let mut outcomes = splits(body).into_iter().map(|pieces| run(head, &pieces));
    let first = outcomes.next().unwrap();
    for (i, other) in outcomes.enumerate() {
        assert_eq!(other, first, "split {i}");
    }
    first
}

#[test]
fn documented_chunked_upload_is_accepted_in_every_split() {
    let signing = signing();
    let h = headers(&[("x-amz-decoded-content-length", "66560"), ("Content-Length", "66824")]);
    let head = BodyHead { payload: PayloadMode::SignedChunks, headers: &h, signing: Some(&signing) };
    let body = aws_chunked_example();
    assert_eq!(body.len(), 66_824, "the documented Content-Length");
    let (out, digests) = run_all(&head, &body).unwrap();
    assert_eq!(out, vec![b'a'; 66_560]);
    let md5: [u8; 16] = Md5::digest(&out).into();
    assert_eq!(digests, BodyDigests { md5, checksum: None, decoded_length: 66_560 });
    assert_eq!(digests.etag(), format!("\"{}\"", hex::encode(md5)));
}

#[test]
fn tampered_chunked_uploads_are_refused_with_s3_codes() {
    let signing = signing();
    let body = aws_chunked_example();
    let h = headers(&[("x-amz-decoded-content-length", "66560")]);
    let flip = |at: usize| {
        let mut b = body.clone();
        b[at] ^= 1;
        b
    };
    let replace = |from: &str, to: &str| {
        let text = String::from_utf8(body.clone()).unwrap();
        text.replacen(from, to, 1).into_bytes()
    };
    let header_len = "10000;chunk-signature=".len() + 64 + 2;
    let truncated = body[..body.len() - 2].to_vec();
    let mut extra = body.clone();
    extra.extend_from_slice(b"0\r\n");
    /// What, body, headers replaced (empty value: removed), code, status.
    type Case<'a> = (&'a str, Vec<u8>, &'a [(&'a str, &'a str)], &'a str, u16);
    let cases: Vec<Case<'_>> = vec![
        ("data byte", flip(header_len + 100), &[], "SignatureDoesNotMatch", 403),
        ("last data byte of chunk 2", flip(body.len() - 84 - 2 - 3), &[], "SignatureDoesNotMatch", 403),
        ("first signature", replace("ad80c730", "ad80c731"), &[], "SignatureDoesNotMatch", 403),
        ("final signature", replace("b6c6ea8a", "b6c6ea8b"), &[], "SignatureDoesNotMatch", 403),
        (
            "chunks swapped signatures",
            replace(CHUNK_SIGNATURES[0], CHUNK_SIGNATURES[1]),
            &[],
            "SignatureDoesNotMatch",
            403,
        ),
        ("uppercase signature", replace("ad80c730", "AD80C730"), &[], "InvalidRequest", 400),
        ("no signature", replace(&format!(";chunk-signature={}", CHUNK_SIGNATURES[0]), ""), &[], "InvalidRequest", 400),
        ("stream cut before the end", truncated, &[], "IncompleteBody", 400),
        ("bytes after the end", extra, &[], "InvalidRequest", 400),
        ("data not followed by CRLF", replace("a\r\n400", "a\n\n400"), &[], "InvalidRequest", 400),
        ("decoded length too small", body.clone(), &[("x-amz-decoded-content-length", "66559")], "IncompleteBody", 400),
        ("decoded length too large", body.clone(), &[("x-amz-decoded-content-length", "66561")], "IncompleteBody", 400),
        ("decoded length missing", body.clone(), &[("x-amz-decoded-content-length", "")], "MissingContentLength", 411),
        (
            "decoded length not a number",
            body.clone(),
            &[("x-amz-decoded-content-length", "+66560")],
            "InvalidArgument",
            400,
        ),
        (
            "Content-MD5 of something else",
            body.clone(),
            &[("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")],
            "BadDigest",
            400,
        ),
    ];
    for (what, body, extra_headers, code, status) in cases {
        let mut h = h.clone();
        for &(name, value) in extra_headers {
            h.retain(|(n, _)| n != name);
            if !value.is_empty() {
                h.push((name.into(), value.into()));
            }
        }
        let head = BodyHead { payload: PayloadMode::SignedChunks, headers: &h, signing: Some(&signing) };
        let e = run_all(&head, &body).unwrap_err();
        assert_eq!((e.code(), e.status()), (code, status), "{what}: {e:?}");
    }
    let head = BodyHead { payload: PayloadMode::SignedChunks, headers: &h, signing: None };
    assert_eq!(BodyChecker::new(&head).unwrap_err(), BodyError::NoSigningContext);
}

/// An unsigned-trailer body as the JS SDK sends it, in chunks of `chunk`.
fn unsigned_trailer_body(data: &[u8], chunk: usize, trailer: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for piece in data.chunks(chunk) {
        body.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        body.extend_from_slice(piece);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("0\r\n{trailer}\r\n\r\n").as_bytes());
    body
}

/// CRC32 (ISO-HDLC) computed directly with the crc crate, as S3 sends it.
fn crc32_b64(data: &[u8]) -> String {
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(data);
    STANDARD.encode(crc.to_be_bytes())
}

#[test]
fn unsigned_trailer_body_with_crc32() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let crc = crc32_b64(&data);
    let len = data.len().to_string();
    let h = headers(&[
        ("x-amz-decoded-content-length", &len),
        ("x-amz-trailer", "x-amz-checksum-crc32"),
        ("x-amz-sdk-checksum-algorithm", "CRC32"),
    ]);
    let head = BodyHead { payload: PayloadMode::UnsignedTrailer, headers: &h, signing: None };
    let good = unsigned_trailer_body(&data, 4_096, &format!("x-amz-checksum-crc32:{crc}"));
    let (out, digests) = run_all(&head, &good).unwrap();
    assert_eq!(out, data);
    let checksum = digests.checksum.unwrap();
    assert_eq!((checksum.algorithm, checksum.to_base64()), (ChecksumAlgorithm::Crc32, crc.clone()));
    // Empty object: a single zero chunk and the CRC of nothing.
    let h0 = headers(&[("x-amz-decoded-content-length", "0"), ("x-amz-trailer", "x-amz-checksum-crc32")]);
    let head0 = BodyHead { headers: &h0, ..head };
    let (out, _) = run_all(&head0, b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n").unwrap();
    assert!(out.is_empty());

    let wrong = crc32_b64(b"other");
    let long_line = format!("x-amz-checksum-crc32:{crc}{}", " ".repeat(MAX_LINE));
    let mut with_extension = good.clone();
    assert_eq!(&with_extension[..6], b"1000\r\n");
    with_extension.splice(4..4, *b";x=y");
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "wrong CRC",
            unsigned_trailer_body(&data, 4_096, &format!("x-amz-checksum-crc32:{wrong}")),
            "BadDigest",
            "The CRC32 you specified did not match the calculated checksum.",
        ),
        (
            "data changed",
            unsigned_trailer_body(&data[1..], 4_096, &format!("x-amz-checksum-crc32:{crc}")),
            "IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        ),
        (
            "not base64",
            unsigned_trailer_body(&data, 4_096, "x-amz-checksum-crc32:!!!!"),
            "InvalidRequest",
            "Value for x-amz-checksum-crc32 header is invalid.",
        ),
        (
            "trailer missing",
            unsigned_trailer_body(&data, 4_096, "").split_last().unwrap().1.to_vec(),
            "InvalidRequest",
            "The trailing headers of the request body are malformed.",
        ),
        (
            "another trailer",
            unsigned_trailer_body(&data, 4_096, &format!("x-amz-checksum-crc32c:{crc}")),
            "InvalidRequest",
            "The trailing headers of the request body are malformed.",
        ),
        (
            "trailer twice",
            unsigned_trailer_body(&data, 4_096, &format!("x-amz-checksum-crc32:{crc}\r\nx-amz-checksum-crc32:{crc}")),
            "InvalidRequest",
            "The trailing headers of the request body are malformed.",
        ),
        (
            "trailer line too long",
            unsigned_trailer_body(&data, 4_096, &long_line),
            "InvalidRequest",
            "The request body is not valid aws-chunked encoding.",
        ),
        (
            "LF line ends",
            unsigned_trailer_body(&data, 4_096, &format!("x-amz-checksum-crc32:{crc}"))
                .iter()
                .filter(|&&b| b != b'\r')
                .copied()
                .collect(),
            "InvalidRequest",
            "The request body is not valid aws-chunked encoding.",
        ),
        (
            "size with a sign",
            [b"+".as_slice(), &unsigned_trailer_body(&data, 4_096, &format!("x-amz-checksum-crc32:{crc}"))].concat(),
            "InvalidRequest",
            "The request body is not valid aws-chunked encoding.",
        ),
        ("chunk extension", with_extension, "InvalidRequest", "The request body is not valid aws-chunked encoding."),
    ];
    for (what, body, code, message) in cases {
        let e = run_all(&head, &body).unwrap_err();
        assert_eq!((e.code(), e.message().as_str()), (code, message), "{what}: {e:?}");
    }
}

/// HMAC-SHA256 hex of `sts` under the example's signing key, computed here.
fn sign_hex(sts: &str) -> String {
    let key = signing_key(SECRET, "20130524", "us-east-1", "s3");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(sts.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A signed-trailer body: chunks signed along the chain from the seed, then
/// the zero chunk, the checksum trailer and its signature.
fn signed_trailer_body(data: &[u8], chunk: usize, trailer: &str) -> Vec<u8> {
    let empty = hex::encode(Sha256::digest(b""));
    let mut previous = SEED.to_owned();
    let mut body = Vec::new();
    for piece in data.chunks(chunk).chain([&[][..]]) {
        let hash = hex::encode(Sha256::digest(piece));
        let sig = sign_hex(&format!("AWS4-HMAC-SHA256-PAYLOAD\n{DATE}\n{SCOPE}\n{previous}\n{empty}\n{hash}"));
        body.extend_from_slice(format!("{:x};chunk-signature={sig}\r\n", piece.len()).as_bytes());
        if !piece.is_empty() {
            body.extend_from_slice(piece);
            body.extend_from_slice(b"\r\n");
        }
        previous = sig;
    }
    let hash = hex::encode(Sha256::digest(format!("{trailer}\n").as_bytes()));
    let sig = sign_hex(&format!("AWS4-HMAC-SHA256-TRAILER\n{DATE}\n{SCOPE}\n{previous}\n{hash}"));
    body.extend_from_slice(format!("{trailer}\r\nx-amz-trailer-signature:{sig}\r\n\r\n").as_bytes());
    body
}

#[test]
fn public_signers_reproduce_the_documented_chain() {
    let signing = signing();
    let mut previous = signing.seed_signature();
    for (size, expected) in [65_536usize, 1_024, 0].into_iter().zip(CHUNK_SIGNATURES) {
        previous = signing.chunk_signature(&previous, &vec![b'a'; size]);
        assert_eq!(hex::encode(previous), expected);
    }
    let trailer = "x-amz-checksum-crc32:AAAAAA==\n";
    let hash = hex::encode(Sha256::digest(trailer.as_bytes()));
    let sts = format!("AWS4-HMAC-SHA256-TRAILER\n{DATE}\n{SCOPE}\n{}\n{hash}", CHUNK_SIGNATURES[2]);
    assert_eq!(hex::encode(signing.trailer_signature(&previous, trailer)), sign_hex(&sts));
}

#[test]
fn signed_trailer_body_with_sha256() {
    let signing = signing();
    let data = vec![b'z'; 20_000];
    let sha = STANDARD.encode(Sha256::digest(&data));
    let len = data.len().to_string();
    let h = headers(&[("x-amz-decoded-content-length", &len), ("X-Amz-Trailer", "x-amz-checksum-sha256")]);
    let head = BodyHead { payload: PayloadMode::SignedChunksTrailer, headers: &h, signing: Some(&signing) };
    let trailer = format!("x-amz-checksum-sha256:{sha}");
    let good = signed_trailer_body(&data, 8_192, &trailer);
    let (out, digests) = run_all(&head, &good).unwrap();
    assert_eq!(out, data);
    assert_eq!(digests.checksum.map(|c| c.to_base64()), Some(sha.clone()));

    let text = String::from_utf8(good.clone()).unwrap();
    let other_sha = STANDARD.encode(Sha256::digest(b"x"));
    let no_signature = text.split("x-amz-trailer-signature").next().unwrap().to_owned() + "\r\n";
    let at = text.find("x-amz-trailer-signature:").unwrap() + "x-amz-trailer-signature:".len();
    let mut altered_signature = good.clone();
    altered_signature[at] = if altered_signature[at] == b'0' { b'1' } else { b'0' };
    let at = text.rfind("\n0;chunk-signature=").unwrap() + 1 + "0;chunk-signature=".len() + 10;
    let mut altered_chunk = good.clone();
    altered_chunk[at] = if altered_chunk[at] == b'0' { b'1' } else { b'0' };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        // The trailer value changed after signing: its signature fails.
        ("trailer value", text.replace(&sha, &other_sha).into_bytes(), "SignatureDoesNotMatch"),
        // Signed, but not the body's checksum.
        (
            "signed wrong checksum",
            signed_trailer_body(&data, 8_192, &format!("x-amz-checksum-sha256:{other_sha}")),
            "BadDigest",
        ),
        ("trailer signature missing", no_signature.into_bytes(), "InvalidRequest"),
        (
            "trailer signature too long",
            text.replacen("x-amz-trailer-signature:", "x-amz-trailer-signature:0", 1).into_bytes(),
            "InvalidRequest",
        ),
        ("trailer signature altered", altered_signature, "SignatureDoesNotMatch"),
        ("last chunk signature altered", altered_chunk, "SignatureDoesNotMatch"),
    ];
    for (what, body, code) in cases {
        let e = run_all(&head, &body).unwrap_err();
        assert_eq!(e.code(), code, "{what}: {e:?}");
    }
}

#[test]
fn plain_bodies_check_hash_md5_and_checksum_headers() {
    let body = b"Welcome to Amazon S3.";
    let sha: [u8; 32] = Sha256::digest(body).into();
    let md5 = STANDARD.encode(Md5::digest(body));
    let crc = crc32_b64(body);
    let sha_b64 = STANDARD.encode(sha);
    let hash = PayloadMode::Hash(sha);
    /// Payload claim, headers, outcome (an error code).
    type Case<'a> = (PayloadMode, Vec<(&'a str, &'a str)>, Result<(), &'a str>);
    let cases: Vec<Case<'_>> = vec![
        (hash, vec![], Ok(())),
        (PayloadMode::Unsigned, vec![("Content-MD5", &md5), ("x-amz-checksum-crc32", &crc)], Ok(())),
        (hash, vec![("x-amz-checksum-sha256", &sha_b64), ("x-amz-sdk-checksum-algorithm", "sha256")], Ok(())),
        (PayloadMode::Hash([0; 32]), vec![], Err("XAmzContentSHA256Mismatch")),
        (hash, vec![("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")], Err("BadDigest")),
        (hash, vec![("Content-MD5", "not base64")], Err("InvalidDigest")),
        (hash, vec![("Content-MD5", "AAAA")], Err("InvalidDigest")),
        (hash, vec![("x-amz-checksum-crc32", "AAAAAA==")], Err("BadDigest")),
        (hash, vec![("x-amz-checksum-crc32", &crc), ("x-amz-checksum-sha256", &sha_b64)], Err("InvalidRequest")),
        (hash, vec![("x-amz-sdk-checksum-algorithm", "CRC32")], Err("InvalidRequest")),
        (hash, vec![("x-amz-sdk-checksum-algorithm", "CRC32C"), ("x-amz-checksum-crc32", &crc)], Err("InvalidRequest")),
        (hash, vec![("x-amz-sdk-checksum-algorithm", "MD5"), ("x-amz-checksum-crc32", &crc)], Err("InvalidRequest")),
        (hash, vec![("x-amz-trailer", "x-amz-checksum-crc32")], Err("InvalidRequest")),
        (
            PayloadMode::UnsignedTrailer,
            vec![
                ("x-amz-decoded-content-length", "21"),
                ("x-amz-trailer", "x-amz-checksum-crc32,x-amz-checksum-sha256"),
            ],
            Err("InvalidRequest"),
        ),
        (
            PayloadMode::UnsignedTrailer,
            vec![
                ("x-amz-decoded-content-length", "21"),
                ("x-amz-trailer", "x-amz-checksum-crc32"),
                ("x-amz-checksum-crc32", &crc),
            ],
            Err("InvalidRequest"),
        ),
    ];
    for (mode, pairs, expected) in cases {
        let h = headers(&pairs);
        let head = BodyHead { payload: mode, headers: &h, signing: None };
        let outcome = run_all(&head, body);
        match (outcome, expected) {
            (Ok((out, digests)), Ok(())) => {
                assert_eq!(out, body);
                assert_eq!(STANDARD.encode(digests.md5), md5);
            }
            (Err(e), Err(code)) => assert_eq!(e.code(), code, "{pairs:?}: {e:?}"),
            (outcome, expected) => panic!("{pairs:?}: {outcome:?}, expected {expected:?}"),
        }
    }
}

#[test]
fn errors_stick_and_statuses_are_s3s() {
    let h = headers(&[("x-amz-decoded-content-length", "1")]);
    let head = BodyHead { payload: PayloadMode::UnsignedTrailer, headers: &h, signing: None };
    let mut checker = BodyChecker::new(&head).unwrap();
    let mut out = Vec::new();
    let first = checker.feed(b"zz\r\n", &mut out).unwrap_err();
    assert_eq!(checker.feed(b"1\r\na\r\n0\r\n\r\n", &mut out), Err(first.clone()));
    assert_eq!(checker.finish(), Err(first));
    assert!(out.is_empty());
    let statuses = [
        (BodyError::SignatureMismatch("chunk signature"), 403),
        (BodyError::MissingDecodedLength, 411),
        (BodyError::IncompleteBody, 400),
        (BodyError::ChecksumMismatch(ChecksumAlgorithm::Crc64Nvme), 400),
    ];
    for (e, status) in statuses {
        assert_eq!(e.status(), status, "{e:?}");
    }
    assert_eq!(
        BodyError::ChecksumMismatch(ChecksumAlgorithm::Crc64Nvme).message(),
        "The CRC64NVME you specified did not match the calculated checksum."
    );
}
