"""Insecure TLS for tests and debugging (PEP 748's ``insecure`` module).

A client made here can turn off certificate validation
(``disable_certificate_verification``) or only the host-name check
(``disable_hostname_check``). It then does not know whom it talks to: any
machine on the path can read and change the traffic. Every step (making a
configuration, a context, a buffer or socket, validating with the insecure
implementation) emits a ``SecurityWarning``.

Prefer a trust store holding the self-signed certificate of the device you
talk to (``TrustStore.from_file``) over anything here.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Union

from . import _lucidtls
from ._errors import ConfigurationError
from ._pep748 import (
    CipherSuite,
    ClientContext,
    NextProtocol,
    ServerContext,
    SigningChain,
    TLSBuffer,
    TLSClientConfiguration,
    TLSImplementation,
    TLSServerConfiguration,
    TLSSocket,
    TLSVersion,
    TrustStore,
    validate_config,
)

__all__ = [
    "SecurityWarning",
    "InsecureTLSClientConfiguration",
    "InsecureClientContext",
    "InsecureServerContext",
    "insecure_validate_config",
    "implementation",
]


class SecurityWarning(UserWarning):
    """Emitted at every step of building or using an insecure connection."""


def _warn(what: str) -> None:
    warnings.warn(f"lucidtls.insecure: {what}", SecurityWarning, stacklevel=3)


class InsecureTLSClientConfiguration(TLSClientConfiguration):
    """A client configuration that may disable verification.

    ``disable_certificate_verification`` accepts any certificate chain (the
    peer must still hold the key of the leaf it sends);
    ``disable_hostname_check`` validates the chain but not that it is for
    the server's name.
    """

    __slots__ = ("_disable_certificate_verification", "_disable_hostname_check")

    _disable_certificate_verification: bool
    _disable_hostname_check: bool

    def __init__(
        self,
        certificate_chain: SigningChain | None = None,
        ciphers: Sequence[CipherSuite | int] | None = None,
        inner_protocols: Sequence[NextProtocol | bytes] | None = None,
        lowest_supported_version: TLSVersion | None = None,
        highest_supported_version: TLSVersion | None = None,
        trust_store: TrustStore | None = None,
        *,
        disable_certificate_verification: bool = False,
        disable_hostname_check: bool = False,
    ) -> None:
        super().__init__(
            certificate_chain,
            ciphers,
            inner_protocols,
            lowest_supported_version,
            highest_supported_version,
            trust_store,
        )
        object.__setattr__(self, "_disable_certificate_verification", bool(disable_certificate_verification))
        object.__setattr__(self, "_disable_hostname_check", bool(disable_hostname_check))
        if disable_certificate_verification or disable_hostname_check:
            _warn("a client configuration with verification disabled was created")

    @classmethod
    def _fields(cls) -> tuple[str, ...]:
        return super()._fields() + ("_disable_certificate_verification", "_disable_hostname_check")

    @property
    def disable_certificate_verification(self) -> bool:
        """Whether any certificate chain is accepted."""
        return self._disable_certificate_verification

    @property
    def disable_hostname_check(self) -> bool:
        """Whether the name check is skipped."""
        return self._disable_hostname_check


_AnyConfig = Union[TLSClientConfiguration, TLSServerConfiguration]


def insecure_validate_config(config: _AnyConfig) -> None:
    """``validate_config`` of the insecure implementation (warns)."""
    _warn("validating a configuration for the insecure implementation")
    validate_config(config)


class InsecureClientContext(ClientContext):
    """A client context that honours the ``disable_*`` flags of
    ``InsecureTLSClientConfiguration`` (warns when made and at every
    connection)."""

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
        _warn("an insecure client context was created")
        super().__init__(
            configuration,
            groups=groups,
            signature_schemes=signature_schemes,
            key_share_count=key_share_count,
            record_size_limit=record_size_limit,
            keylog_filename=keylog_filename,
            keylog_callback=keylog_callback,
            provider=provider,
        )

    def _insecure_flags(self) -> int:
        cfg = self.configuration
        if not isinstance(cfg, InsecureTLSClientConfiguration):
            return 0
        if cfg.disable_certificate_verification:
            return int(_lucidtls.INSECURE_NO_VERIFY)
        if cfg.disable_hostname_check:
            return int(_lucidtls.INSECURE_NO_HOSTNAME_CHECK)
        return 0

    def connect(self, address: tuple[str | None, int], *, timeout: float | None = None) -> TLSSocket:
        """As ClientContext.connect (warns)."""
        _warn("connecting with an insecure client context")
        return super().connect(address, timeout=timeout)

    def create_buffer(self, server_hostname: str | None = None) -> TLSBuffer:  # type: ignore[override]
        """As ClientContext.create_buffer; server_hostname may be None without verification (warns)."""
        _warn("creating a buffer with an insecure client context")
        if server_hostname is None and not self._insecure_flags():
            raise ConfigurationError("a verifying client needs server_hostname")
        return TLSBuffer._new(self, self._ctx.connection(server_hostname))


class InsecureServerContext(ServerContext):
    """The server side of the insecure implementation: a normal server
    context (lucidtls has no insecure server settings), which warns like the
    rest of this module."""

    def __init__(self, configuration: TLSServerConfiguration, **kwargs: Any) -> None:
        _warn("a server context of the insecure implementation was created")
        super().__init__(configuration, **kwargs)

    def connect(self, address: tuple[str | None, int]) -> TLSSocket:
        """As ServerContext.connect (warns)."""
        _warn("listening with the insecure implementation")
        return super().connect(address)

    def create_buffer(self) -> TLSBuffer:
        """As ServerContext.create_buffer (warns)."""
        _warn("creating a buffer with the insecure implementation")
        return super().create_buffer()


implementation: TLSImplementation[InsecureClientContext, InsecureServerContext] = TLSImplementation(
    InsecureClientContext, InsecureServerContext, insecure_validate_config
)
