//! S3's SigV4 (`Flavor::S3`) and presigned URLs against AWS's documented
//! examples, Amazon S3 API Reference:
//!
//! - "Signature Calculations for the Authorization Header: Transferring
//!   Payload in a Single Chunk" (sig-v4-header-based-auth.html): GET Object,
//!   PUT Object, GET Bucket Lifecycle, GET Bucket (List Objects);
//! - "Signature Calculations for the Authorization Header: Transferring
//!   Payload in Multiple Chunks" (sigv4-streaming.html): the seed signature;
//! - "Authenticating Requests: Using Query Parameters"
//!   (sigv4-query-string-auth.html): the presigned GET.
//!
//! All sign with AKIAIOSFODNN7EXAMPLE at 20130524T000000Z in us-east-1. Then
//! the rules around them: the flavour must match, `x-amz-content-sha256` is
//! required and checked, presigned URLs live until their expiry (not 15
//! minutes), and a request cannot carry both forms.

use cognate::core::sigv4::{self, Authorization, Expected, Flavor, PayloadMode, Request, SigV4Error, SigV4ErrorKind};
use cognate::core::time;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const S3: Expected<'static> = Expected { region: "us-east-1", service: "s3", flavor: Flavor::S3 };
const HOST: &str = "examplebucket.s3.amazonaws.com";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const CREDENTIAL: &str = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";

fn t() -> u64 {
    time::parse_amz_date("20130524T000000Z").unwrap()
}

/// One documented request: method, path, query, headers (without
/// `Authorization`), body, signed headers, expected signature.
struct Case {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    query: &'static str,
    headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
    signed: &'static str,
    signature: &'static str,
}

