"""The ssl face, method by method, against the stdlib's own behaviour: the
getpeercert() dict (compared with what ssl returns for the same certificate,
over a connection and over two corpora), get_ca_certs() and
cert_store_stats(), pending(), and the SSLSocket methods the issue lists
(makefile, recv_into, settimeout, fileno, sendall, unwrap, keylog_filename,
ALPN, minimum_version, load_cert_chain passwords). Peers run on 127.0.0.1 in
threads of this process; every wait is bounded."""

from __future__ import annotations

import json
import os
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import lucidtls
from lucidtls import _sslcompat

from ltls_helpers import _pem_cert, make_ca

REPO = Path(__file__).resolve().parents[2]
UNIT_CERTS = REPO / "tests" / "data" / "x509-unit"
LIMBO = REPO.parent / "shared" / "vectors" / "x509-limbo" / "limbo.json"
OPENSSL_ONLY_KEYS = ("OCSP", "caIssuers", "crlDistributionPoints")  # lucidtls leaves them out


def stdlib_decode(der: bytes, tmp_path: Path) -> dict:
    """What ssl's getpeercert() gives for this certificate (OpenSSL's view)."""
    if not hasattr(ssl._ssl, "_test_decode_cert"):  # type: ignore[attr-defined]
        pytest.skip("this Python has no ssl._ssl._test_decode_cert")
    p = tmp_path / "cert.pem"
    p.write_text(ssl.DER_cert_to_PEM_cert(der))
    d = ssl._ssl._test_decode_cert(str(p))  # type: ignore[attr-defined]
    for k in OPENSSL_ONLY_KEYS:
        d.pop(k, None)
    return d


class OneShotServer:
    """A stdlib-ssl server on 127.0.0.1 that serves one client with handler
    in a thread (errors are re-raised by join())."""

    def __init__(self, ctx: ssl.SSLContext, handler: Callable[[ssl.SSLSocket], None]) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.ctx, self.handler = ctx, handler
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            raw, _ = self.listener.accept()
            raw.settimeout(10)
            with self.ctx.wrap_socket(raw, server_side=True) as s:
                self.handler(s)
        except BaseException as e:  # reported by join()
            self.error = e
        finally:
            self.listener.close()

    def join(self) -> None:
        self.thread.join(15)
        assert not self.thread.is_alive(), "server thread hung"
        if self.error:
            raise self.error


def stdlib_server_ctx(pki, alpn=None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def lucid_client(pki) -> lucidtls.SSLContext:
    return lucidtls.create_default_context(cafile=str(pki.ca_file))


def connect(ctx, port: int, **kw) -> socket.socket:
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname=kw.pop("server_hostname", "localhost"), **kw)


# ------------------------------------------------------------- getpeercert()


def test_getpeercert_dict_is_the_stdlib_dict(pki):
    """The same server certificate seen by a stdlib client and by a lucidtls
    client gives the same dict, subjectAltName, serialNumber, issuer and the
    dates included."""
    seen = {}
    for name, ctx in (("stdlib", ssl.create_default_context(cafile=str(pki.ca_file))),
                      ("lucidtls", lucid_client(pki))):
        srv = OneShotServer(stdlib_server_ctx(pki), lambda s: s.recv(1))
        with connect(ctx, srv.port) as s:
            seen[name] = s.getpeercert()
            s.sendall(b"x")
        srv.join()
    got, want = seen["lucidtls"], seen["stdlib"]
    assert got == want
    assert list(got) == list(want)  # the same keys in the same order
    assert got["subjectAltName"] == (("DNS", "localhost"), ("IP Address", "127.0.0.1"))
    assert got["issuer"] == ((("commonName", "lucidtls test root"),), (("organizationName", "lucidtls tests"),))
    assert len(got["serialNumber"]) >= 2 and int(got["serialNumber"], 16) > 0
    assert ssl.cert_time_to_seconds(got["notAfter"]) > time.time()


