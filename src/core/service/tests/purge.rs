//! DeleteIdentityPool at size: a pool of 20,000 identities is gone for every
//! read at once, and its keys leave the ledger and the store in bounded
//! background runs, none left behind — the identities the authority holds
//! and the guests only the store lists alike.

use serde_json::json;

use super::Harness;
use crate::core::authority::{Command, Outcome};
use crate::core::capabilities::Authority;
use crate::core::ids::RouteTag;
use crate::core::records::LoginRef;
use crate::core::testing::block_on;

const SIGNED_IN: usize = 20_000;
const LISTED_GUESTS: usize = 1_500;

#[test]
fn a_pool_of_twenty_thousand_identities_is_deleted_in_bounded_steps() {
    let h = Harness::new();
    let pool = h.guest_pool();
    let keep = h.guest_pool();
    let route = RouteTag::of_pool(&h.secrets.route_key, &pool);
    // Signed-in identities, straight through the authority (no token to
    // verify natively 20,000 times): one login each, some with two.
    let mut ids = Vec::with_capacity(SIGNED_IN);
    for i in 0..SIGNED_IN {
        let mut logins = vec![LoginRef::new("idp.test", &format!("{i:064x}"))];
        if i % 10 == 0 {
            logins.push(LoginRef::new("other.test", &format!("{:064x}", i + 1_000_000)));
        }
        let command = Command::SignIn {
            pool_id: pool.clone(),
            logins,
            target: None,
            proven_target: false,
            owner_proven: false,
            new_identity_id: format!("us-east-1:{}-0000-4000-8000-{i:012x}", route.to_hex()),
            developer_login: None,
            now: 1,
        };
        match block_on(h.authority.apply(route, command)).unwrap() {
            Outcome::Identity { identity_id, .. } => ids.push(identity_id),
            other => panic!("{other:?}"),
        }
    }
    // Guests of a listed pool are in the store only; one guest of the other pool stays.
    let guests: Vec<String> = (0..LISTED_GUESTS).map(|_| h.guest(&pool)).collect();
    let kept = h.guest(&keep);
    h.settle();
    let before = h.store.dump().len();
    assert!(before > 2 * SIGNED_IN + LISTED_GUESTS, "{before} keys stored");

    Harness::ok(h.admin("DeleteIdentityPool", json!({"IdentityPoolId": pool})));
    // Gone for every read before a single identity is purged.
    assert_eq!(
        h.admin("DescribeIdentityPool", json!({"IdentityPoolId": pool})).error_type(),
        "ResourceNotFoundException"
    );
    let r = h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 10}));
    assert_eq!(r.error_type(), "ResourceNotFoundException");
    for id in [&ids[0], &ids[SIGNED_IN - 1], &guests[0]] {
        let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": id}));
        assert_eq!(r.error_type(), "ResourceNotFoundException", "{id}");
    }
    // Its id cannot be taken again while it is purged.
    let import = json!({"IdentityPoolId": pool, "IdentityPoolName": "again", "AllowUnauthenticatedIdentities": true});
    assert_eq!(h.admin("ImportIdentityPool", import.clone()).error_type(), "ResourceConflictException");

    let runs = h.settle();
    let left: Vec<String> = h.store.dump().into_iter().map(|(k, _, _)| k).filter(|k| k.contains(&pool)).collect();
    assert!(left.is_empty(), "{} keys left, e.g. {:?}", left.len(), left.first());
    let member = crate::core::store::keys::member(&keep, &kept);
    assert!(h.store.dump().iter().any(|(k, _, _)| *k == member), "the other pool's guest is still listed");
    assert!(runs > 100, "{runs} runs: the work was split");
    // The other pool and its guest are untouched; the id is free again.
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": kept}));
    assert_eq!(r.status, 200, "{}", r.body);
    Harness::ok(h.admin("ImportIdentityPool", import));
}
