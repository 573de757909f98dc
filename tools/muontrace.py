#!/usr/bin/env python3
"""Muon trace converter (Python 3 standard library only).

Reads a console log holding a kernel trace dump (the TRACE lines of
MU_CONSOLE_TRACE_DUMP or of the debug console's `r`, format in
docs/tracing.md) and writes

  PREFIX.json  a Chrome/Perfetto trace: one process, one track per CPU with
               the threads' run slices, instant events for IPC, interrupts,
               cross-CPU requests, balancer and modem events, flows for
               migrations; opens offline in ui.perfetto.dev or chrome://tracing
  PREFIX.svg   a timeline a browser shows as it is: one lane per CPU, threads
               coloured by id, migrations as arrows, deadline misses in red

    tools/muontrace.py LOG|- [-o PREFIX] [--elf muon.elf] [--title TEXT]

ci/trace BOARD boots a board in QEMU and runs this on what it prints.
Event names and numbers come from uapi/muon/trace.h, read at run time.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACE_H = os.path.join(ROOT, "uapi", "muon", "trace.h")

LINE_RE = re.compile(r"TRACE (\d+) (\d+) (\S+) (\d+) (\d+)\s*$")
BEGIN_RE = re.compile(r"TRACE BEGIN (\d+) (\S+)")
LOST_RE = re.compile(r"TRACE LOST (\d+) (\d+)")
END_RE = re.compile(r"TRACE END")
ERRORS = ["MU_OK", "MU_ECAP", "MU_ETYPE", "MU_EPERM", "MU_EMSG", "MU_ENOMEM", "MU_EFAULT", "MU_EINVAL",
          "MU_ENOSYS", "MU_ETIMEDOUT", "MU_ECANCELED", "MU_ESTATE", "MU_EBUSY"]


def read_header(path=TRACE_H):
    """{name: number} of the events and [names] of the balancer's reasons, from trace.h."""
    text = open(path).read()
    events, reasons = {}, {}
    for sym, num, name in re.findall(r'X\((MU_TRACE_\w+),\s*(0x[0-9a-fA-F]+|\d+),\s*"([^"]+)"\)', text):
        if sym.startswith("MU_TRACE_LB_R_"):
            reasons[int(num, 0)] = name
        else:
            events[name] = int(num, 0)
    return events, [reasons.get(i, str(i)) for i in range(max(reasons) + 1 if reasons else 0)]


class Trace:
    """The records of one dump: per CPU, oldest first."""

    def __init__(self):
        self.ncpus = 0
        self.records = []   # (cpu, ns, name, a, b)
        self.lost = {}      # cpu -> records overwritten before the dump
        self.complete = False


def parse(lines):
    """The last dump in a console log (a later dump replaces an earlier one)."""
    dumps, cur = [], None
    for raw in lines:
        line = raw.rstrip("\r\n")
        i = line.find("TRACE ")
        if i < 0:
            continue
        line = line[i:]
        m = BEGIN_RE.match(line)
        if m:
            cur = Trace()
            cur.ncpus = int(m.group(1))
            dumps.append(cur)
            continue
        if cur is None:
            continue
        if END_RE.match(line):
            cur.complete = True
            cur = None
            continue
        m = LOST_RE.match(line)
        if m:
            cur.lost[int(m.group(1))] = int(m.group(2))
            continue
        m = LINE_RE.match(line)
        if m:
            cpu, ns, name, a, b = m.groups()
            cur.records.append((int(cpu), int(ns), name, int(a), int(b)))
    if not dumps:
        raise ValueError("no TRACE BEGIN line: the log holds no trace dump")
    t = dumps[-1]
    t.ncpus = max([t.ncpus] + [r[0] + 1 for r in t.records])
    return t


