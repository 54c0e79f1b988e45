//! Identity pool and identity ids (`<region>:<uuid>`, lowercase), and the
//! routing tag that names the Durable Object of a pool.
//!
//! A pool id carries a random (v4) uuid. An identity id carries a v8 uuid:
//! its first 32 bits are its pool's routing tag (so a call that carries only
//! an identity id still reaches the pool's authority when the store has not
//! caught up), the next 64 bits less the uuid's 6 fixed ones are random, and
//! the last 32 are a MAC of the rest under the pool's [`GuestKey`]. The MAC
//! lets an id prove that this deployment issued it for that pool, so a guest
//! needs no stored record; ids minted before the MAC carry random bits there
//! and are known by their records.

use uuid::{Builder, Uuid, Version};

use super::capabilities::Random;
use super::keys::{GuestKey, RouteKey};

/// The 32-bit routing tag of a pool: a keyed hash of its id, truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteTag(pub u32);

impl RouteTag {
    /// The tag of `pool_id` under `key`.
    pub fn of_pool(key: &RouteKey, pool_id: &str) -> Self {
        Self(u32::from_be_bytes(key.tag(pool_id)))
    }

    /// The tag carried by an identity id, if it is one of cognate's.
    pub fn of_identity(identity_id: &str) -> Option<Self> {
        let (_, uuid) = identity_id.split_once(':')?;
        let uuid = Uuid::try_parse(uuid).ok()?;
        if uuid.get_version() != Some(Version::Custom) {
            return None;
        }
        let b = uuid.as_bytes();
        Some(Self(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    }

    /// Eight lowercase hex digits: the Durable Object's name.
    pub fn to_hex(self) -> String {
        format!("{:08x}", self.0)
    }
}

/// The region part of an id, if it has one.
pub fn region_of(id: &str) -> Option<&str> {
    id.split_once(':').map(|(region, _)| region)
}

/// A new identity pool id in `region`.
pub fn new_pool_id(region: &str, rng: &dyn Random) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    format!("{region}:{}", Builder::from_random_bytes(bytes).into_uuid().hyphenated())
}

/// A new guest id in `region` for the pool whose tag is `tag` and whose
/// guest key is `key`: it proves itself, so it needs no record.
pub fn new_guest_id(region: &str, tag: RouteTag, key: &GuestKey, rng: &dyn Random) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes[4..12]);
    bytes[..4].copy_from_slice(&tag.0.to_be_bytes());
    // The version and variant bits fall in the first 12 bytes: set them
    // before the MAC is taken.
    let mut bytes = *Builder::from_custom_bytes(bytes).into_uuid().as_bytes();
    let mac = key.tag(&mac_message(region, &bytes));
    bytes[12..].copy_from_slice(&mac);
    format!("{region}:{}", Uuid::from_bytes(bytes).hyphenated())
}

/// A new id for an identity born signed in: random where a guest id has
/// its MAC, and never (by a 2^-32 chance) one that proves itself, so that
/// until its record reaches KV it cannot pass for a guest never stored.
pub fn new_identity_id(region: &str, tag: RouteTag, key: &GuestKey, rng: &dyn Random) -> String {
    loop {
        let mut bytes = [0u8; 16];
        rng.fill(&mut bytes[4..]);
        bytes[..4].copy_from_slice(&tag.0.to_be_bytes());
        let id = format!("{region}:{}", Builder::from_custom_bytes(bytes).into_uuid().hyphenated());
        if !issued_by(&id, key) {
            return id;
        }
    }
}

/// Whether `identity_id` was issued for the pool whose guest key is `key`
/// (its MAC checks out); says nothing about whether it was deleted since.
pub fn issued_by(identity_id: &str, key: &GuestKey) -> bool {
    let Some((region, uuid)) = identity_id.split_once(':') else { return false };
    let Ok(uuid) = Uuid::try_parse(uuid) else { return false };
    // Only the canonical (lowercase, hyphenated) form is the id that was issued.
    if uuid.get_version() != Some(Version::Custom) || uuid.hyphenated().to_string() != identity_id[region.len() + 1..] {
        return false;
    }
    let b = uuid.as_bytes();
    key.verify(&mac_message(region, b), &b[12..])
}

