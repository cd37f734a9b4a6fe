"""An ``ssl``-compatible face of lucidtls, for code written for the ``ssl`` module.

``SSLContext`` mirrors ``ssl.SSLContext`` closely enough for urllib3,
http.client, asyncio (``loop.create_connection`` / ``asyncio.open_connection`` /
``loop.create_server`` with ``ssl=``), trio (``trio.SSLStream``) and anyio
(``TLSStream.wrap``): ``wrap_socket`` gives an ``SSLSocket`` (a real
``socket.socket`` subclass that owns the descriptor, so ``makefile``,
timeouts and ``fileno`` behave as usual) and ``wrap_bio`` gives an
``SSLObject`` over two ``ssl.MemoryBIO`` objects.

The context is mutable like ``ssl.SSLContext``; the immutable lucidtls
context behind it is built on first use and rebuilt whenever a setting
changed.

What cannot work: APIs that insist on a real ``ssl.SSLContext``
(``loop.start_tls``, uvloop, anyio's ``TLSListener``), OpenSSL cipher strings
(``set_ciphers`` is accepted and, as with ``ssl`` for TLS 1.3, has no effect),
TLS 1.2 and older (a ``maximum_version`` below TLS 1.3 is refused), session
resumption (``session`` is always None), NPN, post-handshake client
authentication, and the SNI callback (a server picks among its loaded chains
by SNI itself).
"""

from __future__ import annotations

import datetime
import errno as _errno
import functools
import os
import socket
import ssl
import sys
from collections.abc import Callable, Iterable
from typing import Any

from . import _lucidtls
from ._errors import (
    CertificateVerificationError,
    ConfigurationError,
    RaggedEOF,
    TLSError,
    WantReadError,
    WantWriteError,
    ZeroReturnError,
)
from ._pep748 import _keylog

__all__ = [
    "SSLContext",
    "SSLObject",
    "SSLSocket",
    "create_default_context",
    "SSLError",
    "SSLWantReadError",
    "SSLWantWriteError",
    "SSLEOFError",
    "SSLZeroReturnError",
    "SSLCertVerificationError",
    "CertificateError",
    "PROTOCOL_TLS_CLIENT",
    "PROTOCOL_TLS_SERVER",
    "CERT_NONE",
    "CERT_OPTIONAL",
    "CERT_REQUIRED",
    "Purpose",
    "TLSVersion",
]

SSLError = TLSError
SSLWantReadError = WantReadError
SSLWantWriteError = WantWriteError
SSLEOFError = RaggedEOF
SSLZeroReturnError = ZeroReturnError
SSLCertVerificationError = CertificateVerificationError
CertificateError = CertificateVerificationError

PROTOCOL_TLS_CLIENT = ssl.PROTOCOL_TLS_CLIENT
PROTOCOL_TLS_SERVER = ssl.PROTOCOL_TLS_SERVER
PROTOCOL_TLS = ssl.PROTOCOL_TLS
CERT_NONE = ssl.CERT_NONE
CERT_OPTIONAL = ssl.CERT_OPTIONAL
CERT_REQUIRED = ssl.CERT_REQUIRED
Purpose = ssl.Purpose
TLSVersion = ssl.TLSVersion
MemoryBIO = ssl.MemoryBIO

HAS_ALPN = True
HAS_SNI = True
HAS_NEVER_CHECK_COMMON_NAME = True
HAS_TLSv1_3 = True

_DEFAULT_OPTIONS = (
    ssl.OP_ALL
    | ssl.OP_NO_SSLv2
    | ssl.OP_NO_SSLv3
    | ssl.OP_NO_COMPRESSION
    | ssl.OP_CIPHER_SERVER_PREFERENCE
    | ssl.OP_SINGLE_DH_USE
    | ssl.OP_SINGLE_ECDH_USE
    | ssl.OP_ENABLE_MIDDLEBOX_COMPAT
)

# OpenSSL's curve names as ssl.SSLContext.set_ecdh_curve takes them.
_CURVE_ALIASES = {"prime256v1": "secp256r1", "x25519": "x25519", "x448": "x448"}

_RECV_SIZE = 32768


def _idna(hostname: str | bytes | None) -> str | None:
    if hostname is None:
        return None
    if isinstance(hostname, bytes):
        hostname = hostname.decode("ascii")
    if not isinstance(hostname, str):
        raise TypeError("server_hostname must be a str")
    hostname = hostname.strip("[]") if ":" in hostname else hostname
    if hostname.isascii():
        return hostname
    return hostname.encode("idna").decode("ascii")


def _read_file(path: Any) -> bytes:
    with open(os.fspath(path), "rb") as f:
        return f.read()


def _read_file_or_empty(path: str) -> bytes:
    try:
        return _read_file(path)
    except OSError:
        return b""


def _der_list(data: bytes) -> list[bytes]:
    """The DER certificates of PEM text or one DER certificate (none if it
    holds none: the trust store has already refused what is malformed)."""
    try:
        return [c.der() for c in _lucidtls.parse_certs(data)]
    except TLSError:
        return []


def _system_bundle_files() -> list[str]:
    """The files among the sources TrustStore.add_system() reads, by the
    rules of src/trust/system.c: SSL_CERT_FILE's list when SSL_CERT_FILE or
    SSL_CERT_DIR is set, else the first well-known bundle that exists (the
    hashed directories are only read when none does)."""
    env_file = os.environ.get("SSL_CERT_FILE") or ""
    if env_file or os.environ.get("SSL_CERT_DIR"):
        return [p for p in env_file.split(":") if p and os.path.isfile(p)]
    for path in _lucidtls.system_trust_files():
        if os.path.exists(path):
            return [path] if os.path.isfile(path) else []
    return []


