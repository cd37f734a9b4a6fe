"""PEP 748 over lucidtls: configurations, contexts, buffers, sockets.

The concrete classes of the PEP (configurations, certificates, keys, signing
chains, trust stores) are plain immutable values; the contexts turn them into
a lucidtls context (``_lucidtls.Context``) once, at construction, after
``validate_config`` has rejected what lucidtls cannot honour. A ``TLSBuffer``
is a ``_lucidtls.Connection``; a ``TLSSocket`` is a ``_lucidtls.Socket`` (the
blocking socket helper of the C library), or a listening Python socket on the
server side until ``accept``.

Extensions beyond the PEP are keyword-only arguments of the contexts
(``groups``, ``signature_schemes``, ``keylog_filename``, ``keylog_callback``,
``provider``, ``client_auth``, ...) and methods whose names say what they are
(``peer_certificate_chain``, ``export_keying_material``, ``group``,
``key_update``).
"""

from __future__ import annotations

import enum
import os
import socket as _socket
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, Union

from . import _lucidtls
from ._errors import ConfigurationError, RaggedEOF, TLSError, WantReadError

__all__ = [
    "CipherSuite",
    "NextProtocol",
    "TLSVersion",
    "Certificate",
    "PrivateKey",
    "SigningChain",
    "TrustStore",
    "TLSClientConfiguration",
    "TLSServerConfiguration",
    "ClientContext",
    "ServerContext",
    "TLSBuffer",
    "TLSSocket",
    "TLSImplementation",
    "validate_config",
    "implementation",
]

# --------------------------------------------------------------------------- enums


class CipherSuite(enum.IntEnum):
    """Known cipher suites, by IANA code point (PEP 748).

    lucidtls negotiates the TLS 1.3 suites its provider implements; the TLS
    1.2 members exist so that configurations written for other
    implementations can be read (and refused by ``validate_config`` when
    nothing usable is left).
    """

    TLS_AES_128_GCM_SHA256 = 0x1301
    TLS_AES_256_GCM_SHA384 = 0x1302
    TLS_CHACHA20_POLY1305_SHA256 = 0x1303
    TLS_AES_128_CCM_SHA256 = 0x1304
    TLS_AES_128_CCM_8_SHA256 = 0x1305
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM = 0xC0AC
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM = 0xC0AD
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xC0AE
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8 = 0xC0AF
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA8
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA9


class NextProtocol(enum.Enum):
    """Well-known ALPN protocol names (PEP 748)."""

    H2 = b"h2"
    H2C = b"h2c"
    HTTP1 = b"http/1.1"
    WEBRTC = b"webrtc"
    C_WEBRTC = b"c-webrtc"
    FTP = b"ftp"
    STUN = b"stun.nat-discovery"
    TURN = b"stun.turn"


class TLSVersion(enum.Enum):
    """TLS versions (PEP 748). lucidtls speaks TLS 1.3."""

    MINIMUM_SUPPORTED = "MINIMUM_SUPPORTED"
    TLSv1_2 = "TLSv1.2"
    TLSv1_3 = "TLSv1.3"
    MAXIMUM_SUPPORTED = "MAXIMUM_SUPPORTED"


_TLS13_SUITES = frozenset({0x1301, 0x1302, 0x1303, 0x1304, 0x1305})
_WIRE_VERSION = {0x0303: TLSVersion.TLSv1_2, 0x0304: TLSVersion.TLSv1_3}

# ------------------------------------------------------------ certificates, keys


def _bytes_arg(value: Any, what: str) -> bytes:
    if isinstance(value, str):
        raise TypeError(f"{what} must be bytes-like, not str")
    try:
        return bytes(memoryview(value))
    except TypeError:
        raise TypeError(f"{what} must be bytes-like, not {type(value).__name__}") from None


def _path_arg(value: Any, what: str) -> str | bytes:
    try:
        return os.fspath(value)
    except TypeError:
        raise TypeError(f"{what} must be a str or os.PathLike, not {type(value).__name__}") from None


def _no_ids(kind: str) -> ConfigurationError:
    return ConfigurationError(
        f"lucidtls cannot load a {kind} by id (it has no certificate or key store registry); "
        f"use from_buffer() or from_file()"
    )


class Certificate:
    """A certificate given by bytes (PEM or DER) or by a file (PEP 748).

    Nothing is parsed here; a context parses it. A PEM source may hold
    several certificates: as the leaf of a ``SigningChain`` the first is the
    leaf and the others are sent after it.
    """

    __slots__ = ("_buffer", "_path", "_id")

    _buffer: bytes | None
    _path: str | bytes | None
    _id: None

    def __init__(
        self,
        buffer: bytes | None = None,
        path: os.PathLike[str] | str | None = None,
        id: bytes | None = None,
    ) -> None:
        if buffer is None and path is None and id is None:
            raise ValueError("Certificate cannot be empty.")
        if id is not None:
            raise _no_ids("certificate")
        object.__setattr__(self, "_buffer", None if buffer is None else _bytes_arg(buffer, "buffer"))
        object.__setattr__(self, "_path", None if path is None else _path_arg(path, "path"))
        object.__setattr__(self, "_id", None)

    @classmethod
    def from_buffer(cls, buffer: bytes) -> Certificate:
        """A certificate from PEM ("-----BEGIN CERTIFICATE-----") or DER bytes."""
        return cls(buffer=buffer)

    @classmethod
    def from_file(cls, path: os.PathLike[str] | str) -> Certificate:
        """A certificate from a PEM or DER file (read when a context is made)."""
        return cls(path=path)

    @classmethod
    def from_id(cls, id: bytes) -> Certificate:
        """Not supported by lucidtls: raises ConfigurationError."""
        raise _no_ids("certificate")

    def _data(self) -> bytes:
        if self._buffer is not None:
            return self._buffer
        with open(self._path, "rb") as f:  # type: ignore[arg-type]
            return f.read()

    def _load(self) -> list[Any]:
        return _lucidtls.parse_certs(self._data())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Certificate):
            return NotImplemented
        return (self._buffer, self._path) == (other._buffer, other._path)

    def __hash__(self) -> int:
        return hash((Certificate, self._buffer, self._path))

    def __repr__(self) -> str:
        if self._path is not None:
            return f"Certificate.from_file({self._path!r})"
        return f"Certificate.from_buffer(<{len(self._buffer or b'')} bytes>)"


