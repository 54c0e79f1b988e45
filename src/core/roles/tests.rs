//! Role choice: examples for each mapping type, and properties of `Rules`
//! checked against a plain reference reading of Cognito's documentation.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::core::error::ErrorKind;
use crate::core::model::{IdentityPool, RulesConfiguration};

const AUTH: &str = "arn:aws:iam::1:role/authenticated";

fn pool(mappings: &[(&str, RoleMapping)]) -> PoolRecord {
    PoolRecord {
        config: IdentityPool { identity_pool_id: Some("us-east-1:p".into()), ..Default::default() },
        roles: [("authenticated".to_owned(), AUTH.to_owned())].into(),
        role_mappings: mappings.iter().map(|(k, m)| (k.to_string(), m.clone())).collect(),
        principal_tags: BTreeMap::new(),
        created: 0,
    }
}

fn rule(claim: &str, kind: &str, value: &str, role: &str) -> MappingRule {
    MappingRule {
        claim: Some(claim.into()),
        match_type: Some(kind.into()),
        value: Some(value.into()),
        role_arn: Some(role.into()),
    }
}

fn rules(rules: Vec<MappingRule>, ambiguous: &str) -> RoleMapping {
    RoleMapping {
        kind: Some("Rules".into()),
        ambiguous_role_resolution: Some(ambiguous.into()),
        rules_configuration: Some(RulesConfiguration { rules: Some(rules) }),
    }
}

fn token(ambiguous: &str) -> RoleMapping {
    RoleMapping {
        kind: Some("Token".into()),
        ambiguous_role_resolution: Some(ambiguous.into()),
        rules_configuration: None,
    }
}

fn claims(v: Value) -> Claims {
    Claims::parse(v.to_string().as_bytes()).unwrap()
}

fn facts<'a>(provider: &'a str, claims: &'a Claims) -> LoginFacts<'a> {
    LoginFacts { provider, kind: ProviderKind::Oidc, client_id: "app", claims }
}

#[test]
fn no_mapping_means_the_authenticated_role() {
    let c = claims(json!({}));
    assert_eq!(resolve(&pool(&[]), &[facts("idp", &c)], None).unwrap(), AUTH);
    let mut p = pool(&[]);
    p.roles.clear();
    assert_eq!(resolve(&p, &[facts("idp", &c)], None).unwrap_err().kind, ErrorKind::InvalidIdentityPoolConfiguration);
}

#[test]
fn rules_first_match_wins_and_ambiguity_resolves_as_configured() {
    let m = rules(vec![rule("hd", "Equals", "example.com", "r1"), rule("email", "StartsWith", "admin", "r2")], "Deny");
    let p = pool(&[("idp", m)]);
    let both = claims(json!({"hd": "example.com", "email": "admin@x"}));
    assert_eq!(resolve(&p, &[facts("idp", &both)], None).unwrap(), "r1");
    let second = claims(json!({"email": "admin@x"}));
    assert_eq!(resolve(&p, &[facts("idp", &second)], None).unwrap(), "r2");
    let none = claims(json!({"email": "user@x"}));
    assert_eq!(resolve(&p, &[facts("idp", &none)], None).unwrap_err().kind, ErrorKind::NotAuthorized);
    let lenient = pool(&[("idp", rules(vec![rule("hd", "Equals", "x", "r1")], "AuthenticatedRole"))]);
    assert_eq!(resolve(&lenient, &[facts("idp", &none)], None).unwrap(), AUTH);
}

#[test]
fn contains_on_an_array_matches_an_element_and_not_equal_skips_missing_claims() {
    let m = rules(
        vec![rule("team", "NotEqual", "red", "not-red"), rule("cognito:groups", "Contains", "admins", "admin")],
        "Deny",
    );
    let p = pool(&[("idp", m)]);
    let groups = claims(json!({"cognito:groups": ["users", "admins"]}));
    assert_eq!(resolve(&p, &[facts("idp", &groups)], None).unwrap(), "admin", "NotEqual skipped: no team claim");
    let partial = claims(json!({"cognito:groups": ["administrators"]}));
    assert!(resolve(&p, &[facts("idp", &partial)], None).is_err(), "an element, not a substring of one");
    let blue = claims(json!({"team": "blue"}));
    assert_eq!(resolve(&p, &[facts("idp", &blue)], None).unwrap(), "not-red");
}

#[test]
fn token_mappings_use_the_tokens_roles() {
    let p = pool(&[("idp", token("Deny"))]);
    let preferred = claims(json!({"cognito:roles": ["a", "b"], "cognito:preferred_role": "b"}));
    assert_eq!(resolve(&p, &[facts("idp", &preferred)], None).unwrap(), "b");
    let two = claims(json!({"cognito:roles": ["a", "b"]}));
    assert_eq!(resolve(&p, &[facts("idp", &two)], Some("a")).unwrap(), "a", "CustomRoleArn chooses");
    assert!(resolve(&p, &[facts("idp", &two)], None).is_err(), "ambiguous, Deny");
    assert!(resolve(&p, &[facts("idp", &two)], Some("c")).is_err(), "CustomRoleArn must be one of them");
    let one = claims(json!({"cognito:roles": ["a"]}));
    assert_eq!(resolve(&p, &[facts("idp", &one)], None).unwrap(), "a");
}

