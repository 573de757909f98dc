"""One line per test (`PASS label name` / `FAIL label name: why`), the closing `N passed, N failed`,
and, when asked (ci/test --junit FILE, or MUON_JUNIT=FILE), the same results as a JUnit XML report."""
import os
import time
import xml.etree.ElementTree as ET


class Results:
    """The results of one run. label is the board (or lint, host, a variant boot's label): the
    JUnit test suite; name the test. A case's time is the real time since the result before it,
    so a boot's time goes to its first test."""

    def __init__(self, junit=None):
        self.passed = self.failed = 0
        self.junit = junit or os.environ.get("MUON_JUNIT") or None
        self.cases = []   # (label, name, ok, why, seconds)
        self.t0 = self.last = time.monotonic()

    def add(self, ok, board, name, why="", note=""):
        """One test's result; note: what a passing test says after its name (ci/stress's counts)."""
        if ok:
            self.passed += 1
            print(f"PASS {board} {name}" + (f": {note}" if note else ""), flush=True)
        else:
            self.failed += 1
            print(f"FAIL {board} {name}: {why}", flush=True)
        now = time.monotonic()
        self.cases.append((board, name, ok, "" if ok else str(why), now - self.last))
        self.last = now

    def finish(self):
        """The closing line, the JUnit report if asked for; the exit status (1 if a test failed)."""
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        if self.junit:
            write_junit(self.junit, self.cases, time.monotonic() - self.t0)
        return 1 if self.failed else 0


def write_junit(path, cases, total):
    """The JUnit XML that CI systems read: a <testsuite> per label, a <testcase> per test, a
    <failure> with the reason for each failed one."""
    root = ET.Element("testsuites", name="muon", tests=str(len(cases)),
                      failures=str(sum(not ok for _, _, ok, _, _ in cases)), time=f"{total:.3f}")
    suites = {}
    for label, name, ok, why, secs in cases:
        s = suites.get(label)
        if s is None:
            s = suites[label] = ET.SubElement(root, "testsuite", name=label, tests="0", failures="0", time="0")
        s.set("tests", str(int(s.get("tests")) + 1))
        s.set("time", f"{float(s.get('time')) + secs:.3f}")
        case = ET.SubElement(s, "testcase", classname=f"muon.{label}", name=name, time=f"{secs:.3f}")
        if not ok:
            s.set("failures", str(int(s.get("failures")) + 1))
            ET.SubElement(case, "failure", message=why.split("\n", 1)[0][:200]).text = why
    tree = ET.ElementTree(root)
    ET.indent(tree)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)