class PrivateKey:
    """A private key given by bytes (PEM or DER) or by a file (PEP 748).

    lucidtls extension: ``password`` (bytes) for encrypted PKCS#8 files.
    Accepted formats: PKCS#8 (plain and PBES2-encrypted), SEC1, PKCS#1.
    """

    __slots__ = ("_buffer", "_path", "_id", "_password")

    _buffer: bytes | None
    _path: str | bytes | None
    _id: None
    _password: bytes | None

    def __init__(
        self,
        buffer: bytes | None = None,
        path: os.PathLike[str] | str | None = None,
        id: bytes | None = None,
        *,
        password: bytes | None = None,
    ) -> None:
        if buffer is None and path is None and id is None:
            raise ValueError("PrivateKey cannot be empty.")
        if id is not None:
            raise _no_ids("private key")
        object.__setattr__(self, "_buffer", None if buffer is None else _bytes_arg(buffer, "buffer"))
        object.__setattr__(self, "_path", None if path is None else _path_arg(path, "path"))
        object.__setattr__(self, "_id", None)
        object.__setattr__(
            self, "_password", None if password is None else _bytes_arg(password, "password")
        )

    @classmethod
    def from_buffer(cls, buffer: bytes, *, password: bytes | None = None) -> PrivateKey:
        """A key from PEM or DER bytes."""
        return cls(buffer=buffer, password=password)

    @classmethod
    def from_file(cls, path: os.PathLike[str] | str, *, password: bytes | None = None) -> PrivateKey:
        """A key from a PEM or DER file (read when a context is made)."""
        return cls(path=path, password=password)

    @classmethod
    def from_id(cls, id: bytes) -> PrivateKey:
        """Not supported by lucidtls: raises ConfigurationError."""
        raise _no_ids("private key")

    def _data(self) -> bytes:
        if self._buffer is not None:
            return self._buffer
        with open(self._path, "rb") as f:  # type: ignore[arg-type]
            return f.read()

    def _load(self, provider: Any) -> Any:
        return _lucidtls.Key(self._data(), self._password, provider)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrivateKey):
            return NotImplemented
        return (self._buffer, self._path, self._password) == (
            other._buffer,
            other._path,
            other._password,
        )

    def __hash__(self) -> int:
        return hash((PrivateKey, self._buffer, self._path, self._password))

    def __repr__(self) -> str:
        # Never the key bytes.
        if self._path is not None:
            return f"PrivateKey.from_file({self._path!r})"
        return "PrivateKey.from_buffer(<secret>)"


class SigningChain:
    """A leaf certificate with its private key, and intermediates (PEP 748).

    A key of None means that the leaf's source (a PEM file or buffer) holds
    the key too. Unlike the PEP's sketch the object is immutable (``chain``
    is a tuple) so that configurations holding it stay hashable.
    """

    __slots__ = ("_leaf", "_chain")

    _leaf: tuple[Certificate, PrivateKey | None]
    _chain: tuple[Certificate, ...]

    def __init__(
        self,
        leaf: tuple[Certificate, PrivateKey | None],
        chain: Sequence[Certificate] | None = None,
    ) -> None:
        if not isinstance(leaf, tuple) or len(leaf) != 2:
            raise TypeError("leaf must be a (Certificate, PrivateKey | None) tuple")
        cert, key = leaf
        if not isinstance(cert, Certificate):
            raise TypeError(f"leaf[0] must be a Certificate, not {type(cert).__name__}")
        if key is not None and not isinstance(key, PrivateKey):
            raise TypeError(f"leaf[1] must be a PrivateKey or None, not {type(key).__name__}")
        chain_t = tuple(chain or ())
        for c in chain_t:
            if not isinstance(c, Certificate):
                raise TypeError(f"chain must hold Certificates, not {type(c).__name__}")
        object.__setattr__(self, "_leaf", (cert, key))
        object.__setattr__(self, "_chain", chain_t)

    @property
    def leaf(self) -> tuple[Certificate, PrivateKey | None]:
        """The leaf certificate and its key (None: in the leaf's PEM)."""
        return self._leaf

    @property
    def chain(self) -> tuple[Certificate, ...]:
        """The intermediates, in order."""
        return self._chain

    def _load(self, provider: Any) -> tuple[list[Any], Any]:
        cert, key = self._leaf
        certs = cert._load()
        for c in self._chain:
            certs.extend(c._load())
        if key is None:
            key_obj = _lucidtls.Key(cert._data(), None, provider)
        else:
            key_obj = key._load(provider)
        return certs, key_obj

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningChain):
            return NotImplemented
        return (self._leaf, self._chain) == (other._leaf, other._chain)

    def __hash__(self) -> int:
        return hash((SigningChain, self._leaf, self._chain))

    def __repr__(self) -> str:
        return f"SigningChain(leaf={self._leaf!r}, chain={list(self._chain)!r})"


_system_cache: dict[tuple[str | None, str | None], Any] = {}
_system_lock = threading.Lock()


