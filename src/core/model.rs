//! The shapes of the Cognito Identity API's inputs and outputs, with the
//! constraints of the API model. Inputs keep required members optional so a
//! missing one becomes a `ValidationException`, not a parse failure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::validate::{Pattern, Violations};

/// Longest id (pool or identity) the model allows.
pub const MAX_ID_LEN: usize = 55;
/// Most Logins in one call.
pub const MAX_LOGINS: usize = 10;
/// Longest identity provider token.
pub const MAX_TOKEN_LEN: usize = 50_000;

/// The pool tag that chooses how the pool keeps its guests.
pub const GUEST_STORAGE_TAG: &str = "cognate:guest-storage";

/// How a pool keeps its guests (the [`GUEST_STORAGE_TAG`] tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestStorage {
    /// `listed` (the default, as Cognito): each new guest is recorded, after
    /// the response, for ListIdentities and DescribeIdentity.
    Listed,
    /// `none`: nothing is written for a guest until it first changes (is
    /// linked to a login or deleted); ListIdentities shows only those.
    Unlisted,
}

/// A Cognito user pool provider of an identity pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CognitoIdentityProvider {
    /// `cognito-idp.<region>.amazonaws.com/<userPoolId>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    /// The app client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Whether to check the token with the user pool (refused until built).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_side_token_check: Option<bool>,
}

/// An identity pool's settings: `CreateIdentityPool`'s input, and the
/// `IdentityPool` shape that Describe/Update return. Stored as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityPool {
    /// The pool id (absent in CreateIdentityPool's input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_pool_id: Option<String>,
    /// The pool's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_pool_name: Option<String>,
    /// Whether guests may get identities.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_unauthenticated_identities: Option<bool>,
    /// Whether the classic flow is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_classic_flow: Option<bool>,
    /// Provider name → comma-separated client ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_login_providers: Option<BTreeMap<String, String>>,
    /// The developer provider's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_provider_name: Option<String>,
    /// IAM OIDC provider ARNs.
    #[serde(rename = "OpenIdConnectProviderARNs", skip_serializing_if = "Option::is_none")]
    pub open_id_connect_provider_arns: Option<Vec<String>>,
    /// Cognito user pool providers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cognito_identity_providers: Option<Vec<CognitoIdentityProvider>>,
    /// SAML provider ARNs.
    #[serde(rename = "SamlProviderARNs", skip_serializing_if = "Option::is_none")]
    pub saml_provider_arns: Option<Vec<String>>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_pool_tags: Option<BTreeMap<String, String>>,
}

impl IdentityPool {
    /// Checks the model's constraints and cognate's rules on the settings.
    pub fn validate(&self, with_id: bool) -> Result<(), ApiError> {
        let mut v = Violations::new();
        if with_id {
            if let Some(id) = v.required("identityPoolId", &self.identity_pool_id) {
                v.string("identityPoolId", id, 1, MAX_ID_LEN, Some(Pattern::Id));
            }
        }
        if let Some(name) = v.required("identityPoolName", &self.identity_pool_name) {
            v.string("identityPoolName", name, 1, 128, Some(Pattern::PoolName));
        }
        v.required("allowUnauthenticatedIdentities", &self.allow_unauthenticated_identities);
        if let Some(map) = &self.supported_login_providers {
            v.count("supportedLoginProviders", map.len(), 0, 10);
            for (name, ids) in map {
                v.string("supportedLoginProviders", name, 1, 128, None);
                v.string("supportedLoginProviders", ids, 1, 128, Some(Pattern::ProviderClientIds));
            }
        }
        v.opt_string("developerProviderName", &self.developer_provider_name, 1, 128, Some(Pattern::DeveloperProvider));
        for arn in self.open_id_connect_provider_arns.iter().flatten() {
            v.string("openIdConnectProviderARNs", arn, 20, 2048, None);
        }
        for arn in self.saml_provider_arns.iter().flatten() {
            v.string("samlProviderARNs", arn, 20, 2048, None);
        }
        for p in self.cognito_identity_providers.iter().flatten() {
            v.opt_string(
                "cognitoIdentityProviders.member.providerName",
                &p.provider_name,
                1,
                128,
                Some(Pattern::CognitoProviderName),
            );
            v.opt_string("cognitoIdentityProviders.member.clientId", &p.client_id, 1, 128, Some(Pattern::ClientId));
        }
        if let Some(tags) = &self.identity_pool_tags {
            v.count("identityPoolTags", tags.len(), 0, 50);
            for (k, val) in tags {
                v.string("identityPoolTags", k, 1, 128, None);
                v.string("identityPoolTags", val, 0, 256, None);
            }
        }
        v.finish()?;
        self.check_rules()
    }

