#!/usr/bin/env python3
"""Muon's host-side driver for ci/qemu, ci/test, ci/bench and ci/stress (standard library only).

Every board is built with CMake (one preset per board) and booted with QEMU's
-kernel (the raw image, so QEMU boots it like a Linux zImage: DTB address in
r2, secondary CPUs in the board's holding pen or powered off behind PSCI), or
through U-Boot from a disk image (ci/uboot.py, docs/booting.md).
"""
import argparse
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import boards
import uboot
from boards import BOARDS   # every folder of bsp/ with a board.cmake

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOT_TIMEOUT = 300  # seconds of real time for one boot under TCG on a slow machine
# The variant boots (the most memory, U-Boot, device trees written by others) end after this
# test: by then the kernel has taken its platform from the tree, run its own tests, and user
# tasks on every CPU have faulted, called, been moved and used kernel memory; the rest of the
# suite is the same on every variant and runs in the board's own boot and the smp2 one.
SHORT_BOOT = r"^TEST (PASS|FAIL) rights_table"
KDEBUG_PRESET = "vexpress-a9-kdebug"   # the debug-console build ci/test runs (CMakePresets.json)
KCHECK_PRESET = "vexpress-a9-kcheck"   # the build with the kernel's invariant checks (MUON_KCHECK) ci/test runs
NOFAST_PRESET = "vexpress-a9-nofast"   # the build without the IPC fast path (MUON_FASTPATH=OFF) ci/test runs
sys.path.insert(0, os.path.join(ROOT, "tools"))
import muontrace  # noqa: E402  (tools/muontrace.py: the trace converter)
import ttiprof  # noqa: E402  (tools/ttiprof.py: the modem's TTIs in per-CPU time)


def die(msg):
    print(f"muon: {msg}", file=sys.stderr)
    sys.exit(2)


def check_board(board):
    if board not in BOARDS:
        die(f"unknown board '{board}' (boards: {', '.join(BOARDS)})")


def build(board, quiet=False):
    """Configure and build one board; returns its build directory."""
    out = subprocess.DEVNULL if quiet else None
    r = subprocess.run([os.path.join(ROOT, "ci", "build"), board], cwd=ROOT, stdout=out)
    if r.returncode != 0:
        raise RuntimeError(f"build of {board} failed")
    return os.path.join(ROOT, "build", board)


def build_preset(preset, quiet=False):
    """Configure and build a CMake preset that is not a plain board (e.g. the kdebug build)."""
    out = subprocess.DEVNULL if quiet else None
    for step in (["cmake", "--preset", preset], ["cmake", "--build", "--preset", preset, "-j", str(os.cpu_count())]):
        if subprocess.run(step, cwd=ROOT, stdout=out).returncode != 0:
            raise RuntimeError(f"build of {preset} failed")
    return os.path.join(ROOT, "build", preset)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_args(bdir, mem=None):
    """The board's QEMU machine arguments (-M, -cpu, -m) from build/BOARD/qemu.args."""
    with open(os.path.join(bdir, "qemu.args")) as f:
        args = f.read().split()
    if mem:
        args[args.index("-m") + 1] = mem
    return args


def size_mb(text):
    m = re.fullmatch(r"(\d+)([MG]?)", text)
    return int(m.group(1)) * (1024 if m.group(2) == "G" else 1)


def mem_mb(board, bdir, mem=None):
    """The RAM in MiB that QEMU gives the board for -m mem (or the board's default): at most
    MUON_CI_MAX_MEM (QEMU's realview-eb-mpcore maps 256 MiB at address 0, below its
    peripherals, whatever -m says, and writes only that into the DTB's /memory)."""
    args = machine_args(bdir, mem)
    size = size_mb(args[args.index("-m") + 1])
    return min(size, size_mb(boards.value(board, "MUON_CI_MAX_MEM", str(size))))


def board_dtb(bdir, smp):
    """The DTB for QEMU with smp CPUs: board.dtb (4 CPUs), or a variant without the CPUs
    beyond smp, compiled from bsp/BOARD/board.dts plus /delete-node/ lines. QEMU's -dtb
    loader writes the -m size into /memory itself, so memory needs no variant."""
    with open(os.path.join(bdir, "config.h")) as f:   # bdir may be a preset's, e.g. vexpress-a9-kdebug
        board = re.search(r'#define MUON_BOARD "([^"]+)"', f.read()).group(1)
    board_dts = os.path.join(ROOT, "bsp", board, "board.dts")
    with open(board_dts) as f:
        cpus = sorted(int(n) for n in re.findall(r"^\s*cpu@(\d+)\s*\{", f.read(), re.M))
    if smp == len(cpus):
        return os.path.join(bdir, "board.dtb")
    if not 0 < smp < len(cpus):
        die(f"{board_dts} describes {len(cpus)} CPUs: cannot make a DTB for -smp {smp}")
    vdir = os.path.join(bdir, "dtb")
    os.makedirs(vdir, exist_ok=True)
    dts, dtb = os.path.join(vdir, f"board-smp{smp}.dts"), os.path.join(vdir, f"board-smp{smp}.dtb")
    deletes = "".join(f"\t\t/delete-node/ cpu@{n};\n" for n in cpus[smp:])
    with open(dts, "w") as f:
        f.write(f'/* The board with {smp} CPUs, for QEMU -smp {smp} (written by ci/muon.py). */\n'
                f'/include/ "board.dts"\n\n/ {{\n\tcpus {{\n{deletes}\t}};\n}};\n')
    r = subprocess.run(["dtc", "-q", "-i", os.path.dirname(board_dts), "-I", "dts", "-O", "dtb", "-o", dtb, dts],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"dtc {dts}: {r.stdout.strip()}")
    return dtb


def bad_dtb(bdir):
    """A malformed copy of board.dtb: the GIC node's interrupt-controller property names a
    string beyond the strings block. QEMU's loader (libfdt) walks the tree to patch /memory
    and would refuse a broken token stream, but it tolerates this; the kernel's checker
    must reject the whole blob and fall back to the board table."""
    with open(os.path.join(bdir, "board.dtb"), "rb") as f:
        d = bytearray(f.read())
    o_st, o_str = struct.unpack_from(">II", d, 8)
    n_str, n_st = struct.unpack_from(">II", d, 32)
    off = o_st
    while off < o_st + n_st:
        tag, = struct.unpack_from(">I", d, off)
        off += 4
        if tag == 1:      # FDT_BEGIN_NODE: name, NUL, padding
            off = (d.index(0, off) + 4) & ~3
        elif tag == 3:    # FDT_PROP: len, nameoff, value
            length, nameoff = struct.unpack_from(">II", d, off)
            if d[o_str + nameoff:d.index(0, o_str + nameoff)] == b"interrupt-controller":
                struct.pack_into(">I", d, off + 4, n_str + 0x100)
                path = os.path.join(bdir, "dtb", "bad.dtb")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(d)
                return path
            off = (off + 8 + length + 3) & ~3
        elif tag == 9:    # FDT_END
            break
    raise RuntimeError("board.dtb has no interrupt-controller property to corrupt")


LINUX_DTB_META = "linux-image-armmp:armhf"   # Debian 12's armhf kernel, which ships Linux's DTBs


