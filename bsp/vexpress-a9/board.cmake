# ARM Versatile Express with the CoreTile Express A9x4 (Cortex-A9, ARMv7-A).
set(MUON_ARCH armv7a)
set(MUON_CPU_FLAGS -mcpu=cortex-a9 -marm)
set(MUON_RAM_BASE 0x60000000)
set(MUON_TIMER twd)
set(MUON_BSP_COMMON bsp/common/sysregs.c)
set(MUON_QEMU_ARGS -M vexpress-a9 -cpu cortex-a9 -m 128M -nic none)   # no network backend: the kernel drives no NIC
