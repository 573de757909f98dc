/*
 * The motherboard's SYS_24MHZ counter as the clock (RealView: the ARM11MPCore
 * has no global timer). It is 32 bits wide, so reads extend it to 64 bits
 * against the latest extended value any CPU has seen, without a lock: under a
 * lock every CPU's clock read queued behind whichever vCPU held it, and QEMU on
 * a busy host deschedules vCPUs in the middle of critical sections.
 *
 * A reader loads the latest value first and the counter after it, so its
 * count is at least that value's: a smaller low word means exactly one wrap
 * while the latest value is less than 2^32 ticks (179 s) old. A reader
 * publishes its count (CAS with LDREXD/STREXD, which ARMv6K has; the latest
 * value only moves forward) only once the latest is 2^30 ticks (45 s) old:
 * a CAS on every read was a third of a context switch. So the latest value
 * lags the last read by less than 2^30 ticks, and the extension holds given
 * that some CPU reads the clock at least once per 134 s: each scheduling
 * decision does, and a CPU that is on takes a decision at least every
 * second (its timer never stops: program_timer, sched/sched.c).
 */
#include "kernel/kernel.h"
#include "bsp/bsp.h"
#include MUON_BSP_CLOCK_H   /* SYS_24MHZ, sysregs */
#define CLOCK_PUBLISH (1ull << 30)   /* ticks: publish a count once the latest is this old */

#include "bsp/common/sysregs.h"

static uint64_t clock_latest;   /* atomic: the largest extended count published */

void bsp_init(void) { bsp_sysregs_init(); }

uint64_t bsp_uptime_ns(void) { return bsp_clock_ns(); }

uint64_t bsp_clock_ns(void)
{
	uint64_t seen = __atomic_load_n(&clock_latest, __ATOMIC_ACQUIRE);
	uint32_t now = sysregs[SYS_24MHZ / 4];
	uint64_t ticks = (seen & ~0xffffffffull) | now;
	if (now < (uint32_t)seen)
		ticks += 1ull << 32;
	while (ticks > seen && ticks - seen >= CLOCK_PUBLISH &&
	       !__atomic_compare_exchange_n(&clock_latest, &seen, ticks, false,
	                                    __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
		;
	return ticks * 125 / 3;   /* 1e9 / 24e6 = 125/3 */
}
