"""evil.py - a small malicious TLS 1.3 peer for the interop tests.

It speaks just enough TLS 1.3 to walk lucidtls to a given state and then
misbehave. The handshake itself is done by Python's ssl module over MemoryBIOs
(OpenSSL underneath); evil.py sits between that engine and the socket:

  * every record the engine produces is split out, and encrypted records are
    decrypted with the secrets from the engine's key log (SSLContext.
    keylog_filename) and re-encrypted with evil.py's own sequence numbers, so
    a test can drop, duplicate, reorder, corrupt, truncate or resize records
    and messages, even encrypted ones, and the rest of the stream stays valid;
  * every record lucidtls sends is recorded and, where evil.py holds the key,
    decrypted, so a test can assert the alert lucidtls sent, honestly:
    plaintext alerts are read as they are; an encrypted alert is reported only
    when it authenticates under a known traffic secret.

The AEADs come from the libcrypto that Python's ssl module already loads
(ctypes), HKDF from hmac/hashlib: nothing outside the standard library.

Also here: WireTap, a TCP relay that parses the plaintext part of a handshake
(ClientHello count, HelloRetryRequest, the ServerHello's suite and group,
plaintext alerts) between two real peers.
"""
from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import hashlib
import hmac
import os
import select
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
from dataclasses import dataclass

# --- TLS constants ------------------------------------------------------------

CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APPDATA = 20, 21, 22, 23

HS_CLIENT_HELLO = 1
HS_SERVER_HELLO = 2
HS_NEW_SESSION_TICKET = 4
HS_ENCRYPTED_EXTENSIONS = 8
HS_CERTIFICATE = 11
HS_CERTIFICATE_REQUEST = 13
HS_CERTIFICATE_VERIFY = 15
HS_FINISHED = 20
HS_KEY_UPDATE = 24

HRR_RANDOM = bytes.fromhex("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C")

ALERTS = {
    0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 22: "record_overflow",
    40: "handshake_failure", 42: "bad_certificate", 43: "unsupported_certificate",
    44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown",
    47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
    51: "decrypt_error", 70: "protocol_version", 71: "insufficient_security",
    80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
    109: "missing_extension", 110: "unsupported_extension", 112: "unrecognized_name",
    113: "bad_certificate_status_response", 115: "unknown_psk_identity",
    116: "certificate_required", 120: "no_application_protocol",
}
ALERT_CODES = {v: k for k, v in ALERTS.items()}

GROUPS = {0x001D: "x25519", 0x0017: "secp256r1", 0x0018: "secp384r1", 0x0019: "secp521r1",
          0x001E: "x448"}
SUITES = {0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
          0x1303: "TLS_CHACHA20_POLY1305_SHA256", 0x1304: "TLS_AES_128_CCM_SHA256"}
SUITE_CODES = {v: k for k, v in SUITES.items()}

MAX_PLAINTEXT = 1 << 14


def record(ctype: int, payload: bytes, version: int = 0x0303, length: int | None = None) -> bytes:
    """A raw record; length overrides the header's length field."""
    n = len(payload) if length is None else length
    return struct.pack("!BHH", ctype, version, n) + payload


def handshake(msg_type: int, body: bytes, length: int | None = None) -> bytes:
    n = len(body) if length is None else length
    return struct.pack("!B", msg_type) + n.to_bytes(3, "big") + body


def alert_bytes(level: int, desc: int) -> bytes:
    return bytes([level, desc])


def split_records(buf: bytearray) -> list[bytes]:
    """Removes and returns the complete records at the front of buf."""
    out = []
    while len(buf) >= 5:
        n = struct.unpack("!H", buf[3:5])[0]
        if len(buf) < 5 + n:
            break
        out.append(bytes(buf[: 5 + n]))
        del buf[: 5 + n]
    return out


def split_handshake(data: bytes) -> list[tuple[int, bytes]]:
    """(type, whole message) for each complete handshake message in data."""
    out, i = [], 0
    while i + 4 <= len(data):
        n = int.from_bytes(data[i + 1 : i + 4], "big")
        if i + 4 + n > len(data):
            break
        out.append((data[i], data[i : i + 4 + n]))
        i += 4 + n
    return out


# --- crypto: HKDF (hashlib/hmac) and AEAD (libcrypto via ctypes) ------------

_lib = None


