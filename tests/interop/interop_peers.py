"""interop_peers.py - processes, ports and output parsing for the interop tests.

Every process is started in its own session (process group) and is stopped by
PID: SIGTERM to the group, then SIGKILL after a grace period. Every wait has a
timeout. Output is read by background threads so that a chatty peer can never
block on a full pipe.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CERTS = HERE / "certs"
BUILD = Path(os.environ.get("LUCIDTLS_BUILD") or (ROOT / "build"))
LUCIDTLS = BUILD / "tools" / "lucidtls"
CA = CERTS / "ca.pem"

SKIP_NOT_BUILT = "lucidtls client/server not built yet"

# Line-buffer the peers' stdio: openssl and gnutls print through stdio, which
# is fully buffered into a pipe, and the tests read their output as it comes.
STDBUF = ["stdbuf", "-oL", "-eL"] if shutil.which("stdbuf") else []

# --- the names the tests use ----------------------------------------------------

SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
GROUPS = ["x25519", "secp256r1", "secp384r1", "x448"]
# signature scheme -> the server certificate that makes a TLS 1.3 server use it
SIGSCHEMES = {
    "ecdsa_secp256r1_sha256": "server-p256",
    "ecdsa_secp384r1_sha384": "server-p384",
    "rsa_pss_rsae_sha256": "server-rsa",
    "rsa_pss_rsae_sha384": "server-rsa",
    "rsa_pss_rsae_sha512": "server-rsa",
    "ed25519": "server-ed25519",
    "ed448": "server-ed448",
}
SERVER_CERTS = ["server-rsa", "server-p256", "server-p384", "server-ed25519", "server-ed448"]

OPENSSL_GROUP = {"x25519": "X25519", "secp256r1": "P-256", "secp384r1": "P-384", "x448": "X448",
                 "secp521r1": "P-521"}
GNUTLS_GROUP = {"x25519": "GROUP-X25519", "secp256r1": "GROUP-SECP256R1",
                "secp384r1": "GROUP-SECP384R1", "x448": "GROUP-X448", "secp521r1": "GROUP-SECP521R1"}
GNUTLS_CIPHER = {"TLS_AES_128_GCM_SHA256": "AES-128-GCM", "TLS_AES_256_GCM_SHA384": "AES-256-GCM",
                 "TLS_CHACHA20_POLY1305_SHA256": "CHACHA20-POLY1305"}
GNUTLS_SIGN = {"ecdsa_secp256r1_sha256": "SIGN-ECDSA-SECP256R1-SHA256",
               "ecdsa_secp384r1_sha384": "SIGN-ECDSA-SECP384R1-SHA384",
               "rsa_pss_rsae_sha256": "SIGN-RSA-PSS-RSAE-SHA256",
               "rsa_pss_rsae_sha384": "SIGN-RSA-PSS-RSAE-SHA384",
               "rsa_pss_rsae_sha512": "SIGN-RSA-PSS-RSAE-SHA512",
               "ed25519": "SIGN-EdDSA-Ed25519", "ed448": "SIGN-EdDSA-Ed448"}
# how gnutls names them in its "- Description: (...)" line
GNUTLS_DESC_GROUP = {"x25519": "ECDHE-X25519", "secp256r1": "ECDHE-SECP256R1",
                     "secp384r1": "ECDHE-SECP384R1", "x448": "ECDHE-X448"}
GNUTLS_DESC_SIGN = {"ecdsa_secp256r1_sha256": "ECDSA-SECP256R1-SHA256",
                    "ecdsa_secp384r1_sha384": "ECDSA-SECP384R1-SHA384",
                    "rsa_pss_rsae_sha256": "RSA-PSS-RSAE-SHA256",
                    "rsa_pss_rsae_sha384": "RSA-PSS-RSAE-SHA384",
                    "rsa_pss_rsae_sha512": "RSA-PSS-RSAE-SHA512",
                    "ed25519": "EdDSA-Ed25519", "ed448": "EdDSA-Ed448"}
# how openssl s_client names the peer's signature ("Peer signature type" /
# "Peer signing digest") and the key exchange ("Server Temp Key")
OPENSSL_PEER_SIG = {"ecdsa_secp256r1_sha256": ("ECDSA", "SHA256"),
                    "ecdsa_secp384r1_sha384": ("ECDSA", "SHA384"),
                    "rsa_pss_rsae_sha256": ("RSA-PSS", "SHA256"),
                    "rsa_pss_rsae_sha384": ("RSA-PSS", "SHA384"),
                    "rsa_pss_rsae_sha512": ("RSA-PSS", "SHA512"),
                    "ed25519": ("ed25519", None), "ed448": ("ed448", None)}
OPENSSL_TEMP_KEY = {"x25519": "X25519", "secp256r1": "prime256v1", "secp384r1": "secp384r1",
                    "x448": "X448"}


def gnutls_priority(suite=None, group=None, groups=None, sig=None) -> str:
    p = "NORMAL:-VERS-ALL:+VERS-TLS1.3"
    if suite:
        p += ":-CIPHER-ALL:+" + GNUTLS_CIPHER[suite]
    gl = groups or ([group] if group else None)
    if gl:
        p += ":-GROUP-ALL" + "".join(":+" + GNUTLS_GROUP[g] for g in gl)
    if sig:
        sigs = sig if isinstance(sig, (list, tuple)) else [sig]
        p += ":-SIGN-ALL" + "".join(":+" + GNUTLS_SIGN[s] for s in sigs)
    return p


def cert(name: str) -> str:
    return str(CERTS / f"{name}.pem")


def key(name: str) -> str:
    return str(CERTS / f"{name}.key")


# --- lucidtls's own error and alert names, read from its public header ----------

_REASONS = None


def reasons() -> dict[str, tuple[str, str]]:
    """reason name -> (alert name, message), from include/lucidtls/error.h."""
    global _REASONS
    if _REASONS is None:
        text = (ROOT / "include" / "lucidtls" / "error.h").read_text()
        pat = re.compile(r'X\((\w+),\s*(\w+),\s*(\w+),\s*"((?:[^"\\]|\\.)*)"\)')
        _REASONS = {m.group(1): (m.group(3).lower(), m.group(4)) for m in pat.finditer(text)}
    return _REASONS


def messages_for_alert(alert: str) -> list[str]:
    """Every reason sentence of lucidtls whose alert is `alert`."""
    return [msg for (a, msg) in reasons().values() if a == alert]


def reason_message(name: str) -> str:
    return reasons()[name][1]


# --- ports and readiness -----------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    found_proc = False
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(f) as fh:
                found_proc = True
                next(fh)
                for line in fh:
                    parts = line.split()
                    local, state = parts[1], parts[3]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            continue
    if not found_proc:  # no /proc: probe (a peer then sees one empty connection)
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", port)) == 0
    return False


def wait_listening(port: int, proc: "Proc", timeout: float = 10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _listening(port):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.name} exited with {proc.poll()} before listening on "
                               f"{port}:\n{proc.output[-3000:]}")
        time.sleep(0.02)
    raise TimeoutError(f"{proc.name} is not listening on {port} after {timeout}s:\n"
                       f"{proc.output[-3000:]}")


# --- processes --------------------------------------------------------------------------

_ALL: set["Proc"] = set()
_ALL_LOCK = threading.Lock()


class Proc:
    """A child process in its own process group, with its output collected."""

    def __init__(self, argv, name=None, env=None, cwd=None, stdin=True):
        self.argv = [str(a) for a in argv]
        self.name = name or Path(self.argv[0]).name
        if self.argv[0] == "stdbuf":
            self.name = name or Path(self.argv[3]).name
        full_env = dict(os.environ)
        if env:
            full_env.update({k: str(v) for k, v in env.items()})
        self.p = subprocess.Popen(self.argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  start_new_session=True, env=full_env, cwd=cwd)
        self.pid = self.p.pid
        self._out = bytearray()
        self._err = bytearray()
        self._all = bytearray()
        self._cond = threading.Condition()
        self._readers = [threading.Thread(target=self._pump, args=(self.p.stdout, self._out),
                                          daemon=True),
                         threading.Thread(target=self._pump, args=(self.p.stderr, self._err),
                                          daemon=True)]
        for t in self._readers:
            t.start()
        with _ALL_LOCK:
            _ALL.add(self)

    def _pump(self, f, buf):
        fd = f.fileno()
        while True:
            try:
                d = os.read(fd, 65536)
            except OSError:
                d = b""
            with self._cond:
                if not d:
                    self._cond.notify_all()
                    return
                buf += d
                self._all += d
                self._cond.notify_all()

    # output ------------------------------------------------------------------
    @property
    def stdout(self) -> str:
        with self._cond:
            return self._out.decode(errors="replace")

    @property
    def stdout_bytes(self) -> bytes:
        with self._cond:
            return bytes(self._out)

    @property
    def stderr(self) -> str:
        with self._cond:
            return self._err.decode(errors="replace")

    @property
    def output(self) -> str:
        """stdout and stderr interleaved as they arrived."""
        with self._cond:
            return self._all.decode(errors="replace")

    def mark(self) -> int:
        with self._cond:
            return len(self._all)

    def since(self, mark: int) -> str:
        with self._cond:
            return self._all[mark:].decode(errors="replace")

    def wait_for(self, pattern, timeout: float = 10.0, start: int = 0, stream: str = "all",
                 fail_on_exit: bool = True):
        """Wait until pattern (str regex or bytes literal) appears in the output
        (from offset start); returns the re.Match / True. Raises TimeoutError."""
        end = time.monotonic() + timeout
        buf = {"all": self._all, "out": self._out, "err": self._err}[stream]
        with self._cond:
            while True:
                data = bytes(buf[start:])
                if isinstance(pattern, bytes):
                    if pattern in data:
                        return True
                else:
                    m = re.search(pattern, data.decode(errors="replace"), re.M)
                    if m:
                        return m
                left = end - time.monotonic()
                exited = self.p.poll() is not None and not any(t.is_alive()
                                                                for t in self._readers)
                if left <= 0 or (exited and fail_on_exit):
                    why = "exited" if exited else f"timed out after {timeout}s"
                    raise TimeoutError(f"{self.name} {why} waiting for {pattern!r}; "
                                       f"output:\n{self.output[-4000:]}")
                self._cond.wait(min(left, 0.1))

    # input ------------------------------------------------------------------------
    def write(self, data) -> bool:
        if isinstance(data, str):
            data = data.encode()
        try:
            self.p.stdin.write(data)
            self.p.stdin.flush()
            return True
        except (BrokenPipeError, ValueError, OSError):
            return False

    def close_stdin(self):
        try:
            self.p.stdin.close()
        except (BrokenPipeError, OSError, AttributeError):
            pass

    # lifetime ----------------------------------------------------------------------
    def poll(self):
        return self.p.poll()

    @property
    def returncode(self):
        return self.p.returncode

    def wait(self, timeout: float = 10.0) -> int:
        """Wait for exit; on timeout the process group is killed and TimeoutError raised."""
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError(f"{self.name} did not exit within {timeout}s; output:\n"
                               f"{self.output[-4000:]}")
        for t in self._readers:
            t.join(2)
        return rc

    def signal(self, sig):
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self, grace: float = 2.0):
        """Stop the whole process group by PID: SIGTERM, then SIGKILL."""
        if self.p.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.p.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # the group may outlive its leader (children); make sure it is gone
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.p.wait(2)
        except subprocess.TimeoutExpired:
            pass
        for t in self._readers:
            t.join(1)
        for f in (self.p.stdin, self.p.stdout, self.p.stderr):
            try:
                if f:
                    f.close()
            except OSError:
                pass
        with _ALL_LOCK:
            _ALL.discard(self)


def kill_all():
    with _ALL_LOCK:
        procs = list(_ALL)
    for p in procs:
        p.kill(grace=0.5)


# --- parsing what the tools print -------------------------------------------------

def fields(text: str) -> dict[str, str]:
    """'Key: value' and 'key = value' lines, keys lower-cased (first one wins)."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"\s*([A-Za-z][\w /.-]{0,40}?)\s*[:=]\s+(.*?)\s*$", line)
        if m:
            out.setdefault(m.group(1).strip().lower(), m.group(2))
    return out


