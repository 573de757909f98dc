"""QEMU: command lines, device trees made for a boot, and the console as a pipe."""
import os
import re
import select
import socket
import struct
import subprocess
import sys
import time

import boards
import uboot
from muonci import ROOT
from muonci.build import die


BOOT_TIMEOUT = 300  # seconds of real time for one boot under TCG on a slow machine


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_args(bdir, mem=None):
    """The board's QEMU machine arguments (-M, -cpu, -m) from build/BOARD/qemu.args."""
    with open(os.path.join(bdir, "qemu.args")) as f:
        args = f.read().split()
    if mem:
        args[args.index("-m") + 1] = mem
    return args


def size_mb(text):
    m = re.fullmatch(r"(\d+)([MG]?)", text)
    return int(m.group(1)) * (1024 if m.group(2) == "G" else 1)


def mem_mb(board, bdir, mem=None):
    """The RAM in MiB that QEMU gives the board for -m mem (or the board's default): at most
    MUON_CI_MAX_MEM (QEMU's realview-eb-mpcore maps 256 MiB at address 0, below its
    peripherals, whatever -m says, and writes only that into the DTB's /memory)."""
    args = machine_args(bdir, mem)
    size = size_mb(args[args.index("-m") + 1])
    return min(size, size_mb(boards.value(board, "MUON_CI_MAX_MEM", str(size))))


def board_dtb(bdir, smp):
    """The DTB for QEMU with smp CPUs: board.dtb (4 CPUs), or a variant without the CPUs
    beyond smp, compiled from bsp/BOARD/board.dts plus /delete-node/ lines. QEMU's -dtb
    loader writes the -m size into /memory itself, so memory needs no variant."""
    with open(os.path.join(bdir, "config.h")) as f:   # bdir may be a preset's, e.g. vexpress-a9-kdebug
        board = re.search(r'#define MUON_BOARD "([^"]+)"', f.read()).group(1)
    board_dts = os.path.join(ROOT, "bsp", board, "board.dts")
    with open(board_dts) as f:
        cpus = sorted(int(n) for n in re.findall(r"^\s*cpu@(\d+)\s*\{", f.read(), re.M))
    if smp == len(cpus):
        return os.path.join(bdir, "board.dtb")
    if not 0 < smp < len(cpus):
        die(f"{board_dts} describes {len(cpus)} CPUs: cannot make a DTB for -smp {smp}")
    vdir = os.path.join(bdir, "dtb")
    os.makedirs(vdir, exist_ok=True)
    dts, dtb = os.path.join(vdir, f"board-smp{smp}.dts"), os.path.join(vdir, f"board-smp{smp}.dtb")
    deletes = "".join(f"\t\t/delete-node/ cpu@{n};\n" for n in cpus[smp:])
    with open(dts, "w") as f:
        f.write(f'/* The board with {smp} CPUs, for QEMU -smp {smp} (written by ci/muon.py). */\n'
                f'/include/ "board.dts"\n\n/ {{\n\tcpus {{\n{deletes}\t}};\n}};\n')
    r = subprocess.run(["dtc", "-q", "-i", os.path.dirname(board_dts), "-I", "dts", "-O", "dtb", "-o", dtb, dts],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"dtc {dts}: {r.stdout.strip()}")
    return dtb


