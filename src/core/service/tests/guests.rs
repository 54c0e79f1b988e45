//! Guest identities, their credentials and tokens; what vended credentials
//! may and may not do; and correctness while the store lags.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::{Harness, GUEST_ROLE};
use crate::core::ids::RouteTag;
use crate::core::principal::{authenticate, Principal};

#[test]
fn a_guest_gets_a_tagged_id_credentials_and_a_token() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let a = h.guest(&pool);
    let b = h.guest(&pool);
    assert_ne!(a, b, "GetId without Logins makes a new identity each call");
    let tag = RouteTag::of_pool(&h.secrets.route_key, &pool);
    assert_eq!(RouteTag::of_identity(&a), Some(tag));

    let r = Harness::ok(h.call("GetCredentialsForIdentity", json!({"IdentityId": a})));
    assert_eq!(r["IdentityId"], a);
    let c = &r["Credentials"];
    assert!(c["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(c["Expiration"], json!(1_800_000_000u64 + 3600));
    assert!(c["SecretKey"].as_str().unwrap().len() >= 40);

    let t = Harness::ok(h.call("GetOpenIdToken", json!({"IdentityId": a})));
    let token = t["Token"].as_str().unwrap();
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["iss"], "https://id.example.com");
    assert_eq!(claims["aud"], pool);
    assert_eq!(claims["sub"], a);
    assert_eq!(claims["amr"], json!(["unauthenticated"]));
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 600);
}

#[test]
fn cognitos_messages_for_guests() {
    let h = Harness::new();
    let missing_pool = "us-east-1:00000000-0000-4000-8000-000000000000";
    let r = h.call("GetId", json!({"IdentityPoolId": missing_pool}));
    assert_eq!(
        (r.error_type(), r.message()),
        ("ResourceNotFoundException", format!("IdentityPool '{missing_pool}' not found.").as_str())
    );

    let closed = Harness::ok(
        h.admin("CreateIdentityPool", json!({"IdentityPoolName": "closed", "AllowUnauthenticatedIdentities": false})),
    );
    let r = h.call("GetId", json!({"IdentityPoolId": closed["IdentityPoolId"]}));
    assert_eq!(
        (r.error_type(), r.message()),
        ("NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")
    );

    let missing_identity = "us-east-1:00000000-0000-8000-8000-000000000000";
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": missing_identity}));
    assert_eq!(r.message(), format!("Identity '{missing_identity}' not found."));

    let no_roles = Harness::ok(
        h.admin("CreateIdentityPool", json!({"IdentityPoolName": "open", "AllowUnauthenticatedIdentities": true})),
    );
    let guest = h.guest(no_roles["IdentityPoolId"].as_str().unwrap());
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
    assert_eq!(r.error_type(), "InvalidIdentityPoolConfigurationException");
    assert!(r.message().starts_with("Invalid identity pool configuration. Check assigned IAM roles for this pool."));
    assert!(r.message().contains("No unauthenticated role"));
    assert_eq!(h.call("GetOpenIdToken", json!({"IdentityId": guest})).status, 200, "tokens need no role");
}

#[test]
fn closing_a_pool_to_guests_stops_existing_guests() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let guest = h.guest(&pool);
    Harness::ok(h.admin(
        "UpdateIdentityPool",
        json!({"IdentityPoolId": pool, "IdentityPoolName": "x", "AllowUnauthenticatedIdentities": false}),
    ));
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
    assert_eq!(r.message(), "Unauthenticated access is not supported for this identity pool.");
}

#[test]
fn logins_of_providers_the_pool_does_not_trust_are_refused() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let guest = h.guest(&pool);
    let logins = json!({"accounts.google.com": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."});
    let r = h.call("GetId", json!({"IdentityPoolId": pool, "Logins": logins}));
    assert_eq!(
        (r.error_type(), r.message()),
        ("NotAuthorizedException", "Token is not from a supported provider of this identity pool.")
    );
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest, "Logins": logins}));
    assert_eq!(r.error_type(), "NotAuthorizedException");
}

fn vended(h: &Harness) -> (String, String, String, String) {
    let pool = h.guest_pool();
    let guest = h.guest(&pool);
    let c = Harness::ok(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})))["Credentials"].clone();
    let s = |k: &str| c[k].as_str().unwrap().to_owned();
    (pool, s("AccessKeyId"), s("SecretKey"), s("SessionToken"))
}

#[test]
fn vended_credentials_sign_as_the_guest_but_never_as_admin() {
    let h = Harness::new();
    let (pool, akid, secret, token) = vended(&h);
    let request =
        h.sign(Harness::request("DeleteIdentityPool", &json!({"IdentityPoolId": pool})), &akid, &secret, Some(&token));
    // The verifier knows who signed...
    let principal =
        authenticate(&request.as_signed(), &h.secrets, "us-east-1", "cognito-identity", 1_800_000_000).unwrap();
    let Principal::Vended(claims) = principal else { panic!("not vended: {principal:?}") };
    assert_eq!(claims.role_arn, GUEST_ROLE);
    assert_eq!(claims.pool_id, pool);
    // ...and refuses it for admin operations: the pool survives.
    let r = h.send(request);
    assert_eq!(r.error_type(), "NotAuthorizedException");
    assert_eq!(h.admin("DescribeIdentityPool", json!({"IdentityPoolId": pool})).status, 200);
}

