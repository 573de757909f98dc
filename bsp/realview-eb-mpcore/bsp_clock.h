/*
 * The clock for the IPC fast path's switch (sched/switch.h): SYS_24MHZ,
 * extended to 64 bits against a shared value (bsp/common/clock_sys24.c),
 * out of line.
 */
#ifndef BSP_CLOCK_H
#define BSP_CLOCK_H

#include "bsp/bsp.h"

static inline __attribute__((always_inline)) uint64_t bsp_clock_inline(void) { return bsp_clock_ns(); }

#endif
