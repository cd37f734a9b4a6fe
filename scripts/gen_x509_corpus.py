#!/usr/bin/env python3
"""Generate lucidtls's own X.509 test corpus: tests/data/x509/.

Each case is a directory tests/data/x509/<case>/ holding
  leaf.pem       the peer's certificates as sent: the leaf, then its chain
  roots.pem      the trust anchors (--cafile)
  untrusted.pem  optional further intermediates (--untrusted)
and tests/data/x509/cases.json says, per case, the `lucidtls verify`
arguments (host or ip, purpose, time, max depth) and the expected exit code
and reason name (a reason of include/lucidtls/error.h, e.g. CERT_EXPIRED).
tests/x509/test_corpus.py runs them. tests/data/x509/trust/ holds the small
stores that tests/unit/test_trust.c loads.

The output is deterministic, so that a re-run reproduces the committed files
byte for byte (tests/x509/test_corpus.py checks this when the same
`cryptography` version is installed):
  - keys are derived from their names: EC and Ed25519 keys from a hash of the
    name, RSA keys from primes found by a PRNG seeded with the name (test
    keys only: the derivation is public, so they protect nothing);
  - ECDSA signatures are deterministic (RFC 6979), RSA PKCS#1 v1.5 and
    Ed25519 signatures are deterministic by construction;
  - serial numbers come from a hash of the certificate's name, dates are
    fixed.

Cases that `cryptography` refuses to build (a duplicated extension) are made
by editing the TBSCertificate of a valid certificate and signing it again.

Usage: scripts/gen_x509_corpus.py [--out DIR]   (default tests/data/x509)
"""
import argparse
import datetime
import hashlib
import ipaddress
import json
import os
import random
import shutil
import subprocess
import sys

import cryptography
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_OUT = os.path.join(ROOT, "tests", "data", "x509")

UTC = datetime.timezone.utc


def ts(y, m, d, hh=0, mm=0, ss=0):
    return datetime.datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


# The validation time of every case (2025-06-01T00:00:00Z) and the validity
# windows around it.
NOW = ts(2025, 6, 1)
NOW_UNIX = int(NOW.timestamp())
CA_FROM, CA_TO = ts(2024, 1, 1), ts(2035, 1, 1)
EE_FROM, EE_TO = ts(2025, 1, 1), ts(2030, 1, 1)


# ---------------------------------------------------------------------------
# Deterministic keys
# ---------------------------------------------------------------------------

SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p ** 0.5) + 1))]


def is_probable_prime(n, rng):
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(40):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def det_prime(bits, rng, e):
    while True:
        # The top two bits set make the product of two such primes exactly
        # 2*bits long.
        c = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if (c - 1) % e and is_probable_prime(c, rng):
            return c


def rsa_key(name, bits):
    rng = random.Random(hashlib.sha256(("rsa:%d:%s" % (bits, name)).encode()).digest())
    e = 65537
    while True:
        p = det_prime(bits // 2, rng, e)
        q = det_prime(bits // 2, rng, e)
        if p != q:
            break
    if p < q:
        p, q = q, p
    n = p * q
    assert n.bit_length() == bits
    phi = (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    return rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                 rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, n)).private_key()


def ec_key(name, curve):
    h = hashlib.sha512(("ec:%s:%s" % (curve.name, name)).encode()).digest()
    # Two bits fewer than the curve keeps the scalar below the group order.
    scalar = int.from_bytes(h, "big") >> (512 - curve.key_size + 2) | 1
    return ec.derive_private_key(scalar, curve)


def ed25519_key(name):
    return ed25519.Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(("ed25519:" + name).encode()).digest())


KEYS = {}


def key(name, kind="p256"):
    if name not in KEYS:
        if kind == "rsa2048":
            KEYS[name] = rsa_key(name, 2048)
        elif kind == "rsa1024":
            KEYS[name] = rsa_key(name, 1024)
        elif kind == "p256":
            KEYS[name] = ec_key(name, ec.SECP256R1())
        elif kind == "p384":
            KEYS[name] = ec_key(name, ec.SECP384R1())
        elif kind == "ed25519":
            KEYS[name] = ed25519_key(name)
        else:
            raise ValueError(kind)
    return KEYS[name]


# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------

def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lucidtls test corpus"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def serial_of(label):
    return int.from_bytes(hashlib.sha256(("serial:" + label).encode()).digest()[:16], "big") >> 1


def default_hash(issuer_key, leaf_key=None):
    if isinstance(issuer_key, ed25519.Ed25519PrivateKey):
        return None
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey) and issuer_key.curve.key_size == 384:
        return hashes.SHA384()
    return hashes.SHA256()


def sign(builder, issuer_key, hash_alg="default"):
    if hash_alg == "default":
        hash_alg = default_hash(issuer_key)
    kw = {}
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        kw["ecdsa_deterministic"] = True
    return builder.sign(issuer_key, hash_alg, **kw)


KU_FIELDS = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
             "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")


def key_usage(*bits):
    kw = {f: f in bits for f in KU_FIELDS}
    return x509.KeyUsage(**kw)


def gn(v):
    """A GeneralName from a string: 'ip:1.2.3.4', 'net:10.0.0.0/8', else DNS."""
    if v.startswith("ip:"):
        return x509.IPAddress(ipaddress.ip_address(v[3:]))
    if v.startswith("net:"):
        return x509.IPAddress(ipaddress.ip_network(v[4:]))
    return x509.DNSName(v)


