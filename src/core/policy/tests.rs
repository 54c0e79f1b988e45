//! The policy engine against AWS's documented behaviour: the IAM User
//! Guide's "Policy evaluation logic", "IAM JSON policy elements: Condition
//! operators", "Single-valued vs. multivalued context keys", "IAM policy
//! elements: Variables and tags" and the Amazon Cognito Developer Guide's
//! identity-pool example (each identity only its own S3 folder). Plus IAM's
//! `MalformedPolicyDocument` refusals and properties of the matcher.
//!
//! Split by topic: [`evaluation`] (allow, deny and wildcards), [`variables`]
//! (policy variables), [`conditions`] (the condition operators),
//! [`documents`] (what IAM accepts and refuses, the fuzz seeds) and
//! [`matching`] (the glob matcher against a reference). Shared here: the
//! identities, the Cognito folders policy and the condition helpers.

mod conditions;
mod documents;
mod evaluation;
mod matching;
mod variables;

use serde_json::{json, Value};

use super::*;

const SUB: &str = "cognito-identity.amazonaws.com:sub";
const AMR: &str = "cognito-identity.amazonaws.com:amr";
const ALICE: &str = "us-east-1:11111111-2222-3333-4444-555555555555";
const BOB: &str = "us-east-1:99999999-8888-7777-6666-555555555555";
const ALICE_PREFIX: &str = "us-east-1:11111111-2222-3333-4444-555555555555/";
const BOB_PREFIX: &str = "us-east-1:99999999-8888-7777-6666-555555555555/";

fn doc(policy: &Value) -> PolicyDocument {
    PolicyDocument::parse(&policy.to_string()).unwrap_or_else(|e| panic!("{e}: {policy}"))
}

fn request(action: &str, resource: &str, keys: &[(&str, &[&str])]) -> RequestContext {
    let mut r = RequestContext::new(action, resource);
    for (k, v) in keys {
        r.set(k, v.iter().map(|s| s.to_string()).collect());
    }
    r
}

/// The Cognito Developer Guide's "IAM roles" example: each identity may
/// list, read and write only under its own prefix of one bucket.
fn cognito_folders(version: Option<&str>) -> PolicyDocument {
    let mut policy = json!({
        "Statement": [
            {
                "Sid": "ListYourObjects",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": ["arn:aws:s3:::user-data"],
                "Condition": {"StringLike": {"s3:prefix": ["${cognito-identity.amazonaws.com:sub}/*"]}}
            },
            {
                "Sid": "ReadWriteDeleteYourObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": ["arn:aws:s3:::user-data/${cognito-identity.amazonaws.com:sub}/*"]
            }
        ]
    });
    if let Some(v) = version {
        policy["Version"] = v.into();
    }
    doc(&policy)
}

type Keys<'a> = &'a [(&'a str, &'a [&'a str])];

/// Whether an `Allow *` statement with this `Condition` applies.
fn condition_holds(condition: &Value, keys: Keys) -> bool {
    let policy = doc(&json!({"Version": "2012-10-17", "Statement":
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}}));
    let allowed = evaluate([&policy], &request("s3:GetObject", "arn:aws:s3:::b/k", keys)).is_allowed();
    // The same condition on a Deny decides the opposite way.
    let deny = doc(&json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}]}));
    let denied = evaluate([&deny], &request("s3:GetObject", "arn:aws:s3:::b/k", keys)) == Decision::ExplicitDeny;
    assert_eq!(allowed, denied, "Allow and Deny disagree on {condition}");
    allowed
}

fn check_conditions(cases: &[(Value, Keys, bool)]) {
    for (condition, keys, expected) in cases {
        assert_eq!(condition_holds(condition, keys), *expected, "{condition} with {keys:?}");
    }
}
