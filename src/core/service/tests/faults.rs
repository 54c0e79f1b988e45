//! Faults lose nothing: a store that refuses writes for a while, and one
//! that takes writes but loses their acknowledgement (a Durable Object that
//! dies between writing to KV and noting it), under a mixed load of guests,
//! sign-ins, links, merges, unlinks and deletions. Once the store recovers
//! and the authorities' background work has run, the store holds exactly
//! what the authorities decided: every change reached it, in order (a
//! reordered write would leave an older value), none lost, no identity
//! duplicated; and every call meanwhile got its answer.

use serde_json::{json, Value};

use super::signin::IDP;
use super::Harness;
use crate::core::capabilities::Random;
use crate::core::testing::SeededRandom;

/// A pool whose guests are stored only when they change (so every write is
/// the authority's, and the store can be compared with its ledgers).
fn zero_write_pool(h: &Harness) -> String {
    let pool = Harness::ok(h.admin(
        "CreateIdentityPool",
        json!({"IdentityPoolName": "faults", "AllowUnauthenticatedIdentities": true,
               "SupportedLoginProviders": {IDP: "app"}, "IdentityPoolTags": {"cognate:guest-storage": "none"}}),
    ))["IdentityPoolId"]
        .as_str()
        .unwrap()
        .to_owned();
    Harness::ok(h.admin(
        "SetIdentityPoolRoles",
        json!({"IdentityPoolId": pool, "Roles": {"unauthenticated": super::GUEST_ROLE,
               "authenticated": "arn:aws:iam::000000000000:role/user"}}),
    ));
    pool
}

fn pick(random: &SeededRandom, n: usize) -> usize {
    let mut b = [0u8; 8];
    random.fill(&mut b);
    (u64::from_le_bytes(b) % n as u64) as usize
}

/// One random operation; the answer's status and error type.
fn operation(h: &Harness, pool: &str, random: &SeededRandom, ids: &mut Vec<String>) -> (u16, String) {
    let person = format!("person-{}", pick(random, 40));
    let known = |ids: &Vec<String>| ids.get(pick(random, ids.len().max(1))).cloned();
    let reply = match pick(random, 6) {
        0 => h.call("GetId", json!({"IdentityPoolId": pool})),
        1 => h.login_id(pool, &h.token(&person)),
        2 | 3 => match known(ids) {
            // A link of a fresh person, or a merge of one who has an identity.
            Some(id) => {
                h.call("GetCredentialsForIdentity", json!({"IdentityId": id, "Logins": {IDP: h.token(&person)}}))
            }
            None => h.call("GetId", json!({"IdentityPoolId": pool})),
        },
        4 => match known(ids) {
            Some(id) => h.call(
                "UnlinkIdentity",
                json!({"IdentityId": id, "Logins": {IDP: h.token(&person)}, "LoginsToRemove": [IDP]}),
            ),
            None => h.login_id(pool, &h.token(&person)),
        },
        _ => match known(ids) {
            Some(id) => h.admin("DeleteIdentities", json!({"IdentityIdsToDelete": [id]})),
            None => h.call("GetId", json!({"IdentityPoolId": pool})),
        },
    };
    if let Some(id) = reply.body.get("IdentityId").and_then(Value::as_str) {
        ids.push(id.to_owned());
    }
    (reply.status, reply.error_type().to_owned())
}

#[test]
fn a_failing_store_loses_no_change_and_breaks_no_answer() {
    let h = Harness::new();
    let pool = zero_write_pool(&h);
    let random = SeededRandom::new(7);
    let mut ids = Vec::new();
    let mut answers: Vec<(u16, String)> = Vec::new();
    for round in 0..240 {
        match round {
            // Healthy, then a store that refuses every write for a while...
            80..=159 => h.store.fail_next_writes(1_000),
            // ...then one that applies writes and loses a third of the acknowledgements.
            160..=239 if round % 3 == 0 => h.store.lose_next_acks(2),
            _ => h.store.fail_next_writes(0),
        }
        answers.push(operation(&h, &pool, &random, &mut ids));
        h.clock.advance(1);
    }
    h.store.fail_next_writes(0);
    h.store.lose_next_acks(0);
    // No call failed on the service's side: refusals are Cognito's 4xx.
    let internal: Vec<_> = answers.iter().filter(|(status, _)| *status >= 500).collect();
    assert!(internal.is_empty(), "{internal:?}");
    let ok = answers.iter().filter(|(status, _)| *status == 200).count();
    assert!(ok > 120, "only {ok} of {} calls succeeded: {answers:?}", answers.len());

    h.settle();
    let mut stored: Vec<(String, String)> = h.store.dump().into_iter().map(|(k, v, _)| (k, v)).collect();
    stored.sort();
    let decided = h.authority.ledger_entries();
    let missing: Vec<&String> = decided.iter().filter(|e| !stored.contains(e)).map(|(k, _)| k).collect();
    let extra: Vec<&String> = stored.iter().filter(|e| !decided.contains(e)).map(|(k, _)| k).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "store differs from the authorities: missing or stale {missing:?}, extra {extra:?}"
    );

    // No login points at a missing identity, and no identity lost a login.
    for (key, owner) in stored.iter().filter(|(k, _)| k.starts_with("login/")) {
        let record = stored.iter().find(|(k, _)| *k == format!("identity/{owner}"));
        let record: Value = serde_json::from_str(&record.unwrap_or_else(|| panic!("{key} → missing")).1).unwrap();
        let mac = key.rsplit('/').next().unwrap();
        assert!(record["logins"].as_array().unwrap().iter().any(|l| l["mac"] == mac), "{key} not in its record");
        assert_ne!(record["disabled"], json!(true), "{key} points at a disabled identity");
    }
}
