//! STS's request and answers, with answers shaped as AWS documents them
//! (AssumeRoleWithWebIdentity's response and error examples in the STS API
//! reference) and the malformed ones an attacker in the path could send.

use super::*;
use crate::core::time::parse_iso8601;

const OK: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>us-east-1:2f3c0000-0000-8000-8000-000000000001</SubjectFromWebIdentityToken>
    <Audience>us-east-1:11111111-1111-4111-8111-111111111111:authenticated</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/app/2f3c0000</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:2f3c0000</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <Provider>id.example.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#;

fn error(code: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>nope</Message></Error><RequestId>x</RequestId></ErrorResponse>"#
    )
}

#[test]
fn the_request_is_a_form_with_every_value_encoded() {
    let body = request_body("arn:aws:iam::123456789012:role/app", "2f3c0000-0000", "a.b-c_d~e+f/g=");
    assert_eq!(
        body,
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapp\
         &RoleSessionName=2f3c0000-0000&WebIdentityToken=a.b-c_d~e%2Bf%2Fg%3D&DurationSeconds=3600"
    );
    assert_eq!(session_name("us-east-1:2f3c0000-0000-8000-8000-000000000001"), "2f3c0000-0000-8000-8000-000000000001");
    assert_eq!(session_name("x"), "cognate");
    assert!(session_name(&format!("r:{}", "a".repeat(100))).len() == 64);
}

#[test]
fn credentials_are_read_from_the_answer() {
    let c = read_answer(200, OK.as_bytes()).unwrap();
    assert_eq!(c.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
    assert_eq!(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
    assert_eq!(c.session_token, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
    assert_eq!(c.expiration, parse_iso8601("2014-10-24T23:00:23Z").unwrap());
    assert_eq!(c.expiration, 1_414_191_623);
    let shown = format!("{c:?}");
    assert!(!shown.contains("wJalr") && !shown.contains("AQoD"), "{shown}");
}

#[test]
fn refusals_throttling_and_outages_become_cognitos_answers() {
    for code in ["AccessDenied", "InvalidIdentityToken", "IDPRejectedClaim"] {
        let e = read_answer(400, error(code).as_bytes()).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::InvalidIdentityPoolConfiguration, REFUSED_MESSAGE),
            "{code}"
        );
    }
    let e = read_answer(400, error("Throttling").as_bytes()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooManyRequests);
    for (status, body) in [
        (503, error("ServiceUnavailable")),
        (500, "<html>oops</html>".to_owned()),
        (200, "not xml".to_owned()),
        (200, String::new()),
        (200, "<AssumeRoleWithWebIdentityResponse/>".to_owned()),
        (200, OK.replace("<AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>", "")),
        (200, OK.replace("2014-10-24T23:00:23Z", "tomorrow")),
        (200, OK.replace("AssumeRoleWithWebIdentityResponse", "AssumeRoleResponse")),
        (200, format!("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{OK}")),
        (200, format!("{OK}<second/>")),
        (200, format!("<a>{}</a>", "<b>".repeat(10) + &"</b>".repeat(10))),
        (200, format!("{OK}{}", " ".repeat(MAX_ANSWER_BYTES))),
    ] {
        let e = read_answer(status, body.as_bytes()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::ExternalService, "{status} {:.60}", body);
    }
}

#[test]
fn iso8601_times_as_aws_writes_them() {
    assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_iso8601("2026-11-30T12:00:00.123Z"), parse_iso8601("2026-11-30T12:00:00Z"));
    for bad in [
        "2026-11-30",
        "2026-11-30T12:00:00",
        "2026-11-30T25:00:00Z",
        "2026-11-30T12:00:00.Z",
        "2026-02-30T12:00:00Z",
        "2026-11-30 12:00:00Z",
    ] {
        assert_eq!(parse_iso8601(bad), None, "{bad}");
    }
}
