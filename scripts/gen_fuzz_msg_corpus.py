#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_msg, fuzz_client_hello and fuzz_ext from
real handshakes.

How to run it (from anywhere; takes about half a minute):

    meson setup build-msgseed -Dtests=false && ninja -C build-msgseed tools/lucidtls
    scripts/gen_fuzz_msg_corpus.py --build-dir build-msgseed

It needs the `openssl` command (3.x) and the `lucidtls` command of that
build directory, and runs handshakes on 127.0.0.1 (free ports, every process
under a timeout and stopped by its PID):

  ltc-*   the lucidtls client against `openssl s_server -msg`
  lts-*   `openssl s_client -msg` against the lucidtls server
  ossl-*  OpenSSL against itself, for what lucidtls does not do yet:
          resumption with a PSK and early data (pre_shared_key, EndOfEarlyData,
          early_data in EncryptedExtensions and NewSessionTicket), and a
          TLS 1.2 ServerHello (the SH12 extension context)

covering a HelloRetryRequest from each side (a group the client sent no
share for), client authentication both ways, ALPN, OCSP status_request,
KeyUpdate, the three cipher suites' two Finished sizes, and P-256, P-384,
RSA-PSS and Ed25519 signatures. OpenSSL's -msg trace prints every handshake
message in plaintext, both directions, the encrypted ones included; each
distinct message becomes one seed file named
<scenario>-<order>-<c2s|s2c>-<type>. Besides, from ../shared/vectors: the
RFC 8448 messages (rfc8448-*), and two synthetic variants of real messages
(synth-*): a ClientHello with GREASE everywhere RFC 8701 allows it, and a
Certificate whose first entry carries status_request (OCSP) and SCT
extensions, which no test peer sends.

Written:
  fuzz/corpus/msg/           whole messages (4-byte header included)
  fuzz/corpus/client_hello/  ClientHello bodies (fuzz_client_hello adds the header)
  fuzz/corpus/ext/           one byte ltls_ext_ctx_t + an extension block body,
                             every block of the messages above

The script owns the files starting with ltc-, lts-, ossl-, rfc8448- and
synth- in those folders (removed and written again); anything else there
(inputs found by fuzzing, added by hand) is kept. The file names are the same
on every run; the contents of the live ones differ (randoms, key shares,
signatures), which is why they are committed rather than generated at build
time.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKI = os.path.join(ROOT, "tests", "data", "hs")
RFC8448 = os.path.join(ROOT, "..", "shared", "vectors", "rfc8448", "rfc8448.json")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
OWNED = ("ltc-", "lts-", "ossl-", "rfc8448-", "synth-")
TIMEOUT = 15  # seconds for any one process

HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
TYPES = {1: "client_hello", 2: "server_hello", 4: "new_session_ticket", 5: "end_of_early_data",
         8: "encrypted_extensions", 11: "certificate", 13: "certificate_request",
         15: "certificate_verify", 20: "finished", 24: "key_update"}
# ltls_ext_ctx_t (src/msg/msg.h)
CTX_CH, CTX_SH, CTX_HRR, CTX_EE, CTX_CT, CTX_CR, CTX_NST, CTX_SH12 = range(8)
EXT_SUPPORTED_VERSIONS = 43
REQUEST = b"GET / HTTP/1.0\r\n\r\n"


def say(*a):
    print(*a, flush=True)


# --------------------------------------------------------------------------
# Running peers
# --------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path, pattern, proc, limit=TIMEOUT):
    """Waits until the log at path matches pattern; returns the match."""
    end = time.time() + limit
    while time.time() < end:
        with open(path, errors="replace") as f:
            m = re.search(pattern, f.read())
        if m:
            return m
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"{' '.join(proc.args)} did not become ready; see {path}")