def _libcrypto():
    global _lib
    if _lib is None:
        name = ctypes.util.find_library("crypto") or "libcrypto.so.3"
        lib = ctypes.CDLL(name)
        lib.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
        lib.EVP_CIPHER_CTX_free.argtypes = [ctypes.c_void_p]
        lib.EVP_CIPHER_fetch.restype = ctypes.c_void_p
        lib.EVP_CIPHER_fetch.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.EVP_CIPHER_free.argtypes = [ctypes.c_void_p]
        lib.EVP_CipherInit_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                          ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        lib.EVP_CIPHER_CTX_ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                            ctypes.c_void_p]
        lib.EVP_CipherUpdate.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                         ctypes.POINTER(ctypes.c_int), ctypes.c_char_p,
                                         ctypes.c_int]
        lib.EVP_CipherFinal_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                           ctypes.POINTER(ctypes.c_int)]
        _lib = lib
    return _lib


_EVP_CTRL_AEAD_SET_IVLEN, _EVP_CTRL_AEAD_GET_TAG, _EVP_CTRL_AEAD_SET_TAG = 0x9, 0x10, 0x11


def aead(cipher: str, key: bytes, nonce: bytes, aad: bytes, data: bytes, encrypt: bool):
    """AEAD seal (returns ciphertext||tag) or open (returns plaintext or None)."""
    lib = _libcrypto()
    ev = lib.EVP_CIPHER_fetch(None, cipher.encode(), None)
    if not ev:
        raise RuntimeError(f"libcrypto has no {cipher}")
    ctx = lib.EVP_CIPHER_CTX_new()
    try:
        enc = 1 if encrypt else 0
        if not encrypt:
            if len(data) < 16:
                return None
            data, tag = data[:-16], data[-16:]
        assert lib.EVP_CipherInit_ex(ctx, ev, None, None, None, enc) == 1
        assert lib.EVP_CIPHER_CTX_ctrl(ctx, _EVP_CTRL_AEAD_SET_IVLEN, len(nonce), None) == 1
        assert lib.EVP_CipherInit_ex(ctx, None, None, key, nonce, enc) == 1
        outl = ctypes.c_int(0)
        if not encrypt:
            tagbuf = ctypes.create_string_buffer(tag, 16)
            assert lib.EVP_CIPHER_CTX_ctrl(ctx, _EVP_CTRL_AEAD_SET_TAG, 16, tagbuf) == 1
        assert lib.EVP_CipherUpdate(ctx, None, ctypes.byref(outl), aad, len(aad)) == 1
        out = ctypes.create_string_buffer(len(data) + 32)
        assert lib.EVP_CipherUpdate(ctx, out, ctypes.byref(outl), data, len(data)) == 1
        n = outl.value
        fin = ctypes.c_int(0)
        ok = lib.EVP_CipherFinal_ex(ctx, ctypes.byref(out, n), ctypes.byref(fin)) == 1
        if not ok:
            return None
        n += fin.value
        if encrypt:
            tagbuf = ctypes.create_string_buffer(16)
            assert lib.EVP_CIPHER_CTX_ctrl(ctx, _EVP_CTRL_AEAD_GET_TAG, 16, tagbuf) == 1
            return out.raw[:n] + tagbuf.raw
        return out.raw[:n]
    finally:
        lib.EVP_CIPHER_CTX_free(ctx)
        lib.EVP_CIPHER_free(ev)


SUITE_PARAMS = {  # suite -> (hash, key length, libcrypto cipher name)
    "TLS_AES_128_GCM_SHA256": ("sha256", 16, "AES-128-GCM"),
    "TLS_AES_256_GCM_SHA384": ("sha384", 32, "AES-256-GCM"),
    "TLS_CHACHA20_POLY1305_SHA256": ("sha256", 32, "ChaCha20-Poly1305"),
}


def hkdf_expand_label(hash_name: str, secret: bytes, label: str, context: bytes, length: int):
    full = b"tls13 " + label.encode()
    info = struct.pack("!H", length) + bytes([len(full)]) + full + bytes([len(context)]) + context
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(secret, t + info + bytes([i]), hash_name).digest()
        out += t
        i += 1
    return out[:length]


