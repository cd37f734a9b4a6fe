"""lucidtls's own X.509 corpus (tests/data/x509, made by
scripts/gen_x509_corpus.py): every case is run through `lucidtls verify`
and must give the expected exit status, the expected reason (name and
sentence), and for accepted chains the expected path."""
import filecmp
import json
import os
import re
import subprocess
import sys

import pytest

from x509util import DATA, REPO, reason_text, reasons, run_verify

with open(os.path.join(DATA, "cases.json")) as _f:
    INDEX = json.load(_f)
CASES = INDEX["cases"]


def verify_args(c):
    d = os.path.join(DATA, c["name"])
    a = c["args"]
    args = ["--cafile", os.path.join(d, "roots.pem")]
    if c["untrusted"]:
        args += ["--untrusted", os.path.join(d, "untrusted.pem")]
    if a["host"] is not None:
        args += ["--host", a["host"]]
    if a["ip"] is not None:
        args += ["--ip", a["ip"]]
    args += ["--purpose", a["purpose"], "--time", a["time"]]
    if a["max_depth"] is not None:
        args += ["--max-depth", a["max_depth"]]
    return args + [os.path.join(d, "leaf.pem")]


def printed_path(out):
    """[(common name, is_anchor)] from the depth lines of verify's output."""
    path = []
    for i, line in enumerate(l for l in out.splitlines() if l.startswith("depth ")):
        m = re.match(r"depth (\d+): (.*?)( \[trust anchor\])?$", line)
        assert m and int(m.group(1)) == i, "bad depth line: %r" % line
        cn = re.search(r"CN=((?:[^,\\]|\\.)*)", m.group(2))
        path.append((cn.group(1) if cn else m.group(2), bool(m.group(3))))
    return path


def test_corpus_covers_every_expected_reason_kind():
    # The rules, by the reason each one's rejection must give.
    need = {"CERT_EXPIRED", "CERT_NOT_YET_VALID", "CERT_UNKNOWN_ISSUER", "CERT_BAD_SIGNATURE",
            "CERT_NOT_CA", "CERT_PATH_TOO_LONG", "CERT_NAME_CONSTRAINTS", "CERT_KEY_USAGE",
            "CERT_EXT_KEY_USAGE", "CERT_WEAK_ALGORITHM", "CERT_UNKNOWN_CRITICAL",
            "CERT_NAME_MISMATCH", "CERT_MALFORMED"}
    have = {c["expect_reason"] for c in CASES}
    assert need <= have, "no case for %s" % sorted(need - have)
    assert all(r is None or r in reasons() for r in have)
    assert sum(c["expect_exit"] == 0 for c in CASES) >= 20


@pytest.mark.parametrize("c", CASES, ids=[c["name"] for c in CASES])
def test_case(c):
    rc, out, err = run_verify(verify_args(c))
    both = out + err
    assert rc == c["expect_exit"], "%s: exit %d, expected %d\n%s" % (
        c["description"], rc, c["expect_exit"], both)
    if c["expect_reason"]:
        assert reason_text(c["expect_reason"]) in both, "%s: expected %s\n%s" % (
            c["description"], c["expect_reason"], both)
    else:
        assert out.rstrip().endswith("OK"), out
        path = printed_path(out)
        assert [cn for cn, _ in path] == c["expect_path"], out
        assert [anchor for _, anchor in path] == [False] * (len(path) - 1) + [True], out


def test_generator_reproduces_corpus(tmp_path):
    """The committed corpus is what the generator makes (same cryptography
    version only: another version may encode differently)."""
    try:
        import cryptography
    except ImportError:
        pytest.skip("Python cryptography is not installed")
    if cryptography.__version__ != INDEX["cryptography"]:
        pytest.skip("corpus made with cryptography %s, %s installed"
                    % (INDEX["cryptography"], cryptography.__version__))
    out = tmp_path / "x509"
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "gen_x509_corpus.py"),
                    "--out", str(out)], check=True, timeout=300, capture_output=True)
    diffs = []

    def walk(cmp, rel=""):
        diffs.extend(os.path.join(rel, n) for n in cmp.left_only + cmp.right_only + cmp.diff_files
                     + cmp.funny_files)
        for n, sub in cmp.subdirs.items():
            walk(sub, os.path.join(rel, n))

    walk(filecmp.dircmp(DATA, str(out), ignore=[]))
    # dircmp compares shallowly by stat first; compare bytes of every file too.
    for root, _, files in os.walk(str(out)):
        for n in files:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, str(out))
            q = os.path.join(DATA, rel)
            if os.path.islink(p) or os.path.islink(q):
                if not (os.path.islink(q) and os.readlink(p) == os.readlink(q)):
                    diffs.append(rel)
            elif not os.path.exists(q) or open(p, "rb").read() != open(q, "rb").read():
                diffs.append(rel)
    assert not diffs, "regenerated corpus differs: %s" % sorted(set(diffs))[:20]
