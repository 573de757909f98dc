#!/usr/bin/env python3
"""The boards, from bsp/ (standard library only): the one list the ci scripts use.

A board is a folder bsp/BOARD/ with a board.cmake (plus its CMake preset of the
same name). Besides what CMake reads, board.cmake tells the ci scripts how to
test the board, in set() lines they read here:

  MUON_QEMU_ARGS      QEMU's machine arguments (CMake writes them to build/BOARD/qemu.args)
  MUON_CI_BOOTS       ci/test's boots besides the plain one, from: smp2, big-mem, bad-dtb,
                      uboot, linux-dtb, linux-dtb-big-mem, claims-1G, qemu-dtb,
                      qemu-dtb-big-mem (ci/muon.py, docs/testing.md)
  MUON_CI_BIG_MEM     the -m of the big-mem boots: the most memory QEMU gives the board
  MUON_CI_MAX_MEM     the most RAM QEMU maps for the board whatever -m says, if less
  MUON_CI_UBOOT       which U-Boot boots it (ci/uboot.py): debian-qemu, build:DEFCONFIG,
                      or debian-imx:TARGET
  MUON_CI_LINUX_DTB   the name of Linux's tree for the board in Debian's armhf kernel
  MUON_CI_EXPECT      "name=regex" pairs: tests of the plain boot, each passing when a
                      console line matches
"""
import os
import re
import shlex
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BSP = os.path.join(ROOT, "bsp")

BOARDS = sorted(d for d in os.listdir(BSP) if os.path.isfile(os.path.join(BSP, d, "board.cmake")))


def config(board):
    """{MUON_NAME: [words]} from the set() lines of bsp/BOARD/board.cmake (comments dropped)."""
    with open(os.path.join(BSP, board, "board.cmake")) as f:
        text = f.read()
    out = {}
    for m in re.finditer(r"^\s*set\((MUON_\w+)\s+(.*?)\)\s*(?:#.*)?$", text, re.M):
        out[m.group(1)] = shlex.split(m.group(2))
    return out


def value(board, name, default=None):
    """The one-word value of a board.cmake variable, or default."""
    words = config(board).get(name)
    return words[0] if words else default


def _run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stdout.strip()[-300:]}")
    return r.stdout


SUDO = [] if os.geteuid() == 0 else ["sudo"]


def apt_armhf(*args, **kw):
    """apt-cache or apt-get with the armhf architecture known to dpkg (added, and the index
    updated, if it is missing): what the boards need from Debian's armhf packages."""
    if "armhf" not in _run(["dpkg", "--print-foreign-architectures"]).split():
        _run(SUDO + ["dpkg", "--add-architecture", "armhf"])
        _run(SUDO + ["apt-get", "update", "-qq"])
    return _run(list(args), **kw)


def fetch_armhf(package, want, cache):
    """Debian's armhf package `package` (e.g. u-boot-imx:armhf), fetched with apt-get download
    into a temporary folder of cache and unpacked with dpkg-deb -x; want(root), a function of
    the unpacked tree, gives {file name: path in the tree} to copy into cache (each with a
    NAME.source file naming the package). Returns the .deb's file name."""
    os.makedirs(cache, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        os.chmod(tmp, 0o755)   # apt's download user must be able to write here
        try:
            apt_armhf("apt-get", "download", "-q", package, cwd=tmp)
        except RuntimeError:   # an index older than the mirror: refresh it once
            _run(SUDO + ["apt-get", "update", "-qq"])
            _run(["apt-get", "download", "-q", package], cwd=tmp)
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        if not debs:
            raise RuntimeError(f"apt-get download {package} left no .deb")
        root = os.path.join(tmp, "x")
        _run(["dpkg-deb", "-x", os.path.join(tmp, debs[0]), root])
        for name, path in want(root).items():
            shutil.copyfile(path, os.path.join(cache, name))
            with open(os.path.join(cache, name + ".source"), "w") as f:
                f.write(f"{debs[0]}: {os.path.relpath(path, root)}\n")
    return debs[0]


def find_in(root, name):
    """The first file called name under root, or an error saying so."""
    for d, _, files in sorted(os.walk(root)):
        if name in files:
            return os.path.join(d, name)
    raise RuntimeError(f"no {name} in the package")
