#!/usr/bin/env python3
"""latprof: the kernel's longest paths in per-CPU instructions, from the insnprof plugin (tools/insnprof.c).

The kernel runs with interrupts off. Its longest path on a CPU, and the
longest hold of its object lock, are what ci/bench reports as
kernel_irqoff_max and obj_lock_hold_max (docs/benchmarks.md, "Kernel
latency"). Under -icount the board clock counts the instructions of every
vCPU, so a path that waits (for the lock, a request, a grace period) counts
what the others ran meanwhile. This tool has the plugin count each vCPU's own
instructions instead, in two kinds of stretch:

  kernel  from an exception vector (or the instruction after a WFI: the CPU
          wakes to serve an interrupt) to an exception return to user mode
          (RFE, arch_user_return) or a WFI (the idle loop)
  lock    from obj_lock having the lock (the mark MU_MARK_LOCKED) to
          obj_unlock releasing it (MU_MARK_UNLOCK)

A WFE executes once however long the CPU waits in it, so the count is the
CPU's own work, its waiting loops included (one round per wake-up); the
instructions all vCPUs executed over the same stretch (under -icount the
board clock's view) are recorded too, and their difference is the wait.

  latprof.py conf KERNEL_ELF [BOUND] > lat.conf
  qemu-system-arm ... -plugin libinsnprof.so,conf=lat.conf,out=lat.prof
  latprof.py report lat.prof [PHASE...]     one JSON object

The kernel's MU_SCHED_INFO_RESET (the stress driver's LAT line after each
phase, one per CPU) ends a window (the mark MU_MARK_LAT_RESET); report
gives the figures per window group, named by the phases given in order.
Python 3 standard library only.
"""
import json
import re
import subprocess
import sys

from ttiprof import elf_marks

BOUND = 20000          # issue 15: no path and no hold longer than this
VECTORS_VA = 0xffff0000  # arch/arm/arch.h: the vector page (SCTLR.V)
VECTOR_OFFSETS = (0x04, 0x08, 0x0c, 0x10, 0x18)   # undefined, SVC, prefetch abort, data abort, IRQ
ENTRIES = ("svc_entry", "irq_entry", "undef_entry", "pabt_entry", "dabt_entry")   # arch/arm/entry.S
# Phases whose test resets the kernel's maxima once more itself (apps/tests/lat.c, lo_maxima).
EXTRA_RESETS = {"long-operations": 1}


def disassembly(elf):
    return subprocess.run(["arm-none-eabi-objdump", "-d", "--no-show-raw-insn", elf], stdout=subprocess.PIPE,
                          text=True, check=True).stdout


