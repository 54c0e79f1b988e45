//! The AWS Signature Version 4 test suite (the files under
//! `tests/vectors/sigv4/`, see the README there for their source) run
//! through `cognate::core::sigv4`: canonical request, string to sign and
//! signature must match the suite, and `verify` must accept each signed
//! request at its time and refuse it with any bit of the signature flipped
//! or 16 minutes away. Then a negative harness: mutated and garbage
//! `Authorization` and date headers never panic, never echo the secret, and
//! verify only when they still say what the signer said.

use std::path::PathBuf;

use cognate::core::sigv4::{self, Authorization, Expected, Request, SigV4Error, SigV4ErrorKind};
use cognate::core::time;

const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const EXPECTED: Expected<'static> =
    Expected { region: "us-east-1", service: "service", flavor: sigv4::Flavor::Standard };

/// Every case of the suite, so that a missing file fails instead of shrinking the run.
const CASES: &[&str] = &[
    "get-header-key-duplicate",
    "get-header-value-multiline",
    "get-header-value-order",
    "get-header-value-trim",
    "get-relative",
    "get-relative-relative",
    "get-slash",
    "get-slash-dot-slash",
    "get-slash-pointless-dot",
    "get-slashes",
    "get-space",
    "get-special-character",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-order-value",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-header-after",
    "post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
];

/// A request of the suite, owned.
struct Raw {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn request(&self) -> Request<'_> {
        Request { method: &self.method, path: &self.path, query: &self.query, headers: &self.headers, body: &self.body }
    }
}

fn read(case: &str, ext: &str) -> String {
    let path: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "tests", "vectors", "sigv4", case, &format!("{case}.{ext}")].iter().collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses a `.req`/`.sreq` file: request line (the target may hold spaces),
/// headers with obsolete line folding (a continuation joins with one space),
/// a blank line, the body.
fn parse_http(text: &str) -> Raw {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let request_line = lines.next().expect("request line");
    let (method, rest) = request_line.split_once(' ').expect("method");
    let (target, _version) = rest.rsplit_once(' ').expect("version");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().expect("folded line after a header");
            last.1 = format!("{} {}", last.1.trim_end(), line.trim());
        } else {
            let (name, value) = line.split_once(':').expect("header colon");
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    Raw {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

/// The request of `case` with its `Authorization` header; a signed header
/// the `.req` lacks (the session-token case) is taken from the `.sreq`.
fn load(case: &str) -> (Raw, String) {
    let authz = read(case, "authz").trim_end().to_owned();
    let mut raw = parse_http(&read(case, "req"));
    let signed = authz.split("SignedHeaders=").nth(1).and_then(|s| s.split(',').next()).unwrap();
    let signed_request = parse_http(&read(case, "sreq"));
    for name in signed.split(';') {
        if !raw.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            let header = signed_request.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name));
            raw.headers.push(header.expect("signed header in .sreq").clone());
        }
    }
    raw.headers.push(("Authorization".to_owned(), authz.clone()));
    (raw, authz)
}

fn signature_of(authz: &str) -> &str {
    authz.rsplit_once("Signature=").map(|(_, s)| s).unwrap()
}

#[test]
fn suite_canonical_request_string_to_sign_and_signature() {
    let t = time::parse_amz_date("20150830T123600Z").unwrap();
    for case in CASES {
        let (raw, authz) = load(case);
        let req = raw.request();
        let auth = sigv4::parse(&req).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(auth.access_key_id, ACCESS_KEY_ID, "{case}");
        assert_eq!(auth.credential_scope(), "20150830/us-east-1/service/aws4_request", "{case}");
        assert_eq!(auth.request_time, t, "{case}");

        let creq = sigv4::canonical_request(&req, &auth.signed_headers);
        assert_eq!(creq, read(case, "creq"), "{case}: canonical request");
        assert_eq!(sigv4::string_to_sign(&auth, &creq), read(case, "sts"), "{case}: string to sign");
        assert_eq!(sigv4::signature(&req, &auth, SECRET), signature_of(&authz), "{case}: signature");
    }
}

#[test]
fn suite_requests_verify_at_their_time_only() {
    let t = time::parse_amz_date("20150830T123600Z").unwrap();
    for case in CASES {
        let (raw, _) = load(case);
        let req = raw.request();
        let auth = sigv4::parse(&req).unwrap();
        assert_eq!(sigv4::verify(&req, &auth, SECRET, t, &EXPECTED), Ok(()), "{case}");
        assert_eq!(sigv4::verify(&req, &auth, SECRET, t + 15 * 60, &EXPECTED), Ok(()), "{case}");
        assert_eq!(sigv4::verify(&req, &auth, SECRET, t - 15 * 60, &EXPECTED), Ok(()), "{case}");

        let late = sigv4::verify(&req, &auth, SECRET, t + 16 * 60, &EXPECTED).unwrap_err();
        assert_eq!(late, SigV4Error::Expired { request_time: t, now: t + 16 * 60 }, "{case}");
        assert_eq!(late.kind(), SigV4ErrorKind::InvalidSignature);
        let early = sigv4::verify(&req, &auth, SECRET, t - 16 * 60, &EXPECTED).unwrap_err();
        assert_eq!(early, SigV4Error::NotYetCurrent { request_time: t, now: t - 16 * 60 }, "{case}");

        let wrong_secret = sigv4::verify(&req, &auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz", t, &EXPECTED);
        assert_eq!(wrong_secret, Err(SigV4Error::SignatureMismatch), "{case}");
    }
}

#[test]
fn suite_requests_refuse_every_flipped_signature_bit() {
    let t = time::parse_amz_date("20150830T123600Z").unwrap();
    for case in CASES {
        let (raw, _) = load(case);
        let req = raw.request();
        let auth = sigv4::parse(&req).unwrap();
        let bytes = hex::decode(&auth.signature).unwrap();
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let forged = Authorization { signature: hex::encode(flipped), ..auth.clone() };
            let result = sigv4::verify(&req, &forged, SECRET, t, &EXPECTED);
            assert_eq!(result, Err(SigV4Error::SignatureMismatch), "{case} bit {bit}");
        }
    }
}

