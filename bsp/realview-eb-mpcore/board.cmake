# ARM RealView Emulation Baseboard with the ARM11MPCore test chip (ARMv6K).
set(MUON_ARCH armv6k)
set(MUON_CPU_FLAGS -mcpu=mpcore -marm)
set(MUON_RAM_BASE 0x00000000)
set(MUON_TIMER twd)
set(MUON_BSP_COMMON bsp/common/sysregs.c bsp/common/clock_sys24.c)
set(MUON_QEMU_ARGS -M realview-eb-mpcore -cpu arm11mpcore -m 128M -nic none)   # no network backend: the kernel drives no NIC
