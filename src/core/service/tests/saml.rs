//! SAML providers and SAML sign-in through the whole service, with the
//! signed fixtures of tests/saml/fixtures (made by signxml at a fixed time,
//! make_fixtures.py's NOW) and the account their Role attribute names.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use super::{Harness, Reply};
use crate::core::credentials;

/// make_fixtures.py's NOW.
const NOW: u64 = 1_700_000_000;
const ACCOUNT: &str = "123456789012";
const ARN: &str = "arn:aws:iam::123456789012:saml-provider/ExampleIdP";
const USER_ROLE: &str = "arn:aws:iam::123456789012:role/SamlUser";
const ADMIN_ROLE: &str = "arn:aws:iam::123456789012:role/SamlAdmin";
const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/authenticated";
const METADATA: &str = include_str!("../../../../tests/saml/fixtures/metadata.xml");

macro_rules! response {
    ($name:literal) => {
        STANDARD.encode(include_str!(concat!("../../../../tests/saml/fixtures/", $name, ".xml")))
    };
}

fn harness() -> Harness {
    let h = Harness::with_account(Some(ACCOUNT));
    h.clock.set(NOW);
    h
}

impl Harness {
    fn saml_provider(&self) {
        let r = Harness::ok(
            self.admin("CreateSAMLProvider", json!({"Name": "ExampleIdP", "SAMLMetadataDocument": METADATA})),
        );
        assert_eq!(r, json!({ "SAMLProviderArn": ARN }));
    }

    fn saml_pool(&self, arns: &[&str]) -> String {
        self.pool_with(
            json!({"IdentityPoolName": "saml", "AllowUnauthenticatedIdentities": false, "SamlProviderARNs": arns}),
            json!({"authenticated": AUTH_ROLE}),
        )
    }

    fn saml_id(&self, pool: &str, response: &str) -> Reply {
        self.call("GetId", json!({"IdentityPoolId": pool, "Logins": {ARN: response}}))
    }

    fn saml_creds(&self, identity: &str, response: &str, custom: Option<&str>) -> Reply {
        let mut body = json!({"IdentityId": identity, "Logins": {ARN: response}});
        if let Some(role) = custom {
            body["CustomRoleArn"] = role.into();
        }
        self.call("GetCredentialsForIdentity", body)
    }

    fn role_of(&self, reply: Reply) -> credentials::Opened {
        let body = Harness::ok(reply);
        let token = body["Credentials"]["SessionToken"].as_str().unwrap();
        credentials::open(&self.secrets.credential_keys, token).unwrap()
    }
}

fn id(reply: Reply) -> String {
    Harness::ok(reply)["IdentityId"].as_str().unwrap().to_owned()
}

#[test]
fn saml_providers_are_managed_as_iam_manages_them() {
    let h = harness();
    h.saml_provider();
    let again = h.admin("CreateSAMLProvider", json!({"Name": "ExampleIdP", "SAMLMetadataDocument": METADATA}));
    assert_eq!(again.error_type(), "ResourceConflictException");
    let got = Harness::ok(h.admin("GetSAMLProvider", json!({"SAMLProviderArn": ARN})));
    assert_eq!(got, json!({"SAMLMetadataDocument": METADATA, "CreateDate": NOW}));
    h.clock.advance(10);
    let updated = METADATA.replace("entityID=", "validUntil=\"2030-01-01T00:00:00Z\" entityID=");
    let r = h.admin("UpdateSAMLProvider", json!({"SAMLProviderArn": ARN, "SAMLMetadataDocument": updated}));
    assert_eq!(Harness::ok(r), json!({ "SAMLProviderArn": ARN }));
    let got = Harness::ok(h.admin("GetSAMLProvider", json!({"SAMLProviderArn": ARN})));
    assert_eq!((got["CreateDate"].as_u64(), got["ValidUntil"].as_u64()), (Some(NOW), Some(1_893_456_000)));
    let listed = Harness::ok(h.admin("ListSAMLProviders", json!({})));
    assert_eq!(listed, json!({"SAMLProviderList": [{"Arn": ARN, "CreateDate": NOW, "ValidUntil": 1_893_456_000u64}]}));
    Harness::ok(h.admin("DeleteSAMLProvider", json!({"SAMLProviderArn": ARN})));
    for op in ["GetSAMLProvider", "DeleteSAMLProvider"] {
        assert_eq!(h.admin(op, json!({"SAMLProviderArn": ARN})).error_type(), "NoSuchEntityException", "{op}");
    }
    let r = h.admin("UpdateSAMLProvider", json!({"SAMLProviderArn": ARN, "SAMLMetadataDocument": METADATA}));
    assert_eq!(r.error_type(), "NoSuchEntityException");
    assert_eq!(Harness::ok(h.admin("ListSAMLProviders", json!({}))), json!({"SAMLProviderList": []}));
    let elsewhere = "arn:aws:iam::000000000000:saml-provider/ExampleIdP";
    let r = h.admin("GetSAMLProvider", json!({"SAMLProviderArn": elsewhere}));
    assert_eq!(r.error_type(), "NoSuchEntityException", "another account's ARN");
    // Unsigned calls are refused.
    let r = h.call("CreateSAMLProvider", json!({"Name": "x", "SAMLMetadataDocument": METADATA}));
    assert_eq!(r.status, 400);
    assert_ne!(r.error_type(), "");
}

