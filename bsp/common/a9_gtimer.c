/*
 * The Cortex-A9 global timer as the clock: one 64-bit up-counter at PERIPHCLK
 * shared by all CPUs, in the private region at +0x200 (the TWD is at +0x600).
 * Ticks become nanoseconds by one multiply when a tick is a whole number of
 * nanoseconds (QEMU's 100 MHz), else by a 32-bit multiplier and a shift, two
 * multiplies and no division (396 MHz, half the ARM clock, on the SABRE Lite):
 * ns = ticks * mult >> shift, computed in two halves.
 */
#include "kernel/kernel.h"
#include "bsp/bsp.h"
#include "arch/arm/mmu.h"
#include "kernel/platform.h"
#include "bsp/common/a9_gtimer.h"

#define GT_OFFSET 0x200
#define GT_CTRL 2

volatile uint32_t *a9_gt;
uint32_t a9_gt_ns_per_tick;   /* set once at boot, before any other CPU runs, as are these */
static uint32_t mult, shift;

void a9_gtimer_start(void)
{
	a9_gt = (volatile uint32_t *)ioremap(platform.twd_pa - 0x600 + GT_OFFSET, 0x20);
	a9_gt[GT_CTRL] = 1;   /* enabled, prescaler 0, no comparator: a free-running count */
}

uint64_t a9_gtimer_ticks(void) { return a9_gtimer_count(); }

/* The largest shift that keeps mult = 10^9 << shift / hz below 2^32. */
void a9_gtimer_set_rate(uint32_t hz)
{
	a9_gt_ns_per_tick = 1000000000u % hz ? 0 : 1000000000u / hz;
	for (shift = 32; shift > 0 && (1000000000ull << shift) / hz > 0xffffffffull; shift--)
		;
	mult = (uint32_t)((1000000000ull << shift) / hz);
}

/* A rate that does not divide 1 GHz (the SABRE Lite's 396 MHz). */
uint64_t a9_gtimer_ticks_to_ns(uint64_t t)
{
	uint64_t hi = (t >> 32) * mult, lo = (t & 0xffffffffu) * mult;
	return (hi << (32 - shift)) + (lo >> shift);
}

uint64_t bsp_clock_ns(void) { return bsp_clock_inline(); }
