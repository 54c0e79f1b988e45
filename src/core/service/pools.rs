//! The admin operations on identity pools: create, describe, update
//! (a full replace, as Cognito's), delete, list, and the pool's roles.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{unexpected, with_next_token, Service};
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::ApiError;
use crate::core::ids::new_pool_id;
use crate::core::login::{provider, social};
use crate::core::model::{check_id, check_page, validate_roles, IdentityPool, RoleMapping};
use crate::core::records::{pool_name_from_metadata, PoolRecord, PrincipalTagMap};
use crate::core::store::{keys, Store, StoreError};
use crate::core::validate::Violations;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PoolIdInput {
    identity_pool_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListInput {
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct SetRolesInput {
    identity_pool_id: Option<String>,
    roles: Option<BTreeMap<String, String>>,
    role_mappings: Option<BTreeMap<String, RoleMapping>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PrincipalTagsInput {
    identity_pool_id: Option<String>,
    identity_provider_name: Option<String>,
    use_defaults: Option<bool>,
    principal_tags: Option<BTreeMap<String, String>>,
}

impl PrincipalTagsInput {
    fn check(&self) -> Result<(String, String), ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityPoolId", &self.identity_pool_id);
        if let Some(name) = v.required("identityProviderName", &self.identity_provider_name) {
            v.string("identityProviderName", name, 1, 128, None);
        }
        if let Some(tags) = &self.principal_tags {
            v.count("principalTags", tags.len(), 1, 50);
            for (tag, claim) in tags {
                v.string("principalTags", tag, 1, 128, None);
                v.string("principalTags", claim, 1, 256, None);
            }
        }
        v.finish()?;
        Ok((self.identity_pool_id.clone().unwrap_or_default(), self.identity_provider_name.clone().unwrap_or_default()))
    }
}

fn tags_json(pool_id: &str, provider: &str, map: &PrincipalTagMap) -> Value {
    let mut out =
        json!({ "IdentityPoolId": pool_id, "IdentityProviderName": provider, "UseDefaults": map.use_defaults });
    if !map.tags.is_empty() {
        out["PrincipalTags"] = serde_json::to_value(&map.tags).expect("tags serialize");
    }
    out
}

/// Checks a lone `IdentityPoolId` input and returns the id.
pub(super) fn pool_id(input: PoolIdInput) -> Result<String, ApiError> {
    let mut v = Violations::new();
    check_id(&mut v, "identityPoolId", &input.identity_pool_id);
    v.finish()?;
    Ok(input.identity_pool_id.unwrap_or_default())
}

fn pool_json(record: &PoolRecord) -> Value {
    serde_json::to_value(&record.config).expect("settings serialize")
}

fn pool_outcome(outcome: Outcome) -> Result<PoolRecord, ApiError> {
    match outcome {
        Outcome::Pool { record } => Ok(record),
        other => Err(unexpected(&other)),
    }
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    pub(super) async fn create_pool(&self, mut config: IdentityPool) -> Result<Value, ApiError> {
        config.identity_pool_id = None;
        config.validate(false)?;
        config.identity_pool_id = Some(new_pool_id(&self.config.region, self.random));
        self.insert_pool(config).await
    }

    pub(super) async fn import_pool(&self, config: IdentityPool) -> Result<Value, ApiError> {
        config.validate(true)?;
        let id = config.identity_pool_id.as_deref().unwrap_or_default();
        let canonical = id
            .split_once(':')
            .filter(|(region, _)| *region == self.config.region)
            .and_then(|(_, uuid)| uuid::Uuid::try_parse(uuid).ok().map(|u| u.hyphenated().to_string() == uuid));
        if canonical != Some(true) {
            return Err(ApiError::invalid_parameter(format!(
                "IdentityPoolId must be '{}:' followed by a lowercase UUID.",
                self.config.region
            )));
        }
        self.insert_pool(config).await
    }

    async fn insert_pool(&self, config: IdentityPool) -> Result<Value, ApiError> {
        let route = self.pool_route(config.identity_pool_id.as_deref().unwrap_or_default());
        let record = PoolRecord {
            config,
            roles: BTreeMap::new(),
            role_mappings: BTreeMap::new(),
            principal_tags: BTreeMap::new(),
            created: self.clock.now(),
        };
        let outcome = self.authority.apply(route, Command::CreatePool { record, tag: route.to_hex() }).await?;
        let record = pool_outcome(outcome)?;
        self.cache.forget_pools_of(route);
        self.changed_pool(record.id(), Some(record.clone()));
        Ok(pool_json(&record))
    }

    pub(super) async fn describe_pool(&self, input: PoolIdInput) -> Result<Value, ApiError> {
        let pool_id = pool_id(input)?;
        Ok(pool_json(&*self.pool(&pool_id).await?))
    }

    pub(super) async fn update_pool(&self, config: IdentityPool) -> Result<Value, ApiError> {
        config.validate(true)?;
        let route = self.pool_route(config.identity_pool_id.as_deref().unwrap_or_default());
        let outcome = self.authority.apply(route, Command::UpdatePool { config }).await?;
        let record = pool_outcome(outcome)?;
        self.changed_pool(record.id(), Some(record.clone()));
        Ok(pool_json(&record))
    }

    pub(super) async fn delete_pool(&self, input: PoolIdInput) -> Result<Value, ApiError> {
        let pool_id = pool_id(input)?;
        let route = self.pool_route(&pool_id);
        let command = Command::DeletePool { pool_id: pool_id.clone(), tag: route.to_hex(), now: self.clock.now() };
        self.authority.apply(route, command).await?;
        self.cache.forget_pools_of(route);
        self.changed_pool(&pool_id, None);
        // Its identities, and the list entries of guests that only the
        // store holds, are removed by the authority in bounded steps.
        Ok(json!({}))
    }

    pub(super) async fn list_pools(&self, input: ListInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_page(&mut v, &input.max_results, &input.next_token);
        v.finish()?;
        let page = self.list_page(keys::POOL_PREFIX, input.max_results, input.next_token.as_deref()).await?;
        let pools: Vec<Value> = page
            .keys
            .iter()
            .map(|k| {
                let id = &k.name[keys::POOL_PREFIX.len()..];
                let name = k.metadata.as_deref().and_then(pool_name_from_metadata);
                json!({ "IdentityPoolId": id, "IdentityPoolName": name })
            })
            .collect();
        Ok(with_next_token(json!({ "IdentityPools": pools }), page.cursor))
    }

    pub(super) async fn set_roles(&self, input: SetRolesInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityPoolId", &input.identity_pool_id);
        v.required("roles", &input.roles);
        v.finish()?;
        let roles = input.roles.unwrap_or_default();
        let role_mappings = input.role_mappings.unwrap_or_default();
        validate_roles(&roles, &role_mappings)?;
        let pool_id = input.identity_pool_id.unwrap_or_default();
        let command = Command::SetRoles { pool_id: pool_id.clone(), roles, role_mappings };
        let record = pool_outcome(self.authority.apply(self.pool_route(&pool_id), command).await?)?;
        self.changed_pool(&pool_id, Some(record));
        Ok(json!({}))
    }

    pub(super) async fn get_roles(&self, input: PoolIdInput) -> Result<Value, ApiError> {
        let pool_id = pool_id(input)?;
        let record = self.pool(&pool_id).await?;
        let mut out = json!({ "IdentityPoolId": pool_id, "Roles": record.roles });
        if !record.role_mappings.is_empty() {
            out["RoleMappings"] = serde_json::to_value(&record.role_mappings).expect("mappings serialize");
        }
        Ok(out)
    }
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    pub(super) async fn set_principal_tags(&self, input: PrincipalTagsInput) -> Result<Value, ApiError> {
        let (pool_id, provider_name) = input.check()?;
        let pool = self.pool(&pool_id).await?;
        let configured = provider::resolve(&pool.config, &provider_name, &self.config.insecure_http_issuers).is_some()
            || social::resolve(&pool.config, &provider_name).is_some()
            || crate::core::login::saml::pool_lists(&pool.config, &provider_name);
        if !configured {
            return Err(ApiError::invalid_parameter(format!(
                "Identity provider '{provider_name}' is not configured for identity pool '{pool_id}'."
            )));
        }
        let map = PrincipalTagMap {
            use_defaults: input.use_defaults.unwrap_or(false),
            tags: input.principal_tags.unwrap_or_default(),
        };
        let command =
            Command::SetPrincipalTags { pool_id: pool_id.clone(), provider: provider_name.clone(), map: map.clone() };
        let record = pool_outcome(self.authority.apply(self.pool_route(&pool_id), command).await?)?;
        self.changed_pool(&pool_id, Some(record));
        Ok(tags_json(&pool_id, &provider_name, &map))
    }

    pub(super) async fn get_principal_tags(&self, input: PrincipalTagsInput) -> Result<Value, ApiError> {
        let (pool_id, provider_name) = input.check()?;
        let pool = self.pool(&pool_id).await?;
        let map = pool.principal_tags.get(&provider_name).cloned().unwrap_or_default();
        Ok(tags_json(&pool_id, &provider_name, &map))
    }
}

/// A failed `list()`: a cursor we did not hand out is the caller's fault.
pub(super) fn list_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Cursor => ApiError::invalid_parameter("The NextToken is not valid."),
        other => ApiError::internal(format!("store list failed: {other}")),
    }
}
