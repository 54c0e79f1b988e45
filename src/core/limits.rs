//! Abuse limits: how many new identities one client address may create in a
//! pool, and how many failed sign-ins it may make, per window. The counting
//! is the platform's (the Workers Rate Limiting binding in the Worker); the
//! core decides what is counted, under which key, and what a client over its
//! limit is told (Cognito's `TooManyRequestsException`). A client over its
//! failed sign-in limit is refused before any token of its is verified, for
//! [`BLOCK_SECONDS`], by the isolate that saw it go over. An IPv6 client is
//! counted by its /64 network ([`counted_address`]).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr};
use std::pin::Pin;

/// How long an isolate refuses sign-ins from an address that went over its
/// failed sign-in limit (the binding's longest window).
pub const BLOCK_SECONDS: u64 = 60;
/// Addresses an isolate remembers as blocked before it starts over.
const MAX_BLOCKED: usize = 4096;

/// The address `client` is counted under. An IPv4 address as it is, also
/// when it comes mapped into IPv6 (`::ffff:192.0.2.1`, a dual-stack
/// socket's form). An IPv6 address by its /64 network, written
/// `2001:db8:1:2::/64`: a provider gives each subscriber at least a /64,
/// and a client may send from any address in it, so counting single
/// addresses would give it 2^64 budgets. Anything else (the platform
/// always gives an address; a local client may send any header) is
/// counted as it is.
pub fn counted_address(client: &str) -> String {
    match client.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                format!("{}/64", Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
        Err(_) => client.to_owned(),
    }
}

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A new identity (GetId of a guest, or of logins no identity has yet),
    /// counted per pool and client address.
    NewIdentity,
    /// A sign-in token refused, counted per client address.
    FailedSignIn,
}

/// A future of the platform (not `Send`: in wasm it is a promise).
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The platform's counters.
pub trait Limiter {
    /// Counts one event of `limit` under `key`: `false` when the key is over
    /// its limit. A counter that cannot answer allows (and says so in its
    /// log): a limit must not turn an outage of its own into one of cognate.
    fn allow<'a>(&'a self, limit: Limit, key: &'a str) -> LocalFuture<'a, bool>;
}

/// No limits (natively, and in a Worker run without the bindings).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLimits;

impl Limiter for NoLimits {
    fn allow<'a>(&'a self, _: Limit, _: &'a str) -> LocalFuture<'a, bool> {
        Box::pin(std::future::ready(true))
    }
}

/// The addresses this isolate refuses sign-ins from, until when.
#[derive(Debug, Default)]
pub struct Blocklist(RefCell<HashMap<String, u64>>);

impl Blocklist {
    /// Whether `address` is refused at `now`.
    pub fn holds(&self, address: &str, now: u64) -> bool {
        self.0.borrow().get(address).is_some_and(|&until| until > now)
    }

    /// Refuses `address` for [`BLOCK_SECONDS`] from `now`.
    pub fn block(&self, address: &str, now: u64) {
        let mut map = self.0.borrow_mut();
        if map.len() >= MAX_BLOCKED && !map.contains_key(address) {
            map.retain(|_, until| *until > now);
            if map.len() >= MAX_BLOCKED {
                map.clear();
            }
        }
        map.insert(address.to_owned(), now + BLOCK_SECONDS);
    }
}

/// The limits of one request: the counters, the isolate's blocklist, and
/// the client's address (`CF-Connecting-IP`; `None` where the platform
/// gives none, which is counted as one shared address).
#[derive(Clone, Copy)]
pub struct Limits<'a> {
    /// The platform's counters.
    pub limiter: &'a dyn Limiter,
    /// The isolate's blocked addresses.
    pub blocked: &'a Blocklist,
    /// The client's address.
    pub client: Option<&'a str>,
}

