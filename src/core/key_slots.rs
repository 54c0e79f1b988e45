//! Keys that rotate through a write-only secret store. Cloudflare's secrets
//! can be put and deleted but never read back, so a rotation cannot copy
//! "current" into "previous". Instead each key lives in a numbered slot of
//! its own secret, and one small secret says which slot is current:
//!
//! - signing keys: `SIGNING_KEY_1`..`SIGNING_KEY_3` (private EC P-256 JWKs
//!   with `kid`) and `SIGNING_KEY_CURRENT` (the slot that signs). Every set
//!   slot is published in the JWKS, so a key put into the slot after the
//!   current one is published before it signs, and the one before stays
//!   published while the tokens it signed live.
//! - credential keys: `CREDENTIAL_KEY_1`, `CREDENTIAL_KEY_2` (`{"id","key"}`)
//!   and `CREDENTIAL_KEY_CURRENT`: the current slot seals, the other opens
//!   the credentials sealed before the switch.
//! - the admin key pair: `ADMIN_ACCESS_KEY_ID`/`ADMIN_SECRET_ACCESS_KEY` and
//!   `ADMIN_ACCESS_KEY_ID_2`/`ADMIN_SECRET_ACCESS_KEY_2`, both accepted, so
//!   clients move to a new pair before the old one is deleted.
//!
//! The one-secret forms `SIGNING_KEYS` and `CREDENTIAL_KEYS` (JSON with
//! `current`/`previous`/`next`) are read when set; they are what local runs
//! generate. `scripts/rotate.mjs` does each step with `wrangler secret`.

use super::keys::{AdminKey, CredentialKey, CredentialKeys, KeyError};
use super::token::{EcJwk, SigningKeys};

/// Signing key slots.
pub const SIGNING_SLOTS: [&str; 3] = ["SIGNING_KEY_1", "SIGNING_KEY_2", "SIGNING_KEY_3"];
/// Credential key slots.
pub const CREDENTIAL_SLOTS: [&str; 2] = ["CREDENTIAL_KEY_1", "CREDENTIAL_KEY_2"];

/// The slot number (1-based) that `name`'s value names, within `slots`.
fn current_slot(value: Option<String>, name: &'static str, slots: usize) -> Result<usize, KeyError> {
    let value = value.ok_or(KeyError { name, reason: "is not set (the number of the current slot)" })?;
    match value.trim().parse::<usize>() {
        Ok(n) if (1..=slots).contains(&n) => Ok(n - 1),
        _ => Err(KeyError { name, reason: "must be the number of a key slot" }),
    }
}

/// The signing keys of the slots, if `SIGNING_KEY_CURRENT` is set.
pub fn signing_keys(var: &impl Fn(&str) -> Option<String>) -> Result<Option<SigningKeys>, KeyError> {
    let Some(current) = var("SIGNING_KEY_CURRENT") else { return Ok(None) };
    let current = current_slot(Some(current), "SIGNING_KEY_CURRENT", SIGNING_SLOTS.len())?;
    let mut slots: Vec<Option<EcJwk>> = Vec::with_capacity(SIGNING_SLOTS.len());
    for name in SIGNING_SLOTS {
        let jwk = var(name)
            .map(|json| serde_json::from_str::<EcJwk>(&json).map_err(|_| KeyError { name, reason: "is not an EC JWK" }))
            .transpose()?;
        slots.push(jwk);
    }
    let n = SIGNING_SLOTS.len();
    let take = |i: usize, slots: &mut Vec<Option<EcJwk>>| slots[i % n].take();
    let current_key = take(current, &mut slots)
        .ok_or(KeyError { name: "SIGNING_KEY_CURRENT", reason: "names a slot that is not set" })?;
    // The slot after the current one is the next key; the one before it,
    // the previous (three slots: every other slot is one of the two).
    let next = take(current + 1, &mut slots);
    let previous = take(current + n - 1, &mut slots);
    SigningKeys::from_slots(current_key, previous, next).map(Some)
}

