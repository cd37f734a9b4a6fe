"""`openssl s_client` against `lucidtls server` (--www and --echo).

s_client reports what it negotiated ("New, TLSv1.3, Cipher is ...", "Server
Temp Key", "Peer signature type/digest", "ALPN protocol") and, with -trace,
every message and alert it sent and received, decrypted.
"""
import re
import signal
import time

import pytest

import interop_peers as ip
from interop_peers import (CA, GROUPS, HTTP_GET, OPENSSL_GROUP, OPENSSL_PEER_SIG, OPENSSL_TEMP_KEY,
                           SERVER_CERTS, SIGSCHEMES, STDBUF, SUITES, cert,
                           has_word, key, lucid_server, openssl_trace_alerts,
                           openssl_trace_messages, run_proc)

pytestmark = pytest.mark.usefixtures("lucidtls_server")

SERVER_GROUPS = ["x25519", "secp256r1", "secp384r1"]  # lucidtls's default (tls.h)
ALL_GROUPS = ",".join(GROUPS)  # with x448, enabled by --groups


def s_client(port, *args, servername="localhost", cafile=str(CA), trace=True):
    a = STDBUF + ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3"]
    if servername:
        a += ["-servername", servername, "-verify_hostname", servername]
    if cafile:
        a += ["-CAfile", cafile, "-verify_return_error"]
    if trace:
        a.append("-trace")
    return a + [str(x) for x in args]


def www_get(procs, port, *args, timeout=10.0, **kw):
    """GET / through s_client; waits for the server to close the connection."""
    def wait_close(p):
        try:
            p.wait(timeout=5)
        except TimeoutError:
            pass

    return run_proc(procs, s_client(port, *args, **kw), send=HTTP_GET, expect=r"HTTP/1\.[01] 200",
                    then=wait_close, timeout=timeout, name="s_client")


def www_server(pool):
    """All five chains, default groups."""
    return pool(("lucidtls-www-all"),
                lambda reg: lucid_server(reg, SERVER_CERTS, mode="--www"))


def matrix_server(pool):
    """All five chains, every group (x448 too)."""
    return pool(("lucidtls-www-matrix"),
                lambda reg: lucid_server(reg, SERVER_CERTS, "--groups", ALL_GROUPS, mode="--www"))


def handshake_ok(res):
    assert res.rc == 0, res
    assert re.search(r"New, TLSv1\.3, Cipher is TLS_", res.stdout), res
    assert "Verify return code: 0 (ok)" in res.stdout, res


# --- every suite x group x signature scheme ----------------------------------------------

@pytest.mark.parametrize("sig", list(SIGSCHEMES))
@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("suite", SUITES)
def test_matrix(pool, procs, suite, group, sig):
    """One lucidtls server holding RSA, P-256, P-384, Ed25519 and Ed448 chains:
    s_client allows one suite, one group and one signature scheme, so the
    server must pick the matching chain by itself."""
    srv = matrix_server(pool)
    res = www_get(procs, srv.port, "-ciphersuites", suite, "-groups", OPENSSL_GROUP[group],
                  "-sigalgs", sig, trace=False)
    handshake_ok(res)
    out = res.stdout
    assert f"New, TLSv1.3, Cipher is {suite}" in out
    assert re.search(rf"Server Temp Key: (ECDH, )?{OPENSSL_TEMP_KEY[group]}\b", out), out[-2000:]
    typ, digest = OPENSSL_PEER_SIG[sig]
    assert f"Peer signature type: {typ}" in out, out[-2000:]
    if digest:
        assert f"Peer signing digest: {digest}" in out
    page = out.split("HTTP/1.", 1)[1]
    assert has_word(page, suite), f"--www page does not show the suite:\n{page}"
    assert has_word(page, group), f"--www page does not show the group:\n{page}"


def test_x448_per_documented_default(pool, procs):
    """x448 is not among the server's default groups (tls.h): a client that
    offers only x448 gets handshake_failure, not a crash or a hang."""
    srv = www_server(pool)
    res = www_get(procs, srv.port, "-groups", "X448")
    assert res.rc != 0
    assert (("received", 2, 40) in openssl_trace_alerts(res.stdout)), res.stdout[-3000:]


# --- HelloRetryRequest ----------------------------------------------------------------------