    fn check_rules(&self) -> Result<(), ApiError> {
        if let Some(tags) = &self.identity_pool_tags {
            check_guest_storage_tag(tags)?;
        }
        if self.cognito_identity_providers.iter().flatten().any(|p| p.server_side_token_check == Some(true)) {
            return Err(ApiError::invalid_parameter("ServerSideTokenCheck is not supported by cognate yet."));
        }
        for arn in self.open_id_connect_provider_arns.iter().flatten() {
            let issuer = arn
                .strip_prefix("arn:aws:iam::")
                .and_then(|rest| rest.split_once(":oidc-provider/"))
                .map(|(_, issuer)| issuer)
                .filter(|issuer| !issuer.is_empty())
                .ok_or_else(|| ApiError::invalid_parameter(format!("Invalid OpenIdConnectProviderARN: {arn}")))?;
            let has_clients = self.supported_login_providers.as_ref().is_some_and(|m| m.contains_key(issuer));
            if !has_clients {
                return Err(ApiError::invalid_parameter(format!(
                    "OpenIdConnectProviderARN {arn} needs its client ids in SupportedLoginProviders under '{issuer}'."
                )));
            }
        }
        Ok(())
    }

    /// How the pool keeps its guests: the `cognate:guest-storage` tag.
    pub fn guest_storage(&self) -> GuestStorage {
        match self.identity_pool_tags.as_ref().and_then(|t| t.get(GUEST_STORAGE_TAG)).map(String::as_str) {
            Some("none") => GuestStorage::Unlisted,
            _ => GuestStorage::Listed,
        }
    }

    /// Whether guests may get identities.
    pub fn allows_guests(&self) -> bool {
        self.allow_unauthenticated_identities == Some(true)
    }
}

/// Most tags a pool may have, as in Cognito.
pub const MAX_POOL_TAGS: usize = 50;

/// cognate's rule on a pool's tags: the [`GUEST_STORAGE_TAG`], if present,
/// is `listed` or `none`.
pub fn check_guest_storage_tag(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    match tags.get(GUEST_STORAGE_TAG) {
        Some(mode) if mode != "listed" && mode != "none" => Err(ApiError::invalid_parameter(format!(
            "The tag '{GUEST_STORAGE_TAG}' must be 'listed' or 'none', not '{mode}'."
        ))),
        _ => Ok(()),
    }
}

/// The rules on the tags a pool has after TagResource or UntagResource:
/// at most [`MAX_POOL_TAGS`], and [`check_guest_storage_tag`].
pub fn check_pool_tags(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    if tags.len() > MAX_POOL_TAGS {
        return Err(ApiError::invalid_parameter(format!("An identity pool can have at most {MAX_POOL_TAGS} tags.")));
    }
    check_guest_storage_tag(tags)
}

/// One rule of a `Rules` role mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MappingRule {
    /// The claim to match.
    pub claim: Option<String>,
    /// `Equals`, `Contains`, `StartsWith` or `NotEqual`.
    pub match_type: Option<String>,
    /// The value to match.
    pub value: Option<String>,
    /// The role chosen on a match.
    #[serde(rename = "RoleARN")]
    pub role_arn: Option<String>,
}

