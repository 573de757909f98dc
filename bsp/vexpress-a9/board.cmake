# ARM Versatile Express with the CoreTile Express A9x4 (Cortex-A9, ARMv7-A).
set(MUON_ARCH armv7a)
set(MUON_CPU_FLAGS -mcpu=cortex-a9 -marm)
set(MUON_RAM_BASE 0x60000000)
set(MUON_ARCH_TIMER arch/arm/twd.c)   # the CPU's timer driver
set(MUON_BSP_SRC bsp/vexpress-a9/board.c bsp/common/pl011.c bsp/common/sysregs.c bsp/common/a9_gtimer.c)
set(MUON_QEMU_ARGS -M vexpress-a9 -cpu cortex-a9 -m 128M -nic none)   # no network backend: the kernel drives no NIC
# ci/test (ci/boards.py reads these lines): U-Boot built from Debian's source package.
set(MUON_CI_BOOTS smp2 big-mem bad-dtb uboot linux-dtb linux-dtb-big-mem claims-1G)
set(MUON_CI_BIG_MEM 1G)
set(MUON_CI_UBOOT build:vexpress_ca9x4_defconfig)
set(MUON_CI_LINUX_DTB vexpress-v2p-ca9.dtb)
