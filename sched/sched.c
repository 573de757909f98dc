/*
 * The per-CPU scheduler: run the highest-priority ready thread of this CPU,
 * round robin among equals with a per-thread quantum, or sleep in WFI and
 * account the idle time. The timer is one-shot: it is set for the nearest of
 * the running thread's quantum end (only when an equal waits), the first IPC
 * timeout and a test wake-up. The kernel never runs with interrupts enabled:
 * an idle CPU waits in WFI with IRQs masked (a pending interrupt still wakes
 * it) and then polls the GIC.
 */
#include "kernel/kernel.h"
#include "sched/sched.h"
#include "kernel/thread.h"
#include "kernel/irq.h"
#include "kernel/ipc.h"
#include "kernel/cpu.h"
#include "bsp/bsp.h"
#include "arch/arm/mmu.h"
#include "arch/arm/timer.h"
#include "kernel/trace.h"
#include "muon/mark.h"
#include "sched/switch.h"

static void account(struct cpu *c, uint64_t now);

static void wake_fn(struct drq *r)
{
	struct thread *t = container_of(r, struct thread, wake_drq);
	__atomic_store_n(&t->wake_pending, false, __ATOMIC_RELEASE);
	sched_ready(t);
}

/*
 * t (ready, here) leaves for migrate_to, where a request makes it ready.
 * This CPU lets go of it first (queue, current); the new CPU is published
 * last, with release, so a CPU that reads it finds the thread in TS_READY,
 * out of every queue here, and migrate_to spent.
 */
static void migrate(struct cpu *c, struct thread *t)
{
	if (c->current == t) {
		account(c, bsp_clock_ns());
		c->current = NULL;
	}
	if (t->link.queued)
		rq_dequeue(&c->rq, &t->link);
	t->state = TS_READY;
	sched_count(t, -1);
	unsigned to = (unsigned)t->migrate_to;
	t->migrate_to = -1;
	t->has_move = false;   /* its byte in slow_only (thread.h), written with it */
	ipc_move(t, to);
	__atomic_store_n(&t->cpu, to, __ATOMIC_RELEASE);
	sched_count(t, 1);
	sched_ready(t);
}

/*
 * Make t ready on its CPU; another CPU gets a request, and preempts if t
 * outranks its thread. A dead thread stays dead. A move run_thread left
 * for later happens now, unless senders wait in t's queue here or t is
 * inside its own system call (trap() moves it when that is over).
 */
void sched_ready(struct thread *t)
{
	struct cpu *c = this_cpu();
	if (t->state == TS_DEAD)
		return;
	if (t->cpu != c->id) {
		if (__atomic_exchange_n(&t->wake_pending, true, __ATOMIC_ACQ_REL))
			return;   /* a request is on its way already */
		t->wake_drq.fn = wake_fn;
		drq_post(t->cpu, &t->wake_drq);
		return;
	}
	if (t->migrate_to >= 0 && (unsigned)t->migrate_to != c->id && !ipc_has_senders(t) && c->current_syscall != t) {
		migrate(c, t);
		return;
	}
	if ((unsigned)t->migrate_to == c->id) {
		t->migrate_to = -1;
		t->has_move = false;
	}
	kcheck(ipc_owned_by(t, c->id));
	t->state = TS_READY;
	if (c->current == t)
		return;   /* it has the CPU: the running thread is not queued (schedule()) */
	if (!t->link.queued) {
		rq_enqueue(&c->rq, &t->link);
		if (c->current && t->link.prio == c->current->link.prio)
			c->tick = true;   /* an equal now waits: the running thread needs a quantum timer */
	}
}

/*
 * A CPU counts the live threads on it and those on their way to it (d = -1
 * before a thread's cpu or migrate_to changes, +1 after): it may power off
 * only at 0 (cpu_power).
 */