/// The rules of a `Rules` role mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RulesConfiguration {
    /// The rules, first match wins.
    pub rules: Option<Vec<MappingRule>>,
}

/// How a provider's logins choose a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleMapping {
    /// `Token` or `Rules`.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
    /// `AuthenticatedRole` or `Deny`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ambiguous_role_resolution: Option<String>,
    /// The rules, for `Rules`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_configuration: Option<RulesConfiguration>,
}

/// `SetIdentityPoolRoles`' roles and mappings, validated.
pub fn validate_roles(
    roles: &BTreeMap<String, String>,
    mappings: &BTreeMap<String, RoleMapping>,
) -> Result<(), ApiError> {
    let mut v = Violations::new();
    for (kind, arn) in roles {
        v.string("roles", kind, 1, 128, Some(Pattern::RoleType));
        v.string("roles", arn, 20, 2048, None);
    }
    v.count("roleMappings", mappings.len(), 0, 10);
    for (provider, m) in mappings {
        v.string("roleMappings", provider, 1, 128, None);
        if let Some(kind) = v.required("roleMappings.member.type", &m.kind) {
            v.enumeration("roleMappings.member.type", kind, &["Token", "Rules"]);
        }
        if let Some(res) = &m.ambiguous_role_resolution {
            v.enumeration("roleMappings.member.ambiguousRoleResolution", res, &["AuthenticatedRole", "Deny"]);
        }
        if let Some(rules) = m.rules_configuration.as_ref().and_then(|c| c.rules.as_ref()) {
            v.count("roleMappings.member.rulesConfiguration.rules", rules.len(), 1, 400);
            for r in rules {
                let f = "roleMappings.member.rulesConfiguration.rules.member";
                if let Some(c) = v.required(&format!("{f}.claim"), &r.claim) {
                    v.string(&format!("{f}.claim"), c, 1, 64, None);
                }
                if let Some(t) = v.required(&format!("{f}.matchType"), &r.match_type) {
                    v.enumeration(&format!("{f}.matchType"), t, &["Equals", "Contains", "StartsWith", "NotEqual"]);
                }
                if let Some(val) = v.required(&format!("{f}.value"), &r.value) {
                    v.string(&format!("{f}.value"), val, 1, 128, None);
                }
                if let Some(arn) = v.required(&format!("{f}.roleARN"), &r.role_arn) {
                    v.string(&format!("{f}.roleARN"), arn, 20, 2048, None);
                }
            }
        }
    }
    v.finish()?;
    for (provider, m) in mappings {
        if m.ambiguous_role_resolution.is_none() {
            return Err(ApiError::invalid_parameter(format!(
                "AmbiguousRoleResolution must be specified for the role mapping of '{provider}'."
            )));
        }
        if m.kind.as_deref() == Some("Rules") && m.rules_configuration.as_ref().and_then(|c| c.rules.as_ref()).is_none()
        {
            return Err(ApiError::invalid_parameter(format!(
                "RulesConfiguration is required for the Rules role mapping of '{provider}'."
            )));
        }
    }
    Ok(())
}

/// An identity as DescribeIdentity and ListIdentities show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityDescription {
    /// The identity id.
    pub identity_id: String,
    /// The provider names of its logins.
    pub logins: Vec<String>,
    /// When it was created (epoch seconds); unknown for a guest of a pool
    /// that does not store its guests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<u64>,
    /// When it last changed (epoch seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified_date: Option<u64>,
}

/// Validates an id member (`identityPoolId`, `identityId`).
pub fn check_id(v: &mut Violations, field: &str, value: &Option<String>) {
    if let Some(id) = v.required(field, value) {
        v.string(field, id, 1, MAX_ID_LEN, Some(Pattern::Id));
    }
}

/// Validates a `Logins` map: at most 10, names 1–128, tokens 1–50,000.
pub fn check_logins(v: &mut Violations, logins: &Option<BTreeMap<String, String>>) {
    if let Some(map) = logins {
        v.count("logins", map.len(), 0, MAX_LOGINS);
        for (name, token) in map {
            v.string("logins", name, 1, 128, None);
            v.secret("logins", token, 1, MAX_TOKEN_LEN);
        }
    }
}

