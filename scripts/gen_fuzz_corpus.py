#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/),
their dictionaries (fuzz/dict/*.dict) and the trust anchors of fuzz_x509_cert
(fuzz/fuzz_x509_anchors.h).

Sources, all already in the tree or in ../shared (nothing is generated at
random, so running this again gives the same files):
  - certificates and keys under tests/data (PEM decoded to DER where a
    target wants DER);
  - the certificates, chains and a few keys of the x509-limbo suite
    (../shared/vectors/x509-limbo/limbo.json): a fixed selection of up to
    300 distinct certificates, peers first, then anchors, then intermediates;
  - the RFC 8448 server certificate (../shared/vectors/rfc8448/rfc8448.json);
  - a few synthetic inputs derived from those (CRLF line ends, text around
    blocks, one DER element of each universal type) where a path would
    otherwise need luck to reach.

The script owns the files whose names start with one of PREFIXES; other
files in the corpus folders (inputs found by fuzzing and added by hand) are
left alone. --check exits 1 if the generated files are not up to date.

Usage: scripts/gen_fuzz_corpus.py [--check]
"""
import argparse
import base64
import hashlib
import json
import os
import re
import sys

from seedfiles import report, sync_dir, sync_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "vectors")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
PREFIXES = ("data-", "limbo-", "rfc8448-", "synth-")
LIMBO_MAX_CERTS = 300
LIMBO_MAX_CERT_SIZE = 16384      # larger ones only for x509_cert (see below)
LIMBO_BIG_CERT_MAX = 65536       # the x509_cert target's max_len allows this
LIMBO_PEM_BUNDLES = 40
LIMBO_KEYS = 8
ANCHORS = 16
DATA_ANCHORS = 16

PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)


# --- a minimal DER reader, enough to tell a certificate from a key ----------

def der_header(b, off=0):
    """(tag_byte, header_len, body_len) of the element at off, or None."""
    if off + 2 > len(b):
        return None
    tag = b[off]
    if tag & 0x1F == 0x1F:
        return None
    ln = b[off + 1]
    hl = 2
    if ln & 0x80:
        n = ln & 0x7F
        if n == 0 or n > 4 or off + 2 + n > len(b):
            return None
        ln = int.from_bytes(b[off + 2:off + 2 + n], "big")
        hl += n
    if off + hl + ln > len(b):
        return None
    return tag, hl, ln


def der_children(b):
    h = der_header(b)
    if not h or h[1] + h[2] != len(b):
        return None
    out, off, end = [], h[1], h[1] + h[2]
    while off < end:
        c = der_header(b, off)
        if not c:
            return None
        out.append(c[0])
        off += c[1] + c[2]
    return out


def is_certificate(b):
    return der_children(b) == [0x30, 0x30, 0x03]


def pem_blocks(data):
    """(label, block text, DER) of each PEM block; DER is None when the block
    has headers or is not valid base64 (test files include such on purpose)."""
    for m in PEM_RE.finditer(data):
        try:
            der = base64.b64decode(b"".join(m.group(2).split()), validate=True)
        except ValueError:
            der = None
        yield m.group(1).decode(), m.group(0), der


def short_hash(b):
    return hashlib.sha1(b).hexdigest()[:12]


def slug(s):
    return re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-")[:60]


# --- sources -------------------------------------------------------------------

def tests_data():
    """(relative path, bytes) of every file under tests/data, sorted."""
    base = os.path.join(ROOT, "tests", "data")
    out = []
    for d, _, files in os.walk(base):
        for f in files:
            p = os.path.join(d, f)
            if os.path.islink(p) or not os.path.isfile(p):
                continue  # hashed-directory links repeat other files
            out.append((os.path.relpath(p, base), open(p, "rb").read()))
    return sorted(out)


def limbo():
    path = os.path.join(SHARED, "x509-limbo", "limbo.json")
    if not os.path.exists(path):
        sys.exit(f"gen_fuzz_corpus: {path} not found (../shared must be present)")
    return json.load(open(path))["testcases"]


def limbo_certs(cases):
    """A fixed selection of distinct certificates: every case's peer, then
    each case's first anchor, then the rest in case order."""
    rounds = [[c["peer_certificate"]] for c in cases], \
             [c["trusted_certs"][:1] for c in cases], \
             [c["untrusted_intermediates"] + c["trusted_certs"][1:] for c in cases]
    seen, small, big = set(), [], []
    for rnd in rounds:
        for case, pems in zip(cases, rnd):
            for pem in pems:
                for label, _, der in pem_blocks(pem.encode()):
                    if label != "CERTIFICATE" or der is None or der in seen:
                        continue
                    seen.add(der)
                    if len(der) <= LIMBO_MAX_CERT_SIZE:
                        if len(small) < LIMBO_MAX_CERTS:
                            small.append((case["id"], der))
                    elif len(der) <= LIMBO_BIG_CERT_MAX:
                        big.append((case["id"], der))
    return small, big[:1]


# --- synthetic inputs ------------------------------------------------------------

def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        nb = (n.bit_length() + 7) // 8
        ln = bytes([0x80 | nb]) + n.to_bytes(nb, "big")
    return bytes([tag]) + ln + body


def der_snippets():
    """One element of each type the DER reader knows, valid and near-valid."""
    s = {
        "bool-true": tlv(0x01, b"\xff"),
        "bool-bad": tlv(0x01, b"\x01"),
        "int-neg": tlv(0x02, b"\xff\x7f"),
        "int-big": tlv(0x02, b"\x00" + b"\xff" * 9),
        "null": tlv(0x05, b""),
        "oid": tlv(0x06, b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"),
        "bitstring-unused": tlv(0x03, b"\x03\xa8"),
        "octets-nested": tlv(0x04, tlv(0x30, tlv(0x01, b"\xff") + tlv(0x02, b"\x05"))),
        "utctime": tlv(0x17, b"491231235959Z"),
        "gentime": tlv(0x18, b"20000229120000Z"),
        "gentime-y0": tlv(0x18, b"00000101000000Z"),
        "high-tag": b"\x9f\x81\x00\x01\x00",
        "long-length": b"\x04\x81\x80" + b"A" * 128,
        "explicit-ctx": tlv(0xA3, tlv(0x30, tlv(0x30, tlv(0x06, b"\x55\x1d\x13") +
                                               tlv(0x01, b"\xff") +
                                               tlv(0x04, tlv(0x30, tlv(0x01, b"\xff")))))),
        "implicit-ctx": tlv(0x30, tlv(0x82, b"example.com") + tlv(0x87, b"\x7f\x00\x00\x01")),
        "set": tlv(0x31, tlv(0x30, tlv(0x06, b"\x55\x04\x03") + tlv(0x0c, b"name"))),
    }
    return s


def pem_variants(pem, name):
    """The same PEM text in the forms RFC 7468 parsers must accept."""
    crlf = pem.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return {
        f"synth-{name}-crlf.pem": crlf,
        f"synth-{name}-text-around.pem": b"Subject: example\n\n" + pem + b"trailing words\n",
        f"synth-{name}-no-final-newline.pem": pem.rstrip(b"\n"),
        f"synth-{name}-indented.pem": b"".join(b"  " + l + b"\t\n" for l in pem.splitlines()),
    }


# --- the corpora -------------------------------------------------------------------

def build():
    data = tests_data()
    cases = limbo()
    rfc = json.load(open(os.path.join(SHARED, "rfc8448", "rfc8448.json")))
    rfc_pem = rfc["server_certificate_pem"].encode()
    rfc_der = next(d for l, _, d in pem_blocks(rfc_pem) if l == "CERTIFICATE")

    corp = {"der": {}, "x509_cert": {}, "pem": {}, "keyfile": {}}

    # tests/data: certificates (DER) for der/x509_cert, everything PEM for
    # pem, key files for keyfile, every DER file for der.
    for rel, b in data:
        name = "data-" + slug(rel)
        blocks = list(pem_blocks(b))
        if blocks:
            corp["pem"][name] = b
            for i, (label, _, der) in enumerate(blocks):
                if der is None:
                    continue
                if label == "CERTIFICATE":
                    corp["der"][f"{name}-{i}.der"] = der
                    corp["x509_cert"][f"{name}-{i}.der"] = der
                elif "PRIVATE KEY" in label:
                    corp["der"][f"{name}-{i}.der"] = der
        elif der_children(b) is not None:
            corp["der"][name] = b
            if is_certificate(b):
                corp["x509_cert"][name] = b
        has_key = any("PRIVATE KEY" in label for label, _, _ in blocks)
        if has_key or (rel.startswith("keys" + os.sep) and der_children(b) is not None):
            corp["keyfile"][name] = b

    corp["der"]["rfc8448-server.der"] = rfc_der
    corp["x509_cert"]["rfc8448-server.der"] = rfc_der
    corp["pem"]["rfc8448-server.pem"] = rfc_pem

    small, big = limbo_certs(cases)
    for cid, der in small:
        n = f"limbo-{slug(cid)[:40]}-{short_hash(der)}.der"
        corp["der"][n] = der
        corp["x509_cert"][n] = der
    for cid, der in big:
        corp["x509_cert"][f"limbo-{slug(cid)[:40]}-{short_hash(der)}.der"] = der

    # PEM: whole chains as a peer would send them, and variants.
    step = max(1, len(cases) // LIMBO_PEM_BUNDLES)
    for c in cases[::step][:LIMBO_PEM_BUNDLES]:
        bundle = "".join([c["peer_certificate"]] + c["untrusted_intermediates"][:3] +
                         c["trusted_certs"][:1]).encode()
        if len(bundle) <= LIMBO_MAX_CERT_SIZE:
            corp["pem"][f"limbo-{slug(c['id'])[:48]}.pem"] = bundle
    corp["pem"].update(pem_variants(rfc_pem, "rfc8448"))
    legacy = dict(data).get(os.path.join("keys", "p256.legacy-enc.pem"))
    if legacy:
        corp["pem"].update(pem_variants(legacy, "legacy-enc"))

    # keyfile: a few limbo keys (EC, RSA and one DSA key, which is refused).
    keys = sorted({c["peer_certificate_key"] for c in cases if c.get("peer_certificate_key")})
    keys.sort(key=lambda k: ("EC PRIVATE" in k, k))  # the rare kinds first
    for k in keys[:LIMBO_KEYS]:
        kb = k.encode()
        corp["keyfile"][f"limbo-key-{short_hash(kb)}.pem"] = kb
        der = next(d for _, _, d in pem_blocks(kb))
        corp["keyfile"][f"limbo-key-{short_hash(kb)}.der"] = der
    for name, b in list(corp["keyfile"].items()):
        if name.endswith("-pem") and b"ENCRYPTED PRIVATE KEY" in b:
            corp["keyfile"].update({k: v for k, v in pem_variants(b, name[5:]).items()
                                    if k.endswith("crlf.pem") or k.endswith("text-around.pem")})
            break

    for n, b in der_snippets().items():
        corp["der"][f"synth-{n}.der"] = b

    # x509_cert: whole chains (leaf first, as a peer sends them) of the cases
    # whose roots fuzz_x509_cert trusts, so that paths validate for real.
    for c in anchor_cases(cases):
        chain = b"".join(d for pem in [c["peer_certificate"]] + c["untrusted_intermediates"]
                         for _, _, d in pem_blocks(pem.encode()))
        corp["x509_cert"][f"synth-chain-{slug(c['id'])[:48]}.der"] = chain
    for case, pem, _ in data_chain_cases():
        chain = b"".join(d for _, _, d in pem_blocks(pem) if d is not None)
        if chain:
            corp["x509_cert"][f"data-chain-{slug(case)[:48]}.der"] = chain
    return corp


def anchor_cases(cases):
    """The limbo cases whose root fuzz_x509_cert trusts: successful server
    validations with one root, those with intermediates first."""
    ok = [c for c in cases if c["expected_result"] == "SUCCESS" and
          c["validation_kind"] == "SERVER" and len(c["trusted_certs"]) == 1 and
          c["validation_time"] is None and not c["features"]]
    ok.sort(key=lambda c: (not 1 <= len(c["untrusted_intermediates"]) <= 3, c["id"]))
    return ok[:ANCHORS]


def data_chain_cases():
    """tests/data/x509/<case>/ folders: (name, leaf + untrusted PEM, roots PEM)."""
    base = os.path.join(ROOT, "tests", "data", "x509")
    out = []
    if not os.path.isdir(base):
        return out
    for case in sorted(os.listdir(base)):
        d = os.path.join(base, case)
        read = lambda f: open(os.path.join(d, f), "rb").read() \
            if os.path.isfile(os.path.join(d, f)) else b""
        if os.path.isdir(d) and read("leaf.pem"):
            out.append((case, read("leaf.pem") + read("untrusted.pem"), read("roots.pem")))
    return out


def anchors_header(cases):
    pems = [c["trusted_certs"][0] for c in anchor_cases(cases)]
    nlimbo = len(pems)
    seen = set(pems)
    for _, _, roots in data_chain_cases():
        for _, block, der in pem_blocks(roots):
            pem = block.decode()
            if der is not None and pem not in seen and len(pems) < nlimbo + DATA_ANCHORS:
                seen.add(pem)
                pems.append(pem)
    lines = [
        "/*",
        " * fuzz/fuzz_x509_anchors.h - the trust store of fuzz_x509_cert: the roots of",
        f" * {nlimbo} successful x509-limbo server cases (../shared/vectors/x509-limbo),",
        " * whose chains are seeds in fuzz/corpus/x509_cert/synth-chain-*.der, and the",
        f" * {len(pems) - nlimbo} distinct roots of tests/data/x509 (chains: data-chain-*.der).",
        " * Generated by scripts/gen_fuzz_corpus.py; do not edit.",
        " */",
        "#ifndef LTLS_FUZZ_X509_ANCHORS_H",
        "#define LTLS_FUZZ_X509_ANCHORS_H",
        "",
        "static const char fuzz_x509_anchors_pem[] =",
    ]
    for pem in pems:
        for line in pem.strip().splitlines():
            lines.append(f'    "{line}\\n"')
    lines[-1] += ";"
    lines += ["", "#endif", ""]
    return "\n".join(lines)


