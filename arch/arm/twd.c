/* MPCore private timer (TWD): one down-counter per CPU at the same address. */
#include "kernel/kernel.h"
#include "arch/arm/timer.h"

#define TWD_LOAD    0x00
#define TWD_CONTROL 0x08
#define TWD_INTSTAT 0x0c
#define CTL_ENABLE  (1u << 0)
#define CTL_IRQ     (1u << 2)

static volatile uint32_t *twd;
static uint32_t ticks_per_us;

void arch_timer_init(uintptr_t twd_va, uint32_t hz)
{
	twd = (volatile uint32_t *)twd_va;
	ticks_per_us = hz / 1000000u;
}

void arch_timer_init_cpu(void)
{
	twd[TWD_CONTROL / 4] = 0;
	twd[TWD_INTSTAT / 4] = 1;
}

void arch_timer_oneshot_ns(uint64_t ns)
{
	uint32_t us = ns > 1000000000u ? 1000000u : (uint32_t)ns / 1000u;
	twd[TWD_CONTROL / 4] = 0;
	twd[TWD_LOAD / 4] = us ? us * ticks_per_us : 1;
	twd[TWD_CONTROL / 4] = CTL_ENABLE | CTL_IRQ;
}

void arch_timer_stop(void)
{
	twd[TWD_CONTROL / 4] = 0;
}

void arch_timer_ack(void)
{
	twd[TWD_INTSTAT / 4] = 1;
}
