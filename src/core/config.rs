//! Configuration: non-secret vars (`REGION`, `ISSUER`, the
//! `INSECURE_HTTP_ISSUERS` switch, the endpoints of AWS STS and the social
//! providers) and the secrets (`HASH_KEY`, `CREDENTIAL_KEYS`,
//! `SIGNING_KEYS`, the admin key pairs — or their rotating slots, see
//! `key_slots` — and Facebook apps' secrets), read once from whatever the
//! platform offers through a lookup function.

use super::key_slots;
use super::keys::{AdminKey, CredentialKeys, HashKey, KeyError, RouteKey};
use super::token::SigningKeys;

/// Configuration is missing or wrong; names the variable, never its value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required variable or secret is not set.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable is set but unusable.
    #[error("{0} is invalid: {1}")]
    Invalid(&'static str, &'static str),
    /// A secret is set but unusable.
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Where AWS roles are assumed when `AWS_STS_ENDPOINT` is not set.
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.amazonaws.com";
/// Login with Amazon's API when `AMAZON_API_URL` is not set.
pub const DEFAULT_AMAZON_API_URL: &str = "https://api.amazon.com";
/// Facebook's Graph API when `FACEBOOK_GRAPH_URL` is not set.
pub const DEFAULT_FACEBOOK_GRAPH_URL: &str = "https://graph.facebook.com";
/// The account id of cognate's own roles when `ACCOUNT_ID` is not set.
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";

/// The longest `GUEST_RETENTION_DAYS` (ten years).
pub const MAX_GUEST_RETENTION_DAYS: u32 = 3650;

/// The non-secret settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The region of every pool and identity id (`us-east-1`).
    pub region: String,
    /// cognate's issuer URL, without a trailing slash.
    pub issuer: String,
    /// The account id of cognate's own roles and resource ARNs
    /// (`ACCOUNT_ID`, default `000000000000`).
    pub account_id: String,
    /// The S3 API's buckets (`S3_BUCKETS`, comma-separated; default
    /// `user-data`), each an R2 binding named `BUCKET_<NAME>`.
    pub s3_buckets: Vec<String>,
    /// Where AWS roles are assumed (`AWS_STS_ENDPOINT`, default
    /// `https://sts.amazonaws.com`; http only for `INSECURE_HTTP_ISSUERS` hosts).
    pub aws_sts_endpoint: String,
    /// Login with Amazon's API, where access tokens are checked
    /// (`AMAZON_API_URL`, default `https://api.amazon.com`, no trailing slash).
    pub amazon_api_url: String,
    /// Facebook's Graph API, maybe with a version path
    /// (`FACEBOOK_GRAPH_URL`, default `https://graph.facebook.com`).
    pub facebook_graph_url: String,
    /// How long an isolate keeps what it read of pools, identities, roles'
    /// policies and gateway routes (`CACHE_SECONDS`, 0–60, default 10).
    pub cache_seconds: u64,
    /// How long the gateway waits for an upstream to start answering
    /// (`GATEWAY_TIMEOUT_SECONDS`, 1–300, default 30).
    pub gateway_timeout_seconds: u32,
    /// How many days a stored guest may go unused before the scheduled
    /// sweep removes it (`GUEST_RETENTION_DAYS`, 1–3650; absent or 0: never,
    /// and nothing about guests' use is written).
    pub guest_retention_days: Option<u32>,
    /// Hosts whose issuers may use plain http (development only).
    pub insecure_http_issuers: Vec<String>,
}

/// The secrets.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// The key of routing tags, derived from the hash key.
    pub route_key: RouteKey,
    /// The hash key.
    pub hash_key: HashKey,
    /// The credential keys.
    pub credential_keys: CredentialKeys,
    /// The token signing keys.
    pub signing_keys: SigningKeys,
    /// The admin key pairs (one, or two while one is rotated out).
    pub admins: Vec<AdminKey>,
    /// Facebook apps' secrets (`FACEBOOK_APP_SECRET`, optional).
    pub facebook_app_secrets: FacebookAppSecrets,
}