# --- dictionaries (fuzz/dict/*.dict) ------------------------------------------------

def oid_der(dotted):
    """The DER TLV of an OBJECT IDENTIFIER given in dotted form."""
    arcs = [int(x) for x in dotted.split(".")]
    subs = [40 * arcs[0] + arcs[1]] + arcs[2:]
    body = b""
    for v in subs:
        enc = [v & 0x7F]
        v >>= 7
        while v:
            enc.append(0x80 | (v & 0x7F))
            v >>= 7
        body += bytes(reversed(enc))
    return tlv(0x06, body)


OIDS_X509 = {
    "at-commonName": "2.5.4.3", "at-countryName": "2.5.4.6", "at-organizationName": "2.5.4.10",
    "at-organizationalUnitName": "2.5.4.11", "at-serialNumber": "2.5.4.5",
    "at-localityName": "2.5.4.7", "at-stateOrProvinceName": "2.5.4.8",
    "pkcs9-emailAddress": "1.2.840.113549.1.9.1", "domainComponent": "0.9.2342.19200300.100.1.25",
    "ce-subjectKeyIdentifier": "2.5.29.14", "ce-keyUsage": "2.5.29.15",
    "ce-subjectAltName": "2.5.29.17", "ce-issuerAltName": "2.5.29.18",
    "ce-basicConstraints": "2.5.29.19", "ce-nameConstraints": "2.5.29.30",
    "ce-cRLDistributionPoints": "2.5.29.31", "ce-certificatePolicies": "2.5.29.32",
    "anyPolicy": "2.5.29.32.0", "ce-policyMappings": "2.5.29.33",
    "ce-authorityKeyIdentifier": "2.5.29.35", "ce-policyConstraints": "2.5.29.36",
    "ce-extKeyUsage": "2.5.29.37", "anyExtendedKeyUsage": "2.5.29.37.0",
    "ce-inhibitAnyPolicy": "2.5.29.54", "pe-authorityInfoAccess": "1.3.6.1.5.5.7.1.1",
    "kp-serverAuth": "1.3.6.1.5.5.7.3.1", "kp-clientAuth": "1.3.6.1.5.5.7.3.2",
    "kp-codeSigning": "1.3.6.1.5.5.7.3.3", "kp-emailProtection": "1.3.6.1.5.5.7.3.4",
    "kp-OCSPSigning": "1.3.6.1.5.5.7.3.9", "ct-precertSCTs": "1.3.6.1.4.1.11129.2.4.2",
    "rsaEncryption": "1.2.840.113549.1.1.1", "md5WithRSAEncryption": "1.2.840.113549.1.1.4",
    "sha1WithRSAEncryption": "1.2.840.113549.1.1.5", "rsassa-pss": "1.2.840.113549.1.1.10",
    "sha256WithRSAEncryption": "1.2.840.113549.1.1.11",
    "sha384WithRSAEncryption": "1.2.840.113549.1.1.12",
    "sha512WithRSAEncryption": "1.2.840.113549.1.1.13", "mgf1": "1.2.840.113549.1.1.8",
    "ecPublicKey": "1.2.840.10045.2.1", "secp256r1": "1.2.840.10045.3.1.7",
    "secp384r1": "1.3.132.0.34", "secp521r1": "1.3.132.0.35",
    "ecdsa-with-SHA1": "1.2.840.10045.4.1", "ecdsa-with-SHA256": "1.2.840.10045.4.3.2",
    "ecdsa-with-SHA384": "1.2.840.10045.4.3.3", "ecdsa-with-SHA512": "1.2.840.10045.4.3.4",
    "Ed25519": "1.3.101.112", "Ed448": "1.3.101.113", "X25519": "1.3.101.110",
    "dsa": "1.2.840.10040.4.1", "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2", "sha512": "2.16.840.1.101.3.4.2.3",
    "sha1": "1.3.14.3.2.26",
}

