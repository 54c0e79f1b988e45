//! The authority's rules on a ledger in memory: pools and their routing
//! tags, guests that prove themselves, sign-in, linking, merging and deletion.

use super::*;
use crate::core::memory::MemoryLedger;

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
    let logins = vec![login("p9", &format!("mac-of-{id}"))];
    execute(ledger, sign_in_command(logins, Some(id), true, "us-east-1:unused", 9))
}

/// A sign-in to `POOL` with `logins`, naming `target` (whose id proved
/// itself when `proven`), a new identity getting the id `new`.
fn sign_in_command(logins: Vec<LoginRef>, target: Option<&str>, proven: bool, new: &str, now: u64) -> Command {
    Command::SignIn {
        pool_id: POOL.into(),
        logins,
        target: target.map(str::to_owned),
        proven_target: proven,
        new_identity_id: new.into(),
        developer_login: None,
        owner_proven: false,
        now,
    }
}

fn delete(ledger: &mut MemoryLedger, ids: &[&str], proven: &[&str]) -> Outcome {
    let identity_ids = ids.iter().map(|s| s.to_string()).collect();
    let proven = proven.iter().map(|id| (id.to_string(), POOL.to_owned())).collect();
    execute(ledger, Command::DeleteIdentities { identity_ids, proven, now: 20, idle_before: None }).unwrap()
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
    execute(&mut l, Command::DeletePool { pool_id: POOL.into(), tag: TAG.into(), now: 1 }).unwrap();
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
    execute(&mut l, Command::DeletePool { pool_id: POOL.into(), tag: TAG.into(), now: 1 }).unwrap();
    assert!(l.get(&keys::pool(POOL)).unwrap().is_none(), "gone at once");
    assert!(l.get(&keys::identity(GUEST)).unwrap().is_some(), "its identities go in steps");
    // The steps, as the object's alarm takes them (the store lists nothing).
    loop {
        match purge::step(&mut l).unwrap() {
            purge::PurgeStep::Idle => break,
            purge::PurgeStep::More => {}
            purge::PurgeStep::SweepStore { pool_id, .. } => {
                let now = 1 + purge::STORE_GRACE_SECONDS;
                assert_eq!(purge::sweep_store(&mut l, &pool_id, vec![], now - 1).unwrap(), purge::Swept::Wait);
                assert_eq!(purge::sweep_store(&mut l, &pool_id, vec![], now).unwrap(), purge::Swept::Done);
            }
        }
    }
    assert!(l.get(&keys::identity(GUEST)).unwrap().is_none());
    assert!(l.keys_with_prefix("").unwrap().is_empty(), "{:?}", l.keys_with_prefix("").unwrap());
    let err = execute(&mut l, Command::DeletePool { pool_id: POOL.into(), tag: TAG.into(), now: 1 }).unwrap_err();
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
fn the_sweeps_deletion_takes_idle_guests_only() {
    let mut l = MemoryLedger::default();
    create(&mut l, true);
    let stored =
        |l: &mut MemoryLedger, id: &str, record: IdentityRecord| put_identity(l, id, &record, false, 3).unwrap();
    let (idle, busy, disabled) = ("us-east-1:idle", "us-east-1:busy", "us-east-1:disabled");
    stored(&mut l, idle, IdentityRecord::guest(POOL, 3));
    stored(&mut l, busy, IdentityRecord { modified: 15, ..IdentityRecord::guest(POOL, 3) });
    stored(&mut l, disabled, IdentityRecord { disabled: true, ..IdentityRecord::guest(POOL, 3) });
    let signed_in = sign_in_as(&mut l, vec![login("p1", "a1")], None, "us-east-1:a").unwrap();
    let ids = [idle, busy, disabled, &signed_in, GUEST];
    let command = Command::DeleteIdentities {
        identity_ids: ids.iter().map(|s| s.to_string()).collect(),
        proven: [(GUEST.to_owned(), POOL.to_owned())].into(),
        now: 20,
        idle_before: Some(10),
    };
    let out = execute(&mut l, command).unwrap();
    assert_eq!(out, Outcome::Deleted { identity_ids: vec![idle.into(), GUEST.into()] });
    assert!(l.get(&keys::identity(idle)).unwrap().is_none() && l.get(&keys::member(POOL, idle)).unwrap().is_none());
    for kept in [busy, disabled, &signed_in] {
        assert!(l.get(&keys::member(POOL, kept)).unwrap().is_some(), "{kept} kept");
    }
    // A list entry written back after the deletion goes with the next one.
    for (seq, _) in l.pending(1000).unwrap() {
        l.acknowledge_through(seq).unwrap();
    }
    let out = delete(&mut l, &[GUEST], &[GUEST]);
    assert_eq!(out, Outcome::Deleted { identity_ids: vec![] });
    let pending: Vec<_> = l.pending(1000).unwrap().into_iter().map(|(_, m)| m).collect();
    assert!(pending.contains(&Mutation::Delete { key: keys::member(POOL, GUEST) }));
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
    let cmd = sign_in_command(vec![login("p2", "b2")], Some(OTHER), true, "us-east-1:c", 11);
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
    execute(&mut l, Command::SetRoles { pool_id: POOL.into(), roles: roles.clone(), role_mappings: BTreeMap::new() })
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
    let cmd = sign_in_command(logins, target, false, new, 10);
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
    let err = sign_in_as(&mut l, vec![login("p0", "m0"), login("p20", "m20")], Some(&id), "us-east-1:b").unwrap_err();
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

/// The list entries marked to be written again, due by `now`.
fn rechecks(l: &MemoryLedger, now: u64) -> Vec<String> {
    l.rechecks_due(now, 1000).unwrap()
}

#[test]
fn a_change_of_an_entry_the_worker_may_write_is_written_again_later() {
    let mut l = MemoryLedger::default();
    create(&mut l, true);
    // A never-stored guest linked at 9: marked; a new signed-in identity is not.
    guest(&mut l, GUEST).unwrap();
    execute(&mut l, sign_in_command(vec![login("p1", "a1")], None, false, OTHER, 9)).unwrap();
    let due = 9 + recheck::RECHECK_SECONDS;
    assert!(rechecks(&l, due - 1).is_empty(), "not before its time");
    assert_eq!(rechecks(&l, due), vec![keys::member(POOL, GUEST)]);
    // Changed again before it is due (no longer a guest: not marked again),
    // the entry is written as the identity is then.
    let unlinked = Command::Unlink {
        identity_id: GUEST.into(),
        proven: vec![format!("mac-of-{GUEST}")],
        remove: vec!["p9".into()],
        now: 12,
    };
    execute(&mut l, unlinked).unwrap();
    for (seq, _) in l.pending(1000).unwrap() {
        l.acknowledge_through(seq).unwrap();
    }
    assert_eq!(recheck::step(&mut l, due - 1).unwrap(), recheck::Rechecked::Waiting);
    assert_eq!(recheck::step(&mut l, due).unwrap(), recheck::Rechecked::Wrote);
    let record: IdentityRecord = serde_json::from_str(&l.get(&keys::identity(GUEST)).unwrap().unwrap()).unwrap();
    let written = Mutation::Put {
        key: keys::member(POOL, GUEST),
        value: String::new(),
        metadata: Some(record.member_metadata()),
    };
    assert!(record.disabled);
    assert_eq!(l.pending(1000).unwrap().into_iter().map(|(_, m)| m).collect::<Vec<_>>(), vec![written]);
    assert_eq!(recheck::step(&mut l, due).unwrap(), recheck::Rechecked::Idle);
}

#[test]
fn a_deleted_guests_entry_is_deleted_again_later() {
    let mut l = MemoryLedger::default();
    create(&mut l, true);
    let stored = "us-east-1:44444444-4444-4444-8444-444444444444";
    put_identity(&mut l, stored, &IdentityRecord::guest(POOL, 3), false, 3).unwrap();
    let signed_in = sign_in_as(&mut l, vec![login("p1", "a1")], None, "us-east-1:a").unwrap();
    l.clear_rechecks(&rechecks(&l, u64::MAX)).unwrap();
    delete(&mut l, &[stored, GUEST, &signed_in], &[GUEST]);
    let due = 20 + recheck::RECHECK_SECONDS;
    let mut marked = rechecks(&l, due);
    marked.sort();
    let mut expected = vec![keys::member(POOL, stored), keys::member(POOL, GUEST)];
    expected.sort();
    assert_eq!(marked, expected, "the guests' entries, not the signed-in identity's");
    for (seq, _) in l.pending(1000).unwrap() {
        l.acknowledge_through(seq).unwrap();
    }
    recheck::step(&mut l, due).unwrap();
    let pending: Vec<_> = l.pending(1000).unwrap().into_iter().map(|(_, m)| m).collect();
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|m| matches!(m, Mutation::Delete { .. })));
}