def bad_dtb(bdir):
    """A malformed copy of board.dtb: the GIC node's interrupt-controller property names a
    string beyond the strings block. QEMU's loader (libfdt) walks the tree to patch /memory
    and would refuse a broken token stream, but it tolerates this; the kernel's checker
    must reject the whole blob and fall back to the board table."""
    with open(os.path.join(bdir, "board.dtb"), "rb") as f:
        d = bytearray(f.read())
    o_st, o_str = struct.unpack_from(">II", d, 8)
    n_str, n_st = struct.unpack_from(">II", d, 32)
    off = o_st
    while off < o_st + n_st:
        tag, = struct.unpack_from(">I", d, off)
        off += 4
        if tag == 1:      # FDT_BEGIN_NODE: name, NUL, padding
            off = (d.index(0, off) + 4) & ~3
        elif tag == 3:    # FDT_PROP: len, nameoff, value
            length, nameoff = struct.unpack_from(">II", d, off)
            if d[o_str + nameoff:d.index(0, o_str + nameoff)] == b"interrupt-controller":
                struct.pack_into(">I", d, off + 4, n_str + 0x100)
                path = os.path.join(bdir, "dtb", "bad.dtb")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(d)
                return path
            off = (off + 8 + length + 3) & ~3
        elif tag == 9:    # FDT_END
            break
    raise RuntimeError("board.dtb has no interrupt-controller property to corrupt")


LINUX_DTB_META = "linux-image-armmp:armhf"   # Debian 12's armhf kernel, which ships Linux's DTBs


def linux_dtb(name):
    """Linux's DTB `name` as Debian's armhf kernel package ships it: the package the meta-package
    LINUX_DTB_META depends on is fetched with apt-get download and unpacked with dpkg-deb -x;
    the DTB is cached in build/linux-dtb/ (nothing from elsewhere is kept in the repository)."""
    cache = os.path.join(ROOT, "build", "linux-dtb")
    path = os.path.join(cache, name)
    if not os.path.exists(path):
        deps = re.findall(r"Depends: (linux-image-\S+-armmp:armhf)", boards.apt_armhf("apt-cache", "depends",
                                                                                       LINUX_DTB_META))
        if not deps:
            raise RuntimeError(f"apt-cache finds no kernel package behind {LINUX_DTB_META}")
        boards.fetch_armhf(deps[0], lambda root: {name: boards.find_in(root, name)}, cache)
    return path