/// The credential keys of the slots, if `CREDENTIAL_KEY_CURRENT` is set.
pub fn credential_keys(var: &impl Fn(&str) -> Option<String>) -> Result<Option<CredentialKeys>, KeyError> {
    let Some(current) = var("CREDENTIAL_KEY_CURRENT") else { return Ok(None) };
    let current = current_slot(Some(current), "CREDENTIAL_KEY_CURRENT", CREDENTIAL_SLOTS.len())?;
    let read = |i: usize| -> Result<Option<CredentialKey>, KeyError> {
        let name = CREDENTIAL_SLOTS[i];
        var(name).map(|json| CredentialKey::parse_json(&json, name)).transpose()
    };
    let current_key =
        read(current)?.ok_or(KeyError { name: "CREDENTIAL_KEY_CURRENT", reason: "names a slot that is not set" })?;
    let previous = read(1 - current)?;
    CredentialKeys::new(current_key, previous, "CREDENTIAL_KEY_CURRENT").map(Some)
}

/// The admin key pairs that are set (at least one).
pub fn admin_keys(var: &impl Fn(&str) -> Option<String>) -> Result<Vec<AdminKey>, KeyError> {
    let mut pairs = Vec::with_capacity(2);
    for (id_name, secret_name) in
        [("ADMIN_ACCESS_KEY_ID", "ADMIN_SECRET_ACCESS_KEY"), ("ADMIN_ACCESS_KEY_ID_2", "ADMIN_SECRET_ACCESS_KEY_2")]
    {
        match (var(id_name), var(secret_name)) {
            (Some(id), Some(secret)) => pairs.push(AdminKey::new(&id, &secret)?),
            (None, None) => {}
            _ => {
                return Err(KeyError { name: id_name, reason: "needs its secret access key beside it, and only then" })
            }
        }
    }
    if pairs.is_empty() {
        return Err(KeyError { name: "ADMIN_ACCESS_KEY_ID", reason: "is not set (nor ADMIN_ACCESS_KEY_ID_2)" });
    }
    if pairs.len() == 2 && pairs[0].access_key_id == pairs[1].access_key_id {
        return Err(KeyError { name: "ADMIN_ACCESS_KEY_ID_2", reason: "must differ from ADMIN_ACCESS_KEY_ID" });
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn jwk(kid: &str) -> String {
        let b = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";
        format!(r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","x":"{b}","y":"{b}","d":"{b}"}}"#)
    }

    fn vars(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn the_current_slot_signs_and_every_set_slot_is_published() {
        let v = vars(&[
            ("SIGNING_KEY_1", jwk("one")),
            ("SIGNING_KEY_2", jwk("two")),
            ("SIGNING_KEY_3", jwk("three")),
            ("SIGNING_KEY_CURRENT", "2".into()),
        ]);
        let keys = signing_keys(&v).unwrap().unwrap();
        assert_eq!(keys.current.kid(), "two");
        assert_eq!(keys.next.as_ref().map(EcJwk::kid), Some("three"));
        assert_eq!(keys.previous.as_ref().map(EcJwk::kid), Some("one"));
        let published: Vec<_> = keys.jwks()["keys"].as_array().unwrap().iter().map(|k| k["kid"].clone()).collect();
        assert_eq!(published, ["three", "two", "one"]);
        // Slot 3 current: slot 1 is next (the slots go round).
        let v = vars(&[
            ("SIGNING_KEY_1", jwk("one")),
            ("SIGNING_KEY_3", jwk("three")),
            ("SIGNING_KEY_CURRENT", "3".into()),
        ]);
        let keys = signing_keys(&v).unwrap().unwrap();
        assert_eq!(
            (keys.current.kid(), keys.next.as_ref().map(EcJwk::kid), keys.previous.is_none()),
            ("three", Some("one"), true)
        );
    }

    #[test]
    fn bad_signing_slots_are_refused_by_name() {
        let cases: &[(&[(&str, String)], &str)] = &[
            (&[("SIGNING_KEY_CURRENT", "1".into())], "SIGNING_KEY_CURRENT"),
            (&[("SIGNING_KEY_CURRENT", "4".into()), ("SIGNING_KEY_1", jwk("a"))], "SIGNING_KEY_CURRENT"),
            (&[("SIGNING_KEY_CURRENT", "1".into()), ("SIGNING_KEY_1", "{}".into())], "SIGNING_KEY_1"),
            (
                &[("SIGNING_KEY_CURRENT", "1".into()), ("SIGNING_KEY_1", jwk("a")), ("SIGNING_KEY_2", jwk("a"))],
                "SIGNING_KEYS",
            ),
        ];
        for (pairs, name) in cases {
            assert_eq!(signing_keys(&vars(pairs)).unwrap_err().name, *name, "{pairs:?}");
        }
        assert!(signing_keys(&vars(&[("SIGNING_KEY_1", jwk("a"))])).unwrap().is_none(), "no slots without CURRENT");
    }

    #[test]
    fn credential_slots_seal_with_the_current_and_open_with_both() {
        let key = |id: &str| format!(r#"{{"id":"{id}","key":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"}}"#);
        let v = vars(&[
            ("CREDENTIAL_KEY_1", key("old")),
            ("CREDENTIAL_KEY_2", key("new")),
            ("CREDENTIAL_KEY_CURRENT", "2".into()),
        ]);
        let keys = credential_keys(&v).unwrap().unwrap();
        assert_eq!(keys.current.id(), "new");
        assert!(keys.find("old").is_some() && keys.find("new").is_some());
        let same = vars(&[
            ("CREDENTIAL_KEY_1", key("a")),
            ("CREDENTIAL_KEY_2", key("a")),
            ("CREDENTIAL_KEY_CURRENT", "1".into()),
        ]);
        assert!(credential_keys(&same).is_err(), "two slots with one id");
        let unset = vars(&[("CREDENTIAL_KEY_CURRENT", "2".into()), ("CREDENTIAL_KEY_1", key("a"))]);
        assert_eq!(credential_keys(&unset).unwrap_err().name, "CREDENTIAL_KEY_CURRENT");
    }

    #[test]
    fn one_or_two_admin_pairs() {
        let id = |n: u8| format!("AKIAADMINADMINADMI{n}");
        let secret = "secret-secret-secret".to_owned();
        let both = vars(&[
            ("ADMIN_ACCESS_KEY_ID", id(1)),
            ("ADMIN_SECRET_ACCESS_KEY", secret.clone()),
            ("ADMIN_ACCESS_KEY_ID_2", id(2)),
            ("ADMIN_SECRET_ACCESS_KEY_2", secret.clone()),
        ]);
        assert_eq!(admin_keys(&both).unwrap().len(), 2);
        let second_only = vars(&[("ADMIN_ACCESS_KEY_ID_2", id(2)), ("ADMIN_SECRET_ACCESS_KEY_2", secret.clone())]);
        assert_eq!(admin_keys(&second_only).unwrap()[0].access_key_id, id(2));
        assert!(admin_keys(&vars(&[])).is_err());
        assert!(admin_keys(&vars(&[("ADMIN_ACCESS_KEY_ID_2", id(2))])).is_err(), "an id without its secret");
        let twice = vars(&[
            ("ADMIN_ACCESS_KEY_ID", id(1)),
            ("ADMIN_SECRET_ACCESS_KEY", secret.clone()),
            ("ADMIN_ACCESS_KEY_ID_2", id(1)),
            ("ADMIN_SECRET_ACCESS_KEY_2", secret),
        ]);
        assert!(admin_keys(&twice).is_err());
    }
}
