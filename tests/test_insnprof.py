#!/usr/bin/env python3
"""Host tests of the TCG plugin tools/insnprof.c: a bare-metal loop of known length
runs on an emulated Cortex-A9 (QEMU vexpress-a9, -icount shift=0) and the plugin must
count it exactly: per vCPU, per PC range, per PC, at marks and at exit; a bad conf
line must be refused with its line number. A second program calls a function three
times with loops of known length: the plugin's stretches (begin at the function, end
at its return) must give the longest one's exact length, where it was called from,
its waits, functions and how many were over a bound. One line per test: PASS name / FAIL name:
reason. Usage: test_insnprof.py ROOT PLUGIN"""
import os
import re
import subprocess
import sys
import tempfile

ROOT, PLUGIN = sys.argv[1], sys.argv[2]
passed = failed = 0
LOOPS = 1000

# _start: 1 instruction, then LOOPS x (subs, bne), then semihosting SYS_EXIT.
PROGRAM = f"""
    .arm
    .global _start
_start:
    ldr r2, ={LOOPS}
loop:
    subs r2, r2, #1
    bne loop
done:
    mov r0, #0x18
    ldr r1, =0x20026
    svc 0x123456
    b .
"""


# Three calls of work (wfe, mov, N x (subs, bne), bl leaf, leaf's two instructions, then "leave"):
# a stretch from work to leave is 2N + 5 instructions, one wait, functions work and leaf.
STRETCHED = f"""
    .arch armv7-a
    .arm
    .global _start
_start:
    ldr r2, ={LOOPS}
    bl work
    ldr r2, ={2 * LOOPS}
call2:
    bl work
    mov r2, #3
    bl work
    mov r0, #0x18
    ldr r1, =0x20026
    svc 0x123456
    b .
work:
    wfe
    mov r4, lr
inner:
    subs r2, r2, #1
    bne inner
    bl leaf
leave:
    bx r4
leaf:
    mov r0, r0
    bx lr
theend:
"""


def check(name, ok, why=""):
    global passed, failed
    passed += ok
    failed += not ok
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)