const HEADER_CASES: &[Case] = &[
    Case {
        name: "GET Object",
        method: "GET",
        path: "/test.txt",
        query: "",
        headers: &[("Host", HOST), ("Range", "bytes=0-9"), ("x-amz-content-sha256", EMPTY_SHA256), ("x-amz-date", "20130524T000000Z")],
        body: b"",
        signed: "host;range;x-amz-content-sha256;x-amz-date",
        signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    },
    Case {
        name: "PUT Object",
        method: "PUT",
        path: "/test$file.text",
        query: "",
        headers: &[
            ("Host", HOST),
            ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"),
        ],
        body: b"Welcome to Amazon S3.",
        signed: "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
        signature: "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    },
    Case {
        name: "GET Bucket Lifecycle",
        method: "GET",
        path: "/",
        query: "lifecycle",
        headers: &[("Host", HOST), ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", EMPTY_SHA256)],
        body: b"",
        signed: "host;x-amz-content-sha256;x-amz-date",
        signature: "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
    },
    Case {
        name: "GET Bucket (List Objects)",
        method: "GET",
        path: "/",
        query: "max-keys=2&prefix=J",
        headers: &[("Host", HOST), ("x-amz-date", "20130524T000000Z"), ("x-amz-content-sha256", EMPTY_SHA256)],
        body: b"",
        signed: "host;x-amz-content-sha256;x-amz-date",
        signature: "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
    },
    Case {
        // The seed request of the chunked upload (the body is checked by
        // core::s3::body, not here: it is left empty as when it streams).
        name: "PUT Object, chunked (seed signature)",
        method: "PUT",
        path: "/examplebucket/chunkObject.txt",
        query: "",
        headers: &[
            ("Host", "s3.amazonaws.com"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("Content-Encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", "66560"),
            ("Content-Length", "66824"),
        ],
        body: b"",
        signed: "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
        signature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    },
];

struct Owned {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Owned {
    fn request(&self) -> Request<'_> {
        Request { method: &self.method, path: &self.path, query: &self.query, headers: &self.headers, body: &self.body }
    }
}

fn owned(case: &Case, signature: &str) -> Owned {
    let mut headers: Vec<(String, String)> = case.headers.iter().map(|&(n, v)| (n.into(), v.into())).collect();
    let authz = format!("AWS4-HMAC-SHA256 Credential={CREDENTIAL},SignedHeaders={},Signature={signature}", case.signed);
    headers.push(("Authorization".into(), authz));
    Owned {
        method: case.method.into(),
        path: case.path.into(),
        query: case.query.into(),
        headers,
        body: case.body.to_vec(),
    }
}

#[test]
fn documented_header_requests_verify() {
    for case in HEADER_CASES {
        let raw = owned(case, case.signature);
        let req = raw.request();
        let auth = sigv4::parse_as(&req, Flavor::S3).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(sigv4::signature(&req, &auth, SECRET), case.signature, "{}", case.name);
        assert_eq!(sigv4::verify(&req, &auth, SECRET, t(), &S3), Ok(()), "{}", case.name);
        assert_eq!(auth.presigned_expires, None);
        assert_eq!(auth.seed_signature().map(hex::encode).as_deref(), Some(case.signature));
        // The body is not read: the same request with any body verifies
        // (the claim is checked as the body streams).
        let other = Owned { body: b"something else".to_vec(), ..owned(case, case.signature) };
        let auth = sigv4::parse_as(&other.request(), Flavor::S3).unwrap();
        assert_eq!(sigv4::verify(&other.request(), &auth, SECRET, t(), &S3), Ok(()), "{}", case.name);
        // Any flipped signature bit is refused.
        let mut bytes = hex::decode(case.signature).unwrap();
        bytes[7] ^= 0x10;
        let forged = Authorization { signature: hex::encode(bytes), ..auth.clone() };
        assert_eq!(sigv4::verify(&req, &forged, SECRET, t(), &S3), Err(SigV4Error::SignatureMismatch));
        // Another flavour than expected is refused, either way round.
        let standard = Expected { flavor: Flavor::Standard, ..S3 };
        assert_eq!(sigv4::verify(&req, &auth, SECRET, t(), &standard), Err(SigV4Error::SignatureMismatch));
        let as_standard = sigv4::parse(&req).unwrap();
        assert_eq!(sigv4::verify(&req, &as_standard, SECRET, t(), &S3), Err(SigV4Error::SignatureMismatch));
    }
}

#[test]
fn payload_claims_are_typed() {
    let claims: [(&str, PayloadMode); 4] = [
        ("GET Object", PayloadMode::Hash(hex::decode(EMPTY_SHA256).unwrap().try_into().unwrap())),
        (
            "PUT Object",
            PayloadMode::Hash(
                hex::decode("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
                    .unwrap()
                    .try_into()
                    .unwrap(),
            ),
        ),
        ("GET Bucket Lifecycle", PayloadMode::Hash(hex::decode(EMPTY_SHA256).unwrap().try_into().unwrap())),
        ("PUT Object, chunked (seed signature)", PayloadMode::SignedChunks),
    ];
    for (name, mode) in claims {
        let case = HEADER_CASES.iter().find(|c| c.name == name).unwrap();
        let auth = sigv4::parse_as(&owned(case, case.signature).request(), Flavor::S3).unwrap();
        assert_eq!(auth.payload, mode, "{name}");
    }
}

#[test]
fn content_sha256_is_required_and_checked_for_s3() {
    let case = &HEADER_CASES[0];
    let without = |name: &str, value: Option<&str>| {
        let mut raw = owned(case, case.signature);
        raw.headers.retain(|(n, _)| n != "x-amz-content-sha256");
        if let Some(v) = value {
            raw.headers.push((name.into(), v.into()));
        }
        sigv4::parse_as(&raw.request(), Flavor::S3).map(drop)
    };
    let missing = without("", None).unwrap_err();
    assert_eq!(missing, SigV4Error::MissingContentSha256);
    assert_eq!(missing.to_string(), "Missing required header for this request: x-amz-content-sha256");
    let invalid = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.";
    for bad in ["abc", &EMPTY_SHA256.to_uppercase(), "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", ""] {
        let e = without("X-Amz-Content-SHA256", Some(bad)).unwrap_err();
        assert_eq!((e.to_string(), e.kind()), (invalid.to_owned(), SigV4ErrorKind::IncompleteSignature), "{bad:?}");
    }
    for good in ["UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"]
    {
        assert_eq!(without("x-amz-content-sha256", Some(good)), Ok(()), "{good}");
    }
    // The standard flavour neither needs nor reads it.
    let mut raw = owned(case, case.signature);
    raw.headers.retain(|(n, _)| n != "x-amz-content-sha256");
    assert!(sigv4::parse(&raw.request()).is_ok());
}

/// The documented presigned GET of `test.txt`, valid for a day.
const PRESIGNED_QUERY: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

fn presigned(query: &str) -> Owned {
    Owned {
        method: "GET".into(),
        path: "/test.txt".into(),
        query: query.into(),
        headers: vec![("Host".into(), HOST.into())],
        body: Vec::new(),
    }
}

#[test]
fn documented_presigned_url_verifies_until_it_expires() {
    let raw = presigned(PRESIGNED_QUERY);
    let req = raw.request();
    let auth = sigv4::parse_as(&req, Flavor::S3).unwrap();
    assert_eq!(auth.presigned_expires, Some(86_400));
    assert_eq!(auth.payload, PayloadMode::Unsigned);
    assert_eq!(auth.access_key_id, "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(auth.credential_scope(), "20130524/us-east-1/s3/aws4_request");
    let expected_creq = "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD";
    assert_eq!(sigv4::canonical_request_for(&req, &auth), expected_creq);
    let signature = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
    assert_eq!(sigv4::signature(&req, &auth, SECRET), signature);

    // Valid from 15 minutes before its date (clock skew) to its expiry,
    // not only for 15 minutes after its date.
    for now in [t() - 15 * 60, t(), t() + 16 * 60, t() + 86_400] {
        assert_eq!(sigv4::verify(&req, &auth, SECRET, now, &S3), Ok(()), "at {now}");
    }
    let expired = sigv4::verify(&req, &auth, SECRET, t() + 86_401, &S3).unwrap_err();
    assert_eq!(expired, SigV4Error::PresignedExpired { request_time: t(), expires: 86_400, now: t() + 86_401 });
    assert_eq!(
        (expired.to_string().as_str(), expired.kind()),
        ("Request has expired", SigV4ErrorKind::InvalidSignature)
    );
    let early = sigv4::verify(&req, &auth, SECRET, t() - 16 * 60, &S3).unwrap_err();
    assert_eq!(early, SigV4Error::NotYetCurrent { request_time: t(), now: t() - 16 * 60 });

    // Every signed parameter is signed: change any and the signature fails.
    for (from, to) in [("86400", "86401"), ("host", "host%3Brange"), ("examplebucket", "otherbucket")] {
        let raw = if from == "examplebucket" {
            Owned { headers: vec![("Host".into(), HOST.replace(from, to))], ..presigned(PRESIGNED_QUERY) }
        } else {
            let mut raw = presigned(&PRESIGNED_QUERY.replace(from, to));
            raw.headers.push(("Range".into(), "bytes=0-9".into()));
            raw
        };
        let auth = sigv4::parse_as(&raw.request(), Flavor::S3).unwrap();
        let verdict = sigv4::verify(&raw.request(), &auth, SECRET, t(), &S3);
        assert_eq!(verdict, Err(SigV4Error::SignatureMismatch), "{from} -> {to}");
    }
    // An added parameter is signed too (only X-Amz-Signature is left out).
    let raw = presigned(&format!("{PRESIGNED_QUERY}&x-id=GetObject"));
    let auth = sigv4::parse_as(&raw.request(), Flavor::S3).unwrap();
    assert_eq!(sigv4::verify(&raw.request(), &auth, SECRET, t(), &S3), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn presigned_parameters_are_checked_with_s3_texts() {
    let without = |name: &str| {
        let kept: Vec<&str> = PRESIGNED_QUERY.split('&').filter(|p| !p.starts_with(&format!("{name}="))).collect();
        kept.join("&")
    };
    let missing = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (without("X-Amz-Expires"), vec![], missing),
        (without("X-Amz-Date"), vec![], missing),
        (without("X-Amz-Algorithm"), vec![], missing),
        (PRESIGNED_QUERY.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders="), vec![], missing),
        (PRESIGNED_QUERY.replace("=86400", "=604801"), vec![], "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
        (PRESIGNED_QUERY.replace("=86400", "=-1"), vec![], "X-Amz-Expires must be non-negative"),
        (PRESIGNED_QUERY.replace("=86400", "=0"), vec![], "X-Amz-Expires must be non-negative"),
        (PRESIGNED_QUERY.replace("=86400", "=day"), vec![], "X-Amz-Expires should be a number"),
        (PRESIGNED_QUERY.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), vec![], "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""),
        (format!("{PRESIGNED_QUERY}&X-Amz-Date=20130524T000000Z"), vec![], "'X-Amz-Date' must appear only once."),
        (PRESIGNED_QUERY.replace("aws4_request", "aws5_request"), vec![], "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "),
        (PRESIGNED_QUERY.replace("20130524T", "2013-05-24T"), vec![], "Date must be in ISO-8601 'basic format'. Got '2013-05-24T000000Z'. See http://en.wikipedia.org/wiki/ISO_8601"),
        (format!("{PRESIGNED_QUERY}&X-Amz-Content-Sha256=nope"), vec![], "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."),
        (PRESIGNED_QUERY.into(), vec![("Authorization", "AWS4-HMAC-SHA256 Credential=x")], "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"),
        (format!("{PRESIGNED_QUERY}&X-Amz-Security-Token=t"), vec![("X-Amz-Security-Token", "t")], "'X-Amz-Security-Token' must appear only once."),
    ];
    for (query, extra, message) in cases {
        let mut raw = presigned(&query);
        raw.headers.extend(extra.into_iter().map(|(n, v)| (n.to_owned(), v.to_owned())));
        let e = sigv4::parse_as(&raw.request(), Flavor::S3).map(drop).unwrap_err();
        assert_eq!(e.to_string(), message, "{query}");
        assert_eq!(e.kind(), SigV4ErrorKind::IncompleteSignature, "{query}");
    }
    // No header and no presigned parameter: as before.
    let e = sigv4::parse_as(&presigned("a=b").request(), Flavor::S3).unwrap_err();
    assert_eq!(e, SigV4Error::MissingAuthenticationToken);
}

/// A presigned URL the way an SDK makes one: every parameter but the
/// signature, then the signature over them.
fn presign(expected: &Expected<'_>, path: &str, extra: &str, expires: u64, secret: &str) -> Owned {
    let service = expected.service;
    let query = format!(
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20130524%2Fus-east-1%2F{service}%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host{extra}&X-Amz-Signature=00"
    );
    let mut raw = presigned(&query);
    raw.path = path.into();
    let auth = sigv4::parse_as(&raw.request(), expected.flavor).unwrap();
    let signature = sigv4::signature(&raw.request(), &auth, secret);
    raw.query = query.replace("X-Amz-Signature=00", &format!("X-Amz-Signature={signature}"));
    raw
}

#[test]
fn presigned_urls_in_either_flavour_with_token_and_payload_claim() {
    let api = Expected { region: "us-east-1", service: "execute-api", flavor: Flavor::Standard };
    let cases: [(Expected<'_>, &str, &str); 4] = [
        (S3, "/s3/bucket/a%20b/../c", ""),
        (S3, "/s3/bucket/key", "&X-Amz-Security-Token=IQo%2Btoken%3D%3D&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD"),
        (api, "/api/a%20b/../c", ""),
        (api, "/api/x", "&X-Amz-Security-Token=IQo%2Btoken%3D%3D"),
    ];
    for (expected, path, extra) in cases {
        let raw = presign(&expected, path, extra, 60, SECRET);
        let req = raw.request();
        let auth = sigv4::parse_as(&req, expected.flavor).unwrap();
        assert_eq!(sigv4::verify(&req, &auth, SECRET, t() + 60, &expected), Ok(()), "{path}{extra}");
        assert_eq!(auth.security_token.is_some(), extra.contains("Token"), "{path}{extra}");
        if extra.contains("Token") {
            assert_eq!(auth.security_token.as_deref(), Some("IQo+token=="));
        }
        let late = sigv4::verify(&req, &auth, SECRET, t() + 61, &expected);
        assert!(matches!(late, Err(SigV4Error::PresignedExpired { expires: 60, .. })), "{late:?}");
        let wrong = sigv4::verify(&req, &auth, "another secret", t(), &expected);
        assert_eq!(wrong, Err(SigV4Error::SignatureMismatch));
        // Signed for one flavour, refused in the other (the paths differ).
        let other = if expected.flavor == Flavor::S3 { Flavor::Standard } else { Flavor::S3 };
        let auth = sigv4::parse_as(&req, other).unwrap();
        let verdict = sigv4::verify(&req, &auth, SECRET, t(), &Expected { flavor: other, ..expected });
        assert_eq!(verdict, Err(SigV4Error::SignatureMismatch), "{path}{extra}");
    }
    // The standard flavour hashes the body even when presigned.
    let mut raw = presign(&api, "/api/x", "", 60, SECRET);
    raw.body = b"changed".to_vec();
    let auth = sigv4::parse(&raw.request()).unwrap();
    assert_eq!(sigv4::verify(&raw.request(), &auth, SECRET, t(), &api), Err(SigV4Error::SignatureMismatch));
}

#[test]
fn signing_key_matches_the_documented_derivation() {
    // The chunked-upload example's seed, recomputed from the signing key:
    // HMAC(signing key, string to sign) of its documented canonical request.
    let case = HEADER_CASES.iter().find(|c| c.name.starts_with("PUT Object, chunked")).unwrap();
    let raw = owned(case, case.signature);
    let auth = sigv4::parse_as(&raw.request(), Flavor::S3).unwrap();
    let creq = sigv4::canonical_request_for(&raw.request(), &auth);
    assert_eq!(
        creq,
        "PUT\n/examplebucket/chunkObject.txt\n\ncontent-encoding:aws-chunked\ncontent-length:66824\nhost:s3.amazonaws.com\nx-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\nx-amz-date:20130524T000000Z\nx-amz-decoded-content-length:66560\nx-amz-storage-class:REDUCED_REDUNDANCY\n\ncontent-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class\nSTREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    );
    let key = sigv4::signing_key(SECRET, "20130524", "us-east-1", "s3");
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(sigv4::string_to_sign(&auth, &creq).as_bytes());
    assert_eq!(hex::encode(mac.finalize().into_bytes()), case.signature);
}
