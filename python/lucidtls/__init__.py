"""lucidtls: TLS 1.3 for Python over the lucidtls C engine.

Three faces over one C extension (``lucidtls._lucidtls``):

* PEP 748: ``TLSClientConfiguration`` / ``TLSServerConfiguration``,
  ``ClientContext`` / ``ServerContext``, ``TLSBuffer``, ``TLSSocket``, the
  certificate, key and trust-store classes, and ``lucidtls.implementation``.
  ``lucidtls.insecure`` holds the insecure variants.
* ``lucidtls.sansio``: a siotls-style sans-I/O connection (``TLSConnection``).
* An ``ssl``-compatible face: ``SSLContext``, ``create_default_context()``,
  ``wrap_socket`` / ``wrap_bio``, for urllib3, http.client, asyncio, trio
  and anyio.

Every exception is a ``TLSError`` and also the matching ``ssl`` exception.
"""

from __future__ import annotations

from ._errors import (
    AlertReceived,
    CertificateVerificationError,
    ConfigurationError,
    NetworkError,
    NetworkTimeout,
    ProtocolError,
    RaggedEOF,
    TLSError,
    WantReadError,
    WantWriteError,
    ZeroReturnError,
)
from . import _lucidtls
from ._pep748 import (
    Certificate,
    CipherSuite,
    ClientContext,
    NextProtocol,
    PrivateKey,
    ServerContext,
    SigningChain,
    TLSBuffer,
    TLSClientConfiguration,
    TLSImplementation,
    TLSServerConfiguration,
    TLSSocket,
    TLSVersion,
    TrustStore,
    implementation,
    validate_config,
)
from ._sslcompat import (
    CertificateError,
    SSLCertVerificationError,
    SSLContext,
    SSLEOFError,
    SSLError,
    SSLObject,
    SSLSocket,
    SSLWantReadError,
    SSLWantWriteError,
    SSLZeroReturnError,
    create_default_context,
)

__version__: str = _lucidtls.version()

__all__ = [
    "AlertReceived",
    "Certificate",
    "CertificateError",
    "CertificateVerificationError",
    "CipherSuite",
    "ClientContext",
    "ConfigurationError",
    "NetworkError",
    "NetworkTimeout",
    "NextProtocol",
    "PrivateKey",
    "ProtocolError",
    "RaggedEOF",
    "SSLCertVerificationError",
    "SSLContext",
    "SSLEOFError",
    "SSLError",
    "SSLObject",
    "SSLSocket",
    "SSLWantReadError",
    "SSLWantWriteError",
    "SSLZeroReturnError",
    "ServerContext",
    "SigningChain",
    "TLSBuffer",
    "TLSClientConfiguration",
    "TLSError",
    "TLSImplementation",
    "TLSServerConfiguration",
    "TLSSocket",
    "TLSVersion",
    "TrustStore",
    "WantReadError",
    "WantWriteError",
    "ZeroReturnError",
    "create_default_context",
    "implementation",
    "validate_config",
]
