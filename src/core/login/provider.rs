//! Which identity providers a pool trusts, and how to reach each one: the
//! `Logins` key names the provider; the pool's settings give its client ids.
//! Google and Apple have fixed issuers and key URLs; a Cognito user pool is
//! named by its issuer; any other OpenID issuer is named by its URL without
//! the scheme and found through discovery. Plain http only for hosts that
//! the `INSECURE_HTTP_ISSUERS` switch names.

use crate::core::model::IdentityPool;

/// Google's `Logins` key.
pub const GOOGLE: &str = "accounts.google.com";
/// Apple's `Logins` key.
pub const APPLE: &str = "appleid.apple.com";
/// Providers whose `Logins` values are access tokens, not ID tokens.
const ACCESS_TOKEN_PROVIDERS: [&str; 4] = ["graph.facebook.com", "www.amazon.com", "api.twitter.com", "www.digits.com"];

/// Where a provider's keys are found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWKS at this URL.
    Jwks(String),
    /// The `jwks_uri` of the discovery document of this issuer.
    Discovery(String),
}

/// What kind of provider, for kind-specific claim checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// Google.
    Google,
    /// Sign in with Apple.
    Apple,
    /// A Cognito user pool (ID tokens carry `token_use: id`).
    CognitoUserPool,
    /// Any other OpenID Connect provider.
    Oidc,
    /// Login with Amazon (access tokens, checked by Amazon).
    Amazon,
    /// Facebook Login (access tokens, checked by the Graph API).
    Facebook,
    /// A SAML 2.0 identity provider (named by its ARN; see `login::saml`).
    Saml,
}

/// A provider as a pool configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// The canonical name: the `Logins` key.
    pub name: String,
    /// The kind.
    pub kind: ProviderKind,
    /// The `iss` values its tokens may carry (exact match).
    pub issuers: Vec<String>,
    /// The client ids its tokens may be for.
    pub client_ids: Vec<String>,
    /// Where its keys are.
    pub keys: KeySource,
    /// The key cache's name for it.
    pub cache_key: String,
}

pub(super) fn client_ids(list: &str) -> Vec<String> {
    list.split([',', ';']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Whether `name` is a plausible `host[:port][/path]` (no userinfo, query,
/// fragment or spaces, so the URL built from it means what it says).
fn plausible_issuer_name(name: &str) -> bool {
    let (authority, path) = name.split_once('/').map_or((name, ""), |(a, p)| (a, p));
    let (host, port) = authority.rsplit_once(':').map_or((authority, None), |(h, p)| (h, Some(p)));
    let host_ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    let path_ok = path.chars().all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c));
    host_ok && port_ok && path_ok && !name.ends_with('/')
}

/// The host of an issuer name or URL without scheme (no port, no path).
pub fn host_of(name: &str) -> &str {
    let authority = name.split('/').next().unwrap_or_default();
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// The URL scheme for an issuer on `host`.
pub fn scheme_for(host: &str, insecure_http_hosts: &[String]) -> &'static str {
    if insecure_http_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        "http"
    } else {
        "https"
    }
}

/// The kind of the ID-token provider named `name`, as [`resolve`] gives it
/// (whether the pool trusts `name` is `resolve`'s to say).
pub fn id_token_kind(name: &str) -> ProviderKind {
    match name {
        _ if name.starts_with("cognito-idp.") => ProviderKind::CognitoUserPool,
        GOOGLE => ProviderKind::Google,
        APPLE => ProviderKind::Apple,
        _ => ProviderKind::Oidc,
    }
}