class TrustStore:
    """The certificates that anchor validation (PEP 748).

    ``TrustStore.system()`` (or ``TrustStore()``) is the operating system's
    store (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` replace it when set);
    ``from_buffer`` takes PEM text (or one DER certificate); ``from_file``
    takes a PEM bundle, a DER file or a directory of PEM files.
    """

    __slots__ = ("_buffer", "_path", "_id", "_loaded")

    _buffer: bytes | None
    _path: str | bytes | None
    _id: None
    _loaded: Any

    def __init__(
        self,
        buffer: bytes | None = None,
        path: os.PathLike[str] | str | None = None,
        id: bytes | None = None,
    ) -> None:
        if id is not None:
            raise _no_ids("trust store")
        object.__setattr__(self, "_buffer", None if buffer is None else _bytes_arg(buffer, "buffer"))
        object.__setattr__(self, "_path", None if path is None else _path_arg(path, "path"))
        object.__setattr__(self, "_id", None)
        object.__setattr__(self, "_loaded", None)

    @classmethod
    def system(cls) -> TrustStore:
        """The operating system's trust store."""
        return cls()

    @classmethod
    def from_buffer(cls, buffer: bytes) -> TrustStore:
        """A trust store from PEM-encoded certificates (or one DER certificate)."""
        return cls(buffer=buffer)

    @classmethod
    def from_file(cls, path: os.PathLike[str] | str) -> TrustStore:
        """A trust store from a PEM bundle, a DER file or a directory."""
        return cls(path=path)

    @classmethod
    def from_id(cls, id: bytes) -> TrustStore:
        """Not supported by lucidtls: raises ConfigurationError."""
        raise _no_ids("trust store")

    @property
    def is_system(self) -> bool:
        """True for the operating system's store."""
        return self._buffer is None and self._path is None

    def _load(self) -> Any:
        """The C trust store (frozen once a context uses it, so shareable)."""
        if self.is_system:
            key = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
            with _system_lock:
                store = _system_cache.get(key)
                if store is None:
                    store = _lucidtls.TrustStore()
                    store.add_system()
                    _system_cache[key] = store
            return store
        if self._buffer is not None:
            if self._loaded is None:
                store = _lucidtls.TrustStore()
                store.add(self._buffer)
                object.__setattr__(self, "_loaded", store)
            return self._loaded
        store = _lucidtls.TrustStore()
        if os.path.isdir(self._path):  # type: ignore[arg-type]
            store.add_dir(self._path)
        else:
            store.add_file(self._path)
        return store

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TrustStore):
            return NotImplemented
        return (self._buffer, self._path) == (other._buffer, other._path)

    def __hash__(self) -> int:
        return hash((TrustStore, self._buffer, self._path))

    def __repr__(self) -> str:
        if self.is_system:
            return "TrustStore.system()"
        if self._path is not None:
            return f"TrustStore.from_file({self._path!r})"
        return f"TrustStore.from_buffer(<{len(self._buffer or b'')} bytes>)"


# ------------------------------------------------------------------ configurations


def _check_ciphers(ciphers: Any) -> tuple[CipherSuite | int, ...] | None:
    if ciphers is None:
        return None
    if isinstance(ciphers, (str, bytes)):
        raise TypeError("ciphers must be a sequence of CipherSuite or int")
    out: list[CipherSuite | int] = []
    for c in ciphers:
        if isinstance(c, bool) or not isinstance(c, int):
            raise TypeError(f"ciphers must hold CipherSuite or int, not {type(c).__name__}")
        if not 0 <= c <= 0xFFFF:
            raise ValueError(f"cipher suite {c} is not a 16-bit code point")
        try:
            out.append(CipherSuite(c))
        except ValueError:
            out.append(int(c))
    return tuple(out)


def _check_protocols(protocols: Any) -> tuple[NextProtocol | bytes, ...]:
    if protocols is None:
        return ()
    if isinstance(protocols, (str, bytes)):
        raise TypeError("inner_protocols must be a sequence of NextProtocol or bytes")
    out: list[NextProtocol | bytes] = []
    for p in protocols:
        if isinstance(p, NextProtocol):
            out.append(p)
        elif isinstance(p, (bytes, bytearray)):
            if not 1 <= len(p) <= 255:
                raise ValueError("a protocol name has 1 to 255 bytes")
            try:
                out.append(NextProtocol(bytes(p)))
            except ValueError:
                out.append(bytes(p))
        else:
            raise TypeError(f"inner_protocols must hold NextProtocol or bytes, not {type(p).__name__}")
    return tuple(out)


def _check_version(v: Any, what: str) -> TLSVersion | None:
    if v is not None and not isinstance(v, TLSVersion):
        raise TypeError(f"{what} must be a TLSVersion or None, not {type(v).__name__}")
    return v


class _Configuration:
    __slots__ = ()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, s) for s in self._fields())

    @classmethod
    def _fields(cls) -> tuple[str, ...]:
        return (
            "_certificate_chain",
            "_ciphers",
            "_inner_protocols",
            "_lowest_supported_version",
            "_highest_supported_version",
            "_trust_store",
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self),) + self._key())

    def __repr__(self) -> str:
        args = ", ".join(f"{f[1:]}={getattr(self, f)!r}" for f in self._fields())
        return f"{type(self).__name__}({args})"

    @property
    def ciphers(self) -> Sequence[CipherSuite | int] | None:
        return self._ciphers  # type: ignore[attr-defined,no-any-return]

    @property
    def inner_protocols(self) -> Sequence[NextProtocol | bytes]:
        return self._inner_protocols  # type: ignore[attr-defined,no-any-return]

    @property
    def lowest_supported_version(self) -> TLSVersion | None:
        return self._lowest_supported_version  # type: ignore[attr-defined,no-any-return]

    @property
    def highest_supported_version(self) -> TLSVersion | None:
        return self._highest_supported_version  # type: ignore[attr-defined,no-any-return]

    @property
    def trust_store(self) -> TrustStore | None:
        return self._trust_store  # type: ignore[attr-defined,no-any-return]