class RecordKey:
    """One direction's traffic keys (RFC 8446 §7.3) with its sequence number."""

    def __init__(self, suite: str, secret: bytes, label: str = ""):
        self.suite, self.secret, self.label = suite, secret, label
        h, klen, self.cipher = SUITE_PARAMS[suite]
        self.hash = h
        self.key = hkdf_expand_label(h, secret, "key", b"", klen)
        self.iv = hkdf_expand_label(h, secret, "iv", b"", 12)
        self.seq = 0

    def nonce(self, seq: int) -> bytes:
        s = seq.to_bytes(12, "big")
        return bytes(a ^ b for a, b in zip(self.iv, s))

    def seal(self, inner_type: int, data: bytes, pad: int = 0, length: int | None = None) -> bytes:
        inner = data + bytes([inner_type]) + bytes(pad)
        n = len(inner) + 16
        hdr = struct.pack("!BHH", CT_APPDATA, 0x0303, n)
        ct = aead(self.cipher, self.key, self.nonce(self.seq), hdr, inner, True)
        self.seq += 1
        if length is not None:  # a lying header, for the tests that want one
            hdr = struct.pack("!BHH", CT_APPDATA, 0x0303, length)
        return hdr + ct

    def open(self, rec: bytes, seq: int | None = None):
        """(inner type, content) or None if it does not authenticate."""
        use = self.seq if seq is None else seq
        pt = aead(self.cipher, self.key, self.nonce(use), rec[:5], rec[5:], False)
        if pt is None:
            return None
        if seq is None:
            self.seq += 1
        stripped = pt.rstrip(b"\0")
        if not stripped:
            return (0, b"")
        return (stripped[-1], stripped[:-1])

    def next(self) -> "RecordKey":
        """The key after a KeyUpdate."""
        nxt = hkdf_expand_label(self.hash, self.secret, "traffic upd", b"",
                                hashlib.new(self.hash).digest_size)
        return RecordKey(self.suite, nxt, self.label + "+1")


def read_keylog(path: str) -> dict[str, bytes]:
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and not line.startswith("#"):
                    out[parts[0]] = bytes.fromhex(parts[2])
    except FileNotFoundError:
        pass
    return out


# --- parsed hellos -------------------------------------------------------------

def parse_server_hello(msg: bytes) -> dict:
    """Fields of a ServerHello (or HelloRetryRequest) handshake message."""
    b = msg[4:]
    random = b[2:34]
    sid_len = b[34]
    i = 35 + sid_len
    suite = struct.unpack("!H", b[i : i + 2])[0]
    i += 3
    ext_len = struct.unpack("!H", b[i : i + 2])[0]
    i += 2
    exts = {}
    end = i + ext_len
    while i + 4 <= end:
        et, el = struct.unpack("!HH", b[i : i + 4])
        exts[et] = b[i + 4 : i + 4 + el]
        i += 4 + el
    group = None
    if 51 in exts and len(exts[51]) >= 2:
        group = struct.unpack("!H", exts[51][:2])[0]
    return {"hrr": random == HRR_RANDOM, "suite": SUITES.get(suite, hex(suite)),
            "group": GROUPS.get(group, group), "extensions": exts}


def parse_client_hello(msg: bytes) -> dict:
    b = msg[4:]
    i = 34
    i += 1 + b[i]  # session id
    n = struct.unpack("!H", b[i : i + 2])[0]
    suites = [struct.unpack("!H", b[i + 2 + k : i + 4 + k])[0] for k in range(0, n, 2)]
    i += 2 + n
    i += 1 + b[i]  # compression
    ext_len = struct.unpack("!H", b[i : i + 2])[0]
    i += 2
    end = i + ext_len
    exts = {}
    while i + 4 <= end:
        et, el = struct.unpack("!HH", b[i : i + 4])
        exts[et] = b[i + 4 : i + 4 + el]
        i += 4 + el
    shares = []
    if 51 in exts:
        ks = exts[51][2:]
        j = 0
        while j + 4 <= len(ks):
            g, kl = struct.unpack("!HH", ks[j : j + 4])
            shares.append(GROUPS.get(g, g))
            j += 4 + kl
    sni = None
    if 0 in exts and len(exts[0]) > 5:
        sni = exts[0][5:].decode(errors="replace")
    return {"suites": [SUITES.get(s, s) for s in suites], "key_shares": shares,
            "extensions": exts, "sni": sni}


# --- the evil endpoint ----------------------------------------------------------

