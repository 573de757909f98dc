"""Building a board or a preset with CMake (ci/build)."""
import os
import subprocess
import sys

from boards import BOARDS
from muonci import ROOT


def die(msg):
    print(f"muon: {msg}", file=sys.stderr)
    sys.exit(2)


def check_board(board):
    if board not in BOARDS:
        die(f"unknown board '{board}' (boards: {', '.join(BOARDS)})")


def build(board, quiet=False):
    """Configure and build one board; returns its build directory."""
    out = subprocess.DEVNULL if quiet else None
    r = subprocess.run([os.path.join(ROOT, "ci", "build"), board], cwd=ROOT, stdout=out)
    if r.returncode != 0:
        raise RuntimeError(f"build of {board} failed")
    return os.path.join(ROOT, "build", board)


def build_preset(preset, quiet=False):
    """Configure and build a CMake preset that is not a plain board (e.g. the kdebug build)."""
    out = subprocess.DEVNULL if quiet else None
    for step in (["cmake", "--preset", preset], ["cmake", "--build", "--preset", preset, "-j", str(os.cpu_count())]):
        if subprocess.run(step, cwd=ROOT, stdout=out).returncode != 0:
            raise RuntimeError(f"build of {preset} failed")
    return os.path.join(ROOT, "build", preset)


def preset_built(res, preset):
    """build_preset(preset) as a test: its build directory, or None after a failed `build` result."""
    try:
        return build_preset(preset, quiet=True)
    except RuntimeError as e:
        res.add(False, preset, "build", str(e))
        return None
