//! Unit tests of SigV4 verification: accepted requests, AWS's error texts
//! for parse and verify failures, and the canonical parts.

use super::canonical::{canonical_query, canonical_uri, trim_all};
use super::error::ECHO_LIMIT;
use super::*;
use SigV4ErrorKind::{IncompleteSignature, InvalidSignature};

type Outcome = Result<(), (String, SigV4ErrorKind)>;
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const T: u64 = 1_440_938_160; // 20150830T123600Z
const SCOPE: &str = "AKIDEXAMPLE/20150830/us-east-1/cognito-identity/aws4_request";
const HOST: (&str, &str) = ("Host", "cognito-identity.us-east-1.amazonaws.com");
const DATE: (&str, &str) = ("X-Amz-Date", "20150830T123600Z");
const TOKEN: (&str, &str) = ("X-Amz-Security-Token", "token");
const SIGNED: &str = "host;x-amz-date";
const EXPECTED: Expected<'_> = Expected { region: "us-east-1", service: "cognito-identity", flavor: Flavor::Standard };

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|&(n, v)| (n.into(), v.into())).collect()
}

fn req(headers: &[(String, String)]) -> Request<'_> {
    let (method, path, query, body) = ("POST", "/", "", b"{}");
    Request { method, path, query, headers, body }
}

fn outcome<T>(result: Result<T, SigV4Error>) -> Outcome {
    result.map(drop).map_err(|e| (e.to_string(), e.kind()))
}

/// Signs `pairs` with SECRET under `scope` and `signed`, then parses
/// and verifies the request at `now`.
fn check(pairs: &[(&str, &str)], scope: &str, signed: &str, now: u64) -> Outcome {
    let authz = |sig: &str| format!("{ALGORITHM} Credential={scope}, SignedHeaders={signed}, Signature={sig}");
    let mut headers = owned(pairs);
    headers.push(("Authorization".into(), authz("00")));
    let sig = signature(&req(&headers), &parse(&req(&headers)).unwrap(), SECRET);
    headers.push(("Authorization".into(), authz(&sig)));
    headers.swap_remove(pairs.len());
    let auth = parse(&req(&headers)).unwrap();
    outcome(verify(&req(&headers), &auth, SECRET, now, &EXPECTED))
}

#[test]
fn accepts_signed_requests() {
    let http_date = ("date", "Sun, 30 Aug 2015 12:36:00 GMT");
    assert_eq!(check(&[HOST, DATE], SCOPE, SIGNED, T), Ok(()));
    assert_eq!(check(&[HOST, http_date], SCOPE, "date;host", T + 900), Ok(()));
    let signed = "host;x-amz-date;x-amz-security-token";
    assert_eq!(check(&[HOST, DATE, TOKEN], SCOPE, signed, T - 900), Ok(()));
}

#[test]
fn verify_errors_carry_aws_texts() {
    let scope = |date: &str, region: &str, service: &str| format!("AKIDEXAMPLE/{date}/{region}/{service}/aws4_request");
    let cases = [
        (vec![HOST, DATE], SCOPE.into(), "x-amz-date", T, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
        (vec![HOST, DATE, TOKEN], SCOPE.into(), SIGNED, T, "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."),
        (vec![HOST, DATE], scope("20150831", "us-east-1", "cognito-identity"), SIGNED, T, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."),
        (vec![HOST, DATE], scope("20150830", "eu-west-1", "cognito-identity"), SIGNED, T, "Credential should be scoped to a valid region. "),
        (vec![HOST, DATE], scope("20150830", "us-east-1", "sts"), SIGNED, T, "Credential should be scoped to correct service: 'cognito-identity'. "),
        (vec![HOST, DATE], SCOPE.into(), SIGNED, T + 901, "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T125101Z - 15 min.)"),
        (vec![HOST, DATE], SCOPE.into(), SIGNED, T + 25 * 60, "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z (20150830T130100Z - 15 min.)"),
        (vec![HOST, DATE], SCOPE.into(), SIGNED, T - 25 * 60, "Signature not yet current: 20150830T123600Z is still later than 20150830T122600Z (20150830T121100Z + 15 min.)"),
    ];
    for (pairs, scope, signed, now, message) in cases {
        assert_eq!(check(&pairs, &scope, signed, now), Err((message.into(), InvalidSignature)));
    }
    let authz = format!("{ALGORITHM} Credential={SCOPE}, SignedHeaders={SIGNED}, Signature=00");
    let headers = owned(&[HOST, DATE, ("Authorization", &authz)]);
    let auth = parse(&req(&headers)).unwrap();
    let mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    let verified = outcome(verify(&req(&headers), &auth, SECRET, T, &EXPECTED));
    assert_eq!(verified, Err((mismatch.into(), InvalidSignature)));
}

#[test]
fn parse_errors_carry_aws_texts() {
    let missing = ("Missing Authentication Token".into(), SigV4ErrorKind::MissingAuthenticationToken);
    assert_eq!(outcome(parse(&req(&owned(&[HOST, DATE])))), Err(missing));
    let a = "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=00";
    let (a5, a6) = (a.replace("aws4_", "aws5_"), a.replace(", S", ", Signature=1, S"));
    let cases = [
        (vec![("Authorization", "Bearer abc"), DATE], "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Bearer abc"),
        (vec![("Authorization", "AWS4-HMAC-SHA256 Credential=A, Signature=")], "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=A, Signature="),
        (vec![("Authorization", "AWS4-HMAC-SHA256 Credential=A, Signature"), DATE], "'Signature' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=A, Signature'."),
        (vec![("Authorization", "AWS4-HMAC-SHA256 Credential=A/B, SignedHeaders=host, Signature=00"), DATE], "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'A/B'"),
        (vec![("Authorization", &a5), DATE], "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "),
        (vec![("Authorization", a), ("X-Amz-Date", "2015\n")], "Date must be in ISO-8601 'basic format'. Got '2015?'. See http://en.wikipedia.org/wiki/ISO_8601"),
        (vec![("Authorization", a), ("date", "30 Aug 2015")], "Date must be in ISO-8601 'basic format'. Got '30 Aug 2015'. See http://en.wikipedia.org/wiki/ISO_8601"),
        (vec![("Authorization", &a6), DATE], "'Signature' must appear only once."),
        (vec![("Authorization", a), ("authorization", a), DATE], "'Authorization' must appear only once."),
        (vec![("Authorization", a), DATE, ("x-amz-date", "20150830T123600Z")], "'X-Amz-Date' must appear only once."),
    ];
    for (pairs, message) in cases {
        let parsed = outcome(parse(&req(&owned(&pairs))));
        assert_eq!(parsed, Err((message.into(), IncompleteSignature)));
    }
}

#[test]
fn canonical_parts() {
    assert_eq!(canonical_uri("/a%20b/./c/../d//"), "/a%2520b/d/");
    assert_eq!(canonical_uri(""), "/");
    let query = "b=2&a=%7e+x&a=&c&%zz=%E1%88%B4&";
    assert_eq!(canonical_query(query, None), "%25zz=%E1%88%B4&a=&a=~%2Bx&b=2&c=");
    assert_eq!(trim_all(" \t a   b\t c  "), "a b\t c");
    assert_eq!(echo(&"é".repeat(1000)).chars().count(), ECHO_LIMIT + 3);
}
