#!/usr/bin/env python3
"""Pack init's boot modules into one archive (format: struct mu_modules in uapi/muon/abi.h).

usage: mkmods.py OUT NAME=FILE...
Each module starts on a 4 KiB boundary, so init can map a module's pages on
into another task; a module's name is at most 23 characters.
"""
import struct
import sys

PAGE = 4096


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: mkmods.py OUT NAME=FILE...")
    out, specs = argv[0], argv[1:]
    mods = []
    for spec in specs:
        name, _, path = spec.partition("=")
        if not path or not 0 < len(name) <= 23:
            sys.exit(f"mkmods: bad module '{spec}' (NAME=FILE, name of 1..23 characters)")
        if any(n == name for n, _ in mods):
            sys.exit(f"mkmods: module '{name}' given twice")
        with open(path, "rb") as f:
            mods.append((name, f.read()))
    head = 16 + 32 * len(mods)
    off = (head + PAGE - 1) // PAGE * PAGE
    directory, body = [], b""
    for name, data in mods:
        directory.append(struct.pack("<24sII", name.encode(), off, len(data)))
        pad = (len(data) + PAGE - 1) // PAGE * PAGE - len(data)
        body += data + b"\0" * pad
        off += len(data) + pad
    blob = struct.pack("<8sII", b"MUONMODS", len(mods), 0) + b"".join(directory)
    blob += b"\0" * ((head + PAGE - 1) // PAGE * PAGE - head) + body
    with open(out, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1:])
