//! Guests whose ids prove themselves: what GetId writes in each guest
//! storage mode, what a warm call reads, and how links, deletions and
//! forgeries are told apart from a guest that was never stored.

use serde_json::json;

use super::signin::IDP;
use super::Harness;

impl Harness {
    /// A guest pool whose `cognate:guest-storage` tag is `mode`.
    fn pool_storing(&self, mode: &str) -> String {
        let pool = self.guest_pool();
        Harness::ok(self.admin(
            "UpdateIdentityPool",
            json!({"IdentityPoolId": pool, "IdentityPoolName": "guests", "AllowUnauthenticatedIdentities": true,
                   "SupportedLoginProviders": {IDP: "app"},
                   "IdentityPoolTags": {"cognate:guest-storage": mode}}),
        ));
        pool
    }

    /// Keys in the store that mention `identity_id`.
    fn stored_keys(&self, identity_id: &str) -> Vec<String> {
        self.store.dump().into_iter().map(|(k, _, _)| k).filter(|k| k.contains(identity_id)).collect()
    }

    /// Another isolate: nothing cached.
    fn cold(&mut self) {
        self.cache = Default::default();
    }
}

#[test]
fn a_zero_write_guest_is_served_without_storage_or_authority() {
    let h = Harness::new();
    let pool = h.pool_storing("none");
    let calls = h.authority.calls();
    let guest = h.guest(&pool);
    assert_eq!(h.authority.calls(), calls, "GetId asked no authority");
    assert!(h.stored_keys(&guest).is_empty(), "and wrote nothing");

    assert_eq!(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})).status, 200);
    assert_eq!(h.call("GetOpenIdToken", json!({"IdentityId": guest})).status, 200);
    assert_eq!(h.authority.calls(), calls);
    // Warm: the pool, the tag's pools and the guest's absence are cached.
    let reads = h.store.reads();
    assert_eq!(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})).status, 200);
    assert_eq!(h.store.reads(), reads, "a warm guest call reads nothing");

    // Not listed; described from the id itself.
    let listed = Harness::ok(h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 10})));
    assert_eq!(listed["Identities"], json!([]));
    let described = Harness::ok(h.admin("DescribeIdentity", json!({"IdentityId": guest})));
    assert_eq!(described, json!({"IdentityId": guest, "Logins": []}));
}

#[test]
fn a_listed_guest_is_recorded_after_the_response() {
    let h = Harness::new();
    let pool = h.pool_storing("listed");
    let calls = h.authority.calls();
    let guest = h.guest(&pool);
    assert_eq!(h.authority.calls(), calls, "GetId asked no authority");
    assert_eq!(h.stored_keys(&guest), vec![format!("member/{pool}/{guest}")], "a list entry, no record");
    let listed = Harness::ok(h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 10})));
    assert_eq!(listed["Identities"][0]["IdentityId"], guest);
    assert_eq!(listed["Identities"][0]["CreationDate"], json!(1_800_000_000u64));
    let described = Harness::ok(h.admin("DescribeIdentity", json!({"IdentityId": guest})));
    assert_eq!(described["CreationDate"], json!(1_800_000_000u64));
    assert_eq!(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})).status, 200);
}

#[test]
fn linking_a_zero_write_guest_stores_it_and_ends_its_guest_access() {
    let mut h = Harness::new();
    let pool = h.pool_storing("none");
    let guest = h.guest(&pool);
    let token = h.token("alice");
    let r = Harness::ok(h.call("GetOpenIdToken", json!({"IdentityId": guest, "Logins": {IDP: token}})));
    assert_eq!(r["IdentityId"], guest, "the guest becomes the signed-in identity");
    assert!(h.stored_keys(&guest).contains(&format!("identity/{guest}")));
    for _ in 0..2 {
        let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
        assert_eq!(r.error_type(), "NotAuthorizedException", "no guest access once linked");
        h.cold();
    }
    let again = Harness::ok(h.call("GetId", json!({"IdentityPoolId": pool, "Logins": {IDP: h.token("alice")}})));
    assert_eq!(again["IdentityId"], guest);
}

#[test]
fn a_deleted_zero_write_guest_stays_deleted_in_every_isolate() {
    let mut h = Harness::new();
    let pool = h.pool_storing("none");
    let guest = h.guest(&pool);
    let r = Harness::ok(h.admin("DeleteIdentities", json!({"IdentityIdsToDelete": [guest]})));
    assert_eq!(r["UnprocessedIdentityIds"], json!([]));
    for _ in 0..2 {
        let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
        assert_eq!(r.error_type(), "ResourceNotFoundException");
        let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest, "Logins": {IDP: h.token("bob")}}));
        assert_eq!(r.error_type(), "ResourceNotFoundException", "not linked back to life");
        assert_eq!(h.admin("DescribeIdentity", json!({"IdentityId": guest})).error_type(), "ResourceNotFoundException");
        h.cold();
    }
}

#[test]
fn an_id_that_does_not_prove_itself_is_not_a_guest() {
    let h = Harness::new();
    let pool = h.pool_storing("none");
    let guest = h.guest(&pool);
    let last = guest.chars().last().unwrap();
    let forged = format!("{}{}", &guest[..guest.len() - 1], if last == '0' { '1' } else { '0' });
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": forged}));
    assert_eq!(r.error_type(), "ResourceNotFoundException");
    // Another pool's key does not vouch for it either.
    let other = h.pool_storing("none");
    let theirs = h.guest(&other);
    assert_eq!(h.call("GetOpenIdToken", json!({"IdentityId": theirs})).status, 200);
    Harness::ok(h.admin("DeleteIdentityPool", json!({"IdentityPoolId": other})));
    let r = h.call("GetOpenIdToken", json!({"IdentityId": theirs}));
    assert_eq!(r.error_type(), "ResourceNotFoundException", "its pool is gone");
    assert_eq!(h.call("GetOpenIdToken", json!({"IdentityId": guest})).status, 200);
}

