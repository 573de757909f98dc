"""ci/bench: one JSON line per figure (docs/benchmarks.md)."""
import json
import os
import re
import subprocess
import sys

import latprof
import ttiprof
from boards import BOARDS
from muonci import ROOT
from muonci.build import build, check_board
from muonci.qemu import BOOT_TIMEOUT, qemu_cmd, qemu_env, run_until


# The modem under its loads (issues 7 and 15): a system file each, in a build of its own whose init
# runs no tests and reports the modem's figures over BENCH_TTIS TTI periods (docs/benchmarks.md).
# (load, system file, vCPUs, per-CPU): same_cpu_saturated runs on one CPU, so that under -icount
# shift=0 virtual time is that CPU's own instructions; saturated and powersave also count each
# vCPU's instructions with the insnprof plugin (tools/insnprof.c, tools/ttiprof.py).
BENCH_TTIS = 10000


BENCH_LOADS = (("idle", "modem.system", 4, False), ("same_cpu_saturated", "samecpu.system", 1, False),
               ("saturated", "phone.system", 4, True), ("powersave", "powersave.system", 4, True))


# What a figure means under each load: the emulator's where the other vCPUs are busy (round robin
# under icount: a vCPU waits while the others run), the kernel's where the modem's CPU is alone.
BENCH_NOTES = {
    "idle": "the modem alone, CPUs 1-3 idle in WFI: virtual time is CPU 0's instructions",
    "same_cpu_saturated": "-smp 1: the modem and an app OS that never lets the CPU idle, at lower priorities; "
                          "virtual time is that CPU's instructions: the kernel's preemption and the modem's work",
    "saturated": "the emulator's figure: this run has the insnprof plugin and no icount (the per-CPU figures), "
                 "so its time is the host's, which runs 4 vCPUs, slowed by a callback per instruction, on its "
                 "cores as it can; not the kernel's",
    "powersave": "the emulator's figure (as saturated): host time, the vCPUs slowed by the plugin",
}


