"""The interop harness checked on its own, with OpenSSL on both ends: the test
PKI, evil.py (its tampering, decryption and KeyUpdate bookkeeping must make
OpenSSL send the very alerts the lucidtls tests expect), and WireTap. These
need no lucidtls, so they also guard the harness while lucidtls changes."""
import datetime
import subprocess
import time

import pytest

import evil
from evil import HS_ENCRYPTED_EXTENSIONS, HS_FINISHED, EvilPeer, WireTap, flip_last_byte, map_messages
from interop_peers import (CA, CERTS, HTTP_GET, SERVER_CERTS, STDBUF, cert, openssl_server,
                           openssl_trace_alerts, run_proc)


# --- the test PKI ----------------------------------------------------------------------------

def x509(name, *args):
    return subprocess.run(["openssl", "x509", "-in", cert(name), "-noout", *args],
                          capture_output=True, text=True, timeout=10).stdout


def verify(name, ca="ca"):
    return subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile", cert(ca), cert(name)],
                          capture_output=True, text=True, timeout=10)


@pytest.mark.parametrize("name", SERVER_CERTS + ["client", "client-rsa"])
def test_pki_leaves_verify(name):
    assert verify(name).returncode == 0, verify(name).stderr
    end = x509(name, "-enddate").strip().split("=", 1)[1]
    assert "2049" in end


@pytest.mark.parametrize("name", SERVER_CERTS + ["expired", "untrusted"])
def test_pki_server_names(name):
    san = x509(name, "-ext", "subjectAltName")
    assert "DNS:localhost" in san and "IP Address:127.0.0.1" in san


def test_pki_deliberate_failures():
    assert verify("expired").returncode != 0
    assert "other.example" in x509("wrongname", "-ext", "subjectAltName")
    assert "localhost" not in x509("wrongname", "-ext", "subjectAltName")
    assert verify("untrusted").returncode != 0
    assert verify("untrusted", "untrusted-ca").returncode == 0
    ends = datetime.datetime.strptime(x509("expired", "-enddate").strip().split("=", 1)[1],
                                      "%b %d %H:%M:%S %Y %Z")
    assert ends.year == 2001


def test_pki_key_types():
    assert "rsaEncryption" in x509("server-rsa", "-text") and "2048 bit" in x509("server-rsa", "-text")
    assert "prime256v1" in x509("server-p256", "-text")
    assert "secp384r1" in x509("server-p384", "-text")
    assert "ED25519" in x509("server-ed25519", "-text")
    assert "ED448" in x509("server-ed448", "-text")


# --- evil.py as a server, OpenSSL's s_client as its victim -----------------------------------------

def s_client_against(procs, peer, stdin=b"", then=None):
    argv = STDBUF + ["openssl", "s_client", "-connect", f"127.0.0.1:{peer.port}", "-tls1_3",
                     "-CAfile", str(CA), "-servername", "localhost", "-verify_return_error"]
    try:
        return run_proc(procs, argv, send=stdin, then=then, timeout=12, name="s_client")
    finally:
        peer.join()


def once(fn):
    state = {"done": False}

    def tamper(peer, recs):
        if state["done"] or not recs:
            return recs
        state["done"] = True
        return fn(peer, recs)
    return tamper


def test_evil_server_control(procs):
    peer = EvilPeer("server", str(CERTS), app_data=b"hello from evil\n", timeout=6).start()

    def then(p):
        p.wait_for(b"hello from evil", stream="out", timeout=5)
        p.write(b"hello from s_client\n")
        deadline = time.monotonic() + 5
        while b"hello from s_client" not in peer.received_app and time.monotonic() < deadline:
            time.sleep(0.05)

    s_client_against(procs, peer, then=then)
    assert peer.exc is None, peer.exc
    assert b"hello from s_client" in peer.received_app
    assert (1, 0) in peer.alerts  # s_client's close_notify, decrypted
    assert not peer.undecryptable()


@pytest.mark.parametrize("case,alert", [
    ("corrupt", "bad_record_mac"),
    ("dup_ee", "unexpected_message"),
    ("bad_finished", "decrypt_error"),
])
def test_evil_server_tampering_is_seen_by_openssl(procs, case, alert):
    def corrupt(peer, recs):
        return [flip_last_byte(peer.emit(r)) if r.epoch == "hs" else r for r in recs]

    def dup_ee(peer, recs):
        return map_messages(recs, lambda t, m: [m, m] if t == HS_ENCRYPTED_EXTENSIONS else [m])

    def bad_finished(peer, recs):
        return map_messages(recs, lambda t, m: [flip_last_byte(m)] if t == HS_FINISHED else [m])

    fn = {"corrupt": corrupt, "dup_ee": dup_ee, "bad_finished": bad_finished}[case]
    peer = EvilPeer("server", str(CERTS), tamper=once(fn), timeout=6).start()
    res = s_client_against(procs, peer)
    assert peer.exc is None, peer.exc
    assert res.rc != 0
    assert [a for a in peer.alert_names] == [alert], (peer.alerts, peer.log)


