/*
 * The per-CPU scheduler: run the highest-priority ready thread of this CPU,
 * or sleep in WFI and account the idle time. The kernel itself never runs
 * with interrupts enabled: an idle CPU waits in WFI with IRQs masked (a pending
 * interrupt still wakes it) and then polls the GIC.
 */
#include "kernel.h"
#include "thread.h"
#include "cpu.h"
#include "bsp.h"
#include "mmu.h"

/* The address space (if it changes), and the user thread registers: TLS pointer and UTCB. */
static void switch_to(struct cpu *c, struct thread *t)
{
	if (c->space != t->task) {
		arch_switch_space(va_to_pa((uintptr_t)t->task->l1), t->task->asid);
		c->space = t->task;
	}
	arch_set_user_tp(t->tls, t->utcb_va);
}

void sched_ready(struct thread *t)
{
	struct cpu *c = this_cpu();
	kassert(t->cpu == c->id);
	t->state = TS_READY;
	if (!t->link.queued)
		rq_enqueue(&c->rq, &t->link);
}

/* t stops running until woken; it stays out of the ready queue. */
void sched_block(struct thread *t, uint8_t state)
{
	t->state = state;
	if (t->link.queued)
		rq_dequeue(&cpus[t->cpu].rq, &t->link);
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		struct rq_link *l = rq_pick(&c->rq);
		if (l) {
			struct thread *t = container_of(l, struct thread, link);
			if (t != c->current)
				switch_to(c, t);
			c->current = t;
			t->state = TS_READY;
			arch_user_return(&t->regs);
		}
		c->current = NULL;
		uint64_t t0 = bsp_clock_ns();
		arch_wfi();
		c->idle_ns += bsp_clock_ns() - t0;
		irq_dispatch();
	}
}
