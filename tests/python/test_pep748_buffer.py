"""PEP 748 TLSBuffer: lucidtls client and server talking in memory, every
method's semantics and every error path."""

from __future__ import annotations

import pytest

import lucidtls
from lucidtls import (
    Certificate,
    CipherSuite,
    ClientContext,
    NextProtocol,
    PrivateKey,
    ServerContext,
    SigningChain,
    TLSClientConfiguration,
    TLSServerConfiguration,
    TLSVersion,
    TrustStore,
)

from ltls_helpers import handshake, pump


def chain(cert, key):
    return SigningChain((Certificate.from_file(cert), PrivateKey.from_file(key)))


@pytest.fixture
def server_ctx(pki):
    return ServerContext(TLSServerConfiguration(certificate_chain=[chain(pki.server_cert, pki.server_key)]))


@pytest.fixture
def client_ctx(pki):
    return ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file)))


def pair(client_ctx, server_ctx, name="localhost"):
    return client_ctx.create_buffer(name), server_ctx.create_buffer()


def test_handshake_and_queries(client_ctx, server_ctx, pki):
    c, s = pair(client_ctx, server_ctx)
    assert c.cipher() is None and c.negotiated_tls_version is None and c.getpeercert() is None
    handshake(c, s)
    assert c.negotiated_tls_version is TLSVersion.TLSv1_3 is s.negotiated_tls_version
    assert isinstance(c.cipher(), CipherSuite) and c.cipher() == s.cipher()
    assert c.negotiated_protocol() is None
    assert c.getpeercert() == lucidtls._lucidtls.parse_certs(pki.server_pem)[0].der()
    assert s.getpeercert() is None  # no client certificate asked for
    assert c.context is client_ctx and s.context is server_ctx
    assert c.group() == s.group() == "x25519"
    assert s.server_name() == "localhost"
    assert c.export_keying_material(b"EXPORTER-test", 32) == s.export_keying_material(b"EXPORTER-test", 32)
    # RFC 8446 §7.5: no context is the empty context in TLS 1.3
    assert c.export_keying_material(b"EXPORTER-test", 32, b"") == c.export_keying_material(b"EXPORTER-test", 32)
    assert c.export_keying_material(b"EXPORTER-test", 32, b"ctx") != c.export_keying_material(b"EXPORTER-test", 32)
    assert len(c.export_keying_material(b"EXPORTER-test", 100)) == 100


