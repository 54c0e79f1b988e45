//! The browser client's decisions, with no I/O: when cached credentials
//! must be refreshed, what expiry to report on a skewed device clock, how
//! storage keys are namespaced, and what to do when the service refuses a
//! cached identity. The `browser` adapter does the fetching and storing.

/// Refresh this long before the server says credentials expire: more than
/// the AWS SDK's own 5-minute window, so the SDK never holds credentials it
/// considers expired.
pub const REFRESH_MARGIN_SECONDS: f64 = 7.0 * 60.0;

/// The device clock's offset from the server's, in seconds
/// (`server time − device time`), learnt from a response's `Date` header.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Skew(pub f64);

impl Skew {
    /// The skew seen when a response dated `server_seconds` arrived at
    /// `device_seconds`. `Date` has whole seconds: offsets under 2 s are noise.
    pub fn observe(server_seconds: f64, device_seconds: f64) -> Self {
        let offset = server_seconds - device_seconds;
        if offset.abs() < 2.0 {
            Self(0.0)
        } else {
            Self(offset)
        }
    }

    /// The server's time now, given the device's.
    pub fn server_now(self, device_seconds: f64) -> f64 {
        device_seconds + self.0
    }

    /// A server time in the device's clock.
    pub fn to_device(self, server_seconds: f64) -> f64 {
        server_seconds - self.0
    }
}

/// Whether credentials expiring at `expiration` (server epoch seconds) must
/// be refreshed at device time `device_now`.
pub fn needs_refresh(expiration: f64, device_now: f64, skew: Skew) -> bool {
    expiration - skew.server_now(device_now) <= REFRESH_MARGIN_SECONDS
}

/// The storage key of `name` for pool `pool_id`: every pool has its own
/// namespace, so two apps (or pools) on one origin never share an identity.
pub fn storage_key(pool_id: &str, name: &str) -> String {
    format!("cognate:{pool_id}:{name}")
}

/// What to do when the service refuses a call about a cached identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// Forget the cached guest id and start again as a new guest (once).
    NewGuest,
    /// A signed-in identity needs a fresh login: tell the app.
    SignInRequired,
    /// Nothing to recover: report the error.
    Fail,
}

/// The recovery for error `error_type` on a call for a cached identity
/// that is a guest (`guest`) or signed in, after `retried` recoveries.
pub fn recovery(error_type: &str, guest: bool, retried: bool) -> Recovery {
    let identity_gone = matches!(error_type, "ResourceNotFoundException" | "NotAuthorizedException");
    match (identity_gone, guest, retried) {
        (true, true, false) => Recovery::NewGuest,
        (true, false, _) => Recovery::SignInRequired,
        _ => Recovery::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_comes_before_the_sdks_window() {
        let now = 1_000_000.0;
        assert!(!needs_refresh(now + 3600.0, now, Skew(0.0)));
        assert!(!needs_refresh(now + REFRESH_MARGIN_SECONDS + 1.0, now, Skew(0.0)));
        assert!(needs_refresh(now + REFRESH_MARGIN_SECONDS, now, Skew(0.0)));
        assert!(needs_refresh(now + 5.0 * 60.0, now, Skew(0.0)), "inside the SDK's 5 minutes");
        assert!(needs_refresh(now - 1.0, now, Skew(0.0)));
    }

    #[test]
    fn a_skewed_device_clock_is_corrected() {
        // The device runs an hour behind: credentials that look fresh are not.
        let device = 1_000_000.0;
        let skew = Skew::observe(device + 3600.0, device);
        assert_eq!(skew, Skew(3600.0));
        assert!(needs_refresh(device + 3600.0 + 60.0, device, skew));
        assert_eq!(skew.to_device(device + 7200.0), device + 3600.0);
        assert_eq!(Skew::observe(device + 1.0, device), Skew(0.0), "sub-second noise is ignored");
        assert_eq!(Skew::observe(device - 600.0, device), Skew(-600.0));
    }

    #[test]
    fn pools_have_their_own_storage() {
        assert_ne!(storage_key("us-east-1:a", "identityId"), storage_key("us-east-1:b", "identityId"));
        assert_eq!(storage_key("us-east-1:a", "identityId"), "cognate:us-east-1:a:identityId");
    }

    #[test]
    fn a_vanished_guest_is_replaced_once_and_a_signed_in_user_asked_to_sign_in() {
        assert_eq!(recovery("ResourceNotFoundException", true, false), Recovery::NewGuest);
        assert_eq!(recovery("NotAuthorizedException", true, false), Recovery::NewGuest);
        assert_eq!(recovery("NotAuthorizedException", true, true), Recovery::Fail, "only once");
        assert_eq!(recovery("NotAuthorizedException", false, false), Recovery::SignInRequired);
        assert_eq!(recovery("ResourceNotFoundException", false, false), Recovery::SignInRequired);
        assert_eq!(recovery("TooManyRequestsException", true, false), Recovery::Fail);
    }
}