/// Facebook apps' secrets: `FACEBOOK_APP_SECRET` is `<app id>|<app secret>`
/// (Facebook's own app access token form), comma-separated for several
/// apps. Its `Debug` shows the app ids only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FacebookAppSecrets(Vec<(String, String)>);

impl std::fmt::Debug for FacebookAppSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FacebookAppSecrets").field(&self.0.iter().map(|(id, _)| id).collect::<Vec<_>>()).finish()
    }
}

impl FacebookAppSecrets {
    /// Reads `<app id>|<secret>[,<app id>|<secret>...]`; `None` if a part is
    /// not an app id of digits and a secret of visible ASCII.
    pub fn parse(value: &str) -> Option<Self> {
        let mut out = Vec::new();
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, secret) = part.split_once('|')?;
            let id_ok = !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit());
            let secret_ok = !secret.is_empty() && secret.len() <= 256 && secret.bytes().all(|b| b.is_ascii_graphic());
            if !id_ok || !secret_ok {
                return None;
            }
            out.push((id.to_owned(), secret.to_owned()));
        }
        Some(Self(out))
    }

    /// The secret of app `app_id`, if one is set.
    pub fn get(&self, app_id: &str) -> Option<&str> {
        self.0.iter().find(|(id, _)| id == app_id).map(|(_, s)| s.as_str())
    }
}

/// Reads the endpoint `name` (default `default`): an https URL, or plain
/// http for a host that `INSECURE_HTTP_ISSUERS` names; without a trailing
/// slash, query or fragment.
fn endpoint(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
    insecure_hosts: &[String],
) -> Result<String, ConfigError> {
    let url = var(name).map(|e| e.trim().trim_end_matches('/').to_owned()).unwrap_or_else(|| default.to_owned());
    let host = url.split_once("://").map(|(_, rest)| rest.split(['/', ':']).next().unwrap_or(""));
    let ok = match url.split_once("://") {
        Some(("https", _)) => true,
        Some(("http", _)) => host.is_some_and(|h| insecure_hosts.iter().any(|i| i.eq_ignore_ascii_case(h))),
        _ => false,
    };
    let plain = !url.contains(['?', '#', '@', ' ']) && host.is_some_and(|h| !h.is_empty());
    if !ok || !plain {
        return Err(ConfigError::Invalid(name, "must be an https URL (http only for INSECURE_HTTP_ISSUERS hosts)"));
    }
    Ok(url)
}

