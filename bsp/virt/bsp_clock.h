/*
 * The clock, inline for the IPC fast path's switch (sched/switch.h): the
 * generic timer's virtual counter times a whole number of ns per tick (16
 * under QEMU); another frequency takes board.c's division.
 */
#ifndef BSP_CLOCK_H
#define BSP_CLOCK_H

#include <stdint.h>

extern uint32_t bsp_ns_per_tick;   /* board.c: 1e9 / frequency if whole, else 0 */
uint64_t bsp_ticks_to_ns(uint64_t t);

static inline __attribute__((always_inline)) uint64_t bsp_clock_inline(void)
{
	uint32_t lo, hi;
	__asm__ volatile("isb; mrrc p15, 0, %0, %1, c14" : "=r"(lo), "=r"(hi));
	uint64_t t = ((uint64_t)hi << 32) | lo;
	if (__builtin_expect(bsp_ns_per_tick != 0, 1))
		return t * bsp_ns_per_tick;
	return bsp_ticks_to_ns(t);
}

/* The counter's low word, for the IPC fast path's time charge (sched/switch.h, sched_slice_begin). */
static inline __attribute__((always_inline)) uint32_t bsp_clock_raw(void)
{
	uint32_t lo, hi;
	__asm__ volatile("isb; mrrc p15, 0, %0, %1, c14" : "=r"(lo), "=r"(hi));
	return lo;
}

/* The nanoseconds in d ticks, rounded as bsp_clock_inline rounds: never more than the clock moves in them. */
static inline __attribute__((always_inline)) uint64_t bsp_raw_ns(uint32_t d)
{
	if (__builtin_expect(bsp_ns_per_tick != 0, 1))
		return (uint64_t)d * bsp_ns_per_tick;
	return bsp_ticks_to_ns(d);
}

#endif
