#!/usr/bin/env python3
"""ttiprof: the modem's TTIs in per-CPU time, from the insnprof plugin (tools/insnprof.c).

Under -icount every vCPU shares one instruction counter; insnprof gives each
vCPU a count of its own. This tool writes the plugin's configuration from
the marks the kernel and the modem carry (uapi/muon/mark.h: the ELF section
.insnprof, an address and a kind per mark) and turns the plugin's records
into what ci/bench reports for the modem's CPU (docs/benchmarks.md,
"Per-CPU time"):

  ttiprof.py conf KERNEL_ELF MODEM_ELF > prof.conf
  qemu-system-arm ... -plugin libinsnprof.so,conf=prof.conf,out=prof.out
  ttiprof.py report prof.out            one JSON object

For every TTI run in the bench window (from the modem's MODEM_RESET to its
MODEM_STATS print; a TTI the modem shed, its stages not run, is only
counted) on the vCPU that runs the TTI thread: the instructions
that vCPU executed from taking the interrupt that delivered the TTI's timer
period (the IRQ vector, or the wake-up from WFI of an idle CPU) to the
TTI's end, split into the modem's own code (user PCs in the modem's range),
the kernel's own work, cross-CPU requests and IPIs served (kernel work
between the IPI_BEGIN/END and DRQ_BEGIN/END marks) and other user code;
and the number of IPIs and requests served in that span. Python 3 standard
library only.
"""
import json
import struct
import sys

# uapi/muon/mark.h
MARKS = {1: "irq", 2: "pace", 3: "ipi_begin", 4: "ipi_end", 5: "drq_begin", 6: "drq_end", 7: "tti_end",
         8: "wake", 9: "window", 10: "stats", 11: "locked", 12: "unlock",
         13: "lat_reset", 14: "tti_shed"}
UNUSED = ("locked", "unlock", "lat_reset")   # tools/latprof.py's marks, not a TTI's
MODEM_RANGE = (0x01000000, 0x02000000)   # CMakeLists.txt: MODEM_USER_BASE, the modem's programs
KERNEL_RANGE = (0xc0000000, 0x100000000)  # arch/arm/kernel.ld: KERNEL_VBASE and up, the vectors included
USER_RANGE = (0, 0xc0000000)
TTI_BUDGET = 1000000   # instructions in a 1 ms TTI at one instruction a nanosecond (-icount shift=0)


def elf_marks(path):
    """[(address, kind)] from the .insnprof section of a 32-bit little-endian ELF file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise ValueError(f"{path}: not a 32-bit little-endian ELF file")
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2e)
    sections = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    names = sections[shstrndx]
    out = []
    for sh in sections:
        name_at = names[4] + sh[0]
        name = data[name_at:data.index(b"\0", name_at)].decode()
        if name == ".insnprof":
            body = data[sh[4]:sh[4] + sh[5]]
            out += [struct.unpack_from("<II", body, i) for i in range(0, len(body) - 7, 8)]
    return out


def conf_text(kernel_elf, modem_elf):
    lines = ["# written by tools/ttiprof.py conf: categories by PC, then the marks",
             "range modem %x %x" % MODEM_RANGE, "range kernel %x %x" % KERNEL_RANGE, "range user %x %x" % USER_RANGE]
    for path in (kernel_elf, modem_elf):
        for addr, kind in elf_marks(path):
            if kind not in MARKS:
                raise ValueError(f"{path}: a mark of unknown kind {kind} at {addr:#x}")
            if MARKS[kind] in UNUSED:
                continue
            lines.append(f"mark {MARKS[kind]} {addr:x}")
            if MARKS[kind] == "stats":
                lines.append(f"dump {addr:x}")   # the records reach the file while QEMU still runs
    return "\n".join(lines) + "\n"


class Cpu:
    """One vCPU's state while its records are read in order."""

    def __init__(self, ncats):
        self.entry = None          # (counts, served) at the last interrupt taken
        self.starts = []           # TTIs delivered and not yet ended: their entry
        self.served = [0, 0, 0]    # instructions inside IPI and request windows, IPIs, requests
        self.depth = {"ipi": 0, "drq": 0}
        self.begin = {}
        self.window = None         # counts when the bench window opened
        self.ncats = ncats