def stop(proc):
    """Stops a process we started (its own process group) by its PID."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start(cmd, log, stdin=subprocess.DEVNULL):
    with open(log, "w") as f:
        return subprocess.Popen(cmd, stdin=stdin, stdout=f, stderr=subprocess.STDOUT,
                                start_new_session=True)


def run_client(cmd, log, linger=1.0):
    """Runs a client that sends REQUEST, keeps stdin open for linger
    seconds (so that tickets and the answer can arrive), then closes it."""
    p = start(cmd, log, stdin=subprocess.PIPE)
    try:
        p.stdin.write(REQUEST)
        p.stdin.flush()
        time.sleep(linger)
        p.stdin.close()
    except BrokenPipeError:
        pass
    try:
        p.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        stop(p)


def openssl_server(args, log):
    """openssl s_server -msg on a free port; returns (process, port)."""
    port = free_port()
    # s_server reads its stdin as data to send; a pipe nobody writes keeps it
    # quiet without closing.
    p = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-msg"] + args, log,
              stdin=subprocess.PIPE)
    wait_for(log, r"ACCEPT", p)
    return p, port


def lucidtls_server(exe, args, log):
    p = start([exe, "server", "--port", "0"] + args, log)
    m = wait_for(log, r"listening on [^\s:]+:(\d+)", p)
    return p, int(m.group(1))


# --------------------------------------------------------------------------
# OpenSSL -msg traces
# --------------------------------------------------------------------------

HEAD_RE = re.compile(r"^(<<<|>>>) TLS [\d.]+, Handshake \[length ([0-9a-f]+)\]")
HEX_RE = re.compile(r"^\s+((?:[0-9a-f]{2} ?)+)\s*$")


def trace_messages(log, openssl_is_client):
    """The handshake messages of an OpenSSL -msg trace, in order, as
    (direction, bytes); direction is c2s or s2c."""
    out, cur, want, d = [], None, 0, None
    with open(log, errors="replace") as f:
        lines = f.read().splitlines()
    for line in lines + [""]:
        if cur is not None:
            m = HEX_RE.match(line)
            if m:
                cur += bytes.fromhex(m.group(1).replace(" ", ""))
                continue
            if len(cur) != want or len(cur) < 4 or 4 + int.from_bytes(cur[1:4], "big") != want:
                raise RuntimeError(f"{log}: a handshake message of {want} bytes came out as "
                                   f"{len(cur)}")
            out.append((d, bytes(cur)))
            cur = None
        m = HEAD_RE.match(line)
        if m:
            sent = m.group(1) == ">>>"
            d = "c2s" if sent == openssl_is_client else "s2c"
            cur, want = bytearray(), int(m.group(2), 16)
    return out


# --------------------------------------------------------------------------
# Message structure (just enough to find the extension blocks)
# --------------------------------------------------------------------------

class Reader:
    def __init__(self, b):
        self.b, self.o = b, 0

    def left(self):
        return len(self.b) - self.o

    def take(self, n):
        if n > self.left():
            raise ValueError("truncated")
        v = self.b[self.o:self.o + n]
        self.o += n
        return v

    def uint(self, n):
        return int.from_bytes(self.take(n), "big")

    def vec(self, n):
        return self.take(self.uint(n))


def ext_list(block):
    """[(code, body)] of an extension block body."""
    r, out = Reader(block), []
    while r.left():
        out.append((r.uint(2), r.vec(2)))
    return out


def ext_codes(block):
    return [c for c, _ in ext_list(block)]


def hello_fields(body):
    """A ClientHello or ServerHello body read up to its session id: (the
    reader, positioned after it, and the random)."""
    r = Reader(body)
    r.take(2)
    random = r.take(32)
    r.vec(1)
    return r, random


def ext_blocks(msg):
    """[(ctx, block body)] of a whole message."""
    t, body = msg[0], msg[4:]
    out = []
    if t == 1:
        r, _ = hello_fields(body)
        r.vec(2)
        r.vec(1)
        if r.left():
            out.append((CTX_CH, r.vec(2)))
    elif t == 2:
        r, random = hello_fields(body)
        r.take(3)
        if r.left():
            block = r.vec(2)
            ctx = (CTX_HRR if random == HRR_RANDOM
                   else CTX_SH if EXT_SUPPORTED_VERSIONS in ext_codes(block) else CTX_SH12)
            out.append((ctx, block))
    elif t == 8:
        out.append((CTX_EE, Reader(body).vec(2)))
    elif t == 11:
        r = Reader(body)
        r.vec(1)
        lst = Reader(r.vec(3))
        while lst.left():
            lst.vec(3)
            out.append((CTX_CT, lst.vec(2)))
    elif t == 13:
        r = Reader(body)
        r.vec(1)
        out.append((CTX_CR, r.vec(2)))
    elif t == 4:
        r = Reader(body)
        r.take(8)
        r.vec(1)
        r.vec(2)
        out.append((CTX_NST, r.vec(2)))
    return out


def type_name(msg):
    if msg[0] == 2 and msg[6:38] == HRR_RANDOM:
        return "hello_retry_request"
    return TYPES.get(msg[0], f"type{msg[0]}")


def vec(n, b):
    return len(b).to_bytes(n, "big") + b


def header(t, body):
    return bytes([t]) + vec(3, body)


def u16s(*vals):
    return b"".join(v.to_bytes(2, "big") for v in vals)


def grease_client_hello(msg):
    """The ClientHello msg with GREASE (RFC 8701) wherever a client may send
    it: a cipher suite, an empty extension first and a one-byte one last, a
    group, a key share, a version and a signature scheme."""
    r, _ = hello_fields(msg[4:])
    head = msg[4:4 + r.o]
    suites = r.vec(2)
    comp = r.vec(1)
    block = Reader(r.vec(2))
    exts = []
    while block.left():
        code, body = block.uint(2), block.vec(2)
        if code == 10:    # supported_groups
            body = vec(2, u16s(0x2A2A) + body[2:])
        elif code == 51:  # key_share
            body = vec(2, u16s(0x2A2A) + vec(2, b"\x00") + body[2:])
        elif code == 43:  # supported_versions
            body = vec(1, u16s(0x3A3A) + body[1:])
        elif code == 13:  # signature_algorithms
            body = vec(2, u16s(0x4A4A) + body[2:])
        exts.append((code, body))
    exts = [(0x1A1A, b"")] + exts + [(0xFAFA, b"\x00")]
    block = b"".join(u16s(c) + vec(2, b) for c, b in exts)
    return header(1, head + vec(2, u16s(0x0A0A) + suites) + vec(1, comp) + vec(2, block))


def ocsp_certificate(msg):
    """The Certificate msg with status_request (a stand-in OCSPResponse: the
    DER is not the codec's business) and signed_certificate_timestamp in its
    first entry's extensions."""
    r = Reader(msg[4:])
    ctx = r.vec(1)
    lst = Reader(r.vec(3))
    entries = []
    while lst.left():
        entries.append([lst.vec(3), lst.vec(2)])
    ocsp = b"\x30\x03\x0a\x01\x00"
    exts = (u16s(5) + vec(2, b"\x01" + vec(3, ocsp)) +
            u16s(18) + vec(2, vec(2, vec(2, b"\x00" * 8))))
    entries[0][1] = exts
    body = vec(1, ctx) + vec(3, b"".join(vec(3, d) + vec(2, e) for d, e in entries))
    return header(11, body)


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------

def pki(name):
    return os.path.join(PKI, name)


def scenarios(exe, tmp):
    """Runs every handshake; returns {scenario: [(direction, message)]}."""
    client_chain = os.path.join(tmp, "client-chain.pem")
    with open(client_chain, "w") as o:
        for f in ("client.crt", "inter.crt"):
            o.write(open(pki(f)).read())
    chains = {}
    for leaf in ("p256", "p384", "rsa2048", "ed25519"):
        chains[leaf] = os.path.join(tmp, f"{leaf}-chain.pem")
        with open(chains[leaf], "w") as o:
            for f in (f"{leaf}.crt", "inter.crt"):
                o.write(open(pki(f)).read())
    ca = pki("ca.crt")
    lt_client = [exe, "client", "--servername", "localhost", "--cafile", ca, "--timeout", "10"]
    out = {}

    def ltc(name, server_args, client_args, leaf="p256"):
        log = os.path.join(tmp, f"ltc-{name}.log")
        srv, port = openssl_server(["-www", "-cert", pki(f"{leaf}.crt"), "-key",
                                    pki(f"{leaf}.key"), "-cert_chain", pki("inter.crt")]
                                   + server_args, log)
        try:
            run_client(lt_client + [f"127.0.0.1:{port}"] + client_args,
                       os.path.join(tmp, f"ltc-{name}.client.log"))
            time.sleep(0.3)
        finally:
            stop(srv)
        out[f"ltc-{name}"] = trace_messages(log, openssl_is_client=False)

    def lts(name, server_args, client_args, leaf="p256"):
        log = os.path.join(tmp, f"lts-{name}.log")
        srv, port = lucidtls_server(exe, ["--cert", chains[leaf], "--key", pki(f"{leaf}.key"),
                                          "--www"] + server_args,
                                    os.path.join(tmp, f"lts-{name}.server.log"))
        try:
            run_client(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-msg",
                        "-servername", "localhost", "-CAfile", ca] + client_args, log)
        finally:
            stop(srv)
        out[f"lts-{name}"] = trace_messages(log, openssl_is_client=True)

    # lucidtls client, OpenSSL server.
    ltc("default", ["-alpn", "h2,http/1.1"], ["--alpn", "h2,http/1.1", "--keyupdate"])
    ltc("hrr", ["-groups", "P-384", "-ciphersuites", "TLS_AES_256_GCM_SHA384"],
        ["--ciphers", "TLS_AES_256_GCM_SHA384"], leaf="rsa2048")
    ltc("cauth", ["-Verify", "2", "-CAfile", ca, "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"],
        ["--cert", client_chain, "--key", pki("client.key")], leaf="ed25519")
    ltc("p384", [], ["--groups", "secp256r1,x25519"], leaf="p384")

    # OpenSSL client, lucidtls server.
    lts("default", ["--alpn", "h2"], ["-alpn", "h2,http/1.1", "-status"])
    lts("hrr", ["--groups", "secp256r1"], ["-groups", "X25519:P-256"], leaf="rsa2048")
    lts("cauth", ["--verify-client", "required", "--cafile", ca],
        ["-cert", pki("client.crt"), "-key", pki("client.key"), "-cert_chain", pki("inter.crt"),
         "-ciphersuites", "TLS_AES_256_GCM_SHA384", "-sigalgs",
         "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha384:ed25519"], leaf="ed25519")
    lts("tls13only", [], ["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256:rsa_pss_rsae_sha512",
                          "-groups", "P-384:X25519"], leaf="rsa2048")

    # OpenSSL against itself: resumption with 0-RTT, and TLS 1.2.
    sess = os.path.join(tmp, "sess.pem")
    early = os.path.join(tmp, "early.txt")
    with open(early, "wb") as f:
        f.write(REQUEST)
    log = os.path.join(tmp, "ossl-psk.server.log")
    srv, port = openssl_server(["-cert", pki("p256.crt"), "-key", pki("p256.key"),
                                "-early_data", "-max_early_data", "16384", "-num_tickets", "1"],
                               log)
    try:
        base = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", ca]
        run_client(base + ["-sess_out", sess], os.path.join(tmp, "ossl-psk.first.log"))
        if not os.path.exists(sess):
            raise RuntimeError("s_client wrote no session: no ticket arrived")
        clog = os.path.join(tmp, "ossl-psk.log")
        run_client(base + ["-msg", "-sess_in", sess, "-early_data", early], clog)
    finally:
        stop(srv)
    out["ossl-psk"] = trace_messages(clog, openssl_is_client=True)

    log = os.path.join(tmp, "ossl-tls12.log")
    srv, port = openssl_server(["-www", "-cert", pki("p256.crt"), "-key", pki("p256.key"),
                                "-alpn", "h2"], log)
    try:
        run_client(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-alpn",
                    "h2", "-CAfile", ca], os.path.join(tmp, "ossl-tls12.client.log"))
    finally:
        stop(srv)
    # Only the hellos: the other TLS 1.2 messages are not src/msg's.
    out["ossl-tls12"] = [(d, m) for d, m in trace_messages(log, openssl_is_client=False)
                         if m[0] in (1, 2)]
    return out


