//! The content of a SAML 2.0 response (SAML Core, OASIS 2005, §2 and §3.2)
//! and the Web Browser SSO profile's rules for it (SAML Profiles §4.1.4.2–3):
//! where the one assertion is, the Response's status and destination, and
//! the assertion's issuer, subject, bearer confirmation, conditions and
//! attributes.

use std::collections::BTreeMap;

use super::names::{BEARER, ENTITY, SAML, SAMLP, SUCCESS};
use super::tree::Document;
use super::{Expectations, SamlError, SamlIdp, VerifiedAssertion};
use crate::core::time::parse_iso8601;

/// The Response (the root) and its one Assertion (a direct child); no other
/// assertion, plain or encrypted, anywhere.
pub(crate) fn locate(doc: &Document) -> Result<(usize, usize), SamlError> {
    let root = doc.element(0);
    if !root.is(SAMLP, "Response") || root.attribute("Version") != Some("2.0") {
        return Err(SamlError::NotAResponse);
    }
    let mut assertions = (0..doc.elements.len()).filter(|&i| {
        let e = doc.element(i);
        e.is(SAML, "Assertion") || e.is(SAML, "EncryptedAssertion")
    });
    match (assertions.next(), assertions.next()) {
        (Some(a), None) if doc.element(a).parent == Some(0) && doc.element(a).is(SAML, "Assertion") => Ok((0, a)),
        _ => Err(SamlError::AssertionCount),
    }
}

/// A time attribute, if present (malformed: refused, naming `what`).
fn time(value: Option<&str>, what: &'static str) -> Result<Option<u64>, SamlError> {
    value.map(|v| parse_iso8601(v).ok_or(SamlError::Invalid(what))).transpose()
}

/// `NotBefore`/`NotOnOrAfter` against the time of the check and the skew.
fn window(not_before: Option<u64>, not_on_or_after: Option<u64>, exp: &Expectations<'_>) -> Result<(), SamlError> {
    if not_before.is_some_and(|nb| exp.now.saturating_add(exp.skew_seconds) < nb) {
        return Err(SamlError::NotYetValid);
    }
    if not_on_or_after.is_some_and(|noa| exp.now >= noa.saturating_add(exp.skew_seconds)) {
        return Err(SamlError::Expired);
    }
    Ok(())
}

/// The one child `local` (in `ns`) of `index`, if exactly one.
fn only_child(doc: &Document, index: usize, ns: &str, local: &str, what: &'static str) -> Result<usize, SamlError> {
    let mut found = doc.children_named(index, ns, local);
    match (found.next(), found.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(SamlError::Invalid(what)),
    }
}

/// The text of an element that must have no element children.
fn leaf_text(doc: &Document, index: usize, what: &'static str) -> Result<String, SamlError> {
    match doc.element(index).element_children().next() {
        None => Ok(doc.element(index).text()),
        Some(_) => Err(SamlError::Invalid(what)),
    }
}

/// An `Issuer` (Response's or Assertion's) that must be the entityID.
fn check_issuer(doc: &Document, issuer: usize, idp: &SamlIdp) -> Result<(), SamlError> {
    let element = doc.element(issuer);
    if element.attribute("Format").is_some_and(|f| f != ENTITY) {
        return Err(SamlError::WrongIssuer);
    }
    match leaf_text(doc, issuer, "Issuer")? == idp.entity_id {
        true => Ok(()),
        false => Err(SamlError::WrongIssuer),
    }
}