/// The provider `name` of `pool`, if the pool trusts it.
pub fn resolve(pool: &IdentityPool, name: &str, insecure_http_hosts: &[String]) -> Option<Provider> {
    let supported = pool.supported_login_providers.as_ref().and_then(|m| m.get(name));
    let kind = id_token_kind(name);
    if kind == ProviderKind::CognitoUserPool {
        let ids: Vec<String> = pool
            .cognito_identity_providers
            .iter()
            .flatten()
            .filter(|p| p.provider_name.as_deref() == Some(name))
            .filter_map(|p| p.client_id.clone())
            .collect();
        if ids.is_empty() || !plausible_issuer_name(name) {
            return None;
        }
        let issuer = format!("https://{name}");
        return Some(Provider {
            name: name.to_owned(),
            kind: ProviderKind::CognitoUserPool,
            issuers: vec![issuer.clone()],
            client_ids: ids,
            keys: KeySource::Jwks(format!("{issuer}/.well-known/jwks.json")),
            cache_key: issuer,
        });
    }
    let ids = client_ids(supported?);
    if ids.is_empty() || ACCESS_TOKEN_PROVIDERS.contains(&name) {
        return None;
    }
    let (issuers, keys) = match kind {
        ProviderKind::Google => (
            vec!["https://accounts.google.com".to_owned(), "accounts.google.com".to_owned()],
            KeySource::Jwks("https://www.googleapis.com/oauth2/v3/certs".to_owned()),
        ),
        ProviderKind::Apple => (
            vec!["https://appleid.apple.com".to_owned()],
            KeySource::Jwks("https://appleid.apple.com/auth/keys".to_owned()),
        ),
        _ if plausible_issuer_name(name) => {
            let issuer = format!("{}://{name}", scheme_for(host_of(name), insecure_http_hosts));
            (vec![issuer.clone()], KeySource::Discovery(issuer))
        }
        _ => return None,
    };
    let cache_key = issuers[0].clone();
    Some(Provider { name: name.to_owned(), kind, issuers, client_ids: ids, keys, cache_key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::CognitoIdentityProvider;

    fn pool(providers: &[(&str, &str)]) -> IdentityPool {
        IdentityPool {
            supported_login_providers: Some(providers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn google_has_both_issuer_spellings() {
        let p = resolve(&pool(&[(GOOGLE, "a.apps.googleusercontent.com, b")]), GOOGLE, &[]).unwrap();
        assert_eq!(p.issuers, ["https://accounts.google.com", "accounts.google.com"]);
        assert_eq!(p.client_ids, ["a.apps.googleusercontent.com", "b"]);
        assert_eq!(p.kind, ProviderKind::Google);
    }

    #[test]
    fn oidc_issuers_use_https_unless_the_insecure_switch_names_the_host() {
        let pool = pool(&[("login.example.com/realm", "app"), ("127.0.0.1:8788", "demo")]);
        let p = resolve(&pool, "login.example.com/realm", &["127.0.0.1".into()]).unwrap();
        assert_eq!(p.keys, KeySource::Discovery("https://login.example.com/realm".into()));
        let local = resolve(&pool, "127.0.0.1:8788", &["127.0.0.1".into()]).unwrap();
        assert_eq!(local.issuers, ["http://127.0.0.1:8788"]);
        let strict = resolve(&pool, "127.0.0.1:8788", &[]).unwrap();
        assert_eq!(strict.issuers, ["https://127.0.0.1:8788"]);
    }

    #[test]
    fn unconfigured_and_odd_providers_are_not_trusted() {
        let pool = pool(&[
            ("graph.facebook.com", "123"),
            ("evil.example.com@127.0.0.1", "x"),
            ("a.example.com/x?y", "x"),
            ("ok.example.com", ""),
        ]);
        for name in [
            "accounts.google.com",
            "graph.facebook.com",
            "evil.example.com@127.0.0.1",
            "a.example.com/x?y",
            "ok.example.com",
            "nope.example.com",
        ] {
            assert_eq!(resolve(&pool, name, &[]), None, "{name}");
        }
    }

    #[test]
    fn cognito_user_pools_take_their_client_ids_from_the_provider_list() {
        let name = "cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC";
        let p = IdentityPool {
            cognito_identity_providers: Some(vec![
                CognitoIdentityProvider {
                    provider_name: Some(name.into()),
                    client_id: Some("c1".into()),
                    server_side_token_check: None,
                },
                CognitoIdentityProvider {
                    provider_name: Some(name.into()),
                    client_id: Some("c2".into()),
                    server_side_token_check: None,
                },
            ]),
            ..Default::default()
        };
        let provider = resolve(&p, name, &[]).unwrap();
        assert_eq!(provider.client_ids, ["c1", "c2"]);
        assert_eq!(provider.keys, KeySource::Jwks(format!("https://{name}/.well-known/jwks.json")));
        assert_eq!(resolve(&p, "cognito-idp.us-east-1.amazonaws.com/other", &[]), None);
    }
}
