//! Roles in another AWS account go through AWS STS (a fake here that
//! records the form it gets): the token it is handed, and STS's answers and
//! errors as Cognito gives them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::signin::IDP;
use super::Harness;
use crate::core::percent::decode;

const AWS_GUEST: &str = "arn:aws:iam::111122223333:role/app-guest";
const AWS_USER: &str = "arn:aws:iam::111122223333:role/app-user";

const ANSWER: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAFROMSTS</AccessKeyId><SecretAccessKey>sts-secret</SecretAccessKey><SessionToken>sts-token</SessionToken><Expiration>2027-01-15T08:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"#;

impl Harness {
    fn aws_pool(&self) -> String {
        self.pool_with(
            json!({"IdentityPoolName": "aws", "AllowUnauthenticatedIdentities": true,
                   "SupportedLoginProviders": {IDP: "app"}}),
            json!({"unauthenticated": AWS_GUEST, "authenticated": AWS_USER}),
        )
    }

    /// The form the fake STS got last, as a map.
    fn last_form(&self) -> (String, std::collections::BTreeMap<String, String>) {
        let (url, body) = self.idp.posts.borrow().last().cloned().expect("a POST to STS");
        let form = body
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), decode(v).unwrap())
            })
            .collect();
        (url, form)
    }
}

/// The claims of `token` once its signature verifies under a key of the
/// deployment's published JWKS, as STS checks it.
fn verified_claims(h: &Harness, token: &str) -> Value {
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(signed.split('.').next().unwrap()).unwrap()).unwrap();
    let jwks = h.secrets.signing_keys.jwks();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header["kid"]).expect("a published kid");
    let key = crate::core::login::jwks::parse_jwk(jwk).unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    assert!(
        crate::core::login::native::verify(&key, signed.as_bytes(), &signature).unwrap(),
        "verifies under the JWKS"
    );
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(signed.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

#[test]
fn an_aws_role_is_assumed_through_sts_with_a_token_for_this_call() {
    let h = Harness::new();
    *h.idp.sts_answer.borrow_mut() = (200, ANSWER.to_owned());
    let pool = h.aws_pool();
    let guest = h.guest(&pool);
    let r = Harness::ok(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})));
    let expiration = crate::core::time::parse_iso8601("2027-01-15T08:00:00Z").unwrap();
    assert_eq!(
        r["Credentials"],
        json!({"AccessKeyId": "ASIAFROMSTS", "SecretKey": "sts-secret", "SessionToken": "sts-token", "Expiration": expiration})
    );
    let (url, form) = h.last_form();
    assert_eq!(url, "http://sts.test/");
    assert_eq!(form["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(form["Version"], "2011-06-15");
    assert_eq!(form["RoleArn"], AWS_GUEST);
    assert_eq!(form["DurationSeconds"], "3600");
    assert_eq!(form["RoleSessionName"], guest.split_once(':').unwrap().1);
    let c = verified_claims(&h, &form["WebIdentityToken"]);
    assert_eq!(c["iss"], "https://id.example.com");
    assert_eq!(c["sub"], guest);
    assert_eq!(c["aud"], format!("{pool}:unauthenticated"), "the audience carries the auth type");
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 300);

    // Signed in: the authenticated role, the audience says so, tags ride along.
    Harness::ok(h.admin(
        "SetPrincipalTagAttributeMap",
        json!({"IdentityPoolId": pool, "IdentityProviderName": IDP, "UseDefaults": false, "PrincipalTags": {"who": "sub"}}),
    ));
    let r = Harness::ok(
        h.call("GetCredentialsForIdentity", json!({"IdentityId": guest, "Logins": {IDP: h.token("alice")}})),
    );
    assert_eq!(r["Credentials"]["AccessKeyId"], "ASIAFROMSTS");
    let (_, form) = h.last_form();
    assert_eq!(form["RoleArn"], AWS_USER);
    let c = verified_claims(&h, &form["WebIdentityToken"]);
    assert_eq!(c["aud"], format!("{pool}:authenticated"));
    assert_eq!(
        c["https://aws.amazon.com/tags"],
        json!({"principal_tags": {"who": ["alice"]}, "transitive_tag_keys": ["who"]})
    );
    assert!(!r.to_string().contains(form["WebIdentityToken"].as_str()), "the token never reaches the client");
}

#[test]
fn stss_refusals_and_outages_are_cognitos_answers() {
    let h = Harness::new();
    let pool = h.aws_pool();
    let guest = h.guest(&pool);
    let refusal = r#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized</Message></Error></ErrorResponse>"#;
    *h.idp.sts_answer.borrow_mut() = (403, refusal.to_owned());
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
    assert_eq!(
        (r.error_type(), r.message()),
        (
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool."
        )
    );
    *h.idp.sts_answer.borrow_mut() = (400, refusal.replace("AccessDenied", "Throttling"));
    assert_eq!(
        h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})).error_type(),
        "TooManyRequestsException"
    );
    h.idp.down.set(true);
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
    assert_eq!(r.error_type(), "ExternalServiceException");
    // A role of the deployment's own account is cognate's: no STS.
    h.idp.down.set(false);
    let posts = h.idp.posts.borrow().len();
    let own = h.guest_pool();
    assert_eq!(h.call("GetCredentialsForIdentity", json!({"IdentityId": h.guest(&own)})).status, 200);
    assert_eq!(h.idp.posts.borrow().len(), posts);
}
