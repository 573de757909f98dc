/*
 * Cross-CPU requests, the object lock, and grace periods: see cpu.h. A grace
 * period is one synchronous no-op request to every other online CPU: a CPU
 * runs requests only between kernel operations, so once each has run one,
 * none still holds a pointer it took before.
 */
#include "kernel.h"
#include "cpu.h"
#include "thread.h"
#include "page.h"
#include "trace.h"

static spinlock_t obj_spin;

void drq_post(unsigned cpu, struct drq *r)
{
	struct cpu *c = &cpus[cpu];
	r->done = 0;
	r->next = NULL;
	if (c == this_cpu()) {
		r->fn(r);
		return;
	}
	trace(MU_TRACE_DRQ, cpu, (uint32_t)r->fn);
	spin_lock(&c->drq_lock);
	if (!c->online) {
		/* Offline: it holds nothing of ours and powers up clean (cpu_off). */
		spin_unlock(&c->drq_lock);
		r->done = 1;
		return;
	}
	if (c->drq_tail)
		c->drq_tail->next = r;
	else
		c->drq_head = r;
	c->drq_tail = r;
	spin_unlock(&c->drq_lock);
	smp_send(cpu, SGI_DRQ);
}

void drq_run(void)
{
	struct cpu *c = this_cpu();
	while (__atomic_load_n(&c->drq_head, __ATOMIC_ACQUIRE)) {
		spin_lock(&c->drq_lock);
		struct drq *r = c->drq_head;
		c->drq_head = r->next;
		if (!c->drq_head)
			c->drq_tail = NULL;
		spin_unlock(&c->drq_lock);
		r->fn(r);
	}
}

/* Handlers of synchronous requests end with this. */
void drq_finish(struct drq *r)
{
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	arch_sev();
}

void drq_call(unsigned cpu, struct drq *r)
{
	drq_post(cpu, r);
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		drq_run();
		arch_wfe();   /* drq_post and drq_finish send events */
	}
}

static void nop_fn(struct drq *r) { drq_finish(r); }

void drq_sync_all(void)
{
	struct drq r[MUON_MAX_CPUS];
	unsigned me = this_cpu()->id;
	for (unsigned i = 0; i < ncpus_present; i++)
		if (i != me && cpus[i].online) {
			r[i].fn = nop_fn;
			drq_post(i, &r[i]);
		}
	for (unsigned i = 0; i < ncpus_present; i++)
		if (i != me && cpus[i].online)
			while (!__atomic_load_n(&r[i].done, __ATOMIC_ACQUIRE)) {
				drq_run();
				arch_wfe();
			}
}

/*
 * A ticket lock (first come, first served: a CPU cannot be starved by others
 * that keep taking it) whose waiters keep serving requests, so that the
 * holder may wait for a request to this CPU without a deadlock. A request that
 * itself needs the lock must not run on a CPU that holds it or waits for it
 * (it would wait for itself): it is put aside with drq_defer and runs after
 * obj_unlock, at this CPU's next drq_run.
 */
void obj_lock(void)
{
	this_cpu()->obj_busy = true;
	uint16_t me = __atomic_fetch_add(&obj_spin.next, 1, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&obj_spin.owner, __ATOMIC_ACQUIRE) != me) {
		drq_run();
		arch_wfe();   /* obj_unlock and drq_post send events */
	}
}

void obj_unlock(void)
{
	struct cpu *c = this_cpu();
	spin_unlock(&obj_spin);
	c->obj_busy = false;
	if (!c->drq_later)
		return;
	struct drq *last = c->drq_later;
	while (last->next)
		last = last->next;
	spin_lock(&c->drq_lock);
	last->next = c->drq_head;
	if (!c->drq_head)
		c->drq_tail = last;
	c->drq_head = c->drq_later;
	spin_unlock(&c->drq_lock);
	c->drq_later = NULL;
}

bool drq_defer(struct drq *r)
{
	struct cpu *c = this_cpu();
	if (!c->obj_busy)
		return false;
	struct drq **p = &c->drq_later;
	while (*p)
		p = &(*p)->next;
	r->next = NULL;
	*p = r;
	return true;
}

void drq_undefer(struct drq *r)
{
	struct drq **p = &this_cpu()->drq_later;
	while (*p && *p != r)
		p = &(*p)->next;
	if (*p)
		*p = r->next;
}

void defer_free(void *p)
{
	struct cpu *c = this_cpu();
	*(void **)p = c->deferred;
	c->deferred = p;
}

void kmem_free_deferred(struct factory *f, void *p)
{
	kmem_refund(f, PAGE_SIZE);
	defer_free(p);
}

void defer_flush(void)
{
	struct cpu *c = this_cpu();
	if (!c->deferred)
		return;
	drq_sync_all();
	while (c->deferred) {
		void *p = c->deferred;
		c->deferred = *(void **)p;
		page_free(p);
	}
}

static void flush_fn(struct drq *r)
{
	arch_tlb_flush_asid(r->a);
	arch_dsb();
	drq_finish(r);
}

void tlb_shootdown(unsigned asid)
{
	if (ARCH_TLB_BROADCAST)
		return;
	unsigned me = this_cpu()->id;
	for (unsigned i = 0; i < ncpus_present; i++) {
		if (i == me || !cpus[i].online)
			continue;
		struct drq r = { .fn = flush_fn, .a = asid };
		drq_call(i, &r);
	}
}
