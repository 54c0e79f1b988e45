//! SAML 2.0 sign-in: a small, strict verifier of an identity provider's
//! `SAMLResponse` (HTTP-POST binding, base64) against the provider's
//! metadata, pinned by the administrator. Nothing in the response chooses a
//! key: `KeyInfo` is ignored entirely, and the signature must verify under a
//! certificate of the metadata.
//!
//! What a response must be to pass, in the order it is checked:
//! 1. at most [`MAX_RESPONSE_CHARS`] characters of base64 (white space
//!    allowed), decoding to UTF-8 XML with no DOCTYPE, no entity beyond the
//!    five predefined ones, no processing instruction, at most
//!    [`tree::MAX_DEPTH`] deep and [`tree::MAX_ELEMENTS`] elements;
//! 2. a `samlp:Response` (version 2.0) root holding exactly one
//!    `saml:Assertion`, as its direct child, and no `EncryptedAssertion`
//!    anywhere; no two `ID`/`Id`/`id`/`xml:id` attributes with one value
//!    anywhere in the document;
//! 3. one or two `ds:Signature`s, each the direct child of the Response or
//!    of the Assertion (at most one each), and none anywhere else; each with
//!    exactly `SignedInfo`, `SignatureValue` and an optional (ignored)
//!    `KeyInfo`; exclusive canonicalization without comments for
//!    `SignedInfo`, RSA-SHA256, exactly one `Reference` whose `URI` is
//!    `#` + the `ID` of the Signature's parent, the transforms exactly
//!    enveloped-signature then exclusive canonicalization, and a SHA-256
//!    digest that matches. `InclusiveNamespaces PrefixList` is supported in
//!    both canonicalizations (IdPs use it for prefixes in `xsi:type` values);
//! 4. every signature verifies under one of the metadata's keys (the
//!    platform's [`Verifier`], RSASSA-PKCS1-v1_5 with SHA-256);
//! 5. the Response's `Status` is Success, its `Destination` (if any) one of
//!    the expected recipients and its `Issuer` (if any) the metadata's
//!    entityID; the Assertion's `Issuer` is the entityID; `Conditions`
//!    hold `NotBefore`/`NotOnOrAfter` (within the skew), at least one
//!    `AudienceRestriction`, each naming an expected audience, and no
//!    condition but `OneTimeUse` and `ProxyRestriction` (accepted, not
//!    enforced here; `login::saml` remembers assertions); a bearer
//!    `SubjectConfirmation` whose data has an expected `Recipient` and an
//!    unexpired `NotOnOrAfter`; an
//!    `AuthnStatement`'s `SessionNotOnOrAfter` (if any) not passed.
//!
//! Since a response signed on the Response covers its one assertion, and a
//! response signed on the Assertion covers that assertion, whatever is read
//! from the assertion was signed. The signature wrapping attacks (XSW1–8 of
//! Somorovsky et al., "On Breaking SAML", 2012) all need a second copy of the
//! signed element, or a signature away from the element it signs; both are
//! refused before any digest is computed. Comments are dropped at parse time
//! (see `tree.rs`), so text split by a comment reads whole, as signed.
//!
//! # Where it is used
//! CreateSAMLProvider/UpdateSAMLProvider parse the metadata with
//! [`parse_metadata`] before storing it (`service::saml_providers`); sign-in
//! with a `Logins` key that is one of the pool's `SamlProviderARNs` runs
//! [`check_response`] then [`ToVerify::verify`] (`login::saml`), which also
//! keeps the replay memory this module leaves out.
//!

mod c14n;
mod cert;
mod dsig;
mod tree;

mod assertion;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::capabilities::Verifier;
use super::login::jwks::PublicKey;
use super::model::MAX_TOKEN_LEN;
use super::time::parse_iso8601;

/// The most characters a `SAMLResponse` may have (a `Logins` value's limit).
pub const MAX_RESPONSE_CHARS: usize = MAX_TOKEN_LEN;
/// The most bytes an identity provider's metadata may have.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;
/// The most signing keys taken from one metadata document.
pub const MAX_IDP_KEYS: usize = 4;
/// The clock skew allowed on every time in an assertion, in seconds.
pub const DEFAULT_SKEW_SECONDS: u64 = 300;

