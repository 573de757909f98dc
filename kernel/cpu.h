/* Per-CPU kernel state, reached through this_cpu() (TPIDRPRW). */
#ifndef CPU_H
#define CPU_H

#include "kernel.h"
#include "rq.h"
#include "gic.h"

struct thread;

struct cpu {
	uintptr_t kstack_top;             /* first: entry.S loads it; set at boot */
	unsigned id;                      /* set at boot */
	struct thread *current;           /* owned by this CPU */
	struct task *space;               /* owned by this CPU: whose table TTBR0 holds, NULL: none */
	struct rq rq;                     /* owned by this CPU: nobody else touches it */
	uint64_t idle_ns;                 /* owned by this CPU */
	struct thread *timeouts;          /* owned by this CPU: waiting threads, earliest first */
	volatile uint32_t timer_irqs;     /* written by this CPU only */
	uint32_t ipi_pending[SGI_COUNT];  /* atomic: per SGI, a bit per sending CPU */
	volatile uint32_t ipi_rx[MUON_MAX_CPUS]; /* written by this CPU only: SGIs seen per sender */
	volatile bool online;             /* written once by this CPU */
};

extern struct cpu cpus[MUON_MAX_CPUS];
extern unsigned ncpus_present;        /* CPUs the platform describes; set before release */

static inline struct cpu *this_cpu(void) { return (struct cpu *)arch_cpu_ptr(); }
unsigned cpus_online(void);
/* Send SGI `sgi` to CPU `dst`; the receiver learns the sender from ipi_pending. */
void smp_send(unsigned dst, unsigned sgi);

#endif
