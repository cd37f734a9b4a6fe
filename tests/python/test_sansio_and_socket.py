"""The siotls-style connection (against `openssl s_server`, and lucidtls to
lucidtls in memory) and PEP 748's TLSSocket over real loopback sockets."""

from __future__ import annotations

import socket
import threading

import pytest

import lucidtls
from lucidtls import (
    Certificate,
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
from lucidtls.sansio import TLSConfiguration, TLSConnection, get_truststore


def siotls_readme_client(port: int, tls_client_config) -> str:
    """The client of siotls's README, unchanged but for the host and port."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.settimeout(10)  # bounded: a hung peer fails the test instead of hanging it
    conn = TLSConnection(tls_client_config, server_hostname="localhost")

    conn.initiate_connection()
    if conn.config.side == "client":
        sock.sendall(conn.data_to_send())
    while not conn.is_post_handshake():
        if input_data := sock.recv(4096):
            try:
                conn.receive_data(input_data)
            finally:
                if output_data := conn.data_to_send():
                    sock.sendall(output_data)
        else:
            conn.close_receiving_end()  # it goes post handshake

    req = """\
GET / HTTP/1.1\r
Host: example.com\r
Connection: close\r
\r
"""
    res = bytearray()

    if conn.is_connected():
        conn.send_data(req.encode())
        sock.sendall(conn.data_to_send())

        while conn.is_connected():
            if input_data := sock.recv(4096):
                try:
                    conn.receive_data(input_data)
                finally:
                    if output_data := conn.data_to_send():
                        sock.sendall(output_data)
                res += conn.data_to_read()
            else:
                conn.close_receiving_end()  # it disconnects

        conn.close_sending_end()
        sock.sendall(conn.data_to_send())

    sock.close()

    return res.decode()


def test_siotls_readme_loop_against_openssl_s_server(pki, openssl_server):
    config = TLSConfiguration(side="client", truststore=TrustStore.from_file(pki.ca_file))
    page = siotls_readme_client(openssl_server.port, config)
    # s_server -www answers with a status page naming the protocol it used
    assert page.startswith("HTTP/1.0 200 ok")
    assert "TLSv1.3" in page


def test_siotls_loop_fails_cleanly_on_an_untrusted_server(pki, openssl_server):
    config = TLSConfiguration(side="client", truststore=TrustStore.from_file(pki.other_ca_file))
    with pytest.raises(lucidtls.CertificateVerificationError) as e:
        siotls_readme_client(openssl_server.port, config)
    assert e.value.alert == "unknown_ca"


def test_sansio_both_sides_in_memory(pki):
    server_cfg = TLSConfiguration(
        side="server",
        private_key=pki.server_key_pem,
        certificate_chain=[pki.server_pem],
        alpn=["http/1.1"],
    )
    client_cfg = TLSConfiguration(side="client", truststore=TrustStore.from_buffer(pki.ca_pem), alpn=["h2", "http/1.1"])
    s = TLSConnection(server_cfg)
    c = TLSConnection(client_cfg, server_hostname="localhost")
    c.initiate_connection()
    s.initiate_connection()
    for _ in range(10):
        if data := c.data_to_send():
            s.receive_data(data)
        if data := s.data_to_send():
            c.receive_data(data)
        if c.is_connected() and s.is_connected():
            break
    assert c.is_post_handshake() and s.is_post_handshake()
    assert c.alpn_protocol == b"http/1.1"
    c.send_data(b"x" * 50_000)
    s.receive_data(c.data_to_send())
    assert s.data_to_read() == b"x" * 50_000
    assert s.data_to_read() == b""
    c.close_sending_end()
    s.receive_data(c.data_to_send())
    assert not s.is_connected() and s.is_post_handshake()
    with pytest.raises(lucidtls.TLSError):
        c.send_data(b"after close")


def test_sansio_transport_eof_during_handshake(pki):
    c = TLSConnection(TLSConfiguration(side="client", truststore=TrustStore.from_buffer(pki.ca_pem)), server_hostname="localhost")
    c.initiate_connection()
    assert not c.is_post_handshake()
    c.close_receiving_end()
    assert c.is_post_handshake() and not c.is_connected()


def test_sansio_configuration_checks(pki):
    with pytest.raises(ValueError):
        TLSConfiguration(side="middle")
    with pytest.raises(ValueError):
        TLSConfiguration(side="server")
    with pytest.raises(TypeError):
        TLSConfiguration(side="client", truststore=b"pem")  # type: ignore[arg-type]
    assert get_truststore() == TrustStore.system()


# ------------------------------------------------------------------- TLSSocket

@pytest.fixture
def server_ctx(pki):
    return ServerContext(TLSServerConfiguration(
        certificate_chain=[SigningChain((Certificate.from_file(pki.server_cert), PrivateKey.from_file(pki.server_key)))],
        inner_protocols=[NextProtocol.HTTP1]))


@pytest.fixture
def client_ctx(pki):
    return ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file), inner_protocols=[NextProtocol.HTTP1]))


def serve_once(listener, handler, errors):
    def run():
        try:
            conn, addr = listener.accept(timeout=10)
            try:
                handler(conn, addr)
            finally:
                conn.close(force=True)
        except BaseException as e:  # reported by the test
            errors.append(e)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_tlssocket_client_and_server(server_ctx, client_ctx, pki):
    listener = server_ctx.connect(("127.0.0.1", 0))
    listener.listen(5)
    host, port = listener.getsockname()
    assert host == "127.0.0.1" and port > 0
    errors: list[BaseException] = []
    seen = {}

    def echo(conn, addr):
        seen["addr"] = addr
        seen["cert"] = conn.getpeercert()
        seen["version"] = conn.negotiated_tls_version
        data = conn.recv(1000)
        conn.send(data.upper())
        assert conn.recv(1000) == b""  # the client's close_notify

    t = serve_once(listener, echo, errors)
    with client_ctx.connect(("localhost", port), timeout=10) as s:
        assert s.negotiated_tls_version is TLSVersion.TLSv1_3
        assert s.negotiated_protocol() is NextProtocol.HTTP1
        assert isinstance(s.cipher(), lucidtls.CipherSuite)
        assert s.getpeername() == ("127.0.0.1", port)
        assert s.getsockname()[0] == "127.0.0.1"
        assert s.getpeercert() == lucidtls._lucidtls.parse_certs(pki.server_pem)[0].der()
        assert s.context is client_ctx
        assert s.send(b"hello") == 5
        assert s.recv(1000) == b"HELLO"
        s.close(force=True)
    t.join(10)
    assert not errors, errors
    assert seen["version"] is TLSVersion.TLSv1_3 and seen["cert"] is None
    assert seen["addr"][0] == "127.0.0.1"
    listener.close()


def test_tlssocket_graceful_close_waits_for_the_peer(server_ctx, client_ctx):
    listener = server_ctx.connect(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    errors: list[BaseException] = []

    def closer(conn, addr):
        assert conn.recv(100) == b""  # client's close_notify
        conn.close()  # answers with its own

    t = serve_once(listener, closer, errors)
    s = client_ctx.connect(("127.0.0.1", port), timeout=10)
    s.close()  # sends close_notify, waits for the server's
    t.join(10)
    assert not errors, errors
    listener.close()


def test_tlssocket_errors(client_ctx, server_ctx, pki):
    # nothing listens
    from ltls_helpers import free_port
    with pytest.raises(lucidtls.NetworkError):
        client_ctx.connect(("127.0.0.1", free_port()), timeout=5)
    # a server whose certificate does not verify
    bad = ServerContext(TLSServerConfiguration(certificate_chain=[
        SigningChain((Certificate.from_file(pki.untrusted_cert), PrivateKey.from_file(pki.untrusted_key)))]))
    listener = bad.connect(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    errors: list[BaseException] = []
    t = serve_once(listener, lambda c, a: None, errors)
    with pytest.raises(lucidtls.CertificateVerificationError):
        client_ctx.connect(("localhost", port), timeout=10)
    t.join(10)
    assert errors and isinstance(errors[0], lucidtls.TLSError)  # the server saw the alert
    listener.close()
    with pytest.raises(TypeError):
        client_ctx.connect("localhost:443")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        client_ctx.connect(("localhost", 70000))
    with pytest.raises(OSError):
        client_ctx.connect(("127.0.0.1", 0)).listen(1)  # not reached: port 0 refuses


def test_tlssocket_accept_timeout(server_ctx):
    listener = server_ctx.connect(("127.0.0.1", 0))
    listener.listen(1)
    with pytest.raises(lucidtls.NetworkTimeout):
        listener.accept(timeout=0.2)
    listener.close()
