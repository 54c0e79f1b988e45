//! Identity pool and identity ids (`<region>:<uuid>`, lowercase), and the
//! routing tag that names the Durable Object of a pool.
//!
//! A pool id carries a random (v4) uuid. An identity id carries a v8 uuid
//! whose first 32 bits are its pool's routing tag and whose other 90 free
//! bits are random, so a call that carries only an identity id still reaches
//! the pool's authority when the store has not caught up.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::{Builder, Uuid, Version};

use super::capabilities::Random;
use super::keys::RouteKey;

/// The 32-bit routing tag of a pool: a keyed hash of its id, truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteTag(pub u32);

impl RouteTag {
    /// The tag of `pool_id` under `key`.
    pub fn of_pool(key: &RouteKey, pool_id: &str) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose()).expect("HMAC takes any key length");
        mac.update(pool_id.as_bytes());
        let out = mac.finalize().into_bytes();
        Self(u32::from_be_bytes([out[0], out[1], out[2], out[3]]))
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

/// A new identity id in `region` for the pool whose tag is `tag`.
pub fn new_identity_id(region: &str, tag: RouteTag, rng: &dyn Random) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    bytes[..4].copy_from_slice(&tag.0.to_be_bytes());
    format!("{region}:{}", Builder::from_custom_bytes(bytes).into_uuid().hyphenated())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::SeededRandom;
    use crate::core::validate::Pattern;

    #[test]
    fn identity_ids_carry_their_pools_tag() {
        let key = RouteKey::for_tests(&[7; 32]);
        let pool = new_pool_id("us-east-1", &SeededRandom::new(1));
        let tag = RouteTag::of_pool(&key, &pool);
        let rng = SeededRandom::new(2);
        let a = new_identity_id("us-east-1", tag, &rng);
        let b = new_identity_id("us-east-1", tag, &rng);
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
