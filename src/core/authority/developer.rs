//! The pool authority's rules for developer users: merging the identities
//! of two developer users (the destination's identity stays), and removing
//! one developer user from its identity.

use super::logins::{identity_in, merge_into, owner, Merge};
use super::{pool, put_identity, Outcome};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::ledger::{Ledger, Mutation};
use crate::core::store::keys;

fn unknown_user() -> ApiError {
    ApiError::new(ErrorKind::ResourceNotFound, "The developer user identifier was not found in this identity pool.")
}

/// MergeDeveloperIdentities: every login of the source user's identity
/// moves to the destination user's identity, which is returned; the source
/// identity is disabled.
pub(super) fn merge(
    ledger: &mut impl Ledger,
    pool_id: &str,
    source: &str,
    destination: &str,
    now: u64,
) -> Result<Outcome, ApiError> {
    pool(ledger, pool_id)?;
    let winner = owner(ledger, pool_id, destination)?.ok_or_else(unknown_user)?;
    let loser = owner(ledger, pool_id, source)?.ok_or_else(unknown_user)?;
    let record = identity_in(ledger, &winner, pool_id, false, now)?;
    if loser == winner {
        return Ok(Outcome::Identity { identity_id: winner, record });
    }
    let merged = identity_in(ledger, &loser, pool_id, false, now)?;
    let logins = record.logins.iter().chain(&merged.logins).cloned().collect();
    let merge = Merge { winner, record, existed: true, merged: vec![(loser, merged)], logins, proven: None };
    merge_into(ledger, pool_id, merge, now)
}

/// UnlinkDeveloperIdentity: the developer user `mac` leaves `identity_id`;
/// an identity left with no login is disabled, as UnlinkIdentity does.
pub(super) fn unlink(
    ledger: &mut impl Ledger,
    pool_id: &str,
    identity_id: String,
    mac: &str,
    now: u64,
) -> Result<Outcome, ApiError> {
    pool(ledger, pool_id)?;
    let mut record = identity_in(ledger, &identity_id, pool_id, false, now)?;
    let before = record.logins.len();
    record.logins.retain(|l| !(l.is_developer() && l.mac == mac));
    if record.logins.len() == before {
        return Err(ApiError::new(
            ErrorKind::ResourceConflict,
            format!("The developer user identifier is not linked to identity '{identity_id}'."),
        ));
    }
    ledger.commit(Mutation::Delete { key: keys::login(pool_id, mac) })?;
    record.disabled = record.logins.is_empty();
    record.modified = now;
    put_identity(ledger, &identity_id, &record, false, now)?;
    Ok(Outcome::Identity { identity_id, record })
}
