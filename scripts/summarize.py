#!/usr/bin/env python3
"""Counts test cases across Meson test logs and prints 'N passed, N failed'.

Each C test program speaks TAP: every 'ok'/'not ok' line is one case. A program
that died without reporting a failure (crash, sanitizer abort, timeout) counts
as one more failed case, so a crash can never look like a pass.
"""
import argparse
import json
import re
import sys

TAP = re.compile(r"^(not ok|ok)\b", re.M)


def count_meson(path):
    passed = failed = 0
    try:
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        print(f"summarize: {path} missing: the suite did not run", file=sys.stderr)
        return 0, 1
    for t in lines:
        out = t.get("stdout") or ""
        oks = [m.group(1) for m in TAP.finditer(out)]
        p = oks.count("ok")
        fl = oks.count("not ok")
        if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and fl == 0:
            fl = 1
            print(f"summarize: {t.get('name')} ended {t.get('result')} without a failed case",
                  file=sys.stderr)
        if not oks and t.get("result") == "OK":
            p = 1
        passed += p
        failed += fl
    return passed, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extra", action="append", default=[],
                    help="file holding 'ok' or 'fail' for one extra check")
    ap.add_argument("--junit", action="append", default=[], help="pytest junit xml")
    ap.add_argument("--extra-counts", action="append", default=[],
                    help="file holding 'PASSED FAILED' counts of another runner")
    ap.add_argument("logs", nargs="*")
    a = ap.parse_args()
    passed = failed = 0
    for log in a.logs:
        p, f = count_meson(log)
        passed += p
        failed += f
    for path in a.junit:
        import xml.etree.ElementTree as ET
        root = ET.parse(path).getroot()
        for suite in root.iter("testsuite"):
            tests = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            passed += tests - bad - skipped
            failed += bad
    for path in a.extra_counts:
        with open(path) as f:
            p, fl = (int(x) for x in f.read().split()[:2])
        passed += p
        failed += fl
    for path in a.extra:
        with open(path) as f:
            word = f.read().strip()
        if word == "ok":
            passed += 1
        elif word == "fail":
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
