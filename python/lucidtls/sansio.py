"""A sans-I/O TLS connection in the style of siotls.

The client loop of siotls's README runs unchanged over it::

    from lucidtls.sansio import TLSConfiguration, TLSConnection, get_truststore

    config = TLSConfiguration(side='client', truststore=get_truststore())
    sock = socket.create_connection(('example.com', 443))
    conn = TLSConnection(config, server_hostname='example.com')
    conn.initiate_connection()
    if conn.config.side == 'client':
        sock.sendall(conn.data_to_send())
    while not conn.is_post_handshake():
        ...

``receive_data`` takes network bytes, ``data_to_send`` gives the bytes to
send, ``send_data`` / ``data_to_read`` move application data,
``close_receiving_end`` reports the transport's EOF and
``close_sending_end`` sends close_notify. Errors raise TLSError subclasses;
the alert that goes with them is in ``data_to_send()``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from . import _lucidtls
from ._errors import RaggedEOF, TLSError, WantReadError, WantWriteError
from ._pep748 import (
    Certificate,
    PrivateKey,
    SigningChain,
    TrustStore,
)

__all__ = ["TLSConfiguration", "TLSConnection", "get_truststore"]


def get_truststore() -> TrustStore:
    """The operating system's trust store."""
    return TrustStore.system()


def _cert_of(c: Any) -> Certificate:
    if isinstance(c, Certificate):
        return c
    if isinstance(c, (str, os.PathLike)):
        return Certificate.from_file(c)
    return Certificate.from_buffer(c)


class TLSConfiguration:
    """What a connection is made from, siotls style.

    ``side`` is ``'client'`` or ``'server'``. A client verifies against
    ``truststore`` (None: the system store). A server needs
    ``private_key`` (PEM/DER bytes or a PrivateKey) and
    ``certificate_chain`` (a sequence of PEM/DER bytes or Certificates,
    leaf first). ``alpn`` lists protocol names (str or bytes).
    """

    def __init__(
        self,
        side: str,
        *,
        truststore: TrustStore | None = None,
        private_key: bytes | PrivateKey | None = None,
        certificate_chain: Sequence[Any] | None = None,
        alpn: Sequence[str | bytes] | None = None,
    ) -> None:
        if side not in ("client", "server"):
            raise ValueError("side must be 'client' or 'server'")
        if truststore is not None and not isinstance(truststore, TrustStore):
            raise TypeError("truststore must be a lucidtls TrustStore or None")
        self.side = side
        self.truststore = truststore
        self.private_key = private_key
        self.certificate_chain = list(certificate_chain or [])
        self.alpn = [a.encode("ascii") if isinstance(a, str) else bytes(a) for a in alpn or []]
        if side == "server" and (private_key is None or not self.certificate_chain):
            raise ValueError("a server needs private_key and certificate_chain")
        self._context: Any = None

    def _ctx(self) -> Any:
        if self._context is not None:
            return self._context
        prov = _lucidtls.default_provider()
        chains = []
        if self.private_key is not None and self.certificate_chain:
            key = self.private_key
            if not isinstance(key, PrivateKey):
                key = PrivateKey.from_buffer(key)
            certs = [_cert_of(c) for c in self.certificate_chain]
            chains.append(SigningChain((certs[0], key), certs[1:])._load(prov))
        server = self.side == "server"
        trust = None
        if not server:
            trust = (self.truststore or TrustStore.system())._load()
        self._context = _lucidtls.Context(
            server,
            provider=prov,
            trust=trust,
            chains=chains,
            alpn=self.alpn or None,
        )
        return self._context


class TLSConnection:
    """One TLS connection, driven by the bytes its caller moves."""

    def __init__(self, config: TLSConfiguration, server_hostname: str | None = None) -> None:
        if not isinstance(config, TLSConfiguration):
            raise TypeError("config must be a lucidtls.sansio.TLSConfiguration")
        if config.side == "server" and server_hostname is not None:
            raise ValueError("a server connection takes no server_hostname")
        self.config = config
        self.server_hostname = server_hostname
        self._conn = config._ctx().connection(server_hostname)
        self._received = bytearray()
        self._unsent = b""
        self._failed = False
        self._peer_closed = False   # close_notify received
        self._eof = False           # transport EOF reported
        self._sent_close = False

    # --- state ---

    def is_post_handshake(self) -> bool:
        """True once the handshake completed, or the connection ended."""
        return self._conn.handshake_done or self._failed or self._peer_closed or self._eof

    def is_connected(self) -> bool:
        """True while application data can still arrive."""
        return self._conn.handshake_done and not (self._failed or self._peer_closed or self._eof)

    # --- driving ---

    def initiate_connection(self) -> None:
        """Starts the handshake (a client's ClientHello goes to data_to_send)."""
        self._step()

    def _step(self) -> None:
        try:
            if not self._conn.handshake_done:
                self._conn.handshake()
            while True:
                chunk = self._conn.read(65536)
                if not chunk:
                    self._peer_closed = True
                    break
                self._received += chunk
        except (WantReadError, WantWriteError):
            pass
        except RaggedEOF:
            self._eof = True
        except TLSError:
            self._failed = True
            raise
        self._push_unsent()

    def receive_data(self, data: bytes) -> None:
        """Network bytes in: advances the handshake and decrypts what arrived."""
        if data:
            self._conn.feed(data)
        self._step()

    def data_to_send(self) -> bytes:
        """The bytes to send to the peer now (possibly b'')."""
        out = self._conn.outgoing()
        if self._unsent:
            self._push_unsent()
            out += self._conn.outgoing()
        return out  # type: ignore[no-any-return]

    def send_data(self, data: bytes) -> None:
        """Application data out (encrypted into data_to_send())."""
        if self._failed:
            raise TLSError("the connection has failed")
        if self._sent_close:
            raise TLSError("close_sending_end() was called")
        self._unsent += bytes(data)
        self._push_unsent()

    def _push_unsent(self) -> None:
        while self._unsent:
            try:
                n = self._conn.write(self._unsent)
            except (WantWriteError, WantReadError):
                return  # data_to_send() makes room
            self._unsent = self._unsent[n:]

    def data_to_read(self) -> bytes:
        """The application data received since the last call."""
        out = bytes(self._received)
        self._received.clear()
        return out

    def close_receiving_end(self) -> None:
        """The transport reached EOF (the peer closed its side)."""
        if self._eof:
            return
        self._conn.feed_eof()
        try:
            self._step()
        finally:
            self._eof = True

    def close_sending_end(self) -> None:
        """Sends close_notify (in data_to_send())."""
        if self._sent_close:
            return
        self._sent_close = True
        if self._failed:
            return
        try:
            self._conn.shutdown()
        except TLSError:
            self._failed = True

    # --- what was negotiated ---

    @property
    def alpn_protocol(self) -> bytes | None:
        """The ALPN protocol agreed on, None if none."""
        return self._conn.info()["alpn"]  # type: ignore[no-any-return]

    @property
    def cipher_suite(self) -> str | None:
        """The negotiated cipher suite's name."""
        return self._conn.info()["suite_name"]  # type: ignore[no-any-return]

    def peer_certificate_chain(self) -> list[bytes]:
        """Every certificate the peer sent (DER, leaf first)."""
        return self._conn.peer_certs()  # type: ignore[no-any-return]

