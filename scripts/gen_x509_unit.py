#!/usr/bin/env python3
"""Generate the certificates of the X.509 unit tests: tests/data/x509-unit/.

tests/unit/test_cert.c, test_x509_verify.c and test_hostname.c read these
files (DER unless named .pem). Every file is described in MANIFEST.txt,
which this script writes too.

Determinism: Ed25519 and EC keys are derived from a hash of their name,
RSA/DSA keys are generated once and kept in keys/ (re-used on later runs),
dates and serial numbers are fixed, ECDSA signs deterministically (RFC 6979)
and Ed25519 / RSA PKCS#1 v1.5 signatures are deterministic by construction.
Only RSASSA-PSS signatures (random salt) change from run to run.

Certificates that `cryptography` refuses to build (duplicate extensions, v1
with extensions, DEFAULT values encoded, ...) are made by editing the DER of
a valid certificate with the small TLV helpers below and signing the edited
TBSCertificate again.

Usage: scripts/gen_x509_unit.py [--out DIR]
"""
import argparse
import datetime
import hashlib
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "data", "x509-unit")

T0 = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
T_END = datetime.datetime(2040, 1, 1, tzinfo=datetime.timezone.utc)
# Tests validate at 2030-01-01T00:00:00Z (1893456000) unless they say otherwise.

manifest = []


# ---------------------------------------------------------------------------
# keys
# ---------------------------------------------------------------------------

def seed(name, n=32):
    return hashlib.sha256(name.encode()).digest()[:n]


def ed_key(name):
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed("ed25519:" + name))


def ec_key(name, curve=ec.SECP256R1):
    # A 160-bit scalar is below the order of every curve used here (P-192 up).
    d = int.from_bytes(hashlib.sha256(("ec:" + name).encode()).digest()[:20], "big") + 1
    return ec.derive_private_key(d, curve())


def stored_key(name, make):
    path = os.path.join(OUT, "keys", name + ".pem")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return serialization.load_pem_private_key(f.read(), None)
    key = make()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return key


def rsa_key(name, bits=2048):
    return stored_key("rsa%d-%s" % (bits, name),
                      lambda: rsa.generate_private_key(public_exponent=65537, key_size=bits))


# ---------------------------------------------------------------------------
# certificates
# ---------------------------------------------------------------------------

def name(cn, o=None):
    attrs = []
    if o:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    if cn is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def ski_of(key):
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key()).digest


