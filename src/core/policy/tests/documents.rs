//! IAM's `MalformedPolicyDocument` refusals and the documents it accepts,
//! the size limit, and the fuzz target's seeds (parsed, and edited without
//! panicking).

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;

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

/// The fuzz target's seeds (valid documents) parse, and say what they mean.
const SEEDS: [&str; 4] = [
    include_str!("../../../../fuzz/corpus/policy_document/seed-cognito-folders"),
    include_str!("../../../../fuzz/corpus/policy_document/seed-five-statements"),
    include_str!("../../../../fuzz/corpus/policy_document/seed-operators"),
    include_str!("../../../../fuzz/corpus/policy_document/seed-legacy"),
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
