#!/usr/bin/env python3
"""Host tests of tools/ttiprof.py (the modem's TTIs in per-CPU time, docs/benchmarks.md):
a mark (uapi/muon/mark.h) compiled for ARM is found at the address of the instruction after
it, the plugin's configuration names it, and a record stream of known counts gives the
response, its split and the IPIs and requests served, TTI by TTI. One line per test:
PASS name / FAIL name: reason. Usage: test_ttiprof.py ROOT"""
import os
import subprocess
import sys
import tempfile

ROOT = sys.argv[1]
sys.path.insert(0, os.path.join(ROOT, "tools"))
import ttiprof  # noqa: E402

passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    passed += ok
    failed += not ok
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)


SOURCE = r"""
#include "mark.h"
volatile int x;
void f(void)
{
	x = 1;
	__asm__ volatile(".global at_first\nat_first:");
	MU_MARK(MU_MARK_TTI_END);
	x = 2;
	__asm__ volatile(".global at_second\nat_second:");
	MU_MARK(MU_MARK_STATS);
	x = 3;
}
"""


def test_marks(tmp):
    src, elf = os.path.join(tmp, "m.c"), os.path.join(tmp, "m.elf")
    with open(src, "w") as f:
        f.write(SOURCE)
    # Linked as the modem is (apps/lib/user.ld at MUON_USER_BASE, --gc-sections): the marks must survive.
    cc = subprocess.run(["arm-none-eabi-gcc", "-O2", "-marm", "-mcpu=cortex-a9", "-mfloat-abi=soft",
                         "--specs=picolibc.specs", "-nostartfiles", "-e", "f", "-T",
                         os.path.join(ROOT, "apps", "lib", "user.ld"), "-Wl,--gc-sections",
                         "-Wl,--defsym=MUON_USER_BASE=0x01000000", "-I", os.path.join(ROOT, "uapi", "muon"), src,
                         "-o", elf],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if cc.returncode:
        check("ttiprof_marks_found", False, cc.stdout.strip())
        return
    syms = {}
    for line in subprocess.run(["arm-none-eabi-nm", elf], stdout=subprocess.PIPE, text=True).stdout.splitlines():
        w = line.split()
        if len(w) == 3:
            syms[w[2]] = int(w[0], 16)
    got = sorted(ttiprof.elf_marks(elf))
    want = sorted([(syms.get("at_first"), 7), (syms.get("at_second"), 10)])
    check("ttiprof_marks_found", got == want, f"{[(hex(a), k) for a, k in got]}, want "
          f"{[(hex(a or 0), k) for a, k in want]}")
    conf = ttiprof.conf_text(elf, elf)
    lines = conf.splitlines()
    check("ttiprof_conf", "range modem 1000000 2000000" in lines and f"mark tti_end {syms['at_first']:x}" in lines
          and f"dump {syms['at_second']:x}" in lines and lines.index("range modem 1000000 2000000") <
          lines.index("range user 0 c0000000"), conf)


# vCPU 0: one TTI before the window, then one shed inside it (counted apart), and one that an idle CPU woke for: a request
# and an IPI served in it, 100 instructions of another thread; vCPU 1's records interleave.
RECORDS = """vcpus 2
categories modem kernel user other
M irq 0 100 10 90 0 0
M pace 0 150 10 140 0 0
M tti_end 0 400 200 200 0 0
M window 0 500 250 250 0 0
M irq 0 600 260 340 0 0
M pace 0 620 260 360 0 0
M tti_shed 0 700 300 400 0 0
M wake 0 1000 300 700 0 0
M drq_begin 0 1010 300 710 0 0
M drq_begin 0 1012 300 712 0 0
M drq_end 0 1020 300 720 0 0
M drq_end 0 1030 300 730 0 0
M pace 0 1040 300 740 0 0
M irq 1 5 0 5 0 0
M drq_begin 1 6 0 6 0 0
M irq 0 1100 350 750 0 0
M ipi_begin 0 1110 350 760 0 0
M ipi_end 0 1115 350 765 0 0
M drq_end 1 90 0 90 0 0
M tti_end 0 1003000 1002000 900 100 0
M stats 0 1004000 1002100 1000 150 0
M tti_end 0 9000000 2000 900 100 0
"""


def test_report(tmp):
    path = os.path.join(tmp, "prof.out")
    with open(path, "w") as f:
        f.write(RECORDS)
    r = ttiprof.report(path)
    w = r.get("worst", {})
    check("ttiprof_window", r.get("ttis") == 1 and r.get("vcpu") == 0 and r.get("shed") == 1, str(r))
    check("ttiprof_response", r.get("response_max") == 1002000 and r.get("response_p99") == 1002000, str(r))
    check("ttiprof_split", (w.get("modem"), w.get("kernel"), w.get("served"), w.get("other")) ==
          (1001700, 175, 25, 100), str(w))
    check("ttiprof_served", (w.get("ipis"), w.get("requests")) == (1, 1), str(w))
    check("ttiprof_other_threads", r.get("nonmodem_user_instructions") == 150, str(r))
    check("ttiprof_over_budget", r.get("over_budget") == 1, str(r))


with tempfile.TemporaryDirectory() as tmp:
    test_marks(tmp)
    test_report(tmp)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
