//! Admin operations: SigV4, pools, roles and identities.

use serde_json::json;

use super::{Harness, ADMIN_ID, ADMIN_SECRET, GUEST_ROLE};

#[test]
fn admin_operations_need_a_valid_signature() {
    let h = Harness::new();
    let body = json!({"MaxResults": 10});
    let r = h.call("ListIdentityPools", body.clone());
    assert_eq!((r.status, r.error_type()), (400, "MissingAuthenticationTokenException"));
    let r = h.send(h.sign(Harness::request("ListIdentityPools", &body), ADMIN_ID, "wrong-secret-wrong-secret", None));
    assert_eq!(r.error_type(), "InvalidSignatureException");
    let r = h.send(h.sign(Harness::request("ListIdentityPools", &body), "AKIAUNKNOWNUNKNOWN00", ADMIN_SECRET, None));
    assert_eq!(r.error_type(), "UnrecognizedClientException");
    let mut tampered = h.sign(Harness::request("ListIdentityPools", &body), ADMIN_ID, ADMIN_SECRET, None);
    tampered.body = json!({"MaxResults": 60}).to_string().into_bytes();
    assert_eq!(h.send(tampered).error_type(), "InvalidSignatureException");
    let mut broken = Harness::request("ListIdentityPools", &body);
    broken.headers.push(("authorization".into(), "AWS4-HMAC-SHA256 Credential=x".into()));
    assert_eq!(h.send(broken).error_type(), "IncompleteSignatureException");
}

#[test]
fn stale_signatures_are_refused() {
    let h = Harness::new();
    let signed = h.sign(Harness::request("ListIdentityPools", &json!({"MaxResults": 1})), ADMIN_ID, ADMIN_SECRET, None);
    h.clock.advance(15 * 60);
    assert_eq!(h.send(signed.clone()).status, 200);
    h.clock.advance(60);
    let r = h.send(signed);
    assert_eq!(r.error_type(), "InvalidSignatureException");
    assert!(r.message().starts_with("Signature expired: "), "{}", r.message());
}

