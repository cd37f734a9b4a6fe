#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_x509_path (fuzz/corpus/x509_path/): sets of
certificates in the target's framing (see the comment at the top of
fuzz/fuzz_x509_path.c):

    flags(1) alloc(1) time(5, big-endian) host_len(1) host
    then items: role(1: 0 leaf, 1 anchor, 2 peer intermediate,
                3 extra intermediate) len(2, big-endian) DER

Sources:
  - data-*   the chains of tests/data/x509 (leaf.pem, untrusted.pem,
             roots.pem, with host, purpose, time and depth from cases.json),
             a selection of those that exercise path building;
  - hs-*     the handshake test PKI of tests/data/hs (leaf, intermediate,
             root at the tests' clock);
  - limbo-*  a fixed sample of x509-limbo cases
             (../shared/vectors/x509-limbo/limbo.json): every case with more
             than one untrusted intermediate, then one in three of the rest;
  - syn-*    synthetic sets that real PKIs rarely show but path building
             must survive: cycles, a mesh of same-named CAs that exhausts the
             work budget, key identifiers pointing at an impostor, a
             diamond whose backtracking meets the same signatures twice, a
             pathLenConstraint that forces the other of two roots, a chain
             deeper than LTLS_X509_MAX_DEPTH, many anchors with one name,
             name constraints and EKU in intermediates, a pinned leaf.
             Ed25519 keys derived from names, so the files are the same on
             every run. Their signatures are real but the target validates
             on the null provider; the last byte of each is set so that the
             target's selective mode (a signature counts only when its last
             byte has the parity of the issuer key's last byte) accepts the
             real issuer and rejects the impostors.

The script owns the files whose names start with PREFIXES; any other file in
the folder (inputs found by fuzzing) is left alone. --check exits 1 if the
generated files are not up to date. Needs Python `cryptography` (for syn-*).

Usage: scripts/gen_fuzz_x509_path_corpus.py [--check]
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import sys

from seedfiles import report, sync_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "vectors")
OUT = os.path.join(ROOT, "fuzz", "corpus", "x509_path")
PREFIXES = ("data-", "hs-", "limbo-", "syn-")
MAX_LEN = 65536          # fuzz_x509_path.options max_len
LIMBO_MAX = 40
DEFAULT_TIME = 1748736000  # 2025-06-01T00:00:00Z, tests/data/x509's time
HS_TIME = 1798761600       # 2027-01-01T00:00:00Z, tests/data/hs's clock

LEAF, ANCHOR, PEER, EXTRA = 0, 1, 2, 3
# flags of the target
HOST_NONE, HOST_FIELD, HOST_LEAF = 0, 1, 2
CLIENT, SELECTIVE, REVERSE = 1 << 2, 1 << 6, 1 << 7

PEM_RE = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.S)

# tests/data/x509 cases that exercise path building (the rest test single
# certificates, which fuzz_x509_cert covers).
DATA_CASES = [
    "good-rsa2048", "good-p256", "good-ed25519-root", "good-rsa-leaf-ec-ca",
    "expired-intermediate", "unknown-issuer", "missing-intermediate", "self-signed-leaf",
    "signed-by-wrong-key", "issuer-not-ca", "issuer-without-basic-constraints",
    "issuer-ku-without-keycertsign", "pathlen-exceeded", "pathlen-respected",
    "max-depth-exceeded", "max-depth-exact", "unordered-intermediates",
    "superfluous-intermediates", "intermediates-from-untrusted", "anchor-not-self-signed",
    "anchor-not-self-signed-short", "cross-signed-via-old-root", "cross-signed-via-new-root",
    "cross-signed-expired-cross-other-path", "cross-signed-expired-cross-only-path",
    "nc-permitted-dns-ok", "nc-permitted-dns-violation", "nc-excluded-ip-violation",
    "nc-permitted-ipv6-ok", "eku-client-only-for-server", "eku-both-for-client",
    "wildcard-one-label",
]


def frame(flags, now, host, items, alloc=0):
    """The target's input. Anchors go right after the leaf: the target stops
    reading certificates after MAX_ITEMS, and a large pool must not push the
    anchors out."""
    items = sorted(items, key=lambda it: {LEAF: 0, ANCHOR: 1}.get(it[0], 2))
    host = host.encode() if isinstance(host, str) else host
    assert len(host) < 256
    out = bytes([flags & 0xFF, alloc]) + int(now).to_bytes(5, "big") + bytes([len(host)]) + host
    for role, der in items:
        assert len(der) < 65536
        out += bytes([role]) + len(der).to_bytes(2, "big") + der
    return out


