/*
 * What every switch of a CPU from one thread to another does, shared by
 * schedule() (sched.c) and the IPC fast path's direct switch (sched_direct,
 * below): inline, because the fast path counts every instruction.
 */
#ifndef SWITCH_H
#define SWITCH_H

#include "kernel/kernel.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/cpu.h"
#include "bsp/bsp.h"
#include "kernel/trace.h"
#include MUON_BSP_CLOCK_H

/*
 * A decision at now (ns, read just before): the CPU's next slice begins.
 * Its counter word is read after now, so the IPC fast path's deltas from it
 * (sched_direct) never carry slice_start past the clock: slice_start stays
 * at or behind bsp_clock_ns(), and the next decision's charge, now -
 * slice_start, is never negative. A delta is exact while it is shorter than
 * the counter word's wrap (2^32 ticks: 43 s at 100 MHz): the timer never
 * stops while the CPU is on (program_timer), so a decision comes at least
 * every second.
 */
static inline __attribute__((always_inline)) void sched_slice_begin(struct cpu *c, uint64_t now)
{
	c->slice_start = now;
	c->slice_raw = bsp_clock_raw();
}

/*
 * Charge the time since the last decision to t, which had the CPU. Its
 * quantum is spent when consumed_ns reaches quantum_end, so one sum does.
 */
static inline __attribute__((always_inline)) void sched_charge(struct cpu *c, struct thread *t, uint64_t now)
{
	t->consumed_ns += now - c->slice_start;
	sched_slice_begin(c, now);
}

/* What is left of t's quantum (charged up to the last decision), 0 if spent. */
static inline int64_t sched_quantum_left(const struct thread *t)
{
	int64_t left = (int64_t)(t->quantum_end - t->consumed_ns);
	return left > 0 ? left : 0;
}

/*
 * The address space (if it changes), and the user thread registers: TLS
 * pointer and UTCB. It counts the dispatch if t is of another partition
 * than the CPU's owner (MU_CPUSTAT_FOREIGN), direct switches included.
 */
static inline __attribute__((always_inline)) void sched_switch_to(struct cpu *c, struct thread *t)
{
	struct task *k = t->task;
	c->stat[MU_CPUSTAT_FOREIGN] += t->part != c->stat[MU_CPUSTAT_OWNER];
	if (c->space != k) {
		unsigned asid = asid_switch(c, k);
		if (__builtin_expect(asid < ASID_COUNT, 1))   /* no flush: the common case, without the test below */
			arch_switch_space(k->l1_pa, asid, false);
		else
			arch_switch_space(k->l1_pa, ASID_TAG(asid), asid & ASID_FLUSH);
		c->space = k;
	}
	arch_set_user_tp(t->tls, t->utcb_va);
}

/*
 * The IPC fast path's switch (kernel/fastpath.c): `from` blocked in a call
 * or reply-and-wait, `to` was waiting for it and nothing ready here is at or
 * above its priority, so schedule() would pick it too. Neither is queued
 * (the running thread never is), so no queue is touched; the timer keeps
 * its deadline (fastpath.c says why that is right). Time is charged from
 * the counter word's delta since the slice began, without the full clock
 * (sched_slice_begin says why that is exact), and one trace record says the
 * switch and the IPC.
 */
static inline __attribute__((always_inline, noreturn)) void sched_direct(struct cpu *c, struct thread *from,
									 struct thread *to, unsigned event)
{
	kcheck(c->current == from && !from->link.queued && !to->link.queued && to->cpu == c->id);
	uint32_t raw = bsp_clock_raw();
	uint64_t used = bsp_raw_ns(raw - c->slice_raw);
	uint64_t now = c->slice_start + used;
	kcheck(now <= bsp_clock_ns());   /* sched_slice_begin's rule */
	from->consumed_ns += used;
	c->slice_start = now;
	c->slice_raw = raw;
	to->state = TS_READY;
	c->current = to;
	sched_switch_to(c, to);
	trace_direct(c, now, event, from->id, to->id);
	arch_user_return(&to->regs);
}

#endif