#[test]
fn pools_are_created_described_updated_listed_and_deleted() {
    let h = Harness::new();
    let created = Harness::ok(h.admin(
        "CreateIdentityPool",
        json!({
            "IdentityPoolName": "app pool",
            "AllowUnauthenticatedIdentities": false,
            "AllowClassicFlow": true,
            "SupportedLoginProviders": {"accounts.google.com": "client-1.apps.googleusercontent.com"},
            "DeveloperProviderName": "login.myapp",
            "IdentityPoolTags": {"team": "web"}
        }),
    ));
    let id = created["IdentityPoolId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("us-east-1:"));
    assert_eq!(created["DeveloperProviderName"], "login.myapp");
    assert_eq!(created["IdentityPoolTags"], json!({"team": "web"}));
    let described = Harness::ok(h.admin("DescribeIdentityPool", json!({"IdentityPoolId": id})));
    assert_eq!(described, created);

    let updated = Harness::ok(h.admin(
        "UpdateIdentityPool",
        json!({"IdentityPoolId": id, "IdentityPoolName": "renamed", "AllowUnauthenticatedIdentities": true}),
    ));
    assert_eq!(
        updated,
        json!({"IdentityPoolId": id, "IdentityPoolName": "renamed", "AllowUnauthenticatedIdentities": true,
               "DeveloperProviderName": "login.myapp", "IdentityPoolTags": {"team": "web"}}),
        "an update that names no tags keeps them, and the developer provider is fixed once set"
    );
    let r = h.admin(
        "UpdateIdentityPool",
        json!({"IdentityPoolId": id, "IdentityPoolName": "renamed", "AllowUnauthenticatedIdentities": true,
               "DeveloperProviderName": "login.other"}),
    );
    assert_eq!(
        (r.error_type(), r.message()),
        ("InvalidParameterException", "DeveloperProviderName cannot be changed once it has been set.")
    );

    for i in 0..3 {
        h.admin(
            "CreateIdentityPool",
            json!({"IdentityPoolName": format!("p{i}"), "AllowUnauthenticatedIdentities": true}),
        );
    }
    let page = Harness::ok(h.admin("ListIdentityPools", json!({"MaxResults": 3})));
    assert_eq!(page["IdentityPools"].as_array().unwrap().len(), 3);
    let rest = Harness::ok(h.admin("ListIdentityPools", json!({"MaxResults": 3, "NextToken": page["NextToken"]})));
    assert_eq!(rest["IdentityPools"].as_array().unwrap().len(), 1);
    assert!(rest.get("NextToken").is_none());
    let all: Vec<_> = [page, rest].iter().flat_map(|p| p["IdentityPools"].as_array().unwrap().clone()).collect();
    assert!(all.contains(&json!({"IdentityPoolId": id, "IdentityPoolName": "renamed"})));
    let r = h.admin("ListIdentityPools", json!({"MaxResults": 3, "NextToken": "bogus"}));
    assert_eq!(r.error_type(), "InvalidParameterException");

    Harness::ok(h.admin("DeleteIdentityPool", json!({"IdentityPoolId": id})));
    let r = h.admin("DescribeIdentityPool", json!({"IdentityPoolId": id}));
    assert_eq!(
        (r.error_type(), r.message()),
        ("ResourceNotFoundException", format!("IdentityPool '{id}' not found.").as_str())
    );
    assert_eq!(h.admin("DeleteIdentityPool", json!({"IdentityPoolId": id})).error_type(), "ResourceNotFoundException");
    let r = h.admin(
        "UpdateIdentityPool",
        json!({"IdentityPoolId": id, "IdentityPoolName": "x", "AllowUnauthenticatedIdentities": true}),
    );
    assert_eq!(r.error_type(), "ResourceNotFoundException");
}

#[test]
fn pool_settings_are_checked() {
    let h = Harness::new();
    let r =
        h.admin("CreateIdentityPool", json!({"IdentityPoolName": "bad/name", "AllowUnauthenticatedIdentities": true}));
    assert_eq!(r.error_type(), "ValidationException");
    let r = h.admin("CreateIdentityPool", json!({"IdentityPoolName": "p"}));
    assert!(r.message().contains("allowUnauthenticatedIdentities"));
    let r = h.admin(
        "CreateIdentityPool",
        json!({"IdentityPoolName": "p", "AllowUnauthenticatedIdentities": true,
               "OpenIdConnectProviderARNs": ["arn:aws:iam::123456789012:oidc-provider/login.example.com"]}),
    );
    assert_eq!(r.error_type(), "InvalidParameterException");
    let r = h.admin(
        "CreateIdentityPool",
        json!({"IdentityPoolName": "p", "AllowUnauthenticatedIdentities": true,
               "CognitoIdentityProviders": [{"ProviderName": "cognito-idp.us-east-1.amazonaws.com/us-east-1_x", "ClientId": "c", "ServerSideTokenCheck": true}]}),
    );
    assert_eq!(r.error_type(), "InvalidParameterException");
}

#[test]
fn roles_are_set_and_read_back() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let mappings = json!({"accounts.google.com": {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
        "RulesConfiguration": {"Rules": [{"Claim": "hd", "MatchType": "Equals", "Value": "example.com", "RoleARN": GUEST_ROLE}]}}});
    Harness::ok(h.admin("SetIdentityPoolRoles", json!({"IdentityPoolId": pool, "Roles": {"unauthenticated": GUEST_ROLE, "authenticated": GUEST_ROLE}, "RoleMappings": mappings})));
    let roles = Harness::ok(h.admin("GetIdentityPoolRoles", json!({"IdentityPoolId": pool})));
    assert_eq!(roles["Roles"]["authenticated"], GUEST_ROLE);
    assert_eq!(roles["RoleMappings"], mappings);
    let r = h.admin("SetIdentityPoolRoles", json!({"IdentityPoolId": pool, "Roles": {"admin": GUEST_ROLE}}));
    assert_eq!(r.error_type(), "ValidationException");
    let r = h.admin(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": "us-east-1:00000000-0000-4000-8000-000000000000", "Roles": {}}),
    );
    assert_eq!(r.error_type(), "ResourceNotFoundException");
}