def emit(board, metric, value, unit, **extra):
    print(json.dumps({"board": board, "metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def section_sizes(elf):
    out = subprocess.run(["arm-none-eabi-size", "-A", elf], stdout=subprocess.PIPE, text=True, check=True).stdout
    sizes = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[0].startswith(".") and f[1].isdigit():
            sizes[f[0]] = int(f[1])
    text = sizes.get(".text", 0) + sizes.get(".vectors", 0) + sizes.get(".rodata", 0)
    return text, sizes.get(".data", 0), sizes.get(".bss", 0) + sizes.get(".pgtable", 0), sizes.get(".modules", 0)


def bench_lbsim():
    """The balancer simulator against its two baselines, on every shipped workload (host, not QEMU)."""
    for step in (["cmake", "--preset", "host"], ["cmake", "--build", "--preset", "host", "--target", "lbsim"]):
        if subprocess.run(step, cwd=ROOT, stdout=subprocess.DEVNULL).returncode != 0:
            print("muon: building lbsim failed", file=sys.stderr)
            return
    sim = os.path.join(ROOT, "build", "host", "tests", "lbsim")
    metrics = {"imbalance_avg": "per-mille", "migrations_per_s": "migrations/s", "cpus_used_avg": "cpus",
               "pinned_interference": "ms", "deadline_misses": "ms", "work_done": "fraction"}
    for wl in sorted(os.listdir(os.path.join(ROOT, "tests", "sim"))):
        if not wl.endswith(".wl"):
            continue
        out = subprocess.run([sim, os.path.join(ROOT, "configs", "default.policy"), os.path.join(ROOT, "tests", "sim", wl)],
                             stdout=subprocess.PIPE, text=True).stdout
        for line in out.splitlines():
            d = json.loads(line)
            for key, unit in metrics.items():
                emit("host", "lb_sim_" + key, d[key], unit, policy=d["strategy"], workload=wl,
                     config="default.policy")


def insnprof_plugin():
    """build/host/tests/libinsnprof.so, built by the host preset; None if that fails."""
    for step in (["cmake", "--preset", "host"], ["cmake", "--build", "--preset", "host", "--target", "insnprof"]):
        if subprocess.run(step, cwd=ROOT, stdout=subprocess.DEVNULL).returncode != 0:
            print("muon: building the insnprof plugin failed", file=sys.stderr)
            return None
    return os.path.join(ROOT, "build", "host", "tests", "libinsnprof.so")


def emit_percpu(board, load, r, ttis):
    """The modem's TTIs in per-CPU time (tools/ttiprof.py's report r), docs/benchmarks.md."""
    note = (f"per-CPU time: instructions the modem's CPU (vCPU {r.get('vcpu')}) executed, counted by the insnprof "
            f"plugin, {r['ttis']} TTIs of {ttis} periods ({r.get('shed', 0)} more shed: started after their "
            f"deadline in host time, no stages run), no icount: the vCPUs run in parallel host threads")
    emit(board, "modem_response_p50", r["response_p50"], "instructions", load=load, note=note)
    emit(board, "modem_response_p99", r["response_p99"], "instructions", load=load, note=note)
    emit(board, "modem_response_max", r["response_max"], "instructions", load=load, worst=r["worst"],
         mean=r["mean"], note=note + "; from taking the TTI's timer interrupt to the TTI's end; worst: its split "
         "into modem code, the kernel's own work, IPIs and requests served, other threads")
    emit(board, "modem_cpu_other_threads", r["nonmodem_user_instructions"], "instructions", load=load,
         per_tti_max=r["other_max"], note="user instructions of non-modem threads on the modem's CPU over the "
         "window (goal 0)")
    emit(board, "modem_ipis_per_tti", r["ipis_per_tti"], "IPIs", load=load, max=r["ipis_max"],
         note="IPIs the modem's CPU took within a TTI's response, mean (max as max)")
    emit(board, "modem_requests_per_tti", r["requests_per_tti"], "requests", load=load, max=r["requests_max"],
         note="cross-CPU requests the modem's CPU ran within a TTI's response, mean (max as max)")
    emit(board, "modem_ttis_over_budget", r["over_budget"], "TTIs", load=load, budget=r["budget"], ttis=r["ttis"],
         shed=r.get("shed", 0),
         note="TTIs whose response exceeded 1 ms at one instruction a ns: the misses of hardware whose CPUs "
              "run in parallel at the emulated speed")


def bench_modem(board, ttis=BENCH_TTIS, loads=None):
    plugin = None
    for load, system, smp, percpu in BENCH_LOADS:
        if loads and load not in loads:
            continue
        bdir = os.path.join(ROOT, "build", f"bench-{board}-{load}")
        steps = (["cmake", "--preset", board, "-B", bdir, f"-DMUON_SYSTEM={system}",
                  f"-DMUON_BENCH_TTIS={ttis}", f"-DMUON_BENCH_LOAD={load}"],
                 ["cmake", "--build", bdir, "-j", str(os.cpu_count())])
        if any(subprocess.run(x, cwd=ROOT, stdout=subprocess.DEVNULL).returncode for x in steps):
            print(f"muon: {board}: the {load} bench build failed", file=sys.stderr)
            continue
        # A saturated CPU runs 10^6 instructions a TTI: give a long run the host time it needs.
        timeout = BOOT_TIMEOUT * 2 + ttis * 0.06
        if percpu:
            plugin = plugin or insnprof_plugin()
        # Per-CPU loads run without icount: the vCPUs run in parallel host threads, so the modem's CPU
        # runs every TTI, not its turns of a round robin; the plugin's counts are exact per vCPU either way.
        cmd, prof = qemu_cmd(bdir, smp=smp, icount=not (percpu and plugin)), None
        if percpu and plugin:
            conf, prof = os.path.join(bdir, "prof.conf"), os.path.join(bdir, "prof.out")
            with open(conf, "w") as f:
                f.write(ttiprof.conf_text(os.path.join(bdir, "muon.elf"), os.path.join(bdir, "modem-stack.elf")))
            if os.path.exists(prof):
                os.remove(prof)
            cmd += ["-plugin", f"{plugin},conf={conf},out={prof}"]
            timeout *= 4   # a callback per instruction
        lines, reason = run_until(cmd, re.compile(r"^TEST DONE"), timeout)
        figs = {}
        for line in lines:
            if line.startswith("MODEM load=") or line.startswith("MODEM stages "):
                figs.update(dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv))
        if "ttis" not in figs:
            print(f"muon: {board}: no modem figures under the {load} load ({reason}): "
                  + " | ".join(lines[-4:]), file=sys.stderr)
            continue
        clock = "no icount (host time)" if prof else "-icount shift=0,sleep=off"
        note = (f"{system}, -smp {smp}, {ttis} TTI periods after every program reported, {clock}; "
                f"{BENCH_NOTES[load]}; jitter: timer due to the TTI thread running, virtual time")
        # Under the loads whose other vCPUs are busy the virtual-time figures are the emulator's (BENCH_NOTES).
        emu = {"emulator": True} if percpu else {}
        emit(board, "modem_ttis", int(figs["ttis"]), "TTIs", load=load, note=note, **emu)
        # Under icount no host delays a vCPU: every late TTI counts, what the modem calls a host stall too.
        stalls = int(figs.get("stalls", 0))
        if prof:
            emit(board, "modem_misses", int(figs["misses"]), "TTIs", load=load,
                 note=note + "; the guest's: late TTIs with a thread at or above the modem's priority in the way",
                 **emu)
            emit(board, "modem_host_stalls", stalls, "TTIs", load=load, note="late TTIs (and periods passed) "
                 "that nothing on the modem's CPU stood in the way of: the host's (docs/modem.md)")
        else:
            emit(board, "modem_misses", int(figs["misses"]) + stalls, "TTIs", load=load,
                 note=note + "; every late TTI, the modem's host stalls included", **emu)
            emit(board, "modem_host_stalls", stalls, "TTIs", load=load,
                 note="of modem_misses, the late TTIs that nothing on the modem's CPU stood in the way of "
                      "(docs/modem.md): under icount the emulator's round robin or the modem's own work")
        for q in ("p50", "p99", "max"):
            emit(board, f"modem_jitter_{q}", int(figs[q]), "ns", load=load, note=note, **emu)
        emit(board, "cpus_used", int(figs["cpus_used"]), "cpus", load=load,
             note="CPUs busy at least 1 % of the window, the modem's CPU included")
        emit(board, "modem_tti_max", int(figs["tti_max"]), "ns", load=load,
             note="the longest TTI, wake-up to the last stage's reply")
        if prof:
            r = ttiprof.report(prof) if os.path.exists(prof) else {"ttis": 0, "error": "no records"}
            if r["ttis"]:
                emit_percpu(board, load, r, ttis)
            else:
                print(f"muon: {board}: no per-CPU figures under the {load} load: {r.get('error')}", file=sys.stderr)


# Kernel latency (issue 15): ci/stress images with the kernel's latency measurement (MUON_LATENCY)
# under icount; init prints a LAT line after each phase with the longest interrupts-off path and
# object-lock hold of any CPU in it (docs/benchmarks.md).
LAT_LOADS = (("long_ops", "long-operations"), ("stress", ""))
LAT_KINDS = {0: "boot", 1: "syscall", 2: "irq", 3: "fault", 4: "request", 5: "idle"}


def lat_op(word):
    """A MU_LAT_OP word (uapi/muon/abi.h) in words: kind, object, operation."""
    text = open(os.path.join(ROOT, "uapi", "muon", "abi.h")).read()
    labels = {int(v): n for n, v in re.findall(r"\bMU_((?:CONSOLE|THREAD|TASK|FACTORY|GATE|IRQ|SCHED)_[A-Z_]+) = (\d+)", text)}
    objs = {int(v): n.lower() for n, v in re.findall(r"\bMU_OBJ_([A-Z]+) = (\d+)", text)}
    kind, obj, label = word >> 24, (word >> 16) & 0xff, word & 0xffff
    if kind in (1, 4) and objs.get(obj) == "gate":
        return f"{LAT_KINDS[kind]} ipc flags {label}"
    if kind == 1:
        return f"syscall {objs.get(obj, obj)} {labels.get(label, label)}"
    return LAT_KINDS.get(kind, str(kind)) + (f" {label}" if label else "")


LAT_BEGINS = {latprof.VECTORS_VA + 0x04: "undef", latprof.VECTORS_VA + 0x08: "svc", latprof.VECTORS_VA + 0x0c: "pabt",
              latprof.VECTORS_VA + 0x10: "dabt", latprof.VECTORS_VA + 0x18: "irq"}


def lat_run(bdir, plugin):
    """Boot a latency image to STRESS DONE: (serial lines, why it stopped, insnprof's records or None)."""
    cmd, prof = qemu_cmd(bdir, icount=True), None
    if plugin:
        conf, prof = os.path.join(bdir, "lat.conf"), os.path.join(bdir, "lat.prof")
        with open(conf, "w") as f:
            f.write(latprof.conf_text(os.path.join(bdir, "muon.elf")))
        if os.path.exists(prof):
            os.remove(prof)
        cmd += ["-plugin", f"{plugin},conf={conf},out={prof}"]
    # QEMU exits cleanly on SIGTERM (run_until): the plugin writes its last records.
    lines, reason = run_until(cmd, re.compile(r"^STRESS DONE"), BOOT_TIMEOUT * (12 if plugin else 2))
    return lines, reason, prof if prof and os.path.exists(prof) else None


def emit_lat_insnprof(board, load, r, phases):
    """kernel_irqoff_max and obj_lock_hold_max per vCPU from tools/latprof.py's report r."""
    what = {"kernel": ("kernel_irqoff_max", "from an exception vector or a wake-up from WFI to the return to user "
                       "mode (RFE) or WFI"),
            "lock": ("obj_lock_hold_max", "from obj_lock having the lock to obj_unlock releasing it")}
    for kind, (metric, span) in what.items():
        best = r.get(kind)
        if not best:
            print(f"muon: {board}: {load}: insnprof counted no {kind} stretch", file=sys.stderr)
            continue
        per_cpu = {str(v): max(ph[kind][v]["max"] for ph in r["phases"].values() if v in ph[kind])
                   for v in range(r["vcpus"]) if any(v in ph[kind] for ph in r["phases"].values())}
        over = sum(m["over"] for ph in r["phases"].values() for m in ph[kind].values())
        wait = max((dict(m["wait"], vcpu=v, phase=name) for name, ph in r["phases"].items()
                    for v, m in ph[kind].items()), key=lambda w: w["wait"])
        at = int(best["at"], 16)
        emit(board, metric, best["max"], "instructions", load=load, method="insnprof", cpu=best["vcpu"],
             phase=best["phase"], entry=LAT_BEGINS.get(at, "wake" if kind == "kernel" else "obj_lock"),
             user_pc=best["frm"] if at in LAT_BEGINS else None, all_vcpus=best["all"], waits=best["waits"],
             functions=" ".join(f"{n}:{c}" for n, c in best["funcs"] or []), path=" ".join(best["path"] or []),
             per_cpu=per_cpu, over_20000=over, longest_wait=wait["wait"],
             longest_wait_in={"phase": wait["phase"], "cpu": wait["vcpu"], "own": wait["own"]},
             note=f"each vCPU's own instructions {span}, counted by tools/insnprof.c (tools/latprof.py); "
                  "waiting in WFE executes nothing, so this is the CPU's own work; all_vcpus: every vCPU's "
                  "instructions over the same stretch (the board clock's view); longest_wait: the most other "
                  f"vCPUs' instructions in one stretch; over_20000: stretches longer than 20,000 in the load ({phases} "
                  "phases)")


def bench_latency(board, insnprof=True):
    plugin = insnprof_plugin() if insnprof else None
    for load, only in LAT_LOADS:
        bdir = os.path.join(ROOT, "build", f"bench-{board}-lat-{load}")
        steps = (["cmake", "--preset", board, "-B", bdir, "-DMUON_STRESS=ON", "-DMUON_STRESS_MINUTES=0",
                  f"-DMUON_STRESS_ONLY={only}", "-DMUON_STRESS_PHASE_MS=1000", "-DMUON_LATENCY=ON"],
                 ["cmake", "--build", bdir, "-j", str(os.cpu_count())])
        if any(subprocess.run(x, cwd=ROOT, stdout=subprocess.DEVNULL).returncode for x in steps):
            print(f"muon: {board}: the lat-{load} bench build failed", file=sys.stderr)
            continue
        lines, reason, prof = lat_run(bdir, plugin)
        worst, phases = {}, []
        for line in lines:
            m = re.match(r"^LAT (\S+) irqoff (\d+) ([0-9a-f]+) cpu (\d+) lock (\d+) ([0-9a-f]+) cpu (\d+)$", line)
            if not m:
                continue
            print(f"muon: {board}: {load}: {line}", file=sys.stderr)
            phases.append(m.group(1))
            for key, at in (("kernel_irqoff_max", 2), ("obj_lock_hold_max", 5)):
                v = int(m.group(at))
                if v >= worst.get(key, (-1,))[0]:
                    worst[key] = (v, lat_op(int(m.group(at + 1), 16)), int(m.group(at + 2)), m.group(1))
        if not worst:
            print(f"muon: {board}: no latency figures under the {load} load ({reason}): " + " | ".join(lines[-4:]),
                  file=sys.stderr)
            continue
        note = ("the long-operations phase alone (apps/tests/lat.c) on one CPU, the others in WFI but for its "
                "requests" if load == "long_ops" else
                "every ci/stress phase, 1 s of virtual time each, all CPUs busy: a path that waits (lock, request, "
                "grace period, shootdown) also counts what other vCPUs ran meanwhile, an upper bound")
        for key, (v, op, cpu, phase) in worst.items():
            emit(board, key, v, "instructions", load=load, op=op, cpu=cpu, phase=phase, method="board_clock",
                 note=note + "; the kernel's own measurement on the board clock under -icount shift=0 (all vCPUs' "
                 "instructions), a MUON_LATENCY build")
        if prof:
            r = latprof.report(prof, phases)
            if r["phases"]:
                emit_lat_insnprof(board, load, r, len(phases))
            else:
                print(f"muon: {board}: {load}: no per-vCPU latency records in {prof}", file=sys.stderr)


def cmd_bench(a):
    names = a.boards or BOARDS
    for b in names:
        check_board(b)
        bdir = build(b, quiet=True)
        text, data, bss, modules = section_sizes(os.path.join(bdir, "muon.elf"))
        emit(b, "kernel_text_bytes", text, "bytes", note="text+vectors+rodata")
        emit(b, "boot_modules_bytes", modules, "bytes", note="sigma0, init and tests, stripped, linked into the image")
        emit(b, "kernel_data_bytes", data, "bytes")
        emit(b, "kernel_bss_bytes", bss, "bytes", note="includes boot page table and per-CPU stacks")
        runs, figures = [], {}
        for run in range(a.runs):
            lines, reason = run_until(qemu_cmd(bdir, icount=True), re.compile(r"^TEST DONE"), BOOT_TIMEOUT)
            done = [x for x in lines if x.startswith("TEST DONE")]
            failed = [x.split()[2].rstrip(":") for x in lines if x.startswith("TEST FAIL")]
            print(f"muon: {b}: run {run + 1}: {done[0] if done else reason + ': ' + ' | '.join(lines[-3:])}"
                  f"{' (failed: ' + ', '.join(failed) + ')' if failed else ''}", file=sys.stderr)
            for line in lines:
                m = re.match(r"^muon: boot took (\d+) ns", line)
                if m:
                    runs.append(int(m.group(1)))
                m = re.match(r"^muon: user memory .* at (\d+) ns", line)
                if m:
                    figures.setdefault("boot_to_user", []).append(int(m.group(1)))
                m = re.match(r"^BENCH (\S+) (\d+)$", line)
                if m:
                    figures.setdefault(m.group(1), []).append(int(m.group(2)))
        if runs:
            runs.sort()
            emit(b, "boot_instructions", runs[len(runs) // 2], "instructions", runs=len(runs),
                 note="reset to '4 cpus online', all CPUs' instructions, -icount shift=0")
        else:
            print(f"muon: {b}: no boot time reported", file=sys.stderr)
        notes = {
            "ipi_latency": "kernel boot test: CPU0 sends an SGI, CPU1's handler reads the clock; median of 21, "
                           "-icount shift=0",
            "timer_irq_to_thread": "a thread waits with a 1 ms timeout: the time beyond 1 ms until it runs; "
                                   "median of 21, -icount shift=0, other CPUs idle in WFI",
            "lb_settle": "balancer: from three spinning threads on one CPU handed to the balance policy until each "
                         "has a CPU of its own (period 20 ms); virtual time, -icount shift=0",
            "lb_decision": "balancer: one lb_plan call, median of its last 64 (periods and placements) when "
                           "lb_balance_settles ends, -icount shift=0",
            "boot_to_user": "reset to the first user task (sigma0 and init made, the kernel's boot tests "
                            "included), all CPUs' instructions, -icount shift=0",
        }
        units = {"lb_settle": "ns"}
        for metric, vals in figures.items():
            vals.sort()
            emit(b, metric, vals[len(vals) // 2], units.get(metric, "instructions"), runs=len(vals),
                 note=notes.get(metric, "median of 21 batch means of 50 operations, -icount shift=0, "
                                        "other CPUs idle in WFI"))
        if not a.no_modem:
            bench_modem(b, a.modem_ttis, a.modem_loads.split(",") if a.modem_loads else None)
        if not a.no_latency:
            bench_latency(b, not a.no_insnprof)
    if not a.boards:
        bench_lbsim()
    return 0
