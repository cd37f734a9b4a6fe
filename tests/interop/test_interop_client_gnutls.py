"""`lucidtls client` against `gnutls-serv` (TLS 1.3 only, by priority string).

gnutls-serv logs each connection ("- Description: (TLS1.3-X.509)-(group)-
(signature)-(cipher)", "- Application protocol: ...", errors), which is the
peer's own account of what was negotiated. By default gnutls-serv also asks
for a client certificate, so lucidtls's empty Certificate answer is covered
by every test here that does not configure one.
"""
import re

import pytest

import interop_peers as ip
from evil import WireTap
from interop_peers import (GNUTLS_CIPHER, GNUTLS_DESC, GNUTLS_DESC_GROUP, GNUTLS_DESC_SIGN, GROUPS,
                           HTTP_GET, SIGSCHEMES, SUITES, assert_peer_alert_reported, cert,
                           gnutls_priority, gnutls_server, has_word, key, run_client)

pytestmark = pytest.mark.usefixtures("lucidtls_client")


def conn_log(srv, mark, until=r"- Description: .*", timeout=5.0):
    try:
        srv.wait_for(until, start=mark, timeout=timeout)
    except TimeoutError:
        pass
    return srv.since(mark)


def http_ok(res):
    assert res.rc == 0, res
    assert "HTTP/1.0 200 OK" in res.stdout, res
    assert "</HTML>" in res.stdout.upper(), f"page cut short: {res!r}"


@pytest.mark.parametrize("sig", list(SIGSCHEMES))
@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("suite", SUITES)
def test_matrix(pool, procs, suite, group, sig):
    srv = pool(("gnutls-serv-http", sig),
               lambda reg: gnutls_server(reg, SIGSCHEMES[sig], gnutls_priority(sig=sig)))
    mark = srv.mark()
    res = run_client(procs, srv.port, "--ciphers", suite, "--groups", group,
                     send=HTTP_GET, expect="(?i)</html>")
    http_ok(res)
    log = conn_log(srv, mark)
    m = GNUTLS_DESC.search(log)
    assert m, log[-2000:]
    assert m.groups() == (GNUTLS_DESC_GROUP[group], GNUTLS_DESC_SIGN[sig], GNUTLS_CIPHER[suite]), \
        m.group(0)
    assert has_word(res.stderr, suite) and has_word(res.stderr, group), res
    assert has_word(res.stderr, sig), f"lucidtls does not report the peer's signature {sig}"


def test_hrr(procs):
    """gnutls-serv takes only secp256r1; lucidtls's first share is x25519."""
    srv = gnutls_server(procs, "server-p256", gnutls_priority(group="secp256r1"))
    tap = WireTap(srv.port)
    try:
        res = run_client(procs, tap.port, "--groups", "x25519,secp256r1",
                         send=HTTP_GET, expect="(?i)</html>")
    finally:
        tap.close()
    http_ok(res)
    assert tap.hrr, "no HelloRetryRequest on the wire"
    assert len(tap.client_hellos) == 2
    assert tap.client_hellos[0]["key_shares"] == ["x25519"]
    assert tap.client_hellos[1]["key_shares"] == ["secp256r1"]
    assert tap.final_server_hello["group"] == "secp256r1"
    assert has_word(res.stderr, "secp256r1")


def test_alpn(procs):
    srv = gnutls_server(procs, "server-p256", None, "--alpn", "http/1.1", "--alpn", "h2")
    mark = srv.mark()
    res = run_client(procs, srv.port, "--alpn", "h2,http/1.1", send=HTTP_GET,
                     expect="(?i)</html>")
    http_ok(res)
    log = conn_log(srv, mark, until=r"- Application protocol: .*")
    proto = re.search(r"- Application protocol: (\S+)", log).group(1)
    assert ip.alpn_value(res.stderr) == proto, res


def test_alpn_mismatch_fatal(procs):
    """--alpn-fatal: gnutls-serv answers no_application_protocol (RFC 7301)."""
    srv = gnutls_server(procs, "server-p256", None, "--alpn", "h2", "--alpn-fatal")
    mark = srv.mark()
    res = run_client(procs, srv.port, "--alpn", "foo", send=HTTP_GET, timeout=10)
    assert res.rc != 0, res
    log = conn_log(srv, mark, until=r"Error in handshake.*")
    assert "No common application protocol" in log
    assert_peer_alert_reported(res.output, "no_application_protocol")


def test_client_certificate_required(procs):
    srv = gnutls_server(procs, "server-p256", None, "-r", "--x509cafile", str(ip.CA))
    mark = srv.mark()
    res = run_client(procs, srv.port, "--cert", cert("client-rsa"), "--key", key("client-rsa"),
                     send=HTTP_GET, expect="(?i)</html>")
    http_ok(res)
    log = conn_log(srv, mark, until=r"- Client Signature: .*")
    assert re.search(r"- Client Signature: RSA-PSS-RSAE-SHA\d+", log), log[-2000:]


def test_client_certificate_required_missing(procs):
    srv = gnutls_server(procs, "server-p256", None, "-r", "--x509cafile", str(ip.CA))
    mark = srv.mark()
    res = run_client(procs, srv.port, send=HTTP_GET, timeout=10)
    assert res.rc != 0, res
    log = conn_log(srv, mark, until=r"Error in handshake.*")
    assert "Certificate is required" in log
    assert_peer_alert_reported(res.output, "certificate_required")


def test_echo_large_and_close(procs):
    """200 KB through gnutls-serv --echo (many full records both ways), then
    stdin EOF: close_notify, a clean exit, every byte back."""
    srv = gnutls_server(procs, "server-p256", None, "-a", mode="--echo")
    lines = [f"{i:06d} ".encode() + b"x" * 57 + b"\n" for i in range(3200)]
    data = b"".join(lines)
    res = run_client(procs, srv.port, send=data, expect=lines[-1], timeout=20)
    assert res.rc == 0, res
    assert data in res.stdout_bytes
    assert not ip.says_ragged_eof(res.output), res
