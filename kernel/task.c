/*
 * Tasks, threads and IPC gates: creation out of a factory's quota, and
 * destruction when the last capability goes (obj_release). A task's user
 * pages and page tables are charged to its factory too, so destroying it
 * returns every byte.
 */
#include "kernel/kernel.h"
#include "kernel/obj.h"
#include "kernel/factory.h"
#include "kernel/kmem.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "sched/sched.h"
#include "kernel/gate.h"
#include "kernel/irq.h"
#include "kernel/ipc.h"
#include "arch/arm/mmu.h"
#include "kernel/page.h"
#include "kernel/cpu.h"
#include "kernel/map.h"
#include "kernel/kdb.h"

static void thread_free(struct thread *th);
static struct task *dead_tasks;   /* under obj_lock: linked through next_dead */

static void *table_alloc(void *f) { return kmem_alloc(f, 1); }
static void table_free(void *p, void *f) { kmem_free(f, p, 1); }
static struct mmu_alloc task_alloc(struct task *t)
{
	return (struct mmu_alloc){ table_alloc, table_free, t->factory };
}

struct task *task_create(struct factory *f, const char *name)
{
	_Static_assert(sizeof(struct task) <= PAGE_SIZE, "task fits a page");
	struct task *t = kmem_alloc(f, 1);
	if (!t)
		return NULL;
	t->l1 = kmem_alloc(f, 2);
	t->shadow_dir = kmem_alloc(f, 1);
	t->asid_ctx = ASID_NONE;   /* a tag when it first runs (asid.c) */
	if (!t->l1 || !t->shadow_dir) {
		if (t->l1)
			kmem_free(f, t->l1, 2);
		if (t->shadow_dir)
			kmem_free(f, t->shadow_dir, 1);
		kmem_free(f, t, 1);
		return NULL;
	}
	t->l1_pa = (uint32_t)va_to_pa((uintptr_t)t->l1);
	obj_init(&t->hdr, OBJ_TASK, &t->factory, f);
	t->name = name;
	cap_table_init(&t->caps, t->slots, MU_CAP_SLOTS, obj_release, NULL);
	return t;
}

int map_fresh_pages(struct task *t, uintptr_t va, unsigned n, unsigned prot)
{
	for (unsigned i = 0; i < n; i++, va += PAGE_SIZE)
		if (map_fresh(t, va, prot) != MU_OK)
			return -1;
	return 0;
}

/* No CPU may keep walking (or caching) a table that is about to be freed. */
static void leave_fn(struct drq *r)
{
	struct task *t = r->arg;
	struct cpu *c = this_cpu();
	arch_leave_space(t->l1_pa);
	if (c->space == t)
		c->space = NULL;
	arch_tlb_flush_asid(task_asid(t));
	drq_finish(r);
}

static void leave_space_everywhere(struct task *t)
{
	for (unsigned i = 0; i < ncpus_present; i++) {
		if (!cpus[i].online)
			continue;
		struct drq r = { .fn = leave_fn, .arg = t };
		drq_call(i, &r);
	}
}

/* Threads stop, capabilities go, mappings are revoked (frames it owns freed). */
static void thread_detach(struct thread *th);

bool cap_remove(struct cap *c, bool del)
{
	while (!cap_revoke_some(c, preempt_due))
		if (preempt_due())
			return false;
	if (del)
		cap_delete(c);   /* nothing below it now: only c itself */
	return true;
}

/*
 * In steps, each of which stays done: a task on the dead list has no
 * capability naming it, so nobody can add to it, and its threads go first.
 * false: it stopped at a preemption point (the task stays listed).
 */
static bool task_destroy(struct task *t)
{
	struct factory *f = t->factory;
	while (t->threads) {
		thread_detach(t->threads);
		if (preempt_due())
			return false;
	}
	for (; t->reap_slot < t->caps.n; t->reap_slot++) {
		struct cap *s = &t->slots[t->reap_slot];
		bool used = !cap_empty(s);
		if (!cap_remove(s, true) || (used && preempt_due() && ++t->reap_slot))
			return false;
	}
	if (!map_destroy_space(t))
		return false;
	struct task **p = &dead_tasks;   /* off the list now: nothing of it is left to stop in */
	while (*p != t)
		p = &(*p)->next_dead;
	*p = t->next_dead;
	leave_space_everywhere(t);
	struct mmu_alloc a = task_alloc(t);
	mmu_space_destroy(t->l1, &a);   /* its ASID is not freed: it is free again at the next rollover (asid.c) */
	kmem_free(f, t->l1, 2);
	kmem_free(f, t->shadow_dir, 1);
	kmem_free_deferred(f, t);
	factory_put(f);
	return true;
}

/*
 * Tasks die when their last capability goes. Destroying one deletes its
 * capabilities, which can release other tasks, and a revoke can release
 * tasks in the middle of its walk, where no capability may change (cap.h):
 * so a dead task only joins a list, and obj_reap() drains it after the
 * capability operation, in a loop, not recursion. A task stays on the list
 * until it is gone, so a drain stopped at a preemption point goes on at the
 * next obj_reap (of any CPU: they run under obj_lock).
 */
bool obj_reap(void)
{
	static bool draining;
	if (draining)
		return true;
	draining = true;
	bool done = true;
	while (dead_tasks && (done = task_destroy(dead_tasks)))
		;
	draining = false;
	return done;
}

