//! Tests of the SAML verifier: every fixture of tests/saml/fixtures (made by
//! an independent signer, signxml, with tests/saml/make_fixtures.py) through
//! the whole check with the native RSA verifier; the signature wrapping
//! fixtures a second time without the one-assertion rule, to show the
//! signature rules alone refuse them too; canonicalization against the
//! examples of the W3C specifications; the parser's refusals; metadata.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_executor::block_on;

use super::c14n::exclusive;
use super::tree::{self, Document};
use super::*;
use crate::core::login::native::NativeVerifier;

/// The `now` of the fixtures (make_fixtures.py's NOW, 2023-11-14T22:13:20Z).
const NOW: u64 = 1_700_000_000;
const AUDIENCES: &[&str] = &["https://cognate.example/saml", "urn:amazon:webservices"];
const RECIPIENTS: &[&str] = &["https://signin.aws.amazon.com/saml"];
const METADATA: &str = include_str!("../../../tests/saml/fixtures/metadata.xml");
const ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const ROLE: &str = "arn:aws:iam::123456789012:role/SamlUser,arn:aws:iam::123456789012:saml-provider/ExampleIdP";

/// A fixture's name and XML.
type Fixture = (&'static str, &'static str);

macro_rules! fixture {
    ($name:literal) => {
        ($name, include_str!(concat!("../../../tests/saml/fixtures/", $name, ".xml")))
    };
}

/// Every response fixture with what the verifier must make of it: the
/// subject it yields, or the rule that refuses it.
fn fixtures() -> Vec<(Fixture, Result<&'static str, SamlError>)> {
    use SamlError::*;
    vec![
        (fixture!("valid-assertion-signed"), Ok("alice@example.com")),
        (fixture!("valid-prefixlist"), Ok("alice@example.com")),
        (fixture!("valid-response-signed"), Ok("alice@example.com")),
        (fixture!("valid-both-signed"), Ok("alice@example.com")),
        // The IdP signed "user@evil.com.attacker.com"; a comment inserted
        // after signing must not truncate it to "user@evil.com".
        (fixture!("comment-injection"), Ok("user@evil.com.attacker.com")),
        (fixture!("xsw1"), Err(AssertionCount)),
        (fixture!("xsw2"), Err(AssertionCount)),
        (fixture!("xsw3"), Err(AssertionCount)),
        (fixture!("xsw4"), Err(AssertionCount)),
        (fixture!("xsw5"), Err(AssertionCount)),
        (fixture!("xsw6"), Err(AssertionCount)),
        (fixture!("xsw7"), Err(AssertionCount)),
        (fixture!("xsw8"), Err(AssertionCount)),
        (fixture!("two-assertions"), Err(AssertionCount)),
        (fixture!("unsigned-assertion-in-signed-response"), Err(DigestMismatch)),
        (fixture!("signature-over-other-element"), Err(ReferenceMismatch)),
        (fixture!("keyinfo-attacker-cert"), Err(BadSignature)),
        (fixture!("billion-laughs"), Err(Doctype)),
        (fixture!("tampered-digest"), Err(DigestMismatch)),
        (fixture!("tampered-signature"), Err(BadSignature)),
        (fixture!("tampered-nameid"), Err(DigestMismatch)),
        (fixture!("expired"), Err(Expired)),
        (fixture!("not-yet-valid"), Err(NotYetValid)),
        (fixture!("wrong-audience"), Err(WrongAudience)),
        (fixture!("wrong-recipient"), Err(WrongRecipient)),
        (fixture!("wrong-issuer"), Err(WrongIssuer)),
        (fixture!("status-failure"), Err(StatusNotSuccess)),
        (fixture!("unsigned"), Err(Unsigned)),
    ]
}

fn idp() -> SamlIdp {
    parse_metadata(METADATA).expect("the fixture metadata parses")
}

fn run_at(xml: &str, now: u64) -> Result<VerifiedAssertion, SamlError> {
    let expect = Expectations::new(AUDIENCES, RECIPIENTS, now);
    block_on(check_response(&STANDARD.encode(xml), &idp(), &expect)?.verify(&NativeVerifier))
}

