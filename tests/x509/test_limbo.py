"""The x509-limbo suite (../shared/vectors/x509-limbo/limbo.json) through
`lucidtls verify`.

Every case is run, in parallel, once per session; then one test per case
reports it:
  - as expected (accepted and SUCCESS, or rejected and FAILURE): pass;
  - expected FAILURE but accepted: fail, always (no list can excuse it);
  - expected SUCCESS but rejected: xfail if listed in limbo-divergences.txt
    with a reason, else fail; a listed case that now passes also fails, so
    that the list stays exact;
  - listed in limbo-skips.txt: skipped with the reason. A skip must name a
    feature of the case that lucidtls deliberately does not support (a
    limbo `features` entry, or "crl" for a case with CRLs); the check is
    mechanical (test_skip_list_is_justified).
test_summary writes <build>/limbo-summary.txt and <build>/limbo-results.json
(limbo's harness result format) and prints the counts.

How a case becomes `lucidtls verify` arguments:
  trusted_certs -> --cafile; untrusted_intermediates -> --untrusted;
  peer_certificate -> CERT.pem (the leaf alone);
  SERVER -> --purpose server, expected_peer_name DNS -> --host, IP -> --ip;
  CLIENT -> --purpose client and no name (lucidtls has no RFC822 identity
    check; the CLIENT cases test e-mail name constraints, which are checked
    on the chain whatever the reference identity);
  extended_key_usage [serverAuth] for SERVER / [clientAuth] for CLIENT is
    exactly what --purpose requires, so it runs; key_usage [digitalSignature]
    runs when the leaf asserts digitalSignature (then limbo's constraint and
    lucidtls's leaf rule agree); any other constraint must be skipped;
  validation_time -> --time, floored to whole seconds as limbo prescribes
    (rfc5280::validity::*-fractional); null -> no --time (now);
  max_chain_depth -> --max-depth: limbo counts intermediates only (depth 0
    allows root -> leaf), lucidtls counts every certificate of the path,
    leaf and anchor included, so limbo d is lucidtls d + 2, capped at
    LTLS_X509_MAX_DEPTH (16; limbo uses 255 for "large").
Exit 0 is SUCCESS, exit 1 is FAILURE, exit 2 with a malformed-input reason
(a certificate lucidtls refuses to decode) is FAILURE; anything else is a
harness error and fails the case.
"""
import calendar
import concurrent.futures
import datetime
import json
import os
import re
import tempfile

import pytest

from x509util import REPO, build_dir, run_verify

HERE = os.path.dirname(os.path.abspath(__file__))
LIMBO = os.path.normpath(os.path.join(REPO, "..", "shared", "vectors", "x509-limbo",
                                      "limbo.json"))
SKIPS_FILE = os.path.join(HERE, "limbo-skips.txt")
DIVERGENCES_FILE = os.path.join(HERE, "limbo-divergences.txt")
MAX_DEPTH = 16  # LTLS_X509_MAX_DEPTH
# Reasons with which `lucidtls verify` refuses input it cannot decode (exit 2).
INPUT_REJECTIONS = ("CERT_MALFORMED", "PEM_INVALID", "DER_INVALID", "CERT_NONE_FOUND")

if not os.path.exists(LIMBO):
    pytest.skip("x509-limbo is not present at %s (it lives beside the repository in "
                "../shared)" % LIMBO, allow_module_level=True)

with open(LIMBO) as _f:
    SUITE = json.load(_f)
CASES = {c["id"]: c for c in SUITE["testcases"]}


def read_list(path):
    """{id: reason} from lines "ID  reason" (# comments, blank lines)."""
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            assert len(parts) == 2 and parts[1].strip(), "%s:%d: no reason" % (path, n)
            assert parts[0] not in out, "%s:%d: %s listed twice" % (path, n, parts[0])
            out[parts[0]] = parts[1].strip()
    return out


SKIPS = read_list(SKIPS_FILE)
DIVERGENCES = read_list(DIVERGENCES_FILE)


