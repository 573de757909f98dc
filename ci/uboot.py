#!/usr/bin/env python3
"""U-Boot images of Muon, the boot disk, and U-Boot boots in QEMU (standard library only).

`ci/image BOARD` calls main(); ci/muon.py imports the rest for ci/test.

What ci/image writes to build/BOARD/image/ (docs/booting.md explains how to use it):

  muon.uimg  legacy uImage: build/BOARD/muon.bin, loaded and entered at RAM base + 64 KiB
  muon.its   FIT source written here, compiled by mkimage into
  muon.itb   FIT image: that kernel, the board's DTB with a load address, one configuration
  boot.cmd   boot script source, compiled by mkimage into
  boot.scr   the script U-Boot's standard boot (distro boot) runs from a boot partition
  disk.img   16 MiB disk: MBR, one bootable FAT partition holding the four files above and
             board.dtb (power-of-two size, so it also serves as an SD card in QEMU)

The kernel image muon.bin already carries the boot modules (sigma0, init, tests), linked
into its .modules section, so the kernel is the only payload besides the DTB.
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import time

import boards

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Where the boot script stages things, as offsets from the board's RAM base. The kernel
# itself runs where it is linked (RAM base + 64 KiB) and needs everything up to its
# _kernel_end (image, .bss, boot page table, stacks: a few hundred KiB today), so the DTB
# and the staging area sit well above it, and well below U-Boot, which relocates itself to
# the top of RAM (the smallest RAM tested is 128 MiB). Both also stay inside the first
# 768 MiB, which the kernel maps linearly and where it expects the DTB.
FDT_OFFSET = 0x01F00000     # the DTB: FIT load address, or where boot.scr loads board.dtb
STAGE_OFFSET = 0x02000000   # where boot.scr loads muon.itb or muon.uimg before bootm
DISK_BYTES = 16 << 20
PART_START = 1 << 20        # the FAT partition starts at 1 MiB, as partitioning tools do

# The U-Boot a board is booted through, MUON_CI_UBOOT in its board.cmake (docs/booting.md):
#   debian-qemu          Debian's u-boot-qemu package, as firmware of QEMU's virt machine
#   build:DEFCONFIG      built by build_uboot() from Debian's u-boot source package (vexpress-a9)
#   debian-imx:TARGET    Debian's u-boot-imx:armhf package, fetched by imx_uboot() (imx6q-sabrelite)
# none: U-Boot has no board for it (realview-eb-mpcore).
UBOOT_QEMU_ARM = "/usr/lib/u-boot/qemu_arm/u-boot.bin"


def run(cmd, **kw):
    """Run a tool; on failure raise with its output, so callers report one clear reason."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{os.path.basename(cmd[0])} failed: {r.stdout.strip()[-1500:]}")
    return r.stdout


def tool(name):
    """A tool's path; mkfs.vfat is in /usr/sbin, which a non-root PATH may lack."""
    for p in (shutil.which(name), f"/usr/sbin/{name}", f"/sbin/{name}"):
        if p and os.access(p, os.X_OK):
            return p
    raise RuntimeError(f"{name} not found (ci/install installs it)")


# ---------------------------------------------------------------- addresses
def elf_load(elf_path):
    """(load, entry, end) physical addresses of the kernel ELF: the lowest PT_LOAD p_paddr,
    e_entry translated from its virtual to its physical address through its segment, and
    the end of the highest segment in memory (.bss and the boot page table included)."""
    with open(elf_path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        raise RuntimeError(f"{elf_path}: not a 32-bit little-endian ELF")
    e_entry, e_phoff = struct.unpack_from("<II", data, 24)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 42)
    loads = []
    for i in range(e_phnum):
        p_type, _, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIIIII", data, e_phoff + i * e_phentsize)
        if p_type == 1 and p_memsz:
            loads.append((p_vaddr, p_paddr, p_filesz, p_memsz))
    if not any(filesz for _, _, filesz, _ in loads):
        raise RuntimeError(f"{elf_path}: no loadable segment")
    load = min(p for _, p, filesz, _ in loads if filesz)
    end = max(p + memsz for _, p, _, memsz in loads)
    for vaddr, paddr, _, memsz in loads:
        if vaddr <= e_entry < vaddr + memsz:
            return load, e_entry - vaddr + paddr, end
    raise RuntimeError(f"{elf_path}: entry {e_entry:#x} outside every segment")


