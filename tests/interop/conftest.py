"""Fixtures for the interop tests: real peers (openssl, gnutls, curl, Python's
ssl, evil.py) against the lucidtls command on 127.0.0.1.

Every peer listens on 127.0.0.1 on a free port, is waited for with a timeout,
and is stopped by PID (its whole process group) when its test or the session
ends, whatever happened. Every test has a hard time limit (TEST_TIMEOUT).
"""
from __future__ import annotations

import signal

import pytest

import interop_peers as ip
from interop_peers import LUCIDTLS, SKIP_NOT_BUILT, Registry

TEST_TIMEOUT = 60  # seconds, per test, a backstop for every bounded wait below


@pytest.fixture(autouse=True)
def _time_limit():
    def expired(signum, frame):
        raise TimeoutError(f"interop test exceeded {TEST_TIMEOUT}s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def pytest_sessionfinish(session, exitstatus):
    ip.kill_all()  # nothing outlives the session


@pytest.fixture
def lucidtls_client():
    if not ip.lucidtls_has("client"):
        pytest.skip(SKIP_NOT_BUILT)
    return str(LUCIDTLS)


@pytest.fixture
def lucidtls_server():
    if not ip.lucidtls_has("server"):
        pytest.skip(SKIP_NOT_BUILT)
    return str(LUCIDTLS)


@pytest.fixture
def procs():
    reg = Registry()
    try:
        yield reg
    finally:
        reg.close()


@pytest.fixture(scope="session")
def pool():
    """Long-running servers shared by many tests (the big matrices), keyed by
    their configuration; a dead one is restarted. All stopped at session end."""
    reg = Registry()
    servers: dict = {}

    def get(key_, factory):
        s = servers.get(key_)
        if s is None or s.poll() is not None:
            s = factory(reg)
            servers[key_] = s
        return s

    get.reg = reg
    try:
        yield get
    finally:
        reg.close()


