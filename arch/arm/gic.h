/* ARM Generic Interrupt Controller (11MPCore, GICv1 on A9, GICv2 on virt). */
#ifndef GIC_H
#define GIC_H

#include <stdint.h>

/* Software-generated interrupt numbers the kernel uses. */
enum { SGI_WAKE = 0, SGI_PING = 1, SGI_PING_ALL = 2, SGI_STOP = 3, SGI_RESCHED = 4, SGI_COUNT };
#define GIC_SPURIOUS 1023u

void gic_init(uintptr_t dist_va, uintptr_t cpu_va);   /* once, on CPU0 */
void gic_init_cpu(void);                              /* on every CPU */
void gic_enable(unsigned irq);
void gic_disable(unsigned irq);
void gic_set_pending(unsigned irq);
unsigned gic_lines(void);
void gic_send_sgi(uint32_t cpu_mask, unsigned sgi);
/*
 * Acknowledge the highest pending interrupt (id in bits 9:0). The SGI source
 * in bits 12:10 is not used: QEMU's 11MPCore model does not report it.
 */
uint32_t gic_ack(void);
void gic_eoi(uint32_t iar);

#endif