def addresses(bdir):
    """The board's load addresses: kernel load/entry from muon.elf, RAM base from config.h."""
    with open(os.path.join(bdir, "config.h")) as f:
        m = re.search(r"#define MUON_RAM_BASE (0x[0-9a-fA-F]+|\d+)", f.read())
    if not m:
        raise RuntimeError(f"{bdir}/config.h: no MUON_RAM_BASE")
    ram = int(m.group(1), 0)
    load, entry, end = elf_load(os.path.join(bdir, "muon.elf"))
    if load != ram + 0x10000:
        raise RuntimeError(f"muon.elf loads at {load:#x}, not RAM base {ram:#x} + 64 KiB")
    if end > ram + FDT_OFFSET:
        raise RuntimeError(f"the kernel ends at {end:#x}, over the DTB's place: raise FDT_OFFSET and STAGE_OFFSET")
    return {"ram": ram, "load": load, "entry": entry, "end": end, "fdt": ram + FDT_OFFSET, "stage": ram + STAGE_OFFSET}


# ---------------------------------------------------------------- images
def write_if_changed(path, text):
    old = None
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    if old != text:
        with open(path, "w") as f:
            f.write(text)


def its_text(board, a):
    return f"""/*
 * FIT source for Muon on {board}, written by ci/image (ci/uboot.py). mkimage -f compiles it
 * into muon.itb. The kernel image carries the boot modules (sigma0, init, tests) linked in.
 */
/dts-v1/;

/ {{
	description = "Muon for {board}";
	#address-cells = <1>;

	images {{
		kernel {{
			description = "Muon kernel with boot modules (muon.bin)";
			data = /incbin/("../muon.bin");
			type = "kernel";
			arch = "arm";
			os = "linux";		/* entered as bootm enters Linux: r2 = DTB */
			compression = "none";
			load = <{a['load']:#010x}>;
			entry = <{a['entry']:#010x}>;
			hash-1 {{
				algo = "sha256";
			}};
		}};

		fdt {{
			description = "{board} device tree (board.dtb from bsp/{board}/board.dts)";
			data = /incbin/("../board.dtb");
			type = "flat_dt";
			arch = "arm";
			compression = "none";
			load = <{a['fdt']:#010x}>;
			hash-1 {{
				algo = "sha256";
			}};
		}};
	}};

	configurations {{
		default = "muon";

		muon {{
			description = "Muon with the {board} device tree";
			kernel = "kernel";
			fdt = "fdt";
		}};
	}};
}};
"""


def boot_cmd_text(board, a):
    return f"""# Muon boot script for {board}, written by ci/image (ci/uboot.py); mkimage -T script
# compiles it into boot.scr. U-Boot's standard boot (distro boot) runs it from the first
# partition that holds it, with devtype, devnum and distro_bootpart set to that partition.
# It boots the FIT image muon.itb; a U-Boot built without FIT support (Debian's
# vexpress_ca9x4) rejects that, and the script then boots the legacy uImage muon.uimg
# with board.dtb. The kernel itself is copied to {a['load']:#010x}, where it is linked.
echo "Muon: booting from ${{devtype}} ${{devnum}}:${{distro_bootpart}}"
# Use the DTB where it was loaded: no relocation to the top of RAM, which can lie beyond
# the first 768 MiB that the kernel maps and reads the DTB from.
setenv fdt_high 0xffffffff
if load ${{devtype}} ${{devnum}}:${{distro_bootpart}} {a['stage']:#010x} muon.itb; then
	bootm {a['stage']:#010x}#muon
	echo "Muon: no FIT support here; trying the legacy uImage"
fi
if load ${{devtype}} ${{devnum}}:${{distro_bootpart}} {a['stage']:#010x} muon.uimg; then
	if load ${{devtype}} ${{devnum}}:${{distro_bootpart}} {a['fdt']:#010x} board.dtb; then
		bootm {a['stage']:#010x} - {a['fdt']:#010x}
	fi
fi
echo "Muon: boot failed"
"""


