//! `PolicyDocument::parse` and `evaluate` on untrusted policy text: no panic, bounded messages, a stable decision.
//!
//! Input: the bytes as UTF-8 when valid (lossily otherwise, so both paths
//! run). A document that parses is evaluated against a few fixed requests
//! (a Cognito identity with multi-valued `amr`, tags, an IP, a time); the
//! decision must not depend on repeating the document, and an explicit
//! Deny must win over any Allow placed beside it.
#![no_main]

use cognate::core::policy::{evaluate, Decision, MalformedPolicy, PolicyDocument, RequestContext};
use libfuzzer_sys::fuzz_target;

const IDENTITY: &str = "us-east-1:11111111-2222-3333-4444-555555555555";

fn requests() -> Vec<RequestContext> {
    let mut out = Vec::new();
    for (action, resource) in [
        ("s3:GetObject", format!("arn:aws:s3:::user-data/{IDENTITY}/a*b?.jpg")),
        ("s3:ListBucket", "arn:aws:s3:::user-data".to_owned()),
        ("execute-api:Invoke", "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/items".to_owned()),
        ("iam:CreateUser", "*".to_owned()),
    ] {
        let mut r = RequestContext::new(action, &resource);
        r.set("cognito-identity.amazonaws.com:sub", vec![IDENTITY.to_owned()])
            .set("cognito-identity.amazonaws.com:aud", vec!["us-east-1:pool".to_owned()])
            .set("cognito-identity.amazonaws.com:amr", vec!["authenticated".into(), "accounts.google.com".into()])
            .set("aws:PrincipalTag/team", vec!["blue*".into()])
            .set("aws:SourceIp", vec!["203.0.113.7".into()])
            .set("aws:SecureTransport", vec!["true".into()])
            .set("aws:CurrentTime", vec!["2027-01-15T08:00:00Z".into()])
            .set("aws:EpochTime", vec!["1800000000".into()])
            .set("s3:prefix", vec![format!("{IDENTITY}/")])
            .set("s3:max-keys", vec!["100".into()]);
        out.push(r);
    }
    // And one request with no condition keys at all.
    out.push(RequestContext::new("s3:GetObject", "arn:aws:s3:::user-data/x"));
    out
}

const DENY_ALL: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#;

fuzz_target!(|data: &[u8]| {
    let text = match std::str::from_utf8(data) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(data).into_owned(),
    };
    let policy = match PolicyDocument::parse(&text) {
        Ok(policy) => policy,
        Err(e) => return check_error(&e),
    };
    let deny_all = PolicyDocument::parse(DENY_ALL).expect("the fixed Deny parses");
    for request in requests() {
        let decision = evaluate([&policy], &request);
        assert_eq!(evaluate([&policy, &policy], &request), decision, "repeating the policy changed the decision");
        assert_eq!(evaluate([&policy, &deny_all], &request), Decision::ExplicitDeny);
        assert_eq!(evaluate([&deny_all, &policy], &request), Decision::ExplicitDeny);
        assert_eq!(decision.is_allowed(), decision == Decision::Allow);
    }
    // Parsing is deterministic.
    assert_eq!(PolicyDocument::parse(&text).as_ref(), Ok(&policy));
});

/// Refusals are short and printable (they may echo policy text).
fn check_error(e: &MalformedPolicy) {
    let message = e.to_string();
    assert!(!message.is_empty());
    assert!(!message.chars().any(char::is_control), "{message:?}");
    assert!(message.chars().count() < 600, "{} chars", message.chars().count());
}
