//! The policy engine against AWS's documented behaviour: the IAM User
//! Guide's "Policy evaluation logic", "IAM JSON policy elements: Condition
//! operators", "Single-valued vs. multivalued context keys", "IAM policy
//! elements: Variables and tags" and the Amazon Cognito Developer Guide's
//! identity-pool example (each identity only its own S3 folder). Plus IAM's
//! `MalformedPolicyDocument` refusals and properties of the matcher.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::condition::{parse_date, parse_number};
use super::matching::{Pattern, Syntax};
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

#[test]
fn each_identity_only_its_own_folder() {
    let policy = cognito_folders(Some("2012-10-17"));
    let own = format!("arn:aws:s3:::user-data/{ALICE}/photo.jpg");
    let other = format!("arn:aws:s3:::user-data/{BOB}/photo.jpg");
    let alice: Keys = &[(SUB, &[ALICE])];
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, Keys, Decision)> = vec![
        ("s3:GetObject", &own, alice, Decision::Allow),
        ("s3:PutObject", &own, alice, Decision::Allow),
        ("S3:getobject", &own, alice, Decision::Allow), // actions ignore case
        ("s3:GetObjectAcl", &own, alice, Decision::ImplicitDeny),
        ("s3:GetObject", &other, alice, Decision::ImplicitDeny),
        ("s3:GetObject", "arn:aws:s3:::user-data/photo.jpg", alice, Decision::ImplicitDeny),
        ("s3:GetObject", "arn:aws:s3:::User-Data/x/photo.jpg", alice, Decision::ImplicitDeny),
        // Without the key (or with several values) the variable resolves to nothing.
        ("s3:GetObject", &own, &[], Decision::ImplicitDeny),
        ("s3:GetObject", &own, &[(SUB, &[ALICE, BOB])], Decision::ImplicitDeny),
        ("s3:GetObject", &own, &[(SUB, &[])], Decision::ImplicitDeny),
        // Condition key names are case-insensitive.
        ("s3:GetObject", &own, &[("Cognito-Identity.AmazonAWS.com:SUB", &[ALICE])], Decision::Allow),
        ("s3:ListBucket", "arn:aws:s3:::user-data", &[(SUB, &[ALICE]), ("s3:prefix", &[ALICE_PREFIX])], Decision::Allow),
        ("s3:ListBucket", "arn:aws:s3:::user-data", &[(SUB, &[ALICE]), ("s3:prefix", &[BOB_PREFIX])], Decision::ImplicitDeny),
        ("s3:ListBucket", "arn:aws:s3:::user-data", &[(SUB, &[ALICE]), ("s3:prefix", &[""])], Decision::ImplicitDeny),
        ("s3:ListBucket", "arn:aws:s3:::user-data", &[(SUB, &[ALICE])], Decision::ImplicitDeny),
        ("s3:ListBucket", "arn:aws:s3:::user-data", &[("s3:prefix", &[ALICE_PREFIX])], Decision::ImplicitDeny),
        ("s3:ListBucket", "arn:aws:s3:::other-bucket", &[(SUB, &[ALICE]), ("s3:prefix", &[ALICE_PREFIX])], Decision::ImplicitDeny),
    ];
    for (action, resource, keys, expected) in cases {
        let r = request(action, resource, keys);
        assert_eq!(evaluate([&policy], &r), expected, "{action} {resource} {keys:?}");
    }
}

#[test]
fn variable_values_are_literal_text() {
    let policy = cognito_folders(Some("2012-10-17"));
    #[rustfmt::skip]
    let cases: &[(&str, &str, Decision)] = &[
        // A sub of `a*` opens only the folder literally named `a*`.
        ("a*", "arn:aws:s3:::user-data/a*/x", Decision::Allow),
        ("a*", "arn:aws:s3:::user-data/abc/x", Decision::ImplicitDeny),
        ("a*", "arn:aws:s3:::user-data/a/x", Decision::ImplicitDeny),
        ("*", "arn:aws:s3:::user-data/someone-else/x", Decision::ImplicitDeny),
        ("*", "arn:aws:s3:::user-data/*/x", Decision::Allow),
        ("?", "arn:aws:s3:::user-data/b/x", Decision::ImplicitDeny),
        ("?", "arn:aws:s3:::user-data/?/x", Decision::Allow),
        ("${*}", "arn:aws:s3:::user-data/*/x", Decision::ImplicitDeny),
        ("${*}", "arn:aws:s3:::user-data/${*}/x", Decision::Allow),
        ("${aws:username}", "arn:aws:s3:::user-data/${aws:username}/x", Decision::Allow),
    ];
    for (sub, resource, expected) in cases {
        let r = request("s3:GetObject", resource, &[(SUB, &[sub]), ("aws:username", &["bob"])]);
        assert_eq!(evaluate([&policy], &r), *expected, "sub {sub} on {resource}");
    }
    // The same in a StringLike condition value: `*` from the variable is
    // literal, the policy's own `/*` a wildcard.
    for (sub, prefix, expected) in
        [("*", "other/x", false), ("*", "*/x", true), ("a?", "ab/x", false), ("a?", "a?/", true)]
    {
        let r = request("s3:ListBucket", "arn:aws:s3:::user-data", &[(SUB, &[sub]), ("s3:prefix", &[prefix])]);
        assert_eq!(evaluate([&policy], &r).is_allowed(), expected, "sub {sub} prefix {prefix}");
    }
}

#[test]
fn variables_only_in_version_2012() {
    // IAM User Guide, "Variables and tags": without Version 2012-10-17,
    // `${...}` is literal text.
    for version in [None, Some("2008-10-17")] {
        let policy = cognito_folders(version);
        assert!(!policy.substitutes_variables());
        let literal = "arn:aws:s3:::user-data/${cognito-identity.amazonaws.com:sub}/x";
        let r = request("s3:GetObject", literal, &[(SUB, &[ALICE])]);
        assert_eq!(evaluate([&policy], &r), Decision::Allow, "{version:?}");
        let r = request("s3:GetObject", &format!("arn:aws:s3:::user-data/{ALICE}/x"), &[(SUB, &[ALICE])]);
        assert_eq!(evaluate([&policy], &r), Decision::ImplicitDeny, "{version:?}");
    }
    assert!(cognito_folders(Some("2012-10-17")).substitutes_variables());
    // An unclosed `${` is text in 2008 and refused in 2012.
    let text = |v: &str| {
        json!({"Version": v, "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${x"}})
            .to_string()
    };
    assert!(PolicyDocument::parse(&text("2008-10-17")).is_ok());
    assert!(PolicyDocument::parse(&text("2012-10-17")).is_err());
}