#[test]
fn pool_changes_reach_another_isolate_within_the_cache_lifetime() {
    let mut h = Harness::new();
    let pool = h.pool_storing("none");
    let guest = h.guest(&pool);
    assert_eq!(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})).status, 200);
    // Isolate A has read the pool; isolate B closes it to guests.
    let isolate_a = std::mem::take(&mut h.cache);
    let close = json!({"IdentityPoolId": pool, "IdentityPoolName": "guests", "AllowUnauthenticatedIdentities": false});
    Harness::ok(h.admin("UpdateIdentityPool", close));
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
    assert_eq!(r.error_type(), "NotAuthorizedException", "the changing isolate knows at once");
    h.cache = isolate_a;
    h.clock.advance(h.config.cache_seconds - 1);
    assert_eq!(h.call("GetCredentialsForIdentity", json!({"IdentityId": guest})).status, 200, "A is stale a while");
    h.clock.advance(1);
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest}));
    assert_eq!(r.error_type(), "NotAuthorizedException", "and no longer than CACHE_SECONDS");
}

#[test]
fn the_guest_storage_tag_takes_two_values() {
    let h = Harness::new();
    let r = h.admin(
        "CreateIdentityPool",
        json!({"IdentityPoolName": "p", "AllowUnauthenticatedIdentities": true,
               "IdentityPoolTags": {"cognate:guest-storage": "sometimes"}}),
    );
    assert_eq!(r.error_type(), "InvalidParameterException");
    assert_eq!(r.message(), "The tag 'cognate:guest-storage' must be 'listed' or 'none', not 'sometimes'.");
}

#[test]
fn a_warm_signed_in_call_reads_nothing_and_a_merge_here_is_seen_at_once() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let alice = Harness::ok(h.creds(&h.guest(&pool), Some("alice")))["IdentityId"].as_str().unwrap().to_owned();
    let (reads, calls) = (h.store.reads(), h.authority.calls());
    assert_eq!(h.creds(&alice, Some("alice")).status, 200);
    assert_eq!((h.store.reads(), h.authority.calls()), (reads, calls), "a warm sign-in reads nothing");
    // A guest this isolate has served is merged into Alice's identity by
    // signing in as Alice: the guest is disabled here at once.
    let guest = h.guest(&pool);
    assert_eq!(h.creds(&guest, None).status, 200);
    assert_eq!(Harness::ok(h.creds(&guest, Some("alice")))["IdentityId"], alice, "the owner of the login wins");
    let r = h.creds(&guest, None);
    assert_eq!(r.message(), format!("Identity '{guest}' is disabled."));
    // Unlinking Alice's only login here ends her sign-in here at once.
    let r = h.call(
        "UnlinkIdentity",
        json!({"IdentityId": alice, "Logins": {IDP: h.token("alice")}, "LoginsToRemove": [IDP]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let fresh = Harness::ok(h.login_id(&pool, &h.token("alice")))["IdentityId"].as_str().unwrap().to_owned();
    assert_ne!(fresh, alice, "the unlinked login makes a new identity");
}

#[test]
fn a_workers_late_write_of_a_linked_guests_entry_is_undone() {
    use crate::core::authority::recheck::RECHECK_SECONDS;
    use crate::core::capabilities::Clock;
    use crate::core::store::{PutOptions, Store};
    use crate::core::testing::block_on;
    let h = Harness::new();
    let pool = h.pool_storing("listed");
    let guest = h.guest(&pool);
    let key = format!("member/{pool}/{guest}");
    let as_listed = h.store.dump().into_iter().find(|(k, _, _)| *k == key).unwrap().2;
    let token = h.token("alice");
    Harness::ok(h.call("GetOpenIdToken", json!({"IdentityId": guest, "Logins": {IDP: token}})));
    let logins = |h: &Harness| {
        let listed = Harness::ok(h.admin("ListIdentities", json!({"IdentityPoolId": pool, "MaxResults": 10})));
        listed["Identities"][0]["Logins"].clone()
    };
    assert_eq!(logins(&h), json!([IDP]));
    // A Worker's write from the entry as it was (GetId's, or a use noted
    // from a lagging read) lands after the link's.
    let stale = PutOptions { metadata: as_listed, ttl: None };
    block_on(h.store.put(&key, "", stale)).unwrap();
    assert_eq!(logins(&h), json!([]), "the listing is wrong until the entry is written again");
    let linked_at = h.clock.now();
    h.settle();
    assert!(h.clock.now() >= linked_at + RECHECK_SECONDS - 30, "written again only once late writes have landed");
    assert_eq!(logins(&h), json!([IDP]));
    let described = Harness::ok(h.admin("DescribeIdentity", json!({"IdentityId": guest})));
    assert_eq!(described["Logins"], json!([IDP]));
}

#[test]
fn a_zero_write_guests_link_is_written_once() {
    use crate::core::capabilities::Clock;
    let h = Harness::new();
    let pool = h.pool_storing("none");
    let guest = h.guest(&pool);
    Harness::ok(h.call("GetOpenIdToken", json!({"IdentityId": guest, "Logins": {IDP: h.token("alice")}})));
    let (writes, now) = (h.store.writes(), h.clock.now());
    h.settle();
    assert_eq!((h.store.writes(), h.clock.now()), (writes, now), "no Worker lists it: nothing to write again");
}
