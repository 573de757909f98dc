/*
 * Versatile Express A9x4: the fallback table when no DTB is passed, and the
 * Cortex-A9 global timer (64 bits, 100 MHz, shared by all CPUs; bsp/common/a9_gtimer.c)
 * as the clock.
 */
#include "kernel/kernel.h"
#include "bsp/bsp.h"
#include "kernel/platform.h"
#include "bsp/common/sysregs.h"

void bsp_init(void)
{
	a9_gtimer_start();
	a9_gtimer_set_rate(platform.timer_hz);
}

/* The global timer starts when the kernel enables it; SYS_24MHZ has counted since reset. */
uint64_t bsp_uptime_ns(void)
{
	bsp_sysregs_init();
	return (uint64_t)sysregs[0x5c / 4] * 125 / 3;
}

const struct bsp_board bsp_board = {
	.name = "vexpress-a9",
	.ram_base = 0x60000000, .ram_size = 128u << 20,
	.ncpus = 4,
	.uart_pa = 0x10009000,
	.gicd_pa = 0x1e001000, .gicc_pa = 0x1e000100,
	.twd_pa = 0x1e000600, .timer_irq = 29, .timer_hz = 100000000,
	.uart_irq = 37,
};
