"""`lucidtls verify` driven as a user would: usage errors and malformed input
exit 2, rejected chains exit 1 with the reason, valid chains exit 0 with the
path; the "Done when" of issue 3 (--system rejects a self-signed certificate,
a chain from a --cafile root is accepted)."""
import os

import pytest

from x509util import DATA, clean_env, reason_text, run_verify

GOOD = os.path.join(DATA, "good-p256")
GOOD_ARGS = ["--cafile", os.path.join(GOOD, "roots.pem"), "--host", "p256.example.com",
             os.path.join(GOOD, "leaf.pem")]
NOW = "1748736000"  # the corpus's validation time
DEFAULT_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt",
                   "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
                   "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/ca-bundle.pem",
                   "/etc/pki/tls/cacert.pem", "/etc/ssl/cert.pem"]


@pytest.mark.parametrize("args, why", [
    ([], "no certificate file given"),
    (["--cafile", os.path.join(GOOD, "roots.pem")], "no certificate file given"),
    ([os.path.join(GOOD, "leaf.pem")], "no trust anchors"),
    (["--bogus"] + GOOD_ARGS, "unknown option '--bogus'"),
    (["-x"] + GOOD_ARGS, "unknown option '-x'"),
    (GOOD_ARGS + [os.path.join(GOOD, "leaf.pem")], "more than one certificate file"),
    (["--ip", "192.0.2.1"] + GOOD_ARGS, "exclude each other"),
    (["--ip", "example.com", "--cafile", "x", "y"], "not an IPv4 or IPv6 address"),
    (["--ip", "1.2.3.4/8", "--cafile", "x", "y"], "not an IPv4 or IPv6 address"),
    (["--purpose", "email"] + GOOD_ARGS, "--purpose must be server or client"),
    (["--time", "yesterday"] + GOOD_ARGS, "not a number of seconds"),
    (["--time", "12x"] + GOOD_ARGS, "not a number of seconds"),
    (["--max-depth", "0"] + GOOD_ARGS, "out of range"),
    (["--max-depth", "17"] + GOOD_ARGS, "out of range"),
    (GOOD_ARGS + ["--cafile"], "needs a value"),
])
def test_usage_errors_exit_2(args, why):
    rc, out, err = run_verify(args)
    assert rc == 2, out + err
    assert why in err
    assert "usage: lucidtls verify" in err
    assert out == ""


def test_help_exits_0():
    rc, out, _ = run_verify(["--help"])
    assert rc == 0 and "usage: lucidtls verify" in out and "--max-depth" in out