OIDS_PKCS = {
    "pbes2": "1.2.840.113549.1.5.13", "pbkdf2": "1.2.840.113549.1.5.12",
    "hmacWithSHA1": "1.2.840.113549.2.7", "hmacWithSHA256": "1.2.840.113549.2.9",
    "hmacWithSHA384": "1.2.840.113549.2.10", "hmacWithSHA512": "1.2.840.113549.2.11",
    "aes128-CBC": "2.16.840.1.101.3.4.1.2", "aes192-CBC": "2.16.840.1.101.3.4.1.22",
    "aes256-CBC": "2.16.840.1.101.3.4.1.42", "scrypt": "1.3.6.1.4.1.11591.4.11",
    "pbeWithSHAAnd3-KeyTripleDES-CBC": "1.2.840.113549.1.12.1.3",
}

DER_TOKENS = {
    "seq": b"\x30", "seq-long1": b"\x30\x81", "seq-long2": b"\x30\x82", "set": b"\x31",
    "int-0": b"\x02\x01\x00", "int-1": b"\x02\x01\x01", "int-2": b"\x02\x01\x02",
    "int-neg": b"\x02\x01\xff", "int-pad": b"\x02\x02\x00\x80",
    "bool-true": b"\x01\x01\xff", "bool-false": b"\x01\x01\x00", "null": b"\x05\x00",
    "bitstring-0": b"\x03\x01\x00", "bitstring": b"\x03\x02\x07\x80", "octets": b"\x04",
    "utf8": b"\x0c", "printable": b"\x13", "ia5": b"\x16", "t61": b"\x14", "bmp": b"\x1e",
    "universal": b"\x1c", "utctime": b"\x17\x0d", "gentime": b"\x18\x0f",
    "utc-value": b"491231235959Z", "gen-value": b"99991231235959Z", "leap-day": b"0229",
    "version-v3": b"\xa0\x03\x02\x01\x02", "ctx0": b"\xa0", "ctx1": b"\xa1", "ctx2": b"\xa2",
    "ctx3": b"\xa3", "impl0": b"\x80", "impl1": b"\x81", "impl2": b"\x82",
    "gn-dns": b"\x82", "gn-ip": b"\x87\x04", "gn-ip6": b"\x87\x10", "gn-uri": b"\x86",
    "gn-dirname": b"\xa4", "gn-othername": b"\xa0", "gn-rid": b"\x88",
    "len-81": b"\x81", "len-82": b"\x82", "len-83": b"\x83", "len-84": b"\x84",
    "len-indefinite": b"\x80", "len-ff": b"\xff", "eoc": b"\x00\x00",
    "hightag": b"\x1f\x81\x00", "hightag-min": b"\x9f\x1f", "hightag-max": b"\xbf\xff\xff\x7f",
    "ku-certsign": b"\x03\x02\x01\x06", "wildcard": b"*.", "dot": b".",
}

