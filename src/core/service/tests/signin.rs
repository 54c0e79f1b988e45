//! Federated sign-in through the whole service: Cognito's identity
//! semantics (sign-in, linking, merging, unlinking), roles and tags, and a
//! negative harness of tokens that must never pass.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::{Harness, Reply, GUEST_ROLE};
use crate::core::capabilities::Clock;
use crate::core::credentials;

const USER_ROLE: &str = "arn:aws:iam::000000000000:role/user";
pub(super) const IDP: &str = "idp.test";

impl Harness {
    pub(super) fn signin_pool(&self) -> String {
        let pool = Harness::ok(self.admin(
            "CreateIdentityPool",
            json!({"IdentityPoolName": "signin", "AllowUnauthenticatedIdentities": true,
                   "SupportedLoginProviders": {IDP: "app,other"}}),
        ));
        let id = pool["IdentityPoolId"].as_str().unwrap().to_owned();
        Harness::ok(self.admin(
            "SetIdentityPoolRoles",
            json!({"IdentityPoolId": id, "Roles": {"unauthenticated": GUEST_ROLE, "authenticated": USER_ROLE}}),
        ));
        id
    }

    fn now(&self) -> u64 {
        self.clock.now()
    }

    pub(super) fn token(&self, sub: &str) -> String {
        self.idp.token(sub, self.now())
    }

    pub(super) fn login_id(&self, pool: &str, token: &str) -> Reply {
        self.call("GetId", json!({"IdentityPoolId": pool, "Logins": {IDP: token}}))
    }

    fn id_of(&self, pool: &str, sub: &str) -> String {
        let r = Harness::ok(self.login_id(pool, &self.token(sub)));
        r["IdentityId"].as_str().unwrap().to_owned()
    }

    pub(super) fn creds(&self, identity: &str, sub: Option<&str>) -> Reply {
        let mut body = json!({"IdentityId": identity});
        if let Some(s) = sub {
            body["Logins"] = json!({IDP: self.token(s)});
        }
        self.call("GetCredentialsForIdentity", body)
    }
}

#[test]
fn sign_in_and_repeat_sign_in_give_one_identity() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let a = h.id_of(&pool, "alice");
    h.clock.advance(30);
    assert_eq!(h.id_of(&pool, "alice"), a, "a new token of the same subject");
    assert_ne!(h.id_of(&pool, "bob"), a);
    let d = Harness::ok(h.admin("DescribeIdentity", json!({"IdentityId": a})));
    assert_eq!(d["Logins"], json!([IDP]));
    let r = Harness::ok(h.creds(&a, Some("alice")));
    assert_eq!(r["IdentityId"], a);
    let opened =
        credentials::open(&h.secrets.credential_keys, r["Credentials"]["SessionToken"].as_str().unwrap()).unwrap();
    assert_eq!(opened.claims.role_arn, USER_ROLE);
    assert_eq!(opened.claims.amr[..2], ["authenticated".to_owned(), IDP.to_owned()]);
}

#[test]
fn one_person_in_two_pools_is_two_identities() {
    let h = Harness::new();
    let (p1, p2) = (h.signin_pool(), h.signin_pool());
    assert_ne!(h.id_of(&p1, "alice"), h.id_of(&p2, "alice"));
}

#[test]
fn the_token_names_the_provider_and_an_opaque_id_never_the_subject() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let id = h.id_of(&pool, "subject-1234567890");
    let t = Harness::ok(
        h.call("GetOpenIdToken", json!({"IdentityId": id, "Logins": {IDP: h.token("subject-1234567890")}})),
    );
    let payload = t["Token"].as_str().unwrap().split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let amr = claims["amr"].as_array().unwrap();
    assert_eq!(amr.len(), 3);
    assert_eq!((amr[0].as_str(), amr[1].as_str()), (Some("authenticated"), Some(IDP)));
    let opaque = amr[2].as_str().unwrap().strip_prefix("idp.test:").unwrap();
    assert_eq!(opaque.len(), 32);
    assert!(!t.to_string().contains("subject-1234567890"));
    assert!(
        !h.store.dump().iter().any(|(k, v, m)| format!("{k}{v}{m:?}").contains(opaque)),
        "the opaque id is not a stored key"
    );
}

#[test]
fn an_authenticated_identity_needs_a_matching_login() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let a = h.id_of(&pool, "alice");
    let r = h.creds(&a, None);
    assert_eq!(
        (r.error_type(), r.message()),
        (
            "NotAuthorizedException",
            "Logins don't match. Please include at least one valid login for this identity or identity pool."
        )
    );
    assert_eq!(h.call("GetOpenIdToken", json!({"IdentityId": a})).error_type(), "NotAuthorizedException");
}