@pytest.mark.parametrize("content, reason", [
    (b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "PEM_INVALID"),
    (b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n", "CERT_MALFORMED"),
    (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "PEM_INVALID"),
    (b"\x30\x03\x02\x01\x01", "CERT_MALFORMED"),
    (b"just some text\n", "CERT_NONE_FOUND"),
    (b"", "CERT_NONE_FOUND"),
])
def test_malformed_certificate_exits_2(tmp_path, content, reason):
    bad = tmp_path / "bad.pem"
    bad.write_bytes(content)
    rc, out, err = run_verify(["--cafile", os.path.join(GOOD, "roots.pem"), str(bad)])
    assert rc == 2, out + err
    assert reason_text(reason) in err
    assert str(bad) in err  # the message names the file


def test_malformed_second_certificate_is_named(tmp_path):
    good = open(os.path.join(GOOD, "leaf.pem"), "rb").read()
    bad = tmp_path / "chain.pem"
    bad.write_bytes(good + b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n")
    rc, _, err = run_verify(["--cafile", os.path.join(GOOD, "roots.pem"), str(bad)])
    assert rc == 2
    assert "certificate 3 (line " in err, err  # the leaf and intermediate precede it


def test_unreadable_inputs_exit_2(tmp_path):
    missing = str(tmp_path / "nope.pem")
    rc, _, err = run_verify(["--cafile", missing] + GOOD_ARGS[2:])
    assert rc == 2 and reason_text("TRUST_IO") in err and missing in err
    rc, _, err = run_verify(["--cafile", os.path.join(GOOD, "roots.pem"), missing])
    assert rc == 2 and reason_text("TRUST_IO") in err and missing in err
    rc, _, err = run_verify(["--untrusted", missing] + GOOD_ARGS)
    assert rc == 2 and "--untrusted" in err and missing in err
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificates\n")
    rc, _, err = run_verify(["--cafile", str(empty)] + GOOD_ARGS[2:])
    assert rc == 2 and reason_text("CERT_NONE_FOUND") in err


def test_chain_from_cafile_root_is_accepted():
    rc, out, err = run_verify(["--time", NOW] + GOOD_ARGS)
    assert rc == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith("depth 0: ") and "CN=p256.example.com" in lines[0]
    assert lines[1].startswith("depth 1: ") and "CN=Corpus EC Intermediate" in lines[1]
    assert lines[2] == "depth 2: CN=Corpus EC Root, O=lucidtls test corpus [trust anchor]"
    assert lines[3] == "OK"


def test_equals_form_and_repeated_cafile():
    rc, out, err = run_verify(["--time=" + NOW, "--cafile=" + os.path.join(DATA, "good-rsa2048",
                                                                           "roots.pem"),
                               "--cafile=" + os.path.join(GOOD, "roots.pem"),
                               "--host=p256.example.com", "--purpose=server",
                               "--max-depth=3", os.path.join(GOOD, "leaf.pem")])
    assert rc == 0, out + err


def test_default_time_is_now():
    # The corpus leaf is valid 2025-01-01..2030-01-01 and the expired leaf
    # expired on 2025-05-01: without --time, the clock decides.
    rc, out, err = run_verify(GOOD_ARGS)
    assert rc == 0, out + err
    d = os.path.join(DATA, "expired-leaf")
    rc, out, _ = run_verify(["--cafile", os.path.join(d, "roots.pem"), "--host",
                             "expired.example.com", os.path.join(d, "leaf.pem")])
    assert rc == 1 and reason_text("CERT_EXPIRED") in out


def test_rejection_prints_reason_and_detail():
    d = os.path.join(DATA, "dns-mismatch")
    rc, out, err = run_verify(["--cafile", os.path.join(d, "roots.pem"), "--host",
                               "b.example.com", "--time", NOW, os.path.join(d, "leaf.pem")])
    assert rc == 1
    assert out.startswith("verification failed: " + reason_text("CERT_NAME_MISMATCH"))
    assert "at depth 0: " in out
    assert "a.example.com" in out  # the detail names what the certificate holds
    assert err == ""


def test_host_ip_literal_acts_as_ip():
    d = os.path.join(DATA, "ip-san-ip")
    base = ["--cafile", os.path.join(d, "roots.pem"), "--time", NOW]
    for flag in ("--host", "--ip"):
        rc, out, err = run_verify(base + [flag, "192.0.2.1", os.path.join(d, "leaf.pem")])
        assert rc == 0, out + err
        rc, out, _ = run_verify(base + [flag, "192.0.2.2", os.path.join(d, "leaf.pem")])
        assert rc == 1 and reason_text("CERT_NAME_MISMATCH") in out


def system_store_present():
    return any(os.path.exists(p) for p in DEFAULT_BUNDLES) or os.path.isdir("/etc/ssl/certs")


def test_system_rejects_self_signed():
    """Done when: `lucidtls verify --system --host example.com` rejects a
    self-signed certificate (for example.com, so that only the issuer is
    wrong)."""
    if not system_store_present():
        pytest.skip("no system trust store on this machine")
    leaf = os.path.join(DATA, "self-signed-leaf", "leaf.pem")
    rc, out, err = run_verify(["--system", "--host", "example.com", leaf], env=clean_env())
    assert rc == 1, out + err
    assert reason_text("CERT_UNKNOWN_ISSUER") in out


def test_system_honours_ssl_cert_file():
    """With SSL_CERT_FILE set, --system trusts exactly that file."""
    env = clean_env(SSL_CERT_FILE=os.path.join(GOOD, "roots.pem"))
    args = ["--system", "--time", NOW, "--host", "p256.example.com",
            os.path.join(GOOD, "leaf.pem")]
    rc, out, err = run_verify(args, env=env)
    assert rc == 0, out + err
    env = clean_env(SSL_CERT_FILE=os.path.join(DATA, "good-rsa2048", "roots.pem"))
    rc, out, _ = run_verify(args, env=env)
    assert rc == 1 and reason_text("CERT_UNKNOWN_ISSUER") in out
    env = clean_env(SSL_CERT_FILE="/nonexistent/bundle.pem")
    rc, _, err = run_verify(args, env=env)
    assert rc == 2 and reason_text("TRUST_NOT_FOUND") in err
