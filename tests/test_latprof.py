#!/usr/bin/env python3
"""Host tests of tools/latprof.py (the kernel's longest paths per vCPU, docs/benchmarks.md):
a record stream of the insnprof plugin with known windows (a reset per CPU after each
stress phase, two for long-operations, whose test resets the maxima itself) must give
each phase its own longest stretch, per vCPU, with its functions and its wait, and
the load's longest over all phases; the boot's window is not the load's. One line per
test: PASS name / FAIL name: reason. Usage: test_latprof.py ROOT"""
import os
import sys
import tempfile

ROOT = sys.argv[1]
sys.path.insert(0, os.path.join(ROOT, "tools"))
import latprof  # noqa: E402

passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    passed += ok
    failed += not ok
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}", flush=True)


def window(kernel, lock=None):
    """The records of one window of two vCPUs: kernel = {vcpu: (max, all, function)}."""
    out = ["R 0 1000"]
    for kind, per in (("kernel", kernel), ("lock", lock or {})):
        for v, (mx, al, fn) in per.items():
            out += [f"S {kind} {v} 10 {int(mx > 20000)} {mx} {al} 1 1c000 ffff0008 c0001000",
                    f"P {kind} {v} vectors trap {fn}", f"F {kind} {v} {fn} {mx - 100}",
                    f"W {kind} {v} {al - mx} {mx} {al} 1 1c000 ffff0008"]
    return out


def main():
    boot = window({0: (90000, 90000, "kmain")})   # the boot: not the load's
    quiet = window({0: (10, 10, "idle")})
    lines = ["vcpus 2", "categories other"] + boot + quiet
    lines += window({0: (15000, 15000, "a"), 1: (12000, 900000, "b")}, {1: (8000, 8000, "b")}) + quiet  # fuzz
    # An O record comes as its stretch closes: before the R of its window.
    lines += ["O kernel 1 25000 26000 0 1c000 ffff0008 c0001000 page_alloc_contig:24000"]
    lines += window({1: (25000, 26000, "page_alloc_contig")}) + quiet + quiet + window({0: (300, 300, "c")})
    lines += ["T 0 5 5", "T 1 5 5"] + window({0: (99999, 99999, "after")})[1:]   # the exit's dump
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "lat.prof")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = latprof.report(path, ["fuzz", "long-operations"])
    ph = r["phases"]
    check("latprof_phases", list(ph) == ["fuzz", "long-operations"] and r["windows"] == 9,
          f"phases {list(ph)}, {r['windows']} windows")
    fz, lo = ph.get("fuzz", {}), ph.get("long-operations", {})
    check("latprof_per_vcpu", fz["kernel"][0]["max"] == 15000 and fz["kernel"][1]["max"] == 12000 and
          fz["kernel"][1]["wait"]["wait"] == 888000 and fz["lock"][1]["max"] == 8000,
          f"fuzz: {fz.get('kernel')}")
    check("latprof_extra_resets", lo["kernel"][1]["max"] == 25000 and lo["kernel"][0]["max"] == 300 and
          lo["kernel"][1]["over"] == 1 and [o["funcs"] for o in lo["over"]] == [["page_alloc_contig:24000"]],
          f"long-operations: {lo.get('kernel')}")
    k = r["kernel"]
    check("latprof_longest", k["max"] == 25000 and k["vcpu"] == 1 and k["phase"] == "long-operations" and
          k["funcs"] == [["page_alloc_contig", 24900]] and k["path"] == ["vectors", "trap", "page_alloc_contig"],
          f"longest {k}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