def functions(elf):
    """([(name, start, end)] of the ELF's code, {symbol: address}): functions by their size (nm -S), and
    the assembly's labels without one (the entry code) up to the next symbol."""
    out = subprocess.run(["arm-none-eabi-nm", "-S", "--defined-only", "-n", elf], stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    rows = [f for f in (line.split() for line in out.splitlines()) if len(f) >= 3]
    funcs, syms = [], {}
    for i, f in enumerate(rows):
        syms[f[-1]] = int(f[0], 16)
        if f[-2] not in "tTwW" or f[-1][0] in "$.":
            continue
        start = int(f[0], 16)
        if len(f) == 4 and int(f[1], 16):
            funcs.append((f[3], start, start + int(f[1], 16)))
        elif len(f) == 3 and i + 1 < len(rows) and int(rows[i + 1][0], 16) > start:
            funcs.append((f[2], start, int(rows[i + 1][0], 16)))
    return funcs, syms


def conf_text(kernel_elf, bound=BOUND):
    dis = disassembly(kernel_elf)
    insns = {op: [int(a, 16) for a in re.findall(r"^ *([0-9a-f]+):\s+" + op + r"\b", dis, re.M)]
             for op in ("rfe[a-z]*", "wfi", "wfe")}
    funcs, syms = functions(kernel_elf)
    marks = {kind: addr for addr, kind in elf_marks(kernel_elf)}
    if not insns["rfe[a-z]*"] or not insns["wfi"] or 11 not in marks or 12 not in marks:
        raise ValueError(f"{kernel_elf}: no RFE, WFI or object-lock marks found")
    lines = ["# written by tools/latprof.py conf", f"stretch kernel {bound}"]
    lines += [f"begin kernel {VECTORS_VA + off:x}" for off in VECTOR_OFFSETS]
    lines += [f"begin kernel {syms[e]:x}" for e in ENTRIES if e in syms]
    lines += [f"end kernel {a:x}" for a in insns["rfe[a-z]*"] + insns["wfi"]]
    lines += [f"begin kernel {a + 4:x}" for a in insns["wfi"]]
    lines += [f"stretch lock {bound}", f"begin lock {marks[11]:x}", f"end lock {marks[12]:x}"]
    lines += [f"wait {a:x}" for a in insns["wfe"]]
    if 13 in marks:
        lines.append(f"reset {marks[13]:x}")
    lines.append(f"func vectors {VECTORS_VA:x} {VECTORS_VA + 0x1000:x}")
    lines += [f"func {n} {s:x} {e:x}" for n, s, e in funcs]
    return "\n".join(lines) + "\n"


def parse(path):
    """(vcpus, windows): each window a dict kind -> vcpu -> its S/P/F/W records, plus "over": O records."""
    vcpus, windows, cur, over = 0, [], {}, []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "vcpus":
                vcpus = int(w[1])
            elif w[0] in ("R", "T") and (w[0] == "R" or "final" not in cur):
                # R: the records of the window that just ended follow; T: the exit's dump (once). The
                # O records came as their stretches closed, before the R of their window.
                cur, over = {"over": over, "end": int(w[2]) if w[0] == "R" else None}, []
                if w[0] == "T":
                    cur["final"] = True
                windows.append(cur)
            elif w[0] == "S":
                rec = cur.setdefault(w[1], {}).setdefault(int(w[2]), {})
                rec.update(n=int(w[3]), over=int(w[4]), max=int(w[5]), all=int(w[6]), waits=int(w[7]),
                           frm=w[8], at=w[9], end=w[10])
            elif w[0] == "P":
                cur.setdefault(w[1], {}).setdefault(int(w[2]), {})["path"] = w[3:]
            elif w[0] == "F":
                cur.setdefault(w[1], {}).setdefault(int(w[2]), {}).setdefault("funcs", []).append(
                    [w[3], int(w[4])])
            elif w[0] == "W":
                cur.setdefault(w[1], {}).setdefault(int(w[2]), {})["wait"] = dict(
                    wait=int(w[3]), own=int(w[4]), all=int(w[5]), waits=int(w[6]), frm=w[7], at=w[8])
            elif w[0] == "O":
                over.append(dict(kind=w[1], vcpu=int(w[2]), len=int(w[3]), all=int(w[4]), waits=int(w[5]),
                                        frm=w[6], at=w[7], end=w[8], funcs=w[9:]))
    return vcpus, windows


def groups(vcpus, windows, phases):
    """[(phase, [windows])]: the windows between one LAT line's resets and the next's; the boot's first."""
    resets = [w for w in windows if "final" not in w]
    want = [("boot", 1)] + [(p, 1 + EXTRA_RESETS.get(p, 0)) for p in phases]
    if vcpus and len(resets) == vcpus * sum(n for _, n in want):
        out, i = [], 0
        for name, n in want:
            out.append((name, resets[i:i + vcpus * n]))
            i += vcpus * n
        return out
    return [("boot", resets[:vcpus]), ("load", resets[vcpus:])]   # no phase names to go by


def merge(ws, kind):
    """Per vCPU over windows ws: the longest stretch, the longest wait, stretches and how many were over."""
    per = {}
    for w in ws:
        for v, r in w.get(kind, {}).items():
            m = per.setdefault(v, {"n": 0, "over": 0, "max": -1, "wait": {"wait": -1}})
            m["n"] += r.get("n", 0)
            m["over"] += r.get("over", 0)
            if r.get("max", -1) > m["max"]:
                m.update({k: r.get(k) for k in ("max", "all", "waits", "frm", "at", "end", "path", "funcs")})
            if r.get("wait", {}).get("wait", -1) > m["wait"]["wait"]:
                m["wait"] = r["wait"]
    return per


def report(path, phases=()):
    vcpus, windows = parse(path)
    gs = groups(vcpus, windows, list(phases))
    out = {"vcpus": vcpus, "windows": len(windows), "phases": {}}
    for name, ws in gs[1:]:
        ph = out["phases"][name] = {}
        for kind in ("kernel", "lock"):
            ph[kind] = merge(ws, kind)
        ph["over"] = [o for w in ws for o in w["over"]]
    for kind in ("kernel", "lock"):
        best = None
        for name, ph in out["phases"].items():
            for v, m in ph[kind].items():
                if best is None or m["max"] > best["max"]:
                    best = dict(m, vcpu=v, phase=name)
        out[kind] = best
    return out


def main(argv):
    if len(argv) >= 3 and argv[1] == "conf":
        sys.stdout.write(conf_text(argv[2], int(argv[3]) if len(argv) > 3 else BOUND))
        return 0
    if len(argv) >= 3 and argv[1] == "report":
        print(json.dumps(report(argv[2], argv[3:])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
