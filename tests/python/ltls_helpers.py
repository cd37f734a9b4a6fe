"""Shared fixtures and helpers of the Python package's tests (conftest.py
re-exports the fixtures; a module of its own name, because tests/interop and
tests/x509 have a conftest.py too and pytest may run them all at once).

The tests import the *installed* package (scripts/test installs it into a
venv first); LUCIDTLS_PY_SOURCE_OK=1 lets them run against a build tree put
on PYTHONPATH instead, for development.

Certificates are made here with `cryptography` (any dates, names and key
types), once per session, in a temporary directory. Every server a test
starts listens on 127.0.0.1 and is stopped by the test (by PID for external
programs).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import lucidtls

if os.environ.get("LUCIDTLS_PY_SOURCE_OK") != "1":
    # The suite must exercise what `pip install .` installed, not a tree on
    # sys.path by accident.
    assert "site-packages" in lucidtls.__file__, (
        f"lucidtls imported from {lucidtls.__file__}, not an installed package "
        "(set LUCIDTLS_PY_SOURCE_OK=1 to test a build tree)"
    )

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lucidtls tests")])


def _pem_key(key, password: bytes | None = None) -> bytes:
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(cn: str, key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf(
    ca_cert,
    ca_key,
    cn: str,
    dns=("localhost",),
    ips=("127.0.0.1",),
    key=None,
    client=False,
    not_before=None,
    not_after=None,
):
    key = key or ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    eku = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    algo = None if isinstance(ca_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(ca_key, algo), key


@dataclass
class Pki:
    dir: Path
    ca_pem: bytes
    ca_file: Path
    server_cert: Path
    server_key: Path
    server_pem: bytes
    server_key_pem: bytes
    rsa_cert: Path
    rsa_key: Path
    ed_cert: Path
    ed_key: Path
    client_cert: Path
    client_key: Path
    other_ca_file: Path
    untrusted_cert: Path
    untrusted_key: Path
    expired_cert: Path
    expired_key: Path
    wrongname_cert: Path
    wrongname_key: Path
    enc_key: Path
    enc_password: bytes
    combined: Path  # certificate and key in one PEM file


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    d = tmp_path_factory.mktemp("pki")

    def write(name: str, data: bytes) -> Path:
        p = d / name
        p.write_bytes(data)
        return p

    ca, ca_key = make_ca("lucidtls test root")
    other, other_key = make_ca("some other root")
    server, server_key = make_leaf(ca, ca_key, "localhost")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_leaf, _ = make_leaf(ca, ca_key, "localhost", key=rsa_key)
    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_leaf, _ = make_leaf(ca, ca_key, "localhost", key=ed_key)
    client, client_key = make_leaf(ca, ca_key, "test client", dns=(), ips=(), client=True)
    untrusted, untrusted_key = make_leaf(other, other_key, "localhost")
    expired, expired_key = make_leaf(
        ca, ca_key, "localhost", not_before=NOW - dt.timedelta(days=20), not_after=NOW - dt.timedelta(days=2)
    )
    wrong, wrong_key = make_leaf(ca, ca_key, "elsewhere.example", dns=("elsewhere.example",), ips=())
    pw = b"correct horse"
    return Pki(
        dir=d,
        ca_pem=_pem_cert(ca),
        ca_file=write("ca.pem", _pem_cert(ca)),
        server_cert=write("server.pem", _pem_cert(server)),
        server_key=write("server.key", _pem_key(server_key)),
        server_pem=_pem_cert(server),
        server_key_pem=_pem_key(server_key),
        rsa_cert=write("rsa.pem", _pem_cert(rsa_leaf)),
        rsa_key=write("rsa.key", _pem_key(rsa_key)),
        ed_cert=write("ed.pem", _pem_cert(ed_leaf)),
        ed_key=write("ed.key", _pem_key(ed_key)),
        client_cert=write("client.pem", _pem_cert(client)),
        client_key=write("client.key", _pem_key(client_key)),
        other_ca_file=write("other-ca.pem", _pem_cert(other)),
        untrusted_cert=write("untrusted.pem", _pem_cert(untrusted)),
        untrusted_key=write("untrusted.key", _pem_key(untrusted_key)),
        expired_cert=write("expired.pem", _pem_cert(expired)),
        expired_key=write("expired.key", _pem_key(expired_key)),
        wrongname_cert=write("wrongname.pem", _pem_cert(wrong)),
        wrongname_key=write("wrongname.key", _pem_key(wrong_key)),
        enc_key=write("server.enc.key", _pem_key(server_key, pw)),
        enc_password=pw,
        combined=write("combined.pem", _pem_cert(server) + _pem_key(server_key)),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


class Peer:
    """An external server process, stopped by PID."""

    def __init__(self, args: list[str], port: int, **kw) -> None:
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
        self.port = port
        try:
            wait_port(port, self.proc)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        for f in (self.proc.stdin, self.proc.stderr):
            if f:
                f.close()


@pytest.fixture
def openssl_server(pki):
    """`openssl s_server -tls1_3 -www` on 127.0.0.1 (stopped by PID)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    port = free_port()
    peer = Peer(
        ["openssl", "s_server", "-tls1_3", "-www", "-accept", f"127.0.0.1:{port}",
         "-cert", str(pki.server_cert), "-key", str(pki.server_key), "-naccept", "20"],
        port,
    )
    yield peer
    peer.stop()


def pump(a, b, limit: int = 50) -> None:
    """Moves bytes between two TLSBuffer-like objects until both are quiet."""
    for _ in range(limit):
        moved = False
        for x, y in ((a, b), (b, a)):
            n = x.outgoing_bytes_buffered()
            if n:
                y.process_incoming(x.process_outgoing(n))
                moved = True
        if not moved:
            return
    raise AssertionError("pump did not settle")


def handshake(client, server, limit: int = 20) -> None:
    """Runs a PEP 748 in-memory handshake to completion."""
    done = {id(client): False, id(server): False}
    for _ in range(limit):
        for side in (client, server):
            if not done[id(side)]:
                try:
                    side.do_handshake()
                    done[id(side)] = True
                except lucidtls.WantReadError:
                    pass
        pump(client, server)
        if all(done.values()):
            return
    raise AssertionError("handshake did not complete")
