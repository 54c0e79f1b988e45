#!/usr/bin/env python3
"""Generates the SAML fixtures of src/core/saml/tests.rs with an independent
signer (signxml, over lxml and cryptography), and cross-checks each with
signxml's XMLVerifier and a naive reader (the first Assertion's NameID, as
lxml's `.text` gives it).

    bash scripts/setup.sh   # installs signxml (pinned) into target/saml
    target/saml/bin/python tests/saml/make_fixtures.py

Writes tests/saml/fixtures/: metadata.xml (the IdP: entityID and its
certificate), one <name>.xml per response (raw XML; the Rust tests base64 it
as the SAMLResponse) and cross-check.txt (the table below). Every time is
relative to NOW, the `now` the Rust tests use. The keys are fresh on every
run: regenerate all fixtures at once.

The signature wrapping variants XSW1-XSW8 follow the catalogue of SAML Raider
(after Somorovsky et al., "On Breaking SAML: Be Whoever You Want to Be",
USENIX Security 2012): XSW1/2 wrap a signed Response, XSW3-8 a signed
Assertion.
"""

import base64
import copy
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, XMLVerifier
from signxml.verifier import SignatureConfiguration

NOW = 1_700_000_000  # 2023-11-14T22:13:20Z
IDP = "https://idp.example.com/saml"
AUDIENCE = "urn:amazon:webservices"
RECIPIENT = "https://signin.aws.amazon.com/saml"
ROLE = "arn:aws:iam::123456789012:role/SamlUser,arn:aws:iam::123456789012:saml-provider/ExampleIdP"
ADMIN_ROLE = "arn:aws:iam::123456789012:saml-provider/ExampleIdP,arn:aws:iam::123456789012:role/SamlAdmin"
OTHER_ROLE = "arn:aws:iam::123456789012:role/Elsewhere,arn:aws:iam::123456789012:saml-provider/OtherIdP"
DEFAULT_ATTRIBUTES = [
    ("https://aws.amazon.com/SAML/Attributes/Role", [ROLE]),
    ("https://aws.amazon.com/SAML/Attributes/RoleSessionName", ["alice"]),
    ("groups", ["admins & friends", "<staff>"]),
]

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"

