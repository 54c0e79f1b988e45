//! Abuse limits through the whole service: new identities per client and
//! pool, failed sign-ins per client, and what is never limited.

use serde_json::{json, Value};

use super::Harness;
use crate::core::limits::{Limit, BLOCK_SECONDS};
use crate::core::protocol::HttpRequest;

/// `op` with `body` from the client address `ip`.
fn from(ip: &str, op: &str, body: &Value) -> HttpRequest {
    let mut request = Harness::request(op, body);
    request.headers.push(("cf-connecting-ip".into(), ip.into()));
    request
}

fn get_id(h: &Harness, ip: &str, body: Value) -> super::Reply {
    h.send(from(ip, "GetId", &body))
}

#[test]
fn new_guests_are_limited_per_client_and_pool() {
    let h = Harness::new();
    let (a, b) = (h.guest_pool(), h.guest_pool());
    h.limiter.allowed.set(2);
    for _ in 0..2 {
        assert_eq!(get_id(&h, "203.0.113.7", json!({"IdentityPoolId": a})).status, 200);
    }
    let over = get_id(&h, "203.0.113.7", json!({"IdentityPoolId": a}));
    assert_eq!((over.status, over.error_type(), over.message()), (400, "TooManyRequestsException", "Rate exceeded"));
    // Another client, or another pool, has its own count.
    assert_eq!(get_id(&h, "203.0.113.8", json!({"IdentityPoolId": a})).status, 200);
    assert_eq!(get_id(&h, "203.0.113.7", json!({"IdentityPoolId": b})).status, 200);
    assert_eq!(h.limiter.count(Limit::NewIdentity, &format!("{a} 203.0.113.7")), 3);
}

#[test]
fn an_ipv6_client_cannot_move_to_another_address_of_its_network() {
    let h = Harness::new();
    let pool = h.guest_pool();
    h.limiter.allowed.set(2);
    assert_eq!(get_id(&h, "2001:db8:7:1::1", json!({"IdentityPoolId": pool})).status, 200);
    assert_eq!(get_id(&h, "2001:db8:7:1::2", json!({"IdentityPoolId": pool})).status, 200);
    let over = get_id(&h, "2001:db8:7:1:a:b:c:d", json!({"IdentityPoolId": pool}));
    assert_eq!(over.error_type(), "TooManyRequestsException", "a third address of the same /64");
    assert_eq!(h.limiter.count(Limit::NewIdentity, &format!("{pool} 2001:db8:7:1::/64")), 3);
    // The next /64 is another client.
    assert_eq!(get_id(&h, "2001:db8:7:2::1", json!({"IdentityPoolId": pool})).status, 200);

    // A block after failed sign-ins holds the whole network too.
    let pool = h.signin_pool();
    h.limiter.allowed.set(1);
    let bad = json!({"IdentityPoolId": pool, "Logins": {super::signin::IDP: "e30.e30.AAAA"}});
    assert_eq!(get_id(&h, "2001:db8:9:1::1", bad.clone()).error_type(), "NotAuthorizedException");
    assert_eq!(get_id(&h, "2001:db8:9:1::2", bad).error_type(), "TooManyRequestsException");
    let good = json!({"IdentityPoolId": pool, "Logins": {super::signin::IDP: h.token("alice")}});
    assert_eq!(get_id(&h, "2001:db8:9:1::3", good).error_type(), "TooManyRequestsException");
    assert_eq!(h.limiter.count(Limit::FailedSignIn, "2001:db8:9:1::/64"), 2);
}

#[test]
fn a_known_login_is_no_new_identity_and_a_new_one_is() {
    let h = Harness::new();
    let pool = h.signin_pool();
    let token = h.token("alice");
    let body = json!({"IdentityPoolId": pool, "Logins": {super::signin::IDP: token}});
    let first = get_id(&h, "203.0.113.7", body.clone());
    assert_eq!(first.status, 200, "{}", first.body);
    h.limiter.allowed.set(1);
    // Alice again: her identity exists, nothing is counted.
    assert_eq!(get_id(&h, "203.0.113.7", body.clone()).body, first.body);
    let key = format!("{pool} 203.0.113.7");
    assert_eq!(h.limiter.count(Limit::NewIdentity, &key), 1);
    // Bob would be a second new identity from this client.
    let bob = json!({"IdentityPoolId": pool, "Logins": {super::signin::IDP: h.token("bob")}});
    assert_eq!(get_id(&h, "203.0.113.7", bob).error_type(), "TooManyRequestsException");
    // Credentials of a known guest are never counted.
    h.limiter.allowed.set(u32::MAX);
    let guest = h.guest(&pool);
    h.limiter.allowed.set(0);
    let creds = h.send(from("203.0.113.7", "GetCredentialsForIdentity", &json!({"IdentityId": guest})));
    assert_eq!(creds.status, 200, "{}", creds.body);
}

#[test]
fn failed_sign_ins_block_the_client_for_a_window() {
    let h = Harness::new();
    let pool = h.signin_pool();
    h.limiter.allowed.set(3);
    let bad = json!({"IdentityPoolId": pool, "Logins": {super::signin::IDP: "e30.e30.AAAA"}});
    for _ in 0..3 {
        assert_eq!(get_id(&h, "198.51.100.1", bad.clone()).error_type(), "NotAuthorizedException");
    }
    assert_eq!(get_id(&h, "198.51.100.1", bad.clone()).error_type(), "TooManyRequestsException");
    assert_eq!(h.limiter.count(Limit::FailedSignIn, "198.51.100.1"), 4);
    // Blocked: even a good token is refused before it is verified, and
    // nothing more is counted.
    let good = json!({"IdentityPoolId": pool, "Logins": {super::signin::IDP: h.token("alice")}});
    assert_eq!(get_id(&h, "198.51.100.1", good.clone()).error_type(), "TooManyRequestsException");
    assert_eq!(h.limiter.count(Limit::FailedSignIn, "198.51.100.1"), 4);
    // Another client is not blocked; guests are not sign-ins.
    assert_eq!(get_id(&h, "198.51.100.2", good.clone()).status, 200);
    assert_eq!(get_id(&h, "198.51.100.1", json!({"IdentityPoolId": pool})).status, 200);
    // The window ends.
    h.clock.advance(BLOCK_SECONDS);
    h.limiter.allowed.set(u32::MAX);
    assert_eq!(get_id(&h, "198.51.100.1", good).status, 200);
}

#[test]
fn a_provider_outage_is_no_failed_sign_in() {
    let h = Harness::new();
    let pool = h.signin_pool();
    h.limiter.allowed.set(0);
    h.idp.down.set(true);
    let body = json!({"IdentityPoolId": pool, "Logins": {super::signin::IDP: h.token("alice")}});
    let reply = get_id(&h, "198.51.100.1", body);
    assert_ne!(reply.error_type(), "TooManyRequestsException", "{}", reply.body);
    assert_eq!(h.limiter.count(Limit::FailedSignIn, "198.51.100.1"), 0);
}

#[test]
fn administrators_are_not_limited() {
    let h = Harness::new();
    h.limiter.allowed.set(0);
    // Pool creation and the other admin calls count nothing.
    let pool = h.signin_pool();
    assert!(h.limiter.counts.borrow().is_empty(), "{pool}");
}
