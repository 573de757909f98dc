/*
 * IRQ objects: a shared peripheral interrupt delivered as a notification to
 * the thread it is bound to. The kernel masks the line when it fires; the
 * thread unmasks it (MU_IRQ_UNMASK) once the device is served. A notification
 * that finds its thread busy stays pending until the thread next receives.
 * MU_IRQ_TIMER objects are the same, fired by a CPU's own timer every period.
 */
#include "kernel/kernel.h"
#include "kernel/obj.h"
#include "kernel/factory.h"
#include "kernel/kmem.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/irq.h"
#include "kernel/ipc.h"
#include "kernel/cpu.h"
#include "arch/arm/gic.h"
#include "kernel/platform.h"
#include "bsp/bsp.h"
#include "muon/mark.h"

static struct irq *claimed[1020];   /* guarded by irq_lock */
static spinlock_t irq_lock;

struct irq *irq_create(struct factory *f, unsigned irq, uint32_t period_us, int *err)
{
	*err = MU_EINVAL;
	if (irq == MU_IRQ_TIMER) {
		if (period_us < 100 || period_us > 1000000)
			return NULL;
		struct irq *q = kmem_alloc(f, 1);
		*err = MU_ENOMEM;
		if (!q)
			return NULL;
		obj_init(&q->hdr, OBJ_IRQ, &q->factory, f);
		q->irq = irq;
		q->period_ns = period_us * 1000u;
		q->cpu = -1;
		q->masked = true;
		return q;
	}
	bool console = irq == MU_IRQ_CONSOLE && bsp_board.uart_irq;   /* the console keeps its line enabled */
	if (console)
		irq = bsp_board.uart_irq;
	else if (irq < 32 || irq >= gic_lines() || irq >= ARRAY_SIZE(claimed) || irq == platform.timer_irq ||
		 irq == bsp_board.uart_irq)
		return NULL;
	struct irq *q = kmem_alloc(f, 1);
	*err = MU_ENOMEM;
	if (!q)
		return NULL;
	spin_lock(&irq_lock);
	bool busy = claimed[irq] != NULL;
	if (!busy)
		claimed[irq] = q;
	spin_unlock(&irq_lock);
	if (busy) {
		kmem_free(f, q, 1);
		*err = MU_EBUSY;
		return NULL;
	}
	obj_init(&q->hdr, OBJ_IRQ, &q->factory, f);
	q->irq = irq;
	q->masked = false;
	return q;
}

static void unqueue_fn(struct drq *r);

/*
 * Take q off thread t's pending list (t's CPU owns it), after q's binding
 * changed: a notification still on its way follows the new binding. One t
 * had not received yet is dropped, and with `again` the line is unmasked,
 * so that the next one (a device still asserting it, the next period)
 * reaches the new thread instead of the line staying masked for good.
 */
static void unqueue(struct irq *q, struct thread *t, bool again)
{
	if (!t)
		return;
	if (t->cpu != this_cpu()->id) {
		struct drq r = { .fn = unqueue_fn, .arg = q, .a = (uintptr_t)t, .b = again };
		drq_call(t->cpu, &r);
		return;
	}
	struct irq **p = &t->irq_pending;
	while (*p && *p != q)
		p = &(*p)->next_pending;
	if (!*p)
		return;
	*p = q->next_pending;
	q->pending = false;
	if (again)
		irq_unmask(q);
}

static void unqueue_fn(struct drq *r)
{
	unqueue(r->arg, (struct thread *)(uintptr_t)r->a, r->b);   /* forwards again if t moved meanwhile */
	drq_finish(r);
}

void irq_bind(struct irq *q, struct thread *th, uint32_t label)
{
	struct thread *old = q->bound;
	th->kref++;
	binding_set(&q->binding, th, label);
	unqueue(q, old, true);
	if (old)
		thread_put(old);
}

static void unpace_fn(struct drq *r)
{
	if (this_cpu()->pacer == r->arg)
		this_cpu()->pacer = NULL;
	drq_finish(r);
}

void irq_free(struct irq *q)
{
	struct factory *f = q->factory;
	if (q->irq == MU_IRQ_TIMER) {
		if (q->cpu >= 0) {   /* its CPU stops pacing it before it goes */
			struct drq r = { .fn = unpace_fn, .arg = q };
			drq_call((unsigned)q->cpu, &r);
		}
	} else if (q->irq != bsp_board.uart_irq) {
		gic_disable(q->irq);
	}
	struct thread *old = q->bound;
	binding_set(&q->binding, NULL, 0);   /* a notification still on its way finds nobody */
	unqueue(q, old, false);
	if (old)
		thread_put(old);
	if (q->irq != MU_IRQ_TIMER) {
		spin_lock(&irq_lock);
		claimed[q->irq] = NULL;
		spin_unlock(&irq_lock);
	}
	kmem_free_deferred(f, q);
	factory_put(f);
}

static void notify(struct thread *t, struct irq *q, uint32_t label)
{
	t->utcb->mr[0] = q->irq;
	t->utcb->mr[1] = q->report;
	t->utcb->mr[2] = q->slept;
	t->regs.r[0] = MU_OK;
	t->regs.r[1] = MU_TAG(MU_LABEL_IRQ, 3);
	t->regs.r[2] = label;
}