class TLSClientConfiguration(_Configuration):
    """The configuration of a TLS client (PEP 748): immutable, hashable.

    ``trust_store=None`` verifies against the system store. A
    ``certificate_chain`` is sent when the server asks for a certificate.
    """

    __slots__ = (
        "_certificate_chain",
        "_ciphers",
        "_inner_protocols",
        "_lowest_supported_version",
        "_highest_supported_version",
        "_trust_store",
    )

    _certificate_chain: SigningChain | None

    def __init__(
        self,
        certificate_chain: SigningChain | None = None,
        ciphers: Sequence[CipherSuite | int] | None = None,
        inner_protocols: Sequence[NextProtocol | bytes] | None = None,
        lowest_supported_version: TLSVersion | None = None,
        highest_supported_version: TLSVersion | None = None,
        trust_store: TrustStore | None = None,
    ) -> None:
        if certificate_chain is not None and not isinstance(certificate_chain, SigningChain):
            raise TypeError("certificate_chain must be a SigningChain or None")
        if trust_store is not None and not isinstance(trust_store, TrustStore):
            raise TypeError("trust_store must be a TrustStore or None")
        set_ = object.__setattr__
        set_(self, "_certificate_chain", certificate_chain)
        set_(self, "_ciphers", _check_ciphers(ciphers))
        set_(self, "_inner_protocols", _check_protocols(inner_protocols))
        set_(self, "_lowest_supported_version", _check_version(lowest_supported_version, "lowest_supported_version"))
        set_(self, "_highest_supported_version", _check_version(highest_supported_version, "highest_supported_version"))
        set_(self, "_trust_store", trust_store)

    @property
    def certificate_chain(self) -> SigningChain | None:
        """The client's signing chain, sent when a server asks."""
        return self._certificate_chain


class TLSServerConfiguration(_Configuration):
    """The configuration of a TLS server (PEP 748): immutable, hashable.

    ``certificate_chain`` is a sequence of signing chains: lucidtls picks one
    per connection by SNI and by the client's signature algorithms. A
    ``trust_store`` makes client certificates required (PEP 748).
    """

    __slots__ = (
        "_certificate_chain",
        "_ciphers",
        "_inner_protocols",
        "_lowest_supported_version",
        "_highest_supported_version",
        "_trust_store",
    )

    _certificate_chain: tuple[SigningChain, ...] | None

    def __init__(
        self,
        certificate_chain: Sequence[SigningChain] | None = None,
        ciphers: Sequence[CipherSuite | int] | None = None,
        inner_protocols: Sequence[NextProtocol | bytes] | None = None,
        lowest_supported_version: TLSVersion | None = None,
        highest_supported_version: TLSVersion | None = None,
        trust_store: TrustStore | None = None,
    ) -> None:
        chains: tuple[SigningChain, ...] | None = None
        if certificate_chain is not None:
            if isinstance(certificate_chain, SigningChain):
                raise TypeError("certificate_chain of a server is a sequence of SigningChain")
            chains = tuple(certificate_chain)
            for c in chains:
                if not isinstance(c, SigningChain):
                    raise TypeError(f"certificate_chain must hold SigningChain, not {type(c).__name__}")
        if trust_store is not None and not isinstance(trust_store, TrustStore):
            raise TypeError("trust_store must be a TrustStore or None")
        set_ = object.__setattr__
        set_(self, "_certificate_chain", chains)
        set_(self, "_ciphers", _check_ciphers(ciphers))
        set_(self, "_inner_protocols", _check_protocols(inner_protocols))
        set_(self, "_lowest_supported_version", _check_version(lowest_supported_version, "lowest_supported_version"))
        set_(self, "_highest_supported_version", _check_version(highest_supported_version, "highest_supported_version"))
        set_(self, "_trust_store", trust_store)

    @property
    def certificate_chain(self) -> Sequence[SigningChain] | None:
        """The server's signing chains."""
        return self._certificate_chain


# --------------------------------------------------------------------- validation

_Config = Union[TLSClientConfiguration, TLSServerConfiguration]


def _usable_suites(config: _Config, provider: Any = None) -> list[int] | None:
    """The TLS 1.3 suites to configure (None: lucidtls's defaults)."""
    if config.ciphers is None:
        return None
    prov = _lucidtls.default_provider() if provider is None else _lucidtls.Provider(provider) if isinstance(provider, str) else provider
    have = {code for code, _ in prov.suites()}
    usable: list[int] = []
    for c in config.ciphers:
        code = int(c)
        if code in _TLS13_SUITES:
            if code in have:
                usable.append(code)
        elif not isinstance(c, CipherSuite) and _lucidtls.suite_name(code) is None:
            raise ConfigurationError(f"unknown cipher suite 0x{code:04x}")
    if not usable:
        raise ConfigurationError(
            "none of the configured cipher suites can be used: lucidtls speaks TLS 1.3 with "
            + ", ".join(name for _, name in prov.suites())
        )
    return usable


