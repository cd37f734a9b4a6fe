"""A Nettle-only build (meson setup -Dopenssl=disabled -Dnettle=enabled) holds
no OpenSSL: neither the shared library nor the `lucidtls` command (nor the
Python extension, when built) links libssl or libcrypto, the command offers
the Nettle provider alone, and that build talks TLS 1.3 with OpenSSL's own
s_server and s_client.

The build directory is $LUCIDTLS_BUILD, else <repo>/build-nettle; scripts/test
runs this file (and tests/interop, tests/x509) against its Nettle-only build.
A build configured otherwise skips the module: the checks are about what
that configuration promises.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("LUCIDTLS_BUILD") or ROOT / "build-nettle")
LUCIDTLS = BUILD / "tools" / "lucidtls"
CERTS = ROOT / "tests" / "interop" / "certs"
OPENSSL_LIBS = ("libssl.so", "libcrypto.so")


def _options() -> dict:
    try:
        with open(BUILD / "meson-info" / "intro-buildoptions.json") as f:
            return {o["name"]: o["value"] for o in json.load(f)}
    except (OSError, ValueError):
        return {}


_opts = _options()
pytestmark = pytest.mark.skipif(
    not (_opts.get("openssl") == "disabled" and _opts.get("nettle") == "enabled"),
    reason=f"{BUILD} is not a Nettle-only build (meson setup {BUILD.name} "
           "-Dopenssl=disabled -Dnettle=enabled)")


def _binaries() -> list[Path]:
    """The shared library, the command, and the Python extension if built."""
    libs = sorted(p for p in BUILD.glob("liblucidtls.so*") if p.is_file() and not p.is_symlink())
    ext = sorted(BUILD.glob("python/**/_lucidtls*.so"))
    # Issue 8: the Python package must not link OpenSSL either; when the
    # build has it enabled, its extension must be there to be checked.
    if _opts.get("python") == "enabled":
        assert ext, f"{BUILD} has -Dpython=enabled but no _lucidtls extension"
    found = libs + [LUCIDTLS] + ext
    for p in found:
        assert p.exists(), f"{p} is not built"
    return found


def _ldd(path: Path) -> str:
    r = subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"ldd {path} failed: {r.stderr}"
    return r.stdout


def test_nothing_links_openssl():
    bins = _binaries()
    assert len(bins) >= 2, bins  # at least the library and the command
    for b in bins:
        out = _ldd(b)
        linked = [line.strip() for line in out.splitlines()
                  if any(lib in line for lib in OPENSSL_LIBS)]
        assert not linked, f"{b} links OpenSSL:\n" + "\n".join(linked)
        for lib in ("libnettle.so", "libhogweed.so"):
            assert lib in out, f"{b} does not link {lib}:\n{out}"


def test_command_offers_nettle_alone():
    r = subprocess.run([str(LUCIDTLS), "version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "provider nettle (default)" in r.stdout, r.stdout
    assert "openssl" not in r.stdout.lower(), r.stdout
    # Asking for the provider that is not there fails cleanly.
    r = subprocess.run([str(LUCIDTLS), "demo"], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, LTLS_PROVIDER="openssl"))
    assert r.returncode != 0
    assert "provider" in (r.stdout + r.stderr).lower()


# --- against OpenSSL's command-line peers --------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


def _stop(proc: subprocess.Popen):
    """Stops the server's whole process group, by its PID."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _server(argv_for_port) -> tuple[subprocess.Popen, int]:
    for _ in range(3):
        port = _free_port()
        p = subprocess.Popen(argv_for_port(port), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            _wait_port(port, p)
            return p, port
        except RuntimeError:  # the port was taken meanwhile
            _stop(p)
    pytest.fail("could not start the server")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command not installed")
@pytest.mark.parametrize("group,ours,cert", [("X25519", "x25519", "server-p256"),
                                             ("P-384", "secp384r1", "server-rsa"),
                                             ("X448", "x448", "server-ed25519")])
def test_client_against_openssl_s_server(group, ours, cert):
    srv, port = _server(lambda port: [
        "openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-tls1_3", "-www",
        "-groups", group, "-cert", str(CERTS / f"{cert}.pem"), "-key", str(CERTS / f"{cert}.key")])
    try:
        r = subprocess.run(
            [str(LUCIDTLS), "client", f"127.0.0.1:{port}", "--servername", "localhost",
             "--cafile", str(CERTS / "ca.pem"), "--groups", ours, "--timeout", "10"],
            input=b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n", capture_output=True, timeout=30)
    finally:
        _stop(srv)
    out = r.stdout.decode(errors="replace")
    err = r.stderr.decode(errors="replace")
    assert r.returncode == 0, err
    assert "TLSv1.3" in out, out  # s_server's -www page: the protocol it negotiated
    assert "TLS 1.3" in err, err  # lucidtls's own summary


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl command not installed")
def test_server_against_openssl_s_client():
    srv, port = _server(lambda port: [
        str(LUCIDTLS), "server", "--cert", str(CERTS / "server-p256-chain.pem"),
        "--key", str(CERTS / "server-p256.key"), "--host", "127.0.0.1", "--port", str(port),
        "--www"])
    try:
        r = subprocess.run(
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3",
             "-servername", "localhost", "-CAfile", str(CERTS / "ca.pem"),
             "-verify_return_error", "-ign_eof"],
            input=b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n", capture_output=True,
            timeout=30)
    finally:
        _stop(srv)
    out = r.stdout.decode(errors="replace")
    assert r.returncode == 0, out + r.stderr.decode(errors="replace")
    assert "Verify return code: 0 (ok)" in out, out
    assert "HTTP/1.0 200" in out or "HTTP/1.1 200" in out, out
