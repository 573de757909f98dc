#!/usr/bin/env python3
"""ci/muon.py: Muon's host-side driver for ci/qemu, ci/test, ci/bench, ci/stress, ci/trace and ci/gdb
(standard library only); the code is the package ci/muonci/ (its __init__.py lists the modules).

  python3 ci/muon.py test [BOARD...] [--junit FILE]   host tests, then each board in QEMU
  python3 ci/muon.py console [BOARD]                  one boot and the console session
  python3 ci/muon.py qemu|bench|stress|trace|gdb ...  what ci/qemu, ci/bench, ... run
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from muonci.cli import main  # noqa: E402  (ci/ on the path first)

if __name__ == "__main__":
    sys.exit(main())
