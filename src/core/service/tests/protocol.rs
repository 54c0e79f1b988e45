//! The wire protocol's error paths through the whole service.

use serde_json::json;

use super::Harness;
use crate::core::protocol::HttpRequest;

#[test]
fn unknown_and_missing_targets() {
    let h = Harness::new();
    let r = h.call("NoSuchOperation", json!({}));
    assert_eq!((r.status, r.error_type()), (400, "UnknownOperationException"));
    let mut req = Harness::request("GetId", &json!({}));
    req.headers.retain(|(k, _)| k != "x-amz-target");
    assert_eq!(h.send(req).error_type(), "UnknownOperationException");
}

#[test]
fn legacy_target_is_accepted() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let mut req = Harness::request("GetId", &json!({"IdentityPoolId": pool}));
    req.headers[2].1 = "com.amazonaws.cognito.identity.model.AWSCognitoIdentityService.GetId".into();
    assert_eq!(h.send(req).status, 200);
}

#[test]
fn malformed_bodies_are_serialization_errors() {
    let h = Harness::new();
    for body in [&b"{"[..], b"[1]", b"nul", b"{\"IdentityPoolId\": 5}", b"{\"Logins\": [\"x\"]}"] {
        let mut req = Harness::request("GetId", &json!({}));
        req.body = body.to_vec();
        let r = h.send(req);
        assert_eq!((r.status, r.error_type()), (400, "SerializationException"), "{:?}", String::from_utf8_lossy(body));
    }
}

#[test]
fn oversized_bodies_and_tokens_are_refused() {
    let h = Harness::new();
    let mut req = Harness::request("GetId", &json!({}));
    req.body = vec![b' '; (1 << 20) + 1];
    assert_eq!(h.send(req).error_type(), "ValidationException");
    let token = "t".repeat(50_001);
    let r = h.call("GetId", json!({"IdentityPoolId": "us-east-1:0000", "Logins": {"accounts.google.com": token}}));
    assert_eq!(r.error_type(), "ValidationException");
    assert!(!r.message().contains("ttttt"), "tokens are never echoed");
}

#[test]
fn validation_errors_list_every_violation() {
    let h = Harness::new();
    let r = h.admin("ListIdentityPools", json!({"MaxResults": 61, "NextToken": "a b"}));
    assert_eq!(r.error_type(), "ValidationException");
    assert!(r.message().starts_with("2 validation errors detected: "), "{}", r.message());
    let r = h.call("GetId", json!({"IdentityPoolId": "not-an-id"}));
    assert_eq!(
        r.message(),
        "1 validation error detected: Value 'not-an-id' at 'identityPoolId' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"
    );
    let r = h.call("GetCredentialsForIdentity", json!({}));
    assert!(r.message().contains("Value null at 'identityId' failed to satisfy constraint: Member must not be null"));
}

#[test]
fn every_response_has_date_request_id_and_cors() {
    let h = Harness::new();
    for r in [h.call("GetId", json!({})), h.admin("ListIdentityPools", json!({"MaxResults": 1}))] {
        let names: Vec<&str> = r.headers.iter().map(|(k, _)| k.as_str()).collect();
        for needed in ["date", "x-amzn-requestid", "access-control-allow-origin", "access-control-expose-headers"] {
            assert!(names.contains(&needed), "{needed} missing from {names:?}");
        }
    }
    let preflight = h.send(HttpRequest { method: "OPTIONS".into(), path: "/".into(), ..Default::default() });
    assert_eq!(preflight.status, 204);
}

#[test]
fn discovery_and_jwks_are_served() {
    let h = Harness::new();
    let get = |path: &str| h.send(HttpRequest { method: "GET".into(), path: path.into(), ..Default::default() });
    let doc = get("/.well-known/openid-configuration");
    assert_eq!(doc.body["issuer"], "https://id.example.com");
    let jwks = get("/.well-known/jwks.json");
    assert_eq!(jwks.body["keys"][0]["kid"], "test-key");
    assert_eq!(get("/nope").status, 404);
}

#[test]
fn no_input_makes_a_500_or_a_panic() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let ops = [
        "GetId",
        "GetCredentialsForIdentity",
        "GetOpenIdToken",
        "CreateIdentityPool",
        "DescribeIdentityPool",
        "UpdateIdentityPool",
        "DeleteIdentityPool",
        "ListIdentityPools",
        "SetIdentityPoolRoles",
        "GetIdentityPoolRoles",
        "DescribeIdentity",
        "ListIdentities",
        "DeleteIdentities",
        "ImportIdentityPool",
    ];
    let values = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1e300),
        json!(""),
        json!("x".repeat(70_000)),
        json!([]),
        json!({}),
        json!(pool),
        json!("us-east-1:ffffffff-ffff-8fff-bfff-ffffffffffff"),
        json!({"a": "b"}),
    ];
    let fields = [
        "IdentityPoolId",
        "IdentityId",
        "Logins",
        "MaxResults",
        "NextToken",
        "IdentityPoolName",
        "AllowUnauthenticatedIdentities",
        "Roles",
        "RoleMappings",
        "IdentityIdsToDelete",
        "SupportedLoginProviders",
        "CognitoIdentityProviders",
        "OpenIdConnectProviderARNs",
    ];
    for op in ops {
        for field in fields {
            for value in &values {
                let body = json!({ field: value, "IdentityPoolName": "n", "AllowUnauthenticatedIdentities": true });
                for r in [h.call(op, body.clone()), h.admin(op, body)] {
                    assert!(r.status == 200 || r.status == 400, "{op} {field}={value}: {} {}", r.status, r.body);
                    if r.status == 400 {
                        assert!(!r.error_type().is_empty());
                    }
                }
            }
        }
    }
}

#[cfg(feature = "insecure-test-routes")]
#[test]
fn the_test_route_verifies_with_the_platform_verifier() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use p256::ecdsa::signature::Signer as _;
    let h = Harness::new();
    let key = p256::ecdsa::SigningKey::from_slice(&[3; 32]).unwrap();
    let sig: p256::ecdsa::Signature = key.sign(b"hello");
    let jwk: serde_json::Value =
        serde_json::from_str(&p256::PublicKey::from(key.verifying_key()).to_jwk_string()).unwrap();
    let body = json!({"jwk": jwk, "message": URL_SAFE_NO_PAD.encode(b"hello"), "signature": URL_SAFE_NO_PAD.encode(sig.to_bytes())});
    let post = |h: &Harness, body: &serde_json::Value| {
        h.send(HttpRequest {
            method: "POST".into(),
            path: "/.cognate/insecure/verify".into(),
            body: body.to_string().into_bytes(),
            ..Default::default()
        })
    };
    assert_eq!(post(&h, &body).body, json!({"usable": true, "valid": true}));
    let mut wrong = body.clone();
    wrong["message"] = json!(URL_SAFE_NO_PAD.encode(b"hellp"));
    assert_eq!(post(&h, &wrong).body["valid"], false);
}
