//! What cognate keeps about pools and identities (see `storage-schema.md`):
//! settings, roles and hashed logins, never a subject, token or claim.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{IdentityDescription, IdentityPool, RoleMapping};
use super::store::MAX_METADATA_BYTES;

/// A pool: its settings as given, its roles and role mappings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolRecord {
    /// The settings, with `IdentityPoolId` set.
    pub config: IdentityPool,
    /// `authenticated` / `unauthenticated` → role ARN.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    /// Provider name → role mapping.
    #[serde(default)]
    pub role_mappings: BTreeMap<String, RoleMapping>,
    /// Provider name → which claims become principal tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub principal_tags: BTreeMap<String, PrincipalTagMap>,
    /// When the pool was created (epoch seconds).
    pub created: u64,
}

/// Which claims of a provider's tokens become principal tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalTagMap {
    /// Also map the defaults: `aud` and `sub`.
    pub use_defaults: bool,
    /// Tag key → claim name.
    pub tags: BTreeMap<String, String>,
}

impl PoolRecord {
    /// The pool id.
    pub fn id(&self) -> &str {
        self.config.identity_pool_id.as_deref().unwrap_or_default()
    }

    /// The KV metadata that lets one `list()` serve ListIdentityPools.
    pub fn list_metadata(&self) -> String {
        serde_json::json!({ "name": self.config.identity_pool_name }).to_string()
    }
}

/// The name in a pool key's metadata.
#[cfg(any(test, feature = "server"))]
pub(crate) fn pool_name_from_metadata(metadata: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(metadata).ok()?;
    v.get("name")?.as_str().map(str::to_owned)
}

/// One login of an identity, known only by its MAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRef {
    /// The canonical provider name (the `Logins` key).
    pub provider: String,
    /// Lowercase hex `HMAC-SHA256(k_pool, provider ‖ 0x00 ‖ sub)`.
    pub mac: String,
    /// For a developer user: its identifier, sealed (see `developer`). An
    /// identity may have several developer users (MergeDeveloperIdentities),
    /// and one login of every other provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed: Option<String>,
}

impl LoginRef {
    /// A login of an identity provider.
    pub fn new(provider: &str, mac: &str) -> Self {
        Self { provider: provider.to_owned(), mac: mac.to_owned(), sealed: None }
    }

    /// Whether it is a developer user (any number per identity).
    pub fn is_developer(&self) -> bool {
        self.sealed.is_some()
    }
}

/// An identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityRecord {
    /// The pool it belongs to.
    pub pool: String,
    /// Its logins; none means a guest (unauthenticated) identity.
    #[serde(default)]
    pub logins: Vec<LoginRef>,
    /// When it was created.
    pub created: u64,
    /// When it last changed.
    pub modified: u64,
    /// Whether it was disabled (merged into another).
    #[serde(default)]
    pub disabled: bool,
    /// Whether it was deleted: a tombstone that keeps an id which proves
    /// itself (see `ids`) gone. Every reader treats it as no identity.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// The description kept in a member key's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MemberMetadata {
    /// Provider names; `None` when they did not fit (read the record).
    #[serde(rename = "l", skip_serializing_if = "Option::is_none")]
    pub logins: Option<Vec<String>>,
    /// Created.
    #[serde(rename = "c")]
    pub created: u64,
    /// Last modified.
    #[serde(rename = "m")]
    pub modified: u64,
    /// Disabled.
    #[serde(rename = "d")]
    pub disabled: bool,
    /// When a guest last used its id (GetCredentialsForIdentity or
    /// GetOpenIdToken), refreshed at most daily while `GUEST_RETENTION_DAYS`
    /// is set; written by the Worker, never by the authority.
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    pub used: Option<u64>,
}

impl MemberMetadata {
    /// Whether it describes a guest: no logins, not disabled.
    pub(crate) fn is_enabled_guest(&self) -> bool {
        self.logins.as_ref().is_some_and(Vec::is_empty) && !self.disabled
    }

    /// The last sign of life: its last use, else its last change (a change
    /// rewrites the entry without `u`, and is newer than any use before it).
    #[cfg(any(feature = "server", test))]
    pub(crate) fn last_active(&self) -> u64 {
        self.created.max(self.modified).max(self.used.unwrap_or(0))
    }

    /// The metadata `json` with its last use set to `used`, if it describes
    /// an enabled guest (a signed-in or disabled identity's entry is the
    /// authority's alone) and is readable; `None` leaves it as it is.
    pub(crate) fn marked_used(json: &str, used: u64) -> Option<String> {
        let mut meta: MemberMetadata = serde_json::from_str(json).ok()?;
        if !meta.is_enabled_guest() || meta.used.is_some_and(|u| u >= used) {
            return None;
        }
        meta.used = Some(used);
        serde_json::to_string(&meta).ok()
    }
}

impl IdentityRecord {
    /// A new guest of `pool`.
    pub fn guest(pool: &str, now: u64) -> Self {
        Self { pool: pool.to_owned(), logins: Vec::new(), created: now, modified: now, disabled: false, deleted: false }
    }

    /// The tombstone of a deleted identity of `pool`.
    pub fn tombstone(pool: &str, now: u64) -> Self {
        Self { deleted: true, disabled: true, ..Self::guest(pool, now) }
    }

    /// Whether this is a guest identity.
    pub fn is_guest(&self) -> bool {
        self.logins.is_empty()
    }

    /// The provider names of its logins.
    pub fn provider_names(&self) -> Vec<String> {
        self.logins.iter().map(|l| l.provider.clone()).collect()
    }