def percentile(sorted_vals, q):
    if not sorted_vals:
        return 0
    k = max(0, -(-len(sorted_vals) * q // 100) - 1)
    return sorted_vals[min(k, len(sorted_vals) - 1)]


def report(path):
    cats, cpus, ttis, shed, window_user, tti_cpu = [], {}, [], 0, None, None
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "categories":
                cats = w[1:]
                continue
            if w[0] != "M" or len(w) != 4 + len(cats):
                continue   # a line cut short (QEMU killed before the plugin flushed) counts for nothing
            name, v, counts = w[1], int(w[2]), [int(x) for x in w[3:]]
            cpu = cpus.setdefault(v, Cpu(len(cats)))
            if name in ("irq", "wake"):
                cpu.entry = (counts, list(cpu.served))
            elif name == "pace":
                if cpu.entry:
                    cpu.starts.append(cpu.entry)
            elif name.endswith("_begin"):
                kind = name[:-6]
                if cpu.depth[kind] == 0:
                    cpu.begin[kind] = counts[0]
                cpu.depth[kind] += 1
            elif name.endswith("_end") and name != "tti_end":
                kind = name[:-4]
                if cpu.depth[kind] > 0:
                    cpu.depth[kind] -= 1
                    if cpu.depth[kind] == 0:
                        cpu.served[0] += counts[0] - cpu.begin[kind]
                        cpu.served[1 if kind == "ipi" else 2] += 1
            elif name == "window":
                cpu.window = counts
                ttis, shed = [], 0   # only the last window counts
                tti_cpu = v
            elif name == "stats" and cpu.window is not None:
                window_user = counts[1 + cats.index("user")] - cpu.window[1 + cats.index("user")]
                break
            elif name in ("tti_end", "tti_shed"):
                if not cpu.starts:
                    continue
                (c0, s0) = cpu.starts.pop(0)
                if cpu.window is None:
                    continue
                if name == "tti_shed":   # started after its deadline, no stages: no response to count
                    shed += 1
                    continue
                d = [b - a for a, b in zip(c0, counts)]
                served = cpu.served[0] - s0[0]
                ttis.append({"response": d[0], "modem": d[1 + cats.index("modem")],
                             "kernel": d[1 + cats.index("kernel")] - served, "served": served,
                             "other": d[1 + cats.index("user")] + d[1 + cats.index("other")],
                             "ipis": cpu.served[1] - s0[1], "requests": cpu.served[2] - s0[2]})
    if not ttis:
        return {"ttis": 0, "error": "no TTI between the window's marks"}
    resp = sorted(t["response"] for t in ttis)
    worst = max(ttis, key=lambda t: t["response"])
    n = len(ttis)

    def mean(key):
        return round(sum(t[key] for t in ttis) / n, 1)

    return {
        "vcpu": tti_cpu, "ttis": n, "shed": shed, "budget": TTI_BUDGET,
        "response_p50": percentile(resp, 50), "response_p99": percentile(resp, 99), "response_max": resp[-1],
        "mean": {k: mean(k) for k in ("response", "modem", "kernel", "served", "other")},
        "worst": worst,
        "nonmodem_user_instructions": window_user,
        "other_max": max(t["other"] for t in ttis),
        "ipis_per_tti": mean("ipis"), "ipis_max": max(t["ipis"] for t in ttis),
        "requests_per_tti": mean("requests"), "requests_max": max(t["requests"] for t in ttis),
        "over_budget": sum(t["response"] > TTI_BUDGET for t in ttis),
    }


def main(argv):
    if len(argv) == 4 and argv[1] == "conf":
        sys.stdout.write(conf_text(argv[2], argv[3]))
        return 0
    if len(argv) == 3 and argv[1] == "report":
        print(json.dumps(report(argv[2])))
        return 0
    print("usage: ttiprof.py conf KERNEL_ELF MODEM_ELF | ttiprof.py report PROF_OUT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
