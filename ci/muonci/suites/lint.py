"""ci/lint's checks as tests."""
import os
import re
import subprocess
import sys

from muonci import ROOT

# ---- The expectations: ci/lint prints `PASS lint NAME (note)` or `FAIL lint NAME: why` per check,
# and its findings as `lint: NAME: ...` lines.
CHECK_LINE = r"^(PASS|FAIL) lint (\S+)(?:: (.*))?"

def lint_tests(res):
    """ci/lint's checks (layers, boards, whitespace, format, cppcheck), one result each; its notes echoed."""
    r = subprocess.run([os.path.join(ROOT, "ci", "lint")], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    sys.stdout.write("".join(line + "\n" for line in r.stdout.splitlines() if line.startswith("lint: ")))
    results = re.findall(CHECK_LINE, r.stdout, re.M)
    for verdict, name, why in results:
        res.add(verdict == "PASS", "lint", name, why)
    if not results:
        sys.stdout.write(r.stdout[-2000:])
        res.add(False, "lint", "run", f"ci/lint reported nothing (exit {r.returncode})")