def rfc8448_messages():
    with open(RFC8448) as f:
        v = json.load(f)
    out = {}
    for sec, name in (("simple_1rtt", "rfc8448-s3"), ("resumed_0rtt", "rfc8448-s4")):
        msgs = []
        for k, hexmsg in v[sec]["handshake_messages"].items():
            if "truncated" in k:  # a prefix, not a message
                continue
            d = "c2s" if k.startswith("client_") or k == "end_of_early_data" else "s2c"
            msgs.append((d, bytes.fromhex(hexmsg)))
        out[name] = msgs
    return out


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

class Corpus:
    """One corpus folder: owned files removed first, identical inputs once."""

    def __init__(self, name):
        self.dir = os.path.join(CORPUS, name)
        os.makedirs(self.dir, exist_ok=True)
        for fn in os.listdir(self.dir):
            if fn.startswith(OWNED):
                os.remove(os.path.join(self.dir, fn))
        self.seen = set()
        self.count = 0

    def add(self, name, data):
        h = hashlib.sha256(data).digest()
        if h in self.seen:
            return
        self.seen.add(h)
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)
        self.count += 1


CTX_NAMES = ["ch", "sh", "hrr", "ee", "ct", "cr", "nst", "sh12"]


def shape(m):
    """What a live message brings to the codecs beyond its random bytes:
    two Finished of one size, or two CertificateVerify of one scheme, or two
    tickets, hellos or chains with the same structure differ only in values
    the parsers do not interpret. Hellos, EncryptedExtensions and
    CertificateRequests are kept whole."""
    t, body = m[0], m[4:]
    if t == 20:
        return (t, len(body))
    if t == 15:
        return (t, body[:2])
    if t in (4, 11):
        return (t, tuple(ext_blocks(m)))
    if t == 2:
        # HRR or not, cipher suite, and each extension's code and size.
        r, _ = hello_fields(body)
        suite = r.take(3)
        return (t, type_name(m), suite,
                tuple((c, len(b)) for _, blk in ext_blocks(m) for c, b in ext_list(blk)))
    return (t, body)