def qemu_own_dtb(bdir, mem):
    """The tree QEMU itself makes for the board with -m mem (1 MiB for virt), dumped with
    -machine dumpdtb= into build/BOARD/dtb/."""
    args = machine_args(bdir, mem)
    i = args.index("-M") + 1
    path = os.path.join(bdir, "dtb", f"qemu-{mem}.dtb")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    args[i] += f",dumpdtb={path}"
    r = subprocess.run(["qemu-system-arm", *args, "-smp", "4", "-display", "none"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, env=qemu_env(), timeout=60)
    if not os.path.exists(path):
        raise RuntimeError(f"QEMU dumped no tree: {r.stdout.strip()[-300:]}")
    return path


def claiming_dtb(bdir, mb):
    """board.dts plus a second memory node (not named "memory", so QEMU's -dtb loader keeps it)
    that claims mb MiB from the RAM base: more than the machine has."""
    with open(os.path.join(bdir, "config.h")) as f:
        text = f.read()
    board = re.search(r'#define MUON_BOARD "([^"]+)"', text).group(1)
    base = int(re.search(r"#define MUON_RAM_BASE (\w+)", text).group(1), 0)
    vdir = os.path.join(bdir, "dtb")
    os.makedirs(vdir, exist_ok=True)
    dts, dtb = os.path.join(vdir, f"claims-{mb}M.dts"), os.path.join(vdir, f"claims-{mb}M.dtb")
    with open(dts, "w") as f:
        f.write(f'/* The board claiming {mb} MiB of RAM (written by ci/muon.py). */\n/include/ "board.dts"\n\n'
                f'/ {{\n\tram@{base:x} {{\n\t\tdevice_type = "memory";\n'
                f'\t\treg = <0x{base:x} 0x{mb << 20:x}>;\n\t}};\n}};\n')
    r = subprocess.run(["dtc", "-q", "-i", os.path.join(ROOT, "bsp", board), "-I", "dts", "-O", "dtb", "-o", dtb, dts],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"dtc {dts}: {r.stdout.strip()}")
    return dtb


def console_args(interactive):
    """The console is the first -serial given here: a board whose console is a later port names
    the ones before it in MUON_QEMU_ARGS (imx6q-sabrelite: -serial null). Interactive, QEMU's
    monitor shares it (Ctrl-A C; Ctrl-A X quits)."""
    if interactive:
        return ["-display", "none", "-serial", "mon:stdio"]
    return ["-display", "none", "-monitor", "none", "-serial", "stdio"]


def qemu_cmd(bdir, smp=4, mem=None, icount=False, dtb=True, interactive=False):
    """QEMU with -kernel muon.bin; dtb: True for the board's (for smp CPUs), a path, or False."""
    cmd = ["qemu-system-arm", *machine_args(bdir, mem), "-smp", str(smp), "-kernel", os.path.join(bdir, "muon.bin"),
           "-no-reboot"]
    if dtb:
        cmd += ["-dtb", board_dtb(bdir, smp) if dtb is True else dtb]
    if icount:
        # One instruction per virtual nanosecond; idle time jumps to the next
        # timer deadline instead of following the host clock, so runs repeat.
        cmd += ["-icount", "shift=0,sleep=off"]
    return cmd + console_args(interactive)


def uboot_cmd(board, bdir, smp=4, mem=None, interactive=False):
    """QEMU booting the board through U-Boot from build/BOARD/image/disk.img, or None if
    there is no U-Boot for the board."""
    p = uboot.make_images(board, bdir)
    extra = uboot.uboot_qemu_args(board, p["disk.img"], log=lambda m: print(f"muon: {m}", file=sys.stderr))
    if extra is None:
        return None
    return ["qemu-system-arm", *machine_args(bdir, mem), "-smp", str(smp), *extra, "-no-reboot",
            *console_args(interactive)]


def qemu_env():
    env = dict(os.environ)
    env["QEMU_AUDIO_DRV"] = "none"  # the boards' sound chips need no host audio
    return env


def run_until(cmd, done_re, timeout):
    """Run QEMU, collect console lines until done_re matches or timeout; returns (lines, reason)."""
    con = Console(cmd)
    try:
        return con.lines_until(done_re, timeout)
    finally:
        con.close()


class Console:
    """A QEMU whose serial console is this program's pipe: send keys, wait for output."""

    def __init__(self, cmd):
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  env=qemu_env())
        self.buf = ""

    def expect(self, pattern, timeout):
        """Output up to the first match of pattern (consumed), or None on timeout."""
        rx, end = re.compile(pattern), time.monotonic() + timeout
        while True:
            m = rx.search(self.buf)
            if m:
                out, self.buf = self.buf[:m.end()], self.buf[m.end():]
                return out
            left = end - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.5)):
                return None

    def _read(self, timeout):
        """Whatever arrives within timeout seconds into the buffer; False once QEMU's output ended."""
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return self.p.poll() is None
        chunk = os.read(self.p.stdout.fileno(), 65536)
        self.buf += chunk.decode("utf-8", "replace").replace("\r", "")
        return bool(chunk)

    def lines_until(self, done_re, timeout):
        """Console lines up to the first that matches done_re (the rest stays buffered for expect), a
        panic (and its report, up to half a second more), QEMU's exit or timeout: (lines, reason)."""
        lines, end, reason = [], time.monotonic() + timeout, "timeout"
        while True:
            while "\n" in self.buf:
                line, self.buf = self.buf.split("\n", 1)
                lines.append(line)
                if reason != "panic" and "PANIC" in line:
                    reason, end = "panic", time.monotonic() + 0.5
                elif reason != "panic" and done_re.search(line):
                    return lines, "done"
            left = end - time.monotonic()
            if left <= 0:
                break
            if not self._read(min(left, 0.5)):
                reason = reason if reason == "panic" else "qemu exited"
                break
        if self.buf:
            lines.append(self.buf)
            self.buf = ""
        return lines, reason

    def send(self, keys):
        self.p.stdin.write(keys.encode("latin-1"))
        self.p.stdin.flush()

    def close(self):
        self.p.kill()
        self.p.wait()