fn run(xml: &str) -> Result<VerifiedAssertion, SamlError> {
    run_at(xml, NOW)
}

#[test]
fn every_fixture_yields_its_subject_or_its_refusal() {
    for ((name, xml), expected) in fixtures() {
        let outcome = run(xml);
        match (&outcome, expected.clone()) {
            (Ok(assertion), Ok(subject)) => {
                assert_eq!(assertion.name_id, subject, "{name}");
                assert_eq!(assertion.issuer, "https://idp.example.com/saml", "{name}");
                assert_eq!(assertion.assertion_id, "_a1", "{name}");
                assert_eq!(assertion.attributes[ROLE_ATTRIBUTE], [ROLE], "{name}");
                assert_eq!(assertion.attributes["groups"], ["admins & friends", "<staff>"], "{name}");
                assert_eq!(assertion.not_on_or_after, NOW + 300, "{name}");
                assert_eq!(assertion.session_not_on_or_after, Some(NOW + 3600), "{name}");
                assert_eq!(
                    assertion.name_id_format.as_deref(),
                    Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
                    "{name}"
                );
            }
            (Err(error), Err(refusal)) => assert_eq!(*error, refusal, "{name}"),
            _ => panic!("{name}: expected {expected:?}, got {outcome:?}"),
        }
    }
}

#[test]
fn every_fixture_file_is_in_the_table() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/saml/fixtures");
    let names: Vec<&str> = fixtures().iter().map(|((name, _), _)| *name).collect();
    for entry in std::fs::read_dir(dir).expect("the fixtures folder") {
        let file = entry.expect("a fixture").file_name().into_string().expect("a UTF-8 name");
        // The sign-in fixtures are the service's (src/core/service/tests/saml.rs).
        let ours = |n: &&str| *n != "metadata" && !n.starts_with("valid-signin-");
        if let Some(name) = file.strip_suffix(".xml").filter(ours) {
            assert!(names.contains(&name), "fixture {name} has no expectation");
        }
    }
}

#[test]
fn signatures_are_counted_and_checked_with_the_pinned_key() {
    let pending = |name: &str| {
        let xml = fixtures().into_iter().find(|((n, _), _)| *n == name).expect("a fixture").0 .1;
        let expect = Expectations::new(AUDIENCES, RECIPIENTS, NOW);
        check_response(&STANDARD.encode(xml), &idp(), &expect).expect("passes the structural checks")
    };
    assert_eq!(pending("valid-assertion-signed").signatures().len(), 1);
    assert_eq!(pending("valid-both-signed").signatures().len(), 2);
    // Each pending message verifies natively under the metadata's key
    // (RSASSA-PKCS1-v1_5, SHA-256), and not once a byte changes.
    let both = pending("valid-both-signed");
    for signature in both.signatures() {
        let key = &both.keys()[0];
        assert!(crate::core::login::native::verify(key, &signature.signed_info_c14n, &signature.signature).unwrap());
        let mut message = signature.signed_info_c14n.clone();
        message[10] ^= 1;
        assert!(!crate::core::login::native::verify(key, &message, &signature.signature).unwrap());
    }
    // The attacker's document passes every structural check (its digest is
    // right) but not the pinned key; the certificate in its KeyInfo is never read.
    assert_eq!(pending("keyinfo-attacker-cert").signatures().len(), 1);
}

/// The response's first direct-child assertion: what a naive reader takes.
fn naive_assertion(doc: &Document) -> usize {
    doc.element(0).element_children().find(|&c| doc.element(c).is(names::SAML, "Assertion")).expect("an assertion")
}

#[test]
fn signature_wrapping_is_refused_even_without_the_one_assertion_rule() {
    use SamlError::*;
    for (name, expected) in [
        ("xsw1", SignatureStructure),
        ("xsw2", ReferenceMismatch),
        ("xsw3", SignatureLocation),
        ("xsw4", SignatureLocation),
        ("xsw5", ReferenceMismatch),
        ("xsw6", SignatureStructure),
        ("xsw7", SignatureLocation),
        ("xsw8", SignatureStructure),
    ] {
        let xml = fixtures().into_iter().find(|((n, _), _)| *n == name).expect("a fixture").0 .1;
        let doc = tree::parse(xml, MAX_RESPONSE_CHARS).expect("well-formed");
        let outcome =
            dsig::check_unique_ids(&doc).and_then(|()| dsig::check_signatures(&doc, 0, naive_assertion(&doc)));
        assert_eq!(outcome.err(), Some(expected), "{name}");
    }
}