def test_application_data_both_ways_with_short_reads(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    handshake(c, s)
    payload = bytes(range(256)) * 300  # several records
    sent = 0
    while sent < len(payload):
        sent += c.write(payload[sent:])
        pump(c, s)
    got = bytearray()
    while len(got) < len(payload):
        got += s.read(1000)  # short reads: at most what was asked
    assert bytes(got) == payload
    with pytest.raises(lucidtls.WantReadError):
        s.read(10)
    s.write(b"pong")
    pump(c, s)
    buf = bytearray(10)
    assert c.read(2, buf) == 2 and buf[:2] == b"po"  # into a caller's buffer, bounded by amt
    assert c.read(100, memoryview(buf)[2:]) == 2 and bytes(buf[:4]) == b"pong"


def test_incoming_and_outgoing_buffered(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    with pytest.raises(lucidtls.WantReadError):
        c.do_handshake()
    n = c.outgoing_bytes_buffered()
    assert n > 100  # the ClientHello
    first = c.process_outgoing(10)
    assert len(first) == 10 and c.outgoing_bytes_buffered() == n - 10
    s.process_incoming(first)
    assert s.incoming_bytes_buffered() == 10
    s.process_incoming(c.process_outgoing(n))
    assert c.outgoing_bytes_buffered() == 0
    with pytest.raises(lucidtls.WantReadError):
        s.do_handshake()
    assert s.incoming_bytes_buffered() == 0
    assert c.process_outgoing(0) == b""
    with pytest.raises(ValueError):
        c.process_outgoing(-1)
    with pytest.raises(TypeError):
        c.process_outgoing("10")  # type: ignore[arg-type]


def test_process_incoming_stores_all_or_nothing(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    handshake(c, s)
    blob = b"\x17\x03\x03" + b"\x00" * 2000  # never processed: nobody reads
    total = 0
    with pytest.raises(lucidtls.WantReadError):
        for _ in range(10_000):
            s.process_incoming(blob)
            total += len(blob)
    assert s.incoming_bytes_buffered() == total  # the refused call stored nothing


def test_data_written_before_the_handshake_is_sent_after(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    assert c.write(b"early") == 5
    handshake(c, s)
    pump(c, s)
    assert s.read(100) == b"early"


def test_clean_shutdown_and_eof(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    handshake(c, s)
    c.write(b"last words")
    c.shutdown()
    pump(c, s)
    assert s.read(100) == b"last words"
    assert s.read(100) == b""  # close_notify: EOF
    assert s.read(100) == b""  # and it stays so
    assert s.read(100, bytearray(5)) == 0
    s.write(b"half-closed reply")  # the other direction is still open
    s.shutdown()
    pump(c, s)
    assert c.read(100) == b"half-closed reply"
    assert c.read(100) == b""


def test_ragged_eof(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    handshake(c, s)
    c.write(b"truncated?")
    pump(c, s)
    s.process_incoming(b"")  # the transport ended, no close_notify
    assert s.read(100) == b"truncated?"
    with pytest.raises(lucidtls.RaggedEOF) as e:
        s.read(100)
    assert e.value.reason == "RAGGED_EOF"


def test_alpn(pki):
    srv = ServerContext(TLSServerConfiguration(
        certificate_chain=[chain(pki.server_cert, pki.server_key)],
        inner_protocols=[NextProtocol.H2, b"custom/1"]))
    cli = ClientContext(TLSClientConfiguration(
        trust_store=TrustStore.from_file(pki.ca_file), inner_protocols=[b"custom/1", NextProtocol.H2]))
    c, s = pair(cli, srv)
    handshake(c, s)
    assert c.negotiated_protocol() == s.negotiated_protocol()
    assert c.negotiated_protocol() in (NextProtocol.H2, b"custom/1")
    other = ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file), inner_protocols=[b"nothing-shared"]))
    c, s = pair(other, srv)
    with pytest.raises(lucidtls.TLSError) as e:
        handshake(c, s)
    assert "no_application_protocol" in str(e.value) or e.value.alert == "no_application_protocol"


@pytest.mark.parametrize("cert, key, name, reason, alert", [
    ("untrusted_cert", "untrusted_key", "localhost", "CERT_UNKNOWN_ISSUER", "unknown_ca"),
    ("expired_cert", "expired_key", "localhost", "CERT_EXPIRED", "certificate_expired"),
    ("wrongname_cert", "wrongname_key", "localhost", "CERT_NAME_MISMATCH", "bad_certificate"),
    ("server_cert", "server_key", "other.example", "CERT_NAME_MISMATCH", "bad_certificate"),
])
def test_verification_failures(pki, client_ctx, cert, key, name, reason, alert):
    srv = ServerContext(TLSServerConfiguration(certificate_chain=[chain(getattr(pki, cert), getattr(pki, key))]))
    c, s = pair(client_ctx, srv, name)
    with pytest.raises(lucidtls.CertificateVerificationError) as e:
        handshake(c, s)
    err = e.value
    assert err.reason == reason and err.alert == alert
    assert isinstance(err, lucidtls.TLSError) and isinstance(err, __import__("ssl").CertificateError)
    assert alert in str(err)
    # the alert travels: the server learns why
    pump(c, s)
    with pytest.raises(lucidtls.AlertReceived) as e2:
        s.do_handshake()
    assert e2.value.alert == alert
    # errors are sticky
    with pytest.raises(lucidtls.CertificateVerificationError):
        c.do_handshake()


def test_ip_literal_names(pki, client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx, "127.0.0.1")
    handshake(c, s)
    assert s.server_name() is None  # no SNI for an IP literal (RFC 6066)


def test_client_certificates(pki):
    srv = ServerContext(TLSServerConfiguration(
        certificate_chain=[chain(pki.server_cert, pki.server_key)], trust_store=TrustStore.from_file(pki.ca_file)))
    with_cert = ClientContext(TLSClientConfiguration(
        certificate_chain=chain(pki.client_cert, pki.client_key), trust_store=TrustStore.from_file(pki.ca_file)))
    c, s = pair(with_cert, srv)
    handshake(c, s)
    assert s.getpeercert() == lucidtls._lucidtls.parse_certs(pki.client_cert.read_bytes())[0].der()
    assert len(s.peer_certificate_chain()) == 1
    # no certificate: the server refuses (certificate_required)
    without = ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file)))
    c, s = pair(without, srv)
    with pytest.raises(lucidtls.TLSError) as e:
        handshake(c, s)
    assert e.value.alert == "certificate_required"
    # optional: accepted without one
    opt = ServerContext(TLSServerConfiguration(
        certificate_chain=[chain(pki.server_cert, pki.server_key)], trust_store=TrustStore.from_file(pki.ca_file)),
        client_auth="optional")
    c, s = pair(without, opt)
    handshake(c, s)
    assert s.getpeercert() is None


