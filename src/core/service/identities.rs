//! The admin operations on identities: describe, list (one store `list()`
//! per page, descriptions from key metadata) and delete (grouped by the
//! pool authority that holds them; a guest whose id proves itself leaves a
//! tombstone, stored or not).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde::Deserialize;
use serde_json::{json, Value};

use super::lookup::Known;
use super::{pools, unexpected, with_next_token, Service};
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::{Authority, Http, Signer, Verifier};
use crate::core::error::ApiError;
use crate::core::ids::RouteTag;
use crate::core::model::{check_id, check_page, IdentityDescription, MAX_ID_LEN};
use crate::core::records::{IdentityRecord, MemberMetadata};
use crate::core::store::{keys, Store};
use crate::core::validate::{Pattern, Violations};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct IdentityIdInput {
    identity_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListIdentitiesInput {
    identity_pool_id: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    hide_disabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct DeleteIdentitiesInput {
    identity_ids_to_delete: Option<Vec<String>>,
}

impl<S: Store, A: Authority, K: Signer, H: Http, V: Verifier> Service<'_, S, A, K, H, V> {
    pub(super) async fn describe_identity(&self, input: IdentityIdInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityId", &input.identity_id);
        v.finish()?;
        let id = input.identity_id.unwrap_or_default();
        let description = match self.lookup(&id).await? {
            Known::Stored(record) => record.description(&id),
            // A guest never stored: its list entry knows when it came, if the pool keeps one.
            Known::Unstored(pool) => {
                let page = self.store.list(&keys::member(pool.id(), &id), None, 1).await.map_err(pools::list_error)?;
                let meta = page.keys.first().and_then(|k| k.metadata.as_deref());
                let meta: Option<MemberMetadata> = meta.and_then(|m| serde_json::from_str(m).ok());
                IdentityDescription {
                    identity_id: id.clone(),
                    logins: Vec::new(),
                    creation_date: meta.as_ref().map(|m| m.created),
                    last_modified_date: meta.as_ref().map(|m| m.modified),
                }
            }
        };
        Ok(serde_json::to_value(description).expect("descriptions serialize"))
    }

    pub(super) async fn list_identities(&self, input: ListIdentitiesInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        check_id(&mut v, "identityPoolId", &input.identity_pool_id);
        check_page(&mut v, &input.max_results, &input.next_token);
        v.finish()?;
        let pool_id = input.identity_pool_id.unwrap_or_default();
        self.pool(&pool_id).await?;
        let prefix = keys::member_prefix(&pool_id);
        let page = self.list_page(&prefix, input.max_results, input.next_token.as_deref()).await?;
        let mut identities = Vec::with_capacity(page.keys.len());
        for key in &page.keys {
            let identity_id = &key.name[prefix.len()..];
            let meta: Option<MemberMetadata> = key.metadata.as_deref().and_then(|m| serde_json::from_str(m).ok());
            let description = match meta {
                Some(MemberMetadata { logins: Some(logins), created, modified, disabled, .. }) => {
                    if disabled && input.hide_disabled == Some(true) {
                        continue;
                    }
                    IdentityDescription {
                        identity_id: identity_id.to_owned(),
                        logins,
                        creation_date: Some(created),
                        last_modified_date: Some(modified),
                    }
                }
                // Metadata without the provider names (too long) or unreadable:
                // the record has it all.
                _ => match self.lookup(identity_id).await {
                    Ok(Known::Stored(record)) if record.disabled && input.hide_disabled == Some(true) => continue,
                    Ok(Known::Stored(record)) => record.description(identity_id),
                    _ => continue,
                },
            };
            identities.push(description);
        }
        Ok(with_next_token(json!({ "IdentityPoolId": pool_id, "Identities": identities }), page.cursor))
    }

    pub(super) async fn delete_identities(&self, input: DeleteIdentitiesInput) -> Result<Value, ApiError> {
        let mut v = Violations::new();
        if let Some(ids) = v.required("identityIdsToDelete", &input.identity_ids_to_delete) {
            v.count("identityIdsToDelete", ids.len(), 1, 60);
            for id in ids {
                v.string("identityIdsToDelete", id, 1, MAX_ID_LEN, Some(Pattern::Id));
            }
        }
        v.finish()?;
        let mut by_route: BTreeMap<RouteTag, (Vec<String>, BTreeMap<String, String>)> = BTreeMap::new();
        for id in input.identity_ids_to_delete.unwrap_or_default() {
            // An id that carries no routing tag was never issued here.
            let Some(route) = RouteTag::of_identity(&id) else { continue };
            let issuer = self.issuing_pool(&id).await?;
            let (ids, proven) = by_route.entry(route).or_default();
            if let Some(pool) = issuer {
                proven.insert(id.clone(), pool.id().to_owned());
            }
            ids.push(id);
        }
        let mut unprocessed = Vec::new();
        for (route, (identity_ids, proven)) in by_route {
            let now = self.clock.now();
            let command =
                Command::DeleteIdentities { identity_ids: identity_ids.clone(), proven, now, idle_before: None };
            match self.authority.apply(route, command).await {
                Ok(Outcome::Deleted { identity_ids }) => {
                    // Gone in this isolate at once, whatever the store shows yet.
                    for id in identity_ids {
                        let pool = Rc::new(IdentityRecord::tombstone("", now));
                        self.changed_identity(&id, Some(pool));
                    }
                }
                Ok(other) => return Err(unexpected(&other)),
                Err(_) => unprocessed.extend(
                    identity_ids.into_iter().map(|id| json!({ "IdentityId": id, "ErrorCode": "InternalServerError" })),
                ),
            }
        }
        Ok(json!({ "UnprocessedIdentityIds": unprocessed }))
    }
}
