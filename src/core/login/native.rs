//! Signature verification in pure Rust (p256, rsa): the reference verifier
//! for native tests, benchmarks and tools. The Worker uses WebCrypto.

use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature as EcSignature, VerifyingKey as EcKey};
use p256::EncodedPoint;
use rsa::pkcs1v15::{Signature as RsaSignature, VerifyingKey as RsaKey};
use rsa::{BigUint, RsaPublicKey};
use sha2::Sha256;

use super::jwks::{KeyMaterial, PublicKey, MAX_RSA_BITS};
use crate::core::capabilities::{SignatureAlgorithm, Verifier, VerifyError};

/// Verifies RS256 and ES256 signatures natively.
#[derive(Debug, Default, Clone, Copy)]
pub struct NativeVerifier;

/// Checks `signature` of `message` under `key` (synchronously).
pub fn verify(key: &PublicKey, message: &[u8], signature: &[u8]) -> Result<bool, VerifyError> {
    match (&key.material, key.alg) {
        (KeyMaterial::Ec { x, y }, SignatureAlgorithm::Es256) => {
            let point = EncodedPoint::from_affine_coordinates(x.as_slice().into(), y.as_slice().into(), false);
            let key = EcKey::from_encoded_point(&point).map_err(|_| VerifyError("not a P-256 point".into()))?;
            let Ok(sig) = EcSignature::from_slice(signature) else { return Ok(false) };
            Ok(key.verify(message, &sig).is_ok())
        }
        (KeyMaterial::Rsa { n, e }, SignatureAlgorithm::Rs256) => {
            let public =
                RsaPublicKey::new_with_max_size(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e), MAX_RSA_BITS)
                    .map_err(|e| VerifyError(format!("unusable RSA key: {e}")))?;
            if signature.len() != n.len() {
                return Ok(false);
            }
            let Ok(sig) = RsaSignature::try_from(signature) else { return Ok(false) };
            Ok(RsaKey::<Sha256>::new(public).verify(message, &sig).is_ok())
        }
        _ => Err(VerifyError("key and algorithm do not match".into())),
    }
}

impl Verifier for NativeVerifier {
    async fn verify(&self, key: &PublicKey, message: &[u8], signature: &[u8]) -> Result<bool, VerifyError> {
        verify(key, message, signature)
    }
}
