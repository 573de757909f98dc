/*
 * Every exception ends up here (entry.S). From user mode: system calls,
 * interrupts and faults of the current thread. From kernel mode only bugs
 * arrive, and they panic with the registers.
 */
#include "kernel/kernel.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/irq.h"
#include "kernel/fault.h"
#include "kernel/syscall.h"
#include "kernel/cpu.h"

static const char *const trap_names[] = { "svc", "irq", "undefined instruction", "prefetch abort", "data abort" };

static void report_regs(const struct arch_regs *r)
{
	for (unsigned i = 0; i < 12; i += 4)
		kprintf("  r%u %08x  r%u %08x  r%u %08x  r%u %08x\n", i, (unsigned)r->r[i], i + 1,
			(unsigned)r->r[i + 1], i + 2, (unsigned)r->r[i + 2], i + 3, (unsigned)r->r[i + 3]);
	kprintf("  r12 %08x  sp %08x  lr %08x  pc %08x  psr %08x\n", (unsigned)r->r[12], (unsigned)r->sp,
		(unsigned)r->lr, (unsigned)r->pc, (unsigned)r->cpsr);
}

void trap(struct arch_regs *r, unsigned kind)
{
	struct cpu *c = this_cpu();
	if ((r->cpsr & PSR_MODE_MASK) != PSR_USR) {
		kprintf("muon: cpu%u: %s in kernel mode (dfar %08x dfsr %03x)\n", c->id, trap_names[kind],
			(unsigned)arch_dfar(), (unsigned)arch_dfsr());
		report_regs(r);
		panic("kernel exception");
	}
	unsigned why = kind == TRAP_IRQ_N ? MU_LAT_IRQ : kind == TRAP_SVC_N ? MU_LAT_SYSCALL
									    : MU_LAT_FAULT;
	lat_begin(c, MU_LAT_OP(why, 0, kind)); /* MUON_LATENCY only (cpu.h) */
	struct thread *t = c->current;
	kassert(t && r == &t->regs);
	switch (kind) {
	case TRAP_SVC_N:
		c->current_syscall = t;
		syscall(t);
		c->current_syscall = NULL;
		if (t->migrate_to >= 0 && t->state == TS_READY)
			sched_ready(t);   /* moved during its own system call: it goes now */
		/*
		 * It goes on at once if schedule() would change nothing: it still
		 * runs here, nothing is pending (tick, requests, memory to free)
		 * and nobody ready outranks it (the running thread is not queued).
		 */
		if (c->current == t && t->state == TS_READY && !c->tick && !c->deferred &&
		    !__atomic_load_n(&c->drq_head, __ATOMIC_RELAXED) && rq_top_prio(&c->rq) <= (int)t->link.prio) {
			lat_end(c);
			arch_user_return(r);
		}
		break;
	case TRAP_IRQ_N:
		irq_dispatch();
		break;
	default:
		fault_raise(t, kind);
		break;
	}
	schedule();
}