def leaf_has_key_usage(c, wanted):
    from cryptography import x509  # only needed for key_usage cases
    cert = x509.load_pem_x509_certificate(c["peer_certificate"].encode())
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    names = {"digitalSignature": "digital_signature", "keyEncipherment": "key_encipherment",
             "keyAgreement": "key_agreement", "contentCommitment": "content_commitment",
             "dataEncipherment": "data_encipherment", "keyCertSign": "key_cert_sign",
             "cRLSign": "crl_sign"}
    return all(w in names and getattr(ku, names[w]) for w in wanted)


def unsupported_constraint(c):
    """Why the case's constraints cannot be expressed as verify arguments,
    or None."""
    if c["signature_algorithms"]:
        return "signature_algorithms constraint"
    if c["crls"]:
        return "CRLs"
    purpose_eku = ["serverAuth"] if c["validation_kind"] == "SERVER" else ["clientAuth"]
    if c["extended_key_usage"] and c["extended_key_usage"] != purpose_eku:
        return "extended_key_usage %s" % c["extended_key_usage"]
    if c["key_usage"] and not leaf_has_key_usage(c, c["key_usage"]):
        return "key_usage %s" % c["key_usage"]
    name = c["expected_peer_name"]
    if c["validation_kind"] == "SERVER" and name and name["kind"] not in ("DNS", "IP"):
        return "peer name kind %s" % name["kind"]
    return None


def limbo_time(s):
    dt = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return calendar.timegm(dt.utctimetuple())  # drops the fraction: floor (dt >= 1970)


def verify_args(c, d):
    def write(name, pems):
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write("".join(x if x.endswith("\n") else x + "\n" for x in pems))
        return p

    args = ["--cafile", write("roots.pem", c["trusted_certs"])]
    if c["untrusted_intermediates"]:
        args += ["--untrusted", write("untrusted.pem", c["untrusted_intermediates"])]
    if c["validation_kind"] == "SERVER":
        args += ["--purpose", "server"]
        name = c["expected_peer_name"]
        if name:
            args += ["--host" if name["kind"] == "DNS" else "--ip", name["value"]]
    else:
        args += ["--purpose", "client"]
    if c["validation_time"]:
        args += ["--time", limbo_time(c["validation_time"])]
    if c["max_chain_depth"] is not None:
        args += ["--max-depth", min(c["max_chain_depth"] + 2, MAX_DEPTH)]
    return args + [write("leaf.pem", [c["peer_certificate"]])]


def run_case(c, d):
    """(SUCCESS | FAILURE | ERROR, context)."""
    try:
        rc, out, err = run_verify(verify_args(c, d))
    except Exception as e:  # a timeout or a crash of the harness itself
        return "ERROR", "%s: %s" % (type(e).__name__, e)
    text = (out + err).strip()
    first = text.splitlines()[0] if text else ""
    if rc == 0:
        return "SUCCESS", first
    if rc == 1:
        return "FAILURE", " / ".join(text.splitlines()[:2])
    if rc == 2 and any(r + ":" in err for r in INPUT_REJECTIONS):
        return "FAILURE", "input rejected: " + first
    return "ERROR", "exit %d: %s" % (rc, text[:400])


_RESULTS = None


def results():
    """{id: (actual, context)} for every case, computed once."""
    global _RESULTS
    if _RESULTS is None:
        out = {}
        with tempfile.TemporaryDirectory(prefix="limbo-") as tmp:
            jobs = {}
            with concurrent.futures.ThreadPoolExecutor(max_workers=min(
                    16, (os.cpu_count() or 2) * 2)) as pool:
                for i, (cid, c) in enumerate(CASES.items()):
                    if cid in SKIPS:
                        out[cid] = ("SKIPPED", SKIPS[cid])
                        continue
                    why = unsupported_constraint(c)
                    if why:
                        out[cid] = ("ERROR", "needs %s: run it or list it in limbo-skips.txt"
                                    % why)
                        continue
                    d = os.path.join(tmp, str(i))
                    os.mkdir(d)
                    jobs[pool.submit(run_case, c, d)] = cid
                for f in concurrent.futures.as_completed(jobs):
                    out[jobs[f]] = f.result()
        _RESULTS = out
    return _RESULTS


