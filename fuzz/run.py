#!/usr/bin/env python3
"""Runs the libFuzzer targets built in build-fuzz (scripts/fuzz builds them
and then calls this; see fuzz/README.md).

Per target: replay fuzz/regressions/<target>/* (each must run clean), copy
the seed corpus fuzz/corpus/<target>/ to build-fuzz/work/<target>/corpus
(the committed corpus is never written, unless --update-corpus), merge the
dictionaries named in fuzz/fuzz_<target>.options, run libFuzzer for the
given time under an outer timeout, and report one line: executions,
coverage (cov and ft from libFuzzer's last status line), corpus size, and
PASS or FAIL with what failed and where the reproducer is.
"""
import argparse
import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "fuzz")
BUILD = os.path.join(ROOT, "build-fuzz")

# Limits every run gets (the brief of issue 3; issue 6 reuses them).
TIMEOUT_PER_INPUT = 10
RSS_LIMIT_MB = 2048
# How much longer than -max_total_time a run may take before it is killed
# (loading the corpus, the final leak check, one slow input).
GRACE = 60

STATUS_RE = re.compile(r"^#(\d+)\s+(\w+)\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", re.M)
EXECS_RE = re.compile(r"^stat::number_of_executed_units: (\d+)", re.M)
ARTIFACT_RE = re.compile(r"Test unit written to (\S+)")
RUNNING_RE = re.compile(r"^Running: (.+)$", re.M)
FINDINGS = [  # (pattern in the log, short name), first match wins
    (r"fuzz: contract violated at (\S+?):? ", "contract violated"),
    (r"ERROR: LeakSanitizer", "leak"),
    (r"ERROR: AddressSanitizer: ([\w-]+)", "asan"),
    (r"runtime error: ", "ubsan"),
    (r"ERROR: libFuzzer: timeout", "timeout"),
    (r"ERROR: libFuzzer: out-of-memory", "out-of-memory"),
    (r"ERROR: libFuzzer: ([\w-]+)", "libfuzzer"),
]


def say(*a):
    print(*a, flush=True)


def targets_built():
    d = os.path.join(BUILD, "fuzz")
    if not os.path.isdir(d):
        return []
    out = []
    for f in sorted(os.listdir(d)):
        p = os.path.join(d, f)
        if f.startswith("fuzz_") and os.path.isfile(p) and os.access(p, os.X_OK):
            out.append(f[len("fuzz_"):])
    return out


def read_options(name):
    """The [libfuzzer] section of fuzz/fuzz_<name>.options as a dict."""
    cp = configparser.ConfigParser()
    cp.read(os.path.join(FUZZ, f"fuzz_{name}.options"))
    return dict(cp["libfuzzer"]) if cp.has_section("libfuzzer") else {}


def merged_dict(name, files, work):
    """One dictionary from the listed fuzz/dict files (libFuzzer takes one)."""
    if not files:
        return None
    out = os.path.join(work, "merged.dict")
    with open(out, "w") as o:
        for f in files:
            with open(os.path.join(FUZZ, "dict", f)) as i:
                o.write(f"# --- {f}\n" + i.read())
    return out


def finding(log):
    for pat, what in FINDINGS:
        m = re.search(pat, log)
        if m:
            if what in ("asan", "libfuzzer") and m.groups():
                return f"{what} {m.group(1)}"
            if what == "contract violated":
                return f"contract violated ({m.group(1)})"
            return what
    return None


def run_bounded(cmd, log_path, limit, env):
    """Runs cmd with output to log_path; kills its process group after limit
    seconds. Returns (exit code or None if killed, log text)."""
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            rc = None
    with open(log_path, errors="replace") as f:
        return rc, f.read()


