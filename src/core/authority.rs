//! The pool authority's rules: every change of a pool or of its identities is
//! a [`Command`] decided here, on the consistent state of a [`Ledger`], in one
//! synchronous step. The Durable Object (and natively the
//! `core::memory::MemoryAuthority`) only runs [`execute`] and carries the
//! resulting mutations through to the read store.

mod developer;
mod logins;
pub mod purge;
pub mod recheck;
mod settings;
mod wire;

pub use logins::MAX_LOGINS_PER_IDENTITY;
use logins::{owner, sign_in, unlink, Target};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{ApiError, ErrorKind};
use super::ledger::{Ledger, LedgerError, Mutation};
use super::model::{check_pool_tags, IdentityPool, RoleMapping};
use super::records::{ApiRoute, IdentityRecord, LoginRef, PoolRecord, PrincipalTagMap, SamlProviderRecord};
use super::store::keys;

/// A change (or a consistent read) for a pool's authority. Its JSON is the
/// derived `Serialize`'s; the reader is written out in `wire`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Create a pool.
    CreatePool {
        /// The new pool, with its id.
        record: PoolRecord,
        /// Its routing tag, as 8 hex digits (the name of `route/<tag>`).
        tag: String,
    },
    /// Replace a pool's settings (roles and mappings are kept).
    UpdatePool {
        /// The new settings, with the pool id.
        config: IdentityPool,
    },
    /// Change a pool's tags (TagResource, UntagResource): remove `remove`,
    /// then add or overwrite `set`, on the pool's tags as the ledger holds
    /// them, so concurrent changes of different tags all land. Refused when
    /// the result breaks [`check_pool_tags`] (more than 50 tags, a bad
    /// `cognate:guest-storage`).
    ChangeTags {
        /// The pool.
        pool_id: String,
        /// Tags to add or overwrite.
        #[serde(default)]
        set: BTreeMap<String, String>,
        /// Keys to remove (absent ones are skipped).
        #[serde(default)]
        remove: Vec<String>,
    },
    /// Delete a pool at once, and every identity in it in bounded steps
    /// after the answer (see [`purge`]).
    DeletePool {
        /// The pool.
        pool_id: String,
        /// Its routing tag, as 8 hex digits.
        tag: String,
        /// When.
        now: u64,
    },
    /// Replace a pool's roles and role mappings.
    SetRoles {
        /// The pool.
        pool_id: String,
        /// The roles.
        roles: BTreeMap<String, String>,
        /// The role mappings.
        role_mappings: BTreeMap<String, RoleMapping>,
    },
    /// Delete identities; ids this authority does not hold are skipped.
    DeleteIdentities {
        /// The identities.
        identity_ids: Vec<String>,
        /// Those whose ids prove themselves (checked by the caller), with
        /// their pools: each leaves a tombstone, stored or not, so the id
        /// cannot come back as a guest that was never stored.
        #[serde(default)]
        proven: BTreeMap<String, String>,
        /// The time.
        now: u64,
        /// Set by the guest sweep: only guests are deleted, and a stored
        /// one only if its record has not changed since this time; any
        /// other identity named is skipped (the sweep chose from KV, which
        /// may lag; this is the check on consistent state).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idle_before: Option<u64>,
    },
    /// The ids of the pools this authority holds (those whose routing tag
    /// is `tag`), restoring the store's `route/<tag>` key if it is missing.
    PoolsOfTag {
        /// The routing tag, as 8 hex digits.
        tag: String,
    },
    /// Sign in with verified logins: find their identity or make one, link
    /// unowned logins, merge identities that own others (the owner wins).
    SignIn {
        /// The pool.
        pool_id: String,
        /// The verified logins, by MAC, in `Logins` key order.
        logins: Vec<LoginRef>,
        /// The identity the call names (GetCredentialsForIdentity,
        /// GetOpenIdToken), if any.
        target: Option<String>,
        /// The target's id proved itself (checked by the caller): with no
        /// record and no tombstone, it is a guest that was never stored.
        #[serde(default)]
        proven_target: bool,
        /// The caller proved it is the target (a cognate token for it): the
        /// logins may be linked to it even when it has logins already.
        #[serde(default)]
        owner_proven: bool,
        /// The id for a new identity, if one is needed (made by the caller).
        new_identity_id: String,
        /// The MAC of the call's developer user (GetOpenIdTokenForDeveloperIdentity):
        /// owned by an identity other than the named one, it is refused
        /// (`DeveloperUserAlreadyRegisteredException`), not merged.
        #[serde(default)]
        developer_login: Option<String>,
        /// The time.
        now: u64,
    },
    /// Move every login of the identity that owns the developer user
    /// `source` to the identity that owns `destination`; the source
    /// identity is disabled (MergeDeveloperIdentities).
    MergeDevelopers {
        /// The pool.
        pool_id: String,
        /// The MAC of the source developer user.
        source: String,
        /// The MAC of the destination developer user.
        destination: String,
        /// The time.
        now: u64,
    },
    /// Remove a developer user from an identity (UnlinkDeveloperIdentity).
    UnlinkDeveloper {
        /// The pool.
        pool_id: String,
        /// The identity.
        identity_id: String,
        /// The MAC of the developer user.
        mac: String,
        /// The time.
        now: u64,
    },
    /// Remove logins from an identity (UnlinkIdentity).
    Unlink {
        /// The identity.
        identity_id: String,
        /// MACs of the verified logins of the call: each must be the identity's.
        proven: Vec<String>,
        /// Provider names to remove.
        remove: Vec<String>,
        /// The time.
        now: u64,
    },
    /// Set which claims of a provider become principal tags.
    SetPrincipalTags {
        /// The pool.
        pool_id: String,
        /// The provider name.
        provider: String,
        /// The mapping.
        map: PrincipalTagMap,
    },
    /// Add or replace an inline policy of a role (checked by the caller).
    PutRolePolicy {
        /// The role.
        role_arn: String,
        /// The policy's name.
        name: String,
        /// The document, as given.
        document: String,
    },
    /// Remove an inline policy of a role.
    DeleteRolePolicy {
        /// The role.
        role_arn: String,
        /// The policy's name.
        name: String,
    },
    /// Add or replace a route of the SigV4 gateway (checked by the caller).
    PutApiRoute {
        /// The route.
        route: ApiRoute,
    },
    /// Remove a route of the SigV4 gateway.
    DeleteApiRoute {
        /// The route's name.
        name: String,
    },
    /// Create (`create`: refused if it exists) or update (refused if it
    /// does not; its creation time is kept) a SAML provider, whose metadata
    /// the caller has parsed.
    PutSamlProvider {
        /// The provider.
        provider: SamlProviderRecord,
        /// Whether this is CreateSAMLProvider.
        #[serde(default)]
        create: bool,
    },
    /// Remove a SAML provider.
    DeleteSamlProvider {
        /// The provider's name.
        name: String,
    },
    /// Read one key on consistent state (after a miss in the read store).
    Read {
        /// The key.
        key: String,
    },
}