#[test]
fn a_guest_that_signs_in_keeps_its_id() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let guest = h.guest(&pool);
    let r = Harness::ok(h.creds(&guest, Some("alice")));
    assert_eq!(r["IdentityId"], guest);
    assert_eq!(h.id_of(&pool, "alice"), guest);
}

#[test]
fn a_login_owned_elsewhere_merges_and_the_owner_wins() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let owner = h.guest(&pool);
    Harness::ok(h.creds(&owner, Some("alice")));
    let other = h.guest(&pool);
    let r = Harness::ok(h.creds(&other, Some("alice")));
    assert_eq!(r["IdentityId"], owner);
    let r = h.creds(&other, None);
    assert_eq!(
        (r.error_type(), r.message()),
        ("NotAuthorizedException", format!("Identity '{other}' is disabled.").as_str())
    );
    assert_eq!(Harness::ok(h.admin("DescribeIdentity", json!({"IdentityId": owner})))["Logins"], json!([IDP]));
    let listed =
        Harness::ok(h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 10, "HideDisabled": true})));
    assert_eq!(listed["Identities"].as_array().unwrap().len(), 1);
}

#[test]
fn a_stranger_cannot_attach_a_login_to_someone_elses_identity() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let alice = h.id_of(&pool, "alice");
    let r = h.creds(&alice, Some("mallory"));
    assert_eq!(r.error_type(), "NotAuthorizedException");
    let mallory = h.id_of(&pool, "mallory");
    assert_ne!(mallory, alice);
    assert_eq!(Harness::ok(h.admin("DescribeIdentity", json!({"IdentityId": alice})))["Logins"], json!([IDP]));
}

#[test]
fn unlink_then_sign_in_is_a_new_identity() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let a = h.id_of(&pool, "alice");
    let r =
        h.call("UnlinkIdentity", json!({"IdentityId": a, "Logins": {IDP: h.token("bob")}, "LoginsToRemove": [IDP]}));
    assert_eq!(r.error_type(), "NotAuthorizedException", "bob cannot unlink alice");
    Harness::ok(
        h.call("UnlinkIdentity", json!({"IdentityId": a, "Logins": {IDP: h.token("alice")}, "LoginsToRemove": [IDP]})),
    );
    let again = h.id_of(&pool, "alice");
    assert_ne!(again, a);
    assert_eq!(h.creds(&a, None).error_type(), "NotAuthorizedException", "without logins the old identity is gone");
}

#[test]
fn a_lagging_store_loses_no_link_and_makes_no_duplicate() {
    let h = Harness::new();
    let pool = h.signin_pool();
    h.store.set_lag(60);
    let first = h.id_of(&pool, "alice");
    for _ in 0..5 {
        assert_eq!(h.id_of(&pool, "alice"), first, "the authority knows the login even when the store does not");
    }
    let guest = h.guest(&pool);
    assert_eq!(Harness::ok(h.creds(&guest, Some("bob")))["IdentityId"], guest);
    assert_eq!(h.id_of(&pool, "bob"), guest, "the link is not lost");
    h.clock.advance(61);
    let listed = Harness::ok(h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 10})));
    assert_eq!(listed["Identities"].as_array().unwrap().len(), 2);
}

