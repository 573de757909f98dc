# NXP i.MX6Quad SABRE Lite (four Cortex-A9, ARMv7-A): QEMU's sabrelite machine.
set(MUON_ARCH armv7a)
set(MUON_CPU_FLAGS -mcpu=cortex-a9 -marm)
set(MUON_RAM_BASE 0x10000000)
set(MUON_ARCH_TIMER arch/arm/twd.c)   # the CPU's timer driver
# The board's sources: bsp/common/imx_uart.c drives the console, UART2.
set(MUON_BSP_SRC bsp/imx6q-sabrelite/board.c bsp/common/imx_uart.c bsp/common/a9_gtimer.c bsp/imx6q-sabrelite/cache.S)
# The console is UART2, QEMU's second serial port: the first goes nowhere and ci/muon.py
# adds the second. 1 GiB as on the board. No -cpu: the machine has its own Cortex-A9s.
set(MUON_QEMU_ARGS -M sabrelite -m 1G -serial null -nic none)
# ci/test (ci/boards.py reads these lines): the plain boot, Debian's u-boot-imx from a USB
# disk, and Linux's tree. The plain boot must have measured the timers' rate.
set(MUON_CI_BOOTS uboot linux-dtb)
set(MUON_CI_UBOOT debian-imx:mx6qsabrelite)
set(MUON_CI_LINUX_DTB imx6q-sabrelite.dtb)
set(MUON_CI_EXPECT "timer_rate_measured=^muon: imx6: private timers at 100 MHz, counted against")
