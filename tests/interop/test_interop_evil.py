"""Negative cases with a malicious peer (evil.py): corrupted, truncated,
oversized, unexpected and duplicated records and messages, against the
lucidtls client and the lucidtls server.

Each case asserts the alert lucidtls put on the wire, as evil.py read it: a
plaintext alert as it is, an encrypted one only when it authenticated under a
traffic secret from the engine's key log; and the reason sentence lucidtls
printed (from include/lucidtls/error.h). A control case without tampering
runs through the same machinery first, so a failure elsewhere is lucidtls's.
"""
import os
import re
import socket
import ssl
import struct
import threading
import time

import pytest

import evil
import interop_peers as ip
from evil import (CT_ALERT, CT_APPDATA, CT_CCS, CT_HANDSHAKE, HS_CERTIFICATE,
                  HS_CERTIFICATE_VERIFY, HS_CLIENT_HELLO, HS_ENCRYPTED_EXTENSIONS, HS_FINISHED,
                  HS_SERVER_HELLO, EvilPeer, Rec, flip_last_byte, handshake, map_messages, record)
from interop_peers import CA, CERTS, assert_reason, lucid_server, run_client

ALERT = evil.ALERT_CODES


def once(fn):
    """A tamper function that acts on the first flush it gets, then passes."""
    state = {"done": False}

    def tamper(peer, recs):
        if state["done"] or not recs:
            return recs
        state["done"] = True
        return fn(peer, recs)

    return tamper


def expect_alert(peer, *names):
    """lucidtls sent exactly one fatal alert, and it is one of names."""
    fatal = [a for a in peer.alerts if a[0] == 2]
    assert fatal, (f"no fatal alert read from lucidtls; records seen: "
                   f"{[(s.ctype, s.key, len(s.raw)) for s in peer.seen]}; log: {peer.log}")
    got = evil.ALERTS.get(fatal[0][1], str(fatal[0][1]))
    assert got in names, f"lucidtls sent {got}, expected {' or '.join(names)}"
    assert len(fatal) == 1, f"more than one fatal alert: {peer.alert_names}"
    return got


# =========================================================================================
# evil server -> lucidtls client
# =========================================================================================

def run_evil_server(procs, tamper=None, timeout=10.0, send=b"", expect=None, **kw):
    peer = EvilPeer("server", str(CERTS), tamper=tamper, timeout=timeout, **kw).start()

    def hold_stdin(p):
        """Keep lucidtls's stdin open until the evil peer is done (or lucidtls
        exits), so that a stdin EOF never ends the connection first."""
        deadline = time.monotonic() + timeout
        while peer._thread.is_alive() and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)

    try:
        res = run_client(procs, peer.port, send=send, expect=expect, then=hold_stdin,
                         timeout=timeout + 2)
    finally:
        peer.join()
    assert peer.exc is None, f"evil.py itself failed: {peer.exc!r}"
    return peer, res


def client_rejects(procs, tamper, *alerts, **kw):
    peer, res = run_evil_server(procs, tamper, **kw)
    assert res.rc != 0, f"lucidtls accepted a tampered handshake: {res!r}"
    got = expect_alert(peer, *alerts)
    assert_reason(res.output, got)
    return peer, res


