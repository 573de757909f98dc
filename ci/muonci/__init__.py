"""muonci: Muon's host-side driver for ci/qemu, ci/test, ci/bench, ci/stress, ci/trace and ci/gdb
(standard library only). ci/muon.py is its command line (cli.py).

Every board is built with CMake (one preset per board) and booted with QEMU's
-kernel (the raw image, so QEMU boots it like a Linux zImage: DTB address in
r2, secondary CPUs in the board's holding pen or powered off behind PSCI), or
through U-Boot from a disk image (ci/uboot.py, docs/booting.md).

The modules: build (CMake), qemu (command lines, device trees, the console),
results (one line per test, the count, JUnit XML), suites/ (what ci/test runs,
a module per suite with its expectations: lint, host, boot, image, console,
kdb, gdb), bench, stress and cli.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# ci/boards.py and ci/uboot.py, tools/muontrace.py and tools/ttiprof.py: imported by name.
for _d in ("ci", "tools"):
    if os.path.join(ROOT, _d) not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, _d))