#[test]
fn what_a_request_shows_is_not_enough_to_sign() {
    let h = Harness::new();
    let (pool, akid, secret, token) = vended(&h);
    let body = json!({"IdentityPoolId": pool});
    // An observer has the access key id and the session token, not the secret.
    for guess in [String::new(), token.clone(), akid.clone(), format!("{secret}x"), "A".repeat(43)] {
        let r = h.send(h.sign(Harness::request("DescribeIdentityPool", &body), &akid, &guess, Some(&token)));
        assert_eq!(r.error_type(), "InvalidSignatureException", "guess {guess:.8}");
    }
    // Another guest's token cannot be paired with this key id.
    let (_, other_akid, other_secret, _) = vended(&h);
    let r = h.send(h.sign(Harness::request("DescribeIdentityPool", &body), &other_akid, &other_secret, Some(&token)));
    assert_eq!(r.error_type(), "UnrecognizedClientException");
    // A tampered token does not open.
    let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let forged = URL_SAFE_NO_PAD.encode(bytes);
    let r = h.send(h.sign(Harness::request("DescribeIdentityPool", &body), &akid, &secret, Some(&forged)));
    assert_eq!(r.error_type(), "UnrecognizedClientException");
}

#[test]
fn expired_credentials_are_refused() {
    let h = Harness::new();
    let (pool, akid, secret, token) = vended(&h);
    h.clock.advance(3601);
    let r = h.send(h.sign(
        Harness::request("DescribeIdentityPool", &json!({"IdentityPoolId": pool})),
        &akid,
        &secret,
        Some(&token),
    ));
    assert_eq!(r.error_type(), "ExpiredTokenException");
}

#[test]
fn a_lagging_store_does_not_break_correctness() {
    let h = Harness::new();
    h.store.set_lag(60);
    // Nothing written is visible in the store for a minute; the pool
    // authority answers the misses.
    let pool = h.guest_pool();
    let guest = h.guest(&pool);
    assert_eq!(Harness::ok(h.admin("DescribeIdentityPool", json!({"IdentityPoolId": pool})))["IdentityPoolId"], pool);
    assert_eq!(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})).status, 200);
    assert_eq!(h.call("GetOpenIdToken", json!({"IdentityId": guest})).status, 200);
    assert_eq!(h.admin("DescribeIdentity", json!({"IdentityId": guest})).status, 200);
    // Deletion is decided by the authority even while the store still has the identity.
    h.store.set_lag(0);
    h.store.set_lag(60);
    Harness::ok(h.admin("DeleteIdentities", json!({"IdentityIdsToDelete": [guest]})));
    h.clock.advance(61);
    assert_eq!(h.call("GetOpenIdToken", json!({"IdentityId": guest})).error_type(), "ResourceNotFoundException");
}

#[test]
fn a_failed_write_through_is_carried_later() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let guest = h.guest(&pool);
    h.store.fail_next_writes(1);
    Harness::ok(h.admin("DeleteIdentities", json!({"IdentityIdsToDelete": [guest]})));
    let tombstone = format!("identity/{guest}");
    assert!(!h.store.dump().iter().any(|(k, _, _)| *k == tombstone), "the write-through failed");
    // This isolate knows at once; others once the store has the tombstone.
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
    assert_eq!(r.error_type(), "ResourceNotFoundException");
    // The next change carries the queued writes through, in order.
    Harness::ok(h.admin("DeleteIdentities", json!({"IdentityIdsToDelete": [h.guest(&pool)]})));
    assert!(h.store.dump().iter().any(|(k, v, _)| *k == tombstone && v.contains("\"deleted\":true")));
}

#[test]
fn whoami_answers_for_vended_credentials_only() {
    let h = Harness::new();
    let (pool, akid, secret, token) = vended(&h);
    let get = || crate::core::protocol::HttpRequest {
        method: "GET".into(),
        path: "/whoami".into(),
        headers: vec![("host".into(), "127.0.0.1:8787".into())],
        ..Default::default()
    };
    let sign =
        |req, key: &str, secret: &str, token: Option<&str>, service: &str| h.sign_for(req, key, secret, token, service);
    let r = h.send(sign(get(), &akid, &secret, Some(&token), "cognate"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["IdentityPoolId"], pool);
    assert_eq!(r.body["RoleArn"], GUEST_ROLE);
    assert_eq!(r.body["Amr"], json!(["unauthenticated"]));
    assert!(r.headers.iter().any(|(k, v)| k == "cache-control" && v == "no-store"));
    assert_eq!(h.send(get()).error_type(), "MissingAuthenticationTokenException");
    let r = h.send(sign(get(), &akid, &secret, Some(&token), "cognito-identity"));
    assert_eq!(r.error_type(), "InvalidSignatureException", "scoped to another service");
    let r = h.send(sign(get(), &akid, "not-the-secret-not-the-secret", Some(&token), "cognate"));
    assert_eq!(r.error_type(), "InvalidSignatureException");
    let r = h.send(sign(get(), super::ADMIN_ID, super::ADMIN_SECRET, None, "cognate"));
    assert_eq!(r.error_type(), "NotAuthorizedException");
}

#[test]
fn the_classic_flow_is_refused_only_where_it_is_explicitly_off() {
    let h = Harness::new();
    let create = |classic: Option<bool>| {
        let mut body = json!({"IdentityPoolName": "classic", "AllowUnauthenticatedIdentities": true});
        if let Some(c) = classic {
            body["AllowClassicFlow"] = c.into();
        }
        Harness::ok(h.admin("CreateIdentityPool", body))["IdentityPoolId"].as_str().unwrap().to_owned()
    };
    for (classic, allowed) in [(None, true), (Some(true), true), (Some(false), false)] {
        let guest = h.guest(&create(classic));
        let r = h.call("GetOpenIdToken", json!({"IdentityId": guest}));
        if allowed {
            assert_eq!(r.status, 200, "{classic:?}: {}", r.body);
        } else {
            assert_eq!(
                (r.error_type(), r.message()),
                ("InvalidParameterException", "Basic (classic) flow is not enabled, please use enhanced flow.")
            );
        }
    }
}
