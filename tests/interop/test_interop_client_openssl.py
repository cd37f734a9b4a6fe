"""`lucidtls client` against `openssl s_server -tls1_3`.

What lucidtls negotiated is checked three ways: on s_server's own status page
(-www: "Cipher", "Shared groups"), in s_server's protocol trace (-trace: the
messages and alerts it sent and received, decrypted), and in what the lucidtls
client printed.
"""
import re
import time

import pytest

import interop_peers as ip
from interop_peers import (GROUPS, HTTP_GET, SIGSCHEMES, SUITES, assert_peer_alert_reported,
                           cert, has_word, key, lucid_fails, openssl_server,
                           openssl_trace_alerts, openssl_trace_messages, run_client)

pytestmark = pytest.mark.usefixtures("lucidtls_client")


def page_ok(res):
    assert res.rc == 0, res
    assert "HTTP/1.0 200 ok" in res.stdout, res
    assert "</HTML>" in res.stdout, f"page cut short: {res!r}"


def conn_trace(srv, mark, until=r"Level=warning\(1\), description=close notify\(0\)",
               timeout=5.0):
    """s_server's trace of the connection that started at mark, once `until` shows."""
    try:
        srv.wait_for(until, start=mark, timeout=timeout)
    except TimeoutError:
        pass
    return srv.since(mark)


def sent_sigalg(trace):
    m = re.search(r"CertificateVerify, Length=\d+\n\s+Signature Algorithm: (\w+)", trace)
    return m.group(1) if m else None


# --- every suite x group x signature scheme ---------------------------------------

