"""The ssl-compatible face: lucidtls.SSLContext used by code written for the
ssl module — the stdlib ssl as the peer in both directions, http.client,
urllib3, asyncio streams, trio and anyio, against a lucidtls server and
against nginx. Everything on 127.0.0.1, bounded in time."""

from __future__ import annotations

import asyncio
import http.client
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

import lucidtls
from ltls_helpers import Peer, free_port

# --------------------------------------------------------------- HTTPS servers


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        conn = self.connection
        version = conn.version() if hasattr(conn, "version") else "?"
        body = f"hello from {self.server.label} over {version}: {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HTTPSServer:
    """A threaded HTTPS server on 127.0.0.1 whose TLS comes from ctx."""

    def __init__(self, ctx, label: str) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.label = label  # type: ignore[attr-defined]
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def lucidtls_server_ctx(pki, alpn=("http/1.1",)):
    ctx = lucidtls.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def lucidtls_client_ctx(pki):
    return lucidtls.create_default_context(cafile=str(pki.ca_file))


@pytest.fixture
def lucid_https(pki):
    srv = HTTPSServer(lucidtls_server_ctx(pki), "lucidtls")
    yield srv
    srv.stop()


@pytest.fixture
def stdlib_https(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    srv = HTTPSServer(ctx, "stdlib")
    yield srv
    srv.stop()


@pytest.fixture
def cli_https(pki):
    """The C `lucidtls server --www`, started through `python -m lucidtls`
    (which execs it, so the PID is the server's)."""
    import sys
    port = free_port()
    peer = Peer([sys.executable, "-m", "lucidtls", "server", "--www", "--quiet", "--host", "127.0.0.1",
                 "--port", str(port), "--cert", str(pki.server_cert), "--key", str(pki.server_key)], port)
    yield peer
    peer.stop()


@pytest.fixture
def nginx_https(pki, tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        pytest.skip("nginx is not installed (Debian package nginx-light)")
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp_path}/body;
  proxy_temp_path {tmp_path}/proxy;
  fastcgi_temp_path {tmp_path}/fastcgi;
  uwsgi_temp_path {tmp_path}/uwsgi;
  scgi_temp_path {tmp_path}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {pki.server_cert};
    ssl_certificate_key {pki.server_key};
    ssl_protocols TLSv1.3;
    default_type text/plain;
    location / {{ return 200 "hello from nginx\n"; }}
  }}
}}
""")
    peer = Peer([nginx, "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")], port)
    yield peer
    peer.stop()


# ------------------------------------------------------------ stdlib ssl interop


def test_lucidtls_client_to_stdlib_ssl_server(pki, stdlib_https):
    ctx = lucidtls_client_ctx(pki)
    with socket.create_connection(("127.0.0.1", stdlib_https.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            assert isinstance(s, socket.socket)
            assert s.version() == "TLSv1.3"
            name, proto, bits = s.cipher()
            assert name.startswith("TLS_") and proto == "TLSv1.3" and bits in (128, 256)
            cert = s.getpeercert()
            assert dict(x[0] for x in cert["subject"])["commonName"] == "localhost"
            assert s.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(pki.server_pem.decode())
            s.sendall(b"GET /x HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            while chunk := s.recv(4096):
                data += chunk
    assert b"hello from stdlib over TLSv1.3: /x" in data


def test_stdlib_ssl_client_to_lucidtls_server(pki, lucid_https):
    ctx = ssl.create_default_context(cafile=str(pki.ca_file))
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", lucid_https.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            assert s.version() == "TLSv1.3"
            assert s.selected_alpn_protocol() == "http/1.1"
            s.sendall(b"GET /y HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            while True:
                try:
                    chunk = s.recv(4096)
                except ssl.SSLEOFError:
                    break
                if not chunk:
                    break
                data += chunk
    assert b"hello from lucidtls over TLSv1.3: /y" in data


def test_verification_failures_raise_ssl_exceptions(pki, stdlib_https):
    ctx = lucidtls.create_default_context(cafile=str(pki.other_ca_file))
    with socket.create_connection(("127.0.0.1", stdlib_https.port), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError) as e:
            ctx.wrap_socket(raw, server_hostname="localhost")
    assert e.value.reason == "CERT_UNKNOWN_ISSUER" and e.value.alert == "unknown_ca"
    ctx = lucidtls_client_ctx(pki)
    with socket.create_connection(("127.0.0.1", stdlib_https.port), timeout=10) as raw:
        with pytest.raises(ssl.CertificateError, match="not valid for"):
            ctx.wrap_socket(raw, server_hostname="wrong.example")


def test_insecure_modes_of_the_ssl_face(pki, stdlib_https):
    ctx = lucidtls.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", stdlib_https.port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            assert s.version() == "TLSv1.3"
            assert s.getpeercert() == {}  # not validated: no dict, as ssl does
    ctx = lucidtls_client_ctx(pki)
    ctx.check_hostname = False  # chain checked, name not
    with socket.create_connection(("127.0.0.1", stdlib_https.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="wrong.example") as s:
            assert s.version() == "TLSv1.3"


def test_context_rules_follow_ssl(pki):
    ctx = lucidtls.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(ValueError):
        ctx.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError):
        ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())  # check_hostname needs a name
    with pytest.raises(ValueError):
        ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True, server_hostname="x")
    with pytest.raises(TypeError):
        ctx.load_verify_locations()
    with pytest.raises(FileNotFoundError):
        ctx.load_verify_locations(cafile="/nonexistent/ca.pem")
    with pytest.raises(ssl.SSLError):
        ctx.load_verify_locations(cadata="not a certificate")
    with pytest.raises(ValueError):
        ctx.set_alpn_protocols(["x" * 256])
    with pytest.raises(NotImplementedError):
        ctx.sni_callback = lambda *a: None
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_verify_locations(cafile=str(pki.ca_file))
    with pytest.raises(ssl.SSLError, match="TLS 1.3"):
        ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
    srv = lucidtls.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with pytest.raises(ssl.SSLError, match="load_cert_chain"):
        srv.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
    with pytest.raises(ssl.SSLError):
        srv.load_cert_chain(pki.server_cert, pki.rsa_key)  # key does not match
    srv.load_cert_chain(pki.server_cert, pki.enc_key, password=lambda: pki.enc_password.decode())
    assert [c["protocol"] for c in ctx.get_ciphers()] == ["TLSv1.3"] * len(ctx.get_ciphers())
    assert len(ctx.get_ca_certs()) == 1 and ctx.get_ca_certs(True)[0] == ssl.PEM_cert_to_DER_cert(pki.ca_pem.decode())


def test_wrap_bio_sslobject_semantics(pki):
    """lucidtls SSLObject client against stdlib SSLObject server, all in memory."""
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(pki.server_cert, pki.server_key)
    cctx = lucidtls_client_ctx(pki)
    ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = cctx.wrap_bio(ci, co, server_hostname="localhost")
    s = sctx.wrap_bio(si, so, server_side=True)
    with pytest.raises(ValueError):
        c.getpeercert()
    for _ in range(10):
        for obj in (c, s):
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
        si.write(co.read())
        ci.write(so.read())
        try:
            c.do_handshake()
            s.do_handshake()
            break
        except ssl.SSLWantReadError:
            continue
    assert c.version() == "TLSv1.3" and c.cipher()[0] == s.cipher()[0]
    assert c.compression() is None and c.pending() == 0 and c.server_side is False and c.server_hostname == "localhost"
    assert c.write(b"ping" * 10000) == 40000
    si.write(co.read())
    data = b""
    while len(data) < 40000:
        data += s.read(100000)
    assert data == b"ping" * 10000
    s.write(b"pong")
    ci.write(so.read())
    buf = bytearray(10)
    assert c.read(10, buf) == 4 and buf[:4] == b"pong"
    with pytest.raises(ssl.SSLWantReadError):
        c.read(10)
    # clean shutdown: unwrap waits for the peer's close_notify
    with pytest.raises(ssl.SSLWantReadError):
        c.unwrap()
    si.write(co.read())
    try:
        s.unwrap()
    except ssl.SSLWantReadError:
        pass
    ci.write(so.read())
    c.unwrap()
    # ragged EOF on a fresh pair: the stream ends without close_notify
    ci2 = ssl.MemoryBIO()
    c2 = cctx.wrap_bio(ci2, ssl.MemoryBIO(), server_hostname="localhost")
    ci2.write_eof()
    with pytest.raises(ssl.SSLEOFError):
        c2.do_handshake()


# ------------------------------------------------------------- real HTTP clients


@pytest.mark.parametrize("server", ["lucid_https", "stdlib_https", "nginx_https", "cli_https"])
def test_http_client(pki, request, server):
    srv = request.getfixturevalue(server)
    conn = http.client.HTTPSConnection("localhost", srv.port, context=lucidtls_client_ctx(pki), timeout=10)
    try:
        conn.request("GET", "/page")
        resp = conn.getresponse()
        body = resp.read()
        assert resp.status == 200
        if server == "cli_https":
            assert b"TLS" in body  # the status page names what was negotiated
            return
        conn.request("GET", "/again")  # keep-alive: a second request on the same TLS connection
        body2 = conn.getresponse().read()
    finally:
        conn.close()
    if server == "nginx_https":
        assert body == body2 == b"hello from nginx\n"
    else:
        assert body.endswith(b"over TLSv1.3: /page") and body2.endswith(b": /again")


@pytest.mark.parametrize("server", ["lucid_https", "stdlib_https", "nginx_https", "cli_https"])
def test_urllib3(pki, request, server):
    urllib3 = pytest.importorskip("urllib3")
    srv = request.getfixturevalue(server)
    with urllib3.PoolManager(ssl_context=lucidtls_client_ctx(pki), retries=False, timeout=10) as pool:
        r = pool.request("GET", f"https://localhost:{srv.port}/u3")
        assert r.status == 200
        assert r.data.startswith(b"hello from") or (server == "cli_https" and b"TLS" in r.data)
        conn = r.connection
        # urllib3 checked that verification happened
        r2 = pool.request("GET", f"https://localhost:{srv.port}/u3b")
        assert r2.status == 200
    with urllib3.PoolManager(ssl_context=lucidtls.create_default_context(cafile=str(pki.other_ca_file)), retries=False, timeout=10) as pool:
        with pytest.raises(urllib3.exceptions.SSLError):
            pool.request("GET", f"https://localhost:{srv.port}/")
    del conn


@pytest.mark.parametrize("server", ["lucid_https", "nginx_https", "cli_https"])
def test_asyncio_streams(pki, request, server):
    srv = request.getfixturevalue(server)

    async def fetch():
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", srv.port, ssl=lucidtls_client_ctx(pki), server_hostname="localhost"), 10)
        ssl_object = writer.get_extra_info("ssl_object")
        assert ssl_object.version() == "TLSv1.3"
        assert writer.get_extra_info("peercert")["subject"]
        writer.write(b"GET /aio HTTP/1.0\r\nHost: localhost\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        try:
            await writer.wait_closed()
        except (ssl.SSLError, ConnectionError):
            pass
        return data

    data = asyncio.run(fetch())
    assert data.startswith(b"HTTP/1.") and (b"hello from" in data or b"TLS" in data)


def test_asyncio_server_and_client_both_lucidtls(pki):
    async def main():
        async def handle(reader, writer):
            line = await reader.readline()
            writer.write(line.upper())
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=lucidtls_server_ctx(pki, alpn=None))
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, ssl=lucidtls_client_ctx(pki), server_hostname="localhost"), 10)
            writer.write(b"over asyncio\n")
            reply = await asyncio.wait_for(reader.readline(), 10)
            writer.close()
            return reply

    assert asyncio.run(main()) == b"OVER ASYNCIO\n"


@pytest.mark.parametrize("server", ["lucid_https", "nginx_https", "cli_https"])
def test_trio(pki, request, server):
    trio = pytest.importorskip("trio")
    srv = request.getfixturevalue(server)

    async def fetch():
        with trio.fail_after(10):
            tcp = await trio.open_tcp_stream("127.0.0.1", srv.port)
            stream = trio.SSLStream(tcp, lucidtls_client_ctx(pki), server_hostname="localhost", https_compatible=True)
            await stream.do_handshake()
            assert stream.version() == "TLSv1.3"
            await stream.send_all(b"GET /trio HTTP/1.0\r\nHost: localhost\r\n\r\n")
            data = b""
            while chunk := await stream.receive_some(4096):
                data += chunk
            await stream.aclose()
            return data

    data = trio.run(fetch)
    assert data.startswith(b"HTTP/1.") and (b"hello from" in data or b"TLS" in data)


def test_anyio(pki, lucid_https):
    anyio = pytest.importorskip("anyio")

    async def fetch():
        with anyio.fail_after(10):
            stream = await anyio.connect_tcp("127.0.0.1", lucid_https.port, ssl_context=lucidtls_client_ctx(pki),
                                             tls_hostname="localhost", tls_standard_compatible=False)
            async with stream:
                await stream.send(b"GET /anyio HTTP/1.0\r\nHost: localhost\r\n\r\n")
                data = b""
                try:
                    while True:
                        data += await stream.receive()
                except (anyio.EndOfStream, anyio.BrokenResourceError):
                    pass
                return data

    data = anyio.run(fetch)
    assert b"hello from lucidtls over TLSv1.3: /anyio" in data