@pytest.mark.usefixtures("lucidtls_client")
class TestAgainstClient:

    def test_control_untampered(self, procs):
        """The machinery itself: a clean handshake, data both ways, close_notify;
        and the client's SSLKEYLOGFILE agrees with the server's key log."""
        klog = procs.path("client-keylog")
        peer = EvilPeer("server", str(CERTS), app_data=b"hello from evil\n", timeout=10).start()
        try:
            res = run_client(procs, peer.port, send=b"hello from lucidtls\n",
                             expect=b"hello from evil", timeout=12,
                             env={"SSLKEYLOGFILE": klog})
        finally:
            peer.join()
        assert peer.exc is None, peer.exc
        assert res.rc == 0, res
        assert "hello from evil" in res.stdout
        assert b"hello from lucidtls" in peer.received_app
        assert (1, 0) in peer.alerts, f"no close_notify from lucidtls: {peer.alerts}"
        assert not peer.undecryptable(), "a record of lucidtls failed to authenticate"
        theirs, ours = evil.read_keylog(klog), evil.read_keylog(peer.keylog)
        for label in ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                      "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"):
            assert theirs.get(label) == ours.get(label), f"{label} differs from OpenSSL's"

    # --- corrupted and truncated records -------------------------------------------------

    def test_corrupted_encrypted_record(self, procs):
        def t(peer, recs):
            out, hit = [], False
            for r in recs:
                raw = peer.emit(r)
                if r.epoch == "hs" and not hit:
                    raw, hit = flip_last_byte(raw), True
                out.append(raw)
            return out
        client_rejects(procs, once(t), "bad_record_mac")

    def test_truncated_encrypted_record(self, procs):
        """One byte cut from EncryptedExtensions's record (the header says so)."""
        def t(peer, recs):
            out, hit = [], False
            for r in recs:
                raw = peer.emit(r)
                if r.epoch == "hs" and not hit:
                    raw = raw[:3] + struct.pack("!H", len(raw) - 6) + raw[5:-1]
                    hit = True
                out.append(raw)
            return out
        client_rejects(procs, once(t), "bad_record_mac")

    def test_encrypted_record_shorter_than_tag(self, procs):
        def t(peer, recs):
            out, hit = [], False
            for r in recs:
                if r.epoch == "hs" and not hit:
                    out.append(record(CT_APPDATA, os.urandom(8)))
                    hit = True
                    continue
                out.append(r)
            return out
        client_rejects(procs, once(t), "bad_record_mac")

    def test_truncated_server_hello(self, procs):
        """ServerHello with its last 10 bytes cut (lengths adjusted, so the
        extensions vector runs past the end of the message)."""
        def t(peer, recs):
            sh = recs[0].data
            body = sh[4:-10]
            return [Rec("plain", CT_HANDSHAKE, handshake(HS_SERVER_HELLO, body))] + recs[1:]
        peer, res = client_rejects(procs, once(t), "decode_error")
        assert peer.seen[-1].key == "plain", "before keys the alert must be in plaintext"

    def test_record_cut_by_eof(self, procs):
        """Half a ServerHello record, then the connection ends."""
        def t(peer, recs):
            raw = peer.emit(recs[0])
            threading.Timer(0.3, peer.hangup).start()
            return [raw[: len(raw) // 2]]
        peer, res = run_evil_server(procs, once(t))
        assert res.rc != 0, res
        assert ip.says_ragged_eof(res.output), res

    # --- unexpected and duplicated messages ------------------------------------------------

    def test_unexpected_first_message(self, procs):
        """A Certificate where the ServerHello belongs."""
        def t(peer, recs):
            return [Rec("plain", CT_HANDSHAKE, handshake(HS_CERTIFICATE, b"\x00\x00\x00\x00"))]
        client_rejects(procs, once(t), "unexpected_message")

    def test_application_data_before_server_hello(self, procs):
        def t(peer, recs):
            return [record(CT_APPDATA, os.urandom(40))] + recs
        client_rejects(procs, once(t), "unexpected_message")

    def test_own_client_hello_replayed(self, procs):
        """The server sends lucidtls's own ClientHello back to it."""
        def t(peer, recs):
            return [Rec("plain", CT_HANDSHAKE, peer.client_hellos[0])]
        client_rejects(procs, once(t), "unexpected_message")

    def test_duplicated_server_hello(self, procs):
        def t(peer, recs):
            return [recs[0], recs[0]] + recs[1:]
        client_rejects(procs, once(t), "unexpected_message")

    def test_duplicated_encrypted_extensions(self, procs):
        def t(peer, recs):
            return map_messages(recs, lambda typ, m: [m, m] if typ == HS_ENCRYPTED_EXTENSIONS
                                else [m])
        client_rejects(procs, once(t), "unexpected_message")

    def test_missing_certificate_verify(self, procs):
        def t(peer, recs):
            return map_messages(recs, lambda typ, m: [] if typ == HS_CERTIFICATE_VERIFY else [m])
        client_rejects(procs, once(t), "unexpected_message")

    def test_bad_change_cipher_spec(self, procs):
        def t(peer, recs):
            return [Rec(r.epoch, r.ctype, b"\x02") if r.ctype == CT_CCS else r for r in recs]
        client_rejects(procs, once(t), "unexpected_message")

    def test_fatal_alert_instead_of_server_hello(self, procs):
        def t(peer, recs):
            return [record(CT_ALERT, bytes([2, ALERT["handshake_failure"]]))]
        peer, res = run_evil_server(procs, once(t))
        assert res.rc != 0, res
        assert ip.reason_message("PEER_ALERT") in res.output, res
        assert "handshake_failure" in res.output, res

    # --- signatures and MACs that do not verify ----------------------------------------------

    def test_bad_finished(self, procs):
        def t(peer, recs):
            return map_messages(recs, lambda typ, m: [flip_last_byte(m)] if typ == HS_FINISHED
                                else [m])
        client_rejects(procs, once(t), "decrypt_error")

    def test_bad_certificate_verify_signature(self, procs):
        def t(peer, recs):
            return map_messages(recs, lambda typ, m: [m[:-8] + bytes([m[-8] ^ 0x40]) + m[-7:]]
                                if typ == HS_CERTIFICATE_VERIFY else [m])
        client_rejects(procs, once(t), "decrypt_error")

    # --- oversized records ------------------------------------------------------------------------

    def test_oversized_plaintext_record(self, procs):
        """A plaintext record of 2^14 + 1 bytes (RFC 8446 §5.1)."""
        def t(peer, recs):
            return [record(CT_HANDSHAKE, b"\x02" + b"\x00" * 16384)]
        client_rejects(procs, once(t), "record_overflow")

    def test_oversized_ciphertext_record(self, procs):
        """An encrypted record of 2^14 + 256 + 1 bytes (RFC 8446 §5.2)."""
        def t(peer, recs):
            return recs[:2] + [record(CT_APPDATA, os.urandom(16384 + 257))]
        client_rejects(procs, once(t), "record_overflow")

    def test_oversized_inner_plaintext(self, procs):
        """A well-encrypted application record carrying 2^14 + 1 bytes."""
        def after(peer):
            peer.inject(peer.seal("app", CT_APPDATA, b"A" * 16385))
        peer, res = client_rejects(procs, None, "record_overflow", after_handshake=after)

    def test_huge_handshake_message_is_refused_early(self, procs):
        """A handshake header announcing 16 MiB: refused within the time limit
        with an alert, not buffered."""
        def t(peer, recs):
            big = bytes([HS_ENCRYPTED_EXTENSIONS]) + (0xFFFFFF).to_bytes(3, "big")
            out = recs[:2]
            out.append(Rec("hs", CT_HANDSHAKE, big + b"\x00" * 1000))
            return out
        client_rejects(procs, once(t), "decode_error", "illegal_parameter", "record_overflow",
                       "unexpected_message", "handshake_failure", "internal_error")

    # --- ragged EOF and KeyUpdate ---------------------------------------------------------------

    def test_ragged_eof_after_data(self, procs):
        def after(peer):
            peer.send_app(b"partial data\n")
            peer._flush()
            threading.Timer(0.3, peer.hangup).start()
        peer, res = run_evil_server(procs, None, after_handshake=after, expect=b"partial data")
        assert "partial data" in res.stdout
        assert ip.says_ragged_eof(res.output), res

    def test_key_update_requested(self, procs):
        """evil.py sends KeyUpdate(update_requested) and switches keys: lucidtls
        must read on with the new key and answer with KeyUpdate(not requested)
        before its next data, which must be under its new key."""
        def after(peer):
            peer.key_update(request=True)
            peer.send_app(b"after key update\n")

        def then(p):
            p.wait_for(b"after key update", stream="out", timeout=5)
            p.write(b"reply after key update\n")
            deadline = time.monotonic() + 5
            while b"reply after key update" not in peer.received_app and \
                    time.monotonic() < deadline:
                time.sleep(0.05)

        peer = EvilPeer("server", str(CERTS), after_handshake=after, timeout=10).start()
        try:
            res = run_client(procs, peer.port, then=then, timeout=12)
        finally:
            peer.join()
        assert peer.exc is None, peer.exc
        assert "after key update" in res.stdout, res
        assert peer.their_key_updates == [0], \
            f"lucidtls's KeyUpdates (request_update values): {peer.their_key_updates}"
        assert b"reply after key update" in peer.received_app
        assert not peer.undecryptable()
        assert res.rc == 0, res


# =========================================================================================
# evil client -> lucidtls server
# =========================================================================================

@pytest.fixture
def echo_server(procs):
    return lucid_server(procs, ["server-p256"], mode="--echo")


def run_evil_client(srv, tamper=None, timeout=8.0, **kw):
    peer = EvilPeer("client", str(CERTS), tamper=tamper, timeout=timeout, **kw)
    peer.connect(srv.port)
    peer.start().join()
    assert peer.exc is None, f"evil.py itself failed: {peer.exc!r}"
    return peer


def still_serves(srv):
    ctx = ssl.create_default_context(cafile=str(CA))
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"still here")
            got = b""
            while len(got) < 10:
                d = s.recv(10 - len(got))
                if not d:
                    break
                got += d
            assert got == b"still here"
    assert srv.poll() is None, "the server exited"


def server_rejects(srv, tamper, *alerts, **kw):
    mark = srv.mark()
    peer = run_evil_client(srv, tamper, **kw)
    got = expect_alert(peer, *alerts)
    msgs = ip.messages_for_alert(got)
    try:
        srv.wait_for("|".join(map(re.escape, msgs)) or got, start=mark, timeout=5)
    except TimeoutError:
        pass
    assert_reason(srv.since(mark), got)
    still_serves(srv)
    return peer


@pytest.mark.usefixtures("lucidtls_server")
class TestAgainstServer:

    def test_control_untampered(self, echo_server):
        def after(peer):
            peer.send_app(b"echo me")

        peer = EvilPeer("client", str(CERTS), after_handshake=after, timeout=5)
        peer.connect(echo_server.port)
        peer.start()
        deadline = time.monotonic() + 5
        while peer.received_app != b"echo me" and time.monotonic() < deadline:
            time.sleep(0.05)
        peer.close()
        peer.join()
        assert peer.exc is None, peer.exc
        assert peer.handshake_done and peer.received_app == b"echo me"
        assert not peer.undecryptable()

    def test_client_hello_in_three_records(self, echo_server):
        """Valid: a handshake message may span records (RFC 8446 §5.1)."""
        def t(peer, recs):
            ch = recs[0].data
            a, b = len(ch) // 3, 2 * len(ch) // 3
            return [record(CT_HANDSHAKE, ch[:a]), record(CT_HANDSHAKE, ch[a:b]),
                    record(CT_HANDSHAKE, ch[b:])] + recs[1:]

        def after(peer):
            peer.send_app(b"split")

        peer = EvilPeer("client", str(CERTS), tamper=once(t), after_handshake=after, timeout=5)
        peer.connect(echo_server.port)
        peer.start()
        deadline = time.monotonic() + 5
        while peer.received_app != b"split" and time.monotonic() < deadline:
            time.sleep(0.05)
        peer.close()
        peer.join()
        assert peer.received_app == b"split", (peer.alert_names, peer.log)

    def test_corrupted_finished_record(self, echo_server):
        def t(peer, recs):
            return [flip_last_byte(peer.emit(r)) if r.epoch == "hs" else r for r in recs]
        server_rejects(echo_server, _on_flight(t, "hs"), "bad_record_mac")

    def test_truncated_client_hello(self, echo_server):
        def t(peer, recs):
            ch = recs[0].data
            return [Rec("plain", CT_HANDSHAKE, handshake(HS_CLIENT_HELLO, ch[4:-12]))]
        server_rejects(echo_server, once(t), "decode_error")

    def test_duplicated_client_hello(self, echo_server):
        def t(peer, recs):
            return [recs[0], recs[0]] + recs[1:]
        server_rejects(echo_server, once(t), "unexpected_message")

    def test_finished_instead_of_client_hello(self, echo_server):
        def t(peer, recs):
            return [Rec("plain", CT_HANDSHAKE, handshake(HS_FINISHED, b"\x00" * 32))]
        server_rejects(echo_server, once(t), "unexpected_message")

    def test_application_data_before_client_hello(self, echo_server):
        def t(peer, recs):
            return [record(CT_APPDATA, os.urandom(40))] + recs
        server_rejects(echo_server, once(t), "unexpected_message")

    def test_oversized_plaintext_record(self, echo_server):
        def t(peer, recs):
            return [record(CT_HANDSHAKE, b"\x01" + b"\x00" * 16384)]
        server_rejects(echo_server, once(t), "record_overflow")

    def test_bad_finished(self, echo_server):
        def t(peer, recs):
            return map_messages(recs, lambda typ, m: [flip_last_byte(m)] if typ == HS_FINISHED
                                else [m])
        server_rejects(echo_server, _on_flight(t, "hs"), "decrypt_error")

    def test_oversized_inner_plaintext(self, echo_server):
        def after(peer):
            peer.inject(peer.seal("app", CT_APPDATA, b"A" * 16385))
        server_rejects(echo_server, None, "record_overflow", after_handshake=after)

    def test_ragged_eof(self, echo_server):
        mark = echo_server.mark()

        def after(peer):
            peer.send_app(b"x")
            peer._flush()
            peer.hangup()
        run_evil_client(echo_server, None, after_handshake=after)
        echo_server.wait_for(ip.reason_message("RAGGED_EOF").split(" (")[0], start=mark,
                             timeout=5)
        still_serves(echo_server)

    def test_key_update_requested(self, echo_server):
        """The server answers KeyUpdate(update_requested) with its own and
        echoes data sent under the new key."""
        def after(peer):
            peer.key_update(request=True)
            peer.send_app(b"after key update")

        peer = EvilPeer("client", str(CERTS), after_handshake=after, timeout=5)
        peer.connect(echo_server.port)
        peer.start()
        deadline = time.monotonic() + 5
        while peer.received_app != b"after key update" and time.monotonic() < deadline:
            time.sleep(0.05)
        peer.close()
        peer.join()
        assert peer.exc is None, peer.exc
        assert peer.their_key_updates == [0], peer.their_key_updates
        assert not peer.undecryptable()
        assert peer.received_app == b"after key update"
        assert any(s.data == b"after key update" and s.key.endswith("+1") for s in peer.seen), \
            [(s.ctype, s.key) for s in peer.seen]


def _on_flight(fn, epoch):
    """Tamper with the first flush that holds records of `epoch`."""
    state = {"done": False}

    def tamper(peer, recs):
        if state["done"] or not any(isinstance(r, Rec) and r.epoch == epoch for r in recs):
            return recs
        state["done"] = True
        return fn(peer, recs)

    return tamper
