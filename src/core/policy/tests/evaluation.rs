//! Policy evaluation logic (IAM User Guide): the Cognito folders example,
//! explicit deny over allow, `NotAction`/`NotResource`, wildcards, and
//! case-insensitive request context keys.

use serde_json::json;

use super::*;

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

#[test]
fn request_context_keys_ignore_case() {
    let mut r = RequestContext::new("S3:GetObject", "arn:aws:s3:::b/K");
    r.set("AWS:UserName", vec!["Bob".into()]).set("aws:username", vec!["Ann".into()]);
    assert_eq!(r.get("aws:USERNAME"), Some(&["Ann".to_owned()][..]));
    assert_eq!(r.get("aws:other"), None);
    assert_eq!(r.action(), "s3:getobject");
    assert_eq!(r.resource(), "arn:aws:s3:::b/K");
}