def validate_config(config: _Config) -> None:
    """Raises if lucidtls cannot honour ``config`` (PEP 748).

    Refused: anything loaded by id, TLS 1.2 as a named bound (lucidtls speaks
    TLS 1.3 only, for now), a version range that excludes TLS 1.3, cipher
    suites lucidtls does not know or a list with no usable TLS 1.3 suite, a
    server without a signing chain.
    """
    if not isinstance(config, (TLSClientConfiguration, TLSServerConfiguration)):
        raise TypeError(
            f"expected a TLSClientConfiguration or TLSServerConfiguration, not {type(config).__name__}"
        )
    low, high = config.lowest_supported_version, config.highest_supported_version
    for what, v in (("lowest_supported_version", low), ("highest_supported_version", high)):
        if v is TLSVersion.TLSv1_2:
            raise ConfigurationError(
                f"{what}=TLSv1.2: lucidtls supports TLS 1.3 only (TLS 1.2 is not implemented yet)"
            )
    if high is TLSVersion.MINIMUM_SUPPORTED and low is TLSVersion.MAXIMUM_SUPPORTED:
        raise ConfigurationError("the version range is empty")
    _usable_suites(config)
    chains: Sequence[SigningChain] = ()
    if isinstance(config, TLSClientConfiguration):
        if config.certificate_chain is not None:
            chains = (config.certificate_chain,)
    else:
        chains = config.certificate_chain or ()
        if not chains:
            raise ConfigurationError("a server configuration needs at least one signing chain")
    for chain in chains:
        for c in (chain.leaf[0],) + tuple(chain.chain):
            if getattr(c, "_id", None) is not None:
                raise _no_ids("certificate")
        if chain.leaf[1] is not None and getattr(chain.leaf[1], "_id", None) is not None:
            raise _no_ids("private key")
    if config.trust_store is not None and getattr(config.trust_store, "_id", None) is not None:
        raise _no_ids("trust store")


# ------------------------------------------------------------------------ contexts


def _alpn_list(config: _Config) -> list[bytes] | None:
    if not config.inner_protocols:
        return None
    return [p.value if isinstance(p, NextProtocol) else p for p in config.inner_protocols]


def _keylog(filename: Any, callback: Any) -> Callable[[str], None] | None:
    if filename is not None and callback is not None:
        raise ValueError("give keylog_filename or keylog_callback, not both")
    if callback is not None:
        if not callable(callback):
            raise TypeError("keylog_callback must be callable")
        return callback  # type: ignore[no-any-return]
    if filename is None:
        return None
    path = os.fspath(filename)
    lock = threading.Lock()

    def write(line: str) -> None:
        # Appended line by line, like OpenSSL's SSLKEYLOGFILE, so that several
        # contexts and processes can share one file.
        with lock, open(path, "a", encoding="ascii") as f:
            f.write(line + "\n")

    return write


def _names_to_codes(names: Any, lookup: Callable[[int], str | None], provider_list: list[tuple[int, str]], what: str) -> list[int] | None:
    if names is None:
        return None
    by_name = {name.lower(): code for code, name in provider_list}
    out: list[int] = []
    for n in names:
        if isinstance(n, str):
            code = by_name.get(n.lower())
            if code is None:
                raise ConfigurationError(f"unknown {what} '{n}' (have: {', '.join(sorted(by_name))})")
            out.append(code)
        elif isinstance(n, int) and not isinstance(n, bool):
            out.append(int(n))
        else:
            raise TypeError(f"{what} must be names (str) or code points (int)")
    return out


class _ContextBase:
    _server = False

    def _build(
        self,
        config: _Config,
        *,
        chains: Sequence[SigningChain],
        client_auth: int,
        groups: Any,
        signature_schemes: Any,
        keylog_filename: Any,
        keylog_callback: Any,
        provider: Any,
        key_share_count: int | None,
        record_size_limit: int | None,
        insecure: int = 0,
    ) -> Any:
        prov = _lucidtls.default_provider() if provider is None else (
            _lucidtls.Provider(provider) if isinstance(provider, str) else provider
        )
        loaded = [c._load(prov) for c in chains]
        trust = None
        if config.trust_store is not None:
            trust = config.trust_store._load()
        elif not self._server and not (insecure & _lucidtls.INSECURE_NO_VERIFY):
            trust = TrustStore.system()._load()
        return _lucidtls.Context(
            self._server,
            provider=prov,
            trust=trust,
            chains=loaded,
            client_auth=client_auth,
            suites=_usable_suites(config, prov),
            groups=_names_to_codes(groups, _lucidtls.group_name, prov.groups(), "group"),
            sigschemes=_names_to_codes(signature_schemes, _lucidtls.sigscheme_name, prov.sigschemes(), "signature scheme"),
            alpn=_alpn_list(config),
            min_version=0,
            max_version=0,
            key_share_count=key_share_count or 0,
            record_size_limit=record_size_limit or 0,
            keylog=_keylog(keylog_filename, keylog_callback),
            insecure=insecure,
        )


_CLIENT_AUTH = {
    "none": _lucidtls.CLIENT_AUTH_NONE,
    "optional": _lucidtls.CLIENT_AUTH_OPTIONAL,
    "required": _lucidtls.CLIENT_AUTH_REQUIRED,
}


class ClientContext(_ContextBase):
    """A TLS client context (PEP 748), immutable and shareable between threads.

    lucidtls extensions (keyword-only): ``groups`` (names such as
    ``"x25519"`` or code points, preference order), ``signature_schemes``,
    ``key_share_count``, ``record_size_limit``, ``keylog_filename`` (NSS
    key-log lines appended to a file) or ``keylog_callback``, ``provider``
    (a built-in crypto provider's name).
    """

    _server = False

    def __init__(
        self,
        configuration: TLSClientConfiguration,
        *,
        groups: Sequence[str | int] | None = None,
        signature_schemes: Sequence[str | int] | None = None,
        key_share_count: int | None = None,
        record_size_limit: int | None = None,
        keylog_filename: str | os.PathLike[str] | None = None,
        keylog_callback: Callable[[str], None] | None = None,
        provider: str | None = None,
    ) -> None:
        if not isinstance(configuration, TLSClientConfiguration):
            raise TypeError("ClientContext needs a TLSClientConfiguration")
        self._configuration = configuration
        self._validate(configuration)
        chains = [configuration.certificate_chain] if configuration.certificate_chain else []
        self._ctx = self._build(
            configuration,
            chains=chains,
            client_auth=0,
            groups=groups,
            signature_schemes=signature_schemes,
            keylog_filename=keylog_filename,
            keylog_callback=keylog_callback,
            provider=provider,
            key_share_count=key_share_count,
            record_size_limit=record_size_limit,
            insecure=self._insecure_flags(),
        )

    def _validate(self, configuration: TLSClientConfiguration) -> None:
        validate_config(configuration)

    def _insecure_flags(self) -> int:
        return 0

    @property
    def configuration(self) -> TLSClientConfiguration:
        """The configuration this context was made from."""
        return self._configuration

    def connect(self, address: tuple[str | None, int], *, timeout: float | None = None) -> TLSSocket:
        """Connects to ``address`` = (host, port) and completes the handshake.

        The host is also the name the certificate must match (and the SNI).
        lucidtls extension: ``timeout`` in seconds (None: no limit).
        """
        host, port = _address(address)
        if host is None:
            host = "localhost"
        sock = _lucidtls.socket_connect(self._ctx, host, port, None, timeout)
        return TLSSocket._from_c(self, sock)

    def create_buffer(self, server_hostname: str) -> TLSBuffer:
        """A new in-memory connection to ``server_hostname`` (PEP 748 TLSBuffer)."""
        if server_hostname is not None and not isinstance(server_hostname, str):
            raise TypeError("server_hostname must be a str")
        return TLSBuffer._new(self, self._ctx.connection(server_hostname))