def write_corpora(groups):
    msg, hello, ext = Corpus("msg"), Corpus("client_hello"), Corpus("ext")
    shapes = set()
    for scenario in sorted(groups):
        live = not scenario.startswith(("rfc8448-", "synth-"))
        for i, (d, m) in enumerate(groups[scenario], 1):
            if live:
                if shape(m) in shapes:
                    continue
                shapes.add(shape(m))
            name = f"{scenario}-{i:02d}-{d}-{type_name(m)}"
            msg.add(name, m)
            if m[0] == 1:
                hello.add(name, m[4:])
            for j, (ctx, block) in enumerate(ext_blocks(m)):
                suffix = f"-entry{j}" if ctx == CTX_CT else ""
                ext.add(f"{name}-{CTX_NAMES[ctx]}{suffix}", bytes([ctx]) + block)
    return msg.count, hello.count, ext.count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default="build-msgseed",
                    help="a normal build directory holding tools/lucidtls (default build-msgseed)")
    a = ap.parse_args()
    exe = os.path.join(a.build_dir if os.path.isabs(a.build_dir)
                       else os.path.join(ROOT, a.build_dir), "tools", "lucidtls")
    if not os.access(exe, os.X_OK):
        say(f"{exe} is missing: meson setup {a.build_dir} -Dtests=false && "
            f"ninja -C {a.build_dir} tools/lucidtls")
        return 1
    if not shutil.which("openssl"):
        say("the openssl command is missing (Debian: apt-get install openssl)")
        return 1
    with tempfile.TemporaryDirectory(prefix="msgseed-") as tmp:
        groups = scenarios(exe, tmp)
    for name, msgs in sorted(groups.items()):
        say(f"{name}: " + " ".join(f"{d}:{type_name(m)}" for d, m in msgs))
    groups.update(rfc8448_messages())
    # The synthetic variants start from real messages of the runs above.
    base_ch = next(m for d, m in groups["ltc-default"] if m[0] == 1)
    base_ct = next(m for d, m in groups["lts-default"] if m[0] == 11)
    groups["synth-grease"] = [("c2s", grease_client_hello(base_ch))]
    groups["synth-ocsp"] = [("s2c", ocsp_certificate(base_ct))]
    n = write_corpora(groups)
    say(f"written: {n[0]} msg, {n[1]} client_hello, {n[2]} ext seeds under "
        f"{os.path.relpath(CORPUS, os.getcwd())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