def depth_bits(d):
    """flags bits 3-5 for a max_depth (0: the default)."""
    if not d:
        return 0
    return (d if d <= 6 else 7) << 3


def pem_certs(data):
    if isinstance(data, str):
        data = data.encode()
    return [base64.b64decode(b"".join(m.group(1).split())) for m in PEM_RE.finditer(data)]


def slug(s):
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")[:60]


# --- tests/data -----------------------------------------------------------------

def data_seeds():
    base = os.path.join(ROOT, "tests", "data", "x509")
    cases = {c["name"]: c for c in json.load(open(os.path.join(base, "cases.json")))["cases"]}
    out = {}
    for name in DATA_CASES:
        c = cases[name]
        d = os.path.join(base, name)
        read = lambda f: pem_certs(open(os.path.join(d, f), "rb").read()) \
            if os.path.exists(os.path.join(d, f)) else []
        peer, roots, untrusted = read("leaf.pem"), read("roots.pem"), read("untrusted.pem")
        args = c["args"]
        host = args.get("host") or args.get("ip") or ""
        flags = (HOST_FIELD if host else HOST_NONE) | depth_bits(args.get("max_depth"))
        if args.get("purpose") == "client":
            flags |= CLIENT
        if len(peer) + len(untrusted) > 2:
            flags |= REVERSE
        items = [(LEAF, peer[0])] + [(PEER, x) for x in peer[1:]] + \
                [(EXTRA, x) for x in untrusted] + [(ANCHOR, x) for x in roots]
        out[f"data-{name}"] = frame(flags, args.get("time") or DEFAULT_TIME, host, items)
    return out


def hs_seeds():
    base = os.path.join(ROOT, "tests", "data", "hs")
    cert = lambda f: pem_certs(open(os.path.join(base, f), "rb").read())[0]
    ca, inter = cert("ca.crt"), cert("inter.crt")
    out = {}
    for leaf, host in (("p256", "p256.test"), ("rsa2048", "127.0.0.1"), ("ed25519", "localhost")):
        out[f"hs-{leaf}"] = frame(HOST_FIELD, HS_TIME, host,
                                  [(LEAF, cert(f"{leaf}.crt")), (PEER, inter), (ANCHOR, ca)])
    out["hs-client"] = frame(HOST_NONE | CLIENT, HS_TIME, "",
                             [(LEAF, cert("client.crt")), (EXTRA, inter), (ANCHOR, ca)])
    return out


# --- x509-limbo -----------------------------------------------------------------

def limbo_time(t):
    if not t:
        return DEFAULT_TIME
    return int(datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp())


def limbo_seeds():
    path = os.path.join(SHARED, "x509-limbo", "limbo.json")
    if not os.path.exists(path):
        sys.exit(f"gen_fuzz_x509_path_corpus: {path} not found (../shared must be present)")
    cases = json.load(open(path))["testcases"]
    multi = [c for c in cases if len(c["untrusted_intermediates"]) > 1]
    rest = [c for c in cases if len(c["untrusted_intermediates"]) <= 1]
    chosen = multi + rest[::3]
    out = {}
    for c in chosen:
        if len(out) >= LIMBO_MAX:
            break
        peer = pem_certs(c["peer_certificate"])
        if not peer:
            continue
        name = c.get("expected_peer_name") or {}
        host = name.get("value", "") if name.get("kind") in ("DNS", "IP") else ""
        flags = HOST_FIELD if host else HOST_NONE
        if c["validation_kind"] == "CLIENT":
            flags = HOST_NONE | CLIENT
        if c.get("max_chain_depth") is not None:
            # limbo counts intermediates; the target's depth counts leaf and anchor too
            flags |= depth_bits(c["max_chain_depth"] + 2)
        if len(c["untrusted_intermediates"]) > 1:
            flags |= REVERSE
        items = [(LEAF, peer[0])]
        for i, p in enumerate(c["untrusted_intermediates"]):
            items += [(PEER if i % 2 == 0 else EXTRA, d) for d in pem_certs(p)]
        for p in c["trusted_certs"]:
            items += [(ANCHOR, d) for d in pem_certs(p)]
        b = frame(flags, limbo_time(c.get("validation_time")), host, items)
        if len(b) <= MAX_LEN:
            out[f"limbo-{slug(c['id'])}"] = b
    return out