#[test]
fn roles_follow_rules_on_claims_and_tags_ride_in_the_sealed_token() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let mappings = json!({IDP: {"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
        "RulesConfiguration": {"Rules": [{"Claim": "hd", "MatchType": "Equals", "Value": "example.com", "RoleARN": "arn:aws:iam::000000000000:role/staff"}]}}});
    Harness::ok(h.admin(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": pool, "Roles": {"authenticated": USER_ROLE}, "RoleMappings": mappings}),
    ));
    Harness::ok(h.admin("SetPrincipalTagAttributeMap", json!({"IdentityPoolId": pool, "IdentityProviderName": IDP, "UseDefaults": true, "PrincipalTags": {"domain": "hd"}})));
    let got = Harness::ok(
        h.admin("GetPrincipalTagAttributeMap", json!({"IdentityPoolId": pool, "IdentityProviderName": IDP})),
    );
    assert_eq!(got["PrincipalTags"], json!({"domain": "hd"}));
    assert_eq!(got["UseDefaults"], true);
    let r = h.admin(
        "SetPrincipalTagAttributeMap",
        json!({"IdentityPoolId": pool, "IdentityProviderName": "nope.example.com"}),
    );
    assert_eq!(r.error_type(), "InvalidParameterException");

    let mut claims = h.idp.claims("staff-1", h.now());
    claims["hd"] = json!("example.com");
    let staff = h.idp.token_with(json!({}), claims);
    let id = Harness::ok(h.login_id(&pool, &staff))["IdentityId"].as_str().unwrap().to_owned();
    let r = Harness::ok(h.call("GetCredentialsForIdentity", json!({"IdentityId": id, "Logins": {IDP: staff}})));
    let token = r["Credentials"]["SessionToken"].as_str().unwrap();
    let opened = credentials::open(&h.secrets.credential_keys, token).unwrap();
    assert_eq!(opened.claims.role_arn, "arn:aws:iam::000000000000:role/staff");
    assert_eq!(opened.claims.tags.get("domain").map(String::as_str), Some("example.com"));
    assert_eq!(opened.claims.tags.get("aud").map(String::as_str), Some("app"));
    assert_eq!(opened.claims.tags.get("sub").map(String::as_str), Some("staff-1"));
    assert!(!String::from_utf8_lossy(&URL_SAFE_NO_PAD.decode(token).unwrap()).contains("example.com"), "sealed");
    let outsider = Harness::ok(h.creds(&h.id_of(&pool, "outsider"), Some("outsider")));
    let opened =
        credentials::open(&h.secrets.credential_keys, outsider["Credentials"]["SessionToken"].as_str().unwrap())
            .unwrap();
    assert_eq!(opened.claims.role_arn, USER_ROLE, "no rule matched: the authenticated role");
}

#[test]
fn keys_are_refetched_for_a_new_kid_at_most_every_ten_seconds() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let a = h.id_of(&pool, "alice");
    let fetched = h.idp.fetches.get();
    h.id_of(&pool, "alice");
    assert_eq!(h.idp.fetches.get(), fetched, "cached");
    h.idp.rotate();
    let r = h.login_id(&pool, &h.token("alice"));
    assert_eq!(r.error_type(), "NotAuthorizedException", "unknown kid within 10 s of the last fetch");
    assert_eq!(h.idp.fetches.get(), fetched);
    h.clock.advance(10);
    assert_eq!(h.id_of(&pool, "alice"), a, "refetched, found the new key");
    assert!(h.idp.fetches.get() > fetched);
}

#[test]
fn an_unreachable_provider_is_an_external_service_error() {
    let h = Harness::new();
    let pool = h.signin_pool();
    h.idp.down.set(true);
    let r = h.login_id(&pool, &h.token("alice"));
    assert_eq!((r.status, r.error_type()), (400, "ExternalServiceException"));
}

fn assert_refused(h: &Harness, pool: &str, token: &str, what: &str) {
    let r = h.login_id(pool, token);
    assert_eq!((r.status, r.error_type()), (400, "NotAuthorizedException"), "{what}: {}", r.body);
    assert!(
        r.message().starts_with("Invalid login token.") || r.message().starts_with("Token is not from"),
        "{what}: {}",
        r.message()
    );
}

#[test]
fn every_mutation_of_a_good_token_is_refused() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let good = h.token("alice");
    Harness::ok(h.login_id(&pool, &good));
    let parts: Vec<&str> = good.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let bytes = URL_SAFE_NO_PAD.decode(part).unwrap();
        for j in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[j] ^= 0x01;
            let mut mutated: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
            mutated[i] = URL_SAFE_NO_PAD.encode(&flipped);
            let token = mutated.join(".");
            let r = h.login_id(&pool, &token);
            assert_eq!((r.status, r.error_type()), (400, "NotAuthorizedException"), "part {i} byte {j}");
        }
    }
}

#[test]
fn a_remembered_signature_skips_only_the_signature_check() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let token = h.token("alice");
    let id = Harness::ok(h.login_id(&pool, &token))["IdentityId"].clone();
    assert_eq!(Harness::ok(h.login_id(&pool, &token))["IdentityId"], id, "presented again");
    // The claims are checked on every use: past its exp (and the skew) it is refused.
    h.clock.advance(600 + 300);
    let r = h.login_id(&pool, &token);
    assert_eq!(r.error_type(), "NotAuthorizedException");
    assert!(r.message().starts_with("Invalid login token. Token expired"), "{}", r.message());
    // Another pool whose client ids do not include the token's audience refuses it.
    let other = Harness::ok(h.admin(
        "CreateIdentityPool",
        json!({"IdentityPoolName": "other", "AllowUnauthenticatedIdentities": false,
               "SupportedLoginProviders": {IDP: "someone-else"}}),
    ))["IdentityPoolId"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = h.token("alice");
    assert_eq!(h.login_id(&pool, &fresh).status, 200);
    assert_eq!(h.login_id(&other, &fresh).error_type(), "NotAuthorizedException");
}

