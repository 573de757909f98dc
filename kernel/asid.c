/*
 * ASIDs: the 255 hardware tags (1..255; 0 is the switch-over tag of
 * arch_switch_space) are a cache shared by any number of tasks. A task's
 * asid_ctx is generation << 8 | tag; it gets a tag of the current generation
 * when a CPU switches to it and its generation is old. When a generation has
 * no free tag left, the next one starts (rollover): every tag is free again,
 * except those the CPUs run at that moment, which stay reserved for their
 * tasks; every CPU flushes its whole TLB before it next uses a tag of the new
 * generation. Task creation never fails for want of a tag, and no task can
 * take tags from another for good.
 *
 * Invariants (what the TLB-maintenance code relies on):
 *  - Within a generation a tag belongs to at most one task.
 *  - A CPU's TLB holds entries tagged with tag a only for the task holding a
 *    in the generation that CPU last flushed for, or for a task whose tag that
 *    CPU runs in hardware (reserved across rollovers).
 *  - A task's tag changes only while no CPU runs under the old one: a CPU
 *    running it at a rollover reserves the tag, and a task with a reserved
 *    tag keeps it. So flushing by task_asid(t) reaches every entry t can
 *    still use; stale entries under a tag t lost are on CPUs that flush
 *    before they use any tag of the new generation. Flushing a tag that now
 *    belongs to another task is only extra work.
 *
 * Shared fields and their ordering:
 *  - asid_gen, asid_map, asid_reserved[], asid_next: under asid_lock only.
 *  - task->asid_ctx: written under asid_lock (asid_switch's slow path, with a
 *    DSB after it, before that CPU can walk the table under the new tag); read
 *    without the lock, relaxed (64-bit single-copy atomic: LDREXD), by the
 *    fast path and by task_asid() after a table entry was cleared and a DSB.
 *  - cpu->asid_gen: the generation this CPU last flushed for, shifted as in
 *    a context (generation << ASID_BITS), 0 after a rollover until its next
 *    slow path (a new task's ASID_NONE matches neither). Written under
 *    asid_lock (the CPU's own slow path, and rollover() for every CPU), read
 *    by the CPU's fast path without the lock.
 *  - cpu->asid_active: the tag the CPU runs or is about to run; written by
 *    that CPU only (fast path without the lock, slow path under it), read by
 *    rollover() under the lock.
 *  The fast path (asid_switch, asid.h) stores asid_active, then DMB, then
 *  loads asid_gen; rollover() stores asid_gen = 0, then DMB, then loads
 *  asid_active. Of two such
 *  store-then-load pairs at least one load sees the other's store: either
 *  rollover reserves the tag the fast path is about to use, or the fast path
 *  sees 0 and takes the slow path (where it waits for the lock, flushes and
 *  gets a tag of the new generation).
 */
#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/cpu.h"

static spinlock_t asid_lock;
static uint64_t asid_gen = 1;                     /* under asid_lock: the current generation, never 0 */
static uint32_t asid_map[ASID_COUNT / 32] = { 1 }; /* under asid_lock: tags taken in asid_gen (tag 0 always) */
static uint64_t asid_reserved[MUON_MAX_CPUS];     /* under asid_lock: ctx each CPU kept running over the last rollover */
static unsigned asid_next = 1;                    /* under asid_lock: where the search for a free tag starts */

unsigned task_asid(struct task *t)
{
	return ASID_TAG(arch_load64(&t->asid_ctx));
}

static bool taken(unsigned tag) { return asid_map[tag / 32] & (1u << (tag % 32)); }
static void take(unsigned tag) { asid_map[tag / 32] |= 1u << (tag % 32); }

/* The current generation is used up: start the next one (under asid_lock). */
static void rollover(void)
{
	uint64_t old = asid_gen++;
	for (unsigned i = 0; i < ASID_COUNT / 32; i++)
		asid_map[i] = 0;
	take(0);
	bool switched[MUON_MAX_CPUS];
	for (unsigned i = 0; i < ncpus_present; i++) {
		switched[i] = arch_load64(&cpus[i].asid_gen) != 0;   /* it took a tag of `old` since */
		__atomic_store_n(&cpus[i].asid_gen, 0, __ATOMIC_RELAXED);
	}
	arch_dmb();   /* pairs with asid_switch's: the zeros before the loads of asid_active */
	for (unsigned i = 0; i < ncpus_present; i++) {
		/* A CPU that took no tag since the last rollover still runs the one it kept then. */
		if (switched[i])
			asid_reserved[i] = old << ASID_BITS | __atomic_load_n(&cpus[i].asid_active, __ATOMIC_RELAXED);
		take(ASID_TAG(asid_reserved[i]));
	}
}

/* A tag of the current generation for a task whose old context is ctx (under asid_lock). */
static uint64_t asid_new(uint64_t ctx)
{
	for (;;) {
		/* Running somewhere since before the rollover: it keeps its tag. */
		bool kept = false;
		for (unsigned i = 0; i < ncpus_present; i++)   /* ASID_NONE matches no entry */
			if (asid_reserved[i] == ctx) {
				asid_reserved[i] = asid_gen << ASID_BITS | ASID_TAG(ctx);
				kept = true;
			}
		if (kept)
			return asid_gen << ASID_BITS | ASID_TAG(ctx);
		for (unsigned k = 0; k < ASID_COUNT - 1; k++) {
			unsigned tag = (asid_next - 1 + k) % (ASID_COUNT - 1) + 1;   /* 1..255, from asid_next on */
			if (!taken(tag)) {
				take(tag);
				asid_next = tag % (ASID_COUNT - 1) + 1;
				return asid_gen << ASID_BITS | tag;
			}
		}
		rollover();   /* at most one per CPU stays reserved: the next round finds a tag */
	}
}

/*
 * asid_switch (asid.h, inline) found t's tag of another generation than
 * the one c flushed for: under the lock, a tag of the current generation.
 */
unsigned asid_switch_slow(struct cpu *c, struct task *t)
{
	spin_lock(&asid_lock);
	uint64_t ctx = t->asid_ctx;
	if (ASID_GEN(ctx) != asid_gen) {
		ctx = asid_new(ctx);
		__atomic_store_n(&t->asid_ctx, ctx, __ATOMIC_RELAXED);
	}
	unsigned flush = c->asid_gen != asid_gen << ASID_BITS ? ASID_FLUSH : 0;
	__atomic_store_n(&c->asid_gen, asid_gen << ASID_BITS, __ATOMIC_RELAXED);
	__atomic_store_n(&c->asid_active, ASID_TAG(ctx), __ATOMIC_RELAXED);
	spin_unlock(&asid_lock);
	arch_dsb();   /* the new ctx is visible before this CPU walks t's table under it (task_flush_page) */
	return ASID_TAG(ctx) | flush;
}

/*
 * va is gone from t's table (mmu_clear_page, which ends with a DSB): every
 * CPU's TLB forgets it. The tag is read after the entry was cleared, so a CPU
 * that gave t a new tag meanwhile either walked the cleared table or is
 * flushed here.
 */
void task_flush_page(struct task *t, uintptr_t va)
{
	unsigned asid = task_asid(t);
	arch_tlb_flush_page((va & ~0xfffu) | asid);
	arch_dsb();
	tlb_shootdown(asid);
}
