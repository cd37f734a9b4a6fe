"""PEP 748 values: configurations, certificates, keys, trust stores, enums,
errors and the implementation object, without a connection."""

from __future__ import annotations

import ssl

import pytest

import lucidtls
from lucidtls import (
    Certificate,
    CipherSuite,
    ConfigurationError,
    NextProtocol,
    PrivateKey,
    SigningChain,
    TLSClientConfiguration,
    TLSServerConfiguration,
    TLSVersion,
    TrustStore,
)


def chain(pki, cert=None, key=None):
    return SigningChain((Certificate.from_file(cert or pki.server_cert), PrivateKey.from_file(key or pki.server_key)))


def test_enums_have_the_pep_values():
    assert CipherSuite.TLS_AES_128_GCM_SHA256 == 0x1301
    assert CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 == 0xCCA9
    assert len(CipherSuite) == 15
    assert NextProtocol.HTTP1.value == b"http/1.1"
    assert NextProtocol.STUN.value == b"stun.nat-discovery"
    assert [v.value for v in TLSVersion] == ["MINIMUM_SUPPORTED", "TLSv1.2", "TLSv1.3", "MAXIMUM_SUPPORTED"]


def test_client_configuration_is_immutable_hashable_comparable(pki):
    ts = TrustStore.from_file(pki.ca_file)
    a = TLSClientConfiguration(ciphers=[CipherSuite.TLS_AES_128_GCM_SHA256], inner_protocols=[b"h2", NextProtocol.HTTP1], trust_store=ts)
    b = TLSClientConfiguration(ciphers=[0x1301], inner_protocols=[NextProtocol.H2, b"http/1.1"], trust_store=TrustStore.from_file(pki.ca_file))
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert a != TLSClientConfiguration(trust_store=ts)
    assert a.inner_protocols == (NextProtocol.H2, NextProtocol.HTTP1)  # known names become the enum
    assert a.ciphers == (CipherSuite.TLS_AES_128_GCM_SHA256,)
    with pytest.raises(AttributeError):
        a._ciphers = None  # type: ignore[misc]
    with pytest.raises(AttributeError):
        a.trust_store = None  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del a._trust_store
    assert TLSClientConfiguration() != TLSServerConfiguration()


def test_configuration_defaults_follow_the_pep():
    c = TLSClientConfiguration()
    assert c.certificate_chain is None and c.ciphers is None and c.inner_protocols == ()
    assert c.lowest_supported_version is None and c.highest_supported_version is None and c.trust_store is None


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        (dict(ciphers="TLS_AES_128_GCM_SHA256"), TypeError),
        (dict(ciphers=[1.5]), TypeError),
        (dict(ciphers=[0x10000]), ValueError),
        (dict(inner_protocols=[b""]), ValueError),
        (dict(inner_protocols=[b"x" * 256]), ValueError),
        (dict(inner_protocols=["h2"]), TypeError),
        (dict(lowest_supported_version="TLSv1.3"), TypeError),
        (dict(trust_store=b"pem"), TypeError),
        (dict(certificate_chain=[]), TypeError),
    ],
)
def test_client_configuration_checks_types(kwargs, exc):
    with pytest.raises(exc):
        TLSClientConfiguration(**kwargs)


def test_server_configuration_takes_a_sequence_of_chains(pki):
    one = chain(pki)
    with pytest.raises(TypeError):
        TLSServerConfiguration(certificate_chain=one)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        TLSServerConfiguration(certificate_chain=[object()])  # type: ignore[list-item]
    cfg = TLSServerConfiguration(certificate_chain=[one, chain(pki, pki.rsa_cert, pki.rsa_key)])
    assert len(cfg.certificate_chain) == 2
    assert hash(cfg) == hash(TLSServerConfiguration(certificate_chain=[chain(pki), chain(pki, pki.rsa_cert, pki.rsa_key)]))


