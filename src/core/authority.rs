//! The pool authority's rules: every change of a pool or of its identities is
//! a [`Command`] decided here, on the consistent state of a [`Ledger`], in one
//! synchronous step. The Durable Object (and natively the
//! [`super::memory::MemoryAuthority`]) only runs [`execute`] and carries the
//! resulting mutations through to the read store.

mod settings;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{ApiError, ErrorKind};
use super::ledger::{Ledger, LedgerError, Mutation};
use super::model::{IdentityPool, RoleMapping};
use super::records::{ApiRoute, IdentityRecord, LoginRef, PoolRecord, PrincipalTagMap};
use super::store::keys;

/// A change (or a consistent read) for a pool's authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Create a pool.
    CreatePool {
        /// The new pool, with its id.
        record: PoolRecord,
    },
    /// Replace a pool's settings (roles and mappings are kept).
    UpdatePool {
        /// The new settings, with the pool id.
        config: IdentityPool,
    },
    /// Delete a pool and every identity in it.
    DeletePool {
        /// The pool.
        pool_id: String,
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
    /// Create a guest identity.
    CreateGuest {
        /// The pool.
        pool_id: String,
        /// The new identity's id (made by the caller).
        identity_id: String,
        /// The time of creation.
        now: u64,
    },
    /// Delete identities; ids this authority does not hold are skipped.
    DeleteIdentities {
        /// The identities.
        identity_ids: Vec<String>,
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
        /// The id for a new identity, if one is needed (made by the caller).
        new_identity_id: String,
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

/// What a command produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Runs `command` on `ledger`. Changes are committed to the ledger (and
/// queued for the read store) only when the command succeeds.
pub fn execute(ledger: &mut impl Ledger, command: Command) -> Result<Outcome, ApiError> {
    match command {
        Command::CreatePool { record } => {
            if ledger.get(&keys::pool(record.id()))?.is_some() {
                let message = format!("IdentityPool '{}' already exists.", record.id());
                return Err(ApiError::new(ErrorKind::ResourceConflict, message));
            }
            put_pool(ledger, &record)?;
            Ok(Outcome::Pool { record })
        }
        Command::UpdatePool { config } => {
            let pool_id = config.identity_pool_id.clone().unwrap_or_default();
            let mut record = pool(ledger, &pool_id)?;
            record.config = config;
            put_pool(ledger, &record)?;
            Ok(Outcome::Pool { record })
        }
        Command::DeletePool { pool_id } => {
            pool(ledger, &pool_id)?;
            let prefix = keys::member_prefix(&pool_id);
            for member in ledger.keys_with_prefix(&prefix)? {
                let identity_id = &member[prefix.len()..];
                if let Some(record) = read::<IdentityRecord>(ledger, &keys::identity(identity_id))? {
                    remove_identity(ledger, identity_id, &record)?;
                } else {
                    ledger.commit(Mutation::Delete { key: member.clone() })?;
                }
            }
            ledger.commit(Mutation::Delete { key: keys::pool(&pool_id) })?;
            Ok(Outcome::Done)
        }
        Command::SetRoles { pool_id, roles, role_mappings } => {
            let mut record = pool(ledger, &pool_id)?;
            record.roles = roles;
            record.role_mappings = role_mappings;
            put_pool(ledger, &record)?;
            Ok(Outcome::Pool { record })
        }
        Command::CreateGuest { pool_id, identity_id, now } => {
            let record = pool(ledger, &pool_id)?;
            if !record.config.allows_guests() {
                return Err(ApiError::no_guests());
            }
            if ledger.get(&keys::identity(&identity_id))?.is_some() {
                return Err(ApiError::internal("identity id collision"));
            }
            let record =
                IdentityRecord { pool: pool_id, logins: Vec::new(), created: now, modified: now, disabled: false };
            put_identity(ledger, &identity_id, &record)?;
            Ok(Outcome::Identity { identity_id, record })
        }
        Command::DeleteIdentities { identity_ids } => {
            let mut deleted = Vec::new();
            for identity_id in identity_ids {
                if let Some(record) = read::<IdentityRecord>(ledger, &keys::identity(&identity_id))? {
                    remove_identity(ledger, &identity_id, &record)?;
                    deleted.push(identity_id);
                }
            }
            Ok(Outcome::Deleted { identity_ids: deleted })
        }
        Command::SignIn { pool_id, logins, target, new_identity_id, now } => {
            sign_in(ledger, &pool_id, &logins, target, new_identity_id, now)
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

fn identity_in(ledger: &impl Ledger, identity_id: &str, pool_id: &str) -> Result<IdentityRecord, ApiError> {
    match read::<IdentityRecord>(ledger, &keys::identity(identity_id))? {
        Some(r) if r.pool == pool_id => Ok(r),
        _ => Err(ApiError::identity_not_found(identity_id)),
    }
}

/// The owner of a login, if the login is linked to a live identity.
fn owner(ledger: &impl Ledger, pool_id: &str, login: &LoginRef) -> Result<Option<String>, ApiError> {
    let Some(id) = ledger.get(&keys::login(pool_id, &login.mac))? else { return Ok(None) };
    let live = read::<IdentityRecord>(ledger, &keys::identity(&id))?.is_some_and(|r| !r.disabled);
    Ok(live.then_some(id))
}

fn sign_in(
    ledger: &mut impl Ledger,
    pool_id: &str,
    logins: &[LoginRef],
    target: Option<String>,
    new_identity_id: String,
    now: u64,
) -> Result<Outcome, ApiError> {
    pool(ledger, pool_id)?;
    let owners = logins.iter().map(|l| owner(ledger, pool_id, l)).collect::<Result<Vec<_>, _>>()?;
    if let Some(t) = &target {
        let record = identity_in(ledger, t, pool_id)?;
        if record.disabled {
            return Err(ApiError::identity_disabled(t));
        }
        // Linking to an authenticated identity needs one of its own logins.
        if !record.is_guest() && !owners.iter().any(|o| o.as_deref() == Some(t.as_str())) {
            return Err(ApiError::logins_dont_match());
        }
    }
    // The identity that already owns a login wins; else the named one; else a new one.
    let winner = owners.iter().flatten().next().cloned().or(target.clone()).unwrap_or(new_identity_id);
    let mut record = match read::<IdentityRecord>(ledger, &keys::identity(&winner))? {
        Some(r) => r,
        None => IdentityRecord {
            pool: pool_id.to_owned(),
            logins: Vec::new(),
            created: now,
            modified: now,
            disabled: false,
        },
    };
    let mut losers: Vec<String> = owners.iter().flatten().filter(|o| **o != winner).cloned().collect();
    if let Some(t) = target.filter(|t| *t != winner) {
        losers.push(t);
    }
    losers.sort();
    losers.dedup();
    let mut merged: Vec<(String, IdentityRecord)> = Vec::new();
    let mut all = record.logins.clone();
    for loser in &losers {
        let r = identity_in(ledger, loser, pool_id)?;
        all.extend(r.logins.iter().cloned());
        merged.push((loser.clone(), r));
    }
    all.extend(logins.iter().cloned());
    let mut unique: Vec<LoginRef> = Vec::new();
    for login in all {
        if unique.iter().any(|l| l.mac == login.mac) {
            continue;
        }
        if unique.iter().any(|l| l.provider == login.provider) {
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
    let changed = unique.len() != record.logins.len() || ledger.get(&keys::identity(&winner))?.is_none();
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
    let mut record = read::<IdentityRecord>(ledger, &keys::identity(&identity_id))?
        .ok_or_else(|| ApiError::identity_not_found(&identity_id))?;
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
        execute(ledger, Command::CreatePool { record }).unwrap();
    }

    fn guest(ledger: &mut MemoryLedger, id: &str) -> Result<Outcome, ApiError> {
        execute(ledger, Command::CreateGuest { pool_id: POOL.into(), identity_id: id.into(), now: 9 })
    }

    #[test]
    fn guests_need_a_pool_that_allows_them() {
        let mut l = MemoryLedger::default();
        assert_eq!(guest(&mut l, GUEST).unwrap_err().kind, ErrorKind::ResourceNotFound);
        create(&mut l, false);
        let err = guest(&mut l, GUEST).unwrap_err();
        assert_eq!(err.message, "Unauthenticated access is not supported for this identity pool.");
        assert!(l.get(&keys::identity(GUEST)).unwrap().is_none());
    }

    #[test]
    fn deleting_a_pool_deletes_its_identities() {
        let mut l = MemoryLedger::default();
        create(&mut l, true);
        guest(&mut l, GUEST).unwrap();
        assert!(l.get(&keys::member(POOL, GUEST)).unwrap().is_some());
        execute(&mut l, Command::DeletePool { pool_id: POOL.into() }).unwrap();
        assert!(l.get(&keys::pool(POOL)).unwrap().is_none());
        assert!(l.get(&keys::identity(GUEST)).unwrap().is_none());
        assert!(l.keys_with_prefix("").unwrap().is_empty());
        let err = execute(&mut l, Command::DeletePool { pool_id: POOL.into() }).unwrap_err();
        assert_eq!(err.message, format!("IdentityPool '{POOL}' not found."));
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
        let out =
            execute(&mut l, Command::DeleteIdentities { identity_ids: vec![GUEST.into(), "us-east-1:00".into()] })
                .unwrap();
        assert_eq!(out, Outcome::Deleted { identity_ids: vec![GUEST.into()] });
    }

    fn login(provider: &str, mac: &str) -> LoginRef {
        LoginRef { provider: provider.into(), mac: mac.into() }
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
            new_identity_id: new.into(),
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
