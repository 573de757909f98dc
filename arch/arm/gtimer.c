/* ARM generic timer, non-secure physical timer (PPI 14, interrupt ID 30). */
#include "kernel/kernel.h"
#include "arch/arm/timer.h"

static uint32_t ticks_per_us;

void arch_timer_init(uintptr_t twd_va, uint32_t hz)
{
	(void)twd_va;
	(void)hz;
	uint32_t frq;
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(frq));
	ticks_per_us = frq / 1000000u;
}

void arch_timer_init_cpu(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c2, 1" :: "r"(0));   /* CNTP_CTL: off */
}

void arch_timer_stop(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c2, 1" :: "r"(0));
	arch_isb();
}

void arch_timer_oneshot_ns(uint64_t ns)
{
	uint32_t us = ns > 1000000000u ? 1000000u : (uint32_t)ns / 1000u;
	uint32_t ticks = us ? us * ticks_per_us : 1;
	__asm__ volatile("mcr p15, 0, %0, c14, c2, 0" :: "r"(ticks)); /* CNTP_TVAL */
	__asm__ volatile("mcr p15, 0, %0, c14, c2, 1" :: "r"(1));   /* enable, unmasked */
	arch_isb();
}

void arch_timer_ack(void)
{
	__asm__ volatile("mcr p15, 0, %0, c14, c2, 1" :: "r"(0));
	arch_isb();
}