@pytest.mark.parametrize("sig", list(SIGSCHEMES))
@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("suite", SUITES)
def test_matrix(pool, procs, suite, group, sig):
    srv = pool(("s_server-www", sig),
               lambda reg: openssl_server(reg, SIGSCHEMES[sig], "-sigalgs", sig))
    mark = srv.mark()
    res = run_client(procs, srv.port, "--ciphers", suite, "--groups", group,
                     send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    # s_server's view
    assert re.search(rf"Cipher\s+: {suite}\b", res.stdout), res
    assert re.search(rf"^Shared groups: {group}\s*$", res.stdout, re.M), res
    trace = conn_trace(srv, mark)
    assert sent_sigalg(trace) == sig, trace[-3000:]
    # lucidtls's view
    assert re.search(r"TLS ?v?1\.3", res.stderr), res
    assert has_word(res.stderr, suite), res
    assert has_word(res.stderr, group), res
    assert has_word(res.stderr, sig), f"lucidtls does not report the peer's signature {sig}"


def test_defaults(procs):
    """No options: TLS 1.3 with an x25519 key share; s_server's two
    NewSessionTickets are taken in stride; the CA-issued chain is printed."""
    srv = openssl_server(procs, "server-p256")
    mark = srv.mark()
    res = run_client(procs, srv.port, send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    trace = conn_trace(srv, mark)
    assert "NewSessionTicket" in openssl_trace_messages(trace, "sent")
    assert openssl_trace_messages(trace, "received").count("ClientHello") == 1
    assert has_word(res.stderr, "x25519")
    assert "CN=localhost" in res.stderr, "the verified chain is not printed"


def test_hostname_localhost(procs):
    """HOST given as a name that resolves to 127.0.0.1 (and ::1 first, maybe)."""
    srv = openssl_server(procs, "server-p256")
    res = run_client(procs, srv.port, host="localhost", servername=None,
                     send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)


def test_sni_sent_for_names(procs):
    srv = openssl_server(procs, "server-p256")
    mark = srv.mark()
    res = run_client(procs, srv.port, servername="localhost", send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    trace = conn_trace(srv, mark)
    assert "extension_type=server_name(0)" in trace


def test_ip_literal_no_sni(procs):
    """127.0.0.1 without --servername: verified against the IP SAN, no SNI sent."""
    srv = openssl_server(procs, "server-p256")
    mark = srv.mark()
    res = run_client(procs, srv.port, servername=None, send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    trace = conn_trace(srv, mark)
    ch = trace.split("ClientHello", 1)[1].split("Sent Record", 1)[0]
    assert "server_name" not in ch, "SNI must be omitted for IP literals (RFC 6066 §3)"


# --- HelloRetryRequest ----------------------------------------------------------------

def test_hrr(procs):
    """s_server only takes P-256; the client's first key share is x25519."""
    srv = openssl_server(procs, "server-p256", "-groups", "P-256")
    mark = srv.mark()
    res = run_client(procs, srv.port, "--groups", "x25519,secp256r1",
                     send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    trace = conn_trace(srv, mark)
    assert openssl_trace_messages(trace, "received").count("ClientHello") == 2, trace[-3000:]
    assert has_word(res.stderr, "secp256r1")


def test_no_common_group(procs):
    srv = openssl_server(procs, "server-p256", "-groups", "P-384")
    mark = srv.mark()
    res = run_client(procs, srv.port, "--groups", "x25519", send=HTTP_GET, timeout=10)
    assert res.rc != 0
    trace = conn_trace(srv, mark, until=r"description=handshake failure")
    assert ("sent", 2, 40) in openssl_trace_alerts(trace)
    assert_peer_alert_reported(res.output, "handshake_failure")


# --- ALPN ------------------------------------------------------------------------------

@pytest.mark.parametrize("offer,server,expected", [
    ("h2", "h2,http/1.1", "h2"),
    ("foo,http/1.1", "h2,http/1.1", "http/1.1"),
])
def test_alpn(procs, offer, server, expected):
    srv = openssl_server(procs, "server-p256", "-alpn", server)
    mark = srv.mark()
    res = run_client(procs, srv.port, "--alpn", offer, send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    assert ip.alpn_value(res.stderr) == expected, res
    trace = conn_trace(srv, mark)
    assert "application_layer_protocol_negotiation(16)" in trace


def test_alpn_mismatch(procs):
    """s_server (OpenSSL 3) refuses an offer it shares nothing with:
    no_application_protocol, reported by lucidtls as the peer's alert."""
    srv = openssl_server(procs, "server-p256", "-alpn", "h2")
    mark = srv.mark()
    res = run_client(procs, srv.port, "--alpn", "foo", send=HTTP_GET, timeout=10)
    assert res.rc != 0, res
    trace = conn_trace(srv, mark, until=r"Level=fatal")
    assert ("sent", 2, 120) in openssl_trace_alerts(trace)
    assert_peer_alert_reported(res.output, "no_application_protocol")
    assert "HTTP/1.0 200" not in res.stdout


def test_alpn_not_offered(procs):
    """A server with ALPN and a client without: no protocol, no failure."""
    srv = openssl_server(procs, "server-p256", "-alpn", "h2")
    res = run_client(procs, srv.port, send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    assert ip.alpn_value(res.stderr) in (None, ""), res


# --- client certificates ---------------------------------------------------------------

@pytest.mark.parametrize("client", ["client", "client-rsa"])
def test_client_certificate(procs, client):
    srv = openssl_server(procs, "server-p256", "-Verify", "1", "-CAfile", str(ip.CA))
    mark = srv.mark()
    res = run_client(procs, srv.port, "--cert", cert(client), "--key", key(client),
                     send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    assert "lucidtls interop client" in res.stdout, "s_server shows no client certificate"
    assert "no client certificate available" not in res.stdout
    trace = conn_trace(srv, mark)
    rx = openssl_trace_messages(trace, "received")
    assert "Certificate" in rx and "CertificateVerify" in rx, rx
    if client == "client-rsa":
        assert re.search(r"Signature Algorithm: rsa_pss_rsae_sha\d+", trace)


def test_client_certificate_requested_but_none_configured(procs):
    """-verify (optional): lucidtls answers with an empty Certificate."""
    srv = openssl_server(procs, "server-p256", "-verify", "1", "-CAfile", str(ip.CA))
    mark = srv.mark()
    res = run_client(procs, srv.port, send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    assert "no client certificate available" in res.stdout
    trace = conn_trace(srv, mark)
    assert "CertificateRequest" in openssl_trace_messages(trace, "sent")
    assert "Certificate" in openssl_trace_messages(trace, "received")


def test_client_certificate_required_missing(procs):
    srv = openssl_server(procs, "server-p256", "-Verify", "1", "-CAfile", str(ip.CA))
    mark = srv.mark()
    res = run_client(procs, srv.port, send=HTTP_GET, timeout=10)
    assert res.rc != 0, res
    trace = conn_trace(srv, mark, until=r"Level=fatal")
    assert ("sent", 2, 116) in openssl_trace_alerts(trace)
    assert_peer_alert_reported(res.output, "certificate_required")


def test_client_certificate_untrusted(procs):
    srv = openssl_server(procs, "server-p256", "-Verify", "1", "-CAfile", str(ip.CA),
                         "-verify_return_error")
    mark = srv.mark()
    res = run_client(procs, srv.port, "--cert", cert("untrusted-client"),
                     "--key", key("untrusted-client"), send=HTTP_GET, timeout=10)
    assert res.rc != 0, res
    trace = conn_trace(srv, mark, until=r"Level=fatal")
    alerts = [a for d, lvl, a in openssl_trace_alerts(trace) if d == "sent" and lvl == 2]
    assert alerts == [48], f"s_server sent {alerts}"  # unknown_ca
    assert_peer_alert_reported(res.output, "unknown_ca")


# --- KeyUpdate ----------------------------------------------------------------------------

def _interactive(procs, *extra):
    return openssl_server(procs, "server-p256", *extra, www=False)


def s_server_keyupdate(srv, mark, letter: bytes):
    """Type 'k' (update_not_requested) or 'K' (update_requested) into s_server
    and wait until it has sent the KeyUpdate. s_server takes a command only
    when it arrives alone in one read, so nothing else is written meanwhile."""
    pat = r"Sent Record(?:(?!Record).)*?KeyUpdate, Length=1"
    before = len(re.findall(pat, srv.since(mark), re.S))
    srv.write(letter + b"\n")
    end = time.monotonic() + 5
    while len(re.findall(pat, srv.since(mark), re.S)) <= before:
        if time.monotonic() > end:
            raise TimeoutError(f"s_server sent no KeyUpdate:\n{srv.since(mark)[-2000:]}")
        time.sleep(0.02)


def test_keyupdate_from_server_not_requested(procs):
    srv = _interactive(procs)
    mark = srv.mark()

    def script(cli):
        cli.write(b"ping-1\n")
        srv.wait_for(r"^ping-1$", start=mark)
        s_server_keyupdate(srv, mark, b"k")
        srv.write(b"pong-after-k\n")
        cli.wait_for(b"pong-after-k", stream="out")
        cli.write(b"ping-2\n")
        srv.wait_for(r"^ping-2$", start=mark)

    res = run_client(procs, srv.port, then=script)
    trace = conn_trace(srv, mark)
    assert res.rc == 0, res
    assert "pong-after-k" in res.stdout
    assert re.search(r"Sent Record(?:(?!Record).)*KeyUpdate, Length=1\s+update_not_requested",
                     trace, re.S)
    assert "ping-2" in trace


def test_keyupdate_from_server_requested(procs):
    """s_server 'K': lucidtls must answer with its own KeyUpdate
    (update_not_requested) before its next application data."""
    srv = _interactive(procs)
    mark = srv.mark()

    def script(cli):
        cli.write(b"ping-1\n")
        srv.wait_for(r"^ping-1$", start=mark)
        s_server_keyupdate(srv, mark, b"K")
        srv.write(b"pong-after-K\n")
        cli.wait_for(b"pong-after-K", stream="out")
        cli.write(b"ping-2\n")
        srv.wait_for(r"^ping-2$", start=mark)

    res = run_client(procs, srv.port, then=script)
    trace = conn_trace(srv, mark)
    assert res.rc == 0, res
    m = re.search(r"Received Record(?:(?!Record).)*KeyUpdate, Length=1\s+update_not_requested",
                  trace, re.S)
    assert m, "lucidtls did not answer the requested KeyUpdate"
    assert trace.index("ping-2") > m.start(), "the KeyUpdate must come before new data"


def test_keyupdate_from_client(procs):
    if "--keyupdate" not in ip.lucidtls_help("client"):
        pytest.skip("lucidtls client has no --keyupdate option")
    srv = _interactive(procs)
    mark = srv.mark()

    def script(cli):
        cli.write(b"ping-1\n")
        srv.wait_for(r"^ping-1$", start=mark)
        srv.write(b"pong-1\n")
        cli.wait_for(b"pong-1", stream="out")

    res = run_client(procs, srv.port, "--keyupdate", then=script)
    trace = conn_trace(srv, mark)
    assert res.rc == 0, res
    assert re.search(r"Received Record(?:(?!Record).)*KeyUpdate, Length=1", trace, re.S), \
        "s_server saw no KeyUpdate from lucidtls"
    assert "pong-1" in res.stdout


# --- close_notify --------------------------------------------------------------------------

def test_close_notify_client_initiated(procs):
    """stdin EOF: lucidtls sends close_notify and exits 0 once the server's
    close_notify arrives."""
    srv = _interactive(procs)
    mark = srv.mark()

    def script(cli):
        cli.write(b"bye\n")
        srv.wait_for(r"^bye$", start=mark)

    res = run_client(procs, srv.port, then=script)
    assert res.rc == 0, res
    trace = conn_trace(srv, mark)
    assert ("received", 1, 0) in openssl_trace_alerts(trace), trace[-2000:]
    assert not ip.says_ragged_eof(res.output), res


def test_close_notify_server_initiated(procs):
    """-www: s_server writes the page, then close_notify; the client has
    everything and reports a clean end, not a ragged EOF."""
    srv = openssl_server(procs, "server-p256")
    mark = srv.mark()
    res = run_client(procs, srv.port, send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)
    trace = conn_trace(srv, mark)
    assert ("sent", 1, 0) in openssl_trace_alerts(trace)
    assert not ip.says_ragged_eof(res.output), res


# --- certificates that must be refused ---------------------------------------------------------

@pytest.mark.parametrize("leaf,alert,code,reason", [
    ("wrongname", "bad_certificate", 42, "CERT_NAME_MISMATCH"),
    ("untrusted", "unknown_ca", 48, "CERT_UNKNOWN_ISSUER"),
    ("expired", "certificate_expired", 45, "CERT_EXPIRED"),
])
def test_bad_server_certificate(procs, leaf, alert, code, reason):
    srv = openssl_server(procs, leaf)
    mark = srv.mark()
    res = run_client(procs, srv.port, send=HTTP_GET, timeout=10)
    lucid_fails(res, alert, reason)
    trace = conn_trace(srv, mark, until=r"Level=fatal")
    got = [(lvl, a) for d, lvl, a in openssl_trace_alerts(trace) if d == "received"]
    assert got == [(2, code)], f"s_server received {got}, expected fatal {alert}"
    assert "HTTP/1.0 200" not in res.stdout


def test_wrong_ip(procs):
    """Connecting by IP to a certificate without that IP."""
    srv = openssl_server(procs, "wrongname")
    res = run_client(procs, srv.port, servername=None, send=HTTP_GET, timeout=10)
    lucid_fails(res, "bad_certificate", "CERT_NAME_MISMATCH")


def test_insecure_skips_verification(procs):
    srv = openssl_server(procs, "untrusted")
    res = run_client(procs, srv.port, "--insecure", cafile=None, send=HTTP_GET, expect=b"</HTML>")
    page_ok(res)


def test_keylog(procs):
    srv = openssl_server(procs, "server-p256")
    path = procs.path("keylog")
    res = run_client(procs, srv.port, send=HTTP_GET, expect=b"</HTML>",
                     env={"SSLKEYLOGFILE": path})
    page_ok(res)
    lines = [ln.split() for ln in open(path).read().splitlines() if ln and not ln.startswith("#")]
    labels = {ln[0] for ln in lines}
    assert {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"} <= labels
    assert len({ln[1] for ln in lines}) == 1, "one client random for one connection"
    assert all(len(ln) == 3 and len(ln[1]) == 64 and len(ln[2]) in (64, 96) for ln in lines), lines