def test_hrr(pool, procs):
    """s_client's first key share is ffdhe2048, which lucidtls does not do;
    the server asks again for secp256r1."""
    srv = www_server(pool)
    res = www_get(procs, srv.port, "-groups", "ffdhe2048:P-256")
    handshake_ok(res)
    sent = openssl_trace_messages(res.stdout, "sent")
    assert sent.count("ClientHello") == 2, sent
    assert "Server Temp Key: ECDH, prime256v1" in res.stdout


def test_share_for_a_less_preferred_group(pool, procs):
    """The client's only share is secp384r1 and it also lists x25519, the
    server's first preference. lucidtls picks the group by its own preference
    and asks again for x25519 (RFC 8446 §4.2.8 allows this; it costs a round
    trip). Either way the result must be consistent."""
    srv = www_server(pool)
    res = www_get(procs, srv.port, "-groups", "P-384:X25519")
    handshake_ok(res)
    hellos = openssl_trace_messages(res.stdout, "sent").count("ClientHello")
    if hellos == 2:
        assert "Server Temp Key: X25519" in res.stdout
    else:
        assert hellos == 1 and "Server Temp Key: ECDH, secp384r1" in res.stdout


def test_no_common_group(pool, procs):
    srv = www_server(pool)
    mark = srv.mark()
    res = www_get(procs, srv.port, "-groups", "ffdhe2048")
    assert res.rc != 0
    assert ("received", 2, 40) in openssl_trace_alerts(res.stdout), res.stdout[-3000:]
    srv.wait_for(r"handshake_failure|" + "|".join(map(re.escape,
                 ip.messages_for_alert("handshake_failure") or ["handshake_failure"])),
                 start=mark, timeout=5)


# --- ALPN -------------------------------------------------------------------------------------

def alpn_server(procs):
    return lucid_server(procs, ["server-p256"], "--alpn", "h2,http/1.1", mode="--www")


@pytest.mark.parametrize("offer,expected", [("http/1.1", "http/1.1"), ("h2", "h2"),
                                            ("foo,http/1.1", "http/1.1")])
def test_alpn(procs, offer, expected):
    srv = alpn_server(procs)
    res = www_get(procs, srv.port, "-alpn", offer)
    handshake_ok(res)
    assert f"ALPN protocol: {expected}" in res.stdout


def test_alpn_none_offered(procs):
    srv = alpn_server(procs)
    res = www_get(procs, srv.port)
    handshake_ok(res)
    assert "No ALPN negotiated" in res.stdout


def test_alpn_no_application_protocol(procs):
    srv = alpn_server(procs)
    mark = srv.mark()
    res = www_get(procs, srv.port, "-alpn", "foo")
    assert res.rc != 0
    assert ("received", 2, 120) in openssl_trace_alerts(res.stdout), res.stdout[-3000:]
    assert "HTTP/1." not in res.stdout
    srv.wait_for("|".join(map(re.escape, ip.messages_for_alert("no_application_protocol")
                              or ["no_application_protocol"])), start=mark, timeout=5)


# --- client certificates ---------------------------------------------------------------------

def auth_server(procs, mode):
    return lucid_server(procs, ["server-p256"], "--verify-client", mode, "--cafile", str(CA),
                        mode="--www")


def with_cert(name):
    return ["-cert", cert(name), "-key", key(name)]


def test_client_auth_none(procs):
    srv = auth_server(procs, "none")
    res = www_get(procs, srv.port, *with_cert("client"))
    handshake_ok(res)
    assert "CertificateRequest" not in openssl_trace_messages(res.stdout, "received")


@pytest.mark.parametrize("client", [None, "client", "client-rsa"])
def test_client_auth_optional(procs, client):
    srv = auth_server(procs, "optional")
    res = www_get(procs, srv.port, *(with_cert(client) if client else []))
    handshake_ok(res)
    assert "CertificateRequest" in openssl_trace_messages(res.stdout, "received")
    sent = openssl_trace_messages(res.stdout, "sent")
    assert ("CertificateVerify" in sent) == bool(client), sent


@pytest.mark.parametrize("client", ["client", "client-rsa"])
def test_client_auth_required(procs, client):
    srv = auth_server(procs, "required")
    res = www_get(procs, srv.port, *with_cert(client))
    handshake_ok(res)
    assert "HTTP/1." in res.stdout
    assert "CertificateVerify" in openssl_trace_messages(res.stdout, "sent")