def linux_dtb(name):
    """Linux's DTB `name` as Debian's armhf kernel package ships it: the package the meta-package
    LINUX_DTB_META depends on is fetched with apt-get download and unpacked with dpkg-deb -x;
    the DTB is cached in build/linux-dtb/ (nothing from elsewhere is kept in the repository)."""
    cache = os.path.join(ROOT, "build", "linux-dtb")
    path = os.path.join(cache, name)
    if not os.path.exists(path):
        deps = re.findall(r"Depends: (linux-image-\S+-armmp:armhf)", boards.apt_armhf("apt-cache", "depends",
                                                                                       LINUX_DTB_META))
        if not deps:
            raise RuntimeError(f"apt-cache finds no kernel package behind {LINUX_DTB_META}")
        boards.fetch_armhf(deps[0], lambda root: {name: boards.find_in(root, name)}, cache)
    return path


def qemu_own_dtb(bdir, mem):
    """The tree QEMU itself makes for the board with -m mem (1 MiB for virt), dumped with
    -machine dumpdtb= into build/BOARD/dtb/."""
    args = machine_args(bdir, mem)
    i = args.index("-M") + 1
    path = os.path.join(bdir, "dtb", f"qemu-{mem}.dtb")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    args[i] += f",dumpdtb={path}"
    r = subprocess.run(["qemu-system-arm", *args, "-smp", "4", "-display", "none"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, env=qemu_env(), timeout=60)
    if not os.path.exists(path):
        raise RuntimeError(f"QEMU dumped no tree: {r.stdout.strip()[-300:]}")
    return path


def claiming_dtb(bdir, mb):
    """board.dts plus a second memory node (not named "memory", so QEMU's -dtb loader keeps it)
    that claims mb MiB from the RAM base: more than the machine has."""
    with open(os.path.join(bdir, "config.h")) as f:
        text = f.read()
    board = re.search(r'#define MUON_BOARD "([^"]+)"', text).group(1)
    base = int(re.search(r"#define MUON_RAM_BASE (\w+)", text).group(1), 0)
    vdir = os.path.join(bdir, "dtb")
    os.makedirs(vdir, exist_ok=True)
    dts, dtb = os.path.join(vdir, f"claims-{mb}M.dts"), os.path.join(vdir, f"claims-{mb}M.dtb")
    with open(dts, "w") as f:
        f.write(f'/* The board claiming {mb} MiB of RAM (written by ci/muon.py). */\n/include/ "board.dts"\n\n'
                f'/ {{\n\tram@{base:x} {{\n\t\tdevice_type = "memory";\n'
                f'\t\treg = <0x{base:x} 0x{mb << 20:x}>;\n\t}};\n}};\n')
    r = subprocess.run(["dtc", "-q", "-i", os.path.join(ROOT, "bsp", board), "-I", "dts", "-O", "dtb", "-o", dtb, dts],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"dtc {dts}: {r.stdout.strip()}")
    return dtb


def console_args(interactive):
    """The console is the first -serial given here: a board whose console is a later port names
    the ones before it in MUON_QEMU_ARGS (imx6q-sabrelite: -serial null). Interactive, QEMU's
    monitor shares it (Ctrl-A C; Ctrl-A X quits)."""
    if interactive:
        return ["-display", "none", "-serial", "mon:stdio"]
    return ["-display", "none", "-monitor", "none", "-serial", "stdio"]


def qemu_cmd(bdir, smp=4, mem=None, icount=False, dtb=True, interactive=False):
    """QEMU with -kernel muon.bin; dtb: True for the board's (for smp CPUs), a path, or False."""
    cmd = ["qemu-system-arm", *machine_args(bdir, mem), "-smp", str(smp), "-kernel", os.path.join(bdir, "muon.bin"),
           "-no-reboot"]
    if dtb:
        cmd += ["-dtb", board_dtb(bdir, smp) if dtb is True else dtb]
    if icount:
        # One instruction per virtual nanosecond; idle time jumps to the next
        # timer deadline instead of following the host clock, so runs repeat.
        cmd += ["-icount", "shift=0,sleep=off"]
    return cmd + console_args(interactive)


def uboot_cmd(board, bdir, smp=4, mem=None, interactive=False):
    """QEMU booting the board through U-Boot from build/BOARD/image/disk.img, or None if
    there is no U-Boot for the board."""
    p = uboot.make_images(board, bdir)
    extra = uboot.uboot_qemu_args(board, p["disk.img"], log=lambda m: print(f"muon: {m}", file=sys.stderr))
    if extra is None:
        return None
    return ["qemu-system-arm", *machine_args(bdir, mem), "-smp", str(smp), *extra, "-no-reboot",
            *console_args(interactive)]


def qemu_env():
    env = dict(os.environ)
    env["QEMU_AUDIO_DRV"] = "none"  # the boards' sound chips need no host audio
    return env


def run_until(cmd, done_re, timeout):
    """Run QEMU, collect console lines until done_re matches or timeout; returns (lines, reason)."""
    con = Console(cmd)
    try:
        return con.lines_until(done_re, timeout)
    finally:
        con.close()


# ---------------------------------------------------------------- qemu
def cmd_qemu(a):
    check_board(a.board)
    bdir = build(a.board)
    if a.uboot:
        cmd = uboot_cmd(a.board, bdir, a.smp, a.mem, interactive=True)
        if cmd is None:
            die(f"no U-Boot for {a.board} (docs/booting.md)")
    else:
        cmd = qemu_cmd(bdir, a.smp, a.mem, a.icount, a.dtb or not a.no_dtb, interactive=True)
    print("ci/qemu:", " ".join(cmd), file=sys.stderr)
    if a.timeout is None:
        os.execvpe(cmd[0], cmd, qemu_env())
    try:
        subprocess.run(cmd, timeout=a.timeout, env=qemu_env())
    except subprocess.TimeoutExpired:
        print(f"\nci/qemu: stopped after {a.timeout} s", file=sys.stderr)
    return 0


# ---------------------------------------------------------------- test
class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def add(self, ok, board, name, why=""):
        if ok:
            self.passed += 1
            print(f"PASS {board} {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {board} {name}: {why}", flush=True)


def lint_tests(res):
    """ci/lint's checks (layers, boards, whitespace, format, cppcheck), one result each; its notes echoed."""
    r = subprocess.run([os.path.join(ROOT, "ci", "lint")], cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    sys.stdout.write("".join(line + "\n" for line in r.stdout.splitlines() if line.startswith("lint: ")))
    results = re.findall(r"^(PASS|FAIL) lint (\S+)(?:: (.*))?", r.stdout, re.M)
    for verdict, name, why in results:
        res.add(verdict == "PASS", "lint", name, why)
    if not results:
        sys.stdout.write(r.stdout[-2000:])
        res.add(False, "lint", "run", f"ci/lint reported nothing (exit {r.returncode})")


def host_tests(res):
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
        m = re.match(r"^\d+: (PASS|FAIL) (\S+)(?:: (.*))?$", line)
        if m:
            seen += 1
            res.add(m.group(1) == "PASS", "host", m.group(2), m.group(3) or "")
        m = re.match(r"^\s*\d+/\d+ Test\s+#\d+: (\S+) .*\*\*\*(\w+)", line)
        if m and m.group(2) != "Passed":  # a test program that crashed or failed as a whole
            res.add(False, "host", m.group(1), f"ctest reports {m.group(2)}")
    if seen == 0:
        res.add(False, "host", "ctest", "no host test reported a result")


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
    # With a malformed DTB, the run ends when init starts: the kernel has then chosen its
    # platform and run its own tests on it; the user-level tests would only repeat a plain boot.
    done = r"^init: running \d+ test tasks" if malformed_dtb else until or r"^TEST DONE"
    failed_before = res.failed
    con = Console(cmd)
    try:
        lines, reason = con.lines_until(re.compile(done), BOOT_TIMEOUT)
        if session and reason == "done":   # the console, driven on the booted system
            session(res, con, f"{label}-console", "\n".join(lines))
    finally:
        con.close()
    # The policies in configs/ are written for 4 CPUs ("cpus 4"). With fewer, the balancer
    # must refuse configs/test.policy, and the tests that need it then report "no balancer";
    # the system-file check must refuse default.policy alike. Both are one check below.
    board_rx = rf"cpus \d+ but the board has {smp} CPUs$"
    refused = any(re.match(rf"^balancer: policy:\d+:\d+: {board_rx}", x) for x in lines)
    seen, refusals = set(), []
    for line in lines:
        m = re.match(r"^TEST (PASS|FAIL) (\S+)(?:: (.*))?$", line)
        if not m:
            continue
        seen.add(m.group(2))
        if smp < 4 and m.group(1) == "FAIL" and (refused and m.group(3) == "no balancer" or
                                                  re.search(board_rx, m.group(3) or "")):
            refusals.append(m.group(2))
            continue
        if malformed_dtb and m.group(2) == "dtb_matches_board":
            # Here the kernel must not have taken the DTB: this test fails for that reason.
            res.add(m.group(3) == "no device tree was parsed", label, "dtb_rejected",
                    f"the kernel's DTB test says: {m.group(1)} {m.group(3) or ''}")
            continue
        res.add(m.group(1) == "PASS", label, m.group(2), m.group(3) or "")
    if smp < 4:
        res.add(refused and bool(refusals), label, "policies_refuse_cpu_count",
                "no refusal of configs/test.policy on the console" if not refused else "no balancer test ran")
    if malformed_dtb:
        warned = any(re.match(r"^muon: warning: no valid device tree at .*: using the .* board table$", x)
                     for x in lines)
        res.add(warned, label, "fallback_warning", "no 'no valid device tree' warning on the console")
    if dtb:
        told = [x for x in lines if x.startswith("muon: device tree:")]
        res.add(len(told) == 1 and "(board table)" not in told[0], label, "dtb_taken_whole",
                f"the kernel's tree line: {told[0] if told else 'none (the tree was refused)'}")
    for name, rx in expect:
        res.add(any(re.search(rx, x) for x in lines), label, name, f"no console line matches {rx!r}")
    online = [int(m.group(1)) for m in (re.match(r"^muon: (\d+) cpus online", x) for x in lines) if m]
    res.add(online == [smp], label, "smp_matches_qemu",
            f"kernel reports {online[0] if online else 'no'} cpus online, QEMU has {smp}")
    want_mb = mem_mb(board, bdir, mem)
    got = [int(m.group(1)) for m in (re.match(r"^muon: memory (\d+) MiB at", x) for x in lines) if m]
    res.add(got == [want_mb], label, "mem_matches_qemu",
            f"kernel reports {got[0] if got else 'no'} MiB of memory, QEMU has {want_mb} MiB")
    if reason != "done":
        tail = " | ".join(lines[-8:])
        res.add(False, label, "boot", f"{reason} after {len(seen)} tests; console: {tail}")
    if res.failed > failed_before:
        # What the system said before the failure: its own lines, not the trace dump or status.
        said = [x for x in lines if not x.startswith(("TRACE", "status:", "BENCH"))]
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


def image_tests(res, board):
    """The DTS compiles warning-free; ci/image's uImage and FIT check out with mkimage -l, and
    dumpimage gives back the DTB and kernel that went in."""
    dts = os.path.join(ROOT, "bsp", board, "board.dts")
    r = subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", os.devnull, dts],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    res.add(r.returncode == 0 and not r.stdout.strip(), board, "dts_warning_free",
            f"dtc: {r.stdout.strip()[:500]}")
    try:
        bdir = build(board, quiet=True)
        p = uboot.make_images(board, bdir)
    except RuntimeError as e:
        res.add(False, board, "image", str(e))
        return
    uboot.check_images(lambda ok, name, why="": res.add(ok, board, name, why), board, p)


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
        [k for k in ("sched", "ipc", "irq", "drq", "migrate", "lb", "modem") if k not in kinds]
    res.add(m.trace.complete and not missing, label, "trace_converts",
            f"missing {', '.join(missing)}" if missing else "dump not complete")


class Console:
    """A QEMU whose serial console is this program's pipe: send keys, wait for output."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  env=qemu_env())
        self.buf = ""

    def expect(self, pattern, timeout):
        """Output up to the first match of pattern (consumed), or None on timeout."""
        rx, end = re.compile(pattern), time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                out, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return out
            left = end - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.5)):
                return None

    def _read(self, timeout):
        """Whatever arrives within timeout seconds into the buffer; False once QEMU's output ended."""
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return self.p.poll() is None
        chunk = os.read(self.p.stdout.fileno(), 65536)
        self.buf += chunk.decode("utf-8", "replace").replace("\r", "")
        return bool(chunk)

    def lines_until(self, done_re, timeout):
        """Console lines up to the first that matches done_re (the rest stays buffered for expect), a
        panic (and its report, up to half a second more), QEMU's exit or timeout: (lines, reason)."""
        lines, end, reason = [], time.monotonic() + timeout, "timeout"
        while True:
            while "\n" in self.buf:
                line, self.buf = self.buf.split("\n", 1)
                lines.append(line)
                if reason != "panic" and "PANIC" in line:
                    reason, end = "panic", time.monotonic() + 0.5
                elif reason != "panic" and done_re.search(line):
                    return lines, "done"
            left = end - time.monotonic()
            if left <= 0:
                break
            if not self._read(min(left, 0.5)):
                reason = reason if reason == "panic" else "qemu exited"
                break
        if self.buf:
            lines.append(self.buf)
            self.buf = ""
        return lines, reason

    def send(self, keys):
        self.p.stdin.write(keys.encode("latin-1"))
        self.p.stdin.flush()

    def close(self):
        self.p.kill()
        self.p.wait()


def kdb_tests(res):
    """The debug console of a MUON_KDEBUG build answers each command (docs/debugging.md)."""
    label = KDEBUG_PRESET
    try:
        bdir = build_preset(KDEBUG_PRESET, quiet=True)
    except RuntimeError as e:
        res.add(False, label, "build", str(e))
        return
    con = Console(qemu_cmd(bdir))
    try:
        con.send("muon")   # waits in the UART until the kernel takes input; the trace test reads it
        out = con.expect(r"TEST DONE.*\n", BOOT_TIMEOUT)
        if out is None:
            res.add(False, label, "boot", "no TEST DONE line")
            return
        res.add('tests: console input "muon"' in out, label, "console_read",
                "the trace test did not read what was typed: " +
                repr([x for x in out.splitlines() if "console input" in x]))
        prompt = r"kdb> "

        def cmd(keys, timeout=30):
            con.send(keys)
            return con.expect(prompt, timeout) or ""

        out = cmd("\x1c")
        m = re.search(r"kdb: on cpu\d, (\d+) of (\d+) other cpus stopped", out)
        res.add(bool(m) and m.group(1) == m.group(2) == "3", label, "kdb_enter", f"got {out[-200:]!r}")
        out = cmd("c")
        cpus = re.findall(r"^cpu(\d) online current \d+ \S+ ready", out, re.M)
        res.add(cpus == ["0", "1", "2", "3"], label, "kdb_cpus", f"got {out[-300:]!r}")
        out = cmd("t")
        init = re.search(r"^\s*(\d+)\s+\w+\s+\d+\s+\d+\s+\d+ init ", out, re.M)
        res.add(bool(init) and "sigma0" in out, label, "kdb_threads", f"got {out[-300:]!r}")
        out = cmd(f"k{init.group(1) if init else 2}\r")
        res.add("task init" in out and re.search(r"^\s+3 rwsd console", out, re.M) is not None, label, "kdb_caps",
                f"got {out[-300:]!r}")
        out = cmd("m")
        res.add("free pages" in out and len(re.findall(r"^factory ", out, re.M)) >= 2, label, "kdb_memory",
                f"got {out[-300:]!r}")
        out = cmd("r", 60)
        res.add("TRACE BEGIN 4 ns" in out and "TRACE END" in out, label, "kdb_trace", f"got {out[-300:]!r}")
        out = cmd("?")
        res.add("kdb commands:" in out, label, "kdb_help", f"got {out[-300:]!r}")
        con.send("g")
        ok = con.expect(r"kdb: continuing", 30) is not None
        out = cmd("\x1c")   # the system runs on: the key enters the monitor again
        ok = ok and "other cpus stopped" in out
        con.send("g")
        res.add(ok and con.expect(r"kdb: continuing", 30) is not None, label, "kdb_continue", f"got {out[-200:]!r}")
    finally:
        con.close()


def system_file_restarts(name="phone.system"):
    """{partition: restart policy} from a system file in configs/ (docs/system-format.md)."""
    text = re.sub(r"#.*", "", open(os.path.join(ROOT, "configs", name)).read())
    out, part, depth = {}, None, 0
    for word in re.findall(r"[{}]|[^\s{}]+", text):
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        elif depth == 0 and word != "partition" and part == "?":
            part = word
            out[part] = "manual"
        elif depth == 0:
            part = "?" if word == "partition" else part
        if depth == 1 and word == "restart":
            out[part] = None   # the next word
        elif depth == 1 and part in out and out[part] is None:
            out[part] = word
    return out


class ConsoleSession:
    """init's console after TEST DONE: a command and an echo marker, the output up to the marker."""

    def __init__(self, con):
        self.con, self.n, self.dead = con, 0, False

    def run(self, keys, timeout=90):
        """None once a marker did not come back: the console no longer answers (or has no echo)."""
        if self.dead:
            return None
        self.n += 1
        self.con.send(keys + f"\recho mark{self.n}\r")
        out = self.con.expect(rf"echo: mark{self.n}\n", timeout)
        self.dead = out is None
        return out

    def state(self):
        """({program: up?}, init's quota bytes, {partition: up?} from the next status line, the status
        line, the user-memory lines of `quota`: init's pool, sigma0's rest, each partition's)."""
        out = self.run("threads\rquota\rstatus") or ""
        # sigma0's rest is left out: init's own stack and data may still take a page of it.
        mem = [re.sub(r", sigma0 has .*", "", x) for x in re.findall(r"^memory: .*$", out, re.M)]
        progs = {m.group(2): m.group(3) == "up" for m in re.finditer(r"^  (\S+)/(\S+): (up|down),", out, re.M)}
        q = re.search(r"^quota: init (\d+) bytes used", out, re.M)
        # The status command's line (or a periodic one after it): asked for, not waited for.
        sts = re.findall(r"^status: .*$", out, re.M)
        st = sts[-1] + "\n" if sts else (self.con.expect(r"^status: .*\n", 15) or "") if not self.dead else ""
        parts = dict(re.findall(r" (\S+) (up|down)(?=\s|$)", st.split("|")[-1])) if "|" in st else {}
        return progs, int(q.group(1)) if q else None, {k: v == "up" for k, v in parts.items()}, st, mem


def restart_tests(res, sess, label):
    """Kill each program and each partition in turn (and twice at once): the system file's state comes
    back, init's quota to the byte, and status, threads and kill agree (issue 16)."""
    restarts = system_file_restarts()
    progs, q0, parts, st, mem0 = sess.state()
    res.add(bool(progs) and all(progs.values()) and q0 is not None and parts and all(parts.values()) and
            len(mem0) > len(parts), label, "console_system_up",
            f"threads {progs}, quota {q0}, status {st.strip()!r}, memory {mem0}")
    part_of = {}
    out = sess.run("threads") or ""
    for m in re.finditer(r"^  (\S+)/(\S+): ", out, re.M):
        part_of[m.group(2)] = m.group(1)
    cases = [(f"kill_{p}", [f"kill {p}"]) for p in progs] + [(f"kill_{p}", [f"kill {p}"]) for p in restarts] + \
        [(f"kill_{p}_twice", [f"kill {p}\rkill {p}"]) for p in ("at-server", "modem", "appos")] + \
        [("kill_at-server_restart_modem", ["kill at-server", "restart modem"]),
         ("restart_appos_twice", ["restart appos\rrestart appos"])]
    for name, steps in cases:
        out = ""
        for keys in steps:
            out += sess.run(keys) or "(no answer)\n"
        # What the operator does under `restart manual`: start the partition again.
        for p, how in restarts.items():
            if how == "manual":
                now = sess.state()
                if not all(v for k, v in now[0].items() if part_of.get(k) == p) or not now[2].get(p, False):
                    out += sess.run(f"restart {p}") or ""
        time.sleep(1)
        progs2, q, parts2, st, mem = sess.state()
        bad = [x for x in out.splitlines() if re.search(r"quota not returned|did not restart|out of kernel memory", x)]
        why = []
        if bad:
            why.append("; ".join(bad[:3]))
        if not progs2 or not all(progs2.values()):
            why.append(f"threads says down: {[k for k, v in progs2.items() if not v]}")
        if not parts2 or not all(parts2.values()) or "status: tti" not in st:
            why.append(f"status says {st.strip()!r}")
        if q != q0:
            why.append(f"init's quota {q} bytes, {q0} before")
        if mem != mem0:   # user memory: each partition's pages and sigma0's rest are back (restarts reuse them)
            why.append(f"user memory {mem}, {mem0} before")
        res.add(not why, label, f"restart_{name}", " | ".join(why))
        if why:
            print(f"muon: {label}: {name}:", *("    " + x for x in out.splitlines()[-20:]), sep="\n", file=sys.stderr)


def input_tests(res, sess, label):
    """Bursts, long lines, NUL and binary bytes, and an overflow of the kernel's buffer: every line
    runs whole or is refused or dropped whole, said on the console; what follows runs once (issue 16)."""
    con = sess.con
    burst = "".join(f"echo b{i:03d}\r" for i in range(100))
    junk = ("echo " + "x" * 300 + "\r") + ("y" * 5000 + "\r") + "echo nul\x00here\r" + \
        "".join(chr(c) for c in range(128, 192)) + "\xff\r" + "ec\x01ho bin\r" + "\x1b[A\r"
    after = "".join(f"echo after{i}\r" for i in range(5))
    con.send(burst + junk + after)
    out = con.expect(r"echo: after4\n", 60) or ""
    out += sess.run("") or ""
    ran = re.findall(r"^echo: (b\d{3})$", out, re.M)
    dropped = re.search(r"^console: \d+ bytes dropped", out, re.M)
    garbled = [x for x in out.splitlines() if x.startswith("unknown command") or
               (x.startswith("echo: ") and not re.match(r"^echo: (b\d{3}|after\d|mark\d+)$", x))]
    res.add(len(set(ran)) == len(ran) and (len(ran) == 100 or dropped) and not garbled, label, "console_burst",
            f"{len(ran)} of 100 ran, {len(ran) - len(set(ran))} twice, garbled {garbled[:3]}")
    res.add(re.search(r"^console: line of 305 bytes refused", out, re.M) is not None and
            re.search(r"^console: line of 5000 bytes refused", out, re.M) is not None, label, "console_long_line",
            "no refusal of the 305- and 5000-byte lines")
    refusals = re.findall(r"^console: line refused: byte 0x([0-9a-f]{2})", out, re.M)
    res.add(refusals == ["00", "80", "01", "1b"], label, "console_binary", f"refusals {refusals}")
    runs = [re.findall(rf"^echo: after{i}$", out, re.M) for i in range(5)]
    res.add(all(len(r) == 1 for r in runs), label, "console_after_junk", f"runs {[len(r) for r in runs]}")
    # An overflow: init reads nothing for 3 s (`hold`) while 13 KiB arrive; the kernel keeps 4 KiB.
    flood = "".join(f"echo o{i:04d}\r" for i in range(1200))
    con.send("hold 3000\r" + flood)
    time.sleep(5)
    out = sess.run("echo after") or ""
    ran = re.findall(r"^echo: (o\d{4})$", out, re.M)
    dropped = re.findall(r"^console: (\d+) bytes dropped \(", out, re.M)
    garbled = [x for x in out.splitlines() if x.startswith("unknown command") or x.startswith("console: line") or
               (x.startswith("echo: ") and not re.match(r"^echo: (o\d{4}|after|mark\d+)$", x))]
    res.add(bool(dropped) and len(set(ran)) == len(ran) and 0 < len(ran) < 1200 and not garbled and
            len(re.findall(r"^echo: after$", out, re.M)) == 1, label, "console_overflow",
            f"{len(ran)} of 1200 ran, drops said {dropped[:3]}, garbled {garbled[:3]}")


def policy_tests(res, sess, label, boot):
    """`policy` prints every effective value of each client and group, periods included, the same
    lines the balancer logged when it took the system's policy file, and the file's periods."""
    out = sess.run("policy") or ""
    shown = re.findall(r"^  ((?:client|group) .*)$", out, re.M)
    logged = re.findall(r"^balancer: ((?:client|group) .*)$", boot, re.M)[-len(shown):] if shown else []
    text = re.sub(r"#.*", "", open(os.path.join(ROOT, "configs", "default.policy")).read())
    periods = dict(re.findall(r"client (\S+) \{[^}]*?period (\d+)", text))
    wrong = [c for c, ms in periods.items() if not any(x.startswith(f"client {c}:") and f"period {ms} ms" in x
                                                       for x in shown)]
    res.add(bool(shown) and bool(periods) and not wrong and shown == logged, label, "console_policy_values",
            f"policy shows {shown[:2]}, the balancer logged {logged[:2]}, file periods {periods}, wrong {wrong}")


def console_session(res, con, label, boot):
    """init's console driven hard after the boot tests: policy, restarts, then input (issue 16)."""
    sess = ConsoleSession(con)
    policy_tests(res, sess, label, boot)
    restart_tests(res, sess, label)
    input_tests(res, sess, label)


def console_tests(res, board="vexpress-a9"):
    """ci/muon.py console BOARD: one boot with its tests, then the console session."""
    target_tests(res, board, session=console_session)


def gdb_tests(res, board):
    """ci/gdb's way: QEMU halted with its gdb stub, gdb-multiarch with the helpers, after init's first write."""
    bdir = os.path.join(ROOT, "build", board)
    out = run_gdb(bdir, ["break kwrite", "continue", "info threads", "muon-cpus", "muon-rq"], timeout=BOOT_TIMEOUT)
    threads = re.findall(r"Thread 1\.(\d) \(CPU#\d", out)
    res.add(len(threads) == 4, board, "gdb_cpu_threads", f"gdb shows {len(threads)} threads: {out[-300:]!r}")
    cpus = re.findall(r"^cpu(\d) online current (.*); cpu pc", out, re.M)
    res.add([c for c, _ in cpus] == ["0", "1", "2", "3"] and any("(init)" in d for _, d in cpus), board,
            "gdb_muon_cpus", f"got {out[-400:]!r}")
    rq = re.findall(r"^cpu(\d) rq \d+ ready: (.*)$", out, re.M)
    res.add(len(rq) == 4 and any("(init)" in r for _, r in rq), board, "gdb_muon_rq", f"got {out[-400:]!r}")


def run_gdb(bdir, commands, timeout, smp=4):
    """QEMU started halted (-S) with a gdb stub on a free port; gdb-multiarch in batch mode runs commands."""
    port = free_port()
    qemu = qemu_cmd(bdir, smp)
    qemu[qemu.index("stdio")] = "null"
    qemu += ["-S", "-gdb", f"tcp:127.0.0.1:{port}"]
    q = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=qemu_env())
    try:
        gdb = ["gdb-multiarch", "-q", "-nx", "-batch"] + gdb_args(bdir, port)
        for c in commands:
            gdb += ["-ex", c]
        r = subprocess.run(gdb, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=timeout)
        return r.stdout
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b"").decode("utf-8", "replace") + "\n(gdb timed out)"
    finally:
        q.kill()
        q.wait()


