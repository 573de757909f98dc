/*
 * IRQ objects: a shared peripheral interrupt delivered as a notification to
 * the thread it is bound to. The kernel masks the line when it fires; the
 * thread unmasks it (MU_IRQ_UNMASK) once the device is served. A notification
 * that finds its thread busy stays pending until the thread next receives.
 */
#include "kernel.h"
#include "thread.h"
#include "cpu.h"
#include "gic.h"
#include "platform.h"
#include "bsp.h"

static struct irq *claimed[1020];   /* guarded by irq_lock */
static spinlock_t irq_lock;

struct irq *irq_create(struct factory *f, unsigned irq, int *err)
{
	*err = MU_EINVAL;
	if (irq < 32 || irq >= gic_lines() || irq >= ARRAY_SIZE(claimed) || irq == platform.timer_irq || irq == bsp_board.uart_irq)
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
	return q;
}

static void unqueue_fn(struct drq *r);

/* Take q off its thread's pending list: that thread's CPU owns the list. */
static void unqueue(struct irq *q)
{
	struct thread *t = q->bound;
	if (!t)
		return;
	if (t->cpu != this_cpu()->id) {
		struct drq r = { .fn = unqueue_fn, .arg = q };
		drq_call(t->cpu, &r);
		return;
	}
	if (!q->pending)
		return;
	struct irq **p = &t->irq_pending;
	while (*p && *p != q)
		p = &(*p)->next_pending;
	if (*p)
		*p = q->next_pending;
	q->pending = false;
}

static void unqueue_fn(struct drq *r)
{
	unqueue(r->arg);   /* forwards again if the thread moved meanwhile */
	drq_finish(r);
}

void irq_bind(struct irq *q, struct thread *th, uint32_t label)
{
	unqueue(q);
	if (q->bound)
		thread_put(q->bound);
	th->kref++;
	q->bound = th;
	q->label = label;
}

void irq_free(struct irq *q)
{
	struct factory *f = q->factory;
	gic_disable(q->irq);
	unqueue(q);
	if (q->bound)
		thread_put(q->bound);
	q->bound = NULL;   /* a notification still on its way finds nobody */
	spin_lock(&irq_lock);
	claimed[q->irq] = NULL;
	spin_unlock(&irq_lock);
	kmem_free_deferred(f, q);
	factory_put(f);
}

static void notify(struct thread *t, struct irq *q)
{
	t->utcb->mr[0] = q->irq;
	t->regs.r[0] = MU_OK;
	t->regs.r[1] = MU_TAG(MU_LABEL_IRQ, 1);
	t->regs.r[2] = q->label;
}

/* On the bound thread's CPU: notify it now, or when it next waits. */
static void notify_here(struct irq *q)
{
	struct thread *t = q->bound;
	if (!t || t->state == TS_DEAD)
		return;   /* nobody to tell: it stays masked */
	if (t->cpu != this_cpu()->id) {
		drq_post(t->cpu, &q->drq);   /* it moved on */
		return;
	}
	if (t->state == TS_RECV && !t->rcv_from) {
		notify(t, q);
		if (t->timeout)
			ipc_timeout_remove(t);
		sched_ready(t);
	} else if (!q->pending) {
		q->pending = true;
		q->next_pending = t->irq_pending;
		t->irq_pending = q;
	}
}

static void notify_fn(struct drq *r) { notify_here(container_of(r, struct irq, drq)); }

bool irq_fire(unsigned id)
{
	struct irq *q = id < ARRAY_SIZE(claimed) ? claimed[id] : NULL;
	if (!q)
		return false;
	gic_disable(id);   /* until the thread says the device is served */
	struct thread *t = q->bound;
	q->drq.fn = notify_fn;
	if (t && t->cpu != this_cpu()->id)
		drq_post(t->cpu, &q->drq);   /* its CPU tells it */
	else
		notify_here(q);
	return true;
}

bool irq_deliver_pending(struct thread *t)
{
	struct irq *q = t->irq_pending;
	if (!q)
		return false;
	t->irq_pending = q->next_pending;
	q->pending = false;
	notify(t, q);
	return true;
}