/// The IAM User Guide's "Policy evaluation logic": an explicit deny
/// overrides any allow; without an allow the request is implicitly denied.
#[test]
fn evaluation_logic() {
    let allow_s3 =
        doc(&json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}));
    let deny_delete = doc(&json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"},
    ]}));
    let allow_and_deny_in_one = doc(&json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
    ]}));
    let get = request("s3:GetObject", "arn:aws:s3:::b/k", &[]);
    let delete = request("s3:DeleteObject", "arn:aws:s3:::b/k", &[]);
    let ec2 = request("ec2:RunInstances", "*", &[]);
    let none: [&PolicyDocument; 0] = [];
    #[rustfmt::skip]
    let cases: Vec<(Vec<&PolicyDocument>, &RequestContext, Decision)> = vec![
        (none.to_vec(), &get, Decision::ImplicitDeny),
        (vec![&allow_s3], &get, Decision::Allow),
        (vec![&allow_s3], &ec2, Decision::ImplicitDeny),
        (vec![&allow_s3, &deny_delete], &get, Decision::Allow),
        (vec![&allow_s3, &deny_delete], &delete, Decision::ExplicitDeny),
        (vec![&deny_delete, &allow_s3], &delete, Decision::ExplicitDeny),
        (vec![&deny_delete], &get, Decision::ImplicitDeny),
        (vec![&allow_and_deny_in_one], &delete, Decision::ExplicitDeny),
        (vec![&allow_and_deny_in_one], &get, Decision::Allow),
    ];
    for (i, (policies, r, expected)) in cases.into_iter().enumerate() {
        let decision = evaluate(policies, r);
        assert_eq!(decision, expected, "case {i}");
        assert_eq!(decision.is_allowed(), expected == Decision::Allow);
    }
}