class SSLContext:
    """A mutable, ``ssl.SSLContext``-like configuration over lucidtls.

    ``SSLContext(ssl.PROTOCOL_TLS_CLIENT)`` verifies certificates and host
    names (and, as with ``ssl``, trusts nothing until
    ``load_verify_locations`` or ``load_default_certs``);
    ``SSLContext(ssl.PROTOCOL_TLS_SERVER)`` needs ``load_cert_chain``.
    """

    def __init__(self, protocol: int | None = None, *args: Any, **kwargs: Any) -> None:
        if protocol is None:
            protocol = PROTOCOL_TLS
        if protocol not in (PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER, PROTOCOL_TLS):
            raise ValueError(
                "lucidtls.SSLContext takes ssl.PROTOCOL_TLS_CLIENT or ssl.PROTOCOL_TLS_SERVER"
            )
        self._protocol = protocol
        client = protocol == PROTOCOL_TLS_CLIENT
        self._verify_mode = CERT_REQUIRED if client else CERT_NONE
        self._check_hostname = client
        self._trust_sources: list[tuple[str, Any]] = []
        # What get_ca_certs() lists, in load order: DER certificates from
        # cafile/cadata, and paths of system bundle files (read when asked).
        self._ca_loaded: list[bytes | str] = []
        self._trust: Any = None
        self._chains: list[tuple[Any, Any]] = []
        self._alpn: tuple[bytes, ...] | None = None
        self._groups: tuple[str, ...] | None = None
        self._ciphers = "DEFAULT"
        self._minimum_version = TLSVersion.MINIMUM_SUPPORTED
        self._maximum_version = TLSVersion.MAXIMUM_SUPPORTED
        self._keylog_filename: str | None = None
        self._generation = 0
        self._built: dict[bool, tuple[int, Any]] = {}
        self.options = ssl.Options(_DEFAULT_OPTIONS)
        self.verify_flags = ssl.VerifyFlags.VERIFY_X509_TRUSTED_FIRST
        self.post_handshake_auth = False
        self.hostname_checks_common_name = False
        self.num_tickets = 0
        self.security_level = 2
        self._sni_callback: Any = None

    sslsocket_class: type[SSLSocket]
    sslobject_class: type[SSLObject]

    def _changed(self) -> None:
        self._generation += 1

    # --- attributes with ssl's rules ---

    @property
    def protocol(self) -> int:
        """The protocol constant given to the constructor."""
        return self._protocol

    @property
    def verify_mode(self) -> ssl.VerifyMode:
        """CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED (ssl's rules apply)."""
        return ssl.VerifyMode(self._verify_mode)

    @verify_mode.setter
    def verify_mode(self, value: int) -> None:
        """CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED (ssl's rules apply)."""
        value = ssl.VerifyMode(value)
        if value == CERT_NONE and self._check_hostname:
            raise ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.")
        self._verify_mode = value
        self._changed()

    @property
    def check_hostname(self) -> bool:
        """Whether the server's name is checked (turning it on requires CERT_REQUIRED)."""
        return self._check_hostname

    @check_hostname.setter
    def check_hostname(self, value: bool) -> None:
        """Whether the server's name is checked (turning it on requires CERT_REQUIRED)."""
        value = bool(value)
        if value and self._verify_mode == CERT_NONE:
            self._verify_mode = CERT_REQUIRED
        self._check_hostname = value
        self._changed()

    @property
    def minimum_version(self) -> ssl.TLSVersion:
        """The lowest version allowed; TLS 1.3 is what lucidtls speaks."""
        return self._minimum_version

    @minimum_version.setter
    def minimum_version(self, value: ssl.TLSVersion) -> None:
        """The lowest version allowed; TLS 1.3 is what lucidtls speaks."""
        self._minimum_version = TLSVersion(value)
        self._changed()

    @property
    def maximum_version(self) -> ssl.TLSVersion:
        """The highest version allowed; below TLS 1.3 nothing can be negotiated."""
        return self._maximum_version

    @maximum_version.setter
    def maximum_version(self, value: ssl.TLSVersion) -> None:
        """The highest version allowed; below TLS 1.3 nothing can be negotiated."""
        self._maximum_version = TLSVersion(value)
        self._changed()

    @property
    def keylog_filename(self) -> str | None:
        """A file that NSS key-log lines are appended to, or None."""
        return self._keylog_filename

    @keylog_filename.setter
    def keylog_filename(self, value: Any) -> None:
        """A file that NSS key-log lines are appended to, or None."""
        if value is not None:
            value = os.fspath(value)
            with open(value, "a"):  # ssl fails at once on an unwritable path
                pass
        self._keylog_filename = value
        self._changed()

    @property
    def sni_callback(self) -> Any:
        """Always None: lucidtls picks the server chain by SNI itself."""
        return self._sni_callback

    @sni_callback.setter
    def sni_callback(self, value: Any) -> None:
        """Always None: lucidtls picks the server chain by SNI itself."""
        if value is not None:
            raise NotImplementedError(
                "lucidtls chooses the certificate by SNI itself: call load_cert_chain() once per "
                "certificate instead of using an SNI callback"
            )
        self._sni_callback = None

    def set_servername_callback(self, callback: Any) -> None:
        """Not supported unless callback is None (see sni_callback)."""
        self.sni_callback = callback

    # --- trust ---

    def _store(self) -> Any:
        """The C store to add to: a fresh copy if a context froze the old one."""
        if self._trust is None or self._trust.frozen:
            store = _lucidtls.TrustStore()
            for kind, value in self._trust_sources:
                self._add_source(store, kind, value)
            self._trust = store
        return self._trust

    @staticmethod
    def _add_source(store: Any, kind: str, value: Any) -> None:
        if kind == "file":
            store.add_file(value)
        elif kind == "dir":
            store.add_dir(value)
        elif kind == "data":
            store.add(value)
        else:
            store.add_system()

    def _add_trust(self, kind: str, value: Any) -> None:
        self._add_source(self._store(), kind, value)
        self._trust_sources.append((kind, value))
        self._changed()

    def load_verify_locations(
        self, cafile: Any = None, capath: Any = None, cadata: str | bytes | None = None
    ) -> None:
        """Trusts the certificates of a PEM/DER file, a directory and/or data."""
        if cafile is None and capath is None and cadata is None:
            raise TypeError("cafile, capath and cadata cannot be all omitted")
        if cafile is not None:
            data = _read_file(cafile)  # FileNotFoundError as with ssl
            self._add_trust("file", os.fspath(cafile))
            self._remember(data)
        if capath is not None:
            path = os.fspath(capath)
            if not os.path.isdir(path):
                raise FileNotFoundError(_errno.ENOENT, "No such directory", path)
            self._add_trust("dir", path)
        if cadata is not None:
            if isinstance(cadata, str):
                cadata = cadata.encode("ascii")
            elif not isinstance(cadata, (bytes, bytearray, memoryview)):
                raise TypeError("cadata should be an ASCII string or a bytes-like object")
            data = bytes(cadata)
            self._add_trust("data", data)
            self._remember(data)

    def _remember(self, data: bytes) -> None:
        self._ca_loaded.extend(_der_list(data))

    def load_default_certs(self, purpose: ssl.Purpose = Purpose.SERVER_AUTH) -> None:
        """Trusts the operating system's store."""
        self.set_default_verify_paths()

    def set_default_verify_paths(self) -> None:
        """Trusts the operating system's store (SSL_CERT_FILE/SSL_CERT_DIR honoured).

        As with ``ssl``, a system without a store is no error here: the
        handshake then fails to verify instead."""
        if ("system", None) in self._trust_sources:
            return
        try:
            self._add_trust("system", None)
        except TLSError as e:
            if e.reason != "TRUST_NOT_FOUND":
                raise
            return
        self._ca_loaded.extend(_system_bundle_files())

    def _loaded_certs(self) -> list[bytes]:
        """Every certificate loaded from a file or data, once, in load order."""
        seen: set[bytes] = set()
        out: list[bytes] = []
        for item in self._ca_loaded:
            for der in [item] if isinstance(item, bytes) else _der_list(_read_file_or_empty(item)):
                if der not in seen:
                    seen.add(der)
                    out.append(der)
        return out

    def get_ca_certs(self, binary_form: bool = False) -> list[Any]:
        """The CA certificates loaded from files or data, as ``ssl`` lists them.

        Like ``ssl``, this shows what was read from files — ``cafile``,
        ``cadata`` and, after ``load_default_certs()``, the system's bundle
        file — and not the certificates of a directory (``capath``, or the
        system's hashed directory where no bundle file exists), which ``ssl``
        only looks up during verification. Certificates that are no CA (by
        OpenSSL's X509_check_ca rules) are left out, duplicates appear once.
        The order is the order of loading (``ssl`` uses its store's internal
        order)."""
        cas = [d for d in self._loaded_certs() if _is_ca(d)]
        if binary_form:
            return cas
        return [_cert_dict(d) for d in cas]

    def cert_store_stats(self) -> dict[str, int]:
        """Counts of the certificates loaded from files or data, as ``ssl``
        counts them (see get_ca_certs): all of them, and the CAs among them."""
        certs = self._loaded_certs()
        return {"x509": len(certs), "crl": 0, "x509_ca": sum(map(_is_ca, certs))}

    def load_cert_chain(self, certfile: Any, keyfile: Any = None, password: Any = None) -> None:
        """Loads a certificate chain (PEM) and its private key.

        Several calls load several chains (a server picks one per connection
        by SNI and signature algorithms); a chain whose key has the same type
        as an earlier one replaces it, as with ``ssl``.
        """
        certdata = _read_file(certfile)
        keydata = _read_file(keyfile) if keyfile is not None else certdata
        if callable(password):
            password = password()
        if isinstance(password, str):
            password = password.encode("utf-8")
        if password is not None and not isinstance(password, (bytes, bytearray)):
            raise TypeError("password should be a string or bytes")
        certs = _lucidtls.parse_certs(certdata)
        key = _lucidtls.Key(keydata, None if password is None else bytes(password))
        # A server context checks that the key matches the leaf, now rather
        # than at the first handshake.
        _lucidtls.Context(True, chains=[(certs, key)])
        self._chains = [(c, k) for c, k in self._chains if k.type != key.type] + [(certs, key)]
        self._changed()

    # --- negotiation settings ---

    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        """The ALPN protocols to offer or accept, in preference order."""
        protos = []
        for p in alpn_protocols:
            b = p.encode("ascii") if isinstance(p, str) else bytes(p)
            if not 1 <= len(b) <= 255:
                raise ValueError("ALPN protocols must be 1 to 255 in length")
            protos.append(b)
        self._alpn = tuple(protos) or None
        self._changed()

    def set_npn_protocols(self, npn_protocols: Any) -> None:
        """Not supported: NPN was replaced by ALPN."""
        raise NotImplementedError("NPN is not supported (it was replaced by ALPN)")

    def set_ciphers(self, ciphers: str) -> None:
        """Accepted for compatibility; like ``ssl`` with TLS 1.3 it does not
        change the TLS 1.3 suites (all of the provider's are offered)."""
        if not isinstance(ciphers, str) or not ciphers:
            raise SSLError("No cipher can be selected.")
        self._ciphers = ciphers

    def get_ciphers(self) -> list[dict[str, Any]]:
        """The TLS 1.3 cipher suites of the provider, as ssl describes ciphers."""
        out = []
        for code, name in _lucidtls.default_provider().suites():
            bits = 256 if "256" in name or "CHACHA20" in name else 128
            out.append(
                {
                    "id": 0x03000000 | code,
                    "name": name,
                    "protocol": "TLSv1.3",
                    "description": f"{name} TLSv1.3",
                    "strength_bits": bits,
                    "alg_bits": bits,
                    "aead": True,
                    "symmetric": name.split("_", 1)[1].rsplit("_", 1)[0].lower(),
                    "digest": None,
                    "kea": "kx-any",
                    "auth": "auth-any",
                }
            )
        return out

    def set_ecdh_curve(self, curve_name: str) -> None:
        """Restricts key exchange to one group (OpenSSL names accepted)."""
        name = _CURVE_ALIASES.get(curve_name.lower(), curve_name)
        if name.lower() not in {n.lower() for _, n in _lucidtls.default_provider().groups()}:
            raise ValueError(f"unknown elliptic curve name {curve_name!r}")
        self._groups = (name,)
        self._changed()

    def load_dh_params(self, path: Any) -> None:
        """Accepted and ignored: TLS 1.3 in lucidtls uses (EC)DHE groups only."""
        _read_file(path)

    def session_stats(self) -> dict[str, int]:
        """All zero: lucidtls keeps no session cache yet."""
        keys = (
            "number", "connect", "connect_good", "connect_renegotiate", "accept",
            "accept_good", "accept_renegotiate", "hits", "misses", "timeouts", "cache_full",
        )
        return dict.fromkeys(keys, 0)

    # --- the lucidtls context behind ---

    def _context(self, server_side: bool) -> Any:
        built = self._built.get(server_side)
        if built is not None and built[0] == self._generation:
            return built[1]
        ctx = self._build(server_side)
        self._built[server_side] = (self._generation, ctx)
        return ctx

    def _build(self, server_side: bool) -> Any:
        if server_side and self._protocol == PROTOCOL_TLS_CLIENT:
            raise ValueError("Cannot create a server socket with a PROTOCOL_TLS_CLIENT context")
        if not server_side and self._protocol == PROTOCOL_TLS_SERVER:
            raise ValueError("Cannot create a client socket with a PROTOCOL_TLS_SERVER context")
        if self._maximum_version not in (TLSVersion.MAXIMUM_SUPPORTED, TLSVersion.TLSv1_3):
            raise SSLError(
                f"maximum_version {self._maximum_version.name} excludes TLS 1.3, the only version "
                "lucidtls speaks"
            )
        if self._minimum_version not in (
            TLSVersion.MINIMUM_SUPPORTED,
            TLSVersion.MAXIMUM_SUPPORTED,
        ) and self._minimum_version > TLSVersion.TLSv1_3:
            raise SSLError("minimum_version is above TLS 1.3")
        prov = _lucidtls.default_provider()
        groups = None
        if self._groups:
            by_name = {n.lower(): c for c, n in prov.groups()}
            groups = [by_name[g.lower()] for g in self._groups]
        kw: dict[str, Any] = dict(
            provider=prov,
            groups=groups,
            alpn=list(self._alpn) if self._alpn else None,
            keylog=_keylog(self._keylog_filename, None),
        )
        if server_side:
            if not self._chains:
                raise SSLError("the server has no certificate: call load_cert_chain() first")
            auth = {CERT_NONE: 0, CERT_OPTIONAL: 1, CERT_REQUIRED: 2}[self._verify_mode]
            return _lucidtls.Context(
                True,
                chains=list(self._chains),
                client_auth=auth,
                trust=self._store() if auth else None,
                **kw,
            )
        insecure = 0
        trust = None
        if self._verify_mode == CERT_NONE:
            insecure = _lucidtls.INSECURE_NO_VERIFY
        else:
            trust = self._store()
            if not self._check_hostname:
                insecure = _lucidtls.INSECURE_NO_HOSTNAME_CHECK
        return _lucidtls.Context(
            False,
            chains=list(self._chains[-1:]),
            trust=trust,
            insecure=insecure,
            **kw,
        )

    def _connection(self, server_side: bool, server_hostname: str | None) -> Any:
        if server_side:
            return self._context(True).connection(None)
        return self._context(False).connection(server_hostname)

    def _check_wrap(self, server_side: bool, server_hostname: Any) -> str | None:
        if server_side:
            if server_hostname:
                raise ValueError("server_hostname can only be specified in client mode")
            return None
        name = _idna(server_hostname)
        if self._check_hostname and not name:
            raise ValueError("check_hostname requires server_hostname")
        return name

    # --- wrapping ---

    def wrap_socket(
        self,
        sock: socket.socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: Any = None,
    ) -> SSLSocket:
        """An SSLSocket that takes over ``sock`` (as ``ssl.SSLContext.wrap_socket``)."""
        name = self._check_wrap(server_side, server_hostname)
        if session is not None:
            raise ValueError("lucidtls does not support session resumption yet")
        return self.sslsocket_class._create(
            sock=sock,
            server_side=server_side,
            do_handshake_on_connect=do_handshake_on_connect,
            suppress_ragged_eofs=suppress_ragged_eofs,
            server_hostname=name,
            context=self,
        )

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: Any = None,
    ) -> SSLObject:
        """An SSLObject over two ``ssl.MemoryBIO`` (as ``ssl.SSLContext.wrap_bio``)."""
        name = self._check_wrap(server_side, server_hostname)
        if session is not None:
            raise ValueError("lucidtls does not support session resumption yet")
        return self.sslobject_class._create(incoming, outgoing, server_side, name, self)