def run(d, conf, elf="loop.elf"):
    with open(os.path.join(d, "prof.conf"), "w") as f:
        f.write(conf)
    out = os.path.join(d, "prof.out")
    r = subprocess.run(["qemu-system-arm", "-M", "vexpress-a9", "-smp", "1", "-icount", "shift=0",
                        "-display", "none", "-serial", "null", "-monitor", "none", "-nodefaults",
                        "-semihosting", "-kernel", os.path.join(d, elf),
                        "-plugin", f"{PLUGIN},conf={d}/prof.conf,out={out}"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    text = open(out).read() if os.path.exists(out) else ""
    return r, text


def build(d, name, text):
    """name.elf from the assembly text; its symbols."""
    with open(os.path.join(d, name + ".S"), "w") as f:
        f.write(text)
    subprocess.run(["arm-none-eabi-gcc", "-nostdlib", "-Wl,-Ttext=0x60010000", "-o",
                    os.path.join(d, name + ".elf"), os.path.join(d, name + ".S")], check=True)
    nm = subprocess.run(["arm-none-eabi-nm", os.path.join(d, name + ".elf")], stdout=subprocess.PIPE,
                        text=True, check=True).stdout
    return {x.split()[2]: int(x.split()[0], 16) for x in nm.splitlines() if len(x.split()) == 3}


def stretches(d):
    """The stretch records of the three calls of work (STRETCHED)."""
    sym = build(d, "stretch", STRETCHED)
    n = 2 * LOOPS + 5
    conf = (f"stretch call {n}\nbegin call {sym['work']:x}\nend call {sym['leave']:x}\n"
            f"wait {sym['work']:x}\nfunc work {sym['work']:x} {sym['leaf']:x}\n"
            f"func leaf {sym['leaf']:x} {sym['theend']:x}\nreset {sym['call2']:x}\n")
    r, text = run(d, conf, "stretch.elf")
    s = re.findall(r"^S call 0 (.*)$", text, re.M)
    got = [x.split() for x in s]
    # The reset at call2 closes a window with the first call; the exit's records hold the other two.
    want = [["1", "0", str(n), str(n), "1", f"{sym['_start'] + 4:x}", f"{sym['work']:x}", f"{sym['leave']:x}"],
            ["2", "1", str(2 * n - 5), str(2 * n - 5), "1", f"{sym['call2']:x}", f"{sym['work']:x}",
             f"{sym['leave']:x}"]]
    check("insnprof_stretch_longest", got == want and bool(re.search(r"^R 0 \d+$", text, re.M)),
          f"S records {got}, expected {want} (exit {r.returncode})")
    p = re.search(r"^P call 0 (.*)$", text, re.M)
    f = dict(re.findall(r"^F call 0 (\S+) (\d+)$", text, re.M))
    check("insnprof_stretch_functions", bool(p) and p.group(1) == "work leaf" and
          f == {"work": str(2 * n - 7), "leaf": "2"}, f"path {p and p.group(1)!r}, functions {f}")
    o = re.findall(r"^O call 0 (.*)$", text, re.M)
    want = [f"{2 * n - 5} {2 * n - 5} 1 {sym['call2']:x} {sym['work']:x} {sym['leave']:x} work:{2 * n - 7} leaf:2"]
    check("insnprof_stretch_over", o == want, f"O records {o}, expected {want}")
    w = re.search(r"^W call 0 (\d+) (\d+) (\d+)", text, re.M)
    check("insnprof_stretch_wait", bool(w) and w.group(1) == "0" and w.group(2) == w.group(3),
          f"W record {w and w.group(0)!r}: one vCPU, nobody else ran")


def main():
    with tempfile.TemporaryDirectory() as d:
        sym = build(d, "loop", PROGRAM)
        conf = (f"# the loop and its ends\nrange loop {sym['loop']:x} {sym['done']:x}\n"
                f"mark start {sym['_start']:x}\nmark done {sym['done']:x}\n"
                f"histon {sym['_start']:x}\nhistoff {sym['done']:x}\n")
        r, text = run(d, conf)
        check("insnprof_runs", r.returncode == 0 and text.startswith("vcpus 1\ncategories loop other"),
              f"qemu exit {r.returncode}: {r.stdout[-300:]} / {text[:100]!r}")
        m = {g[0]: [int(x) for x in g[1].split()] for g in re.findall(r"^M (\w+) 0 (.*)$", text, re.M)}
        if "start" in m and "done" in m:
            total = m["done"][0] - m["start"][0]
            looped = m["done"][1] - m["start"][1]
            check("insnprof_counts_exact", total == 1 + 2 * LOOPS,
                  f"{total} instructions from _start to done, expected {1 + 2 * LOOPS}")
            check("insnprof_ranges", looped == 2 * LOOPS and m["start"][1] == 0,
                  f"{looped} in the loop range, expected {2 * LOOPS}")
        else:
            check("insnprof_marks", False, f"no start/done marks in {text[:200]!r}")
        h = {int(a, 16): int(c) for a, c in re.findall(r"^H (\w+) 0 (\d+)$", text, re.M)}
        check("insnprof_histogram", h.get(sym["loop"]) == LOOPS and sym["done"] not in h and
              sum(h.values()) == 1 + 2 * LOOPS, f"histogram {sorted(h.items())[:6]}")
        t = re.findall(r"^T 0 (\d+)", text, re.M)
        check("insnprof_total_at_exit", bool(t) and int(t[-1]) >= 1 + 2 * LOOPS + 3,
              f"exit totals {t}")
        r, text = run(d, "mark start 6001000\nrange a 10 zz\n")
        check("insnprof_conf_error", r.returncode != 0 and "prof.conf:2:" in r.stdout,
              f"exit {r.returncode}, said: {r.stdout.strip()[-200:]!r}")
        stretches(d)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