#[test]
fn not_action_and_not_resource() {
    // IAM User Guide, "NotAction" and "NotResource" examples.
    let policy = doc(&json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::public", "arn:aws:s3:::public/*"]},
        {"Effect": "Deny", "NotAction": ["sts:*", "s3:*", "execute-api:*"], "Resource": "*"},
    ]}));
    #[rustfmt::skip]
    let cases = [
        ("s3:GetObject", "arn:aws:s3:::public/a", Decision::Allow),
        ("s3:GetObject", "arn:aws:s3:::public", Decision::Allow),
        ("s3:GetObject", "arn:aws:s3:::private/a", Decision::ExplicitDeny),
        ("iam:CreateUser", "*", Decision::ExplicitDeny),
        ("sts:GetCallerIdentity", "*", Decision::Allow),
        ("ec2:RunInstances", "*", Decision::ExplicitDeny),
        ("execute-api:Invoke", "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/x", Decision::Allow),
    ];
    for (action, resource, expected) in cases {
        assert_eq!(evaluate([&policy], &request(action, resource, &[])), expected, "{action} {resource}");
    }
    // Without the Deny statements, NotAction alone leaves iam:* implicitly denied.
    let only =
        doc(&json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}));
    assert_eq!(evaluate([&only], &request("iam:CreateUser", "*", &[])), Decision::ImplicitDeny);
}

#[test]
fn action_and_resource_wildcards() {
    #[rustfmt::skip]
    let cases: &[(&str, &str, &str, &str, bool)] = &[
        // (Action pattern, Resource pattern, action, resource, applies)
        ("s3:Get*", "*", "s3:GetObject", "arn:aws:s3:::b/k", true),
        ("s3:Get*", "*", "S3:GETOBJECT", "arn:aws:s3:::b/k", true),
        ("S3:GETOBJECT", "*", "s3:getObject", "arn:aws:s3:::b/k", true),
        ("s3:Get*", "*", "s3:PutObject", "arn:aws:s3:::b/k", false),
        ("s3:*Object", "*", "s3:DeleteObject", "arn:aws:s3:::b/k", true),
        ("s3:Get?bject", "*", "s3:GetObject", "arn:aws:s3:::b/k", true),
        ("s3:Get?bject", "*", "s3:GetOObject", "arn:aws:s3:::b/k", false),
        ("*", "*", "anything:AtAll", "*", true),
        ("iam:*", "*", "s3:GetObject", "*", false),
        ("s3:*", "arn:aws:s3:::b/*", "s3:GetObject", "arn:aws:s3:::b/a/b/c", true),
        ("s3:*", "arn:aws:s3:::b/*", "s3:GetObject", "arn:aws:s3:::b", false),
        ("s3:*", "arn:aws:s3:::b/*", "s3:GetObject", "arn:aws:s3:::B/k", false),
        ("s3:*", "arn:aws:s3:::b/K", "s3:GetObject", "arn:aws:s3:::b/k", false),
        ("s3:*", "arn:aws:s3:::b?", "s3:GetObject", "arn:aws:s3:::b1", true),
        ("s3:*", "arn:aws:s3:::*", "s3:ListAllMyBuckets", "*", false),
        ("s3:*", "*", "s3:ListAllMyBuckets", "*", true),
        // ARNs match segment by segment: a wildcard cannot eat a colon.
        ("iam:*", "arn:aws:iam::*:role/r", "iam:GetRole", "arn:aws:iam::123456789012:role/r", true),
        ("iam:*", "arn:aws:iam::*:role/r", "iam:GetRole", "arn:aws:iam::1:2:role/r", false),
        ("ec2:*", "arn:aws:ec2:*:*:instance/*", "ec2:StartInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", true),
        ("ec2:*", "arn:aws:ec2:us-*:*:*", "ec2:StartInstances", "arn:aws:ec2:eu-west-1:1:instance/i-1", false),
        // The resource part keeps its colons.
        ("sns:*", "arn:aws:sns:us-east-1:1:topic:*", "sns:Publish", "arn:aws:sns:us-east-1:1:topic:sub:x", true),
        ("execute-api:Invoke", "arn:aws:execute-api:us-east-1:*:abc/*/GET/*", "execute-api:Invoke",
            "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items", true),
        ("execute-api:Invoke", "arn:aws:execute-api:us-east-1:*:abc/*/GET/*", "execute-api:Invoke",
            "arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/items", false),
    ];
    for (action_pattern, resource_pattern, action, resource, applies) in cases {
        let policy = doc(&json!({"Version": "2012-10-17", "Statement":
            {"Effect": "Allow", "Action": action_pattern, "Resource": resource_pattern}}));
        let decision = evaluate([&policy], &request(action, resource, &[]));
        assert_eq!(decision.is_allowed(), *applies, "{action_pattern} {resource_pattern} vs {action} {resource}");
    }
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

/// "Condition operators": String.
#[test]
fn string_operators() {
    let user = "aws:username";
    check_conditions(&[
        (json!({"StringEquals": {"aws:username": "john"}}), &[(user, &["john"])], true),
        (json!({"StringEquals": {"aws:username": "john"}}), &[(user, &["John"])], false),
        (json!({"StringEquals": {"aws:username": "john"}}), &[], false),
        (json!({"StringEquals": {"AWS:UserName": "john"}}), &[("aws:USERNAME", &["john"])], true),
        (json!({"StringEquals": {"aws:username": ["ann", "john"]}}), &[(user, &["john"])], true),
        (json!({"StringEquals": {"aws:username": "jo*"}}), &[(user, &["john"])], false),
        (json!({"StringEquals": {"aws:username": "jo*"}}), &[(user, &["jo*"])], true),
        (json!({"StringNotEquals": {"aws:username": "john"}}), &[(user, &["john"])], false),
        (json!({"StringNotEquals": {"aws:username": "john"}}), &[(user, &["jane"])], true),
        (json!({"StringNotEquals": {"aws:username": ["john", "jane"]}}), &[(user, &["jane"])], false),
        // A missing key: the negated operator holds (IAM's "Important" note).
        (json!({"StringNotEquals": {"aws:username": "john"}}), &[], true),
        (json!({"StringNotEqualsIfExists": {"aws:username": "john"}}), &[], true),
        (json!({"StringNotEqualsIfExists": {"aws:username": "john"}}), &[(user, &["john"])], false),
        (json!({"StringEqualsIfExists": {"aws:username": "john"}}), &[], true),
        (json!({"StringEqualsIfExists": {"aws:username": "john"}}), &[(user, &["jane"])], false),
        (json!({"StringEqualsIgnoreCase": {"aws:username": "JOHN"}}), &[(user, &["john"])], true),
        (json!({"StringEqualsIgnoreCase": {"aws:username": "ÄRGER"}}), &[(user, &["ärger"])], true),
        (json!({"StringEqualsIgnoreCase": {"aws:username": "JOHN"}}), &[(user, &["johnny"])], false),
        (json!({"StringNotEqualsIgnoreCase": {"aws:username": "JOHN"}}), &[(user, &["john"])], false),
        (json!({"StringNotEqualsIgnoreCase": {"aws:username": "JOHN"}}), &[(user, &["jane"])], true),
        (json!({"StringLike": {"s3:prefix": "home/*"}}), &[("s3:prefix", &["home/x/y"])], true),
        (json!({"StringLike": {"s3:prefix": "home/*"}}), &[("s3:prefix", &["Home/x"])], false),
        (json!({"StringLike": {"s3:prefix": "a?c"}}), &[("s3:prefix", &["abc"])], true),
        (json!({"StringLike": {"s3:prefix": "a?c"}}), &[("s3:prefix", &["abbc"])], false),
        (json!({"StringLike": {"s3:prefix": ["", "home/*"]}}), &[("s3:prefix", &[""])], true),
        (json!({"StringLike": {"s3:prefix": "home/*"}}), &[], false),
        (json!({"StringNotLike": {"s3:prefix": ["home/*", "public/*"]}}), &[("s3:prefix", &["home/x"])], false),
        (json!({"StringNotLike": {"s3:prefix": ["home/*", "public/*"]}}), &[("s3:prefix", &["other"])], true),
        (json!({"StringNotLike": {"s3:prefix": "home/*"}}), &[], true),
        (json!({"StringLikeIfExists": {"s3:prefix": "home/*"}}), &[], true),
        // Operators AND, keys under one operator AND.
        (
            json!({"StringEquals": {"aws:username": "john", "aws:PrincipalTag/team": "blue"}}),
            &[(user, &["john"]), ("aws:principaltag/team", &["blue"])],
            true,
        ),
        (
            json!({"StringEquals": {"aws:username": "john", "aws:PrincipalTag/team": "blue"}}),
            &[(user, &["john"]), ("aws:principaltag/team", &["red"])],
            false,
        ),
        (
            json!({"StringEquals": {"aws:username": "john"}, "StringLike": {"s3:prefix": "a*"}}),
            &[(user, &["john"]), ("s3:prefix", &["b"])],
            false,
        ),
        (
            json!({"StringEquals": {"aws:username": "john"}, "StringLike": {"s3:prefix": "a*"}}),
            &[(user, &["john"]), ("s3:prefix", &["abc"])],
            true,
        ),
        // Quotes are optional for numbers and booleans.
        (json!({"StringEquals": {"s3:max-keys": 10}}), &[("s3:max-keys", &["10"])], true),
        (json!({"StringEquals": {"aws:SecureTransport": true}}), &[("aws:securetransport", &["true"])], true),
    ]);
}

/// "Condition operators": Numeric.
#[test]
fn numeric_operators() {
    let k = "s3:max-keys";
    check_conditions(&[
        (json!({"NumericLessThan": {"s3:max-keys": "10"}}), &[(k, &["5"])], true),
        (json!({"NumericLessThan": {"s3:max-keys": "10"}}), &[(k, &["10"])], false),
        (json!({"NumericLessThan": {"s3:max-keys": "10"}}), &[(k, &["abc"])], false),
        (json!({"NumericLessThan": {"s3:max-keys": "10"}}), &[], false),
        (json!({"NumericLessThanIfExists": {"s3:max-keys": "10"}}), &[], true),
        (json!({"NumericLessThanIfExists": {"s3:max-keys": "10"}}), &[(k, &["11"])], false),
        (json!({"NumericLessThanEquals": {"s3:max-keys": 10}}), &[(k, &["10"])], true),
        (json!({"NumericLessThanEquals": {"s3:max-keys": 10}}), &[(k, &["10.5"])], false),
        (json!({"NumericGreaterThan": {"s3:max-keys": "10"}}), &[(k, &["11"])], true),
        (json!({"NumericGreaterThan": {"s3:max-keys": "10"}}), &[(k, &["10"])], false),
        (json!({"NumericGreaterThanEquals": {"s3:max-keys": "-1.5"}}), &[(k, &["-1.5"])], true),
        (json!({"NumericGreaterThanEquals": {"s3:max-keys": "1e3"}}), &[(k, &["999"])], false),
        (json!({"NumericEquals": {"s3:max-keys": "10"}}), &[(k, &["10.0"])], true),
        (json!({"NumericEquals": {"s3:max-keys": ["5", "10"]}}), &[(k, &["5"])], true),
        (json!({"NumericEquals": {"s3:max-keys": "10"}}), &[(k, &["NaN"])], false),
        (json!({"NumericNotEquals": {"s3:max-keys": "10"}}), &[(k, &["11"])], true),
        (json!({"NumericNotEquals": {"s3:max-keys": ["10", "11"]}}), &[(k, &["11"])], false),
        (json!({"NumericNotEquals": {"s3:max-keys": "10"}}), &[], true),
    ]);
}

/// "Condition operators": Date, with `aws:CurrentTime` (ISO 8601) and
/// `aws:EpochTime` (seconds); 1563278400 is 2019-07-16T12:00:00Z.
#[test]
fn date_operators() {
    let now = "aws:CurrentTime";
    let epoch = "aws:EpochTime";
    check_conditions(&[
        (
            json!({"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}}),
            &[(now, &["2020-06-30T00:00:00Z"])],
            true,
        ),
        (
            json!({"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}}),
            &[(now, &["2019-06-30T00:00:00Z"])],
            false,
        ),
        (
            json!({"DateLessThan": {"aws:CurrentTime": "2020-06-30T00:00:00Z"}}),
            &[(now, &["2020-06-29T23:59:59Z"])],
            true,
        ),
        (json!({"DateLessThan": {"aws:CurrentTime": "2020-06-30T00:00:00Z"}}), &[], false),
        (json!({"DateLessThanIfExists": {"aws:CurrentTime": "2020-06-30T00:00:00Z"}}), &[], true),
        (json!({"DateEquals": {"aws:EpochTime": "2019-07-16T12:00:00Z"}}), &[(epoch, &["1563278400"])], true),
        (json!({"DateEquals": {"aws:EpochTime": 1563278400}}), &[(epoch, &["1563278400"])], true),
        (json!({"DateEquals": {"aws:CurrentTime": "1563278400"}}), &[(now, &["2019-07-16T14:00:00+02:00"])], true),
        (json!({"DateEquals": {"aws:CurrentTime": "2019-07-16"}}), &[(now, &["2019-07-16T00:00:00Z"])], true),
        (
            json!({"DateEquals": {"aws:CurrentTime": "2019-07-16T12:00Z"}}),
            &[(now, &["2019-07-16T12:00:00.000Z"])],
            true,
        ),
        (
            json!({"DateGreaterThan": {"aws:CurrentTime": "2019-07-16T12:00:00Z"}}),
            &[(now, &["2019-07-16T12:00:00.5Z"])],
            true,
        ),
        (json!({"DateLessThanEquals": {"aws:EpochTime": "2019-07-16T12:00:00Z"}}), &[(epoch, &["1563278400"])], true),
        (
            json!({"DateGreaterThanEquals": {"aws:EpochTime": "2019-07-16T12:00:00Z"}}),
            &[(epoch, &["1563278399"])],
            false,
        ),
        (json!({"DateNotEquals": {"aws:EpochTime": "2019-07-16T12:00:00Z"}}), &[(epoch, &["1563278400"])], false),
        (json!({"DateNotEquals": {"aws:EpochTime": "2019-07-16T12:00:00Z"}}), &[(epoch, &["1563278401"])], true),
        (json!({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}), &[(now, &["not a date"])], false),
    ]);
}

#[test]
fn dates_and_numbers_parse() {
    #[rustfmt::skip]
    let dates: &[(&str, Option<i64>)] = &[
        ("0", Some(0)),
        ("1563278400", Some(1_563_278_400_000)),
        ("2019-07-16T12:00:00Z", Some(1_563_278_400_000)),
        ("2019-07-16T12:00:00", Some(1_563_278_400_000)),
        ("2019-07-16T12:00:00.123Z", Some(1_563_278_400_123)),
        ("2019-07-16T12:00:00.1Z", Some(1_563_278_400_100)),
        ("2019-07-16T12:00:00.123456Z", Some(1_563_278_400_123)),
        ("2019-07-16T13:30:00+01:30", Some(1_563_278_400_000)),
        ("2019-07-16T10:00:00-0200", Some(1_563_278_400_000)),
        ("2019-07-16T14:00:00+02", Some(1_563_278_400_000)),
        ("1970-01-01", Some(0)),
        ("1969-12-31", Some(-86_400_000)),
        ("2020-02-29", Some(1_582_934_400_000)),
        ("2019-02-29", None),
        ("2019-13-01", None),
        ("2019-07-16T24:00:00Z", None),
        ("2019-07-16T12:60:00Z", None),
        ("2019-07-16T12:00:00.Z", None),
        ("2019-07-16T12:00:00ZZ", None),
        ("2019-07-16 12:00:00Z", None),
        ("2019-7-16", None),
        ("", None),
        ("-1", None),
        ("١٢٣", None),
        ("99999999999999999999", None),
    ];
    for (text, expected) in dates {
        assert_eq!(parse_date(text), *expected, "{text}");
    }
    #[rustfmt::skip]
    let numbers: &[(&str, Option<f64>)] = &[
        ("10", Some(10.0)), ("-1.5", Some(-1.5)), ("+3", Some(3.0)), (".5", Some(0.5)), ("5.", Some(5.0)),
        ("1e3", Some(1000.0)), ("1E-2", Some(0.01)),
        ("", None), (".", None), ("NaN", None), ("inf", None), ("infinity", None), ("1e", None),
        ("0x10", None), ("1,000", None), (" 1", None), ("1e999", None), ("--1", None),
    ];
    for (text, expected) in numbers {
        assert_eq!(parse_number(text), *expected, "{text}");
    }
}

/// "Condition operators": Boolean, Binary and Null.
#[test]
fn bool_binary_and_null_operators() {
    let tls = "aws:SecureTransport";
    let issued = "aws:TokenIssueTime";
    check_conditions(&[
        (json!({"Bool": {"aws:SecureTransport": "true"}}), &[(tls, &["true"])], true),
        (json!({"Bool": {"aws:SecureTransport": "true"}}), &[(tls, &["TRUE"])], true),
        (json!({"Bool": {"aws:SecureTransport": "true"}}), &[(tls, &["false"])], false),
        (json!({"Bool": {"aws:SecureTransport": "true"}}), &[(tls, &["yes"])], false),
        (json!({"Bool": {"aws:SecureTransport": true}}), &[(tls, &["true"])], true),
        (json!({"Bool": {"aws:SecureTransport": "false"}}), &[(tls, &["false"])], true),
        (json!({"Bool": {"aws:SecureTransport": "true"}}), &[], false),
        (json!({"BoolIfExists": {"aws:SecureTransport": "true"}}), &[], true),
        (json!({"BoolIfExists": {"aws:SecureTransport": "true"}}), &[(tls, &["false"])], false),
        (
            json!({"BinaryEquals": {"aws:Key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}),
            &[("aws:key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="])],
            true,
        ),
        (
            json!({"BinaryEquals": {"aws:Key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}),
            &[("aws:key", &["qmluyxj5vmfsdwvjbkjhc2u2na=="])],
            false,
        ),
        (json!({"Null": {"aws:TokenIssueTime": "true"}}), &[], true),
        (json!({"Null": {"aws:TokenIssueTime": "true"}}), &[(issued, &["2011-05-03T00:00:00Z"])], false),
        (json!({"Null": {"aws:TokenIssueTime": "false"}}), &[(issued, &["2011-05-03T00:00:00Z"])], true),
        (json!({"Null": {"aws:TokenIssueTime": false}}), &[], false),
        (json!({"Null": {"aws:TokenIssueTime": "true"}}), &[(issued, &[])], true),
    ]);
}

/// "Condition operators": IP address (IPv4 and IPv6 CIDRs, the User
/// Guide's example ranges).
#[test]
fn ip_operators() {
    let ip = "aws:SourceIp";
    let both = json!(["203.0.113.0/24", "2001:DB8:1234:5678::/64"]);
    check_conditions(&[
        (json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), &[(ip, &["203.0.113.5"])], true),
        (json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), &[(ip, &["203.0.114.5"])], false),
        (json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), &[(ip, &["::ffff:203.0.113.5"])], true),
        (json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), &[(ip, &["not an ip"])], false),
        (json!({"IpAddress": {"aws:SourceIp": "203.0.113.9"}}), &[(ip, &["203.0.113.9"])], true),
        (json!({"IpAddress": {"aws:SourceIp": "203.0.113.9"}}), &[(ip, &["203.0.113.8"])], false),
        (json!({"IpAddress": {"aws:SourceIp": "203.0.113.77/24"}}), &[(ip, &["203.0.113.1"])], true),
        (json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), &[(ip, &["8.8.8.8"])], true),
        (json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), &[(ip, &["2001:db8::1"])], false),
        (json!({"IpAddress": {"aws:SourceIp": both}}), &[(ip, &["2001:db8:1234:5678::1"])], true),
        (json!({"IpAddress": {"aws:SourceIp": both}}), &[(ip, &["2001:db8:1234:5679::1"])], false),
        (json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), &[], false),
        (json!({"NotIpAddress": {"aws:SourceIp": both}}), &[(ip, &["198.51.100.1"])], true),
        (json!({"NotIpAddress": {"aws:SourceIp": both}}), &[(ip, &["203.0.113.1"])], false),
        (json!({"NotIpAddress": {"aws:SourceIp": both}}), &[], true),
        (json!({"IpAddressIfExists": {"aws:SourceIp": "203.0.113.0/24"}}), &[], true),
    ]);
}

/// "Condition operators": ARN (matched per segment).
#[test]
fn arn_operators() {
    let src = "aws:SourceArn";
    let topic = "arn:aws:sns:us-east-1:123456789012:my_topic";
    check_conditions(&[
        (json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:my_topic"}}), &[(src, &[topic])], true),
        (json!({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:my_topic"}}), &[(src, &[topic])], true),
        (json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:my_topic"}}), &[(src, &[topic])], false),
        (json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:My_Topic"}}), &[(src, &[topic])], false),
        (
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:my_topic"}}),
            &[(src, &["arn:aws:sns:us-east-1:x:123456789012:my_topic"])],
            false,
        ),
        (json!({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}), &[(src, &[topic])], false),
        (json!({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}), &[(src, &[topic])], true),
        (json!({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}), &[], true),
        (json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}), &[], false),
        (json!({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}), &[], true),
        (
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}}),
            &[(src, &[topic]), ("aws:PrincipalAccount", &["123456789012"])],
            true,
        ),
    ]);
}

/// "Single-valued vs. multivalued context keys", over the Cognito
/// identity's `amr` (authentication methods) key.
#[test]
fn set_operators_over_amr() {
    let login: &[&str] = &["authenticated", "graph.facebook.com", "graph.facebook.com:app:user"];
    let guest: &[&str] = &["unauthenticated"];
    check_conditions(&[
        (json!({"ForAnyValue:StringLike": {AMR: "authenticated"}}), &[(AMR, login)], true),
        (json!({"ForAnyValue:StringLike": {AMR: "authenticated"}}), &[(AMR, guest)], false),
        (json!({"ForAnyValue:StringLike": {AMR: "authenticated"}}), &[], false),
        (json!({"ForAnyValue:StringLike": {AMR: "authenticated"}}), &[(AMR, &[])], false),
        (json!({"ForAnyValue:StringLike": {AMR: "graph.facebook.com:*"}}), &[(AMR, login)], true),
        (json!({"ForAnyValue:StringEqualsIfExists": {AMR: "authenticated"}}), &[], true),
        (json!({"ForAllValues:StringLike": {AMR: ["authenticated", "graph.facebook.com*"]}}), &[(AMR, login)], true),
        (json!({"ForAllValues:StringEquals": {AMR: ["authenticated", "graph.facebook.com"]}}), &[(AMR, login)], false),
        (json!({"ForAllValues:StringEquals": {AMR: "authenticated"}}), &[], true),
        (json!({"ForAllValues:StringEquals": {AMR: "authenticated"}}), &[(AMR, &[])], true),
        (json!({"ForAllValues:StringEquals": {AMR: "authenticated"}}), &[(AMR, guest)], false),
        (json!({"ForAnyValue:StringNotEquals": {AMR: "unauthenticated"}}), &[(AMR, guest)], false),
        (json!({"ForAnyValue:StringNotEquals": {AMR: "unauthenticated"}}), &[(AMR, login)], true),
        (json!({"ForAllValues:StringNotLike": {AMR: "*facebook*"}}), &[(AMR, &["authenticated"])], true),
        (json!({"ForAllValues:StringNotLike": {AMR: "*facebook*"}}), &[(AMR, login)], false),
        // Without a set prefix: some request value matches (negated: none does).
        (json!({"StringEquals": {AMR: "authenticated"}}), &[(AMR, login)], true),
        (json!({"StringNotEquals": {AMR: "graph.facebook.com"}}), &[(AMR, login)], false),
        (json!({"StringNotEquals": {AMR: "accounts.google.com"}}), &[(AMR, login)], true),
        (json!({"ForAnyValue:NumericGreaterThan": {"aws:Sizes": "10"}}), &[("aws:sizes", &["1", "20"])], true),
        (json!({"ForAllValues:NumericGreaterThan": {"aws:Sizes": "10"}}), &[("aws:sizes", &["1", "20"])], false),
    ]);
}

/// "Variables and tags": where variables resolve, defaults and escapes.
#[test]
fn policy_variables() {
    let user = "aws:username";
    check_conditions(&[
        (
            json!({"StringEquals": {"s3:prefix": "${aws:username}/"}}),
            &[(user, &["bob"]), ("s3:prefix", &["bob/"])],
            true,
        ),
        (
            json!({"StringEquals": {"s3:prefix": "${AWS:UserName}/"}}),
            &[(user, &["bob"]), ("s3:prefix", &["bob/"])],
            true,
        ),
        (
            json!({"StringEquals": {"s3:prefix": "${aws:username}/"}}),
            &[(user, &["bob"]), ("s3:prefix", &["ann/"])],
            false,
        ),
        (json!({"StringEquals": {"s3:prefix": "${aws:username}/"}}), &[("s3:prefix", &["${aws:username}/"])], false),
        (json!({"StringEquals": {"s3:prefix": ["${aws:username}/", "public/"]}}), &[("s3:prefix", &["public/"])], true),
        (
            json!({"StringEquals": {"aws:PrincipalTag/team": "${aws:RequestTag/team}"}}),
            &[("aws:PrincipalTag/team", &["blue"]), ("aws:RequestTag/team", &["blue"])],
            true,
        ),
        (
            json!({"StringEquals": {"s3:x-amz-server-side-encryption": "${aws:SecureTransport}"}}),
            &[("s3:x-amz-server-side-encryption", &["true"]), ("aws:securetransport", &["true"])],
            true,
        ),
        (
            json!({"StringEquals": {"aws:Referer": "${aws:SourceIp}|${aws:CurrentTime}"}}),
            &[
                ("aws:referer", &["203.0.113.1|2020-01-01T00:00:00Z"]),
                ("aws:sourceip", &["203.0.113.1"]),
                ("aws:currenttime", &["2020-01-01T00:00:00Z"]),
            ],
            true,
        ),
        // A negated operator whose variable does not resolve: the statement does not apply.
        (json!({"StringNotEquals": {"s3:prefix": "${aws:username}/"}}), &[("s3:prefix", &["bob/"])], false),
        (
            json!({"StringNotEquals": {"s3:prefix": "${aws:username}/"}}),
            &[(user, &["ann"]), ("s3:prefix", &["bob/"])],
            true,
        ),
        // Default values (`${key, 'default'}`, `''` for a quote).
        (json!({"StringEquals": {"s3:prefix": "${aws:username, 'guest'}/"}}), &[("s3:prefix", &["guest/"])], true),
        (
            json!({"StringEquals": {"s3:prefix": "${aws:username, 'guest'}/"}}),
            &[(user, &["bob"]), ("s3:prefix", &["bob/"])],
            true,
        ),
        (
            json!({"StringEquals": {"s3:prefix": "${aws:username, 'guest'}/"}}),
            &[(user, &["bob"]), ("s3:prefix", &["guest/"])],
            false,
        ),
        (json!({"StringEquals": {"s3:prefix": "${ aws:username ,'it''s}'}"}}), &[("s3:prefix", &["it's}"])], true),
        (json!({"StringEquals": {"s3:prefix": "${aws:username, '*'}"}}), &[("s3:prefix", &["x"])], false),
        (json!({"StringLike": {"s3:prefix": "${aws:username, '*'}"}}), &[("s3:prefix", &["x"])], false),
        (json!({"StringLike": {"s3:prefix": "${aws:username, '*'}"}}), &[("s3:prefix", &["*"])], true),
        // Escapes: `${*}`, `${?}`, `${$}` are those characters, literally.
        (json!({"StringLike": {"s3:prefix": "${*}x*"}}), &[("s3:prefix", &["*xyz"])], true),
        (json!({"StringLike": {"s3:prefix": "${*}x*"}}), &[("s3:prefix", &["axyz"])], false),
        (json!({"StringLike": {"s3:prefix": "a${?}"}}), &[("s3:prefix", &["a?"])], true),
        (json!({"StringLike": {"s3:prefix": "a${?}"}}), &[("s3:prefix", &["ab"])], false),
        (
            json!({"StringEquals": {"s3:prefix": "${$}{aws:username}"}}),
            &[(user, &["bob"]), ("s3:prefix", &["${aws:username}"])],
            true,
        ),
        (
            json!({"StringEquals": {"s3:prefix": "${$}{aws:username}"}}),
            &[(user, &["bob"]), ("s3:prefix", &["$bob"])],
            false,
        ),
        // Variables are not read in Numeric values (refused there) nor in keys.
        (json!({"StringEquals": {"${aws:username}": "x"}}), &[(user, &["s3:k"]), ("s3:k", &["x"])], false),
        (json!({"StringEquals": {"${aws:username}": "x"}}), &[("${aws:username}", &["x"])], true),
    ]);
    // In Resource: tags, defaults, escapes; in NotResource an unresolved
    // variable makes the statement not apply.
    #[rustfmt::skip]
    let cases: &[(&str, Keys, &str, bool)] = &[
        ("arn:aws:s3:::b/${aws:PrincipalTag/team}/*", &[("aws:principaltag/team", &["blue"])], "arn:aws:s3:::b/blue/x", true),
        ("arn:aws:s3:::b/${aws:PrincipalTag/team}/*", &[("aws:principaltag/team", &["blue"])], "arn:aws:s3:::b/red/x", false),
        ("arn:aws:s3:::b/${aws:PrincipalTag/team}/*", &[], "arn:aws:s3:::b//x", false),
        ("arn:aws:s3:::b/${aws:username, 'shared'}/*", &[], "arn:aws:s3:::b/shared/x", true),
        ("arn:aws:s3:::b/${*}", &[], "arn:aws:s3:::b/*", true),
        ("arn:aws:s3:::b/${*}", &[], "arn:aws:s3:::b/x", false),
        ("arn:aws:s3:::b/${?}", &[], "arn:aws:s3:::b/x", false),
        ("arn:aws:s3:::b/${$}", &[], "arn:aws:s3:::b/$", true),
        ("arn:aws:s3:::${aws:username}:x", &[("aws:username", &["b"])], "arn:aws:s3:::b:x", true),
    ];
    for (resource, keys, arn, expected) in cases {
        let policy = doc(
            &json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": resource}}),
        );
        assert_eq!(
            evaluate([&policy], &request("s3:GetObject", arn, keys)).is_allowed(),
            *expected,
            "{resource} vs {arn}"
        );
    }
    let not_resource = doc(&json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::b/${aws:username}/*"}]}));
    let decide = |arn: &str, keys: Keys| evaluate([&not_resource], &request("s3:GetObject", arn, keys));
    assert_eq!(decide("arn:aws:s3:::b/bob/x", &[("aws:username", &["bob"])]), Decision::Allow);
    assert_eq!(decide("arn:aws:s3:::b/ann/x", &[("aws:username", &["bob"])]), Decision::ExplicitDeny);
    assert_eq!(decide("arn:aws:s3:::b/ann/x", &[]), Decision::Allow);
}

fn refusal(policy: &str) -> String {
    match PolicyDocument::parse(policy) {
        Ok(doc) => panic!("accepted {policy}: {doc:?}"),
        Err(e) => e.to_string(),
    }
}

/// A statement `{"Effect":"Allow","Action":"s3:*","Resource":"*"}` with
/// `edit` applied, in a 2012-10-17 document.
fn statement_with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut s = json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"});
    edit(s.as_object_mut().unwrap());
    json!({"Version": "2012-10-17", "Statement": [s]}).to_string()
}

#[test]
fn malformed_documents() {
    let set = |k: &'static str, v: Value| {
        move |s: &mut serde_json::Map<String, Value>| {
            s.insert(k.into(), v);
        }
    };
    let remove = |k: &'static str| {
        move |s: &mut serde_json::Map<String, Value>| {
            s.remove(k);
        }
    };
    let cond = |c: Value| statement_with(set("Condition", c));
    #[rustfmt::skip]
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "Syntax errors in policy."),
        ("".into(), "Syntax errors in policy."),
        ("[]".into(), "Syntax errors in policy."),
        (r#"{"Statement": []} trailing"#.into(), "Syntax errors in policy."),
        (r#"{"Version":"2012-10-17","Version":"2012-10-17","Statement":[]}"#.into(),
            "Syntax errors in policy: duplicate element Version at line 1 column 46."),
        (r#"{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}}"#.into(),
            "Syntax errors in policy: duplicate element Effect at line 1 column 46."),
        (json!({"Version": "2012-10-18", "Statement": []}).to_string(), "The policy failed legacy parsing"),
        (json!({"Version": 2012, "Statement": []}).to_string(), "The policy failed legacy parsing"),
        (json!({"Version": "2012-10-17"}).to_string(), "Missing required field Statement"),
        (json!({"Version": "2012-10-17", "Statement": "x"}).to_string(), "The Statement element must be an object or an array of objects."),
        (json!({"Version": "2012-10-17", "Statement": ["x"]}).to_string(), "Statement 1 must be an object."),
        (json!({"Version": "2012-10-17", "Id": 5, "Statement": []}).to_string(), "The Id element must be a string."),
        (json!({"Version": "2012-10-17", "Statment": []}).to_string(), "Policy document has an unknown element Statment."),
        (statement_with(set("Principal", json!("*"))), "Policy document should not specify a principal."),
        (statement_with(set("NotPrincipal", json!({"AWS": "*"}))), "Policy document should not specify a principal."),
        (statement_with(set("Actions", json!("s3:*"))), "The statement 1 has an unknown element Actions."),
        (statement_with(remove("Effect")), "Missing required field Effect"),
        (statement_with(set("Effect", json!("allow"))), "Invalid effect: allow"),
        (statement_with(set("Effect", json!(true))), "The Effect of statement 1 must be the string Allow or Deny."),
        (statement_with(remove("Action")), "Policy statement must contain actions."),
        (statement_with(set("Action", json!([]))), "Policy statement must contain actions."),
        (statement_with(set("Action", json!(5))), "The Action element of statement 1 must be a string or an array of strings."),
        (statement_with(set("Action", json!(["s3:*", null]))), "The Action element of statement 1 must be a string or an array of strings."),
        (statement_with(set("NotAction", json!("iam:*"))), "The statement 1 must contain Action or NotAction, not both."),
        (statement_with(set("Action", json!("s3GetObject"))), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (statement_with(set("Action", json!("s3:Get:Object"))), "Actions/Condition can contain only one colon."),
        (statement_with(set("Action", json!("s 3:GetObject"))), "Vendor s 3 is not valid"),
        (statement_with(set("Action", json!(":GetObject"))), "Vendor  is not valid"),
        (statement_with(set("Action", json!("s3:"))), "Action s3: in statement 1 is not valid."),
        (statement_with(remove("Resource")), "Policy statement must contain resources."),
        (statement_with(set("Resource", json!([]))), "Policy statement must contain resources."),
        (statement_with(set("NotResource", json!("*"))), "The statement 1 must contain Resource or NotResource, not both."),
        (statement_with(set("Resource", json!({"arn": "x"}))), "The Resource element of statement 1 must be a string or an array of strings."),
        (statement_with(set("Resource", json!("bucket/key"))), "Resource bucket/key must be in ARN format or \"*\"."),
        (statement_with(set("Resource", json!("arn:aws:s3:bucket"))), "Resource arn:aws:s3:bucket must be in ARN format or \"*\"."),
        (statement_with(set("Resource", json!("urn:aws:s3:::b"))), "Resource urn:aws:s3:::b must be in ARN format or \"*\"."),
        (statement_with(set("Resource", json!("arn:aws:s3:::b/${aws:username"))),
            "Resource arn:aws:s3:::b/${aws:username in statement 1: a policy variable is not closed (\"${\" without \"}\")."),
        (statement_with(set("Resource", json!("arn:aws:s3:::b/${}"))), "Resource arn:aws:s3:::b/${} in statement 1: a policy variable cannot be read."),
        (statement_with(set("Resource", json!("arn:aws:s3:::b/${aws:username, guest}"))),
            "Resource arn:aws:s3:::b/${aws:username, guest} in statement 1: a policy variable cannot be read."),
        (statement_with(set("Resource", json!("arn:aws:s3:::b/${a b}"))), "Resource arn:aws:s3:::b/${a b} in statement 1: a policy variable cannot be read."),
        (statement_with(set("Sid", json!("a-b"))),
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"),
        (json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "One", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "One", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}).to_string(),
            "Statement IDs (SID) in a single policy must be unique."),
        (cond(json!("x")), "The Condition element of statement 1 must be an object of condition operators."),
        (cond(json!({"StringEqual": {"aws:username": "x"}})), "Invalid Condition type : StringEqual."),
        (cond(json!({"ForSomeValues:StringEquals": {"aws:username": "x"}})), "Invalid Condition type : ForSomeValues:StringEquals."),
        (cond(json!({"stringequals": {"aws:username": "x"}})), "Invalid Condition type : stringequals."),
        (cond(json!({"NullIfExists": {"aws:username": "true"}})),
            "Invalid Condition type : NullIfExists. Null takes no IfExists suffix or set prefix."),
        (cond(json!({"ForAllValues:Null": {"aws:username": "true"}})),
            "Invalid Condition type : ForAllValues:Null. Null takes no IfExists suffix or set prefix."),
        (cond(json!({"StringEquals": "x"})), "Condition operator StringEquals in statement 1 must map condition keys to values."),
        (cond(json!({"StringEquals": {"username": "x"}})), "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (cond(json!({"StringEquals": {"aws:username": {"a": "b"}}})),
            "The values of condition key aws:username under StringEquals in statement 1 must be a string, a number, a boolean or a non-empty array of them."),
        (cond(json!({"StringEquals": {"aws:username": []}})),
            "The values of condition key aws:username under StringEquals in statement 1 must be a string, a number, a boolean or a non-empty array of them."),
        (cond(json!({"StringEquals": {"aws:username": null}})),
            "The values of condition key aws:username under StringEquals in statement 1 must be a string, a number, a boolean or a non-empty array of them."),
        (cond(json!({"StringEquals": {"aws:username": [["x"]]}})),
            "The values of condition key aws:username under StringEquals in statement 1 must be a string, a number, a boolean or a non-empty array of them."),
        (cond(json!({"StringLike": {"s3:prefix": "${aws:username/"}})),
            "Invalid value ${aws:username/ for condition key s3:prefix under StringLike in statement 1 (a policy variable is not closed or cannot be read)."),
        (cond(json!({"NumericLessThan": {"s3:max-keys": "ten"}})), "Invalid value ten for condition key s3:max-keys under NumericLessThan in statement 1."),
        (cond(json!({"NumericLessThan": {"s3:max-keys": ["1", "NaN"]}})), "Invalid value NaN for condition key s3:max-keys under NumericLessThan in statement 1."),
        (cond(json!({"NumericEquals": {"s3:max-keys": "${aws:username}"}})),
            "Invalid value ${aws:username} for condition key s3:max-keys under NumericEquals in statement 1."),
        (cond(json!({"DateLessThan": {"aws:CurrentTime": "yesterday"}})), "Invalid value yesterday for condition key aws:CurrentTime under DateLessThan in statement 1."),
        (cond(json!({"DateLessThan": {"aws:CurrentTime": "2019-02-30"}})), "Invalid value 2019-02-30 for condition key aws:CurrentTime under DateLessThan in statement 1."),
        (cond(json!({"DateLessThan": {"aws:CurrentTime": 1.5}})), "Invalid value 1.5 for condition key aws:CurrentTime under DateLessThan in statement 1."),
        (cond(json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/33"}})), "Invalid value 203.0.113.0/33 for condition key aws:SourceIp under IpAddress in statement 1."),
        (cond(json!({"IpAddress": {"aws:SourceIp": "2001:db8::/129"}})), "Invalid value 2001:db8::/129 for condition key aws:SourceIp under IpAddress in statement 1."),
        (cond(json!({"NotIpAddress": {"aws:SourceIp": "300.1.1.1"}})), "Invalid value 300.1.1.1 for condition key aws:SourceIp under NotIpAddress in statement 1."),
        (cond(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/"}})), "Invalid value 10.0.0.0/ for condition key aws:SourceIp under IpAddress in statement 1."),
        (cond(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/+8"}})), "Invalid value 10.0.0.0/+8 for condition key aws:SourceIp under IpAddress in statement 1."),
        (cond(json!({"Bool": {"aws:SecureTransport": "yes"}})), "Invalid value yes for condition key aws:SecureTransport under Bool in statement 1."),
        (cond(json!({"Null": {"aws:TokenIssueTime": 1}})), "Invalid value 1 for condition key aws:TokenIssueTime under Null in statement 1."),
        (cond(json!({"BinaryEquals": {"aws:Key": "not base64!"}})), "Invalid value not base64! for condition key aws:Key under BinaryEquals in statement 1."),
        // Messages name the statement by number and Sid, and escape what they echo.
        (json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "Second", "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "maybe\n"}}}]}).to_string(),
            "Invalid value maybe\\n for condition key aws:SecureTransport under Bool in statement 2 (Second)."),
    ];
    for (policy, message) in cases {
        assert_eq!(refusal(&policy), message, "{policy}");
    }
    // Long echoed text is cut.
    let long = statement_with(set("Resource", json!(format!("x{}", "y".repeat(500)))));
    let message = refusal(&long);
    assert!(message.chars().count() < 120 && message.contains('…'), "{message}");
}

#[test]
fn size_limit_does_not_count_whitespace() {
    // A statement whose Sid pads the document to exactly the limit.
    let with_sid = |sid: &str| json!({"Statement": {"Sid": sid, "Effect": "Allow", "Action": "s3:*", "Resource": "*"}});
    let base = with_sid("").to_string().len();
    let at_limit = with_sid(&"A".repeat(MAX_INLINE_POLICY_CHARS - base));
    assert_eq!(at_limit.to_string().len(), MAX_INLINE_POLICY_CHARS);
    let pretty = serde_json::to_string_pretty(&at_limit).unwrap().replace('\n', "\n\t  \r\n");
    assert!(pretty.len() > MAX_INLINE_POLICY_CHARS + 50);
    assert!(PolicyDocument::parse(&pretty).is_ok());
    let over = with_sid(&"A".repeat(MAX_INLINE_POLICY_CHARS - base + 1)).to_string();
    assert_eq!(refusal(&over), "Policy document length exceeds 10240 characters");
    // Characters, not bytes.
    let accents = json!({"Id": "é".repeat(MAX_INLINE_POLICY_CHARS - 100), "Statement": []}).to_string();
    assert!(accents.len() > MAX_INLINE_POLICY_CHARS);
    assert!(PolicyDocument::parse(&accents).is_ok());
}

#[test]
fn accepted_documents() {
    let cases = [
        json!({"Version": "2012-10-17", "Id": "x", "Statement": []}),
        json!({"Version": "2008-10-17", "Statement": {"Effect": "Deny", "NotAction": "*", "NotResource": "*"}}),
        json!({"Statement": {"Sid": "", "Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"], "Condition": {}}}),
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*:Get*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/a:b": "x"}, "ForAllValues:StringLikeIfExists": {"aws:TagKeys": "*"}}}}),
    ];
    for policy in cases {
        doc(&policy);
    }
    // Id and the statements are kept; parsing is deterministic.
    let text = json!({"Version": "2012-10-17", "Id": "policy-1", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]})
    .to_string();
    let policy = PolicyDocument::parse(&text).unwrap();
    assert_eq!(policy.id(), Some("policy-1"));
    assert_eq!(policy.statement_count(), 2);
    assert_eq!(policy, PolicyDocument::parse(&text).unwrap());
}

#[test]
fn request_context_keys_ignore_case() {
    let mut r = RequestContext::new("S3:GetObject", "arn:aws:s3:::b/K");
    r.set("AWS:UserName", vec!["Bob".into()]).set("aws:username", vec!["Ann".into()]);
    assert_eq!(r.get("aws:USERNAME"), Some(&["Ann".to_owned()][..]));
    assert_eq!(r.get("aws:other"), None);
    assert_eq!(r.action(), "s3:getobject");
    assert_eq!(r.resource(), "arn:aws:s3:::b/K");
}

/// A plain recursive reading of `*` and `?` (the oracle for the matcher).
fn reference_glob(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|i| reference_glob(rest, &text[i..])),
        Some(('?', rest)) => !text.is_empty() && reference_glob(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && reference_glob(rest, &text[1..]),
    }
}

proptest! {
    #[test]
    fn glob_agrees_with_the_reference(pattern in "[ab*?é]{0,8}", text in "[abé]{0,10}") {
        let parsed = Pattern::parse(&pattern, Syntax { wildcards: true, variables: true }).unwrap();
        let expected = reference_glob(&pattern.chars().collect::<Vec<_>>(), &text.chars().collect::<Vec<_>>());
        prop_assert_eq!(parsed.matches(&text, &RequestContext::default(), false), Some(expected));
    }

    #[test]
    fn a_variable_matches_only_its_value(value in "[ab*?$]{0,6}", text in "[ab*?$]{0,6}", suffix in "[ab]{0,2}") {
        // `pre/${v}/*`: the text after `pre/` must start with the value literally.
        let pattern = Pattern::parse("pre/${v}/*", Syntax { wildcards: true, variables: true }).unwrap();
        let mut ctx = RequestContext::default();
        ctx.set("v", vec![value.clone()]);
        let candidate = format!("pre/{text}/{suffix}");
        prop_assert_eq!(pattern.matches(&candidate, &ctx, false), Some(text == value));
    }
}

/// The fuzz target's seeds (valid documents) parse, and say what they mean.
const SEEDS: [&str; 4] = [
    include_str!("../../../fuzz/corpus/policy_document/seed-cognito-folders"),
    include_str!("../../../fuzz/corpus/policy_document/seed-five-statements"),
    include_str!("../../../fuzz/corpus/policy_document/seed-operators"),
    include_str!("../../../fuzz/corpus/policy_document/seed-legacy"),
];

#[test]
fn fuzz_seeds_parse() {
    let parsed: Vec<PolicyDocument> = SEEDS.iter().map(|s| PolicyDocument::parse(s).unwrap()).collect();
    let own = format!("arn:aws:s3:::user-data/{ALICE}/a.jpg");
    let mut r = request("s3:GetObject", &own, &[(SUB, &[ALICE]), ("aws:SecureTransport", &["true"])]);
    assert_eq!(evaluate([&parsed[0]], &r), Decision::Allow);
    assert_eq!(evaluate([&parsed[1]], &r), Decision::Allow);
    r.set("aws:SecureTransport", vec!["false".into()]);
    assert_eq!(evaluate([&parsed[1]], &r), Decision::ExplicitDeny);
    let r = request("iam:CreateUser", "*", &[]);
    assert_eq!(evaluate([&parsed[1]], &r), Decision::ExplicitDeny);
    assert_eq!(evaluate([&parsed[2]], &r), Decision::ExplicitDeny);
    assert_eq!(evaluate([&parsed[3]], &request("s3:GetObject", &own, &[(SUB, &[ALICE])])), Decision::ImplicitDeny);
}

proptest! {
    /// Edited seeds never panic the parser or the evaluator, and refusals
    /// stay short and printable.
    #[test]
    fn edited_documents_never_panic(
        seed in 0..SEEDS.len(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), 0..3u8, "[\\[\\]{}\":,*?$'\\\\a-z0-9 \u{0}é]{0,3}"), 1..6),
    ) {
        let mut text = SEEDS[seed].to_owned();
        for (at, kind, insert) in edits {
            let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let i = boundaries[at.index(boundaries.len())];
            let next = boundaries.iter().copied().find(|&j| j > i).unwrap_or(i);
            match kind {
                0 => text.replace_range(i..next, ""),
                1 => text.insert_str(i, &insert),
                _ => text.replace_range(i..next, &insert),
            }
        }
        match PolicyDocument::parse(&text) {
            Ok(policy) => {
                let r = request("s3:GetObject", &format!("arn:aws:s3:::user-data/{ALICE}/x"), &[(SUB, &[ALICE]), (AMR, &["authenticated", "x"])]);
                let decision = evaluate([&policy], &r);
                prop_assert_eq!(evaluate([&policy, &policy], &r), decision);
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(!message.chars().any(char::is_control), "{:?}", message);
                prop_assert!(message.chars().count() < 600);
            }
        }
    }
}