/// Why a SAML response (or metadata) was refused. The variants say which
/// rule failed and never carry the assertion, its subject or attributes;
/// callers map them all to one `NotAuthorizedException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SamlError {
    /// Longer than allowed, or past the element, depth or attribute bounds.
    #[error("SAML document too large")]
    TooLarge,
    /// The response is not base64, or not UTF-8 once decoded.
    #[error("SAML response is not base64 UTF-8")]
    NotBase64,
    /// Not well-formed (or namespace-well-formed) XML.
    #[error("malformed XML")]
    Malformed,
    /// A DOCTYPE (refused, so no entity can be declared).
    #[error("DOCTYPE not allowed")]
    Doctype,
    /// A processing instruction.
    #[error("processing instruction not allowed")]
    ProcessingInstruction,
    /// The root is not a SAML 2.0 `samlp:Response`.
    #[error("not a SAML 2.0 Response")]
    NotAResponse,
    /// Not exactly one `saml:Assertion`, directly in the Response (or an
    /// `EncryptedAssertion`, which is not supported).
    #[error("not exactly one assertion directly in the response")]
    AssertionCount,
    /// Two ID attributes with one value.
    #[error("duplicate ID")]
    DuplicateId,
    /// No signature on the Response or the Assertion.
    #[error("unsigned")]
    Unsigned,
    /// A signature that is not the direct child of the Response or the
    /// Assertion, or two on one element.
    #[error("signature in the wrong place")]
    SignatureLocation,
    /// A `Signature` or `SignedInfo` with unexpected content (an `Object`,
    /// several references, missing parts).
    #[error("malformed signature")]
    SignatureStructure,
    /// A canonicalization, transform, digest or signature algorithm other
    /// than exclusive c14n, enveloped-signature, SHA-256 and RSA-SHA256.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// The reference is not `#` + the ID of the signature's parent.
    #[error("reference does not point at the signed element")]
    ReferenceMismatch,
    /// The digest of the signed element does not match its reference.
    #[error("digest mismatch")]
    DigestMismatch,
    /// No key of the metadata verifies the signature.
    #[error("bad signature")]
    BadSignature,
    /// The platform could not check the signature at all.
    #[error("signature check failed: {0}")]
    Platform(String),
    /// The Response's status is not Success.
    #[error("status is not Success")]
    StatusNotSuccess,
    /// The issuer is not the metadata's entityID.
    #[error("wrong issuer")]
    WrongIssuer,
    /// No audience restriction, or one naming no expected audience.
    #[error("wrong audience")]
    WrongAudience,
    /// The Response's destination or the bearer confirmation's recipient is
    /// not an expected recipient.
    #[error("wrong recipient")]
    WrongRecipient,
    /// No bearer subject confirmation.
    #[error("no bearer subject confirmation")]
    NoBearerConfirmation,
    /// Past a `NotOnOrAfter` (plus the skew).
    #[error("expired")]
    Expired,
    /// Before a `NotBefore` (minus the skew).
    #[error("not yet valid")]
    NotYetValid,
    /// A condition cognate does not understand.
    #[error("unsupported condition")]
    UnsupportedCondition,
    /// A required element or attribute is missing or malformed (named).
    #[error("missing or invalid {0}")]
    Invalid(&'static str),
    /// The metadata has no usable RSA signing certificate (2048–4096 bits).
    #[error("no usable signing certificate in the metadata")]
    NoSigningKey,
}

/// SAML namespaces and algorithm identifiers.
pub(crate) mod names {
    /// SAML 2.0 protocol.
    pub(crate) const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
    /// SAML 2.0 assertion.
    pub(crate) const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
    /// SAML 2.0 metadata.
    pub(crate) const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
    /// XML Signature.
    pub(crate) const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
    /// Exclusive canonicalization without comments (also the namespace of
    /// `InclusiveNamespaces`).
    pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    /// The enveloped-signature transform.
    pub(crate) const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 6931 §2.3.2).
    pub(crate) const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    /// SHA-256 digests (XML Encryption §5.7.2).
    pub(crate) const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    /// The Success status code.
    pub(crate) const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
    /// The bearer confirmation method.
    pub(crate) const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
    /// The entity name identifier format.
    pub(crate) const ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
}

