"""bench/py_bench.py - the Python figures: lucidtls's PEP 748 TLSBuffer
against the standard library's ssl.SSLObject over MemoryBIO, both in
memory, client and server in this one process and thread.

    PYTHONPATH=build-bench/lib/python OPENSSL_CONF=... \\
        python3 bench/py_bench.py --certs DIR --host NAME [--round N]

Prints raw lines as lucidtls-bench does: py_handshake_per_s and
py_bulk_MBps for impl=lucidtls and impl=stdlib_ssl.

Both sides get the same work: TLS 1.3, TLS_AES_128_GCM_SHA256, X25519, the
same ECDSA P-256 chain, the client verifying the chain and the host name, no
session tickets. The stdlib's suite and group come from OPENSSL_CONF (which
bench/run points at a file setting Ciphersuites and Groups: Python 3.11 has
no set_ciphersuites); the script checks the negotiated suite.
"""
from __future__ import annotations

import argparse
import os
import ssl
import sys
import time

from lucidtls import (
    Certificate,
    CipherSuite,
    ClientContext,
    PrivateKey,
    ServerContext,
    SigningChain,
    TLSClientConfiguration,
    TLSServerConfiguration,
    TrustStore,
    WantReadError,
)

CHUNK = 16384


def ltls_contexts(certs: str) -> tuple[ClientContext, ServerContext]:
    suites = [CipherSuite.TLS_AES_128_GCM_SHA256]
    chain = SigningChain(
        leaf=(Certificate.from_file(os.path.join(certs, "leaf.pem")),
              PrivateKey.from_file(os.path.join(certs, "leaf.key"))),
        chain=[Certificate.from_file(os.path.join(certs, "inter.pem"))],
    )
    client = ClientContext(
        TLSClientConfiguration(ciphers=suites,
                               trust_store=TrustStore.from_file(os.path.join(certs, "ca.pem"))),
        groups=["x25519"])
    server = ServerContext(TLSServerConfiguration(certificate_chain=[chain], ciphers=suites),
                           groups=["x25519"])
    return client, server


def ltls_pair(client: ClientContext, server: ServerContext, host: str):
    c = client.create_buffer(host)
    s = server.create_buffer()
    c_done = s_done = False
    for _ in range(16):
        if not c_done:
            try:
                c.do_handshake()
                c_done = True
            except WantReadError:
                pass
        n = c.outgoing_bytes_buffered()
        if n:
            s.process_incoming(c.process_outgoing(n))
        if not s_done:
            try:
                s.do_handshake()
                s_done = True
            except WantReadError:
                pass
        n = s.outgoing_bytes_buffered()
        if n:
            c.process_incoming(s.process_outgoing(n))
        if c_done and s_done:
            return c, s
    raise RuntimeError("lucidtls handshake did not complete")


def ltls_bulk(c, s, data: bytes, total: int) -> None:
    got = 0
    sent = 0
    while got < total:
        if sent < total:
            sent += c.write(data)
            s.process_incoming(c.process_outgoing(c.outgoing_bytes_buffered()))
        while True:
            try:
                got += len(s.read(CHUNK))
            except WantReadError:
                break


def std_contexts(certs: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.minimum_version = ssl.TLSVersion.TLSv1_3
    client.load_verify_locations(os.path.join(certs, "ca.pem"))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.minimum_version = ssl.TLSVersion.TLSv1_3
    server.load_cert_chain(os.path.join(certs, "chain.pem"), os.path.join(certs, "leaf.key"))
    server.num_tickets = 0
    return client, server


def std_pair(client: ssl.SSLContext, server: ssl.SSLContext, host: str):
    ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = client.wrap_bio(ci, co, server_hostname=host)
    s = server.wrap_bio(si, so, server_side=True)
    c_done = s_done = False
    for _ in range(16):
        if not c_done:
            try:
                c.do_handshake()
                c_done = True
            except ssl.SSLWantReadError:
                pass
        if co.pending:
            si.write(co.read())
        if not s_done:
            try:
                s.do_handshake()
                s_done = True
            except ssl.SSLWantReadError:
                pass
        if so.pending:
            ci.write(so.read())
        if c_done and s_done:
            return (c, co), (s, si)
    raise RuntimeError("ssl handshake did not complete")


def std_bulk(cpair, spair, data: bytes, total: int) -> None:
    c, co = cpair
    s, si = spair
    got = 0
    sent = 0
    while got < total:
        if sent < total:
            sent += c.write(data)
            si.write(co.read())
        while True:
            try:
                got += len(s.read(CHUNK))
            except ssl.SSLWantReadError:
                break


def rate(fn, seconds: float) -> float:
    for _ in range(10):
        fn()
    n = 0
    t0 = time.perf_counter()
    while True:
        fn()
        n += 1
        t = time.perf_counter() - t0
        if t >= seconds:
            return n / t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--certs", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--round", type=int, default=0)
    ap.add_argument("--hs-seconds", type=float, default=1.0)
    ap.add_argument("--bulk-mib", type=int, default=64)
    args = ap.parse_args()

    lc, ls = ltls_contexts(args.certs)
    sc, ss = std_contexts(args.certs)
    # Same negotiation on both sides, checked once.
    c, s = ltls_pair(lc, ls, args.host)
    assert c.cipher() == CipherSuite.TLS_AES_128_GCM_SHA256, c.cipher()
    assert c.group() == "x25519", c.group()
    (c2, _), _ = std_pair(sc, ss, args.host)
    name = c2.cipher()[0]
    if name != "TLS_AES_128_GCM_SHA256":
        print(f"py_bench: stdlib ssl negotiated {name}; set OPENSSL_CONF (bench/run does)",
              file=sys.stderr)
        return 1

    data = bytes(range(256)) * (CHUNK // 256)
    total = args.bulk_mib << 20

    def hs_ltls() -> None:
        ltls_pair(lc, ls, args.host)

    def hs_std() -> None:
        std_pair(sc, ss, args.host)

    def bulk_ltls() -> float:
        c, s = ltls_pair(lc, ls, args.host)
        ltls_bulk(c, s, data, 1 << 20)
        t0 = time.perf_counter()
        ltls_bulk(c, s, data, total)
        return total / (time.perf_counter() - t0) / 1e6

    def bulk_std() -> float:
        cp, sp = std_pair(sc, ss, args.host)
        std_bulk(cp, sp, data, 1 << 20)
        t0 = time.perf_counter()
        std_bulk(cp, sp, data, total)
        return total / (time.perf_counter() - t0) / 1e6

    order = [("lucidtls", hs_ltls, bulk_ltls), ("stdlib_ssl", hs_std, bulk_std)]
    if args.round % 2:
        order.reverse()
    for impl, hs, _ in order:
        print(f"raw metric=py_handshake_per_s impl={impl} value={rate(hs, args.hs_seconds):.1f}",
              flush=True)
    for impl, _, bulk in order:
        print(f"raw metric=py_bulk_MBps impl={impl} value={bulk():.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
