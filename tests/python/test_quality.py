"""The extension's quality: no leaks over thousands of connections, bad
arguments raise instead of crashing, threads, the installed package's
shape (python -m lucidtls, static linking, type checking, docstrings)."""

from __future__ import annotations

import gc
import inspect
import os
import shutil
import subprocess
import sys
import ssl
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

import lucidtls
import lucidtls.insecure
import lucidtls.sansio
from lucidtls import (
    Certificate,
    ClientContext,
    PrivateKey,
    ServerContext,
    SigningChain,
    TLSClientConfiguration,
    TLSServerConfiguration,
    TrustStore,
)
from lucidtls import _lucidtls as C

from ltls_helpers import handshake, pump


def contexts(pki, **client_kw):
    srv = ServerContext(TLSServerConfiguration(certificate_chain=[
        SigningChain((Certificate.from_file(pki.server_cert), PrivateKey.from_file(pki.server_key)))]))
    cli = ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file)), **client_kw)
    return cli, srv


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def one_connection(cli, srv, i: int) -> None:
    c, s = cli.create_buffer("localhost"), srv.create_buffer()
    handshake(c, s)
    c.write(b"x" * (i % 3000 + 1))
    pump(c, s)
    s.read(5000, bytearray(5000))
    c.getpeercert()
    c.cipher()
    c.shutdown()
    pump(c, s)
    s.read(10)
    if i % 7 == 0:  # error paths too
        try:
            C.Key(b"garbage")
        except lucidtls.ConfigurationError:
            pass
        bad = cli.create_buffer("wrong.example")
        try:
            handshake(bad, srv.create_buffer())
        except lucidtls.CertificateVerificationError:
            pass


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_memory_stays_flat_over_thousands_of_connections(pki):
    cli, srv = contexts(pki)
    for i in range(300):  # warm-up: caches, arenas, interned strings
        one_connection(cli, srv, i)
    gc.collect()
    tracemalloc.start()
    rss0 = rss_kib()
    snap0 = tracemalloc.take_snapshot()
    n = int(os.environ.get("LUCIDTLS_LEAK_ROUNDS", "3000"))
    for i in range(n):
        one_connection(cli, srv, i)
    gc.collect()
    snap1 = tracemalloc.take_snapshot()
    rss1 = rss_kib()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    # A leak of one small object per connection would already be > 100 KiB.
    assert grown < 64 * 1024, f"Python heap grew by {grown} bytes over {n} connections"
    # The C side (lucidtls, libcrypto) is outside tracemalloc: the RSS says it.
    # One leaked connection (tens of KiB of buffers) per connection would be
    # far above this bound.
    assert rss1 - rss0 < 8 * 1024, f"RSS grew by {rss1 - rss0} KiB over {n} connections"


def one_sslobject_connection(cctx, sctx, i: int) -> None:
    """The ssl face over memory BIOs, lucidtls on both sides: handshake, data
    both ways with a short read (pending), the getpeercert dict and DER,
    get_ca_certs, unwrap."""
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
    s.write(b"y" * (i % 2000 + 2))
    ci.write(so.read())
    c.read(1)
    assert c.pending() == i % 2000 + 1
    c.read(5000)
    c.getpeercert()
    c.getpeercert(True)
    c.cipher()
    if i % 10 == 0:
        cctx.get_ca_certs()
    try:
        c.unwrap()
    except ssl.SSLWantReadError:
        pass
    si.write(co.read())
    try:
        s.unwrap()
    except ssl.SSLWantReadError:
        pass


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_ssl_face_memory_stays_flat(pki):
    """The same check for the ssl face, whose getpeercert() dict and
    get_ca_certs() walk certificates in C on every call."""
    import lucidtls as L
    cctx = L.create_default_context(cafile=str(pki.ca_file))
    sctx = L.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(pki.server_cert, pki.server_key)
    for i in range(200):
        one_sslobject_connection(cctx, sctx, i)
    gc.collect()
    tracemalloc.start()
    rss0 = rss_kib()
    snap0 = tracemalloc.take_snapshot()
    n = int(os.environ.get("LUCIDTLS_LEAK_ROUNDS", "3000"))
    for i in range(n):
        one_sslobject_connection(cctx, sctx, i)
    gc.collect()
    snap1 = tracemalloc.take_snapshot()
    rss1 = rss_kib()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    assert grown < 64 * 1024, f"Python heap grew by {grown} bytes over {n} connections"
    assert rss1 - rss0 < 8 * 1024, f"RSS grew by {rss1 - rss0} KiB over {n} connections"


BAD_VALUES = [None, 0, -1, 2**70, 1.5, "text", b"bytes", bytearray(b"ba"), object(), [], (), {}, [1, "x"], ["x"] * 300]


