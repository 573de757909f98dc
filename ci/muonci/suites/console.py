"""init's console driven after the boot tests: policy, restarts, input (issue 16)."""
import os
import re
import sys
import time

from muonci import ROOT
from muonci.suites.boot import target_tests


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


def counter_tests(res, sess, label):
    """The kernel's counters on the console (issue 15): every CPU with the owner the policy gives it."""
    out = sess.run("status") or ""
    cpus = re.findall(r"(?:^kernel:| \|) cpu(\d) (\S+) foreign (\d+) req \d+ ipi \d+ tlb \d+/\d+ irqoff (?:\d+ us|-)",
                      out, re.M)
    res.add(len(cpus) == 4 and cpus[0][:2] == ("0", "modem") and all(c[1] == "appos" for c in cpus[1:]), label,
            "console_kernel_counters", f"status said {[x for x in out.splitlines() if x.startswith('kernel:')]!r}")


def console_session(res, con, label, boot):
    """init's console driven hard after the boot tests: policy, restarts, then input (issue 16)."""
    sess = ConsoleSession(con)
    policy_tests(res, sess, label, boot)
    counter_tests(res, sess, label)
    restart_tests(res, sess, label)
    input_tests(res, sess, label)


def console_tests(res, board="vexpress-a9"):
    """ci/muon.py console BOARD: one boot with its tests, then the console session."""
    target_tests(res, board, session=console_session)