#[test]
fn bad_names_and_bad_metadata_are_refused_before_anything_is_stored() {
    let h = harness();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"Name": "bad name", "SAMLMetadataDocument": METADATA}), "ValidationException"),
        (json!({"Name": "a".repeat(129), "SAMLMetadataDocument": METADATA}), "ValidationException"),
        (json!({"Name": "short", "SAMLMetadataDocument": "<x/>"}), "ValidationException"),
        (json!({"SAMLMetadataDocument": METADATA}), "ValidationException"),
        (
            json!({"Name": "noKey", "SAMLMetadataDocument": METADATA.replace("use=\"signing\"", "use=\"encryption\"")}),
            "InvalidParameterException",
        ),
        (
            json!({"Name": "notXml", "SAMLMetadataDocument": format!("<{}", "x".repeat(2000))}),
            "InvalidParameterException",
        ),
    ];
    for (input, expected) in cases {
        let r = h.admin("CreateSAMLProvider", input.clone());
        assert_eq!(r.error_type(), expected, "{input}");
    }
    let r = h.admin("CreateSAMLProvider", json!({"Name": "noKey", "SAMLMetadataDocument": "<x/>".repeat(300)}));
    assert_eq!(r.error_type(), "InvalidParameterException");
    assert_eq!(r.message(), "Could not parse metadata.");
    assert_eq!(Harness::ok(h.admin("ListSAMLProviders", json!({}))), json!({"SAMLProviderList": []}));
}

#[test]
fn saml_sign_in_gives_one_identity_per_person_and_the_role_the_assertion_grants() {
    let h = harness();
    h.saml_provider();
    let pool = h.saml_pool(&[ARN]);
    let response = response!("valid-assertion-signed");
    let alice = id(h.saml_id(&pool, &response));
    // The same response again (GetId, then GetCredentialsForIdentity).
    let opened = h.role_of(h.saml_creds(&alice, &response, None));
    assert_eq!(opened.claims.role_arn, USER_ROLE, "the one role the assertion grants");
    assert_eq!(opened.claims.amr[..2], ["authenticated".to_owned(), ARN.to_owned()]);
    // Alice in another assertion: the same identity; Bob: another.
    assert_eq!(id(h.saml_id(&pool, &response!("valid-signin-alice-again"))), alice);
    let bob = id(h.saml_id(&pool, &response!("valid-signin-bob")));
    assert_ne!(bob, alice);
    // A second pool that lists the provider: another identity for Alice.
    let other = h.saml_pool(&[ARN]);
    assert_ne!(id(h.saml_id(&other, &response!("valid-signin-alice-again"))), alice);
}

#[test]
fn custom_role_arn_chooses_among_the_granted_roles() {
    let h = harness();
    h.saml_provider();
    let pool = h.saml_pool(&[ARN]);
    let response = response!("valid-signin-two-roles");
    let alice = id(h.saml_id(&pool, &response));
    let r = h.saml_creds(&alice, &response, None);
    assert_eq!(r.error_type(), "InvalidParameterException", "two roles and no choice");
    let opened = h.role_of(h.saml_creds(&alice, &response, Some(ADMIN_ROLE)));
    assert_eq!(opened.claims.role_arn, ADMIN_ROLE);
    let opened = h.role_of(h.saml_creds(&alice, &response, Some(USER_ROLE)));
    assert_eq!(opened.claims.role_arn, USER_ROLE);
    // Granted through another provider, or not at all: refused.
    for role in ["arn:aws:iam::123456789012:role/Elsewhere", AUTH_ROLE] {
        assert_eq!(h.saml_creds(&alice, &response, Some(role)).error_type(), "NotAuthorizedException", "{role}");
    }
}

