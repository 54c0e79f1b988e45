//! The deployment's settings that are not a pool's: roles' inline policies,
//! the SigV4 gateway's routes and the SAML identity providers. They change rarely, through the admin
//! operations, and are decided by one authority (the settings route) so two
//! racing changes to one role cannot lose each other.

use super::{read, Outcome};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::ledger::{Ledger, Mutation};
use crate::core::records::{ApiRoute, RolePolicies, SamlProviderRecord, MAX_ROLE_POLICY_CHARS};
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

/// Cognate's answer for a SAML provider that does not exist (worded as IAM's).
fn no_such_saml_provider(name: &str) -> ApiError {
    ApiError::new(ErrorKind::NoSuchEntity, format!("The SAML provider with name {name} cannot be found."))
}

pub(super) fn put_saml_provider(
    ledger: &mut impl Ledger,
    mut provider: SamlProviderRecord,
    create: bool,
) -> Result<Outcome, ApiError> {
    let key = keys::saml_provider(&provider.name);
    let existing: Option<SamlProviderRecord> = read(ledger, &key)?;
    match (existing, create) {
        (Some(_), true) => {
            let message = format!("A SAML provider with name {} already exists.", provider.name);
            return Err(ApiError::new(ErrorKind::ResourceConflict, message));
        }
        (None, false) => return Err(no_such_saml_provider(&provider.name)),
        (Some(old), false) => provider.created = old.created,
        (None, true) => {}
    }
    let metadata = Some(provider.list_metadata());
    let value = serde_json::to_string(&provider).expect("records serialize");
    ledger.commit(Mutation::Put { key, value, metadata })?;
    Ok(Outcome::Done)
}

pub(super) fn delete_saml_provider(ledger: &mut impl Ledger, name: &str) -> Result<Outcome, ApiError> {
    let key = keys::saml_provider(name);
    if ledger.get(&key)?.is_none() {
        return Err(no_such_saml_provider(name));
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

    #[test]
    fn saml_providers_are_created_once_updated_in_place_and_deleted() {
        let mut ledger = MemoryLedger::default();
        let record = |metadata: &str, created: u64| SamlProviderRecord {
            name: "idp".into(),
            metadata: metadata.into(),
            created,
            valid_until: None,
        };
        let put = |l: &mut MemoryLedger, r: SamlProviderRecord, create: bool| {
            execute(l, Command::PutSamlProvider { provider: r, create })
        };
        let stored = |l: &MemoryLedger| read::<SamlProviderRecord>(l, &keys::saml_provider("idp")).unwrap();
        let err = put(&mut ledger, record("a", 1), false).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NoSuchEntity, "an update needs the provider");
        put(&mut ledger, record("a", 1), true).unwrap();
        let err = put(&mut ledger, record("b", 2), true).unwrap_err();
        assert_eq!(err.kind, ErrorKind::ResourceConflict, "a create needs a new name");
        assert_eq!(stored(&ledger), Some(record("a", 1)));
        put(&mut ledger, record("b", 2), false).unwrap();
        assert_eq!(stored(&ledger), Some(record("b", 1)), "an update keeps the creation time");
        let delete = |l: &mut MemoryLedger| execute(l, Command::DeleteSamlProvider { name: "idp".into() });
        delete(&mut ledger).unwrap();
        assert_eq!(delete(&mut ledger).unwrap_err().kind, ErrorKind::NoSuchEntity);
        assert_eq!(stored(&ledger), None);
    }
}