def gdb_args(bdir, port):
    return ["-ex", "set pagination off", "-ex", "set confirm off", "-ex", f"file {os.path.join(bdir, 'muon.elf')}",
            "-ex", f"source {os.path.join(ROOT, 'tools', 'muon-gdb.py')}", "-ex", f"target remote 127.0.0.1:{port}"]


def cmd_test(a):
    names = a.boards or BOARDS
    for b in names:
        check_board(b)
    res = Results()
    lint_tests(res)
    host_tests(res)
    for b in names:
        image_tests(res, b)
        target_tests(res, b, session=console_session, expect=board_expect(b))
        gdb_tests(res, b)
        for kind in boards.config(b).get("MUON_CI_BOOTS", []):
            variant_boot(res, b, kind)
    if "vexpress-a9" in names:
        kdb_tests(res)
        # Every boot test once more with the kernel checking its invariants (docs/debugging.md).
        target_tests(res, "vexpress-a9", label=KCHECK_PRESET, preset=KCHECK_PRESET)
        # And without the IPC fast path: the slow path alone must give the same results (docs/ipc.md).
        target_tests(res, "vexpress-a9", label=NOFAST_PRESET, preset=NOFAST_PRESET)
    print(f"{res.passed} passed, {res.failed} failed", flush=True)
    return 1 if res.failed else 0