class ServerContext(_ContextBase):
    """A TLS server context (PEP 748), immutable and shareable between threads.

    With a trust store in the configuration, clients must present a
    certificate that chains to it (PEP 748); lucidtls extension
    ``client_auth="optional"`` asks for one without requiring it. Other
    extensions as ``ClientContext``.
    """

    _server = True

    def __init__(
        self,
        configuration: TLSServerConfiguration,
        *,
        client_auth: str | None = None,
        groups: Sequence[str | int] | None = None,
        signature_schemes: Sequence[str | int] | None = None,
        record_size_limit: int | None = None,
        keylog_filename: str | os.PathLike[str] | None = None,
        keylog_callback: Callable[[str], None] | None = None,
        provider: str | None = None,
    ) -> None:
        if not isinstance(configuration, TLSServerConfiguration):
            raise TypeError("ServerContext needs a TLSServerConfiguration")
        validate_config(configuration)
        if client_auth is None:
            client_auth = "required" if configuration.trust_store is not None else "none"
        if client_auth not in _CLIENT_AUTH:
            raise ValueError("client_auth must be 'none', 'optional' or 'required'")
        if client_auth != "none" and configuration.trust_store is None:
            raise ConfigurationError("client certificates need a trust_store in the configuration")
        if client_auth == "none" and configuration.trust_store is not None:
            raise ConfigurationError(
                "a server configuration with a trust store requires client certificates "
                "(PEP 748); drop the trust store to ask for none"
            )
        self._configuration = configuration
        self._ctx = self._build(
            configuration,
            chains=configuration.certificate_chain or (),
            client_auth=_CLIENT_AUTH[client_auth],
            groups=groups,
            signature_schemes=signature_schemes,
            keylog_filename=keylog_filename,
            keylog_callback=keylog_callback,
            provider=provider,
            key_share_count=None,
            record_size_limit=record_size_limit,
        )

    @property
    def configuration(self) -> TLSServerConfiguration:
        """The configuration this context was made from."""
        return self._configuration

    def connect(self, address: tuple[str | None, int]) -> TLSSocket:
        """A server socket bound to ``address``; call ``listen`` then ``accept``."""
        host, port = _address(address)
        infos = _socket.getaddrinfo(host, port, type=_socket.SOCK_STREAM, flags=_socket.AI_PASSIVE)
        family, type_, proto, _, sockaddr = infos[0]
        lsock = _socket.socket(family, type_, proto)
        try:
            lsock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
            lsock.bind(sockaddr)
        except BaseException:
            lsock.close()
            raise
        return TLSSocket._listening(self, lsock)

    def create_buffer(self) -> TLSBuffer:
        """A new in-memory server connection (PEP 748 TLSBuffer)."""
        return TLSBuffer._new(self, self._ctx.connection(None))


def _address(address: Any) -> tuple[str | None, int]:
    if not isinstance(address, tuple) or len(address) != 2:
        raise TypeError("address must be a (host, port) tuple")
    host, port = address
    if host is not None and not isinstance(host, str):
        raise TypeError("host must be a str or None")
    if isinstance(port, bool) or not isinstance(port, int):
        raise TypeError("port must be an int")
    if not 0 <= port <= 65535:
        raise OverflowError("port must be 0-65535")
    return host, port


# ------------------------------------------------------------------ buffer, socket


def _cipher(info: dict[str, Any]) -> CipherSuite | int | None:
    code = info["suite"]
    if code is None:
        return None
    try:
        return CipherSuite(code)
    except ValueError:
        return int(code)


def _protocol(info: dict[str, Any]) -> NextProtocol | bytes | None:
    p = info["alpn"]
    if p is None:
        return None
    try:
        return NextProtocol(p)
    except ValueError:
        return bytes(p)


def _version(info: dict[str, Any]) -> TLSVersion | None:
    v = info["version"]
    return None if v is None else _WIRE_VERSION.get(v)