def test_evil_server_oversized_inner_plaintext(procs):
    def after(peer):
        peer.inject(peer.seal("app", evil.CT_APPDATA, b"A" * 16385))
    peer = EvilPeer("server", str(CERTS), after_handshake=after, timeout=6).start()

    def then(p):  # keep s_client's stdin open until it has answered
        deadline = time.monotonic() + 5
        while not peer.alerts and time.monotonic() < deadline:
            time.sleep(0.05)

    res = s_client_against(procs, peer, then=then)
    assert peer.exc is None, peer.exc
    assert peer.alert_names == ["record_overflow"], (peer.alerts, res.output[-1000:])


def test_evil_server_key_update(procs):
    """evil.py's KeyUpdate bookkeeping: OpenSSL reads on under the new key and
    answers update_requested with its own KeyUpdate, which evil.py follows."""
    def after(peer):
        peer.key_update(request=True)
        peer.send_app(b"after key update\n")

    peer = EvilPeer("server", str(CERTS), after_handshake=after, timeout=6).start()

    def then(p):
        p.wait_for(b"after key update", stream="out", timeout=5)
        p.write(b"reply\n")
        deadline = time.monotonic() + 5
        while b"reply" not in peer.received_app and time.monotonic() < deadline:
            time.sleep(0.05)

    s_client_against(procs, peer, then=then)
    assert peer.exc is None, peer.exc
    assert peer.their_key_updates == [0]
    assert b"reply" in peer.received_app
    assert not peer.undecryptable()


# --- evil.py as a client, s_server as its victim ---------------------------------------------------

def test_evil_client_control_and_bad_finished(procs):
    srv = openssl_server(procs, "server-p256", www=False)
    mark = srv.mark()
    good = EvilPeer("client", str(CERTS), app_data=b"hello s_server\n", timeout=3)
    good.connect(srv.port)
    good.start()
    srv.wait_for(r"^hello s_server$", start=mark, timeout=5)
    good.hangup()
    good.join()
    assert good.exc is None and good.handshake_done

    state = {"done": False}

    def t(peer, recs):
        if state["done"] or not any(r.epoch == "hs" for r in recs):
            return recs
        state["done"] = True
        return map_messages(recs, lambda typ, m: [flip_last_byte(m)] if typ == HS_FINISHED else [m])

    srv2 = openssl_server(procs, "server-p256", www=False)
    bad = EvilPeer("client", str(CERTS), tamper=t, timeout=5)
    bad.connect(srv2.port)
    bad.start().join()
    assert bad.exc is None, bad.exc
    assert bad.alert_names == ["decrypt_error"], (bad.alerts, bad.log)


# --- WireTap ----------------------------------------------------------------------------------------

def test_wiretap_sees_hrr(procs):
    srv = openssl_server(procs, "server-p256", "-groups", "P-256")
    tap = WireTap(srv.port)
    try:
        argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{tap.port}", "-CAfile", str(CA),
                "-groups", "X25519:P-256", "-servername", "localhost"]
        res = run_proc(procs, argv, send=HTTP_GET, expect="</HTML>", timeout=10)
    finally:
        tap.close()
    assert "HTTP/1.0 200 ok" in res.stdout
    assert tap.hrr and len(tap.client_hellos) == 2
    assert tap.client_hellos[0]["key_shares"] == ["x25519"]
    assert tap.client_hellos[0]["sni"] == "localhost"
    assert tap.final_server_hello["group"] == "secp256r1"
    assert tap.final_server_hello["suite"].startswith("TLS_")


def test_trace_alert_parser(procs):
    srv = openssl_server(procs, "expired")
    mark = srv.mark()
    argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{srv.port}", "-CAfile", str(CA),
            "-verify_return_error", "-servername", "localhost"]
    res = run_proc(procs, argv, send=HTTP_GET, timeout=10)
    assert res.rc != 0
    srv.wait_for(r"Level=fatal", start=mark, timeout=5)
    assert ("received", 2, 45) in openssl_trace_alerts(srv.since(mark))


# --- the lucidtls command line ----------------------------------------------------------------------

@pytest.mark.parametrize("command", ["client", "server"])
def test_cli_help(command):
    """`lucidtls client|server --help` prints the usage and succeeds (the
    suite's 'not built yet' rule is keyed on it)."""
    import interop_peers as ip
    if not ip.lucidtls_has(command):
        pytest.skip(ip.SKIP_NOT_BUILT)
    r = subprocess.run([str(ip.LUCIDTLS), command, "--help"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=10)
    assert f"usage: lucidtls {command}" in r.stdout + r.stderr
    assert r.returncode == 0, f"`lucidtls {command} --help` exited {r.returncode}"
