/*
 * The Cortex-A9 global timer's clock, inline for the IPC fast path's switch
 * (sched/switch.h) through each A9 board's bsp_clock.h: read high, low, high
 * until the high word holds still; a whole number of nanoseconds a tick
 * (QEMU's 100 MHz) takes one multiply, another rate a9_gtimer.c's conversion.
 */
#ifndef A9_GTIMER_H
#define A9_GTIMER_H

#include <stdint.h>

extern volatile uint32_t *a9_gt;          /* a9_gtimer.c: the timer's registers */
extern uint32_t a9_gt_ns_per_tick;        /* a9_gtimer.c: 1e9 / rate if whole, else 0 */
uint64_t a9_gtimer_ticks_to_ns(uint64_t t);

static inline __attribute__((always_inline)) uint64_t a9_gtimer_count(void)
{
	uint32_t hi, lo;
	do {
		hi = a9_gt[1];
		lo = a9_gt[0];
	} while (a9_gt[1] != hi);
	return ((uint64_t)hi << 32) | lo;
}

static inline __attribute__((always_inline)) uint64_t bsp_clock_inline(void)
{
	uint64_t t = a9_gtimer_count();
	if (__builtin_expect(a9_gt_ns_per_tick != 0, 1))
		return t * a9_gt_ns_per_tick;
	return a9_gtimer_ticks_to_ns(t);
}

/* The count's low word, for the IPC fast path's time charge (sched/switch.h, sched_slice_begin). */
static inline __attribute__((always_inline)) uint32_t bsp_clock_raw(void) { return a9_gt[0]; }

/* The nanoseconds in d ticks, rounded as bsp_clock_inline rounds: never more than the clock moves in them. */
static inline __attribute__((always_inline)) uint64_t bsp_raw_ns(uint32_t d)
{
	if (__builtin_expect(a9_gt_ns_per_tick != 0, 1))
		return (uint64_t)d * a9_gt_ns_per_tick;
	return a9_gtimer_ticks_to_ns(d);
}

#endif