#[test]
fn without_a_granted_role_rules_read_the_attributes_and_tags_follow_the_map() {
    let h = harness();
    h.saml_provider();
    let pool = h.saml_pool(&[ARN]);
    let response = response!("valid-signin-no-role");
    let alice = id(h.saml_id(&pool, &response));
    assert_eq!(h.role_of(h.saml_creds(&alice, &response, None)).claims.role_arn, AUTH_ROLE);
    let eng = "arn:aws:iam::123456789012:role/eng";
    let mapping = json!({"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": [
        {"Claim": "groups", "MatchType": "Equals", "Value": "admins", "RoleARN": AUTH_ROLE},
        {"Claim": "groups", "MatchType": "Contains", "Value": "staff", "RoleARN": eng}]}});
    Harness::ok(h.admin(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": pool, "Roles": {"authenticated": AUTH_ROLE}, "RoleMappings": {ARN: mapping}}),
    ));
    Harness::ok(h.admin(
        "SetPrincipalTagAttributeMap",
        json!({"IdentityPoolId": pool, "IdentityProviderName": ARN, "UseDefaults": true,
               "PrincipalTags": {"dept": "dept", "groups": "groups"}}),
    ));
    h.clock.advance(20);
    let opened = h.role_of(h.saml_creds(&alice, &response, None));
    assert_eq!(opened.claims.role_arn, eng, "Equals skips the list; Contains finds an element");
    let name = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
    let tags: Vec<(&str, &str)> = opened.claims.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(tags, [("dept", "eng"), (name, "Alice Example")], "a list is no tag; the subject never is");
}

#[test]
fn what_the_pool_does_not_list_or_the_signature_does_not_cover_is_refused() {
    let h = harness();
    h.saml_provider();
    let unlisted = h.saml_pool(&["arn:aws:iam::123456789012:saml-provider/Other"]);
    let r = h.saml_id(&unlisted, &response!("valid-assertion-signed"));
    assert_eq!(r.error_type(), "NotAuthorizedException");
    assert_eq!(r.message(), "Token is not from a supported provider of this identity pool.");
    let pool = h.saml_pool(&[ARN]);
    let attacks = [
        response!("xsw3"),
        response!("xsw8"),
        response!("tampered-nameid"),
        response!("tampered-signature"),
        response!("keyinfo-attacker-cert"),
        response!("wrong-audience"),
        response!("expired"),
        "not base64!".to_owned(),
    ];
    for attack in &attacks {
        let r = h.saml_id(&pool, attack);
        assert_eq!(r.error_type(), "NotAuthorizedException", "{}", r.body);
        assert!(r.message().starts_with("Invalid login token. "), "{}", r.message());
    }
    // The provider deleted: its ARN names nothing, though the pool lists it.
    Harness::ok(h.admin("DeleteSAMLProvider", json!({"SAMLProviderArn": ARN})));
    let r = h.saml_id(&pool, &response!("valid-assertion-signed"));
    assert_eq!(r.message(), "Token is not from a supported provider of this identity pool.");
}

#[test]
fn a_signed_assertion_in_another_response_is_a_replay_and_time_runs_out() {
    let h = harness();
    h.saml_provider();
    let pool = h.saml_pool(&[ARN]);
    // The same assertion (`_a1`), signed once, sent in two envelopes.
    id(h.saml_id(&pool, &response!("valid-assertion-signed")));
    let r = h.saml_id(&pool, &response!("valid-prefixlist"));
    assert_eq!(r.error_type(), "NotAuthorizedException", "another response around assertion _a1");
    // Past the assertion's NotOnOrAfter and the skew, even a remembered
    // response is refused.
    let response = response!("valid-signin-bob");
    id(h.saml_id(&pool, &response));
    h.clock.set(NOW + 300 + 300);
    let r = h.saml_id(&pool, &response);
    assert_eq!(
        (r.error_type(), r.message()),
        ("NotAuthorizedException", "Invalid login token. SAML assertion expired.")
    );
}

#[test]
fn expired_metadata_signs_no_one_in() {
    let h = harness();
    let expired = METADATA.replace("entityID=", "validUntil=\"2023-11-14T22:00:00Z\" entityID=");
    Harness::ok(h.admin("CreateSAMLProvider", json!({"Name": "ExampleIdP", "SAMLMetadataDocument": expired})));
    let pool = h.saml_pool(&[ARN]);
    let r = h.saml_id(&pool, &response!("valid-assertion-signed"));
    assert_eq!(r.message(), "Invalid login token. The SAML provider's metadata has expired.");
}
