"""`gnutls-cli`, `curl` and Python's `ssl` against `lucidtls server`."""
import re
import select
import socket
import ssl
import threading
import time

import pytest

import interop_peers as ip
from evil import WireTap
from interop_peers import (CA, GNUTLS_CIPHER, GROUPS, GNUTLS_DESC, GNUTLS_DESC_GROUP, GNUTLS_DESC_SIGN,
                           HTTP_GET, SERVER_CERTS, SIGSCHEMES, STDBUF, SUITES, cert,
                           gnutls_priority, has_word, key, lucid_server, need_tool, run_proc)

pytestmark = pytest.mark.usefixtures("lucidtls_server")

SERVER_GROUPS = ["x25519", "secp256r1", "secp384r1"]  # lucidtls's default (tls.h)
ALL_GROUPS = ",".join(GROUPS)  # with x448, enabled by --groups


def www_server(pool):
    """All five chains, default groups."""
    return pool(("lucidtls-www-all"), lambda reg: lucid_server(reg, SERVER_CERTS, mode="--www"))


def matrix_server(pool):
    """All five chains, every group (x448 too)."""
    return pool(("lucidtls-www-matrix"),
                lambda reg: lucid_server(reg, SERVER_CERTS, "--groups", ALL_GROUPS, mode="--www"))


def echo_server(pool):
    return pool(("lucidtls-echo"), lambda reg: lucid_server(reg, ["server-p256"], mode="--echo"))


# --- gnutls-cli ----------------------------------------------------------------------------

def gnutls_cli(port, *args, priority=None):
    need_tool("gnutls-cli")
    return STDBUF + ["gnutls-cli", "127.0.0.1", "-p", str(port), "--sni-hostname", "localhost",
                     "--verify-hostname", "localhost", "--x509cafile", str(CA),
                     "--priority", priority or gnutls_priority()] + [str(a) for a in args]


def gnutls_get(procs, port, *args, priority=None, timeout=10.0):
    def wait_close(p):
        try:
            p.wait(timeout=5)
        except TimeoutError:
            pass

    return run_proc(procs, gnutls_cli(port, *args, priority=priority), send=HTTP_GET,
                    expect=r"HTTP/1\.[01] 200", then=wait_close, timeout=timeout,
                    name="gnutls-cli")


@pytest.mark.parametrize("sig", list(SIGSCHEMES))
@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("suite", SUITES)
def test_gnutls_matrix(pool, procs, suite, group, sig):
    srv = matrix_server(pool)
    res = gnutls_get(procs, srv.port, priority=gnutls_priority(suite=suite, group=group, sig=sig))
    assert res.rc == 0, res
    assert "- Status: The certificate is trusted." in res.stdout, res
    m = GNUTLS_DESC.search(res.stdout)
    assert m and m.groups() == (GNUTLS_DESC_GROUP[group], GNUTLS_DESC_SIGN[sig],
                                GNUTLS_CIPHER[suite]), res
    page = res.stdout.split("HTTP/1.", 1)[1]
    assert has_word(page, suite) and has_word(page, group), page


def test_gnutls_hrr(pool, procs):
    """gnutls-cli offers x448 and x25519 but sends a key share for x448 only
    (one per curve family), and x448 is not a server default (tls.h)."""
    srv = www_server(pool)
    tap = WireTap(srv.port)
    try:
        res = gnutls_get(procs, tap.port, priority=gnutls_priority(groups=["x448", "x25519"]))
    finally:
        tap.close()
    assert res.rc == 0, res
    assert tap.client_hellos and tap.client_hellos[0]["key_shares"] == ["x448"]
    assert tap.hrr and len(tap.client_hellos) == 2
    assert tap.client_hellos[1]["key_shares"] == ["x25519"]
    assert tap.final_server_hello["group"] == "x25519"
    assert "(ECDHE-X25519)" in res.stdout


def test_gnutls_alpn(procs):
    srv = lucid_server(procs, ["server-p256"], "--alpn", "h2,http/1.1", mode="--www")
    res = gnutls_get(procs, srv.port, "--alpn", "http/1.1")
    assert res.rc == 0, res
    assert "- Application protocol: http/1.1" in res.stdout


def test_gnutls_alpn_no_application_protocol(procs):
    srv = lucid_server(procs, ["server-p256"], "--alpn", "h2", mode="--www")
    res = gnutls_get(procs, srv.port, "--alpn", "foo")
    assert res.rc != 0
    assert re.search(r"Received alert \[120\]", res.output), res


