/*
 * Cross-CPU requests, the object lock, and grace periods: see cpu.h and
 * docs/smp.md ("Waits").
 *
 * A CPU runs requests at two depths. At the top (schedule(), the grace
 * period's own wait), where it holds nothing, it runs every request in
 * order. Inside a wait (obj_lock, drq_call) it is in the middle of an
 * operation: there it runs only synchronous requests (drq_call's), whose
 * posters wait for them and may hold the object lock this CPU waits for.
 * Everything else (IPC sends, replies, completions, wake-ups,
 * notifications, grace periods) waits for the top, so no request served in
 * a wait can rendezvous with, wake, or free what the waiter holds.
 *
 * A grace period is two rounds of a no-op request to every other online
 * CPU, each run at the top: the first lets every CPU finish the operation
 * it was in, the second runs after every request that operation posted
 * (queues are FIFO, and a request about a dead object is dropped, never
 * forwarded). Then no CPU holds or has queued a pointer taken before. It
 * runs on its own, nobody waits for it: the CPU that runs a round's last
 * no-op starts the next round, the second round's last posts the freeing
 * back to the CPU whose memory it is, which runs it at its top after
 * everything queued there before (issue 15: a wait for other CPUs' tops
 * with interrupts off lasted as long as their longest paths, twice).
 */
#include "kernel/kernel.h"
#include "kernel/cpu.h"
#include "kernel/factory.h"
#include "kernel/kmem.h"
#include "kernel/page.h"
#include "kernel/trace.h"
#include "muon/mark.h"
static spinlock_t obj_spin;

/* false: the CPU is offline, r is done without running */
static bool post(unsigned cpu, struct drq *r, bool sync)
{
	struct cpu *c = &cpus[cpu];
	r->done = 0;
	r->next = NULL;
	r->sync = sync;
	bool self = c == this_cpu();
	if (self && sync) {
		r->fn(r);
		return true;
	}
	/*
	 * An asynchronous request to this CPU waits in its queue for the top,
	 * like anyone else's: run here and now it would nest inside the
	 * operation that posted it (a send following its receiver here, inside
	 * a system call that holds the object lock, took the lock again).
	 */
	trace(MU_TRACE_DRQ, cpu, (uint32_t)r->fn);
	spin_lock(&c->drq_lock);
	if (!c->online) {
		/* Offline: it holds nothing of ours and powers up clean (cpu_off). */
		spin_unlock(&c->drq_lock);
		r->done = 1;
		return false;
	}
	if (c->drq_tail)
		c->drq_tail->next = r;
	else
		c->drq_head = r;
	c->drq_tail = r;
	c->stat[MU_CPUSTAT_REQUESTS] += !self;
	spin_unlock(&c->drq_lock);
	if (!self)
		smp_send(cpu, SGI_DRQ);
	return true;
}

void drq_post(unsigned cpu, struct drq *r) { post(cpu, r, r->sync); }

/* Unlink *p (under drq_lock); prev is the request before it, or NULL. */
static struct drq *take(struct cpu *c, struct drq **p, struct drq *prev)
{
	struct drq *r = *p;
	*p = r->next;
	if (c->drq_tail == r)
		c->drq_tail = prev;
	return r;
}

/* The first request this depth may run, taken off the queue; NULL: none. */
static struct drq *next_request(struct cpu *c, bool top)
{
	if (!__atomic_load_n(&c->drq_head, __ATOMIC_ACQUIRE))
		return NULL;
	struct drq *r = NULL, *prev = NULL;
	spin_lock(&c->drq_lock);
	for (struct drq **p = &c->drq_head; *p; prev = *p, p = &(*p)->next)
		if (top || (*p)->sync) {
			r = take(c, p, prev);
			break;
		}
	spin_unlock(&c->drq_lock);
	return r;
}

static void serve(bool top)
{
	struct cpu *c = this_cpu();
	kcheck(top ? !c->obj_held : true);
	for (struct drq *r; (r = next_request(c, top));) {
		MU_MARK(MU_MARK_DRQ_BEGIN);
		r->fn(r);
		MU_MARK(MU_MARK_DRQ_END);
	}
}

void drq_run(void) { serve(true); }
void drq_wait(void) { serve(false); }

void drq_unqueue(struct drq *r)
{
	struct cpu *c = this_cpu();
	struct drq *prev = NULL;
	spin_lock(&c->drq_lock);
	for (struct drq **p = &c->drq_head; *p; prev = *p, p = &(*p)->next)
		if (*p == r) {
			take(c, p, prev);
			break;
		}
	spin_unlock(&c->drq_lock);
}

/* Handlers of synchronous requests end with this. */
void drq_finish(struct drq *r)
{
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	arch_sev();
}

void drq_call(unsigned cpu, struct drq *r)
{
	post(cpu, r, true);
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		drq_wait();
		arch_wfe();   /* drq_post and drq_finish send events */
	}
}

/* A CPU's grace period under way: see the top of this file. */
static struct grace {
	void *list;                        /* owned by its CPU: the memory it frees; NULL: none under way */
	void *next;                        /* owned by its CPU: what it freed meanwhile, for its next period */
	uint32_t left;                     /* atomic: this round's no-ops still to run, and 1 while it is posted */
	uint8_t round;                     /* written by whoever runs the last no-op of a round */
	struct drq nop[MUON_MAX_CPUS], back;
} grace[MUON_MAX_CPUS];