/// What the MAC of an id covers: its region and the first 12 bytes of its
/// uuid (tag, random bits, version and variant).
fn mac_message(region: &str, uuid: &[u8; 16]) -> Vec<u8> {
    let mut message = Vec::with_capacity(region.len() + 13);
    message.extend_from_slice(region.as_bytes());
    message.push(0);
    message.extend_from_slice(&uuid[..12]);
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::SeededRandom;
    use crate::core::validate::Pattern;

    fn guest_key(pool: &str) -> GuestKey {
        crate::core::keys::HashKey::parse(&"A".repeat(43)).unwrap().guest_key(pool)
    }

    #[test]
    fn identity_ids_carry_their_pools_tag() {
        let key = RouteKey::for_tests(&[7; 32]);
        let pool = new_pool_id("us-east-1", &SeededRandom::new(1));
        let tag = RouteTag::of_pool(&key, &pool);
        let rng = SeededRandom::new(2);
        let a = new_guest_id("us-east-1", tag, &guest_key(&pool), &rng);
        let b = new_identity_id("us-east-1", tag, &guest_key(&pool), &rng);
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert!(Pattern::Id.matches(id), "{id}");
            assert!(id.len() <= 55);
            assert_eq!(RouteTag::of_identity(id), Some(tag));
            assert_eq!(&id[24..25], "8", "version nibble of {id}");
        }
        assert_eq!(region_of(&a), Some("us-east-1"));
    }

    #[test]
    fn an_id_proves_its_pool_and_nothing_else_passes() {
        let pool = new_pool_id("us-east-1", &SeededRandom::new(1));
        let other = new_pool_id("us-east-1", &SeededRandom::new(2));
        let key = guest_key(&pool);
        let tag = RouteTag::of_pool(&RouteKey::for_tests(&[7; 32]), &pool);
        let id = new_guest_id("us-east-1", tag, &key, &SeededRandom::new(3));
        assert!(issued_by(&id, &key));
        let signed_in = new_identity_id("us-east-1", tag, &key, &SeededRandom::new(3));
        assert!(!issued_by(&signed_in, &key), "only guests' ids prove themselves");
        assert!(!issued_by(&id, &guest_key(&other)), "another pool's key");
        // Any one changed hex digit (or the region) breaks the MAC or the form.
        let uuid_start = id.find(':').unwrap() + 1;
        for i in uuid_start..id.len() {
            if id.as_bytes()[i] == b'-' {
                continue;
            }
            let mut forged = id.clone().into_bytes();
            forged[i] = if forged[i] == b'0' { b'1' } else { b'0' };
            let forged = String::from_utf8(forged).unwrap();
            assert!(!issued_by(&forged, &key), "{forged}");
        }
        assert!(!issued_by(&id.replacen("us-east-1", "us-west-2", 1), &key));
        assert!(!issued_by(&id.to_uppercase().replacen("US-EAST-1", "us-east-1", 1), &key), "not canonical");
        // An id made before ids carried a MAC: tag and random bits only.
        let mut bytes = [0x5a; 16];
        bytes[..4].copy_from_slice(&tag.0.to_be_bytes());
        let legacy = format!("us-east-1:{}", Builder::from_custom_bytes(bytes).into_uuid().hyphenated());
        assert_eq!(RouteTag::of_identity(&legacy), Some(tag));
        assert!(!issued_by(&legacy, &key));
        for garbage in ["", "us-east-1", "us-east-1:", "us-east-1:zz", &pool] {
            assert!(!issued_by(garbage, &key), "{garbage}");
        }
    }

    #[test]
    fn pool_ids_are_v4_and_carry_no_tag() {
        let pool = new_pool_id("eu-west-1", &SeededRandom::new(3));
        assert!(Pattern::Id.matches(&pool));
        assert_eq!(RouteTag::of_identity(&pool), None);
        assert_eq!(RouteTag::of_identity("garbage"), None);
        assert_eq!(RouteTag::of_identity("us-east-1:zzzz"), None);
    }

    #[test]
    fn tags_depend_on_the_key() {
        let pool = "us-east-1:00000000-0000-4000-8000-000000000000";
        let a = RouteTag::of_pool(&RouteKey::for_tests(&[1; 32]), pool);
        let b = RouteTag::of_pool(&RouteKey::for_tests(&[2; 32]), pool);
        assert_ne!(a, b);
        assert_eq!(a.to_hex().len(), 8);
    }
}
