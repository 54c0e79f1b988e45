//! Configuration: non-secret vars (`REGION`, `ISSUER`, the
//! `INSECURE_HTTP_ISSUERS` switch) and the secrets (`HASH_KEY`, `CREDENTIAL_KEYS`,
//! `SIGNING_KEYS`, the admin key pair), read once from whatever the
//! platform offers through a lookup function.

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
/// The account id of cognate's own roles when `ACCOUNT_ID` is not set.
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";

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
    /// How long an isolate keeps what it read of pools, identities, roles'
    /// policies and gateway routes (`CACHE_SECONDS`, 0–60, default 10).
    pub cache_seconds: u64,
    /// How long the gateway waits for an upstream to start answering
    /// (`GATEWAY_TIMEOUT_SECONDS`, 1–300, default 30).
    pub gateway_timeout_seconds: u32,
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
    /// The admin key pair.
    pub admin: AdminKey,
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
        Ok(Self {
            region,
            issuer,
            account_id,
            s3_buckets,
            cache_seconds,
            aws_sts_endpoint,
            gateway_timeout_seconds,
            insecure_http_issuers,
        })
    }
}

impl Secrets {
    /// Reads the secrets through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| var(name).ok_or(ConfigError::Missing(name));
        let hash_key = HashKey::parse(&get("HASH_KEY")?)?;
        Ok(Self {
            route_key: hash_key.route_key(),
            hash_key,
            credential_keys: CredentialKeys::parse(&get("CREDENTIAL_KEYS")?)?,
            signing_keys: SigningKeys::parse(&get("SIGNING_KEYS")?)?,
            admin: AdminKey::new(&get("ADMIN_ACCESS_KEY_ID")?, &get("ADMIN_SECRET_ACCESS_KEY")?)?,
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
}