def alpn_value(text: str) -> str | None:
    """What a lucidtls tool printed about ALPN; None if nothing. Values meaning
    'none' come back as ''."""
    for line in text.splitlines():
        if re.search(r"\balpn\b", line, re.I) or re.search(r"application.protocol", line, re.I):
            m = re.search(r"[:=]\s*(.*)$", line)
            v = (m.group(1) if m else line).strip().strip('"\'')
            if re.fullmatch(r"\(?(none|no|-|not negotiated|n/a)\)?", v, re.I):
                return ""
            return v
    return None


def has_word(text: str, word: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text, re.I) is not None


def openssl_trace_alerts(text: str) -> list[tuple[str, int, int]]:
    """(direction, level, description) of every alert in `openssl -trace` output;
    direction is 'received' or 'sent'. Encrypted alerts appear too (OpenSSL
    holds the keys)."""
    out = []
    cur = None
    for line in text.splitlines():
        if line.startswith("Received Record"):
            cur = "received"
        elif line.startswith("Sent Record"):
            cur = "sent"
        m = re.search(r"Level=\w+\((\d+)\), description=[^(]*\((\d+)\)", line)
        if m and cur:
            out.append((cur, int(m.group(1)), int(m.group(2))))
    return out


def openssl_trace_messages(text: str, direction: str) -> list[str]:
    """Handshake message names in `-trace` output, per direction."""
    out = []
    cur = None
    for line in text.splitlines():
        if line.startswith("Received Record"):
            cur = "received"
        elif line.startswith("Sent Record"):
            cur = "sent"
        m = re.match(r"\s{4}(\w+), Length=\d+", line)
        if m and cur == direction:
            out.append(m.group(1))
    return out


