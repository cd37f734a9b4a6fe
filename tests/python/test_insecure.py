"""lucidtls.insecure: verification can be turned off, and every step warns."""

from __future__ import annotations

import warnings

import pytest

import lucidtls
from lucidtls import Certificate, PrivateKey, ServerContext, SigningChain, TLSServerConfiguration, TrustStore
from lucidtls.insecure import (
    InsecureClientContext,
    InsecureServerContext,
    InsecureTLSClientConfiguration,
    SecurityWarning,
    implementation,
)

from ltls_helpers import handshake


def server(pki, cert="untrusted_cert", key="untrusted_key"):
    return ServerContext(TLSServerConfiguration(certificate_chain=[
        SigningChain((Certificate.from_file(getattr(pki, cert)), PrivateKey.from_file(getattr(pki, key))))]))


def test_every_step_warns(pki):
    with pytest.warns(SecurityWarning, match="configuration"):
        cfg = InsecureTLSClientConfiguration(disable_certificate_verification=True)
    with pytest.warns(SecurityWarning, match="context"):
        ctx = InsecureClientContext(cfg)
    with pytest.warns(SecurityWarning, match="buffer"):
        ctx.create_buffer("localhost")
    with pytest.warns(SecurityWarning, match="validating"):
        implementation.validate_config(cfg)
    with pytest.warns(SecurityWarning):
        InsecureServerContext(TLSServerConfiguration(certificate_chain=[
            SigningChain((Certificate.from_file(pki.server_cert), PrivateKey.from_file(pki.server_key)))]))
    assert implementation.client_context is InsecureClientContext
    assert implementation.server_context is InsecureServerContext


@pytest.mark.filterwarnings("ignore::lucidtls.insecure.SecurityWarning")
def test_disabled_verification_accepts_an_untrusted_server(pki):
    ctx = InsecureClientContext(InsecureTLSClientConfiguration(disable_certificate_verification=True))
    c, s = ctx.create_buffer(None), server(pki).create_buffer()
    handshake(c, s)
    assert c.getpeercert() is not None
    # the same server fails with the secure context
    secure = lucidtls.ClientContext(lucidtls.TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file)))
    c, s = secure.create_buffer("localhost"), server(pki).create_buffer()
    with pytest.raises(lucidtls.CertificateVerificationError):
        handshake(c, s)


@pytest.mark.filterwarnings("ignore::lucidtls.insecure.SecurityWarning")
def test_disabled_hostname_check_still_checks_the_chain(pki):
    cfg = InsecureTLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file), disable_hostname_check=True)
    ctx = InsecureClientContext(cfg)
    c, s = ctx.create_buffer("not-the-name.example"), server(pki, "server_cert", "server_key").create_buffer()
    handshake(c, s)
    c, s = ctx.create_buffer("localhost"), server(pki).create_buffer()  # untrusted chain
    with pytest.raises(lucidtls.CertificateVerificationError):
        handshake(c, s)


def test_insecure_configuration_without_flags_is_secure(pki):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SecurityWarning)
        cfg = InsecureTLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file))
    with pytest.warns(SecurityWarning):
        other = InsecureTLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file), disable_hostname_check=True)
    assert cfg != other
    with pytest.warns(SecurityWarning):
        ctx = InsecureClientContext(cfg)
    with pytest.warns(SecurityWarning), pytest.raises(lucidtls.CertificateVerificationError):
        handshake(ctx.create_buffer("localhost"), server(pki).create_buffer())
