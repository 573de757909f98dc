/*
 * The ARM motherboard system registers shared by RealView and Versatile
 * Express: SYS_FLAGS holds the address at which the boot monitor's holding
 * pen sends secondary CPUs once they are woken by an SGI.
 */
#include "kernel/kernel.h"
#include "bsp/bsp.h"
#include "bsp/common/sysregs.h"
#include "arch/arm/mmu.h"
#include "arch/arm/gic.h"

#define SYSREGS_PA   0x10000000u
#define SYS_FLAGSSET 0x30
#define SYS_FLAGSCLR 0x34

volatile uint32_t *sysregs;

void bsp_sysregs_init(void)
{
	if (!sysregs)
		sysregs = (volatile uint32_t *)ioremap(SYSREGS_PA, 0x1000);
}

int bsp_start_cpu(unsigned cpu, uint32_t entry_pa)
{
	bsp_sysregs_init();
	sysregs[SYS_FLAGSCLR / 4] = 0xffffffffu;
	sysregs[SYS_FLAGSSET / 4] = entry_pa;
	arch_dsb();
	gic_send_sgi(1u << cpu, SGI_WAKE);
	return 0;
}

/* No power controller here (cpu_power is false): never called. */
void bsp_cpu_off(void) {}