GNUTLS_DESC = re.compile(r"Description: \(TLS1\.3[^)]*\)-\(([^)]*)\)-\(([^)]*)\)-\(([^)]*)\)")


# --- what is available ------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def lucidtls_has(command: str) -> bool:
    """`lucidtls COMMAND --help` succeeds."""
    if not os.access(LUCIDTLS, os.X_OK):
        return False
    try:
        r = subprocess.run([str(LUCIDTLS), command, "--help"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    # A command that prints its own usage exists even if --help exits non-zero
    # (test_interop_harness.py::test_cli_help holds --help to exit 0).
    return r.returncode == 0 or f"usage: lucidtls {command}" in r.stdout.decode(errors="replace")


@functools.lru_cache(maxsize=None)
def lucidtls_help(command: str) -> str:
    r = subprocess.run([str(LUCIDTLS), command, "--help"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    return r.stdout.decode(errors="replace")


def need_tool(name: str):
    if not shutil.which(name):
        pkg = {"gnutls-serv": "gnutls-bin", "gnutls-cli": "gnutls-bin"}.get(name, name)
        pytest.skip(f"{name} is not installed (scripts/setup installs {pkg})")


# --- process registries --------------------------------------------------------------

class Registry:
    """Starts processes and stops every one of them (by PID) on close()."""

    def __init__(self):
        self.procs: list[Proc] = []
        self.tmp = tempfile.mkdtemp(prefix="lucidtls-interop-")

    def start(self, argv, name=None, env=None, stdin=True) -> Proc:
        p = Proc(argv, name=name, env=env, stdin=stdin)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            p.kill()
        self.procs.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name: str) -> str:
        return os.path.join(self.tmp, name)


# --- starting servers ---------------------------------------------------------------

def _listen(reg: Registry, make_argv, name: str, tries: int = 3) -> Proc:
    """Start a server on a fresh port; retry when the port was taken meanwhile."""
    last = None
    for _ in range(tries):
        port = free_port()
        p = reg.start(make_argv(port), name=name)
        try:
            wait_listening(port, p)
            p.port = port
            return p
        except RuntimeError as e:  # exited early: maybe the port was taken
            last = e
            p.kill()
    raise last


def openssl_server(reg: Registry, cert_name: str = "server-p256", *extra, www: bool = True,
                   trace: bool = True) -> Proc:
    def argv(port):
        a = STDBUF + ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-tls1_3",
                      "-cert", cert(cert_name), "-key", key(cert_name)]
        if trace:
            a.append("-trace")
        if www:
            a.append("-www")
        return a + list(extra)

    return _listen(reg, argv, f"openssl s_server[{cert_name}]")


def gnutls_server(reg: Registry, cert_name: str = "server-p256", priority: str | None = None,
                  *extra, mode: str = "--http") -> Proc:
    need_tool("gnutls-serv")

    def argv(port):
        a = STDBUF + ["gnutls-serv", "-p", str(port), "--x509certfile", cert(cert_name),
                      "--x509keyfile", key(cert_name),
                      "--priority", priority or gnutls_priority()]
        if mode:
            a.append(mode)
        return a + list(extra)

    return _listen(reg, argv, f"gnutls-serv[{cert_name}]")


def lucid_server(reg: Registry, certs=("server-p256",), *extra, mode: str = "--echo",
                 env=None) -> Proc:
    def argv(port):
        a = STDBUF + [str(LUCIDTLS), "server"]
        for c in certs:
            a += ["--cert", cert(c + "-chain") if os.path.exists(cert(c + "-chain")) else cert(c),
                  "--key", key(c)]
        a += ["--host", "127.0.0.1", "--port", str(port)]
        if mode:
            a.append(mode)
        return a + list(extra)

    return _listen(reg, argv, "lucidtls server")


# --- running the lucidtls client -----------------------------------------------------

class Result:
    def __init__(self, proc: Proc, rc):
        self.proc, self.rc = proc, rc
        self.stdout, self.stderr, self.output = proc.stdout, proc.stderr, proc.output
        self.stdout_bytes = proc.stdout_bytes

    def __repr__(self):
        return f"<rc={self.rc} output:\n{self.output[-3000:]}>"


def run_proc(reg: Registry, argv, send: bytes | str = b"", expect=None, timeout: float = 15.0,
             env=None, close_stdin: bool = True, then=None, name=None) -> Result:
    """Run a command: write `send` to its stdin, wait for `expect` on its stdout
    (if given), call then(proc) (if given), close stdin (if close_stdin), and
    wait for it to exit. Killed by PID on timeout."""
    p = reg.start(argv, name=name, env=env)
    end = time.monotonic() + timeout
    if send:
        p.write(send)
    if expect is not None:
        try:
            p.wait_for(expect, timeout=max(0.1, end - time.monotonic()), stream="out")
        except TimeoutError:
            pass  # judged by the caller on the output
    if then is not None:
        then(p)
    if close_stdin:
        p.close_stdin()
    rc = p.wait(timeout=max(0.5, end - time.monotonic()))
    return Result(p, rc)


def client_argv(port: int, *args, host: str = "127.0.0.1", servername: str | None = "localhost",
                cafile: str | None = str(CA)) -> list[str]:
    argv = STDBUF + [str(LUCIDTLS), "client", f"{host}:{port}"]
    if servername:
        argv += ["--servername", servername]
    if cafile:
        argv += ["--cafile", cafile]
    return argv + [str(a) for a in args]


def run_client(reg: Registry, port: int, *args, host: str = "127.0.0.1",
               servername: str | None = "localhost", cafile: str | None = str(CA), **kw) -> Result:
    """Run `lucidtls client HOST:PORT [--servername] [--cafile] ARGS` (see run_proc)."""
    return run_proc(reg, client_argv(port, *args, host=host, servername=servername, cafile=cafile),
                    name="lucidtls client", **kw)


HTTP_GET = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"


def lucid_fails(res: Result, alert: str, reason: str | None = None):
    """Assert that a lucidtls command failed for `alert` and says why: a
    non-zero exit and, in its output, the sentence of a reason with that alert
    (or of `reason`, when given)."""
    assert res.rc != 0, f"expected a failure ({alert}), got exit 0: {res!r}"
    assert_reason(res.output, alert, reason)


def assert_reason(text: str, alert: str, reason: str | None = None):
    if reason:
        msg = reason_message(reason)
        assert msg in text, f"expected lucidtls's reason {reason} ({msg!r}) in:\n{text[-3000:]}"
    else:
        msgs = messages_for_alert(alert)
        assert any(m in text for m in msgs), (
            f"expected one of lucidtls's reasons for {alert} {msgs!r} in:\n{text[-3000:]}")


def assert_peer_alert_reported(text: str, alert: str):
    """lucidtls reports an alert it received: the PEER_ALERT sentence and the
    alert's name."""
    assert reason_message("PEER_ALERT") in text, f"no peer-alert message in:\n{text[-3000:]}"
    assert alert in text, f"alert name {alert} not reported in:\n{text[-3000:]}"


def says_ragged_eof(text: str) -> bool:
    """lucidtls reported a ragged EOF: the RAGGED_EOF sentence, or the tool's
    own warning that says the same (no close_notify, data may be truncated)."""
    if reason_message("RAGGED_EOF") in text:
        return True
    return re.search(r"without close_notify.*truncated", text) is not None
