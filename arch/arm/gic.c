/*
 * GIC distributor and CPU interface. The register layout common to the
 * ARM11MPCore interrupt controller, the Cortex-A9 GIC and GICv2 is all the
 * kernel uses: enable, priority, target, SGI, acknowledge and EOI.
 */
#include "kernel/kernel.h"
#include "arch/arm/gic.h"

#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_ISPENDR    0x200
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR  0x800
#define GICD_SGIR       0xf00
#define GICC_CTLR       0x00
#define GICC_PMR        0x04
#define GICC_IAR        0x0c
#define GICC_EOIR       0x10

static volatile uint8_t *gicd, *gicc;
static unsigned nlines;

static inline volatile uint32_t *d32(unsigned off) { return (volatile uint32_t *)(gicd + off); }
static inline volatile uint32_t *c32(unsigned off) { return (volatile uint32_t *)(gicc + off); }

void gic_init(uintptr_t dist_va, uintptr_t cpu_va)
{
	gicd = (volatile uint8_t *)dist_va;
	gicc = (volatile uint8_t *)cpu_va;
	unsigned lines = nlines = ((*d32(GICD_TYPER) & 0x1f) + 1) * 32;
	*d32(GICD_CTLR) = 0;
	/* Shared interrupts: all off, middle priority, routed to CPU0. */
	for (unsigned i = 32; i < lines; i += 32)
		*d32(GICD_ICENABLER + i / 8) = 0xffffffffu;
	for (unsigned i = 32; i < lines; i++) {
		gicd[GICD_IPRIORITYR + i] = 0xa0;
		gicd[GICD_ITARGETSR + i] = 1;
	}
	*d32(GICD_CTLR) = 1;
}

/* Banked per CPU: SGIs and PPIs enabled, and the CPU interface itself. */
void gic_init_cpu(void)
{
	for (unsigned i = 0; i < 32; i++)
		gicd[GICD_IPRIORITYR + i] = 0x80;
	*d32(GICD_ISENABLER) = 0x0000ffffu;
	*c32(GICC_PMR) = 0xf0;
	*c32(GICC_CTLR) = 1;
}

void gic_enable(unsigned irq)
{
	*d32(GICD_ISENABLER + (irq / 32) * 4) = 1u << (irq % 32);
}

void gic_disable(unsigned irq)
{
	*d32(GICD_ICENABLER + (irq / 32) * 4) = 1u << (irq % 32);
}

void gic_set_pending(unsigned irq)
{
	*d32(GICD_ISPENDR + (irq / 32) * 4) = 1u << (irq % 32);
}

unsigned gic_lines(void) { return nlines; }

void gic_send_sgi(uint32_t cpu_mask, unsigned sgi)
{
	arch_dsb();   /* make data the receiver will read visible first */
	*d32(GICD_SGIR) = ((cpu_mask & 0xff) << 16) | (sgi & 0xf);
}

uint32_t gic_ack(void) { return *c32(GICC_IAR); }
void gic_eoi(uint32_t iar) { *c32(GICC_EOIR) = iar; }
