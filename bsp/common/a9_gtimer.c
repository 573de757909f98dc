/*
 * The Cortex-A9 global timer as the clock: one 64-bit up-counter at PERIPHCLK
 * shared by all CPUs, in the private region at +0x200 (the TWD is at +0x600).
 * Ticks become nanoseconds by one multiply when a tick is a whole number of
 * nanoseconds (QEMU's 100 MHz), else by a 32-bit multiplier and a shift, two
 * multiplies and no division (396 MHz, half the ARM clock, on the SABRE Lite):
 * ns = ticks * mult >> shift, computed in two halves.
 */
#include "kernel.h"
#include "bsp.h"
#include "mmu.h"
#include "platform.h"

#define GT_OFFSET 0x200
#define GT_LO 0
#define GT_HI 1
#define GT_CTRL 2

static volatile uint32_t *gt;
static uint32_t ns_per_tick, mult, shift;   /* set once at boot, before any other CPU runs */

void a9_gtimer_start(void)
{
	gt = (volatile uint32_t *)ioremap(platform.twd_pa - 0x600 + GT_OFFSET, 0x20);
	gt[GT_CTRL] = 1;   /* enabled, prescaler 0, no comparator: a free-running count */
}

uint64_t a9_gtimer_ticks(void)
{
	uint32_t hi, lo;
	do {
		hi = gt[GT_HI];
		lo = gt[GT_LO];
	} while (gt[GT_HI] != hi);
	return ((uint64_t)hi << 32) | lo;
}

/* The largest shift that keeps mult = 10^9 << shift / hz below 2^32. */
void a9_gtimer_set_rate(uint32_t hz)
{
	ns_per_tick = 1000000000u % hz ? 0 : 1000000000u / hz;
	for (shift = 32; shift > 0 && (1000000000ull << shift) / hz > 0xffffffffull; shift--)
		;
	mult = (uint32_t)((1000000000ull << shift) / hz);
}

uint64_t bsp_clock_ns(void)
{
	uint64_t t = a9_gtimer_ticks();
	if (ns_per_tick)
		return t * ns_per_tick;
	uint64_t hi = (t >> 32) * mult, lo = (t & 0xffffffffu) * mult;
	return (hi << (32 - shift)) + (lo >> shift);
}
