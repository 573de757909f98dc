/*
 * QEMU virt (Cortex-A15): the fallback table, PSCI CPU_ON through HVC (or SMC when the tree says so) for the
 * secondary CPUs, and the generic timer's counter as the clock.
 */
#include "kernel/kernel.h"
#include "bsp/bsp.h"
#include "kernel/platform.h"
#include MUON_BSP_CLOCK_H

#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0x84000003u

const struct bsp_board bsp_board = {
	.name = "virt",
	.ram_base = 0x40000000, .ram_size = 128u << 20,
	.ncpus = 4,
	.uart_pa = 0x09000000,
	.gicd_pa = 0x08000000, .gicc_pa = 0x08010000,
	.twd_pa = 0, .timer_irq = 30, .timer_hz = 0,
	.uart_irq = 33,
	.cpu_power = true,
};

static int psci(uint32_t fn, uint32_t a, uint32_t b)
{
	register uint32_t r0 __asm__("r0") = fn;
	register uint32_t r1 __asm__("r1") = a;
	register uint32_t r2 __asm__("r2") = b;
	register uint32_t r3 __asm__("r3") = 0;
	if (platform.psci_smc)   /* the tree's /psci method: firmware in the secure world */
		__asm__ volatile(".arch_extension sec\n smc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3) : "memory");
	else
		__asm__ volatile(".arch_extension virt\n hvc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3) : "memory");
	return (int)r0;
}

int bsp_start_cpu(unsigned cpu, uint32_t entry_pa) { return psci(PSCI_CPU_ON, cpu, entry_pa); }
void bsp_cpu_off(void) { psci(PSCI_CPU_OFF, 0, 0); }

static uint32_t frq;   /* set once at boot */
uint32_t bsp_ns_per_tick;   /* set once at boot */

void bsp_init(void)
{
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(frq));
	bsp_ns_per_tick = 1000000000u % frq ? 0 : 1000000000u / frq;
}

uint64_t bsp_uptime_ns(void) { return bsp_clock_ns(); }

/* A counter frequency that does not divide 1 GHz (QEMU's 62.5 MHz does: 16 ns a tick). */
uint64_t bsp_ticks_to_ns(uint64_t t)
{
	return t / frq * 1000000000ull + t % frq * 1000000000ull / frq;
}

uint64_t bsp_clock_ns(void) { return bsp_clock_inline(); }
