/*
 * Versatile Express A9x4: the fallback table when no DTB is passed, and the
 * Cortex-A9 global timer (64 bits, 100 MHz, shared by all CPUs) as the clock.
 */
#include "kernel.h"
#include "bsp.h"
#include "mmu.h"
#include "platform.h"

#define GT_OFFSET 0x200   /* from the private region, which the TWD sits in at +0x600 */
#define GT_LO 0
#define GT_HI 1
#define GT_CTRL 2

static volatile uint32_t *gt;

void bsp_clock_init(void)
{
	gt = (volatile uint32_t *)ioremap(platform.twd_pa - 0x600 + GT_OFFSET, 0x20);
	gt[GT_CTRL] |= 1;
}

/* The global timer starts when the kernel enables it; SYS_24MHZ has counted since reset. */
uint64_t bsp_uptime_ns(void)
{
	extern volatile uint32_t *sysregs;
	void bsp_sysregs_init(void);
	bsp_sysregs_init();
	return (uint64_t)sysregs[0x5c / 4] * 125 / 3;
}

uint64_t bsp_clock_ns(void)
{
	uint32_t hi, lo;
	do {
		hi = gt[GT_HI];
		lo = gt[GT_LO];
	} while (gt[GT_HI] != hi);
	return (((uint64_t)hi << 32) | lo) * 10;
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