@pytest.mark.parametrize("mode,client,ok", [
    ("optional", None, True), ("optional", "client", True), ("required", "client-rsa", True),
    ("required", None, False),
])
def test_gnutls_client_auth(procs, mode, client, ok):
    srv = lucid_server(procs, ["server-p256"], "--verify-client", mode, "--cafile", str(CA),
                       mode="--www")
    args = ["--x509certfile", cert(client), "--x509keyfile", key(client)] if client else []
    res = gnutls_get(procs, srv.port, *args)
    if ok:
        assert res.rc == 0 and re.search(r"HTTP/1\.[01] 200", res.stdout), res
    else:
        assert re.search(r"Received alert \[116\]", res.output), res
        assert not re.search(r"HTTP/1\.[01] 200", res.stdout)


@pytest.mark.parametrize("command", ["^rekey^", "^rekey1^"])
def test_gnutls_keyupdate_and_echo(pool, procs, command):
    srv = echo_server(pool)

    def script(p):
        p.write(b"ping-1\n")
        p.wait_for(r"^ping-1$", stream="out")
        p.write(command.encode() + b"\n")
        p.wait_for("Rekey was completed")
        p.write(b"ping-2\n")
        p.wait_for(r"^ping-2$", stream="out")

    res = run_proc(procs, gnutls_cli(srv.port, "--inline-commands"), then=script, timeout=10,
                   name="gnutls-cli")
    assert res.rc == 0, res
    assert re.search(r"^ping-2$", res.stdout, re.M)


# --- curl ------------------------------------------------------------------------------------

def curl(port, *args):
    need_tool("curl")
    return ["curl", "-sS", "-v", "--max-time", "10", "--cacert", str(CA), "--tlsv1.3",
            "--resolve", f"localhost:{port}:127.0.0.1"] + [str(a) for a in args] + \
        [f"https://localhost:{port}/"]


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("suite", SUITES)
def test_curl(pool, procs, suite, group):
    srv = matrix_server(pool)
    res = run_proc(procs, curl(srv.port, "--http1.1", "--tls13-ciphers", suite, "--curves",
                               ip.OPENSSL_GROUP[group]), timeout=15, name="curl")
    assert res.rc == 0, res
    assert f"SSL connection using TLSv1.3 / {suite}" in res.stderr, res
    assert re.search(r"< HTTP/1\.[01] 200", res.stderr), res
    assert has_word(res.stdout, suite) and has_word(res.stdout, group), res.stdout


@pytest.mark.parametrize("proto", ["h2", "http/1.1"])
def test_curl_alpn(procs, proto):
    srv = lucid_server(procs, ["server-p256"], "--alpn", proto, mode="--www")
    flag = "--http2" if proto == "h2" else "--http1.1"
    res = run_proc(procs, curl(srv.port, flag), timeout=15, name="curl")
    assert f"ALPN: server accepted {proto}" in res.stderr, res
    if proto == "http/1.1":
        assert res.rc == 0, res


def test_curl_client_certificate(procs):
    srv = lucid_server(procs, ["server-p256"], "--verify-client", "required", "--cafile",
                       str(CA), mode="--www")
    res = run_proc(procs, curl(srv.port, "--http1.1", "--cert", cert("client"),
                               "--key", key("client")), timeout=15, name="curl")
    assert res.rc == 0, res
    assert re.search(r"< HTTP/1\.[01] 200", res.stderr)


# --- Python's ssl -----------------------------------------------------------------------------------

def py_ctx(alpn=None, client=None, group=None):
    ctx = ssl.create_default_context(cafile=str(CA))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if alpn:
        ctx.set_alpn_protocols(alpn)
    if client:
        ctx.load_cert_chain(cert(client), key(client))
    if group:  # OpenSSL's names
        ctx.set_ecdh_curve({"x25519": "X25519", "secp256r1": "prime256v1"}.get(group, group))
    return ctx


def py_connect(port, ctx, name="localhost"):
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname=name)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            break
        buf += d
    return buf


def echo_exchange(s, data: bytes, timeout: float = 15.0) -> bytes:
    """Send data and read the echo in one thread (an SSLSocket must not be
    read and written from two threads at once), non-blocking."""
    s.setblocking(False)
    out, got = memoryview(data), bytearray()
    end = time.monotonic() + timeout
    try:
        while len(got) < len(data):
            if time.monotonic() > end:
                raise TimeoutError(f"echo: {len(got)} of {len(data)} bytes after {timeout}s")
            moved = False
            if out:
                try:
                    n = s.send(out[:16384])
                    out, moved = out[n:], True
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            try:
                d = s.recv(65536)
                if not d:
                    break
                got += d
                moved = True
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
            if not moved:
                select.select([s], [s] if out else [], [], 0.05)
    finally:
        s.setblocking(True)
        s.settimeout(10)
    return bytes(got)


