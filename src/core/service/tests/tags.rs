//! The tagging operations by pool ARN: TagResource merges, UntagResource
//! removes, ListTagsForResource and DescribeIdentityPool show the result;
//! the `cognate:guest-storage` tag follows them; and their error cases.

use serde_json::{json, Value};

use super::{Harness, ADMIN_ID};

const MISSING_POOL: &str = "us-east-1:00000000-0000-4000-8000-000000000000";

/// The ARN of `pool` in the harness' deployment (region `us-east-1`, the
/// default account id).
fn arn(pool: &str) -> String {
    format!("arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{pool}")
}

impl Harness {
    fn tags_of(&self, pool: &str) -> Value {
        Harness::ok(self.admin("ListTagsForResource", json!({"ResourceArn": arn(pool)})))["Tags"].clone()
    }
}

#[test]
fn tags_are_merged_listed_and_removed() {
    let h = Harness::new();
    let pool = h.guest_pool();
    assert_eq!(h.tags_of(&pool), json!({}), "a pool without tags lists an empty map");

    let r =
        Harness::ok(h.admin("TagResource", json!({"ResourceArn": arn(&pool), "Tags": {"team": "web", "env": "dev"}})));
    assert_eq!(r, json!({}));
    assert_eq!(h.tags_of(&pool), json!({"team": "web", "env": "dev"}));
    // A second call merges: same keys are overwritten, others kept.
    Harness::ok(h.admin("TagResource", json!({"ResourceArn": arn(&pool), "Tags": {"env": "prod", "cost": ""}})));
    assert_eq!(h.tags_of(&pool), json!({"team": "web", "env": "prod", "cost": ""}));
    let described = Harness::ok(h.admin("DescribeIdentityPool", json!({"IdentityPoolId": pool})));
    assert_eq!(described["IdentityPoolTags"], json!({"team": "web", "env": "prod", "cost": ""}));

    // Removal; keys the pool does not have are fine.
    let r = Harness::ok(
        h.admin("UntagResource", json!({"ResourceArn": arn(&pool), "TagKeys": ["env", "never-there", "cost"]})),
    );
    assert_eq!(r, json!({}));
    assert_eq!(h.tags_of(&pool), json!({"team": "web"}));

    // An update that names no tags keeps those TagResource set.
    Harness::ok(h.admin(
        "UpdateIdentityPool",
        json!({"IdentityPoolId": pool, "IdentityPoolName": "renamed", "AllowUnauthenticatedIdentities": true}),
    ));
    assert_eq!(h.tags_of(&pool), json!({"team": "web"}));
    Harness::ok(h.admin("UntagResource", json!({"ResourceArn": arn(&pool), "TagKeys": ["team"]})));
    assert_eq!(h.tags_of(&pool), json!({}));
}

#[test]
fn a_pool_has_at_most_fifty_tags() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let tags = |from: usize, to: usize| -> Value { (from..to).map(|i| (format!("k{i}"), json!("v"))).collect() };
    Harness::ok(h.admin("TagResource", json!({"ResourceArn": arn(&pool), "Tags": tags(0, 49)})));
    // 49 + 2 new: refused, nothing changes.
    let r = h.admin("TagResource", json!({"ResourceArn": arn(&pool), "Tags": tags(48, 51)}));
    assert_eq!(
        (r.error_type(), r.message()),
        ("InvalidParameterException", "An identity pool can have at most 50 tags.")
    );
    assert_eq!(h.tags_of(&pool).as_object().unwrap().len(), 49);
    // 49 + 1 new (and one overwritten): exactly 50 is fine.
    Harness::ok(h.admin("TagResource", json!({"ResourceArn": arn(&pool), "Tags": tags(48, 50)})));
    assert_eq!(h.tags_of(&pool), tags(0, 50));
    // More than 50 in one call is refused before the pool is asked.
    let r = h.admin("TagResource", json!({"ResourceArn": arn(MISSING_POOL), "Tags": tags(0, 51)}));
    assert_eq!(r.error_type(), "InvalidParameterException");
}

#[test]
fn guest_storage_follows_the_tag_set_by_tag_resource() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let member_keys = |h: &Harness| h.store.dump().into_iter().filter(|(k, _, _)| k.starts_with("member/")).count();

    let r = h.admin("TagResource", json!({"ResourceArn": arn(&pool), "Tags": {"cognate:guest-storage": "sometimes"}}));
    assert_eq!(
        (r.error_type(), r.message()),
        ("InvalidParameterException", "The tag 'cognate:guest-storage' must be 'listed' or 'none', not 'sometimes'.")
    );
    assert_eq!(h.tags_of(&pool), json!({}), "nothing changed");

    Harness::ok(h.admin("TagResource", json!({"ResourceArn": arn(&pool), "Tags": {"cognate:guest-storage": "none"}})));
    let before = member_keys(&h);
    h.guest(&pool);
    assert_eq!(member_keys(&h), before, "a guest of a `none` pool is not recorded (the isolate knows at once)");

    // Removing the tag returns the pool to the default, `listed`.
    Harness::ok(h.admin("UntagResource", json!({"ResourceArn": arn(&pool), "TagKeys": ["cognate:guest-storage"]})));
    h.guest(&pool);
    assert_eq!(member_keys(&h), before + 1, "a guest of a `listed` pool is recorded");
}

