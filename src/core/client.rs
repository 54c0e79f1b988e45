//! The browser client's decisions, with no I/O: when cached credentials
//! must be refreshed, what expiry to report on a skewed device clock, how
//! storage keys are namespaced, and what to do when the service refuses a
//! cached identity. The npm package's JS entry does the fetching and
//! storing and asks the wasm (`browser`) for these decisions.

/// Refresh this long before the server says credentials expire: more than
/// the AWS SDK's own 5-minute window, so the SDK never holds credentials it
/// considers expired.
pub(crate) const REFRESH_MARGIN_SECONDS: f64 = 7.0 * 60.0;

/// The device clock's offset from the server's, in seconds
/// (`server time − device time`), learnt from a response's `Date` header.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Skew(pub f64);

impl Skew {
    /// The skew seen when a response dated `server_seconds` arrived at
    /// `device_seconds`. `Date` has whole seconds: offsets under 2 s are noise.
    pub(crate) fn observe(server_seconds: f64, device_seconds: f64) -> Self {
        let offset = server_seconds - device_seconds;
        if offset.abs() < 2.0 {
            Self(0.0)
        } else {
            Self(offset)
        }
    }

    /// The server's time now, given the device's.
    pub(crate) fn server_now(self, device_seconds: f64) -> f64 {
        device_seconds + self.0
    }

    /// A server time in the device's clock.
    pub(crate) fn to_device(self, server_seconds: f64) -> f64 {
        server_seconds - self.0
    }
}

/// Whether credentials expiring at `expiration` (server epoch seconds) must
/// be refreshed at device time `device_now`.
pub(crate) fn needs_refresh(expiration: f64, device_now: f64, skew: Skew) -> bool {
    expiration - skew.server_now(device_now) <= REFRESH_MARGIN_SECONDS
}

/// The storage key of `name` for pool `pool_id`: every pool has its own
/// namespace, so two apps (or pools) on one origin never share an identity.
pub(crate) fn storage_key(pool_id: &str, name: &str) -> String {
    ["cognate:", pool_id, ":", name].concat()
}

/// What to do when the service refuses a call about a cached identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Recovery {
    /// Forget the cached guest id and start again as a new guest (once).
    NewGuest,
    /// A signed-in identity needs a fresh login: tell the app.
    SignInRequired,
    /// Nothing to recover: report the error.
    Fail,
}

/// The recovery for error `error_type` on a call for a cached identity
/// that is a guest (`guest`) or signed in, after `retried` recoveries.
pub(crate) fn recovery(error_type: &str, guest: bool, retried: bool) -> Recovery {
    let identity_gone = matches!(error_type, "ResourceNotFoundException" | "NotAuthorizedException");
    match (identity_gone, guest, retried) {
        (true, true, false) => Recovery::NewGuest,
        (true, false, _) => Recovery::SignInRequired,
        _ => Recovery::Fail,
    }
}

pub(crate) use super::percent::encode as percent_encode;

/// What an authorization request carries (OIDC code flow, PKCE S256).
pub(crate) struct Authorization<'a> {
    /// The provider's `authorization_endpoint`.
    pub endpoint: &'a str,
    /// The app's client id.
    pub client_id: &'a str,
    /// Where the provider sends the browser back.
    pub redirect_uri: &'a str,
    /// The scopes (`openid` is added when missing).
    pub scope: &'a str,
    /// The anti-forgery state.
    pub state: &'a str,
    /// The ID token's expected nonce.
    pub nonce: &'a str,
    /// `base64url(SHA-256(code_verifier))`.
    pub code_challenge: &'a str,
}

impl Authorization<'_> {
    /// The URL to send the browser to.
    pub(crate) fn url(&self) -> String {
        let mut scope = String::new();
        if !self.scope.split(' ').any(|s| s == "openid") {
            scope.push_str("openid ");
        }
        scope.push_str(self.scope);
        let pairs = [
            ("response_type", "code"),
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("scope", scope.trim()),
            ("state", self.state),
            ("nonce", self.nonce),
            ("code_challenge", self.code_challenge),
            ("code_challenge_method", "S256"),
        ];
        let mut url = String::from(self.endpoint);
        for (i, (k, v)) in pairs.iter().enumerate() {
            url.push(if i > 0 || self.endpoint.contains('?') { '&' } else { '?' });
            url.push_str(k);
            url.push('=');
            url.push_str(&percent_encode(v));
        }
        url
    }
}

/// The `Logins` key of an OpenID issuer: its URL without the scheme.
pub(crate) fn provider_name(issuer: &str) -> &str {
    // A byte scan, not a substring search: the browser build stays small.
    let start = issuer.as_bytes().windows(3).position(|w| w == b"://").map_or(0, |i| i + 3);
    issuer.get(start..).unwrap_or(issuer).trim_end_matches('/')
}

/// Checks an ID token from the provider's token endpoint before it is
/// handed over: the issuer and the audience must be the ones expected, and
/// after a code exchange the nonce too (a refreshed token has none to check:
/// `expected.2` is `None`).
pub(crate) fn check_id_token(
    iss: Option<&str>,
    aud: &[String],
    nonce: Option<&str>,
    expected: (&str, &str, Option<&str>),
) -> Result<(), &'static str> {
    let (issuer, client_id, expected_nonce) = expected;
    if iss != Some(issuer) {
        return Err("the ID token's issuer is not the provider's");
    }
    if !aud.iter().any(|a| a == client_id) {
        return Err("the ID token is not for this client");
    }
    if expected_nonce.is_some_and(|n| nonce != Some(n)) {
        return Err("the ID token's nonce does not match");
    }
    Ok(())
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
    fn the_authorization_url_carries_pkce_state_and_nonce() {
        let a = Authorization {
            endpoint: "http://127.0.0.1:8788/auth",
            client_id: "cognate-demo",
            redirect_uri: "http://127.0.0.1:8787/",
            scope: "email",
            state: "s t",
            nonce: "n",
            code_challenge: "abc-_",
        };
        assert_eq!(
            a.url(),
            "http://127.0.0.1:8788/auth?response_type=code&client_id=cognate-demo&redirect_uri=http%3A%2F%2F127.0.0.1%3A8787%2F\
             &scope=openid%20email&state=s%20t&nonce=n&code_challenge=abc-_&code_challenge_method=S256"
        );
        assert_eq!(provider_name("http://127.0.0.1:8788"), "127.0.0.1:8788");
        assert_eq!(provider_name("https://login.example.com/realm/"), "login.example.com/realm");
    }

    #[test]
    fn the_id_token_of_a_code_exchange_is_checked() {
        let aud = vec!["app".to_owned()];
        let expected = ("https://idp", "app", Some("n1"));
        assert!(check_id_token(Some("https://idp"), &aud, Some("n1"), expected).is_ok());
        assert!(check_id_token(Some("https://other"), &aud, Some("n1"), expected).is_err());
        assert!(check_id_token(Some("https://idp"), &["x".to_owned()], Some("n1"), expected).is_err());
        assert!(check_id_token(Some("https://idp"), &aud, Some("n2"), expected).is_err());
        assert!(check_id_token(Some("https://idp"), &aud, None, expected).is_err());
        let refreshed = ("https://idp", "app", None);
        assert!(check_id_token(Some("https://idp"), &aud, None, refreshed).is_ok());
        assert!(check_id_token(Some("https://other"), &aud, None, refreshed).is_err());
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