void sched_count(struct thread *t, int d)
{
	if (t->state == TS_DEAD)
		return;
	__atomic_add_fetch(&cpus[t->cpu].nthreads, (uint32_t)d, __ATOMIC_RELEASE);
	if (t->migrate_to >= 0 && (unsigned)t->migrate_to != t->cpu)
		__atomic_add_fetch(&cpus[t->migrate_to].nthreads, (uint32_t)d, __ATOMIC_RELEASE);
}

/* t stops running until woken; it stays out of the ready queue. */
void sched_block(struct thread *t, uint8_t state)
{
	t->state = state;
	if (t->link.queued) {
		kcheck(t->cpu == this_cpu()->id);
		rq_dequeue(&this_cpu()->rq, &t->link);
	}
}

/* Charge the time since the last decision to the thread that had the CPU, if any. */
static void account(struct cpu *c, uint64_t now)
{
	if (c->current)
		sched_charge(c, c->current, now);
	else
		sched_slice_begin(c, now);
}

/* A thread of t's priority waits (t runs, so it is not queued itself). */
static bool has_equal(const struct cpu *c, const struct thread *t)
{
	const struct rq_link *head = &c->rq.head[t->link.prio];
	return head->next != head;
}

static inline __attribute__((always_inline)) void program_timer(struct cpu *c, const struct thread *t, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	if (t && has_equal(c, t))
		next = now + (uint64_t)sched_quantum_left(t);
	if (c->timeouts && c->timeouts->timeout < next)
		next = c->timeouts->timeout;
	if (c->test_deadline && c->test_deadline < next)
		next = c->test_deadline;
	if (c->pacer && c->pacer_next < next)
		next = c->pacer_next;
	if (next == c->deadline)
		return;
	c->deadline = next;
	arch_timer_oneshot_ns(next > now ? next - now : 0);   /* UINT64_MAX: the longest, 1 s (sched_slice_begin) */
}

void sched_cpu_init(struct cpu *c, uint64_t now)
{
	rq_init(&c->rq);
	sched_slice_begin(c, now);
}

/* The timer fired: wake timed-out waiters; schedule() rotates an expired quantum. */
void sched_timer(void)
{
	struct cpu *c = this_cpu();
	uint64_t now = bsp_clock_ns();
	arch_timer_ack();
	c->timer_irqs++;
	c->deadline = 0;
	c->tick = true;   /* schedule() charges time and rotates an expired quantum */
	if (c->test_deadline && c->test_deadline <= now)
		c->test_deadline = 0;
	ipc_timeouts(now);
	irq_pace(now);
	arch_sev();   /* the boot tests wait for timer counts in WFE */
}

/*
 * A new timeout may be nearer than what the timer is set for. The running
 * thread may go on (a sender from another CPU queued here): tick makes the
 * next schedule() set the timer even then.
 */
void sched_timer_update(void)
{
	struct cpu *c = this_cpu();
	if (c->timeouts && c->timeouts->timeout < c->deadline) {
		c->deadline = 1;   /* differs from anything program_timer computes: reprogram */
		c->tick = true;
	}
}

/*
 * Lazy queues: the running thread (current, TS_READY) is not in the ready
 * queue. It goes back in only when it loses the CPU while still ready:
 * at the head of its priority when a higher one preempts it (it keeps its
 * turn), at the tail when its quantum is spent and an equal waits. A thread
 * that blocks while running never touches the queue, and the thread that
 * gets the CPU leaves it.
 */
