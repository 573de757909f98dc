/*
 * ASIDs (asid.c): tags handed out by generation when a CPU switches to a
 * task. Included by task.h after struct task (and by the host test with
 * its own struct task and struct cpu).
 */
#ifndef ASID_H
#define ASID_H

#define ASID_NONE (~(uint64_t)0)
#define ASID_BITS  8
#define ASID_COUNT (1u << ASID_BITS)
#define ASID_TAG(ctx) ((unsigned)((ctx) & (ASID_COUNT - 1)))
#define ASID_GEN(ctx) ((ctx) >> ASID_BITS)
#define ASID_FLUSH ASID_COUNT   /* in asid_switch's result: flush this CPU's TLB before the tag is used */
unsigned asid_switch_slow(struct cpu *c, struct task *t);

/*
 * The tag to run t under on CPU c, which is switching to t's space, with
 * ASID_FLUSH if c's TLB must be flushed before the tag is used
 * (arch_switch_space). Inline, for schedule() and the IPC fast path: when
 * t's tag is of the generation c flushed for, one compare and no lock
 * (asid.c says why the store, barrier and load are in this order; c keeps
 * its generation shifted as in a context, so the compare needs no shift);
 * otherwise asid_switch_slow.
 */
static inline __attribute__((always_inline)) unsigned asid_switch(struct cpu *c, struct task *t)
{
	uint64_t ctx = arch_load64(&t->asid_ctx);
	__atomic_store_n(&c->asid_active, ASID_TAG(ctx), __ATOMIC_RELAXED);
	arch_dmb();   /* pairs with rollover's: asid_active before the load of asid_gen */
	if ((ctx & ~(uint64_t)(ASID_COUNT - 1)) == arch_load64(&c->asid_gen))
		return ASID_TAG(ctx);
	return asid_switch_slow(c, t);
}

unsigned task_asid(struct task *t);                                 /* its tag now, for TLB maintenance */
void task_flush_page(struct task *t, uintptr_t va);                 /* after mmu_clear_page: every CPU's TLB */

#endif
