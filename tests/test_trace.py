#!/usr/bin/env python3
"""Host tests of the trace converter (tools/muontrace.py) on a trace captured
from QEMU (tests/trace/vexpress-a9.log, the trace_scenario boot test's dump).
One line per test: PASS name / FAIL name: reason.  Usage: test_trace.py ROOT"""
import json
import os
import re
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import muontrace  # noqa: E402

LOG = os.path.join(ROOT, "tests", "trace", "vexpress-a9.log")
failed = 0


def check(name, ok, why=""):
    global failed
    if ok:
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}")


def overlaps(slices):
    """Slices of one track that overlap (a Perfetto track must nest)."""
    bad = 0
    for a, b in zip(slices, slices[1:]):
        bad += b[0] < a[0] + a[1] - 1e-6
    return bad


def main():
    lines = open(LOG).read().splitlines()
    trace_lines = [x for x in lines if re.match(r"TRACE \d+ \d+ ", x)]
    with tempfile.TemporaryDirectory() as d:
        prefix = os.path.join(d, "t")
        m = muontrace.convert(lines, prefix, None, "test")
        doc = json.load(open(prefix + ".json"))
        svg = ET.parse(prefix + ".svg").getroot()
    recs = m.trace.records
    check("trace_parse", m.trace.complete and m.trace.ncpus == 4 and len(recs) == len(trace_lines) > 0,
          f"complete {m.trace.complete}, {m.trace.ncpus} cpus, {len(recs)} of {len(trace_lines)} records")
    per_cpu_sorted = all(
        [r[1] for r in recs if r[0] == c] == sorted(r[1] for r in recs if r[0] == c) for c in range(4))
    check("trace_per_cpu_order", per_cpu_sorted, "a CPU's records are not oldest first")

    ev = doc.get("traceEvents", [])
    check("trace_json_shape", isinstance(ev, list) and ev and all("ph" in e and "pid" in e for e in ev),
          "traceEvents missing or events without ph/pid")
    tracks = {e["args"]["name"]: e["tid"] for e in ev if e.get("ph") == "M" and e.get("name") == "thread_name"}
    check("trace_json_cpu_tracks", all(f"CPU {i}" in tracks and tracks[f"CPU {i}"] == i for i in range(4)),
          f"tracks {sorted(tracks)}")
    xs = [e for e in ev if e["ph"] == "X" and e["cat"] == "sched"]
    switches = sum(1 for r in recs if r[2] in ("switch", "ipc_call", "ipc_reply_wait") and r[4])
    check("trace_json_run_slices", len(xs) > 0 and all(e["dur"] >= 0 for e in xs) and len(xs) <= switches + 4,
          f"{len(xs)} slices for {switches} switches to a thread")
    bad = sum(overlaps(sorted((e["ts"], e["dur"]) for e in xs if e["tid"] == c)) for c in range(4))
    check("trace_json_slices_nest", bad == 0, f"{bad} overlapping run slices")
    cats = {}
    for e in ev:
        if e["ph"] == "i":
            cats[e["cat"]] = cats.get(e["cat"], 0) + 1
    want = {"ipc": "ipc_send", "irq": "irq", "drq": "drq", "lb": "lb_place", "modem": "modem_tti", "miss": "modem_miss"}
    missing = [c for c, name in want.items() if any(r[2] == name for r in recs) and not cats.get(c)]
    check("trace_json_instants", not missing and cats.get("ipc", 0) == sum(r[2].startswith("ipc_") for r in recs),
          f"missing kinds {missing}, counts {cats}")
    flows = [e for e in ev if e.get("cat") == "migrate" and e["ph"] in "sf"]
    nmig = sum(r[2] == "migrate" for r in recs)
    check("trace_json_migration_flows", nmig > 0 and len(flows) == 2 * nmig and
          all(e["tid"] == (r[4] >> 8) for e, r in zip([f for f in flows if f["ph"] == "s"],
                                                      [r for r in recs if r[2] == "migrate"])),
          f"{len(flows)} flow events for {nmig} migrations")
    moves = [e for e in ev if e.get("name") == "lb_move"]
    check("trace_json_lb_decoded", moves and {"thread", "from", "to", "reason", "load_permille"} <= set(moves[0]["args"])
          and moves[0]["args"]["reason"] == "balance", f"lb_move args {moves[0]['args'] if moves else None}")

    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in svg.iter(ns + "text")]
    check("trace_svg_parses", svg.tag == ns + "svg" and all(f"CPU {i}" in texts for i in range(4)),
          f"root {svg.tag}, lane labels {[t for t in texts if t and t.startswith('CPU')]}")
    rects = [r for r in svg.iter(ns + "rect") if r.find(ns + "title") is not None and
             r.find(ns + "title").text.startswith("thread ")]
    check("trace_svg_slices", len(rects) == len(xs), f"{len(rects)} slice rectangles for {len(xs)} run slices")
    misses = [g for g in svg.iter(ns + "g") if g.find(ns + "title") is not None and
              g.find(ns + "title").text.startswith("deadline miss")]
    nmiss = sum(r[2] == "modem_miss" for r in recs)
    arrows = [x for x in svg.iter(ns + "line") if x.get("marker-end")]
    check("trace_svg_marks", len(misses) == nmiss > 0 and len(arrows) >= nmig,
          f"{len(misses)} miss marks for {nmiss} misses, {len(arrows)} arrows for {nmig} migrations")

    # The header: numbers unique, user events from MU_TRACE_USER, reasons in the balancer's order.
    events, reasons = muontrace.read_header()
    nums = list(events.values())
    check("trace_header_events", len(set(nums)) == len(nums) and
          all((n >= 0x100) == k.startswith(("lb_", "modem_")) for k, n in events.items()),
          f"events {events}")
    plan = open(os.path.join(ROOT, "loadbalancer", "plan.h")).read()
    body = re.search(r"enum lb_reason \{(.*?)\};", plan, re.S).group(1)
    lb = [x.lower() for x in re.findall(r"^\s*LB_(\w+),", body, re.M) if x != "REASONS"]
    short = [x.replace("power_", "") for x in lb]
    check("trace_header_lb_reasons", short == reasons, f"plan.h {short} vs trace.h {reasons}")

    # Bad and partial input: no dump is an error; the last dump wins; a cut-off dump still converts.
    try:
        muontrace.parse(["muon: no trace here", "TRACE 0 1 switch 0 1"])
        check("trace_no_dump_refused", False, "no error for a log without TRACE BEGIN")
    except ValueError:
        check("trace_no_dump_refused", True)
    two = ["TRACE BEGIN 2 ns", "TRACE 0 5 switch 0 7", "TRACE END 1", "junk TRACE BEGIN 2 ns",
           "TRACE 1 9 switch 0 8", "TRACE 1 12 ipc_send 8 7\r", "garbage", "TRACE 1 15 ev4660 1 2"]
    t = muontrace.parse(two)
    check("trace_last_dump_partial", not t.complete and [r[1] for r in t.records] == [9, 12, 15] and t.ncpus == 2,
          f"records {t.records}, complete {t.complete}")
    mm = muontrace.Model(t, reasons)
    check("trace_unknown_event", any(p[3] == "ev4660" for p in mm.points) and mm.slices == [(1, 8, 0, 6)],
          f"points {mm.points}, slices {mm.slices}")
    print(f"test_trace: {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