/// Everything the profile asks of the Response and its assertion; the
/// assertion as read. Checked only after the signatures verify.
pub(crate) fn read(
    doc: &Document,
    response: usize,
    assertion: usize,
    idp: &SamlIdp,
    exp: &Expectations<'_>,
) -> Result<VerifiedAssertion, SamlError> {
    let root = doc.element(response);
    if let Some(destination) = root.attribute("Destination") {
        if !exp.recipients.contains(&destination) {
            return Err(SamlError::WrongRecipient);
        }
    }
    for issuer in doc.children_named(response, SAML, "Issuer") {
        check_issuer(doc, issuer, idp)?;
    }
    let status = only_child(doc, response, SAMLP, "Status", "Status")?;
    let code = only_child(doc, status, SAMLP, "StatusCode", "StatusCode")?;
    if doc.element(code).attribute("Value") != Some(SUCCESS) {
        return Err(SamlError::StatusNotSuccess);
    }

    let element = doc.element(assertion);
    if element.attribute("Version") != Some("2.0") {
        return Err(SamlError::Invalid("Version"));
    }
    let assertion_id = element.attribute("ID").filter(|id| !id.is_empty()).ok_or(SamlError::Invalid("ID"))?;
    let issuer = only_child(doc, assertion, SAML, "Issuer", "Issuer")?;
    check_issuer(doc, issuer, idp)?;

    let conditions = only_child(doc, assertion, SAML, "Conditions", "Conditions")?;
    let c = doc.element(conditions);
    let conditions_end = time(c.attribute("NotOnOrAfter"), "NotOnOrAfter")?;
    window(time(c.attribute("NotBefore"), "NotBefore")?, conditions_end, exp)?;
    let mut restricted = false;
    for condition in c.element_children() {
        let e = doc.element(condition);
        if e.is(SAML, "AudienceRestriction") {
            let mut audiences = doc.children_named(condition, SAML, "Audience");
            let mut matched = false;
            for audience in audiences.by_ref() {
                matched |= exp.audiences.contains(&leaf_text(doc, audience, "Audience")?.as_str());
            }
            if !matched {
                return Err(SamlError::WrongAudience);
            }
            restricted = true;
        } else if !(e.is(SAML, "OneTimeUse") || e.is(SAML, "ProxyRestriction")) {
            return Err(SamlError::UnsupportedCondition);
        }
    }
    if !restricted {
        return Err(SamlError::WrongAudience);
    }

    let subject = only_child(doc, assertion, SAML, "Subject", "Subject")?;
    let name_id = only_child(doc, subject, SAML, "NameID", "NameID")?;
    let name_id_text = leaf_text(doc, name_id, "NameID")?;
    if name_id_text.is_empty() {
        return Err(SamlError::Invalid("NameID"));
    }
    let bearer_end = bearer(doc, subject, exp)?;

    let mut session_end: Option<u64> = None;
    for statement in doc.children_named(assertion, SAML, "AuthnStatement") {
        let end = time(doc.element(statement).attribute("SessionNotOnOrAfter"), "SessionNotOnOrAfter")?;
        window(None, end, exp)?;
        session_end = match (session_end, end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for statement in doc.children_named(assertion, SAML, "AttributeStatement") {
        for attribute in doc.children_named(statement, SAML, "Attribute") {
            let name = doc.element(attribute).attribute("Name").filter(|n| !n.is_empty());
            let values = attributes.entry(name.ok_or(SamlError::Invalid("Attribute"))?.to_owned()).or_default();
            for value in doc.children_named(attribute, SAML, "AttributeValue") {
                values.push(leaf_text(doc, value, "AttributeValue")?);
            }
        }
    }

    Ok(VerifiedAssertion {
        issuer: idp.entity_id.clone(),
        assertion_id: assertion_id.to_owned(),
        name_id: name_id_text,
        name_id_format: doc.element(name_id).attribute("Format").map(str::to_owned),
        not_on_or_after: conditions_end.map_or(bearer_end, |c| c.min(bearer_end)),
        session_not_on_or_after: session_end,
        attributes,
    })
}

/// The bearer confirmations of `subject`: the first one whose data names an
/// expected recipient and is within its times wins; its `NotOnOrAfter`
/// (required). Otherwise why the first bearer failed.
fn bearer(doc: &Document, subject: usize, exp: &Expectations<'_>) -> Result<u64, SamlError> {
    let mut first_error = None;
    for confirmation in doc.children_named(subject, SAML, "SubjectConfirmation") {
        if doc.element(confirmation).attribute("Method") != Some(BEARER) {
            continue;
        }
        let check = || -> Result<u64, SamlError> {
            let data = only_child(doc, confirmation, SAML, "SubjectConfirmationData", "SubjectConfirmationData")?;
            let data = doc.element(data);
            if !data.attribute("Recipient").is_some_and(|r| exp.recipients.contains(&r)) {
                return Err(SamlError::WrongRecipient);
            }
            let end =
                time(data.attribute("NotOnOrAfter"), "NotOnOrAfter")?.ok_or(SamlError::Invalid("NotOnOrAfter"))?;
            window(time(data.attribute("NotBefore"), "NotBefore")?, Some(end), exp)?;
            Ok(end)
        };
        match check() {
            Ok(end) => return Ok(end),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(SamlError::NoBearerConfirmation))
}
