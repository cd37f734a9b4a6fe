"""The exceptions of lucidtls.

One hierarchy serves the three faces of the package. Every class is a PEP 748
name (``TLSError``, ``WantReadError``, ...) and, at the same time, a subclass of
the matching exception of the standard ``ssl`` module, so that code written
for ``ssl`` (urllib3, asyncio, trio, anyio) catches lucidtls errors unchanged,
as the PEP's migration section asks for (``ssl.SSLError`` would be
``TLSError``).

Each exception carries what the C error said:

``code``        the ``ltls_err_t`` value (class, alert and reason packed)
``reason``      the reason's name, e.g. ``"CERT_EXPIRED"``
``alert``       the TLS alert's name (``"certificate_expired"``) or None
``alert_code``  the alert's number or None
``detail``      the connection's sentence with specifics, or None
``library``     ``"lucidtls"``

and ``str(err)`` is the reason's sentence, the detail and the alert.
"""

from __future__ import annotations

import ssl

__all__ = [
    "TLSError",
    "WantReadError",
    "WantWriteError",
    "RaggedEOF",
    "ConfigurationError",
    "CertificateVerificationError",
    "ProtocolError",
    "AlertReceived",
    "ZeroReturnError",
    "NetworkError",
    "NetworkTimeout",
]


class TLSError(ssl.SSLError):
    """The base exception of every lucidtls error (PEP 748 ``TLSError``).

    A subclass of ``ssl.SSLError``: code that handles the ``ssl`` module's
    errors handles these too.
    """

    code: int | None = None
    reason: str = ""
    alert: str | None = None
    alert_code: int | None = None
    detail: str | None = None
    library = "lucidtls"

    def __init__(self, *args: object) -> None:
        # ssl.SSLError's str() is its strerror when that is a str; an
        # exception made from one message gets errno 1 (SSL_ERROR_SSL) so that
        # strerror is always set (libraries test `"..." in exc.strerror`).
        if len(args) == 1 and isinstance(args[0], str):
            args = (ssl.SSL_ERROR_SSL, args[0])
        super().__init__(*args)


class WantReadError(TLSError, ssl.SSLWantReadError):
    """More network input is needed before the operation can go on (PEP 748)."""


class WantWriteError(TLSError, ssl.SSLWantWriteError):
    """The outgoing buffer must be drained before the operation can go on (PEP 748)."""


class RaggedEOF(TLSError, ssl.SSLEOFError):
    """The transport ended without the peer's close_notify (PEP 748).

    The data received may be truncated; protocols that delimit their own
    messages (HTTP/1.1 with Content-Length, HTTP/2) may ignore it.
    """


class ConfigurationError(TLSError):
    """The configuration asks for something lucidtls cannot do (PEP 748)."""


class CertificateVerificationError(TLSError, ssl.SSLCertVerificationError):
    """The peer's certificate chain or name did not verify.

    Also an ``ssl.CertificateError``. ``depth`` says which certificate failed
    (0 = the leaf) when known; ``verify_code`` / ``verify_message`` mirror
    ``ssl.SSLCertVerificationError``.
    """

    depth: int | None = None


class ProtocolError(TLSError):
    """The peer broke the protocol; lucidtls sent the alert named in ``alert``."""


class AlertReceived(TLSError):
    """The peer sent a fatal alert (named in ``alert``)."""


class ZeroReturnError(TLSError, ssl.SSLZeroReturnError):
    """The peer closed the connection with close_notify."""


class NetworkError(TLSError):
    """A socket operation of a TLSSocket failed (resolving, connecting, I/O)."""


class NetworkTimeout(TLSError, TimeoutError):
    """A TLSSocket operation ran out of time (also a ``TimeoutError``)."""


# Error classes of lucidtls (error.h, ltls_err_class_t).
_LOCAL_ALERT, _PEER_ALERT, _INTERNAL, _MISUSE, _WANT_IO = 1, 2, 3, 4, 5
# Where the error happened (ltls_py_where_t in the extension).
_WHERE_CONFIG, _WHERE_CONN, _WHERE_VERIFY = 0, 1, 2

