"""ci/stress: the long stress and fuzz run (docs/testing.md)."""
import os
import re
import select
import subprocess
import sys
import time

from boards import BOARDS
from muonci import ROOT
from muonci.build import check_board
from muonci.qemu import qemu_cmd, qemu_env
from muonci.results import Results


STRESS_SILENCE = 600   # seconds without a console line: the guest hangs
KDB_PAUSE_MS = 8000    # --kdb: how long a race test holds after a watchdog failure (MUON_STRESS_PAUSE)
KDB_KEYS = [(0, "\x1c"), (2, "c"), (5, "t"), (8, "r"), (12, "g")]   # seconds after "pausing for kdb": enter, dump, go


class VcpuClock:
    """--kdb: the host CPU time each of QEMU's vCPU threads ("CPU n/TCG") got, sampled every second, so
    that a stall the guest sees can be told apart from a vCPU the host did not run (docs/testing.md)."""

    def __init__(self, pid):
        self.pid, self.samples, self.next = pid, [], 0.0
        self.hz = os.sysconf("SC_CLK_TCK")

    def _read(self):
        cpu = {}
        base = f"/proc/{self.pid}/task"
        for tid in os.listdir(base):
            try:
                with open(f"{base}/{tid}/comm") as f:
                    name = f.read().strip()
                with open(f"{base}/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            m = re.match(r"CPU (\d+)/", name)
            if m:
                cpu[int(m.group(1))] = (int(fields[11]) + int(fields[12])) / self.hz   # utime + stime
        return cpu

    def tick(self, now):
        if now >= self.next:
            self.next = now + 1.0
            self.samples = (self.samples + [(now, self._read())])[-30:]

    def report(self, now):
        """What each vCPU thread ran in the last 1, 2, 5 and 10 s of host time."""
        cur = self._read()
        out = []
        for span in (1, 2, 5, 10):
            old = [s for s in self.samples if now - s[0] >= span]
            if not old:
                continue
            t0, c0 = old[-1]
            out.append(f"last {now - t0:.1f} s: " + ", ".join(
                f"vCPU {i} {cur[i] - c0.get(i, 0):.2f} s" for i in sorted(cur)))
        return "ci/stress: host CPU time of each vCPU thread, " + ("; ".join(out) or "no samples yet")


def stress_build(board, a, seed):
    """The ci/stress image of board: init runs apps/tests/race.c's stress phases (CMake MUON_STRESS),
    with the kernel's latency measurement (MUON_LATENCY: init's LAT lines, docs/benchmarks.md)."""
    bdir = os.path.join(ROOT, "build", f"stress-{board}" + ("-kdb" if a.kdb else ""))
    kdb = ["-DMUON_KDEBUG=ON", f"-DMUON_STRESS_PAUSE={KDB_PAUSE_MS}"] if a.kdb else []
    steps = (["cmake", "--preset", board, "-B", bdir, "-DMUON_STRESS=ON", f"-DMUON_STRESS_SEED={seed}",
              f"-DMUON_STRESS_MINUTES={a.minutes}", f"-DMUON_STRESS_ONLY={a.phase or ''}",
              f"-DMUON_STRESS_PHASE_MS={a.phase_ms}", "-DMUON_LATENCY=ON"] + kdb,
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
    cmd = qemu_cmd(bdir) + (["-name", f"stress-{board},debug-threads=on"] if a.kdb else [])   # "CPU n/TCG" threads
    print(f"ci/stress: {board}: seed {seed}, {a.minutes} min, console in {log}", flush=True)
    limit = a.minutes * 60 + 900   # the boot, and the last round begun within the minutes
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.PIPE if a.kdb else subprocess.DEVNULL, env=qemu_env())
    lines, buf, reason, total = [], b"", "timeout", 0
    start = last = time.monotonic()
    vclock, keys = VcpuClock(p.pid) if a.kdb else None, []
    try:
        with open(log, "w") as f:
            while True:
                now = time.monotonic()
                if vclock:
                    vclock.tick(now)
                while keys and now >= keys[0][0]:   # --kdb: the debug console's commands, one at a time
                    p.stdin.write(keys.pop(0)[1].encode("latin-1"))
                    p.stdin.flush()
                    last = now
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
                        res.add(ok, board, m.group(2), m.group(3), note=m.group(3))
                    elif text.startswith(("STRESS BEGIN", "STRESS DONE", "race:", "stress:")) or "PANIC" in text:
                        print(f"  {board}: {text}", flush=True)
                    elif re.match(r"^TEST FAIL ", text):   # the kernel's own boot tests
                        res.add(False, board, text.split()[2].rstrip(":"), text)
                    if vclock and text.startswith("race: pausing for kdb"):
                        f.write(vclock.report(time.monotonic()) + "\n")
                        print(f"  {board}: " + vclock.report(time.monotonic()), flush=True)
                        keys = [(time.monotonic() + d, k) for d, k in KDB_KEYS]
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
    res = Results(a.junit)
    for b in names:
        stress_board(res, b, a, seed)
    return res.finish()
