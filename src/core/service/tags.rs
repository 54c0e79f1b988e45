//! The tagging operations on identity pools — TagResource, UntagResource,
//! ListTagsForResource — by pool ARN,
//! `arn:aws:cognito-identity:<region>:<account>:identitypool/<poolId>`.
//! The tags are the pool's `IdentityPoolTags`; a change is decided by the
//! pool's authority on its consistent copy (see `Command::ChangeTags`).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{unexpected, Service};
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::model::{check_pool_tags, MAX_ID_LEN};
use crate::core::store::Store;
use crate::core::validate::{Pattern, Violations};

/// The ARN's service.
const ARN_SERVICE: &str = "cognito-identity";
/// The partition of cognate's ARNs.
const ARN_PARTITION: &str = "aws";
/// What an identity pool's ARN has before the pool id.
const POOL_RESOURCE_PREFIX: &str = "identitypool/";
/// The prefix of tag keys reserved for AWS (any case).
const RESERVED_PREFIX: &str = "aws:";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct TagInput {
    resource_arn: Option<String>,
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct UntagInput {
    resource_arn: Option<String>,
    tag_keys: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListTagsInput {
    resource_arn: Option<String>,
}

/// Checks `ResourceArn` against the model (required, 20–2048 characters).
fn check_arn(v: &mut Violations, arn: &Option<String>) {
    if let Some(arn) = v.required("resourceArn", arn) {
        v.string("resourceArn", arn, 20, 2048, None);
    }
}

/// Checks a tag key against the model (1–128 characters).
fn check_key(v: &mut Violations, field: &str, key: &str) {
    v.string(field, key, 1, 128, None);
}

/// The pool id an ARN of this deployment names.
///
/// An ARN that is not an identity pool's ARN at all is an
/// `InvalidParameterException`; one of another partition, region or account
/// names no pool here: `ResourceNotFoundException`.
pub(super) fn pool_id_of_arn<'a>(arn: &'a str, region: &str, account_id: &str) -> Result<&'a str, ApiError> {
    let invalid = || ApiError::invalid_parameter(format!("Invalid identity pool ARN: '{arn}'."));
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(ARN_SERVICE), Some(arn_region), Some(account), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let pool_id = resource.strip_prefix(POOL_RESOURCE_PREFIX).ok_or_else(invalid)?;
    let well_formed = !partition.is_empty()
        && !arn_region.is_empty()
        && Pattern::Digits.matches(account)
        && pool_id.len() <= MAX_ID_LEN
        && Pattern::Id.matches(pool_id);
    if !well_formed {
        return Err(invalid());
    }
    if partition != ARN_PARTITION || arn_region != region || account != account_id {
        return Err(ApiError::new(ErrorKind::ResourceNotFound, format!("IdentityPool '{arn}' not found.")));
    }
    Ok(pool_id)
}