/// An identity provider, from its metadata as the administrator gave it:
/// its entityID and the pinned keys of its signing certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlIdp {
    entity_id: String,
    keys: Vec<PublicKey>,
    valid_until: Option<u64>,
}

impl SamlIdp {
    /// The provider's entityID (every assertion's issuer).
    pub fn entity_id(&self) -> &str {
        &self.entity_id
    }

    /// The pinned signing keys (RSA, pinned to RS256), at most [`MAX_IDP_KEYS`].
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// The metadata's `validUntil` (seconds since the epoch), if it has one:
    /// past it, the metadata must no longer be relied on.
    pub fn valid_until(&self) -> Option<u64> {
        self.valid_until
    }
}

/// Reads an identity provider's metadata: an `md:EntityDescriptor` root
/// with an `entityID` and an `IDPSSODescriptor` whose `KeyDescriptor`s
/// (`use="signing"` or no `use`) carry `X509Certificate`s. Each certificate's
/// RSA key (2048–4096 bits) is pinned; other key types are skipped; none
/// usable is [`SamlError::NoSigningKey`]. The root's `validUntil`, if any,
/// must be an ISO 8601 UTC time. The metadata's own signature, if any, is
/// not checked: the administrator vouches for the document.
pub fn parse_metadata(xml: &str) -> Result<SamlIdp, SamlError> {
    use names::{DS, MD};
    let doc = tree::parse(xml, MAX_METADATA_BYTES)?;
    let root = doc.element(0);
    if !root.is(MD, "EntityDescriptor") {
        return Err(SamlError::Invalid("EntityDescriptor"));
    }
    let entity_id = root.attribute("entityID").filter(|e| !e.is_empty() && e.len() <= 1024);
    let entity_id = entity_id.ok_or(SamlError::Invalid("entityID"))?.to_owned();
    let valid_until = root.attribute("validUntil");
    let valid_until = valid_until.map(|v| parse_iso8601(v).ok_or(SamlError::Invalid("validUntil"))).transpose()?;
    let mut keys: Vec<PublicKey> = Vec::new();
    for sso in doc.children_named(0, MD, "IDPSSODescriptor") {
        for descriptor in doc.children_named(sso, MD, "KeyDescriptor") {
            if doc.element(descriptor).attribute("use").is_some_and(|u| u != "signing") {
                continue;
            }
            for info in doc.children_named(descriptor, DS, "KeyInfo") {
                for data in doc.children_named(info, DS, "X509Data") {
                    for certificate in doc.children_named(data, DS, "X509Certificate") {
                        let der = decode_base64(&doc.element(certificate).text())
                            .ok_or(SamlError::Invalid("X509Certificate"))?;
                        let key = cert::spki_of_certificate(&der).and_then(cert::rsa_key_of_spki);
                        if let Some(key) = key.filter(|k| !keys.contains(k)) {
                            keys.push(key);
                        }
                    }
                }
            }
        }
    }
    if keys.is_empty() {
        return Err(SamlError::NoSigningKey);
    }
    keys.truncate(MAX_IDP_KEYS);
    Ok(SamlIdp { entity_id, keys, valid_until })
}

/// Base64 (standard alphabet, padded) with any ASCII white space in it.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '\t' | '\n' | '\r')).collect();
    STANDARD.decode(compact).ok()
}

/// What the relying party expects of an assertion.
#[derive(Debug, Clone, Copy)]
pub struct Expectations<'a> {
    /// Audiences this service answers to (one must be in every
    /// `AudienceRestriction`), e.g. `urn:amazon:webservices`.
    pub audiences: &'a [&'a str],
    /// URLs the bearer confirmation's `Recipient` (and the Response's
    /// `Destination`, if any) may name, e.g. `https://signin.aws.amazon.com/saml`.
    pub recipients: &'a [&'a str],
    /// The time of the check, in seconds since the Unix epoch.
    pub now: u64,
    /// Skew allowed on every time, in seconds.
    pub skew_seconds: u64,
}

impl<'a> Expectations<'a> {
    /// Expectations with the default skew of [`DEFAULT_SKEW_SECONDS`].
    pub fn new(audiences: &'a [&'a str], recipients: &'a [&'a str], now: u64) -> Self {
        Self { audiences, recipients, now, skew_seconds: DEFAULT_SKEW_SECONDS }
    }
}