#[test]
fn times_allow_five_minutes_of_skew_and_no_more() {
    // Conditions: NotBefore NOW-60, NotOnOrAfter NOW+300 (and the bearer's).
    let (_, xml) = fixture!("valid-assertion-signed");
    for (now, expected) in [
        (NOW - 360, Ok(())),
        (NOW - 361, Err(SamlError::NotYetValid)),
        (NOW + 599, Ok(())),
        (NOW + 600, Err(SamlError::Expired)),
    ] {
        assert_eq!(run_at(xml, now).map(|_| ()), expected, "at NOW{:+}", now as i64 - NOW as i64);
    }
}

#[test]
fn edits_that_break_the_signature_rules_are_refused_before_any_digest() {
    use SamlError::*;
    let (_, xml) = fixture!("valid-assertion-signed");
    let sig_alg = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    for (edit, expected) in [
        ((sig_alg, "http://www.w3.org/2000/09/xmldsig#rsa-sha1"), UnsupportedAlgorithm),
        (("http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1"), UnsupportedAlgorithm),
        (("<ds:SignatureValue>", "<ds:Object/><ds:SignatureValue>"), SignatureStructure),
        (("</ds:SignedInfo>", "<ds:Reference URI=\"#_a1\"/></ds:SignedInfo>"), SignatureStructure),
        (("URI=\"#_a1\"", "URI=\"\""), ReferenceMismatch),
        (("<samlp:Status>", "<samlp:Extensions ID=\"_a1\"/><samlp:Status>"), DuplicateId),
        (("<samlp:Status>", "<samlp:Status ID=\"_a1\">"), DuplicateId),
        (
            ("<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>", ""),
            UnsupportedAlgorithm,
        ),
        (("<saml:Assertion ", "<saml:EncryptedAssertion/><saml:Assertion "), AssertionCount),
        (("Version=\"2.0\"", "Version=\"1.1\""), NotAResponse),
        (("<samlp:Status>", "<?pi x?><samlp:Status>"), ProcessingInstruction),
        (("<samlp:Status>", "<samlp:Status>&custom;"), Malformed),
        (("<samlp:Status>", "<undeclared:x/><samlp:Status>"), Malformed),
    ] {
        assert!(xml.contains(edit.0), "{edit:?} does not apply");
        let edited = xml.replacen(edit.0, edit.1, 1);
        assert_eq!(run(&edited).err(), Some(expected), "{edit:?}");
    }
    // A PrefixList is bounded (each prefix is looked up at every element):
    // eight prefixes are read (and change SignedInfo, so the signature
    // fails), nine are refused.
    let (_, xml) = fixture!("valid-prefixlist");
    for (edit, expected) in [
        (("PrefixList=\"xs\"", "PrefixList=\"xs a b c d e f g\""), BadSignature),
        (("PrefixList=\"xs\"", "PrefixList=\"xs a b c d e f g h\""), SignatureStructure),
    ] {
        assert!(xml.contains(edit.0), "{edit:?} does not apply");
        let edited = xml.replacen(edit.0, edit.1, 1);
        assert_eq!(run(&edited).err(), Some(expected), "{edit:?}");
    }
}