#[test]
fn identities_are_described_listed_and_deleted() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let ids: Vec<String> = (0..5).map(|_| h.guest(&pool)).collect();
    let d = Harness::ok(h.admin("DescribeIdentity", json!({"IdentityId": ids[0]})));
    assert_eq!(d["Logins"], json!([]));
    assert_eq!(d["CreationDate"], json!(1_800_000_000u64));
    let page = Harness::ok(h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 3})));
    assert_eq!(page["Identities"].as_array().unwrap().len(), 3);
    let rest = Harness::ok(
        h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 3, "NextToken": page["NextToken"]})),
    );
    let mut listed: Vec<String> = [&page, &rest]
        .iter()
        .flat_map(|p| p["Identities"].as_array().unwrap().iter().map(|i| i["IdentityId"].as_str().unwrap().to_owned()))
        .collect();
    listed.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(listed, expected);

    let r = Harness::ok(h.admin(
        "DeleteIdentities",
        json!({"IdentityIdsToDelete": [ids[0], ids[1], "us-east-1:00000000-0000-4000-8000-000000000000"]}),
    ));
    assert_eq!(r["UnprocessedIdentityIds"], json!([]));
    let r = h.admin("DescribeIdentity", json!({"IdentityId": ids[0]}));
    assert_eq!(r.message(), format!("Identity '{}' not found.", ids[0]));
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": ids[1]}));
    assert_eq!(r.error_type(), "ResourceNotFoundException");
    let left = Harness::ok(h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 60})));
    assert_eq!(left["Identities"].as_array().unwrap().len(), 3);
    let r = h.admin("DeleteIdentities", json!({"IdentityIdsToDelete": []}));
    assert_eq!(r.error_type(), "ValidationException");
    let r = h.admin(
        "ListIdentities",
        json!({"IdentityPoolId": "us-east-1:00000000-0000-4000-8000-000000000000", "MaxResults": 5}),
    );
    assert_eq!(r.error_type(), "ResourceNotFoundException");
}

#[test]
fn deleting_a_pool_removes_its_identities_from_the_store() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let guest = h.guest(&pool);
    Harness::ok(h.admin("DeleteIdentityPool", json!({"IdentityPoolId": pool})));
    h.settle();
    assert!(h.store.dump().is_empty(), "left behind: {:?}", h.store.dump());
    assert_eq!(h.call("GetOpenIdToken", json!({"IdentityId": guest})).error_type(), "ResourceNotFoundException");
}

#[test]
fn import_keeps_the_given_id_once() {
    let h = Harness::new();
    let id = "us-east-1:0c09a7e0-de70-4000-8000-000000000001";
    let body = json!({"IdentityPoolId": id, "IdentityPoolName": "moved", "AllowUnauthenticatedIdentities": true});
    assert_eq!(Harness::ok(h.admin("ImportIdentityPool", body.clone()))["IdentityPoolId"], id);
    assert_eq!(h.admin("ImportIdentityPool", body).error_type(), "ResourceConflictException");
    for bad in [
        "eu-west-1:0c09a7e0-de70-4000-8000-000000000001",
        "us-east-1:0c09a7e0",
        "us-east-1:0c09a7e0de7040008000000000000001",
    ] {
        let r = h.admin(
            "ImportIdentityPool",
            json!({"IdentityPoolId": bad, "IdentityPoolName": "m", "AllowUnauthenticatedIdentities": true}),
        );
        assert_eq!(r.error_type(), "InvalidParameterException", "{bad}");
    }
    assert_eq!(h.call("ImportIdentityPool", json!({})).error_type(), "MissingAuthenticationTokenException");
}
