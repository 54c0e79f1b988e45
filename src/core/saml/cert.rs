//! The RSA public key of an X.509 certificate (RFC 5280 §4.1), read with a
//! minimal, bounded DER walk: only the path from the certificate to its
//! `subjectPublicKeyInfo` (RFC 5280 §4.1.2.7) and the `RSAPublicKey` in it
//! (RFC 8017 §A.1.1). Nothing else in the certificate is interpreted: the
//! certificate is pinned by the administrator's metadata, so its validity,
//! issuer and extensions say nothing cognate relies on. The key is checked
//! (size, exponent) the way JWKS keys are, by [`parse_jwk`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::core::login::jwks::{parse_jwk, PublicKey};

/// DER of the `rsaEncryption` algorithm identifier's OID, 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// One DER element: tag and contents; `rest` is what follows it.
struct Tlv<'a> {
    tag: u8,
    contents: &'a [u8],
    rest: &'a [u8],
}

/// Reads one element (definite lengths only, at most 4 length bytes).
fn read(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, mut after_len) = after_tag.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, rest) = (after_len.get(..count)?, after_len.get(count..)?);
        after_len = rest;
        bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    let contents = after_len.get(..len)?;
    Some(Tlv { tag, contents, rest: after_len.get(len..)? })
}

/// Reads an element that must carry `tag`.
fn expect(input: &[u8], tag: u8) -> Option<Tlv<'_>> {
    read(input).filter(|t| t.tag == tag)
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
const NULL: u8 = 0x05;
const VERSION: u8 = 0xa0;

/// The `subjectPublicKeyInfo` DER (tag and length included) of a certificate.
pub(crate) fn spki_of_certificate(der: &[u8]) -> Option<&[u8]> {
    let certificate = expect(der, SEQUENCE)?;
    if !certificate.rest.is_empty() {
        return None;
    }
    let tbs = expect(certificate.contents, SEQUENCE)?;
    let mut fields = tbs.contents;
    if let Some(version) = read(fields).filter(|t| t.tag == VERSION) {
        fields = version.rest;
    }
    let serial = expect(fields, INTEGER)?;
    let signature = expect(serial.rest, SEQUENCE)?;
    let issuer = expect(signature.rest, SEQUENCE)?;
    let validity = expect(issuer.rest, SEQUENCE)?;
    let subject = expect(validity.rest, SEQUENCE)?;
    let spki = expect(subject.rest, SEQUENCE)?;
    let spki_len = subject.rest.len() - spki.rest.len();
    subject.rest.get(..spki_len)
}

/// The RSA key of a `subjectPublicKeyInfo`, pinned to RS256; `None` for
/// another key type, a malformed key, or one [`parse_jwk`] refuses (fewer
/// than 2048 or more than 4096 bits, a bad exponent).
pub(crate) fn rsa_key_of_spki(spki: &[u8]) -> Option<PublicKey> {
    let spki = expect(spki, SEQUENCE)?;
    let algorithm = expect(spki.contents, SEQUENCE)?;
    let oid = expect(algorithm.contents, OID)?;
    if oid.contents != RSA_ENCRYPTION {
        return None;
    }
    if !oid.rest.is_empty() && expect(oid.rest, NULL).is_none_or(|n| !n.contents.is_empty() || !n.rest.is_empty()) {
        return None;
    }
    let bits = expect(algorithm.rest, BIT_STRING)?;
    if !bits.rest.is_empty() {
        return None;
    }
    let (&unused, key) = bits.contents.split_first()?;
    if unused != 0 {
        return None;
    }
    let rsa = expect(key, SEQUENCE)?;
    let n = expect(rsa.contents, INTEGER)?;
    let e = expect(n.rest, INTEGER)?;
    if !e.rest.is_empty()
        || n.contents.first().is_none_or(|b| b & 0x80 != 0)
        || e.contents.first().is_none_or(|b| b & 0x80 != 0)
    {
        return None;
    }
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    parse_jwk(&json!({ "kty": "RSA", "alg": "RS256", "n": b64(n.contents), "e": b64(e.contents) }))
}