    /// The API's description of it.
    pub fn description(&self, identity_id: &str) -> IdentityDescription {
        IdentityDescription {
            identity_id: identity_id.to_owned(),
            logins: self.provider_names(),
            creation_date: Some(self.created),
            last_modified_date: Some(self.modified),
        }
    }

    /// The member key's metadata; provider names are left out (and read
    /// from the record) if they would overflow KV's metadata limit.
    pub fn member_metadata(&self) -> String {
        let mut meta = MemberMetadata {
            logins: Some(self.provider_names()),
            created: self.created,
            modified: self.modified,
            disabled: self.disabled,
            used: None,
        };
        let json = serde_json::to_string(&meta).expect("metadata serializes");
        if json.len() <= MAX_METADATA_BYTES {
            return json;
        }
        meta.logins = None;
        serde_json::to_string(&meta).expect("metadata serializes")
    }
}

/// IAM's limit on all inline policies of one role together, in characters
/// without whitespace.
pub(crate) const MAX_ROLE_POLICY_CHARS: usize = 10_240;

/// A role's inline policies, each document kept as given (GetRolePolicy
/// returns it so) and parsed again where it is used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RolePolicies {
    /// The role ARN.
    pub role_arn: String,
    /// Policy name → policy document (JSON text).
    pub policies: BTreeMap<String, String>,
}

/// A route of the SigV4 gateway: `/api/<name>/…` goes to `upstream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRoute {
    /// The route's name, the first path segment after `/api/`.
    pub name: String,
    /// An `https://` (or allowed `http://`) base URL, or `service:<BINDING>`.
    pub upstream: String,
}

impl ApiRoute {
    /// The KV metadata that lets one `list()` serve ListApiRoutes.
    pub fn list_metadata(&self) -> String {
        serde_json::json!({ "u": self.upstream }).to_string()
    }

    /// The upstream in a route key's metadata.
    pub fn upstream_from_metadata(metadata: &str) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(metadata).ok()?;
        v.get("u")?.as_str().map(str::to_owned)
    }
}

/// A SAML identity provider (CreateSAMLProvider): its metadata as the
/// administrator gave it (parsed before it is stored, and again where it is
/// used), named as IAM names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlProviderRecord {
    /// The provider's name, the last part of its ARN.
    pub name: String,
    /// The metadata document, as given.
    pub metadata: String,
    /// When it was created (seconds since the epoch).
    pub created: u64,
    /// The metadata's `validUntil`, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<u64>,
}

impl SamlProviderRecord {
    /// The KV metadata that lets one `list()` serve ListSAMLProviders.
    pub fn list_metadata(&self) -> String {
        match self.valid_until {
            Some(v) => serde_json::json!({ "c": self.created, "v": v }).to_string(),
            None => serde_json::json!({ "c": self.created }).to_string(),
        }
    }

    /// Creation time and `validUntil` from a provider key's metadata.
    pub fn dates_from_metadata(metadata: &str) -> Option<(u64, Option<u64>)> {
        let v: serde_json::Value = serde_json::from_str(metadata).ok()?;
        Some((v.get("c")?.as_u64()?, v.get("v").and_then(serde_json::Value::as_u64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_metadata_stays_within_kvs_limit() {
        let mut rec = IdentityRecord { modified: 2, ..IdentityRecord::guest("p", 1) };
        assert_eq!(rec.member_metadata(), r#"{"l":[],"c":1,"m":2,"d":false}"#);
        rec.logins = (0..20).map(|i| LoginRef::new(&format!("{i}{}", "p".repeat(127)), "00")).collect();
        let meta: MemberMetadata = serde_json::from_str(&rec.member_metadata()).unwrap();
        assert_eq!(meta.logins, None);
        assert!(rec.member_metadata().len() <= MAX_METADATA_BYTES);
    }

    #[test]
    fn only_an_enabled_guests_entry_is_marked_used() {
        let guest = IdentityRecord { modified: 2, ..IdentityRecord::guest("p", 1) }.member_metadata();
        let marked = MemberMetadata::marked_used(&guest, 50).unwrap();
        assert_eq!(marked, r#"{"l":[],"c":1,"m":2,"d":false,"u":50}"#);
        let meta: MemberMetadata = serde_json::from_str(&marked).unwrap();
        assert_eq!((meta.used, meta.last_active()), (Some(50), 50));
        assert_eq!(MemberMetadata::marked_used(&marked, 50), None, "already as recent");
        assert!(MemberMetadata::marked_used(&marked, 51).unwrap().ends_with(r#""u":51}"#));
        let mut signed_in = IdentityRecord::guest("p", 1);
        signed_in.logins.push(LoginRef::new("accounts.google.com", "00"));
        let disabled = IdentityRecord { disabled: true, ..IdentityRecord::guest("p", 1) };
        let too_long = r#"{"c":1,"m":1,"d":false}"#;
        for other in [signed_in.member_metadata(), disabled.member_metadata(), too_long.into(), "{".into()] {
            assert_eq!(MemberMetadata::marked_used(&other, 50), None, "{other}");
        }
        // Never used: its last change counts.
        let meta: MemberMetadata = serde_json::from_str(&guest).unwrap();
        assert_eq!(meta.last_active(), 2);
    }

    #[test]
    fn pool_names_come_back_from_metadata() {
        let rec = PoolRecord {
            config: IdentityPool { identity_pool_name: Some("a pool".into()), ..Default::default() },
            roles: BTreeMap::new(),
            role_mappings: BTreeMap::new(),
            principal_tags: BTreeMap::new(),
            created: 0,
        };
        assert_eq!(pool_name_from_metadata(&rec.list_metadata()).as_deref(), Some("a pool"));
        assert_eq!(pool_name_from_metadata("not json"), None);
    }
}
