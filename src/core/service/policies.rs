//! cognate's admin operations on roles' inline policies, named and shaped
//! as IAM's (`PutRolePolicy`, `GetRolePolicy`, `ListRolePolicies`,
//! `DeleteRolePolicy`), keyed by role ARN rather than role name. A document
//! is parsed before it is stored, so a stored policy always evaluates.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{decode, Service};
use crate::core::authority::Command;
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::isolate_cache::Policies;
use crate::core::model::check_page;
use crate::core::policy::PolicyDocument;
use crate::core::records::RolePolicies;
use crate::core::store::{keys, Store};
use crate::core::validate::{Pattern, Violations};

/// Longest policy document taken in a request (IAM's model: 131,072).
const MAX_DOCUMENT_CHARS: usize = 131_072;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct RolePolicyInput {
    role_arn: Option<String>,
    policy_name: Option<String>,
    policy_document: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListRolePoliciesInput {
    role_arn: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// Checks a role ARN member: IAM's length, and a role ARN's shape.
fn check_role_arn(v: &mut Violations, role_arn: &Option<String>) {
    if let Some(arn) = v.required("roleArn", role_arn) {
        v.string("roleArn", arn, 20, 2048, None);
    }
}

fn role_arn_shape(role_arn: &str) -> Result<(), ApiError> {
    let rest = role_arn.strip_prefix("arn:aws:iam::").and_then(|r| r.split_once(":role/"));
    match rest {
        Some((account, name)) if Pattern::Digits.matches(account) && account.len() == 12 && !name.is_empty() => Ok(()),
        _ => Err(ApiError::invalid_parameter(format!("RoleArn '{role_arn}' is not a role ARN."))),
    }
}

impl RolePolicyInput {
    fn check(self, with_document: bool) -> Result<(String, String, Option<String>), ApiError> {
        let mut v = Violations::new();
        check_role_arn(&mut v, &self.role_arn);
        if let Some(name) = v.required("policyName", &self.policy_name) {
            v.string("policyName", name, 1, 128, Some(Pattern::PolicyName));
        }
        if with_document {
            if let Some(document) = v.required("policyDocument", &self.policy_document) {
                v.string("policyDocument", document, 1, MAX_DOCUMENT_CHARS, None);
            }
        }
        v.finish()?;
        let role_arn = self.role_arn.unwrap_or_default();
        role_arn_shape(&role_arn)?;
        Ok((role_arn, self.policy_name.unwrap_or_default(), self.policy_document))
    }
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    pub(super) async fn put_role_policy(&self, input: RolePolicyInput) -> Result<Value, ApiError> {
        let (role_arn, name, document) = input.check(true)?;
        let document = document.unwrap_or_default();
        PolicyDocument::parse(&document)
            .map_err(|e| ApiError::new(ErrorKind::MalformedPolicyDocument, e.to_string()))?;
        let command = Command::PutRolePolicy { role_arn: role_arn.clone(), name, document };
        let applied = self.authority.apply(self.settings_route(), command).await;
        self.cache.forget_policies(&role_arn);
        applied?;
        Ok(json!({}))
    }

    pub(super) async fn get_role_policy(&self, input: RolePolicyInput) -> Result<Value, ApiError> {
        let (role_arn, name, _) = input.check(false)?;
        let record = self.role_policies_consistent(&role_arn).await?;
        match record.policies.get(&name) {
            Some(document) => Ok(json!({ "RoleArn": role_arn, "PolicyName": name, "PolicyDocument": document })),
            None => Err(ApiError::no_such_role_policy(&name)),
        }
    }

    pub(super) async fn list_role_policies(&self, input: ListRolePoliciesInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_role_arn(&mut v, &input.role_arn);
        if input.max_results.is_some() {
            check_page(&mut v, &input.max_results, &input.next_token);
        } else {
            v.opt_string("nextToken", &input.next_token, 1, 65_535, Some(Pattern::NoSpace));
        }
        v.finish()?;
        let role_arn = input.role_arn.unwrap_or_default();
        role_arn_shape(&role_arn)?;
        let record = self.role_policies_consistent(&role_arn).await?;
        // The token is the last name of the previous page (names are sorted).
        let after = input.next_token.as_deref();
        let limit = input.max_results.unwrap_or(60) as usize;
        let mut names = record.policies.keys().filter(|n| after.is_none_or(|a| n.as_str() > a));
        let page: Vec<&String> = names.by_ref().take(limit).collect();
        let mut out = json!({ "PolicyNames": page });
        if names.next().is_some() {
            out["NextToken"] = page.last().map(|n| n.as_str()).unwrap_or_default().into();
        }
        Ok(out)
    }

    pub(super) async fn delete_role_policy(&self, input: RolePolicyInput) -> Result<Value, ApiError> {
        let (role_arn, name, _) = input.check(false)?;
        let command = Command::DeleteRolePolicy { role_arn: role_arn.clone(), name };
        let applied = self.authority.apply(self.settings_route(), command).await;
        self.cache.forget_policies(&role_arn);
        applied?;
        Ok(json!({}))
    }

    /// The parsed policies of `role_arn` as the read store has them, kept
    /// for the settings cache's lifetime: a changed policy applies to live
    /// credentials once KV carries it and the cache lets go. A stored
    /// document that no longer parses fails the request (closed).
    pub(super) async fn role_policy_documents(&self, role_arn: &str) -> Result<Policies, ApiError> {
        let now = self.clock.now();
        if let Some(policies) = self.cache.policies(role_arn, now) {
            return Ok(policies);
        }
        let json = self.store.get(&keys::role_policies(role_arn)).await;
        let json = json.map_err(|e| ApiError::internal(format!("store read failed: {e}")))?;
        let record: RolePolicies = decode(json.as_deref())?.unwrap_or_default();
        let policies: Policies = record
            .policies
            .iter()
            .map(|(name, text)| {
                PolicyDocument::parse(text).map_err(|e| ApiError::internal(format!("stored policy {name}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        self.cache.keep_policies(role_arn, policies.clone(), now, self.config.cache_seconds);
        Ok(policies)
    }

    /// A role's policies on consistent state (the admin operations' view).
    async fn role_policies_consistent(&self, role_arn: &str) -> Result<RolePolicies, ApiError> {
        let json = self.read(&keys::role_policies(role_arn), Some(self.settings_route())).await?;
        Ok(decode(json.as_deref())?.unwrap_or_default())
    }
}
