#!/usr/bin/env python3
"""A SAML 2.0 identity provider for the end-to-end tests (tests/e2e/saml.test.mjs):
it signs real responses with signxml, an independent XML signer, as an IdP
would post them (HTTP-POST binding, base64).

    target/saml/bin/python tests/e2e/saml_idp.py keygen DIR ENTITY_ID
        writes DIR/key.pem, DIR/cert.pem and DIR/metadata.xml (the IdP's
        metadata: its entityID and signing certificate)
    target/saml/bin/python tests/e2e/saml_idp.py sign --dir DIR --issuer ID \\
        --audience A --recipient R --name-id N [--attr NAME=VALUE ...] \\
        [--now EPOCH] [--lifetime S] [--id ASSERTION_ID] [--tamper nameid|xsw]
        prints the base64 SAMLResponse: the assertion signed with DIR's key;
        `--tamper nameid` changes the NameID after signing, `--tamper xsw`
        puts an unsigned assertion for another user before the signed one.

Attributes given twice are one attribute of several values.
"""

import argparse
import base64
import copy
import datetime
import os
import sys
import time
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"


def q(ns, local):
    return "{%s}%s" % (ns, local)


def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def keygen(folder, entity_id):
    os.makedirs(folder, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "e2e saml idp")])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    with open(os.path.join(folder, "key.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(folder, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    metadata = f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="{SAMLP}">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{entity_id}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""
    with open(os.path.join(folder, "metadata.xml"), "w", encoding="utf-8") as f:
        f.write(metadata)


def assertion(a):
    el = etree.Element(q(SAML, "Assertion"), nsmap={"saml": SAML}, ID=a.id, Version="2.0", IssueInstant=iso(a.now))
    etree.SubElement(el, q(SAML, "Issuer")).text = a.issuer
    etree.SubElement(el, q(DS, "Signature"), nsmap={"ds": DS}, Id="placeholder")
    subject = etree.SubElement(el, q(SAML, "Subject"))
    etree.SubElement(subject, q(SAML, "NameID"),
                     Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent").text = a.name_id
    sc = etree.SubElement(subject, q(SAML, "SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    etree.SubElement(sc, q(SAML, "SubjectConfirmationData"), NotOnOrAfter=iso(a.now + a.lifetime),
                     Recipient=a.recipient)
    cond = etree.SubElement(el, q(SAML, "Conditions"), NotBefore=iso(a.now - 60), NotOnOrAfter=iso(a.now + a.lifetime))
    etree.SubElement(etree.SubElement(cond, q(SAML, "AudienceRestriction")), q(SAML, "Audience")).text = a.audience
    authn = etree.SubElement(el, q(SAML, "AuthnStatement"), AuthnInstant=iso(a.now), SessionIndex="_s1")
    etree.SubElement(etree.SubElement(authn, q(SAML, "AuthnContext")), q(SAML, "AuthnContextClassRef")).text = \
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    attributes = {}
    for pair in a.attr:
        name, _, value = pair.partition("=")
        attributes.setdefault(name, []).append(value)
    if attributes:
        stmt = etree.SubElement(el, q(SAML, "AttributeStatement"))
        for name, values in attributes.items():
            attr = etree.SubElement(stmt, q(SAML, "Attribute"), Name=name,
                                    NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
            for value in values:
                etree.SubElement(attr, q(SAML, "AttributeValue")).text = value
    return el


def sign(a):
    with open(os.path.join(a.dir, "key.pem"), "rb") as f:
        key = f.read()
    with open(os.path.join(a.dir, "cert.pem"), "rb") as f:
        cert = f.read()
    signer = XMLSigner(signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=EXC)
    signed = etree.fromstring(etree.tostring(
        signer.sign(assertion(a), key=key, cert=cert.decode(), reference_uri="#" + a.id)))
    response = etree.Element(q(SAMLP, "Response"), nsmap={"samlp": SAMLP, "saml": SAML}, ID="_r" + uuid.uuid4().hex,
                             Version="2.0", IssueInstant=iso(a.now), Destination=a.recipient)
    etree.SubElement(response, q(SAML, "Issuer")).text = a.issuer
    status = etree.SubElement(response, q(SAMLP, "Status"))
    etree.SubElement(status, q(SAMLP, "StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    if a.tamper == "xsw":
        evil = copy.deepcopy(signed)
        evil.set("ID", "_evil" + uuid.uuid4().hex)
        evil.remove(evil.find(q(DS, "Signature")))
        evil.find(".//" + q(SAML, "NameID")).text = "admin"
        response.append(evil)
    response.append(signed)
    if a.tamper == "nameid":
        signed.find(".//" + q(SAML, "NameID")).text = "admin"
    return base64.b64encode(etree.tostring(response)).decode()


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "keygen":
        if len(sys.argv) != 4:
            sys.exit("usage: saml_idp.py keygen DIR ENTITY_ID")
        keygen(sys.argv[2], sys.argv[3])
        return
    p = argparse.ArgumentParser(prog="saml_idp.py sign")
    p.add_argument("command", choices=["sign"])
    p.add_argument("--dir", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--audience", required=True)
    p.add_argument("--recipient", required=True)
    p.add_argument("--name-id", required=True)
    p.add_argument("--attr", action="append", default=[])
    p.add_argument("--now", type=int, default=int(time.time()))
    p.add_argument("--lifetime", type=int, default=300)
    p.add_argument("--id", default="_a" + uuid.uuid4().hex)
    p.add_argument("--tamper", choices=["nameid", "xsw"])
    print(sign(p.parse_args()))


if __name__ == "__main__":
    main()