def test_getpeercert_of_a_client_certificate(pki):
    """A lucidtls server sees the client's certificate as ssl's would."""
    sctx = lucidtls.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(pki.server_cert, pki.server_key)
    sctx.verify_mode = ssl.CERT_REQUIRED
    sctx.load_verify_locations(cafile=str(pki.ca_file))
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    result: dict = {}

    def serve() -> None:
        raw, _ = listener.accept()
        raw.settimeout(10)
        with sctx.wrap_socket(raw, server_side=True) as s:
            result["dict"] = s.getpeercert()
            result["der"] = s.getpeercert(binary_form=True)
            s.sendall(b"ok")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    cctx = ssl.create_default_context(cafile=str(pki.ca_file))
    cctx.load_cert_chain(pki.client_cert, pki.client_key)
    with connect(cctx, listener.getsockname()[1]) as s:
        assert s.recv(2) == b"ok"
    t.join(15)
    listener.close()
    der = ssl.PEM_cert_to_DER_cert(pki.client_cert.read_text())
    assert result["der"] == der
    assert result["dict"]["subject"] == ((("commonName", "test client"),), (("organizationName", "lucidtls tests"),))
    assert "subjectAltName" not in result["dict"]  # this certificate has none, as ssl would say


def test_cert_dict_matches_openssl_over_the_unit_corpus(tmp_path):
    """Every certificate of tests/data/x509-unit that lucidtls decodes:
    escaped and multi-valued RDNs, BMPString, unknown attribute types, IPv6
    and directoryName SAN entries, negative and oversized serials."""
    compared = 0
    for f in sorted(UNIT_CERTS.glob("*.der")):
        der = f.read_bytes()
        try:
            lucidtls._lucidtls.X509(der)
        except lucidtls.TLSError:
            continue  # refused by lucidtls: nothing to show
        try:
            want = stdlib_decode(der, tmp_path)
        except ssl.SSLError:
            continue  # refused by OpenSSL
        assert _sslcompat._cert_dict(der) == want, f.name
        compared += 1
    assert compared > 80


def test_cert_dict_matches_openssl_over_x509_limbo(tmp_path):
    """The x509-limbo corpus: some 900 certificates made to be odd."""
    if not LIMBO.exists():
        pytest.skip("../shared/vectors/x509-limbo is not present")
    pems = set()
    for case in json.loads(LIMBO.read_text())["testcases"]:
        pems.update(case.get("trusted_certs", []))
        pems.update(case.get("untrusted_intermediates", []))
        if case.get("peer_certificate"):
            pems.add(case["peer_certificate"])
    compared = 0
    for pem in sorted(pems):
        try:
            der = ssl.PEM_cert_to_DER_cert(pem)
            lucidtls._lucidtls.X509(der)
            want = stdlib_decode(der, tmp_path)
        except (ValueError, ssl.SSLError):
            continue
        assert _sslcompat._cert_dict(der) == want, pem
        compared += 1
    assert compared > 500


def test_urllib3_hostname_check_from_the_dict(pki):
    """urllib3 checks assert_hostname itself, from getpeercert()'s
    subjectAltName (it turns the context's check off to do so)."""
    urllib3 = pytest.importorskip("urllib3")
    import http.server

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *a):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = stdlib_server_ctx(pki).wrap_socket(httpd.socket, server_side=True)
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        url = f"https://127.0.0.1:{httpd.server_address[1]}/"
        with urllib3.PoolManager(ssl_context=lucid_client(pki), assert_hostname="localhost",
                                 retries=False, timeout=10) as pool:
            assert pool.request("GET", url).data == b"ok"
        with urllib3.PoolManager(ssl_context=lucid_client(pki), assert_hostname="elsewhere.example",
                                 retries=False, timeout=10) as pool:
            with pytest.raises(urllib3.exceptions.SSLError, match="elsewhere.example"):
                pool.request("GET", url)
    finally:
        httpd.shutdown()
        httpd.server_close()
        t.join(5)


