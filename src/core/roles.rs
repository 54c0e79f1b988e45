//! Which role a signed-in identity gets. With Logins from several providers,
//! cognate's rule: the first `Logins` key, in sorted order, that has a role
//! mapping decides (mappings are keyed as Cognito keys them: the provider
//! name, or `<user pool provider>:<app client id>` for Cognito user pools).
//! `Token` mappings take `cognito:preferred_role`, or the one role of
//! `cognito:roles` (the `CustomRoleArn` chooses among several); `Rules`
//! mappings take the first matching rule. What stays ambiguous goes to the
//! authenticated role or is denied, as the mapping says. No mapping: the
//! pool's authenticated role.
//!
//! A SAML login whose assertion grants roles through its provider (the
//! `https://aws.amazon.com/SAML/Attributes/Role` attribute, pairs of role
//! and provider ARN) decides as Cognito documents it: one role is taken;
//! among several, `CustomRoleArn` chooses (required, and it must be one of
//! them). It decides in its `Logins` key order like a mapped login; a SAML
//! login granting no role is an ordinary login (its mapping, with the
//! attributes as claims, or the authenticated role). As with `Token`
//! mappings' `cognito:roles`, the provider names the role: cognate has no
//! trust policies, so a role's own policies should condition on the pool
//! (`cognito-identity.amazonaws.com:aud`) where that matters.

use serde_json::Value;

use super::error::ApiError;
use super::login::claims::Claims;
use super::login::provider::ProviderKind;
use super::login::saml::granted_roles;
use super::model::{MappingRule, RoleMapping};
use super::records::PoolRecord;

/// What the role choice needs to know of one verified login.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoginFacts<'a> {
    /// The provider name (the `Logins` key).
    pub provider: &'a str,
    /// The provider's kind.
    pub kind: ProviderKind,
    /// The client id the token was for.
    pub client_id: &'a str,
    /// The token's claims.
    pub claims: &'a Claims,
}

impl LoginFacts<'_> {
    /// The key of this login's role mapping.
    pub(crate) fn mapping_key(&self) -> String {
        match self.kind {
            ProviderKind::CognitoUserPool => format!("{}:{}", self.provider, self.client_id),
            _ => self.provider.to_owned(),
        }
    }
}

/// The string form of a claim value for matching (strings as they are,
/// numbers and booleans as JSON writes them).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether `rule` matches `claims`. `NotEqual` on a missing claim does not
/// match (the rule is skipped); `Contains` on an array matches an element.
pub(crate) fn rule_matches(rule: &MappingRule, claims: &Claims) -> bool {
    let (Some(claim), Some(kind), Some(expected)) = (&rule.claim, &rule.match_type, &rule.value) else { return false };
    let Some(actual) = claims.0.get(claim) else { return false };
    if let Value::Array(items) = actual {
        return kind == "Contains" && items.iter().filter_map(scalar).any(|i| &i == expected);
    }
    let Some(actual) = scalar(actual) else { return false };
    match kind.as_str() {
        "Equals" => &actual == expected,
        "NotEqual" => &actual != expected,
        "StartsWith" => actual.starts_with(expected.as_str()),
        "Contains" => actual.contains(expected.as_str()),
        _ => false,
    }
}

fn token_roles(claims: &Claims) -> Vec<String> {
    match claims.0.get("cognito:roles") {
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        Some(Value::String(s)) => s.split(',').map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()).collect(),
        _ => Vec::new(),
    }
}

/// The role a mapping chooses, if it chooses one.
fn mapped_role(mapping: &RoleMapping, claims: &Claims, custom_role_arn: Option<&str>) -> Option<String> {
    match mapping.kind.as_deref() {
        Some("Token") => {
            let roles = token_roles(claims);
            if let Some(custom) = custom_role_arn {
                return roles.iter().find(|r| r.as_str() == custom).cloned();
            }
            if let Some(preferred) = claims.str("cognito:preferred_role") {
                return Some(preferred.to_owned());
            }
            match roles.as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            }
        }
        Some("Rules") => mapping
            .rules_configuration
            .as_ref()
            .and_then(|c| c.rules.as_ref())
            .and_then(|rules| rules.iter().find(|r| rule_matches(r, claims)))
            .and_then(|r| r.role_arn.clone()),
        _ => None,
    }
}

fn authenticated_role(pool: &PoolRecord) -> Result<String, ApiError> {
    pool.roles.get("authenticated").cloned().ok_or_else(|| ApiError::missing_role("authenticated", pool.id()))
}

/// The role among the roles a SAML assertion grants: the one, or the one
/// `CustomRoleArn` names.
fn saml_role(granted: Vec<String>, custom_role_arn: Option<&str>) -> Result<String, ApiError> {
    match (custom_role_arn, granted.as_slice()) {
        (Some(custom), _) if granted.iter().any(|r| r == custom) => Ok(custom.to_owned()),
        (Some(_), _) => {
            Err(ApiError::not_authorized("The SAML assertion does not grant the role CustomRoleArn names."))
        }
        (None, [one]) => Ok(one.clone()),
        (None, _) => Err(ApiError::invalid_parameter(
            "The SAML assertion grants several roles: CustomRoleArn must name one of them.",
        )),
    }
}

/// The role for `logins` (sorted by provider name) in `pool`.
pub(crate) fn resolve(
    pool: &PoolRecord,
    logins: &[LoginFacts<'_>],
    custom_role_arn: Option<&str>,
) -> Result<String, ApiError> {
    enum Decides<'m> {
        Saml(Vec<String>),
        Mapping(&'m RoleMapping),
    }
    let deciding = logins.iter().find_map(|l| {
        if l.kind == ProviderKind::Saml {
            let granted = granted_roles(l.claims, l.provider);
            if !granted.is_empty() {
                return Some((l, Decides::Saml(granted)));
            }
        }
        pool.role_mappings.get(&l.mapping_key()).map(|m| (l, Decides::Mapping(m)))
    });
    let (login, mapping) = match deciding {
        None => return authenticated_role(pool),
        Some((_, Decides::Saml(granted))) => return saml_role(granted, custom_role_arn),
        Some((login, Decides::Mapping(mapping))) => (login, mapping),
    };
    if let Some(role) = mapped_role(mapping, login.claims, custom_role_arn) {
        return Ok(role);
    }
    match mapping.ambiguous_role_resolution.as_deref() {
        Some("AuthenticatedRole") => authenticated_role(pool),
        _ => Err(ApiError::not_authorized(
            "The role mapping chose no role for this login and its AmbiguousRoleResolution is Deny.",
        )),
    }
}

#[cfg(test)]
mod tests;
