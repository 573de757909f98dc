/*
 * The ARM motherboard system registers shared by RealView and Versatile
 * Express: SYS_FLAGS holds the address at which the boot monitor's holding
 * pen sends secondary CPUs once they are woken by an SGI, and SYS_24MHZ is a
 * free-running 24 MHz counter that every CPU can read.
 */
#include "kernel.h"
#include "bsp.h"
#include "mmu.h"
#include "gic.h"

#define SYSREGS_PA   0x10000000u
#define SYS_FLAGSSET 0x30
#define SYS_FLAGSCLR 0x34
#define SYS_24MHZ    0x5c

static volatile uint32_t *sysregs;
static spinlock_t clock_lock;
static uint32_t clock_last;   /* guarded by clock_lock */
static uint64_t clock_high;   /* guarded by clock_lock: wraps of the 32-bit counter */

void bsp_clock_init(void)
{
	sysregs = (volatile uint32_t *)ioremap(SYSREGS_PA, 0x1000);
}

void bsp_start_cpu(unsigned cpu, uint32_t entry_pa)
{
	sysregs[SYS_FLAGSCLR / 4] = 0xffffffffu;
	sysregs[SYS_FLAGSSET / 4] = entry_pa;
	arch_dsb();
	gic_send_sgi(1u << cpu, SGI_WAKE);
}

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