# ------------------------------------------------- get_ca_certs / cert_store_stats


def both(setup: Callable[[object], None]) -> tuple[lucidtls.SSLContext, ssl.SSLContext]:
    ours, theirs = lucidtls.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    setup(ours)
    setup(theirs)
    return ours, theirs


def assert_same_ca_view(ours, theirs) -> None:
    assert sorted(ours.get_ca_certs(True)) == sorted(theirs.get_ca_certs(True))
    key = lambda d: repr(sorted(d.items()))  # noqa: E731
    stripped = [{k: v for k, v in d.items() if k not in OPENSSL_ONLY_KEYS} for d in theirs.get_ca_certs()]
    assert sorted(ours.get_ca_certs(), key=key) == sorted(stripped, key=key)
    assert ours.cert_store_stats() == theirs.cert_store_stats()


def test_get_ca_certs_lists_file_cas_like_ssl(pki, tmp_path):
    ca2, _ = make_ca("second root")
    bundle = tmp_path / "bundle.pem"
    # a CA, a leaf (listed nowhere, counted in x509), another CA, the first again
    bundle.write_bytes(pki.ca_pem + pki.server_pem + _pem_cert(ca2) + pki.ca_pem)

    def setup(ctx):
        ctx.load_verify_locations(cafile=str(bundle))
        ctx.load_verify_locations(cadata=pki.ca_pem.decode())  # a duplicate again

    ours, theirs = both(setup)
    assert_same_ca_view(ours, theirs)
    assert ours.cert_store_stats() == {"x509": 3, "crl": 0, "x509_ca": 2}


def test_get_ca_certs_leaves_capath_out_like_ssl(pki, tmp_path):
    d = tmp_path / "capath"
    d.mkdir()
    (d / "root.pem").write_bytes(pki.ca_pem)
    ours, theirs = both(lambda ctx: ctx.load_verify_locations(capath=str(d)))
    assert_same_ca_view(ours, theirs)
    assert ours.get_ca_certs() == []
    # ... yet the directory is trusted
    srv = OneShotServer(stdlib_server_ctx(pki), lambda s: s.sendall(b"hi"))
    with connect(ours, srv.port) as s:
        assert s.recv(2) == b"hi"
    srv.join()


def test_get_ca_certs_after_load_default_certs_like_ssl(monkeypatch, pki):
    """The system bundle file is listed, as ssl lists the file it loads."""
    ours = lucidtls.create_default_context()
    theirs = ssl.create_default_context()
    if not ours.get_ca_certs(True):
        pytest.skip("this system has no CA bundle file")
    paths = ssl.get_default_verify_paths()
    read = _sslcompat._system_bundle_files()
    if not paths.cafile or [os.path.realpath(p) for p in read] != [os.path.realpath(paths.cafile)]:
        pytest.skip("lucidtls and this Python's OpenSSL read different system bundles")
    assert_same_ca_view(ours, theirs)
    # SSL_CERT_FILE replaces the default for both
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca_file))
    assert_same_ca_view(lucidtls.create_default_context(), ssl.create_default_context())
    assert len(lucidtls.create_default_context().get_ca_certs()) == 1


def test_no_system_store_is_no_error_like_ssl(monkeypatch, pki):
    """Without a system store, making the context works (verification then
    fails), as with ssl; a CA loaded afterwards is enough."""
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    ctx = lucidtls.create_default_context()
    assert ctx.get_ca_certs() == [] and ctx.cert_store_stats()["x509"] == 0
    srv = OneShotServer(stdlib_server_ctx(pki), lambda s: None)
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(ctx, srv.port)
    srv.thread.join(15)  # its handshake failed on our alert: not a server error
    ctx.load_verify_locations(cafile=str(pki.ca_file))
    srv = OneShotServer(stdlib_server_ctx(pki), lambda s: s.sendall(b"hi"))
    with connect(ctx, srv.port) as s:
        assert s.recv(2) == b"hi"
    srv.join()