#[test]
fn the_input_is_bounded_and_must_be_base64() {
    let expect = Expectations::new(AUDIENCES, RECIPIENTS, NOW);
    let check = |b64: &str| check_response(b64, &idp(), &expect).err();
    assert_eq!(check(&"A".repeat(MAX_RESPONSE_CHARS + 1)), Some(SamlError::TooLarge));
    assert_eq!(check("not base64!"), Some(SamlError::NotBase64));
    assert_eq!(check(&STANDARD.encode([0xff, 0xfe])), Some(SamlError::NotBase64));
    assert_eq!(check(""), Some(SamlError::Malformed));
    // Line-wrapped base64 (as some IdPs post it) is fine.
    let (_, xml) = fixture!("valid-response-signed");
    let b64 = STANDARD.encode(xml);
    let wrapped: Vec<&str> = b64.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect();
    assert!(block_on(check_response(&wrapped.join("\r\n"), &idp(), &expect).unwrap().verify(&NativeVerifier)).is_ok());
    // Depth beyond the bound.
    let deep = format!("{}{}", "<a>".repeat(tree::MAX_DEPTH + 1), "</a>".repeat(tree::MAX_DEPTH + 1));
    assert_eq!(tree::parse(&deep, 1 << 20).err(), Some(SamlError::TooLarge));
}

#[test]
fn errors_and_debug_never_show_the_subject() {
    let (_, xml) = fixture!("valid-assertion-signed");
    let assertion = run(xml).unwrap();
    assert!(!format!("{assertion:?}").contains("alice"));
    for ((name, xml), _) in fixtures() {
        if let Err(e) = run(xml) {
            let text = format!("{e} {e:?}");
            assert!(!text.contains("alice") && !text.contains("admin@") && !text.contains("evil"), "{name}: {text}");
        }
    }
}

#[test]
fn metadata_yields_the_entity_and_its_signing_key() {
    let idp = idp();
    assert_eq!(idp.entity_id(), "https://idp.example.com/saml");
    assert_eq!(idp.keys().len(), 1);
    assert_eq!(idp.keys()[0].alg, crate::core::capabilities::SignatureAlgorithm::Rs256);
    for (edit, expected) in [
        (("use=\"signing\"", "use=\"encryption\""), SamlError::NoSigningKey),
        (("entityID=\"https://idp.example.com/saml\"", ""), SamlError::Invalid("entityID")),
        (("<ds:X509Certificate>", "<ds:X509Certificate>!"), SamlError::Invalid("X509Certificate")),
        (("md:EntityDescriptor", "md:EntitiesDescriptor"), SamlError::Invalid("EntityDescriptor")),
    ] {
        assert!(METADATA.contains(edit.0), "{edit:?} does not apply");
        assert_eq!(parse_metadata(&METADATA.replace(edit.0, edit.1)).err(), Some(expected), "{edit:?}");
    }
    assert_eq!(idp.valid_until(), None);
    let root = "entityID=\"https://idp.example.com/saml\"";
    let until = |v: &str| parse_metadata(&METADATA.replace(root, &format!("{root} validUntil=\"{v}\"")));
    assert_eq!(until("2023-11-14T22:13:20Z").unwrap().valid_until(), Some(NOW));
    assert_eq!(until("2023-11-14T22:13:20.5Z").unwrap().valid_until(), Some(NOW));
    assert_eq!(until("tomorrow").err(), Some(SamlError::Invalid("validUntil")));
    // A certificate whose key is not RSA, or garbage DER, yields no key.
    assert_eq!(cert::spki_of_certificate(&[0x30, 0x03, 0x02, 0x01, 0x01]), None);
    assert_eq!(cert::rsa_key_of_spki(&[0x30, 0x00]), None);
}

/// Canonicalizes the subtree of the first element named `local`.
fn c14n_of(xml: &str, local: &str, inclusive: &[&str]) -> String {
    let doc = tree::parse(xml, 1 << 20).expect("well-formed");
    let index = (0..doc.elements.len()).find(|&i| doc.element(i).local == local).expect("the element");
    let inclusive: Vec<String> = inclusive.iter().map(|s| (*s).to_owned()).collect();
    String::from_utf8(exclusive(&doc, index, None, &inclusive)).expect("UTF-8")
}

/// Canonical XML 1.0 §3.3 "Start and End Tags" (empty elements, attribute
/// order, namespace declarations, `xmlns=""`), with the output exclusive
/// canonicalization gives (namespaces not visibly utilized are dropped;
/// checked against lxml's `c14n exclusive=True`).
#[test]
fn c14n_spec_start_and_end_tags() {
    let input = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
    let expected = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6>
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
    assert_eq!(c14n_of(input, "doc", &[]), expected);
}

