//! Developer-authenticated identities through the whole service: tokens for
//! an app's own users, the token signing in as `cognito-identity.amazonaws.com`,
//! lookups, merges and unlinks, and developer user ids never stored in the clear.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::signin::IDP;
use super::{Harness, Reply, GUEST_ROLE};
use crate::core::principal::{authenticate, Principal};

const DEV: &str = "login.myapp";
const USER_ROLE: &str = "arn:aws:iam::000000000000:role/dev-user";
const COGNITO: &str = "cognito-identity.amazonaws.com";

impl Harness {
    fn developer_pool(&self) -> String {
        self.pool_with(
            json!({"IdentityPoolName": "dev", "AllowUnauthenticatedIdentities": true, "DeveloperProviderName": DEV,
                   "SupportedLoginProviders": {IDP: "app"}}),
            json!({"unauthenticated": GUEST_ROLE, "authenticated": USER_ROLE}),
        )
    }

    fn dev_token(&self, pool: &str, body: Value) -> Reply {
        let mut body = body;
        body["IdentityPoolId"] = pool.into();
        self.admin("GetOpenIdTokenForDeveloperIdentity", body)
    }

    fn dev_id(&self, pool: &str, user: &str) -> (String, String) {
        let r = Harness::ok(self.dev_token(pool, json!({"Logins": {DEV: user}})));
        (r["IdentityId"].as_str().unwrap().to_owned(), r["Token"].as_str().unwrap().to_owned())
    }
}

fn claims_of(token: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

#[test]
fn a_developer_user_gets_one_identity_and_a_token_for_it() {
    let h = Harness::new();
    let pool = h.developer_pool();
    let (id, token) = h.dev_id(&pool, "user-1");
    assert_eq!(h.dev_id(&pool, "user-1").0, id, "the same user, the same identity");
    assert_ne!(h.dev_id(&pool, "user-2").0, id);
    let c = claims_of(&token);
    assert_eq!(
        (c["iss"].as_str(), c["aud"].as_str(), c["sub"].as_str()),
        (Some("https://id.example.com"), Some(pool.as_str()), Some(id.as_str()))
    );
    assert_eq!(c["amr"][0], "authenticated");
    assert_eq!(c["amr"][1], DEV);
    assert!(!c.to_string().contains("user-1"), "the user id is not in the token");
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 900);
    let r = Harness::ok(h.dev_token(
        &pool,
        json!({"Logins": {DEV: "user-1"}, "TokenDuration": 86400,
                                                   "PrincipalTags": {"team": "blue"}}),
    ));
    let c = claims_of(r["Token"].as_str().unwrap());
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 86400);
    assert_eq!(c["https://aws.amazon.com/tags"], json!({"principal_tags": {"team": ["blue"]}}));
    // Developer user ids never rest in the clear.
    assert!(!h.store.dump().iter().any(|(k, v, m)| (k.clone() + v + m.as_deref().unwrap_or("")).contains("user-1")));
}