@dataclass
class Rec:
    """One record as evil.py sees it. epoch: 'plain', 'hs' or 'app' (own keys).
    For encrypted epochs, ctype/data are the inner content type and content."""
    epoch: str
    ctype: int
    data: bytes

    def messages(self) -> list[tuple[int, bytes]]:
        return split_handshake(self.data) if self.ctype == CT_HANDSHAKE else []


@dataclass
class Seen:
    """A record lucidtls sent, and what evil.py could read of it."""
    raw: bytes
    ctype: int | None = None         # outer type for plaintext, inner when decrypted
    data: bytes | None = None        # content; None when it could not be decrypted
    key: str = "plain"               # which secret opened it

    @property
    def alert(self):
        if self.ctype == CT_ALERT and self.data and len(self.data) >= 2:
            return (self.data[0], self.data[1])
        return None


class EvilPeer:
    """A Python-ssl endpoint on a raw socket whose outgoing records pass through
    tamper(peer, recs) -> list[Rec | bytes] before they are sent.

    role: 'server' (listens on 127.0.0.1, accepts one connection) or 'client'.
    after_handshake(peer) may queue more output via peer.send_app(...) etc.
    """

    def __init__(self, role: str, certdir: str, tamper=None, cert: str = "server-p256",
                 client_cert: str | None = None, alpn=None, groups: str | None = None,
                 server_name: str = "localhost", app_data: bytes = b"", timeout: float = 10.0,
                 after_handshake=None, close_after: bool = True, verify: bool = True):
        self.role, self.tamper, self.timeout = role, tamper, timeout
        self.after_handshake = after_handshake
        self.app_data, self.close_after = app_data, close_after
        self.tmp = tempfile.mkdtemp(prefix="evil-")
        atexit.register(shutil.rmtree, self.tmp, True)  # the key log is read after join()
        self.keylog = os.path.join(self.tmp, "keylog")
        if role == "server":
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(certdir, cert + ".pem"),
                                os.path.join(certdir, cert + ".key"))
            ctx.num_tickets = 0
        else:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            if verify:
                ctx.load_verify_locations(os.path.join(certdir, "ca.pem"))
            else:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if client_cert:
                ctx.load_cert_chain(os.path.join(certdir, client_cert + ".pem"),
                                    os.path.join(certdir, client_cert + ".key"))
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.maximum_version = ssl.TLSVersion.TLSv1_3
        if alpn:
            ctx.set_alpn_protocols(alpn)
        if groups:
            ctx.set_ecdh_curve(groups)
        ctx.keylog_filename = self.keylog
        self.inb, self.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inb, self.outb, server_side=(role == "server"),
                                server_hostname=None if role == "server" else server_name)
        self.sock = None
        self.listener = None
        if role == "server":
            self.listener = socket.socket()
            self.listener.bind(("127.0.0.1", 0))
            self.listener.listen(1)
            self.port = self.listener.getsockname()[1]
        # state
        self.suite = None
        self.out_epoch = "plain"
        self.in_epoch = "plain"
        self.out_keys: dict[str, RecordKey] = {}
        self.in_keys: dict[str, RecordKey] = {}
        self.out_pending = bytearray()
        self.in_pending = bytearray()
        self.sent: list[Rec | bytes] = []
        self.seen: list[Seen] = []
        self.received_app = b""
        self.handshake_done = False
        self.engine_error: str | None = None
        self.peer_closed = False
        self.log: list[str] = []
        self.client_hellos: list[bytes] = []  # raw ClientHello messages seen from lucidtls
        self.their_key_updates: list[int] = []  # request_update of each KeyUpdate lucidtls sent
        self._inject: list[Rec | bytes] = []
        self._thread = None
        self.exc: BaseException | None = None
        self._closing = False
        self._hung_up = False
        self._stop_on_error_grace = 0.0

    # secrets -----------------------------------------------------------------
    def _key(self, name: str):
        kl = read_keylog(self.keylog)
        if name in kl and self.suite:
            return RecordKey(self.suite, kl[name], name)
        return None

    def _own(self, phase: str) -> str:
        mine = "SERVER" if self.role == "server" else "CLIENT"
        return f"{mine}_HANDSHAKE_TRAFFIC_SECRET" if phase == "hs" else f"{mine}_TRAFFIC_SECRET_0"

    def _theirs(self, phase: str) -> str:
        them = "CLIENT" if self.role == "server" else "SERVER"
        return f"{them}_HANDSHAKE_TRAFFIC_SECRET" if phase == "hs" else f"{them}_TRAFFIC_SECRET_0"

    def out_key(self, phase: str) -> RecordKey:
        if phase not in self.out_keys:
            k = self._key(self._own(phase))
            if k is None:
                raise RuntimeError(f"no {self._own(phase)} in the key log yet")
            self.out_keys[phase] = k
        return self.out_keys[phase]

    # turning engine output into Recs ------------------------------------------
    def _engine_records(self) -> list[Rec]:
        self.out_pending += self.outb.read()
        recs = []
        for raw in split_records(self.out_pending):
            ctype = raw[0]
            if ctype != CT_APPDATA:
                r = Rec("plain", ctype, raw[5:])
                if ctype == CT_HANDSHAKE:
                    for t, m in split_handshake(r.data):
                        if t == HS_SERVER_HELLO:
                            sh = parse_server_hello(m)
                            if not sh["hrr"]:
                                self.suite = sh["suite"]
                recs.append(r)
                continue
            phase = self.out_epoch if self.out_epoch != "plain" else "hs"
            # the engine's own key for this phase, with the engine's own sequence
            eng = getattr(self, "_eng_" + phase, None)
            if eng is None:
                eng = self._key(self._own(phase))
                setattr(self, "_eng_" + phase, eng)
            opened = eng.open(raw) if eng else None
            if opened is None:
                raise RuntimeError(f"cannot decrypt own {phase} record")
            r = Rec(phase, opened[0], opened[1])
            self.out_epoch = phase
            recs.append(r)
            if any(t == HS_FINISHED for t, _ in r.messages()):
                self.out_epoch = "app"
        return recs

    def emit(self, item) -> bytes:
        """Raw bytes of a Rec (sealed with evil.py's own keys) or raw bytes."""
        if callable(item):
            return item()
        if isinstance(item, (bytes, bytearray)):
            return bytes(item)
        if item.epoch == "plain":
            return record(item.ctype, item.data)
        return self.out_key(item.epoch).seal(item.ctype, item.data)

    def seal(self, phase: str, ctype: int, data: bytes, **kw) -> bytes:
        """Encrypt with evil.py's own key for phase (consumes a sequence number)."""
        return self.out_key(phase).seal(ctype, data, **kw)

    def inject(self, item):
        self._inject.append(item)

    def key_update(self, request: bool):
        """Send a KeyUpdate under the current application key, then switch our
        sending key (RFC 8446 §4.6.3); the engine never knows."""
        ku = handshake(HS_KEY_UPDATE, bytes([1 if request else 0]))

        def sealed_then_switch():
            raw = self.seal("app", CT_HANDSHAKE, ku)
            self.out_keys["app"] = self.out_key("app").next()
            return raw

        self.inject(sealed_then_switch)

    # reading what lucidtls sends ----------------------------------------------
    def _their_record(self, raw: bytes):
        ctype = raw[0]
        s = Seen(raw)
        if ctype != CT_APPDATA:
            s.ctype, s.data = ctype, raw[5:]
            if ctype == CT_HANDSHAKE:
                for t, m in split_handshake(s.data):
                    if t == HS_CLIENT_HELLO:
                        self.client_hellos.append(m)
                    if t == HS_SERVER_HELLO:
                        sh = parse_server_hello(m)
                        if not sh["hrr"]:
                            self.suite = sh["suite"]
        else:
            for phase in ("hs", "app") if self.in_epoch != "app" else ("app", "hs"):
                if phase not in self.in_keys:
                    k = self._key(self._theirs(phase))
                    if k is None:
                        continue
                    self.in_keys[phase] = k
                k = self.in_keys[phase]
                opened = k.open(raw)
                if opened is None:  # maybe a record we skipped: try a few sequence numbers
                    for seq in range(0, k.seq + 4):
                        opened = k.open(raw, seq)
                        if opened is not None:
                            k.seq = seq + 1
                            break
                if opened is not None:
                    s.ctype, s.data, s.key = opened[0], opened[1], k.label
                    if opened[0] == CT_HANDSHAKE:
                        for t, m in split_handshake(opened[1]):
                            if t == HS_KEY_UPDATE and len(m) == 5:
                                self.their_key_updates.append(m[4])
                                self.in_keys[phase] = k.next()
                    if phase == "hs" and any(t == HS_FINISHED
                                             for t, _ in split_handshake(opened[1])
                                             if opened[0] == CT_HANDSHAKE):
                        self.in_epoch = "app"
                    break
            else:
                s.key = "unknown"
        self.seen.append(s)
        if s.alert:
            self.log.append(f"lucidtls sent alert {s.alert} ({s.key})")

    @property
    def alerts(self) -> list[tuple[int, int]]:
        return [s.alert for s in self.seen if s.alert]

    @property
    def alert_names(self) -> list[str]:
        return [ALERTS.get(a[1], str(a[1])) for a in self.alerts]

    def undecryptable(self) -> list[Seen]:
        return [s for s in self.seen if s.data is None]

    # running ---------------------------------------------------------------------
    def connect(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=self.timeout)

    def start(self):
        self._thread = threading.Thread(target=self._run_safe, daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None):
        self._thread.join(self.timeout + 2 if timeout is None else timeout)
        if self._thread.is_alive():
            self.close()
            self._thread.join(2)
        return self

    def hangup(self):
        """Close the TCP connection now, without close_notify."""
        self._hung_up = True
        self.close()

    def close(self):
        for s in (self.sock, self.listener):
            try:
                if s:
                    s.close()
            except OSError:
                pass

    def _run_safe(self):
        try:
            self._run()
        except BaseException as e:  # reported to the test, never swallowed
            self.exc = e
        finally:
            self.close()

    def _drive(self):
        """Advance the engine; return True if it finished the handshake now."""
        if self.engine_error:
            return False
        try:
            if not self.handshake_done:
                self.obj.do_handshake()
                self.handshake_done = True
                return True
            while True:
                data = self.obj.read(65536)
                if not data:
                    self.peer_closed = True
                    break
                self.received_app += data
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except ssl.SSLZeroReturnError:
            self.peer_closed = True
        except ssl.SSLError as e:
            self.engine_error = str(e)
        return False

    def _flush(self):
        recs = self._engine_records()
        items: list = list(recs)
        if self.tamper and recs:
            items = self.tamper(self, recs)
        items = self._inject + items  # injected before what the engine made since
        self._inject = []
        out = b""
        for it in items:
            self.sent.append(it)
            out += self.emit(it)
        if out:
            try:
                self.sock.sendall(out)
            except OSError as e:
                self.log.append(f"send failed: {e}")

    def shutdown(self):
        """Queue our close_notify (sent with the next flush)."""
        self._closing = True
        try:
            self.obj.unwrap()
        except (ssl.SSLError, ValueError):
            pass

    def send_app(self, data: bytes):
        try:
            self.obj.write(data)
        except ssl.SSLError as e:
            self.engine_error = str(e)

    def _run(self):
        deadline = time.monotonic() + self.timeout
        if self.role == "server":
            self.listener.settimeout(self.timeout)
            self.sock, _ = self.listener.accept()
        self.sock.setblocking(False)
        self._drive()
        self._flush()
        inbuf = bytearray()
        while time.monotonic() < deadline:
            if self._hung_up or self.sock.fileno() < 0:
                self.log.append("evil peer hung up")
                break
            try:
                r, _, _ = select.select([self.sock], [], [], 0.05)
            except (ValueError, OSError):
                break
            if r:
                try:
                    chunk = self.sock.recv(65536)
                except (ConnectionResetError, OSError):
                    chunk = b""
                if not chunk:
                    self.log.append("lucidtls closed the connection")
                    break
                inbuf += chunk
                self.inb.write(chunk)
            done = self._drive()
            # read lucidtls's records only now: the engine has just logged the
            # secrets that open them
            for raw in split_records(inbuf):
                self._their_record(raw)
            if done:
                self._flush()  # the engine's last handshake flight goes out first
            if done and self.after_handshake:
                self.after_handshake(self)
                self._drive()
            if done and self.app_data:
                self.send_app(self.app_data)
            if self.peer_closed and not self._closing:  # answer close_notify, then stop
                self.shutdown()
                self._flush()
                break
            if self._hung_up:
                break
            self._flush()
            if self.engine_error and not self._stop_on_error_grace:
                # the engine failed (e.g. lucidtls's alert): collect what else comes
                self._stop_on_error_grace = time.monotonic() + 0.5
            if self._stop_on_error_grace and time.monotonic() > self._stop_on_error_grace:
                break
        else:
            self.log.append("evil peer timed out")
        try:
            self.sock.setblocking(True)
            self.sock.settimeout(1)
        except OSError:
            pass