/// Refuses keys with the prefix reserved for AWS.
fn check_not_reserved<'a>(keys: impl IntoIterator<Item = &'a String>) -> Result<(), ApiError> {
    match keys
        .into_iter()
        .find(|k| k.get(..RESERVED_PREFIX.len()).is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX)))
    {
        Some(key) => Err(ApiError::invalid_parameter(format!(
            "Tag key '{key}' is not allowed: keys starting with 'aws:' are reserved for AWS."
        ))),
        None => Ok(()),
    }
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    /// The pool id of a checked `ResourceArn`.
    fn tagged_pool<'a>(&self, arn: &'a str) -> Result<&'a str, ApiError> {
        pool_id_of_arn(arn, &self.config.region, &self.config.account_id)
    }

    /// Changes a pool's tags on its authority; keeps the isolate's cache right.
    async fn change_tags(
        &self,
        pool_id: &str,
        set: BTreeMap<String, String>,
        remove: Vec<String>,
    ) -> Result<Value, ApiError> {
        let command = Command::ChangeTags { pool_id: pool_id.to_owned(), set, remove };
        match self.authority.apply(self.pool_route(pool_id), command).await? {
            Outcome::Pool { record } => self.changed_pool(pool_id, Some(record)),
            other => return Err(unexpected(&other)),
        }
        Ok(json!({}))
    }

    pub(super) async fn tag_resource(&self, input: TagInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_arn(&mut v, &input.resource_arn);
        if let Some(tags) = v.required("tags", &input.tags) {
            for (key, value) in tags {
                check_key(&mut v, "tags", key);
                v.string("tags", value, 0, 256, None);
            }
        }
        v.finish()?;
        let (arn, tags) = (input.resource_arn.unwrap_or_default(), input.tags.unwrap_or_default());
        let pool_id = self.tagged_pool(&arn)?;
        check_not_reserved(tags.keys())?;
        // What the tags given break on their own needs no authority.
        check_pool_tags(&tags)?;
        self.change_tags(pool_id, tags, Vec::new()).await
    }

    pub(super) async fn untag_resource(&self, input: UntagInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_arn(&mut v, &input.resource_arn);
        if let Some(keys) = v.required("tagKeys", &input.tag_keys) {
            for key in keys {
                check_key(&mut v, "tagKeys.member", key);
            }
        }
        v.finish()?;
        let (arn, keys) = (input.resource_arn.unwrap_or_default(), input.tag_keys.unwrap_or_default());
        let pool_id = self.tagged_pool(&arn)?;
        check_not_reserved(&keys)?;
        self.change_tags(pool_id, BTreeMap::new(), keys).await
    }

    pub(super) async fn list_tags(&self, input: ListTagsInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_arn(&mut v, &input.resource_arn);
        v.finish()?;
        let arn = input.resource_arn.unwrap_or_default();
        let pool = self.pool(self.tagged_pool(&arn)?).await?;
        let tags = pool.config.identity_pool_tags.clone().unwrap_or_default();
        Ok(json!({ "Tags": tags }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: &str = "us-east-1:0c09a7e0-de70-4000-8000-000000000001";

    #[test]
    fn pool_arns_are_parsed_and_checked() {
        let arn = |s: &str| s.replace("{POOL}", POOL);
        let ours = arn("arn:aws:cognito-identity:us-east-1:123456789012:identitypool/{POOL}");
        assert_eq!(pool_id_of_arn(&ours, "us-east-1", "123456789012"), Ok(POOL));
        let cases = [
            // Not an identity pool's ARN.
            ("identitypool/{POOL}", ErrorKind::InvalidParameter),
            ("arn:aws:cognito-identity:us-east-1:123456789012", ErrorKind::InvalidParameter),
            ("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc", ErrorKind::InvalidParameter),
            ("arn:aws:cognito-identity:us-east-1:123456789012:identitypool/", ErrorKind::InvalidParameter),
            ("arn:aws:cognito-identity:us-east-1:123456789012:identitypool/nope", ErrorKind::InvalidParameter),
            ("arn:aws:cognito-identity:us-east-1:123456789012:identity/{POOL}", ErrorKind::InvalidParameter),
            ("arn:aws:cognito-identity:us-east-1:12345678901x:identitypool/{POOL}", ErrorKind::InvalidParameter),
            ("arn::cognito-identity:us-east-1:123456789012:identitypool/{POOL}", ErrorKind::InvalidParameter),
            ("arn:aws:cognito-identity::123456789012:identitypool/{POOL}", ErrorKind::InvalidParameter),
            ("ARN:aws:cognito-identity:us-east-1:123456789012:identitypool/{POOL}", ErrorKind::InvalidParameter),
            // Well formed, but of another deployment.
            ("arn:aws:cognito-identity:eu-west-1:123456789012:identitypool/{POOL}", ErrorKind::ResourceNotFound),
            ("arn:aws:cognito-identity:us-east-1:210987654321:identitypool/{POOL}", ErrorKind::ResourceNotFound),
            ("arn:aws-cn:cognito-identity:us-east-1:123456789012:identitypool/{POOL}", ErrorKind::ResourceNotFound),
        ];
        for (bad, kind) in cases {
            let bad = arn(bad);
            let err = pool_id_of_arn(&bad, "us-east-1", "123456789012").unwrap_err();
            assert_eq!(err.kind, kind, "{bad}");
        }
    }

    #[test]
    fn the_aws_prefix_is_reserved_in_any_case() {
        for key in ["aws:x", "AWS:x", "Aws:", "aws:"] {
            let err = check_not_reserved([&key.to_owned()]).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidParameter, "{key}");
        }
        for key in ["aws", "awsx:y", "x:aws:y", "é", "cognate:guest-storage", ""] {
            assert_eq!(check_not_reserved([&key.to_owned()]), Ok(()), "{key}");
        }
    }
}
