//! Guest retention (`GUEST_RETENTION_DAYS`): a guest's use is noted once a
//! day after the response, the scheduled sweep removes the guests idle for
//! longer than the retention in bounded runs that resume where they
//! stopped, and with retention off nothing is noted, swept or read.

use serde_json::json;

use super::signin::IDP;
use super::Harness;
use crate::core::capabilities::Clock;
use crate::core::service::{SweepReport, MAX_OPERATIONS, SWEEP_BATCH};
use crate::core::store::keys;
use crate::core::testing::block_on;

const DAY: u64 = 86_400;

impl Harness {
    /// A harness whose Worker keeps guests `days` days.
    fn retaining(days: u32) -> Self {
        let mut h = Harness::new();
        h.config.guest_retention_days = Some(days);
        h
    }

    /// One run of the scheduled sweep, checked against its budget.
    fn sweep(&self) -> SweepReport {
        let (reads, calls) = (self.store.reads(), self.authority.calls());
        let report = block_on(self.service(None).sweep_guests());
        let used = (self.store.reads() - reads) + (self.authority.calls() - calls);
        assert!(used <= u64::from(report.operations), "{used} calls, {} counted", report.operations);
        assert!(report.operations <= MAX_OPERATIONS, "{report:?}");
        assert!(report.removed as usize + report.kept as usize <= SWEEP_BATCH, "{report:?}");
        assert_eq!(report.failure, None);
        report
    }

    /// Whether `identity_id` still gets guest credentials.
    fn serves(&self, identity_id: &str) -> bool {
        let r = self.call("GetCredentialsForIdentity", json!({"IdentityId": identity_id}));
        match r.status {
            200 => true,
            _ => {
                assert_eq!(r.error_type(), "ResourceNotFoundException", "{}", r.body);
                false
            }
        }
    }

    /// The ids ListIdentities shows for `pool`.
    fn listed(&self, pool: &str) -> Vec<String> {
        let mut ids = Vec::new();
        let mut token = None::<String>;
        loop {
            let mut input = json!({"IdentityPoolId": pool, "MaxResults": 60});
            if let Some(t) = &token {
                input["NextToken"] = t.clone().into();
            }
            let page = Harness::ok(self.admin("ListIdentities", input));
            ids.extend(page["Identities"].as_array().unwrap().iter().map(|i| i["IdentityId"].as_str().unwrap().into()));
            match page["NextToken"].as_str() {
                Some(t) => token = Some(t.into()),
                None => return ids,
            }
        }
    }

    /// The metadata of `identity_id`'s list entry in `pool`.
    fn member_metadata(&self, pool: &str, identity_id: &str) -> Option<serde_json::Value> {
        let key = keys::member(pool, identity_id);
        let entry = self.store.dump().into_iter().find(|(k, _, _)| *k == key)?;
        entry.2.map(|m| serde_json::from_str(&m).unwrap())
    }
}

#[test]
fn idle_guests_are_swept_and_used_ones_stay() {
    let mut h = Harness::retaining(90);
    let pool = h.signin_pool();
    let start = h.clock.now();
    let idle = h.guest(&pool);
    let used_on_day_60 = h.guest(&pool);
    let token_on_day_80 = h.guest(&pool);
    let signed_in = Harness::ok(h.login_id(&pool, &h.token("alice")))["IdentityId"].as_str().unwrap().to_owned();
    h.clock.advance(50 * DAY);
    let born_on_day_50 = h.guest(&pool);
    h.clock.advance(10 * DAY);
    assert!(h.serves(&used_on_day_60));
    assert_eq!(h.member_metadata(&pool, &used_on_day_60).unwrap()["u"], json!(start + 60 * DAY), "use noted");
    h.clock.advance(20 * DAY);
    Harness::ok(h.call("GetOpenIdToken", json!({"IdentityId": token_on_day_80})));

    // Day 91: only the guest unused since day 0 is past 90 days.
    h.clock.advance(11 * DAY);
    let r = h.sweep();
    assert_eq!((r.enabled, r.pools, r.listed, r.removed, r.kept, r.finished), (true, 1, 5, 1, 0, true));
    h.cache = Default::default(); // another isolate
    assert!(!h.serves(&idle), "swept");
    assert_eq!(h.admin("DescribeIdentity", json!({"IdentityId": idle})).error_type(), "ResourceNotFoundException");
    for kept in [&used_on_day_60, &token_on_day_80, &born_on_day_50] {
        assert!(h.serves(kept), "used or born within 90 days");
    }
    let mut listed = h.listed(&pool);
    listed.sort();
    let mut expected = vec![used_on_day_60.clone(), token_on_day_80.clone(), born_on_day_50.clone(), signed_in.clone()];
    expected.sort();
    assert_eq!(listed, expected);

    // Day 200, nobody used since day 91: every guest goes, the signed-in identity stays.
    h.clock.advance(109 * DAY);
    h.cache = Default::default();
    let r = h.sweep();
    assert_eq!((r.removed, r.finished), (3, true));
    assert_eq!(h.listed(&pool), vec![signed_in.clone()]);
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": signed_in, "Logins": {IDP: h.token("alice")}}));
    assert_eq!(r.status, 200, "signed-in identities are never swept");
    assert_eq!(h.sweep().removed, 0, "nothing left to sweep");
    h.settle();
    // A swept guest's list entry is gone from the store; its tombstone keeps its id refused.
    assert!(h.store.dump().iter().all(|(k, _, _)| !k.starts_with(&format!("member/{pool}/{idle}"))));
    assert!(h.store.dump().iter().any(|(k, _, _)| *k == keys::identity(&idle)));
}