struct thread *thread_create(struct factory *f, struct task *t, uint32_t utcb_va)
{
	if (utcb_va & (PAGE_SIZE - 1) || utcb_va >= USER_TOP || mmu_lookup(t->l1, utcb_va, NULL) >= 0)
		return NULL;
	struct thread *th = kmem_alloc(f, 1);
	if (!th)
		return NULL;
	struct mmu_alloc a = task_alloc(t);
	void *utcb = kmem_alloc(f, 1);
	if (!utcb || mmu_map_page(t->l1, utcb_va, va_to_pa((uintptr_t)utcb), PROT_R | PROT_W, &a) < 0) {
		if (utcb)
			kmem_free(f, utcb, 1);
		kmem_free(f, th, 1);
		return NULL;
	}
	obj_init(&th->hdr, OBJ_THREAD, &th->factory, f);
	kdb_thread_add(th);
	th->utcb = utcb;
	th->utcb_va = utcb_va;
	th->task = t;
	th->part = f->part;
	th->task_next = t->threads;
	t->threads = th;
	th->cpu = this_cpu()->id;
	th->state = TS_STOPPED;
	static uint32_t next_id = 1;   /* Ordering: a relaxed fetch-add: unique ids, no other order */
	th->id = __atomic_fetch_add(&next_id, 1, __ATOMIC_RELAXED);
	th->quantum_ns = DEFAULT_QUANTUM_NS;
	th->migrate_to = -1;
	th->ipc_cpu = th->cpu;
	th->quantum_end = th->consumed_ns + DEFAULT_QUANTUM_NS;
	sched_count(th, 1);
	return th;
}

void thread_start(struct thread *th, uintptr_t pc, uintptr_t sp, uint32_t arg, uint8_t prio)
{
	th->regs.pc = pc;
	th->regs.sp = sp;
	th->regs.r[0] = arg;
	th->regs.cpsr = PSR_USR | (pc & 1 ? 0x20u : 0);   /* Thumb entry if bit 0 is set */
	th->regs.pc &= ~1u;
	th->link.prio = prio;
	th->state = TS_READY;   /* at once: a sender must not find it stopped while the request is on its way */
	sched_ready(th);        /* on its CPU: a request if that is another one */
}

static void kill_fn(struct drq *r)
{
	thread_kill(r->arg, (int)r->a, NULL);
	drq_finish(r);
}

/*
 * Stop the thread for good: out of every queue, IPC partners told. Its CPU
 * does it (a synchronous request if that is another one). Its memory goes
 * when its last capability does (thread_free).
 */
void thread_kill(struct thread *th, int status, const char *why)
{
	struct cpu *c = this_cpu();
	(void)why;
	if (th->state == TS_DEAD)
		return;
	if (th->cpu != c->id) {
		struct drq r = { .fn = kill_fn, .arg = th, .a = (uint32_t)status };
		drq_call(th->cpu, &r);   /* it forwards if the thread moved meanwhile */
		return;
	}
	/* Dead first: nothing served during ipc_cancel's waits may make it ready or blocked again. */
	uint8_t was = th->state;
	sched_count(th, -1);
	__atomic_store_n(&th->state, TS_DEAD, __ATOMIC_RELAXED);
	if (th->link.queued)
		rq_dequeue(&c->rq, &th->link);
	if (c->current == th)
		c->current = NULL;
	ipc_cancel(th, was);
}

static void thread_memory_free(struct thread *th)
{
	struct factory *f = th->factory;
	kdb_thread_del(th);
	kmem_free_deferred(f, th);
	factory_put(f);
}

/* A gate or IRQ lets go of the thread: its memory goes with the last such reference after its capabilities. */
void thread_put(struct thread *th)
{
	kcheck(th->kref > 0);
	if (--th->kref == 0 && th->hdr.refs == 0)
		thread_memory_free(th);
}

/* The thread leaves its task for good: killed, UTCB unmapped and freed. */
static void thread_detach(struct thread *th)
{
	struct task *t = th->task;
	thread_kill(th, 0, "task destroyed");
	struct thread **p = &t->threads;
	while (*p != th)
		p = &(*p)->task_next;
	*p = th->task_next;
	mmu_clear_page(t->l1, th->utcb_va);
	task_flush_page(t, th->utcb_va);
	kmem_free_deferred(th->factory, th->utcb);
	th->task = NULL;
}

/* The last capability is gone: the thread ends now; gates bound to it keep only its memory. */
static void thread_free(struct thread *th)
{
	if (th->task)
		thread_detach(th);
	else
		thread_kill(th, 0, "deleted");
	if (th->kref == 0)
		thread_memory_free(th);
}

struct gate *gate_create(struct factory *f)
{
	struct gate *g = kmem_alloc(f, 1);
	if (!g)
		return NULL;
	obj_init(&g->hdr, OBJ_GATE, &g->factory, f);
	return g;
}

static void gate_free(struct gate *g)
{
	struct factory *f = g->factory;
	if (g->bound)
		thread_put(g->bound);
	kmem_free_deferred(f, g);
	factory_put(f);
}

/* cap.c: the last capability to o is gone. */
void obj_release(struct kobj *o, void *ctx)
{
	(void)ctx;
	switch (o->type) {
	case OBJ_TASK: {
		struct task *t = (struct task *)o;
		t->next_dead = dead_tasks;
		t->dying = true;
		dead_tasks = t;
		break;
	}
	case OBJ_THREAD: thread_free(container_of(o, struct thread, hdr)); break;
	case OBJ_GATE: gate_free((struct gate *)o); break;
	case OBJ_IRQ: irq_free((struct irq *)o); break;
	case OBJ_FACTORY: factory_destroy((struct factory *)o); break;
	default: break;   /* static kernel objects */
	}
}