def elf_symbols(elf):
    """{address: function name} of an ELF's text symbols, via nm (empty if there is none)."""
    for nm in ("arm-none-eabi-nm", "nm"):
        if elf and os.path.exists(elf) and shutil.which(nm):
            out = subprocess.run([nm, elf], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
            syms = {}
            for line in out.splitlines():
                f = line.split()
                if len(f) == 3 and f[1] in "tT":
                    syms.setdefault(int(f[0], 16), f[2])
            return syms
    return {}


# ---------------------------------------------------------------- the model

class Model:
    """Run slices, point events and migrations, times in ns from the first record."""

    def __init__(self, trace, reasons, symbols=None):
        self.trace = trace
        self.reasons = reasons
        self.symbols = symbols or {}
        recs = trace.records
        self.t0 = min((r[1] for r in recs), default=0)
        self.t1 = max((r[1] for r in recs), default=0)
        self.slices = []      # (cpu, tid, start, end)
        self.points = []      # (cpu, t, kind, name, args)
        self.stages = []      # (cpu, start, end, stage)
        self.migrations = []  # (t, tid, from, to, arrive)
        self.misses = []      # (cpu, t, tti, late_ns)
        self.threads = set()
        self.roles = {}       # thread -> "modem" or "balancer": who records those events
        self._build()

    def reason(self, r):
        return self.reasons[r] if r < len(self.reasons) else f"reason {r}"

    def _build(self):
        first = {}
        running = {}   # cpu -> (tid, start)
        for cpu, ns, name, a, b in self.trace.records:
            t = ns - self.t0
            first.setdefault(cpu, t)
            if name in ("switch", "ipc_call", "ipc_reply_wait"):   # the fast path's IPC records are switches too
                prev = running.get(cpu)
                if prev is None and a:
                    prev = (a, first[cpu])   # it ran from the start of the window
                if prev and prev[0]:
                    self._slice(cpu, prev[0], prev[1], t)
                running[cpu] = (b, t)
                self.threads.update(x for x in (a, b) if x)
                if name != "switch":
                    self._point(cpu, t, name, a, b)
            else:
                self._point(cpu, t, name, a, b)
                tid = running.get(cpu, (0, 0))[0]
                role = "modem" if name.startswith("modem_") else "balancer" if name.startswith("lb_") else None
                if tid and role:
                    self.roles.setdefault(tid, role)
        end = self.t1 - self.t0
        for cpu, (tid, start) in running.items():
            if tid:
                self._slice(cpu, tid, start, end)
        self.slices.sort(key=lambda s: (s[0], s[2]))
        # A migration arrives where the thread next runs on its new CPU.
        for i, (t, tid, frm, to, _) in enumerate(self.migrations):
            nxt = [s[2] for s in self.slices if s[0] == to and s[1] == tid and s[2] >= t]
            self.migrations[i] = (t, tid, frm, to, min(nxt) if nxt else None)

    def _slice(self, cpu, tid, start, end):
        if end >= start:
            self.slices.append((cpu, tid, start, end))

    def _point(self, cpu, t, name, a, b):
        args = {"a": a, "b": b}
        kind = "other"
        if name in ("ipc_send", "ipc_reply", "ipc_call", "ipc_reply_wait"):
            kind, args = "ipc", {"from": a, "to": b}
        elif name == "irq":
            kind, args = "irq", {"irq": a}
            name = f"sgi {a}" if a < 16 else f"irq {a}"
        elif name == "drq":
            kind = "drq"
            args = {"target_cpu": a, "handler": self.symbols.get(b, hex(b))}
            name = f"drq to cpu{a}"
        elif name == "migrate":
            frm, to = b >> 8 & 0xff, b & 0xff
            kind, args = "migrate", {"thread": a, "from": frm, "to": to}
            self.migrations.append((t, a, frm, to, None))
            self.threads.add(a)
        elif name == "lb_place":
            kind = "lb"
            args = {"thread": a, "cpu": b & 0xff, "reason": self.reason(b >> 8 & 0xff), "load_permille": b >> 16}
        elif name == "lb_move":
            kind = "lb"
            args = {"thread": a, "from": b & 0xff, "to": b >> 8 & 0xff, "reason": self.reason(b >> 16 & 0x3f),
                    "load_permille": b >> 22}
        elif name == "lb_reject":
            kind, args = "lb", {"client": a, "error": ERRORS[b] if b < len(ERRORS) else b}
        elif name == "lb_power":
            kind, args = "lb", {"cpu_mask": hex(a), "load_permille": b}
        elif name == "lb_cpu":
            kind, args = "lb", {"cpu": a, "power": "on" if b else "off"}
        elif name == "modem_tti":
            kind, args = "modem", {"tti": a, "jitter_ns": b}
        elif name == "modem_miss":
            kind, args = "miss", {"tti": a, "late_ns": b}
            self.misses.append((cpu, t, a, b))
        elif name == "modem_stage":
            kind, args = "modem", {"stage": a, "duration_ns": b}
            self.stages.append((cpu, max(0, t - b), t, a))
        self.points.append((cpu, t, kind, name, args))


# ---------------------------------------------------------------- Chrome / Perfetto JSON

PID = 1
STAGE_TID = 100   # + cpu: the modem stages of that CPU, on a track of their own


def us(ns):
    return round(ns / 1000.0, 3)


def to_json(model, title):
    ev = [{"ph": "M", "name": "process_name", "pid": PID, "args": {"name": title}}]
    ncpus = model.trace.ncpus
    for cpu in range(ncpus):
        ev.append({"ph": "M", "name": "thread_name", "pid": PID, "tid": cpu, "args": {"name": f"CPU {cpu}"}})
        ev.append({"ph": "M", "name": "thread_sort_index", "pid": PID, "tid": cpu, "args": {"sort_index": cpu}})
    for cpu in sorted({s[0] for s in model.stages}):
        ev.append({"ph": "M", "name": "thread_name", "pid": PID, "tid": STAGE_TID + cpu,
                   "args": {"name": f"CPU {cpu} modem stages"}})
        ev.append({"ph": "M", "name": "thread_sort_index", "pid": PID, "tid": STAGE_TID + cpu,
                   "args": {"sort_index": cpu * 2 + 1 + ncpus}})
    for cpu, tid, start, end in model.slices:
        role = f" ({model.roles[tid]})" if tid in model.roles else ""
        ev.append({"ph": "X", "cat": "sched", "name": f"thread {tid}{role}", "pid": PID, "tid": cpu,
                   "ts": us(start), "dur": us(end - start), "args": {"thread": tid}})
    for cpu, start, end, stage in model.stages:
        ev.append({"ph": "X", "cat": "modem", "name": f"stage {stage}", "pid": PID, "tid": STAGE_TID + cpu,
                   "ts": us(start), "dur": us(end - start), "args": {"stage": stage}})
    for cpu, t, kind, name, args in model.points:
        e = {"ph": "i", "s": "t", "cat": kind, "name": name, "pid": PID, "tid": cpu, "ts": us(t), "args": args}
        if kind == "miss":
            e["name"] = f"DEADLINE MISS tti {args['tti']}"
            e["s"] = "p"   # across the whole process: it stands out
        ev.append(e)
        if name == "modem_tti":
            ev.append({"ph": "C", "name": "modem wake-up jitter (us)", "pid": PID, "ts": us(t),
                       "args": {"jitter": us(args["jitter_ns"])}})
    for i, (t, tid, frm, to, arrive) in enumerate(model.migrations):
        common = {"cat": "migrate", "name": f"thread {tid} cpu{frm}->cpu{to}", "pid": PID, "id": i + 1}
        ev.append({**common, "ph": "s", "tid": frm, "ts": us(t)})
        ev.append({**common, "ph": "f", "bp": "e", "tid": to, "ts": us(arrive if arrive is not None else t)})
    other = {"title": title, "cpus": ncpus, "records": len(model.trace.records), "t0_ns": model.t0,
             "lost": {str(k): v for k, v in model.trace.lost.items()}, "complete": model.trace.complete}
    return {"traceEvents": ev, "displayTimeUnit": "ns", "otherData": other}


# ---------------------------------------------------------------- SVG

W, LEFT, RIGHT, TOP = 1400, 90, 30, 56
LANE, STRIP, GAP = 38, 14, 14
MARK = {"ipc": "#1f5fbf", "irq": "#777777", "drq": "#e08000", "lb": "#8a2be2", "modem": "#2e8b57"}


PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f",
           "#bab0ac", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#17becf",
           "#bcbd22", "#8c564b"]