class Result:
    def __init__(self, name):
        self.name = name
        self.ok = True
        self.why = []
        self.execs = self.cov = self.ft = self.corp = 0
        self.corp_size = "0b"
        self.regressions = (0, 0)  # clean, total
        self.seconds = 0.0

    def fail(self, why):
        self.ok = False
        self.why.append(why)

    def line(self):
        status = "PASS" if self.ok else "FAIL"
        reg = f"  regressions {self.regressions[0]}/{self.regressions[1]}" \
            if self.regressions[1] else ""
        s = (f"{'fuzz_' + self.name:<20} {status}  execs {self.execs:>9}  cov {self.cov:>5}  "
             f"ft {self.ft:>6}  corpus {self.corp:>5} ({self.corp_size}){reg}  "
             f"[{self.seconds:.0f} s]")
        if self.why:
            s += "\n" + "\n".join("    " + w for w in self.why)
        return s


def base_flags(opts, work, art):
    flags = [f"-timeout={TIMEOUT_PER_INPUT}", f"-rss_limit_mb={RSS_LIMIT_MB}",
             f"-artifact_prefix={art}/"]
    for k, v in opts.items():
        if k != "dict":
            flags.append(f"-{k}={v}")
    return flags


def replay_regressions(name, exe, opts, work, art, env, res):
    d = os.path.join(FUZZ, "regressions", name)
    files = sorted(os.path.join(d, f) for f in os.listdir(d)) if os.path.isdir(d) else []
    files = [f for f in files if os.path.isfile(f) and not f.endswith(".md")]
    if not files:
        return
    clean = 0
    # One process per input: a crash names its input, and the others still run.
    for f in files:
        log_path = os.path.join(work, "regression.log")
        rc, log = run_bounded([exe] + base_flags(opts, work, art) + [f], log_path,
                              TIMEOUT_PER_INPUT + GRACE, env)
        if rc == 0:
            clean += 1
            continue
        kept = os.path.join(work, "regression-" + os.path.basename(f) + ".log")
        shutil.copy(log_path, kept)
        what = "hung (killed by the outer timeout)" if rc is None else (finding(log) or f"exit {rc}")
        res.fail(f"regression {os.path.relpath(f, ROOT)}: {what}; log {os.path.relpath(kept, ROOT)}")
    res.regressions = (clean, len(files))


def run_target(name, a, env):
    res = Result(name)
    start = time.time()
    exe = os.path.join(BUILD, "fuzz", f"fuzz_{name}")
    if not os.access(exe, os.X_OK):
        res.fail(f"not built: {os.path.relpath(exe, ROOT)} is missing (see fuzz/meson.build)")
        return res
    opts = read_options(name)
    work = os.path.join(BUILD, "work", name)
    art = os.path.join(BUILD, "artifacts", name)
    corpus = os.path.join(work, "corpus")
    os.makedirs(work, exist_ok=True)
    os.makedirs(art, exist_ok=True)

    replay_regressions(name, exe, opts, work, art, env, res)

    if not a.resume and os.path.isdir(corpus):
        shutil.rmtree(corpus)
    os.makedirs(corpus, exist_ok=True)
    seeds = os.path.join(FUZZ, "corpus", name)
    if os.path.isdir(seeds):
        for f in os.listdir(seeds):
            src = os.path.join(seeds, f)
            if os.path.isfile(src) and not os.path.exists(os.path.join(corpus, f)):
                shutil.copy(src, corpus)

    cmd = [exe, corpus] + base_flags(opts, work, art) + ["-print_final_stats=1"]
    d = merged_dict(name, opts.get("dict", "").split(), work)
    if d:
        cmd.append(f"-dict={d}")
    if a.time:
        cmd.append(f"-max_total_time={a.time}")
    if a.runs is not None:
        cmd.append(f"-runs={a.runs}")
    cmd += a.libfuzzer_args
    limit = a.time + GRACE if a.time else None
    log_path = os.path.join(work, "fuzz.log")
    rc, log = run_bounded(cmd, log_path, limit, env)

    st = STATUS_RE.findall(log)
    if st:
        last = st[-1]
        res.execs, res.cov, res.ft, res.corp = int(last[0]), int(last[2]), int(last[3]), int(last[4])
        res.corp_size = last[5]
    m = EXECS_RE.search(log)
    if m:
        res.execs = int(m.group(1))
    rel_log = os.path.relpath(log_path, ROOT)
    if rc is None:
        res.fail(f"hung: killed after {limit} s by the outer timeout; log {rel_log}")
    elif rc != 0:
        what = finding(log) or f"libFuzzer exited with {rc}"
        arts = ARTIFACT_RE.findall(log)
        where = f"reproducer {os.path.relpath(arts[-1], ROOT)}" if arts else "no reproducer written"
        res.fail(f"{what}; {where}; log {rel_log}")
    elif not st:
        res.fail(f"libFuzzer printed no status line; log {rel_log}")

    if a.update_corpus and rc == 0:
        # Adds to the committed seeds only inputs that bring new coverage.
        mlog = os.path.join(work, "merge.log")
        mrc, _ = run_bounded([exe, "-merge=1", seeds, corpus] + base_flags(opts, work, art),
                             mlog, 600, env)
        if mrc != 0:
            res.fail(f"--update-corpus: merge failed; log {os.path.relpath(mlog, ROOT)}")
    res.seconds = time.time() - start
    return res