/* On the bound thread's CPU: notify it now, or when it next waits. */
static void notify_here(struct irq *q)
{
	uint32_t label;
	struct thread *t = binding_get(&q->binding, &label);
	if (!t || t->state == TS_DEAD)
		return;   /* nobody to tell: it stays masked */
	if (t->cpu != this_cpu()->id) {
		drq_post(t->cpu, &q->drq);   /* it moved on */
		return;
	}
	if (t->state == TS_RECV && !t->rcv_from) {
		notify(t, q, label);
		if (t->timeout)
			ipc_timeout_remove(t);
		sched_ready(t);
	} else if (!q->pending) {
		q->pending = true;
		q->pending_label = label;   /* a rebind before t receives it must not relabel it */
		q->next_pending = t->irq_pending;
		t->irq_pending = q;
	}
}

static void notify_fn(struct drq *r) { notify_here(container_of(r, struct irq, drq)); }

static void deliver(struct irq *q)
{
	struct thread *t = q->bound;
	q->drq.fn = notify_fn;
	if (t && t->cpu != this_cpu()->id)
		drq_post(t->cpu, &q->drq);   /* its CPU tells it */
	else
		notify_here(q);
}

bool irq_fire(unsigned id)
{
	struct irq *q = id < ARRAY_SIZE(claimed) ? claimed[id] : NULL;
	if (!q)
		return false;
	gic_disable(id);   /* until the thread says the device is served */
	deliver(q);
	return true;
}

/*
 * Console input arrived (console_irq): tell the thread of the MU_IRQ_CONSOLE
 * object, once until it unmasks. The line itself stays enabled, so the
 * kernel keeps draining the UART meanwhile.
 */
void irq_signal(unsigned id)
{
	struct irq *q = id < ARRAY_SIZE(claimed) ? claimed[id] : NULL;
	if (q && !__atomic_exchange_n(&q->masked, true, __ATOMIC_ACQ_REL))
		deliver(q);
}

/* Whether t, what ran on this CPU when a period of own's timer fell due, kept own from running. */
static bool in_the_way(const struct thread *t, const struct thread *own)
{
	return t && t != own && __atomic_load_n(&t->link.prio, __ATOMIC_RELAXED) >= __atomic_load_n(&own->link.prio, __ATOMIC_RELAXED);
}

/* A period of this CPU's timer IRQ object is over: notify, or count it missed while masked. */
void irq_pace(uint64_t now)
{
	struct cpu *c = this_cpu();
	struct irq *q = c->pacer;
	if (!q || now < c->pacer_next)
		return;
	uint32_t late = (uint32_t)((now - c->pacer_next) / q->period_ns); /* whole periods passed unseen */
	/*
	 * Nothing on this CPU stood in the way of the first of these periods:
	 * it fell due while the CPU slept in WFI, or ran the paced thread or one
	 * it outranks (which the interrupt preempts at once in user mode; a
	 * kernel path that ran then is bounded, docs/smp.md). However late they
	 * are, the hardware made them so (an emulator's host not running the
	 * vCPU), or the paced thread's own work, which it can tell itself.
	 */
	struct thread *own = __atomic_load_n(&q->bound, __ATOMIC_RELAXED); /* freed only after a grace period */
	bool slept = own && (c->woke_from ? c->woke_from <= c->pacer_next || !in_the_way(c->slept_after, own)
					  : !in_the_way(c->current, own));
	c->pacer_next += (uint64_t)(late + 1) * q->period_ns;
	if (__atomic_load_n(&q->masked, __ATOMIC_ACQUIRE)) {
		q->missed += late + 1;
		q->missed_slept += slept ? late + 1 : 0;
		return;
	}
	q->report = q->missed + late;
	q->slept = slept ? q->missed_slept + late + 1 : 0;   /* a count: if this one stood in the way, none */
	q->missed = q->missed_slept = 0;
	MU_MARK(MU_MARK_PACE);
	__atomic_store_n(&q->masked, true, __ATOMIC_RELEASE);
	deliver(q);
}

/*
 * Timer objects start pacing the CPU that first unmasks them. Once one
 * paces, unmasking is a store of its flag and needs no object lock (the
 * modem's TTI thread does it every period: it must never wait for another
 * CPU's hold); the rest needs it: IPC_NEED_LOCK without it.
 */
int irq_unmask(struct irq *q)
{
	if (q->irq == MU_IRQ_TIMER && __atomic_load_n(&q->cpu, __ATOMIC_RELAXED) >= 0) {
		__atomic_store_n(&q->masked, false, __ATOMIC_RELEASE);
		return MU_OK;
	}
	if (!obj_held())
		return IPC_NEED_LOCK;
	if (q->irq != MU_IRQ_TIMER) {
		__atomic_store_n(&q->masked, false, __ATOMIC_RELEASE);   /* irq_signal's flag */
		gic_enable(q->irq);
		return MU_OK;
	}
	struct cpu *c = this_cpu();
	if (q->cpu < 0) {
		if (c->pacer)
			return MU_EBUSY;   /* one per CPU */
		__atomic_store_n(&q->cpu, (int)c->id, __ATOMIC_RELAXED);
		c->pacer_next = bsp_clock_ns() + q->period_ns;
		c->pacer = q;
		c->deadline = 1;   /* program_timer looks again, */
		c->tick = true;    /* at the next schedule() even if the caller runs on */
	}
	__atomic_store_n(&q->masked, false, __ATOMIC_RELEASE);
	return MU_OK;
}

bool irq_deliver_pending(struct thread *t)
{
	struct irq *q = t->irq_pending;
	if (!q)
		return false;
	t->irq_pending = q->next_pending;
	q->pending = false;
	notify(t, q, q->pending_label);
	return true;
}