def test_bad_arguments_never_crash(pki):
    """Every C entry point, fed wrong types and ranges, raises a Python
    exception. Run in a subprocess so that a crash is a failure, not the end
    of the suite."""
    code = r'''
import itertools, sys
import lucidtls
from lucidtls import _lucidtls as C
BAD = %r
BAD = [eval(b) for b in BAD]
ca, cert, key = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
certs = C.parse_certs(cert); k = C.Key(key)
trust = C.TrustStore(); trust.add(ca)
srv = C.Context(True, chains=[(certs, k)])
cli = C.Context(False, trust=trust)
conn = cli.connection("localhost")
calls = [
  lambda a: C.X509(a), lambda a: C.parse_certs(a), lambda a: C.Key(a), lambda a: C.Key(key, a),
  lambda a: C.Key(key, None, a), lambda a: C.Provider(a), lambda a: C.suite_name(a),
  lambda a: C.verify(a, trust), lambda a: C.verify(certs, a), lambda a: C.verify(certs, trust, a),
  lambda a: C.verify(certs, trust, "localhost", a), lambda a: C.verify(certs, trust, "localhost", "server", a),
  lambda a: C.verify(certs, trust, "localhost", "server", 0, a),
  lambda a: C.TrustStore().add(a), lambda a: C.TrustStore().add_file(a), lambda a: C.TrustStore().add_dir(a),
  lambda a: C.TrustStore().add_id(a), lambda a: C.Context(a), lambda a: C.Context(False, trust=a),
  lambda a: C.Context(True, chains=a), lambda a: C.Context(True, chains=[(a, k)]), lambda a: C.Context(True, chains=[(certs, a)]),
  lambda a: C.Context(False, trust=trust, suites=a), lambda a: C.Context(False, trust=trust, groups=a),
  lambda a: C.Context(False, trust=trust, sigschemes=a), lambda a: C.Context(False, trust=trust, alpn=a),
  lambda a: C.Context(False, trust=trust, min_version=a), lambda a: C.Context(False, trust=trust, keylog=a),
  lambda a: C.Context(False, trust=trust, insecure=a), lambda a: C.Context(False, trust=trust, client_auth=a),
  lambda a: C.Context(False, trust=trust, record_size_limit=a), lambda a: C.Context(False, trust=trust, key_share_count=a),
  lambda a: cli.connection(a), lambda a: srv.connection(a),
  lambda a: conn.feed(a), lambda a: conn.outgoing(a), lambda a: conn.read(a), lambda a: conn.read(10, a),
  lambda a: conn.write(a), lambda a: conn.key_update(a), lambda a: conn.export_keying_material(a, 10),
  lambda a: conn.export_keying_material(b"l", a), lambda a: conn.export_keying_material(b"l", 10, a),
  lambda a: C.socket_connect(a, "127.0.0.1", 1), lambda a: C.socket_connect(cli, a, 1),
  lambda a: C.socket_connect(cli, "127.0.0.1", a), lambda a: C.socket_accept(a, 0), lambda a: C.socket_accept(srv, a, 0.01),
]
raised = 0
for call, a in itertools.product(calls, BAD):
    try:
        call(a)
    except (TypeError, ValueError, OverflowError, BufferError, OSError, lucidtls.TLSError):
        raised += 1
    except Exception as e:
        print("unexpected", type(e).__name__, e); sys.exit(3)
print("ok", raised)
''' % [repr(b) if not isinstance(b, object) or b.__class__ is not object else "object()" for b in BAD_VALUES]
    r = subprocess.run([sys.executable, "-c", code, str(pki.ca_file), str(pki.server_cert), str(pki.server_key)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stdout[-2000:], r.stderr[-2000:])
    assert r.stdout.startswith("ok ") and int(r.stdout.split()[1]) > 400


def test_concurrent_use_of_one_connection_is_refused(pki):
    """The key-log callback runs inside the handshake, where the connection
    is busy without the GIL: touching the same connection there is refused
    with RuntimeError instead of racing."""
    errors: list[BaseException] = []
    holder: dict[str, object] = {}

    def keylog(line: str) -> None:
        try:
            holder["conn"].outgoing_buffered()  # type: ignore[attr-defined]
        except RuntimeError as e:
            errors.append(e)

    cli, srv = contexts(pki, keylog_callback=keylog)
    c, s = cli.create_buffer("localhost"), srv.create_buffer()
    holder["conn"] = c._conn
    handshake(c, s)
    assert errors and "in use by another thread" in str(errors[0])


def raw_contexts(pki):
    """C contexts (no Python layer in between): an RSA-2048 server, whose
    signature is the slow part of a handshake."""
    srv = C.Context(True, chains=[(C.parse_certs(pki.rsa_cert.read_bytes()), C.Key(pki.rsa_key.read_bytes()))])
    trust = C.TrustStore()
    trust.add(pki.ca_pem)
    return C.Context(False, trust=trust), srv


def test_two_threads_handshake_at_the_same_time(pki):
    """The GIL is released around handshake crypto and bulk record work.

    Proof without timing: while a Connection is inside a C operation it is
    marked busy, and the busy mark only exists while the GIL is released
    (conn.c sets it around Py_BEGIN/END_ALLOW_THREADS). Two threads run
    handshakes and then bulk transfers on their own connections and, between
    their own steps, look at the other thread's connections. Seeing one busy
    ("in use by another thread") means this thread ran Python code while the
    other was inside the C handshake or record code, i.e. the two overlapped;
    with the GIL held there, that would be impossible. The wall-clock speedup
    is not measured: on a loaded machine it says nothing."""
    cli, srv = raw_contexts(pki)
    current: dict[int, tuple] = {}
    seen = {"handshake": 0, "bulk": 0}
    stop = threading.Event()
    failures: list[BaseException] = []

    def peek(me: int, phase: str) -> None:
        for conn in current.get(1 - me, ()):
            try:
                conn.outgoing_buffered()
            except RuntimeError as e:
                assert "in use by another thread" in str(e)
                seen[phase] += 1

    def step(conn, other, me: int, phase: str):
        try:
            conn.handshake()
        except lucidtls.WantReadError:
            pass
        out = conn.outgoing()
        if out:
            other.feed(out)
        peek(me, phase)

    def worker(me: int) -> None:
        try:
            deadline = time.monotonic() + 30
            while not stop.is_set() and time.monotonic() < deadline:
                c, s = cli.connection("localhost"), srv.connection(None)
                current[me] = (c, s)
                for _ in range(10):
                    step(c, s, me, "handshake")
                    step(s, c, me, "handshake")
                    if c.handshake_done and s.handshake_done:
                        break
                assert c.handshake_done and s.handshake_done
                data, buf, got = b"z" * 65536, bytearray(65536), 0
                for _ in range(16):  # 1 MiB of records
                    sent = c.write(data)
                    s.feed(c.outgoing())
                    peek(me, "bulk")
                    while True:
                        try:
                            got += s.read(65536, buf)
                        except lucidtls.WantReadError:
                            break
                    assert sent and got
                    peek(me, "bulk")
                if seen["handshake"] >= 3 and seen["bulk"] >= 3:
                    stop.set()
        except BaseException as e:
            failures.append(e)
            stop.set()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not failures, failures
    assert seen["handshake"] >= 3, seen
    assert seen["bulk"] >= 3, seen


def test_threads_share_contexts(pki):
    cli, srv = contexts(pki)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for i in range(40):
                one_connection(cli, srv, i + 1)
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures


def test_python_m_lucidtls_runs_the_lucidtls_program():
    r = subprocess.run([sys.executable, "-m", "lucidtls", "version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    assert r.stdout.startswith(f"lucidtls {lucidtls.__version__}") and "provider openssl" in r.stdout
    r = subprocess.run([sys.executable, "-m", "lucidtls", "no-such-command"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "unknown command" in r.stderr


def test_the_extension_carries_the_library():
    so = Path(C.__file__)
    assert so.parent == Path(lucidtls.__file__).parent
    readelf = shutil.which("readelf")
    if readelf is None:
        pytest.skip("readelf is not installed")
    dyn = subprocess.run([readelf, "-d", str(so)], capture_output=True, text=True, check=True).stdout
    assert "liblucidtls" not in dyn  # linked statically: no system liblucidtls needed
    syms = subprocess.run([readelf, "--dyn-syms", "-W", str(so)], capture_output=True, text=True, check=True).stdout
    exported = [line.split()[-1] for line in syms.splitlines() if " GLOBAL " in line and " UND " not in line]
    assert exported == ["PyInit__lucidtls"], exported  # nothing of lucidtls leaks out


def test_package_type_checks():
    pytest.importorskip("mypy")
    pkg = Path(lucidtls.__file__).parent
    assert (pkg / "py.typed").exists() and (pkg / "_lucidtls.pyi").exists()
    r = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "-p", "lucidtls"],
                       capture_output=True, text=True, timeout=300, cwd=pkg.parent)
    assert r.returncode == 0, r.stdout[-3000:]


def test_every_public_name_has_a_docstring():
    missing = []
    for mod in (lucidtls, lucidtls.insecure, lucidtls.sansio, C):
        for name in getattr(mod, "__all__", [n for n in dir(mod) if not n.startswith("_")]):
            obj = getattr(mod, name)
            if not (inspect.isclass(obj) or inspect.isroutine(obj)):
                continue
            if not (inspect.getdoc(obj) or "").strip():
                missing.append(f"{mod.__name__}.{name}")
            if inspect.isclass(obj) and obj.__module__.startswith("lucidtls"):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    f = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                    if callable(f) and not (getattr(f, "__doc__", None) or "").strip():
                        missing.append(f"{mod.__name__}.{name}.{attr}")
    assert not missing, missing