#[test]
fn a_remembered_token_is_still_refused_once_it_expires() {
    let h = Harness::new();
    let pool = h.signin_pool();
    // Expired 250 s ago: accepted within the 300 s of skew, for 50 s more.
    let mut claims = h.idp.claims("alice", h.now());
    claims["exp"] = json!(h.now() - 250);
    let token = h.idp.token_with(json!({}), claims);
    assert_eq!(h.login_id(&pool, &token).status, 200);
    h.clock.advance(55);
    // Still within the minute its verification is remembered, but past exp and the skew.
    let r = h.login_id(&pool, &token);
    assert!(r.message().starts_with("Invalid login token. Token expired"), "{}", r.message());
}

#[test]
fn the_attack_catalogue_is_refused() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let now = h.now();
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let claims = h.idp.claims("alice", now);
    let with = |k: &str, v: Value| {
        let mut c = claims.clone();
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v;
        }
        h.idp.token_with(json!({}), c)
    };
    let good = h.token("alice");
    let good_sig = good.rsplit_once('.').unwrap().1.to_owned();
    // The genuine token verified once: its signature is remembered, which
    // must vouch for nothing else.
    assert_eq!(h.login_id(&pool, &good).status, 200);
    let cases: Vec<(&str, String)> = vec![
        ("alg none", format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims))),
        (
            "alg none with a signature",
            format!("{}.{}.{good_sig}", b64(&json!({"alg": "none", "kid": "k1"})), b64(&claims)),
        ),
        (
            "HS256 key confusion",
            format!(
                "{}.{}.{}",
                b64(&json!({"alg": "HS256", "kid": "k1"})),
                b64(&claims),
                URL_SAFE_NO_PAD.encode([7u8; 32])
            ),
        ),
        ("RS256 with an EC kid", format!("{}.{}.{good_sig}", b64(&json!({"alg": "RS256", "kid": "k1"})), b64(&claims))),
        (
            "r = s = 0",
            format!(
                "{}.{}.{}",
                b64(&json!({"alg": "ES256", "kid": "k1"})),
                b64(&claims),
                URL_SAFE_NO_PAD.encode([0u8; 64])
            ),
        ),
        ("jku", h.idp.token_with(json!({"jku": "http://evil.test/jwks"}), claims.clone())),
        ("x5u", h.idp.token_with(json!({"x5u": "http://evil.test/cert"}), claims.clone())),
        ("jwk", h.idp.token_with(json!({"jwk": {"kty": "EC"}}), claims.clone())),
        ("x5c", h.idp.token_with(json!({"x5c": ["MIIB"]}), claims.clone())),
        ("crit", h.idp.token_with(json!({"crit": ["exp"]}), claims.clone())),
        ("unknown kid", h.idp.token_with(json!({"kid": "nope"}), claims.clone())),
        ("kid path traversal", h.idp.token_with(json!({"kid": "../../../etc/passwd"}), claims.clone())),
        ("duplicate claims (validly signed)", {
            let raw = format!(
                r#"{{"iss":"{}","aud":"app","sub":"alice","sub":"admin","iat":{now},"exp":{}}}"#,
                h.idp.issuer,
                now + 600
            );
            h.idp.token_raw(json!({}), &raw)
        }),
        ("deeply nested JSON", {
            let c = claims.to_string();
            let nested = format!(r#"{},"x":{}1{}}}"#, &c[..c.len() - 1], "[".repeat(5000), "]".repeat(5000));
            h.idp.token_raw(json!({}), &nested)
        }),
        ("missing exp", with("exp", Value::Null)),
        ("missing iat", with("iat", Value::Null)),
        ("missing sub", with("sub", Value::Null)),
        ("missing aud", with("aud", Value::Null)),
        ("issuer prefix", with("iss", json!("http://idp.tes"))),
        ("issuer suffix", with("iss", json!("http://idp.test.evil"))),
        ("issuer with slash", with("iss", json!("http://idp.test/"))),
        ("https issuer", with("iss", json!("https://idp.test"))),
        ("azp mismatch", with("azp", json!("someone-else"))),
        ("wrong audience", with("aud", json!("someone-else"))),
        ("expired", with("exp", json!(now - 301))),
        ("nbf in the future", with("nbf", json!(now + 301))),
        ("iat in the future", with("iat", json!(now + 301))),
        ("not a JWT", "abc".to_owned()),
        ("two parts", "a.b".to_owned()),
        ("four parts", format!("{}.x", h.token("alice"))),
        ("bad base64", "!!.!!.!!".to_owned()),
        (
            "claims not an object",
            format!("{}.{}.{good_sig}", b64(&json!({"alg": "ES256", "kid": "k1"})), b64(&json!([1]))),
        ),
    ];
    for (what, token) in cases {
        assert_refused(&h, &pool, &token, what);
    }
    let long = format!("{}.{}", h.token("alice"), "a".repeat(50_000));
    assert_eq!(h.login_id(&pool, &long).error_type(), "ValidationException");
    let r = h.call("GetId", json!({"IdentityPoolId": pool, "Logins": {"accounts.google.com": h.token("alice")}}));
    assert_eq!(r.message(), "Token is not from a supported provider of this identity pool.");
}

