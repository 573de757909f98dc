/*
 * The clock for the IPC fast path's switch (sched/switch.h): the full
 * clock is SYS_24MHZ extended to 64 bits against a shared value
 * (bsp/common/clock_sys24.c), out of line; the fast path needs only the
 * counter itself and a delta's nanoseconds, inline.
 */
#ifndef BSP_CLOCK_H
#define BSP_CLOCK_H

#include "bsp/bsp.h"

#define SYS_24MHZ 0x5c   /* the motherboard's 24 MHz counter, in the system registers */

extern volatile uint32_t *sysregs;

static inline __attribute__((always_inline)) uint64_t bsp_clock_inline(void) { return bsp_clock_ns(); }

static inline __attribute__((always_inline)) uint32_t bsp_clock_raw(void) { return sysregs[SYS_24MHZ / 4]; }

/*
 * The nanoseconds in d ticks, d * 125 / 3 rounded down as bsp_clock_ns
 * rounds, without a division: 41 d + 2d/3, and 2d/3 rounded down is the
 * high word of d * 0xaaaaaaab = d * (2^33 + 1) / 3 (the excess, d / (3 *
 * 2^32), is below 1/3, so it never carries the sum past the next whole).
 */
static inline __attribute__((always_inline)) uint64_t bsp_raw_ns(uint32_t d)
{
	return (uint64_t)d * 41 + (uint32_t)(((uint64_t)d * 0xaaaaaaabu) >> 32);
}

#endif
