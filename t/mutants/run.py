#!/usr/bin/python3
"""run.py - the mutation check (t/mutants/README).

    t/mutants/run.py [-j N] [--only ID,ID] [--list] [--work DIR]

Copies the source tree (the files git tracks, as they are in the working
tree) to WORK/src, configures and builds it in WORK/build, runs the
tests of every mutant unmutated (they must pass), then for each mutant of
mutants.txt: applies it, rebuilds, runs its tests, restores the file.
A mutant is KILLED when a test fails, SURVIVED when all pass; a mutant
whose "from" text is not found once, or that does not build, is an ERROR
(the list needs fixing).  Prints a table; exits 1 if any survived.
Needs root for the test worlds, as make check does.  Not run by CI.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LIMIT = 900            # seconds for one mutant's tests


def parse(path):
    muts, cur = [], {}
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur:
                muts.append(cur)
            cur = {}
            continue
        k, _, v = line.partition(": ")
        if k not in ("id", "clause", "what", "file", "from", "to", "tests"):
            sys.exit("mutants.txt: bad line %r" % line)
        cur[k] = v
    if cur:
        muts.append(cur)
    for m in muts:
        missing = {"id", "file", "from", "to", "tests"} - set(m)
        if missing:
            sys.exit("mutant %s: missing %s" % (m.get("id"), missing))
    return muts


def sh(cmd, cwd, log, timeout=None):
    """Run cmd in its own process group; True if it exited 0."""
    with open(log, "ab") as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=out,
                             start_new_session=True)
        try:
            return p.wait(timeout=timeout) == 0
        except subprocess.TimeoutExpired:
            # the tests trap TERM and stop their worlds; then KILL
            os.killpg(p.pid, signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            return False


def copy_tree(dst):
    files = subprocess.run(["git", "-C", TOP, "ls-files", "-z"],
                           capture_output=True, check=True).stdout
    for f in files.decode().split("\0"):
        if not f or not os.path.exists(os.path.join(TOP, f)):
            continue
        os.makedirs(os.path.join(dst, os.path.dirname(f)), exist_ok=True)
        shutil.copy2(os.path.join(TOP, f), os.path.join(dst, f))


def failed_tests(build, tests):
    out = []
    for t in tests:
        log = os.path.join(build, re.sub(r"\.t$", "", t) + ".log")
        if not os.path.exists(log):
            log = os.path.join(build, t + ".log")
        try:
            text = open(log, errors="replace").read()
        except OSError:
            continue
        first = re.search(r"^(not ok (?!.*# TODO).*|Bail out!.*)$", text,
                          re.M)
        if first:
            out.append("%s: %s" % (t, first.group(1)[:100]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", default="2")
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--work", default="/tmp/ssmp-mutants")
    a = ap.parse_args()
    muts = parse(os.path.join(HERE, "mutants.txt"))
    if a.only:
        keep = a.only.split(",")
        muts = [m for m in muts if m["id"] in keep]
    if a.list:
        for m in muts:
            print("%-24s %-18s %s" % (m["id"], m.get("clause", ""),
                                      m.get("what", "")))
        return 0
    src, build = os.path.join(a.work, "src"), os.path.join(a.work, "build")
    log = os.path.join(a.work, "run.log")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(build)
    print("copying the tree to %s" % src, flush=True)
    copy_tree(src)
    for m in muts:
        text = open(os.path.join(src, m["file"])).read()
        if text.count(m["from"]) != 1:
            print("ERROR %s: 'from' occurs %d times in %s" % (
                m["id"], text.count(m["from"]), m["file"]))
            return 2
    print("configuring and building (log: %s)" % log, flush=True)
    if not (sh(["autoreconf", "-fi"], src, log) and
            sh([os.path.join(src, "configure"), "-q"], build, log) and
            sh(["make", "-j" + a.j], build, log) and
            sh(["make", "-j" + a.j, "check", "TESTS="], build, log)):
        print("the unmutated tree does not build; see %s" % log)
        return 2
    tests = sorted({t for m in muts for t in m["tests"].split()})
    print("baseline: %s" % " ".join(tests), flush=True)
    if not sh(["make", "check", "TESTS=" + " ".join(tests)], build, log,
              LIMIT * 2):
        print("the unmutated tree fails its tests: %s" % "; ".join(
            failed_tests(build, tests)))
        return 2
    results = []
    for m in muts:
        path = os.path.join(src, m["file"])
        orig = open(path).read()
        t0 = time.time()
        with open(path, "w") as f:
            f.write(orig.replace(m["from"], m["to"], 1))
        with open(log, "a") as f:
            f.write("\n==== mutant %s\n" % m["id"])
        if not sh(["make", "-j" + a.j], build, log) or not sh(
                ["make", "-j" + a.j, "check", "TESTS="], build, log):
            verdict, why = "ERROR", "does not build"
        else:
            ts = m["tests"].split()
            passed = sh(["make", "check", "TESTS=" + " ".join(ts)], build,
                        log, LIMIT)
            fails = failed_tests(build, ts)
            verdict = "SURVIVED" if passed else "KILLED"
            why = fails[0] if fails else ("" if passed else "timeout or "
                                          "error")
        with open(path, "w") as f:
            f.write(orig)
        secs = time.time() - t0
        results.append((m, verdict, why, secs))
        print("%-8s %-24s %-20s %4.0f s  %s" % (verdict, m["id"],
              m.get("clause", ""), secs, why), flush=True)
    sh(["make", "-j" + a.j], build, log)     # leave it built unmutated
    killed = sum(1 for r in results if r[1] == "KILLED")
    print("\n%d mutants: %d killed, %d survived, %d errors" % (
        len(results), killed,
        sum(1 for r in results if r[1] == "SURVIVED"),
        sum(1 for r in results if r[1] == "ERROR")))
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
