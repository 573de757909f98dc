"""The board's device tree and its U-Boot images."""
import os
import subprocess

import uboot
from muonci import ROOT
from muonci.build import build


def image_tests(res, board):
    """The DTS compiles warning-free; ci/image's uImage and FIT check out with mkimage -l, and
    dumpimage gives back the DTB and kernel that went in."""
    dts = os.path.join(ROOT, "bsp", board, "board.dts")
    r = subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", os.devnull, dts],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    res.add(r.returncode == 0 and not r.stdout.strip(), board, "dts_warning_free",
            f"dtc: {r.stdout.strip()[:500]}")
    try:
        bdir = build(board, quiet=True)
        p = uboot.make_images(board, bdir)
    except RuntimeError as e:
        res.add(False, board, "image", str(e))
        return
    uboot.check_images(lambda ok, name, why="": res.add(ok, board, name, why), board, p)