static void round_start(struct grace *g, unsigned owner);

static void free_list(struct grace *g)
{
	for (void *p = g->list, *next; p; p = next) {
		next = *(void **)p;
		page_free(p);
	}
	g->list = NULL;
}

static void round_end(struct grace *g, unsigned owner)
{
	if (g->round++ == 0)
		round_start(g, owner);
	else if (!post(owner, &g->back, false))
		free_list(g);   /* the owner went off meanwhile: nothing of it is left to wait for */
}

static void nop_fn(struct drq *r)
{
	struct grace *g = r->arg;
	unsigned owner = r->a;   /* r is reused by the next round once the count reaches 0 */
	if (__atomic_sub_fetch(&g->left, 1, __ATOMIC_ACQ_REL) == 0)
		round_end(g, owner);
}

static void round_start(struct grace *g, unsigned owner)
{
	__atomic_store_n(&g->left, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < ncpus_present; i++) {
		if (i == owner)
			continue;
		g->nop[i] = (struct drq){ .fn = nop_fn, .arg = g, .a = owner };
		__atomic_add_fetch(&g->left, 1, __ATOMIC_RELAXED);
		if (!post(i, &g->nop[i], false))
			__atomic_sub_fetch(&g->left, 1, __ATOMIC_RELAXED);   /* offline: it holds nothing */
	}
	if (__atomic_sub_fetch(&g->left, 1, __ATOMIC_ACQ_REL) == 0)
		round_end(g, owner);
}

/* At the owner's top, after the second round: free, and start the next period. */
static void back_fn(struct drq *r)
{
	kcheck(((struct grace *)r->arg)->round == 2 && r->arg == &grace[this_cpu()->id]);
	free_list(r->arg);
	defer_flush();
}

/*
 * A ticket lock (first come, first served: a CPU cannot be starved by others
 * that keep taking it) whose waiters keep serving synchronous requests, so
 * that the holder may wait for a request to this CPU without a deadlock.
 * It is taken only at the start of an operation, before the operation has
 * looked at anything a request could change; what the operation then reads
 * it reads under the lock (docs/smp.md).
 */
void obj_lock(void)
{
	struct cpu *c = this_cpu();
	kcheck(!c->obj_held);
	c->obj_busy = true;
	uint16_t me = __atomic_fetch_add(&obj_spin.next, 1, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&obj_spin.owner, __ATOMIC_ACQUIRE) != me) {
		drq_wait();
		arch_wfe();   /* obj_unlock and drq_post send events */
	}
	MU_MARK(MU_MARK_LOCKED);   /* a hold begins (insnprof, docs/benchmarks.md) */
	c->obj_held = true;
#if MUON_LATENCY
	c->lock_start = cpu_now();
#endif
}

void obj_unlock(void)
{
	struct cpu *c = this_cpu();
	kcheck(c->obj_held);
#if MUON_LATENCY
	stat_max(c, MU_CPUSTAT_LOCK_MAX, cpu_now() - c->lock_start, c->lat_op);
#endif
	c->obj_held = false;
	c->obj_busy = false;
	MU_MARK(MU_MARK_UNLOCK);
	spin_unlock(&obj_spin);
}

#if MUON_KDEBUG
void obj_lock_state(unsigned *next, unsigned *owner)
{
	*next = obj_spin.next;
	*owner = obj_spin.owner;
}
#endif

/*
 * c->deferred is what waits for this CPU to start a period (at its top);
 * what is freed while its period is under way waits in the period's next,
 * so that the IPC fast path (which leaves c->deferred to the top) goes on
 * meanwhile: a period ends when the other CPUs have passed their tops,
 * whenever that is (under icount, when QEMU's round robin runs them).
 */
void defer_free(void *p)
{
	struct cpu *c = this_cpu();
	void **head = grace[c->id].list ? &grace[c->id].next : &c->deferred;
	*(void **)p = *head;
	*head = p;
}

void kmem_free_deferred(struct factory *f, void *p)
{
	kmem_refund(f, PAGE_SIZE);
	defer_free(p);
}

void defer_flush(void)
{
	struct cpu *c = this_cpu();
	struct grace *g = &grace[c->id];
	if (g->list || !(c->deferred || g->next))
		return;   /* the period under way takes it next (back_fn), or nothing */
	void **tail = &g->next;
	while (*tail)
		tail = (void **)*tail;
	*tail = c->deferred;
	g->list = g->next;
	g->next = c->deferred = NULL;
	g->round = 0;
	g->back = (struct drq){ .fn = back_fn, .arg = g };
	round_start(g, c->id);
}

static void flush_fn(struct drq *r)
{
	this_cpu()->stat[MU_CPUSTAT_TLB_SERVED]++;
	arch_tlb_flush_asid(r->a);
	arch_dsb();
	drq_finish(r);
}

void tlb_shootdown(unsigned asid)
{
	this_cpu()->stat[MU_CPUSTAT_TLB_SENT]++;   /* broadcast by the invalidation itself, or requests */
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