def test_lists_name_real_cases():
    for name, lst in (("limbo-skips.txt", SKIPS), ("limbo-divergences.txt", DIVERGENCES)):
        unknown = sorted(set(lst) - set(CASES))
        assert not unknown, "%s lists cases not in limbo.json: %s" % (name, unknown)
    both = sorted(set(SKIPS) & set(DIVERGENCES))
    assert not both, "listed as both skipped and divergent: %s" % both
    wrong = sorted(i for i in DIVERGENCES if CASES[i]["expected_result"] != "SUCCESS")
    assert not wrong, "a divergence must be a SUCCESS case lucidtls rejects: %s" % wrong


def test_skip_list_is_justified():
    """Each skip names, before its first ':', a feature the case has."""
    bad = []
    for cid, reason in SKIPS.items():
        c = CASES[cid]
        feature = reason.split(":", 1)[0].strip()
        has = set(c.get("features") or [])
        if c["crls"]:
            has.add("crl")
        if feature not in has or ":" not in reason:
            bad.append("%s (%r; the case has %s)" % (cid, feature, sorted(has)))
    assert not bad, "skips without a matching feature: %s" % bad


@pytest.mark.parametrize("cid", sorted(CASES))
def test_limbo_case(cid):
    c = CASES[cid]
    actual, context = results()[cid]
    expected = c["expected_result"]
    if actual == "SKIPPED":
        pytest.skip(context)
    if actual == "ERROR":
        pytest.fail("harness error: %s" % context)
    if expected == "FAILURE" and actual == "SUCCESS":
        pytest.fail("accepted a chain that limbo expects to be rejected: %s\n%s"
                    % (context, c["description"]))
    if cid in DIVERGENCES:
        if actual == expected:
            pytest.fail("listed in limbo-divergences.txt but now %s as expected: remove it"
                        % actual)
        pytest.xfail("known divergence: %s (lucidtls: %s)" % (DIVERGENCES[cid], context))
    assert actual == expected, "expected %s, lucidtls: %s\n%s" % (
        expected, context, c["description"])


def test_summary(capsys):
    res = results()
    exp = sum(1 for cid, (a, _) in res.items() if a == CASES[cid]["expected_result"])
    skipped = sum(1 for a, _ in res.values() if a == "SKIPPED")
    false_accept = sorted(cid for cid, (a, _) in res.items()
                          if a == "SUCCESS" and CASES[cid]["expected_result"] == "FAILURE")
    rejected = sorted(cid for cid, (a, _) in res.items()
                      if a == "FAILURE" and CASES[cid]["expected_result"] == "SUCCESS")
    errors = sorted(cid for cid, (a, _) in res.items() if a == "ERROR")
    not_exp = len(res) - exp - skipped
    lines = [
        "x509-limbo (%s): %d cases: %d as expected, %d not, %d skipped"
        % (os.path.relpath(LIMBO, REPO), len(res), exp, not_exp, skipped),
        "  not as expected: %d valid chains rejected (%d listed in limbo-divergences.txt), "
        "%d invalid chains accepted, %d harness errors"
        % (len(rejected), len(set(rejected) & set(DIVERGENCES)), len(false_accept), len(errors)),
    ]
    for title, ids in (("accepted but expected FAILURE", false_accept),
                       ("rejected, not listed", sorted(set(rejected) - set(DIVERGENCES))),
                       ("harness errors", errors)):
        for cid in ids:
            lines.append("  %s: %s: %s" % (title, cid, res[cid][1]))
    text = "\n".join(lines) + "\n"
    os.makedirs(build_dir(), exist_ok=True)
    with open(os.path.join(build_dir(), "limbo-summary.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(build_dir(), "limbo-results.json"), "w") as f:
        json.dump({"version": 1, "harness": "lucidtls verify",
                   "results": [{"id": cid, "actual_result": a if a != "ERROR" else "FAILURE",
                                "context": ctx} for cid, (a, ctx) in sorted(res.items())]},
                  f, indent=1)
    with capsys.disabled():
        print("\n" + text, end="")
    assert exp + not_exp + skipped == len(CASES)
    assert not false_accept and not errors