#[test]
fn the_developer_token_signs_in_as_cognito_identity() {
    let h = Harness::new();
    let pool = h.developer_pool();
    let r = Harness::ok(h.dev_token(&pool, json!({"Logins": {DEV: "user-1"}, "PrincipalTags": {"team": "blue"}})));
    let (id, token) = (r["IdentityId"].as_str().unwrap().to_owned(), r["Token"].as_str().unwrap().to_owned());
    let creds = Harness::ok(h.call("GetCredentialsForIdentity", json!({"IdentityId": id, "Logins": {COGNITO: token}})));
    assert_eq!(creds["IdentityId"], id);
    let c = &creds["Credentials"];
    let request = h.sign_for(
        Harness::request("DescribeIdentityPool", &json!({"IdentityPoolId": pool})),
        c["AccessKeyId"].as_str().unwrap(),
        c["SecretKey"].as_str().unwrap(),
        c["SessionToken"].as_str(),
        "cognito-identity",
    );
    let Principal::Vended(session) =
        authenticate(&request.as_signed(), &h.secrets, "us-east-1", "cognito-identity", 1_800_000_000).unwrap()
    else {
        panic!("not vended")
    };
    assert_eq!(session.role_arn, USER_ROLE);
    assert_eq!(session.tags.get("team").map(String::as_str), Some("blue"), "the token's tags become session tags");
    assert_eq!(
        Harness::ok(h.call("GetId", json!({"IdentityPoolId": pool, "Logins": {COGNITO: token}})))["IdentityId"],
        id
    );
    // Under the issuer's own host too.
    let r = h.call("GetOpenIdToken", json!({"IdentityId": id, "Logins": {"id.example.com": token}}));
    assert_eq!(r.status, 200, "{}", r.body);
    // For its own identity and pool only, within its lifetime, and never a guest's token.
    let (other, _) = h.dev_id(&pool, "user-2");
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": other, "Logins": {COGNITO: token}}));
    assert_eq!(r.error_type(), "NotAuthorizedException");
    let elsewhere = h.developer_pool();
    let r = h.call("GetId", json!({"IdentityPoolId": elsewhere, "Logins": {COGNITO: token}}));
    assert_eq!(r.error_type(), "NotAuthorizedException");
    let guest = h.guest(&pool);
    let guest_token =
        Harness::ok(h.call("GetOpenIdToken", json!({"IdentityId": guest})))["Token"].as_str().unwrap().to_owned();
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest, "Logins": {COGNITO: guest_token}}));
    assert_eq!(r.error_type(), "NotAuthorizedException", "a guest's token signs nobody in");
    let mut forged = token.clone().into_bytes();
    let at = token.rfind('.').unwrap() + 3;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let r = h.call("GetId", json!({"IdentityPoolId": pool, "Logins": {COGNITO: String::from_utf8(forged).unwrap()}}));
    assert_eq!(r.error_type(), "NotAuthorizedException");
    h.clock.advance(901);
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": id, "Logins": {COGNITO: token}}));
    assert_eq!(r.error_type(), "NotAuthorizedException", "expired");
}

#[test]
fn a_developer_user_links_to_the_identity_named_unless_registered_elsewhere() {
    let h = Harness::new();
    let pool = h.developer_pool();
    let guest = h.guest(&pool);
    let r = Harness::ok(h.dev_token(&pool, json!({"IdentityId": guest, "Logins": {DEV: "user-1"}})));
    assert_eq!(r["IdentityId"], guest, "a guest becomes the developer user's identity");
    let elsewhere = h.guest(&pool);
    let r = h.dev_token(&pool, json!({"IdentityId": elsewhere, "Logins": {DEV: "user-1"}}));
    assert_eq!(r.error_type(), "DeveloperUserAlreadyRegisteredException");
    // Another provider's login in the same call is verified and linked.
    let token = h.token("alice");
    let r = Harness::ok(h.dev_token(&pool, json!({"Logins": {DEV: "user-3", IDP: token}})));
    let linked = Harness::ok(h.admin("DescribeIdentity", json!({"IdentityId": r["IdentityId"]})));
    assert_eq!(linked["Logins"], json!([IDP, DEV]));
    // An authenticated identity takes a developer user only with one of its own logins.
    let r = h.dev_token(&pool, json!({"IdentityId": guest, "Logins": {DEV: "user-4"}}));
    assert_eq!(r.error_type(), "NotAuthorizedException");
    let r = h.dev_token(&pool, json!({"Logins": {"login.other": "user-1"}}));
    assert_eq!(r.error_type(), "NotAuthorizedException", "not the pool's developer provider");
    let r = h.dev_token(&pool, json!({"Logins": {DEV: "user-1"}, "TokenDuration": 86401}));
    assert_eq!(r.error_type(), "ValidationException");
}