/// What a command produced. Its JSON is the derived `Serialize`'s; the
/// reader is written out in `wire`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The pool as it now is.
    Pool {
        /// Its record.
        record: PoolRecord,
    },
    /// An identity as it now is.
    Identity {
        /// Its id.
        identity_id: String,
        /// Its record.
        record: IdentityRecord,
    },
    /// The identities that were deleted.
    Deleted {
        /// Their ids.
        identity_ids: Vec<String>,
    },
    /// The ids of the pools of one routing tag.
    Pools {
        /// Their ids, in order.
        pool_ids: Vec<String>,
    },
    /// The value read.
    Value {
        /// The value, if the key exists.
        value: Option<String>,
    },
    /// Done; nothing to return.
    Done,
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        ApiError::internal(e.to_string())
    }
}

fn read<T: for<'de> Deserialize<'de>>(ledger: &impl Ledger, key: &str) -> Result<Option<T>, ApiError> {
    match ledger.get(key)? {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json)
            .map(Some)
            .map_err(|e| ApiError::internal(format!("corrupt record at {key}: {e}"))),
    }
}

/// The record of `identity_id`, if it has one that is not a tombstone.
fn identity_record(ledger: &impl Ledger, identity_id: &str) -> Result<Option<IdentityRecord>, ApiError> {
    Ok(read::<IdentityRecord>(ledger, &keys::identity(identity_id))?.filter(|r| !r.deleted))
}

fn pool(ledger: &impl Ledger, pool_id: &str) -> Result<PoolRecord, ApiError> {
    read(ledger, &keys::pool(pool_id))?.ok_or_else(|| ApiError::pool_not_found(pool_id))
}

fn put_pool(ledger: &mut impl Ledger, record: &PoolRecord) -> Result<(), LedgerError> {
    ledger.commit(Mutation::Put {
        key: keys::pool(record.id()),
        value: serde_json::to_string(record).expect("records serialize"),
        metadata: Some(record.list_metadata()),
    })
}

