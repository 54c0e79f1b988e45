//! XML Signature (XMLDSig 1.1) checks for a SAML response, up to the RSA
//! verification: where signatures may sit, what a `Signature` and its
//! `SignedInfo` may hold, that the one `Reference` points at the
//! signature's parent by its `ID`, and that the digest of that parent
//! (enveloped signature removed, exclusively canonicalized) matches.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::c14n::exclusive;
use super::names::{DS, ENVELOPED, EXC_C14N, RSA_SHA256, SHA256};
use super::tree::{Document, XML_NS};
use super::{decode_base64, PendingSignature, SamlError};

/// The most bytes a signature value may have (RSA-4096).
const MAX_SIGNATURE_BYTES: usize = 512;
/// The most prefixes an `InclusiveNamespaces PrefixList` may name (each is
/// looked up at every element canonicalized; IdPs name one or two).
const MAX_INCLUSIVE_PREFIXES: usize = 8;

/// Refuses two ID-like attributes (`ID`, `Id`, `id`, `xml:id`) with one
/// value anywhere in the document, so an ID names one element only.
pub(crate) fn check_unique_ids(doc: &Document) -> Result<(), SamlError> {
    let mut ids: Vec<&str> = Vec::new();
    for element in &doc.elements {
        for attribute in &element.attributes {
            let id_like = match attribute.ns.as_deref() {
                None => matches!(attribute.local.as_str(), "ID" | "Id" | "id"),
                Some(ns) => ns == XML_NS && attribute.local == "id",
            };
            if id_like {
                ids.push(&attribute.value);
            }
        }
    }
    ids.sort_unstable();
    match ids.windows(2).any(|w| w[0] == w[1]) {
        true => Err(SamlError::DuplicateId),
        false => Ok(()),
    }
}

/// Checks every signature of the document (on `response` or `assertion`
/// only) up to its RSA verification; the signed messages to verify.
pub(crate) fn check_signatures(
    doc: &Document,
    response: usize,
    assertion: usize,
) -> Result<Vec<PendingSignature>, SamlError> {
    let signatures: Vec<usize> = (0..doc.elements.len()).filter(|&i| doc.element(i).is(DS, "Signature")).collect();
    if signatures.is_empty() {
        return Err(SamlError::Unsigned);
    }
    let mut parents: Vec<usize> = Vec::new();
    for &signature in &signatures {
        let parent = doc.element(signature).parent.ok_or(SamlError::SignatureLocation)?;
        if (parent != response && parent != assertion) || parents.contains(&parent) {
            return Err(SamlError::SignatureLocation);
        }
        parents.push(parent);
    }
    signatures.iter().map(|&s| check_signature(doc, s)).collect()
}

/// The element children of `index`, refusing any non-white-space text.
fn structure(doc: &Document, index: usize) -> Result<Vec<usize>, SamlError> {
    let element = doc.element(index);
    if !element.only_whitespace_text() {
        return Err(SamlError::SignatureStructure);
    }
    Ok(element.element_children().collect())
}

/// The element `index` is `ds:<local>`.
fn is_ds(doc: &Document, index: usize, local: &str) -> bool {
    doc.element(index).is(DS, local)
}

/// An `Algorithm` attribute that must be `expected`.
fn algorithm(doc: &Document, index: usize, expected: &str) -> Result<(), SamlError> {
    match doc.element(index).attribute("Algorithm") {
        Some(a) if a == expected => Ok(()),
        _ => Err(SamlError::UnsupportedAlgorithm),
    }
}

/// An exclusive canonicalization method (or transform): its `PrefixList`
/// from an optional `InclusiveNamespaces` child, which must be alone.
fn exc_c14n(doc: &Document, index: usize) -> Result<Vec<String>, SamlError> {
    algorithm(doc, index, EXC_C14N)?;
    match structure(doc, index)?.as_slice() {
        [] => Ok(Vec::new()),
        [inclusive] if doc.element(*inclusive).is(EXC_C14N, "InclusiveNamespaces") => {
            let list = doc.element(*inclusive).attribute("PrefixList").unwrap_or("");
            if !structure(doc, *inclusive)?.is_empty() || !doc.element(*inclusive).text().is_empty() {
                return Err(SamlError::SignatureStructure);
            }
            let mut prefixes: Vec<String> = Vec::new();
            for prefix in list.split(' ').filter(|p| !p.is_empty()) {
                if prefixes.len() >= MAX_INCLUSIVE_PREFIXES {
                    return Err(SamlError::SignatureStructure);
                }
                if !prefixes.iter().any(|p| p == prefix) {
                    prefixes.push(prefix.to_owned());
                }
            }
            Ok(prefixes)
        }
        _ => Err(SamlError::SignatureStructure),
    }
}