def test_client_auth_required_missing(procs):
    """RFC 8446 §4.4.2.4: certificate_required."""
    srv = auth_server(procs, "required")
    mark = srv.mark()
    res = www_get(procs, srv.port)
    assert ("received", 2, 116) in openssl_trace_alerts(res.stdout), res.stdout[-3000:]
    assert not re.search(r"HTTP/1\.[01] 200", res.stdout)
    srv.wait_for("|".join(map(re.escape, ip.messages_for_alert("certificate_required")
                              or ["certificate_required"])), start=mark, timeout=5)


def test_client_auth_required_untrusted(procs):
    srv = auth_server(procs, "required")
    mark = srv.mark()
    res = www_get(procs, srv.port, *with_cert("untrusted-client"))
    assert ("received", 2, 48) in openssl_trace_alerts(res.stdout), res.stdout[-3000:]
    srv.wait_for(re.escape(ip.reason_message("CERT_UNKNOWN_ISSUER")), start=mark, timeout=5)


# --- SNI picks the chain ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["localhost", "other.example"])
def test_sni_selects_chain(procs, name):
    srv = lucid_server(procs, ["server-p256", "wrongname"], mode="--www")
    res = www_get(procs, srv.port, servername=name)
    handshake_ok(res)  # verified against `name`, so the right chain came back


# --- KeyUpdate ------------------------------------------------------------------------------------

def s_client_keyupdate(cli, letter: bytes):
    """s_client's 'k'/'K' command; it must arrive alone in one read."""
    pat = r"Sent Record(?:(?!Record).)*?KeyUpdate, Length=1"
    before = len(re.findall(pat, cli.stdout, re.S))
    cli.write(letter + b"\n")
    end = time.monotonic() + 5
    while len(re.findall(pat, cli.stdout, re.S)) <= before:
        if time.monotonic() > end:
            raise TimeoutError(f"s_client sent no KeyUpdate:\n{cli.stdout[-2000:]}")
        time.sleep(0.02)


@pytest.mark.parametrize("letter", [b"k", b"K"])
def test_keyupdate(procs, letter):
    srv = lucid_server(procs, ["server-p256"], mode="--echo")

    def script(cli):
        cli.write(b"ping-1\n")
        cli.wait_for(r"^ping-1$", stream="out")
        s_client_keyupdate(cli, letter)
        mark = cli.mark()
        cli.write(b"ping-2\n")
        cli.wait_for(r"^ping-2$", start=mark)

    res = run_proc(procs, s_client(srv.port), then=script, name="s_client")
    out = res.stdout
    assert re.search(r"^ping-2$", out, re.M), out[-2000:]
    answer = re.search(r"Received Record(?:(?!Record).)*?KeyUpdate, Length=1\s+(\w+)", out, re.S)
    if letter == b"K":
        assert answer and answer.group(1) == "update_not_requested", \
            "lucidtls did not answer update_requested with its own KeyUpdate"
        assert answer.start() < out.rindex("ping-2")
    else:
        assert answer is None, "update_not_requested must not be answered"


# --- close_notify ------------------------------------------------------------------------------------

def test_close_notify_after_www_page(pool, procs):
    srv = www_server(pool)
    res = www_get(procs, srv.port)
    handshake_ok(res)
    assert ("received", 1, 0) in openssl_trace_alerts(res.stdout), res.stdout[-2000:]


# --- robustness ------------------------------------------------------------------------------------------

def test_survives_client_rejecting_it(procs):
    """s_client does not trust the server and says so (unknown_ca); the server
    logs the peer's alert and serves the next client."""
    srv = lucid_server(procs, ["server-p256"], mode="--www")
    mark = srv.mark()
    bad = www_get(procs, srv.port, cafile=str(ip.CERTS / "untrusted-ca.pem"))
    assert bad.rc != 0
    assert ("sent", 2, 48) in openssl_trace_alerts(bad.stdout), bad.stdout[-2000:]
    srv.wait_for(re.escape(ip.reason_message("PEER_ALERT")), start=mark, timeout=5)
    assert "unknown_ca" in srv.since(mark)
    good = www_get(procs, srv.port)
    handshake_ok(good)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal(procs, sig):
    srv = lucid_server(procs, ["server-p256"], mode="--www")
    handshake_ok(www_get(procs, srv.port, timeout=5))
    srv.signal(sig)
    rc = srv.wait(timeout=5)
    assert rc in (0, 128 + sig), f"lucidtls server exited with {rc} on signal {sig}"
