"""The kernel debug console of a MUON_KDEBUG build."""
import re

from muonci.build import preset_built
from muonci.qemu import BOOT_TIMEOUT, Console, qemu_cmd


KDEBUG_PRESET = "vexpress-a9-kdebug"   # the debug-console build ci/test runs (CMakePresets.json)


def kdb_tests(res):
    """The debug console of a MUON_KDEBUG build answers each command (docs/debugging.md)."""
    label, bdir = KDEBUG_PRESET, preset_built(res, KDEBUG_PRESET)
    if not bdir:
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