#[test]
fn the_first_provider_in_sorted_order_with_a_mapping_decides() {
    let p = pool(&[
        ("b.example.com", token("AuthenticatedRole")),
        ("c.example.com", rules(vec![rule("x", "Equals", "1", "rc")], "Deny")),
    ]);
    let c = claims(json!({"x": "1", "cognito:roles": ["rb"]}));
    let logins = [facts("a.example.com", &c), facts("b.example.com", &c), facts("c.example.com", &c)];
    assert_eq!(resolve(&p, &logins, None).unwrap(), "rb");
}

#[test]
fn user_pool_mappings_are_keyed_by_app_client() {
    let up = "cognito-idp.us-east-1.amazonaws.com/us-east-1_x";
    let key = format!("{up}:app");
    let p = pool(&[(key.as_str(), rules(vec![rule("x", "Equals", "1", "r")], "Deny"))]);
    let c = claims(json!({"x": "1"}));
    let login = LoginFacts { provider: up, kind: ProviderKind::CognitoUserPool, client_id: "app", claims: &c };
    assert_eq!(resolve(&p, &[login], None).unwrap(), "r");
}

const IDP: &str = "arn:aws:iam::123456789012:saml-provider/Corp";
const SAML_A: &str = "arn:aws:iam::123456789012:role/A";
const SAML_B: &str = "arn:aws:iam::123456789012:role/B";

fn saml<'a>(claims: &'a Claims) -> LoginFacts<'a> {
    LoginFacts { provider: IDP, kind: ProviderKind::Saml, client_id: "https://idp.example.com", claims }
}

/// Cognito Developer Guide, "Setting up a SAML provider as an identity pool
/// IdP": the Role attribute's roles; with several, CustomRoleArn chooses,
/// and the user takes it if the assertion names it.
#[test]
fn saml_assertions_grant_their_roles_and_custom_role_arn_chooses() {
    use crate::core::login::saml::ROLE_ATTRIBUTE;
    let p = pool(&[(IDP, rules(vec![rule("dept", "Equals", "eng", "mapped")], "Deny"))]);
    let one = claims(json!({ ROLE_ATTRIBUTE: format!("{SAML_A},{IDP}"), "dept": "eng" }));
    assert_eq!(resolve(&p, &[saml(&one)], None).unwrap(), SAML_A, "the one role, before the mapping");
    assert_eq!(resolve(&p, &[saml(&one)], Some(SAML_A)).unwrap(), SAML_A);
    assert_eq!(resolve(&p, &[saml(&one)], Some(SAML_B)).unwrap_err().kind, ErrorKind::NotAuthorized);
    let two = claims(json!({ ROLE_ATTRIBUTE: [format!("{SAML_A},{IDP}"), format!("{IDP},{SAML_B}")] }));
    assert_eq!(resolve(&p, &[saml(&two)], Some(SAML_B)).unwrap(), SAML_B, "CustomRoleArn chooses");
    assert_eq!(resolve(&p, &[saml(&two)], None).unwrap_err().kind, ErrorKind::InvalidParameter);
    assert_eq!(resolve(&p, &[saml(&two)], Some(AUTH)).unwrap_err().kind, ErrorKind::NotAuthorized);
    // Roles granted through another provider are not this login's: the
    // mapping decides on the attributes, then the authenticated role.
    let other = claims(json!({ ROLE_ATTRIBUTE: format!("{SAML_A},{IDP}x"), "dept": ["eng", "ops"] }));
    assert_eq!(resolve(&p, &[saml(&other)], None).unwrap_err().kind, ErrorKind::NotAuthorized, "Equals on a list");
    let eng = claims(json!({ "dept": "eng" }));
    assert_eq!(resolve(&p, &[saml(&eng)], None).unwrap(), "mapped");
    assert_eq!(resolve(&pool(&[]), &[saml(&eng)], Some(SAML_A)).unwrap(), AUTH, "no grant, no mapping");
}

fn reference(rules: &[(String, String, String)], claims: &BTreeMap<String, Value>) -> Option<usize> {
    rules.iter().position(|(claim, kind, value)| match claims.get(claim) {
        None => false,
        Some(Value::Array(items)) => kind == "Contains" && items.iter().any(|i| i.as_str() == Some(value)),
        Some(Value::String(s)) => match kind.as_str() {
            "Equals" => s == value,
            "NotEqual" => s != value,
            "StartsWith" => s.starts_with(value.as_str()),
            _ => s.contains(value.as_str()),
        },
        Some(_) => false,
    })
}

proptest! {
    #[test]
    fn rules_choose_the_first_rule_the_reference_matches(
        rules_in in proptest::collection::vec(
            ("[ab]", prop::sample::select(vec!["Equals", "NotEqual", "StartsWith", "Contains"]), "[xy]{0,2}"), 1..6),
        a in proptest::option::of("[xy]{0,3}"),
        b in proptest::option::of(proptest::collection::vec("[xy]{0,2}", 0..3)),
    ) {
        let rules_in: Vec<(String, String, String)> = rules_in.into_iter().map(|(c, k, v)| (c, k.to_owned(), v)).collect();
        let mut map = BTreeMap::new();
        if let Some(a) = a { map.insert("a".to_owned(), Value::String(a)); }
        if let Some(b) = b { map.insert("b".to_owned(), json!(b)); }
        let c = Claims(map.clone());
        let list: Vec<MappingRule> = rules_in.iter().enumerate()
            .map(|(i, (claim, kind, value))| rule(claim, kind, value, &format!("r{i}")))
            .collect();
        let p = pool(&[("idp", rules(list, "Deny"))]);
        let got = resolve(&p, &[facts("idp", &c)], None).ok();
        let expected = reference(&rules_in, &map).map(|i| format!("r{i}"));
        prop_assert_eq!(got, expected);
    }
}