PEM_TOKENS = {
    "begin": b"-----BEGIN ", "end": b"-----END ", "dashes": b"-----", "crlf": b"\r\n",
    "lf": b"\n", "cert": b"CERTIFICATE", "key": b"PRIVATE KEY",
    "enckey": b"ENCRYPTED PRIVATE KEY", "eckey": b"EC PRIVATE KEY", "rsakey": b"RSA PRIVATE KEY",
    "ecparams": b"EC PARAMETERS", "x509crl": b"X509 CRL", "trusted": b"TRUSTED CERTIFICATE",
    "begin-cert": b"-----BEGIN CERTIFICATE-----\n", "end-cert": b"-----END CERTIFICATE-----\n",
    "proc-type": b"Proc-Type: 4,ENCRYPTED\n", "dek-info": b"DEK-Info: AES-128-CBC,",
    "pad1": b"=", "pad2": b"==", "vt": b"\x0b", "ff": b"\x0c", "tab": b"\t", "plus": b"+",
    "slash": b"/", "b64-seq": b"MII", "b64-seq-short": b"MH",
}

KEY_TOKENS = {
    "pkcs8-v1": b"\x02\x01\x00\x30", "pkcs8-v2": b"\x02\x01\x01\x30",
    "sec1-priv32": b"\x04\x20", "sec1-priv48": b"\x04\x30", "sec1-priv66": b"\x04\x42",
    "sec1-params": b"\xa0\x0a\x06\x08", "sec1-pub": b"\xa1\x44\x03\x42\x00\x04",
    "eddsa-priv": b"\x04\x22\x04\x20", "iterations-2048": b"\x02\x02\x08\x00",
    "iterations-max": b"\x02\x03\x98\x96\x80", "iv": b"\x04\x10", "salt": b"\x04\x08",
    "rsa-e": b"\x02\x03\x01\x00\x01",
}