def make_cert(cn, key_, issuer_cn, issuer_key, *, ca=False, path_len=None, bc=True,
              ku="default", eku="default", san=None, permitted=None, excluded=None,
              not_before=None, not_after=None, hash_alg="default", extra=(), aki_key=None,
              label=None):
    """One certificate. ca selects CA defaults; every default can be overridden
    (bc=False drops basicConstraints, ku/eku=None drop those extensions).
    A leaf's commonName is made a copy of its first subjectAltName entry
    when it is not one already (CA/B BR 7.1.4.3, which lucidtls enforces);
    cn then only labels the certificate (its serial)."""
    if isinstance(cn, str) and san and cn not in [v.split(":", 1)[1] if v.startswith("ip:")
                                                  else v for v in san]:
        label = label or cn
        cn = san[0][3:] if san[0].startswith("ip:") else san[0]
    pub = key_.public_key()
    b = (x509.CertificateBuilder()
         .subject_name(name(cn) if isinstance(cn, str) else cn)
         .issuer_name(name(issuer_cn) if isinstance(issuer_cn, str) else issuer_cn)
         .public_key(pub)
         .serial_number(serial_of(label or cn))
         .not_valid_before(not_before or (CA_FROM if ca else EE_FROM))
         .not_valid_after(not_after or (CA_TO if ca else EE_TO)))
    if bc:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_len if ca else None),
                            critical=True)
    if ku == "default":
        ku = key_usage("key_cert_sign", "crl_sign") if ca else key_usage("digital_signature")
    if ku is not None:
        b = b.add_extension(ku, critical=True)
    if eku == "default":
        eku = None if ca else [ExtendedKeyUsageOID.SERVER_AUTH]
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if san:
        b = b.add_extension(x509.SubjectAlternativeName([gn(v) for v in san]), critical=False)
    if permitted or excluded:
        b = b.add_extension(x509.NameConstraints(
            permitted_subtrees=[gn(v) for v in permitted] if permitted else None,
            excluded_subtrees=[gn(v) for v in excluded] if excluded else None), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
        (aki_key or issuer_key).public_key()), critical=False)
    for ext, critical in extra:
        b = b.add_extension(ext, critical=critical)
    return sign(b, issuer_key, hash_alg)


