"""The command line of ci/muon.py: qemu, test, bench, stress, trace, gdb, console."""
import argparse
import os
import re
import shutil
import subprocess
import sys

import boards
import muontrace
from boards import BOARDS
from muonci.bench import BENCH_TTIS, cmd_bench
from muonci.build import build, check_board, die
from muonci.qemu import BOOT_TIMEOUT, free_port, qemu_cmd, qemu_env, run_until, uboot_cmd
from muonci.results import Results
from muonci.stress import cmd_stress
from muonci.suites.boot import KCHECK_PRESET, NOFAST_PRESET, board_expect, target_tests, variant_boot
from muonci.suites.console import console_session, console_tests
from muonci.suites.gdb import gdb_args, gdb_tests
from muonci.suites.host import host_tests
from muonci.suites.image import image_tests
from muonci.suites.kdb import kdb_tests
from muonci.suites.lint import lint_tests
from muonci.suites.product import product_tests


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


def cmd_test(a):
    names = a.boards or BOARDS
    for b in names:
        check_board(b)
    res = Results(a.junit)
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
        # And the product image, with the tests left out: the phone system alone comes up.
        product_tests(res)
    return res.finish()


def cmd_console(a):
    check_board(a.board)
    res = Results(a.junit)
    console_tests(res, a.board)
    return res.finish()


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


JUNIT_HELP = "also write the results as a JUnit XML report to FILE (or set MUON_JUNIT=FILE)"


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
    t.add_argument("--junit", metavar="FILE", help=JUNIT_HELP)
    b = sub.add_parser("bench")
    b.add_argument("boards", nargs="*")
    b.add_argument("--runs", type=int, default=3)
    b.add_argument("--no-modem", action="store_true", help="skip the modem builds (the IPC figures only)")
    b.add_argument("--modem-ttis", type=int, default=BENCH_TTIS, help="TTI periods per modem load (default 10,000)")
    b.add_argument("--modem-loads", help="only these modem loads, comma-separated (idle, same_cpu_saturated, "
                                         "saturated, powersave)")
    b.add_argument("--no-latency", action="store_true", help="skip the kernel-latency builds (ci/stress images)")
    b.add_argument("--no-insnprof", action="store_true",
                   help="latency: the board clock's figures only, without the per-vCPU counts of tools/insnprof.c")
    st = sub.add_parser("stress")
    st.add_argument("board", nargs="?", default="vexpress-a9", help="a board, or all")
    st.add_argument("--minutes", type=int, default=10, help="minutes of stress rounds per board")
    st.add_argument("--seed", type=int, help="the seed (default: a random one, printed)")
    st.add_argument("--phase", help="only the phases whose names start so (e.g. race-, fuzz-)")
    st.add_argument("--phase-ms", type=int, default=8000, help="virtual ms of one fuzz phase")
    st.add_argument("--min-invocations", type=int, default=1000000,
                    help="fail unless a board made this many invocations (default 10^6)")
    st.add_argument("--kdb", action="store_true",
                    help="a MUON_KDEBUG build that holds a race test after a watchdog failure: the kernel's debug "
                         "console dumps CPUs, threads and trace, and the host CPU time of each vCPU is logged")
    st.add_argument("--junit", metavar="FILE", help=JUNIT_HELP)
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
    c.add_argument("--junit", metavar="FILE", help=JUNIT_HELP)
    a = ap.parse_args()
    return {"console": cmd_console, "qemu": cmd_qemu, "test": cmd_test, "bench": cmd_bench, "trace": cmd_trace, "gdb": cmd_gdb,
            "stress": cmd_stress}[a.cmd](a)