# --- synthetic sets ---------------------------------------------------------------

class Pki:
    """Ed25519 certificates whose keys and serials derive from names."""

    def __init__(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        self.x509, self.ser, self.ed = x509, serialization, ed25519
        self.EKU, self.OID = ExtendedKeyUsageOID, NameOID
        self.nb = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
        self.na = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)

    def name_with_parity(self, base, parity):
        """A key name, base or base + a number, whose public key's last byte
        has this parity (the selective mode's rule)."""
        for i in range(64):
            n = base if i == 0 else f"{base}{i}"
            if self.pub(n)[-1] & 1 == parity:
                return n
        raise AssertionError(base)

    def key(self, name):
        seed = hashlib.sha256(b"fuzz_x509_path:" + name.encode()).digest()
        return self.ed.Ed25519PrivateKey.from_private_bytes(seed)

    def pub(self, name):
        return self.key(name).public_key().public_bytes(self.ser.Encoding.Raw,
                                                        self.ser.PublicFormat.Raw)

    def name(self, cn):
        return self.x509.Name([self.x509.NameAttribute(self.OID.COMMON_NAME, cn)])

    def cert(self, subject, issuer, key, issuer_key, ca=True, pathlen=None, san=None, eku=None,
             permitted=None, excluded=None, aki=None, expired=False, good_sig=True, tag=""):
        """subject/issuer are CNs, key/issuer_key key names; aki overrides
        the authority key (a key name); good_sig says whether the selective
        mode accepts the signature with issuer_key."""
        x = self.x509
        pub = self.key(key).public_key()
        serial = int.from_bytes(hashlib.sha256(
            f"{subject}|{issuer}|{key}|{issuer_key}|{tag}".encode()).digest()[:8], "big") >> 1
        na = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc) if expired else self.na
        b = (x.CertificateBuilder().subject_name(self.name(subject))
             .issuer_name(self.name(issuer)).public_key(pub).serial_number(serial or 1)
             .not_valid_before(self.nb).not_valid_after(na)
             .add_extension(x.BasicConstraints(ca=ca, path_length=pathlen if ca else None), True)
             .add_extension(x.KeyUsage(digital_signature=not ca, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                       encipher_only=False, decipher_only=False), True)
             .add_extension(x.SubjectKeyIdentifier.from_public_key(pub), False)
             .add_extension(x.AuthorityKeyIdentifier.from_issuer_public_key(
                 self.key(aki or issuer_key).public_key()), False))
        if san:
            b = b.add_extension(x.SubjectAlternativeName([x.DNSName(s) for s in san]), False)
        if eku:
            b = b.add_extension(x.ExtendedKeyUsage(
                [self.EKU.SERVER_AUTH if e == "server" else self.EKU.CLIENT_AUTH for e in eku]),
                False)
        if permitted or excluded:
            b = b.add_extension(x.NameConstraints(
                [x.DNSName(s) for s in permitted] if permitted else None,
                [x.DNSName(s) for s in excluded] if excluded else None), True)
        der = bytearray(b.sign(self.key(issuer_key), None).public_bytes(self.ser.Encoding.DER))
        parity = self.pub(issuer_key)[-1] & 1
        der[-1] = (der[-1] & 0xFE) | (parity if good_sig else parity ^ 1)
        return bytes(der)

    def leaf(self, issuer, issuer_key, host="leaf.example.com", **kw):
        kw.setdefault("san", [host])
        return self.cert(host, issuer, "leaf:" + host, issuer_key, ca=False, **kw)

    def root(self, cn, key=None):
        return self.cert(cn, cn, key or cn, key or cn)