def der_header(buf, off):
    """(tag, header length, content length) of the DER element at off."""
    tag, first = buf[off], buf[off + 1]
    if first < 0x80:
        return tag, 2, first
    n = first & 0x7F
    return tag, 2 + n, int.from_bytes(buf[off + 2:off + 2 + n], "big")


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def resign(cert, issuer_key, edit, hash_alg=None):
    """The certificate with its TBSCertificate and outer signatureAlgorithm
    passed through edit(bytes) and signed again by issuer_key (with hash_alg
    when given, else the certificate's hash)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    _, h, _ = der_header(der, 0)
    off = h
    _, th, tl = der_header(der, off)
    tbs = der[off:off + th + tl]
    off += th + tl
    _, ah, al = der_header(der, off)
    alg = der[off:off + ah + al]
    new_tbs, alg = edit(tbs), edit(alg) if hash_alg else alg
    assert len(new_tbs) == len(tbs)
    if isinstance(issuer_key, rsa.RSAPrivateKey):
        sig = issuer_key.sign(new_tbs, padding.PKCS1v15(), hash_alg or cert.signature_hash_algorithm)
    elif isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        sig = issuer_key.sign(new_tbs, ec.ECDSA(cert.signature_hash_algorithm,
                                                deterministic_signing=True))
    else:
        sig = issuer_key.sign(new_tbs)
    bits = b"\x03" + der_len(len(sig) + 1) + b"\x00" + sig
    body = new_tbs + alg + bits
    return x509.load_der_x509_certificate(b"\x30" + der_len(len(body)) + body)


def flip_last_byte(cert):
    """The certificate with the last byte of its signature changed: still
    well-formed DER (an RSA signature is a plain octet string)."""
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01
    return x509.load_der_x509_certificate(bytes(der))


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


# ---------------------------------------------------------------------------
# The PKI of the corpus
# ---------------------------------------------------------------------------

class PKI:
    """CAs built once and shared by the cases."""

    def __init__(self):
        # An EC hierarchy: P-384 root, P-256 intermediate.
        self.root_k = key("Corpus EC Root", "p384")
        self.root = make_cert("Corpus EC Root", self.root_k, "Corpus EC Root", self.root_k, ca=True)
        self.int_k = key("Corpus EC Intermediate", "p256")
        self.int = make_cert("Corpus EC Intermediate", self.int_k, "Corpus EC Root", self.root_k,
                             ca=True)
        # An RSA hierarchy.
        self.rroot_k = key("Corpus RSA Root", "rsa2048")
        self.rroot = make_cert("Corpus RSA Root", self.rroot_k, "Corpus RSA Root", self.rroot_k,
                               ca=True)
        self.rint_k = key("Corpus RSA Intermediate", "rsa2048")
        self.rint = make_cert("Corpus RSA Intermediate", self.rint_k, "Corpus RSA Root",
                              self.rroot_k, ca=True)
        # An Ed25519 hierarchy.
        self.eroot_k = key("Corpus Ed25519 Root", "ed25519")
        self.eroot = make_cert("Corpus Ed25519 Root", self.eroot_k, "Corpus Ed25519 Root",
                               self.eroot_k, ca=True)
        # An unrelated root (unknown issuer cases).
        self.other_k = key("Corpus Unrelated Root", "p256")
        self.other = make_cert("Corpus Unrelated Root", self.other_k, "Corpus Unrelated Root",
                               self.other_k, ca=True)

    def leaf(self, cn, san=None, issuer="ec", kind="p256", **kw):
        ik, icn = {"ec": (self.int_k, "Corpus EC Intermediate"),
                   "rsa": (self.rint_k, "Corpus RSA Intermediate")}[issuer]
        return make_cert(cn, key(cn, kind), icn, ik, san=san if san is not None else [cn], **kw)


CASES = []


def cn_of(cert):
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def case(name, description, peer, roots, untrusted=(), host=None, ip=None, purpose="server",
         max_depth=None, time=NOW_UNIX, exit=0, reason=None, path=None):
    """path: the one valid path, leaf first (default: the peer's chain as
    sent, then the first root); only for accepted cases."""
    assert (exit == 0) == (reason is None), name
    if exit == 0:
        path = path or list(peer) + [roots[0]]
    CASES.append({
        "expect_path": [cn_of(c) for c in path] if path else None,
        "name": name, "description": description,
        "peer": peer, "roots": roots, "untrusted": list(untrusted),
        "args": {"host": host, "ip": ip, "purpose": purpose, "time": time,
                 "max_depth": max_depth},
        "expect_exit": exit, "expect_reason": reason,
    })


def build_cases():
    P = PKI()
    ec_chain = [P.int]
    rsa_chain = [P.rint]

    # --- good chains, one per leaf key type --------------------------------------
    for kind, issuer in (("rsa2048", "rsa"), ("p256", "ec"), ("p384", "ec"), ("ed25519", "ec")):
        cn = "%s.example.com" % kind
        leaf = P.leaf(cn, issuer=issuer, kind=kind)
        chain = rsa_chain if issuer == "rsa" else ec_chain
        case("good-" + kind, "a valid %s leaf under its intermediate and root" % kind,
             [leaf] + chain, [P.rroot if issuer == "rsa" else P.root], host=cn)
    ed_leaf = make_cert("ed-chain.example.com", key("ed-chain.example.com", "ed25519"),
                        "Corpus Ed25519 Root", P.eroot_k, san=["ed-chain.example.com"])
    case("good-ed25519-root", "an Ed25519 leaf issued directly by an Ed25519 root",
         [ed_leaf], [P.eroot], host="ed-chain.example.com")
    leaf_rsa_under_ec = P.leaf("rsa-under-ec.example.com", kind="rsa2048")
    case("good-rsa-leaf-ec-ca", "an RSA leaf signed by an ECDSA intermediate",
         [leaf_rsa_under_ec] + ec_chain, [P.root], host="rsa-under-ec.example.com")

    # --- validity -------------------------------------------------------------------------
    leaf = P.leaf("expired.example.com", not_after=ts(2025, 5, 1))
    case("expired-leaf", "the leaf expired a month before the validation time",
         [leaf] + ec_chain, [P.root], host="expired.example.com", exit=1, reason="CERT_EXPIRED")
    leaf = P.leaf("boundary.example.com", not_after=NOW)
    case("expiry-boundary-inclusive", "notAfter equals the validation time: still valid "
         "(RFC 5280 §4.1.2.5: the period includes both dates)",
         [leaf] + ec_chain, [P.root], host="boundary.example.com")
    case("expired-by-one-second", "the validation time is one second after notAfter",
         [leaf] + ec_chain, [P.root], host="boundary.example.com", time=NOW_UNIX + 1, exit=1,
         reason="CERT_EXPIRED")
    leaf = P.leaf("future.example.com", not_before=ts(2025, 7, 1))
    case("not-yet-valid-leaf", "the leaf becomes valid a month after the validation time",
         [leaf] + ec_chain, [P.root], host="future.example.com", exit=1,
         reason="CERT_NOT_YET_VALID")
    old_int = make_cert("Corpus EC Intermediate", P.int_k, "Corpus EC Root", P.root_k, ca=True,
                        not_after=ts(2025, 5, 1), label="expired intermediate")
    leaf = P.leaf("expired-int.example.com")
    case("expired-intermediate", "the intermediate expired before the validation time",
         [leaf, old_int], [P.root], host="expired-int.example.com", exit=1, reason="CERT_EXPIRED")

    # --- issuers and signatures -------------------------------------------------------------
    leaf = P.leaf("unknown.example.com")
    case("unknown-issuer", "the chain leads to a root that is not trusted",
         [leaf] + ec_chain, [P.other], host="unknown.example.com", exit=1,
         reason="CERT_UNKNOWN_ISSUER")
    case("missing-intermediate", "the intermediate is neither sent nor given",
         [leaf], [P.root], host="unknown.example.com", exit=1, reason="CERT_UNKNOWN_ISSUER")
    self_signed = make_cert("example.com", key("self-signed example.com"), "example.com",
                            key("self-signed example.com"), san=["example.com"])
    case("self-signed-leaf", "a self-signed leaf that is not a trust anchor",
         [self_signed], [P.root], host="example.com", exit=1, reason="CERT_UNKNOWN_ISSUER")
    good = P.leaf("badsig.example.com", issuer="rsa", kind="rsa2048")
    case("bad-signature-leaf", "one bit of the leaf's RSA signature flipped",
         [flip_last_byte(good)] + rsa_chain, [P.rroot], host="badsig.example.com", exit=1,
         reason="CERT_BAD_SIGNATURE")
    forged = make_cert("forged.example.com", key("forged.example.com"), "Corpus EC Intermediate",
                       key("Corpus Forger"), san=["forged.example.com"], aki_key=P.int_k)
    case("signed-by-wrong-key", "the leaf names the intermediate as issuer (name and key id) "
         "but was signed by another key",
         [forged] + ec_chain, [P.root], host="forged.example.com", exit=1,
         reason="CERT_BAD_SIGNATURE")

    # --- basicConstraints and path length --------------------------------------------------
    def sub_ca(cn, issuer_cn, issuer_key, **kw):
        return make_cert(cn, key(cn), issuer_cn, issuer_key, ca=True, **kw)

    noca = make_cert("Corpus Not A CA", key("Corpus Not A CA"), "Corpus EC Root", P.root_k,
                     ca=False, ku=key_usage("digital_signature", "key_cert_sign"), eku=None)
    leaf = make_cert("noca.example.com", key("noca.example.com"), "Corpus Not A CA",
                     key("Corpus Not A CA"), san=["noca.example.com"])
    case("issuer-not-ca", "the intermediate has basicConstraints cA=FALSE",
         [leaf, noca], [P.root], host="noca.example.com", exit=1, reason="CERT_NOT_CA")
    nobc = make_cert("Corpus No BC", key("Corpus No BC"), "Corpus EC Root", P.root_k, ca=True,
                     bc=False)
    leaf = make_cert("nobc.example.com", key("nobc.example.com"), "Corpus No BC",
                     key("Corpus No BC"), san=["nobc.example.com"])
    case("issuer-without-basic-constraints", "the intermediate has no basicConstraints "
         "(RFC 5280 §4.2.1.9: not a CA)",
         [leaf, nobc], [P.root], host="nobc.example.com", exit=1, reason="CERT_NOT_CA")

    pl0 = sub_ca("Corpus Pathlen 0", "Corpus EC Root", P.root_k, path_len=0)
    pl0_sub = sub_ca("Corpus Under Pathlen 0", "Corpus Pathlen 0", key("Corpus Pathlen 0"))
    leaf = make_cert("pathlen.example.com", key("pathlen.example.com"), "Corpus Under Pathlen 0",
                     key("Corpus Under Pathlen 0"), san=["pathlen.example.com"])
    case("pathlen-exceeded", "an intermediate with pathLenConstraint 0 issued another CA "
         "that issued the leaf",
         [leaf, pl0_sub, pl0], [P.root], host="pathlen.example.com", exit=1,
         reason="CERT_PATH_TOO_LONG")
    pl1 = sub_ca("Corpus Pathlen 1", "Corpus EC Root", P.root_k, path_len=1)
    pl1_sub = sub_ca("Corpus Under Pathlen 1", "Corpus Pathlen 1", key("Corpus Pathlen 1"))
    leaf = make_cert("pathlen1.example.com", key("pathlen1.example.com"),
                     "Corpus Under Pathlen 1", key("Corpus Under Pathlen 1"),
                     san=["pathlen1.example.com"])
    case("pathlen-respected", "pathLenConstraint 1 allows one CA below it",
         [leaf, pl1_sub, pl1], [P.root], host="pathlen1.example.com")

    # Depth: root -> A -> B -> leaf is four certificates.
    a = sub_ca("Corpus Depth A", "Corpus EC Root", P.root_k)
    b = sub_ca("Corpus Depth B", "Corpus Depth A", key("Corpus Depth A"))
    deep = make_cert("deep.example.com", key("deep.example.com"), "Corpus Depth B",
                     key("Corpus Depth B"), san=["deep.example.com"])
    case("max-depth-exceeded", "a path of 4 certificates (leaf, 2 intermediates, root) "
         "with --max-depth 3",
         [deep, b, a], [P.root], host="deep.example.com", max_depth=3, exit=1,
         reason="CERT_PATH_TOO_LONG")
    case("max-depth-exact", "the same path with --max-depth 4 (depth counts leaf and anchor)",
         [deep, b, a], [P.root], host="deep.example.com", max_depth=4)
    deep_path = [deep, b, a, P.root]
    case("unordered-intermediates", "the intermediates are sent root-side first",
         [deep, a, b], [P.root], host="deep.example.com", path=deep_path)
    case("superfluous-intermediates", "the peer also sends certificates not on the path "
         "(another root, another CA, its own intermediate twice)",
         [deep, P.rint, b, P.other, b, a, P.int], [P.root], host="deep.example.com",
         path=deep_path)
    case("intermediates-from-untrusted", "the peer sends only the leaf; the intermediates "
         "come from --untrusted",
         [deep], [P.root], untrusted=[a, b], host="deep.example.com", path=deep_path)
    case("anchor-not-self-signed", "the trust anchor is an intermediate (Depth A), trusted "
         "as given",
         [deep, b], [a], host="deep.example.com")
    case("anchor-not-self-signed-short", "the trust anchor is the leaf's issuer",
         [deep], [b], host="deep.example.com")

    # --- cross-signed root: two candidate paths --------------------------------------------
    old_k, new_k = key("Corpus Old Root", "p384"), key("Corpus New Root", "p384")
    old_root = make_cert("Corpus Old Root", old_k, "Corpus Old Root", old_k, ca=True)
    new_root = make_cert("Corpus New Root", new_k, "Corpus New Root", new_k, ca=True)
    cross = make_cert("Corpus New Root", new_k, "Corpus Old Root", old_k, ca=True,
                      label="cross-signed new root")
    cross_expired = make_cert("Corpus New Root", new_k, "Corpus Old Root", old_k, ca=True,
                              not_after=ts(2025, 5, 1), label="expired cross-signed new root")
    x_int = sub_ca("Corpus Cross Intermediate", "Corpus New Root", new_k)
    x_leaf = make_cert("cross.example.com", key("cross.example.com"),
                       "Corpus Cross Intermediate", key("Corpus Cross Intermediate"),
                       san=["cross.example.com"])
    case("cross-signed-via-old-root", "only the old root is trusted: the path goes through "
         "the cross-certificate",
         [x_leaf, x_int], [old_root], untrusted=[cross], host="cross.example.com",
         path=[x_leaf, x_int, cross, old_root])
    case("cross-signed-via-new-root", "only the new root is trusted; the cross-certificate "
         "is a second candidate issuer of the intermediate",
         [x_leaf, x_int, cross], [new_root], host="cross.example.com",
         path=[x_leaf, x_int, new_root])
    case("cross-signed-expired-cross-other-path", "both roots trusted; the cross-certificate "
         "(sent first) has expired, so the path through the new root must be found",
         [x_leaf, cross_expired, x_int], [old_root, new_root], host="cross.example.com",
         path=[x_leaf, x_int, new_root])
    case("cross-signed-expired-cross-only-path", "only the old root is trusted and the "
         "cross-certificate has expired",
         [x_leaf, x_int, cross_expired], [old_root], host="cross.example.com", exit=1,
         reason="CERT_EXPIRED")

    # --- name constraints -------------------------------------------------------------------
    def nc_case(tag, permitted, excluded, leaf_names, host=None, ip=None, ok=True, what=""):
        cn = "Corpus NC %s" % tag
        ca = sub_ca(cn, "Corpus EC Root", P.root_k, permitted=permitted, excluded=excluded)
        lf = make_cert("nc-%s leaf" % tag, key("nc-%s leaf" % tag), cn, key(cn), san=leaf_names)
        case("nc-" + tag, what, [lf, ca], [P.root], host=host, ip=ip, exit=0 if ok else 1,
             reason=None if ok else "CERT_NAME_CONSTRAINTS")

    nc_case("permitted-dns-ok", ["example.com"], None, ["a.example.com"], host="a.example.com",
            what="permitted DNS example.com; the leaf is a.example.com")
    nc_case("permitted-dns-violation", ["example.com"], None, ["a.example.com", "other.org"],
            host="a.example.com", ok=False,
            what="permitted DNS example.com; the leaf also names other.org (every SAN is "
                 "checked, not only the one matched)")
    nc_case("permitted-dns-not-suffix-of-label", ["example.com"], None, ["badexample.com"],
            host="badexample.com", ok=False,
            what="permitted DNS example.com does not permit badexample.com (whole labels)")
    nc_case("excluded-dns-violation", None, ["bad.example.com"], ["x.bad.example.com"],
            host="x.bad.example.com", ok=False,
            what="excluded DNS bad.example.com; the leaf is x.bad.example.com")
    nc_case("excluded-dns-ok", None, ["bad.example.com"], ["good.example.com"],
            host="good.example.com", what="excluded DNS bad.example.com; the leaf is "
                                           "good.example.com")
    nc_case("permitted-ip-ok", ["net:10.0.0.0/8"], None, ["ip:10.1.2.3"], ip="10.1.2.3",
            what="permitted IP 10.0.0.0/8; the leaf is 10.1.2.3")
    nc_case("permitted-ip-violation", ["net:10.0.0.0/8"], None, ["ip:192.168.1.1"],
            ip="192.168.1.1", ok=False, what="permitted IP 10.0.0.0/8; the leaf is 192.168.1.1")
    nc_case("excluded-ip-violation", None, ["net:192.168.0.0/16"], ["ip:192.168.1.1"],
            ip="192.168.1.1", ok=False, what="excluded IP 192.168.0.0/16; the leaf is 192.168.1.1")
    nc_case("excluded-ip-ok", None, ["net:192.168.0.0/16"], ["ip:10.0.0.1"], ip="10.0.0.1",
            what="excluded IP 192.168.0.0/16; the leaf is 10.0.0.1")
    nc_case("permitted-ipv6-ok", ["net:2001:db8::/32"], None, ["ip:2001:db8::5"],
            ip="2001:db8::5", what="permitted IP 2001:db8::/32; the leaf is 2001:db8::5")
    nc_case("permitted-ipv6-violation", ["net:2001:db8::/32"], None, ["ip:2001:db9::5"],
            ip="2001:db9::5", ok=False,
            what="permitted IP 2001:db8::/32; the leaf is 2001:db9::5")

    # --- key usage and extended key usage ------------------------------------------------
    ku_int = sub_ca("Corpus KU No CertSign", "Corpus EC Root", P.root_k,
                    ku=key_usage("digital_signature", "crl_sign"))
    leaf = make_cert("ku-int.example.com", key("ku-int.example.com"), "Corpus KU No CertSign",
                     key("Corpus KU No CertSign"), san=["ku-int.example.com"])
    case("issuer-ku-without-keycertsign", "the intermediate's keyUsage lacks keyCertSign",
         [leaf, ku_int], [P.root], host="ku-int.example.com", exit=1, reason="CERT_KEY_USAGE")
    no_ku_int = sub_ca("Corpus No KU", "Corpus EC Root", P.root_k, ku=None)
    leaf = make_cert("no-ku.example.com", key("no-ku.example.com"), "Corpus No KU",
                     key("Corpus No KU"), san=["no-ku.example.com"])
    case("issuer-without-ku", "the intermediate has no keyUsage extension (RFC 5280: every "
         "use allowed)",
         [leaf, no_ku_int], [P.root], host="no-ku.example.com")
    leaf = P.leaf("ku-leaf.example.com", issuer="rsa", kind="rsa2048",
                  ku=key_usage("key_encipherment"))
    case("leaf-ku-without-digitalsignature", "the leaf's keyUsage is keyEncipherment only",
         [leaf] + rsa_chain, [P.rroot], host="ku-leaf.example.com", exit=1,
         reason="CERT_KEY_USAGE")
    leaf = P.leaf("client.example.com", eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    case("eku-client-only-for-server", "the leaf's extKeyUsage is clientAuth only; "
         "purpose server",
         [leaf] + ec_chain, [P.root], host="client.example.com", exit=1,
         reason="CERT_EXT_KEY_USAGE")
    case("eku-client-only-for-client", "the same leaf checked for purpose client",
         [leaf] + ec_chain, [P.root], purpose="client")
    leaf = P.leaf("server-only.example.com")
    case("eku-server-only-for-client", "a serverAuth-only leaf checked for purpose client",
         [leaf] + ec_chain, [P.root], purpose="client", exit=1, reason="CERT_EXT_KEY_USAGE")
    leaf = P.leaf("both.example.com", eku=[ExtendedKeyUsageOID.SERVER_AUTH,
                                           ExtendedKeyUsageOID.CLIENT_AUTH])
    case("eku-both-for-client", "a leaf with serverAuth and clientAuth, purpose client",
         [leaf] + ec_chain, [P.root], purpose="client")

    # --- algorithms ---------------------------------------------------------------------------
    # cryptography no longer signs certificates with SHA-1: sign with SHA-256,
    # then rename sha256WithRSAEncryption (1.2.840.113549.1.1.11) to
    # sha1WithRSAEncryption (.5), same length, and sign the TBS again.
    sha256_rsa = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"
    sha1_rsa = b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05"

    def to_sha1(b):
        assert b.count(sha256_rsa) == 1
        return b.replace(sha256_rsa, sha1_rsa)

    leaf = resign(P.leaf("sha1.example.com", issuer="rsa", kind="rsa2048"), P.rint_k, to_sha1,
                  hash_alg=hashes.SHA1())
    assert isinstance(leaf.signature_hash_algorithm, hashes.SHA1)
    case("sha1-signed-leaf", "the leaf is signed with sha1WithRSAEncryption",
         [leaf] + rsa_chain, [P.rroot], host="sha1.example.com", exit=1,
         reason="CERT_WEAK_ALGORITHM")
    leaf = P.leaf("rsa1024.example.com", issuer="rsa", kind="rsa1024")
    case("rsa1024-leaf", "the leaf's key is RSA-1024",
         [leaf] + rsa_chain, [P.rroot], host="rsa1024.example.com", exit=1,
         reason="CERT_WEAK_ALGORITHM")
    weak_int = make_cert("Corpus RSA-1024 Intermediate", key("Corpus RSA-1024 Intermediate",
                                                             "rsa1024"),
                         "Corpus RSA Root", P.rroot_k, ca=True)
    leaf = make_cert("weak-int.example.com", key("weak-int.example.com"),
                     "Corpus RSA-1024 Intermediate", key("Corpus RSA-1024 Intermediate",
                                                         "rsa1024"),
                     san=["weak-int.example.com"])
    case("rsa1024-intermediate", "the intermediate's key is RSA-1024",
         [leaf, weak_int], [P.rroot], host="weak-int.example.com", exit=1,
         reason="CERT_WEAK_ALGORITHM")

    # --- extensions ----------------------------------------------------------------------------
    unknown = ObjectIdentifier("1.3.6.1.4.1.55738.666.1")
    leaf = P.leaf("critical.example.com",
                  extra=[(x509.UnrecognizedExtension(unknown, b"\x05\x00"), True)])
    case("unknown-critical-extension", "the leaf has a critical extension lucidtls does not "
         "know",
         [leaf] + ec_chain, [P.root], host="critical.example.com", exit=1,
         reason="CERT_UNKNOWN_CRITICAL")
    leaf = P.leaf("noncritical.example.com",
                  extra=[(x509.UnrecognizedExtension(unknown, b"\x05\x00"), False)])
    case("unknown-noncritical-extension", "an unknown extension that is not critical is "
         "ignored",
         [leaf] + ec_chain, [P.root], host="noncritical.example.com")
    # Duplicate subjectAltName: a placeholder extension 2.5.29.99 with the same
    # value is renamed to 2.5.29.17 (same length) and the TBS re-signed.
    san_val = x509.SubjectAlternativeName([x509.DNSName("dup.example.com")])
    leaf = P.leaf("dup.example.com", extra=[(x509.UnrecognizedExtension(
        ObjectIdentifier("2.5.29.99"), san_val.public_bytes()), False)])
    placeholder, real = b"\x06\x03\x55\x1d\x63", b"\x06\x03\x55\x1d\x11"

    def rename(tbs):
        assert tbs.count(placeholder) == 1
        return tbs.replace(placeholder, real)

    dup = resign(leaf, P.int_k, rename)
    case("duplicate-extension", "the leaf carries subjectAltName twice (RFC 5280 §4.2): "
         "malformed, so verify exits 2",
         [dup] + ec_chain, [P.root], host="dup.example.com", exit=2, reason="CERT_MALFORMED")

    # --- server identity ----------------------------------------------------------------------
    wild = P.leaf("wildcard", san=["*.example.com"])
    case("wildcard-one-label", "*.example.com matches a.example.com",
         [wild] + ec_chain, [P.root], host="a.example.com")
    case("wildcard-two-labels", "*.example.com does not match a.b.example.com",
         [wild] + ec_chain, [P.root], host="a.b.example.com", exit=1, reason="CERT_NAME_MISMATCH")
    case("wildcard-apex", "*.example.com does not match example.com",
         [wild] + ec_chain, [P.root], host="example.com", exit=1, reason="CERT_NAME_MISMATCH")
    tld = P.leaf("wildcard-tld", san=["*.com"])
    case("wildcard-tld", "*.com is refused (a wildcard over a public suffix)",
         [tld] + ec_chain, [P.root], host="example.com", exit=1, reason="CERT_NAME_MISMATCH")
    partial = P.leaf("wildcard-partial", san=["f*.example.com"])
    case("wildcard-partial-label", "f*.example.com: a wildcard must be the whole left-most "
         "label",
         [partial] + ec_chain, [P.root], host="foo.example.com", exit=1,
         reason="CERT_NAME_MISMATCH")
    mixed = P.leaf("mixed-case", san=["Mixed.Example.COM"])
    case("dns-case-insensitive", "SAN Mixed.Example.COM matches mixed.example.com",
         [mixed] + ec_chain, [P.root], host="mixed.example.com")
    case("dns-mismatch", "the leaf names a.example.com only; the host is b.example.com",
         [P.leaf("a.example.com")] + ec_chain, [P.root], host="b.example.com", exit=1,
         reason="CERT_NAME_MISMATCH")
    ipleaf = P.leaf("ip-leaf", san=["ip:192.0.2.1", "ip:2001:db8::1", "www.example.com"])
    case("ip-san-ip", "IP SAN 192.0.2.1 with --ip 192.0.2.1",
         [ipleaf] + ec_chain, [P.root], ip="192.0.2.1")
    case("ip-san-host-literal", "--host 192.0.2.1 is an IP literal and matches the IP SAN",
         [ipleaf] + ec_chain, [P.root], host="192.0.2.1")
    case("ip-san-ipv6", "IP SAN 2001:db8::1 matches --ip 2001:db8:0:0:0:0:0:1",
         [ipleaf] + ec_chain, [P.root], ip="2001:db8:0:0:0:0:0:1")
    case("ip-san-mismatch", "IP SAN 192.0.2.1 does not match 192.0.2.2",
         [ipleaf] + ec_chain, [P.root], ip="192.0.2.2", exit=1, reason="CERT_NAME_MISMATCH")
    case("ip-san-dns-also", "the same leaf still matches its DNS SAN www.example.com",
         [ipleaf] + ec_chain, [P.root], host="www.example.com")
    dnsip = P.leaf("dns-holding-ip", san=["192.0.2.7"])
    case("ip-in-dns-san", "a dNSName \"192.0.2.7\" does not match the address 192.0.2.7",
         [dnsip] + ec_chain, [P.root], ip="192.0.2.7", exit=1, reason="CERT_NAME_MISMATCH")
    iponly = P.leaf("ip-only", san=["ip:192.0.2.9"])
    case("dns-host-vs-ip-san", "a DNS host never matches an IP SAN",
         [iponly] + ec_chain, [P.root], host="example.com", exit=1, reason="CERT_NAME_MISMATCH")
    cn_only = P.leaf("cn-only.example.com", san=[])
    case("cn-only-leaf", "no subjectAltName; the CN holds the host name: rejected, no CN "
         "fallback (lucidtls reports the CN that repeats no SAN entry, CA/B BR 7.1.4.3)",
         [cn_only] + ec_chain, [P.root], host="cn-only.example.com", exit=1,
         reason="CERT_MALFORMED")
    return P


# ---------------------------------------------------------------------------
# Stores for tests/unit/test_trust.c
# ---------------------------------------------------------------------------

def openssl_hash(cert):
    """The OpenSSL subject hash for a HASH.N name, or None without openssl."""
    try:
        out = subprocess.run(["openssl", "x509", "-noout", "-subject_hash"],
                             input=pem(cert), capture_output=True, check=True, timeout=30)
        return out.stdout.decode().strip()
    except (OSError, subprocess.SubprocessError):
        return None


def write_trust(out, P):
    d = os.path.join(out, "trust")
    os.makedirs(d)
    # Two anchors with the same subject and different keys (key rollover).
    twin_k = key("Corpus EC Root twin", "p384")
    twin = make_cert("Corpus EC Root", twin_k, "Corpus EC Root", twin_k, ca=True,
                     label="Corpus EC Root twin")
    files = {
        "root-ec.pem": pem(P.root),
        "root-rsa.pem": pem(P.rroot),
        "root-ec-twin.pem": pem(twin),
        "bundle.pem": b"A bundle: explanatory text is allowed around the blocks.\n" +
                      pem(P.root, P.rroot, P.eroot) + b"# the EC root again\n" + pem(P.root),
        "crlf.pem": pem(P.eroot).replace(b"\n", b"\r\n"),
        "empty.pem": b"no certificate in here\n",
        "key-only.pem": key("Corpus EC Intermediate").private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()),
        "bad-base64.pem": pem(P.root) + pem(P.rroot).replace(b"\n", b"\n!", 3),
        "unterminated.pem": pem(P.root).rsplit(b"-----END", 1)[0],
        "malformed-cert.pem": b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
    }
    for n, data in files.items():
        with open(os.path.join(d, n), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "root-rsa.der"), "wb") as f:
        f.write(P.rroot.public_bytes(serialization.Encoding.DER))

    # A hashed directory: HASH.N links to the real files, plus files that
    # would fail or duplicate if they were read (they must not be).
    h = os.path.join(d, "hashed")
    os.makedirs(h)
    for n, c in (("root-ec.pem", P.root), ("root-rsa.pem", P.rroot), ("root-ed.pem", P.eroot)):
        with open(os.path.join(h, n), "wb") as f:
            f.write(pem(c))
        hv = openssl_hash(c) or hashlib.sha1(c.subject.public_bytes()).hexdigest()[:8]
        os.symlink(n, os.path.join(h, hv + ".0"))
    os.symlink("missing.pem", os.path.join(h, "0badf00d.0"))  # dangling: passed over
    with open(os.path.join(h, "not-read-broken.pem"), "wb") as f:
        f.write(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
    # A plain directory of PEM files.
    p = os.path.join(d, "plain")
    os.makedirs(p)
    for n, data in (("root-ec.pem", pem(P.root)), ("root-rsa.crt", pem(P.rroot)),
                    ("root-ed.der", P.eroot.public_bytes(serialization.Encoding.DER)),
                    ("key.pem", files["key-only.pem"]),
                    ("README", b"not a certificate; not read (no certificate extension)\n"),
                    (".hidden.pem", b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")):
        with open(os.path.join(p, n), "wb") as f:
            f.write(data)
    # A directory with a broken certificate file.
    bd = os.path.join(d, "broken-dir")
    os.makedirs(bd)
    with open(os.path.join(bd, "a.pem"), "wb") as f:
        f.write(pem(P.root))
    with open(os.path.join(bd, "b.pem"), "wb") as f:
        f.write(files["bad-base64.pem"])
    os.makedirs(os.path.join(d, "empty-dir"))
    with open(os.path.join(d, "empty-dir", ".keep"), "wb") as f:
        f.write(b"")


# ---------------------------------------------------------------------------

README = """# lucidtls X.509 corpus (generated)