/// Canonical XML 1.0 §3.4 "Character Modifications and Character
/// References" (without its DTD, so every attribute is CDATA).
#[test]
fn c14n_spec_character_modifications() {
    let input = "<doc>
   <text>First line&#x0d;&#10;Second line</text>
   <value>&#x32;</value>
   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>
   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>
   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>
   <normNames attr='   A   &#x20;&#13;&#xa;&#9;   B   '/>
</doc>";
    let expected = "<doc>
   <text>First line&#xD;
Second line</text>
   <value>2</value>
   <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>
   <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>
   <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>
   <normNames attr=\"   A    &#xD;&#xA;&#x9;   B   \"></normNames>
</doc>";
    assert_eq!(c14n_of(input, "doc", &[]), expected);
}

/// Exclusive XML Canonicalization §2.2: the subtree of `n1:elem2`
/// canonicalizes the same whatever its ancestors declare; a PrefixList
/// prefix in scope is rendered (inclusive rule, §3).
#[test]
fn exc_c14n_spec_subtree_independent_of_context() {
    let first = r#"<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org">
  <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
     <n3:stuff xmlns:n3="ftp://example.org"/>
  </n1:elem2>
</n0:local>"#;
    let second = r#"<n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example" xml:lang="fr" xml:space="retain">
  <n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
     <n3:stuff xmlns:n3="ftp://example.org"/>
  </n1:elem2>
</n2:pdu>"#;
    let expected = "<n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">
     <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>
  </n1:elem2>";
    assert_eq!(c14n_of(first, "elem2", &[]), expected);
    assert_eq!(c14n_of(second, "elem2", &[]), expected);
    assert_eq!(
        c14n_of(second, "elem2", &["n2", "unbound"]),
        "<n1:elem2 xmlns:n1=\"http://example.net\" xmlns:n2=\"http://foo.example\" xml:lang=\"en\">
     <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>
  </n1:elem2>"
    );
}

#[test]
fn comments_are_dropped_and_the_text_around_them_joined() {
    let doc = tree::parse("<a>user@evil.com<!---->.attacker.com<b/>x<!-- y --></a>", 1 << 10).unwrap();
    assert_eq!(doc.element(0).text(), "user@evil.com.attacker.comx");
    assert_eq!(String::from_utf8(exclusive(&doc, 0, None, &[])).unwrap(), "<a>user@evil.com.attacker.com<b></b>x</a>");
}

#[test]
fn the_parser_refuses_what_it_does_not_need() {
    for (input, expected) in [
        ("<!DOCTYPE a><a/>", SamlError::Doctype),
        ("<a>&ent;</a>", SamlError::Malformed),
        ("<a b='&ent;'/>", SamlError::Malformed),
        ("<a>&#0;</a>", SamlError::Malformed),
        ("<a>&#x1;</a>", SamlError::Malformed),
        ("<a/><b/>", SamlError::Malformed),
        ("<a/>text", SamlError::Malformed),
        ("<a><?pi?></a>", SamlError::ProcessingInstruction),
        ("<a/><?xml version='1.0'?>", SamlError::Malformed),
        ("<?xml version='1.0' encoding='ISO-8859-1'?><a/>", SamlError::Malformed),
        ("<p:a/>", SamlError::Malformed),
        ("<a xmlns:p='u' p:b='1' xmlns:q='u' q:b='2'/>", SamlError::Malformed),
        ("<a xmlns:p=''/>", SamlError::Malformed),
        ("<a b='<'/>", SamlError::Malformed),
        ("<a:b:c/>", SamlError::Malformed),
        ("<a><b></a>", SamlError::Malformed),
    ] {
        assert_eq!(tree::parse(input, 1 << 10).err(), Some(expected), "{input}");
    }
    assert_eq!(tree::parse("<?xml version='1.0' encoding='UTF-8'?><a/>", 1 << 10).map(|d| d.elements.len()), Ok(1));
}