_BY_REASON: dict[str, tuple[type[TLSError], int]] = {
    "WANT_READ": (WantReadError, ssl.SSL_ERROR_WANT_READ),
    "WANT_WRITE": (WantWriteError, ssl.SSL_ERROR_WANT_WRITE),
    "RAGGED_EOF": (RaggedEOF, ssl.SSL_ERROR_EOF),
    "CLOSED": (ZeroReturnError, ssl.SSL_ERROR_ZERO_RETURN),
    "SOCKET_TIMEOUT": (NetworkTimeout, ssl.SSL_ERROR_SYSCALL),
    "RESOLVE": (NetworkError, ssl.SSL_ERROR_SYSCALL),
    "CONNECT": (NetworkError, ssl.SSL_ERROR_SYSCALL),
    "SOCKET_IO": (NetworkError, ssl.SSL_ERROR_SYSCALL),
}

# Reasons of certificate validation (x509.h). CERT_MALFORMED, CERT_NONE_FOUND
# and the trust-store reasons are not in this set: outside a handshake they
# describe a bad input, not a failed verification.
_VERIFY_REASONS = frozenset(
    {
        "CERT_EXPIRED",
        "CERT_NOT_YET_VALID",
        "CERT_UNKNOWN_ISSUER",
        "CERT_BAD_SIGNATURE",
        "CERT_NOT_CA",
        "CERT_PATH_TOO_LONG",
        "CERT_NAME_CONSTRAINTS",
        "CERT_KEY_USAGE",
        "CERT_EXT_KEY_USAGE",
        "CERT_WEAK_ALGORITHM",
        "CERT_UNKNOWN_CRITICAL",
        "CERT_NAME_MISMATCH",
        "CERT_WORK_LIMIT",
    }
)


def _pick(reason: str, eclass: int, where: int) -> tuple[type[TLSError], int]:
    if reason in _BY_REASON:
        return _BY_REASON[reason]
    if where == _WHERE_VERIFY or (
        where == _WHERE_CONN and (reason in _VERIFY_REASONS or reason == "CERT_MALFORMED")
    ):
        return CertificateVerificationError, ssl.SSL_ERROR_SSL
    if where == _WHERE_CONFIG and eclass != _INTERNAL:
        return ConfigurationError, ssl.SSL_ERROR_SSL
    if eclass == _PEER_ALERT:
        return AlertReceived, ssl.SSL_ERROR_SSL
    if eclass == _LOCAL_ALERT:
        return ProtocolError, ssl.SSL_ERROR_SSL
    return TLSError, ssl.SSL_ERROR_SSL


def _from_c(
    code: int,
    reason: str,
    message: str,
    eclass: int,
    alert: str | None,
    alert_code: int | None,
    detail: str | None,
    where: int,
    depth: int,
    reason_code: int,
) -> TLSError:
    """Builds the exception for a C error (called by the extension only)."""
    cls, errno = _pick(reason, eclass, where)
    text = message
    if detail:
        text = f"{message}: {detail}"
    # Only a connection sends or receives alerts; elsewhere the alert is just
    # what the handshake would have sent, kept in .alert.
    if alert is not None and where == _WHERE_CONN and eclass in (_LOCAL_ALERT, _PEER_ALERT, _INTERNAL):
        who = "received" if eclass == _PEER_ALERT else "sent"
        text = f"{text} (alert {alert} {who})"
    exc = cls(errno, text)
    exc.code = code
    exc.reason = reason
    exc.alert = alert
    exc.alert_code = alert_code
    exc.detail = detail
    if isinstance(exc, CertificateVerificationError):
        exc.depth = depth if depth >= 0 else None
        exc.verify_code = reason_code
        exc.verify_message = detail or message
    return exc