#[test]
fn bad_input_is_refused_as_cognito_refuses_it() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let ours = arn(&pool);
    let cases: Vec<(&str, Value, &str)> = vec![
        // The model's constraints.
        ("TagResource", json!({"Tags": {"a": "b"}}), "ValidationException"),
        ("TagResource", json!({"ResourceArn": ours}), "ValidationException"),
        ("TagResource", json!({"ResourceArn": "arn:short", "Tags": {}}), "ValidationException"),
        ("TagResource", json!({"ResourceArn": ours, "Tags": {"": "b"}}), "ValidationException"),
        ("TagResource", json!({"ResourceArn": ours, "Tags": {"k".repeat(129): "b"}}), "ValidationException"),
        ("TagResource", json!({"ResourceArn": ours, "Tags": {"a": "v".repeat(257)}}), "ValidationException"),
        ("UntagResource", json!({"ResourceArn": ours}), "ValidationException"),
        ("UntagResource", json!({"ResourceArn": ours, "TagKeys": [""]}), "ValidationException"),
        ("ListTagsForResource", json!({}), "ValidationException"),
        ("ListTagsForResource", json!({"ResourceArn": format!("{ours}{}", "0".repeat(2048))}), "ValidationException"),
        ("TagResource", json!({"ResourceArn": ours, "Tags": ["a"]}), "SerializationException"),
        // Not an identity pool's ARN.
        ("ListTagsForResource", json!({"ResourceArn": pool}), "InvalidParameterException"),
        (
            "ListTagsForResource",
            json!({"ResourceArn": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"}),
            "InvalidParameterException",
        ),
        (
            "TagResource",
            json!({"ResourceArn": "arn:aws:cognito-identity:us-east-1:000000000000:identitypool/nope", "Tags": {}}),
            "InvalidParameterException",
        ),
        // Keys reserved for AWS.
        ("TagResource", json!({"ResourceArn": ours, "Tags": {"aws:cost": "x"}}), "InvalidParameterException"),
        ("TagResource", json!({"ResourceArn": ours, "Tags": {"AWS:cost": "x"}}), "InvalidParameterException"),
        ("UntagResource", json!({"ResourceArn": ours, "TagKeys": ["aws:cost"]}), "InvalidParameterException"),
        // Well-formed ARNs that name no pool here.
        ("ListTagsForResource", json!({"ResourceArn": arn(MISSING_POOL)}), "ResourceNotFoundException"),
        ("TagResource", json!({"ResourceArn": arn(MISSING_POOL), "Tags": {"a": "b"}}), "ResourceNotFoundException"),
        ("UntagResource", json!({"ResourceArn": arn(MISSING_POOL), "TagKeys": ["a"]}), "ResourceNotFoundException"),
        (
            "ListTagsForResource",
            json!({"ResourceArn": ours.replace(":us-east-1:000000000000:", ":eu-west-1:000000000000:")}),
            "ResourceNotFoundException",
        ),
        (
            "TagResource",
            json!({"ResourceArn": ours.replace(":000000000000:", ":123456789012:"), "Tags": {"a": "b"}}),
            "ResourceNotFoundException",
        ),
    ];
    for (op, body, expected) in cases {
        let r = h.admin(op, body.clone());
        assert_eq!((r.status, r.error_type()), (400, expected), "{op} {body}: {}", r.message());
    }
    assert_eq!(h.tags_of(&pool), json!({}), "no failed call changed the pool");

    let r = h.admin("ListTagsForResource", json!({"ResourceArn": arn(MISSING_POOL)}));
    assert_eq!(r.message(), format!("IdentityPool '{MISSING_POOL}' not found."));
    let r = h.admin("TagResource", json!({"ResourceArn": "arn:short", "Tags": {}}));
    assert_eq!(
        r.message(),
        "1 validation error detected: Value 'arn:short' at 'resourceArn' failed to satisfy constraint: \
         Member must have length greater than or equal to 20"
    );
    let r = h.admin("UntagResource", json!({"ResourceArn": ours}));
    assert_eq!(
        r.message(),
        "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn tagging_is_for_the_admin_only() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let body = json!({"ResourceArn": arn(&pool), "Tags": {"a": "b"}});
    let r = h.call("TagResource", body.clone());
    assert_eq!(r.error_type(), "MissingAuthenticationTokenException");
    let r = h.send(h.sign(Harness::request("ListTagsForResource", &body), ADMIN_ID, "wrong-secret-wrong-secret", None));
    assert_eq!(r.error_type(), "InvalidSignatureException");

    // Credentials vended by the pool sign correctly, and are refused all the same.
    let guest = h.guest(&pool);
    let c = Harness::ok(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})))["Credentials"].clone();
    let s = |k: &str| c[k].as_str().unwrap().to_owned();
    let (akid, secret, token) = (s("AccessKeyId"), s("SecretKey"), s("SessionToken"));
    for (op, body) in [
        ("TagResource", body.clone()),
        ("UntagResource", json!({"ResourceArn": arn(&pool), "TagKeys": ["a"]})),
        ("ListTagsForResource", json!({"ResourceArn": arn(&pool)})),
    ] {
        let r = h.send(h.sign(Harness::request(op, &body), &akid, &secret, Some(&token)));
        assert_eq!(r.error_type(), "NotAuthorizedException", "{op}");
    }
    assert_eq!(h.tags_of(&pool), json!({}));
}