def create_default_context(
    purpose: ssl.Purpose = Purpose.SERVER_AUTH,
    *,
    cafile: Any = None,
    capath: Any = None,
    cadata: str | bytes | None = None,
) -> SSLContext:
    """As ``ssl.create_default_context``: a client context that verifies
    certificates and host names against the OS store (or the given CAs).
    ``SSLKEYLOGFILE`` is honoured as by ``ssl``."""
    if not isinstance(purpose, ssl._ASN1Object):  # type: ignore[attr-defined]
        raise TypeError(purpose)
    if purpose == Purpose.SERVER_AUTH:
        ctx = SSLContext(PROTOCOL_TLS_CLIENT)
    elif purpose == Purpose.CLIENT_AUTH:
        ctx = SSLContext(PROTOCOL_TLS_SERVER)
    else:
        raise ValueError(purpose)
    if cafile or capath or cadata:
        ctx.load_verify_locations(cafile, capath, cadata)
    elif ctx.verify_mode != CERT_NONE:
        ctx.load_default_certs(purpose)
    keylogfile = os.environ.get("SSLKEYLOGFILE")
    if keylogfile and not sys.flags.ignore_environment:
        ctx.keylog_filename = keylogfile
    return ctx


# ------------------------------------------------------------- peer certificates
#
# getpeercert() and get_ca_certs() return the dict that ssl builds from
# OpenSSL's view of a certificate (CPython's _decode_certificate): the same
# keys in the same order, the same nested tuples, the same text. The C
# extension hands over raw parts (attributes with their OID and string tag,
# SAN entries as bytes); this section applies ssl's formatting rules to them.
# Left out, as the issue allows: OCSP, caIssuers and crlDistributionPoints.

