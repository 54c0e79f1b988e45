//! What vended credentials may do: the facts of a request signed with them
//! become the condition keys and policy variables of IAM's language, and
//! the role's policies decide. Every door that takes vended credentials
//! (`/whoami`, the S3 API, the SigV4 gateway) asks here, so they share one
//! reading of a policy.

use super::credentials::SessionClaims;
use super::policy::{evaluate, Decision, PolicyDocument, RequestContext};
use super::time::format_iso8601;

/// The facts of a request that are not in its credentials.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestFacts<'a> {
    /// The client's address (`aws:SourceIp`), when the platform knows it.
    pub source_ip: Option<&'a str>,
    /// Whether the request came over TLS (`aws:SecureTransport`).
    pub secure: bool,
    /// The time of the decision, epoch seconds (`aws:CurrentTime`, `aws:EpochTime`).
    pub now: u64,
}

/// Cognito's own condition-key prefix.
const COGNITO: &str = "cognito-identity.amazonaws.com";

/// The request context of `action` on `resource` by the holder of `claims`:
/// the keys IAM sets for a Cognito identity's role session
/// (`cognito-identity.amazonaws.com:sub`/`:aud`/`:amr`,
/// `aws:PrincipalTag/<key>`, `aws:PrincipalArn`) and the request's
/// (`aws:SourceIp`, `aws:CurrentTime`, `aws:EpochTime`, `aws:SecureTransport`).
pub(crate) fn request_context(
    claims: &SessionClaims,
    facts: RequestFacts<'_>,
    action: &str,
    resource: &str,
) -> RequestContext {
    let mut context = RequestContext::new(action, resource);
    context
        .set(&format!("{COGNITO}:sub"), vec![claims.identity_id.clone()])
        .set(&format!("{COGNITO}:aud"), vec![claims.pool_id.clone()])
        .set(&format!("{COGNITO}:amr"), claims.amr.clone())
        .set("aws:PrincipalArn", vec![claims.role_arn.clone()])
        .set("aws:CurrentTime", vec![format_iso8601(facts.now)])
        .set("aws:EpochTime", vec![facts.now.to_string()])
        .set("aws:SecureTransport", vec![facts.secure.to_string()]);
    if let Some(ip) = facts.source_ip {
        context.set("aws:SourceIp", vec![ip.to_owned()]);
    }
    for (key, value) in &claims.tags {
        context.set(&format!("aws:PrincipalTag/{key}"), vec![value.clone()]);
    }
    context
}

/// Whether the identity holding `claims` is signed in (its `amr` says so).
pub(crate) fn is_authenticated(claims: &SessionClaims) -> bool {
    claims.amr.iter().any(|m| m == "authenticated")
}

/// IAM's decision on `context` under `policies` (a role without policies
/// opens nothing).
pub(crate) fn decide(policies: &[PolicyDocument], context: &RequestContext) -> Decision {
    evaluate(policies, context)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn claims(amr: &[&str]) -> SessionClaims {
        SessionClaims {
            access_key_id: "ASIAEXAMPLE".into(),
            pool_id: "us-east-1:pool".into(),
            identity_id: "us-east-1:alice".into(),
            role_arn: "arn:aws:iam::000000000000:role/user".into(),
            amr: amr.iter().map(|s| (*s).to_owned()).collect(),
            tags: BTreeMap::from([("team".to_owned(), "blue".to_owned())]),
            expiration: 2_000_000_000,
        }
    }

    const FACTS: RequestFacts<'static> =
        RequestFacts { source_ip: Some("203.0.113.7"), secure: true, now: 1_440_938_160 };

    #[test]
    fn the_context_carries_cognitos_keys() {
        let c = request_context(&claims(&["authenticated", "accounts.google.com"]), FACTS, "s3:GetObject", "arn:x");
        assert_eq!(c.get("cognito-identity.amazonaws.com:sub"), Some(&["us-east-1:alice".to_owned()][..]));
        assert_eq!(c.get("Cognito-Identity.amazonaws.com:AUD"), Some(&["us-east-1:pool".to_owned()][..]));
        assert_eq!(c.get("cognito-identity.amazonaws.com:amr").map(<[String]>::len), Some(2));
        assert_eq!(c.get("aws:PrincipalTag/team"), Some(&["blue".to_owned()][..]));
        assert_eq!(c.get("aws:CurrentTime"), Some(&["2015-08-30T12:36:00Z".to_owned()][..]));
        assert_eq!(c.get("aws:SecureTransport"), Some(&["true".to_owned()][..]));
        assert_eq!(c.get("aws:SourceIp"), Some(&["203.0.113.7".to_owned()][..]));
    }

    #[test]
    fn each_identity_opens_its_own_folder_only() {
        let policy = PolicyDocument::parse(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                 "Resource": "arn:aws:s3:::user-data/${cognito-identity.amazonaws.com:sub}/*"},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::user-data/public/*",
                 "Condition": {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}
            ]}"#,
        )
        .unwrap();
        let decide_for = |amr: &[&str], action: &str, key: &str| {
            let resource = format!("arn:aws:s3:::user-data/{key}");
            decide(std::slice::from_ref(&policy), &request_context(&claims(amr), FACTS, action, &resource))
        };
        assert_eq!(decide_for(&["unauthenticated"], "s3:PutObject", "us-east-1:alice/a.txt"), Decision::Allow);
        assert_eq!(decide_for(&["unauthenticated"], "s3:GetObject", "us-east-1:bob/a.txt"), Decision::ImplicitDeny);
        assert_eq!(decide_for(&["unauthenticated"], "s3:GetObject", "public/a.txt"), Decision::ImplicitDeny);
        assert_eq!(decide_for(&["authenticated"], "s3:GetObject", "public/a.txt"), Decision::Allow);
        assert_eq!(decide(&[], &request_context(&claims(&[]), FACTS, "s3:GetObject", "*")), Decision::ImplicitDeny);
    }
}