def main():
    ap = argparse.ArgumentParser(
        prog="scripts/fuzz",
        description="Build (scripts/fuzz) and run the libFuzzer targets of fuzz/.",
        epilog="Arguments after -- go to libFuzzer as they are (e.g. -- -use_value_profile=1).")
    ap.add_argument("targets", nargs="*", metavar="TARGET",
                    help="der, pem, ... or fuzz_der, ... (default: every target built)")
    ap.add_argument("--ci", action="store_true",
                    help="short runs for the test command: 30 s each unless --time")
    ap.add_argument("--time", type=int, default=None,
                    help="seconds of fuzzing per target (default 60, 30 with --ci; "
                         "0 = no limit, for use with --runs)")
    ap.add_argument("--runs", type=int, default=None, help="stop each target after N executions")
    ap.add_argument("--jobs", type=int, default=None,
                    help="targets run at the same time (default: the number of CPUs)")
    ap.add_argument("--summary", metavar="FILE", help='write "PASSED FAILED" (one per target)')
    ap.add_argument("--resume", action="store_true",
                    help="keep the working corpus of earlier runs instead of starting from the seeds")
    ap.add_argument("--update-corpus", action="store_true",
                    help="after a clean run, merge inputs with new coverage into fuzz/corpus/<target>/")
    ap.add_argument("--no-build", action="store_true", help="use build-fuzz as it is")
    ap.add_argument("--build-dir", default="build-fuzz",
                    help="with --no-build: run the targets of another build directory "
                         "(configured with -Dfuzz=true)")
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    a = ap.parse_args(argv)
    a.libfuzzer_args = extra
    global BUILD
    BUILD = os.path.join(ROOT, a.build_dir)
    if a.time is None:
        a.time = 30 if a.ci else 60

    built = targets_built()
    names = [t[len("fuzz_"):] if t.startswith("fuzz_") else t for t in a.targets] or built
    jobs = max(1, min(a.jobs or os.cpu_count() or 1, len(names) or 1))

    env = dict(os.environ)
    # libFuzzer turns these reports into crashes with a reproducer.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:strict_string_checks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    sym = shutil.which("llvm-symbolizer") or shutil.which("llvm-symbolizer-14")
    if sym:
        env.setdefault("ASAN_SYMBOLIZER_PATH", sym)

    if not names:
        say("fuzz: no targets built in build-fuzz")
    say(f"fuzz: {len(names)} target(s), {a.time or 'unlimited'} s each"
        + (f", {a.runs} runs max" if a.runs is not None else "") + f", {jobs} at a time")

    results = {}
    lock = threading.Lock()
    queue = list(names)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                n = queue.pop(0)
            r = run_target(n, a, env)
            with lock:
                results[n] = r
                say(r.line())

    threads = [threading.Thread(target=worker) for _ in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    passed = sum(1 for r in results.values() if r.ok)
    failed = len(results) - passed
    if not names:
        failed = 1
    say(f"fuzz: {passed} passed, {failed} failed")
    if a.summary:
        os.makedirs(os.path.dirname(os.path.abspath(a.summary)), exist_ok=True)
        with open(a.summary, "w") as f:
            f.write(f"{passed} {failed}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