class TLSBuffer:
    """An in-memory TLS connection (PEP 748); made by a context's ``create_buffer``.

    Network bytes go in with ``process_incoming`` (``b""`` means the
    transport reached EOF) and come out with ``process_outgoing``; after
    every call, send what ``outgoing_bytes_buffered`` reports.
    """

    __slots__ = ("_context", "_conn")

    _context: Any
    _conn: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("TLSBuffer is made by ClientContext/ServerContext.create_buffer()")

    @classmethod
    def _new(cls, context: Any, conn: Any) -> TLSBuffer:
        self = object.__new__(cls)
        self._context = context
        self._conn = conn
        return self

    @property
    def context(self) -> ClientContext | ServerContext:
        """The context this buffer belongs to."""
        return self._context  # type: ignore[no-any-return]

    def read(self, amt: int, buffer: Any = None) -> bytes | int:
        """Up to ``amt`` bytes of application data (into ``buffer`` if given,
        returning the count). Short reads happen. ``b""`` / 0 once the peer
        closed with close_notify; RaggedEOF if the transport ended without
        it; WantReadError when more network input is needed."""
        if isinstance(amt, bool) or not isinstance(amt, int):
            raise TypeError("amt must be an int")
        return self._conn.read(amt, buffer)  # type: ignore[no-any-return]

    def write(self, buf: Any) -> int:
        """Encrypts application data; returns how much was taken (short
        writes happen). Data written before the handshake completes is sent
        once it does."""
        return self._conn.write(buf)  # type: ignore[no-any-return]

    def do_handshake(self) -> None:
        """Performs the handshake, certificate validation and name check."""
        self._conn.handshake()

    def cipher(self) -> CipherSuite | int | None:
        """The negotiated cipher suite, None before the handshake."""
        return _cipher(self._conn.info())

    def negotiated_protocol(self) -> NextProtocol | bytes | None:
        """The ALPN protocol agreed on, None if none."""
        return _protocol(self._conn.info())

    @property
    def negotiated_tls_version(self) -> TLSVersion | None:
        """The TLS version of the connection, None before the handshake."""
        return _version(self._conn.info())

    def shutdown(self) -> None:
        """Sends close_notify (reading stays possible until the peer's)."""
        self._conn.shutdown()

    def process_incoming(self, data_from_network: bytes) -> None:
        """Stores network bytes (``b""``: the transport reached EOF). All are
        stored, or none with WantReadError when the buffer is full."""
        if isinstance(data_from_network, str):
            raise TypeError("data_from_network must be bytes-like, not str")
        if len(memoryview(data_from_network)) == 0:
            self._conn.feed_eof()
        else:
            self._conn.feed(data_from_network)

    def incoming_bytes_buffered(self) -> int:
        """Network bytes received and not yet processed."""
        return self._conn.incoming_buffered()  # type: ignore[no-any-return]

    def process_outgoing(self, amount_bytes_for_network: int) -> bytes:
        """Takes up to the given number of bytes to send to the network."""
        if isinstance(amount_bytes_for_network, bool) or not isinstance(amount_bytes_for_network, int):
            raise TypeError("amount_bytes_for_network must be an int")
        if amount_bytes_for_network < 0:
            raise ValueError("amount_bytes_for_network must be >= 0")
        return self._conn.outgoing(amount_bytes_for_network)  # type: ignore[no-any-return]

    def outgoing_bytes_buffered(self) -> int:
        """Network bytes waiting to be sent."""
        return self._conn.outgoing_buffered()  # type: ignore[no-any-return]

    def getpeercert(self) -> bytes | None:
        """The peer's certificate (DER), None if it sent none."""
        certs = self._conn.peer_certs()
        return certs[0] if certs else None

    # --- lucidtls extensions ---

    def peer_certificate_chain(self) -> list[bytes]:
        """Every certificate the peer sent (DER, leaf first)."""
        return self._conn.peer_certs()  # type: ignore[no-any-return]

    def export_keying_material(self, label: bytes, length: int, context: bytes | None = None) -> bytes:
        """The TLS exporter (RFC 8446 §7.5)."""
        return self._conn.export_keying_material(label, length, context)  # type: ignore[no-any-return]

    def group(self) -> str | None:
        """The key-exchange group used, None before the handshake."""
        return self._conn.info()["group_name"]  # type: ignore[no-any-return]

    def server_name(self) -> str | None:
        """Server side: the SNI the client sent."""
        return self._conn.info()["server_name"]  # type: ignore[no-any-return]

    def key_update(self, request_peer: bool = False) -> None:
        """Sends a KeyUpdate (and asks the peer for one if request_peer)."""
        self._conn.key_update(request_peer)

    @property
    def handshake_done(self) -> bool:
        """True once the handshake is complete."""
        return self._conn.handshake_done  # type: ignore[no-any-return]