def test_several_chains_and_key_types(pki):
    srv = ServerContext(TLSServerConfiguration(certificate_chain=[
        chain(pki.rsa_cert, pki.rsa_key), chain(pki.ed_cert, pki.ed_key), chain(pki.server_cert, pki.server_key)]))
    for sigs, expect in ((["rsa_pss_rsae_sha256"], pki.rsa_cert), (["ed25519"], pki.ed_cert), (["ecdsa_secp256r1_sha256"], pki.server_cert)):
        cli = ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file)), signature_schemes=sigs)
        c, s = pair(cli, srv)
        handshake(c, s)
        assert c.getpeercert() == lucidtls._lucidtls.parse_certs(expect.read_bytes())[0].der()


def test_cipher_and_group_choice(pki, server_ctx):
    cli = ClientContext(
        TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file), ciphers=[CipherSuite.TLS_CHACHA20_POLY1305_SHA256]),
        groups=["secp384r1"])
    c, s = pair(cli, server_ctx)
    handshake(c, s)
    assert c.cipher() is CipherSuite.TLS_CHACHA20_POLY1305_SHA256
    assert c.group() == "secp384r1"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_keylog(pki, server_ctx, tmp_path):
    lines = []
    cli = ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file)), keylog_callback=lines.append)
    c, s = pair(cli, server_ctx)
    handshake(c, s)
    labels = {line.split()[0] for line in lines}
    assert {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} <= labels
    path = tmp_path / "keys.log"
    cli = ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file)), keylog_filename=path)
    c, s = pair(cli, server_ctx)
    handshake(c, s)
    assert path.read_text().count("\n") >= 4
    # a failing callback does not break the handshake
    def boom(line):
        raise RuntimeError("callback failure")
    cli = ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file)), keylog_callback=boom)
    c, s = pair(cli, server_ctx)
    handshake(c, s)


def test_key_update(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    handshake(c, s)
    c.key_update(request_peer=True)
    pump(c, s)
    with pytest.raises(lucidtls.WantReadError):
        s.read(10)
    pump(c, s)
    c.write(b"after update")
    s.write(b"both ways")
    pump(c, s)
    assert s.read(100) == b"after update"
    assert c.read(100) == b"both ways"


def test_garbage_from_the_peer(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    s.process_incoming(b"\x16\x03\x01\x00\x05hello-not-tls")
    with pytest.raises(lucidtls.ProtocolError) as e:
        s.do_handshake()
    assert e.value.alert is not None and e.value.reason
    assert s.outgoing_bytes_buffered() > 0  # the alert is there to send


def test_buffers_are_not_constructible():
    with pytest.raises(TypeError):
        lucidtls.TLSBuffer()
    with pytest.raises(TypeError):
        lucidtls.TLSSocket()


def test_bad_arguments_raise(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    with pytest.raises(TypeError):
        c.write("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c.process_incoming("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        c.read("10")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        c.read(-1)
    with pytest.raises(BufferError):
        c.read(10, b"immutable")
    with pytest.raises(TypeError):
        client_ctx.create_buffer(b"localhost")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        client_ctx.create_buffer("bad\0name")
    with pytest.raises(ValueError):
        client_ctx.create_buffer("")


def test_short_writes_and_want_write(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    handshake(c, s)
    big = b"w" * (1 << 20)
    first = c.write(big)
    assert 0 < first < len(big)  # short write: the outgoing buffer is bounded
    with pytest.raises(lucidtls.WantWriteError):
        c.write(big[first:])  # nothing fits until the network takes bytes
    s.process_incoming(c.process_outgoing(c.outgoing_bytes_buffered()))
    second = c.write(big[first:])
    assert second > 0  # room again
    pump(c, s)
    got = b""
    while len(got) < first + second:
        got += s.read(1 << 20)
    assert got == big[: first + second]


def test_queue_before_the_handshake_is_bounded(client_ctx, server_ctx):
    c, s = pair(client_ctx, server_ctx)
    taken = c.write(b"q" * (1 << 20))
    assert 0 < taken < (1 << 20)
    with pytest.raises(lucidtls.WantReadError):
        c.write(b"more")  # full until the handshake completes
    handshake(c, s)
    pump(c, s)
    got = b""
    while len(got) < taken:
        got += s.read(1 << 16)
    assert got == b"q" * taken
