//! GetCredentialsForIdentity for a role in another AWS account than the
//! deployment's (`ACCOUNT_ID`): cognate mints its own short-lived token for
//! the identity — its audience carrying the auth type, since IAM trust
//! policies of an OpenID provider can test `aud` and `sub` but not `amr` —
//! and has AWS STS assume the role with it. The token never leaves this call.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::Service;
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::ApiError;
use crate::core::store::Store;
use crate::core::sts;
use crate::core::token::{self, OpenIdClaims, TagsClaim};

/// The account of a role ARN (`arn:<partition>:iam::<account>:role/...`).
pub(super) fn role_account(role_arn: &str) -> Option<&str> {
    let mut parts = role_arn.splitn(6, ':');
    let (arn, _, iam, _, account) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (arn == "arn" && iam == "iam").then_some(account)
}

/// What STS is asked for one identity.
pub(super) struct AwsRole<'a> {
    pub pool_id: &'a str,
    pub identity_id: &'a str,
    pub role_arn: &'a str,
    pub authenticated: bool,
    pub amr: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// Whether `role_arn` is an AWS role (not one of cognate's own).
    pub(super) fn is_aws_role(&self, role_arn: &str) -> bool {
        role_account(role_arn).is_some_and(|account| account != self.config.account_id)
    }

    /// STS's credentials for `role`, in Cognito's shape.
    pub(super) async fn assume_aws_role(&self, role: AwsRole<'_>) -> Result<Value, ApiError> {
        let now = self.clock.now();
        let kind = if role.authenticated { "authenticated" } else { "unauthenticated" };
        let tags = (!role.tags.is_empty()).then(|| TagsClaim {
            transitive_tag_keys: role.tags.keys().cloned().collect(),
            principal_tags: role.tags.into_iter().map(|(k, v)| (k, vec![v])).collect(),
        });
        let claims = OpenIdClaims {
            iss: self.config.issuer.clone(),
            sub: role.identity_id.to_owned(),
            aud: format!("{}:{kind}", role.pool_id),
            amr: role.amr,
            iat: now,
            exp: now + sts::TOKEN_LIFETIME,
            tags,
        };
        let token = token::sign(self.signer, &claims).await.map_err(|e| ApiError::internal(e.to_string()))?;
        let body = sts::request_body(role.role_arn, &sts::session_name(role.identity_id), &token);
        let answer = self.http.post_form(&format!("{}/", self.config.aws_sts_endpoint), &body).await.map_err(|e| {
            ApiError::new(crate::core::error::ErrorKind::ExternalService, "AWS STS is not available. Try again later.")
                .with_detail(e.to_string())
        })?;
        let c = sts::read_answer(answer.status, &answer.body)?;
        Ok(json!({
            "AccessKeyId": c.access_key_id,
            "SecretKey": c.secret_access_key,
            "SessionToken": c.session_token,
            "Expiration": c.expiration,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::role_account;

    #[test]
    fn the_account_of_a_role() {
        assert_eq!(role_account("arn:aws:iam::123456789012:role/app"), Some("123456789012"));
        assert_eq!(role_account("arn:aws-cn:iam::123456789012:role/path/app"), Some("123456789012"));
        assert_eq!(role_account("arn:aws:s3:::bucket"), None);
        assert_eq!(role_account("role/app"), None);
    }
}