# OpenSSL's long names of the attribute types that certificates use, for
# when ssl._txt2obj (the stdlib's own lookup in OpenSSL's table) is absent.
_ATTR_NAMES = {
    "2.5.4.3": "commonName",
    "2.5.4.4": "surname",
    "2.5.4.5": "serialNumber",
    "2.5.4.6": "countryName",
    "2.5.4.7": "localityName",
    "2.5.4.8": "stateOrProvinceName",
    "2.5.4.9": "streetAddress",
    "2.5.4.10": "organizationName",
    "2.5.4.11": "organizationalUnitName",
    "2.5.4.12": "title",
    "2.5.4.15": "businessCategory",
    "2.5.4.17": "postalCode",
    "2.5.4.41": "name",
    "2.5.4.42": "givenName",
    "2.5.4.43": "initials",
    "2.5.4.44": "generationQualifier",
    "2.5.4.45": "x500UniqueIdentifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier",
    "0.9.2342.19200300.100.1.1": "userId",
    "0.9.2342.19200300.100.1.25": "domainComponent",
    "1.2.840.113549.1.9.1": "emailAddress",
    "1.2.840.113549.1.9.2": "unstructuredName",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionLocalityName",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionStateOrProvinceName",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionCountryName",
}


@functools.lru_cache(maxsize=256)
def _attr_name(oid: str) -> str:
    """The name OpenSSL's OBJ_obj2txt gives an attribute type: its long name
    when OpenSSL knows the OID, else the dotted text."""
    txt2obj = getattr(ssl, "_txt2obj", None)
    if txt2obj is not None:
        try:
            return str(txt2obj(oid, name=False)[2])
        except (ValueError, TypeError, IndexError):
            return oid
    return _ATTR_NAMES.get(oid, oid)