#[test]
fn token_added_after_signing_is_refused() {
    // post-sts-header-after signs without the token and adds it afterwards;
    // a verifier that needs the token signed must refuse that request.
    let t = time::parse_amz_date("20150830T123600Z").unwrap();
    let (mut raw, _) = load("post-sts-header-after");
    let token = load("post-sts-header-before").0.headers.into_iter().find(|(n, _)| n == "X-Amz-Security-Token");
    raw.headers.push(token.unwrap());
    let req = raw.request();
    let auth = sigv4::parse(&req).unwrap();
    assert!(auth.security_token.is_some());
    assert_eq!(sigv4::verify(&req, &auth, SECRET, t, &EXPECTED), Err(SigV4Error::SecurityTokenNotSigned));
}

#[test]
fn suite_request_in_another_scope_is_refused() {
    let t = time::parse_amz_date("20150830T123600Z").unwrap();
    let (raw, _) = load("get-vanilla");
    let req = raw.request();
    let auth = sigv4::parse(&req).unwrap();
    let region = Expected { region: "eu-west-1", ..EXPECTED };
    assert_eq!(sigv4::verify(&req, &auth, SECRET, t, &region), Err(SigV4Error::WrongRegion));
    let service = Expected { service: "cognito-identity", ..EXPECTED };
    assert_eq!(
        sigv4::verify(&req, &auth, SECRET, t, &service).unwrap_err().to_string(),
        "Credential should be scoped to correct service: 'cognito-identity'. "
    );
}

/// A xorshift generator: reproducible mutations without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % bound.max(1) as u64).unwrap()
    }
}

#[test]
fn mutated_and_garbage_headers_never_panic() {
    let t = time::parse_amz_date("20150830T123600Z").unwrap();
    let (raw, authz) = load("get-vanilla-with-session-token");
    let original = sigv4::parse(&raw.request()).unwrap();
    let huge = "AWS4-HMAC-SHA256 Credential=".to_owned() + &"A/".repeat(1 << 15);
    let seeds = [
        authz.as_str(),
        "",
        " ",
        ",",
        "=",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ,,,=,=",
        "AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;;, Signature=\u{e9}",
        "AWS4-HMAC-SHA256 Credential=\u{1F600}/\u{0}/\u{10FFFF}/s/aws4_request, SignedHeaders=host, Signature=",
        &huge,
    ];
    let alphabet: Vec<char> = "=,/; \t\u{e9}\u{0}\u{10FFFF}AWS4-HMAC-SHA256Credential%".chars().collect();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..6_000 {
        let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
        for _ in 0..=rng.below(3) {
            let at = rng.below(chars.len() + 1);
            match rng.below(4) {
                0 if at < chars.len() => drop(chars.remove(at)),
                1 if at < chars.len() => chars[at] = alphabet[rng.below(alphabet.len())],
                2 => chars.truncate(at),
                _ => chars.insert(at, alphabet[rng.below(alphabet.len())]),
            }
        }
        let value: String = chars.into_iter().collect();
        let mut headers = raw.headers.clone();
        for (name, v) in &mut headers {
            match name.as_str() {
                "Authorization" => v.clone_from(&value),
                "X-Amz-Date" if round % 5 == 1 => v.clone_from(&value),
                "X-Amz-Date" if round % 5 == 2 => *name = "Date".to_owned(),
                _ => {}
            }
        }
        let req = Request { headers: &headers, ..raw.request() };
        let outcome = sigv4::parse(&req).and_then(|auth| {
            sigv4::verify(&req, &auth, SECRET, t, &EXPECTED)?;
            Ok(auth)
        });
        match outcome {
            // Only harmless changes (spacing, unknown parameters) still
            // verify. The access key id is not signed: it picks the secret,
            // and this harness verifies with the same secret whatever it says.
            Ok(auth) => {
                let auth = Authorization { access_key_id: original.access_key_id.clone(), ..auth };
                assert_eq!(auth, original, "{value:?}");
            }
            Err(e) => {
                let message = e.to_string();
                assert!(!message.contains(SECRET) && message.len() < 2_000, "{message}");
            }
        }
    }
}