def mbr(part_start, part_bytes):
    """A DOS partition table with one bootable FAT32 (LBA) partition. CHS fields hold the
    'use LBA' values 0xfe/0xff/0xff, which every current reader ignores."""
    entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x0c, b"\xfe\xff\xff",
                        part_start // 512, part_bytes // 512)
    return bytes(446) + entry + bytes(48) + b"\x55\xaa"


def make_disk(idir, files):
    """disk.img: an MBR and one FAT partition holding files, built without root."""
    part = os.path.join(idir, "part.img")
    disk = os.path.join(idir, "disk.img")
    for p in (part, disk):
        if os.path.exists(p):
            os.remove(p)
    part_bytes = DISK_BYTES - PART_START
    run([tool("mkfs.vfat"), "-n", "MUON", "-i", "4d554f4e", "-C", part, str(part_bytes // 1024)])
    run([tool("mcopy"), "-o", "-i", part, *files, "::/"], env={**os.environ, "MTOOLS_SKIP_CHECK": "1"})
    with open(disk, "wb") as out, open(part, "rb") as src:
        out.write(mbr(PART_START, part_bytes))
        out.write(bytes(PART_START - 512))
        shutil.copyfileobj(src, out)
    os.remove(part)
    return disk


def make_images(board, bdir):
    """Writes build/BOARD/image/ (see the module docstring); returns its paths by name."""
    a = addresses(bdir)
    idir = os.path.join(bdir, "image")
    os.makedirs(idir, exist_ok=True)
    p = {n: os.path.join(idir, n) for n in ("muon.uimg", "muon.its", "muon.itb", "boot.cmd", "boot.scr")}
    p["muon.bin"] = os.path.join(bdir, "muon.bin")
    p["board.dtb"] = os.path.join(bdir, "board.dtb")
    run(["mkimage", "-A", "arm", "-O", "linux", "-T", "kernel", "-C", "none", "-a", f"{a['load']:#x}",
         "-e", f"{a['entry']:#x}", "-n", f"Muon {board}"[:32], "-d", p["muon.bin"], p["muon.uimg"]])
    write_if_changed(p["muon.its"], its_text(board, a))
    run(["mkimage", "-f", "muon.its", "muon.itb"], cwd=idir)   # /incbin/ paths are relative to image/
    write_if_changed(p["boot.cmd"], boot_cmd_text(board, a))
    run(["mkimage", "-A", "arm", "-O", "linux", "-T", "script", "-C", "none", "-n", "Muon boot script",
         "-d", p["boot.cmd"], p["boot.scr"]])
    p["disk.img"] = make_disk(idir, [p["boot.scr"], p["muon.itb"], p["muon.uimg"], p["board.dtb"]])
    p["addresses"] = a
    return p


# ---------------------------------------------------------------- image checks (ci/test)
def check_images(add, board, p):
    """The image tests: add(ok, name, why) once per check."""
    a = p["addresses"]
    bin_size = os.path.getsize(p["muon.bin"])
    out = run(["mkimage", "-l", p["muon.uimg"]])
    want = {"Image Type": "ARM Linux Kernel Image (uncompressed)", "Load Address": f"{a['load']:08x}",
            "Entry Point": f"{a['entry']:08x}"}
    got = dict(re.findall(r"^(Image Type|Load Address|Entry Point):\s*(.*?)\s*$", out, re.M))
    size = re.search(r"^Data Size:\s*(\d+) Bytes", out, re.M)
    bad = [f"{k} '{got.get(k)}'" for k in want if got.get(k) != want[k]]
    if not size or int(size.group(1)) != bin_size:
        bad.append(f"data size {size.group(1) if size else '?'} (muon.bin has {bin_size})")
    add(not bad, "uimage_header", "mkimage -l: " + ", ".join(bad))

    out = run(["mkimage", "-l", p["muon.itb"]])
    bad = []
    if not re.search(r"^\s*Default Configuration:\s*'muon'", out, re.M):
        bad.append("no default configuration 'muon'")
    for name, kind, load in (("kernel", "Kernel Image", a["load"]), ("fdt", "Flat Device Tree", a["fdt"])):
        m = re.search(rf"^\s*Image \d+ \({name}\)\n(.*?)(?=^\s*Image \d+|^\s*Default Configuration)", out, re.M | re.S)
        if not m:
            bad.append(f"no image '{name}'")
            continue
        body = m.group(1)
        if not re.search(rf"^\s*Type:\s*{kind}", body, re.M):
            bad.append(f"{name} is not a {kind}")
        if not re.search(rf"^\s*Load Address:\s*{load:#010x}", body, re.M):
            bad.append(f"{name} load address is not {load:#010x}")
        if name == "kernel" and not re.search(rf"^\s*Entry Point:\s*{a['entry']:#010x}", body, re.M):
            bad.append(f"kernel entry is not {a['entry']:#010x}")
        if not re.search(r"^\s*Hash algo:\s*sha256", body, re.M):
            bad.append(f"{name} has no sha256 hash")
    add(not bad, "fit_header", "mkimage -l: " + ", ".join(bad))

    # dumpimage -p N takes the image's position under /images: 0 the kernel, 1 the DTB.
    for pos, name, ref in ((1, "fit_dtb_extracts", p["board.dtb"]), (0, "fit_kernel_extracts", p["muon.bin"])):
        out_path = os.path.join(os.path.dirname(p["muon.itb"]), f"extracted-{pos}")
        try:
            run(["dumpimage", "-T", "flat_dt", "-p", str(pos), "-o", out_path, p["muon.itb"]])
            same = digest(out_path) == digest(ref)
            add(same, name, f"dumpimage -p {pos} differs from {os.path.basename(ref)}")
        except RuntimeError as e:
            add(False, name, str(e))
        finally:
            if os.path.exists(out_path):
                os.remove(out_path)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ---------------------------------------------------------------- U-Boot for vexpress-a9
def apt_dir():
    return os.path.join(ROOT, "build", "u-boot", "apt")


def fetch_uboot_source():
    """Unpacks Debian's u-boot source package into build/u-boot/src/ (once). apt-get source
    needs deb-src entries, which the system's sources lack: a private apt state under
    build/u-boot/apt/ adds them without touching /etc/apt."""
    src_root = os.path.join(ROOT, "build", "u-boot", "src")
    found = [d for d in (os.listdir(src_root) if os.path.isdir(src_root) else []) if d.startswith("u-boot-")]
    if found:
        return os.path.join(src_root, sorted(found)[-1])
    ad = apt_dir()
    os.makedirs(os.path.join(ad, "lists", "partial"), exist_ok=True)
    os.makedirs(os.path.join(ad, "sources.list.d"), exist_ok=True)
    # The same mirrors and suites as the system's Debian entries, in either format.
    entries, lines = [], []
    for f in sorted(os.listdir("/etc/apt/sources.list.d")):
        if f.endswith(".sources"):
            with open(os.path.join("/etc/apt/sources.list.d", f)) as fh:
                entries += [s for s in fh.read().split("\n\n") if re.search(r"^Types:.*\bdeb\b", s, re.M)
                            and "debian" in s]
    for f in ["/etc/apt/sources.list"] + [os.path.join("/etc/apt/sources.list.d", f) for f in
                                         sorted(os.listdir("/etc/apt/sources.list.d")) if f.endswith(".list")]:
        if os.path.exists(f):
            with open(f) as fh:
                lines += ["deb-src" + x.strip()[3:] for x in fh if x.startswith("deb ") and "debian" in x]
    if not entries and not lines:
        raise RuntimeError("no Debian entries in /etc/apt to derive deb-src entries from")
    with open(os.path.join(ad, "sources.list.d", "debian-src.sources"), "w") as fh:
        fh.write("\n\n".join(re.sub(r"^Types:.*$", "Types: deb-src", s.strip(), flags=re.M) for s in entries) + "\n")
    with open(os.path.join(ad, "sources.list.d", "debian-src.list"), "w") as fh:
        fh.write("".join(x + "\n" for x in lines))
    opts = ["-o", "Dir::Etc::SourceList=/dev/null", "-o", f"Dir::Etc::SourceParts={ad}/sources.list.d",
            "-o", f"Dir::State::Lists={ad}/lists", "-o", "APT::Sandbox::User=root"]
    run(["apt-get", *opts, "-qq", "update"])
    os.makedirs(src_root, exist_ok=True)
    run(["apt-get", *opts, "-qq", "source", "u-boot"], cwd=src_root)
    found = [d for d in os.listdir(src_root) if d.startswith("u-boot-") and os.path.isdir(os.path.join(src_root, d))]
    if not found:
        raise RuntimeError("apt-get source u-boot unpacked nothing")
    return os.path.join(src_root, sorted(found)[-1])


# Changes to a board's defconfig, applied with olddefconfig. vexpress_ca9x4's environment
# defines no scriptaddr, so distro boot's "load ... ${scriptaddr} boot.scr" fails with a
# usage message and "source" runs whatever lies at 0x90000000 (outside 128 MiB of RAM). The
# boot command sets one (2 MiB into RAM, above the kernel) before running distro boot as
# the stock command does; nothing else changes.
UBOOT_CONFIG = {"vexpress_ca9x4_defconfig":
                'CONFIG_BOOTCOMMAND="setenv scriptaddr 0x60200000; run distro_bootcmd; run bootflash"\n'}


def build_uboot(board, defconfig, log=None):
    """U-Boot for board, built once into build/u-boot/BOARD/ from Debian's source package
    with the project's arm-none-eabi toolchain (about a minute on 2 cores), and wrapped as
    u-boot.uimg: a legacy uImage of type Linux kernel, loaded at U-Boot's CONFIG_TEXT_BASE.
    QEMU's -kernel starts such an image the way it starts Linux, holding the secondary CPUs
    in its SYS_FLAGS pen as the board's Boot Monitor does; an ELF or -bios would start every
    CPU in U-Boot, which expects the Boot Monitor to have parked them."""
    odir = os.path.join(ROOT, "build", "u-boot", board)
    uimg = os.path.join(odir, "u-boot.uimg")
    frag = os.path.join(odir, "muon.config")
    want = defconfig + "\n" + UBOOT_CONFIG.get(defconfig, "")
    if os.path.exists(uimg) and os.path.exists(frag):
        with open(frag) as f:
            if f.read() == want:
                return uimg
    t0 = time.monotonic()
    src = fetch_uboot_source()
    if log:
        log(f"building U-Boot {defconfig} from {os.path.basename(src)} "
            f"(source fetched in {time.monotonic() - t0:.0f} s)")
    t0 = time.monotonic()
    mk = ["make", "-C", src, f"O={odir}", "CROSS_COMPILE=arm-none-eabi-"]
    run([*mk, defconfig])
    with open(os.path.join(odir, ".config"), "a") as f:
        f.write(UBOOT_CONFIG.get(defconfig, ""))
    run([*mk, "olddefconfig"])
    run([*mk, f"-j{os.cpu_count()}", "u-boot.bin"])
    with open(os.path.join(odir, ".config")) as f:
        text_base = re.search(r"^CONFIG_TEXT_BASE=(0x[0-9a-fA-F]+)", f.read(), re.M).group(1)
    run(["mkimage", "-A", "arm", "-O", "linux", "-T", "kernel", "-C", "none", "-a", text_base, "-e", text_base,
         "-n", f"U-Boot {defconfig[:-10]}", "-d", os.path.join(odir, "u-boot.bin"), uimg])
    with open(frag, "w") as f:
        f.write(want)
    if log:
        log(f"built U-Boot in {time.monotonic() - t0:.0f} s: {os.path.relpath(uimg, ROOT)}")
    return uimg


# ---------------------------------------------------------------- U-Boot for imx6q-sabrelite
IMX_IVT_TAG = 0xd1   # i.MX image vector table header: tag, length, version


def imx_uboot(target, log=None):
    """Debian's U-Boot for the i.MX6 board `target` (e.g. mx6qsabrelite), from the u-boot-imx:armhf
    package, fetched with apt-get download and unpacked with dpkg-deb -x once into
    build/u-boot/imx/. Its u-boot-dtb.imx is what the boot ROM reads: an image vector table
    (IVT), boot data and the DCD that sets up the DRAM, then U-Boot proper with its DTB appended.
    QEMU has no boot ROM and starts with the DRAM usable, so the part before the IVT's entry
    point is cut off; returns (U-Boot proper, the address it runs at)."""
    cache = os.path.join(ROOT, "build", "u-boot", "imx")
    out = os.path.join(cache, f"{target}.bin")
    imx = os.path.join(cache, f"{target}.imx")
    if not os.path.exists(imx):
        t0 = time.monotonic()
        deb = boards.fetch_armhf("u-boot-imx:armhf", lambda root: {
            f"{target}.imx": boards.find_in(os.path.join(root, "usr", "lib", "u-boot", target), "u-boot-dtb.imx")},
            cache)
        if log:
            log(f"fetched {deb} in {time.monotonic() - t0:.0f} s: {os.path.relpath(imx, ROOT)}")
    with open(imx, "rb") as f:
        data = f.read()
    entry, self_addr = struct.unpack_from("<I", data, 4)[0], struct.unpack_from("<I", data, 20)[0]
    if data[0] != IMX_IVT_TAG or not 0 < entry - self_addr < len(data):
        raise RuntimeError(f"{imx}: no i.MX image vector table at its start")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(imx):
        with open(out, "wb") as f:
            f.write(data[entry - self_addr:])
    return out, entry


# ---------------------------------------------------------------- QEMU through U-Boot
def has_uboot(board):
    return boards.value(board, "MUON_CI_UBOOT") is not None


def uboot_qemu_args(board, disk, log=None):
    """QEMU arguments (besides the board's -M/-cpu/-m, -smp and the console) that boot the
    board through U-Boot from disk, or None if there is no U-Boot for the board."""
    kind = boards.value(board, "MUON_CI_UBOOT", "")
    if kind == "debian-qemu":
        # U-Boot as firmware in virt's flash; the disk as a virtio-mmio block device.
        return ["-bios", UBOOT_QEMU_ARM, "-drive", f"if=none,file={disk},format=raw,id=d,readonly=on",
                "-device", "virtio-blk-device,drive=d", "-nic", "none"]
    if kind.startswith("build:"):
        # QEMU's -kernel plays the board's Boot Monitor (see build_uboot). The disk is the SD
        # card (PL181 MMC), which QEMU cannot make read-only: snapshot=on keeps writes out of it.
        return ["-kernel", build_uboot(board, kind[6:], log), "-drive", f"if=sd,file={disk},format=raw,snapshot=on",
                "-nic", "none"]
    if kind.startswith("debian-imx:"):
        # U-Boot proper loaded where it runs and started on CPU0 only (the SRC holds the others,
        # as on the board). The disk is a USB stick on the H1 host port (usb-bus.1): QEMU 7.2's
        # uSDHC model lacks the clock bits this U-Boot sets, so an SD card does not answer.
        image, entry = imx_uboot(kind[11:], log)
        return ["-device", f"loader,file={image},addr={entry:#x},cpu-num=0",
                "-drive", f"if=none,id=d,file={disk},format=raw,snapshot=on",
                "-device", "usb-storage,bus=usb-bus.1,drive=d", "-nic", "none"]
    return None


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: ci/uboot.py image BOARD... (after ci/build BOARD)", file=sys.stderr)
        return 2
    if argv[0] != "image":
        print(f"ci/uboot.py: unknown command {argv[0]}", file=sys.stderr)
        return 2
    for board in argv[1:]:
        bdir = os.path.join(ROOT, "build", board)
        p = make_images(board, bdir)
        a = p["addresses"]
        print(f"ci/image: {board}: kernel load {a['load']:#010x} entry {a['entry']:#010x} end {a['end']:#010x}, "
              f"DTB {a['fdt']:#010x}, boot script stages at {a['stage']:#010x}")
        for n in ("muon.uimg", "muon.itb", "boot.scr", "disk.img"):
            print(f"  {os.path.relpath(p[n], ROOT)}  ({os.path.getsize(p[n])} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