def dict_text(title, entries, text=False):
    lines = [f"# {title}", "# Generated by scripts/gen_fuzz_corpus.py; edit there.", ""]
    for name, value in entries.items():
        # binary tokens fully in hex, so that a DER header reads as one
        printable = all(0x20 <= c < 0x7F or 0x09 <= c <= 0x0D for c in value) and \
            (text or len(value) >= 4)
        esc = "".join(chr(c) if printable and 0x20 <= c < 0x7F and c not in (0x22, 0x5C)
                      else f"\\x{c:02x}"
                      for c in value)
        lines.append(f'{slug(name).replace("-", "_")}="{esc}"')
    return "\n".join(lines) + "\n"


def dictionaries():
    der = dict(DER_TOKENS)
    der.update({f"oid_{k}": oid_der(v) for k, v in OIDS_X509.items()})
    key = dict(KEY_TOKENS)
    key.update({f"oid_{k}": oid_der(v) for k, v in OIDS_PKCS.items()})
    return {
        "der.dict": dict_text("DER tags, lengths, values and the OIDs of X.509 (libFuzzer -dict)",
                              der),
        "pem.dict": dict_text("PEM (RFC 7468) boundaries, labels and base64 details", PEM_TOKENS,
                              text=True),
        "keyfile.dict": dict_text("PKCS#8, SEC1 and PBES2 structure and OIDs", key),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that the files are current")
    a = ap.parse_args()
    corp = build()
    stale = []
    for target, files in sorted(corp.items()):
        sync_dir(os.path.join(CORPUS, target), files, PREFIXES, a.check, stale)
        print(f"{target}: {len(files)} seeds, {sum(map(len, files.values()))} bytes")
    print(f"total {sum(len(b) for files in corp.values() for b in files.values())} bytes")
    sync_file(os.path.join(ROOT, "fuzz", "fuzz_x509_anchors.h"), anchors_header(limbo()), a.check,
              stale)
    ddir = os.path.join(ROOT, "fuzz", "dict")
    os.makedirs(ddir, exist_ok=True)
    for f, text in dictionaries().items():
        sync_file(os.path.join(ddir, f), text, a.check, stale)
    return report("gen_fuzz_corpus", a.check, stale)


if __name__ == "__main__":
    sys.exit(main())
