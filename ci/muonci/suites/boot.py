"""A board's boot tests in QEMU, and the variant boots: the expectations of the boot are at the top."""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import boards
import muontrace
from muonci.build import build, build_preset
from muonci.qemu import BOOT_TIMEOUT, Console, bad_dtb, claiming_dtb, linux_dtb, mem_mb, qemu_cmd, qemu_own_dtb, size_mb, uboot_cmd


# ---- The expectations: what a boot prints and what each check reads (regexes over console lines).
TEST_LINE = r"^TEST (PASS|FAIL) (\S+)(?:: (.*))?$"   # one line per test, the kernel's (kernel/ktest.c) and init's
DONE = r"^TEST DONE"                                # the end of the suite (apps/tests/driver/boot.c)
# With a malformed DTB, the run ends when init starts: the kernel has then chosen its
# platform and run its own tests on it; the user-level tests would only repeat a plain boot.
INIT_STARTS = r"^init: running \d+ test tasks"
# The variant boots (the most memory, U-Boot, device trees written by others) end after this
# test: by then the kernel has taken its platform from the tree, run its own tests, and user
# tasks on every CPU have faulted, called, been moved and used kernel memory; the rest of the
# suite is the same on every variant and runs in the board's own boot and the smp2 one.
SHORT_BOOT = r"^TEST (PASS|FAIL) rights_table"
CPUS_ONLINE = r"^muon: (\d+) cpus online"          # smp_matches_qemu: as many as QEMU's -smp
MEMORY = r"^muon: memory (\d+) MiB at"             # mem_matches_qemu: what QEMU gives (boards.py: MUON_CI_MAX_MEM)
TREE_LINE = "muon: device tree:"                    # dtb_taken_whole: said once, and not "(board table)"
FALLBACK_WARNING = r"^muon: warning: no valid device tree at .*: using the .* board table$"   # fallback_warning
# The policies in configs/ are written for 4 CPUs ("cpus 4"). With fewer, the balancer
# must refuse configs/test.policy, and the tests that need it then report NO_BALANCER;
# the system-file check must refuse default.policy alike. Both are one check,
# policies_refuse_cpu_count, instead of those tests' failures.
CPU_REFUSAL = r"cpus \d+ but the board has {smp} CPUs$"
BALANCER_REFUSAL = r"^balancer: policy:\d+:\d+: "
NO_BALANCER = "no balancer"
# With a malformed DTB the kernel must not take it: these tests must fail, for this reason,
# and count as the passing test named instead.
BAD_DTB_FAILS = {"dtb_matches_board": ("dtb_rejected", "no device tree was parsed")}
NOT_SAID = ("TRACE", "status:", "BENCH")            # not shown as the console before a failure
TRACE_KINDS = ("sched", "ipc", "irq", "drq", "migrate", "lb", "modem")   # trace_converts: every kind of event

KCHECK_PRESET = "vexpress-a9-kcheck"   # the build with the kernel's invariant checks (MUON_KCHECK) ci/test runs
NOFAST_PRESET = "vexpress-a9-nofast"   # the build without the IPC fast path (MUON_FASTPATH=OFF) ci/test runs


