/* The machine as the kernel uses it: from the DTB, else the board table. */
#ifndef PLATFORM_H
#define PLATFORM_H

#include <stdint.h>
#include <stdbool.h>

enum { PF_MEM = 1, PF_CPUS = 2, PF_UART = 4, PF_GIC = 8, PF_TIMER = 16, PF_IRQ = 32 };

struct platform {
	uint64_t ram_base, ram_size;
	unsigned ncpus;
	uint64_t uart_pa, gicd_pa, gicc_pa, twd_pa;
	unsigned timer_irq;
	uint32_t timer_hz;   /* private timer input clock: the board table's, or what bsp_init measured */
	bool from_dtb;
	unsigned from_tree;  /* PF_* bits: which values above the device tree gave */
	bool psci_smc;       /* the tree's /psci method is "smc" (else HVC) */
	uint64_t dtb_pa;
	uint32_t dtb_size;
};

extern struct platform platform;

#endif
