# QEMU's virt machine with a Cortex-A15 (ARMv7-A), GICv2, generic timer, PSCI.
set(MUON_ARCH armv7a)
set(MUON_CPU_FLAGS -mcpu=cortex-a15 -marm)
# The IPC fast path tuned as for the A9: GCC's A15 tuning turns each push and pop into
# several STRD/LDRD, one instruction each under the A9's (docs/ipc.md).
set(MUON_FAST_FLAGS -mtune=cortex-a9)
set(MUON_RAM_BASE 0x40000000)
set(MUON_ARCH_TIMER arch/arm/gtimer.c)   # the CPU's timer driver
set(MUON_BSP_SRC bsp/virt/board.c bsp/common/pl011.c)
set(MUON_QEMU_ARGS -M virt -cpu cortex-a15 -m 128M -nic none)
# -nic none: no network device. The kernel drives none, and virt's default virtio-net
# NIC needs efi-virtio.rom from ipxe-qemu, which ci/install (--no-install-recommends) lacks.
set(MUON_CPU_POWER 1)   # PSCI CPU_OFF / CPU_ON: secondaries can be powered off and on
# ci/test (ci/boards.py reads these lines): Debian's u-boot-qemu; QEMU's own tree too.
set(MUON_CI_BOOTS smp2 big-mem bad-dtb uboot qemu-dtb qemu-dtb-big-mem)
set(MUON_CI_BIG_MEM 1G)
set(MUON_CI_UBOOT debian-qemu)