/// An assertion whose signature, issuer, conditions and subject
/// confirmation all checked out.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifiedAssertion {
    /// The issuer (the metadata's entityID).
    pub issuer: String,
    /// The assertion's `ID` (for a replay cache).
    pub assertion_id: String,
    /// The subject: the `NameID`'s exact text.
    pub name_id: String,
    /// The `NameID`'s `Format`, if given.
    pub name_id_format: Option<String>,
    /// When the assertion stops being usable: the earliest of the
    /// `Conditions` and the bearer confirmation's `NotOnOrAfter`.
    pub not_on_or_after: u64,
    /// The `AuthnStatement`'s `SessionNotOnOrAfter`, if any.
    pub session_not_on_or_after: Option<u64>,
    /// The attributes: `Name` to the text of each `AttributeValue`, in order
    /// (attributes of one name merged).
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for VerifiedAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedAssertion")
            .field("issuer", &self.issuer)
            .field("name_id", &"<redacted>")
            .field("not_on_or_after", &self.not_on_or_after)
            .field("attributes", &self.attributes.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// One signature still to verify: the canonical `SignedInfo` and the
/// signature value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignature {
    /// The exclusive canonicalization of `SignedInfo`: the signed message.
    pub signed_info_c14n: Vec<u8>,
    /// The `SignatureValue`, decoded.
    pub signature: Vec<u8>,
}

/// A response that passed every check but the RSA signatures. The only
/// way to its assertion is [`ToVerify::verify`].
#[derive(Debug, Clone)]
pub struct ToVerify {
    signatures: Vec<PendingSignature>,
    keys: Vec<PublicKey>,
    /// The assertion, or why its content was refused: reported only once
    /// the signatures verified, so a forged document is always
    /// [`SamlError::BadSignature`].
    outcome: Result<VerifiedAssertion, SamlError>,
}

impl ToVerify {
    /// The signatures the platform must verify (one or two).
    pub fn signatures(&self) -> &[PendingSignature] {
        &self.signatures
    }

    /// The pinned keys any of which may have made each signature.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// Verifies every signature with `verifier` under the pinned keys, then
    /// yields the assertion (or why its content was refused).
    pub async fn verify<V: Verifier>(self, verifier: &V) -> Result<VerifiedAssertion, SamlError> {
        for pending in &self.signatures {
            let mut failure: Option<String> = None;
            let mut verified = false;
            for key in &self.keys {
                match verifier.verify(key, &pending.signed_info_c14n, &pending.signature).await {
                    Ok(true) => {
                        verified = true;
                        break;
                    }
                    Ok(false) => {}
                    Err(e) => failure = Some(e.0),
                }
            }
            if !verified {
                return Err(failure.map_or(SamlError::BadSignature, SamlError::Platform));
            }
        }
        self.outcome
    }
}

/// Checks a base64 `SAMLResponse` from `idp` against `exp`: everything but
/// the RSA signature check, which [`ToVerify::verify`] does with the
/// platform's [`Verifier`]. See the module documentation for the rules.
pub fn check_response(b64_response: &str, idp: &SamlIdp, exp: &Expectations<'_>) -> Result<ToVerify, SamlError> {
    if b64_response.len() > MAX_RESPONSE_CHARS {
        return Err(SamlError::TooLarge);
    }
    let bytes = decode_base64(b64_response).ok_or(SamlError::NotBase64)?;
    let xml = std::str::from_utf8(&bytes).map_err(|_| SamlError::NotBase64)?;
    check_document(xml, idp, exp)
}

/// [`check_response`] on the decoded XML.
pub(crate) fn check_document(xml: &str, idp: &SamlIdp, exp: &Expectations<'_>) -> Result<ToVerify, SamlError> {
    let doc = tree::parse(xml, MAX_RESPONSE_CHARS)?;
    let (response, assertion) = assertion::locate(&doc)?;
    dsig::check_unique_ids(&doc)?;
    let signatures = dsig::check_signatures(&doc, response, assertion)?;
    let outcome = assertion::read(&doc, response, assertion, idp, exp);
    Ok(ToVerify { signatures, keys: idp.keys.clone(), outcome })
}
