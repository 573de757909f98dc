"""ci/gdb's way: QEMU's gdb stub and the helpers of tools/muon-gdb.py."""
import os
import re
import subprocess

from muonci import ROOT
from muonci.qemu import BOOT_TIMEOUT, free_port, qemu_cmd, qemu_env


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