/// Writes the record and list entry of `identity_id` at `now`; `proven`
/// says whether its id proved itself as a guest's, which matters when it
/// was never stored (see [`recheck`]).
fn put_identity(
    ledger: &mut impl Ledger,
    identity_id: &str,
    record: &IdentityRecord,
    proven: bool,
    now: u64,
) -> Result<(), ApiError> {
    let before = identity_record(ledger, identity_id)?;
    recheck::note(ledger, &record.pool, identity_id, before.as_ref(), proven, now)?;
    ledger.commit(Mutation::Put {
        key: keys::identity(identity_id),
        value: serde_json::to_string(record).expect("records serialize"),
        metadata: None,
    })?;
    ledger.commit(Mutation::Put {
        key: keys::member(&record.pool, identity_id),
        value: String::new(),
        metadata: Some(record.member_metadata()),
    })?;
    Ok(())
}

/// Deletes the list entry of `identity_id`, a guest whose id proved itself
/// and that has no live record (never stored, or deleted already), and marks
/// it as an entry the Worker may write (see [`recheck`]).
fn delete_unstored_entry(ledger: &mut impl Ledger, pool_id: &str, identity_id: &str, now: u64) -> Result<(), ApiError> {
    ledger.commit(Mutation::Delete { key: keys::member(pool_id, identity_id) })?;
    recheck::note(ledger, pool_id, identity_id, None, true, now)
}

fn remove_identity(ledger: &mut impl Ledger, identity_id: &str, record: &IdentityRecord) -> Result<(), LedgerError> {
    for login in &record.logins {
        ledger.commit(Mutation::Delete { key: keys::login(&record.pool, &login.mac) })?;
    }
    ledger.commit(Mutation::Delete { key: keys::member(&record.pool, identity_id) })?;
    ledger.commit(Mutation::Delete { key: keys::identity(identity_id) })
}

/// The pool ids this authority holds, in order.
fn pool_ids(ledger: &impl Ledger) -> Result<Vec<String>, LedgerError> {
    Ok(ledger.keys_with_prefix(keys::POOL_PREFIX)?.iter().map(|k| k[keys::POOL_PREFIX.len()..].to_owned()).collect())
}

/// Writes `route/<tag>` as the pools held now (removes it when none are).
fn put_route(ledger: &mut impl Ledger, tag: &str) -> Result<Vec<String>, LedgerError> {
    let ids = pool_ids(ledger)?;
    let key = keys::route(tag);
    if ids.is_empty() {
        ledger.commit(Mutation::Delete { key })?;
    } else {
        let value = serde_json::to_string(&ids).expect("ids serialize");
        ledger.commit(Mutation::Put { key, value, metadata: None })?;
    }
    Ok(ids)
}

