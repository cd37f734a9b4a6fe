"""Helpers for the X.509 tests (tests/x509): where the `lucidtls` command is, how
to run `lucidtls verify` with a time limit, and the reason table of
include/lucidtls/error.h (so that a test can check the sentence printed for
a reason name without copying the sentences here)."""
import os
import re
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "tests", "data", "x509")
TIMEOUT = 20  # seconds per `lucidtls verify` run; a run takes milliseconds


def build_dir():
    return os.environ.get("LUCIDTLS_BUILD") or os.path.join(REPO, "build")


def lucidtls_path():
    return os.path.join(build_dir(), "tools", "lucidtls")


def run_verify(args, env=None, timeout=TIMEOUT):
    """Runs `lucidtls verify ARGS`; returns (exit status, stdout, stderr)."""
    exe = lucidtls_path()
    if not os.access(exe, os.X_OK):
        pytest.fail("%s is not built (set LUCIDTLS_BUILD to the build directory)" % exe)
    p = subprocess.run([exe, "verify"] + [str(a) for a in args], capture_output=True,
                       text=True, timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr


_REASONS = None


def reasons():
    """{REASON_NAME: sentence} parsed from the X-macro table in error.h."""
    global _REASONS
    if _REASONS is None:
        with open(os.path.join(REPO, "include", "lucidtls", "error.h")) as f:
            text = f.read()
        table = dict(re.findall(r'X\((\w+),\s*\w+,\s*\w+,\s*"((?:[^"\\]|\\.)*)"\)', text))
        assert "CERT_EXPIRED" in table and "TRUST_IO" in table, "error.h table not understood"
        _REASONS = table
    return _REASONS


def reason_text(name):
    """What `lucidtls verify` prints for a reason: "NAME: sentence"."""
    return "%s: %s" % (name, reasons()[name])


def clean_env(**extra):
    """The environment without SSL_CERT_FILE / SSL_CERT_DIR, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    env.update(extra)
    return env
