"""The product image (preset PRODUCT_PRESET, MUON_TESTS=OFF): it boots the phone system and nothing
else. The expectations are at the top."""
import os
import re
import struct

from muonci.build import preset_built
from muonci.qemu import BOOT_TIMEOUT, Console, qemu_cmd

# ---- The expectations.
PRODUCT_PRESET = "vexpress-a9-product"   # CMakePresets.json: a board with the tests left out
SYSTEM_BUILT = r"^init: phone\.system: \d+ partitions, policy "   # init builds the system file at once
STATUS = r"^status: .*\| .*"             # init's status line, a second apart: its last part, each partition's state
PARTITION = r" (\S+) (up|down)(?=\s|$)"
NO_TEST_LINES = ("TEST ", "init: running")   # no kernel or user boot test ran
STATUS_LINES = 3                         # the status lines to wait for: the partitions have had time to come up
SYSTEM_PARTITIONS = {"modem", "appos"}   # at least these (configs/phone.system)


def archive_names(path):
    """The module names in init's archive (tools/mkmods.py's directory)."""
    with open(path, "rb") as f:
        data = f.read()
    magic, count, _ = struct.unpack_from("<8sII", data, 0)
    if magic != b"MUONMODS":
        return []
    return [struct.unpack_from("<24sII", data, 16 + 32 * i)[0].rstrip(b"\0").decode() for i in range(count)]


def product_tests(res, preset=PRODUCT_PRESET):
    """Build the product preset, boot it until STATUS_LINES status lines, and check that every
    partition of the phone system is up, that no test ran, and that the image holds no tests module."""
    label, bdir = preset, preset_built(res, preset)
    if not bdir:
        return
    names = archive_names(os.path.join(bdir, "modules.archive"))
    res.add(bool(names) and "tests" not in names, label, "product_has_no_tests_module", f"the archive holds {names}")
    con = Console(qemu_cmd(bdir))
    lines, statuses = [], []
    try:
        while len(statuses) < STATUS_LINES:
            got, reason = con.lines_until(re.compile(STATUS), BOOT_TIMEOUT)
            lines += got
            if reason != "done":
                break
            statuses.append(got[-1])
    finally:
        con.close()
    built = [x for x in lines if re.match(SYSTEM_BUILT, x)]
    tests = [x for x in lines if x.startswith(NO_TEST_LINES)]
    res.add(bool(built) and not tests, label, "product_runs_no_tests",
            f"system built: {bool(built)}; test lines: {tests[:3]}")
    parts = dict(re.findall(PARTITION, statuses[-1].split("|")[-1])) if statuses else {}
    up = bool(parts) and all(v == "up" for v in parts.values()) and SYSTEM_PARTITIONS <= set(parts)
    res.add(up, label, "product_system_up",
            f"last status line: {statuses[-1] if statuses else 'none'}; console: {' | '.join(lines[-6:])}")