def test_certificate_key_and_store_constructors(pki):
    assert Certificate.from_buffer(pki.server_pem) == Certificate(buffer=bytearray(pki.server_pem))
    assert Certificate.from_file(pki.server_cert) == Certificate(path=str(pki.server_cert))
    assert Certificate.from_file(pki.server_cert) != Certificate.from_buffer(pki.server_pem)
    with pytest.raises(ValueError):
        Certificate()
    with pytest.raises(ValueError):
        PrivateKey()
    with pytest.raises(TypeError):
        Certificate.from_buffer("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Certificate.from_file(42)  # type: ignore[arg-type]
    assert TrustStore() == TrustStore.system() and TrustStore.system().is_system
    assert "secret" in repr(PrivateKey.from_buffer(pki.server_key_pem))
    assert b"PRIVATE" not in repr(PrivateKey.from_buffer(pki.server_key_pem)).encode()


@pytest.mark.parametrize("make", [
    lambda: Certificate.from_id(b"cert-1"),
    lambda: PrivateKey.from_id(b"key-1"),
    lambda: TrustStore.from_id(b"store-1"),
    lambda: Certificate(id=b"x"),
    lambda: TrustStore(id=b"x"),
])
def test_from_id_is_a_configuration_error(make):
    with pytest.raises(ConfigurationError, match="by id"):
        make()


def test_signing_chain_checks_and_hashes(pki):
    c, k = Certificate.from_file(pki.server_cert), PrivateKey.from_file(pki.server_key)
    with pytest.raises(TypeError):
        SigningChain([c, k])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SigningChain((k, c))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SigningChain((c, k), [k])  # type: ignore[list-item]
    s = SigningChain((c, k), [Certificate.from_file(pki.ca_file)])
    assert s.leaf == (c, k) and s.chain == (Certificate.from_file(pki.ca_file),)
    assert hash(s) == hash(SigningChain((c, k), [Certificate.from_file(pki.ca_file)]))


def test_validate_config_rejects_what_lucidtls_cannot_honour(pki):
    v = lucidtls.implementation.validate_config
    v(TLSClientConfiguration())
    v(TLSClientConfiguration(lowest_supported_version=TLSVersion.MINIMUM_SUPPORTED, highest_supported_version=TLSVersion.TLSv1_3))
    # TLS 1.2 is not implemented: naming it as a bound is refused
    with pytest.raises(ConfigurationError, match="TLS 1.3 only"):
        v(TLSClientConfiguration(highest_supported_version=TLSVersion.TLSv1_2))
    with pytest.raises(ConfigurationError, match="TLS 1.3 only"):
        v(TLSClientConfiguration(lowest_supported_version=TLSVersion.TLSv1_2))
    # unknown code points, and lists with nothing usable
    with pytest.raises(ConfigurationError, match="unknown cipher suite 0xabcd"):
        v(TLSClientConfiguration(ciphers=[0x1301, 0xABCD]))
    with pytest.raises(ConfigurationError, match="none of the configured cipher suites"):
        v(TLSClientConfiguration(ciphers=[CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]))
    # a mixed list keeps its TLS 1.3 part
    v(TLSClientConfiguration(ciphers=[CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384]))
    with pytest.raises(ConfigurationError, match="signing chain"):
        v(TLSServerConfiguration())
    with pytest.raises(TypeError):
        v(object())  # type: ignore[arg-type]


def test_implementation_object():
    impl = lucidtls.implementation
    assert isinstance(impl, lucidtls.TLSImplementation)
    assert impl.client_context is lucidtls.ClientContext
    assert impl.server_context is lucidtls.ServerContext
    assert impl.validate_config is lucidtls.validate_config


def test_contexts_need_the_right_configuration(pki):
    with pytest.raises(TypeError):
        lucidtls.ClientContext(TLSServerConfiguration(certificate_chain=[chain(pki)]))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        lucidtls.ServerContext(TLSClientConfiguration())  # type: ignore[arg-type]
    cfg = TLSClientConfiguration(trust_store=TrustStore.from_file(pki.ca_file))
    ctx = lucidtls.ClientContext(cfg)
    assert ctx.configuration is cfg
    with pytest.raises(ConfigurationError):
        lucidtls.ClientContext(TLSClientConfiguration(highest_supported_version=TLSVersion.TLSv1_2))


def test_server_with_trust_store_requires_client_certificates(pki):
    cfg = TLSServerConfiguration(certificate_chain=[chain(pki)], trust_store=TrustStore.from_file(pki.ca_file))
    lucidtls.ServerContext(cfg)  # required by default
    with pytest.raises(ConfigurationError, match="requires client certificates"):
        lucidtls.ServerContext(cfg, client_auth="none")
    with pytest.raises(ConfigurationError, match="trust_store"):
        lucidtls.ServerContext(TLSServerConfiguration(certificate_chain=[chain(pki)]), client_auth="required")
    with pytest.raises(ValueError):
        lucidtls.ServerContext(cfg, client_auth="sometimes")


def test_context_creation_errors_carry_the_c_reason(pki, tmp_path):
    # a key that does not match its certificate
    bad = SigningChain((Certificate.from_file(pki.server_cert), PrivateKey.from_file(pki.rsa_key)))
    with pytest.raises(ConfigurationError) as e:
        lucidtls.ServerContext(TLSServerConfiguration(certificate_chain=[bad]))
    assert e.value.reason and e.value.code
    # a missing file
    with pytest.raises(FileNotFoundError):
        lucidtls.ServerContext(TLSServerConfiguration(certificate_chain=[chain(pki, cert=tmp_path / "nope.pem")]))
    # an encrypted key without its password, then with it
    enc = SigningChain((Certificate.from_file(pki.server_cert), PrivateKey.from_file(pki.enc_key)))
    with pytest.raises(ConfigurationError) as e:
        lucidtls.ServerContext(TLSServerConfiguration(certificate_chain=[enc]))
    assert e.value.reason == "PASSWORD_REQUIRED"
    ok = SigningChain((Certificate.from_file(pki.server_cert), PrivateKey.from_file(pki.enc_key, password=pki.enc_password)))
    lucidtls.ServerContext(TLSServerConfiguration(certificate_chain=[ok]))
    # certificate and key in one PEM file: the key may be left out
    lucidtls.ServerContext(TLSServerConfiguration(certificate_chain=[SigningChain((Certificate.from_file(pki.combined), None))]))
    with pytest.raises(ConfigurationError):
        lucidtls.ClientContext(TLSClientConfiguration(trust_store=TrustStore.from_buffer(b"not a certificate")))
    with pytest.raises(ConfigurationError, match="unknown group"):
        lucidtls.ClientContext(TLSClientConfiguration(), groups=["curve9999"])


def test_exceptions_are_also_ssl_exceptions():
    assert issubclass(lucidtls.TLSError, ssl.SSLError)
    assert issubclass(lucidtls.WantReadError, ssl.SSLWantReadError)
    assert issubclass(lucidtls.WantWriteError, ssl.SSLWantWriteError)
    assert issubclass(lucidtls.RaggedEOF, ssl.SSLEOFError)
    assert issubclass(lucidtls.CertificateVerificationError, ssl.CertificateError)
    assert issubclass(lucidtls.ZeroReturnError, ssl.SSLZeroReturnError)
    for cls in (lucidtls.WantReadError, lucidtls.WantWriteError, lucidtls.RaggedEOF, lucidtls.ConfigurationError):
        assert issubclass(cls, lucidtls.TLSError)
    e = lucidtls.ConfigurationError("plain message")
    assert str(e) == "plain message" and e.strerror == "plain message" and e.library == "lucidtls"
