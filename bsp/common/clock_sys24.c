/*
 * The motherboard's SYS_24MHZ counter as the clock (RealView: the ARM11MPCore
 * has no global timer). It is 32 bits wide, so reads extend it under a lock;
 * every CPU reads the clock at least once per scheduling decision, far more
 * often than the 179 s it takes to wrap.
 */
#include "kernel.h"
#include "bsp.h"

#define SYS_24MHZ 0x5c

extern volatile uint32_t *sysregs;
void bsp_sysregs_init(void);

static spinlock_t clock_lock;
static uint32_t clock_last;   /* guarded by clock_lock */
static uint64_t clock_high;   /* guarded by clock_lock: wraps of the 32-bit counter */

void bsp_clock_init(void) { bsp_sysregs_init(); }

uint64_t bsp_uptime_ns(void) { return bsp_clock_ns(); }

uint64_t bsp_clock_ns(void)
{
	spin_lock(&clock_lock);
	uint32_t now = sysregs[SYS_24MHZ / 4];
	if (now < clock_last)
		clock_high += 1ull << 32;
	clock_last = now;
	uint64_t ticks = clock_high | now;
	spin_unlock(&clock_lock);
	return ticks * 125 / 3;   /* 1e9 / 24e6 = 125/3 */
}
