//! The pool authority's rules: every change of a pool or of its identities is
//! a [`Command`] decided here, on the consistent state of a [`Ledger`], in one
//! synchronous step. The Durable Object (and natively the
//! [`super::memory::MemoryAuthority`]) only runs [`execute`] and carries the
//! resulting mutations through to the read store.

mod developer;
mod settings;
mod wire;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{ApiError, ErrorKind};
use super::ledger::{Ledger, LedgerError, Mutation};
use super::model::{check_pool_tags, IdentityPool, RoleMapping};
use super::records::{ApiRoute, IdentityRecord, LoginRef, PoolRecord, PrincipalTagMap};
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
    /// Delete a pool and every identity in it.
    DeletePool {
        /// The pool.
        pool_id: String,
        /// Its routing tag, as 8 hex digits.
        tag: String,
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

fn put_identity(ledger: &mut impl Ledger, identity_id: &str, record: &IdentityRecord) -> Result<(), LedgerError> {
    ledger.commit(Mutation::Put {
        key: keys::identity(identity_id),
        value: serde_json::to_string(record).expect("records serialize"),
        metadata: None,
    })?;
    ledger.commit(Mutation::Put {
        key: keys::member(&record.pool, identity_id),
        value: String::new(),
        metadata: Some(record.member_metadata()),
    })
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
        Command::DeletePool { pool_id, tag } => {
            pool(ledger, &pool_id)?;
            // Every identity of the pool has a record here (tombstones too);
            // a member key with none is left from before records were kept.
            for key in ledger.keys_with_prefix("identity/")? {
                let identity_id = &key["identity/".len()..];
                match read::<IdentityRecord>(ledger, &key)? {
                    Some(record) if record.pool == pool_id => remove_identity(ledger, identity_id, &record)?,
                    _ => {}
                }
            }
            for member in ledger.keys_with_prefix(&keys::member_prefix(&pool_id))? {
                ledger.commit(Mutation::Delete { key: member })?;
            }
            ledger.commit(Mutation::Delete { key: keys::pool(&pool_id) })?;
            put_route(ledger, &tag)?;
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
        Command::DeleteIdentities { identity_ids, proven, now } => {
            let mut deleted = Vec::new();
            for identity_id in identity_ids {
                let stored = read::<IdentityRecord>(ledger, &keys::identity(&identity_id))?;
                let pool_id = match (&stored, proven.get(&identity_id)) {
                    (Some(r), _) if r.deleted => continue,
                    (Some(record), _) => {
                        remove_identity(ledger, &identity_id, record)?;
                        record.pool.clone()
                    }
                    // A guest never stored: its list entry may exist all the same.
                    (None, Some(pool_id)) => {
                        ledger.commit(Mutation::Delete { key: keys::member(pool_id, &identity_id) })?;
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
        Command::Read { key } => Ok(Outcome::Value { value: ledger.get(&key)? }),
    }
}

/// Most logins one identity may have, as in Cognito.
pub const MAX_LOGINS_PER_IDENTITY: usize = 20;

/// The identity a sign-in names.
struct Target {
    id: String,
    /// Its id proved itself: with no record and no tombstone it is a guest
    /// that was never stored.
    proven: bool,
    /// The caller proved it is this identity.
    owner: bool,
}

/// The record of an identity of `pool_id` (a proven target's guest record
/// if it was never stored), or Cognito's not-found error.
fn identity_in(
    ledger: &impl Ledger,
    identity_id: &str,
    pool_id: &str,
    proven: bool,
    now: u64,
) -> Result<IdentityRecord, ApiError> {
    match read::<IdentityRecord>(ledger, &keys::identity(identity_id))? {
        Some(r) if r.pool == pool_id && !r.deleted => Ok(r),
        None if proven => Ok(IdentityRecord::guest(pool_id, now)),
        _ => Err(ApiError::identity_not_found(identity_id)),
    }
}

/// The owner of the login `mac`, if the login is linked to a live identity.
fn owner(ledger: &impl Ledger, pool_id: &str, mac: &str) -> Result<Option<String>, ApiError> {
    let Some(id) = ledger.get(&keys::login(pool_id, mac))? else { return Ok(None) };
    let live = identity_record(ledger, &id)?.is_some_and(|r| !r.disabled);
    Ok(live.then_some(id))
}

fn sign_in(
    ledger: &mut impl Ledger,
    pool_id: &str,
    logins: &[LoginRef],
    target: Option<Target>,
    new_identity_id: String,
    now: u64,
) -> Result<Outcome, ApiError> {
    pool(ledger, pool_id)?;
    let owners = logins.iter().map(|l| owner(ledger, pool_id, &l.mac)).collect::<Result<Vec<_>, _>>()?;
    let mut named: Option<(String, IdentityRecord)> = None;
    if let Some(t) = target {
        let record = identity_in(ledger, &t.id, pool_id, t.proven, now)?;
        if record.disabled {
            return Err(ApiError::identity_disabled(&t.id));
        }
        // Linking to an authenticated identity needs one of its own logins.
        if !record.is_guest() && !t.owner && !owners.iter().any(|o| o.as_deref() == Some(t.id.as_str())) {
            return Err(ApiError::logins_dont_match());
        }
        named = Some((t.id, record));
    }
    // The identity that already owns a login wins; else the named one; else a new one.
    let winner = owners
        .iter()
        .flatten()
        .next()
        .cloned()
        .or_else(|| named.as_ref().map(|(id, _)| id.clone()))
        .unwrap_or(new_identity_id);
    let stored = identity_record(ledger, &winner)?;
    let record = match (&stored, &named) {
        (Some(r), _) => r.clone(),
        (None, Some((id, r))) if *id == winner => r.clone(),
        (None, _) => IdentityRecord::guest(pool_id, now),
    };
    let mut losers: Vec<String> = owners.iter().flatten().filter(|o| **o != winner).cloned().collect();
    losers.sort();
    losers.dedup();
    let mut merged: Vec<(String, IdentityRecord)> = Vec::new();
    let mut all = record.logins.clone();
    for loser in &losers {
        let r = identity_in(ledger, loser, pool_id, false, now)?;
        all.extend(r.logins.iter().cloned());
        merged.push((loser.clone(), r));
    }
    if let Some((id, r)) = named.filter(|(id, _)| *id != winner && !losers.contains(id)) {
        all.extend(r.logins.iter().cloned());
        merged.push((id, r));
    }
    all.extend(logins.iter().cloned());
    let existed = stored.is_some();
    merge_into(ledger, pool_id, Merge { winner, record, existed, merged, logins: all }, now)
}

/// A merge decided: the identity that stays, with its record (and whether
/// it is stored already), the identities merged into it, and every login
/// they bring (its own first).
struct Merge {
    winner: String,
    record: IdentityRecord,
    existed: bool,
    merged: Vec<(String, IdentityRecord)>,
    logins: Vec<LoginRef>,
}

/// Applies `merge`: one login of each provider (developer users aside), at
/// most 20, else `ResourceConflictException` and nothing changes; the merged
/// identities are disabled with no logins; the logins move to the winner.
fn merge_into(ledger: &mut impl Ledger, pool_id: &str, merge: Merge, now: u64) -> Result<Outcome, ApiError> {
    let Merge { winner, mut record, existed, merged, logins } = merge;
    let mut unique: Vec<LoginRef> = Vec::new();
    for login in logins {
        if unique.iter().any(|l| l.mac == login.mac) {
            continue;
        }
        if !login.is_developer() && unique.iter().any(|l| l.provider == login.provider && !l.is_developer()) {
            return Err(ApiError::new(
                ErrorKind::ResourceConflict,
                format!("An identity can have only one login of provider '{}'.", login.provider),
            ));
        }
        unique.push(login);
    }
    if unique.len() > MAX_LOGINS_PER_IDENTITY {
        return Err(ApiError::new(ErrorKind::ResourceConflict, "An identity can have at most 20 logins."));
    }
    let changed = unique.len() != record.logins.len() || !existed;
    for (id, mut r) in merged {
        r.logins.clear();
        r.disabled = true;
        r.modified = now;
        put_identity(ledger, &id, &r)?;
    }
    if changed {
        for login in unique.iter().filter(|l| !record.logins.iter().any(|o| o.mac == l.mac)) {
            ledger.commit(Mutation::Put {
                key: keys::login(pool_id, &login.mac),
                value: winner.clone(),
                metadata: None,
            })?;
        }
        record.logins = unique;
        record.modified = now;
        put_identity(ledger, &winner, &record)?;
    }
    Ok(Outcome::Identity { identity_id: winner, record })
}

fn unlink(
    ledger: &mut impl Ledger,
    identity_id: String,
    proven: &[String],
    remove: &[String],
    now: u64,
) -> Result<Outcome, ApiError> {
    let mut record =
        identity_record(ledger, &identity_id)?.ok_or_else(|| ApiError::identity_not_found(&identity_id))?;
    if record.disabled {
        return Err(ApiError::identity_disabled(&identity_id));
    }
    if proven.is_empty() || !proven.iter().all(|mac| record.logins.iter().any(|l| &l.mac == mac)) {
        return Err(ApiError::logins_dont_match());
    }
    for provider in remove {
        if !record.logins.iter().any(|l| &l.provider == provider) {
            return Err(ApiError::invalid_parameter(format!(
                "Login '{provider}' is not linked to identity '{identity_id}'."
            )));
        }
    }
    let (gone, kept): (Vec<LoginRef>, Vec<LoginRef>) =
        record.logins.drain(..).partition(|l| remove.contains(&l.provider));
    for login in &gone {
        ledger.commit(Mutation::Delete { key: keys::login(&record.pool, &login.mac) })?;
    }
    record.logins = kept;
    // Cognito: removing the last login makes the identity inaccessible.
    record.disabled = record.logins.is_empty();
    record.modified = now;
    put_identity(ledger, &identity_id, &record)?;
    Ok(Outcome::Identity { identity_id, record })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ledger::MemoryLedger;

    const POOL: &str = "us-east-1:11111111-1111-4111-8111-111111111111";
    const GUEST: &str = "us-east-1:22222222-2222-8222-8222-222222222222";
    const OTHER: &str = "us-east-1:33333333-3333-8333-8333-333333333333";
    const TAG: &str = "0badcafe";

    fn create(ledger: &mut MemoryLedger, guests: bool) {
        let config = IdentityPool {
            identity_pool_id: Some(POOL.into()),
            identity_pool_name: Some("p".into()),
            allow_unauthenticated_identities: Some(guests),
            ..Default::default()
        };
        let record = PoolRecord {
            config,
            roles: BTreeMap::new(),
            role_mappings: BTreeMap::new(),
            principal_tags: BTreeMap::new(),
            created: 5,
        };
        execute(ledger, Command::CreatePool { record, tag: TAG.into() }).unwrap();
    }

    /// Stores a guest as a link of `GUEST` would: by signing in to it.
    fn guest(ledger: &mut MemoryLedger, id: &str) -> Result<Outcome, ApiError> {
        execute(
            ledger,
            Command::SignIn {
                pool_id: POOL.into(),
                logins: vec![login("p9", &format!("mac-of-{id}"))],
                target: Some(id.into()),
                proven_target: true,
                new_identity_id: "us-east-1:unused".into(),
                developer_login: None,
                owner_proven: false,
                now: 9,
            },
        )
    }

    fn delete(ledger: &mut MemoryLedger, ids: &[&str], proven: &[&str]) -> Outcome {
        let identity_ids = ids.iter().map(|s| s.to_string()).collect();
        let proven = proven.iter().map(|id| (id.to_string(), POOL.to_owned())).collect();
        execute(ledger, Command::DeleteIdentities { identity_ids, proven, now: 20 }).unwrap()
    }

    #[test]
    fn a_pool_is_listed_under_its_routing_tag_until_deleted() {
        let mut l = MemoryLedger::default();
        let tag_key = keys::route(TAG);
        create(&mut l, true);
        assert_eq!(l.get(&tag_key).unwrap().as_deref(), Some(format!("[\"{POOL}\"]").as_str()));
        // An older store without the key gets it back when the pools are asked for.
        l.commit(Mutation::Delete { key: tag_key.clone() }).unwrap();
        let out = execute(&mut l, Command::PoolsOfTag { tag: TAG.into() }).unwrap();
        assert_eq!(out, Outcome::Pools { pool_ids: vec![POOL.into()] });
        assert!(l.get(&tag_key).unwrap().is_some());
        execute(&mut l, Command::DeletePool { pool_id: POOL.into(), tag: TAG.into() }).unwrap();
        assert!(l.get(&tag_key).unwrap().is_none());
    }

    #[test]
    fn deleting_a_pool_deletes_its_identities_and_tombstones() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        guest(&mut l, GUEST).unwrap();
        assert!(l.get(&keys::member(POOL, GUEST)).unwrap().is_some());
        delete(&mut l, &[OTHER], &[OTHER]);
        assert!(l.get(&keys::identity(OTHER)).unwrap().is_some(), "a tombstone");
        execute(&mut l, Command::DeletePool { pool_id: POOL.into(), tag: TAG.into() }).unwrap();
        assert!(l.get(&keys::pool(POOL)).unwrap().is_none());
        assert!(l.get(&keys::identity(GUEST)).unwrap().is_none());
        assert!(l.keys_with_prefix("").unwrap().is_empty(), "{:?}", l.keys_with_prefix("").unwrap());
        let err = execute(&mut l, Command::DeletePool { pool_id: POOL.into(), tag: TAG.into() }).unwrap_err();
        assert_eq!(err.message, format!("IdentityPool '{POOL}' not found."));
    }

    #[test]
    fn a_deleted_guest_that_proves_itself_stays_gone() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        // Never stored: deleting it leaves a tombstone and drops its list entry.
        let out = delete(&mut l, &[GUEST], &[GUEST]);
        assert_eq!(out, Outcome::Deleted { identity_ids: vec![GUEST.into()] });
        let pending: Vec<_> = l.pending(100).unwrap().into_iter().map(|(_, m)| m).collect();
        assert!(pending.contains(&Mutation::Delete { key: keys::member(POOL, GUEST) }));
        assert_eq!(guest(&mut l, GUEST).unwrap_err().kind, ErrorKind::ResourceNotFound, "not linked back to life");
        assert_eq!(delete(&mut l, &[GUEST], &[GUEST]), Outcome::Deleted { identity_ids: vec![] }, "once");
        // An id that does not prove itself and was never stored is not ours.
        assert_eq!(delete(&mut l, &[OTHER], &[]), Outcome::Deleted { identity_ids: vec![] });
        // A stored, unproven identity is removed outright.
        let id = sign_in_as(&mut l, vec![login("p1", "a1")], None, "us-east-1:a").unwrap();
        delete(&mut l, &[&id], &[]);
        assert!(l.get(&keys::identity(&id)).unwrap().is_none());
        assert!(l.get(&keys::login(POOL, "a1")).unwrap().is_none());
    }

    #[test]
    fn linking_a_guest_never_stored_stores_it_with_the_login() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        let Outcome::Identity { identity_id, record } = guest(&mut l, GUEST).unwrap() else { panic!() };
        assert_eq!(identity_id, GUEST);
        assert_eq!(record.provider_names(), vec!["p9".to_owned()]);
        assert_eq!(l.get(&keys::login(POOL, &format!("mac-of-{GUEST}"))).unwrap().as_deref(), Some(GUEST));
        // Unproven, an id with no record is not found.
        let err = sign_in_as(&mut l, vec![login("p1", "a1")], Some(OTHER), "us-east-1:a").unwrap_err();
        assert_eq!(err.kind, ErrorKind::ResourceNotFound);
        // A guest never stored, named with a login another identity owns, is merged into it.
        let owner = sign_in_as(&mut l, vec![login("p2", "b2")], None, "us-east-1:b").unwrap();
        let cmd = Command::SignIn {
            pool_id: POOL.into(),
            logins: vec![login("p2", "b2")],
            target: Some(OTHER.into()),
            proven_target: true,
            new_identity_id: "us-east-1:c".into(),
            developer_login: None,
            owner_proven: false,
            now: 11,
        };
        let Outcome::Identity { identity_id, .. } = execute(&mut l, cmd).unwrap() else { panic!() };
        assert_eq!(identity_id, owner);
        let merged: IdentityRecord = serde_json::from_str(&l.get(&keys::identity(OTHER)).unwrap().unwrap()).unwrap();
        assert!(merged.disabled);
    }

    #[test]
    fn update_keeps_roles_and_delete_identities_skips_unknown_ids() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        let roles: BTreeMap<_, _> = [("unauthenticated".to_owned(), "arn:aws:iam::1:role/g".to_owned())].into();
        execute(
            &mut l,
            Command::SetRoles { pool_id: POOL.into(), roles: roles.clone(), role_mappings: BTreeMap::new() },
        )
        .unwrap();
        let config = IdentityPool {
            identity_pool_id: Some(POOL.into()),
            identity_pool_name: Some("renamed".into()),
            allow_unauthenticated_identities: Some(true),
            ..Default::default()
        };
        let Outcome::Pool { record } = execute(&mut l, Command::UpdatePool { config }).unwrap() else { panic!() };
        assert_eq!(record.roles, roles);
        assert_eq!(record.created, 5);
        guest(&mut l, GUEST).unwrap();
        let out = delete(&mut l, &[GUEST, "us-east-1:00"], &[]);
        assert_eq!(out, Outcome::Deleted { identity_ids: vec![GUEST.into()] });
    }

    #[test]
    fn tags_change_on_the_ledger_and_a_refused_change_commits_nothing() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        let change = |l: &mut MemoryLedger, set: &[(&str, &str)], remove: &[&str]| {
            let set = set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let remove = remove.iter().map(|k| k.to_string()).collect();
            execute(l, Command::ChangeTags { pool_id: POOL.into(), set, remove })
        };
        let tags_of = |outcome: Outcome| match outcome {
            Outcome::Pool { record } => record.config.identity_pool_tags.unwrap_or_default(),
            other => panic!("{other:?}"),
        };
        let tags = tags_of(change(&mut l, &[("a", "1"), ("b", "2")], &[]).unwrap());
        assert_eq!(tags, [("a".to_owned(), "1".to_owned()), ("b".to_owned(), "2".to_owned())].into());
        let tags = tags_of(change(&mut l, &[("b", "3")], &["a", "absent"]).unwrap());
        assert_eq!(tags, [("b".to_owned(), "3".to_owned())].into());

        let pending = l.pending(1000).unwrap().len();
        let many: Vec<(String, String)> = (0..50).map(|i| (format!("k{i}"), String::new())).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let err = change(&mut l, &many, &[]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidParameter, "50 new and 1 kept are 51");
        let err = change(&mut l, &[("cognate:guest-storage", "maybe")], &[]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidParameter);
        assert_eq!(l.pending(1000).unwrap().len(), pending, "nothing committed");
        // Replacing the one kept tag makes room for the 50.
        assert_eq!(tags_of(change(&mut l, &many, &["b"]).unwrap()).len(), 50);

        let config = IdentityPool {
            identity_pool_id: Some(POOL.into()),
            identity_pool_name: Some("renamed".into()),
            allow_unauthenticated_identities: Some(true),
            ..Default::default()
        };
        let Outcome::Pool { record } = execute(&mut l, Command::UpdatePool { config }).unwrap() else { panic!() };
        assert_eq!(record.config.identity_pool_tags.map(|t| t.len()), Some(50), "an update naming no tags keeps them");
        let err = execute(&mut l, Command::ChangeTags { pool_id: OTHER.into(), set: BTreeMap::new(), remove: vec![] });
        assert_eq!(err.unwrap_err().message, format!("IdentityPool '{OTHER}' not found."));
    }

    fn login(provider: &str, mac: &str) -> LoginRef {
        LoginRef::new(provider, mac)
    }

    fn sign_in_as(
        l: &mut MemoryLedger,
        logins: Vec<LoginRef>,
        target: Option<&str>,
        new: &str,
    ) -> Result<String, ApiError> {
        let cmd = Command::SignIn {
            pool_id: POOL.into(),
            logins,
            target: target.map(str::to_owned),
            proven_target: false,
            new_identity_id: new.into(),
            developer_login: None,
            owner_proven: false,
            now: 10,
        };
        match execute(l, cmd)? {
            Outcome::Identity { identity_id, .. } => Ok(identity_id),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_merge_keeps_one_login_per_provider() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        let a = sign_in_as(&mut l, vec![login("p1", "a1")], None, "us-east-1:a").unwrap();
        let b = sign_in_as(&mut l, vec![login("p1", "b1"), login("p2", "b2")], None, "us-east-1:b").unwrap();
        assert_ne!(a, b);
        // Proving both a1 and b2 would merge two p1 logins into one identity.
        let err = sign_in_as(&mut l, vec![login("p1", "a1"), login("p2", "b2")], None, "us-east-1:c").unwrap_err();
        assert_eq!(err.kind, ErrorKind::ResourceConflict);
        assert_eq!(l.get(&keys::login(POOL, "b2")).unwrap().as_deref(), Some("us-east-1:b"), "nothing changed");
    }

    #[test]
    fn an_identity_holds_at_most_twenty_logins() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        let logins: Vec<LoginRef> = (0..20).map(|i| login(&format!("p{i}"), &format!("m{i}"))).collect();
        let id = sign_in_as(&mut l, logins, None, "us-east-1:a").unwrap();
        let err =
            sign_in_as(&mut l, vec![login("p0", "m0"), login("p20", "m20")], Some(&id), "us-east-1:b").unwrap_err();
        assert_eq!(err.kind, ErrorKind::ResourceConflict);
    }

    #[test]
    fn merging_moves_every_login_to_the_owner_and_disables_the_other() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        let owner = sign_in_as(&mut l, vec![login("p1", "a1")], None, "us-east-1:a").unwrap();
        let other = sign_in_as(&mut l, vec![login("p2", "b2")], None, "us-east-1:b").unwrap();
        let won = sign_in_as(&mut l, vec![login("p1", "a1"), login("p2", "b2")], Some(&other), "us-east-1:c").unwrap();
        assert_eq!(won, owner, "the owner of the first login wins");
        assert_eq!(l.get(&keys::login(POOL, "b2")).unwrap().as_deref(), Some(owner.as_str()));
        let loser: IdentityRecord = serde_json::from_str(&l.get(&keys::identity(&other)).unwrap().unwrap()).unwrap();
        assert!(loser.disabled && loser.logins.is_empty());
        let err = sign_in_as(&mut l, vec![login("p2", "b2")], Some(&other), "us-east-1:d").unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotAuthorized, "a disabled identity cannot be named again");
    }

    #[test]
    fn commands_cross_the_wire_as_json() {
        let c = Command::Read { key: "pool/x".into() };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"{"read":{"key":"pool/x"}}"#);
        assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), c);
    }
}