# --- WireTap: a transparent TCP relay that reads the plaintext handshake --------

class WireTap:
    """Relays one or more connections 127.0.0.1:port -> 127.0.0.1:target and
    parses what it can: ClientHellos, ServerHello/HRR, plaintext alerts."""

    def __init__(self, target_port: int, timeout: float = 20.0):
        self.target = target_port
        self.timeout = timeout
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.client_hellos: list[dict] = []
        self.server_hellos: list[dict] = []
        self.alerts: list[tuple[str, int, int]] = []  # (direction, level, desc) plaintext only
        self.records: list[tuple[str, int, int]] = []  # (direction, type, length)
        self._stop = False
        self._t = threading.Thread(target=self._serve, daemon=True)
        self._t.start()

    @property
    def hrr(self) -> bool:
        return any(sh["hrr"] for sh in self.server_hellos)

    @property
    def final_server_hello(self):
        real = [sh for sh in self.server_hellos if not sh["hrr"]]
        return real[-1] if real else None

    def _parse(self, direction: str, buf: bytearray, hsbuf: bytearray):
        for raw in split_records(buf):
            self.records.append((direction, raw[0], len(raw) - 5))
            if raw[0] == CT_HANDSHAKE:
                hsbuf += raw[5:]
                msgs = split_handshake(bytes(hsbuf))
                used = sum(len(m) for _, m in msgs)
                del hsbuf[:used]
                for t, m in msgs:
                    try:
                        if t == HS_CLIENT_HELLO:
                            self.client_hellos.append(parse_client_hello(m))
                        elif t == HS_SERVER_HELLO:
                            self.server_hellos.append(parse_server_hello(m))
                    except (IndexError, struct.error):
                        pass
            elif raw[0] == CT_ALERT and len(raw) >= 7:
                self.alerts.append((direction, raw[5], raw[6]))

    def _serve(self):
        self.lsock.settimeout(0.2)
        end = time.monotonic() + self.timeout
        while not self._stop and time.monotonic() < end:
            try:
                a, _ = self.lsock.accept()
            except (socket.timeout, OSError):
                continue
            try:
                b = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                a.close()
                continue
            self._relay(a, b, end)

    def _relay(self, a, b, end):
        bufs = {a: bytearray(), b: bytearray()}
        hs = {a: bytearray(), b: bytearray()}
        names = {a: "c2s", b: "s2c"}
        other = {a: b, b: a}
        open_ = {a, b}
        while open_ and not self._stop and time.monotonic() < end:
            r, _, _ = select.select(list(open_), [], [], 0.1)
            for s in r:
                try:
                    d = s.recv(65536)
                except OSError:
                    d = b""
                if not d:
                    open_.discard(s)
                    try:
                        other[s].shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    continue
                bufs[s] += d
                # once encrypted, records are opaque; the parser just counts them
                self._parse(names[s], bufs[s], hs[s])
                try:
                    other[s].sendall(d)
                except OSError:
                    open_.discard(s)
        a.close()
        b.close()

    def close(self):
        self._stop = True
        try:
            self.lsock.close()
        except OSError:
            pass
        self._t.join(2)


# --- helpers for tamper functions -----------------------------------------------------

def rebuild(rec: Rec, msgs: list[bytes]) -> Rec | None:
    """The record with its handshake messages replaced (None if none left)."""
    if not msgs:
        return None
    return Rec(rec.epoch, rec.ctype, b"".join(msgs))


def map_messages(recs: list[Rec], fn) -> list[Rec]:
    """fn(type, message) -> list of messages to put in its place."""
    out = []
    for r in recs:
        if r.ctype != CT_HANDSHAKE:
            out.append(r)
            continue
        msgs = []
        for t, m in r.messages():
            msgs += fn(t, m)
        nr = rebuild(r, msgs)
        if nr is not None:
            out.append(nr)
    return out


def flip_last_byte(raw: bytes) -> bytes:
    return raw[:-1] + bytes([raw[-1] ^ 0x01])


def has_message(recs: list[Rec], msg_type: int) -> bool:
    return any(t == msg_type for r in recs for t, _ in r.messages())