fn region_ok(region: &str) -> bool {
    !region.is_empty()
        && region.len() <= 25
        && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

impl Config {
    /// Reads the settings through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let region = var("REGION").ok_or(ConfigError::Missing("REGION"))?;
        if !region_ok(&region) {
            return Err(ConfigError::Invalid("REGION", "must be like us-east-1"));
        }
        let issuer = var("ISSUER").ok_or(ConfigError::Missing("ISSUER"))?;
        let issuer = issuer.trim_end_matches('/').to_owned();
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            return Err(ConfigError::Invalid("ISSUER", "must be an http(s) URL"));
        }
        let insecure_http_issuers: Vec<String> = var("INSECURE_HTTP_ISSUERS")
            .map(|v| v.split(',').map(|h| h.trim().to_owned()).filter(|h| !h.is_empty()).collect())
            .unwrap_or_default();
        let account_id = var("ACCOUNT_ID").unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_owned());
        if account_id.len() != 12 || !account_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ConfigError::Invalid("ACCOUNT_ID", "must be 12 digits"));
        }
        let s3_buckets = var("S3_BUCKETS")
            .unwrap_or_else(|| "user-data".to_owned())
            .split(',')
            .map(|b| b.trim().to_owned())
            .filter(|b| !b.is_empty())
            .collect();
        let aws_sts_endpoint = var("AWS_STS_ENDPOINT")
            .map(|e| e.trim().trim_end_matches('/').to_owned())
            .unwrap_or_else(|| DEFAULT_STS_ENDPOINT.to_owned());
        let sts_host = aws_sts_endpoint.split_once("://").map(|(_, rest)| rest.split(['/', ':']).next().unwrap_or(""));
        let sts_ok = match aws_sts_endpoint.split_once("://") {
            Some(("https", _)) => true,
            Some(("http", _)) => sts_host.is_some_and(|h| insecure_http_issuers.iter().any(|i: &String| i == h)),
            _ => false,
        };
        if !sts_ok {
            return Err(ConfigError::Invalid(
                "AWS_STS_ENDPOINT",
                "must be an https URL (http only for INSECURE_HTTP_ISSUERS hosts)",
            ));
        }
        let amazon_api_url = endpoint(&var, "AMAZON_API_URL", DEFAULT_AMAZON_API_URL, &insecure_http_issuers)?;
        let facebook_graph_url =
            endpoint(&var, "FACEBOOK_GRAPH_URL", DEFAULT_FACEBOOK_GRAPH_URL, &insecure_http_issuers)?;
        let cache_seconds = match var("CACHE_SECONDS") {
            None => 10,
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|s| *s <= 60)
                .ok_or(ConfigError::Invalid("CACHE_SECONDS", "must be a number of seconds from 0 to 60"))?,
        };
        let gateway_timeout_seconds =
            match var("GATEWAY_TIMEOUT_SECONDS") {
                None => 30,
                Some(v) => v.trim().parse().ok().filter(|s| (1..=300).contains(s)).ok_or(ConfigError::Invalid(
                    "GATEWAY_TIMEOUT_SECONDS",
                    "must be a number of seconds from 1 to 300",
                ))?,
            };
        let guest_retention_days = match var("GUEST_RETENTION_DAYS").as_deref().map(str::trim) {
            None | Some("" | "0") => None,
            Some(v) => Some(v.parse().ok().filter(|d| (1..=MAX_GUEST_RETENTION_DAYS).contains(d)).ok_or(
                ConfigError::Invalid("GUEST_RETENTION_DAYS", "must be a number of days from 0 (off) to 3650"),
            )?),
        };
        Ok(Self {
            region,
            issuer,
            account_id,
            s3_buckets,
            cache_seconds,
            aws_sts_endpoint,
            amazon_api_url,
            facebook_graph_url,
            gateway_timeout_seconds,
            guest_retention_days,
            insecure_http_issuers,
        })
    }
}