/// Runs `command` on `ledger`. Changes are committed to the ledger (and
/// queued for the read store) only when the command succeeds.
pub fn execute(ledger: &mut impl Ledger, command: Command) -> Result<Outcome, ApiError> {
    match command {
        Command::CreatePool { record, tag } => {
            if ledger.get(&keys::pool(record.id()))?.is_some() {
                let message = format!("IdentityPool '{}' already exists.", record.id());
                return Err(ApiError::new(ErrorKind::ResourceConflict, message));
            }
            if purge::purging(ledger, record.id())? {
                let message = format!("IdentityPool '{}' is still being deleted; try again later.", record.id());
                return Err(ApiError::new(ErrorKind::ResourceConflict, message));
            }
            put_pool(ledger, &record)?;
            put_route(ledger, &tag)?;
            Ok(Outcome::Pool { record })
        }
        Command::UpdatePool { mut config } => {
            let pool_id = config.identity_pool_id.clone().unwrap_or_default();
            let mut record = pool(ledger, &pool_id)?;
            // The developer provider is fixed once set, as Cognito's.
            if let Some(set) = &record.config.developer_provider_name {
                match &config.developer_provider_name {
                    None => config.developer_provider_name = Some(set.clone()),
                    Some(new) if new != set => {
                        return Err(ApiError::invalid_parameter(
                            "DeveloperProviderName cannot be changed once it has been set.",
                        ))
                    }
                    Some(_) => {}
                }
            }
            // An update that names no tags keeps the pool's (and so its guest storage).
            if config.identity_pool_tags.is_none() {
                config.identity_pool_tags = record.config.identity_pool_tags.take();
            }
            record.config = config;
            put_pool(ledger, &record)?;
            Ok(Outcome::Pool { record })
        }
        Command::ChangeTags { pool_id, set, remove } => {
            let mut record = pool(ledger, &pool_id)?;
            let mut tags = record.config.identity_pool_tags.take().unwrap_or_default();
            for key in &remove {
                tags.remove(key);
            }
            tags.extend(set);
            check_pool_tags(&tags)?;
            record.config.identity_pool_tags = Some(tags);
            put_pool(ledger, &record)?;
            Ok(Outcome::Pool { record })
        }
        Command::DeletePool { pool_id, tag, now } => {
            pool(ledger, &pool_id)?;
            // Gone for every read at once; its identities go in bounded
            // steps after the answer (see `purge`).
            ledger.commit(Mutation::Delete { key: keys::pool(&pool_id) })?;
            put_route(ledger, &tag)?;
            purge::start(ledger, &pool_id, now)?;
            Ok(Outcome::Done)
        }
        Command::PoolsOfTag { tag } => {
            let pool_ids = pool_ids(ledger)?;
            if !pool_ids.is_empty() && ledger.get(&keys::route(&tag))?.is_none() {
                put_route(ledger, &tag)?;
            }
            Ok(Outcome::Pools { pool_ids })
        }
        Command::SetRoles { pool_id, roles, role_mappings } => {
            let mut record = pool(ledger, &pool_id)?;
            record.roles = roles;
            record.role_mappings = role_mappings;
            put_pool(ledger, &record)?;
            Ok(Outcome::Pool { record })
        }
        Command::DeleteIdentities { identity_ids, proven, now, idle_before } => {
            let mut deleted = Vec::new();
            for identity_id in identity_ids {
                let stored = read::<IdentityRecord>(ledger, &keys::identity(&identity_id))?;
                let pool_id = match (&stored, proven.get(&identity_id)) {
                    (Some(r), Some(pool_id)) if r.deleted => {
                        // A list entry written back by a use noted while the
                        // deletion spread (see `Later::MarkUsed`) goes too.
                        delete_unstored_entry(ledger, pool_id, &identity_id, now)?;
                        continue;
                    }
                    (Some(r), _) if r.deleted => continue,
                    (Some(r), _) if idle_before.is_some_and(|t| !r.is_guest() || r.disabled || r.modified >= t) => {
                        continue
                    }
                    (Some(record), _) => {
                        remove_identity(ledger, &identity_id, record)?;
                        recheck::note(ledger, &record.pool, &identity_id, Some(record), false, now)?;
                        record.pool.clone()
                    }
                    // A guest never stored: its list entry may exist all the same.
                    (None, Some(pool_id)) => {
                        delete_unstored_entry(ledger, pool_id, &identity_id, now)?;
                        pool_id.clone()
                    }
                    (None, None) => continue,
                };
                if proven.contains_key(&identity_id) {
                    let tombstone = IdentityRecord::tombstone(&pool_id, now);
                    let value = serde_json::to_string(&tombstone).expect("records serialize");
                    ledger.commit(Mutation::Put { key: keys::identity(&identity_id), value, metadata: None })?;
                }
                deleted.push(identity_id);
            }
            Ok(Outcome::Deleted { identity_ids: deleted })
        }
        Command::SignIn {
            pool_id,
            logins,
            target,
            proven_target,
            owner_proven,
            new_identity_id,
            developer_login,
            now,
        } => {
            if let (Some(t), Some(mac)) = (&target, &developer_login) {
                let owned = owner(ledger, &pool_id, mac)?;
                if owned.as_ref().is_some_and(|o| o != t) {
                    return Err(ApiError::new(
                        ErrorKind::DeveloperUserAlreadyRegistered,
                        "The provided developer user identifier is already registered with Cognito under a different identity ID.",
                    ));
                }
            }
            let target = target.map(|id| Target { id, proven: proven_target, owner: owner_proven });
            sign_in(ledger, &pool_id, &logins, target, new_identity_id, now)
        }
        Command::MergeDevelopers { pool_id, source, destination, now } => {
            developer::merge(ledger, &pool_id, &source, &destination, now)
        }
        Command::UnlinkDeveloper { pool_id, identity_id, mac, now } => {
            developer::unlink(ledger, &pool_id, identity_id, &mac, now)
        }
        Command::Unlink { identity_id, proven, remove, now } => unlink(ledger, identity_id, &proven, &remove, now),
        Command::SetPrincipalTags { pool_id, provider, map } => {
            let mut record = pool(ledger, &pool_id)?;
            record.principal_tags.insert(provider, map);
            put_pool(ledger, &record)?;
            Ok(Outcome::Pool { record })
        }
        Command::PutRolePolicy { role_arn, name, document } => {
            settings::put_role_policy(ledger, role_arn, name, document)
        }
        Command::DeleteRolePolicy { role_arn, name } => settings::delete_role_policy(ledger, &role_arn, &name),
        Command::PutApiRoute { route } => settings::put_api_route(ledger, route),
        Command::DeleteApiRoute { name } => settings::delete_api_route(ledger, &name),
        Command::PutSamlProvider { provider, create } => settings::put_saml_provider(ledger, provider, create),
        Command::DeleteSamlProvider { name } => settings::delete_saml_provider(ledger, &name),
        Command::Read { key } => Ok(Outcome::Value { value: ledger.get(&key)? }),
    }
}

#[cfg(test)]
mod tests;