class TLSSocket:
    """A blocking TLS socket (PEP 748); made by a context's ``connect``.

    Client sockets are connected and past the handshake. A server's
    ``connect`` gives a bound socket: ``listen``, then ``accept`` gives
    connected TLSSockets (each past its handshake).
    """

    __slots__ = ("_context", "_sock", "_listener", "_closing", "_accept_timeout", "__weakref__")

    _context: Any
    _sock: Any
    _listener: _socket.socket | None
    _closing: bool
    _accept_timeout: float | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("TLSSocket is made by ClientContext.connect() / ServerContext.connect()")

    @classmethod
    def _from_c(cls, context: Any, sock: Any) -> TLSSocket:
        self = object.__new__(cls)
        self._context = context
        self._sock = sock
        self._listener = None
        self._closing = False
        return self

    @classmethod
    def _listening(cls, context: Any, lsock: _socket.socket) -> TLSSocket:
        self = object.__new__(cls)
        self._context = context
        self._sock = None
        # The socket helper polls a non-blocking listener, which is what lets
        # accept() honour its timeout.
        lsock.setblocking(False)
        self._listener = lsock
        self._closing = False
        self._accept_timeout = None
        return self

    def _conn(self) -> Any:
        if self._sock is None:
            raise OSError("not a connected TLS socket")
        return self._sock

    @property
    def context(self) -> ClientContext | ServerContext:
        """The context this socket belongs to."""
        return self._context  # type: ignore[no-any-return]

    def recv(self, bufsize: int) -> bytes:
        """Up to ``bufsize`` bytes; ``b""`` once the peer sent close_notify;
        RaggedEOF if the connection ended without it."""
        return self._conn().recv(bufsize)  # type: ignore[no-any-return]

    def send(self, bytes: bytes) -> int:
        """Sends all of ``bytes``; returns the count."""
        return self._conn().send(bytes)  # type: ignore[no-any-return]

    def sendall(self, data: bytes) -> None:
        """As send (which already sends everything)."""
        self._conn().send(data)

    def close(self, force: bool = False) -> None:
        """Sends close_notify and closes.

        ``force=False`` then waits for the peer's close_notify (discarding
        any application data still arriving): on a non-blocking socket
        (timeout 0) it raises WantReadError until that arrives, as PEP 748
        says. ``force=True`` sends close_notify and does not wait.
        """
        if self._listener is not None:
            self._listener.close()
            return
        if self._sock is None or self._sock.closed:
            return
        s = self._sock
        if s.error is not None:
            s.close(True)  # a failed connection sends nothing more
            return
        if force:
            # close_notify (unless already sent), without waiting for the peer
            s.close(self._closing)
            return
        if not self._closing:
            s.shutdown()
            self._closing = True
        try:
            while s.recv(16384):
                pass
        except WantReadError:
            raise
        except (RaggedEOF, TLSError):
            pass
        s.close(True)  # close_notify was sent above

    def listen(self, backlog: int = 128) -> None:
        """Starts accepting connections (server sockets)."""
        if self._listener is None:
            raise OSError("listen() is for server sockets")
        self._listener.listen(backlog)

    def accept(self, *, timeout: float | None = None) -> tuple[TLSSocket, tuple[str | None, int]]:
        """Waits for a client and completes its handshake (``timeout`` in
        seconds, else the one of ``settimeout``; None waits for ever)."""
        if self._listener is None:
            raise OSError("accept() is for server sockets")
        if timeout is None:
            timeout = self._accept_timeout
        sock = _lucidtls.socket_accept(self._context._ctx, self._listener.fileno(), timeout)
        conn = TLSSocket._from_c(self._context, sock)
        return conn, tuple(sock.getpeername())  # type: ignore[return-value]

    def getsockname(self) -> tuple[str | None, int]:
        """The local (host, port)."""
        if self._listener is not None:
            return tuple(self._listener.getsockname()[:2])  # type: ignore[return-value]
        return tuple(self._conn().getsockname())  # type: ignore[return-value]

    def getpeername(self) -> tuple[str | None, int]:
        """The peer's (host, port)."""
        return tuple(self._conn().getpeername())  # type: ignore[return-value]

    def getpeercert(self) -> bytes | None:
        """The peer's certificate (DER), None if it sent none."""
        certs = self._conn().peer_certs()
        return certs[0] if certs else None

    def cipher(self) -> CipherSuite | int | None:
        """The negotiated cipher suite."""
        return _cipher(self._conn().info())

    def negotiated_protocol(self) -> NextProtocol | bytes | None:
        """The ALPN protocol agreed on, None if none."""
        return _protocol(self._conn().info())

    @property
    def negotiated_tls_version(self) -> TLSVersion | None:
        """The TLS version of the connection."""
        return _version(self._conn().info())

    # --- lucidtls extensions ---

    def fileno(self) -> int:
        """The descriptor (-1 once closed)."""
        if self._listener is not None:
            return self._listener.fileno()
        return -1 if self._sock is None else self._sock.fileno()  # type: ignore[no-any-return]

    def settimeout(self, timeout: float | None) -> None:
        """Seconds per call (None: block, 0: non-blocking)."""
        if self._listener is not None:
            self._accept_timeout = timeout
        else:
            self._conn().settimeout(timeout)

    def gettimeout(self) -> float | None:
        """The timeout in seconds, None when blocking."""
        if self._listener is not None:
            return self._accept_timeout
        return self._conn().gettimeout()  # type: ignore[no-any-return]

    def peer_certificate_chain(self) -> list[bytes]:
        """Every certificate the peer sent (DER, leaf first)."""
        return self._conn().peer_certs()  # type: ignore[no-any-return]

    def export_keying_material(self, label: bytes, length: int, context: bytes | None = None) -> bytes:
        """The TLS exporter (RFC 8446 §7.5)."""
        return self._conn().export_keying_material(label, length, context)  # type: ignore[no-any-return]

    def group(self) -> str | None:
        """The key-exchange group used."""
        return self._conn().info()["group_name"]  # type: ignore[no-any-return]

    def key_update(self, request_peer: bool = False) -> None:
        """Sends a KeyUpdate (and asks the peer for one if request_peer)."""
        self._conn().key_update(request_peer)

    def __enter__(self) -> TLSSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(force=exc[0] is not None)


# ------------------------------------------------------------------ implementation

_ClientContext = TypeVar("_ClientContext")
_ServerContext = TypeVar("_ServerContext")


class TLSImplementation(Generic[_ClientContext, _ServerContext]):
    """What a TLS implementation provides (PEP 748): its context types and
    its configuration check."""

    __slots__ = ("_client_context", "_server_context", "_validate_config")

    def __init__(
        self,
        client_context: type[_ClientContext],
        server_context: type[_ServerContext],
        validate_config: Callable[[_Config], None],
    ) -> None:
        self._client_context = client_context
        self._server_context = server_context
        self._validate_config = validate_config

    @property
    def client_context(self) -> type[_ClientContext]:
        """The client context class."""
        return self._client_context

    @property
    def server_context(self) -> type[_ServerContext]:
        """The server context class."""
        return self._server_context

    @property
    def validate_config(self) -> Callable[[_Config], None]:
        """Raises if this implementation cannot honour a configuration."""
        return self._validate_config


implementation: TLSImplementation[ClientContext, ServerContext] = TLSImplementation(
    ClientContext, ServerContext, validate_config
)
