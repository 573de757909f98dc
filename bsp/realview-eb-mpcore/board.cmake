# ARM RealView Emulation Baseboard with the ARM11MPCore test chip (ARMv6K).
set(MUON_ARCH armv6k)
set(MUON_CPU_FLAGS -mcpu=mpcore -marm)
set(MUON_RAM_BASE 0x00000000)
set(MUON_ARCH_TIMER arch/arm/twd.c)   # the CPU's timer driver
set(MUON_BSP_SRC bsp/realview-eb-mpcore/board.c bsp/common/pl011.c bsp/common/sysregs.c bsp/common/clock_sys24.c)
set(MUON_QEMU_ARGS -M realview-eb-mpcore -cpu arm11mpcore -m 128M -nic none)   # no network backend: the kernel drives no NIC
# ci/test (ci/boards.py reads these lines). QEMU maps at most 256 MiB of RAM at address 0 here,
# below the peripherals at 0x10000000: it accepts a larger -m but gives the guest 256 MiB.
set(MUON_CI_BOOTS smp2 big-mem bad-dtb)
set(MUON_CI_BIG_MEM 256M)
set(MUON_CI_MAX_MEM 256M)