#[test]
fn nothing_stored_holds_a_subject_or_a_token() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let sub = "distinctive-subject-8f1c2a";
    let token = h.token(sub);
    let id = Harness::ok(h.login_id(&pool, &token))["IdentityId"].as_str().unwrap().to_owned();
    Harness::ok(h.call("GetCredentialsForIdentity", json!({"IdentityId": id, "Logins": {IDP: token.clone()}})));
    let signature = token.rsplit_once('.').unwrap().1;
    for (k, v, m) in h.store.dump() {
        let all = format!("{k} {v} {m:?}");
        assert!(!all.contains(sub) && !all.contains(signature), "{all}");
    }
}

/// The ID-token cases of the OpenID Foundation's RP certification
/// (`rp-id_token-*`, `rp-key-rotation-*`), each with the outcome the
/// certification expects of a relying party.
#[test]
fn openid_rp_certification_id_token_cases() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let now = h.now();
    let accepts = |token: &str, case: &str| assert_eq!(h.login_id(&pool, token).status, 200, "{case}");
    let c = h.idp.claims("rp-user", now);
    // rp-id_token-kid-absent-single-jwks: no kid, one key: verify with it.
    accepts(&h.idp.token_with(json!({"kid": null}), c.clone()), "rp-id_token-kid-absent-single-jwks");
    // rp-id_token-kid-absent-multiple-jwks: no kid, several keys: try them.
    h.clock.advance(11);
    h.idp.rotate();
    accepts(
        &h.idp.token_with(json!({"kid": null}), h.idp.claims("rp-user", h.now())),
        "rp-id_token-kid-absent-multiple-jwks",
    );
    let c = h.idp.claims("rp-user", h.now());
    let without = |k: &str| {
        let mut c = c.clone();
        c.as_object_mut().unwrap().remove(k);
        h.idp.token_with(json!({}), c)
    };
    assert_refused(&h, &pool, &without("iat"), "rp-id_token-iat");
    assert_refused(&h, &pool, &without("sub"), "rp-id_token-sub");
    let mut wrong_aud = c.clone();
    wrong_aud["aud"] = json!("not-the-client");
    assert_refused(&h, &pool, &h.idp.token_with(json!({}), wrong_aud), "rp-id_token-aud");
    let mut wrong_iss = c.clone();
    wrong_iss["iss"] = json!("http://other.test");
    assert_refused(&h, &pool, &h.idp.token_with(json!({}), wrong_iss), "rp-id_token-issuer-mismatch");
    let good = h.idp.token_with(json!({}), c.clone());
    let (signed, sig) = good.rsplit_once('.').unwrap();
    let mut bad = URL_SAFE_NO_PAD.decode(sig).unwrap();
    bad[10] ^= 0x40;
    assert_refused(&h, &pool, &format!("{signed}.{}", URL_SAFE_NO_PAD.encode(bad)), "rp-id_token-bad-sig-es256");
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none"}).to_string()),
        signed.split_once('.').unwrap().1
    );
    assert_refused(&h, &pool, &none, "rp-id_token-sig-none");
    // rp-key-rotation-op-sign-key: the provider rotates; the RP refetches.
    h.clock.advance(11);
    h.idp.rotate();
    accepts(&h.idp.token("rp-user", h.now()), "rp-key-rotation-op-sign-key");
}