# How OpenSSL's ASN1_STRING_to_UTF8 reads each string type: one octet per
# character (as Latin-1) for the ASCII-ish types and TeletexString, UTF-16 and
# UTF-32 big-endian for BMPString and UniversalString.
_STRING_CODECS = {12: "utf-8", 30: "utf-16-be", 28: "utf-32-be"}


def _attr_value(tag: int, raw: bytes) -> str:
    return raw.decode(_STRING_CODECS.get(tag, "latin-1"), "replace")


def _name_tuple(attrs: list[tuple[int, str, int, bytes]]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Attributes (rdn, oid, tag, value) to ssl's nested tuples: one tuple per
    RelativeDistinguishedName, in encoding order, of (name, value) pairs."""
    rdns: list[list[tuple[str, str]]] = []
    last = -1
    for rdn, oid, tag, raw in attrs:
        if rdn != last:
            rdns.append([])
            last = rdn
        rdns[-1].append((_attr_name(oid), _attr_value(tag, raw)))
    return tuple(tuple(r) for r in rdns)


# GeneralName kinds (x509.h's ltls_san_kind_t) to ssl's labels.
_SAN_TEXT = {1: "email", 2: "DNS", 6: "URI"}
# The kinds OpenSSL prints only as "<unsupported>" (GENERAL_NAME_print).
_SAN_UNSUPPORTED = {0: "othername", 3: "X400Name", 5: "EdiPartyName"}


def _san_entry(kind: int, value: Any) -> tuple[str, Any]:
    if kind in _SAN_TEXT:
        return (_SAN_TEXT[kind], value.decode("ascii", "replace"))
    if kind == 7:
        if len(value) == 4:
            return ("IP Address", "%d.%d.%d.%d" % tuple(value))
        if len(value) == 16:
            # ssl writes all eight groups in upper-case hex, uncompressed.
            groups = [value[i] << 8 | value[i + 1] for i in range(0, 16, 2)]
            return ("IP Address", ":".join("%X" % g for g in groups))
        return ("IP Address", "<invalid>")
    if kind == 4:
        return ("DirName", _name_tuple(value))
    if kind == 8:
        return ("Registered ID", _attr_name(value))
    return (_SAN_UNSUPPORTED.get(kind, "othername"), "<unsupported>")


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _asn1_time(t: int) -> str:
    """OpenSSL's ASN1_TIME_print: 'Jun  1 12:00:00 2025 GMT' (day padded
    with a space). GeneralizedTime reaches back to year 0, one before
    datetime's first: such a time is shifted by whole 400-year Gregorian
    cycles, which leave month, day and weekday unchanged."""
    cycles = 0
    while t < _DATETIME_MIN_T:
        t += _GREGORIAN_CYCLE_S
        cycles += 1
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t)
    return f"{_MONTHS[d.month - 1]} {d.day:2d} {d:%H:%M:%S} {d.year - 400 * cycles} GMT"


_GREGORIAN_CYCLE_S = 146097 * 86400
_DATETIME_MIN_T = int((datetime.datetime(1, 1, 1) - datetime.datetime(1970, 1, 1)).total_seconds())


def _cert_dict(der: bytes) -> dict[str, Any]:
    c = _lucidtls.X509(der)
    out: dict[str, Any] = {
        "subject": _name_tuple(c.subject_attrs()),
        "issuer": _name_tuple(c.issuer_attrs()),
        "version": c.version,
        "serialNumber": c.serial,
        "notBefore": _asn1_time(c.not_before),
        "notAfter": _asn1_time(c.not_after),
    }
    san = c.san()
    if san:
        out["subjectAltName"] = tuple(_san_entry(k, v) for k, v in san)
    return out


def _is_ca(der: bytes) -> bool:
    """OpenSSL's X509_check_ca, which decides what get_ca_certs() lists: a
    keyUsage without keyCertSign says no; then basicConstraints decides; a
    certificate without it is a CA if it is a self-issued v1 one or has a
    keyUsage (with keyCertSign, by the first rule)."""
    c = _lucidtls.X509(der)
    bc, ku, self_issued = c.ca_info()
    if ku is not None and not ku & (1 << 5):
        return False
    if bc is not None:
        return bool(bc[0])
    return (c.version == 1 and self_issued) or ku is not None


# ---------------------------------------------------------------------- SSLObject


class _TLSMixin:
    """Queries shared by SSLObject and SSLSocket."""

    _conn: Any
    _context: SSLContext
    server_side: bool
    server_hostname: str | None

    def _require(self) -> Any:
        if self._conn is None:
            raise ValueError("the TLS layer is gone (unwrapped or closed)")
        return self._conn

    @property
    def context(self) -> SSLContext:
        return self._context

    @property
    def session(self) -> None:
        return None

    @property
    def session_reused(self) -> bool:
        return False

    def getpeercert(self, binary_form: bool = False) -> Any:
        conn = self._require()
        if not conn.handshake_done:
            raise ValueError("handshake not done yet")
        certs = conn.peer_certs()
        if binary_form:
            return certs[0] if certs else None
        if not certs:
            return None
        if self._context.verify_mode == CERT_NONE:
            return {}
        return _cert_dict(certs[0])

    def cipher(self) -> tuple[str, str, int] | None:
        if self._conn is None:
            return None
        info = self._conn.info()
        if info["suite"] is None:
            return None
        return (info["suite_name"], "TLSv1.3" if info["version"] == 0x0304 else "TLSv1.2", info["secret_bits"])

    def shared_ciphers(self) -> list[tuple[str, str, int]] | None:
        c = self.cipher()
        return [c] if c else None

    def version(self) -> str | None:
        if self._conn is None:
            return None
        v = self._conn.info()["version"]
        return {0x0304: "TLSv1.3", 0x0303: "TLSv1.2"}.get(v)

    def selected_alpn_protocol(self) -> str | None:
        if self._conn is None:
            return None
        p = self._conn.info()["alpn"]
        return None if p is None else p.decode("ascii", "replace")

    def selected_npn_protocol(self) -> None:
        return None

    def compression(self) -> None:
        return None

    def get_channel_binding(self, cb_type: str = "tls-unique") -> None:
        if cb_type != "tls-unique":
            raise ValueError(f"{cb_type!r} channel binding type not implemented")
        return None  # TLS 1.3 defines no tls-unique

    def verify_client_post_handshake(self) -> None:
        raise SSLError("post-handshake authentication is not supported by lucidtls")

    def export_keying_material(self, label: bytes, length: int, context: bytes | None = None) -> bytes:
        """lucidtls extension: the TLS exporter (RFC 8446 §7.5)."""
        return self._require().export_keying_material(label, length, context)  # type: ignore[no-any-return]


class SSLObject(_TLSMixin):
    """TLS over two ``ssl.MemoryBIO`` objects, as ``ssl.SSLObject``.

    Every call takes what ``incoming`` holds (and its EOF) and leaves what is
    to be sent in ``outgoing``.
    """

    _incoming: ssl.MemoryBIO
    _outgoing: ssl.MemoryBIO
    _backlog: bytes

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            f"{self.__class__.__name__} does not have a public constructor. "
            "Instances are returned by SSLContext.wrap_bio()."
        )

    @classmethod
    def _create(
        cls,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool,
        server_hostname: str | None,
        context: SSLContext,
    ) -> SSLObject:
        self = cls.__new__(cls)
        self._incoming = incoming
        self._outgoing = outgoing
        self._context = context
        self.server_side = server_side
        self.server_hostname = server_hostname
        self._conn = context._connection(server_side, server_hostname)
        self._backlog = b""
        return self

    def _pump_in(self) -> None:
        data = self._backlog + self._incoming.read()
        self._backlog = b""
        if data:
            try:
                self._conn.feed(data)
            except WantReadError:
                self._backlog = data  # the engine is full: keep it for the next call
                return
        if self._incoming.eof and not self._conn.eof_received:
            self._conn.feed_eof()

    def _pump_out(self) -> None:
        if self._conn is not None:
            out = self._conn.outgoing()
            if out:
                self._outgoing.write(out)

    def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        self._require()
        self._pump_in()
        try:
            return fn(*args)
        finally:
            self._pump_out()

    def do_handshake(self) -> None:
        """Drives the handshake; SSLWantReadError until it completes."""
        self._call(self._conn.handshake)

    def read(self, len: int = 1024, buffer: Any = None) -> Any:
        """Up to ``len`` bytes (or into ``buffer``, returning the count);
        ``b""`` after close_notify; SSLEOFError on EOF without it."""
        if buffer is not None:
            size = memoryview(buffer).nbytes
            if len <= 0 or len > size:
                len = size
        return self._call(self._conn.read, len, buffer)

    def write(self, data: Any) -> int:
        """Encrypts all of ``data`` into ``outgoing``; returns its length."""
        view = memoryview(data).cast("B")
        done = 0
        self._require()
        self._pump_in()
        try:
            while done < len(view):
                try:
                    done += self._conn.write(view[done:])
                except (WantReadError, WantWriteError):
                    if done:
                        return done
                    raise
                self._pump_out()
        finally:
            self._pump_out()
        return done

    def pending(self) -> int:
        """Decrypted bytes that read() returns without more input (as
        ``ssl``: the unread rest of the record last opened)."""
        return 0 if self._conn is None else int(self._conn.pending())

    def unwrap(self) -> None:
        """Sends close_notify, then waits (SSLWantReadError) for the peer's."""
        def shutdown() -> None:
            self._conn.shutdown()
            while self._conn.read(16384):
                pass  # application data still in flight is discarded

        self._call(shutdown)


