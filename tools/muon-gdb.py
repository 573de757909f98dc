# Muon helpers for gdb (gdb's Python API), sourced by ci/gdb:
#
#   muon-cpus   per CPU: online, the current thread (id, task, its saved user
#               pc) and where the CPU itself is (the pc of its gdb thread)
#   muon-rq     per CPU: the running thread marked *, then the ready queue, highest priority
#               first (id:prio task); the running thread is not in the queue (docs/ipc.md)
#
# QEMU's gdb stub shows each CPU as one gdb thread, numbered from 1 in CPU
# order. The commands read the kernel's struct cpu array `cpus`, so they work
# once the MMU is on (any time after kmain started).
import gdb

STATES = ["stopped", "ready", "send", "recv", "reply", "dead"]


def task_name(th):
    task = th["task"]
    if int(task) == 0:
        return "-"
    try:
        return task["name"].string()
    except gdb.error:
        return "?"


def describe(ptr):
    if int(ptr) == 0:
        return "idle"
    th = ptr.dereference()
    state = int(th["state"])
    return "thread %d (%s) %s user-pc 0x%08x" % (int(th["id"]), task_name(th),
                                                 STATES[state] if state < len(STATES) else "?",
                                                 int(th["regs"]["pc"]))


def where(pc):
    try:
        return gdb.format_address(pc)
    except (AttributeError, gdb.error):
        sym = gdb.execute("info symbol 0x%x" % pc, to_string=True).strip()
        return "0x%08x %s" % (pc, "" if sym.startswith("No symbol") else sym)


def cpu_pcs():
    """{cpu: pc} from the gdb threads (one per CPU); the selected thread is kept."""
    pcs = {}
    inf = gdb.selected_inferior()
    keep = gdb.selected_thread()
    for t in sorted(inf.threads(), key=lambda t: t.num):
        t.switch()
        pcs[t.num - 1] = int(gdb.parse_and_eval("$pc")) & 0xffffffff
    if keep is not None:
        keep.switch()
    return pcs


class MuonCpus(gdb.Command):
    """Per CPU: online, current thread (id, task, state, saved user pc) and the CPU's own pc."""

    def __init__(self):
        super().__init__("muon-cpus", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        n = int(gdb.parse_and_eval("ncpus_present"))
        cpus = gdb.parse_and_eval("cpus")
        pcs = cpu_pcs()
        for i in range(n):
            c = cpus[i]
            pc = pcs.get(i)
            gdb.write("cpu%d %s current %s; cpu pc %s\n" % (
                i, "online" if bool(c["online"]) else "offline", describe(c["current"]),
                where(pc) if pc is not None else "?"))


class MuonRq(gdb.Command):
    """Per CPU: the running thread (if ready) marked *, then the ready queue, highest priority first,
    as id:prio(task). The running thread is not in the queue (lazy queues, docs/ipc.md)."""

    def __init__(self):
        super().__init__("muon-rq", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        n = int(gdb.parse_and_eval("ncpus_present"))
        cpus = gdb.parse_and_eval("cpus")
        thread_t = gdb.lookup_type("struct thread").pointer()
        link_off = int(gdb.parse_and_eval("(unsigned long)&((struct thread *)0)->link"))
        for i in range(n):
            rq = cpus[i]["rq"]
            out = []
            cur = cpus[i]["current"]
            if int(cur) and int(cur.dereference()["state"]) == 1:   # TS_READY: it runs
                th = cur.dereference()
                out.append("*%d:%d(%s)" % (int(th["id"]), int(th["link"]["prio"]), task_name(th)))
            for p in range(255, -1, -1):
                head = rq["head"][p]
                link = head["next"]
                guard = 0
                while int(link) != int(head.address) and guard < 1000:
                    th = gdb.Value(int(link) - link_off).cast(thread_t).dereference()
                    out.append("%d:%d(%s)" % (int(th["id"]), p, task_name(th)))
                    link = link["next"]
                    guard += 1
            gdb.write("cpu%d rq %d ready: %s\n" % (i, int(rq["count"]), " ".join(out) if out else "-"))


MuonCpus()
MuonRq()
gdb.write("muon: gdb helpers loaded: muon-cpus, muon-rq\n")