def target_tests(res, board, smp=4, mem=None, label=None, via_uboot=False, malformed_dtb=False, preset=None,
                 dtb=None, expect=(), session=None, until=None):
    """Boots board once and reports its TEST lines and the boot checks. via_uboot: through
    U-Boot from the disk image; malformed_dtb: -dtb with bad_dtb(), which the kernel must
    reject with a warning and replace by the board table; preset: a CMake preset of the
    board other than its own (e.g. the MUON_KCHECK build); dtb: a function of the build directory
    giving a tree written by others to boot with instead of the board's, which the kernel must
    take whole (no fallback, nothing marked "(board table)"); expect: (name, regex) pairs, each
    a test that passes when a console line matches; session: a function (res, console, label,
    boot output) run on the booted system after TEST DONE, before QEMU stops; until: a regex of
    the console line that ends the boot instead of TEST DONE (SHORT_BOOT: the variant boots)."""
    label = label or board
    try:
        bdir = build_preset(preset, quiet=True) if preset else build(board, quiet=True)
        if via_uboot:
            cmd = uboot_cmd(board, bdir, smp, mem)
        else:
            cmd = qemu_cmd(bdir, smp, mem, dtb=bad_dtb(bdir) if malformed_dtb else dtb(bdir) if dtb else True)
    except RuntimeError as e:
        res.add(False, label, "build", str(e))
        return
    done = INIT_STARTS if malformed_dtb else until or DONE
    failed_before = res.failed
    con = Console(cmd)
    try:
        lines, reason = con.lines_until(re.compile(done), BOOT_TIMEOUT)
        if session and reason == "done":   # the console, driven on the booted system
            session(res, con, f"{label}-console", "\n".join(lines))
    finally:
        con.close()
    board_rx = CPU_REFUSAL.format(smp=smp)
    refused = any(re.match(BALANCER_REFUSAL + board_rx, x) for x in lines)
    seen, refusals = set(), []
    for line in lines:
        m = re.match(TEST_LINE, line)
        if not m:
            continue
        seen.add(m.group(2))
        if smp < 4 and m.group(1) == "FAIL" and (refused and m.group(3) == NO_BALANCER or
                                                  re.search(board_rx, m.group(3) or "")):
            refusals.append(m.group(2))
            continue
        if malformed_dtb and m.group(2) in BAD_DTB_FAILS:
            name, why = BAD_DTB_FAILS[m.group(2)]
            res.add(m.group(1) == "FAIL" and m.group(3) == why, label, name,
                    f"{m.group(2)} says: {m.group(1)} {m.group(3) or ''}")
            continue
        res.add(m.group(1) == "PASS", label, m.group(2), m.group(3) or "")
    if smp < 4:
        res.add(refused and bool(refusals), label, "policies_refuse_cpu_count",
                "no refusal of configs/test.policy on the console" if not refused else "no balancer test ran")
    if malformed_dtb:
        warned = any(re.match(FALLBACK_WARNING, x) for x in lines)
        res.add(warned, label, "fallback_warning", "no 'no valid device tree' warning on the console")
    if dtb:
        told = [x for x in lines if x.startswith(TREE_LINE)]
        res.add(len(told) == 1 and "(board table)" not in told[0], label, "dtb_taken_whole",
                f"the kernel's tree line: {told[0] if told else 'none (the tree was refused)'}")
    for name, rx in expect:
        res.add(any(re.search(rx, x) for x in lines), label, name, f"no console line matches {rx!r}")
    online = [int(m.group(1)) for m in (re.match(CPUS_ONLINE, x) for x in lines) if m]
    res.add(online == [smp], label, "smp_matches_qemu",
            f"kernel reports {online[0] if online else 'no'} cpus online, QEMU has {smp}")
    want_mb = mem_mb(board, bdir, mem)
    got = [int(m.group(1)) for m in (re.match(MEMORY, x) for x in lines) if m]
    res.add(got == [want_mb], label, "mem_matches_qemu",
            f"kernel reports {got[0] if got else 'no'} MiB of memory, QEMU has {want_mb} MiB")
    if reason != "done":
        tail = " | ".join(lines[-8:])
        res.add(False, label, "boot", f"{reason} after {len(seen)} tests; console: {tail}")
    if res.failed > failed_before:
        # What the system said before the failure: its own lines, not the trace dump or status.
        said = [x for x in lines if not x.startswith(NOT_SAID)]
        # And what each failed test said just before its verdict, however early it came.
        fails = [i for i, x in enumerate(said) if x.startswith("TEST FAIL")]
        early = [x for i in fails if i < len(said) - 25 for x in said[max(0, i - 12):i + 1] if not x.startswith("TEST PASS")]
        print(f"muon: {label}: console before the failure:", *("    " + x for x in early + said[-25:]), sep="\n",
              file=sys.stderr, flush=True)
    if not malformed_dtb and not until:   # the trace is dumped at the end of the suite
        check_trace(res, label, lines, smp, os.path.join(bdir, "muon.elf"))
    if label == board:   # a property of the build, not of the boot: checked once
        nm = subprocess.run(["arm-none-eabi-nm", os.path.join(bdir, "muon.elf")], stdout=subprocess.PIPE,
                            text=True).stdout
        kdb = [x.split()[-1] for x in nm.splitlines() if "kdb" in x.lower()]
        res.add(not kdb, label, "release_has_no_kdb", f"kdb symbols in the default build: {' '.join(kdb[:5])}")


