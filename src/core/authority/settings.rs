//! The deployment's settings that are not a pool's: roles' inline policies
//! and the SigV4 gateway's routes. They change rarely, through the admin
//! operations, and are decided by one authority (the settings route) so two
//! racing changes to one role cannot lose each other.

use super::{read, Outcome};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::ledger::{Ledger, Mutation};
use crate::core::records::{ApiRoute, RolePolicies, MAX_ROLE_POLICY_CHARS};
use crate::core::store::keys;

/// Characters of a document as IAM counts them: whitespace is not counted.
fn policy_chars(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

fn no_such_policy(role_arn: &str, name: &str) -> ApiError {
    ApiError::no_such_role_policy(name).with_detail(format!("no policy {name} on {role_arn}"))
}

pub(super) fn put_role_policy(
    ledger: &mut impl Ledger,
    role_arn: String,
    name: String,
    document: String,
) -> Result<Outcome, ApiError> {
    let key = keys::role_policies(&role_arn);
    let mut record: RolePolicies = read(ledger, &key)?.unwrap_or_default();
    record.role_arn = role_arn;
    record.policies.insert(name, document);
    // IAM's limit is on all of a role's inline policies together.
    let total: usize = record.policies.values().map(|d| policy_chars(d)).sum();
    if total > MAX_ROLE_POLICY_CHARS {
        let message = format!("Maximum policy size of {MAX_ROLE_POLICY_CHARS} bytes exceeded for role.");
        return Err(ApiError::new(ErrorKind::LimitExceeded, message));
    }
    let value = serde_json::to_string(&record).expect("records serialize");
    ledger.commit(Mutation::Put { key, value, metadata: None })?;
    Ok(Outcome::Done)
}

pub(super) fn delete_role_policy(ledger: &mut impl Ledger, role_arn: &str, name: &str) -> Result<Outcome, ApiError> {
    let key = keys::role_policies(role_arn);
    let mut record: RolePolicies = read(ledger, &key)?.ok_or_else(|| no_such_policy(role_arn, name))?;
    if record.policies.remove(name).is_none() {
        return Err(no_such_policy(role_arn, name));
    }
    if record.policies.is_empty() {
        ledger.commit(Mutation::Delete { key })?;
    } else {
        let value = serde_json::to_string(&record).expect("records serialize");
        ledger.commit(Mutation::Put { key, value, metadata: None })?;
    }
    Ok(Outcome::Done)
}

pub(super) fn put_api_route(ledger: &mut impl Ledger, route: ApiRoute) -> Result<Outcome, ApiError> {
    ledger.commit(Mutation::Put {
        key: keys::api_route(&route.name),
        value: serde_json::to_string(&route).expect("records serialize"),
        metadata: Some(route.list_metadata()),
    })?;
    Ok(Outcome::Done)
}

pub(super) fn delete_api_route(ledger: &mut impl Ledger, name: &str) -> Result<Outcome, ApiError> {
    let key = keys::api_route(name);
    if ledger.get(&key)?.is_none() {
        return Err(ApiError::no_such_api_route(name));
    }
    ledger.commit(Mutation::Delete { key })?;
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::authority::{execute, Command};
    use crate::core::memory::MemoryLedger;

    const ROLE: &str = "arn:aws:iam::000000000000:role/user";

    fn put(ledger: &mut MemoryLedger, name: &str, document: &str) -> Result<Outcome, ApiError> {
        let command = Command::PutRolePolicy { role_arn: ROLE.into(), name: name.into(), document: document.into() };
        execute(ledger, command)
    }

    fn stored(ledger: &MemoryLedger) -> Option<RolePolicies> {
        read(ledger, &keys::role_policies(ROLE)).unwrap()
    }

    #[test]
    fn policies_of_a_role_are_one_record() {
        let mut ledger = MemoryLedger::default();
        put(&mut ledger, "a", "{ }").unwrap();
        put(&mut ledger, "b", "{}").unwrap();
        put(&mut ledger, "a", "{\"x\": 1}").unwrap();
        let record = stored(&ledger).unwrap();
        assert_eq!(record.role_arn, ROLE);
        assert_eq!(record.policies.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(record.policies["a"], "{\"x\": 1}");

        let delete = |l: &mut MemoryLedger, name: &str| {
            execute(l, Command::DeleteRolePolicy { role_arn: ROLE.into(), name: name.into() })
        };
        delete(&mut ledger, "a").unwrap();
        assert_eq!(delete(&mut ledger, "a").unwrap_err().kind, ErrorKind::NoSuchEntity);
        delete(&mut ledger, "b").unwrap();
        assert_eq!(stored(&ledger), None, "a role without policies leaves no record");
    }

    #[test]
    fn all_policies_of_a_role_share_iams_size_limit() {
        let mut ledger = MemoryLedger::default();
        let half = format!("\"{}\"", "x".repeat(MAX_ROLE_POLICY_CHARS / 2 - 2));
        put(&mut ledger, "a", &half).unwrap();
        put(&mut ledger, "b", &format!("  {half}\n")).unwrap();
        let err = put(&mut ledger, "c", "{}").unwrap_err();
        assert_eq!(err.kind, ErrorKind::LimitExceeded);
        assert_eq!(stored(&ledger).unwrap().policies.len(), 2, "a refused change changes nothing");
    }

    #[test]
    fn routes_are_put_and_deleted() {
        let mut ledger = MemoryLedger::default();
        let route = ApiRoute { name: "demo".into(), upstream: "https://api.example.com".into() };
        execute(&mut ledger, Command::PutApiRoute { route: route.clone() }).unwrap();
        assert_eq!(read::<ApiRoute>(&ledger, &keys::api_route("demo")).unwrap(), Some(route));
        let delete = |l: &mut MemoryLedger| execute(l, Command::DeleteApiRoute { name: "demo".into() });
        delete(&mut ledger).unwrap();
        assert_eq!(delete(&mut ledger).unwrap_err().kind, ErrorKind::NoSuchEntity);
    }
}
