//! The pool authority's rules for an identity's logins: sign-in (find,
//! link, or make the identity; merge identities that own the call's logins,
//! the owner winning), and UnlinkIdentity.

use super::{identity_record, pool, put_identity, read, Outcome};
use crate::core::error::{ApiError, ErrorKind};
use crate::core::ledger::{Ledger, Mutation};
use crate::core::records::{IdentityRecord, LoginRef};
use crate::core::store::keys;

/// Most logins one identity may have, as in Cognito.
pub const MAX_LOGINS_PER_IDENTITY: usize = 20;

/// The identity a sign-in names.
pub(super) struct Target {
    pub(super) id: String,
    /// Its id proved itself: with no record and no tombstone it is a guest
    /// that was never stored.
    pub(super) proven: bool,
    /// The caller proved it is this identity.
    pub(super) owner: bool,
}

/// The record of an identity of `pool_id` (a proven target's guest record
/// if it was never stored), or Cognito's not-found error.
pub(super) fn identity_in(
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
pub(super) fn owner(ledger: &impl Ledger, pool_id: &str, mac: &str) -> Result<Option<String>, ApiError> {
    let Some(id) = ledger.get(&keys::login(pool_id, mac))? else { return Ok(None) };
    let live = identity_record(ledger, &id)?.is_some_and(|r| !r.disabled);
    Ok(live.then_some(id))
}

pub(super) fn sign_in(
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
    let proven = target.as_ref().filter(|t| t.proven).map(|t| t.id.clone());
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
    merge_into(ledger, pool_id, Merge { winner, record, existed, merged, logins: all, proven }, now)
}

/// A merge decided: the identity that stays, with its record (and whether
/// it is stored already), the identities merged into it, every login they
/// bring (its own first), and the call's target if its id proved itself as
/// a guest's.
pub(super) struct Merge {
    pub(super) winner: String,
    pub(super) record: IdentityRecord,
    pub(super) existed: bool,
    pub(super) merged: Vec<(String, IdentityRecord)>,
    pub(super) logins: Vec<LoginRef>,
    pub(super) proven: Option<String>,
}

/// Applies `merge`: one login of each provider (developer users aside), at
/// most 20, else `ResourceConflictException` and nothing changes; the merged
/// identities are disabled with no logins; the logins move to the winner.
pub(super) fn merge_into(ledger: &mut impl Ledger, pool_id: &str, merge: Merge, now: u64) -> Result<Outcome, ApiError> {
    let Merge { winner, mut record, existed, merged, logins, proven } = merge;
    let proven = |id: &str| proven.as_deref() == Some(id);
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
        put_identity(ledger, &id, &r, proven(&id), now)?;
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
        put_identity(ledger, &winner, &record, proven(&winner), now)?;
    }
    Ok(Outcome::Identity { identity_id: winner, record })
}

pub(super) fn unlink(
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
    put_identity(ledger, &identity_id, &record, false, now)?;
    Ok(Outcome::Identity { identity_id, record })
}
