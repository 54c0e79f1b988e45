//! The pool authority's rules: every change of a pool or of its identities is
//! a [`Command`] decided here, on the consistent state of a [`Ledger`], in one
//! synchronous step. The Durable Object (and natively the
//! [`super::memory::MemoryAuthority`]) only runs [`execute`] and carries the
//! resulting mutations through to the read store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{ApiError, ErrorKind};
use super::ledger::{Ledger, LedgerError, Mutation};
use super::model::{IdentityPool, RoleMapping};
use super::records::{IdentityRecord, PoolRecord};
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
                return Err(ApiError::not_authorized(
                    "Unauthenticated access is not supported for this identity pool.",
                ));
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
        Command::Read { key } => Ok(Outcome::Value { value: ledger.get(&key)? }),
    }
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
        let record = PoolRecord { config, roles: BTreeMap::new(), role_mappings: BTreeMap::new(), created: 5 };
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

    #[test]
    fn commands_cross_the_wire_as_json() {
        let c = Command::Read { key: "pool/x".into() };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"{"read":{"key":"pool/x"}}"#);
        assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), c);
    }
}