/// Validates `MaxResults` (1–60) and `NextToken`.
pub fn check_page(v: &mut Violations, max_results: &Option<i64>, next_token: &Option<String>) {
    if let Some(n) = v.required("maxResults", max_results) {
        v.number("maxResults", *n, 1, 60);
    }
    v.opt_string("nextToken", next_token, 1, 65_535, Some(Pattern::NoSpace));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorKind;

    fn pool() -> IdentityPool {
        IdentityPool {
            identity_pool_name: Some("dev pool".into()),
            allow_unauthenticated_identities: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_pool_is_valid_and_round_trips() {
        let p = pool();
        p.validate(false).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"IdentityPoolName":"dev pool","AllowUnauthenticatedIdentities":true}"#);
        assert_eq!(serde_json::from_str::<IdentityPool>(&json).unwrap(), p);
    }

    #[test]
    fn required_members_are_validation_errors() {
        let err = IdentityPool::default().validate(true).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert!(err.message.starts_with("3 validation errors detected"), "{}", err.message);
    }

    #[test]
    fn server_side_token_check_is_refused_not_ignored() {
        let mut p = pool();
        p.cognito_identity_providers = Some(vec![CognitoIdentityProvider {
            provider_name: Some("cognito-idp.us-east-1.amazonaws.com/us-east-1_abc".into()),
            client_id: Some("client1".into()),
            server_side_token_check: Some(true),
        }]);
        assert_eq!(p.validate(false).unwrap_err().kind, ErrorKind::InvalidParameter);
    }

    #[test]
    fn an_oidc_arn_needs_client_ids() {
        let mut p = pool();
        p.open_id_connect_provider_arns =
            Some(vec!["arn:aws:iam::123456789012:oidc-provider/login.example.com".into()]);
        assert_eq!(p.validate(false).unwrap_err().kind, ErrorKind::InvalidParameter);
        p.supported_login_providers = Some([("login.example.com".to_owned(), "app1".to_owned())].into());
        p.validate(false).unwrap();
        p.open_id_connect_provider_arns = Some(vec!["arn:aws:iam::123456789012:role/not-oidc".into()]);
        assert_eq!(p.validate(false).unwrap_err().kind, ErrorKind::InvalidParameter);
    }

    #[test]
    fn role_mappings_are_checked() {
        let roles: BTreeMap<_, _> =
            [("unauthenticated".to_owned(), "arn:aws:iam::123456789012:role/guest".to_owned())].into();
        validate_roles(&roles, &BTreeMap::new()).unwrap();
        let bad_roles: BTreeMap<_, _> =
            [("guest".to_owned(), "arn:aws:iam::123456789012:role/guest".to_owned())].into();
        assert_eq!(validate_roles(&bad_roles, &BTreeMap::new()).unwrap_err().kind, ErrorKind::Validation);
        let m = RoleMapping { kind: Some("Magic".into()), ambiguous_role_resolution: None, rules_configuration: None };
        let err = validate_roles(&roles, &[("accounts.google.com".to_owned(), m)].into()).unwrap_err();
        assert!(err.message.contains("enum value set: [Token, Rules]"), "{}", err.message);
        let m = RoleMapping { kind: Some("Token".into()), ambiguous_role_resolution: None, rules_configuration: None };
        let err = validate_roles(&roles, &[("accounts.google.com".to_owned(), m)].into()).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidParameter);
    }

    #[test]
    fn logins_are_bounded() {
        let mut v = Violations::new();
        let many: BTreeMap<_, _> = (0..11).map(|i| (format!("p{i}"), "t".to_owned())).collect();
        check_logins(&mut v, &Some(many));
        assert!(v.finish().unwrap_err().message.contains("less than or equal to 10"));
    }
}