def make(subject, key, issuer=None, issuer_key=None, *, ca=False, pathlen=None, bc=True,
         bc_critical=True, ku=None, ku_critical=True, eku=None, eku_critical=False, san=None,
         san_critical=False, nc=None, nc_critical=True, ski=True, aki=True, extra=(),
         serial=None, nb=T0, na=T_END, hash_alg=None, rsa_padding=None, issuer_cert=None):
    """One certificate. issuer=None makes it self-signed. ku: a set of names
    of x509.KeyUsage's arguments; eku: a list of OIDs; san: a list of
    GeneralNames; nc: (permitted, excluded) lists of GeneralNames."""
    if issuer is None:
        issuer, issuer_key = subject, key
    b = x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
    b = b.public_key(key.public_key())
    b = b.serial_number(serial if serial is not None else
                        int.from_bytes(seed("serial:" + subject.rfc4514_string() +
                                            issuer.rfc4514_string() + str(na), 16), "big") >> 2)
    b = b.not_valid_before(nb).not_valid_after(na)
    if bc:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), bc_critical)
    if ku is None:
        ku = {"key_cert_sign", "crl_sign"} if ca else {"digital_signature"}
    if ku:
        args = dict(digital_signature=False, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=False,
                    crl_sign=False, encipher_only=False, decipher_only=False)
        for k in ku:
            args[k] = True
        b = b.add_extension(x509.KeyUsage(**args), ku_critical)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), eku_critical)
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), san_critical)
    if nc:
        b = b.add_extension(x509.NameConstraints(nc[0] or None, nc[1] or None), nc_critical)
    if ski:
        b = b.add_extension(x509.SubjectKeyIdentifier(ski if isinstance(ski, bytes) else
                                                      ski_of(key)), False)
    if aki and issuer_key is not None:
        kid = aki if isinstance(aki, bytes) else ski_of(issuer_key)
        b = b.add_extension(x509.AuthorityKeyIdentifier(kid, None, None), False)
    for ext, crit in extra:
        b = b.add_extension(ext, crit)
    if isinstance(issuer_key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return b.sign(issuer_key, None)
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        return b.sign(issuer_key, hash_alg or hashes.SHA256(), ecdsa_deterministic=True)
    return b.sign(issuer_key, hash_alg or hashes.SHA256(), rsa_padding=rsa_padding)


def write(fname, data, what):
    path = os.path.join(OUT, fname)
    with open(path, "wb") as f:
        f.write(data)
    manifest.append((fname, what))


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def save(fname, cert, what):
    write(fname, der(cert), what)
    return cert


# ---------------------------------------------------------------------------
# DER editing
# ---------------------------------------------------------------------------

def enc_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + enc_len(len(body)) + body


def split(body):
    """The TLV elements of a constructed body, as raw bytes."""
    out, i = [], 0
    while i < len(body):
        l0 = body[i + 1]
        if l0 < 0x80:
            hl, n = 2, l0
        else:
            k = l0 & 0x7F
            hl, n = 2 + k, int.from_bytes(body[i + 2:i + 2 + k], "big")
        out.append(body[i:i + hl + n])
        i += hl + n
    return out


def content_len(elem):
    l0 = elem[1]
    if l0 < 0x80:
        return l0
    k = l0 & 0x7F
    return int.from_bytes(elem[2:2 + k], "big")


def body_of(elem):
    return elem[len(elem) - content_len(elem):]


def cert_parts(cert_der):
    tbs, alg, sig = split(body_of(cert_der))
    return tbs, alg, sig


def resign(tbs_fields, key, alg_elem):
    """A certificate from TBSCertificate fields (a list of raw elements),
    signed with an Ed25519 key."""
    tbs = tlv(0x30, b"".join(tbs_fields))
    sig = key.sign(tbs)
    return tlv(0x30, tbs + alg_elem + tlv(0x03, b"\x00" + sig))


def with_alg(cert, alg_elem, sign):
    """The certificate with both signature AlgorithmIdentifiers replaced and
    the TBSCertificate signed again by sign(tbs) -> signature bytes. For the
    weak algorithms `cryptography` no longer signs certificates with."""
    tbs, _, _ = cert_parts(der(cert))
    fields = split(body_of(tbs))
    fields[2] = alg_elem
    tbs = tlv(0x30, b"".join(fields))
    return tlv(0x30, tbs + alg_elem + tlv(0x03, b"\x00" + sign(tbs)))


ALG_SHA1_RSA = tlv(0x30, tlv(0x06, b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05") + tlv(0x05, b""))
ALG_ECDSA_SHA1 = tlv(0x30, tlv(0x06, b"\x2a\x86\x48\xce\x3d\x04\x01"))


def edit_extensions(cert, key, fn):
    """Applies fn to the list of Extension elements of an Ed25519-signed
    certificate and signs the result with key."""
    tbs, alg, _ = cert_parts(der(cert))
    fields = split(body_of(tbs))
    ext_wrapper = fields[-1]
    assert ext_wrapper[0] == 0xA3
    exts = split(body_of(split(body_of(ext_wrapper))[0]))
    exts = fn(exts)
    fields[-1] = tlv(0xA3, tlv(0x30, b"".join(exts)))
    return resign(fields, key, alg)


def ext(oid_der, value, critical=None):
    body = tlv(0x06, oid_der)
    if critical is not None:
        body += tlv(0x01, b"\xff" if critical else b"\x00")
    return tlv(0x30, body + tlv(0x04, value))


# ---------------------------------------------------------------------------
# the sets
# ---------------------------------------------------------------------------

def gen_decode():
    """Certificates for test_cert.c: one per key type and signature algorithm."""
    rsa2048 = rsa_key("decode")
    for h, hn in ((hashes.SHA256(), "sha256"), (hashes.SHA384(), "sha384"),
                  (hashes.SHA512(), "sha512")):
        save("rsa-pkcs1-%s.der" % hn, make(name("rsa-pkcs1-" + hn, "Decode"), rsa2048,
                                           hash_alg=h, ca=True),
             "self-signed RSA-2048 CA, %sWithRSAEncryption" % hn)
        save("rsa-pss-%s.der" % hn,
             make(name("rsa-pss-" + hn), rsa2048, hash_alg=h, ca=True,
                  rsa_padding=padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)),
             "self-signed RSA-2048 CA, RSASSA-PSS %s, MGF1 same hash, salt = hash length" % hn)
    save("rsa-pss-sha384-salt32.der",
         make(name("rsa-pss-odd-salt"), rsa2048, hash_alg=hashes.SHA384(), ca=True,
              rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=32)),
         "RSASSA-PSS SHA-384 with a 32-byte salt (decodes, unsupported)")
    write("rsa-sha1.der", with_alg(make(name("rsa-sha1"), rsa2048, ca=True), ALG_SHA1_RSA,
                                   lambda t: rsa2048.sign(t, padding.PKCS1v15(), hashes.SHA1())),
          "self-signed RSA-2048, sha1WithRSAEncryption (weak)")
    for curve, h, tag in ((ec.SECP256R1, hashes.SHA256(), "p256-sha256"),
                          (ec.SECP384R1, hashes.SHA384(), "p384-sha384"),
                          (ec.SECP521R1, hashes.SHA512(), "p521-sha512"),
                          (ec.SECP384R1, hashes.SHA256(), "p384-sha256")):
        save("ec-%s.der" % tag, make(name("ec-" + tag), ec_key("decode-" + tag, curve),
                                     hash_alg=h, ca=True),
             "self-signed EC %s CA, ecdsa-with-%s" % (curve.name, h.name))
    k1 = ec_key("decode-p256-sha1")
    write("ec-p256-sha1.der", with_alg(make(name("ec-p256-sha1"), k1, ca=True), ALG_ECDSA_SHA1,
                                       lambda t: k1.sign(t, ec.ECDSA(hashes.SHA1(), deterministic_signing=True))),
          "self-signed EC P-256, ecdsa-with-SHA1 (weak)")
    save("ec-p192.der", make(name("ec-p192"), ec_key("decode-p192", ec.SECP192R1),
                             hash_alg=hashes.SHA256(), ca=True),
         "self-signed EC P-192 (unsupported curve)")
    save("ed25519.der", make(name("ed25519"), ed_key("decode"), ca=True),
         "self-signed Ed25519 CA")
    save("ed448.der", make(name("ed448"), ed448.Ed448PrivateKey.from_private_bytes(
        hashlib.shake_256(b"ed448:decode").digest(57)), ca=True), "self-signed Ed448 CA")
    dsa_k = stored_key("dsa2048-decode", lambda: dsa.generate_private_key(2048))
    save("dsa.der", make(name("dsa"), dsa_k, hash_alg=hashes.SHA256(), ca=True),
         "self-signed DSA (unsupported key and signature)")

    # A subject for RFC 4514 printing.
    subj = x509.Name([
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME,
                                                           "Baden-Württemberg")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                                           "Example, Inc.")]),
        x509.RelativeDistinguishedName([
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "R+D"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "#1 ")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(
            NameOID.LOCALITY_NAME, "Zürich", _type=x509.name._ASN1Type.BMPString)]),
        x509.RelativeDistinguishedName([x509.NameAttribute(ObjectIdentifier("1.2.3.4"),
                                                           "x<y>\"z\\;")]),
        x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME,
                                                           "www.example.com")]),
    ])
    save("names.der", make(subj, ed_key("names"), san=[x509.DNSName("www.example.com")]),
         "a subject exercising RFC 4514 escaping, multi-valued RDNs, BMPString, UTF-8")

    # Extensions of every kind the decoder understands.
    k = ed_key("allext")
    ca = make(name("allext-ca"), ed_key("allext-ca"), ca=True)
    full = make(name("allext.example", "AllExt"), k, issuer=ca.subject,
                issuer_key=ed_key("allext-ca"),
                ku={"digital_signature", "key_encipherment"},
                eku=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
                san=[x509.DNSName("allext.example"), x509.DNSName("*.allext.example"),
                     x509.IPAddress(ipaddress.ip_address("192.0.2.7")),
                     x509.IPAddress(ipaddress.ip_address("2001:db8::7")),
                     x509.RFC822Name("admin@allext.example"),
                     x509.UniformResourceIdentifier("https://allext.example/"),
                     x509.DirectoryName(name("dir"))],
                extra=[(x509.CertificatePolicies([x509.PolicyInformation(
                    ObjectIdentifier("2.23.140.1.2.1"), ["https://cps.example/"])]), False),
                    (x509.AuthorityInformationAccess([x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier("http://ca.example/ca.der"))]), False)])
    save("allext.der", full, "Ed25519 leaf with KU, EKU, SAN of several forms, "
         "certificatePolicies, AIA, SKI, AKI")
    nc = make(name("nc-ca"), ed_key("nc-ca"), ca=True, pathlen=3,
              nc=([x509.DNSName("example.com"), x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))],
                  [x509.DNSName("bad.example.com")]))
    save("nc-ca.der", nc, "CA with pathLen 3 and name constraints")

    # Structural rejections, by DER editing of a valid Ed25519 leaf.
    key = ed_key("bad")
    base = make(name("bad.example"), key, san=[x509.DNSName("bad.example")],
                eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    tbs, alg, sig = cert_parts(der(base))
    fields = split(body_of(tbs))
    # fields: [0] version, serial, sig alg, issuer, validity, subject, spki, [3] exts
    save("bad-base.der", base, "the valid leaf the bad-*.der files are edited from")
    write("bad-dup-ext.der", edit_extensions(base, key, lambda e: e + [e[-1]]),
          "an extension twice")
    write("bad-critical-false.der",
          edit_extensions(base, key, lambda e: e + [ext(b"\x55\x1d\x20",
                                                        tlv(0x30, tlv(0x30, tlv(0x06, b"\x67\x81\x0c\x01\x02\x01")))
                                                        , critical=False)]),
          "an extension encoding critical FALSE (a DEFAULT)")
    write("bad-unknown-critical.der",
          edit_extensions(base, key, lambda e: e + [ext(b"\x2b\x06\x01\x04\x01\x83\xb2\x3a\x85\x1a\x01",
                                                        tlv(0x05, b""), critical=True)]),
          "an unknown critical extension 1.3.6.1.4.1.55738.666.1 (decodes; validation refuses)")
    write("bad-empty-eku.der",
          edit_extensions(base, key, lambda e: [x for x in e if b"\x55\x1d\x25" not in x[:8]] +
                          [ext(b"\x55\x1d\x25", tlv(0x30, b""))]),
          "an empty extKeyUsage")
    write("bad-ku-zero.der",
          edit_extensions(base, key, lambda e: [x for x in e if b"\x55\x1d\x0f" not in x[:8]] +
                          [ext(b"\x55\x1d\x0f", tlv(0x03, b"\x00\x00"), critical=True)]),
          "a keyUsage with no bit set")
    write("bad-bc-ca-false.der",
          edit_extensions(base, key, lambda e: [x for x in e if b"\x55\x1d\x13" not in x[:8]] +
                          [ext(b"\x55\x1d\x13", tlv(0x30, tlv(0x01, b"\x00")), critical=True)]),
          "basicConstraints encoding cA FALSE (a DEFAULT)")
    write("bad-san-ip-len.der",
          edit_extensions(base, key, lambda e: [x for x in e if b"\x55\x1d\x11" not in x[:8]] +
                          [ext(b"\x55\x1d\x11", tlv(0x30, tlv(0x87, b"\xc0\x00\x02\x00\xff\xff\xff\x00")))]),
          "a SAN iPAddress of 8 bytes (a CIDR, not an address)")
    write("bad-san-utf8.der",
          edit_extensions(base, key, lambda e: [x for x in e if b"\x55\x1d\x11" not in x[:8]] +
                          [ext(b"\x55\x1d\x11", tlv(0x30, tlv(0x82, "😜.example".encode())))]),
          "a SAN dNSName with non-ASCII bytes")
    write("bad-san-trailing.der",
          edit_extensions(base, key, lambda e: [x for x in e if b"\x55\x1d\x11" not in x[:8]] +
                          [ext(b"\x55\x1d\x11", tlv(0x30, tlv(0x82, b"a.example")) + b"\x00")]),
          "bytes after the SAN value inside extnValue")
    write("bad-nc-empty.der",
          edit_extensions(base, key, lambda e: e + [ext(b"\x55\x1d\x1e", tlv(0x30, b""), True)]),
          "an empty nameConstraints")
    write("bad-nc-minimum.der",
          edit_extensions(base, key, lambda e: e + [ext(
              b"\x55\x1d\x1e", tlv(0x30, tlv(0xA0, tlv(0x30, tlv(0x82, b"example.com") +
                                                       tlv(0x80, b"\x01")))), True)]),
          "a GeneralSubtree with a minimum")
    write("bad-aki-issuer-only.der",
          edit_extensions(base, key, lambda e: [x for x in e if b"\x55\x1d\x23" not in x[:8]] +
                          [ext(b"\x55\x1d\x23", tlv(0x30, tlv(0x80, b"\x01\x02") +
                                                    tlv(0xA1, tlv(0xA4, der_name("x")))))]),
          "an authorityKeyIdentifier with authorityCertIssuer but no serial")
    write("bad-ext-empty-list.der",
          resign(fields[:-1] + [tlv(0xA3, tlv(0x30, b""))], key, alg),
          "an empty extensions SEQUENCE")
    write("bad-v1-with-ext.der", resign(fields[1:], key, alg),
          "no version field (v1) but extensions")
    write("bad-v1-explicit.der", resign([tlv(0xA0, tlv(0x02, b"\x00"))] + fields[1:-1], key, alg),
          "version v1 encoded explicitly")
    write("bad-version-9.der", resign([tlv(0xA0, tlv(0x02, b"\x08"))] + fields[1:], key, alg),
          "an unknown version number")
    write("v1.der", resign(fields[1:-1], key, alg), "a valid v1 certificate (no extensions)")
    write("bad-alg-mismatch.der",
          resign(fields[:2] + [tlv(0x30, tlv(0x06, b"\x2b\x65\x71"))] + fields[3:], key, alg),
          "TBSCertificate names Ed448, signatureAlgorithm Ed25519")
    write("bad-serial-negative.der", resign(fields[:1] + [tlv(0x02, b"\x80\x01")] + fields[2:],
                                            key, alg),
          "a negative serial number (decodes; validation refuses)")
    write("bad-serial-long.der", resign(fields[:1] + [tlv(0x02, b"\x01" * 21)] + fields[2:],
                                        key, alg),
          "a 21-octet serial number (decodes; validation refuses)")
    write("bad-ed25519-len.der",
          resign(fields[:6] + [tlv(0x30, tlv(0x30, tlv(0x06, b"\x2b\x65\x70")) +
                                   tlv(0x03, b"\x00" + b"\x01" * 31))] + fields[7:], key, alg),
          "an Ed25519 key of 31 bytes")
    write("bad-rsa-params.der",
          resign(fields[:6] + [tlv(0x30, tlv(0x30, tlv(0x06, b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01")) +
                                   tlv(0x03, b"\x00" + tlv(0x30, tlv(0x02, b"\x00\xc1" + b"\x11" * 255) +
                                                           tlv(0x02, b"\x01\x00\x01"))))] +
                 fields[7:], key, alg),
          "rsaEncryption without its NULL parameters")
    write("ec-explicit.der",
          resign(fields[:6] + [tlv(0x30, tlv(0x30, tlv(0x06, b"\x2a\x86\x48\xce\x3d\x02\x01") +
                                             tlv(0x30, tlv(0x02, b"\x01"))) +
                                   tlv(0x03, b"\x00\x04" + b"\x01" * 64))] + fields[7:], key, alg),
          "an EC key with explicit (specifiedCurve) parameters (decodes; unusable)")
    write("bad-unique-id-v1.der",
          resign(fields[1:-1] + [tlv(0x81, b"\x00\x01")], key, alg),
          "an issuerUniqueID in a v1 certificate")
    write("v2-unique-id.der",
          resign([tlv(0xA0, tlv(0x02, b"\x01"))] + fields[1:-1] + [tlv(0x81, b"\x00\x01")], key,
                 alg),
          "a v2 certificate with an issuerUniqueID")
    with open(os.path.join(OUT, "chain.pem"), "wb") as f:
        f.write(b"Explanatory text before the first block.\n")
        f.write(pem(base))
        f.write(b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n")
        f.write(pem(full, ca))
    manifest.append(("chain.pem", "PEM: text, bad-base, a PRIVATE KEY block (skipped), allext, allext-ca"))


def der_name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]).public_bytes()


def gen_verify():
    """Chains for test_x509_verify.c (Ed25519 unless said otherwise)."""
    rk, ik, lk = ed_key("root"), ed_key("ica"), ed_key("leaf")
    root = save("root.der", make(name("Unit Root", "Lucid"), rk, ca=True), "root CA")
    ica = save("ica.der", make(name("Unit ICA", "Lucid"), ik, root.subject, rk, ca=True,
                               pathlen=0), "intermediate CA under root, pathLen 0")
    leaf_san = [x509.DNSName("example.com"), x509.DNSName("www.example.com"),
                x509.IPAddress(ipaddress.ip_address("192.0.2.1"))]

    def leaf(fname, what, subject=None, key=lk, issuer=ica, issuer_key=ik, **kw):
        kw.setdefault("san", leaf_san)
        kw.setdefault("eku", [ExtendedKeyUsageOID.SERVER_AUTH])
        return save(fname, make(subject or name("example.com"), key, issuer.subject, issuer_key,
                                **kw), what)

    leaf("leaf.der", "leaf under ica: example.com, www.example.com, 192.0.2.1; serverAuth")
    leaf("leaf-short.der", "leaf valid 2020-01-01..2025-06-01",
         na=datetime.datetime(2025, 6, 1, tzinfo=datetime.timezone.utc))
    leaf("leaf-future.der", "leaf valid from 2035-01-01",
         nb=datetime.datetime(2035, 1, 1, tzinfo=datetime.timezone.utc))
    leaf("leaf-client.der", "leaf with EKU clientAuth only",
         eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    leaf("leaf-noeku.der", "leaf without EKU", eku=None)
    leaf("leaf-anyeku.der", "leaf with EKU serverAuth + anyExtendedKeyUsage",
         eku=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
    leaf("leaf-ku-keyenc.der", "leaf with keyUsage keyEncipherment only",
         ku={"key_encipherment"})
    leaf("leaf-ku-certsign.der", "leaf (cA FALSE) asserting keyCertSign",
         ku={"digital_signature", "key_cert_sign"})
    leaf("leaf-is-ca.der", "a CA certificate (cA TRUE) in leaf position", ca=True)
    leaf("leaf-noaki.der", "leaf without authorityKeyIdentifier", aki=False)
    leaf("leaf-unknown-crit.der", "leaf with an unknown critical extension",
         extra=[(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55738.666.1"),
                                             b"\x05\x00"), True)])
    leaf("leaf-cn-mismatch.der", "leaf whose CN other.example.com is not in its SAN; "
         "serverAuth and clientAuth", subject=name("other.example.com"),
         eku=[ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
    leaf("leaf-cn-descriptive.der", "leaf with the descriptive CN 'Example Server'",
         subject=name("Example Server"))
    leaf("leaf-wild.der", "leaf for *.example.com", san=[x509.DNSName("*.example.com")],
         subject=name("*.example.com"))
    leaf("leaf-other.der", "leaf for other.org", san=[x509.DNSName("other.org")],
         subject=name("other.org"))
    leaf("leaf-bad.example.com.der", "leaf for bad.example.com",
         san=[x509.DNSName("bad.example.com")], subject=name("bad.example.com"))
    leaf("leaf-ip10.der", "leaf for 10.1.2.3 and 192.0.2.1",
         san=[x509.IPAddress(ipaddress.ip_address("10.1.2.3")),
              x509.IPAddress(ipaddress.ip_address("192.0.2.1"))], subject=name("IP Leaf"))
    leaf("leaf-email.der", "leaf with an e-mail SAN", subject=name("Mail Leaf"),
         san=[x509.DNSName("example.com"), x509.RFC822Name("a@example.com")])
    leaf("leaf-uri.der", "leaf with a URI SAN", subject=name("URI Leaf"),
         san=[x509.DNSName("example.com"), x509.UniformResourceIdentifier("https://example.com/")])
    leaf("leaf-lucid.der", "leaf whose subject is O=Lucid, CN=example.com",
         subject=name("example.com", "Lucid"))
    # Leaf signed directly by the root (root -> leaf).
    leaf("leaf-by-root.der", "leaf issued directly by root", issuer=root, issuer_key=rk)
    # Self-signed leaf for pinning.
    save("pinned.der", make(name("pinned.example"), ed_key("pinned"), ca=False,
                            san=[x509.DNSName("pinned.example")],
                            eku=[ExtendedKeyUsageOID.SERVER_AUTH]),
         "a self-signed end-entity certificate (cA FALSE)")
    save("unrelated.der", make(name("Unrelated Root"), ed_key("unrelated"), ca=True),
         "an unrelated self-signed root")

    # Cross-signing / candidates.
    decoy_k = ed_key("ica-decoy")
    save("ica-decoy.der", make(name("Unit ICA", "Lucid"), decoy_k, root.subject, rk, ca=True,
                               ski=ski_of(ik)),
         "same subject and SKI as ica but another key: its signature on leaf fails")
    r2k = ed_key("root2")
    root2 = save("root2.der", make(name("Unit Root 2", "Lucid"), r2k, ca=True), "second root")
    save("ica-by-root2.der", make(name("Unit ICA", "Lucid"), ik, root2.subject, r2k, ca=True,
                                  pathlen=0), "ica's key cross-signed by root2")
    save("ica-expired.der", make(name("Unit ICA", "Lucid"), ik, root.subject, rk, ca=True,
                                 pathlen=0,
                                 na=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)),
         "ica's key under root, expired 2025-01-01")
    save("ica-future.der", make(name("Unit ICA", "Lucid"), ik, root.subject, rk, ca=True,
                                pathlen=0,
                                nb=datetime.datetime(2035, 1, 1, tzinfo=datetime.timezone.utc)),
         "ica's key under root, valid from 2035")
    save("root-expired.der", make(name("Unit Root", "Lucid"), rk, ca=True,
                                  na=datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)),
         "root's key and name, expired 2025-01-01")

    # Issuer profile failures (each signs with ik's key under root, same name
    # as ica so that leaf.der chains through it).
    def ica_variant(fname, what, **kw):
        kw.setdefault("ca", True)
        return save(fname, make(name("Unit ICA", "Lucid"), ik, root.subject, rk, **kw), what)

    ica_variant("ica-nobc.der", "ica without basicConstraints", bc=False, ca=False,
                ku={"key_cert_sign"})
    ica_variant("ica-notca.der", "ica with cA FALSE", ca=False, ku={"digital_signature"})
    ica_variant("ica-bc-noncrit.der", "ica with a non-critical basicConstraints",
                bc_critical=False)
    ica_variant("ica-ku-nocertsign.der", "ica whose keyUsage lacks keyCertSign",
                ku={"digital_signature", "crl_sign"})
    ica_variant("ica-eku-client.der", "ica restricted to clientAuth by EKU",
                eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    ica_variant("ica-eku-server.der", "ica restricted to serverAuth by EKU",
                eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    ica_variant("ica-noski.der", "ica without subjectKeyIdentifier", ski=False)
    ica_variant("ica-unknown-crit.der", "ica with an unknown critical extension",
                extra=[(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55738.666.1"),
                                                    b"\x05\x00"), True)])
    ica_variant("ica-nc.der", "ica permitting example.com and 192.0.2.0/24, excluding "
                "bad.example.com",
                nc=([x509.DNSName("example.com"),
                     x509.IPAddress(ipaddress.ip_network("192.0.2.0/24"))],
                    [x509.DNSName("bad.example.com")]))
    ica_variant("ica-nc-excl-wild.der", "ica excluding www.example.com",
                nc=([], [x509.DNSName("www.example.com")]))
    ica_variant("ica-nc-ip.der", "ica permitting only 10.0.0.0/8",
                nc=([x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))], []))
    ica_variant("ica-nc-email.der", "ica permitting mailboxes at example.org only",
                nc=([x509.RFC822Name("example.org")], []))
    ica_variant("ica-nc-uri.der", "ica excluding URIs of example.com",
                nc=([], [x509.UniformResourceIdentifier("example.com")]))
    ica_variant("ica-nc-bad-dns.der", "ica with the malformed DNS constraint .example.com",
                nc=([x509.DNSName(".example.com")], []))
    ica_variant("ica-nc-dirname.der", "ica permitting the directory O=Lucid only",
                nc=([x509.DirectoryName(x509.Name([x509.NameAttribute(
                    NameOID.ORGANIZATION_NAME, "Lucid")]))], []))
    # pathLen: root -> ica1 (pathlen 0) -> ica2 -> leaf2
    i2k = ed_key("ica2")
    ica1p0 = save("ica1-pathlen0.der", make(name("Unit ICA1"), ik, root.subject, rk, ca=True,
                                            pathlen=0), "ica1 with pathLen 0")
    save("ica1-pathlen1.der", make(name("Unit ICA1"), ik, root.subject, rk, ca=True, pathlen=1),
         "ica1 (same key) with pathLen 1")
    save("ica2.der", make(name("Unit ICA2"), i2k, ica1p0.subject, ik, ca=True),
         "ica2 under ica1")
    save("leaf2.der", make(name("example.com"), lk, name("Unit ICA2"), i2k, san=leaf_san,
                           eku=[ExtendedKeyUsageOID.SERVER_AUTH]), "leaf under ica2")
    # A self-issued key-rollover certificate: ica1's name, new key, signed by old key.
    nk = ed_key("ica1-new")
    save("ica1-rollover.der", make(name("Unit ICA1"), nk, name("Unit ICA1"), ik, ca=True),
         "self-issued: ica1's name with a new key, signed by ica1's old key")
    save("leaf-rollover.der", make(name("example.com"), lk, name("Unit ICA1"), nk, san=leaf_san,
                                   eku=[ExtendedKeyUsageOID.SERVER_AUTH]),
         "leaf under the rolled-over ica1 key")

    # Deep chain: root -> d1 -> ... -> d6 -> leaf-deep
    prev_name, prev_key = root.subject, rk
    for i in range(1, 7):
        k = ed_key("deep%d" % i)
        c = save("deep%d.der" % i, make(name("Deep %d" % i), k, prev_name, prev_key, ca=True),
                 "deep chain intermediate %d" % i)
        prev_name, prev_key = c.subject, k
    save("leaf-deep.der", make(name("example.com"), lk, prev_name, prev_key, san=leaf_san,
                               eku=[ExtendedKeyUsageOID.SERVER_AUTH]),
         "leaf under deep6 (path of 8 with the root)")

    # Loop: A and B sign each other; leaf-loop under A. No anchor.
    ak, bk = ed_key("loopA"), ed_key("loopB")
    save("loop-a.der", make(name("Loop A"), ak, name("Loop B"), bk, ca=True), "A signed by B")
    save("loop-b.der", make(name("Loop B"), bk, name("Loop A"), ak, ca=True), "B signed by A")
    save("leaf-loop.der", make(name("example.com"), lk, name("Loop A"), ak, san=leaf_san),
         "leaf under A")

    # Hostile: 60 intermediates, one name, one SKI, distinct keys, each
    # signed by the next one; the last is self-signed; no anchor.
    hostile = []
    hk = [ed_key("hostile%d" % i) for i in range(60)]
    kid = b"\x42" * 20
    for i in range(60):
        signer = hk[i + 1] if i + 1 < 60 else hk[i]
        hostile.append(make(name("Hostile CA"), hk[i], name("Hostile CA"), signer, ca=True,
                            ski=kid, aki=kid))
    write("hostile.pem", pem(*hostile), "60 CAs named 'Hostile CA' with one SKI, each signed by "
          "the next; no anchor")
    save("leaf-hostile.der", make(name("example.com"), lk, name("Hostile CA"), hk[0],
                                  san=leaf_san, aki=kid), "leaf under the first hostile CA")

    # Algorithm coverage with real signatures: RSA PKCS#1, RSA-PSS, ECDSA.
    rrk = rsa_key("root")
    rroot = save("rsa-root.der", make(name("RSA Root"), rrk, ca=True), "RSA-2048 root")
    save("rsa-leaf-pkcs1.der", make(name("example.com"), lk, rroot.subject, rrk, san=leaf_san,
                                    hash_alg=hashes.SHA384()),
         "Ed25519 leaf signed by RSA root, sha384WithRSAEncryption")
    save("rsa-leaf-pss.der", make(name("example.com"), lk, rroot.subject, rrk, san=leaf_san,
                                  hash_alg=hashes.SHA256(),
                                  rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                                                          salt_length=32)),
         "Ed25519 leaf signed by RSA root, RSASSA-PSS SHA-256")
    write("rsa-leaf-sha1.der",
          with_alg(make(name("example.com"), lk, rroot.subject, rrk, san=leaf_san), ALG_SHA1_RSA,
                   lambda t: rrk.sign(t, padding.PKCS1v15(), hashes.SHA1())),
          "Ed25519 leaf signed by RSA root with SHA-1 (weak)")
    weak = rsa_key("weak", 1024)
    wroot = save("rsa1024-root.der", make(name("Weak Root"), weak, ca=True), "RSA-1024 root")
    save("leaf-by-rsa1024.der", make(name("example.com"), lk, wroot.subject, weak, san=leaf_san),
         "leaf under the RSA-1024 root")
    eck = ec_key("ec-root", ec.SECP384R1)
    eroot = save("ec-root.der", make(name("EC Root"), eck, ca=True, hash_alg=hashes.SHA384()),
                 "P-384 root")
    save("ec-leaf-sha256.der", make(name("example.com"), ec_key("ec-leaf"), eroot.subject, eck,
                                    san=leaf_san, hash_alg=hashes.SHA256()),
         "P-256 leaf signed by the P-384 root with ecdsa-with-SHA256")
    save("ec-leaf-sha384.der", make(name("example.com"), ec_key("ec-leaf"), eroot.subject, eck,
                                    san=leaf_san, hash_alg=hashes.SHA384()),
         "P-256 leaf signed by the P-384 root with ecdsa-with-SHA384")


def gen_hostname():
    """Leaves for test_hostname.c."""
    k = ed_key("host")
    dns = ["example.com", "UPPER.Example.ORG", "*.wild.example.com", "*.com", "*.co.uk",
           "*.example.co.uk", "f*.partial.example.net", "*.*.double.example.org",
           "www.*.middle.example.io", "xn--bcher-kva.example", "*.xn--idn-wild.example",
           "10.0.0.1", "under_score.example", ".leading.example", "trailing.example.",
           "*", "*.", "a..b.example", "-dash.example", "ok-dash.example"]
    ips = ["192.0.2.1", "2001:db8::1", "::ffff:198.51.100.7"]
    san = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
    save("host.der", make(name(None, "Host Tests"), k, san=san,
                          eku=[ExtendedKeyUsageOID.SERVER_AUTH], aki=False),
         "self-signed; SAN: " + ", ".join(dns + ips))
    save("host-nosan.der", make(name("nosan.example"), k, aki=False),
         "self-signed; CN nosan.example and no SAN")


def main():
    global OUT
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=OUT)
    OUT = ap.parse_args().out
    os.makedirs(OUT, exist_ok=True)
    gen_decode()
    gen_verify()
    gen_hostname()
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("# X.509 unit-test certificates\n\n"
                "Made by `scripts/gen_x509_unit.py` (Python `cryptography`, no network); "
                "`MANIFEST.txt` says what each file is.\n"
                "Re-running the script reproduces every file byte for byte except the "
                "RSASSA-PSS and DSA signatures (random salt / nonce). RSA and DSA keys are "
                "kept in `keys/` and re-used; Ed25519 and EC keys are derived from their names. "
                "Read by `tests/unit/test_cert.c`, `test_x509_verify.c` and `test_hostname.c`, "
                "which validate at 2030-01-01T00:00:00Z.\n")
    with open(os.path.join(OUT, "MANIFEST.txt"), "w") as f:
        f.write("# Made by scripts/gen_x509_unit.py (Python cryptography); validity 2020-01-01 to\n"
                "# 2040-01-01 unless said; tests validate at 2030-01-01T00:00:00Z.\n")
        for fname, what in sorted(manifest):
            f.write("%-28s %s\n" % (fname, what))


if __name__ == "__main__":
    main()