def syn_seeds():
    p = Pki()
    T, H = DEFAULT_TIME, "leaf.example.com"
    out = {}

    def put(name, flags, items, host=H):
        out[f"syn-{name}"] = frame(flags, T, host, items)

    root = p.root("Syn Root")
    # A cycle between two CAs, with no way out, and with one.
    a = p.cert("CA A", "CA B", "A", "B")
    b = p.cert("CA B", "CA A", "B", "A")
    b_exit = p.cert("CA B", "Syn Root", "B", "Syn Root", tag="exit")
    leaf_a = p.leaf("CA A", "A")
    put("cycle-no-root", HOST_FIELD, [(LEAF, leaf_a), (PEER, a), (PEER, b), (ANCHOR, root)])
    put("cycle-with-exit", HOST_FIELD | REVERSE,
        [(LEAF, leaf_a), (PEER, a), (PEER, b), (EXTRA, b_exit), (ANCHOR, root)])
    # Re-issued copies of one CA (same subject and key) that issue each other.
    c1 = p.cert("Loop CA", "Loop CA", "L", "L", tag="1")
    c2 = p.cert("Loop CA", "Loop CA", "L", "L", tag="2")
    put("same-key-loop", HOST_FIELD, [(LEAF, p.leaf("Loop CA", "L")), (PEER, c1), (PEER, c2),
                                      (ANCHOR, root)])
    # A mesh of self-issued CAs with one name and distinct keys: exploring it
    # costs far more than the work budget.
    mesh = [p.cert("Mesh CA", "Mesh CA", f"M{i}", f"M{(i + 1) % 12}") for i in range(12)]
    put("mesh-work-limit", HOST_FIELD,
        [(LEAF, p.leaf("Mesh CA", "M0"))] + [(PEER, m) for m in mesh] + [(ANCHOR, root)])
    put("mesh-with-exit", HOST_FIELD | REVERSE,
        [(LEAF, p.leaf("Mesh CA", "M0"))] + [(EXTRA, m) for m in mesh[:6]] +
        [(EXTRA, p.cert("Mesh CA", "Syn Root", "M5", "Syn Root"))] + [(ANCHOR, root)])
    # The leaf's AKI names an impostor (same name, another key, whose
    # signature the selective mode rejects); the real issuer has another SKI.
    impostor = p.name_with_parity("Impostor", (p.pub("Real")[-1] & 1) ^ 1)
    imp = p.cert("Issuing CA", "Syn Root", impostor, "Syn Root")
    real = p.cert("Issuing CA", "Syn Root", "Real", "Syn Root")
    leaf_r = p.cert(H, "Issuing CA", "leaf:r", "Real", ca=False, san=[H], aki=impostor)
    put("aki-impostor", HOST_FIELD | SELECTIVE | REVERSE,
        [(LEAF, leaf_r), (PEER, imp), (PEER, real), (ANCHOR, root)])
    leaf_bad = p.cert(H, "Issuing CA", "leaf:b", impostor, ca=False, san=[H], good_sig=False)
    put("bad-signature-only-candidate", HOST_FIELD | SELECTIVE,
        [(LEAF, leaf_bad), (PEER, imp), (ANCHOR, root)])
    # A diamond: two issuers of the leaf (one name, two keys) share the CA
    # above them, so backtracking meets the same (child, issuer) pairs
    # again; the signature cache must give the same answer the second time.
    m1 = p.name_with_parity("Mid1", p.pub("Mid2")[-1] & 1)
    top = p.cert("Top CA", "Syn Root", "Top", "Syn Root")
    top_bad = p.cert("Top CA", "Syn Root", "Top", "Syn Root", good_sig=False, tag="bad")
    mids = [p.cert("Mid CA", "Top CA", k, "Top") for k in (m1, "Mid2")]
    dleaf = p.cert(H, "Mid CA", "leaf:d", "Mid2", ca=False, san=[H], aki=m1)
    put("diamond", HOST_FIELD | SELECTIVE | REVERSE,
        [(LEAF, dleaf)] + [(PEER, m) for m in mids] + [(EXTRA, top), (ANCHOR, root)])
    put("diamond-bad-top", HOST_FIELD | SELECTIVE | REVERSE,
        [(LEAF, dleaf)] + [(PEER, m) for m in mids] + [(EXTRA, top_bad), (ANCHOR, root)])
    # pathLen 0 under the first root forbids the path; the cross-signed copy
    # of the same CA under a second root allows it.
    r1, r2 = p.cert("Root One", "Root One", "R1", "R1", pathlen=0), p.root("Root Two", "R2")
    i1 = p.cert("Policy CA", "Root One", "P", "R1")
    i1x = p.cert("Policy CA", "Root Two", "P", "R2")
    i2 = p.cert("Sub CA", "Policy CA", "S", "P")
    put("pathlen-other-root", HOST_FIELD | REVERSE,
        [(LEAF, p.leaf("Sub CA", "S")), (PEER, i2), (PEER, i1), (EXTRA, i1x), (ANCHOR, r1),
         (ANCHOR, r2)])
    put("pathlen-only-root", HOST_FIELD,
        [(LEAF, p.leaf("Sub CA", "S")), (PEER, i2), (PEER, i1), (ANCHOR, r1)])
    # Deeper than LTLS_X509_MAX_DEPTH.
    chain = [p.cert("Deep 0", "Syn Root", "D0", "Syn Root")]
    for i in range(1, 18):
        chain.append(p.cert(f"Deep {i}", f"Deep {i - 1}", f"D{i}", f"D{i - 1}"))
    put("deep-chain", HOST_FIELD | REVERSE,
        [(LEAF, p.leaf("Deep 17", "D17"))] + [(PEER, c) for c in reversed(chain)] +
        [(ANCHOR, root)])
    # More anchors with one name than the lookup returns.
    twins = [p.cert("Twin Root", "Twin Root", f"T{i}", f"T{i}") for i in range(18)]
    put("twin-roots", HOST_FIELD | SELECTIVE,
        [(LEAF, p.leaf("Twin Root", "T17"))] + [(ANCHOR, t) for t in twins])
    # Name constraints in the root; the leaf inside and outside them.
    nc_root = p.cert("NC Root", "NC Root", "NCR", "NCR", permitted=["example.com"],
                     excluded=["bad.example.com"])
    nc_inter = p.cert("NC Inter", "NC Root", "NCI", "NCR")
    put("nc-ok", HOST_FIELD, [(LEAF, p.leaf("NC Inter", "NCI")), (PEER, nc_inter),
                              (ANCHOR, nc_root)])
    put("nc-excluded", HOST_FIELD,
        [(LEAF, p.leaf("NC Inter", "NCI", "x.bad.example.com")), (PEER, nc_inter),
         (ANCHOR, nc_root)], host="x.bad.example.com")
    put("nc-outside", HOST_FIELD,
        [(LEAF, p.leaf("NC Inter", "NCI", san=[H, "evil.org"])), (PEER, nc_inter),
         (ANCHOR, nc_root)])
    # EKU in an intermediate constrains the leaf's purpose.
    eku_inter = p.cert("EKU Inter", "Syn Root", "E", "Syn Root", eku=["client"])
    eku_leaf = p.leaf("EKU Inter", "E", eku=["server", "client"])
    put("eku-intermediate-server", HOST_FIELD, [(LEAF, eku_leaf), (PEER, eku_inter),
                                                (ANCHOR, root)])
    put("eku-intermediate-client", HOST_NONE | CLIENT, [(LEAF, eku_leaf), (PEER, eku_inter),
                                                        (ANCHOR, root)])
    # An expired copy of the issuer comes first; the valid one must be found.
    exp = p.cert("Issuing CA", "Syn Root", "Real", "Syn Root", expired=True)
    put("expired-alternative", HOST_FIELD | REVERSE,
        [(LEAF, p.leaf("Issuing CA", "Real")), (PEER, exp), (PEER, real), (ANCHOR, root)])
    # A pinned self-signed leaf, and an anchor that is an intermediate.
    pinned = p.cert(H, H, "pinned", "pinned", ca=False, san=[H])
    put("pinned-leaf", HOST_FIELD, [(LEAF, pinned), (ANCHOR, pinned), (ANCHOR, root)])
    put("anchor-intermediate", HOST_LEAF | depth_bits(2),
        [(LEAF, p.leaf("Issuing CA", "Real")), (ANCHOR, real)])
    return out


def build():
    out = {}
    out.update(data_seeds())
    out.update(hs_seeds())
    out.update(limbo_seeds())
    out.update(syn_seeds())
    for k, v in out.items():
        assert len(v) <= MAX_LEN, (k, len(v))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that the files are current")
    a = ap.parse_args()
    files = build()
    stale = []
    sync_dir(OUT, files, PREFIXES, a.check, stale)
    print(f"x509_path: {len(files)} seeds, {sum(map(len, files.values()))} bytes")
    return report("gen_fuzz_x509_path_corpus", a.check, stale)


if __name__ == "__main__":
    sys.exit(main())