def thread_colours(threads):
    """A colour per thread id: distinct ones in order of id, repeating after 20."""
    return {tid: PALETTE[i % len(PALETTE)] for i, tid in enumerate(sorted(threads))}


def nice_step(span_ns, target=10):
    raw = max(span_ns / target, 1)
    mag = 10 ** (len(str(int(raw))) - 1)
    for m in (1, 2, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def fmt_time(ns):
    if ns >= 1000000:
        return f"{ns / 1e6:g} ms"
    if ns >= 1000:
        return f"{ns / 1e3:g} us"
    return f"{ns} ns"


def to_svg(model, title):
    ncpus = model.trace.ncpus
    span = max(model.t1 - model.t0, 1)
    plot = W - LEFT - RIGHT
    x = lambda t: LEFT + plot * t / span
    lane_y = lambda cpu: TOP + cpu * (LANE + STRIP + GAP)
    axis_y = lane_y(ncpus) + 4
    threads = sorted(model.threads)
    colour = thread_colours(threads)
    legend_y = axis_y + 44
    rows = (len(threads) + 7) // 8
    height = legend_y + 24 + rows * 18 + 30
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}" '
         'font-family="sans-serif" font-size="11">',
         '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
         '<path d="M0,0 L8,4 L0,8 z" fill="#000"/></marker></defs>',
         f'<rect width="{W}" height="{height}" fill="#ffffff"/>',
         f'<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
         f'<text x="{LEFT}" y="40" fill="#444">{ncpus} CPUs, {len(model.trace.records)} records, '
         f'{fmt_time(span)} from the first record; hover for details</text>']
    for cpu in range(ncpus):
        y = lane_y(cpu)
        o.append(f'<text x="{LEFT - 10}" y="{y + LANE / 2 + 4}" text-anchor="end" font-weight="bold">CPU {cpu}</text>')
        o.append(f'<rect x="{LEFT}" y="{y}" width="{plot}" height="{LANE}" fill="#f2f2f2" stroke="#ccc"/>')
        o.append(f'<rect x="{LEFT}" y="{y + LANE}" width="{plot}" height="{STRIP}" fill="#fafafa" stroke="#e4e4e4"/>')
    for cpu, tid, start, end in model.slices:
        y = lane_y(cpu)
        o.append(f'<rect x="{x(start):.2f}" y="{y + 2}" width="{max(x(end) - x(start), 0.6):.2f}" height="{LANE - 4}" '
                 f'fill="{colour[tid]}"><title>thread {tid} on CPU {cpu}: {fmt_time(start)} to '
                 f'{fmt_time(end)} ({fmt_time(end - start)})</title></rect>')
    for cpu, start, end, stage in model.stages:
        y = lane_y(cpu)
        o.append(f'<rect x="{x(start):.2f}" y="{y + LANE - 9}" width="{max(x(end) - x(start), 0.6):.2f}" height="6" '
                 f'fill="#14532d"><title>modem stage {stage}: {fmt_time(end - start)}</title></rect>')
    for cpu, t, kind, name, args in model.points:
        if kind not in MARK:
            continue
        y = lane_y(cpu) + LANE
        desc = escape(f"{name} at {fmt_time(t)}: " + ", ".join(f"{k} {v}" for k, v in args.items()))
        if kind == "lb":
            o.append(f'<path d="M{x(t):.2f},{y + 1} l5,6 l-5,6 l-5,-6 z" fill="{MARK[kind]}"><title>{desc}</title></path>')
        else:
            off = {"ipc": 2, "irq": 5, "drq": 8, "modem": 2}[kind]
            o.append(f'<line x1="{x(t):.2f}" y1="{y + off}" x2="{x(t):.2f}" y2="{y + off + 5}" '
                     f'stroke="{MARK[kind]}" stroke-width="1"><title>{desc}</title></line>')
    for t, tid, frm, to, arrive in model.migrations:
        x1, x2 = x(t), x(arrive if arrive is not None else t)
        y1, y2 = lane_y(frm) + LANE / 2, lane_y(to) + LANE / 2
        o.append(f'<line x1="{x1:.2f}" y1="{y1}" x2="{max(x2, x1 + 4):.2f}" y2="{y2}" stroke="#000" stroke-width="1.6" '
                 f'marker-end="url(#arrow)"><title>thread {tid} migrates cpu{frm} -> cpu{to} at {fmt_time(t)}'
                 f'</title></line>')
    for cpu, t, tti, late in model.misses:
        y = lane_y(cpu)
        o.append(f'<g><title>deadline miss: TTI {tti} late by {fmt_time(late)}</title>'
                 f'<line x1="{x(t):.2f}" y1="{y - 4}" x2="{x(t):.2f}" y2="{y + LANE + STRIP}" stroke="#e00000" '
                 f'stroke-width="2"/><path d="M{x(t) - 5:.2f},{y - 9} l10,0 l-5,7 z" fill="#e00000"/></g>')
    step = nice_step(span)
    o.append(f'<line x1="{LEFT}" y1="{axis_y}" x2="{LEFT + plot}" y2="{axis_y}" stroke="#000"/>')
    t = 0
    while t <= span:
        o.append(f'<line x1="{x(t):.2f}" y1="{axis_y}" x2="{x(t):.2f}" y2="{axis_y + 5}" stroke="#000"/>')
        o.append(f'<text x="{x(t):.2f}" y="{axis_y + 17}" text-anchor="middle">{fmt_time(t)}</text>')
        t += step
    o.append(f'<text x="{LEFT + plot}" y="{axis_y + 32}" text-anchor="end" fill="#444">time since the first record</text>')
    legend = [("#1f5fbf", "IPC send/reply", "tick"), ("#777777", "interrupt", "tick"), ("#e08000", "cross-CPU request", "tick"),
              ("#8a2be2", "balancer event", "diamond"), ("#14532d", "modem stage", "bar"), ("#000", "migration", "arrow"),
              ("#e00000", "deadline miss", "miss")]
    lx = LEFT
    for mark, label, shape in legend:
        y = legend_y
        if shape == "tick":
            o.append(f'<line x1="{lx + 5}" y1="{y - 9}" x2="{lx + 5}" y2="{y + 1}" stroke="{mark}" stroke-width="2"/>')
        elif shape == "diamond":
            o.append(f'<path d="M{lx + 5},{y - 10} l5,6 l-5,6 l-5,-6 z" fill="{mark}"/>')
        elif shape == "bar":
            o.append(f'<rect x="{lx}" y="{y - 7}" width="12" height="6" fill="{mark}"/>')
        elif shape == "arrow":
            o.append(f'<line x1="{lx}" y1="{y - 4}" x2="{lx + 12}" y2="{y - 4}" stroke="#000" stroke-width="1.6" '
                     'marker-end="url(#arrow)"/>')
        else:
            o.append(f'<line x1="{lx + 5}" y1="{y - 11}" x2="{lx + 5}" y2="{y + 2}" stroke="{mark}" stroke-width="2"/>')
        o.append(f'<text x="{lx + 18}" y="{y}">{label}</text>')
        lx += 30 + 7 * len(label)
    for i, tid in enumerate(threads):
        cx, cy = LEFT + (i % 8) * 150, legend_y + 22 + (i // 8) * 18
        o.append(f'<rect x="{cx}" y="{cy - 10}" width="12" height="12" fill="{colour[tid]}"/>')
        role = f" ({model.roles[tid]})" if tid in model.roles else ""
        o.append(f'<text x="{cx + 17}" y="{cy}">thread {tid}{role}</text>')
    o.append("</svg>")
    return "\n".join(o) + "\n"


# ---------------------------------------------------------------- entry points

def convert(lines, prefix, elf=None, title="muon trace"):
    """Parse a log and write PREFIX.json and PREFIX.svg; returns the model."""
    _, reasons = read_header()
    model = Model(parse(lines), reasons, elf_symbols(elf))
    with open(prefix + ".json", "w") as f:
        json.dump(to_json(model, title), f, indent=None, separators=(",", ":"))
        f.write("\n")
    with open(prefix + ".svg", "w") as f:
        f.write(to_svg(model, title))
    return model


def main(argv=None):
    ap = argparse.ArgumentParser(prog="muontrace", description="Muon trace dump to Perfetto JSON and SVG")
    ap.add_argument("log", help="console log with a TRACE dump, or - for standard input")
    ap.add_argument("-o", "--out", default="trace", help="output prefix (default: trace -> trace.json, trace.svg)")
    ap.add_argument("--elf", help="kernel ELF to name the handlers of cross-CPU requests")
    ap.add_argument("--title", default="muon trace")
    a = ap.parse_args(argv)
    lines = sys.stdin.readlines() if a.log == "-" else open(a.log, errors="replace").readlines()
    try:
        m = convert(lines, a.out, a.elf, a.title)
    except ValueError as e:
        print(f"muontrace: {e}", file=sys.stderr)
        return 1
    print(f"muontrace: {len(m.trace.records)} records, {m.trace.ncpus} cpus -> {a.out}.json, {a.out}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