# ---------------------------------------------------------------- pending()


def test_pending_counts_like_ssl(pki):
    """After a short read of one record, pending() is the rest of it, for
    SSLSocket and SSLObject, as with ssl."""
    for ctx in (ssl.create_default_context(cafile=str(pki.ca_file)), lucid_client(pki)):
        srv = OneShotServer(stdlib_server_ctx(pki), lambda s: (s.sendall(b"a" * 1000), s.recv(1)))
        with connect(ctx, srv.port) as s:
            assert s.pending() == 0
            assert s.recv(10) == b"a" * 10
            assert s.pending() == 990, type(ctx)
            assert s.recv(2000) == b"a" * 990
            assert s.pending() == 0
            s.sendall(b"x")
        srv.join()

    # SSLObject over memory BIOs, a stdlib SSLObject as the server
    sctx = stdlib_server_ctx(pki)
    for cctx in (ssl.create_default_context(cafile=str(pki.ca_file)), lucid_client(pki)):
        ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
        c = cctx.wrap_bio(ci, co, server_hostname="localhost")
        s = sctx.wrap_bio(si, so, server_side=True)
        for _ in range(10):
            for obj in (c, s):
                try:
                    obj.do_handshake()
                except ssl.SSLWantReadError:
                    pass
            si.write(co.read())
            ci.write(so.read())
        s.write(b"b" * 3000)
        ci.write(so.read())
        assert c.pending() == 0  # received, not yet opened
        assert c.read(100) == b"b" * 100
        assert c.pending() == 2900
        c.read(5000)
        assert c.pending() == 0


def test_pending_lets_select_loops_finish(pki):
    """A lucidtls SSLSocket reads the network in large chunks, so several
    records can wait in memory where select() cannot see them. The classic
    loop 'recv while pending(), else select()' must still get everything."""
    sent = threading.Event()

    def burst(s):
        for i in range(5):
            s.sendall(bytes([65 + i]) * 1000)  # five records
        sent.set()
        s.recv(1)  # keep the connection open until the client is done

    srv = OneShotServer(stdlib_server_ctx(pki), burst)
    with connect(lucid_client(pki), srv.port) as s:
        assert sent.wait(10)
        time.sleep(0.2)  # all five records are in the client's socket buffer
        data = b""
        while len(data) < 5000:
            if not s.pending():
                r, _, _ = select.select([s], [], [], 3)
                assert r, f"select() waited for data already received ({len(data)} of 5000 read)"
            data += s.recv(100)
        assert data == b"".join(bytes([65 + i]) * 1000 for i in range(5))
        assert s.pending() == 0
        s.sendall(b"x")
    srv.join()


# ----------------------------------------------------- the SSLSocket methods


def test_makefile_recv_into_sendall_fileno_settimeout(pki):
    def serve(s):
        assert s.recv(100) == b"hello\n"
        s.sendall(b"line one\nline two\n" + b"z" * 50000)
        assert s.recv(1) == b"!"  # then stays silent: the client's timeout fires
        time.sleep(1.5)

    srv = OneShotServer(stdlib_server_ctx(pki), serve)
    with connect(lucid_client(pki), srv.port) as s:
        fd = s.fileno()
        assert fd >= 0 and isinstance(s, socket.socket)
        s.sendall(memoryview(b"hello\n"))
        f = s.makefile("rb")
        assert f.readline() == b"line one\n" and f.readline() == b"line two\n"
        rest = f.read(50000)
        assert rest == b"z" * 50000
        f.close()
        buf = bytearray(10)
        s.sendall(b"!")
        s.settimeout(0.3)
        assert s.gettimeout() == 0.3
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):  # socket.timeout, as with ssl
            s.recv_into(buf)
        assert time.monotonic() - t0 < 1.2
    assert s.fileno() == -1
    srv.join()


