#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_python (fuzz/corpus/python/).

One or a few seeds per entry point of fuzz/fuzz_python.c, from material
already in the tree: the test PKI of tests/data/hs (PEM and DER
certificates, the handshake chain), keys of tests/data/keys (PKCS#8, SEC1,
PKCS#1, encrypted with the password "lucidtls"), a certificate with an IPv6
subjectAltName from tests/data/x509, the handshake transcripts
of fuzz/corpus/client and fuzz/corpus/server (fuzz_hs.h's format, which
fuzz_python's connection entries read as they are), host names, ALPN lists
and context options.

A seed is one byte, entry | form << 5 (the entry numbers are read from the
`EP_NAME = N` lines of fuzz/fuzz_python.c, the forms are listed below), then
the entry's payload. The script owns the files whose names start with
"seed-"; anything else in the folder (inputs found by fuzzing) is kept.
--check exits 1 if the committed seeds differ from what it would write.

Usage: scripts/gen_fuzz_python_corpus.py [--check]
"""
import argparse
import base64
import os
import re
import struct
import sys

from seedfiles import report, sync_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "fuzz", "fuzz_python.c")
OUT = os.path.join(ROOT, "fuzz", "corpus", "python")
HS = os.path.join(ROOT, "tests", "data", "hs")
KEYS = os.path.join(ROOT, "tests", "data", "keys")
X509 = os.path.join(ROOT, "tests", "data", "x509")
PREFIX = "seed-"

# enum form of fuzz_python.c
(F_BYTES, F_BYTEARRAY, F_MEMORYVIEW, F_STR_ESCAPE, F_STR_LATIN1, F_STRIDED, F_WRONG,
 F_ARRAY) = range(8)


def entries():
    """{name: number} from the `EP_NAME = N,` lines of the target."""
    with open(TARGET) as f:
        found = dict((m.group(1), int(m.group(2)))
                     for m in re.finditer(r"^\s*EP_([A-Z0-9_]+) = (\d+),", f.read(), re.M))
    if not found:
        sys.exit(f"no EP_... = N lines in {TARGET}")
    return found


def read(*parts):
    with open(os.path.join(*parts), "rb") as f:
        return f.read()


def pem_blocks(data):
    """DER of every PEM block of data."""
    out = []
    for m in re.finditer(rb"-----BEGIN [^-]+-----(.*?)-----END [^-]+-----", data, re.S):
        out.append(base64.b64decode(b"".join(m.group(1).split())))
    return out


def seeds():
    ep = entries()
    out = {}

    def add(entry, name, payload, form=F_BYTES):
        out[f"{PREFIX}{entry.lower()}-{name}"] = bytes([ep[entry] | form << 5]) + payload

    p256, inter, ca = read(HS, "p256.crt"), read(HS, "inter.crt"), read(HS, "ca.crt")
    rsa = read(HS, "rsa2048.crt")
    chain = p256 + inter
    ipv6 = read(X509, "ip-san-ipv6", "leaf.pem")

    add("PARSE_CERTS", "pem-chain", chain)
    add("PARSE_CERTS", "der-leaf", pem_blocks(p256)[0])
    add("PARSE_CERTS", "pem-with-text", b"subject=CN = localhost\r\n" + rsa.replace(b"\n", b"\r\n")
        + b"trailing text\n")
    add("X509", "p256", pem_blocks(p256)[0])
    add("X509", "ipv6-san", pem_blocks(ipv6)[0])
    add("MATCH_HOST", "localhost", b"localhost")
    add("MATCH_HOST", "ip", b"127.0.0.1")
    add("MATCH_HOST", "ipv6", b"::1", F_STR_LATIN1)
    add("MATCH_HOST", "wildcard-upper", b"*.P256.test.")
    add("MATCH_HOST", "not-utf8", b"p256.t\xe9st", F_STR_ESCAPE)
    add("TRUST_ADD", "root-pem", ca)
    add("TRUST_ADD", "root-der", pem_blocks(ca)[0], F_BYTEARRAY)
    add("TRUST_ADD", "bundle", ca + read(HS, "other-ca.crt") + ca)
    add("TRUST_PATH", "file", b"ca.crt")
    add("TRUST_PATH", "bytes-dotdot", b"../../etc/ssl/certs", F_BYTEARRAY)
    add("TRUST_PATH", "nul", b"root\x00.pem")
    add("KEY", "pkcs8-p256", read(KEYS, "p256.pem"))
    add("KEY", "pkcs1-rsa-der", read(KEYS, "rsa2048.pkcs1.der"))
    add("KEY", "sec1-p384", read(KEYS, "p384.sec1.pem"), F_MEMORYVIEW)
    pw = b"\x08lucidtls"
    add("KEY_PASSWORD", "aes128-sha1", pw + read(KEYS, "p256.enc-aes128-sha1.pem"))
    add("KEY_PASSWORD", "aes256-sha384-der", pw + read(KEYS, "p256.enc-aes256-sha384.der"))
    add("KEY_PASSWORD", "ed25519", pw + read(KEYS, "ed25519.enc-aes256-sha256.pem"))
    add("PASSWORD", "bytearray", pw + read(KEYS, "p256.enc-aes256-sha256.pem"), F_BYTEARRAY)
    add("PASSWORD", "wrong", b"\x05wrong" + read(KEYS, "p384.enc-aes256-sha256.pem"))
    add("PROVIDER", "openssl", b"openssl")
    add("PROVIDER", "suite", b"\x13\x01")
    add("VERIFY_CHAIN", "p256", chain)
    add("VERIFY_CHAIN", "rsa", rsa + inter)
    add("VERIFY_CHAIN", "wrongname", read(HS, "wrongname.crt") + inter)
    add("VERIFY_HOST", "localhost", b"localhost", F_STR_LATIN1)
    add("VERIFY_HOST", "ip", b"127.0.0.1")
    add("VERIFY_HOST", "other", b"p256.test")
    add("ALPN", "h2-http11", b"\x02h2\x08http/1.1")
    add("ALPN", "http11", b"\x08http/1.1")
    add("ALPN", "none-common", b"\x03foo\x03bar")
    # ep_options: flags, flags, client_auth, min/max version, key shares,
    # record_size_limit, then count-prefixed lists of code points.
    lists = (b"\x03" + struct.pack(">3H", 0x1301, 0x1302, 0x1303)
             + b"\x02" + struct.pack(">2H", 0x001D, 0x0017)
             + b"\x03" + struct.pack(">3H", 0x0403, 0x0804, 0x0807))
    add("OPTIONS", "client", bytes([0xC0, 0x07, 0]) + struct.pack(">HHbh", 0x0304, 0x0304, 2, 0)
        + lists)
    add("OPTIONS", "server", bytes([0xC1, 0x0F, 1]) + struct.pack(">HHbh", 0, 0x0304, 0, 1024)
        + lists)
    add("OPTIONS", "insecure-rsl", bytes([0x26, 0x02, 0]) + struct.pack(">HHbh", 0, 0, 1, 64))
    add("SERVER_NAME", "localhost", b"localhost")
    add("SERVER_NAME", "p256", b"p256.test", F_STR_LATIN1)
    add("SERVER_NAME", "ip", b"127.0.0.1")
    for side, entry in (("client", "CLIENT"), ("server", "SERVER")):
        d = os.path.join(ROOT, "fuzz", "corpus", side)
        for f in sorted(os.listdir(d)):
            # hs-oom differs from hs-default by its flags byte alone, which
            # means a failing key-log callback here: the client's is enough.
            if f.startswith("hs-") and not (side == "server" and f == "hs-oom"):
                add(entry, f, read(d, f))
    add("APPDATA", "http", b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    add("APPDATA", "bytearray", bytes(range(256)) * 4, F_BYTEARRAY)
    add("SOCKET_ARGS", "timeout", struct.pack("<d", 2.5) + b"localhost")
    add("SOCKET_ARGS", "host", b"example.com", F_STR_LATIN1)
    add("CHAINS", "p256", chain)
    add("CHAINS", "rsa", rsa + inter)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if the committed seeds are not what this script writes")
    a = ap.parse_args()
    want = seeds()
    stale = []
    sync_dir(OUT, want, PREFIX, a.check, stale)
    print(f"fuzz/corpus/python: {len(want)} seeds")
    return report("gen_fuzz_python_corpus", a.check, stale)


if __name__ == "__main__":
    sys.exit(main())
