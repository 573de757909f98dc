/*
 * Instruction-count marks: places in the kernel and in user programs that a
 * host tool asks QEMU's instruction-counting plugin (tools/insnprof.c) to
 * report, with the vCPU's instruction count, whenever they run
 * (docs/benchmarks.md, "Per-CPU time"). A mark costs no instruction: it
 * only records its address and kind in the ELF section .insnprof, which is
 * not loaded (two words per mark: address, kind). Marks are for
 * measurement and never change what the code does.
 */
#ifndef MUON_MARK_H
#define MUON_MARK_H

#define MU_MARK_IRQ 1         /* the IRQ vector: an interrupt is taken */
#define MU_MARK_PACE 2        /* a timer IRQ object's period is delivered (kernel/irq.c irq_pace) */
#define MU_MARK_IPI_BEGIN 3   /* an SGI from another CPU is served (kernel/smp.c) ... */
#define MU_MARK_IPI_END 4     /* ... and done */
#define MU_MARK_DRQ_BEGIN 5   /* a cross-CPU request is run (kernel/drq.c) ... */
#define MU_MARK_DRQ_END 6     /* ... and done */
#define MU_MARK_TTI_END 7     /* the modem's TTI thread has finished a TTI, and recorded it (modem-stack/prog/tti.c) */
#define MU_MARK_WAKE 8        /* an idle CPU leaves WFI (sched/sched.c): it serves what woke it */
#define MU_MARK_WINDOW 9      /* the modem's figures start again (MODEM_RESET done): a bench window opens */
#define MU_MARK_STATS 10      /* the modem prints its figures (MODEM_STATS with mr[0] = 1): the window closes */
#define MU_MARK_LOCKED 11     /* obj_lock has the lock (kernel/drq.c): a hold begins ... */
#define MU_MARK_UNLOCK 12     /* ... and obj_unlock is about to release it */
#define MU_MARK_LAT_RESET 13  /* a CPU's latency maxima are cleared (MU_SCHED_INFO_RESET): a window ends */
#define MU_MARK_TTI_SHED 14   /* the modem's TTI thread shed a TTI (started after its deadline: no stages run) */

#ifndef __ASSEMBLER__
/*
 * Mark the next instruction as a place of kind `kind`. Put it where that
 * instruction belongs to the place alone: at the start of a branch's block,
 * not at its end, where the compiler may emit next the code the branches
 * share (tools/ttiprof.py then saw the modem's window open at every TTI).
 */
#define MU_MARK(kind) \
	__asm__ volatile("1:\n\t.pushsection .insnprof,\"\",%%progbits\n\t.word 1b, %c0\n\t.popsection" \
			 : : "i"(kind) : "memory")
#endif

#endif