/// An element that must have no content.
fn empty(doc: &Document, index: usize) -> Result<(), SamlError> {
    match structure(doc, index)?.is_empty() && doc.element(index).text().is_empty() {
        true => Ok(()),
        false => Err(SamlError::SignatureStructure),
    }
}

fn check_signature(doc: &Document, signature: usize) -> Result<PendingSignature, SamlError> {
    let (signed_info, signature_value) = match structure(doc, signature)?.as_slice() {
        [info, value] if is_ds(doc, *info, "SignedInfo") && is_ds(doc, *value, "SignatureValue") => (*info, *value),
        [info, value, key_info]
            if is_ds(doc, *info, "SignedInfo")
                && is_ds(doc, *value, "SignatureValue")
                && is_ds(doc, *key_info, "KeyInfo") =>
        {
            (*info, *value)
        }
        _ => return Err(SamlError::SignatureStructure),
    };
    let [c14n_method, signature_method, reference] = structure(doc, signed_info)?[..] else {
        return Err(SamlError::SignatureStructure);
    };
    if !is_ds(doc, c14n_method, "CanonicalizationMethod")
        || !is_ds(doc, signature_method, "SignatureMethod")
        || !is_ds(doc, reference, "Reference")
    {
        return Err(SamlError::SignatureStructure);
    }
    let signed_info_prefixes = exc_c14n(doc, c14n_method)?;
    algorithm(doc, signature_method, RSA_SHA256)?;
    empty(doc, signature_method)?;

    let [transforms, digest_method, digest_value] = structure(doc, reference)?[..] else {
        return Err(SamlError::SignatureStructure);
    };
    if !is_ds(doc, transforms, "Transforms")
        || !is_ds(doc, digest_method, "DigestMethod")
        || !is_ds(doc, digest_value, "DigestValue")
    {
        return Err(SamlError::SignatureStructure);
    }
    let [enveloped, canonical] = structure(doc, transforms)?[..] else {
        return Err(SamlError::UnsupportedAlgorithm);
    };
    if !is_ds(doc, enveloped, "Transform") || !is_ds(doc, canonical, "Transform") {
        return Err(SamlError::SignatureStructure);
    }
    algorithm(doc, enveloped, ENVELOPED)?;
    empty(doc, enveloped)?;
    let reference_prefixes = exc_c14n(doc, canonical)?;
    algorithm(doc, digest_method, SHA256)?;
    empty(doc, digest_method)?;

    let signed = doc.element(signature).parent.ok_or(SamlError::SignatureLocation)?;
    let id = doc.element(signed).attribute("ID").filter(|id| !id.is_empty());
    let uri = doc.element(reference).attribute("URI");
    match (id, uri.and_then(|u| u.strip_prefix('#'))) {
        (Some(id), Some(target)) if id == target => {}
        _ => return Err(SamlError::ReferenceMismatch),
    }

    let expected = decode_base64(&doc.element(digest_value).text()).ok_or(SamlError::Invalid("DigestValue"))?;
    let actual = Sha256::digest(exclusive(doc, signed, Some(signature), &reference_prefixes));
    if expected.len() != actual.len() || !bool::from(expected.as_slice().ct_eq(actual.as_slice())) {
        return Err(SamlError::DigestMismatch);
    }

    let value = decode_base64(&doc.element(signature_value).text())
        .filter(|v| !v.is_empty() && v.len() <= MAX_SIGNATURE_BYTES)
        .ok_or(SamlError::Invalid("SignatureValue"))?;
    Ok(PendingSignature {
        signed_info_c14n: exclusive(doc, signed_info, None, &signed_info_prefixes),
        signature: value,
    })
}