NAME_ID_PATH = "{%s}Subject/{%s}NameID" % (SAML, SAML)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def t(offset):
    return datetime.datetime.fromtimestamp(NOW + offset, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_and_cert(cn):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    start = datetime.datetime.fromtimestamp(NOW - 86400, datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def q(ns, local):
    return "{%s}%s" % (ns, local)


def assertion(aid, name_id="alice@example.com", issuer=IDP, not_before=-60, not_on_or_after=300,
              audience=AUDIENCE, recipient=RECIPIENT, placeholder=True, attributes=DEFAULT_ATTRIBUTES):
    a = etree.Element(q(SAML, "Assertion"), nsmap={"saml": SAML, "xs": XS, "xsi": XSI},
                      ID=aid, Version="2.0", IssueInstant=t(0))
    etree.SubElement(a, q(SAML, "Issuer")).text = issuer
    if placeholder:
        etree.SubElement(a, q(DS, "Signature"), nsmap={"ds": DS}, Id="placeholder")
    subject = etree.SubElement(a, q(SAML, "Subject"))
    nid = etree.SubElement(subject, q(SAML, "NameID"),
                           Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    nid.text = name_id
    sc = etree.SubElement(subject, q(SAML, "SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    etree.SubElement(sc, q(SAML, "SubjectConfirmationData"), NotOnOrAfter=t(not_on_or_after), Recipient=recipient)
    cond = etree.SubElement(a, q(SAML, "Conditions"), NotBefore=t(not_before), NotOnOrAfter=t(not_on_or_after))
    ar = etree.SubElement(cond, q(SAML, "AudienceRestriction"))
    etree.SubElement(ar, q(SAML, "Audience")).text = audience
    authn = etree.SubElement(a, q(SAML, "AuthnStatement"), AuthnInstant=t(0), SessionIndex="_s1",
                             SessionNotOnOrAfter=t(3600))
    ctx = etree.SubElement(authn, q(SAML, "AuthnContext"))
    etree.SubElement(ctx, q(SAML, "AuthnContextClassRef")).text = \
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    stmt = etree.SubElement(a, q(SAML, "AttributeStatement"))
    for name, values in attributes:
        attr = etree.SubElement(stmt, q(SAML, "Attribute"), Name=name,
                                NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
        for v in values:
            value = etree.SubElement(attr, q(SAML, "AttributeValue"))
            value.set(q(XSI, "type"), "xs:string")
            value.text = v
    return a


def response(rid, children, status="urn:oasis:names:tc:SAML:2.0:status:Success", destination=RECIPIENT,
             placeholder=False):
    r = etree.Element(q(SAMLP, "Response"), nsmap={"samlp": SAMLP, "saml": SAML},
                      ID=rid, Version="2.0", IssueInstant=t(0), Destination=destination)
    etree.SubElement(r, q(SAML, "Issuer")).text = IDP
    if placeholder:
        etree.SubElement(r, q(DS, "Signature"), nsmap={"ds": DS}, Id="placeholder")
    st = etree.SubElement(r, q(SAMLP, "Status"))
    etree.SubElement(st, q(SAMLP, "StatusCode"), Value=status)
    for c in children:
        r.append(c)
    return r


class PrefixListSigner(XMLSigner):
    """signxml 4-5 digests an enveloped reference with its PrefixList but
    leaves the InclusiveNamespaces element out of the reference's exc-c14n
    Transform (only the non-enveloped branch writes it); this writes it, so
    the reference says how it was digested."""

    def _build_transforms_for_reference(self, *, transforms_node, reference, exclude_c14n_transform_element=True):
        super()._build_transforms_for_reference(transforms_node=transforms_node, reference=reference,
                                                exclude_c14n_transform_element=exclude_c14n_transform_element)
        if reference.inclusive_ns_prefixes:
            etree.SubElement(transforms_node[-1], "{%s}InclusiveNamespaces" % EXC,
                             PrefixList=" ".join(reference.inclusive_ns_prefixes))


def sign(element, key, cert, prefixes=None):
    signer = (PrefixListSigner if prefixes else XMLSigner)(
        signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=EXC)
    return signer.sign(element, key=key, cert=[cert], reference_uri="#" + element.get("ID"),
                       inclusive_ns_prefixes=prefixes)


def reparse(element):
    return etree.fromstring(etree.tostring(element))


def find(element, ns, local):
    return element.find(".//" + q(ns, local))


def main():
    os.makedirs(OUT, exist_ok=True)
    key, cert = key_and_cert("idp.example.com")
    evil_key, evil_cert = key_and_cert("attacker.example.com")
    cert_b64 = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()

    metadata = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{IDP}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="{SAMLP}">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>
{cert_b64}
          </ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""
    fixtures = {}

    def signed_assertion(aid="_a1", k=key, c=cert, prefixes=None, **kw):
        return reparse(sign(assertion(aid, **kw), k, c, prefixes=prefixes))

    # Valid: the assertion signed.
    fixtures["valid-assertion-signed"] = response("_r1", [signed_assertion()])
    # Valid: the assertion signed with InclusiveNamespaces PrefixList="xs"
    # (in both canonicalizations), for the prefix in the xsi:type values.
    fixtures["valid-prefixlist"] = response("_r1", [signed_assertion(prefixes=["xs"])])
    # Valid: the Response signed, the assertion inside it unsigned.
    fixtures["valid-response-signed"] = reparse(
        sign(response("_r1", [assertion("_a1", placeholder=False)], placeholder=True), key, cert))
    # Valid: both signed (the assertion first, then the Response around it).
    fixtures["valid-both-signed"] = reparse(sign(response("_r1", [signed_assertion()], placeholder=True), key, cert))

    # For sign-in through the whole service (src/core/service/tests/saml.rs):
    # alice again in another assertion; bob; alice granted two roles of this
    # provider (and one of another); alice granted no role, with attributes
    # for role rules and principal tags.
    fixtures["valid-signin-alice-again"] = response("_r3", [signed_assertion("_a3")])
    fixtures["valid-signin-bob"] = response("_r4", [signed_assertion("_a4", name_id="bob@example.com")])
    fixtures["valid-signin-two-roles"] = response("_r5", [signed_assertion("_a5", attributes=[
        ("https://aws.amazon.com/SAML/Attributes/Role", [ROLE, ADMIN_ROLE, OTHER_ROLE]),
        ("dept", ["eng"]),
    ])])
    fixtures["valid-signin-no-role"] = response("_r6", [signed_assertion("_a6", attributes=[
        ("dept", ["eng"]),
        ("groups", ["admins", "staff"]),
        ("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name", ["Alice Example"]),
    ])])

    # Comment injection: the IdP signed "user@evil.com.attacker.com" (an
    # account the attacker owns); a comment inserted after signing keeps the
    # digest (c14n without comments) but a naive reader sees "user@evil.com".
    ci = response("_r1", [signed_assertion(name_id="user@evil.com.attacker.com")])
    nid = find(ci, SAML, "NameID")
    nid.text = "user@evil.com"
    comment = etree.Comment("")
    comment.tail = ".attacker.com"
    nid.append(comment)
    fixtures["comment-injection"] = ci

    # --- signature wrapping (XSW) ---
    evil = "admin@example.com"
    signed_resp = reparse(sign(response("_r1", [assertion("_a1", placeholder=False)], placeholder=True), key, cert))

    def shadow_response():
        """The signed Response without its Signature (the original content)."""
        s = copy.deepcopy(signed_resp)
        s.remove(s.find(q(DS, "Signature")))
        return s

    def evil_response_from_signed():
        r = copy.deepcopy(signed_resp)
        r.set("ID", "_evil_r")
        a = r.find(q(SAML, "Assertion"))
        a.set("ID", "_evil_a")
        a.find(".//" + q(SAML, "NameID")).text = evil
        return r

    # XSW1: the original Response copied into the Signature; the root is the evil one.
    x = evil_response_from_signed()
    x.find(q(DS, "Signature")).append(shadow_response())
    fixtures["xsw1"] = x
    # XSW2: the original Response copied as a sibling before the Signature (detached).
    x = evil_response_from_signed()
    sig = x.find(q(DS, "Signature"))
    sig.addprevious(shadow_response())
    fixtures["xsw2"] = x

    sa = signed_assertion()

    def evil_assertion(keep_signature):
        e = copy.deepcopy(sa)
        e.set("ID", "_evil_a")
        e.find(".//" + q(SAML, "NameID")).text = evil
        if not keep_signature:
            e.remove(e.find(q(DS, "Signature")))
        return e

    def bare_original():
        o = copy.deepcopy(sa)
        o.remove(o.find(q(DS, "Signature")))
        return o

    # XSW3: an unsigned evil assertion before the signed original.
    fixtures["xsw3"] = response("_r1", [evil_assertion(False), copy.deepcopy(sa)])
    # XSW4: the evil assertion wraps the signed original.
    e = evil_assertion(False)
    e.append(copy.deepcopy(sa))
    fixtures["xsw4"] = response("_r1", [e])
    # XSW5: the evil assertion carries the signature; the original (unsigned) follows.
    fixtures["xsw5"] = response("_r1", [evil_assertion(True), bare_original()])
    # XSW6: the evil assertion carries the signature, the original inside that signature.
    e = evil_assertion(True)
    e.find(q(DS, "Signature")).append(bare_original())
    fixtures["xsw6"] = response("_r1", [e])
    # XSW7: the signed original hidden in an Extensions element; the evil assertion unsigned.
    ext = etree.Element(q(SAMLP, "Extensions"))
    ext.append(copy.deepcopy(sa))
    r = response("_r1", [evil_assertion(False)])
    r.insert(1, ext)
    fixtures["xsw7"] = r
    # XSW8: the evil assertion carries the signature, the original in a ds:Object of it.
    e = evil_assertion(True)
    obj = etree.SubElement(e.find(q(DS, "Signature")), q(DS, "Object"))
    obj.append(bare_original())
    fixtures["xsw8"] = response("_r1", [e])

    # Two assertions, each correctly signed.
    fixtures["two-assertions"] = response("_r1", [signed_assertion("_a1"), signed_assertion("_a2", name_id=evil)])
    # A signed Response (no assertion in it, as an IdP answers a failure)
    # with an unsigned assertion added afterwards.
    r = reparse(sign(response("_r1", [], placeholder=True), key, cert))
    r.append(assertion("_a1", name_id=evil, placeholder=False))
    fixtures["unsigned-assertion-in-signed-response"] = r
    # A signature that is the assertion's child but signs another element
    # (an Extensions element of the Response, signed by the IdP elsewhere).
    ext = etree.Element(q(SAMLP, "Extensions"), nsmap={"samlp": SAMLP}, ID="_ext1")
    etree.SubElement(ext, q(DS, "Signature"), nsmap={"ds": DS}, Id="placeholder")
    signed_ext = reparse(sign(ext, key, cert))
    a = assertion("_a1", name_id=evil, placeholder=False)
    a.insert(1, signed_ext.find(q(DS, "Signature")))
    fixtures["signature-over-other-element"] = response("_r1", [a])
    # Signed by the attacker's key, the attacker's certificate in KeyInfo.
    fixtures["keyinfo-attacker-cert"] = response("_r1", [signed_assertion(k=evil_key, c=evil_cert, name_id=evil)])
    # Tampering after signing.
    r = response("_r1", [signed_assertion()])
    dv = find(r, DS, "DigestValue")
    dv.text = base64.b64encode(bytes(32)).decode()
    fixtures["tampered-digest"] = r
    r = response("_r1", [signed_assertion()])
    sv = find(r, DS, "SignatureValue")
    raw = bytearray(base64.b64decode(sv.text))
    raw[len(raw) // 2] ^= 1
    sv.text = base64.b64encode(bytes(raw)).decode()
    fixtures["tampered-signature"] = r
    r = response("_r1", [signed_assertion()])
    find(r, SAML, "NameID").text = evil
    fixtures["tampered-nameid"] = r
    # Correctly signed, but the content is wrong.
    fixtures["expired"] = response("_r1", [signed_assertion(not_before=-7200, not_on_or_after=-3600)])
    fixtures["not-yet-valid"] = response("_r1", [signed_assertion(not_before=3600, not_on_or_after=7200)])
    fixtures["wrong-audience"] = response("_r1", [signed_assertion(audience="https://other.example.com")])
    fixtures["wrong-recipient"] = response("_r1", [signed_assertion(recipient="https://other.example.com/acs")])
    fixtures["wrong-issuer"] = response("_r1", [signed_assertion(issuer="https://evil.example.com/saml")])
    fixtures["status-failure"] = reparse(sign(response(
        "_r1", [assertion("_a1", placeholder=False)], placeholder=True,
        status="urn:oasis:names:tc:SAML:2.0:status:Responder"), key, cert))
    fixtures["unsigned"] = response("_r1", [assertion("_a1", placeholder=False)])

    texts = {name: etree.tostring(el, encoding="unicode") for name, el in fixtures.items()}
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    texts["billion-laughs"] = (
        f'<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY lol0 "lol">{laughs}]>'
        + texts["valid-assertion-signed"].replace("alice@example.com", "&lol9;", 1)
    )

    for name, text in texts.items():
        with open(os.path.join(OUT, name + ".xml"), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(OUT, "metadata.xml"), "w", encoding="utf-8") as f:
        f.write(metadata)

    table = cross_check(texts, cert_pem)
    with open(os.path.join(OUT, "cross-check.txt"), "w", encoding="utf-8") as f:
        f.write(table)
    print(table)


def cross_check(texts, cert_pem):
    """Each fixture through signxml's XMLVerifier (pinned certificate) and a
    naive reader; fails if a valid fixture does not verify, or if an attack
    on the signature is verified by signxml on the very element a naive
    reader reads."""
    ambiguous = {"two-assertions"}
    semantic = {"expired", "not-yet-valid", "wrong-audience", "wrong-recipient", "wrong-issuer", "status-failure"}
    rows = [("fixture", "signxml (pinned cert)", "signed NameID", "naive NameID", "verdict")]
    failed = []
    for name, text in sorted(texts.items()):
        naive = "-"
        try:
            doc = etree.fromstring(text.encode(), parser=etree.XMLParser(resolve_entities=False))
            a = doc.find(q(SAML, "Assertion"))  # Response/Assertion, as a naive SP reads it
            n = a.find(NAME_ID_PATH) if a is not None else None
            naive = n.text if n is not None else "-"
        except Exception as e:  # noqa: BLE001
            naive = "unparsable: " + type(e).__name__
        signed_nid, outcome = "-", ""
        try:
            config = SignatureConfiguration(expect_references=True)
            # signxml's schema knows no InclusiveNamespaces: skip the schema there.
            results = XMLVerifier().verify(text.encode(), x509_cert=cert_pem, expect_config=config,
                                           validate_schema="InclusiveNamespaces" not in text)
            results = results if isinstance(results, list) else [results]
            signed = results[0].signed_xml
            if signed is not None and etree.QName(signed).localname == "Response":
                signed = signed.find(q(SAML, "Assertion"))
            n = signed.find(NAME_ID_PATH) if signed is not None else None
            signed_nid = "".join(n.itertext()) if n is not None else "(no NameID in signed element)"
            outcome = "verifies " + etree.QName(signed).localname
        except Exception as e:  # noqa: BLE001
            outcome = "refuses (" + type(e).__name__ + ")"
        if name.startswith("valid") or name == "comment-injection":
            ok = outcome.startswith("verifies")
            verdict = "valid, verified" if ok else "VALID FIXTURE NOT VERIFIED"
            if name == "comment-injection":
                verdict += "; naive reader truncates" if naive != signed_nid else "; NOT a truncation"
        elif name in ambiguous:
            ok = outcome.startswith("verifies")
            verdict = "signxml verifies one signature of two; which subject is meant is ambiguous"
        elif name in semantic:
            ok = outcome.startswith("verifies")
            verdict = "signature fine; refused on SAML content" if ok else "SIGNATURE SHOULD VERIFY"
        else:
            ok = outcome.startswith("refuses") or signed_nid != naive
            verdict = ("signxml refuses" if outcome.startswith("refuses")
                       else "signxml verifies another element than the naive reader reads") if ok \
                else "ATTACK NOT DETECTABLE"
        if not ok:
            failed.append(name)
        rows.append((name, outcome, signed_nid, naive, verdict))
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    if failed:
        print("\n".join(lines))
        sys.exit("cross-check failed: " + ", ".join(failed))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
