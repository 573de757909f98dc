#!/usr/bin/env python3
"""ipcbudget.py BOARD [BENCH]: where the instructions of one steady-state IPC
round trip go, step by step, measured (docs/ipc.md).

Boots build/BOARD's boot-test image (built already) under -icount with the
insnprof plugin (build/host/tests/libinsnprof.so, tools/insnprof.c). Every
vCPU's per-PC histogram counts from reset and is written out each time a
benchmark starts (bench_per) and each time it sorts its batches (qsort), so
the difference of two dumps in a row whose op_call count is 21 x 50 is one
round-trip benchmark, both CPUs, plus its 42 clock reads. BENCH picks
which: 0 is ipc_roundtrip_same_cpu (two tasks), 1
ipc_roundtrip_same_cpu_same_task, 2 ipc_roundtrip_cross_cpu.
Every kernel PC goes to the step of the innermost function it was inlined
from (arm-none-eabi-addr2line -i), the fast path's own lines to its checks
or its hand-over; counts are divided by the round trips (op_call's count).
"""
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The step of a kernel PC, by the innermost function it belongs to.
STEPS = [
    ("exception entry (svc_entry)", {"svc_entry"}),
    ("fast path: operation, capability and preconditions", {"ipc_fast", "fast_call", "fast_reply_wait", "cap_read",
                                                            "cpu_quiet_below", "can_switch_to", "needs_slow",
                                                            "rq_top_prio", "binding_get", "gate_peer"}),
    ("fast path: message copy", {"copy_words"}),
    ("fast path: hand-over (states, registers, reply right, counter)", set()),
    ("clock read", {"bsp_clock_inline", "bsp_clock_ns"}),
    ("time charged to the caller", {"sched_charge"}),
    ("switch: current and state", {"sched_direct"}),
    ("address space (ASID, TTBR0)", {"sched_switch_to", "asid_switch", "arch_load64", "arch_dmb",
                                     "arch_switch_space", "arch_isb", "asid_switch_slow"}),
    ("TLS and UTCB registers", {"arch_set_user_tp"}),
    ("trace record", {"trace_direct", "trace_put"}),
    ("exception return", {"arch_user_return"}),
]
HANDOVER = STEPS[3][0]
CHECKS = STEPS[1][0]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def symbols(elf):
    out = {}
    for line in sh(["arm-none-eabi-nm", elf]).splitlines():
        f = line.split()
        if len(f) == 3:
            out[f[2]] = int(f[0], 16)
    return out


def handover_lines():
    """fastpath.c lines of the hand-over: in fast_call and fast_reply_wait, from copy_words on."""
    lines, inside = set(), False
    with open(os.path.join(ROOT, "kernel", "fastpath.c")) as f:
        for n, text in enumerate(f, 1):
            if text.startswith("static") or text.startswith("struct") or text.startswith("}"):
                inside = False
            if "\tcopy_words(" in text:
                inside = True
            if inside:
                lines.add(n)
    return lines


def classify(elf, pcs):
    """pc -> step name."""
    if not pcs:
        return {}
    out = sh(["arm-none-eabi-addr2line", "-a", "-f", "-i", "-e", elf] + ["%x" % p for p in pcs]).splitlines()
    frames, pc = {}, None
    for line in out:   # per address: its own line "0x...", then (function, file:line) pairs, innermost first
        if re.fullmatch(r"0x[0-9a-f]+", line):
            pc = int(line, 16)
            frames[pc] = []
        else:
            frames[pc].append(line)
    res, handover = {}, handover_lines()
    for pc in pcs:
        fr = frames.get(pc, ["?", "?"])
        fn, loc = fr[0], fr[1] if len(fr) > 1 else "?"
        step = None
        for name, fns in STEPS:
            if fn in fns:
                step = name
        if step == CHECKS and loc.split("/")[-1].startswith("fastpath.c"):
            m = re.search(r":(\d+)", loc)
            if m and int(m.group(1)) in handover:
                step = HANDOVER
        res[pc] = step or "other kernel: " + fn
    return res


def main():
    board = sys.argv[1] if len(sys.argv) > 1 else "vexpress-a9"
    which = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    bdir = os.path.join(ROOT, "build", board)
    plugin = os.path.join(ROOT, "build", "host", "tests", "libinsnprof.so")
    user = symbols(os.path.join(bdir, "tests.elf"))
    kernel_elf = os.path.join(bdir, "muon.elf")
    with tempfile.TemporaryDirectory() as tmp:
        conf, out = os.path.join(tmp, "prof.conf"), os.path.join(tmp, "prof.out")
        with open(conf, "w") as f:
            f.write("hist\ndump %x\ndump %x\n" % (user["bench_per"], user["qsort"]))
        with open(os.path.join(bdir, "qemu.args")) as f:
            args = f.read().split()
        cmd = ["qemu-system-arm"] + args + ["-smp", "4", "-kernel", os.path.join(bdir, "muon.bin"), "-dtb",
                                            os.path.join(bdir, "board.dtb"), "-display", "none", "-serial", "stdio",
                                            "-monitor", "none", "-no-reboot", "-icount", "shift=0,sleep=off",
                                            "-plugin", "%s,conf=%s,out=%s" % (plugin, conf, out)]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        bench = []
        for line in p.stdout:
            if line.startswith("BENCH "):
                bench.append(line.strip())
            if "BENCH ipc_roundtrip_cross_cpu" in line or "TEST DONE" in line:
                break
        p.kill()
        p.wait()
        dumps, cur = [], None
        with open(out) as f:
            for line in f:
                if line.startswith("T 0 "):
                    cur = {}
                    dumps.append(cur)
                elif line.startswith("H ") and cur is not None and len(line.split()) == 4 and line.endswith("\n"):
                    _, pc, vcpu, n = line.split()   # (QEMU is killed as it writes a later dump: its last line is cut)
                    key = (int(pc, 16), int(vcpu))
                    cur[key] = cur.get(key, 0) + int(n)
    op = (user["op_call"], 0)
    windows = [i for i in range(1, len(dumps)) if dumps[i].get(op, 0) - dumps[i - 1].get(op, 0) == 21 * 50]
    if len(windows) <= which:
        sys.exit("ipcbudget: only %d round-trip benchmarks between dumps" % len(windows))
    hist = dict(dumps[windows[which]])
    for k, v in dumps[windows[which] - 1].items():
        hist[k] = hist.get(k, 0) - v
    trips = hist.get(op, 0)
    kernel = sorted({pc for (pc, _), n in hist.items() if n and pc >= 0xc0000000})
    step_of = classify(kernel_elf, kernel)
    totals = {}
    for (pc, vcpu), n in hist.items():
        if not n:
            continue
        step = step_of.get(pc, "user (client loop, server loop, system call stubs)")
        totals[step] = totals.get(step, 0) + n
    for line in bench:
        print(line)
    print("%s: %d round trips; instructions per round trip:" % (board, trips))
    order = [s for s, _ in STEPS] + sorted(s for s in totals if s not in dict(STEPS))
    for s in order:
        if s in totals:
            print("%8.1f  %s" % (totals[s] / trips, s))
    print("%8.1f  total" % (sum(totals.values()) / trips))


if __name__ == "__main__":
    main()