impl Secrets {
    /// Reads the secrets through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| var(name).ok_or(ConfigError::Missing(name));
        let hash_key = HashKey::parse(&get("HASH_KEY")?)?;
        // The one-secret JSON forms when set, else the slots.
        let credential_keys = match var("CREDENTIAL_KEYS") {
            Some(json) => CredentialKeys::parse(&json)?,
            None => key_slots::credential_keys(&var)?.ok_or(ConfigError::Missing("CREDENTIAL_KEY_CURRENT"))?,
        };
        let signing_keys = match var("SIGNING_KEYS") {
            Some(json) => SigningKeys::parse(&json)?,
            None => key_slots::signing_keys(&var)?.ok_or(ConfigError::Missing("SIGNING_KEY_CURRENT"))?,
        };
        Ok(Self {
            route_key: hash_key.route_key(),
            hash_key,
            credential_keys,
            signing_keys,
            admins: key_slots::admin_keys(&var)?,
            facebook_app_secrets: match var("FACEBOOK_APP_SECRET") {
                None => FacebookAppSecrets::default(),
                Some(v) => FacebookAppSecrets::parse(&v).ok_or(ConfigError::Invalid(
                    "FACEBOOK_APP_SECRET",
                    "must be <app id>|<app secret>, comma-separated for several apps",
                ))?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_and_checked() {
        let vars = |k: &str| match k {
            "REGION" => Some("us-east-1".to_owned()),
            "ISSUER" => Some("http://127.0.0.1:8787/".to_owned()),
            "INSECURE_HTTP_ISSUERS" => Some("127.0.0.1, localhost".to_owned()),
            _ => None,
        };
        let c = Config::from_vars(vars).unwrap();
        assert_eq!(c.issuer, "http://127.0.0.1:8787");
        assert_eq!(c.account_id, DEFAULT_ACCOUNT_ID);
        assert_eq!(c.insecure_http_issuers, ["127.0.0.1", "localhost"]);
        assert_eq!(Config::from_vars(|_| None).unwrap_err(), ConfigError::Missing("REGION"));
        let bad = |k: &str| (k == "REGION").then(|| "US EAST".to_owned());
        assert!(matches!(Config::from_vars(bad), Err(ConfigError::Invalid("REGION", _))));
        assert_eq!(Secrets::from_vars(|_| None).unwrap_err(), ConfigError::Missing("HASH_KEY"));
    }

    #[test]
    fn social_endpoints_are_https_unless_the_insecure_switch_names_the_host() {
        let with = |name: &'static str, value: &'static str| {
            move |k: &str| match k {
                "REGION" => Some("us-east-1".to_owned()),
                "ISSUER" => Some("https://id.example.com".to_owned()),
                "INSECURE_HTTP_ISSUERS" => Some("127.0.0.1".to_owned()),
                _ if k == name => Some(value.to_owned()),
                _ => None,
            }
        };
        let c = Config::from_vars(with("-", "")).unwrap();
        assert_eq!(c.amazon_api_url, DEFAULT_AMAZON_API_URL);
        assert_eq!(c.facebook_graph_url, DEFAULT_FACEBOOK_GRAPH_URL);
        let c = Config::from_vars(with("FACEBOOK_GRAPH_URL", "https://graph.facebook.com/v19.0/")).unwrap();
        assert_eq!(c.facebook_graph_url, "https://graph.facebook.com/v19.0");
        let c = Config::from_vars(with("AMAZON_API_URL", "http://127.0.0.1:9000")).unwrap();
        assert_eq!(c.amazon_api_url, "http://127.0.0.1:9000");
        for (name, bad) in [
            ("AMAZON_API_URL", "http://api.amazon.com"),
            ("AMAZON_API_URL", "http://127.0.0.1.evil.example:80"),
            ("FACEBOOK_GRAPH_URL", "ftp://graph.facebook.com"),
            ("FACEBOOK_GRAPH_URL", "https://graph.facebook.com/?x=1"),
            ("FACEBOOK_GRAPH_URL", "https://user@graph.facebook.com"),
            ("FACEBOOK_GRAPH_URL", "graph.facebook.com"),
        ] {
            assert!(
                matches!(Config::from_vars(with(name, bad)), Err(ConfigError::Invalid(n, _)) if n == name),
                "{bad}"
            );
        }
    }

    #[test]
    fn guest_retention_is_off_unless_set_to_a_number_of_days() {
        let with = |value: Option<&'static str>| {
            move |k: &str| match k {
                "REGION" => Some("us-east-1".to_owned()),
                "ISSUER" => Some("https://id.example.com".to_owned()),
                "GUEST_RETENTION_DAYS" => value.map(str::to_owned),
                _ => None,
            }
        };
        for (value, days) in
            [(None, None), (Some("0"), None), (Some(""), None), (Some("90"), Some(90)), (Some(" 1 "), Some(1))]
        {
            assert_eq!(Config::from_vars(with(value)).unwrap().guest_retention_days, days, "{value:?}");
        }
        assert_eq!(Config::from_vars(with(Some("3650"))).unwrap().guest_retention_days, Some(MAX_GUEST_RETENTION_DAYS));
        for bad in ["3651", "-1", "90d", "1.5", "ninety"] {
            assert!(
                matches!(Config::from_vars(with(Some(bad))), Err(ConfigError::Invalid("GUEST_RETENTION_DAYS", _))),
                "{bad}"
            );
        }
    }

    #[test]
    fn facebook_app_secrets_are_app_id_and_secret_pairs() {
        let s = FacebookAppSecrets::parse("123|abc, 456|d3f").unwrap();
        assert_eq!((s.get("123"), s.get("456"), s.get("789")), (Some("abc"), Some("d3f"), None));
        assert_eq!(format!("{s:?}"), r#"FacebookAppSecrets(["123", "456"])"#, "Debug shows no secret");
        for bad in ["abc", "123|", "|abc", "12a|abc", "123|a b"] {
            assert_eq!(FacebookAppSecrets::parse(bad), None, "{bad}");
        }
        assert_eq!(FacebookAppSecrets::parse(""), Some(FacebookAppSecrets::default()));
    }
}