#[test]
fn batches_are_bounded_and_the_cursor_resumes() {
    let h = Harness::retaining(90);
    let big = h.signin_pool();
    let small = h.signin_pool();
    let guests: Vec<String> = (0..1200).map(|_| h.guest(&big)).collect();
    let few: Vec<String> = (0..10).map(|_| h.guest(&small)).collect();
    h.clock.advance(91 * DAY);
    let used_later = &guests[1100];
    assert!(h.serves(used_later), "used before the sweep reaches it");

    // 1,211 entries, 1,209 of them idle guests: three runs of at most 500
    // deletions (a page that holds the used guest deletes one less).
    let mut removed = Vec::new();
    for run in 0..3 {
        let r = h.sweep();
        removed.push(r.removed);
        let cursor = h.store.dump().into_iter().any(|(k, _, _)| k == keys::SWEEP_CURSOR);
        assert_eq!((r.finished, cursor), (run == 2, run < 2), "run {run}: {r:?}");
    }
    assert!(removed[0] >= 499 && removed[1] >= 499, "{removed:?}");
    assert_eq!(removed.iter().sum::<u32>(), 1209);
    assert!(h.serves(used_later));
    assert!(!h.serves(&guests[0]) && !h.serves(&guests[1199]) && !h.serves(&few[9]));
    assert_eq!(h.listed(&big), vec![used_later.clone()]);
    assert_eq!(h.sweep().removed, 0, "the next cycle starts over and finds nothing");
}

#[test]
fn a_guest_linked_while_kv_lags_is_kept_by_its_authority() {
    let h = Harness::retaining(90);
    let pool = h.signin_pool();
    let guest = h.guest(&pool);
    h.clock.advance(91 * DAY);
    // Linked now; KV still shows the idle guest's entry to the sweep.
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest, "Logins": {IDP: h.token("bob")}}));
    assert_eq!(r.status, 200);
    h.store.set_lag(60);
    let r = h.sweep();
    assert_eq!((r.listed, r.removed, r.kept), (1, 0, 1), "chosen from KV, refused on consistent state");
    h.store.set_lag(0);
    let r = h.call("GetCredentialsForIdentity", json!({"IdentityId": guest, "Logins": {IDP: h.token("bob")}}));
    assert_eq!(r.status, 200);
}

#[test]
fn a_use_is_noted_once_a_day_after_the_response() {
    let mut h = Harness::retaining(90);
    let pool = h.signin_pool();
    let guest = h.guest(&pool);
    assert!(h.serves(&guest));
    let (reads, writes) = (h.store.reads(), h.store.writes());
    assert!(h.serves(&guest));
    Harness::ok(h.call("GetOpenIdToken", json!({"IdentityId": guest})));
    assert_eq!(
        (h.store.reads(), h.store.writes()),
        (reads, writes),
        "once a day: a warm call reads and writes nothing"
    );
    h.clock.advance(DAY);
    h.cache = Default::default();
    assert!(h.serves(&guest)); // cold: reads the pool, the tag's pools and the identity
    let (reads, writes) = (h.store.reads(), h.store.writes());
    h.clock.advance(DAY);
    assert!(h.serves(&guest));
    // The next day (the cache's entries expired with the day): the pool,
    // the tag's pools, the identity — and after the response, one listing
    // of the entry and one write.
    assert_eq!((h.store.reads() - reads, h.store.writes() - writes), (3 + 1, 1));
    assert_eq!(h.member_metadata(&pool, &guest).unwrap()["u"], json!(h.clock.now()));
}

#[test]
fn retention_off_notes_nothing_and_sweeps_nothing() {
    let h = Harness::new();
    assert_eq!(h.config.guest_retention_days, None, "off by default");
    let pool = h.signin_pool();
    let guest = h.guest(&pool);
    assert!(h.serves(&guest));
    let (reads, writes) = (h.store.reads(), h.store.writes());
    assert!(h.serves(&guest));
    Harness::ok(h.call("GetOpenIdToken", json!({"IdentityId": guest})));
    assert_eq!((h.store.reads(), h.store.writes()), (reads, writes), "a warm guest call reads and writes nothing");
    assert_eq!(h.member_metadata(&pool, &guest).unwrap().get("u"), None);

    h.clock.advance(4000 * DAY);
    let (reads, writes, calls) = (h.store.reads(), h.store.writes(), h.authority.calls());
    assert_eq!(h.sweep(), SweepReport::default());
    assert_eq!((h.store.reads(), h.store.writes(), h.authority.calls()), (reads, writes, calls), "no store traffic");
    assert!(h.serves(&guest));
}

#[test]
fn guests_a_none_pool_never_stored_are_neither_noted_nor_swept() {
    let mut h = Harness::retaining(1);
    let pool = h.signin_pool();
    Harness::ok(h.admin(
        "TagResource",
        json!({"ResourceArn": format!("arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{pool}"),
               "Tags": {"cognate:guest-storage": "none"}}),
    ));
    let guest = h.guest(&pool);
    assert!(h.serves(&guest));
    let (reads, writes) = (h.store.reads(), h.store.writes());
    h.clock.advance(DAY);
    h.cache = Default::default();
    assert!(h.serves(&guest));
    let cold_reads = h.store.reads() - reads;
    assert_eq!(h.store.writes(), writes, "nothing noted: it has no list entry");
    h.clock.advance(30 * DAY);
    let r = h.sweep();
    assert_eq!((r.listed, r.removed), (0, 0));
    h.cache = Default::default();
    let reads = h.store.reads();
    assert!(h.serves(&guest), "valid until deleted");
    assert_eq!(h.store.reads() - reads, cold_reads, "a cold call reads as before, nothing more");
}
