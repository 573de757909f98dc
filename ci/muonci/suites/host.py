"""The host unit tests (CTest), one result per PASS/FAIL line they print."""
import os
import re
import subprocess
import sys

from muonci import ROOT

# ---- The expectations: each host test prints one line per case (tests/check.h), which ctest -V
# prefixes with the test's number; a test program that crashed or failed as a whole is ctest's line.
CASE_LINE = r"^\d+: (PASS|FAIL) (\S+)(?:: (.*))?$"
CTEST_LINE = r"^\s*\d+/\d+ Test\s+#\d+: (\S+) .*\*\*\*(\w+)"

def host_tests(res):
    """Build the host preset and run ctest: one result per case line, and one per test program that failed whole."""
    bdir = os.path.join(ROOT, "build", "host")
    for step in (["cmake", "--preset", "host"], ["cmake", "--build", "--preset", "host", "-j", str(os.cpu_count())]):
        r = subprocess.run(step, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stdout.write(r.stdout[-4000:])
            res.add(False, "host", "build", " ".join(step) + " failed")
            return
    r = subprocess.run(["ctest", "--test-dir", bdir, "-V", "--timeout", "300"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = 0
    for line in r.stdout.splitlines():
        m = re.match(CASE_LINE, line)
        if m:
            seen += 1
            res.add(m.group(1) == "PASS", "host", m.group(2), m.group(3) or "")
        m = re.match(CTEST_LINE, line)
        if m and m.group(2) != "Passed":  # a test program that crashed or failed as a whole
            res.add(False, "host", m.group(1), f"ctest reports {m.group(2)}")
    if seen == 0:
        res.add(False, "host", "ctest", "no host test reported a result")