Made by `scripts/gen_x509_corpus.py` with Python `cryptography` {version}; do not edit
by hand. Re-running the script reproduces these files byte for byte (keys are
derived from their names, signatures are deterministic);
`tests/x509/test_corpus.py` checks that when the same `cryptography` version is
installed. **Test-only keys and certificates.**

Each `<case>/` holds `leaf.pem` (the peer's certificates as sent, leaf first),
`roots.pem` (`--cafile`) and optionally `untrusted.pem` (`--untrusted`).
`cases.json` gives the `lucidtls verify` arguments and the expected exit code
(0 valid, 1 rejected, 2 malformed input) and reason name. Every case validates
at {now} ({now_unix}) unless its `time` says otherwise.

`trust/` holds the small stores that `tests/unit/test_trust.c` loads: single
roots (PEM, DER), a bundle with a duplicate, two roots with the same subject,
malformed files, a hashed directory (`HASH.N` links) and a plain PEM directory.

| case | expect | what |
|---|---|---|
{rows}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    a = ap.parse_args()
    out = a.out
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    P = build_cases()
    index = []
    for c in CASES:
        d = os.path.join(out, c["name"])
        os.makedirs(d)
        with open(os.path.join(d, "leaf.pem"), "wb") as f:
            f.write(pem(*c["peer"]))
        with open(os.path.join(d, "roots.pem"), "wb") as f:
            f.write(pem(*c["roots"]))
        if c["untrusted"]:
            with open(os.path.join(d, "untrusted.pem"), "wb") as f:
                f.write(pem(*c["untrusted"]))
        index.append({k: c[k] for k in ("name", "description", "args", "expect_exit",
                                        "expect_reason", "expect_path")} |
                     {"untrusted": bool(c["untrusted"])})
    names = [c["name"] for c in index]
    assert len(names) == len(set(names)), "duplicate case name"
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"generator": "scripts/gen_x509_corpus.py",
                   "cryptography": cryptography.__version__,
                   "cases": index}, f, indent=1)
        f.write("\n")
    write_trust(out, P)
    rows = "\n".join("| `%s` | %s | %s |" % (c["name"], "exit %d %s" % (
        c["expect_exit"], c["expect_reason"] or "OK"), c["description"].replace("|", "\\|"))
        for c in index)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(README.format(version=cryptography.__version__, rows=rows,
                              now=NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), now_unix=NOW_UNIX))
    print("%d cases written to %s" % (len(index), os.path.relpath(out)), file=sys.stderr)


if __name__ == "__main__":
    main()