def test_recv_into_with_a_size(pki):
    srv = OneShotServer(stdlib_server_ctx(pki), lambda s: (s.sendall(b"0123456789"), s.recv(1)))
    with connect(lucid_client(pki), srv.port) as s:
        buf = bytearray(8)
        assert s.recv_into(buf, 3) == 3 and buf[:3] == b"012"
        assert s.recv_into(buf) == 7 and buf[:7] == b"3456789"
        s.sendall(b"x")
    srv.join()


def test_unwrap_returns_the_plain_socket(pki):
    def serve(s):
        assert s.recv(5) == b"tls:1"
        s.sendall(b"tls:2")
        plain = s.unwrap()
        assert plain.recv(7) == b"plain:3"
        plain.sendall(b"plain:4")
        plain.close()

    for ctx in (ssl.create_default_context(cafile=str(pki.ca_file)), lucid_client(pki)):
        srv = OneShotServer(stdlib_server_ctx(pki), serve)
        s = connect(ctx, srv.port)
        s.sendall(b"tls:1")
        assert s.recv(5) == b"tls:2"
        plain = s.unwrap()
        assert plain is s and s.version() is None and s.pending() == 0  # as ssl does
        plain.sendall(b"plain:3")
        assert plain.recv(7) == b"plain:4"
        plain.close()
        srv.join()


def test_alpn_minimum_version_and_keylog_filename(pki, tmp_path):
    keylog = tmp_path / "keys.log"
    ctx = lucid_client(pki)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.keylog_filename = str(keylog)
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_3 and ctx.keylog_filename == str(keylog)
    srv = OneShotServer(stdlib_server_ctx(pki, alpn=["http/1.1"]), lambda s: s.sendall(b"k"))
    with connect(ctx, srv.port) as s:
        assert s.selected_alpn_protocol() == "http/1.1"
        assert s.version() == "TLSv1.3"
        assert s.recv(1) == b"k"
    srv.join()
    labels = {line.split()[0] for line in keylog.read_text().splitlines() if line.strip()}
    assert {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} <= labels


@pytest.mark.parametrize("password", ["str", "bytes", "callable", "callable-bytes"])
def test_load_cert_chain_with_a_password(pki, password):
    pw = pki.enc_password
    arg = {"str": pw.decode(), "bytes": pw, "callable": lambda: pw.decode(),
           "callable-bytes": lambda: pw}[password]
    ctx = lucidtls.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.enc_key, password=arg)
    with pytest.raises(ssl.SSLError):
        lucidtls.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(pki.server_cert, pki.enc_key, password="wrong")
    with pytest.raises(TypeError):
        lucidtls.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(pki.server_cert, pki.enc_key, password=12)
    # the loaded server serves a stdlib client
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve():
        raw, _ = listener.accept()
        raw.settimeout(10)
        with ctx.wrap_socket(raw, server_side=True) as s:
            s.sendall(b"pw")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    with connect(ssl.create_default_context(cafile=str(pki.ca_file)), listener.getsockname()[1]) as s:
        assert s.recv(2) == b"pw"
    t.join(15)
    listener.close()


@pytest.mark.parametrize("t, text", [
    (0, "Jan  1 00:00:00 1970 GMT"),
    (-62135596800, "Jan  1 00:00:00 1 GMT"),
    # GeneralizedTime year 0 (found by fuzz_python): before datetime's range
    (-62167219200, "Jan  1 00:00:00 0 GMT"),
    (-62162035201, "Feb 29 23:59:59 0 GMT"),  # year 0 is a Gregorian leap year
    (253402300799, "Dec 31 23:59:59 9999 GMT"),
])
def test_getpeercert_times_cover_generalizedtime(t, text):
    assert _sslcompat._asn1_time(t) == text
