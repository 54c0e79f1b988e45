//! The condition operators ("IAM JSON policy elements: Condition
//! operators"): string, numeric, date, boolean, binary, null, IP address,
//! ARN, and the set operators over multivalued keys.

use serde_json::json;

use super::super::condition::{parse_date, parse_number};
use super::*;

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
