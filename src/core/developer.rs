//! Developer user identifiers (developer-authenticated identities): what an
//! app's own backend calls its users. Cognito returns them (LookupDeveloperIdentity),
//! so cognate keeps them — sealed, never in the clear: XChaCha20-Poly1305
//! under a key derived per pool from the hash key, the login's MAC as
//! associated data (a sealed id cannot be moved to another login), and
//! found by the keyed hash every login is found by.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::capabilities::Random;
use super::keys::HashKey;

const NONCE_LEN: usize = 24;
/// Longest developer user identifier the API model allows.
pub(crate) const MAX_USER_ID_LEN: usize = 1024;

/// `user_id` of the pool's developer provider, sealed for the login `mac`:
/// base64url of nonce ‖ ciphertext.
pub(crate) fn seal(hash_key: &HashKey, pool_id: &str, mac: &str, user_id: &str, rng: &dyn Random) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce);
    let cipher = XChaCha20Poly1305::new(&hash_key.developer_key(pool_id).into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: user_id.as_bytes(), aad: mac.as_bytes() })
        .expect("XChaCha20-Poly1305 seals any length the API allows");
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    URL_SAFE_NO_PAD.encode(out)
}

/// The user id sealed for the login `mac`, or `None` if it was not sealed
/// so (another pool's, another login's, or altered).
pub(crate) fn open(hash_key: &HashKey, pool_id: &str, mac: &str, sealed: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(&hash_key.developer_key(pool_id).into());
    let plain = cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: mac.as_bytes() }).ok()?;
    String::from_utf8(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::SeededRandom;

    #[test]
    fn a_sealed_id_opens_only_for_its_pool_and_login() {
        let key = HashKey::parse(&"A".repeat(43)).unwrap();
        let rng = SeededRandom::new(1);
        let sealed = seal(&key, "pool-a", "mac-1", "user@example.com", &rng);
        assert!(!sealed.contains("user"), "never in the clear");
        assert_eq!(open(&key, "pool-a", "mac-1", &sealed).as_deref(), Some("user@example.com"));
        assert_eq!(open(&key, "pool-b", "mac-1", &sealed), None, "another pool's key");
        assert_eq!(open(&key, "pool-a", "mac-2", &sealed), None, "moved to another login");
        let other = HashKey::parse(&"E".repeat(43)).unwrap();
        assert_eq!(open(&other, "pool-a", "mac-1", &sealed), None);
        assert_ne!(seal(&key, "pool-a", "mac-1", "user@example.com", &rng), sealed, "a fresh nonce each time");
        let mut tampered = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(open(&key, "pool-a", "mac-1", &URL_SAFE_NO_PAD.encode(tampered)), None);
        for garbage in ["", "!!", "AAAA"] {
            assert_eq!(open(&key, "pool-a", "mac-1", garbage), None);
        }
    }
}