def default_mem(board):
    """The -m of the board's MUON_QEMU_ARGS."""
    args = boards.config(board)["MUON_QEMU_ARGS"]
    return args[args.index("-m") + 1]


def variant_boot(res, board, kind):
    """One of the boots the board's MUON_CI_BOOTS names besides the plain one: the same image
    with fewer CPUs (smp2, with a DTB that says so), the most memory (big-mem: QEMU writes -m
    into the DTB), a malformed DTB (bad-dtb), through U-Boot (uboot), or with trees written by
    others (docs/booting.md): Linux's from Debian's armhf kernel (linux-dtb), QEMU's own (qemu-dtb:
    1 MiB, 2 MiB once -dtb has loaded it), each at the board's default memory or at big-mem, and
    a tree claiming more memory than QEMU gives (claims-1G)."""
    big = boards.value(board, "MUON_CI_BIG_MEM")
    mem = big if kind.endswith("-big-mem") else default_mem(board)
    if kind == "smp2":
        target_tests(res, board, smp=2, label=f"{board}-smp2")
    elif kind == "big-mem":
        target_tests(res, board, mem=big, label=f"{board}-{big}", until=SHORT_BOOT)
    elif kind == "bad-dtb":
        target_tests(res, board, malformed_dtb=True, label=f"{board}-bad-dtb")
    elif kind == "uboot":
        target_tests(res, board, via_uboot=True, label=f"{board}-uboot", until=SHORT_BOOT, expect=board_expect(board))
    elif kind.startswith("qemu-dtb"):
        target_tests(res, board, mem=mem, label=f"{board}-qemu-dtb-{mem}", until=SHORT_BOOT,
                     dtb=lambda bdir: qemu_own_dtb(bdir, mem))
    elif kind.startswith("linux-dtb"):
        try:
            path = linux_dtb(boards.value(board, "MUON_CI_LINUX_DTB"))
        except RuntimeError as e:
            res.add(False, board, "linux_dtb_fetch", str(e))
            return
        target_tests(res, board, mem=mem, label=f"{board}-linux-dtb-{mem}", until=SHORT_BOOT, dtb=lambda bdir: path)
    elif kind == "claims-1G":
        target_tests(res, board, mem=mem, label=f"{board}-claims-1G", until=SHORT_BOOT,
                     dtb=lambda bdir: claiming_dtb(bdir, 1024),
                     expect=[("memory_claim_warned",
                              rf"^muon: warning: only {size_mb(mem)} MiB of the memory the device tree claims are there")])
    else:
        res.add(False, board, f"boot_{kind}", f"bsp/{board}/board.cmake: MUON_CI_BOOTS names an unknown boot '{kind}'")


def board_expect(board):
    """The board's MUON_CI_EXPECT: (name, regex) pairs for its plain boots."""
    return [tuple(x.split("=", 1)) for x in boards.config(board).get("MUON_CI_EXPECT", [])]


def check_trace(res, label, lines, smp, elf):
    """The trace the boot printed converts: JSON with a track per CPU and slices, an SVG that parses."""
    with tempfile.TemporaryDirectory() as d:
        try:
            m = muontrace.convert(lines, os.path.join(d, "trace"), elf, f"muon trace: {label}")
            doc = json.load(open(os.path.join(d, "trace.json")))
            ET.parse(os.path.join(d, "trace.svg"))
        except (ValueError, OSError, ET.ParseError) as e:
            res.add(False, label, "trace_converts", str(e))
            return
    tracks = {e["args"]["name"] for e in doc["traceEvents"] if e.get("name") == "thread_name"}
    kinds = {e["cat"] for e in doc["traceEvents"] if "cat" in e}
    missing = [f"CPU {i}" for i in range(smp) if f"CPU {i}" not in tracks] + \
        [k for k in TRACE_KINDS if k not in kinds]
    res.add(m.trace.complete and not missing, label, "trace_converts",
            f"missing {', '.join(missing)}" if missing else "dump not complete")