impl Limits<'_> {
    /// The client's address as counted ([`counted_address`]; `-` when
    /// unknown).
    pub fn address(&self) -> String {
        self.client.map_or_else(|| "-".to_owned(), counted_address)
    }

    /// The counter key of a new identity in `pool_id`.
    pub fn new_identity_key(&self, pool_id: &str) -> String {
        format!("{pool_id} {}", self.address())
    }
}

impl std::fmt::Debug for Limits<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits").field("client", &self.client).finish_non_exhaustive()
    }
}

/// Counters for tests: each key may count `allowed` events of its kind.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct CountingLimiter {
    pub allowed: std::cell::Cell<u32>,
    pub counts: RefCell<HashMap<(&'static str, String), u32>>,
}

#[cfg(test)]
impl CountingLimiter {
    pub(crate) fn new(allowed: u32) -> Self {
        Self { allowed: std::cell::Cell::new(allowed), counts: RefCell::default() }
    }

    /// How many events of `limit` were counted under `key`.
    pub(crate) fn count(&self, limit: Limit, key: &str) -> u32 {
        self.counts.borrow().get(&(Self::name(limit), key.to_owned())).copied().unwrap_or(0)
    }

    fn name(limit: Limit) -> &'static str {
        match limit {
            Limit::NewIdentity => "new",
            Limit::FailedSignIn => "failed",
        }
    }
}

#[cfg(test)]
impl Limiter for CountingLimiter {
    fn allow<'a>(&'a self, limit: Limit, key: &'a str) -> LocalFuture<'a, bool> {
        let mut counts = self.counts.borrow_mut();
        let n = counts.entry((Self::name(limit), key.to_owned())).or_default();
        *n += 1;
        Box::pin(std::future::ready(*n <= self.allowed.get()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_lasts_its_window() {
        let list = Blocklist::default();
        assert!(!list.holds("203.0.113.7", 100));
        list.block("203.0.113.7", 100);
        assert!(list.holds("203.0.113.7", 100));
        assert!(list.holds("203.0.113.7", 100 + BLOCK_SECONDS - 1));
        assert!(!list.holds("203.0.113.7", 100 + BLOCK_SECONDS));
        assert!(!list.holds("203.0.113.8", 100));
    }

    #[test]
    fn a_full_blocklist_drops_expired_entries_first() {
        let list = Blocklist::default();
        for i in 0..MAX_BLOCKED {
            list.block(&format!("a{i}"), if i == 0 { 200 } else { 0 });
        }
        list.block("new", 100);
        assert!(list.holds("a0", 100), "a live block survives");
        assert!(list.holds("new", 100));
        assert!(!list.holds("a1", 100));
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_network() {
        // One /64, however its addresses are written.
        for address in ["2001:db8:1:2::1", "2001:0db8:0001:0002:ffff:ffff:ffff:fffe", "2001:DB8:1:2:0:0:0:9"] {
            assert_eq!(counted_address(address), "2001:db8:1:2::/64", "{address}");
        }
        assert_eq!(counted_address("2001:db8:1:3::1"), "2001:db8:1:3::/64", "the next network");
        assert_eq!(counted_address("::1"), "::/64");
        // IPv4, also mapped into IPv6, is the address itself.
        assert_eq!(counted_address("192.0.2.1"), "192.0.2.1");
        assert_eq!(counted_address("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(counted_address("::ffff:c000:201"), "192.0.2.1");
        // What is not an address is counted as it is.
        assert_eq!(counted_address("not an address"), "not an address");
        assert_eq!(counted_address("2001:db8::1%eth0"), "2001:db8::1%eth0");
    }

    #[test]
    fn keys_name_pool_and_address() {
        let (none, blocked) = (NoLimits, Blocklist::default());
        let known = Limits { limiter: &none, blocked: &blocked, client: Some("203.0.113.7") };
        assert_eq!(known.new_identity_key("us-east-1:p"), "us-east-1:p 203.0.113.7");
        let unknown = Limits { client: None, ..known };
        assert_eq!(unknown.address(), "-");
    }
}