# ---------------------------------------------------------------- bench
def cmd_console(a):
    check_board(a.board)
    res = Results()
    console_tests(res, a.board)
    print(f"{res.passed} passed, {res.failed} failed", flush=True)
    return 1 if res.failed else 0


def emit(board, metric, value, unit, **extra):
    print(json.dumps({"board": board, "metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def section_sizes(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], stdout=subprocess.PIPE, text=True, check=True).stdout
    sizes = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0].startswith(".") and f[1].isdigit():
            sizes[f[0]] = int(f[1])
    text = sizes.get(".text", 0) + sizes.get(".vectors", 0) + sizes.get(".rodata", 0)
    return text, sizes.get(".data", 0), sizes.get(".bss", 0) + sizes.get(".pgtable", 0), sizes.get(".modules", 0)


def bench_lbsim():
    """The balancer simulator against its two baselines, on every shipped workload (host, not QEMU)."""
    for step in (["cmake", "--preset", "host"], ["cmake", "--build", "--preset", "host", "--target", "lbsim"]):
        if subprocess.run(step, cwd=ROOT, stdout=subprocess.DEVNULL).returncode != 0:
            print("muon: building lbsim failed", file=sys.stderr)
            return
    sim = os.path.join(ROOT, "build", "host", "tests", "lbsim")
    metrics = {"imbalance_avg": "per-mille", "migrations_per_s": "migrations/s", "cpus_used_avg": "cpus",
               "pinned_interference": "ms", "deadline_misses": "ms", "work_done": "fraction"}
    for wl in sorted(os.listdir(os.path.join(ROOT, "tests", "sim"))):
        if not wl.endswith(".wl"):
            continue
        out = subprocess.run([sim, os.path.join(ROOT, "configs", "default.policy"), os.path.join(ROOT, "tests", "sim", wl)],
                             stdout=subprocess.PIPE, text=True).stdout
        for line in out.splitlines():
            d = json.loads(line)
            for key, unit in metrics.items():
                emit("host", "lb_sim_" + key, d[key], unit, policy=d["strategy"], workload=wl,
                     config="default.policy")


def cmd_bench(a):
    names = a.boards or BOARDS
    for b in names:
        check_board(b)
        bdir = build(b, quiet=True)
        text, data, bss, modules = section_sizes(os.path.join(bdir, "muon.elf"))
        emit(b, "kernel_text_bytes", text, "bytes", note="text+vectors+rodata")
        emit(b, "boot_modules_bytes", modules, "bytes", note="sigma0, init and tests, stripped, linked into the image")
        emit(b, "kernel_data_bytes", data, "bytes")
        emit(b, "kernel_bss_bytes", bss, "bytes", note="includes boot page table and per-CPU stacks")
        runs, figures = [], {}
        for run in range(a.runs):
            lines, reason = run_until(qemu_cmd(bdir, icount=True), re.compile(r"^TEST DONE"), BOOT_TIMEOUT)
            done = [x for x in lines if x.startswith("TEST DONE")]
            failed = [x.split()[2].rstrip(":") for x in lines if x.startswith("TEST FAIL")]
            print(f"muon: {b}: run {run + 1}: {done[0] if done else reason + ': ' + ' | '.join(lines[-3:])}"
                  f"{' (failed: ' + ', '.join(failed) + ')' if failed else ''}", file=sys.stderr)
            for line in lines:
                m = re.match(r"^muon: boot took (\d+) ns", line)
                if m:
                    runs.append(int(m.group(1)))
                m = re.match(r"^BENCH (\S+) (\d+)$", line)
                if m:
                    figures.setdefault(m.group(1), []).append(int(m.group(2)))
        if runs:
            runs.sort()
            emit(b, "boot_instructions", runs[len(runs) // 2], "instructions", runs=len(runs),
                 note="reset to '4 cpus online', all CPUs' instructions, -icount shift=0")
        else:
            print(f"muon: {b}: no boot time reported", file=sys.stderr)
        notes = {
            "ipi_latency": "kernel boot test: CPU0 sends an SGI, CPU1's handler reads the clock; median of 21, "
                           "-icount shift=0",
            "timer_irq_to_thread": "a thread waits with a 1 ms timeout: the time beyond 1 ms until it runs; "
                                   "median of 21, -icount shift=0, other CPUs idle in WFI",
            "lb_settle": "balancer: from three spinning threads on one CPU handed to the balance policy until each "
                         "has a CPU of its own (period 20 ms); virtual time, -icount shift=0",
            "lb_decision": "balancer: one lb_plan call, median of its last 64 (periods and placements) when "
                           "lb_balance_settles ends, -icount shift=0",
        }
        units = {"lb_settle": "ns"}
        for metric, vals in figures.items():
            vals.sort()
            emit(b, metric, vals[len(vals) // 2], units.get(metric, "instructions"), runs=len(vals),
                 note=notes.get(metric, "median of 21 batch means of 50 operations, -icount shift=0, "
                                        "other CPUs idle in WFI"))
        if not a.no_modem:
            bench_modem(b, a.modem_ttis, a.modem_loads.split(",") if a.modem_loads else None)
    if not a.boards:
        bench_lbsim()
    return 0


# The modem under its loads (issues 7 and 15): a system file each, in a build of its own whose init
# runs no tests and reports the modem's figures over BENCH_TTIS TTI periods (docs/benchmarks.md).
# (load, system file, vCPUs, per-CPU): same_cpu_saturated runs on one CPU, so that under -icount
# shift=0 virtual time is that CPU's own instructions; saturated and powersave also count each
# vCPU's instructions with the insnprof plugin (tools/insnprof.c, tools/ttiprof.py).
BENCH_TTIS = 10000
BENCH_LOADS = (("idle", "modem.system", 4, False), ("same_cpu_saturated", "samecpu.system", 1, False),
               ("saturated", "phone.system", 4, True), ("powersave", "powersave.system", 4, True))
# What a figure means under each load: the emulator's where the other vCPUs are busy (round robin
# under icount: a vCPU waits while the others run), the kernel's where the modem's CPU is alone.
BENCH_NOTES = {
    "idle": "the modem alone, CPUs 1-3 idle in WFI: virtual time is CPU 0's instructions",
    "same_cpu_saturated": "-smp 1: the modem and an app OS that never lets the CPU idle, at lower priorities; "
                          "virtual time is that CPU's instructions: the kernel's preemption and the modem's work",
    "saturated": "the emulator's figure: QEMU runs the 4 vCPUs round robin in one virtual time, so a busy "
                 "app OS on CPUs 1-3 delays CPU 0 by whole periods; not the kernel's",
    "powersave": "the emulator's figure (as saturated): busy app-OS vCPUs delay CPU 0 in QEMU's round robin",
}


def insnprof_plugin():
    """build/host/tests/libinsnprof.so, built by the host preset; None if that fails."""
    for step in (["cmake", "--preset", "host"], ["cmake", "--build", "--preset", "host", "--target", "insnprof"]):
        if subprocess.run(step, cwd=ROOT, stdout=subprocess.DEVNULL).returncode != 0:
            print("muon: building the insnprof plugin failed", file=sys.stderr)
            return None
    return os.path.join(ROOT, "build", "host", "tests", "libinsnprof.so")


def emit_percpu(board, load, r, ttis):
    """The modem's TTIs in per-CPU time (tools/ttiprof.py's report r), docs/benchmarks.md."""
    note = (f"per-CPU time: instructions the modem's CPU (vCPU {r.get('vcpu')}) executed, counted by the insnprof "
            f"plugin, {r['ttis']} TTIs of {ttis} periods, -icount shift=0")
    emit(board, "modem_response_p50", r["response_p50"], "instructions", load=load, note=note)
    emit(board, "modem_response_p99", r["response_p99"], "instructions", load=load, note=note)
    emit(board, "modem_response_max", r["response_max"], "instructions", load=load, worst=r["worst"],
         mean=r["mean"], note=note + "; from taking the TTI's timer interrupt to the TTI's end; worst: its split "
         "into modem code, the kernel's own work, IPIs and requests served, other threads")
    emit(board, "modem_cpu_other_threads", r["nonmodem_user_instructions"], "instructions", load=load,
         per_tti_max=r["other_max"], note="user instructions of non-modem threads on the modem's CPU over the "
         "window (goal 0)")
    emit(board, "modem_ipis_per_tti", r["ipis_per_tti"], "IPIs", load=load, max=r["ipis_max"],
         note="IPIs the modem's CPU took within a TTI's response, mean (max as max)")
    emit(board, "modem_requests_per_tti", r["requests_per_tti"], "requests", load=load, max=r["requests_max"],
         note="cross-CPU requests the modem's CPU ran within a TTI's response, mean (max as max)")
    emit(board, "modem_ttis_over_budget", r["over_budget"], "TTIs", load=load, budget=r["budget"],
         note="TTIs whose response exceeded 1 ms at one instruction a ns: the misses of hardware whose CPUs "
              "run in parallel at the emulated speed")


def bench_modem(board, ttis=BENCH_TTIS, loads=None):
    plugin = None
    for load, system, smp, percpu in BENCH_LOADS:
        if loads and load not in loads:
            continue
        bdir = os.path.join(ROOT, "build", f"bench-{board}-{load}")
        steps = (["cmake", "--preset", board, "-B", bdir, f"-DMUON_SYSTEM={system}",
                  f"-DMUON_BENCH_TTIS={ttis}", f"-DMUON_BENCH_LOAD={load}"],
                 ["cmake", "--build", bdir, "-j", str(os.cpu_count())])
        if any(subprocess.run(x, cwd=ROOT, stdout=subprocess.DEVNULL).returncode for x in steps):
            print(f"muon: {board}: the {load} bench build failed", file=sys.stderr)
            continue
        # A saturated CPU runs 10^6 instructions a TTI: give a long run the host time it needs.
        timeout = BOOT_TIMEOUT * 2 + ttis * 0.06
        cmd, prof = qemu_cmd(bdir, smp=smp, icount=True), None
        if percpu:
            plugin = plugin or insnprof_plugin()
        if percpu and plugin:
            conf, prof = os.path.join(bdir, "prof.conf"), os.path.join(bdir, "prof.out")
            with open(conf, "w") as f:
                f.write(ttiprof.conf_text(os.path.join(bdir, "muon.elf"), os.path.join(bdir, "modem-stack.elf")))
            if os.path.exists(prof):
                os.remove(prof)
            cmd += ["-plugin", f"{plugin},conf={conf},out={prof}"]
            timeout *= 4   # a callback per instruction
        lines, reason = run_until(cmd, re.compile(r"^TEST DONE"), timeout)
        figs = {}
        for line in lines:
            if line.startswith("MODEM load=") or line.startswith("MODEM stages "):
                figs.update(dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv))
        if "ttis" not in figs:
            print(f"muon: {board}: no modem figures under the {load} load ({reason}): "
                  + " | ".join(lines[-4:]), file=sys.stderr)
            continue
        note = (f"{system}, -smp {smp}, {ttis} TTI periods after every program reported, -icount shift=0,sleep=off; "
                f"{BENCH_NOTES[load]}; jitter: timer due to the TTI thread running, virtual time")
        # Under the loads whose other vCPUs are busy the virtual-time figures are the emulator's (BENCH_NOTES).
        emu = {"emulator": True} if percpu else {}
        emit(board, "modem_ttis", int(figs["ttis"]), "TTIs", load=load, note=note, **emu)
        emit(board, "modem_misses", int(figs["misses"]), "TTIs", load=load, note=note, **emu)
        emit(board, "modem_host_stalls", int(figs.get("stalls", 0)), "TTIs", load=load,
             note="late TTIs whose CPU slept in WFI when they fell due (0 under icount, where a sleeping "
                  "vCPU wakes at its deadline)")
        for q in ("p50", "p99", "max"):
            emit(board, f"modem_jitter_{q}", int(figs[q]), "ns", load=load, note=note, **emu)
        emit(board, "cpus_used", int(figs["cpus_used"]), "cpus", load=load,
             note="CPUs busy at least 1 % of the window, the modem's CPU included")
        emit(board, "modem_tti_max", int(figs["tti_max"]), "ns", load=load,
             note="the longest TTI, wake-up to the last stage's reply")
        if prof:
            r = ttiprof.report(prof) if os.path.exists(prof) else {"ttis": 0, "error": "no records"}
            if r["ttis"]:
                emit_percpu(board, load, r, ttis)
            else:
                print(f"muon: {board}: no per-CPU figures under the {load} load: {r.get('error')}", file=sys.stderr)


# ---------------------------------------------------------------- stress
STRESS_SILENCE = 600   # seconds without a console line: the guest hangs


def stress_build(board, a, seed):
    """The ci/stress image of board: init runs apps/tests/race.c's stress phases (CMake MUON_STRESS)."""
    bdir = os.path.join(ROOT, "build", f"stress-{board}")
    steps = (["cmake", "--preset", board, "-B", bdir, "-DMUON_STRESS=ON", f"-DMUON_STRESS_SEED={seed}",
              f"-DMUON_STRESS_MINUTES={a.minutes}", f"-DMUON_STRESS_ONLY={a.phase or ''}",
              f"-DMUON_STRESS_PHASE_MS={a.phase_ms}"],
             ["cmake", "--build", bdir, "-j", str(os.cpu_count())])
    for step in steps:
        r = subprocess.run(step, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stdout.write(r.stdout[-3000:])
            raise RuntimeError(f"the stress build of {board} failed")
    return bdir


def stress_board(res, board, a, seed):
    try:
        bdir = stress_build(board, a, seed)
    except RuntimeError as e:
        res.add(False, board, "stress_build", str(e))
        return
    log = os.path.join(bdir, "stress.log")
    cmd = qemu_cmd(bdir)
    print(f"ci/stress: {board}: seed {seed}, {a.minutes} min, console in {log}", flush=True)
    limit = a.minutes * 60 + 900   # the boot, and the last round begun within the minutes
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=qemu_env())
    lines, buf, reason, total = [], b"", "timeout", 0
    start = last = time.monotonic()
    try:
        with open(log, "w") as f:
            while True:
                now = time.monotonic()
                if now - start > limit:
                    reason = f"no STRESS DONE after {limit} s"
                    break
                if now - last > STRESS_SILENCE:
                    reason = f"hang: no console output for {STRESS_SILENCE} s"
                    break
                r, _, _ = select.select([p.stdout], [], [], 1.0)
                if not r:
                    if p.poll() is not None:
                        reason = "qemu exited"
                        break
                    continue
                chunk = os.read(p.stdout.fileno(), 4096)
                if not chunk:
                    reason = "qemu exited"
                    break
                last = time.monotonic()
                buf += chunk
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    text = raw.decode("utf-8", "replace").rstrip("\r")
                    f.write(text + "\n")
                    f.flush()
                    lines.append(text)
                    m = re.match(r"^STRESS (PASS|FAIL) (\S+?):? (.*)$", text)
                    if m:
                        ok = m.group(1) == "PASS"
                        n = re.match(r"(\d+) invocations", m.group(3))
                        total += int(n.group(1)) if ok and n else 0
                        if ok:
                            res.passed += 1
                            print(f"PASS {board} {m.group(2)}: {m.group(3)}", flush=True)
                        else:
                            res.add(False, board, m.group(2), m.group(3))
                    elif text.startswith(("STRESS BEGIN", "STRESS DONE", "race:", "stress:")) or "PANIC" in text:
                        print(f"  {board}: {text}", flush=True)
                    elif re.match(r"^TEST FAIL ", text):   # the kernel's own boot tests
                        res.add(False, board, text.split()[2].rstrip(":"), text)
                    if "PANIC" in text:
                        reason = "panic"
                    elif text.startswith("STRESS DONE"):
                        reason = "done"
                if reason in ("panic", "done"):
                    time.sleep(0.5)   # let a panic finish its report
                    if select.select([p.stdout], [], [], 0.5)[0]:
                        f.write(os.read(p.stdout.fileno(), 65536).decode("utf-8", "replace"))
                    break
    finally:
        p.kill()
        p.wait()
    if reason != "done":
        tail = [x for x in lines if not x.startswith(("TRACE", "BENCH"))][-25:]
        res.add(False, board, "stress_run", f"{reason}; last console lines:\n    " + "\n    ".join(tail))
    res.add(total >= a.min_invocations, board, "stress_invocations",
            f"{total} invocations, fewer than {a.min_invocations} (more --minutes)")
    print(f"ci/stress: {board}: {total} invocations, seed {seed} ({reason})", flush=True)


def cmd_stress(a):
    names = BOARDS if a.board == "all" else [a.board]
    for b in names:
        check_board(b)
    seed = a.seed if a.seed is not None else int.from_bytes(os.urandom(4), "little") % 2000000000 + 1
    print(f"ci/stress: seed {seed} (repeat with --seed {seed})", flush=True)
    res = Results()
    for b in names:
        stress_board(res, b, a, seed)
    print(f"{res.passed} passed, {res.failed} failed", flush=True)
    return 1 if res.failed else 0


# ---------------------------------------------------------------- trace
def cmd_trace(a):
    """A board: build, boot to TEST DONE (init prints the trace scenario's dump), convert. Else a log file or -."""
    elf = a.elf
    if a.source in BOARDS:
        bdir = build(a.source)
        lines, reason = run_until(qemu_cmd(bdir, a.smp), re.compile(r"^TEST DONE"), BOOT_TIMEOUT)
        log = os.path.join(bdir, "trace.log")
        with open(log, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"ci/trace: console log in {log} ({reason})", file=sys.stderr)
        prefix = a.out or os.path.join(bdir, "trace")
        elf = elf or os.path.join(bdir, "muon.elf")
        title = a.title or f"muon trace: {a.source}, {a.smp} CPUs"
    elif a.source == "-" or os.path.isfile(a.source):
        lines = sys.stdin.readlines() if a.source == "-" else open(a.source, errors="replace").readlines()
        prefix, title = a.out or "trace", a.title or "muon trace"
    else:
        die(f"'{a.source}' is neither a board ({', '.join(BOARDS)}) nor a log file")
    try:
        m = muontrace.convert(lines, prefix, elf, title)
    except ValueError as e:
        die(str(e))
    lost = sum(m.trace.lost.values())
    print(f"ci/trace: {len(m.trace.records)} records from {m.trace.ncpus} cpus"
          f"{f', {lost} overwritten before the dump' if lost else ''}")
    print(f"ci/trace: {prefix}.json (open in ui.perfetto.dev or chrome://tracing)")
    print(f"ci/trace: {prefix}.svg (open in a browser)")
    return 0


# ---------------------------------------------------------------- gdb
def cmd_gdb(a):
    """QEMU halted at reset with its gdb stub; gdb-multiarch attached with the kernel's symbols and helpers."""
    check_board(a.board)
    bdir = build(a.board)
    if not shutil.which("gdb-multiarch"):
        die("gdb-multiarch is missing (ci/install installs it)")
    port, log = free_port(), os.path.join(bdir, "console.log")
    qemu = qemu_cmd(bdir, a.smp)
    qemu[qemu.index("stdio")] = f"file:{log}"
    qemu += ["-S", "-gdb", f"tcp:127.0.0.1:{port}"]
    print(f"ci/gdb: {' '.join(qemu)}\nci/gdb: the serial console goes to {log} (tail -f it); "
          f"CPUs are gdb threads 1-{a.smp}; helpers: muon-cpus, muon-rq", file=sys.stderr)
    q = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, env=qemu_env())
    try:
        cmd = ["gdb-multiarch", "-q"] + gdb_args(bdir, port)
        for c in a.ex or []:
            cmd += ["-ex", c]
        if a.batch:
            cmd.insert(1, "-batch")
        return subprocess.run(cmd).returncode
    finally:
        q.kill()
        q.wait()


def main():
    ap = argparse.ArgumentParser(prog="muon")
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("qemu")
    q.add_argument("board")
    q.add_argument("--timeout", type=float)
    q.add_argument("--icount", action="store_true")
    q.add_argument("--smp", type=int, default=4)
    q.add_argument("--mem")
    q.add_argument("--no-dtb", action="store_true")
    q.add_argument("--dtb", help="boot with this tree instead of the board's (docs/booting.md)")
    q.add_argument("--uboot", action="store_true")
    t = sub.add_parser("test")
    t.add_argument("boards", nargs="*")
    b = sub.add_parser("bench")
    b.add_argument("boards", nargs="*")
    b.add_argument("--runs", type=int, default=3)
    b.add_argument("--no-modem", action="store_true", help="skip the modem builds (the IPC figures only)")
    b.add_argument("--modem-ttis", type=int, default=BENCH_TTIS, help="TTI periods per modem load (default 10,000)")
    b.add_argument("--modem-loads", help="only these modem loads, comma-separated (idle, same_cpu_saturated, "
                                         "saturated, powersave)")
    st = sub.add_parser("stress")
    st.add_argument("board", nargs="?", default="vexpress-a9", help="a board, or all")
    st.add_argument("--minutes", type=int, default=10, help="minutes of stress rounds per board")
    st.add_argument("--seed", type=int, help="the seed (default: a random one, printed)")
    st.add_argument("--phase", help="only the phases whose names start so (e.g. race-, fuzz-)")
    st.add_argument("--phase-ms", type=int, default=8000, help="virtual ms of one fuzz phase")
    st.add_argument("--min-invocations", type=int, default=1000000,
                    help="fail unless a board made this many invocations (default 10^6)")
    tr = sub.add_parser("trace")
    tr.add_argument("source", help="a board to boot, or a console log file (- for standard input)")
    tr.add_argument("-o", "--out", help="output prefix (default: build/BOARD/trace, or ./trace for a log)")
    tr.add_argument("--elf", help="kernel ELF naming the handlers of cross-CPU requests")
    tr.add_argument("--title")
    tr.add_argument("--smp", type=int, default=4)
    g = sub.add_parser("gdb")
    g.add_argument("board")
    g.add_argument("--smp", type=int, default=4)
    g.add_argument("--ex", action="append", help="a gdb command to run after attaching (repeatable)")
    g.add_argument("--batch", action="store_true", help="run the --ex commands and exit")
    c = sub.add_parser("console", help="only the console tests (restarts, input, policy) on one board")
    c.add_argument("board", nargs="?", default="vexpress-a9")
    a = ap.parse_args()
    return {"console": cmd_console, "qemu": cmd_qemu, "test": cmd_test, "bench": cmd_bench, "trace": cmd_trace, "gdb": cmd_gdb,
            "stress": cmd_stress}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