# ---------------------------------------------------------------------- SSLSocket


class SSLSocket(_TLSMixin, socket.socket):
    """A ``socket.socket`` carrying TLS, as ``ssl.SSLSocket``.

    It owns the descriptor of the socket it wraps (which is detached), so
    timeouts, ``makefile``, ``fileno`` and ``select`` work as usual.
    """

    do_handshake_on_connect: bool
    suppress_ragged_eofs: bool
    _wbuf: bytearray
    _rbuf: bytearray  # plaintext pending() opened ahead of read()
    _connected: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            f"{self.__class__.__name__} does not have a public constructor. "
            "Instances are returned by SSLContext.wrap_socket()."
        )

    @classmethod
    def _create(
        cls,
        sock: socket.socket,
        server_side: bool,
        do_handshake_on_connect: bool,
        suppress_ragged_eofs: bool,
        server_hostname: str | None,
        context: SSLContext,
    ) -> SSLSocket:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) != socket.SOCK_STREAM:
            raise NotImplementedError("only stream sockets are supported")
        kwargs = dict(family=sock.family, type=sock.type, proto=sock.proto, fileno=sock.fileno())
        self = cls.__new__(cls, **kwargs)
        socket.socket.__init__(self, **kwargs)  # type: ignore[arg-type]
        timeout = sock.gettimeout()
        sock.detach()
        self._context = context
        self.server_side = server_side
        self.server_hostname = server_hostname
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs
        self._conn = None
        self._wbuf = bytearray()
        self._rbuf = bytearray()
        self.settimeout(timeout)
        try:
            self.getpeername()
        except OSError as e:
            if e.errno != _errno.ENOTCONN:
                raise
            connected = False
        else:
            connected = True
        self._connected = connected
        if connected:
            try:
                self._conn = context._connection(server_side, server_hostname)
                if do_handshake_on_connect:
                    if self.gettimeout() == 0.0:
                        raise ValueError(
                            "do_handshake_on_connect should not be specified for non-blocking sockets"
                        )
                    self.do_handshake()
            except BaseException:
                self.close()
                raise
        return self

    # --- moving bytes ---

    def _flush(self) -> None:
        if self._conn is not None:
            out = self._conn.outgoing()
            if out:
                self._wbuf += out
        while self._wbuf:
            try:
                n = socket.socket.send(self, self._wbuf)
            except BlockingIOError:
                raise SSLWantWriteError(ssl.SSL_ERROR_WANT_WRITE, "The operation did not complete (write)") from None
            del self._wbuf[:n]

    def _drive(self, op: Callable[[], Any]) -> Any:
        while True:
            try:
                result = op()
            except WantReadError:
                self._flush()
                try:
                    data = socket.socket.recv(self, _RECV_SIZE)
                except BlockingIOError:
                    raise SSLWantReadError(ssl.SSL_ERROR_WANT_READ, "The operation did not complete (read)") from None
                if data:
                    self._conn.feed(data)
                else:
                    self._conn.feed_eof()
                continue
            except WantWriteError:
                self._flush()
                continue
            except TLSError:
                try:
                    self._flush()  # the alert, if one was made
                except OSError:
                    pass
                raise
            self._flush()
            return result

    # --- handshake and data ---

    def do_handshake(self, block: bool = False) -> None:
        """Performs the handshake (certificate and host name verified)."""
        self._check_connected()
        self._drive(self._require().handshake)

    def _check_connected(self) -> None:
        if not self._connected:
            self.getpeername()  # raises ENOTCONN as ssl's does

    def read(self, len: int = 1024, buffer: Any = None) -> Any:
        """Up to len bytes of application data (into buffer if given)."""
        conn = self._require()
        if self._rbuf:
            return self._take_rbuf(len, buffer)
        try:
            return self._drive(lambda: conn.read(len, buffer))
        except RaggedEOF:
            if self.suppress_ragged_eofs:
                return 0 if buffer is not None else b""
            raise

    def write(self, data: Any) -> int:
        """Encrypts and sends data; returns how much was taken."""
        conn = self._require()
        return self._drive(lambda: conn.write(data))  # type: ignore[no-any-return]

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        """As socket.recv over TLS; b'' at the end of the stream."""
        if self._conn is None:
            return socket.socket.recv(self, buflen, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to recv() on {self.__class__}")
        return self.read(buflen)  # type: ignore[no-any-return]

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        """As socket.recv_into over TLS."""
        if self._conn is None:
            return socket.socket.recv_into(self, buffer, nbytes or 0, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to recv_into() on {self.__class__}")
        size = memoryview(buffer).nbytes
        if not nbytes or nbytes > size:
            nbytes = size
        return self.read(nbytes, buffer)  # type: ignore[no-any-return]

    def send(self, data: Any, flags: int = 0) -> int:
        """As socket.send over TLS."""
        if self._conn is None:
            return socket.socket.send(self, data, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to send() on {self.__class__}")
        return self.write(data)

    def sendall(self, data: Any, flags: int = 0) -> None:
        """Sends all of data over TLS."""
        if self._conn is None:
            socket.socket.sendall(self, data, flags)
            return
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to sendall() on {self.__class__}")
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            done += self.send(view[done:])

    def recvfrom(self, buflen: int = 1024, flags: int = 0) -> Any:
        """Not allowed while TLS is active (as ssl)."""
        if self._conn is not None:
            raise ValueError(f"recvfrom not allowed on instances of {self.__class__}")
        return socket.socket.recvfrom(self, buflen, flags)

    def recvfrom_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> Any:
        """Not allowed while TLS is active (as ssl)."""
        if self._conn is not None:
            raise ValueError(f"recvfrom_into not allowed on instances of {self.__class__}")
        return socket.socket.recvfrom_into(self, buffer, nbytes or 0, flags)

    def sendto(self, data: Any, flags_or_addr: Any, addr: Any = None) -> int:
        """Not allowed while TLS is active (as ssl)."""
        if self._conn is not None:
            raise ValueError(f"sendto not allowed on instances of {self.__class__}")
        if addr is None:
            return socket.socket.sendto(self, data, flags_or_addr)
        return socket.socket.sendto(self, data, flags_or_addr, addr)

    def _take_rbuf(self, n: int, buffer: Any) -> Any:
        if buffer is None:
            n = max(n, 0)
            data = bytes(self._rbuf[:n])
            del self._rbuf[:n]
            return data
        view = memoryview(buffer).cast("B")
        if n <= 0 or n > len(view):
            n = len(view)
        n = min(n, len(self._rbuf))
        view[:n] = self._rbuf[:n]
        del self._rbuf[:n]
        return n

    def pending(self) -> int:
        """Decrypted bytes that recv() returns without reading the socket.

        This socket reads the network in large chunks, so records may wait
        in memory, still encrypted, where ``select()`` cannot see them. When
        nothing decrypted is left, pending() opens the next record already
        received (never touching the socket), so that a caller who waits in
        ``select()`` once it says 0 never waits for data that is already
        here. An error met on the way is raised by the next recv()."""
        conn = self._conn
        if conn is None:
            return 0
        n = len(self._rbuf) + conn.pending()
        if n == 0 and conn.handshake_done and conn.incoming_buffered():
            try:
                self._rbuf += conn.read(_RECV_SIZE)
            except TLSError:
                pass  # wants more bytes, or failed: recv() says so (errors are sticky)
            n = len(self._rbuf) + conn.pending()
        return n

    def unwrap(self) -> SSLSocket:
        """Sends close_notify, waits for the peer's, and returns this socket,
        which from then on sends and receives in the clear (as ``ssl``'s
        unwrap() returns the SSLSocket itself). Bytes the peer sends in the
        clear must follow our close_notify, not race it: this socket reads
        the network in chunks, and what arrives with the peer's close_notify
        is dropped (RFC 8446 §6.1)."""
        conn = self._require()

        def shutdown() -> None:
            conn.shutdown()
            while conn.read(16384):
                pass

        self._drive(shutdown)
        self._conn = None
        self._rbuf.clear()
        return self

    def shutdown(self, how: int) -> None:
        """Drops the TLS layer and shuts the TCP connection down (no close_notify, as ssl)."""
        self._conn = None
        socket.socket.shutdown(self, how)

    def _real_close(self) -> None:  # type: ignore[override]
        self._conn = None
        self._rbuf.clear()
        socket.socket._real_close(self)  # type: ignore[attr-defined]

    def dup(self) -> SSLSocket:
        """Not supported (as ssl)."""
        raise NotImplementedError(f"Can't dup() {self.__class__.__name__} instances")

    # --- client and server plumbing ---

    def _real_connect(self, addr: Any, connect_ex: bool) -> int | None:
        if self.server_side:
            raise ValueError("can't connect in server-side mode")
        if self._connected or self._conn is not None:
            raise ValueError("attempt to connect already-connected SSLSocket!")
        if connect_ex:
            rc = socket.socket.connect_ex(self, addr)
            if rc:
                return rc
        else:
            socket.socket.connect(self, addr)
        self._connected = True
        self._conn = self._context._connection(False, self.server_hostname)
        if self.do_handshake_on_connect:
            self.do_handshake()
        return 0

    def connect(self, addr: Any) -> None:
        """Connects, then performs the handshake if do_handshake_on_connect."""
        self._real_connect(addr, False)

    def connect_ex(self, addr: Any) -> int:
        """As connect, returning an errno instead of raising for the TCP part."""
        return self._real_connect(addr, True) or 0

    def accept(self) -> tuple[SSLSocket, Any]:
        """Accepts a client and wraps it (handshake if do_handshake_on_connect)."""
        newsock, addr = socket.socket.accept(self)
        wrapped = self._context.wrap_socket(
            newsock,
            do_handshake_on_connect=self.do_handshake_on_connect,
            suppress_ragged_eofs=self.suppress_ragged_eofs,
            server_side=True,
        )
        return wrapped, addr


SSLContext.sslsocket_class = SSLSocket
SSLContext.sslobject_class = SSLObject