void schedule(void)
{
	struct cpu *c = this_cpu();
	kcheck(!c->obj_busy && !c->current_syscall);
	for (;;) {
		if (__atomic_load_n(&c->drq_head, __ATOMIC_RELAXED))
			drq_run();   /* one missed here has its SGI pending: WFI returns at once */
		defer_flush();
		struct thread *cur = c->current;
		bool run = cur && cur->state == TS_READY;
		int top = rq_top_prio(&c->rq);
		/*
		 * The same thread goes on: its quantum is still on the timer and its
		 * time is charged at the next switch or timer interrupt. No clock read.
		 */
		if (run && !c->tick && top <= (int)cur->link.prio) {
			lat_end(c);
			arch_user_return(&cur->regs);
		}
		c->tick = false;
		uint64_t now = bsp_clock_inline();
		account(c, now);
		if (run && !sched_quantum_left(cur)) {
			cur->quantum_end = cur->consumed_ns + cur->quantum_ns;   /* round robin: behind its equals */
			if (top >= (int)cur->link.prio) {
				rq_enqueue(&c->rq, &cur->link);
				run = false;
			}
		}
		if (run && top > (int)cur->link.prio) {
			rq_enqueue_head(&c->rq, &cur->link);   /* preempted: it keeps its turn */
			run = false;
		}
		struct thread *t = run ? cur : NULL;
		if (!t && top >= 0) {   /* still the highest: cur went back in at or below it */
			t = container_of(c->rq.head[top].next, struct thread, link);
			rq_dequeue(&c->rq, &t->link);
		}
		if (t) {
			kcheck(t->state == TS_READY && t->cpu == c->id && ipc_owned_by(t, c->id) && !t->link.queued);
			if (t != cur) {
				sched_switch_to(c, t);
				trace_switch(now, t->id);
			}
			c->current = t;
			program_timer(c, t, now);
			lat_end(c);
			arch_user_return(&t->regs);
		}
		kcheck(!c->rq.count);   /* nothing queued that rq_top_prio cannot see */
		c->current = NULL;
		trace_switch(now, 0);
		if (c->going_off)
			cpu_off(c);
		program_timer(c, NULL, now);
		__atomic_store_n(&c->idle_since, now, __ATOMIC_RELEASE);
		lat_end(c);
		arch_wfi();
		lat_begin(c, MU_LAT_OP(MU_LAT_IDLE, 0, 0));
		MU_MARK(MU_MARK_WAKE);
		cpu_idle_end(c);   /* the slice goes on: records until the decision above take their time from it */
		c->woke_from = now;   /* irq_pace: a period that fell due meanwhile was slept through */
		c->slept_after = cur;   /* or fell due while that thread went to sleep */
		irq_dispatch();
		c->woke_from = 0;
	}
}

static void move_fn(struct drq *r)
{
	sched_move(r->arg, r->a, (uint8_t)r->b, r->c);
	drq_finish(r);
}

/*
 * run_thread's mechanism: new priority and quantum, and CPU `cpu` from now
 * on. The thread's own CPU does it. A ready thread leaves at once; a
 * blocked one when it is next woken (its IPC state lives here until then),
 * one with senders in its queue when they are served, one inside its own
 * system call when that is over (sched_ready).
 */
void sched_move(struct thread *t, unsigned cpu, uint8_t prio, uint32_t quantum_ns)
{
	struct cpu *c = this_cpu();
	if (t->cpu != c->id) {
		struct drq r = { .fn = move_fn, .arg = t, .a = cpu, .b = prio, .c = quantum_ns };
		drq_call(t->cpu, &r);
		return;
	}
	if (t->state == TS_DEAD)
		return;
	if (cpu != c->id)
		trace(MU_TRACE_MIGRATE, t->id, c->id << 8 | cpu);
	bool ready = t->link.queued || (c->current == t && t->state == TS_READY);
	if (t->link.queued)
		rq_dequeue(&c->rq, &t->link);   /* to requeue at its new priority */
	if (c->current == t)
		c->tick = true;   /* its priority changed: decide again */
	sched_count(t, -1);
	t->link.prio = prio;
	t->quantum_ns = quantum_ns;
	t->quantum_end = t->consumed_ns + quantum_ns;   /* a running thread's slice so far counts against it */
	if (t->state == TS_STOPPED) {
		t->cpu = ipc_move(t, cpu);
	} else {
		t->migrate_to = (int)cpu;
		t->has_move = true;
	}
	sched_count(t, 1);
	if (ready)
		sched_ready(t);
}
