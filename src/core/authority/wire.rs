//! How a [`Command`] and an [`Outcome`] are read back from the JSON their
//! derived `Serialize` writes (the Worker ↔ Durable Object wire):
//! `{"<variant>": {<fields>}}` (and `"done"`).
//!
//! Written out rather than derived: the derived reader of eighteen struct
//! variants was about 35 KB of the Worker's wasm, the outcome's a few more (a field matcher, a map
//! reader and a sequence reader per variant). This one reads the message as
//! a `serde_json::Value`, takes the plain fields from it by name, and reads
//! the nested records (pools, role mappings, logins, routes) through
//! `serde_json::from_str`, whose readers the Worker has for its stored
//! records already.
//!
//! As the derived reader: unknown fields are ignored, fields marked
//! `#[serde(default)]` and `Option`s may be missing, anything else missing or
//! of the wrong type is an error (never a panic). Unlike it, a repeated field
//! keeps its last value.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{Command, Outcome};

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        command(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

/// The command a message holds, or why it holds none.
fn command(message: Value) -> Result<Command, String> {
    let Value::Object(message) = message else { return Err("a command is a JSON object".into()) };
    let mut entries = message.into_iter();
    let (Some((variant, Value::Object(fields))), None) = (entries.next(), entries.next()) else {
        return Err("a command is an object with one member, an object".into());
    };
    let mut f = Fields(fields.into_iter().collect());
    Ok(match variant.as_str() {
        "create_pool" => Command::CreatePool { record: f.parsed("record")?, tag: f.string("tag")? },
        "update_pool" => Command::UpdatePool { config: f.parsed("config")? },
        "change_tags" => Command::ChangeTags {
            pool_id: f.string("pool_id")?,
            set: f.string_map_or_empty("set")?,
            remove: f.strings_or_empty("remove")?,
        },
        "delete_pool" => {
            Command::DeletePool { pool_id: f.string("pool_id")?, tag: f.string("tag")?, now: f.u64("now")? }
        }
        "set_roles" => Command::SetRoles {
            pool_id: f.string("pool_id")?,
            roles: f.string_map("roles")?,
            role_mappings: f.parsed("role_mappings")?,
        },
        "delete_identities" => Command::DeleteIdentities {
            identity_ids: f.strings("identity_ids")?,
            proven: f.string_map_or_empty("proven")?,
            now: f.u64("now")?,
            idle_before: f.optional_u64("idle_before")?,
        },
        "pools_of_tag" => Command::PoolsOfTag { tag: f.string("tag")? },
        "sign_in" => Command::SignIn {
            pool_id: f.string("pool_id")?,
            logins: f.parsed("logins")?,
            target: f.optional_string("target")?,
            proven_target: f.flag("proven_target")?,
            owner_proven: f.flag("owner_proven")?,
            new_identity_id: f.string("new_identity_id")?,
            developer_login: f.optional_string("developer_login")?,
            now: f.u64("now")?,
        },
        "merge_developers" => Command::MergeDevelopers {
            pool_id: f.string("pool_id")?,
            source: f.string("source")?,
            destination: f.string("destination")?,
            now: f.u64("now")?,
        },
        "unlink_developer" => Command::UnlinkDeveloper {
            pool_id: f.string("pool_id")?,
            identity_id: f.string("identity_id")?,
            mac: f.string("mac")?,
            now: f.u64("now")?,
        },
        "unlink" => Command::Unlink {
            identity_id: f.string("identity_id")?,
            proven: f.strings("proven")?,
            remove: f.strings("remove")?,
            now: f.u64("now")?,
        },
        "set_principal_tags" => Command::SetPrincipalTags {
            pool_id: f.string("pool_id")?,
            provider: f.string("provider")?,
            map: f.parsed("map")?,
        },
        "put_role_policy" => Command::PutRolePolicy {
            role_arn: f.string("role_arn")?,
            name: f.string("name")?,
            document: f.string("document")?,
        },
        "delete_role_policy" => Command::DeleteRolePolicy { role_arn: f.string("role_arn")?, name: f.string("name")? },
        "put_api_route" => Command::PutApiRoute { route: f.parsed("route")? },
        "delete_api_route" => Command::DeleteApiRoute { name: f.string("name")? },
        "put_saml_provider" => Command::PutSamlProvider { provider: f.parsed("provider")?, create: f.flag("create")? },
        "delete_saml_provider" => Command::DeleteSamlProvider { name: f.string("name")? },
        "read" => Command::Read { key: f.string("key")? },
        _ => return Err("unknown command".into()),
    })
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        outcome(Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

/// The outcome a message holds, or why it holds none.
fn outcome(message: Value) -> Result<Outcome, String> {
    let message = match message {
        Value::String(unit) if unit == "done" => return Ok(Outcome::Done),
        Value::Object(message) => message,
        _ => return Err("an outcome is \"done\" or a JSON object".into()),
    };
    let mut entries = message.into_iter();
    let (Some((variant, Value::Object(fields))), None) = (entries.next(), entries.next()) else {
        return Err("an outcome is an object with one member, an object".into());
    };
    let mut f = Fields(fields.into_iter().collect());
    Ok(match variant.as_str() {
        "pool" => Outcome::Pool { record: f.parsed("record")? },
        "identity" => Outcome::Identity { identity_id: f.string("identity_id")?, record: f.parsed("record")? },
        "deleted" => Outcome::Deleted { identity_ids: f.strings("identity_ids")? },
        "pools" => Outcome::Pools { pool_ids: f.strings("pool_ids")? },
        "value" => Outcome::Value { value: f.optional_string("value")? },
        _ => return Err("unknown outcome".into()),
    })
}

/// The members of a command (each name once: the map kept the last), taken
/// out one by one. A list, not the map: taking from it needs no rebalancing.
struct Fields(Vec<(String, Value)>);

fn missing(name: &str) -> String {
    format!("missing field `{name}`")
}

fn wrong_type(name: &str) -> String {
    format!("invalid type for field `{name}`")
}

impl Fields {
    /// A member, if the command has it.
    fn take(&mut self, name: &str) -> Option<Value> {
        let at = self.0.iter().position(|(k, _)| k == name)?;
        Some(self.0.swap_remove(at).1)
    }

    /// A required member.
    fn required(&mut self, name: &str) -> Result<Value, String> {
        self.take(name).ok_or_else(|| missing(name))
    }

    fn string(&mut self, name: &str) -> Result<String, String> {
        match self.required(name)? {
            Value::String(s) => Ok(s),
            _ => Err(wrong_type(name)),
        }
    }

    /// An `Option<String>`: missing or `null` is `None`.
    fn optional_string(&mut self, name: &str) -> Result<Option<String>, String> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(name)),
        }
    }

    fn u64(&mut self, name: &str) -> Result<u64, String> {
        self.required(name)?.as_u64().ok_or_else(|| wrong_type(name))
    }

    /// An `Option<u64>`: missing or `null` is `None`.
    fn optional_u64(&mut self, name: &str) -> Result<Option<u64>, String> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| wrong_type(name)),
        }
    }

    /// A `#[serde(default)] bool`.
    fn flag(&mut self, name: &str) -> Result<bool, String> {
        match self.take(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(_) => Err(wrong_type(name)),
        }
    }

    fn strings(&mut self, name: &str) -> Result<Vec<String>, String> {
        let Value::Array(items) = self.required(name)? else { return Err(wrong_type(name)) };
        let mut strings = Vec::with_capacity(items.len());
        for item in items {
            let Value::String(s) = item else { return Err(wrong_type(name)) };
            strings.push(s);
        }
        Ok(strings)
    }

    /// A `#[serde(default)] Vec<String>`.
    fn strings_or_empty(&mut self, name: &str) -> Result<Vec<String>, String> {
        if self.0.iter().any(|(k, _)| k == name) {
            self.strings(name)
        } else {
            Ok(Vec::new())
        }
    }

    fn string_map(&mut self, name: &str) -> Result<BTreeMap<String, String>, String> {
        let Value::Object(members) = self.required(name)? else { return Err(wrong_type(name)) };
        let mut map = BTreeMap::new();
        for (k, v) in members {
            let Value::String(s) = v else { return Err(wrong_type(name)) };
            map.insert(k, s);
        }
        Ok(map)
    }

    /// A `#[serde(default)] BTreeMap<String, String>`.
    fn string_map_or_empty(&mut self, name: &str) -> Result<BTreeMap<String, String>, String> {
        if self.0.iter().any(|(k, _)| k == name) {
            self.string_map(name)
        } else {
            Ok(BTreeMap::new())
        }
    }

    /// A record, read by its own (derived) reader from its JSON text.
    fn parsed<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, String> {
        let json = self.required(name)?.to_string();
        serde_json::from_str(&json).map_err(|e| format!("field `{name}`: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{IdentityPool, RoleMapping};
    use crate::core::records::{ApiRoute, IdentityRecord, LoginRef, PoolRecord, PrincipalTagMap, SamlProviderRecord};

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// Every variant, with every field set to something other than its default.
    fn every_command() -> Vec<Command> {
        let config = IdentityPool {
            identity_pool_id: Some("us-east-1:11111111-1111-4111-8111-111111111111".into()),
            identity_pool_name: Some("pool \"quoted\" ✓".into()),
            allow_unauthenticated_identities: Some(true),
            developer_provider_name: Some("login.dev".into()),
            identity_pool_tags: Some(map(&[("k", "v")])),
            ..Default::default()
        };
        let mapping: RoleMapping = serde_json::from_str(r#"{"Type":"Rules","AmbiguousRoleResolution":"Deny","RulesConfiguration":{"Rules":[{"Claim":"c","MatchType":"Equals","Value":"v","RoleARN":"arn:aws:iam::1:role/r"}]}}"#)
            .expect("a role mapping as the API takes it");
        let tags = PrincipalTagMap { use_defaults: true, tags: map(&[("t", "sub")]) };
        let record = PoolRecord {
            config: config.clone(),
            roles: map(&[("authenticated", "arn:aws:iam::1:role/a")]),
            role_mappings: [("accounts.google.com".to_string(), mapping.clone())].into(),
            principal_tags: [("accounts.google.com".to_string(), tags.clone())].into(),
            created: u64::MAX,
        };
        let developer = LoginRef { sealed: Some("sealed".into()), ..LoginRef::new("login.dev", "m2") };
        vec![
            Command::CreatePool { record, tag: "0badcafe".into() },
            Command::UpdatePool { config },
            Command::ChangeTags { pool_id: "p".into(), set: map(&[("a", "1")]), remove: strings(&["b"]) },
            Command::DeletePool { pool_id: "p".into(), tag: "0badcafe".into(), now: 1 },
            Command::SetRoles {
                pool_id: "p".into(),
                roles: map(&[("unauthenticated", "arn:aws:iam::1:role/u")]),
                role_mappings: [("graph.facebook.com".to_string(), mapping)].into(),
            },
            Command::DeleteIdentities {
                identity_ids: strings(&["i1", "i2"]),
                proven: map(&[("i1", "p")]),
                now: 7,
                idle_before: None,
            },
            Command::DeleteIdentities {
                identity_ids: strings(&["i3"]),
                proven: map(&[]),
                now: 7,
                idle_before: Some(5),
            },
            Command::PoolsOfTag { tag: "0badcafe".into() },
            Command::SignIn {
                pool_id: "p".into(),
                logins: vec![LoginRef::new("accounts.google.com", "m1"), developer],
                target: Some("i1".into()),
                proven_target: true,
                owner_proven: true,
                new_identity_id: "i9".into(),
                developer_login: Some("m2".into()),
                now: 8,
            },
            Command::MergeDevelopers { pool_id: "p".into(), source: "m1".into(), destination: "m2".into(), now: 9 },
            Command::UnlinkDeveloper { pool_id: "p".into(), identity_id: "i1".into(), mac: "m2".into(), now: 10 },
            Command::Unlink { identity_id: "i1".into(), proven: strings(&["m1"]), remove: strings(&["x"]), now: 11 },
            Command::SetPrincipalTags { pool_id: "p".into(), provider: "accounts.google.com".into(), map: tags },
            Command::PutRolePolicy {
                role_arn: "arn:aws:iam::1:role/a".into(),
                name: "n".into(),
                document: "{}".into(),
            },
            Command::DeleteRolePolicy { role_arn: "arn:aws:iam::1:role/a".into(), name: "n".into() },
            Command::PutApiRoute { route: ApiRoute { name: "r".into(), upstream: "https://example.com".into() } },
            Command::DeleteApiRoute { name: "r".into() },
            Command::PutSamlProvider {
                provider: SamlProviderRecord {
                    name: "idp".into(),
                    metadata: "<md/>".into(),
                    created: 5,
                    valid_until: Some(6),
                },
                create: true,
            },
            Command::DeleteSamlProvider { name: "idp".into() },
            Command::Read { key: "pool/x".into() },
        ]
    }

    #[test]
    fn every_command_reads_back_as_written() {
        for command in every_command() {
            let json = serde_json::to_string(&command).unwrap();
            assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), command, "{json}");
        }
    }

    #[test]
    fn every_outcome_reads_back_as_written() {
        let Command::CreatePool { record, .. } = every_command().swap_remove(0) else { unreachable!() };
        let identity = IdentityRecord {
            pool: "p".into(),
            logins: vec![LoginRef::new("a", "m")],
            created: 1,
            modified: 2,
            disabled: true,
            deleted: true,
        };
        let table = [
            Outcome::Pool { record },
            Outcome::Identity { identity_id: "i1".into(), record: identity },
            Outcome::Deleted { identity_ids: strings(&["i1", "i2"]) },
            Outcome::Pools { pool_ids: strings(&["p1"]) },
            Outcome::Value { value: Some("v".into()) },
            Outcome::Value { value: None },
            Outcome::Done,
        ];
        for outcome in table {
            let json = serde_json::to_string(&outcome).unwrap();
            assert_eq!(serde_json::from_str::<Outcome>(&json).unwrap(), outcome, "{json}");
        }
        assert_eq!(serde_json::from_str::<Outcome>(r#"{"value":{}}"#).unwrap(), Outcome::Value { value: None });
        for bad in
            [r#""Done""#, r#"{"done":{}}"#, r#"{"pools":{}}"#, r#"{"identity":{"identity_id":"i","record":{}}}"#, "7"]
        {
            assert!(serde_json::from_str::<Outcome>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_and_options_may_be_missing_and_unknown_fields_are_ignored() {
        let table: &[(&str, Command)] = &[
            (
                r#"{"change_tags":{"pool_id":"p","future":[1,{"x":null}]}}"#,
                Command::ChangeTags { pool_id: "p".into(), set: BTreeMap::new(), remove: Vec::new() },
            ),
            (
                r#"{"delete_identities":{"identity_ids":[],"now":0}}"#,
                Command::DeleteIdentities {
                    identity_ids: Vec::new(),
                    proven: BTreeMap::new(),
                    now: 0,
                    idle_before: None,
                },
            ),
            (
                r#"{"sign_in":{"pool_id":"p","logins":[{"provider":"a","mac":"m","extra":1}],"target":null,"new_identity_id":"n","now":1}}"#,
                Command::SignIn {
                    pool_id: "p".into(),
                    logins: vec![LoginRef::new("a", "m")],
                    target: None,
                    proven_target: false,
                    owner_proven: false,
                    new_identity_id: "n".into(),
                    developer_login: None,
                    now: 1,
                },
            ),
        ];
        for (json, command) in table {
            assert_eq!(&serde_json::from_str::<Command>(json).unwrap(), command, "{json}");
        }
    }

    #[test]
    fn malformed_commands_are_errors() {
        let table = [
            "",
            "null",
            r#""read""#,
            "[]",
            "{}",
            r#"{"read":{"key":"k"},"delete_api_route":{"name":"r"}}"#,
            r#"{"read":"k"}"#,
            r#"{"read":["k"]}"#,
            r#"{"nope":{}}"#,
            r#"{"read":{}}"#,
            r#"{"read":{"key":null}}"#,
            r#"{"read":{"key":1}}"#,
            r#"{"delete_identities":{"identity_ids":["a",2],"now":0}}"#,
            r#"{"delete_identities":{"identity_ids":[],"now":-1}}"#,
            r#"{"delete_identities":{"identity_ids":[],"now":1.5}}"#,
            r#"{"delete_identities":{"identity_ids":[],"now":18446744073709551616}}"#,
            r#"{"delete_identities":{"identity_ids":[],"proven":{"a":1},"now":0}}"#,
            r#"{"delete_identities":{"identity_ids":[],"now":0,"idle_before":"1"}}"#,
            r#"{"change_tags":{"pool_id":"p","remove":null}}"#,
            r#"{"sign_in":{"pool_id":"p","logins":[{"provider":"a"}],"new_identity_id":"n","now":1}}"#,
            r#"{"sign_in":{"pool_id":"p","logins":[],"proven_target":"yes","new_identity_id":"n","now":1}}"#,
            r#"{"sign_in":{"pool_id":"p","logins":[],"target":7,"new_identity_id":"n","now":1}}"#,
            r#"{"update_pool":{"config":[]}}"#,
            r#"{"put_api_route":{"route":{"name":"r"}}}"#,
        ];
        for json in table {
            assert!(serde_json::from_str::<Command>(json).is_err(), "{json}");
        }
    }
}
