//! Policy variables ("IAM policy elements: Variables and tags"): values are
//! literal text, only version 2012-10-17 resolves them, where they resolve,
//! defaults and escapes.

use serde_json::json;

use super::*;

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