@pytest.mark.parametrize("size", [1, 1000, 16384, 16385, 200_000])
def test_python_echo(pool, size):
    """Sizes around the 2^14 record limit and well past it."""
    srv = echo_server(pool)
    data = bytes((i * 7 + 3) & 0xFF for i in range(size))
    with py_connect(srv.port, py_ctx()) as s:
        assert s.version() == "TLSv1.3"
        assert s.cipher()[0] in SUITES
        assert echo_exchange(s, data) == data
        s.unwrap()  # our close_notify, and the server's must come back


@pytest.mark.parametrize("group", SERVER_GROUPS)
def test_python_group(pool, group):
    srv = echo_server(pool)
    tap = WireTap(srv.port)
    try:
        with py_connect(tap.port, py_ctx(group=group)) as s:
            s.sendall(b"x")
            assert recv_exact(s, 1) == b"x"
    finally:
        tap.close()
    assert tap.final_server_hello["group"] == group


def test_python_close_notify_answered(pool):
    """Half-close: after our close_notify the server answers with its own;
    unwrap() returns only once it has arrived."""
    srv = echo_server(pool)
    with py_connect(srv.port, py_ctx()) as s:
        s.sendall(b"hello")
        assert recv_exact(s, 5) == b"hello"
        plain = s.unwrap()
        assert plain.recv(1) == b""  # and then the TCP connection ends
        plain.close()


def test_python_www(pool):
    srv = www_server(pool)
    with py_connect(srv.port, py_ctx()) as s:
        suite = s.cipher()[0]
        s.sendall(HTTP_GET)
        body = b""
        while True:
            try:
                d = s.recv(65536)
            except ssl.SSLZeroReturnError:
                break
            if not d:
                break
            body += d
    text = body.decode(errors="replace")
    assert re.match(r"HTTP/1\.[01] 200", text), text
    assert has_word(text, suite), text


@pytest.mark.parametrize("offer,server,expected", [
    (["h2"], "h2,http/1.1", "h2"), (["foo", "http/1.1"], "h2,http/1.1", "http/1.1"),
    (None, "h2", None),
])
def test_python_alpn(procs, offer, server, expected):
    srv = lucid_server(procs, ["server-p256"], "--alpn", server, mode="--echo")
    with py_connect(srv.port, py_ctx(alpn=offer)) as s:
        assert s.selected_alpn_protocol() == expected


def test_python_alpn_no_application_protocol(procs):
    srv = lucid_server(procs, ["server-p256"], "--alpn", "h2", mode="--echo")
    with pytest.raises(ssl.SSLError, match="(?i)no.application.protocol"):
        py_connect(srv.port, py_ctx(alpn=["foo"]))


@pytest.mark.parametrize("mode,client,ok", [
    ("none", "client", True), ("optional", None, True), ("optional", "client", True),
    ("required", "client", True), ("required", "client-rsa", True), ("required", None, False),
    ("required", "untrusted-client", False),
])
def test_python_client_auth(procs, mode, client, ok):
    srv = lucid_server(procs, ["server-p256"], "--verify-client", mode, "--cafile", str(CA),
                       mode="--echo")
    s = py_connect(srv.port, py_ctx(client=client))
    try:
        # TLS 1.3: the client's handshake ends before the server judges its
        # certificate; the verdict arrives with the first read.
        s.sendall(b"ping")
        if ok:
            assert recv_exact(s, 4) == b"ping"
        else:
            alert = "certificate.required" if client is None else "unknown.ca"
            with pytest.raises(ssl.SSLError, match=f"(?i){alert}"):
                recv_exact(s, 4)
    finally:
        s.close()


def test_python_many_at_once(pool):
    """Eight clients at the same time, each with its own echo exchange."""
    srv = echo_server(pool)
    errors, done = [], []

    def one(i):
        try:
            with py_connect(srv.port, py_ctx()) as s:
                msg = f"client {i} ".encode() * 500
                s.sendall(msg)
                assert recv_exact(s, len(msg)) == msg
                done.append(i)
        except Exception as e:  # collected and reported below
            errors.append(f"{i}: {e!r}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert not errors, errors
    assert sorted(done) == list(range(8))


def test_python_idle_connection_does_not_block_others(pool):
    """A client that handshakes and then says nothing must not stop the
    server from serving the next one (connections are served at once)."""
    srv = echo_server(pool)
    with py_connect(srv.port, py_ctx()) as idle:
        assert idle.version() == "TLSv1.3"
        with py_connect(srv.port, py_ctx()) as s:
            s.settimeout(5)
            s.sendall(b"not blocked")
            assert recv_exact(s, 11) == b"not blocked"