#[test]
fn lookup_merge_and_unlink() {
    let h = Harness::new();
    let pool = h.developer_pool();
    let (a, _) = h.dev_id(&pool, "alice@example.com");
    let (b, _) = h.dev_id(&pool, "bob@example.com");
    let lookup = |body: Value| {
        let mut body = body;
        body["IdentityPoolId"] = pool.clone().into();
        h.admin("LookupDeveloperIdentity", body)
    };
    let r = Harness::ok(lookup(json!({"DeveloperUserIdentifier": "alice@example.com"})));
    assert_eq!(r, json!({"IdentityId": a, "DeveloperUserIdentifierList": ["alice@example.com"]}));
    assert_eq!(
        Harness::ok(lookup(json!({"IdentityId": b})))["DeveloperUserIdentifierList"],
        json!(["bob@example.com"])
    );
    assert_eq!(
        lookup(json!({"IdentityId": b, "DeveloperUserIdentifier": "alice@example.com"})).error_type(),
        "ResourceConflictException"
    );
    assert_eq!(lookup(json!({})).error_type(), "InvalidParameterException");
    assert_eq!(lookup(json!({"DeveloperUserIdentifier": "carol"})).error_type(), "ResourceNotFoundException");

    let merge = |source: &str, destination: &str, provider: &str| {
        h.admin(
            "MergeDeveloperIdentities",
            json!({"SourceUserIdentifier": source, "DestinationUserIdentifier": destination,
                   "DeveloperProviderName": provider, "IdentityPoolId": pool}),
        )
    };
    assert_eq!(merge("bob@example.com", "alice@example.com", "login.other").error_type(), "NotAuthorizedException");
    assert_eq!(merge("carol", "alice@example.com", DEV).error_type(), "ResourceNotFoundException");
    assert_eq!(Harness::ok(merge("bob@example.com", "alice@example.com", DEV))["IdentityId"], a);
    let r = Harness::ok(lookup(json!({"IdentityId": a, "MaxResults": 1})));
    assert_eq!(r["DeveloperUserIdentifierList"], json!(["alice@example.com"]));
    let next = Harness::ok(lookup(json!({"IdentityId": a, "MaxResults": 1, "NextToken": r["NextToken"]})));
    assert_eq!(next["DeveloperUserIdentifierList"], json!(["bob@example.com"]));
    assert!(next.get("NextToken").is_none());
    assert_eq!(Harness::ok(lookup(json!({"DeveloperUserIdentifier": "bob@example.com"})))["IdentityId"], a);
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": b}));
    assert_eq!(r.message(), format!("Identity '{b}' is disabled."), "the source identity is disabled");

    let unlink = |id: &str, user: &str| {
        h.admin(
            "UnlinkDeveloperIdentity",
            json!({"IdentityId": id, "IdentityPoolId": pool, "DeveloperProviderName": DEV, "DeveloperUserIdentifier": user}),
        )
    };
    Harness::ok(unlink(&a, "alice@example.com"));
    assert_eq!(
        Harness::ok(lookup(json!({"IdentityId": a})))["DeveloperUserIdentifierList"],
        json!(["bob@example.com"])
    );
    assert_eq!(unlink(&a, "alice@example.com").error_type(), "ResourceConflictException");
    assert_ne!(h.dev_id(&pool, "alice@example.com").0, a, "an unlinked user gets a new identity");
}

#[test]
fn developer_operations_are_admin_only() {
    let h = Harness::new();
    let pool = h.developer_pool();
    for op in [
        "GetOpenIdTokenForDeveloperIdentity",
        "LookupDeveloperIdentity",
        "MergeDeveloperIdentities",
        "UnlinkDeveloperIdentity",
    ] {
        let r = h.call(op, json!({"IdentityPoolId": pool}));
        assert_eq!(r.error_type(), "MissingAuthenticationTokenException", "{op}");
    }
}
